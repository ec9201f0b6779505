/*
 * sdp.h - WebRTC session descriptions (RFC 8866 / JSEP subset): a struct model, a parser that
 * accepts what libwebrtc (Chrome, @roamhq/wrtc) and werift produce, a generator, ICE candidate
 * lines (RFC 8839 grammar) and the offer/answer builders of spec/protocol.md section 7.3.
 *
 * The model is plain fixed-size data (no pointers): copy it with memcpy, compare it field by field.
 * It is too large for the stack (about 280 KB): use actr_sdp_new()/actr_sdp_free() or embed it in a
 * heap object. Capacities are below; what exceeds them is dropped and counted (codecs, candidates,
 * ssrcs), except identity data we must not truncate (ufrag, pwd, mid, addresses), which is
 * ACTR_EPARSE.
 *
 * Parsing (actr_sdp_parse):
 *   - CRLF or LF line ends, "type=value" lines, v= first; o=, s= and at least one m= required.
 *   - Session-level ice-ufrag/ice-pwd/ice-options/fingerprint/setup are inherited by every media
 *     section that lacks its own, so after parsing each media section holds the EFFECTIVE values.
 *   - Unknown attributes and lines (b=, t=, extmap, ...) are ignored (counted in .ignored_lines).
 *   - Strict on what we need: every media section with a non-zero port must end up with an
 *     ice-ufrag (4..256 ice-chars), ice-pwd (22..256), and a sha-256 fingerprint (32 bytes);
 *     a malformed line we interpret (m=, a=candidate, a=rtpmap, a=fingerprint, ...) is an error.
 *   - Errors are ACTR_EPARSE (or ACTR_ETOOBIG over ACTR_SDP_TEXT_MAX) with "line N: ..." in err.
 *     Never a crash, never unbounded memory.
 *
 * Generation (actr_sdp_write): CRLF lines in the order JSEP implementations expect: v, o, s, t,
 * a=group:BUNDLE, a=msid-semantic, then per media m, c, a=rtcp(-mux), ice-ufrag/pwd/options,
 * fingerprint, setup, mid, direction/sctp attributes, codecs, ssrcs, candidates, end-of-candidates.
 *
 * Building (actr_sdp_build_offer / actr_sdp_build_answer): from our local parameters
 * (actr_sdp_local_t: ICE credentials, certificate fingerprint, data channel on/off, media tracks).
 * ICE restart = build an offer with `previous` set and new ice_ufrag/ice_pwd in `local`; track
 * changes (renegotiation) = the same with the new track list. Codecs and payload types are those
 * of spec/runtime.md section 3.2: VP8 96, H264 102 (packetization-mode=1, profile-level-id=42e01f),
 * Opus 111 (48000/2, minptime=10;useinbandfec=1); an answer keeps the OFFERER's payload types.
 */
#ifndef ACTR_WIRE_WEBRTC_SDP_H
#define ACTR_WIRE_WEBRTC_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "actr/error.h"

/* ---- capacities ---------------------------------------------------------------------------- */

#define ACTR_SDP_TEXT_MAX (64 * 1024) /* longest SDP text we parse or write */
#define ACTR_SDP_MAX_MEDIA 8          /* m= sections; more is ACTR_EPARSE */
#define ACTR_SDP_MAX_BUNDLE 8         /* mids in a=group:BUNDLE; more is ACTR_EPARSE */
#define ACTR_SDP_MAX_CODECS 32        /* payload types kept per m= section (rest dropped) */
#define ACTR_SDP_MAX_FB 8             /* a=rtcp-fb values kept per payload type */
#define ACTR_SDP_MAX_SSRCS 8          /* a=ssrc ids kept per m= section */
#define ACTR_SDP_MAX_CANDIDATES 16    /* a=candidate lines kept per m= section */
#define ACTR_SDP_MAX_TRACKS 4         /* local media tracks in actr_sdp_local_t */

#define ACTR_SDP_TOKEN_MAX 64        /* mid, proto, media, encoding name, msid parts, cname */
#define ACTR_SDP_ICE_MAX 256         /* ice-ufrag / ice-pwd length (RFC 8839: 4..256, 22..256) */
#define ACTR_SDP_ADDR_MAX 256        /* candidate / connection address (IP or FQDN) */
#define ACTR_SDP_FMTP_MAX 256        /* a=fmtp parameter string */
#define ACTR_SDP_FB_MAX 32           /* one a=rtcp-fb value, e.g. "nack pli" */
#define ACTR_SDP_FOUNDATION_MAX 32   /* candidate foundation (RFC 8839: 1*32 ice-char) */
#define ACTR_SDP_FINGERPRINT_LEN 32  /* sha-256 */
/* "AB:CD:..." text of a sha-256 fingerprint: 32 * 3 - 1 characters. */
#define ACTR_SDP_FINGERPRINT_STR_LEN (ACTR_SDP_FINGERPRINT_LEN * 3 - 1)
#define ACTR_SDP_CANDIDATE_STR_MAX 1024 /* a formatted "candidate:..." attribute, with NUL */

