/*
 * actor.h - the serial executor of one node: its inbox, its place in the worker pool, and the
 * turn that runs its messages (docs/RUNTIME.md §1 "Workers").
 *
 * Scheduling: `scheduled` is 1 while the actor is in the run queue or running. A producer that
 * pushes an item and finds it 0 sets it (CAS) and submits the actor; the worker that finds the
 * inbox empty clears it and re-checks the inbox (seq_cst on both sides, so either the producer
 * sees 0 or the worker sees the item). Hence one worker at a time: the actor is serial.
 *
 * Conflict-key scheduling (actor_sched.c, docs/DISPATCH.md "Engaged actors"): an actor with
 * declared keys gets a scheduler (dispatch/scheduler.h). Its turn then becomes a FEEDER: it
 * still takes the inbox in order, one worker at a time, but submits each request to the
 * scheduler, and `nslots` SLOT runnables pull admitted requests and run them, on several
 * workers at once for distinct keys. Everything else (lifecycle, hooks, completions, the stop
 * barrier) the feeder runs itself, only once every admitted request is done: a barrier.
 * Without keys none of this exists and the serial path below is unchanged.
 */
#ifndef ACTR_LIFECYCLE_ACTOR_H
#define ACTR_LIFECYCLE_ACTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "actr/ctx.h"
#include "lifecycle/inbox.h"
#include "lifecycle/request.h"
#include "lifecycle/workers.h"

struct actr_node;
struct actr_sched;
struct actr_conflict_spec;

/* Highest budget (C) of an engaged actor: one slot runnable per unit. */
#define ACTR_ACTOR_MAX_BUDGET 1024

/* A worker's place in an engaged actor: runs admitted requests (actor_sched.c). */
typedef struct actr_actor_slot {
    actr_runnable_t runnable;
    _Atomic int busy; /* in the run queue or running (the slot's own scheduled flag) */
    struct actr_actor *actor;
} actr_actor_slot_t;

/*
 * Tells an actor's entry sends, waiting to be published: consecutive tells to one target are
 * linked here and pushed as one chain (one exchange on the target's tail per ACTR_OUTBOX_MAX
 * tells, places reserved ACTR_OUTBOX_MAX at a time). Flushed when full, when the target
 * changes, before any call or wait, and when the entry returns, so a tell is delayed at most
 * until its entry ends and per-pair FIFO holds. Serial context only.
 */
#define ACTR_OUTBOX_MAX 32

typedef struct actr_outbox {
    struct actr_node *target; /* reference held while anything is pending */
    actr_inbox_item_t *first, *last;
    uint32_t pending;         /* items in the chain */
    uint32_t credits;         /* places reserved and not used yet */
    /* References on the last payload's block taken ahead (ACTR_OUTBOX_MAX at once) for the
     * next tells of the same bytes; dropped by the flush at the end of the entry. */
    actr_buf_t payload;
    uint32_t payload_refs;
} actr_outbox_t;

typedef struct actr_actor {
    actr_runnable_t runnable;
    actr_inbox_t inbox;
    _Atomic int scheduled;
    /* The actor this one's current turn is blocked on in a synchronous call (deadlock check);
     * read and written only under the hyper's wait_lock. */
    struct actr_actor *waiting_on;
    struct actr_node *node;
    actr_workers_t *workers;
    uint32_t hook_capacity;
    _Atomic uint32_t hooks_queued;
    _Atomic uint64_t hooks_dropped;
    /* Asynchronous calls made by this actor and not yet completed (failed at stop). */
    pthread_mutex_t out_lock;
    actr_request_t *outstanding;
    bool refuse_async; /* under out_lock: stop has begun */
    /* Workers inside run(): actr_actor_drain() waits for 0, because a worker still looks at
     * the inbox tail after it released `scheduled`. */
    _Atomic int in_run;
    actr_item_t stop_item;
    /* Consumer-owned (the serial context). */
    actr_outbox_t outbox;
    bool stopped; /* on_stop has run: entries are no longer called */
    /* Conflict-key scheduling (actor_sched.c); sched NULL: the serial actor. */
    struct actr_sched *sched;
    const struct actr_conflict_spec *spec; /* the node's, outlives the actor's entries */
    actr_actor_slot_t *slots;
    uint32_t nslots;
    _Atomic uint32_t jobs;      /* requests admitted and not done */
    uint32_t queue_cap;         /* M */
    _Atomic uint32_t feed_below; /* a stalled feeder waits for jobs <= this (UINT32_MAX: no) */
    _Atomic int feed_signal;    /* wake-up for a stalled feeder */
    actr_item_t *held;          /* feeder-owned: the item it could not place yet */
} actr_actor_t;

/* What a workload entry sees. Lives on the worker's stack for one entry. */
struct actr_ctx {
    struct actr_node *node;
    const actr_id_t *caller;
    actr_request_t *req;     /* the request being served, or NULL */
    const char *fixed_rid;   /* "lifecycle:on_start", "hook:...": NULL for requests */
    bool in_stop;            /* on_stop: async calls refused */
    char rid_buf[48];
};

/* A ctx for an entry of node; fixed_rid names lifecycle and hook entries (NULL otherwise). */
void actr_ctx_init(actr_ctx_t *ctx, struct actr_node *node, const char *fixed_rid);

int actr_actor_init(actr_actor_t *a, struct actr_node *node, actr_workers_t *workers,
                    uint32_t inbox_capacity, uint32_t hook_capacity);
