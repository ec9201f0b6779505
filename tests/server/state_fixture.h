/*
 * state_fixture.h - shared helpers of the state-side tests (test_state_*.c): a state in a
 * temporary directory with a controllable clock, and builders for RegisterRequests, signed
 * manifests and manufacturer proofs. The proof payload is assembled here from protocol.md 4.4
 * independently of the server's code. Helpers are static inline so each test uses what it needs.
 */
#ifndef ACTR_TEST_STATE_FIXTURE_H
#define ACTR_TEST_STATE_FIXTURE_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "actr.pb-c.h"
#include "actr/crypto.h"
#include "actr/types.h"
#include "backend.h"
#include "base/hex.h"
#include "codec/pb.h"
#include "state/admin_api.h"
#include "state/state.h"
#include "tmpdir.h"

#define FX_START_MS 1800000000000LL /* 2027-01-15, a fixed "now" */
#define FX_TURN_SECRET "test-turn-secret"

typedef struct fx {
    char dir[TEST_TMPDIR_SIZE];
    actrd_state_config_t cfg;
    actrd_state_t *st;
    int64_t now_ms;
    uint32_t realm;           /* a realm with a secret */
    char secret[ACTRD_REALM_SECRET_SIZE];
    uint32_t open_realm;      /* a realm without a secret (package registrations) */
} fx_t;

static inline int64_t fx_clock(void *ud)
{
    return ((fx_t *)ud)->now_ms;
}

static inline int64_t fx_now(const fx_t *fx)
{
    return fx->now_ms / 1000;
}

static inline void fx_advance(fx_t *fx, int64_t secs)
{
    fx->now_ms += secs * 1000;
}

static inline void fx_open(fx_t *fx)
{
    actr_error_t err;
    actr_error_clear(&err);
    int rc = actrd_state_open(&fx->cfg, &fx->st, &err);
    if (rc != 0)
        fail_msg("actrd_state_open: %s", err.message);
    actrd_state_set_clock(fx->st, fx_clock, fx);
}

static inline void fx_reopen(fx_t *fx)
{
    actrd_state_close(fx->st);
    fx->st = NULL;
    fx_open(fx);
}

/* A fresh state with realm 1 (secret) and realm 2 (no secret). */
static inline fx_t *fx_new(void)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    test_tmpdir_make(fx->dir);
    actrd_state_config_init(&fx->cfg);
    snprintf(fx->cfg.data_dir, sizeof fx->cfg.data_dir, "%s/data", fx->dir);
    snprintf(fx->cfg.turn_secret, sizeof fx->cfg.turn_secret, "%s", FX_TURN_SECRET);
    fx->now_ms = FX_START_MS;
    fx_open(fx);
    fx->realm = 1;
    assert_int_equal(actrd_realm_create(fx->st, &fx->realm, "one", 0, true, fx->secret, NULL), 0);
    fx->open_realm = 2;
    assert_int_equal(actrd_realm_create(fx->st, &fx->open_realm, "two", 0, false, NULL, NULL), 0);
    return fx;
}

static inline int fx_setup(void **state)
{
    *state = fx_new();
    return 0;
}

static inline int fx_teardown(void **state)
{
    fx_t *fx = *state;
    actrd_state_close(fx->st);
    test_tmpdir_remove(fx->dir);
    free(fx);
    return 0;
}

/* ---- requests ------------------------------------------------------------------------------ */

/* A RegisterRequest with its sub-messages in one block, so tests can tweak any field. */
typedef struct fx_req {
    Actr__RegisterRequest req;
    Actr__ActrType type;
    Actr__Realm realm;
    Actr__ServiceSpec spec;
    Actr__Acl acl;
    Actr__AclRule rules[4];
    Actr__AclRule *rule_ptrs[4];
    Actr__ActrType rule_types[4];
    char rule_parts[4][3][64];
    char manufacturer[64], name[64], version[64], target[64];
} fx_req_t;

