/*
 * workers.h - the hyper's worker pool: threads that run actor turns taken from a shared run
 * queue and a local queue per worker (docs/RUNTIME.md §1).
 *
 * The pool knows nothing about actors: it runs actr_runnable_t items. An actor submits itself
 * when it becomes ready (first message into an idle inbox); a worker takes it, calls run(), and
 * run() executes a bounded batch (the pool's batch size, 32 by default) of that actor's
 * messages. run() says whether the actor still has work: the worker then continues with it if
 * nobody else is waiting, else puts it at the tail of the run queue (fairness). An item is never
 * in the queue twice and never run by two workers at once as long as its owner only submits it
 * when it moves from idle to ready (the actor's scheduled flag, lifecycle/actor.c).
 *
 * Blocking: a run() that blocks (a synchronous call inside a handler) brackets the wait with
 * actr_workers_block_begin/end(). When too few workers are left to make progress the pool starts
 * a spare thread (up to max_workers), so blocked handlers cannot starve the actors they wait for;
 * a spare that then finds no work for half a second exits again.
 *
 * Locality: an actor made ready by a worker (a handler's tell) goes to that worker's local queue
 * (submit_local), so a sender and its receiver take turns on one core with the messages still in
 * its cache, as in Erlang's and Go's schedulers. Another worker takes such an item only once it
 * waited 300 us (a busy or long turn ahead of it), and a worker about to wait hands its local
 * queue to the shared one first (share_local, block_begin).
 *
 * Idle workers spin for spin_us, watching the queue, before they sleep on a condition variable
 * (at most half the workers spin at once, at least one); submit() signals only when a worker is
 * asleep.
 */
#ifndef ACTR_LIFECYCLE_WORKERS_H
#define ACTR_LIFECYCLE_WORKERS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct actr_workers actr_workers_t;

typedef struct actr_runnable actr_runnable_t;

/* run()'s answer. */
typedef enum actr_run_result {
    ACTR_RUN_IDLE = 0, /* no more work: the owner released it (it will submit again) */
    ACTR_RUN_MORE = 1, /* still owned and has more work: run it again */
} actr_run_result_t;

struct actr_runnable {
    actr_runnable_t *next_; /* private: the run queue */
    uint64_t queued_ns_;    /* private: when it was put on a local queue */
    actr_run_result_t (*run)(actr_runnable_t *self, uint32_t batch);
};

typedef struct actr_workers_options {
    uint32_t threads;     /* base pool size; 0: online CPUs */
    uint32_t max_threads; /* with spares for blocked workers; >= threads */
    uint32_t batch;       /* passed to run(); >= 1 */
    uint32_t spin_us;     /* idle spin before sleeping; 0: none */
} actr_workers_options_t;

/* Starts the threads. Returns 0, ACTR_EINVAL, ACTR_ENOMEM or ACTR_EINTERNAL. */
int actr_workers_new(const actr_workers_options_t *opts, actr_workers_t **out);

/* Appends r to the run queue. Any thread. r must not be queued or running already. */
void actr_workers_submit(actr_workers_t *w, actr_runnable_t *r);

/* Like submit(), but from a worker of w the item goes to that worker's local queue. */
void actr_workers_submit_local(actr_workers_t *w, actr_runnable_t *r);

/* Takes r off the calling worker's local queue, if it is there: the caller then owns it as if
 * a worker had picked it (runs it, then submits it again if it has more work). */
bool actr_workers_claim_local(actr_workers_t *w, actr_runnable_t *r);

/* Hands the calling worker's local queue to the shared one: call before waiting for something
 * an actor it made ready may have to do. No-op off w's workers or with nothing queued. */
void actr_workers_share_local(actr_workers_t *w);

/* Whether the calling thread is one of this pool's workers (NULL: any pool's). */
bool actr_workers_on_worker(const actr_workers_t *w);

/* Around a blocking wait inside run(). Only on a worker thread; no-ops elsewhere. Callers first
 * wait up to ACTR_WORKERS_BLOCK_GRACE_MS without them: a short wait is not worth a thread. */
#define ACTR_WORKERS_BLOCK_GRACE_MS 1
void actr_workers_block_begin(actr_workers_t *w);
void actr_workers_block_end(actr_workers_t *w);

/* Threads started so far (spares included). */
uint32_t actr_workers_count(actr_workers_t *w);

/* Whether no runnable is waiting for a worker (a hint: lets a turn linger on its actor). */
bool actr_workers_idle_queue(actr_workers_t *w);

/* The batch size handed to run(). */
uint32_t actr_workers_batch(const actr_workers_t *w);

/* The spin budget (callers that wait for an answer spin as long as an idle worker). */
uint32_t actr_workers_spin_us(const actr_workers_t *w);

/* Stops and joins every thread. The run queue must be empty (every actor stopped). NULL ok. */
void actr_workers_free(actr_workers_t *w);

#endif /* ACTR_LIFECYCLE_WORKERS_H */
