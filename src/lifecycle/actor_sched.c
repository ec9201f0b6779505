/*
 * actor_sched.c - an actor with declared conflict keys (spec: runtime.md §8.2-8.3,
 * docs/DISPATCH.md "Engaged actors").
 *
 * The actor's own runnable becomes the FEEDER: one worker at a time takes the inbox in arrival
 * order and, for each request, reads its conflict key and submits it to the scheduler; it
 * runs every other item (lifecycle, hooks, async completions, the stop barrier) itself, but
 * only once every admitted request is done, so those stay barriers as in the reference's
 * interleaved runner. `nslots` SLOT runnables (one per unit of budget) pull what the
 * scheduler hands out and run it: distinct keys on several workers at once.
 *
 * Back-pressure: a submit never blocks the feeder (timeout 0). Without a permit the feeder
 * keeps the request (`held`), stops taking the inbox and sleeps until the admitted requests
 * (`jobs`) fall to half the permits (hysteresis: waking it for every freed permit would cost
 * a feeder turn per request); the inbox then fills and in-process senders wait for a place
 * up to their timeout, then get ACTR_EAGAIN, exactly as with a serial actor. A held barrier
 * waits the same way for the last admitted request (jobs == 0).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "dispatch/conflict_key.h"
#include "dispatch/scheduler.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/remote.h"

#define SLOT_OF(r) ((actr_actor_slot_t *)((char *)(r) - offsetof(actr_actor_slot_t, runnable)))
#define REQ_OF(it) ((actr_request_t *)((char *)(it) - offsetof(actr_request_t, item)))

/* One admitted request. Allocated per request: only engaged actors pay for it. */
typedef struct sched_entry {
    actr_sched_job_t job;
    actr_request_t *req;
    bool serial; /* a Serial key: runs alone, so it owns the serial context */
} sched_entry_t;

static actr_run_result_t slot_run(actr_runnable_t *r, uint32_t batch);

/* Wakes a stalled feeder (see release_actor() in actor.c). */
static void signal_feeder(actr_actor_t *a)
{
    atomic_store_explicit(&a->feed_signal, 1, memory_order_seq_cst);
    int expect = 0;
    if (atomic_compare_exchange_strong_explicit(&a->scheduled, &expect, 1, memory_order_seq_cst,
                                                memory_order_relaxed))
        actr_workers_submit(a->workers, &a->runnable);
}

#define NOT_WAITING UINT32_MAX

/* Whether the feeder may go on: jobs <= below now. If not, the slot whose job brings jobs
 * down to `below` wakes it (job_done); seq_cst on both sides, so one of them sees the other. */
static bool feeder_may_go(actr_actor_t *a, uint32_t below)
{
    atomic_store_explicit(&a->feed_below, below, memory_order_seq_cst);
    atomic_store_explicit(&a->feed_signal, 0, memory_order_seq_cst);
    if (atomic_load_explicit(&a->jobs, memory_order_seq_cst) > below)
        return false;
    atomic_store_explicit(&a->feed_below, NOT_WAITING, memory_order_relaxed);
    return true;
}

/* Makes sure a slot will call next(): takes an idle one. When every slot is busy, each of
 * them asks the scheduler again before it goes idle (slot_run), so nothing is lost. */
static void kick(actr_actor_t *a)
{
    for (uint32_t i = 0; i < a->nslots; i++) {
        actr_actor_slot_t *sl = &a->slots[i];
        int expect = 0;
        if (atomic_load_explicit(&sl->busy, memory_order_seq_cst) == 0 &&
            atomic_compare_exchange_strong_explicit(&sl->busy, &expect, 1, memory_order_seq_cst,
                                                    memory_order_relaxed)) {
            actr_workers_submit(a->workers, &sl->runnable);
            return;
        }
    }
}

