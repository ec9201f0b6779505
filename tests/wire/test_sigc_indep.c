/*
 * The signaling client against an independent server (sigc_server.py: python3-websockets,
 * written from protocol.md 6.1-6.3): the query credential decodes to what we sent, frames are
 * handled as specified (Text ignored, undecodable dropped, unsolicited delivered), requests are
 * correlated by reply_for with env-<n> ids, relays carry UUIDs, the 10 s liveness rule, reconnect,
 * displacement, timeouts, the queue bound, single-flight connect and clean destruction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "base/uuid.h"
#include "codec/pb.h"
#include "sigc_harness.h"

/* Bytes whose base64 has '+', '/' and '=' (they must arrive percent-encoded). */
static const uint8_t CLAIMS[] = {0xfb, 0xff, 0xbf, 0x10, 0x65, 0x00, 0x3e, 0x3f};
static uint8_t SIGNATURE[64];

typedef struct server {
    sigh_proc_t proc;
    int port;
} server_t;

static server_t g_plain; /* expects no webrtc_role */

static void identity(actr_sigc_identity_t *out)
{
    memset(out, 0, sizeof *out);
    out->id.realm.realm_id = 101;
    out->id.serial_number = 0x1a2b3c;
    snprintf(out->id.type.manufacturer, sizeof out->id.type.manufacturer, "acme");
    snprintf(out->id.type.name, sizeof out->id.type.name, "echo");
    snprintf(out->id.type.version, sizeof out->id.type.version, "1.0.0");
    out->key_id = 7;
    out->claims = CLAIMS;
    out->claims_len = sizeof CLAIMS;
    out->signature = SIGNATURE;
    out->signature_len = sizeof SIGNATURE;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static int server_start(server_t *s, const char *role)
{
    char script[512], claims[64], sig[160];
    sigh_source_path(script, sizeof script, "tests/wire/sigc_server.py");
    hex(CLAIMS, sizeof CLAIMS, claims);
    hex(SIGNATURE, sizeof SIGNATURE, sig);
    char *argv[] = {"/usr/bin/python3", script, "--actor-id", "1a2b3c@101/acme:echo:1.0.0",
                    "--key-id", "7", "--claims-hex", claims, "--signature-hex", sig,
                    role ? "--role" : NULL, (char *)role, NULL};
    s->port = sigh_spawn(&s->proc, argv, NULL, 30000);
    return s->port > 0 ? 0 : -1;
}

static int group_setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SIGNATURE; i++)
        SIGNATURE[i] = (uint8_t)(0xf0 + i * 7); /* includes 0xfb, 0xff, ... */
    return server_start(&g_plain, NULL);
}

static int group_teardown(void **state)
{
    (void)state;
    sigh_stop(&g_plain.proc, SIGKILL, 5000);
    return 0;
}

