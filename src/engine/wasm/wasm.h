/*
 * wasm.h - the WebAssembly engine's internal API (decoder, validator, interpreter, store).
 *
 * This is the contract between the engine core (decode.c, validate.c, compile.c, interp*.c,
 * store.c) and its users: the spec-test runner (tools/wasm-spec-run), the host ABI for actors
 * (src/engine/wasm/host_abi.c, wasi.c) and the benchmarks. It is private to libactr.
 *
 * Model (WebAssembly 2.0 core spec, non-SIMD first):
 *   module    decoded AND validated bytes; immutable, may be instantiated many times.
 *   store     the sandbox: owns every instance, function, table, memory and global created in
 *             it, and carries the limits (fuel, deadline, memory caps, call depth). Objects from
 *             one store may be imported by other instances of the same store (spec "register"
 *             and linking tests). Freeing the store frees everything in it. After a trap the
 *             store stays usable (spec tests continue); the actor host decides to destroy it.
 *   extern    a typed handle to a function, table, memory or global living in a store.
 *
 * Threading: a store and everything in it is used by one thread at a time. Modules are
 * read-only after decode and may be shared between threads.
 *
 * Re-entrancy: a host function may call wasm_func_call() on the same store (the actor host ABI
 * calls the guest's allocator from inside an import); fuel, deadline and call depth are shared
 * with the outer call.
 *
 * Errors: functions return WASM_OK (0) or a wasm_result_t kind; when `err` is non-NULL it also
 * receives the kind and a human-readable message (never NULL-terminated past the buffer).
 */
#ifndef ACTR_ENGINE_WASM_H
#define ACTR_ENGINE_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum wasm_result {
    WASM_OK = 0,
    WASM_ERR_MALFORMED,  /* the binary cannot be decoded (spec: assert_malformed) */
    WASM_ERR_INVALID,    /* decoded but fails validation (spec: assert_invalid) */
    WASM_ERR_LINK,       /* unknown import or incompatible import type (assert_unlinkable) */
    WASM_ERR_TRAP,       /* a runtime trap: unreachable, out of bounds, div by zero, ... */
    WASM_ERR_EXHAUSTED,  /* call depth or value stack exhausted (assert_exhaustion) */
    WASM_ERR_FUEL,       /* the store's fuel ran out */
    WASM_ERR_TIMEOUT,    /* the store's wall-clock deadline passed */
    WASM_ERR_MEMORY_CAP, /* a memory.grow/instantiation beyond the store or process cap */
    WASM_ERR_NOMEM,      /* the host could not allocate */
    WASM_ERR_ARG,        /* API misuse: wrong arity/types, unknown export, ... */
    WASM_ERR_HOST,       /* a host function reported an error (treated as a trap by guests) */
} wasm_result_t;

#define WASM_ERROR_MESSAGE_MAX 256

typedef struct wasm_error {
    wasm_result_t kind;
    char message[WASM_ERROR_MESSAGE_MAX]; /* e.g. "integer divide by zero", "type mismatch" */
} wasm_error_t;

/* Short stable name of a result kind: "ok", "malformed", "invalid", "link", "trap", ... */
const char *wasm_result_name(wasm_result_t kind);

/* ---- values --------------------------------------------------------------------------------- */

typedef enum wasm_valtype {
    WASM_I32 = 0x7f,
    WASM_I64 = 0x7e,
    WASM_F32 = 0x7d,
    WASM_F64 = 0x7c,
    WASM_V128 = 0x7b,
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6f,
} wasm_valtype_t;

/* Floats travel as raw bits so NaN payloads survive (the spec tests check them). References:
 * NULL is ref.null; a funcref points at a function of the store; an externref is an opaque
 * host pointer (the spec runner maps `ref.extern N` to (void *)(uintptr_t)(N + 1)). */
typedef struct wasm_value {
    wasm_valtype_t type;
    union {
        uint32_t i32;
        uint64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        uint8_t v128[16];
        void *ref;
    } of;
} wasm_value_t;

typedef struct wasm_functype {
    uint32_t param_count;
    uint32_t result_count;
    const wasm_valtype_t *params;  /* param_count entries */
    const wasm_valtype_t *results; /* result_count entries */
} wasm_functype_t;

typedef struct wasm_limits_range {
    uint32_t min;
    uint32_t max; /* meaningful only when has_max */
    bool has_max;
} wasm_limits_range_t;

/* ---- modules -------------------------------------------------------------------------------- */

typedef struct wasm_module wasm_module_t;

/* Decodes and validates `len` bytes (copied: the caller may free them afterwards). On failure
 * returns WASM_ERR_MALFORMED or WASM_ERR_INVALID (or NOMEM) and *out stays NULL. */
wasm_result_t wasm_module_new(const uint8_t *bytes, size_t len, wasm_module_t **out,
                              wasm_error_t *err);
void wasm_module_free(wasm_module_t *module);

typedef enum wasm_extern_kind {
    WASM_EXTERN_FUNC = 0,
    WASM_EXTERN_TABLE = 1,
    WASM_EXTERN_MEMORY = 2,
    WASM_EXTERN_GLOBAL = 3,
} wasm_extern_kind_t;

typedef struct wasm_import_desc {
    const char *module; /* UTF-8, NUL-terminated (names with NUL bytes are reported malformed) */
    const char *name;
    wasm_extern_kind_t kind;
} wasm_import_desc_t;

size_t wasm_module_import_count(const wasm_module_t *module);
void wasm_module_import(const wasm_module_t *module, size_t index, wasm_import_desc_t *out);
size_t wasm_module_export_count(const wasm_module_t *module);
/* Name and kind of export `index`. */
void wasm_module_export(const wasm_module_t *module, size_t index, const char **name,
                        wasm_extern_kind_t *kind);

