/*
 * test_sdk_pb.c - the guest SDK's hand-written protobuf codec (sdk/actr_guest_pb.c) against
 * protobuf-c: every message the SDK encodes must be byte-identical to protobuf-c's encoding of
 * the same values, every message it decodes is produced by protobuf-c here, and malformed input
 * is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi.pb-c.h"
#include "actr_guest_pb.h"
#include "codec/pb.h"
#include "package.pb-c.h"

/* protobuf-c's bytes of msg (owned; free()). */
static uint8_t *pc_pack(const ProtobufCMessage *msg, size_t *len)
{
    uint8_t *out;
    assert_int_equal(actr_pb_encode(msg, &out, len, NULL), 0);
    return out;
}

static void expect_same(agpb_writer_t *w, const ProtobufCMessage *msg)
{
    assert_false(w->oom);
    size_t n;
    uint8_t *ref = pc_pack(msg, &n);
    assert_int_equal(w->len, n);
    if (n)
        assert_memory_equal(w->buf, ref, n);
    free(ref);
    agpb_writer_free(w);
}

static const actr_guest_id_t ID = {.realm_id = 1001, .serial = 0x1234567890ull,
                                   .type = {"acme", "EchoService", "1.0.0"}};
static const actr_guest_id_t ZERO_ID = {.realm_id = 0, .serial = 0, .type = {"", "", ""}};

/* An ActrId message of id (strings borrowed). */
typedef struct pc_id {
    Actr__ActrId id;
    Actr__Realm realm;
    Actr__ActrType type;
} pc_id_t;

static Actr__ActrId *pc_id(pc_id_t *p, const actr_guest_id_t *id)
{
    actr__actr_id__init(&p->id);
    actr__realm__init(&p->realm);
    actr__actr_type__init(&p->type);
    p->realm.realm_id = id->realm_id;
    p->type.manufacturer = (char *)id->type.manufacturer;
    p->type.name = (char *)id->type.name;
    p->type.version = (char *)id->type.version;
    p->id.realm = &p->realm;
    p->id.serial_number = id->serial;
    p->id.type = &p->type;
    return &p->id;
}

static void test_encode_frame_and_reply(void **state)
{
    static const struct {
        uint32_t op;
        const char *payload;
    } frames[] = {{1, "abc"}, {104, ""}, {0, "x"}, {0xffffffffu, "\x00\x01"}};
    for (size_t i = 0; i < 4; i++) {
        agpb_writer_t w = {0};
        size_t n = i == 3 ? 2 : strlen(frames[i].payload);
        assert_true(agpb_encode_frame(&w, frames[i].op, frames[i].payload, n));
        Actr__Abi__AbiFrame f = ACTR__ABI__ABI_FRAME__INIT;
        f.abi_version = 1;
        f.op = frames[i].op;
        f.payload.data = (uint8_t *)frames[i].payload;
        f.payload.len = n;
        expect_same(&w, &f.base);
    }
    static const int32_t statuses[] = {0, -1, -5, -7, 42, INT32_MIN};
    for (size_t i = 0; i < 6; i++) {
        agpb_writer_t w = {0};
        assert_true(agpb_encode_reply(&w, statuses[i], "msg", i % 2 ? 3 : 0));
        Actr__Abi__AbiReply r = ACTR__ABI__ABI_REPLY__INIT;
        r.abi_version = 1;
        r.status = statuses[i];
        r.payload.data = (uint8_t *)"msg";
        r.payload.len = i % 2 ? 3 : 0;
        expect_same(&w, &r.base);
    }
}

