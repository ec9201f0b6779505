/* The C side of the interop harness (interop_peer.c): this test is the signaling relay between
 * a libwebrtc offerer and a werift answerer, forwarding offer/answer/candidates, and checks that
 * both report the four labelled channels with the QoS of spec/protocol.md 8.1. Skips (77) when
 * the npm packages are unavailable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "interop_peer.h"

static const char *const LABELS[4] = {"RPC_RELIABLE", "RPC_SIGNAL", "STREAM_RELIABLE",
                                      "STREAM_LATENCY_FIRST"};

typedef struct side {
    interop_peer_t *peer;
    int open[4];
    int connected;
} side_t;

static int forwarded_type(const char *t)
{
    return strcmp(t, "offer") == 0 || strcmp(t, "answer") == 0 || strcmp(t, "candidate") == 0;
}

/* Handles one message of `from`: forward signaling to `to`, record events. */
static void handle(cJSON *m, side_t *from, side_t *to)
{
    cJSON *t = cJSON_GetObjectItem(m, "type");
    assert_true(cJSON_IsString(t));
    if (forwarded_type(t->valuestring)) {
        assert_int_equal(interop_peer_send(to->peer, cJSON_Duplicate(m, 1)), 0);
    } else if (strcmp(t->valuestring, "channel") == 0) {
        const char *label = cJSON_GetObjectItem(m, "label")->valuestring;
        int lf = strcmp(label, "STREAM_LATENCY_FIRST") == 0;
        cJSON *ordered = cJSON_GetObjectItem(m, "ordered");
        cJSON *rexmit = cJSON_GetObjectItem(m, "maxRetransmits");
        assert_true(lf ? cJSON_IsFalse(ordered) : cJSON_IsTrue(ordered));
        if (lf)
            assert_int_equal(rexmit->valueint, 3);
        else
            assert_true(cJSON_IsNull(rexmit));
        for (int i = 0; i < 4; i++)
            if (strcmp(label, LABELS[i]) == 0)
                from->open[i] = 1;
    } else if (strcmp(t->valuestring, "state") == 0) {
        from->connected |= strcmp(cJSON_GetObjectItem(m, "state")->valuestring, "connected") == 0;
    } else if (strcmp(t->valuestring, "error") == 0) {
        fail_msg("peer error: %s", cJSON_GetObjectItem(m, "message")->valuestring);
    }
}

static int all_open(const side_t *s)
{
    return s->open[0] && s->open[1] && s->open[2] && s->open[3];
}

static void test_relay_wrtc_to_werift(void **state)
{
    (void)state;
    side_t a = {0}, b = {0};
    int rc = interop_peer_start("wrtc", "offer", NULL, &a.peer);
    if (rc == ACTR_EUNAVAILABLE)
        exit(77);
    assert_int_equal(rc, 0);
    assert_int_equal(interop_peer_start("werift", "answer", NULL, &b.peer), 0);
    side_t *sides[2] = {&a, &b};
    /* at most 30 s (600 polls of 50 ms) for both sides to report four open channels */
    for (int round = 0; round < 600 && !(all_open(&a) && all_open(&b)); round++) {
        struct pollfd pfd[2] = {{interop_peer_fd(a.peer), POLLIN, 0},
                                {interop_peer_fd(b.peer), POLLIN, 0}};
        assert_true(poll(pfd, 2, 50) >= 0);
        for (int s = 0; s < 2; s++) {
            cJSON *m;
            while ((rc = interop_peer_recv(sides[s]->peer, 0, &m)) == 0) {
                handle(m, sides[s], sides[1 - s]);
                cJSON_Delete(m);
            }
            assert_int_equal(rc, ACTR_ETIMEDOUT);
        }
    }
    assert_true(all_open(&a) && all_open(&b));
    assert_true(a.connected && b.connected);
    /* the stats request reaches the peer and comes back with its open channels */
    assert_int_equal(interop_peer_send_type(b.peer, "stats"), 0);
    cJSON *st;
    assert_int_equal(interop_peer_expect(b.peer, "stats-reply", NULL, 5000, NULL, NULL, &st), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(st, "channels")), 4);
    cJSON_Delete(st);
    interop_peer_stop(a.peer);
    interop_peer_stop(b.peer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relay_wrtc_to_werift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
