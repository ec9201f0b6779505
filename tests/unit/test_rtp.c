/* RTP media: header parse/build, the one-sample-per-packet sender, RTP -> track demux from the
 * SDP, and SRTP with libsrtp2 (libsrtp's reference vector, DTLS-SRTP key layout, every profile,
 * tamper and replay rejected). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "actr/error.h"
#include "wire/webrtc/rtp.h"
#include "wire/webrtc/sdp.h"

static void test_classify_and_parse(void **state)
{
    (void)state;
    static const uint8_t stun[] = {0x00, 0x01}, dtls[] = {22, 0xfe}, rtcp[] = {0x80, 200};
    static const uint8_t rtp[] = {0x80, 96};
    assert_int_equal(actr_rtp_classify(stun, 2), ACTR_DEMUX_STUN);
    assert_int_equal(actr_rtp_classify(dtls, 2), ACTR_DEMUX_DTLS);
    assert_int_equal(actr_rtp_classify(rtcp, 2), ACTR_DEMUX_RTCP);
    assert_int_equal(actr_rtp_classify(rtp, 2), ACTR_DEMUX_RTP);
    assert_int_equal(actr_rtp_classify(rtp, 0), ACTR_DEMUX_UNKNOWN);

    /* CSRC count 1, extension of one word, 2 bytes of padding, marker, PT 111 */
    uint8_t p[] = {0xb1, 0xef, 0x12, 0x34, 0, 0, 0x10, 0, 0xde, 0xad, 0xbe, 0xef,
                   1, 2, 3, 4,                  /* CSRC */
                   0xbe, 0xde, 0, 1, 9, 9, 9, 9, /* extension */
                   'a', 'b', 'c', 0, 2};         /* payload "abc" + 2 padding */
    actr_rtp_header_t h;
    assert_int_equal(actr_rtp_parse(p, sizeof p, &h), 0);
    assert_true(h.marker && h.padding && h.extension);
    assert_int_equal(h.pt, 111);
    assert_int_equal(h.seq, 0x1234);
    assert_int_equal(h.timestamp, 0x1000);
    assert_int_equal(h.ssrc, 0xdeadbeef);
    assert_int_equal(h.header_len, 24);
    assert_int_equal(h.payload_len, 3);
    for (size_t n = 0; n < sizeof p - 4; n++) /* every truncation is refused or shorter */
        assert_true(actr_rtp_parse(p, n, &h) == ACTR_EPROTO || h.header_len <= n);
    p[sizeof p - 1] = 40; /* padding longer than the packet */
    assert_int_equal(actr_rtp_parse(p, sizeof p, &h), ACTR_EPROTO);
    p[0] = 0x40; /* version 1 */
    assert_int_equal(actr_rtp_parse(p, sizeof p, &h), ACTR_EPROTO);
}

static void test_sender(void **state)
{
    (void)state;
    actr_rtp_sender_t s;
    assert_int_equal(actr_rtp_sender_init(&s, ACTR_SDP_CODEC_VP8, 96, 0), 0);
    assert_true(s.ssrc != 0);
    s.seq = 65535; /* wrap */
    uint8_t out[ACTR_RTP_HEADER_LEN + 100];
    size_t n;
    static const uint8_t sample[5] = {1, 2, 3, 4, 5};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(actr_rtp_write_sample(&s, 90000u * (uint32_t)i, sample, 5, out, sizeof out, &n), 0);
        assert_int_equal(n, 17);
        actr_rtp_header_t h;
        assert_int_equal(actr_rtp_parse(out, n, &h), 0);
        assert_true(h.marker);
        assert_int_equal(h.pt, 96);
        assert_int_equal(h.seq, i == 0 ? 65535 : 0);
        assert_int_equal(h.timestamp, 90000u * (uint32_t)i);
        assert_int_equal(h.ssrc, s.ssrc);
        assert_memory_equal(out + h.header_len, sample, 5);
    }
    static uint8_t big[ACTR_RTP_MAX_PAYLOAD + 1];
    static uint8_t bigout[2048];
    assert_int_equal(actr_rtp_write_sample(&s, 0, big, sizeof big, bigout, sizeof bigout, &n),
                     ACTR_ETOOBIG);
    assert_int_equal(actr_rtp_write_sample(&s, 0, sample, 5, out, 16, &n), ACTR_ETOOBIG);
    assert_int_equal(actr_rtp_sender_init(&s, ACTR_SDP_CODEC_UNKNOWN, 96, 1), ACTR_EINVAL);
}

/* libsrtp's own reference (test/srtp_driver.c, srtp_validate): AES_CM_128_HMAC_SHA1_80. */
static const uint8_t KEY[16] = {0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0,
                                0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39};
static const uint8_t SALT[14] = {0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe,
                                 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};
static const uint8_t PLAIN[28] = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe,
                                  0xba, 0xbe, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                                  0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
