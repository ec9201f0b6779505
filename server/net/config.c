/*
 * config.c - actrd.toml and command-line settings for serving.
 *
 * One table describes every key (name, type, where it lives, allowed range); the file walker,
 * the command-line setter and the documentation all follow it, so adding a setting is one line.
 */
#include "net/config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/toml.h"

#define CONFIG_FILE_MAX (1u << 20)
#define MIB (1u << 20)

typedef enum key_type { K_STR, K_LISTEN, K_U32, K_DOUBLE, K_LOG_LEVEL } key_type_t;

typedef struct key_def {
    const char *name; /* dotted: "limits.http_burst" */
    key_type_t type;
    size_t offset;
    size_t cap;       /* K_STR: buffer size */
    double min, max;  /* K_U32, K_DOUBLE */
} key_def_t;

#define OFF(field) offsetof(actrd_net_config_t, field)
#define STR(name, field) {name, K_STR, OFF(field), sizeof(((actrd_net_config_t *)0)->field), 0, 0}
#define U32(name, field, lo, hi) {name, K_U32, OFF(field), 0, lo, hi}
#define DBL(name, field, lo, hi) {name, K_DOUBLE, OFF(field), 0, lo, hi}

static const key_def_t keys[] = {
    {"listen", K_LISTEN, 0, 0, 0, 0},
    STR("data_dir", state.data_dir),
    {"log_level", K_LOG_LEVEL, OFF(log_level), 0, 0, 0},

    U32("ais.token_ttl_secs", state.token_ttl_secs, 1, 31536000),
    U32("ais.renewal_token_ttl_secs", state.renewal_token_ttl_secs, 1, 31536000),
    U32("ais.renewal_rotation_window_secs", state.renewal_rotation_window_secs, 0, 31536000),
    U32("ais.heartbeat_interval_secs", state.heartbeat_interval_secs, 1, 3600),
    STR("ais.turn_secret", state.turn_secret),
    U32("ais.mfr_proof_future_secs", state.mfr_proof_future_secs, 0, 86400),
    U32("ais.mfr_proof_max_age_secs", state.mfr_proof_max_age_secs, 1, 86400),
    U32("ais.nonce_ttl_secs", state.nonce_ttl_secs, 1, 604800),

    DBL("limits.http_rate_per_sec", http_rate_per_sec, 0, 1e6),
    U32("limits.http_burst", http_burst, 1, 1000000),
    DBL("limits.ws_connect_rate_per_sec", ws_connect_rate_per_sec, 0, 1e6),
    U32("limits.ws_connect_burst", ws_connect_burst, 1, 1000000),
    U32("limits.ratelimit_max_ips", ratelimit_max_ips, 16, 10000000),
    U32("limits.max_http_body_bytes", max_http_body_bytes, 1024, 64 * MIB),
    U32("limits.max_frame_bytes", max_frame_bytes, 1024, 64 * MIB),
    U32("limits.send_queue_frames", send_queue_frames, 1, 1000000),
    U32("limits.send_queue_bytes", send_queue_bytes, 1024, 1024 * MIB),
    U32("limits.max_connections", max_connections, 0, 10000000),
    U32("limits.http_timeout_secs", http_timeout_secs, 1, 3600),
    U32("limits.ws_idle_secs", ws_idle_secs, 0, 65535),
    DBL("limits.ws_msg_rate_per_sec", ws_msg_rate_per_sec, 0, 1e6),
    U32("limits.ws_msg_burst", ws_msg_burst, 1, 1000000),

    U32("signaling.registry_ttl_secs", registry_ttl_secs, 1, 86400),
    U32("signaling.sweep_interval_secs", sweep_interval_secs, 1, 3600),
    U32("signaling.pong_interval_secs", pong_interval_secs, 1, 3600),
    U32("signaling.max_route_candidates", max_route_candidates, 1, 100000),
    U32("signaling.max_subscriptions", max_subscriptions, 0, 100000),
    U32("signaling.shutdown_grace_ms", shutdown_grace_ms, 0, 60000),
};

static const char *sections[] = {"ais", "limits", "signaling"};

void actrd_net_config_init(actrd_net_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
    cfg->listen_port = 8081; /* what actr nodes assume (ws://localhost:8081/signaling/ws) */
    cfg->log_level = ACTR_LOG_INFO;
    actrd_state_config_init(&cfg->state);

    cfg->http_rate_per_sec = 2.0; /* actrix's AIS governor: 2 req/s, burst 100 per IP */
    cfg->http_burst = 100;
    cfg->ws_connect_rate_per_sec = 10.0;
    cfg->ws_connect_burst = 100;
    cfg->ratelimit_max_ips = 100000;
    cfg->max_http_body_bytes = MIB;
    cfg->max_frame_bytes = MIB;
    cfg->send_queue_frames = 1024;
    cfg->send_queue_bytes = 8 * MIB;
    cfg->max_connections = 0;
    cfg->http_timeout_secs = 30;
    cfg->ws_idle_secs = 60;

    actrd_sig_config_t sig;
    actrd_sig_config_init(&sig);
    cfg->ws_msg_rate_per_sec = sig.msg_rate_per_sec;
    cfg->ws_msg_burst = sig.msg_burst;
    cfg->registry_ttl_secs = sig.registry_ttl_ms / 1000;
    cfg->sweep_interval_secs = sig.sweep_interval_ms / 1000;
    cfg->pong_interval_secs = sig.pong_interval_secs;
    cfg->max_route_candidates = sig.max_route_candidates;
    cfg->max_subscriptions = sig.max_subscriptions;
    cfg->shutdown_grace_ms = 1000;
}

