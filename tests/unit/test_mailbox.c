/*
 * Mailbox: order, batches, ack/release, stats, the depth observer, blocking dequeue woken by
 * enqueue, many producers, and (durable mode) persistence, crash recovery and poison messages.
 * Every behavioural case runs twice: in memory and on a file.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "actr/mailbox.h"
#include "base/clock.h"
#include "mailbox/mailbox_internal.h"
#include "mbox_fixture.h"

/* ---- order, batches, ack, stats ---- */

static void test_priority_then_fifo(void **state)
{
    actr_mailbox_t *mb = mbox_open(*state, NULL);
    mbox_put(mb, "n1", ACTR_MSG_NORMAL);
    mbox_put(mb, "h1", ACTR_MSG_HIGH);
    mbox_put(mb, "n2", ACTR_MSG_NORMAL);
    actr_mailbox_id_t h2 = mbox_put(mb, "h2", ACTR_MSG_HIGH);
    mbox_put(mb, "n3", ACTR_MSG_NORMAL);
    actr_mailbox_msg_t m[8];
    assert_int_equal(mbox_take(mb, m, 8), 5);
    const char *want[] = {"h1", "h2", "n1", "n2", "n3"};
    for (int i = 0; i < 5; i++) {
        mbox_assert_payload(&m[i], want[i]);
        assert_int_equal(m[i].attempts, 1);
        assert_int_equal(m[i].from.len, 6);
        assert_memory_equal(m[i].from.data, "sender", 6);
        assert_true(m[i].created_at_ms > 1600000000000LL);
    }
    assert_int_equal(m[0].priority, ACTR_MSG_HIGH);
    assert_int_equal(m[4].priority, ACTR_MSG_NORMAL);
    assert_memory_equal(m[1].id.bytes, h2.bytes, 16);
    mbox_ack_all(mb, m, 5);
    assert_int_equal(mbox_take(mb, m, 8), 0);
    actr_mailbox_close(mb);
}

static void test_batch_size(void **state)
{
    actr_mailbox_options_t o;
    actr_mailbox_options_init(&o);
    o.batch_size = 4;
    actr_mailbox_t *mb = mbox_open(*state, &o);
    /* Literals: the payload is referenced, not copied, so it must outlive the message. */
    static const char *const text[] = {"m0", "m1", "m2", "m3", "m4",
                                       "m5", "m6", "m7", "m8", "m9"};
    for (int i = 0; i < 10; i++)
        mbox_put(mb, text[i], ACTR_MSG_NORMAL);
    actr_mailbox_msg_t m[32];
    assert_int_equal(mbox_take(mb, m, 32), 4); /* the batch size caps it */
    mbox_assert_payload(&m[0], "m0");
    mbox_assert_payload(&m[3], "m3");
    actr_mailbox_msg_t k[2];
    assert_int_equal(mbox_take(mb, k, 2), 2); /* so does the caller's capacity */
    mbox_assert_payload(&k[0], "m4");
    actr_mailbox_stats_t st;
    assert_int_equal(actr_mailbox_stats(mb, &st), 0);
    assert_int_equal(st.queued, 4);
    assert_int_equal(st.inflight, 6);
    mbox_ack_all(mb, m, 4);
    mbox_ack_all(mb, k, 2);
    actr_mailbox_close(mb);
}

