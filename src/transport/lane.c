/*
 * lane.c - fragment framing and bounded reassembly of data-channel messages (see lane.h).
 *
 * Partial messages live in a small array searched linearly: max_partial is tens, and a linear
 * scan over a few cache lines beats a hash map at that size. Each entry holds a slice per
 * fragment index (references to the received frames, no copy until completion).
 */
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "transport/lane.h"

#define DEF_MAX_PARTIAL 64u
#define DEF_MAX_PARTIAL_BYTES ((size_t)32 << 20)
#define DEF_MAX_MESSAGE ((size_t)16 << 20)
#define DEF_MAX_AGE_MS 60000u

void actr_lane_header_write(const actr_lane_header_t *h, uint8_t out[ACTR_LANE_HEADER_LEN])
{
    out[0] = (uint8_t)(h->msg_id >> 24);
    out[1] = (uint8_t)(h->msg_id >> 16);
    out[2] = (uint8_t)(h->msg_id >> 8);
    out[3] = (uint8_t)h->msg_id;
    out[4] = (uint8_t)(h->frag_index >> 8);
    out[5] = (uint8_t)h->frag_index;
    out[6] = (uint8_t)(h->total_frags >> 8);
    out[7] = (uint8_t)h->total_frags;
}

int actr_lane_header_read(const uint8_t *frame, size_t len, actr_lane_header_t *out)
{
    if (!frame || !out || len < ACTR_LANE_HEADER_LEN || len > ACTR_LANE_MAX_FRAME)
        return ACTR_EPROTO;
    out->msg_id = (uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 | (uint32_t)frame[2] << 8 |
                  frame[3];
    out->frag_index = (uint16_t)(frame[4] << 8 | frame[5]);
    out->total_frags = (uint16_t)(frame[6] << 8 | frame[7]);
    if (out->total_frags == 0 || out->frag_index >= out->total_frags)
        return ACTR_EPROTO;
    return 0;
}

/* ---- sending ------------------------------------------------------------------------------- */

int actr_lane_frag_count(size_t len, uint16_t *count)
{
    size_t n = len == 0 ? 1 : (len + ACTR_LANE_MAX_CHUNK - 1) / ACTR_LANE_MAX_CHUNK;
    if (n > ACTR_LANE_MAX_FRAGS)
        return ACTR_ETOOBIG;
    if (count)
        *count = (uint16_t)n;
    return 0;
}

int actr_lane_tx_begin(actr_lane_tx_t *tx, const actr_buf_t *msg, actr_lane_frag_iter_t *it)
{
    if (!tx || !msg || !it)
        return ACTR_EINVAL;
    memset(it, 0, sizeof *it);
    it->msg_id = tx->next_msg_id++; /* wraps, as the reference's fetch_add */
    int rc = actr_lane_frag_count(msg->len, &it->total);
    if (rc != 0)
        return rc;
    it->msg = actr_buf_ref(msg);
    return 0;
}

void actr_lane_frag_release(actr_lane_frag_iter_t *it)
{
    if (it) {
        actr_buf_release(&it->msg);
        it->next = it->total;
    }
}

int actr_lane_frag_next(actr_lane_frag_iter_t *it, uint8_t header[ACTR_LANE_HEADER_LEN],
                        actr_buf_t *payload)
{
    if (!it || !header || !payload)
        return ACTR_EINVAL;
    *payload = (actr_buf_t)ACTR_BUF_INIT;
    if (it->next >= it->total) {
        actr_buf_release(&it->msg);
        return 0;
    }
    size_t off = (size_t)it->next * ACTR_LANE_MAX_CHUNK;
    size_t len = it->msg.len - off < ACTR_LANE_MAX_CHUNK ? it->msg.len - off : ACTR_LANE_MAX_CHUNK;
    int rc = actr_buf_slice(&it->msg, off, len, payload);
    if (rc != 0)
        return rc;
    actr_lane_header_t h = {it->msg_id, (uint16_t)it->next, it->total};
    actr_lane_header_write(&h, header);
    it->next++;
    return 1;
}

int actr_lane_frag_next_frame(actr_lane_frag_iter_t *it, actr_buf_t *frame)
{
    if (!frame)
        return ACTR_EINVAL;
    *frame = (actr_buf_t)ACTR_BUF_INIT;
    uint8_t header[ACTR_LANE_HEADER_LEN];
    actr_buf_t payload;
    int rc = actr_lane_frag_next(it, header, &payload);
    if (rc <= 0)
        return rc;
    uint8_t *w;
    rc = actr_buf_alloc(ACTR_LANE_HEADER_LEN + payload.len, frame, &w);
    if (rc == 0) {
        memcpy(w, header, ACTR_LANE_HEADER_LEN);
        if (payload.len)
            memcpy(w + ACTR_LANE_HEADER_LEN, payload.data, payload.len);
    }
    actr_buf_release(&payload);
    return rc == 0 ? 1 : rc;
}

/* ---- receiving ----------------------------------------------------------------------------- */

typedef struct partial {
    int used;
    uint32_t msg_id;
    uint16_t total;
    uint16_t received;
    uint64_t created_ms;
    size_t bytes;       /* frame bytes held (what the memory bound counts) */
    size_t payload;     /* payload bytes so far */
    actr_buf_t *frags;  /* [total] slices; empty = not received yet */
} partial_t;

struct actr_lane_rx {
    actr_lane_rx_limits_t lim;
    uint32_t max_frags; /* fragments one message may have, from max_message */
    partial_t *parts;   /* [lim.max_partial] */
    actr_lane_rx_stats_t st;
};

actr_lane_rx_t *actr_lane_rx_new(const actr_lane_rx_limits_t *limits)
{
    actr_lane_rx_t *rx = calloc(1, sizeof *rx);
    if (!rx)
        return NULL;
    if (limits)
        rx->lim = *limits;
    if (!rx->lim.max_partial)
        rx->lim.max_partial = DEF_MAX_PARTIAL;
    if (!rx->lim.max_partial_bytes)
        rx->lim.max_partial_bytes = DEF_MAX_PARTIAL_BYTES;
    if (!rx->lim.max_message)
        rx->lim.max_message = DEF_MAX_MESSAGE;
    if (!rx->lim.max_age_ms)
        rx->lim.max_age_ms = DEF_MAX_AGE_MS;
    /* Full-size chunks are 65527 bytes; allow smaller chunks from other senders down to 1/4. */
    size_t frags = rx->lim.max_message / (ACTR_LANE_MAX_CHUNK / 4) + 1;
    rx->max_frags = frags > ACTR_LANE_MAX_FRAGS ? ACTR_LANE_MAX_FRAGS : (uint32_t)frags;
    rx->parts = calloc(rx->lim.max_partial, sizeof *rx->parts);
    if (!rx->parts) {
        free(rx);
        return NULL;
    }
    return rx;
}

static void drop_partial(actr_lane_rx_t *rx, partial_t *p)
{
    for (uint32_t i = 0; p->frags && i < p->total; i++)
        actr_buf_release(&p->frags[i]);
    free(p->frags);
    rx->st.partial--;
    rx->st.partial_bytes -= p->bytes;
    memset(p, 0, sizeof *p);
}

void actr_lane_rx_free(actr_lane_rx_t *rx)
{
    if (!rx)
        return;
    for (uint32_t i = 0; i < rx->lim.max_partial; i++)
        if (rx->parts[i].used)
            drop_partial(rx, &rx->parts[i]);
    free(rx->parts);
    free(rx);
}

void actr_lane_rx_expire(actr_lane_rx_t *rx, uint64_t now_ms)
{
    if (!rx)
        return;
    for (uint32_t i = 0; i < rx->lim.max_partial; i++) {
        partial_t *p = &rx->parts[i];
        if (p->used && now_ms - p->created_ms > rx->lim.max_age_ms && now_ms > p->created_ms) {
            drop_partial(rx, p);
            rx->st.expired++;
        }
    }
}

void actr_lane_rx_stats(const actr_lane_rx_t *rx, actr_lane_rx_stats_t *out)
{
    if (rx && out)
        *out = rx->st;
}

static partial_t *oldest(actr_lane_rx_t *rx, const partial_t *keep)
{
    partial_t *best = NULL;
    for (uint32_t i = 0; i < rx->lim.max_partial; i++) {
        partial_t *p = &rx->parts[i];
        if (p->used && p != keep && (!best || p->created_ms < best->created_ms))
            best = p;
    }
    return best;
}

/* A slot for a new message, evicting the oldest when all are taken. */
static partial_t *new_partial(actr_lane_rx_t *rx, const actr_lane_header_t *h, uint64_t now_ms)
{
    partial_t *slot = NULL;
    for (uint32_t i = 0; i < rx->lim.max_partial && !slot; i++)
        if (!rx->parts[i].used)
            slot = &rx->parts[i];
    if (!slot) {
        slot = oldest(rx, NULL);
        drop_partial(rx, slot);
        rx->st.evicted++;
    }
    slot->frags = calloc(h->total_frags, sizeof *slot->frags);
    if (!slot->frags)
        return NULL;
    slot->used = 1;
    slot->msg_id = h->msg_id;
    slot->total = h->total_frags;
    slot->created_ms = now_ms;
    rx->st.partial++;
    return slot;
}

/* Concatenates a complete message and frees its slot. */
static int complete(actr_lane_rx_t *rx, partial_t *p, actr_buf_t *msg)
{
    uint8_t *w = NULL;
    int rc = actr_buf_alloc(p->payload, msg, &w);
    if (rc == 0) {
        size_t off = 0;
        for (uint32_t i = 0; i < p->total; i++) {
            if (p->frags[i].len)
                memcpy(w + off, p->frags[i].data, p->frags[i].len);
            off += p->frags[i].len;
        }
        rx->st.messages++;
    }
    drop_partial(rx, p);
    return rc == 0 ? 1 : rc;
}

int actr_lane_rx_push(actr_lane_rx_t *rx, const actr_buf_t *frame, uint64_t now_ms,
                      actr_buf_t *msg)
{
    if (!rx || !frame || !msg)
        return ACTR_EINVAL;
    *msg = (actr_buf_t)ACTR_BUF_INIT;
    rx->st.frames++;
    actr_lane_rx_expire(rx, now_ms);
    actr_lane_header_t h;
    if (actr_lane_header_read(frame->data, frame->len, &h) != 0) {
        rx->st.malformed++;
        return ACTR_EPROTO;
    }
    size_t plen = frame->len - ACTR_LANE_HEADER_LEN;
    if (h.total_frags == 1) { /* the common case: a zero-copy slice */
        int rc = actr_buf_slice(frame, ACTR_LANE_HEADER_LEN, plen, msg);
        if (rc != 0)
            return rc;
        rx->st.messages++;
        return 1;
    }
    if (h.total_frags > rx->max_frags) {
        rx->st.too_big++;
        return ACTR_ETOOBIG;
    }
    partial_t *p = NULL;
    for (uint32_t i = 0; i < rx->lim.max_partial && !p; i++)
        if (rx->parts[i].used && rx->parts[i].msg_id == h.msg_id)
            p = &rx->parts[i];
    if (p && p->total != h.total_frags) {
        rx->st.inconsistent++;
        return ACTR_EPROTO;
    }
    if (p && p->frags[h.frag_index].data) {
        rx->st.duplicates++;
        return ACTR_EPROTO;
    }
    if (p && p->payload + plen > rx->lim.max_message) {
        drop_partial(rx, p);
        rx->st.too_big++;
        return ACTR_ETOOBIG;
    }
    if (plen == 0) {
        /* Only a final fragment may be empty, and the reference never sends one: refuse. */
        rx->st.malformed++;
        return ACTR_EPROTO;
    }
    if (!p) {
        p = new_partial(rx, &h, now_ms);
        if (!p)
            return ACTR_ENOMEM;
    }
    /* Respect the byte bound by evicting older partials (never the one being filled). */
    while (rx->st.partial_bytes + frame->len > rx->lim.max_partial_bytes) {
        partial_t *victim = oldest(rx, p);
        if (!victim) {
            drop_partial(rx, p);
            rx->st.too_big++;
            return ACTR_ETOOBIG;
        }
        drop_partial(rx, victim);
        rx->st.evicted++;
    }
    int rc = actr_buf_slice(frame, ACTR_LANE_HEADER_LEN, plen, &p->frags[h.frag_index]);
    if (rc != 0)
        return rc;
    p->received++;
    p->bytes += frame->len;
    p->payload += plen;
    rx->st.partial_bytes += frame->len;
    if (p->received == p->total)
        return complete(rx, p, msg);
    return 0;
}
