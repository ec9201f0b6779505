/*
 * media.c - RTP media tracks of a peer connection (spec/protocol.md 8.7, spec/runtime.md 3.3):
 * the local track list that goes into our offers and answers, one RTP sender per track bound to
 * the payload type of our last local description, SRTP contexts keyed from the DTLS exporter
 * once DTLS is up, and the receive path (unprotect -> demux by SSRC/payload type against the
 * remote description -> on_sample). Everything bundles on the peer's one ICE/DTLS transport.
 *
 * Bad input never reaches the callback: garbage and short packets, packets before the keys,
 * failed SRTP authentication, replays and packets of no known track are counted and dropped.
 * RTCP is authenticated and counted, not interpreted (no RTCP reports are sent: receivers
 * accept RTP without them).
 */
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/random.h"
#include "wire/webrtc/peer_internal.h"

/* A datagram larger than this is not one of ours nor a sane WebRTC packet: dropped. */
#define MEDIA_PKT_MAX 1500

typedef struct media_track {
    actr_sdp_track_t desc; /* codec, track id, ssrc (what the SDP builder needs) */
    actr_rtp_sender_t sender;
    bool bound; /* sender has the negotiated payload type of our last local description */
} media_track_t;

struct actr_rtc_media {
    uint8_t ntracks;
    media_track_t tracks[ACTR_SDP_MAX_TRACKS];
    bool dirty; /* tracks changed since our last local description */
    actr_srtp_t *tx, *rx;
    actr_sdp_t *remote; /* last remote description with audio/video, for the demux */
    actr_rtp_track_map_t map;
    actr_rtc_media_stats_t stats;
};

static actr_rtc_media_t *media_get(actr_rtc_peer_t *p)
{
    if (!p->media)
        p->media = calloc(1, sizeof(*p->media));
    return p->media;
}

void actr_rtc_media_free(actr_rtc_peer_t *p)
{
    actr_rtc_media_t *m = p->media;
    if (!m)
        return;
    actr_srtp_free(m->tx);
    actr_srtp_free(m->rx);
    actr_sdp_free(m->remote);
    free(m);
    p->media = NULL;
}

static media_track_t *find_track(actr_rtc_media_t *m, const char *track_id)
{
    for (unsigned i = 0; m && track_id && i < m->ntracks; i++)
        if (strcmp(m->tracks[i].desc.track_id, track_id) == 0)
            return &m->tracks[i];
    return NULL;
}

static bool codec_ok(actr_sdp_codec_id_t c)
{
    return c == ACTR_SDP_CODEC_VP8 || c == ACTR_SDP_CODEC_H264 || c == ACTR_SDP_CODEC_OPUS;
}

int actr_rtc_peer_add_track(actr_rtc_peer_t *p, actr_sdp_codec_id_t codec, const char *track_id)
{
    if (!p || !track_id || !track_id[0] || !codec_ok(codec) ||
        strlen(track_id) > ACTR_SDP_TOKEN_MAX || strpbrk(track_id, " \t\r\n"))
        return ACTR_EINVAL;
    if (p->closing)
        return ACTR_ESTATE;
    actr_rtc_media_t *m = media_get(p);
    if (!m)
        return ACTR_ENOMEM;
    if (find_track(m, track_id))
        return ACTR_EEXIST;
    if (m->ntracks >= ACTR_SDP_MAX_TRACKS)
        return ACTR_ERANGE;
    media_track_t *t = &m->tracks[m->ntracks];
    memset(t, 0, sizeof(*t));
    t->desc.codec = codec;
    memcpy(t->desc.track_id, track_id, strlen(track_id) + 1);
    do
        t->desc.ssrc = (uint32_t)actr_os_random_u64();
    while (t->desc.ssrc == 0);
    m->ntracks++;
    m->dirty = true;
    return 0;
}

