/* Pending-request table (runtime.md §4.3, §10.1): completion, failures, orphans, cancel, bulk
 * failure per target, deadline heap with next_deadline, re-entrant callbacks and threads. */
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
#include "actr/types.h"
#include "gate/correlation.h"

typedef struct seen {
    int calls;
    int code;
    uint32_t wire;
    char message[ACTR_ERROR_MESSAGE_MAX];
    char response[64];
    const actr_id_t *target;
    uint64_t deadline; /* the entry's, for ordering checks */
} seen_t;

static void record(void *ud, const actr_corr_outcome_t *o)
{
    seen_t *s = ud;
    s->calls++;
    s->code = o->code;
    s->target = o->target;
    s->wire = o->error ? o->error->wire_code : 0;
    snprintf(s->message, sizeof s->message, "%s", o->error ? o->error->message : "");
    s->response[0] = '\0';
    if (o->response && o->response->len) {
        size_t n = o->response->len < sizeof s->response - 1 ? o->response->len
                                                             : sizeof s->response - 1;
        memcpy(s->response, o->response->data, n);
        s->response[n] = '\0';
    }
}

static actr_id_t peer(uint64_t serial)
{
    actr_id_t id;
    memset(&id, 0, sizeof id);
    id.realm.realm_id = 7;
    id.serial_number = serial;
    assert_int_equal(actr_type_set(&id.type, "acme", "echo", "v1", NULL), 0);
    return id;
}

static int reg(actr_corr_t *c, const char *id, const actr_id_t *target, uint64_t deadline,
               seen_t *s)
{
    return actr_corr_register(c, id, strlen(id), target, deadline, record, s);
}

static void test_complete_and_orphans(void **state)
{
    (void)state;
    actr_corr_t *c;
    assert_int_equal(actr_corr_new(&c), 0);
    actr_id_t a = peer(1);
    seen_t s = {0};
    assert_int_equal(reg(c, "r1", &a, 1000, &s), 0);
    assert_true(actr_corr_pending(c, "r1", 2));
    assert_int_equal(reg(c, "r1", NULL, 5, &s), ACTR_EEXIST); /* the first stays as it was */
    uint64_t dl;
    assert_int_equal(actr_corr_next_deadline(c, &dl), 0);
    assert_int_equal(dl, 1000);
    actr_buf_t resp = actr_buf_static("pong", 4);
    assert_int_equal(actr_corr_complete(c, "r1", 2, &resp), 0);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.code, 0);
    assert_string_equal(s.response, "pong");
    assert_non_null(s.target);
    assert_false(actr_corr_pending(c, "r1", 2));
    /* A second response, or one for an id never sent, is an orphan and calls nobody. */
    assert_int_equal(actr_corr_complete(c, "r1", 2, &resp), ACTR_ENOTFOUND);
    assert_int_equal(actr_corr_fail(c, "zz", 2, ACTR_EIO, NULL), ACTR_ENOTFOUND);
    assert_int_equal(actr_corr_complete(c, NULL, 0, NULL), ACTR_ENOTFOUND);
    assert_int_equal(s.calls, 1);
    actr_corr_stats_t st;
    actr_corr_stats(c, &st);
    assert_int_equal(st.orphans, 3);
    assert_int_equal(st.completed, 1);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.targets, 0);
    assert_int_equal(actr_corr_next_deadline(c, &dl), ACTR_ENOTFOUND);
    /* Validation. */
    assert_int_equal(reg(c, "", NULL, 1, &s), ACTR_EINVAL);
    assert_int_equal(actr_corr_register(c, "x", 1, NULL, 1, NULL, NULL), ACTR_EINVAL);
    static char long_id[ACTR_CORR_MAX_ID + 1];
    memset(long_id, 'i', sizeof long_id);
    assert_int_equal(actr_corr_register(c, long_id, sizeof long_id, NULL, 1, record, &s),
                     ACTR_EINVAL);
    actr_corr_free(c);
}

