/*
 * workload.c - a WASM core-module actor as an actr_workload_t (workload.h). The entries
 * themselves (frames, bridge tokens, reply decoding) are the shared ABI layer's
 * actr_abi_workload_new(); this file is its guest transport: one instance in its own store,
 * frames copied through linear memory, per-entry fuel and deadline, and the instance thrown
 * away and rebuilt after any fault (engines.md §3.5-3.6).
 */
#include "engine/wasm/workload.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"
#include "engine/abi/abi.h"
#include "engine/wasm/guest_mem.h"
#include "engine/wasm/host_abi.h"
#include "engine/wasm/module_cache.h"
#include "engine/wasm/wasi.h"
#include "engine/wasm/wasm.h"

/* The exports the ABI needs, with their types. */
enum { EXP_ALLOC, EXP_FREE, EXP_INIT, EXP_HANDLE, EXP_SHUTDOWN, EXP_INITIALIZE, EXP_COUNT };

typedef struct export_spec {
    const char *name;
    bool required;
    uint32_t param_count, result_count; /* all i32 */
    const char *signature;              /* for the error message */
} export_spec_t;

static const export_spec_t EXPORTS[EXP_COUNT] = {
    [EXP_ALLOC] = {"actr_alloc", true, 1, 1, "(i32) -> i32"},
    [EXP_FREE] = {"actr_free", true, 2, 0, "(i32, i32) -> ()"},
    [EXP_INIT] = {"actr_init", true, 2, 1, "(i32, i32) -> i32"},
    [EXP_HANDLE] = {"actr_handle", true, 3, 1, "(i32, i32, i32) -> i32"},
    [EXP_SHUTDOWN] = {"actr_shutdown", false, 0, 1, "() -> i32"},
    [EXP_INITIALIZE] = {"_initialize", false, 0, 0, "() -> ()"},
};

/* What this engine takes from the hyper's WasmRuntimeLimits. */
typedef struct actor_limits {
    uint64_t fuel;          /* per entry */
    uint64_t timeout_ms;    /* per entry */
    size_t memory_cap;      /* linear memory + tables of the instance */
    size_t stack_bytes;     /* value stack */
    size_t module_bytes;
    size_t process_cap;
} actor_limits_t;

typedef struct wasm_actor {
    wasm_module_t *module;
    actor_limits_t limits;
    char name[ACTR_TYPE_STR_SIZE];
    uint8_t *init_payload;
    size_t init_len;
    /* The live instance; store is NULL after a fault until the next entry rebuilds it. */
    wasm_store_t *store;
    wasm_extern_t fn[EXP_COUNT];
    bool has[EXP_COUNT];
    actr_wasi_t wasi;
    actr_wasm_host_t host;
    char missing_import[160]; /* the first import the resolver could not provide */
    uint64_t rebuilds;
    bool shut_down;
} wasm_actor_t;

static uint64_t deadline_after(uint64_t ms)
{
    return actr_clock_mono_ns() + ms * 1000000ull;
}

/* Fresh budgets for one entry (or one initialisation). */
static void arm(wasm_actor_t *a)
{
    wasm_store_set_fuel(a->store, a->limits.fuel);
    wasm_store_set_deadline(a->store, deadline_after(a->limits.timeout_ms));
}

static void drop_instance(wasm_actor_t *a)
{
    if (a->store)
        wasm_store_free(a->store);
    a->store = NULL;
    memset(a->has, 0, sizeof a->has);
}

/*
 * Turns a failed guest call into the entry's error. Every kind but a business status means the
 * instance is gone: the caller drops it. `what` names the guest function.
 */
