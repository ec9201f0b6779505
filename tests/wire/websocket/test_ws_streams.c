/*
 * Streams over the direct WebSocket (runtime.md 6.1, protocol.md 8.4) on 127.0.0.1: DataChunks on
 * lane 2 reach the registered callback in order; a consumer that falls behind makes the hub hold
 * chunks and then stop reading the connection, without losing any, while an RPC request that
 * arrived alongside is still answered; lane 3 drops the newest chunk when full; unknown streams
 * and undecodable chunks are dropped and counted; unregistering drops what was held.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "codec/pb.h"
#include "package.pb-c.h"
#include "ws_harness.h"

#define WAIT_MS 10000
#define CHUNK_BYTES 1024

static wh_side_t lis, dia;
static actr_id_t lis_id, dia_id;
static actr_ws_conn_id_t conn;

/* What the consumer saw. */
typedef struct consumer {
    int keep;            /* the callback's return value: 1 = done later */
    size_t n;
    uint64_t seq[4096];
    bool bad_payload;
    bool bad_peer;
} consumer_t;

static consumer_t cons;

static int on_chunk(actr_ws_hub_t *hub, const actr_id_t *peer, uint8_t pt,
                    const actr_ws_chunk_t *chunk, void *ud)
{
    (void)hub;
    (void)pt;
    consumer_t *c = ud;
    if (!peer || !actr_id_equal(peer, &dia_id))
        c->bad_peer = true;
    if (chunk->payload.len != CHUNK_BYTES ||
        chunk->payload.data[0] != (uint8_t)chunk->sequence ||
        chunk->payload.data[CHUNK_BYTES - 1] != (uint8_t)(chunk->sequence >> 8))
        c->bad_payload = true;
    if (c->n < 4096)
        c->seq[c->n++] = chunk->sequence;
    return c->keep;
}

static int setup(void **state)
{
    (void)state;
    wh_open();
    wh_make_id(&lis_id, 0x5);
    wh_make_id(&dia_id, 0x6);
    memset(&lis, 0, sizeof lis);
    memset(&dia, 0, sizeof dia);
    memset(&cons, 0, sizeof cons);
    wh_cred_t cred;
    wh_make_cred(&cred, &dia_id, NULL, actr_clock_wall_s() + 600, NULL);
    actr_ws_identity_t ident = wh_identity(&dia_id, &cred);
    actr_ws_config_t lcfg;
    actr_ws_config_init(&lcfg);
    lcfg.stream_hold_bytes = 8 * CHUNK_BYTES;
    wh_side_new(&lis, &lcfg, true, 0, NULL);
    lis.echo = true;
    wh_side_new(&dia, NULL, false, 0, &ident);
    char url[64];
    assert_int_equal(actr_ws_hub_address(lis.hub, url, sizeof url), 0);
    assert_int_equal(actr_ws_dial(dia.hub, &lis_id, url, &conn), 0);
    wh_wait(wh_cond_connected, &lis, WAIT_MS);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return wh_teardown_sides(&dia, &lis);
}

static void send_chunk(uint8_t pt, const char *stream, uint64_t seq)
{
    uint8_t data[CHUNK_BYTES];
    memset(data, 0x5a, sizeof data);
    data[0] = (uint8_t)seq;
    data[CHUNK_BYTES - 1] = (uint8_t)(seq >> 8);
    Actr__DataChunk c = ACTR__DATA_CHUNK__INIT;
    c.stream_id = (char *)stream;
    c.sequence = seq;
    c.payload.data = data;
    c.payload.len = sizeof data;
    c.has_timestamp_ms = true;
    c.timestamp_ms = 1234;
    uint8_t *bytes;
    size_t n;
    assert_int_equal(actr_pb_encode(&c.base, &bytes, &n, NULL), 0);
    actr_buf_t b;
    assert_int_equal(actr_buf_copy(bytes, n, &b), 0);
    free(bytes);
    assert_int_equal(actr_ws_send(dia.hub, conn, pt, &b), 0);
    actr_buf_release(&b);
}

static void send_request(const char *text)
{
    actr_buf_t b = actr_buf_static(text, strlen(text));
    assert_int_equal(actr_ws_send(dia.hub, conn, ACTR_WS_RPC_RELIABLE, &b), 0);
}

static bool cond_consumed(void *arg)
{
    return cons.n >= *(size_t *)arg;
}

static bool reply_seen(const char *text)
{
    for (size_t i = 0; i < dia.n_frames; i++)
        if (dia.frames[i].payload.len == strlen(text) &&
            !memcmp(dia.frames[i].payload.data, text, strlen(text)))
            return true;
    return false;
}

static bool cond_reply_a(void *arg)
{
    (void)arg;
    return reply_seen("request-A");
}

static void test_in_order(void **state)
{
    (void)state;
    assert_int_equal(actr_ws_stream_register(lis.hub, "s1", 0, on_chunk, &cons), 0);
    for (uint64_t i = 0; i < 300; i++)
        send_chunk(ACTR_WS_STREAM_RELIABLE, "s1", i);
    size_t want = 300;
    wh_wait(cond_consumed, &want, WAIT_MS);
    for (size_t i = 0; i < 300; i++)
        assert_int_equal(cons.seq[i], i);
    assert_false(cons.bad_payload);
    assert_false(cons.bad_peer);
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.rx_paused, 0);
    assert_int_equal(lis.n_frames, 0); /* chunks never reach on_frame */
}

