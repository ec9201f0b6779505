/*
 * actr_guest.c - the guest SDK's portable core: the actor's registrations, the decoding of
 * host->guest frames into handler / lifecycle / hook calls, the context of an entry and the
 * guest->host calls (engines.md §2.3-2.6). The transports (actr_guest_native.c,
 * actr_guest_wasm.c) only move bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr_guest.h"
#include "actr_guest_internal.h"
#include "actr_guest_pb.h"

/* Op codes (engines.md §2.3). */
enum {
    OP_HOST_CALL = 1,
    OP_HOST_TELL = 2,
    OP_HOST_CALL_RAW = 3,
    OP_HOST_DISCOVER = 4,
    OP_HOST_REGISTER_STREAM = 5,
    OP_HOST_UNREGISTER_STREAM = 6,
    OP_HOST_SEND_DATA_CHUNK = 7,
    OP_GUEST_HANDLE = 101,
    OP_GUEST_DATA_CHUNK = 102,
    OP_GUEST_LIFECYCLE = 103,
    OP_GUEST_HOOK = 104,
};

#define MESSAGE_SIZE 256

struct actr_guest_ctx {
    agpb_invocation_t inv;
    const char *route_key;
    bool in_chunk;                 /* a GUEST_DATA_CHUNK entry */
    char error[MESSAGE_SIZE];      /* set by actr_guest_fail */
    char last_error[MESSAGE_SIZE]; /* the host's message of the last failed call */
};

/* The one actor of this image. */
static struct {
    bool live;
    char actr_type[3 * ACTR_GUEST_NAME_SIZE];
    struct {
        char key[ACTR_GUEST_ROUTE_SIZE];
        actr_guest_handler_fn fn;
    } routes[ACTR_GUEST_MAX_ROUTES];
    size_t route_count;
    actr_guest_lifecycle_fn on_start, on_ready, on_stop;
    actr_guest_hook_fn on_hook;
    actr_guest_shutdown_fn on_shutdown;
    struct {
        char id[ACTR_GUEST_STREAM_ID_SIZE];
        actr_guest_stream_fn fn;
    } streams[ACTR_GUEST_MAX_STREAMS];
} g;

/* ---- registration --------------------------------------------------------------------------- */

int actr_guest_route(const char *route_key, actr_guest_handler_fn fn)
{
    if (!route_key || !fn || strlen(route_key) >= ACTR_GUEST_ROUTE_SIZE ||
        g.route_count == ACTR_GUEST_MAX_ROUTES)
        return ACTR_GUEST_EBUFFER;
    for (size_t i = 0; i < g.route_count; i++)
        if (strcmp(g.routes[i].key, route_key) == 0)
            return ACTR_GUEST_EGENERIC;
    strcpy(g.routes[g.route_count].key, route_key);
    g.routes[g.route_count].fn = fn;
    g.route_count++;
    return 0;
}

void actr_guest_on_start(actr_guest_lifecycle_fn fn) { g.on_start = fn; }
void actr_guest_on_ready(actr_guest_lifecycle_fn fn) { g.on_ready = fn; }
void actr_guest_on_stop(actr_guest_lifecycle_fn fn) { g.on_stop = fn; }
void actr_guest_on_hook(actr_guest_hook_fn fn) { g.on_hook = fn; }
void actr_guest_on_shutdown(actr_guest_shutdown_fn fn) { g.on_shutdown = fn; }

const char *actr_guest_actr_type(void)
{
    return g.actr_type;
}

/* ---- buffers and logging -------------------------------------------------------------------- */

int actr_guest_reply(actr_guest_buf_t *resp, const void *data, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    if (!p)
        return ACTR_GUEST_EALLOC;
    if (len)
        memcpy(p, data, len);
    free(resp->data);
    resp->data = p;
    resp->len = len;
    return 0;
}

void actr_guest_buf_free(actr_guest_buf_t *buf)
{
    if (!buf)
        return;
    free(buf->data);
    buf->data = NULL;
    buf->len = 0;
}

