/*
 * media_coord.c - media tracks in the coordinator (spec/protocol.md 7.4 and 8.7): the tracks we
 * send to each peer (kept across a replaced peer connection), renegotiation when they change
 * (our RENEGOTIATION_OFFER with a fresh sdp_exchange_id, the ANSWER echoing it; either side may
 * offer), answering the remote's renegotiation offers on the same transport, and received
 * samples handed to the owner.
 *
 * Glare (both sides renegotiate at once): the original offerer keeps its offer and ignores the
 * remote one; the original answerer drops its own offer (rollback) and answers, then offers
 * again on a later tick. An offer not answered within REOFFER_TIMEOUT_MS is rolled back too.
 */
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"
#include "wire/webrtc/coordinator_internal.h"

#define REOFFER_TIMEOUT_MS 10000

typedef struct coord_track {
    char id[ACTR_SDP_TOKEN_MAX + 1];
    int codec;
} coord_track_t;

struct coord_media {
    uint8_t ntracks;
    coord_track_t tracks[ACTR_SDP_MAX_TRACKS];
    bool reneg_pending;
    uint64_t reneg_deadline;
    char reneg_id[ACTR_UUID_STR_LEN + 1];
};

static struct coord_media *media_of(rpeer_t *p)
{
    if (!p->media)
        p->media = calloc(1, sizeof(*p->media));
    return p->media;
}

void actr_rtc_coord_media_free(rpeer_t *p)
{
    free(p->media);
    p->media = NULL;
}

void actr_rtc_coord_media_attach(rpeer_t *p)
{
    struct coord_media *m = p->media;
    if (!m)
        return;
    m->reneg_pending = false;
    for (unsigned i = 0; i < m->ntracks && p->pc; i++)
        (void)actr_rtc_peer_add_track(p->pc, (actr_sdp_codec_id_t)m->tracks[i].codec,
                                      m->tracks[i].id);
}

void actr_rtc_coord_media_on_sample(void *arg, const actr_rtp_sample_t *s)
{
    link_t *l = arg;
    if (!l->peer || l->c->closing || !l->c->cbs.on_sample)
        return;
    actr_media_sample_t out = {.data = s->payload,
                               .len = s->payload_len,
                               .timestamp = s->timestamp,
                               .codec = s->codec,
                               .media_type = s->video ? ACTR_MEDIA_VIDEO : ACTR_MEDIA_AUDIO};
    l->c->cbs.on_sample(l->c->cbs.userdata, &l->peer->id, s->track_id, &out);
}

int actr_rtc_coord_add_track(actr_rtc_coord_t *c, const actr_id_t *peer, const char *track_id,
                             int codec)
{
    if (!c || !peer || !track_id || !track_id[0] || strlen(track_id) > ACTR_SDP_TOKEN_MAX ||
        codec < ACTR_SDP_CODEC_VP8 || codec > ACTR_SDP_CODEC_OPUS)
        return ACTR_EINVAL;
    if (c->closing)
        return ACTR_ECLOSED;
    int rc = actr_rtc_coord_connect(c, peer); /* 0 when one exists already */
    rpeer_t *p = actr_rtc_coord_find(c, peer);
    if (!p)
        return rc ? rc : ACTR_EUNAVAILABLE;
    struct coord_media *m = media_of(p);
    if (!m)
        return ACTR_ENOMEM;
    for (unsigned i = 0; i < m->ntracks; i++)
        if (strcmp(m->tracks[i].id, track_id) == 0)
            return ACTR_EEXIST;
    if (m->ntracks >= ACTR_SDP_MAX_TRACKS)
        return ACTR_ERANGE;
    if (p->pc) {
        rc = actr_rtc_peer_add_track(p->pc, (actr_sdp_codec_id_t)codec, track_id);
        if (rc != 0 && rc != ACTR_EEXIST)
            return rc;
    }
    coord_track_t *t = &m->tracks[m->ntracks++];
    memcpy(t->id, track_id, strlen(track_id) + 1);
    t->codec = codec;
    return 0;
}

int actr_rtc_coord_remove_track(actr_rtc_coord_t *c, const actr_id_t *peer, const char *track_id)
{
    if (!c || !peer || !track_id)
        return ACTR_EINVAL;
    rpeer_t *p = actr_rtc_coord_find(c, peer);
    struct coord_media *m = p ? p->media : NULL;
    for (unsigned i = 0; m && i < m->ntracks; i++) {
        if (strcmp(m->tracks[i].id, track_id) != 0)
            continue;
        memmove(&m->tracks[i], &m->tracks[i + 1], (m->ntracks - i - 1) * sizeof(m->tracks[0]));
        m->ntracks--;
        if (p->pc)
            (void)actr_rtc_peer_remove_track(p->pc, track_id);
        return 0;
    }
    return ACTR_ENOTFOUND;
}

