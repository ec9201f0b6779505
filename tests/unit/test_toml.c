/* The TOML API: lookups, paths, order, positions, errors, limits (conformance: toml_suite). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "codec/toml.h"

/* Parses text that must be valid. */
static actr_toml_value_t *parse_ok(const char *text)
{
    actr_toml_value_t *root = NULL;
    actr_error_t err = {0};
    int rc = actr_toml_parse(text, strlen(text), &root, &err);
    if (rc != 0)
        fail_msg("unexpected parse error: %s", err.message);
    assert_non_null(root);
    return root;
}

/* Parses text that must be rejected and checks the start of the message ("line L, column C"). */
static void expect_error(const char *text, size_t len, const char *message_prefix)
{
    actr_toml_value_t *root = (actr_toml_value_t *)&root; /* must be reset to NULL */
    actr_error_t err = {0};
    int rc = actr_toml_parse(text, len, &root, &err);
    assert_int_equal(rc, ACTR_EPARSE);
    assert_null(root);
    assert_int_equal(err.code, ACTR_EPARSE);
    assert_int_equal(err.kind, ACTR_KIND_CLIENT);
    if (strncmp(err.message, message_prefix, strlen(message_prefix)) != 0)
        fail_msg("message \"%s\" does not start with \"%s\"", err.message, message_prefix);
}

static void expect_rejected(const char *text)
{
    expect_error(text, strlen(text), "line ");
}

static void test_empty_document(void **state)
{
    (void)state;
    const char *empties[] = {"", "   ", "\n\n", "# only a comment\r\n", "\xEF\xBB\xBF"};
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        actr_toml_value_t *root = parse_ok(empties[i]);
        assert_int_equal(actr_toml_type(root), ACTR_TOML_TABLE);
        assert_int_equal(actr_toml_table_size(root), 0);
        assert_null(actr_toml_get(root, "anything"));
        actr_toml_free(root);
    }
    actr_toml_value_t *root = NULL;
    assert_int_equal(actr_toml_parse(NULL, 0, &root, NULL), 0);
    assert_int_equal(actr_toml_table_size(root), 0);
    actr_toml_free(root);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    actr_toml_value_t *root;
    actr_error_t err = {0};
    assert_int_equal(actr_toml_parse(NULL, 3, &root, &err), ACTR_EINVAL);
    assert_null(root);
    assert_int_equal(actr_toml_parse("a = 1", 5, NULL, &err), ACTR_EINVAL);
    actr_toml_free(NULL);
    /* Freeing a node that is not the root is ignored rather than corrupting the tree. */
    root = parse_ok("a = [1]\n");
    actr_toml_free((actr_toml_value_t *)actr_toml_get(root, "a"));
    assert_int_equal(actr_toml_array_size(actr_toml_get(root, "a")), 1);
    actr_toml_free(root);
}

