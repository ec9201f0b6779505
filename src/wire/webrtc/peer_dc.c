/*
 * peer_dc.c - the data channels of a peer connection: the SCTP association over DTLS and the
 * in-band DCEP handshake (RFC 8832) for our four lanes (spec/protocol.md 7.3, 8.1).
 *
 * Only the offerer opens channels; its stream ids follow its DTLS role (client even, server
 * odd: RFC 8832 6, pitfall 7), assigned when the association is up because the role is only
 * known after the answer. A channel's QoS is its lane's, whatever the OPEN said. A channel is open for the opener when the ACK (or any data on the
 * stream, RFC 8832 6) arrives; the receiver accepts an OPEN whose label names a lane and refuses
 * any other by resetting the stream.
 */
#include <stdio.h>
#include <string.h>

#include "actr/log.h"
#include "wire/webrtc/peer_internal.h"

void actr_rtc_dc_init(actr_rtc_peer_t *p)
{
    for (int i = 0; i < ACTR_RTC_LANE_COUNT; i++) {
        p->chans[i].state = CHAN_NONE;
        p->chans[i].sid = -1;
    }
    memset(p->sid_lane, -1, sizeof(p->sid_lane));
}

static bool live(const actr_rtc_peer_t *p)
{
    return !p->closing;
}

static void chan_opened(actr_rtc_peer_t *p, int lane)
{
    p->chans[lane].state = CHAN_OPEN;
    if (live(p) && p->cbs.on_channel_open)
        p->cbs.on_channel_open(p->arg, (actr_rtc_lane_t)lane);
}

static void chan_closed(actr_rtc_peer_t *p, int lane)
{
    chan_t *c = &p->chans[lane];
    if (c->state == CHAN_CLOSED || c->state == CHAN_NONE)
        return;
    bool was_open = c->state == CHAN_OPEN;
    c->state = CHAN_CLOSED;
    if (c->sid >= 0)
        p->sid_lane[c->sid] = -1;
    if (was_open && live(p) && p->cbs.on_channel_closed)
        p->cbs.on_channel_closed(p->arg, (actr_rtc_lane_t)lane);
}

/* ---- SCTP callbacks ----------------------------------------------------------------------- */

static int sctp_out(void *arg, const uint8_t *pkt, size_t len)
{
    actr_rtc_peer_t *p = arg;
    return p->dtls ? actr_dtls_send(p->dtls, pkt, len) : ACTR_ESTATE;
}

static void sctp_connected(void *arg)
{
    actr_rtc_peer_t *p = arg;
    actr_logf(ACTR_LOG_DEBUG, PEER_LOG, "sctp association up (%s)",
              p->offerer ? "offerer" : "answerer");
    actr_rtc_dc_open_pending(p);
}

static void refuse(actr_rtc_peer_t *p, uint16_t sid, const char *label)
{
    actr_log(ACTR_LOG_WARN, PEER_LOG, "data channel refused: unknown or duplicate label",
             ACTR_KV("label", label), ACTR_KV_END);
    (void)actr_sctp_reset_stream(p->sctp, sid);
}

static void dcep_message(actr_rtc_peer_t *p, uint16_t sid, const uint8_t *d, size_t n)
{
    if (n >= 1 && d[0] == ACTR_DCEP_ACK) {
        int lane = p->sid_lane[sid];
        if (lane >= 0 && p->chans[lane].state == CHAN_OPENING)
            chan_opened(p, lane);
        return;
    }
    actr_dcep_open_t o;
    if (actr_dcep_decode_open(d, n, &o) != 0) {
        actr_logf(ACTR_LOG_WARN, PEER_LOG, "malformed DCEP message on stream %u dropped", sid);
        return;
    }
    int lane = actr_rtc_lane_by_label(o.label, strlen(o.label));
    if (lane < 0 || p->chans[lane].state == CHAN_OPEN || p->chans[lane].state == CHAN_OPENING ||
        p->sid_lane[sid] >= 0) {
        refuse(p, sid, o.label);
        return;
    }
    chan_t *c = &p->chans[lane];
    c->sid = sid;
    /* The lane defines the QoS (spec 8.1). werift 0.24 announces an unordered channel with
     * maxRetransmits as ordered (it drops the 0x80 bit), so trust the label, note a difference. */
    const actr_rtc_lane_info_t *li = actr_rtc_lane_info((actr_rtc_lane_t)lane);
    bool unordered;
    int rexmit;
    actr_dcep_open_qos(&o, &unordered, &rexmit);
    if (unordered != li->unordered || rexmit != li->max_rexmit)
        actr_logf(ACTR_LOG_DEBUG, PEER_LOG,
                  "%s opened with type 0x%02x reliability %u; using the lane's QoS", o.label,
                  o.channel_type, o.reliability);
    c->unordered = li->unordered;
    c->max_rexmit = li->max_rexmit;
    p->sid_lane[sid] = (int8_t)lane;
    const uint8_t ack = ACTR_DCEP_ACK;
    if (actr_sctp_send(p->sctp, sid, ACTR_PPID_DCEP, &ack, 1, false, -1) != 0) {
        actr_logf(ACTR_LOG_WARN, PEER_LOG, "DCEP ACK for %s not sent", o.label);
        return;
    }
    chan_opened(p, lane);
}

