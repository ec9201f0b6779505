/*
 * rt_fixture.h - helpers for the runtime tests: an ephemeral hyper, nodes made from route
 * tables, a gate that handlers block on, and bounded polling. Every wait here is bounded.
 */
#ifndef ACTR_TEST_RT_FIXTURE_H
#define ACTR_TEST_RT_FIXTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "actr/ctx.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "actr/workload.h"

/* Bound of every wait in the runtime tests. */
#define RT_WAIT_MS 10000

/* A hyper with `workers` threads (0: default), no data dir, short spin. Asserts success. */
actr_hyper_t *rt_hyper(uint32_t workers);
actr_hyper_t *rt_hyper_opts(const actr_hyper_options_t *opts);

/* Builds, registers (realm 1, fresh serial) and starts a node of type acme:<name>:1.0 from a
 * route table. Asserts success. */
actr_node_t *rt_node(actr_hyper_t *h, const char *name, const actr_route_t *routes, size_t n,
                     const actr_workload_vtable_t *hooks, void *self, actr_ref_t **ref);

/* Same, but stops at REGISTERED and returns start()'s result. */
actr_node_t *rt_node_registered(actr_hyper_t *h, const char *name, const actr_route_t *routes,
                                size_t n, const actr_workload_vtable_t *hooks, void *self);

/* A latch: wait() blocks until open() (bounded: returns false on timeout). */
typedef struct rt_gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int open;
    int waiting;
} rt_gate_t;

void rt_gate_init(rt_gate_t *g);
void rt_gate_destroy(rt_gate_t *g);
void rt_gate_open(rt_gate_t *g);
bool rt_gate_wait(rt_gate_t *g, int timeout_ms);
/* Waits until at least n threads are blocked in rt_gate_wait(). */
bool rt_gate_wait_waiters(rt_gate_t *g, int n, int timeout_ms);

/* Polls pred(arg) every millisecond up to timeout_ms. */
bool rt_wait_until(bool (*pred)(void *), void *arg, int timeout_ms);
/* Polls until *counter >= value. */
bool rt_wait_count(const volatile int *counter, int value, int timeout_ms);

void rt_sleep_ms(int ms);

/* A static buffer view of a C string. */
actr_buf_t rt_str(const char *s);

#endif /* ACTR_TEST_RT_FIXTURE_H */
