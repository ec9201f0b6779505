/* Name, PackageName, ServiceName, MethodName (protocol.md 2.3) and route keys (2.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "actr/types.h"

#define LIT(s) (s), (sizeof(s) - 1)

static void assert_name(const char *s, size_t len, bool valid)
{
    actr_error_t err;
    int rc = actr_name_validate(s, len, &err);
    if ((rc == 0) != valid)
        fail_msg("name '%.*s': expected %s, got %d (%s)", (int)len, s,
                 valid ? "valid" : "invalid", rc, rc ? err.message : "");
    if (!valid) {
        assert_int_equal(rc, ACTR_EINVAL);
        assert_true(err.message[0] != '\0');
    }
}

#define NAME_OK(s) assert_name(LIT(s), true)
#define NAME_BAD(s) assert_name(LIT(s), false)

/* count copies of a UTF-8 character, NUL-terminated, into buf. */
static const char *repeat(char *buf, size_t cap, const char *ch, int count)
{
    size_t n = strlen(ch);
    assert_true(n * (size_t)count < cap);
    for (int i = 0; i < count; i++)
        memcpy(buf + n * (size_t)i, ch, n);
    buf[n * (size_t)count] = '\0';
    return buf;
}

static void test_name_ascii_rules(void **state)
{
    (void)state;
    NAME_OK("a");
    NAME_OK("acme");
    NAME_OK("echo-service");
    NAME_OK("Acme.Inc_2");
    NAME_OK("a-b_c.d9");
    NAME_OK("a..b");
    NAME_BAD("");
    NAME_BAD("1abc");
    NAME_BAD("-abc");
    NAME_BAD("_abc");
    NAME_BAD(".abc");
    NAME_BAD("abc-");
    NAME_BAD("abc_");
    NAME_BAD("abc.");
    NAME_BAD("a b");
    NAME_BAD("a:b");
    NAME_BAD("a+b");
    NAME_BAD("a@b");
    NAME_BAD("a/b");
    NAME_BAD("echo!");
    NAME_BAD("a\0b");

    char buf[256];
    assert_name(repeat(buf, sizeof buf, "a", 32), 32, true);
    assert_name(repeat(buf, sizeof buf, "a", 33), 33, false);
    actr_error_t err;
    assert_int_equal(actr_name_validate(buf, 33, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "longer than 32"));
    assert_int_equal(actr_name_validate(NULL, 0, NULL), ACTR_EINVAL);

    assert_true(actr_name_valid("acme"));
    assert_false(actr_name_valid("1acme"));
    assert_false(actr_name_valid(NULL));
}

static void test_name_unicode_classes(void **state)
{
    (void)state;
    assert_string_equal(actr_unicode_tables_version(), "15.0.0");
    NAME_OK("caf\xc3\xa9");                 /* café */
    NAME_OK("\xe6\xb5\x8b\xe8\xaf\x95");    /* 测试 */
    NAME_OK("\xce\xa9mega");                /* Ωmega */
    NAME_OK("\xd0\xbc\xd0\xb8\xd1\x80");    /* мир */
    NAME_OK("\xe2\x85\xabx");               /* Ⅻx: Nl is Alphabetic, so it may start a name */
    NAME_OK("a\xd9\xa3");                   /* a٣: Nd (Arabic-Indic three) may end it */
    NAME_OK("a\xc2\xb2");                   /* a²: No counts as numeric */
    NAME_OK("\xe0\xa4\x95\xe0\xa4\xbe");    /* का: vowel sign AA is Other_Alphabetic */
    NAME_BAD("\xd9\xa3" "a");               /* a digit cannot start it */
    NAME_BAD("\xc2\xb2" "a");               /* nor can No */
    NAME_BAD("e\xcc\x81");                  /* e + U+0301 combining acute: not Alphabetic */
    NAME_BAD("a\xf0\x9f\x98\x80");          /* emoji */
    NAME_BAD("a\xc2\xa0" "b");              /* no-break space */
    NAME_BAD("a\xe2\x80\x94" "b");          /* em dash is not '-' */

    /* Length counts characters, not bytes: 32 three-byte letters pass, 33 do not. */
    char buf[256];
    assert_name(repeat(buf, sizeof buf, "\xe6\xb5\x8b", 32), 96, true);
    assert_name(repeat(buf, sizeof buf, "\xe6\xb5\x8b", 33), 99, false);
    assert_name(repeat(buf, sizeof buf, "\xf0\x9d\x90\x80", 32), 128, true);
}

