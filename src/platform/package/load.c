/*
 * load.c - unverified reader helpers (platform.md §1.8). They select entries only by the paths
 * the manifest names, never by scanning the archive, and read every entry bounded by declared
 * and actual size. None of them checks the signature.
 */
#include <stdlib.h>
#include <string.h>

#include "platform/package/package_internal.h"

static uint64_t or_default(uint64_t max)
{
    return max ? max : ACTR_PACKAGE_DEFAULT_MAX_ENTRY_BYTES;
}

/* Opens the archive and parses its manifest; on failure nothing needs releasing. */
static int open_with_manifest(const void *pkg, size_t len, pkg_zip_t **z,
                              actr_package_manifest_t *m, actr_error_t *err)
{
    memset(m, 0, sizeof *m);
    int rc = pkg_zip_open(pkg, len, z, err);
    actr_buf_t raw = ACTR_BUF_INIT;
    if (rc == 0)
        rc = pkg_read_manifest_raw(*z, &raw, err);
    if (rc == 0)
        rc = pkg_check_utf8(&raw, err);
    if (rc == 0)
        rc = actr_package_manifest_parse((const char *)raw.data, raw.len, m, err);
    actr_buf_release(&raw);
    if (rc != 0) {
        pkg_zip_close(*z);
        *z = NULL;
    }
    return rc;
}

int actr_package_read_manifest_raw(const void *pkg, size_t len, actr_buf_t *out,
                                   actr_error_t *err)
{
    if (!out)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    *out = (actr_buf_t)ACTR_BUF_INIT;
    pkg_zip_t *z = NULL;
    int rc = pkg_zip_open(pkg, len, &z, err);
    if (rc == 0)
        rc = pkg_read_manifest_raw(z, out, err);
    if (rc == 0 && pkg_check_utf8(out, err) != 0) {
        actr_buf_release(out);
        rc = ACTR_EPARSE;
    }
    pkg_zip_close(z);
    return rc;
}

int actr_package_read_manifest(const void *pkg, size_t len, actr_package_manifest_t *out,
                               actr_error_t *err)
{
    if (!out)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    pkg_zip_t *z = NULL;
    int rc = open_with_manifest(pkg, len, &z, out, err);
    pkg_zip_close(z);
    return rc;
}

int actr_package_read_signature(const void *pkg, size_t len,
                                uint8_t sig[ACTR_ED25519_SIGNATURE_LEN], actr_error_t *err)
{
    if (!sig)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    pkg_zip_t *z = NULL;
    int rc = pkg_zip_open(pkg, len, &z, err);
    if (rc == 0)
        rc = pkg_read_signature(z, sig, err);
    pkg_zip_close(z);
    return rc;
}

int actr_package_load_binary(const void *pkg, size_t len, uint64_t max, actr_buf_t *out,
                             actr_error_t *err)
{
    if (!out)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    *out = (actr_buf_t)ACTR_BUF_INIT;
    pkg_zip_t *z = NULL;
    actr_package_manifest_t m;
    int rc = open_with_manifest(pkg, len, &z, &m, err);
    if (rc == 0)
        rc = pkg_zip_read_named(z, m.binary.path, or_default(max), out, err);
    actr_package_manifest_free(&m);
    pkg_zip_close(z);
    return rc;
}

int actr_package_read_lock_file(const void *pkg, size_t len, uint64_t max, actr_buf_t *out,
                                bool *found, actr_error_t *err)
{
    if (!out || !found)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    *out = (actr_buf_t)ACTR_BUF_INIT;
    *found = false;
    pkg_zip_t *z = NULL;
    actr_package_manifest_t m;
    int rc = open_with_manifest(pkg, len, &z, &m, err);
    if (rc == 0 && m.has_lock_file) {
        pkg_zip_entry_t entry;
        rc = pkg_zip_find(z, m.lock_file.path, &entry, err);
        if (rc == ACTR_ENOTFOUND) {
            rc = 0; /* declared but absent: "no lock file", as the reference answers */
        } else if (rc == 0) {
            rc = pkg_zip_read(z, m.lock_file.path, &entry, or_default(max), out, err);
            *found = rc == 0;
        }
    }
    actr_package_manifest_free(&m);
    pkg_zip_close(z);
    return rc;
}

void actr_package_protos_free(actr_package_proto_t *protos, size_t count)
{
    for (size_t i = 0; protos && i < count; i++) {
        free(protos[i].name);
        actr_buf_release(&protos[i].content);
    }
    free(protos);
}

static int read_protos(pkg_zip_t *z, const actr_package_manifest_t *m, uint64_t budget,
                       actr_package_proto_t *protos, actr_error_t *err)
{
    uint64_t used = 0;
    for (size_t i = 0; i < m->proto_file_count; i++) {
        const actr_package_entry_t *e = &m->proto_files[i];
        protos[i].name = strdup(e->name);
        if (!protos[i].name)
            return pkg_err(err, ACTR_ENOMEM, "out of memory reading proto files");
        int rc = pkg_zip_read_named(z, e->path, budget - used, &protos[i].content, err);
        if (rc != 0)
            return rc;
        used += protos[i].content.len;
    }
    return 0;
}

int actr_package_read_proto_files(const void *pkg, size_t len, uint64_t max_total,
                                  actr_package_proto_t **out, size_t *count, actr_error_t *err)
{
    if (!out || !count)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    *out = NULL;
    *count = 0;
    pkg_zip_t *z = NULL;
    actr_package_manifest_t m;
    int rc = open_with_manifest(pkg, len, &z, &m, err);
    if (rc == 0 && m.proto_file_count > ACTR_PACKAGE_DEFAULT_MAX_ENTRIES)
        rc = pkg_err_invalid(err, ACTR_ETOOBIG, "manifest declares %zu proto files, exceeds limit %u",
                             m.proto_file_count, ACTR_PACKAGE_DEFAULT_MAX_ENTRIES);
    actr_package_proto_t *protos = NULL;
    if (rc == 0 && m.proto_file_count) {
        protos = calloc(m.proto_file_count, sizeof *protos);
        rc = protos ? read_protos(z, &m, or_default(max_total), protos, err)
                    : pkg_err(err, ACTR_ENOMEM, "out of memory reading proto files");
    }
    if (rc == 0) {
        *out = protos;
        *count = m.proto_file_count;
    } else {
        actr_package_protos_free(protos, m.proto_file_count);
    }
    actr_package_manifest_free(&m);
    pkg_zip_close(z);
    return rc;
}