static int guest_fault(wasm_actor_t *a, wasm_result_t r, const wasm_error_t *werr,
                       const char *what, actr_error_t *err)
{
    const char *msg = werr->message[0] ? werr->message : wasm_result_name(r);
    uint32_t code;
    if (r == WASM_ERR_HOST && actr_wasi_take_exit(&a->wasi, &code))
        return actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "wasm guest %s exited with proc_exit(%u) in %s", a->name, code,
                              what);
    switch (r) {
    case WASM_ERR_TIMEOUT:
        return actr_error_set(err, ACTR_ETIMEDOUT, ACTR_KIND_TRANSIENT, ACTR_WIRE_TIMED_OUT,
                              "wasm guest %s: %s timed out after %llu ms", a->name, what,
                              (unsigned long long)a->limits.timeout_ms);
    case WASM_ERR_FUEL:
        return actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "wasm guest %s: %s ran out of fuel (%llu instructions)", a->name,
                              what, (unsigned long long)a->limits.fuel);
    case WASM_ERR_EXHAUSTED:
        return actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "wasm guest %s: %s exhausted the call stack (%s)", a->name, what,
                              msg);
    case WASM_ERR_MEMORY_CAP:
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "wasm guest %s: %s exceeded the memory cap of %zu bytes (%s)",
                              a->name, what, a->limits.memory_cap, msg);
    case WASM_ERR_NOMEM:
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "wasm guest %s: %s: out of memory (%s)", a->name, what, msg);
    default:
        return actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "wasm guest %s: trap in %s: %s", a->name, what, msg);
    }
}

static wasm_result_t call_i32(wasm_actor_t *a, int which, const uint32_t *args, size_t n,
                              uint32_t *result, wasm_error_t *werr)
{
    wasm_value_t av[3], rv = {.type = WASM_I32};
    for (size_t i = 0; i < n; i++)
        av[i] = (wasm_value_t){.type = WASM_I32, .of.i32 = args[i]};
    size_t nres = EXPORTS[which].result_count;
    memset(werr, 0, sizeof *werr);
    wasm_result_t r = wasm_func_call(a->store, a->fn[which], av, n, &rv, nres, werr);
    if (r == WASM_OK && result)
        *result = rv.of.i32;
    return r;
}

/* ---- instantiation ------------------------------------------------------------------------ */

static void wasi_output(void *user, int fd, const uint8_t *data, size_t len)
{
    wasm_actor_t *a = user;
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--; /* one log record per write: the newline is the record's end */
    if (len > ACTR_WASM_LOG_MAX)
        len = ACTR_WASM_LOG_MAX;
    char line[ACTR_WASM_LOG_MAX + 1];
    memcpy(line, data, len);
    line[len] = 0;
    actr_log(fd == 2 ? ACTR_LOG_WARN : ACTR_LOG_INFO, "wasm", line, ACTR_KV("actor", a->name),
             ACTR_KV("fd", fd == 2 ? "stderr" : "stdout"));
}

static wasm_result_t resolve(void *user, const wasm_import_desc_t *import, wasm_extern_t *out)
{
    wasm_actor_t *a = user;
    wasm_result_t r = WASM_ERR_LINK;
    if (strcmp(import->module, ACTR_WASM_HOST_MODULE) == 0)
        r = actr_wasm_host_resolve(&a->host, import, out);
    else if (strcmp(import->module, ACTR_WASI_MODULE) == 0)
        r = actr_wasi_resolve(&a->wasi, a->store, import, out);
    if (r == WASM_ERR_LINK && !a->missing_import[0])
        snprintf(a->missing_import, sizeof a->missing_import, "%s.%s", import->module,
                 import->name);
    return r;
}

/* Finds and type-checks the ABI exports of the new instance. */
static int bind_exports(wasm_actor_t *a, wasm_instance_t *inst, actr_error_t *err)
{
    wasm_extern_t memory;
    if (wasm_instance_export(inst, "memory", &memory) != WASM_OK ||
        memory.kind != WASM_EXTERN_MEMORY)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "wasm module does not export its memory as \"memory\"");
    for (int i = 0; i < EXP_COUNT; i++) {
        const export_spec_t *e = &EXPORTS[i];
        wasm_extern_t f;
        if (wasm_instance_export(inst, e->name, &f) != WASM_OK) {
            if (e->required)
                return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                      "wasm module does not export %s %s", e->name,
                                      e->signature);
            continue;
        }
        wasm_functype_t t = {0};
        bool ok = f.kind == WASM_EXTERN_FUNC;
        if (ok) {
            wasm_func_type(f, &t);
            ok = t.param_count == e->param_count && t.result_count == e->result_count;
            for (uint32_t p = 0; ok && p < t.param_count; p++)
                ok = t.params[p] == WASM_I32;
            for (uint32_t q = 0; ok && q < t.result_count; q++)
                ok = t.results[q] == WASM_I32;
        }
        if (!ok)
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "wasm export %s must be a function %s", e->name, e->signature);
        a->fn[i] = f;
        a->has[i] = true;
    }
    actr_wasm_host_bind(&a->host, a->fn[EXP_ALLOC], memory);
    return 0;
}