/* A client on loop for a server on port, recording into rec. */
static actr_sigc_t *client_new(uv_loop_t *loop, int port, sigh_rec_t *rec,
                               void (*tweak)(actr_sigc_config_t *))
{
    char url[128];
    sigh_url(url, sizeof url, port);
    actr_sigc_config_t cfg;
    actr_sigc_config_init(&cfg);
    cfg.url = url;
    identity(&cfg.identity);
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

static void client_done(uv_loop_t *loop, actr_sigc_t *c, sigh_rec_t *rec)
{
    actr_sigc_destroy(c);
    assert_int_equal(sigh_loop_finish(loop), 0);
    sigh_rec_free(rec);
}

static void connect_ok(uv_loop_t *loop, actr_sigc_t *c, sigh_rec_t *rec)
{
    int before = rec->done_calls;
    assert_int_equal(actr_sigc_connect(c, sigh_rec_done, rec), 0);
    assert_int_equal(rec->done_calls, before); /* never from inside connect() */
    assert_true(sigh_wait_count(loop, &rec->done_calls, before + 1, 15000));
    assert_int_equal(rec->done_status, 0);
    assert_true(actr_sigc_is_connected(c));
}

/* ---- a reply recorder ---- */

typedef struct reply {
    int calls;
    int status;
    uint8_t *env; /* the reply, packed again */
    size_t env_len;
} reply_t;

static void on_reply(actr_sigc_t *c, int status, const Signaling__SignalingEnvelope *env,
                     void *userdata)
{
    (void)c;
    reply_t *r = userdata;
    r->calls++;
    r->status = status;
    free(r->env);
    r->env = NULL;
    if (env)
        actr_pb_encode(&env->base, &r->env, &r->env_len, NULL);
}

static Signaling__SignalingEnvelope *reply_env(const reply_t *r)
{
    ProtobufCMessage *m = NULL;
    assert_non_null(r->env);
    assert_int_equal(actr_pb_decode(&signaling__signaling_envelope__descriptor, r->env,
                                    r->env_len, &m, NULL), 0);
    return (Signaling__SignalingEnvelope *)m;
}

static int send_error_code(actr_sigc_t *c, uint32_t code, uint32_t timeout_ms,
                           reply_t *r)
{
    Actr__ErrorResponse e = ACTR__ERROR_RESPONSE__INIT;
    e.code = code;
    e.message = "test hook";
    Signaling__ActrToSignaling msg = SIGNALING__ACTR_TO_SIGNALING__INIT;
    msg.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_ERROR;
    msg.error = &e;
    return actr_sigc_send_request(c, &msg, timeout_ms, r ? on_reply : NULL, r, NULL);
}

static int send_route_candidates(actr_sigc_t *c, uint32_t timeout_ms, reply_t *r,
                                 char id[ACTR_SIGC_ENV_ID_SIZE])
{
    Actr__ActrType t = ACTR__ACTR_TYPE__INIT;
    t.manufacturer = "acme";
    t.name = "callee";
    t.version = "1.0.0";
    Actr__RouteCandidatesRequest req = ACTR__ROUTE_CANDIDATES_REQUEST__INIT;
    req.target_type = &t;
    req.client_fingerprint = "";
    Signaling__ActrToSignaling msg = SIGNALING__ACTR_TO_SIGNALING__INIT;
    msg.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_ROUTE_CANDIDATES_REQUEST;
    msg.route_candidates_request = &req;
    return actr_sigc_send_request(c, &msg, timeout_ms, on_reply, r, id);
}

static int send_sdp_relay(actr_sigc_t *c, const char *sdp, char id[ACTR_SIGC_ENV_ID_SIZE])
{
    Actr__ActrId target = ACTR__ACTR_ID__INIT;
    Actr__Realm realm = ACTR__REALM__INIT;
    Actr__ActrType t = ACTR__ACTR_TYPE__INIT;
    realm.realm_id = 101;
    t.manufacturer = "acme";
    t.name = "peer";
    t.version = "1.0.0";
    target.realm = &realm;
    target.serial_number = 9;
    target.type = &t;
    Webrtc__SessionDescription desc = WEBRTC__SESSION_DESCRIPTION__INIT;
    desc.type = WEBRTC__SESSION_DESCRIPTION__TYPE__OFFER;
    desc.sdp = (char *)sdp;
    desc.sdp_exchange_id = "xchg-1";
    Signaling__ActrRelay relay = SIGNALING__ACTR_RELAY__INIT;
    relay.target = &target;
    relay.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION;
    relay.session_description = &desc;
    return actr_sigc_send_relay(c, &relay, id);
}

/* ---- tests ---- */

static void test_connect_frames_requests_relays(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, g_plain.port, &rec, NULL);
    connect_ok(&loop, c, &rec);
    assert_int_equal(rec.connecting, 1);
    assert_int_equal(rec.connected, 1);

    /* The greeting: Text ignored, garbage dropped, the relay delivered. */
    assert_true(sigh_wait_count(&loop, &rec.unsolicited, 1, 10000));
    actr_sigc_stats_t st;
    actr_sigc_stats(c, &st);
    assert_int_equal(st.text_ignored, 1);
    assert_int_equal(st.undecodable, 1);
    Signaling__SignalingEnvelope *env = sigh_rec_last(&rec);
    assert_non_null(env);
    assert_int_equal(env->flow_case, SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY);
    assert_int_equal(env->actr_relay->payload_case,
                     SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_ASSIGNMENT);
    assert_true(env->actr_relay->role_assignment->is_offerer);
    actr_pb_free(env);

    /* A request is env-1 and is answered through reply_for, carrying our identity. */
    reply_t r1 = {0}, r2 = {0};
    char id[ACTR_SIGC_ENV_ID_SIZE];
    assert_int_equal(send_route_candidates(c, 0, &r1, id), 0);
    assert_string_equal(id, "env-1");
    assert_true(sigh_wait_count(&loop, &r1.calls, 1, 10000));
    assert_int_equal(r1.status, 0);
    env = reply_env(&r1);
    assert_string_equal(env->reply_for, "env-1");
    assert_int_equal(env->flow_case, SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_TO_SERVER);
    const Signaling__ActrToSignaling *echo = env->actr_to_server;
    assert_int_equal(echo->payload_case,
                     SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_ROUTE_CANDIDATES_REQUEST);
    assert_string_equal(echo->route_candidates_request->target_type->name, "callee");
    assert_int_equal(echo->source->serial_number, 0x1a2b3c);
    assert_int_equal(echo->source->realm->realm_id, 101);
    assert_string_equal(echo->source->type->manufacturer, "acme");
    assert_int_equal(echo->credential->key_id, 7);
    assert_int_equal(echo->credential->claims.len, sizeof CLAIMS);
    assert_memory_equal(echo->credential->claims.data, CLAIMS, sizeof CLAIMS);
    assert_memory_equal(echo->credential->signature.data, SIGNATURE, sizeof SIGNATURE);
    actr_pb_free(env);

    /* A Ping is env-2 and gets a Pong. */
    Actr__Ping ping = ACTR__PING__INIT;
    Signaling__ActrToSignaling msg = SIGNALING__ACTR_TO_SIGNALING__INIT;
    msg.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_PING;
    msg.ping = &ping;
    assert_int_equal(actr_sigc_send_request(c, &msg, 0, on_reply, &r2, id), 0);
    assert_string_equal(id, "env-2");
    assert_true(sigh_wait_count(&loop, &r2.calls, 1, 10000));
    env = reply_env(&r2);
    assert_string_equal(env->reply_for, "env-2");
    assert_int_equal(env->server_to_actr->payload_case,
                     SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_PONG);
    actr_pb_free(env);

    /* A relay has a UUID v4 id; the server's echo arrives unsolicited and intact. */
    assert_int_equal(send_sdp_relay(c, "v=0\r\n", id), 0);
    actr_uuid_t uuid;
    assert_int_equal(actr_uuid_parse(id, strlen(id), &uuid), 0);
    assert_int_equal(actr_uuid_version(&uuid), 4);
    assert_true(sigh_wait_count(&loop, &rec.unsolicited, 2, 10000));
    env = sigh_rec_last(&rec);
    assert_int_equal(env->actr_relay->payload_case,
                     SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION);
    assert_string_equal(env->actr_relay->session_description->sdp, "v=0\r\n");
    assert_int_equal(env->actr_relay->source->serial_number, 0x1a2b3c);
    actr_pb_free(env);

    /* A probe Ping comes back as its Pong. */
    int before = rec.done_calls;
    assert_int_equal(actr_sigc_probe(c, 5000, sigh_rec_done, &rec), 0);
    assert_true(sigh_wait_count(&loop, &rec.done_calls, before + 1, 10000));
    assert_int_equal(rec.done_status, 0);

    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 1);
    assert_int_equal(st.connects, 1);
    assert_int_equal(st.requests, 2);
    assert_int_equal(st.replies, 2);
    assert_int_equal(st.relays, 1);
    assert_int_equal(st.unsolicited, 2);

    /* Explicit disconnect: reported at once, no reconnect, sends refused. */
    actr_sigc_disconnect(c);
    assert_int_equal(rec.disconnected, 1);
    assert_int_equal(rec.last_reason, ACTR_SIGC_REASON_MANUAL);
    assert_int_equal(actr_sigc_state(c), ACTR_SIGC_DISCONNECTED);
    assert_int_equal(send_sdp_relay(c, "x", NULL), ACTR_EUNAVAILABLE);
    sigh_run_for(&loop, 1500);
    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 1);
    free(r1.env);
    free(r2.env);
    client_done(&loop, c, &rec);
}

