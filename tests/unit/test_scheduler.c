/* Conflict-key scheduler (runtime.md §8.2, scenario 16): same-key FIFO, budget C, round-robin,
 * the Serial barrier, M permits with blocking submitters, shutdown drain, and a multi-worker
 * stress that checks every invariant with atomics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actr/error.h"
#include "dispatch/conflict_key.h"
#include "dispatch/scheduler.h"

typedef struct tjob {
    actr_sched_job_t job;
    int key; /* -1: Serial */
    int seq; /* submission order within the key */
    int id;
} tjob_t;

static void set_key(actr_conflict_key_t *k, int key)
{
    if (key < 0) {
        actr_conflict_key_init(k);
        return;
    }
    char v[16];
    int n = snprintf(v, sizeof v, "k%d", key);
    assert_int_equal(actr_conflict_key_set_scoped(k, "t.S.M", 5, v, (size_t)n), 0);
}

static int submit(actr_sched_t *s, tjob_t *j, int key, int64_t timeout_ms)
{
    actr_conflict_key_t k;
    set_key(&k, key);
    j->key = key;
    j->job.user = j;
    int rc = actr_sched_submit(s, &j->job, &k, timeout_ms, NULL);
    actr_conflict_key_clear(&k);
    return rc;
}

static tjob_t *next(actr_sched_t *s)
{
    actr_sched_job_t *j = actr_sched_next(s, NULL);
    return j ? j->user : NULL;
}

