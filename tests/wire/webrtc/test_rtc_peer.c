/*
 * test_rtc_peer.c - two of our WebRTC peer connections in one process over 127.0.0.1: connect
 * with all four lanes and their QoS, messages both ways (empty, small, max-size), backpressure
 * thresholds, fingerprint mismatch, ICE restart keeping the channels, early candidates,
 * garbage datagrams, unknown labels, and a clean close (run under ASan for leaks).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtc_pair.h"
#include "wire/webrtc/peer_internal.h"

static bool got_80(rtc_pair_t *pr)
{
    return pr->a.nmsgs >= 80;
}

static bool got_msgs_b(rtc_pair_t *pr)
{
    return pr->b.nmsgs >= 4 * 3;
}

static bool got_msgs_a(rtc_pair_t *pr)
{
    return pr->a.nmsgs >= 4 * 3;
}

static void test_connect_all_lanes(void **state)
{
    (void)state;
    rtc_pair_t pr;
    assert_int_equal(rtc_pair_init(&pr, NULL), 0);
    assert_true(rtc_pair_connect(&pr));
    assert_int_equal(actr_rtc_peer_state(pr.a.peer), ACTR_RTC_CONNECTED);
    assert_int_equal(actr_rtc_peer_state(pr.b.peer), ACTR_RTC_CONNECTED);
    for (int l = 0; l < ACTR_RTC_LANE_COUNT; l++) {
        assert_int_equal(pr.a.opened[l], 1);
        assert_int_equal(pr.b.opened[l], 1);
        /* QoS as spec 8.1 says, on both ends (the answerer learnt it from DCEP). */
        bool lf = l == ACTR_RTC_LANE_STREAM_LATENCY_FIRST;
        assert_int_equal(pr.a.peer->chans[l].unordered, lf);
        assert_int_equal(pr.b.peer->chans[l].unordered, lf);
        assert_int_equal(pr.a.peer->chans[l].max_rexmit, lf ? 3 : -1);
        assert_int_equal(pr.b.peer->chans[l].max_rexmit, lf ? 3 : -1);
        /* The answerer is the DTLS client (setup:active): the offerer, DTLS server, uses odd
         * stream ids (pitfall 7). */
        assert_int_equal(pr.a.peer->chans[l].sid % 2, 1);
        assert_int_equal(pr.a.peer->chans[l].sid, pr.b.peer->chans[l].sid);
    }
    assert_true(actr_dtls_is_client(pr.b.peer->dtls));
    assert_false(actr_dtls_is_client(pr.a.peer->dtls));
    /* DTLS-SRTP keying material for media: what one side protects with the other unprotects. */
    actr_dtls_srtp_t ka, kb;
    assert_int_equal(actr_rtc_peer_srtp_keys(pr.a.peer, &ka), 0);
    assert_int_equal(actr_rtc_peer_srtp_keys(pr.b.peer, &kb), 0);
    assert_int_equal(ka.profile, kb.profile);
    assert_true(ka.key_len == 16 && (ka.salt_len == 12 || ka.salt_len == 14));
    assert_memory_equal(ka.local_key, kb.remote_key, ka.key_len);
    assert_memory_equal(ka.remote_key, kb.local_key, ka.key_len);
    assert_memory_equal(ka.local_salt, kb.remote_salt, ka.salt_len);
    assert_memory_not_equal(ka.local_key, ka.remote_key, ka.key_len);
    assert_int_equal(rtc_pair_destroy(&pr), 0);
}

