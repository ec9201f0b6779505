/*
 * sdp_parse.c - SDP text -> actr_sdp_t (see sdp.h for what is accepted and what is strict).
 *
 * One pass over the lines with a bounded cursor; every copy is length-checked, every list has a
 * capacity, so hostile input costs at most ACTR_SDP_TEXT_MAX bytes of scanning.
 */
#include <stdio.h>
#include <string.h>

#include "wire/webrtc/sdp_internal.h"

typedef struct parser {
    actr_sdp_t *sdp;
    actr_error_t *err;
    int line;
    /* session-level transport attributes, inherited by media sections at the end */
    actr_sdp_media_t session;
    actr_sdp_media_t *m; /* current media section, NULL at session level */
} parser_t;

#define FAIL(ps, ...) actr_error_set((ps)->err, ACTR_EPARSE, ACTR_KIND_CORRUPT, 0, __VA_ARGS__)

static actr_sdp_codec_t *find_codec(actr_sdp_media_t *m, uint64_t pt)
{
    for (unsigned i = 0; i < m->codec_count; i++)
        if (m->codecs[i].pt == pt)
            return &m->codecs[i];
    return NULL;
}

static int parse_origin(parser_t *ps, sdp_str_t v)
{
    sdp_str_t user = sdp_next_token(&v), id = sdp_next_token(&v), ver = sdp_next_token(&v);
    sdp_str_t net = sdp_next_token(&v), at = sdp_next_token(&v), addr = sdp_next_token(&v);
    if (!addr.n || sdp_next_token(&v).n || !sdp_str_eq(net, "IN") || at.n == 0)
        return FAIL(ps, "line %d: o= needs 6 fields", ps->line);
    if (sdp_copy(user, ps->sdp->origin_user, sizeof ps->sdp->origin_user) != 0 ||
        sdp_parse_u64(id, UINT64_MAX, &ps->sdp->session_id) != 0 ||
        sdp_parse_u64(ver, UINT64_MAX, &ps->sdp->session_version) != 0)
        return FAIL(ps, "line %d: bad o= user, session id or version", ps->line);
    return 0;
}

static int parse_mline(parser_t *ps, sdp_str_t v)
{
    actr_sdp_t *sdp = ps->sdp;
    if (sdp->media_count >= ACTR_SDP_MAX_MEDIA)
        return FAIL(ps, "line %d: more than %d m= sections", ps->line, ACTR_SDP_MAX_MEDIA);
    actr_sdp_media_t *m = &sdp->media[sdp->media_count++];
    ps->m = m;
    sdp_str_t media = sdp_next_token(&v), port = sdp_next_token(&v), proto = sdp_next_token(&v);
    uint64_t n;
    /* "<port>/<count>" is legal SDP but meaningless for WebRTC: take the port. */
    sdp_str_t port_only = port;
    const char *slash = memchr(port.p, '/', port.n);
    if (slash)
        port_only.n = (size_t)(slash - port.p);
    if (sdp_copy(media, m->media, sizeof m->media) != 0 ||
        sdp_parse_u64(port_only, 65535, &n) != 0 || sdp_copy(proto, m->proto, sizeof m->proto) != 0)
        return FAIL(ps, "line %d: m= needs <media> <port> <proto> <fmt>...", ps->line);
    m->port = (uint16_t)n;
    m->kind = sdp_str_eq(media, "audio")         ? ACTR_SDP_KIND_AUDIO
              : sdp_str_eq(media, "video")       ? ACTR_SDP_KIND_VIDEO
              : sdp_str_eq(media, "application") ? ACTR_SDP_KIND_APPLICATION
                                                 : ACTR_SDP_KIND_OTHER;
    /* The format list: kept verbatim (bounded) for echoing, parsed as payload types for A/V. */
    while (v.n && v.p[0] == ' ') {
        v.p++;
        v.n--;
    }
    if (v.n == 0)
        return FAIL(ps, "line %d: m= without formats", ps->line);
    size_t keep = v.n < sizeof m->fmt - 1 ? v.n : sizeof m->fmt - 1;
    while (keep < v.n && keep > 0 && v.p[keep] != ' ') /* cut at a token boundary */
        keep--;
    memcpy(m->fmt, v.p, keep);
    m->fmt[keep] = '\0';
    int av = m->kind == ACTR_SDP_KIND_AUDIO || m->kind == ACTR_SDP_KIND_VIDEO;
    int legacy_sctp = m->kind == ACTR_SDP_KIND_APPLICATION && sdp_str_eq(proto, "DTLS/SCTP");
    for (sdp_str_t f = sdp_next_token(&v); f.n; f = sdp_next_token(&v)) {
        if (legacy_sctp) {
            if (sdp_parse_u64(f, 65535, &n) != 0)
                return FAIL(ps, "line %d: bad legacy SCTP port", ps->line);
            if (!m->sctp_port)
                m->sctp_port = (uint16_t)n;
            continue;
        }
        if (!av)
            continue;
        if (sdp_parse_u64(f, 127, &n) != 0)
            return FAIL(ps, "line %d: bad payload type in m=", ps->line);
        if (find_codec(m, n))
            continue; /* duplicate payload type: keep the first */
        if (m->codec_count >= ACTR_SDP_MAX_CODECS) {
            m->codecs_dropped++;
            continue;
        }
        m->codecs[m->codec_count++].pt = (uint8_t)n;
    }
    return 0;
}

