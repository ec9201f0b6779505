/*
 * sdp_build.c - our offers and answers (JSEP subset): data channel section, media tracks with
 * the codecs of spec/runtime.md 3.2, ICE restart and renegotiation keeping mids and order.
 */
#include <stdio.h>
#include <string.h>

#include "wire/webrtc/sdp_internal.h"

#define RTP_PROTO "UDP/TLS/RTP/SAVPF"
#define DEFAULT_OUR_MAX_MESSAGE 262144

/* The codecs we offer, in preference order within a kind. */
static const struct our_codec {
    actr_sdp_codec_id_t id;
    actr_sdp_kind_t kind;
    uint8_t pt;
    const char *name;
    uint32_t clock;
    uint8_t channels;
    const char *fmtp;
    const char *fb; /* one rtcp-fb value or NULL */
} OURS[] = {
    {ACTR_SDP_CODEC_VP8, ACTR_SDP_KIND_VIDEO, 96, "VP8", 90000, 0, "", "nack pli"},
    {ACTR_SDP_CODEC_H264, ACTR_SDP_KIND_VIDEO, 102, "H264", 90000, 0,
     "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", "nack pli"},
    {ACTR_SDP_CODEC_OPUS, ACTR_SDP_KIND_AUDIO, 111, "opus", 48000, 2, "minptime=10;useinbandfec=1",
     NULL},
};
#define N_OURS (sizeof OURS / sizeof OURS[0])

static const struct our_codec *our_codec(actr_sdp_codec_id_t id)
{
    for (size_t i = 0; i < N_OURS; i++)
        if (OURS[i].id == id)
            return &OURS[i];
    return NULL;
}

static actr_sdp_kind_t codec_kind(actr_sdp_codec_id_t id)
{
    const struct our_codec *c = our_codec(id);
    return c ? c->kind : ACTR_SDP_KIND_OTHER;
}

static int bad(actr_error_t *err, const char *what)
{
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "sdp: %s", what);
}

static int check_local(const actr_sdp_local_t *l, actr_error_t *err)
{
    if (!l)
        return bad(err, "NULL local parameters");
    if (!l->ice_ufrag || !sdp_ice_chars(l->ice_ufrag, strlen(l->ice_ufrag), 4, ACTR_SDP_ICE_MAX))
        return bad(err, "ice_ufrag must be 4..256 ice-chars");
    if (!l->ice_pwd || !sdp_ice_chars(l->ice_pwd, strlen(l->ice_pwd), 22, ACTR_SDP_ICE_MAX))
        return bad(err, "ice_pwd must be 22..256 ice-chars");
    if (l->track_count > ACTR_SDP_MAX_TRACKS)
        return bad(err, "too many tracks");
    for (unsigned i = 0; i < l->track_count; i++) {
        const actr_sdp_track_t *t = &l->tracks[i];
        if (!our_codec(t->codec) || !t->track_id[0] || t->ssrc == 0 ||
            memchr(t->track_id, ' ', strlen(t->track_id)) ||
            memchr(t->stream_id, ' ', strlen(t->stream_id)))
            return bad(err, "track needs a codec, a track_id without spaces and an ssrc");
        for (unsigned k = 0; k < i; k++)
            if (strcmp(l->tracks[k].track_id, t->track_id) == 0)
                return bad(err, "duplicate track_id");
    }
    return 0;
}

static void set_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void fill_transport(actr_sdp_media_t *m, const actr_sdp_local_t *l, actr_sdp_setup_t setup)
{
    m->port = 9; /* JSEP: the port of a trickle description is a placeholder */
    set_str(m->ice_ufrag, sizeof m->ice_ufrag, l->ice_ufrag);
    set_str(m->ice_pwd, sizeof m->ice_pwd, l->ice_pwd);
    m->ice_trickle = 1;
    m->has_fingerprint = 1;
    memcpy(m->fingerprint, l->fingerprint, sizeof m->fingerprint);
    m->setup = setup;
}

