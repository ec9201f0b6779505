/* ACL evaluation, the config rule builder and the protobuf form (platform.md section 6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "actr/acl.h"
#include "platform/acl_proto.h"
#include "unhex.h"

#define CALLER_TYPE "acme:EchoClient:1.0.0"
#define CALLER_REALM 7

static actr_id_t caller_id(void)
{
    actr_id_t id;
    memset(&id, 0, sizeof id);
    id.realm.realm_id = CALLER_REALM;
    id.serial_number = 0x1a;
    assert_int_equal(actr_type_parse(&id.type, CALLER_TYPE, strlen(CALLER_TYPE), NULL), 0);
    return id;
}

/* A rule spec of the truth table: realm -1 = unset, -2 = any, else that realm id. */
typedef struct rule_spec {
    const char *perm;
    const char *type;
    long realm;
} rule_spec_t;

#define UNSET (-1)
#define ANY (-2)
#define MAX_RULES 3

typedef struct acl_case {
    const char *name;
    bool configured;    /* false: no ACL at all (NULL) */
    size_t nrules;
    rule_spec_t rules[MAX_RULES];
    bool allowed;       /* for a decoded remote caller */
    actr_acl_reason_t reason;
    long rule_index;
} acl_case_t;

static const acl_case_t cases[] = {
    {"no ACL", false, 0, {{0}}, true, ACTR_ACL_REASON_NO_ACL, -1},
    {"empty ACL", true, 0, {{0}}, false, ACTR_ACL_REASON_NO_RULES, -1},
    {"allow match", true, 1, {{"allow", CALLER_TYPE, UNSET}}, true, ACTR_ACL_REASON_ALLOW_RULE, 0},
    {"deny match", true, 1, {{"deny", CALLER_TYPE, UNSET}}, false, ACTR_ACL_REASON_DENY_RULE, 0},
    {"deny then allow", true, 2, {{"deny", CALLER_TYPE, ANY}, {"allow", CALLER_TYPE, ANY}},
     false, ACTR_ACL_REASON_DENY_RULE, 0},
    {"allow then deny", true, 2, {{"allow", CALLER_TYPE, ANY}, {"deny", CALLER_TYPE, ANY}},
     false, ACTR_ACL_REASON_DENY_RULE, 1},
    {"allow unset, deny own realm", true, 2,
     {{"allow", CALLER_TYPE, UNSET}, {"deny", CALLER_TYPE, CALLER_REALM}}, false,
     ACTR_ACL_REASON_DENY_RULE, 1},
    {"other type only", true, 1, {{"allow", "acme:EchoServer:1.0.0", ANY}}, false,
     ACTR_ACL_REASON_NO_MATCH, -1},
    {"other type then match", true, 2,
     {{"deny", "acme:EchoServer:1.0.0", ANY}, {"allow", CALLER_TYPE, ANY}}, true,
     ACTR_ACL_REASON_ALLOW_RULE, 1},
    {"first of two allows", true, 2, {{"allow", CALLER_TYPE, ANY}, {"allow", CALLER_TYPE, UNSET}},
     true, ACTR_ACL_REASON_ALLOW_RULE, 0},
    {"realm any", true, 1, {{"allow", CALLER_TYPE, ANY}}, true, ACTR_ACL_REASON_ALLOW_RULE, 0},
    {"realm matches", true, 1, {{"allow", CALLER_TYPE, CALLER_REALM}}, true,
     ACTR_ACL_REASON_ALLOW_RULE, 0},
    {"realm differs", true, 1, {{"allow", CALLER_TYPE, CALLER_REALM + 1}}, false,
     ACTR_ACL_REASON_NO_MATCH, -1},
    {"deny for another realm", true, 2,
     {{"deny", CALLER_TYPE, CALLER_REALM + 1}, {"allow", CALLER_TYPE, ANY}}, true,
     ACTR_ACL_REASON_ALLOW_RULE, 1},
    {"version differs", true, 1, {{"allow", "acme:EchoClient:1.0.1", ANY}}, false,
     ACTR_ACL_REASON_NO_MATCH, -1},
    {"version prefix", true, 1, {{"allow", "acme:EchoClient:1.0", ANY}}, false,
     ACTR_ACL_REASON_NO_MATCH, -1},
    {"manufacturer case", true, 1, {{"allow", "ACME:EchoClient:1.0.0", ANY}}, false,
     ACTR_ACL_REASON_NO_MATCH, -1},
    {"name case", true, 1, {{"allow", "acme:echoclient:1.0.0", ANY}}, false,
     ACTR_ACL_REASON_NO_MATCH, -1},
    {"deny other case, allow exact", true, 2,
     {{"deny", "acme:echoclient:1.0.0", ANY}, {"allow", CALLER_TYPE, ANY}}, true,
     ACTR_ACL_REASON_ALLOW_RULE, 1},
};

