/*
 * sdp_internal.h - helpers shared by the SDP parser, writer and builders (sdp*.c only).
 */
#ifndef ACTR_WIRE_WEBRTC_SDP_INTERNAL_H
#define ACTR_WIRE_WEBRTC_SDP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "wire/webrtc/sdp.h"

/* A slice of the input text (not NUL-terminated). */
typedef struct sdp_str {
    const char *p;
    size_t n;
} sdp_str_t;

/* Splits off the next space-separated token of *s (leading spaces skipped); n == 0 at the end. */
sdp_str_t sdp_next_token(sdp_str_t *s);

/* 1 when s equals the NUL-terminated lit, case-sensitively / ignoring ASCII case. */
int sdp_str_eq(sdp_str_t s, const char *lit);
int sdp_str_ieq(sdp_str_t s, const char *lit);

/* Decimal without sign, at most max; 0 or ACTR_EPARSE. */
int sdp_parse_u64(sdp_str_t s, uint64_t max, uint64_t *out);

/* Copies s into dst[cap] with a NUL; ACTR_EPARSE when empty or it does not fit. */
int sdp_copy(sdp_str_t s, char *dst, size_t cap);

/* 1 when s is 1..max ice-chars (ALPHA / DIGIT / "+" / "/", RFC 8839). */
int sdp_ice_chars(const char *s, size_t n, size_t min, size_t max);

/* Recognised codec for an rtpmap name and clock rate (VP8/90000, H264/90000, opus/48000). */
actr_sdp_codec_id_t sdp_codec_id(const char *name, uint32_t clock_rate);

/* 1 when an H264 fmtp string says packetization-mode=1. */
int sdp_h264_mode1(const char *fmtp);

#endif /* ACTR_WIRE_WEBRTC_SDP_INTERNAL_H */
