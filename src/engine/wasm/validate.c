/*
 * validate.c - module validation (index spaces, limits, constant expressions, exports,
 * segments, start) and the driver of the one-pass function validator/compiler: the operand
 * type stack and the control frames of the spec's validation algorithm (appendix "Validation
 * Algorithm"), with unreachable code typed polymorphically.
 */
#include "engine/wasm/validate.h"

#include <stdlib.h>

bool v_fail(vctx_t *c, const char *msg)
{
    wasm_fail(c->err, WASM_ERR_INVALID, "%s", msg);
    return false;
}

bool v_push(vctx_t *c, uint8_t t)
{
    if (c->nvals == c->vcap) {
        uint32_t cap = c->vcap ? c->vcap * 2 : 64;
        uint8_t *v = realloc(c->vals, cap);
        if (!v) {
            c->oom = true;
            return false;
        }
        c->vals = v;
        c->vcap = cap;
    }
    c->vals[c->nvals++] = t;
    if (c->nvals > c->max_height)
        c->max_height = c->nvals;
    return true;
}

bool v_pop(vctx_t *c, uint8_t expect, uint8_t *got)
{
    vctrl_t *f = v_top(c);
    uint8_t actual;
    if (c->nvals == f->height) {
        if (!f->unreachable)
            return v_fail(c, "type mismatch");
        actual = V_UNKNOWN;
    } else {
        actual = c->vals[--c->nvals];
    }
    if (expect != V_UNKNOWN && actual != V_UNKNOWN && actual != expect)
        return v_fail(c, "type mismatch");
    if (got)
        *got = actual;
    return true;
}

bool v_pop_vals(vctx_t *c, uint32_t n, const wasm_valtype_t *types)
{
    for (uint32_t i = n; i-- > 0;)
        if (!v_pop(c, (uint8_t)types[i], NULL))
            return false;
    return true;
}

bool v_push_vals(vctx_t *c, uint32_t n, const wasm_valtype_t *types)
{
    for (uint32_t i = 0; i < n; i++)
        if (!v_push(c, (uint8_t)types[i]))
            return false;
    return true;
}

static const wasm_valtype_t *single_type(wasm_valtype_t t)
{
    static const wasm_valtype_t all[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64,
                                         WASM_FUNCREF, WASM_EXTERNREF};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i] == t)
            return &all[i];
    return &all[0];
}

bool v_block_type(vctx_t *c, int64_t bt, vctrl_t *f)
{
    memset(f, 0, sizeof *f);
    if (bt == WASM_BT_EMPTY)
        return true;
    if (bt & 0x100) {
        f->nout = 1;
        f->out = single_type((wasm_valtype_t)(bt & 0xff));
        return true;
    }
    if ((uint64_t)bt >= c->m->ntypes)
        return v_fail(c, "unknown type");
    const wasm_functype_t *t = &c->m->types[bt];
    f->nin = t->param_count, f->in = t->params;
    f->nout = t->result_count, f->out = t->results;
    return true;
}

bool v_push_ctrl(vctx_t *c, uint8_t kind, const vctrl_t *type)
{
    if (c->nctrls == c->ccap) {
        uint32_t cap = c->ccap ? c->ccap * 2 : 16;
        vctrl_t *v = realloc(c->ctrls, cap * sizeof *v);
        if (!v) {
            c->oom = true;
            return false;
        }
        c->ctrls = v;
        c->ccap = cap;
    }
    vctrl_t *f = &c->ctrls[c->nctrls++];
    *f = *type;
    f->kind = kind;
    f->unreachable = false;
    f->height = c->nvals;
    f->br_chain = f->else_fixup = 0;
    return v_push_vals(c, f->nin, f->in);
}

void v_set_unreachable(vctx_t *c)
{
    vctrl_t *f = v_top(c);
    c->nvals = f->height;
    f->unreachable = true;
}

static wasm_result_t invalid(wasm_error_t *err, const char *msg)
{
    return wasm_fail(err, WASM_ERR_INVALID, "%s", msg);
}