static void test_encode_ids_and_ops(void **state)
{
    const actr_guest_id_t *ids[] = {&ID, &ZERO_ID};
    for (size_t i = 0; i < 2; i++) {
        agpb_writer_t w = {0};
        pc_id_t p;
        assert_true(agpb_encode_actr_id(&w, ids[i]));
        expect_same(&w, &pc_id(&p, ids[i])->base);
    }
    /* HostCallV1 to a peer and to the workload; HostTellV1 shares the layout. */
    for (int peer = 0; peer < 2; peer++) {
        for (size_t plen = 0; plen < 5; plen += 4) {
            agpb_writer_t w = {0};
            assert_true(agpb_encode_host_call(&w, "echo.EchoService.Echo", peer ? &ID : NULL,
                                              "ping", plen));
            pc_id_t p;
            Actr__Abi__DestV1 dest = ACTR__ABI__DEST_V1__INIT;
            if (peer) {
                dest.kind_case = ACTR__ABI__DEST_V1__KIND_PEER;
                dest.peer = pc_id(&p, &ID);
            } else {
                dest.kind_case = ACTR__ABI__DEST_V1__KIND_WORKLOAD;
                dest.workload = 1;
            }
            Actr__Abi__HostCallV1 c = ACTR__ABI__HOST_CALL_V1__INIT;
            c.route_key = "echo.EchoService.Echo";
            c.dest = &dest;
            c.payload.data = (uint8_t *)"ping";
            c.payload.len = plen;
            expect_same(&w, &c.base);
        }
    }
    agpb_writer_t w = {0};
    assert_true(agpb_encode_host_call_raw(&w, "a.B.c", &ID, "\x07\0\0\0", 4));
    pc_id_t p;
    Actr__Abi__HostCallRawV1 raw = ACTR__ABI__HOST_CALL_RAW_V1__INIT;
    raw.route_key = "a.B.c";
    raw.target = pc_id(&p, &ID);
    raw.payload.data = (uint8_t *)"\x07\0\0\0";
    raw.payload.len = 4;
    expect_same(&w, &raw.base);

    assert_true(agpb_encode_host_discover(&w, &ID.type));
    Actr__Abi__HostDiscoverV1 d = ACTR__ABI__HOST_DISCOVER_V1__INIT;
    pc_id(&p, &ID);
    d.target_type = &p.type;
    expect_same(&w, &d.base);
}

/* An InvocationContextV1 with a caller and a request id. */
typedef struct pc_inv {
    Actr__Abi__InvocationContextV1 inv;
    pc_id_t self, caller;
} pc_inv_t;

static Actr__Abi__InvocationContextV1 *pc_inv(pc_inv_t *p, bool caller)
{
    actr__abi__invocation_context_v1__init(&p->inv);
    p->inv.self_id = pc_id(&p->self, &ID);
    if (caller)
        p->inv.caller_id = pc_id(&p->caller, &ZERO_ID);
    p->inv.request_id = "0b7a0a5e-1a7c-4e3c-9f55-3d0f6c1c2b11";
    return &p->inv;
}

static void expect_inv(const agpb_invocation_t *inv, bool caller, uint64_t token)
{
    assert_int_equal(inv->self.realm_id, 1001);
    assert_int_equal(inv->self.serial, 0x1234567890ull);
    assert_string_equal(inv->self.type.name, "EchoService");
    assert_int_equal(inv->has_caller, caller);
    assert_string_equal(inv->request_id, "0b7a0a5e-1a7c-4e3c-9f55-3d0f6c1c2b11");
    assert_int_equal(inv->token, token);
}

