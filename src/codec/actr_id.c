/*
 * actr_id.c - ActrType and ActrId: construction, string forms, comparison (protocol.md 2.1, 2.2).
 *
 * The string forms are security relevant (the ActrId string is compared literally in credentials,
 * signaling auth and relays), so formatting reproduces the reference byte for byte and parsing
 * accepts exactly what the reference accepts, within our fixed-size caps.
 */
#include "actr/types.h"

#include <stdio.h>
#include <string.h>

#include "base/hex.h"
#include "codec/identity_internal.h"

int actr_ident_parse_uint(const char *s, size_t len, unsigned radix, uint64_t max, uint64_t *out)
{
    /* Rust's from_str_radix: one '+' is allowed for unsigned types, '-' never is. */
    if (len > 0 && s[0] == '+') {
        s++;
        len--;
    }
    if (len == 0)
        return ACTR_EINVAL;
    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        int d = actr_hex_digit_value((unsigned char)s[i]);
        if (d < 0 || d >= (int)radix)
            return ACTR_EINVAL;
        if (value > (max - (uint64_t)d) / radix)
            return ACTR_ERANGE;
        value = value * radix + (uint64_t)d;
    }
    *out = value;
    return 0;
}

size_t actr_ident_field_len(const char *field, size_t cap)
{
    const char *nul = memchr(field, '\0', cap);
    return nul ? (size_t)(nul - field) : cap;
}

/* Validates one Name part and prefixes its message with the reference's wording. */
static int check_name_part(const char *s, size_t len, const char *label, actr_error_t *err)
{
    actr_error_t inner;
    int rc = actr_name_validate(s, len, &inner);
    if (rc != 0)
        return ACTR_IDENT_FAIL(err, rc, "Invalid %s: %s", label, inner.message);
    return 0;
}

int actr_ident_type_from_parts(actr_type_t *out, const char *manufacturer, size_t manufacturer_len,
                               const char *name, size_t name_len, const char *version,
                               size_t version_len, actr_error_t *err)
{
    int rc = check_name_part(manufacturer, manufacturer_len, "manufacturer", err);
    if (rc == 0)
        rc = check_name_part(name, name_len, "type name", err);
    if (rc != 0)
        return rc;
    if (version_len == 0)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "Invalid version: version cannot be empty");
    if (version_len > ACTR_VERSION_MAX_BYTES)
        return ACTR_IDENT_FAIL(err, ACTR_ETOOBIG, "Invalid version: %zu bytes, at most %d allowed",
                               version_len, ACTR_VERSION_MAX_BYTES);
    if (!actr_ident_utf8_valid(version, version_len))
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "Invalid version: not UTF-8 or contains NUL");
    if (out) {
        /* Names passed validation, so each fits its field (at most 32 chars of 4 bytes). */
        memset(out, 0, sizeof *out);
        memcpy(out->manufacturer, manufacturer, manufacturer_len);
        memcpy(out->name, name, name_len);
        memcpy(out->version, version, version_len);
    }
    return 0;
}

int actr_type_set(actr_type_t *out, const char *manufacturer, const char *name,
                  const char *version, actr_error_t *err)
{
    if (!out || !manufacturer || !name || !version)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "actr_type_set: NULL argument");
    return actr_ident_type_from_parts(out, manufacturer, strlen(manufacturer), name, strlen(name),
                                      version, strlen(version), err);
}

/* Rejects a struct whose fields are not NUL-terminated: we would read past them. */
static int check_terminated(const actr_type_t *t, actr_error_t *err)
{
    if (!t)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "type is NULL");
    if (actr_ident_field_len(t->manufacturer, sizeof t->manufacturer) == sizeof t->manufacturer ||
        actr_ident_field_len(t->name, sizeof t->name) == sizeof t->name ||
        actr_ident_field_len(t->version, sizeof t->version) == sizeof t->version)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "type field is not NUL-terminated");
    return 0;
}

int actr_type_validate(const actr_type_t *type, actr_error_t *err)
{
    int rc = check_terminated(type, err);
    if (rc != 0)
        return rc;
    return actr_ident_type_from_parts(NULL, type->manufacturer, strlen(type->manufacturer),
                                      type->name, strlen(type->name), type->version,
                                      strlen(type->version), err);
}

int actr_type_parse(actr_type_t *out, const char *s, size_t len, actr_error_t *err)
{
    if (!out || (!s && len))
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "actr_type_parse: NULL argument");
    if (!s)
        s = ""; /* len is 0: keep pointer arithmetic and messages defined */
    /* splitn(4, ':') must give exactly 3 parts: exactly two ':' in the whole string. */
    const char *colon1 = memchr(s, ':', len);
    const char *colon2 = colon1 ? memchr(colon1 + 1, ':', len - (size_t)(colon1 + 1 - s)) : NULL;
    const char *end = s + len;
    if (!colon2)
        return ACTR_IDENT_FAIL(err, ACTR_EPARSE,
                               "Invalid actor type format: '%.*s'. Expected: "
                               "<manufacturer>:<name>:<version>%s",
                               actr_ident_quote_len(len), s,
                               colon1 ? " (version is required)" : "");
    if (memchr(colon2 + 1, ':', (size_t)(end - colon2 - 1)))
        return ACTR_IDENT_FAIL(err, ACTR_EPARSE,
                               "Invalid actor type format: '%.*s'. Expected: "
                               "<manufacturer>:<name>:<version>",
                               actr_ident_quote_len(len), s);
    return actr_ident_type_from_parts(out, s, (size_t)(colon1 - s), colon1 + 1,
                                      (size_t)(colon2 - colon1 - 1), colon2 + 1,
                                      (size_t)(end - colon2 - 1), err);
}

