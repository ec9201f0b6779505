/*
 * schema.c - the table-driven reader behind every config file: conversion, range checks,
 * unknown and missing keys, and messages of the form "source:line: dotted.key: problem".
 */
#include "platform/config/config_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "platform/config/url.h"

void cfg_ctx_init(cfg_ctx_t *ctx, const char *source, const char *base_dir,
                  actr_config_strlist_t *warnings, actr_error_t *err)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->source = source;
    ctx->base_dir = base_dir;
    ctx->warnings = warnings;
    ctx->err = err;
}

static bool bare_key(const char *key)
{
    if (!*key)
        return false;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

static size_t append(cfg_ctx_t *ctx, const char *text)
{
    size_t saved = ctx->path_len;
    size_t room = sizeof ctx->path - ctx->path_len;
    int n = snprintf(ctx->path + ctx->path_len, room, "%s", text);
    if (n > 0)
        ctx->path_len += (size_t)n < room ? (size_t)n : room - 1;
    return saved;
}

/* A key as TOML would need it written: quoted unless bare. */
static void format_key(const char *key, char *buf, size_t size)
{
    snprintf(buf, size, bare_key(key) ? "%.64s" : "\"%.64s\"", key);
}

size_t cfg_push(cfg_ctx_t *ctx, const char *key)
{
    size_t saved = ctx->path_len;
    char buf[80];
    format_key(key, buf, sizeof buf);
    if (ctx->path_len > 0)
        append(ctx, ".");
    append(ctx, buf);
    return saved;
}

size_t cfg_push_index(cfg_ctx_t *ctx, size_t index)
{
    char buf[32];
    snprintf(buf, sizeof buf, "[%zu]", index);
    return append(ctx, buf);
}

void cfg_pop(cfg_ctx_t *ctx, size_t saved)
{
    ctx->path_len = saved;
    ctx->path[saved] = '\0';
}

/* "source:line: path.key" into buf. */
static void where(const cfg_ctx_t *ctx, int line, const char *key, char *buf, size_t size)
{
    char lbuf[24] = "";
    if (line > 0)
        snprintf(lbuf, sizeof lbuf, ":%d", line);
    const char *dot = ctx->path_len > 0 && key ? "." : "";
    char keybuf[80] = "";
    if (key)
        format_key(key, keybuf, sizeof keybuf);
    snprintf(buf, size, "%s%s: %s%s%s", ctx->source, lbuf, ctx->path, dot, keybuf);
}

int cfg_fail(cfg_ctx_t *ctx, int code, int line, const char *key, const char *fmt, ...)
{
    char at[CFG_KEY_PATH_MAX + 128], what[ACTR_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    where(ctx, line, key, at, sizeof at);
    actr_error_kind_t kind = code == ACTR_ENOMEM ? ACTR_KIND_INTERNAL : ACTR_KIND_CLIENT;
    return actr_error_set(ctx->err, code, kind, 0, "%s: %s", at, what);
}

int cfg_warn(cfg_ctx_t *ctx, int line, const char *key, const char *fmt, ...)
{
    char at[CFG_KEY_PATH_MAX + 128], what[ACTR_ERROR_MESSAGE_MAX];
    char msg[sizeof at + sizeof what + 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    where(ctx, line, key, at, sizeof at);
    snprintf(msg, sizeof msg, "%s: %s", at, what);
    actr_log(ACTR_LOG_WARN, "config", msg);
    if (ctx->warnings && cfg_strlist_push(ctx->warnings, msg) != 0)
        return cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
    return 0;
}

int cfg_type_error(cfg_ctx_t *ctx, const actr_toml_value_t *value, const char *key,
                   const char *expected)
{
    return cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(value), key, "expected %s, found %s",
                    expected, actr_toml_type_name(actr_toml_type(value)));
}

int cfg_string(cfg_ctx_t *ctx, const actr_toml_value_t *value, const char *key, char **out)
{
    const char *s;
    size_t len;
    if (actr_toml_as_string(value, &s, &len) != 0)
        return cfg_type_error(ctx, value, key, "a string");
    if (strlen(s) != len)
        return cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(value), key,
                        "must not contain a NUL character");
    if (!(*out = strdup(s)))
        return cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
    return 0;
}

int cfg_resolve_path(cfg_ctx_t *ctx, const char *raw, int line, const char *key, char **out)
{
    if (!*raw)
        return cfg_fail(ctx, ACTR_EINVAL, line, key, "path must not be empty");
    if (raw[0] == '~' && (raw[1] == '/' || raw[1] == '\0')) {
        const char *home = getenv("HOME");
        if (!home || !*home)
            return cfg_fail(ctx, ACTR_EINVAL, line, key, "starts with \"~\" but $HOME is not set");
        *out = raw[1] ? cfg_join(home, raw + 2) : strdup(home);
    } else {
        *out = raw[0] == '/' ? strdup(raw) : cfg_join(ctx->base_dir, raw);
    }
    return *out ? 0 : cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
}

static int read_url(cfg_ctx_t *ctx, const actr_toml_value_t *v, const char *key, bool ws,
                    char **out)
{
    char *raw;
    int rc = cfg_string(ctx, v, key, &raw);
    if (rc != 0)
        return rc;
    actr_url_t url;
    actr_error_t why;
    rc = actr_url_parse(raw, strlen(raw), &url, &why);
    if (rc != 0) {
        rc = cfg_fail(ctx, rc, actr_toml_line(v), key, "invalid URL \"%.80s\": %s", raw,
                      why.message);
        free(raw);
        return rc;
    }
    const char *a = ws ? "ws" : "http", *b = ws ? "wss" : "https";
    if (strcmp(url.scheme, a) != 0 && strcmp(url.scheme, b) != 0)
        rc = cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(v), key,
                      "invalid URL \"%.80s\": scheme must be %s:// or %s://", raw, a, b);
    free(raw);
    if (rc == 0) {
        *out = url.normalized;
        url.normalized = NULL;
    }
    actr_url_free(&url);
    return rc;
}