/* Empty, small and max-size messages on every lane, both directions, byte-exact. */
static void test_messages_both_ways(void **state)
{
    (void)state;
    rtc_pair_t pr;
    assert_int_equal(rtc_pair_init(&pr, NULL), 0);
    assert_true(rtc_pair_connect(&pr));
    size_t max = actr_rtc_peer_max_send(pr.a.peer);
    assert_int_equal(max, 262144);
    uint8_t *big = malloc(max);
    for (size_t i = 0; i < max; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    rtc_side_t *sides[2] = {&pr.a, &pr.b};
    for (int s = 0; s < 2; s++) {
        for (int l = 0; l < ACTR_RTC_LANE_COUNT; l++) {
            actr_rtc_peer_t *p = sides[s]->peer;
            assert_int_equal(actr_rtc_peer_send(p, (actr_rtc_lane_t)l, NULL, 0, true), 0);
            assert_int_equal(actr_rtc_peer_send(p, (actr_rtc_lane_t)l, (const uint8_t *)"hi", 2,
                                                false), 0);
            assert_int_equal(actr_rtc_peer_send(p, (actr_rtc_lane_t)l, big, max, true), 0);
        }
        assert_int_equal(actr_rtc_peer_send(sides[s]->peer, ACTR_RTC_LANE_RPC_RELIABLE, big,
                                            max + 1, true), ACTR_ETOOBIG);
    }
    assert_true(rtc_run_until(&pr, got_msgs_b, 10000));
    assert_true(rtc_run_until(&pr, got_msgs_a, 10000));
    for (int s = 0; s < 2; s++) {
        rtc_side_t *rx = sides[s];
        assert_int_equal(rx->nmsgs, 12);
        int per_lane[ACTR_RTC_LANE_COUNT] = {0};
        for (int i = 0; i < rx->nmsgs; i++) {
            rtc_msg_t *m = &rx->msgs[i];
            per_lane[m->lane]++;
            if (m->len == 0) {
                assert_true(m->binary);
            } else if (m->len == 2) {
                assert_false(m->binary);
                assert_memory_equal(m->data, "hi", 2);
            } else {
                assert_int_equal(m->len, max);
                assert_memory_equal(m->data, big, max);
            }
        }
        for (int l = 0; l < ACTR_RTC_LANE_COUNT; l++)
            assert_int_equal(per_lane[l], 3);
    }
    free(big);
    assert_int_equal(rtc_pair_destroy(&pr), 0);
}

static bool a_low_fired(rtc_pair_t *pr)
{
    return pr->a.low[ACTR_RTC_LANE_STREAM_RELIABLE] > 0 &&
           actr_rtc_peer_buffered(pr->a.peer, ACTR_RTC_LANE_STREAM_RELIABLE) == 0;
}

static bool b_got_all(rtc_pair_t *pr)
{
    return pr->b.nmsgs >= 64;
}

/* The send queue gives a bufferedAmount: high fires when it rises above the threshold, low when
 * it drains, and the queue bound answers EAGAIN. */
static void test_backpressure(void **state)
{
    (void)state;
    actr_rtc_peer_config_t cfg;
    actr_rtc_peer_config_init(&cfg);
    cfg.buffered_high = 256 * 1024;
    cfg.buffered_low = 64 * 1024;
    cfg.send_queue_max = 3 * 1024 * 1024;
    rtc_pair_t pr;
    assert_int_equal(rtc_pair_init(&pr, &cfg), 0);
    assert_true(rtc_pair_connect(&pr));
    static uint8_t chunk[65535];
    memset(chunk, 0x5a, sizeof(chunk));
    int sent = 0, eagain = 0;
    for (int i = 0; i < 200; i++) {
        int rc = actr_rtc_peer_send(pr.a.peer, ACTR_RTC_LANE_STREAM_RELIABLE, chunk, sizeof(chunk),
                                    true);
        if (rc == ACTR_EAGAIN) {
            eagain++;
            break;
        }
        assert_int_equal(rc, 0);
        sent++;
    }
    assert_int_equal(eagain, 1);
    assert_int_equal(pr.a.high[ACTR_RTC_LANE_STREAM_RELIABLE], 1);
    assert_int_equal(pr.a.low[ACTR_RTC_LANE_STREAM_RELIABLE], 0);
    assert_true(actr_rtc_peer_buffered(pr.a.peer, ACTR_RTC_LANE_STREAM_RELIABLE) >
                cfg.buffered_high);
    /* Other lanes are not affected in their accounting. */
    assert_int_equal(actr_rtc_peer_buffered(pr.a.peer, ACTR_RTC_LANE_RPC_RELIABLE), 0);
    assert_true(rtc_run_until(&pr, a_low_fired, 20000));
    assert_int_equal(pr.a.low[ACTR_RTC_LANE_STREAM_RELIABLE], 1);
    assert_true(sent >= 64);
    assert_true(rtc_run_until(&pr, b_got_all, 20000));
    assert_int_equal(rtc_pair_destroy(&pr), 0);
}

static void bad_fingerprint(char *answer)
{
    char *fp = strstr(answer, "a=fingerprint:sha-256 ");
    assert_non_null(fp);
    fp += strlen("a=fingerprint:sha-256 ");
    fp[0] = fp[0] == 'A' ? 'B' : 'A'; /* one nibble off */
}

static bool a_failed(rtc_pair_t *pr)
{
    return pr->a.state == ACTR_RTC_FAILED;
}

static void test_fingerprint_mismatch(void **state)
{
    (void)state;
    rtc_pair_t pr;
    assert_int_equal(rtc_pair_init(&pr, NULL), 0);
    assert_int_equal(rtc_pair_negotiate(&pr, bad_fingerprint), 0);
    assert_true(rtc_run_until(&pr, a_failed, 10000));
    assert_int_equal(pr.a.fail_code, ACTR_ESIGNATURE);
    for (int l = 0; l < ACTR_RTC_LANE_COUNT; l++) {
        assert_int_equal(pr.a.opened[l], 0);
        assert_int_equal(pr.b.opened[l], 0);
    }
    assert_int_equal(rtc_pair_destroy(&pr), 0);
}

static bool echoed_after_restart(rtc_pair_t *pr)
{
    return pr->a.nmsgs >= 4;
}

static bool new_ufrag_connected(rtc_pair_t *pr)
{
    return pr->a.peer && strcmp(actr_ice_remote_ufrag(pr->a.peer->ice), pr->b.last_ufrag) == 0 &&
           actr_rtc_peer_state(pr->a.peer) == ACTR_RTC_CONNECTED;
}

static void test_ice_restart_keeps_channels(void **state)
{
    (void)state;
    rtc_pair_t pr;
    assert_int_equal(rtc_pair_init(&pr, NULL), 0);
    assert_true(rtc_pair_connect(&pr));
    char old_a[ACTR_ICE_UFRAG_MAX], old_b[ACTR_ICE_UFRAG_MAX];
    snprintf(old_a, sizeof(old_a), "%s", pr.a.last_ufrag);
    snprintf(old_b, sizeof(old_b), "%s", actr_ice_remote_ufrag(pr.a.peer->ice));
    assert_int_equal(rtc_pair_restart(&pr), 0);
    /* Both sides have new credentials and announced their candidates again with them. */
    assert_string_not_equal(pr.a.last_ufrag, old_a);
    assert_string_not_equal(actr_ice_remote_ufrag(pr.a.peer->ice), old_b);
    assert_true(rtc_run_until(&pr, new_ufrag_connected, 10000));
    /* A late candidate of the old generation is dropped. */
    actr_ice_cand_result_t res;
    assert_int_equal(actr_rtc_peer_add_candidate(pr.a.peer,
                                                 "candidate:9 1 UDP 1 127.0.0.1 9 typ host", "0",
                                                 0, old_b, &res), 0);
    assert_int_equal(res, ACTR_ICE_CAND_DROPPED_STALE);
    pr.b.echo = true;
    for (int l = 0; l < ACTR_RTC_LANE_COUNT; l++) {
        assert_true(actr_rtc_peer_channel_is_open(pr.a.peer, (actr_rtc_lane_t)l));
        assert_int_equal(actr_rtc_peer_send(pr.a.peer, (actr_rtc_lane_t)l,
                                            (const uint8_t *)"again", 5, true), 0);
    }
    assert_true(rtc_run_until(&pr, echoed_after_restart, 10000));
    for (int l = 0; l < ACTR_RTC_LANE_COUNT; l++) {
        assert_int_equal(pr.a.opened[l], 1); /* never re-opened: the same channels */
        assert_int_equal(pr.a.closed_lanes[l], 0);
    }
    assert_int_equal(rtc_pair_destroy(&pr), 0);
}

static bool b_rpc_open(rtc_pair_t *pr)
{
    return pr->b.opened[ACTR_RTC_LANE_RPC_RELIABLE] == 1;
}

/* Candidates that arrive before the remote description are buffered and applied with it. */
static void test_early_candidates_buffered(void **state)
{
    (void)state;
    rtc_pair_t pr;
    assert_int_equal(rtc_pair_init(&pr, NULL), 0);
    pr.a.hold_candidates = true;
    char *offer = NULL, *answer = NULL;
    assert_int_equal(actr_rtc_peer_create_channel(pr.a.peer, ACTR_RTC_LANE_RPC_RELIABLE), 0);
    assert_int_equal(actr_rtc_peer_create_offer(pr.a.peer, &offer), 0);
    rtc_run_for(&pr, 200); /* gather */
    assert_true(pr.a.nheld > 0);
    /* The answerer has no remote description yet: everything is buffered. */
    for (int i = 0; i < pr.a.nheld; i++) {
        actr_ice_cand_result_t res;
        assert_int_equal(actr_rtc_peer_add_candidate(pr.b.peer, pr.a.held[i], "0", 0,
                                                     pr.a.held_ufrag[i], &res), 0);
        assert_int_equal(res, ACTR_ICE_CAND_BUFFERED);
        free(pr.a.held[i]);
    }
    pr.a.nheld = 0;
    pr.a.hold_candidates = false;
    /* No username_fragment: dropped. */
    assert_int_equal(actr_rtc_peer_add_candidate(pr.b.peer, "candidate:1 1 UDP 1 1.2.3.4 5 typ host",
                                                 "0", 0, "", NULL), ACTR_EINVAL);
    /* mDNS names are skipped, not resolved. */
    assert_int_equal(actr_rtc_peer_set_remote(pr.b.peer, ACTR_SDP_OFFER, offer, strlen(offer), NULL), 0);
    actr_ice_cand_result_t res;
    assert_int_equal(actr_rtc_peer_add_candidate(pr.b.peer,
                     "candidate:1 1 udp 2122260223 0f6c1c4e-3a3c-4c1c-9d8c-3e0f5e9c1a2b.local 5000 typ host",
                     "0", 0, actr_ice_remote_ufrag(pr.b.peer->ice), &res), 0);
    assert_int_equal(res, ACTR_ICE_CAND_SKIPPED);
    assert_int_equal(actr_rtc_peer_create_answer(pr.b.peer, &answer), 0);
    assert_int_equal(actr_rtc_peer_set_remote(pr.a.peer, ACTR_SDP_ANSWER, answer, strlen(answer), NULL), 0);
    free(offer);
    free(answer);
    /* Only RPC_RELIABLE was created. */
    assert_true(rtc_run_until(&pr, b_rpc_open, 10000));
    assert_int_equal(pr.b.opened[ACTR_RTC_LANE_RPC_RELIABLE], 1);
    actr_ice_stats_t st;
    actr_rtc_peer_stats(pr.b.peer, &st, NULL, NULL);
    assert_true(st.cand_buffered > 0);
    assert_true(st.cand_applied >= st.cand_buffered);
    assert_int_equal(rtc_pair_destroy(&pr), 0);
}

static bool a_got_one(rtc_pair_t *pr)
{
    return pr->a.nmsgs >= 1;
}

/* Random datagrams into DTLS, and random SCTP packets inside valid DTLS records, do not break
 * the connection. */
static void test_garbage_datagrams(void **state)
{
    (void)state;
    rtc_pair_t pr;
    assert_int_equal(rtc_pair_init(&pr, NULL), 0);
    assert_true(rtc_pair_connect(&pr));
    srand(12345);
    uint8_t buf[1500];
    for (int i = 0; i < 2000; i++) {
        size_t n = (size_t)(rand() % (int)sizeof(buf));
        for (size_t k = 0; k < n; k++)
            buf[k] = (uint8_t)rand();
        if (n > 0 && i % 2 == 0)
            buf[0] = (uint8_t)(20 + rand() % 44); /* looks like DTLS */
        if (n > 13 && i % 4 == 0) {
            buf[0] = 23; /* application data, epoch 1: decrypt fails, dropped */
            buf[1] = 0xfe;
            buf[2] = 0xfd;
        }
        actr_rtc_peer_inject(pr.b.peer, buf, n);
        /* garbage SCTP through the real DTLS session */
        if (i % 10 == 0 && n > 0)
            actr_dtls_send(pr.a.peer->dtls, buf, n);
        if (i % 100 == 0)
            rtc_run_for(&pr, 5);
    }
    rtc_run_for(&pr, 100);
    pr.b.echo = true;
    assert_int_equal(actr_rtc_peer_send(pr.a.peer, ACTR_RTC_LANE_RPC_RELIABLE,
                                        (const uint8_t *)"still alive", 11, true), 0);
    assert_true(rtc_run_until(&pr, a_got_one, 10000));
    assert_memory_equal(pr.a.msgs[0].data, "still alive", 11);
    assert_int_equal(actr_rtc_peer_state(pr.b.peer), ACTR_RTC_CONNECTED);
    assert_int_equal(rtc_pair_destroy(&pr), 0);
}

/* A DCEP OPEN with a label that is not a lane is refused (stream reset), and the peer stays up. */
static void test_unknown_label_refused(void **state)
{
    (void)state;
    rtc_pair_t pr;
    assert_int_equal(rtc_pair_init(&pr, NULL), 0);
    assert_true(rtc_pair_connect(&pr));
    static const uint8_t open[] = {0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 4, 0, 0, 'c', 'h', 'a', 't'};
    assert_int_equal(actr_sctp_send(pr.a.peer->sctp, 41, ACTR_PPID_DCEP, open, sizeof(open),
                                    false, -1), 0);
    rtc_run_for(&pr, 300);
    assert_int_equal(pr.b.peer->sid_lane[41], -1);
    for (int l = 0; l < ACTR_RTC_LANE_COUNT; l++)
        assert_int_equal(pr.b.opened[l], 1);
    /* A malformed DCEP message is dropped too. */
    static const uint8_t bad[] = {0x03, 0x00, 0x01};
    assert_int_equal(actr_sctp_send(pr.a.peer->sctp, 43, ACTR_PPID_DCEP, bad, sizeof(bad), false,
                                    -1), 0);
    rtc_run_for(&pr, 100);
    assert_int_equal(actr_rtc_peer_state(pr.b.peer), ACTR_RTC_CONNECTED);
    assert_int_equal(rtc_pair_destroy(&pr), 0);
}

static bool b_closed_state(rtc_pair_t *pr)
{
    return pr->b.state == ACTR_RTC_CLOSED;
}

/* Closing one side is seen by the other (SCTP ABORT / close_notify), and both free cleanly. */
static void test_close_one_side(void **state)
{
    (void)state;
    rtc_pair_t pr;
    assert_int_equal(rtc_pair_init(&pr, NULL), 0);
    assert_true(rtc_pair_connect(&pr));
    actr_rtc_peer_close(pr.a.peer);
    actr_rtc_peer_close(pr.a.peer); /* twice: no-op */
    assert_true(rtc_run_until(&pr, b_closed_state, 5000));
    assert_true(pr.a.closed);
    for (int l = 0; l < ACTR_RTC_LANE_COUNT; l++)
        assert_int_equal(pr.b.closed_lanes[l], 1);
    assert_int_equal(actr_rtc_peer_send(pr.b.peer, ACTR_RTC_LANE_RPC_RELIABLE,
                                        (const uint8_t *)"x", 1, true), ACTR_ESTATE);
    assert_int_equal(actr_rtc_env_peers(pr.env), 1);
    assert_int_equal(actr_rtc_env_close(pr.env), ACTR_ESTATE);
    assert_int_equal(rtc_pair_destroy(&pr), 0);
}

/* One pair: connect, exchange a message each way on every lane, close. Returns 0 when all went
 * right (runs on any thread: each pair has its own loop and env). */
static int pair_roundtrip(void)
{
    rtc_pair_t pr;
    int bad = 0;
    if (rtc_pair_init(&pr, NULL) != 0 || !rtc_pair_connect(&pr))
        bad = 1;
    pr.b.echo = true;
    for (int round = 0; !bad && round < 20; round++)
        for (int l = 0; l < ACTR_RTC_LANE_COUNT; l++)
            if (actr_rtc_peer_send(pr.a.peer, (actr_rtc_lane_t)l, (const uint8_t *)"ping", 4, true))
                bad = 1;
    if (!bad && !rtc_run_until(&pr, got_80, 10000))
        bad = 1;
    if (rtc_pair_destroy(&pr) != 0)
        bad = 1;
    return bad;
}

static void *pair_thread(void *arg)
{
    *(int *)arg = pair_roundtrip();
    return NULL;
}

/* Two loops in one process (two hypers): usrsctp's timers are process-wide, so packets for one
 * loop's associations may be produced on the other thread and must be handed over. */
static void test_two_loops(void **state)
{
    (void)state;
    pthread_t t;
    int other = -1;
    assert_int_equal(pthread_create(&t, NULL, pair_thread, &other), 0);
    int mine = pair_roundtrip();
    pthread_join(t, NULL);
    assert_int_equal(mine, 0);
    assert_int_equal(other, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_all_lanes),
        cmocka_unit_test(test_messages_both_ways),
        cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_fingerprint_mismatch),
        cmocka_unit_test(test_ice_restart_keeps_channels),
        cmocka_unit_test(test_early_candidates_buffered),
        cmocka_unit_test(test_garbage_datagrams),
        cmocka_unit_test(test_unknown_label_refused),
        cmocka_unit_test(test_close_one_side),
        cmocka_unit_test(test_two_loops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
