/*
 * manifest.c - manifest helpers and the field checks run after the signature (verification step
 * 5, platform.md §1.7), including the ones the reference lacks: path-safe type names and entry
 * names, and hashes that must be lowercase because the comparison is a plain string compare.
 */
#include <string.h>

#include "platform/package/package_internal.h"

bool actr_package_is_wasm_target(const actr_package_manifest_t *m)
{
    return m && m->binary.target && strncmp(m->binary.target, "wasm32-", 7) == 0;
}

actr_binary_kind_t actr_package_resolved_kind(const actr_package_manifest_t *m)
{
    if (!m)
        return ACTR_BINARY_KIND_UNSET;
    if (m->binary.kind != ACTR_BINARY_KIND_UNSET)
        return m->binary.kind;
    return actr_package_is_wasm_target(m) ? ACTR_BINARY_KIND_CORE_MODULE
                                          : ACTR_BINARY_KIND_NATIVE_CDYLIB;
}

int actr_package_manifest_type(const actr_package_manifest_t *m, actr_type_t *out,
                               actr_error_t *err)
{
    if (!m || !out || !m->manufacturer || !m->name || !m->version)
        return pkg_err(err, ACTR_EINVAL, "manifest has no manufacturer, name or version");
    return actr_type_set(out, m->manufacturer, m->name, m->version, err);
}

static bool lower_hex64(const char *s)
{
    if (!s || strlen(s) != ACTR_PACKAGE_HASH_HEX_LEN)
        return false;
    for (const char *p = s; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    }
    return true;
}

/* field is the reference's label ("resources[].hash"); which names the entry when it is one of
 * many. The reference's text is kept as a prefix so its substrings still match. */
static int check_hash(const char *hash, const char *field, const char *which, actr_error_t *err)
{
    if (lower_hex64(hash))
        return 0;
    if (which)
        return pkg_err_manifest(err, ACTR_EPARSE,
                                "%s must be a 64-character SHA-256 hex string (lowercase; "
                                "entry `%s`)",
                                field, which);
    return pkg_err_manifest(err, ACTR_EPARSE,
                            "%s must be a 64-character SHA-256 hex string (lowercase)", field);
}

/*
 * Why a ZIP entry name could escape a directory or confuse a tool, or NULL when it is safe:
 * names are relative, '/'-separated, with no empty, "." or ".." segment, no backslash (a
 * separator on Windows) and no control character.
 */
static const char *unsafe_name_reason(const char *name, bool single_segment)
{
    if (!name || !name[0])
        return "empty";
    if (name[0] == '/')
        return "absolute path";
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\\')
            return "backslash";
        if (c < 0x20 || c == 0x7f)
            return "control character";
        if (c == '/' && single_segment)
            return "contains '/'";
    }
    const char *seg = name;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 0)
            return "empty path segment";
        if (n == 2 && seg[0] == '.' && seg[1] == '.')
            return "`..` segment";
        if (n == 1 && seg[0] == '.')
            return "`.` segment";
        if (!end)
            return NULL;
        seg = end + 1;
    }
}

static int check_name(const char *name, const char *field, bool single_segment,
                      actr_error_t *err)
{
    const char *why = unsafe_name_reason(name, single_segment);
    if (!why)
        return 0;
    return pkg_err_manifest(err, ACTR_EINVAL, "%s `%s` is not a safe ZIP entry name: %s", field,
                            name ? name : "", why);
}

static int check_hashes(const actr_package_manifest_t *m, actr_error_t *err)
{
    int rc = check_hash(m->binary.hash, "binary.hash", NULL, err);
    for (size_t i = 0; rc == 0 && i < m->resource_count; i++)
        rc = check_hash(m->resources[i].hash, "resources[].hash", m->resources[i].path, err);
    for (size_t i = 0; rc == 0 && i < m->proto_file_count; i++)
        rc = check_hash(m->proto_files[i].hash, "proto_files[].hash", m->proto_files[i].path, err);
    if (rc == 0 && m->has_lock_file)
        rc = check_hash(m->lock_file.hash, "lock_file.hash", NULL, err);
    return rc;
}

static int check_names(const actr_package_manifest_t *m, actr_error_t *err)
{
    int rc = check_name(m->binary.path, "binary.path", false, err);
    for (size_t i = 0; rc == 0 && i < m->resource_count; i++)
        rc = check_name(m->resources[i].path, "resources[].path", false, err);
    for (size_t i = 0; rc == 0 && i < m->proto_file_count; i++) {
        rc = check_name(m->proto_files[i].name, "proto_files[].name", true, err);
        if (rc == 0)
            rc = check_name(m->proto_files[i].path, "proto_files[].path", false, err);
    }
    if (rc == 0 && m->has_lock_file)
        rc = check_name(m->lock_file.path, "lock_file.path", false, err);
    return rc;
}

int actr_package_manifest_validate(const actr_package_manifest_t *m, actr_error_t *err)
{
    if (!m || !m->binary.path || !m->binary.target)
        return pkg_err(err, ACTR_EINVAL, "manifest is incomplete");
    if (!m->signature_algorithm || strcmp(m->signature_algorithm, "ed25519") != 0)
        return pkg_err_manifest(err, ACTR_EUNSUPPORTED,
                                "signature_algorithm must be `ed25519`, got `%s`",
                                m->signature_algorithm ? m->signature_algorithm : "");
    int rc = check_hashes(m, err);
    if (rc != 0)
        return rc;
    /* Manufacturer, name and version become storage path components later (ARCHITECTURE §7.5). */
    actr_type_t type;
    actr_error_t inner;
    actr_error_clear(&inner);
    if (actr_package_manifest_type(m, &type, &inner) != 0 ||
        actr_type_path_safe(&type, &inner) != 0)
        return pkg_err_manifest(err, ACTR_EINVAL, "type `%s:%s:%s` is not path-safe: %s",
                                m->manufacturer ? m->manufacturer : "", m->name ? m->name : "",
                                m->version ? m->version : "", inner.message);
    return check_names(m, err);
}
