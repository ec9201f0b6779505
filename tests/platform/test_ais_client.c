/*
 * The AIS client against canned HTTP answers (tests/support/ais_canned_server.py on 127.0.0.1):
 * what LINKED, PACKAGE and renew requests carry, RegisterOk validation, and the classification
 * of every kind of answer (ErrorResponse in a 200 body, 401, 403, 429 with Retry-After, 5xx,
 * garbage, non-HTTP, oversize, slow beyond the timeout, refused), cancellation and shutdown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ais_harness.h"
#include "base/hex.h"
#include "codec/pb.h"
#include "platform/ais/id_pb.h"
#include "tmpdir.h"

#define FAKE_NOW 1700000000LL
#define AIS_KEY_ID 7

static char dir[TEST_TMPDIR_SIZE];
static char base_url[128];
static pid_t server_pid;
static actr_signing_key_t *ais_key, *mfr_key;
static actr_ais_client_t *client;
static actr_id_t the_id;

static int64_t fake_now(void *ctx)
{
    (void)ctx;
    return FAKE_NOW;
}

/* ---- canned answers ----------------------------------------------------------------------- */

enum {
    M_BAD_SIG = 1,
    M_CLAIMS_ID = 2,
    M_SHORT_PUBKEY = 4,
    M_KEY_ID = 8,
    M_NO_TOKEN = 16,
    M_HB_ZERO = 32,
    M_CLAIMS_REALM = 64,
};

static void path_in_dir(char *out, size_t cap, const char *name)
{
    test_path_join(out, cap, dir, name);
}

static void write_msg(const char *name, const ProtobufCMessage *m)
{
    uint8_t *buf;
    size_t len;
    assert_int_equal(actr_pb_encode(m, &buf, &len, NULL), 0);
    char path[256];
    path_in_dir(path, sizeof path, name);
    ah_write_file(path, buf, len);
    free(buf);
}

/* A RegisterOk for id (the /renew answer has the same wire shape), signed by ais_key. */
static void canned_ok(const char *name, const actr_id_t *id, unsigned mut)
{
    char id_str[ACTR_ID_STR_SIZE], user[ACTR_AIS_TURN_USERNAME_SIZE];
    assert_int_equal(actr_id_format(id, id_str, sizeof id_str, NULL), 0);
    Actr__IdentityClaims claims = ACTR__IDENTITY_CLAIMS__INIT;
    claims.realm_id = id->realm.realm_id + ((mut & M_CLAIMS_REALM) ? 1 : 0);
    claims.actor_id = (mut & M_CLAIMS_ID) ? "ff@101/acme:other:1.0.0" : id_str;
    claims.expires_at = FAKE_NOW + 3600;
    uint8_t *cbytes, sig[64], pub[32];
    size_t clen;
    assert_int_equal(actr_pb_encode(&claims.base, &cbytes, &clen, NULL), 0);
    assert_int_equal(actr_signing_key_sign(ais_key, cbytes, clen, sig), 0);
    actr_signing_key_public(ais_key, pub);
    if (mut & M_BAD_SIG)
        sig[10] ^= 1;

    Actr__AIdCredential cred = ACTR__AID_CREDENTIAL__INIT;
    cred.key_id = (mut & M_KEY_ID) ? AIS_KEY_ID + 1 : AIS_KEY_ID;
    cred.claims = (ProtobufCBinaryData){clen, cbytes};
    cred.signature = (ProtobufCBinaryData){64, sig};
    Actr__TurnCredential turn = ACTR__TURN_CREDENTIAL__INIT;
    snprintf(user, sizeof user, "%lld:%s", FAKE_NOW + 3600, id_str);
    turn.username = user;
    turn.password = "cGFzc3dvcmQ=";
    turn.expires_at = FAKE_NOW + 3600;
    Google__Protobuf__Timestamp exp = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    Google__Protobuf__Timestamp tok_exp = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    exp.seconds = FAKE_NOW + 3600;
    tok_exp.seconds = FAKE_NOW + 86400;
    uint8_t token[32];
    memset(token, 0xab, sizeof token);
    actr_id_pb_t pid;
    actr_id_pb_init(&pid, id);

    Actr__RegisterResponse__RegisterOk ok = ACTR__REGISTER_RESPONSE__REGISTER_OK__INIT;
    ok.actr_id = &pid.id;
    ok.credential = &cred;
    ok.turn_credential = &turn;
    ok.credential_expires_at = &exp;
    ok.signaling_heartbeat_interval_secs = (mut & M_HB_ZERO) ? 0 : 20;
    ok.signing_pubkey = (ProtobufCBinaryData){(mut & M_SHORT_PUBKEY) ? 31 : 32, pub};
    ok.signing_key_id = AIS_KEY_ID;
    if (!(mut & M_NO_TOKEN)) {
        ok.has_renewal_token = 1;
        ok.renewal_token = (ProtobufCBinaryData){32, token};
        ok.renewal_token_expires_at = &tok_exp;
    }
    Actr__RegisterResponse resp = ACTR__REGISTER_RESPONSE__INIT;
    resp.result_case = ACTR__REGISTER_RESPONSE__RESULT_SUCCESS;
    resp.success = &ok;
    write_msg(name, &resp.base);
    free(cbytes);
}

