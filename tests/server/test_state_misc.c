/*
 * The rest of the state side: credential verification, signing-key rotation, ACL rows, pending
 * registrations, Snowflake serials, persistence, the MFR key endpoint, configuration checks,
 * logging of refusals and `actrd init --json` run as a real program.
 */
#include "state_fixture.h"

#include <cjson/cJSON.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "actr/log.h"
#include "base/base64.h"
#include "state/serial.h"

#define TYPE "acme:echo:1.0.0"

/* The credential of a registration, as signaling receives it. */
static int verify(fx_t *fx, const Actr__AIdCredential *c, uint32_t realm, char *actor_id,
                  size_t cap)
{
    uint64_t exp = 0;
    return actrd_credential_verify(fx->st, c->key_id, c->claims.data, c->claims.len,
                                   c->signature.data, c->signature.len, realm, actor_id, cap,
                                   &exp, NULL);
}

static void test_credential_verify(void **state)
{
    fx_t *fx = *state;
    Actr__RegisterResponse *resp = fx_register_linked(fx, TYPE);
    Actr__AIdCredential *c = resp->success->credential;
    char id_str[ACTR_ID_STR_SIZE], got[ACTR_ID_STR_SIZE];
    fx_id_str(resp->success->actr_id, id_str);
    uint64_t exp = 0;
    actr_error_t err;
    assert_int_equal(actrd_credential_verify(fx->st, c->key_id, c->claims.data, c->claims.len,
                                             c->signature.data, c->signature.len, fx->realm, got,
                                             sizeof got, &exp, &err), 0);
    assert_string_equal(got, id_str);
    assert_int_equal(exp, fx_now(fx) + 3600);

    assert_int_equal(verify(fx, c, fx->realm + 5, got, sizeof got), ACTR_EPERM);
    assert_int_equal(actrd_credential_verify(fx->st, c->key_id + 100, c->claims.data,
                                             c->claims.len, c->signature.data, 64, fx->realm,
                                             got, sizeof got, NULL, &err), ACTR_ENOTFOUND);
    assert_int_equal(err.wire_code, 401);
    assert_int_equal(actrd_credential_verify(fx->st, c->key_id, c->claims.data, c->claims.len,
                                             c->signature.data, 63, fx->realm, got, sizeof got,
                                             NULL, NULL), ACTR_ESIGNATURE);
    /* Tampered claims (one byte of the actor id) no longer verify. */
    c->claims.data[c->claims.len - 12] ^= 0x01;
    assert_int_equal(verify(fx, c, fx->realm, got, sizeof got), ACTR_ESIGNATURE);
    c->claims.data[c->claims.len - 12] ^= 0x01;
    /* Too small an output buffer is refused rather than truncated. */
    assert_int_equal(verify(fx, c, fx->realm, got, 8), ACTR_EPARSE);
    assert_int_equal(verify(fx, c, fx->realm, NULL, 0), 0);
    /* Expired at exactly expires_at. */
    fx_advance(fx, 3599);
    assert_int_equal(verify(fx, c, fx->realm, got, sizeof got), 0);
    fx_advance(fx, 1);
    assert_int_equal(actrd_credential_verify(fx->st, c->key_id, c->claims.data, c->claims.len,
                                             c->signature.data, c->signature.len, fx->realm, got,
                                             sizeof got, NULL, &err), ACTR_EEXPIRED);
    assert_int_equal(err.wire_code, 401);
    actr_pb_free(resp);
}