static void build_acl(const acl_case_t *c, actr_acl_t *acl)
{
    *acl = (actr_acl_t)ACTR_ACL_INIT;
    for (size_t i = 0; i < c->nrules; i++) {
        const rule_spec_t *s = &c->rules[i];
        actr_acl_rule_t rule;
        actr_error_t err;
        int rc = s->realm == ANY    ? actr_acl_rule_parse(&rule, s->perm, s->type, "*", 0, &err)
                 : s->realm >= 0 ? actr_acl_rule_parse_realm_id(&rule, s->perm, s->type,
                                                                s->realm, &err)
                                 : actr_acl_rule_parse(&rule, s->perm, s->type, NULL, 0, &err);
        assert_int_equal(rc, 0);
        if (s->realm == UNSET)
            rule.realm = ACTR_ACL_REALM_UNSET; /* config always sets a realm; the wire may not */
        assert_int_equal(actr_acl_add_rule(acl, &rule), 0);
    }
}

static void test_truth_table(void **state)
{
    (void)state;
    actr_id_t caller = caller_id();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const acl_case_t *c = &cases[i];
        actr_acl_t acl;
        build_acl(c, &acl);
        const actr_acl_t *cfg = c->configured ? &acl : NULL;

        actr_acl_decision_t d = actr_acl_evaluate(cfg, ACTR_ACL_CALLER_REMOTE, &caller);
        if (d.allowed != c->allowed || d.reason != c->reason || d.rule_index != c->rule_index)
            fail_msg("%s: got allowed=%d reason=%d rule=%ld (%s)", c->name, d.allowed,
                     (int)d.reason, d.rule_index, d.detail);
        assert_string_equal(d.detail, actr_acl_reason_text(c->reason));

        /* A local caller is always allowed, an undecodable one always denied. */
        d = actr_acl_evaluate(cfg, ACTR_ACL_CALLER_LOCAL, NULL);
        assert_true(d.allowed);
        assert_int_equal(d.reason, ACTR_ACL_REASON_LOCAL_CALLER);
        d = actr_acl_evaluate(cfg, ACTR_ACL_CALLER_UNDECODABLE, NULL);
        assert_false(d.allowed);
        assert_int_equal(d.reason, ACTR_ACL_REASON_UNDECODABLE);
        assert_int_equal(d.rule_index, -1);
        /* Even with the caller's id at hand, "undecodable" wins. */
        d = actr_acl_evaluate(cfg, ACTR_ACL_CALLER_UNDECODABLE, &caller);
        assert_false(d.allowed);
        /* A remote caller without an id, or a bogus kind, is denied. */
        d = actr_acl_evaluate(cfg, ACTR_ACL_CALLER_REMOTE, NULL);
        assert_false(d.allowed);
        assert_int_equal(d.reason, ACTR_ACL_REASON_BAD_CALLER);
        assert_false(actr_acl_evaluate(cfg, (actr_acl_caller_kind_t)9, &caller).allowed);
        actr_acl_free(&acl);
    }
}

