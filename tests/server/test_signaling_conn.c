/*
 * Signaling service: sockets and requests (protocol.md 6.1-6.4, 6.6, 9.5 expiry): binding and
 * displacement, ping/pong, the realm and credential checks, unregister, the registry sweep, the
 * message rate limit, undecodable frames, a full send queue.
 */
#include "sig_harness.h"

#define ECHO "acme:echo:1.0.0"

/* One actor (realm 101, serial 5, net 1) with a valid credential. */
typedef struct solo {
    harness_t *h;
    actr_id_t a;
    actrd_sig_conn_t *c;
    h_wire_id_t w;
} solo_t;

static void solo_up(solo_t *s, void (*tweak)(actrd_sig_config_t *))
{
    s->h = h_new_cfg(tweak);
    s->a = h_id(101, 5, ECHO);
    s->c = h_connect(s->h, 1, &s->a, NULL);
    h_wire(&s->w, &s->a, NULL, true);
}

static void test_connect_and_displace(void **state)
{
    (void)state;
    harness_t *h = h_new();
    actr_id_t id = h_id(101, 0x1a2b, ECHO);
    actrd_sig_conn_t *old = h_connect(h, 1, &id, NULL);
    assert_ptr_equal(actrd_sig_conn_net(old), H_NET(1));
    assert_true(actr_id_equal(actrd_sig_conn_id(old), &id));
    assert_int_equal(h->ncloses, 0);

    actrd_sig_conn_t *cur = h_connect(h, 2, &id, NULL);
    assert_int_equal(h->ncloses, 1);
    assert_ptr_equal(h->closed_net[0], H_NET(1));
    assert_int_equal(h->close_code[0], 1008);
    assert_string_equal(h->close_reason[0], "displaced by new connection");
    assert_ptr_equal(sig_conn_lookup(h->sig, 101, 0x1a2b), cur);

    actrd_sig_stats_t st = h_stats(h);
    assert_int_equal(st.connections, 2);
    assert_int_equal(st.actors, 1);
    assert_int_equal(st.displaced, 1);
    assert_int_equal(st.registry_entries, 1);

    /* The old socket going away does not unbind the new one. */
    actrd_sig_disconnect(h->sig, old);
    assert_ptr_equal(sig_conn_lookup(h->sig, 101, 0x1a2b), cur);
    st = h_stats(h);
    assert_int_equal(st.connections, 1);
    assert_int_equal(st.registry_entries, 1);
    actrd_sig_disconnect(h->sig, cur);
    st = h_stats(h);
    assert_int_equal(st.connections, 0);
    assert_int_equal(st.actors, 0);
    assert_int_equal(st.registry_entries, 0);
    h_free(h);
}

static void test_displaced_socket_is_not_read(void **state)
{
    (void)state;
    harness_t *h = h_new();
    actr_id_t a = h_id(101, 1, ECHO), b = h_id(101, 2, ECHO);
    actrd_sig_conn_t *old = h_connect(h, 1, &a, NULL);
    h_connect(h, 2, &a, NULL);
    h_connect(h, 3, &b, NULL);
    h_wire_id_t wa, wb;
    h_wire(&wa, &a, NULL, true);
    h_wire(&wb, &b, NULL, true);
    Webrtc__IceCandidate ice = WEBRTC__ICE_CANDIDATE__INIT;
    ice.candidate = "candidate:1 1 udp 1 10.0.0.1 5000 typ host";
    Signaling__ActrRelay r = SIGNALING__ACTR_RELAY__INIT;
    r.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE;
    r.ice_candidate = &ice;
    h_relay(h, old, "env-1", &wa, &wb, &r, NULL);
    h_ping(h, old, "env-2", &wa, 0, 1.0f, 0.0f);
    assert_int_equal(h_unread(h, 3), 0);
    assert_int_equal(h_unread(h, 1), 0);
    actrd_sig_stats_t st = h_stats(h);
    assert_int_equal(st.frames_after_close, 2);
    assert_int_equal(st.relays, 0);
    h_free(h);
}