static int read_int(cfg_ctx_t *ctx, const actr_toml_value_t *v, const cfg_field_t *f,
                    int64_t *out)
{
    int64_t lo = f->min, hi = f->max;
    if (lo == 0 && hi == 0) {
        hi = f->kind == CFG_U16   ? UINT16_MAX
             : f->kind == CFG_U32 ? (int64_t)UINT32_MAX
                                  : INT64_MAX;
        lo = f->kind == CFG_I64 ? INT64_MIN : 0;
    }
    if (actr_toml_as_int(v, out) != 0)
        return cfg_type_error(ctx, v, f->key, "an integer");
    if (*out < lo || *out > hi)
        return cfg_fail(ctx, ACTR_ERANGE, actr_toml_line(v), f->key,
                        "%lld is out of range %lld..%lld", (long long)*out, (long long)lo,
                        (long long)hi);
    return 0;
}

static int read_strlist(cfg_ctx_t *ctx, const actr_toml_value_t *v, const char *key,
                        actr_config_strlist_t *list)
{
    if (actr_toml_type(v) != ACTR_TOML_ARRAY)
        return cfg_type_error(ctx, v, key, "an array of strings");
    size_t saved = cfg_push(ctx, key);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < actr_toml_array_size(v); i++) {
        size_t s2 = cfg_push_index(ctx, i);
        char *s = NULL;
        rc = cfg_string(ctx, actr_toml_array_at(v, i), NULL, &s);
        if (rc == 0 && cfg_strlist_push(list, s) != 0)
            rc = cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
        free(s);
        cfg_pop(ctx, s2);
    }
    cfg_pop(ctx, saved);
    return rc;
}

static int read_strmap(cfg_ctx_t *ctx, const actr_toml_value_t *v, const char *key,
                       actr_config_strmap_t *map)
{
    if (actr_toml_type(v) != ACTR_TOML_TABLE)
        return cfg_type_error(ctx, v, key, "a table of strings");
    size_t saved = cfg_push(ctx, key);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < actr_toml_table_size(v); i++) {
        const char *k;
        size_t klen;
        const actr_toml_value_t *item = actr_toml_table_at(v, i, &k, &klen);
        char *s = NULL;
        if (strlen(k) != klen)
            rc = cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(item), NULL,
                          "keys must not contain a NUL character");
        else
            rc = cfg_string(ctx, item, k, &s);
        if (rc == 0 && cfg_strmap_set(map, k, s) != 0)
            rc = cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
        free(s);
    }
    cfg_pop(ctx, saved);
    return rc;
}

static int check_choice(cfg_ctx_t *ctx, const actr_toml_value_t *v, const cfg_field_t *f,
                        const char *s)
{
    char list[160] = "";
    for (const char *const *c = f->choices; *c; c++) {
        if (strcmp(*c, s) == 0)
            return 0;
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s\"%s\"", n ? ", " : "", *c);
    }
    return cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(v), f->key,
                    "\"%.64s\" is not one of %s", s, list);
}

