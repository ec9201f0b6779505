/*
 * Signaling service: registry queries (protocol.md 6.4, 9.4, 9.5, 9.7): route candidates
 * (exact type, live sockets, ACL, every ranking factor and filter, truncation, ws_address_map),
 * discovery (manufacturer filter, ACL, limit, fingerprint "unknown"), service specs, signing keys
 * and presence events.
 */
#include <math.h>

#include "sig_harness.h"

#define ECHO "acme:echo:1.0.0"
#define CALLER "acme:caller:1.0.0"

typedef Actr__RouteCandidatesRequest__NodeSelectionCriteria criteria_t;
typedef Actr__RouteCandidatesRequest__NodeSelectionCriteria__NodeRankingFactor factor_t;
#define F_POWER \
    ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__MAXIMUM_POWER_RESERVE
#define F_BACKLOG \
    ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__MINIMUM_MAILBOX_BACKLOG
#define F_EXACT \
    ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__EXACT_MATCH_FIRST
#define F_NEAREST ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__NEAREST

/* The caller (net 1, serial 1) and echo servers on nets 10.., serials 10.. */
typedef struct world {
    harness_t *h;
    actr_id_t caller;
    actrd_sig_conn_t *cc;
    h_wire_id_t wc;
} world_t;

static void world_init(world_t *w)
{
    w->h = h_new();
    w->caller = h_id(101, 1, CALLER);
    w->cc = h_connect(w->h, 1, &w->caller, NULL);
    h_wire(&w->wc, &w->caller, NULL, true);
}

static actrd_sig_conn_t *add_echo(world_t *w, uint64_t n, uint32_t realm, const char *type)
{
    actr_id_t id = h_id(realm, n, type);
    return h_connect(w->h, (uintptr_t)n, &id, NULL);
}

static void ping_as(world_t *w, actrd_sig_conn_t *c, int availability, float power, float backlog)
{
    h_wire_id_t wire;
    h_wire(&wire, &c->id, NULL, true);
    h_ping(w->h, c, "p", &wire, availability, power, backlog);
    actr_pb_free(h_next(w->h, (uintptr_t)c->id.serial_number)); /* the pong */
}

/* Asks for route candidates of type; checks the reply and returns how many serials it holds
 * (copied to out, in order). */
static size_t ask(world_t *w, const char *type, criteria_t *criteria, const char *fingerprint,
                  Actr__ServiceLocation *loc, uint64_t *out, size_t cap)
{
    h_pb_type_t pt;
    Actr__RouteCandidatesRequest req = ACTR__ROUTE_CANDIDATES_REQUEST__INIT;
    req.target_type = h_type(&pt, type);
    req.criteria = criteria;
    req.client_location = loc;
    req.client_fingerprint = (char *)(fingerprint ? fingerprint : "");
    Signaling__ActrToSignaling a = SIGNALING__ACTR_TO_SIGNALING__INIT;
    a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_ROUTE_CANDIDATES_REQUEST;
    a.route_candidates_request = &req;
    h_request(w->h, w->cc, "rc-1", &w->wc, &a);
    Signaling__SignalingEnvelope *env = h_next(w->h, 1);
    assert_non_null(env);
    assert_string_equal(env->reply_for, "rc-1");
    const Actr__RouteCandidatesResponse *resp = env->server_to_actr->route_candidates_response;
    assert_int_equal(resp->result_case, ACTR__ROUTE_CANDIDATES_RESPONSE__RESULT_SUCCESS);
    const Actr__RouteCandidatesResponse__RouteCandidatesOk *ok = resp->success;
    assert_int_equal(ok->n_ws_address_map, ok->n_candidates);
    size_t n = ok->n_candidates;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        out[i] = ok->candidates[i]->serial_number;
        assert_int_equal(ok->ws_address_map[i]->candidate_id->serial_number, out[i]);
        assert_string_equal(ok->candidates[i]->type->name, pt.t.name);
        assert_string_equal(ok->candidates[i]->type->version, pt.t.version);
    }
    actr_pb_free(env);
    return n;
}

static void criteria_with(criteria_t *c, const factor_t *f, size_t nf, uint32_t count)
{
    actr__route_candidates_request__node_selection_criteria__init(c);
    c->candidate_count = count;
    c->n_ranking_factors = nf;
    c->ranking_factors = (factor_t *)f;
}

