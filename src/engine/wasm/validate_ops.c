/*
 * validate_ops.c - the typing rule of every instruction (WebAssembly 2.0 without SIMD) and its
 * lowering to internal code, emitted only while the code is reachable. Numeric instructions
 * share a signature table; the rest have a case each.
 */
#include "engine/wasm/validate.h"

#include <stdlib.h>

#define I32 ((uint8_t)WASM_I32)
#define I64 ((uint8_t)WASM_I64)
#define F32 ((uint8_t)WASM_F32)
#define F64 ((uint8_t)WASM_F64)
#define TRY(x)            \
    do {                  \
        if (!(x))         \
            return false; \
    } while (0)

static uint8_t type_of(char ch)
{
    switch (ch) {
    case 'i': return I32;
    case 'I': return I64;
    case 'f': return F32;
    default: return F64;
    }
}

/* Operand and result types of numeric opcode 0x45..0xC4: a, b (0 when unary), r. */
static void numeric_sig(uint32_t op, uint8_t *a, uint8_t *b, uint8_t *r)
{
    /* conversions 0xA7..0xC4: "from to" */
    static const char conv[] = "Ii" "fi" "fi" "Fi" "Fi" "iI" "iI" "fI" "fI" "FI" "FI" "if" "if"
                               "If" "If" "Ff" "iF" "iF" "IF" "IF" "fF" "fi" "FI" "if" "IF"
                               "ii" "ii" "II" "II" "II";
    static const struct { uint8_t lo, hi; char a, b, r; } ranges[] = {
        {0x45, 0x45, 'i', 0, 'i'},   {0x46, 0x4F, 'i', 'i', 'i'}, {0x50, 0x50, 'I', 0, 'i'},
        {0x51, 0x5A, 'I', 'I', 'i'}, {0x5B, 0x60, 'f', 'f', 'i'}, {0x61, 0x66, 'F', 'F', 'i'},
        {0x67, 0x69, 'i', 0, 'i'},   {0x6A, 0x78, 'i', 'i', 'i'}, {0x79, 0x7B, 'I', 0, 'I'},
        {0x7C, 0x8A, 'I', 'I', 'I'}, {0x8B, 0x91, 'f', 0, 'f'},   {0x92, 0x98, 'f', 'f', 'f'},
        {0x99, 0x9F, 'F', 0, 'F'},   {0xA0, 0xA6, 'F', 'F', 'F'},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        if (op >= ranges[i].lo && op <= ranges[i].hi) {
            *a = type_of(ranges[i].a);
            *b = ranges[i].b ? type_of(ranges[i].b) : 0;
            *r = type_of(ranges[i].r);
            return;
        }
    }
    *a = type_of(conv[(op - 0xA7) * 2]);
    *b = 0;
    *r = type_of(conv[(op - 0xA7) * 2 + 1]);
}

static bool numeric(vctx_t *c, uint32_t op)
{
    uint8_t a, b, r;
    enum wasm_op iop;
    if (op >= 0xFC00) { /* trunc_sat */
        static const char sat[] = "fifiFiFifIfIFIFI";
        uint32_t k = op & 0xff;
        a = type_of(sat[k * 2]);
        b = 0;
        r = type_of(sat[k * 2 + 1]);
        iop = (enum wasm_op)(WOP_SAT_FIRST + k);
    } else {
        numeric_sig(op, &a, &b, &r);
        iop = (enum wasm_op)(WOP_NUM_FIRST + (op - 0x45));
    }
    if (b)
        TRY(v_pop(c, b, NULL));
    TRY(v_pop(c, a, NULL));
    if (v_live(c))
        c_numeric(c, iop);
    return v_push(c, r);
}

static bool need_memory(vctx_t *c)
{
    return c->m->nmems > 0 || v_fail(c, "unknown memory");
}

