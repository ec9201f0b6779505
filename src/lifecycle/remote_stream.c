/*
 * remote_stream.c - data streams over the network side (remote_stream.h; spec: runtime.md §2.3,
 * §5.3 send_data_chunk, §9.4).
 *
 * Inbound WebSocket: the hub's stream registry (wire/websocket/stream.c) calls on_ws_chunk for
 * streams registered here; we decode the DataChunk, offer it to the node's registry and keep it
 * (return 1) until the actor is done, then tell the hub (actr_ws_stream_done) from the loop, so
 * the hub's per-stream bound and its "stop reading the connection" backpressure apply to
 * STREAM_RELIABLE without ever stalling RPC frames. Inbound WebRTC: whole messages of the stream
 * channels; reliable chunks the actor has no room for are held up to a byte budget.
 *
 * Outbound: one encode, one queueing on the transport, bounded by the chunk's budget (15 s by
 * default), no retry once queued (the reference sends once).
 */
#include "lifecycle/remote_stream.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actr/log.h"
#include "base/clock.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/remote_internal.h"
#include "lifecycle/hooks.h"
#include "lifecycle/streams.h"

/* Pause between attempts while a transport queue is full. */
#define RETRY_SLEEP_MS 2

/* ---- inbound ---- */

typedef struct ws_done {
    actr_remote_t *r;
    char id[];
} ws_done_t;

static void ws_done_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    ws_done_t *d = arg;
    if (d->r->ws)
        actr_ws_stream_done(d->r->ws, d->id, 1);
    free(d);
}

/* The actor finished (or the registry dropped) a chunk the hub handed us: tell the hub, always
 * from a later loop iteration (never inside the hub's own callback). */
static void ws_release(void *arg, const char *id)
{
    actr_remote_t *r = arg;
    size_t n = strlen(id) + 1;
    ws_done_t *d = malloc(sizeof *d + n);
    if (!d) {
        actr_log(ACTR_LOG_ERROR, "streams", "out of memory releasing a stream chunk",
                 ACTR_KV("stream", id));
        return;
    }
    d->r = r;
    memcpy(d->id, id, n);
    /* The loop queue is bounded: a full one is waited for (bounded), the hub must hear it. */
    for (int i = 0; i < 5000; i++) {
        int rc = actr_loop_post(r->loop, ws_done_on_loop, d);
        if (rc == 0)
            return;
        if (rc != ACTR_EAGAIN)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    actr_log(ACTR_LOG_ERROR, "streams", "could not release a stream chunk to the WebSocket hub",
             ACTR_KV("stream", id));
    free(d);
}

static int on_ws_chunk(actr_ws_hub_t *hub, const actr_id_t *peer, uint8_t payload_type,
                       const actr_ws_chunk_t *chunk, void *userdata)
{
    (void)hub;
    actr_remote_t *r = userdata;
    actr_stream_item_t *it = NULL;
    if (actr_stream_item_decode(chunk->raw.data, chunk->raw.len, peer, &it) != 0) {
        actr_streams_count(r->node, ACTR_STREAMS_MALFORMED);
        return 0;
    }
    actr_streams_count(r->node, ACTR_STREAMS_RECEIVED_REMOTE);
    actr_stream_item_on_release(it, ws_release, r);
    if (actr_streams_offer(r->node, it, (actr_stream_lane_t)payload_type, ACTR_STREAM_SRC_WS,
                           0) == 0)
        return 1; /* ws_release tells the hub when the actor is done */
    actr_stream_item_free(it);
    return 0;
}

void actr_remote_stream_on_rtc(actr_remote_t *r, const actr_id_t *peer, int lane,
                               actr_buf_t msg)
{
    actr_stream_item_t *it = NULL;
    int rc = actr_stream_item_decode(msg.data, msg.len, peer, &it);
    actr_buf_release(&msg);
    if (rc != 0) {
        actr_streams_count(r->node, ACTR_STREAMS_MALFORMED);
        return;
    }
    actr_streams_count(r->node, ACTR_STREAMS_RECEIVED_REMOTE);
    if (actr_streams_offer(r->node, it, (actr_stream_lane_t)lane, ACTR_STREAM_SRC_RTC, 0) != 0)
        actr_stream_item_free(it);
    else if (actr_streams_rtc_pause_due(r->node)) {
        atomic_fetch_add_explicit(&r->rtc_rx_pauses, 1, memory_order_relaxed);
        actr_rtc_coord_pause_rx(r->rtc, peer, true); /* reliable means backpressure, not drops */
    }
}

static void rtc_resume_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    actr_remote_t *r = arg;
    if (!r->stopping && r->rtc)
        actr_rtc_coord_pause_rx(r->rtc, NULL, false);
}