static void fill_data(actr_sdp_media_t *m, const actr_sdp_local_t *l, actr_sdp_setup_t setup)
{
    m->kind = ACTR_SDP_KIND_APPLICATION;
    set_str(m->media, sizeof m->media, "application");
    set_str(m->proto, sizeof m->proto, "UDP/DTLS/SCTP");
    set_str(m->fmt, sizeof m->fmt, "webrtc-datachannel");
    fill_transport(m, l, setup);
    m->sctp_port = l->sctp_port ? l->sctp_port : ACTR_SDP_DEFAULT_SCTP_PORT;
    m->has_max_message_size = 1;
    m->max_message_size = l->max_message_size ? l->max_message_size : DEFAULT_OUR_MAX_MESSAGE;
}

static void add_codec(actr_sdp_media_t *m, const struct our_codec *c, uint8_t pt, const char *fmtp)
{
    if (m->codec_count >= ACTR_SDP_MAX_CODECS)
        return;
    actr_sdp_codec_t *d = &m->codecs[m->codec_count++];
    memset(d, 0, sizeof *d);
    d->pt = pt;
    d->id = c->id;
    set_str(d->name, sizeof d->name, c->name);
    d->clock_rate = c->clock;
    d->channels = c->channels;
    set_str(d->fmtp, sizeof d->fmtp, fmtp ? fmtp : c->fmtp);
    if (c->fb) {
        set_str(d->fb[0], sizeof d->fb[0], c->fb);
        d->fb_count = 1;
    }
}

/* An audio/video section of kind with our codecs, `first` leading; sending when t != NULL. */
static void fill_rtp(actr_sdp_media_t *m, actr_sdp_kind_t kind, const actr_sdp_track_t *t,
                     const actr_sdp_local_t *l, actr_sdp_setup_t setup)
{
    m->kind = kind;
    set_str(m->media, sizeof m->media, kind == ACTR_SDP_KIND_AUDIO ? "audio" : "video");
    set_str(m->proto, sizeof m->proto, RTP_PROTO);
    fill_transport(m, l, setup);
    m->rtcp_mux = 1;
    m->rtcp_rsize = 1;
    m->codec_count = 0;
    if (t)
        add_codec(m, our_codec(t->codec), our_codec(t->codec)->pt, NULL);
    for (size_t i = 0; i < N_OURS; i++)
        if (OURS[i].kind == kind && (!t || OURS[i].id != t->codec))
            add_codec(m, &OURS[i], OURS[i].pt, NULL);
    m->direction = t ? ACTR_SDP_DIR_SENDRECV : ACTR_SDP_DIR_RECVONLY;
}

/* Adds the sending identity of track t (a=msid, a=ssrc) to section m. */
static void attach_track(actr_sdp_media_t *m, const actr_sdp_track_t *t, const actr_sdp_local_t *l)
{
    const char *stream = t->stream_id[0]                  ? t->stream_id
                         : m->kind == ACTR_SDP_KIND_AUDIO ? "actr-audio"
                                                          : "actr-video";
    set_str(m->msid_stream, sizeof m->msid_stream, stream);
    set_str(m->msid_track, sizeof m->msid_track, t->track_id);
    m->ssrc_count = 1;
    actr_sdp_ssrc_t *s = &m->ssrcs[0];
    memset(s, 0, sizeof *s);
    s->ssrc = t->ssrc;
    set_str(s->cname, sizeof s->cname, l->cname && l->cname[0] ? l->cname : "actr");
    set_str(s->msid_stream, sizeof s->msid_stream, stream);
    set_str(s->msid_track, sizeof s->msid_track, t->track_id);
}

