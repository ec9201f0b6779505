/*
 * request.h - the in-process message: what an actor's inbox carries for a call or a tell, and
 * the reply slot its caller waits on (docs/RUNTIME.md §3 "In-process").
 *
 * Nothing is serialized: the struct itself is handed to the target actor, and the payload is the
 * caller's actr_buf_t with one more reference (the handler sees the caller's bytes).
 *
 * Completion: exactly one party completes a call: the callee's worker (its answer), the deadline
 * (a caller blocked in actr_request_wait(), or the deadline timer of an asynchronous call), the
 * stop of the caller's actor (ACTR_ECLOSED), or a send failure. The winner moves state from
 * PENDING to COMPLETING with a CAS, writes the result, then publishes the final state; the losers
 * do nothing. A request no longer PENDING when it reaches the callee is skipped (its caller gave
 * up), like the reference's runner skips commands whose reply receiver is gone.
 *
 * Lifetime: reference counted; every holder (the callee's inbox, a blocked caller, the deadline
 * timer, a completion queued back to the caller's actor) owns one reference.
 */
#ifndef ACTR_LIFECYCLE_REQUEST_H
#define ACTR_LIFECYCLE_REQUEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "actr/buf.h"
#include "actr/ctx.h"
#include "actr/error.h"
#include "lifecycle/inbox.h"
#include "lifecycle/loop.h"

struct actr_node;

/* RpcEnvelope.direction (spec: runtime.md §1.1). */
typedef enum actr_direction {
    ACTR_DIR_UNSPECIFIED = 0,
    ACTR_DIR_REQUEST = 1,
    ACTR_DIR_RESPONSE = 2,
    ACTR_DIR_TELL = 3,
} actr_direction_t;

/* What an actor's inbox can hold (actor.c dispatches on it). */
typedef enum actr_item_kind {
    ACTR_ITEM_REQUEST = 1, /* an actr_request_t (call or tell) */
    ACTR_ITEM_COMPLETION,  /* an actr_request_t whose async answer goes back to its caller */
    ACTR_ITEM_LIFECYCLE,   /* on_start / on_ready (actor.c) */
    ACTR_ITEM_HOOK,        /* an observation hook (hooks.c) */
    ACTR_ITEM_STOP,        /* the shutdown barrier (actor.c) */
} actr_item_kind_t;

typedef struct actr_item {
    actr_inbox_item_t link;
    uint8_t kind;    /* actr_item_kind_t */
    uint8_t counted; /* holds an inbox place (released when consumed) */
} actr_item_t;

typedef enum actr_req_mode {
    ACTR_REQ_TELL = 0,
    ACTR_REQ_SYNC,  /* a thread waits in actr_request_wait() */
    ACTR_REQ_ASYNC, /* a callback runs: on the caller actor's context, or on a runtime thread */
} actr_req_mode_t;

typedef enum actr_req_state {
    ACTR_REQ_PENDING = 0,
    ACTR_REQ_COMPLETING, /* a winner is writing the result */
    ACTR_REQ_DONE,       /* result published */
} actr_req_state_t;

/* Route keys shorter than this are stored in the request itself. */
#define ACTR_REQ_ROUTE_INLINE 40

struct actr_request;

/* What only calls need: the reply slot and how it is delivered (allocated behind the request in
 * the same block; tells leave it out). */
typedef struct actr_call_ext {
    actr_item_t done_item; /* ASYNC from an actor: back into the caller's inbox */
    uint64_t deadline_ns;  /* CLOCK_MONOTONIC; 0: none (a wire request with timeout_ms 0) */

    /* The result, written by the winner. */
    int status;
    actr_buf_t response;
    actr_error_t *error; /* malloc'd when status != 0 */

    /* SYNC: the waiting thread sleeps here after spinning. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    _Atomic int sleeping;

    /* ASYNC */
    actr_call_cb cb;
    void *userdata;
    void (*deliver)(struct actr_request *req); /* NULL: run cb on the completing thread */
    struct actr_deadlines *deadlines;       /* armed with (deadlines.h); NULL: never armed */
    struct actr_request *dl_prev, *dl_next; /* its deadline list, under the deadlines' lock */
    struct actr_dl_list *dl_list;                /* NULL: not armed (any more) */
    struct actr_request *out_prev, *out_next; /* the caller actor's outstanding list */
    /* A request that came from the network: its caller id, wire request id and where the
     * answer goes (lifecycle/remote_inbound.c); NULL for in-process requests. */
    struct actr_remote_origin *origin;
} actr_call_ext_t;

