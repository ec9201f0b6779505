/*
 * workload.h - what an actor IS for the runtime: a C vtable plus its state (libuv style), and a
 * route-table helper so an actor can simply be a table of handlers.
 *
 *   static int echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
 *                   actr_error_t *err)
 *   {
 *       *resp = actr_buf_ref(req);              // answer with the request bytes, no copy
 *       return 0;
 *   }
 *   static const actr_route_t routes[] = {{"echo.EchoService.Echo", echo}};
 *   actr_workload_t wl;
 *   actr_workload_from_routes(routes, 1, NULL, NULL, &wl, &err);
 *   actr_node_link(node, &wl, &err);           // the node owns wl from now on
 *
 * Contract of every entry (dispatch, on_start, on_ready, on_stop, on_hook):
 *   - Threading: entries of one actor never run at the same time (the actor is serial); they run
 *     on the hyper's worker threads, one entry after the other in arrival order (FIFO), each on
 *     whichever worker is free. An entry may block (for instance in a synchronous
 *     actr_ctx_call()): that holds only its worker.
 *   - The ctx is valid only during the entry; never keep it.
 *   - Buffers: the request is a borrowed view (the caller's bytes, not a copy). To answer, put a
 *     buffer YOU own a reference to in *response (actr_buf_ref() of the request, actr_buf_copy(),
 *     ...); the runtime takes that reference. Leave it empty for an empty answer.
 *   - Errors: return a negative ACTR_E* code and describe it with actr_error_set(err, ...). The
 *     wire code (10001..10011) in err->wire_code is what a remote caller would see; when it is 0
 *     the runtime derives it from the code (see actr_wire_code_for_errno()). Any *response is
 *     released on error.
 */
#ifndef ACTR_WORKLOAD_H
#define ACTR_WORKLOAD_H

#include <stdbool.h>

#include "actr/buf.h"
#include "actr/common.h"
#include "actr/error.h"
#include "actr/types.h"

ACTR_BEGIN_DECLS

typedef struct actr_ctx actr_ctx_t;

/* ---- observation hooks (spec: runtime.md §12.6, engines.md §1.5) ---------------------------- */

typedef enum actr_hook_kind {
    ACTR_HOOK_SIGNALING_CONNECTING = 1, /* attempt */
    ACTR_HOOK_SIGNALING_CONNECTED,
    ACTR_HOOK_SIGNALING_DISCONNECTED,
    ACTR_HOOK_WEBSOCKET_CONNECTING, /* peer */
    ACTR_HOOK_WEBSOCKET_CONNECTED,  /* peer */
    ACTR_HOOK_WEBSOCKET_DISCONNECTED, /* peer */
    ACTR_HOOK_WEBRTC_CONNECTING,    /* peer, status */
    ACTR_HOOK_WEBRTC_CONNECTED,     /* peer, relayed, status */
    ACTR_HOOK_WEBRTC_DISCONNECTED,  /* peer, status */
    ACTR_HOOK_CREDENTIAL_RENEWED,   /* expiry */
    ACTR_HOOK_CREDENTIAL_EXPIRING,  /* expiry */
    ACTR_HOOK_MAILBOX_BACKPRESSURE, /* queue_len, threshold */
    ACTR_HOOK_ERROR,                /* error_category, message */
} actr_hook_kind_t;

/* WebRtcPeerStatus. */
typedef enum actr_peer_status {
    ACTR_PEER_IDLE = 0,
    ACTR_PEER_CONNECTING = 1,
    ACTR_PEER_CONNECTED = 2,
    ACTR_PEER_RECOVERING = 3,
} actr_peer_status_t;

/* ErrorCategory of ACTR_HOOK_ERROR. */
typedef enum actr_error_category {
    ACTR_ERRCAT_HANDLER_PANIC = 0,
    ACTR_ERRCAT_HANDLER_ERROR,
    ACTR_ERRCAT_SIGNALING_FAILURE,
    ACTR_ERRCAT_TRANSPORT_FAILURE,
    ACTR_ERRCAT_DATA_CHUNK_DELIVERY_UNCERTAIN,
} actr_error_category_t;

/* One hook event: a plain value, copied by the runtime when it is emitted. */
typedef struct actr_hook_event {
    actr_hook_kind_t kind;
    uint32_t attempt;         /* SIGNALING_CONNECTING */
    bool has_peer;
    actr_id_t peer;           /* WEBSOCKET_*, WEBRTC_* */
    int relayed;              /* WEBRTC_*: -1 unknown, 0 direct, 1 TURN */
    int status;               /* WEBRTC_*: an actr_peer_status_t, or -1 when absent */
    uint64_t expiry_s;        /* CREDENTIAL_*: seconds since the epoch */
    uint32_t expiry_ns;
    uint64_t queue_len;       /* MAILBOX_BACKPRESSURE */
    uint64_t threshold;       /* MAILBOX_BACKPRESSURE */
    actr_error_category_t error_category; /* ERROR */
    char message[ACTR_ERROR_MESSAGE_MAX]; /* ERROR; free text otherwise */
    /* Set by the runtime: events of this node dropped (queue full) since the previous
     * delivered one. See actr_node_options_t.hook_queue_capacity. */
    uint64_t dropped_before;
} actr_hook_event_t;