static void test_signing_key_rotation(void **state)
{
    fx_t *fx = *state;
    Actr__RegisterResponse *before = fx_register_linked(fx, TYPE);
    uint32_t old_id = before->success->signing_key_id;
    uint8_t pub[32];
    assert_int_equal(actrd_signing_key_get(fx->st, old_id, pub), 0);
    assert_memory_equal(pub, before->success->signing_pubkey.data, 32);

    fx_advance(fx, 600);
    uint32_t new_id = 0;
    assert_int_equal(actrd_signing_key_rotate(fx->st, &new_id, NULL), 0);
    assert_int_equal(new_id, old_id + 1);
    Actr__RegisterResponse *after = fx_register_linked(fx, TYPE);
    assert_int_equal(after->success->signing_key_id, new_id);
    assert_int_equal(after->success->credential->key_id, new_id);
    assert_memory_not_equal(after->success->signing_pubkey.data, pub, 32);

    /* The retired key verifies what it signed until that expires, then is gone. */
    assert_int_equal(verify(fx, before->success->credential, fx->realm, NULL, 0), 0);
    actrd_signing_key_info_t *keys = NULL;
    size_t n = 0;
    assert_int_equal(actrd_signing_key_list(fx->st, &keys, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_false(keys[0].active);
    assert_true(keys[1].active);
    assert_int_equal(keys[0].verify_until, fx_now(fx) - 600 + 3600);
    free(keys);
    fx_advance(fx, 3000);
    assert_int_equal(actrd_signing_key_get(fx->st, old_id, pub), ACTR_ENOTFOUND);
    assert_int_equal(verify(fx, after->success->credential, fx->realm, NULL, 0), 0);
    assert_int_equal(actrd_signing_key_get(fx->st, new_id, pub), 0);

    /* The retired seed is wiped from the database. */
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(fx->st->db,
                                        "SELECT COUNT(*) FROM signing_keys WHERE seed IS NOT NULL",
                                        -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 1);
    sqlite3_finalize(s);
    actr_pb_free(before);
    actr_pb_free(after);
}

static void test_rotation_by_another_process_is_picked_up(void **state)
{
    fx_t *fx = *state;
    Actr__RegisterResponse *first = fx_register_linked(fx, TYPE);
    /* A second state on the same directory stands in for `actrd signing-key rotate`. */
    actrd_state_t *admin = NULL;
    assert_int_equal(actrd_state_open(&fx->cfg, &admin, NULL), 0);
    uint32_t new_id = 0;
    assert_int_equal(actrd_signing_key_rotate(admin, &new_id, NULL), 0);
    actrd_state_close(admin);
    Actr__RegisterResponse *second = fx_register_linked(fx, TYPE);
    assert_int_equal(second->success->signing_key_id, new_id);
    assert_int_not_equal(first->success->signing_key_id, new_id);
    actr_pb_free(first);
    actr_pb_free(second);
}

static void test_acl_rows(void **state)
{
    fx_t *fx = *state;
    uint32_t r = fx->realm;
    fx_req_t q;
    fx_req_init(&q, r, "acme:server:1.0.0", true);
    fx_req_rule(&q, true, "acme:client:1.0.0", 0, 0);    /* unset: own realm */
    fx_req_rule(&q, true, "acme:roamer:1.0.0", 3, 0);    /* any realm */
    fx_req_rule(&q, true, "acme:guest:1.0.0", 4, 77);    /* realm 77 only */
    fx_req_rule(&q, false, "acme:banned:1.0.0", 3, 0);   /* deny everywhere */
    fx_expect_success(fx_register(fx, &q, fx->secret));

    const char *to = "acme:server:1.0.0";
    assert_true(actrd_acl_can_discover(fx->st, r, r, "acme:client:1.0.0", to));
    assert_false(actrd_acl_can_discover(fx->st, 9, r, "acme:client:1.0.0", to));
    assert_true(actrd_acl_can_discover(fx->st, r, r, "acme:roamer:1.0.0", to));
    assert_true(actrd_acl_can_discover(fx->st, 12345, r, "acme:roamer:1.0.0", to));
    assert_true(actrd_acl_can_discover(fx->st, 77, r, "acme:guest:1.0.0", to));
    assert_false(actrd_acl_can_discover(fx->st, r, r, "acme:guest:1.0.0", to));
    assert_false(actrd_acl_can_discover(fx->st, r, r, "acme:banned:1.0.0", to));
    /* No row: denied; the version is part of the type; rows live in the target's realm. */
    assert_false(actrd_acl_can_discover(fx->st, r, r, "acme:stranger:1.0.0", to));
    assert_false(actrd_acl_can_discover(fx->st, r, r, "acme:client:1.0.1", to));
    assert_false(actrd_acl_can_discover(fx->st, r, r, "acme:client:1.0.0", "acme:server:2.0.0"));
    assert_false(actrd_acl_can_discover(fx->st, r, 2, "acme:client:1.0.0", to));
    assert_false(actrd_acl_can_discover(fx->st, r, r, NULL, to));

    /* A registration without an ACL leaves the rows; one with an ACL replaces them. */
    fx_req_init(&q, r, "acme:server:1.0.0", true);
    fx_expect_success(fx_register(fx, &q, fx->secret));
    assert_true(actrd_acl_can_discover(fx->st, r, r, "acme:client:1.0.0", to));
    fx_req_rule(&q, true, "acme:other:1.0.0", 0, 0);
    fx_expect_success(fx_register(fx, &q, fx->secret));
    assert_false(actrd_acl_can_discover(fx->st, r, r, "acme:client:1.0.0", to));
    assert_true(actrd_acl_can_discover(fx->st, r, r, "acme:other:1.0.0", to));
    /* Deny overrides allow for the same caller, whatever the order. */
    fx_req_init(&q, r, "acme:server:1.0.0", true);
    fx_req_rule(&q, false, "acme:other:1.0.0", 0, 0);
    fx_req_rule(&q, true, "acme:other:1.0.0", 3, 0);
    fx_expect_success(fx_register(fx, &q, fx->secret));
    assert_false(actrd_acl_can_discover(fx->st, r, r, "acme:other:1.0.0", to));
    assert_true(actrd_acl_can_discover(fx->st, 4, r, "acme:other:1.0.0", to));
}

static void test_pending_registration(void **state)
{
    fx_t *fx = *state;
    fx_req_t q;
    fx_req_init(&q, fx->realm, TYPE, true);
    Actr__ServiceSpec spec = ACTR__SERVICE_SPEC__INIT;
    spec.name = "EchoService";
    spec.fingerprint = "service_semantic:abc";
    q.req.service_spec = &spec;
    q.req.ws_address = "ws://192.168.1.10:9100";
    Actr__RegisterResponse *resp = fx_register(fx, &q, fx->secret);
    Actr__ActrId *id = fx_expect_ok(resp)->actr_id;

    uint8_t *blob = NULL;
    size_t len = 0;
    char *ws = NULL;
    assert_int_equal(actrd_pending_registration_get(fx->st, id->realm->realm_id,
                                                    id->serial_number, &blob, &len, &ws), 0);
    assert_string_equal(ws, "ws://192.168.1.10:9100");
    ProtobufCMessage *m = NULL;
    assert_int_equal(actr_pb_decode(&actr__service_spec__descriptor, blob, len, &m, NULL), 0);
    assert_string_equal(((Actr__ServiceSpec *)m)->name, "EchoService");
    actr_pb_free(m);
    free(blob);
    free(ws);
    assert_int_equal(actrd_pending_registration_get(fx->st, id->realm->realm_id + 1,
                                                    id->serial_number, &blob, &len, &ws),
                     ACTR_ENOTFOUND);
    assert_null(blob);
    assert_null(ws);
    actr_pb_free(resp);

    /* Only a ws_address: no spec. Neither: no row. */
    fx_req_init(&q, fx->realm, TYPE, true);
    q.req.ws_address = "ws://h:1";
    resp = fx_register(fx, &q, fx->secret);
    id = fx_expect_ok(resp)->actr_id;
    assert_int_equal(actrd_pending_registration_get(fx->st, id->realm->realm_id,
                                                    id->serial_number, &blob, &len, &ws), 0);
    assert_null(blob);
    assert_string_equal(ws, "ws://h:1");
    free(ws);
    actr_pb_free(resp);
    resp = fx_register_linked(fx, TYPE);
    id = resp->success->actr_id;
    assert_int_equal(actrd_pending_registration_get(fx->st, id->realm->realm_id,
                                                    id->serial_number, &blob, &len, &ws),
                     ACTR_ENOTFOUND);
    actr_pb_free(resp);
}

static void test_serial_unique_and_monotonic(void **state)
{
    (void)state;
    actrd_serial_t gen;
    actrd_serial_init(&gen, actrd_serial_worker_id(), 0);
    uint64_t prev = 0, s = 0;
    int64_t now = FX_START_MS;
    for (int i = 0; i < 100000; i++) {
        /* Mostly ticking, sometimes stalled or stepping back 50 ms. */
        now += (i % 97 == 0) ? -50 : (i % 3 == 0);
        assert_int_equal(actrd_serial_next(&gen, now, &s), 0);
        assert_true(s > prev);
        assert_true(s < (UINT64_C(1) << 54));
        assert_int_equal((s >> 8) & 31, gen.worker);
        prev = s;
    }
    /* The timestamp bits count milliseconds since 2023-01-01. */
    actrd_serial_init(&gen, 3, 0);
    assert_int_equal(actrd_serial_next(&gen, ACTRD_SERIAL_EPOCH_MS + 1000, &s), 0);
    assert_int_equal(s, (UINT64_C(1000) << 13) | (3 << 8));
    /* After a restart with the clock far behind, serials still exceed the floor. */
    actrd_serial_t again;
    actrd_serial_init(&again, 0, prev);
    assert_int_equal(actrd_serial_next(&again, FX_START_MS - 3600000, &s), 0);
    assert_true(s > prev);
    /* Past the 41-bit range: refused, not wrapped. */
    actrd_serial_init(&gen, 0, 0);
    assert_int_equal(actrd_serial_next(&gen, ACTRD_SERIAL_EPOCH_MS + (INT64_C(1) << 41), &s),
                     ACTR_ERANGE);
}

static void test_persistence_across_reopen(void **state)
{
    fx_t *fx = *state;
    Actr__RegisterResponse *a = fx_register_linked(fx, TYPE);
    fx_mfr_t m;
    fx_mfr_new(fx, "acme", &m);
    fx_reopen(fx);
    /* The clock went back an hour across the restart: serials still grow. */
    fx_advance(fx, -3600);
    Actr__RegisterResponse *b = fx_register_linked(fx, TYPE);
    assert_true(b->success->actr_id->serial_number > a->success->actr_id->serial_number);
    assert_int_equal(b->success->signing_key_id, a->success->signing_key_id);
    assert_memory_equal(b->success->signing_pubkey.data, a->success->signing_pubkey.data, 32);
    assert_int_equal(strlen(b->success->turn_credential->password), 28); /* B64 of 20 bytes */
    actrd_mfr_key_t *keys = NULL;
    size_t n = 0;
    assert_int_equal(actrd_mfr_key_list(fx->st, "acme", &keys, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_string_equal(keys[0].key_id, m.key_id);
    free(keys);
    actrd_realm_info_t info;
    assert_int_equal(actrd_realm_get(fx->st, fx->realm, &info, NULL), 0);
    assert_true(info.has_secret);
    assert_int_equal(verify(fx, a->success->credential, fx->realm, NULL, 0), 0);

    /* The database is private: directory 0700, file 0600. */
    struct stat sb;
    char path[2048];
    assert_int_equal(stat(fx->cfg.data_dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/actrd.db", fx->cfg.data_dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    fx_mfr_free(&m);
    actr_pb_free(a);
    actr_pb_free(b);
}

static cJSON *mfr_get(fx_t *fx, const char *mfr, const char *key_id, int status)
{
    actrd_http_reply_t reply;
    assert_int_equal(actrd_mfr_verifying_key(fx->st, mfr, key_id, &reply), 0);
    assert_int_equal(reply.status, status);
    assert_string_equal(reply.content_type, "application/json");
    cJSON *json = cJSON_ParseWithLength((const char *)reply.body, reply.len);
    assert_non_null(json);
    actrd_http_reply_free(&reply);
    return json;
}

static void test_mfr_verifying_key_json(void **state)
{
    fx_t *fx = *state;
    fx_mfr_t old, cur;
    fx_mfr_new(fx, "acme", &old);
    fx_advance(fx, 10);
    fx_mfr_new(fx, "acme", &cur);
    char b64[48];
    actr_base64_encode(cur.pub, 32, b64, ACTR_B64_STD);
    /* Without key_id: the newest active key. */
    cJSON *j = mfr_get(fx, "acme", NULL, 200);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "public_key")), b64);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "key_id")), cur.key_id);
    cJSON_Delete(j);
    j = mfr_get(fx, "acme", old.key_id, 200);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "key_id")), old.key_id);
    cJSON_Delete(j);
    /* Unknown, another manufacturer's, revoked, invalid name. */
    cJSON_Delete(mfr_get(fx, "globex", NULL, 404));
    cJSON_Delete(mfr_get(fx, "globex", cur.key_id, 404));
    assert_int_equal(actrd_mfr_key_revoke(fx->st, cur.key_id, NULL), 0);
    assert_int_equal(actrd_mfr_key_revoke(fx->st, cur.key_id, NULL), ACTR_ENOTFOUND);
    j = mfr_get(fx, "acme", cur.key_id, 410);
    assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItem(j, "error")));
    cJSON_Delete(j);
    j = mfr_get(fx, "acme", "", 200); /* falls back to the older, still active key */
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "key_id")), old.key_id);
    cJSON_Delete(j);
    cJSON_Delete(mfr_get(fx, "../etc", NULL, 400));
    /* Adding the same key twice, or a key for an invalid name, fails. */
    char id[ACTR_MFR_KEY_ID_SIZE];
    assert_int_equal(actrd_mfr_key_add(fx->st, "acme", old.pub, id, NULL), ACTR_EEXIST);
    assert_int_equal(actrd_mfr_key_add(fx->st, "bad name", old.pub, id, NULL), ACTR_EINVAL);
    fx_mfr_free(&old);
    fx_mfr_free(&cur);
}

