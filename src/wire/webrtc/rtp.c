/*
 * rtp.c - RTP headers, the per-track sample sender and RTP -> track demultiplexing (rtp.h).
 * SRTP is in srtp.c.
 */
#include <string.h>

#include "actr/error.h"
#include "base/random.h"
#include "wire/webrtc/rtp.h"

actr_rtp_demux_t actr_rtp_classify(const uint8_t *pkt, size_t len)
{
    if (!pkt || len == 0)
        return ACTR_DEMUX_UNKNOWN;
    uint8_t b = pkt[0];
    if (b <= 3)
        return ACTR_DEMUX_STUN;
    if (b >= 20 && b <= 63)
        return ACTR_DEMUX_DTLS;
    if (b >= 128 && b <= 191 && len >= 2) {
        uint8_t pt = pkt[1] & 0x7f; /* RFC 5761: RTCP types 192..223 look like PT 64..95 */
        return pt >= 64 && pt <= 95 ? ACTR_DEMUX_RTCP : ACTR_DEMUX_RTP;
    }
    return ACTR_DEMUX_UNKNOWN;
}

int actr_rtp_parse(const uint8_t *p, size_t len, actr_rtp_header_t *h)
{
    if (!p || !h || len < ACTR_RTP_HEADER_LEN || (p[0] >> 6) != 2)
        return ACTR_EPROTO;
    memset(h, 0, sizeof *h);
    h->padding = (p[0] >> 5) & 1;
    h->extension = (p[0] >> 4) & 1;
    h->csrc_count = p[0] & 0x0f;
    h->marker = p[1] >> 7;
    h->pt = p[1] & 0x7f;
    h->seq = (uint16_t)(p[2] << 8 | p[3]);
    h->timestamp = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
    h->ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
    size_t off = ACTR_RTP_HEADER_LEN + 4u * h->csrc_count;
    if (off > len)
        return ACTR_EPROTO;
    if (h->extension) {
        if (off + 4 > len)
            return ACTR_EPROTO;
        size_t words = (size_t)(p[off + 2] << 8 | p[off + 3]);
        off += 4 + 4 * words;
        if (off > len)
            return ACTR_EPROTO;
    }
    size_t pad = 0;
    if (h->padding) {
        pad = p[len - 1];
        if (pad == 0 || off + pad > len)
            return ACTR_EPROTO;
    }
    h->header_len = off;
    h->payload_len = len - off - pad;
    return 0;
}

int actr_rtp_sender_init(actr_rtp_sender_t *s, actr_sdp_codec_id_t codec, uint8_t pt,
                         uint32_t ssrc)
{
    if (!s || pt > 127 || codec == ACTR_SDP_CODEC_UNKNOWN)
        return ACTR_EINVAL;
    uint16_t seq;
    if (actr_os_random(&seq, sizeof seq) != 0)
        return ACTR_EIO;
    while (ssrc == 0)
        if (actr_os_random(&ssrc, sizeof ssrc) != 0)
            return ACTR_EIO;
    s->ssrc = ssrc;
    s->seq = seq;
    s->pt = pt;
    s->codec = codec;
    return 0;
}

int actr_rtp_write_sample(actr_rtp_sender_t *s, uint32_t timestamp, const uint8_t *sample,
                          size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    if (!s || !out || (!sample && len))
        return ACTR_EINVAL;
    if (len > ACTR_RTP_MAX_PAYLOAD || cap < ACTR_RTP_HEADER_LEN + len)
        return ACTR_ETOOBIG;
    out[0] = 0x80; /* V=2, no padding, no extension, no CSRC */
    out[1] = (uint8_t)(0x80 | s->pt); /* marker: one sample per packet, each is a frame end */
    out[2] = (uint8_t)(s->seq >> 8);
    out[3] = (uint8_t)s->seq;
    out[4] = (uint8_t)(timestamp >> 24);
    out[5] = (uint8_t)(timestamp >> 16);
    out[6] = (uint8_t)(timestamp >> 8);
    out[7] = (uint8_t)timestamp;
    out[8] = (uint8_t)(s->ssrc >> 24);
    out[9] = (uint8_t)(s->ssrc >> 16);
    out[10] = (uint8_t)(s->ssrc >> 8);
    out[11] = (uint8_t)s->ssrc;
    if (len)
        memcpy(out + ACTR_RTP_HEADER_LEN, sample, len);
    s->seq++; /* wraps at 65535, as RTP sequence numbers do */
    if (out_len)
        *out_len = ACTR_RTP_HEADER_LEN + len;
    return 0;
}