int actr_ident_format_result(int n, size_t size, const char *what, actr_error_t *err)
{
    if (n < 0)
        return ACTR_IDENT_FAIL(err, ACTR_EINTERNAL, "%s: formatting failed", what);
    if ((size_t)n >= size)
        return ACTR_IDENT_FAIL(err, ACTR_ERANGE, "%s: needs %d bytes, buffer has %zu", what, n + 1,
                               size);
    return 0;
}

int actr_type_format(const actr_type_t *type, char *buf, size_t size, actr_error_t *err)
{
    int rc = check_terminated(type, err);
    if (rc != 0)
        return rc;
    if (!buf && size)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "actr_type_format: NULL buffer");
    int n = snprintf(buf, size, "%s:%s:%s", type->manufacturer, type->name, type->version);
    return actr_ident_format_result(n, size, "actr_type_format", err);
}

/* strcmp over at most the field size, so an unterminated field cannot be over-read. */
#define FIELD_CMP(a, b, field) strncmp((a)->field, (b)->field, sizeof (a)->field)

int actr_type_compare(const actr_type_t *a, const actr_type_t *b)
{
    /* strncmp compares as unsigned char: bytewise, like Rust's String Ord. */
    int c = FIELD_CMP(a, b, manufacturer);
    if (c == 0)
        c = FIELD_CMP(a, b, name);
    if (c == 0)
        c = FIELD_CMP(a, b, version);
    return (c > 0) - (c < 0);
}

bool actr_type_equal(const actr_type_t *a, const actr_type_t *b)
{
    return actr_type_compare(a, b) == 0;
}

int actr_id_parse(actr_id_t *out, const char *s, size_t len, actr_error_t *err)
{
    if (!out || (!s && len))
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "actr_id_parse: NULL argument");
    if (!s)
        s = ""; /* len is 0: keep pointer arithmetic and messages defined */
    const char *end = s + len;
    const char *at = memchr(s, '@', len);
    if (!at)
        return ACTR_IDENT_FAIL(err, ACTR_EPARSE, "Invalid Actor ID format: Missing '@' separator");
    size_t serial_len = (size_t)(at - s);
    uint64_t serial;
    int rc = actr_ident_parse_uint(s, serial_len, 16, UINT64_MAX, &serial);
    if (rc != 0)
        return ACTR_IDENT_FAIL(err, rc, "Invalid serial number hex: '%.*s'",
                               actr_ident_quote_len(serial_len), s);
    const char *realm_start = at + 1;
    const char *slash = memchr(realm_start, '/', (size_t)(end - realm_start));
    if (!slash)
        return ACTR_IDENT_FAIL(err, ACTR_EPARSE, "Invalid Actor ID format: Missing '/' separator");
    size_t realm_len = (size_t)(slash - realm_start);
    uint64_t realm;
    rc = actr_ident_parse_uint(realm_start, realm_len, 10, UINT32_MAX, &realm);
    if (rc != 0)
        return ACTR_IDENT_FAIL(err, rc, "Invalid realm ID: '%.*s'",
                               actr_ident_quote_len(realm_len), realm_start);
    actr_type_t type;
    rc = actr_type_parse(&type, slash + 1, (size_t)(end - slash - 1), err);
    if (rc != 0)
        return rc;
    memset(out, 0, sizeof *out);
    out->realm.realm_id = (uint32_t)realm;
    out->serial_number = serial;
    out->type = type;
    return 0;
}

int actr_id_format(const actr_id_t *id, char *buf, size_t size, actr_error_t *err)
{
    if (!id)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "actr_id_format: NULL id");
    int rc = check_terminated(&id->type, err);
    if (rc != 0)
        return rc;
    if (!buf && size)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "actr_id_format: NULL buffer");
    /* %llx is Rust's {:x}: lowercase, no leading zeros, "0" for zero. */
    int n = snprintf(buf, size, "%llx@%lu/%s:%s:%s", (unsigned long long)id->serial_number,
                     (unsigned long)id->realm.realm_id, id->type.manufacturer, id->type.name,
                     id->type.version);
    return actr_ident_format_result(n, size, "actr_id_format", err);
}

int actr_id_compare(const actr_id_t *a, const actr_id_t *b)
{
    if (a->realm.realm_id != b->realm.realm_id)
        return a->realm.realm_id < b->realm.realm_id ? -1 : 1;
    if (a->serial_number != b->serial_number)
        return a->serial_number < b->serial_number ? -1 : 1;
    return actr_type_compare(&a->type, &b->type);
}

bool actr_id_equal(const actr_id_t *a, const actr_id_t *b)
{
    return actr_id_compare(a, b) == 0;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv_bytes(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

/* Hashes a field up to its NUL, then a terminator so ("ab","c") and ("a","bc") differ. */
static uint64_t fnv_field(uint64_t h, const char *field, size_t cap)
{
    h = fnv_bytes(h, field, actr_ident_field_len(field, cap));
    return fnv_bytes(h, "", 1);
}

uint64_t actr_id_hash(const actr_id_t *id)
{
    unsigned char nums[12];
    for (int i = 0; i < 4; i++)
        nums[i] = (unsigned char)(id->realm.realm_id >> (8 * i));
    for (int i = 0; i < 8; i++)
        nums[4 + i] = (unsigned char)(id->serial_number >> (8 * i));
    uint64_t h = fnv_bytes(FNV_OFFSET, nums, sizeof nums);
    h = fnv_field(h, id->type.manufacturer, sizeof id->type.manufacturer);
    h = fnv_field(h, id->type.name, sizeof id->type.name);
    return fnv_field(h, id->type.version, sizeof id->type.version);
}