static void copy_identity(actr_sdp_media_t *m, const actr_sdp_media_t *from)
{
    m->kind = from->kind;
    memcpy(m->media, from->media, sizeof m->media);
    memcpy(m->proto, from->proto, sizeof m->proto);
    memcpy(m->mid, from->mid, sizeof m->mid);
    memcpy(m->fmt, from->fmt, sizeof m->fmt);
}

/* A rejected section (port 0) echoing the identity and formats of `from`. */
static void reject(actr_sdp_media_t *m, const actr_sdp_media_t *from)
{
    memset(m, 0, sizeof *m);
    copy_identity(m, from);
    m->codec_count = from->codec_count;
    for (unsigned i = 0; i < from->codec_count && i < ACTR_SDP_MAX_CODECS; i++)
        m->codecs[i].pt = from->codecs[i].pt; /* formats only: no rtpmap is written without a name */
}

static void next_mid(const actr_sdp_t *sdp, char *mid, size_t cap)
{
    for (unsigned n = 0;; n++) {
        snprintf(mid, cap, "%u", n);
        if (actr_sdp_find_mid(sdp, mid) < 0)
            return; /* terminates: at most ACTR_SDP_MAX_MEDIA mids are taken */
    }
}

static void set_bundle(actr_sdp_t *out)
{
    out->bundle_count = 0;
    for (unsigned i = 0; i < out->media_count; i++)
        if ((out->media[i].port || out->media[i].bundle_only) && out->media[i].mid[0])
            memcpy(out->bundle[out->bundle_count++], out->media[i].mid, ACTR_SDP_TOKEN_MAX + 1);
}

static void start(actr_sdp_t *out, const actr_sdp_local_t *l)
{
    memset(out, 0, sizeof *out);
    set_str(out->origin_user, sizeof out->origin_user, "-");
    out->session_id = l->session_id & INT64_MAX;
    out->session_version = l->session_version;
}

int actr_sdp_build_offer(const actr_sdp_local_t *local, const actr_sdp_t *previous,
                         actr_sdp_t *out, actr_error_t *err)
{
    if (!out)
        return bad(err, "NULL output");
    int rc = check_local(local, err);
    if (rc != 0)
        return rc;
    start(out, local);
    uint8_t used[ACTR_SDP_MAX_TRACKS] = {0};
    int have_data = 0;
    unsigned prev_n = previous ? previous->media_count : 0;
    for (unsigned i = 0; i < prev_n && i < ACTR_SDP_MAX_MEDIA; i++) {
        const actr_sdp_media_t *pm = &previous->media[i];
        actr_sdp_media_t *m = &out->media[out->media_count++];
        int av = pm->kind == ACTR_SDP_KIND_AUDIO || pm->kind == ACTR_SDP_KIND_VIDEO;
        if ((pm->port == 0 && !pm->bundle_only) || (!av && pm->kind != ACTR_SDP_KIND_APPLICATION)) {
            reject(m, pm); /* a rejected mid stays rejected (JSEP 5.2.2) */
            continue;
        }
        copy_identity(m, pm);
        if (pm->kind == ACTR_SDP_KIND_APPLICATION) {
            fill_data(m, local, ACTR_SDP_SETUP_ACTPASS);
            have_data = 1;
            continue;
        }
        const actr_sdp_track_t *t = NULL;
        for (unsigned k = 0; k < local->track_count && !t; k++)
            if (!used[k] && strcmp(local->tracks[k].track_id, pm->msid_track) == 0 &&
                codec_kind(local->tracks[k].codec) == pm->kind) {
                used[k] = 1;
                t = &local->tracks[k];
            }
        fill_rtp(m, pm->kind, t, local, ACTR_SDP_SETUP_ACTPASS);
        memcpy(m->mid, pm->mid, sizeof m->mid);
        /* Keep the negotiated codecs and payload types of the section: a changed codec list
         * makes libwebrtc recreate its receive stream (counters reset, decoder restarted). */
        if (pm->codec_count > 0 && (!t || actr_sdp_codec_pt(pm, t->codec) >= 0)) {
            m->codec_count = pm->codec_count;
            memcpy(m->codecs, pm->codecs, sizeof m->codecs);
        }
        if (t)
            attach_track(m, t, local);
    }
    /* New sections: the data channel first (the offerer creates RPC_RELIABLE before anything). */
    int need = (local->data_channel && !have_data) ? 1 : 0;
    for (unsigned k = 0; k < local->track_count; k++)
        need += !used[k];
    if (out->media_count + need > ACTR_SDP_MAX_MEDIA)
        return actr_error_set(err, ACTR_ERANGE, ACTR_KIND_CLIENT, 0,
                              "sdp: more than %d m= sections", ACTR_SDP_MAX_MEDIA);
    if (out->media_count + need == 0)
        return bad(err, "an offer needs a data channel or a track");
    if (local->data_channel && !have_data) {
        actr_sdp_media_t *m = &out->media[out->media_count];
        next_mid(out, m->mid, sizeof m->mid);
        out->media_count++;
        fill_data(m, local, ACTR_SDP_SETUP_ACTPASS);
    }
    for (unsigned k = 0; k < local->track_count; k++) {
        if (used[k])
            continue;
        actr_sdp_media_t *m = &out->media[out->media_count];
        next_mid(out, m->mid, sizeof m->mid);
        out->media_count++;
        const actr_sdp_track_t *t = &local->tracks[k];
        fill_rtp(m, codec_kind(t->codec), t, local, ACTR_SDP_SETUP_ACTPASS);
        attach_track(m, t, local);
    }
    set_bundle(out);
    return 0;
}