/* Runs _initialize (if any) and actr_init with the InitPayloadV1. */
static int initialise(wasm_actor_t *a, actr_error_t *err)
{
    wasm_error_t werr;
    wasm_result_t r;
    if (a->has[EXP_INITIALIZE]) {
        arm(a);
        r = call_i32(a, EXP_INITIALIZE, NULL, 0, NULL, &werr);
        if (r != WASM_OK)
            return guest_fault(a, r, &werr, "_initialize", err);
    }
    arm(a);
    uint32_t ptr = 0, status = 0;
    memset(&werr, 0, sizeof werr);
    r = actr_wasm_host_copy_in(&a->host, a->init_payload, (uint32_t)a->init_len, 0, &ptr, &werr);
    if (r != WASM_OK)
        return guest_fault(a, r, &werr, "actr_alloc", err);
    uint32_t args[2] = {ptr, (uint32_t)a->init_len};
    r = call_i32(a, EXP_INIT, args, 2, &status, &werr);
    if (r != WASM_OK)
        return guest_fault(a, r, &werr, "actr_init", err);
    if (status != 0)
        return actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "wasm guest %s: actr_init returned %d (%s)", a->name,
                              (int32_t)status, actr_abi_code_name((int32_t)status));
    r = call_i32(a, EXP_FREE, args, 2, NULL, &werr);
    return r == WASM_OK ? 0 : guest_fault(a, r, &werr, "actr_free", err);
}

/* A fresh store and instance, initialised. On failure nothing is left behind. */
static int start_instance(wasm_actor_t *a, actr_error_t *err)
{
    wasm_store_limits_t sl;
    wasm_store_limits_default(&sl);
    sl.fuel = a->limits.fuel;
    sl.deadline_ns = deadline_after(a->limits.timeout_ms);
    sl.memory_cap_bytes = a->limits.memory_cap;
    sl.max_stack_bytes = a->limits.stack_bytes;
    if (wasm_store_new(&sl, &a->store) != WASM_OK)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    actr_wasi_init(&a->wasi, wasi_output, a);
    actr_wasm_host_init(&a->host, a->store, a->name);
    a->missing_import[0] = 0;

    wasm_instance_t *inst = NULL;
    wasm_error_t werr;
    memset(&werr, 0, sizeof werr);
    wasm_result_t r = wasm_instantiate(a->store, a->module, resolve, a, &inst, &werr);
    int rc;
    if (r == WASM_ERR_LINK)
        rc = actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                            "wasm module imports %s, which the host does not provide (%s)",
                            a->missing_import[0] ? a->missing_import : "something",
                            werr.message);
    else if (r != WASM_OK)
        rc = guest_fault(a, r, &werr, "instantiation", err);
    else
        rc = bind_exports(a, inst, err);
    if (rc == 0)
        rc = initialise(a, err);
    if (rc != 0)
        drop_instance(a);
    return rc;
}

/* ---- the guest transport ------------------------------------------------------------------ */

/* Copies the guest's reply out and frees it in the guest. */
static int take_reply(wasm_actor_t *a, uint32_t resp_out, uint8_t **reply, size_t *reply_len,
                      actr_error_t *err)
{
    size_t mem_len = 0;
    uint8_t *mem = wasm_memory_data(a->host.memory, &mem_len);
    if ((uint64_t)resp_out + 8 > mem_len)
        return actr_error_set(err, ACTR_EPROTO, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "wasm guest %s: response slot outside memory", a->name);
    uint32_t ptr = actr_wasm_get_u32(mem + resp_out), len = actr_wasm_get_u32(mem + resp_out + 4);
    if ((uint64_t)ptr + len > mem_len || len > ACTR_ABI_MAX_FRAME)
        return actr_error_set(err, ACTR_EPROTO, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "wasm guest %s returned a reply outside its memory "
                              "(%u bytes at %u)", a->name, len, ptr);
    *reply = malloc(len ? len : 1);
    if (!*reply)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    memcpy(*reply, mem + ptr, len);
    *reply_len = len;
    wasm_error_t werr;
    uint32_t args[2] = {ptr, len};
    wasm_result_t r = call_i32(a, EXP_FREE, args, 2, NULL, &werr);
    if (r != WASM_OK) {
        free(*reply);
        *reply = NULL;
        return guest_fault(a, r, &werr, "actr_free", err);
    }
    return 0;
}

