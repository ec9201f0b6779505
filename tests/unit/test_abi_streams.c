/*
 * test_abi_streams - data streams across the guest ABI (engines.md §1: ops 5 REGISTER_STREAM,
 * 6 UNREGISTER_STREAM, 7 SEND_DATA_CHUNK, 102 GUEST_DATA_CHUNK) with an in-process fake guest
 * that decodes every frame with protobuf-c: a guest registers a stream, chunks from a linked C
 * node and from the guest itself arrive as GUEST_DATA_CHUNK frames in order with payload,
 * metadata and sender; registering from inside a chunk is UNSUPPORTED_OP (as the reference);
 * a non-stream payload type is a PROTOCOL_ERROR; unregister works once.
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
#include "actr/ctx.h"
#include "codec/pb.h"
#include "engine/abi/abi.h"
#include "package.pb-c.h"
#include "platform/ais/id_pb.h"
#include "abi_host_op.h"
#include "rt_fixture.h"

#define MAX_CHUNKS 64

typedef struct guest {
    int chunks; /* atomic builtins */
    uint64_t seq[MAX_CHUNKS];
    char text[MAX_CHUNKS][48];
    uint64_t sender_serial[MAX_CHUNKS];
    char reg_in_chunk[160];  /* REGISTER_STREAM from inside a chunk */
    char ops[8][160];        /* results of host ops from t.T.* routes */
    int n_ops;
} guest_t;

static void op_register(uint64_t token, const char *id, char *out, size_t cap)
{
    Actr__Abi__HostRegisterStreamV1 r = ACTR__ABI__HOST_REGISTER_STREAM_V1__INIT;
    r.stream_id = (char *)id;
    abi_host_op(token, ACTR_ABI_OP_HOST_REGISTER_STREAM, &r.base, out, cap);
}

static void op_send(uint64_t token, int payload_type, uint64_t seq, char *out, size_t cap)
{
    Actr__Abi__DestV1 dest = ACTR__ABI__DEST_V1__INIT;
    dest.kind_case = ACTR__ABI__DEST_V1__KIND_WORKLOAD;
    dest.workload = 1;
    Actr__MetadataEntry me = ACTR__METADATA_ENTRY__INIT, *mp = &me;
    me.key = "from";
    me.value = "guest";
    Actr__DataChunk dc = ACTR__DATA_CHUNK__INIT;
    dc.stream_id = "g1";
    dc.sequence = seq;
    dc.payload.data = (uint8_t *)"self-chunk";
    dc.payload.len = 10;
    dc.n_metadata = 1;
    dc.metadata = &mp;
    Actr__Abi__HostSendDataChunkV1 s = ACTR__ABI__HOST_SEND_DATA_CHUNK_V1__INIT;
    s.dest = &dest;
    s.chunk = &dc;
    s.payload_type = payload_type;
    abi_host_op(token, ACTR_ABI_OP_HOST_SEND_DATA_CHUNK, &s.base, out, cap);
}

static void on_chunk_frame(guest_t *g, const Actr__Abi__GuestDataChunkV1 *c)
{
    int i = __atomic_load_n(&g->chunks, __ATOMIC_SEQ_CST);
    assert_true(i < MAX_CHUNKS);
    assert_non_null(c->chunk);
    assert_non_null(c->sender);
    g->seq[i] = c->chunk->sequence;
    g->sender_serial[i] = c->sender->serial_number;
    snprintf(g->text[i], sizeof g->text[i], "%s %.*s %s=%s", c->chunk->stream_id,
             (int)c->chunk->payload.len, (const char *)c->chunk->payload.data,
             c->chunk->n_metadata ? c->chunk->metadata[0]->key : "-",
             c->chunk->n_metadata ? c->chunk->metadata[0]->value : "-");
    if (i == 0)
        op_register(c->bridge_token, "g2", g->reg_in_chunk, sizeof g->reg_in_chunk);
    __atomic_add_fetch(&g->chunks, 1, __ATOMIC_SEQ_CST);
}

static void on_handle_frame(guest_t *g, const Actr__Abi__GuestHandleV1 *h)
{
    ProtobufCMessage *m;
    assert_int_equal(actr_pb_decode(&actr__rpc_envelope__descriptor, h->rpc_envelope.data,
                                    h->rpc_envelope.len, &m, NULL), 0);
    const char *route = ((const Actr__RpcEnvelope *)m)->route_key;
    char *out = g->ops[g->n_ops < 8 ? g->n_ops++ : 7];
    if (strcmp(route, "t.T.Reg") == 0) {
        op_register(h->bridge_token, "g1", out, 160);
    } else if (strcmp(route, "t.T.SendSelf") == 0) {
        op_send(h->bridge_token, ACTR_STREAM_RELIABLE, 100, out, 160);
    } else if (strcmp(route, "t.T.SendBadLane") == 0) {
        op_send(h->bridge_token, 0, 101, out, 160);
    } else if (strcmp(route, "t.T.Unreg") == 0) {
        Actr__Abi__HostUnregisterStreamV1 u = ACTR__ABI__HOST_UNREGISTER_STREAM_V1__INIT;
        u.stream_id = "g1";
        abi_host_op(h->bridge_token, ACTR_ABI_OP_HOST_UNREGISTER_STREAM, &u.base, out, 160);
    }
    actr_pb_free(m);
}