static void test_backpressure(void **state)
{
    (void)state;
    enum { N = 400, DEPTH = 4 };
    cons.keep = 1; /* the consumer keeps every chunk until it says done */
    assert_int_equal(actr_ws_stream_register(lis.hub, "s1", DEPTH, on_chunk, &cons), 0);
    for (uint64_t i = 0; i < 5; i++)
        send_chunk(ACTR_WS_STREAM_RELIABLE, "s1", i);
    send_request("request-A"); /* read within the hold budget: answered while the stream waits */
    for (uint64_t i = 5; i < N; i++)
        send_chunk(ACTR_WS_STREAM_RELIABLE, "s1", i);
    send_request("request-B"); /* behind the paused data */
    wh_wait(cond_reply_a, NULL, WAIT_MS);
    wh_spin(100);
    assert_int_equal(cons.n, DEPTH);
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_true(st.rx_paused >= 1);
    assert_true(st.chunks_held >= 8); /* the budget of 8 chunks was used before pausing */
    assert_true(st.chunks_held < N - DEPTH); /* ... and reading stopped */
    assert_false(reply_seen("request-B"));

    /* the consumer catches up bit by bit: everything arrives, in order, nothing lost */
    uint64_t deadline = actr_clock_mono_ms() + 30000;
    while (cons.n < N && actr_clock_mono_ms() < deadline) {
        assert_int_equal(actr_ws_stream_done(lis.hub, "s1", 2), 0);
        wh_spin(1);
    }
    assert_int_equal(cons.n, N);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(cons.seq[i], i);
    assert_false(cons.bad_payload);
    cons.keep = 0;
    assert_int_equal(actr_ws_stream_done(lis.hub, "s1", N), 0);
    wh_count_t two = {&dia, 2};
    wh_wait(wh_cond_frames, &two, WAIT_MS);
    assert_true(reply_seen("request-B"));
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.latency_dropped, 0);
    assert_int_equal(st.unknown_stream, 0);
}

static void test_latency_first_drops_newest(void **state)
{
    (void)state;
    cons.keep = 1;
    assert_int_equal(actr_ws_stream_register(lis.hub, "lf", 3, on_chunk, &cons), 0);
    for (uint64_t i = 0; i < 10; i++)
        send_chunk(ACTR_WS_STREAM_LATENCY_FIRST, "lf", i);
    send_request("request-A");
    wh_wait(cond_reply_a, NULL, WAIT_MS);
    assert_int_equal(cons.n, 3);
    assert_int_equal(cons.seq[0], 0);
    assert_int_equal(cons.seq[2], 2); /* the oldest are kept, the newest dropped */
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.latency_dropped, 7);
    assert_int_equal(st.rx_paused, 0); /* latency-first never stops the connection */
}

static void test_unknown_and_undecodable(void **state)
{
    (void)state;
    assert_int_equal(actr_ws_stream_register(lis.hub, "s1", 0, on_chunk, &cons), 0);
    send_chunk(ACTR_WS_STREAM_RELIABLE, "nobody", 1);
    actr_buf_t junk = actr_buf_static("\xff\xff\xff", 3);
    assert_int_equal(actr_ws_send(dia.hub, conn, ACTR_WS_STREAM_RELIABLE, &junk), 0);
    send_chunk(ACTR_WS_STREAM_RELIABLE, "s1", 7);
    size_t want = 1;
    wh_wait(cond_consumed, &want, WAIT_MS);
    assert_int_equal(cons.seq[0], 7);
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.unknown_stream, 1);
    assert_int_equal(st.undecodable_chunks, 1);
    /* unregistered: later chunks are unknown */
    assert_int_equal(actr_ws_stream_unregister(lis.hub, "s1"), 0);
    assert_int_equal(actr_ws_stream_unregister(lis.hub, "s1"), ACTR_ENOTFOUND);
    send_chunk(ACTR_WS_STREAM_RELIABLE, "s1", 8);
    send_request("request-A");
    wh_wait(cond_reply_a, NULL, WAIT_MS);
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.unknown_stream, 2);
    assert_int_equal(cons.n, 1);
}

static void test_unregister_while_held(void **state)
{
    (void)state;
    cons.keep = 1;
    assert_int_equal(actr_ws_stream_register(lis.hub, "s1", 1, on_chunk, &cons), 0);
    for (uint64_t i = 0; i < 100; i++)
        send_chunk(ACTR_WS_STREAM_RELIABLE, "s1", i);
    wh_spin(100);
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_true(st.rx_paused >= 1);
    /* dropping the stream drops what it held and lets the connection read again */
    assert_int_equal(actr_ws_stream_unregister(lis.hub, "s1"), 0);
    send_request("request-A");
    wh_wait(cond_reply_a, NULL, WAIT_MS);
    actr_ws_stats(lis.hub, &st);
    assert_true(st.unknown_stream >= 1); /* the rest arrived after the stream was gone */
    assert_int_equal(cons.n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latency_first_drops_newest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_undecodable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unregister_while_held, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