#define ACTR_SDP_DEFAULT_SCTP_PORT 5000
/* RFC 8841: a peer that does not say a=max-message-size accepts 64 KiB. */
#define ACTR_SDP_DEFAULT_MAX_MESSAGE_SIZE 65536

/* ---- enums --------------------------------------------------------------------------------- */

/* Description type as carried beside the SDP text (webrtc.proto SessionDescription.type). */
typedef enum actr_sdp_type {
    ACTR_SDP_OFFER = 0,
    ACTR_SDP_ANSWER = 1,
} actr_sdp_type_t;

typedef enum actr_sdp_setup {
    ACTR_SDP_SETUP_UNSET = 0, /* not given (the builder treats an offer's as actpass) */
    ACTR_SDP_SETUP_ACTPASS,
    ACTR_SDP_SETUP_ACTIVE,  /* this side is the DTLS client */
    ACTR_SDP_SETUP_PASSIVE, /* this side is the DTLS server */
    ACTR_SDP_SETUP_HOLDCONN,
} actr_sdp_setup_t;

typedef enum actr_sdp_kind {
    ACTR_SDP_KIND_OTHER = 0, /* anything else (kept so the answer can reject it, port 0) */
    ACTR_SDP_KIND_AUDIO,
    ACTR_SDP_KIND_VIDEO,
    ACTR_SDP_KIND_APPLICATION,
} actr_sdp_kind_t;

typedef enum actr_sdp_direction {
    ACTR_SDP_DIR_UNSET = 0, /* not given: RFC 3264 default is sendrecv */
    ACTR_SDP_DIR_SENDRECV,
    ACTR_SDP_DIR_SENDONLY,
    ACTR_SDP_DIR_RECVONLY,
    ACTR_SDP_DIR_INACTIVE,
} actr_sdp_direction_t;

/* Media codecs we send and receive (spec/protocol.md section 8.7). */
typedef enum actr_sdp_codec_id {
    ACTR_SDP_CODEC_UNKNOWN = 0,
    ACTR_SDP_CODEC_VP8,
    ACTR_SDP_CODEC_H264,
    ACTR_SDP_CODEC_OPUS,
} actr_sdp_codec_id_t;

typedef enum actr_sdp_cand_type {
    ACTR_SDP_CAND_HOST = 0,
    ACTR_SDP_CAND_SRFLX,
    ACTR_SDP_CAND_PRFLX,
    ACTR_SDP_CAND_RELAY,
} actr_sdp_cand_type_t;

typedef enum actr_sdp_tcptype {
    ACTR_SDP_TCPTYPE_NONE = 0,
    ACTR_SDP_TCPTYPE_ACTIVE,
    ACTR_SDP_TCPTYPE_PASSIVE,
    ACTR_SDP_TCPTYPE_SO,
} actr_sdp_tcptype_t;

/* ---- model --------------------------------------------------------------------------------- */

/* One ICE candidate (RFC 8839 section 5.1 plus the libwebrtc extensions we keep). */
typedef struct actr_sdp_candidate {
    char foundation[ACTR_SDP_FOUNDATION_MAX + 1];
    uint16_t component; /* 1 = RTP (the only one with rtcp-mux/bundle), 2 = RTCP */
    int tcp;            /* 0 = "udp", 1 = "tcp" (transport, case-insensitive on input) */
    uint32_t priority;
    char address[ACTR_SDP_ADDR_MAX + 1]; /* IPv4, IPv6 or FQDN ("<uuid>.local" for mDNS) */
    uint16_t port;
    actr_sdp_cand_type_t type;
    int has_related; /* raddr/rport present */
    char related_address[ACTR_SDP_ADDR_MAX + 1];
    uint16_t related_port;
    actr_sdp_tcptype_t tcptype;
    int has_generation;
    uint32_t generation;
    char ufrag[ACTR_SDP_ICE_MAX + 1]; /* "ufrag" extension, "" when absent */
    int has_network_id;
    uint32_t network_id;
    int has_network_cost;
    uint32_t network_cost;
} actr_sdp_candidate_t;

