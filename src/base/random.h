/*
 * random.h - operating-system randomness for the base layer (getrandom(2)).
 *
 * For seeds, ids and jitter. Key material goes through the crypto provider instead.
 */
#ifndef ACTR_BASE_RANDOM_H
#define ACTR_BASE_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with len random bytes from the kernel. Returns 0 or ACTR_EIO. */
int actr_os_random(void *buf, size_t len);

/* One random 64-bit value; falls back to a time/address mix if the kernel refuses. */
uint64_t actr_os_random_u64(void);

#endif /* ACTR_BASE_RANDOM_H */
