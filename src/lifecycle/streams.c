/*
 * streams.c - a node's data-stream registry (streams.h; spec: runtime.md §6.1).
 *
 * Per stream: `inflight` chunks sit in the actor's inbox (at most ACTR_STREAM_DEPTH) and a FIFO
 * of `held` STREAM_RELIABLE chunks waits behind them; every chunk of a stream passes through the
 * held FIFO when it is not empty, so a stream stays FIFO whatever the producer. When the actor
 * finishes a chunk, the oldest held one moves into the inbox and waiting in-process senders are
 * woken. A stream object is reference counted by its chunks, so unregistering (or re-registering)
 * leaves the chunks already queued to run with the callback they were queued with - the
 * reference's "unregister drains" - while new chunks see the new state.
 */
#include "lifecycle/streams.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actr/log.h"
#include "base/clock.h"
#include "base/hashmap.h"
#include "lifecycle/actor.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/remote_stream.h"
#include "lifecycle/request.h"
#include "package.pb-c.h"

typedef struct stream {
    uint32_t refs; /* the map (while registered) + every item queued or held; under lock */
    char *id;
    size_t id_len;
    actr_stream_cb cb;
    void *ud;
    bool registered;
    uint32_t inflight;
    actr_stream_item_t *held_head, *held_tail;
} stream_t;

struct actr_stream_item {
    actr_stream_item_t *next; /* held FIFO */
    actr_request_t *carrier;  /* completion item into the actor's inbox */
    struct actr_streams *reg;
    stream_t *stream;         /* a reference, once taken */
    actr_stream_src_t src;
    size_t bytes;
    actr_data_chunk_t chunk;  /* points into the fields below */
    char *id;
    actr_stream_meta_t *meta;
    void *decoded;            /* the unpacked DataChunk (network) */
    actr_id_t sender;
    bool has_sender;
    void (*release)(void *arg, const char *id);
    void *release_arg;
};

struct actr_streams {
    pthread_mutex_t lock;
    pthread_cond_t room; /* a stream gained room, or the registry closed */
    actr_hmap_t *map;    /* id -> stream_t */
    struct actr_node *node;
    bool closed;
    uint32_t waiters;    /* in-process senders sleeping on room */
    actr_hmap_t *activity; /* actr_streams_activity() */
    size_t rtc_held_bytes;
    bool rtc_paused; /* WebRTC reading paused for rtc_held_bytes (actr_streams_rtc_pause_due) */
    uint64_t delivered, latency_dropped, unknown, held, overflow, dropped_unreg, cb_errors,
        sent, received_remote, malformed, queued;
};

/* ---- items ---- */

static actr_stream_item_t *item_new(const actr_id_t *sender)
{
    actr_stream_item_t *it = calloc(1, sizeof *it);
    if (!it)
        return NULL;
    if (sender) {
        it->sender = *sender;
        it->has_sender = true;
    }
    return it;
}

void actr_stream_item_free(actr_stream_item_t *it)
{
    if (!it)
        return;
    actr_buf_release(&it->chunk.payload);
    if (it->carrier)
        actr_request_unref(it->carrier);
    free(it->meta);
    free(it->id);
    if (it->decoded)
        actr__data_chunk__free_unpacked(it->decoded, NULL);
    free(it);
}

int actr_stream_item_from_chunk(const actr_data_chunk_t *c, const actr_id_t *sender,
                                actr_stream_item_t **out)
{
    *out = NULL;
    actr_stream_item_t *it = item_new(sender);
    if (!it || !(it->id = strdup(c->stream_id))) {
        free(it);
        return ACTR_ENOMEM;
    }
    it->chunk = *c;
    it->chunk.stream_id = it->id;
    it->chunk.payload = actr_buf_ref(&c->payload);
    it->chunk.metadata = NULL;
    it->chunk.metadata_count = 0;
    size_t n = c->metadata_count, strs = 0;
    for (size_t i = 0; i < n; i++)
        strs += strlen(c->metadata[i].key ? c->metadata[i].key : "") + 1 +
                strlen(c->metadata[i].value ? c->metadata[i].value : "") + 1;
    if (n) {
        /* One block: the entries, then their strings. */
        it->meta = malloc(n * sizeof *it->meta + strs);
        if (!it->meta) {
            actr_stream_item_free(it);
            return ACTR_ENOMEM;
        }
        char *p = (char *)(it->meta + n);
        for (size_t i = 0; i < n; i++) {
            const char *k = c->metadata[i].key ? c->metadata[i].key : "";
            const char *v = c->metadata[i].value ? c->metadata[i].value : "";
            it->meta[i].key = p;
            p = stpcpy(p, k) + 1;
            it->meta[i].value = p;
            p = stpcpy(p, v) + 1;
        }
        it->chunk.metadata = it->meta;
        it->chunk.metadata_count = n;
    }
    it->bytes = c->payload.len;
    *out = it;
    return 0;
}

