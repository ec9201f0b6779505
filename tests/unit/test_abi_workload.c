/*
 * test_abi_workload - the engine-neutral ABI layer (src/engine/abi) with an in-process fake
 * guest transport that decodes every frame with protobuf-c: the GUEST_HANDLE frame and its full
 * RpcEnvelope, lifecycle frames and request ids, the 12 hook frames with exact payloads
 * (scenario 18; on_error not forwarded), host ops through the token (discover, call a peer, call
 * itself, tell, Dest::Host, a dest without kind) and the on_stop-then-shutdown order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi.pb-c.h"
#include "codec/pb.h"
#include "engine/abi/abi.h"
#include "lifecycle/hooks.h"
#include "package.pb-c.h"
#include "platform/ais/id_pb.h"
#include "abi_host_op.h"
#include "rt_fixture.h"

#define MAX_EVENTS 32

/* What the fake guest saw. */
typedef struct guest {
    char events[MAX_EVENTS][160];
    int n_events;
    int shutdowns, destroys;
    int want; /* events_reached() */
    uint64_t last_token;
    actr_id_t peer; /* the echo node host ops target */
} guest_t;

static void note(guest_t *g, const char *fmt, ...) ACTR_PRINTF(2, 3);

static void note(guest_t *g, const char *fmt, ...)
{
    if (g->n_events >= MAX_EVENTS)
        fail_msg("too many events");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->events[g->n_events], sizeof g->events[0], fmt, ap);
    va_end(ap);
    __atomic_add_fetch(&g->n_events, 1, __ATOMIC_SEQ_CST);
}

/* A HostCallV1/HostTellV1 to dest (kind as given; peer = g->peer). */
static void call_op(guest_t *g, uint64_t token, uint32_t op, int kind, char *out, size_t cap)
{
    actr_id_pb_t peer;
    actr_id_pb_init(&peer, &g->peer);
    Actr__Abi__DestV1 dest = ACTR__ABI__DEST_V1__INIT;
    dest.kind_case = (Actr__Abi__DestV1__KindCase)kind;
    if (kind == ACTR__ABI__DEST_V1__KIND_PEER)
        dest.peer = &peer.id;
    else
        dest.host = 1; /* host and workload share the union */
    Actr__Abi__HostCallV1 c = ACTR__ABI__HOST_CALL_V1__INIT;
    c.route_key = "t.Echo.Echo";
    c.dest = &dest;
    c.payload.data = (uint8_t *)"hi";
    c.payload.len = 2;
    abi_host_op(token, op, &c.base, out, cap);
}

static void handle_frame(guest_t *g, const Actr__Abi__GuestHandleV1 *h, actr_buf_t *answer)
{
    ProtobufCMessage *m;
    assert_int_equal(actr_pb_decode(&actr__rpc_envelope__descriptor, h->rpc_envelope.data,
                                    h->rpc_envelope.len, &m, NULL), 0);
    const Actr__RpcEnvelope *env = (const Actr__RpcEnvelope *)m;
    assert_non_null(h->ctx);
    assert_string_equal(env->request_id, h->ctx->request_id);
    assert_true(strlen(env->request_id) == 36); /* a UUID */
    assert_true(env->has_direction && env->direction == ACTR__DIRECTION__DIRECTION_REQUEST);
    assert_int_equal(env->timeout_ms, 30000);
    assert_null(h->ctx->caller_id); /* a call from a ref has no caller */
    assert_true(h->bridge_token > g->last_token); /* monotonic */
    g->last_token = h->bridge_token;
    char out[ACTR_ERROR_MESSAGE_MAX + 32] = "";
    if (strcmp(env->route_key, "t.T.Discover") == 0) {
        Actr__ActrType t;
        actr_type_pb_init(&t, &g->peer.type);
        Actr__Abi__HostDiscoverV1 d = ACTR__ABI__HOST_DISCOVER_V1__INIT;
        d.target_type = &t;
        uint8_t *inner, *frame, *reply;
        size_t inner_len, frame_len, reply_len;
        assert_int_equal(actr_pb_encode(&d.base, &inner, &inner_len, NULL), 0);
        assert_int_equal(actr_abi_frame_encode(4, inner, inner_len, &frame, &frame_len), 0);
        assert_int_equal(actr_abi_host_invoke(h->bridge_token, frame, frame_len, &reply,
                                              &reply_len), 0);
        actr_buf_t payload;
        assert_int_equal(actr_abi_reply_decode(reply, reply_len, &payload, NULL, NULL), 0);
        *answer = payload; /* the encoded ActrId */
        free(inner);
        free(frame);
        free(reply);
    } else if (strcmp(env->route_key, "t.T.Ops") == 0) {
        static const int kinds[] = {
            ACTR__ABI__DEST_V1__KIND_PEER, ACTR__ABI__DEST_V1__KIND_WORKLOAD,
            ACTR__ABI__DEST_V1__KIND_HOST, ACTR__ABI__DEST_V1__KIND__NOT_SET};
        for (int i = 0; i < 4; i++) {
            char one[ACTR_ERROR_MESSAGE_MAX + 16];
            call_op(g, h->bridge_token, ACTR_ABI_OP_HOST_CALL, kinds[i], one, sizeof one);
            note(g, "call %d: %.140s", kinds[i], one);
        }
        call_op(g, h->bridge_token, ACTR_ABI_OP_HOST_TELL, ACTR__ABI__DEST_V1__KIND_PEER, out,
                sizeof out);
        note(g, "tell: %s", out);
    } else {
        assert_int_equal(actr_buf_copy(env->payload.data, env->payload.len, answer), 0);
    }
    actr_pb_free(m);
}

