/*
 * lock.c - manifest.lock.toml (platform.md 7.5): parse into actr_lock_file_t, add or replace a
 * dependency keeping the list sorted by name, and write it back as TOML.
 */
#include "platform/config/config_internal.h"
#include "base/fsutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"

typedef struct raw_dep {
    actr_lock_dependency_t d;
    const actr_toml_value_t *files;
} raw_dep_t;

typedef struct raw_lock {
    actr_lock_file_t lock;
    const actr_toml_value_t *deps;
} raw_lock_t;

static const cfg_field_t file_fields[] = {
    CFG_F_REQ(actr_lock_proto_file_t, "path", CFG_STRING, path),
    CFG_F_REQ(actr_lock_proto_file_t, "fingerprint", CFG_STRING, fingerprint),
};
static const cfg_field_t dep_fields[] = {
    CFG_F_REQ(raw_dep_t, "name", CFG_STRING, d.name),
    CFG_F_REQ(raw_dep_t, "actr_type", CFG_STRING, d.actr_type),
    CFG_F(raw_dep_t, "description", CFG_STRING, d.description),
    CFG_F_REQ(raw_dep_t, "fingerprint", CFG_STRING, d.fingerprint),
    CFG_F_HAS(raw_dep_t, "published_at", CFG_I64, d.published_at, d.has_published_at),
    CFG_F(raw_dep_t, "tags", CFG_STRLIST, d.tags),
    CFG_F_REQ(raw_dep_t, "cached_at", CFG_STRING, d.cached_at),
    CFG_F_REQ(raw_dep_t, "files", CFG_RAW, files),
};
static const cfg_field_t metadata_fields[] = {
    CFG_F_REQ(raw_lock_t, "version", CFG_U32, lock.version),
    CFG_F_REQ(raw_lock_t, "generated_at", CFG_STRING, lock.generated_at),
};
static const cfg_schema_t file_schema = CFG_SCHEMA(file_fields, false);
static const cfg_schema_t dep_schema = CFG_SCHEMA(dep_fields, false);
static const cfg_schema_t metadata_schema = CFG_SCHEMA(metadata_fields, false);
static const cfg_field_t root_fields[] = {
    {.key = "metadata", .kind = CFG_TABLE, .offset = 0,
     .has_offset = offsetof(raw_lock_t, lock.has_metadata), .sub = &metadata_schema},
    CFG_F(raw_lock_t, "dependency", CFG_RAW, deps),
};
static const cfg_schema_t root_schema = CFG_SCHEMA(root_fields, false);

static void dep_clear(actr_lock_dependency_t *d)
{
    raw_dep_t raw = {.d = *d};
    cfg_free_fields(&dep_schema, &raw);
    for (size_t i = 0; i < d->file_count; i++)
        cfg_free_fields(&file_schema, &d->files[i]);
    free(d->files);
    memset(d, 0, sizeof *d);
}

/* Timestamps are RFC 3339 strings (chrono's serde form). */
static int check_time(cfg_ctx_t *ctx, const actr_toml_value_t *table, const char *key,
                      const char *value)
{
    int64_t s;
    if (actr_rfc3339_parse(value, strlen(value), &s, NULL) == 0)
        return 0;
    return cfg_fail(ctx, ACTR_EINVAL, actr_toml_line(actr_toml_get(table, key)), key,
                    "\"%.40s\" is not an RFC 3339 date-time", value);
}

/* An array of tables (or NULL); each item read by fn into slots of size `size`. */
static int read_array(cfg_ctx_t *ctx, const actr_toml_value_t *arr, const char *key, size_t size,
                      void **items, size_t *count,
                      int (*fn)(cfg_ctx_t *, const actr_toml_value_t *, void *))
{
    size_t saved = cfg_push(ctx, key);
    size_t n = actr_toml_array_size(arr);
    int rc = 0;
    if (actr_toml_type(arr) != ACTR_TOML_ARRAY)
        rc = cfg_type_error(ctx, arr, NULL, "an array of tables");
    else if (n && !(*items = calloc(n, size)))
        rc = cfg_fail(ctx, ACTR_ENOMEM, 0, NULL, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t s2 = cfg_push_index(ctx, i);
        const actr_toml_value_t *item = actr_toml_array_at(arr, i);
        if (actr_toml_type(item) != ACTR_TOML_TABLE)
            rc = cfg_type_error(ctx, item, NULL, "a table");
        else
            rc = fn(ctx, item, (char *)*items + i * size);
        (*count)++; /* a failed item is freed with the rest */
        cfg_pop(ctx, s2);
    }
    cfg_pop(ctx, saved);
    return rc;
}