int actr_actor_engage(actr_actor_t *a, const actr_conflict_spec_t *spec, uint32_t budget,
                      uint32_t queue_cap)
{
    if (!spec || budget < 1 || budget > ACTR_ACTOR_MAX_BUDGET)
        return ACTR_EINVAL;
    actr_sched_config_t cfg;
    actr_sched_config_init(&cfg);
    cfg.budget = budget;
    cfg.queue_cap = queue_cap;
    a->queue_cap = queue_cap;
    a->slots = calloc(budget, sizeof *a->slots);
    if (!a->slots)
        return ACTR_ENOMEM;
    int rc = actr_sched_new(&cfg, &a->sched);
    if (rc != 0) {
        free(a->slots);
        a->slots = NULL;
        a->sched = NULL;
        return rc;
    }
    for (uint32_t i = 0; i < budget; i++) {
        a->slots[i].runnable.run = slot_run;
        a->slots[i].actor = a;
        atomic_init(&a->slots[i].busy, 0);
    }
    a->nslots = budget;
    a->spec = spec;
    atomic_init(&a->jobs, 0);
    atomic_init(&a->feed_below, NOT_WAITING);
    atomic_init(&a->feed_signal, 0);
    a->held = NULL;
    return 0;
}

/* The conflict key of a request into *key (Serial unless its method declares one that could
 * be read). */
static void request_key(actr_actor_t *a, actr_request_t *req, actr_conflict_key_t *key)
{
    actr_conflict_key_init(key);
    if (req->direction != ACTR_DIR_REQUEST && req->direction != ACTR_DIR_TELL)
        return; /* dropped by run_request: as a barrier it cannot disturb anything */
    const actr_id_t *caller = req->caller ? &req->caller->id : actr_remote_caller(req);
    char id[ACTR_ID_STR_SIZE];
    size_t id_len = 0;
    if (caller && actr_id_format(caller, id, sizeof id, NULL) == 0)
        id_len = strnlen(id, sizeof id);
    actr_conflict_extract(a->spec, req->route_key, strnlen(req->route_key, ACTR_ROUTE_KEY_STR_SIZE),
                          id_len ? id : NULL, id_len, req->payload.data, req->payload.len, key);
}

/* Hands a request to the scheduler. Returns 0 (admitted), ACTR_EAGAIN (no permit: keep it) or
 * another error (run it as a barrier instead: always safe). */
static int submit(actr_actor_t *a, actr_request_t *req)
{
    sched_entry_t *e = malloc(sizeof *e);
    if (!e)
        return ACTR_ENOMEM;
    e->req = req;
    e->job.user = e;
    actr_conflict_key_t key;
    request_key(a, req, &key);
    e->serial = actr_conflict_key_is_serial(&key);
    bool runnable = false;
    /* Counted first: a slot may finish the job before submit() returns. */
    atomic_fetch_add_explicit(&a->jobs, 1, memory_order_seq_cst);
    int rc = actr_sched_submit(a->sched, &e->job, &key, 0, &runnable);
    actr_conflict_key_clear(&key);
    if (rc != 0) {
        atomic_fetch_sub_explicit(&a->jobs, 1, memory_order_seq_cst);
        free(e);
        return rc;
    }
    if (runnable)
        kick(a);
    return 0;
}

actr_run_result_t actr_actor_feed(actr_actor_t *a, uint32_t batch)
{
    atomic_fetch_add_explicit(&a->in_run, 1, memory_order_relaxed);
    actr_actor_tls_t outer = actr_actor_enter(a, false);
    uint32_t consumed = 0;
    bool stalled = false;
    for (uint32_t n = 0; n < batch; n++) {
        actr_item_t *it = a->held;
        a->held = NULL;
        if (!it && (it = (actr_item_t *)actr_inbox_pop(&a->inbox)) != NULL && it->counted)
            consumed++; /* a held item was counted when it was popped */
        if (!it)
            break;
        if (it->kind == ACTR_ITEM_REQUEST && !a->stopped) {
            int rc = submit(a, REQ_OF(it));
            if (rc == 0)
                continue;
            if (rc == ACTR_EAGAIN) {
                a->held = it;
                /* Wait for room for a good batch; a permit freed meanwhile: retry at once. */
                if (feeder_may_go(a, a->queue_cap / 2))
                    continue;
                stalled = true;
                break;
            }
            /* No memory for the job, or the scheduler is closed: run it as a barrier. */
        }
        if (!feeder_may_go(a, 0)) { /* a barrier waits for the last admitted request */
            a->held = it;
            stalled = true;
            break;
        }
        /* Alone now: places of the requests moved on are given back first (the stop barrier
         * counts reservations). */
        actr_inbox_release(&a->inbox, consumed);
        consumed = 0;
        if (it->kind == ACTR_ITEM_REQUEST) {
            actr_actor_run_request(a, REQ_OF(it));
            actr_actor_flush_outbox(a);
        } else if (actr_actor_run_barrier(a, it)) {
            break; /* the stop barrier went back to the tail */
        }
    }
    actr_inbox_release(&a->inbox, consumed);
    actr_actor_leave(outer);
    if (a->held && !stalled) {
        /* The batch ended right after a retry freed us to go on: the held item is work. */
        atomic_fetch_sub_explicit(&a->in_run, 1, memory_order_release);
        return ACTR_RUN_MORE;
    }
    return actr_actor_end_turn(a, stalled);
}