static bool memory_access(vctx_t *c, const wasm_instr_t *in)
{
    /* natural alignment exponent, operand/result type, internal op */
    static const struct { uint8_t align; char t; bool store; enum wasm_op op; } acc[] = {
        {2, 'i', 0, WOP_LOAD32},     {3, 'I', 0, WOP_LOAD64},     {2, 'f', 0, WOP_LOAD32},
        {3, 'F', 0, WOP_LOAD64},     {0, 'i', 0, WOP_LOAD8_S32},  {0, 'i', 0, WOP_LOAD8_U},
        {1, 'i', 0, WOP_LOAD16_S32}, {1, 'i', 0, WOP_LOAD16_U},   {0, 'I', 0, WOP_LOAD8_S64},
        {0, 'I', 0, WOP_LOAD8_U},    {1, 'I', 0, WOP_LOAD16_S64}, {1, 'I', 0, WOP_LOAD16_U},
        {2, 'I', 0, WOP_LOAD32_S64}, {2, 'I', 0, WOP_LOAD32},     {2, 'i', 1, WOP_STORE32},
        {3, 'I', 1, WOP_STORE64},    {2, 'f', 1, WOP_STORE32},    {3, 'F', 1, WOP_STORE64},
        {0, 'i', 1, WOP_STORE8},     {1, 'i', 1, WOP_STORE16},    {0, 'I', 1, WOP_STORE8},
        {1, 'I', 1, WOP_STORE16},    {2, 'I', 1, WOP_STORE32},
    };
    const __typeof__(acc[0]) *a = &acc[in->op - 0x28];
    TRY(need_memory(c));
    if (in->a > a->align)
        return v_fail(c, "alignment must not be larger than natural");
    uint8_t t = type_of(a->t);
    if (a->store) {
        TRY(v_pop(c, t, NULL));
        TRY(v_pop(c, I32, NULL));
    } else {
        TRY(v_pop(c, I32, NULL));
        TRY(v_push(c, t));
    }
    if (v_live(c)) {
        c_op(c, a->op);
        c_imm(c, in->b);
    }
    return true;
}

static bool need_table(vctx_t *c, uint32_t t)
{
    return t < c->m->ntables || v_fail(c, "unknown table");
}

static bool pop3_i32(vctx_t *c)
{
    return v_pop(c, I32, NULL) && v_pop(c, I32, NULL) && v_pop(c, I32, NULL);
}

static void emit2(vctx_t *c, enum wasm_op op, uint64_t a, uint64_t b, int nimm)
{
    if (!v_live(c))
        return;
    c_op(c, op);
    if (nimm > 0)
        c_imm(c, a);
    if (nimm > 1)
        c_imm(c, b);
}

static bool prefixed(vctx_t *c, const wasm_instr_t *in)
{
    const wasm_module_t *m = c->m;
    uint32_t sub = in->op & 0xff;
    if (sub <= 7)
        return numeric(c, in->op);
    switch (sub) {
    case 8: /* memory.init */
        TRY(need_memory(c));
        if (in->a >= m->datacount)
            return v_fail(c, "unknown data segment");
        TRY(pop3_i32(c));
        emit2(c, WOP_MEMORY_INIT, in->a, 0, 1);
        return true;
    case 9:
        if (in->a >= m->datacount)
            return v_fail(c, "unknown data segment");
        emit2(c, WOP_DATA_DROP, in->a, 0, 1);
        return true;
    case 10: case 11:
        TRY(need_memory(c));
        TRY(pop3_i32(c));
        emit2(c, sub == 10 ? WOP_MEMORY_COPY : WOP_MEMORY_FILL, 0, 0, 0);
        return true;
    case 12: /* table.init elem table */
        TRY(need_table(c, in->b));
        if (in->a >= m->nelems)
            return v_fail(c, "unknown elem segment");
        if (m->elems[in->a].type != m->tables[in->b].elem)
            return v_fail(c, "type mismatch");
        TRY(pop3_i32(c));
        emit2(c, WOP_TABLE_INIT, in->a, in->b, 2);
        return true;
    case 13:
        if (in->a >= m->nelems)
            return v_fail(c, "unknown elem segment");
        emit2(c, WOP_ELEM_DROP, in->a, 0, 1);
        return true;
    case 14: /* table.copy dst src */
        TRY(need_table(c, in->a) && need_table(c, in->b));
        if (m->tables[in->a].elem != m->tables[in->b].elem)
            return v_fail(c, "type mismatch");
        TRY(pop3_i32(c));
        emit2(c, WOP_TABLE_COPY, in->a, in->b, 2);
        return true;
    case 15: /* table.grow */
        TRY(need_table(c, in->a));
        TRY(v_pop(c, I32, NULL) && v_pop(c, (uint8_t)m->tables[in->a].elem, NULL));
        emit2(c, WOP_TABLE_GROW, in->a, 0, 1);
        return v_push(c, I32);
    case 16:
        TRY(need_table(c, in->a));
        emit2(c, WOP_TABLE_SIZE, in->a, 0, 1);
        return v_push(c, I32);
    default: /* 17 table.fill */
        TRY(need_table(c, in->a));
        TRY(v_pop(c, I32, NULL) && v_pop(c, (uint8_t)m->tables[in->a].elem, NULL));
        TRY(v_pop(c, I32, NULL));
        emit2(c, WOP_TABLE_FILL, in->a, 0, 1);
        return true;
    }
}