/* a=rtpmap:<pt> <name>/<clock>[/<channels>] */
static int parse_rtpmap(parser_t *ps, sdp_str_t v)
{
    sdp_str_t pt = sdp_next_token(&v), enc = sdp_next_token(&v);
    uint64_t n, clock, ch = 0;
    if (sdp_parse_u64(pt, 127, &n) != 0 || !enc.n)
        return FAIL(ps, "line %d: bad a=rtpmap", ps->line);
    const char *s1 = memchr(enc.p, '/', enc.n);
    if (!s1)
        return FAIL(ps, "line %d: a=rtpmap without clock rate", ps->line);
    sdp_str_t name = {enc.p, (size_t)(s1 - enc.p)};
    sdp_str_t rest = {s1 + 1, enc.n - name.n - 1};
    const char *s2 = memchr(rest.p, '/', rest.n);
    sdp_str_t rate = {rest.p, s2 ? (size_t)(s2 - rest.p) : rest.n};
    if (sdp_parse_u64(rate, UINT32_MAX, &clock) != 0 ||
        (s2 && sdp_parse_u64((sdp_str_t){s2 + 1, rest.n - rate.n - 1}, 255, &ch) != 0))
        return FAIL(ps, "line %d: bad a=rtpmap clock rate or channels", ps->line);
    actr_sdp_codec_t *c = find_codec(ps->m, n);
    if (!c) {
        ps->sdp->ignored_lines++; /* a payload type not in m= (or over capacity) */
        return 0;
    }
    if (sdp_copy(name, c->name, sizeof c->name) != 0)
        return FAIL(ps, "line %d: bad a=rtpmap encoding name", ps->line);
    c->clock_rate = (uint32_t)clock;
    c->channels = (uint8_t)ch;
    c->id = sdp_codec_id(c->name, c->clock_rate);
    return 0;
}

/* a=fmtp:<pt> <params> and a=rtcp-fb:<pt|*> <value> */
static int parse_fmtp_fb(parser_t *ps, sdp_str_t v, int fb)
{
    sdp_str_t pt = sdp_next_token(&v);
    while (v.n && v.p[0] == ' ') {
        v.p++;
        v.n--;
    }
    uint64_t n = 0;
    int all = fb && sdp_str_eq(pt, "*");
    if ((!all && sdp_parse_u64(pt, 127, &n) != 0) || v.n == 0)
        return FAIL(ps, "line %d: bad a=%s", ps->line, fb ? "rtcp-fb" : "fmtp");
    for (unsigned i = 0; i < ps->m->codec_count; i++) {
        actr_sdp_codec_t *c = &ps->m->codecs[i];
        if (!all && c->pt != n)
            continue;
        if (!fb) {
            /* Too long for us: only codecs we do not use have such fmtp; keep it empty. */
            if (sdp_copy(v, c->fmtp, sizeof c->fmtp) != 0)
                ps->sdp->ignored_lines++;
        } else if (c->fb_count < ACTR_SDP_MAX_FB && sdp_copy(v, c->fb[c->fb_count], ACTR_SDP_FB_MAX + 1) == 0) {
            c->fb_count++;
        }
    }
    return 0;
}

static actr_sdp_ssrc_t *ssrc_entry(actr_sdp_media_t *m, uint32_t id)
{
    for (unsigned i = 0; i < m->ssrc_count; i++)
        if (m->ssrcs[i].ssrc == id)
            return &m->ssrcs[i];
    if (m->ssrc_count >= ACTR_SDP_MAX_SSRCS)
        return NULL;
    actr_sdp_ssrc_t *s = &m->ssrcs[m->ssrc_count++];
    s->ssrc = id;
    return s;
}