static void test_ping_pong(void **state)
{
    (void)state;
    solo_t one;
    solo_up(&one, NULL);
    harness_t *h = one.h;
    actrd_sig_conn_t *c = one.c;
    h_ping(h, c, "env-1", &one.w, 1, 3.5f, 0.25f);
    Signaling__SignalingEnvelope *env = h_next(h, 1);
    assert_non_null(env);
    assert_int_equal(env->envelope_version, 2);
    assert_string_equal(env->reply_for, "env-1");
    assert_int_equal(strlen(env->envelope_id), 36);
    assert_int_equal(env->flow_case, SIGNALING__SIGNALING_ENVELOPE__FLOW_SERVER_TO_ACTR);
    const Signaling__SignalingToActr *s = env->server_to_actr;
    assert_int_equal(s->target->serial_number, 5);
    assert_int_equal(s->target->realm->realm_id, 101);
    assert_int_equal(s->payload_case, SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_PONG);
    assert_int_equal(s->pong->seq, 1700000000);
    assert_true(s->pong->has_suggest_interval_secs);
    assert_int_equal(s->pong->suggest_interval_secs, 30);
    assert_null(s->pong->credential_warning);
    actr_pb_free(env);
    assert_true(c->entry.has_metrics);
    assert_int_equal(c->entry.availability, 1);
    assert_true(c->entry.power_reserve == 3.5f);
    assert_int_equal(h_stats(h).pings, 1);
    h_free(h);
}

static void test_realm_and_credential_checks(void **state)
{
    (void)state;
    harness_t *h = h_new();
    actr_id_t a = h_id(101, 5, ECHO), other = h_id(101, 6, ECHO);
    actrd_sig_conn_t *c = h_connect(h, 1, &a, NULL);
    h_wire_id_t bad, foreign;
    h_wire(&bad, &a, NULL, false);
    Signaling__SignalingEnvelope *env;

    h_ping(h, c, "env-1", &bad, 0, 1.0f, 0.0f);
    const char *msg = h_expect_error(h, 1, "env-1", 401, &env);
    assert_non_null(strstr(msg, "Credential validation failed"));
    assert_int_equal(env->server_to_actr->target->serial_number, 5);
    actr_pb_free(env);
    assert_false(c->entry.has_metrics);

    /* ActrToSignaling does not compare the credential's actor with source (actrix). */
    h_wire(&foreign, &a, &other, true);
    h_ping(h, c, "env-2", &foreign, 0, 1.0f, 0.0f);
    env = h_next(h, 1);
    assert_int_equal(env->server_to_actr->payload_case, SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_PONG);
    actr_pb_free(env);

    /* The realm is checked first: 403 for a refused realm even with a bad credential. */
    h->denied_realm = 101;
    h_ping(h, c, "env-3", &bad, 0, 1.0f, 0.0f);
    msg = h_expect_error(h, 1, "env-3", 403, &env);
    assert_non_null(strstr(msg, "Realm validation failed"));
    actr_pb_free(env);
    h->realm_rc = ACTR_EIO;
    h_ping(h, c, "env-4", &bad, 0, 1.0f, 0.0f);
    h_expect_error(h, 1, "env-4", 500, &env);
    actr_pb_free(env);

    actrd_sig_stats_t st = h_stats(h);
    assert_int_equal(st.errors_401, 1);
    assert_int_equal(st.errors_403, 1);
    assert_int_equal(st.errors_500, 1);
    h_free(h);
}

static void test_unregister(void **state)
{
    (void)state;
    solo_t one;
    solo_up(&one, NULL);
    harness_t *h = one.h;
    actrd_sig_conn_t *c = one.c;
    Actr__UnregisterRequest req = ACTR__UNREGISTER_REQUEST__INIT;
    req.actr_id = &one.w.pb.id;
    req.reason = "Graceful shutdown";
    Signaling__ActrToSignaling msg = SIGNALING__ACTR_TO_SIGNALING__INIT;
    msg.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_UNREGISTER_REQUEST;
    msg.unregister_request = &req;
    h_request(h, c, "env-3", &one.w, &msg);
    Signaling__SignalingEnvelope *env = h_next(h, 1);
    assert_string_equal(env->reply_for, "env-3");
    const Signaling__SignalingToActr *s = env->server_to_actr;
    assert_int_equal(s->payload_case, SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_UNREGISTER_RESPONSE);
    assert_int_equal(s->unregister_response->result_case,
                     ACTR__UNREGISTER_RESPONSE__RESULT_SUCCESS);
    actr_pb_free(env);
    assert_null(sig_conn_lookup(h->sig, 101, 5));
    actrd_sig_stats_t st = h_stats(h);
    assert_int_equal(st.actors, 0);
    assert_int_equal(st.registry_entries, 0);
    assert_int_equal(st.connections, 1); /* the socket stays until the client closes it */
    assert_int_equal(h->ncloses, 0);
    actrd_sig_disconnect(h->sig, c);
    h_free(h);
}