/*
 * The part every message has. Exactly two cache lines (and 64-byte aligned for tells): the
 * sender writes it and the callee's core reads it, so every line here is a transfer between
 * cores per message.
 */
typedef struct actr_request {
    actr_item_t item;         /* into the callee's inbox */
    _Atomic uint32_t refs;
    _Atomic int state;        /* actr_req_state_t (calls) */
    uint8_t direction;        /* actr_direction_t */
    uint8_t mode;             /* actr_req_mode_t */
    uint64_t rid;             /* request id number (request_id.h) */
    struct actr_node *caller; /* reference held; NULL for calls from the host application */
    actr_buf_t payload;
    char *route_key;          /* route_inline or malloc'd */
    actr_call_ext_t *call;    /* NULL for tells */
    char route_inline[ACTR_REQ_ROUTE_INLINE];
} actr_request_t;

/* The request whose call->done_item this is. */
actr_request_t *actr_request_of_done_item(actr_item_t *item);

/*
 * A new request with one reference: direction/mode set, route key copied, payload referenced
 * (may be NULL: empty), a fresh request id number. Returns NULL when out of memory.
 */
actr_request_t *actr_request_new(actr_direction_t dir, actr_req_mode_t mode, const char *route_key,
                                 size_t route_len, const actr_buf_t *payload);
/* The same, taking over the caller's reference on *payload (set to empty on success; left
 * alone on failure). */
actr_request_t *actr_request_new_moved(actr_direction_t dir, actr_req_mode_t mode,
                                       const char *route_key, size_t route_len,
                                       actr_buf_t *payload);
void actr_request_ref(actr_request_t *req);
/* Drops a reference; the last one frees the request, its payload, response and error and the
 * caller node's reference. */
void actr_request_unref(actr_request_t *req);

/*
 * Completes a PENDING request: status 0 with *response (its reference is taken over and
 * *response emptied) or an error (err copied; NULL gives a generic message). Returns true when
 * this call won (the result was stored and delivered: the waiter woken, the callback run or
 * handed to req->deliver); false when the request was already completed (response released).
 */
bool actr_request_complete(actr_request_t *req, int status, actr_buf_t *response,
                           const actr_error_t *err);

/* Whether the request is still PENDING (callee side: run the handler only if so). */
bool actr_request_pending(const actr_request_t *req);

/*
 * SYNC caller: waits for the result, spinning spin_us first, then sleeping; at the deadline the
 * caller completes the request itself with ACTR_ETIMEDOUT. block_begin/end (optional) bracket the
 * sleep so a worker pool can start a spare thread. Takes over the response (*response) and
 * copies the error into err. Returns the status.
 */
int actr_request_wait(actr_request_t *req, uint32_t spin_us, void (*block_begin)(void *),
                      void (*block_end)(void *), void *block_arg, actr_buf_t *response,
                      actr_error_t *err);

/*
 * ASYNC: arms the call's deadline with the hyper's deadline timer (one reference for it; never
 * fails, no loop command). Call before the request is handed to the callee.
 */
void actr_request_arm_timer(actr_request_t *req, struct actr_deadlines *deadlines,
                            int64_t timeout_ms);

/* ASYNC delivered to an actor: runs the callback (ctx may be NULL) and disarms the timer. */
void actr_request_run_callback(actr_request_t *req, actr_ctx_t *ctx);

#endif /* ACTR_LIFECYCLE_REQUEST_H */
