/* sieve.c - sieve of Eratosthenes up to 2,000,000, 2 rounds: byte loads/stores, loops. */
#include "kernel.h"

#define SIEVE_N 2000000
#define SIEVE_ROUNDS 2

static uint8_t composite[SIEVE_N + 1];

KERNEL_EXPORT("sieve_run") int32_t sieve_run(void)
{
    int32_t count = 0;
    for (int round = 0; round < SIEVE_ROUNDS; round++) {
        for (int32_t i = 0; i <= SIEVE_N; i++)
            composite[i] = 0;
        count = 0;
        for (int32_t i = 2; i <= SIEVE_N; i++) {
            if (composite[i])
                continue;
            count++;
            for (int64_t j = (int64_t)i * i; j <= SIEVE_N; j += i)
                composite[j] = 1;
        }
    }
    return count; /* 148933 primes below 2,000,000 */
}
