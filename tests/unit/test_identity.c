/* ActrType and ActrId: construction, string forms, ordering, path safety (protocol.md 2.1, 2.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "actr/types.h"

/* A C string literal as (pointer, length); sizeof keeps embedded NULs. */
#define LIT(s) (s), (sizeof(s) - 1)

static actr_type_t make_type(const char *m, const char *n, const char *v)
{
    actr_type_t t;
    assert_int_equal(actr_type_set(&t, m, n, v, NULL), 0);
    return t;
}

static actr_id_t make_id(uint32_t realm, uint64_t serial, const char *m, const char *n,
                         const char *v)
{
    actr_id_t id;
    memset(&id, 0, sizeof id);
    id.realm.realm_id = realm;
    id.serial_number = serial;
    id.type = make_type(m, n, v);
    return id;
}

static void assert_id_string(const actr_id_t *id, const char *expected)
{
    char buf[ACTR_ID_STR_SIZE];
    assert_int_equal(actr_id_format(id, buf, sizeof buf, NULL), 0);
    assert_string_equal(buf, expected);
}

static void test_type_set_validates_parts(void **state)
{
    (void)state;
    actr_type_t t;
    actr_error_t err;
    assert_int_equal(actr_type_set(&t, "acme", "echo-service", "1.0.0", &err), 0);
    assert_string_equal(t.manufacturer, "acme");
    assert_string_equal(t.name, "echo-service");
    assert_string_equal(t.version, "1.0.0");
    assert_int_equal(actr_type_validate(&t, NULL), 0);

    assert_int_equal(actr_type_set(&t, "1acme", "echo", "1", &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "Invalid manufacturer"));
    assert_int_equal(actr_type_set(&t, "acme", "echo!", "1", &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "Invalid type name"));
    assert_int_equal(actr_type_set(&t, "acme", "echo", "", &err), ACTR_EINVAL);
    assert_string_equal(err.message, "Invalid version: version cannot be empty");
    assert_int_equal(actr_type_set(&t, "acme", "echo", "1.0\xff", &err), ACTR_EINVAL);
    assert_int_equal(actr_type_set(NULL, "acme", "echo", "1", &err), ACTR_EINVAL);
    assert_int_equal(actr_type_set(&t, "acme", NULL, "1", &err), ACTR_EINVAL);

    /* Version cap: 128 bytes is our decision (the reference has none). */
    char version[ACTR_VERSION_MAX_BYTES + 2];
    memset(version, 'v', sizeof version - 1);
    version[sizeof version - 1] = '\0';
    assert_int_equal(actr_type_set(&t, "acme", "echo", version, &err), ACTR_ETOOBIG);
    version[ACTR_VERSION_MAX_BYTES] = '\0';
    assert_int_equal(actr_type_set(&t, "acme", "echo", version, &err), 0);
    assert_int_equal(strlen(t.version), ACTR_VERSION_MAX_BYTES);

    /* Free-form versions are kept as given, even ones the string form cannot carry. */
    assert_int_equal(actr_type_set(&t, "acme", "echo", "v2 beta:1", NULL), 0);
    assert_string_equal(t.version, "v2 beta:1");

    /* A struct filled by hand is checked the same way. */
    memset(&t, 0, sizeof t);
    strcpy(t.manufacturer, "acme");
    strcpy(t.name, "-bad");
    strcpy(t.version, "1");
    assert_int_equal(actr_type_validate(&t, &err), ACTR_EINVAL);
    memset(t.version, 'x', sizeof t.version);
    strcpy(t.name, "good");
    assert_int_equal(actr_type_validate(&t, &err), ACTR_EINVAL);
}