static void test_name_rejects_invalid_utf8(void **state)
{
    (void)state;
    NAME_BAD("a\xff");
    NAME_BAD("a\x80");
    NAME_BAD("caf\xc3");                    /* truncated */
    NAME_BAD("a\xc0\xaf");                  /* overlong '/' */
    NAME_BAD("a\xe0\x80\xaf");              /* overlong, 3 bytes */
    NAME_BAD("a\xed\xa0\x80");              /* surrogate U+D800 */
    NAME_BAD("a\xf4\x90\x80\x80");          /* above U+10FFFF */
    NAME_BAD("a\xf8\x88\x80\x80\x80");      /* 5-byte form */
    NAME_BAD("\xe6\xb5");                   /* truncated first character */
    actr_error_t err;
    assert_int_equal(actr_name_validate(LIT("ab\xff"), &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "UTF-8 at byte 2"));
}

static void assert_validator(int (*fn)(const char *, size_t, actr_error_t *), const char *s,
                             bool valid)
{
    actr_error_t err;
    int rc = fn(s, strlen(s), &err);
    if ((rc == 0) != valid)
        fail_msg("'%s': expected %s, got %d (%s)", s, valid ? "valid" : "invalid", rc,
                 rc ? err.message : "");
    if (!valid)
        assert_int_equal(rc, ACTR_EINVAL);
}

