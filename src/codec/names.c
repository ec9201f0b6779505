/*
 * names.c - the name rules of protocol.md section 2.3 (Name, PackageName, ServiceName,
 * MethodName) and the strict UTF-8 decoding they rest on. The reference validates Rust strings,
 * which are always valid UTF-8 and count length in characters; we do the same on raw bytes.
 */
#include "actr/types.h"

#include <string.h>

#include "codec/identity_internal.h"
#include "codec/unicode_tables.h"

_Static_assert(ACTR_SERVICE_NAME_MAX == ACTR_METHOD_NAME_MAX, "one cap for proto identifiers");

/* Longest piece of user input quoted in an error message. */
#define QUOTE_MAX 64

bool actr_ident_utf8_next(const char *s, size_t len, size_t *pos, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s + *pos;
    size_t left = len - *pos;
    uint32_t c = p[0];
    size_t need;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        *pos += 1;
        return true;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1, min = 0x80, c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2, min = 0x800, c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3, min = 0x10000, c &= 0x07;
    } else {
        return false; /* continuation byte, overlong lead C0/C1, or F5..FF */
    }
    if (left < need + 1)
        return false;
    for (size_t i = 1; i <= need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return false;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return false;
    *cp = c;
    *pos += need + 1;
    return true;
}

bool actr_ident_utf8_valid(const char *s, size_t len)
{
    size_t pos = 0;
    uint32_t cp;
    while (pos < len) {
        if (!actr_ident_utf8_next(s, len, &pos, &cp) || cp == 0)
            return false;
    }
    return true;
}

int actr_ident_quote_len(size_t len)
{
    return (int)(len < QUOTE_MAX ? len : QUOTE_MAX);
}

static bool name_punct(uint32_t cp)
{
    return cp == '-' || cp == '_' || cp == '.';
}

int actr_name_validate(const char *s, size_t len, actr_error_t *err)
{
    if (len == 0 || !s)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "name is empty (1 to %d characters)",
                               ACTR_NAME_MAX_CHARS);
    size_t pos = 0, chars = 0;
    uint32_t cp = 0;
    while (pos < len) {
        size_t start = pos;
        if (!actr_ident_utf8_next(s, len, &pos, &cp))
            return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "name is not valid UTF-8 at byte %zu", start);
        if (++chars > ACTR_NAME_MAX_CHARS)
            return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "name '%.*s...' is longer than %d characters",
                                   actr_ident_quote_len(start), s, ACTR_NAME_MAX_CHARS);
        if (chars == 1 && !actr_unicode_is_alphabetic(cp))
            return ACTR_IDENT_FAIL(err, ACTR_EINVAL,
                                   "name '%.*s' must start with a letter, not U+%04X",
                                   actr_ident_quote_len(len), s, (unsigned)cp);
        if (!actr_unicode_is_alphanumeric(cp) && !name_punct(cp))
            return ACTR_IDENT_FAIL(err, ACTR_EINVAL,
                                   "name '%.*s' has invalid character U+%04X at position %zu "
                                   "(letters, digits, '-', '_', '.' allowed)",
                                   actr_ident_quote_len(len), s, (unsigned)cp, chars);
    }
    if (!actr_unicode_is_alphanumeric(cp))
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL,
                               "name '%.*s' must end with a letter or digit, not '%c'",
                               actr_ident_quote_len(len), s, (char)cp);
    return 0;
}

static bool ascii_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool ascii_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool ascii_digit(char c)
{
    return c >= '0' && c <= '9';
}

int actr_package_name_validate(const char *s, size_t len, actr_error_t *err)
{
    if (len == 0 || !s)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "package name is empty");
    if (len > ACTR_PACKAGE_NAME_MAX)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "package name is longer than %d characters",
                               ACTR_PACKAGE_NAME_MAX);
    int q = actr_ident_quote_len(len);
    size_t segment_start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (i == segment_start)
                return ACTR_IDENT_FAIL(err, ACTR_EINVAL,
                                       "package name '%.*s' has an empty segment at byte %zu", q, s,
                                       i);
            segment_start = i + 1;
            continue;
        }
        char c = s[i];
        if (i == segment_start && ascii_digit(c))
            return ACTR_IDENT_FAIL(err, ACTR_EINVAL,
                                   "package name '%.*s' has a segment starting with a digit", q, s);
        if (!ascii_lower(c) && !ascii_digit(c) && c != '_')
            return ACTR_IDENT_FAIL(err, ACTR_EINVAL,
                                   "package name '%.*s' has invalid byte 0x%02X at %zu "
                                   "(lowercase [a-z0-9_] segments separated by '.')",
                                   q, s, (unsigned char)c, i);
    }
    return 0;
}

int actr_ident_proto_name_validate(const char *s, size_t len, const char *what,
                                   actr_ident_first_t first, actr_error_t *err)
{
    if (len == 0 || !s)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "%s name is empty", what);
    if (len > ACTR_METHOD_NAME_MAX)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "%s name is longer than %d characters", what,
                               ACTR_METHOD_NAME_MAX);
    int q = actr_ident_quote_len(len);
    bool first_ok = (first != ACTR_IDENT_FIRST_LOWER && ascii_upper(s[0])) ||
                    (first != ACTR_IDENT_FIRST_UPPER && ascii_lower(s[0]));
    if (!first_ok)
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "%s name '%.*s' must start with %s letter", what, q,
                               s,
                               first == ACTR_IDENT_FIRST_UPPER   ? "an uppercase ASCII"
                               : first == ACTR_IDENT_FIRST_LOWER ? "a lowercase ASCII"
                                                                 : "an ASCII");
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!ascii_lower(c) && !ascii_upper(c) && !ascii_digit(c) && c != '_')
            return ACTR_IDENT_FAIL(err, ACTR_EINVAL,
                                   "%s name '%.*s' has invalid byte 0x%02X at %zu ([A-Za-z0-9_])",
                                   what, q, s, (unsigned char)c, i);
    }
    if (s[len - 1] == '_')
        return ACTR_IDENT_FAIL(err, ACTR_EINVAL, "%s name '%.*s' must end with a letter or digit",
                               what, q, s);
    return 0;
}

int actr_service_name_validate(const char *s, size_t len, actr_error_t *err)
{
    return actr_ident_proto_name_validate(s, len, "service", ACTR_IDENT_FIRST_UPPER, err);
}

int actr_method_name_validate(const char *s, size_t len, actr_error_t *err)
{
    return actr_ident_proto_name_validate(s, len, "method", ACTR_IDENT_FIRST_LOWER, err);
}

bool actr_name_valid(const char *s)
{
    return s && actr_name_validate(s, strlen(s), NULL) == 0;
}

bool actr_package_name_valid(const char *s)
{
    return s && actr_package_name_validate(s, strlen(s), NULL) == 0;
}

bool actr_service_name_valid(const char *s)
{
    return s && actr_service_name_validate(s, strlen(s), NULL) == 0;
}

bool actr_method_name_valid(const char *s)
{
    return s && actr_method_name_validate(s, strlen(s), NULL) == 0;
}

const char *actr_unicode_tables_version(void)
{
    return actr_unicode_version();
}
