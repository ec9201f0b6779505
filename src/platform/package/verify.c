/*
 * verify.c - package verification in the reference's step order (platform.md §1.7), first
 * failure wins:
 *   0 open the ZIP (+ ours: duplicate entry names are refused)
 *   1 manifest.sig, exactly 64 bytes      2 manifest.toml, at most 1 MiB
 *   3 strict Ed25519 over the raw bytes   4 UTF-8 + TOML into the model
 *   5 field checks (+ ours: lowercase hashes, path-safe type and entry names)
 *   6 preflight: entry count, presence, declared sizes, cumulative declared size
 *   7-10 stream-hash binary, resources, protos, lock file within the remaining budget
 * Nothing from the manifest is trusted before step 3 succeeds.
 */
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "platform/package/package_internal.h"

actr_package_limits_t actr_package_limits_default(void)
{
    actr_package_limits_t l = {ACTR_PACKAGE_DEFAULT_MAX_ENTRY_BYTES,
                               ACTR_PACKAGE_DEFAULT_MAX_TOTAL_BYTES,
                               ACTR_PACKAGE_DEFAULT_MAX_ENTRIES};
    return l;
}

actr_package_limits_t actr_package_limits_bounded(uint64_t max_bytes)
{
    actr_package_limits_t l = {max_bytes, max_bytes, ACTR_PACKAGE_DEFAULT_MAX_ENTRIES};
    return l;
}

/* What kind of payload entry, for the mismatch message. */
typedef enum role { ROLE_BINARY, ROLE_RESOURCE, ROLE_PROTO, ROLE_LOCK } role_t;

typedef struct payload {
    const char *path;
    const char *hash;
    role_t role;
    pkg_zip_entry_t entry;
} payload_t;

static const char *const mismatch_text[] = {
    [ROLE_BINARY] = "binary hash mismatch",
    [ROLE_RESOURCE] = "resource hash mismatch",
    [ROLE_PROTO] = "proto file hash mismatch",
    [ROLE_LOCK] = "manifest lock file hash mismatch",
};

/* The signed payload in the reference's order: binary, resources, protos, lock file. */
static size_t list_payload(const actr_package_manifest_t *m, payload_t *items)
{
    size_t n = 0;
    items[n++] = (payload_t){m->binary.path, m->binary.hash, ROLE_BINARY, {0, 0}};
    for (size_t i = 0; i < m->resource_count; i++)
        items[n++] = (payload_t){m->resources[i].path, m->resources[i].hash, ROLE_RESOURCE, {0, 0}};
    for (size_t i = 0; i < m->proto_file_count; i++)
        items[n++] =
            (payload_t){m->proto_files[i].path, m->proto_files[i].hash, ROLE_PROTO, {0, 0}};
    if (m->has_lock_file)
        items[n++] = (payload_t){m->lock_file.path, m->lock_file.hash, ROLE_LOCK, {0, 0}};
    return n;
}

static size_t payload_count(const actr_package_manifest_t *m)
{
    return 1 + m->resource_count + m->proto_file_count + (m->has_lock_file ? 1 : 0);
}

/* Step 6: nothing is decompressed until every entry exists and the declared sizes fit. */
static int preflight(pkg_zip_t *z, payload_t *items, size_t n, const actr_package_limits_t *lim,
                     actr_error_t *err)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = pkg_zip_find(z, items[i].path, &items[i].entry, err);
        if (rc == ACTR_ENOTFOUND)
            return pkg_err(err, ACTR_ENOTFOUND, "binary not found in package: %s", items[i].path);
        if (rc != 0)
            return rc;
        uint64_t declared = items[i].entry.declared;
        if (declared > lim->max_entry_bytes)
            return pkg_err_invalid(err, ACTR_ETOOBIG,
                                   "ZIP entry `%s` declares %llu bytes, exceeds limit %llu",
                                   items[i].path, (unsigned long long)declared,
                                   (unsigned long long)lim->max_entry_bytes);
        if (declared > lim->max_total_bytes - total)
            return pkg_err_invalid(err, ACTR_ETOOBIG,
                                   "signed payload declares %llu cumulative bytes at `%s`, "
                                   "exceeds limit %llu",
                                   (unsigned long long)(total + declared), items[i].path,
                                   (unsigned long long)lim->max_total_bytes);
        total += declared;
    }
    return 0;
}

/* Steps 7-10: hash what is actually there, within what is left of the budget. */
static int hash_payload(pkg_zip_t *z, const payload_t *items, size_t n,
                        const actr_package_limits_t *lim, actr_error_t *err)
{
    uint64_t consumed = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t left = lim->max_total_bytes - consumed;
        uint64_t allowance = lim->max_entry_bytes < left ? lim->max_entry_bytes : left;
        uint64_t produced = 0;
        int rc = pkg_hash_entry(z, items[i].path, &items[i].entry, allowance, items[i].hash,
                                &produced, err);
        if (rc == 1)
            return pkg_err(err, ACTR_ESIGNATURE, "%s: %s", mismatch_text[items[i].role],
                           items[i].path);
        if (rc != 0)
            return rc;
        consumed += produced;
    }
    return 0;
}

