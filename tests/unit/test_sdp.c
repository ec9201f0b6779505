/* SDP module: candidate lines (RFC 8839), fingerprints, the offer/answer builders, writer
 * round trips, ICE restart and renegotiation, DTLS roles, and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "wire/webrtc/sdp.h"

static const char UFRAG[] = "Ab12";
static const char PWD[] = "0123456789abcdefghijkl+/";

static void local_init(actr_sdp_local_t *l, int data)
{
    memset(l, 0, sizeof *l);
    l->ice_ufrag = UFRAG;
    l->ice_pwd = PWD;
    for (int i = 0; i < ACTR_SDP_FINGERPRINT_LEN; i++)
        l->fingerprint[i] = (uint8_t)(i * 7 + 1);
    l->session_id = 0x8123456789abcdefULL; /* top bit must be dropped (< 2^63) */
    l->session_version = 2;
    l->data_channel = data;
}

static void add_track(actr_sdp_local_t *l, actr_sdp_codec_id_t codec, const char *id, uint32_t ssrc)
{
    actr_sdp_track_t *t = &l->tracks[l->track_count++];
    memset(t, 0, sizeof *t);
    t->codec = codec;
    snprintf(t->track_id, sizeof t->track_id, "%s", id);
    t->ssrc = ssrc;
}

/* Writes sdp, parses it back, returns the parsed copy (caller frees). */
static actr_sdp_t *roundtrip(const actr_sdp_t *sdp, char **text_out)
{
    char *text = NULL;
    size_t len = 0;
    actr_error_t err;
    assert_int_equal(actr_sdp_write_alloc(sdp, &text, &len, &err), 0);
    assert_int_equal(strlen(text), len);
    actr_sdp_t *back = actr_sdp_new();
    int rc = actr_sdp_parse(text, len, back, &err);
    if (rc != 0)
        fprintf(stderr, "%s\n%s\n", err.message, text);
    assert_int_equal(rc, 0);
    if (text_out)
        *text_out = text;
    else
        free(text);
    return back;
}

static void test_candidate_parse_format(void **state)
{
    (void)state;
    static const char *const good[] = {
        "candidate:3229573512 1 udp 2122194687 192.0.2.2 54762 typ host generation 0 network-id 1",
        "a=candidate:4193659285 1 tcp 1518285567 fd00::2 36403 typ host tcptype passive "
        "generation 0 network-id 2\r\n",
        "candidate:32b1715da3b0ef8ba684454eb 1 udp 2116026367 192.0.2.2 33556 typ host generation 0 "
        "ufrag 8642",
        "candidate:842163049 1 udp 1677729535 203.0.113.7 61000 typ srflx raddr 10.0.0.2 rport 50000 "
        "generation 0 ufrag EsAw network-cost 999",
        "candidate:1 2 UDP 16777215 198.51.100.1 3478 typ relay raddr 0.0.0.0 rport 0",
        "candidate:abc 1 udp 100 3f0e2b1c-1111-2222-3333-444455556666.local 9 typ host unknown-ext x",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        actr_sdp_candidate_t c, again;
        actr_error_t err;
        int rc = actr_sdp_candidate_parse(good[i], strlen(good[i]), &c, &err);
        if (rc)
            fprintf(stderr, "%s: %s\n", good[i], err.message);
        assert_int_equal(rc, 0);
        char text[ACTR_SDP_CANDIDATE_STR_MAX];
        size_t n;
        assert_int_equal(actr_sdp_candidate_format(&c, text, sizeof text, &n), 0);
        assert_int_equal(strlen(text), n);
        assert_int_equal(actr_sdp_candidate_parse(text, n, &again, NULL), 0);
        assert_memory_equal(&c, &again, sizeof c);
    }
    actr_sdp_candidate_t c;
    assert_int_equal(actr_sdp_candidate_parse(good[3], strlen(good[3]), &c, NULL), 0);
    assert_int_equal(c.type, ACTR_SDP_CAND_SRFLX);
    assert_string_equal(c.related_address, "10.0.0.2");
    assert_int_equal(c.related_port, 50000);
    assert_string_equal(c.ufrag, "EsAw");
    assert_int_equal(c.priority, 1677729535u);
    assert_int_equal(c.network_cost, 999);
    assert_false(actr_sdp_candidate_is_mdns(&c));
    assert_int_equal(actr_sdp_candidate_parse(good[1], strlen(good[1]), &c, NULL), 0);
    assert_true(c.tcp);
    assert_int_equal(c.tcptype, ACTR_SDP_TCPTYPE_PASSIVE);
    assert_int_equal(actr_sdp_candidate_parse(good[5], strlen(good[5]), &c, NULL), 0);
    assert_true(actr_sdp_candidate_is_mdns(&c));
    /* exact text of a formatted candidate */
    char text[ACTR_SDP_CANDIDATE_STR_MAX];
    assert_int_equal(actr_sdp_candidate_parse(good[4], strlen(good[4]), &c, NULL), 0);
    assert_int_equal(actr_sdp_candidate_format(&c, text, sizeof text, NULL), 0);
    assert_string_equal(text, "candidate:1 2 udp 16777215 198.51.100.1 3478 typ relay raddr "
                              "0.0.0.0 rport 0");
    /* too small a buffer reports the size needed */
    size_t need = 0;
    assert_int_equal(actr_sdp_candidate_format(&c, text, 10, &need), ACTR_ETOOBIG);
    assert_int_equal(need, strlen("candidate:1 2 udp 16777215 198.51.100.1 3478 typ relay raddr "
                                  "0.0.0.0 rport 0"));
}

