/* Receiver dedup (runtime.md §7.2, scenario 21): cached results without re-running, in-flight
 * waiters (blocking and callback), dropped tell duplicates, TTL from first receipt with an
 * injected clock, the entry bound, O(1) expiry over 1e6 requests, and concurrent checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/buf.h"
#include "actr/error.h"
#include "lifecycle/dedup.h"

static uint64_t fake_now;
static uint64_t fake_clock(void *ud)
{
    (void)ud;
    return fake_now;
}

static actr_dedup_t *make(size_t max_entries)
{
    actr_dedup_config_t cfg;
    actr_dedup_config_init(&cfg);
    cfg.now_ms = fake_clock;
    if (max_entries)
        cfg.max_entries = max_entries;
    actr_dedup_t *d;
    assert_int_equal(actr_dedup_new(&cfg, &d), 0);
    fake_now = 1000;
    return d;
}

static actr_dedup_state_t check(actr_dedup_t *d, const char *id, actr_dedup_check_t *out)
{
    assert_int_equal(actr_dedup_check(d, id, strlen(id), false, out), 0);
    return out->state;
}

/* What a node does per request: run the handler only for FRESH. */
static int handler_runs;
static actr_dedup_state_t deliver(actr_dedup_t *d, const char *id, const actr_buf_t *response,
                                  actr_dedup_result_t *result)
{
    actr_dedup_check_t c;
    actr_dedup_state_t st = check(d, id, &c);
    if (st == ACTR_DEDUP_FRESH) {
        handler_runs++;
        assert_int_equal(actr_dedup_complete(d, id, strlen(id), 0, response, NULL), 0);
        result->code = 0;
        result->payload = actr_buf_ref(response);
    } else if (st == ACTR_DEDUP_DUPLICATE) {
        *result = c.result;
    }
    return st;
}

static void test_config(void **state)
{
    (void)state;
    actr_dedup_config_t cfg;
    actr_dedup_config_init(&cfg);
    assert_int_equal(cfg.ttl_ms, 30000);
    assert_int_equal(cfg.max_entries, ACTR_DEDUP_DEFAULT_MAX_ENTRIES);
    actr_dedup_t *d;
    cfg.ttl_ms = 0;
    assert_int_equal(actr_dedup_new(&cfg, &d), ACTR_EINVAL);
    cfg.ttl_ms = 1;
    cfg.max_entries = 0;
    assert_int_equal(actr_dedup_new(&cfg, &d), ACTR_EINVAL);
    assert_int_equal(actr_dedup_new(NULL, NULL), ACTR_EINVAL);
    assert_int_equal(actr_dedup_new(NULL, &d), 0);
    actr_dedup_check_t c;
    static char long_id[ACTR_DEDUP_MAX_ID + 1];
    memset(long_id, 'i', sizeof long_id);
    assert_int_equal(actr_dedup_check(d, long_id, sizeof long_id, false, &c), ACTR_EINVAL);
    assert_int_equal(actr_dedup_check(d, long_id, ACTR_DEDUP_MAX_ID, false, &c), 0);
    assert_int_equal(actr_dedup_check(d, NULL, 3, false, &c), ACTR_EINVAL);
    assert_int_equal(actr_dedup_complete(d, "nope", 4, 0, NULL, NULL), ACTR_ENOTFOUND);
    assert_int_equal(actr_dedup_wait_ms(0), 30000);
    assert_int_equal(actr_dedup_wait_ms(-5), 30000);
    assert_int_equal(actr_dedup_wait_ms(1500), 1500);
    actr_dedup_free(d);
    actr_dedup_free(NULL);
}

