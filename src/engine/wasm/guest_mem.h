/*
 * guest_mem.h - bounds-checked access to a guest's linear memory for the host side (WASI,
 * host ABI, workload): spans checked with 64-bit arithmetic so ptr + len cannot wrap, and
 * little-endian integers (the wasm byte order) read and written byte by byte (no alignment).
 */
#ifndef ACTR_ENGINE_WASM_GUEST_MEM_H
#define ACTR_ENGINE_WASM_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

/* [ptr, ptr + len) of a memory of mem_len bytes, or NULL when any byte is outside it. */
static inline uint8_t *actr_wasm_span(uint8_t *mem, size_t mem_len, uint32_t ptr, uint64_t len)
{
    if (!mem || (uint64_t)ptr + len > (uint64_t)mem_len)
        return NULL;
    return mem + ptr;
}

static inline void actr_wasm_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void actr_wasm_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t actr_wasm_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
