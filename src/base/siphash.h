/*
 * siphash.h - SipHash (Aumasson & Bernstein), a keyed hash for hash tables.
 *
 * With a secret random key an attacker cannot predict which inputs collide, so tables keyed by
 * request ids or other peer-chosen strings cannot be flooded into quadratic behaviour.
 * SipHash-1-3 is the fast variant used by hash tables (Rust's std, CPython, the Linux kernel);
 * SipHash-2-4 is the conservative original, here mainly to check the shared code against the
 * reference test vectors. Neither is a MAC for anything that needs one: use HMAC for that.
 */
#ifndef ACTR_BASE_SIPHASH_H
#define ACTR_BASE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define ACTR_SIPHASH_KEY_LEN 16

uint64_t actr_siphash13(const uint8_t key[ACTR_SIPHASH_KEY_LEN], const void *data, size_t len);
uint64_t actr_siphash24(const uint8_t key[ACTR_SIPHASH_KEY_LEN], const void *data, size_t len);

#endif /* ACTR_BASE_SIPHASH_H */
