/*
 * ctx.h - the context a workload entry runs in: who it is, who called, which request, and how
 * to call other actors from inside a handler (spec: runtime.md §13.2).
 *
 * A ctx is handed to every workload entry and is valid only until that entry returns.
 * Functions here must be called on the thread running the entry (they rely on the actor's
 * serial context).
 *
 * Targets: NULL means this actor itself (the reference's Dest::Workload); otherwise the ActrId
 * of another node: a node of the same hyper (in-process, no serialization, the payload is
 * handed over by reference) or, for a node with a network side, a discovered peer (WebRTC when
 * ready, else direct WebSocket); otherwise ACTR_EUNAVAILABLE "no route to <id>".
 *
 * Deadlock rule: a synchronous call blocks this actor's turn. A synchronous call to the actor
 * itself, or to an actor that is (transitively) blocked in a synchronous call to this one, can
 * never complete on serial actors, so it fails at once with ACTR_ESTATE ("synchronous call
 * would deadlock: ...") instead of waiting for its timeout as the reference does. Use
 * actr_ctx_call_async() or actr_ctx_tell() for those.
 */
#ifndef ACTR_CTX_H
#define ACTR_CTX_H

#include "actr/buf.h"
#include "actr/common.h"
#include "actr/error.h"
#include "actr/stream.h"
#include "actr/types.h"
#include "actr/workload.h"

ACTR_BEGIN_DECLS

/* The reference's default call timeout (30 s) and tell send budget (13 s). */
#define ACTR_CALL_TIMEOUT_MS 30000
#define ACTR_TELL_TIMEOUT_MS 13000

/*
 * Completion of an asynchronous call. Runs exactly once. status is 0 (response holds the answer,
 * borrowed for the callback: actr_buf_ref() it to keep it) or a negative ACTR_E* code with err
 * describing it (err->wire_code says what the callee answered, or 10002 for a timeout).
 * ctx is non-NULL when the call was made from a workload entry: the callback then runs on that
 * actor's serial context, like an entry (so it may touch the actor's state and call again).
 * Otherwise (actr_ref_call_async) it runs on a runtime thread and must not block.
 */
typedef void (*actr_call_cb)(actr_ctx_t *ctx, void *userdata, int status,
                             const actr_buf_t *response, const actr_error_t *err);

/* This actor's id. */
ACTR_API const actr_id_t *actr_ctx_self_id(const actr_ctx_t *ctx);

/* The caller's id, or NULL when the request came from the host application (a ref) or the entry
 * is a lifecycle hook, an observation hook or a completion. */
ACTR_API const actr_id_t *actr_ctx_caller_id(const actr_ctx_t *ctx);

/*
 * The request id: the request's UUID v4 text, or "lifecycle:on_start", "hook:on_..." for those
 * entries. Formatted on first use; the string lives as long as the ctx.
 */
ACTR_API const char *actr_ctx_request_id(actr_ctx_t *ctx);

/*
 * Calls route_key on target (NULL: this actor, which deadlocks and fails, see above) and waits
 * for the answer up to timeout_ms (> 0, else ACTR_EINVAL; ACTR_CALL_TIMEOUT_MS is the
 * reference's default). payload is borrowed: the callee sees the same bytes (a reference is
 * taken, nothing is copied). On success *response holds a reference you must release.
 * Returns 0 or: ACTR_EINVAL (bad arguments), ACTR_ESTATE (deadlock, or this node is stopping),
 * ACTR_ENOTFOUND/... (the callee's error, err->wire_code set), ACTR_ETIMEDOUT (deadline, 10002),
 * ACTR_EAGAIN (callee's inbox stayed full until the deadline), ACTR_ECLOSED (the callee stopped),
 * ACTR_EUNAVAILABLE (no route to target).
 */
ACTR_API int actr_ctx_call(actr_ctx_t *ctx, const actr_id_t *target, const char *route_key,
                           const actr_buf_t *payload, int64_t timeout_ms, actr_buf_t *response,
                           actr_error_t *err);

