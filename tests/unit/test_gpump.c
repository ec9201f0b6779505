/*
 * test_gpump.c - the GLib pump (src/wire/webrtc/gpump.c): an fd source dispatches on the loop
 * thread; GLib's own wakeup signalled during that dispatch does not cost another loop turn (the
 * loop then sleeps until its next real event); and a wakeup from another thread (a source
 * attached there) still reaches the loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib-unix.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "actr/error.h"
#include "wire/webrtc/gpump.h"

typedef struct fixture {
    uv_loop_t loop;
    actr_gpump_t *pump;
    uv_timer_t timer;
    int pipe[2];
    int fd_calls, timer_calls, idle_calls;
} fixture_t;

static gboolean on_fd(gint fd, GIOCondition cond, gpointer data)
{
    (void)cond;
    fixture_t *f = data;
    char c;
    if (read(fd, &c, 1) == 1)
        f->fd_calls++;
    return G_SOURCE_CONTINUE;
}

static gboolean on_idle(gpointer data)
{
    ((fixture_t *)data)->idle_calls++;
    return G_SOURCE_REMOVE;
}

static void on_timer(uv_timer_t *t)
{
    ((fixture_t *)t->data)->timer_calls++;
}

static void setup(fixture_t *f)
{
    memset(f, 0, sizeof(*f));
    assert_int_equal(uv_loop_init(&f->loop), 0);
    assert_int_equal(actr_gpump_new(&f->loop, &f->pump), 0);
    uv_timer_init(&f->loop, &f->timer);
    f->timer.data = f;
    assert_int_equal(pipe(f->pipe), 0);
}

static void teardown(fixture_t *f, GSource *src)
{
    if (src) {
        g_source_destroy(src);
        g_source_unref(src);
    }
    uv_close((uv_handle_t *)&f->timer, NULL);
    actr_gpump_close(f->pump);
    for (int i = 0; i < 100 && uv_run(&f->loop, UV_RUN_NOWAIT); i++)
        ;
    assert_int_equal(uv_loop_close(&f->loop), 0);
    close(f->pipe[0]);
    close(f->pipe[1]);
}

static void test_dispatch_leaves_no_self_wakeup(void **state)
{
    (void)state;
    fixture_t f;
    setup(&f);
    GSource *src = g_unix_fd_source_new(f.pipe[0], G_IO_IN);
    g_source_set_callback(src, (GSourceFunc)(void (*)(void))on_fd, &f, NULL);
    g_source_attach(src, actr_gpump_context(f.pump));
    for (int round = 0; round < 3; round++) {
        assert_int_equal(write(f.pipe[1], "x", 1), 1);
        for (int i = 0; i < 50 && f.fd_calls == round; i++)
            uv_run(&f.loop, UV_RUN_ONCE);
        assert_int_equal(f.fd_calls, round + 1);
        /* Nothing else is pending: the next turn must sleep until the timer. Had the pump left
         * GLib's wakeup fd readable (signalled while dispatching), it would return at once. */
        int before = f.timer_calls;
        uv_timer_start(&f.timer, on_timer, 30, 0);
        uv_run(&f.loop, UV_RUN_ONCE);
        assert_int_equal(f.timer_calls, before + 1);
    }
    teardown(&f, src);
}

static void *attach_idle(void *arg)
{
    fixture_t *f = arg;
    usleep(20 * 1000); /* let the loop block in epoll first */
    GSource *idle = g_idle_source_new();
    g_source_set_callback(idle, on_idle, f, NULL);
    g_source_attach(idle, actr_gpump_context(f->pump)); /* wakes the owner thread */
    g_source_unref(idle);
    return NULL;
}

static void test_cross_thread_wakeup_still_arrives(void **state)
{
    (void)state;
    fixture_t f;
    setup(&f);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, attach_idle, &f), 0);
    /* A 5 s timer bounds the wait; the idle source must run long before it. */
    uv_timer_start(&f.timer, on_timer, 5000, 0);
    for (int i = 0; i < 1000 && f.idle_calls == 0 && f.timer_calls == 0; i++)
        uv_run(&f.loop, UV_RUN_ONCE);
    pthread_join(th, NULL);
    assert_int_equal(f.idle_calls, 1);
    assert_int_equal(f.timer_calls, 0);
    uv_timer_stop(&f.timer);
    teardown(&f, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispatch_leaves_no_self_wakeup),
        cmocka_unit_test(test_cross_thread_wakeup_still_arrives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
