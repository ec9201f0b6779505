/*
 * reader.h - bounds-checked reading of the WebAssembly binary format (bytes, LEB128 with the
 * spec's length and range rules, names) and the decoded form of one instruction. Every failure
 * is a "malformed" error with the spec's wording where it has one.
 */
#ifndef ACTR_ENGINE_WASM_READER_H
#define ACTR_ENGINE_WASM_READER_H

#include "engine/wasm/wasm_int.h"

typedef struct wasm_reader {
    const uint8_t *p, *end;
    wasm_error_t *err;
} wasm_reader_t;

bool wasm_rd_fail(wasm_reader_t *r, const char *msg);
bool wasm_rd_leb(wasm_reader_t *r, unsigned bits, bool sign, uint64_t *out);

static inline bool wasm_rd_byte(wasm_reader_t *r, uint8_t *out)
{
    if (r->p >= r->end)
        return wasm_rd_fail(r, "unexpected end");
    *out = *r->p++;
    return true;
}

static inline bool wasm_rd_u32(wasm_reader_t *r, uint32_t *out)
{
    uint64_t v;
    if (!wasm_rd_leb(r, 32, false, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Reads a name (vec of UTF-8 bytes); *out is a NUL-terminated copy (malloc'd) when out != NULL. */
bool wasm_rd_name(wasm_reader_t *r, char **out);
bool wasm_rd_valtype(wasm_reader_t *r, wasm_valtype_t *out);
bool wasm_rd_reftype(wasm_reader_t *r, wasm_valtype_t *out);
bool wasm_rd_limits(wasm_reader_t *r, wasm_limits_range_t *out);

/* One decoded instruction. op is the first byte, or 0xFC00 | sub-opcode for the 0xFC prefix. */
typedef struct wasm_instr {
    uint32_t op;
    uint32_t a, b;        /* indices; memarg: a = align exponent, b = offset */
    uint64_t imm;         /* i32/i64/f32/f64 constant bits */
    int64_t bt;           /* block type: -1 empty, -2-... never; >= 0 type index; or 0x100|valtype */
    const uint8_t *table; /* br_table: first target LEB; a = target count (default follows) */
    wasm_valtype_t selt;  /* typed select / ref.null type */
    uint32_t nsel;        /* typed select: number of types (must be 1) */
} wasm_instr_t;

#define WASM_BT_EMPTY (-1)
#define WASM_BT_VAL(t) (0x100 | (int64_t)(t))

/* Decodes one instruction and its immediates (syntax only). */
bool wasm_rd_instr(wasm_reader_t *r, wasm_module_t *m, wasm_instr_t *out);

/* Checks the syntax of an expression up to its final `end`; *end_out is just past it. */
bool wasm_rd_expr_syntax(wasm_reader_t *r, wasm_module_t *m);

#endif