/* Scenario 21: a retry within 30 s gets the cached result; the handler runs once. */
static void test_duplicate_gets_cached_result(void **state)
{
    (void)state;
    actr_dedup_t *d = make(0);
    handler_runs = 0;
    actr_buf_t resp;
    assert_int_equal(actr_buf_copy("pong", 4, &resp), 0);
    actr_dedup_result_t r1, r2;
    assert_int_equal(deliver(d, "req-1", &resp, &r1), ACTR_DEDUP_FRESH);
    fake_now += 12000; /* the sender's retries land within seconds */
    assert_int_equal(deliver(d, "req-1", &resp, &r2), ACTR_DEDUP_DUPLICATE);
    assert_int_equal(handler_runs, 1);
    assert_int_equal(r2.code, 0);
    /* The cached response is the same buffer, shared by reference. */
    assert_ptr_equal(r2.payload.data, resp.data);
    assert_int_equal(actr_buf_refcount(&resp), 4); /* resp, table, r1, r2 */
    actr_dedup_result_release(&r1);
    actr_dedup_result_release(&r1); /* idempotent: the view is emptied */
    actr_dedup_result_release(&r2);
    assert_int_equal(deliver(d, "req-2", &resp, &r1), ACTR_DEDUP_FRESH);
    assert_int_equal(handler_runs, 2);
    actr_dedup_result_release(&r1);
    assert_int_equal(actr_dedup_complete(d, "req-1", 5, 0, &resp, NULL), ACTR_ESTATE);
    actr_dedup_stats_t st;
    actr_dedup_stats(d, &st);
    assert_int_equal(st.fresh, 2);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.entries, 2);
    assert_int_equal(actr_buf_refcount(&resp), 3); /* resp and the two cached entries */
    actr_dedup_free(d);
    assert_int_equal(actr_buf_refcount(&resp), 1);
    actr_buf_release(&resp);
}

static void test_errors_and_tells_are_cached(void **state)
{
    (void)state;
    actr_dedup_t *d = make(0);
    actr_dedup_check_t c;
    assert_int_equal(check(d, "bad", &c), ACTR_DEDUP_FRESH);
    actr_error_t err;
    actr_error_set(&err, ACTR_ENOTFOUND, ACTR_KIND_CLIENT, ACTR_WIRE_UNKNOWN_ROUTE,
                   "unknown route: x");
    assert_int_equal(actr_dedup_complete(d, "bad", 3, ACTR_ENOTFOUND, NULL, &err), 0);
    assert_int_equal(check(d, "bad", &c), ACTR_DEDUP_DUPLICATE);
    assert_int_equal(c.result.code, ACTR_ENOTFOUND);
    assert_int_equal(c.result.error.wire_code, ACTR_WIRE_UNKNOWN_ROUTE);
    assert_string_equal(c.result.error.message, "unknown route: x");
    assert_int_equal(c.result.payload.len, 0);
    actr_dedup_result_release(&c.result);
    /* No details given: a generic Internal error with the code's text. */
    assert_int_equal(check(d, "bad2", &c), ACTR_DEDUP_FRESH);
    assert_int_equal(actr_dedup_complete(d, "bad2", 4, ACTR_EIO, NULL, NULL), 0);
    assert_int_equal(check(d, "bad2", &c), ACTR_DEDUP_DUPLICATE);
    assert_int_equal(c.result.code, ACTR_EIO);
    assert_int_equal(c.result.error.wire_code, ACTR_WIRE_INTERNAL);
    /* A successful tell caches empty bytes. */
    assert_int_equal(check(d, "tell-1", &c), ACTR_DEDUP_FRESH);
    assert_int_equal(actr_dedup_complete(d, "tell-1", 6, 0, NULL, NULL), 0);
    assert_int_equal(check(d, "tell-1", &c), ACTR_DEDUP_DUPLICATE);
    assert_int_equal(c.result.code, 0);
    assert_int_equal(c.result.payload.len, 0);
    actr_dedup_free(d);
}

/* Scenario 21: TTL from first receipt, with the injected clock. */
static void test_ttl_from_first_receipt(void **state)
{
    (void)state;
    actr_dedup_t *d = make(0);
    actr_dedup_check_t c;
    uint64_t t0 = fake_now;
    assert_int_equal(check(d, "r", &c), ACTR_DEDUP_FRESH);
    fake_now = t0 + 20000; /* a slow handler: completion 20 s later */
    assert_int_equal(actr_dedup_complete(d, "r", 1, 0, NULL, NULL), 0);
    fake_now = t0 + 29999;
    assert_int_equal(check(d, "r", &c), ACTR_DEDUP_DUPLICATE); /* the duplicate does not renew */
    fake_now = t0 + 30000;
    assert_int_equal(check(d, "r", &c), ACTR_DEDUP_FRESH); /* expired: runs again */
    actr_dedup_stats_t st;
    actr_dedup_stats(d, &st);
    assert_int_equal(st.expired, 1);
    assert_int_equal(st.entries, 1);
    /* A clock stepping back counts as no time passing. */
    fake_now = t0;
    assert_int_equal(check(d, "r", &c), ACTR_DEDUP_IN_FLIGHT);
    actr_dedup_free(d);
}