static void free_unpacked(void *ptr, void *opaque)
{
    (void)ptr;
    actr__data_chunk__free_unpacked(opaque, NULL);
}

int actr_stream_item_decode(const uint8_t *data, size_t len, const actr_id_t *sender,
                            actr_stream_item_t **out)
{
    *out = NULL;
    Actr__DataChunk *m = actr__data_chunk__unpack(NULL, len, data);
    if (!m)
        return ACTR_EPARSE;
    if (!m->stream_id || !m->stream_id[0] || strlen(m->stream_id) > ACTR_STREAM_ID_MAX) {
        actr__data_chunk__free_unpacked(m, NULL);
        return ACTR_EPARSE;
    }
    actr_stream_item_t *it = item_new(sender);
    if (!it) {
        actr__data_chunk__free_unpacked(m, NULL);
        return ACTR_ENOMEM;
    }
    if (m->n_metadata && !(it->meta = calloc(m->n_metadata, sizeof *it->meta))) {
        free(it);
        actr__data_chunk__free_unpacked(m, NULL);
        return ACTR_ENOMEM;
    }
    for (size_t i = 0; i < m->n_metadata; i++) {
        it->meta[i].key = m->metadata[i]->key ? m->metadata[i]->key : "";
        it->meta[i].value = m->metadata[i]->value ? m->metadata[i]->value : "";
    }
    it->chunk.stream_id = m->stream_id;
    it->chunk.sequence = m->sequence;
    it->chunk.metadata = it->meta;
    it->chunk.metadata_count = m->n_metadata;
    it->chunk.has_timestamp = m->has_timestamp_ms;
    it->chunk.timestamp_ms = m->timestamp_ms;
    it->bytes = len;
    /* The payload buffer keeps the decoded message alive (no second copy): once it exists the
     * item's reference on it owns the message. */
    if (m->payload.len &&
        actr_buf_wrap(m->payload.data, m->payload.len, free_unpacked, m, &it->chunk.payload) == 0)
        m = NULL;
    else if (m->payload.len &&
             actr_buf_copy(m->payload.data, m->payload.len, &it->chunk.payload) != 0) {
        it->decoded = m;
        actr_stream_item_free(it);
        return ACTR_ENOMEM;
    }
    if (m) {
        it->decoded = m;
    } else {
        /* stream_id and metadata point into the message owned by the payload buffer: the item's
         * payload reference outlives them (released in actr_stream_item_free). */
    }
    *out = it;
    return 0;
}

void actr_stream_item_on_release(actr_stream_item_t *it, void (*fn)(void *arg, const char *id),
                                 void *arg)
{
    it->release = fn;
    it->release_arg = arg;
}

int actr_stream_pb_init(const actr_data_chunk_t *c, Actr__DataChunk *m, void **scratch)
{
    actr__data_chunk__init(m);
    *scratch = NULL;
    m->stream_id = (char *)c->stream_id;
    m->sequence = c->sequence;
    m->payload.data = (uint8_t *)c->payload.data;
    m->payload.len = c->payload.len;
    m->has_timestamp_ms = c->has_timestamp;
    m->timestamp_ms = c->timestamp_ms;
    size_t n = c->metadata_count;
    if (!n)
        return 0;
    /* One block: the pointer array, then the entries. */
    Actr__MetadataEntry **ptrs = malloc(n * (sizeof *ptrs + sizeof **ptrs));
    if (!ptrs)
        return ACTR_ENOMEM;
    Actr__MetadataEntry *entries = (Actr__MetadataEntry *)(ptrs + n);
    for (size_t i = 0; i < n; i++) {
        actr__metadata_entry__init(&entries[i]);
        entries[i].key = (char *)(c->metadata[i].key ? c->metadata[i].key : "");
        entries[i].value = (char *)(c->metadata[i].value ? c->metadata[i].value : "");
        ptrs[i] = &entries[i];
    }
    m->n_metadata = n;
    m->metadata = ptrs;
    *scratch = ptrs;
    return 0;
}

