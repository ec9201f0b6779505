/*
 * loop.h - the hyper's I/O thread: one libuv loop that owns every socket and timer, and a way
 * for any thread to run a function on it (docs/RUNTIME.md §1).
 *
 * Commands go through one bounded MPSC queue (base/mpsc.h) plus a uv_async_t wakeup. Full
 * policy: actr_loop_post() never blocks and returns ACTR_EAGAIN when the queue is full; the
 * caller fails its operation upstream (the in-process transport fails the call with
 * ACTR_EAGAIN). actr_loop_call() waits instead and is meant for setup, not hot paths.
 *
 *   static void start_timer(uv_loop_t *uv, void *arg) { uv_timer_init(uv, ...); ... }
 *   actr_loop_post(loop, start_timer, ctx);
 *
 * Stop: actr_loop_free() refuses new commands, runs those already queued, closes any handle a
 * module forgot (with a warning naming its type), and checks uv_loop_close() == 0.
 */
#ifndef ACTR_LIFECYCLE_LOOP_H
#define ACTR_LIFECYCLE_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct actr_loop actr_loop_t;

/* A command: runs on the loop thread with the loop's uv_loop_t. */
typedef void (*actr_loop_fn)(uv_loop_t *uv, void *arg);

#define ACTR_LOOP_DEFAULT_QUEUE 4096

/* Creates the loop and starts its thread. capacity: a power of two (0: the default).
 * Returns 0, ACTR_EINVAL, ACTR_ENOMEM or ACTR_EINTERNAL. */
int actr_loop_new(size_t capacity, actr_loop_t **out);

/* Queues fn(uv, arg) for the loop thread. Any thread, the loop thread included (the command
 * then runs on a later iteration). Returns 0, ACTR_EAGAIN (queue full) or ACTR_ECLOSED. */
int actr_loop_post(actr_loop_t *loop, actr_loop_fn fn, void *arg);

/*
 * The allocation-free form of actr_loop_post(): cmd is the caller's (embed it in your own
 * struct) and must stay valid and unused until cmd->fn has started running.
 */
typedef struct actr_loop_cmd {
    struct actr_loop_cmd *next_; /* private */
    actr_loop_fn fn;
    void *arg;
} actr_loop_cmd_t;

int actr_loop_post_cmd(actr_loop_t *loop, actr_loop_cmd_t *cmd);

/* Runs fn(uv, arg) on the loop thread and waits until it has returned (inline when called on
 * the loop thread). Retries while the queue is full. Returns 0 or ACTR_ECLOSED. */
int actr_loop_call(actr_loop_t *loop, actr_loop_fn fn, void *arg);

/* The libuv loop: touch it only from the loop thread (inside commands and callbacks). */
uv_loop_t *actr_loop_uv(actr_loop_t *loop);

/* Whether the calling thread is this loop's thread. */
bool actr_loop_on_thread(const actr_loop_t *loop);

/* Handles closed at stop because their owner had not closed them (0 for a clean stop). */
size_t actr_loop_leaked_handles(const actr_loop_t *loop);

/* Stops and joins the thread, then frees. Returns 0, or ACTR_EINTERNAL when uv_loop_close()
 * failed (a handle could not be closed). Not from the loop thread. NULL: 0. */
int actr_loop_free(actr_loop_t *loop);

#endif /* ACTR_LIFECYCLE_LOOP_H */
