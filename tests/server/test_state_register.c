/* POST /ais/register on the state side (protocol.md 4.1-4.6, 5.1): LINKED and PACKAGE modes. */
#include "state_fixture.h"

#include "base/base64.h"

#define TYPE "acme:echo:1.0.0"
#define TARGET "wasm32-wasip2"

/* ---- LINKED ---------------------------------------------------------------------------------- */

static void test_linked_success_has_every_field(void **state)
{
    fx_t *fx = *state;
    Actr__RegisterResponse *resp = fx_register_linked(fx, TYPE);
    Actr__RegisterResponse__RegisterOk *ok = resp->success;

    assert_int_equal(ok->actr_id->realm->realm_id, fx->realm);
    assert_string_equal(ok->actr_id->type->manufacturer, "acme");
    assert_string_equal(ok->actr_id->type->version, "1.0.0");
    assert_true(ok->actr_id->serial_number > 0);
    assert_true(ok->actr_id->serial_number < (UINT64_C(1) << 54));
    char id_str[ACTR_ID_STR_SIZE];
    fx_id_str(ok->actr_id, id_str);

    /* The credential verifies under the returned key and names exactly this ActrId. */
    assert_int_equal(ok->signing_pubkey.len, 32);
    assert_int_equal(ok->credential->key_id, ok->signing_key_id);
    assert_int_equal(ok->credential->signature.len, 64);
    assert_int_equal(actr_ed25519_verify(ok->signing_pubkey.data, 32, ok->credential->claims.data,
                                         ok->credential->claims.len,
                                         ok->credential->signature.data, 64), 0);
    ProtobufCMessage *cm = NULL;
    assert_int_equal(actr_pb_decode(&actr__identity_claims__descriptor,
                                    ok->credential->claims.data, ok->credential->claims.len, &cm,
                                    NULL), 0);
    Actr__IdentityClaims *claims = (Actr__IdentityClaims *)cm;
    assert_string_equal(claims->actor_id, id_str);
    assert_int_equal(claims->realm_id, fx->realm);
    assert_int_equal(claims->expires_at, fx_now(fx) + 3600);
    assert_non_null(ok->credential_expires_at);
    assert_int_equal(ok->credential_expires_at->seconds, claims->expires_at);

    /* TURN: username "<exp>:<actor>", password B64(HMAC-SHA1(secret, username)). */
    char username[512], password[64];
    uint8_t mac[20];
    snprintf(username, sizeof username, "%" PRIu64 ":%s", claims->expires_at, id_str);
    assert_int_equal(actr_hmac_sha1(FX_TURN_SECRET, strlen(FX_TURN_SECRET), username,
                                    strlen(username), mac), 0);
    actr_base64_encode(mac, sizeof mac, password, ACTR_B64_STD);
    assert_string_equal(ok->turn_credential->username, username);
    assert_string_equal(ok->turn_credential->password, password);
    assert_int_equal(ok->turn_credential->expires_at, claims->expires_at);

    assert_int_equal(ok->signaling_heartbeat_interval_secs, 30);
    assert_true(ok->has_renewal_token);
    assert_int_equal(ok->renewal_token.len, 32);
    assert_non_null(ok->renewal_token_expires_at);
    assert_int_equal(ok->renewal_token_expires_at->seconds, fx_now(fx) + 86400);
    actr_pb_free(cm);

    /* A second registration gets another serial. */
    Actr__RegisterResponse *again = fx_register_linked(fx, TYPE);
    assert_true(again->success->actr_id->serial_number > ok->actr_id->serial_number);
    actr_pb_free(again);
    actr_pb_free(resp);
}

static void test_realm_unusable_is_403(void **state)
{
    fx_t *fx = *state;
    fx_req_t r;
    fx_req_init(&r, 99, TYPE, true);
    fx_expect_error(fx_register(fx, &r, fx->secret), 403, "realm 99 does not exist");

    assert_int_equal(actrd_realm_set_enabled(fx->st, fx->realm, false, NULL), 0);
    fx_req_init(&r, fx->realm, TYPE, true);
    fx_expect_error(fx_register(fx, &r, fx->secret), 403, "disabled");
    assert_int_equal(actrd_realm_set_enabled(fx->st, fx->realm, true, NULL), 0);
    fx_expect_success(fx_register(fx, &r, fx->secret));

    uint32_t brief = 0;
    char secret[ACTRD_REALM_SECRET_SIZE];
    assert_int_equal(actrd_realm_create(fx->st, &brief, "brief", fx_now(fx) + 10, true, secret,
                                        NULL), 0);
    fx_req_init(&r, brief, TYPE, true);
    fx_expect_success(fx_register(fx, &r, secret));
    fx_advance(fx, 10);
    fx_expect_error(fx_register(fx, &r, secret), 403, "expired");
}

