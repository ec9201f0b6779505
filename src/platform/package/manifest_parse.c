/*
 * manifest_parse.c - manifest.toml into actr_package_manifest_t (platform.md §1.3).
 *
 * Mirrors the reference's serde model: required keys, defaults for the optional ones, unknown
 * keys ignored. Every error names the dotted key and the line it is on, so a packager can fix
 * the file without guessing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/toml.h"
#include "platform/package/package_internal.h"

#define KEY_LABEL_MAX 64

/* Where we are: the table being read, its label ("binary", "resources[2]") and its line. */
typedef struct scope {
    const actr_toml_value_t *table;
    const char *label; /* "" for the root */
} scope_t;

static void key_label(char *out, const scope_t *s, const char *key)
{
    if (s->label[0])
        snprintf(out, KEY_LABEL_MAX, "%s.%s", s->label, key);
    else
        snprintf(out, KEY_LABEL_MAX, "%s", key);
}

static int missing(const scope_t *s, const char *key, actr_error_t *err)
{
    char label[KEY_LABEL_MAX];
    key_label(label, s, key);
    if (s->label[0])
        return pkg_err_manifest(err, ACTR_EPARSE, "line %d: missing field `%s`",
                                actr_toml_line(s->table), label);
    return pkg_err_manifest(err, ACTR_EPARSE, "missing field `%s`", label);
}

static int wrong_type(const scope_t *s, const char *key, const actr_toml_value_t *v,
                      const char *want, actr_error_t *err)
{
    char label[KEY_LABEL_MAX];
    key_label(label, s, key);
    return pkg_err_manifest(err, ACTR_EPARSE, "line %d: `%s` must be %s, got %s",
                            actr_toml_line(v), label, want,
                            actr_toml_type_name(actr_toml_type(v)));
}

/* Copies an optional string (required: absence is an error). *out stays NULL when absent. */
static int get_string(const scope_t *s, const char *key, bool required, char **out,
                      actr_error_t *err)
{
    const actr_toml_value_t *v = actr_toml_get(s->table, key);
    if (!v)
        return required ? missing(s, key, err) : 0;
    const char *str;
    size_t len;
    if (actr_toml_as_string(v, &str, &len) != 0)
        return wrong_type(s, key, v, "a string", err);
    if (memchr(str, '\0', len)) {
        char label[KEY_LABEL_MAX];
        key_label(label, s, key);
        return pkg_err_manifest(err, ACTR_EPARSE, "line %d: `%s` contains a NUL character",
                                actr_toml_line(v), label);
    }
    *out = strndup(str, len);
    return *out ? 0 : pkg_err(err, ACTR_ENOMEM, "out of memory parsing the manifest");
}

static int get_table(const scope_t *s, const char *key, bool required, scope_t *child,
                     const char *label, actr_error_t *err)
{
    const actr_toml_value_t *v = actr_toml_get(s->table, key);
    child->table = NULL;
    child->label = label;
    if (!v)
        return required ? missing(s, key, err) : 0;
    if (actr_toml_type(v) != ACTR_TOML_TABLE)
        return wrong_type(s, key, v, "a table", err);
    child->table = v;
    return 0;
}

static const char *const kind_names[] = {
    [ACTR_BINARY_KIND_CORE_MODULE] = "core-module",
    [ACTR_BINARY_KIND_COMPONENT] = "component",
    [ACTR_BINARY_KIND_NATIVE_CDYLIB] = "native-cdylib",
};

const char *actr_binary_kind_name(actr_binary_kind_t kind)
{
    if (kind <= ACTR_BINARY_KIND_UNSET || kind > ACTR_BINARY_KIND_NATIVE_CDYLIB)
        return NULL;
    return kind_names[kind];
}

static int parse_binary(const scope_t *root, actr_package_binary_t *b, actr_error_t *err)
{
    scope_t s;
    int rc = get_table(root, "binary", true, &s, "binary", err);
    if (rc == 0)
        rc = get_string(&s, "path", true, &b->path, err);
    if (rc == 0)
        rc = get_string(&s, "target", true, &b->target, err);
    if (rc == 0)
        rc = get_string(&s, "hash", true, &b->hash, err);
    if (rc != 0)
        return rc;
    const actr_toml_value_t *size = actr_toml_get(s.table, "size");
    if (size) {
        int64_t n;
        if (actr_toml_as_int(size, &n) != 0 || n < 0)
            return wrong_type(&s, "size", size, "a non-negative integer", err);
        b->size = (uint64_t)n;
        b->has_size = true;
    }
    char *kind = NULL;
    rc = get_string(&s, "kind", false, &kind, err);
    if (rc != 0 || !kind)
        return rc;
    for (int k = ACTR_BINARY_KIND_CORE_MODULE; k <= ACTR_BINARY_KIND_NATIVE_CDYLIB; k++) {
        if (strcmp(kind, kind_names[k]) == 0)
            b->kind = (actr_binary_kind_t)k;
    }
    if (b->kind == ACTR_BINARY_KIND_UNSET)
        rc = pkg_err_manifest(err, ACTR_EPARSE,
                              "line %d: unknown variant `%s` for `binary.kind`, expected one of "
                              "`core-module`, `component`, `native-cdylib`",
                              actr_toml_line(actr_toml_get(s.table, "kind")), kind);
    free(kind);
    return rc;
}

