/*
 * float.c - floating-point operations whose WebAssembly semantics differ from plain C:
 * min/max (NaN propagation, -0 < +0), nearest (ties to even), rounding with quiet NaNs, and
 * float-to-integer truncation with its two trap kinds, plus the saturating variants. Range
 * checks happen before any conversion so C's undefined behaviour is never reached.
 */
#include "engine/wasm/float.h"

#include <math.h>

#define F32_SIGN 0x80000000u
#define F32_QUIET 0x00400000u
#define F64_SIGN 0x8000000000000000ull
#define F64_QUIET 0x0008000000000000ull

static int f32_isnan(uint32_t a)
{
    return (a & 0x7fffffffu) > 0x7f800000u;
}

static int f64_isnan(uint64_t a)
{
    return (a & ~F64_SIGN) > 0x7ff0000000000000ull;
}

uint32_t wasm_f32_min(uint32_t a, uint32_t b)
{
    if (f32_isnan(a))
        return a | F32_QUIET;
    if (f32_isnan(b))
        return b | F32_QUIET;
    float x = wf32(a), y = wf32(b);
    if (x == y) /* equal, or -0 and +0: the negative one */
        return a | b;
    return x < y ? a : b;
}

uint32_t wasm_f32_max(uint32_t a, uint32_t b)
{
    if (f32_isnan(a))
        return a | F32_QUIET;
    if (f32_isnan(b))
        return b | F32_QUIET;
    float x = wf32(a), y = wf32(b);
    if (x == y)
        return a & b;
    return x > y ? a : b;
}

uint64_t wasm_f64_min(uint64_t a, uint64_t b)
{
    if (f64_isnan(a))
        return a | F64_QUIET;
    if (f64_isnan(b))
        return b | F64_QUIET;
    double x = wf64(a), y = wf64(b);
    if (x == y)
        return a | b;
    return x < y ? a : b;
}

uint64_t wasm_f64_max(uint64_t a, uint64_t b)
{
    if (f64_isnan(a))
        return a | F64_QUIET;
    if (f64_isnan(b))
        return b | F64_QUIET;
    double x = wf64(a), y = wf64(b);
    if (x == y)
        return a & b;
    return x > y ? a : b;
}

/* nearbyint rounds ties to even in the default rounding mode, which the engine never changes. */
uint32_t wasm_f32_nearest(uint32_t a)
{
    if (f32_isnan(a))
        return a | F32_QUIET;
    return (uint32_t)wb32(nearbyintf(wf32(a)));
}

uint64_t wasm_f64_nearest(uint64_t a)
{
    if (f64_isnan(a))
        return a | F64_QUIET;
    return wb64(nearbyint(wf64(a)));
}

uint32_t wasm_f32_round(uint32_t a, int mode)
{
    if (f32_isnan(a))
        return a | F32_QUIET;
    float x = wf32(a);
    return (uint32_t)wb32(mode == 0 ? ceilf(x) : mode == 1 ? floorf(x) : truncf(x));
}

uint64_t wasm_f64_round(uint64_t a, int mode)
{
    if (f64_isnan(a))
        return a | F64_QUIET;
    double x = wf64(a);
    return wb64(mode == 0 ? ceil(x) : mode == 1 ? floor(x) : trunc(x));
}

uint32_t wasm_f32_sqrt(uint32_t a)
{
    if (f32_isnan(a))
        return a | F32_QUIET;
    return (uint32_t)wb32(sqrtf(wf32(a)));
}

uint64_t wasm_f64_sqrt(uint64_t a)
{
    if (f64_isnan(a))
        return a | F64_QUIET;
    return wb64(sqrt(wf64(a)));
}

/* The exclusive bounds of each truncation, as doubles (exact for every case here). */
static const double lo_bound[8] = {-2147483649.0, -1.0, -2147483649.0, -1.0,
                                   -9223372036854777856.0, -1.0, -9223372036854777856.0, -1.0};
static const double hi_bound[8] = {2147483648.0, 4294967296.0, 2147483648.0, 4294967296.0,
                                   9223372036854775808.0, 18446744073709551616.0,
                                   9223372036854775808.0, 18446744073709551616.0};

static double source(int op, uint64_t bits, int *nan)
{
    if (op & 2) { /* from f64 */
        *nan = f64_isnan(bits);
        return wf64(bits);
    }
    *nan = f32_isnan((uint32_t)bits);
    return (double)wf32(bits);
}

static uint64_t convert(int op, double x)
{
    double t = trunc(x);
    switch (op) {
    case 0: case 2: return (uint32_t)(int32_t)t;
    case 1: case 3: return (uint32_t)t;
    case 4: case 6: return (uint64_t)(int64_t)t;
    default: return (uint64_t)t;
    }
}

const char *wasm_trunc(int op, uint64_t bits, uint64_t *out)
{
    int nan;
    double x = source(op, bits, &nan);
    if (nan)
        return "invalid conversion to integer";
    /* -2^63 itself is in range for the signed i64 cases: the bound above is the next double
     * below it, so `x > lo` accepts it. */
    if (!(x > lo_bound[op] && x < hi_bound[op]))
        return "integer overflow";
    *out = convert(op, x);
    return NULL;
}

uint64_t wasm_trunc_sat(int op, uint64_t bits)
{
    static const uint64_t min_of[8] = {0x80000000u, 0, 0x80000000u, 0,
                                       0x8000000000000000ull, 0, 0x8000000000000000ull, 0};
    static const uint64_t max_of[8] = {0x7fffffffu, 0xffffffffu, 0x7fffffffu, 0xffffffffu,
                                       0x7fffffffffffffffull, ~0ull, 0x7fffffffffffffffull,
                                       ~0ull};
    int nan;
    double x = source(op, bits, &nan);
    if (nan)
        return 0;
    if (!(x > lo_bound[op]))
        return min_of[op];
    if (!(x < hi_bound[op]))
        return max_of[op];
    return convert(op, x);
}