static void test_in_flight_never_expires(void **state)
{
    (void)state;
    actr_dedup_t *d = make(0);
    actr_dedup_check_t c;
    uint64_t t0 = fake_now;
    assert_int_equal(check(d, "long", &c), ACTR_DEDUP_FRESH);
    assert_int_equal(check(d, "short", &c), ACTR_DEDUP_FRESH);
    assert_int_equal(actr_dedup_complete(d, "short", 5, 0, NULL, NULL), 0);
    fake_now = t0 + 100000;
    assert_int_equal(actr_dedup_expire(d), 1); /* "short" */
    assert_int_equal(check(d, "long", &c), ACTR_DEDUP_IN_FLIGHT);
    actr_dedup_stats_t st;
    actr_dedup_stats(d, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.in_flight, 1);
    /* Completing after its TTL: waiters would get the result, nothing is remembered. */
    assert_int_equal(actr_dedup_complete(d, "long", 4, 0, NULL, NULL), 0);
    actr_dedup_stats(d, &st);
    assert_int_equal(st.entries, 0);
    assert_int_equal(check(d, "long", &c), ACTR_DEDUP_FRESH);
    actr_dedup_free(d);
}

/* Scenario 21: a duplicate tell of an in-flight original is dropped (no waiter, no reply). */
static void test_in_flight_tell_dropped(void **state)
{
    (void)state;
    actr_dedup_t *d = make(0);
    actr_dedup_check_t c;
    assert_int_equal(check(d, "tell", &c), ACTR_DEDUP_FRESH);
    assert_int_equal(actr_dedup_check(d, "tell", 4, false, &c), 0);
    assert_int_equal(c.state, ACTR_DEDUP_IN_FLIGHT);
    assert_null(c.waiter);
    assert_int_equal(actr_dedup_complete(d, "tell", 4, 0, NULL, NULL), 0);
    actr_dedup_free(d);
}

typedef struct waiting {
    actr_dedup_t *d;
    actr_dedup_waiter_t *w;
    int64_t timeout_ms;
    int rc;
    actr_dedup_result_t result;
} waiting_t;

static void *wait_thread(void *arg)
{
    waiting_t *wt = arg;
    wt->rc = actr_dedup_wait(wt->d, wt->w, wt->timeout_ms, &wt->result);
    return NULL;
}

/* Scenario 21: a duplicate request while the original runs waits for its result. */
static void test_in_flight_request_waits(void **state)
{
    (void)state;
    actr_dedup_t *d = make(0);
    actr_dedup_check_t orig, dup;
    assert_int_equal(check(d, "slow", &orig), ACTR_DEDUP_FRESH);
    assert_int_equal(actr_dedup_check(d, "slow", 4, true, &dup), 0);
    assert_int_equal(dup.state, ACTR_DEDUP_IN_FLIGHT);
    assert_non_null(dup.waiter);
    /* Bounded by the duplicate's timeout: nothing yet. */
    actr_dedup_result_t r;
    assert_int_equal(actr_dedup_wait(d, dup.waiter, 0, &r), ACTR_ETIMEDOUT);
    assert_int_equal(actr_dedup_wait(d, dup.waiter, 5, &r), ACTR_ETIMEDOUT);

    waiting_t wt = {.d = d, .w = dup.waiter, .timeout_ms = -1, .rc = 99};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wait_thread, &wt), 0);
    actr_buf_t resp;
    assert_int_equal(actr_buf_copy("done", 4, &resp), 0);
    assert_int_equal(actr_dedup_complete(d, "slow", 4, 0, &resp, NULL), 0);
    pthread_join(th, NULL);
    assert_int_equal(wt.rc, 0);
    assert_int_equal(wt.result.code, 0);
    assert_ptr_equal(wt.result.payload.data, resp.data);
    actr_dedup_result_release(&wt.result);
    /* The handle still answers after completion, then is released. */
    assert_int_equal(actr_dedup_wait(d, dup.waiter, 0, &r), 0);
    actr_dedup_result_release(&r);
    assert_false(actr_dedup_waiter_release(d, dup.waiter));
    actr_buf_release(&resp);
    actr_dedup_free(d);
}

static int cb_calls;
static int cb_code;
static void on_done(void *ud, const actr_dedup_result_t *result)
{
    (void)ud;
    cb_calls++;
    cb_code = result->code;
}