static const key_def_t *key_find(const char *name)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(keys[i].name, name))
            return &keys[i];
    return NULL;
}

int actrd_net_parse_listen(const char *text, char host[ACTRD_HOST_SIZE], uint16_t *port,
                           actr_error_t *err)
{
    const char *colon;
    size_t host_len;
    const char *host_start = text;
    if (text[0] == '[') { /* [v6]:port */
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':')
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "listen address `%s` must be [IPV6]:PORT", text);
        host_start = text + 1;
        host_len = (size_t)(close - host_start);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon || memchr(text, ':', (size_t)(colon - text)))
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "listen address `%s` must be HOST:PORT", text);
        host_len = (size_t)(colon - text);
    }
    if (host_len == 0 || host_len >= ACTRD_HOST_SIZE)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "listen address `%s` needs a host", text);
    const char *p = colon + 1;
    if (*p < '0' || *p > '9' || strlen(p) > 5)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "listen port in `%s` must be 0-65535", text);
    unsigned long value = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "listen port in `%s` must be 0-65535", text);
        value = value * 10 + (unsigned long)(*p - '0');
    }
    if (value > 65535)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "listen port in `%s` must be 0-65535", text);
    memcpy(host, host_start, host_len);
    host[host_len] = '\0';
    *port = (uint16_t)value;
    return 0;
}

/* Stores a number after the range check; where says "file:LINE" or "--set". */
static int store_number(actrd_net_config_t *cfg, const key_def_t *k, double v, bool integral,
                        const char *where, actr_error_t *err)
{
    char *base = (char *)cfg;
    if (k->type == K_U32 && !integral)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "%s: `%s` must be an integer", where, k->name);
    if (!(v >= k->min && v <= k->max)) /* also rejects NaN */
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "%s: `%s` must be between %.0f and %.0f", where, k->name, k->min,
                              k->max);
    if (k->type == K_U32) {
        uint32_t u = (uint32_t)v;
        memcpy(base + k->offset, &u, sizeof u);
    } else {
        memcpy(base + k->offset, &v, sizeof v);
    }
    return 0;
}

/* Stores text for K_STR, K_LISTEN and K_LOG_LEVEL keys. */
static int store_text(actrd_net_config_t *cfg, const key_def_t *k, const char *s, size_t len,
                      const char *where, actr_error_t *err)
{
    char *base = (char *)cfg;
    if (memchr(s, '\0', len))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "%s: `%s` must not contain NUL", where, k->name);
    switch (k->type) {
    case K_STR:
        if (len >= k->cap)
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "%s: `%s` is longer than %zu bytes", where, k->name, k->cap - 1);
        memcpy(base + k->offset, s, len);
        base[k->offset + len] = '\0';
        return 0;
    case K_LISTEN: {
        actr_error_t e;
        actr_error_clear(&e);
        if (actrd_net_parse_listen(s, cfg->listen_host, &cfg->listen_port, &e))
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "%s: %s", where,
                                  e.message);
        cfg->listen_given = true;
        return 0;
    }
    case K_LOG_LEVEL: {
        actr_log_level_t level;
        if (actr_log_level_parse(s, &level))
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "%s: `%s` must be trace, debug, info, warn, error or off",
                                  where, k->name);
        cfg->log_level = level;
        cfg->log_level_given = true;
        return 0;
    }
    default:
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "%s: `%s` must be a number", where, k->name);
    }
}

static int apply_value(actrd_net_config_t *cfg, const key_def_t *k, const actr_toml_value_t *v,
                       const char *name, actr_error_t *err)
{
    char where[512];
    snprintf(where, sizeof where, "%s:%d", name, actr_toml_line(v));
    if (k->type == K_U32 || k->type == K_DOUBLE) {
        int64_t i;
        double d;
        if (actr_toml_as_int(v, &i) == 0)
            return store_number(cfg, k, (double)i, true, where, err);
        if (k->type == K_DOUBLE && actr_toml_as_double(v, &d) == 0)
            return store_number(cfg, k, d, true, where, err);
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "%s: `%s` must be %s",
                              where, k->name, k->type == K_U32 ? "an integer" : "a number");
    }
    const char *s;
    size_t len;
    if (actr_toml_as_string(v, &s, &len))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "%s: `%s` must be a string",
                              where, k->name);
    return store_text(cfg, k, s, len, where, err);
}

static bool is_section(const char *key)
{
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if (!strcmp(sections[i], key))
            return true;
    return false;
}