static bool need_label(vctx_t *c, uint32_t depth)
{
    return depth < c->nctrls || v_fail(c, "unknown label");
}

static bool br_table(vctx_t *c, wasm_reader_t *r, const wasm_instr_t *in)
{
    TRY(v_pop(c, I32, NULL));
    wasm_reader_t t = {in->table, r->end, c->err};
    uint32_t n = in->a, deflt = 0;
    /* the default label fixes the arity; every label must accept the operands */
    wasm_reader_t d = t;
    for (uint32_t i = 0; i < n; i++)
        wasm_rd_u32(&d, &deflt);
    wasm_rd_u32(&d, &deflt);
    TRY(need_label(c, deflt));
    uint32_t arity = v_label_arity(&c->ctrls[c->nctrls - 1 - deflt]);
    bool live = v_live(c);
    size_t stubs = 0; /* chain of entries that branch to the function label (returns) */
    if (live) {
        c_op(c, WOP_BR_TABLE);
        c_imm(c, n);
    }
    for (uint32_t i = 0; i <= n; i++) {
        uint32_t l = 0;
        wasm_rd_u32(&t, &l);
        TRY(need_label(c, l));
        vctrl_t *f = &c->ctrls[c->nctrls - 1 - l];
        if (v_label_arity(f) != arity)
            return v_fail(c, "type mismatch");
        /* spec: push_vals(pop_vals(label types)) - in unreachable code this pins the types */
        const wasm_valtype_t *lt = v_label_types(f);
        uint8_t small[32], *got = arity <= 32 ? small : malloc(arity);
        if (!got) {
            c->oom = true;
            return false;
        }
        bool ok = true;
        for (uint32_t k = arity; ok && k-- > 0;)
            ok = v_pop(c, (uint8_t)lt[k], &got[k]);
        for (uint32_t k = 0; ok && k < arity; k++)
            ok = v_push(c, got[k]);
        if (got != small)
            free(got);
        TRY(ok);
        if (live) {
            uint32_t dst = c->fn->nlocals + f->height;
            if (f->kind == V_FUNC) {
                c_chain(c, &stubs);
                dst = c->fn->nlocals + c->nvals - arity;
            } else if (f->kind == V_LOOP) {
                c_target(c, f->loop_pc);
            } else {
                c_chain(c, &f->br_chain);
            }
            c_imm(c, dst);
            c_imm(c, arity);
        }
    }
    if (live && stubs) {
        c_patch_chain(c, stubs, c->len);
        c_op(c, WOP_RETURN);
        c_imm(c, arity);
    }
    vctrl_t *df = &c->ctrls[c->nctrls - 1 - deflt];
    TRY(v_pop_vals(c, arity, v_label_types(df)));
    v_set_unreachable(c);
    return true;
}

static bool call_type(vctx_t *c, const wasm_functype_t *t)
{
    TRY(v_pop_vals(c, t->param_count, t->params));
    return v_push_vals(c, t->result_count, t->results);
}

