/* node.c - the node typestate: new → link → register_local → start → shutdown → free. */
#include "actr/node.h"

#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "dispatch/conflict_key.h"
#include "dispatch/scheduler.h"
#include "lifecycle/directory.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/route_lanes.h"
#include "lifecycle/streams.h"

const char *actr_node_state_name(actr_node_state_t state)
{
    switch (state) {
    case ACTR_NODE_INIT: return "init";
    case ACTR_NODE_ATTACHED: return "attached";
    case ACTR_NODE_REGISTERED: return "registered";
    case ACTR_NODE_RUNNING: return "running";
    case ACTR_NODE_STOPPING: return "stopping";
    case ACTR_NODE_STOPPED: return "stopped";
    }
    return "unknown";
}

void actr_node_retain(struct actr_node *node)
{
    atomic_fetch_add_explicit(&node->refs, 1, memory_order_relaxed);
}

void actr_node_release(struct actr_node *node)
{
    actr_node_release_n(node, 1);
}

void actr_node_release_n(struct actr_node *node, uint32_t n)
{
    if (n == 0 || atomic_fetch_sub_explicit(&node->refs, n, memory_order_acq_rel) != n)
        return;
    if (atomic_load_explicit(&node->actor_ready, memory_order_relaxed))
        actr_actor_destroy(&node->actor);
    pthread_cond_destroy(&node->state_cv);
    pthread_mutex_destroy(&node->lock);
    free(node);
}

void actr_node_set_state(struct actr_node *node, actr_node_state_t state)
{
    pthread_mutex_lock(&node->lock);
    atomic_store_explicit(&node->state, state, memory_order_release);
    pthread_cond_broadcast(&node->state_cv);
    pthread_mutex_unlock(&node->lock);
}

static actr_node_state_t state_of(const actr_node_t *node)
{
    return (actr_node_state_t)atomic_load_explicit(&node->state, memory_order_acquire);
}

/* ACTR_ESTATE naming the call, the state it needs and the one the node is in. */
static int wrong_state(const actr_node_t *node, const char *call, const char *needs,
                       actr_error_t *err)
{
    return actr_error_set(err, ACTR_ESTATE, ACTR_KIND_CLIENT, 0, "%s needs a node in %s, not %s",
                          call, needs, actr_node_state_name(state_of(node)));
}

int actr_node_new(actr_hyper_t *hyper, const actr_runtime_config_t *config, actr_node_t **out,
                  actr_error_t *err)
{
    if (!hyper || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "hyper and out are required");
    *out = NULL;
    actr_node_t *n = calloc(1, sizeof *n);
    if (!n)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    atomic_init(&n->refs, 1);
    atomic_init(&n->state, ACTR_NODE_INIT);
    atomic_init(&n->actor_ready, false);
    n->hyper = hyper;
    n->config = config;
    n->ref.node = n;
    actr_dispatch_concurrency_init(&n->dispatch);
    if (config && config->has_hyper)
        n->dispatch = config->hyper.dispatch; /* [hyper.dispatch], range-checked by the parser */
    pthread_mutex_init(&n->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&n->state_cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_lock(&hyper->nodes_lock);
    bool ok = !hyper->freeing;
    if (ok) {
        n->next = hyper->nodes;
        if (hyper->nodes)
            hyper->nodes->prev = n;
        hyper->nodes = n;
    }
    pthread_mutex_unlock(&hyper->nodes_lock);
    if (!ok) {
        actr_node_release(n);
        return actr_error_set(err, ACTR_ESTATE, ACTR_KIND_CLIENT, 0, "the hyper is being freed");
    }
    *out = n;
    return 0;
}

int actr_node_set_type(actr_node_t *node, const actr_type_t *type, actr_error_t *err)
{
    if (!node || !type)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "node and type are required");
    actr_node_state_t st = state_of(node);
    if (st != ACTR_NODE_INIT && st != ACTR_NODE_ATTACHED)
        return wrong_state(node, "set_type", "init or attached", err);
    int rc = actr_type_validate(type, err);
    if (rc != 0)
        return rc;
    node->id.type = *type;
    node->has_type = true;
    return 0;
}