static void test_fail_and_cancel(void **state)
{
    (void)state;
    actr_corr_t *c;
    assert_int_equal(actr_corr_new(&c), 0);
    seen_t s1 = {0}, s2 = {0}, s3 = {0};
    assert_int_equal(reg(c, "e1", NULL, ACTR_CORR_NO_DEADLINE, &s1), 0);
    assert_int_equal(reg(c, "e2", NULL, 10, &s2), 0);
    assert_int_equal(reg(c, "e3", NULL, 20, &s3), 0);
    actr_error_t err;
    actr_error_set(&err, ACTR_ENOTFOUND, ACTR_KIND_CLIENT, ACTR_WIRE_UNKNOWN_ROUTE,
                   "unknown route: x");
    assert_int_equal(actr_corr_fail(c, "e1", 2, ACTR_ENOTFOUND, &err), 0);
    assert_int_equal(s1.calls, 1);
    assert_int_equal(s1.code, ACTR_ENOTFOUND);
    assert_int_equal(s1.wire, ACTR_WIRE_UNKNOWN_ROUTE);
    assert_string_equal(s1.message, "unknown route: x");
    assert_null(s1.target);
    /* No details: a transient error from the code. */
    assert_int_equal(actr_corr_fail(c, "e2", 2, ACTR_EIO, NULL), 0);
    assert_int_equal(s2.code, ACTR_EIO);
    assert_int_equal(s2.wire, ACTR_WIRE_UNAVAILABLE);
    /* Cancel: gone without a callback; the heap no longer holds it. */
    assert_int_equal(actr_corr_cancel(c, "e3", 2), 0);
    assert_int_equal(actr_corr_cancel(c, "e3", 2), ACTR_ENOTFOUND);
    assert_int_equal(s3.calls, 0);
    uint64_t dl;
    assert_int_equal(actr_corr_next_deadline(c, &dl), ACTR_ENOTFOUND);
    assert_int_equal(actr_corr_expire(c, UINT64_MAX - 1), 0);
    actr_corr_stats_t st;
    actr_corr_stats(c, &st);
    assert_int_equal(st.failed, 2);
    assert_int_equal(st.cancelled, 1);
    assert_int_equal(st.orphans, 0);
    actr_corr_free(c);
}

/* Connection closed: only that peer's requests fail, each once. */
static void test_fail_target(void **state)
{
    (void)state;
    actr_corr_t *c;
    assert_int_equal(actr_corr_new(&c), 0);
    actr_id_t a = peer(1), b = peer(2), a_other_realm = peer(1);
    a_other_realm.realm.realm_id = 8;
    seen_t sa[3] = {{0}}, sb[2] = {{0}}, local = {0}, other = {0};
    char id[16];
    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "a%d", i);
        assert_int_equal(reg(c, id, &a, 100 + (uint64_t)i, &sa[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        snprintf(id, sizeof id, "b%d", i);
        assert_int_equal(reg(c, id, &b, 50, &sb[i]), 0);
    }
    assert_int_equal(reg(c, "local", NULL, 10, &local), 0);
    assert_int_equal(reg(c, "other", &a_other_realm, 10, &other), 0);
    actr_corr_stats_t st;
    actr_corr_stats(c, &st);
    assert_int_equal(st.targets, 3);
    actr_error_t err;
    actr_error_set(&err, ACTR_ECLOSED, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                   "Connection closed");
    assert_int_equal(actr_corr_fail_target(c, &a, ACTR_ECLOSED, &err), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sa[i].calls, 1);
        assert_int_equal(sa[i].code, ACTR_ECLOSED);
        assert_string_equal(sa[i].message, "Connection closed");
        assert_non_null(sa[i].target);
    }
    assert_int_equal(sb[0].calls + sb[1].calls + local.calls + other.calls, 0);
    assert_int_equal(actr_corr_fail_target(c, &a, ACTR_ECLOSED, &err), 0);
    actr_corr_stats(c, &st);
    assert_int_equal(st.pending, 4);
    assert_int_equal(st.targets, 2);
    /* The heap lost a's deadlines: the earliest is now 10. */
    uint64_t dl;
    assert_int_equal(actr_corr_next_deadline(c, &dl), 0);
    assert_int_equal(dl, 10);
    assert_int_equal(actr_corr_fail_all(c, ACTR_ECLOSED, NULL), 4);
    assert_int_equal(sb[0].calls + sb[1].calls + local.calls + other.calls, 4);
    actr_corr_stats(c, &st);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.targets, 0);
    actr_corr_free(c);
}