static void test_package_name(void **state)
{
    (void)state;
    int (*fn)(const char *, size_t, actr_error_t *) = actr_package_name_validate;
    static const char *const good[] = {"echo", "a.b.c", "acme.echo.v1", "a_b.c1", "_x", "x.y_", "a9"};
    static const char *const bad[] = {"", ".a", "a.", "a..b", "Echo", "echo.V1", "a.1b", "1a",
                                      "a-b", "a b", "caf\xc3\xa9", "a/b"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_validator(fn, good[i], true);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_validator(fn, bad[i], false);
    char buf[300];
    memset(buf, 'a', 256);
    buf[256] = '\0';
    assert_validator(fn, buf, true);
    buf[256] = 'a';
    buf[257] = '\0';
    assert_validator(fn, buf, false);
    assert_true(actr_package_name_valid("echo.v1"));
    assert_false(actr_package_name_valid("Echo"));
}

static void test_service_and_method_names(void **state)
{
    (void)state;
    int (*svc)(const char *, size_t, actr_error_t *) = actr_service_name_validate;
    int (*mth)(const char *, size_t, actr_error_t *) = actr_method_name_validate;
    static const char *const good_svc[] = {"EchoService", "E", "E1", "Echo_Service2", "ECHO"};
    static const char *const bad_svc[] = {"", "echoService", "Echo_", "Echo-Svc", "_Echo",
                                          "1Echo", "Echo Service", "\xc3\x89" "cho", "Echo.Svc"};
    static const char *const good_mth[] = {"echo", "e", "getUser_2", "send_message", "x9"};
    static const char *const bad_mth[] = {"", "Echo", "echo_", "_echo", "1echo", "get-user",
                                          "get.user"};
    for (size_t i = 0; i < sizeof good_svc / sizeof good_svc[0]; i++)
        assert_validator(svc, good_svc[i], true);
    for (size_t i = 0; i < sizeof bad_svc / sizeof bad_svc[0]; i++)
        assert_validator(svc, bad_svc[i], false);
    for (size_t i = 0; i < sizeof good_mth / sizeof good_mth[0]; i++)
        assert_validator(mth, good_mth[i], true);
    for (size_t i = 0; i < sizeof bad_mth / sizeof bad_mth[0]; i++)
        assert_validator(mth, bad_mth[i], false);

    char buf[100];
    memset(buf, 'x', sizeof buf);
    buf[0] = 'S';
    buf[64] = '\0';
    assert_validator(svc, buf, true);
    buf[64] = 'x';
    buf[65] = '\0';
    assert_validator(svc, buf, false);
    buf[0] = 'm';
    assert_validator(mth, buf, false);
    buf[64] = '\0';
    assert_validator(mth, buf, true);
    assert_true(actr_service_name_valid("EchoService"));
    assert_true(actr_method_name_valid("echo"));
    assert_false(actr_method_name_valid(NULL));
}

static void assert_split(const char *key, const char *package, const char *service,
                         const char *method)
{
    actr_route_key_t rk;
    actr_error_t err;
    int rc = actr_route_key_split(&rk, key, strlen(key), &err);
    if (rc != 0)
        fail_msg("%s: %s", key, err.message);
    assert_string_equal(rk.package, package);
    assert_string_equal(rk.service, service);
    assert_string_equal(rk.method, method);
    assert_int_equal(actr_route_key_validate(key, strlen(key), NULL), 0);
    /* Building from the parts gives the key back. */
    char buf[ACTR_ROUTE_KEY_STR_SIZE];
    assert_int_equal(actr_route_key_build(buf, sizeof buf, package, service, method, NULL), 0);
    assert_string_equal(buf, key);
}

static void assert_split_fails(const char *key, int code)
{
    actr_route_key_t rk;
    memset(&rk, 0x33, sizeof rk);
    actr_route_key_t before = rk;
    actr_error_t err;
    assert_int_equal(actr_route_key_split(&rk, key, strlen(key), &err), code);
    assert_true(err.message[0] != '\0');
    assert_memory_equal(&rk, &before, sizeof rk);
    assert_int_equal(actr_route_key_validate(key, strlen(key), NULL), code);
}

static void test_route_keys(void **state)
{
    (void)state;
    assert_split("echo.EchoService.Echo", "echo", "EchoService", "Echo");
    assert_split("a.b.c.Service.Method", "a.b.c", "Service", "Method");
    assert_split("acme.echo.v1.EchoService.sendMessage", "acme.echo.v1", "EchoService",
                 "sendMessage");

    assert_split_fails("EchoService.Echo", ACTR_EPARSE);
    assert_split_fails("Echo", ACTR_EPARSE);
    assert_split_fails("", ACTR_EPARSE);
    assert_split_fails(".EchoService.Echo", ACTR_EINVAL);      /* empty package */
    assert_split_fails("Echo.EchoService.Echo", ACTR_EINVAL);  /* uppercase package */
    assert_split_fails("a..EchoService.Echo", ACTR_EINVAL);
    assert_split_fails("echo.echoService.Echo", ACTR_EINVAL);  /* service starts lowercase */
    assert_split_fails("echo.Echo-Service.Echo", ACTR_EINVAL);
    assert_split_fails("echo..Echo", ACTR_EINVAL);             /* empty service */
    assert_split_fails("echo.EchoService.", ACTR_EINVAL);      /* empty method */
    assert_split_fails("echo.EchoService.Echo_", ACTR_EINVAL);
    assert_split_fails("echo.EchoService._echo", ACTR_EINVAL);
    assert_split_fails("echo.EchoService.1echo", ACTR_EINVAL);
    assert_split_fails("echo.EchoService.Ech o", ACTR_EINVAL);

    actr_error_t err;
    char buf[ACTR_ROUTE_KEY_STR_SIZE];
    assert_int_equal(actr_route_key_build(buf, sizeof buf, "echo", "EchoService", "Echo", &err), 0);
    assert_string_equal(buf, "echo.EchoService.Echo");
    assert_int_equal(actr_route_key_build(buf, 21, "echo", "EchoService", "Echo", &err), ACTR_ERANGE);
    assert_int_equal(actr_route_key_build(buf, sizeof buf, "Echo", "EchoService", "Echo", &err),
                     ACTR_EINVAL);
    assert_non_null(strstr(err.message, "package"));
    assert_int_equal(actr_route_key_build(buf, sizeof buf, "echo", "Echo.Service", "Echo", &err),
                     ACTR_EINVAL);
    assert_non_null(strstr(err.message, "service"));
    assert_int_equal(actr_route_key_build(buf, sizeof buf, "echo", "EchoService", "", &err),
                     ACTR_EINVAL);
    assert_non_null(strstr(err.message, "method"));
    assert_int_equal(actr_route_key_build(buf, sizeof buf, NULL, "EchoService", "Echo", &err),
                     ACTR_EINVAL);

    /* The longest key fits ACTR_ROUTE_KEY_STR_SIZE. */
    char package[ACTR_PACKAGE_NAME_MAX + 1], service[ACTR_SERVICE_NAME_MAX + 1];
    char method[ACTR_METHOD_NAME_MAX + 1];
    memset(package, 'p', ACTR_PACKAGE_NAME_MAX);
    package[ACTR_PACKAGE_NAME_MAX] = '\0';
    memset(service, 's', ACTR_SERVICE_NAME_MAX);
    service[0] = 'S';
    service[ACTR_SERVICE_NAME_MAX] = '\0';
    memset(method, 'm', ACTR_METHOD_NAME_MAX);
    method[ACTR_METHOD_NAME_MAX] = '\0';
    assert_split(strcat(strcat(strcat(strcat(strcpy(buf, package), "."), service), "."), method),
                 package, service, method);
    assert_int_equal(strlen(buf), ACTR_ROUTE_KEY_STR_SIZE - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_ascii_rules),
        cmocka_unit_test(test_name_unicode_classes),
        cmocka_unit_test(test_name_rejects_invalid_utf8),
        cmocka_unit_test(test_package_name),
        cmocka_unit_test(test_service_and_method_names),
        cmocka_unit_test(test_route_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
