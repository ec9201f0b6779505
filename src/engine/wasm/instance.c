/*
 * instance.c - modules as seen from outside (load = decode + validate), host functions,
 * instantiation (import resolution and type matching, allocation, segment initialisation,
 * start function), exports, and calls from the host into wasm (and from wasm into the host).
 */
#include "engine/wasm/wasm_int.h"

#include <stdlib.h>

wasm_result_t wasm_module_new(const uint8_t *bytes, size_t len, wasm_module_t **out,
                              wasm_error_t *err)
{
    wasm_error_t local;
    if (!err)
        err = &local;
    err->kind = WASM_OK;
    err->message[0] = 0;
    *out = NULL;
    wasm_module_t *m = calloc(1, sizeof *m);
    if (!m || !(m->bytes = malloc(len ? len : 1))) {
        free(m);
        return wasm_fail(err, WASM_ERR_NOMEM, "out of memory");
    }
    if (len)
        memcpy(m->bytes, bytes, len);
    m->len = len;
    wasm_result_t rc = wasm_decode(m, err);
    if (rc == WASM_OK)
        rc = wasm_validate(m, err);
    if (rc != WASM_OK) {
        wasm_module_release(m);
        return rc;
    }
    *out = m;
    return WASM_OK;
}

void wasm_module_free(wasm_module_t *module)
{
    if (module)
        wasm_module_release(module);
}

size_t wasm_module_import_count(const wasm_module_t *module)
{
    return module->nimports;
}

void wasm_module_import(const wasm_module_t *module, size_t index, wasm_import_desc_t *out)
{
    const wasm_import_def_t *im = &module->imports[index];
    out->module = im->module;
    out->name = im->name;
    out->kind = im->kind;
}

size_t wasm_module_export_count(const wasm_module_t *module)
{
    return module->nexports;
}

void wasm_module_export(const wasm_module_t *module, size_t index, const char **name,
                        wasm_extern_kind_t *kind)
{
    *name = module->exports[index].name;
    *kind = module->exports[index].kind;
}

bool wasm_functype_equal(const wasm_functype_t *a, const wasm_functype_t *b)
{
    return a == b ||
           (a->param_count == b->param_count && a->result_count == b->result_count &&
            (!a->param_count ||
             memcmp(a->params, b->params, a->param_count * sizeof *a->params) == 0) &&
            (!a->result_count ||
             memcmp(a->results, b->results, a->result_count * sizeof *a->results) == 0));
}

/* ---- host functions ------------------------------------------------------------------------ */

wasm_result_t wasm_func_new_host(wasm_store_t *store, const wasm_functype_t *type,
                                 wasm_host_fn fn, void *env, wasm_extern_t *out)
{
    wasm_func_t *f = wasm_store_alloc(store, sizeof *f, 0, WASM_EXTERN_FUNC);
    if (!f)
        return WASM_ERR_NOMEM;
    wasm_valtype_t *p = malloc(((size_t)type->param_count + 1) * sizeof *p);
    wasm_valtype_t *r = malloc(((size_t)type->result_count + 1) * sizeof *r);
    f->own_type.params = p;
    f->own_type.results = r;
    if (!p || !r)
        return WASM_ERR_NOMEM;
    if (type->param_count)
        memcpy(p, type->params, type->param_count * sizeof *p);
    if (type->result_count)
        memcpy(r, type->results, type->result_count * sizeof *r);
    f->own_type.param_count = type->param_count;
    f->own_type.result_count = type->result_count;
    f->type = &f->own_type;
    f->host = fn;
    f->env = env;
    out->kind = WASM_EXTERN_FUNC;
    out->ptr = f;
    return WASM_OK;
}

void wasm_func_type(wasm_extern_t func, wasm_functype_t *out)
{
    *out = *((wasm_func_t *)func.ptr)->type;
}

uint8_t *wasm_caller_memory(wasm_caller_t *caller, size_t *len)
{
    wasm_memory_t *m = caller && caller->inst ? caller->inst->mem : NULL;
    *len = m ? (size_t)m->size : 0;
    return m ? m->data : NULL;
}

wasm_store_t *wasm_caller_store(wasm_caller_t *caller)
{
    return caller->store;
}