static void test_lookups_and_typed_getters(void **state)
{
    (void)state;
    actr_toml_value_t *root = parse_ok("name = \"demo\"\n"
                                       "[signaling]\n"
                                       "url = \"wss://example.org/ws\"\n"
                                       "port = 8443\n"
                                       "ratio = 0.25\n"
                                       "tls = true\n"
                                       "since = 2024-02-29T12:30:00.5-07:00\n");
    const char *str;
    size_t len;
    assert_int_equal(actr_toml_as_string(actr_toml_get(root, "name"), &str, &len), 0);
    assert_string_equal(str, "demo");
    assert_int_equal(len, 4);
    const actr_toml_value_t *signaling = actr_toml_get(root, "signaling");
    assert_int_equal(actr_toml_type(signaling), ACTR_TOML_TABLE);
    assert_ptr_equal(actr_toml_get_path(root, "signaling.url"), actr_toml_get(signaling, "url"));
    assert_int_equal(actr_toml_as_string(actr_toml_get_path(root, "signaling.url"), &str, NULL), 0);
    assert_string_equal(str, "wss://example.org/ws");

    int64_t port;
    double ratio;
    bool tls;
    actr_toml_datetime_t since;
    assert_int_equal(actr_toml_as_int(actr_toml_get(signaling, "port"), &port), 0);
    assert_int_equal(port, 8443);
    assert_int_equal(actr_toml_as_double(actr_toml_get(signaling, "ratio"), &ratio), 0);
    assert_true(ratio == 0.25);
    assert_int_equal(actr_toml_as_bool(actr_toml_get(signaling, "tls"), &tls), 0);
    assert_true(tls);
    const actr_toml_value_t *since_value = actr_toml_get(signaling, "since");
    assert_int_equal(actr_toml_type(since_value), ACTR_TOML_DATETIME);
    assert_int_equal(actr_toml_as_datetime(since_value, &since), 0);
    assert_int_equal(since.year, 2024);
    assert_int_equal(since.month, 2);
    assert_int_equal(since.day, 29);
    assert_int_equal(since.hour, 12);
    assert_int_equal(since.minute, 30);
    assert_int_equal(since.nanosecond, 500000000);
    assert_int_equal(since.offset_minutes, -420);

    /* Missing keys and wrong types are told apart, so a loader can say which went wrong. */
    assert_int_equal(actr_toml_as_string(actr_toml_get_path(root, "signaling.nope"), &str, &len),
                     ACTR_ENOTFOUND);
    assert_int_equal(actr_toml_as_string(actr_toml_get(signaling, "port"), &str, &len),
                     ACTR_EINVAL);
    assert_int_equal(actr_toml_as_double(actr_toml_get(signaling, "port"), &ratio), ACTR_EINVAL);
    assert_int_equal(actr_toml_as_int(signaling, &port), ACTR_EINVAL);
    assert_int_equal(actr_toml_as_datetime(actr_toml_get(root, "name"), &since), ACTR_EINVAL);
    assert_string_equal(actr_toml_type_name(actr_toml_type(actr_toml_get(signaling, "port"))),
                        "integer");
    assert_string_equal(actr_toml_type_name(actr_toml_type(NULL)), "none");
    assert_null(actr_toml_get(actr_toml_get(root, "name"), "x")); /* not a table */
    actr_toml_free(root);
}

static void test_dotted_paths(void **state)
{
    (void)state;
    actr_toml_value_t *root = parse_ok("servers.\"eu.west\".port = 1\n"
                                       "servers.plain.port = 2\n"
                                       "[deep.a.b]\nc = 3\n");
    int64_t port = 0;
    assert_int_equal(actr_toml_as_int(actr_toml_get_path(root, "servers.\"eu.west\".port"),
                                      &port), 0);
    assert_int_equal(port, 1);
    /* The path follows TOML key syntax: blanks around dots and literal quotes are fine. */
    assert_int_equal(actr_toml_as_int(actr_toml_get_path(root, "servers . 'plain' . port"),
                                      &port), 0);
    assert_int_equal(port, 2);
    assert_non_null(actr_toml_get_path(root, "deep.a.b.c"));
    assert_int_equal(actr_toml_type(actr_toml_get_path(root, "deep.a")), ACTR_TOML_TABLE);
    assert_null(actr_toml_get_path(root, "servers.eu.west.port"));
    assert_null(actr_toml_get_path(root, "deep.a.b.c.d")); /* c is an integer */
    const char *bad_paths[] = {"", "deep..a", "deep.", ".deep", "deep a", "\"deep"};
    for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++)
        assert_null(actr_toml_get_path(root, bad_paths[i]));
    assert_null(actr_toml_get_path(NULL, "deep"));
    assert_null(actr_toml_get_path(root, NULL));
    actr_toml_free(root);
}

