/*
 * frame.h - the direct WebSocket framing (protocol.md 8.8, runtime.md 1.5), pure and network-free
 * so the fuzzer can drive it: `payload_type u8 | length u32 BE | data[length]` per Binary
 * message; an incremental receiver that copies the data part once into an actr_buf_t; and a
 * DataChunk scanner that finds stream_id, sequence and payload without copying.
 */
#ifndef ACTR_WIRE_WEBSOCKET_FRAME_H
#define ACTR_WIRE_WEBSOCKET_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/buf.h"

#define WS_FRAME_HEADER 5
#define WS_PAYLOAD_TYPE_MAX 4 /* MEDIA_RTP */

void ws_frame_header(uint8_t out[WS_FRAME_HEADER], uint8_t payload_type, uint32_t len);

/*
 * One WebSocket message, fed piece by piece. A message is malformed (ACTR_EPARSE) when it is
 * shorter than 5 bytes or than 5 + N, or its type is over 4 (ACTR_EPROTO); bytes after 5 + N are
 * ignored. ACTR_ETOOBIG: N, or the whole message, is over the limit (the caller closes).
 */
typedef struct ws_rx {
    size_t max;          /* largest N */
    uint8_t hdr[WS_FRAME_HEADER];
    size_t hdr_len;
    uint8_t payload_type;
    size_t need;         /* N */
    actr_buf_t buf;      /* the data part, allocated once the header is known */
    uint8_t *w;
    size_t got;          /* data bytes copied */
    size_t total;        /* message bytes seen */
    int err;             /* sticky for the rest of this message */
} ws_rx_t;

void ws_rx_init(ws_rx_t *rx, size_t max);
/* Starts a new message (drops a partial one). */
void ws_rx_reset(ws_rx_t *rx);
/*
 * Adds len bytes. known_rest is how many more bytes of this message are certain to follow
 * (lws's remaining count in a final frame; SIZE_MAX when unknown): a header whose N cannot be
 * met is refused before anything is allocated. Returns 0 or the message's sticky error.
 */
int ws_rx_feed(ws_rx_t *rx, const uint8_t *in, size_t len, bool final, size_t known_rest);
/* The message is complete: 0 with *payload_type and *out (owned by the caller), or the error. */
int ws_rx_finish(ws_rx_t *rx, uint8_t *payload_type, actr_buf_t *out);
void ws_rx_free(ws_rx_t *rx);

/* DataChunk fields (package.proto) found in place; missing fields keep their defaults. */
typedef struct ws_chunk_fields {
    size_t stream_id_off, stream_id_len;
    uint64_t sequence;
    size_t payload_off, payload_len;
} ws_chunk_fields_t;

/* Walks the protobuf wire format. ACTR_EPARSE for a malformed message. */
int ws_chunk_scan(const uint8_t *data, size_t len, ws_chunk_fields_t *out);

#endif /* ACTR_WIRE_WEBSOCKET_FRAME_H */