static wasm_value_t slot_to_value(wasm_valtype_t t, uint64_t slot)
{
    wasm_value_t v;
    memset(&v, 0, sizeof v);
    v.type = t;
    if (wasm_is_ref(t))
        v.of.ref = (void *)(uintptr_t)slot;
    else if (t == WASM_I32 || t == WASM_F32)
        v.of.i32 = (uint32_t)slot;
    else
        v.of.i64 = slot;
    return v;
}

static uint64_t value_to_slot(const wasm_value_t *v)
{
    if (wasm_is_ref(v->type))
        return (uintptr_t)v->of.ref;
    if (v->type == WASM_I32 || v->type == WASM_F32)
        return v->of.i32;
    return v->of.i64;
}

wasm_result_t wasm_call_host(wasm_store_t *s, wasm_func_t *f, wasm_instance_t *caller_inst,
                             uint64_t *slots, wasm_error_t *err)
{
    const wasm_functype_t *t = f->type;
    wasm_value_t small_args[8], small_res[8];
    wasm_value_t *args = t->param_count <= 8 ? small_args : calloc(t->param_count, sizeof *args);
    wasm_value_t *res = t->result_count <= 8 ? small_res : calloc(t->result_count, sizeof *res);
    wasm_error_t local = {WASM_OK, ""};
    wasm_result_t rc;
    if (!args || !res) {
        rc = wasm_fail(err, WASM_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < t->param_count; i++)
        args[i] = slot_to_value(t->params[i], slots[i]);
    for (uint32_t i = 0; i < t->result_count; i++)
        res[i] = slot_to_value(t->results[i], 0);
    wasm_caller_t caller = {s, caller_inst};
    rc = f->host(f->env, &caller, args, res, &local);
    if (rc != WASM_OK) {
        if (local.kind == WASM_OK || !local.message[0])
            wasm_fail(err, rc, "host function failed (%s)", wasm_result_name(rc));
        else
            wasm_fail(err, rc, "%s", local.message);
        goto out;
    }
    for (uint32_t i = 0; i < t->result_count; i++)
        slots[i] = value_to_slot(&res[i]);
out:
    if (args != small_args)
        free(args);
    if (res != small_res)
        free(res);
    return rc;
}

wasm_result_t wasm_func_call(wasm_store_t *store, wasm_extern_t func, const wasm_value_t *args,
                             size_t arg_count, wasm_value_t *results, size_t result_count,
                             wasm_error_t *err)
{
    if (!store || func.kind != WASM_EXTERN_FUNC || !func.ptr)
        return wasm_fail(err, WASM_ERR_ARG, "not a function");
    wasm_func_t *f = func.ptr;
    const wasm_functype_t *t = f->type;
    if (arg_count != t->param_count || result_count < t->result_count)
        return wasm_fail(err, WASM_ERR_ARG, "wrong number of arguments or results");
    for (size_t i = 0; i < arg_count; i++)
        if (args[i].type != t->params[i])
            return wasm_fail(err, WASM_ERR_ARG, "argument %zu has the wrong type", i);
    if (wasm_store_ensure_stack(store) != WASM_OK)
        return wasm_fail(err, WASM_ERR_NOMEM, "out of memory");
    size_t need = (t->param_count > t->result_count ? t->param_count : t->result_count) + 1;
    if ((size_t)(store->stack_end - store->sp) < need)
        return wasm_fail(err, WASM_ERR_EXHAUSTED, "call stack exhausted");
    uint64_t *base = store->sp;
    for (size_t i = 0; i < arg_count; i++)
        base[i] = value_to_slot(&args[i]);
    wasm_result_t rc;
    if (f->host) {
        store->sp = base + need;
        rc = wasm_call_host(store, f, NULL, base, err);
        store->sp = base;
    } else {
        rc = wasm_interp_call(store, f, err);
    }
    if (rc != WASM_OK)
        return rc;
    for (size_t i = 0; i < t->result_count; i++)
        results[i] = slot_to_value(t->results[i], base[i]);
    return WASM_OK;
}

/* ---- instantiation ------------------------------------------------------------------------- */

static bool limits_match(wasm_limits_range_t have, uint32_t have_size, wasm_limits_range_t want)
{
    if (have_size < want.min)
        return false;
    if (want.has_max && (!have.has_max || have.max > want.max))
        return false;
    return true;
}

static wasm_result_t link_imports(wasm_instance_t *in, wasm_import_resolver_fn resolve,
                                  void *user, wasm_error_t *err)
{
    const wasm_module_t *m = in->module;
    uint32_t fi = 0, ti = 0, gi = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wasm_import_def_t *im = &m->imports[i];
        wasm_import_desc_t desc = {im->module, im->name, im->kind};
        wasm_extern_t ext = {im->kind, NULL};
        if (!resolve || resolve(user, &desc, &ext) != WASM_OK || !ext.ptr)
            return wasm_fail(err, WASM_ERR_LINK, "unknown import %s.%s", im->module, im->name);
        if (ext.kind != im->kind)
            return wasm_fail(err, WASM_ERR_LINK, "incompatible import type for %s.%s",
                             im->module, im->name);
        bool ok = true;
        switch (im->kind) {
        case WASM_EXTERN_FUNC: {
            wasm_func_t *f = ext.ptr;
            ok = wasm_functype_equal(f->type, &m->types[im->type_idx]);
            in->funcs[fi++] = f;
            break;
        }
        case WASM_EXTERN_TABLE: {
            wasm_table_t *t = ext.ptr;
            ok = t->type == im->valtype && limits_match(t->lim, t->size, im->lim);
            in->tables[ti++] = t;
            break;
        }
        case WASM_EXTERN_MEMORY: {
            wasm_memory_t *mem = ext.ptr;
            ok = limits_match(mem->lim, mem->pages, im->lim);
            in->mem = mem;
            break;
        }
        case WASM_EXTERN_GLOBAL: {
            wasm_global_t *g = ext.ptr;
            ok = g->type == im->valtype && g->mut == im->mut;
            in->globals[gi++] = g;
            break;
        }
        }
        if (!ok)
            return wasm_fail(err, WASM_ERR_LINK, "incompatible import type for %s.%s",
                             im->module, im->name);
    }
    return WASM_OK;
}

