/* Project manifest.toml (platform.md 7.4) and manifest.lock.toml (7.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "actr/config.h"
#include "tmpdir.h"

static char g_dir[TEST_TMPDIR_SIZE];

static int setup(void **state)
{
    (void)state;
    test_tmpdir_make(g_dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_tmpdir_remove(g_dir);
    return 0;
}

/* Writes dir/name (creating one level of subdirectory if name has one) and returns the path. */
static const char *put(const char *name, const char *text)
{
    static char path[512];
    char sub[512];
    const char *slash = strchr(name, '/');
    if (slash) {
        snprintf(sub, sizeof sub, "%s/%.*s", g_dir, (int)(slash - name), name);
        mkdir(sub, 0700);
    }
    test_path_join(path, sizeof path, g_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static int load(const char *name, actr_project_manifest_t *m, actr_error_t *err)
{
    char path[512];
    test_path_join(path, sizeof path, g_dir, name);
    actr_error_clear(err);
    return actr_project_manifest_load(path, m, err);
}

static void expect_fail(const char *text, int code, const char *want)
{
    actr_project_manifest_t m;
    actr_error_t err;
    int rc = actr_project_manifest_parse(text, strlen(text), "manifest.toml", g_dir, &m, &err);
    if (rc != code || !strstr(err.message, want))
        print_error("rc=%d (want %d): %s\nwanted: %s\n", rc, code, err.message, want);
    assert_int_equal(rc, code);
    assert_non_null(strstr(err.message, want));
    actr_project_manifest_free(&m);
}

static void test_manifest_full(void **state)
{
    (void)state;
    put("proto/echo.proto", "syntax = \"proto3\";\n");
    put("manifest.toml",
        "edition = 1\n"
        "exports = [\"proto/ignored.proto\"]\n"
        "config_dir = \"cfg\"\n"
        "[package]\n"
        "name = \"echo-service\"\n"
        "manufacturer = \"acme\"\n"
        "version = \"1.2.3\"\n"
        "description = \"Echo\"\n"
        "authors = [\"A <a@x>\"]\n"
        "license = \"MIT\"\n"
        "tags = [\"latest\", \"stable\"]\n"
        "signature_algorithm = \"ed25519\"\n"
        "exports = [\"proto/echo.proto\"]\n"
        "[dependencies]\n"
        "user-service = {}\n"
        "logging = { actr_type = \"acme:logging-service:1.0.0\", service = \"LoggingService:abc123\", realm = 9999 }\n"
        "plain = { actr_type = \"acme:plain:2.0.0\" }\n"
        "[[acl.rules]]\n"
        "permission = \"allow\"\n"
        "type = \"acme:EchoClient:1.0.0\"\n"
        "[scripts]\n"
        "run = \"cargo run\"\n"
        "[binary]\n"
        "path = \"target/echo.wasm\"\n"
        "target = \"wasm32-wasip2\"\n"
        "[build]\n"
        "features = [\"x\"]\n"
        "no_default_features = true\n"
        "post_build = [\"wasm-opt\"]\n");
    actr_project_manifest_t m;
    actr_error_t err;
    int rc = load("manifest.toml", &m, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    char want[600];
    assert_string_equal(m.name, "echo-service");
    assert_string_equal(m.actr_type.manufacturer, "acme");
    assert_string_equal(m.actr_type.name, "echo-service");
    assert_string_equal(m.actr_type.version, "1.2.3");
    assert_string_equal(m.description, "Echo");
    assert_int_equal(m.authors.count, 1);
    assert_string_equal(m.license, "MIT");
    assert_int_equal(m.tags.count, 2);
    assert_string_equal(m.signature_algorithm, "ed25519");
    assert_string_equal(m.manifest_dir, g_dir);
    snprintf(want, sizeof want, "%s/cfg", g_dir);
    assert_string_equal(m.config_dir, want);
    /* [package].exports wins over the top-level list (whose file does not even exist). */
    assert_int_equal(m.exports.count, 1);
    snprintf(want, sizeof want, "%s/proto/echo.proto", g_dir);
    assert_string_equal(m.exports.items[0], want);
    /* dependencies: {} -> placeholder realm 0; explicit realm; actr_type without realm -> 1 */
    assert_int_equal(m.dependency_count, 3);
    const actr_manifest_dependency_t *d = actr_project_manifest_dependency(&m, "user-service");
    assert_non_null(d);
    assert_false(d->has_type);
    assert_int_equal(d->realm_id, 0);
    d = actr_project_manifest_dependency(&m, "logging");
    assert_true(d->has_type);
    assert_string_equal(d->actr_type.name, "logging-service");
    assert_string_equal(d->service_name, "LoggingService");
    assert_string_equal(d->service_fingerprint, "abc123");
    assert_int_equal(d->realm_id, 9999);
    d = actr_project_manifest_dependency(&m, "plain");
    assert_int_equal(d->realm_id, 1);
    assert_null(d->service_name);
    assert_null(actr_project_manifest_dependency(&m, "nope"));
    /* ACL "self" (omitted) is placeholder realm 0 in a project manifest. */
    assert_true(m.has_acl);
    assert_int_equal(m.acl.rules[0].realm, ACTR_ACL_REALM_ID);
    assert_int_equal(m.acl.rules[0].realm_id, 0);
    assert_string_equal(actr_config_strmap_get(&m.scripts, "run"), "cargo run");
    assert_true(m.has_binary);
    snprintf(want, sizeof want, "%s/target/echo.wasm", g_dir);
    assert_string_equal(m.binary.path, want);
    assert_string_equal(m.binary.target, "wasm32-wasip2");
    assert_true(m.has_build);
    assert_string_equal(m.build.tool, "cargo");
    assert_string_equal(m.build.manifest_path, "Cargo.toml");
    assert_string_equal(m.build.artifact, "lib");
    assert_string_equal(m.build.profile, "release");
    assert_true(m.build.no_default_features);
    assert_string_equal(m.build.features.items[0], "x");
    assert_string_equal(m.build.post_build.items[0], "wasm-opt");
    assert_int_equal(m.warnings.count, 0);
    actr_project_manifest_free(&m);
}

static void test_manifest_errors(void **state)
{
    (void)state;
    expect_fail("edition = 1\n", ACTR_EINVAL, "manifest.toml: package: missing required table");
    expect_fail("[package]\nname = \"x\"\n", ACTR_EINVAL,
                "manifest.toml:1: package.manufacturer: missing required key");
    expect_fail("[package]\nname = \"x\"\nmanufacturer = \"1acme\"\n", ACTR_EINVAL,
                "manifest.toml:3: package.manufacturer: Invalid manufacturer name '1acme'");
    expect_fail("[package]\nname = \"test-\"\nmanufacturer = \"acme\"\n", ACTR_EINVAL,
                "manifest.toml:2: package.name: Invalid actor type name 'test-'");
    expect_fail("edition = 3\n[package]\nname = \"x\"\nmanufacturer = \"acme\"\n",
                ACTR_EUNSUPPORTED, "Unsupported config edition: 3");
    expect_fail("[package]\nname = \"x\"\nmanufacturer = \"acme\"\n[build]\ntool = \"cargo\"\n",
                ACTR_EINVAL, "manifest.toml:4: build: [build] requires a [binary] section");
    expect_fail("[package]\nname = \"x\"\nmanufacturer = \"acme\"\n[binary]\npath = \"b\"\n"
                "[build]\ntool = \"make\"\n",
                ACTR_EINVAL, "manifest.toml:7: build.tool: \"make\" is not one of \"cargo\"");
    expect_fail("[package]\nname = \"x\"\nmanufacturer = \"acme\"\n[binary]\npath = \"b\"\n"
                "[build]\nprofile = \"debug\"\n",
                ACTR_EINVAL, "build.profile: \"debug\" is not one of \"release\", \"dev\"");
    expect_fail("[package]\nname = \"x\"\nmanufacturer = \"acme\"\n[binary]\ntarget = \"t\"\n",
                ACTR_EINVAL, "manifest.toml:4: binary.path: missing required key");
    expect_fail("exports = [\"missing.proto\"]\n[package]\nname = \"x\"\nmanufacturer = \"acme\"\n",
                ACTR_ENOTFOUND, "Proto file not found");
    expect_fail("[package]\nname = \"x\"\nmanufacturer = \"acme\"\n[dependencies]\n"
                "a = { actr_type = \"acme:b\" }\n",
                ACTR_EPARSE, "manifest.toml:5: dependencies.a.actr_type: Invalid actor type");
    expect_fail("[package]\nname = \"x\"\nmanufacturer = \"acme\"\n[dependencies]\n"
                "a = { actr_type = \"acme:b:1\", service = \"NoFingerprint\" }\n",
                ACTR_EINVAL, "dependencies.a.service: Invalid service reference 'NoFingerprint'");
    expect_fail("[package]\nname = \"x\"\nmanufacturer = \"acme\"\n[dependencies]\n"
                "a = { actr_type = \"acme:b:1\", realm = 4294967296 }\n",
                ACTR_ERANGE, "dependencies.a.realm: 4294967296 is out of range");
    expect_fail("[package]\nname = \"x\"\nmanufacturer = \"acme\"\n[dependencies]\n"
                "a = { realm = 5 }\n",
                ACTR_EINVAL, "manifest.toml:5: dependencies.a: `actr_type` is required");
    expect_fail("[package]\nname = \"x\"\nmanufacturer = \"acme\"\n[dependencies]\na = 1\n",
                ACTR_EINVAL, "dependencies.a: expected a table");
    expect_fail("[package]\nname = \"x\"\nmanufacturer = \"acme\"\n[[acl.rules]]\n"
                "permission = \"nope\"\ntype = \"a:b:1\"\n",
                ACTR_EINVAL, "manifest.toml:5: acl.rules[0].permission: ACL rule 0: invalid");
    /* Unknown keys are warnings with their line. */
    actr_project_manifest_t m;
    actr_error_t err;
    const char *text = "[package]\nname = \"x\"\nmanufacturer = \"acme\"\nhomepage = \"h\"\n"
                       "[dependencies]\nd = { actr_type = \"a:b:1\", alias = \"q\" }\n";
    assert_int_equal(actr_project_manifest_parse(text, strlen(text), NULL, NULL, &m, &err), 0);
    assert_int_equal(m.warnings.count, 2);
    assert_string_equal(m.warnings.items[0],
                        "manifest.toml:4: package.homepage: unknown key, ignored");
    assert_string_equal(m.warnings.items[1],
                        "manifest.toml:6: dependencies.d.alias: unknown key, ignored");
    assert_string_equal(m.version, "");
    assert_string_equal(m.actr_type.version, "");
    actr_project_manifest_free(&m);
}

static void test_manifest_inheritance(void **state)
{
    (void)state;
    put("base/common.proto", "syntax = \"proto3\";\n");
    put("base/child.proto", "syntax = \"proto3\";\n");
    put("grand.toml",
        "edition = 1\n"
        "[scripts]\nlint = \"grand-lint\"\n"
        "[binary]\npath = \"grand.wasm\"\n");
    put("base/parent.toml",
        "inherit = \"../grand.toml\"\n"
        "exports = [\"common.proto\"]\n"
        "[dependencies]\n"
        "shared = { actr_type = \"acme:shared:1.0.0\" }\n"
        "over = { actr_type = \"acme:old:1.0.0\" }\n"
        "[scripts]\nrun = \"parent-run\"\ntest = \"parent-test\"\n"
        "[[acl.rules]]\npermission = \"deny\"\ntype = \"acme:Bad:1\"\n"
        "[build]\nprofile = \"dev\"\n");
    put("base/child.toml",
        "inherit = \"parent.toml\"\n"
        "exports = [\"child.proto\"]\n"
        "[package]\nname = \"child\"\nmanufacturer = \"acme\"\nversion = \"0.1.0\"\n"
        "[dependencies]\n"
        "over = { actr_type = \"acme:new:2.0.0\", realm = 3 }\n"
        "mine = {}\n"
        "[scripts]\nrun = \"child-run\"\n");
    actr_project_manifest_t m;
    actr_error_t err;
    int rc = load("base/child.toml", &m, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    char want[600];
    /* exports: parent's then child's, each relative to its own file */
    assert_int_equal(m.exports.count, 2);
    snprintf(want, sizeof want, "%s/base/common.proto", g_dir);
    assert_string_equal(m.exports.items[0], want);
    snprintf(want, sizeof want, "%s/base/child.proto", g_dir);
    assert_string_equal(m.exports.items[1], want);
    /* dependencies: parent order, child replaces "over", appends "mine" */
    assert_int_equal(m.dependency_count, 3);
    assert_string_equal(m.dependencies[0].alias, "shared");
    assert_string_equal(m.dependencies[1].alias, "over");
    assert_string_equal(m.dependencies[1].actr_type.name, "new");
    assert_int_equal(m.dependencies[1].realm_id, 3);
    assert_string_equal(m.dependencies[2].alias, "mine");
    /* scripts: merged, child wins, through two levels */
    assert_string_equal(actr_config_strmap_get(&m.scripts, "run"), "child-run");
    assert_string_equal(actr_config_strmap_get(&m.scripts, "test"), "parent-test");
    assert_string_equal(actr_config_strmap_get(&m.scripts, "lint"), "grand-lint");
    /* acl and build from the parent, binary from the grandparent (its own directory) */
    assert_true(m.has_acl);
    assert_int_equal(m.acl.rules[0].permission, ACTR_ACL_DENY);
    assert_true(m.has_build);
    assert_string_equal(m.build.profile, "dev");
    assert_true(m.has_binary);
    snprintf(want, sizeof want, "%s/base/../grand.wasm", g_dir); /* lexical join */
    assert_string_equal(m.binary.path, want);
    /* package from the child only */
    assert_string_equal(m.name, "child");
    actr_project_manifest_free(&m);
}

static void test_manifest_inheritance_errors(void **state)
{
    (void)state;
    actr_project_manifest_t m;
    actr_error_t err;
    put("ed_parent.toml", "edition = 2\n");
    put("ed_child.toml", "inherit = \"ed_parent.toml\"\n[package]\nname = \"c\"\n"
                         "manufacturer = \"acme\"\n");
    assert_int_equal(load("ed_child.toml", &m, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "ed_child.toml:1: inherit: Edition mismatch in "
                                        "inheritance: parent=2, child=1"));
    /* a -> b -> a */
    put("cyc_a.toml", "inherit = \"cyc_b.toml\"\n[package]\nname = \"a\"\nmanufacturer = \"m\"\n");
    put("cyc_b.toml", "inherit = \"cyc_a.toml\"\n");
    assert_int_equal(load("cyc_a.toml", &m, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "inheritance cycle"));
    put("self.toml", "inherit = \"self.toml\"\n[package]\nname = \"a\"\nmanufacturer = \"m\"\n");
    assert_int_equal(load("self.toml", &m, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "inheritance cycle"));
    /* A long chain without a cycle is bounded too. */
    char name[64], text[128];
    for (int i = 0; i <= ACTR_MANIFEST_MAX_INHERIT_DEPTH + 1; i++) {
        snprintf(name, sizeof name, "chain%d.toml", i);
        snprintf(text, sizeof text, "inherit = \"chain%d.toml\"\n", i + 1);
        put(name, text);
    }
    put("chain_top.toml", "inherit = \"chain0.toml\"\n[package]\nname = \"a\"\nmanufacturer = \"m\"\n");
    assert_int_equal(load("chain_top.toml", &m, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "deeper than 16"));
    /* A missing parent names its path. */
    put("orphan.toml", "inherit = \"nowhere.toml\"\n[package]\nname = \"a\"\nmanufacturer = \"m\"\n");
    assert_int_equal(load("orphan.toml", &m, &err), ACTR_ENOTFOUND);
    assert_non_null(strstr(err.message, "nowhere.toml"));
    /* [build] in the child, [binary] in the parent: fine once merged. */
    put("bin_parent.toml", "[binary]\npath = \"x.wasm\"\n");
    put("bin_child.toml", "inherit = \"bin_parent.toml\"\n[package]\nname = \"a\"\n"
                          "manufacturer = \"m\"\n[build]\n");
    assert_int_equal(load("bin_child.toml", &m, &err), 0);
    assert_true(m.has_binary && m.has_build);
    actr_project_manifest_free(&m);
}

static const char lock_text[] =
    "[metadata]\n"
    "version = 1\n"
    "generated_at = \"2024-01-15T10:30:00Z\"\n"
    "\n"
    "[[dependency]]\n"
    "name = \"user-service\"\n"
    "actr_type = \"acme+user-service\"\n"
    "description = \"Users \\\"quoted\\\"\"\n"
    "fingerprint = \"service_semantic:abc\"\n"
    "published_at = 1705315800\n"
    "tags = [\"latest\", \"v1\"]\n"
    "cached_at = \"2024-01-15T10:30:00+08:00\"\n"
    "[[dependency.files]]\n"
    "path = \"user-service/user.v1.proto\"\n"
    "fingerprint = \"semantic:1\"\n"
    "[[dependency.files]]\n"
    "path = \"user-service/types.proto\"\n"
    "fingerprint = \"semantic:2\"\n";

static void test_lock_file_round_trip(void **state)
{
    (void)state;
    actr_lock_file_t lock, again;
    actr_error_t err;
    int rc = actr_lock_file_parse(lock_text, strlen(lock_text), NULL, &lock, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    assert_true(lock.has_metadata);
    assert_int_equal(lock.version, 1);
    assert_int_equal(lock.dependency_count, 1);
    actr_lock_dependency_t *d = &lock.dependencies[0];
    assert_string_equal(d->description, "Users \"quoted\"");
    assert_true(d->has_published_at);
    assert_int_equal(d->published_at, 1705315800);
    assert_int_equal(d->tags.count, 2);
    assert_int_equal(d->file_count, 2);
    assert_string_equal(d->files[1].fingerprint, "semantic:2");
    /* add: replace by name, keep sorted by name */
    actr_lock_proto_file_t f = {.path = "a/a.proto", .fingerprint = "semantic:a"};
    actr_lock_dependency_t add = {.name = "alpha", .actr_type = "acme:alpha:1",
                                  .fingerprint = "service_semantic:1",
                                  .cached_at = "2024-02-01T00:00:00Z", .files = &f,
                                  .file_count = 1};
    assert_int_equal(actr_lock_file_add_dependency(&lock, &add, &err), 0);
    add.name = "zeta";
    assert_int_equal(actr_lock_file_add_dependency(&lock, &add, &err), 0);
    add.name = "user-service";
    add.fingerprint = "service_semantic:new";
    assert_int_equal(actr_lock_file_add_dependency(&lock, &add, &err), 0);
    assert_int_equal(lock.dependency_count, 3);
    assert_string_equal(lock.dependencies[0].name, "alpha");
    assert_string_equal(lock.dependencies[1].name, "user-service");
    assert_string_equal(lock.dependencies[1].fingerprint, "service_semantic:new");
    assert_string_equal(lock.dependencies[2].name, "zeta");
    /* write and read back */
    char *text = NULL;
    assert_int_equal(actr_lock_file_to_toml(&lock, &text, &err), 0);
    assert_int_equal(actr_lock_file_parse(text, strlen(text), "round", &again, &err), 0);
    assert_int_equal(again.dependency_count, 3);
    assert_string_equal(again.generated_at, "2024-01-15T10:30:00Z");
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(again.dependencies[i].name, lock.dependencies[i].name);
        assert_string_equal(again.dependencies[i].fingerprint, lock.dependencies[i].fingerprint);
        assert_int_equal(again.dependencies[i].file_count, lock.dependencies[i].file_count);
    }
    char *text2 = NULL;
    assert_int_equal(actr_lock_file_to_toml(&again, &text2, &err), 0);
    assert_string_equal(text, text2);
    free(text);
    free(text2);
    actr_lock_file_free(&again);
    actr_lock_file_free(&lock);
    /* from a file; empty lock files are fine */
    const char *path = put("manifest.lock.toml", "");
    assert_int_equal(actr_lock_file_load(path, &lock, &err), 0);
    assert_false(lock.has_metadata);
    assert_int_equal(lock.dependency_count, 0);
    actr_lock_file_free(&lock);
}

static void expect_lock_fail(const char *text, const char *want)
{
    actr_lock_file_t lock;
    actr_error_t err;
    assert_int_not_equal(actr_lock_file_parse(text, strlen(text), NULL, &lock, &err), 0);
    if (!strstr(err.message, want))
        print_error("%s\nwanted: %s\n", err.message, want);
    assert_non_null(strstr(err.message, want));
}

static void test_lock_file_errors(void **state)
{
    (void)state;
    expect_lock_fail("[metadata]\nversion = 1\n",
                     "manifest.lock.toml:1: metadata.generated_at: missing required key");
    expect_lock_fail("[metadata]\nversion = 1\ngenerated_at = \"yesterday\"\n",
                     "manifest.lock.toml:3: metadata.generated_at: \"yesterday\" is not an RFC "
                     "3339 date-time");
    expect_lock_fail("[[dependency]]\nname = \"a\"\nactr_type = \"t\"\nfingerprint = \"f\"\n"
                     "cached_at = \"2024-01-15T10:30:00Z\"\n",
                     "manifest.lock.toml:1: dependency[0].files: missing required key");
    expect_lock_fail("[[dependency]]\nname = \"a\"\nactr_type = \"t\"\nfingerprint = \"f\"\n"
                     "cached_at = \"2024-01-15T10:30:00Z\"\n[[dependency.files]]\npath = \"p\"\n",
                     "manifest.lock.toml:6: dependency[0].files[0].fingerprint: missing");
    expect_lock_fail("dependency = 1\n", "dependency: expected an array of tables");
    expect_lock_fail("[[dependency]]\nname = 1\n", "dependency[0].name: expected a string");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_full),
        cmocka_unit_test(test_manifest_errors),
        cmocka_unit_test(test_manifest_inheritance),
        cmocka_unit_test(test_manifest_inheritance_errors),
        cmocka_unit_test(test_lock_file_round_trip),
        cmocka_unit_test(test_lock_file_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
