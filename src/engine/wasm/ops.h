/*
 * ops.h - the internal opcodes of compiled code, as an X-macro so the enum (compile side) and the
 * handler address table (interp.c, computed goto) are generated from one list and cannot drift.
 * The numeric block mirrors WebAssembly opcodes 0x45..0xC4 in order, so
 * WOP_NUM_FIRST + (opcode - 0x45) is the internal op of a numeric instruction; the saturating
 * truncations (0xFC 0..7) follow in order.
 */
#ifndef ACTR_ENGINE_WASM_OPS_H
#define ACTR_ENGINE_WASM_OPS_H

#define WASM_CONTROL_OPS(X)                                                                   \
    X(UNREACHABLE) X(FUEL) X(FUEL_LOOP) X(BR) X(BR_IF) X(BR_UNLESS) X(BR_TABLE) X(DROP_KEEP)   \
    X(RETURN) X(CALL) X(CALL_IMPORT) X(CALL_INDIRECT) X(EXIT) X(DROP) X(SELECT)               \
    X(LOCAL_GET) X(LOCAL_SET) X(LOCAL_TEE) X(GLOBAL_GET) X(GLOBAL_SET) X(CONST)               \
    X(LOAD32) X(LOAD64) X(LOAD8_S32) X(LOAD8_S64) X(LOAD8_U) X(LOAD16_S32) X(LOAD16_S64)      \
    X(LOAD16_U) X(LOAD32_S64) X(STORE8) X(STORE16) X(STORE32) X(STORE64)                      \
    X(MEMORY_SIZE) X(MEMORY_GROW) X(MEMORY_INIT) X(DATA_DROP) X(MEMORY_COPY) X(MEMORY_FILL)   \
    X(TABLE_INIT) X(ELEM_DROP) X(TABLE_COPY) X(TABLE_GROW) X(TABLE_SIZE) X(TABLE_FILL)        \
    X(TABLE_GET) X(TABLE_SET) X(REF_IS_NULL) X(REF_FUNC)