/* Accepts the offered codecs we support into m (offerer's payload types); 1 if any. */
static int answer_codecs(actr_sdp_media_t *m, const actr_sdp_media_t *om)
{
    m->codec_count = 0;
    for (unsigned i = 0; i < om->codec_count && i < ACTR_SDP_MAX_CODECS; i++) {
        const actr_sdp_codec_t *oc = &om->codecs[i];
        const struct our_codec *c = our_codec(oc->id);
        if (!c || c->kind != om->kind || actr_sdp_codec_pt(m, c->id) >= 0)
            continue; /* unknown, wrong kind, or a second variant of a codec we already took */
        if (c->id == ACTR_SDP_CODEC_H264 && !sdp_h264_mode1(oc->fmtp))
            continue;
        /* H264: echo the offered profile; Opus: the offer's channels/fmtp are compatible. */
        add_codec(m, c, oc->pt, c->id == ACTR_SDP_CODEC_H264 ? oc->fmtp : NULL);
        actr_sdp_codec_t *d = &m->codecs[m->codec_count - 1];
        int pli = 0;
        for (unsigned k = 0; k < oc->fb_count && k < ACTR_SDP_MAX_FB; k++)
            pli |= strcmp(oc->fb[k], "nack pli") == 0;
        d->fb_count = (uint8_t)(pli && c->fb ? 1 : 0);
    }
    return m->codec_count > 0;
}

