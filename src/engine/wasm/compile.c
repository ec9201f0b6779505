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
    if (reserve(c, 1))
        c->code[c->len++].op = c->labels[op];
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
    if (plain) {
        c_op(c, WOP_BR_IF);
        if (f->kind == V_LOOP)
            c_target(c, f->loop_pc);
        else
            c_chain(c, &f->br_chain);
        return;
    }
    size_t skip = 0;
    c_op(c, WOP_BR_UNLESS);
    c_chain(c, &skip);
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
