/*
 * node.h - one actor hosted by a hyper, and its typestate (spec: runtime.md §12.1-12.3, §12.8):
 *
 *   actr_node_new ──► INIT ──link/attach──► ATTACHED ──register/register_local──► REGISTERED
 *                      └─set_type (INIT or ATTACHED)
 *   REGISTERED ──start──► RUNNING ──actr_ref_shutdown──► STOPPING ──► STOPPED
 *
 * A call in the wrong state returns ACTR_ESTATE and changes nothing. A failed start (on_start
 * error) leaves the node STOPPED. A hyper hosts any number of nodes; running nodes reach each
 * other in-process by ActrId.
 *
 *   actr_node_t *node;
 *   actr_node_new(hyper, NULL, &node, &err);
 *   actr_node_set_type(node, &type, &err);
 *   actr_node_link(node, &workload, &err);
 *   actr_node_register_local(node, 1, 0, &err);         // realm 1, serial assigned
 *   actr_ref_t *ref;
 *   actr_node_start(node, &ref, &err);
 *   ... actr_ref_call(ref, NULL, "echo.EchoService.Echo", &req, 5000, &resp, &err) ...
 *   actr_ref_shutdown(ref);
 *   actr_ref_wait(ref, 5000);
 *   actr_node_free(node);
 *
 * Threading: the typestate functions (new, set_type, link, attach, register*, start, free) are
 * meant for one controlling thread; they are safe against the node's own traffic. Not to be
 * called from the node's own workload entries.
 */
#ifndef ACTR_NODE_H
#define ACTR_NODE_H

#include "actr/common.h"
#include "actr/config.h"
#include "actr/error.h"
#include "actr/hyper.h"
#include "actr/ref.h"
#include "actr/types.h"
#include "actr/workload.h"

ACTR_BEGIN_DECLS

typedef struct actr_node actr_node_t;

typedef enum actr_node_state {
    ACTR_NODE_INIT = 0,
    ACTR_NODE_ATTACHED,
    ACTR_NODE_REGISTERED,
    ACTR_NODE_RUNNING,
    ACTR_NODE_STOPPING,
    ACTR_NODE_STOPPED,
} actr_node_state_t;

/* "init", "attached", "registered", "running", "stopping", "stopped". */
ACTR_API const char *actr_node_state_name(actr_node_state_t state);

/*
 * Creates a node in INIT. config (optional, borrowed: it must outlive the node) is the actor's
 * actr.toml; it supplies the realm for actr_node_register() and the remote transports' settings.
 * Returns 0, ACTR_EINVAL, ACTR_ESTATE (the hyper is being freed) or ACTR_ENOMEM.
 */
ACTR_API int actr_node_new(actr_hyper_t *hyper, const actr_runtime_config_t *config,
                           actr_node_t **out, actr_error_t *err);

/* Sets the actor type (the reference's with_actor_type); INIT or ATTACHED. Validated with
 * actr_type_validate(). */
ACTR_API int actr_node_set_type(actr_node_t *node, const actr_type_t *type, actr_error_t *err);

/*
 * Links an in-process workload (the reference's link(): a "static lib" actor): INIT → ATTACHED.
 * The node takes ownership of *workload on success AND on failure (destroy is called then), so
 * the caller never frees it after this call.
 */
ACTR_API int actr_node_link(actr_node_t *node, const actr_workload_t *workload, actr_error_t *err);

/*
 * Attaches a signed package (spec: platform.md §8.5): INIT → ATTACHED. The package (len bytes,
 * borrowed for the call) is verified with the hyper's trust provider (options.trust; none:
 * ACTR_EPERM) before anything in it is used; then binary.target picks the engine: a native
 * triple matching this host loads the shared library with the dynclib engine (extracted to
 * {data_dir}/dynclib-cache/<sha256>.so, or a temporary copy for an ephemeral hyper); wasm32-*
 * with binary.kind "core-module" runs in the WASM engine under the config's [hyper.wasm] limits
 * (defaults without a config). The node's actor type becomes the manifest's. Errors: the verification's
 * (ACTR_ESIGNATURE, ACTR_EPARSE, ...), ACTR_EINVAL (foreign target, "unsupported binary target
 * ..."), ACTR_EUNSUPPORTED (component or not yet available engine), the engine's load errors
 * (missing symbol, actr_init failure: err says which), ACTR_ESTATE outside INIT. docs/ENGINES.md.
 */