static void test_callback_waiters(void **state)
{
    (void)state;
    actr_dedup_t *d = make(0);
    actr_dedup_check_t c, w1, w2, w3;
    cb_calls = 0;
    assert_int_equal(check(d, "x", &c), ACTR_DEDUP_FRESH);
    assert_int_equal(actr_dedup_check(d, "x", 1, true, &w1), 0);
    assert_int_equal(actr_dedup_check(d, "x", 1, true, &w2), 0);
    assert_int_equal(actr_dedup_check(d, "x", 1, true, &w3), 0);
    assert_int_equal(actr_dedup_waiter_on_done(d, w1.waiter, on_done, NULL), 0);
    assert_int_equal(actr_dedup_waiter_on_done(d, w1.waiter, on_done, NULL), ACTR_ESTATE);
    assert_int_equal(actr_dedup_waiter_on_done(d, w2.waiter, on_done, NULL), 0);
    /* w2 gives up (its timer fired): its callback will never run. */
    assert_true(actr_dedup_waiter_release(d, w2.waiter));
    actr_error_t err;
    actr_error_set(&err, ACTR_ETIMEDOUT, ACTR_KIND_TRANSIENT, ACTR_WIRE_TIMED_OUT, "timed out");
    assert_int_equal(actr_dedup_complete(d, "x", 1, ACTR_ETIMEDOUT, NULL, &err), 0);
    assert_int_equal(cb_calls, 1);
    assert_int_equal(cb_code, ACTR_ETIMEDOUT);
    assert_false(actr_dedup_waiter_release(d, w1.waiter)); /* already ran */
    /* Registering after completion calls back at once. */
    assert_int_equal(actr_dedup_waiter_on_done(d, w3.waiter, on_done, NULL), 0);
    assert_int_equal(cb_calls, 2);
    assert_false(actr_dedup_waiter_release(d, w3.waiter));
    /* A waiter released before its original completes leaves nothing behind, even when the
     * table is freed with the original still in flight. */
    actr_dedup_check_t y, wy;
    assert_int_equal(check(d, "y", &y), ACTR_DEDUP_FRESH);
    assert_int_equal(actr_dedup_check(d, "y", 1, true, &wy), 0);
    assert_false(actr_dedup_waiter_release(d, wy.waiter));
    actr_dedup_free(d);
}

static void test_bounded_entries(void **state)
{
    (void)state;
    actr_dedup_t *d = make(3);
    actr_dedup_check_t c;
    assert_int_equal(check(d, "a", &c), ACTR_DEDUP_FRESH);
    assert_int_equal(check(d, "b", &c), ACTR_DEDUP_FRESH);
    assert_int_equal(check(d, "c", &c), ACTR_DEDUP_FRESH);
    /* Full of in-flight entries: refused (the caller answers Unavailable). */
    assert_int_equal(actr_dedup_check(d, "d", 1, false, &c), ACTR_EAGAIN);
    assert_int_equal(actr_dedup_complete(d, "b", 1, 0, NULL, NULL), 0);
    assert_int_equal(actr_dedup_complete(d, "a", 1, 0, NULL, NULL), 0);
    /* The entry completed longest ago ("b") makes room. */
    assert_int_equal(check(d, "d", &c), ACTR_DEDUP_FRESH);
    assert_int_equal(check(d, "a", &c), ACTR_DEDUP_DUPLICATE);
    assert_int_equal(check(d, "c", &c), ACTR_DEDUP_IN_FLIGHT);
    /* "b" was forgotten early; its next copy takes the place of "a". */
    assert_int_equal(check(d, "b", &c), ACTR_DEDUP_FRESH);
    actr_dedup_stats_t st;
    actr_dedup_stats(d, &st);
    assert_int_equal(st.evicted, 2);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.entries, 3);
    actr_dedup_free(d);
}

/* Scenario 21: 1e6 requests, one per millisecond, so ~30,000 are live at any time. Expiry work
 * is counted, not timed: each entry is examined a bounded number of times (the reference's full
 * scan per message would examine ~30,000 entries per request, 3e10 in all). */