static void test_serial_number_is_ignored(void **state)
{
    (void)state;
    actr_acl_t acl;
    build_acl(&cases[2], &acl); /* allow match */
    actr_id_t caller = caller_id();
    caller.serial_number = UINT64_MAX;
    assert_true(actr_acl_evaluate(&acl, ACTR_ACL_CALLER_REMOTE, &caller).allowed);
    caller.realm.realm_id = 999; /* realm unset: any realm */
    assert_true(actr_acl_evaluate(&acl, ACTR_ACL_CALLER_REMOTE, &caller).allowed);
    assert_true(actr_acl_rule_matches(&acl.rules[0], &caller));
    assert_false(actr_acl_rule_matches(NULL, &caller));
    assert_false(actr_acl_rule_matches(&acl.rules[0], NULL));
    actr_acl_free(&acl);
    assert_null(acl.rules);
    assert_int_equal(acl.count, 0);
    actr_acl_free(NULL);
}

static void test_add_rule_checks(void **state)
{
    (void)state;
    actr_acl_t acl = ACTR_ACL_INIT;
    actr_acl_rule_t rule;
    assert_int_equal(actr_acl_rule_parse(&rule, "allow", CALLER_TYPE, "*", 0, NULL), 0);
    for (int i = 0; i < 20; i++) /* grows past the first allocation */
        assert_int_equal(actr_acl_add_rule(&acl, &rule), 0);
    assert_int_equal(acl.count, 20);
    rule.permission = (actr_acl_permission_t)2;
    assert_int_equal(actr_acl_add_rule(&acl, &rule), ACTR_EINVAL);
    rule.permission = ACTR_ACL_ALLOW;
    rule.realm = (actr_acl_realm_match_t)3;
    assert_int_equal(actr_acl_add_rule(&acl, &rule), ACTR_EINVAL);
    assert_int_equal(actr_acl_add_rule(NULL, &rule), ACTR_EINVAL);
    assert_int_equal(acl.count, 20);
    actr_acl_free(&acl);
}

static void test_messages(void **state)
{
    (void)state;
    actr_id_t caller = caller_id();
    actr_id_t self;
    assert_int_equal(actr_id_parse(&self, "2@7/acme:EchoServer:1.0.0", 25, NULL), 0);
    actr_error_t err;
    assert_int_equal(actr_acl_denied_error(ACTR_ACL_CALLER_REMOTE, &caller, &self, &err),
                     ACTR_EPERM);
    assert_string_equal(err.message, "ACL denied: 1a@7/acme:EchoClient:1.0.0 is not allowed to "
                                     "call 2@7/acme:EchoServer:1.0.0");
    assert_int_equal(err.wire_code, ACTR_WIRE_PERMISSION_DENIED);
    assert_int_equal(err.kind, ACTR_KIND_CLIENT);
    actr_acl_denied_error(ACTR_ACL_CALLER_UNDECODABLE, NULL, &self, &err);
    assert_string_equal(err.message, "ACL denied: <undecodable caller> is not allowed to call "
                                     "2@7/acme:EchoServer:1.0.0");
    actr_acl_denied_error(ACTR_ACL_CALLER_REMOTE, NULL, NULL, &err);
    assert_string_equal(err.message, "ACL denied: <unknown> is not allowed to call <unknown>");

    actr_acl_rule_t rule;
    char text[ACTR_TYPE_STR_SIZE + 32];
    assert_int_equal(actr_acl_rule_parse(&rule, "allow", CALLER_TYPE, NULL, 7, NULL), 0);
    assert_int_equal(actr_acl_rule_format(&rule, text, sizeof text), 0);
    assert_string_equal(text, "allow acme:EchoClient:1.0.0 realm=7");
    rule.realm = ACTR_ACL_REALM_ANY;
    rule.permission = ACTR_ACL_DENY;
    assert_int_equal(actr_acl_rule_format(&rule, text, sizeof text), 0);
    assert_string_equal(text, "deny acme:EchoClient:1.0.0 realm=*");
    rule.realm = ACTR_ACL_REALM_UNSET;
    assert_int_equal(actr_acl_rule_format(&rule, text, sizeof text), 0);
    assert_string_equal(text, "deny acme:EchoClient:1.0.0");
    assert_int_equal(actr_acl_rule_format(&rule, text, 8), ACTR_ERANGE);
    assert_string_equal(actr_acl_reason_text((actr_acl_reason_t)99), "denied: unknown reason");
}