static void test_candidate_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "candidate:",
        "candidat:1 1 udp 1 1.2.3.4 5 typ host",
        "candidate:1 1 udp 1 1.2.3.4 5 host",          /* no "typ" */
        "candidate:1 1 udp 1 1.2.3.4 5 typ lan",       /* unknown type */
        "candidate:1 0 udp 1 1.2.3.4 5 typ host",      /* component 0 */
        "candidate:1 1 sctp 1 1.2.3.4 5 typ host",     /* transport */
        "candidate:1 1 udp 4294967296 1.2.3.4 5 typ host", /* priority > u32 */
        "candidate:1 1 udp 1 1.2.3.4 65536 typ host",  /* port */
        "candidate:1 1 udp 1 1.2.3.4 -5 typ host",
        "candidate:1 1 udp 1 1.2.3.4 5 typ host raddr", /* extension without value */
        "candidate:1 1 udp 1 1.2.3.4 5 typ host rport x",
        "candidate:1 1 udp 1 1.2.3.4 5 typ host rport 9", /* rport without raddr */
        "candidate:1 1 udp 1 1.2.3.4 5 typ host ufrag bad!chars",
        "candidate:f\xc3\xa9 1 udp 1 1.2.3.4 5 typ host", /* non ice-char foundation */
        "candidate:123456789012345678901234567890123 1 udp 1 1.2.3.4 5 typ host", /* 33 chars */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        actr_sdp_candidate_t c;
        actr_error_t err;
        memset(&err, 0, sizeof err);
        assert_int_equal(actr_sdp_candidate_parse(bad[i], strlen(bad[i]), &c, &err), ACTR_EPARSE);
        assert_true(strlen(err.message) > 0);
    }
    assert_int_equal(actr_sdp_candidate_parse(NULL, 0, NULL, NULL), ACTR_EINVAL);
    /* NUL inside the given length */
    const char nul[] = "candidate:1 1 udp 1 1.2.3.4 5 typ host\0 x";
    actr_sdp_candidate_t c;
    assert_int_equal(actr_sdp_candidate_parse(nul, sizeof nul - 1, &c, NULL), ACTR_EPARSE);
}

