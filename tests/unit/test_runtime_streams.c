/* test_runtime_streams - data streams between nodes of one hyper (runtime.md §6.1): per-stream
 * FIFO on the receiver's serial context, payload handed over by reference, metadata kept,
 * depth 64 with drop-newest for STREAM_LATENCY_FIRST, sender backpressure for STREAM_RELIABLE,
 * unregister drains what is queued, unknown streams counted, re-register, bad arguments, a full
 * stream of the sending actor itself fails at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "actr/ctx.h"
#include "actr/stream.h"
#include "lifecycle/node_internal.h"
#include "rt_fixture.h"

#define MAX_SEEN 512

/* Receiver state (the callback runs on the receiver's serial context). */
static int g_delivered;              /* atomic builtins */
static uint64_t g_seen[MAX_SEEN];
static int g_order_errors;
static const uint8_t *g_payload_ptr; /* last payload pointer seen */
static char g_meta[64];
static int64_t g_ts;
static char g_sender[ACTR_ID_STR_SIZE];
static rt_gate_t g_gate;
static int g_block_first;   /* the callback for sequence 0 waits on g_gate */
static int g_unreg_on_first; /* ...then unregisters its stream */
static int g_in_entry;      /* an RPC entry of the receiver is running (must never overlap) */
static int g_overlap;
static int g_second_cb;

/* Sender parameters and results. */
static actr_id_t g_target;
static const char *g_stream = "s1";
static int g_count;
static int g_lane;
static int64_t g_timeout;
static int g_send_rc[MAX_SEEN];
static int g_sent_done;
static actr_buf_t g_payload;

