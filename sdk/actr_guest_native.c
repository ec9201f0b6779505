/*
 * actr_guest_native.c - the SDK's native transport: exports the reference's dynclib C ABI
 * (engines.md §2.1-2.2) and reaches the host through the 4-entry vtable given to actr_init.
 * Empty when building for wasm32 (actr_guest_wasm.c is used there).
 */
#ifndef __wasm__

#include <stdio.h>
#include <stdlib.h>

#include "actr_guest.h"
#include "actr_guest_internal.h"

#define EXPORT __attribute__((visibility("default")))

/* Valid from actr_init until exit (the host keeps it static). */
static const actr_guest_host_vtable_t *g_host;

EXPORT int32_t actr_init(const actr_guest_host_vtable_t *vtable, const uint8_t *init,
                         size_t init_len);
EXPORT int32_t actr_handle(const uint8_t *req, size_t req_len, uint8_t **resp_out,
                           size_t *resp_len_out);
EXPORT void actr_free_response(uint8_t *ptr, size_t len);
EXPORT int32_t actr_shutdown(void);

int32_t actr_init(const actr_guest_host_vtable_t *vtable, const uint8_t *init, size_t init_len)
{
    if (!vtable)
        return ACTR_GUEST_EINIT;
    int32_t rc = agc_init(init, init_len);
    if (rc == 0)
        g_host = vtable;
    return rc;
}

int32_t actr_handle(const uint8_t *req, size_t req_len, uint8_t **resp_out, size_t *resp_len_out)
{
    return agc_handle(req, req_len, resp_out, resp_len_out);
}

void actr_free_response(uint8_t *ptr, size_t len)
{
    (void)len;
    free(ptr);
}

int32_t actr_shutdown(void)
{
    return agc_shutdown();
}

int32_t agt_invoke(uint64_t token, const uint8_t *frame, size_t len, uint8_t **reply,
                   size_t *reply_len)
{
    if (!g_host)
        return ACTR_GUEST_EGENERIC;
    return g_host->invoke(token, frame, len, reply, reply_len);
}

void agt_free_reply(uint8_t *reply, size_t len)
{
    if (g_host && reply)
        g_host->free_host_buf(reply, len);
}

int32_t agt_retain(uint64_t token)
{
    return g_host ? g_host->retain_context(token) : ACTR_GUEST_EGENERIC;
}

void agt_release(uint64_t token)
{
    if (g_host)
        g_host->release_context(token);
}

/* The reference's vtable has no log entry: native guests log to stderr. */
void agt_log(int level, const char *msg, size_t len)
{
    static const char *const names[] = {"?", "ERROR", "WARN", "INFO", "DEBUG"};
    fprintf(stderr, "[actr guest %s] %.*s\n", names[level >= 1 && level <= 4 ? level : 0],
            (int)len, msg);
}

#endif /* !__wasm__ */
