/*
 * stream.c - the hub's stream registry (runtime.md 6.1, protocol.md 8.4): DataChunk frames on
 * lanes 2 and 3 go to the callback registered for their stream_id; unknown streams are dropped
 * and counted.
 *
 * Backpressure. A consumer keeps at most `depth` chunks of a stream undone (callback returned 1,
 * actr_ws_stream_done not yet called). Beyond that:
 *   - STREAM_LATENCY_FIRST: the newest chunk is dropped and counted (as the reference);
 *   - STREAM_RELIABLE: the chunk is held, in order, and charged to the connection it came from.
 *     Once a connection's held bytes pass stream_hold_bytes we stop reading it
 *     (lws_rx_flow_control); it reads again when they fall to half. Reliable data is never
 *     dropped.
 * How RPC keeps flowing (the reference blocks every lane of the connection as soon as one stream
 * queue is full, runtime.md 2.1 "Observed"): RPC frames are never queued behind chunks - they
 * are dispatched the moment they are read, and reading continues until stream_hold_bytes of
 * chunks are held, so requests interleaved with a stalled stream still arrive; writes are never
 * paused, so replies on a paused connection still go out. Only frames the peer sends after the
 * hold budget is spent wait in TCP until the consumer catches up.
 */
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "wire/websocket/ws_internal.h"

typedef struct ws_held {
    struct ws_held *next;
    ws_conn_t *conn; /* charged for it; NULL once the conn is gone */
    actr_id_t peer;
    uint8_t payload_type;
    actr_buf_t raw;
    ws_chunk_fields_t f;
} ws_held_t;

typedef struct ws_stream {
    char *id;
    size_t id_len;
    actr_ws_chunk_fn fn;
    void *userdata;
    uint32_t depth;
    uint32_t undone;
    ws_held_t *head, *tail;
    bool pumping; /* delivering: re-entrant calls only adjust counters */
    bool dead;    /* unregistered while pumping: the pump frees it */
} ws_stream_t;

int ws_streams_new(actr_ws_hub_t *hub)
{
    return actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &hub->streams);
}

static void uncharge(actr_ws_hub_t *hub, ws_held_t *h)
{
    ws_conn_t *c = h->conn;
    if (!c)
        return;
    c->held_bytes -= h->raw.len;
    h->conn = NULL;
    if ((c->pause & WS_PAUSE_STREAMS) && c->held_bytes <= hub->cfg.stream_hold_bytes / 2)
        ws_conn_pause(c, WS_PAUSE_STREAMS, false);
}

static void stream_free(actr_ws_hub_t *hub, ws_stream_t *s)
{
    while (s->head) {
        ws_held_t *next = s->head->next;
        uncharge(hub, s->head);
        actr_buf_release(&s->head->raw);
        free(s->head);
        s->head = next;
    }
    free(s->id);
    free(s);
}

static void stream_free_cb(void *v)
{
    ws_stream_t *s = v;
    while (s->head) { /* connections are gone: nothing to uncharge */
        ws_held_t *next = s->head->next;
        actr_buf_release(&s->head->raw);
        free(s->head);
        s->head = next;
    }
    free(s->id);
    free(s);
}

void ws_streams_free(actr_ws_hub_t *hub)
{
    actr_hmap_free(hub->streams, stream_free_cb);
    hub->streams = NULL;
}

void ws_streams_forget_conn(actr_ws_hub_t *hub, ws_conn_t *c)
{
    if (!c->held_bytes || !hub->streams)
        return;
    actr_hmap_iter_t it;
    actr_hmap_entry_t e;
    for (actr_hmap_iter_init(hub->streams, &it); actr_hmap_iter_next(&it, &e);)
        for (ws_held_t *h = ((ws_stream_t *)e.value)->head; h; h = h->next)
            if (h->conn == c)
                h->conn = NULL;
    c->held_bytes = 0;
}

/* Calls the consumer once; consumes raw. */
static void deliver(actr_ws_hub_t *hub, ws_stream_t *s, const actr_id_t *peer, uint8_t pt,
                    actr_buf_t raw, const ws_chunk_fields_t *f)
{
    actr_ws_chunk_t chunk;
    memset(&chunk, 0, sizeof chunk);
    chunk.stream_id = (const char *)raw.data + f->stream_id_off;
    chunk.stream_id_len = f->stream_id_len;
    chunk.sequence = f->sequence;
    chunk.raw = raw;
    if (f->payload_len)
        actr_buf_slice(&raw, f->payload_off, f->payload_len, &chunk.payload);
    if (s->fn(hub, peer, pt, &chunk, s->userdata) == 1)
        s->undone++;
    actr_buf_release(&chunk.payload);
    actr_buf_release(&raw);
}