bool v_const_expr(wasm_module_t *m, const wasm_const_t *e, wasm_valtype_t want,
                  wasm_error_t *err)
{
    wasm_valtype_t t;
    switch (e->op) {
    case 0x41: t = WASM_I32; break;
    case 0x42: t = WASM_I64; break;
    case 0x43: t = WASM_F32; break;
    case 0x44: t = WASM_F64; break;
    case 0xD0: t = (wasm_valtype_t)e->val; break;
    case 0xD2:
        if (e->val >= m->nfuncs)
            return invalid(err, "unknown function"), false;
        t = WASM_FUNCREF;
        break;
    case 0x23:
        /* 2.0: constant expressions may only read imported globals */
        if (e->val >= m->nglobal_imports)
            return invalid(err, "unknown global"), false;
        if (m->globals[e->val].mut)
            return invalid(err, "constant expression required"), false;
        t = m->globals[e->val].type;
        break;
    case 0x0B:
        return invalid(err, "type mismatch"), false;
    default:
        return invalid(err, "constant expression required"), false;
    }
    if (t != want)
        return invalid(err, "type mismatch"), false;
    return true;
}

static wasm_result_t check_limits(const wasm_limits_range_t *l, uint64_t cap, const char *what,
                                  wasm_error_t *err)
{
    if (l->min > cap || (l->has_max && l->max > cap))
        return wasm_fail(err, WASM_ERR_INVALID, "%s", what);
    if (l->has_max && l->min > l->max)
        return invalid(err, "size minimum must not be greater than maximum");
    return WASM_OK;
}

static wasm_result_t validate_func(wasm_module_t *m, uint32_t i, const void *const *labels,
                                   wasm_error_t *err)
{
    wasm_code_t *code = &m->codes[i];
    const wasm_functype_t *ft = &m->types[code->type_idx];
    /* locals = params followed by the declared locals */
    uint32_t declared = code->nlocals, np = ft->param_count;
    if ((uint64_t)declared + np > WASM_MAX_LOCALS)
        return wasm_fail(err, WASM_ERR_MALFORMED, "too many locals");
    wasm_valtype_t *lt = malloc(((size_t)declared + np + 1) * sizeof *lt);
    if (!lt)
        return wasm_fail(err, WASM_ERR_NOMEM, "out of memory");
    memcpy(lt, ft->params, np * sizeof *lt);
    memcpy(lt + np, code->local_types, declared * sizeof *lt);
    free(code->local_types);
    code->local_types = lt;
    code->nlocals = declared + np;
    code->nparams = np;
    code->nresults = ft->result_count;

    vctx_t c = {.m = m, .fn = code, .err = err, .labels = labels, .last_op = -1};
    vctrl_t fn = {.nout = ft->result_count, .out = ft->results};
    wasm_result_t rc = WASM_OK;
    if (!v_push_ctrl(&c, V_FUNC, &fn))
        goto out;
    c_fuel_point(&c, true);
    wasm_reader_t r = {code->body, code->body + code->body_len, err};
    while (c.nctrls > 0) {
        wasm_instr_t in;
        if (!wasm_rd_instr(&r, m, &in))
            goto out;
        if (v_live(&c))
            c.fuel_count++;
        if (!v_instr(&c, &r, &in))
            goto out;
        if (c.oom)
            break;
    }
    if (!c_finish(&c))
        goto out;
    code->code = c.code;
    code->code_len = c.len;
    code->frame_slots = code->nlocals + c.max_height + 2;
    c.code = NULL;
out:
    if (c.oom)
        rc = wasm_fail(err, WASM_ERR_NOMEM, "out of memory");
    else if (!code->code)
        rc = err ? err->kind : WASM_ERR_INVALID;
    free(c.code);
    free(c.vals);
    free(c.ctrls);
    free(c.relocs);
    return rc;
}