static const uint8_t CIPHER[38] = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe,
                                   0xba, 0xbe, 0x4e, 0x55, 0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8,
                                   0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d, 0x24, 0x02, 0xb7, 0x8d,
                                   0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb};

static void test_srtp_vector_tamper_replay(void **state)
{
    (void)state;
    actr_srtp_t *tx, *rx;
    assert_int_equal(actr_srtp_new(ACTR_SRTP_AES128_CM_SHA1_80, KEY, 16, SALT, 14, 1, &tx), 0);
    assert_int_equal(actr_srtp_new(ACTR_SRTP_AES128_CM_SHA1_80, KEY, 16, SALT, 14, 0, &rx), 0);
    uint8_t pkt[28 + ACTR_SRTP_TRAILER_ROOM];
    memcpy(pkt, PLAIN, 28);
    size_t n;
    assert_int_equal(actr_srtp_protect(tx, pkt, 28, sizeof pkt, &n), 0);
    assert_int_equal(n, 38);
    assert_memory_equal(pkt, CIPHER, 38);
    uint8_t copy[38];
    memcpy(copy, pkt, 38);
    assert_int_equal(actr_srtp_unprotect(rx, pkt, 38, &n), 0);
    assert_int_equal(n, 28);
    assert_memory_equal(pkt, PLAIN, 28);
    /* replay of the same packet */
    memcpy(pkt, copy, 38);
    assert_int_equal(actr_srtp_unprotect(rx, pkt, 38, &n), ACTR_EEXIST);
    /* tampered payload, tampered tag, truncated */
    memcpy(pkt, PLAIN, 28);
    pkt[3] = 0x35; /* next sequence number */
    assert_int_equal(actr_srtp_protect(tx, pkt, 28, sizeof pkt, &n), 0);
    memcpy(copy, pkt, 38);
    pkt[20] ^= 1;
    assert_int_equal(actr_srtp_unprotect(rx, pkt, 38, &n), ACTR_ESIGNATURE);
    memcpy(pkt, copy, 38);
    pkt[37] ^= 0x80;
    assert_int_equal(actr_srtp_unprotect(rx, pkt, 38, &n), ACTR_ESIGNATURE);
    memcpy(pkt, copy, 38);
    assert_true(actr_srtp_unprotect(rx, pkt, 11, &n) < 0);
    assert_int_equal(actr_srtp_unprotect(rx, pkt, 38, &n), 0); /* the genuine one still passes */
    /* no room for the trailer */
    assert_int_equal(actr_srtp_protect(tx, pkt, 28, 40, &n), ACTR_ETOOBIG);
    /* bad arguments */
    actr_srtp_t *bad;
    assert_int_equal(actr_srtp_new(ACTR_SRTP_AES128_CM_SHA1_80, KEY, 15, SALT, 14, 1, &bad), ACTR_EINVAL);
    assert_int_equal(actr_srtp_new((actr_srtp_profile_t)5, KEY, 16, SALT, 14, 1, &bad), ACTR_EUNSUPPORTED);
    actr_srtp_free(tx);
    actr_srtp_free(rx);
}

/* Keys laid out as the DTLS-SRTP exporter gives them; each profile; both directions; RTCP. */
static void test_srtp_dtls_profiles(void **state)
{
    (void)state;
    static const actr_srtp_profile_t profiles[] = {
        ACTR_SRTP_AES128_CM_SHA1_80, ACTR_SRTP_AES128_CM_SHA1_32, ACTR_SRTP_AEAD_AES_128_GCM,
        ACTR_SRTP_AEAD_AES_256_GCM};
    for (size_t p = 0; p < 4; p++) {
        uint8_t material[88];
        size_t len = actr_srtp_export_len(profiles[p]);
        assert_true(len > 0 && len <= sizeof material);
        for (size_t i = 0; i < len; i++)
            material[i] = (uint8_t)(i * 13 + p);
        actr_srtp_t *ctx, *crx, *stx, *srx;
        assert_int_equal(actr_srtp_from_dtls(profiles[p], material, len, 1, &ctx, &crx), 0);
        assert_int_equal(actr_srtp_from_dtls(profiles[p], material, len, 0, &stx, &srx), 0);
        actr_srtp_t *none1, *none2;
        assert_int_equal(actr_srtp_from_dtls(profiles[p], material, len - 1, 0, &none1, &none2),
                         ACTR_EINVAL);
        assert_null(none1);
        assert_null(none2);
        actr_rtp_sender_t s;
        assert_int_equal(actr_rtp_sender_init(&s, ACTR_SDP_CODEC_OPUS, 111, 42), 0);
        uint8_t pkt[ACTR_RTP_HEADER_LEN + 100 + ACTR_SRTP_TRAILER_ROOM];
        static const uint8_t sample[100] = {7};
        for (int dir = 0; dir < 2; dir++) {
            actr_srtp_t *tx = dir ? stx : ctx, *rx = dir ? crx : srx, *wrong = dir ? srx : crx;
            size_t n, m;
            assert_int_equal(actr_rtp_write_sample(&s, 960, sample, 100, pkt, sizeof pkt, &n), 0);
            assert_int_equal(actr_srtp_protect(tx, pkt, n, sizeof pkt, &m), 0);
            assert_true(m > n);
            assert_true(memcmp(pkt + ACTR_RTP_HEADER_LEN, sample, 100) != 0); /* encrypted */
            uint8_t copy[sizeof pkt];
            memcpy(copy, pkt, m);
            /* the context of the other direction has the other key: authentication fails */
            assert_int_equal(actr_srtp_unprotect(wrong, copy, m, &n), ACTR_ESIGNATURE);
            assert_int_equal(actr_srtp_unprotect(rx, pkt, m, &n), 0);
            assert_int_equal(n, ACTR_RTP_HEADER_LEN + 100);
            assert_memory_equal(pkt + ACTR_RTP_HEADER_LEN, sample, 100);
            /* RTCP: a minimal receiver report */
            uint8_t rr[8 + ACTR_SRTP_TRAILER_ROOM] = {0x80, 201, 0, 1, 0, 0, 0, 42};
            assert_int_equal(actr_srtp_protect_rtcp(tx, rr, 8, sizeof rr, &m), 0);
            assert_int_equal(actr_srtp_unprotect_rtcp(rx, rr, m, &n), 0);
            assert_int_equal(n, 8);
            assert_int_equal(rr[1], 201);
        }
        actr_srtp_free(ctx);
        actr_srtp_free(crx);
        actr_srtp_free(stx);
        actr_srtp_free(srx);
    }
}