static void canned_error(const char *name, uint32_t code, const char *message)
{
    Actr__ErrorResponse e = ACTR__ERROR_RESPONSE__INIT;
    e.code = code;
    e.message = (char *)message;
    Actr__RegisterResponse resp = ACTR__REGISTER_RESPONSE__INIT;
    resp.result_case = ACTR__REGISTER_RESPONSE__RESULT_ERROR;
    resp.error = &e;
    write_msg(name, &resp.base);
}

/* Replaces routes.json with one route: path -> {json fields}. */
static void route(const char *path, const char *fields)
{
    char json[1024], file[256];
    int n = snprintf(json, sizeof json, "{\"%s\": {%s}}", path, fields);
    assert_true(n > 0 && (size_t)n < sizeof json);
    path_in_dir(file, sizeof file, "routes.json");
    ah_write_file(file, json, (size_t)n);
}

/* The newest recorded request: its head (request line + headers) and body. */
static int last_request(char *head, size_t head_cap, uint8_t *body, size_t body_cap, size_t *len)
{
    int n = 0;
    char path[256], name[32];
    for (;;) {
        snprintf(name, sizeof name, "req-%d.txt", n + 1);
        path_in_dir(path, sizeof path, name);
        if (access(path, F_OK) != 0)
            break;
        n++;
    }
    if (n == 0)
        return 0;
    snprintf(name, sizeof name, "req-%d.txt", n);
    path_in_dir(path, sizeof path, name);
    assert_true(ah_read_file(path, head, head_cap) >= 0);
    snprintf(name, sizeof name, "req-%d.bin", n);
    path_in_dir(path, sizeof path, name);
    long k = ah_read_file(path, body, body_cap);
    assert_true(k >= 0);
    *len = (size_t)k;
    return n;
}

static int request_count(void)
{
    char head[8192];
    static uint8_t body[65536];
    size_t len;
    return last_request(head, sizeof head, body, sizeof body, &len);
}

/* ---- fixture ------------------------------------------------------------------------------ */

static actr_ais_client_t *new_client(const char *url, uint32_t timeout_ms, const char *secret)
{
    actr_ais_client_options_t o = {0};
    o.endpoint = url;
    o.realm_secret = secret;
    o.timeout_ms = timeout_ms;
    o.connect_timeout_ms = timeout_ms;
    o.now_s = fake_now;
    actr_ais_client_t *c;
    actr_error_t err = {0};
    if (actr_ais_client_new(ah_http, &o, &c, &err) != 0)
        fail_msg("client: %s", err.message);
    return c;
}

static int group_setup(void **state)
{
    (void)state;
    test_tmpdir_make(dir);
    uint8_t seed[32];
    memset(seed, 0x42, sizeof seed);
    assert_int_equal(actr_signing_key_from_seed(seed, 32, &ais_key), 0);
    memset(seed, 0x55, sizeof seed);
    assert_int_equal(actr_signing_key_from_seed(seed, 32, &mfr_key), 0);
    assert_int_equal(actr_id_parse(&the_id, "1a2b3c@101/acme:echo:1.0.0", 26, NULL), 0);
    route("/none", "\"status\": 404");

    const char *src = getenv("ACTR_SOURCE_DIR");
    assert_non_null(src);
    char script[512], port_file[256];
    snprintf(script, sizeof script, "%s/tests/support/ais_canned_server.py", src);
    const char *argv[] = {"/usr/bin/python3", script, dir, NULL};
    char log[256];
    path_in_dir(log, sizeof log, "server.log");
    server_pid = ah_spawn(argv, NULL, log);
    path_in_dir(port_file, sizeof port_file, "port");
    for (int i = 0; i < 200 && !base_url[0]; i++) { /* up to 10 s */
        char text[32];
        if (ah_read_file(port_file, text, sizeof text) > 0)
            snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d/ais/", atoi(text));
        else
            usleep(50 * 1000);
    }
    assert_true(base_url[0]);
    ah_loop_open();
    client = new_client(base_url, 10000, "  rs_secret-1 \t");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ah_stop(server_pid); /* first: a failed check below must not leave it running */
    test_tmpdir_remove(dir);
    actr_ais_client_free(client);
    ah_loop_close();
    actr_signing_key_free(ais_key);
    actr_signing_key_free(mfr_key);
    return 0;
}

