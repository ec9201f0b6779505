/*
 * scheduler.h - the conflict-key scheduler of one actor (spec: runtime.md §8.2), built for a
 * worker pool that PULLS work: the scheduler never runs anything, it only decides which admitted
 * job may start now.
 *
 * Invariants:
 *   1. Same key: strict FIFO, at most one in flight; the next starts only after done().
 *   2. Distinct scoped keys: up to `budget` (C, default 8) in flight; ready keys are served
 *      round-robin (a key goes back to the tail of the ready queue after each job).
 *   3. Serial (conflict_key.h) is a global barrier: it starts only when nothing is in flight
 *      and runs alone; while a Serial job waits, no new scoped job starts (so a stream of
 *      scoped work cannot starve it). Consequence: a Serial job may start before scoped jobs
 *      that were queued earlier but had not started.
 *   4. Admission: a job holds one of `queue_cap` (M, default 256) permits from submit() until
 *      done(); permits cover queued plus in-flight jobs. When none is left, submit() blocks up
 *      to the caller's timeout (the back-pressure point), permits going to blocked submitters
 *      in arrival order, then fails with ACTR_EAGAIN. A timeout of 0 never blocks (for the loop
 *      thread: stop reading and wait for on_space).
 *   5. Shutdown: close() refuses new submits (ACTR_ECLOSED, also to blocked submitters); every
 *      admitted job is still handed out by next() and the scheduler is drained once the last
 *      one is done().
 *
 * Worker protocol (docs/DISPATCH.md): submit(), next() and done() each report whether a job
 * could start right now ("runnable"); whenever one says yes, the pool makes sure the actor is
 * in its run queue. A worker that takes the actor calls next(); NULL means another worker got
 * there first (harmless). Jobs of one actor may run on several workers at once: that is the
 * point of distinct keys.
 *
 *   actr_sched_job_t *job = actr_sched_next(s, &more);
 *   if (job) {
 *       if (more) run_queue_push(actor);       // let another worker start a sibling
 *       run(job->user);
 *       if (actr_sched_done(s, job)) run_queue_push(actor);
 *   }
 *
 * Thread safety: every function may be called from any thread (one mutex per scheduler).
 */
#ifndef ACTR_DISPATCH_SCHEDULER_H
#define ACTR_DISPATCH_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dispatch/conflict_key.h"

#define ACTR_SCHED_DEFAULT_BUDGET 8
#define ACTR_SCHED_DEFAULT_QUEUE_CAP 256
#define ACTR_SCHED_MAX_QUEUE_CAP (1u << 24)

typedef struct actr_sched actr_sched_t;
struct actr_sched_lane;

/*
 * One unit of work, embedded by the caller in its own message struct (the scheduler allocates
 * nothing per job). It must stay valid and untouched from submit() until done() or until the
 * scheduler hands it back to the drop callback of actr_sched_free().
 */
typedef struct actr_sched_job {
    struct actr_sched_job *next_;  /* private: the lane's FIFO */
    struct actr_sched_lane *lane_; /* private: the key it belongs to */
    void *user;                    /* yours */
} actr_sched_job_t;

typedef struct actr_sched_config {
    uint32_t budget;    /* C: scoped jobs in flight at once, >= 1 */
    uint32_t queue_cap; /* M: jobs admitted (queued + in flight), budget .. MAX_QUEUE_CAP */
    /* Optional: called (outside the lock) when a permit frees up after a submit was refused
     * with ACTR_EAGAIN, once per refusal episode. For producers that must not block. */
    void (*on_space)(void *ud);
    void *on_space_ud;
} actr_sched_config_t;

/* budget 8, queue_cap 256, no on_space. */
void actr_sched_config_init(actr_sched_config_t *cfg);

/* Returns 0, ACTR_EINVAL (cfg out of range) or ACTR_ENOMEM. cfg NULL: the defaults. */
int actr_sched_new(const actr_sched_config_t *cfg, actr_sched_t **out);

/*
 * Frees the scheduler. Jobs still queued are handed to drop(ud, job) (NULL: just forgotten) so
 * their owners can fail them ("dispatch scheduler terminated"). No job may be in flight and no
 * thread may be inside another call. NULL is ignored.
 */
void actr_sched_free(actr_sched_t *s, void (*drop)(void *ud, actr_sched_job_t *job), void *ud);

/*
 * Admits job under key (NULL or a Serial key: the barrier; the key is copied, keep or clear
 * yours). timeout_ms: 0 try once, > 0 wait that long for a permit, < 0 wait without limit.
 * *runnable (optional) tells whether a job can start now.
 * Returns 0, ACTR_EAGAIN (no permit in time), ACTR_ECLOSED (closed), ACTR_EINVAL or
 * ACTR_ENOMEM (job not admitted in every error case).
 */
int actr_sched_submit(actr_sched_t *s, actr_sched_job_t *job, const actr_conflict_key_t *key,
                      int64_t timeout_ms, bool *runnable);

/*
 * Hands out a job that may start now and marks it in flight, or returns NULL. *more (optional)
 * tells whether yet another job could start now.
 */
actr_sched_job_t *actr_sched_next(actr_sched_t *s, bool *more);

/* Ends an in-flight job: frees its key and permit. Returns whether a job can start now. */
bool actr_sched_done(actr_sched_t *s, actr_sched_job_t *job);

/* Whether a job could start now. */
bool actr_sched_runnable(actr_sched_t *s);

/* Stops intake (invariant 5). Idempotent. */
void actr_sched_close(actr_sched_t *s);

/* Closed and every admitted job done. */
bool actr_sched_drained(actr_sched_t *s);

/*
 * Waits until drained (workers keep pulling meanwhile). timeout_ms as for submit.
 * Returns 0, ACTR_ETIMEDOUT or ACTR_ESTATE (not closed: it could never drain).
 */
int actr_sched_wait_drained(actr_sched_t *s, int64_t timeout_ms);

/* close() then wait_drained(). */
int actr_sched_shutdown(actr_sched_t *s, int64_t timeout_ms);

typedef struct actr_sched_stats {
    uint64_t submitted;      /* admitted jobs */
    uint64_t completed;      /* done() calls */
    uint64_t blocked;        /* submits that had to wait for a permit */
    uint64_t refused;        /* submits that returned ACTR_EAGAIN */
    uint64_t serial_started; /* Serial jobs handed out */
    uint32_t queued;         /* admitted, not started */
    uint32_t in_flight;      /* handed out, not done */
    uint32_t peak_in_flight; /* highest in_flight seen */
    uint32_t lanes;          /* scoped keys with queued or in-flight work */
    uint32_t budget, queue_cap;
} actr_sched_stats_t;

void actr_sched_stats(actr_sched_t *s, actr_sched_stats_t *out);

/*
 * 1 when the environment variable ACTR_DISPATCH_SERIAL is exactly "1", "true", "TRUE" or "yes"
 * (the reference's values): every actor then stays serial.
 */
bool actr_dispatch_serial_forced(void);

/*
 * Whether an actor gets a scheduler: concurrency enabled in its config, not forced serial by
 * the environment, and at least one declared conflict key (spec may be NULL: none). Otherwise
 * the actor runs fully serial with no scheduler cost.
 */
bool actr_dispatch_engaged(bool enabled, const actr_conflict_spec_t *spec);

#endif /* ACTR_DISPATCH_SCHEDULER_H */
