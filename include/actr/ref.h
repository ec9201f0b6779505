/*
 * ref.h - the handle of a running node (the reference's ActrRef, spec: runtime.md §13.1): the
 * host application's side of the actor. Call and tell its own workload (target NULL) or another
 * node of the same hyper (target id), discover, shut down, wait.
 *
 * Ownership: the ref belongs to its node. It is valid from actr_node_start() until
 * actr_node_free(); every function here may be called from any thread, concurrently. Calls made
 * through a ref carry no caller id when they target the ref's own workload (like the
 * reference's shell calls); to another node they carry this node's id.
 *
 * The call/tell contracts (payload borrowed and handed over by reference, response owned by the
 * caller, timeouts, errors) are those of ctx.h. After shutdown every send fails with
 * ACTR_ECLOSED.
 */
#ifndef ACTR_REF_H
#define ACTR_REF_H

#include "actr/buf.h"
#include "actr/common.h"
#include "actr/ctx.h"
#include "actr/error.h"
#include "actr/types.h"

ACTR_BEGIN_DECLS

typedef struct actr_ref actr_ref_t;

/* The node's ActrId (stable for the ref's life). */
ACTR_API const actr_id_t *actr_ref_id(const actr_ref_t *ref);

/*
 * Blocking call (see actr_ctx_call()). Called from inside one of this hyper's workload entries
 * it follows the deadlock rule of ctx.h.
 */
ACTR_API int actr_ref_call(actr_ref_t *ref, const actr_id_t *target, const char *route_key,
                           const actr_buf_t *payload, int64_t timeout_ms, actr_buf_t *response,
                           actr_error_t *err);

/*
 * Asynchronous call: returns at once; cb(NULL, userdata, ...) runs exactly once on a runtime
 * thread (a worker, or the I/O thread for a timeout) and must not block. Returns 0 (cb will
 * run) or an error (it will not).
 */
ACTR_API int actr_ref_call_async(actr_ref_t *ref, const actr_id_t *target, const char *route_key,
                                 const actr_buf_t *payload, int64_t timeout_ms, actr_call_cb cb,
                                 void *userdata, actr_error_t *err);

/* One-way message (see actr_ctx_tell()). */
ACTR_API int actr_ref_tell(actr_ref_t *ref, const actr_id_t *target, const char *route_key,
                           const actr_buf_t *payload, int64_t timeout_ms, actr_error_t *err);

/* See actr_ctx_discover(). */
ACTR_API int actr_ref_discover(actr_ref_t *ref, const actr_type_t *type, actr_id_t *out,
                               actr_error_t *err);

/*
 * Starts shutdown and returns at once (idempotent): the node leaves the directory, refuses new
 * messages (ACTR_ECLOSED, also for senders waiting on its full inbox), runs the messages it had
 * already accepted, completes its own pending asynchronous calls with ACTR_ECLOSED, runs
 * on_stop and becomes ACTR_NODE_STOPPED.
 */
ACTR_API void actr_ref_shutdown(actr_ref_t *ref);

/* Whether shutdown has started. */
ACTR_API bool actr_ref_is_shutting_down(const actr_ref_t *ref);

/* Waits until the node is stopped: 0, or ACTR_ETIMEDOUT after timeout_ms (< 0: no limit).
 * Must not be called from the node's own workload entries (ACTR_ESTATE). */
ACTR_API int actr_ref_wait(actr_ref_t *ref, int64_t timeout_ms);

ACTR_END_DECLS

#endif /* ACTR_REF_H */
