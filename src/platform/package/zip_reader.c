/*
 * zip_reader.c - a package ZIP opened from memory with libzip, looked up by exact entry name,
 * and read in bounded 16 KiB chunks so neither a lying central directory nor a compression bomb
 * can make us decompress more than the caller's limit (platform.md §1.7, §1.8, §10.4-5).
 *
 * Only STORED and DEFLATE entries are read (what the reference writes and what its zip crate is
 * built to read); anything else, or an encrypted entry, is refused before decompression.
 */
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "actr/crypto.h"
#include "base/hex.h"
#include "codec/identity_internal.h"
#include "platform/package/package_internal.h"

typedef struct name_slot {
    const char *name; /* owned by libzip, valid while the archive is open */
    zip_uint64_t index;
} name_slot_t;

struct pkg_zip {
    zip_t *za;
    name_slot_t *names; /* sorted by name */
    size_t count;
};

static int slot_cmp(const void *a, const void *b)
{
    return strcmp(((const name_slot_t *)a)->name, ((const name_slot_t *)b)->name);
}

static int zip_error_to(actr_error_t *err, zip_error_t *ze, const char *what)
{
    return pkg_err(err, ACTR_EPARSE, "ZIP error: %s%s", what, zip_error_strerror(ze));
}

/* Sorts the names so lookups are a binary search and duplicates are neighbours. */
static int index_names(pkg_zip_t *z, actr_error_t *err)
{
    zip_int64_t n = zip_get_num_entries(z->za, 0);
    if (n < 0)
        return pkg_err(err, ACTR_EPARSE, "ZIP error: cannot count entries");
    if (n == 0)
        return 0;
    z->names = calloc((size_t)n, sizeof *z->names);
    if (!z->names)
        return pkg_err(err, ACTR_ENOMEM, "out of memory indexing %lld ZIP entries", (long long)n);
    for (zip_int64_t i = 0; i < n; i++) {
        /* Raw bytes: no CP437 guessing, so a name matches only itself. */
        const char *name = zip_get_name(z->za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!name)
            return zip_error_to(err, zip_get_error(z->za), "reading entry name: ");
        z->names[i].name = name;
        z->names[i].index = (zip_uint64_t)i;
    }
    z->count = (size_t)n;
    qsort(z->names, z->count, sizeof *z->names, slot_cmp);
    for (size_t i = 1; i < z->count; i++) {
        if (strcmp(z->names[i - 1].name, z->names[i].name) == 0)
            return pkg_err_invalid(err, ACTR_EPARSE, "duplicate ZIP entry name `%s`",
                                   z->names[i].name);
    }
    return 0;
}

int pkg_zip_open(const void *data, size_t len, pkg_zip_t **out, actr_error_t *err)
{
    *out = NULL;
    if (!data && len)
        return pkg_err(err, ACTR_EINVAL, "package bytes are NULL");
    /* libzip reads zero bytes as an empty archive; the reference's zip crate refuses them. */
    if (len == 0)
        return pkg_err(err, ACTR_EPARSE, "ZIP error: Not a zip archive (empty input)");
    pkg_zip_t *z = calloc(1, sizeof *z);
    if (!z)
        return pkg_err(err, ACTR_ENOMEM, "out of memory opening package");
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (!src) {
        int rc = zip_error_to(err, &ze, "");
        zip_error_fini(&ze);
        free(z);
        return rc;
    }
    z->za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (!z->za) {
        int rc = zip_error_to(err, &ze, "");
        zip_error_fini(&ze);
        zip_source_free(src);
        free(z);
        return rc;
    }
    zip_error_fini(&ze);
    int rc = index_names(z, err);
    if (rc != 0) {
        pkg_zip_close(z);
        return rc;
    }
    *out = z;
    return 0;
}

void pkg_zip_close(pkg_zip_t *z)
{
    if (!z)
        return;
    if (z->za)
        zip_discard(z->za); /* read-only: never write anything back */
    free(z->names);
    free(z);
}

int pkg_zip_find(pkg_zip_t *z, const char *name, pkg_zip_entry_t *entry, actr_error_t *err)
{
    name_slot_t key = {name, 0};
    const name_slot_t *hit =
        z->count ? bsearch(&key, z->names, z->count, sizeof *z->names, slot_cmp) : NULL;
    if (!hit)
        return ACTR_ENOTFOUND;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z->za, hit->index, 0, &st) != 0)
        return zip_error_to(err, zip_get_error(z->za), "stat: ");
    if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD))
        return pkg_err_invalid(err, ACTR_EPARSE, "ZIP entry `%s` has no size or method", name);
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return pkg_err_invalid(err, ACTR_EUNSUPPORTED, "ZIP entry `%s` is encrypted", name);
    if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
        return pkg_err_invalid(err, ACTR_EUNSUPPORTED,
                               "ZIP entry `%s` uses compression method %u; only STORED (0) and "
                               "DEFLATE (8) are supported",
                               name, (unsigned)st.comp_method);
    entry->index = hit->index;
    entry->declared = st.size;
    return 0;
}

