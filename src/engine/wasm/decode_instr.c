/*
 * decode_instr.c - the byte-level reader: LEB128 (with the spec's "too long"/"too large"
 * rules), names (UTF-8 checked), value types, limits and one instruction with its immediates.
 * This is the syntax layer only; types are checked in validate*.c.
 */
#include "engine/wasm/reader.h"

#include <stdlib.h>

bool wasm_rd_fail(wasm_reader_t *r, const char *msg)
{
    wasm_fail(r->err, WASM_ERR_MALFORMED, "%s", msg);
    return false;
}

bool wasm_rd_leb(wasm_reader_t *r, unsigned bits, bool sign, uint64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0, maxbytes = (bits + 6) / 7;
    uint8_t b = 0;
    for (unsigned i = 0; i < maxbytes; i++) {
        if (r->p >= r->end)
            return wasm_rd_fail(r, "unexpected end");
        b = *r->p++;
        if (i == maxbytes - 1) {
            unsigned used = bits - shift; /* value bits carried by this last byte */
            if (b & 0x80)
                return wasm_rd_fail(r, "integer representation too long");
            uint8_t rest = (uint8_t)((b & 0x7f) >> used), mask = (uint8_t)((1u << (7 - used)) - 1);
            if (!sign && rest != 0)
                return wasm_rd_fail(r, "integer too large");
            if (sign && rest != (((b >> (used - 1)) & 1) ? mask : 0))
                return wasm_rd_fail(r, "integer too large");
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (sign && shift < 64 && (b & 0x40))
        result |= ~(uint64_t)0 << shift;
    *out = result;
    return true;
}

static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

bool wasm_rd_name(wasm_reader_t *r, char **out)
{
    uint32_t n;
    if (!wasm_rd_u32(r, &n))
        return false;
    if ((size_t)(r->end - r->p) < n)
        return wasm_rd_fail(r, "length out of bounds");
    if (!utf8_valid(r->p, n))
        return wasm_rd_fail(r, "malformed UTF-8 encoding");
    if (out) {
        if (memchr(r->p, 0, n))
            return wasm_rd_fail(r, "names with NUL bytes are not supported");
        char *s = malloc((size_t)n + 1);
        if (!s) {
            wasm_fail(r->err, WASM_ERR_NOMEM, "out of memory");
            return false;
        }
        memcpy(s, r->p, n);
        s[n] = 0;
        *out = s;
    }
    r->p += n;
    return true;
}

bool wasm_rd_valtype(wasm_reader_t *r, wasm_valtype_t *out)
{
    uint8_t b = 0;
    if (!wasm_rd_byte(r, &b))
        return false;
    switch (b) {
    case WASM_I32: case WASM_I64: case WASM_F32: case WASM_F64:
    case WASM_FUNCREF: case WASM_EXTERNREF:
        *out = (wasm_valtype_t)b;
        return true;
    case WASM_V128:
        return wasm_rd_fail(r, "SIMD (v128) is not supported");
    default:
        return wasm_rd_fail(r, "malformed value type");
    }
}

bool wasm_rd_reftype(wasm_reader_t *r, wasm_valtype_t *out)
{
    uint8_t b = 0;
    if (!wasm_rd_byte(r, &b))
        return false;
    if (b != WASM_FUNCREF && b != WASM_EXTERNREF)
        return wasm_rd_fail(r, "malformed reference type");
    *out = (wasm_valtype_t)b;
    return true;
}

bool wasm_rd_limits(wasm_reader_t *r, wasm_limits_range_t *out)
{
    uint8_t flag;
    if (!wasm_rd_byte(r, &flag))
        return false;
    if (flag > 1)
        return wasm_rd_fail(r, "integer too large"); /* the spec tests' wording for bad flags */
    out->has_max = flag == 1;
    out->max = 0;
    if (!wasm_rd_u32(r, &out->min))
        return false;
    return !out->has_max || wasm_rd_u32(r, &out->max);
}

static bool rd_memarg(wasm_reader_t *r, wasm_instr_t *in)
{
    return wasm_rd_u32(r, &in->a) && wasm_rd_u32(r, &in->b);
}

static bool rd_zero(wasm_reader_t *r)
{
    uint8_t b = 0;
    if (!wasm_rd_byte(r, &b))
        return false;
    return b == 0 || wasm_rd_fail(r, "zero byte expected");
}

static bool rd_fixed(wasm_reader_t *r, unsigned n, uint64_t *out)
{
    if ((size_t)(r->end - r->p) < n)
        return wasm_rd_fail(r, "unexpected end");
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += n;
    *out = v;
    return true;
}

static bool rd_blocktype(wasm_reader_t *r, wasm_instr_t *in)
{
    if (r->p >= r->end)
        return wasm_rd_fail(r, "unexpected end");
    uint8_t b = *r->p;
    if (b == 0x40) {
        r->p++;
        in->bt = WASM_BT_EMPTY;
        return true;
    }
    if (b & 0x40 && !(b & 0x80)) { /* a negative one-byte s33: a value type */
        wasm_valtype_t t = WASM_I32;
        if (!wasm_rd_valtype(r, &t))
            return false;
        in->bt = WASM_BT_VAL(t);
        return true;
    }
    uint64_t v;
    if (!wasm_rd_leb(r, 33, true, &v))
        return false;
    if ((int64_t)v < 0)
        return wasm_rd_fail(r, "malformed block type");
    in->bt = (int64_t)v;
    return true;
}

static bool rd_prefixed(wasm_reader_t *r, wasm_module_t *m, wasm_instr_t *in)
{
    uint32_t sub;
    if (!wasm_rd_u32(r, &sub))
        return false;
    in->op = 0xFC00u | sub;
    switch (sub) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
        return true;
    case 8: /* memory.init (without a data count section: see wasm_decode) */
        m->uses_data_idx |= !m->has_datacount;
        return wasm_rd_u32(r, &in->a) && rd_zero(r);
    case 9: /* data.drop */
        m->uses_data_idx |= !m->has_datacount;
        return wasm_rd_u32(r, &in->a);
    case 10: /* memory.copy */
        return rd_zero(r) && rd_zero(r);
    case 11: /* memory.fill */
        return rd_zero(r);
    case 12: case 14: /* table.init elem table / table.copy dst src */
        return wasm_rd_u32(r, &in->a) && wasm_rd_u32(r, &in->b);
    case 13: case 15: case 16: case 17:
        return wasm_rd_u32(r, &in->a);
    default:
        return wasm_rd_fail(r, "illegal opcode");
    }
}

bool wasm_rd_instr(wasm_reader_t *r, wasm_module_t *m, wasm_instr_t *in)
{
    uint8_t op;
    if (!wasm_rd_byte(r, &op))
        return false;
    in->op = op;
    switch (op) {
    case 0x00: case 0x01: case 0x05: case 0x0B: case 0x0F: case 0x1A: case 0x1B: case 0xD1:
        return true;
    case 0x02: case 0x03: case 0x04:
        return rd_blocktype(r, in);
    case 0x0C: case 0x0D: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
    case 0x25: case 0x26: case 0xD2:
        return wasm_rd_u32(r, &in->a);
    case 0x0E: {
        if (!wasm_rd_u32(r, &in->a))
            return false;
        in->table = r->p;
        for (uint64_t i = 0; i <= in->a; i++) {
            uint32_t l;
            if (!wasm_rd_u32(r, &l))
                return false;
        }
        return true;
    }
    case 0x11: /* call_indirect typeidx tableidx */
        return wasm_rd_u32(r, &in->a) && wasm_rd_u32(r, &in->b);
    case 0x1C:
        if (!wasm_rd_u32(r, &in->nsel))
            return false;
        if (in->nsel != 1)
            return wasm_fail(r->err, WASM_ERR_INVALID, "invalid result arity"), false;
        return wasm_rd_valtype(r, &in->selt);
    case 0x3F: case 0x40:
        return rd_zero(r);
    case 0x41:
        return wasm_rd_leb(r, 32, true, &in->imm);
    case 0x42:
        return wasm_rd_leb(r, 64, true, &in->imm);
    case 0x43:
        return rd_fixed(r, 4, &in->imm);
    case 0x44:
        return rd_fixed(r, 8, &in->imm);
    case 0xD0:
        return wasm_rd_reftype(r, &in->selt);
    case 0xFC:
        return rd_prefixed(r, m, in);
    case 0xFD:
        return wasm_rd_fail(r, "SIMD instructions are not supported");
    default:
        if (op >= 0x28 && op <= 0x3E)
            return rd_memarg(r, in);
        if (op >= 0x45 && op <= 0xC4)
            return true;
        return wasm_rd_fail(r, "illegal opcode");
    }
}

bool wasm_rd_expr_syntax(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t depth = 0;
    wasm_instr_t in;
    for (;;) {
        if (r->p >= r->end)
            return wasm_rd_fail(r, "unexpected end of section or function");
        if (!wasm_rd_instr(r, m, &in))
            return false;
        if (in.op == 0x02 || in.op == 0x03 || in.op == 0x04) {
            depth++;
        } else if (in.op == 0x0B) {
            if (depth == 0)
                return true;
            depth--;
        }
    }
}
