/*
 * base64.h - RFC 4648 base64, standard and URL-safe alphabets, with or without padding.
 *
 * The protocol uses standard padded base64 for keys and TURN passwords and URL-safe unpadded
 * base64 for realm secrets. Decoding is strict, like the reference's `base64` crate: no
 * whitespace, padding exactly as the variant demands, and non-zero trailing bits are rejected so
 * every value has one encoding.
 */
#ifndef ACTR_BASE_BASE64_H
#define ACTR_BASE_BASE64_H

#include <stddef.h>
#include <stdint.h>

typedef enum actr_b64_variant {
    ACTR_B64_STD = 0,   /* A-Z a-z 0-9 + /, '=' padding */
    ACTR_B64_STD_NOPAD, /* standard alphabet, no padding */
    ACTR_B64_URL,       /* A-Z a-z 0-9 - _, '=' padding */
    ACTR_B64_URL_NOPAD, /* URL-safe alphabet, no padding */
} actr_b64_variant_t;

/* Characters needed to encode n bytes, not counting the NUL. */
size_t actr_base64_encoded_len(size_t n, actr_b64_variant_t variant);

/* Upper bound of the bytes that decoding n characters yields. */
size_t actr_base64_decoded_max(size_t n);

/* Encodes len bytes into out (actr_base64_encoded_len + 1 bytes) and NUL-terminates it.
 * Returns the number of characters written. */
size_t actr_base64_encode(const uint8_t *in, size_t len, char *out, actr_b64_variant_t variant);

/*
 * Decodes len characters into out. Malformed input (a character outside the alphabet, wrong
 * padding, impossible length, non-zero trailing bits) gives ACTR_EPARSE; more output than out_cap
 * gives ACTR_ERANGE.
 */
int actr_base64_decode(const char *in, size_t len, uint8_t *out, size_t out_cap, size_t *out_len,
                       actr_b64_variant_t variant);

#endif /* ACTR_BASE_BASE64_H */