#define WASM_NUMERIC_OPS(X)                                                                   \
    X(I32_EQZ) X(I32_EQ) X(I32_NE) X(I32_LT_S) X(I32_LT_U) X(I32_GT_S) X(I32_GT_U)            \
    X(I32_LE_S) X(I32_LE_U) X(I32_GE_S) X(I32_GE_U)                                           \
    X(I64_EQZ) X(I64_EQ) X(I64_NE) X(I64_LT_S) X(I64_LT_U) X(I64_GT_S) X(I64_GT_U)            \
    X(I64_LE_S) X(I64_LE_U) X(I64_GE_S) X(I64_GE_U)                                           \
    X(F32_EQ) X(F32_NE) X(F32_LT) X(F32_GT) X(F32_LE) X(F32_GE)                               \
    X(F64_EQ) X(F64_NE) X(F64_LT) X(F64_GT) X(F64_LE) X(F64_GE)                               \
    X(I32_CLZ) X(I32_CTZ) X(I32_POPCNT) X(I32_ADD) X(I32_SUB) X(I32_MUL) X(I32_DIV_S)         \
    X(I32_DIV_U) X(I32_REM_S) X(I32_REM_U) X(I32_AND) X(I32_OR) X(I32_XOR) X(I32_SHL)         \
    X(I32_SHR_S) X(I32_SHR_U) X(I32_ROTL) X(I32_ROTR)                                         \
    X(I64_CLZ) X(I64_CTZ) X(I64_POPCNT) X(I64_ADD) X(I64_SUB) X(I64_MUL) X(I64_DIV_S)         \
    X(I64_DIV_U) X(I64_REM_S) X(I64_REM_U) X(I64_AND) X(I64_OR) X(I64_XOR) X(I64_SHL)         \
    X(I64_SHR_S) X(I64_SHR_U) X(I64_ROTL) X(I64_ROTR)                                         \
    X(F32_ABS) X(F32_NEG) X(F32_CEIL) X(F32_FLOOR) X(F32_TRUNC) X(F32_NEAREST) X(F32_SQRT)    \
    X(F32_ADD) X(F32_SUB) X(F32_MUL) X(F32_DIV) X(F32_MIN) X(F32_MAX) X(F32_COPYSIGN)         \
    X(F64_ABS) X(F64_NEG) X(F64_CEIL) X(F64_FLOOR) X(F64_TRUNC) X(F64_NEAREST) X(F64_SQRT)    \
    X(F64_ADD) X(F64_SUB) X(F64_MUL) X(F64_DIV) X(F64_MIN) X(F64_MAX) X(F64_COPYSIGN)         \
    X(I32_WRAP_I64) X(I32_TRUNC_F32_S) X(I32_TRUNC_F32_U) X(I32_TRUNC_F64_S)                  \
    X(I32_TRUNC_F64_U) X(I64_EXTEND_I32_S) X(I64_EXTEND_I32_U) X(I64_TRUNC_F32_S)             \
    X(I64_TRUNC_F32_U) X(I64_TRUNC_F64_S) X(I64_TRUNC_F64_U) X(F32_CONVERT_I32_S)             \
    X(F32_CONVERT_I32_U) X(F32_CONVERT_I64_S) X(F32_CONVERT_I64_U) X(F32_DEMOTE_F64)          \
    X(F64_CONVERT_I32_S) X(F64_CONVERT_I32_U) X(F64_CONVERT_I64_S) X(F64_CONVERT_I64_U)       \
    X(F64_PROMOTE_F32) X(I32_REINTERPRET_F32) X(I64_REINTERPRET_F64) X(F32_REINTERPRET_I32)   \
    X(F64_REINTERPRET_I64) X(I32_EXTEND8_S) X(I32_EXTEND16_S) X(I64_EXTEND8_S)                \
    X(I64_EXTEND16_S) X(I64_EXTEND32_S)                                                       \
    X(I32_TRUNC_SAT_F32_S) X(I32_TRUNC_SAT_F32_U) X(I32_TRUNC_SAT_F64_S)                      \
    X(I32_TRUNC_SAT_F64_U) X(I64_TRUNC_SAT_F32_S) X(I64_TRUNC_SAT_F32_U)                      \
    X(I64_TRUNC_SAT_F64_S) X(I64_TRUNC_SAT_F64_U)

/* Superinstructions made by the compiler's peephole: a binary operator whose right operand is
 * the constant pushed just before it, and two consecutive local.get. */
#define WASM_FUSED_OPS(X)                                                                     \
    X(I32_ADD_IMM) X(I32_SUB_IMM) X(I32_MUL_IMM) X(I32_AND_IMM) X(I32_OR_IMM) X(I32_XOR_IMM)  \
    X(I32_SHL_IMM) X(I32_SHR_S_IMM) X(I32_SHR_U_IMM) X(I32_EQ_IMM) X(I32_NE_IMM)             \
    X(I32_LT_S_IMM) X(I32_LT_U_IMM) X(I32_GT_S_IMM) X(I32_GT_U_IMM) X(I32_LE_S_IMM)           \
    X(I32_LE_U_IMM) X(I32_GE_S_IMM) X(I32_GE_U_IMM) X(I64_ADD_IMM) X(I64_SUB_IMM)             \
    X(I64_AND_IMM) X(LOCAL_GET2)

#define WASM_ALL_OPS(X) WASM_CONTROL_OPS(X) WASM_NUMERIC_OPS(X) WASM_FUSED_OPS(X)

#define WASM_OP_ENUM(name) WOP_##name,
enum wasm_op { WASM_ALL_OPS(WASM_OP_ENUM) WOP_COUNT };
#undef WASM_OP_ENUM

#define WOP_NUM_FIRST WOP_I32_EQZ
#define WOP_SAT_FIRST WOP_I32_TRUNC_SAT_F32_S

#endif