int actr_rtc_peer_remove_track(actr_rtc_peer_t *p, const char *track_id)
{
    if (!p || !track_id)
        return ACTR_EINVAL;
    actr_rtc_media_t *m = p->media;
    media_track_t *t = find_track(m, track_id);
    if (!t)
        return ACTR_ENOTFOUND;
    size_t idx = (size_t)(t - m->tracks);
    memmove(t, t + 1, (m->ntracks - idx - 1) * sizeof(*t));
    m->ntracks--;
    m->dirty = true;
    return 0;
}

bool actr_rtc_peer_needs_renegotiation(const actr_rtc_peer_t *p)
{
    return p && p->media && p->media->dirty && p->have_remote;
}

void actr_rtc_peer_rollback(actr_rtc_peer_t *p)
{
    if (!p || p->closing || p->sig != SIG_HAVE_LOCAL_OFFER || !p->reoffer)
        return;
    p->sig = SIG_STABLE;
    p->reoffer = false;
    if (p->media)
        p->media->dirty = true;
}

void actr_rtc_media_local_params(actr_rtc_peer_t *p, actr_sdp_local_t *l)
{
    actr_rtc_media_t *m = p->media;
    l->track_count = 0;
    for (unsigned i = 0; m && i < m->ntracks; i++)
        l->tracks[l->track_count++] = m->tracks[i].desc;
}

void actr_rtc_media_local_adopted(actr_rtc_peer_t *p, const actr_sdp_t *desc)
{
    actr_rtc_media_t *m = p->media;
    if (!m)
        return;
    m->dirty = false;
    for (unsigned i = 0; i < m->ntracks; i++) {
        media_track_t *t = &m->tracks[i];
        int pt = -1;
        for (unsigned s = 0; s < desc->media_count && pt < 0; s++) {
            const actr_sdp_media_t *sec = &desc->media[s];
            if (sec->port != 0 && strcmp(sec->msid_track, t->desc.track_id) == 0)
                pt = actr_sdp_codec_pt(sec, t->desc.codec);
        }
        if (pt < 0) {
            t->bound = false; /* no section carries it (the offer had no place for it) */
            m->dirty = true;  /* so it needs an offer of ours */
            continue;
        }
        if (!t->bound && t->sender.ssrc == 0)
            t->bound = actr_rtp_sender_init(&t->sender, t->desc.codec, (uint8_t)pt,
                                            t->desc.ssrc) == 0;
        else {
            t->sender.pt = (uint8_t)pt;
            t->bound = true;
        }
    }
}

void actr_rtc_media_remote(actr_rtc_peer_t *p, const actr_sdp_t *desc)
{
    bool av = false;
    for (unsigned i = 0; i < desc->media_count; i++)
        av |= (desc->media[i].kind == ACTR_SDP_KIND_AUDIO ||
               desc->media[i].kind == ACTR_SDP_KIND_VIDEO) && desc->media[i].port != 0;
    if (!av && !p->media)
        return; /* data only: no 280 KB copy per connection */
    actr_rtc_media_t *m = media_get(p);
    if (!m)
        return;
    if (!m->remote && !(m->remote = actr_sdp_new()))
        return;
    memcpy(m->remote, desc, sizeof(*desc));
    actr_rtp_track_map_init(&m->map, m->remote);
}

void actr_rtc_media_dtls_up(actr_rtc_peer_t *p)
{
    actr_dtls_srtp_t k;
    if (actr_dtls_srtp_keys(p->dtls, &k) != 0) {
        actr_log(ACTR_LOG_DEBUG, PEER_LOG, "no SRTP profile negotiated: media disabled",
                 ACTR_KV_END);
        return;
    }
    actr_rtc_media_t *m = media_get(p);
    if (!m)
        return;
    actr_srtp_free(m->tx);
    actr_srtp_free(m->rx);
    m->tx = m->rx = NULL;
    int rc = actr_srtp_new((actr_srtp_profile_t)k.profile, k.local_key, k.key_len, k.local_salt,
                           k.salt_len, 1, &m->tx);
    if (rc == 0)
        rc = actr_srtp_new((actr_srtp_profile_t)k.profile, k.remote_key, k.key_len,
                           k.remote_salt, k.salt_len, 0, &m->rx);
    memset(&k, 0, sizeof(k));
    if (rc != 0) {
        actr_log(ACTR_LOG_WARN, PEER_LOG, "SRTP setup failed: media disabled",
                 ACTR_KV("code", actr_strerror(rc)), ACTR_KV_END);
        actr_srtp_free(m->tx);
        m->tx = NULL;
    }
}