static void test_registry_expiry(void **state)
{
    (void)state;
    harness_t *h = h_new();
    actr_id_t a = h_id(101, 5, ECHO), b = h_id(101, 6, ECHO);
    actrd_sig_conn_t *ca = h_connect(h, 1, &a, NULL);
    h_connect(h, 2, &b, NULL);
    h_wire_id_t wa;
    h_wire(&wa, &a, NULL, true);
    uint64_t t0 = h->mono_ms;

    h->mono_ms = t0 + 30000; /* first sweep: nothing is 60 s old */
    actrd_sig_tick(h->sig, h->mono_ms);
    assert_int_equal(h_stats(h).registry_entries, 2);
    h_ping(h, ca, "env-1", &wa, 0, 1.0f, 0.0f); /* a pings at 30 s, b never */
    h->mono_ms = t0 + 45000;                   /* not yet the next sweep */
    actrd_sig_tick(h->sig, h->mono_ms);
    h->mono_ms = t0 + 60001;
    actrd_sig_tick(h->sig, h->mono_ms);
    actrd_sig_stats_t st = h_stats(h);
    assert_int_equal(st.registry_entries, 1); /* b expired at the 60 s sweep */
    assert_int_equal(st.expired, 1);
    assert_int_equal(st.actors, 2); /* expiry does not close sockets */

    h->mono_ms = t0 + 90001; /* a's last ping was 60.001 s ago */
    actrd_sig_tick(h->sig, h->mono_ms);
    assert_int_equal(h_stats(h).registry_entries, 0);

    /* A ping lists the entry again. */
    h_ping(h, ca, "env-2", &wa, 0, 1.0f, 0.0f);
    assert_int_equal(h_stats(h).registry_entries, 1);
    assert_true(ca->entry.listed);
    h_free(h);
}

static void tweak_small_bucket(actrd_sig_config_t *cfg)
{
    cfg->msg_burst = 3;
    cfg->msg_rate_per_sec = 1.0;
}

static void test_rate_limit(void **state)
{
    (void)state;
    solo_t one;
    solo_up(&one, tweak_small_bucket);
    harness_t *h = one.h;
    actrd_sig_conn_t *c = one.c;
    for (int i = 0; i < 6; i++)
        h_ping(h, c, "env", &one.w, 0, 1.0f, 0.0f);
    for (int i = 0; i < 3; i++) {
        Signaling__SignalingEnvelope *env = h_next(h, 1);
        assert_int_equal(env->server_to_actr->payload_case,
                         SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_PONG);
        actr_pb_free(env);
    }
    /* One 429 answers the three refusals of this second. */
    Signaling__SignalingEnvelope *env = h_next(h, 1);
    assert_int_equal(env->flow_case, SIGNALING__SIGNALING_ENVELOPE__FLOW_ENVELOPE_ERROR);
    assert_int_equal(env->envelope_error->code, 429);
    assert_null(env->reply_for);
    actr_pb_free(env);
    assert_int_equal(h_unread(h, 1), 0);
    assert_int_equal(h_stats(h).rate_limited, 3);

    h->mono_ms += 2000; /* two tokens back */
    h_ping(h, c, "env", &one.w, 0, 1.0f, 0.0f);
    h_ping(h, c, "env", &one.w, 0, 1.0f, 0.0f);
    h_ping(h, c, "env", &one.w, 0, 1.0f, 0.0f);
    assert_int_equal(h_unread(h, 1), 3); /* two pongs and a new 429 */
    assert_int_equal(h_stats(h).rate_limited, 4);
    h_free(h);
}