static void test_realm_secret_rules(void **state)
{
    fx_t *fx = *state;
    fx_req_t r;
    fx_req_init(&r, fx->realm, TYPE, true);
    fx_expect_error(fx_register(fx, &r, NULL), 403, "Realm secret required");
    fx_expect_error(fx_register(fx, &r, "  "), 403, "Realm secret required");
    fx_expect_error(fx_register(fx, &r, "rs_wrong"), 403, "Invalid realm secret");
    char padded[64];
    snprintf(padded, sizeof padded, " %s\t", fx->secret);
    fx_expect_success(fx_register(fx, &r, padded));

    /* The secret format: rs_ + 32 base64url characters. */
    assert_int_equal(strlen(fx->secret), 35);
    assert_memory_equal(fx->secret, "rs_", 3);

    /* A realm without a secret cannot take linked registrations. */
    fx_req_init(&r, fx->open_realm, TYPE, true);
    fx_expect_error(fx_register(fx, &r, NULL), 403, "has none configured");
}

static void test_previous_secret_valid_for_four_hours(void **state)
{
    fx_t *fx = *state;
    char old[ACTRD_REALM_SECRET_SIZE], fresh[ACTRD_REALM_SECRET_SIZE];
    memcpy(old, fx->secret, sizeof old);
    assert_int_equal(actrd_realm_secret_rotate(fx->st, fx->realm, fresh, NULL), 0);
    assert_string_not_equal(old, fresh);
    fx_req_t r;
    fx_req_init(&r, fx->realm, TYPE, true);
    fx_expect_success(fx_register(fx, &r, old));
    fx_expect_success(fx_register(fx, &r, fresh));
    fx_advance(fx, 4 * 3600);
    fx_expect_success(fx_register(fx, &r, old));
    fx_advance(fx, 1);
    fx_expect_error(fx_register(fx, &r, old), 403, "Invalid realm secret");
    fx_expect_success(fx_register(fx, &r, fresh));
}

static void test_linked_with_package_fields_is_400(void **state)
{
    fx_t *fx = *state;
    uint8_t bytes[32] = {1};
    for (int field = 0; field < 5; field++) {
        fx_req_t r;
        fx_req_init(&r, fx->realm, TYPE, true);
        ProtobufCBinaryData data = {sizeof bytes, bytes};
        switch (field) {
        case 0: r.req.has_manifest_raw = 1; r.req.manifest_raw = data; break;
        case 1: r.req.has_mfr_signature = 1; r.req.mfr_signature = data; break;
        case 2: r.req.has_manufacturer_auth_signature = 1;
                r.req.manufacturer_auth_signature = data; break;
        case 3: r.req.has_manufacturer_auth_signed_at = 1;
                r.req.manufacturer_auth_signed_at = 1; break;
        default: r.req.has_manufacturer_auth_nonce = 1; r.req.manufacturer_auth_nonce = data;
        }
        fx_expect_error(fx_register(fx, &r, fx->secret), 400, "must not carry");
    }
}

static void test_bad_type_is_400(void **state)
{
    fx_t *fx = *state;
    fx_req_t r;
    fx_req_init(&r, fx->realm, "acme:echo:", true);
    fx_expect_error(fx_register(fx, &r, fx->secret), 400, "version must not be empty");
    fx_req_init(&r, fx->open_realm, "acme:echo:", false);
    fx_expect_error(fx_register(fx, &r, NULL), 400, "version must not be empty");
    fx_req_init(&r, fx->realm, "9acme:echo:1", true);
    fx_expect_error(fx_register(fx, &r, fx->secret), 400, "invalid actr_type");
}