int actr_rtc_peer_send_sample(actr_rtc_peer_t *p, const char *track_id, uint32_t timestamp,
                              const uint8_t *data, size_t len)
{
    if (!p || !track_id || (!data && len))
        return ACTR_EINVAL;
    if (p->closing)
        return ACTR_ESTATE;
    actr_rtc_media_t *m = p->media;
    media_track_t *t = find_track(m, track_id);
    if (!t)
        return ACTR_ENOTFOUND;
    if (!t->bound || !m->tx)
        return ACTR_ESTATE; /* not negotiated yet, or DTLS not up */
    uint8_t pkt[ACTR_RTP_HEADER_LEN + ACTR_RTP_MAX_PAYLOAD + ACTR_SRTP_TRAILER_ROOM];
    size_t n = 0;
    int rc = actr_rtp_write_sample(&t->sender, timestamp, data, len, pkt, sizeof(pkt), &n);
    if (rc == 0)
        rc = actr_srtp_protect(m->tx, pkt, n, sizeof(pkt), &n);
    if (rc == 0)
        rc = actr_rtc_peer_send_rtp(p, pkt, n);
    if (rc != 0) {
        m->stats.tx_errors++;
        return rc;
    }
    m->stats.tx_packets++;
    m->stats.tx_bytes += len;
    return 0;
}

void actr_rtc_media_input(actr_rtc_peer_t *p, const uint8_t *d, size_t n)
{
    actr_rtc_media_t *m = p->media;
    if (!m) {
        return; /* no media negotiated: nothing to count against */
    }
    actr_rtc_media_stats_t *st = &m->stats;
    actr_rtp_demux_t kind = actr_rtp_classify(d, n);
    if ((kind != ACTR_DEMUX_RTP && kind != ACTR_DEMUX_RTCP) || n > MEDIA_PKT_MAX) {
        st->rx_garbage++;
        return;
    }
    if (!m->rx) {
        st->rx_no_keys++;
        return;
    }
    uint8_t pkt[MEDIA_PKT_MAX];
    memcpy(pkt, d, n);
    size_t len = 0;
    if (kind == ACTR_DEMUX_RTCP) {
        if (actr_srtp_unprotect_rtcp(m->rx, pkt, n, &len) == 0)
            st->rx_rtcp++;
        else
            st->rx_auth_failed++;
        return;
    }
    actr_rtp_header_t h;
    if (actr_rtp_parse(pkt, n, &h) != 0) {
        st->rx_garbage++;
        return;
    }
    int rc = actr_srtp_unprotect(m->rx, pkt, n, &len);
    if (rc == ACTR_EEXIST) {
        st->rx_replayed++;
        return;
    }
    if (rc != 0) {
        st->rx_auth_failed++;
        return;
    }
    actr_rtp_sample_t s;
    if (actr_rtp_track_map_resolve(&m->map, pkt, len, &s) != 0) {
        st->rx_unknown_track++;
        return;
    }
    st->rx_packets++;
    st->rx_bytes += s.payload_len;
    if (p->cbs.on_sample)
        p->cbs.on_sample(p->arg, &s);
}

void actr_rtc_peer_media_stats(const actr_rtc_peer_t *p, actr_rtc_media_stats_t *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    if (p && p->media)
        *out = p->media->stats;
}