static void test_candidates_exact_type_live_acl(void **state)
{
    (void)state;
    world_t w;
    world_init(&w);
    add_echo(&w, 10, 101, ECHO);
    actrd_sig_conn_t *e11 = add_echo(&w, 11, 101, ECHO);
    add_echo(&w, 12, 101, "acme:echo:2.0.0");
    add_echo(&w, 13, 101, "other:echo:1.0.0");
    add_echo(&w, 14, 102, ECHO);
    add_echo(&w, 15, 103, ECHO);
    uint64_t got[16];
    size_t n = ask(&w, ECHO, NULL, NULL, NULL, got, 16);
    assert_int_equal(n, 4); /* no criteria: every match, in registry order */
    assert_int_equal(got[0], 10);
    assert_int_equal(got[1], 11);
    assert_int_equal(got[2], 14);
    assert_int_equal(got[3], 15);

    /* Only live sockets; and the ACL per target realm, asked once per realm. */
    actrd_sig_disconnect(w.h->sig, e11);
    w.h->acl_deny_realm = 102;
    w.h->acl_calls = 0;
    n = ask(&w, ECHO, NULL, NULL, NULL, got, 16);
    assert_int_equal(n, 2);
    assert_int_equal(got[0], 10);
    assert_int_equal(got[1], 15);
    assert_int_equal(w.h->acl_calls, 3);

    /* A type-level denial empties the answer; the requester's own type is included like any. */
    h_acl_rule(w.h, CALLER, ECHO, false);
    assert_int_equal(ask(&w, ECHO, NULL, NULL, NULL, got, 16), 0);
    n = ask(&w, CALLER, NULL, NULL, NULL, got, 16);
    assert_int_equal(n, 1);
    assert_int_equal(got[0], 1);
    assert_int_equal(ask(&w, "acme:echo:3.0.0", NULL, NULL, NULL, got, 16), 0);
    h_free(w.h);
}

static void test_candidates_ranking_power_backlog(void **state)
{
    (void)state;
    world_t w;
    world_init(&w);
    actrd_sig_conn_t *a = add_echo(&w, 10, 101, ECHO);
    actrd_sig_conn_t *b = add_echo(&w, 11, 101, ECHO);
    actrd_sig_conn_t *c = add_echo(&w, 12, 101, ECHO);
    add_echo(&w, 13, 101, ECHO); /* never pings: last for metric factors */
    ping_as(&w, a, 0, 1.0f, 0.5f);
    ping_as(&w, b, 0, 5.0f, 0.9f);
    ping_as(&w, c, 0, 5.0f, 0.1f);
    static const factor_t power[] = {F_POWER};
    static const factor_t backlog[] = {F_BACKLOG};
    static const factor_t both[] = {F_POWER, F_BACKLOG};
    criteria_t cr;
    uint64_t got[8];

    criteria_with(&cr, power, 1, 10);
    assert_int_equal(ask(&w, ECHO, &cr, NULL, NULL, got, 8), 4);
    assert_int_equal(got[0], 11); /* 5.0, stable: b before c */
    assert_int_equal(got[1], 12);
    assert_int_equal(got[2], 10);
    assert_int_equal(got[3], 13);

    criteria_with(&cr, backlog, 1, 10);
    ask(&w, ECHO, &cr, NULL, NULL, got, 8);
    assert_int_equal(got[0], 12);
    assert_int_equal(got[1], 10);
    assert_int_equal(got[2], 11);
    assert_int_equal(got[3], 13);

    /* Lexicographic: power first, backlog breaks the tie between b and c. */
    criteria_with(&cr, both, 2, 2);
    assert_int_equal(ask(&w, ECHO, &cr, NULL, NULL, got, 8), 2); /* candidate_count */
    assert_int_equal(got[0], 12);
    assert_int_equal(got[1], 11);

    criteria_with(&cr, both, 2, 0);
    assert_int_equal(ask(&w, ECHO, &cr, NULL, NULL, got, 8), 0);
    h_free(w.h);
}