/* One payload type of an audio/video section: a=rtpmap, a=fmtp, a=rtcp-fb. */
typedef struct actr_sdp_codec {
    uint8_t pt;                              /* 0..127 */
    char name[ACTR_SDP_TOKEN_MAX + 1];       /* encoding name as written, e.g. "VP8", "opus" */
    actr_sdp_codec_id_t id;                  /* recognised codec, or UNKNOWN */
    uint32_t clock_rate;                     /* 0 when there is no a=rtpmap */
    uint8_t channels;                        /* audio channels (0 = not given = 1) */
    char fmtp[ACTR_SDP_FMTP_MAX + 1];        /* "" when there is no a=fmtp */
    uint8_t fb_count;
    char fb[ACTR_SDP_MAX_FB][ACTR_SDP_FB_MAX + 1]; /* a=rtcp-fb values, e.g. "nack pli" */
} actr_sdp_codec_t;

/* One a=ssrc id with the attributes we keep (cname, msid). */
typedef struct actr_sdp_ssrc {
    uint32_t ssrc;
    char cname[ACTR_SDP_TOKEN_MAX + 1];
    char msid_stream[ACTR_SDP_TOKEN_MAX + 1];
    char msid_track[ACTR_SDP_TOKEN_MAX + 1];
} actr_sdp_ssrc_t;

/* One m= section with its EFFECTIVE transport attributes (session-level values inherited). */
typedef struct actr_sdp_media {
    actr_sdp_kind_t kind;
    char media[ACTR_SDP_TOKEN_MAX + 1]; /* "audio", "video", "application", ... as written */
    uint16_t port;                      /* 0 = rejected / stopped section */
    char proto[ACTR_SDP_TOKEN_MAX + 1]; /* "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", ... */
    char mid[ACTR_SDP_TOKEN_MAX + 1];   /* "" when the section has no a=mid */
    int bundle_only;

    char ice_ufrag[ACTR_SDP_ICE_MAX + 1];
    char ice_pwd[ACTR_SDP_ICE_MAX + 1];
    int ice_trickle;      /* a=ice-options contains "trickle" */
    int has_fingerprint;  /* a sha-256 fingerprint was given (others are ignored) */
    uint8_t fingerprint[ACTR_SDP_FINGERPRINT_LEN];
    actr_sdp_setup_t setup;
    int rtcp_mux;
    int rtcp_rsize;

    /* application (data channel) sections */
    uint16_t sctp_port;        /* a=sctp-port, or the legacy "DTLS/SCTP <port>" format */
    int has_max_message_size;  /* a=max-message-size given (else DEFAULT above applies) */
    uint32_t max_message_size; /* as given; 0 = any size (RFC 8841); see actr_sdp_max_message_size */
    /* The m= line's format list as written (kept for OTHER and application sections so an
     * answer can echo it in a rejected section; audio/video formats are the codecs below). */
    char fmt[ACTR_SDP_FMTP_MAX + 1];

    /* audio/video sections */
    actr_sdp_direction_t direction;
    uint8_t codec_count;
    actr_sdp_codec_t codecs[ACTR_SDP_MAX_CODECS]; /* in m= line order (preference order) */
    uint16_t codecs_dropped;                      /* payload types over the capacity */
    char msid_stream[ACTR_SDP_TOKEN_MAX + 1];     /* a=msid:<stream> <track> */
    char msid_track[ACTR_SDP_TOKEN_MAX + 1];
    uint8_t ssrc_count;
    actr_sdp_ssrc_t ssrcs[ACTR_SDP_MAX_SSRCS];

    uint8_t candidate_count;
    actr_sdp_candidate_t candidates[ACTR_SDP_MAX_CANDIDATES];
    uint16_t candidates_dropped;
    int end_of_candidates;
} actr_sdp_media_t;

typedef struct actr_sdp {
    char origin_user[ACTR_SDP_TOKEN_MAX + 1]; /* "-" */
    uint64_t session_id;
    uint64_t session_version;
    int ice_lite;
    uint8_t bundle_count; /* a=group:BUNDLE mids, in order */
    char bundle[ACTR_SDP_MAX_BUNDLE][ACTR_SDP_TOKEN_MAX + 1];
    uint8_t media_count;
    actr_sdp_media_t media[ACTR_SDP_MAX_MEDIA];
    uint32_t ignored_lines; /* lines and attributes we do not interpret */
} actr_sdp_t;

/* ---- local parameters for the builders ----------------------------------------------------- */

