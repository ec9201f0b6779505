/* actr.toml and [hyper] loading (platform.md 7.1-7.3): values, defaults, errors with lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "actr/config.h"
#include "platform/config/url.h"
#include "tmpdir.h"

#define MINIMAL                             \
    "[signaling]\n"                         \
    "url = \"ws://localhost:8081/signaling/ws\"\n" \
    "[ais_endpoint]\n"                      \
    "url = \"http://localhost:8081/ais\"\n" \
    "[deployment]\n"                        \
    "realm_id = 1001\n"

#define KEY32 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define KEY31 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="

static int parse(const char *text, actr_runtime_config_t *cfg, actr_error_t *err)
{
    return actr_runtime_config_parse(text, strlen(text), "actr.toml", "/etc/actr", cfg, err);
}

/* Parsing must fail with code and a message containing want. */
static void expect_fail(const char *text, int code, const char *want)
{
    actr_runtime_config_t cfg;
    actr_error_t err;
    actr_error_clear(&err);
    int rc = parse(text, &cfg, &err);
    if (rc != code || !strstr(err.message, want))
        print_error("rc=%d (want %d) message: %s\nwanted: %s\n", rc, code, err.message, want);
    assert_int_equal(rc, code);
    assert_non_null(strstr(err.message, want));
    assert_null(cfg.source); /* left empty */
    actr_runtime_config_free(&cfg);
}

static bool has_warning(const actr_runtime_config_t *cfg, const char *want)
{
    for (size_t i = 0; i < cfg->warnings.count; i++)
        if (strstr(cfg->warnings.items[i], want))
            return true;
    return false;
}

static const char full_config[] =
    "edition = 1\n"                                           /* 1 */
    "[signaling]\n"                                           /* 2 */
    "url = \"wss://Sig.Example.com:443/signaling/ws\"\n"      /* 3 */
    "[ais_endpoint]\n"                                        /* 4 */
    "url = \"https://ais.example.com\"\n"                     /* 5 */
    "[deployment]\n"                                          /* 6 */
    "realm_id = 4294967295\n"                                 /* 7 */
    "realm_secret = \"rs_test123\"\n"                         /* 8 */
    "ais_endpoint = \"http://unused\"\n"                      /* 9 */
    "[discovery]\n"                                           /* 10 */
    "visible = false\n"                                       /* 11 */
    "[webrtc]\n"                                              /* 12 */
    "stun_urls = [\"stun:a:3478\", \"stun:b:3478\"]\n"        /* 13 */
    "turn_urls = [\"turn:c:3478\"]\n"                         /* 14 */
    "force_relay = true\n"                                    /* 15 */
    "ice_host_acceptance_min_wait = 1\n"                      /* 16 */
    "ice_srflx_acceptance_min_wait = 2\n"                     /* 17 */
    "ice_prflx_acceptance_min_wait = 3\n"                     /* 18 */
    "ice_relay_acceptance_min_wait = 4\n"                     /* 19 */
    "port_range_start = 50000\n"                              /* 20 */
    "port_range_end = 50100\n"                                /* 21 */
    "public_ips = [\"203.0.113.5\"]\n"                        /* 22 */
    "ice_udp_mux_port = 3478\n"                               /* 23 */
    "[websocket]\n"                                           /* 24 */
    "listen_port = 9001\n"                                    /* 25 */
    "advertised_host = \"192.168.1.10\"\n"                    /* 26 */
    "[observability]\n"                                       /* 27 */
    "filter_level = \"debug,webrtc=info\"\n"                  /* 28 */
    "tracing_enabled = true\n"                                /* 29 */
    "tracing_endpoint = \"http://otel:4317\"\n"               /* 30 */
    "tracing_service_name = \"echo\"\n"                       /* 31 */
    "[storage]\n"                                             /* 32 */
    "mailbox_path = \"data/mailbox.db\"\n"                    /* 33 */
    "[capabilities]\n"                                        /* 34 */
    "max_concurrent_requests = 100\n"                         /* 35 */
    "version_range = \"1.0.0-2.0.0\"\n"                       /* 36 */
    "region = \"cn-beijing\"\n"                               /* 37 */
    "[capabilities.tags]\n"                                   /* 38 */
    "env = \"prod\"\n"                                        /* 39 */
    "[[acl.rules]]\n"                                         /* 40 */
    "permission = \"allow\"\n"                                /* 41 */
    "type = \"acme:EchoClient:1.0.0\"\n"                      /* 42 */
    "[[acl.rules]]\n"                                         /* 43 */
    "permission = \"DENY\"\n"                                 /* 44 */
    "type = \"acme:Bad:1.0.0\"\n"                             /* 45 */
    "realm = \"*\"\n"                                         /* 46 */
    "[[acl.rules]]\n"                                         /* 47 */
    "permission = \"Allow\"\n"                                /* 48 */
    "type = \"acme:Other:2\"\n"                               /* 49 */
    "realm = 7\n"                                             /* 50 */
    "[scripts]\n"                                             /* 51 */
    "dev = \"cargo run\"\n"                                   /* 52 */
    "[package]\n"                                             /* 53 */
    "path = \"dist/service.actr\"\n"                          /* 54 */
    "[[trust]]\n"                                             /* 55 */
    "kind = \"static\"\n"                                     /* 56 */
    "pubkey_file = \"keys/public-key.json\"\n"                /* 57 */
    "[[trust]]\n"                                             /* 58 */
    "kind = \"registry\"\n"                                   /* 59 */
    "endpoint = \"http://ais.example.com/ais\"\n"             /* 60 */
    "[web]\n"                                                 /* 61 */
    "port = 5174\n"                                           /* 62 */
    "host = \"127.0.0.1\"\n"                                  /* 63 */
    "static_dir = \"/srv/www\"\n"                             /* 64 */
    "is_server = true\n"                                      /* 65 */
    "package_url = \"/packages/echo.actr\"\n"                 /* 66 */
    "runtime_wasm_url = \"/packages/rt.wasm\"\n"              /* 67 */
    "[hyper]\n"                                               /* 68 */
    "data_dir = \"/var/lib/hyper\"\n"                         /* 69 */
    "storage_path_template = \"{data_dir}/{hostname}/{actr_type}\"\n"
    "credential_expiry_warning_secs = 60\n"
    "mailbox_backpressure_threshold = 10\n"
    "[hyper.dispatch]\n"
    "budget = 4\n"
    "queue_cap = 64\n"
    "dispatch_timeout_ms = 2500\n"
    "[hyper.wasm]\n"
    "fuel_per_invocation = 5\n"
    "fuel_async_yield_interval = 100\n"
    "trap_on_grow_failure = false\n";

