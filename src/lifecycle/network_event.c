/*
 * network_event.c - the node's network events (runtime.md 12.7): actr_node_network_event()
 * records the event on the loop; the first one of a batch opens a 400 ms settle window, later
 * ones are coalesced; when the window closes the batch folds into one action (the
 * ConnectionSupervisor's precedence) carried out on signaling and the WebRTC coordinator.
 * docs/WEBRTC-COORDINATOR.md, "Recovery".
 */
#include "lifecycle/network_event.h"

#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "lifecycle/netwatch.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/remote_internal.h"

typedef struct actr_net_events {
    actr_remote_t *r;
    uv_timer_t settle;
    bool settling;
    actr_net_batch_t batch;
    actr_netwatch_t *watch; /* [webrtc].watch_network */
    int open;               /* handles still to close at stop */
    void (*done)(void *);
    void *done_arg;
} actr_net_events_t;

actr_net_action_t actr_net_fold(const actr_net_batch_t *b)
{
    if (b->cleanup)
        return ACTR_NET_CLEANUP;
    if (b->has_path && b->latest == ACTR_NETWORK_UNAVAILABLE)
        return ACTR_NET_OFFLINE;
    if (b->force)
        return ACTR_NET_FORCE_RECONNECT;
    if (b->has_path)
        return b->latest == ACTR_NETWORK_AVAILABLE ? ACTR_NET_RESTORE : ACTR_NET_PROBE;
    return ACTR_NET_NOOP;
}

const char *actr_net_action_name(actr_net_action_t a)
{
    static const char *const names[] = {"noop",           "probe",   "restore",
                                        "force_reconnect", "offline", "cleanup_only"};
    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

/* ---- actions (loop thread) ---- */

/* Signaling is up again (or was): the WebRTC peers restart ICE towards the new path. */
static void on_restored(actr_sigc_t *c, int status, const actr_error_t *err, void *ud)
{
    (void)c;
    actr_remote_t *r = ud;
    if (r->stopping)
        return;
    if (status != 0) {
        /* The reconnect manager is not suppressed any more (connect() was called): it keeps
         * trying; peers stay as they are until the next event or their own ICE failure. */
        actr_log(ACTR_LOG_WARN, "remote", "network restore: signaling did not come back",
                 ACTR_KV("error", err && err->message[0] ? err->message : actr_strerror(status)));
        return;
    }
    uint32_t n = r->rtc ? actr_rtc_coord_network_restore(r->rtc) : 0;
    char buf[16];
    snprintf(buf, sizeof buf, "%u", n);
    actr_log(ACTR_LOG_INFO, "remote", "network restored", ACTR_KV("ice_restarts", buf));
}

static void restore(actr_remote_t *r)
{
    /* connect() joins or starts a cycle with a fresh backoff; done runs from the loop even
     * when signaling is already connected. */
    if (r->sigc && actr_sigc_connect(r->sigc, on_restored, r) != 0)
        actr_log(ACTR_LOG_WARN, "remote", "network restore: signaling unavailable");
}

static void cleanup(actr_remote_t *r)
{
    if (r->sigc)
        actr_sigc_disconnect(r->sigc);
    if (r->rtc)
        actr_rtc_coord_drop_peer(r->rtc, NULL);
}

static void on_probed(actr_sigc_t *c, int status, const actr_error_t *err, void *ud)
{
    (void)err;
    actr_remote_t *r = ud;
    if (r->stopping || status == 0)
        return; /* signaling answered: the path works, nothing to do */
    actr_log(ACTR_LOG_INFO, "remote", "network probe failed: reconnecting");
    actr_sigc_disconnect(c);
    restore(r);
}

static void run_action(actr_remote_t *r, actr_net_action_t a)
{
    actr_log(ACTR_LOG_INFO, "remote", "network event", ACTR_KV("action", actr_net_action_name(a)));
    switch (a) {
    case ACTR_NET_CLEANUP:
        cleanup(r);
        break;
    case ACTR_NET_OFFLINE:
        /* Tests (docs/TESTING-REMOTE.md): the network really goes away with the event, so
         * only an ICE restart brings the data path back. */
        if (getenv("ACTR_TEST_NET_FAULT") && strcmp(getenv("ACTR_TEST_NET_FAULT"), "1") == 0)
            actr_rtc_coord_debug_blackhole();
        if (r->rtc)
            actr_rtc_coord_network_lost(r->rtc);
        if (r->sigc)
            actr_sigc_disconnect(r->sigc);
        break;
    case ACTR_NET_FORCE_RECONNECT:
        cleanup(r);
        restore(r);
        break;
    case ACTR_NET_RESTORE:
        restore(r);
        break;
    case ACTR_NET_PROBE:
        if (!r->sigc || !actr_sigc_is_connected(r->sigc) ||
            actr_sigc_probe(r->sigc, ACTR_NET_PROBE_TIMEOUT_MS, on_probed, r) != 0)
            restore(r);
        break;
    default:
        break;
    }
}

static void on_settled(uv_timer_t *t)
{
    actr_net_events_t *ne = t->data;
    actr_net_batch_t b = ne->batch;
    memset(&ne->batch, 0, sizeof ne->batch);
    ne->settling = false;
    if (!ne->r->stopping)
        run_action(ne->r, actr_net_fold(&b));
}

/* ---- entry ---- */

/* The node's event state, made on first use (loop thread). */
static actr_net_events_t *net_get(actr_remote_t *r)
{
    if (r->net)
        return r->net;
    actr_net_events_t *ne = calloc(1, sizeof *ne);
    if (!ne)
        return NULL;
    ne->r = r;
    uv_timer_init(r->uv, &ne->settle);
    ne->settle.data = ne;
    ne->open = 1;
    r->net = ne;
    return ne;
}

/* One event into the current batch; the first opens the settle window (loop thread). */
static int net_event(actr_remote_t *r, actr_network_event_kind_t kind,
                     actr_network_availability_t avail)
{
    if (r->stopping || !r->sigc)
        return ACTR_ESTATE;
    actr_net_events_t *ne = net_get(r);
    if (!ne)
        return ACTR_ENOMEM;
    switch (kind) {
    case ACTR_NETWORK_PATH_CHANGED:
        ne->batch.has_path = true;
        ne->batch.latest = avail; /* events arrive in order: the last one is the newest */
        break;
    case ACTR_NETWORK_FORCE_RECONNECT:
        ne->batch.force = true;
        break;
    default:
        ne->batch.cleanup = true;
        break;
    }
    if (!ne->settling) {
        ne->settling = true;
        uv_timer_start(&ne->settle, on_settled, ACTR_NET_SETTLE_MS, 0);
    }
    return 0;
}

typedef struct net_call {
    actr_remote_t *r;
    actr_network_event_kind_t kind;
    actr_network_availability_t avail;
    int rc;
} net_call_t;

static void event_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    net_call_t *q = arg;
    q->rc = net_event(q->r, q->kind, q->avail);
}

