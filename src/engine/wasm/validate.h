/*
 * validate.h - the function-body validator and the compiler it drives (one pass: every
 * instruction is type-checked and, when reachable, emitted as direct-threaded code). Shared by
 * validate.c (module checks, control frames, operand types), validate_ops.c (per-instruction
 * rules) and compile.c (code buffer, branch fix-ups, fuel points).
 */
#ifndef ACTR_ENGINE_WASM_VALIDATE_H
#define ACTR_ENGINE_WASM_VALIDATE_H

#include "engine/wasm/ops.h"
#include "engine/wasm/reader.h"

#define V_UNKNOWN 0 /* operand type of unreachable code (matches anything) */

enum { V_BLOCK, V_LOOP, V_IF, V_ELSE, V_FUNC };

typedef struct vctrl {
    uint8_t kind;
    bool unreachable;
    uint32_t nin, nout;
    const wasm_valtype_t *in, *out;
    uint32_t height;    /* operand stack height below the block's params */
    size_t loop_pc;     /* loop: index of its first cell */
    size_t br_chain;    /* forward branches to patch at `end`: cell index + 1, 0 = none */
    size_t else_fixup;  /* if: cell index + 1 of the BR_UNLESS target */
} vctrl_t;

typedef struct vctx {
    wasm_module_t *m;
    wasm_code_t *fn;
    wasm_error_t *err;
    uint8_t *vals;
    uint32_t nvals, vcap, max_height;
    vctrl_t *ctrls;
    uint32_t nctrls, ccap;
    /* code buffer */
    wasm_cell_t *code;
    size_t len, cap;
    size_t *relocs; /* cells holding a code index to turn into a pointer */
    size_t nrelocs, rcap;
    size_t fuel_cell;   /* index + 1 of the open fuel segment's count */
    uint64_t fuel_count;
    const void *const *labels;
    int last_op;    /* the last op emitted (for the peephole), -1 after a label */
    size_t last_at; /* its cell index */
    bool oom;
} vctx_t;

/* validate.c */
bool v_fail(vctx_t *c, const char *msg);
bool v_push(vctx_t *c, uint8_t t);
bool v_pop(vctx_t *c, uint8_t expect, uint8_t *got);
bool v_pop_vals(vctx_t *c, uint32_t n, const wasm_valtype_t *types);
bool v_push_vals(vctx_t *c, uint32_t n, const wasm_valtype_t *types);
bool v_block_type(vctx_t *c, int64_t bt, vctrl_t *f);
bool v_push_ctrl(vctx_t *c, uint8_t kind, const vctrl_t *type);
void v_set_unreachable(vctx_t *c);
bool v_const_expr(wasm_module_t *m, const wasm_const_t *e, wasm_valtype_t want,
                  wasm_error_t *err);

static inline vctrl_t *v_top(vctx_t *c)
{
    return &c->ctrls[c->nctrls - 1];
}

static inline bool v_live(vctx_t *c)
{
    return !v_top(c)->unreachable;
}

static inline uint32_t v_label_arity(const vctrl_t *f)
{
    return f->kind == V_LOOP ? f->nin : f->nout;
}

static inline const wasm_valtype_t *v_label_types(const vctrl_t *f)
{
    return f->kind == V_LOOP ? f->in : f->out;
}

/* validate_ops.c */
bool v_instr(vctx_t *c, wasm_reader_t *r, const wasm_instr_t *in);

/* compile.c */
void c_op(vctx_t *c, enum wasm_op op);
void c_numeric(vctx_t *c, enum wasm_op op);
void c_local_get(vctx_t *c, uint32_t index);
void c_br_unless(vctx_t *c, size_t *chain);
void c_imm(vctx_t *c, uint64_t v);
void c_ptr(vctx_t *c, const void *p);
void c_target(vctx_t *c, size_t index); /* a known code index (backward branch) */
void c_chain(vctx_t *c, size_t *chain); /* a forward branch added to a patch chain */
void c_patch_chain(vctx_t *c, size_t chain, size_t index);
void c_fuel_point(vctx_t *c, bool loop);
void c_branch(vctx_t *c, uint32_t depth);
void c_br_if(vctx_t *c, uint32_t depth);
bool c_finish(vctx_t *c);

#endif
