/*
 * interp.c - the interpreter: one non-recursive loop over direct-threaded code (computed goto,
 * `goto *pc->op`). Wasm calls push a frame on the store's frame stack instead of recursing on
 * the C stack, so call depth is bounded by max_call_depth and the operand stack by
 * max_stack_bytes, both checked on function entry. Registers: pc (next cell), sp (first free
 * operand slot), fp (local 0 of the current frame), mem/memsize (memory 0 of the current
 * instance, reloaded after anything that may grow or switch it) and the fuel counter.
 * The numeric handlers live in interp_numeric.h, included into the same function.
 */
#include "engine/wasm/float.h"
#include "engine/wasm/ops.h"
#include "engine/wasm/wasm_int.h"

#define NEXT() goto *(pc++)->op
#define TRAP(msg)       \
    do {                \
        trap_msg = msg; \
        goto trap;      \
    } while (0)

#define LOAD_MEM()                                \
    do {                                          \
        wasm_memory_t *m_ = inst->mem;            \
        mem = m_ ? m_->data : NULL;               \
        memsize = m_ ? m_->size : 0;              \
    } while (0)

/* Moves the top k operands down to DST (never above them) and makes them the top. */
#define MOVE_DOWN(DST, K)                                 \
    do {                                                  \
        uint64_t *d_ = (DST), *s_ = sp - (K);             \
        for (uint64_t i_ = 0; i_ < (K); i_++)             \
            d_[i_] = s_[i_];                              \
        sp = d_ + (K);                                    \
    } while (0)

/* Pushes a frame for `code` whose arguments are the top nparams slots, and jumps to it. */
#define ENTER(CODE, RET)                                                   \
    do {                                                                   \
        const wasm_code_t *c_ = (CODE);                                    \
        uint64_t *nfp = sp - c_->nparams;                                  \
        if (s->depth >= s->max_depth)                                      \
            goto exhausted;                                                \
        if (c_->frame_slots > (size_t)(s->stack_end - nfp))                \
            goto exhausted;                                                \
        wasm_frame_t *fr_ = &s->frames[s->depth++];                        \
        fr_->ret_pc = (RET);                                               \
        fr_->fp = fp;                                                      \
        fr_->inst = inst;                                                  \
        for (uint32_t i_ = c_->nparams; i_ < c_->nlocals; i_++)            \
            nfp[i_] = 0;                                                   \
        fp = nfp;                                                          \
        sp = nfp + c_->nlocals;                                            \
        pc = c_->code;                                                     \
    } while (0)