/* The transport's handle: frame into the guest, actr_handle, AbiReply out. */
static int guest_handle(void *self, const uint8_t *frame, size_t len, uint8_t **reply,
                        size_t *reply_len, actr_error_t *err)
{
    wasm_actor_t *a = self;
    *reply = NULL;
    *reply_len = 0;
    if (a->shut_down)
        return actr_error_set(err, ACTR_ECLOSED, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "wasm guest %s was shut down", a->name);
    if (len > ACTR_ABI_MAX_FRAME)
        return actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_CLIENT, 0, "frame too large");
    if (!a->store) {
        int rc = start_instance(a, err);
        if (rc != 0)
            return rc;
        a->rebuilds++;
        actr_log(ACTR_LOG_INFO, "wasm", "instance rebuilt after a fault",
                 ACTR_KV("actor", a->name));
    }
    arm(a);
    /* One block: the frame, then the 8-byte (ptr, len) slot the guest answers in. */
    uint32_t block = 0, status = 0;
    wasm_error_t werr;
    memset(&werr, 0, sizeof werr);
    wasm_result_t r = actr_wasm_host_copy_in(&a->host, frame, (uint32_t)len, 8, &block, &werr);
    int rc = 0;
    if (r == WASM_ERR_NOMEM) {
        /* The guest allocator said no: a business failure, the instance stays. */
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "wasm guest %s: %s", a->name, werr.message);
    }
    if (r != WASM_OK) {
        rc = guest_fault(a, r, &werr, "actr_alloc", err);
        drop_instance(a);
        return rc;
    }
    uint32_t resp_out = block + (uint32_t)len;
    size_t mem_len = 0;
    uint8_t *mem = wasm_memory_data(a->host.memory, &mem_len);
    actr_wasm_put_u32(mem + resp_out, 0);
    actr_wasm_put_u32(mem + resp_out + 4, 0);
    uint32_t args[3] = {block, (uint32_t)len, resp_out};
    r = call_i32(a, EXP_HANDLE, args, 3, &status, &werr);
    if (r != WASM_OK) {
        rc = guest_fault(a, r, &werr, "actr_handle", err);
        drop_instance(a);
        return rc;
    }
    if (status != 0)
        rc = actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                            "wasm guest %s: actr_handle returned %d (%s)", a->name,
                            (int32_t)status, actr_abi_code_name((int32_t)status));
    else
        rc = take_reply(a, resp_out, reply, reply_len, err);
    if (!a->store)
        return rc;
    uint32_t free_args[2] = {block, (uint32_t)len + 8};
    r = call_i32(a, EXP_FREE, free_args, 2, NULL, &werr);
    if (r != WASM_OK) {
        free(*reply);
        *reply = NULL;
        *reply_len = 0;
        rc = guest_fault(a, r, &werr, "actr_free", err);
        drop_instance(a);
    }
    return rc;
}

/* actr_shutdown (when exported), then the instance is released for good. */
static int guest_shutdown(void *self, actr_error_t *err)
{
    wasm_actor_t *a = self;
    int rc = 0;
    if (a->store && a->has[EXP_SHUTDOWN]) {
        arm(a);
        wasm_error_t werr;
        uint32_t status = 0;
        wasm_result_t r = call_i32(a, EXP_SHUTDOWN, NULL, 0, &status, &werr);
        if (r != WASM_OK)
            rc = guest_fault(a, r, &werr, "actr_shutdown", err);
        else if (status != 0)
            rc = actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                                "wasm guest %s: actr_shutdown returned %d (%s)", a->name,
                                (int32_t)status, actr_abi_code_name((int32_t)status));
    }
    drop_instance(a);
    a->shut_down = true;
    return rc;
}

