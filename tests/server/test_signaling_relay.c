/*
 * Signaling service: ActrRelay (protocol.md 6.5, 9.4, 9.6): the check order, role negotiation
 * with actrix's tie-break and webrtc_role preferences, forwarding in new envelopes with the trace
 * context, target lookup by realm + serial, and the silent and logged drops.
 */
#include "sig_harness.h"

#define ECHO "acme:echo:1.0.0"
#define CALLER "acme:caller:1.0.0"

/* Two connected actors: A (caller, realm 101, serial 10, net 1), B (echo, serial 20, net 2). */
typedef struct pair {
    harness_t *h;
    actr_id_t a, b;
    actrd_sig_conn_t *ca, *cb;
    h_wire_id_t wa, wb;
} pair_t;

static void pair_up(pair_t *p, const char *role_a, const char *role_b)
{
    p->h = h_new();
    p->a = h_id(101, 10, CALLER);
    p->b = h_id(101, 20, ECHO);
    p->ca = h_connect(p->h, 1, &p->a, role_a);
    p->cb = h_connect(p->h, 2, &p->b, role_b);
    h_wire(&p->wa, &p->a, NULL, true);
    h_wire(&p->wb, &p->b, NULL, true);
}

static void ice_relay(Signaling__ActrRelay *r, Webrtc__IceCandidate *ice)
{
    webrtc__ice_candidate__init(ice);
    ice->candidate = "candidate:1 1 udp 2122260223 192.168.1.5 61922 typ host";
    ice->sdp_mid = "0";
    ice->has_sdp_mline_index = true;
    ice->sdp_mline_index = 0;
    ice->username_fragment = "w1vT";
    signaling__actr_relay__init(r);
    r->payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE;
    r->ice_candidate = ice;
}

static void test_acl_denied_relay(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p, NULL, NULL);
    h_acl_rule(p.h, CALLER, ECHO, false);
    Webrtc__IceCandidate ice;
    Signaling__ActrRelay r;
    ice_relay(&r, &ice);
    h_relay(p.h, p.ca, "rel-1", &p.wa, &p.wb, &r, NULL);
    Signaling__SignalingEnvelope *env;
    const char *msg = h_expect_error(p.h, 1, "rel-1", 403, &env);
    assert_string_equal(msg, "ACL policy denies relay to target actor");
    assert_int_equal(env->server_to_actr->target->serial_number, 10);
    actr_pb_free(env);
    assert_int_equal(h_unread(p.h, 2), 0);

    /* The ACL comes before the credential: a bad credential still gets the ACL's 403. */
    h_wire_id_t bad;
    h_wire(&bad, &p.a, NULL, false);
    h_relay(p.h, p.ca, "rel-2", &bad, &p.wb, &r, NULL);
    h_expect_error(p.h, 1, "rel-2", 403, &env);
    actr_pb_free(env);
    h_free(p.h);
}

static void test_relay_credential_realm_and_source(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p, NULL, NULL);
    Webrtc__IceCandidate ice;
    Signaling__ActrRelay r;
    ice_relay(&r, &ice);
    Signaling__SignalingEnvelope *env;

    h_wire_id_t bad;
    h_wire(&bad, &p.a, NULL, false);
    h_relay(p.h, p.ca, "rel-1", &bad, &p.wb, &r, NULL);
    const char *msg = h_expect_error(p.h, 1, "rel-1", 401, &env);
    assert_non_null(strstr(msg, "Credential validation failed"));
    actr_pb_free(env);

    /* A valid credential of another actor: the claimed id must equal source exactly. */
    h_wire_id_t forged;
    h_wire(&forged, &p.a, &p.b, true);
    h_relay(p.h, p.ca, "rel-2", &forged, &p.wb, &r, NULL);
    msg = h_expect_error(p.h, 1, "rel-2", 403, &env);
    assert_non_null(strstr(msg, "Source identity mismatch"));
    actr_pb_free(env);
    /* ... down to the type version in the string form. */
    actr_id_t a2 = p.a;
    strcpy(a2.type.version, "1.0.1");
    h_wire(&forged, &p.a, &a2, true);
    h_relay(p.h, p.ca, "rel-3", &forged, &p.wb, &r, NULL);
    h_expect_error(p.h, 1, "rel-3", 403, &env);
    actr_pb_free(env);

    p.h->denied_realm = 101;
    h_relay(p.h, p.ca, "rel-4", &p.wa, &p.wb, &r, NULL);
    h_expect_error(p.h, 1, "rel-4", 403, &env);
    actr_pb_free(env);
    p.h->realm_rc = ACTR_EIO;
    h_relay(p.h, p.ca, "rel-5", &p.wa, &p.wb, &r, NULL);
    h_expect_error(p.h, 1, "rel-5", 500, &env);
    actr_pb_free(env);

    assert_int_equal(h_unread(p.h, 2), 0);
    assert_int_equal(h_stats(p.h).relays, 0);
    h_free(p.h);
}

