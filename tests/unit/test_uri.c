/* actr://<realm>:<manufacturer>+<name>@<version> (protocol.md 2.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "actr/types.h"

static actr_uri_t parse_ok(const char *s)
{
    actr_uri_t uri;
    actr_error_t err;
    int rc = actr_uri_parse(&uri, s, strlen(s), &err);
    if (rc != 0)
        fail_msg("%s: %s", s, err.message);
    return uri;
}

static void assert_uri_fails(const char *s, int code, const char *message_part)
{
    actr_uri_t uri;
    memset(&uri, 0x44, sizeof uri);
    actr_uri_t before = uri;
    actr_error_t err;
    int rc = actr_uri_parse(&uri, s, strlen(s), &err);
    if (rc != code)
        fail_msg("%s: expected %d, got %d (%s)", s, code, rc, rc ? err.message : "");
    if (message_part && !strstr(err.message, message_part))
        fail_msg("%s: message '%s' lacks '%s'", s, err.message, message_part);
    assert_memory_equal(&uri, &before, sizeof uri);
}

static void assert_formats_to(const actr_uri_t *uri, const char *expected)
{
    char buf[ACTR_URI_STR_SIZE];
    assert_int_equal(actr_uri_format(uri, buf, sizeof buf, NULL), 0);
    assert_string_equal(buf, expected);
}

static void test_uri_spec_examples(void **state)
{
    (void)state;
    actr_uri_t uri = parse_ok("actr://101:acme+echo-service@1.0.0");
    assert_int_equal(uri.realm, 101);
    assert_string_equal(uri.type.manufacturer, "acme");
    assert_string_equal(uri.type.name, "echo-service");
    assert_string_equal(uri.type.version, "1.0.0");
    assert_formats_to(&uri, "actr://101:acme+echo-service@1.0.0");

    uri = parse_ok("actr://101:acme+user-service@1.0.0");
    assert_formats_to(&uri, "actr://101:acme+user-service@1.0.0");

    actr_uri_t built = {.realm = 9999};
    assert_int_equal(actr_type_set(&built.type, "test", "service", "1.0.0", NULL), 0);
    assert_formats_to(&built, "actr://9999:test+service@1.0.0");
    uri = parse_ok("actr://9999:test+service@1.0.0");
    assert_true(uri.realm == built.realm && actr_type_equal(&uri.type, &built.type));
}

static void test_uri_splitting(void **state)
{
    (void)state;
    /* The version is after the last '@' and may hold ':' and '+'. */
    actr_uri_t uri = parse_ok("actr://1:a+b@1.0:x+y");
    assert_string_equal(uri.type.version, "1.0:x+y");
    assert_formats_to(&uri, "actr://1:a+b@1.0:x+y");
    /* Realm bounds and the integer forms u32::from_str accepts. */
    uri = parse_ok("actr://4294967295:a+b@1");
    assert_true(uri.realm == UINT32_MAX);
    uri = parse_ok("actr://0:a+b@1");
    assert_int_equal(uri.realm, 0);
    uri = parse_ok("actr://+007:a+b@1");
    assert_int_equal(uri.realm, 7);
    assert_formats_to(&uri, "actr://7:a+b@1");
    uri = parse_ok("actr://5:caf\xc3\xa9+\xe6\xb5\x8b\xe8\xaf\x95@v2");
    assert_formats_to(&uri, "actr://5:caf\xc3\xa9+\xe6\xb5\x8b\xe8\xaf\x95@v2");
}

static void test_uri_rejects(void **state)
{
    (void)state;
    assert_uri_fails("http://101:acme+service@1.0.0", ACTR_EPARSE, "got 'http'");
    assert_uri_fails("", ACTR_EPARSE, "scheme");
    assert_uri_fails("actr:/101:a+b@1", ACTR_EPARSE, "scheme");
    assert_uri_fails("ACTR://101:a+b@1", ACTR_EPARSE, "scheme");
    assert_uri_fails("actr://", ACTR_EPARSE, "authority");
    assert_uri_fails("actr://101:acme+service", ACTR_EPARSE, "version");
    assert_uri_fails("actr://abc:acme+service@1.0.0", ACTR_EINVAL, "realm");
    assert_uri_fails("actr://:acme+service@1.0.0", ACTR_EINVAL, "realm");
    assert_uri_fails("actr://-1:acme+service@1.0.0", ACTR_EINVAL, "realm");
    assert_uri_fails("actr://4294967296:a+b@1", ACTR_ERANGE, "realm");
    assert_uri_fails("actr://101:acme:service@1.0.0", ACTR_EPARSE, "authority");
    assert_uri_fails("actr://101acme+service@1.0.0", ACTR_EPARSE, "authority");
    /* As in the reference, the realm is checked before the '+'. */
    assert_uri_fails("actr://abc:acmeservice@1", ACTR_EINVAL, "realm");
    /* Stricter than the reference: the parts must make a valid ActrType. */
    assert_uri_fails("actr://1:a+b@", ACTR_EINVAL, "version");
    assert_uri_fails("actr://1:+b@1", ACTR_EINVAL, "manufacturer");
    assert_uri_fails("actr://1:a+@1", ACTR_EINVAL, "type name");
    assert_uri_fails("actr://1:a+b+c@1", ACTR_EINVAL, "type name");
    assert_uri_fails("actr://1:a+b@c@2", ACTR_EINVAL, "type name");
    assert_uri_fails("actr://1:1a+b@1", ACTR_EINVAL, "manufacturer");
    assert_uri_fails("actr://1:a+b@1\xff", ACTR_EINVAL, "version");
}

static void test_uri_format_errors(void **state)
{
    (void)state;
    actr_uri_t uri = parse_ok("actr://101:acme+echo-service@1.0.0");
    char buf[sizeof "actr://101:acme+echo-service@1.0.0"];
    assert_int_equal(actr_uri_format(&uri, buf, sizeof buf, NULL), 0);
    assert_int_equal(actr_uri_format(&uri, buf, sizeof buf - 1, NULL), ACTR_ERANGE);
    /* A type that would not parse back is refused. */
    strcpy(uri.type.name, "bad name");
    actr_error_t err;
    assert_int_equal(actr_uri_format(&uri, buf, sizeof buf, &err), ACTR_EINVAL);
    assert_int_equal(actr_uri_format(NULL, buf, sizeof buf, &err), ACTR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_spec_examples),
        cmocka_unit_test(test_uri_splitting),
        cmocka_unit_test(test_uri_rejects),
        cmocka_unit_test(test_uri_format_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
