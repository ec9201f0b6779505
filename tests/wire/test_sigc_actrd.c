/*
 * The signaling client against a real actrd (`actrd init`, `actrd serve`, LINKED registration
 * over HTTP): query-credential connect, heartbeat Pong correlation, route candidates, relays
 * between two clients, displacement by a second socket of the same ActrId, a refused credential
 * without a retry storm, and scenario 23 of spec/engines.md 11 (single flight, shutdown noticed,
 * reconnect after a restart on the same port, unreachable server).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/pb.h"
#include "sigc_harness.h"

static sigh_actrd_t g_srv;

static int group_setup(void **state)
{
    (void)state;
    if (sigh_actrd_init(&g_srv) || sigh_actrd_start(&g_srv, 0)) {
        sigh_actrd_cleanup(&g_srv, true);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    sigh_actrd_cleanup(&g_srv, getenv("SIGC_PRINT_LOG") != NULL);
    return 0;
}

static void set_type(actr_type_t *t, const char *name)
{
    memset(t, 0, sizeof *t);
    snprintf(t->manufacturer, sizeof t->manufacturer, "acme");
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->version, sizeof t->version, "1.0.0");
}

static void register_ok(const sigh_actrd_t *srv, const char *name, const char *allow,
                        sigh_actor_t *out)
{
    actr_type_t t;
    if (allow)
        set_type(&t, allow);
    assert_int_equal(sigh_register(srv, "acme", name, allow ? &t : NULL, allow ? 1 : 0, out), 0);
}

typedef void (*tweak_fn)(actr_sigc_config_t *);

static actr_sigc_t *client_new(uv_loop_t *loop, int port, const sigh_actor_t *actor,
                               sigh_rec_t *rec, tweak_fn tweak)
{
    char url[128];
    sigh_url(url, sizeof url, port);
    actr_sigc_config_t cfg;
    actr_sigc_config_init(&cfg);
    cfg.url = url;
    sigh_identity(actor, &cfg.identity);
    if (tweak)
        tweak(&cfg);
    actr_sigc_callbacks_t cb;
    sigh_rec_callbacks(rec, &cb);
    actr_sigc_t *c = NULL;
    actr_error_t err;
    int rc = actr_sigc_new(loop, &cfg, &cb, &c, &err);
    if (rc)
        fprintf(stderr, "actr_sigc_new: %s\n", err.message);
    assert_int_equal(rc, 0);
    return c;
}

static void connect_ok(uv_loop_t *loop, actr_sigc_t *c, sigh_rec_t *rec)
{
    int before = rec->done_calls;
    assert_int_equal(actr_sigc_connect(c, sigh_rec_done, rec), 0);
    assert_true(sigh_wait_count(loop, &rec->done_calls, before + 1, 15000));
    assert_int_equal(rec->done_status, 0);
}

typedef struct reply {
    int calls;
    int status;
    uint8_t *env;
    size_t env_len;
} reply_t;

static void on_reply(actr_sigc_t *c, int status, const Signaling__SignalingEnvelope *env,
                     void *userdata)
{
    (void)c;
    reply_t *r = userdata;
    r->calls++;
    r->status = status;
    if (env)
        actr_pb_encode(&env->base, &r->env, &r->env_len, NULL);
}

static Signaling__SignalingEnvelope *decode(const uint8_t *data, size_t len)
{
    ProtobufCMessage *m = NULL;
    assert_non_null(data);
    assert_int_equal(actr_pb_decode(&signaling__signaling_envelope__descriptor, data, len, &m,
                                    NULL), 0);
    return (Signaling__SignalingEnvelope *)m;
}

/* An Actr__ActrId view of an actr_id_t (borrows its strings). */
typedef struct pb_id {
    Actr__ActrId id;
    Actr__Realm realm;
    Actr__ActrType type;
} pb_id_t;

static void pb_id(pb_id_t *p, const actr_id_t *id)
{
    actr__actr_id__init(&p->id);
    actr__realm__init(&p->realm);
    actr__actr_type__init(&p->type);
    p->realm.realm_id = id->realm.realm_id;
    p->type.manufacturer = (char *)id->type.manufacturer;
    p->type.name = (char *)id->type.name;
    p->type.version = (char *)id->type.version;
    p->id.realm = &p->realm;
    p->id.serial_number = id->serial_number;
    p->id.type = &p->type;
}

static bool same_id(const Actr__ActrId *pb, const actr_id_t *id)
{
    return pb && pb->realm && pb->type && pb->realm->realm_id == id->realm.realm_id &&
           pb->serial_number == id->serial_number &&
           !strcmp(pb->type->name, id->type.name);
}

typedef struct hb_rec {
    int pongs, other;
    uint64_t seq;
    uint32_t suggest;
} hb_rec_t;