int actr_node_link(actr_node_t *node, const actr_workload_t *workload, actr_error_t *err)
{
    actr_workload_t wl = workload ? *workload : (actr_workload_t){NULL, NULL};
    int rc = 0;
    if (!node || !workload)
        rc = actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "node and workload are required");
    else if (state_of(node) != ACTR_NODE_INIT)
        rc = wrong_state(node, "link", "init", err);
    else if (!wl.vtable || !wl.vtable->dispatch)
        rc = actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "workload has no dispatch entry");
    if (rc != 0) {
        actr_workload_destroy(&wl); /* ownership passes even on failure */
        return rc;
    }
    node->workload = wl;
    node->linked = true;
    actr_node_set_state(node, ACTR_NODE_ATTACHED);
    return 0;
}

/* actr_node_attach() is in attach.c (packages and engines). */

int actr_node_set_manufacturer_key(actr_node_t *node, const actr_signing_key_t *key,
                                   actr_error_t *err)
{
    if (!node || !key)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "node and key are required");
    if (state_of(node) != ACTR_NODE_ATTACHED)
        return wrong_state(node, "set_manufacturer_key", "attached", err);
    if (!node->package)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "set_manufacturer_key: the node runs a linked workload, not a "
                              "package");
    node->package->mfr_key = (void *)key;
    return 0;
}

int actr_node_register(actr_node_t *node, actr_error_t *err)
{
    if (!node)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "node is required");
    if (state_of(node) != ACTR_NODE_ATTACHED || node->remote)
        return wrong_state(node, "register", "attached", err);
    int rc = actr_remote_register(node, err);
    if (rc != 0) {
        actr_remote_free(node->remote);
        node->remote = NULL;
        return rc;
    }
    rc = actr_directory_add(node->hyper->dir, &node->id, node);
    if (rc != 0)
        actr_log(ACTR_LOG_WARN, "runtime", "registered id already used in this process; "
                 "in-process peers will not find this node", ACTR_KV("error", actr_strerror(rc)));
    actr_node_set_state(node, ACTR_NODE_REGISTERED);
    return 0;
}

int actr_node_register_local(actr_node_t *node, uint32_t realm_id, uint64_t serial,
                             actr_error_t *err)
{
    if (!node)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "node is required");
    if (state_of(node) != ACTR_NODE_ATTACHED)
        return wrong_state(node, "register_local", "attached", err);
    if (!node->has_type)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "register_local: no actor type (call actr_node_set_type first)");
    actr_directory_t *dir = node->hyper->dir;
    node->id.realm.realm_id = realm_id;
    node->id.serial_number = serial ? serial : actr_directory_fresh_serial(dir, realm_id);
    int rc = actr_directory_add(dir, &node->id, node);
    if (rc == ACTR_EEXIST)
        return actr_error_set(err, rc, ACTR_KIND_CLIENT, 0,
                              "register_local: realm %u serial %llx is taken in this hyper",
                              realm_id, (unsigned long long)node->id.serial_number);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "register_local: out of memory");
    actr_node_set_state(node, ACTR_NODE_REGISTERED);
    return 0;
}

