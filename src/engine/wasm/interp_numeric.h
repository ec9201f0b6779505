/*
 * interp_numeric.h - the numeric handlers of interp.c (comparisons, integer and float
 * arithmetic, conversions, sign extension, saturating truncation). Included inside run() so
 * they share its computed-goto dispatch; not a standalone header. Integer arithmetic is done
 * on unsigned types (wrapping is defined), shifts mask their count, and the float rules that
 * differ from C go through float.c.
 */
/* clang-format off */
#define U32(x) ((uint32_t)(x))
#define S32(x) ((int32_t)(uint32_t)(x))
#define S64(x) ((int64_t)(x))
#define UN(name, T, GET, expr)                                               \
    L_##name: { T a = GET(sp[-1]); sp[-1] = (uint64_t)(expr); NEXT(); }
#define BIN(name, T, GET, expr)                                              \
    L_##name: { T b = GET(sp[-1]); T a = GET(sp[-2]); sp--; sp[-1] = (uint64_t)(expr); NEXT(); }
#define ID(x) (x)
/* the same operator with its right operand as an immediate (CONST k; OP fused) */
#define BIN_IMM(name, T, GET, expr)                                          \
    L_##name##_IMM: { T b = GET((pc++)->u64); T a = GET(sp[-1]); sp[-1] = (uint64_t)(expr); NEXT(); }
#define BIN2(name, T, GET, expr) BIN(name, T, GET, expr) BIN_IMM(name, T, GET, expr)

    UN(I32_EQZ, uint32_t, U32, a == 0)
    BIN2(I32_EQ, uint32_t, U32, a == b)
    BIN2(I32_NE, uint32_t, U32, a != b)
    BIN2(I32_LT_S, uint32_t, U32, S32(a) < S32(b))
    BIN2(I32_LT_U, uint32_t, U32, a < b)
    BIN2(I32_GT_S, uint32_t, U32, S32(a) > S32(b))
    BIN2(I32_GT_U, uint32_t, U32, a > b)
    BIN2(I32_LE_S, uint32_t, U32, S32(a) <= S32(b))
    BIN2(I32_LE_U, uint32_t, U32, a <= b)
    BIN2(I32_GE_S, uint32_t, U32, S32(a) >= S32(b))
    BIN2(I32_GE_U, uint32_t, U32, a >= b)
    UN(I64_EQZ, uint64_t, ID, a == 0)
    BIN(I64_EQ, uint64_t, ID, a == b)
    BIN(I64_NE, uint64_t, ID, a != b)
    BIN(I64_LT_S, uint64_t, ID, S64(a) < S64(b))
    BIN(I64_LT_U, uint64_t, ID, a < b)
    BIN(I64_GT_S, uint64_t, ID, S64(a) > S64(b))
    BIN(I64_GT_U, uint64_t, ID, a > b)
    BIN(I64_LE_S, uint64_t, ID, S64(a) <= S64(b))
    BIN(I64_LE_U, uint64_t, ID, a <= b)
    BIN(I64_GE_S, uint64_t, ID, S64(a) >= S64(b))
    BIN(I64_GE_U, uint64_t, ID, a >= b)
    BIN(F32_EQ, float, wf32, a == b)
    BIN(F32_NE, float, wf32, a != b)
    BIN(F32_LT, float, wf32, a < b)
    BIN(F32_GT, float, wf32, a > b)
    BIN(F32_LE, float, wf32, a <= b)
    BIN(F32_GE, float, wf32, a >= b)
    BIN(F64_EQ, double, wf64, a == b)
    BIN(F64_NE, double, wf64, a != b)
    BIN(F64_LT, double, wf64, a < b)
    BIN(F64_GT, double, wf64, a > b)
    BIN(F64_LE, double, wf64, a <= b)
    BIN(F64_GE, double, wf64, a >= b)

    UN(I32_CLZ, uint32_t, U32, a ? __builtin_clz(a) : 32)
    UN(I32_CTZ, uint32_t, U32, a ? __builtin_ctz(a) : 32)
    UN(I32_POPCNT, uint32_t, U32, __builtin_popcount(a))
    BIN2(I32_ADD, uint32_t, U32, U32(a + b))
    BIN2(I32_SUB, uint32_t, U32, U32(a - b))
    BIN2(I32_MUL, uint32_t, U32, U32(a * b))
