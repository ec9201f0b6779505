/*
 * runtime.c - actr.toml, the runtime and deployment config (platform.md 7.1), into
 * actr_runtime_config_t: the key schema, defaults, and the processing the reference applies after
 * deserializing (ICE servers, the port range rule, ACL realms, trust anchors, [hyper]).
 */
#include "platform/config/config_internal.h"
#include "base/fsutil.h"

#include <stdlib.h>
#include <string.h>

/* Everything as read: the config itself plus the raw forms that need processing. */
typedef struct raw_runtime {
    actr_runtime_config_t cfg;
    actr_config_strlist_t stun_urls, turn_urls, public_ips;
    bool force_relay;
    char *mode; /* [webrtc].mode, one of webrtc_modes */
    bool has_port_start, has_port_end;
    uint16_t port_start, port_end;
    const actr_toml_value_t *acl, *trust, *hyper;
} raw_runtime_t;

#define R raw_runtime_t

static const cfg_field_t signaling_fields[] = {
    CFG_F_REQ(R, "url", CFG_URL_WS, cfg.signaling_url),
};
static const cfg_field_t ais_fields[] = {
    CFG_F_REQ(R, "url", CFG_URL_HTTP, cfg.ais_endpoint),
};
static const cfg_field_t deployment_fields[] = {
    CFG_F_REQ(R, "realm_id", CFG_U32, cfg.realm_id),
    CFG_F(R, "realm_secret", CFG_STRING, cfg.realm_secret),
    CFG_F(R, "ais_endpoint", CFG_STRING, cfg.deployment_ais_endpoint),
};
static const cfg_field_t discovery_fields[] = {
    CFG_F(R, "visible", CFG_BOOL, cfg.visible_in_discovery),
};
/* In the order of actr_webrtc_mode_t. */
static const char *const webrtc_modes[] = {"prefer", "only", "off", NULL};

static const cfg_field_t webrtc_fields[] = {
    CFG_F(R, "stun_urls", CFG_STRLIST, stun_urls),
    CFG_F(R, "turn_urls", CFG_STRLIST, turn_urls),
    CFG_F(R, "force_relay", CFG_BOOL, force_relay),
    CFG_F(R, "ice_host_acceptance_min_wait", CFG_U64, cfg.webrtc.ice_host_acceptance_min_wait_ms),
    CFG_F(R, "ice_srflx_acceptance_min_wait", CFG_U64, cfg.webrtc.ice_srflx_acceptance_min_wait_ms),
    CFG_F(R, "ice_prflx_acceptance_min_wait", CFG_U64, cfg.webrtc.ice_prflx_acceptance_min_wait_ms),
    CFG_F(R, "ice_relay_acceptance_min_wait", CFG_U64, cfg.webrtc.ice_relay_acceptance_min_wait_ms),
    {.key = "port_range_start", .kind = CFG_U16, .offset = offsetof(R, port_start),
     .has_offset = offsetof(R, has_port_start), .min = 1, .max = UINT16_MAX},
    {.key = "port_range_end", .kind = CFG_U16, .offset = offsetof(R, port_end),
     .has_offset = offsetof(R, has_port_end), .min = 1, .max = UINT16_MAX},
    CFG_F(R, "public_ips", CFG_STRLIST, public_ips),
    {.key = "ice_udp_mux_port", .kind = CFG_U16, .offset = offsetof(R, cfg.webrtc.ice_udp_mux_port),
     .has_offset = offsetof(R, cfg.webrtc.has_udp_mux_port), .min = 1, .max = UINT16_MAX},
    CFG_F_CHOICE(R, "mode", mode, webrtc_modes),
    CFG_F(R, "local_addresses", CFG_STRLIST, cfg.webrtc.local_addresses),
    CFG_F(R, "watch_network", CFG_BOOL, cfg.webrtc.watch_network),
};
static const cfg_field_t websocket_fields[] = {
    {.key = "listen_port", .kind = CFG_U16, .offset = offsetof(R, cfg.websocket_listen_port),
     .has_offset = offsetof(R, cfg.has_websocket_listen_port), .min = 1, .max = UINT16_MAX},
    CFG_F(R, "advertised_host", CFG_STRING, cfg.websocket_advertised_host),
};
static const cfg_field_t observability_fields[] = {
    CFG_F(R, "filter_level", CFG_STRING, cfg.observability.filter_level),
    CFG_F(R, "tracing_enabled", CFG_BOOL, cfg.observability.tracing_enabled),
    CFG_F(R, "tracing_endpoint", CFG_STRING, cfg.observability.tracing_endpoint),
    CFG_F(R, "tracing_service_name", CFG_STRING, cfg.observability.tracing_service_name),
};
static const cfg_field_t storage_fields[] = {
    CFG_F(R, "mailbox_path", CFG_PATH, cfg.mailbox_path),
};
static const cfg_field_t capabilities_fields[] = {
    CFG_F_HAS(R, "max_concurrent_requests", CFG_U32, cfg.capabilities.max_concurrent_requests,
              cfg.capabilities.has_max_concurrent_requests),
    CFG_F(R, "version_range", CFG_STRING, cfg.capabilities.version_range),
    CFG_F(R, "region", CFG_STRING, cfg.capabilities.region),
    CFG_F(R, "tags", CFG_STRMAP, cfg.capabilities.tags),
};
static const cfg_field_t package_fields[] = {
    CFG_F(R, "path", CFG_PATH, cfg.package_path),
};
static const cfg_field_t web_fields[] = {
    CFG_F_RANGE(R, "port", CFG_U16, cfg.web.port, 1, UINT16_MAX),
    CFG_F(R, "host", CFG_STRING, cfg.web.host),
    CFG_F(R, "static_dir", CFG_PATH, cfg.web.static_dir),
    CFG_F_HAS(R, "is_server", CFG_BOOL, cfg.web.is_server, cfg.web.has_is_server),
    CFG_F(R, "package_url", CFG_STRING, cfg.web.package_url),
    CFG_F(R, "runtime_wasm_url", CFG_STRING, cfg.web.runtime_wasm_url),
};