/* After actr_actor_drain(); the inbox must be empty. */
void actr_actor_destroy(actr_actor_t *a);

/* Pushes a runtime item (not counted) or a counted item whose place is reserved, and makes sure
 * the actor is scheduled. Any thread. */
void actr_actor_push(actr_actor_t *a, actr_item_t *item);

/*
 * Direct hand-off for a synchronous call made from inside an entry: pushes the call's request
 * and, if the callee is idle, runs the callee's turns on THIS thread (the caller would only
 * wait) until the request is answered, then hands any remaining work to the pool. Saves the two
 * cross-thread wake-ups of a round trip. Returns whether the callee ran here.
 */
bool actr_actor_push_inline(actr_actor_t *a, actr_request_t *req);

/*
 * For a sender inside an entry that found a's inbox full: if a is queued on this worker's local
 * queue (made ready by this very sender, not running anywhere), runs a's turns here, up to an
 * inbox's worth, instead of waiting for a worker that would have to take it from us. Returns
 * whether a ran. The sender is marked as waiting on a meanwhile (a call back fails at once).
 */
bool actr_actor_help(actr_actor_t *a);

/*
 * Runs a lifecycle entry (ACTR_ITEM_LIFECYCLE: on_start or on_ready) on the actor's serial
 * context and waits for it. Returns the entry's result.
 */
int actr_actor_run_lifecycle(actr_actor_t *a, int which, actr_error_t *err);
#define ACTR_LIFECYCLE_ON_START 1
#define ACTR_LIFECYCLE_ON_READY 2

/* Queues the stop barrier (after actr_inbox_close()). Any thread, once. */
int actr_actor_stop(actr_actor_t *a);

/*
 * For actr_node_free(): takes the serial context for good (waits until no worker runs the
 * actor), then fails or frees every item still queued. After this no entry runs again.
 */
void actr_actor_drain(actr_actor_t *a);

/* The actor whose entry the calling thread is running, or NULL. */
actr_actor_t *actr_actor_current(void);

/*
 * Deadlock check for a synchronous call from the current entry of `self` to `target`: marks self
 * as waiting on target and fails (returns false) if target is self or transitively waits on
 * self. Call actr_actor_wait_end() after the call when it returned true, and BEFORE releasing
 * the reference on target (the walk relies on it, see struct actr_hyper.wait_lock).
 */
bool actr_actor_wait_begin(actr_actor_t *self, actr_actor_t *target);
void actr_actor_wait_end(actr_actor_t *self);

/* Pushes a chain of counted items into a and schedules it. */
void actr_actor_push_chain(actr_actor_t *a, actr_inbox_item_t *first, actr_inbox_item_t *last);

/* Publishes the actor's pending tells and gives back unused places and references (serial
 * context). */
void actr_actor_flush_outbox(actr_actor_t *a);
/* Publishes the pending tells only: places and references taken ahead stay for the next tells
 * of the same entry. */
void actr_actor_publish_outbox(actr_actor_t *a);

/* Outstanding async calls of this actor: add (false when stop has begun) and remove. */
bool actr_actor_track(actr_actor_t *a, actr_request_t *req);
void actr_actor_untrack(actr_actor_t *a, actr_request_t *req);

/*
 * Engages the conflict-key scheduler (after actr_actor_init, before the first push): budget C
 * slots, queue_cap M permits. spec is borrowed. Returns 0, ACTR_EINVAL or ACTR_ENOMEM.
 */
int actr_actor_engage(actr_actor_t *a, const struct actr_conflict_spec *spec, uint32_t budget,
                      uint32_t queue_cap);

/*
 * Whether the calling thread runs an entry of `a` that owns a's serial context (its outbox,
 * its target cache, its reference credits): any entry of a serial actor, and the barriers and
 * Serial-key requests of an engaged one, but not a request running beside others.
 */
bool actr_actor_serial_entry(const actr_actor_t *a);

/* ---- between actor.c and actor_sched.c ---- */

/* The engaged actor's turn: feeds the scheduler (actor_sched.c). */
actr_run_result_t actr_actor_feed(actr_actor_t *a, uint32_t batch);
/* Runs one request entry (any thread that may run it). */
void actr_actor_run_request(actr_actor_t *a, actr_request_t *req);
/* Runs a non-request item on the serial context; true: the turn must end (stop yielded). */
bool actr_actor_run_barrier(actr_actor_t *a, actr_item_t *it);
/* Makes the calling thread run entries of a (concurrent: beside other entries of a); returns
 * what actr_actor_leave() restores. */
typedef struct actr_actor_tls {
    actr_actor_t *current;
    bool concurrent;
} actr_actor_tls_t;
actr_actor_tls_t actr_actor_enter(actr_actor_t *a, bool concurrent);
void actr_actor_leave(actr_actor_tls_t saved);
/* End of a feeder turn: gives `scheduled` up unless more work (or a wake-up while stalled)
 * is there. stalled: the feeder holds an item and waits for feed_signal. */
actr_run_result_t actr_actor_end_turn(actr_actor_t *a, bool stalled);
/* Engaged: waits until no slot runs or is queued, then frees the scheduler's leftovers. */
void actr_actor_sched_drain(actr_actor_t *a);
void actr_actor_sched_destroy(actr_actor_t *a);

#endif /* ACTR_LIFECYCLE_ACTOR_H */
