/*
 * host_ops.c - the host side of guest->host operations (engines.md §1.3, §2.2, §2.4): decode the
 * AbiFrame and its op message, look up the bridge token's ctx, perform the op through ctx.h and
 * encode the AbiReply (the stream ops 5-7 through streams.c). Errors are flattened like the reference's: decode failures and invalid
 * arguments become PROTOCOL_ERROR, everything else GENERIC_ERROR; unlike the reference the reply
 * carries the error text (the reference sends an empty payload) so guests can say what failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.pb-c.h"
#include "codec/pb.h"
#include "engine/abi/abi_internal.h"
#include "platform/ais/id_pb.h"

/* The reply of one op: status, then either payload bytes or an error text. */
typedef struct op_result {
    int32_t status;
    actr_buf_t payload; /* owned */
    char text[ACTR_ERROR_MESSAGE_MAX];
} op_result_t;

static void fail(op_result_t *r, int32_t status, const char *fmt, ...) ACTR_PRINTF(3, 4);

static void fail(op_result_t *r, int32_t status, const char *fmt, ...)
{
    r->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->text, sizeof r->text, fmt, ap);
    va_end(ap);
}

/* The ABI status of a runtime error (the reference's flattening). */
static int32_t status_of(int rc)
{
    return (rc == ACTR_EINVAL || rc == ACTR_EPARSE) ? ACTR_ABI_PROTOCOL_ERROR
                                                     : ACTR_ABI_GENERIC_ERROR;
}

static void fail_rc(op_result_t *r, const char *op, int rc, const actr_error_t *e)
{
    fail(r, status_of(rc), "%s: %s", op, e->message[0] ? e->message : actr_strerror(rc));
}

/* Route keys reach ctx.h as C strings; protobuf-c gives "" for an absent proto3 string. */
static const char *route_of(const char *s)
{
    return s ? s : "";
}

/* The ActrId of a DestV1: *target NULL for Dest::Workload. 0, or fills r and returns -1. */
static int dest_target(const Actr__Abi__DestV1 *d, actr_id_t *id, const actr_id_t **target,
                       op_result_t *r)
{
    *target = NULL;
    if (!d || d->kind_case == ACTR__ABI__DEST_V1__KIND__NOT_SET) {
        fail(r, ACTR_ABI_PROTOCOL_ERROR, "dest has no kind");
        return -1;
    }
    if (d->kind_case == ACTR__ABI__DEST_V1__KIND_HOST) {
        /* The reference's shell side of an embedding process; our hosts expose none. */
        fail(r, ACTR_ABI_GENERIC_ERROR, "Dest::Host is not available in this runtime");
        return -1;
    }
    if (d->kind_case == ACTR__ABI__DEST_V1__KIND_PEER) {
        actr_error_t e = {0};
        if (actr_id_from_pb(d->peer, id, &e) != 0) {
            fail(r, ACTR_ABI_PROTOCOL_ERROR, "dest peer: %s", e.message);
            return -1;
        }
        *target = id;
    }
    return 0;
}

/* A refcounted copy of the op's payload: callees may keep a reference after the op returns. */
static int payload_copy(const ProtobufCBinaryData *p, actr_buf_t *out, op_result_t *r)
{
    if (actr_buf_copy(p->data, p->len, out) != 0) {
        fail(r, ACTR_ABI_ALLOC_FAILED, "out of memory");
        return -1;
    }
    return 0;
}

static void do_call(actr_ctx_t *ctx, const char *op, const actr_id_t *target, bool raw,
                    const char *route, const ProtobufCBinaryData *payload, op_result_t *r)
{
    actr_buf_t req;
    if (payload_copy(payload, &req, r) != 0)
        return;
    actr_error_t e = {0};
    int64_t t = ACTR_CALL_TIMEOUT_MS; /* the reference's fixed 30 s for guest calls */
    int rc = raw ? actr_ctx_call_raw(ctx, target, route, &req, t, &r->payload, &e)
                 : actr_ctx_call(ctx, target, route, &req, t, &r->payload, &e);
    actr_buf_release(&req);
    if (rc != 0)
        fail_rc(r, op, rc, &e);
}

static void op_call(actr_ctx_t *ctx, const ProtobufCMessage *m, op_result_t *r)
{
    const Actr__Abi__HostCallV1 *c = (const Actr__Abi__HostCallV1 *)m;
    actr_id_t id;
    const actr_id_t *target;
    if (dest_target(c->dest, &id, &target, r) == 0)
        do_call(ctx, "call", target, false, route_of(c->route_key), &c->payload, r);
}