static void test_candidates_fingerprint_and_ws_address(void **state)
{
    (void)state;
    world_t w;
    world_init(&w);
    h_pending(w.h, 101, 10, "EchoService", "service_semantic:aaa", "ws://10.0.0.10:9100");
    h_pending(w.h, 101, 11, "EchoService", "service_semantic:bbb", NULL);
    add_echo(&w, 10, 101, ECHO);
    add_echo(&w, 11, 101, ECHO);
    add_echo(&w, 12, 101, ECHO); /* no pending registration at all */
    static const factor_t exact[] = {F_EXACT};
    criteria_t cr;
    criteria_with(&cr, exact, 1, 5);
    uint64_t got[8];
    assert_int_equal(ask(&w, ECHO, &cr, "  service_semantic:bbb\n", NULL, got, 8), 3);
    assert_int_equal(got[0], 11);
    assert_int_equal(got[1], 10);
    assert_int_equal(got[2], 12);

    /* ws_address_map: one entry per candidate, the address only where one was registered. */
    h_pb_type_t pt;
    Actr__RouteCandidatesRequest req = ACTR__ROUTE_CANDIDATES_REQUEST__INIT;
    req.target_type = h_type(&pt, ECHO);
    req.client_fingerprint = "";
    Signaling__ActrToSignaling a = SIGNALING__ACTR_TO_SIGNALING__INIT;
    a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_ROUTE_CANDIDATES_REQUEST;
    a.route_candidates_request = &req;
    h_request(w.h, w.cc, "rc-2", &w.wc, &a);
    Signaling__SignalingEnvelope *env = h_next(w.h, 1);
    const Actr__RouteCandidatesResponse__RouteCandidatesOk *ok =
        env->server_to_actr->route_candidates_response->success;
    assert_int_equal(ok->n_ws_address_map, 3);
    assert_string_equal(ok->ws_address_map[0]->ws_address, "ws://10.0.0.10:9100");
    assert_null(ok->ws_address_map[1]->ws_address);
    assert_null(ok->ws_address_map[2]->ws_address);
    actr_pb_free(env);
    h_free(w.h);
}

static void test_candidates_nearest(void **state)
{
    (void)state;
    world_t w;
    world_init(&w);
    actrd_sig_conn_t *paris = add_echo(&w, 10, 101, ECHO);
    actrd_sig_conn_t *tokyo = add_echo(&w, 11, 101, ECHO);
    add_echo(&w, 12, 101, ECHO); /* no location */
    actrd_sig_conn_t *berlin = add_echo(&w, 13, 101, ECHO);
    actrd_sig_conn_set_location(paris, 48.8566, 2.3522);
    actrd_sig_conn_set_location(tokyo, 35.6762, 139.6503);
    actrd_sig_conn_set_location(berlin, 52.52, 13.405);
    static const factor_t nearest[] = {F_NEAREST};
    criteria_t cr;
    criteria_with(&cr, nearest, 1, 10);
    Actr__ServiceLocation here = ACTR__SERVICE_LOCATION__INIT; /* Warsaw */
    here.has_latitude = here.has_longitude = true;
    here.latitude = 52.2297;
    here.longitude = 21.0122;
    uint64_t got[8];
    assert_int_equal(ask(&w, ECHO, &cr, NULL, &here, got, 8), 4);
    assert_int_equal(got[0], 13);
    assert_int_equal(got[1], 10);
    assert_int_equal(got[2], 11);
    assert_int_equal(got[3], 12);
    /* Without a client location, located candidates still come first (actrix). */
    ask(&w, ECHO, &cr, NULL, NULL, got, 8);
    assert_int_equal(got[3], 12);
    /* Paris-Berlin is about 878 km. */
    assert_true(fabs(sig_haversine_km(48.8566, 2.3522, 52.52, 13.405) - 878.0) < 5.0);
    h_free(w.h);
}

static void test_candidates_health_and_dependency_filters(void **state)
{
    (void)state;
    world_t w;
    world_init(&w);
    actrd_sig_conn_t *full = add_echo(&w, 10, 101, ECHO);
    actrd_sig_conn_t *over = add_echo(&w, 11, 101, ECHO);
    add_echo(&w, 12, 101, ECHO); /* unknown health */
    ping_as(&w, full, ACTR__SERVICE_AVAILABILITY_STATE__FULL, 1.0f, 0.0f);
    ping_as(&w, over, ACTR__SERVICE_AVAILABILITY_STATE__OVERLOADED, 1.0f, 0.0f);
    criteria_t cr;
    criteria_with(&cr, NULL, 0, 10);
    uint64_t got[8];
    cr.has_minimal_health_requirement = true;
    cr.minimal_health_requirement = ACTR__SERVICE_AVAILABILITY_STATE__FULL;
    assert_int_equal(ask(&w, ECHO, &cr, NULL, NULL, got, 8), 1);
    assert_int_equal(got[0], 10);
    cr.minimal_health_requirement = ACTR__SERVICE_AVAILABILITY_STATE__DEGRADED;
    assert_int_equal(ask(&w, ECHO, &cr, NULL, NULL, got, 8), 2); /* unknown counts as 1.5 */
    cr.minimal_health_requirement = ACTR__SERVICE_AVAILABILITY_STATE__UNAVAILABLE;
    assert_int_equal(ask(&w, ECHO, &cr, NULL, NULL, got, 8), 3);

    cr.has_minimal_health_requirement = false;
    cr.has_minimal_dependency_requirement = true;
    cr.minimal_dependency_requirement = ACTR__SERVICE_DEPENDENCY_STATE__HEALTHY;
    assert_int_equal(ask(&w, ECHO, &cr, NULL, NULL, got, 8), 0);
    cr.minimal_dependency_requirement = ACTR__SERVICE_DEPENDENCY_STATE__WARNING;
    assert_int_equal(ask(&w, ECHO, &cr, NULL, NULL, got, 8), 3);
    h_free(w.h);
}

