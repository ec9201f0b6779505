/* percent.c - form-urlencoded encode/decode and a query-string iterator. */
#include "base/percent.h"
#include "base/hex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"

static int is_unreserved(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '*' || c == '-' || c == '.' || c == '_';
}

/* Encoded size of src without the NUL; ACTR_ERANGE if it does not fit in size_t. */
static int encoded_len(const uint8_t *src, size_t len, size_t *need)
{
    size_t n = len;
    for (size_t i = 0; i < len; i++) {
        if (is_unreserved(src[i]) || src[i] == ' ')
            continue;
        if (n > SIZE_MAX - 2)
            return ACTR_ERANGE;
        n += 2;
    }
    *need = n;
    return 0;
}

int actr_form_encode(const void *src, size_t len, char *dst, size_t cap, size_t *out_len)
{
    static const char digits[] = "0123456789ABCDEF";
    if (!src && len > 0)
        return ACTR_EINVAL;
    const uint8_t *s = src;
    size_t need;
    int rc = encoded_len(s, len, &need);
    if (rc != 0)
        return rc;
    if (out_len)
        *out_len = need;
    if (!dst || cap <= need) /* room for the NUL too */
        return ACTR_ERANGE;
    char *p = dst;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (is_unreserved(c)) {
            *p++ = (char)c;
        } else if (c == ' ') {
            *p++ = '+';
        } else {
            *p++ = '%';
            *p++ = digits[c >> 4];
            *p++ = digits[c & 0x0f];
        }
    }
    *p = '\0';
    return 0;
}

int actr_form_encode_alloc(const void *src, size_t len, char **out, size_t *out_len)
{
    if (!out || (!src && len > 0))
        return ACTR_EINVAL;
    *out = NULL;
    size_t need;
    int rc = encoded_len(src, len, &need);
    if (rc != 0)
        return rc;
    if (need == SIZE_MAX)
        return ACTR_ERANGE;
    char *buf = malloc(need + 1);
    if (!buf)
        return ACTR_ENOMEM;
    rc = actr_form_encode(src, len, buf, need + 1, out_len);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}

/* Decodes the character at src[*i], advancing *i past it (and past an escape). */
static int decode_one(const char *src, size_t len, size_t *i, uint8_t *byte)
{
    char c = src[*i];
    if (c == '+') {
        *byte = ' ';
    } else if (c == '%') {
        if (len - *i < 3)
            return ACTR_EPARSE;
        int hi = actr_hex_digit_value(src[*i + 1]);
        int lo = actr_hex_digit_value(src[*i + 2]);
        if (hi < 0 || lo < 0)
            return ACTR_EPARSE;
        *byte = (uint8_t)(hi << 4 | lo);
        *i += 2;
    } else {
        *byte = (uint8_t)c;
    }
    (*i)++;
    return 0;
}

int actr_form_decode(const char *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len)
{
    if ((!src && len > 0) || (!dst && cap > 0))
        return ACTR_EINVAL;
    size_t n = 0;
    size_t i = 0;
    while (i < len) {
        uint8_t byte;
        int rc = decode_one(src, len, &i, &byte);
        if (rc != 0)
            return rc;
        if (n == cap)
            return ACTR_ERANGE;
        /* In place is safe: n never passes i, so the write lands on consumed input. */
        dst[n++] = byte;
    }
    if (out_len)
        *out_len = n;
    return 0;
}

int actr_form_decode_alloc(const char *src, size_t len, char **out, size_t *out_len)
{
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    if (len == SIZE_MAX)
        return ACTR_ERANGE;
    char *buf = malloc(len + 1);
    if (!buf)
        return ACTR_ENOMEM;
    size_t n;
    int rc = actr_form_decode(src, len, (uint8_t *)buf, len, &n);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    if (out_len)
        *out_len = n;
    return 0;
}

int actr_form_equal(const char *encoded, size_t len, const char *plain, size_t plain_len)
{
    size_t i = 0;
    size_t k = 0;
    while (i < len) {
        uint8_t byte;
        if (decode_one(encoded, len, &i, &byte) != 0)
            return 0;
        if (k == plain_len || (uint8_t)plain[k] != byte)
            return 0;
        k++;
    }
    return k == plain_len;
}

void actr_query_init(actr_query_iter_t *it, const char *query, size_t len)
{
    it->pos = NULL;
    it->end = NULL;
    if (!query || len == 0)
        return;
    const char *end = query + len;
    if (query[0] == '?')
        query++;
    const char *hash = memchr(query, '#', (size_t)(end - query));
    it->pos = query;
    it->end = hash ? hash : end;
}

int actr_query_next(actr_query_iter_t *it, actr_query_pair_t *pair)
{
    while (it->pos && it->pos < it->end) {
        const char *start = it->pos;
        const char *amp = memchr(start, '&', (size_t)(it->end - start));
        const char *stop = amp ? amp : it->end;
        it->pos = amp ? amp + 1 : it->end;
        if (stop == start)
            continue; /* "&&" or a trailing '&' */
        const char *eq = memchr(start, '=', (size_t)(stop - start));
        pair->key = start;
        pair->key_len = (size_t)((eq ? eq : stop) - start);
        pair->has_value = eq != NULL;
        pair->value = eq ? eq + 1 : stop;
        pair->value_len = eq ? (size_t)(stop - (eq + 1)) : 0;
        return 1;
    }
    return 0;
}

int actr_query_get(const char *query, size_t len, const char *key, char **value,
                   size_t *value_len)
{
    if (!key || !value || (!query && len > 0))
        return ACTR_EINVAL;
    *value = NULL;
    size_t key_len = strlen(key);
    actr_query_iter_t it;
    actr_query_pair_t pair;
    actr_query_init(&it, query, len);
    while (actr_query_next(&it, &pair)) {
        if (actr_form_equal(pair.key, pair.key_len, key, key_len))
            return actr_form_decode_alloc(pair.value, pair.value_len, value, value_len);
    }
    return ACTR_ENOTFOUND;
}