static void test_undecodable_frames(void **state)
{
    (void)state;
    harness_t *h = h_new();
    actr_id_t a = h_id(101, 5, ECHO);
    actrd_sig_conn_t *c = h_connect(h, 1, &a, NULL);
    const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    actrd_sig_frame(h->sig, c, junk, sizeof junk);
    Signaling__SignalingEnvelope *env = h_next(h, 1);
    assert_int_equal(env->flow_case, SIGNALING__SIGNALING_ENVELOPE__FLOW_ENVELOPE_ERROR);
    assert_int_equal(env->envelope_error->code, 400);
    actr_pb_free(env);
    assert_int_equal(h_stats(h).frames_undecodable, 1);
    assert_int_equal(h->ncloses, 0); /* unlike actrix, the socket stays open */

    /* An empty frame decodes (every field defaulted) and carries no flow: ignored. */
    actrd_sig_frame(h->sig, c, NULL, 0);
    assert_int_equal(h_unread(h, 1), 0);
    h_free(h);
}

static void test_random_frames_never_crash(void **state)
{
    (void)state;
    harness_t *h = h_new();
    actr_id_t a = h_id(101, 5, ECHO), b = h_id(101, 6, ECHO);
    actrd_sig_conn_t *c = h_connect(h, 1, &a, NULL);
    h_connect(h, 2, &b, "answer");
    uint32_t x = 12345;
    uint8_t buf[512];
    for (int round = 0; round < 3000; round++) {
        size_t len = (size_t)(round % 200);
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (uint8_t)(x >> 16);
        }
        /* Half the rounds start like an envelope so the decoder goes deeper. */
        if (round % 2 && len > 2) {
            buf[0] = 0x6a; /* field 13 (actr_relay), length-delimited */
            buf[1] = (uint8_t)(len - 2);
        }
        h->mono_ms += 10;
        actrd_sig_frame(h->sig, c, buf, len);
    }
    assert_int_equal(h_stats(h).frames_in, 3000);
    h_free(h);
}

/* Records one envelope of each kind a node sends, as fuzz seeds. */
static void record_seeds(harness_t *h, actrd_sig_conn_t *c, h_wire_id_t *wa, h_wire_id_t *wb)
{
    h->record = true;
    h_ping(h, c, "s-1", wa, 2, 4.0f, 0.5f);
    Webrtc__IceCandidate ice = WEBRTC__ICE_CANDIDATE__INIT;
    ice.candidate = "candidate:1 1 udp 1 10.0.0.1 5000 typ host";
    ice.username_fragment = "abcd";
    Signaling__ActrRelay r = SIGNALING__ACTR_RELAY__INIT;
    r.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE;
    r.ice_candidate = &ice;
    h_relay(h, c, "s-2", wa, wb, &r, "00-aa-bb-01");
    Actr__RoleNegotiation rn = ACTR__ROLE_NEGOTIATION__INIT;
    rn.from = &wa->pb.id;
    rn.to = &wb->pb.id;
    Signaling__ActrRelay neg = SIGNALING__ACTR_RELAY__INIT;
    neg.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_NEGOTIATION;
    neg.role_negotiation = &rn;
    h_relay(h, c, "s-3", wa, wb, &neg, NULL);

    static const Actr__RouteCandidatesRequest__NodeSelectionCriteria__NodeRankingFactor f[] = {
        ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__NEAREST,
        ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__MAXIMUM_POWER_RESERVE};
    Actr__RouteCandidatesRequest__NodeSelectionCriteria cr =
        ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__INIT;
    cr.candidate_count = 3;
    cr.n_ranking_factors = 2;
    cr.ranking_factors = (Actr__RouteCandidatesRequest__NodeSelectionCriteria__NodeRankingFactor *)f;
    cr.has_minimal_health_requirement = true;
    cr.minimal_health_requirement = ACTR__SERVICE_AVAILABILITY_STATE__OVERLOADED;
    Actr__ServiceLocation loc = ACTR__SERVICE_LOCATION__INIT;
    loc.has_latitude = loc.has_longitude = true;
    loc.latitude = 10.0;
    loc.longitude = 20.0;
    h_pb_type_t t;
    Actr__RouteCandidatesRequest rc = ACTR__ROUTE_CANDIDATES_REQUEST__INIT;
    rc.target_type = h_type(&t, ECHO);
    rc.criteria = &cr;
    rc.client_location = &loc;
    rc.client_fingerprint = "fp";
    Signaling__ActrToSignaling a = SIGNALING__ACTR_TO_SIGNALING__INIT;
    a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_ROUTE_CANDIDATES_REQUEST;
    a.route_candidates_request = &rc;
    h_request(h, c, "s-4", wa, &a);
    Actr__DiscoveryRequest dr = ACTR__DISCOVERY_REQUEST__INIT;
    dr.manufacturer = "acme";
    a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_DISCOVERY_REQUEST;
    a.discovery_request = &dr;
    h_request(h, c, "s-5", wa, &a);
    Actr__SubscribeActrUpRequest sub = ACTR__SUBSCRIBE_ACTR_UP_REQUEST__INIT;
    sub.target_type = h_type(&t, ECHO);
    a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_SUBSCRIBE_ACTR_UP_REQUEST;
    a.subscribe_actr_up_request = &sub;
    h_request(h, c, "s-6", wa, &a);
    h->record = false;
}