static inline void fx_req_init(fx_req_t *r, uint32_t realm, const char *type_str, bool linked)
{
    memset(r, 0, sizeof *r);
    Actr__RegisterRequest req = ACTR__REGISTER_REQUEST__INIT;
    Actr__ActrType type = ACTR__ACTR_TYPE__INIT;
    Actr__Realm rl = ACTR__REALM__INIT;
    r->req = req;
    r->type = type;
    r->realm = rl;
    assert_int_equal(sscanf(type_str, "%63[^:]:%63[^:]:%63s", r->manufacturer, r->name,
                            r->version) >= 2, 1);
    r->type.manufacturer = r->manufacturer;
    r->type.name = r->name;
    r->type.version = r->version;
    r->realm.realm_id = realm;
    r->req.actr_type = &r->type;
    r->req.realm = &r->realm;
    r->req.has_auth_mode = 1;
    r->req.auth_mode = linked ? ACTR__REGISTER_AUTH_MODE__REGISTER_AUTH_MODE_LINKED
                              : ACTR__REGISTER_AUTH_MODE__REGISTER_AUTH_MODE_PACKAGE;
}

/* Adds an ACL rule; realm_case 0: unset, 3: any_realm, 4: realm_id = realm. */
static inline void fx_req_rule(fx_req_t *r, bool allow, const char *from, int realm_case,
                               uint32_t realm)
{
    size_t i = r->acl.n_rules;
    assert_true(i < 4);
    Actr__Acl acl = ACTR__ACL__INIT;
    Actr__AclRule rule = ACTR__ACL_RULE__INIT;
    Actr__ActrType t = ACTR__ACTR_TYPE__INIT;
    if (i == 0)
        r->acl = acl;
    r->rules[i] = rule;
    r->rule_types[i] = t;
    char(*parts)[3][64] = r->rule_parts;
    assert_int_equal(sscanf(from, "%63[^:]:%63[^:]:%63s", parts[i][0], parts[i][1], parts[i][2]),
                     3);
    r->rule_types[i].manufacturer = parts[i][0];
    r->rule_types[i].name = parts[i][1];
    r->rule_types[i].version = parts[i][2];
    r->rules[i].permission =
        allow ? ACTR__ACL_RULE__PERMISSION__ALLOW : ACTR__ACL_RULE__PERMISSION__DENY;
    r->rules[i].from_type = &r->rule_types[i];
    r->rules[i].source_realm_case = (Actr__AclRule__SourceRealmCase)realm_case;
    if (realm_case == ACTR__ACL_RULE__SOURCE_REALM_ANY_REALM)
        r->rules[i].any_realm = 1;
    else if (realm_case == ACTR__ACL_RULE__SOURCE_REALM_REALM_ID)
        r->rules[i].realm_id = realm;
    r->rule_ptrs[i] = &r->rules[i];
    r->acl.rules = r->rule_ptrs;
    r->acl.n_rules = i + 1;
    r->req.acl = &r->acl;
}

/* Encodes and posts the request to /ais/register; returns the decoded response. */
static inline Actr__RegisterResponse *fx_register_raw(fx_t *fx, const uint8_t *body, size_t len,
                                                      const char *secret)
{
    actrd_http_reply_t reply;
    assert_int_equal(actrd_ais_register(fx->st, body, len, secret, &reply), 0);
    assert_int_equal(reply.status, 200);
    assert_string_equal(reply.content_type, "application/x-protobuf");
    ProtobufCMessage *m = NULL;
    assert_int_equal(actr_pb_decode(&actr__register_response__descriptor, reply.body, reply.len,
                                    &m, NULL), 0);
    actrd_http_reply_free(&reply);
    return (Actr__RegisterResponse *)m;
}

static inline Actr__RegisterResponse *fx_register(fx_t *fx, fx_req_t *r, const char *secret)
{
    uint8_t *body = NULL;
    size_t len = 0;
    assert_int_equal(actr_pb_encode(&r->req.base, &body, &len, NULL), 0);
    Actr__RegisterResponse *resp = fx_register_raw(fx, body, len, secret);
    free(body);
    return resp;
}

/* Asserts an error answer with code, whose message contains text (NULL: any). */
static inline void fx_expect_error(Actr__RegisterResponse *resp, uint32_t code, const char *text)
{
    assert_non_null(resp);
    if (resp->result_case != ACTR__REGISTER_RESPONSE__RESULT_ERROR)
        fail_msg("expected error %u (%s), got success", code, text ? text : "");
    if (resp->error->code != code || (text && !strstr(resp->error->message, text)))
        fail_msg("expected error %u containing '%s', got %u '%s'", code, text ? text : "",
                 resp->error->code, resp->error->message);
    actr_pb_free(resp);
}