static void sctp_message(void *arg, uint16_t sid, uint32_t ppid, const uint8_t *d, size_t n)
{
    actr_rtc_peer_t *p = arg;
    if (ppid == ACTR_PPID_DCEP) {
        dcep_message(p, sid, d, n);
        return;
    }
    int lane = p->sid_lane[sid];
    if (lane < 0)
        return; /* no channel on that stream */
    chan_t *c = &p->chans[lane];
    if (c->state == CHAN_OPENING)
        chan_opened(p, lane); /* data before the ACK means the ACK is implied */
    if (c->state != CHAN_OPEN || !live(p) || !p->cbs.on_message)
        return;
    switch (ppid) {
    case ACTR_PPID_BINARY:
    case ACTR_PPID_STRING:
        p->cbs.on_message(p->arg, (actr_rtc_lane_t)lane, d, n, ppid == ACTR_PPID_BINARY);
        break;
    case ACTR_PPID_BINARY_EMPTY:
    case ACTR_PPID_STRING_EMPTY:
        p->cbs.on_message(p->arg, (actr_rtc_lane_t)lane, (const uint8_t *)"", 0,
                          ppid == ACTR_PPID_BINARY_EMPTY);
        break;
    default:
        break; /* deprecated or unknown PPIDs are not ours */
    }
}

static void sctp_stream_reset(void *arg, uint16_t sid)
{
    actr_rtc_peer_t *p = arg;
    int lane = p->sid_lane[sid];
    if (lane < 0)
        return;
    /* The remote closed its side: close ours too (RFC 8831 6.7), then report. */
    (void)actr_sctp_reset_stream(p->sctp, sid);
    chan_closed(p, lane);
}

static void sctp_low(void *arg, uint16_t sid)
{
    actr_rtc_peer_t *p = arg;
    int lane = p->sid_lane[sid];
    if (lane >= 0 && live(p) && p->cbs.on_buffered_low)
        p->cbs.on_buffered_low(p->arg, (actr_rtc_lane_t)lane);
}

static void sctp_high(void *arg, uint16_t sid)
{
    actr_rtc_peer_t *p = arg;
    int lane = p->sid_lane[sid];
    if (lane >= 0 && live(p) && p->cbs.on_buffered_high)
        p->cbs.on_buffered_high(p->arg, (actr_rtc_lane_t)lane);
}

static void sctp_lost(void *arg)
{
    actr_rtc_peer_t *p = arg;
    for (int i = 0; i < ACTR_RTC_LANE_COUNT; i++)
        chan_closed(p, i);
    actr_rtc_peer_set_state(p, ACTR_RTC_CLOSED, ACTR_ECLOSED, "sctp association closed");
}

/* ---- entry points ------------------------------------------------------------------------- */

int actr_rtc_dc_start(actr_rtc_peer_t *p)
{
    if (p->sctp)
        return 0;
    actr_sctp_config_t sc;
    actr_sctp_config_init(&sc);
    sc.remote_port = p->remote_sctp_port ? p->remote_sctp_port : ACTR_SCTP_DEFAULT_PORT;
    sc.max_recv_message = p->cfg.max_message_size;
    sc.max_send_message = p->remote_max_message;
    sc.buffered_low = p->cfg.buffered_low;
    sc.buffered_high = p->cfg.buffered_high;
    sc.send_queue_max = p->cfg.send_queue_max;
    actr_sctp_callbacks_t cb = {
        .send = sctp_out,
        .on_connected = sctp_connected,
        .on_message = sctp_message,
        .on_stream_reset = sctp_stream_reset,
        .on_buffered_low = sctp_low,
        .on_buffered_high = sctp_high,
        .on_closed = sctp_lost,
    };
    int rc = actr_sctp_new(p->env->sctp, &sc, &cb, p, &p->sctp);
    if (rc != 0)
        return rc;
    return actr_sctp_connect(p->sctp);
}