L_I32_DIV_S: {
    uint32_t b = U32(sp[-1]), a = U32(sp[-2]);
    if (b == 0)
        TRAP("integer divide by zero");
    if (a == 0x80000000u && b == 0xffffffffu)
        TRAP("integer overflow");
    sp--;
    sp[-1] = U32(S32(a) / S32(b));
    NEXT();
}
L_I32_DIV_U: {
    uint32_t b = U32(sp[-1]), a = U32(sp[-2]);
    if (b == 0)
        TRAP("integer divide by zero");
    sp--;
    sp[-1] = a / b;
    NEXT();
}
L_I32_REM_S: {
    uint32_t b = U32(sp[-1]), a = U32(sp[-2]);
    if (b == 0)
        TRAP("integer divide by zero");
    sp--;
    sp[-1] = b == 0xffffffffu ? 0 : U32(S32(a) % S32(b));
    NEXT();
}
L_I32_REM_U: {
    uint32_t b = U32(sp[-1]), a = U32(sp[-2]);
    if (b == 0)
        TRAP("integer divide by zero");
    sp--;
    sp[-1] = a % b;
    NEXT();
}
    BIN2(I32_AND, uint32_t, U32, a & b)
    BIN2(I32_OR, uint32_t, U32, a | b)
    BIN2(I32_XOR, uint32_t, U32, a ^ b)
    BIN2(I32_SHL, uint32_t, U32, U32(a << (b & 31)))
    BIN2(I32_SHR_S, uint32_t, U32, U32(S32(a) >> (b & 31)))
    BIN2(I32_SHR_U, uint32_t, U32, a >> (b & 31))
    BIN(I32_ROTL, uint32_t, U32, U32((a << (b & 31)) | (a >> ((32 - (b & 31)) & 31))))
    BIN(I32_ROTR, uint32_t, U32, U32((a >> (b & 31)) | (a << ((32 - (b & 31)) & 31))))

    UN(I64_CLZ, uint64_t, ID, a ? __builtin_clzll(a) : 64)
    UN(I64_CTZ, uint64_t, ID, a ? __builtin_ctzll(a) : 64)
    UN(I64_POPCNT, uint64_t, ID, __builtin_popcountll(a))
    BIN2(I64_ADD, uint64_t, ID, a + b)
    BIN2(I64_SUB, uint64_t, ID, a - b)
    BIN(I64_MUL, uint64_t, ID, a * b)
L_I64_DIV_S: {
    uint64_t b = sp[-1], a = sp[-2];
    if (b == 0)
        TRAP("integer divide by zero");
    if (a == 0x8000000000000000ull && b == ~0ull)
        TRAP("integer overflow");
    sp--;
    sp[-1] = (uint64_t)(S64(a) / S64(b));
    NEXT();
}
L_I64_DIV_U: {
    uint64_t b = sp[-1], a = sp[-2];
    if (b == 0)
        TRAP("integer divide by zero");
    sp--;
    sp[-1] = a / b;
    NEXT();
}
L_I64_REM_S: {
    uint64_t b = sp[-1], a = sp[-2];
    if (b == 0)
        TRAP("integer divide by zero");
    sp--;
    sp[-1] = b == ~0ull ? 0 : (uint64_t)(S64(a) % S64(b));
    NEXT();
}
L_I64_REM_U: {
    uint64_t b = sp[-1], a = sp[-2];
    if (b == 0)
        TRAP("integer divide by zero");
    sp--;
    sp[-1] = a % b;
    NEXT();
}
    BIN2(I64_AND, uint64_t, ID, a & b)
    BIN(I64_OR, uint64_t, ID, a | b)
    BIN(I64_XOR, uint64_t, ID, a ^ b)
    BIN(I64_SHL, uint64_t, ID, a << (b & 63))
    BIN(I64_SHR_S, uint64_t, ID, (uint64_t)(S64(a) >> (b & 63)))
    BIN(I64_SHR_U, uint64_t, ID, a >> (b & 63))
    BIN(I64_ROTL, uint64_t, ID, (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)))
    BIN(I64_ROTR, uint64_t, ID, (a >> (b & 63)) | (a << ((64 - (b & 63)) & 63)))

    UN(F32_ABS, uint32_t, U32, a & 0x7fffffffu)
    UN(F32_NEG, uint32_t, U32, a ^ 0x80000000u)
    UN(F32_CEIL, uint32_t, U32, wasm_f32_round(a, 0))
    UN(F32_FLOOR, uint32_t, U32, wasm_f32_round(a, 1))
    UN(F32_TRUNC, uint32_t, U32, wasm_f32_round(a, 2))
    UN(F32_NEAREST, uint32_t, U32, wasm_f32_nearest(a))
    UN(F32_SQRT, uint32_t, U32, wasm_f32_sqrt(a))
    BIN(F32_ADD, float, wf32, wb32(a + b))
    BIN(F32_SUB, float, wf32, wb32(a - b))
    BIN(F32_MUL, float, wf32, wb32(a * b))
    BIN(F32_DIV, float, wf32, wb32(a / b))
    BIN(F32_MIN, uint32_t, U32, wasm_f32_min(a, b))
    BIN(F32_MAX, uint32_t, U32, wasm_f32_max(a, b))
    BIN(F32_COPYSIGN, uint32_t, U32, (a & 0x7fffffffu) | (b & 0x80000000u))
    UN(F64_ABS, uint64_t, ID, a & 0x7fffffffffffffffull)
    UN(F64_NEG, uint64_t, ID, a ^ 0x8000000000000000ull)
    UN(F64_CEIL, uint64_t, ID, wasm_f64_round(a, 0))
    UN(F64_FLOOR, uint64_t, ID, wasm_f64_round(a, 1))
    UN(F64_TRUNC, uint64_t, ID, wasm_f64_round(a, 2))
    UN(F64_NEAREST, uint64_t, ID, wasm_f64_nearest(a))
    UN(F64_SQRT, uint64_t, ID, wasm_f64_sqrt(a))
    BIN(F64_ADD, double, wf64, wb64(a + b))
    BIN(F64_SUB, double, wf64, wb64(a - b))
    BIN(F64_MUL, double, wf64, wb64(a * b))
    BIN(F64_DIV, double, wf64, wb64(a / b))
    BIN(F64_MIN, uint64_t, ID, wasm_f64_min(a, b))
    BIN(F64_MAX, uint64_t, ID, wasm_f64_max(a, b))
    BIN(F64_COPYSIGN, uint64_t, ID, (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))

    UN(I32_WRAP_I64, uint64_t, ID, U32(a))