static void other_signature(actr_sigc_config_t *cfg)
{
    static uint8_t bad[64];
    memcpy(bad, SIGNATURE, sizeof bad);
    bad[0] ^= 1;
    cfg->identity.signature = bad;
}

static void test_credential_rejected_without_retries(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, g_plain.port, &rec, other_signature);
    assert_int_equal(actr_sigc_connect(c, sigh_rec_done, &rec), 0);
    assert_true(sigh_wait_count(&loop, &rec.done_calls, 1, 15000));
    assert_int_equal(rec.done_status, ACTR_EPERM);
    assert_int_equal(rec.done_wire_code, 401);
    assert_int_equal(rec.last_reason, ACTR_SIGC_REASON_CREDENTIAL_REJECTED);
    assert_int_equal(rec.last_http_status, 401);
    sigh_run_for(&loop, 2500); /* no retry storm: still one attempt */
    actr_sigc_stats_t st;
    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 1);

    /* The renewed credential is used by the next connect. */
    actr_sigc_identity_t good;
    identity(&good);
    assert_int_equal(actr_sigc_set_identity(c, &good, NULL), 0);
    connect_ok(&loop, c, &rec);
    client_done(&loop, c, &rec);
}

typedef struct hb_rec {
    int pongs, expired, other;
} hb_rec_t;