static int on_chunk(actr_ctx_t *ctx, void *ud, const actr_data_chunk_t *c,
                    const actr_id_t *sender)
{
    (void)ud;
    if (__atomic_exchange_n(&g_in_entry, 1, __ATOMIC_SEQ_CST))
        g_overlap++;
    int n = __atomic_load_n(&g_delivered, __ATOMIC_SEQ_CST);
    if (n < MAX_SEEN) {
        g_seen[n] = c->sequence;
        if (n > 0 && g_seen[n - 1] >= c->sequence)
            g_order_errors++;
    }
    g_payload_ptr = c->payload.data;
    if (c->metadata_count)
        snprintf(g_meta, sizeof g_meta, "%s=%s", c->metadata[0].key, c->metadata[0].value);
    g_ts = c->has_timestamp ? c->timestamp_ms : -1;
    if (sender)
        actr_id_format(sender, g_sender, sizeof g_sender, NULL);
    if (c->sequence == 0 && g_block_first)
        rt_gate_wait(&g_gate, RT_WAIT_MS);
    if (c->sequence == 0 && g_unreg_on_first) {
        actr_error_t err;
        assert_int_equal(actr_ctx_unregister_stream(ctx, c->stream_id, &err), 0);
    }
    __atomic_store_n(&g_in_entry, 0, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&g_delivered, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static int on_chunk_second(actr_ctx_t *ctx, void *ud, const actr_data_chunk_t *c,
                           const actr_id_t *sender)
{
    (void)ctx, (void)ud, (void)c, (void)sender;
    __atomic_add_fetch(&g_second_cb, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static int recv_start(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    (void)self;
    return actr_ctx_register_stream(ctx, "s1", on_chunk, NULL, err);
}

static int recv_ping(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                     actr_error_t *err)
{
    (void)self, (void)ctx, (void)req, (void)resp, (void)err;
    if (__atomic_exchange_n(&g_in_entry, 1, __ATOMIC_SEQ_CST))
        g_overlap++;
    __atomic_store_n(&g_in_entry, 0, __ATOMIC_SEQ_CST);
    return 0;
}

static int recv_rereg(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                      actr_error_t *err)
{
    (void)self, (void)req, (void)resp;
    return actr_ctx_register_stream(ctx, "s1", on_chunk_second, NULL, err);
}

static int send_many(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                     actr_error_t *err)
{
    (void)self, (void)req, (void)resp;
    static const actr_stream_meta_t meta[] = {{"codec", "raw"}};
    for (int i = 0; i < g_count && i < MAX_SEEN; i++) {
        actr_data_chunk_t c = {.stream_id = g_stream,
                               .sequence = (uint64_t)i,
                               .payload = g_payload,
                               .metadata = meta,
                               .metadata_count = 1,
                               .has_timestamp = true,
                               .timestamp_ms = 1234};
        g_send_rc[i] = actr_ctx_send_data_chunk(ctx, &g_target, &c, (actr_stream_lane_t)g_lane,
                                                g_timeout, err);
    }
    __atomic_store_n(&g_sent_done, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static int send_bad(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                    actr_error_t *err)
{
    (void)self, (void)req, (void)resp;
    actr_data_chunk_t c = {.stream_id = "s1", .payload = g_payload};
    int rc = 0;
    /* Only the stream lanes (the reference's ensure_stream_payload_type). */
    if (actr_ctx_send_data_chunk(ctx, &g_target, &c, (actr_stream_lane_t)0, 0, err) !=
        ACTR_EINVAL)
        rc = 1;
    c.stream_id = "";
    if (actr_ctx_send_data_chunk(ctx, &g_target, &c, ACTR_STREAM_RELIABLE, 0, err) != ACTR_EINVAL)
        rc = 2;
    if (actr_ctx_register_stream(ctx, "x", NULL, NULL, err) != ACTR_EINVAL)
        rc = 3;
    if (actr_ctx_unregister_stream(ctx, "never", err) != ACTR_ENOTFOUND)
        rc = 4;
    /* A target that is nowhere: no route. */
    actr_id_t nowhere = g_target;
    nowhere.serial_number += 1000;
    c.stream_id = "s1";
    if (actr_ctx_send_data_chunk(ctx, &nowhere, &c, ACTR_STREAM_RELIABLE, 0, err) !=
        ACTR_EUNAVAILABLE)
        rc = 5;
    return rc ? actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, 0, "check %d", rc) : 0;
}

/* Sends DEPTH + 1 reliable chunks to its own stream from one entry: the chunks cannot run
 * before the entry returns, so the last one cannot wait for room (it never comes). */
static int g_self_rc[ACTR_STREAM_DEPTH + 1];

static int recv_self_flood(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                           actr_error_t *err)
{
    (void)self, (void)req, (void)resp;
    for (int i = 0; i <= ACTR_STREAM_DEPTH; i++) {
        actr_data_chunk_t c = {.stream_id = "s1", .sequence = (uint64_t)i, .payload = g_payload};
        g_self_rc[i] = actr_ctx_send_data_chunk(ctx, NULL, &c, ACTR_STREAM_RELIABLE, 0, err);
    }
    return 0;
}

static const actr_route_t recv_routes[] = {{"test.Recv.Ping", recv_ping},
                                           {"test.Recv.Rereg", recv_rereg},
                                           {"test.Recv.SelfFlood", recv_self_flood}};
static const actr_route_t send_routes[] = {{"test.Send.Many", send_many},
                                           {"test.Send.Bad", send_bad}};
static const actr_workload_vtable_t recv_hooks = {.on_start = recv_start};

typedef struct pair {
    actr_hyper_t *h;
    actr_node_t *rx, *tx;
    actr_ref_t *rx_ref, *tx_ref;
} pair_t;

static void reset(void)
{
    __atomic_store_n(&g_delivered, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&g_sent_done, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&g_second_cb, 0, __ATOMIC_SEQ_CST);
    memset(g_seen, 0, sizeof g_seen);
    memset(g_send_rc, 0x7f, sizeof g_send_rc);
    g_order_errors = g_overlap = 0;
    g_block_first = g_unreg_on_first = 0;
    g_payload_ptr = NULL;
    g_meta[0] = g_sender[0] = '\0';
    g_ts = 0;
    g_stream = "s1";
    g_timeout = 0;
    rt_gate_init(&g_gate);
    assert_int_equal(actr_buf_copy("chunk-bytes", 11, &g_payload), 0);
}

static void pair_up(pair_t *p)
{
    reset();
    p->h = rt_hyper(2);
    p->rx = rt_node(p->h, "rx", recv_routes, 3, &recv_hooks, NULL, &p->rx_ref);
    p->tx = rt_node(p->h, "tx", send_routes, 2, NULL, NULL, &p->tx_ref);
    g_target = *actr_node_id(p->rx);
}

static void pair_down(pair_t *p)
{
    actr_node_free(p->tx);
    actr_node_free(p->rx);
    actr_hyper_free(p->h);
    actr_buf_release(&g_payload);
    rt_gate_destroy(&g_gate);
}

static void start_send(pair_t *p, int count, int lane)
{
    g_count = count;
    g_lane = lane;
    actr_error_t err;
    actr_buf_t none = ACTR_BUF_INIT;
    assert_int_equal(actr_ref_tell(p->tx_ref, NULL, "test.Send.Many", &none, 0, &err), 0);
}

static bool sent_done(void *arg)
{
    (void)arg;
    return __atomic_load_n(&g_sent_done, __ATOMIC_SEQ_CST) != 0;
}

static actr_stream_stats_t stats_of(actr_node_t *n)
{
    actr_stream_stats_t st;
    assert_int_equal(actr_node_stream_stats(n, &st), 0);
    return st;
}

static void test_fifo_zero_copy_metadata(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p);
    /* RPC to the receiver interleaves with its chunks but never overlaps them. */
    start_send(&p, 300, ACTR_STREAM_RELIABLE);
    actr_error_t err;
    actr_buf_t none = ACTR_BUF_INIT;
    for (int i = 0; i < 50; i++)
        assert_int_equal(actr_ref_tell(p.rx_ref, NULL, "test.Recv.Ping", &none, 0, &err), 0);
    assert_true(rt_wait_count(&g_delivered, 300, RT_WAIT_MS));
    assert_true(rt_wait_until(sent_done, NULL, RT_WAIT_MS));
    for (int i = 0; i < 300; i++) {
        assert_int_equal(g_send_rc[i], 0);
        assert_int_equal(g_seen[i], (uint64_t)i);
    }
    assert_int_equal(g_order_errors, 0);
    assert_int_equal(g_overlap, 0);
    assert_ptr_equal(g_payload_ptr, g_payload.data); /* handed over, not copied */
    assert_string_equal(g_meta, "codec=raw");
    assert_int_equal(g_ts, 1234);
    char tx_id[ACTR_ID_STR_SIZE];
    actr_id_format(actr_node_id(p.tx), tx_id, sizeof tx_id, NULL);
    assert_string_equal(g_sender, tx_id);
    actr_stream_stats_t st = stats_of(p.rx);
    assert_int_equal(st.delivered, 300);
    assert_int_equal(st.latency_dropped, 0);
    assert_int_equal(stats_of(p.tx).sent, 300);
    pair_down(&p);
}

static bool queued_is(void *arg)
{
    actr_stream_stats_t st;
    actr_node_stream_stats(((pair_t *)arg)->rx, &st);
    return st.queued == ACTR_STREAM_DEPTH;
}

static void test_latency_first_drops_newest(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p);
    g_block_first = 1;
    start_send(&p, 100, ACTR_STREAM_LATENCY_FIRST);
    assert_true(rt_wait_until(sent_done, NULL, RT_WAIT_MS));
    /* The consumer is stuck in chunk 0: 64 chunks fit (0..63), the 36 newest were dropped. */
    actr_stream_stats_t st = stats_of(p.rx);
    assert_int_equal(st.queued, ACTR_STREAM_DEPTH);
    assert_int_equal(st.latency_dropped, 100 - ACTR_STREAM_DEPTH);
    for (int i = 0; i < 100; i++)
        assert_int_equal(g_send_rc[i], 0); /* a drop is not the sender's error */
    rt_gate_open(&g_gate);
    assert_true(rt_wait_count(&g_delivered, ACTR_STREAM_DEPTH, RT_WAIT_MS));
    for (int i = 0; i < ACTR_STREAM_DEPTH; i++)
        assert_int_equal(g_seen[i], (uint64_t)i); /* the oldest ones survived, in order */
    st = stats_of(p.rx);
    assert_int_equal(st.delivered, ACTR_STREAM_DEPTH);
    pair_down(&p);
}

static void test_reliable_backpressure(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p);
    g_block_first = 1;
    start_send(&p, 100, ACTR_STREAM_RELIABLE);
    /* The sender fills the stream and then waits for room: nothing is dropped. */
    assert_true(rt_wait_until(queued_is, &p, RT_WAIT_MS));
    assert_int_equal(__atomic_load_n(&g_sent_done, __ATOMIC_SEQ_CST), 0);
    assert_int_equal(g_send_rc[ACTR_STREAM_DEPTH], 0x7f7f7f7f); /* the 65th still waits */
    rt_gate_open(&g_gate);
    assert_true(rt_wait_count(&g_delivered, 100, RT_WAIT_MS));
    assert_true(rt_wait_until(sent_done, NULL, RT_WAIT_MS));
    for (int i = 0; i < 100; i++) {
        assert_int_equal(g_send_rc[i], 0);
        assert_int_equal(g_seen[i], (uint64_t)i);
    }
    actr_stream_stats_t st = stats_of(p.rx);
    assert_int_equal(st.latency_dropped, 0);
    assert_int_equal(st.delivered, 100);
    pair_down(&p);
}

static void test_reliable_budget_times_out(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p);
    g_block_first = 1;
    g_timeout = 50;
    start_send(&p, ACTR_STREAM_DEPTH + 2, ACTR_STREAM_RELIABLE);
    assert_true(rt_wait_until(sent_done, NULL, RT_WAIT_MS));
    for (int i = 0; i < ACTR_STREAM_DEPTH; i++)
        assert_int_equal(g_send_rc[i], 0);
    assert_int_equal(g_send_rc[ACTR_STREAM_DEPTH], ACTR_ETIMEDOUT);
    assert_int_equal(g_send_rc[ACTR_STREAM_DEPTH + 1], ACTR_ETIMEDOUT);
    rt_gate_open(&g_gate);
    assert_true(rt_wait_count(&g_delivered, ACTR_STREAM_DEPTH, RT_WAIT_MS));
    pair_down(&p);
}

static void test_unregister_drains_then_unknown(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p);
    g_block_first = 1;
    g_unreg_on_first = 1;
    start_send(&p, 10, ACTR_STREAM_RELIABLE);
    assert_true(rt_wait_until(sent_done, NULL, RT_WAIT_MS));
    rt_gate_open(&g_gate);
    /* Chunk 0 unregisters the stream; the 9 queued behind it still run (drain). */
    assert_true(rt_wait_count(&g_delivered, 10, RT_WAIT_MS));
    for (int i = 0; i < 10; i++)
        assert_int_equal(g_seen[i], (uint64_t)i);
    /* Later chunks find no stream: dropped and counted, not the sender's error. */
    g_block_first = 0;
    __atomic_store_n(&g_sent_done, 0, __ATOMIC_SEQ_CST);
    start_send(&p, 5, ACTR_STREAM_RELIABLE);
    assert_true(rt_wait_until(sent_done, NULL, RT_WAIT_MS));
    actr_stream_stats_t st = stats_of(p.rx);
    assert_int_equal(st.unknown_stream, 5);
    assert_int_equal(st.delivered, 10);
    assert_int_equal(g_send_rc[4], 0);
    pair_down(&p);
}

