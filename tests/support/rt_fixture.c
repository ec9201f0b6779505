/* rt_fixture.c - runtime test helpers (see rt_fixture.h). */
#include "rt_fixture.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/clock.h"

actr_hyper_t *rt_hyper_opts(const actr_hyper_options_t *opts)
{
    actr_hyper_t *h = NULL;
    actr_error_t err = {0};
    int rc = actr_hyper_new(opts, &h, &err);
    if (rc != 0)
        fail_msg("actr_hyper_new: %s", err.message);
    return h;
}

actr_hyper_t *rt_hyper(uint32_t workers)
{
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    o.workers = workers;
    o.spin_us = 20;
    return rt_hyper_opts(&o);
}

actr_node_t *rt_node_registered(actr_hyper_t *h, const char *name, const actr_route_t *routes,
                                size_t n, const actr_workload_vtable_t *hooks, void *self)
{
    actr_error_t err = {0};
    actr_node_t *node = NULL;
    actr_type_t type;
    actr_workload_t wl;
    if (actr_node_new(h, NULL, &node, &err) != 0 ||
        actr_type_set(&type, "acme", name, "1.0", &err) != 0 ||
        actr_node_set_type(node, &type, &err) != 0 ||
        actr_workload_from_routes(routes, n, hooks, self, &wl, &err) != 0 ||
        actr_node_link(node, &wl, &err) != 0 || actr_node_register_local(node, 1, 0, &err) != 0)
        fail_msg("node %s: %s", name, err.message);
    return node;
}

actr_node_t *rt_node(actr_hyper_t *h, const char *name, const actr_route_t *routes, size_t n,
                     const actr_workload_vtable_t *hooks, void *self, actr_ref_t **ref)
{
    actr_node_t *node = rt_node_registered(h, name, routes, n, hooks, self);
    actr_error_t err = {0};
    actr_ref_t *r = NULL;
    if (actr_node_start(node, &r, &err) != 0)
        fail_msg("start %s: %s", name, err.message);
    if (ref)
        *ref = r;
    return node;
}

void rt_gate_init(rt_gate_t *g)
{
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
    g->open = 0;
    g->waiting = 0;
}

void rt_gate_destroy(rt_gate_t *g)
{
    pthread_cond_destroy(&g->cond);
    pthread_mutex_destroy(&g->lock);
}

void rt_gate_open(rt_gate_t *g)
{
    pthread_mutex_lock(&g->lock);
    g->open = 1;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

static void deadline_in(int timeout_ms, struct timespec *ts)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += timeout_ms / 1000;
    ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

bool rt_gate_wait(rt_gate_t *g, int timeout_ms)
{
    struct timespec ts;
    deadline_in(timeout_ms, &ts);
    pthread_mutex_lock(&g->lock);
    g->waiting++;
    pthread_cond_broadcast(&g->cond);
    int rc = 0;
    while (!g->open && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&g->cond, &g->lock, &ts);
    bool ok = g->open != 0;
    g->waiting--;
    pthread_mutex_unlock(&g->lock);
    return ok;
}

bool rt_gate_wait_waiters(rt_gate_t *g, int n, int timeout_ms)
{
    struct timespec ts;
    deadline_in(timeout_ms, &ts);
    pthread_mutex_lock(&g->lock);
    int rc = 0;
    while (g->waiting < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&g->cond, &g->lock, &ts);
    bool ok = g->waiting >= n;
    pthread_mutex_unlock(&g->lock);
    return ok;
}

void rt_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

bool rt_wait_until(bool (*pred)(void *), void *arg, int timeout_ms)
{
    for (int i = 0; i < timeout_ms; i++) {
        if (pred(arg))
            return true;
        rt_sleep_ms(1);
    }
    return pred(arg);
}

static bool count_reached(void *arg)
{
    const int *const *p = arg;
    return __atomic_load_n(p[0], __ATOMIC_SEQ_CST) >= *p[1];
}

bool rt_wait_count(const volatile int *counter, int value, int timeout_ms)
{
    const int *args[2] = {(const int *)counter, &value};
    return rt_wait_until(count_reached, args, timeout_ms);
}

actr_buf_t rt_str(const char *s)
{
    return actr_buf_static(s, strlen(s));
}
