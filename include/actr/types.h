/*
 * types.h - actor identity (Realm, ActrType, ActrId), its string forms, the actr:// URI, name
 * validation and RPC route keys (spec: protocol.md section 2).
 *
 * The structs are plain values: fixed-size, NUL-terminated char arrays, no ownership, safe to
 * copy with `=`. Strings are UTF-8. Parsers take (pointer, length), reject invalid UTF-8 and
 * embedded NULs, and accept exactly what the reference accepts unless a cap below says otherwise;
 * formatters write the reference's canonical form. Every function returns 0 or a negative ACTR_E*
 * code and fills the optional err with a message: ACTR_EPARSE for a malformed string (missing
 * separator, wrong number of parts), ACTR_EINVAL for an invalid component, ACTR_ERANGE for a
 * number that does not fit or an output buffer that is too small, ACTR_ETOOBIG for a component
 * longer than our caps.
 */
#ifndef ACTR_TYPES_H
#define ACTR_TYPES_H

#include <stdbool.h>

#include "actr/common.h"
#include "actr/error.h"

ACTR_BEGIN_DECLS

/* A Name (manufacturer, actor type name) has 1 to 32 characters of up to 4 UTF-8 bytes each. */
#define ACTR_NAME_MAX_CHARS 32
#define ACTR_NAME_SIZE (ACTR_NAME_MAX_CHARS * 4 + 1)
/* Version: free form in the reference, which sets no limit; we cap it at 128 bytes. */
#define ACTR_VERSION_MAX_BYTES 128
#define ACTR_VERSION_SIZE (ACTR_VERSION_MAX_BYTES + 1)
/* Route key parts (protocol.md 2.3): package 1-256, service and method 1-64 ASCII chars. */
#define ACTR_PACKAGE_NAME_MAX 256
#define ACTR_SERVICE_NAME_MAX 64
#define ACTR_METHOD_NAME_MAX 64

/* Buffer sizes (with the NUL) that always hold a formatted value. */
#define ACTR_TYPE_STR_SIZE (2 * (ACTR_NAME_SIZE - 1) + ACTR_VERSION_MAX_BYTES + 3)
#define ACTR_ID_STR_SIZE (16 + 1 + 10 + 1 + ACTR_TYPE_STR_SIZE)
#define ACTR_URI_STR_SIZE (7 + 10 + 1 + ACTR_TYPE_STR_SIZE)
#define ACTR_ROUTE_KEY_STR_SIZE \
    (ACTR_PACKAGE_NAME_MAX + ACTR_SERVICE_NAME_MAX + ACTR_METHOD_NAME_MAX + 3)

typedef struct actr_realm {
    uint32_t realm_id;
} actr_realm_t;

typedef struct actr_type {
    char manufacturer[ACTR_NAME_SIZE];
    char name[ACTR_NAME_SIZE];
    char version[ACTR_VERSION_SIZE];
} actr_type_t;

/* Field order is the reference's comparison order: realm, serial, type. */
typedef struct actr_id {
    actr_realm_t realm;
    uint64_t serial_number;
    actr_type_t type;
} actr_id_t;

/* actr://<realm>:<manufacturer>+<name>@<version> */
typedef struct actr_uri {
    uint32_t realm;
    actr_type_t type;
} actr_uri_t;

/* <package>.<Service>.<Method>, split into its parts. */
typedef struct actr_route_key {
    char package[ACTR_PACKAGE_NAME_MAX + 1];
    char service[ACTR_SERVICE_NAME_MAX + 1];
    char method[ACTR_METHOD_NAME_MAX + 1];
} actr_route_key_t;

/* ---- names (protocol.md 2.3) ---- */

/*
 * Name: 1-32 characters; first alphabetic, last alphanumeric, every one alphanumeric or '-', '_',
 * '.'. Alphabetic and numeric are Rust's Unicode classes (see actr_unicode_version()).
 */
ACTR_API int actr_name_validate(const char *s, size_t len, actr_error_t *err);
/* PackageName: 1-256 chars, '.'-separated [a-z0-9_] segments, none empty or starting with a digit. */
ACTR_API int actr_package_name_validate(const char *s, size_t len, actr_error_t *err);
/* ServiceName: 1-64 chars, [A-Z] then [A-Za-z0-9_], ending alphanumeric. */
ACTR_API int actr_service_name_validate(const char *s, size_t len, actr_error_t *err);
/* MethodName: 1-64 chars, [a-z] then [A-Za-z0-9_], ending alphanumeric. */
ACTR_API int actr_method_name_validate(const char *s, size_t len, actr_error_t *err);

/* NUL-terminated conveniences of the four validators above; NULL is invalid. */
ACTR_API bool actr_name_valid(const char *s);
ACTR_API bool actr_package_name_valid(const char *s);
ACTR_API bool actr_service_name_valid(const char *s);
ACTR_API bool actr_method_name_valid(const char *s);