/* A media track we send (spec/protocol.md 8.7: stream id "actr-video" / "actr-audio"). */
typedef struct actr_sdp_track {
    actr_sdp_codec_id_t codec;           /* VP8 or H264 (video), OPUS (audio) */
    char track_id[ACTR_SDP_TOKEN_MAX + 1];  /* the application track id (a=msid 2nd part) */
    char stream_id[ACTR_SDP_TOKEN_MAX + 1]; /* "" = actr-video / actr-audio by codec */
    uint32_t ssrc;                       /* non-zero; the caller picks it at random */
} actr_sdp_track_t;

typedef struct actr_sdp_local {
    const char *ice_ufrag; /* 4..256 ice-chars; a new pair for an ICE restart */
    const char *ice_pwd;   /* 22..256 ice-chars */
    uint8_t fingerprint[ACTR_SDP_FINGERPRINT_LEN]; /* sha-256 of our DTLS certificate */
    uint64_t session_id;   /* o= id, random, < 2^63; kept for the whole session */
    uint64_t session_version; /* o= version, incremented by the caller per new description */
    int data_channel;      /* 1: include the application m= section */
    uint16_t sctp_port;    /* 0 = ACTR_SDP_DEFAULT_SCTP_PORT */
    uint32_t max_message_size; /* what WE accept; 0 = 262144 */
    /* Answer only: our DTLS role for an actpass offer (ACTIVE, as browsers do, or PASSIVE). */
    actr_sdp_setup_t answer_setup;
    const char *cname;     /* a=ssrc cname; NULL = "actr" */
    uint8_t track_count;
    actr_sdp_track_t tracks[ACTR_SDP_MAX_TRACKS];
} actr_sdp_local_t;

/* ---- life cycle, parse, write -------------------------------------------------------------- */

/* A zeroed description on the heap, or NULL when out of memory. */
actr_sdp_t *actr_sdp_new(void);
void actr_sdp_free(actr_sdp_t *sdp);

/*
 * Parses len bytes of SDP text (no NUL needed) into *out (overwritten, also on failure).
 * Returns 0, ACTR_EINVAL (NULL), ACTR_ETOOBIG (len > ACTR_SDP_TEXT_MAX) or ACTR_EPARSE.
 */
int actr_sdp_parse(const char *text, size_t len, actr_sdp_t *out, actr_error_t *err);

/*
 * Writes the SDP text with CRLF line ends and a NUL into buf. *out_len (may be NULL) gets the
 * length without the NUL; when cap is too small returns ACTR_ETOOBIG with *out_len = the length
 * needed. Returns ACTR_EINVAL for a model the writer cannot express (e.g. empty ICE credentials
 * on an active section).
 */
int actr_sdp_write(const actr_sdp_t *sdp, char *buf, size_t cap, size_t *out_len,
                   actr_error_t *err);

/* The same into a malloc'd NUL-terminated string the caller frees. */
int actr_sdp_write_alloc(const actr_sdp_t *sdp, char **out, size_t *out_len, actr_error_t *err);

/* ---- offer / answer ------------------------------------------------------------------------ */

/*
 * Builds our offer into *out. Without `previous`: media sections for the tracks (in order), then
 * the application section when local->data_channel, mids "0", "1", ...; setup actpass. With
 * `previous` (our last local description of this session): the same sections in the same order
 * with the same mids (JSEP forbids reordering), the current ICE credentials (an ICE restart when
 * they differ), tracks matched by track_id, a section whose track is gone becomes recvonly, new
 * tracks and a newly enabled data channel are appended. Returns 0, ACTR_EINVAL, ACTR_ERANGE
 * (more than ACTR_SDP_MAX_MEDIA sections).
 */
int actr_sdp_build_offer(const actr_sdp_local_t *local, const actr_sdp_t *previous,
                         actr_sdp_t *out, actr_error_t *err);

/*
 * Builds our answer to a parsed remote offer: one section per offered section, same mids and
 * order; the application section accepted (our sctp-port and max-message-size); audio/video
 * accepted with the offered payload types of codecs we support (VP8/H264/Opus; H264 only with
 * packetization-mode=1), with a local track of the matching kind attached when we have one,
 * direction the complement of the offer's; anything else rejected with port 0. setup: active for
 * actpass (or local->answer_setup), the opposite of active/passive. BUNDLE lists accepted mids.
 * Returns 0, ACTR_EINVAL, ACTR_EPROTO (setup:holdconn), ACTR_EUNSUPPORTED (no section of the
 * offer is acceptable: the answer would be useless).
 */