static int answer_rtp(actr_sdp_media_t *m, const actr_sdp_media_t *om, const actr_sdp_local_t *l,
                      uint8_t *used, actr_sdp_setup_t setup)
{
    if (!strstr(om->proto, "RTP/SAVP") || !answer_codecs(m, om))
        return 0;
    copy_identity(m, om);
    fill_transport(m, l, setup);
    m->rtcp_mux = 1;
    m->rtcp_rsize = om->rtcp_rsize;
    actr_sdp_direction_t od = om->direction == ACTR_SDP_DIR_UNSET ? ACTR_SDP_DIR_SENDRECV
                                                                  : om->direction;
    const actr_sdp_track_t *t = NULL;
    if (od == ACTR_SDP_DIR_SENDRECV || od == ACTR_SDP_DIR_RECVONLY) {
        for (unsigned k = 0; k < l->track_count && !t; k++)
            if (!used[k] && actr_sdp_codec_pt(m, l->tracks[k].codec) >= 0) {
                used[k] = 1;
                t = &l->tracks[k];
            }
    }
    switch (od) {
    case ACTR_SDP_DIR_SENDRECV:
        m->direction = t ? ACTR_SDP_DIR_SENDRECV : ACTR_SDP_DIR_RECVONLY;
        break;
    case ACTR_SDP_DIR_SENDONLY:
        m->direction = ACTR_SDP_DIR_RECVONLY;
        break;
    case ACTR_SDP_DIR_RECVONLY:
        m->direction = t ? ACTR_SDP_DIR_SENDONLY : ACTR_SDP_DIR_INACTIVE;
        break;
    default:
        m->direction = ACTR_SDP_DIR_INACTIVE;
        break;
    }
    if (t)
        attach_track(m, t, l);
    return 1;
}

int actr_sdp_build_answer(const actr_sdp_t *offer, const actr_sdp_local_t *local,
                          actr_sdp_t *out, actr_error_t *err)
{
    if (!offer || !out || offer == out)
        return bad(err, "NULL or aliased argument");
    int rc = check_local(local, err);
    if (rc != 0)
        return rc;
    start(out, local);
    uint8_t used[ACTR_SDP_MAX_TRACKS] = {0};
    int accepted = 0;
    for (unsigned i = 0; i < offer->media_count && i < ACTR_SDP_MAX_MEDIA; i++) {
        const actr_sdp_media_t *om = &offer->media[i];
        actr_sdp_media_t *m = &out->media[out->media_count++];
        memset(m, 0, sizeof *m);
        if (om->port == 0 && !om->bundle_only) {
            reject(m, om);
            continue;
        }
        actr_sdp_setup_t setup;
        switch (om->setup) {
        case ACTR_SDP_SETUP_ACTIVE:
            setup = ACTR_SDP_SETUP_PASSIVE;
            break;
        case ACTR_SDP_SETUP_PASSIVE:
            setup = ACTR_SDP_SETUP_ACTIVE;
            break;
        case ACTR_SDP_SETUP_HOLDCONN:
            return actr_error_set(err, ACTR_EPROTO, ACTR_KIND_CLIENT, 0,
                                  "sdp: offer section %u has setup:holdconn", i);
        default:
            setup = local->answer_setup == ACTR_SDP_SETUP_PASSIVE ? ACTR_SDP_SETUP_PASSIVE
                                                                  : ACTR_SDP_SETUP_ACTIVE;
        }
        int ok = 0;
        if (om->kind == ACTR_SDP_KIND_APPLICATION && strstr(om->proto, "SCTP")) {
            fill_data(m, local, setup);
            memcpy(m->proto, om->proto, sizeof m->proto); /* legacy "DTLS/SCTP" stays legacy */
            memcpy(m->mid, om->mid, sizeof m->mid);
            ok = 1;
        } else if (om->kind == ACTR_SDP_KIND_AUDIO || om->kind == ACTR_SDP_KIND_VIDEO) {
            ok = answer_rtp(m, om, local, used, setup);
        }
        if (!ok)
            reject(m, om);
        accepted += ok;
    }
    if (!accepted)
        return actr_error_set(err, ACTR_EUNSUPPORTED, ACTR_KIND_CLIENT, 0,
                              "sdp: the offer has no section we can accept");
    /* BUNDLE: the offer's group order, restricted to what we accepted. */
    for (unsigned i = 0; i < offer->bundle_count && i < ACTR_SDP_MAX_BUNDLE; i++) {
        int k = actr_sdp_find_mid(out, offer->bundle[i]);
        if (k >= 0 && out->media[k].port)
            memcpy(out->bundle[out->bundle_count++], offer->bundle[i], ACTR_SDP_TOKEN_MAX + 1);
    }
    return 0;
}