static void test_full_config(void **state)
{
    (void)state;
    unsetenv("ACTR_DISPATCH_SERIAL");
    actr_runtime_config_t c;
    actr_error_t err;
    int rc = parse(full_config, &c, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(c.warnings.count, 0);
    assert_int_equal(c.edition, 1);
    assert_string_equal(c.config_dir, "/etc/actr");
    assert_string_equal(c.signaling_url, "wss://sig.example.com/signaling/ws");
    assert_string_equal(c.ais_endpoint, "https://ais.example.com/");
    assert_int_equal(c.realm_id, 4294967295u);
    assert_string_equal(c.realm_secret, "rs_test123");
    assert_string_equal(c.deployment_ais_endpoint, "http://unused");
    assert_false(c.visible_in_discovery);
    /* webrtc */
    assert_int_equal(c.webrtc.ice_server_count, 2);
    assert_int_equal(c.webrtc.ice_servers[0].urls.count, 2);
    assert_string_equal(c.webrtc.ice_servers[0].urls.items[1], "stun:b:3478");
    assert_string_equal(c.webrtc.ice_servers[1].urls.items[0], "turn:c:3478");
    assert_int_equal(c.webrtc.ice_transport_policy, ACTR_ICE_POLICY_RELAY);
    assert_int_equal(c.webrtc.ice_host_acceptance_min_wait_ms, 1);
    assert_int_equal(c.webrtc.ice_srflx_acceptance_min_wait_ms, 2);
    assert_int_equal(c.webrtc.ice_prflx_acceptance_min_wait_ms, 3);
    assert_int_equal(c.webrtc.ice_relay_acceptance_min_wait_ms, 4);
    assert_true(c.webrtc.has_port_range);
    assert_int_equal(c.webrtc.port_range_start, 50000);
    assert_int_equal(c.webrtc.port_range_end, 50100);
    assert_int_equal(c.webrtc.public_ips.count, 1);
    assert_true(c.webrtc.has_udp_mux_port);
    assert_int_equal(c.webrtc.ice_udp_mux_port, 3478);
    /* websocket, observability, storage, capabilities */
    assert_true(c.has_websocket_listen_port);
    assert_int_equal(c.websocket_listen_port, 9001);
    assert_string_equal(c.websocket_advertised_host, "192.168.1.10");
    assert_string_equal(c.observability.filter_level, "debug,webrtc=info");
    assert_true(c.observability.tracing_enabled);
    assert_string_equal(c.observability.tracing_endpoint, "http://otel:4317");
    assert_string_equal(c.observability.tracing_service_name, "echo");
    assert_string_equal(c.mailbox_path, "/etc/actr/data/mailbox.db");
    assert_true(c.has_capabilities);
    assert_int_equal(c.capabilities.max_concurrent_requests, 100);
    assert_string_equal(c.capabilities.region, "cn-beijing");
    assert_string_equal(actr_config_strmap_get(&c.capabilities.tags, "env"), "prod");
    /* acl: omitted realm -> own realm, "*" -> any, integer -> that realm */
    assert_true(c.has_acl);
    assert_int_equal(c.acl.count, 3);
    assert_int_equal(c.acl.rules[0].permission, ACTR_ACL_ALLOW);
    assert_int_equal(c.acl.rules[0].realm, ACTR_ACL_REALM_ID);
    assert_int_equal(c.acl.rules[0].realm_id, 4294967295u);
    assert_string_equal(c.acl.rules[0].from_type.name, "EchoClient");
    assert_int_equal(c.acl.rules[1].permission, ACTR_ACL_DENY);
    assert_int_equal(c.acl.rules[1].realm, ACTR_ACL_REALM_ANY);
    assert_int_equal(c.acl.rules[2].realm_id, 7);
    assert_string_equal(actr_config_strmap_get(&c.scripts, "dev"), "cargo run");
    assert_string_equal(c.package_path, "/etc/actr/dist/service.actr");
    /* trust */
    assert_int_equal(c.trust_count, 2);
    assert_int_equal(c.trust[0].kind, ACTR_TRUST_STATIC);
    assert_string_equal(c.trust[0].pubkey_file, "/etc/actr/keys/public-key.json");
    assert_string_equal(c.trust[0].origin, "actr.toml:55: trust[0]");
    assert_int_equal(c.trust[1].kind, ACTR_TRUST_REGISTRY);
    assert_string_equal(c.trust[1].endpoint, "http://ais.example.com/ais");
    /* web */
    assert_true(c.has_web);
    assert_int_equal(c.web.port, 5174);
    assert_string_equal(c.web.host, "127.0.0.1");
    assert_string_equal(c.web.static_dir, "/srv/www");
    assert_true(c.web.has_is_server && c.web.is_server);
    assert_string_equal(c.web.package_url, "/packages/echo.actr");
    assert_string_equal(c.web.runtime_wasm_url, "/packages/rt.wasm");
    /* hyper */
    assert_true(c.has_hyper);
    assert_false(c.hyper.has_trust);
    assert_string_equal(c.hyper.data_dir, "/var/lib/hyper");
    assert_string_equal(c.hyper.storage_path_template, "{data_dir}/{hostname}/{actr_type}");
    assert_int_equal(c.hyper.credential_expiry_warning_s, 60);
    assert_int_equal(c.hyper.mailbox_backpressure_threshold, 10);
    assert_true(c.hyper.dispatch.enabled);
    assert_int_equal(c.hyper.dispatch.budget, 4);
    assert_int_equal(c.hyper.dispatch.queue_cap, 64);
    assert_int_equal(c.hyper.dispatch.dispatch_timeout_ms, 2500);
    assert_int_equal(c.hyper.wasm.fuel_per_invocation, 5);
    assert_true(c.hyper.wasm.has_fuel_async_yield_interval);
    assert_int_equal(c.hyper.wasm.fuel_async_yield_interval, 100);
    assert_false(c.hyper.wasm.trap_on_grow_failure);
    assert_int_equal(c.hyper.wasm.max_memories, 256);
    /* the resolver picks [[trust]] in file order */
    const actr_trust_anchor_t *anchors;
    size_t n;
    assert_int_equal(actr_runtime_config_trust_anchors(&c, &anchors, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_ptr_equal(anchors, c.trust);
    actr_runtime_config_free(&c);
    actr_runtime_config_free(&c); /* harmless twice */
}

static void test_defaults(void **state)
{
    (void)state;
    unsetenv("ACTR_DISPATCH_SERIAL");
    setenv("HOME", "/home/tester", 1);
    actr_runtime_config_t c;
    actr_error_t err;
    assert_int_equal(parse(MINIMAL, &c, &err), 0);
    assert_int_equal(c.edition, 1);
    assert_true(c.visible_in_discovery);
    assert_null(c.realm_secret);
    assert_int_equal(c.webrtc.ice_server_count, 0);
    assert_int_equal(c.webrtc.ice_transport_policy, ACTR_ICE_POLICY_ALL);
    assert_int_equal(c.webrtc.ice_host_acceptance_min_wait_ms, 0);
    assert_int_equal(c.webrtc.ice_srflx_acceptance_min_wait_ms, 20);
    assert_int_equal(c.webrtc.ice_prflx_acceptance_min_wait_ms, 40);
    assert_int_equal(c.webrtc.ice_relay_acceptance_min_wait_ms, 100);
    assert_false(c.webrtc.has_port_range);
    assert_false(c.has_websocket_listen_port);
    assert_null(c.websocket_advertised_host);
    assert_string_equal(c.observability.filter_level, "info");
    assert_false(c.observability.tracing_enabled);
    assert_string_equal(c.observability.tracing_endpoint, "http://localhost:4317");
    assert_null(c.observability.tracing_service_name);
    assert_null(c.mailbox_path);
    assert_false(c.has_acl);
    assert_false(c.has_capabilities);
    assert_null(c.package_path);
    assert_int_equal(c.trust_count, 0);
    assert_false(c.has_web);
    assert_int_equal(c.web.port, 8080);
    assert_string_equal(c.web.host, "0.0.0.0");
    assert_string_equal(c.web.static_dir, "/etc/actr/public");
    assert_false(c.has_hyper);
    assert_string_equal(c.hyper.data_dir, "/home/tester/.actr/hyper");
    assert_string_equal(c.hyper.storage_path_template, "{data_dir}/{actr_type}");
    assert_int_equal(c.hyper.credential_expiry_warning_s, 300);
    assert_int_equal(c.hyper.mailbox_backpressure_threshold, 1024);
    assert_true(c.hyper.dispatch.enabled);
    assert_int_equal(c.hyper.dispatch.budget, 8);
    assert_int_equal(c.hyper.dispatch.queue_cap, 256);
    assert_int_equal(c.hyper.dispatch.dispatch_timeout_ms, 0);
    actr_wasm_limits_t def;
    actr_wasm_limits_default(&def);
    assert_memory_equal(&c.hyper.wasm, &def, sizeof def);
    assert_int_equal(def.max_component_bytes, 64u << 20);
    assert_int_equal(def.max_total_linear_memory, 1u << 30);
    assert_int_equal(def.async_stack_size, 3u << 20);
    assert_false(def.has_fuel_async_yield_interval);
    assert_int_equal(c.warnings.count, 0);
    /* No trust anchor: the reference's error. */
    const actr_trust_anchor_t *anchors;
    size_t n;
    assert_int_equal(actr_runtime_config_trust_anchors(&c, &anchors, &n, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "no `[hyper.trust]` or `[[trust]]` anchor configured"));
    assert_non_null(strstr(err.message, "dev_only"));
    actr_runtime_config_free(&c);
}

static void test_required_keys(void **state)
{
    (void)state;
    expect_fail("[ais_endpoint]\nurl = \"http://a/\"\n[deployment]\nrealm_id = 1\n", ACTR_EINVAL,
                "actr.toml: signaling.url: missing required key");
    expect_fail("\n[signaling]\nother = 1\n", ACTR_EINVAL,
                "actr.toml:2: signaling.url: missing required key");
    expect_fail("[signaling]\nurl = \"ws://a\"\n[deployment]\nrealm_id = 1\n", ACTR_EINVAL,
                "actr.toml: ais_endpoint.url: missing required key");
    expect_fail("[signaling]\nurl = \"ws://a\"\n[ais_endpoint]\nurl = \"http://a\"\n"
                "[deployment]\nrealm_secret = \"x\"\n",
                ACTR_EINVAL, "actr.toml:5: deployment.realm_id: missing required key");
}

static void test_wrong_types(void **state)
{
    (void)state;
    expect_fail("[signaling]\nurl = 5\n", ACTR_EINVAL,
                "actr.toml:2: signaling.url: expected a string, found integer");
    expect_fail(MINIMAL "[discovery]\nvisible = \"yes\"\n", ACTR_EINVAL,
                "actr.toml:8: discovery.visible: expected a boolean, found string");
    expect_fail(MINIMAL "[webrtc]\nstun_urls = \"stun:a\"\n", ACTR_EINVAL,
                "actr.toml:8: webrtc.stun_urls: expected an array of strings, found string");
    expect_fail(MINIMAL "[webrtc]\nstun_urls = [\"a\", 1]\n", ACTR_EINVAL,
                "actr.toml:8: webrtc.stun_urls[1]: expected a string, found integer");
    expect_fail("scripts = 3\n" MINIMAL, ACTR_EINVAL,
                "actr.toml:1: scripts: expected a table of strings, found integer");
    expect_fail(MINIMAL "[scripts]\n\"a b\" = 1\n", ACTR_EINVAL,
                "actr.toml:8: scripts.\"a b\": expected a string, found integer");
    expect_fail("signaling = 1\n", ACTR_EINVAL, "actr.toml:1: signaling: expected a table");
    expect_fail(MINIMAL "[websocket]\nlisten_port = 1.5\n", ACTR_EINVAL,
                "actr.toml:8: websocket.listen_port: expected an integer, found float");
    expect_fail("edition = 2\n" MINIMAL, ACTR_EUNSUPPORTED,
                "actr.toml:1: edition: Unsupported config edition: 2");
    expect_fail("[signaling\n", ACTR_EPARSE, "actr.toml: line 1");
}

static void test_ranges(void **state)
{
    (void)state;
    expect_fail(MINIMAL "[websocket]\nlisten_port = 70000\n", ACTR_ERANGE,
                "actr.toml:8: websocket.listen_port: 70000 is out of range 1..65535");
    expect_fail(MINIMAL "[websocket]\nlisten_port = 0\n", ACTR_ERANGE, "0 is out of range");
    expect_fail(MINIMAL "[webrtc]\nport_range_end = -1\n", ACTR_ERANGE,
                "webrtc.port_range_end: -1 is out of range");
    expect_fail("[deployment]\nrealm_id = 4294967296\n", ACTR_ERANGE,
                "actr.toml:2: deployment.realm_id: 4294967296 is out of range 0..4294967295");
    expect_fail("[deployment]\nrealm_id = -1\n", ACTR_ERANGE, "-1 is out of range");
    expect_fail(MINIMAL "[webrtc]\nice_host_acceptance_min_wait = -5\n", ACTR_ERANGE,
                "webrtc.ice_host_acceptance_min_wait: -5 is out of range");
    expect_fail(MINIMAL "[webrtc]\nport_range_start = 6000\nport_range_end = 6000\n", ACTR_EINVAL,
                "actr.toml:8: webrtc.port_range_start: Invalid port range: start (6000) must be "
                "less than end (6000)");
    expect_fail(MINIMAL "[web]\nport = 65536\n", ACTR_ERANGE, "web.port");
    expect_fail(MINIMAL "[hyper.dispatch]\nbudget = 0\n", ACTR_ERANGE,
                "hyper.dispatch.budget: 0 is out of range");
}

static void test_public_ips_need_port_range(void **state)
{
    (void)state;
    actr_runtime_config_t c;
    actr_error_t err;
    assert_int_equal(parse(MINIMAL "[webrtc]\npublic_ips = [\"1.2.3.4\"]\nport_range_start = 10\n",
                           &c, &err),
                     0);
    assert_false(c.webrtc.has_port_range);
    assert_int_equal(c.webrtc.public_ips.count, 0);
    assert_true(has_warning(&c, "actr.toml:8: webrtc.public_ips: ignored without a port range"));
    assert_true(has_warning(&c, "actr.toml:9: webrtc.port_range_start: ignored"));
    actr_runtime_config_free(&c);
}

static void expect_url(const char *in, const char *normalized)
{
    actr_url_t u;
    actr_error_t err;
    int rc = actr_url_parse(in, strlen(in), &u, &err);
    if (rc != 0)
        print_error("%s: %s\n", in, err.message);
    assert_int_equal(rc, 0);
    assert_string_equal(u.normalized, normalized);
    actr_url_free(&u);
}

static void expect_bad_url(const char *in, const char *why)
{
    actr_url_t u;
    actr_error_t err;
    assert_int_equal(actr_url_parse(in, strlen(in), &u, &err), ACTR_EINVAL);
    if (!strstr(err.message, why))
        print_error("%s: %s\n", in, err.message);
    assert_non_null(strstr(err.message, why));
    assert_null(u.normalized);
}

static void test_urls(void **state)
{
    (void)state;
    expect_url("http://localhost:8081", "http://localhost:8081/");
    expect_url("HTTP://Example.COM:80", "http://example.com/");
    expect_url("wss://h:443/x?a=b&c=%2F", "wss://h/x?a=b&c=%2F");
    expect_url("ws://[::1]:9000/ws", "ws://[::1]:9000/ws");
    expect_url("ws://[2001:DB8::1]/", "ws://[2001:db8::1]/");
    expect_url("ws://[::ffff:192.0.2.1]:1/", "ws://[::ffff:192.0.2.1]:1/");
    expect_url("http://10.0.0.1:8080/ais", "http://10.0.0.1:8080/ais");
    expect_bad_url("localhost:8080", "must have \"//\"");
    expect_bad_url("ws://", "empty host");
    expect_bad_url("ws://h:", "empty port");
    expect_bad_url("ws://h:0/", "port 0");
    expect_bad_url("ws://h:65536/", "above 65535");
    expect_bad_url("ws://user:pw@h/", "user info");
    expect_bad_url("ws://h/a b", "whitespace");
    expect_bad_url("ws://h/#frag", "fragment");
    expect_bad_url("ws://h/a/../b", "path segment");
    expect_bad_url("ws://h/%zz", "invalid percent escape");
    expect_bad_url("ws://h/%2", "incomplete percent escape");
    expect_bad_url("ws://127.1/", "invalid IPv4");
    expect_bad_url("ws://256.0.0.1/", "invalid IPv4");
    expect_bad_url("ws://[::1/", "unterminated IPv6");
    expect_bad_url("ws://[1:2:3]/", "invalid IPv6");
    expect_bad_url("ws://[::1::2]/", "invalid IPv6");
    expect_bad_url("ws://h\xc3\xa9/", "non-ASCII");
    expect_bad_url("ws://ex ample/", "whitespace");
    expect_bad_url("ws://a$b/", "invalid character in the host");
    /* In actr.toml: scheme checks and the key and line in the message. */
    expect_fail("[signaling]\nurl = \"http://a/ws\"\n", ACTR_EINVAL,
                "actr.toml:2: signaling.url: invalid URL \"http://a/ws\": scheme must be ws:// or "
                "wss://");
    expect_fail("[signaling]\nurl = \"ws://a\"\n[ais_endpoint]\nurl = \"wss://a\"\n",
                ACTR_EINVAL, "actr.toml:4: ais_endpoint.url: invalid URL \"wss://a\": scheme must "
                             "be http:// or https://");
    expect_fail("[signaling]\nurl = \"ws://\"\n", ACTR_EINVAL,
                "actr.toml:2: signaling.url: invalid URL \"ws://\": has an empty host");
}

static void test_unknown_keys(void **state)
{
    (void)state;
    actr_runtime_config_t c;
    actr_error_t err;
    const char *text = MINIMAL                /* lines 1-6 */
        "signalling_url = \"x\"\n"            /* 7 */
        "[deployment.extra]\n"                /* 8 */
        "[websocket]\n"                       /* 9 */
        "listen_prot = 9000\n"                /* 10 */
        "[[acl.rules]]\n"                     /* 11 */
        "permission = \"allow\"\n"            /* 12 */
        "type = \"a:b:1\"\n"                  /* 13 */
        "comment = \"x\"\n"                   /* 14 */
        "[unknown_section]\n"                 /* 15 */
        "a = 1\n"                             /* 16 */
        "[hyper]\n"                           /* 17 */
        "data_dri = \"x\"\n"                  /* 18 */
        "[[trust]]\n"                         /* 19 */
        "kind = \"static\"\n"                 /* 20 */
        "pubkey_b64 = \"" KEY32 "\"\n"        /* 21 */
        "endpoint = \"http://x\"\n";          /* 22 */
    assert_int_equal(parse(text, &c, &err), 0);
    assert_true(has_warning(&c, "actr.toml:7: deployment.signalling_url: unknown key, ignored"));
    assert_true(has_warning(&c, "actr.toml:8: deployment.extra: unknown key, ignored"));
    assert_true(has_warning(&c, "actr.toml:10: websocket.listen_prot: unknown key, ignored"));
    assert_true(has_warning(&c, "actr.toml:14: acl.rules[0].comment: unknown key, ignored"));
    assert_true(has_warning(&c, "actr.toml:15: unknown_section: unknown key, ignored"));
    assert_true(has_warning(&c, "actr.toml:18: hyper.data_dri: unknown key, ignored"));
    assert_true(has_warning(&c, "actr.toml:22: trust[0].endpoint: not used by a static anchor"));
    assert_int_equal(c.warnings.count, 7);
    actr_runtime_config_free(&c);
    /* Strict tables: the reference's deny_unknown_fields [storage], and Hyper's own tables. */
    expect_fail(MINIMAL "[storage]\nhyper_data_dir = \".hyper\"\n", ACTR_EINVAL,
                "actr.toml:8: storage.hyper_data_dir: unknown key");
    expect_fail(MINIMAL "[hyper.wasm]\nfuel = 1\n", ACTR_EINVAL,
                "actr.toml:8: hyper.wasm.fuel: unknown key");
    expect_fail(MINIMAL "[hyper.dispatch]\nserial = true\n", ACTR_EINVAL,
                "actr.toml:8: hyper.dispatch.serial: unknown key");
}

static void test_paths_joined_to_config_dir(void **state)
{
    (void)state;
    char dir[TEST_TMPDIR_SIZE], path[256], sub[256];
    test_tmpdir_make(dir);
    test_path_join(sub, sizeof sub, dir, "conf");
    assert_int_equal(mkdir(sub, 0700), 0);
    test_path_join(path, sizeof path, sub, "actr.toml");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(MINIMAL "[package]\npath = \"dist/x.actr\"\n[storage]\nmailbox_path = \"mb.db\"\n"
                  "[hyper]\ndata_dir = \"state\"\n[[trust]]\nkind = \"dev\"\n"
                  "pubkey_file = \"../pk.json\"\n[web]\n",
          f);
    fclose(f);
    setenv("HOME", "/home/tester", 1);
    actr_runtime_config_t c;
    actr_error_t err;
    int rc = actr_runtime_config_load(path, &c, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    char want[300];
    assert_string_equal(c.config_dir, sub);
    assert_string_equal(c.source, path);
    snprintf(want, sizeof want, "%s/dist/x.actr", sub);
    assert_string_equal(c.package_path, want);
    snprintf(want, sizeof want, "%s/mb.db", sub);
    assert_string_equal(c.mailbox_path, want);
    snprintf(want, sizeof want, "%s/state", sub);
    assert_string_equal(c.hyper.data_dir, want);
    snprintf(want, sizeof want, "%s/public", sub);
    assert_string_equal(c.web.static_dir, want);
    snprintf(want, sizeof want, "%s/../pk.json", sub);
    assert_string_equal(c.trust[0].pubkey_file, want);
    assert_int_equal(c.trust[0].kind, ACTR_TRUST_DEV);
    actr_runtime_config_free(&c);
    /* "~/" expands to $HOME. */
    assert_int_equal(parse(MINIMAL "[hyper]\ndata_dir = \"~/.actr/hyper\"\n", &c, &err), 0);
    assert_string_equal(c.hyper.data_dir, "/home/tester/.actr/hyper");
    actr_runtime_config_free(&c);
    /* A missing file names the path. */
    test_path_join(path, sizeof path, dir, "missing.toml");
    assert_int_equal(actr_runtime_config_load(path, &c, &err), ACTR_ENOTFOUND);
    assert_non_null(strstr(err.message, "missing.toml"));
    test_tmpdir_remove(dir);
}

static void test_trust_precedence(void **state)
{
    (void)state;
    actr_runtime_config_t c;
    actr_error_t err;
    const actr_trust_anchor_t *anchors;
    size_t n;
    /* [hyper.trust] wins over [[trust]]. */
    assert_int_equal(parse(MINIMAL "[[trust]]\nkind = \"registry\"\nendpoint = \"http://r/ais\"\n"
                                   "[hyper.trust]\nkind = \"static\"\npubkey_b64 = \"" KEY32 "\"\n",
                           &c, &err),
                     0);
    assert_int_equal(actr_runtime_config_trust_anchors(&c, &anchors, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(anchors[0].kind, ACTR_TRUST_STATIC);
    assert_ptr_equal(anchors, &c.hyper.trust);
    uint8_t key[32];
    memset(key, 0xff, sizeof key);
    assert_int_equal(actr_trust_anchor_load_key(anchors, key, &err), 0);
    for (size_t i = 0; i < 32; i++)
        assert_int_equal(key[i], 0);
    actr_runtime_config_free(&c);
    /* dev_only: accepted in [hyper.trust] with a warning, refused in [[trust]]. */
    assert_int_equal(parse(MINIMAL "[hyper.trust]\nkind = \"dev_only\"\n", &c, &err), 0);
    assert_int_equal(c.hyper.trust.kind, ACTR_TRUST_DEV_ONLY);
    assert_true(has_warning(&c, "actr.toml:7: hyper.trust: dev_only trust rejects every package"));
    assert_int_equal(actr_runtime_config_trust_anchors(&c, &anchors, &n, &err), 0);
    assert_int_equal(actr_trust_anchor_load_key(anchors, key, &err), ACTR_EINVAL);
    actr_runtime_config_free(&c);
    expect_fail(MINIMAL "[[trust]]\nkind = \"dev_only\"\n", ACTR_EINVAL,
                "actr.toml:8: trust[0].kind: \"dev_only\" is only accepted in [hyper.trust]");
    expect_fail(MINIMAL "[[trust]]\nkind = \"magic\"\n", ACTR_EINVAL,
                "trust[0].kind: \"magic\" is not one of \"static\", \"registry\", \"dev\"");
    expect_fail(MINIMAL "[[trust]]\npubkey_b64 = \"x\"\n", ACTR_EINVAL,
                "actr.toml:7: trust[0].kind: missing required key");
    expect_fail(MINIMAL "[[trust]]\nkind = \"static\"\n", ACTR_EINVAL,
                "actr.toml:7: trust[0]: static trust anchor requires `pubkey_file` or `pubkey_b64`");
    expect_fail(MINIMAL "[[trust]]\nkind = \"registry\"\n", ACTR_EINVAL,
                "registry trust anchor requires `endpoint`");
    expect_fail(MINIMAL "[[trust]]\nkind = \"registry\"\nendpoint = \"ftp://x\"\n", ACTR_EINVAL,
                "actr.toml:9: trust[0].endpoint: invalid URL");
    expect_fail(MINIMAL "[[trust]]\nkind = \"dev\"\n", ACTR_EINVAL,
                "dev trust anchor requires `pubkey_file`");
    expect_fail("trust = 1\n" MINIMAL, ACTR_EINVAL, "actr.toml:1: trust: expected an array");
}

/* Writes text into dir/name and returns a static anchor pointing at it. */
static void expect_key_error(actr_trust_anchor_t *a, const char *want)
{
    uint8_t key[32];
    actr_error_t err;
    assert_int_not_equal(actr_trust_anchor_load_key(a, key, &err), 0);
    if (!strstr(err.message, want))
        print_error("%s\n", err.message);
    assert_non_null(strstr(err.message, want));
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_static_key_errors(void **state)
{
    (void)state;
    char dir[TEST_TMPDIR_SIZE], path[256];
    test_tmpdir_make(dir);
    test_path_join(path, sizeof path, dir, "pk.json");
    actr_trust_anchor_t a = {.kind = ACTR_TRUST_STATIC, .origin = "actr.toml:3: trust[0]"};
    expect_key_error(&a, "actr.toml:3: trust[0]: static trust anchor requires `pubkey_file` or "
                         "`pubkey_b64`");
    a.pubkey_b64 = "not base64!";
    expect_key_error(&a, "invalid pubkey_b64");
    a.pubkey_b64 = KEY31;
    expect_key_error(&a, "pubkey_b64 must decode to 32 bytes, got 31");
    a.pubkey_b64 = NULL;
    a.pubkey_file = path;
    expect_key_error(&a, "failed to read");
    write_file(path, "{not json");
    expect_key_error(&a, "is not valid JSON");
    write_file(path, "{\"key\": \"" KEY32 "\"}");
    expect_key_error(&a, "missing the `public_key` field");
    write_file(path, "{\"public_key\": 5}");
    expect_key_error(&a, "missing the `public_key` field");
    write_file(path, "{\"public_key\": \"***\"}");
    expect_key_error(&a, "has invalid base64");
    write_file(path, "{\"public_key\": \"" KEY31 "\"}");
    expect_key_error(&a, "must contain a 32-byte key, got 31");
    write_file(path, "{\"public_key\": \"" KEY32 "\", \"key_id\": \"x\"}");
    uint8_t key[32];
    actr_error_t err;
    assert_int_equal(actr_trust_anchor_load_key(&a, key, &err), 0);
    /* b64 wins over the file. */
    a.pubkey_b64 = KEY31;
    expect_key_error(&a, "got 31");
    actr_trust_anchor_t reg = {.kind = ACTR_TRUST_REGISTRY, .endpoint = "http://x"};
    expect_key_error(&reg, "has no static key");
    assert_string_equal(actr_trust_kind_name(ACTR_TRUST_DEV_ONLY), "dev_only");
    test_tmpdir_remove(dir);
}

static void test_acl_rules(void **state)
{
    (void)state;
    const char *base = MINIMAL "[acl]\n";
    char text[1024];
    snprintf(text, sizeof text, "%s", base);
    expect_fail(text, ACTR_EINVAL, "actr.toml:7: acl: ACL must have 'rules' array");
    expect_fail(MINIMAL "[acl]\nrules = 1\n", ACTR_EINVAL,
                "actr.toml:8: acl.rules: ACL must have 'rules' array");
    expect_fail(MINIMAL "[acl]\nrules = [1]\n", ACTR_EINVAL,
                "acl.rules[0]: ACL rule 0 must be a table");
    expect_fail(MINIMAL "[[acl.rules]]\ntype = \"a:b:1\"\n", ACTR_EINVAL,
                "actr.toml:7: acl.rules[0]: ACL rule 0 missing 'permission' field");
    expect_fail(MINIMAL "[[acl.rules]]\npermission = \"allow\"\n", ACTR_EINVAL,
                "ACL rule 0 missing 'type' field");
    expect_fail(MINIMAL "[[acl.rules]]\npermission = \"maybe\"\ntype = \"a:b:1\"\n", ACTR_EINVAL,
                "actr.toml:8: acl.rules[0].permission: ACL rule 0: invalid permission 'maybe'");
    expect_fail(MINIMAL "[[acl.rules]]\npermission = \"deny\"\ntype = \"a:b\"\n", ACTR_EPARSE,
                "actr.toml:9: acl.rules[0].type:");
    expect_fail(MINIMAL "[[acl.rules]]\npermission = \"deny\"\ntype = \"1a:b:1\"\n", ACTR_EINVAL,
                "acl.rules[0].type:");
    expect_fail(MINIMAL "[[acl.rules]]\npermission = \"deny\"\ntype = \"a:b:1\"\nrealm = \"any\"\n",
                ACTR_EINVAL, "actr.toml:10: acl.rules[0].realm: ACL rule 0: invalid realm 'any'");
    expect_fail(MINIMAL "[[acl.rules]]\npermission = \"deny\"\ntype = \"a:b:1\"\nrealm = true\n",
                ACTR_EINVAL, "realm must be 'self', '*', or an integer");
    /* No wrapping: the reference casts with `as u32`. */
    expect_fail(MINIMAL "[[acl.rules]]\npermission = \"deny\"\ntype = \"a:b:1\"\n"
                        "realm = 4294967296\n",
                ACTR_ERANGE, "actr.toml:10: acl.rules[0].realm:");
    actr_runtime_config_t c;
    actr_error_t err;
    assert_int_equal(parse(MINIMAL "[acl]\nrules = []\n", &c, &err), 0);
    assert_true(c.has_acl);
    assert_int_equal(c.acl.count, 0); /* present and empty: denies everyone */
    actr_runtime_config_free(&c);
    assert_int_equal(parse(MINIMAL "[[acl.rules]]\npermission = \"deny\"\ntype = \"a:b:1\"\n"
                                   "realm = \"self\"\n",
                           &c, &err),
                     0);
    assert_int_equal(c.acl.rules[0].realm_id, 1001);
    actr_runtime_config_free(&c);
}

static void test_wasm_limits_validate(void **state)
{
    (void)state;
    actr_wasm_limits_t l;
    actr_error_t err;
    actr_wasm_limits_default(&l);
    assert_int_equal(actr_wasm_limits_validate(&l, &err), 0);
    static const size_t offsets[] = {
        offsetof(actr_wasm_limits_t, fuel_per_invocation),
        offsetof(actr_wasm_limits_t, max_tables),
        offsetof(actr_wasm_limits_t, max_outstanding_invocations),
    };
    static const char *const names[] = {"fuel_per_invocation", "max_tables",
                                        "max_outstanding_invocations"};
    for (size_t i = 0; i < 3; i++) {
        actr_wasm_limits_default(&l);
        memset((char *)&l + offsets[i], 0, sizeof(uint64_t));
        assert_int_equal(actr_wasm_limits_validate(&l, &err), ACTR_EINVAL);
        char want[128];
        snprintf(want, sizeof want, "WASM runtime limit `%s` must be greater than zero", names[i]);
        assert_string_equal(err.message, want);
    }
    actr_wasm_limits_default(&l);
    l.epoch_tick_ms = l.invocation_timeout_ms + 1;
    assert_int_equal(actr_wasm_limits_validate(&l, &err), ACTR_EINVAL);
    assert_string_equal(err.message, "WASM epoch_tick must not exceed invocation_timeout");
    actr_wasm_limits_default(&l);
    l.max_linear_memory = l.max_total_linear_memory + 1;
    assert_int_equal(actr_wasm_limits_validate(&l, &err), ACTR_EINVAL);
    assert_string_equal(err.message,
                        "WASM max_linear_memory must not exceed max_total_linear_memory");
    actr_wasm_limits_default(&l);
    l.has_fuel_async_yield_interval = true;
    assert_int_equal(actr_wasm_limits_validate(&l, &err), ACTR_EINVAL);
    assert_string_equal(err.message,
                        "WASM fuel_async_yield_interval must be greater than zero when set");
    /* The same checks on [hyper.wasm], with the table's line. */
    expect_fail(MINIMAL "[hyper.wasm]\nepoch_tick_ms = 0\n", ACTR_EINVAL,
                "actr.toml:7: hyper.wasm: WASM runtime limit `epoch_tick` must be greater than "
                "zero");
    expect_fail(MINIMAL "[hyper.wasm]\nepoch_tick_ms = 6000\n", ACTR_EINVAL,
                "WASM epoch_tick must not exceed invocation_timeout");
    expect_fail(MINIMAL "[hyper.wasm]\nfuel_async_yield_interval = 0\n", ACTR_EINVAL,
                "fuel_async_yield_interval must be greater than zero when set");
}

static void test_dispatch_serial_env(void **state)
{
    (void)state;
    static const char *const on[] = {"1", "true", "TRUE", "yes", " 1 ", "\ttrue\n"};
    static const char *const off[] = {"0", "false", "True", "YES", "", "11", "y"};
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++)
        assert_true(actr_dispatch_serial_env_override(on[i]));
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
        assert_false(actr_dispatch_serial_env_override(off[i]));
    assert_false(actr_dispatch_serial_env_override(NULL));
    actr_runtime_config_t c;
    actr_error_t err;
    /* The environment wins over [hyper.dispatch].enabled. */
    setenv("ACTR_DISPATCH_SERIAL", " yes", 1);
    assert_int_equal(parse(MINIMAL "[hyper.dispatch]\nenabled = true\n", &c, &err), 0);
    assert_false(c.hyper.dispatch.enabled);
    actr_runtime_config_free(&c);
    setenv("ACTR_DISPATCH_SERIAL", "no", 1);
    assert_int_equal(parse(MINIMAL, &c, &err), 0);
    assert_true(c.hyper.dispatch.enabled);
    actr_runtime_config_free(&c);
    unsetenv("ACTR_DISPATCH_SERIAL");
    actr_hyper_config_t h;
    assert_int_equal(actr_hyper_config_init(&h, &err), 0);
    assert_true(h.dispatch.enabled);
    actr_hyper_config_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_config),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_required_keys),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_public_ips_need_port_range),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_paths_joined_to_config_dir),
        cmocka_unit_test(test_trust_precedence),
        cmocka_unit_test(test_static_key_errors),
        cmocka_unit_test(test_acl_rules),
        cmocka_unit_test(test_wasm_limits_validate),
        cmocka_unit_test(test_dispatch_serial_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