static void test_decode_guest_frames(void **state)
{
    /* GuestHandleV1 holding a full RpcEnvelope (metadata, trace fields, timeout). */
    Actr__MetadataEntry meta = ACTR__METADATA_ENTRY__INIT, *metas[] = {&meta};
    meta.key = "k";
    meta.value = "v";
    Actr__RpcEnvelope env = ACTR__RPC_ENVELOPE__INIT;
    env.route_key = "echo.EchoService.Echo";
    env.has_payload = 1;
    env.payload.data = (uint8_t *)"hello";
    env.payload.len = 5;
    env.has_direction = 1;
    env.direction = ACTR__DIRECTION__DIRECTION_REQUEST;
    env.traceparent = "00-abc";
    env.request_id = "rid";
    env.n_metadata = 1;
    env.metadata = metas;
    env.timeout_ms = 30000;
    pc_inv_t pi;
    Actr__Abi__GuestHandleV1 h = ACTR__ABI__GUEST_HANDLE_V1__INIT;
    h.ctx = pc_inv(&pi, true);
    h.rpc_envelope.data = pc_pack(&env.base, &h.rpc_envelope.len);
    h.bridge_token = 77;
    size_t n;
    uint8_t *bytes = pc_pack(&h.base, &n);
    agpb_invocation_t inv;
    char route[ACTR_GUEST_ROUTE_SIZE];
    const uint8_t *payload;
    size_t payload_len;
    assert_int_equal(agpb_decode_guest_handle(bytes, n, &inv, route, sizeof route, &payload,
                                              &payload_len), 0);
    expect_inv(&inv, true, 77);
    assert_string_equal(route, "echo.EchoService.Echo");
    assert_int_equal(payload_len, 5);
    assert_memory_equal(payload, "hello", 5);
    /* Every truncation is refused or decodes to a prefix, never read out of bounds. */
    for (size_t cut = 0; cut < n; cut++)
        (void)agpb_decode_guest_handle(bytes, cut, &inv, route, sizeof route, &payload,
                                       &payload_len);
    free(bytes);
    free(h.rpc_envelope.data);

    Actr__Abi__GuestLifecycleV1 l = ACTR__ABI__GUEST_LIFECYCLE_V1__INIT;
    l.ctx = pc_inv(&pi, false);
    l.hook = 3;
    l.bridge_token = 1;
    bytes = pc_pack(&l.base, &n);
    uint32_t hook;
    assert_int_equal(agpb_decode_guest_lifecycle(bytes, n, &inv, &hook), 0);
    expect_inv(&inv, false, 1);
    assert_int_equal(hook, 3);
    free(bytes);
}

static void test_decode_hooks(void **state)
{
    pc_inv_t pi;
    pc_id_t peer_id;
    Actr__Abi__PeerEventV1 peer = ACTR__ABI__PEER_EVENT_V1__INIT;
    peer.peer = pc_id(&peer_id, &ID);
    peer.opt_relayed_case = ACTR__ABI__PEER_EVENT_V1__OPT_RELAYED_RELAYED;
    peer.relayed = 1;
    peer.opt_status_case = ACTR__ABI__PEER_EVENT_V1__OPT_STATUS_STATUS;
    peer.status = 2;
    Actr__Abi__GuestHookV1 h = ACTR__ABI__GUEST_HOOK_V1__INIT;
    h.ctx = pc_inv(&pi, false);
    h.hook = 8;
    h.peer = &peer;
    h.bridge_token = 5;
    size_t n;
    uint8_t *bytes = pc_pack(&h.base, &n);
    agpb_invocation_t inv;
    actr_guest_hook_event_t ev;
    assert_int_equal(agpb_decode_guest_hook(bytes, n, &inv, &ev), 0);
    free(bytes);
    expect_inv(&inv, false, 5);
    assert_int_equal(ev.hook, 8);
    assert_true(ev.has_peer && ev.has_relayed && ev.relayed && ev.has_status);
    assert_int_equal(ev.status, 2);
    assert_string_equal(ev.peer.type.manufacturer, "acme");

    /* relayed = false is still present (explicit presence). */
    peer.relayed = 0;
    peer.opt_status_case = ACTR__ABI__PEER_EVENT_V1__OPT_STATUS__NOT_SET;
    bytes = pc_pack(&h.base, &n);
    assert_int_equal(agpb_decode_guest_hook(bytes, n, &inv, &ev), 0);
    free(bytes);
    assert_true(ev.has_relayed && !ev.relayed && !ev.has_status);

    Actr__Abi__TimestampV1 ts = ACTR__ABI__TIMESTAMP_V1__INIT;
    ts.seconds = 1725000000;
    ts.nanoseconds = 12;
    Actr__Abi__CredentialEventV1 cred = ACTR__ABI__CREDENTIAL_EVENT_V1__INIT;
    cred.new_expiry = &ts;
    Actr__Abi__BackpressureEventV1 bp = ACTR__ABI__BACKPRESSURE_EVENT_V1__INIT;
    bp.queue_len = 7;
    bp.threshold = 3;
    h.peer = NULL;
    h.hook = 11;
    h.credential = &cred;
    h.backpressure = &bp;
    bytes = pc_pack(&h.base, &n);
    assert_int_equal(agpb_decode_guest_hook(bytes, n, &inv, &ev), 0);
    free(bytes);
    assert_true(!ev.has_peer && ev.has_expiry && ev.has_backpressure);
    assert_int_equal(ev.expiry_seconds, 1725000000);
    assert_int_equal(ev.expiry_nanos, 12);
    assert_int_equal(ev.queue_len, 7);
    assert_int_equal(ev.threshold, 3);
}

