/*
 * remote.h - a node's life on the network (docs/RUNTIME.md §6 "Remote"; spec: protocol.md 7.1,
 * 7.2, 8.3, 8.8; runtime.md 2, 7, 11): AIS registration and credential renewal, the signaling
 * connection with heartbeats and discovery, the direct WebSocket hub (listener for inbound
 * peers, dialler for outbound calls), the durable mailbox in front of the actor, receiver dedup
 * and ACL.
 *
 * A node gets a remote side only when it registers with AIS (actr_node_register); nodes given
 * an identity with actr_node_register_local() stay in-process.
 *
 * Threading: the network objects live on the hyper's loop thread. The functions below are
 * called from API threads and workers; they post to the loop and, where they must, wait for the
 * answer. Inbound messages are persisted by the mailbox's writer, taken by the node's consumer
 * thread, and run on the worker pool like any other request.
 */
#ifndef ACTR_LIFECYCLE_REMOTE_H
#define ACTR_LIFECYCLE_REMOTE_H

#include <stdint.h>

#include "actr/error.h"
#include "actr/types.h"
#include "lifecycle/request.h"

struct actr_node;
typedef struct actr_remote actr_remote_t;

/*
 * What PACKAGE-mode registration needs from an attached package (set by actr_node_attach; the
 * node owns the copies). A linked node leaves it empty and registers in LINKED mode.
 */
typedef struct actr_remote_package {
    uint8_t *manifest_raw;
    size_t manifest_raw_len;
    uint8_t mfr_signature[64];
    char *target;
    void *mfr_key; /* optional manufacturer key handle for an unpublished package's proof */
} actr_remote_package_t;

/*
 * ATTACHED -> REGISTERED over the network: starts the WebSocket listener (when the config has a
 * websocket_listen_port), registers with AIS (LINKED, or PACKAGE when node->package is set) and
 * waits for the answer; installs the credential (renewed before it expires) and sets node->id.
 * The node's remote side exists from here on (node->remote).
 */
int actr_remote_register(struct actr_node *node, actr_error_t *err);

/* Part of actr_node_start(), before on_start: opens the mailbox, connects signaling (waits for
 * the first connection, up to the connect timeout) and starts heartbeats. */
int actr_remote_start(struct actr_node *node, actr_error_t *err);

/* Part of actr_node_start(), after on_ready: starts taking messages from the mailbox. */
int actr_remote_open_gate(struct actr_node *node);

/*
 * Shutdown (spec 7.1 step 5): stops taking messages (what is queued stays in the mailbox),
 * unregisters from signaling (not awaited), closes peers, signaling and the listener, and
 * fails pending outbound calls with ACTR_ECLOSED. Waits until the loop has let go. Idempotent.
 */
void actr_remote_stop(struct actr_node *node);

/* Stops taking messages from the mailbox (they stay queued). */
void actr_remote_consumer_stop(actr_remote_t *r);

/* Frees what actr_remote_stop() left (after the actor drained). NULL is ignored. */
void actr_remote_free(actr_remote_t *r);

/*
 * Sends req (a REQUEST or TELL built by host.c; its reference is taken over) to a peer that is
 * not a node of this process. Calls complete through req like in-process ones: with the peer's
 * response, an error envelope, or the caller's deadline. ACTR_EUNAVAILABLE when the node has no
 * remote side or no route to target is known (discover first).
 */
int actr_remote_send(struct actr_node *from, actr_request_t *req, const actr_id_t *target,
                     int64_t timeout_ms, actr_error_t *err);

/* Discovery through signaling (spec 7.2): the first ranked candidate of type; remembers every
 * candidate's direct WebSocket address. Blocks up to the signaling request timeout. */
int actr_remote_discover(struct actr_node *from, const actr_type_t *type, actr_id_t *out,
                         actr_error_t *err);

/* The wire request id of a request that came from the network (ctx request id), or NULL. */
const char *actr_remote_request_id(const actr_request_t *req);

/* The sender of a request that came from the network, or NULL. */
const actr_id_t *actr_remote_caller(const actr_request_t *req);

#endif /* ACTR_LIFECYCLE_REMOTE_H */