static void on_hb(actr_sigc_t *c, const actr_sigc_hb_result_t *r, void *userdata)
{
    (void)c;
    hb_rec_t *h = userdata;
    if (r->kind == ACTR_SIGC_HB_PONG && r->pong)
        h->pongs++;
    else if (r->kind == ACTR_SIGC_HB_ERROR && r->credential_expired && r->error_code == 401)
        h->expired++;
    else
        h->other++;
}

static void fast_retry(actr_sigc_config_t *cfg)
{
    cfg->retry.initial_ms = 500;
    cfg->retry.max_ms = 2000;
}

static void test_liveness_then_reconnect(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, g_plain.port, &rec, fast_retry);
    hb_rec_t hb = {0};
    actr_sigc_heartbeat_t hbc = {.interval_ms = 30000, .on_result = on_hb, .userdata = &hb};
    assert_int_equal(actr_sigc_heartbeat_start(c, &hbc), 0);
    connect_ok(&loop, c, &rec);
    assert_true(sigh_wait_count(&loop, &hb.pongs, 1, 5000)); /* the first Ping goes at once */

    /* The server goes silent: no frames, no Pongs. */
    reply_t pending = {0};
    assert_int_equal(send_error_code(c, 9001, 0, NULL), 0);
    assert_int_equal(send_route_candidates(c, 60000, &pending, NULL), 0);
    uint64_t t0 = sigh_now_ms();
    assert_true(sigh_wait_count(&loop, &rec.disconnected, 1, 20000));
    uint64_t noticed = rec.disconnected_at_ms - t0;
    fprintf(stderr, "silence noticed after %llu ms\n", (unsigned long long)noticed);
    assert_true(noticed <= 15000);
    assert_int_equal(rec.last_reason, ACTR_SIGC_REASON_PONG_TIMEOUT);
    assert_int_equal(pending.calls, 1); /* pending requests fail fast on disconnect */
    assert_int_equal(pending.status, ACTR_ECLOSED);
    actr_sigc_stats_t st;
    actr_sigc_stats(c, &st);
    assert_true(st.pings >= 1); /* WebSocket Pings went out while the server was silent */

    /* The reconnect manager brings it back; the heartbeat pings again at once. */
    assert_true(sigh_wait_count(&loop, &rec.connected, 2, 15000));
    assert_true(sigh_wait_count(&loop, &hb.pongs, 2, 5000));
    actr_sigc_stats(c, &st);
    assert_int_equal(st.connects, 2);
    assert_int_equal(st.reconnects, 1);
    assert_int_equal(st.heartbeats, 2);
    free(pending.env);
    client_done(&loop, c, &rec);
}