static int read_file_entry(cfg_ctx_t *ctx, const actr_toml_value_t *t, void *slot)
{
    return cfg_read_table(ctx, t, &file_schema, slot);
}

static int read_dep(cfg_ctx_t *ctx, const actr_toml_value_t *t, void *slot)
{
    raw_dep_t raw;
    memset(&raw, 0, sizeof raw);
    int rc = cfg_read_table(ctx, t, &dep_schema, &raw);
    if (rc == 0)
        rc = check_time(ctx, t, "cached_at", raw.d.cached_at);
    if (rc == 0)
        rc = read_array(ctx, raw.files, "files", sizeof(actr_lock_proto_file_t),
                        (void **)&raw.d.files, &raw.d.file_count, read_file_entry);
    *(actr_lock_dependency_t *)slot = raw.d;
    return rc;
}

void actr_lock_file_free(actr_lock_file_t *lock)
{
    if (!lock)
        return;
    for (size_t i = 0; i < lock->dependency_count; i++)
        dep_clear(&lock->dependencies[i]);
    free(lock->dependencies);
    free(lock->generated_at);
    cfg_strlist_free(&lock->warnings);
    memset(lock, 0, sizeof *lock);
}

int actr_lock_file_parse(const char *text, size_t len, const char *source, actr_lock_file_t *out,
                         actr_error_t *err)
{
    if (!out || (!text && len))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no text or output given");
    memset(out, 0, sizeof *out);
    raw_lock_t raw;
    memset(&raw, 0, sizeof raw);
    cfg_ctx_t ctx;
    cfg_ctx_init(&ctx, source ? source : "manifest.lock.toml", ".", &raw.lock.warnings, err);
    actr_toml_value_t *root = NULL;
    int rc = cfg_parse_toml(&ctx, text ? text : "", len, &root);
    if (rc == 0)
        rc = cfg_read_table(&ctx, root, &root_schema, &raw);
    if (rc == 0 && raw.lock.has_metadata) {
        size_t saved = cfg_push(&ctx, "metadata");
        rc = check_time(&ctx, actr_toml_get(root, "metadata"), "generated_at",
                        raw.lock.generated_at);
        cfg_pop(&ctx, saved);
    }
    if (rc == 0 && raw.deps)
        rc = read_array(&ctx, raw.deps, "dependency", sizeof(actr_lock_dependency_t),
                        (void **)&raw.lock.dependencies, &raw.lock.dependency_count, read_dep);
    actr_toml_free(root);
    if (rc != 0) {
        actr_lock_file_free(&raw.lock);
        return rc;
    }
    *out = raw.lock;
    return 0;
}

int actr_lock_file_load(const char *path, actr_lock_file_t *out, actr_error_t *err)
{
    if (!out || !path)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no path or output given");
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    int rc = actr_read_file(path, CFG_MAX_FILE_BYTES, &text, &len, err);
    if (rc != 0)
        return rc;
    rc = actr_lock_file_parse(text, len, path, out, err);
    free(text);
    return rc;
}

/* ---- editing ---- */

