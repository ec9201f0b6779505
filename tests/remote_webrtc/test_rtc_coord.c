/*
 * test_rtc_coord.c - two WebRTC coordinators on one loop over 127.0.0.1, with relays carried by
 * the test instead of signaling (cfg.send_relay). The test plays actrd: it answers a
 * RoleNegotiation with a RoleAssignment to both sides (addressed, as actrd does, from the
 * initiator to the other). It can also tamper with relays in flight. Every wait is bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "platform/ais/id_pb.h"
#include "wire/webrtc/coordinator.h"

static int check_failures;
#include "check.h"

typedef struct node node_t;
typedef struct world world_t;

/* A relay in flight: packed, delivered on a later loop turn (no re-entrance). */
typedef struct flight {
    struct flight *next;
    node_t *to;
    uint8_t *bytes;
    size_t len;
} flight_t;

struct node {
    world_t *w;
    actr_id_t id;
    actr_rtc_coord_t *c;
    int msgs;           /* messages received */
    int lane_msgs[4];   /* of them, per lane */
    char last[64];      /* the last one */
    int events[4];      /* per actr_rtc_coord_event_t */
};

struct world {
    uv_loop_t loop;
    uv_timer_t pump;
    node_t a, b;
    flight_t *head, **tail;
    bool initiator_offers;  /* the "server's" tie-break */
    bool corrupt_answer_id; /* answers get another sdp_exchange_id */
    bool drop_candidates_ufrag; /* candidates lose username_fragment */
    bool signal_on_connect; /* a sends on RPC_SIGNAL from its CONNECTED hook */
    int relays;
};

static node_t *other(node_t *n)
{
    return n == &n->w->a ? &n->w->b : &n->w->a;
}

static void post(world_t *w, node_t *to, const Signaling__ActrRelay *r)
{
    flight_t *f = calloc(1, sizeof *f);
    f->to = to;
    f->len = signaling__actr_relay__get_packed_size(r);
    f->bytes = malloc(f->len ? f->len : 1);
    signaling__actr_relay__pack(r, f->bytes);
    *w->tail = f;
    w->tail = &f->next;
    w->relays++;
}

/* Plays actrd: relays carry their source; a negotiation yields two assignments. */
static int send_relay(void *arg, Signaling__ActrRelay *r)
{
    node_t *n = arg;
    world_t *w = n->w;
    actr_id_pb_t src, dst;
    actr_id_pb_init(&src, &n->id);
    actr_id_pb_init(&dst, &other(n)->id);
    Actr__AIdCredential cred = ACTR__AID_CREDENTIAL__INIT;
    r->source = &src.id;
    r->credential = &cred;
    if (r->payload_case == SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_NEGOTIATION) {
        Actr__RoleAssignment ra = ACTR__ROLE_ASSIGNMENT__INIT;
        Signaling__ActrRelay out = *r;
        out.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_ASSIGNMENT;
        out.role_assignment = &ra;
        out.target = &dst.id;
        ra.is_offerer = w->initiator_offers;
        post(w, n, &out);
        ra.is_offerer = !w->initiator_offers;
        post(w, other(n), &out);
        return 0;
    }
    if (r->payload_case == SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION &&
        r->session_description->type == WEBRTC__SESSION_DESCRIPTION__TYPE__ANSWER &&
        w->corrupt_answer_id)
        r->session_description->sdp_exchange_id = "00000000-0000-4000-8000-000000000000";
    if (r->payload_case == SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE && w->drop_candidates_ufrag)
        r->ice_candidate->username_fragment = NULL;
    post(w, other(n), r);
    return 0;
}

static void on_pump(uv_timer_t *t)
{
    world_t *w = t->data;
    flight_t *f = w->head;
    w->head = NULL;
    w->tail = &w->head;
    while (f) {
        flight_t *next = f->next;
        Signaling__ActrRelay *r = signaling__actr_relay__unpack(NULL, f->len, f->bytes);
        if (r && f->to->c)
            actr_rtc_coord_on_relay(f->to->c, r);
        if (r)
            signaling__actr_relay__free_unpacked(r, NULL);
        free(f->bytes);
        free(f);
        f = next;
    }
}