int actr_stream_encode(const actr_data_chunk_t *c, actr_buf_t *out)
{
    Actr__DataChunk m;
    void *scratch;
    int rc = actr_stream_pb_init(c, &m, &scratch);
    if (rc != 0)
        return rc;
    size_t n = actr__data_chunk__get_packed_size(&m);
    uint8_t *w = NULL;
    rc = actr_buf_alloc(n, out, &w);
    if (rc == 0) {
        actr__data_chunk__pack(&m, w);
        out->len = n;
    }
    free(scratch);
    return rc;
}

/* ---- the registry ---- */

static void stream_unref(stream_t *s)
{
    if (--s->refs)
        return;
    free(s->id);
    free(s);
}

actr_streams_t *actr_streams_of(struct actr_node *node, bool create)
{
    actr_streams_t *r = atomic_load_explicit(&node->streams, memory_order_acquire);
    if (r || !create)
        return r;
    r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &r->map) != 0) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->room, NULL);
    r->node = node;
    actr_streams_t *expect = NULL;
    if (!atomic_compare_exchange_strong_explicit(&node->streams, &expect, r,
                                                 memory_order_acq_rel, memory_order_acquire)) {
        actr_hmap_free(r->map, NULL); /* another thread won */
        pthread_cond_destroy(&r->room);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return expect;
    }
    return r;
}

int actr_streams_register(struct actr_node *node, const char *id, actr_stream_cb cb, void *ud)
{
    actr_streams_t *r = actr_streams_of(node, true);
    if (!r)
        return ACTR_ENOMEM;
    size_t len = strlen(id);
    pthread_mutex_lock(&r->lock);
    int rc = r->closed ? ACTR_ESTATE : 0;
    void *v = NULL;
    bool fresh = rc == 0 && actr_hmap_get(r->map, id, len, &v) != 0;
    if (fresh) {
        stream_t *s = calloc(1, sizeof *s);
        if (!s || !(s->id = strdup(id))) {
            free(s);
            rc = ACTR_ENOMEM;
        } else if ((rc = actr_hmap_insert(r->map, s->id, len, s)) != 0) {
            free(s->id);
            free(s);
        } else {
            s->id_len = len;
            s->refs = 1;
            s->registered = true;
            v = s;
        }
    }
    if (rc == 0) {
        /* Re-register: takes effect from the next chunk delivered (the reference captures the
         * callback per chunk at dispatch; ours is read when the chunk runs). */
        ((stream_t *)v)->cb = cb;
        ((stream_t *)v)->ud = ud;
    }
    pthread_mutex_unlock(&r->lock);
    if (rc == 0 && fresh)
        actr_remote_stream_changed(node, id, true);
    return rc;
}

/* Held chunks of s leave: their producers learn it through their release functions. Returns the
 * chain (under lock); the caller finishes it outside the lock with finish_dropped(). */
static actr_stream_item_t *take_held(actr_streams_t *r, stream_t *s)
{
    actr_stream_item_t *chain = s->held_head;
    for (actr_stream_item_t *it = chain; it; it = it->next) {
        r->dropped_unreg++;
        if (it->src == ACTR_STREAM_SRC_RTC)
            r->rtc_held_bytes -= it->bytes;
    }
    s->held_head = s->held_tail = NULL;
    return chain;
}

/* Under lock: whether paused WebRTC reading may resume now (held bytes back under the mark). */
static bool rtc_resume_due(actr_streams_t *r)
{
    if (!r->rtc_paused || r->rtc_held_bytes > ACTR_STREAMS_RTC_RESUME_BYTES)
        return false;
    r->rtc_paused = false;
    return true;
}