static void test_reregister_and_bad_input(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p);
    actr_error_t err;
    actr_buf_t none = ACTR_BUF_INIT, resp;
    assert_int_equal(actr_ref_call(p.rx_ref, NULL, "test.Recv.Rereg", &none, RT_WAIT_MS, &resp,
                                   &err), 0);
    actr_buf_release(&resp);
    start_send(&p, 3, ACTR_STREAM_RELIABLE);
    assert_true(rt_wait_count(&g_second_cb, 3, RT_WAIT_MS));
    assert_int_equal(__atomic_load_n(&g_delivered, __ATOMIC_SEQ_CST), 0);
    assert_int_equal(actr_ref_call(p.tx_ref, NULL, "test.Send.Bad", &none, RT_WAIT_MS, &resp,
                                   &err), 0);
    actr_buf_release(&resp);
    pair_down(&p);
}

static void test_full_own_stream_fails_at_once(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p);
    actr_error_t err;
    actr_buf_t none = ACTR_BUF_INIT, resp;
    assert_int_equal(actr_ref_call(p.rx_ref, NULL, "test.Recv.SelfFlood", &none, RT_WAIT_MS,
                                   &resp, &err), 0);
    actr_buf_release(&resp);
    for (int i = 0; i < ACTR_STREAM_DEPTH; i++)
        assert_int_equal(g_self_rc[i], 0);
    assert_int_equal(g_self_rc[ACTR_STREAM_DEPTH], ACTR_EAGAIN);
    /* The 64 queued ones run once the entry has returned. */
    assert_true(rt_wait_count(&g_delivered, ACTR_STREAM_DEPTH, RT_WAIT_MS));
    for (int i = 0; i < ACTR_STREAM_DEPTH; i++)
        assert_int_equal(g_seen[i], (uint64_t)i);
    pair_down(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_zero_copy_metadata),
        cmocka_unit_test(test_latency_first_drops_newest),
        cmocka_unit_test(test_reliable_backpressure),
        cmocka_unit_test(test_reliable_budget_times_out),
        cmocka_unit_test(test_unregister_drains_then_unknown),
        cmocka_unit_test(test_reregister_and_bad_input),
        cmocka_unit_test(test_full_own_stream_fails_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