static void on_message(void *ud, const actr_id_t *peer, int lane, actr_buf_t msg)
{
    (void)peer;
    node_t *n = ud;
    n->msgs++;
    if (lane >= 0 && lane < 4)
        n->lane_msgs[lane]++;
    snprintf(n->last, sizeof n->last, "%.*s", (int)msg.len, (const char *)msg.data);
    actr_buf_release(&msg);
}

static void on_event(void *ud, const actr_id_t *peer, actr_rtc_coord_event_t ev)
{
    node_t *n = ud;
    n->events[ev]++;
    /* Ready means RPC_RELIABLE is open; the other lanes' channels may still be opening. */
    if (ev == ACTR_RTC_COORD_CONNECTED && n->w->signal_on_connect && n == &n->w->a) {
        actr_buf_t m = actr_buf_static("at-connect", 10);
        CHECK(actr_rtc_coord_send(n->c, peer, 1, &m, NULL, NULL) == 0, "send at connect");
    }
}

static void make(world_t *w, node_t *n, uint64_t serial)
{
    n->w = w;
    n->id.realm.realm_id = 1;
    n->id.serial_number = serial;
    actr_type_parse(&n->id.type, "acme:T:1.0.0", 12, NULL);
    static const char *const lo[] = {"127.0.0.1"};
    actr_rtc_coord_config_t cc;
    actr_rtc_coord_config_init(&cc);
    cc.self = n->id;
    cc.realm_id = 1;
    cc.local_addresses = lo;
    cc.n_local_addresses = 1;
    cc.initial_timeout_ms = 3000;
    cc.send_relay = send_relay;
    cc.send_relay_arg = n;
    actr_rtc_coord_callbacks_t cb = {.on_message = on_message, .on_event = on_event,
                                     .userdata = n};
    int rc = actr_rtc_coord_new(&w->loop, NULL, &cc, &cb, &n->c);
    CHECK(rc == 0, "coordinator: %d", rc);
}

static bool run_until(world_t *w, bool (*pred)(world_t *), uint32_t ms)
{
    uint64_t end = actr_clock_mono_ms() + ms;
    while (!(pred && pred(w)) && actr_clock_mono_ms() < end)
        uv_run(&w->loop, UV_RUN_ONCE);
    return pred && pred(w);
}

static bool both_ready(world_t *w)
{
    return actr_rtc_coord_ready(w->a.c, &w->b.id) && actr_rtc_coord_ready(w->b.c, &w->a.id);
}

static bool b_got_msg(world_t *w)
{
    return w->b.msgs > 0;
}

static bool a_got_msg(world_t *w)
{
    return w->a.msgs > 0;
}

static bool a_forgot_b(world_t *w)
{
    return !actr_rtc_coord_known(w->a.c, &w->b.id);
}

static bool b_forgot_a(world_t *w)
{
    return !actr_rtc_coord_known(w->b.c, &w->a.id);
}

static bool restarted(world_t *w)
{
    actr_rtc_coord_stats_t x, y;
    actr_rtc_coord_stats(w->a.c, &x);
    actr_rtc_coord_stats(w->b.c, &y);
    return x.restarts_done + y.restarts_done > 0;
}

static int g_done_rc = 1;
static void on_done(void *arg, int rc)
{
    (void)arg;
    g_done_rc = rc;
}

static void closed(void *arg)
{
    (*(int *)arg)++;
}

static void world_init(world_t *w)
{
    memset(w, 0, sizeof *w);
    uv_loop_init(&w->loop);
    w->tail = &w->head;
    uv_timer_init(&w->loop, &w->pump);
    w->pump.data = w;
    uv_timer_start(&w->pump, on_pump, 5, 5);
    make(w, &w->a, 11);
    make(w, &w->b, 22);
}

static void world_free(world_t *w)
{
    int n = 0;
    actr_rtc_coord_close(w->a.c, closed, &n);
    actr_rtc_coord_close(w->b.c, closed, &n);
    w->a.c = w->b.c = NULL;
    for (uint64_t end = actr_clock_mono_ms() + 5000; n < 2 && actr_clock_mono_ms() < end;)
        uv_run(&w->loop, UV_RUN_ONCE);
    CHECK(n == 2, "both coordinators closed");
    on_pump(&w->pump); /* frees what is still in flight */
    uv_close((uv_handle_t *)&w->pump, NULL);
    for (int i = 0; i < 200 && uv_run(&w->loop, UV_RUN_NOWAIT); i++)
        ;
    CHECK(uv_loop_close(&w->loop) == 0, "loop closed cleanly");
}