static int check_payload(pkg_zip_t *z, const actr_package_manifest_t *m,
                         const actr_package_limits_t *lim, actr_error_t *err)
{
    size_t n = payload_count(m);
    if (n > lim->max_entries)
        return pkg_err_invalid(err, ACTR_ETOOBIG, "signed payload has %zu entries, exceeds limit %u",
                               n, (unsigned)lim->max_entries);
    payload_t *items = calloc(n, sizeof *items);
    if (!items)
        return pkg_err(err, ACTR_ENOMEM, "out of memory verifying %zu entries", n);
    list_payload(m, items);
    int rc = preflight(z, items, n, lim, err);
    if (rc == 0)
        rc = hash_payload(z, items, n, lim, err);
    free(items);
    return rc;
}

int actr_package_verify(const void *pkg, size_t len, const uint8_t *pubkey, size_t pubkey_len,
                        const actr_package_limits_t *limits, actr_verified_package_t *out,
                        actr_error_t *err)
{
    if (!out)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    memset(out, 0, sizeof *out);
    if (!pubkey || pubkey_len != ACTR_ED25519_PUBLIC_KEY_LEN)
        return pkg_err(err, ACTR_EINVAL, "Ed25519 pubkey must be exactly 32 bytes");
    actr_package_limits_t lim = limits ? *limits : actr_package_limits_default();

    pkg_zip_t *z = NULL;
    int rc = pkg_zip_open(pkg, len, &z, err);
    if (rc == 0)
        rc = pkg_read_signature(z, out->signature, err);
    if (rc == 0)
        rc = pkg_read_manifest_raw(z, &out->manifest_raw, err);
    if (rc == 0) {
        rc = actr_crypto_ed25519_verify(NULL, pubkey, pubkey_len, out->manifest_raw.data,
                                        out->manifest_raw.len, out->signature,
                                        ACTR_ED25519_SIGNATURE_LEN);
        if (rc != 0)
            rc = pkg_err_signature(err, "Ed25519 verification failed: %s",
                                   rc == ACTR_ESIGNATURE ? "signature does not match the key"
                                                         : actr_strerror(rc));
    }
    if (rc == 0)
        rc = pkg_check_utf8(&out->manifest_raw, err);
    if (rc == 0)
        rc = actr_package_manifest_parse((const char *)out->manifest_raw.data,
                                         out->manifest_raw.len, &out->manifest, err);
    if (rc == 0)
        rc = actr_package_manifest_validate(&out->manifest, err);
    if (rc == 0)
        rc = check_payload(z, &out->manifest, &lim, err);
    pkg_zip_close(z);
    if (rc != 0)
        actr_verified_package_free(out);
    return rc;
}

void actr_verified_package_free(actr_verified_package_t *vp)
{
    if (!vp)
        return;
    actr_package_manifest_free(&vp->manifest);
    actr_buf_release(&vp->manifest_raw);
    memset(vp, 0, sizeof *vp);
}

/* The manifest's hash for a listed path, or NULL. */
static const char *listed_hash(const actr_package_manifest_t *m, const char *path)
{
    if (strcmp(m->binary.path, path) == 0)
        return m->binary.hash;
    for (size_t i = 0; i < m->resource_count; i++) {
        if (strcmp(m->resources[i].path, path) == 0)
            return m->resources[i].hash;
    }
    for (size_t i = 0; i < m->proto_file_count; i++) {
        if (strcmp(m->proto_files[i].path, path) == 0)
            return m->proto_files[i].hash;
    }
    if (m->has_lock_file && strcmp(m->lock_file.path, path) == 0)
        return m->lock_file.hash;
    return NULL;
}

int actr_verified_package_read(const actr_verified_package_t *vp, const void *pkg, size_t len,
                               const char *path, uint64_t max, actr_buf_t *out, actr_error_t *err)
{
    if (!out)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    *out = (actr_buf_t)ACTR_BUF_INIT;
    if (!vp || !path || !vp->manifest.binary.path)
        return pkg_err(err, ACTR_EINVAL, "no verified package or path");
    const char *hash = listed_hash(&vp->manifest, path);
    if (!hash)
        return pkg_err(err, ACTR_ENOTFOUND, "`%s` is not listed in the verified manifest", path);
    pkg_zip_t *z = NULL;
    int rc = pkg_zip_open(pkg, len, &z, err);
    if (rc == 0)
        rc = pkg_zip_read_named(z, path, max, out, err);
    pkg_zip_close(z);
    if (rc != 0)
        return rc;
    uint8_t digest[ACTR_SHA256_LEN];
    char hex[2 * ACTR_SHA256_LEN + 1];
    rc = actr_sha256(out->data, out->len, digest);
    if (rc == 0)
        actr_hex_encode(digest, sizeof digest, hex);
    if (rc != 0 || strcmp(hex, hash) != 0) {
        actr_buf_release(out);
        return rc ? pkg_err(err, rc, "SHA-256 failed")
                  : pkg_err(err, ACTR_ESIGNATURE, "entry changed since verification: %s", path);
    }
    return 0;
}
