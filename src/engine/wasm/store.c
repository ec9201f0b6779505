/*
 * store.c - stores (the sandbox: object ownership, fuel, deadline, memory caps, the operand and
 * frame stacks) and the store-owned objects memories, tables and globals. Linear memory is
 * committed as it grows (realloc), never reserved up front, and every byte is charged against
 * the store's cap and the process-wide cap before it is allocated.
 */
#include "engine/wasm/wasm_int.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static _Atomic size_t process_committed;
static _Atomic size_t process_cap;

wasm_result_t wasm_fail(wasm_error_t *err, wasm_result_t kind, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->kind = kind;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return kind;
}

const char *wasm_result_name(wasm_result_t kind)
{
    static const char *const names[] = {"ok", "malformed", "invalid", "link", "trap", "exhausted",
                                        "fuel", "timeout", "memory cap", "nomem", "arg", "host"};
    if ((unsigned)kind < sizeof names / sizeof names[0])
        return names[kind];
    return "unknown";
}

void wasm_set_process_memory_cap(size_t bytes)
{
    atomic_store(&process_cap, bytes);
}

size_t wasm_process_committed_bytes(void)
{
    return atomic_load(&process_committed);
}

bool wasm_store_charge(wasm_store_t *s, size_t bytes)
{
    if (s->lim.memory_cap_bytes && bytes > s->lim.memory_cap_bytes - s->committed)
        return false;
    size_t cap = atomic_load(&process_cap);
    size_t before = atomic_fetch_add(&process_committed, bytes);
    if (cap && before + bytes > cap) {
        atomic_fetch_sub(&process_committed, bytes);
        return false;
    }
    s->committed += bytes;
    return true;
}

void wasm_store_uncharge(wasm_store_t *s, size_t bytes)
{
    s->committed -= bytes;
    atomic_fetch_sub(&process_committed, bytes);
}

void wasm_store_limits_default(wasm_store_limits_t *limits)
{
    memset(limits, 0, sizeof *limits);
    limits->max_call_depth = WASM_DEFAULT_CALL_DEPTH;
    limits->max_stack_bytes = WASM_DEFAULT_STACK_BYTES;
}

wasm_result_t wasm_store_new(const wasm_store_limits_t *limits, wasm_store_t **out)
{
    *out = NULL;
    wasm_store_t *s = calloc(1, sizeof *s);
    if (!s)
        return WASM_ERR_NOMEM;
    if (limits)
        s->lim = *limits;
    else
        wasm_store_limits_default(&s->lim);
    if (!s->lim.max_call_depth)
        s->lim.max_call_depth = WASM_DEFAULT_CALL_DEPTH;
    if (s->lim.max_stack_bytes < 4096)
        s->lim.max_stack_bytes = s->lim.max_stack_bytes ? 4096 : WASM_DEFAULT_STACK_BYTES;
    s->max_depth = s->lim.max_call_depth;
    wasm_store_set_fuel(s, s->lim.fuel);
    s->ticks = 1;
    *out = s;
    return WASM_OK;
}

/* The stacks are allocated on the first call, so idle stores cost no stack memory. */
wasm_result_t wasm_store_ensure_stack(wasm_store_t *s)
{
    if (s->stack)
        return WASM_OK;
    size_t slots = s->lim.max_stack_bytes / sizeof(uint64_t);
    s->stack = malloc(slots * sizeof(uint64_t));
    s->frames = malloc((size_t)s->max_depth * sizeof *s->frames);
    if (!s->stack || !s->frames) {
        free(s->stack);
        free(s->frames);
        s->stack = NULL;
        s->frames = NULL;
        return WASM_ERR_NOMEM;
    }
    s->stack_end = s->stack + slots;
    s->sp = s->stack;
    return WASM_OK;
}

void *wasm_store_alloc(wasm_store_t *s, size_t size, int is_instance, wasm_extern_kind_t kind)
{
    const size_t head = (sizeof(wasm_obj_t) + 15) & ~(size_t)15;
    uint8_t *p = calloc(1, head + size);
    if (!p)
        return NULL;
    wasm_obj_t *o = (wasm_obj_t *)p;
    o->kind = kind;
    o->is_instance = is_instance;
    o->next = s->objects;
    s->objects = o;
    return p + head;
}