/* Unicode version of the character tables behind actr_name_validate(), e.g. "15.0.0". */
ACTR_API const char *actr_unicode_tables_version(void);

/* ---- ActrType ---- */

/*
 * Fills *out from NUL-terminated parts: manufacturer and name must be Names, version must be
 * non-empty valid UTF-8 of at most ACTR_VERSION_MAX_BYTES. On failure *out is unchanged.
 */
ACTR_API int actr_type_set(actr_type_t *out, const char *manufacturer, const char *name,
                           const char *version, actr_error_t *err);
/* Checks a type filled by other means (e.g. a decoded message) against actr_type_set()'s rules. */
ACTR_API int actr_type_validate(const actr_type_t *type, actr_error_t *err);
/*
 * Parses "manufacturer:name:version": split on ':' into at most 4 parts, exactly 3 required, so
 * the version cannot contain ':'. On failure *out is unchanged.
 */
ACTR_API int actr_type_parse(actr_type_t *out, const char *s, size_t len, actr_error_t *err);
/* Writes "manufacturer:name:version"; the fields are written as they are, like the reference. */
ACTR_API int actr_type_format(const actr_type_t *type, char *buf, size_t size, actr_error_t *err);
ACTR_API bool actr_type_equal(const actr_type_t *a, const actr_type_t *b);
/* <0, 0, >0 by manufacturer, name, version, each compared bytewise (Rust's derived Ord). */
ACTR_API int actr_type_compare(const actr_type_t *a, const actr_type_t *b);

/*
 * Whether the type may become storage path components data_dir/manufacturer/name/version
 * (platform.md 4.4). Stricter than the reference, which lets "..", "/" escape data_dir:
 * manufacturer and name must be Names; version must be 1-128 bytes of [A-Za-z0-9._+-], not "."
 * or "..", and must not end in "-wal", "-shm" or "-journal" (SQLite's sidecars of another
 * version's store). Returns ACTR_EINVAL otherwise.
 */
ACTR_API int actr_type_path_safe(const actr_type_t *type, actr_error_t *err);

/* ---- ActrId ---- */

/*
 * Parses "<serial_hex>@<realm_id>/<manufacturer>:<name>:<version>": split at the first '@', then
 * the first '/'. Like Rust's from_str_radix, the serial accepts either case, leading zeros and
 * one leading '+', and the decimal u32 realm accepts leading zeros and '+'; empty numbers fail.
 */
ACTR_API int actr_id_parse(actr_id_t *out, const char *s, size_t len, actr_error_t *err);
/* Writes the canonical form: serial in lowercase hex without leading zeros ("0" for zero). */
ACTR_API int actr_id_format(const actr_id_t *id, char *buf, size_t size, actr_error_t *err);
ACTR_API bool actr_id_equal(const actr_id_t *a, const actr_id_t *b);
/* <0, 0, >0 by realm, serial, then type (Rust's derived Ord). */
ACTR_API int actr_id_compare(const actr_id_t *a, const actr_id_t *b);
/* A hash consistent with actr_id_equal() (FNV-1a; not the reference's hash). */
ACTR_API uint64_t actr_id_hash(const actr_id_t *id);

/* ---- actr:// URI (protocol.md 2.4) ---- */

/*
 * Parses "actr://<realm>:<manufacturer>+<name>@<version>": split at the last '@', then the first
 * ':', then the first '+'. Unlike the reference, which takes any text, the parts must form a valid
 * type (see actr_type_set()).
 */
ACTR_API int actr_uri_parse(actr_uri_t *out, const char *s, size_t len, actr_error_t *err);
/* Writes the URI; the type must pass actr_type_validate() so the text parses back. */
ACTR_API int actr_uri_format(const actr_uri_t *uri, char *buf, size_t size, actr_error_t *err);

/* ---- RPC route keys (protocol.md 2.5) ---- */

/*
 * Route key rules: the package is a PackageName, the service a ServiceName, the method 1-64
 * chars of [A-Za-z0-9_] starting with a letter of either case and ending alphanumeric (proto
 * methods are written UpperCamelCase, e.g. "echo.EchoService.Echo").
 */
ACTR_API int actr_route_key_validate(const char *s, size_t len, actr_error_t *err);
/* Splits at the last two dots (the package has dots of its own) and validates the parts. */
ACTR_API int actr_route_key_split(actr_route_key_t *out, const char *s, size_t len,
                                  actr_error_t *err);
/* Validates the parts and writes "<package>.<service>.<method>". */
ACTR_API int actr_route_key_build(char *buf, size_t size, const char *package, const char *service,
                                  const char *method, actr_error_t *err);

ACTR_END_DECLS

#endif /* ACTR_TYPES_H */