static void test_expire_and_next_deadline(void **state)
{
    (void)state;
    actr_corr_t *c;
    assert_int_equal(actr_corr_new(&c), 0);
    seen_t s50 = {0}, s10 = {0}, s30 = {0}, snone = {0};
    assert_int_equal(reg(c, "d50", NULL, 50, &s50), 0);
    assert_int_equal(reg(c, "d10", NULL, 10, &s10), 0);
    assert_int_equal(reg(c, "d30", NULL, 30, &s30), 0);
    assert_int_equal(reg(c, "none", NULL, ACTR_CORR_NO_DEADLINE, &snone), 0);
    uint64_t dl;
    assert_int_equal(actr_corr_next_deadline(c, &dl), 0);
    assert_int_equal(dl, 10);
    assert_int_equal(actr_corr_expire(c, 9), 0);
    assert_int_equal(actr_corr_expire(c, 30), 2);
    assert_int_equal(s10.code, ACTR_ETIMEDOUT);
    assert_int_equal(s10.wire, ACTR_WIRE_TIMED_OUT);
    assert_string_equal(s10.message, "timed out");
    assert_int_equal(s30.calls, 1);
    assert_int_equal(s50.calls, 0);
    assert_int_equal(actr_corr_next_deadline(c, &dl), 0);
    assert_int_equal(dl, 50);
    assert_int_equal(actr_corr_complete(c, "d50", 3, NULL), 0);
    assert_int_equal(s50.code, 0);
    assert_int_equal(actr_corr_next_deadline(c, &dl), ACTR_ENOTFOUND);
    assert_int_equal(actr_corr_expire(c, UINT64_MAX - 1), 0); /* "none" never expires */
    assert_true(actr_corr_pending(c, "none", 4));
    actr_corr_stats_t st;
    actr_corr_stats(c, &st);
    assert_int_equal(st.timed_out, 2);
    actr_corr_free(c); /* fails "none" with ECLOSED */
    assert_int_equal(snone.calls, 1);
    assert_int_equal(snone.code, ACTR_ECLOSED);
}

/* Many random deadlines with removals in between: expiry comes out in deadline order. */
static uint64_t last_fired;
static int order_errors;
static void check_order(void *ud, const actr_corr_outcome_t *o)
{
    (void)o;
    uint64_t deadline = (uint64_t)(uintptr_t)ud;
    if (deadline < last_fired)
        order_errors++;
    last_fired = deadline;
}

static void test_heap_order(void **state)
{
    (void)state;
    enum { N = 20000 };
    actr_corr_t *c;
    assert_int_equal(actr_corr_new(&c), 0);
    unsigned r = 99;
    char id[16];
    for (int i = 0; i < N; i++) {
        r = r * 1103515245u + 12345u;
        uint64_t dl = (r >> 8) % 100000;
        snprintf(id, sizeof id, "h%d", i);
        assert_int_equal(actr_corr_register(c, id, strlen(id), NULL, dl, check_order,
                                            (void *)(uintptr_t)dl),
                         0);
    }
    for (int i = 0; i < N; i += 3) {
        snprintf(id, sizeof id, "h%d", i);
        assert_int_equal(actr_corr_cancel(c, id, strlen(id)), 0);
    }
    size_t expired = 0;
    last_fired = 0;
    order_errors = 0;
    for (uint64_t now = 0; now < 100000; now += 997) {
        expired += actr_corr_expire(c, now);
        uint64_t dl;
        if (actr_corr_next_deadline(c, &dl) == 0)
            assert_true(dl > now);
    }
    expired += actr_corr_expire(c, 100000);
    assert_int_equal(expired, N - (N + 2) / 3);
    assert_int_equal(order_errors, 0);
    actr_corr_free(c);
}