static void free_object(wasm_store_t *s, wasm_obj_t *o)
{
    const size_t head = (sizeof(wasm_obj_t) + 15) & ~(size_t)15;
    void *body = (uint8_t *)o + head;
    if (o->is_instance) {
        wasm_instance_t *in = body;
        if (in->elem_refs)
            for (uint32_t i = 0; i < in->module->nelems; i++)
                free(in->elem_refs[i]);
        free(in->elem_refs);
        free(in->elem_len);
        free(in->data_len);
        free(in->funcs);
        free(in->tables);
        free(in->globals);
    } else if (o->kind == WASM_EXTERN_MEMORY) {
        wasm_memory_t *m = body;
        wasm_store_uncharge(s, m->size);
        free(m->data);
    } else if (o->kind == WASM_EXTERN_TABLE) {
        wasm_table_t *t = body;
        wasm_store_uncharge(s, (size_t)t->size * sizeof(void *));
        free(t->elems);
    } else if (o->kind == WASM_EXTERN_FUNC) {
        wasm_func_t *f = body;
        free((void *)f->own_type.params);
        free((void *)f->own_type.results);
    }
    free(o);
}

void wasm_store_free(wasm_store_t *store)
{
    if (!store)
        return;
    for (wasm_obj_t *o = store->objects, *next; o; o = next) {
        next = o->next;
        free_object(store, o);
    }
    free(store->stack);
    free(store->frames);
    free(store);
}

void wasm_store_set_fuel(wasm_store_t *store, uint64_t fuel)
{
    store->fuel_limited = fuel != 0;
    store->fuel = fuel > INT64_MAX ? INT64_MAX : (int64_t)fuel;
}

uint64_t wasm_store_fuel_left(const wasm_store_t *store)
{
    return store->fuel_limited ? (uint64_t)store->fuel : UINT64_MAX;
}

void wasm_store_set_deadline(wasm_store_t *store, uint64_t deadline_ns)
{
    store->lim.deadline_ns = deadline_ns;
    store->ticks = 1; /* check at the next loop head or call */
}

size_t wasm_store_committed_bytes(const wasm_store_t *store)
{
    return store->committed;
}

bool wasm_store_check_deadline(wasm_store_t *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return now >= s->lim.deadline_ns;
}

/* ---- memories --------------------------------------------------------------------------- */

int64_t wasm_memory_grow_obj(wasm_memory_t *m, uint32_t pages)
{
    uint32_t old = m->pages;
    uint64_t max = m->lim.has_max ? m->lim.max : WASM_MAX_PAGES;
    if ((uint64_t)old + pages > max)
        return -1;
    if (pages == 0)
        return old;
    size_t add = (size_t)pages * WASM_PAGE_SIZE, size = (size_t)m->size + add;
    if (!wasm_store_charge(m->store, add))
        return -1;
    uint8_t *data = realloc(m->data, size);
    if (!data) {
        wasm_store_uncharge(m->store, add);
        return -1;
    }
    memset(data + m->size, 0, add);
    m->data = data;
    m->size = size;
    m->pages = old + pages;
    return old;
}

wasm_memory_t *wasm_memory_create(wasm_store_t *s, wasm_limits_range_t lim)
{
    wasm_memory_t *m = wasm_store_alloc(s, sizeof *m, 0, WASM_EXTERN_MEMORY);
    if (!m)
        return NULL;
    m->lim = lim;
    m->store = s;
    if (lim.min && wasm_memory_grow_obj(m, lim.min) < 0)
        return NULL; /* stays on the store's list, freed with it */
    return m;
}

wasm_result_t wasm_memory_new(wasm_store_t *store, wasm_limits_range_t pages, wasm_extern_t *out)
{
    if (pages.min > WASM_MAX_PAGES || (pages.has_max && pages.max < pages.min))
        return WASM_ERR_ARG;
    wasm_memory_t *m = wasm_memory_create(store, pages);
    if (!m)
        return WASM_ERR_MEMORY_CAP;
    out->kind = WASM_EXTERN_MEMORY;
    out->ptr = m;
    return WASM_OK;
}