/* Sends a discovery request; returns the decoded reply (free with actr_pb_free). */
static Signaling__SignalingEnvelope *discover(world_t *w, const char *mfr, int limit)
{
    Actr__DiscoveryRequest req = ACTR__DISCOVERY_REQUEST__INIT;
    req.manufacturer = (char *)mfr;
    req.has_limit = limit >= 0;
    req.limit = limit >= 0 ? (uint32_t)limit : 0;
    Signaling__ActrToSignaling a = SIGNALING__ACTR_TO_SIGNALING__INIT;
    a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_DISCOVERY_REQUEST;
    a.discovery_request = &req;
    h_request(w->h, w->cc, "disc-1", &w->wc, &a);
    Signaling__SignalingEnvelope *env = h_next(w->h, 1);
    assert_non_null(env);
    assert_string_equal(env->reply_for, "disc-1");
    assert_int_equal(env->server_to_actr->discovery_response->result_case,
                     ACTR__DISCOVERY_RESPONSE__RESULT_SUCCESS);
    return env;
}

static void test_discovery(void **state)
{
    (void)state;
    world_t w;
    world_init(&w);
    h_pending(w.h, 101, 10, "EchoService", "service_semantic:aaa", NULL);
    add_echo(&w, 10, 101, ECHO);
    add_echo(&w, 11, 101, ECHO);
    add_echo(&w, 12, 101, "acme:echo:2.0.0");
    add_echo(&w, 13, 101, "other:svc:1.0.0");

    Signaling__SignalingEnvelope *env = discover(&w, "acme", -1);
    const Actr__DiscoveryResponse__DiscoveryOk *ok =
        env->server_to_actr->discovery_response->success;
    assert_int_equal(ok->n_entries, 3); /* caller, echo 1, echo 2; sorted by type string */
    assert_string_equal(ok->entries[0]->actr_type->name, "caller");
    assert_string_equal(ok->entries[0]->service_fingerprint, "unknown");
    const Actr__DiscoveryResponse__TypeEntry *echo = ok->entries[1];
    assert_string_equal(echo->actr_type->version, "1.0.0");
    assert_string_equal(echo->name, "acme:echo");
    assert_string_equal(echo->service_fingerprint, "service_semantic:aaa");
    assert_string_equal(echo->description, "a test service");
    assert_true(echo->has_published_at);
    assert_int_equal(echo->published_at, 1700000001);
    assert_string_equal(ok->entries[2]->actr_type->version, "2.0.0");
    actr_pb_free(env);

    env = discover(&w, NULL, 2);
    assert_int_equal(env->server_to_actr->discovery_response->success->n_entries, 2);
    actr_pb_free(env);
    env = discover(&w, NULL, -1);
    assert_int_equal(env->server_to_actr->discovery_response->success->n_entries, 4);
    actr_pb_free(env);

    h_acl_rule(w.h, CALLER, "acme:echo:2.0.0", false);
    env = discover(&w, "acme", -1);
    assert_int_equal(env->server_to_actr->discovery_response->success->n_entries, 2);
    actr_pb_free(env);
    h_free(w.h);
}

static void test_discovery_default_limit(void **state)
{
    (void)state;
    world_t w;
    world_init(&w);
    char type[64];
    for (uint64_t i = 0; i < 70; i++) {
        snprintf(type, sizeof type, "bulk:svc%02u:1.0.0", (unsigned)i);
        add_echo(&w, 100 + i, 101, type);
    }
    Signaling__SignalingEnvelope *env = discover(&w, NULL, -1);
    assert_int_equal(env->server_to_actr->discovery_response->success->n_entries, 64);
    actr_pb_free(env);
    env = discover(&w, NULL, 1000);
    assert_int_equal(env->server_to_actr->discovery_response->success->n_entries, 71);
    actr_pb_free(env);
    h_free(w.h);
}

