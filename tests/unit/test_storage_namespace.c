/* The storage path template and per-type store isolation (platform.md 4.4, 4.6). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "actr/storage.h"
#include "tmpdir.h"

static actr_type_t make_type(const char *manufacturer, const char *name, const char *version)
{
    /* Filled by hand so tests can also build types that actr_type_set() would refuse. */
    actr_type_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.manufacturer, sizeof t.manufacturer, "%s", manufacturer);
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.version, sizeof t.version, "%s", version);
    return t;
}

static actr_type_t sensor(void)
{
    return make_type("acme", "Sensor", "1.0.0");
}

/* Resolves and compares; want NULL expects failure with a message containing fail_text. */
static void check(const char *tmpl, const actr_storage_vars_t *vars, const char *want,
                  const char *fail_text)
{
    char *path = (char *)1;
    actr_error_t err;
    int rc = actr_storage_resolve_path(tmpl, vars, &path, &err);
    if (want) {
        if (rc != 0)
            fail_msg("%s: %s", tmpl ? tmpl : "(default)", err.message);
        assert_string_equal(path, want);
        free(path);
        return;
    }
    if (rc == 0)
        fail_msg("%s resolved to %s", tmpl, path);
    assert_null(path);
    if (fail_text && !strstr(err.message, fail_text))
        fail_msg("%s: message '%s' lacks '%s'", tmpl, err.message, fail_text);
}

static void test_default_template(void **state)
{
    (void)state;
    actr_type_t t = sensor();
    actr_storage_vars_t v = {.data_dir = "/var/lib/actr", .type = &t};
    check(NULL, &v, "/var/lib/actr/acme/Sensor/1.0.0", NULL);
    check("{data_dir}/{actr_type}", &v, "/var/lib/actr/acme/Sensor/1.0.0", NULL);
    check("/plain/path.db", &v, "/plain/path.db", NULL);
}

static void test_every_variable(void **state)
{
    (void)state;
    actr_type_t t = sensor();
    actr_storage_vars_t v = {.data_dir = "/d",
                             .instance_id = "0e5d3a5c-7a43-4f0e-9b7e-0c8e9f3a1b2c",
                             .hostname = "node-7",
                             .type = &t,
                             .has_realm = true,
                             .realm_id = 4294967295u};
    check("{data_dir}/{manufacturer}.{actr_name}@{version}/{instance_id}/{hostname}/{realm_id}",
          &v, "/d/acme.Sensor@1.0.0/0e5d3a5c-7a43-4f0e-9b7e-0c8e9f3a1b2c/node-7/4294967295",
          NULL);
    /* Every occurrence is replaced; text around variables stays. */
    check("{data_dir}/{version}/{version}.db", &v, "/d/1.0.0/1.0.0.db", NULL);
}

static void test_unavailable_and_unknown_variables(void **state)
{
    (void)state;
    actr_type_t t = sensor();
    actr_storage_vars_t v = {.data_dir = "/var/lib/actr", .type = &t};
    /* The reference never provides realm_id. */
    check("{data_dir}/{realm_id}", &v, NULL,
          "namespace template variable `realm_id` not available");
    check("{data_dir}/{instance_id}", &v, NULL, "`instance_id`");
    check("{data_dir}/{bogus}", &v, NULL, "`bogus`");
    check("{data_dir}/{}", &v, NULL, "``");
    check("{data_dir}/{Data_Dir}", &v, NULL, "`Data_Dir`");
    check("{data_dir}/{a{b}", &v, NULL, "`a{b`");
    actr_storage_vars_t no_type = {.data_dir = "/var/lib/actr"};
    check("{data_dir}/{actr_type}", &no_type, NULL, "`actr_type`");
    check("{data_dir}/{version}", &no_type, NULL, "`version`");
    /* A '{' without a later '}' is literal. */
    check("{data_dir}/a{b", &v, "/var/lib/actr/a{b", NULL);
    check("{data_dir}/a}b", &v, "/var/lib/actr/a}b", NULL);
}