static void test_decode_init_reply_id(void **state)
{
    Actr__Abi__InitPayloadV1 ip = ACTR__ABI__INIT_PAYLOAD_V1__INIT;
    ip.version = 1;
    ip.actr_type = "acme:EchoService:1.0.0";
    size_t n;
    uint8_t *bytes = pc_pack(&ip.base, &n);
    uint32_t version;
    char type[64];
    assert_int_equal(agpb_decode_init(bytes, n, &version, type, sizeof type), 0);
    assert_int_equal(version, 1);
    assert_string_equal(type, "acme:EchoService:1.0.0");
    assert_int_equal(agpb_decode_init(bytes, n, &version, type, 8), -1); /* does not fit */
    free(bytes);

    Actr__Abi__AbiReply r = ACTR__ABI__ABI_REPLY__INIT;
    r.abi_version = 1;
    r.status = -5;
    r.payload.data = (uint8_t *)"bad";
    r.payload.len = 3;
    bytes = pc_pack(&r.base, &n);
    int32_t status;
    const uint8_t *p;
    size_t plen;
    assert_int_equal(agpb_decode_reply(bytes, n, &version, &status, &p, &plen), 0);
    assert_int_equal(status, -5);
    assert_int_equal(plen, 3);
    free(bytes);

    pc_id_t pid;
    bytes = pc_pack(&pc_id(&pid, &ID)->base, &n);
    actr_guest_id_t id;
    assert_int_equal(agpb_decode_actr_id(bytes, n, &id), 0);
    assert_memory_equal(&id, &ID, sizeof id);
    free(bytes);
}

static void test_malformed(void **state)
{
    uint32_t v, op;
    const uint8_t *p;
    size_t n;
    static const uint8_t truncated_varint[] = {0x08, 0x80};
    static const uint8_t long_len[] = {0x1a, 0x05, 'a'};
    static const uint8_t group[] = {0x0b, 0x0c};
    static const uint8_t field_zero[] = {0x00, 0x01};
    static const uint8_t eleven_byte_varint[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t wrong_type[] = {0x0a, 0x00}; /* abi_version as bytes */
    assert_int_equal(agpb_decode_frame(truncated_varint, 2, &v, &op, &p, &n), -1);
    assert_int_equal(agpb_decode_frame(long_len, 3, &v, &op, &p, &n), -1);
    assert_int_equal(agpb_decode_frame(group, 2, &v, &op, &p, &n), -1);
    assert_int_equal(agpb_decode_frame(field_zero, 2, &v, &op, &p, &n), -1);
    assert_int_equal(agpb_decode_frame(eleven_byte_varint, sizeof eleven_byte_varint, &v, &op,
                                       &p, &n), -1);
    assert_int_equal(agpb_decode_frame(wrong_type, 2, &v, &op, &p, &n), -1);
    /* Unknown fields of every wire type are skipped. */
    static const uint8_t unknown[] = {0x08, 0x01, 0x10, 0x65, 0x29, 1, 2, 3, 4, 5, 6, 7, 8,
                                      0x35, 1, 2, 3, 4, 0x3a, 0x01, 'z'};
    assert_int_equal(agpb_decode_frame(unknown, sizeof unknown, &v, &op, &p, &n), 0);
    assert_int_equal(v, 1);
    assert_int_equal(op, 101);
    /* A string with a NUL is refused. */
    static const uint8_t nul_type[] = {0x12, 0x03, 'a', 0x00, 'b'};
    char type[16];
    assert_int_equal(agpb_decode_init(nul_type, sizeof nul_type, &v, type, sizeof type), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_frame_and_reply),
        cmocka_unit_test(test_encode_ids_and_ops),
        cmocka_unit_test(test_decode_guest_frames),
        cmocka_unit_test(test_decode_hooks),
        cmocka_unit_test(test_decode_init_reply_id),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