static void hook_frame(guest_t *g, const Actr__Abi__GuestHookV1 *h)
{
    char text[128];
    int n = snprintf(text, sizeof text, "%s %u", h->ctx->request_id, h->hook);
    if (h->peer) {
        n += snprintf(text + n, sizeof text - n, " peer=%llu",
                      h->peer->peer ? (unsigned long long)h->peer->peer->serial_number : 0ull);
        if (h->peer->opt_relayed_case)
            n += snprintf(text + n, sizeof text - n, " relayed=%d", h->peer->relayed);
        if (h->peer->opt_status_case)
            n += snprintf(text + n, sizeof text - n, " status=%u", h->peer->status);
    }
    if (h->credential)
        n += snprintf(text + n, sizeof text - n, " expiry=%llu",
                      (unsigned long long)h->credential->new_expiry->seconds);
    if (h->backpressure)
        snprintf(text + n, sizeof text - n, " bp=%llu/%llu",
                 (unsigned long long)h->backpressure->queue_len,
                 (unsigned long long)h->backpressure->threshold);
    note(g, "%s", text);
}

static int fake_handle(void *self, const uint8_t *frame, size_t len, uint8_t **reply,
                       size_t *reply_len, actr_error_t *err)
{
    guest_t *g = self;
    uint32_t op;
    uint8_t *p;
    size_t n;
    assert_int_equal(actr_abi_frame_decode(frame, len, &op, &p, &n, NULL), 0);
    actr_buf_t answer = {0};
    ProtobufCMessage *m = NULL;
    if (op == ACTR_ABI_OP_GUEST_HANDLE) {
        assert_int_equal(actr_pb_decode(&actr__abi__guest_handle_v1__descriptor, p, n, &m, NULL),
                         0);
        handle_frame(g, (Actr__Abi__GuestHandleV1 *)m, &answer);
    } else if (op == ACTR_ABI_OP_GUEST_LIFECYCLE) {
        assert_int_equal(
            actr_pb_decode(&actr__abi__guest_lifecycle_v1__descriptor, p, n, &m, NULL), 0);
        const Actr__Abi__GuestLifecycleV1 *l = (const Actr__Abi__GuestLifecycleV1 *)m;
        note(g, "%s %u", l->ctx->request_id, l->hook);
    } else {
        assert_int_equal(op, ACTR_ABI_OP_GUEST_HOOK);
        assert_int_equal(actr_pb_decode(&actr__abi__guest_hook_v1__descriptor, p, n, &m, NULL), 0);
        hook_frame(g, (Actr__Abi__GuestHookV1 *)m);
    }
    actr_pb_free(m);
    free(p);
    int rc = actr_abi_reply_encode(0, answer.data, answer.len, reply, reply_len);
    actr_buf_release(&answer);
    return rc == 0 ? 0 : actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "encode");
}

static int fake_shutdown(void *self, actr_error_t *err)
{
    guest_t *g = self;
    g->shutdowns++;
    note(g, "shutdown");
    return 0;
}

static void fake_destroy(void *self)
{
    ((guest_t *)self)->destroys++;
}

static const actr_abi_guest_vtable_t FAKE = {fake_handle, fake_shutdown, fake_destroy};

static int echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    *resp = actr_buf_ref(req);
    return 0;
}

static bool events_reached(void *arg)
{
    const guest_t *g = arg;
    return __atomic_load_n(&g->n_events, __ATOMIC_SEQ_CST) >= g->want;
}