void actr_remote_stream_rtc_resume(struct actr_node *node)
{
    actr_remote_t *r = node->remote;
    if (!r)
        return;
    /* Bounded wait for a full loop queue: a lost resume would leave the peer paused. */
    for (int i = 0; i < 5000; i++) {
        int rc = actr_loop_post(r->loop, rtc_resume_on_loop, r);
        if (rc != ACTR_EAGAIN)
            return;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    actr_log(ACTR_LOG_ERROR, "streams", "could not resume reading from WebRTC peers");
}

typedef struct change {
    actr_remote_t *r;
    const char *id;
    bool registered;
} change_t;

static void change_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    change_t *c = arg;
    if (!c->r->ws || c->r->stopping)
        return;
    if (c->registered)
        actr_ws_stream_register(c->r->ws, c->id, ACTR_STREAM_DEPTH, on_ws_chunk, c->r);
    else
        actr_ws_stream_unregister(c->r->ws, c->id);
}

void actr_remote_stream_changed(struct actr_node *node, const char *id, bool registered)
{
    if (!node->remote)
        return;
    change_t c = {.r = node->remote, .id = id, .registered = registered};
    actr_loop_call(node->remote->loop, change_on_loop, &c);
}

/* ---- outbound ---- */

/*
 * Streams recently sent over WebRTC, per peer (runtime.md §5.4, DataChunkActivityTracker): when
 * that peer's WebRTC connection drops, each stream active in the last 30 s gets one on_error
 * hook (DataChunkDeliveryUncertain): chunks already handed to the channel may be lost. A later
 * send re-arms it. Loop thread only; bounded per peer and in peers.
 */
#define ACTIVE_TTL_NS (30ull * 1000000000ull)
#define ACTIVE_MAX_STREAMS 64
#define ACTIVE_MAX_PEERS 256

typedef struct active_peer {
    actr_id_t peer;
    size_t n;
    struct {
        char id[ACTR_STREAM_ID_MAX + 1];
        uint64_t last_ns;
        bool notified;
    } s[ACTIVE_MAX_STREAMS];
} active_peer_t;

static active_peer_t *active_of(actr_remote_t *r, const actr_id_t *peer, bool create)
{
    actr_hmap_t **map = actr_streams_activity(r->node);
    char key[ACTR_ID_STR_SIZE];
    void *v = NULL;
    if (!map || actr_id_format(peer, key, sizeof key, NULL) != 0)
        return NULL;
    if (*map && actr_hmap_get(*map, key, strlen(key), &v) == 0)
        return v;
    if (!create || (!*map && actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, map) != 0) ||
        actr_hmap_count(*map) >= ACTIVE_MAX_PEERS)
        return NULL;
    active_peer_t *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->peer = *peer;
    if (actr_hmap_insert(*map, key, strlen(key), a) != 0) {
        free(a);
        return NULL;
    }
    return a;
}

static void note_active(actr_remote_t *r, const actr_id_t *peer, const char *id)
{
    active_peer_t *a = active_of(r, peer, true);
    if (!a)
        return;
    uint64_t now = actr_clock_mono_ns();
    size_t i = 0, oldest = 0;
    while (i < a->n && strcmp(a->s[i].id, id) != 0) {
        if (a->s[i].last_ns < a->s[oldest].last_ns)
            oldest = i;
        i++;
    }
    if (i == a->n) {
        if (a->n < ACTIVE_MAX_STREAMS)
            a->n++;
        else
            i = oldest; /* full: the least recently used entry goes */
        snprintf(a->s[i].id, sizeof a->s[i].id, "%s", id);
    }
    a->s[i].last_ns = now;
    a->s[i].notified = false;
}

void actr_remote_stream_peer_lost(actr_remote_t *r, const actr_id_t *peer)
{
    active_peer_t *a = active_of(r, peer, false);
    if (!a)
        return;
    uint64_t now = actr_clock_mono_ns();
    char who[ACTR_ID_STR_SIZE] = "?";
    actr_id_format(peer, who, sizeof who, NULL);
    for (size_t i = 0; i < a->n; i++) {
        if (a->s[i].notified || now - a->s[i].last_ns > ACTIVE_TTL_NS)
            continue;
        a->s[i].notified = true;
        actr_hook_event_t h;
        memset(&h, 0, sizeof h);
        h.kind = ACTR_HOOK_ERROR;
        h.error_category = ACTR_ERRCAT_DATA_CHUNK_DELIVERY_UNCERTAIN;
        h.has_peer = true;
        h.peer = *peer;
        h.relayed = -1;
        h.status = -1;
        snprintf(h.message, sizeof h.message,
                 "data chunk delivery uncertain: stream %.80s to %.100s (WebRTC disconnected)",
                 a->s[i].id, who);
        actr_hooks_emit(r->node, &h);
    }
}

typedef struct send_q {
    actr_remote_t *r;
    actr_id_t target;
    uint8_t lane;
    const actr_buf_t *frame;
    const char *stream_id;
    int rc;
    bool rtc;
} send_q_t;

