/*
 * type_path.c - may an ActrType become file-system path components?
 *
 * The default storage template is {data_dir}/{manufacturer}/{name}/{version}, with the SQLite
 * file named after the version (platform.md 4.3, 4.4). The reference checks none of the three, so a
 * signed manifest with ".." or "/" escapes data_dir. We refuse such types before any path is built
 * (docs/ARCHITECTURE.md section 7, improvement 5).
 */
#include "actr/types.h"

#include <string.h>

#include "codec/identity_internal.h"

/*
 * Version characters: enough for semver and the usual tags ("1.0.0", "v2", "1.0.0-rc.1+build.5");
 * no separators, spaces, control characters or non-ASCII text that could alias on other systems.
 */
static bool version_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '+' || c == '-';
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static int version_path_safe(const char *v, size_t len, actr_error_t *err)
{
    if (len == 0)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "version is empty");
    if (len > ACTR_VERSION_MAX_BYTES)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "version is longer than %d bytes",
                               ACTR_VERSION_MAX_BYTES);
    for (size_t i = 0; i < len; i++) {
        if (!version_char_ok(v[i]))
            return ACTR_IDENT_FAIL(err, ACTR_EINVAL,
                                   "version '%.*s' has byte 0x%02X at %zu; a version used as a path "
                                   "allows only [A-Za-z0-9._+-]",
                                   actr_ident_quote_len(len), v, (unsigned char)v[i], i);
    }
    if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "version '%s' is a directory reference", v);
    /* The store of version X has sidecars X-wal, X-shm (and X-journal while it is created). */
    static const char *const sidecars[] = {"-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof sidecars / sizeof sidecars[0]; i++) {
        if (ends_with(v, len, sidecars[i]))
            return ACTR_IDENT_FAIL(err, ACTR_EINVAL,
                                   "version '%.*s' ends in '%s', the name of an SQLite sidecar of "
                                   "another version's store",
                                   actr_ident_quote_len(len), v, sidecars[i]);
    }
    return 0;
}

int actr_type_path_safe(const actr_type_t *type, actr_error_t *err)
{
    if (!type)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "type is NULL");
    const char *fields[2] = {type->manufacturer, type->name};
    const char *labels[2] = {"manufacturer", "type name"};
    for (int i = 0; i < 2; i++) {
        size_t len = actr_ident_field_len(fields[i], ACTR_NAME_SIZE);
        actr_error_t inner;
        /* A Name starts with a letter and holds only letters, digits, '-', '_', '.': no
         * separator, no "." or "..", no control character. */
        if (len == ACTR_NAME_SIZE || actr_name_validate(fields[i], len, &inner) != 0)
            return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "%s is not path safe: %s", labels[i],
                                   len == ACTR_NAME_SIZE ? "not NUL-terminated" : inner.message);
    }
    size_t vlen = actr_ident_field_len(type->version, sizeof type->version);
    if (vlen == sizeof type->version)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "version is not NUL-terminated");
    return version_path_safe(type->version, vlen, err);
}
