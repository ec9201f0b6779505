/*
 * sdp_write.c - actr_sdp_t -> SDP text (CRLF), and the candidate attribute formatter.
 *
 * The output goes through a bounded appender that keeps counting past the capacity, so a too
 * small buffer reports the exact size needed instead of a truncated description.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/webrtc/sdp_internal.h"

typedef struct out {
    char *buf;
    size_t cap, len; /* len counts everything, also what did not fit */
} out_t;

static void put(out_t *o, const char *fmt, ...) ACTR_PRINTF(2, 3);
static void put(out_t *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

static const char *const cand_types[] = {"host", "srflx", "prflx", "relay"};
static const char *const tcptypes[] = {"", "active", "passive", "so"};

static void put_candidate(out_t *o, const actr_sdp_candidate_t *c)
{
    put(o, "candidate:%s %u %s %u %s %u typ %s", c->foundation, c->component,
        c->tcp ? "tcp" : "udp", c->priority, c->address, c->port,
        cand_types[c->type <= ACTR_SDP_CAND_RELAY ? c->type : 0]);
    if (c->has_related)
        put(o, " raddr %s rport %u", c->related_address, c->related_port);
    if (c->tcptype > ACTR_SDP_TCPTYPE_NONE && c->tcptype <= ACTR_SDP_TCPTYPE_SO)
        put(o, " tcptype %s", tcptypes[c->tcptype]);
    if (c->has_generation)
        put(o, " generation %u", c->generation);
    if (c->ufrag[0])
        put(o, " ufrag %s", c->ufrag);
    if (c->has_network_id)
        put(o, " network-id %u", c->network_id);
    if (c->has_network_cost)
        put(o, " network-cost %u", c->network_cost);
}

int actr_sdp_candidate_format(const actr_sdp_candidate_t *c, char *buf, size_t cap,
                              size_t *out_len)
{
    if (!c || (!buf && cap) || !c->foundation[0] || !c->address[0] || c->component == 0)
        return ACTR_EINVAL;
    out_t o = {buf, cap, 0};
    put_candidate(&o, c);
    if (out_len)
        *out_len = o.len;
    return o.len < cap ? 0 : ACTR_ETOOBIG;
}

static void put_codec(out_t *o, const actr_sdp_codec_t *c)
{
    if (c->name[0]) {
        put(o, "a=rtpmap:%u %s/%u", c->pt, c->name, c->clock_rate);
        if (c->channels > 1)
            put(o, "/%u", c->channels);
        put(o, "\r\n");
    }
    for (unsigned k = 0; k < c->fb_count && k < ACTR_SDP_MAX_FB; k++)
        put(o, "a=rtcp-fb:%u %s\r\n", c->pt, c->fb[k]);
    if (c->fmtp[0])
        put(o, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
}

static void put_rtp_attrs(out_t *o, const actr_sdp_media_t *m)
{
    if (m->direction != ACTR_SDP_DIR_UNSET)
        put(o, "a=%s\r\n", actr_sdp_direction_name(m->direction));
    if (m->msid_stream[0])
        put(o, "a=msid:%s%s%s\r\n", m->msid_stream, m->msid_track[0] ? " " : "", m->msid_track);
    if (m->rtcp_mux)
        put(o, "a=rtcp-mux\r\n");
    if (m->rtcp_rsize)
        put(o, "a=rtcp-rsize\r\n");
    for (unsigned i = 0; i < m->codec_count && i < ACTR_SDP_MAX_CODECS; i++)
        put_codec(o, &m->codecs[i]);
    for (unsigned i = 0; i < m->ssrc_count && i < ACTR_SDP_MAX_SSRCS; i++) {
        const actr_sdp_ssrc_t *s = &m->ssrcs[i];
        if (s->cname[0])
            put(o, "a=ssrc:%u cname:%s\r\n", s->ssrc, s->cname);
        if (s->msid_stream[0])
            put(o, "a=ssrc:%u msid:%s%s%s\r\n", s->ssrc, s->msid_stream,
                s->msid_track[0] ? " " : "", s->msid_track);
    }
}

static int put_media(out_t *o, const actr_sdp_media_t *m, unsigned index, actr_error_t *err)
{
    int av = m->kind == ACTR_SDP_KIND_AUDIO || m->kind == ACTR_SDP_KIND_VIDEO;
    int active = m->port != 0 || m->bundle_only;
    if (!m->media[0] || !m->proto[0])
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "sdp: section %u has no media or proto", index);
    put(o, "m=%s %u %s", m->media, m->port, m->proto);
    if (av && m->codec_count) {
        for (unsigned i = 0; i < m->codec_count && i < ACTR_SDP_MAX_CODECS; i++)
            put(o, " %u", m->codecs[i].pt);
    } else if (m->kind == ACTR_SDP_KIND_APPLICATION && strcmp(m->proto, "DTLS/SCTP") == 0) {
        put(o, " %u", m->sctp_port ? m->sctp_port : ACTR_SDP_DEFAULT_SCTP_PORT);
    } else if (m->fmt[0]) {
        put(o, " %s", m->fmt);
    } else if (m->kind == ACTR_SDP_KIND_APPLICATION) {
        put(o, " webrtc-datachannel");
    } else {
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "sdp: section %u has no formats", index);
    }
    put(o, "\r\nc=IN IP4 0.0.0.0\r\n");
    if (!active) { /* rejected: only what identifies the section */
        if (m->mid[0])
            put(o, "a=mid:%s\r\n", m->mid);
        return 0;
    }
    if (!sdp_ice_chars(m->ice_ufrag, strlen(m->ice_ufrag), 4, ACTR_SDP_ICE_MAX) ||
        !sdp_ice_chars(m->ice_pwd, strlen(m->ice_pwd), 22, ACTR_SDP_ICE_MAX))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "sdp: section %u has no valid ICE credentials", index);
    if (av)
        put(o, "a=rtcp:9 IN IP4 0.0.0.0\r\n");
    put(o, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", m->ice_ufrag, m->ice_pwd);
    if (m->ice_trickle)
        put(o, "a=ice-options:trickle\r\n");
    if (m->has_fingerprint) {
        char fp[ACTR_SDP_FINGERPRINT_STR_LEN + 1];
        actr_sdp_fingerprint_format(m->fingerprint, fp);
        put(o, "a=fingerprint:sha-256 %s\r\n", fp);
    }
    if (m->setup != ACTR_SDP_SETUP_UNSET)
        put(o, "a=setup:%s\r\n", actr_sdp_setup_name(m->setup));
    if (m->mid[0])
        put(o, "a=mid:%s\r\n", m->mid);
    if (m->bundle_only)
        put(o, "a=bundle-only\r\n");
    if (av) {
        put_rtp_attrs(o, m);
    } else if (m->kind == ACTR_SDP_KIND_APPLICATION) {
        put(o, "a=sctp-port:%u\r\n", m->sctp_port ? m->sctp_port : ACTR_SDP_DEFAULT_SCTP_PORT);
        if (m->has_max_message_size)
            put(o, "a=max-message-size:%u\r\n", m->max_message_size);
    }
    for (unsigned i = 0; i < m->candidate_count && i < ACTR_SDP_MAX_CANDIDATES; i++) {
        put(o, "a=");
        put_candidate(o, &m->candidates[i]);
        put(o, "\r\n");
    }
    if (m->end_of_candidates)
        put(o, "a=end-of-candidates\r\n");
    return 0;
}

