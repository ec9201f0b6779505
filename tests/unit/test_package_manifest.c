/* Manifest parsing and serialization, packing rules and the unverified readers (platform.md
 * §1.3, §1.6, §1.8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "actr/package.h"
#include "pkg_fixture.h"
#include "tmpdir.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void expect_parse(const char *toml, int code, const char *fragment)
{
    actr_package_manifest_t m;
    actr_error_t err;
    actr_error_clear(&err);
    int rc = actr_package_manifest_parse(toml, strlen(toml), &m, &err);
    fx_expect(rc, &err, code, fragment);
    actr_package_manifest_free(&m);
}

#define HEAD "manufacturer = \"acme\"\nname = \"Echo\"\nversion = \"1\"\n"
#define BIN "[binary]\npath = \"bin/a\"\ntarget = \"wasm32-wasip2\"\nhash = \"" H64 "\"\n"

static void test_parse_errors_name_key_and_line(void **state)
{
    (void)state;
    expect_parse(HEAD, ACTR_EPARSE, "manifest parse error: missing field `binary`");
    expect_parse("name = \"Echo\"\n" BIN, ACTR_EPARSE, "missing field `manufacturer`");
    expect_parse(HEAD "[binary]\npath = \"bin/a\"\nhash = \"" H64 "\"\n", ACTR_EPARSE,
                 "line 4: missing field `binary.target`");
    expect_parse(HEAD BIN "size = -1\n", ACTR_EPARSE,
                 "line 8: `binary.size` must be a non-negative integer, got integer");
    expect_parse(HEAD BIN "kind = \"wasm\"\n", ACTR_EPARSE,
                 "line 8: unknown variant `wasm` for `binary.kind`");
    expect_parse(HEAD "version2 = 1\nresources = [1]\n" BIN, ACTR_EPARSE,
                 "line 5: `resources[0]` must be a table, got integer");
    expect_parse(HEAD "[[resources]]\npath = \"r\"\n" BIN, ACTR_EPARSE,
                 "line 4: missing field `resources[0].hash`");
    expect_parse("manufacturer = \"a\\u0000b\"\n", ACTR_EPARSE,
                 "line 1: `manufacturer` contains a NUL character");
    expect_parse(HEAD "name = \"dup\"\n" BIN, ACTR_EPARSE, "manifest parse error: line 4");
    expect_parse(HEAD "signature_algorithm = 1\n" BIN, ACTR_EPARSE,
                 "`signature_algorithm` must be a string");
    expect_parse(HEAD "metadata = \"x\"\n" BIN, ACTR_EPARSE, "`metadata` must be a table");
}

static void test_parse_defaults_and_kinds(void **state)
{
    (void)state;
    const char *toml = HEAD "unknown_key = true\n" BIN "[extra]\nx = 1\n";
    actr_package_manifest_t m;
    actr_error_t err;
    assert_int_equal(actr_package_manifest_parse(toml, strlen(toml), &m, &err), 0);
    assert_string_equal(m.signature_algorithm, "ed25519");
    assert_null(m.signing_key_id);
    assert_false(m.has_lock_file);
    assert_false(m.binary.has_size);
    assert_int_equal(m.binary.kind, ACTR_BINARY_KIND_UNSET);
    assert_true(actr_package_is_wasm_target(&m));
    assert_int_equal(actr_package_resolved_kind(&m), ACTR_BINARY_KIND_CORE_MODULE);
    free(m.binary.target);
    m.binary.target = strdup("x86_64-unknown-linux-gnu");
    assert_int_equal(actr_package_resolved_kind(&m), ACTR_BINARY_KIND_NATIVE_CDYLIB);
    m.binary.kind = ACTR_BINARY_KIND_COMPONENT;
    assert_int_equal(actr_package_resolved_kind(&m), ACTR_BINARY_KIND_COMPONENT);
    assert_string_equal(actr_binary_kind_name(ACTR_BINARY_KIND_NATIVE_CDYLIB), "native-cdylib");
    assert_null(actr_binary_kind_name(ACTR_BINARY_KIND_UNSET));
    actr_type_t type;
    assert_int_equal(actr_package_manifest_type(&m, &type, &err), 0);
    assert_string_equal(type.name, "Echo");
    actr_package_manifest_free(&m);
}

static actr_package_entry_t res[] = {{NULL, "resources/glue.js", H64}};
static actr_package_entry_t proto_entries[] = {{"echo.proto", "proto/echo.proto", H64}};

/* The layout of toml::to_string_pretty for PackageManifest, with toml_writer's string styles. */
static const char golden[] =
    "manufacturer = \"acme\"\n"
    "name = \"EchoService\"\n"
    "version = \"1.0.0\"\n"
    "signature_algorithm = \"ed25519\"\n"
    "signing_key_id = \"mfr-0123456789abcdef\"\n"
    "\n[binary]\n"
    "path = \"bin/actor.wasm\"\n"
    "target = \"wasm32-wasip2\"\n"
    "hash = \"" H64 "\"\n"
    "size = 12345\n"
    "kind = \"component\"\n"
    "\n[[resources]]\n"
    "path = \"resources/glue.js\"\n"
    "hash = \"" H64 "\"\n"
    "\n[[proto_files]]\n"
    "name = \"echo.proto\"\n"
    "path = \"proto/echo.proto\"\n"
    "hash = \"" H64 "\"\n"
    "\n[lock_file]\n"
    "path = \"manifest.lock.toml\"\n"
    "hash = \"" H64 "\"\n"
    "\n[metadata]\n"
    "description = \"\"\"\nline1\nline \"two\"\"\"\"\n"
    "license = \"it's MIT\\t\\u0001\"\n";