int actr_node_network_event(actr_node_t *node, actr_network_event_kind_t kind,
                            actr_network_availability_t availability)
{
    if (!node || (unsigned)kind > ACTR_NETWORK_CLEANUP_CONNECTIONS ||
        (unsigned)availability > ACTR_NETWORK_UNAVAILABLE)
        return ACTR_EINVAL;
    if (!actr_node_accepting(node) || !node->remote)
        return ACTR_ESTATE;
    net_call_t q = {.r = node->remote, .kind = kind, .avail = availability, .rc = ACTR_ESTATE};
    int rc = actr_loop_call(node->remote->loop, event_on_loop, &q);
    return rc ? rc : q.rc;
}

/* ---- automatic detection ([webrtc].watch_network) ---- */

/* A new address is a new path (restore); only removals: probe whether signaling survived. */
static void on_addresses(void *arg, unsigned added, unsigned removed)
{
    actr_remote_t *r = arg;
    char a[16], d[16];
    snprintf(a, sizeof a, "%u", added);
    snprintf(d, sizeof d, "%u", removed);
    actr_log(ACTR_LOG_INFO, "remote", "local addresses changed", ACTR_KV("added", a),
             ACTR_KV("removed", d));
    net_event(r, ACTR_NETWORK_PATH_CHANGED, added ? ACTR_NETWORK_AVAILABLE : ACTR_NETWORK_UNKNOWN);
}

int actr_remote_net_watch(actr_remote_t *r)
{
    actr_net_events_t *ne = net_get(r);
    if (!ne)
        return ACTR_ENOMEM;
    if (ne->watch)
        return 0;
    int rc = actr_netwatch_open(r->uv, on_addresses, r, &ne->watch);
    if (rc != 0)
        actr_log(ACTR_LOG_WARN, "remote", "[webrtc].watch_network: no netlink; not watching",
                 ACTR_KV("error", actr_strerror(rc)));
    else
        ne->open++;
    return rc;
}

/* ---- teardown ---- */

static void closed_one(void *arg)
{
    actr_net_events_t *ne = arg;
    if (--ne->open > 0)
        return;
    void (*done)(void *) = ne->done;
    void *done_arg = ne->done_arg;
    free(ne);
    done(done_arg);
}

static void on_timer_closed(uv_handle_t *h)
{
    closed_one(h->data);
}

bool actr_remote_net_close(actr_remote_t *r, void (*done)(void *), void *arg)
{
    actr_net_events_t *ne = r->net;
    if (!ne)
        return false;
    r->net = NULL;
    ne->done = done;
    ne->done_arg = arg;
    if (ne->watch) {
        actr_netwatch_close(ne->watch, closed_one, ne);
        ne->watch = NULL;
    }
    uv_close((uv_handle_t *)&ne->settle, on_timer_closed);
    return true;
}