int actr_node_start(actr_node_t *node, actr_ref_t **ref, actr_error_t *err)
{
    if (ref)
        *ref = NULL;
    if (!node || !ref)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "node and ref are required");
    if (state_of(node) != ACTR_NODE_REGISTERED || atomic_load(&node->actor_ready))
        return wrong_state(node, "start", "registered", err);
    actr_hyper_t *h = node->hyper;
    int rc = actr_actor_init(&node->actor, node, h->workers, h->opts.inbox_capacity,
                             h->opts.hook_queue_capacity);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "start: cannot create the inbox");
    bool engage = actr_dispatch_engaged(node->dispatch.enabled, node->conflict_spec);
    if (engage && node->package) {
        /* A package's engine instance (dynclib, WASM store) is not safe for entries on
         * several threads: it stays serial (the reference's dynclib runner is serial too). */
        actr_log(ACTR_LOG_WARN, "runtime", "conflict keys ignored: packaged actors run serial");
        engage = false;
    }
    if (engage &&
        (rc = actr_actor_engage(&node->actor, node->conflict_spec, node->dispatch.budget,
                                node->dispatch.queue_cap)) != 0) {
        actr_actor_destroy(&node->actor);
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0,
                              "start: cannot create the dispatch scheduler");
    }
    atomic_store_explicit(&node->actor_ready, true, memory_order_release);
    char id[ACTR_ID_STR_SIZE];
    if (actr_id_format(&node->id, id, sizeof id, NULL) != 0)
        id[0] = '\0';
    /* A networked node connects signaling first (protocol.md 7.1 step 2); messages that
     * arrive meanwhile wait in the mailbox until the gate opens after on_ready. */
    if (node->remote && (rc = actr_remote_start(node, err)) != 0) {
        actr_log(ACTR_LOG_ERROR, "runtime", "start aborted", ACTR_KV("actor", id),
                 ACTR_KV("error", err ? err->message : actr_strerror(rc)));
        actr_node_set_state(node, ACTR_NODE_STOPPED);
        return rc;
    }
    /* Nothing can reach the actor yet (not RUNNING): on_start and on_ready come first. */
    rc = actr_actor_run_lifecycle(&node->actor, ACTR_LIFECYCLE_ON_START, err);
    if (rc != 0) {
        actr_log(ACTR_LOG_ERROR, "runtime", "on_start failed: start aborted", ACTR_KV("actor", id),
                 ACTR_KV("error", err ? err->message : actr_strerror(rc)));
        actr_node_set_state(node, ACTR_NODE_STOPPED);
        return rc;
    }
    actr_error_t ready_err;
    if (actr_actor_run_lifecycle(&node->actor, ACTR_LIFECYCLE_ON_READY, &ready_err) != 0)
        actr_log(ACTR_LOG_WARN, "runtime", "on_ready failed", ACTR_KV("actor", id),
                 ACTR_KV("error", ready_err.message));
    actr_node_set_state(node, ACTR_NODE_RUNNING);
    if (node->remote && actr_remote_open_gate(node) != 0)
        actr_log(ACTR_LOG_ERROR, "runtime", "mailbox consumer did not start: remote messages "
                 "stay queued", ACTR_KV("actor", id));
    actr_log(ACTR_LOG_INFO, "runtime", "ActrNode started successfully", ACTR_KV("actor", id));
    *ref = &node->ref;
    return 0;
}

actr_node_state_t actr_node_state(const actr_node_t *node)
{
    return node ? state_of(node) : ACTR_NODE_STOPPED;
}

const actr_id_t *actr_node_id(const actr_node_t *node)
{
    return node && state_of(node) >= ACTR_NODE_REGISTERED ? &node->id : NULL;
}

actr_ref_t *actr_node_ref(actr_node_t *node)
{
    return node && state_of(node) >= ACTR_NODE_RUNNING ? &node->ref : NULL;
}

void actr_node_free(actr_node_t *node)
{
    if (!node)
        return;
    if (node->remote)
        actr_remote_consumer_stop(node->remote); /* queued remote messages stay in the mailbox */
    actr_streams_close(node); /* no chunk enters the inbox once the drain below begins */
    if (atomic_load(&node->actor_ready)) {
        actr_ref_shutdown(&node->ref);
        actr_ref_wait(&node->ref, -1);
        actr_actor_drain(&node->actor);
    }
    if (node->remote) {
        actr_remote_stop(node);
        actr_remote_free(node->remote);
        node->remote = NULL;
    }
    if (node->package) {
        free(node->package->manifest_raw);
        free(node->package->target);
        free(node->package);
        node->package = NULL;
    }
    actr_node_state_t st = state_of(node);
    if (st >= ACTR_NODE_REGISTERED)
        actr_directory_remove(node->hyper->dir, &node->id, node);
    actr_streams_free(node); /* after the drain: every queued chunk has run */
    if (node->last_target) {
        actr_node_release(node->last_target);
        node->last_target = NULL;
        node->last_target_id = NULL;
    }
    uint32_t credits = node->ref_credits;
    node->ref_credits = 0;
    if (credits) /* never the last references: the owner's is still held */
        atomic_fetch_sub_explicit(&node->refs, credits, memory_order_relaxed);
    if (node->linked)
        actr_workload_destroy(&node->workload);
    /* The actor (if engaged) keeps a pointer to the spec until its last reference goes: it
     * is only read by the feeder, which has stopped for good after actr_actor_drain(). */
    actr_conflict_spec_free(node->conflict_spec);
    node->conflict_spec = NULL;
    actr_route_lanes_free(node->route_lanes);
    node->route_lanes = NULL;
    actr_hyper_t *h = node->hyper;
    pthread_mutex_lock(&h->nodes_lock);
    if (node->prev)
        node->prev->next = node->next;
    else
        h->nodes = node->next;
    if (node->next)
        node->next->prev = node->prev;
    pthread_mutex_unlock(&h->nodes_lock);
    actr_node_release(node);
}