uint8_t *wasm_memory_data(wasm_extern_t memory, size_t *len)
{
    wasm_memory_t *m = memory.ptr;
    *len = (size_t)m->size;
    return m->data;
}

int64_t wasm_memory_grow(wasm_extern_t memory, uint32_t pages)
{
    return wasm_memory_grow_obj(memory.ptr, pages);
}

/* ---- tables ----------------------------------------------------------------------------- */

int64_t wasm_table_grow_obj(wasm_table_t *t, uint32_t n, void *init)
{
    uint32_t old = t->size;
    uint64_t max = t->lim.has_max ? t->lim.max : UINT32_MAX;
    if ((uint64_t)old + n > max || (uint64_t)old + n > WASM_MAX_TABLE)
        return -1;
    if (n == 0)
        return old;
    size_t add = (size_t)n * sizeof(void *);
    if (!wasm_store_charge(t->store, add))
        return -1;
    void **e = realloc(t->elems, ((size_t)old + n) * sizeof(void *));
    if (!e) {
        wasm_store_uncharge(t->store, add);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++)
        e[old + i] = init;
    t->elems = e;
    t->size = old + n;
    return old;
}

wasm_table_t *wasm_table_create(wasm_store_t *s, wasm_valtype_t type, wasm_limits_range_t lim)
{
    wasm_table_t *t = wasm_store_alloc(s, sizeof *t, 0, WASM_EXTERN_TABLE);
    if (!t)
        return NULL;
    t->type = type;
    t->lim = lim;
    t->store = s;
    if (lim.min && wasm_table_grow_obj(t, lim.min, NULL) < 0)
        return NULL;
    return t;
}

wasm_result_t wasm_table_new(wasm_store_t *store, wasm_valtype_t elem, wasm_limits_range_t size,
                             wasm_extern_t *out)
{
    if (!wasm_is_ref(elem) || (size.has_max && size.max < size.min))
        return WASM_ERR_ARG;
    wasm_table_t *t = wasm_table_create(store, elem, size);
    if (!t)
        return WASM_ERR_MEMORY_CAP;
    out->kind = WASM_EXTERN_TABLE;
    out->ptr = t;
    return WASM_OK;
}

uint32_t wasm_table_size(wasm_extern_t table)
{
    return ((wasm_table_t *)table.ptr)->size;
}

/* ---- globals ---------------------------------------------------------------------------- */

wasm_result_t wasm_global_new(wasm_store_t *store, wasm_value_t init, bool mutable_,
                              wasm_extern_t *out)
{
    wasm_global_t *g = wasm_store_alloc(store, sizeof *g, 0, WASM_EXTERN_GLOBAL);
    if (!g)
        return WASM_ERR_NOMEM;
    g->type = init.type;
    g->mut = mutable_;
    switch (init.type) {
    case WASM_I32: case WASM_F32: g->val = init.of.i32; break;
    case WASM_I64: case WASM_F64: g->val = init.of.i64; break;
    case WASM_FUNCREF: case WASM_EXTERNREF: g->val = (uintptr_t)init.of.ref; break;
    default: return WASM_ERR_ARG;
    }
    out->kind = WASM_EXTERN_GLOBAL;
    out->ptr = g;
    return WASM_OK;
}

wasm_value_t wasm_global_get(wasm_extern_t global)
{
    wasm_global_t *g = global.ptr;
    wasm_value_t v;
    memset(&v, 0, sizeof v);
    v.type = g->type;
    if (wasm_is_ref(g->type))
        v.of.ref = (void *)(uintptr_t)g->val;
    else if (g->type == WASM_I32 || g->type == WASM_F32)
        v.of.i32 = (uint32_t)g->val;
    else
        v.of.i64 = g->val;
    return v;
}

bool wasm_global_is_mutable(wasm_extern_t global)
{
    return ((wasm_global_t *)global.ptr)->mut;
}
