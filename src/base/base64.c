/* base64.c - RFC 4648 encoding and strict decoding (see base64.h for the rules). */
#include "base/base64.h"

#include "actr/error.h"

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int is_padded(actr_b64_variant_t v)
{
    return v == ACTR_B64_STD || v == ACTR_B64_URL;
}

static int is_url(actr_b64_variant_t v)
{
    return v == ACTR_B64_URL || v == ACTR_B64_URL_NOPAD;
}

size_t actr_base64_encoded_len(size_t n, actr_b64_variant_t variant)
{
    if (is_padded(variant))
        return (n + 2) / 3 * 4;
    return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

size_t actr_base64_decoded_max(size_t n)
{
    return (n + 3) / 4 * 3;
}

size_t actr_base64_encode(const uint8_t *in, size_t len, char *out, actr_b64_variant_t variant)
{
    const char *alpha = is_url(variant) ? url_alphabet : std_alphabet;
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        out[o++] = alpha[v >> 6 & 63];
        out[o++] = alpha[v & 63];
    }
    size_t rest = len - i;
    if (rest > 0) {
        uint32_t v = (uint32_t)in[i] << 16 | (rest == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        if (rest == 2)
            out[o++] = alpha[v >> 6 & 63];
        if (is_padded(variant)) {
            out[o++] = '=';
            if (rest == 1)
                out[o++] = '=';
        }
    }
    out[o] = '\0';
    return o;
}

static int char_value(char c, int url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

int actr_base64_decode(const char *in, size_t len, uint8_t *out, size_t out_cap, size_t *out_len,
                       actr_b64_variant_t variant)
{
    int url = is_url(variant);
    if (out_len)
        *out_len = 0;

    /* Split off the padding, which must be exactly what the data length implies. */
    size_t data_len = len;
    if (is_padded(variant)) {
        if (len % 4 != 0)
            return ACTR_EPARSE;
        while (data_len > 0 && len - data_len < 2 && in[data_len - 1] == '=')
            data_len--;
    }
    size_t tail = data_len % 4;
    if (tail == 1)
        return ACTR_EPARSE;
    if (is_padded(variant) && tail != 0 && len - data_len != 4 - tail)
        return ACTR_EPARSE;

    size_t needed = data_len / 4 * 3 + (tail ? tail - 1 : 0);
    if (needed > out_cap)
        return ACTR_ERANGE;

    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < data_len; i++) {
        int v = char_value(in[i], url);
        if (v < 0)
            return ACTR_EPARSE; /* also catches '=' in the middle and whitespace */
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0)
        return ACTR_EPARSE; /* non-zero trailing bits: a second spelling of the same bytes */
    if (out_len)
        *out_len = o;
    return 0;
}
