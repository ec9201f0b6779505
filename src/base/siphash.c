/* siphash.c - SipHash-c-d over byte strings, little-endian as in the reference. */
#include "base/siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

static void sip_rounds(uint64_t v[4], int rounds)
{
    for (int i = 0; i < rounds; i++) {
        v[0] += v[1];
        v[1] = ROTL(v[1], 13);
        v[1] ^= v[0];
        v[0] = ROTL(v[0], 32);
        v[2] += v[3];
        v[3] = ROTL(v[3], 16);
        v[3] ^= v[2];
        v[0] += v[3];
        v[3] = ROTL(v[3], 21);
        v[3] ^= v[0];
        v[2] += v[1];
        v[1] = ROTL(v[1], 17);
        v[1] ^= v[2];
        v[2] = ROTL(v[2], 32);
    }
}

static uint64_t siphash(const uint8_t key[ACTR_SIPHASH_KEY_LEN], const void *data, size_t len,
                        int c_rounds, int d_rounds)
{
    const uint8_t *in = data;
    uint64_t k0 = load_le64(key);
    uint64_t k1 = load_le64(key + 8);
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                     k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
    size_t full = len - len % 8;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(in + i);
        v[3] ^= m;
        sip_rounds(v, c_rounds);
        v[0] ^= m;
    }
    /* Last block: the remaining bytes plus the message length in the top byte. */
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++)
        b |= (uint64_t)in[full + i] << (8 * i);
    v[3] ^= b;
    sip_rounds(v, c_rounds);
    v[0] ^= b;
    v[2] ^= 0xff;
    sip_rounds(v, d_rounds);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t actr_siphash13(const uint8_t key[ACTR_SIPHASH_KEY_LEN], const void *data, size_t len)
{
    return siphash(key, data, len, 1, 3);
}

uint64_t actr_siphash24(const uint8_t key[ACTR_SIPHASH_KEY_LEN], const void *data, size_t len)
{
    return siphash(key, data, len, 2, 4);
}
