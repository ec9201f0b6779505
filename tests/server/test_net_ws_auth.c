/*
 * The signaling upgrade's query (protocol.md 6.1): parameters form-decoded then base64, every
 * refusal reason, and the credential / actor checks through a stub backend.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base64.h"
#include "base/percent.h"
#include "net/ws_auth.h"

#define ACTOR "1a2b3c@101/acme:echo:1.0.0"
#define ACTOR_ENC "1a2b3c%40101%2Facme%3Aecho%3A1.0.0"

/* The test getter: a raw query string decoded the way a form decoder does. */
static const char *raw_get(void *ctx, const char *name, char *buf, size_t cap)
{
    const char *query = ctx;
    char *v = NULL;
    size_t len = 0;
    if (actr_query_get(query, strlen(query), name, &v, &len) != 0)
        return NULL;
    const char *out = NULL;
    if (len < cap && strlen(v) == len) {
        memcpy(buf, v, len + 1);
        out = buf;
    }
    free(v);
    return out;
}

/* Builds a query with the given claims / signature bytes, form-encoding the base64. */
static char *make_query(const char *actor_enc, const char *key_id, const uint8_t *claims,
                        size_t claims_len, const uint8_t *sig, size_t sig_len, const char *extra)
{
    char c64[2048], s64[512];
    actr_base64_encode(claims, claims_len, c64, ACTR_B64_STD);
    actr_base64_encode(sig, sig_len, s64, ACTR_B64_STD);
    char *c_enc = NULL, *s_enc = NULL;
    assert_int_equal(actr_form_encode_alloc(c64, strlen(c64), &c_enc, NULL), 0);
    assert_int_equal(actr_form_encode_alloc(s64, strlen(s64), &s_enc, NULL), 0);
    size_t cap = strlen(c_enc) + strlen(s_enc) + 512;
    char *q = malloc(cap);
    assert_non_null(q);
    snprintf(q, cap, "actor_id=%s&key_id=%s&claims=%s&signature=%s%s", actor_enc, key_id, c_enc,
             s_enc, extra);
    free(c_enc);
    free(s_enc);
    return q;
}

/* Claims bytes that make '+', '/' and '=' appear in the base64. */
static const uint8_t claims_bytes[] = {0xfb, 0xff, 0xbf, 0x08, 0x65, 0x12, 0x01};
static uint8_t sig_bytes[64];

static void test_good_query(void **state)
{
    (void)state;
    memset(sig_bytes, 0xfe, sizeof sig_bytes);
    char *q = make_query(ACTOR_ENC, "7", claims_bytes, sizeof claims_bytes, sig_bytes,
                         sizeof sig_bytes, "&webrtc_role=answer");
    actrd_ws_query_t p;
    actr_error_t err;
    assert_int_equal(actrd_ws_query_parse(raw_get, q, &p, &err), 0);
    assert_string_equal(p.actor_id, ACTOR);
    assert_int_equal(p.id.realm.realm_id, 101);
    assert_int_equal(p.id.serial_number, 0x1a2b3c);
    assert_string_equal(p.id.type.manufacturer, "acme");
    assert_int_equal(p.key_id, 7);
    assert_int_equal(p.claims_len, sizeof claims_bytes);
    assert_memory_equal(p.claims, claims_bytes, sizeof claims_bytes);
    assert_int_equal(p.signature_len, 64);
    assert_memory_equal(p.signature, sig_bytes, 64);
    assert_true(p.prefer_answer);
    free(q);

    /* Any other role, or none, is no preference. */
    q = make_query(ACTOR_ENC, "%2B7", claims_bytes, 3, sig_bytes, 64, "&webrtc_role=offer");
    assert_int_equal(actrd_ws_query_parse(raw_get, q, &p, &err), 0);
    assert_int_equal(p.key_id, 7); /* Rust's u32 parser takes a leading '+' */
    assert_false(p.prefer_answer);
    free(q);
}

static void expect_refused(const char *query, const char *needle)
{
    actrd_ws_query_t p;
    actr_error_t err;
    actr_error_clear(&err);
    int rc = actrd_ws_query_parse(raw_get, (void *)query, &p, &err);
    if (rc != ACTR_EPARSE || !strstr(err.message, needle))
        fail_msg("query %.120s: rc %d, message \"%s\", want \"%s\"", query, rc, err.message,
                 needle);
    assert_int_equal(err.wire_code, 401);
}

static void test_missing_parameters(void **state)
{
    (void)state;
    expect_refused("", "missing actor_id");
    expect_refused("actor_id=" ACTOR_ENC, "missing key_id");
    expect_refused("actor_id=" ACTOR_ENC "&key_id=1", "missing claims");
    expect_refused("actor_id=" ACTOR_ENC "&key_id=1&claims=AAAA", "missing signature");
    /* Names are matched whole: a longer name is not the parameter. */
    expect_refused("actor_idx=" ACTOR_ENC "&key_id=1&claims=AAAA&signature=AAAA",
                   "missing actor_id");
}