static void test_ack_release_stats(void **state)
{
    actr_mailbox_t *mb = mbox_open(*state, NULL);
    mbox_put(mb, "a", ACTR_MSG_HIGH);
    mbox_put(mb, "b", ACTR_MSG_HIGH);
    actr_mailbox_id_t c = mbox_put(mb, "c", ACTR_MSG_NORMAL);
    actr_mailbox_stats_t st;
    actr_mailbox_stats(mb, &st);
    assert_int_equal(st.queued, 3);
    assert_int_equal(st.queued_high, 2);
    assert_int_equal(st.queued_normal, 1);
    assert_int_equal(st.inflight, 0);

    actr_mailbox_msg_t m[2];
    assert_int_equal(mbox_take(mb, m, 2), 2);
    actr_mailbox_stats(mb, &st);
    assert_int_equal(st.queued, 1);
    assert_int_equal(st.inflight, 2);

    actr_error_t err = {0};
    assert_int_equal(actr_mailbox_ack(mb, &m[0].id, 1, &err), 0);
    assert_int_equal(actr_mailbox_ack(mb, &m[0].id, 1, &err), ACTR_ENOTFOUND);
    assert_int_equal(actr_mailbox_ack(mb, &c, 1, &err), ACTR_ESTATE); /* still queued */
    assert_non_null(strstr(err.message, "not in flight"));

    /* Released: back in front of c, its delivery not counted. */
    assert_int_equal(actr_mailbox_release(mb, &m[1].id, 1, NULL), 0);
    actr_mailbox_stats(mb, &st);
    assert_int_equal(st.queued, 2);
    assert_int_equal(st.queued_high, 1);
    assert_int_equal(st.inflight, 0);
    actr_mailbox_msgs_release(m, 2);
    assert_int_equal(mbox_take(mb, m, 2), 2);
    mbox_assert_payload(&m[0], "b");
    assert_int_equal(m[0].attempts, 1);
    mbox_assert_payload(&m[1], "c");
    mbox_ack_all(mb, m, 2);
    actr_mailbox_stats(mb, &st);
    assert_int_equal(st.queued + st.inflight, 0);
    assert_int_equal(actr_mailbox_flush(mb, NULL), 0);
    actr_mailbox_close(mb);
}

/* ---- observer ---- */

typedef struct depth_log {
    uint64_t values[64];
    size_t n;
} depth_log_t;

static void record_depth(uint64_t queued, void *user)
{
    depth_log_t *log = user;
    if (log->n < 64)
        log->values[log->n++] = queued;
}