/* ---- config rule builder ---- */

static void test_rule_builder_accepts(void **state)
{
    (void)state;
    actr_acl_rule_t r;
    actr_error_t err;
    assert_int_equal(actr_acl_rule_parse(&r, "allow", CALLER_TYPE, NULL, 5, &err), 0);
    assert_int_equal(r.permission, ACTR_ACL_ALLOW);
    assert_int_equal(r.realm, ACTR_ACL_REALM_ID);
    assert_int_equal(r.realm_id, 5);
    assert_string_equal(r.from_type.manufacturer, "acme");
    assert_string_equal(r.from_type.name, "EchoClient");
    assert_string_equal(r.from_type.version, "1.0.0");
    assert_int_equal(actr_acl_rule_parse(&r, "DENY", CALLER_TYPE, "self", 9, &err), 0);
    assert_int_equal(r.permission, ACTR_ACL_DENY);
    assert_int_equal(r.realm_id, 9);
    assert_int_equal(actr_acl_rule_parse(&r, "AlLoW", CALLER_TYPE, "*", 9, &err), 0);
    assert_int_equal(r.realm, ACTR_ACL_REALM_ANY);
    assert_int_equal(actr_acl_rule_parse_realm_id(&r, "deny", CALLER_TYPE, 0, &err), 0);
    assert_int_equal(r.realm_id, 0);
    assert_int_equal(actr_acl_rule_parse_realm_id(&r, "Deny", CALLER_TYPE, 4294967295LL, &err), 0);
    assert_int_equal(r.realm_id, 4294967295u);
    assert_int_equal(r.realm, ACTR_ACL_REALM_ID);
}

static void test_rule_builder_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *perm, *type, *realm;
        int code;
        const char *text;
    } bad[] = {
        {"permit", CALLER_TYPE, NULL, ACTR_EINVAL, "'allow' or 'deny'"},
        {"allow ", CALLER_TYPE, NULL, ACTR_EINVAL, "permission"},
        {"", CALLER_TYPE, NULL, ACTR_EINVAL, "permission"},
        {NULL, CALLER_TYPE, NULL, ACTR_EINVAL, "'permission'"},
        {"allow", NULL, NULL, ACTR_EINVAL, "'type'"},
        {"allow", "acme:EchoClient", NULL, ACTR_EPARSE, "ACL rule type"},
        {"allow", "acme:EchoClient:1.0.0:extra", NULL, ACTR_EPARSE, "ACL rule type"},
        {"allow", "acme::1.0.0", NULL, ACTR_EINVAL, "ACL rule type"},
        {"allow", "acme:EchoClient:", NULL, ACTR_EINVAL, "ACL rule type"},
        {"allow", "1acme:EchoClient:1.0.0", NULL, ACTR_EINVAL, "ACL rule type"},
        {"allow", CALLER_TYPE, "any", ACTR_EINVAL, "realm"},
        {"allow", CALLER_TYPE, "5", ACTR_EINVAL, "realm"},
        {"allow", CALLER_TYPE, "SELF", ACTR_EINVAL, "realm"},
        {"allow", CALLER_TYPE, "", ACTR_EINVAL, "realm"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        actr_acl_rule_t r, before;
        memset(&r, 0xAB, sizeof r);
        before = r;
        actr_error_t err;
        int rc = actr_acl_rule_parse(&r, bad[i].perm, bad[i].type, bad[i].realm, 1, &err);
        if (rc != bad[i].code || !strstr(err.message, bad[i].text))
            fail_msg("case %zu: rc %d, message '%s'", i, rc, err.message);
        assert_memory_equal(&r, &before, sizeof r); /* untouched */
    }
    static const int64_t bad_realms[] = {-1, 4294967296LL, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof bad_realms / sizeof bad_realms[0]; i++) {
        actr_acl_rule_t r;
        actr_error_t err;
        assert_int_equal(actr_acl_rule_parse_realm_id(&r, "allow", CALLER_TYPE, bad_realms[i], &err),
                         ACTR_ERANGE);
        assert_non_null(strstr(err.message, "outside 0..4294967295"));
    }
    actr_acl_rule_t r;
    assert_int_equal(actr_acl_rule_parse_realm_id(&r, "maybe", CALLER_TYPE, 1, NULL), ACTR_EINVAL);
    assert_int_equal(actr_acl_rule_parse(NULL, "allow", CALLER_TYPE, NULL, 1, NULL), ACTR_EINVAL);
}