ACTR_API int actr_node_attach(actr_node_t *node, const void *package, size_t len,
                              actr_error_t *err);

/*
 * For an attached package that the manufacturer has not published in AIS (AIS Path 2): the
 * manufacturer's signing key, with which registration signs a fresh proof each time it
 * registers (the reference's `actr run -k`). Borrowed: key must outlive the node. ATTACHED only
 * (after actr_node_attach): ACTR_ESTATE otherwise, ACTR_EINVAL for a linked node or NULL key.
 */
ACTR_API int actr_node_set_manufacturer_key(actr_node_t *node, const actr_signing_key_t *key,
                                            actr_error_t *err);

/*
 * Registers with AIS (POST /register) and takes the ActrId and credential it returns:
 * ATTACHED → REGISTERED. Not available yet: returns ACTR_EUNSUPPORTED until the AIS client is
 * integrated (use actr_node_register_local() for in-process use). ACTR_ESTATE outside ATTACHED.
 */
ACTR_API int actr_node_register(actr_node_t *node, actr_error_t *err);

/*
 * Gives the node an identity without AIS (our addition, docs/RUNTIME.md §5): ActrId =
 * {realm_id, serial, type set by actr_node_set_type()}; ATTACHED → REGISTERED. serial 0 asks the
 * hyper for a fresh serial. Such a node has no credential: in-process traffic works, remote
 * transports refuse to start. Returns 0, ACTR_ESTATE, ACTR_EINVAL (no type set) or ACTR_EEXIST
 * (another node of this hyper already has realm_id + serial).
 */
ACTR_API int actr_node_register_local(actr_node_t *node, uint32_t realm_id, uint64_t serial,
                                      actr_error_t *err);

/*
 * Starts the node: REGISTERED → RUNNING. Runs on_start (request id "lifecycle:on_start") before
 * any traffic can reach the actor; its error aborts the start, the node becomes STOPPED and the
 * error (with the workload's message) is returned. Then on_ready runs (errors only logged), the
 * node enters the hyper's directory and *ref is returned. Blocks until on_start and on_ready
 * have returned.
 */
ACTR_API int actr_node_start(actr_node_t *node, actr_ref_t **ref, actr_error_t *err);

ACTR_API actr_node_state_t actr_node_state(const actr_node_t *node);

/* The node's ActrId once REGISTERED (NULL before). */
ACTR_API const actr_id_t *actr_node_id(const actr_node_t *node);

/* The ref returned by actr_node_start(), or NULL before the node started. */
ACTR_API actr_ref_t *actr_node_ref(actr_node_t *node);

/* ---- network events (runtime.md 12.7; docs/WEBRTC-COORDINATOR.md "Recovery") ---- */

typedef enum actr_network_event_kind {
    ACTR_NETWORK_PATH_CHANGED = 0,       /* the platform's network path changed (availability) */
    ACTR_NETWORK_FORCE_RECONNECT = 1,    /* drop every connection, then reconnect */
    ACTR_NETWORK_CLEANUP_CONNECTIONS = 2,/* drop every connection and stay disconnected */
} actr_network_event_kind_t;

typedef enum actr_network_availability {
    ACTR_NETWORK_UNKNOWN = 0,     /* probe signaling, restore if it is dead */
    ACTR_NETWORK_AVAILABLE = 1,   /* restore: signaling up, ICE restart of the WebRTC peers */
    ACTR_NETWORK_UNAVAILABLE = 2, /* offline: signaling down, peers kept for a later restore */
} actr_network_availability_t;

/*
 * Reports a network event of the platform (mobile path monitor, netlink watcher, a test). Events
 * within 400 ms of the first are coalesced into one action: cleanup > offline (latest path
 * unavailable) > force reconnect > restore (latest available) / probe (unknown). availability
 * matters for PATH_CHANGED only. Returns 0 once the event is queued (the action follows the
 * settle window), ACTR_EINVAL, ACTR_ESTATE when the node has no network side running.
 */