/* After a job: frees it and wakes a feeder waiting for the last one. What done() made
 * runnable is the calling slot's own next() (it loops, or returns MORE at the end of its
 * batch): kicking another slot for it would only wake a worker to find nothing. */
static void job_done(actr_actor_t *a, sched_entry_t *e)
{
    (void)actr_sched_done(a->sched, &e->job);
    free(e);
    uint32_t left = atomic_fetch_sub_explicit(&a->jobs, 1, memory_order_seq_cst) - 1;
    uint32_t below = atomic_load_explicit(&a->feed_below, memory_order_seq_cst);
    if (below != NOT_WAITING && left <= below &&
        atomic_exchange_explicit(&a->feed_below, NOT_WAITING, memory_order_seq_cst) != NOT_WAITING)
        signal_feeder(a);
}

static actr_run_result_t slot_run(actr_runnable_t *r, uint32_t batch)
{
    actr_actor_slot_t *sl = SLOT_OF(r);
    actr_actor_t *a = sl->actor;
    atomic_fetch_add_explicit(&a->in_run, 1, memory_order_relaxed);
    actr_run_result_t res = ACTR_RUN_IDLE;
    for (uint32_t n = 0; n < batch; n++) {
        bool more = false;
        actr_sched_job_t *job = actr_sched_next(a->sched, &more);
        if (!job)
            break;
        if (more)
            kick(a);
        sched_entry_t *e = job->user;
        /* A Serial job runs alone (invariant 3): it may use the serial context. */
        actr_actor_tls_t outer = actr_actor_enter(a, !e->serial);
        actr_actor_run_request(a, e->req);
        if (e->serial)
            actr_actor_flush_outbox(a);
        actr_actor_leave(outer);
        job_done(a, e);
        if (n + 1 == batch)
            res = ACTR_RUN_MORE; /* fairness: back to the run queue, still busy */
    }
    if (res == ACTR_RUN_IDLE) {
        /* Give the slot up, then look again: a kick that found us busy relied on it. */
        atomic_store_explicit(&sl->busy, 0, memory_order_seq_cst);
        int expect = 0;
        if (actr_sched_runnable(a->sched) &&
            atomic_compare_exchange_strong_explicit(&sl->busy, &expect, 1, memory_order_seq_cst,
                                                    memory_order_relaxed))
            res = ACTR_RUN_MORE;
    }
    atomic_fetch_sub_explicit(&a->in_run, 1, memory_order_release);
    return res;
}

void actr_actor_sched_drain(actr_actor_t *a)
{
    if (!a->sched)
        return;
    actr_sched_close(a->sched);
    /* A slot kicked for a job another slot took may still sit in the run queue: wait until
     * every slot has given itself up (it reads nothing of the actor after in_run). */
    for (uint32_t i = 0; i < a->nslots; i++)
        while (atomic_load_explicit(&a->slots[i].busy, memory_order_seq_cst))
            sched_yield();
}

/* Jobs still queued when the scheduler is freed (none after a normal stop): fail them. */
static void drop_job(void *ud, actr_sched_job_t *job)
{
    actr_actor_t *a = ud;
    sched_entry_t *e = job->user;
    a->stopped = true;
    actr_actor_run_request(a, e->req); /* stopped: a call is failed with ACTR_ECLOSED */
    free(e);
}

void actr_actor_sched_destroy(actr_actor_t *a)
{
    if (!a->sched)
        return;
    actr_sched_free(a->sched, drop_job, a);
    a->sched = NULL;
    free(a->slots);
    a->slots = NULL;
    a->nslots = 0;
}
