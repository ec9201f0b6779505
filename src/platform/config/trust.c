/*
 * trust.c - trust anchors as data (platform.md 7.1, 7.2): reading [[trust]] and [hyper.trust],
 * choosing the anchors in force, and loading a static anchor's key with the reference's texts.
 */
#include "platform/config/config_internal.h"
#include "base/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "actr/log.h"
#include "base/base64.h"
#include "platform/config/url.h"

/* A public-key.json is tiny; anything larger is not one. */
#define PUBKEY_FILE_MAX (64u * 1024u)

static const char *const kind_names[] = {"static", "registry", "dev", "dev_only", NULL};

const char *actr_trust_kind_name(actr_trust_kind_t kind)
{
    return kind >= ACTR_TRUST_STATIC && kind <= ACTR_TRUST_DEV_ONLY ? kind_names[kind - 1] : "?";
}

/* The anchor's keys as written; converted by cfg_read_trust_anchor(). */
typedef struct raw_anchor {
    char *kind;
    char *pubkey_file;
    char *pubkey_b64;
    char *endpoint;
} raw_anchor_t;

static const cfg_field_t anchor_fields[] = {
    {.key = "kind", .kind = CFG_STRING, .flags = CFG_REQUIRED,
     .offset = offsetof(raw_anchor_t, kind), .has_offset = CFG_NO_HAS, .choices = kind_names},
    {.key = "pubkey_file", .kind = CFG_PATH, .offset = offsetof(raw_anchor_t, pubkey_file),
     .has_offset = CFG_NO_HAS},
    {.key = "pubkey_b64", .kind = CFG_STRING, .offset = offsetof(raw_anchor_t, pubkey_b64),
     .has_offset = CFG_NO_HAS},
    {.key = "endpoint", .kind = CFG_STRING, .offset = offsetof(raw_anchor_t, endpoint),
     .has_offset = CFG_NO_HAS},
};
static const cfg_schema_t anchor_schema = CFG_SCHEMA(anchor_fields, false);

/* Keys that a kind does not use are reported, since they suggest a mistake. */
static int unused_key(cfg_ctx_t *ctx, const actr_toml_value_t *table, const char *key,
                      const char *kind)
{
    const actr_toml_value_t *v = actr_toml_get(table, key);
    return v ? cfg_warn(ctx, actr_toml_line(v), key, "not used by a %s anchor, ignored", kind) : 0;
}

static int check_anchor(cfg_ctx_t *ctx, const actr_toml_value_t *table, bool allow_dev_only,
                        const raw_anchor_t *raw, actr_trust_kind_t *kind)
{
    int line = actr_toml_line(table);
    for (int k = 0; kind_names[k]; k++)
        if (strcmp(raw->kind, kind_names[k]) == 0)
            *kind = (actr_trust_kind_t)(k + 1);
    switch (*kind) {
    case ACTR_TRUST_STATIC:
        if (!raw->pubkey_file && !raw->pubkey_b64)
            return cfg_fail(ctx, ACTR_EINVAL, line, NULL,
                            "static trust anchor requires `pubkey_file` or `pubkey_b64`");
        return unused_key(ctx, table, "endpoint", "static");
    case ACTR_TRUST_DEV:
        if (!raw->pubkey_file)
            return cfg_fail(ctx, ACTR_EINVAL, line, NULL, "dev trust anchor requires `pubkey_file`");
        if (unused_key(ctx, table, "pubkey_b64", "dev") != 0)
            return ACTR_ENOMEM;
        return unused_key(ctx, table, "endpoint", "dev");
    case ACTR_TRUST_REGISTRY: {
        if (!raw->endpoint)
            return cfg_fail(ctx, ACTR_EINVAL, line, NULL, "registry trust anchor requires `endpoint`");
        actr_url_t url;
        actr_error_t why;
        const actr_toml_value_t *ev = actr_toml_get(table, "endpoint");
        if (actr_url_parse(raw->endpoint, strlen(raw->endpoint), &url, &why) != 0)
            return cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(ev), "endpoint",
                            "invalid URL \"%.80s\": %s", raw->endpoint, why.message);
        bool http = strcmp(url.scheme, "http") == 0 || strcmp(url.scheme, "https") == 0;
        actr_url_free(&url);
        if (!http)
            return cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(ev), "endpoint",
                            "invalid URL \"%.80s\": scheme must be http:// or https://",
                            raw->endpoint);
        if (unused_key(ctx, table, "pubkey_file", "registry") != 0)
            return ACTR_ENOMEM;
        return unused_key(ctx, table, "pubkey_b64", "registry");
    }
    case ACTR_TRUST_DEV_ONLY:
        if (!allow_dev_only)
            return cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(actr_toml_get(table, "kind")), "kind",
                            "\"dev_only\" is only accepted in [hyper.trust]");
        return cfg_warn(ctx, line, NULL,
                        "dev_only trust rejects every package (as in the reference); use "
                        "kind = \"dev\" with a pubkey_file to accept locally signed packages");
    }
    return cfg_fail(ctx, ACTR_EINTERNAL, line, "kind", "unknown trust kind");
}