/* The hook's name without "hook:", e.g. "on_signaling_connected"; "on_unknown" otherwise. */
ACTR_API const char *actr_hook_kind_name(actr_hook_kind_t kind);

/* ---- the workload vtable --------------------------------------------------------------------- */

typedef struct actr_workload_vtable {
    /* Required. Serves one request or tell. For a tell the response and any error are dropped
     * by the runtime (a tell never produces a reply). */
    int (*dispatch)(void *self, actr_ctx_t *ctx, const char *route_key, const actr_buf_t *request,
                    actr_buf_t *response, actr_error_t *err);
    /* Optional (NULL: succeed). Runs before any traffic; an error aborts actr_node_start() with
     * this message. request id "lifecycle:on_start". */
    int (*on_start)(void *self, actr_ctx_t *ctx, actr_error_t *err);
    /* Optional. Runs after on_start, before any traffic; an error is only logged.
     * request id "lifecycle:on_ready". */
    int (*on_ready)(void *self, actr_ctx_t *ctx, actr_error_t *err);
    /* Optional. Runs at shutdown after the last message; an error is only logged.
     * request id "lifecycle:on_stop". Asynchronous calls are refused from here. */
    int (*on_stop)(void *self, actr_ctx_t *ctx, actr_error_t *err);
    /* Optional. Observation hooks, in emission order; request id "hook:<name>". */
    void (*on_hook)(void *self, actr_ctx_t *ctx, const actr_hook_event_t *event);
    /* Optional. Frees self when the node is freed (or when actr_node_link() fails). */
    void (*destroy)(void *self);
} actr_workload_vtable_t;

typedef struct actr_workload {
    const actr_workload_vtable_t *vtable; /* must outlive the workload (usually static) */
    void *self;
} actr_workload_t;

/* ---- route tables ---------------------------------------------------------------------------- */

/* One method handler; self is the `self` given to actr_workload_from_routes(). */
typedef int (*actr_handler_fn)(void *self, actr_ctx_t *ctx, const actr_buf_t *request,
                               actr_buf_t *response, actr_error_t *err);

typedef struct actr_route {
    const char *route_key; /* "<package>.<Service>.<Method>" */
    actr_handler_fn handler;
} actr_route_t;

/*
 * Builds a workload that dispatches by route key over a copy of routes[0..count). A route key not
 * in the table is answered with ACTR_ENOTFOUND, wire code 10006 UnknownRoute ("unknown route:
 * <key>"). hooks (optional) supplies on_start/on_ready/on_stop/on_hook/destroy, which receive
 * self; its dispatch is ignored. Route keys must be valid (actr_route_key_validate()) and
 * distinct. Returns 0, ACTR_EINVAL (bad key, NULL handler: err names it), ACTR_EEXIST (duplicate)
 * or ACTR_ENOMEM. On failure nothing is owned (hooks->destroy is not called).
 */
ACTR_API int actr_workload_from_routes(const actr_route_t *routes, size_t count,
                                       const actr_workload_vtable_t *hooks, void *self,
                                       actr_workload_t *out, actr_error_t *err);

/* Releases a workload that was never linked: calls vtable->destroy(self). */
ACTR_API void actr_workload_destroy(actr_workload_t *wl);

/*
 * The RPC wire code the runtime reports for an ACTR_E* code when a handler gave none:
 * EINVAL 10005, ENOTFOUND 10003, EPERM 10004, ETIMEDOUT 10002, EPARSE 10008, EUNSUPPORTED 10009,
 * EAGAIN/EUNAVAILABLE/ECLOSED 10001, everything else 10010 Internal.
 */
ACTR_API uint32_t actr_wire_code_for_errno(int code);

/* The ACTR_E* code a caller gets for a wire code: 10001/10011 EUNAVAILABLE, 10002 ETIMEDOUT,
 * 10003/10006/10007 ENOTFOUND, 10004 EPERM, 10005 EINVAL, 10008 EPARSE, 10009 EUNSUPPORTED,
 * 10010 EINTERNAL, unknown EUNAVAILABLE. */
ACTR_API int actr_errno_for_wire_code(uint32_t wire_code);

ACTR_END_DECLS

#endif /* ACTR_WORKLOAD_H */
