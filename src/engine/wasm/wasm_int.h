/*
 * wasm_int.h - the engine's private structures: decoded modules, compiled code, runtime objects
 * (functions, memories, tables, globals, instances) and the store. Shared by decode*.c,
 * validate*.c, compile.c, interp.c, float.c, store.c and instance.c; never seen by users of
 * wasm.h.
 */
#ifndef ACTR_ENGINE_WASM_INT_H
#define ACTR_ENGINE_WASM_INT_H

#include "engine/wasm/wasm.h"

#include <string.h>

#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_PAGES 65536u
#define WASM_MAX_TABLE 10000000u  /* table entries we agree to allocate (the spec allows 2^32) */
#define WASM_MAX_LOCALS 50000u    /* per function; beyond: "too many locals" (malformed) */
#define WASM_DEFAULT_CALL_DEPTH 10000u
#define WASM_DEFAULT_STACK_BYTES (1u << 20)
/* Calls into wasm nested through host functions (guest -> host -> guest ...). Each level costs
 * C stack (the interpreter's and the host function's frames), so it is bounded on its own,
 * far below what a small worker-thread stack can hold. */
#define WASM_MAX_HOST_NESTING 64u

/* One cell of compiled code: a handler address (direct threading) or an immediate. */
typedef union wasm_cell {
    const void *op;
    uint64_t u64;
    int64_t i64;
    union wasm_cell *target;
    void *ptr;
} wasm_cell_t;

/* A constant expression of the 2.0 spec: one instruction (then `end`). */
typedef struct wasm_const {
    uint8_t op;   /* 0x41 i32, 0x42 i64, 0x43 f32, 0x44 f64, 0xD0 ref.null, 0xD2 ref.func, 0x23 global.get */
    uint64_t val; /* the constant bits, or the function/global index, or the ref.null type */
} wasm_const_t;

typedef struct wasm_import_def {
    char *module, *name;
    wasm_extern_kind_t kind;
    uint32_t type_idx;        /* func */
    wasm_valtype_t valtype;   /* table element type / global type */
    bool mut;                 /* global */
    wasm_limits_range_t lim;  /* table / memory */
} wasm_import_def_t;

typedef struct wasm_table_def {
    wasm_valtype_t elem;
    wasm_limits_range_t lim;
} wasm_table_def_t;

typedef struct wasm_global_def {
    wasm_valtype_t type;
    bool mut;
    wasm_const_t init; /* unused for imports */
} wasm_global_def_t;

typedef struct wasm_export_def {
    char *name;
    wasm_extern_kind_t kind;
    uint32_t index;
} wasm_export_def_t;

enum { WASM_SEG_ACTIVE = 0, WASM_SEG_PASSIVE = 1, WASM_SEG_DECLARATIVE = 2 };

typedef struct wasm_elem_def {
    uint8_t mode;
    uint32_t table;
    wasm_const_t offset;
    wasm_valtype_t type;
    uint32_t count;
    wasm_const_t *items;
} wasm_elem_def_t;

typedef struct wasm_data_def {
    uint8_t mode;
    uint32_t mem;
    wasm_const_t offset;
    const uint8_t *bytes; /* into module->bytes */
    uint32_t len;
} wasm_data_def_t;

/* One function defined by the module, before and after compilation. */
typedef struct wasm_code {
    uint32_t type_idx;
    const uint8_t *body; /* the expression (after the locals) */
    size_t body_len;
    uint32_t nparams, nresults;
    uint32_t nlocals;            /* params + declared locals */
    wasm_valtype_t *local_types; /* nlocals entries */
    wasm_cell_t *code;           /* compiled; NULL until validated */
    size_t code_len;
    uint32_t frame_slots;        /* locals + the deepest operand stack */
} wasm_code_t;

struct wasm_module {
    uint8_t *bytes;
    size_t len;
    wasm_functype_t *types;
    uint32_t ntypes;
    wasm_import_def_t *imports;
    uint32_t nimports;
    uint32_t nfuncs, nfunc_imports;       /* function index space */
    uint32_t *func_type;                  /* type index per function index */
    wasm_code_t *codes;                   /* nfuncs - nfunc_imports */
    uint32_t ncodes;                      /* entries of the code section */
    wasm_table_def_t *tables;             /* table index space (imports first) */
    uint32_t ntables, ntable_imports;
    wasm_limits_range_t *mems;
    uint32_t nmems, nmem_imports;
    wasm_global_def_t *globals;
    uint32_t nglobals, nglobal_imports;
    wasm_export_def_t *exports;
    uint32_t nexports;
    int64_t start; /* -1: none */
    wasm_elem_def_t *elems;
    uint32_t nelems;
    wasm_data_def_t *datas;
    uint32_t ndatas;
    bool has_datacount;
    uint32_t datacount;
    bool *func_declared; /* may be the operand of ref.func */
    bool uses_data_idx;  /* memory.init/data.drop seen without a data count section */
    bool has_data_section;
};