static void test_type_parse(void **state)
{
    (void)state;
    actr_type_t t;
    actr_error_t err;
    assert_int_equal(actr_type_parse(&t, LIT("acme:echo:1.2.3"), &err), 0);
    assert_string_equal(t.manufacturer, "acme");
    assert_string_equal(t.name, "echo");
    assert_string_equal(t.version, "1.2.3");

    /* splitn(4, ':') must give exactly 3 parts. */
    assert_int_equal(actr_type_parse(&t, LIT("acme:echo-service"), &err), ACTR_EPARSE);
    assert_non_null(strstr(err.message, "version is required"));
    assert_int_equal(actr_type_parse(&t, LIT("a:b:c:d"), &err), ACTR_EPARSE);
    assert_int_equal(actr_type_parse(&t, LIT("a:b:1.0:"), &err), ACTR_EPARSE);
    assert_int_equal(actr_type_parse(&t, LIT("acme-echo"), &err), ACTR_EPARSE);
    assert_int_equal(actr_type_parse(&t, LIT(""), &err), ACTR_EPARSE);

    /* Components. */
    assert_int_equal(actr_type_parse(&t, LIT("acme:echo:"), &err), ACTR_EINVAL);
    assert_int_equal(actr_type_parse(&t, LIT("1acme:echo:1.0.0"), &err), ACTR_EINVAL);
    assert_int_equal(actr_type_parse(&t, LIT("acme:echo!:1.0.0"), &err), ACTR_EINVAL);
    assert_int_equal(actr_type_parse(&t, LIT(":echo:1"), &err), ACTR_EINVAL);
    assert_int_equal(actr_type_parse(&t, LIT("acme::1"), &err), ACTR_EINVAL);
    assert_int_equal(actr_type_parse(&t, LIT("acme:echo:1\0x"), &err), ACTR_EINVAL);
    assert_int_equal(actr_type_parse(&t, LIT("acme:echo:1\xc3"), &err), ACTR_EINVAL);

    /* The version is free form apart from ':' (the reference accepts '/', '@', spaces). */
    assert_int_equal(actr_type_parse(&t, LIT("acme:echo:v2/beta @x"), &err), 0);
    assert_string_equal(t.version, "v2/beta @x");

    /* *out is untouched on failure. */
    actr_type_t before = t;
    assert_int_equal(actr_type_parse(&t, LIT("acme:echo"), NULL), ACTR_EPARSE);
    assert_memory_equal(&t, &before, sizeof t);
}