static void test_insertion_order_kept(void **state)
{
    (void)state;
    /* 40 keys: enough for the hash index, whose order must not leak into iteration. */
    char text[2048] = "";
    size_t used = 0;
    for (int i = 0; i < 40; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "k%d = %d\n", (i * 17) % 40, i);
    actr_toml_value_t *root = parse_ok(text);
    assert_int_equal(actr_toml_table_size(root), 40);
    for (int i = 0; i < 40; i++) {
        const char *key;
        size_t key_len;
        int64_t value;
        char expected_key[16];
        snprintf(expected_key, sizeof expected_key, "k%d", (i * 17) % 40);
        const actr_toml_value_t *item = actr_toml_table_at(root, (size_t)i, &key, &key_len);
        assert_string_equal(key, expected_key);
        assert_int_equal(key_len, strlen(expected_key));
        assert_int_equal(actr_toml_as_int(item, &value), 0);
        assert_int_equal(value, i);
        assert_ptr_equal(actr_toml_get(root, expected_key), item);
    }
    assert_null(actr_toml_table_at(root, 40, NULL, NULL));
    assert_null(actr_toml_get(root, "k40"));

    actr_toml_value_t *mixed = parse_ok("zeta = 1\n[alpha]\n[mid]\nx = 1\n[[list]]\n");
    const char *first, *second, *third, *fourth;
    actr_toml_table_at(mixed, 0, &first, NULL);
    actr_toml_table_at(mixed, 1, &second, NULL);
    actr_toml_table_at(mixed, 2, &third, NULL);
    actr_toml_table_at(mixed, 3, &fourth, NULL);
    assert_string_equal(first, "zeta");
    assert_string_equal(second, "alpha");
    assert_string_equal(third, "mid");
    assert_string_equal(fourth, "list");
    actr_toml_free(mixed);
    actr_toml_free(root);
}

static void test_values_know_their_position(void **state)
{
    (void)state;
    actr_toml_value_t *root = parse_ok("title = \"x\"\n"
                                       "[a.b]\n"
                                       "  \"é\" = 'é'   # the key is one column wide\n"
                                       "[a]\n"
                                       "list = [\n  1,\n  2 ]\n"
                                       "[[srv]]\n[[srv]]\nport = 9\n");
    const actr_toml_value_t *title = actr_toml_get(root, "title");
    assert_int_equal(actr_toml_line(title), 1);
    assert_int_equal(actr_toml_column(title), 9);
    const actr_toml_value_t *accent = actr_toml_get_path(root, "a.b.\"é\"");
    assert_int_equal(actr_toml_line(accent), 3);
    assert_int_equal(actr_toml_column(accent), 9); /* columns count characters, not bytes */
    /* [a] was implied on line 2 and defined on line 4: the definition is what a user wrote. */
    assert_int_equal(actr_toml_line(actr_toml_get(root, "a")), 4);
    assert_int_equal(actr_toml_line(actr_toml_get_path(root, "a.b")), 2);
    const actr_toml_value_t *list = actr_toml_get_path(root, "a.list");
    assert_int_equal(actr_toml_line(list), 5);
    assert_int_equal(actr_toml_line(actr_toml_array_at(list, 1)), 7);
    assert_int_equal(actr_toml_column(actr_toml_array_at(list, 1)), 3);
    const actr_toml_value_t *servers = actr_toml_get(root, "srv");
    assert_int_equal(actr_toml_array_size(servers), 2);
    assert_int_equal(actr_toml_line(actr_toml_array_at(servers, 1)), 9);
    assert_int_equal(actr_toml_line(actr_toml_get(actr_toml_array_at(servers, 1), "port")), 10);
    assert_int_equal(actr_toml_line(NULL), 0);
    actr_toml_free(root);
}

static void test_errors_say_where(void **state)
{
    (void)state;
    expect_rejected("a = 1\na = 2\n");
    expect_error("a = 1\na = 2\n", 12, "line 2, column 1: key `a` is already defined");
    expect_error("[t]\nx.y = 1\n[t.x]\n", 18, "line 3, column 4: key `t.x` was defined by");
    expect_error("ok = 1\nbad = \"abc\n", 18, "line 2, column 7: string is not closed");
    expect_error("s = \"\\q\"", 8, "line 1, column 6: invalid escape");
    expect_error("k = 'ok'\n# caf\xC3\n", 16, "line 2, column 6: invalid UTF-8");
    expect_error("a = 1\r\nb = 2\rc = 3", 18, "line 2, column 6: control character");
    expect_error("x = [1 2]", 9, "line 1, column 8: expected ',' or ']'");
    expect_error("n = 1__000", 10, "line 1, column 5: invalid value '1__000'");
    expect_error("d = 2023-02-29", 14, "line 1, column 5: date 2023-02-29 does not exist");
    expect_error("t = {a = 1,}", 12, "line 1, column 12: expected a key");
    expect_rejected("a = [1]\n[[a]]\n");
    expect_rejected("[a]\n[a]\n");
    expect_rejected("x = {a = 1}\n[x.b]\n");
    expect_rejected("= 1\n");
}