static void test_env_variables(void **state)
{
    (void)state;
    actr_storage_vars_t v = {.data_dir = "/var/lib/actr"};
    setenv("ACTR_NS_X", "value", 1);
    check("{env.ACTR_NS_X}/data", &v, "value/data", NULL);
    unsetenv("ACTR_NS_MISSING");
    check("{env.ACTR_NS_MISSING}/data", &v, NULL, "`env.ACTR_NS_MISSING`");
    check("{env.}/data", &v, NULL, "`env.`");
    /* Values are inserted once, never expanded again. */
    setenv("ACTR_NS_T", "{data_dir}", 1);
    check("/x/{env.ACTR_NS_T}", &v, "/x/{data_dir}", NULL);
    /* Environment values may be paths (systemd's STATE_DIRECTORY). */
    setenv("ACTR_NS_DIR", "/srv/state", 1);
    check("{env.ACTR_NS_DIR}/store", &v, "/srv/state/store", NULL);
    setenv("ACTR_NS_BAD", "caf\xC3", 1);
    check("/x/{env.ACTR_NS_BAD}", &v, NULL, "`env.ACTR_NS_BAD`");
}

static void test_dotdot_from_values_refused(void **state)
{
    (void)state;
    actr_storage_vars_t v = {.data_dir = "/var/lib/actr"};
    setenv("ACTR_NS_UP", "..", 1);
    check("{env.ACTR_NS_UP}/x", &v, NULL, "'..' segment");
    check("/srv/{env.ACTR_NS_UP}/x", &v, NULL, "'..' segment");
    setenv("ACTR_NS_UP2", "a/../..", 1);
    check("/srv/{env.ACTR_NS_UP2}/x", &v, NULL, "'..' segment");
    setenv("ACTR_NS_DOT", ".", 1);
    check("/srv/{env.ACTR_NS_DOT}{env.ACTR_NS_DOT}/x", &v, NULL, "'..' segment");
    check("/srv/.{env.ACTR_NS_DOT}/x", &v, NULL, "'..' segment");
    check("/srv/{env.ACTR_NS_DOT}/x", &v, "/srv/./x", NULL);
    setenv("ACTR_NS_DOTS", "...", 1);
    check("/srv/{env.ACTR_NS_DOTS}/x", &v, "/srv/.../x", NULL);
    /* The operator's own template text may say "..". */
    check("/srv/../x", &v, "/srv/../x", NULL);

    v.hostname = "..";
    check("/srv/{hostname}/x", &v, NULL, "'..' segment");
    v.hostname = "a/b";
    check("/srv/{hostname}/x", &v, NULL, "path component");
    v.hostname = NULL;
    setenv("HOSTNAME", "box1", 1);
    check("/srv/{hostname}", &v, "/srv/box1", NULL);
    v.instance_id = "../../etc";
    check("/srv/{instance_id}/x", &v, NULL, "'..' segment");
}

static void test_data_dir_containment(void **state)
{
    (void)state;
    actr_type_t t = sensor();
    actr_storage_vars_t v = {.data_dir = "/var/lib/actr", .type = &t};
    check("{data_dir}/../elsewhere", &v, NULL, "not inside data_dir");
    check("{data_dir}/a/../../elsewhere", &v, NULL, "not inside data_dir");
    check("{data_dir}-{actr_type}", &v, NULL, "not inside data_dir"); /* a sibling */
    check("{data_dir}", &v, NULL, "not inside data_dir");
    check("{data_dir}/", &v, NULL, "not inside data_dir");
    check("{data_dir}/./a/..", &v, NULL, "not inside data_dir");
    check("{data_dir}/a/../b", &v, "/var/lib/actr/a/../b", NULL);
    check("{data_dir}//{actr_type}", &v, "/var/lib/actr//acme/Sensor/1.0.0", NULL);
    actr_storage_vars_t slash = {.data_dir = "/var/lib/actr/", .type = &t};
    check("{data_dir}{actr_type}", &slash, "/var/lib/actr/acme/Sensor/1.0.0", NULL);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    actr_type_t t = sensor();
    actr_storage_vars_t v = {.data_dir = "/var/lib/actr\xFF", .type = &t};
    check(NULL, &v, NULL, "data_dir path contains non-UTF-8 characters");
    v.data_dir = "";
    check(NULL, &v, NULL, "data_dir");
    check(NULL, NULL, NULL, "data_dir");
    v.data_dir = "/d";
    check("", &v, NULL, "empty path");
    char *path;
    assert_int_equal(actr_storage_resolve_path(NULL, &v, NULL, NULL), ACTR_EINVAL);

    /* Longer than PATH_MAX. */
    char *big = malloc(PATH_MAX + 16);
    assert_non_null(big);
    memset(big, 'a', PATH_MAX + 15);
    big[0] = '/';
    big[PATH_MAX + 15] = '\0';
    assert_int_equal(actr_storage_resolve_path(big, &v, &path, NULL), ACTR_ETOOBIG);
    free(big);
}

