/*
 * fake_engine.c - a tiny stand-in for the WebAssembly engine (the parts of wasm.h the spec
 * runner uses), so the runner's command logic is tested on its own: a failure of the runner
 * must not hide behind a failure of the engine, and vice versa.
 *
 * A "module" is text: the first line "fake-wasm" (else malformed), then lines
 *   invalid                    the module does not validate
 *   start-trap                 instantiation traps
 *   import MODULE NAME         an import resolved through the runner's resolver
 *   reexport NAME INDEX        exports import INDEX under NAME
 *   global NAME VALUE          an immutable i32 global
 *   func NAME BEHAVIOUR        an exported function; BEHAVIOUR fixes its type (see BEHAVIOURS)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/wasm/wasm.h"

#define FAKE_MAX_ITEMS 16

typedef struct fake_func {
    wasm_functype_t type;
    wasm_valtype_t params[2], results[2];
    const char *behaviour; /* NULL for a host function */
    wasm_host_fn host;
    void *env;
    const struct wasm_instance *owner;
} fake_func_t;

typedef struct fake_object {
    struct fake_object *next;
    union {
        fake_func_t func;
        wasm_value_t global;
    } u;
} fake_object_t;

struct wasm_store {
    fake_object_t *objects;
    struct wasm_instance *instances;
};

struct wasm_module {
    char *text;
};

typedef struct wasm_instance {
    struct wasm_instance *next;
    size_t count;
    char names[FAKE_MAX_ITEMS][32];
    wasm_extern_t exports[FAKE_MAX_ITEMS];
    wasm_extern_t imports[FAKE_MAX_ITEMS];
    size_t import_count;
} fake_instance_t;

static const struct {
    const char *name;
    uint32_t params, results;
    wasm_valtype_t p[2], r[2];
} BEHAVIOURS[] = {
    {"add", 2, 1, {WASM_I32, WASM_I32}, {WASM_I32}},
    {"nan_canon_f32", 0, 1, {0}, {WASM_F32}},
    {"nan_arith_f32", 0, 1, {0}, {WASM_F32}},
    {"neg_nan_f64", 0, 1, {0}, {WASM_F64}},
    {"ext_id", 1, 1, {WASM_EXTERNREF}, {WASM_EXTERNREF}},
    {"null_func", 0, 1, {0}, {WASM_FUNCREF}},
    {"trap", 0, 0, {0}, {0}},
    {"exhaust", 0, 0, {0}, {0}},
    {"call_import0", 1, 0, {WASM_I32}, {0}},
    {"two", 0, 2, {0}, {WASM_I32, WASM_I64}},
};