static const cfg_schema_t signaling_schema = CFG_SCHEMA(signaling_fields, false);
static const cfg_schema_t ais_schema = CFG_SCHEMA(ais_fields, false);
static const cfg_schema_t deployment_schema = CFG_SCHEMA(deployment_fields, false);
static const cfg_schema_t discovery_schema = CFG_SCHEMA(discovery_fields, false);
static const cfg_schema_t webrtc_schema = CFG_SCHEMA(webrtc_fields, false);
static const cfg_schema_t websocket_schema = CFG_SCHEMA(websocket_fields, false);
static const cfg_schema_t observability_schema = CFG_SCHEMA(observability_fields, false);
/* The reference's RawStorageConfig is deny_unknown_fields (it refuses hyper_data_dir). */
static const cfg_schema_t storage_schema = CFG_SCHEMA(storage_fields, true);
static const cfg_schema_t capabilities_schema = CFG_SCHEMA(capabilities_fields, false);
static const cfg_schema_t package_schema = CFG_SCHEMA(package_fields, false);
static const cfg_schema_t web_schema = CFG_SCHEMA(web_fields, false);

static const cfg_field_t root_fields[] = {
    CFG_F(R, "edition", CFG_U32, cfg.edition),
    CFG_F_SECTION("signaling", &signaling_schema),
    CFG_F_SECTION("ais_endpoint", &ais_schema),
    CFG_F_SECTION("deployment", &deployment_schema),
    CFG_F_SECTION("discovery", &discovery_schema),
    CFG_F_SECTION("webrtc", &webrtc_schema),
    CFG_F_SECTION("websocket", &websocket_schema),
    CFG_F_SECTION("observability", &observability_schema),
    CFG_F_SECTION("storage", &storage_schema),
    {.key = "capabilities", .kind = CFG_TABLE, .offset = 0,
     .has_offset = offsetof(R, cfg.has_capabilities), .sub = &capabilities_schema},
    CFG_F(R, "acl", CFG_RAW, acl),
    CFG_F(R, "scripts", CFG_STRMAP, cfg.scripts),
    CFG_F_SECTION("package", &package_schema),
    CFG_F(R, "trust", CFG_RAW, trust),
    {.key = "web", .kind = CFG_TABLE, .offset = 0, .has_offset = offsetof(R, cfg.has_web),
     .sub = &web_schema},
    CFG_F(R, "hyper", CFG_RAW, hyper),
};
static const cfg_schema_t root_schema = CFG_SCHEMA(root_fields, false);

