/* hex.c - lowercase hex encoding and strict decoding. */
#include "base/hex.h"

#include "actr/error.h"

void actr_hex_encode(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

int actr_hex_digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int actr_hex_decode(const char *in, size_t len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (out_len)
        *out_len = 0;
    if (len % 2 != 0)
        return ACTR_EPARSE;
    if (len / 2 > out_cap)
        return ACTR_ERANGE;
    for (size_t i = 0; i < len; i += 2) {
        int hi = actr_hex_digit_value(in[i]), lo = actr_hex_digit_value(in[i + 1]);
        if (hi < 0 || lo < 0)
            return ACTR_EPARSE;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    if (out_len)
        *out_len = len / 2;
    return 0;
}