static void test_forward_ice_and_sdp(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p, NULL, NULL);
    actr_id_t c = h_id(101, 30, ECHO);
    h_connect(p.h, 3, &c, NULL);
    Webrtc__IceCandidate ice;
    Signaling__ActrRelay r;
    ice_relay(&r, &ice);
    const char *tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    h_relay(p.h, p.ca, "rel-1", &p.wa, &p.wb, &r, tp);

    assert_int_equal(h_unread(p.h, 1), 0);
    assert_int_equal(h_unread(p.h, 3), 0);
    Signaling__SignalingEnvelope *env = h_next(p.h, 2);
    assert_non_null(env);
    assert_int_equal(env->envelope_version, 2);
    assert_int_equal(strlen(env->envelope_id), 36);
    assert_string_not_equal(env->envelope_id, "rel-1");
    assert_null(env->reply_for);
    assert_string_equal(env->traceparent, tp);
    assert_string_equal(env->tracestate, "vendor=1");
    assert_int_equal(env->flow_case, SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY);
    const Signaling__ActrRelay *fw = env->actr_relay;
    assert_int_equal(fw->source->serial_number, 10);
    assert_int_equal(fw->target->serial_number, 20);
    assert_memory_equal(fw->credential->claims.data, p.wa.claims, strlen(p.wa.claims));
    assert_int_equal(fw->payload_case, SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE);
    assert_string_equal(fw->ice_candidate->candidate, ice.candidate);
    assert_string_equal(fw->ice_candidate->username_fragment, "w1vT");
    assert_string_equal(fw->ice_candidate->sdp_mid, "0");
    actr_pb_free(env);

    /* The answer goes back B -> A; the target is found by realm + serial only. */
    Webrtc__SessionDescription sd = WEBRTC__SESSION_DESCRIPTION__INIT;
    sd.type = WEBRTC__SESSION_DESCRIPTION__TYPE__ANSWER;
    sd.sdp = "v=0\r\n";
    sd.sdp_exchange_id = "9b2c1e4a-8f57-4d3c-9a4e-1f0e2d3c4b5a";
    Signaling__ActrRelay r2 = SIGNALING__ACTR_RELAY__INIT;
    r2.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION;
    r2.session_description = &sd;
    actr_id_t a_other_version = p.a;
    strcpy(a_other_version.type.version, "9.9.9");
    h_wire_id_t wa2;
    h_wire(&wa2, &a_other_version, NULL, true);
    h_relay(p.h, p.cb, "rel-2", &p.wb, &wa2, &r2, NULL);
    env = h_next(p.h, 1);
    assert_non_null(env);
    assert_null(env->traceparent);
    assert_int_equal(env->actr_relay->payload_case,
                     SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION);
    assert_int_equal(env->actr_relay->session_description->type,
                     WEBRTC__SESSION_DESCRIPTION__TYPE__ANSWER);
    assert_string_equal(env->actr_relay->session_description->sdp_exchange_id,
                        sd.sdp_exchange_id);
    actr_pb_free(env);
    assert_int_equal(h_stats(p.h).relays, 2);
    h_free(p.h);
}