/* ---- protobuf ---- */

static void build_three_rules(actr_acl_t *acl)
{
    static const acl_case_t three = {
        "three", true, 3,
        {{"allow", CALLER_TYPE, UNSET}, {"deny", "acme:Other:2.0", ANY}, {"allow", CALLER_TYPE, 42}},
        true, ACTR_ACL_REASON_ALLOW_RULE, 0};
    build_acl(&three, acl);
}

static void assert_same_acl(const actr_acl_t *a, const actr_acl_t *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        const actr_acl_rule_t *x = &a->rules[i], *y = &b->rules[i];
        assert_int_equal(x->permission, y->permission);
        assert_true(actr_type_equal(&x->from_type, &y->from_type));
        assert_int_equal(x->realm, y->realm);
        if (x->realm == ACTR_ACL_REALM_ID)
            assert_int_equal(x->realm_id, y->realm_id);
    }
}

static void test_proto_struct_round_trip(void **state)
{
    (void)state;
    actr_acl_t acl, back;
    build_three_rules(&acl);
    Actr__Acl *pb;
    assert_int_equal(actr_acl_to_proto(&acl, &pb, NULL), 0);
    assert_int_equal(pb->n_rules, 3);
    assert_int_equal(pb->rules[0]->permission, ACTR__ACL_RULE__PERMISSION__ALLOW);
    assert_int_equal(pb->rules[0]->source_realm_case, ACTR__ACL_RULE__SOURCE_REALM__NOT_SET);
    assert_int_equal(pb->rules[1]->permission, ACTR__ACL_RULE__PERMISSION__DENY);
    assert_int_equal(pb->rules[1]->source_realm_case, ACTR__ACL_RULE__SOURCE_REALM_ANY_REALM);
    assert_true(pb->rules[1]->any_realm);
    assert_string_equal(pb->rules[1]->from_type->name, "Other");
    assert_int_equal(pb->rules[2]->source_realm_case, ACTR__ACL_RULE__SOURCE_REALM_REALM_ID);
    assert_int_equal(pb->rules[2]->realm_id, 42);
    assert_int_equal(actr_acl_from_proto(pb, &back, NULL), 0);
    assert_same_acl(&acl, &back);
    /* The generated free function releases it as well (for messages that embed it). */
    protobuf_c_message_free_unpacked(&pb->base, NULL);
    actr_acl_free(&back);

    actr_acl_t empty = ACTR_ACL_INIT;
    assert_int_equal(actr_acl_to_proto(&empty, &pb, NULL), 0);
    assert_int_equal(pb->n_rules, 0);
    assert_int_equal(actr_acl_from_proto(pb, &back, NULL), 0);
    assert_int_equal(back.count, 0);
    actr_acl_proto_free(pb);
    actr_acl_free(&acl);
}

static void test_proto_bytes_round_trip(void **state)
{
    (void)state;
    actr_acl_t acl, back;
    build_three_rules(&acl);
    uint8_t *bytes;
    size_t len;
    assert_int_equal(actr_acl_encode(&acl, &bytes, &len, NULL), 0);
    assert_int_equal(actr_acl_decode(bytes, len, &back, NULL), 0);
    assert_same_acl(&acl, &back);
    /* Re-encoding gives the same bytes. */
    uint8_t *again;
    size_t again_len;
    assert_int_equal(actr_acl_encode(&back, &again, &again_len, NULL), 0);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, bytes, len);
    free(bytes);
    free(again);
    actr_acl_free(&back);
    actr_acl_free(&acl);
}