static wasm_result_t validate_segments(wasm_module_t *m, wasm_error_t *err)
{
    for (uint32_t i = 0; i < m->nelems; i++) {
        wasm_elem_def_t *e = &m->elems[i];
        if (e->mode == WASM_SEG_ACTIVE) {
            if (e->table >= m->ntables)
                return invalid(err, "unknown table");
            if (!v_const_expr(m, &e->offset, WASM_I32, err))
                return WASM_ERR_INVALID;
            if (m->tables[e->table].elem != e->type)
                return invalid(err, "type mismatch");
        }
        for (uint32_t k = 0; k < e->count; k++) {
            if (!v_const_expr(m, &e->items[k], e->type, err))
                return WASM_ERR_INVALID;
        }
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        wasm_data_def_t *d = &m->datas[i];
        if (d->mode != WASM_SEG_ACTIVE)
            continue;
        if (d->mem >= m->nmems)
            return invalid(err, "unknown memory");
        if (!v_const_expr(m, &d->offset, WASM_I32, err))
            return WASM_ERR_INVALID;
    }
    return WASM_OK;
}

static void mark_declared(wasm_module_t *m, const wasm_const_t *e)
{
    if (e->op == 0xD2 && e->val < m->nfuncs)
        m->func_declared[e->val] = true;
}

static wasm_result_t validate_exports(wasm_module_t *m, wasm_error_t *err)
{
    for (uint32_t i = 0; i < m->nexports; i++) {
        wasm_export_def_t *e = &m->exports[i];
        uint32_t limit = e->kind == WASM_EXTERN_FUNC     ? m->nfuncs
                         : e->kind == WASM_EXTERN_TABLE  ? m->ntables
                         : e->kind == WASM_EXTERN_MEMORY ? m->nmems
                                                         : m->nglobals;
        if (e->index >= limit) {
            static const char *const what[] = {"unknown function", "unknown table",
                                               "unknown memory", "unknown global"};
            return invalid(err, what[e->kind]);
        }
        if (e->kind == WASM_EXTERN_FUNC)
            m->func_declared[e->index] = true;
        for (uint32_t k = 0; k < i; k++)
            if (strcmp(m->exports[k].name, e->name) == 0)
                return invalid(err, "duplicate export name");
    }
    return WASM_OK;
}

wasm_result_t wasm_validate(wasm_module_t *m, wasm_error_t *err)
{
    wasm_result_t rc;
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (m->func_type[i] >= m->ntypes)
            return invalid(err, "unknown type");
    for (uint32_t i = 0; i < m->ntables; i++)
        if ((rc = check_limits(&m->tables[i].lim, UINT32_MAX, "table size", err)))
            return rc;
    if (m->nmems > 1)
        return invalid(err, "multiple memories");
    for (uint32_t i = 0; i < m->nmems; i++)
        if ((rc = check_limits(&m->mems[i], WASM_MAX_PAGES,
                               "memory size must be at most 65536 pages (4GiB)", err)))
            return rc;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        if (!v_const_expr(m, &m->globals[i].init, m->globals[i].type, err))
            return WASM_ERR_INVALID;
        mark_declared(m, &m->globals[i].init);
    }
    if ((rc = validate_exports(m, err)))
        return rc;
    if (m->start >= 0) {
        if ((uint64_t)m->start >= m->nfuncs)
            return invalid(err, "unknown function");
        const wasm_functype_t *t = &m->types[m->func_type[m->start]];
        if (t->param_count || t->result_count)
            return invalid(err, "start function");
    }
    if ((rc = validate_segments(m, err)))
        return rc;
    for (uint32_t i = 0; i < m->nelems; i++)
        for (uint32_t k = 0; k < m->elems[i].count; k++)
            mark_declared(m, &m->elems[i].items[k]);
    const void *const *labels = wasm_interp_labels();
    for (uint32_t i = 0; i < m->ncodes; i++)
        if ((rc = validate_func(m, i, labels, err)))
            return rc;
    return WASM_OK;
}