const char *wasm_result_name(wasm_result_t kind)
{
    static const char *names[] = {"ok",    "malformed",  "invalid", "link",
                                  "trap",  "exhausted",  "fuel",    "timeout",
                                  "memory cap", "nomem", "arg",     "host"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

static wasm_result_t set_err(wasm_error_t *err, wasm_result_t kind, const char *msg)
{
    if (err) {
        err->kind = kind;
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return kind;
}

wasm_result_t wasm_module_new(const uint8_t *bytes, size_t len, wasm_module_t **out,
                              wasm_error_t *err)
{
    *out = NULL;
    if (len < 9 || memcmp(bytes, "fake-wasm", 9) != 0)
        return set_err(err, WASM_ERR_MALFORMED, "magic header not detected");
    wasm_module_t *m = calloc(1, sizeof *m);
    char *text = m ? strndup((const char *)bytes, len) : NULL;
    if (!text) {
        free(m);
        return set_err(err, WASM_ERR_NOMEM, "out of memory");
    }
    m->text = text;
    if (strstr(text, "\ninvalid")) {
        free(text);
        free(m);
        return set_err(err, WASM_ERR_INVALID, "type mismatch");
    }
    *out = m;
    return WASM_OK;
}

void wasm_module_free(wasm_module_t *m)
{
    if (m)
        free(m->text);
    free(m);
}

wasm_result_t wasm_store_new(const wasm_store_limits_t *limits, wasm_store_t **out)
{
    (void)limits;
    *out = calloc(1, sizeof **out);
    return *out ? WASM_OK : WASM_ERR_NOMEM;
}

void wasm_store_free(wasm_store_t *store)
{
    while (store && store->objects) {
        fake_object_t *o = store->objects;
        store->objects = o->next;
        free(o);
    }
    while (store && store->instances) {
        fake_instance_t *i = store->instances;
        store->instances = i->next;
        free(i);
    }
    free(store);
}

void wasm_store_set_deadline(wasm_store_t *store, uint64_t deadline_ns)
{
    (void)store;
    (void)deadline_ns;
}

static fake_object_t *new_object(wasm_store_t *store)
{
    fake_object_t *o = calloc(1, sizeof *o);
    if (o) {
        o->next = store->objects;
        store->objects = o;
    }
    return o;
}

wasm_result_t wasm_func_new_host(wasm_store_t *store, const wasm_functype_t *type,
                                 wasm_host_fn fn, void *env, wasm_extern_t *out)
{
    fake_object_t *o = new_object(store);
    if (!o || type->param_count > 2 || type->result_count > 2)
        return WASM_ERR_NOMEM;
    fake_func_t *f = &o->u.func;
    memcpy(f->params, type->params, type->param_count * sizeof *f->params);
    if (type->result_count)
        memcpy(f->results, type->results, type->result_count * sizeof *f->results);
    f->type = (wasm_functype_t){type->param_count, type->result_count, f->params, f->results};
    f->host = fn;
    f->env = env;
    *out = (wasm_extern_t){WASM_EXTERN_FUNC, f};
    return WASM_OK;
}

void wasm_func_type(wasm_extern_t func, wasm_functype_t *out)
{
    *out = ((fake_func_t *)func.ptr)->type;
}

wasm_result_t wasm_global_new(wasm_store_t *store, wasm_value_t init, bool mutable_,
                              wasm_extern_t *out)
{
    (void)mutable_;
    fake_object_t *o = new_object(store);
    if (!o)
        return WASM_ERR_NOMEM;
    o->u.global = init;
    *out = (wasm_extern_t){WASM_EXTERN_GLOBAL, &o->u.global};
    return WASM_OK;
}

wasm_value_t wasm_global_get(wasm_extern_t global)
{
    return *(wasm_value_t *)global.ptr;
}

wasm_result_t wasm_memory_new(wasm_store_t *store, wasm_limits_range_t pages, wasm_extern_t *out)
{
    (void)pages;
    fake_object_t *o = new_object(store);
    *out = (wasm_extern_t){WASM_EXTERN_MEMORY, o};
    return o ? WASM_OK : WASM_ERR_NOMEM;
}

wasm_result_t wasm_table_new(wasm_store_t *store, wasm_valtype_t elem, wasm_limits_range_t size,
                             wasm_extern_t *out)
{
    (void)elem;
    (void)size;
    fake_object_t *o = new_object(store);
    *out = (wasm_extern_t){WASM_EXTERN_TABLE, o};
    return o ? WASM_OK : WASM_ERR_NOMEM;
}

static wasm_result_t add_func(wasm_store_t *store, fake_instance_t *inst, const char *name,
                              const char *behaviour)
{
    for (size_t b = 0; b < sizeof BEHAVIOURS / sizeof BEHAVIOURS[0]; b++) {
        if (strcmp(BEHAVIOURS[b].name, behaviour) != 0)
            continue;
        wasm_functype_t t = {BEHAVIOURS[b].params, BEHAVIOURS[b].results, BEHAVIOURS[b].p,
                             BEHAVIOURS[b].r};
        wasm_extern_t ext;
        if (wasm_func_new_host(store, &t, NULL, NULL, &ext) != WASM_OK)
            return WASM_ERR_NOMEM;
        ((fake_func_t *)ext.ptr)->behaviour = BEHAVIOURS[b].name;
        ((fake_func_t *)ext.ptr)->owner = inst;
        snprintf(inst->names[inst->count], sizeof inst->names[0], "%s", name);
        inst->exports[inst->count++] = ext;
        return WASM_OK;
    }
    return WASM_ERR_INVALID;
}

/* One line of the module text; a bad line makes the module unlinkable in this fake. */
static wasm_result_t instantiate_line(wasm_store_t *store, fake_instance_t *inst,
                                      const char *line, wasm_import_resolver_fn resolve,
                                      void *user, wasm_error_t *err)
{
    char a[32], b[32];
    unsigned idx;
    if (inst->count >= FAKE_MAX_ITEMS || inst->import_count >= FAKE_MAX_ITEMS)
        return set_err(err, WASM_ERR_NOMEM, "too many items");
    if (sscanf(line, "import %31s %31s", a, b) == 2) {
        wasm_import_desc_t d = {a, b, WASM_EXTERN_FUNC};
        if (resolve(user, &d, &inst->imports[inst->import_count]) != WASM_OK)
            return set_err(err, WASM_ERR_LINK, "unknown import");
        inst->import_count++;
    } else if (sscanf(line, "reexport %31s %u", a, &idx) == 2 && idx < inst->import_count) {
        snprintf(inst->names[inst->count], sizeof inst->names[0], "%s", a);
        inst->exports[inst->count++] = inst->imports[idx];
    } else if (sscanf(line, "global %31s %u", a, &idx) == 2) {
        wasm_value_t v = {.type = WASM_I32, .of.i32 = idx};
        snprintf(inst->names[inst->count], sizeof inst->names[0], "%s", a);
        if (wasm_global_new(store, v, false, &inst->exports[inst->count++]) != WASM_OK)
            return set_err(err, WASM_ERR_NOMEM, "out of memory");
    } else if (sscanf(line, "func %31s %31s", a, b) == 2) {
        if (add_func(store, inst, a, b) != WASM_OK)
            return set_err(err, WASM_ERR_LINK, "bad fake function");
    } else if (strncmp(line, "start-trap", 10) == 0) {
        return set_err(err, WASM_ERR_TRAP, "unreachable");
    }
    return WASM_OK;
}

wasm_result_t wasm_instantiate(wasm_store_t *store, const wasm_module_t *module,
                               wasm_import_resolver_fn resolve, void *user,
                               wasm_instance_t **out, wasm_error_t *err)
{
    fake_instance_t *inst = calloc(1, sizeof *inst);
    if (!inst)
        return set_err(err, WASM_ERR_NOMEM, "out of memory");
    inst->next = store->instances;
    store->instances = inst;
    const char *p = strchr(module->text, '\n');
    while (p) {
        wasm_result_t r = instantiate_line(store, inst, p + 1, resolve, user, err);
        if (r != WASM_OK)
            return r;
        p = strchr(p + 1, '\n');
    }
    *out = inst;
    return WASM_OK;
}

wasm_result_t wasm_instance_export(const wasm_instance_t *inst, const char *name,
                                   wasm_extern_t *out)
{
    for (size_t i = 0; i < inst->count; i++) {
        if (strcmp(inst->names[i], name) == 0) {
            *out = inst->exports[i];
            return WASM_OK;
        }
    }
    return WASM_ERR_ARG;
}

static wasm_result_t run_behaviour(wasm_store_t *store, const fake_func_t *f,
                                   const wasm_value_t *args, wasm_value_t *res, wasm_error_t *err)
{
    const char *b = f->behaviour;
    for (uint32_t i = 0; i < f->type.result_count; i++)
        res[i].type = f->results[i];
    if (strcmp(b, "add") == 0)
        res[0].of.i32 = args[0].of.i32 + args[1].of.i32;
    else if (strcmp(b, "nan_canon_f32") == 0)
        res[0].of.f32_bits = 0xffc00000u; /* negative canonical NaN: still canonical */
    else if (strcmp(b, "nan_arith_f32") == 0)
        res[0].of.f32_bits = 0x7fc00001u;
    else if (strcmp(b, "neg_nan_f64") == 0)
        res[0].of.f64_bits = 0xfff8000000000000ull;
    else if (strcmp(b, "ext_id") == 0)
        res[0].of.ref = args[0].of.ref;
    else if (strcmp(b, "null_func") == 0)
        res[0].of.ref = NULL;
    else if (strcmp(b, "trap") == 0)
        return set_err(err, WASM_ERR_TRAP, "unreachable executed");
    else if (strcmp(b, "exhaust") == 0)
        return set_err(err, WASM_ERR_EXHAUSTED, "call stack exhausted");
    else if (strcmp(b, "two") == 0) {
        res[0].of.i32 = 1;
        res[1].of.i64 = 2;
    } else if (strcmp(b, "call_import0") == 0) {
        if (!f->owner->import_count)
            return set_err(err, WASM_ERR_TRAP, "no import");
        return wasm_func_call(store, f->owner->imports[0], args, 1, NULL, 0, err);
    }
    return WASM_OK;
}

wasm_result_t wasm_func_call(wasm_store_t *store, wasm_extern_t func, const wasm_value_t *args,
                             size_t arg_count, wasm_value_t *results, size_t result_count,
                             wasm_error_t *err)
{
    const fake_func_t *f = func.ptr;
    if (func.kind != WASM_EXTERN_FUNC || arg_count != f->type.param_count ||
        result_count < f->type.result_count)
        return set_err(err, WASM_ERR_ARG, "arity");
    for (size_t i = 0; i < arg_count; i++) {
        if (args[i].type != f->params[i])
            return set_err(err, WASM_ERR_ARG, "argument type");
    }
    if (f->host)
        return f->host(f->env, NULL, args, results, err);
    return f->behaviour ? run_behaviour(store, f, args, results, err) : WASM_OK;
}
