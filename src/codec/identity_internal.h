/*
 * identity_internal.h - helpers shared by the identity codecs (names.c, actr_id.c, uri.c,
 * route_key.c, type_path.c). Not part of the public API.
 */
#ifndef ACTR_CODEC_IDENTITY_INTERNAL_H
#define ACTR_CODEC_IDENTITY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/error.h"
#include "actr/types.h"

/*
 * Decodes the UTF-8 scalar value at s[*pos] (strict: no overlongs, surrogates or values above
 * U+10FFFF) into *cp and advances *pos. Returns false on an invalid or truncated sequence.
 */
bool actr_ident_utf8_next(const char *s, size_t len, size_t *pos, uint32_t *cp);
/* Whether s[0..len) is valid UTF-8 without NUL bytes (a C string cannot carry NUL). */
bool actr_ident_utf8_valid(const char *s, size_t len);

/*
 * Parses an unsigned integer the way Rust's uN::from_str_radix does: one optional leading '+',
 * then at least one digit of the radix (10 or 16, hex in either case). Returns ACTR_EINVAL for an
 * empty or non-digit text, ACTR_ERANGE when the value exceeds max.
 */
int actr_ident_parse_uint(const char *s, size_t len, unsigned radix, uint64_t max, uint64_t *out);

/*
 * Validates the three parts of a type (Names, non-empty UTF-8 version within the cap) and, when
 * out is not NULL, copies them into it. Lengths are byte counts; the parts need no NUL.
 */
int actr_ident_type_from_parts(actr_type_t *out, const char *manufacturer, size_t manufacturer_len,
                               const char *name, size_t name_len, const char *version,
                               size_t version_len, actr_error_t *err);

/* Which case the first letter of a proto identifier (service, method) must have. */
typedef enum actr_ident_first {
    ACTR_IDENT_FIRST_UPPER, /* ServiceName */
    ACTR_IDENT_FIRST_LOWER, /* MethodName */
    ACTR_IDENT_FIRST_ANY,   /* a method as written in a route key, e.g. "Echo" */
} actr_ident_first_t;

/*
 * ServiceName/MethodName rule with the first-letter case as a parameter: 1-64 chars, an ASCII
 * letter then [A-Za-z0-9_], ending alphanumeric. what ("service", "method") names it in messages.
 */
int actr_ident_proto_name_validate(const char *s, size_t len, const char *what,
                                   actr_ident_first_t first, actr_error_t *err);

/* Length of a fixed-size field, or cap when it is not NUL-terminated (a malformed struct). */
size_t actr_ident_field_len(const char *field, size_t cap);

/* Maps an snprintf() result for a buffer of size bytes to 0, ACTR_ERANGE or ACTR_EINTERNAL. */
int actr_ident_format_result(int n, size_t size, const char *what, actr_error_t *err);

/* How many bytes of a user string to quote in a message ("%.*s"): at most 64. */
int actr_ident_quote_len(size_t len);

/* Records a client-side identity error (kind ACTR_KIND_CLIENT) and returns code. */
#define ACTR_IDENT_FAIL(err, code, ...) actr_error_set((err), (code), ACTR_KIND_CLIENT, 0, __VA_ARGS__)

#endif /* ACTR_CODEC_IDENTITY_INTERNAL_H */