#undef R

/* Defaults of the reference (RuntimeConfig after parse_runtime). */
static int set_defaults(raw_runtime_t *raw, actr_error_t *err)
{
    actr_runtime_config_t *cfg = &raw->cfg;
    cfg->edition = 1;
    cfg->visible_in_discovery = true;
    cfg->webrtc.ice_srflx_acceptance_min_wait_ms = 20;
    cfg->webrtc.ice_prflx_acceptance_min_wait_ms = 40;
    cfg->webrtc.ice_relay_acceptance_min_wait_ms = 100;
    cfg->web.port = 8080;
    cfg->observability.filter_level = strdup("info");
    cfg->observability.tracing_endpoint = strdup("http://localhost:4317");
    cfg->web.host = strdup("0.0.0.0");
    if (!cfg->observability.filter_level || !cfg->observability.tracing_endpoint || !cfg->web.host)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    return actr_hyper_config_init(&cfg->hyper, err);
}

static int move_list(actr_config_strlist_t *to, actr_config_strlist_t *from)
{
    *to = *from;
    memset(from, 0, sizeof *from);
    return 0;
}

/* parse_webrtc(): ICE servers, the relay policy and the port-range rule. */
static int finish_webrtc(cfg_ctx_t *ctx, const actr_toml_value_t *root, raw_runtime_t *raw)
{
    actr_webrtc_config_t *w = &raw->cfg.webrtc;
    const actr_toml_value_t *table = actr_toml_get(root, "webrtc");
    if (raw->stun_urls.count)
        move_list(&w->ice_servers[w->ice_server_count++].urls, &raw->stun_urls);
    if (raw->turn_urls.count)
        move_list(&w->ice_servers[w->ice_server_count++].urls, &raw->turn_urls);
    w->ice_transport_policy = raw->force_relay ? ACTR_ICE_POLICY_RELAY : ACTR_ICE_POLICY_ALL;
    for (int i = 0; raw->mode && webrtc_modes[i]; i++)
        if (strcmp(raw->mode, webrtc_modes[i]) == 0)
            w->mode = (actr_webrtc_mode_t)i;
    size_t saved = cfg_push(ctx, "webrtc");
    int rc = 0;
    if (raw->has_port_start && raw->has_port_end) {
        if (raw->port_start >= raw->port_end)
            rc = cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(actr_toml_get(table, "port_range_start")),
                          "port_range_start",
                          "Invalid port range: start (%u) must be less than end (%u)",
                          (unsigned)raw->port_start, (unsigned)raw->port_end);
        w->has_port_range = true;
        w->port_range_start = raw->port_start;
        w->port_range_end = raw->port_end;
        move_list(&w->public_ips, &raw->public_ips);
    } else if (raw->has_port_start || raw->has_port_end) {
        const char *key = raw->has_port_start ? "port_range_start" : "port_range_end";
        rc = cfg_warn(ctx, actr_toml_line(actr_toml_get(table, key)), key,
                      "ignored: port_range_start and port_range_end must both be set");
    }
    if (rc == 0 && raw->public_ips.count)
        rc = cfg_warn(ctx, actr_toml_line(actr_toml_get(table, "public_ips")), "public_ips",
                      "ignored without a port range (as the reference)");
    cfg_pop(ctx, saved);
    return rc;
}

static int read_trust_list(cfg_ctx_t *ctx, const actr_toml_value_t *list,
                           actr_runtime_config_t *cfg)
{
    size_t saved = cfg_push(ctx, "trust");
    int rc = 0;
    size_t n = actr_toml_array_size(list);
    if (actr_toml_type(list) != ACTR_TOML_ARRAY)
        rc = cfg_type_error(ctx, list, NULL, "an array of tables ([[trust]])");
    else if (n && !(cfg->trust = calloc(n, sizeof *cfg->trust)))
        rc = cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t s2 = cfg_push_index(ctx, i);
        rc = cfg_read_trust_anchor(ctx, actr_toml_array_at(list, i), false, &cfg->trust[i]);
        if (rc == 0)
            cfg->trust_count++;
        cfg_pop(ctx, s2);
    }
    cfg_pop(ctx, saved);
    return rc;
}