static void test_fingerprint(void **state)
{
    (void)state;
    uint8_t fp[32], back[32];
    for (int i = 0; i < 32; i++)
        fp[i] = (uint8_t)(0xf0 + i);
    char text[ACTR_SDP_FINGERPRINT_STR_LEN + 1];
    actr_sdp_fingerprint_format(fp, text);
    assert_int_equal(strlen(text), 95);
    assert_memory_equal(text, "F0:F1:F2", 8);
    assert_int_equal(actr_sdp_fingerprint_parse(text, 95, back), 0);
    assert_memory_equal(fp, back, 32);
    text[1] = 'g';
    assert_int_equal(actr_sdp_fingerprint_parse(text, 95, back), ACTR_EPARSE);
    assert_int_equal(actr_sdp_fingerprint_parse(text, 94, back), ACTR_EPARSE);
    actr_sdp_fingerprint_format(fp, text);
    text[2] = '-';
    assert_int_equal(actr_sdp_fingerprint_parse(text, 95, back), ACTR_EPARSE);
}

static void test_offer_data_only(void **state)
{
    (void)state;
    actr_sdp_local_t l;
    local_init(&l, 1);
    actr_sdp_t *offer = actr_sdp_new();
    assert_int_equal(actr_sdp_build_offer(&l, NULL, offer, NULL), 0);
    char *text;
    actr_sdp_t *back = roundtrip(offer, &text);
    /* the shape of spec/protocol.md 7.3 */
    assert_non_null(strstr(text, "\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"));
    assert_non_null(strstr(text, "\r\na=sctp-port:5000\r\n"));
    assert_non_null(strstr(text, "\r\na=max-message-size:262144\r\n"));
    assert_non_null(strstr(text, "\r\na=setup:actpass\r\n"));
    assert_non_null(strstr(text, "\r\na=ice-options:trickle\r\n"));
    assert_non_null(strstr(text, "\r\na=group:BUNDLE 0\r\n"));
    assert_non_null(strstr(text, "\r\na=ice-ufrag:Ab12\r\n"));
    assert_non_null(strstr(text, "o=- 81985529216486895 2 IN IP4"));
    assert_int_equal(memcmp(text, "v=0\r\n", 5), 0);
    assert_null(strstr(text, "\n\n"));
    assert_int_equal(back->media_count, 1);
    assert_int_equal(actr_sdp_find_application(back), 0);
    assert_string_equal(back->media[0].mid, "0");
    assert_memory_equal(back->media[0].fingerprint, l.fingerprint, 32);
    assert_int_equal(actr_sdp_max_message_size(&back->media[0]), 262144);
    assert_int_equal(back->media[0].setup, ACTR_SDP_SETUP_ACTPASS);
    /* writing the parsed copy gives the same text (a fixed point) */
    char *again = NULL;
    assert_int_equal(actr_sdp_write_alloc(back, &again, NULL, NULL), 0);
    assert_string_equal(text, again);
    /* a too small buffer reports the size */
    size_t need = 0;
    char small[16];
    assert_int_equal(actr_sdp_write(offer, small, sizeof small, &need, NULL), ACTR_ETOOBIG);
    assert_int_equal(need, strlen(text));
    free(again);
    free(text);
    actr_sdp_free(back);
    actr_sdp_free(offer);
}