static void test_depth_observer(void **state)
{
    actr_mailbox_t *mb = mbox_open(*state, NULL);
    depth_log_t log = {0};
    assert_int_equal(actr_mailbox_set_depth_observer(mb, record_depth, &log), 0);
    mbox_put(mb, "1", ACTR_MSG_NORMAL);
    mbox_put(mb, "2", ACTR_MSG_HIGH);
    mbox_put(mb, "3", ACTR_MSG_NORMAL);
    actr_mailbox_msg_t m[2];
    assert_int_equal(mbox_take(mb, m, 2), 2);
    assert_int_equal(actr_mailbox_release(mb, &m[1].id, 1, NULL), 0);
    const uint64_t want[] = {1, 2, 3, 1, 2};
    assert_int_equal(log.n, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(log.values[i], want[i]);
    actr_mailbox_set_depth_observer(mb, NULL, NULL);
    mbox_put(mb, "4", ACTR_MSG_NORMAL);
    assert_int_equal(log.n, 5);
    actr_mailbox_msgs_release(m, 2);
    actr_mailbox_close(mb);
}

/* The runtime's backpressure hook (spec 12.6, acceptance scenario 19): a rising edge at >= 1024
 * queued, re-armed below. Observer calls are serialised and report true depths, so concurrent
 * producers cannot make it fire twice. */
typedef struct edge {
    pthread_mutex_t lock; /* only to make the test's own bookkeeping obviously safe */
    int armed;
    int fired;
} edge_t;

static void edge_observer(uint64_t queued, void *user)
{
    edge_t *e = user;
    pthread_mutex_lock(&e->lock);
    if (e->armed && queued >= 1024) {
        e->fired++;
        e->armed = 0;
    } else if (queued < 1024) {
        e->armed = 1;
    }
    pthread_mutex_unlock(&e->lock);
}

typedef struct filler {
    actr_mailbox_t *mb;
    int count;
    int failures; /* cmocka asserts belong to the main thread: count, check after join */
} filler_t;

static void *fill(void *arg)
{
    filler_t *f = arg;
    actr_buf_t p = actr_buf_static("x", 1);
    for (int i = 0; i < f->count; i++)
        if (actr_mailbox_enqueue(f->mb, NULL, 0, &p, ACTR_MSG_NORMAL, NULL, NULL) != 0)
            f->failures++;
    return NULL;
}

static void fill_from_threads(actr_mailbox_t *mb, int threads, int each)
{
    pthread_t t[8];
    filler_t f[8];
    for (int i = 0; i < threads; i++) {
        f[i] = (filler_t){.mb = mb, .count = each};
        assert_int_equal(pthread_create(&t[i], NULL, fill, &f[i]), 0);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(f[i].failures, 0);
    }
}

static void test_backpressure_edge_fires_once(void **state)
{
    actr_mailbox_t *mb = mbox_open(*state, NULL);
    edge_t e = {.lock = PTHREAD_MUTEX_INITIALIZER, .armed = 1};
    actr_mailbox_set_depth_observer(mb, edge_observer, &e);
    fill_from_threads(mb, 4, 300); /* 1200 queued */
    assert_int_equal(e.fired, 1);
    /* Drain below the threshold (re-arms), then cross it again: one more edge. */
    actr_mailbox_msg_t m[32];
    for (int round = 0; round < 10; round++)
        mbox_ack_all(mb, m, mbox_take(mb, m, 32));
    assert_int_equal(e.fired, 1);
    fill_from_threads(mb, 4, 100);
    assert_int_equal(e.fired, 2);
    actr_mailbox_set_depth_observer(mb, NULL, NULL);
    actr_mailbox_close(mb);
}

/* ---- blocking dequeue ---- */

typedef struct waiter {
    actr_mailbox_t *mb;
    int64_t timeout_ms;
    int rc;
    size_t n;
    uint64_t woke_ms;
    actr_mailbox_msg_t msg;
} waiter_t;

static void *wait_thread(void *arg)
{
    waiter_t *w = arg;
    w->rc = actr_mailbox_dequeue_wait(w->mb, &w->msg, 1, &w->n, w->timeout_ms, NULL);
    w->woke_ms = actr_clock_mono_ms();
    return NULL;
}

static void test_dequeue_woken_by_enqueue(void **state)
{
    actr_mailbox_t *mb = mbox_open(*state, NULL);
    waiter_t w = {.mb = mb, .timeout_ms = 10000};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wait_thread, &w), 0);
    usleep(200 * 1000); /* let it block */
    uint64_t before = actr_mailbox_wakeups(mb);
    mbox_put(mb, "wake", ACTR_MSG_NORMAL);
    uint64_t enqueued_ms = actr_clock_mono_ms();
    pthread_join(t, NULL);
    assert_int_equal(w.rc, 0);
    assert_int_equal(w.n, 1);
    mbox_assert_payload(&w.msg, "wake");
    /* Generous bound: the enqueue itself woke it, long before the 10 s timeout. */
    assert_true(w.woke_ms < enqueued_ms + 50);
    /* While blocked it slept: no 10 ms polling (one wakeup for the signal, none before). */
    assert_true(before == 0);
    assert_true(actr_mailbox_wakeups(mb) <= 2);
    assert_int_equal(actr_mailbox_ack(mb, &w.msg.id, 1, NULL), 0);
    actr_mailbox_msgs_release(&w.msg, 1);
    actr_mailbox_close(mb);
}

static void test_dequeue_times_out(void **state)
{
    actr_mailbox_t *mb = mbox_open(*state, NULL);
    actr_mailbox_msg_t m;
    size_t n = 7;
    uint64_t t0 = actr_clock_mono_ms();
    actr_error_t err = {0};
    assert_int_equal(actr_mailbox_dequeue_wait(mb, &m, 1, &n, 300, &err), ACTR_ETIMEDOUT);
    uint64_t elapsed = actr_clock_mono_ms() - t0;
    assert_int_equal(n, 0);
    assert_true(elapsed >= 290 && elapsed < 5000);
    /* One sleep for the whole wait: a 10 ms poller would have woken about 30 times. */
    assert_true(actr_mailbox_wakeups(mb) <= 2);
    actr_mailbox_close(mb);
}