int pkg_zip_stream(pkg_zip_t *z, const char *name, const pkg_zip_entry_t *entry, uint64_t max,
                   pkg_sink_fn sink, void *ctx, uint64_t *produced, actr_error_t *err)
{
    if (produced)
        *produced = 0;
    if (entry->declared > max)
        return pkg_err_invalid(err, ACTR_ETOOBIG, "ZIP entry `%s` declares %llu bytes, exceeds limit %llu",
                               name, (unsigned long long)entry->declared,
                               (unsigned long long)max);
    zip_file_t *zf = zip_fopen_index(z->za, entry->index, 0);
    if (!zf)
        return zip_error_to(err, zip_get_error(z->za), "opening entry: ");
    /* One byte past the smaller bound is enough to prove an entry lies about its size. */
    uint64_t bound = entry->declared < max ? entry->declared : max;
    uint8_t *chunk = malloc(PKG_CHUNK_BYTES);
    int rc = chunk ? 0 : pkg_err(err, ACTR_ENOMEM, "out of memory reading `%s`", name);
    uint64_t total = 0;
    while (rc == 0) {
        uint64_t want = bound + 1 - total;
        if (want > PKG_CHUNK_BYTES)
            want = PKG_CHUNK_BYTES;
        zip_int64_t n = zip_fread(zf, chunk, want);
        if (n < 0) {
            char what[ACTR_ERROR_MESSAGE_MAX];
            snprintf(what, sizeof what, "reading `%s`: ", name);
            rc = zip_error_to(err, zip_file_get_error(zf), what);
            break;
        }
        if (n == 0)
            break; /* end of entry; libzip has checked the CRC */
        total += (uint64_t)n;
        if (total > max) {
            rc = pkg_err_invalid(err, ACTR_ETOOBIG, "ZIP entry `%s` exceeds decompressed limit %llu",
                                 name, (unsigned long long)max);
            break;
        }
        if (total > entry->declared) {
            rc = pkg_err_invalid(err, ACTR_ETOOBIG,
                                 "ZIP entry `%s` decompresses to more than its declared %llu bytes",
                                 name, (unsigned long long)entry->declared);
            break;
        }
        rc = sink(ctx, chunk, (size_t)n);
        if (rc != 0)
            rc = pkg_err(err, rc, "reading `%s`: %s", name, actr_strerror(rc));
    }
    if (rc == 0 && total != entry->declared)
        rc = pkg_err_invalid(err, ACTR_EPARSE, "ZIP entry `%s` holds %llu bytes but declares %llu",
                             name, (unsigned long long)total,
                             (unsigned long long)entry->declared);
    free(chunk);
    zip_fclose(zf);
    if (produced)
        *produced = total;
    return rc;
}

typedef struct collect {
    uint8_t *data;
    size_t len, cap;
} collect_t;

static int collect_sink(void *ctx, const uint8_t *data, size_t len)
{
    collect_t *c = ctx;
    if (len > c->cap - c->len)
        return ACTR_EINTERNAL; /* cannot happen: the stream stops at the declared size */
    memcpy(c->data + c->len, data, len);
    c->len += len;
    return 0;
}

static void free_fn(void *ptr, void *opaque)
{
    (void)opaque;
    free(ptr);
}

int pkg_zip_read(pkg_zip_t *z, const char *name, const pkg_zip_entry_t *entry, uint64_t max,
                 actr_buf_t *out, actr_error_t *err)
{
    *out = (actr_buf_t)ACTR_BUF_INIT;
    if (entry->declared > max) /* refused by the stream before any byte is read */
        return pkg_zip_stream(z, name, entry, max, collect_sink, NULL, NULL, err);
    if (entry->declared >= SIZE_MAX)
        return pkg_err(err, ACTR_ENOMEM, "ZIP entry `%s` is too large for memory", name);
    collect_t c = {malloc((size_t)entry->declared + 1), 0, (size_t)entry->declared};
    if (!c.data)
        return pkg_err(err, ACTR_ENOMEM, "out of memory reading `%s` (%llu bytes)", name,
                       (unsigned long long)entry->declared);
    int rc = pkg_zip_stream(z, name, entry, max, collect_sink, &c, NULL, err);
    if (rc == 0 && c.len == 0) {
        free(c.data);
        return 0;
    }
    if (rc == 0)
        c.data[c.len] = '\0'; /* text entries (manifest, protos) can then be used as C strings */
    if (rc == 0 && actr_buf_wrap(c.data, c.len, free_fn, NULL, out) == 0)
        return 0;
    free(c.data);
    return rc ? rc : pkg_err(err, ACTR_ENOMEM, "out of memory reading `%s`", name);
}