static void test_type_format(void **state)
{
    (void)state;
    actr_type_t t = make_type("acme", "echo-service", "1.0.0");
    char buf[ACTR_TYPE_STR_SIZE];
    actr_error_t err;
    assert_int_equal(actr_type_format(&t, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "acme:echo-service:1.0.0");

    /* Exactly enough room, then one byte short. */
    char small[sizeof "acme:echo-service:1.0.0"];
    assert_int_equal(actr_type_format(&t, small, sizeof small, &err), 0);
    assert_int_equal(actr_type_format(&t, small, sizeof small - 1, &err), ACTR_ERANGE);
    assert_int_equal(actr_type_format(&t, NULL, 0, &err), ACTR_ERANGE);

    /* The largest type fits ACTR_TYPE_STR_SIZE. */
    char big_name[ACTR_NAME_SIZE] = "";
    for (int i = 0; i < ACTR_NAME_MAX_CHARS; i++)
        strcat(big_name, "\xf0\x9d\x90\x80"); /* U+1D400, a 4-byte letter */
    char big_version[ACTR_VERSION_SIZE];
    memset(big_version, '9', ACTR_VERSION_MAX_BYTES);
    big_version[ACTR_VERSION_MAX_BYTES] = '\0';
    t = make_type(big_name, big_name, big_version);
    assert_int_equal(actr_type_format(&t, buf, sizeof buf, &err), 0);
    assert_int_equal(strlen(buf), ACTR_TYPE_STR_SIZE - 1);

    /* An unterminated field is refused rather than over-read. */
    memset(t.name, 'a', sizeof t.name);
    assert_int_equal(actr_type_format(&t, buf, sizeof buf, &err), ACTR_EINVAL);
}

static void test_id_format(void **state)
{
    (void)state;
    actr_id_t id = make_id(101, 0x1a2b3c, "acme", "echo-service", "1.0.0");
    assert_id_string(&id, "1a2b3c@101/acme:echo-service:1.0.0");
    id = make_id(0, 0, "a", "b", "c");
    assert_id_string(&id, "0@0/a:b:c");
    id = make_id(UINT32_MAX, UINT64_MAX, "a", "b", "c");
    assert_id_string(&id, "ffffffffffffffff@4294967295/a:b:c");
    id = make_id(7, 0xABCDEF0123ULL, "a", "b", "c");
    assert_id_string(&id, "abcdef0123@7/a:b:c");

    /* Largest id fits ACTR_ID_STR_SIZE; one byte less does not. */
    char version[ACTR_VERSION_SIZE];
    memset(version, '1', ACTR_VERSION_MAX_BYTES);
    version[ACTR_VERSION_MAX_BYTES] = '\0';
    char name[ACTR_NAME_SIZE] = "";
    for (int i = 0; i < ACTR_NAME_MAX_CHARS; i++)
        strcat(name, "\xf0\x9d\x90\x80");
    id = make_id(UINT32_MAX, UINT64_MAX, name, name, version);
    char buf[ACTR_ID_STR_SIZE];
    assert_int_equal(actr_id_format(&id, buf, sizeof buf, NULL), 0);
    assert_int_equal(strlen(buf), ACTR_ID_STR_SIZE - 1);
    assert_int_equal(actr_id_format(&id, buf, sizeof buf - 1, NULL), ACTR_ERANGE);
}

static void assert_id_parses(const char *s, uint64_t serial, uint32_t realm)
{
    actr_id_t id;
    actr_error_t err;
    int rc = actr_id_parse(&id, s, strlen(s), &err);
    if (rc != 0)
        fail_msg("%s: %s", s, err.message);
    assert_true(id.serial_number == serial);
    assert_int_equal(id.realm.realm_id, realm);
}

static void assert_id_fails(const char *s, size_t len, int code)
{
    actr_id_t id;
    memset(&id, 0x5a, sizeof id);
    actr_id_t before = id;
    actr_error_t err;
    assert_int_equal(actr_id_parse(&id, s, len, &err), code);
    assert_int_equal(err.code, code);
    assert_true(err.message[0] != '\0');
    assert_memory_equal(&id, &before, sizeof id);
}

static void test_id_parse_accepts_like_from_str_radix(void **state)
{
    (void)state;
    actr_id_t id;
    assert_int_equal(actr_id_parse(&id, LIT("1a2b3c@101/acme:echo-service:1.0.0"), NULL), 0);
    actr_id_t expected = make_id(101, 0x1a2b3c, "acme", "echo-service", "1.0.0");
    assert_true(actr_id_equal(&id, &expected));

    assert_id_parses("0@0/a:b:c", 0, 0);
    assert_id_parses("ffffffffffffffff@4294967295/a:b:c", UINT64_MAX, UINT32_MAX);
    /* Input variants Rust's from_str_radix / u32::from_str accept; we format them canonically. */
    assert_id_parses("1A2B3C@101/a:b:c", 0x1a2b3c, 101);
    assert_id_parses("0001a@0101/a:b:c", 0x1a, 101);
    assert_id_parses("00000000000000000000ffffffffffffffff@1/a:b:c", UINT64_MAX, 1);
    assert_id_parses("+1a@+7/a:b:c", 0x1a, 7);
    assert_int_equal(actr_id_parse(&id, LIT("+0001A@+007/a:b:c"), NULL), 0);
    assert_id_string(&id, "1a@7/a:b:c");

    /* Split at the first '@' and the first '/': the version keeps later ones. */
    assert_int_equal(actr_id_parse(&id, LIT("1@2/a:b:v@1/x"), NULL), 0);
    assert_string_equal(id.type.version, "v@1/x");
}

static void test_id_parse_rejects(void **state)
{
    (void)state;
    /* Structure (the reference's InvalidFormat / InvalidTypeFormat). */
    assert_id_fails(LIT("invalid-string"), ACTR_EPARSE);
    assert_id_fails(LIT(""), ACTR_EPARSE);
    assert_id_fails(LIT("123@101"), ACTR_EPARSE);
    assert_id_fails(LIT("1a2b3c@101/acme:echo-service"), ACTR_EPARSE);
    assert_id_fails(LIT("1@1/a:b:c:d"), ACTR_EPARSE);
    /* Serial: checked before '/' is looked for, as in the reference. */
    assert_id_fails(LIT("xyz@101/acme:echo"), ACTR_EINVAL);
    assert_id_fails(LIT("xyz@101"), ACTR_EINVAL);
    assert_id_fails(LIT("@101/a:b:c"), ACTR_EINVAL);
    assert_id_fails(LIT("+@101/a:b:c"), ACTR_EINVAL);
    assert_id_fails(LIT("-1@101/a:b:c"), ACTR_EINVAL);
    assert_id_fails(LIT("++1@101/a:b:c"), ACTR_EINVAL);
    assert_id_fails(LIT("0x1a@101/a:b:c"), ACTR_EINVAL);
    assert_id_fails(LIT(" 1a@101/a:b:c"), ACTR_EINVAL);
    assert_id_fails(LIT("1g@101/a:b:c"), ACTR_EINVAL);
    assert_id_fails(LIT("10000000000000000@1/a:b:c"), ACTR_ERANGE);
    /* Realm: decimal u32. */
    assert_id_fails(LIT("1@4294967296/a:b:c"), ACTR_ERANGE);
    assert_id_fails(LIT("1@99999999999999999999999/a:b:c"), ACTR_ERANGE);
    assert_id_fails(LIT("1@/a:b:c"), ACTR_EINVAL);
    assert_id_fails(LIT("1@1a/a:b:c"), ACTR_EINVAL);
    assert_id_fails(LIT("1@-1/a:b:c"), ACTR_EINVAL);
    assert_id_fails(LIT("1@2@3/a:b:c"), ACTR_EINVAL);
    /* Type. */
    assert_id_fails(LIT("1@1/a:b:"), ACTR_EINVAL);
    assert_id_fails(LIT("1@1/9a:b:c"), ACTR_EINVAL);
    assert_id_fails(LIT("1@1/a:b:c\0"), ACTR_EINVAL);
    assert_id_fails(LIT("1\0@1/a:b:c"), ACTR_EINVAL);
}

static void test_id_round_trip(void **state)
{
    (void)state;
    static const char *const canonical[] = {
        "1a2b3c@101/acme:echo-service:1.0.0",
        "0@0/a:b:c",
        "ffffffffffffffff@4294967295/Acme.Inc:caf\xc3\xa9:v2",
        "2a@1/\xe6\xb5\x8b\xe8\xaf\x95:svc_1:1.0.0-rc.1+build.5",
    };
    for (size_t i = 0; i < sizeof canonical / sizeof canonical[0]; i++) {
        actr_id_t id;
        assert_int_equal(actr_id_parse(&id, canonical[i], strlen(canonical[i]), NULL), 0);
        assert_id_string(&id, canonical[i]);
    }
}

static void test_ordering_follows_field_order(void **state)
{
    (void)state;
    /* Rust's derived Ord: realm, then serial, then manufacturer, name, version. */
    actr_id_t ids[] = {
        make_id(1, 9, "z", "z", "z"), make_id(2, 0, "a", "a", "a"), make_id(2, 1, "a", "a", "a"),
        make_id(2, 1, "a", "a", "b"), make_id(2, 1, "a", "b", "a"), make_id(2, 1, "b", "a", "a"),
        make_id(2, 1, "ba", "a", "a"),
    };
    size_t n = sizeof ids / sizeof ids[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            int expected = (i > j) - (i < j);
            assert_int_equal(actr_id_compare(&ids[i], &ids[j]), expected);
            assert_int_equal(actr_id_equal(&ids[i], &ids[j]), i == j);
        }
    }
    /* Bytewise: uppercase sorts before lowercase, UTF-8 after ASCII. */
    actr_type_t upper = make_type("Acme", "x", "1"), lower = make_type("acme", "x", "1");
    actr_type_t accented = make_type("\xc3\xa9t\xc3\xa9", "x", "1");
    assert_true(actr_type_compare(&upper, &lower) < 0);
    assert_true(actr_type_compare(&lower, &accented) < 0);
    assert_true(actr_type_equal(&lower, &lower));
    assert_false(actr_type_equal(&upper, &lower));

    /* Equality ignores bytes after the NUL; the hash agrees with equality. */
    actr_id_t a = make_id(5, 6, "acme", "echo", "1"), b = a;
    memset(b.type.name + 5, 0x77, sizeof b.type.name - 5);
    assert_true(actr_id_equal(&a, &b));
    assert_true(actr_id_hash(&a) == actr_id_hash(&b));
    actr_id_t c = make_id(5, 6, "acme", "echo", "2"), d = make_id(5, 7, "acme", "echo", "1");
    actr_id_t e = make_id(5, 6, "acm", "eecho", "1");
    assert_true(actr_id_hash(&a) != actr_id_hash(&c));
    assert_true(actr_id_hash(&a) != actr_id_hash(&d));
    assert_true(actr_id_hash(&a) != actr_id_hash(&e));
}

