/* request_id.c - per-thread blocks of a global counter, formatted as UUID v4 on demand. */
#include "lifecycle/request_id.h"

#include <stdatomic.h>

#define BLOCK 4096u

static _Atomic uint64_t g_next = 1;
static _Thread_local uint64_t tl_next, tl_end;

uint64_t actr_request_id_next(void)
{
    if (tl_next == tl_end) {
        tl_next = atomic_fetch_add_explicit(&g_next, BLOCK, memory_order_relaxed);
        tl_end = tl_next + BLOCK;
    }
    return tl_next++;
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void actr_request_id_format(uint64_t n, const uint64_t key[2], char out[ACTR_UUID_STR_LEN + 1])
{
    uint64_t hi = mix64(n ^ key[0]);
    uint64_t lo = mix64(n + key[1]);
    actr_uuid_t u;
    for (int i = 0; i < 8; i++) {
        u.bytes[i] = (uint8_t)(hi >> (56 - 8 * i));
        u.bytes[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
    }
    u.bytes[6] = (uint8_t)((u.bytes[6] & 0x0f) | 0x40); /* version 4 */
    u.bytes[8] = (uint8_t)((u.bytes[8] & 0x3f) | 0x80); /* variant 10xx */
    actr_uuid_format(&u, out);
}