static void actor_free(wasm_actor_t *a)
{
    if (!a)
        return;
    drop_instance(a);
    actr_wasm_module_release(a->module);
    free(a->init_payload);
    free(a);
}

static void guest_destroy(void *self)
{
    actor_free(self);
}

static const actr_abi_guest_vtable_t WASM_GUEST = {
    .handle = guest_handle,
    .shutdown = guest_shutdown,
    .destroy = guest_destroy,
};

/* ---- construction ------------------------------------------------------------------------- */

/* Size limits are clamped to size_t; zero fields take the reference's defaults. */
static size_t clamp_size(uint64_t v)
{
    return v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

static void take_limits(actor_limits_t *out, const actr_wasm_limits_t *given)
{
    actr_wasm_limits_t d;
    actr_wasm_limits_default(&d);
    const actr_wasm_limits_t *l = given ? given : &d;
#define PICK(f) (l->f ? l->f : d.f)
    out->fuel = PICK(fuel_per_invocation);
    out->timeout_ms = PICK(invocation_timeout_ms);
    uint64_t tables = PICK(max_table_elements);
    uint64_t memory = PICK(max_linear_memory);
    out->memory_cap = clamp_size(memory + (tables > UINT32_MAX ? UINT32_MAX : tables) * 8);
    out->stack_bytes = clamp_size(PICK(max_wasm_stack));
    out->module_bytes = clamp_size(PICK(max_component_bytes));
    out->process_cap = clamp_size(PICK(max_total_linear_memory));
#undef PICK
}

static int load_module(wasm_actor_t *a, const uint8_t *wasm, size_t len, actr_error_t *err)
{
    if (len > a->limits.module_bytes)
        return actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_CLIENT, 0,
                              "wasm module of %zu bytes exceeds the limit of %zu", len,
                              a->limits.module_bytes);
    wasm_error_t werr;
    memset(&werr, 0, sizeof werr);
    wasm_result_t r = actr_wasm_module_acquire(wasm, len, &a->module, &werr);
    if (r == WASM_ERR_NOMEM)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    if (r != WASM_OK)
        return actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, ACTR_WIRE_DECODE_FAILURE,
                              "wasm module is %s: %s", wasm_result_name(r), werr.message);
    return 0;
}

/* InitPayloadV1{version 1} when no type is known (actr_type left empty). */
static const uint8_t UNTYPED_INIT[] = {0x08, 0x01};

int actr_wasm_workload_new_typed(const uint8_t *wasm, size_t len, const actr_wasm_limits_t *limits,
                                 const actr_type_t *type, actr_workload_t *out, actr_error_t *err)
{
    if (!wasm || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "wasm workload: module bytes and out are required");
    wasm_actor_t *a = calloc(1, sizeof *a);
    if (!a)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    take_limits(&a->limits, limits);
    wasm_set_process_memory_cap(a->limits.process_cap);
    int rc = 0;
    if (type) {
        rc = actr_type_format(type, a->name, sizeof a->name, err);
        if (rc == 0 && actr_abi_init_payload(type, &a->init_payload, &a->init_len) != 0)
            rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    } else {
        snprintf(a->name, sizeof a->name, "(untyped)");
        a->init_payload = malloc(sizeof UNTYPED_INIT);
        if (a->init_payload) {
            memcpy(a->init_payload, UNTYPED_INIT, sizeof UNTYPED_INIT);
            a->init_len = sizeof UNTYPED_INIT;
        } else {
            rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
        }
    }
    if (rc == 0)
        rc = load_module(a, wasm, len, err);
    if (rc == 0)
        rc = start_instance(a, err);
    if (rc == 0)
        rc = actr_abi_workload_new(&WASM_GUEST, a, "wasm", out, err);
    if (rc != 0)
        actor_free(a);
    return rc;
}

int actr_wasm_workload_new(const uint8_t *wasm, size_t len, const actr_wasm_limits_t *limits,
                           actr_workload_t *out, actr_error_t *err)
{
    return actr_wasm_workload_new_typed(wasm, len, limits, NULL, out, err);
}