static void test_displaced_does_not_reconnect(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, g_plain.port, &rec, fast_retry);
    connect_ok(&loop, c, &rec);
    assert_int_equal(send_error_code(c, 9002, 0, NULL), 0);
    assert_true(sigh_wait_count(&loop, &rec.disconnected, 1, 10000));
    assert_int_equal(rec.last_reason, ACTR_SIGC_REASON_DISPLACED);
    assert_int_equal(rec.last_close_code, 1008);
    sigh_run_for(&loop, 1500);
    actr_sigc_stats_t st;
    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 1);
    assert_int_equal(actr_sigc_state(c), ACTR_SIGC_DISCONNECTED);
    client_done(&loop, c, &rec);
}

static void test_refused_reconnect_waits_for_identity(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, g_plain.port, &rec, fast_retry);
    connect_ok(&loop, c, &rec);
    assert_int_equal(send_error_code(c, 9004, 0, NULL), 0); /* close; the next upgrade: 401 */
    assert_true(sigh_wait_count(&loop, &rec.disconnected, 1, 10000));
    assert_int_equal(rec.last_reason, ACTR_SIGC_REASON_STREAM_ENDED);
    assert_int_equal(rec.last_close_code, 1011);
    assert_true(sigh_wait_count(&loop, &rec.disconnected, 2, 10000));
    assert_int_equal(rec.last_reason, ACTR_SIGC_REASON_CREDENTIAL_REJECTED);
    assert_int_equal(rec.last_http_status, 401);
    sigh_run_for(&loop, 2000); /* the manager is paused, not retrying */
    actr_sigc_stats_t st;
    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 2);
    actr_sigc_identity_t renewed;
    identity(&renewed);
    assert_int_equal(actr_sigc_set_identity(c, &renewed, NULL), 0);
    assert_true(sigh_wait_count(&loop, &rec.connected, 2, 10000));
    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 3);
    assert_int_equal(st.reconnects, 1);
    client_done(&loop, c, &rec);
}

static void short_cycles(actr_sigc_config_t *cfg)
{
    cfg->retry.max_attempts = 1;
    cfg->retry.initial_ms = 200;
    cfg->retry.max_ms = 200;
    cfg->retry.cooldown_ms = 700;
}

static void test_exhausted_cycle_cools_down_then_retries(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, g_plain.port, &rec, short_cycles);
    connect_ok(&loop, c, &rec);
    assert_int_equal(send_error_code(c, 9005, 0, NULL), 0); /* close; two upgrades get 503 */
    assert_true(sigh_wait_count(&loop, &rec.disconnected, 2, 10000));
    assert_int_equal(rec.last_reason, ACTR_SIGC_REASON_CONNECT_FAILED);
    assert_int_equal(rec.last_http_status, 503);
    uint64_t exhausted = rec.disconnected_at_ms;
    assert_true(sigh_wait_count(&loop, &rec.connected, 2, 10000));
    assert_true(rec.connected_at_ms - exhausted >= 600); /* the cooldown, no jitter */
    actr_sigc_stats_t st;
    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 4); /* 1, then 2 in the failed cycle, 1 after the cooldown */
    assert_int_equal(rec.connecting, 4);
    client_done(&loop, c, &rec);
}

static void test_heartbeat_reports_expired_credential(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, g_plain.port, &rec, NULL);
    connect_ok(&loop, c, &rec);
    hb_rec_t hb = {0};
    actr_sigc_heartbeat_t hbc = {.interval_ms = 1500, .on_result = on_hb, .userdata = &hb};
    assert_int_equal(actr_sigc_heartbeat_start(c, &hbc), 0); /* connected: the first goes now */
    assert_true(sigh_wait_count(&loop, &hb.pongs, 1, 5000));
    assert_int_equal(send_error_code(c, 9006, 0, NULL), 0);
    assert_true(sigh_wait_count(&loop, &hb.expired, 1, 10000));
    assert_int_equal(hb.other, 0);
    actr_sigc_heartbeat_stop(c);
    actr_sigc_stats_t st;
    actr_sigc_stats(c, &st);
    uint64_t sent = st.heartbeats;
    sigh_run_for(&loop, 2000);
    actr_sigc_stats(c, &st);
    assert_int_equal(st.heartbeats, sent);
    client_done(&loop, c, &rec);
}

