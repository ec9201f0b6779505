/*
 * frame.c - the 5-byte framing of direct WebSocket messages and the DataChunk scanner (frame.h).
 */
#include "wire/websocket/frame.h"

#include <string.h>

#include "actr/error.h"

void ws_frame_header(uint8_t out[WS_FRAME_HEADER], uint8_t payload_type, uint32_t len)
{
    out[0] = payload_type;
    out[1] = (uint8_t)(len >> 24);
    out[2] = (uint8_t)(len >> 16);
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
}

void ws_rx_init(ws_rx_t *rx, size_t max)
{
    memset(rx, 0, sizeof *rx);
    rx->max = max;
}

void ws_rx_reset(ws_rx_t *rx)
{
    size_t max = rx->max;
    actr_buf_release(&rx->buf);
    ws_rx_init(rx, max);
}

void ws_rx_free(ws_rx_t *rx)
{
    actr_buf_release(&rx->buf);
    rx->w = NULL;
}

/* The header is complete: check it and allocate the data part. */
static int header_done(ws_rx_t *rx, bool final, size_t rest_after_header)
{
    rx->payload_type = rx->hdr[0];
    rx->need = (size_t)rx->hdr[1] << 24 | (size_t)rx->hdr[2] << 16 | (size_t)rx->hdr[3] << 8 |
               rx->hdr[4];
    if (rx->need > rx->max)
        return ACTR_ETOOBIG;
    if (rx->payload_type > WS_PAYLOAD_TYPE_MAX)
        return ACTR_EPROTO;
    /* A final frame says how much is left: a short message never costs an allocation of N. */
    if (final && rest_after_header < rx->need)
        return ACTR_EPARSE;
    if (rx->need && actr_buf_alloc(rx->need, &rx->buf, &rx->w) != 0)
        return ACTR_ENOMEM;
    return 0;
}

int ws_rx_feed(ws_rx_t *rx, const uint8_t *in, size_t len, bool final, size_t known_rest)
{
    if (rx->err)
        return rx->err;
    /* Oversized: N over the limit (header_done) or the message longer than a full frame. */
    size_t room = rx->max + WS_FRAME_HEADER - rx->total;
    if (len > room || (known_rest != SIZE_MAX && known_rest > room - len))
        return rx->err = ACTR_ETOOBIG;
    rx->total += len;
    if (rx->hdr_len < WS_FRAME_HEADER) {
        size_t k = WS_FRAME_HEADER - rx->hdr_len;
        if (k > len)
            k = len;
        memcpy(rx->hdr + rx->hdr_len, in, k);
        rx->hdr_len += k;
        in += k;
        len -= k;
        if (rx->hdr_len < WS_FRAME_HEADER)
            return 0;
        size_t rest = known_rest == SIZE_MAX ? SIZE_MAX : len + known_rest;
        int rc = header_done(rx, final, rest);
        if (rc)
            return rx->err = rc;
    }
    size_t k = rx->need - rx->got;
    if (k > len)
        k = len; /* the rest are trailing bytes: ignored */
    if (k) {
        memcpy(rx->w + rx->got, in, k);
        rx->got += k;
    }
    return 0;
}

int ws_rx_finish(ws_rx_t *rx, uint8_t *payload_type, actr_buf_t *out)
{
    int rc = rx->err;
    if (!rc && (rx->hdr_len < WS_FRAME_HEADER || rx->got < rx->need))
        rc = ACTR_EPARSE;
    if (!rc) {
        *payload_type = rx->payload_type;
        *out = rx->buf; /* the reference moves to the caller */
        rx->buf = (actr_buf_t)ACTR_BUF_INIT;
    }
    ws_rx_reset(rx);
    return rc;
}

/* ---- DataChunk ---- */

static int varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*pos >= len)
            return ACTR_EPARSE;
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return ACTR_EPARSE;
}

/* Skips one field's value of wire type wt (groups: up to their end, nested; as prost does). */
static int skip_value(const uint8_t *p, size_t len, size_t *pos, uint32_t field, unsigned wt,
                      unsigned depth)
{
    uint64_t v;
    switch (wt) {
    case 0:
        return varint(p, len, pos, &v);
    case 1:
    case 5: {
        size_t n = wt == 1 ? 8 : 4;
        if (len - *pos < n)
            return ACTR_EPARSE;
        *pos += n;
        return 0;
    }
    case 2:
        if (varint(p, len, pos, &v) != 0 || v > len - *pos)
            return ACTR_EPARSE;
        *pos += (size_t)v;
        return 0;
    case 3:
        if (depth >= 64)
            return ACTR_EPARSE;
        for (;;) {
            uint64_t key;
            if (varint(p, len, pos, &key) != 0 || key >> 3 == 0 || key >> 3 > 0x1fffffff)
                return ACTR_EPARSE;
            if ((key & 7) == 4)
                return (uint32_t)(key >> 3) == field ? 0 : ACTR_EPARSE;
            if (skip_value(p, len, pos, (uint32_t)(key >> 3), key & 7, depth + 1) != 0)
                return ACTR_EPARSE;
        }
    default: /* an end group without its start; 6 and 7 do not exist */
        return ACTR_EPARSE;
    }
}

int ws_chunk_scan(const uint8_t *data, size_t len, ws_chunk_fields_t *out)
{
    memset(out, 0, sizeof *out);
    size_t pos = 0;
    while (pos < len) {
        uint64_t key, v;
        if (varint(data, len, &pos, &key) != 0 || key >> 3 == 0 || key >> 3 > 0x1fffffff)
            return ACTR_EPARSE;
        uint32_t field = (uint32_t)(key >> 3);
        unsigned wt = key & 7;
        if ((field == 1 || field == 3) && wt == 2) { /* last one wins, as in protobuf */
            if (varint(data, len, &pos, &v) != 0 || v > len - pos)
                return ACTR_EPARSE;
            *(field == 1 ? &out->stream_id_off : &out->payload_off) = pos;
            *(field == 1 ? &out->stream_id_len : &out->payload_len) = (size_t)v;
            pos += (size_t)v;
        } else if (field == 2 && wt == 0) {
            if (varint(data, len, &pos, &out->sequence) != 0)
                return ACTR_EPARSE;
        } else if (field <= 3) {
            return ACTR_EPARSE; /* a known field with the wrong wire type */
        } else if (skip_value(data, len, &pos, field, wt, 0) != 0) {
            return ACTR_EPARSE;
        }
    }
    return 0;
}
