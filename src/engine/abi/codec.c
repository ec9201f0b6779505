/*
 * codec.c - AbiFrame / AbiReply encoding and the host->guest frames (engines.md §2.3), on the
 * protobuf-c code generated from proto/abi.proto. Every output is one malloc'ed buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "abi.pb-c.h"
#include "codec/pb.h"
#include "engine/abi/abi.h"
#include "package.pb-c.h"
#include "platform/ais/id_pb.h"

const char *actr_abi_code_name(int32_t code)
{
    switch (code) {
    case ACTR_ABI_SUCCESS: return "SUCCESS";
    case ACTR_ABI_GENERIC_ERROR: return "GENERIC_ERROR";
    case ACTR_ABI_INIT_FAILED: return "INIT_FAILED";
    case ACTR_ABI_HANDLE_FAILED: return "HANDLE_FAILED";
    case ACTR_ABI_ALLOC_FAILED: return "ALLOC_FAILED";
    case ACTR_ABI_PROTOCOL_ERROR: return "PROTOCOL_ERROR";
    case ACTR_ABI_BUFFER_TOO_SMALL: return "BUFFER_TOO_SMALL";
    case ACTR_ABI_UNSUPPORTED_OP: return "UNSUPPORTED_OP";
    }
    return "UNKNOWN";
}

/* Packs msg into one malloc'ed buffer; the messages here are small and already bounded. */
static int pack(const ProtobufCMessage *msg, uint8_t **out, size_t *out_len)
{
    int rc = actr_pb_encode(msg, out, out_len, NULL);
    return rc == 0 ? 0 : ACTR_ENOMEM;
}

int actr_abi_frame_encode(uint32_t op, const uint8_t *payload, size_t payload_len, uint8_t **out,
                          size_t *out_len)
{
    if (!out || !out_len || (payload_len && !payload))
        return ACTR_EINVAL;
    Actr__Abi__AbiFrame f = ACTR__ABI__ABI_FRAME__INIT;
    f.abi_version = ACTR_ABI_VERSION;
    f.op = op;
    f.payload.data = (uint8_t *)payload; /* only read by the encoder */
    f.payload.len = payload_len;
    return pack(&f.base, out, out_len);
}

int actr_abi_frame_decode(const uint8_t *frame, size_t len, uint32_t *op, uint8_t **payload,
                          size_t *payload_len, actr_error_t *err)
{
    *op = 0;
    *payload = NULL;
    *payload_len = 0;
    if (len > ACTR_ABI_MAX_FRAME)
        return actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_CORRUPT, ACTR_WIRE_DECODE_FAILURE,
                              "AbiFrame of %zu bytes is over the %zu-byte limit", len,
                              ACTR_ABI_MAX_FRAME);
    ProtobufCMessage *m;
    int rc = actr_pb_decode(&actr__abi__abi_frame__descriptor, frame, len, &m, err);
    if (rc != 0)
        return rc;
    Actr__Abi__AbiFrame *f = (Actr__Abi__AbiFrame *)m;
    if (f->abi_version != ACTR_ABI_VERSION) {
        rc = actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CORRUPT, ACTR_WIRE_DECODE_FAILURE,
                            "AbiFrame abi_version %u, expected %u", f->abi_version,
                            ACTR_ABI_VERSION);
    } else if (f->payload.len) {
        *payload = malloc(f->payload.len);
        if (!*payload) {
            rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
        } else {
            memcpy(*payload, f->payload.data, f->payload.len);
            *payload_len = f->payload.len;
        }
    }
    if (rc == 0)
        *op = f->op;
    actr_pb_free(m);
    return rc;
}

int actr_abi_reply_encode(int32_t status, const void *payload, size_t payload_len, uint8_t **out,
                          size_t *out_len)
{
    if (!out || !out_len || (payload_len && !payload))
        return ACTR_EINVAL;
    Actr__Abi__AbiReply r = ACTR__ABI__ABI_REPLY__INIT;
    r.abi_version = ACTR_ABI_VERSION;
    r.status = status;
    r.payload.data = (uint8_t *)payload;
    r.payload.len = payload_len;
    return pack(&r.base, out, out_len);
}

/* Copies at most 200 bytes of a guest message, replacing control bytes, for an error text. */
static void guest_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap && i < 200; i++)
        out[k++] = (p[i] < 0x20 || p[i] == 0x7f) ? '?' : (char)p[i];
    out[k] = '\0';
}