static void on_hb(actr_sigc_t *c, const actr_sigc_hb_result_t *r, void *userdata)
{
    (void)c;
    hb_rec_t *h = userdata;
    if (r->kind != ACTR_SIGC_HB_PONG) {
        h->other++;
        return;
    }
    h->pongs++;
    h->seq = r->pong->seq;
    h->suggest = r->pong->suggest_interval_secs;
}

static void prefer_answer(actr_sigc_config_t *cfg)
{
    cfg->prefer_answer = true;
}

static void test_heartbeat_candidates_relays(void **state)
{
    (void)state;
    sigh_actor_t caller, callee;
    register_ok(&g_srv, "caller", "callee", &caller);
    register_ok(&g_srv, "callee", "caller", &callee);
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t ra, rb;
    actr_sigc_t *a = client_new(&loop, g_srv.port, &caller, &ra, NULL);
    actr_sigc_t *b = client_new(&loop, g_srv.port, &callee, &rb, prefer_answer);
    hb_rec_t hb = {0};
    actr_sigc_heartbeat_t hbc = {.interval_ms = 30000, .on_result = on_hb, .userdata = &hb};
    assert_int_equal(actr_sigc_heartbeat_start(a, &hbc), 0);
    connect_ok(&loop, a, &ra);
    connect_ok(&loop, b, &rb);

    /* The first heartbeat goes at once and its Pong is matched by reply_for. */
    assert_true(sigh_wait_count(&loop, &hb.pongs, 1, 10000));
    assert_int_equal(hb.other, 0);
    assert_true(hb.seq > 1700000000); /* actrd sends Unix seconds */
    assert_int_equal(hb.suggest, 30);

    /* Route candidates: the callee, found through the caller's request. */
    Actr__ActrType t = ACTR__ACTR_TYPE__INIT;
    t.manufacturer = "acme";
    t.name = "callee";
    t.version = "1.0.0";
    Actr__RouteCandidatesRequest__NodeSelectionCriteria crit =
        ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__INIT;
    crit.candidate_count = 1;
    Actr__RouteCandidatesRequest req = ACTR__ROUTE_CANDIDATES_REQUEST__INIT;
    req.target_type = &t;
    req.criteria = &crit;
    req.client_fingerprint = "";
    Signaling__ActrToSignaling msg = SIGNALING__ACTR_TO_SIGNALING__INIT;
    msg.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_ROUTE_CANDIDATES_REQUEST;
    msg.route_candidates_request = &req;
    reply_t r = {0};
    char id[ACTR_SIGC_ENV_ID_SIZE];
    assert_int_equal(actr_sigc_send_request(a, &msg, 0, on_reply, &r, id), 0);
    assert_string_equal(id, "env-2"); /* env-1 was the heartbeat */
    assert_true(sigh_wait_count(&loop, &r.calls, 1, 10000));
    assert_int_equal(r.status, 0);
    Signaling__SignalingEnvelope *env = decode(r.env, r.env_len);
    assert_string_equal(env->reply_for, "env-2");
    assert_false(actr_sigc_reply_error(env, NULL, NULL));
    const Actr__RouteCandidatesResponse *rc = env->server_to_actr->route_candidates_response;
    assert_non_null(rc);
    assert_int_equal(rc->result_case, ACTR__ROUTE_CANDIDATES_RESPONSE__RESULT_SUCCESS);
    assert_int_equal(rc->success->n_candidates, 1);
    assert_true(same_id(rc->success->candidates[0], &callee.id));
    actr_pb_free(env);
    free(r.env);

    /* Role negotiation: both get an assignment; the callee asked to answer. */
    pb_id_t from, to;
    pb_id(&from, &caller.id);
    pb_id(&to, &callee.id);
    Actr__RoleNegotiation neg = ACTR__ROLE_NEGOTIATION__INIT;
    neg.from = &from.id;
    neg.to = &to.id;
    neg.realm_id = caller.id.realm.realm_id;
    Signaling__ActrRelay relay = SIGNALING__ACTR_RELAY__INIT;
    relay.target = &to.id;
    relay.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_NEGOTIATION;
    relay.role_negotiation = &neg;
    assert_int_equal(actr_sigc_send_relay(a, &relay, NULL), 0);
    assert_true(sigh_wait_count(&loop, &ra.unsolicited, 1, 10000));
    assert_true(sigh_wait_count(&loop, &rb.unsolicited, 1, 10000));
    Signaling__SignalingEnvelope *ea = sigh_rec_last(&ra), *eb = sigh_rec_last(&rb);
    assert_int_equal(ea->actr_relay->payload_case, SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_ASSIGNMENT);
    assert_int_equal(eb->actr_relay->payload_case, SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_ASSIGNMENT);
    assert_true(ea->actr_relay->role_assignment->is_offerer);
    assert_false(eb->actr_relay->role_assignment->is_offerer);
    actr_pb_free(ea);
    actr_pb_free(eb);

    /* An offer reaches the callee unchanged; an ICE candidate travels back. */
    Webrtc__SessionDescription sdp = WEBRTC__SESSION_DESCRIPTION__INIT;
    sdp.type = WEBRTC__SESSION_DESCRIPTION__TYPE__OFFER;
    sdp.sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n";
    sdp.sdp_exchange_id = "xchg-1";
    relay.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION;
    relay.session_description = &sdp;
    assert_int_equal(actr_sigc_send_relay(a, &relay, NULL), 0);
    assert_true(sigh_wait_count(&loop, &rb.unsolicited, 2, 10000));
    eb = sigh_rec_last(&rb);
    assert_int_equal(eb->actr_relay->payload_case,
                     SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION);
    assert_string_equal(eb->actr_relay->session_description->sdp, sdp.sdp);
    assert_string_equal(eb->actr_relay->session_description->sdp_exchange_id, "xchg-1");
    assert_true(same_id(eb->actr_relay->source, &caller.id));
    assert_null(eb->reply_for);
    actr_pb_free(eb);

    Webrtc__IceCandidate ice = WEBRTC__ICE_CANDIDATE__INIT;
    ice.candidate = "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host";
    ice.username_fragment = "ufrag";
    Signaling__ActrRelay back = SIGNALING__ACTR_RELAY__INIT;
    back.target = &from.id;
    back.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE;
    back.ice_candidate = &ice;
    assert_int_equal(actr_sigc_send_relay(b, &back, NULL), 0);
    assert_true(sigh_wait_count(&loop, &ra.unsolicited, 2, 10000));
    ea = sigh_rec_last(&ra);
    assert_int_equal(ea->actr_relay->payload_case, SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE);
    assert_string_equal(ea->actr_relay->ice_candidate->username_fragment, "ufrag");
    actr_pb_free(ea);

    actr_sigc_disconnect(a);
    actr_sigc_disconnect(b);
    actr_sigc_destroy(a);
    actr_sigc_destroy(b);
    assert_int_equal(sigh_loop_finish(&loop), 0);
    sigh_rec_free(&ra);
    sigh_rec_free(&rb);
}

