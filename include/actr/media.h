/*
 * media.h - RTP media tracks between actors over WebRTC (spec: protocol.md 8.7, runtime.md 6.2
 * MediaFrameRegistry and 13.2 register_media_track / unregister_media_track /
 * send_media_sample / add_media_track / remove_media_track).
 *
 * Sending: actr_*_add_media_track(target, track_id, codec) announces a track towards a remote
 * actor: it starts the WebRTC connection if there is none, and renegotiates the running one
 * (a RENEGOTIATION_OFFER through signaling; the other side answers). Then each
 * actr_*_send_media_sample() goes out as ONE RTP packet over SRTP (no packetization: a sample
 * must fit, at most ACTR_MEDIA_MAX_SAMPLE bytes). RTP is unreliable: samples may be lost or
 * reordered, and samples sent before the track is negotiated fail with ACTR_ESTATE (retry).
 *
 * Receiving: actr_*_register_media_track(track_id, cb) routes samples of the REMOTE track with
 * that id (the sender's track_id) to cb, whoever sends it.
 *
 * Where the callback runs (our contract): on the node's I/O thread, one sample at a time, in
 * arrival order (the reference spawns a task per sample and guarantees no order). It must not
 * block and must not call back into a synchronous API of this node (calls, waits); the sample
 * and its data are valid during the call only (copy what you keep). To work on an actor's
 * state, hand the data to the actor, e.g. with actr_ref_tell() on its own ref.
 *
 * Only WebRTC carries media: an in-process target, this actor itself, or a node without
 * signaling gives ACTR_EUNSUPPORTED (the reference's NotImplemented); WebSocket peers have no
 * media path. All functions may be called from any thread (the ctx forms from the entry that
 * owns ctx).
 */
#ifndef ACTR_MEDIA_H
#define ACTR_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "actr/common.h"
#include "actr/error.h"
#include "actr/types.h"
#include "actr/workload.h"

ACTR_BEGIN_DECLS

/* The largest sample one RTP packet carries (1200-byte path MTU minus RTP and SRTP overhead). */
#define ACTR_MEDIA_MAX_SAMPLE 1172
/* Tracks per peer connection we send, and receive callbacks per node. */
#define ACTR_MEDIA_MAX_TRACKS 4
#define ACTR_MEDIA_MAX_CALLBACKS 64
#define ACTR_MEDIA_TRACK_ID_MAX 64

typedef enum actr_media_type {
    ACTR_MEDIA_AUDIO = 0,
    ACTR_MEDIA_VIDEO = 1,
} actr_media_type_t;

/* spec/runtime.md 6.2 MediaSample. */
typedef struct actr_media_sample {
    const uint8_t *data;
    size_t len;
    uint32_t timestamp;      /* RTP timestamp (90 kHz video, 48 kHz Opus) */
    const char *codec;       /* "VP8", "H264", "OPUS" (MIME subtype upper-cased) */
    actr_media_type_t media_type;
} actr_media_sample_t;

/* sender: the remote actor the sample came from. See "Where the callback runs" above. */
typedef void (*actr_media_cb)(void *userdata, const actr_media_sample_t *sample,
                              const actr_id_t *sender);

struct actr_node;

/*
 * Receive callbacks by remote track id. Returns 0, ACTR_EINVAL (empty or over
 * ACTR_MEDIA_TRACK_ID_MAX), ACTR_EEXIST (already registered: unregister first), ACTR_ERANGE
 * (ACTR_MEDIA_MAX_CALLBACKS reached). Unregister returns 0 or ACTR_ENOTFOUND; once it returns
 * the callback is not running and will not run again.
 */
ACTR_API int actr_node_register_media_track(struct actr_node *node, const char *track_id,
                                            actr_media_cb cb, void *userdata);
ACTR_API int actr_node_unregister_media_track(struct actr_node *node, const char *track_id);

/*
 * A track we send to target. codec: "VP8", "H264" (video) or "OPUS" (audio), any case.
 * Returns 0, ACTR_EINVAL, ACTR_EUNSUPPORTED (not a WebRTC target, see above), ACTR_EEXIST,
 * ACTR_ERANGE (ACTR_MEDIA_MAX_TRACKS), ACTR_EUNAVAILABLE (cannot connect), ACTR_ESTATE.
 */
ACTR_API int actr_node_add_media_track(struct actr_node *node, const actr_id_t *target,
                                       const char *track_id, const char *codec);
/* Returns 0, ACTR_ENOTFOUND, ACTR_EUNSUPPORTED. The track's section turns recvonly. */
ACTR_API int actr_node_remove_media_track(struct actr_node *node, const actr_id_t *target,
                                          const char *track_id);
/*
 * One sample as one RTP packet (sample->codec/media_type are ignored: the track has them).
 * Returns 0, ACTR_EINVAL, ACTR_ETOOBIG, ACTR_ENOTFOUND (no such track), ACTR_ESTATE (the track
 * is not negotiated yet or the connection is not up), ACTR_EUNSUPPORTED.
 */
ACTR_API int actr_node_send_media_sample(struct actr_node *node, const actr_id_t *target,
                                         const char *track_id, const actr_media_sample_t *sample);

/* The same from a workload entry (the ctx's node). */
ACTR_API int actr_ctx_register_media_track(actr_ctx_t *ctx, const char *track_id,
                                           actr_media_cb cb, void *userdata);
ACTR_API int actr_ctx_unregister_media_track(actr_ctx_t *ctx, const char *track_id);
ACTR_API int actr_ctx_add_media_track(actr_ctx_t *ctx, const actr_id_t *target,
                                      const char *track_id, const char *codec);
ACTR_API int actr_ctx_remove_media_track(actr_ctx_t *ctx, const actr_id_t *target,
                                         const char *track_id);
ACTR_API int actr_ctx_send_media_sample(actr_ctx_t *ctx, const actr_id_t *target,
                                        const char *track_id, const actr_media_sample_t *sample);

ACTR_END_DECLS

#endif /* ACTR_MEDIA_H */