int cfg_read_trust_anchor(cfg_ctx_t *ctx, const actr_toml_value_t *table, bool allow_dev_only,
                          actr_trust_anchor_t *out)
{
    memset(out, 0, sizeof *out);
    if (actr_toml_type(table) != ACTR_TOML_TABLE)
        return cfg_type_error(ctx, table, NULL, "a table");
    raw_anchor_t raw = {0};
    actr_trust_kind_t kind = 0;
    int rc = cfg_read_table(ctx, table, &anchor_schema, &raw);
    if (rc == 0)
        rc = check_anchor(ctx, table, allow_dev_only, &raw, &kind);
    char origin[CFG_KEY_PATH_MAX + 64];
    snprintf(origin, sizeof origin, "%s:%d: %s", ctx->source, actr_toml_line(table), ctx->path);
    if (rc == 0 && !(out->origin = strdup(origin)))
        rc = cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
    if (rc != 0) {
        cfg_free_fields(&anchor_schema, &raw);
        free(out->origin);
        out->origin = NULL;
        return rc;
    }
    out->kind = kind;
    out->pubkey_file = raw.pubkey_file;
    out->pubkey_b64 = kind == ACTR_TRUST_STATIC ? raw.pubkey_b64 : NULL;
    out->endpoint = kind == ACTR_TRUST_REGISTRY ? raw.endpoint : NULL;
    if (kind != ACTR_TRUST_STATIC)
        free(raw.pubkey_b64);
    if (kind != ACTR_TRUST_REGISTRY)
        free(raw.endpoint);
    if (kind == ACTR_TRUST_REGISTRY || kind == ACTR_TRUST_DEV_ONLY) {
        free(out->pubkey_file);
        out->pubkey_file = NULL;
    }
    free(raw.kind);
    return 0;
}

void cfg_trust_anchor_free(actr_trust_anchor_t *anchor)
{
    free(anchor->pubkey_file);
    free(anchor->pubkey_b64);
    free(anchor->endpoint);
    free(anchor->origin);
    memset(anchor, 0, sizeof *anchor);
}

/* ---- key loading ---- */

/* Decodes std base64 into exactly 32 bytes; *got receives the decoded length. */
static int decode_key(const char *b64, uint8_t out[32], size_t *got)
{
    size_t len = strlen(b64);
    uint8_t *buf = malloc(actr_base64_decoded_max(len) + 1);
    if (!buf)
        return ACTR_ENOMEM;
    int rc = actr_base64_decode(b64, len, buf, actr_base64_decoded_max(len) + 1, got, ACTR_B64_STD);
    if (rc == 0 && *got == 32)
        memcpy(out, buf, 32);
    free(buf);
    return rc;
}