static void test_million_requests_constant_work(void **state)
{
    (void)state;
    enum { N = 1000000 };
    actr_dedup_t *d = make(N);
    char id[32];
    size_t peak = 0;
    for (uint32_t i = 0; i < N; i++) {
        fake_now++;
        int n = snprintf(id, sizeof id, "%08x-req", i);
        actr_dedup_check_t c;
        assert_int_equal(actr_dedup_check(d, id, (size_t)n, false, &c), 0);
        if (c.state != ACTR_DEDUP_FRESH)
            fail();
        if (actr_dedup_complete(d, id, (size_t)n, 0, NULL, NULL) != 0)
            fail();
        if (i % 65536 == 0) {
            actr_dedup_stats_t st;
            actr_dedup_stats(d, &st);
            if (st.entries > peak)
                peak = st.entries;
        }
    }
    actr_dedup_stats_t st;
    actr_dedup_stats(d, &st);
    assert_int_equal(st.fresh, N);
    assert_true(peak <= 30001);
    assert_true(st.entries <= 30001);
    assert_int_equal(st.expired, N - st.entries);
    /* Every call stops at one live head, every entry is popped once: <= 2 calls + 1 pop. */
    assert_true(st.sweep_visits <= 3ull * N);
    /* And the last 1,000 ids are still remembered, the first ones not. */
    actr_dedup_check_t c;
    snprintf(id, sizeof id, "%08x-req", N - 1000);
    assert_int_equal(check(d, id, &c), ACTR_DEDUP_DUPLICATE);
    snprintf(id, sizeof id, "%08x-req", 0);
    assert_int_equal(check(d, id, &c), ACTR_DEDUP_FRESH);
    actr_dedup_free(d);
}

/* Concurrent deliveries of the same ids: exactly one FRESH per id, every waiter gets the
 * original's result. */
#define MT_THREADS 4
#define MT_IDS 2000

typedef struct mt {
    actr_dedup_t *d;
    atomic_int fresh[MT_IDS];
    atomic_int bad;
} mt_t;

static void *mt_thread(void *arg)
{
    mt_t *m = arg;
    char id[16];
    for (int i = 0; i < MT_IDS; i++) {
        int n = snprintf(id, sizeof id, "id-%d", i);
        actr_dedup_check_t c;
        if (actr_dedup_check(m->d, id, (size_t)n, true, &c) != 0) {
            atomic_fetch_add(&m->bad, 1);
            continue;
        }
        if (c.state == ACTR_DEDUP_FRESH) {
            atomic_fetch_add(&m->fresh[i], 1);
            actr_buf_t resp;
            if (actr_buf_copy(id, (size_t)n, &resp) != 0 ||
                actr_dedup_complete(m->d, id, (size_t)n, 0, &resp, NULL) != 0)
                atomic_fetch_add(&m->bad, 1);
            actr_buf_release(&resp);
        } else if (c.state == ACTR_DEDUP_IN_FLIGHT) {
            actr_dedup_result_t r;
            if (actr_dedup_wait(m->d, c.waiter, 10000, &r) != 0 || r.payload.len != (size_t)n ||
                memcmp(r.payload.data, id, (size_t)n) != 0)
                atomic_fetch_add(&m->bad, 1);
            actr_dedup_result_release(&r);
            actr_dedup_waiter_release(m->d, c.waiter);
        } else {
            if (c.result.payload.len != (size_t)n)
                atomic_fetch_add(&m->bad, 1);
            actr_dedup_result_release(&c.result);
        }
    }
    return NULL;
}

static void test_concurrent_checks(void **state)
{
    (void)state;
    static mt_t m;
    memset(&m, 0, sizeof m);
    assert_int_equal(actr_dedup_new(NULL, &m.d), 0); /* real clock: nothing expires here */
    pthread_t th[MT_THREADS];
    for (int i = 0; i < MT_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, mt_thread, &m), 0);
    for (int i = 0; i < MT_THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&m.bad), 0);
    for (int i = 0; i < MT_IDS; i++)
        assert_int_equal(atomic_load(&m.fresh[i]), 1);
    actr_dedup_free(m.d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_duplicate_gets_cached_result),
        cmocka_unit_test(test_errors_and_tells_are_cached),
        cmocka_unit_test(test_ttl_from_first_receipt),
        cmocka_unit_test(test_in_flight_never_expires),
        cmocka_unit_test(test_in_flight_tell_dropped),
        cmocka_unit_test(test_in_flight_request_waits),
        cmocka_unit_test(test_callback_waiters),
        cmocka_unit_test(test_bounded_entries),
        cmocka_unit_test(test_million_requests_constant_work),
        cmocka_unit_test(test_concurrent_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