/* Applies every key of table; prefix is "" at the top or "section." inside one. */
static int apply_table(actrd_net_config_t *cfg, const actr_toml_value_t *table, const char *prefix,
                       const char *name, actr_error_t *err)
{
    size_t n = actr_toml_table_size(table);
    for (size_t i = 0; i < n; i++) {
        const char *key;
        size_t key_len;
        const actr_toml_value_t *v = actr_toml_table_at(table, i, &key, &key_len);
        char full[128];
        int w = snprintf(full, sizeof full, "%s%s", prefix, key);
        bool fits = w > 0 && (size_t)w < sizeof full && strlen(key) == key_len;
        if (fits && !prefix[0] && is_section(key) && actr_toml_type(v) == ACTR_TOML_TABLE) {
            char sub[64];
            snprintf(sub, sizeof sub, "%s.", key);
            int rc = apply_table(cfg, v, sub, name, err);
            if (rc)
                return rc;
            continue;
        }
        const key_def_t *k = fits ? key_find(full) : NULL;
        if (!k)
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "%s:%d: unknown key `%s%s`", name, actr_toml_line(v), prefix,
                                  key);
        int rc = apply_value(cfg, k, v, name, err);
        if (rc)
            return rc;
    }
    return 0;
}

int actrd_net_config_apply_toml(actrd_net_config_t *cfg, const char *text, size_t len,
                                const char *name, actr_error_t *err)
{
    actr_toml_value_t *root = NULL;
    actr_error_t perr;
    actr_error_clear(&perr);
    int rc = actr_toml_parse(text, len, &root, &perr);
    if (rc)
        return actr_error_set(err, rc, ACTR_KIND_CLIENT, 0, "%s: %s", name, perr.message);
    rc = apply_table(cfg, root, "", name, err);
    actr_toml_free(root);
    return rc;
}

int actrd_net_config_load_file(actrd_net_config_t *cfg, const char *path, actr_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_CLIENT, 0, "%s: %s", path,
                              strerror(errno));
    char *text = malloc(CONFIG_FILE_MAX + 1);
    if (!text) {
        fclose(f);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    size_t len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
    int read_error = ferror(f);
    fclose(f);
    int rc;
    if (read_error)
        rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_CLIENT, 0, "%s: read error", path);
    else if (len > CONFIG_FILE_MAX)
        rc = actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "%s: larger than 1 MiB", path);
    else
        rc = actrd_net_config_apply_toml(cfg, text, len, path, err);
    free(text);
    return rc;
}

int actrd_net_config_set(actrd_net_config_t *cfg, const char *key, const char *value,
                         actr_error_t *err)
{
    const key_def_t *k = key_find(key);
    char where[160];
    snprintf(where, sizeof where, "--set %.64s", key);
    if (!k)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "unknown key `%s`", key);
    if (k->type != K_U32 && k->type != K_DOUBLE)
        return store_text(cfg, k, value, strlen(value), where, err);
    char *end = NULL;
    errno = 0;
    double v = strtod(value, &end);
    if (!value[0] || *end || errno || value[0] == ' ' || isinf(v))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "%s: `%s` is not a number",
                              where, value);
    return store_number(cfg, k, v, k->type == K_DOUBLE || v == floor(v), where, err);
}

int actrd_net_config_check(const actrd_net_config_t *cfg, actr_error_t *err)
{
    if (!cfg->state.data_dir[0])
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "no data directory: give --data-dir or data_dir in the config");
    if (!cfg->listen_host[0])
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no listen address");
    /* A relayed frame may be as large as max_frame_bytes: the target's queue must hold one. */
    if (cfg->send_queue_bytes < cfg->max_frame_bytes)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "limits.send_queue_bytes (%u) must be at least "
                              "limits.max_frame_bytes (%u)",
                              cfg->send_queue_bytes, cfg->max_frame_bytes);
    if (cfg->ws_idle_secs == 1)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "limits.ws_idle_secs must be 0 (never) or at least 2");
    if (cfg->registry_ttl_secs < cfg->sweep_interval_secs)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "signaling.sweep_interval_secs (%u) must not exceed "
                              "signaling.registry_ttl_secs (%u)",
                              cfg->sweep_interval_secs, cfg->registry_ttl_secs);
    return 0;
}

void actrd_net_config_sig(const actrd_net_config_t *cfg, actrd_sig_config_t *out)
{
    actrd_sig_config_init(out);
    out->registry_ttl_ms = cfg->registry_ttl_secs * 1000u;
    out->sweep_interval_ms = cfg->sweep_interval_secs * 1000u;
    out->pong_interval_secs = cfg->pong_interval_secs;
    out->msg_rate_per_sec = cfg->ws_msg_rate_per_sec;
    out->msg_burst = cfg->ws_msg_burst;
    out->max_frame_bytes = cfg->max_frame_bytes; /* one cap: the network side closes with 1009 */
    out->max_connections = cfg->max_connections;
    out->max_route_candidates = cfg->max_route_candidates;
    out->max_subscriptions = cfg->max_subscriptions;
}
