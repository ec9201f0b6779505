/*
 * sdp.c - SDP helpers shared by parser and writer, ICE candidate attributes (RFC 8839),
 * fingerprints, queries and names. The offer/answer builders are in sdp_build.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/hex.h"
#include "wire/webrtc/sdp_internal.h"

/* ---- small string helpers ------------------------------------------------------------------ */

sdp_str_t sdp_next_token(sdp_str_t *s)
{
    while (s->n && s->p[0] == ' ') {
        s->p++;
        s->n--;
    }
    sdp_str_t t = {s->p, 0};
    while (t.n < s->n && s->p[t.n] != ' ')
        t.n++;
    s->p += t.n;
    s->n -= t.n;
    return t;
}

int sdp_str_eq(sdp_str_t s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

int sdp_str_ieq(sdp_str_t s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && strncasecmp(s.p, lit, n) == 0;
}

int sdp_parse_u64(sdp_str_t s, uint64_t max, uint64_t *out)
{
    if (s.n == 0 || s.n > 20)
        return ACTR_EPARSE;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return ACTR_EPARSE;
        unsigned d = (unsigned)(s.p[i] - '0');
        if (v > (max - d) / 10)
            return ACTR_EPARSE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int sdp_copy(sdp_str_t s, char *dst, size_t cap)
{
    if (s.n == 0 || s.n >= cap)
        return ACTR_EPARSE;
    memcpy(dst, s.p, s.n);
    dst[s.n] = '\0';
    return 0;
}

int sdp_ice_chars(const char *s, size_t n, size_t min, size_t max)
{
    if (!s || n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return 0;
    }
    return 1;
}

actr_sdp_codec_id_t sdp_codec_id(const char *name, uint32_t clock_rate)
{
    if (strcasecmp(name, "VP8") == 0 && clock_rate == 90000)
        return ACTR_SDP_CODEC_VP8;
    if (strcasecmp(name, "H264") == 0 && clock_rate == 90000)
        return ACTR_SDP_CODEC_H264;
    if (strcasecmp(name, "opus") == 0 && clock_rate == 48000)
        return ACTR_SDP_CODEC_OPUS;
    return ACTR_SDP_CODEC_UNKNOWN;
}

int sdp_h264_mode1(const char *fmtp)
{
    const char *p = strstr(fmtp, "packetization-mode=");
    return p && p[19] == '1' && (p[20] == '\0' || p[20] == ';');
}

/* ---- candidates ---------------------------------------------------------------------------- */

#define CFAIL(err, what) \
    actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CORRUPT, 0, "bad candidate: %s", what)

static int parse_port(sdp_str_t s, uint16_t *out)
{
    uint64_t v;
    if (sdp_parse_u64(s, 65535, &v) != 0)
        return ACTR_EPARSE;
    *out = (uint16_t)v;
    return 0;
}

/* IPv4, IPv6 (with %scope) or a host name: what a connection address may hold. */
static int addr_chars(sdp_str_t s)
{
    for (size_t i = 0; i < s.n; i++) {
        char ch = s.p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == ':' || ch == '-' || ch == '_' || ch == '%'))
            return 0;
    }
    return 1;
}

/* Optional "name value" pairs after the candidate type. */
static int parse_candidate_ext(sdp_str_t rest, actr_sdp_candidate_t *c, actr_error_t *err)
{
    uint64_t v;
    int raddr = 0, rport = 0;
    for (int guard = 0; guard < 64; guard++) {
        sdp_str_t name = sdp_next_token(&rest);
        if (!name.n) /* RFC 8839: rel-addr and rel-port come together */
            return raddr == rport ? 0 : CFAIL(err, "raddr without rport or the reverse");
        sdp_str_t val = sdp_next_token(&rest);
        if (!val.n)
            return CFAIL(err, "extension without value");
        if (sdp_str_eq(name, "raddr")) {
            memset(c->related_address, 0, sizeof c->related_address); /* a repeated raddr */
            if (!addr_chars(val) || sdp_copy(val, c->related_address, sizeof c->related_address) != 0)
                return CFAIL(err, "raddr");
            c->has_related = raddr = 1;
        } else if (sdp_str_eq(name, "rport")) {
            if (parse_port(val, &c->related_port) != 0)
                return CFAIL(err, "rport");
            c->has_related = rport = 1;
        } else if (sdp_str_eq(name, "tcptype")) {
            c->tcptype = sdp_str_eq(val, "active")    ? ACTR_SDP_TCPTYPE_ACTIVE
                         : sdp_str_eq(val, "passive") ? ACTR_SDP_TCPTYPE_PASSIVE
                         : sdp_str_eq(val, "so")      ? ACTR_SDP_TCPTYPE_SO
                                                      : ACTR_SDP_TCPTYPE_NONE;
            if (c->tcptype == ACTR_SDP_TCPTYPE_NONE)
                return CFAIL(err, "tcptype");
        } else if (sdp_str_eq(name, "generation")) {
            if (sdp_parse_u64(val, UINT32_MAX, &v) != 0)
                return CFAIL(err, "generation");
            c->generation = (uint32_t)v;
            c->has_generation = 1;
        } else if (sdp_str_eq(name, "ufrag")) {
            if (!sdp_ice_chars(val.p, val.n, 1, ACTR_SDP_ICE_MAX))
                return CFAIL(err, "ufrag");
            memset(c->ufrag, 0, sizeof c->ufrag);
            memcpy(c->ufrag, val.p, val.n);
        } else if (sdp_str_eq(name, "network-id")) {
            if (sdp_parse_u64(val, UINT32_MAX, &v) != 0)
                return CFAIL(err, "network-id");
            c->network_id = (uint32_t)v;
            c->has_network_id = 1;
        } else if (sdp_str_eq(name, "network-cost")) {
            if (sdp_parse_u64(val, UINT32_MAX, &v) != 0)
                return CFAIL(err, "network-cost");
            c->network_cost = (uint32_t)v;
            c->has_network_cost = 1;
        }
        /* other extensions: skipped, RFC 8839 says receivers ignore what they do not know */
    }
    return CFAIL(err, "too many extensions");
}