static void test_relay_drops(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p, NULL, NULL);
    Webrtc__IceCandidate ice;
    Signaling__ActrRelay r;
    ice_relay(&r, &ice);

    /* Unknown target: dropped with a log line, no answer. */
    actr_id_t ghost = h_id(101, 99, ECHO);
    h_wire_id_t wg;
    h_wire(&wg, &ghost, NULL, true);
    size_t logs = p.h->nlogs;
    h_relay(p.h, p.ca, "rel-1", &p.wa, &wg, &r, NULL);
    assert_int_equal(h_unread(p.h, 1), 0);
    assert_true(p.h->nlogs > logs);
    assert_string_equal(p.h->last_log, "relay target has no socket, dropped");
    assert_int_equal(h_stats(p.h).relays_dropped_no_target, 1);

    /* A socket that is not source's current one (here: after unregister) is dropped silently,
     * after the checks. */
    sig_conn_unbind(p.h->sig, p.ca);
    h_relay(p.h, p.ca, "rel-2", &p.wa, &p.wb, &r, NULL);
    assert_int_equal(h_unread(p.h, 1), 0);
    assert_int_equal(h_unread(p.h, 2), 0);
    assert_int_equal(h_stats(p.h).relays_dropped_displaced, 1);

    /* A socket relaying for another actor whose credential it holds: dropped as well. */
    actr_id_t c = h_id(101, 30, CALLER);
    actrd_sig_conn_t *cc = h_connect(p.h, 3, &c, NULL);
    h_relay(p.h, cc, "rel-3", &p.wa, &p.wb, &r, NULL);
    assert_int_equal(h_unread(p.h, 2), 0);
    assert_int_equal(h_stats(p.h).relays_dropped_displaced, 2);
    h_free(p.h);
}

/* Sends RoleNegotiation{from, to} from `from`'s socket; returns is_offerer as seen by `from`
 * after checking both copies. */
static bool negotiate(harness_t *h, actrd_sig_conn_t *c, uintptr_t net_from, uintptr_t net_to,
                      h_wire_id_t *from, h_wire_id_t *to)
{
    Actr__RoleNegotiation rn = ACTR__ROLE_NEGOTIATION__INIT;
    rn.from = &from->pb.id;
    rn.to = &to->pb.id;
    rn.realm_id = from->id.realm.realm_id;
    Signaling__ActrRelay r = SIGNALING__ACTR_RELAY__INIT;
    r.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_NEGOTIATION;
    r.role_negotiation = &rn;
    h_relay(h, c, "neg-1", from, to, &r, "00-11111111111111111111111111111111-2222222222222222-01");
    Signaling__SignalingEnvelope *e1 = h_next(h, net_from), *e2 = h_next(h, net_to);
    assert_non_null(e1);
    assert_non_null(e2);
    assert_string_not_equal(e1->envelope_id, e2->envelope_id);
    const Signaling__SignalingEnvelope *both[2] = {e1, e2};
    for (int i = 0; i < 2; i++) {
        assert_null(both[i]->reply_for);
        assert_non_null(both[i]->traceparent);
        const Signaling__ActrRelay *ra = both[i]->actr_relay;
        assert_int_equal(ra->payload_case, SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_ASSIGNMENT);
        /* actrix shape: both copies say source = from, target = to, with the credential. */
        assert_int_equal(ra->source->serial_number, from->id.serial_number);
        assert_int_equal(ra->target->serial_number, to->id.serial_number);
        assert_int_equal(ra->credential->claims.len, strlen(from->claims));
        assert_false(ra->role_assignment->has_remote_fixed);
    }
    bool offerer = e1->actr_relay->role_assignment->is_offerer;
    assert_int_equal(e2->actr_relay->role_assignment->is_offerer, !offerer);
    actr_pb_free(e1);
    actr_pb_free(e2);
    return offerer;
}