/* The reference's call_raw: as actr_ctx_call() with a required target. */
ACTR_API int actr_ctx_call_raw(actr_ctx_t *ctx, const actr_id_t *target, const char *route_key,
                               const actr_buf_t *payload, int64_t timeout_ms,
                               actr_buf_t *response, actr_error_t *err);

/*
 * Starts a call and returns at once; cb runs later on this actor's serial context (after the
 * current entry returns) with the answer, ACTR_ETIMEDOUT at the deadline, or ACTR_ECLOSED if
 * this actor stops first. A call to this actor itself is allowed. Returns 0 (cb will run) or an
 * error (cb will not run). Refused with ACTR_ESTATE from on_stop.
 */
ACTR_API int actr_ctx_call_async(actr_ctx_t *ctx, const actr_id_t *target, const char *route_key,
                                 const actr_buf_t *payload, int64_t timeout_ms, actr_call_cb cb,
                                 void *userdata, actr_error_t *err);

/*
 * Sends a one-way message: the callee's handler runs, nothing comes back (not even its error).
 * When the callee's inbox is full the sender waits up to timeout_ms (0: not at all) and then
 * fails with ACTR_EAGAIN. Returns 0 once the message is queued.
 */
ACTR_API int actr_ctx_tell(actr_ctx_t *ctx, const actr_id_t *target, const char *route_key,
                           const actr_buf_t *payload, int64_t timeout_ms, actr_error_t *err);

/*
 * Finds an actor of this type: running nodes of the same hyper first (in-process discovery, our
 * addition); otherwise ACTR_EUNSUPPORTED until the signaling client is integrated.
 */
ACTR_API int actr_ctx_discover(actr_ctx_t *ctx, const actr_type_t *type, actr_id_t *out,
                               actr_error_t *err);

/* ---- data streams (stream.h; runtime.md §6.1, §9.4, §13.2) ---- */

/*
 * Registers stream_id on this node: chunks of it, from any sender and transport, run cb on this
 * actor's serial context, FIFO. Registering an existing id replaces its callback from the next
 * chunk on (chunks already queued keep the old one). Returns 0, ACTR_EINVAL (NULL/empty id,
 * longer than ACTR_STREAM_ID_MAX, NULL cb), ACTR_ESTATE (the node is stopping), ACTR_ENOMEM.
 */
ACTR_API int actr_ctx_register_stream(actr_ctx_t *ctx, const char *stream_id, actr_stream_cb cb,
                                      void *userdata, actr_error_t *err);

/*
 * Unregisters stream_id: chunks already queued for the actor still run (drain), later ones are
 * dropped and counted as unknown_stream. ACTR_ENOTFOUND when it is not registered.
 */
ACTR_API int actr_ctx_unregister_stream(actr_ctx_t *ctx, const char *stream_id,
                                        actr_error_t *err);

/*
 * Sends one chunk to target's stream chunk->stream_id on lane (ACTR_STREAM_RELIABLE or
 * ACTR_STREAM_LATENCY_FIRST; anything else ACTR_EINVAL as the reference's
 * ensure_stream_payload_type). Same hyper: handed over without serialization (the payload by
 * reference). Other process: a ready WebRTC peer's channel of that QoS, else the direct
 * WebSocket. Returns once the chunk is queued for the receiver or the transport, waiting at most
 * timeout_ms (0: ACTR_STREAM_SEND_TIMEOUT_MS, the reference's 15 s) for room; no retry.
 * Errors: ACTR_EINVAL, ACTR_EUNAVAILABLE (no route to target), ACTR_ETOOBIG (over the
 * transport's message size), ACTR_ETIMEDOUT (no room within the budget), ACTR_EAGAIN
 * (a full stream of this very actor: it cannot wait for itself), ACTR_ECLOSED (stopping).
 * A chunk dropped by the receiver (latency-first, unknown stream) is not an error here.
 */
ACTR_API int actr_ctx_send_data_chunk(actr_ctx_t *ctx, const actr_id_t *target,
                                      const actr_data_chunk_t *chunk, actr_stream_lane_t lane,
                                      int64_t timeout_ms, actr_error_t *err);

ACTR_END_DECLS

#endif /* ACTR_CTX_H */