static void op_call_raw(actr_ctx_t *ctx, const ProtobufCMessage *m, op_result_t *r)
{
    const Actr__Abi__HostCallRawV1 *c = (const Actr__Abi__HostCallRawV1 *)m;
    actr_id_t id;
    actr_error_t e = {0};
    if (actr_id_from_pb(c->target, &id, &e) != 0)
        fail(r, ACTR_ABI_PROTOCOL_ERROR, "call_raw target: %s", e.message);
    else
        do_call(ctx, "call_raw", &id, true, route_of(c->route_key), &c->payload, r);
}

static void op_tell(actr_ctx_t *ctx, const ProtobufCMessage *m, op_result_t *r)
{
    const Actr__Abi__HostTellV1 *t = (const Actr__Abi__HostTellV1 *)m;
    actr_id_t id;
    const actr_id_t *target;
    actr_buf_t req;
    if (dest_target(t->dest, &id, &target, r) != 0 || payload_copy(&t->payload, &req, r) != 0)
        return;
    actr_error_t e = {0};
    int rc = actr_ctx_tell(ctx, target, route_of(t->route_key), &req, ACTR_TELL_TIMEOUT_MS, &e);
    actr_buf_release(&req);
    if (rc != 0)
        fail_rc(r, "tell", rc, &e);
}

/* Copies a decoded string into a fixed field; false when it does not fit. */
static bool copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        return false;
    memcpy(dst, src ? src : "", n + 1);
    return true;
}

static void op_discover(actr_ctx_t *ctx, const ProtobufCMessage *m, op_result_t *r)
{
    const Actr__Abi__HostDiscoverV1 *d = (const Actr__Abi__HostDiscoverV1 *)m;
    const Actr__ActrType *t = d->target_type;
    actr_type_t type;
    actr_error_t e = {0};
    if (!t || !copy_str(type.manufacturer, sizeof type.manufacturer, t->manufacturer) ||
        !copy_str(type.name, sizeof type.name, t->name) ||
        !copy_str(type.version, sizeof type.version, t->version) ||
        actr_type_validate(&type, &e) != 0) {
        fail(r, ACTR_ABI_PROTOCOL_ERROR, "discover: invalid target_type%s%s",
             e.message[0] ? ": " : "", e.message);
        return;
    }
    actr_id_t found;
    int rc = actr_ctx_discover(ctx, &type, &found, &e);
    if (rc != 0) {
        fail_rc(r, "discover", rc, &e);
        return;
    }
    actr_id_pb_t pb;
    actr_id_pb_init(&pb, &found);
    uint8_t *bytes;
    size_t len;
    if (actr_pb_encode(&pb.id.base, &bytes, &len, NULL) != 0) {
        fail(r, ACTR_ABI_ALLOC_FAILED, "out of memory");
        return;
    }
    if (actr_buf_copy(bytes, len, &r->payload) != 0)
        fail(r, ACTR_ABI_ALLOC_FAILED, "out of memory");
    free(bytes);
}

static void op_register_stream(actr_ctx_t *ctx, const ProtobufCMessage *m, op_result_t *r)
{
    actr_error_t e = {0};
    int rc = actr_abi_op_register_stream(ctx, m, &e);
    if (rc == ACTR_EUNSUPPORTED)
        fail(r, ACTR_ABI_UNSUPPORTED_OP, "register_stream: %s", e.message);
    else if (rc != 0)
        fail_rc(r, "register_stream", rc, &e);
}

static void op_unregister_stream(actr_ctx_t *ctx, const ProtobufCMessage *m, op_result_t *r)
{
    actr_error_t e = {0};
    int rc = actr_abi_op_unregister_stream(ctx, m, &e);
    if (rc != 0)
        fail_rc(r, "unregister_stream", rc, &e);
}

static void op_send_data_chunk(actr_ctx_t *ctx, const ProtobufCMessage *m, op_result_t *r)
{
    const Actr__Abi__HostSendDataChunkV1 *s = (const Actr__Abi__HostSendDataChunkV1 *)m;
    actr_id_t id;
    const actr_id_t *target;
    if (dest_target(s->dest, &id, &target, r) != 0)
        return;
    actr_error_t e = {0};
    int rc = actr_abi_op_send_data_chunk(ctx, target, m, &e);
    if (rc != 0)
        fail_rc(r, "send_data_chunk", rc, &e);
}