static bool control(vctx_t *c, wasm_reader_t *r, const wasm_instr_t *in)
{
    const wasm_module_t *m = c->m;
    vctrl_t bt;
    switch (in->op) {
    case 0x00:
        emit2(c, WOP_UNREACHABLE, 0, 0, 0);
        v_set_unreachable(c);
        return true;
    case 0x01:
        return true;
    case 0x02: case 0x03: /* block, loop */
        TRY(v_block_type(c, in->bt, &bt));
        TRY(v_pop_vals(c, bt.nin, bt.in));
        TRY(v_push_ctrl(c, in->op == 0x02 ? V_BLOCK : V_LOOP, &bt));
        if (in->op == 0x03) {
            v_top(c)->loop_pc = c->len;
            c_fuel_point(c, true);
        }
        return true;
    case 0x04: { /* if */
        TRY(v_block_type(c, in->bt, &bt));
        TRY(v_pop(c, I32, NULL));
        TRY(v_pop_vals(c, bt.nin, bt.in));
        bool live = v_live(c);
        size_t fix = 0;
        if (live)
            c_br_unless(c, &fix);
        TRY(v_push_ctrl(c, V_IF, &bt));
        v_top(c)->else_fixup = fix;
        return true;
    }
    case 0x05: { /* else */
        vctrl_t *f = v_top(c);
        if (f->kind != V_IF)
            return v_fail(c, "else without matching if");
        TRY(v_pop_vals(c, f->nout, f->out));
        if (c->nvals != f->height)
            return v_fail(c, "type mismatch");
        if (v_live(c)) {
            c_op(c, WOP_BR);
            c_chain(c, &f->br_chain);
        }
        c_patch_chain(c, f->else_fixup, c->len);
        f->else_fixup = 0;
        f->kind = V_ELSE;
        f->unreachable = false;
        return v_push_vals(c, f->nin, f->in);
    }
    case 0x0B: { /* end */
        vctrl_t *f = v_top(c);
        TRY(v_pop_vals(c, f->nout, f->out));
        if (c->nvals != f->height)
            return v_fail(c, "type mismatch");
        if (f->kind == V_IF && (f->nin != f->nout || (f->nin &&
                                memcmp(f->in, f->out, f->nin * sizeof *f->in) != 0)))
            return v_fail(c, "type mismatch");
        if (f->kind == V_FUNC) {
            if (v_live(c)) {
                c_op(c, WOP_RETURN);
                c_imm(c, f->nout);
            }
            c->nctrls--;
            return true;
        }
        c_patch_chain(c, f->br_chain, c->len);
        c_patch_chain(c, f->else_fixup, c->len);
        bool reached = !f->unreachable || f->br_chain || f->else_fixup;
        vctrl_t done = *f;
        c->nctrls--;
        TRY(v_push_vals(c, done.nout, done.out));
        if (reached && done.kind == V_LOOP)
            c_fuel_point(c, false); /* else code after the loop would be charged per turn */
        return true;
    }
    case 0x0C: /* br */
        TRY(need_label(c, in->a));
        if (v_live(c))
            c_branch(c, in->a);
        {
            vctrl_t *f = &c->ctrls[c->nctrls - 1 - in->a];
            TRY(v_pop_vals(c, v_label_arity(f), v_label_types(f)));
        }
        v_set_unreachable(c);
        return true;
    case 0x0D: { /* br_if */
        TRY(need_label(c, in->a));
        TRY(v_pop(c, I32, NULL));
        vctrl_t *f = &c->ctrls[c->nctrls - 1 - in->a];
        uint32_t n = v_label_arity(f);
        const wasm_valtype_t *lt = v_label_types(f);
        TRY(v_pop_vals(c, n, lt));
        TRY(v_push_vals(c, n, lt));
        if (v_live(c))
            c_br_if(c, in->a);
        return true;
    }
    case 0x0E:
        return br_table(c, r, in);
    case 0x0F: /* return */
        emit2(c, WOP_RETURN, c->ctrls[0].nout, 0, 1);
        TRY(v_pop_vals(c, c->ctrls[0].nout, c->ctrls[0].out));
        v_set_unreachable(c);
        return true;
    case 0x10: /* call */
        if (in->a >= m->nfuncs)
            return v_fail(c, "unknown function");
        TRY(call_type(c, &m->types[m->func_type[in->a]]));
        if (v_live(c)) {
            if (in->a < m->nfunc_imports) {
                c_op(c, WOP_CALL_IMPORT);
                c_imm(c, in->a);
            } else {
                c_op(c, WOP_CALL);
                c_ptr(c, &m->codes[in->a - m->nfunc_imports]);
            }
        }
        return true;
    default: /* 0x11 call_indirect */
        TRY(need_table(c, in->b));
        if (m->tables[in->b].elem != WASM_FUNCREF)
            return v_fail(c, "type mismatch");
        if (in->a >= m->ntypes)
            return v_fail(c, "unknown type");
        TRY(v_pop(c, I32, NULL));
        TRY(call_type(c, &m->types[in->a]));
        if (v_live(c)) {
            c_op(c, WOP_CALL_INDIRECT);
            c_ptr(c, &m->types[in->a]);
            c_imm(c, in->b);
        }
        return true;
    }
}

static bool variable(vctx_t *c, const wasm_instr_t *in)
{
    const wasm_module_t *m = c->m;
    uint8_t t;
    if (in->op <= 0x22) {
        if (in->a >= c->fn->nlocals)
            return v_fail(c, "unknown local");
        t = (uint8_t)c->fn->local_types[in->a];
        if (in->op != 0x20)
            TRY(v_pop(c, t, NULL));
        if (in->op != 0x21)
            TRY(v_push(c, t));
        if (in->op == 0x20) {
            if (v_live(c))
                c_local_get(c, in->a);
            return true;
        }
        emit2(c, in->op == 0x21 ? WOP_LOCAL_SET : WOP_LOCAL_TEE, in->a, 0, 1);
        return true;
    }
    if (in->a >= m->nglobals)
        return v_fail(c, "unknown global");
    t = (uint8_t)m->globals[in->a].type;
    if (in->op == 0x23) {
        emit2(c, WOP_GLOBAL_GET, in->a, 0, 1);
        return v_push(c, t);
    }
    if (!m->globals[in->a].mut)
        return v_fail(c, "global is immutable");
    TRY(v_pop(c, t, NULL));
    emit2(c, WOP_GLOBAL_SET, in->a, 0, 1);
    return true;
}