int actr_sdp_write(const actr_sdp_t *sdp, char *buf, size_t cap, size_t *out_len,
                   actr_error_t *err)
{
    if (!sdp || (!buf && cap))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "sdp: NULL argument");
    if (sdp->media_count == 0 || sdp->media_count > ACTR_SDP_MAX_MEDIA)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "sdp: %u m= sections",
                              sdp->media_count);
    out_t o = {buf, cap, 0};
    /* Session ids above 2^63 - 1 are out of range for some parsers (RFC 8866: < 2^63). */
    put(&o, "v=0\r\no=%s %llu %llu IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
        sdp->origin_user[0] ? sdp->origin_user : "-",
        (unsigned long long)(sdp->session_id & INT64_MAX),
        (unsigned long long)sdp->session_version);
    if (sdp->bundle_count) {
        put(&o, "a=group:BUNDLE");
        for (unsigned i = 0; i < sdp->bundle_count && i < ACTR_SDP_MAX_BUNDLE; i++)
            put(&o, " %s", sdp->bundle[i]);
        put(&o, "\r\n");
    }
    if (sdp->ice_lite)
        put(&o, "a=ice-lite\r\n");
    put(&o, "a=msid-semantic: WMS\r\n");
    for (unsigned i = 0; i < sdp->media_count; i++) {
        int rc = put_media(&o, &sdp->media[i], i, err);
        if (rc != 0)
            return rc;
    }
    if (out_len)
        *out_len = o.len;
    if (o.len >= cap)
        return actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_CLIENT, 0,
                              "sdp: %zu bytes needed, buffer holds %zu", o.len + 1, cap);
    return 0;
}

int actr_sdp_write_alloc(const actr_sdp_t *sdp, char **out, size_t *out_len, actr_error_t *err)
{
    if (!out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "sdp: NULL argument");
    *out = NULL;
    size_t need = 0;
    int rc = actr_sdp_write(sdp, NULL, 0, &need, err);
    if (rc != 0 && rc != ACTR_ETOOBIG)
        return rc;
    char *buf = malloc(need + 1);
    if (!buf)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "sdp: out of memory");
    rc = actr_sdp_write(sdp, buf, need + 1, out_len, err);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    actr_error_clear(err);
    *out = buf;
    return 0;
}