/* "<stream> [<track>]" of a=msid and a=ssrc:<id> msid: */
static int parse_msid(sdp_str_t v, char *stream, char *track)
{
    sdp_str_t st = sdp_next_token(&v), tr = sdp_next_token(&v);
    if (sdp_copy(st, stream, ACTR_SDP_TOKEN_MAX + 1) != 0)
        return ACTR_EPARSE;
    if (tr.n && sdp_copy(tr, track, ACTR_SDP_TOKEN_MAX + 1) != 0)
        return ACTR_EPARSE;
    return 0;
}

/* a=ssrc:<id> <attribute>[:<value>] */
static int parse_ssrc(parser_t *ps, sdp_str_t v)
{
    sdp_str_t id = sdp_next_token(&v);
    uint64_t n;
    while (v.n && v.p[0] == ' ') {
        v.p++;
        v.n--;
    }
    if (sdp_parse_u64(id, UINT32_MAX, &n) != 0 || !v.n)
        return FAIL(ps, "line %d: bad a=ssrc", ps->line);
    actr_sdp_ssrc_t *s = ssrc_entry(ps->m, (uint32_t)n);
    if (!s)
        return 0;
    const char *colon = memchr(v.p, ':', v.n);
    sdp_str_t attr = {v.p, colon ? (size_t)(colon - v.p) : v.n};
    sdp_str_t val = {colon ? colon + 1 : v.p + v.n, colon ? v.n - attr.n - 1 : 0};
    if (sdp_str_eq(attr, "cname")) {
        if (sdp_copy(val, s->cname, sizeof s->cname) != 0)
            return FAIL(ps, "line %d: bad a=ssrc cname", ps->line);
    } else if (sdp_str_eq(attr, "msid")) {
        if (parse_msid(val, s->msid_stream, s->msid_track) != 0)
            return FAIL(ps, "line %d: bad a=ssrc msid", ps->line);
    }
    return 0;
}

static int parse_fingerprint(parser_t *ps, actr_sdp_media_t *t, sdp_str_t v)
{
    sdp_str_t alg = sdp_next_token(&v), hex = sdp_next_token(&v);
    if (!hex.n)
        return FAIL(ps, "line %d: bad a=fingerprint", ps->line);
    if (!sdp_str_ieq(alg, "sha-256")) {
        ps->sdp->ignored_lines++; /* other hashes are allowed beside sha-256; we use sha-256 */
        return 0;
    }
    if (actr_sdp_fingerprint_parse(hex.p, hex.n, t->fingerprint) != 0)
        return FAIL(ps, "line %d: bad sha-256 fingerprint", ps->line);
    t->has_fingerprint = 1;
    return 0;
}

static int parse_setup(parser_t *ps, actr_sdp_media_t *t, sdp_str_t v)
{
    t->setup = sdp_str_eq(v, "actpass")    ? ACTR_SDP_SETUP_ACTPASS
               : sdp_str_eq(v, "active")   ? ACTR_SDP_SETUP_ACTIVE
               : sdp_str_eq(v, "passive")  ? ACTR_SDP_SETUP_PASSIVE
               : sdp_str_eq(v, "holdconn") ? ACTR_SDP_SETUP_HOLDCONN
                                           : ACTR_SDP_SETUP_UNSET;
    if (t->setup == ACTR_SDP_SETUP_UNSET)
        return FAIL(ps, "line %d: bad a=setup", ps->line);
    return 0;
}

/* Attributes valid at session and media level: ICE credentials, options, DTLS. */
static int parse_transport_attr(parser_t *ps, actr_sdp_media_t *t, sdp_str_t name, sdp_str_t v,
                                int *handled)
{
    *handled = 1;
    if (sdp_str_eq(name, "ice-ufrag") || sdp_str_eq(name, "ice-pwd")) {
        int ufrag = name.n == 9;
        char *dst = ufrag ? t->ice_ufrag : t->ice_pwd;
        if (!sdp_ice_chars(v.p, v.n, ufrag ? 4 : 22, ACTR_SDP_ICE_MAX))
            return FAIL(ps, "line %d: bad a=%s", ps->line, ufrag ? "ice-ufrag" : "ice-pwd");
        memcpy(dst, v.p, v.n);
        dst[v.n] = '\0';
        return 0;
    }
    if (sdp_str_eq(name, "ice-options")) {
        for (sdp_str_t o = sdp_next_token(&v); o.n; o = sdp_next_token(&v))
            if (sdp_str_eq(o, "trickle"))
                t->ice_trickle = 1;
        return 0;
    }
    if (sdp_str_eq(name, "fingerprint"))
        return parse_fingerprint(ps, t, v);
    if (sdp_str_eq(name, "setup"))
        return parse_setup(ps, t, v);
    *handled = 0;
    return 0;
}