static void test_unsafe_identity_refused(void **state)
{
    (void)state;
    const actr_type_t bad[] = {
        make_type("acme", "Sensor", ".."),
        make_type("acme", "Sensor", "../../../etc/cron.d/x"),
        make_type("acme", "Sensor", "1.0.0/../../x"),
        make_type("..", "Sensor", "1.0.0"),
        make_type("acme", "..", "1.0.0"),
        make_type("ac/me", "Sensor", "1.0.0"),
        make_type("acme", "Sensor", "1.0.0-wal"),
        make_type("acme", "Sensor", ""),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        actr_storage_vars_t v = {.data_dir = "/var/lib/actr", .type = &bad[i]};
        /* Even a template that does not use the identity refuses an unsafe one. */
        check("{data_dir}/{actr_type}", &v, NULL, "actor type cannot name a store");
        check("{data_dir}/fixed", &v, NULL, "actor type cannot name a store");
    }
}

static void test_unsafe_identity_creates_nothing(void **state)
{
    (void)state;
    char tmp[TEST_TMPDIR_SIZE], data[128];
    test_tmpdir_make(tmp);
    test_path_join(data, sizeof data, tmp, "data");
    actr_type_t t = make_type("acme", "Sensor", "..");
    actr_kv_store_t *kv = (actr_kv_store_t *)1;
    actr_error_t err;
    assert_int_equal(actr_storage_open_for_type(data, NULL, &t, NULL, &kv, &err), ACTR_EINVAL);
    assert_null(kv);
    t = make_type("..", "Sensor", "1.0.0");
    assert_int_equal(actr_storage_open_for_type(data, NULL, &t, NULL, &kv, &err), ACTR_EINVAL);
    struct stat st;
    assert_int_equal(stat(data, &st), -1); /* not even data_dir was created */
    assert_int_equal(errno, ENOENT);
    test_tmpdir_remove(tmp);
}

static void test_isolation_between_types(void **state)
{
    (void)state;
    char tmp[TEST_TMPDIR_SIZE], path[256];
    test_tmpdir_make(tmp);
    actr_type_t a = sensor();
    actr_type_t b = make_type("acme", "Sensor", "1.0.1");
    actr_kv_store_t *ka, *kb;
    actr_error_t err;
    assert_int_equal(actr_storage_open_for_type(tmp, NULL, &a, NULL, &ka, &err), 0);
    assert_int_equal(actr_storage_open_for_type(tmp, NULL, &b, NULL, &kb, &err), 0);
    test_path_join(path, sizeof path, tmp, "acme/Sensor/1.0.0");
    assert_string_equal(actr_kv_store_path(ka), path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    test_path_join(path, sizeof path, tmp, "acme/Sensor/1.0.1");
    assert_string_equal(actr_kv_store_path(kb), path);

    assert_int_equal(actr_kv_store_put(ka, "secret", "a", 1, &err), 0);
    actr_buf_t got;
    assert_int_equal(actr_kv_store_get(kb, "secret", &got, &err), ACTR_ENOTFOUND);
    actr_kv_keys_t keys;
    assert_int_equal(actr_kv_store_list_keys(kb, NULL, &keys, &err), 0);
    assert_int_equal(keys.count, 0);
    actr_kv_store_close(ka);
    actr_kv_store_close(kb);

    /* {instance_id} separates two instances of one type. */
    assert_int_equal(actr_storage_open_for_type(tmp, "{data_dir}/{instance_id}/{actr_type}", &a,
                                                "inst-1", &ka, &err),
                     0);
    test_path_join(path, sizeof path, tmp, "inst-1/acme/Sensor/1.0.0");
    assert_string_equal(actr_kv_store_path(ka), path);
    assert_int_equal(actr_kv_store_get(ka, "secret", &got, &err), ACTR_ENOTFOUND);
    actr_kv_store_close(ka);
    assert_int_equal(actr_storage_open_for_type(tmp, NULL, NULL, NULL, &ka, &err), ACTR_EINVAL);
    test_tmpdir_remove(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_template),
        cmocka_unit_test(test_every_variable),
        cmocka_unit_test(test_unavailable_and_unknown_variables),
        cmocka_unit_test(test_env_variables),
        cmocka_unit_test(test_dotdot_from_values_refused),
        cmocka_unit_test(test_data_dir_containment),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_unsafe_identity_refused),
        cmocka_unit_test(test_unsafe_identity_creates_nothing),
        cmocka_unit_test(test_isolation_between_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