static void test_realm_check_and_config(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(actrd_realm_check(fx->st, fx->realm), 0);
    assert_int_equal(actrd_realm_check(fx->st, 4242), ACTR_EPERM);
    assert_int_equal(actrd_realm_set_enabled(fx->st, fx->realm, false, NULL), 0);
    assert_int_equal(actrd_realm_check(fx->st, fx->realm), ACTR_EPERM);
    assert_int_equal(actrd_realm_set_enabled(fx->st, 4242, false, NULL), ACTR_ENOTFOUND);
    uint32_t dup = fx->realm;
    assert_int_equal(actrd_realm_create(fx->st, &dup, "dup", 0, false, NULL, NULL), ACTR_EEXIST);

    actrd_state_config_t cfg = fx->cfg;
    actrd_state_t *st = NULL;
    actr_error_t err;
    cfg.nonce_ttl_secs = 100; /* shorter than the proof window: a replay hole */
    assert_int_equal(actrd_state_open(&cfg, &st, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "nonce_ttl_secs"));
    cfg = fx->cfg;
    cfg.data_dir[0] = '\0';
    assert_int_equal(actrd_state_open(&cfg, &st, &err), ACTR_EINVAL);
    assert_null(st);
    /* Without a configured TURN secret a random one is generated once and kept. */
    cfg = fx->cfg;
    cfg.turn_secret[0] = '\0';
    assert_int_equal(actrd_state_open(&cfg, &st, NULL), 0);
    char first[128];
    snprintf(first, sizeof first, "%s", actrd_state_turn_secret(st));
    assert_int_equal(strlen(first), 64);
    actrd_state_close(st);
    assert_int_equal(actrd_state_open(&cfg, &st, NULL), 0);
    assert_string_equal(actrd_state_turn_secret(st), first);
    actrd_state_close(st);
}