static int parse_session_attr(parser_t *ps, sdp_str_t name, sdp_str_t v)
{
    actr_sdp_t *sdp = ps->sdp;
    if (sdp_str_eq(name, "group")) {
        sdp_str_t sem = sdp_next_token(&v);
        if (!sdp_str_eq(sem, "BUNDLE")) {
            sdp->ignored_lines++;
            return 0;
        }
        if (sdp->bundle_count)
            return FAIL(ps, "line %d: second a=group:BUNDLE", ps->line);
        for (sdp_str_t mid = sdp_next_token(&v); mid.n; mid = sdp_next_token(&v)) {
            if (sdp->bundle_count >= ACTR_SDP_MAX_BUNDLE ||
                sdp_copy(mid, sdp->bundle[sdp->bundle_count], ACTR_SDP_TOKEN_MAX + 1) != 0)
                return FAIL(ps, "line %d: bad or too long a=group:BUNDLE", ps->line);
            sdp->bundle_count++;
        }
        return 0;
    }
    if (sdp_str_eq(name, "ice-lite")) {
        sdp->ice_lite = 1;
        return 0;
    }
    sdp->ignored_lines++;
    return 0;
}

static int parse_media_attr(parser_t *ps, sdp_str_t name, sdp_str_t v)
{
    actr_sdp_media_t *m = ps->m;
    uint64_t n;
    static const char *const dirs[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
    for (int i = 0; i < 4; i++)
        if (sdp_str_eq(name, dirs[i])) {
            m->direction = (actr_sdp_direction_t)(ACTR_SDP_DIR_SENDRECV + i);
            return 0;
        }
    if (sdp_str_eq(name, "mid")) {
        if (sdp_copy(v, m->mid, sizeof m->mid) != 0 || memchr(v.p, ' ', v.n))
            return FAIL(ps, "line %d: bad a=mid", ps->line);
    } else if (sdp_str_eq(name, "rtpmap")) {
        return parse_rtpmap(ps, v);
    } else if (sdp_str_eq(name, "fmtp")) {
        return parse_fmtp_fb(ps, v, 0);
    } else if (sdp_str_eq(name, "rtcp-fb")) {
        return parse_fmtp_fb(ps, v, 1);
    } else if (sdp_str_eq(name, "ssrc")) {
        return parse_ssrc(ps, v);
    } else if (sdp_str_eq(name, "msid")) {
        if (parse_msid(v, m->msid_stream, m->msid_track) != 0)
            return FAIL(ps, "line %d: bad a=msid", ps->line);
    } else if (sdp_str_eq(name, "rtcp-mux")) {
        m->rtcp_mux = 1;
    } else if (sdp_str_eq(name, "rtcp-rsize")) {
        m->rtcp_rsize = 1;
    } else if (sdp_str_eq(name, "bundle-only")) {
        m->bundle_only = 1;
    } else if (sdp_str_eq(name, "end-of-candidates")) {
        m->end_of_candidates = 1;
    } else if (sdp_str_eq(name, "candidate")) {
        if (m->candidate_count >= ACTR_SDP_MAX_CANDIDATES) {
            m->candidates_dropped++;
            return 0;
        }
        /* name.p points at "candidate"; the candidate parser wants "candidate:<value>". */
        actr_error_t cerr;
        if (actr_sdp_candidate_parse(name.p, (size_t)(v.p + v.n - name.p),
                                     &m->candidates[m->candidate_count], &cerr) != 0)
            return FAIL(ps, "line %d: %s", ps->line, cerr.message);
        m->candidate_count++;
    } else if (sdp_str_eq(name, "sctp-port")) {
        if (sdp_parse_u64(v, 65535, &n) != 0)
            return FAIL(ps, "line %d: bad a=sctp-port", ps->line);
        m->sctp_port = (uint16_t)n;
    } else if (sdp_str_eq(name, "max-message-size")) {
        if (sdp_parse_u64(v, UINT32_MAX, &n) != 0)
            return FAIL(ps, "line %d: bad a=max-message-size", ps->line);
        m->max_message_size = (uint32_t)n;
        m->has_max_message_size = 1;
    } else {
        ps->sdp->ignored_lines++; /* extmap, rtcp, ssrc-group, sctpmap, ... */
    }
    return 0;
}

static int parse_line(parser_t *ps, sdp_str_t line)
{
    if (line.n < 2 || line.p[1] != '=' || line.p[0] < 'a' || line.p[0] > 'z')
        return FAIL(ps, "line %d: not a <type>=<value> line", ps->line);
    sdp_str_t v = {line.p + 2, line.n - 2};
    switch (line.p[0]) {
    case 'v':
        return FAIL(ps, "line %d: v= repeated", ps->line);
    case 'o':
        if (ps->m || ps->sdp->origin_user[0])
            return FAIL(ps, "line %d: misplaced o=", ps->line);
        return parse_origin(ps, v);
    case 'm':
        return parse_mline(ps, v);
    case 'a':
        break;
    default:
        ps->sdp->ignored_lines++; /* s, t, c, b, i, ... carry nothing WebRTC needs */
        return 0;
    }
    const char *colon = memchr(v.p, ':', v.n);
    sdp_str_t name = {v.p, colon ? (size_t)(colon - v.p) : v.n};
    sdp_str_t val = {colon ? colon + 1 : v.p + v.n, colon ? v.n - name.n - 1 : 0};
    if (!name.n)
        return FAIL(ps, "line %d: empty attribute name", ps->line);
    int handled;
    int rc = parse_transport_attr(ps, ps->m ? ps->m : &ps->session, name, val, &handled);
    if (rc != 0 || handled)
        return rc;
    return ps->m ? parse_media_attr(ps, name, val) : parse_session_attr(ps, name, val);
}

/* Inherit session-level transport attributes and check what negotiation needs. */
static int finish(parser_t *ps)
{
    actr_sdp_t *sdp = ps->sdp;
    const actr_sdp_media_t *s = &ps->session;
    if (!sdp->origin_user[0])
        return FAIL(ps, "no o= line");
    if (!sdp->media_count)
        return FAIL(ps, "no m= section");
    for (unsigned i = 0; i < sdp->media_count; i++) {
        actr_sdp_media_t *m = &sdp->media[i];
        if (!m->ice_ufrag[0])
            memcpy(m->ice_ufrag, s->ice_ufrag, sizeof m->ice_ufrag);
        if (!m->ice_pwd[0])
            memcpy(m->ice_pwd, s->ice_pwd, sizeof m->ice_pwd);
        m->ice_trickle |= s->ice_trickle;
        if (!m->has_fingerprint && s->has_fingerprint) {
            memcpy(m->fingerprint, s->fingerprint, sizeof m->fingerprint);
            m->has_fingerprint = 1;
        }
        if (m->setup == ACTR_SDP_SETUP_UNSET)
            m->setup = s->setup;
        for (unsigned k = 0; k < i; k++)
            if (m->mid[0] && strcmp(m->mid, sdp->media[k].mid) == 0)
                return FAIL(ps, "m= section %u: duplicate mid \"%s\"", i, m->mid);
        if (m->port == 0 && !m->bundle_only)
            continue; /* rejected section: nothing else is required */
        if (!m->ice_ufrag[0] || !m->ice_pwd[0])
            return FAIL(ps, "m= section %u: no ice-ufrag/ice-pwd", i);
        if (!m->has_fingerprint)
            return FAIL(ps, "m= section %u: no sha-256 fingerprint", i);
    }
    return 0;
}

int actr_sdp_parse(const char *text, size_t len, actr_sdp_t *out, actr_error_t *err)
{
    if (!out || (!text && len))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "sdp: NULL argument");
    memset(out, 0, sizeof *out);
    if (len > ACTR_SDP_TEXT_MAX)
        return actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_CLIENT, 0,
                              "sdp: %zu bytes, more than %d", len, ACTR_SDP_TEXT_MAX);
    parser_t ps;
    memset(&ps, 0, sizeof ps);
    ps.sdp = out;
    ps.err = err;
    int seen_v = 0, rc = 0;
    size_t pos = 0;
    while (pos < len && rc == 0) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        sdp_str_t line = {text + pos, end - pos};
        pos = end + 1;
        ps.line++;
        if (line.n && line.p[line.n - 1] == '\r')
            line.n--;
        if (!line.n)
            continue; /* blank lines (a trailing one is common) */
        if (memchr(line.p, '\0', line.n) || memchr(line.p, '\r', line.n)) {
            rc = FAIL(&ps, "line %d: NUL or stray CR", ps.line);
        } else if (!seen_v) {
            if (!sdp_str_eq(line, "v=0"))
                rc = FAIL(&ps, "line %d: SDP must start with v=0", ps.line);
            seen_v = 1;
        } else {
            rc = parse_line(&ps, line);
        }
    }
    if (rc == 0 && !seen_v)
        rc = FAIL(&ps, "empty SDP");
    if (rc == 0)
        rc = finish(&ps);
    if (rc != 0) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    return 0;
}
