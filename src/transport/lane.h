/*
 * lane.h - the 8-byte fragment framing of WebRTC data-channel messages (spec/protocol.md 8.2,
 * spec/runtime.md 1.5) with BOUNDED reassembly.
 *
 * Every data-channel message, even a small one, is a frame:
 *
 *   offset 0  u32 BE msg_id       per-lane counter from 0, wrapping
 *   offset 4  u16 BE frag_index   0-based
 *   offset 6  u16 BE total_frags  >= 1
 *   offset 8  fragment payload    <= 65527 bytes (frames are <= 65535 bytes)
 *
 * Sending: actr_lane_tx_begin() numbers a message and actr_lane_frag_next() yields its frames as
 * an 8-byte header plus a zero-copy slice of the message (or actr_lane_frag_next_frame() as one
 * contiguous buffer, one copy, for transports that need that).
 *
 * Receiving: actr_lane_rx_push() takes frames in any order (the unordered lane reorders) and
 * returns whole messages. A single-frame message is a zero-copy slice of its frame; a fragmented
 * one is concatenated once when its last fragment arrives. Partial messages are bounded in
 * number, bytes, size of one message and age; what breaks a bound or the format is dropped and
 * counted in actr_lane_rx_stats_t, never kept: truncated or oversized frames, total_frags 0,
 * frag_index >= total_frags, total_frags different from the first fragment's, duplicates,
 * messages over max_message. The reference keeps partials for 6 h without other bounds; we
 * evict the oldest partial instead of growing (a lost fragment on the unordered lane would
 * otherwise pin memory). Not thread-safe: one rx per data channel, used from its loop.
 */
#ifndef ACTR_TRANSPORT_LANE_H
#define ACTR_TRANSPORT_LANE_H

#include <stddef.h>
#include <stdint.h>

#include "actr/buf.h"

#define ACTR_LANE_HEADER_LEN 8
#define ACTR_LANE_MAX_FRAME 65535u /* webrtc-rs' SCTP buffer is u16::MAX */
#define ACTR_LANE_MAX_CHUNK (ACTR_LANE_MAX_FRAME - ACTR_LANE_HEADER_LEN) /* 65527 */
#define ACTR_LANE_MAX_FRAGS 65535u

typedef struct actr_lane_header {
    uint32_t msg_id;
    uint16_t frag_index;
    uint16_t total_frags;
} actr_lane_header_t;

void actr_lane_header_write(const actr_lane_header_t *h, uint8_t out[ACTR_LANE_HEADER_LEN]);

/* Reads the header of a frame of len bytes: 0, or ACTR_EPROTO when len < 8 or > 65535, when
 * total_frags is 0 or frag_index >= total_frags. */
int actr_lane_header_read(const uint8_t *frame, size_t len, actr_lane_header_t *out);

/* ---- sending ------------------------------------------------------------------------------- */

typedef struct actr_lane_tx {
    uint32_t next_msg_id; /* starts at 0 (zero-initialise the struct) */
} actr_lane_tx_t;

typedef struct actr_lane_frag_iter {
    actr_buf_t msg; /* a reference held until the iterator is done or released */
    uint32_t msg_id;
    uint16_t total;
    uint32_t next; /* index of the next frame */
} actr_lane_frag_iter_t;

/* Number of frames for a message of len bytes (1 for len <= 65527, also for 0), or ACTR_ETOOBIG
 * when it would need more than 65535 fragments. */
int actr_lane_frag_count(size_t len, uint16_t *count);

/*
 * Starts sending msg on this lane: takes the next msg_id (even when the message is refused, as
 * the reference does for retries) and a reference to msg. Returns 0, ACTR_EINVAL or ACTR_ETOOBIG.
 */
int actr_lane_tx_begin(actr_lane_tx_t *tx, const actr_buf_t *msg, actr_lane_frag_iter_t *it);

/*
 * The next frame: its header bytes and its payload as a slice of the message (the caller
 * releases the slice). Returns 1 for a frame, 0 when all frames were given (the iterator's
 * reference is then released), negative on error (ACTR_ENOMEM).
 */
int actr_lane_frag_next(actr_lane_frag_iter_t *it, uint8_t header[ACTR_LANE_HEADER_LEN],
                        actr_buf_t *payload);

/* The same as one contiguous frame buffer (header + payload, one copy). */
int actr_lane_frag_next_frame(actr_lane_frag_iter_t *it, actr_buf_t *frame);

/* Drops the iterator's reference early (e.g. the channel closed mid-message). Idempotent. */
void actr_lane_frag_release(actr_lane_frag_iter_t *it);

/* ---- receiving ----------------------------------------------------------------------------- */

typedef struct actr_lane_rx_limits {
    uint32_t max_partial;     /* incomplete messages kept at once; 0 = 64 */
    size_t max_partial_bytes; /* bytes of frames held by them; 0 = 32 MiB */
    size_t max_message;       /* largest reassembled message; 0 = 16 MiB */
    uint64_t max_age_ms;      /* incomplete messages older than this are dropped; 0 = 60 s */
} actr_lane_rx_limits_t;

typedef struct actr_lane_rx_stats {
    uint64_t frames;         /* frames pushed */
    uint64_t messages;       /* messages delivered */
    uint64_t malformed;      /* truncated/oversized frames, bad total or index */
    uint64_t inconsistent;   /* total_frags different from the first fragment's */
    uint64_t duplicates;     /* a fragment index already held */
    uint64_t too_big;        /* messages dropped for exceeding max_message */
    uint64_t evicted;        /* partial messages dropped to respect max_partial(_bytes) */
    uint64_t expired;        /* partial messages dropped for age */
    uint32_t partial;        /* incomplete messages held now */
    size_t partial_bytes;    /* bytes they hold now */
} actr_lane_rx_stats_t;

typedef struct actr_lane_rx actr_lane_rx_t;

/* NULL limits = defaults. Returns NULL when out of memory. */
actr_lane_rx_t *actr_lane_rx_new(const actr_lane_rx_limits_t *limits);
void actr_lane_rx_free(actr_lane_rx_t *rx);

/*
 * Takes one received frame (the caller keeps its own reference; rx takes another when it must
 * hold the fragment). now_ms is the caller's monotonic clock, used only for ageing.
 * Returns 1 with a complete message in *msg (the caller releases it), 0 when the frame was
 * held as part of an incomplete message, ACTR_EPROTO when it was dropped (see the stats for
 * why), ACTR_ETOOBIG when its message was dropped for exceeding max_message, ACTR_EINVAL or
 * ACTR_ENOMEM.
 */
int actr_lane_rx_push(actr_lane_rx_t *rx, const actr_buf_t *frame, uint64_t now_ms,
                      actr_buf_t *msg);

/* Drops incomplete messages older than max_age_ms (also done by every push). */
void actr_lane_rx_expire(actr_lane_rx_t *rx, uint64_t now_ms);

void actr_lane_rx_stats(const actr_lane_rx_t *rx, actr_lane_rx_stats_t *out);

#endif /* ACTR_TRANSPORT_LANE_H */
