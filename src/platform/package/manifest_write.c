/*
 * manifest_write.c - actr_package_manifest_t to TOML, byte-compatible with what the reference
 * packer gets from toml::to_string_pretty (toml 1.x) for its PackageManifest struct.
 *
 * That serializer writes the root table's plain values in field order (an empty Vec is the
 * value `[]`, a None is skipped), then each sub-table in the order it was first met, separated
 * by one blank line: [binary], [[resources]]..., [[proto_files]]..., [lock_file], and [metadata]
 * (printed even when empty). Strings use the quoting toml_writer picks by default, reproduced in
 * put_string(). The verifier never depends on this: it checks the signature over raw bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/package/package_internal.h"

typedef struct sb {
    char *data;
    size_t len, cap;
    bool failed;
} sb_t;

static void put(sb_t *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (n + 1 > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 512;
        while (n + 1 > cap - b->len)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void puts_(sb_t *b, const char *s)
{
    put(b, s, strlen(s));
}

typedef enum style { LITERAL, BASIC, ML_LITERAL, ML_BASIC } style_t;

/* toml_writer's ValueMetrics and TomlStringBuilder::as_default(). */
static style_t pick_style(const char *s, bool *newline)
{
    unsigned max_sq = 0, max_dq = 0, sq = 0, dq = 0;
    bool escape_codes = false, escape = false;
    *newline = false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        sq = *p == '\'' ? sq + 1 : 0;
        dq = *p == '"' ? dq + 1 : 0;
        max_sq = sq > max_sq ? sq : max_sq;
        max_dq = dq > max_dq ? dq : max_dq;
        if (*p == '\\')
            escape = true;
        else if (*p == '\n')
            *newline = true;
        else if (*p != '\t' && (*p <= 0x1f || *p == 0x7f))
            escape_codes = true;
    }
    if (!escape_codes && !escape && max_dq == 0 && !*newline)
        return BASIC;
    if (!escape_codes && max_sq == 0 && !*newline)
        return LITERAL;
    if (!escape_codes && !escape && max_dq <= 2)
        return ML_BASIC;
    if (!escape_codes && max_sq <= 2)
        return ML_LITERAL;
    return *newline ? ML_BASIC : BASIC;
}

/* Escapes like toml_writer: quotes only past the run a delimiter allows, \b \t \f \r \\ (and \n
 * outside multi-line strings) by name, other control bytes as \uXXXX. */
static void put_escaped(sb_t *b, const char *s, bool ml)
{
    unsigned max_run = ml ? 2 : 0, run = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = NULL;
        char u[8];
        if (*p == '"') {
            if (++run > max_run)
                esc = "\\\"";
        } else {
            switch (*p) {
            case 0x08: esc = "\\b"; break;
            case 0x09: esc = "\\t"; break;
            case 0x0a: esc = ml ? NULL : "\\n"; break;
            case 0x0c: esc = "\\f"; break;
            case 0x0d: esc = "\\r"; break;
            case '\\': esc = "\\\\"; break;
            default:
                if (*p <= 0x1f || *p == 0x7f) {
                    snprintf(u, sizeof u, "\\u%04X", (unsigned)*p);
                    esc = u;
                }
            }
        }
        if (esc) {
            puts_(b, esc);
            run = 0; /* the reference restarts its scan after every escape */
        } else {
            if (*p != '"')
                run = 0;
            put(b, (const char *)p, 1);
        }
    }
}

static void put_string(sb_t *b, const char *s)
{
    bool newline;
    style_t st = pick_style(s, &newline);
    static const char *const delim[] = {"'", "\"", "'''", "\"\"\""};
    puts_(b, delim[st]);
    bool ml = st == ML_LITERAL || st == ML_BASIC;
    if (ml && newline)
        puts_(b, "\n");
    if (st == BASIC || st == ML_BASIC)
        put_escaped(b, s, ml);
    else
        puts_(b, s);
    puts_(b, delim[st]);
}

static void put_kv(sb_t *b, const char *key, const char *value)
{
    if (!value)
        return; /* Option::None is skipped */
    puts_(b, key);
    puts_(b, " = ");
    put_string(b, value);
    puts_(b, "\n");
}

static void put_header(sb_t *b, const char *key, bool array)
{
    puts_(b, array ? "\n[[" : "\n[");
    puts_(b, key);
    puts_(b, array ? "]]\n" : "]\n");
}

static void put_entries(sb_t *b, const char *key, const actr_package_entry_t *e, size_t n,
                        bool with_name)
{
    for (size_t i = 0; i < n; i++) {
        put_header(b, key, true);
        if (with_name)
            put_kv(b, "name", e[i].name);
        put_kv(b, "path", e[i].path);
        put_kv(b, "hash", e[i].hash);
    }
}

static bool entries_complete(const actr_package_entry_t *e, size_t n, bool with_name)
{
    for (size_t i = 0; i < n; i++) {
        if ((with_name && !e[i].name) || !e[i].path || !e[i].hash)
            return false;
    }
    return n == 0 || e;
}

int actr_package_manifest_serialize(const actr_package_manifest_t *m, char **out,
                                    size_t *out_len, actr_error_t *err)
{
    if (!out)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!m || !m->manufacturer || !m->name || !m->version || !m->binary.path ||
        !m->binary.target || !m->binary.hash ||
        !entries_complete(m->resources, m->resource_count, false) ||
        !entries_complete(m->proto_files, m->proto_file_count, true) ||
        (m->has_lock_file && (!m->lock_file.path || !m->lock_file.hash)))
        return pkg_err(err, ACTR_EINVAL, "manifest is missing a required field");
    if (m->binary.kind != ACTR_BINARY_KIND_UNSET && !actr_binary_kind_name(m->binary.kind))
        return pkg_err(err, ACTR_EINVAL, "binary.kind %d is not a known kind", (int)m->binary.kind);

    sb_t b = {0};
    /* Root values, in PackageManifest's field order. */
    put_kv(&b, "manufacturer", m->manufacturer);
    put_kv(&b, "name", m->name);
    put_kv(&b, "version", m->version);
    put_kv(&b, "signature_algorithm", m->signature_algorithm ? m->signature_algorithm : "ed25519");
    put_kv(&b, "signing_key_id", m->signing_key_id);
    if (m->resource_count == 0)
        puts_(&b, "resources = []\n");
    if (m->proto_file_count == 0)
        puts_(&b, "proto_files = []\n");
    /* Tables, in the order the serializer created them. */
    put_header(&b, "binary", false);
    put_kv(&b, "path", m->binary.path);
    put_kv(&b, "target", m->binary.target);
    put_kv(&b, "hash", m->binary.hash);
    if (m->binary.has_size) {
        char num[32];
        snprintf(num, sizeof num, "size = %llu\n", (unsigned long long)m->binary.size);
        puts_(&b, num);
    }
    put_kv(&b, "kind", actr_binary_kind_name(m->binary.kind));
    put_entries(&b, "resources", m->resources, m->resource_count, false);
    put_entries(&b, "proto_files", m->proto_files, m->proto_file_count, true);
    if (m->has_lock_file) {
        put_header(&b, "lock_file", false);
        put_kv(&b, "path", m->lock_file.path);
        put_kv(&b, "hash", m->lock_file.hash);
    }
    put_header(&b, "metadata", false);
    put_kv(&b, "description", m->description);
    put_kv(&b, "license", m->license);
    if (b.failed) {
        free(b.data);
        return pkg_err(err, ACTR_ENOMEM, "out of memory serializing the manifest");
    }
    *out = b.data;
    if (out_len)
        *out_len = b.len;
    return 0;
}