typedef void (*op_fn)(actr_ctx_t *ctx, const ProtobufCMessage *m, op_result_t *r);

/* The host ops: message type and handler (NULL handler: known but not available). Streams are
 * in streams.c. */
static const struct {
    uint32_t op;
    const ProtobufCMessageDescriptor *desc;
    op_fn fn;
    const char *name;
} OPS[] = {
    {ACTR_ABI_OP_HOST_CALL, &actr__abi__host_call_v1__descriptor, op_call, "call"},
    {ACTR_ABI_OP_HOST_TELL, &actr__abi__host_tell_v1__descriptor, op_tell, "tell"},
    {ACTR_ABI_OP_HOST_CALL_RAW, &actr__abi__host_call_raw_v1__descriptor, op_call_raw, "call_raw"},
    {ACTR_ABI_OP_HOST_DISCOVER, &actr__abi__host_discover_v1__descriptor, op_discover, "discover"},
    {ACTR_ABI_OP_HOST_REGISTER_STREAM, &actr__abi__host_register_stream_v1__descriptor,
     op_register_stream, "register_stream"},
    {ACTR_ABI_OP_HOST_UNREGISTER_STREAM, &actr__abi__host_unregister_stream_v1__descriptor,
     op_unregister_stream, "unregister_stream"},
    {ACTR_ABI_OP_HOST_SEND_DATA_CHUNK, &actr__abi__host_send_data_chunk_v1__descriptor,
     op_send_data_chunk, "send_data_chunk"},
};

/* Runs op i's decoded message m for token's ctx; fills r. */
static void run_op(uint64_t token, size_t i, const ProtobufCMessage *m, op_result_t *r)
{
    actr_ctx_t *ctx;
    const char *why;
    if (!OPS[i].fn)
        fail(r, ACTR_ABI_UNSUPPORTED_OP, "%s: not supported by this runtime", OPS[i].name);
    else if (actr_abi_token_ctx(token, &ctx, &why) != 0)
        fail(r, ACTR_ABI_GENERIC_ERROR, "%s: %s (%llu)", OPS[i].name, why,
             (unsigned long long)token);
    else
        OPS[i].fn(ctx, m, r);
}

int32_t actr_abi_host_invoke(uint64_t token, const uint8_t *frame, size_t frame_len,
                             uint8_t **reply, size_t *reply_len)
{
    if (!reply || !reply_len)
        return ACTR_ABI_PROTOCOL_ERROR;
    *reply = NULL;
    *reply_len = 0;
    if (!frame && frame_len)
        return ACTR_ABI_PROTOCOL_ERROR;
    uint32_t op;
    uint8_t *payload;
    size_t payload_len;
    int rc = actr_abi_frame_decode(frame, frame_len, &op, &payload, &payload_len, NULL);
    if (rc == ACTR_ENOMEM)
        return ACTR_ABI_ALLOC_FAILED;
    if (rc != 0)
        return ACTR_ABI_PROTOCOL_ERROR;
    size_t i = 0;
    while (i < sizeof OPS / sizeof OPS[0] && OPS[i].op != op)
        i++;
    if (i == sizeof OPS / sizeof OPS[0]) {
        free(payload);
        return ACTR_ABI_UNSUPPORTED_OP;
    }
    /* Like the reference, the whole frame (op message included) must decode before the token
     * is even looked at; an undecodable op message gets no reply buffer. */
    ProtobufCMessage *m;
    rc = actr_pb_decode(OPS[i].desc, payload, payload_len, &m, NULL);
    free(payload);
    if (rc != 0)
        return rc == ACTR_ENOMEM ? ACTR_ABI_ALLOC_FAILED : ACTR_ABI_PROTOCOL_ERROR;
    op_result_t r = {.status = ACTR_ABI_SUCCESS};
    run_op(token, i, m, &r);
    actr_pb_free(m);
    if (r.status == ACTR_ABI_SUCCESS)
        rc = actr_abi_reply_encode(0, r.payload.data, r.payload.len, reply, reply_len);
    else
        rc = actr_abi_reply_encode(r.status, r.text, strlen(r.text), reply, reply_len);
    actr_buf_release(&r.payload);
    return rc == 0 ? ACTR_ABI_SUCCESS : ACTR_ABI_ALLOC_FAILED;
}