static void test_shutdown_wakes_waiter(void **state)
{
    actr_mailbox_t *mb = mbox_open(*state, NULL);
    waiter_t w = {.mb = mb, .timeout_ms = -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wait_thread, &w), 0);
    usleep(100 * 1000);
    actr_mailbox_shutdown(mb);
    pthread_join(t, NULL);
    assert_int_equal(w.rc, ACTR_ECLOSED);
    actr_buf_t p = actr_buf_static("x", 1);
    assert_int_equal(actr_mailbox_enqueue(mb, NULL, 0, &p, ACTR_MSG_NORMAL, NULL, NULL),
                     ACTR_ECLOSED);
    actr_mailbox_close(mb);
}

/* ---- many producers, one consumer ---- */

#define PRODUCERS 4
#define PER_PRODUCER 200

typedef struct producer {
    actr_mailbox_t *mb;
    uint32_t index;
    int failures;
} producer_t;

/* Payload: producer, sequence number; every third message is HIGH. */
static void *produce(void *arg)
{
    producer_t *p = arg;
    for (uint32_t i = 0; i < PER_PRODUCER; i++) {
        uint32_t v[2] = {p->index, i};
        actr_buf_t buf;
        actr_buf_copy(v, sizeof v, &buf);
        if (actr_mailbox_enqueue(p->mb, &p->index, sizeof p->index, &buf,
                                 i % 3 == 0 ? ACTR_MSG_HIGH : ACTR_MSG_NORMAL, NULL, NULL) != 0)
            p->failures++;
        actr_buf_release(&buf);
    }
    return NULL;
}

static void test_many_producers_exactly_once(void **state)
{
    actr_mailbox_t *mb = mbox_open(*state, NULL);
    pthread_t t[PRODUCERS];
    producer_t p[PRODUCERS];
    for (uint32_t i = 0; i < PRODUCERS; i++) {
        p[i] = (producer_t){.mb = mb, .index = i};
        assert_int_equal(pthread_create(&t[i], NULL, produce, &p[i]), 0);
    }
    static uint8_t seen[PRODUCERS][PER_PRODUCER];
    memset(seen, 0, sizeof seen);
    int64_t last[PRODUCERS][2];
    for (int i = 0; i < PRODUCERS; i++)
        last[i][0] = last[i][1] = -1;
    size_t got = 0;
    actr_mailbox_msg_t m[32];
    /* Bounded: every round takes at least one message or times out (and fails the test). */
    for (int round = 0; got < PRODUCERS * PER_PRODUCER && round < PRODUCERS * PER_PRODUCER;
         round++) {
        size_t n = 0;
        int rc = actr_mailbox_dequeue_wait(mb, m, 32, &n, 10000, NULL);
        assert_int_equal(rc, 0);
        for (size_t k = 0; k < n; k++) {
            uint32_t v[2];
            assert_int_equal(m[k].payload.len, sizeof v);
            memcpy(v, m[k].payload.data, sizeof v);
            assert_true(v[0] < PRODUCERS && v[1] < PER_PRODUCER);
            assert_int_equal(seen[v[0]][v[1]], 0);
            seen[v[0]][v[1]] = 1;
            int prio = m[k].priority == ACTR_MSG_HIGH;
            assert_int_equal(prio, v[1] % 3 == 0);
            assert_true((int64_t)v[1] > last[v[0]][prio]); /* per-producer FIFO */
            last[v[0]][prio] = v[1];
        }
        got += n;
        mbox_ack_all(mb, m, n);
    }
    for (int i = 0; i < PRODUCERS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(p[i].failures, 0);
    }
    assert_int_equal(got, PRODUCERS * PER_PRODUCER);
    actr_mailbox_stats_t st;
    actr_mailbox_stats(mb, &st);
    assert_int_equal(st.queued + st.inflight, 0);
    actr_mailbox_close(mb);
}

/* ---- payloads and arguments ---- */

