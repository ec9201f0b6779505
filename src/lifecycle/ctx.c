/* ctx.c - the handler context: identity accessors and calls from inside workload entries. */
#include "actr/ctx.h"

#include <string.h>

#include "lifecycle/actor.h"
#include "lifecycle/host.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/request_id.h"

void actr_ctx_init(actr_ctx_t *ctx, struct actr_node *node, const char *fixed_rid)
{
    ctx->node = node;
    ctx->caller = NULL;
    ctx->req = NULL;
    ctx->fixed_rid = fixed_rid;
    ctx->in_stop = false;
    ctx->rid_buf[0] = '\0';
}

const actr_id_t *actr_ctx_self_id(const actr_ctx_t *ctx)
{
    return ctx ? &ctx->node->id : NULL;
}

const actr_id_t *actr_ctx_caller_id(const actr_ctx_t *ctx)
{
    return ctx ? ctx->caller : NULL;
}

const char *actr_ctx_request_id(actr_ctx_t *ctx)
{
    if (!ctx)
        return NULL;
    if (ctx->fixed_rid)
        return ctx->fixed_rid;
    if (!ctx->req)
        return "";
    const char *wire = actr_remote_request_id(ctx->req);
    if (wire)
        return wire;
    if (!ctx->rid_buf[0])
        actr_request_id_format(ctx->req->rid, ctx->node->hyper->rid_key, ctx->rid_buf);
    return ctx->rid_buf;
}

static actr_send_t send_of(actr_ctx_t *ctx, const actr_id_t *target, const char *route_key,
                           const actr_buf_t *payload, int64_t timeout_ms)
{
    actr_send_t s = {.from = ctx->node,
                     .from_entry = true,
                     .target = target,
                     .route_key = route_key,
                     .payload = payload,
                     .timeout_ms = timeout_ms};
    return s;
}

static int bad_ctx(actr_error_t *err)
{
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                          "no context");
}

int actr_ctx_call(actr_ctx_t *ctx, const actr_id_t *target, const char *route_key,
                  const actr_buf_t *payload, int64_t timeout_ms, actr_buf_t *response,
                  actr_error_t *err)
{
    if (!ctx)
        return bad_ctx(err);
    actr_send_t s = send_of(ctx, target, route_key, payload, timeout_ms);
    return actr_host_call(&s, response, err);
}

int actr_ctx_call_raw(actr_ctx_t *ctx, const actr_id_t *target, const char *route_key,
                      const actr_buf_t *payload, int64_t timeout_ms, actr_buf_t *response,
                      actr_error_t *err)
{
    if (!target) {
        if (response)
            *response = (actr_buf_t)ACTR_BUF_INIT;
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "call_raw needs a target id");
    }
    return actr_ctx_call(ctx, target, route_key, payload, timeout_ms, response, err);
}

int actr_ctx_call_async(actr_ctx_t *ctx, const actr_id_t *target, const char *route_key,
                        const actr_buf_t *payload, int64_t timeout_ms, actr_call_cb cb,
                        void *userdata, actr_error_t *err)
{
    if (!ctx)
        return bad_ctx(err);
    if (ctx->in_stop)
        return actr_error_set(err, ACTR_ESTATE, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "asynchronous calls are refused in on_stop");
    actr_send_t s = send_of(ctx, target, route_key, payload, timeout_ms);
    return actr_host_call_async(&s, cb, userdata, err);
}

int actr_ctx_tell(actr_ctx_t *ctx, const actr_id_t *target, const char *route_key,
                  const actr_buf_t *payload, int64_t timeout_ms, actr_error_t *err)
{
    if (!ctx)
        return bad_ctx(err);
    actr_send_t s = send_of(ctx, target, route_key, payload, timeout_ms);
    return actr_host_tell(&s, err);
}

int actr_ctx_discover(actr_ctx_t *ctx, const actr_type_t *type, actr_id_t *out,
                      actr_error_t *err)
{
    if (!ctx)
        return bad_ctx(err);
    return actr_host_discover(ctx->node, type, out, err);
}
