/*
 * The direct WebSocket hub, our dialler against our listener in one process over real sockets
 * on 127.0.0.1: request/response echo, tells, 1000 pipelined requests, messages up to the limit,
 * oversized ones refused on both sides, reconnect after the listener restarts, and credential
 * renewal on the dialling side.
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
#include "ws_harness.h"

#define WAIT_MS 10000

static wh_side_t lis, dia; /* the listener and the dialler */
static actr_id_t lis_id, dia_id;
static wh_cred_t dia_cred;
static char url[64];

static int setup(void **state)
{
    (void)state;
    wh_open();
    wh_make_id(&lis_id, 0x1a2b);
    wh_make_id(&dia_id, 0x3c4d);
    wh_make_cred(&dia_cred, &dia_id, NULL, actr_clock_wall_s() + 3600, NULL);
    memset(&lis, 0, sizeof lis);
    memset(&dia, 0, sizeof dia);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return wh_teardown_sides(&dia, &lis);
}

/* A listener (echoing) and a dialler with a valid credential, connected. */
static actr_ws_conn_id_t pair_up(const actr_ws_config_t *lcfg, const actr_ws_config_t *dcfg)
{
    actr_ws_identity_t ident = wh_identity(&dia_id, &dia_cred);
    wh_side_new(&lis, lcfg, true, 0, NULL);
    lis.echo = true;
    wh_side_new(&dia, dcfg, false, 0, &ident);
    assert_int_equal(actr_ws_hub_address(lis.hub, url, sizeof url), 0);
    actr_ws_conn_id_t conn = 0;
    assert_int_equal(actr_ws_dial(dia.hub, &lis_id, url, &conn), 0);
    assert_true(conn != 0);
    wh_wait(wh_cond_connected, &dia, WAIT_MS);
    wh_wait(wh_cond_connected, &lis, WAIT_MS);
    return conn;
}

static void send_text(actr_ws_hub_t *hub, actr_ws_conn_id_t conn, uint8_t pt, const char *text)
{
    actr_buf_t b = actr_buf_static(text, strlen(text));
    assert_int_equal(actr_ws_send(hub, conn, pt, &b), 0);
}

static void assert_payload(const wh_frame_t *f, const char *text)
{
    assert_int_equal(f->payload.len, strlen(text));
    assert_memory_equal(f->payload.data, text, strlen(text));
}

static void test_echo(void **state)
{
    (void)state;
    actr_ws_conn_id_t conn = pair_up(NULL, NULL);
    char addr[64];
    snprintf(addr, sizeof addr, "ws://127.0.0.1:%u", actr_ws_hub_port(lis.hub));
    assert_string_equal(url, addr);
    /* one connection per peer: dialling again gives the same one */
    actr_ws_conn_id_t again = 0;
    assert_int_equal(actr_ws_dial(dia.hub, &lis_id, url, &again), 0);
    assert_true(again == conn);

    send_text(dia.hub, conn, ACTR_WS_RPC_RELIABLE, "hello");
    wh_count_t want = {&dia, 1};
    wh_wait(wh_cond_frames, &want, WAIT_MS);
    assert_int_equal(lis.n_frames, 1);
    /* the listener saw who dialled, verified, on the accepted connection */
    assert_true(lis.frames[0].dir == ACTR_WS_ACCEPTED);
    assert_true(actr_id_equal(&lis.frames[0].peer, &dia_id));
    assert_int_equal(lis.frames[0].payload_type, ACTR_WS_RPC_RELIABLE);
    assert_payload(&lis.frames[0], "hello");
    assert_true(actr_ws_find(lis.hub, &dia_id, ACTR_WS_ACCEPTED) == lis.frames[0].conn);
    /* the reply came back on the dialled connection, as type 0 */
    assert_true(dia.frames[0].conn == conn);
    assert_true(dia.frames[0].dir == ACTR_WS_DIALLED);
    assert_true(actr_id_equal(&dia.frames[0].peer, &lis_id));
    assert_int_equal(dia.frames[0].payload_type, ACTR_WS_RPC_RELIABLE);
    assert_payload(&dia.frames[0], "hello");
    /* an empty payload is a valid frame (length 0) */
    actr_buf_t empty = ACTR_BUF_INIT;
    assert_int_equal(actr_ws_send(dia.hub, conn, ACTR_WS_RPC_SIGNAL, &empty), 0);
    wh_count_t lis_two = {&lis, 2};
    wh_wait(wh_cond_frames, &lis_two, WAIT_MS);
    assert_int_equal(lis.frames[1].payload_type, ACTR_WS_RPC_SIGNAL);
    assert_int_equal(lis.frames[1].payload.len, 0);
    /* bad arguments */
    assert_int_equal(actr_ws_send(dia.hub, conn, 5, &empty), ACTR_EINVAL);
    assert_int_equal(actr_ws_send(dia.hub, conn + 1000, 0, &empty), ACTR_ECLOSED);
    actr_ws_conn_info_t info;
    assert_int_equal(actr_ws_conn_info(lis.hub, lis.frames[0].conn, &info), 0);
    assert_true(info.state == ACTR_WS_CONNECTED && info.dir == ACTR_WS_ACCEPTED);
    assert_true(info.credential_expires_at > (uint64_t)actr_clock_wall_s());
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(st.auth_failed, 0);
    assert_int_equal(st.malformed, 0);
    wh_side_free(&dia);
    wh_side_free(&lis);
}