static void test_offer_answer_media(void **state)
{
    (void)state;
    actr_sdp_local_t a, b;
    local_init(&a, 1);
    add_track(&a, ACTR_SDP_CODEC_VP8, "cam", 1111);
    add_track(&a, ACTR_SDP_CODEC_OPUS, "mic", 2222);
    local_init(&b, 1);
    b.ice_ufrag = "Zz99";
    add_track(&b, ACTR_SDP_CODEC_H264, "screen", 3333);
    actr_sdp_t *offer = actr_sdp_new(), *answer = actr_sdp_new();
    assert_int_equal(actr_sdp_build_offer(&a, NULL, offer, NULL), 0);
    actr_sdp_t *ro = roundtrip(offer, NULL);
    assert_int_equal(ro->media_count, 3);
    assert_int_equal(ro->media[0].kind, ACTR_SDP_KIND_APPLICATION);
    assert_int_equal(ro->media[1].kind, ACTR_SDP_KIND_VIDEO);
    assert_int_equal(ro->media[2].kind, ACTR_SDP_KIND_AUDIO);
    assert_int_equal(actr_sdp_codec_pt(&ro->media[1], ACTR_SDP_CODEC_VP8), 96);
    assert_int_equal(actr_sdp_codec_pt(&ro->media[1], ACTR_SDP_CODEC_H264), 102);
    assert_int_equal(actr_sdp_codec_pt(&ro->media[2], ACTR_SDP_CODEC_OPUS), 111);
    assert_string_equal(ro->media[1].msid_stream, "actr-video");
    assert_string_equal(ro->media[1].msid_track, "cam");
    assert_string_equal(ro->media[2].msid_stream, "actr-audio");
    assert_int_equal(ro->media[1].ssrcs[0].ssrc, 1111);
    assert_int_equal(ro->media[1].direction, ACTR_SDP_DIR_SENDRECV);
    assert_true(ro->media[1].rtcp_mux);
    assert_int_equal(ro->bundle_count, 3);

    /* b answers: video gets b's H264 track (offered PT 102), audio recvonly. */
    assert_int_equal(actr_sdp_build_answer(ro, &b, answer, NULL), 0);
    actr_sdp_t *ra = roundtrip(answer, NULL);
    assert_int_equal(ra->media_count, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(ra->media[i].mid, ro->media[i].mid);
        assert_string_equal(ra->media[i].ice_ufrag, "Zz99");
        assert_int_equal(ra->media[i].setup, ACTR_SDP_SETUP_ACTIVE);
    }
    assert_int_equal(ra->media[1].direction, ACTR_SDP_DIR_SENDRECV);
    assert_string_equal(ra->media[1].msid_track, "screen");
    assert_int_equal(actr_sdp_codec_pt(&ra->media[1], ACTR_SDP_CODEC_H264), 102);
    assert_int_equal(ra->media[2].direction, ACTR_SDP_DIR_RECVONLY);
    assert_int_equal(ra->media[2].ssrc_count, 0);
    assert_int_equal(ra->bundle_count, 3);
    assert_int_equal(actr_sdp_dtls_client(ACTR_SDP_SETUP_ACTIVE, ro->media[0].setup), 1);
    assert_int_equal(actr_sdp_dtls_client(ACTR_SDP_SETUP_ACTPASS, ra->media[0].setup), 0);
    assert_int_equal(actr_sdp_codec_for_pt(&ra->media[1], 102), ACTR_SDP_CODEC_H264);
    assert_string_equal(actr_sdp_codec_name(ACTR_SDP_CODEC_OPUS), "OPUS");
    actr_sdp_free(ra);
    actr_sdp_free(ro);
    actr_sdp_free(offer);
    actr_sdp_free(answer);
}

static void test_ice_restart_and_renegotiation(void **state)
{
    (void)state;
    actr_sdp_local_t l;
    local_init(&l, 1);
    actr_sdp_t *first = actr_sdp_new(), *restart = actr_sdp_new(), *reneg = actr_sdp_new();
    assert_int_equal(actr_sdp_build_offer(&l, NULL, first, NULL), 0);
    assert_false(actr_sdp_is_ice_restart(first, first));
    l.ice_ufrag = "New1";
    l.ice_pwd = "9876543210zyxwvutsrqponm";
    l.session_version = 3;
    assert_int_equal(actr_sdp_build_offer(&l, first, restart, NULL), 0);
    assert_true(actr_sdp_is_ice_restart(first, restart));
    assert_int_equal(restart->media_count, 1);
    assert_string_equal(restart->media[0].mid, "0");
    assert_string_equal(restart->media[0].ice_ufrag, "New1");
    /* add a track: appended with a new mid, the data section keeps mid 0 */
    add_track(&l, ACTR_SDP_CODEC_OPUS, "mic", 42);
    assert_int_equal(actr_sdp_build_offer(&l, restart, reneg, NULL), 0);
    assert_false(actr_sdp_is_ice_restart(restart, reneg));
    assert_int_equal(reneg->media_count, 2);
    assert_string_equal(reneg->media[0].mid, "0");
    assert_string_equal(reneg->media[1].mid, "1");
    assert_int_equal(reneg->media[1].kind, ACTR_SDP_KIND_AUDIO);
    /* drop the track: the section stays, recvonly, without our ssrc */
    l.track_count = 0;
    actr_sdp_t *dropped = actr_sdp_new();
    assert_int_equal(actr_sdp_build_offer(&l, reneg, dropped, NULL), 0);
    assert_int_equal(dropped->media_count, 2);
    assert_int_equal(dropped->media[1].direction, ACTR_SDP_DIR_RECVONLY);
    assert_int_equal(dropped->media[1].ssrc_count, 0);
    actr_sdp_t *back = roundtrip(dropped, NULL);
    assert_int_equal(back->media_count, 2);
    actr_sdp_free(back);
    actr_sdp_free(dropped);
    actr_sdp_free(first);
    actr_sdp_free(restart);
    actr_sdp_free(reneg);
}

