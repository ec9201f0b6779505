/*
 * actr_guest_wasm.c - the SDK's wasm32 transport: our core-module ABI (docs/ENGINES.md). The
 * module exports memory, actr_alloc/actr_free, actr_init(ptr, len), actr_handle(ptr, len,
 * resp_out) and actr_shutdown, and imports invoke / retain_context / release_context / log from
 * module "actr". Pointers are 32-bit offsets into the module's own memory.
 */
#ifdef __wasm__

#include <stdlib.h>
#include <string.h>

#include "actr_guest.h"
#include "actr_guest_internal.h"

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("actr"), import_name(name)))

IMPORT("invoke") int32_t actr_host_invoke(uint64_t token, uint32_t frame, uint32_t frame_len,
                                          uint32_t reply_out);
IMPORT("retain_context") int32_t actr_host_retain(uint64_t token);
IMPORT("release_context") void actr_host_release(uint64_t token);
IMPORT("log") void actr_host_log(int32_t level, uint32_t ptr, uint32_t len);

/* The exports (declared for -Wmissing-prototypes). */
uint32_t actr_alloc(uint32_t size);
void actr_free(uint32_t ptr, uint32_t size);
int32_t actr_init(uint32_t init, uint32_t init_len);
int32_t actr_handle(uint32_t req, uint32_t req_len, uint32_t resp_out);
int32_t actr_shutdown(void);

static uint32_t ptr32(const void *p)
{
    return (uint32_t)(uintptr_t)p;
}

/* 0 means failure; a zero-size request still gets a distinct block. */
EXPORT("actr_alloc") uint32_t actr_alloc(uint32_t size)
{
    return ptr32(malloc(size ? size : 1));
}

EXPORT("actr_free") void actr_free(uint32_t ptr, uint32_t size)
{
    (void)size;
    free((void *)(uintptr_t)ptr);
}

EXPORT("actr_init") int32_t actr_init(uint32_t init, uint32_t init_len)
{
    return agc_init((const uint8_t *)(uintptr_t)init, init_len);
}

/* On 0 writes (ptr, len) of the AbiReply as two little-endian u32 at resp_out (wasm32 is
 * little-endian, so a plain store is that layout). */
EXPORT("actr_handle") int32_t actr_handle(uint32_t req, uint32_t req_len, uint32_t resp_out)
{
    uint8_t *resp;
    size_t resp_len;
    int32_t rc = agc_handle((const uint8_t *)(uintptr_t)req, req_len, &resp, &resp_len);
    if (rc != 0)
        return rc;
    uint32_t pair[2] = {ptr32(resp), (uint32_t)resp_len};
    memcpy((void *)(uintptr_t)resp_out, pair, sizeof pair);
    return 0;
}

EXPORT("actr_shutdown") int32_t actr_shutdown(void)
{
    return agc_shutdown();
}

int32_t agt_invoke(uint64_t token, const uint8_t *frame, size_t len, uint8_t **reply,
                   size_t *reply_len)
{
    uint32_t pair[2] = {0, 0};
    int32_t rc = actr_host_invoke(token, ptr32(frame), (uint32_t)len, ptr32(pair));
    if (rc != 0)
        return rc;
    *reply = (uint8_t *)(uintptr_t)pair[0];
    *reply_len = pair[1];
    return 0;
}

/* The host allocated the reply with our actr_alloc. */
void agt_free_reply(uint8_t *reply, size_t len)
{
    actr_free(ptr32(reply), (uint32_t)len);
}

int32_t agt_retain(uint64_t token)
{
    return actr_host_retain(token);
}

void agt_release(uint64_t token)
{
    actr_host_release(token);
}

void agt_log(int level, const char *msg, size_t len)
{
    actr_host_log(level, ptr32(msg), (uint32_t)len);
}

#endif /* __wasm__ */