static void test_proto_decode_edge_cases(void **state)
{
    (void)state;
    uint8_t buf[64];
    actr_acl_t acl;
    actr_error_t err;
    /* Acl{rules: [{permission: ALLOW, from_type: acme:EchoClient:1.0.0, any_realm: false}]} */
    size_t n = test_unhex("0a1f" "0801" "1219" "0a0461636d65" "120a4563686f436c69656e74"
                          "1a05312e302e30" "1800", buf, sizeof buf);
    assert_int_equal(actr_acl_decode(buf, n, &acl, &err), 0);
    assert_int_equal(acl.count, 1);
    assert_int_equal(acl.rules[0].realm, ACTR_ACL_REALM_ANY); /* false still means any realm */
    actr_id_t caller = caller_id();
    caller.realm.realm_id = 12345;
    assert_true(actr_acl_evaluate(&acl, ACTR_ACL_CALLER_REMOTE, &caller).allowed);
    actr_acl_free(&acl);

    /* Permission 5 is neither DENY nor ALLOW: the whole ACL is refused. */
    n = test_unhex("0a1f" "0805" "1219" "0a0461636d65" "120a4563686f436c69656e74"
                   "1a05312e302e30" "1800", buf, sizeof buf);
    assert_int_not_equal(actr_acl_decode(buf, n, &acl, &err), 0);
    assert_int_equal(acl.count, 0);

    /* An empty manufacturer is not a valid type. */
    n = test_unhex("0a19" "0800" "1215" "0a00" "120a4563686f436c69656e74" "1a05312e302e30",
                   buf, sizeof buf);
    assert_int_equal(actr_acl_decode(buf, n, &acl, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "ACL rule 0"));
    assert_int_equal(acl.count, 0);

    /* No bytes: an ACL with no rules (which denies everyone). */
    assert_int_equal(actr_acl_decode(NULL, 0, &acl, &err), 0);
    assert_int_equal(acl.count, 0);
    assert_false(actr_acl_evaluate(&acl, ACTR_ACL_CALLER_REMOTE, &caller).allowed);
    /* Truncated input. */
    assert_int_not_equal(actr_acl_decode(buf, 3, &acl, &err), 0);

    /* A rule without from_type (hand-built message). */
    Actr__AclRule rule = ACTR__ACL_RULE__INIT;
    Actr__AclRule *rules[] = {&rule};
    Actr__Acl pb = ACTR__ACL__INIT;
    pb.n_rules = 1;
    pb.rules = rules;
    assert_int_equal(actr_acl_from_proto(&pb, &acl, &err), ACTR_EINVAL);
    assert_int_equal(actr_acl_from_proto(NULL, &acl, &err), ACTR_EINVAL);

    /* Encoding refuses what decoding would refuse. */
    actr_acl_t bad = ACTR_ACL_INIT;
    actr_acl_rule_t r;
    assert_int_equal(actr_acl_rule_parse(&r, "allow", CALLER_TYPE, "*", 0, NULL), 0);
    r.from_type.name[0] = '\0';
    assert_int_equal(actr_acl_add_rule(&bad, &r), 0);
    uint8_t *bytes = (uint8_t *)1;
    size_t len;
    assert_int_equal(actr_acl_encode(&bad, &bytes, &len, &err), ACTR_EINVAL);
    assert_null(bytes);
    actr_acl_free(&bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truth_table),
        cmocka_unit_test(test_serial_number_is_ignored),
        cmocka_unit_test(test_add_rule_checks),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_rule_builder_accepts),
        cmocka_unit_test(test_rule_builder_rejects),
        cmocka_unit_test(test_proto_struct_round_trip),
        cmocka_unit_test(test_proto_bytes_round_trip),
        cmocka_unit_test(test_proto_decode_edge_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
