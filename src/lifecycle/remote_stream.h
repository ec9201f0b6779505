/*
 * remote_stream.h - data streams over the node's network side (remote_stream.c): chunks sent to
 * actors in other processes (a ready WebRTC peer's stream channel, else the direct WebSocket)
 * and chunks arriving from the WebSocket hub's stream registry or WebRTC stream channels, handed
 * to the node's registry (streams.h). Nodes without a network side make these no-ops or
 * ACTR_EUNAVAILABLE.
 */
#ifndef ACTR_LIFECYCLE_REMOTE_STREAM_H
#define ACTR_LIFECYCLE_REMOTE_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "actr/buf.h"
#include "actr/error.h"
#include "actr/stream.h"
#include "actr/types.h"

struct actr_node;
struct actr_remote;

/* A stream was registered (true) or unregistered: mirrors it into the WebSocket hub, whose
 * stream registry bounds what each connection hands over. Any thread but the loop's. */
void actr_remote_stream_changed(struct actr_node *node, const char *id, bool registered);

/*
 * Sends c to target over the network: encodes it once, picks the route on the loop (WebRTC
 * when ready, else the peer's discovered WebSocket address) and queues it; a full transport
 * queue is retried until timeout_ms passes (ACTR_ETIMEDOUT), never resent after it was queued.
 */
int actr_remote_stream_send(struct actr_node *from, const actr_id_t *target,
                            const actr_data_chunk_t *c, actr_stream_lane_t lane,
                            int64_t timeout_ms, actr_error_t *err);

/* A whole message from a WebRTC stream channel (loop thread; msg is consumed). */
void actr_remote_stream_on_rtc(struct actr_remote *r, const actr_id_t *peer, int lane,
                               actr_buf_t msg);

/* The WebRTC connection to peer dropped (loop thread): one on_error hook
 * (DataChunkDeliveryUncertain) per stream sent to it over WebRTC in the last 30 s. */
void actr_remote_stream_peer_lost(struct actr_remote *r, const actr_id_t *peer);

/* Held WebRTC chunks drained: every paused WebRTC peer is read again (any thread). */
void actr_remote_stream_rtc_resume(struct actr_node *node);

/* Adds what the WebSocket hub dropped itself (latency-first overflow, unknown streams,
 * undecodable chunks) to st. Not on the loop thread. */
void actr_remote_stream_stats(struct actr_node *node, actr_stream_stats_t *st);

#endif /* ACTR_LIFECYCLE_REMOTE_STREAM_H */
