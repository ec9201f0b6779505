/* POST /ais/renew on the state side (protocol.md 4.3, 5.2). */
#include "state_fixture.h"

#define TYPE "acme:echo:1.0.0"
#define TTL 86400
#define WINDOW 21600

/* The registered actor and its current renewal token. */
typedef struct actor {
    Actr__RegisterResponse *resp;
    char id_str[ACTR_ID_STR_SIZE];
    uint8_t token[32];
    int64_t token_expires;
} actor_t;

static void actor_register(fx_t *fx, actor_t *a)
{
    a->resp = fx_register_linked(fx, TYPE);
    Actr__RegisterResponse__RegisterOk *ok = a->resp->success;
    fx_id_str(ok->actr_id, a->id_str);
    memcpy(a->token, ok->renewal_token.data, 32);
    a->token_expires = ok->renewal_token_expires_at->seconds;
}

/* Posts a RenewCredentialRequest for a's ActrId with token (len bytes); returns the reply. */
static Actr__RenewCredentialResponse *renew(fx_t *fx, const actor_t *a, const uint8_t *token,
                                            size_t len, int *status)
{
    Actr__RenewCredentialRequest req = ACTR__RENEW_CREDENTIAL_REQUEST__INIT;
    req.actr_id = a->resp->success->actr_id;
    req.renewal_token.data = (uint8_t *)token;
    req.renewal_token.len = len;
    uint8_t *body = NULL;
    size_t blen = 0;
    assert_int_equal(actr_pb_encode(&req.base, &body, &blen, NULL), 0);
    actrd_http_reply_t reply;
    assert_int_equal(actrd_ais_renew(fx->st, body, blen, &reply), 0);
    free(body);
    assert_string_equal(reply.content_type, "application/x-protobuf");
    *status = reply.status;
    ProtobufCMessage *m = NULL;
    assert_int_equal(actr_pb_decode(&actr__renew_credential_response__descriptor, reply.body,
                                    reply.len, &m, NULL), 0);
    actrd_http_reply_free(&reply);
    return (Actr__RenewCredentialResponse *)m;
}

/* Renews successfully; returns the RegisterOk's token into out and its expiry. */
static int64_t renew_ok(fx_t *fx, const actor_t *a, const uint8_t *token, uint8_t out[32])
{
    int status = 0;
    Actr__RenewCredentialResponse *r = renew(fx, a, token, 32, &status);
    if (r->result_case != ACTR__RENEW_CREDENTIAL_RESPONSE__RESULT_SUCCESS)
        fail_msg("renew failed: %u %s", r->error->code, r->error->message);
    assert_int_equal(status, 200);
    Actr__RegisterResponse__RegisterOk *ok = r->success;
    char id_str[ACTR_ID_STR_SIZE];
    fx_id_str(ok->actr_id, id_str);
    assert_string_equal(id_str, a->id_str); /* same identity */
    assert_int_equal(ok->renewal_token.len, 32);
    memcpy(out, ok->renewal_token.data, 32);
    int64_t expires = ok->renewal_token_expires_at->seconds;
    actr_pb_free(r);
    return expires;
}

static void renew_fails(fx_t *fx, const actor_t *a, const uint8_t *token, size_t len,
                        uint32_t code, const char *text)
{
    int status = 0;
    Actr__RenewCredentialResponse *r = renew(fx, a, token, len, &status);
    assert_int_equal(r->result_case, ACTR__RENEW_CREDENTIAL_RESPONSE__RESULT_ERROR);
    if (r->error->code != code || !strstr(r->error->message, text))
        fail_msg("expected %u '%s', got %u '%s'", code, text, r->error->code, r->error->message);
    assert_int_equal(status, (int)code); /* the HTTP status mirrors the code */
    actr_pb_free(r);
}

