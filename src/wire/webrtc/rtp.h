/*
 * rtp.h - RTP media for WebRTC tracks (spec/protocol.md 8.7, spec/runtime.md 3.3 and 6.2):
 * RTP header build/parse (RFC 3550), the per-track sender (one sample = one RTP packet, marker
 * set, per-track sequence counter, random SSRC, the negotiated payload type), demultiplexing
 * received RTP to track ids from the remote SDP, and SRTP protect/unprotect with libsrtp2 keyed
 * from the DTLS-SRTP exporter (RFC 5764 section 4.2).
 *
 * Payload types: VP8 96, H264 97 on send in the reference (102 registered), Opus 111; we send
 * with the payload type NEGOTIATED in the SDP (actr_sdp_codec_pt), as receivers must not depend
 * on the sender's value anyway. No packetization: a sample larger than ACTR_RTP_MAX_PAYLOAD is
 * refused (ACTR_ETOOBIG), like the reference which assumes each sample fits one packet.
 *
 * Not thread-safe per object: one sender per track, one SRTP context per direction, used from
 * the connection's loop. libsrtp2 is initialised once per process (pthread_once).
 */
#ifndef ACTR_WIRE_WEBRTC_RTP_H
#define ACTR_WIRE_WEBRTC_RTP_H

#include <stddef.h>
#include <stdint.h>

#include "actr/buf.h"
#include "wire/webrtc/sdp.h"

#define ACTR_RTP_HEADER_LEN 12
/* What one SRTP packet may carry so it stays under a 1200-byte path MTU over UDP/IP. */
#define ACTR_RTP_MAX_PAYLOAD (1200 - ACTR_RTP_HEADER_LEN - 16)
/* Room protect needs after the packet (libsrtp2 may write up to tag + MKI length). */
#define ACTR_SRTP_TRAILER_ROOM 144

typedef struct actr_rtp_header {
    int padding;
    int extension;
    int marker;
    uint8_t csrc_count;
    uint8_t pt;
    uint16_t seq;
    uint32_t timestamp;
    uint32_t ssrc;
    size_t header_len;  /* parse: fixed header + CSRCs + extension */
    size_t payload_len; /* parse: without padding */
} actr_rtp_header_t;

/* What kind of packet a datagram on the ICE transport is (RFC 7983 first-byte demux, RFC 5761
 * RTP/RTCP split by payload type 64..95). */
typedef enum actr_rtp_demux {
    ACTR_DEMUX_UNKNOWN = 0,
    ACTR_DEMUX_STUN,
    ACTR_DEMUX_DTLS,
    ACTR_DEMUX_RTP,
    ACTR_DEMUX_RTCP,
} actr_rtp_demux_t;

actr_rtp_demux_t actr_rtp_classify(const uint8_t *pkt, size_t len);

/* Parses an RTP header (version 2, CSRCs, extension, padding all length-checked): 0 or
 * ACTR_EPROTO. */
int actr_rtp_parse(const uint8_t *pkt, size_t len, actr_rtp_header_t *out);

/* ---- sending ------------------------------------------------------------------------------- */

typedef struct actr_rtp_sender {
    uint32_t ssrc;
    uint16_t seq; /* of the next packet */
    uint8_t pt;
    actr_sdp_codec_id_t codec;
} actr_rtp_sender_t;

/* pt = the negotiated payload type; ssrc 0 = random; the first sequence number is random
 * (RFC 3550 5.1). Returns 0, ACTR_EINVAL or ACTR_EIO (no randomness). */
int actr_rtp_sender_init(actr_rtp_sender_t *s, actr_sdp_codec_id_t codec, uint8_t pt,
                         uint32_t ssrc);

/*
 * Writes one RTP packet for a sample (marker set, the sample's RTP timestamp) into out, which
 * must hold ACTR_RTP_HEADER_LEN + len (+ ACTR_SRTP_TRAILER_ROOM to protect it in place).
 * *out_len gets the packet length. Returns 0, ACTR_EINVAL, ACTR_ETOOBIG (sample over
 * ACTR_RTP_MAX_PAYLOAD or out too small).
 */
