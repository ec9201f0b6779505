/*
 * percent.h - application/x-www-form-urlencoded (WHATWG URL, section 5) and query strings.
 *
 * Encoding keeps A-Z a-z 0-9 and "*-._", turns a space into '+' and every other byte into
 * "%XX" with uppercase hex: byte-for-byte what Rust's form_urlencoded produces. Decoding turns
 * '+' into a space and "%XX" (either case) into the byte; unlike browsers it rejects a '%' not
 * followed by two hex digits (ACTR_EPARSE) instead of passing it through, since a malformed
 * escape in a token or id means a broken or hostile peer.
 */
#ifndef ACTR_BASE_PERCENT_H
#define ACTR_BASE_PERCENT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Encodes len bytes of src into dst and NUL-terminates it. *out_len (optional) receives the
 * encoded length without the NUL; it is also set when dst is too small (ACTR_ERANGE), so a
 * caller can size a buffer with actr_form_encode(src, len, NULL, 0, &need).
 */
int actr_form_encode(const void *src, size_t len, char *dst, size_t cap, size_t *out_len);

/* As actr_form_encode() into a malloc'ed NUL-terminated string the caller frees. */
int actr_form_encode_alloc(const void *src, size_t len, char **out, size_t *out_len);

/*
 * Decodes len characters of src into dst (at most cap bytes, no NUL added). The output is never
 * longer than the input, so cap >= len always suffices and dst may equal src (in place).
 * Returns 0, ACTR_EPARSE for a truncated or non-hex escape, ACTR_ERANGE when cap is too small,
 * ACTR_EINVAL for NULL arguments. On failure dst holds unspecified bytes.
 */
int actr_form_decode(const char *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len);

/*
 * As actr_form_decode() into a malloc'ed buffer with a NUL after the decoded bytes. The bytes
 * may themselves contain NUL ("%00"): check *out_len == strlen(*out) where that matters.
 */
int actr_form_decode_alloc(const char *src, size_t len, char **out, size_t *out_len);

/* 1 when the encoded text decodes to exactly plain[0..plain_len), else 0 (also if malformed). */
int actr_form_equal(const char *encoded, size_t len, const char *plain, size_t plain_len);

/* One key=value pair of a query string, still encoded (decode with actr_form_decode). */
typedef struct actr_query_pair {
    const char *key;
    size_t key_len;
    const char *value; /* points into the query; empty when the pair has no '=' */
    size_t value_len;
    int has_value;     /* 0 for a bare "key" without '=' */
} actr_query_pair_t;

typedef struct actr_query_iter {
    const char *pos;
    const char *end;
} actr_query_iter_t;

/*
 * Starts iterating a query string such as "?actor_id=a%2Fb&token=xyz". One leading '?' is
 * skipped and a '#' ends the query (the fragment is not part of it). query may be NULL when
 * len is 0. The iterator points into query, which must outlive it.
 */
void actr_query_init(actr_query_iter_t *it, const char *query, size_t len);

/*
 * Next pair, split on '&' and at the first '='. Empty pieces ("a=1&&b=2") are skipped.
 * Returns 1 and fills *pair, or 0 at the end.
 */
int actr_query_next(actr_query_iter_t *it, actr_query_pair_t *pair);

/*
 * Finds the first pair whose decoded key equals key (a NUL-terminated plain string) and
 * decodes its value into a malloc'ed NUL-terminated string. Returns 0, ACTR_ENOTFOUND,
 * ACTR_EPARSE (the value has a bad escape), ACTR_ENOMEM or ACTR_EINVAL. A bare key without '='
 * yields an empty value.
 */
int actr_query_get(const char *query, size_t len, const char *key, char **value,
                   size_t *value_len);

#endif /* ACTR_BASE_PERCENT_H */