static size_t token_rows(fx_t *fx, const char *actor_id)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(fx->st->db,
                                        "SELECT COUNT(*) FROM renewal_tokens WHERE actor_id = ?1",
                                        -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, actor_id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    size_t n = (size_t)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* The successor token computed here from protocol.md 4.3, independently of renewal.c. */
static void expected_successor(fx_t *fx, const uint8_t old[32], const char *actor_id,
                               int64_t old_expires, uint8_t out[32])
{
    uint8_t msg[1024];
    size_t n = 0;
    static const char label[] = "actrix/ais/renewal/v1";
    memcpy(msg, label, sizeof label - 1);
    n += sizeof label - 1;
    memcpy(msg + n, old, 32);
    n += 32;
    memcpy(msg + n, actor_id, strlen(actor_id));
    n += strlen(actor_id);
    for (int i = 7; i >= 0; i--)
        msg[n++] = (uint8_t)((uint64_t)old_expires >> (8 * i));
    uint8_t secret[64];
    size_t slen = 0;
    assert_int_equal(actrd_setting_get(fx->st, "renewal_token_secret", secret, sizeof secret,
                                       &slen), 0);
    assert_true(slen >= 32);
    assert_int_equal(actr_hmac_sha256(secret, slen, msg, n, out), 0);
}

static void test_renew_same_actor_token_unchanged(void **state)
{
    fx_t *fx = *state;
    actor_t a;
    actor_register(fx, &a);
    fx_advance(fx, 3000);
    int status = 0;
    Actr__RenewCredentialResponse *r = renew(fx, &a, a.token, 32, &status);
    assert_int_equal(status, 200);
    assert_int_equal(r->result_case, ACTR__RENEW_CREDENTIAL_RESPONSE__RESULT_SUCCESS);
    Actr__RegisterResponse__RegisterOk *ok = r->success;
    /* A fresh credential for the same ActrId, verifiable by signaling. */
    assert_int_equal(ok->actr_id->serial_number, a.resp->success->actr_id->serial_number);
    assert_int_equal(ok->credential_expires_at->seconds, fx_now(fx) + 3600);
    char actor_id[ACTR_ID_STR_SIZE];
    uint64_t exp = 0;
    assert_int_equal(actrd_credential_verify(fx->st, ok->credential->key_id,
                                             ok->credential->claims.data,
                                             ok->credential->claims.len,
                                             ok->credential->signature.data,
                                             ok->credential->signature.len, fx->realm, actor_id,
                                             sizeof actor_id, &exp, NULL), 0);
    assert_string_equal(actor_id, a.id_str);
    assert_true(ok->turn_credential->username[0] != '\0');
    assert_int_equal(ok->signing_key_id, ok->credential->key_id);
    assert_int_equal(ok->signing_pubkey.len, 32);
    /* Outside the rotation window the token and its expiry are returned unchanged. */
    assert_memory_equal(ok->renewal_token.data, a.token, 32);
    assert_int_equal(ok->renewal_token_expires_at->seconds, a.token_expires);
    actr_pb_free(r);
    assert_int_equal(token_rows(fx, a.id_str), 1);
    actr_pb_free(a.resp);
}

static void test_renew_rotates_inside_window(void **state)
{
    fx_t *fx = *state;
    actor_t a;
    actor_register(fx, &a);
    /* One second more than the window left: unchanged. */
    fx_advance(fx, TTL - WINDOW - 1);
    uint8_t b[32], b2[32], expect[32];
    assert_int_equal(renew_ok(fx, &a, a.token, b), a.token_expires);
    assert_memory_equal(b, a.token, 32);
    /* Exactly the window left: rotate to the HMAC successor, expiring a TTL after the old one. */
    fx_advance(fx, 1);
    int64_t b_exp = renew_ok(fx, &a, a.token, b);
    expected_successor(fx, a.token, a.id_str, a.token_expires, expect);
    assert_memory_equal(b, expect, 32);
    assert_int_equal(b_exp, a.token_expires + TTL);
    assert_int_equal(token_rows(fx, a.id_str), 2);
    /* A retry with the old token (reply lost) yields the same successor, no third row. */
    assert_int_equal(renew_ok(fx, &a, a.token, b2), b_exp);
    assert_memory_equal(b2, b, 32);
    assert_int_equal(token_rows(fx, a.id_str), 2);
    /* The successor works and, being fresh, comes back unchanged. */
    assert_int_equal(renew_ok(fx, &a, b, b2), b_exp);
    assert_memory_equal(b2, b, 32);
    actr_pb_free(a.resp);
}

static void test_renew_keeps_at_most_two_tokens(void **state)
{
    fx_t *fx = *state;
    /* A window of 3 TTLs rotates on each of these renewals, so three tokens can be alive. */
    fx->cfg.renewal_rotation_window_secs = 3 * TTL;
    fx_reopen(fx);
    actor_t a;
    actor_register(fx, &a);
    uint8_t b[32], c[32];
    fx_advance(fx, 10);
    int64_t b_exp = renew_ok(fx, &a, a.token, b);
    assert_memory_not_equal(b, a.token, 32);
    fx_advance(fx, 10);
    int64_t c_exp = renew_ok(fx, &a, b, c);
    assert_int_equal(c_exp, b_exp + TTL);
    assert_true(fx_now(fx) < a.token_expires);
    assert_int_equal(token_rows(fx, a.id_str), 2);
    /* The oldest (a) is gone although unexpired; b and c still renew. */
    renew_fails(fx, &a, a.token, 32, 401, "Renewal token invalid or expired");
    uint8_t out[32];
    renew_ok(fx, &a, c, out);
    assert_int_equal(token_rows(fx, a.id_str), 2);
    actr_pb_free(a.resp);
}

static void test_renew_bad_tokens(void **state)
{
    fx_t *fx = *state;
    actor_t a, other;
    actor_register(fx, &a);
    actor_register(fx, &other);
    uint8_t random_token[32];
    assert_int_equal(actr_random_bytes(random_token, sizeof random_token), 0);
    renew_fails(fx, &a, random_token, 32, 401, "Renewal token invalid or expired");
    /* A token is bound to its ActrId. */
    renew_fails(fx, &a, other.token, 32, 401, "invalid or expired");
    /* Wrong length: 400 before any lookup. */
    renew_fails(fx, &a, a.token, 31, 400, "Invalid renewal token length");
    renew_fails(fx, &a, a.token, 0, 400, "Invalid renewal token length");
    /* Realm disabled: 403 (the client stops retrying). */
    assert_int_equal(actrd_realm_set_enabled(fx->st, fx->realm, false, NULL), 0);
    renew_fails(fx, &a, a.token, 32, 403, "disabled");
    assert_int_equal(actrd_realm_set_enabled(fx->st, fx->realm, true, NULL), 0);
    /* Expired: 401. */
    fx_advance(fx, a.token_expires - fx_now(fx));
    renew_fails(fx, &a, a.token, 32, 401, "invalid or expired");
    actr_pb_free(a.resp);
    actr_pb_free(other.resp);
}

static void test_renew_undecodable_is_400(void **state)
{
    fx_t *fx = *state;
    static const uint8_t garbage[] = {0x0a, 0x7f, 0x01};
    actrd_http_reply_t reply;
    assert_int_equal(actrd_ais_renew(fx->st, garbage, sizeof garbage, &reply), 0);
    assert_int_equal(reply.status, 400);
    ProtobufCMessage *m = NULL;
    assert_int_equal(actr_pb_decode(&actr__renew_credential_response__descriptor, reply.body,
                                    reply.len, &m, NULL), 0);
    Actr__RenewCredentialResponse *r = (Actr__RenewCredentialResponse *)m;
    assert_int_equal(r->result_case, ACTR__RENEW_CREDENTIAL_RESPONSE__RESULT_ERROR);
    assert_int_equal(r->error->code, 400);
    assert_non_null(strstr(r->error->message, "Invalid protobuf"));
    actr_pb_free(m);
    actrd_http_reply_free(&reply);
    assert_int_equal(actrd_ais_renew(fx->st, NULL, 0, &reply), 0);
    assert_int_equal(reply.status, 400); /* an empty request has an empty token */
    actrd_http_reply_free(&reply);
    /* Random bodies never crash and always get a client error with a matching status. */
    uint8_t buf[80];
    uint64_t x = 0x2545f4914f6cdd1dULL;
    for (int round = 0; round < 300; round++) {
        size_t len = (size_t)(round % (int)sizeof buf);
        for (size_t k = 0; k < len; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[k] = (uint8_t)x;
        }
        assert_int_equal(actrd_ais_renew(fx->st, buf, len, &reply), 0);
        assert_true(reply.status == 400 || reply.status == 401 || reply.status == 403);
        actrd_http_reply_free(&reply);
    }
}

static void test_renew_survives_restart(void **state)
{
    fx_t *fx = *state;
    actor_t a;
    actor_register(fx, &a);
    fx_reopen(fx);
    uint8_t out[32];
    renew_ok(fx, &a, a.token, out);
    assert_memory_equal(out, a.token, 32);
    actr_pb_free(a.resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_renew_same_actor_token_unchanged, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_renew_rotates_inside_window, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_renew_keeps_at_most_two_tokens, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_renew_bad_tokens, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_renew_undecodable_is_400, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_renew_survives_restart, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