static wasm_result_t run(wasm_store_t *s, wasm_func_t *entry, wasm_error_t *err,
                         const void *const **labels_out)
{
#define LABEL_ADDR(name) &&L_##name,
    static const void *const labels[] = {WASM_ALL_OPS(LABEL_ADDR)};
#undef LABEL_ADDR
    if (labels_out) {
        *labels_out = labels;
        return WASM_OK;
    }
    uint32_t base_depth = s->depth;
    uint64_t *base_sp = s->sp;
    int64_t fuel = s->fuel_limited ? s->fuel : INT64_MAX;
    uint32_t ticks = s->ticks ? s->ticks : 1;
    const char *trap_msg = NULL;
    wasm_result_t kind = WASM_ERR_TRAP;
    wasm_cell_t exit_code[1];
    exit_code[0].op = &&L_EXIT;

    wasm_instance_t *inst = entry->inst;
    uint64_t *sp = s->sp, *fp = NULL;
    wasm_cell_t *pc = NULL, *ret;
    uint8_t *mem;
    uint64_t memsize;
    wasm_func_t *f;
    sp += entry->code->nparams; /* the arguments are already in place */
    ENTER(entry->code, exit_code);
    LOAD_MEM();
    NEXT();

    /* ---- control ---------------------------------------------------------------------- */
L_UNREACHABLE:
    TRAP("unreachable executed");
L_FUEL:
    fuel -= pc->i64;
    pc++;
    if (fuel < 0)
        goto out_of_fuel;
    NEXT();
L_FUEL_LOOP:
    fuel -= pc->i64;
    pc++;
    if (fuel < 0)
        goto out_of_fuel;
    if (--ticks == 0) {
        ticks = 1024;
        if (s->lim.deadline_ns && wasm_store_check_deadline(s))
            goto timeout;
    }
    NEXT();
L_BR:
    pc = pc->target;
    NEXT();
L_BR_IF:
    if ((uint32_t)*--sp)
        pc = pc->target;
    else
        pc++;
    NEXT();
L_BR_UNLESS:
    if (!(uint32_t)*--sp)
        pc = pc->target;
    else
        pc++;
    NEXT();
L_BR_TABLE: {
    uint64_t n = pc->u64, i = (uint32_t)*--sp;
    if (i > n)
        i = n;
    wasm_cell_t *e = pc + 1 + 3 * i;
    uint64_t dst = e[1].u64, k = e[2].u64;
    MOVE_DOWN(fp + dst, k);
    pc = e[0].target;
    NEXT();
}
L_DROP_KEEP: {
    uint64_t dst = pc[0].u64, k = pc[1].u64;
    MOVE_DOWN(fp + dst, k);
    pc += 2;
    NEXT();
}
L_RETURN: {
    uint64_t k = pc->u64;
    MOVE_DOWN(fp, k);
    wasm_frame_t *fr = &s->frames[--s->depth];
    pc = fr->ret_pc;
    fp = fr->fp;
    inst = fr->inst;
    LOAD_MEM();
    NEXT();
}
L_EXIT:
    s->sp = base_sp;
    s->ticks = ticks;
    if (s->fuel_limited)
        s->fuel = fuel;
    return WASM_OK;
L_CALL:
    ret = pc + 1;
    ENTER((const wasm_code_t *)pc->ptr, ret);
    NEXT();
L_CALL_IMPORT:
    f = inst->funcs[pc->u64];
    ret = pc + 1;
    goto call_func;
L_CALL_INDIRECT: {
    const wasm_functype_t *want = pc[0].ptr;
    wasm_table_t *t = inst->tables[pc[1].u64];
    uint32_t i = (uint32_t)*--sp;
    if (i >= t->size)
        TRAP("undefined element");
    f = t->elems[i];
    if (!f)
        TRAP("uninitialized element");
    if (f->type != want && !wasm_functype_equal(f->type, want))
        TRAP("indirect call type mismatch");
    ret = pc + 2;
    goto call_func;
}
call_func:
    if (f->host) {
        uint32_t np = f->type->param_count, nr = f->type->result_count;
        uint64_t *base = sp - np;
        if ((size_t)(s->stack_end - base) < (size_t)(np > nr ? np : nr) + 1)
            goto exhausted;
        s->sp = base + (np > nr ? np : nr);
        if (s->fuel_limited)
            s->fuel = fuel;
        wasm_result_t rc = wasm_call_host(s, f, inst, base, err);
        fuel = s->fuel_limited ? s->fuel : INT64_MAX;
        if (rc != WASM_OK) {
            kind = rc;
            trap_msg = NULL;
            goto fail;
        }
        sp = base + nr;
        pc = ret;
        LOAD_MEM();
        NEXT();
    }
    ENTER(f->code, ret);
    inst = f->inst;
    LOAD_MEM();
    NEXT();

    /* ---- parametric, variables, constants ------------------------------------------------ */
L_DROP:
    sp--;
    NEXT();
L_SELECT: {
    uint32_t c = (uint32_t)sp[-1];
    sp -= 2;
    if (!c)
        sp[-1] = sp[0];
    NEXT();
}
L_LOCAL_GET:
    *sp++ = fp[(pc++)->u64];
    NEXT();
L_LOCAL_GET2:
    sp[0] = fp[pc[0].u64];
    sp[1] = fp[pc[1].u64];
    sp += 2;
    pc += 2;
    NEXT();
L_LOCAL_SET:
    fp[(pc++)->u64] = *--sp;
    NEXT();
L_LOCAL_TEE:
    fp[(pc++)->u64] = sp[-1];
    NEXT();
L_GLOBAL_GET:
    *sp++ = inst->globals[(pc++)->u64]->val;
    NEXT();
L_GLOBAL_SET:
    inst->globals[(pc++)->u64]->val = *--sp;
    NEXT();
L_CONST:
    *sp++ = (pc++)->u64;
    NEXT();

    /* ---- memory -------------------------------------------------------------------------- */
#define LOAD(name, T, CONV)                                              \
    L_##name: {                                                          \
        uint64_t ea = (uint64_t)(uint32_t)sp[-1] + (pc++)->u64;          \
        T v_;                                                            \
        if (ea + sizeof(T) > memsize)                                    \
            TRAP("out of bounds memory access");                         \
        memcpy(&v_, mem + ea, sizeof(T));                                \
        sp[-1] = (CONV);                                                 \
        NEXT();                                                          \
    }
