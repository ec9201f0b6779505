/*
 * streams.h - a node's data-stream registry (spec: runtime.md §6.1; docs/RUNTIME.md "Streams"):
 * stream id -> callback, per-stream FIFO of chunks waiting for the actor (depth
 * ACTR_STREAM_DEPTH), reliable backpressure and latency-first drop-newest, and the counters.
 *
 * A chunk reaches the actor as a runtime item in its inbox (the completion mechanism of
 * asynchronous calls: a carrier request whose callback is the chunk delivery), so stream
 * callbacks run on the actor's serial context, interleaved in FIFO order with its entries.
 * Producers: the in-process sender (ctx.c), the WebSocket hub and the WebRTC coordinator
 * (remote_stream.c). Any thread; one mutex per registry.
 */
#ifndef ACTR_LIFECYCLE_STREAMS_H
#define ACTR_LIFECYCLE_STREAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "actr/buf.h"
#include "actr/stream.h"
#include "actr/types.h"

struct actr_node;
typedef struct actr_streams actr_streams_t;
typedef struct actr_stream_item actr_stream_item_t;

/* Who produced a chunk: decides what "full" means for STREAM_RELIABLE. */
typedef enum actr_stream_src {
    ACTR_STREAM_SRC_LOCAL = 0, /* in-process sender: waits for room (up to its budget) */
    ACTR_STREAM_SRC_WS,        /* hub: held; the hub bounds what it hands over per stream */
    ACTR_STREAM_SRC_RTC,       /* WebRTC: held; reading pauses past ACTR_STREAMS_RTC_PAUSE_BYTES */
} actr_stream_src_t;

/*
 * WebRTC chunks beyond a stream's depth are held. Past PAUSE bytes held the node stops reading
 * from the sending peer's connection (SCTP's window closes: the peer slows down, RPC on that
 * connection waits too, as in the reference); under RESUME it reads again. HOLD is a safety net
 * that is only reached if a peer ignores the window: beyond it chunks are dropped and counted.
 */
#define ACTR_STREAMS_RTC_PAUSE_BYTES ((size_t)2 * 1024 * 1024)
#define ACTR_STREAMS_RTC_RESUME_BYTES ((size_t)1024 * 1024)
#define ACTR_STREAMS_RTC_HOLD_BYTES ((size_t)16 * 1024 * 1024)

/* After a WebRTC chunk was offered: true when its sender's connection should pause reading
 * (held bytes past the mark); actr_remote_stream_rtc_resume() follows once they drained. */
bool actr_streams_rtc_pause_due(struct actr_node *node);

/* ---- items (a chunk on its way to an actor; owns everything it points to) ---- */

/* From a caller's chunk (in-process): payload referenced, id and metadata copied. */
int actr_stream_item_from_chunk(const actr_data_chunk_t *c, const actr_id_t *sender,
                                actr_stream_item_t **out);

/* From an encoded DataChunk (network): ACTR_EPARSE when undecodable or without a stream id. */
int actr_stream_item_decode(const uint8_t *data, size_t len, const actr_id_t *sender,
                            actr_stream_item_t **out);

/* Runs once the actor is done with the item or the registry dropped it after accepting it
 * (any thread; never inside actr_streams_offer()). */
void actr_stream_item_on_release(actr_stream_item_t *it, void (*fn)(void *arg, const char *id),
                                 void *arg);

/* Frees an item the registry did not take (without its release function). */
void actr_stream_item_free(actr_stream_item_t *it);

/* Encodes c as a DataChunk into *out (a new buffer). */
int actr_stream_encode(const actr_data_chunk_t *c, actr_buf_t *out);

/* Points the protobuf-c DataChunk *m (initialised here) at c's fields, for embedding it in
 * another message; *scratch holds the metadata entries: free() it after packing. */
struct Actr__DataChunk;
int actr_stream_pb_init(const actr_data_chunk_t *c, struct Actr__DataChunk *m, void **scratch);

/* ---- the registry of a node ---- */

/* The node's registry, created on first use (NULL: out of memory, or create false and none). */
actr_streams_t *actr_streams_of(struct actr_node *node, bool create);

int actr_streams_register(struct actr_node *node, const char *id, actr_stream_cb cb, void *ud);
int actr_streams_unregister(struct actr_node *node, const char *id);

/*
 * Offers an item for stream item->id. Returns 0 when the registry took it (queued for the actor
 * or held; its release function runs later), or the item is NOT taken (the caller frees it):
 * ACTR_ENOTFOUND (no such stream, counted), ACTR_EAGAIN (latency-first full: dropped and
 * counted; or a full reliable stream of the calling actor itself, which cannot wait for its own
 * turn), ACTR_ETIMEDOUT (LOCAL: no room within wait_ms), ACTR_ETOOBIG (RTC hold budget spent,
 * counted), ACTR_ECLOSED (the node is stopping).
 */
int actr_streams_offer(struct actr_node *node, actr_stream_item_t *it, actr_stream_lane_t lane,
                       actr_stream_src_t src, int64_t wait_ms);

/* Counters (see actr_stream_stats_t); "sent" and "received_remote"/"malformed" are bumped by
 * the transports. */
typedef enum actr_streams_counter {
    ACTR_STREAMS_SENT = 0,
    ACTR_STREAMS_RECEIVED_REMOTE,
    ACTR_STREAMS_MALFORMED,
} actr_streams_counter_t;
void actr_streams_count(struct actr_node *node, actr_streams_counter_t which);

/* Stream ids currently registered, for re-registering them with a new transport: calls fn for
 * each under the registry lock (fn must not call back into the registry). */
void actr_streams_each(struct actr_node *node, void (*fn)(const char *id, void *arg), void *arg);

/* The loop thread's per-peer record of recently sent WebRTC streams (remote_stream.c), kept
 * with the registry so it lives as long as the node: an actr_hmap_t of malloc'd values, freed
 * with free() by actr_streams_free(). NULL when out of memory. */
struct actr_hmap;
struct actr_hmap **actr_streams_activity(struct actr_node *node);

/* Node teardown: refuse new chunks, drop held ones, wake waiting senders (before the actor is
 * drained); then free (after it is drained). */
void actr_streams_close(struct actr_node *node);
void actr_streams_free(struct actr_node *node);

#endif /* ACTR_LIFECYCLE_STREAMS_H */
