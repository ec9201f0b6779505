/*
 * remote_webrtc.h - the node's WebRTC side (src/lifecycle/remote_webrtc.c): the coordinator of
 * src/wire/webrtc/coordinator.h living with the node's other network objects on the loop, plus
 * the few entry points tests and tools use to look at it. docs/WEBRTC-COORDINATOR.md.
 *
 * Settings: [webrtc] mode = "prefer" (default: a ready WebRTC peer first, else the direct
 * WebSocket), "only" (never the direct WebSocket for outbound traffic), "off" (no coordinator);
 * [webrtc] local_addresses = addresses to gather host candidates from (tests: 127.0.0.1). The
 * environment overrides both, read when signaling opens: ACTR_WEBRTC_MODE and
 * ACTR_WEBRTC_LOCAL_ADDRESSES (comma-separated; empty = unset). Network events:
 * network_event.h.
 */
#ifndef ACTR_LIFECYCLE_REMOTE_WEBRTC_H
#define ACTR_LIFECYCLE_REMOTE_WEBRTC_H

#include "actr/types.h"
#include "wire/webrtc/coordinator.h"

struct actr_node;

/* Counters of the node's coordinator (zero when it has none). Any thread. */
int actr_remote_webrtc_stats(struct actr_node *n, actr_rtc_coord_stats_t *out);

/* Forces an ICE restart towards peer (tests, tools). ACTR_ESTATE without a ready connection. */
int actr_remote_webrtc_restart_ice(struct actr_node *n, const actr_id_t *peer);

/* Whether outbound traffic to peer goes over WebRTC right now. Any thread. */
bool actr_remote_webrtc_ready(struct actr_node *n, const actr_id_t *peer);

#endif /* ACTR_LIFECYCLE_REMOTE_WEBRTC_H */
