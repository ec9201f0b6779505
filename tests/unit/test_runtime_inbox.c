/* test_runtime_inbox - the actor inbox: FIFO, the bound on counted items (wait, then
 * ACTR_EAGAIN), close, and per-producer order with several producer threads. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "actr/error.h"
#include "lifecycle/inbox.h"
#include "rt_fixture.h"

typedef struct item {
    actr_inbox_item_t link; /* first: the inbox hands back this pointer */
    int producer;
    int seq;
} item_t;

static void test_fifo_single_thread(void **state)
{
    (void)state;
    actr_inbox_t q;
    assert_int_equal(actr_inbox_init(&q, 8), 0);
    assert_false(actr_inbox_ready(&q));
    assert_null(actr_inbox_pop(&q));
    item_t items[5];
    for (int i = 0; i < 5; i++) {
        items[i].seq = i;
        actr_inbox_push(&q, &items[i].link);
        assert_true(actr_inbox_ready(&q));
    }
    for (int i = 0; i < 5; i++) {
        item_t *it = (item_t *)actr_inbox_pop(&q);
        assert_non_null(it);
        assert_int_equal(it->seq, i);
    }
    assert_null(actr_inbox_pop(&q));
    assert_false(actr_inbox_ready(&q));
    /* The stub goes around again. */
    actr_inbox_push(&q, &items[0].link);
    assert_ptr_equal(actr_inbox_pop(&q), &items[0].link);
    actr_inbox_destroy(&q);
}

static void test_bound_and_close(void **state)
{
    (void)state;
    actr_inbox_t q;
    assert_int_equal(actr_inbox_init(&q, 2), 0);
    assert_int_equal(actr_inbox_reserve(&q, 0), 0);
    assert_int_equal(actr_inbox_reserve(&q, 0), 0);
    assert_int_equal(actr_inbox_reserve(&q, 0), ACTR_EAGAIN);
    assert_int_equal(actr_inbox_reserve(&q, 20), ACTR_EAGAIN); /* waited, still full */
    assert_int_equal(actr_inbox_reserved(&q), 2);
    actr_inbox_release(&q, 1);
    assert_int_equal(actr_inbox_reserve(&q, 0), 0);
    actr_inbox_close(&q);
    actr_inbox_release(&q, 2);
    assert_int_equal(actr_inbox_reserve(&q, 0), ACTR_ECLOSED);
    assert_int_equal(actr_inbox_reserved(&q), 0);
    actr_inbox_destroy(&q);
}

typedef struct waiter_arg {
    actr_inbox_t *q;
    int rc;
} waiter_arg_t;

static void *reserve_blocking(void *p)
{
    waiter_arg_t *w = p;
    w->rc = actr_inbox_reserve(w->q, RT_WAIT_MS);
    return NULL;
}

static void test_full_inbox_waits_for_space(void **state)
{
    (void)state;
    actr_inbox_t q;
    assert_int_equal(actr_inbox_init(&q, 1), 0);
    assert_int_equal(actr_inbox_reserve(&q, 0), 0);
    waiter_arg_t w = {&q, 1};
    pthread_t t;
    pthread_create(&t, NULL, reserve_blocking, &w);
    for (int i = 0; i < RT_WAIT_MS && atomic_load(&q.waiters) == 0; i++)
        rt_sleep_ms(1);
    actr_inbox_release(&q, 1); /* the consumer frees a place: the sender gets it */
    pthread_join(t, NULL);
    assert_int_equal(w.rc, 0);
    /* A waiting sender is woken by close with ACTR_ECLOSED. */
    w.rc = 1;
    pthread_create(&t, NULL, reserve_blocking, &w);
    for (int i = 0; i < RT_WAIT_MS && atomic_load(&q.waiters) == 0; i++)
        rt_sleep_ms(1);
    actr_inbox_close(&q);
    pthread_join(t, NULL);
    assert_int_equal(w.rc, ACTR_ECLOSED);
    actr_inbox_destroy(&q);
}

#define PRODUCERS 4
#define PER_PRODUCER 20000

typedef struct prod_arg {
    actr_inbox_t *q;
    item_t *items;
    int id;
} prod_arg_t;

static void *produce(void *p)
{
    prod_arg_t *a = p;
    for (int i = 0; i < PER_PRODUCER; i++) {
        a->items[i].producer = a->id;
        a->items[i].seq = i;
        actr_inbox_push(a->q, &a->items[i].link);
    }
    return NULL;
}

static void test_many_producers_keep_their_order(void **state)
{
    (void)state;
    actr_inbox_t q;
    assert_int_equal(actr_inbox_init(&q, 8), 0);
    pthread_t t[PRODUCERS];
    prod_arg_t args[PRODUCERS];
    item_t *items = calloc((size_t)PRODUCERS * PER_PRODUCER, sizeof *items);
    assert_non_null(items);
    for (int p = 0; p < PRODUCERS; p++) {
        args[p] = (prod_arg_t){&q, items + (size_t)p * PER_PRODUCER, p};
        pthread_create(&t[p], NULL, produce, &args[p]);
    }
    int next[PRODUCERS] = {0};
    int total = 0;
    for (long spins = 0; total < PRODUCERS * PER_PRODUCER && spins < 200000000L; spins++) {
        item_t *it = (item_t *)actr_inbox_pop(&q);
        if (!it)
            continue;
        assert_int_equal(it->seq, next[it->producer]);
        next[it->producer]++;
        total++;
    }
    for (int p = 0; p < PRODUCERS; p++)
        pthread_join(t[p], NULL);
    assert_int_equal(total, PRODUCERS * PER_PRODUCER);
    free(items);
    actr_inbox_destroy(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_single_thread),
        cmocka_unit_test(test_bound_and_close),
        cmocka_unit_test(test_full_inbox_waits_for_space),
        cmocka_unit_test(test_many_producers_keep_their_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
