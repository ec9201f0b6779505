/*
 * compile.c - the code buffer of the one-pass compiler: emits direct-threaded cells (handler
 * addresses from interp.c and immediates), records branch fix-ups (forward branches wait in a
 * chain threaded through their own cells until the block's `end` is reached), places fuel
 * points (each straight-line segment charges its instruction count once) and lowers branches
 * to "move the label's values down, then jump" using the statically known stack heights.
 */
#include "engine/wasm/validate.h"

#include <stdlib.h>

static bool reserve(vctx_t *c, size_t n)
{
    if (c->oom)
        return false;
    if (c->len + n <= c->cap)
        return true;
    size_t cap = c->cap ? c->cap * 2 : 256;
    while (cap < c->len + n)
        cap *= 2;
    wasm_cell_t *code = realloc(c->code, cap * sizeof *code);
    if (!code) {
        c->oom = true;
        return false;
    }
    c->code = code;
    c->cap = cap;
    return true;
}

static void add_reloc(vctx_t *c, size_t at)
{
    if (c->nrelocs == c->rcap) {
        size_t cap = c->rcap ? c->rcap * 2 : 64;
        size_t *r = realloc(c->relocs, cap * sizeof *r);
        if (!r) {
            c->oom = true;
            return;
        }
        c->relocs = r;
        c->rcap = cap;
    }
    c->relocs[c->nrelocs++] = at;
}

void c_op(vctx_t *c, enum wasm_op op)
{
    if (!reserve(c, 1))
        return;
    c->last_op = (int)op;
    c->last_at = c->len;
    c->code[c->len++].op = c->labels[op];
}

/* True when the previous instruction was `op` and nothing can jump between it and here. */
static bool last_is(vctx_t *c, enum wasm_op op, size_t cells)
{
    return !c->oom && c->last_op == (int)op && c->last_at + cells == c->len;
}

static void rewrite_last(vctx_t *c, enum wasm_op op)
{
    c->last_op = (int)op;
    c->code[c->last_at].op = c->labels[op];
}

static enum wasm_op imm_form(enum wasm_op op)
{
    switch (op) {
    case WOP_I32_ADD: return WOP_I32_ADD_IMM;
    case WOP_I32_SUB: return WOP_I32_SUB_IMM;
    case WOP_I32_MUL: return WOP_I32_MUL_IMM;
    case WOP_I32_AND: return WOP_I32_AND_IMM;
    case WOP_I32_OR: return WOP_I32_OR_IMM;
    case WOP_I32_XOR: return WOP_I32_XOR_IMM;
    case WOP_I32_SHL: return WOP_I32_SHL_IMM;
    case WOP_I32_SHR_S: return WOP_I32_SHR_S_IMM;
    case WOP_I32_SHR_U: return WOP_I32_SHR_U_IMM;
    case WOP_I32_EQ: return WOP_I32_EQ_IMM;
    case WOP_I32_NE: return WOP_I32_NE_IMM;
    case WOP_I32_LT_S: return WOP_I32_LT_S_IMM;
    case WOP_I32_LT_U: return WOP_I32_LT_U_IMM;
    case WOP_I32_GT_S: return WOP_I32_GT_S_IMM;
    case WOP_I32_GT_U: return WOP_I32_GT_U_IMM;
    case WOP_I32_LE_S: return WOP_I32_LE_S_IMM;
    case WOP_I32_LE_U: return WOP_I32_LE_U_IMM;
    case WOP_I32_GE_S: return WOP_I32_GE_S_IMM;
    case WOP_I32_GE_U: return WOP_I32_GE_U_IMM;
    case WOP_I64_ADD: return WOP_I64_ADD_IMM;
    case WOP_I64_SUB: return WOP_I64_SUB_IMM;
    case WOP_I64_AND: return WOP_I64_AND_IMM;
    default: return WOP_COUNT;
    }
}

void c_numeric(vctx_t *c, enum wasm_op op)
{
    enum wasm_op fused = imm_form(op);
    if (fused != WOP_COUNT && last_is(c, WOP_CONST, 2)) {
        rewrite_last(c, fused); /* CONST k; OP  ->  OP_IMM k */
        return;
    }
    c_op(c, op);
}

