/*
 * ed25519_point.h - checks on Ed25519 encodings that OpenSSL's verifier does not make, so that
 * verification matches ed25519-dalek's verify_strict() (see ed25519_point.c for which ones).
 */
#ifndef ACTR_CRYPTO_ED25519_POINT_H
#define ACTR_CRYPTO_ED25519_POINT_H

#include <stdint.h>

/* 1 if the y coordinate (the low 255 bits) is below p = 2^255 - 19. */
int actr_ed25519_y_canonical(const uint8_t enc[32]);

/* 1 if enc encodes a point of order 1, 2, 4 or 8, with either sign bit, canonical or not. */
int actr_ed25519_small_order(const uint8_t enc[32]);

/* 1 if the little-endian scalar is below the group order L. */
int actr_ed25519_scalar_canonical(const uint8_t s[32]);

/* 0 if enc is a valid RFC 8032 point encoding, ACTR_EPARSE if not, ACTR_ENOMEM/EINTERNAL. */
int actr_ed25519_point_decode_check(const uint8_t enc[32]);

#endif /* ACTR_CRYPTO_ED25519_POINT_H */