/* [[resources]] / [[proto_files]]: an array of tables; with_name for proto files. */
static int parse_entries(const scope_t *root, const char *key, bool with_name,
                         actr_package_entry_t **out, size_t *count, actr_error_t *err)
{
    const actr_toml_value_t *arr = actr_toml_get(root->table, key);
    if (!arr)
        return 0;
    if (actr_toml_type(arr) != ACTR_TOML_ARRAY)
        return wrong_type(root, key, arr, "an array of tables", err);
    size_t n = actr_toml_array_size(arr);
    if (n == 0)
        return 0;
    *out = calloc(n, sizeof **out);
    if (!*out)
        return pkg_err(err, ACTR_ENOMEM, "out of memory parsing the manifest");
    *count = n;
    for (size_t i = 0; i < n; i++) {
        char label[KEY_LABEL_MAX];
        snprintf(label, sizeof label, "%s[%zu]", key, i);
        scope_t s = {actr_toml_array_at(arr, i), label};
        if (actr_toml_type(s.table) != ACTR_TOML_TABLE)
            return pkg_err_manifest(err, ACTR_EPARSE, "line %d: `%s` must be a table, got %s",
                                    actr_toml_line(s.table), label,
                                    actr_toml_type_name(actr_toml_type(s.table)));
        actr_package_entry_t *e = &(*out)[i];
        int rc = with_name ? get_string(&s, "name", true, &e->name, err) : 0;
        if (rc == 0)
            rc = get_string(&s, "path", true, &e->path, err);
        if (rc == 0)
            rc = get_string(&s, "hash", true, &e->hash, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int parse_root(const actr_toml_value_t *doc, actr_package_manifest_t *m, actr_error_t *err)
{
    scope_t root = {doc, ""};
    int rc = get_string(&root, "manufacturer", true, &m->manufacturer, err);
    if (rc == 0)
        rc = get_string(&root, "name", true, &m->name, err);
    if (rc == 0)
        rc = get_string(&root, "version", true, &m->version, err);
    if (rc == 0)
        rc = parse_binary(&root, &m->binary, err);
    if (rc == 0)
        rc = get_string(&root, "signature_algorithm", false, &m->signature_algorithm, err);
    if (rc == 0 && !m->signature_algorithm) {
        m->signature_algorithm = strdup("ed25519"); /* the reference's serde default */
        if (!m->signature_algorithm)
            rc = pkg_err(err, ACTR_ENOMEM, "out of memory parsing the manifest");
    }
    if (rc == 0)
        rc = get_string(&root, "signing_key_id", false, &m->signing_key_id, err);
    if (rc == 0)
        rc = parse_entries(&root, "resources", false, &m->resources, &m->resource_count, err);
    if (rc == 0)
        rc = parse_entries(&root, "proto_files", true, &m->proto_files, &m->proto_file_count,
                           err);
    scope_t lock;
    if (rc == 0)
        rc = get_table(&root, "lock_file", false, &lock, "lock_file", err);
    if (rc == 0 && lock.table) {
        m->has_lock_file = true;
        rc = get_string(&lock, "path", true, &m->lock_file.path, err);
        if (rc == 0)
            rc = get_string(&lock, "hash", true, &m->lock_file.hash, err);
    }
    scope_t meta;
    if (rc == 0)
        rc = get_table(&root, "metadata", false, &meta, "metadata", err);
    if (rc == 0 && meta.table) {
        rc = get_string(&meta, "description", false, &m->description, err);
        if (rc == 0)
            rc = get_string(&meta, "license", false, &m->license, err);
    }
    return rc;
}

int actr_package_manifest_parse(const char *toml, size_t len, actr_package_manifest_t *out,
                                actr_error_t *err)
{
    if (!out)
        return pkg_err(err, ACTR_EINVAL, "manifest output is NULL");
    memset(out, 0, sizeof *out);
    if (!toml && len)
        return pkg_err(err, ACTR_EINVAL, "manifest text is NULL");
    actr_toml_value_t *doc = NULL;
    actr_error_t inner;
    actr_error_clear(&inner);
    int rc = actr_toml_parse(toml ? toml : "", len, &doc, &inner);
    if (rc != 0)
        return pkg_err_manifest(err, rc == ACTR_ENOMEM ? ACTR_ENOMEM : ACTR_EPARSE, "%s",
                                inner.message);
    rc = parse_root(doc, out, err);
    actr_toml_free(doc);
    if (rc != 0)
        actr_package_manifest_free(out);
    return rc;
}

static void free_entries(actr_package_entry_t *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++) {
        free(e[i].name);
        free(e[i].path);
        free(e[i].hash);
    }
    free(e);
}

void actr_package_manifest_free(actr_package_manifest_t *m)
{
    if (!m)
        return;
    free(m->manufacturer);
    free(m->name);
    free(m->version);
    free(m->signature_algorithm);
    free(m->signing_key_id);
    free(m->binary.path);
    free(m->binary.target);
    free(m->binary.hash);
    free_entries(m->resources, m->resource_count);
    free_entries(m->proto_files, m->proto_file_count);
    free(m->lock_file.name);
    free(m->lock_file.path);
    free(m->lock_file.hash);
    free(m->description);
    free(m->license);
    memset(m, 0, sizeof *m);
}
