/* test_mailbox_async.c - actr_mailbox_enqueue_async(): completions report the commit (durable:
 * on the writer thread, after the row is in the file; memory: at once), messages become visible
 * in order, many enqueues share group commits, and a closed mailbox refuses without a callback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actr/mailbox.h"
#include "mbox_fixture.h"

#define N 200

typedef struct counter {
    pthread_mutex_t lock;
    int done, failed;
    actr_mailbox_id_t ids[N];
} counter_t;

static void on_enqueued(void *arg, int status, const actr_mailbox_id_t *id, const actr_error_t *err)
{
    (void)err;
    counter_t *c = arg;
    pthread_mutex_lock(&c->lock);
    if (status == 0 && c->done < N)
        c->ids[c->done] = *id;
    if (status == 0)
        c->done++;
    else
        c->failed++;
    pthread_mutex_unlock(&c->lock);
}

static int completed(counter_t *c)
{
    pthread_mutex_lock(&c->lock);
    int n = c->done + c->failed;
    pthread_mutex_unlock(&c->lock);
    return n;
}

static void run_case(mbox_fixture_t *fx)
{
    actr_mailbox_t *mb = mbox_open(fx, NULL);
    counter_t c = {.lock = PTHREAD_MUTEX_INITIALIZER};
    char text[16];
    for (int i = 0; i < N; i++) {
        snprintf(text, sizeof text, "m%03d", i);
        actr_buf_t b = actr_buf_static(text, strlen(text)); /* copied by the mailbox */
        actr_buf_t own;
        assert_int_equal(actr_buf_copy(b.data, b.len, &own), 0);
        assert_int_equal(actr_mailbox_enqueue_async(mb, "sender", 6, &own, ACTR_MSG_NORMAL,
                                                    on_enqueued, &c, NULL),
                         0);
        actr_buf_release(&own);
    }
    for (int i = 0; i < 5000 && completed(&c) < N; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(c.done, N);
    assert_int_equal(c.failed, 0);
    /* Committed means dequeuable, in enqueue order (one producer). */
    actr_mailbox_msg_t m[N];
    size_t got = 0;
    while (got < N) {
        size_t n = mbox_take(mb, m + got, N - got);
        assert_true(n > 0);
        got += n;
    }
    for (int i = 0; i < N; i++) {
        snprintf(text, sizeof text, "m%03d", i);
        mbox_assert_payload(&m[i], text);
        assert_memory_equal(m[i].id.bytes, c.ids[i].bytes, 16);
    }
    mbox_ack_all(mb, m, N);
    actr_mailbox_close(mb);
}

static void test_async_memory(void **state)
{
    run_case(*state);
}

static void test_async_durable_survives_reopen(void **state)
{
    mbox_fixture_t *fx = *state;
    run_case(fx);
    /* Every callback came after its commit: a message reported enqueued is in the file. */
    actr_mailbox_t *mb = mbox_open(fx, NULL);
    counter_t c = {.lock = PTHREAD_MUTEX_INITIALIZER};
    actr_buf_t b = actr_buf_static("kept", 4);
    assert_int_equal(
        actr_mailbox_enqueue_async(mb, NULL, 0, &b, ACTR_MSG_HIGH, on_enqueued, &c, NULL), 0);
    for (int i = 0; i < 5000 && completed(&c) < 1; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(c.done, 1);
    actr_mailbox_close(mb);
    mb = mbox_open(fx, NULL);
    actr_mailbox_msg_t m[2];
    assert_int_equal(mbox_take(mb, m, 2), 1);
    mbox_assert_payload(&m[0], "kept");
    mbox_ack_all(mb, m, 1);
    actr_mailbox_close(mb);
}

static void test_async_refused_after_shutdown(void **state)
{
    mbox_fixture_t *fx = *state;
    actr_mailbox_t *mb = mbox_open(fx, NULL);
    actr_mailbox_shutdown(mb);
    counter_t c = {.lock = PTHREAD_MUTEX_INITIALIZER};
    actr_buf_t b = actr_buf_static("late", 4);
    actr_error_t err;
    assert_int_equal(actr_mailbox_enqueue_async(mb, NULL, 0, &b, ACTR_MSG_NORMAL, on_enqueued, &c,
                                                &err),
                     ACTR_ECLOSED);
    assert_int_equal(completed(&c), 0);
    assert_int_equal(actr_mailbox_enqueue_async(mb, NULL, 0, &b, ACTR_MSG_NORMAL, NULL, NULL,
                                                &err),
                     ACTR_EINVAL);
    actr_mailbox_close(mb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_async_memory, mbox_setup_memory, mbox_teardown),
        cmocka_unit_test_setup_teardown(test_async_durable_survives_reopen, mbox_setup_durable,
                                        mbox_teardown),
        cmocka_unit_test_setup_teardown(test_async_refused_after_shutdown, mbox_setup_durable,
                                        mbox_teardown),
        cmocka_unit_test_setup_teardown(test_async_refused_after_shutdown, mbox_setup_memory,
                                        mbox_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