ACTR_API int actr_node_network_event(actr_node_t *node, actr_network_event_kind_t kind,
                                     actr_network_availability_t availability);

/*
 * Frees the node. A running node is shut down first and this waits until it is stopped (its
 * current entry must return). The workload is destroyed. NULL is ignored.
 */
ACTR_API void actr_node_free(actr_node_t *node);

/* ---- conflict-key dispatch (spec: runtime.md §8; docs/DISPATCH.md) ----
 *
 * By default an actor runs its entries one at a time. Declaring conflict keys lets requests
 * of the declared methods run concurrently, on several worker threads at once, whenever their
 * keys differ (the reference's `.with_conflict_keys(spec)`): same key = one at a time in
 * arrival order; undeclared methods, and requests whose key cannot be read, are global
 * barriers that run alone. Handlers of declared methods must therefore be thread-safe.
 *
 *   actr_conflict_decl_t keys[] = {
 *       {"bank.Accounts.Deposit", ACTR_CONFLICT_PAYLOAD_FIELD, 1, ACTR_FIELD_STRING, "account"},
 *       {"bank.Accounts.Withdraw", ACTR_CONFLICT_PAYLOAD_FIELD, 1, ACTR_FIELD_STRING, "account"},
 *       {"bank.Accounts.Audit", ACTR_CONFLICT_SENDER, 0, 0, NULL},
 *   };
 *   actr_node_set_conflict_keys(node, keys, 3, &err);   // before actr_node_start()
 */

/* Where a method's key comes from. */
typedef enum actr_conflict_source {
    ACTR_CONFLICT_SENDER = 1,        /* the caller's ActrId string (none: one shared lane) */
    ACTR_CONFLICT_PAYLOAD_FIELD = 2, /* a top-level field of the protobuf request payload */
} actr_conflict_source_t;

/* Declared protobuf scalar type of a payload key field (floats and messages unsupported). */
typedef enum actr_conflict_field_kind {
    ACTR_FIELD_BOOL = 1,
    ACTR_FIELD_INT32,
    ACTR_FIELD_INT64,
    ACTR_FIELD_UINT32,
    ACTR_FIELD_UINT64,
    ACTR_FIELD_SINT32,
    ACTR_FIELD_SINT64,
    ACTR_FIELD_FIXED32,
    ACTR_FIELD_FIXED64,
    ACTR_FIELD_SFIXED32,
    ACTR_FIELD_SFIXED64,
    ACTR_FIELD_ENUM,
    ACTR_FIELD_STRING, /* UTF-8, <= 4 KiB (else the request is a barrier) */
    ACTR_FIELD_BYTES,  /* <= 4 KiB */
} actr_conflict_field_kind_t;

/* The key of one method. */
typedef struct actr_conflict_decl {
    const char *route_key;                 /* "package.Service.Method" */
    actr_conflict_source_t source;
    uint32_t field_tag;                    /* PAYLOAD_FIELD: field number 1 .. 2^29-1 */
    actr_conflict_field_kind_t field_kind; /* PAYLOAD_FIELD: its declared type */
    /* NULL: the method's own key space; a name: methods naming the same domain share keys
     * (equal values across them run one at a time). */
    const char *domain;
} actr_conflict_decl_t;

/*
 * Declares the conflict keys of the node's methods (copied), replacing earlier declarations;
 * n 0 removes them. Linked workloads only: an attached package runs serial whatever is
 * declared (its engine instance is not thread-safe; a warning is logged at start). Before
 * start: INIT, ATTACHED or REGISTERED (ACTR_ESTATE otherwise).
 * Returns 0, ACTR_EINVAL (a bad declaration: err names it), ACTR_EEXIST (a route key declared
 * twice: the reference's DuplicateRoute) or ACTR_ENOMEM; on error nothing changes.
 */
ACTR_API int actr_node_set_conflict_keys(actr_node_t *node, const actr_conflict_decl_t *decls,
                                         size_t n, actr_error_t *err);

