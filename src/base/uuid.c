/* uuid.c - version 4 UUIDs from getrandom(2) and their canonical text form. */
#include "base/uuid.h"
#include "base/hex.h"

#include <string.h>

#include "actr/error.h"
#include "base/random.h"

/* Byte offsets where a dash precedes the next group in the text form. */
static int dash_before(int byte_index)
{
    return byte_index == 4 || byte_index == 6 || byte_index == 8 || byte_index == 10;
}

int actr_uuid_v4(actr_uuid_t *out)
{
    if (!out)
        return ACTR_EINVAL;
    int rc = actr_os_random(out->bytes, sizeof out->bytes);
    if (rc != 0)
        return rc;
    out->bytes[6] = (uint8_t)((out->bytes[6] & 0x0f) | 0x40); /* version 4 */
    out->bytes[8] = (uint8_t)((out->bytes[8] & 0x3f) | 0x80); /* variant 10xx (RFC 9562) */
    return 0;
}

void actr_uuid_format(const actr_uuid_t *uuid, char out[ACTR_UUID_STR_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (dash_before(i))
            *p++ = '-';
        *p++ = digits[uuid->bytes[i] >> 4];
        *p++ = digits[uuid->bytes[i] & 0x0f];
    }
    *p = '\0';
}

int actr_uuid_parse(const char *text, size_t len, actr_uuid_t *out)
{
    if (!text || !out)
        return ACTR_EINVAL;
    if (len != ACTR_UUID_STR_LEN)
        return ACTR_EPARSE;
    actr_uuid_t tmp;
    const char *p = text;
    for (int i = 0; i < 16; i++) {
        if (dash_before(i) && *p++ != '-')
            return ACTR_EPARSE;
        int hi = actr_hex_digit_value(p[0]);
        int lo = actr_hex_digit_value(p[1]);
        if (hi < 0 || lo < 0)
            return ACTR_EPARSE;
        tmp.bytes[i] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    *out = tmp; /* untouched on failure */
    return 0;
}

int actr_uuid_version(const actr_uuid_t *uuid)
{
    return uuid->bytes[6] >> 4;
}

int actr_uuid_equal(const actr_uuid_t *a, const actr_uuid_t *b)
{
    return memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0;
}