#define TRUNC(name, k)                                                       \
    L_##name: {                                                              \
        uint64_t r_;                                                         \
        const char *msg_ = wasm_trunc(k, sp[-1], &r_);                       \
        if (msg_)                                                            \
            TRAP(msg_);                                                      \
        sp[-1] = r_;                                                         \
        NEXT();                                                              \
    }
    TRUNC(I32_TRUNC_F32_S, 0)
    TRUNC(I32_TRUNC_F32_U, 1)
    TRUNC(I32_TRUNC_F64_S, 2)
    TRUNC(I32_TRUNC_F64_U, 3)
    UN(I64_EXTEND_I32_S, uint64_t, ID, (uint64_t)(int64_t)S32(a))
    UN(I64_EXTEND_I32_U, uint64_t, ID, U32(a))
    TRUNC(I64_TRUNC_F32_S, 4)
    TRUNC(I64_TRUNC_F32_U, 5)
    TRUNC(I64_TRUNC_F64_S, 6)
    TRUNC(I64_TRUNC_F64_U, 7)
    UN(F32_CONVERT_I32_S, uint64_t, ID, wb32((float)S32(a)))
    UN(F32_CONVERT_I32_U, uint64_t, ID, wb32((float)U32(a)))
    UN(F32_CONVERT_I64_S, uint64_t, ID, wb32((float)S64(a)))
    UN(F32_CONVERT_I64_U, uint64_t, ID, wb32((float)a))
    UN(F32_DEMOTE_F64, double, wf64, wb32((float)a))
    UN(F64_CONVERT_I32_S, uint64_t, ID, wb64((double)S32(a)))
    UN(F64_CONVERT_I32_U, uint64_t, ID, wb64((double)U32(a)))
    UN(F64_CONVERT_I64_S, uint64_t, ID, wb64((double)S64(a)))
    UN(F64_CONVERT_I64_U, uint64_t, ID, wb64((double)a))
    UN(F64_PROMOTE_F32, float, wf32, wb64((double)a))
L_I32_REINTERPRET_F32:
L_I64_REINTERPRET_F64:
L_F32_REINTERPRET_I32:
L_F64_REINTERPRET_I64:
    NEXT(); /* the bits already are the value */
    UN(I32_EXTEND8_S, uint64_t, ID, U32((int32_t)(int8_t)a))
    UN(I32_EXTEND16_S, uint64_t, ID, U32((int32_t)(int16_t)a))
    UN(I64_EXTEND8_S, uint64_t, ID, (uint64_t)(int64_t)(int8_t)a)
    UN(I64_EXTEND16_S, uint64_t, ID, (uint64_t)(int64_t)(int16_t)a)
    UN(I64_EXTEND32_S, uint64_t, ID, (uint64_t)(int64_t)(int32_t)a)
    UN(I32_TRUNC_SAT_F32_S, uint64_t, ID, wasm_trunc_sat(0, a))
    UN(I32_TRUNC_SAT_F32_U, uint64_t, ID, wasm_trunc_sat(1, a))
    UN(I32_TRUNC_SAT_F64_S, uint64_t, ID, wasm_trunc_sat(2, a))
    UN(I32_TRUNC_SAT_F64_U, uint64_t, ID, wasm_trunc_sat(3, a))
    UN(I64_TRUNC_SAT_F32_S, uint64_t, ID, wasm_trunc_sat(4, a))
    UN(I64_TRUNC_SAT_F32_U, uint64_t, ID, wasm_trunc_sat(5, a))
    UN(I64_TRUNC_SAT_F64_S, uint64_t, ID, wasm_trunc_sat(6, a))
    UN(I64_TRUNC_SAT_F64_U, uint64_t, ID, wasm_trunc_sat(7, a))
#undef UN
#undef BIN
#undef BIN2
#undef BIN_IMM
#undef ID
#undef TRUNC
#undef U32
#undef S32
#undef S64
/* clang-format on */
