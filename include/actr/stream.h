/*
 * stream.h - data streams between actors (spec: runtime.md §1.2-1.3, §6.1, §9.4, §13.2): the
 * DataChunk value, the two stream lanes, the per-stream callback and the node's stream counters.
 * The calls that register streams and send chunks take a handler context: see ctx.h.
 *
 *   static int on_chunk(actr_ctx_t *ctx, void *ud, const actr_data_chunk_t *c,
 *                       const actr_id_t *sender) { ... c->payload ... return 0; }
 *   actr_ctx_register_stream(ctx, "video-1", on_chunk, state, &err);      // receiver
 *   actr_data_chunk_t c = {.stream_id = "video-1", .sequence = n, .payload = buf};
 *   actr_ctx_send_data_chunk(ctx, &peer, &c, ACTR_STREAM_RELIABLE, 0, &err); // sender
 *
 * Delivery: a node's streams belong to the node. Chunk callbacks run on the actor's serial
 * context like any entry (interleaved with its RPC entries, never concurrently with them), in
 * FIFO order per stream. At most ACTR_STREAM_DEPTH chunks of one stream wait for the actor; past
 * that, STREAM_RELIABLE chunks push back on their sender (an in-process sender waits, the
 * WebSocket stops reading, WebRTC chunks are held up to a byte budget) and STREAM_LATENCY_FIRST
 * chunks are dropped (the newest) and counted.
 */
#ifndef ACTR_STREAM_H
#define ACTR_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/buf.h"
#include "actr/common.h"
#include "actr/types.h"
#include "actr/workload.h"

ACTR_BEGIN_DECLS

struct actr_node; /* actr_node_t (node.h) */

/* The PayloadType values of the two stream lanes (runtime.md §1.2). */
typedef enum actr_stream_lane {
    ACTR_STREAM_RELIABLE = 2,      /* ordered, reliable, backpressure */
    ACTR_STREAM_LATENCY_FIRST = 3, /* drop-newest when the receiver is behind */
} actr_stream_lane_t;

/* The per-stream queue depth of the reference's DataChunkRegistry. */
#define ACTR_STREAM_DEPTH 64
/* The reference's send budget of one chunk (no retry). */
#define ACTR_STREAM_SEND_TIMEOUT_MS 15000
/* Longest stream id we accept (bytes). */
#define ACTR_STREAM_ID_MAX 256

typedef struct actr_stream_meta {
    const char *key;
    const char *value;
} actr_stream_meta_t;

/*
 * One DataChunk (runtime.md §1.3). Given to a callback, every pointer is valid for the callback
 * only (take actr_buf_ref() of payload to keep the bytes). Given to send, everything is borrowed.
 */
typedef struct actr_data_chunk {
    const char *stream_id;
    uint64_t sequence;
    actr_buf_t payload;
    const actr_stream_meta_t *metadata;
    size_t metadata_count;
    bool has_timestamp;
    int64_t timestamp_ms; /* application annotation, never read by the runtime */
} actr_data_chunk_t;

/*
 * A chunk of a registered stream, on the actor's serial context. sender is the sending actor.
 * A non-zero return is logged and counted (callback_errors); the stream goes on.
 */
typedef int (*actr_stream_cb)(actr_ctx_t *ctx, void *userdata, const actr_data_chunk_t *chunk,
                              const actr_id_t *sender);

/* Counters of one node's stream registry (monotonic). */
typedef struct actr_stream_stats {
    uint64_t delivered;        /* callbacks run */
    uint64_t latency_dropped;  /* STREAM_LATENCY_FIRST chunks dropped: stream full */
    uint64_t unknown_stream;   /* chunks of no registered stream: dropped */
    uint64_t malformed;        /* undecodable DataChunks from the network: dropped */
    uint64_t held;             /* STREAM_RELIABLE chunks that had to wait for room */
    uint64_t overflow_dropped; /* held chunks over the WebRTC hold budget: dropped */
    uint64_t dropped_unregistered; /* held chunks of a stream unregistered meanwhile */
    uint64_t callback_errors;  /* callbacks that returned non-zero */
    uint64_t sent;             /* chunks this node sent (any transport) */
    uint64_t received_remote;  /* chunks that came from the network */
    uint64_t queued;           /* now: chunks waiting for the actor, over all streams */
} actr_stream_stats_t;

/* The node's stream counters; zeros before the first stream was registered. */
ACTR_API int actr_node_stream_stats(struct actr_node *node, actr_stream_stats_t *out);

ACTR_END_DECLS

#endif /* ACTR_STREAM_H */