static void test_service_spec_and_signing_key(void **state)
{
    (void)state;
    world_t w;
    world_init(&w);
    h_pending(w.h, 101, 10, "EchoService", "service_semantic:aaa", NULL);
    add_echo(&w, 10, 101, ECHO);

    Actr__GetServiceSpecRequest sreq = ACTR__GET_SERVICE_SPEC_REQUEST__INIT;
    sreq.name = "EchoService";
    Signaling__ActrToSignaling a = SIGNALING__ACTR_TO_SIGNALING__INIT;
    a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_GET_SERVICE_SPEC_REQUEST;
    a.get_service_spec_request = &sreq;
    h_request(w.h, w.cc, "spec-1", &w.wc, &a);
    Signaling__SignalingEnvelope *env = h_next(w.h, 1);
    const Actr__GetServiceSpecResponse *sr = env->server_to_actr->get_service_spec_response;
    assert_int_equal(sr->result_case, ACTR__GET_SERVICE_SPEC_RESPONSE__RESULT_SUCCESS);
    assert_string_equal(sr->success->fingerprint, "service_semantic:aaa");
    actr_pb_free(env);
    sreq.name = "Missing";
    h_request(w.h, w.cc, "spec-2", &w.wc, &a);
    env = h_next(w.h, 1);
    sr = env->server_to_actr->get_service_spec_response;
    assert_int_equal(sr->result_case, ACTR__GET_SERVICE_SPEC_RESPONSE__RESULT_ERROR);
    assert_int_equal(sr->error->code, 404);
    actr_pb_free(env);

    Signaling__GetSigningKeyRequest kreq = SIGNALING__GET_SIGNING_KEY_REQUEST__INIT;
    kreq.key_id = 7;
    a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_GET_SIGNING_KEY_REQUEST;
    a.get_signing_key_request = &kreq;
    h_request(w.h, w.cc, "key-1", &w.wc, &a);
    env = h_next(w.h, 1);
    assert_string_equal(env->reply_for, "key-1");
    const Signaling__GetSigningKeyResponse *kr = env->server_to_actr->get_signing_key_response;
    assert_int_equal(kr->key_id, 7);
    assert_int_equal(kr->pubkey.len, 32);
    assert_int_equal(kr->pubkey.data[31], 32);
    actr_pb_free(env);
    kreq.key_id = 8;
    h_request(w.h, w.cc, "key-2", &w.wc, &a);
    h_expect_error(w.h, 1, "key-2", 404, &env);
    actr_pb_free(env);
    kreq.key_id = 99;
    h_request(w.h, w.cc, "key-3", &w.wc, &a);
    h_expect_error(w.h, 1, "key-3", 500, &env);
    actr_pb_free(env);
    h_free(w.h);
}

/* Subscribes (or unsubscribes) conn's actor to type; checks the success reply. */
static void presence(world_t *w, actrd_sig_conn_t *c, const char *type, bool subscribe)
{
    h_pb_type_t pt;
    Actr__SubscribeActrUpRequest sub = ACTR__SUBSCRIBE_ACTR_UP_REQUEST__INIT;
    Actr__UnsubscribeActrUpRequest unsub = ACTR__UNSUBSCRIBE_ACTR_UP_REQUEST__INIT;
    sub.target_type = unsub.target_type = h_type(&pt, type);
    Signaling__ActrToSignaling a = SIGNALING__ACTR_TO_SIGNALING__INIT;
    if (subscribe) {
        a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_SUBSCRIBE_ACTR_UP_REQUEST;
        a.subscribe_actr_up_request = &sub;
    } else {
        a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_UNSUBSCRIBE_ACTR_UP_REQUEST;
        a.unsubscribe_actr_up_request = &unsub;
    }
    h_wire_id_t wire;
    h_wire(&wire, &c->id, NULL, true);
    h_request(w->h, c, "sub-1", &wire, &a);
    uintptr_t net = (uintptr_t)actrd_sig_conn_net(c);
    Signaling__SignalingEnvelope *env = h_next(w->h, net);
    assert_non_null(env);
    assert_string_equal(env->reply_for, "sub-1");
    const Signaling__SignalingToActr *s = env->server_to_actr;
    if (subscribe)
        assert_int_equal(s->subscribe_actr_up_response->result_case,
                         ACTR__SUBSCRIBE_ACTR_UP_RESPONSE__RESULT_SUCCESS);
    else
        assert_int_equal(s->unsubscribe_actr_up_response->result_case,
                         ACTR__UNSUBSCRIBE_ACTR_UP_RESPONSE__RESULT_SUCCESS);
    actr_pb_free(env);
}