int pkg_zip_read_named(pkg_zip_t *z, const char *name, uint64_t max, actr_buf_t *out,
                       actr_error_t *err)
{
    *out = (actr_buf_t)ACTR_BUF_INIT;
    pkg_zip_entry_t entry;
    int rc = pkg_zip_find(z, name, &entry, err);
    if (rc == ACTR_ENOTFOUND)
        return pkg_err(err, ACTR_ENOTFOUND, "binary not found in package: %s", name);
    return rc ? rc : pkg_zip_read(z, name, &entry, max, out, err);
}

int pkg_read_manifest_raw(pkg_zip_t *z, actr_buf_t *out, actr_error_t *err)
{
    *out = (actr_buf_t)ACTR_BUF_INIT;
    pkg_zip_entry_t entry;
    int rc = pkg_zip_find(z, ACTR_PACKAGE_MANIFEST_ENTRY, &entry, err);
    if (rc == ACTR_ENOTFOUND)
        return pkg_err(err, ACTR_ENOTFOUND, "manifest.toml not found in package");
    if (rc == 0)
        rc = pkg_zip_read(z, ACTR_PACKAGE_MANIFEST_ENTRY, &entry, ACTR_PACKAGE_MANIFEST_MAX_BYTES,
                          out, err);
    return rc;
}

int pkg_check_utf8(const actr_buf_t *text, actr_error_t *err)
{
    size_t pos = 0;
    uint32_t cp;
    while (pos < text->len) {
        size_t at = pos;
        if (!actr_ident_utf8_next((const char *)text->data, text->len, &pos, &cp))
            return pkg_err_manifest(err, ACTR_EPARSE,
                                    "manifest is not valid UTF-8: invalid sequence at byte %zu", at);
    }
    return 0;
}

int pkg_read_signature(pkg_zip_t *z, uint8_t sig[ACTR_ED25519_SIGNATURE_LEN], actr_error_t *err)
{
    pkg_zip_entry_t entry;
    int rc = pkg_zip_find(z, ACTR_PACKAGE_SIGNATURE_ENTRY, &entry, err);
    if (rc == ACTR_ENOTFOUND)
        return pkg_err(err, ACTR_ENOTFOUND, "manifest.sig not found in package");
    actr_buf_t raw = ACTR_BUF_INIT;
    if (rc == 0)
        rc = pkg_zip_read(z, ACTR_PACKAGE_SIGNATURE_ENTRY, &entry, ACTR_ED25519_SIGNATURE_LEN, &raw,
                          err);
    if (rc != 0)
        return rc;
    if (raw.len != ACTR_ED25519_SIGNATURE_LEN) {
        size_t got = raw.len;
        actr_buf_release(&raw);
        return pkg_err_signature(err, "manifest.sig must be exactly 64 bytes, got %zu", got);
    }
    memcpy(sig, raw.data, ACTR_ED25519_SIGNATURE_LEN);
    actr_buf_release(&raw);
    return 0;
}

static int hash_sink(void *ctx, const uint8_t *data, size_t len)
{
    return actr_sha256_update(ctx, data, len);
}

int pkg_hash_entry(pkg_zip_t *z, const char *name, const pkg_zip_entry_t *entry, uint64_t max,
                   const char *expected_hex, uint64_t *produced, actr_error_t *err)
{
    actr_sha256_ctx_t ctx = {0};
    if (actr_sha256_init(&ctx) != 0)
        return pkg_err(err, ACTR_EINTERNAL, "SHA-256 unavailable");
    int rc = pkg_zip_stream(z, name, entry, max, hash_sink, &ctx, produced, err);
    uint8_t digest[ACTR_SHA256_LEN];
    if (rc == 0 && actr_sha256_final(&ctx, digest) != 0)
        rc = pkg_err(err, ACTR_EINTERNAL, "SHA-256 failed");
    actr_sha256_discard(&ctx);
    if (rc != 0)
        return rc;
    char hex[2 * ACTR_SHA256_LEN + 1];
    actr_hex_encode(digest, sizeof digest, hex);
    /* Plain compare, like the reference: validation already demanded lowercase hex. */
    return strcmp(hex, expected_hex) == 0 ? 0 : 1;
}