/* ---- stores, limits ------------------------------------------------------------------------- */

typedef struct wasm_store wasm_store_t;

typedef struct wasm_store_limits {
    uint64_t fuel;              /* instructions (roughly: one per executed opcode); 0 = unlimited */
    uint64_t deadline_ns;       /* absolute CLOCK_MONOTONIC time; 0 = none */
    size_t memory_cap_bytes;    /* sum of all linear memories + tables of this store; 0 = none */
    uint32_t max_call_depth;    /* wasm frames; 0 = engine default (e.g. 10,000) */
    size_t max_stack_bytes;     /* value/operand stack; 0 = engine default */
} wasm_store_limits_t;

void wasm_store_limits_default(wasm_store_limits_t *limits);

/* limits may be NULL (defaults). */
wasm_result_t wasm_store_new(const wasm_store_limits_t *limits, wasm_store_t **out);
void wasm_store_free(wasm_store_t *store);

/* Refill or change budgets between calls (the actor host sets them per entry). */
void wasm_store_set_fuel(wasm_store_t *store, uint64_t fuel);
uint64_t wasm_store_fuel_left(const wasm_store_t *store);
void wasm_store_set_deadline(wasm_store_t *store, uint64_t deadline_ns);
/* Bytes of linear memory + table storage this store has committed right now. */
size_t wasm_store_committed_bytes(const wasm_store_t *store);

/* A cap on the linear memory committed by all stores of the process together (0 = none). */
void wasm_set_process_memory_cap(size_t bytes);
size_t wasm_process_committed_bytes(void);

/* ---- externs and instances ------------------------------------------------------------------ */

/* A handle to an object in a store; valid while the store lives. */
typedef struct wasm_extern {
    wasm_extern_kind_t kind;
    void *ptr;
} wasm_extern_t;

typedef struct wasm_instance wasm_instance_t;

/* Resolves one import of a module being instantiated. Return WASM_OK with *out set, or
 * WASM_ERR_LINK ("unknown import"). Type compatibility is checked by the engine. */
typedef wasm_result_t (*wasm_import_resolver_fn)(void *user, const wasm_import_desc_t *import,
                                                 wasm_extern_t *out);

/* Instantiates: resolves imports, allocates, initialises segments, runs the start function.
 * A trap during initialisation or start returns WASM_ERR_TRAP (the spec's assert_trap on a
 * module / assert_uninstantiable); objects already created stay in the store as the spec
 * requires for shared tables/memories. */
wasm_result_t wasm_instantiate(wasm_store_t *store, const wasm_module_t *module,
                               wasm_import_resolver_fn resolve, void *user,
                               wasm_instance_t **out, wasm_error_t *err);

/* Looks up an export by name; WASM_ERR_ARG when absent. */
wasm_result_t wasm_instance_export(const wasm_instance_t *instance, const char *name,
                                   wasm_extern_t *out);

/* ---- functions ------------------------------------------------------------------------------ */

typedef struct wasm_caller wasm_caller_t;

/* A host function. args/results follow `type`. Return WASM_OK, or an error kind (the call traps
 * with err->message). `caller` gives the calling instance's exported memory "memory", if any. */
typedef wasm_result_t (*wasm_host_fn)(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                      wasm_value_t *results, wasm_error_t *err);

/* Memory of the instance that called a host function: its memory 0 (NULL, *len 0 if none).
 * The pointer is valid until the next guest instruction (memory.grow may move it). */
uint8_t *wasm_caller_memory(wasm_caller_t *caller, size_t *len);
wasm_store_t *wasm_caller_store(wasm_caller_t *caller);

/* Creates a host function in the store; `type` is copied. */
wasm_result_t wasm_func_new_host(wasm_store_t *store, const wasm_functype_t *type,
                                 wasm_host_fn fn, void *env, wasm_extern_t *out);
/* The type of a function extern (pointers valid while the store lives). */
void wasm_func_type(wasm_extern_t func, wasm_functype_t *out);

/* Calls a function (guest or host). Argument count and types must match (else WASM_ERR_ARG).
 * results must have room for the function's result count. Traps, exhaustion, fuel and timeout
 * come back as their kinds with a message; the store stays usable afterwards. */
wasm_result_t wasm_func_call(wasm_store_t *store, wasm_extern_t func, const wasm_value_t *args,
                             size_t arg_count, wasm_value_t *results, size_t result_count,
                             wasm_error_t *err);

/* ---- globals, memories, tables (for linking, the spectest module and the host ABI) ---------- */

wasm_result_t wasm_global_new(wasm_store_t *store, wasm_value_t init, bool mutable_,
                              wasm_extern_t *out);
wasm_value_t wasm_global_get(wasm_extern_t global);
bool wasm_global_is_mutable(wasm_extern_t global);

wasm_result_t wasm_memory_new(wasm_store_t *store, wasm_limits_range_t pages, wasm_extern_t *out);
/* Current bytes; the pointer is valid until the memory grows. */
uint8_t *wasm_memory_data(wasm_extern_t memory, size_t *len);
/* Grows by `pages` 64 KiB pages; returns the old size in pages, or -1 (limit, cap, no memory). */
int64_t wasm_memory_grow(wasm_extern_t memory, uint32_t pages);

wasm_result_t wasm_table_new(wasm_store_t *store, wasm_valtype_t elem, wasm_limits_range_t size,
                             wasm_extern_t *out);
uint32_t wasm_table_size(wasm_extern_t table);

#endif
