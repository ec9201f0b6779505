/* actrd serving configuration: defaults, every key of actrd.toml, errors with lines, overrides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/config.h"
#include "tmpdir.h"

static int apply(actrd_net_config_t *cfg, const char *text, actr_error_t *err)
{
    actr_error_clear(err);
    return actrd_net_config_apply_toml(cfg, text, strlen(text), "actrd.toml", err);
}

static void test_defaults(void **state)
{
    (void)state;
    actrd_net_config_t cfg;
    actrd_net_config_init(&cfg);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8081);
    assert_true(cfg.http_rate_per_sec == 2.0); /* actrix's AIS governor */
    assert_int_equal(cfg.http_burst, 100);
    assert_int_equal(cfg.max_http_body_bytes, 1 << 20);
    assert_int_equal(cfg.max_frame_bytes, 1 << 20);
    assert_int_equal(cfg.state.token_ttl_secs, 3600);
    assert_int_equal(cfg.state.heartbeat_interval_secs, 30);
    assert_int_equal(cfg.registry_ttl_secs, 60);
    assert_false(cfg.log_level_given);
    assert_false(cfg.listen_given);
    assert_string_equal(cfg.state.data_dir, "");
    actr_error_t err;
    /* No data directory yet: serving needs one. */
    assert_int_equal(actrd_net_config_check(&cfg, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "data"));
}

static const char full_file[] =
    "listen = \"[::1]:9000\"\n"
    "data_dir = \"/var/lib/actrd\"\n"
    "log_level = \"debug\"\n"
    "[ais]\n"
    "token_ttl_secs = 120\n"
    "renewal_token_ttl_secs = 7200\n"
    "renewal_rotation_window_secs = 600\n"
    "heartbeat_interval_secs = 15\n"
    "turn_secret = \"s3cret\"\n"
    "mfr_proof_future_secs = 30\n"
    "mfr_proof_max_age_secs = 200\n"
    "nonce_ttl_secs = 900\n"
    "[limits]\n"
    "http_rate_per_sec = 5.5\n"
    "http_burst = 7\n"
    "ws_connect_rate_per_sec = 3\n"
    "ws_connect_burst = 4\n"
    "ratelimit_max_ips = 1000\n"
    "max_http_body_bytes = 65536\n"
    "max_frame_bytes = 32768\n"
    "send_queue_frames = 64\n"
    "send_queue_bytes = 131072\n"
    "max_connections = 10000\n"
    "http_timeout_secs = 12\n"
    "ws_idle_secs = 45\n"
    "ws_msg_rate_per_sec = 50.5\n"
    "ws_msg_burst = 80\n"
    "[signaling]\n"
    "registry_ttl_secs = 90\n"
    "sweep_interval_secs = 10\n"
    "pong_interval_secs = 20\n"
    "max_route_candidates = 50\n"
    "max_subscriptions = 8\n"
    "shutdown_grace_ms = 250\n";

static void test_every_key(void **state)
{
    (void)state;
    actrd_net_config_t cfg;
    actrd_net_config_init(&cfg);
    actr_error_t err;
    assert_int_equal(apply(&cfg, full_file, &err), 0);
    assert_string_equal(cfg.listen_host, "::1");
    assert_int_equal(cfg.listen_port, 9000);
    assert_true(cfg.listen_given); /* so serve does not fall back to init's address */
    assert_string_equal(cfg.state.data_dir, "/var/lib/actrd");
    assert_int_equal(cfg.log_level, ACTR_LOG_DEBUG);
    assert_true(cfg.log_level_given);
    assert_int_equal(cfg.state.token_ttl_secs, 120);
    assert_int_equal(cfg.state.renewal_token_ttl_secs, 7200);
    assert_int_equal(cfg.state.renewal_rotation_window_secs, 600);
    assert_int_equal(cfg.state.heartbeat_interval_secs, 15);
    assert_string_equal(cfg.state.turn_secret, "s3cret");
    assert_int_equal(cfg.state.mfr_proof_future_secs, 30);
    assert_int_equal(cfg.state.mfr_proof_max_age_secs, 200);
    assert_int_equal(cfg.state.nonce_ttl_secs, 900);
    assert_true(cfg.http_rate_per_sec == 5.5);
    assert_int_equal(cfg.http_burst, 7);
    assert_true(cfg.ws_connect_rate_per_sec == 3.0); /* an integer is fine for a rate */
    assert_int_equal(cfg.ws_connect_burst, 4);
    assert_int_equal(cfg.ratelimit_max_ips, 1000);
    assert_int_equal(cfg.max_http_body_bytes, 65536);
    assert_int_equal(cfg.max_frame_bytes, 32768);
    assert_int_equal(cfg.send_queue_frames, 64);
    assert_int_equal(cfg.send_queue_bytes, 131072);
    assert_int_equal(cfg.max_connections, 10000);
    assert_int_equal(cfg.http_timeout_secs, 12);
    assert_int_equal(cfg.ws_idle_secs, 45);
    assert_true(cfg.ws_msg_rate_per_sec == 50.5);
    assert_int_equal(cfg.ws_msg_burst, 80);
    assert_int_equal(cfg.registry_ttl_secs, 90);
    assert_int_equal(cfg.sweep_interval_secs, 10);
    assert_int_equal(cfg.pong_interval_secs, 20);
    assert_int_equal(cfg.max_route_candidates, 50);
    assert_int_equal(cfg.max_subscriptions, 8);
    assert_int_equal(cfg.shutdown_grace_ms, 250);
    assert_int_equal(actrd_net_config_check(&cfg, &err), 0);

    actrd_sig_config_t sig;
    actrd_net_config_sig(&cfg, &sig);
    assert_int_equal(sig.registry_ttl_ms, 90000);
    assert_int_equal(sig.sweep_interval_ms, 10000);
    assert_int_equal(sig.pong_interval_secs, 20);
    assert_true(sig.msg_rate_per_sec == 50.5);
    assert_int_equal(sig.msg_burst, 80);
    assert_int_equal(sig.max_frame_bytes, 32768);
    assert_int_equal(sig.max_connections, 10000);
    assert_int_equal(sig.max_route_candidates, 50);
    assert_int_equal(sig.max_subscriptions, 8);
}