static void test_oversized_fields_are_400(void **state)
{
    fx_t *fx = *state;
    fx_req_t r;
    fx_req_init(&r, fx->realm, TYPE, true);
    char *ws = malloc(3000);
    assert_non_null(ws);
    memset(ws, 'a', 2999);
    ws[2999] = '\0';
    r.req.ws_address = ws;
    fx_expect_error(fx_register(fx, &r, fx->secret), 400, "ws_address is longer");
    free(ws);
    fx_req_init(&r, fx->realm, TYPE, true);
    fx_req_rule(&r, true, "acme:client:1.0.0", 0, 0);
    Actr__AclRule **many = calloc(1025, sizeof *many);
    assert_non_null(many);
    for (size_t i = 0; i < 1025; i++)
        many[i] = &r.rules[0];
    r.acl.rules = many;
    r.acl.n_rules = 1025;
    fx_expect_error(fx_register(fx, &r, fx->secret), 400, "too many ACL rules");
    free(many);
}

static void test_undecodable_body_is_400(void **state)
{
    fx_t *fx = *state;
    static const uint8_t garbage[][4] = {{0xff, 0xff, 0xff, 0xff}, {0x0a, 0x7f, 0x01, 0x02},
                                         {0x08, 0x80, 0x80, 0x80}, {0x0b, 0x00, 0x00, 0x00}};
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++)
        fx_expect_error(fx_register_raw(fx, garbage[i], sizeof garbage[i], fx->secret), 400,
                        "Invalid protobuf");
    /* Random bodies never crash and always get an error answer. */
    uint8_t buf[64];
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int round = 0; round < 300; round++) {
        size_t len = (size_t)(round % (int)sizeof buf);
        for (size_t k = 0; k < len; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[k] = (uint8_t)x;
        }
        Actr__RegisterResponse *resp = fx_register_raw(fx, buf, len, fx->secret);
        assert_int_equal(resp->result_case, ACTR__REGISTER_RESPONSE__RESULT_ERROR);
        actr_pb_free(resp);
    }
}

/* ---- PACKAGE ------------------------------------------------------------------------------- */

/* What to get wrong in a package registration; zero: nothing. */
typedef struct pkg_params {
    const char *manifest_version; /* default: the request's */
    const char *manifest_target;  /* default: TARGET */
    const char *key_id;           /* default: the manufacturer key's */
    const char *manifest_text;    /* replaces the manifest */
    int64_t signed_at_offset;
    size_t nonce_len; /* default 32 */
    bool bad_manifest_sig, bad_proof_sig, no_proof;
} pkg_params_t;

typedef struct pkg {
    fx_req_t r;
    char manifest[1024];
    uint8_t msig[64], proof[64], nonce[40];
} pkg_t;

static void pkg_build(fx_t *fx, const fx_mfr_t *m, const pkg_params_t *pp, pkg_t *p)
{
    memset(p, 0, sizeof *p);
    fx_req_init(&p->r, fx->open_realm, TYPE, false);
    snprintf(p->r.target, sizeof p->r.target, "%s", TARGET);
    const char *mtarget = pp->manifest_target ? pp->manifest_target : TARGET;
    if (pp->manifest_text)
        snprintf(p->manifest, sizeof p->manifest, "%s", pp->manifest_text);
    else
        fx_manifest(p->manifest, sizeof p->manifest, "acme", "echo",
                    pp->manifest_version ? pp->manifest_version : "1.0.0", mtarget,
                    pp->key_id ? pp->key_id : m->key_id);
    size_t mlen = strlen(p->manifest);
    assert_int_equal(actr_signing_key_sign(m->key, p->manifest, mlen, p->msig), 0);
    if (pp->bad_manifest_sig)
        p->msig[5] ^= 1;
    size_t nlen = pp->nonce_len ? pp->nonce_len : 32;
    assert_int_equal(actr_random_bytes(p->nonce, nlen), 0);
    uint64_t signed_at = (uint64_t)(fx_now(fx) + pp->signed_at_offset);
    char payload[2048];
    size_t plen = fx_proof_payload(payload, sizeof payload, fx->open_realm, TYPE, mtarget,
                                   (const uint8_t *)p->manifest, mlen, signed_at, p->nonce, nlen);
    assert_int_equal(actr_signing_key_sign(m->key, payload, plen, p->proof), 0);
    if (pp->bad_proof_sig)
        p->proof[63] ^= 0x10;

    Actr__RegisterRequest *q = &p->r.req;
    q->target = p->r.target;
    q->has_manifest_raw = 1;
    q->manifest_raw = (ProtobufCBinaryData){mlen, (uint8_t *)p->manifest};
    if (pp->no_proof)
        return;
    q->has_mfr_signature = 1;
    q->mfr_signature = (ProtobufCBinaryData){64, p->msig};
    q->has_manufacturer_auth_signature = 1;
    q->manufacturer_auth_signature = (ProtobufCBinaryData){64, p->proof};
    q->has_manufacturer_auth_signed_at = 1;
    q->manufacturer_auth_signed_at = signed_at;
    q->has_manufacturer_auth_nonce = 1;
    q->manufacturer_auth_nonce = (ProtobufCBinaryData){nlen, p->nonce};
}