static void test_serialize_golden_and_roundtrip(void **state)
{
    (void)state;
    actr_package_manifest_t m = {
        .manufacturer = "acme", .name = "EchoService", .version = "1.0.0",
        .signing_key_id = "mfr-0123456789abcdef",
        .binary = {"bin/actor.wasm", "wasm32-wasip2", H64, 12345, true,
                   ACTR_BINARY_KIND_COMPONENT},
        .resources = res, .resource_count = 1, .proto_files = proto_entries, .proto_file_count = 1,
        .has_lock_file = true, .lock_file = {NULL, "manifest.lock.toml", H64},
        .description = "line1\nline \"two\"", .license = "it's MIT\t\x01",
    };
    char *text = NULL;
    size_t len = 0;
    actr_error_t err;
    assert_int_equal(actr_package_manifest_serialize(&m, &text, &len, &err), 0);
    assert_string_equal(text, golden);
    assert_int_equal(len, strlen(golden));
    actr_package_manifest_t back;
    assert_int_equal(actr_package_manifest_parse(text, len, &back, &err), 0);
    assert_string_equal(back.description, m.description);
    assert_string_equal(back.license, m.license);
    assert_int_equal(back.binary.size, 12345);
    assert_string_equal(back.proto_files[0].name, "echo.proto");
    assert_int_equal(actr_package_manifest_validate(&back, &err), 0);
    actr_package_manifest_free(&back);
    free(text);
}

static void test_serialize_string_styles(void **state)
{
    (void)state;
    /* value -> expected TOML: basic, literal (backslash), multi-line literal, escaped basic. */
    static const char *const cases[][2] = {
        {"plain", "\"plain\""},
        {"a\\b", "'a\\b'"},
        {"say \"hi\" \\o/", "'say \"hi\" \\o/'"},
        {"it's \\ \"x\"", "'''it's \\ \"x\"'''"},
        {"'''\"\"\"\\", "\"'''\\\"\\\"\\\"\\\\\""},
        {"", "\"\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        actr_package_manifest_t m = {
            .manufacturer = "acme", .name = "E", .version = "1",
            .binary = {.path = "b", .target = "t", .hash = H64},
            .description = (char *)cases[i][0],
        };
        char *text = NULL;
        actr_error_t err;
        assert_int_equal(actr_package_manifest_serialize(&m, &text, NULL, &err), 0);
        char want[128];
        snprintf(want, sizeof want, "[metadata]\ndescription = %s\n", cases[i][1]);
        if (!strstr(text, want))
            fail_msg("case %zu: want %s in\n%s", i, want, text);
        actr_package_manifest_t back;
        assert_int_equal(actr_package_manifest_parse(text, strlen(text), &back, &err), 0);
        assert_string_equal(back.description, cases[i][0]);
        actr_package_manifest_free(&back);
        free(text);
    }
}

static actr_signing_key_t *key;

static int setup(void **state)
{
    (void)state;
    key = fx_key(0x41);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    actr_signing_key_free(key);
    return 0;
}

static actr_package_manifest_t tmpl = {
    .manufacturer = "acme", .name = "Echo", .version = "1.0.0",
    .binary = {.path = "bin/actor.wasm", .target = "wasm32-wasip2"},
};

static int try_pack(const actr_package_manifest_t *m, const actr_package_input_t *r, size_t nr,
                    const actr_package_input_t *p, size_t np, actr_buf_t *out, actr_error_t *err)
{
    actr_package_pack_options_t o = {.manifest = m, .binary = "wasm", .binary_len = 4,
                                     .resources = r, .resource_count = nr, .proto_files = p,
                                     .proto_file_count = np, .key = key};
    actr_error_clear(err);
    return actr_package_pack(&o, out, err);
}

