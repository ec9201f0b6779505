/* SDP module against real descriptions captured from libwebrtc (@roamhq/wrtc) and werift
 * (the .sdp files of tests/interop/fixtures, written by tests/interop/capture_sdp.js): parse, values as in the
 * text, write/parse round trip, and our answers to their offers. */
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

static char *load(const char *name, size_t *len)
{
    const char *src = getenv("ACTR_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/interop/fixtures/%s.sdp", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = calloc(1, ACTR_SDP_TEXT_MAX + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, ACTR_SDP_TEXT_MAX, f);
    fclose(f);
    return buf;
}

/* The value after the first "a=<attr>:" in text, up to the line end. */
static void attr_value(const char *text, const char *attr, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "a=%s:", attr);
    const char *p = strstr(text, key);
    assert_non_null(p);
    p += strlen(key);
    size_t n = strcspn(p, "\r\n");
    assert_true(n < cap);
    memcpy(out, p, n);
    out[n] = '\0';
}

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Parses a fixture and checks it against its own text; returns the model (caller frees). */
static actr_sdp_t *parse_fixture(const char *name, char **text_out)
{
    size_t len;
    char *text = load(name, &len);
    actr_sdp_t *sdp = actr_sdp_new();
    actr_error_t err;
    int rc = actr_sdp_parse(text, len, sdp, &err);
    if (rc != 0)
        fail_msg("%s: %s", name, err.message);
    assert_int_equal(sdp->media_count, count(text, "\nm="));
    char ufrag[300], pwd[300], fp[200];
    attr_value(text, "ice-ufrag", ufrag, sizeof ufrag);
    attr_value(text, "ice-pwd", pwd, sizeof pwd);
    attr_value(text, "fingerprint", fp, sizeof fp);
    uint8_t fpb[32];
    assert_int_equal(actr_sdp_fingerprint_parse(fp + strlen("sha-256 "), strlen(fp) - 8, fpb), 0);
    int candidates = 0;
    for (unsigned i = 0; i < sdp->media_count; i++) {
        const actr_sdp_media_t *m = &sdp->media[i];
        assert_string_equal(m->ice_ufrag, ufrag); /* both stacks bundle: one ufrag */
        assert_string_equal(m->ice_pwd, pwd);
        assert_true(m->ice_trickle);
        assert_memory_equal(m->fingerprint, fpb, 32);
        assert_true(m->mid[0] != '\0');
        candidates += m->candidate_count;
        if (m->kind == ACTR_SDP_KIND_APPLICATION)
            assert_int_equal(m->sctp_port, 5000);
        else
            assert_true(m->rtcp_mux);
    }
    assert_int_equal(candidates, count(text, "a=candidate:"));
    assert_int_equal(sdp->bundle_count, sdp->media_count);
    /* round trip: our text of their description parses to the same model */
    char *ours = NULL;
    assert_int_equal(actr_sdp_write_alloc(sdp, &ours, NULL, &err), 0);
    actr_sdp_t *back = actr_sdp_new();
    assert_int_equal(actr_sdp_parse(ours, strlen(ours), back, &err), 0);
    back->ignored_lines = sdp->ignored_lines;
    back->session_id = sdp->session_id; /* the writer clamps ids to < 2^63 */
    assert_memory_equal(back, sdp, sizeof *sdp);
    free(ours);
    actr_sdp_free(back);
    if (text_out)
        *text_out = text;
    else
        free(text);
    return sdp;
}

static void local_init(actr_sdp_local_t *l)
{
    memset(l, 0, sizeof *l);
    l->ice_ufrag = "ours";
    l->ice_pwd = "ourpasswordourpassword";
    l->session_id = 42;
    l->data_channel = 1;
    actr_sdp_track_t *t = &l->tracks[l->track_count++];
    t->codec = ACTR_SDP_CODEC_VP8;
    strcpy(t->track_id, "cam");
    t->ssrc = 7;
}

static void test_wrtc_offer_data(void **state)
{
    (void)state;
    actr_sdp_t *sdp = parse_fixture("wrtc_offer_data", NULL);
    assert_int_equal(sdp->media_count, 1);
    assert_int_equal(sdp->media[0].kind, ACTR_SDP_KIND_APPLICATION);
    assert_int_equal(sdp->media[0].setup, ACTR_SDP_SETUP_ACTPASS);
    assert_int_equal(actr_sdp_max_message_size(&sdp->media[0]), 262144);
    assert_string_equal(sdp->media[0].proto, "UDP/DTLS/SCTP");
    actr_sdp_t *restart = parse_fixture("wrtc_offer_ice_restart", NULL);
    assert_true(actr_sdp_is_ice_restart(sdp, restart));
    actr_sdp_free(restart);
    actr_sdp_free(sdp);
}

static void test_wrtc_offer_gathered(void **state)
{
    (void)state;
    actr_sdp_t *sdp = parse_fixture("wrtc_offer_data_gathered", NULL);
    const actr_sdp_media_t *m = &sdp->media[0];
    assert_true(m->candidate_count >= 1);
    int udp = 0, tcp = 0;
    for (unsigned i = 0; i < m->candidate_count; i++) {
        assert_int_equal(m->candidates[i].type, ACTR_SDP_CAND_HOST);
        assert_true(m->candidates[i].has_network_id);
        udp += !m->candidates[i].tcp;
        tcp += m->candidates[i].tcp && m->candidates[i].tcptype == ACTR_SDP_TCPTYPE_PASSIVE;
    }
    assert_true(udp >= 1);
    assert_int_equal(udp + tcp, m->candidate_count);
    actr_sdp_free(sdp);
}