/* Registers a package built with pp; expects code (0: success) and text in the message. */
static void pkg_expect(fx_t *fx, const fx_mfr_t *m, const pkg_params_t *pp, uint32_t code,
                       const char *text)
{
    pkg_t p;
    pkg_build(fx, m, pp, &p);
    Actr__RegisterResponse *resp = fx_register(fx, &p.r, NULL);
    if (code == 0) {
        fx_expect_success(resp);
    } else {
        fx_expect_error(resp, code, text);
    }
}

static void test_package_path2_success(void **state)
{
    fx_t *fx = *state;
    fx_mfr_t m;
    fx_mfr_new(fx, "acme", &m);
    pkg_t p;
    pkg_build(fx, &m, &(pkg_params_t){0}, &p);
    Actr__RegisterResponse *resp = fx_register(fx, &p.r, NULL);
    Actr__RegisterResponse__RegisterOk *ok = fx_expect_ok(resp);
    assert_int_equal(ok->actr_id->realm->realm_id, fx->open_realm);
    assert_string_equal(ok->actr_id->type->name, "echo");
    actr_pb_free(resp);
    /* UNSPECIFIED is treated as PACKAGE; a 16-byte nonce is fine too. */
    pkg_build(fx, &m, &(pkg_params_t){.nonce_len = 16}, &p);
    p.r.req.has_auth_mode = 0;
    fx_expect_success(fx_register(fx, &p.r, NULL));
    /* A realm with a secret still wants it for package registrations. */
    pkg_build(fx, &m, &(pkg_params_t){0}, &p);
    p.r.realm.realm_id = fx->realm;
    fx_expect_error(fx_register(fx, &p.r, NULL), 403, "Realm secret required");
    fx_mfr_free(&m);
}

static void test_package_path2_refusals(void **state)
{
    fx_t *fx = *state;
    fx_mfr_t m, other;
    fx_mfr_new(fx, "acme", &m);
    fx_mfr_new(fx, "globex", &other);
    pkg_expect(fx, &m, &(pkg_params_t){.bad_manifest_sig = true}, 403, "manifest signature invalid");
    pkg_expect(fx, &m, &(pkg_params_t){.key_id = "mfr-0000000000000000"}, 403,
               "unknown manufacturer key");
    /* Another manufacturer's key does not vouch for acme. */
    pkg_expect(fx, &m, &(pkg_params_t){.key_id = other.key_id}, 403, "unknown manufacturer key");
    pkg_expect(fx, &m, &(pkg_params_t){.manifest_version = "2.0.0"}, 403, "manifest is for");
    pkg_expect(fx, &m, &(pkg_params_t){.manifest_target = "x86_64-unknown-linux-gnu"}, 403,
               "does not match the requested");
    pkg_expect(fx, &m, &(pkg_params_t){.signed_at_offset = 61}, 400, "in the future");
    pkg_expect(fx, &m, &(pkg_params_t){.signed_at_offset = 60}, 0, NULL);
    pkg_expect(fx, &m, &(pkg_params_t){.signed_at_offset = -301}, 401, "proof too old");
    pkg_expect(fx, &m, &(pkg_params_t){.signed_at_offset = -300}, 0, NULL);
    pkg_expect(fx, &m, &(pkg_params_t){.nonce_len = 20}, 400, "16 or 32 bytes");
    pkg_expect(fx, &m, &(pkg_params_t){.bad_proof_sig = true}, 403, "proof signature invalid");
    pkg_expect(fx, &m, &(pkg_params_t){.no_proof = true}, 403, "needs mfr_signature");
    pkg_expect(fx, &m, &(pkg_params_t){.manifest_text = "name = [unclosed"}, 400, "not valid TOML");
    pkg_expect(fx, &m, &(pkg_params_t){.manifest_text = "manufacturer = \"acme\"\n"}, 400,
               "no signing_key_id");
    assert_int_equal(actrd_mfr_key_revoke(fx->st, m.key_id, NULL), 0);
    pkg_expect(fx, &m, &(pkg_params_t){0}, 403, "revoked");
    fx_mfr_free(&m);
    fx_mfr_free(&other);
}

