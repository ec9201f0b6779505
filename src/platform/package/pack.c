/*
 * pack.c - building a signed package (platform.md §1.6).
 *
 * One deliberate difference from the reference: its step 2 keeps the template's resource paths
 * when the template lists as many resources as are provided, and writes the provided names into
 * the ZIP, so the manifest can name entries that do not exist. Here the [[resources]] list is
 * always built from the provided inputs (path as given, hash computed), like [[proto_files]].
 * When template and inputs agree (the normal case) the bytes are the same as the reference's.
 */
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "base/hex.h"
#include "platform/package/package_internal.h"

typedef char hex_t[2 * ACTR_SHA256_LEN + 1];

/* Everything the finished manifest points at that the template does not own. */
typedef struct pack_state {
    actr_package_manifest_t m;
    hex_t binary_hash, lock_hash;
    hex_t *hashes; /* resources then protos */
    char **proto_paths;
    char key_id[ACTR_MFR_KEY_ID_SIZE];
} pack_state_t;

static int hash_hex(const void *data, size_t len, char *out, actr_error_t *err)
{
    uint8_t digest[ACTR_SHA256_LEN];
    if (actr_sha256(data, len, digest) != 0)
        return pkg_err(err, ACTR_EINTERNAL, "SHA-256 failed");
    actr_hex_encode(digest, sizeof digest, out);
    return 0;
}

static void state_free(pack_state_t *st)
{
    for (size_t i = 0; st->proto_paths && i < st->m.proto_file_count; i++)
        free(st->proto_paths[i]);
    free(st->proto_paths);
    free(st->hashes);
    free(st->m.resources);
    free(st->m.proto_files);
}

static bool input_ok(const actr_package_input_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!in[i].path || (!in[i].data && in[i].len))
            return false;
    }
    return n == 0 || in;
}

static int check_options(const actr_package_pack_options_t *o, actr_error_t *err)
{
    if (!o || !o->manifest || !o->key || (!o->binary && o->binary_len) ||
        !input_ok(o->resources, o->resource_count) ||
        !input_ok(o->proto_files, o->proto_file_count) || (!o->lock_file && o->lock_file_len))
        return pkg_err(err, ACTR_EINVAL, "pack options are incomplete");
    const char *alg = o->manifest->signature_algorithm;
    if (alg && strcmp(alg, "ed25519") != 0)
        return pkg_err(err, ACTR_EUNSUPPORTED, "signature_algorithm must be `ed25519`, got `%s`",
                       alg);
    return 0;
}

static int fill_entries(const actr_package_pack_options_t *o, pack_state_t *st, actr_error_t *err)
{
    size_t nr = o->resource_count, np = o->proto_file_count;
    st->m.resources = nr ? calloc(nr, sizeof *st->m.resources) : NULL;
    st->m.proto_files = np ? calloc(np, sizeof *st->m.proto_files) : NULL;
    st->hashes = nr + np ? calloc(nr + np, sizeof *st->hashes) : NULL;
    st->proto_paths = np ? calloc(np, sizeof *st->proto_paths) : NULL;
    if ((nr && !st->m.resources) || (np && (!st->m.proto_files || !st->proto_paths)) ||
        (nr + np && !st->hashes))
        return pkg_err(err, ACTR_ENOMEM, "out of memory packing");
    st->m.resource_count = nr;
    st->m.proto_file_count = np;
    for (size_t i = 0; i < nr; i++) {
        if (hash_hex(o->resources[i].data, o->resources[i].len, st->hashes[i], err) != 0)
            return ACTR_EINTERNAL;
        st->m.resources[i] = (actr_package_entry_t){NULL, (char *)o->resources[i].path,
                                                    st->hashes[i]};
    }
    for (size_t i = 0; i < np; i++) {
        const actr_package_input_t *p = &o->proto_files[i];
        size_t len = strlen(p->path);
        st->proto_paths[i] = malloc(len + 7);
        if (!st->proto_paths[i])
            return pkg_err(err, ACTR_ENOMEM, "out of memory packing");
        memcpy(st->proto_paths[i], "proto/", 6);
        memcpy(st->proto_paths[i] + 6, p->path, len + 1);
        if (hash_hex(p->data, p->len, st->hashes[nr + i], err) != 0)
            return ACTR_EINTERNAL;
        st->m.proto_files[i] =
            (actr_package_entry_t){(char *)p->path, st->proto_paths[i], st->hashes[nr + i]};
    }
    return 0;
}