int actr_abi_reply_decode(const uint8_t *reply, size_t len, actr_buf_t *payload, int32_t *status,
                          actr_error_t *err)
{
    *payload = (actr_buf_t){0};
    if (status)
        *status = ACTR_ABI_PROTOCOL_ERROR;
    ProtobufCMessage *m = NULL;
    actr_error_t perr = {0};
    int rc = len > ACTR_ABI_MAX_FRAME ? ACTR_ETOOBIG
                                       : actr_pb_decode(&actr__abi__abi_reply__descriptor, reply,
                                                        len, &m, &perr);
    if (rc != 0)
        return actr_error_set(err, ACTR_EPROTO, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "guest returned malformed AbiReply: %s",
                              perr.message[0] ? perr.message : actr_strerror(rc));
    Actr__Abi__AbiReply *r = (Actr__Abi__AbiReply *)m;
    if (status)
        *status = r->status;
    if (r->status != ACTR_ABI_SUCCESS) {
        char text[ACTR_ERROR_MESSAGE_MAX];
        guest_text(r->payload.data, r->payload.len, text, sizeof text);
        rc = actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                            "guest %s: %s", actr_abi_code_name(r->status),
                            text[0] ? text : "(no message)");
    } else if (r->payload.len && actr_buf_copy(r->payload.data, r->payload.len, payload) != 0) {
        rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    actr_pb_free(m);
    return rc;
}

int actr_abi_init_payload(const actr_type_t *type, uint8_t **out, size_t *out_len)
{
    if (!type || !out || !out_len)
        return ACTR_EINVAL;
    char text[ACTR_TYPE_STR_SIZE];
    if (actr_type_format(type, text, sizeof text, NULL) != 0)
        return ACTR_EINVAL;
    Actr__Abi__InitPayloadV1 p = ACTR__ABI__INIT_PAYLOAD_V1__INIT;
    p.version = 1;
    p.actr_type = text;
    return pack(&p.base, out, out_len);
}

/* An InvocationContextV1 borrowing from the ctx's ids (which outlive the encoding). */
typedef struct inv_pb {
    Actr__Abi__InvocationContextV1 inv;
    actr_id_pb_t self, caller;
} inv_pb_t;

static void inv_init(inv_pb_t *p, actr_ctx_t *ctx)
{
    actr__abi__invocation_context_v1__init(&p->inv);
    actr_id_pb_init(&p->self, actr_ctx_self_id(ctx));
    p->inv.self_id = &p->self.id;
    const actr_id_t *caller = actr_ctx_caller_id(ctx);
    if (caller) {
        actr_id_pb_init(&p->caller, caller);
        p->inv.caller_id = &p->caller.id;
    }
    const char *rid = actr_ctx_request_id(ctx);
    p->inv.request_id = (char *)(rid ? rid : "");
}

/* Packs the op message msg and wraps it in an AbiFrame of op. */
static int wrap(uint32_t op, const ProtobufCMessage *msg, uint8_t **out, size_t *out_len)
{
    uint8_t *inner;
    size_t inner_len;
    int rc = pack(msg, &inner, &inner_len);
    if (rc != 0)
        return rc;
    rc = actr_abi_frame_encode(op, inner, inner_len, out, out_len);
    free(inner);
    return rc;
}

int actr_abi_frame_guest_handle(actr_ctx_t *ctx, const char *route_key, const actr_buf_t *request,
                                uint64_t token, uint8_t **out, size_t *out_len)
{
    if (!ctx || !route_key || !out || !out_len)
        return ACTR_EINVAL;
    inv_pb_t inv;
    inv_init(&inv, ctx);
    Actr__RpcEnvelope env = ACTR__RPC_ENVELOPE__INIT;
    env.route_key = (char *)route_key;
    env.has_payload = 1;
    if (request && request->len) {
        env.payload.data = (uint8_t *)request->data;
        env.payload.len = request->len;
    }
    env.has_direction = 1;
    env.direction = ACTR__DIRECTION__DIRECTION_REQUEST;
    env.request_id = inv.inv.request_id;
    env.timeout_ms = ACTR_CALL_TIMEOUT_MS;
    Actr__Abi__GuestHandleV1 h = ACTR__ABI__GUEST_HANDLE_V1__INIT;
    h.ctx = &inv.inv;
    h.bridge_token = token;
    int rc = pack(&env.base, &h.rpc_envelope.data, &h.rpc_envelope.len);
    if (rc != 0)
        return rc;
    rc = wrap(ACTR_ABI_OP_GUEST_HANDLE, &h.base, out, out_len);
    free(h.rpc_envelope.data);
    return rc;
}