static int load_from_file(const actr_trust_anchor_t *a, uint8_t out[32], actr_error_t *err)
{
    char *text;
    size_t len, got = 0;
    actr_error_t why;
    int rc = actr_read_file(a->pubkey_file, PUBKEY_FILE_MAX, &text, &len, &why);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_CLIENT, 0, "%s: %s", a->origin, why.message);
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *pk = cJSON_GetObjectItemCaseSensitive(root, "public_key");
    if (!root)
        rc = actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 0,
                            "%s: trust anchor pubkey_file `%.120s` is not valid JSON", a->origin,
                            a->pubkey_file);
    else if (!cJSON_IsObject(root) || !cJSON_IsString(pk))
        rc = actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 0,
                            "%s: trust anchor pubkey_file `%.120s` is missing the `public_key` field",
                            a->origin, a->pubkey_file);
    else if ((rc = decode_key(pk->valuestring, out, &got)) == ACTR_ENOMEM)
        rc = actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    else if (rc != 0)
        rc = actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 0,
                            "%s: trust anchor pubkey_file `%.120s` has invalid base64 in `public_key`",
                            a->origin, a->pubkey_file);
    else if (got != 32)
        rc = actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 0,
                            "%s: trust anchor pubkey_file `%.120s` must contain a 32-byte key, got %zu",
                            a->origin, a->pubkey_file, got);
    cJSON_Delete(root);
    return rc;
}

int actr_trust_anchor_load_key(const actr_trust_anchor_t *a, uint8_t out[32], actr_error_t *err)
{
    if (!a || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no anchor given");
    const char *origin = a->origin ? a->origin : "trust anchor";
    if (a->kind != ACTR_TRUST_STATIC && a->kind != ACTR_TRUST_DEV)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "%s: a %s trust anchor has no static key", origin,
                              actr_trust_kind_name(a->kind));
    if (a->pubkey_b64) {
        size_t got = 0;
        int rc = decode_key(a->pubkey_b64, out, &got);
        if (rc == ACTR_ENOMEM)
            return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
        if (rc != 0)
            return actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 0,
                                  "%s: invalid pubkey_b64: not standard padded base64", origin);
        if (got != 32)
            return actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 0,
                                  "%s: pubkey_b64 must decode to 32 bytes, got %zu", origin, got);
        return 0;
    }
    if (a->pubkey_file) {
        actr_trust_anchor_t copy = *a;
        copy.origin = (char *)origin;
        return load_from_file(&copy, out, err);
    }
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                          "%s: static trust anchor requires `pubkey_file` or `pubkey_b64`", origin);
}

/* ---- resolution (platform.md 7.2 step 6) ---- */

int actr_runtime_config_trust_anchors(const actr_runtime_config_t *cfg,
                                      const actr_trust_anchor_t **anchors, size_t *count,
                                      actr_error_t *err)
{
    if (!cfg || !anchors || !count)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no config given");
    if (cfg->hyper.has_trust) {
        *anchors = &cfg->hyper.trust;
        *count = 1;
    } else if (cfg->trust_count > 0) {
        *anchors = cfg->trust;
        *count = cfg->trust_count;
    } else {
        *anchors = NULL;
        *count = 0;
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "%s: no `[hyper.trust]` or `[[trust]]` anchor configured. Add a "
                              "`[[trust]]` entry (kind \"static\" or \"registry\"); `[hyper.trust] "
                              "kind = \"dev_only\"` is for development and rejects every package",
                              cfg->source ? cfg->source : "actr.toml");
    }
    for (size_t i = 0; i < *count; i++) {
        const actr_trust_anchor_t *a = &(*anchors)[i];
        if (a->kind == ACTR_TRUST_DEV_ONLY)
            actr_log(ACTR_LOG_WARN, "config", "dev_only trust anchor: every package is rejected",
                     ACTR_KV("anchor", a->origin));
        else if (a->kind == ACTR_TRUST_DEV)
            actr_log(ACTR_LOG_WARN, "config", "dev trust anchor: development use only",
                     ACTR_KV("anchor", a->origin), ACTR_KV("pubkey_file", a->pubkey_file));
    }
    return 0;
}
