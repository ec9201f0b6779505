/* test_runtime_workers.c - the worker pool: a blocked worker gets a spare so other work runs,
 * the spare retires once idle, and free() waits for every thread (spares included). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <time.h>

#include "lifecycle/workers.h"

typedef struct blocker {
    actr_runnable_t r;
    actr_workers_t *w;
    _Atomic int entered;
    _Atomic int release;
} blocker_t;

typedef struct counter {
    actr_runnable_t r;
    _Atomic int runs;
} counter_t;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static actr_run_result_t blocker_run(actr_runnable_t *self, uint32_t batch)
{
    (void)batch;
    blocker_t *b = (blocker_t *)self;
    atomic_store(&b->entered, 1);
    actr_workers_block_begin(b->w);
    for (int i = 0; i < 5000 && !atomic_load(&b->release); i++)
        sleep_ms(1);
    actr_workers_block_end(b->w);
    return ACTR_RUN_IDLE;
}

static actr_run_result_t counter_run(actr_runnable_t *self, uint32_t batch)
{
    (void)batch;
    atomic_fetch_add(&((counter_t *)self)->runs, 1);
    return ACTR_RUN_IDLE;
}

/* Polls cond for up to ms milliseconds. */
static int wait_for(int (*cond)(void *), void *arg, long ms)
{
    for (long i = 0; i < ms; i++) {
        if (cond(arg))
            return 1;
        sleep_ms(1);
    }
    return cond(arg);
}

static int entered(void *b) { return atomic_load(&((blocker_t *)b)->entered); }
static int counted(void *c) { return atomic_load(&((counter_t *)c)->runs) > 0; }
static int back_to_one(void *w) { return actr_workers_count(w) == 1; }

static void test_spare_runs_work_then_retires(void **state)
{
    (void)state;
    actr_workers_options_t o = {.threads = 1, .max_threads = 4, .batch = 8, .spin_us = 0};
    actr_workers_t *w = NULL;
    assert_int_equal(actr_workers_new(&o, &w), 0);
    assert_int_equal(actr_workers_count(w), 1);

    blocker_t b = {.r.run = blocker_run, .w = w};
    counter_t c = {.r.run = counter_run};
    actr_workers_submit(w, &b.r);
    assert_true(wait_for(entered, &b, 5000));
    /* The only base worker is blocked: the counter can only run on a spare. */
    actr_workers_submit(w, &c.r);
    assert_true(wait_for(counted, &c, 5000));
    assert_int_equal(actr_workers_count(w), 2);

    atomic_store(&b.release, 1);
    /* Two threads free for a base of one: the idle one leaves after its linger time. */
    assert_true(wait_for(back_to_one, w, 5000));

    /* The pool still works with its base thread. */
    atomic_store(&c.runs, 0);
    actr_workers_submit(w, &c.r);
    assert_true(wait_for(counted, &c, 5000));
    actr_workers_free(w);
}

static void test_free_waits_for_spares(void **state)
{
    (void)state;
    actr_workers_options_t o = {.threads = 1, .max_threads = 4, .batch = 8, .spin_us = 50};
    actr_workers_t *w = NULL;
    assert_int_equal(actr_workers_new(&o, &w), 0);
    blocker_t b = {.r.run = blocker_run, .w = w};
    actr_workers_submit(w, &b.r);
    assert_true(wait_for(entered, &b, 5000));
    assert_int_equal(actr_workers_count(w), 2);
    atomic_store(&b.release, 1);
    /* Freed while the spare still lingers: free() must wait for both threads (LSan/ASan would
     * report a thread touching freed memory otherwise). */
    actr_workers_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spare_runs_work_then_retires),
        cmocka_unit_test(test_free_waits_for_spares),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