static actr_ais_register_params_t linked_params(void)
{
    actr_ais_register_params_t p = {0};
    p.mode = ACTR_AIS_MODE_LINKED;
    p.type = the_id.type;
    p.realm_id = 101;
    return p;
}

/* ---- LINKED ------------------------------------------------------------------------------- */

static void test_linked_register(void **state)
{
    (void)state;
    canned_ok("ok.bin", &the_id, M_HB_ZERO);
    route("/ais/register", "\"status\": 200, \"body_file\": \"ok.bin\"");
    actr_acl_t acl = ACTR_ACL_INIT;
    actr_acl_rule_t rule;
    assert_int_equal(actr_acl_rule_parse(&rule, "allow", "acme:client:1.0.0", "self", 101, NULL), 0);
    assert_int_equal(actr_acl_add_rule(&acl, &rule), 0);
    actr_ais_register_params_t p = linked_params();
    p.acl = &acl;
    p.ws_address = "ws://127.0.0.1:9100";
    ah_done_t d;
    ah_register(client, &p, &d);
    actr_acl_free(&acl);
    ah_expect(&d, ACTR_AIS_OK, "1a2b3c@101/acme:echo:1.0.0");
    const actr_ais_grant_t *g = &d.res.grant;
    assert_true(actr_id_equal(&g->actr_id, &the_id));
    assert_string_equal(g->actr_id_str, "1a2b3c@101/acme:echo:1.0.0");
    assert_int_equal(g->heartbeat_interval_secs, 30); /* 0 on the wire */
    assert_int_equal(g->signing_key_id, AIS_KEY_ID);
    assert_int_equal(g->credential.expires_at, FAKE_NOW + 3600);
    assert_int_equal(actr_ais_grant_expires_at(g), FAKE_NOW + 3600);
    assert_true(g->has_renewal_token && g->has_renewal_token_expires_at);
    assert_int_equal(g->renewal_token[31], 0xab);
    assert_int_equal(g->renewal_token_expires_at, FAKE_NOW + 86400);
    assert_string_equal(g->turn.username, "1700003600:1a2b3c@101/acme:echo:1.0.0");
    assert_int_equal(actr_ed25519_verify(g->signing_pubkey, 32, g->credential.claims,
                                         g->credential.claims_len, g->credential.signature, 64), 0);

    char head[8192];
    static uint8_t body[65536];
    size_t len;
    assert_true(last_request(head, sizeof head, body, sizeof body, &len) > 0);
    assert_non_null(strstr(head, "POST /ais/register\n"));
    assert_non_null(strstr(head, "x-actrix-realm-secret: rs_secret-1\n")); /* trimmed */
    assert_non_null(strstr(head, "Content-Type: application/x-protobuf\n"));
    assert_non_null(strstr(head, "Accept: application/x-protobuf\n"));
    assert_null(strstr(head, "Expect:"));
    ProtobufCMessage *m;
    assert_int_equal(actr_pb_decode(&actr__register_request__descriptor, body, len, &m, NULL), 0);
    const Actr__RegisterRequest *rq = (const Actr__RegisterRequest *)m;
    assert_true(rq->has_auth_mode);
    assert_int_equal(rq->auth_mode, ACTR__REGISTER_AUTH_MODE__REGISTER_AUTH_MODE_LINKED);
    assert_string_equal(rq->actr_type->manufacturer, "acme");
    assert_string_equal(rq->actr_type->name, "echo");
    assert_string_equal(rq->actr_type->version, "1.0.0");
    assert_int_equal(rq->realm->realm_id, 101);
    assert_non_null(rq->acl);
    assert_int_equal(rq->acl->n_rules, 1);
    assert_string_equal(rq->acl->rules[0]->from_type->name, "client");
    assert_string_equal(rq->ws_address, "ws://127.0.0.1:9100");
    assert_null(rq->service_spec);
    assert_null(rq->target);
    assert_false(rq->has_manifest_raw || rq->has_mfr_signature || rq->has_manufacturer_auth_nonce ||
                 rq->has_manufacturer_auth_signature || rq->has_manufacturer_auth_signed_at);
    actr_pb_free(m);
}