#define STORE(name, T)                                                   \
    L_##name: {                                                          \
        T v_ = (T)sp[-1];                                                \
        uint64_t ea = (uint64_t)(uint32_t)sp[-2] + (pc++)->u64;          \
        sp -= 2;                                                         \
        if (ea + sizeof(T) > memsize)                                    \
            TRAP("out of bounds memory access");                         \
        memcpy(mem + ea, &v_, sizeof(T));                                \
        NEXT();                                                          \
    }
    LOAD(LOAD32, uint32_t, v_)
    LOAD(LOAD64, uint64_t, v_)
    LOAD(LOAD8_S32, int8_t, (uint32_t)(int32_t)v_)
    LOAD(LOAD8_S64, int8_t, (uint64_t)(int64_t)v_)
    LOAD(LOAD8_U, uint8_t, v_)
    LOAD(LOAD16_S32, int16_t, (uint32_t)(int32_t)v_)
    LOAD(LOAD16_S64, int16_t, (uint64_t)(int64_t)v_)
    LOAD(LOAD16_U, uint16_t, v_)
    LOAD(LOAD32_S64, int32_t, (uint64_t)(int64_t)v_)
    STORE(STORE8, uint8_t)
    STORE(STORE16, uint16_t)
    STORE(STORE32, uint32_t)
    STORE(STORE64, uint64_t)
#undef LOAD
#undef STORE
L_MEMORY_SIZE:
    *sp++ = inst->mem->pages;
    NEXT();
L_MEMORY_GROW:
    sp[-1] = (uint32_t)wasm_memory_grow_obj(inst->mem, (uint32_t)sp[-1]);
    LOAD_MEM();
    NEXT();
L_MEMORY_INIT: {
    uint64_t seg = (pc++)->u64;
    uint64_t n = (uint32_t)sp[-1], src = (uint32_t)sp[-2], dst = (uint32_t)sp[-3];
    sp -= 3;
    if (src + n > inst->data_len[seg] || dst + n > memsize)
        TRAP("out of bounds memory access");
    if (n)
        memcpy(mem + dst, inst->module->datas[seg].bytes + src, n);
    NEXT();
}
L_DATA_DROP:
    inst->data_len[(pc++)->u64] = 0;
    NEXT();
L_MEMORY_COPY: {
    uint64_t n = (uint32_t)sp[-1], src = (uint32_t)sp[-2], dst = (uint32_t)sp[-3];
    sp -= 3;
    if (src + n > memsize || dst + n > memsize)
        TRAP("out of bounds memory access");
    if (n)
        memmove(mem + dst, mem + src, n);
    NEXT();
}
L_MEMORY_FILL: {
    uint64_t n = (uint32_t)sp[-1], dst = (uint32_t)sp[-3];
    int val = (int)(uint8_t)sp[-2];
    sp -= 3;
    if (dst + n > memsize)
        TRAP("out of bounds memory access");
    if (n)
        memset(mem + dst, val, n);
    NEXT();
}

    /* ---- tables and references ----------------------------------------------------------- */