static void test_tells(void **state)
{
    (void)state;
    actr_ws_conn_id_t conn = pair_up(NULL, NULL);
    lis.echo = false; /* tells get no reply */
    for (int i = 0; i < 10; i++) {
        char text[16];
        snprintf(text, sizeof text, "tell-%d", i);
        send_text(dia.hub, conn, i % 2 ? ACTR_WS_RPC_SIGNAL : ACTR_WS_RPC_RELIABLE, text);
    }
    wh_count_t want = {&lis, 10};
    wh_wait(wh_cond_frames, &want, WAIT_MS);
    for (int i = 0; i < 10; i++) {
        char text[16];
        snprintf(text, sizeof text, "tell-%d", i);
        assert_payload(&lis.frames[i], text); /* one TCP connection: in order */
        assert_int_equal(lis.frames[i].payload_type, i % 2 ? 1 : 0);
    }
    wh_spin(50);
    assert_int_equal(dia.n_frames, 0);
    wh_side_free(&dia);
    wh_side_free(&lis);
}

static void test_pipelined(void **state)
{
    (void)state;
    actr_ws_conn_id_t conn = pair_up(NULL, NULL);
    enum { N = 1000 };
    for (int i = 0; i < N; i++) {
        char text[32];
        snprintf(text, sizeof text, "request-%04d", i);
        send_text(dia.hub, conn, ACTR_WS_RPC_RELIABLE, text);
    }
    wh_count_t want = {&dia, N};
    wh_wait(wh_cond_frames, &want, 30000);
    for (int i = 0; i < N; i++) {
        char text[32];
        snprintf(text, sizeof text, "request-%04d", i);
        assert_payload(&dia.frames[i], text);
    }
    assert_int_equal(lis.n_frames, N);
    size_t frames = 1, bytes = 1;
    actr_ws_queued(dia.hub, conn, &frames, &bytes);
    assert_int_equal(frames, 0);
    assert_int_equal(bytes, 0);
    wh_side_free(&dia);
    wh_side_free(&lis);
}

/* The send queue refuses with EAGAIN when full and says when there is room again. */
static void test_queue_full(void **state)
{
    (void)state;
    actr_ws_config_t cfg;
    actr_ws_config_init(&cfg);
    cfg.max_queue_frames = 8;
    actr_ws_conn_id_t conn = pair_up(NULL, &cfg);
    lis.echo = false;
    int accepted = 0, refused = 0;
    for (int i = 0; i < 20; i++) {
        actr_buf_t b = actr_buf_static("x", 1);
        int rc = actr_ws_send(dia.hub, conn, 0, &b);
        if (rc == 0)
            accepted++;
        else if (rc == ACTR_EAGAIN)
            refused++;
    }
    assert_int_equal(accepted, 8); /* nothing was written yet: the loop has not run */
    assert_int_equal(refused, 12);
    wh_count_t want = {&lis, 8};
    wh_wait(wh_cond_frames, &want, WAIT_MS);
    assert_true(dia.n_writable >= 1);
    actr_ws_stats_t st;
    actr_ws_stats(dia.hub, &st);
    assert_int_equal(st.queue_full, 12);
    wh_side_free(&dia);
    wh_side_free(&lis);
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + seed + (i >> 9));
}

