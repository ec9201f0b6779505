/*
 * test_rtc_units.c - the WebRTC pieces that need no second peer: the DCEP codec and lane table,
 * ICE remote-candidate buffering (limit 256, stale ufrags, mDNS, missing ufrag), the process
 * certificate's fingerprint, and the GLib pump's fd bookkeeping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <string.h>

#include <cmocka.h>

#include "actr/error.h"
#include "wire/webrtc/dcep.h"
#include "wire/webrtc/dtls.h"
#include "wire/webrtc/gpump.h"
#include "wire/webrtc/ice.h"

static void test_dcep_roundtrip(void **state)
{
    (void)state;
    for (int l = 0; l < ACTR_RTC_LANE_COUNT; l++) {
        uint8_t buf[64];
        size_t n = actr_dcep_encode_open((actr_rtc_lane_t)l, buf, sizeof(buf));
        assert_true(n > 12);
        actr_dcep_open_t o;
        assert_int_equal(actr_dcep_decode_open(buf, n, &o), 0);
        const actr_rtc_lane_info_t *li = actr_rtc_lane_info((actr_rtc_lane_t)l);
        assert_string_equal(o.label, li->label);
        assert_string_equal(o.protocol, "");
        assert_int_equal(actr_rtc_lane_by_label(o.label, strlen(o.label)), l);
        bool unordered;
        int rexmit;
        actr_dcep_open_qos(&o, &unordered, &rexmit);
        assert_int_equal(unordered, li->unordered);
        assert_int_equal(rexmit, li->max_rexmit);
        assert_int_equal(actr_dcep_encode_open((actr_rtc_lane_t)l, buf, 12), 0); /* too small */
    }
    /* STREAM_LATENCY_FIRST on the wire: PARTIAL_RELIABLE_REXMIT_UNORDERED, 3 retransmissions. */
    uint8_t buf[64];
    size_t n = actr_dcep_encode_open(ACTR_RTC_LANE_STREAM_LATENCY_FIRST, buf, sizeof(buf));
    assert_int_equal(n, 12 + strlen("STREAM_LATENCY_FIRST"));
    assert_int_equal(buf[0], 0x03);
    assert_int_equal(buf[1], 0x81);
    assert_int_equal(buf[7], 3);
    assert_int_equal(actr_rtc_lane_by_label("chat", 4), -1);
    assert_null(actr_rtc_lane_info((actr_rtc_lane_t)4));
}

static void test_dcep_malformed(void **state)
{
    (void)state;
    actr_dcep_open_t o;
    uint8_t buf[64];
    size_t n = actr_dcep_encode_open(ACTR_RTC_LANE_RPC_SIGNAL, buf, sizeof(buf));
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(actr_dcep_decode_open(buf, cut, &o), ACTR_EPARSE);
    buf[0] = 0x02;
    assert_int_equal(actr_dcep_decode_open(buf, n, &o), ACTR_EPARSE);
    buf[0] = 0x03;
    buf[8] = 0xff; /* label length beyond the message */
    assert_int_equal(actr_dcep_decode_open(buf, n, &o), ACTR_EPARSE);
    assert_int_equal(actr_dcep_decode_open(NULL, 0, &o), ACTR_EPARSE);
    /* A label with a protocol is accepted and split right. */
    static const uint8_t withproto[] = {0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 2, 0, 3,
                                        'a', 'b', 'x', 'y', 'z'};
    assert_int_equal(actr_dcep_decode_open(withproto, sizeof(withproto), &o), 0);
    assert_string_equal(o.label, "ab");
    assert_string_equal(o.protocol, "xyz");
}

static void test_fingerprint_stable(void **state)
{
    (void)state;
    uint8_t a[ACTR_DTLS_FINGERPRINT_LEN], b[ACTR_DTLS_FINGERPRINT_LEN];
    assert_int_equal(actr_dtls_local_fingerprint(a), 0);
    assert_int_equal(actr_dtls_local_fingerprint(b), 0);
    assert_memory_equal(a, b, sizeof(a)); /* one certificate per process */
    uint8_t zero[ACTR_DTLS_FINGERPRINT_LEN] = {0};
    assert_memory_not_equal(a, zero, sizeof(a));
}