static void test_frames_hooks_and_ops(void **state)
{
    actr_hyper_t *h = rt_hyper(2);
    static const actr_route_t echo_routes[] = {{"t.Echo.Echo", echo}};
    actr_node_t *echo_node = rt_node(h, "Echo", echo_routes, 1, NULL, NULL, NULL);
    guest_t g = {0};
    g.peer = *actr_node_id(echo_node);

    actr_workload_t wl;
    assert_int_equal(actr_abi_workload_new(&FAKE, &g, "fake", &wl, NULL), 0);
    actr_node_t *node;
    actr_type_t type;
    actr_ref_t *ref;
    actr_error_t err = {0};
    assert_int_equal(actr_node_new(h, NULL, &node, &err), 0);
    actr_type_set(&type, "acme", "Guest", "1.0", NULL);
    assert_int_equal(actr_node_set_type(node, &type, &err), 0);
    assert_int_equal(actr_node_link(node, &wl, &err), 0);
    assert_int_equal(actr_node_register_local(node, 1, 0, &err), 0);
    assert_int_equal(actr_node_start(node, &ref, &err), 0);
    assert_string_equal(g.events[0], "lifecycle:on_start 1");
    assert_string_equal(g.events[1], "lifecycle:on_ready 2");

    /* Plain dispatch: the payload crosses in the envelope and comes back. */
    actr_buf_t req = rt_str("payload"), resp;
    assert_int_equal(actr_ref_call(ref, NULL, "t.T.Echo", &req, 5000, &resp, &err), 0);
    assert_int_equal(resp.len, 7);
    assert_memory_equal(resp.data, "payload", 7);
    actr_buf_release(&resp);

    /* Discover through the host: the echo node's id, encoded. */
    assert_int_equal(actr_ref_call(ref, NULL, "t.T.Discover", NULL, 5000, &resp, &err), 0);
    ProtobufCMessage *m;
    assert_int_equal(actr_pb_decode(&actr__actr_id__descriptor, resp.data, resp.len, &m, NULL), 0);
    actr_id_t found;
    assert_int_equal(actr_id_from_pb((Actr__ActrId *)m, &found, NULL), 0);
    assert_int_equal(found.serial_number, g.peer.serial_number);
    actr_pb_free(m);
    actr_buf_release(&resp);

    /* Calls: peer ok, itself deadlocks, Dest::Host unavailable, no kind = protocol error. */
    int before = g.n_events;
    assert_int_equal(actr_ref_call(ref, NULL, "t.T.Ops", NULL, 5000, &resp, &err), 0);
    actr_buf_release(&resp);
    assert_int_equal(g.n_events, before + 5);
    assert_string_equal(g.events[before], "call 3: 0/0/hi");
    assert_non_null(strstr(g.events[before + 1], "call 2: 0/-1/call: synchronous call would"));
    assert_non_null(strstr(g.events[before + 2], "call 1: 0/-1/Dest::Host is not available"));
    assert_string_equal(g.events[before + 3], "call 0: 0/-5/dest has no kind");
    assert_string_equal(g.events[before + 4], "tell: 0/0/");
    assert_int_equal(actr_abi_token_count(), 0);

    /* Hooks, with their payloads; on_error is not forwarded. */
    before = g.n_events;
    actr_hook_event_t evs[] = {
        {.kind = ACTR_HOOK_WEBRTC_CONNECTED, .has_peer = true, .relayed = 1, .status = 2},
        {.kind = ACTR_HOOK_WEBRTC_DISCONNECTED, .has_peer = true, .relayed = -1, .status = 3},
        {.kind = ACTR_HOOK_WEBSOCKET_CONNECTED, .has_peer = true, .relayed = -1, .status = -1},
        {.kind = ACTR_HOOK_ERROR},
        {.kind = ACTR_HOOK_CREDENTIAL_EXPIRING, .expiry_s = 1725000000},
        {.kind = ACTR_HOOK_MAILBOX_BACKPRESSURE, .queue_len = 7, .threshold = 3},
        {.kind = ACTR_HOOK_SIGNALING_CONNECTED},
    };
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
        evs[i].peer.serial_number = 1;
        assert_int_equal(actr_hooks_emit(node, &evs[i]), 0);
    }
    int base = before;
    g.want = base + 6;
    assert_true(rt_wait_until(events_reached, &g, RT_WAIT_MS));
    /* Hooks arrive in emission order, so a forwarded on_error would sit between the 3rd and
     * the 4th entry below. */
    assert_int_equal(g.n_events, base + 6);
    assert_string_equal(g.events[base], "hook:on_webrtc_connected 8 peer=1 relayed=1 status=2");
    assert_string_equal(g.events[base + 1], "hook:on_webrtc_disconnected 9 peer=1 status=3");
    assert_string_equal(g.events[base + 2], "hook:on_websocket_connected 5 peer=1");
    assert_string_equal(g.events[base + 3], "hook:on_credential_expiring 11 expiry=1725000000");
    assert_string_equal(g.events[base + 4], "hook:on_mailbox_backpressure 12 bp=7/3");
    assert_string_equal(g.events[base + 5], "hook:on_signaling_connected 2");

    /* Stop: on_stop, then the engine's shutdown; destroy once at free. */
    before = g.n_events;
    actr_ref_shutdown(ref);
    assert_int_equal(actr_ref_wait(ref, RT_WAIT_MS), 0);
    assert_string_equal(g.events[before], "lifecycle:on_stop 3");
    assert_string_equal(g.events[before + 1], "shutdown");
    actr_node_free(node);
    assert_int_equal(g.destroys, 1);
    assert_int_equal(g.shutdowns, 1);
    actr_node_free(echo_node);
    actr_hyper_free(h);
}