int actr_abi_frame_guest_lifecycle(actr_ctx_t *ctx, uint32_t hook, uint64_t token, uint8_t **out,
                                   size_t *out_len)
{
    if (!ctx || !out || !out_len)
        return ACTR_EINVAL;
    inv_pb_t inv;
    inv_init(&inv, ctx);
    Actr__Abi__GuestLifecycleV1 l = ACTR__ABI__GUEST_LIFECYCLE_V1__INIT;
    l.ctx = &inv.inv;
    l.hook = hook;
    l.bridge_token = token;
    return wrap(ACTR_ABI_OP_GUEST_LIFECYCLE, &l.base, out, out_len);
}

int actr_abi_frame_guest_hook(actr_ctx_t *ctx, const actr_hook_event_t *ev, uint64_t token,
                              uint8_t **out, size_t *out_len)
{
    if (!ctx || !ev || !out || !out_len)
        return ACTR_EINVAL;
    /* Hook ids 1..12 of GuestHookV1 are actr_hook_kind_t's values; on_error is not forwarded. */
    if (ev->kind < ACTR_HOOK_SIGNALING_CONNECTING || ev->kind > ACTR_HOOK_MAILBOX_BACKPRESSURE)
        return ACTR_ENOTFOUND;
    inv_pb_t inv;
    inv_init(&inv, ctx);
    Actr__Abi__GuestHookV1 h = ACTR__ABI__GUEST_HOOK_V1__INIT;
    h.ctx = &inv.inv;
    h.hook = (uint32_t)ev->kind;
    h.bridge_token = token;
    Actr__Abi__PeerEventV1 peer = ACTR__ABI__PEER_EVENT_V1__INIT;
    actr_id_pb_t peer_id;
    Actr__Abi__CredentialEventV1 cred = ACTR__ABI__CREDENTIAL_EVENT_V1__INIT;
    Actr__Abi__TimestampV1 ts = ACTR__ABI__TIMESTAMP_V1__INIT;
    Actr__Abi__BackpressureEventV1 bp = ACTR__ABI__BACKPRESSURE_EVENT_V1__INIT;
    switch (ev->kind) {
    case ACTR_HOOK_WEBSOCKET_CONNECTING:
    case ACTR_HOOK_WEBSOCKET_CONNECTED:
    case ACTR_HOOK_WEBSOCKET_DISCONNECTED:
    case ACTR_HOOK_WEBRTC_CONNECTING:
    case ACTR_HOOK_WEBRTC_CONNECTED:
    case ACTR_HOOK_WEBRTC_DISCONNECTED:
        if (ev->has_peer) {
            actr_id_pb_init(&peer_id, &ev->peer);
            peer.peer = &peer_id.id;
        }
        /* Only WebRTC events carry relayed/status; WebSocket ones leave both absent. */
        if (ev->kind >= ACTR_HOOK_WEBRTC_CONNECTING && ev->relayed >= 0) {
            peer.opt_relayed_case = ACTR__ABI__PEER_EVENT_V1__OPT_RELAYED_RELAYED;
            peer.relayed = ev->relayed != 0;
        }
        if (ev->kind >= ACTR_HOOK_WEBRTC_CONNECTING && ev->status >= 0) {
            peer.opt_status_case = ACTR__ABI__PEER_EVENT_V1__OPT_STATUS_STATUS;
            peer.status = (uint32_t)ev->status;
        }
        h.peer = &peer;
        break;
    case ACTR_HOOK_CREDENTIAL_RENEWED:
    case ACTR_HOOK_CREDENTIAL_EXPIRING:
        ts.seconds = ev->expiry_s;
        ts.nanoseconds = ev->expiry_ns;
        cred.new_expiry = &ts;
        h.credential = &cred;
        break;
    case ACTR_HOOK_MAILBOX_BACKPRESSURE:
        bp.queue_len = ev->queue_len;
        bp.threshold = ev->threshold;
        h.backpressure = &bp;
        break;
    default: /* signaling hooks carry no event */
        break;
    }
    return wrap(ACTR_ABI_OP_GUEST_HOOK, &h.base, out, out_len);
}