void c_local_get(vctx_t *c, uint32_t index)
{
    if (last_is(c, WOP_LOCAL_GET, 2)) {
        rewrite_last(c, WOP_LOCAL_GET2);
        c_imm(c, index);
        return;
    }
    c_op(c, WOP_LOCAL_GET);
    c_imm(c, index);
}

/* BR_UNLESS to a forward chain; `i32.eqz` right before it turns into BR_IF. */
void c_br_unless(vctx_t *c, size_t *chain)
{
    if (last_is(c, WOP_I32_EQZ, 1)) {
        c->len--;
        c_op(c, WOP_BR_IF);
    } else {
        c_op(c, WOP_BR_UNLESS);
    }
    c_chain(c, chain);
}

void c_imm(vctx_t *c, uint64_t v)
{
    if (reserve(c, 1))
        c->code[c->len++].u64 = v;
}

void c_ptr(vctx_t *c, const void *p)
{
    if (reserve(c, 1))
        c->code[c->len++].ptr = (void *)(uintptr_t)p;
}

void c_target(vctx_t *c, size_t index)
{
    if (!reserve(c, 1))
        return;
    add_reloc(c, c->len);
    c->code[c->len++].u64 = index;
}

void c_chain(vctx_t *c, size_t *chain)
{
    if (!reserve(c, 1))
        return;
    add_reloc(c, c->len);
    c->code[c->len].u64 = *chain;
    *chain = ++c->len;
}

void c_patch_chain(vctx_t *c, size_t chain, size_t index)
{
    if (chain && index == c->len)
        c->last_op = -1; /* a label: no fusion across it */
    while (chain && !c->oom) {
        size_t at = chain - 1;
        chain = (size_t)c->code[at].u64;
        c->code[at].u64 = index;
    }
}

void c_fuel_point(vctx_t *c, bool loop)
{
    if (!v_live(c) || c->oom)
        return;
    if (c->fuel_cell)
        c->code[c->fuel_cell - 1].u64 = c->fuel_count;
    c_op(c, loop ? WOP_FUEL_LOOP : WOP_FUEL);
    c_imm(c, 0);
    c->last_op = -1;
    c->fuel_cell = c->len;
    c->fuel_count = 0;
}

/* Moves the target label's values into place (when the stack holds more than the label's
 * height) and jumps. A branch to the function's own label is a return. */
void c_branch(vctx_t *c, uint32_t depth)
{
    vctrl_t *f = &c->ctrls[c->nctrls - 1 - depth];
    uint32_t arity = v_label_arity(f);
    if (f->kind == V_FUNC) {
        c_op(c, WOP_RETURN);
        c_imm(c, arity);
        return;
    }
    uint32_t dst = c->fn->nlocals + f->height, cur = c->fn->nlocals + c->nvals;
    if (cur - arity != dst) {
        c_op(c, WOP_DROP_KEEP);
        c_imm(c, dst);
        c_imm(c, arity);
    }
    c_op(c, WOP_BR);
    if (f->kind == V_LOOP)
        c_target(c, f->loop_pc);
    else
        c_chain(c, &f->br_chain);
}

void c_br_if(vctx_t *c, uint32_t depth)
{
    vctrl_t *f = &c->ctrls[c->nctrls - 1 - depth];
    uint32_t arity = v_label_arity(f);
    bool plain = f->kind != V_FUNC && c->nvals - arity == f->height;
    if (plain && f->kind != V_LOOP) {
        if (last_is(c, WOP_I32_EQZ, 1)) { /* i32.eqz; br_if  ->  BR_UNLESS */
            c->len--;
            c_op(c, WOP_BR_UNLESS);
        } else {
            c_op(c, WOP_BR_IF);
        }
        c_chain(c, &f->br_chain);
        return;
    }
    if (plain) {
        c_op(c, WOP_BR_IF);
        if (f->kind == V_LOOP)
            c_target(c, f->loop_pc);
        else
            c_chain(c, &f->br_chain);
        return;
    }
    size_t skip = 0;
    c_br_unless(c, &skip);
    c_branch(c, depth);
    c_patch_chain(c, skip, c->len);
}

bool c_finish(vctx_t *c)
{
    if (c->fuel_cell && !c->oom)
        c->code[c->fuel_cell - 1].u64 = c->fuel_count;
    if (c->oom)
        return false;
    for (size_t i = 0; i < c->nrelocs; i++) {
        size_t at = c->relocs[i];
        c->code[at].target = c->code + c->code[at].u64;
    }
    return true;
}