static int fake_handle(void *self, const uint8_t *frame, size_t len, uint8_t **reply,
                       size_t *reply_len, actr_error_t *err)
{
    guest_t *g = self;
    uint32_t op;
    uint8_t *p;
    size_t n;
    assert_int_equal(actr_abi_frame_decode(frame, len, &op, &p, &n, NULL), 0);
    ProtobufCMessage *m = NULL;
    if (op == ACTR_ABI_OP_GUEST_DATA_CHUNK) {
        assert_int_equal(
            actr_pb_decode(&actr__abi__guest_data_chunk_v1__descriptor, p, n, &m, NULL), 0);
        on_chunk_frame(g, (Actr__Abi__GuestDataChunkV1 *)m);
    } else if (op == ACTR_ABI_OP_GUEST_HANDLE) {
        assert_int_equal(actr_pb_decode(&actr__abi__guest_handle_v1__descriptor, p, n, &m, NULL),
                         0);
        on_handle_frame(g, (Actr__Abi__GuestHandleV1 *)m);
    }
    actr_pb_free(m);
    free(p);
    int rc = actr_abi_reply_encode(0, NULL, 0, reply, reply_len);
    return rc == 0 ? 0 : actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "encode");
}

static const actr_abi_guest_vtable_t FAKE = {fake_handle, NULL, NULL};

/* A linked C node that streams to the guest node. */
static actr_id_t g_guest_id;

static int c_send(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                  actr_error_t *err)
{
    (void)self, (void)req, (void)resp;
    static const actr_stream_meta_t meta[] = {{"from", "c"}};
    for (uint64_t i = 0; i < 3; i++) {
        actr_data_chunk_t c = {.stream_id = "g1", .sequence = i,
                               .payload = actr_buf_static("c-chunk", 7),
                               .metadata = meta, .metadata_count = 1};
        int rc = actr_ctx_send_data_chunk(ctx, &g_guest_id, &c, ACTR_STREAM_RELIABLE, 0, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static bool chunks_reached(void *arg)
{
    guest_t *g = arg;
    return __atomic_load_n(&g->chunks, __ATOMIC_SEQ_CST) >= 4;
}

static void call(actr_ref_t *ref, const char *route)
{
    actr_buf_t resp;
    actr_error_t err = {0};
    assert_int_equal(actr_ref_call(ref, NULL, route, NULL, RT_WAIT_MS, &resp, &err), 0);
    actr_buf_release(&resp);
}

static void test_guest_streams(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(2);
    static const actr_route_t c_routes[] = {{"t.C.Send", c_send}};
    actr_ref_t *c_ref;
    actr_node_t *c_node = rt_node(h, "CSender", c_routes, 1, NULL, NULL, &c_ref);

    guest_t g;
    memset(&g, 0, sizeof g);
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
    g_guest_id = *actr_node_id(node);

    call(ref, "t.T.Reg");
    assert_string_equal(g.ops[0], "0/0/");
    call(c_ref, "t.C.Send");    /* 3 chunks from another node */
    call(ref, "t.T.SendSelf");  /* 1 chunk from the guest to itself */
    assert_string_equal(g.ops[1], "0/0/");
    assert_true(rt_wait_until(chunks_reached, &g, RT_WAIT_MS));
    assert_int_equal(g.chunks, 4);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(g.seq[i], (uint64_t)i);
        assert_string_equal(g.text[i], "g1 c-chunk from=c");
        assert_int_equal(g.sender_serial[i], actr_node_id(c_node)->serial_number);
    }
    assert_int_equal(g.seq[3], 100);
    assert_string_equal(g.text[3], "g1 self-chunk from=guest");
    assert_int_equal(g.sender_serial[3], g_guest_id.serial_number);
    /* As the reference: no stream registration from inside a stream callback. */
    assert_non_null(strstr(g.reg_in_chunk, "0/-7/register_stream"));

    call(ref, "t.T.SendBadLane");
    assert_non_null(strstr(g.ops[2], "0/-5/send_data_chunk"));
    call(ref, "t.T.Unreg");
    assert_string_equal(g.ops[3], "0/0/");
    call(ref, "t.T.Unreg");
    assert_non_null(strstr(g.ops[4], "0/-1/unregister_stream"));
    assert_int_equal(actr_abi_token_count(), 0);

    actr_node_free(node);
    actr_node_free(c_node);
    actr_hyper_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guest_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