/* Valid envelopes with a few bytes changed or cut off reach every handler with odd values. */
static void test_mutated_envelopes_never_crash(void **state)
{
    (void)state;
    harness_t *h = h_new();
    h->discard_frames = true;
    actr_log_set_level(ACTR_LOG_ERROR);
    actr_id_t a = h_id(101, 5, ECHO), b = h_id(101, 6, ECHO);
    actrd_sig_conn_t *c = h_connect(h, 1, &a, NULL);
    h_connect(h, 2, &b, "answer");
    h_wire_id_t wa, wb;
    h_wire(&wa, &a, NULL, true);
    h_wire(&wb, &b, NULL, true);
    record_seeds(h, c, &wa, &wb);
    for (size_t i = 0; i < h->nseeds; i++) /* the seeds themselves are all answered */
        actrd_sig_frame(h->sig, c, h->seeds[i], h->seed_len[i]);
    assert_int_equal(h_stats(h).frames_undecodable, 0);

    uint32_t x = 777;
    uint8_t buf[1024];
    for (int round = 0; round < 20000; round++) {
        x = x * 1103515245u + 12345u;
        size_t k = (x >> 8) % h->nseeds, len = h->seed_len[k];
        memcpy(buf, h->seeds[k], len);
        for (int flips = 1 + (int)((x >> 20) % 4); flips > 0; flips--) {
            x = x * 1103515245u + 12345u;
            buf[(x >> 8) % len] = (uint8_t)(x >> 24);
        }
        if (x % 5 == 0)
            len = (x >> 12) % len;
        h->mono_ms += 10;
        actrd_sig_frame(h->sig, c, buf, len);
    }
    assert_int_equal(h_stats(h).frames_in, 20000 + h->nseeds);
    h_free(h);
}

static void test_full_send_queue_closes(void **state)
{
    (void)state;
    solo_t one;
    solo_up(&one, NULL);
    harness_t *h = one.h;
    actrd_sig_conn_t *c = one.c;
    h->send_fails = true;
    h_ping(h, c, "env-1", &one.w, 0, 1.0f, 0.0f);
    assert_int_equal(h->ncloses, 1);
    assert_int_equal(h->close_code[0], 1013);
    h_ping(h, c, "env-2", &one.w, 0, 1.0f, 0.0f);
    assert_int_equal(h->ncloses, 1); /* closed once; later frames are not read */
    actrd_sig_stats_t st = h_stats(h);
    assert_int_equal(st.send_failures, 1);
    assert_int_equal(st.frames_after_close, 1);
    h_free(h);
}

static void test_register_over_signaling_is_gone(void **state)
{
    (void)state;
    harness_t *h = h_new();
    actr_id_t a = h_id(101, 5, ECHO);
    actrd_sig_conn_t *c = h_connect(h, 1, &a, NULL);
    Actr__RegisterRequest req = ACTR__REGISTER_REQUEST__INIT;
    Signaling__PeerToSignaling p = SIGNALING__PEER_TO_SIGNALING__INIT;
    p.payload_case = SIGNALING__PEER_TO_SIGNALING__PAYLOAD_REGISTER_REQUEST;
    p.register_request = &req;
    Signaling__SignalingEnvelope env = SIGNALING__SIGNALING_ENVELOPE__INIT;
    env.envelope_id = "reg-1";
    env.flow_case = SIGNALING__SIGNALING_ENVELOPE__FLOW_PEER_TO_SERVER;
    env.peer_to_server = &p;
    h_feed(h, c, &env);
    Signaling__SignalingEnvelope *out = h_next(h, 1);
    assert_string_equal(out->reply_for, "reg-1");
    const Signaling__SignalingToActr *s = out->server_to_actr;
    assert_string_equal(s->target->type->manufacturer, "temp");
    assert_int_equal(s->target->serial_number, 0);
    assert_int_equal(s->register_response->error->code, 410);
    actr_pb_free(out);
    h_free(h);
}