/* Log capture: refusals are logged with their reason. */
typedef struct log_capture {
    int refused;
    char reason[256];
} log_capture_t;

static void capture_sink(const actr_log_record_t *rec, void *ud)
{
    log_capture_t *cap = ud;
    if (strcmp(rec->msg, "register refused") != 0)
        return;
    cap->refused++;
    for (size_t i = 0; i < rec->nfields; i++)
        if (!strcmp(rec->fields[i].key, "reason"))
            snprintf(cap->reason, sizeof cap->reason, "%s", rec->fields[i].value);
}

static void test_refusals_are_logged(void **state)
{
    fx_t *fx = *state;
    log_capture_t cap = {0, ""};
    actr_log_level_t level = actr_log_get_level();
    actr_log_set_level(ACTR_LOG_INFO);
    actr_log_set_sink(capture_sink, &cap);
    fx_req_t q;
    fx_req_init(&q, fx->realm, TYPE, true);
    fx_expect_error(fx_register(fx, &q, "rs_nope"), 403, "Invalid realm secret");
    actr_log_set_sink(NULL, NULL);
    actr_log_set_level(level);
    assert_int_equal(cap.refused, 1);
    assert_string_equal(cap.reason, "Invalid realm secret");
}

/* Runs the real `actrd init --json` and registers with what it printed. */
static void test_init_json_binary(void **state)
{
    fx_t *fx = *state;
    const char *bin = getenv("ACTR_BIN_DIR");
    if (!bin)
        fail_msg("ACTR_BIN_DIR is not set (run through ctest)");
    char dir[512], cmd[2048];
    snprintf(dir, sizeof dir, "%s/init", fx->dir);
    snprintf(cmd, sizeof cmd,
             "%s/actrd init --data-dir %s --realm-id 7 --listen 127.0.0.1:9555 --json", bin, dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char out[8192];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("actrd init failed (%d): %s", status, out);
    cJSON *j = cJSON_Parse(out);
    if (!j)
        fail_msg("not JSON: %s", out);
    assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "realm_id")), 7);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "signaling_url")),
                        "ws://127.0.0.1:9555/signaling/ws");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "ais_url")),
                        "http://127.0.0.1:9555/ais");
    const char *secret = cJSON_GetStringValue(cJSON_GetObjectItem(j, "realm_secret"));
    assert_non_null(secret);
    assert_memory_equal(secret, "rs_", 3);

    /* A node registers with exactly that. */
    actrd_state_config_t cfg;
    actrd_state_config_init(&cfg);
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s", dir);
    actrd_state_t *st = NULL;
    assert_int_equal(actrd_state_open(&cfg, &st, NULL), 0);
    char listen[64];
    assert_int_equal(actrd_state_listen_get(st, listen, sizeof listen), 0);
    assert_string_equal(listen, "127.0.0.1:9555");
    assert_int_equal(actrd_state_listen_get(st, listen, 5), ACTR_ERANGE);
    fx_req_t q;
    fx_req_init(&q, 7, TYPE, true);
    uint8_t *body = NULL;
    size_t len = 0;
    assert_int_equal(actr_pb_encode(&q.req.base, &body, &len, NULL), 0);
    actrd_http_reply_t reply;
    assert_int_equal(actrd_ais_register(st, body, len, secret, &reply), 0);
    ProtobufCMessage *m = NULL;
    assert_int_equal(actr_pb_decode(&actr__register_response__descriptor, reply.body, reply.len,
                                    &m, NULL), 0);
    fx_expect_success((Actr__RegisterResponse *)m);
    actrd_http_reply_free(&reply);
    free(body);
    actrd_state_close(st);
    cJSON_Delete(j);

    /* A second init of the same directory refuses (the secret cannot be shown again). */
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, sizeof out - 1, p);
    status = pclose(p);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_credential_verify, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_signing_key_rotation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rotation_by_another_process_is_picked_up, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_acl_rows, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_pending_registration, fx_setup, fx_teardown),
        cmocka_unit_test(test_serial_unique_and_monotonic),
        cmocka_unit_test_setup_teardown(test_persistence_across_reopen, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_mfr_verifying_key_json, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_realm_check_and_config, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refusals_are_logged, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_init_json_binary, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