void actr_rtc_dc_open_pending(actr_rtc_peer_t *p)
{
    if (!p->sctp || !actr_sctp_is_connected(p->sctp) || !p->dtls)
        return;
    /* DTLS client: even ids 0, 2, 4, ...; server: odd ids 1, 3, 5, ... */
    int next = actr_dtls_is_client(p->dtls) ? 0 : 1;
    for (int i = 0; i < ACTR_RTC_LANE_COUNT; i++) {
        chan_t *c = &p->chans[i];
        if (c->state != CHAN_PENDING)
            continue;
        while (next < ACTR_SCTP_STREAMS && p->sid_lane[next] >= 0)
            next += 2;
        if (next >= ACTR_SCTP_STREAMS)
            return;
        uint8_t msg[64];
        size_t n = actr_dcep_encode_open((actr_rtc_lane_t)i, msg, sizeof(msg));
        const actr_rtc_lane_info_t *li = actr_rtc_lane_info((actr_rtc_lane_t)i);
        c->sid = next;
        c->unordered = li->unordered;
        c->max_rexmit = li->max_rexmit;
        p->sid_lane[next] = (int8_t)i;
        /* The OPEN itself is ordered and reliable whatever the channel is (RFC 8832 6). */
        if (actr_sctp_send(p->sctp, (uint16_t)next, ACTR_PPID_DCEP, msg, n, false, -1) != 0) {
            actr_logf(ACTR_LOG_WARN, PEER_LOG, "DCEP OPEN for %s not sent", li->label);
            p->sid_lane[next] = -1;
            c->sid = -1;
            continue;
        }
        c->state = CHAN_OPENING;
    }
}

void actr_rtc_dc_input(actr_rtc_peer_t *p, const uint8_t *data, size_t len)
{
    if (p->sctp)
        actr_sctp_input(p->sctp, data, len);
}

int actr_rtc_peer_create_channel(actr_rtc_peer_t *p, actr_rtc_lane_t lane)
{
    if (!p || !actr_rtc_lane_info(lane))
        return ACTR_EINVAL;
    if (!p->offerer || p->closing)
        return ACTR_ESTATE;
    if (p->chans[lane].state != CHAN_NONE)
        return ACTR_EEXIST;
    p->chans[lane].state = CHAN_PENDING;
    actr_rtc_dc_open_pending(p);
    return 0;
}

int actr_rtc_peer_send(actr_rtc_peer_t *p, actr_rtc_lane_t lane, const uint8_t *data, size_t len,
                       bool binary)
{
    if (!p || !actr_rtc_lane_info(lane) || (!data && len))
        return ACTR_EINVAL;
    const chan_t *c = &p->chans[lane];
    if (p->closing || c->state != CHAN_OPEN || !p->sctp)
        return ACTR_ESTATE;
    static const uint8_t zero = 0;
    if (len == 0) /* RFC 8831 6.6: empty messages are one zero byte with their own PPIDs */
        return actr_sctp_send(p->sctp, (uint16_t)c->sid,
                              binary ? ACTR_PPID_BINARY_EMPTY : ACTR_PPID_STRING_EMPTY, &zero, 1,
                              c->unordered, c->max_rexmit);
    return actr_sctp_send(p->sctp, (uint16_t)c->sid, binary ? ACTR_PPID_BINARY : ACTR_PPID_STRING,
                          data, len, c->unordered, c->max_rexmit);
}

size_t actr_rtc_peer_buffered(const actr_rtc_peer_t *p, actr_rtc_lane_t lane)
{
    if (!p || !p->sctp || !actr_rtc_lane_info(lane) || p->chans[lane].sid < 0)
        return 0;
    return actr_sctp_buffered(p->sctp, (uint16_t)p->chans[lane].sid);
}

bool actr_rtc_peer_channel_is_open(const actr_rtc_peer_t *p, actr_rtc_lane_t lane)
{
    return p && actr_rtc_lane_info(lane) && p->chans[lane].state == CHAN_OPEN && !p->closing;
}
