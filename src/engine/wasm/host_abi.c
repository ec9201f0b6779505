/*
 * host_abi.c - the "actr" imports of a WASM actor (host_abi.h). The frame work itself (decode,
 * perform the op through the entry's ctx, encode the AbiReply) is the shared ABI layer's
 * actr_abi_host_invoke(); this file only moves bytes across linear memory.
 */
#include "engine/wasm/host_abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "engine/abi/abi.h"
#include "engine/wasm/guest_mem.h"

void actr_wasm_host_init(actr_wasm_host_t *host, wasm_store_t *store, const char *actor)
{
    memset(host, 0, sizeof *host);
    host->store = store;
    host->actor = actor ? actor : "wasm";
}

void actr_wasm_host_bind(actr_wasm_host_t *host, wasm_extern_t guest_alloc, wasm_extern_t memory)
{
    host->guest_alloc = guest_alloc;
    host->memory = memory;
    host->bound = true;
}

static wasm_result_t host_error(wasm_error_t *err, wasm_result_t kind, const char *msg)
{
    if (err) {
        err->kind = kind;
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return kind;
}

wasm_result_t actr_wasm_host_copy_in(actr_wasm_host_t *host, const uint8_t *data, uint32_t len,
                                     uint32_t extra, uint32_t *guest_ptr, wasm_error_t *err)
{
    if (!host->bound)
        return host_error(err, WASM_ERR_HOST, "actr host ABI used before the instance exists");
    if ((uint64_t)len + extra > UINT32_MAX)
        return host_error(err, WASM_ERR_NOMEM, "block larger than a 32-bit memory");
    wasm_value_t arg = {.type = WASM_I32, .of.i32 = len + extra}, res = {.type = WASM_I32};
    wasm_result_t r = wasm_func_call(host->store, host->guest_alloc, &arg, 1, &res, 1, err);
    if (r != WASM_OK)
        return r;
    /* The allocator may have grown memory: look it up only now. */
    size_t mem_len = 0;
    uint8_t *mem = wasm_memory_data(host->memory, &mem_len);
    uint8_t *dst = actr_wasm_span(mem, mem_len, res.of.i32, (uint64_t)len + extra);
    if (res.of.i32 == 0 || !dst)
        return host_error(err, WASM_ERR_NOMEM,
                          res.of.i32 ? "actr_alloc returned an address outside memory"
                                     : "actr_alloc returned 0");
    if (len)
        memcpy(dst, data, len);
    *guest_ptr = res.of.i32;
    return WASM_OK;
}

static void ret_i32(wasm_value_t *results, int32_t v)
{
    results[0].type = WASM_I32;
    results[0].of.i32 = (uint32_t)v;
}

/* invoke(token i64, frame_ptr i32, frame_len i32, reply_out i32) -> i32 */
static wasm_result_t host_invoke(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                 wasm_value_t *results, wasm_error_t *err)
{
    actr_wasm_host_t *host = env;
    uint64_t token = args[0].of.i64;
    uint32_t frame_ptr = args[1].of.i32, frame_len = args[2].of.i32, reply_out = args[3].of.i32;
    size_t mem_len = 0;
    uint8_t *mem = wasm_caller_memory(caller, &mem_len);
    const uint8_t *frame = actr_wasm_span(mem, mem_len, frame_ptr, frame_len);
    if (!frame || !actr_wasm_span(mem, mem_len, reply_out, 8) || frame_len > ACTR_ABI_MAX_FRAME) {
        ret_i32(results, ACTR_ABI_PROTOCOL_ERROR);
        return WASM_OK;
    }
    /* The op runs on this thread while the guest is suspended, so the frame may be read in
     * place: no guest code runs before actr_abi_host_invoke returns. */
    uint8_t *reply = NULL;
    size_t reply_len = 0;
    int32_t status = actr_abi_host_invoke(token, frame, frame_len, &reply, &reply_len);
    if (status != ACTR_ABI_SUCCESS) {
        free(reply);
        ret_i32(results, status);
        return WASM_OK;
    }
    uint32_t guest_reply = 0;
    wasm_result_t r = reply_len > UINT32_MAX
                          ? host_error(err, WASM_ERR_NOMEM, "reply too large")
                          : actr_wasm_host_copy_in(host, reply, (uint32_t)reply_len, 0,
                                                   &guest_reply, err);
    free(reply);
    if (r == WASM_ERR_NOMEM) {
        ret_i32(results, ACTR_ABI_ALLOC_FAILED);
        return WASM_OK;
    }
    if (r != WASM_OK)
        return r; /* the allocator trapped or ran out of fuel: so does this call */
    mem = wasm_caller_memory(caller, &mem_len);
    uint8_t *out = actr_wasm_span(mem, mem_len, reply_out, 8);
    if (!out) {
        ret_i32(results, ACTR_ABI_PROTOCOL_ERROR);
        return WASM_OK;
    }
    actr_wasm_put_u32(out, guest_reply);
    actr_wasm_put_u32(out + 4, (uint32_t)reply_len);
    ret_i32(results, ACTR_ABI_SUCCESS);
    return WASM_OK;
}

/* retain_context(token i64) -> i32 */
static wasm_result_t host_retain(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                 wasm_value_t *results, wasm_error_t *err)
{
    (void)env, (void)caller, (void)err;
    ret_i32(results, actr_abi_token_retain(args[0].of.i64));
    return WASM_OK;
}

/* release_context(token i64) */
static wasm_result_t host_release(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                  wasm_value_t *results, wasm_error_t *err)
{
    (void)env, (void)caller, (void)results, (void)err;
    actr_abi_token_release(args[0].of.i64);
    return WASM_OK;
}

/* log(level i32, ptr i32, len i32): a bad pointer is logged as such, never trapped on (a log
 * line must not kill an actor). */
static wasm_result_t host_log(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                              wasm_value_t *results, wasm_error_t *err)
{
    actr_wasm_host_t *host = env;
    (void)results, (void)err;
    uint32_t level = args[0].of.i32, ptr = args[1].of.i32, len = args[2].of.i32;
    actr_log_level_t lv = level <= ACTR_LOG_ERROR ? (actr_log_level_t)level : ACTR_LOG_INFO;
    if (!actr_log_enabled(lv))
        return WASM_OK;
    size_t mem_len = 0;
    uint8_t *mem = wasm_caller_memory(caller, &mem_len);
    const uint8_t *text = actr_wasm_span(mem, mem_len, ptr, len);
    char line[ACTR_WASM_LOG_MAX + 4];
    if (!text)
        snprintf(line, sizeof line, "(log text outside guest memory)");
    else if (len > ACTR_WASM_LOG_MAX)
        snprintf(line, sizeof line, "%.*s...", (int)ACTR_WASM_LOG_MAX, (const char *)text);
    else
        snprintf(line, sizeof line, "%.*s", (int)len, (const char *)text);
    actr_log(lv, "wasm", line, ACTR_KV("actor", host->actor));
    return WASM_OK;
}

typedef struct host_fn {
    const char *name;
    wasm_host_fn fn;
    uint32_t param_count, result_count;
    wasm_valtype_t params[4];
} host_fn_t;

static const wasm_valtype_t HOST_I32_RESULT[1] = {WASM_I32};

static const host_fn_t HOST_FNS[] = {
    {"invoke", host_invoke, 4, 1, {WASM_I64, WASM_I32, WASM_I32, WASM_I32}},
    {"retain_context", host_retain, 1, 1, {WASM_I64}},
    {"release_context", host_release, 1, 0, {WASM_I64}},
    {"log", host_log, 3, 0, {WASM_I32, WASM_I32, WASM_I32}},
};

wasm_result_t actr_wasm_host_resolve(actr_wasm_host_t *host, const wasm_import_desc_t *import,
                                     wasm_extern_t *out)
{
    if (import->kind != WASM_EXTERN_FUNC || strcmp(import->module, ACTR_WASM_HOST_MODULE) != 0)
        return WASM_ERR_LINK;
    for (size_t i = 0; i < sizeof HOST_FNS / sizeof HOST_FNS[0]; i++) {
        const host_fn_t *f = &HOST_FNS[i];
        if (strcmp(f->name, import->name) == 0) {
            wasm_functype_t type = {f->param_count, f->result_count, f->params, HOST_I32_RESULT};
            return wasm_func_new_host(host->store, &type, f->fn, host, out);
        }
    }
    return WASM_ERR_LINK;
}