static void test_pack_rules(void **state)
{
    (void)state;
    actr_buf_t a, b;
    actr_error_t err;
    assert_int_equal(try_pack(&tmpl, NULL, 0, NULL, 0, &a, &err), 0);
    assert_int_equal(try_pack(&tmpl, NULL, 0, NULL, 0, &b, &err), 0);
    assert_int_equal(a.len, b.len); /* reproducible: fixed timestamps, deterministic signature */
    assert_memory_equal(a.data, b.data, a.len);
    actr_buf_release(&b);

    actr_package_input_t escape[] = {{"../x", "x", 1}};
    fx_expect(try_pack(&tmpl, escape, 1, NULL, 0, &b, &err), &err, ACTR_EINVAL,
              "resources[].path `../x` is not a safe ZIP entry name");
    actr_package_input_t clash[] = {{"manifest.toml", "x", 1}};
    fx_expect(try_pack(&tmpl, clash, 1, NULL, 0, &b, &err), &err, ACTR_EINVAL,
              "two package entries are named `manifest.toml`");
    actr_package_input_t proto_dir[] = {{"a/b.proto", "x", 1}};
    fx_expect(try_pack(&tmpl, NULL, 0, proto_dir, 1, &b, &err), &err, ACTR_EINVAL,
              "proto_files[].name `a/b.proto`");
    actr_package_manifest_t m = tmpl;
    m.signature_algorithm = "rsa";
    fx_expect(try_pack(&m, NULL, 0, NULL, 0, &b, &err), &err, ACTR_EUNSUPPORTED,
              "signature_algorithm must be `ed25519`");
    m = tmpl;
    m.manufacturer = "a/b";
    fx_expect(try_pack(&m, NULL, 0, NULL, 0, &b, &err), &err, ACTR_EINVAL, "not path-safe");
    m = tmpl;
    m.binary.path = NULL;
    fx_expect(try_pack(&m, NULL, 0, NULL, 0, &b, &err), &err, ACTR_EINVAL, "incomplete");

    /* Template resources with other paths do not survive: the manifest names what is written. */
    m = tmpl;
    actr_package_entry_t stale[] = {{NULL, "resources/old.js", H64}};
    m.resources = stale;
    m.resource_count = 1;
    actr_package_input_t fresh[] = {{"resources/new.js", "js", 2}};
    assert_int_equal(try_pack(&m, fresh, 1, NULL, 0, &b, &err), 0);
    actr_package_manifest_t back;
    assert_int_equal(actr_package_read_manifest(b.data, b.len, &back, &err), 0);
    assert_string_equal(back.resources[0].path, "resources/new.js");
    actr_package_manifest_free(&back);
    actr_buf_release(&b);
    actr_buf_release(&a);
}

static void test_pack_file_and_readers(void **state)
{
    (void)state;
    char dir[TEST_TMPDIR_SIZE], path[128];
    test_tmpdir_make(dir);
    test_path_join(path, sizeof path, dir, "echo.actr");
    actr_package_input_t p[] = {{"echo.proto", "syntax = \"proto3\";", 18},
                                {"more.proto", "message M {}", 12}};
    actr_package_pack_options_t o = {.manifest = &tmpl, .binary = "wasm", .binary_len = 4,
                                     .proto_files = p, .proto_file_count = 2, .key = key};
    actr_error_t err;
    assert_int_equal(actr_package_pack_file(&o, path, false, &err), 0);
    assert_int_equal(actr_package_pack_file(&o, path, false, &err), ACTR_EEXIST);
    assert_int_equal(actr_package_pack_file(&o, path, true, &err), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t buf[8192];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    uint8_t pub[32];
    fx_pub(key, pub);
    actr_verified_package_t vp;
    assert_int_equal(actr_package_verify(buf, len, pub, 32, NULL, &vp, &err), 0);
    actr_verified_package_free(&vp);

    actr_buf_t out;
    bool found = true;
    assert_int_equal(actr_package_read_lock_file(buf, len, 0, &out, &found, &err), 0);
    assert_false(found);
    assert_int_equal(out.len, 0);
    fx_expect(actr_package_load_binary(buf, len, 3, &out, &err), &err, ACTR_ETOOBIG,
              "ZIP entry `bin/actor.wasm` declares 4 bytes, exceeds limit 3");
    actr_package_proto_t *protos = NULL;
    size_t n = 0;
    /* One budget for all protos: 18 fit, 18 + 12 do not. */
    fx_expect(actr_package_read_proto_files(buf, len, 20, &protos, &n, &err), &err,
              ACTR_ETOOBIG, "ZIP entry `proto/more.proto` declares 12 bytes, exceeds limit 2");
    assert_null(protos);
    assert_int_equal(actr_package_read_proto_files(buf, len, 30, &protos, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal((const char *)protos[0].content.data, "syntax = \"proto3\";");
    actr_package_protos_free(protos, n);
    test_tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors_name_key_and_line),
        cmocka_unit_test(test_parse_defaults_and_kinds),
        cmocka_unit_test(test_serialize_golden_and_roundtrip),
        cmocka_unit_test(test_serialize_string_styles),
        cmocka_unit_test(test_pack_rules),
        cmocka_unit_test(test_pack_file_and_readers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
