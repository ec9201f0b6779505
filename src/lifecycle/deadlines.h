/*
 * deadlines.h - the deadlines of one hyper's asynchronous calls: one uv timer on the I/O loop for
 * all of them, armed and disarmed from any thread without a loop command per call.
 *
 * Why: arming a uv timer per call took two commands through the loop's bounded queue (start,
 * then cancel); when the loop thread was descheduled for a few milliseconds under load, a burst
 * of asynchronous calls filled the queue and actr_ref_call_async() failed with EAGAIN for no
 * reason the caller could act on. Here arming is a list append under a mutex, the loop is woken
 * (uv_async_send, coalescing, never fails) only when the new deadline is the earliest, and
 * disarming is an unlink.
 *
 * Layout: calls are kept in FIFO lists per distinct timeout (a list of equal timeouts is sorted
 * by deadline as it is appended), up to ACTR_DEADLINE_BUCKETS of them; further timeouts share
 * one list kept sorted by insertion. The timer is armed for the earliest head.
 */
#ifndef ACTR_LIFECYCLE_DEADLINES_H
#define ACTR_LIFECYCLE_DEADLINES_H

#include <stdint.h>

#include "lifecycle/loop.h"

#define ACTR_DEADLINE_BUCKETS 16

struct actr_request;
typedef struct actr_deadlines actr_deadlines_t;

/* Creates it and its handles on loop (waits for the loop thread). Not from the loop thread.
 * Returns 0, ACTR_ENOMEM or ACTR_ECLOSED. */
int actr_deadlines_new(actr_loop_t *loop, actr_deadlines_t **out);

/* Closes the handles on the loop and drops the references of calls still armed (they are not
 * completed: the hyper is going away). Before actr_loop_free(); no arm/disarm may run any more.
 * NULL is ignored. */
void actr_deadlines_free(actr_deadlines_t *d);

/* Arms req (an ASYNC call with call->deadline_ns set; timeout_ms > 0 as given by the caller):
 * takes one reference, dropped when it fires (completing req with ACTR_ETIMEDOUT, wire 10002)
 * or when disarmed. Any thread. */
void actr_deadlines_arm(actr_deadlines_t *d, struct actr_request *req, int64_t timeout_ms);

/* req was answered: drops its reference if it is still armed. Any thread. */
void actr_deadlines_disarm(actr_deadlines_t *d, struct actr_request *req);

#endif /* ACTR_LIFECYCLE_DEADLINES_H */
