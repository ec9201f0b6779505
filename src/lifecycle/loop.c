/* loop.c - the I/O thread: a libuv loop fed by a bounded MPSC command queue and a uv_async_t. */
#include "lifecycle/loop.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "actr/error.h"
#include "actr/log.h"
#include "base/mpsc.h"

struct actr_loop {
    uv_loop_t uv;
    uv_async_t wakeup;
    actr_mpsc_t *queue;
    pthread_t thread;
    size_t leaked;
};

/* Commands queued by actr_loop_post() own their allocation; post_cmd ones are the caller's. */
typedef struct owned_cmd {
    actr_loop_cmd_t cmd; /* runs run_owned(oc) */
    actr_loop_fn fn;     /* the caller's */
    void *arg;
} owned_cmd_t;

static _Thread_local const actr_loop_t *tl_loop;

static void close_leftover(uv_handle_t *h, void *arg)
{
    actr_loop_t *l = arg;
    if (uv_is_closing(h) || h == (uv_handle_t *)&l->wakeup)
        return;
    l->leaked++;
    actr_log(ACTR_LOG_WARN, "loop", "closing a handle left open at stop",
             ACTR_KV("type", uv_handle_type_name(uv_handle_get_type(h))));
    uv_close(h, NULL);
}

/* Runs at most one queue's worth of commands per wakeup so timers and sockets are not starved
 * by a producer that keeps posting; rearms itself when more are waiting. */
static void on_wakeup(uv_async_t *async)
{
    actr_loop_t *l = async->data;
    size_t budget = actr_mpsc_capacity(l->queue);
    for (size_t i = 0; i < budget; i++) {
        void *item;
        int rc = actr_mpsc_try_pop(l->queue, &item);
        if (rc == ACTR_EAGAIN)
            return;
        if (rc == ACTR_ECLOSED) {
            /* Stop: every accepted command has run; close what is left so uv_run returns. */
            uv_close((uv_handle_t *)&l->wakeup, NULL);
            uv_walk(&l->uv, close_leftover, l);
            return;
        }
        actr_loop_cmd_t *cmd = item;
        cmd->fn(&l->uv, cmd->arg);
    }
    uv_async_send(&l->wakeup);
}

static void *loop_main(void *arg)
{
    actr_loop_t *l = arg;
    tl_loop = l;
    uv_run(&l->uv, UV_RUN_DEFAULT);
    /* Close callbacks of handles closed in the last iteration. */
    uv_run(&l->uv, UV_RUN_DEFAULT);
    return NULL;
}

int actr_loop_new(size_t capacity, actr_loop_t **out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    if (capacity == 0)
        capacity = ACTR_LOOP_DEFAULT_QUEUE;
    actr_loop_t *l = calloc(1, sizeof *l);
    if (!l)
        return ACTR_ENOMEM;
    int rc = actr_mpsc_new(capacity, &l->queue);
    if (rc != 0) {
        free(l);
        return rc;
    }
    if (uv_loop_init(&l->uv) != 0) {
        actr_mpsc_free(l->queue);
        free(l);
        return ACTR_EINTERNAL;
    }
    if (uv_async_init(&l->uv, &l->wakeup, on_wakeup) != 0) {
        uv_loop_close(&l->uv);
        actr_mpsc_free(l->queue);
        free(l);
        return ACTR_EINTERNAL;
    }
    l->wakeup.data = l;
    if (pthread_create(&l->thread, NULL, loop_main, l) != 0) {
        uv_close((uv_handle_t *)&l->wakeup, NULL);
        uv_run(&l->uv, UV_RUN_DEFAULT);
        uv_loop_close(&l->uv);
        actr_mpsc_free(l->queue);
        free(l);
        return ACTR_EINTERNAL;
    }
    *out = l;
    return 0;
}

int actr_loop_post_cmd(actr_loop_t *loop, actr_loop_cmd_t *cmd)
{
    if (!loop || !cmd || !cmd->fn)
        return ACTR_EINVAL;
    int rc = actr_mpsc_try_push(loop->queue, cmd);
    if (rc == 0)
        uv_async_send(&loop->wakeup);
    return rc;
}

static void run_owned(uv_loop_t *uv, void *arg)
{
    owned_cmd_t *oc = arg;
    actr_loop_fn fn = oc->fn;
    void *user = oc->arg;
    free(oc); /* before fn, so fn may post again or stop the loop */
    fn(uv, user);
}

int actr_loop_post(actr_loop_t *loop, actr_loop_fn fn, void *arg)
{
    if (!loop || !fn)
        return ACTR_EINVAL;
    owned_cmd_t *oc = malloc(sizeof *oc);
    if (!oc)
        return ACTR_ENOMEM;
    oc->cmd.fn = run_owned;
    oc->cmd.arg = oc;
    oc->fn = fn;
    oc->arg = arg;
    int rc = actr_loop_post_cmd(loop, &oc->cmd);
    if (rc != 0)
        free(oc);
    return rc;
}

/* actr_loop_call(): the caller sleeps on done until the loop thread has run the function. */
typedef struct sync_call {
    actr_loop_fn fn;
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
} sync_call_t;

static void run_sync(uv_loop_t *uv, void *arg)
{
    sync_call_t *sc = arg;
    sc->fn(uv, sc->arg);
    pthread_mutex_lock(&sc->lock);
    sc->done = 1;
    pthread_cond_signal(&sc->cond);
    pthread_mutex_unlock(&sc->lock);
}

int actr_loop_call(actr_loop_t *loop, actr_loop_fn fn, void *arg)
{
    if (!loop || !fn)
        return ACTR_EINVAL;
    if (actr_loop_on_thread(loop)) {
        fn(&loop->uv, arg);
        return 0;
    }
    sync_call_t sc = {.fn = fn, .arg = arg, .done = 0};
    pthread_mutex_init(&sc.lock, NULL);
    pthread_cond_init(&sc.cond, NULL);
    actr_loop_cmd_t cmd = {.fn = run_sync, .arg = &sc};
    int rc;
    /* Full queue: back off briefly; the loop drains it on every wakeup. */
    while ((rc = actr_loop_post_cmd(loop, &cmd)) == ACTR_EAGAIN) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    if (rc == 0) {
        pthread_mutex_lock(&sc.lock);
        while (!sc.done)
            pthread_cond_wait(&sc.cond, &sc.lock);
        pthread_mutex_unlock(&sc.lock);
    }
    pthread_cond_destroy(&sc.cond);
    pthread_mutex_destroy(&sc.lock);
    return rc;
}

uv_loop_t *actr_loop_uv(actr_loop_t *loop)
{
    return loop ? &loop->uv : NULL;
}

bool actr_loop_on_thread(const actr_loop_t *loop)
{
    return loop && tl_loop == loop;
}

size_t actr_loop_leaked_handles(const actr_loop_t *loop)
{
    return loop ? loop->leaked : 0;
}

int actr_loop_free(actr_loop_t *loop)
{
    if (!loop)
        return 0;
    /* Queued commands still run; the wakeup then closes everything and uv_run returns. */
    actr_mpsc_close(loop->queue);
    uv_async_send(&loop->wakeup);
    pthread_join(loop->thread, NULL);
    int rc = uv_loop_close(&loop->uv) == 0 ? 0 : ACTR_EINTERNAL;
    if (rc != 0)
        actr_log(ACTR_LOG_ERROR, "loop", "uv_loop_close failed: a handle is still open");
    actr_mpsc_free(loop->queue);
    free(loop);
    return rc;
}