static void expect_up_event(harness_t *h, uintptr_t net, uint64_t subscriber, uint64_t actor)
{
    Signaling__SignalingEnvelope *env = h_next(h, net);
    assert_non_null(env);
    assert_null(env->reply_for);
    const Signaling__SignalingToActr *s = env->server_to_actr;
    assert_int_equal(s->payload_case, SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_ACTR_UP_EVENT);
    assert_int_equal(s->target->serial_number, subscriber);
    assert_int_equal(s->actr_up_event->actor_id->serial_number, actor);
    assert_string_equal(s->actr_up_event->actor_id->type->name, "echo");
    actr_pb_free(env);
}

static void test_presence(void **state)
{
    (void)state;
    world_t w;
    world_init(&w);
    actr_id_t watcher_id = h_id(101, 2, "other:watcher:1.0.0");
    actrd_sig_conn_t *watcher = h_connect(w.h, 2, &watcher_id, NULL);
    h_acl_rule(w.h, "other:watcher:1.0.0", ECHO, false);
    presence(&w, w.cc, ECHO, true);
    presence(&w, w.cc, ECHO, true); /* twice is once */
    presence(&w, watcher, ECHO, true);
    assert_int_equal(h_stats(w.h).subscriptions, 2);

    add_echo(&w, 10, 101, ECHO);
    expect_up_event(w.h, 1, 1, 10);
    assert_int_equal(h_unread(w.h, 1), 0);
    assert_int_equal(h_unread(w.h, 2), 0); /* the ACL denies watcher -> echo */
    add_echo(&w, 11, 101, "acme:echo:2.0.0"); /* another version: no event */
    assert_int_equal(h_unread(w.h, 1), 0);

    /* The subscription survives a displacing reconnect; the event goes to the new socket. */
    actrd_sig_conn_t *again = h_connect(w.h, 3, &w.caller, NULL);
    add_echo(&w, 12, 101, ECHO);
    expect_up_event(w.h, 3, 1, 12);
    assert_int_equal(h_stats(w.h).actr_up_events, 2);

    presence(&w, again, ECHO, false);
    add_echo(&w, 13, 101, ECHO);
    assert_int_equal(h_unread(w.h, 3), 0);
    assert_int_equal(h_stats(w.h).subscriptions, 1);

    /* The last socket of the watcher going away drops its subscriptions. */
    actrd_sig_disconnect(w.h->sig, watcher);
    assert_int_equal(h_stats(w.h).subscriptions, 0);
    h_free(w.h);
}

static void tweak_two_subscriptions(actrd_sig_config_t *cfg)
{
    cfg->max_subscriptions = 2;
}

static void test_presence_limit(void **state)
{
    (void)state;
    world_t w;
    w.h = h_new_cfg(tweak_two_subscriptions);
    w.caller = h_id(101, 1, CALLER);
    w.cc = h_connect(w.h, 1, &w.caller, NULL);
    h_wire(&w.wc, &w.caller, NULL, true);
    presence(&w, w.cc, "a:a:1", true);
    presence(&w, w.cc, "a:b:1", true);
    h_pb_type_t pt;
    Actr__SubscribeActrUpRequest sub = ACTR__SUBSCRIBE_ACTR_UP_REQUEST__INIT;
    sub.target_type = h_type(&pt, "a:c:1");
    Signaling__ActrToSignaling a = SIGNALING__ACTR_TO_SIGNALING__INIT;
    a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_SUBSCRIBE_ACTR_UP_REQUEST;
    a.subscribe_actr_up_request = &sub;
    h_request(w.h, w.cc, "sub-3", &w.wc, &a);
    Signaling__SignalingEnvelope *env;
    h_expect_error(w.h, 1, "sub-3", 429, &env);
    actr_pb_free(env);
    h_free(w.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_candidates_exact_type_live_acl),
        cmocka_unit_test(test_candidates_ranking_power_backlog),
        cmocka_unit_test(test_candidates_fingerprint_and_ws_address),
        cmocka_unit_test(test_candidates_nearest),
        cmocka_unit_test(test_candidates_health_and_dependency_filters),
        cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_discovery_default_limit),
        cmocka_unit_test(test_service_spec_and_signing_key),
        cmocka_unit_test(test_presence),
        cmocka_unit_test(test_presence_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