static void test_second_socket_displaces_first(void **state)
{
    (void)state;
    sigh_actor_t x;
    register_ok(&g_srv, "twice", NULL, &x);
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t r1, r2;
    actr_sigc_t *c1 = client_new(&loop, g_srv.port, &x, &r1, NULL);
    actr_sigc_t *c2 = client_new(&loop, g_srv.port, &x, &r2, NULL);
    connect_ok(&loop, c1, &r1);
    connect_ok(&loop, c2, &r2);
    assert_true(sigh_wait_count(&loop, &r1.disconnected, 1, 10000));
    assert_int_equal(r1.last_reason, ACTR_SIGC_REASON_DISPLACED);
    assert_int_equal(r1.last_close_code, 1008);
    sigh_run_for(&loop, 2000); /* neither takes the socket back */
    actr_sigc_stats_t st;
    actr_sigc_stats(c1, &st);
    assert_int_equal(st.attempts, 1);
    assert_true(actr_sigc_is_connected(c2));
    assert_int_equal(r2.disconnected, 0);
    actr_sigc_destroy(c1);
    actr_sigc_destroy(c2);
    assert_int_equal(sigh_loop_finish(&loop), 0);
    sigh_rec_free(&r1);
    sigh_rec_free(&r2);
}

static void test_bad_credential_refused_once(void **state)
{
    (void)state;
    sigh_actor_t y;
    register_ok(&g_srv, "tampered", NULL, &y);
    y.signature[0] ^= 0x01;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, g_srv.port, &y, &rec, NULL);
    assert_int_equal(actr_sigc_connect(c, sigh_rec_done, &rec), 0);
    assert_true(sigh_wait_count(&loop, &rec.done_calls, 1, 15000));
    assert_int_equal(rec.done_status, ACTR_EPERM);
    assert_int_equal(rec.done_wire_code, 401);
    assert_int_equal(rec.last_reason, ACTR_SIGC_REASON_CREDENTIAL_REJECTED);
    sigh_run_for(&loop, 2500);
    actr_sigc_stats_t st;
    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 1);
    actr_sigc_destroy(c);
    assert_int_equal(sigh_loop_finish(&loop), 0);
    sigh_rec_free(&rec);
}

/* ---- scenario 23 ---- */