/* ---- lanes of outgoing methods (spec: runtime.md §1.2, §5.1; protocol.md 8.1; docs/RUNTIME.md
 * "Lanes") ----
 *
 * Every call and tell this node sends to an actor in another process goes on the RPC_RELIABLE
 * lane unless its route key is declared here: the C equivalent of the reference's per-method
 * option `(actr.payload_type)` (the codegen'd `payload_type()`). RPC_SIGNAL is ordered and
 * reliable too, but the sender gives up sooner (2 attempts, 500 ms apart, instead of 5 over
 * 12 s) and the receiver's mailbox hands it to the actor before the ordinary backlog (priority
 * High). Responses always come back on RPC_RELIABLE, as in the reference. In-process targets
 * (same hyper) ignore the lane: such calls simply work (the reference's time out,
 * docs/DIFFERENCES.md).
 *
 *   actr_lane_decl_t lanes[] = {{"ctl.Control.Cancel", ACTR_LANE_RPC_SIGNAL}};
 *   actr_node_set_route_lanes(node, lanes, 1, &err);   // before actr_node_start()
 */

/* The reference's PayloadType values (protocol.md 3.1); the stream values equal stream.h's. */
typedef enum actr_lane {
    ACTR_LANE_RPC_RELIABLE = 0, /* the default of calls and tells */
    ACTR_LANE_RPC_SIGNAL = 1,   /* ordered, reliable, short retry, receiver priority High */
    ACTR_LANE_STREAM_RELIABLE = 2,
    ACTR_LANE_STREAM_LATENCY_FIRST = 3,
    ACTR_LANE_MEDIA_RTP = 4,
} actr_lane_t;

/* The lane of one outgoing method. */
typedef struct actr_lane_decl {
    const char *route_key; /* "package.Service.Method" */
    actr_lane_t lane;      /* ACTR_LANE_RPC_RELIABLE or ACTR_LANE_RPC_SIGNAL */
} actr_lane_decl_t;

/*
 * Declares the lanes of the node's outgoing methods (copied), replacing earlier declarations;
 * n 0 removes them. Only the two RPC lanes are accepted for calls and tells (the reference's
 * ensure_rpc_payload_type). Before start, as actr_node_set_conflict_keys (ACTR_ESTATE
 * otherwise). Returns 0, ACTR_EINVAL (empty or too long route key, or another lane: err names
 * the entry), ACTR_EEXIST (a route key declared twice) or ACTR_ENOMEM; on error nothing changes.
 */
ACTR_API int actr_node_set_route_lanes(actr_node_t *node, const actr_lane_decl_t *decls, size_t n,
                                       actr_error_t *err);

/* The lane this node's calls and tells to route_key take (RPC_RELIABLE when undeclared). */
ACTR_API actr_lane_t actr_node_route_lane(const actr_node_t *node, const char *route_key);

/*
 * Concurrency settings of the node's dispatch (actr_dispatch_concurrency_t, config.h: enabled,
 * budget C 8, queue_cap M 256, dispatch_timeout_ms). A node created with a runtime config takes
 * its [hyper.dispatch]; otherwise the defaults. dispatch_timeout_ms is accepted but not
 * enforced: a C handler cannot be preempted (docs/DIFFERENCES.md). Before start (as for
 * set_conflict_keys); ACTR_EINVAL when budget is not 1..1024 or queue_cap not budget..2^24.
 */
ACTR_API void actr_dispatch_concurrency_init(actr_dispatch_concurrency_t *dc);
ACTR_API int actr_node_set_dispatch_concurrency(actr_node_t *node,
                                               const actr_dispatch_concurrency_t *dc,
                                               actr_error_t *err);

/*
 * Whether the running node's entries go through the conflict-key scheduler: a linked workload,
 * enabled, at least one key declared, and ACTR_DISPATCH_SERIAL (1|true|TRUE|yes) not set when
 * it started.
 */
ACTR_API bool actr_node_dispatch_engaged(const actr_node_t *node);

ACTR_END_DECLS

#endif /* ACTR_NODE_H */