static void test_malformed_parameters(void **state)
{
    (void)state;
    const char *tail = "&claims=AAAA&signature=AAAA";
    char q[512];
    static const char *const bad_ids[] = {"-1", "4294967296", "12a", "", "%2B", "0x10", "+1"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        snprintf(q, sizeof q, "actor_id=%s&key_id=%s%s", ACTOR_ENC, bad_ids[i], tail);
        expect_refused(q, "key_id is not a decimal u32");
    }
    snprintf(q, sizeof q, "actor_id=%s&key_id=4294967295%s", ACTOR_ENC, tail);
    actrd_ws_query_t p;
    assert_int_equal(actrd_ws_query_parse(raw_get, q, &p, NULL), 0);
    assert_int_equal(p.key_id, UINT32_MAX);

    expect_refused("actor_id=nonsense&key_id=1&claims=AAAA&signature=AAAA", "bad actor_id");
    expect_refused("actor_id=1%40x%2Fa%3Ab%3Ac&key_id=1&claims=AAAA&signature=AAAA",
                   "bad actor_id");
    expect_refused("actor_id=%ZZ&key_id=1&claims=AAAA&signature=AAAA", "missing actor_id");
    /* A '+' that was not percent-encoded decodes to a space: no longer base64. */
    expect_refused("actor_id=" ACTOR_ENC "&key_id=1&claims=+/8A&signature=AAAA",
                   "claims is not standard base64");
    expect_refused("actor_id=" ACTOR_ENC "&key_id=1&claims=AAA&signature=AAAA",
                   "claims is not standard base64");
    expect_refused("actor_id=" ACTOR_ENC "&key_id=1&claims=AAAA&signature=AA-_",
                   "signature is not standard base64");
}

static void test_oversized_values(void **state)
{
    (void)state;
    uint8_t *big = calloc(1, ACTRD_CLAIMS_MAX + 1);
    assert_non_null(big);
    char *q = make_query(ACTOR_ENC, "1", big, ACTRD_CLAIMS_MAX + 1, sig_bytes, 64, "");
    expect_refused(q, "claims is not standard base64 of at most 1024 bytes");
    free(q);
    q = make_query(ACTOR_ENC, "1", big, ACTRD_CLAIMS_MAX, sig_bytes, 64, "");
    actrd_ws_query_t p;
    assert_int_equal(actrd_ws_query_parse(raw_get, q, &p, NULL), 0); /* exactly the cap */
    free(q);
    q = make_query(ACTOR_ENC, "1", big, 4, big, ACTRD_SIGNATURE_MAX + 1, "");
    expect_refused(q, "signature is not standard base64");
    free(q);
    free(big);
}

/* ---- verification through a stub backend ---- */

typedef struct stub {
    int rc;
    const char *claimed;
    uint32_t seen_key_id, seen_realm;
    size_t seen_claims_len, seen_sig_len;
} stub_t;

static int stub_verify(void *self, uint32_t key_id, const uint8_t *claims, size_t claims_len,
                       const uint8_t *sig, size_t sig_len, uint32_t realm_id, char *actor_id,
                       size_t cap, uint64_t *expires_at, actr_error_t *err)
{
    stub_t *s = self;
    s->seen_key_id = key_id;
    s->seen_realm = realm_id;
    s->seen_claims_len = claims_len;
    s->seen_sig_len = sig_len;
    (void)claims;
    (void)sig;
    if (s->rc)
        return actr_error_set(err, s->rc, ACTR_KIND_CLIENT, 401, "stub says no");
    snprintf(actor_id, cap, "%s", s->claimed);
    *expires_at = 1234;
    return 0;
}

static void test_verify(void **state)
{
    (void)state;
    actrd_sig_backend_t be;
    memset(&be, 0, sizeof be);
    be.credential_verify = stub_verify;
    char *q = make_query(ACTOR_ENC, "9", claims_bytes, sizeof claims_bytes, sig_bytes, 64, "");
    actrd_ws_query_t p;
    assert_int_equal(actrd_ws_query_parse(raw_get, q, &p, NULL), 0);
    free(q);

    stub_t s = {0, ACTOR, 0, 0, 0, 0};
    uint64_t exp = 0;
    actrd_refusal_t why = ACTRD_REFUSE_COUNT;
    actr_error_t err;
    assert_int_equal(actrd_ws_query_verify(&be, &s, &p, &exp, &why, &err), 0);
    assert_int_equal(exp, 1234);
    assert_int_equal(s.seen_key_id, 9);
    assert_int_equal(s.seen_realm, 101); /* the realm named in actor_id */
    assert_int_equal(s.seen_claims_len, sizeof claims_bytes);
    assert_int_equal(s.seen_sig_len, 64);

    s.claimed = "1a2b3d@101/acme:echo:1.0.0";
    assert_int_not_equal(actrd_ws_query_verify(&be, &s, &p, &exp, &why, &err), 0);
    assert_int_equal(why, ACTRD_REFUSE_ACTOR_MISMATCH);
    assert_int_equal(err.wire_code, 401);
    /* The comparison is on the text: a non-canonical spelling of the same id differs. */
    s.claimed = "01a2b3c@101/acme:echo:1.0.0";
    assert_int_not_equal(actrd_ws_query_verify(&be, &s, &p, &exp, &why, &err), 0);
    assert_int_equal(why, ACTRD_REFUSE_ACTOR_MISMATCH);

    s.rc = ACTR_EEXPIRED;
    assert_int_equal(actrd_ws_query_verify(&be, &s, &p, &exp, &why, &err), ACTR_EEXPIRED);
    assert_int_equal(why, ACTRD_REFUSE_EXPIRED);
    assert_non_null(strstr(err.message, "stub says no"));
    static const int others[] = {ACTR_ESIGNATURE, ACTR_ENOTFOUND, ACTR_EPARSE, ACTR_EPERM};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        s.rc = others[i];
        why = ACTRD_REFUSE_COUNT;
        assert_int_equal(actrd_ws_query_verify(&be, &s, &p, &exp, &why, &err), others[i]);
        assert_int_equal(why, ACTRD_REFUSE_BAD_CREDENTIAL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_query),
        cmocka_unit_test(test_missing_parameters),
        cmocka_unit_test(test_malformed_parameters),
        cmocka_unit_test(test_oversized_values),
        cmocka_unit_test(test_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
