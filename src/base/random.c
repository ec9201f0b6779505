/* random.c - getrandom(2) with retry on interruption and short reads. */
#include "base/random.h"

#include <errno.h>
#include <stdint.h>
#include <sys/random.h>
#include <time.h>

#include "actr/error.h"

int actr_os_random(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        /* Requests above 256 bytes may return short; loop until filled. */
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ACTR_EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* splitmix64 finaliser: spreads the entropy of a weak fallback seed over all bits. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t actr_os_random_u64(void)
{
    uint64_t v;
    if (actr_os_random(&v, sizeof v) == 0)
        return v;
    /* Only for non-security uses (hash seeds still differ per map and per run). */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    static _Thread_local uint64_t counter;
    return mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uintptr_t)&v ^ ++counter);
}
