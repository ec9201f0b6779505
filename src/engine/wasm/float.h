/*
 * float.h - WebAssembly's floating-point rules on raw bits: min/max (NaN and signed zeros),
 * nearest (round half to even), checked truncation (trap kinds) and saturating truncation.
 * Values travel as bits so NaN payloads are never touched by x87 or by the C library.
 */
#ifndef ACTR_ENGINE_WASM_FLOAT_H
#define ACTR_ENGINE_WASM_FLOAT_H

#include <stdint.h>
#include <string.h>

static inline float wf32(uint64_t bits)
{
    uint32_t b = (uint32_t)bits;
    float f;
    memcpy(&f, &b, 4);
    return f;
}

static inline double wf64(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

static inline uint64_t wb32(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

static inline uint64_t wb64(double d)
{
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

uint32_t wasm_f32_min(uint32_t a, uint32_t b);
uint32_t wasm_f32_max(uint32_t a, uint32_t b);
uint64_t wasm_f64_min(uint64_t a, uint64_t b);
uint64_t wasm_f64_max(uint64_t a, uint64_t b);
uint32_t wasm_f32_nearest(uint32_t a);
uint64_t wasm_f64_nearest(uint64_t a);
uint32_t wasm_f32_round(uint32_t a, int mode); /* 0 ceil, 1 floor, 2 trunc */
uint64_t wasm_f64_round(uint64_t a, int mode);
uint32_t wasm_f32_sqrt(uint32_t a);
uint64_t wasm_f64_sqrt(uint64_t a);

/* Truncation: returns NULL and sets *out, or the trap message. `op` is the internal conversion:
 * 0 i32.trunc_f32_s, 1 i32.trunc_f32_u, 2 i32.trunc_f64_s, 3 i32.trunc_f64_u, 4..7 the same to
 * i64. */
const char *wasm_trunc(int op, uint64_t bits, uint64_t *out);
/* The saturating forms (same numbering) never trap. */
uint64_t wasm_trunc_sat(int op, uint64_t bits);

#endif