static void test_table_definition_rules(void **state)
{
    (void)state;
    /* A table that a header only implied may be defined once, by a header or by dotted keys. */
    actr_toml_value_t *root = parse_ok("[a.b.c]\nz = 9\n[a]\nb.d = 1\n");
    assert_non_null(actr_toml_get_path(root, "a.b.c.z"));
    assert_non_null(actr_toml_get_path(root, "a.b.d"));
    actr_toml_free(root);
    expect_rejected("[a.b.c]\n[a]\nb.d = 1\n[a.b]\n");
    root = parse_ok("[x.y]\n[x]\n");
    assert_int_equal(actr_toml_line(actr_toml_get(root, "x")), 2);
    actr_toml_free(root);
    expect_rejected("[x]\n[x.y]\n[x]\n");
    /* Headers may add sub-tables below a dotted table but not redefine it. */
    root = parse_ok("[a]\nb.c = 1\n[a.b.d]\ne = 2\n");
    assert_non_null(actr_toml_get_path(root, "a.b.d.e"));
    actr_toml_free(root);
    expect_rejected("[a]\nb.c = 1\n[a.b]\n");
    /* A header below an array of tables goes into its latest element. */
    root = parse_ok("[[srv]]\n[srv.tls]\non = 1\n[[srv]]\n[srv.tls]\non = 2\n");
    int64_t on;
    assert_int_equal(actr_toml_array_size(actr_toml_get(root, "srv")), 2);
    assert_int_equal(
        actr_toml_as_int(actr_toml_get_path(actr_toml_array_at(actr_toml_get(root, "srv"), 1),
                                            "tls.on"),
                         &on),
        0);
    assert_int_equal(on, 2);
    actr_toml_free(root);
    expect_rejected("[[srv]]\n[srv]\n");
    expect_rejected("a = {b = 1}\na.c = 2\n");
}

static void test_text_need_not_be_terminated(void **state)
{
    (void)state;
    const char buffer[] = "port = 80xyz"; /* only "port = 80" is handed over */
    actr_toml_value_t *root = NULL;
    assert_int_equal(actr_toml_parse(buffer, 9, &root, NULL), 0);
    int64_t port;
    assert_int_equal(actr_toml_as_int(actr_toml_get(root, "port"), &port), 0);
    assert_int_equal(port, 80);
    actr_toml_free(root);
    expect_error("s = \"abc\"", 8, "line 1, column 5: string is not closed");
}