static void test_track_map(void **state)
{
    (void)state;
    actr_sdp_local_t l;
    memset(&l, 0, sizeof l);
    l.ice_ufrag = "abcd";
    l.ice_pwd = "0123456789012345678901";
    l.data_channel = 1;
    l.track_count = 2;
    l.tracks[0] = (actr_sdp_track_t){.codec = ACTR_SDP_CODEC_VP8, .track_id = "cam", .ssrc = 1111};
    l.tracks[1] = (actr_sdp_track_t){.codec = ACTR_SDP_CODEC_OPUS, .track_id = "mic", .ssrc = 2222};
    actr_sdp_t *remote = actr_sdp_new();
    assert_int_equal(actr_sdp_build_offer(&l, NULL, remote, NULL), 0);
    actr_rtp_track_map_t map;
    actr_rtp_track_map_init(&map, remote);
    assert_int_equal(map.count, 2);
    actr_rtp_sender_t s;
    uint8_t pkt[64];
    size_t n;
    actr_rtp_sample_t out;
    /* by announced SSRC */
    assert_int_equal(actr_rtp_sender_init(&s, ACTR_SDP_CODEC_VP8, 96, 1111), 0);
    assert_int_equal(actr_rtp_write_sample(&s, 3000, (const uint8_t *)"frame", 5, pkt, sizeof pkt, &n), 0);
    assert_int_equal(actr_rtp_track_map_resolve(&map, pkt, n, &out), 0);
    assert_string_equal(out.track_id, "cam");
    assert_string_equal(out.codec, "VP8");
    assert_true(out.video);
    assert_int_equal(out.timestamp, 3000);
    assert_int_equal(out.payload_len, 5);
    assert_memory_equal(out.payload, "frame", 5);
    /* an unannounced SSRC resolved by a payload type unique to one section, then learned */
    assert_int_equal(actr_rtp_sender_init(&s, ACTR_SDP_CODEC_OPUS, 111, 777), 0);
    assert_int_equal(actr_rtp_write_sample(&s, 960, (const uint8_t *)"a", 1, pkt, sizeof pkt, &n), 0);
    assert_int_equal(actr_rtp_track_map_resolve(&map, pkt, n, &out), 0);
    assert_string_equal(out.track_id, "mic");
    assert_string_equal(out.codec, "OPUS");
    assert_false(out.video);
    assert_int_equal(map.count, 3);
    /* unknown payload type, not RTP */
    assert_int_equal(actr_rtp_sender_init(&s, ACTR_SDP_CODEC_VP8, 50, 999), 0);
    assert_int_equal(actr_rtp_write_sample(&s, 0, NULL, 0, pkt, sizeof pkt, &n), 0);
    assert_int_equal(actr_rtp_track_map_resolve(&map, pkt, n, &out), ACTR_ENOTFOUND);
    assert_int_equal(actr_rtp_track_map_resolve(&map, pkt, 3, &out), ACTR_EPROTO);
    actr_sdp_free(remote);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_and_parse),
        cmocka_unit_test(test_sender),
        cmocka_unit_test(test_srtp_vector_tamper_replay),
        cmocka_unit_test(test_srtp_dtls_profiles),
        cmocka_unit_test(test_track_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