/* A callback may use the table (e.g. register the retry of a failed call). */
static actr_corr_t *reentrant_table;
static seen_t retry_seen;
static void register_retry(void *ud, const actr_corr_outcome_t *o)
{
    (void)o;
    int *calls = ud;
    (*calls)++;
    assert_int_equal(actr_corr_register(reentrant_table, "retry", 5, NULL, 99, record,
                                        &retry_seen),
                     0);
}

static void test_reentrant_callback(void **state)
{
    (void)state;
    assert_int_equal(actr_corr_new(&reentrant_table), 0);
    int calls = 0;
    memset(&retry_seen, 0, sizeof retry_seen);
    assert_int_equal(actr_corr_register(reentrant_table, "first", 5, NULL, 1, register_retry,
                                        &calls),
                     0);
    assert_int_equal(actr_corr_expire(reentrant_table, 1), 1);
    assert_int_equal(calls, 1);
    assert_true(actr_corr_pending(reentrant_table, "retry", 5));
    actr_buf_t resp = actr_buf_static("ok", 2);
    assert_int_equal(actr_corr_complete(reentrant_table, "retry", 5, &resp), 0);
    assert_string_equal(retry_seen.response, "ok");
    actr_corr_free(reentrant_table);
}

/* Callers register from several threads while one thread completes: every callback once. */
#define MT_THREADS 4
#define MT_PER 3000

typedef struct mt {
    actr_corr_t *c;
    atomic_int done[MT_THREADS * MT_PER];
    atomic_int registered;
    atomic_int bad;
} mt_t;

static void mt_done(void *ud, const actr_corr_outcome_t *o)
{
    atomic_int *slot = ud;
    atomic_fetch_add(slot, o->code == 0 ? 1 : 1000); /* exactly 1 is checked below */
}

typedef struct mt_arg {
    mt_t *m;
    int index;
} mt_arg_t;

static void *mt_register(void *arg)
{
    mt_arg_t *a = arg;
    char id[24];
    for (int i = 0; i < MT_PER; i++) {
        int slot = a->index * MT_PER + i;
        int n = snprintf(id, sizeof id, "t%d", slot);
        if (actr_corr_register(a->m->c, id, (size_t)n, NULL, 1000000, mt_done,
                               &a->m->done[slot]) != 0)
            atomic_fetch_add(&a->m->bad, 1);
        atomic_fetch_add(&a->m->registered, 1);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    static mt_t m;
    memset(&m, 0, sizeof m);
    assert_int_equal(actr_corr_new(&m.c), 0);
    pthread_t th[MT_THREADS];
    mt_arg_t args[MT_THREADS];
    for (int i = 0; i < MT_THREADS; i++) {
        args[i] = (mt_arg_t){&m, i};
        assert_int_equal(pthread_create(&th[i], NULL, mt_register, &args[i]), 0);
    }
    /* Complete whatever is there while registrations continue; a bounded number of passes. */
    actr_buf_t resp = actr_buf_static("r", 1);
    char id[24];
    int completed = 0;
    for (int pass = 0; pass < 100000 && completed < MT_THREADS * MT_PER; pass++) {
        for (int slot = 0; slot < MT_THREADS * MT_PER; slot++) {
            if (atomic_load(&m.done[slot]))
                continue;
            int n = snprintf(id, sizeof id, "t%d", slot);
            if (actr_corr_complete(m.c, id, (size_t)n, &resp) == 0)
                completed++;
        }
    }
    for (int i = 0; i < MT_THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(completed, MT_THREADS * MT_PER);
    assert_int_equal(atomic_load(&m.bad), 0);
    for (int slot = 0; slot < MT_THREADS * MT_PER; slot++)
        assert_int_equal(atomic_load(&m.done[slot]), 1);
    actr_corr_stats_t st;
    actr_corr_stats(m.c, &st);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.completed, MT_THREADS * MT_PER);
    actr_corr_free(m.c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_and_orphans),
        cmocka_unit_test(test_fail_and_cancel),
        cmocka_unit_test(test_fail_target),
        cmocka_unit_test(test_expire_and_next_deadline),
        cmocka_unit_test(test_heap_order),
        cmocka_unit_test(test_reentrant_callback),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