bool actr_streams_rtc_pause_due(struct actr_node *node)
{
    actr_streams_t *r = actr_streams_of(node, false);
    if (!r)
        return false;
    pthread_mutex_lock(&r->lock);
    bool due = !r->closed && r->rtc_held_bytes > ACTR_STREAMS_RTC_PAUSE_BYTES;
    if (due)
        r->rtc_paused = true;
    pthread_mutex_unlock(&r->lock);
    return due;
}

static void finish_item(actr_stream_item_t *it)
{
    if (it->release)
        it->release(it->release_arg, it->chunk.stream_id);
    actr_stream_item_free(it);
}

/* Drops items whose stream reference must go too (under lock for the unref). */
static void finish_dropped(actr_streams_t *r, actr_stream_item_t *chain)
{
    while (chain) {
        actr_stream_item_t *next = chain->next;
        pthread_mutex_lock(&r->lock);
        stream_unref(chain->stream);
        pthread_mutex_unlock(&r->lock);
        finish_item(chain);
        chain = next;
    }
}

int actr_streams_unregister(struct actr_node *node, const char *id)
{
    actr_streams_t *r = actr_streams_of(node, false);
    if (!r)
        return ACTR_ENOTFOUND;
    pthread_mutex_lock(&r->lock);
    void *v = NULL;
    if (actr_hmap_remove(r->map, id, strlen(id), &v) != 0) {
        pthread_mutex_unlock(&r->lock);
        return ACTR_ENOTFOUND;
    }
    stream_t *s = v;
    s->registered = false;
    /* Held chunks were never queued: they go (the reference's sender finds the channel gone).
     * Queued ones stay and run: the drain. */
    actr_stream_item_t *chain = take_held(r, s);
    stream_unref(s);
    pthread_cond_broadcast(&r->room);
    bool resume = rtc_resume_due(r);
    pthread_mutex_unlock(&r->lock);
    finish_dropped(r, chain);
    if (resume)
        actr_remote_stream_rtc_resume(node);
    actr_remote_stream_changed(node, id, false);
    return 0;
}

/* ---- delivery ---- */

static void deliver_cb(actr_ctx_t *ctx, void *userdata, int status, const actr_buf_t *response,
                       const actr_error_t *err);

/* Queues it into the actor's inbox (under lock, so concurrent producers keep FIFO). */
static void enqueue(actr_streams_t *r, stream_t *s, actr_stream_item_t *it)
{
    s->inflight++;
    r->queued++;
    actr_call_ext_t *x = it->carrier->call;
    x->cb = deliver_cb;
    x->userdata = it;
    actr_actor_push(&r->node->actor, &x->done_item);
}

static bool has_room(const stream_t *s)
{
    return !s->held_head && s->inflight < ACTR_STREAM_DEPTH;
}

static void deliver_cb(actr_ctx_t *ctx, void *userdata, int status, const actr_buf_t *response,
                       const actr_error_t *err)
{
    (void)status;
    (void)response;
    (void)err;
    actr_stream_item_t *it = userdata;
    actr_streams_t *r = it->reg;
    stream_t *s = it->stream;
    pthread_mutex_lock(&r->lock);
    actr_stream_cb cb = s->cb;
    void *ud = s->ud;
    pthread_mutex_unlock(&r->lock);
    /* NULL ctx or a stopped actor (drain at node teardown): the chunk is only accounted. */
    bool run = ctx && !r->node->actor.stopped;
    int rc = 0;
    if (run) {
        ctx->caller = it->has_sender ? &it->sender : NULL;
        rc = cb(ctx, ud, &it->chunk, it->has_sender ? &it->sender : NULL);
        if (rc != 0)
            actr_log(ACTR_LOG_DEBUG, "streams", "stream callback failed",
                     ACTR_KV("stream", s->id), ACTR_KV("error", actr_strerror(rc)));
    }
    pthread_mutex_lock(&r->lock);
    if (run)
        r->delivered++;
    if (rc != 0)
        r->cb_errors++;
    r->queued--;
    s->inflight--;
    /* The oldest held chunks take the room, before any waiting sender. */
    while (s->held_head && s->inflight < ACTR_STREAM_DEPTH && !r->closed) {
        actr_stream_item_t *h = s->held_head;
        s->held_head = h->next;
        if (!s->held_head)
            s->held_tail = NULL;
        h->next = NULL;
        if (h->src == ACTR_STREAM_SRC_RTC)
            r->rtc_held_bytes -= h->bytes;
        enqueue(r, s, h);
    }
    /* Waiting senders are woken once the stream has drained to half, not per chunk: a sender
     * far ahead then refills a batch per wake-up instead of bouncing between threads. */
    if (r->waiters && s->inflight <= ACTR_STREAM_DEPTH / 2)
        pthread_cond_broadcast(&r->room);
    stream_unref(s);
    bool resume = rtc_resume_due(r);
    pthread_mutex_unlock(&r->lock);
    if (resume)
        actr_remote_stream_rtc_resume(r->node);
    it->carrier = NULL; /* actor.c drops the carrier's reference after this callback */
    finish_item(it);
}