static void test_answer_rejects_and_roles(void **state)
{
    (void)state;
    /* An offer with an unsupported video codec, a foreign m-line and a passive setup. */
    static const char offer_text[] =
        "v=0\n"
        "o=- 1 1 IN IP4 0.0.0.0\n"
        "s=-\n"
        "t=0 0\n"
        "a=group:BUNDLE a b c\n"
        "a=fingerprint:sha-256 "
        "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\n"
        "a=ice-ufrag:sess\n"
        "a=ice-pwd:sessionpasswordsession1\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 100 101\n"
        "a=mid:a\n"
        "a=setup:passive\n"
        "a=rtpmap:100 AV1/90000\n"
        "a=rtpmap:101 H264/90000\n"
        "a=fmtp:101 packetization-mode=0\n"
        "m=text 9 RTP/AVP 0\n"
        "a=mid:b\n"
        "m=application 9 DTLS/SCTP 5000\n"
        "a=mid:c\n"
        "a=setup:passive\n"
        "a=sctpmap:5000 webrtc-datachannel 1024\n";
    actr_sdp_t *offer = actr_sdp_new(), *answer = actr_sdp_new();
    actr_error_t err;
    assert_int_equal(actr_sdp_parse(offer_text, sizeof offer_text - 1, offer, &err), 0);
    assert_int_equal(offer->media[2].sctp_port, 5000); /* legacy format */
    assert_string_equal(offer->media[0].ice_ufrag, "sess"); /* inherited */
    assert_string_equal(actr_sdp_ufrag_for(offer, "c", -1), "sess");
    assert_string_equal(actr_sdp_ufrag_for(offer, NULL, 1), "sess");
    assert_null(actr_sdp_ufrag_for(offer, "zz", 0));
    assert_null(actr_sdp_ufrag_for(offer, NULL, 7));
    actr_sdp_local_t l;
    local_init(&l, 1);
    assert_int_equal(actr_sdp_build_answer(offer, &l, answer, &err), 0);
    assert_int_equal(answer->media[0].port, 0);
    assert_int_equal(answer->media[1].port, 0);
    assert_int_equal(answer->media[2].port, 9);
    assert_int_equal(answer->media[2].setup, ACTR_SDP_SETUP_ACTIVE);
    assert_int_equal(answer->bundle_count, 1);
    assert_string_equal(answer->bundle[0], "c");
    char *text;
    actr_sdp_t *back = roundtrip(answer, &text);
    assert_non_null(strstr(text, "m=video 0 UDP/TLS/RTP/SAVPF 100 101\r\n"));
    assert_non_null(strstr(text, "m=text 0 RTP/AVP 0\r\n"));
    assert_non_null(strstr(text, "m=application 9 DTLS/SCTP 5000\r\n"));
    assert_int_equal(back->media[2].sctp_port, 5000);
    free(text);
    actr_sdp_free(back);

    /* nothing acceptable */
    offer->media[2].port = 0;
    assert_int_equal(actr_sdp_build_answer(offer, &l, answer, NULL), ACTR_EUNSUPPORTED);
    /* DTLS role table */
    assert_int_equal(actr_sdp_dtls_client(ACTR_SDP_SETUP_ACTPASS, ACTR_SDP_SETUP_PASSIVE), 1);
    assert_int_equal(actr_sdp_dtls_client(ACTR_SDP_SETUP_PASSIVE, ACTR_SDP_SETUP_ACTPASS), 0);
    assert_int_equal(actr_sdp_dtls_client(ACTR_SDP_SETUP_ACTIVE, ACTR_SDP_SETUP_ACTIVE), ACTR_EPROTO);
    assert_int_equal(actr_sdp_dtls_client(ACTR_SDP_SETUP_ACTPASS, ACTR_SDP_SETUP_ACTPASS),
                     ACTR_EPROTO);
    /* builder argument checks */
    l.ice_pwd = "short";
    assert_int_equal(actr_sdp_build_offer(&l, NULL, answer, NULL), ACTR_EINVAL);
    local_init(&l, 0);
    assert_int_equal(actr_sdp_build_offer(&l, NULL, answer, NULL), ACTR_EINVAL);
    actr_sdp_free(offer);
    actr_sdp_free(answer);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char base[] = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
    static const char fp[] =
        "a=fingerprint:sha-256 "
        "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n";
    static const char *const bad[] = {
        "",
        "x",
        "v=1\r\n",
        "v=0\r\n",                                   /* no o= */
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n",         /* no m= */
        "o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n",         /* v= not first */
        "BASE" "m=application\r\n",
        "BASE" "m=application 9 UDP/DTLS/SCTP\r\n",
        "BASE" "m=application 70000 UDP/DTLS/SCTP webrtc-datachannel\r\n",
        "BASE" "m=video 9 UDP/TLS/RTP/SAVPF 128\r\n",
        "BASE" "m=video 9 UDP/TLS/RTP/SAVPF x\r\n",
        "BASE" "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:abcd\r\n"
        "a=ice-pwd:0123456789012345678901\r\n", /* no fingerprint */
        "BASE" "FP" "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n", /* no ICE */
        "BASE" "FP" "a=ice-ufrag:abc\r\na=ice-pwd:0123456789012345678901\r\n"
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n", /* ufrag too short */
        "BASE" "FP" "a=ice-ufrag:ab cd\r\n",
        "BASE" "a=fingerprint:sha-256 00:11\r\n",
        "BASE" "a=setup:maybe\r\n",
        "BASE" "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8\r\n",
        "BASE" "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/x\r\n",
        "BASE" "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=fmtp:96\r\n",
        "BASE" "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ssrc:x cname:y\r\n",
        "BASE" "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=candidate:1 1 udp 1 1.2.3.4 5 typ\r\n",
        "BASE" "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:99999\r\n",
        "BASE" "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=max-message-size:-1\r\n",
        "BASE" "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n"
        "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n", /* duplicate mid */
        "BASE" "garbage\r\n",
        "BASE" "a=\r\n",
        "BASE" "o=- 1 1 IN IP4 0.0.0.0\r\n",
        "BASE" "a=group:BUNDLE 0 1 2 3 4 5 6 7 8\r\n",
    };
    actr_sdp_t *sdp = actr_sdp_new();
    char text[2048];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *src = bad[i];
        size_t n = 0;
        if (strncmp(src, "BASE", 4) == 0) {
            n = (size_t)snprintf(text, sizeof text, "%s", base);
            src += 4;
            if (strncmp(src, "FP", 2) == 0) {
                n += (size_t)snprintf(text + n, sizeof text - n, "%s", fp);
                src += 2;
            }
        }
        snprintf(text + n, sizeof text - n, "%s", src);
        actr_error_t err;
        memset(&err, 0, sizeof err);
        int rc = actr_sdp_parse(text, strlen(text), sdp, &err);
        if (rc != ACTR_EPARSE)
            fprintf(stderr, "case %zu accepted:\n%s\n", i, text);
        assert_int_equal(rc, ACTR_EPARSE);
        assert_true(strlen(err.message) > 0);
        assert_int_equal(sdp->media_count, 0); /* cleared on failure */
    }
    /* too many m= sections */
    size_t n = (size_t)snprintf(text, sizeof text, "%s", base);
    for (int i = 0; i <= ACTR_SDP_MAX_MEDIA; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "m=text 0 RTP/AVP 0\r\n");
    assert_int_equal(actr_sdp_parse(text, n, sdp, NULL), ACTR_EPARSE);
    /* rejected sections need nothing; LF line ends accepted */
    n = (size_t)snprintf(text, sizeof text, "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nm=text 0 RTP/AVP 0\n");
    assert_int_equal(actr_sdp_parse(text, n, sdp, NULL), 0);
    assert_int_equal(sdp->media_count, 1);
    /* size limit */
    char *big = calloc(1, ACTR_SDP_TEXT_MAX + 2);
    memset(big, 'a', ACTR_SDP_TEXT_MAX + 1);
    assert_int_equal(actr_sdp_parse(big, ACTR_SDP_TEXT_MAX + 1, sdp, NULL), ACTR_ETOOBIG);
    free(big);
    assert_int_equal(actr_sdp_parse(NULL, 1, sdp, NULL), ACTR_EINVAL);
    actr_sdp_free(sdp);
}