/* ---- runtime objects (owned by a store) ----------------------------------------------------- */

typedef struct wasm_func {
    const wasm_functype_t *type;
    struct wasm_instance *inst; /* wasm functions */
    const wasm_code_t *code;
    wasm_host_fn host;          /* host functions */
    void *env;
    wasm_functype_t own_type;   /* host functions: the copied type */
} wasm_func_t;

typedef struct wasm_memory {
    uint8_t *data;
    uint64_t size; /* bytes */
    uint32_t pages;
    wasm_limits_range_t lim;
    wasm_store_t *store;
} wasm_memory_t;

typedef struct wasm_table {
    void **elems;
    uint32_t size;
    wasm_valtype_t type;
    wasm_limits_range_t lim;
    wasm_store_t *store;
} wasm_table_t;

typedef struct wasm_global {
    uint64_t val; /* raw bits; references as uintptr_t */
    wasm_valtype_t type;
    bool mut;
} wasm_global_t;

struct wasm_instance {
    const wasm_module_t *module;
    wasm_store_t *store;
    wasm_func_t **funcs;
    wasm_table_t **tables;
    wasm_memory_t *mem; /* memory 0 or NULL */
    wasm_global_t **globals;
    void ***elem_refs;    /* per element segment, its evaluated references */
    uint32_t *elem_len;   /* 0 after elem.drop */
    uint32_t *data_len;   /* 0 after data.drop */
};

typedef struct wasm_frame {
    wasm_cell_t *ret_pc;
    uint64_t *fp;
    struct wasm_instance *inst;
} wasm_frame_t;

struct wasm_caller {
    wasm_store_t *store;
    struct wasm_instance *inst;
};

/* Every object of a store is on one list so the store can free it. */
typedef struct wasm_obj {
    struct wasm_obj *next;
    wasm_extern_kind_t kind; /* or -1 for instances */
    int is_instance;
} wasm_obj_t;

struct wasm_store {
    wasm_store_limits_t lim;
    int64_t fuel;        /* left; meaningful when fuel_limited */
    bool fuel_limited;
    uint32_t ticks;      /* deadline checks happen when this wraps */
    uint64_t *stack, *stack_end, *sp; /* operand stack; sp = first free slot */
    wasm_frame_t *frames;
    uint32_t depth, max_depth;
    uint32_t nesting;    /* wasm_interp_call levels active (re-entrancy) */
    size_t committed;
    wasm_obj_t *objects;
};

/* ---- internal functions --------------------------------------------------------------------- */

wasm_result_t wasm_fail(wasm_error_t *err, wasm_result_t kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* decode.c */
wasm_result_t wasm_decode(wasm_module_t *m, wasm_error_t *err);
void wasm_module_release(wasm_module_t *m);

/* validate.c */
wasm_result_t wasm_validate(wasm_module_t *m, wasm_error_t *err);

/* interp.c: the handler address table (direct threading) and the entry point. Arguments are at
 * store->sp[0..nparams) and results come back at the same place. */
const void *const *wasm_interp_labels(void);
wasm_result_t wasm_interp_call(wasm_store_t *s, wasm_func_t *f, wasm_error_t *err);

/* store.c */
void *wasm_store_alloc(wasm_store_t *s, size_t size, int is_instance, wasm_extern_kind_t kind);
bool wasm_store_charge(wasm_store_t *s, size_t bytes);
void wasm_store_uncharge(wasm_store_t *s, size_t bytes);
bool wasm_store_check_deadline(wasm_store_t *s);
wasm_result_t wasm_store_ensure_stack(wasm_store_t *s);
int64_t wasm_memory_grow_obj(wasm_memory_t *m, uint32_t pages);
int64_t wasm_table_grow_obj(wasm_table_t *t, uint32_t n, void *init);
wasm_memory_t *wasm_memory_create(wasm_store_t *s, wasm_limits_range_t lim);
wasm_table_t *wasm_table_create(wasm_store_t *s, wasm_valtype_t type, wasm_limits_range_t lim);

/* instance.c */
bool wasm_functype_equal(const wasm_functype_t *a, const wasm_functype_t *b);
wasm_result_t wasm_call_host(wasm_store_t *s, wasm_func_t *f, struct wasm_instance *caller,
                             uint64_t *slots, wasm_error_t *err);

static inline bool wasm_is_ref(wasm_valtype_t t)
{
    return t == WASM_FUNCREF || t == WASM_EXTERNREF;
}

static inline bool wasm_is_num(wasm_valtype_t t)
{
    return t == WASM_I32 || t == WASM_I64 || t == WASM_F32 || t == WASM_F64;
}

#endif