static int wait_room(actr_streams_t *r, stream_t *s, int64_t wait_ms)
{
    uint64_t deadline = actr_clock_mono_ns() + (uint64_t)wait_ms * 1000000u;
    while (!has_room(s) && !r->closed && s->registered) {
        uint64_t now = actr_clock_mono_ns();
        if (now >= deadline)
            return ACTR_ETIMEDOUT;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t step = deadline - now > 50000000u ? 50000000u : deadline - now;
        uint64_t ns = (uint64_t)ts.tv_nsec + step;
        ts.tv_sec += (time_t)(ns / 1000000000u);
        ts.tv_nsec = (long)(ns % 1000000000u);
        r->waiters++;
        pthread_cond_timedwait(&r->room, &r->lock, &ts);
        r->waiters--;
    }
    return 0;
}

int actr_streams_offer(struct actr_node *node, actr_stream_item_t *it, actr_stream_lane_t lane,
                       actr_stream_src_t src, int64_t wait_ms)
{
    actr_streams_t *r = actr_streams_of(node, true);
    if (!r)
        return ACTR_ENOMEM;
    if (!it->carrier) {
        it->carrier = actr_request_new(ACTR_DIR_TELL, ACTR_REQ_ASYNC, "stream", 6, NULL);
        if (!it->carrier)
            return ACTR_ENOMEM;
    }
    it->reg = r;
    it->src = src;
    const char *id = it->chunk.stream_id;
    pthread_mutex_lock(&r->lock);
    int rc = 0;
    void *v = NULL;
    stream_t *s = NULL;
    bool warn_unknown = false;
    for (;;) {
        if (r->closed || !actr_node_accepting(node)) {
            rc = ACTR_ECLOSED;
            break;
        }
        if (actr_hmap_get(r->map, id, strlen(id), &v) != 0) {
            warn_unknown = r->unknown++ % 1000 == 0; /* the first, then every 1000th */
            rc = ACTR_ENOTFOUND;
            break;
        }
        s = v;
        if (has_room(s)) {
            s->refs++;
            it->stream = s;
            enqueue(r, s, it);
            break;
        }
        if (lane == ACTR_STREAM_LATENCY_FIRST) {
            r->latency_dropped++;
            rc = ACTR_EAGAIN;
            break;
        }
        if (src == ACTR_STREAM_SRC_LOCAL) {
            /* The actor cannot wait for its own turn to make room. */
            if (actr_actor_current() == &node->actor || wait_ms <= 0) {
                rc = wait_ms <= 0 && actr_actor_current() != &node->actor ? ACTR_ETIMEDOUT
                                                                          : ACTR_EAGAIN;
                break;
            }
            /* A worker waiting here holds its thread: tell the pool so the receiver can run. */
            s->refs++; /* keep it while we sleep */
            pthread_mutex_unlock(&r->lock);
            actr_workers_block_begin(node->hyper->workers);
            pthread_mutex_lock(&r->lock);
            rc = wait_room(r, s, wait_ms);
            stream_unref(s);
            pthread_mutex_unlock(&r->lock);
            actr_workers_block_end(node->hyper->workers);
            pthread_mutex_lock(&r->lock);
            if (rc != 0)
                break;
            continue; /* the stream may have been replaced or closed meanwhile: look again */
        }
        if (src == ACTR_STREAM_SRC_RTC) {
            if (r->rtc_held_bytes + it->bytes > ACTR_STREAMS_RTC_HOLD_BYTES) {
                r->overflow++;
                rc = ACTR_ETOOBIG;
                break;
            }
            r->rtc_held_bytes += it->bytes;
        }
        s->refs++;
        it->stream = s;
        it->next = NULL;
        if (s->held_tail)
            s->held_tail->next = it;
        else
            s->held_head = it;
        s->held_tail = it;
        r->held++;
        break;
    }
    pthread_mutex_unlock(&r->lock);
    if (warn_unknown) /* the reference warns; bounded so a flood cannot fill the log */
        actr_log(ACTR_LOG_WARN, "streams", "chunk of an unregistered stream dropped",
                 ACTR_KV("stream", id));
    return rc;
}

