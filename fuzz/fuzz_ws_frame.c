/*
 * Fuzz target: the direct WebSocket frame decoder (src/wire/websocket/frame.c). The first two
 * bytes choose the size limit and how the rest, one WebSocket message, is cut into pieces (as
 * lws delivers it); the decoder's verdict is checked against the 5-byte framing rules, and the
 * data part then goes through the DataChunk scanner, checked against protobuf-c's decoder.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/pb.h"
#include "package.pb-c.h"
#include "wire/websocket/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_chunk(const uint8_t *p, size_t n)
{
    ws_chunk_fields_t f;
    int rc = ws_chunk_scan(p, n, &f);
    if (rc == 0 && (f.stream_id_off + f.stream_id_len > n || f.payload_off + f.payload_len > n))
        abort();
    ProtobufCMessage *m = NULL;
    if (actr_pb_decode(&actr__data_chunk__descriptor, p, n, &m, NULL) != 0)
        return;
    const Actr__DataChunk *c = (const Actr__DataChunk *)m;
    /* whatever protobuf-c accepts, the scanner reads the same way */
    if (rc != 0 || f.sequence != c->sequence || f.payload_len != c->payload.len ||
        (f.payload_len && memcmp(p + f.payload_off, c->payload.data, f.payload_len)) ||
        f.stream_id_len != strlen(c->stream_id ? c->stream_id : "") ||
        (f.stream_id_len && memcmp(p + f.stream_id_off, c->stream_id, f.stream_id_len)))
        abort();
    actr_pb_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t max = (size_t)data[0] * 4;       /* 0..1020 */
    size_t step = (size_t)(data[1] % 16) + 1; /* piece length */
    const uint8_t *msg = data + 2;
    size_t len = size - 2;

    ws_rx_t rx;
    ws_rx_init(&rx, max);
    int rc = 0;
    for (size_t off = 0; off < len || off == 0; off += step) {
        size_t k = len - off < step ? len - off : step;
        bool final = off + k >= len;
        /* lws knows the rest of the current frame: tell it every other time */
        size_t rest = (data[1] & 16) ? len - off - k : SIZE_MAX;
        rc = ws_rx_feed(&rx, msg + off, k, final, final ? 0 : rest);
        if (rc == ACTR_ETOOBIG || final)
            break;
    }
    uint8_t pt = 0xff;
    actr_buf_t out = ACTR_BUF_INIT;
    if (rc != ACTR_ETOOBIG)
        rc = ws_rx_finish(&rx, &pt, &out);
    else
        ws_rx_free(&rx);

    /* the rules, from the message itself */
    size_t n = len >= 5 ? (size_t)msg[1] << 24 | (size_t)msg[2] << 16 | (size_t)msg[3] << 8 | msg[4]
                        : 0;
    bool too_big = (len >= 5 && n > max) || len > max + 5;
    bool valid = len >= 5 && msg[0] <= 4 && 5 + n <= len && !too_big;
    if ((rc == 0) != valid)
        abort();
    if (rc == ACTR_ETOOBIG && !too_big)
        abort();
    if (rc == 0) {
        if (pt != msg[0] || out.len != n || (n && memcmp(out.data, msg + 5, n)))
            abort();
        check_chunk(out.data, out.len);
    }
    actr_buf_release(&out);
    return 0;
}
