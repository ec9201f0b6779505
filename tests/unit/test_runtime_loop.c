/* test_runtime_loop - the I/O thread: commands run on the loop thread in order, actr_loop_call
 * waits, and stop closes forgotten handles so uv_loop_close() succeeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "actr/error.h"
#include "lifecycle/loop.h"
#include "rt_fixture.h"

typedef struct order {
    actr_loop_t *loop;
    int seen[64];
    int n;
    int on_thread;
} order_t;

typedef struct step {
    order_t *o;
    int value;
} step_t;

static void record(uv_loop_t *uv, void *arg)
{
    step_t *s = arg;
    (void)uv;
    s->o->seen[s->o->n++] = s->value;
    if (actr_loop_on_thread(s->o->loop))
        s->o->on_thread++;
}

static void test_post_runs_in_order_on_loop_thread(void **state)
{
    (void)state;
    order_t o = {0};
    assert_int_equal(actr_loop_new(0, &o.loop), 0);
    assert_false(actr_loop_on_thread(o.loop));
    step_t steps[32];
    for (int i = 0; i < 32; i++) {
        steps[i] = (step_t){&o, i};
        assert_int_equal(actr_loop_post(o.loop, record, &steps[i]), 0);
    }
    /* actr_loop_call runs after everything posted before it. */
    step_t last = {&o, 99};
    assert_int_equal(actr_loop_call(o.loop, record, &last), 0);
    assert_int_equal(o.n, 33);
    for (int i = 0; i < 32; i++)
        assert_int_equal(o.seen[i], i);
    assert_int_equal(o.seen[32], 99);
    assert_int_equal(o.on_thread, 33);
    assert_int_equal(actr_loop_free(o.loop), 0);
}

static void test_post_cmd_without_allocation(void **state)
{
    (void)state;
    order_t o = {0};
    assert_int_equal(actr_loop_new(4, &o.loop), 0);
    step_t s = {&o, 7};
    actr_loop_cmd_t cmd = {.fn = record, .arg = &s};
    assert_int_equal(actr_loop_post_cmd(o.loop, &cmd), 0);
    step_t fence = {&o, 8};
    assert_int_equal(actr_loop_call(o.loop, record, &fence), 0);
    assert_int_equal(o.seen[0], 7);
    assert_int_equal(actr_loop_free(o.loop), 0);
}

static void open_timer(uv_loop_t *uv, void *arg)
{
    uv_timer_t *t = arg;
    uv_timer_init(uv, t);
    uv_timer_start(t, NULL, 1000000, 0); /* never fires during the test */
}

static void test_stop_closes_forgotten_handles(void **state)
{
    (void)state;
    actr_loop_t *loop;
    assert_int_equal(actr_loop_new(0, &loop), 0);
    static uv_timer_t timer;
    assert_int_equal(actr_loop_call(loop, open_timer, &timer), 0);
    /* Posted commands still run at stop; the leftover timer is closed, the loop closes. */
    assert_int_equal(actr_loop_free(loop), 0);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    actr_loop_t *loop;
    assert_int_equal(actr_loop_new(3, &loop), ACTR_EINVAL);
    assert_int_equal(actr_loop_new(0, NULL), ACTR_EINVAL);
    assert_int_equal(actr_loop_new(0, &loop), 0);
    assert_int_equal(actr_loop_post(loop, NULL, NULL), ACTR_EINVAL);
    assert_int_equal(actr_loop_free(loop), 0);
    assert_int_equal(actr_loop_free(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_runs_in_order_on_loop_thread),
        cmocka_unit_test(test_post_cmd_without_allocation),
        cmocka_unit_test(test_stop_closes_forgotten_handles),
        cmocka_unit_test(test_invalid_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