static void test_dotted_keys_and_inline_tables(void **state)
{
    (void)state;
    actrd_net_config_t cfg;
    actrd_net_config_init(&cfg);
    actr_error_t err;
    assert_int_equal(apply(&cfg, "limits.http_burst = 9\nais = { token_ttl_secs = 5 }\n", &err),
                     0);
    assert_int_equal(cfg.http_burst, 9);
    assert_int_equal(cfg.state.token_ttl_secs, 5);
}

/* Each bad document and the message it must produce (line numbers included). */
static void test_errors_name_the_line(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        {"listen = \"127.0.0.1:1\"\nbogus = 1\n", "actrd.toml:2: unknown key `bogus`"},
        {"[limits]\nhttp_burst = 1\nhttp_bust = 2\n", "actrd.toml:3: unknown key `limits.http_bust`"},
        {"[nope]\nx = 1\n", "actrd.toml:1: unknown key `nope`"},
        {"[limits]\n\nhttp_burst = \"10\"\n", "actrd.toml:3: `limits.http_burst` must be an integer"},
        {"[limits]\nhttp_burst = 1.5\n", "actrd.toml:2: `limits.http_burst` must be an integer"},
        {"[limits]\nhttp_burst = 0\n", "actrd.toml:2: `limits.http_burst` must be between 1"},
        {"[limits]\nhttp_rate_per_sec = -1.0\n", "`limits.http_rate_per_sec` must be between 0"},
        {"[limits]\nhttp_rate_per_sec = nan\n", "`limits.http_rate_per_sec` must be between 0"},
        {"[ais]\ntoken_ttl_secs = 4294967296\n", "`ais.token_ttl_secs` must be between 1"},
        {"data_dir = 5\n", "actrd.toml:1: `data_dir` must be a string"},
        {"listen = \"localhost\"\n", "actrd.toml:1: listen address `localhost` must be HOST:PORT"},
        {"log_level = \"loud\"\n", "actrd.toml:1: `log_level` must be trace, debug"},
        {"\n\nlisten = \n", "actrd.toml: line 3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        actrd_net_config_t cfg;
        actrd_net_config_init(&cfg);
        actr_error_t err;
        int rc = apply(&cfg, cases[i].text, &err);
        assert_true(rc == ACTR_EINVAL || rc == ACTR_EPARSE);
        if (!strstr(err.message, cases[i].message))
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err.message, cases[i].message);
    }
}