/* A queued message waits for the connection, both sides become ready, traffic both ways,
 * a forced ICE restart completes on the same connection. */
static void test_connect_send_restart(bool initiator_offers)
{
    world_t w;
    world_init(&w);
    w.initiator_offers = initiator_offers;
    actr_buf_t m = actr_buf_static("hello", 5);
    g_done_rc = 1;
    CHECK(actr_rtc_coord_send(w.a.c, &w.b.id, 0, &m, on_done, NULL) == 0, "queued");
    CHECK(!actr_rtc_coord_ready(w.a.c, &w.b.id), "not ready at once");
    CHECK(actr_rtc_coord_connect(w.a.c, &w.b.id) == 0, "a second connect joins");
    CHECK(run_until(&w, both_ready, 10000), "both ready");
    CHECK(run_until(&w, b_got_msg, 5000) && strcmp(w.b.last, "hello") == 0, "queued msg arrived");
    CHECK(g_done_rc == 0, "its done callback said sent");
    actr_buf_t back = actr_buf_static("back", 4);
    CHECK(actr_rtc_coord_send(w.b.c, &w.a.id, 0, &back, NULL, NULL) == 0, "answerer sends");
    CHECK(run_until(&w, a_got_msg, 5000) && strcmp(w.a.last, "back") == 0, "reply arrived");
    actr_rtc_coord_stats_t sa, sb;
    actr_rtc_coord_stats(w.a.c, &sa);
    actr_rtc_coord_stats(w.b.c, &sb);
    CHECK(sa.negotiations == 1 && sb.negotiations == 0, "one negotiation (single flight)");
    CHECK(sa.offers + sb.offers == 1 && sa.answers + sb.answers == 1, "one offer, one answer");
    CHECK((sa.offers == 1) == initiator_offers, "the assigned side offered");
    CHECK(w.a.events[ACTR_RTC_COORD_CONNECTED] == 1 && w.b.events[ACTR_RTC_COORD_CONNECTED] == 1,
          "connected hooks");
    /* Forced restart from either side: the offerer restarts, an answerer asks for it. */
    CHECK(actr_rtc_coord_restart_ice(w.b.c, &w.a.id) == 0, "restart");
    CHECK(run_until(&w, restarted, 15000), "restart done");
    actr_rtc_coord_stats(w.a.c, &sa);
    actr_rtc_coord_stats(w.b.c, &sb);
    CHECK(sa.restart_offers + sb.restart_offers >= 1, "a restart offer");
    CHECK(sa.restart_requests + sb.restart_requests == (initiator_offers ? 1u : 0u),
          "the answerer asked (%lu)", (unsigned long)(sa.restart_requests + sb.restart_requests));
    w.b.msgs = 0;
    CHECK(actr_rtc_coord_send(w.a.c, &w.b.id, 0, &m, NULL, NULL) == 0, "send after restart");
    CHECK(run_until(&w, b_got_msg, 5000), "arrived after restart");
    CHECK(sa.ready == 1 && sb.ready == 1, "still the first connection");
    /* Dropping on one side closes the other (SCTP abort / DTLS close). */
    actr_rtc_coord_drop_peer(w.b.c, &w.a.id);
    CHECK(run_until(&w, a_forgot_b, 10000), "the other side noticed the close");
    CHECK(w.a.events[ACTR_RTC_COORD_DISCONNECTED] == 1, "disconnected hook");
    world_free(&w);
}

/* An answer with another sdp_exchange_id is ignored: the connection never becomes ready, the
 * initial budget drops the peer and the queued message is reported dropped. */
