/*
 * ed25519_point.c - encoding checks for strict Ed25519.
 *
 * OpenSSL 3's verifier already rejects S >= L, R encodings that are not canonical (it compares
 * the recomputed R byte-for-byte) and public keys that are not on the curve. It accepts small-
 * order A and R (an identity key with an identity R and S = 0 verifies every message) and
 * non-canonical A (y >= p, or x = 0 with the sign bit set). ed25519-dalek's verify_strict()
 * rejects small-order A and R; we also reject y >= p for A, as RFC 8032 decoding demands (dalek
 * would reduce it, but no honest signer produces such a key).
 */
#include "crypto/ed25519_point.h"

#include <string.h>
#include <openssl/bn.h>

#include "actr/error.h"

/* y >= p exactly when the low 255 bits lie in [2^255 - 19, 2^255 - 1]. */
int actr_ed25519_y_canonical(const uint8_t enc[32])
{
    if ((enc[31] & 0x7f) != 0x7f)
        return 1;
    for (int i = 30; i > 0; i--)
        if (enc[i] != 0xff)
            return 1;
    return enc[0] < 0xed;
}

/*
 * The y coordinates of the eight small-order points are 0, 1, -1 and +-y8 (two points share
 * each of 0 and +-y8, differing in the sign of x); 0 and 1 also have the non-canonical forms p
 * and p + 1. Same list as libsodium's blocklist; the sign bit is ignored.
 */
static const uint8_t small_order_y[7][32] = {
    {0x00},
    {0x01},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
     0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
     0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
     0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f,
     0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
     0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6,
     0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

int actr_ed25519_small_order(const uint8_t enc[32])
{
    uint8_t y[32];
    memcpy(y, enc, 32);
    y[31] &= 0x7f;
    for (size_t i = 0; i < sizeof small_order_y / sizeof small_order_y[0]; i++)
        if (memcmp(y, small_order_y[i], 32) == 0)
            return 1;
    return 0;
}

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const uint8_t group_order[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

int actr_ed25519_scalar_canonical(const uint8_t s[32])
{
    for (int i = 31; i >= 0; i--) {
        if (s[i] != group_order[i])
            return s[i] < group_order[i];
    }
    return 0; /* S == L */
}

/* Curve constant d = -121665/121666 mod p, big-endian hex. */
static const char curve_d_hex[] =
    "52036CEE2B6FFE738CC740797779E89800700A4D4141D8AB75EB4DCA135978A3";

/*
 * On the curve -x^2 + y^2 = 1 + d x^2 y^2, x^2 = (y^2 - 1) / (d y^2 + 1); the encoding is valid
 * when that is a square mod p (the denominator never vanishes: d is not a square), and x = 0
 * must not carry the sign bit. BIGNUM is variable-time, which is fine: public keys are public.
 */
static int decode_check_bn(const uint8_t enc[32], BN_CTX *bn)
{
    BIGNUM *p = BN_CTX_get(bn), *d = BN_CTX_get(bn), *y = BN_CTX_get(bn);
    BIGNUM *u = BN_CTX_get(bn), *v = BN_CTX_get(bn), *t = BN_CTX_get(bn);
    if (!t)
        return ACTR_ENOMEM;
    uint8_t y_le[32];
    memcpy(y_le, enc, 32);
    y_le[31] &= 0x7f;
    if (!BN_set_word(p, 19) || !BN_lshift(t, BN_value_one(), 255) || !BN_sub(p, t, p) ||
        !BN_hex2bn(&d, curve_d_hex) || !BN_lebin2bn(y_le, 32, y) || !BN_mod_sqr(t, y, p, bn) ||
        !BN_mod_sub(u, t, BN_value_one(), p, bn) || !BN_mod_mul(v, t, d, p, bn) ||
        !BN_mod_add(v, v, BN_value_one(), p, bn))
        return ACTR_EINTERNAL;
    if (BN_is_zero(u))
        return (enc[31] & 0x80) ? ACTR_EPARSE : 0;
    /* u/v is a square exactly when u*v is (they differ by the square v^2). */
    if (!BN_mod_mul(t, u, v, p, bn))
        return ACTR_EINTERNAL;
    int k = BN_kronecker(t, p, bn);
    if (k == -2)
        return ACTR_EINTERNAL;
    return k == 1 ? 0 : ACTR_EPARSE;
}

int actr_ed25519_point_decode_check(const uint8_t enc[32])
{
    if (!actr_ed25519_y_canonical(enc))
        return ACTR_EPARSE;
    BN_CTX *bn = BN_CTX_new();
    if (!bn)
        return ACTR_ENOMEM;
    BN_CTX_start(bn);
    int rc = decode_check_bn(enc, bn);
    BN_CTX_end(bn);
    BN_CTX_free(bn);
    return rc;
}