/* Steps 1-4: the manifest as it will be signed, pointing into the template and into st. */
static int build_manifest(const actr_package_pack_options_t *o, pack_state_t *st,
                          actr_error_t *err)
{
    const actr_package_manifest_t *t = o->manifest;
    st->m.manufacturer = t->manufacturer;
    st->m.name = t->name;
    st->m.version = t->version;
    st->m.signature_algorithm = (char *)"ed25519";
    st->m.binary = t->binary;
    st->m.description = t->description;
    st->m.license = t->license;
    if (hash_hex(o->binary, o->binary_len, st->binary_hash, err) != 0)
        return ACTR_EINTERNAL;
    st->m.binary.hash = st->binary_hash;
    st->m.binary.size = o->binary_len;
    st->m.binary.has_size = true;
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    actr_signing_key_public(o->key, pub);
    if (actr_mfr_key_id(pub, st->key_id) != 0)
        return pkg_err(err, ACTR_EINTERNAL, "cannot compute the key id");
    st->m.signing_key_id = st->key_id;
    if (o->lock_file) {
        if (hash_hex(o->lock_file, o->lock_file_len, st->lock_hash, err) != 0)
            return ACTR_EINTERNAL;
        st->m.has_lock_file = true;
        st->m.lock_file = (actr_package_entry_t){NULL, (char *)ACTR_PACKAGE_LOCK_ENTRY,
                                                 st->lock_hash};
    }
    int rc = fill_entries(o, st, err);
    if (rc != 0)
        return rc;
    /* Refuse what our verifier would refuse, so a packed file always verifies. */
    return actr_package_manifest_validate(&st->m, err);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(((const pkg_zip_item_t *)a)->name, ((const pkg_zip_item_t *)b)->name);
}

/* Two entries with one name would make the archive ambiguous; our reader refuses those. */
static int check_unique(const pkg_zip_item_t *items, size_t n, actr_error_t *err)
{
    pkg_zip_item_t *sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return pkg_err(err, ACTR_ENOMEM, "out of memory packing");
    memcpy(sorted, items, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, name_cmp);
    int rc = 0;
    for (size_t i = 1; i < n && rc == 0; i++) {
        if (strcmp(sorted[i - 1].name, sorted[i].name) == 0)
            rc = pkg_err(err, ACTR_EINVAL, "two package entries are named `%s`", sorted[i].name);
    }
    free(sorted);
    return rc;
}

/* Step 7: manifest.toml, manifest.sig, [manifest.lock.toml], binary, resources, proto/{name}. */
static int write_zip(const actr_package_pack_options_t *o, const pack_state_t *st,
                     const char *manifest, size_t manifest_len, const uint8_t *sig,
                     actr_buf_t *out, actr_error_t *err)
{
    size_t n = 3 + (o->lock_file ? 1 : 0) + o->resource_count + o->proto_file_count;
    pkg_zip_item_t *items = calloc(n, sizeof *items);
    if (!items)
        return pkg_err(err, ACTR_ENOMEM, "out of memory packing");
    size_t k = 0;
    items[k++] = (pkg_zip_item_t){ACTR_PACKAGE_MANIFEST_ENTRY, manifest, manifest_len};
    items[k++] = (pkg_zip_item_t){ACTR_PACKAGE_SIGNATURE_ENTRY, sig, ACTR_ED25519_SIGNATURE_LEN};
    if (o->lock_file)
        items[k++] = (pkg_zip_item_t){ACTR_PACKAGE_LOCK_ENTRY, o->lock_file, o->lock_file_len};
    items[k++] = (pkg_zip_item_t){st->m.binary.path, o->binary, o->binary_len};
    for (size_t i = 0; i < o->resource_count; i++)
        items[k++] = (pkg_zip_item_t){o->resources[i].path, o->resources[i].data,
                                      o->resources[i].len};
    for (size_t i = 0; i < o->proto_file_count; i++)
        items[k++] = (pkg_zip_item_t){st->proto_paths[i], o->proto_files[i].data,
                                      o->proto_files[i].len};
    int rc = check_unique(items, n, err);
    if (rc == 0)
        rc = pkg_zip_write(items, n, out, err);
    free(items);
    return rc;
}

int actr_package_pack(const actr_package_pack_options_t *opts, actr_buf_t *out,
                      actr_error_t *err)
{
    if (!out)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    *out = (actr_buf_t)ACTR_BUF_INIT;
    int rc = check_options(opts, err);
    if (rc != 0)
        return rc;
    pack_state_t st;
    memset(&st, 0, sizeof st);
    rc = build_manifest(opts, &st, err);
    char *manifest = NULL;
    size_t manifest_len = 0;
    if (rc == 0)
        rc = actr_package_manifest_serialize(&st.m, &manifest, &manifest_len, err);
    uint8_t sig[ACTR_ED25519_SIGNATURE_LEN];
    if (rc == 0 && actr_signing_key_sign(opts->key, manifest, manifest_len, sig) != 0)
        rc = pkg_err(err, ACTR_EINTERNAL, "signing the manifest failed");
    if (rc == 0)
        rc = write_zip(opts, &st, manifest, manifest_len, sig, out, err);
    free(manifest);
    state_free(&st);
    return rc;
}

int actr_package_pack_file(const actr_package_pack_options_t *opts, const char *path,
                           bool replace, actr_error_t *err)
{
    if (!path)
        return pkg_err(err, ACTR_EINVAL, "output path is NULL");
    actr_buf_t bytes = ACTR_BUF_INIT;
    int rc = actr_package_pack(opts, &bytes, err);
    if (rc == 0)
        rc = actr_atomic_write_file(path, bytes.data, bytes.len, 0644, replace ? 1 : 0, err);
    actr_buf_release(&bytes);
    return rc;
}