static void test_large_and_oversized(void **state)
{
    (void)state;
    enum { LIMIT = 1 << 20 };
    actr_ws_config_t lcfg, dcfg;
    actr_ws_config_init(&lcfg);
    lcfg.max_message_bytes = LIMIT;
    actr_ws_config_init(&dcfg);
    dcfg.max_message_bytes = 4 * LIMIT; /* the dialler may send more than the listener takes */
    actr_ws_conn_id_t conn = pair_up(&lcfg, &dcfg);

    /* exactly the limit, echoed back (our own sender refuses one byte more) */
    uint8_t *w = NULL;
    actr_buf_t big;
    assert_int_equal(actr_buf_alloc(LIMIT, &big, &w), 0);
    fill(w, LIMIT, 3);
    assert_int_equal(actr_ws_send(dia.hub, conn, 0, &big), 0);
    actr_buf_t over;
    assert_int_equal(actr_buf_alloc(LIMIT + 1, &over, &w), 0);
    fill(w, LIMIT + 1, 4);
    assert_int_equal(actr_ws_send(lis.hub, actr_ws_find(lis.hub, &dia_id, ACTR_WS_ACCEPTED), 0,
                                  &over),
                     ACTR_ETOOBIG);
    wh_count_t want = {&dia, 1};
    wh_wait(wh_cond_frames, &want, 30000);
    assert_true(actr_buf_equal(&dia.frames[0].payload, &big));
    assert_true(actr_buf_equal(&lis.frames[0].payload, &big));

    /* one byte over the listener's limit: it closes the connection; what came before is kept */
    send_text(dia.hub, conn, 0, "before");
    assert_int_equal(actr_ws_send(dia.hub, conn, 0, &over), 0);
    wh_wait(wh_cond_disconnected, &dia, WAIT_MS);
    assert_int_equal(lis.n_frames, 2);
    assert_payload(&lis.frames[1], "before");
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.oversized, 1);
    wh_wait(wh_cond_disconnected, &lis, WAIT_MS);
    assert_true(lis.last_reason == ACTR_WS_REASON_OVERSIZED);
    assert_true(dia.last_reason == ACTR_WS_REASON_PEER_CLOSED);
    assert_int_equal(actr_ws_send(dia.hub, conn, 0, &big), ACTR_ECLOSED);
    actr_buf_release(&big);
    actr_buf_release(&over);
    wh_side_free(&dia);
    wh_side_free(&lis);
}

static void test_reconnect_after_restart(void **state)
{
    (void)state;
    actr_ws_conn_id_t conn = pair_up(NULL, NULL);
    uint16_t port = actr_ws_hub_port(lis.hub);
    send_text(dia.hub, conn, 0, "one");
    wh_count_t want = {&dia, 1};
    wh_wait(wh_cond_frames, &want, WAIT_MS);

    wh_side_free(&lis); /* the listener goes away */
    wh_wait(wh_cond_disconnected, &dia, WAIT_MS);
    assert_int_equal(actr_ws_send(dia.hub, conn, 0, NULL), ACTR_ECLOSED);
    assert_int_equal(actr_ws_find(dia.hub, &lis_id, ACTR_WS_DIALLED), 0);

    /* dialling while nobody listens: attempts are retried, then the dial fails */
    actr_ws_config_t fast;
    actr_ws_config_init(&fast);
    fast.retry_initial_ms = 20;
    wh_side_t *d2 = calloc(1, sizeof *d2);
    actr_ws_identity_t ident = wh_identity(&dia_id, &dia_cred);
    wh_side_new(d2, &fast, false, 0, &ident);
    actr_ws_conn_id_t c2 = 0;
    assert_int_equal(actr_ws_dial(d2->hub, &lis_id, url, &c2), 0);
    wh_wait(wh_cond_disconnected, d2, WAIT_MS);
    assert_int_equal(d2->n_connecting, 3);
    assert_true(d2->last_reason == ACTR_WS_REASON_CONNECT_FAILED);
    wh_side_free(d2);
    free(d2);

    /* the listener is back on the same port: the next dial connects again */
    wh_side_new(&lis, NULL, true, port, NULL);
    lis.echo = true;
    wh_side_reset(&dia);
    actr_ws_conn_id_t conn2 = 0;
    assert_int_equal(actr_ws_dial(dia.hub, &lis_id, url, &conn2), 0);
    assert_true(conn2 != conn);
    send_text(dia.hub, conn2, 0, "two"); /* queued until connected */
    want.n = 1;
    wh_wait(wh_cond_frames, &want, WAIT_MS);
    assert_payload(&dia.frames[0], "two");
    wh_side_free(&dia);
    wh_side_free(&lis);
}