int actr_rtp_write_sample(actr_rtp_sender_t *s, uint32_t timestamp, const uint8_t *sample,
                          size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* ---- receiving: RTP -> track id ------------------------------------------------------------ */

#define ACTR_RTP_DEMUX_MAX 16

/* What a media callback gets (spec/runtime.md 6.2 MediaSample). */
typedef struct actr_rtp_sample {
    const char *track_id;  /* the remote a=msid track id ("" when the remote gave none) */
    const char *codec;     /* "VP8", "H264", "OPUS" */
    int video;             /* 1 video, 0 audio */
    uint32_t timestamp;
    const uint8_t *payload; /* inside the caller's packet */
    size_t payload_len;
} actr_rtp_sample_t;

typedef struct actr_rtp_demux_entry {
    uint32_t ssrc;   /* 0 = not learned yet */
    int section;     /* index of the m= section in the remote description */
} actr_rtp_demux_entry_t;

typedef struct actr_rtp_track_map {
    const actr_sdp_t *remote; /* borrowed; rebuild the map when the description changes */
    uint8_t count;
    actr_rtp_demux_entry_t entries[ACTR_RTP_DEMUX_MAX];
} actr_rtp_track_map_t;

/* Builds the map from a remote description: its a=ssrc ids per audio/video section. */
void actr_rtp_track_map_init(actr_rtp_track_map_t *map, const actr_sdp_t *remote);

/*
 * Resolves a decrypted RTP packet to its track: by SSRC when the remote announced or we learned
 * it, else by a payload type that only one section uses (then the SSRC is learned, bounded by
 * ACTR_RTP_DEMUX_MAX). Returns 0 with *out filled, ACTR_ENOTFOUND (unknown track or codec),
 * ACTR_EPROTO (not RTP).
 */
int actr_rtp_track_map_resolve(actr_rtp_track_map_t *map, const uint8_t *pkt, size_t len,
                               actr_rtp_sample_t *out);

/* ---- SRTP (libsrtp2) ----------------------------------------------------------------------- */

/* DTLS-SRTP protection profiles (RFC 5764, RFC 7714), as OpenSSL reports their ids. */
typedef enum actr_srtp_profile {
    ACTR_SRTP_AES128_CM_SHA1_80 = 0x0001,
    ACTR_SRTP_AES128_CM_SHA1_32 = 0x0002,
    ACTR_SRTP_AEAD_AES_128_GCM = 0x0007,
    ACTR_SRTP_AEAD_AES_256_GCM = 0x0008,
} actr_srtp_profile_t;

/* The profiles we offer in DTLS (for SSL_CTX_set_tlsext_use_srtp), preferred first. */
#define ACTR_SRTP_PROFILES_OPENSSL "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

/* Master key and salt lengths of a profile: 0, or ACTR_EUNSUPPORTED. */
int actr_srtp_key_lengths(actr_srtp_profile_t profile, size_t *key_len, size_t *salt_len);

/* Bytes to export with SSL_export_keying_material("EXTRACTOR-dtls_srtp"): 2 * (key + salt). */
size_t actr_srtp_export_len(actr_srtp_profile_t profile);

typedef struct actr_srtp actr_srtp_t;

/*
 * One direction's SRTP+SRTCP context for any SSRC. outbound=1 protects, 0 unprotects (replay
 * window of 1024 packets). Returns 0, ACTR_EINVAL (lengths), ACTR_EUNSUPPORTED, ACTR_ENOMEM or
 * ACTR_EINTERNAL (libsrtp2 refused).
 */
int actr_srtp_new(actr_srtp_profile_t profile, const uint8_t *key, size_t key_len,
                  const uint8_t *salt, size_t salt_len, int outbound, actr_srtp_t **out);

/*
 * Both contexts of a connection from the exported keying material (RFC 5764 4.2: client key,
 * server key, client salt, server salt); is_client = our DTLS role. Returns as actr_srtp_new.
 */
int actr_srtp_from_dtls(actr_srtp_profile_t profile, const uint8_t *material, size_t len,
                        int is_client, actr_srtp_t **tx, actr_srtp_t **rx);

void actr_srtp_free(actr_srtp_t *s);

/*
 * In place: protect grows the packet (cap must be >= len + ACTR_SRTP_TRAILER_ROOM), unprotect
 * shrinks it. Results: 0; ACTR_ESIGNATURE (authentication failed: tampered or wrong key);
 * ACTR_EEXIST (replayed or too old for the window); ACTR_EPROTO (not a valid packet);
 * ACTR_EINVAL; ACTR_ETOOBIG (no room).
 */
int actr_srtp_protect(actr_srtp_t *s, uint8_t *pkt, size_t len, size_t cap, size_t *out_len);
int actr_srtp_unprotect(actr_srtp_t *s, uint8_t *pkt, size_t len, size_t *out_len);
int actr_srtp_protect_rtcp(actr_srtp_t *s, uint8_t *pkt, size_t len, size_t cap,
                           size_t *out_len);
int actr_srtp_unprotect_rtcp(actr_srtp_t *s, uint8_t *pkt, size_t len, size_t *out_len);

#endif /* ACTR_WIRE_WEBRTC_RTP_H */
