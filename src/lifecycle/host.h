/*
 * host.h - the in-process transport: calls and tells between nodes of one hyper, and from a ref
 * to its own workload (docs/RUNTIME.md §3; spec: runtime.md §4.2, §9.1, engines.md §11
 * scenario 20).
 *
 * A send resolves its target (the sender itself, or the hyper's directory), takes a place in the
 * target's inbox (waiting while it is full, up to the timeout), and pushes an actr_request_t that
 * carries the caller's payload buffer by reference: no envelope encoding, no copy. Calls then
 * wait on the request's reply slot (sync) or get a callback (async, with a loop timer for the
 * deadline).
 *
 * Send-side validation: a call needs timeout_ms > 0 (ACTR_EINVAL, wire 10005), like the
 * reference's validate_rpc_timeout_ms; a tell carries no deadline.
 *
 * Placed in lifecycle/ rather than transport/: it delivers into actors' inboxes and resolves
 * nodes through the hyper's directory, both lifecycle objects (layering, ARCHITECTURE.md §2).
 */
#ifndef ACTR_LIFECYCLE_HOST_H
#define ACTR_LIFECYCLE_HOST_H

#include <stdbool.h>

#include "actr/buf.h"
#include "actr/ctx.h"
#include "actr/error.h"
#include "actr/types.h"
#include "lifecycle/request.h"

struct actr_node;

typedef struct actr_send {
    struct actr_node *from;    /* the sending node */
    bool from_entry;           /* sent by one of from's workload entries (ctx) */
    const actr_id_t *target;   /* NULL: from itself */
    const char *route_key;
    const actr_buf_t *payload; /* NULL: empty */
    int64_t timeout_ms;
} actr_send_t;

/* Blocking call; see actr_ctx_call(). */
int actr_host_call(const actr_send_t *s, actr_buf_t *response, actr_error_t *err);

/* Asynchronous call; cb runs on from's serial context when from_entry, else on the completing
 * thread. A full target inbox fails at once with ACTR_EAGAIN. */
int actr_host_call_async(const actr_send_t *s, actr_call_cb cb, void *userdata,
                         actr_error_t *err);

/* One-way message; see actr_ctx_tell(). */
int actr_host_tell(const actr_send_t *s, actr_error_t *err);

/*
 * For tests and for the future remote inbound path: delivers a request built by the caller
 * (any direction, any deadline) to node, bypassing send-side validation. Takes over the
 * caller's reference to req on success. Returns 0, ACTR_EAGAIN or ACTR_ECLOSED.
 */
int actr_host_deliver(struct actr_node *node, actr_request_t *req, int64_t timeout_ms);

/* In-process discovery: some running node of this type in the hyper. */
int actr_host_discover(struct actr_node *from, const actr_type_t *type, actr_id_t *out,
                       actr_error_t *err);

#endif /* ACTR_LIFECYCLE_HOST_H */