/* Delivers held chunks while the consumer has room; frees s if it died meanwhile. */
static void pump(actr_ws_hub_t *hub, ws_stream_t *s)
{
    if (s->pumping)
        return;
    s->pumping = true;
    while (!s->dead && s->head && s->undone < s->depth && !hub->destroying) {
        ws_held_t *h = s->head;
        s->head = h->next;
        if (!s->head)
            s->tail = NULL;
        uncharge(hub, h);
        deliver(hub, s, &h->peer, h->payload_type, h->raw, &h->f);
        free(h);
    }
    s->pumping = false;
    if (s->dead)
        stream_free(hub, s);
}

void ws_stream_dispatch(ws_conn_t *c, uint8_t pt, actr_buf_t raw)
{
    actr_ws_hub_t *hub = c->hub;
    ws_chunk_fields_t f;
    if (ws_chunk_scan(raw.data, raw.len, &f) != 0) {
        hub->stats.undecodable_chunks++;
        actr_log(ACTR_LOG_DEBUG, WS_LOG, "dropped an undecodable DataChunk");
        actr_buf_release(&raw);
        return;
    }
    void *v = NULL;
    if (actr_hmap_get(hub->streams, raw.data + f.stream_id_off, f.stream_id_len, &v) != 0) {
        hub->stats.unknown_stream++;
        actr_logf(ACTR_LOG_DEBUG, WS_LOG, "dropped a chunk of unregistered stream \"%.*s\"",
                  (int)(f.stream_id_len > 64 ? 64 : f.stream_id_len),
                  (const char *)raw.data + f.stream_id_off);
        actr_buf_release(&raw);
        return;
    }
    ws_stream_t *s = v;
    if (!s->head && s->undone < s->depth) {
        s->pumping = true; /* a done() from inside the callback must not reorder */
        deliver(hub, s, &c->peer, pt, raw, &f);
        s->pumping = false;
        if (s->dead)
            stream_free(hub, s);
        else
            pump(hub, s);
        return;
    }
    if (pt == ACTR_WS_STREAM_LATENCY_FIRST) {
        hub->stats.latency_dropped++;
        actr_buf_release(&raw);
        return;
    }
    ws_held_t *h = calloc(1, sizeof *h);
    if (!h) { /* cannot hold it: stopping the connection is all we can do without losing it */
        actr_log(ACTR_LOG_ERROR, WS_LOG, "out of memory holding a stream chunk");
        actr_buf_release(&raw);
        ws_conn_end(c, ACTR_WS_REASON_CLOSED_LOCALLY, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION);
        return;
    }
    h->conn = c;
    h->peer = c->peer;
    h->payload_type = pt;
    h->raw = raw;
    h->f = f;
    if (s->tail)
        s->tail->next = h;
    else
        s->head = h;
    s->tail = h;
    hub->stats.chunks_held++;
    c->held_bytes += raw.len;
    if (c->held_bytes > hub->cfg.stream_hold_bytes)
        ws_conn_pause(c, WS_PAUSE_STREAMS, true);
}

static ws_stream_t *stream_get(actr_ws_hub_t *hub, const char *id)
{
    void *v = NULL;
    if (!hub || !id || !hub->streams || actr_hmap_get(hub->streams, id, strlen(id), &v) != 0)
        return NULL;
    return v;
}

int actr_ws_stream_register(actr_ws_hub_t *hub, const char *stream_id, uint32_t depth,
                            actr_ws_chunk_fn fn, void *userdata)
{
    if (!hub || !stream_id || !fn)
        return ACTR_EINVAL;
    if (hub->destroying)
        return ACTR_ESTATE;
    ws_stream_t *s = stream_get(hub, stream_id);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s || !(s->id = strdup(stream_id))) {
            free(s);
            return ACTR_ENOMEM;
        }
        s->id_len = strlen(stream_id);
        if (actr_hmap_insert(hub->streams, s->id, s->id_len, s) != 0) {
            free(s->id);
            free(s);
            return ACTR_ENOMEM;
        }
    }
    s->fn = fn;
    s->userdata = userdata;
    s->depth = depth ? depth : hub->cfg.stream_depth;
    pump(hub, s); /* a larger depth may release held chunks */
    return 0;
}

int actr_ws_stream_unregister(actr_ws_hub_t *hub, const char *stream_id)
{
    ws_stream_t *s = stream_get(hub, stream_id);
    if (!s)
        return ACTR_ENOTFOUND;
    actr_hmap_remove(hub->streams, s->id, s->id_len, NULL);
    if (s->pumping)
        s->dead = true;
    else
        stream_free(hub, s);
    return 0;
}

int actr_ws_stream_done(actr_ws_hub_t *hub, const char *stream_id, uint32_t n)
{
    ws_stream_t *s = stream_get(hub, stream_id);
    if (!s)
        return ACTR_ENOTFOUND;
    s->undone = n > s->undone ? 0 : s->undone - n;
    pump(hub, s);
    return 0;
}
