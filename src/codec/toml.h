/*
 * toml.h - TOML 1.0.0 parser and its read-only document tree (private to libactr).
 *
 * actr_toml_parse() turns a byte buffer into a tree of actr_toml_value_t nodes that all belong to
 * the root table; actr_toml_free(root) releases the whole tree at once, so callers never free
 * single nodes. Every node remembers where it was written (line and column, 1-based, columns
 * counted in characters) so a config loader can point at the offending spot, e.g.
 * "actr.toml:12: key `signaling.url` must be a string". Tables keep their keys in document order
 * so that iteration follows the file.
 *
 * Lookups and getters accept NULL and report it as "not found", so a chain like
 * actr_toml_as_string(actr_toml_get_path(root, "signaling.url"), &s, &n) needs one check only.
 */
#ifndef ACTR_CODEC_TOML_H
#define ACTR_CODEC_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/error.h"

/* Deepest nesting of tables and arrays (a.b.c counts 3). Deeper input is rejected with
 * ACTR_EPARSE rather than exhausting the stack of the parser or of a recursive consumer. */
#define ACTR_TOML_MAX_DEPTH 128

typedef enum actr_toml_type {
    ACTR_TOML_NONE = 0, /* only returned for a NULL value */
    ACTR_TOML_TABLE,
    ACTR_TOML_ARRAY,
    ACTR_TOML_STRING,
    ACTR_TOML_INTEGER,
    ACTR_TOML_FLOAT,
    ACTR_TOML_BOOL,
    ACTR_TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00Z */
    ACTR_TOML_DATETIME_LOCAL, /* 1979-05-27T07:32:00 */
    ACTR_TOML_DATE_LOCAL,     /* 1979-05-27 */
    ACTR_TOML_TIME_LOCAL,     /* 07:32:00 */
} actr_toml_type_t;

/* The four date/time types share one struct; the value's type says which fields are set
 * (the others are 0). */
typedef struct actr_toml_datetime {
    int year, month, day;
    int hour, minute, second; /* second may be 60 (leap second) */
    int nanosecond;           /* fractional seconds; digits beyond nanoseconds are truncated */
    int offset_minutes;       /* east of UTC, e.g. -420 for -07:00; ACTR_TOML_DATETIME only */
} actr_toml_datetime_t;

typedef struct actr_toml_value actr_toml_value_t;

/*
 * Parses len bytes of text (no NUL terminator needed; a leading UTF-8 BOM is skipped) into a
 * tree whose root table is stored in *root. Returns 0, ACTR_EPARSE for malformed input (err gets
 * "line L, column C: reason"), ACTR_ENOMEM, or ACTR_EINVAL for bad arguments. On failure *root
 * is NULL and nothing needs freeing.
 */
int actr_toml_parse(const char *text, size_t len, actr_toml_value_t **root, actr_error_t *err);
/* Frees a tree returned by actr_toml_parse(). NULL and non-root nodes are ignored. */
void actr_toml_free(actr_toml_value_t *root);

actr_toml_type_t actr_toml_type(const actr_toml_value_t *value);
/* The toml-test names: "table", "array", "string", "integer", "float", "bool", "datetime",
 * "datetime-local", "date-local", "time-local"; "none" for ACTR_TOML_NONE. */
const char *actr_toml_type_name(actr_toml_type_t type);
/* Where the value starts; for tables, the header that defined them (or the first key that
 * implied them). 0 for NULL. */
int actr_toml_line(const actr_toml_value_t *value);
int actr_toml_column(const actr_toml_value_t *value);

/* Tables. Keys are byte strings that may contain NUL (from "\u0000"); they are also
 * NUL-terminated for convenience. Index order is document order. */
size_t actr_toml_table_size(const actr_toml_value_t *table);
const actr_toml_value_t *actr_toml_table_at(const actr_toml_value_t *table, size_t index,
                                            const char **key, size_t *key_len);
const actr_toml_value_t *actr_toml_get(const actr_toml_value_t *table, const char *key);
const actr_toml_value_t *actr_toml_get_len(const actr_toml_value_t *table, const char *key,
                                           size_t key_len);
/* Follows a dotted key written in TOML syntax, so keys containing dots can be quoted:
 * "signaling.url", "servers.\"eu.west\".port". NULL if any part is missing, is not a table on
 * the way, or the path is not a valid TOML key. */
const actr_toml_value_t *actr_toml_get_path(const actr_toml_value_t *table, const char *path);

/* Arrays; items may have mixed types (TOML 1.0). */
size_t actr_toml_array_size(const actr_toml_value_t *array);
const actr_toml_value_t *actr_toml_array_at(const actr_toml_value_t *array, size_t index);

/*
 * Typed getters: 0 on success, ACTR_ENOTFOUND if value is NULL (a missing key), ACTR_EINVAL if
 * it has another type. Conversions are deliberately strict (an integer is not a float) so a
 * config loader can report type mistakes instead of guessing.
 */
/* *str stays valid until the tree is freed; it is NUL-terminated but may contain NUL bytes,
 * so use *len (len may be NULL when the caller knows there are none). */
int actr_toml_as_string(const actr_toml_value_t *value, const char **str, size_t *len);
int actr_toml_as_int(const actr_toml_value_t *value, int64_t *out);
int actr_toml_as_double(const actr_toml_value_t *value, double *out);
int actr_toml_as_bool(const actr_toml_value_t *value, bool *out);
/* Accepts all four date/time types. */
int actr_toml_as_datetime(const actr_toml_value_t *value, actr_toml_datetime_t *out);

#endif /* ACTR_CODEC_TOML_H */