L_TABLE_INIT: {
    uint64_t seg = pc[0].u64;
    wasm_table_t *t = inst->tables[pc[1].u64];
    pc += 2;
    uint64_t n = (uint32_t)sp[-1], src = (uint32_t)sp[-2], dst = (uint32_t)sp[-3];
    sp -= 3;
    if (src + n > inst->elem_len[seg] || dst + n > t->size)
        TRAP("out of bounds table access");
    if (n)
        memcpy(t->elems + dst, inst->elem_refs[seg] + src, n * sizeof(void *));
    NEXT();
}
L_ELEM_DROP:
    inst->elem_len[(pc++)->u64] = 0;
    NEXT();
L_TABLE_COPY: {
    wasm_table_t *td = inst->tables[pc[0].u64], *ts = inst->tables[pc[1].u64];
    pc += 2;
    uint64_t n = (uint32_t)sp[-1], src = (uint32_t)sp[-2], dst = (uint32_t)sp[-3];
    sp -= 3;
    if (src + n > ts->size || dst + n > td->size)
        TRAP("out of bounds table access");
    if (n)
        memmove(td->elems + dst, ts->elems + src, n * sizeof(void *));
    NEXT();
}
L_TABLE_GROW: {
    wasm_table_t *t = inst->tables[(pc++)->u64];
    uint32_t n = (uint32_t)sp[-1];
    void *init = (void *)(uintptr_t)sp[-2];
    sp--;
    sp[-1] = (uint32_t)wasm_table_grow_obj(t, n, init);
    NEXT();
}
L_TABLE_SIZE:
    *sp++ = inst->tables[(pc++)->u64]->size;
    NEXT();
L_TABLE_FILL: {
    wasm_table_t *t = inst->tables[(pc++)->u64];
    uint64_t n = (uint32_t)sp[-1], dst = (uint32_t)sp[-3];
    void *val = (void *)(uintptr_t)sp[-2];
    sp -= 3;
    if (dst + n > t->size)
        TRAP("out of bounds table access");
    for (uint64_t i = 0; i < n; i++)
        t->elems[dst + i] = val;
    NEXT();
}
L_TABLE_GET: {
    wasm_table_t *t = inst->tables[(pc++)->u64];
    uint32_t i = (uint32_t)sp[-1];
    if (i >= t->size)
        TRAP("out of bounds table access");
    sp[-1] = (uintptr_t)t->elems[i];
    NEXT();
}
L_TABLE_SET: {
    wasm_table_t *t = inst->tables[(pc++)->u64];
    uint32_t i = (uint32_t)sp[-2];
    void *val = (void *)(uintptr_t)sp[-1];
    sp -= 2;
    if (i >= t->size)
        TRAP("out of bounds table access");
    t->elems[i] = val;
    NEXT();
}
L_REF_IS_NULL:
    sp[-1] = sp[-1] == 0;
    NEXT();
L_REF_FUNC:
    *sp++ = (uintptr_t)inst->funcs[(pc++)->u64];
    NEXT();

#include "engine/wasm/interp_numeric.h"

exhausted:
    kind = WASM_ERR_EXHAUSTED;
    trap_msg = "call stack exhausted";
    goto fail;
out_of_fuel:
    kind = WASM_ERR_FUEL;
    trap_msg = "fuel exhausted";
    fuel = 0;
    goto fail;
timeout:
    kind = WASM_ERR_TIMEOUT;
    trap_msg = "deadline exceeded";
    goto fail;
trap:
    kind = WASM_ERR_TRAP;
fail:
    if (trap_msg)
        wasm_fail(err, kind, "%s", trap_msg);
    s->depth = base_depth;
    s->sp = base_sp;
    s->ticks = ticks;
    if (s->fuel_limited)
        s->fuel = fuel < 0 ? 0 : fuel;
    return kind;
}

const void *const *wasm_interp_labels(void)
{
    const void *const *labels = NULL;
    run(NULL, NULL, NULL, &labels);
    return labels;
}

wasm_result_t wasm_interp_call(wasm_store_t *s, wasm_func_t *f, wasm_error_t *err)
{
    if (s->nesting >= WASM_MAX_HOST_NESTING)
        return wasm_fail(err, WASM_ERR_EXHAUSTED, "call stack exhausted (host re-entry)");
    s->nesting++;
    wasm_result_t rc = run(s, f, err, NULL);
    s->nesting--;
    return rc;
}