void actr_streams_count(struct actr_node *node, actr_streams_counter_t which)
{
    actr_streams_t *r = actr_streams_of(node, true);
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    if (which == ACTR_STREAMS_SENT)
        r->sent++;
    else if (which == ACTR_STREAMS_RECEIVED_REMOTE)
        r->received_remote++;
    else
        r->malformed++;
    pthread_mutex_unlock(&r->lock);
}

void actr_streams_each(struct actr_node *node, void (*fn)(const char *id, void *arg), void *arg)
{
    actr_streams_t *r = actr_streams_of(node, false);
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    actr_hmap_iter_t iter;
    actr_hmap_entry_t e;
    for (actr_hmap_iter_init(r->map, &iter); actr_hmap_iter_next(&iter, &e);)
        fn(((stream_t *)e.value)->id, arg);
    pthread_mutex_unlock(&r->lock);
}

int actr_node_stream_stats(struct actr_node *node, actr_stream_stats_t *out)
{
    if (!node || !out)
        return ACTR_EINVAL;
    memset(out, 0, sizeof *out);
    actr_streams_t *r = actr_streams_of(node, false);
    if (!r) {
        actr_remote_stream_stats(node, out);
        return 0;
    }
    pthread_mutex_lock(&r->lock);
    *out = (actr_stream_stats_t){.delivered = r->delivered,
                                 .latency_dropped = r->latency_dropped,
                                 .unknown_stream = r->unknown,
                                 .malformed = r->malformed,
                                 .held = r->held,
                                 .overflow_dropped = r->overflow,
                                 .dropped_unregistered = r->dropped_unreg,
                                 .callback_errors = r->cb_errors,
                                 .sent = r->sent,
                                 .received_remote = r->received_remote,
                                 .queued = r->queued};
    pthread_mutex_unlock(&r->lock);
    actr_remote_stream_stats(node, out);
    return 0;
}

struct actr_hmap **actr_streams_activity(struct actr_node *node)
{
    actr_streams_t *r = actr_streams_of(node, true);
    return r ? &r->activity : NULL;
}

/* ---- teardown ---- */

void actr_streams_close(struct actr_node *node)
{
    actr_streams_t *r = actr_streams_of(node, false);
    if (!r)
        return;
    actr_stream_item_t *all = NULL;
    pthread_mutex_lock(&r->lock);
    r->closed = true;
    actr_hmap_iter_t iter;
    actr_hmap_entry_t e;
    for (actr_hmap_iter_init(r->map, &iter); actr_hmap_iter_next(&iter, &e);) {
        stream_t *s = e.value;
        actr_stream_item_t *chain = take_held(r, s);
        while (chain) {
            actr_stream_item_t *next = chain->next;
            chain->next = all;
            all = chain;
            chain = next;
        }
    }
    pthread_cond_broadcast(&r->room);
    pthread_mutex_unlock(&r->lock);
    finish_dropped(r, all);
}

static void free_stream(void *v)
{
    stream_t *s = v;
    s->registered = false;
    stream_unref(s);
}

void actr_streams_free(struct actr_node *node)
{
    actr_streams_t *r = atomic_exchange_explicit(&node->streams, NULL, memory_order_acq_rel);
    if (!r)
        return;
    /* The actor was drained: every queued chunk ran (and dropped its stream reference). */
    actr_hmap_free(r->map, free_stream);
    if (r->activity)
        actr_hmap_free(r->activity, free);
    pthread_cond_destroy(&r->room);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