static bool parametric(vctx_t *c, const wasm_instr_t *in)
{
    uint8_t t1, t2;
    if (in->op == 0x1A) {
        TRY(v_pop(c, V_UNKNOWN, NULL));
        emit2(c, WOP_DROP, 0, 0, 0);
        return true;
    }
    TRY(v_pop(c, I32, NULL));
    if (in->op == 0x1C) {
        uint8_t t = (uint8_t)in->selt;
        TRY(v_pop(c, t, NULL) && v_pop(c, t, NULL));
        emit2(c, WOP_SELECT, 0, 0, 0);
        return v_push(c, t);
    }
    TRY(v_pop(c, V_UNKNOWN, &t1) && v_pop(c, V_UNKNOWN, &t2));
    if ((t1 != V_UNKNOWN && !wasm_is_num((wasm_valtype_t)t1)) ||
        (t2 != V_UNKNOWN && !wasm_is_num((wasm_valtype_t)t2)))
        return v_fail(c, "type mismatch");
    if (t1 != V_UNKNOWN && t2 != V_UNKNOWN && t1 != t2)
        return v_fail(c, "type mismatch");
    emit2(c, WOP_SELECT, 0, 0, 0);
    return v_push(c, t1 != V_UNKNOWN ? t1 : t2);
}

bool v_instr(vctx_t *c, wasm_reader_t *r, const wasm_instr_t *in)
{
    uint32_t op = in->op;
    if (op <= 0x11)
        return control(c, r, in);
    if (op == 0x1A || op == 0x1B || op == 0x1C)
        return parametric(c, in);
    if (op >= 0x20 && op <= 0x24)
        return variable(c, in);
    if (op >= 0x28 && op <= 0x3E)
        return memory_access(c, in);
    if (op >= 0x45 && op <= 0xC4)
        return numeric(c, op);
    if (op >= 0xFC00)
        return prefixed(c, in);
    const wasm_module_t *m = c->m;
    uint8_t t;
    switch (op) {
    case 0x25: case 0x26: /* table.get / table.set */
        TRY(need_table(c, in->a));
        t = (uint8_t)m->tables[in->a].elem;
        if (op == 0x25) {
            TRY(v_pop(c, I32, NULL));
            emit2(c, WOP_TABLE_GET, in->a, 0, 1);
            return v_push(c, t);
        }
        TRY(v_pop(c, t, NULL) && v_pop(c, I32, NULL));
        emit2(c, WOP_TABLE_SET, in->a, 0, 1);
        return true;
    case 0x3F:
        TRY(need_memory(c));
        emit2(c, WOP_MEMORY_SIZE, 0, 0, 0);
        return v_push(c, I32);
    case 0x40:
        TRY(need_memory(c));
        TRY(v_pop(c, I32, NULL));
        emit2(c, WOP_MEMORY_GROW, 0, 0, 0);
        return v_push(c, I32);
    case 0x41: case 0x42: case 0x43: case 0x44:
        emit2(c, WOP_CONST, in->imm, 0, 1);
        return v_push(c, op == 0x41 ? I32 : op == 0x42 ? I64 : op == 0x43 ? F32 : F64);
    case 0xD0:
        emit2(c, WOP_CONST, 0, 0, 1);
        return v_push(c, (uint8_t)in->selt);
    case 0xD1:
        TRY(v_pop(c, V_UNKNOWN, &t));
        if (t != V_UNKNOWN && !wasm_is_ref((wasm_valtype_t)t))
            return v_fail(c, "type mismatch");
        emit2(c, WOP_REF_IS_NULL, 0, 0, 0);
        return v_push(c, I32);
    case 0xD2:
        if (in->a >= m->nfuncs)
            return v_fail(c, "unknown function");
        if (!m->func_declared[in->a])
            return v_fail(c, "undeclared function reference");
        emit2(c, WOP_REF_FUNC, in->a, 0, 1);
        return v_push(c, (uint8_t)WASM_FUNCREF);
    default:
        return v_fail(c, "illegal opcode");
    }
}