static void send_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    send_q_t *q = arg;
    actr_remote_t *r = q->r;
    if (r->stopping || !r->ws) {
        q->rc = ACTR_ECLOSED;
        return;
    }
    char key[ACTR_ID_STR_SIZE] = "";
    void *url = NULL;
    bool have_url = actr_id_format(&q->target, key, sizeof key, NULL) == 0 &&
                    actr_hmap_get(r->peer_urls, key, strlen(key), &url) == 0;
    /* The route rule of calls (remote_webrtc.c): a ready WebRTC peer, else the WebSocket. */
    q->rtc = actr_remote_webrtc_use(r, &q->target, have_url);
    if (q->rtc) {
        /* The coordinator itself (not actr_remote_webrtc_send): a chunk has no pending call to
         * fail when it is dropped, and no retry (runtime.md 5.3). */
        q->rc = r->rtc ? actr_rtc_coord_send(r->rtc, &q->target, q->lane, q->frame, NULL, NULL)
                       : ACTR_EUNAVAILABLE;
        if (q->rc == 0) {
            atomic_fetch_add_explicit(&r->rtc_out, 1, memory_order_relaxed);
            note_active(r, &q->target, q->stream_id);
        }
        return;
    }
    if (!have_url) {
        q->rc = ACTR_EUNAVAILABLE;
        return;
    }
    actr_ws_conn_id_t conn = 0;
    q->rc = actr_ws_dial(r->ws, &q->target, url, &conn);
    if (q->rc == 0)
        q->rc = actr_ws_send(r->ws, conn, q->lane, q->frame);
}

int actr_remote_stream_send(struct actr_node *from, const actr_id_t *target,
                            const actr_data_chunk_t *c, actr_stream_lane_t lane,
                            int64_t timeout_ms, actr_error_t *err)
{
    actr_remote_t *r = from->remote;
    char id[ACTR_ID_STR_SIZE] = "?";
    actr_id_format(target, id, sizeof id, NULL);
    if (!r)
        return actr_error_set(err, ACTR_EUNAVAILABLE, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "no route to %s: not a node of this process, and this node has no "
                              "network side", id);
    actr_buf_t frame = ACTR_BUF_INIT;
    int rc = actr_stream_encode(c, &frame);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "encoding a DataChunk: %s", actr_strerror(rc));
    uint64_t deadline = actr_clock_mono_ns() + (uint64_t)timeout_ms * 1000000u;
    send_q_t q = {.r = r, .target = *target, .lane = (uint8_t)lane, .frame = &frame,
                  .stream_id = c->stream_id};
    bool blocked = false;
    for (;;) {
        rc = actr_loop_call(r->loop, send_on_loop, &q);
        if (rc == 0)
            rc = q.rc;
        if (rc != ACTR_EAGAIN)
            break;
        if (actr_clock_mono_ns() >= deadline) {
            rc = ACTR_ETIMEDOUT;
            break;
        }
        if (!blocked) {
            actr_workers_block_begin(from->hyper->workers); /* waiting on the network */
            blocked = true;
        }
        struct timespec ts = {0, RETRY_SLEEP_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (blocked)
        actr_workers_block_end(from->hyper->workers);
    actr_buf_release(&frame);
    if (rc == 0) {
        actr_streams_count(from, ACTR_STREAMS_SENT);
        return 0;
    }
    switch (rc) {
    case ACTR_EUNAVAILABLE:
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "no route to %s: no WebRTC connection and no WebSocket address "
                              "known (discover it first)", id);
    case ACTR_ETOOBIG:
        return actr_error_set(err, rc, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "data chunk of %zu bytes is over the %s message size",
                              c->payload.len, q.rtc ? "WebRTC" : "WebSocket");
    case ACTR_ETIMEDOUT:
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_TIMED_OUT,
                              "data chunk send to %s: transport queue full for %lld ms", id,
                              (long long)timeout_ms);
    default:
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "data chunk send to %s failed: %s", id, actr_strerror(rc));
    }
}

/* ---- counters ---- */

typedef struct hub_stats {
    actr_remote_t *r;
    actr_ws_stats_t st;
} hub_stats_t;

static void stats_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    hub_stats_t *q = arg;
    if (q->r->ws)
        actr_ws_stats(q->r->ws, &q->st);
}

void actr_remote_stream_stats(struct actr_node *node, actr_stream_stats_t *st)
{
    if (!node->remote)
        return;
    hub_stats_t q = {.r = node->remote};
    if (actr_loop_call(node->remote->loop, stats_on_loop, &q) != 0)
        return;
    /* What the hub dropped before handing chunks over counts as the node's. */
    st->latency_dropped += q.st.latency_dropped;
    st->unknown_stream += q.st.unknown_stream;
    st->malformed += q.st.undecodable_chunks;
}