static int copy_dep(actr_lock_dependency_t *to, const actr_lock_dependency_t *from)
{
    memset(to, 0, sizeof *to);
    bool ok = (to->name = cfg_strdup(from->name)) && (to->actr_type = cfg_strdup(from->actr_type)) &&
              (to->fingerprint = cfg_strdup(from->fingerprint)) &&
              (to->cached_at = cfg_strdup(from->cached_at)) &&
              (!from->description || (to->description = strdup(from->description)));
    to->has_published_at = from->has_published_at;
    to->published_at = from->published_at;
    for (size_t i = 0; ok && i < from->tags.count; i++)
        ok = cfg_strlist_push(&to->tags, from->tags.items[i]) == 0;
    if (ok && from->file_count && !(to->files = calloc(from->file_count, sizeof *to->files)))
        ok = false;
    for (size_t i = 0; ok && i < from->file_count; i++) {
        to->file_count++;
        ok = (to->files[i].path = cfg_strdup(from->files[i].path)) &&
             (to->files[i].fingerprint = cfg_strdup(from->files[i].fingerprint));
    }
    if (!ok)
        dep_clear(to);
    return ok ? 0 : ACTR_ENOMEM;
}

int actr_lock_file_add_dependency(actr_lock_file_t *lock, const actr_lock_dependency_t *dep,
                                  actr_error_t *err)
{
    if (!lock || !dep || !dep->name || !dep->actr_type || !dep->fingerprint || !dep->cached_at)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "a lock dependency needs name, actr_type, fingerprint, cached_at");
    for (size_t i = 0; i < dep->file_count; i++)
        if (!dep->files[i].path || !dep->files[i].fingerprint)
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "a lock file entry needs path and fingerprint");
    actr_lock_dependency_t copy;
    if (copy_dep(&copy, dep) != 0)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    size_t pos = 0;
    while (pos < lock->dependency_count && strcmp(lock->dependencies[pos].name, dep->name) < 0)
        pos++;
    if (pos < lock->dependency_count && strcmp(lock->dependencies[pos].name, dep->name) == 0) {
        dep_clear(&lock->dependencies[pos]);
        lock->dependencies[pos] = copy;
        return 0;
    }
    actr_lock_dependency_t *deps =
        realloc(lock->dependencies, (lock->dependency_count + 1) * sizeof *deps);
    if (!deps) {
        dep_clear(&copy);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    memmove(&deps[pos + 1], &deps[pos], (lock->dependency_count - pos) * sizeof *deps);
    deps[pos] = copy;
    lock->dependencies = deps;
    lock->dependency_count++;
    return 0;
}

/* ---- writing ---- */

/* A TOML basic string: quotes, backslashes and control characters escaped. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04X", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void put_string(FILE *f, const char *key, const char *s)
{
    fprintf(f, "%s = ", key);
    put_quoted(f, s);
    fputc('\n', f);
}

static void put_dep(FILE *f, const actr_lock_dependency_t *d)
{
    fputs("\n[[dependency]]\n", f);
    put_string(f, "name", d->name);
    put_string(f, "actr_type", d->actr_type);
    if (d->description)
        put_string(f, "description", d->description);
    put_string(f, "fingerprint", d->fingerprint);
    if (d->has_published_at)
        fprintf(f, "published_at = %" PRId64 "\n", d->published_at);
    if (d->tags.count) {
        fputs("tags = [", f);
        for (size_t i = 0; i < d->tags.count; i++) {
            fputs(i ? ", " : "", f);
            put_quoted(f, d->tags.items[i]);
        }
        fputs("]\n", f);
    }
    put_string(f, "cached_at", d->cached_at);
    for (size_t i = 0; i < d->file_count; i++) {
        fputs("\n[[dependency.files]]\n", f);
        put_string(f, "path", d->files[i].path);
        put_string(f, "fingerprint", d->files[i].fingerprint);
    }
}

int actr_lock_file_to_toml(const actr_lock_file_t *lock, char **out, actr_error_t *err)
{
    if (!lock || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no lock file or output given");
    *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(out, &size);
    if (!f)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    fputs("# manifest.lock.toml: generated; do not edit by hand.\n", f);
    if (lock->has_metadata) {
        fprintf(f, "\n[metadata]\nversion = %u\n", (unsigned)lock->version);
        put_string(f, "generated_at", lock->generated_at ? lock->generated_at : "");
    }
    for (size_t i = 0; i < lock->dependency_count; i++)
        put_dep(f, &lock->dependencies[i]);
    if (fclose(f) != 0 || !*out) {
        free(*out);
        *out = NULL;
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    return 0;
}