static void test_wrtc_offer_av(void **state)
{
    (void)state;
    actr_sdp_t *sdp = parse_fixture("wrtc_offer_av", NULL);
    assert_int_equal(sdp->media_count, 3);
    const actr_sdp_media_t *audio = &sdp->media[0], *video = &sdp->media[1];
    assert_int_equal(audio->kind, ACTR_SDP_KIND_AUDIO);
    assert_int_equal(actr_sdp_codec_pt(audio, ACTR_SDP_CODEC_OPUS), 111);
    assert_string_equal(audio->codecs[0].fmtp, "minptime=10;useinbandfec=1");
    assert_int_equal(audio->codecs[0].channels, 2);
    assert_int_equal(video->kind, ACTR_SDP_KIND_VIDEO);
    assert_int_equal(actr_sdp_codec_pt(video, ACTR_SDP_CODEC_VP8), 96);
    assert_int_equal(video->direction, ACTR_SDP_DIR_SENDRECV);
    assert_true(video->msid_track[0] != '\0');
    assert_int_equal(video->ssrc_count >= 1, 1);
    assert_string_equal(video->ssrcs[0].msid_track, video->msid_track);

    actr_sdp_local_t l;
    local_init(&l);
    actr_sdp_t *answer = actr_sdp_new();
    assert_int_equal(actr_sdp_build_answer(sdp, &l, answer, NULL), 0);
    assert_int_equal(answer->media_count, 3);
    assert_int_equal(answer->media[0].direction, ACTR_SDP_DIR_RECVONLY); /* no audio track */
    assert_int_equal(answer->media[0].codec_count, 1);
    assert_int_equal(answer->media[0].codecs[0].pt, 111);
    assert_int_equal(answer->media[1].direction, ACTR_SDP_DIR_SENDRECV);
    assert_int_equal(answer->media[1].codecs[0].pt, 96);
    assert_int_equal(answer->media[1].codec_count, 1); /* VP8 only: no H264 offered */
    assert_int_equal(answer->media[2].kind, ACTR_SDP_KIND_APPLICATION);
    assert_int_equal(answer->bundle_count, 3);
    actr_sdp_free(answer);
    actr_sdp_free(sdp);
}

static void test_werift_offers(void **state)
{
    (void)state;
    actr_sdp_t *sdp = parse_fixture("werift_offer_data", NULL);
    assert_int_equal(actr_sdp_find_application(sdp), 0);
    assert_int_equal(actr_sdp_max_message_size(&sdp->media[0]), 65536);
    actr_sdp_free(sdp);

    sdp = parse_fixture("werift_offer_av", NULL);
    assert_int_equal(sdp->media_count, 3);
    assert_int_equal(actr_sdp_codec_pt(&sdp->media[0], ACTR_SDP_CODEC_OPUS), 96);
    assert_int_equal(actr_sdp_codec_pt(&sdp->media[1], ACTR_SDP_CODEC_VP8), 97);
    assert_int_equal(actr_sdp_codec_pt(&sdp->media[1], ACTR_SDP_CODEC_H264), 98);
    assert_true(sdp->media[0].end_of_candidates);
    assert_string_equal(sdp->media[0].candidates[0].ufrag, sdp->media[0].ice_ufrag);
    actr_sdp_local_t l;
    local_init(&l);
    l.tracks[0].codec = ACTR_SDP_CODEC_H264;
    actr_sdp_t *answer = actr_sdp_new();
    assert_int_equal(actr_sdp_build_answer(sdp, &l, answer, NULL), 0);
    /* the offerer's payload types: opus 96, VP8 97, H264 98 with its fmtp */
    assert_int_equal(actr_sdp_codec_pt(&answer->media[0], ACTR_SDP_CODEC_OPUS), 96);
    assert_int_equal(actr_sdp_codec_pt(&answer->media[1], ACTR_SDP_CODEC_VP8), 97);
    assert_int_equal(actr_sdp_codec_pt(&answer->media[1], ACTR_SDP_CODEC_H264), 98);
    assert_non_null(strstr(answer->media[1].codecs[1].fmtp, "packetization-mode=1"));
    assert_int_equal(answer->media[1].direction, ACTR_SDP_DIR_SENDRECV);
    assert_string_equal(answer->media[1].msid_track, "cam");
    actr_sdp_free(answer);
    actr_sdp_free(sdp);
}

static void test_their_answers(void **state)
{
    (void)state;
    static const char *const names[] = {"wrtc_answer_av", "werift_answer_av"};
    for (int i = 0; i < 2; i++) {
        actr_sdp_t *sdp = parse_fixture(names[i], NULL);
        assert_int_equal(sdp->media_count, 3);
        for (int k = 0; k < 3; k++)
            assert_int_equal(sdp->media[k].setup, ACTR_SDP_SETUP_ACTIVE);
        /* their answer makes us (the actpass offerer) the DTLS server */
        assert_int_equal(actr_sdp_dtls_client(ACTR_SDP_SETUP_ACTPASS, sdp->media[0].setup), 0);
        assert_int_equal(sdp->media[0].direction, ACTR_SDP_DIR_RECVONLY);
        actr_sdp_free(sdp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrtc_offer_data),
        cmocka_unit_test(test_wrtc_offer_gathered),
        cmocka_unit_test(test_wrtc_offer_av),
        cmocka_unit_test(test_werift_offers),
        cmocka_unit_test(test_their_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