static void test_parse_listen(void **state)
{
    (void)state;
    char host[ACTRD_HOST_SIZE];
    uint16_t port = 1;
    assert_int_equal(actrd_net_parse_listen("127.0.0.1:0", host, &port, NULL), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 0);
    assert_int_equal(actrd_net_parse_listen("[::]:65535", host, &port, NULL), 0);
    assert_string_equal(host, "::");
    assert_int_equal(port, 65535);
    assert_int_equal(actrd_net_parse_listen("example.org:80", host, &port, NULL), 0);
    assert_string_equal(host, "example.org");
    static const char *const bad[] = {"127.0.0.1", ":80", "h:", "h:65536", "h:-1", "h:8a",
                                      "h:123456", "::1:80", "[::1]80", "[]:80", "h: 80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (actrd_net_parse_listen(bad[i], host, &port, NULL) != ACTR_EINVAL)
            fail_msg("accepted `%s`", bad[i]);
}

static void test_command_line_set(void **state)
{
    (void)state;
    actrd_net_config_t cfg;
    actrd_net_config_init(&cfg);
    actr_error_t err;
    assert_int_equal(actrd_net_config_set(&cfg, "limits.http_burst", "12", &err), 0);
    assert_int_equal(cfg.http_burst, 12);
    assert_int_equal(actrd_net_config_set(&cfg, "limits.http_rate_per_sec", "0.5", &err), 0);
    assert_true(cfg.http_rate_per_sec == 0.5);
    assert_int_equal(actrd_net_config_set(&cfg, "listen", "127.0.0.1:0", &err), 0);
    assert_int_equal(cfg.listen_port, 0);
    assert_int_equal(actrd_net_config_set(&cfg, "data_dir", "/tmp/x", &err), 0);
    assert_string_equal(cfg.state.data_dir, "/tmp/x");
    assert_int_equal(actrd_net_config_set(&cfg, "log_level", "WARN", &err), 0);
    assert_int_equal(cfg.log_level, ACTR_LOG_WARN);

    assert_int_equal(actrd_net_config_set(&cfg, "limits.http_burst", "1.5", &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "must be an integer"));
    assert_int_equal(actrd_net_config_set(&cfg, "limits.http_burst", "12x", &err), ACTR_EINVAL);
    assert_int_equal(actrd_net_config_set(&cfg, "limits.http_burst", "", &err), ACTR_EINVAL);
    assert_int_equal(actrd_net_config_set(&cfg, "limits.http_rate_per_sec", "inf", &err),
                     ACTR_EINVAL);
    assert_int_equal(actrd_net_config_set(&cfg, "limits.nope", "1", &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "unknown key `limits.nope`"));
    assert_int_equal(cfg.http_burst, 12); /* failures leave the value alone */
}

static void test_cross_checks(void **state)
{
    (void)state;
    actrd_net_config_t cfg;
    actrd_net_config_init(&cfg);
    actr_error_t err;
    assert_int_equal(actrd_net_config_set(&cfg, "data_dir", "/tmp/x", &err), 0);
    assert_int_equal(actrd_net_config_check(&cfg, &err), 0);
    cfg.send_queue_bytes = cfg.max_frame_bytes - 1;
    assert_int_equal(actrd_net_config_check(&cfg, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "send_queue_bytes"));
    actrd_net_config_init(&cfg);
    assert_int_equal(actrd_net_config_set(&cfg, "data_dir", "/tmp/x", &err), 0);
    cfg.sweep_interval_secs = cfg.registry_ttl_secs + 1;
    assert_int_equal(actrd_net_config_check(&cfg, &err), ACTR_EINVAL);
    actrd_net_config_init(&cfg);
    assert_int_equal(actrd_net_config_set(&cfg, "data_dir", "/tmp/x", &err), 0);
    assert_int_equal(actrd_net_config_set(&cfg, "limits.ws_idle_secs", "1", &err), 0);
    assert_int_equal(actrd_net_config_check(&cfg, &err), ACTR_EINVAL); /* Ping at 0 s */
    assert_int_equal(actrd_net_config_set(&cfg, "limits.ws_idle_secs", "0", &err), 0);
    assert_int_equal(actrd_net_config_check(&cfg, &err), 0);
}

static void test_load_file(void **state)
{
    (void)state;
    char dir[TEST_TMPDIR_SIZE], path[256];
    test_tmpdir_make(dir);
    test_path_join(path, sizeof path, dir, "actrd.toml");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("data_dir = \"/srv/actrd\"\n[limits]\nmax_frame_bytes = 2048\nhttp_burst = []\n", f);
    fclose(f);
    actrd_net_config_t cfg;
    actrd_net_config_init(&cfg);
    actr_error_t err;
    assert_int_equal(actrd_net_config_load_file(&cfg, path, &err), ACTR_EINVAL);
    char want[300];
    snprintf(want, sizeof want, "%s:4: `limits.http_burst` must be an integer", path);
    assert_string_equal(err.message, want);
    assert_int_equal(cfg.max_frame_bytes, 2048); /* keys before the error were applied */

    test_path_join(path, sizeof path, dir, "missing.toml");
    assert_int_equal(actrd_net_config_load_file(&cfg, path, &err), ACTR_EIO);
    assert_non_null(strstr(err.message, "missing.toml"));
    test_tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_dotted_keys_and_inline_tables),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_parse_listen),
        cmocka_unit_test(test_command_line_set),
        cmocka_unit_test(test_cross_checks),
        cmocka_unit_test(test_load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