static void test_package_nonce_single_use(void **state)
{
    fx_t *fx = *state;
    fx_mfr_t m;
    fx_mfr_new(fx, "acme", &m);
    pkg_t p;
    pkg_build(fx, &m, &(pkg_params_t){0}, &p);
    fx_expect_success(fx_register(fx, &p.r, NULL));
    fx_expect_error(fx_register(fx, &p.r, NULL), 403, "nonce already used");
    /* Still used after a restart, and after the proof window (the proof is then too old). */
    fx_reopen(fx);
    fx_expect_error(fx_register(fx, &p.r, NULL), 403, "nonce already used");
    fx_advance(fx, 301);
    fx_expect_error(fx_register(fx, &p.r, NULL), 401, "too old");
    /* A refused registration does not burn its nonce: fix the realm and the same proof works. */
    pkg_build(fx, &m, &(pkg_params_t){0}, &p);
    assert_int_equal(actrd_realm_set_enabled(fx->st, fx->open_realm, false, NULL), 0);
    fx_expect_error(fx_register(fx, &p.r, NULL), 403, "disabled");
    assert_int_equal(actrd_realm_set_enabled(fx->st, fx->open_realm, true, NULL), 0);
    fx_expect_success(fx_register(fx, &p.r, NULL));
    fx_mfr_free(&m);
}

static void test_package_path1_published(void **state)
{
    fx_t *fx = *state;
    fx_mfr_t m;
    fx_mfr_new(fx, "acme", &m);
    pkg_t p;
    pkg_build(fx, &m, &(pkg_params_t){.no_proof = true}, &p);
    size_t mlen = strlen(p.manifest);
    uint8_t bad[64];
    memcpy(bad, p.msig, 64);
    bad[0] ^= 1;
    assert_int_equal(actrd_package_publish(fx->st, (uint8_t *)p.manifest, mlen, bad, 64, NULL,
                                           NULL), ACTR_ESIGNATURE);
    actrd_package_info_t info;
    assert_int_equal(actrd_package_publish(fx->st, (uint8_t *)p.manifest, mlen, p.msig, 64, &info,
                                           NULL), 0);
    assert_string_equal(info.type_str, TYPE);
    assert_string_equal(info.target, TARGET);

    /* Same manifest bytes: accepted without any proof. */
    fx_expect_success(fx_register(fx, &p.r, NULL));
    /* Other bytes (one more newline): refused, with no fallback to Path 2 even with a proof. */
    pkg_t q;
    pkg_build(fx, &m, &(pkg_params_t){0}, &q);
    size_t qlen = strlen(q.manifest);
    q.manifest[qlen] = '\n';
    q.r.req.manifest_raw.len = qlen + 1;
    fx_expect_error(fx_register(fx, &q.r, NULL), 403, "does not match the published");
    /* Without target or manifest: 400. */
    p.r.req.target = NULL;
    fx_expect_error(fx_register(fx, &p.r, NULL), 400, "requires target");
    p.r.req.target = p.r.target;
    p.r.req.has_manifest_raw = 0;
    fx_expect_error(fx_register(fx, &p.r, NULL), 400, "requires manifest_raw");
    p.r.req.has_manifest_raw = 1;
    /* Revoked: refused. */
    assert_int_equal(actrd_package_revoke(fx->st, TYPE, TARGET, NULL), 0);
    fx_expect_error(fx_register(fx, &p.r, NULL), 403, "revoked");
    fx_mfr_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_linked_success_has_every_field, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_realm_unusable_is_403, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_realm_secret_rules, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_previous_secret_valid_for_four_hours, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_linked_with_package_fields_is_400, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_type_is_400, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_oversized_fields_are_400, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_undecodable_body_is_400, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_package_path2_success, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_package_path2_refusals, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_package_nonce_single_use, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_package_path1_published, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