static void test_role_tie_break(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p, NULL, NULL);
    /* A (serial 10) < B (serial 20): the greater key offers. */
    assert_false(negotiate(p.h, p.ca, 1, 2, &p.wa, &p.wb));
    assert_true(negotiate(p.h, p.cb, 2, 1, &p.wb, &p.wa));
    assert_int_equal(h_stats(p.h).role_negotiations, 2);
    h_free(p.h);

    /* Realm comes before serial, manufacturer and name after it. */
    harness_t *h = h_new();
    actr_id_t x = h_id(102, 1, "acme:a:1.0.0"), y = h_id(101, 9, "acme:b:1.0.0");
    actr_id_t z = h_id(101, 9, "zeta:a:1.0.0");
    actrd_sig_conn_t *cx = h_connect(h, 1, &x, NULL);
    h_connect(h, 2, &y, NULL);
    h_wire_id_t wx, wy, wz;
    h_wire(&wx, &x, NULL, true);
    h_wire(&wy, &y, NULL, true);
    h_wire(&wz, &z, NULL, true);
    assert_true(negotiate(h, cx, 1, 2, &wx, &wy));
    /* y and z share realm and serial (one socket, both copies go to it): the manufacturer
     * decides, "acme" < "zeta". */
    actrd_sig_conn_t *cy = sig_conn_lookup(h->sig, 101, 9);
    assert_false(negotiate(h, cy, 2, 2, &wy, &wz));
    h_free(h);
}

static void test_role_answer_preference(void **state)
{
    (void)state;
    pair_t p;
    /* A would lose the tie-break; B prefers to answer, so A offers. */
    pair_up(&p, NULL, "answer");
    assert_true(negotiate(p.h, p.ca, 1, 2, &p.wa, &p.wb));
    assert_false(negotiate(p.h, p.cb, 2, 1, &p.wb, &p.wa));
    h_free(p.h);

    /* A prefers to answer: B offers whichever side asks. */
    pair_up(&p, "answer", NULL);
    assert_false(negotiate(p.h, p.ca, 1, 2, &p.wa, &p.wb));
    assert_true(negotiate(p.h, p.cb, 2, 1, &p.wb, &p.wa));
    h_free(p.h);

    /* Both prefer to answer: back to the tie-break. */
    pair_up(&p, "answer", "answer");
    assert_false(negotiate(p.h, p.ca, 1, 2, &p.wa, &p.wb));
    assert_true(negotiate(p.h, p.cb, 2, 1, &p.wb, &p.wa));
    h_free(p.h);
}

static void test_role_negotiation_must_match_relay(void **state)
{
    (void)state;
    pair_t p;
    pair_up(&p, NULL, NULL);
    actr_id_t c = h_id(101, 30, ECHO);
    h_connect(p.h, 3, &c, NULL);
    h_wire_id_t wc;
    h_wire(&wc, &c, NULL, true);
    Actr__RoleNegotiation rn = ACTR__ROLE_NEGOTIATION__INIT;
    rn.from = &p.wa.pb.id;
    rn.to = &wc.pb.id; /* not the relay's target */
    Signaling__ActrRelay r = SIGNALING__ACTR_RELAY__INIT;
    r.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_NEGOTIATION;
    r.role_negotiation = &rn;
    h_relay(p.h, p.ca, "neg-1", &p.wa, &p.wb, &r, NULL);
    Signaling__SignalingEnvelope *env;
    h_expect_error(p.h, 1, "neg-1", 403, &env);
    actr_pb_free(env);
    assert_int_equal(h_unread(p.h, 2), 0);
    assert_int_equal(h_unread(p.h, 3), 0);
    h_free(p.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acl_denied_relay),
        cmocka_unit_test(test_relay_credential_realm_and_source),
        cmocka_unit_test(test_forward_ice_and_sdp),
        cmocka_unit_test(test_relay_drops),
        cmocka_unit_test(test_role_tie_break),
        cmocka_unit_test(test_role_answer_preference),
        cmocka_unit_test(test_role_negotiation_must_match_relay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
