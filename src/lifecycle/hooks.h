/*
 * hooks.h - delivery of observation hook events to a node's workload (spec: runtime.md §12.6,
 * pitfall 14; engines.md §1.5).
 *
 * Emitters (signaling client, transports, credential manager, mailbox watchdog) call
 * actr_hooks_emit() from any thread, typically the I/O thread. The event is copied into an item
 * queued in the actor's inbox, so it runs on_hook on the actor's serial context, in emission
 * order, interleaved in FIFO order with the actor's messages; the emitter never waits for the
 * workload.
 *
 * Overflow policy (the reference's queue is unbounded): at most hook_queue_capacity (default
 * 1024) events per actor wait for delivery. Beyond that the NEW event is dropped, counted and
 * logged (the first drop and every 1000th), and the next event that is queued carries the count
 * in dropped_before, so the workload knows it missed some.
 */
#ifndef ACTR_LIFECYCLE_HOOKS_H
#define ACTR_LIFECYCLE_HOOKS_H

#include "actr/workload.h"
#include "lifecycle/actor.h"

struct actr_node;

/*
 * Queues event for node's workload. Returns 0, ACTR_EAGAIN (queue full: dropped),
 * ACTR_ESTATE (the node has not started or has stopped: dropped), ACTR_EINVAL or ACTR_ENOMEM.
 * Never blocks. Must not be called once actr_node_free(node) has begun.
 */
int actr_hooks_emit(struct actr_node *node, const actr_hook_event_t *event);

/* Consumer side (actor.c): delivers one ACTR_ITEM_HOOK item and frees it. */
void actr_hooks_run(actr_actor_t *a, actr_item_t *item);

#endif /* ACTR_LIFECYCLE_HOOKS_H */