int actr_sdp_candidate_parse(const char *text, size_t len, actr_sdp_candidate_t *out,
                             actr_error_t *err)
{
    if (!text || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "candidate: NULL argument");
    memset(out, 0, sizeof *out);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    if (len >= 2 && text[0] == 'a' && text[1] == '=') {
        text += 2;
        len -= 2;
    }
    if (len < 10 || memcmp(text, "candidate:", 10) != 0 || memchr(text, '\0', len))
        return CFAIL(err, "no \"candidate:\" prefix");
    sdp_str_t s = {text + 10, len - 10};
    sdp_str_t f = sdp_next_token(&s), comp = sdp_next_token(&s), tr = sdp_next_token(&s);
    sdp_str_t prio = sdp_next_token(&s), addr = sdp_next_token(&s), port = sdp_next_token(&s);
    sdp_str_t typ = sdp_next_token(&s), type = sdp_next_token(&s);
    uint64_t v;
    if (!sdp_ice_chars(f.p, f.n, 1, ACTR_SDP_FOUNDATION_MAX))
        return CFAIL(err, "foundation");
    memcpy(out->foundation, f.p, f.n);
    if (sdp_parse_u64(comp, 256, &v) != 0 || v == 0)
        return CFAIL(err, "component");
    out->component = (uint16_t)v;
    if (sdp_str_ieq(tr, "tcp"))
        out->tcp = 1;
    else if (!sdp_str_ieq(tr, "udp"))
        return CFAIL(err, "transport");
    if (sdp_parse_u64(prio, UINT32_MAX, &v) != 0)
        return CFAIL(err, "priority");
    out->priority = (uint32_t)v;
    if (!addr_chars(addr) || sdp_copy(addr, out->address, sizeof out->address) != 0)
        return CFAIL(err, "address");
    if (parse_port(port, &out->port) != 0)
        return CFAIL(err, "port");
    if (!sdp_str_eq(typ, "typ"))
        return CFAIL(err, "missing typ");
    static const char *const types[] = {"host", "srflx", "prflx", "relay"};
    int t = -1;
    for (int i = 0; i < 4; i++)
        if (sdp_str_eq(type, types[i]))
            t = i;
    if (t < 0)
        return CFAIL(err, "type");
    out->type = (actr_sdp_cand_type_t)t;
    int rc = parse_candidate_ext(s, out, err);
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}

int actr_sdp_candidate_is_mdns(const actr_sdp_candidate_t *c)
{
    size_t n = c ? strlen(c->address) : 0;
    return n > 6 && strcasecmp(c->address + n - 6, ".local") == 0;
}

/* ---- fingerprints -------------------------------------------------------------------------- */

void actr_sdp_fingerprint_format(const uint8_t fp[ACTR_SDP_FINGERPRINT_LEN],
                                 char out[ACTR_SDP_FINGERPRINT_STR_LEN + 1])
{
    static const char digits[] = "0123456789ABCDEF";
    for (int i = 0; i < ACTR_SDP_FINGERPRINT_LEN; i++) {
        out[i * 3] = digits[fp[i] >> 4];
        out[i * 3 + 1] = digits[fp[i] & 15];
        out[i * 3 + 2] = ':';
    }
    out[ACTR_SDP_FINGERPRINT_STR_LEN] = '\0';
}