static void test_large_and_empty_payloads(void **state)
{
    mbox_fixture_t *fx = *state;
    actr_mailbox_t *mb = mbox_open(fx, NULL);
    size_t big = (size_t)1 << 20;
    uint8_t *w;
    actr_buf_t payload, empty = ACTR_BUF_INIT;
    assert_int_equal(actr_buf_alloc(big, &payload, &w), 0);
    for (size_t i = 0; i < big; i++)
        w[i] = (uint8_t)(i * 31 + 7);
    assert_int_equal(actr_mailbox_enqueue(mb, NULL, 0, &payload, ACTR_MSG_NORMAL, NULL, NULL), 0);
    assert_int_equal(actr_mailbox_enqueue(mb, NULL, 0, &empty, ACTR_MSG_NORMAL, NULL, NULL), 0);
    if (fx->durable) { /* read back from the file, not from memory */
        actr_mailbox_close(mb);
        mb = mbox_open(fx, NULL);
    }
    actr_mailbox_msg_t m[2];
    assert_int_equal(mbox_take(mb, m, 2), 2);
    assert_true(actr_buf_equal(&m[0].payload, &payload));
    assert_int_equal(m[0].from.len, 0);
    assert_int_equal(m[1].payload.len, 0);
    mbox_ack_all(mb, m, 2);
    actr_buf_release(&payload);
    actr_mailbox_close(mb);
}

static void test_invalid_arguments(void **state)
{
    actr_mailbox_t *mb = mbox_open(*state, NULL);
    actr_buf_t p = actr_buf_static("x", 1);
    actr_error_t err = {0};
    assert_int_equal(actr_mailbox_enqueue(mb, NULL, 0, NULL, ACTR_MSG_NORMAL, NULL, &err),
                     ACTR_EINVAL);
    assert_int_equal(actr_mailbox_enqueue(mb, NULL, 3, &p, ACTR_MSG_NORMAL, NULL, &err),
                     ACTR_EINVAL);
    assert_int_equal(actr_mailbox_enqueue(mb, NULL, 0, &p, (actr_msg_priority_t)7, NULL, &err),
                     ACTR_EINVAL);
    /* Refused on its length alone: the bytes are never read. */
    actr_buf_t huge = actr_buf_static("x", ACTR_MAILBOX_MAX_PAYLOAD + 1);
    assert_int_equal(actr_mailbox_enqueue(mb, NULL, 0, &huge, ACTR_MSG_NORMAL, NULL, &err),
                     ACTR_ETOOBIG);
    actr_mailbox_msg_t m;
    size_t n;
    assert_int_equal(actr_mailbox_dequeue(mb, &m, 0, &n, &err), ACTR_EINVAL);
    actr_mailbox_id_t bogus = {{1, 2, 3}};
    assert_int_equal(actr_mailbox_release(mb, &bogus, 1, &err), ACTR_ENOTFOUND);
    actr_mailbox_close(mb);
}

static void test_id_text(void **state)
{
    (void)state;
    actr_mailbox_id_t id, back;
    memset(id.bytes, 0xab, 16);
    char text[ACTR_MAILBOX_ID_STR_LEN + 1];
    actr_mailbox_id_format(&id, text);
    assert_string_equal(text, "abababab-abab-abab-abab-abababababab");
    assert_int_equal(actr_mailbox_id_parse(text, strlen(text), &back), 0);
    assert_memory_equal(id.bytes, back.bytes, 16);
    assert_int_equal(actr_mailbox_id_parse("nope", 4, &back), ACTR_EPARSE);
}

#define BOTH(fn)                                                                 \
    cmocka_unit_test_setup_teardown(fn, mbox_setup_memory, mbox_teardown),      \
        cmocka_unit_test_setup_teardown(fn, mbox_setup_durable, mbox_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_priority_then_fifo),
        BOTH(test_batch_size),
        BOTH(test_ack_release_stats),
        BOTH(test_depth_observer),
        BOTH(test_backpressure_edge_fires_once),
        BOTH(test_dequeue_woken_by_enqueue),
        BOTH(test_dequeue_times_out),
        BOTH(test_shutdown_wakes_waiter),
        BOTH(test_many_producers_exactly_once),
        BOTH(test_large_and_empty_payloads),
        BOTH(test_invalid_arguments),
        cmocka_unit_test(test_id_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