static void reconnect_policy(actr_sigc_config_t *cfg)
{
    cfg->retry.initial_ms = 1000;
    cfg->retry.max_ms = 4000;
}

static void unreachable_policy(actr_sigc_config_t *cfg)
{
    cfg->retry.max_attempts = 2;
    cfg->retry.initial_ms = 1000;
    cfg->retry.max_ms = 2000;
}

/* Scenario 23 has its own server: its accepted-socket count starts at zero. */
static sigh_actrd_t g_s23;

static int scenario_23_teardown(void **state)
{
    (void)state;
    sigh_actrd_cleanup(&g_s23, getenv("SIGC_PRINT_LOG") != NULL);
    return 0;
}

static void test_scenario_23(void **state)
{
    (void)state;
    assert_int_equal(sigh_actrd_init(&g_s23), 0);
    assert_int_equal(sigh_actrd_start(&g_s23, 0), 0);
    int port = g_s23.port;
    sigh_actor_t z;
    register_ok(&g_s23, "reconnecting", NULL, &z);
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, port, &z, &rec, reconnect_policy);

    /* Three concurrent connect() calls: one attempt, one server connection, three answers. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(actr_sigc_connect(c, sigh_rec_done, &rec), 0);
    assert_true(sigh_wait_count(&loop, &rec.done_calls, 3, 15000));
    assert_int_equal(rec.done_status, 0);
    actr_sigc_stats_t st;
    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 1);
    assert_int_equal(st.connects, 1);
    assert_true(sigh_metric(&g_s23, "actrd_ws_connections_accepted_total") == 1.0);
    fprintf(stderr, "23: three connect() calls, one server connection\n");

    /* The server stops answering (SIGSTOP): Pings go unanswered, noticed within 15 s. */
    sigh_actrd_signal(&g_s23, SIGSTOP);
    uint64_t t0 = sigh_now_ms();
    assert_true(sigh_wait_count(&loop, &rec.disconnected, 1, 20000));
    uint64_t noticed = rec.disconnected_at_ms - t0;
    fprintf(stderr, "23: shutdown noticed after %llu ms (%s)\n", (unsigned long long)noticed,
            actr_sigc_reason_name(rec.last_reason));
    assert_true(noticed <= 15000);
    assert_int_equal(rec.last_reason, ACTR_SIGC_REASON_PONG_TIMEOUT);

    /* Restart on the same port: the reconnect manager is back within 15 s. */
    sigh_actrd_stop(&g_s23, SIGKILL);
    assert_int_equal(sigh_actrd_start(&g_s23, port), 0);
    uint64_t t1 = sigh_now_ms();
    assert_true(sigh_wait_count(&loop, &rec.connected, 2, 20000));
    uint64_t back = rec.connected_at_ms - t1;
    fprintf(stderr, "23: reconnected %llu ms after the restart\n", (unsigned long long)back);
    assert_true(back <= 15000);
    actr_sigc_stats(c, &st);
    assert_true(st.connects >= 2);
    assert_true(st.reconnects >= 1);

    /* A clean shutdown (SIGTERM: close 1001) is noticed at once. */
    sigh_actrd_stop(&g_s23, SIGTERM);
    assert_true(sigh_wait_count(&loop, &rec.disconnected, 2, 15000));
    fprintf(stderr, "23: SIGTERM noticed: %s, close code %u\n",
            actr_sigc_reason_name(rec.last_reason), rec.last_close_code);
    assert_int_equal(rec.last_reason, ACTR_SIGC_REASON_STREAM_ENDED);
    actr_sigc_destroy(c);
    sigh_rec_free(&rec);

    /* Unreachable with {2 attempts, 1-2 s}: an error, after at least 1 s. */
    c = client_new(&loop, port, &z, &rec, unreachable_policy);
    uint64_t t2 = sigh_now_ms();
    assert_int_equal(actr_sigc_connect(c, sigh_rec_done, &rec), 0);
    assert_true(sigh_wait_count(&loop, &rec.done_calls, 1, 20000));
    uint64_t failed = sigh_now_ms() - t2;
    fprintf(stderr, "23: unreachable server: error %s after %llu ms\n",
            actr_err_name(rec.done_status), (unsigned long long)failed);
    assert_int_not_equal(rec.done_status, 0);
    assert_true(failed >= 1000);
    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 3);
    actr_sigc_destroy(c);
    assert_int_equal(sigh_loop_finish(&loop), 0);
    sigh_rec_free(&rec);
}

int main(void)
{
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heartbeat_candidates_relays),
        cmocka_unit_test(test_second_socket_displaces_first),
        cmocka_unit_test(test_bad_credential_refused_once),
        cmocka_unit_test_teardown(test_scenario_23, scenario_23_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