static void test_credential_renewal(void **state)
{
    (void)state;
    /* the dialler starts with an expired credential: the listener drops it silently */
    wh_cred_t old;
    wh_make_cred(&old, &dia_id, NULL, actr_clock_wall_s() - 10, NULL);
    actr_ws_identity_t ident = wh_identity(&dia_id, &old);
    wh_side_new(&lis, NULL, true, 0, NULL);
    lis.echo = true;
    wh_side_new(&dia, NULL, false, 0, &ident);
    assert_int_equal(actr_ws_hub_address(lis.hub, url, sizeof url), 0);
    actr_ws_conn_id_t conn = 0;
    assert_int_equal(actr_ws_dial(dia.hub, &lis_id, url, &conn), 0);
    send_text(dia.hub, conn, 0, "lost");
    wh_wait(wh_cond_disconnected, &dia, WAIT_MS);
    assert_int_equal(lis.n_connected, 0);
    assert_int_equal(lis.n_frames, 0);
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.auth_expired, 1);

    /* renewed: the next dial presents the new credential */
    wh_cred_t fresh;
    int64_t expiry = actr_clock_wall_s() + 7200;
    wh_make_cred(&fresh, &dia_id, NULL, expiry, NULL);
    ident = wh_identity(&dia_id, &fresh);
    assert_int_equal(actr_ws_hub_set_identity(dia.hub, &ident), 0);
    assert_int_equal(actr_ws_dial(dia.hub, &lis_id, url, &conn), 0);
    send_text(dia.hub, conn, 0, "kept");
    wh_count_t want = {&dia, 1};
    wh_wait(wh_cond_frames, &want, WAIT_MS);
    assert_payload(&dia.frames[0], "kept");
    actr_ws_conn_info_t info;
    assert_int_equal(
        actr_ws_conn_info(lis.hub, actr_ws_find(lis.hub, &dia_id, ACTR_WS_ACCEPTED), &info), 0);
    assert_int_equal(info.credential_expires_at, (uint64_t)expiry);
    wh_side_free(&dia);
    wh_side_free(&lis);
}

static int keep_chunk(actr_ws_hub_t *hub, const actr_id_t *peer, uint8_t pt,
                      const actr_ws_chunk_t *chunk, void *ud)
{
    (void)hub;
    (void)peer;
    (void)pt;
    (void)chunk;
    (*(int *)ud)++;
    return 1; /* never done: everything after the first is held */
}

/* Destroying hubs in the middle of everything: a dial waiting to retry, frames queued on a live
 * connection, chunks held by a stalled stream. Nothing is reported after destroy, all is freed
 * (ASan/LSan), and every uv handle closes (wh_close asserts uv_loop_close() == 0). */
static void test_destroy_midway(void **state)
{
    (void)state;
    actr_ws_conn_id_t conn = pair_up(NULL, NULL);
    int chunks = 0;
    assert_int_equal(actr_ws_stream_register(lis.hub, "s", 1, keep_chunk, &chunks), 0);
    static const uint8_t chunk[] = {0x0a, 0x01, 's', 0x1a, 0x03, 'a', 'b', 'c'};
    actr_buf_t b = actr_buf_static(chunk, sizeof chunk);
    for (int i = 0; i < 5; i++)
        assert_int_equal(actr_ws_send(dia.hub, conn, ACTR_WS_STREAM_RELIABLE, &b), 0);
    send_text(dia.hub, conn, 0, "after the chunks");
    wh_count_t want = {&dia, 1};
    wh_wait(wh_cond_frames, &want, WAIT_MS);
    assert_int_equal(chunks, 1);
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.chunks_held, 4);

    /* a dial to a closed port, waiting 10 s before its second attempt */
    actr_ws_config_t slow;
    actr_ws_config_init(&slow);
    slow.retry_initial_ms = 10000;
    wh_side_t *d2 = calloc(1, sizeof *d2);
    actr_ws_identity_t ident = wh_identity(&dia_id, &dia_cred);
    wh_side_new(d2, &slow, false, 0, &ident);
    actr_ws_conn_id_t c2;
    assert_int_equal(actr_ws_dial(d2->hub, &lis_id, "ws://127.0.0.1:1", &c2), 0);
    send_text(d2->hub, c2, 0, "queued while dialling");
    uint64_t deadline = actr_clock_mono_ms() + WAIT_MS;
    while (d2->n_connecting < 1 && actr_clock_mono_ms() < deadline)
        wh_spin(5);
    wh_spin(100); /* the first attempt fails at once: now it waits */
    assert_int_equal(d2->n_disconnected, 0);

    for (int i = 0; i < 50; i++) /* frames queued on the live connection */
        send_text(dia.hub, conn, 0, "queued at destroy");
    assert_int_equal(dia.n_disconnected, 0);
    wh_side_free(d2);
    free(d2);
    wh_side_free(&lis);
    wh_wait(wh_cond_disconnected, &dia, WAIT_MS); /* the peer went: reported */
    wh_side_free(&dia);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tells, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipelined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_and_oversized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconnect_after_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credential_renewal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_midway, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