static void assert_path_safe(const char *m, const char *n, const char *v, int expected)
{
    actr_type_t t;
    memset(&t, 0, sizeof t);
    strncpy(t.manufacturer, m, sizeof t.manufacturer - 1);
    strncpy(t.name, n, sizeof t.name - 1);
    strncpy(t.version, v, sizeof t.version - 1);
    actr_error_t err;
    int rc = actr_type_path_safe(&t, &err);
    if (rc != expected)
        fail_msg("%s/%s/%s: got %d (%s)", m, n, v, rc, rc ? err.message : "");
}

static void test_path_safety(void **state)
{
    (void)state;
    assert_path_safe("acme", "Sensor", "1.0.0", 0);
    assert_path_safe("acme", "echo-service", "v2", 0);
    assert_path_safe("acme", "echo", "1.0.0-rc.1+build.5", 0);
    assert_path_safe("acme", "echo", "1_2", 0);
    assert_path_safe("caf\xc3\xa9", "\xe6\xb5\x8b\xe8\xaf\x95", "1", 0);
    assert_path_safe("acme", "echo", ".1", 0);
    /* Escapes the reference allows. */
    assert_path_safe("acme", "echo", "..", ACTR_EINVAL);
    assert_path_safe("acme", "echo", ".", ACTR_EINVAL);
    assert_path_safe("acme", "echo", "a/b", ACTR_EINVAL);
    assert_path_safe("acme", "echo", "../../etc/passwd", ACTR_EINVAL);
    assert_path_safe("acme", "echo", "a\\b", ACTR_EINVAL);
    assert_path_safe("acme", "echo", "", ACTR_EINVAL);
    assert_path_safe("acme", "echo", "1.0\n", ACTR_EINVAL);
    assert_path_safe("acme", "echo", "1.0\x7f", ACTR_EINVAL);
    assert_path_safe("acme", "echo", "1 0", ACTR_EINVAL);
    assert_path_safe("acme", "echo", "1:0", ACTR_EINVAL);
    assert_path_safe("acme", "echo", "\xe7\x89\x88", ACTR_EINVAL);
    assert_path_safe("..", "echo", "1", ACTR_EINVAL);
    assert_path_safe("acme", "..", "1", ACTR_EINVAL);
    assert_path_safe("a/b", "echo", "1", ACTR_EINVAL);
    assert_path_safe("acme", "e/../x", "1", ACTR_EINVAL);
    assert_path_safe("", "echo", "1", ACTR_EINVAL);
    /* SQLite sidecars of another version's store. */
    assert_path_safe("acme", "echo", "1.0.0-wal", ACTR_EINVAL);
    assert_path_safe("acme", "echo", "1.0.0-shm", ACTR_EINVAL);
    assert_path_safe("acme", "echo", "1.0.0-journal", ACTR_EINVAL);
    assert_path_safe("acme", "echo", "1.0.0-walrus", 0);

    /* Unterminated fields and NULL. */
    actr_type_t t = make_type("acme", "echo", "1");
    memset(t.version, '1', sizeof t.version);
    assert_int_equal(actr_type_path_safe(&t, NULL), ACTR_EINVAL);
    t = make_type("acme", "echo", "1");
    memset(t.manufacturer, 'a', sizeof t.manufacturer);
    assert_int_equal(actr_type_path_safe(&t, NULL), ACTR_EINVAL);
    assert_int_equal(actr_type_path_safe(NULL, NULL), ACTR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_set_validates_parts),
        cmocka_unit_test(test_type_parse),
        cmocka_unit_test(test_type_format),
        cmocka_unit_test(test_id_format),
        cmocka_unit_test(test_id_parse_accepts_like_from_str_radix),
        cmocka_unit_test(test_id_parse_rejects),
        cmocka_unit_test(test_id_round_trip),
        cmocka_unit_test(test_ordering_follows_field_order),
        cmocka_unit_test(test_path_safety),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