/* Converts one present value into its slot. */
static int read_field(cfg_ctx_t *ctx, const actr_toml_value_t *v, const cfg_field_t *f,
                      char *base)
{
    void *slot = base + f->offset;
    int64_t n;
    int rc = 0;
    switch (f->kind) {
    case CFG_STRING: {
        char *s = NULL;
        if ((rc = cfg_string(ctx, v, f->key, &s)) == 0 && f->choices)
            rc = check_choice(ctx, v, f, s);
        if (rc != 0) {
            free(s);
            return rc;
        }
        free(*(char **)slot);
        *(char **)slot = s;
        return 0;
    }
    case CFG_PATH: {
        char *raw = NULL, *p = NULL;
        if ((rc = cfg_string(ctx, v, f->key, &raw)) == 0)
            rc = cfg_resolve_path(ctx, raw, actr_toml_line(v), f->key, &p);
        free(raw);
        if (rc == 0) {
            free(*(char **)slot);
            *(char **)slot = p;
        }
        return rc;
    }
    case CFG_URL_WS:
    case CFG_URL_HTTP: {
        char *u = NULL;
        if ((rc = read_url(ctx, v, f->key, f->kind == CFG_URL_WS, &u)) == 0) {
            free(*(char **)slot);
            *(char **)slot = u;
        }
        return rc;
    }
    case CFG_BOOL:
        if (actr_toml_as_bool(v, (bool *)slot) != 0)
            return cfg_type_error(ctx, v, f->key, "a boolean");
        return 0;
    case CFG_U16:
    case CFG_U32:
    case CFG_U64:
    case CFG_I64:
        if ((rc = read_int(ctx, v, f, &n)) != 0)
            return rc;
        if (f->kind == CFG_U16)
            *(uint16_t *)slot = (uint16_t)n;
        else if (f->kind == CFG_U32)
            *(uint32_t *)slot = (uint32_t)n;
        else if (f->kind == CFG_U64)
            *(uint64_t *)slot = (uint64_t)n;
        else
            *(int64_t *)slot = n;
        return 0;
    case CFG_STRLIST:
        cfg_strlist_free(slot); /* a later layer replaces the list */
        return read_strlist(ctx, v, f->key, slot);
    case CFG_STRMAP:
        return read_strmap(ctx, v, f->key, slot);
    case CFG_TABLE: {
        if (actr_toml_type(v) != ACTR_TOML_TABLE)
            return cfg_type_error(ctx, v, f->key, "a table");
        size_t saved = cfg_push(ctx, f->key);
        rc = cfg_read_table(ctx, v, f->sub, slot);
        cfg_pop(ctx, saved);
        return rc;
    }
    case CFG_RAW:
        *(const actr_toml_value_t **)slot = v;
        return 0;
    }
    return cfg_fail(ctx, ACTR_EINTERNAL, 0, f->key, "unknown field kind");
}

static const cfg_field_t *find_field(const cfg_schema_t *schema, const char *key, size_t len)
{
    for (size_t i = 0; i < schema->count; i++)
        if (strlen(schema->fields[i].key) == len && memcmp(schema->fields[i].key, key, len) == 0)
            return &schema->fields[i];
    return NULL;
}

static int unknown_key(cfg_ctx_t *ctx, const actr_toml_value_t *v, const char *key, bool strict)
{
    if (strict)
        return cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(v), key, "unknown key");
    return cfg_warn(ctx, actr_toml_line(v), key, "unknown key, ignored");
}