static void big_queue_short_send_timeout(actr_sigc_config_t *cfg)
{
    cfg->send_timeout_ms = 2000;
    cfg->max_queue_frames = 1024;
    cfg->max_queue_bytes = (size_t)64 << 20;
}

static void test_stuck_socket_is_a_send_timeout(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, g_plain.port, &rec, big_queue_short_send_timeout);
    connect_ok(&loop, c, &rec);
    reply_t r = {0};
    assert_int_equal(send_route_candidates(c, 0, &r, NULL), 0);
    assert_int_equal(send_error_code(c, 9001, 0, NULL), 0); /* the server stops reading */
    assert_true(sigh_wait_count(&loop, &r.calls, 1, 10000));
    sigh_run_for(&loop, 300);
    /* 40 MB: far more than the kernel buffers take, so frames stay queued. */
    size_t n = 512 * 1024;
    char *sdp = malloc(n + 1);
    memset(sdp, 'a', n);
    sdp[n] = '\0';
    for (int i = 0; i < 80; i++) {
        assert_int_equal(send_sdp_relay(c, sdp, NULL), 0);
        sigh_run_for(&loop, 1); /* let lws write what the socket takes */
    }
    free(sdp);
    uint64_t t0 = sigh_now_ms();
    assert_true(sigh_wait_count(&loop, &rec.disconnected, 1, 15000));
    fprintf(stderr, "stuck socket noticed after %llu ms\n",
            (unsigned long long)(rec.disconnected_at_ms - t0));
    assert_int_equal(rec.last_reason, ACTR_SIGC_REASON_SEND_TIMEOUT);
    actr_sigc_disconnect(c); /* no reconnect to a silent server in this test */
    free(r.env);
    client_done(&loop, c, &rec);
}

static void small_queue(actr_sigc_config_t *cfg)
{
    cfg->max_queue_frames = 2;
}

static void test_timeout_and_full_queue(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, g_plain.port, &rec, small_queue);
    connect_ok(&loop, c, &rec);

    reply_t r = {0};
    assert_int_equal(send_error_code(c, 9003, 300, &r), 0); /* never answered */
    assert_int_equal(r.calls, 0);
    assert_true(sigh_wait_count(&loop, &r.calls, 1, 5000));
    assert_int_equal(r.status, ACTR_ETIMEDOUT);
    actr_sigc_stats_t st;
    actr_sigc_stats(c, &st);
    assert_int_equal(st.timeouts, 1);
    assert_true(actr_sigc_is_connected(c));

    /* Nothing is written between these calls: the third does not fit. */
    assert_int_equal(send_sdp_relay(c, "a", NULL), 0);
    assert_int_equal(send_sdp_relay(c, "b", NULL), 0);
    assert_int_equal(send_sdp_relay(c, "c", NULL), ACTR_EAGAIN);
    actr_sigc_stats(c, &st);
    assert_int_equal(st.queue_full, 1);
    assert_int_equal(st.relays, 2);
    assert_true(sigh_wait_count(&loop, &rec.unsolicited, 3, 10000)); /* greeting + 2 echoes */
    client_done(&loop, c, &rec);
}

static void test_single_flight_connect(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, g_plain.port, &rec, NULL);
    for (int i = 0; i < 3; i++)
        assert_int_equal(actr_sigc_connect(c, sigh_rec_done, &rec), 0);
    assert_true(sigh_wait_count(&loop, &rec.done_calls, 3, 15000));
    assert_int_equal(rec.done_status, 0);
    actr_sigc_stats_t st;
    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 1);
    assert_int_equal(st.connects, 1);
    /* Connected already: answered from the loop, not from inside connect(). */
    assert_int_equal(actr_sigc_connect(c, sigh_rec_done, &rec), 0);
    assert_int_equal(rec.done_calls, 3);
    assert_true(sigh_wait_count(&loop, &rec.done_calls, 4, 5000));
    assert_int_equal(rec.done_status, 0);
    client_done(&loop, c, &rec);
}

static void prefer_answer(actr_sigc_config_t *cfg)
{
    cfg->prefer_answer = true;
}

