/* random.c - CSPRNG output from OpenSSL's default DRBG (seeded from getrandom by OpenSSL). */
#include "actr/crypto.h"

#include <limits.h>
#include <openssl/rand.h>

int actr_random_bytes(void *out, size_t len)
{
    if (!out && len > 0)
        return ACTR_EINVAL;
    unsigned char *p = out;
    /* RAND_bytes takes an int length: feed larger requests in chunks. */
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        if (RAND_bytes(p, chunk) != 1)
            return ACTR_EINTERNAL;
        p += chunk;
        len -= (size_t)chunk;
    }
    return 0;
}