static void test_stale_answer(void)
{
    world_t w;
    world_init(&w);
    w.initiator_offers = true;
    w.corrupt_answer_id = true;
    actr_buf_t m = actr_buf_static("x", 1);
    g_done_rc = 0;
    CHECK(actr_rtc_coord_send(w.a.c, &w.b.id, 0, &m, on_done, NULL) == 0, "queued");
    CHECK(run_until(&w, a_forgot_b, 8000), "dropped after the initial budget");
    CHECK(g_done_rc == ACTR_ETIMEDOUT, "queued message dropped: %d", g_done_rc);
    CHECK(!actr_rtc_coord_ready(w.b.c, &w.a.id), "answerer not ready either");
    /* A failed attempt of ours: the next one waits (back-off), no relay storm. */
    int relays = w.relays;
    CHECK(actr_rtc_coord_connect(w.a.c, &w.b.id) == ACTR_EUNAVAILABLE, "cooling down");
    CHECK(actr_rtc_coord_send(w.a.c, &w.b.id, 0, &m, NULL, NULL) == ACTR_EUNAVAILABLE,
          "no queueing while cooling down");
    CHECK(w.relays == relays, "nothing relayed");
    /* The other side may still connect to us (an offer is always accepted). */
    w.corrupt_answer_id = false;
    w.initiator_offers = true;
    CHECK(run_until(&w, b_forgot_a, 8000), "the answerer's attempt ended too");
    CHECK(actr_rtc_coord_connect(w.b.c, &w.a.id) == 0, "the other side connects");
    CHECK(run_until(&w, both_ready, 10000), "ready");
    CHECK(actr_rtc_coord_send(w.a.c, &w.b.id, 0, &m, NULL, NULL) == 0, "and the cooldown is over");
    world_free(&w);
}

/* Unsolicited assignment: the assigned offerer starts on its own; the other side accepts the
 * offer from a peer it never asked for. Candidates without ufrag are dropped: no connection. */
static void test_unsolicited_and_ufrag(void)
{
    world_t w;
    world_init(&w);
    actr_id_pb_t src, dst;
    actr_id_pb_init(&src, &w.a.id);
    actr_id_pb_init(&dst, &w.b.id);
    Actr__RoleAssignment ra = ACTR__ROLE_ASSIGNMENT__INIT;
    ra.is_offerer = true;
    Signaling__ActrRelay r = SIGNALING__ACTR_RELAY__INIT;
    r.source = &src.id;
    r.target = &dst.id;
    r.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_ASSIGNMENT;
    r.role_assignment = &ra;
    actr_rtc_coord_on_relay(w.b.c, &r); /* b is told to offer to a */
    CHECK(run_until(&w, both_ready, 10000), "ready without a negotiation");
    actr_rtc_coord_stats_t sb;
    actr_rtc_coord_stats(w.b.c, &sb);
    CHECK(sb.offers == 1 && sb.negotiations == 0, "b offered unasked");
    world_free(&w);

    world_init(&w);
    w.initiator_offers = true;
    w.drop_candidates_ufrag = true;
    CHECK(actr_rtc_coord_connect(w.a.c, &w.b.id) == 0, "connect");
    CHECK(run_until(&w, a_forgot_b, 8000), "no usable candidate: dropped");
    actr_rtc_coord_stats_t sa;
    actr_rtc_coord_stats(w.a.c, &sa);
    CHECK(sa.ready == 0 && sa.candidates_in > 0, "candidates came but were not used");
    world_free(&w);
}

static bool b_got_two_signals(world_t *w)
{
    return w->b.lane_msgs[1] >= 2;
}

/* Messages for RPC_SIGNAL queued before the connection, and sent the moment it is ready, wait
 * for their own channel instead of failing on it or staying queued. */
static void test_other_lanes_wait_for_their_channel(void)
{
    world_t w;
    world_init(&w);
    w.initiator_offers = true;
    w.signal_on_connect = true;
    actr_buf_t m = actr_buf_static("early", 5);
    g_done_rc = 1;
    CHECK(actr_rtc_coord_send(w.a.c, &w.b.id, 1, &m, on_done, NULL) == 0, "queued on SIGNAL");
    CHECK(run_until(&w, b_got_two_signals, 10000), "both SIGNAL messages arrived");
    CHECK(g_done_rc == 0, "the early one was sent, not dropped");
    actr_rtc_coord_stats_t sa;
    actr_rtc_coord_stats(w.a.c, &sa);
    CHECK(sa.dropped == 0, "nothing dropped");
    world_free(&w);
}

int main(void)
{
    test_connect_send_restart(true);
    test_connect_send_restart(false);
    test_stale_answer();
    test_unsolicited_and_ufrag();
    test_other_lanes_wait_for_their_channel();
    if (check_failures == 0)
        printf("test_rtc_coord: all passed\n");
    return check_failures ? 1 : 0;
}
