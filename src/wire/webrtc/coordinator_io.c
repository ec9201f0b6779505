/*
 * coordinator_io.c - data-channel messages of the coordinator's peers: the 8-byte lane framing
 * out (spec 8.2: every message is framed, even a small one) and bounded reassembly in, and the
 * queue that holds messages while a connection is being set up.
 */
#include "wire/webrtc/coordinator_internal.h"

#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"

void actr_rtc_coord_on_frame(actr_rtc_coord_t *c, rpeer_t *p, int lane, const uint8_t *data,
                             size_t len)
{
    if (lane < 0 || lane >= ACTR_RTC_COORD_LANES || !p->rx[lane])
        return;
    actr_buf_t frame = ACTR_BUF_INIT, msg = ACTR_BUF_INIT;
    if (actr_buf_copy(data, len, &frame) != 0)
        return;
    int rc = actr_lane_rx_push(p->rx[lane], &frame, actr_clock_mono_ms(), &msg);
    actr_buf_release(&frame);
    if (rc != 1) {
        if (rc < 0)
            actr_log(ACTR_LOG_DEBUG, "webrtc", "frame dropped", ACTR_KV("peer", p->key),
                     ACTR_KV("error", actr_strerror(rc)));
        return;
    }
    c->stats.msgs_in++;
    if (c->cbs.on_message)
        c->cbs.on_message(c->cbs.userdata, &p->id, lane, msg);
    else
        actr_buf_release(&msg);
}

/* Frames msg and hands every frame to the peer connection. */
static int send_now(actr_rtc_coord_t *c, rpeer_t *p, int lane, const actr_buf_t *msg)
{
    actr_lane_frag_iter_t it;
    int rc = actr_lane_tx_begin(&p->tx[lane], msg, &it);
    if (rc != 0)
        return rc;
    actr_buf_t frame;
    while ((rc = actr_lane_frag_next_frame(&it, &frame)) == 1) {
        rc = actr_rtc_peer_send(p->pc, (actr_rtc_lane_t)lane, frame.data, frame.len, true);
        actr_buf_release(&frame);
        if (rc != 0)
            break;
    }
    actr_lane_frag_release(&it);
    if (rc == 0)
        c->stats.msgs_out++;
    return rc;
}

bool actr_rtc_coord_ready(const actr_rtc_coord_t *c, const actr_id_t *peer)
{
    const rpeer_t *p = c ? actr_rtc_coord_find(c, peer) : NULL;
    return p && p->phase == P_READY && p->pc && !p->restarting &&
           actr_rtc_peer_channel_is_open(p->pc, ACTR_RTC_LANE_RPC_RELIABLE);
}

bool actr_rtc_coord_channel_open(const actr_rtc_coord_t *c, const actr_id_t *peer)
{
    const rpeer_t *p = c ? actr_rtc_coord_find(c, peer) : NULL;
    return p && p->phase == P_READY && p->pc &&
           actr_rtc_peer_channel_is_open(p->pc, ACTR_RTC_LANE_RPC_RELIABLE);
}

void actr_rtc_coord_pause_rx(actr_rtc_coord_t *c, const actr_id_t *peer, bool paused)
{
    if (!c)
        return;
    for (rpeer_t *p = c->peers; p; p = p->next)
        if (p->pc && (!peer || actr_id_equal(&p->id, peer)))
            actr_rtc_peer_pause_rx(p->pc, paused);
}

bool actr_rtc_coord_known(const actr_rtc_coord_t *c, const actr_id_t *peer)
{
    return c && actr_rtc_coord_find(c, peer) != NULL;
}

/* Appends a message to the peer's queue, taking over the reference in *msg (emptied). */
static int queue_put(actr_rtc_coord_t *c, rpeer_t *p, int lane, actr_buf_t *msg,
                     actr_rtc_coord_done_cb done, void *done_arg)
{
    if (p->nqueue >= c->cfg.max_queued)
        return ACTR_EAGAIN;
    if (!p->queue && !(p->queue = calloc(c->cfg.max_queued, sizeof *p->queue)))
        return ACTR_ENOMEM;
    queued_t *q = &p->queue[p->nqueue++];
    q->msg = *msg;
    *msg = (actr_buf_t)ACTR_BUF_INIT;
    q->lane = lane;
    q->done = done;
    q->done_arg = done_arg;
    return 0;
}

int actr_rtc_coord_send(actr_rtc_coord_t *c, const actr_id_t *peer, int lane,
                        const actr_buf_t *msg, actr_rtc_coord_done_cb done, void *done_arg)
{
    if (!c || !peer || !msg || lane < 0 || lane >= ACTR_RTC_COORD_LANES)
        return ACTR_EINVAL;
    if (c->closing)
        return ACTR_ECLOSED;
    rpeer_t *p = actr_rtc_coord_find(c, peer);
    /* A peer recovering from an ICE loss keeps its channels: SCTP retransmits once ICE is back,
     * so sends go to the open channel rather than waiting in our queue. */
    if (p && p->phase == P_READY && p->pc &&
        actr_rtc_peer_channel_is_open(p->pc, (actr_rtc_lane_t)lane)) {
        int rc = send_now(c, p, lane, msg);
        if (rc == 0 && done)
            done(done_arg, 0);
        return rc;
    }
    if (!p) {
        int rc = actr_rtc_coord_connect(c, peer);
        if (rc != 0)
            return rc;
        p = actr_rtc_coord_find(c, peer);
        if (!p)
            return ACTR_EUNAVAILABLE;
    }
    actr_buf_t ref = actr_buf_ref(msg);
    int rc = queue_put(c, p, lane, &ref, done, done_arg);
    actr_buf_release(&ref); /* still ours when refused */
    return rc;
}

void actr_rtc_coord_queue_flush(actr_rtc_coord_t *c, rpeer_t *p)
{
    uint32_t n = p->nqueue;
    p->nqueue = 0; /* a callback below may queue again: it starts from an empty queue */
    queued_t *q = p->queue;
    p->queue = NULL;
    for (uint32_t i = 0; i < n; i++) {
        /* The peer is ready once RPC_RELIABLE opens; the other lanes' channels may open a
         * moment later: their messages wait for pc_on_open of their own lane. */
        if (p->pc && !actr_rtc_peer_channel_is_open(p->pc, (actr_rtc_lane_t)q[i].lane) &&
            queue_put(c, p, q[i].lane, &q[i].msg, q[i].done, q[i].done_arg) == 0)
            continue;
        int rc = p->pc ? send_now(c, p, q[i].lane, &q[i].msg) : ACTR_ECLOSED;
        if (rc != 0)
            c->stats.dropped++;
        if (q[i].done)
            q[i].done(q[i].done_arg, rc);
        actr_buf_release(&q[i].msg);
    }
    free(q);
}

void actr_rtc_coord_queue_fail(actr_rtc_coord_t *c, rpeer_t *p, int rc)
{
    uint32_t n = p->nqueue;
    queued_t *q = p->queue;
    p->nqueue = 0;
    p->queue = NULL;
    for (uint32_t i = 0; i < n; i++) {
        c->stats.dropped++;
        if (q[i].done)
            q[i].done(q[i].done_arg, rc);
        actr_buf_release(&q[i].msg);
    }
    free(q);
}

void actr_rtc_coord_free_strings(actr_rtc_coord_t *c)
{
    for (size_t i = 0; i < ACTR_RTC_COORD_MAX_URLS; i++)
        free(c->urls[i]);
    for (size_t i = 0; i < ACTR_RTC_COORD_MAX_ADDRS; i++)
        free(c->addrs[i]);
}
