/* ctx.c - the handler context: identity accessors, calls and data streams from inside workload
 * entries. */
#include "actr/ctx.h"

#include <string.h>

#include "lifecycle/actor.h"
#include "lifecycle/host.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/remote_stream.h"
#include "lifecycle/request_id.h"
#include "lifecycle/streams.h"

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

/* ---- data streams (streams.c, remote_stream.c) ---- */

static int bad_stream_id(const char *id, actr_error_t *err)
{
    if (!id || !id[0] || strlen(id) > ACTR_STREAM_ID_MAX)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "a stream id is 1 to %d bytes", ACTR_STREAM_ID_MAX);
    return 0;
}

int actr_ctx_register_stream(actr_ctx_t *ctx, const char *stream_id, actr_stream_cb cb,
                             void *userdata, actr_error_t *err)
{
    if (!ctx)
        return bad_ctx(err);
    int rc = bad_stream_id(stream_id, err);
    if (rc != 0)
        return rc;
    if (!cb)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "register_stream needs a callback");
    rc = actr_streams_register(ctx->node, stream_id, cb, userdata);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "register_stream %s: %s", stream_id, actr_strerror(rc));
    return 0;
}

int actr_ctx_unregister_stream(actr_ctx_t *ctx, const char *stream_id, actr_error_t *err)
{
    if (!ctx)
        return bad_ctx(err);
    int rc = bad_stream_id(stream_id, err);
    if (rc != 0)
        return rc;
    rc = actr_streams_unregister(ctx->node, stream_id);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_CLIENT, ACTR_WIRE_NOT_FOUND,
                              "unregister_stream %s: %s", stream_id, actr_strerror(rc));
    return 0;
}

/* In-process: the chunk is handed to the target node's registry as it is (payload by
 * reference, no DataChunk encoding). */
static int send_chunk_local(actr_ctx_t *ctx, struct actr_node *to, const actr_data_chunk_t *c,
                            actr_stream_lane_t lane, int64_t timeout_ms, actr_error_t *err)
{
    actr_stream_item_t *it = NULL;
    int rc = actr_stream_item_from_chunk(c, &ctx->node->id, &it);
    if (rc == 0)
        rc = actr_streams_offer(to, it, lane, ACTR_STREAM_SRC_LOCAL, timeout_ms);
    if (rc != 0)
        actr_stream_item_free(it);
    switch (rc) {
    case 0:
    case ACTR_ENOTFOUND: /* dropped and counted by the receiver, as over the wire */
        actr_streams_count(ctx->node, ACTR_STREAMS_SENT);
        return 0;
    case ACTR_EAGAIN:
        if (lane == ACTR_STREAM_LATENCY_FIRST) { /* dropped by design (drop-newest) */
            actr_streams_count(ctx->node, ACTR_STREAMS_SENT);
            return 0;
        }
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "stream %s of this very actor is full: it cannot wait for itself",
                              c->stream_id);
    case ACTR_ETIMEDOUT:
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_TIMED_OUT,
                              "stream %s stayed full for %lld ms", c->stream_id,
                              (long long)timeout_ms);
    case ACTR_ECLOSED:
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "the target node is stopping");
    default:
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "send_data_chunk: %s", actr_strerror(rc));
    }
}

int actr_ctx_send_data_chunk(actr_ctx_t *ctx, const actr_id_t *target,
                             const actr_data_chunk_t *chunk, actr_stream_lane_t lane,
                             int64_t timeout_ms, actr_error_t *err)
{
    if (!ctx)
        return bad_ctx(err);
    if (!chunk)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "send_data_chunk needs a chunk");
    int rc = bad_stream_id(chunk->stream_id, err);
    if (rc != 0)
        return rc;
    if (lane != ACTR_STREAM_RELIABLE && lane != ACTR_STREAM_LATENCY_FIRST)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "payload type %d is not a stream lane", (int)lane);
    if (timeout_ms < 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "negative timeout");
    if (timeout_ms == 0)
        timeout_ms = ACTR_STREAM_SEND_TIMEOUT_MS;
    struct actr_node *self = ctx->node;
    if (!target || actr_id_equal(target, &self->id))
        return send_chunk_local(ctx, self, chunk, lane, timeout_ms, err);
    struct actr_node *to = actr_directory_get(self->hyper->dir, target);
    if (to) {
        rc = send_chunk_local(ctx, to, chunk, lane, timeout_ms, err);
        actr_node_release(to);
        return rc;
    }
    return actr_remote_stream_send(self, target, chunk, lane, timeout_ms, err);
}