static void tweak_one_connection(actrd_sig_config_t *cfg)
{
    cfg->max_connections = 1;
}

static void test_connection_limit(void **state)
{
    (void)state;
    harness_t *h = h_new_cfg(tweak_one_connection);
    actr_id_t a = h_id(101, 5, ECHO), b = h_id(101, 6, ECHO);
    h_connect(h, 1, &a, NULL);
    actrd_sig_conn_t *c = NULL;
    assert_int_equal(actrd_sig_connect(h->sig, H_NET(2), &b, NULL, 0, &c), ACTR_EAGAIN);
    assert_null(c);
    assert_int_equal(h_stats(h).connects_refused, 1);
    h_free(h);
}

/* 10,000 actors of 100 types: connect, ping, query, relay, expire and leave, with the work per
 * message independent of the number of sockets. */
static void test_ten_thousand_actors(void **state)
{
    (void)state;
    enum { N = 10000, TYPES = 100 };
    harness_t *h = h_new();
    h->discard_frames = true;
    actr_log_set_level(ACTR_LOG_ERROR);
    actrd_sig_conn_t **conns = calloc(N, sizeof *conns);
    assert_non_null(conns);
    char type[64];
    for (uint64_t i = 0; i < N; i++) {
        snprintf(type, sizeof type, "acme:svc%u:1.0.0", (unsigned)(i % TYPES));
        actr_id_t id = h_id(101, 1000 + i, type);
        conns[i] = h_connect(h, 1000 + (uintptr_t)i, &id, NULL);
        h_wire_id_t w;
        h_wire(&w, &id, NULL, true);
        h_ping(h, conns[i], "p", &w, 0, 1.0f, 0.0f);
    }
    actrd_sig_stats_t st = h_stats(h);
    assert_int_equal(st.actors, N);
    assert_int_equal(st.registry_entries, N);
    assert_int_equal(h->nsent, N);

    /* A relay between two of them finds its target by key, not by scanning. */
    h_wire_id_t wa, wb;
    h_wire(&wa, &conns[0]->id, NULL, true);
    h_wire(&wb, &conns[N - 1]->id, NULL, true);
    Actr__IceRestartRequest irr = ACTR__ICE_RESTART_REQUEST__INIT;
    Signaling__ActrRelay r = SIGNALING__ACTR_RELAY__INIT;
    r.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ICE_RESTART_REQUEST;
    r.ice_restart_request = &irr;
    h_relay(h, conns[0], "rel", &wa, &wb, &r, NULL);
    assert_int_equal(h_stats(h).relays, 1);

    h->mono_ms += 61000;
    actrd_sig_tick(h->sig, h->mono_ms);
    assert_int_equal(h_stats(h).registry_entries, 0);
    for (size_t i = 0; i < N; i++)
        actrd_sig_disconnect(h->sig, conns[i]);
    st = h_stats(h);
    assert_int_equal(st.connections, 0);
    assert_int_equal(st.actors, 0);
    free(conns);
    h_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_and_displace),
        cmocka_unit_test(test_displaced_socket_is_not_read),
        cmocka_unit_test(test_ping_pong),
        cmocka_unit_test(test_realm_and_credential_checks),
        cmocka_unit_test(test_unregister),
        cmocka_unit_test(test_registry_expiry),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_undecodable_frames),
        cmocka_unit_test(test_random_frames_never_crash),
        cmocka_unit_test(test_mutated_envelopes_never_crash),
        cmocka_unit_test(test_full_send_queue_closes),
        cmocka_unit_test(test_register_over_signaling_is_gone),
        cmocka_unit_test(test_connection_limit),
        cmocka_unit_test(test_ten_thousand_actors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
