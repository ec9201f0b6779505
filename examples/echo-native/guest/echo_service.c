/*
 * echo_service.c - the echo actor, written once with the guest SDK and built twice: as a native
 * shared library (examples/echo-native) and as a wasm32 core module (examples/echo-wasm).
 *
 *   echo.EchoService.Echo   answers "Echo: <request>"
 *   echo.EchoService.Whoami answers "<self id> <request id>" (shows the invocation context)
 */
#include <stdio.h>
#include <string.h>

#include "actr_guest.h"

static int echo(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len, actr_guest_buf_t *resp)
{
    static const char prefix[] = "Echo: ";
    char buf[4096];
    if (len > sizeof buf - (sizeof prefix - 1))
        return actr_guest_fail(ctx, "request of %zu bytes is too long", len);
    memcpy(buf, prefix, sizeof prefix - 1);
    if (len)
        memcpy(buf + sizeof prefix - 1, req, len);
    return actr_guest_reply(resp, buf, sizeof prefix - 1 + len);
}

static int whoami(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len, actr_guest_buf_t *resp)
{
    const actr_guest_id_t *self = actr_guest_self_id(ctx);
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s:%s:%s#%llu %s", self->type.manufacturer,
                     self->type.name, self->type.version, (unsigned long long)self->serial,
                     actr_guest_request_id(ctx));
    return actr_guest_reply(resp, buf, n > 0 && (size_t)n < sizeof buf ? (size_t)n : 0);
}

static int on_start(actr_guest_ctx_t *ctx)
{
    actr_guest_log(ACTR_GUEST_LOG_INFO, "echo service starting as %s (%s)",
                   actr_guest_actr_type(), actr_guest_request_id(ctx));
    return 0;
}

int actr_guest_main(void)
{
    actr_guest_on_start(on_start);
    if (actr_guest_route("echo.EchoService.Echo", echo) != 0)
        return -1;
    return actr_guest_route("echo.EchoService.Whoami", whoami);
}