/* ---- conflict-key dispatch settings ---- */

/* The public field kinds are the scanner's, value for value. */
_Static_assert((int)ACTR_FIELD_BOOL == (int)ACTR_CK_BOOL &&
                   (int)ACTR_FIELD_ENUM == (int)ACTR_CK_ENUM &&
                   (int)ACTR_FIELD_STRING == (int)ACTR_CK_STRING &&
                   (int)ACTR_FIELD_BYTES == (int)ACTR_CK_BYTES,
               "actr_conflict_field_kind_t must match actr_ck_field_kind_t");

static bool before_start(const actr_node_t *node)
{
    actr_node_state_t st = state_of(node);
    return st <= ACTR_NODE_REGISTERED && !atomic_load(&node->actor_ready);
}

int actr_node_set_conflict_keys(actr_node_t *node, const actr_conflict_decl_t *decls, size_t n,
                                actr_error_t *err)
{
    if (!node || (n && !decls))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "node and declarations are required");
    if (!before_start(node))
        return wrong_state(node, "set_conflict_keys", "init, attached or registered", err);
    actr_conflict_spec_t *spec = NULL;
    int rc = n ? actr_conflict_spec_new(&spec) : 0;
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    for (size_t i = 0; i < n && rc == 0; i++) {
        const actr_conflict_decl_t *d = &decls[i];
        actr_ck_source_t src;
        if (d->source == ACTR_CONFLICT_SENDER) {
            src = ACTR_CK_SENDER;
        } else if (d->source == ACTR_CONFLICT_PAYLOAD_FIELD) {
            src = ACTR_CK_FIELD(d->field_tag, (actr_ck_field_kind_t)d->field_kind);
        } else {
            rc = actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                "conflict key %zu: unknown source %d", i, (int)d->source);
            break;
        }
        rc = actr_conflict_spec_add(spec, d->route_key, d->domain, src, err);
    }
    if (rc != 0) {
        actr_conflict_spec_free(spec);
        return rc;
    }
    actr_conflict_spec_free(node->conflict_spec);
    node->conflict_spec = spec;
    return 0;
}

/* ---- lanes of outgoing methods (route_lanes.c) ---- */

int actr_node_set_route_lanes(actr_node_t *node, const actr_lane_decl_t *decls, size_t n,
                              actr_error_t *err)
{
    if (!node || (n && !decls))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "node and declarations are required");
    if (!before_start(node))
        return wrong_state(node, "set_route_lanes", "init, attached or registered", err);
    actr_route_lanes_t *t = NULL;
    int rc = n ? actr_route_lanes_new(decls, n, &t, err) : 0;
    if (rc != 0)
        return rc;
    actr_route_lanes_free(node->route_lanes);
    node->route_lanes = t;
    return 0;
}

actr_lane_t actr_node_route_lane(const actr_node_t *node, const char *route_key)
{
    return node ? actr_route_lanes_get(node->route_lanes, route_key) : ACTR_LANE_RPC_RELIABLE;
}

void actr_dispatch_concurrency_init(actr_dispatch_concurrency_t *dc)
{
    if (!dc)
        return;
    *dc = (actr_dispatch_concurrency_t){true, ACTR_SCHED_DEFAULT_BUDGET,
                                        ACTR_SCHED_DEFAULT_QUEUE_CAP, 0};
}

int actr_node_set_dispatch_concurrency(actr_node_t *node, const actr_dispatch_concurrency_t *opts,
                                       actr_error_t *err)
{
    if (!node || !opts)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "node and opts are required");
    if (!before_start(node))
        return wrong_state(node, "set_dispatch_concurrency", "init, attached or registered", err);
    if (opts->budget < 1 || opts->budget > ACTR_ACTOR_MAX_BUDGET ||
        opts->queue_cap < opts->budget || opts->queue_cap > ACTR_SCHED_MAX_QUEUE_CAP)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "dispatch concurrency: budget must be 1..%u and queue_cap budget..%u "
                              "(got %u, %u)", ACTR_ACTOR_MAX_BUDGET, ACTR_SCHED_MAX_QUEUE_CAP,
                              opts->budget, opts->queue_cap);
    node->dispatch = *opts;
    return 0;
}

bool actr_node_dispatch_engaged(const actr_node_t *node)
{
    return node && atomic_load(&node->actor_ready) && node->actor.sched != NULL;
}