/* Asserts success and returns the RegisterOk (free the response with actr_pb_free). */
static inline Actr__RegisterResponse__RegisterOk *fx_expect_ok(Actr__RegisterResponse *resp)
{
    assert_non_null(resp);
    if (resp->result_case != ACTR__REGISTER_RESPONSE__RESULT_SUCCESS)
        fail_msg("expected success, got %u '%s'", resp->error->code, resp->error->message);
    return resp->success;
}

/* Asserts success and frees the response. */
static inline void fx_expect_success(Actr__RegisterResponse *resp)
{
    fx_expect_ok(resp);
    actr_pb_free(resp);
}

/* A successful LINKED registration of type_str in fx->realm. */
static inline Actr__RegisterResponse *fx_register_linked(fx_t *fx, const char *type_str)
{
    fx_req_t r;
    fx_req_init(&r, fx->realm, type_str, true);
    Actr__RegisterResponse *resp = fx_register(fx, &r, fx->secret);
    fx_expect_ok(resp);
    return resp;
}

/* The ActrId string of a decoded ActrId. */
static inline void fx_id_str(const Actr__ActrId *a, char out[ACTR_ID_STR_SIZE])
{
    actr_id_t id;
    memset(&id, 0, sizeof id);
    id.realm.realm_id = a->realm->realm_id;
    id.serial_number = a->serial_number;
    assert_int_equal(actr_type_set(&id.type, a->type->manufacturer, a->type->name,
                                   a->type->version, NULL), 0);
    assert_int_equal(actr_id_format(&id, out, ACTR_ID_STR_SIZE, NULL), 0);
}

/* ---- manufacturer keys, manifests and proofs ----------------------------------------------- */

typedef struct fx_mfr {
    actr_signing_key_t *key;
    uint8_t pub[32];
    char key_id[ACTR_MFR_KEY_ID_SIZE];
} fx_mfr_t;

/* Generates a manufacturer key and publishes it for manufacturer. */
static inline void fx_mfr_new(fx_t *fx, const char *manufacturer, fx_mfr_t *m)
{
    assert_int_equal(actr_signing_key_generate(&m->key), 0);
    actr_signing_key_public(m->key, m->pub);
    assert_int_equal(actrd_mfr_key_add(fx->st, manufacturer, m->pub, m->key_id, NULL), 0);
}

static inline void fx_mfr_free(fx_mfr_t *m)
{
    actr_signing_key_free(m->key);
}

/* A manifest of platform.md 1.3 naming the given identity and key. */
static inline void fx_manifest(char *out, size_t cap, const char *mfr, const char *name,
                               const char *version, const char *target, const char *key_id)
{
    snprintf(out, cap,
             "manufacturer = \"%s\"\nname = \"%s\"\nversion = \"%s\"\n"
             "signature_algorithm = \"ed25519\"\nsigning_key_id = \"%s\"\n\n"
             "[binary]\npath = \"bin/actor.wasm\"\ntarget = \"%s\"\n"
             "hash = \"%064d\"\nkind = \"component\"\n",
             mfr, name, version, key_id, target, 0);
}

/* The manufacturer registration proof payload, written out from protocol.md 4.4. */
static inline size_t fx_proof_payload(char *out, size_t cap, uint32_t realm, const char *type_str,
                                      const char *target, const uint8_t *manifest, size_t mlen,
                                      uint64_t signed_at, const uint8_t *nonce, size_t nonce_len)
{
    uint8_t digest[32];
    char hash[65], nonce_hex[65];
    assert_int_equal(actr_sha256(manifest, mlen, digest), 0);
    actr_hex_encode(digest, 32, hash);
    actr_hex_encode(nonce, nonce_len, nonce_hex);
    int n = snprintf(out, cap,
                     "ACTR-MANUFACTURER-REGISTER-V1\n"
                     "auth_mode=package\n"
                     "realm=%u\n"
                     "actr_type=%s\n"
                     "target=%s\n"
                     "manifest_sha256=%s\n"
                     "manufacturer_auth_signed_at=%" PRIu64 "\n"
                     "manufacturer_auth_nonce=%s",
                     realm, type_str, target, hash, signed_at, nonce_hex);
    assert_true(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

#endif /* ACTR_TEST_STATE_FIXTURE_H */