static void test_depth_is_capped(void **state)
{
    (void)state;
    /* a = [[...]] with n brackets nests n levels below the root. */
    char text[100100];
    for (int n = ACTR_TOML_MAX_DEPTH; n <= ACTR_TOML_MAX_DEPTH + 1; n++) {
        int len = snprintf(text, sizeof text, "a = ");
        memset(text + len, '[', (size_t)n);
        memset(text + len + n, ']', (size_t)n);
        actr_toml_value_t *root = NULL;
        actr_error_t err = {0};
        int rc = actr_toml_parse(text, (size_t)(len + 2 * n), &root, &err);
        if (n == ACTR_TOML_MAX_DEPTH) {
            assert_int_equal(rc, 0);
            actr_toml_free(root);
        } else {
            assert_int_equal(rc, ACTR_EPARSE);
            assert_non_null(strstr(err.message, "deeper than 128"));
        }
    }
    /* Far too deep input fails cleanly instead of overflowing the stack. */
    memcpy(text, "a = ", 4);
    memset(text + 4, '[', 100000);
    expect_error(text, 100004, "line 1, column 133: nesting is deeper");
    memset(text + 4, '{', 100000);
    for (size_t i = 5; i < 100004; i += 5)
        memcpy(text + i, "a = ", 4);
    expect_error(text, 100004, "line 1, column ");
    /* Dotted keys and headers count too. */
    size_t len = 0;
    for (int i = 0; i < 200; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%sk", i ? "." : "");
    snprintf(text + len, sizeof text - len, " = 1");
    expect_rejected(text);
    memmove(text + 1, text, len);
    text[0] = '[';
    snprintf(text + len + 1, sizeof text - len - 1, "]");
    expect_rejected(text);
}

static void test_strings_may_hold_nul(void **state)
{
    (void)state;
    actr_toml_value_t *root = parse_ok("s = \"a\\u0000b\"\n\"k\\u0000x\" = 1\nm = '''\r\nx\r\ny'''\n");
    const char *str;
    size_t len;
    assert_int_equal(actr_toml_as_string(actr_toml_get(root, "s"), &str, &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(str, "a\0b", 4); /* also NUL-terminated */
    assert_non_null(actr_toml_get_len(root, "k\0x", 3));
    assert_null(actr_toml_get(root, "k"));
    /* CRLF inside multi-line strings reads as LF; the first newline is dropped. */
    assert_int_equal(actr_toml_as_string(actr_toml_get(root, "m"), &str, &len), 0);
    assert_string_equal(str, "x\ny");
    actr_toml_free(root);
}

static void test_integers_are_64_bit(void **state)
{
    (void)state;
    actr_toml_value_t *root = parse_ok("max = 9_223_372_036_854_775_807\n"
                                       "min = -9223372036854775808\n"
                                       "hex = 0x7FFF_FFFF_FFFF_FFFF\n"
                                       "bin = 0b1010\noct = 0o777\n");
    int64_t value;
    assert_int_equal(actr_toml_as_int(actr_toml_get(root, "max"), &value), 0);
    assert_true(value == INT64_MAX);
    assert_int_equal(actr_toml_as_int(actr_toml_get(root, "min"), &value), 0);
    assert_true(value == INT64_MIN);
    assert_int_equal(actr_toml_as_int(actr_toml_get(root, "hex"), &value), 0);
    assert_true(value == INT64_MAX);
    assert_int_equal(actr_toml_as_int(actr_toml_get(root, "bin"), &value), 0);
    assert_int_equal(value, 10);
    assert_int_equal(actr_toml_as_int(actr_toml_get(root, "oct"), &value), 0);
    assert_int_equal(value, 511);
    actr_toml_free(root);
    expect_error("n = 9223372036854775808", 23, "line 1, column 5: invalid value");
    expect_rejected("n = -9223372036854775809");
    expect_rejected("n = 0x8000000000000000");
    expect_rejected("n = 99999999999999999999999999999");
    expect_rejected("f = 1e400"); /* a float that is not a binary64 either */
}

static void test_local_date_and_time(void **state)
{
    (void)state;
    actr_toml_value_t *root = parse_ok("d = 1979-05-27\nt = 07:32:00.999999999123\n"
                                       "l = 1979-05-27 07:32:00\n");
    actr_toml_datetime_t dt;
    assert_int_equal(actr_toml_type(actr_toml_get(root, "d")), ACTR_TOML_DATE_LOCAL);
    assert_int_equal(actr_toml_as_datetime(actr_toml_get(root, "d"), &dt), 0);
    assert_int_equal(dt.day, 27);
    assert_int_equal(dt.hour, 0);
    assert_int_equal(actr_toml_type(actr_toml_get(root, "t")), ACTR_TOML_TIME_LOCAL);
    assert_int_equal(actr_toml_as_datetime(actr_toml_get(root, "t"), &dt), 0);
    assert_int_equal(dt.year, 0);
    assert_int_equal(dt.minute, 32);
    assert_int_equal(dt.nanosecond, 999999999); /* extra digits truncated */
    assert_int_equal(actr_toml_type(actr_toml_get(root, "l")), ACTR_TOML_DATETIME_LOCAL);
    actr_toml_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_document),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_lookups_and_typed_getters),
        cmocka_unit_test(test_dotted_paths),
        cmocka_unit_test(test_insertion_order_kept),
        cmocka_unit_test(test_values_know_their_position),
        cmocka_unit_test(test_errors_say_where),
        cmocka_unit_test(test_table_definition_rules),
        cmocka_unit_test(test_text_need_not_be_terminated),
        cmocka_unit_test(test_depth_is_capped),
        cmocka_unit_test(test_strings_may_hold_nul),
        cmocka_unit_test(test_integers_are_64_bit),
        cmocka_unit_test(test_local_date_and_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
