/* node_internal.h - the node, ref and hyper structs shared by the lifecycle modules. */
#ifndef ACTR_LIFECYCLE_NODE_INTERNAL_H
#define ACTR_LIFECYCLE_NODE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "actr/config.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "actr/workload.h"
#include "lifecycle/actor.h"
#include "lifecycle/directory.h"
#include "lifecycle/loop.h"
#include "lifecycle/remote.h"
#include "lifecycle/workers.h"

struct actr_ref {
    struct actr_node *node;
};

struct actr_node {
    _Atomic uint32_t refs; /* the owner (until actr_node_free), the directory, requests */
    actr_hyper_t *hyper;
    const actr_runtime_config_t *config;
    _Atomic int state;     /* actr_node_state_t */
    bool has_type;
    actr_id_t id;          /* type from set_type, realm + serial from registration */
    bool linked;
    actr_workload_t workload;
    struct actr_ref ref;
    actr_actor_t actor;
    _Atomic bool actor_ready; /* actor initialised (from start on) */
    /* The last node this actor's entries sent to (a reference), so a stream of sends skips the
     * directory. Touched only from the actor's serial entries, and by actr_node_free(). */
    struct actr_node *last_target;
    /* The sender's id object last found equal to last_target's id: a send naming it again
     * (same realm and serial) skips comparing the type's strings. */
    const actr_id_t *last_target_id;
    /* Data streams registered by the workload (streams.c), created on first use. */
    _Atomic(struct actr_streams *) streams;
    /* References on this node taken in advance for the caller field of requests its entries
     * send (one atomic per ACTR_NODE_CREDIT_BLOCK sends). Serial context only; the rest is
     * given back by actr_node_free(). */
    uint32_t ref_credits;
    /* The network side (AIS, signaling, WebSocket, mailbox): NULL for in-process nodes. */
    actr_remote_t *remote;
    /* Conflict keys (owned, NULL: none) and concurrency settings: set before start, read by
     * start to decide whether the actor gets a scheduler (actor_sched.c). */
    struct actr_conflict_spec *conflict_spec;
    actr_dispatch_concurrency_t dispatch;
    /* Lanes of outgoing methods (route_lanes.h; NULL: all RPC_RELIABLE): set before start,
     * then only read by remote sends. */
    struct actr_route_lanes *route_lanes;
    /* Set by actr_node_attach(): what PACKAGE-mode registration sends (owned). */
    actr_remote_package_t *package;
    pthread_mutex_t lock;  /* state changes and waiting for STOPPED */
    pthread_cond_t state_cv;
    struct actr_node *prev, *next; /* the hyper's list, under hyper->nodes_lock */
};

struct actr_hyper {
    actr_hyper_options_t opts;
    char *data_dir;
    char instance_uid[ACTR_INSTANCE_UID_LEN + 1];
    actr_loop_t *loop;
    struct actr_deadlines *deadlines; /* of asynchronous calls (deadlines.h) */
    actr_workers_t *workers;
    actr_directory_t *dir;
    uint64_t rid_key[2];   /* request-id key (request_id.h) */
    pthread_mutex_t nodes_lock;
    struct actr_node *nodes;
    bool freeing;          /* under nodes_lock */
    /* Guards every actor's waiting_on (the wait graph of synchronous calls): a walk under it
     * only meets actors that are still referenced, because a waiter clears its mark under this
     * lock before it drops its reference on the actor it waited for. */
    pthread_mutex_t wait_lock;
};

void actr_node_retain(struct actr_node *node);
void actr_node_release(struct actr_node *node);
/* Drops n references at once. */
void actr_node_release_n(struct actr_node *node, uint32_t n);

#define ACTR_NODE_CREDIT_BLOCK 64

/* A reference on node for a request sent from one of its own entries (serial context). */
static inline void actr_node_retain_from_entry(struct actr_node *node)
{
    if (node->ref_credits == 0) {
        atomic_fetch_add_explicit(&node->refs, ACTR_NODE_CREDIT_BLOCK, memory_order_relaxed);
        node->ref_credits = ACTR_NODE_CREDIT_BLOCK;
    }
    node->ref_credits--;
}

/* Moves the node to state (and wakes actr_ref_wait()). */
void actr_node_set_state(struct actr_node *node, actr_node_state_t state);

/* Whether the node accepts traffic (RUNNING). */
static inline bool actr_node_accepting(const struct actr_node *node)
{
    return atomic_load_explicit(&node->state, memory_order_acquire) == ACTR_NODE_RUNNING;
}

#endif /* ACTR_LIFECYCLE_NODE_INTERNAL_H */