static void test_error_response_in_200_body(void **state)
{
    (void)state;
    static const struct {
        uint32_t code;
        actr_ais_status_t status;
    } cases[] = {
        {400, ACTR_AIS_INVALID},           {401, ACTR_AIS_TOKEN_REJECTED},
        {403, ACTR_AIS_REALM_UNAVAILABLE}, {429, ACTR_AIS_RATE_LIMITED},
        {500, ACTR_AIS_RETRYABLE},         {503, ACTR_AIS_RETRYABLE},
        {418, ACTR_AIS_PROTOCOL_ERROR},    {200, ACTR_AIS_PROTOCOL_ERROR},
    };
    route("/ais/register", "\"status\": 200, \"body_file\": \"err.bin\"");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        canned_error("err.bin", cases[i].code, "Realm secret required");
        ah_done_t d;
        actr_ais_register_params_t p = linked_params();
        ah_register(client, &p, &d);
        ah_expect(&d, cases[i].status, "Realm secret required");
        assert_int_equal(d.res.http_status, 200);
        assert_int_equal(d.res.error_code, cases[i].code);
        if (cases[i].status == ACTR_AIS_RATE_LIMITED)
            assert_int_equal(d.res.retry_after_ms, ACTR_AIS_DEFAULT_RETRY_AFTER_MS);
    }
}

/* ---- renew -------------------------------------------------------------------------------- */

static void renew_expect(const char *fields, actr_ais_status_t status, const char *fragment,
                         ah_done_t *d)
{
    route("/ais/renew", fields);
    uint8_t token[32];
    memset(token, 0x5a, sizeof token);
    ah_renew(client, &the_id, token, d);
    ah_expect(d, status, fragment);
}

static void test_renew_request_and_statuses(void **state)
{
    (void)state;
    ah_done_t d;
    canned_error("e401.bin", 401, "Renewal token invalid or expired");
    renew_expect("\"status\": 401, \"body_file\": \"e401.bin\"", ACTR_AIS_TOKEN_REJECTED,
                 "HTTP 401, code 401): Renewal token invalid or expired", &d);
    assert_int_equal(d.res.http_status, 401);

    char head[8192];
    static uint8_t body[65536];
    size_t len;
    assert_true(last_request(head, sizeof head, body, sizeof body, &len) > 0);
    assert_non_null(strstr(head, "POST /ais/renew\n"));
    assert_null(strstr(head, "x-actrix-realm-secret")); /* never on /renew */
    assert_non_null(strstr(head, "Content-Type: application/x-protobuf\n"));
    ProtobufCMessage *m;
    assert_int_equal(actr_pb_decode(&actr__renew_credential_request__descriptor, body, len, &m,
                                    NULL), 0);
    const Actr__RenewCredentialRequest *rq = (const Actr__RenewCredentialRequest *)m;
    actr_id_t sent;
    assert_int_equal(actr_id_from_pb(rq->actr_id, &sent, NULL), 0);
    assert_true(actr_id_equal(&sent, &the_id));
    assert_int_equal(rq->renewal_token.len, 32);
    assert_int_equal(rq->renewal_token.data[0], 0x5a);
    actr_pb_free(m);

    renew_expect("\"status\": 403", ACTR_AIS_REALM_UNAVAILABLE, "HTTP 403", &d);
    renew_expect("\"status\": 400", ACTR_AIS_INVALID, "HTTP 400", &d);
    renew_expect("\"status\": 429, \"headers\": {\"Retry-After\": \"3\"}", ACTR_AIS_RATE_LIMITED,
                 "HTTP 429", &d);
    assert_int_equal(d.res.retry_after_ms, 3000);
    renew_expect("\"status\": 429", ACTR_AIS_RATE_LIMITED, NULL, &d);
    assert_int_equal(d.res.retry_after_ms, ACTR_AIS_DEFAULT_RETRY_AFTER_MS);
    renew_expect("\"status\": 429, \"headers\": {\"Retry-After\": \"99999999\"}",
                 ACTR_AIS_RATE_LIMITED, NULL, &d);
    assert_int_equal(d.res.retry_after_ms, ACTR_AIS_MAX_RETRY_AFTER_MS);
    /* An HTTP date, 7 s after the client's (fake) clock. */
    char date[64], fields[256];
    time_t at = (time_t)(FAKE_NOW + 7);
    struct tm tm;
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&at, &tm));
    snprintf(fields, sizeof fields, "\"status\": 429, \"headers\": {\"Retry-After\": \"%s\"}", date);
    renew_expect(fields, ACTR_AIS_RATE_LIMITED, NULL, &d);
    assert_int_equal(d.res.retry_after_ms, 7000);

    static const char *const retryable[] = {"500", "502", "503", "504", "408"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(fields, sizeof fields, "\"status\": %s", retryable[i]);
        renew_expect(fields, ACTR_AIS_RETRYABLE, retryable[i], &d);
    }
    renew_expect("\"status\": 404", ACTR_AIS_PROTOCOL_ERROR, "HTTP 404", &d);
    renew_expect("\"status\": 302, \"headers\": {\"Location\": \"/elsewhere\"}",
                 ACTR_AIS_PROTOCOL_ERROR, "HTTP 302", &d); /* never followed */
    ah_write_file(strcat(strcpy(fields, dir), "/garbage.bin"), "\xff\xff\xff garbage", 12);
    renew_expect("\"status\": 200, \"body_file\": \"garbage.bin\"", ACTR_AIS_PROTOCOL_ERROR,
                 "does not decode", &d);
    renew_expect("\"status\": 200", ACTR_AIS_PROTOCOL_ERROR, "has no result", &d);
}