typedef struct ice_ctx {
    int candidates;
    int done;
} ice_ctx_t;

static void on_cand(void *arg, const char *cand, const char *ufrag)
{
    ice_ctx_t *c = arg;
    assert_true(strncmp(cand, "candidate:", 10) == 0);
    assert_true(strlen(ufrag) >= 4);
    c->candidates++;
}

static void on_done(void *arg)
{
    ((ice_ctx_t *)arg)->done = 1;
}

static void run_bounded(uv_loop_t *loop, int *flag, int ms)
{
    for (int i = 0; i < ms && !*flag; i++) {
        uv_run(loop, UV_RUN_NOWAIT);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static void test_ice_candidate_buffering(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    actr_gpump_t *pump;
    assert_int_equal(actr_gpump_new(&loop, &pump), 0);
    actr_ice_config_t cfg;
    actr_ice_config_init(&cfg);
    static const char *const lo[] = {"127.0.0.1"};
    cfg.local_addresses = lo;
    cfg.nlocal_addresses = 1;
    ice_ctx_t ctx = {0};
    actr_ice_callbacks_t cbs = {.on_candidate = on_cand, .on_gathering_done = on_done};
    actr_ice_t *ice;
    assert_int_equal(actr_ice_new(pump, &cfg, &cbs, &ctx, &ice), 0);
    assert_int_equal(actr_ice_gather(ice), 0);
    run_bounded(&loop, &ctx.done, 2000);
    assert_true(ctx.done);
    assert_int_equal(ctx.candidates, 1); /* one host candidate on 127.0.0.1 */
    uv_run(&loop, UV_RUN_NOWAIT); /* one more prepare: the pump now watches the socket */
    assert_true(actr_gpump_nfds(pump) >= 1);

    actr_ice_cand_result_t r;
    char line[128];
    /* Before remote credentials: buffered, up to 256. */
    for (int i = 0; i < ACTR_ICE_MAX_BUFFERED; i++) {
        snprintf(line, sizeof(line), "candidate:%d 1 UDP 2015363327 127.0.0.1 %d typ host", i,
                 10000 + i);
        assert_int_equal(actr_ice_add_remote_candidate(ice, line, i % 2 ? "ufA1" : "ufB2", &r), 0);
        assert_int_equal(r, ACTR_ICE_CAND_BUFFERED);
    }
    assert_int_equal(actr_ice_add_remote_candidate(ice, line, "ufA1", &r), 0);
    assert_int_equal(r, ACTR_ICE_CAND_DROPPED_FULL);
    assert_int_equal(actr_ice_add_remote_candidate(ice, line, "", &r), ACTR_EINVAL);
    assert_int_equal(actr_ice_add_remote_candidate(ice, "typ host", "ufA1", &r), ACTR_EPARSE);
    /* Credentials for ufA1: its 128 candidates are applied, ufB2's stay buffered. */
    assert_int_equal(actr_ice_set_remote_credentials(ice, "ufA1", "0123456789012345678901"), 0);
    actr_ice_stats_t st;
    actr_ice_get_stats(ice, &st);
    assert_int_equal(st.cand_applied, 128);
    /* Moving to ufB2 retires ufA1: ufB2's 128 are applied now, ufA1 is stale from here on. */
    assert_int_equal(actr_ice_set_remote_credentials(ice, "ufB2", "0123456789012345678901"), 0);
    actr_ice_get_stats(ice, &st);
    assert_int_equal(st.cand_applied, 256);
    assert_int_equal(actr_ice_add_remote_candidate(ice, line, "ufA1", &r), 0);
    assert_int_equal(r, ACTR_ICE_CAND_DROPPED_STALE);
    /* Current ufrag: applied at once; mDNS and TCP: skipped. */
    assert_int_equal(actr_ice_add_remote_candidate(
                         ice, "a=candidate:7 1 udp 2122260223 127.0.0.1 40000 typ host generation 0 "
                              "ufrag ufB2 network-id 1",
                         "ufB2", &r), 0);
    assert_int_equal(r, ACTR_ICE_CAND_APPLIED);
    assert_int_equal(actr_ice_add_remote_candidate(
                         ice, "candidate:8 1 udp 2122260223 6b7e1c0e-1111-2222-3333-444455556666.local "
                              "40001 typ host", "ufB2", &r), 0);
    assert_int_equal(r, ACTR_ICE_CAND_SKIPPED);
    assert_int_equal(actr_ice_add_remote_candidate(
                         ice, "candidate:9 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active",
                         "ufB2", &r), 0);
    assert_int_equal(r, ACTR_ICE_CAND_SKIPPED);
    /* A future ufrag is buffered (it may belong to a restart whose offer is still coming). */
    assert_int_equal(actr_ice_add_remote_candidate(ice, line, "ufC3", &r), 0);
    assert_int_equal(r, ACTR_ICE_CAND_BUFFERED);
    /* Restart: new local credentials, ufB2 becomes stale. */
    char u1[ACTR_ICE_UFRAG_MAX], p1[ACTR_ICE_PWD_MAX], u2[ACTR_ICE_UFRAG_MAX], p2[ACTR_ICE_PWD_MAX];
    assert_int_equal(actr_ice_local_credentials(ice, u1, p1), 0);
    int before = ctx.candidates;
    assert_int_equal(actr_ice_restart(ice), 0);
    assert_int_equal(actr_ice_local_credentials(ice, u2, p2), 0);
    assert_string_not_equal(u1, u2);
    assert_string_not_equal(p1, p2);
    assert_int_equal(ctx.candidates, before + 1); /* announced again with the new ufrag */
    assert_string_equal(actr_ice_remote_ufrag(ice), "");
    assert_int_equal(actr_ice_add_remote_candidate(ice, line, "ufB2", &r), 0);
    assert_int_equal(r, ACTR_ICE_CAND_DROPPED_STALE);
    assert_int_equal(actr_ice_send(ice, (const uint8_t *)"x", 1), ACTR_ESTATE);

    actr_ice_free(ice);
    actr_gpump_close(pump);
    for (int i = 0; i < 100 && uv_run(&loop, UV_RUN_NOWAIT); i++)
        ;
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_ice_bad_servers(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    actr_gpump_t *pump;
    assert_int_equal(actr_gpump_new(&loop, &pump), 0);
    actr_ice_server_t servers[] = {
        {"stun:stun.example.org:3478", NULL, NULL}, /* host name: skipped, not resolved */
        {"turns:127.0.0.1:5349", "u", "p"},         /* TLS: not supported */
        {"stun:127.0.0.1:99999", NULL, NULL},       /* bad port */
        {"turn:127.0.0.1:3478?transport=udp", "user", "pass"},
        {"stun:localhost", NULL, NULL},
        {NULL, NULL, NULL},
    };
    actr_ice_config_t cfg;
    actr_ice_config_init(&cfg);
    cfg.servers = servers;
    cfg.nservers = sizeof(servers) / sizeof(servers[0]);
    actr_ice_t *ice;
    assert_int_equal(actr_ice_new(pump, &cfg, NULL, NULL, &ice), 0);
    actr_ice_free(ice); /* with TURN: closed asynchronously through the pump */
    for (int i = 0; i < 200; i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    actr_gpump_close(pump);
    for (int i = 0; i < 100 && uv_run(&loop, UV_RUN_NOWAIT); i++)
        ;
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dcep_roundtrip),
        cmocka_unit_test(test_dcep_malformed),
        cmocka_unit_test(test_fingerprint_stable),
        cmocka_unit_test(test_ice_candidate_buffering),
        cmocka_unit_test(test_ice_bad_servers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