static void test_tokens_and_codec(void **state)
{
    size_t base = actr_abi_token_count();
    uint64_t a, b;
    assert_int_equal(actr_abi_token_open(NULL, &a), 0);
    assert_int_equal(actr_abi_token_open(NULL, &b), 0);
    assert_true(a >= 1 && b > a);
    assert_int_equal(actr_abi_token_retain(a), ACTR_ABI_SUCCESS);
    actr_abi_token_close(a);
    assert_int_equal(actr_abi_token_count(), base + 2); /* a is retained once more */
    actr_abi_token_release(a);
    actr_abi_token_close(b);
    assert_int_equal(actr_abi_token_count(), base);
    assert_int_equal(actr_abi_token_retain(a), ACTR_ABI_GENERIC_ERROR);
    actr_abi_token_release(a); /* unknown: ignored */

    /* Frames: wrong version refused, payload copied out. */
    uint8_t *f;
    size_t n;
    assert_int_equal(actr_abi_frame_encode(7, (const uint8_t *)"xyz", 3, &f, &n), 0);
    uint32_t op;
    uint8_t *p;
    size_t pn;
    assert_int_equal(actr_abi_frame_decode(f, n, &op, &p, &pn, NULL), 0);
    assert_int_equal(op, 7);
    assert_int_equal(pn, 3);
    assert_memory_equal(p, "xyz", 3);
    free(p);
    f[1] = 2; /* abi_version 2 */
    actr_error_t err = {0};
    assert_int_equal(actr_abi_frame_decode(f, n, &op, &p, &pn, &err), ACTR_EPARSE);
    assert_non_null(strstr(err.message, "abi_version 2"));
    free(f);

    /* Replies: status != 0 is the guest's error; garbage is a malformed reply. */
    assert_int_equal(actr_abi_reply_encode(ACTR_ABI_HANDLE_FAILED, "bad\nthing", 9, &f, &n), 0);
    actr_buf_t payload;
    int32_t status;
    assert_int_equal(actr_abi_reply_decode(f, n, &payload, &status, &err), ACTR_EINTERNAL);
    assert_int_equal(status, ACTR_ABI_HANDLE_FAILED);
    assert_string_equal(err.message, "guest HANDLE_FAILED: bad?thing");
    assert_int_equal(err.wire_code, ACTR_WIRE_INTERNAL);
    free(f);
    assert_int_equal(actr_abi_reply_decode((const uint8_t *)"\xff", 1, &payload, NULL, &err),
                     ACTR_EPROTO);
    assert_non_null(strstr(err.message, "malformed AbiReply"));

    /* invoke's own refusals. */
    uint8_t *reply;
    size_t reply_len;
    assert_int_equal(actr_abi_host_invoke(1, (const uint8_t *)"", 0, NULL, NULL),
                     ACTR_ABI_PROTOCOL_ERROR);
    assert_int_equal(actr_abi_host_invoke(1, NULL, 5, &reply, &reply_len),
                     ACTR_ABI_PROTOCOL_ERROR);
    assert_int_equal(actr_abi_host_invoke(1, (const uint8_t *)"", 0, &reply, &reply_len),
                     ACTR_ABI_PROTOCOL_ERROR); /* abi_version 0 */
    assert_string_equal(actr_abi_code_name(-7), "UNSUPPORTED_OP");
    assert_string_equal(actr_abi_code_name(5), "UNKNOWN");

    /* InitPayloadV1 */
    actr_type_t t;
    actr_type_set(&t, "acme", "Echo", "1.0.0", NULL);
    assert_int_equal(actr_abi_init_payload(&t, &f, &n), 0);
    ProtobufCMessage *m;
    assert_int_equal(actr_pb_decode(&actr__abi__init_payload_v1__descriptor, f, n, &m, NULL), 0);
    const Actr__Abi__InitPayloadV1 *ip = (const Actr__Abi__InitPayloadV1 *)m;
    assert_int_equal(ip->version, 1);
    assert_string_equal(ip->actr_type, "acme:Echo:1.0.0");
    assert_int_equal(ip->realm_id, 0);
    actr_pb_free(m);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames_hooks_and_ops),
        cmocka_unit_test(test_tokens_and_codec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