static void test_renew_success_checks(void **state)
{
    (void)state;
    ah_done_t d;
    canned_ok("renew_ok.bin", &the_id, 0);
    renew_expect("\"status\": 200, \"body_file\": \"renew_ok.bin\"", ACTR_AIS_OK, NULL, &d);
    assert_true(actr_id_equal(&d.res.grant.actr_id, &the_id));
    assert_int_equal(d.res.grant.heartbeat_interval_secs, 20);

    actr_id_t other = the_id;
    other.serial_number++;
    canned_ok("renew_other.bin", &other, 0);
    renew_expect("\"status\": 200, \"body_file\": \"renew_other.bin\"", ACTR_AIS_PROTOCOL_ERROR,
                 "renew answered for ActrId \"1a2b3d@101", &d);
    canned_ok("renew_notoken.bin", &the_id, M_NO_TOKEN);
    renew_expect("\"status\": 200, \"body_file\": \"renew_notoken.bin\"", ACTR_AIS_PROTOCOL_ERROR,
                 "without renewal_token", &d);
}

static void test_register_ok_validation(void **state)
{
    (void)state;
    static const struct {
        unsigned mut;
        const char *fragment;
    } cases[] = {
        {M_BAD_SIG, "does not verify under signing_pubkey"},
        {M_CLAIMS_ID, "claims.actor_id \"ff@101/acme:other:1.0.0\" is not the ActrId"},
        {M_CLAIMS_REALM, "claims.realm_id 102"},
        {M_SHORT_PUBKEY, "signing_pubkey is 31 bytes"},
        {M_KEY_ID, "credential key_id 8 is not signing_key_id 7"},
    };
    route("/ais/register", "\"status\": 200, \"body_file\": \"bad.bin\"");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        canned_ok("bad.bin", &the_id, cases[i].mut);
        ah_done_t d;
        actr_ais_register_params_t p = linked_params();
        ah_register(client, &p, &d);
        ah_expect(&d, ACTR_AIS_PROTOCOL_ERROR, cases[i].fragment);
        assert_int_equal(d.res.code, ACTR_EPROTO);
    }
    /* A register answer without a token is fine (only /renew demands one). */
    canned_ok("bad.bin", &the_id, M_NO_TOKEN);
    ah_done_t d;
    actr_ais_register_params_t p = linked_params();
    ah_register(client, &p, &d);
    ah_expect(&d, ACTR_AIS_OK, NULL);
    assert_false(d.res.grant.has_renewal_token);
}

/* ---- transport ---------------------------------------------------------------------------- */