static actr_sched_t *make(uint32_t budget, uint32_t cap)
{
    actr_sched_config_t cfg;
    actr_sched_config_init(&cfg);
    cfg.budget = budget;
    cfg.queue_cap = cap;
    actr_sched_t *s;
    assert_int_equal(actr_sched_new(&cfg, &s), 0);
    return s;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Polls a condition for up to ~5 s (threads need a moment to block). */
#define WAIT_FOR(cond)                                   \
    do {                                                 \
        for (int w_ = 0; w_ < 5000 && !(cond); w_++)     \
            sleep_ms(1);                                 \
        assert_true(cond);                               \
    } while (0)

static uint32_t stat_blocked(actr_sched_t *s)
{
    actr_sched_stats_t st;
    actr_sched_stats(s, &st);
    return (uint32_t)st.blocked;
}

/* ---- configuration ---- */

static void test_config(void **state)
{
    (void)state;
    actr_sched_config_t cfg;
    actr_sched_config_init(&cfg);
    assert_int_equal(cfg.budget, 8);
    assert_int_equal(cfg.queue_cap, 256);
    actr_sched_t *s = (void *)1;
    cfg.budget = 0;
    assert_int_equal(actr_sched_new(&cfg, &s), ACTR_EINVAL);
    assert_null(s);
    cfg.budget = 8;
    cfg.queue_cap = 7;
    assert_int_equal(actr_sched_new(&cfg, &s), ACTR_EINVAL);
    cfg.queue_cap = ACTR_SCHED_MAX_QUEUE_CAP + 1;
    assert_int_equal(actr_sched_new(&cfg, &s), ACTR_EINVAL);
    assert_int_equal(actr_sched_new(NULL, NULL), ACTR_EINVAL);
    assert_int_equal(actr_sched_new(NULL, &s), 0);
    actr_sched_stats_t st;
    actr_sched_stats(s, &st);
    assert_int_equal(st.budget, 8);
    assert_int_equal(st.queue_cap, 256);
    assert_int_equal(actr_sched_submit(s, NULL, NULL, 0, NULL), ACTR_EINVAL);
    assert_false(actr_sched_runnable(s));
    assert_null(actr_sched_next(s, NULL));
    actr_sched_free(s, NULL, NULL);
    actr_sched_free(NULL, NULL, NULL);
}

/* ---- invariant 1: same key ---- */

static void test_same_key_fifo_one_in_flight(void **state)
{
    (void)state;
    actr_sched_t *s = make(8, 16);
    tjob_t j[6];
    bool runnable = false;
    for (int i = 0; i < 6; i++) {
        j[i].seq = i;
        actr_conflict_key_t k;
        set_key(&k, 1);
        j[i].job.user = &j[i];
        assert_int_equal(actr_sched_submit(s, &j[i].job, &k, 0, &runnable), 0);
        assert_true(runnable);
        actr_conflict_key_clear(&k);
    }
    for (int i = 0; i < 6; i++) {
        bool more = true;
        actr_sched_job_t *got = actr_sched_next(s, &more);
        assert_ptr_equal(got, &j[i].job);
        assert_false(more); /* the only key is busy */
        assert_null(actr_sched_next(s, NULL));
        assert_int_equal(actr_sched_done(s, got), i < 5);
    }
    actr_sched_stats_t st;
    actr_sched_stats(s, &st);
    assert_int_equal(st.peak_in_flight, 1);
    assert_int_equal(st.submitted, 6);
    assert_int_equal(st.completed, 6);
    assert_int_equal(st.lanes, 0); /* idle keys are forgotten */
    actr_sched_free(s, NULL, NULL);
}

/* ---- invariant 2: distinct keys, budget, round-robin ---- */

static void test_default_budget_caps_distinct_keys(void **state)
{
    (void)state;
    actr_sched_t *s;
    assert_int_equal(actr_sched_new(NULL, &s), 0);
    tjob_t j[20];
    for (int i = 0; i < 20; i++)
        assert_int_equal(submit(s, &j[i], i, 0), 0);
    tjob_t *started[20];
    int n = 0;
    while (n < 20 && (started[n] = next(s)) != NULL)
        n++;
    assert_int_equal(n, ACTR_SCHED_DEFAULT_BUDGET); /* C = 8 */
    assert_false(actr_sched_runnable(s));
    /* One done makes room for exactly one more. */
    assert_true(actr_sched_done(s, &started[0]->job));
    started[0] = next(s);
    assert_non_null(started[0]);
    assert_null(next(s));
    actr_sched_stats_t st;
    actr_sched_stats(s, &st);
    assert_int_equal(st.peak_in_flight, 8);
    assert_int_equal(st.in_flight, 8);
    assert_int_equal(st.queued, 11);
    for (int i = 0; i < 8; i++)
        actr_sched_done(s, &started[i]->job);
    for (tjob_t *t; (t = next(s)) != NULL;)
        actr_sched_done(s, &t->job);
    actr_sched_stats(s, &st);
    assert_int_equal(st.completed, 20);
    assert_int_equal(st.peak_in_flight, 8);
    actr_sched_free(s, NULL, NULL);
}

static void test_round_robin(void **state)
{
    (void)state;
    actr_sched_t *s = make(1, 16);
    tjob_t j[7];
    static const int keys[] = {0, 0, 0, 1, 1, 1, 2};
    for (int i = 0; i < 7; i++) {
        j[i].id = i;
        assert_int_equal(submit(s, &j[i], keys[i], 0), 0);
    }
    /* A key goes to the tail after each job: A1 B1 C1 A2 B2 A3 B3. */
    static const int order[] = {0, 3, 6, 1, 4, 2, 5};
    for (int i = 0; i < 7; i++) {
        tjob_t *t = next(s);
        assert_non_null(t);
        assert_int_equal(t->id, order[i]);
        assert_null(next(s)); /* budget 1 */
        actr_sched_done(s, &t->job);
    }
    actr_sched_free(s, NULL, NULL);
}

/* ---- invariant 3: the Serial barrier ---- */

static void test_serial_barrier(void **state)
{
    (void)state;
    actr_sched_t *s = make(8, 16);
    tjob_t a, b, ser, c, ser2;
    assert_int_equal(submit(s, &a, 1, 0), 0);
    assert_int_equal(submit(s, &b, 2, 0), 0);
    assert_ptr_equal(next(s), &a);
    assert_ptr_equal(next(s), &b);
    assert_int_equal(submit(s, &ser, -1, 0), 0);
    assert_int_equal(submit(s, &c, 3, 0), 0);
    /* Serial waits for both in-flight jobs; meanwhile the new scoped job may not start. */
    assert_false(actr_sched_runnable(s));
    assert_null(next(s));
    assert_false(actr_sched_done(s, &a.job));
    assert_null(next(s));
    assert_true(actr_sched_done(s, &b.job));
    bool more = true;
    assert_ptr_equal(actr_sched_next(s, &more), &ser.job);
    assert_false(more);
    /* It runs alone: neither scoped work nor another Serial job starts. */
    assert_int_equal(submit(s, &ser2, -1, 0), 0);
    assert_null(next(s));
    assert_true(actr_sched_done(s, &ser.job));
    assert_ptr_equal(next(s), &ser2); /* Serial jobs keep FIFO among themselves */
    assert_null(next(s));
    assert_true(actr_sched_done(s, &ser2.job));
    assert_ptr_equal(next(s), &c);
    actr_sched_done(s, &c.job);
    actr_sched_stats_t st;
    actr_sched_stats(s, &st);
    assert_int_equal(st.serial_started, 2);
    assert_int_equal(st.in_flight, 0);
    actr_sched_free(s, NULL, NULL);
}

/* Scenario 16: undeclared methods form one global serial lane. */
static void test_undeclared_methods_one_serial_lane(void **state)
{
    (void)state;
    actr_conflict_spec_t *spec;
    assert_int_equal(actr_conflict_spec_new(&spec), 0);
    assert_int_equal(actr_conflict_spec_add(spec, "t.S.Keyed", NULL, ACTR_CK_SENDER, NULL), 0);
    actr_sched_t *s = make(8, 16);
    static const char *const routes[] = {"t.S.A", "t.S.B", "t.S.C", "t.S.A"};
    tjob_t j[4];
    for (int i = 0; i < 4; i++) {
        actr_conflict_key_t k;
        assert_int_equal(actr_conflict_extract(spec, routes[i], strlen(routes[i]), "caller", 6,
                                               NULL, 0, &k),
                         ACTR_CK_UNDECLARED);
        j[i].id = i;
        j[i].job.user = &j[i];
        assert_int_equal(actr_sched_submit(s, &j[i].job, &k, 0, NULL), 0);
        actr_conflict_key_clear(&k);
    }
    for (int i = 0; i < 4; i++) {
        tjob_t *t = next(s);
        assert_non_null(t);
        assert_int_equal(t->id, i);
        assert_null(next(s));
        actr_sched_done(s, &t->job);
    }
    actr_sched_stats_t st;
    actr_sched_stats(s, &st);
    assert_int_equal(st.peak_in_flight, 1);
    assert_int_equal(st.serial_started, 4);
    actr_sched_free(s, NULL, NULL);
    actr_conflict_spec_free(spec);
}

/* ---- invariant 4: permits and back-pressure ---- */

static void test_default_queue_cap_256(void **state)
{
    (void)state;
    actr_sched_t *s;
    assert_int_equal(actr_sched_new(NULL, &s), 0);
    static tjob_t j[257];
    for (int i = 0; i < 256; i++)
        assert_int_equal(submit(s, &j[i], i % 3 - 1, 0), 0);
    assert_int_equal(submit(s, &j[256], 5, 0), ACTR_EAGAIN);
    assert_int_equal(submit(s, &j[256], 5, 1), ACTR_EAGAIN); /* waited 1 ms, still full */
    /* Permits cover in-flight jobs too: starting one frees nothing. */
    tjob_t *t = next(s);
    assert_non_null(t);
    assert_int_equal(submit(s, &j[256], 5, 0), ACTR_EAGAIN);
    actr_sched_done(s, &t->job);
    assert_int_equal(submit(s, &j[256], 5, 0), 0);
    actr_sched_stats_t st;
    actr_sched_stats(s, &st);
    assert_int_equal(st.refused, 3);
    assert_int_equal(st.blocked, 1);
    assert_int_equal(st.queued, 256);
    actr_sched_close(s);
    for (tjob_t *u; (u = next(s)) != NULL;)
        actr_sched_done(s, &u->job);
    assert_true(actr_sched_drained(s));
    actr_sched_free(s, NULL, NULL);
}

typedef struct blocked_submit {
    actr_sched_t *s;
    tjob_t *job;
    int key;
    int64_t timeout_ms;
    int rc;
    pthread_t thread;
} blocked_submit_t;

static void *submit_thread(void *arg)
{
    blocked_submit_t *b = arg;
    b->rc = submit(b->s, b->job, b->key, b->timeout_ms);
    return NULL;
}

static void start_submit(blocked_submit_t *b, actr_sched_t *s, tjob_t *job, int key)
{
    *b = (blocked_submit_t){.s = s, .job = job, .key = key, .timeout_ms = -1, .rc = 99};
    assert_int_equal(pthread_create(&b->thread, NULL, submit_thread, b), 0);
}

static int space_calls;
static void on_space(void *ud)
{
    (void)ud;
    space_calls++;
}

static void test_blocked_submitters_fifo(void **state)
{
    (void)state;
    actr_sched_config_t cfg;
    actr_sched_config_init(&cfg);
    cfg.budget = 2;
    cfg.queue_cap = 2;
    cfg.on_space = on_space;
    actr_sched_t *s;
    assert_int_equal(actr_sched_new(&cfg, &s), 0);
    tjob_t first, second, late, w1, w2;
    assert_int_equal(submit(s, &first, 7, 0), 0);
    assert_int_equal(submit(s, &second, 8, 0), 0);
    /* Two submitters block, in a known order; both target key 9 so the lane shows who
     * was admitted first. */
    blocked_submit_t b1, b2;
    w1.id = 1;
    w2.id = 2;
    start_submit(&b1, s, &w1, 9);
    WAIT_FOR(stat_blocked(s) == 1);
    start_submit(&b2, s, &w2, 9);
    WAIT_FOR(stat_blocked(s) == 2);
    /* A freed permit goes to the oldest waiter: a try-submit cannot take it. */
    tjob_t *t = next(s);
    assert_ptr_equal(t, &first);
    actr_sched_done(s, &t->job);
    assert_int_equal(submit(s, &late, 10, 0), ACTR_EAGAIN);
    pthread_join(b1.thread, NULL);
    assert_int_equal(b1.rc, 0);
    assert_int_equal(space_calls, 0); /* the permit went to a waiter, not to the pool */
    t = next(s);
    assert_ptr_equal(t, &second);
    actr_sched_done(s, &t->job);
    pthread_join(b2.thread, NULL);
    assert_int_equal(b2.rc, 0);
    /* Key 9: w1 then w2. */
    t = next(s);
    assert_ptr_equal(t, &w1);
    assert_null(next(s));
    actr_sched_done(s, &t->job);
    /* A permit returning to the pool after a refusal calls on_space once. */
    assert_int_equal(space_calls, 1);
    t = next(s);
    assert_ptr_equal(t, &w2);
    actr_sched_done(s, &t->job);
    assert_int_equal(space_calls, 1);
    actr_sched_free(s, NULL, NULL);
}

/* ---- invariant 5: shutdown ---- */

static int dropped;
static void drop_job(void *ud, actr_sched_job_t *job)
{
    (void)ud;
    assert_non_null(job->user);
    dropped++;
}

static void test_shutdown_drains_admitted(void **state)
{
    (void)state;
    actr_sched_t *s = make(2, 4);
    tjob_t j[4], extra;
    for (int i = 0; i < 4; i++)
        assert_int_equal(submit(s, &j[i], i % 2 ? -1 : i, 0), 0);
    blocked_submit_t b;
    start_submit(&b, s, &extra, 1);
    WAIT_FOR(stat_blocked(s) == 1);
    assert_int_equal(actr_sched_wait_drained(s, 0), ACTR_ESTATE); /* not closed */
    tjob_t *first = next(s);
    assert_non_null(first);
    actr_sched_close(s);
    pthread_join(b.thread, NULL);
    assert_int_equal(b.rc, ACTR_ECLOSED); /* the blocked submitter is refused */
    assert_int_equal(submit(s, &extra, 1, -1), ACTR_ECLOSED);
    assert_false(actr_sched_drained(s));
    assert_int_equal(actr_sched_wait_drained(s, 0), ACTR_ETIMEDOUT);
    assert_int_equal(actr_sched_wait_drained(s, 5), ACTR_ETIMEDOUT);
    /* Every admitted job is still handed out. */
    int ran = 0;
    actr_sched_done(s, &first->job);
    ran++;
    for (tjob_t *t; (t = next(s)) != NULL; ran++)
        actr_sched_done(s, &t->job);
    assert_int_equal(ran, 4);
    assert_true(actr_sched_drained(s));
    assert_int_equal(actr_sched_wait_drained(s, 0), 0);
    assert_int_equal(actr_sched_shutdown(s, -1), 0); /* idempotent */
    actr_sched_free(s, NULL, NULL);
}

static void test_free_drops_queued(void **state)
{
    (void)state;
    actr_sched_t *s = make(2, 8);
    tjob_t j[5];
    for (int i = 0; i < 5; i++)
        assert_int_equal(submit(s, &j[i], i < 3 ? -1 : i, 0), 0);
    tjob_t *t = next(s);
    actr_sched_done(s, &t->job);
    dropped = 0;
    actr_sched_free(s, drop_job, NULL);
    assert_int_equal(dropped, 4);
}

static void test_done_of_unknown_job_is_ignored(void **state)
{
    (void)state;
    actr_sched_t *s = make(2, 8);
    tjob_t a, b;
    assert_int_equal(submit(s, &a, 1, 0), 0);
    memset(&b, 0, sizeof b);
    assert_false(actr_sched_done(s, &b.job));
    assert_false(actr_sched_done(s, &a.job)); /* queued, not in flight */
    assert_false(actr_sched_done(s, NULL));
    tjob_t *t = next(s);
    assert_false(actr_sched_done(s, &t->job));
    assert_false(actr_sched_done(s, &t->job)); /* twice */
    actr_sched_stats_t st;
    actr_sched_stats(s, &st);
    assert_int_equal(st.completed, 1);
    actr_sched_free(s, NULL, NULL);
}

/* ---- engagement ---- */

static void test_engaged_and_env_override(void **state)
{
    (void)state;
    actr_conflict_spec_t *spec;
    assert_int_equal(actr_conflict_spec_new(&spec), 0);
    unsetenv("ACTR_DISPATCH_SERIAL");
    assert_false(actr_dispatch_serial_forced());
    assert_false(actr_dispatch_engaged(true, spec)); /* no declared key: no scheduler */
    assert_false(actr_dispatch_engaged(true, NULL));
    assert_int_equal(actr_conflict_spec_add(spec, "t.S.M", NULL, ACTR_CK_SENDER, NULL), 0);
    assert_true(actr_dispatch_engaged(true, spec));
    assert_false(actr_dispatch_engaged(false, spec));
    static const char *const on[] = {"1", "true", "TRUE", "yes"};
    static const char *const off[] = {"0", "false", "True", "YES", "", "1 "};
    for (size_t i = 0; i < 4; i++) {
        setenv("ACTR_DISPATCH_SERIAL", on[i], 1);
        assert_true(actr_dispatch_serial_forced());
        assert_false(actr_dispatch_engaged(true, spec));
    }
    for (size_t i = 0; i < 6; i++) {
        setenv("ACTR_DISPATCH_SERIAL", off[i], 1);
        assert_false(actr_dispatch_serial_forced());
        assert_true(actr_dispatch_engaged(true, spec));
    }
    unsetenv("ACTR_DISPATCH_SERIAL");
    actr_conflict_spec_free(spec);
}

/* ---- multi-worker stress ---- */

#define ST_KEYS 24
#define ST_PRODUCERS 2
#define ST_WORKERS 4
#define ST_PER_PRODUCER 6000
#define ST_BUDGET 3

typedef struct stress {
    actr_sched_t *s;
    tjob_t *jobs;
    pthread_mutex_t mu; /* the "run queue": a generation counter workers sleep on */
    pthread_cond_t cond;
    uint64_t gen;
    atomic_int in_flight;
    atomic_int key_busy[ST_KEYS];
    atomic_int serial_running;
    atomic_int last_seq[ST_PRODUCERS][ST_KEYS + 1];
    atomic_int runs_total;
    atomic_int violations;
    atomic_int peak;
    atomic_uchar *ran;
} stress_t;

static void poke(stress_t *st)
{
    pthread_mutex_lock(&st->mu);
    st->gen++;
    pthread_cond_broadcast(&st->cond);
    pthread_mutex_unlock(&st->mu);
}

typedef struct producer {
    stress_t *st;
    int index;
} producer_t;

/* Producer p owns keys with key % ST_PRODUCERS == p (and its own Serial jobs), so it alone
 * fixes their submission order. */
static void *producer_main(void *arg)
{
    producer_t *p = arg;
    stress_t *st = p->st;
    int seq[ST_KEYS + 1] = {0};
    unsigned r = 12345u + (unsigned)p->index;
    for (int i = 0; i < ST_PER_PRODUCER; i++) {
        tjob_t *j = &st->jobs[p->index * ST_PER_PRODUCER + i];
        r = r * 1103515245u + 12345u;
        int key = (int)((r >> 8) % (ST_KEYS / ST_PRODUCERS)) * ST_PRODUCERS + p->index;
        if ((r >> 20) % 50 == 0)
            key = -1;
        int slot = key < 0 ? ST_KEYS : key;
        j->seq = ++seq[slot];
        j->id = p->index; /* producer */
        bool runnable = false;
        actr_conflict_key_t k;
        set_key(&k, key);
        j->key = key;
        j->job.user = j;
        if (actr_sched_submit(st->s, &j->job, &k, -1, &runnable) != 0)
            atomic_fetch_add(&st->violations, 1);
        actr_conflict_key_clear(&k);
        if (runnable)
            poke(st);
    }
    return NULL;
}

static void run_job(stress_t *st, tjob_t *j)
{
    int now = atomic_fetch_add(&st->in_flight, 1) + 1;
    int peak = atomic_load(&st->peak);
    while (now > peak && !atomic_compare_exchange_weak(&st->peak, &peak, now))
        ;
    if (now > ST_BUDGET)
        atomic_fetch_add(&st->violations, 1);
    if (atomic_load(&st->serial_running))
        atomic_fetch_add(&st->violations, 1); /* something started beside a Serial job */
    if (j->key < 0) {
        atomic_store(&st->serial_running, 1);
        if (now != 1)
            atomic_fetch_add(&st->violations, 1);
    } else if (atomic_fetch_add(&st->key_busy[j->key], 1) != 0) {
        atomic_fetch_add(&st->violations, 1); /* two of one key at once */
    }
    int slot = j->key < 0 ? ST_KEYS : j->key;
    if (atomic_exchange(&st->last_seq[j->id][slot], j->seq) != j->seq - 1)
        atomic_fetch_add(&st->violations, 1); /* FIFO broken within a key */
    size_t idx = (size_t)(j - st->jobs);
    if (atomic_fetch_add(&st->ran[idx], 1) != 0)
        atomic_fetch_add(&st->violations, 1); /* ran twice */
    sched_yield();
    if (j->key < 0)
        atomic_store(&st->serial_running, 0);
    else
        atomic_fetch_sub(&st->key_busy[j->key], 1);
    atomic_fetch_sub(&st->in_flight, 1);
    atomic_fetch_add(&st->runs_total, 1);
}

static void *worker_main(void *arg)
{
    stress_t *st = arg;
    for (;;) {
        pthread_mutex_lock(&st->mu);
        uint64_t seen = st->gen;
        pthread_mutex_unlock(&st->mu);
        bool more = false;
        actr_sched_job_t *job = actr_sched_next(st->s, &more);
        if (job) {
            if (more)
                poke(st);
            run_job(st, job->user);
            if (actr_sched_done(st->s, job) || actr_sched_drained(st->s))
                poke(st);
            continue;
        }
        if (actr_sched_drained(st->s))
            return NULL;
        pthread_mutex_lock(&st->mu);
        while (st->gen == seen)
            pthread_cond_wait(&st->cond, &st->mu);
        pthread_mutex_unlock(&st->mu);
    }
}

static void test_multi_worker_stress(void **state)
{
    (void)state;
    static stress_t st;
    memset(&st, 0, sizeof st);
    st.s = make(ST_BUDGET, 64);
    st.jobs = calloc(ST_PRODUCERS * ST_PER_PRODUCER, sizeof *st.jobs);
    st.ran = calloc(ST_PRODUCERS * ST_PER_PRODUCER, sizeof *st.ran);
    assert_non_null(st.jobs);
    assert_non_null(st.ran);
    pthread_mutex_init(&st.mu, NULL);
    pthread_cond_init(&st.cond, NULL);
    pthread_t workers[ST_WORKERS], producers[ST_PRODUCERS];
    producer_t pargs[ST_PRODUCERS];
    for (int i = 0; i < ST_WORKERS; i++)
        assert_int_equal(pthread_create(&workers[i], NULL, worker_main, &st), 0);
    for (int i = 0; i < ST_PRODUCERS; i++) {
        pargs[i] = (producer_t){&st, i};
        assert_int_equal(pthread_create(&producers[i], NULL, producer_main, &pargs[i]), 0);
    }
    for (int i = 0; i < ST_PRODUCERS; i++)
        pthread_join(producers[i], NULL);
    assert_int_equal(actr_sched_shutdown(st.s, -1), 0);
    poke(&st);
    for (int i = 0; i < ST_WORKERS; i++)
        pthread_join(workers[i], NULL);

    assert_int_equal(atomic_load(&st.violations), 0);
    assert_int_equal(atomic_load(&st.runs_total), ST_PRODUCERS * ST_PER_PRODUCER);
    for (size_t i = 0; i < ST_PRODUCERS * ST_PER_PRODUCER; i++)
        assert_int_equal(st.ran[i], 1);
    actr_sched_stats_t ss;
    actr_sched_stats(st.s, &ss);
    assert_int_equal(ss.completed, ST_PRODUCERS * ST_PER_PRODUCER);
    assert_true(ss.peak_in_flight <= ST_BUDGET);
    assert_int_equal(ss.in_flight, 0);
    assert_int_equal(ss.queued, 0);
    assert_int_equal(ss.lanes, 0);
    assert_true(atomic_load(&st.peak) <= ST_BUDGET);
    actr_sched_free(st.s, NULL, NULL);
    pthread_cond_destroy(&st.cond);
    pthread_mutex_destroy(&st.mu);
    free(st.jobs);
    free(st.ran);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_same_key_fifo_one_in_flight),
        cmocka_unit_test(test_default_budget_caps_distinct_keys),
        cmocka_unit_test(test_round_robin),
        cmocka_unit_test(test_serial_barrier),
        cmocka_unit_test(test_undeclared_methods_one_serial_lane),
        cmocka_unit_test(test_default_queue_cap_256),
        cmocka_unit_test(test_blocked_submitters_fifo),
        cmocka_unit_test(test_shutdown_drains_admitted),
        cmocka_unit_test(test_free_drops_queued),
        cmocka_unit_test(test_done_of_unknown_job_is_ignored),
        cmocka_unit_test(test_engaged_and_env_override),
        cmocka_unit_test(test_multi_worker_stress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