static int finish(cfg_ctx_t *ctx, const actr_toml_value_t *root, raw_runtime_t *raw)
{
    actr_runtime_config_t *cfg = &raw->cfg;
    int rc;
    if (cfg->edition != 1)
        return cfg_fail(ctx, ACTR_EUNSUPPORTED, actr_toml_line(actr_toml_get(root, "edition")),
                        "edition", "Unsupported config edition: %u (only 1 is supported)",
                        cfg->edition);
    if ((rc = finish_webrtc(ctx, root, raw)) != 0)
        return rc;
    if (!cfg->web.static_dir && !(cfg->web.static_dir = cfg_join(cfg->config_dir, "public")))
        return cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
    if (raw->acl) {
        if ((rc = cfg_read_acl(ctx, raw->acl, cfg->realm_id, &cfg->acl)) != 0)
            return rc;
        cfg->has_acl = true;
    }
    if (raw->trust && (rc = read_trust_list(ctx, raw->trust, cfg)) != 0)
        return rc;
    if (raw->hyper) {
        if ((rc = cfg_read_hyper(ctx, raw->hyper, &cfg->hyper)) != 0)
            return rc;
        cfg->has_hyper = true;
    }
    return 0;
}

static void free_raw(raw_runtime_t *raw)
{
    cfg_strlist_free(&raw->stun_urls);
    cfg_strlist_free(&raw->turn_urls);
    cfg_strlist_free(&raw->public_ips);
    free(raw->mode);
}

int actr_runtime_config_parse(const char *text, size_t len, const char *source,
                              const char *config_dir, actr_runtime_config_t *out,
                              actr_error_t *err)
{
    if (!out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no output config");
    memset(out, 0, sizeof *out);
    if (!text && len)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no text given");
    raw_runtime_t raw;
    memset(&raw, 0, sizeof raw);
    actr_runtime_config_t *cfg = &raw.cfg;
    cfg->source = strdup(source ? source : "actr.toml");
    cfg->config_dir = strdup(config_dir ? config_dir : ".");
    int rc = cfg->source && cfg->config_dir
                 ? set_defaults(&raw, err)
                 : actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    cfg_ctx_t ctx;
    cfg_ctx_init(&ctx, cfg->source, cfg->config_dir, &cfg->warnings, err);
    actr_toml_value_t *root = NULL;
    if (rc == 0)
        rc = cfg_parse_toml(&ctx, text ? text : "", len, &root);
    if (rc == 0)
        rc = cfg_read_table(&ctx, root, &root_schema, &raw);
    if (rc == 0)
        rc = finish(&ctx, root, &raw);
    actr_toml_free(root);
    free_raw(&raw);
    if (rc != 0) {
        actr_runtime_config_free(cfg);
        return rc;
    }
    *out = raw.cfg;
    return 0;
}

int actr_runtime_config_load(const char *path, actr_runtime_config_t *out, actr_error_t *err)
{
    if (!out || !path)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no path or output given");
    memset(out, 0, sizeof *out);
    char *text, *dir;
    size_t len;
    int rc = actr_read_file(path, CFG_MAX_FILE_BYTES, &text, &len, err);
    if (rc != 0)
        return rc;
    if (!(dir = cfg_dirname(path))) {
        free(text);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    rc = actr_runtime_config_parse(text, len, path, dir, out, err);
    free(text);
    free(dir);
    return rc;
}

void actr_runtime_config_free(actr_runtime_config_t *cfg)
{
    if (!cfg)
        return;
    raw_runtime_t raw;
    memset(&raw, 0, sizeof raw);
    raw.cfg = *cfg;
    cfg_free_fields(&root_schema, &raw);
    actr_runtime_config_t *c = &raw.cfg;
    for (size_t i = 0; i < c->webrtc.ice_server_count; i++)
        cfg_strlist_free(&c->webrtc.ice_servers[i].urls);
    cfg_strlist_free(&c->webrtc.public_ips);
    actr_acl_free(&c->acl);
    for (size_t i = 0; i < c->trust_count; i++)
        cfg_trust_anchor_free(&c->trust[i]);
    free(c->trust);
    actr_hyper_config_free(&c->hyper);
    cfg_strlist_free(&c->warnings);
    free(c->source);
    free(c->config_dir);
    memset(cfg, 0, sizeof *cfg);
}
