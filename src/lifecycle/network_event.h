/*
 * network_event.h - the node's network events (runtime.md 12.7), src/lifecycle/network_event.c:
 * the settle window, the fold of a batch into one action, and what each action does to
 * signaling and the WebRTC coordinator. The fold is pure so tests can check its precedence.
 */
#ifndef ACTR_LIFECYCLE_NETWORK_EVENT_H
#define ACTR_LIFECYCLE_NETWORK_EVENT_H

#include <stdbool.h>

#include "actr/node.h"

#define ACTR_NET_SETTLE_MS 400      /* the reconciler's settle window */
#define ACTR_NET_PROBE_TIMEOUT_MS 1000

typedef enum actr_net_action {
    ACTR_NET_NOOP = 0,
    ACTR_NET_PROBE,           /* ping signaling; when dead: disconnect + restore */
    ACTR_NET_RESTORE,         /* signaling up (fresh backoff), then ICE-restart ready peers */
    ACTR_NET_FORCE_RECONNECT, /* cleanup, then restore */
    ACTR_NET_OFFLINE,         /* peers marked recovering, restarts cleared, signaling down */
    ACTR_NET_CLEANUP,         /* signaling down, every WebRTC peer closed */
} actr_net_action_t;

/* One settle window's events, as they accumulated. */
typedef struct actr_net_batch {
    bool cleanup, force;
    bool has_path;
    actr_network_availability_t latest; /* the last PATH_CHANGED's availability */
} actr_net_batch_t;

/* The ConnectionSupervisor's precedence (runtime.md 12.7). */
actr_net_action_t actr_net_fold(const actr_net_batch_t *b);
const char *actr_net_action_name(actr_net_action_t a);

struct actr_remote;
/* Starts watching local address changes (netwatch.h) into the same events (loop thread, after
 * signaling exists). 0, or ACTR_EIO/ENOMEM (logged; the node runs without it). */
int actr_remote_net_watch(struct actr_remote *r);
/* Closes the settle timer (remote stop, loop thread); false when there is none (done will not
 * run), else done(arg) runs once it is closed. */
bool actr_remote_net_close(struct actr_remote *r, void (*done)(void *), void *arg);

#endif /* ACTR_LIFECYCLE_NETWORK_EVENT_H */