/* Capacities: extra codecs, candidates and ssrcs are dropped and counted, not overflowed. */
static void test_capacities(void **state)
{
    (void)state;
    char *text = malloc(ACTR_SDP_TEXT_MAX);
    size_t n = (size_t)snprintf(text, ACTR_SDP_TEXT_MAX,
                                "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\na=ice-ufrag:abcd\r\n"
                                "a=ice-pwd:0123456789012345678901\r\na=fingerprint:sha-256 "
                                "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:"
                                "66:77:88:99:AA:BB:CC:DD:EE:FF\r\nm=video 9 UDP/TLS/RTP/SAVPF");
    for (int pt = 0; pt < 100; pt++)
        n += (size_t)snprintf(text + n, ACTR_SDP_TEXT_MAX - n, " %d", pt);
    n += (size_t)snprintf(text + n, ACTR_SDP_TEXT_MAX - n, "\r\n");
    for (int pt = 0; pt < 100; pt++)
        n += (size_t)snprintf(text + n, ACTR_SDP_TEXT_MAX - n,
                              "a=rtpmap:%d VP8/90000\r\na=rtcp-fb:* nack\r\n", pt);
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, ACTR_SDP_TEXT_MAX - n,
                              "a=candidate:%d 1 udp %d 10.0.0.%d %d typ host\r\na=ssrc:%d cname:c\r\n",
                              i, i + 1, i, 1000 + i, i + 1);
    actr_sdp_t *sdp = actr_sdp_new();
    actr_error_t err;
    assert_int_equal(actr_sdp_parse(text, n, sdp, &err), 0);
    assert_int_equal(sdp->media[0].codec_count, ACTR_SDP_MAX_CODECS);
    assert_int_equal(sdp->media[0].codecs_dropped, 100 - ACTR_SDP_MAX_CODECS);
    assert_int_equal(sdp->media[0].candidate_count, ACTR_SDP_MAX_CANDIDATES);
    assert_int_equal(sdp->media[0].candidates_dropped, 40 - ACTR_SDP_MAX_CANDIDATES);
    assert_int_equal(sdp->media[0].ssrc_count, ACTR_SDP_MAX_SSRCS);
    assert_int_equal(sdp->media[0].codecs[0].fb_count, ACTR_SDP_MAX_FB);
    actr_sdp_t *back = roundtrip(sdp, NULL);
    assert_int_equal(back->media[0].codec_count, ACTR_SDP_MAX_CODECS);
    actr_sdp_free(back);
    actr_sdp_free(sdp);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_candidate_parse_format),
        cmocka_unit_test(test_candidate_malformed),
        cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_offer_data_only),
        cmocka_unit_test(test_offer_answer_media),
        cmocka_unit_test(test_ice_restart_and_renegotiation),
        cmocka_unit_test(test_answer_rejects_and_roles),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_capacities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