static uint64_t eval_const(const wasm_instance_t *in, const wasm_const_t *c)
{
    switch (c->op) {
    case 0xD0: return 0;
    case 0xD2: return (uintptr_t)in->funcs[c->val];
    case 0x23: return in->globals[c->val]->val;
    case 0x41: return (uint32_t)c->val;
    default: return c->val;
    }
}

static wasm_result_t create_objects(wasm_store_t *s, wasm_instance_t *in, wasm_error_t *err)
{
    const wasm_module_t *m = in->module;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        wasm_func_t *f = wasm_store_alloc(s, sizeof *f, 0, WASM_EXTERN_FUNC);
        if (!f)
            return wasm_fail(err, WASM_ERR_NOMEM, "out of memory");
        f->type = &m->types[m->func_type[i]];
        f->inst = in;
        f->code = &m->codes[i - m->nfunc_imports];
        in->funcs[i] = f;
    }
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        in->tables[i] = wasm_table_create(s, m->tables[i].elem, m->tables[i].lim);
        if (!in->tables[i])
            return wasm_fail(err, WASM_ERR_MEMORY_CAP, "table exceeds the memory cap");
    }
    if (m->nmems > m->nmem_imports) {
        in->mem = wasm_memory_create(s, m->mems[0]);
        if (!in->mem)
            return wasm_fail(err, WASM_ERR_MEMORY_CAP, "memory exceeds the memory cap");
    }
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        wasm_global_t *g = wasm_store_alloc(s, sizeof *g, 0, WASM_EXTERN_GLOBAL);
        if (!g)
            return wasm_fail(err, WASM_ERR_NOMEM, "out of memory");
        g->type = m->globals[i].type;
        g->mut = m->globals[i].mut;
        g->val = eval_const(in, &m->globals[i].init);
        in->globals[i] = g;
    }
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem_def_t *e = &m->elems[i];
        in->elem_refs[i] = malloc(((size_t)e->count + 1) * sizeof(void *));
        if (!in->elem_refs[i])
            return wasm_fail(err, WASM_ERR_NOMEM, "out of memory");
        for (uint32_t k = 0; k < e->count; k++)
            in->elem_refs[i][k] = (void *)(uintptr_t)eval_const(in, &e->items[k]);
        in->elem_len[i] = e->mode == WASM_SEG_PASSIVE ? e->count : 0;
    }
    for (uint32_t i = 0; i < m->ndatas; i++)
        in->data_len[i] = m->datas[i].mode == WASM_SEG_PASSIVE ? m->datas[i].len : 0;
    return WASM_OK;
}