int actr_rtc_coord_send_sample(actr_rtc_coord_t *c, const actr_id_t *peer, const char *track_id,
                               uint32_t timestamp, const uint8_t *data, size_t len)
{
    if (!c || !peer || !track_id)
        return ACTR_EINVAL;
    rpeer_t *p = actr_rtc_coord_find(c, peer);
    if (!p || !p->media)
        return ACTR_ENOTFOUND;
    if (!p->pc)
        return ACTR_ESTATE;
    return actr_rtc_peer_send_sample(p->pc, track_id, timestamp, data, len);
}

static void rollback(rpeer_t *p)
{
    if (p->media)
        p->media->reneg_pending = false;
    actr_rtc_peer_rollback(p->pc);
}

void actr_rtc_coord_media_tick(actr_rtc_coord_t *c, rpeer_t *p, uint64_t now)
{
    struct coord_media *m = p->media;
    if (!p->pc)
        return;
    if (m && m->reneg_pending) {
        if (now >= m->reneg_deadline) {
            actr_log(ACTR_LOG_WARN, "webrtc", "renegotiation not answered: rolled back",
                     ACTR_KV("peer", p->key), ACTR_KV_END);
            rollback(p);
        }
        return;
    }
    if (p->offer_pending || !actr_rtc_peer_needs_renegotiation(p->pc))
        return;
    char *sdp = NULL;
    if (!(m = media_of(p)) || actr_rtc_peer_renegotiate(p->pc, &sdp) != 0)
        return;
    actr_uuid_t u;
    actr_uuid_v4(&u);
    actr_uuid_format(&u, m->reneg_id);
    m->reneg_pending = true;
    m->reneg_deadline = now + REOFFER_TIMEOUT_MS;
    int rc = actr_rtc_coord_relay_sdp(c, p, WEBRTC__SESSION_DESCRIPTION__TYPE__RENEGOTIATION_OFFER,
                                      sdp, m->reneg_id);
    free(sdp);
    if (rc != 0)
        rollback(p); /* signaling down: try again on a later tick */
    else
        actr_log(ACTR_LOG_DEBUG, "webrtc", "renegotiation offer sent", ACTR_KV("peer", p->key),
                 ACTR_KV_END);
}

void actr_rtc_coord_media_on_offer(actr_rtc_coord_t *c, rpeer_t *p,
                                   const Webrtc__SessionDescription *d)
{
    if (p->media && p->media->reneg_pending) {
        if (p->offerer)
            return; /* glare: ours stands, the answerer rolls back and answers it */
        rollback(p);
    }
    actr_error_t err = {0};
    char *sdp = NULL;
    int rc = actr_rtc_peer_set_remote(p->pc, ACTR_SDP_OFFER, d->sdp, strlen(d->sdp), &err);
    if (rc == 0)
        rc = actr_rtc_peer_create_answer(p->pc, &sdp);
    if (rc == 0) {
        rc = actr_rtc_coord_relay_sdp(c, p, WEBRTC__SESSION_DESCRIPTION__TYPE__ANSWER, sdp,
                                      d->sdp_exchange_id);
        free(sdp);
    }
    if (rc != 0)
        actr_log(ACTR_LOG_WARN, "webrtc", "renegotiation offer refused", ACTR_KV("peer", p->key),
                 ACTR_KV("error", err.message[0] ? err.message : actr_strerror(rc)), ACTR_KV_END);
}

bool actr_rtc_coord_media_on_answer(actr_rtc_coord_t *c, rpeer_t *p,
                                    const Webrtc__SessionDescription *d)
{
    (void)c;
    struct coord_media *m = p ? p->media : NULL;
    if (!m || !m->reneg_pending || !p->pc || !d->sdp || !d->sdp_exchange_id ||
        strcmp(d->sdp_exchange_id, m->reneg_id) != 0)
        return false;
    m->reneg_pending = false;
    actr_error_t err = {0};
    int rc = actr_rtc_peer_set_remote(p->pc, ACTR_SDP_ANSWER, d->sdp, strlen(d->sdp), &err);
    if (rc != 0) {
        actr_log(ACTR_LOG_WARN, "webrtc", "renegotiation answer refused", ACTR_KV("peer", p->key),
                 ACTR_KV("error", err.message[0] ? err.message : actr_strerror(rc)), ACTR_KV_END);
        actr_rtc_peer_rollback(p->pc);
    }
    return true;
}