static void test_transport_failures(void **state)
{
    (void)state;
    ah_done_t d;
    actr_ais_register_params_t p = linked_params();
    uint64_t t0;

    /* Slower than the client's 400 ms budget: a bounded, retryable failure. */
    actr_ais_client_t *quick = new_client(base_url, 400, NULL);
    route("/ais/register", "\"status\": 200, \"delay\": 3");
    t0 = (uint64_t)uv_now(ah_loop);
    ah_register(quick, &p, &d);
    ah_expect(&d, ACTR_AIS_RETRYABLE, "timed out");
    assert_true(uv_now(ah_loop) - t0 < 2500);
    actr_ais_client_free(quick);

    route("/ais/register", "\"raw\": \"garbage that is not HTTP\\r\\n\\r\\n\"");
    ah_register(client, &p, &d);
    ah_expect(&d, ACTR_AIS_PROTOCOL_ERROR, "did not answer with HTTP");
    route("/ais/register", "\"raw\": \"\"");
    ah_register(client, &p, &d);
    ah_expect(&d, ACTR_AIS_RETRYABLE, "request failed");

    static uint8_t big[70 * 1024];
    char path[256];
    path_in_dir(path, sizeof path, "big.bin");
    ah_write_file(path, big, sizeof big);
    route("/ais/register", "\"status\": 200, \"body_file\": \"big.bin\"");
    ah_register(client, &p, &d);
    ah_expect(&d, ACTR_AIS_PROTOCOL_ERROR, "larger than");

    /* Nobody listening: a port that was just free. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    close(s);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ais", ntohs(a.sin_port));
    actr_ais_client_t *nobody = new_client(url, 3000, NULL);
    ah_register(nobody, &p, &d);
    ah_expect(&d, ACTR_AIS_RETRYABLE, "request failed");
    assert_int_equal(d.res.http_status, 0);
    actr_ais_client_free(nobody);
}

/* ---- PACKAGE ------------------------------------------------------------------------------ */

static const char MANIFEST[] = "manufacturer = \"acme\"\nname = \"echo\"\nversion = \"1.0.0\"\n"
                               "signing_key_id = \"mfr-0000000000000000\"\n\n[binary]\n"
                               "path = \"bin/actor.wasm\"\ntarget = \"wasm32-wasip1\"\n";

static actr_ais_register_params_t package_params(uint8_t sig[64])
{
    assert_int_equal(actr_signing_key_sign(mfr_key, MANIFEST, sizeof MANIFEST - 1, sig), 0);
    actr_ais_register_params_t p = {0};
    p.mode = ACTR_AIS_MODE_PACKAGE;
    p.type = the_id.type;
    p.realm_id = 101;
    p.manifest_raw = (const uint8_t *)MANIFEST;
    p.manifest_raw_len = sizeof MANIFEST - 1;
    p.mfr_signature = sig;
    p.target = "wasm32-wasip1";
    return p;
}

/* Decodes the newest request as a RegisterRequest (free with actr_pb_free). */
static Actr__RegisterRequest *sent_register(void)
{
    char head[8192];
    static uint8_t body[65536];
    size_t len;
    assert_true(last_request(head, sizeof head, body, sizeof body, &len) > 0);
    ProtobufCMessage *m;
    assert_int_equal(actr_pb_decode(&actr__register_request__descriptor, body, len, &m, NULL), 0);
    return (Actr__RegisterRequest *)m;
}

static void test_package_register_with_proof(void **state)
{
    (void)state;
    canned_ok("ok.bin", &the_id, 0);
    route("/ais/register", "\"status\": 200, \"body_file\": \"ok.bin\"");
    uint8_t sig[64], pub[32];
    actr_signing_key_public(mfr_key, pub);
    actr_ais_register_params_t p = package_params(sig);
    p.mfr_key = mfr_key; /* a handle: signed inside, never handed over as bytes */
    ah_done_t d;
    ah_register(client, &p, &d);
    ah_expect(&d, ACTR_AIS_OK, NULL);

    Actr__RegisterRequest *rq = sent_register();
    assert_int_equal(rq->auth_mode, ACTR__REGISTER_AUTH_MODE__REGISTER_AUTH_MODE_PACKAGE);
    assert_int_equal(rq->manifest_raw.len, sizeof MANIFEST - 1);
    assert_memory_equal(rq->manifest_raw.data, MANIFEST, sizeof MANIFEST - 1);
    assert_int_equal(rq->mfr_signature.len, 64);
    assert_memory_equal(rq->mfr_signature.data, sig, 64);
    assert_string_equal(rq->target, "wasm32-wasip1");
    assert_null(rq->ws_address);
    assert_true(rq->has_manufacturer_auth_signed_at);
    assert_int_equal(rq->manufacturer_auth_signed_at, FAKE_NOW);
    assert_int_equal(rq->manufacturer_auth_nonce.len, 32);
    assert_int_equal(rq->manufacturer_auth_signature.len, 64);
    /* The payload of protocol.md §4.4, built here independently of proof.c. */
    uint8_t digest[32];
    char digest_hex[65], nonce_hex[65], payload[1024];
    actr_sha256(MANIFEST, sizeof MANIFEST - 1, digest);
    actr_hex_encode(digest, 32, digest_hex);
    actr_hex_encode(rq->manufacturer_auth_nonce.data, 32, nonce_hex);
    int n = snprintf(payload, sizeof payload,
                     "ACTR-MANUFACTURER-REGISTER-V1\nauth_mode=package\nrealm=101\n"
                     "actr_type=acme:echo:1.0.0\ntarget=wasm32-wasip1\nmanifest_sha256=%s\n"
                     "manufacturer_auth_signed_at=1700000000\nmanufacturer_auth_nonce=%s",
                     digest_hex, nonce_hex);
    assert_int_equal(actr_ed25519_verify(pub, 32, payload, (size_t)n,
                                         rq->manufacturer_auth_signature.data, 64), 0);
    uint8_t first_nonce[32];
    memcpy(first_nonce, rq->manufacturer_auth_nonce.data, 32);
    actr_pb_free(rq);

    /* Every call signs a fresh nonce. */
    ah_register(client, &p, &d);
    ah_expect(&d, ACTR_AIS_OK, NULL);
    rq = sent_register();
    assert_memory_not_equal(rq->manufacturer_auth_nonce.data, first_nonce, 32);
    actr_pb_free(rq);

    /* A ready proof is sent as it is (a replay, for tests). */
    actr_ais_proof_t proof;
    assert_int_equal(actr_ais_proof_make(NULL, mfr_key, 101, &the_id.type, "wasm32-wasip1",
                                         (const uint8_t *)MANIFEST, sizeof MANIFEST - 1,
                                         FAKE_NOW - 5, &proof, NULL), 0);
    p.mfr_key = NULL;
    p.proof = &proof;
    ah_register(client, &p, &d);
    rq = sent_register();
    assert_int_equal(rq->manufacturer_auth_signed_at, FAKE_NOW - 5);
    assert_memory_equal(rq->manufacturer_auth_nonce.data, proof.nonce, 32);
    assert_memory_equal(rq->manufacturer_auth_signature.data, proof.signature, 64);
    actr_pb_free(rq);

    /* A published package (Path 1) sends no proof. */
    p.proof = NULL;
    ah_register(client, &p, &d);
    rq = sent_register();
    assert_false(rq->has_manufacturer_auth_nonce || rq->has_manufacturer_auth_signature ||
                 rq->has_manufacturer_auth_signed_at);
    assert_true(rq->has_manifest_raw);
    actr_pb_free(rq);
}

/* ---- argument checks, cancellation, shutdown ---------------------------------------------- */

static void expect_refused(const actr_ais_register_params_t *p, const char *fragment)
{
    ah_done_t d = {0};
    actr_error_t err = {0};
    assert_int_equal(actr_ais_register(client, p, ah_on_done, &d, NULL, &err), ACTR_EINVAL);
    if (!strstr(err.message, fragment))
        fail_msg("\"%s\" lacks \"%s\"", err.message, fragment);
    assert_false(d.done);
}

static void test_argument_checks(void **state)
{
    (void)state;
    int before = request_count();
    uint8_t sig[64];
    actr_ais_register_params_t p = linked_params();
    p.type.version[0] = 0;
    expect_refused(&p, "version");
    p = linked_params();
    p.target = "wasm32-wasip1";
    expect_refused(&p, "LINKED mode carries no package fields");
    p = package_params(sig);
    p.target = NULL;
    expect_refused(&p, "needs the target");
    p = package_params(sig);
    p.manifest_raw = NULL;
    expect_refused(&p, "needs manifest_raw");
    p = package_params(sig);
    p.ws_address = "ws://x";
    expect_refused(&p, "no ws_address");
    p.mode = (actr_ais_mode_t)7;
    expect_refused(&p, "unknown mode");
    actr_id_t bad = the_id;
    bad.type.name[0] = '-';
    ah_done_t d = {0};
    assert_int_equal(actr_ais_renew(client, &bad, sig, ah_on_done, &d, NULL, NULL), ACTR_EINVAL);
    ah_spin(50);
    assert_int_equal(request_count(), before); /* nothing was sent */
    assert_false(d.done);

    actr_ais_client_options_t o = {0};
    actr_ais_client_t *c;
    actr_error_t err = {0};
    o.endpoint = "ftp://127.0.0.1/ais";
    assert_int_equal(actr_ais_client_new(ah_http, &o, &c, &err), ACTR_EINVAL);
    o.endpoint = base_url;
    o.realm_secret = "rs_x\r\nX-Injected: 1";
    assert_int_equal(actr_ais_client_new(ah_http, &o, &c, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "control character"));
    assert_string_equal(actr_ais_status_name(ACTR_AIS_TOKEN_REJECTED), "token_rejected");
}

static void test_cancel_free_and_close(void **state)
{
    (void)state;
    actr_ais_register_params_t p = linked_params();
    canned_ok("ok.bin", &the_id, 0);
    route("/ais/register", "\"status\": 200, \"body_file\": \"ok.bin\", \"delay\": 0.5");

    /* A cancelled call never calls back; freeing the client completes its calls as CANCELED. */
    ah_done_t cancelled = {0}, orphan = {0}, fine;
    actr_ais_call_t *call;
    assert_int_equal(actr_ais_register(client, &p, ah_on_done, &cancelled, &call, NULL), 0);
    actr_ais_cancel(call);
    actr_ais_client_t *c2 = new_client(base_url, 5000, NULL);
    assert_int_equal(actr_ais_register(c2, &p, ah_on_done, &orphan, NULL, NULL), 0);
    assert_false(orphan.done); /* never inside the starting call */
    actr_ais_client_free(c2);
    assert_int_equal(orphan.calls, 1);
    ah_expect(&orphan, ACTR_AIS_CANCELED, "client freed");
    ah_register(client, &p, &fine);
    ah_expect(&fine, ACTR_AIS_OK, NULL);
    ah_spin(700);
    assert_int_equal(cancelled.calls, 0);
    assert_int_equal(orphan.calls, 1);

    /* Closing the HTTP driver completes what is in flight as CANCELED, then frees itself. */
    actr_curl_uv_t *cu;
    assert_int_equal(actr_curl_uv_new(ah_loop, &cu), 0);
    actr_ais_client_options_t o = {.endpoint = base_url};
    actr_ais_client_t *c3;
    assert_int_equal(actr_ais_client_new(cu, &o, &c3, NULL), 0);
    ah_done_t killed = {0};
    assert_int_equal(actr_ais_register(c3, &p, ah_on_done, &killed, NULL, NULL), 0);
    ah_spin(100); /* connected and waiting */
    bool closed = false;
    actr_curl_uv_close(cu, ah_flag_set, &closed);
    assert_true(killed.done);
    ah_expect(&killed, ACTR_AIS_CANCELED, "canceled");
    ah_done_t late = {0};
    assert_int_equal(actr_ais_register(c3, &p, ah_on_done, &late, NULL, NULL), ACTR_ECLOSED);
    actr_ais_client_free(c3);
    ah_wait(&closed, 5000);
}

static void test_concurrent_requests(void **state)
{
    (void)state;
    canned_ok("ok.bin", &the_id, 0);
    route("/ais/register", "\"status\": 200, \"body_file\": \"ok.bin\", \"delay\": 0.2");
    ah_done_t d[12];
    memset(d, 0, sizeof d);
    actr_ais_register_params_t p = linked_params();
    for (int i = 0; i < 12; i++)
        assert_int_equal(actr_ais_register(client, &p, ah_on_done, &d[i], NULL, NULL), 0);
    assert_int_equal(actr_curl_uv_active(ah_http), 12);
    for (int i = 0; i < 12; i++) {
        ah_wait(&d[i].done, 15000);
        ah_expect(&d[i], ACTR_AIS_OK, NULL);
        assert_int_equal(d[i].calls, 1);
    }
    assert_int_equal(actr_curl_uv_active(ah_http), 0);
}

/* The HTTP driver on its own: a GET (the MFR fetch's shape), headers, argument checks. */
static void on_http(const actr_http_response_t *r, void *arg)
{
    ah_done_t *d = arg;
    d->calls++;
    d->res.http_status = r->status;
    d->res.code = r->result;
    d->res.error_code = (uint32_t)actr_http_header_get(r->headers, r->headers_len, "x-test",
                                                       d->res.message, 64);
    d->res.retry_after_ms = r->body_len == 12 && memcmp(r->body, "\xff\xff\xff garbage", 12) == 0;
    ah_flag_set(&d->done);
}

static void test_http_get(void **state)
{
    (void)state;
    route("/plain", "\"status\": 200, \"body_file\": \"garbage.bin\", \"headers\": {\"X-Test\": \" v a \"}");
    char url[160];
    snprintf(url, sizeof url, "%.100s../plain", base_url);
    actr_http_request_t req = ACTR_HTTP_REQUEST_INIT;
    req.url = url;
    ah_done_t d = {0};
    assert_int_equal(actr_curl_uv_start(ah_http, &req, on_http, &d, NULL), 0);
    ah_wait(&d.done, 15000);
    assert_int_equal(d.res.code, 0);
    assert_int_equal(d.res.http_status, 200);
    assert_int_equal(d.res.error_code, 3);
    assert_string_equal(d.res.message, "v a"); /* trimmed */
    assert_true(d.res.retry_after_ms); /* the body, byte for byte */
    char head[8192];
    static uint8_t body[65536];
    size_t len;
    assert_true(last_request(head, sizeof head, body, sizeof body, &len) > 0);
    assert_non_null(strstr(head, "GET /plain\n"));
    req.method = "PUT";
    assert_int_equal(actr_curl_uv_start(ah_http, &req, on_http, &d, NULL), ACTR_EINVAL);
    req.method = NULL;
    req.header_count = ACTR_HTTP_MAX_REQUEST_HEADERS + 1;
    assert_int_equal(actr_curl_uv_start(ah_http, &req, on_http, &d, NULL), ACTR_EINVAL);
    assert_int_equal(actr_http_header_get("A: 1\r\n", 6, "x-test", head, 8), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linked_register),
        cmocka_unit_test(test_error_response_in_200_body),
        cmocka_unit_test(test_renew_request_and_statuses),
        cmocka_unit_test(test_renew_success_checks),
        cmocka_unit_test(test_register_ok_validation),
        cmocka_unit_test(test_transport_failures),
        cmocka_unit_test(test_package_register_with_proof),
        cmocka_unit_test(test_argument_checks),
        cmocka_unit_test(test_cancel_free_and_close),
        cmocka_unit_test(test_concurrent_requests),
        cmocka_unit_test(test_http_get),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