/* Active segments are copied in order (elements first) and then dropped; a segment out of
 * bounds traps and leaves the earlier writes in place, as the spec requires. */
static wasm_result_t init_segments(wasm_instance_t *in, wasm_error_t *err)
{
    const wasm_module_t *m = in->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem_def_t *e = &m->elems[i];
        if (e->mode != WASM_SEG_ACTIVE)
            continue;
        wasm_table_t *t = in->tables[e->table];
        uint64_t off = (uint32_t)eval_const(in, &e->offset);
        if (off + e->count > t->size)
            return wasm_fail(err, WASM_ERR_TRAP, "out of bounds table access");
        if (e->count)
            memcpy(t->elems + off, in->elem_refs[i], e->count * sizeof(void *));
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wasm_data_def_t *d = &m->datas[i];
        if (d->mode != WASM_SEG_ACTIVE)
            continue;
        uint64_t off = (uint32_t)eval_const(in, &d->offset);
        if (off + d->len > in->mem->size)
            return wasm_fail(err, WASM_ERR_TRAP, "out of bounds memory access");
        if (d->len)
            memcpy(in->mem->data + off, d->bytes, d->len);
    }
    return WASM_OK;
}

wasm_result_t wasm_instantiate(wasm_store_t *store, const wasm_module_t *module,
                               wasm_import_resolver_fn resolve, void *user,
                               wasm_instance_t **out, wasm_error_t *err)
{
    *out = NULL;
    wasm_instance_t *in = wasm_store_alloc(store, sizeof *in, 1, WASM_EXTERN_FUNC);
    if (!in)
        return wasm_fail(err, WASM_ERR_NOMEM, "out of memory");
    in->module = module;
    in->store = store;
    in->funcs = calloc((size_t)module->nfuncs + 1, sizeof *in->funcs);
    in->tables = calloc((size_t)module->ntables + 1, sizeof *in->tables);
    in->globals = calloc((size_t)module->nglobals + 1, sizeof *in->globals);
    in->elem_refs = calloc((size_t)module->nelems + 1, sizeof *in->elem_refs);
    in->elem_len = calloc((size_t)module->nelems + 1, sizeof *in->elem_len);
    in->data_len = calloc((size_t)module->ndatas + 1, sizeof *in->data_len);
    if (!in->funcs || !in->tables || !in->globals || !in->elem_refs || !in->elem_len ||
        !in->data_len)
        return wasm_fail(err, WASM_ERR_NOMEM, "out of memory");
    wasm_result_t rc = link_imports(in, resolve, user, err);
    if (rc == WASM_OK)
        rc = create_objects(store, in, err);
    if (rc == WASM_OK)
        rc = init_segments(in, err);
    if (rc == WASM_OK && module->start >= 0) {
        wasm_extern_t f = {WASM_EXTERN_FUNC, in->funcs[module->start]};
        rc = wasm_func_call(store, f, NULL, 0, NULL, 0, err);
    }
    if (rc == WASM_OK)
        *out = in;
    return rc;
}

wasm_result_t wasm_instance_export(const wasm_instance_t *instance, const char *name,
                                   wasm_extern_t *out)
{
    const wasm_module_t *m = instance->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export_def_t *e = &m->exports[i];
        if (strcmp(e->name, name) != 0)
            continue;
        out->kind = e->kind;
        switch (e->kind) {
        case WASM_EXTERN_FUNC: out->ptr = instance->funcs[e->index]; break;
        case WASM_EXTERN_TABLE: out->ptr = instance->tables[e->index]; break;
        case WASM_EXTERN_MEMORY: out->ptr = instance->mem; break;
        case WASM_EXTERN_GLOBAL: out->ptr = instance->globals[e->index]; break;
        }
        return WASM_OK;
    }
    return WASM_ERR_ARG;
}