int actr_sdp_fingerprint_parse(const char *text, size_t len, uint8_t out[ACTR_SDP_FINGERPRINT_LEN])
{
    if (!text || !out || len != ACTR_SDP_FINGERPRINT_STR_LEN)
        return ACTR_EPARSE;
    for (int i = 0; i < ACTR_SDP_FINGERPRINT_LEN; i++) {
        int hi = actr_hex_digit_value((unsigned char)text[i * 3]);
        int lo = actr_hex_digit_value((unsigned char)text[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i + 1 < ACTR_SDP_FINGERPRINT_LEN && text[i * 3 + 2] != ':'))
            return ACTR_EPARSE;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* ---- life cycle and queries ---------------------------------------------------------------- */

actr_sdp_t *actr_sdp_new(void)
{
    return calloc(1, sizeof(actr_sdp_t));
}

void actr_sdp_free(actr_sdp_t *sdp)
{
    free(sdp);
}

int actr_sdp_find_application(const actr_sdp_t *sdp)
{
    for (int i = 0; sdp && i < sdp->media_count && i < ACTR_SDP_MAX_MEDIA; i++)
        if (sdp->media[i].kind == ACTR_SDP_KIND_APPLICATION && sdp->media[i].port != 0)
            return i;
    return -1;
}

int actr_sdp_find_mid(const actr_sdp_t *sdp, const char *mid)
{
    for (int i = 0; sdp && mid && i < sdp->media_count && i < ACTR_SDP_MAX_MEDIA; i++)
        if (strcmp(sdp->media[i].mid, mid) == 0)
            return i;
    return -1;
}

const char *actr_sdp_ufrag_for(const actr_sdp_t *sdp, const char *mid, int mline_index)
{
    if (!sdp || sdp->media_count == 0)
        return NULL;
    int i = -1;
    if (mid && mid[0])
        i = actr_sdp_find_mid(sdp, mid);
    else if (mline_index >= 0)
        i = mline_index < sdp->media_count ? mline_index : -1;
    else
        i = 0;
    if (i < 0 || !sdp->media[i].ice_ufrag[0])
        return NULL;
    return sdp->media[i].ice_ufrag;
}

int actr_sdp_is_ice_restart(const actr_sdp_t *prev, const actr_sdp_t *next)
{
    if (!prev || !next || !prev->media_count || !next->media_count)
        return 0;
    return strcmp(prev->media[0].ice_ufrag, next->media[0].ice_ufrag) != 0 ||
           strcmp(prev->media[0].ice_pwd, next->media[0].ice_pwd) != 0;
}

int actr_sdp_dtls_client(actr_sdp_setup_t local, actr_sdp_setup_t remote)
{
    if (local == ACTR_SDP_SETUP_UNSET)
        local = ACTR_SDP_SETUP_ACTPASS;
    if (remote == ACTR_SDP_SETUP_UNSET)
        remote = ACTR_SDP_SETUP_ACTPASS;
    if (local == ACTR_SDP_SETUP_ACTIVE && remote != ACTR_SDP_SETUP_ACTIVE &&
        remote != ACTR_SDP_SETUP_HOLDCONN)
        return 1;
    if (local == ACTR_SDP_SETUP_PASSIVE && remote != ACTR_SDP_SETUP_PASSIVE &&
        remote != ACTR_SDP_SETUP_HOLDCONN)
        return 0;
    if (local == ACTR_SDP_SETUP_ACTPASS && remote == ACTR_SDP_SETUP_ACTIVE)
        return 0;
    if (local == ACTR_SDP_SETUP_ACTPASS && remote == ACTR_SDP_SETUP_PASSIVE)
        return 1;
    return ACTR_EPROTO;
}

uint32_t actr_sdp_max_message_size(const actr_sdp_media_t *m)
{
    if (!m || !m->has_max_message_size)
        return ACTR_SDP_DEFAULT_MAX_MESSAGE_SIZE;
    return m->max_message_size ? m->max_message_size : UINT32_MAX;
}

int actr_sdp_codec_pt(const actr_sdp_media_t *m, actr_sdp_codec_id_t codec)
{
    for (unsigned i = 0; m && i < m->codec_count && i < ACTR_SDP_MAX_CODECS; i++)
        if (m->codecs[i].id == codec && codec != ACTR_SDP_CODEC_UNKNOWN)
            return m->codecs[i].pt;
    return -1;
}

actr_sdp_codec_id_t actr_sdp_codec_for_pt(const actr_sdp_media_t *m, uint8_t pt)
{
    for (unsigned i = 0; m && i < m->codec_count && i < ACTR_SDP_MAX_CODECS; i++)
        if (m->codecs[i].pt == pt)
            return m->codecs[i].id;
    return ACTR_SDP_CODEC_UNKNOWN;
}

const char *actr_sdp_codec_name(actr_sdp_codec_id_t codec)
{
    switch (codec) {
    case ACTR_SDP_CODEC_VP8:
        return "VP8";
    case ACTR_SDP_CODEC_H264:
        return "H264";
    case ACTR_SDP_CODEC_OPUS:
        return "OPUS";
    default:
        return "";
    }
}

const char *actr_sdp_type_name(actr_sdp_type_t type)
{
    return type == ACTR_SDP_ANSWER ? "answer" : "offer";
}

const char *actr_sdp_setup_name(actr_sdp_setup_t setup)
{
    static const char *const names[] = {"", "actpass", "active", "passive", "holdconn"};
    return (unsigned)setup <= ACTR_SDP_SETUP_HOLDCONN ? names[setup] : "";
}

const char *actr_sdp_direction_name(actr_sdp_direction_t dir)
{
    static const char *const names[] = {"", "sendrecv", "sendonly", "recvonly", "inactive"};
    return (unsigned)dir <= ACTR_SDP_DIR_INACTIVE ? names[dir] : "";
}