static int is_av(const actr_sdp_media_t *m)
{
    return (m->kind == ACTR_SDP_KIND_AUDIO || m->kind == ACTR_SDP_KIND_VIDEO) && m->port != 0;
}

void actr_rtp_track_map_init(actr_rtp_track_map_t *map, const actr_sdp_t *remote)
{
    if (!map)
        return;
    memset(map, 0, sizeof *map);
    map->remote = remote;
    for (int i = 0; remote && i < remote->media_count && i < ACTR_SDP_MAX_MEDIA; i++) {
        const actr_sdp_media_t *m = &remote->media[i];
        if (!is_av(m))
            continue;
        for (unsigned k = 0; k < m->ssrc_count && map->count < ACTR_RTP_DEMUX_MAX; k++)
            map->entries[map->count++] = (actr_rtp_demux_entry_t){m->ssrcs[k].ssrc, i};
    }
}

/* The only accepted audio/video section using payload type pt, or -1 (none or ambiguous). */
static int section_by_pt(const actr_sdp_t *sdp, uint8_t pt)
{
    int found = -1;
    for (int i = 0; i < sdp->media_count && i < ACTR_SDP_MAX_MEDIA; i++) {
        if (!is_av(&sdp->media[i]) ||
            actr_sdp_codec_for_pt(&sdp->media[i], pt) == ACTR_SDP_CODEC_UNKNOWN)
            continue;
        if (found >= 0)
            return -1;
        found = i;
    }
    return found;
}

int actr_rtp_track_map_resolve(actr_rtp_track_map_t *map, const uint8_t *pkt, size_t len,
                               actr_rtp_sample_t *out)
{
    actr_rtp_header_t h;
    if (!map || !out || actr_rtp_parse(pkt, len, &h) != 0)
        return ACTR_EPROTO;
    if (!map->remote)
        return ACTR_ENOTFOUND;
    int section = -1;
    for (unsigned i = 0; i < map->count && section < 0; i++)
        if (map->entries[i].ssrc == h.ssrc)
            section = map->entries[i].section;
    if (section < 0) {
        section = section_by_pt(map->remote, h.pt);
        if (section < 0)
            return ACTR_ENOTFOUND;
        if (map->count < ACTR_RTP_DEMUX_MAX) /* learn it; when full, resolve by PT each time */
            map->entries[map->count++] = (actr_rtp_demux_entry_t){h.ssrc, section};
    }
    const actr_sdp_media_t *m = &map->remote->media[section];
    actr_sdp_codec_id_t codec = actr_sdp_codec_for_pt(m, h.pt);
    if (codec == ACTR_SDP_CODEC_UNKNOWN)
        return ACTR_ENOTFOUND;
    const char *track = m->msid_track;
    for (unsigned k = 0; k < m->ssrc_count && k < ACTR_SDP_MAX_SSRCS; k++)
        if (m->ssrcs[k].ssrc == h.ssrc && m->ssrcs[k].msid_track[0])
            track = m->ssrcs[k].msid_track;
    out->track_id = track;
    out->codec = actr_sdp_codec_name(codec);
    out->video = m->kind == ACTR_SDP_KIND_VIDEO;
    out->timestamp = h.timestamp;
    out->payload = pkt + h.header_len;
    out->payload_len = h.payload_len;
    return 0;
}