int cfg_read_table(cfg_ctx_t *ctx, const actr_toml_value_t *table, const cfg_schema_t *schema,
                   void *target)
{
    char *base = target;
    int rc;
    for (size_t i = 0; i < actr_toml_table_size(table); i++) {
        const char *key;
        size_t key_len;
        const actr_toml_value_t *v = actr_toml_table_at(table, i, &key, &key_len);
        const cfg_field_t *f = find_field(schema, key, key_len);
        if (!f) {
            if ((rc = unknown_key(ctx, v, key, schema->strict)) != 0)
                return rc;
            continue;
        }
        if ((rc = read_field(ctx, v, f, base)) != 0)
            return rc;
        if (f->has_offset != CFG_NO_HAS)
            *(bool *)(base + f->has_offset) = true;
    }
    for (size_t i = 0; i < schema->count; i++) {
        const cfg_field_t *f = &schema->fields[i];
        if (actr_toml_get(table, f->key))
            continue;
        if (f->flags & CFG_REQUIRED)
            return cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(table), f->key,
                            "missing required key");
        /* An absent always-present section may still hold required keys ([signaling].url);
         * optional tables (those with a has flag) are simply absent. */
        if (f->kind == CFG_TABLE && f->has_offset == CFG_NO_HAS) {
            size_t saved = cfg_push(ctx, f->key);
            rc = cfg_read_table(ctx, NULL, f->sub, base + f->offset);
            cfg_pop(ctx, saved);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

void cfg_free_fields(const cfg_schema_t *schema, void *target)
{
    char *base = target;
    for (size_t i = 0; i < schema->count; i++) {
        const cfg_field_t *f = &schema->fields[i];
        void *slot = base + f->offset;
        switch (f->kind) {
        case CFG_STRING:
        case CFG_PATH:
        case CFG_URL_WS:
        case CFG_URL_HTTP:
            free(*(char **)slot);
            *(char **)slot = NULL;
            break;
        case CFG_STRLIST:
            cfg_strlist_free(slot);
            break;
        case CFG_STRMAP:
            cfg_strmap_free(slot);
            break;
        case CFG_TABLE:
            cfg_free_fields(f->sub, slot);
            break;
        default:
            break;
        }
    }
}

int cfg_check_keys(cfg_ctx_t *ctx, const actr_toml_value_t *table, const char *const *known,
                   bool strict)
{
    for (size_t i = 0; i < actr_toml_table_size(table); i++) {
        const char *key;
        size_t len;
        const actr_toml_value_t *v = actr_toml_table_at(table, i, &key, &len);
        const char *const *k = known;
        while (*k && !(strlen(*k) == len && memcmp(*k, key, len) == 0))
            k++;
        int rc = *k ? 0 : unknown_key(ctx, v, key, strict);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int cfg_parse_toml(cfg_ctx_t *ctx, const char *text, size_t len, actr_toml_value_t **root)
{
    actr_error_t inner;
    actr_error_clear(&inner);
    int rc = actr_toml_parse(text, len, root, &inner);
    if (rc != 0)
        return actr_error_set(ctx->err, rc, rc == ACTR_ENOMEM ? ACTR_KIND_INTERNAL : ACTR_KIND_CLIENT,
                              0, "%s: %s", ctx->source, inner.message);
    return 0;
}

/* ---- containers and paths ---- */

char *cfg_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

int cfg_strlist_push(actr_config_strlist_t *list, const char *s)
{
    char *copy = strdup(s);
    char **items = copy ? realloc(list->items, (list->count + 1) * sizeof *items) : NULL;
    if (!items) {
        free(copy);
        return ACTR_ENOMEM;
    }
    items[list->count++] = copy;
    list->items = items;
    return 0;
}

void cfg_strlist_free(actr_config_strlist_t *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

int cfg_strmap_set(actr_config_strmap_t *map, const char *key, const char *value)
{
    char *v = strdup(value);
    if (!v)
        return ACTR_ENOMEM;
    for (size_t i = 0; i < map->count; i++) {
        if (strcmp(map->keys[i], key) == 0) {
            free(map->values[i]);
            map->values[i] = v;
            return 0;
        }
    }
    char *k = strdup(key);
    char **keys = k ? realloc(map->keys, (map->count + 1) * sizeof *keys) : NULL;
    if (keys)
        map->keys = keys;
    char **values = keys ? realloc(map->values, (map->count + 1) * sizeof *values) : NULL;
    if (!values) {
        free(k);
        free(v);
        return ACTR_ENOMEM;
    }
    map->values = values;
    map->keys[map->count] = k;
    map->values[map->count++] = v;
    return 0;
}

void cfg_strmap_free(actr_config_strmap_t *map)
{
    for (size_t i = 0; i < map->count; i++) {
        free(map->keys[i]);
        free(map->values[i]);
    }
    free(map->keys);
    free(map->values);
    memset(map, 0, sizeof *map);
}

const char *actr_config_strmap_get(const actr_config_strmap_t *map, const char *key)
{
    for (size_t i = 0; map && key && i < map->count; i++)
        if (strcmp(map->keys[i], key) == 0)
            return map->values[i];
    return NULL;
}

char *cfg_join(const char *dir, const char *rel)
{
    if (!dir || !*dir || strcmp(dir, ".") == 0)
        return strdup(rel);
    size_t dl = strlen(dir);
    bool slash = dir[dl - 1] == '/';
    size_t need = dl + strlen(rel) + 2;
    char *out = malloc(need);
    if (out)
        snprintf(out, need, "%s%s%s", dir, slash ? "" : "/", rel);
    return out;
}

char *cfg_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}