int actr_sdp_build_answer(const actr_sdp_t *offer, const actr_sdp_local_t *local,
                          actr_sdp_t *out, actr_error_t *err);

/* ---- queries ------------------------------------------------------------------------------- */

/* Index of the first accepted (port != 0) application section, or -1. */
int actr_sdp_find_application(const actr_sdp_t *sdp);

/* Index of the section with this mid, or -1. */
int actr_sdp_find_mid(const actr_sdp_t *sdp, const char *mid);

/*
 * The remote ice-ufrag a trickled candidate must carry (spec 7.3): the section named by mid
 * when non-NULL and non-empty, else the section at mline_index when >= 0, else the first
 * section's (all sections share one with BUNDLE). NULL when none matches.
 */
const char *actr_sdp_ufrag_for(const actr_sdp_t *sdp, const char *mid, int mline_index);

/* 1 when `next` changes the ICE credentials of `prev` (an ICE restart), else 0. */
int actr_sdp_is_ice_restart(const actr_sdp_t *prev, const actr_sdp_t *next);

/*
 * Our DTLS role from our setup and the remote one: 1 = client (we send ClientHello), 0 = server,
 * ACTR_EPROTO for an impossible pair (both active, both passive, an answer with actpass).
 */
int actr_sdp_dtls_client(actr_sdp_setup_t local, actr_sdp_setup_t remote);

/*
 * The largest message the peer of section m accepts: a=max-message-size, UINT32_MAX for 0 (any
 * size), ACTR_SDP_DEFAULT_MAX_MESSAGE_SIZE when absent (RFC 8841 section 6).
 */
uint32_t actr_sdp_max_message_size(const actr_sdp_media_t *m);

/* The negotiated payload type of codec in section m (first match), or -1. */
int actr_sdp_codec_pt(const actr_sdp_media_t *m, actr_sdp_codec_id_t codec);

/* The codec id for a payload type of section m, or ACTR_SDP_CODEC_UNKNOWN. */
actr_sdp_codec_id_t actr_sdp_codec_for_pt(const actr_sdp_media_t *m, uint8_t pt);

/* MIME subtype upper-cased as delivered to media callbacks: "VP8", "H264", "OPUS"; or "". */
const char *actr_sdp_codec_name(actr_sdp_codec_id_t codec);

/* ---- candidates and fingerprints ----------------------------------------------------------- */

/*
 * Parses one candidate attribute: "candidate:..." with or without a leading "a=", as in SDP or
 * RTCIceCandidate.candidate (trailing CR/LF allowed). Unknown extension pairs are skipped.
 * Returns 0, ACTR_EINVAL or ACTR_EPARSE.
 */
int actr_sdp_candidate_parse(const char *text, size_t len, actr_sdp_candidate_t *out,
                             actr_error_t *err);

/*
 * Formats "candidate:<foundation> <component> udp <priority> <address> <port> typ <type>
 * [raddr <a> rport <p>] [tcptype <t>] [generation <g>] [ufrag <u>] [network-id <n>]
 * [network-cost <c>]" (no "a=", no CRLF) with a NUL. Returns 0, ACTR_EINVAL or ACTR_ETOOBIG.
 */
int actr_sdp_candidate_format(const actr_sdp_candidate_t *c, char *buf, size_t cap,
                              size_t *out_len);

/* 1 when the candidate's address is an mDNS name (ends in ".local"), which libnice cannot use. */
int actr_sdp_candidate_is_mdns(const actr_sdp_candidate_t *c);

/* "AB:CD:..." upper-case hex of a sha-256 fingerprint, NUL-terminated. */
void actr_sdp_fingerprint_format(const uint8_t fp[ACTR_SDP_FINGERPRINT_LEN],
                                 char out[ACTR_SDP_FINGERPRINT_STR_LEN + 1]);

/* Parses "AB:CD:..." (either case, exactly 32 bytes). Returns 0 or ACTR_EPARSE. */
int actr_sdp_fingerprint_parse(const char *text, size_t len,
                               uint8_t out[ACTR_SDP_FINGERPRINT_LEN]);

/* Names for logs and the JSON relay: "offer"/"answer", "actpass"/..., "sendrecv"/... */
const char *actr_sdp_type_name(actr_sdp_type_t type);
const char *actr_sdp_setup_name(actr_sdp_setup_t setup);
const char *actr_sdp_direction_name(actr_sdp_direction_t dir);

#endif /* ACTR_WIRE_WEBRTC_SDP_H */