void actr_guest_log(int level, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    agt_log(level, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

/* ---- context -------------------------------------------------------------------------------- */

const actr_guest_id_t *actr_guest_self_id(const actr_guest_ctx_t *ctx)
{
    return &ctx->inv.self;
}

const actr_guest_id_t *actr_guest_caller_id(const actr_guest_ctx_t *ctx)
{
    return ctx->inv.has_caller ? &ctx->inv.caller : NULL;
}

const char *actr_guest_request_id(const actr_guest_ctx_t *ctx)
{
    return ctx->inv.request_id;
}

const char *actr_guest_route_key(const actr_guest_ctx_t *ctx)
{
    return ctx->route_key ? ctx->route_key : "";
}

uint64_t actr_guest_token(const actr_guest_ctx_t *ctx)
{
    return ctx->inv.token;
}

const char *actr_guest_last_error(const actr_guest_ctx_t *ctx)
{
    return ctx->last_error;
}

int actr_guest_fail(actr_guest_ctx_t *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->error, sizeof ctx->error, fmt, ap);
    va_end(ap);
    return ACTR_GUEST_EHANDLE;
}

/* ---- guest -> host -------------------------------------------------------------------------- */

int32_t actr_guest_retain_token(uint64_t token)
{
    return agt_retain(token);
}

void actr_guest_release_token(uint64_t token)
{
    agt_release(token);
}

/* Sends one op; *status and *reply as for actr_guest_host_op; msg (optional) gets the error. */
static int32_t send_op(uint64_t token, uint32_t op, const void *payload, size_t len,
                       int32_t *status, actr_guest_buf_t *reply, char *msg)
{
    *status = ACTR_GUEST_EGENERIC;
    reply->data = NULL;
    reply->len = 0;
    if (msg)
        msg[0] = '\0';
    agpb_writer_t frame = {0};
    if (!agpb_encode_frame(&frame, op, payload, len)) {
        agpb_writer_free(&frame);
        return ACTR_GUEST_EALLOC;
    }
    uint8_t *bytes = NULL;
    size_t n = 0;
    int32_t rc = agt_invoke(token, frame.buf, frame.len, &bytes, &n);
    agpb_writer_free(&frame);
    if (rc != 0) {
        if (msg)
            snprintf(msg, MESSAGE_SIZE, "host invoke returned %d", (int)rc);
        return rc;
    }
    uint32_t version;
    const uint8_t *p;
    size_t plen;
    if (agpb_decode_reply(bytes, n, &version, status, &p, &plen) != 0) {
        rc = ACTR_GUEST_EPROTOCOL;
        if (msg)
            snprintf(msg, MESSAGE_SIZE, "malformed reply from the host");
    } else if (*status != 0) {
        if (msg)
            snprintf(msg, MESSAGE_SIZE, "%.*s",
                     (int)(plen < MESSAGE_SIZE ? plen : MESSAGE_SIZE - 1), (const char *)p);
    } else if (actr_guest_reply(reply, p, plen) != 0) {
        rc = ACTR_GUEST_EALLOC;
    }
    agt_free_reply(bytes, n);
    return rc;
}

int32_t actr_guest_host_op(uint64_t token, uint32_t op, const void *payload, size_t len,
                           int32_t *status, actr_guest_buf_t *reply)
{
    return send_op(token, op, payload, len, status, reply, NULL);
}

/* Sends the encoded op message in msg with ctx's token: 0 or the failing status. */
static int ctx_op(actr_guest_ctx_t *ctx, uint32_t op, agpb_writer_t *msg, actr_guest_buf_t *out)
{
    ctx->last_error[0] = '\0';
    if (msg->oom) {
        agpb_writer_free(msg);
        return ACTR_GUEST_EALLOC;
    }
    int32_t status;
    actr_guest_buf_t reply;
    int32_t rc = send_op(ctx->inv.token, op, msg->buf, msg->len, &status, &reply, ctx->last_error);
    agpb_writer_free(msg);
    if (rc == 0 && status != 0)
        rc = status;
    if (rc == 0 && out)
        *out = reply;
    else
        actr_guest_buf_free(&reply);
    return rc;
}

int actr_guest_call(actr_guest_ctx_t *ctx, const actr_guest_id_t *target, const char *route_key,
                    const void *payload, size_t len, actr_guest_buf_t *resp)
{
    agpb_writer_t m = {0};
    agpb_encode_host_call(&m, route_key, target, payload, len);
    return ctx_op(ctx, OP_HOST_CALL, &m, resp);
}

int actr_guest_tell(actr_guest_ctx_t *ctx, const actr_guest_id_t *target, const char *route_key,
                    const void *payload, size_t len)
{
    agpb_writer_t m = {0};
    agpb_encode_host_call(&m, route_key, target, payload, len);
    return ctx_op(ctx, OP_HOST_TELL, &m, NULL);
}

int actr_guest_call_raw(actr_guest_ctx_t *ctx, const actr_guest_id_t *target,
                        const char *route_key, const void *payload, size_t len,
                        actr_guest_buf_t *resp)
{
    if (!target)
        return ACTR_GUEST_EPROTOCOL;
    agpb_writer_t m = {0};
    agpb_encode_host_call_raw(&m, route_key, target, payload, len);
    return ctx_op(ctx, OP_HOST_CALL_RAW, &m, resp);
}

int actr_guest_discover(actr_guest_ctx_t *ctx, const actr_guest_type_t *type,
                        actr_guest_id_t *out)
{
    agpb_writer_t m = {0};
    agpb_encode_host_discover(&m, type);
    actr_guest_buf_t reply;
    int rc = ctx_op(ctx, OP_HOST_DISCOVER, &m, &reply);
    if (rc != 0)
        return rc;
    if (agpb_decode_actr_id(reply.data, reply.len, out) != 0)
        rc = ACTR_GUEST_EPROTOCOL;
    actr_guest_buf_free(&reply);
    return rc;
}

/* ---- host -> guest -------------------------------------------------------------------------- */

int32_t agc_init(const uint8_t *init, size_t len)
{
    if (g.live)
        return ACTR_GUEST_EINIT; /* one actor per image */
    uint32_t version;
    char type[sizeof g.actr_type];
    if (agpb_decode_init(init, len, &version, type, sizeof type) != 0)
        return ACTR_GUEST_EPROTOCOL;
    memset(&g, 0, sizeof g);
    strcpy(g.actr_type, type);
    if (actr_guest_main() != 0) {
        memset(&g, 0, sizeof g);
        return ACTR_GUEST_EINIT;
    }
    g.live = true;
    return 0;
}

int32_t agc_shutdown(void)
{
    if (g.on_shutdown && g.on_shutdown() != 0)
        return ACTR_GUEST_EGENERIC; /* state kept: the host keeps the library mapped */
    memset(&g, 0, sizeof g);
    return 0;
}

/* The entry's error text, or what for a callback that gave none. */
static const char *error_of(const actr_guest_ctx_t *ctx, const char *what)
{
    return ctx->error[0] ? ctx->error : what;
}

static int32_t run_handle(actr_guest_ctx_t *ctx, const uint8_t *p, size_t n,
                          actr_guest_buf_t *out, char *msg)
{
    char route[ACTR_GUEST_ROUTE_SIZE];
    const uint8_t *req;
    size_t req_len;
    if (agpb_decode_guest_handle(p, n, &ctx->inv, route, sizeof route, &req, &req_len) != 0) {
        snprintf(msg, MESSAGE_SIZE, "undecodable GuestHandleV1");
        return ACTR_GUEST_EPROTOCOL;
    }
    ctx->route_key = route;
    for (size_t i = 0; i < g.route_count; i++) {
        if (strcmp(g.routes[i].key, route) != 0)
            continue;
        if (g.routes[i].fn(ctx, req, req_len, out) == 0)
            return 0;
        actr_guest_buf_free(out);
        snprintf(msg, MESSAGE_SIZE, "%s", error_of(ctx, "handler failed"));
        return ACTR_GUEST_EHANDLE;
    }
    snprintf(msg, MESSAGE_SIZE, "UnknownRoute: no handler for %.200s", route);
    return ACTR_GUEST_EHANDLE;
}

static int32_t run_lifecycle(actr_guest_ctx_t *ctx, const uint8_t *p, size_t n, char *msg)
{
    uint32_t hook;
    if (agpb_decode_guest_lifecycle(p, n, &ctx->inv, &hook) != 0) {
        snprintf(msg, MESSAGE_SIZE, "undecodable GuestLifecycleV1");
        return ACTR_GUEST_EPROTOCOL;
    }
    actr_guest_lifecycle_fn fn;
    switch (hook) {
    case 1: fn = g.on_start; break;
    case 2: fn = g.on_ready; break;
    case 3: fn = g.on_stop; break;
    default:
        snprintf(msg, MESSAGE_SIZE, "unknown lifecycle hook %u", (unsigned)hook);
        return ACTR_GUEST_EUNSUPPORTED;
    }
    if (fn && fn(ctx) != 0) {
        snprintf(msg, MESSAGE_SIZE, "%s", error_of(ctx, "lifecycle hook failed"));
        return ACTR_GUEST_EHANDLE;
    }
    return 0;
}

static int32_t run_hook(actr_guest_ctx_t *ctx, const uint8_t *p, size_t n, char *msg)
{
    actr_guest_hook_event_t ev;
    if (agpb_decode_guest_hook(p, n, &ctx->inv, &ev) != 0) {
        snprintf(msg, MESSAGE_SIZE, "undecodable GuestHookV1");
        return ACTR_GUEST_EPROTOCOL;
    }
    if (ev.hook < 1 || ev.hook > 12) {
        snprintf(msg, MESSAGE_SIZE, "unknown hook %u", (unsigned)ev.hook);
        return ACTR_GUEST_EUNSUPPORTED;
    }
    /* Required sub-messages: peer for 4-9, credential for 10-11, backpressure for 12. */
    bool missing = (ev.hook >= 4 && ev.hook <= 9 && !ev.has_peer) ||
                   ((ev.hook == 10 || ev.hook == 11) && !ev.has_expiry) ||
                   (ev.hook == 12 && !ev.has_backpressure);
    if (missing) {
        snprintf(msg, MESSAGE_SIZE, "hook %u without its event", (unsigned)ev.hook);
        return ACTR_GUEST_EPROTOCOL;
    }
    if (ev.has_status && ev.status > 3) {
        actr_guest_log(ACTR_GUEST_LOG_WARN, "unknown peer status %u dropped", (unsigned)ev.status);
        ev.has_status = false;
    }
    if (g.on_hook)
        g.on_hook(ctx, &ev);
    return 0;
}

/* ---- data streams --------------------------------------------------------------------------- */

static int stream_slot(const char *id)
{
    for (int i = 0; i < ACTR_GUEST_MAX_STREAMS; i++)
        if (g.streams[i].fn && strcmp(g.streams[i].id, id) == 0)
            return i;
    return -1;
}

int actr_guest_register_stream(actr_guest_ctx_t *ctx, const char *stream_id,
                               actr_guest_stream_fn fn)
{
    if (!stream_id || !fn || strlen(stream_id) >= ACTR_GUEST_STREAM_ID_SIZE)
        return ACTR_GUEST_EPROTOCOL;
    if (ctx->in_chunk)
        return ACTR_GUEST_EUNSUPPORTED; /* the host refuses it too */
    int slot = stream_slot(stream_id);
    for (int i = 0; slot < 0 && i < ACTR_GUEST_MAX_STREAMS; i++)
        if (!g.streams[i].fn)
            slot = i;
    if (slot < 0)
        return ACTR_GUEST_EBUFFER;
    agpb_writer_t m = {0};
    agpb_encode_host_stream_id(&m, stream_id);
    int rc = ctx_op(ctx, OP_HOST_REGISTER_STREAM, &m, NULL);
    if (rc == 0) {
        strcpy(g.streams[slot].id, stream_id);
        g.streams[slot].fn = fn;
    }
    return rc;
}

int actr_guest_unregister_stream(actr_guest_ctx_t *ctx, const char *stream_id)
{
    if (!stream_id)
        return ACTR_GUEST_EPROTOCOL;
    agpb_writer_t m = {0};
    agpb_encode_host_stream_id(&m, stream_id);
    int rc = ctx_op(ctx, OP_HOST_UNREGISTER_STREAM, &m, NULL);
    int slot = stream_slot(stream_id);
    if (rc == 0 && slot >= 0)
        g.streams[slot].fn = NULL;
    return rc;
}

int actr_guest_send_data_chunk(actr_guest_ctx_t *ctx, const actr_guest_id_t *target,
                               const actr_guest_chunk_t *chunk, int lane)
{
    if (!chunk || !chunk->stream_id)
        return ACTR_GUEST_EPROTOCOL;
    agpb_writer_t m = {0};
    agpb_encode_host_send_chunk(&m, target, chunk, lane);
    return ctx_op(ctx, OP_HOST_SEND_DATA_CHUNK, &m, NULL);
}

/* GUEST_DATA_CHUNK: the registered callback of the chunk's stream. */
static int32_t run_chunk(actr_guest_ctx_t *ctx, const uint8_t *p, size_t n, char *msg)
{
    actr_guest_chunk_t c;
    char id[ACTR_GUEST_STREAM_ID_SIZE];
    actr_guest_meta_t meta[ACTR_GUEST_MAX_META];
    actr_guest_id_t sender;
    if (agpb_decode_guest_data_chunk(p, n, &c, id, meta, &sender, &ctx->inv.token) != 0) {
        snprintf(msg, MESSAGE_SIZE, "undecodable GuestDataChunkV1");
        return ACTR_GUEST_EPROTOCOL;
    }
    ctx->in_chunk = true;
    ctx->inv.has_caller = true;
    ctx->inv.caller = sender;
    int slot = stream_slot(id);
    if (slot < 0) {
        snprintf(msg, MESSAGE_SIZE, "no stream callback registered for %.200s", id);
        return ACTR_GUEST_EHANDLE;
    }
    if (g.streams[slot].fn(ctx, &c, &sender) != 0) {
        snprintf(msg, MESSAGE_SIZE, "%s", error_of(ctx, "stream callback failed"));
        return ACTR_GUEST_EHANDLE;
    }
    return 0;
}

int32_t agc_handle(const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len)
{
    uint32_t version, op;
    const uint8_t *p;
    size_t n;
    if (!resp || !resp_len || agpb_decode_frame(req, len, &version, &op, &p, &n) != 0 ||
        version != 1)
        return ACTR_GUEST_EPROTOCOL;
    actr_guest_ctx_t *ctx = calloc(1, sizeof *ctx); /* ~1.5 KiB: kept off small guest stacks */
    if (!ctx)
        return ACTR_GUEST_EALLOC;
    actr_guest_buf_t out = {0};
    char msg[MESSAGE_SIZE] = "";
    int32_t status;
    if (!g.live) {
        snprintf(msg, sizeof msg, "actor not initialised");
        status = ACTR_GUEST_EGENERIC;
    } else if (op == OP_GUEST_HANDLE) {
        status = run_handle(ctx, p, n, &out, msg);
    } else if (op == OP_GUEST_LIFECYCLE) {
        status = run_lifecycle(ctx, p, n, msg);
    } else if (op == OP_GUEST_HOOK) {
        status = run_hook(ctx, p, n, msg);
    } else if (op == OP_GUEST_DATA_CHUNK) {
        status = run_chunk(ctx, p, n, msg);
    } else {
        snprintf(msg, sizeof msg, "unsupported op %u", (unsigned)op);
        status = ACTR_GUEST_EUNSUPPORTED;
    }
    free(ctx);
    agpb_writer_t w = {0};
    bool ok = status == 0 ? agpb_encode_reply(&w, 0, out.data, out.len)
                          : agpb_encode_reply(&w, status, msg, strlen(msg));
    actr_guest_buf_free(&out);
    if (!ok) {
        agpb_writer_free(&w);
        return ACTR_GUEST_EALLOC;
    }
    *resp = w.buf; /* an AbiReply with abi_version 1 is never empty */
    *resp_len = w.len;
    return 0;
}