static void test_webrtc_role_answer(void **state)
{
    (void)state;
    server_t s;
    assert_int_equal(server_start(&s, "answer"), 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, s.port, &rec, prefer_answer);
    connect_ok(&loop, c, &rec);
    client_done(&loop, c, &rec);
    sigh_stop(&s.proc, SIGKILL, 5000);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static void two_short_retries(actr_sigc_config_t *cfg)
{
    cfg->retry.max_attempts = 2;
    cfg->retry.initial_ms = 1000;
    cfg->retry.max_ms = 2000;
}

static void test_unreachable_fails_after_retries(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    actr_sigc_t *c = client_new(&loop, free_port(), &rec, two_short_retries);
    uint64_t t0 = sigh_now_ms();
    assert_int_equal(actr_sigc_connect(c, sigh_rec_done, &rec), 0);
    assert_true(sigh_wait_count(&loop, &rec.done_calls, 1, 15000));
    uint64_t took = sigh_now_ms() - t0;
    assert_int_not_equal(rec.done_status, 0);
    assert_true(took >= 1000);
    assert_int_equal(rec.last_reason, ACTR_SIGC_REASON_CONNECT_FAILED);
    assert_int_equal(rec.connecting, 3);
    actr_sigc_stats_t st;
    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 3); /* the first, then 2 retries */
    sigh_run_for(&loop, 1500);       /* never connected: no background retries */
    actr_sigc_stats(c, &st);
    assert_int_equal(st.attempts, 3);
    client_done(&loop, c, &rec);
}

static void test_destroy_cancels(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sigh_rec_t rec;
    /* While connecting. */
    actr_sigc_t *c = client_new(&loop, g_plain.port, &rec, NULL);
    assert_int_equal(actr_sigc_connect(c, sigh_rec_done, &rec), 0);
    actr_sigc_destroy(c);
    assert_int_equal(rec.done_calls, 1);
    assert_int_equal(rec.done_status, ACTR_ECANCELED);
    assert_int_equal(sigh_loop_finish(&loop), 0);
    sigh_rec_free(&rec);

    /* While a request waits. */
    uv_loop_init(&loop);
    c = client_new(&loop, g_plain.port, &rec, NULL);
    connect_ok(&loop, c, &rec);
    reply_t r = {0};
    assert_int_equal(send_error_code(c, 9003, 0, &r), 0);
    actr_sigc_destroy(c);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.status, ACTR_ECANCELED);
    assert_int_equal(actr_sigc_connect(c, NULL, NULL), ACTR_ESTATE);
    assert_int_equal(sigh_loop_finish(&loop), 0);
    sigh_rec_free(&rec);
}

static void test_config_checks(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    actr_sigc_config_t cfg;
    actr_sigc_config_init(&cfg);
    identity(&cfg.identity);
    actr_sigc_t *c = NULL;
    actr_error_t err;
    cfg.url = "http://127.0.0.1:1/signaling/ws";
    assert_int_equal(actr_sigc_new(&loop, &cfg, NULL, &c, &err), ACTR_EINVAL);
    cfg.url = "ws://127.0.0.1:1/signaling/ws";
    cfg.identity.signature_len = 0;
    assert_int_equal(actr_sigc_new(&loop, &cfg, NULL, &c, &err), ACTR_EINVAL);
    identity(&cfg.identity);
    cfg.retry.max_ms = 10;
    assert_int_equal(actr_sigc_new(&loop, &cfg, NULL, &c, &err), ACTR_EINVAL);
    assert_null(c);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_checks),
        cmocka_unit_test(test_connect_frames_requests_relays),
        cmocka_unit_test(test_credential_rejected_without_retries),
        cmocka_unit_test(test_single_flight_connect),
        cmocka_unit_test(test_timeout_and_full_queue),
        cmocka_unit_test(test_displaced_does_not_reconnect),
        cmocka_unit_test(test_webrtc_role_answer),
        cmocka_unit_test(test_unreachable_fails_after_retries),
        cmocka_unit_test(test_destroy_cancels),
        cmocka_unit_test(test_refused_reconnect_waits_for_identity),
        cmocka_unit_test(test_exhausted_cycle_cools_down_then_retries),
        cmocka_unit_test(test_heartbeat_reports_expired_credential),
        cmocka_unit_test(test_stuck_socket_is_a_send_timeout),
        cmocka_unit_test(test_liveness_then_reconnect),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
