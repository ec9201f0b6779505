/*
 * test_wasm_spec_runner.c - tests the spec runner's own logic (tools/wasm-spec-run) against a
 * fake engine (fake_engine.c): value parsing and NaN patterns, every command kind, named and
 * registered modules, the spectest module, and above all that wrong results, wrong failure
 * kinds and missing files are counted as failures (a runner that passes everything would make
 * the spec suite meaningless).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "script.h"
#include "value.h"

static cJSON *parse(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    return j;
}

static void test_values(void **state)
{
    (void)state;
    char why[128];
    wasm_value_t v;
    cJSON *j = parse("{\"type\": \"i32\", \"value\": \"4294967295\"}");
    assert_int_equal(spec_value_parse(j, &v, why, sizeof why), 0);
    assert_int_equal(v.type, WASM_I32);
    assert_int_equal(v.of.i32, 0xffffffffu);
    cJSON_Delete(j);

    j = parse("{\"type\": \"i32\", \"value\": \"4294967296\"}"); /* does not fit */
    assert_int_equal(spec_value_parse(j, &v, why, sizeof why), -1);
    cJSON_Delete(j);

    j = parse("{\"type\": \"i64\", \"value\": \"18446744073709551615\"}");
    assert_int_equal(spec_value_parse(j, &v, why, sizeof why), 0);
    assert_true(v.of.i64 == UINT64_MAX);
    cJSON_Delete(j);

    j = parse("{\"type\": \"f32\", \"value\": \"nan:canonical\"}"); /* not an argument */
    assert_int_equal(spec_value_parse(j, &v, why, sizeof why), -1);
    cJSON_Delete(j);

    j = parse("{\"type\": \"externref\", \"value\": \"0\"}");
    assert_int_equal(spec_value_parse(j, &v, why, sizeof why), 0);
    assert_ptr_equal(v.of.ref, (void *)(uintptr_t)1);
    cJSON_Delete(j);

    j = parse("{\"type\": \"v128\", \"lane_type\": \"i16\", \"value\": "
              "[\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"65535\"]}");
    assert_int_equal(spec_value_parse(j, &v, why, sizeof why), 0);
    assert_int_equal(v.of.v128[0], 1);
    assert_int_equal(v.of.v128[2], 2);
    assert_int_equal(v.of.v128[14], 0xff);
    assert_int_equal(v.of.v128[15], 0xff);
    cJSON_Delete(j);
}

static void test_nan_patterns(void **state)
{
    (void)state;
    char why[128];
    spec_expect_t canon, arith;
    cJSON *j = parse("{\"type\": \"f64\", \"value\": \"nan:canonical\"}");
    assert_int_equal(spec_expect_parse(j, &canon, why, sizeof why), 0);
    cJSON_Delete(j);
    j = parse("{\"type\": \"f64\", \"value\": \"nan:arithmetic\"}");
    assert_int_equal(spec_expect_parse(j, &arith, why, sizeof why), 0);
    cJSON_Delete(j);

    wasm_value_t g = {.type = WASM_F64, .of.f64_bits = 0xfff8000000000000ull};
    assert_true(spec_expect_match(&canon, &g));  /* sign is free */
    assert_true(spec_expect_match(&arith, &g));
    g.of.f64_bits = 0x7ff8000000000001ull;       /* payload: arithmetic only */
    assert_false(spec_expect_match(&canon, &g));
    assert_true(spec_expect_match(&arith, &g));
    g.of.f64_bits = 0x7ff0000000000001ull;       /* signalling NaN: neither */
    assert_false(spec_expect_match(&canon, &g));
    assert_false(spec_expect_match(&arith, &g));
    g.of.f64_bits = 0x7ff0000000000000ull;       /* infinity */
    assert_false(spec_expect_match(&arith, &g));
    g.type = WASM_F32;                           /* wrong type never matches */
    g.of.f32_bits = 0x7fc00000u;
    assert_false(spec_expect_match(&canon, &g));

    spec_expect_t lanes;
    j = parse("{\"type\": \"v128\", \"lane_type\": \"f32\", \"value\": "
              "[\"nan:canonical\", \"1065353216\", \"nan:arithmetic\", \"0\"]}");
    assert_int_equal(spec_expect_parse(j, &lanes, why, sizeof why), 0);
    cJSON_Delete(j);
    wasm_value_t v = {.type = WASM_V128};
    uint32_t words[4] = {0x7fc00000u, 0x3f800000u, 0xffc00123u, 0};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 4; b++)
            v.of.v128[i * 4 + b] = (uint8_t)(words[i] >> (8 * b));
    assert_true(spec_expect_match(&lanes, &v));
    v.of.v128[4] = 1; /* lane 1 differs */
    assert_false(spec_expect_match(&lanes, &v));
}

/* ---- a whole script against the fake engine --------------------------------------------- */

static char dir[256];

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

#define INV(line, field, args) \
    "{\"type\": \"invoke\", \"field\": \"" field "\", \"args\": [" args "]}"
#define I32(v) "{\"type\": \"i32\", \"value\": \"" #v "\"}"
#define RET(line, action, expected) \
    "{\"type\": \"assert_return\", \"line\": " #line ", \"action\": " action \
    ", \"expected\": [" expected "]},\n"
#define MOD(line, kind, file, extra) \
    "{\"type\": \"" kind "\", \"line\": " #line ", \"filename\": \"" file "\"" extra "},\n"

static const char SCRIPT[] =
    "{\"source_filename\": \"/x/self.wast\", \"commands\": [\n"
    "{\"type\": \"module\", \"line\": 101, \"name\": \"$A\", \"filename\": \"a.wasm\"},\n"
    RET(102, INV(102, "add", I32(1) "," I32(2)), I32(3))
    RET(103, INV(103, "add", I32(1) "," I32(2)), I32(4))
    RET(104, INV(104, "add", I32(4294967295) "," I32(1)), I32(0))
    RET(105, INV(105, "nanc", ""), "{\"type\": \"f32\", \"value\": \"nan:canonical\"}")
    RET(106, INV(106, "nanc", ""), "{\"type\": \"f32\", \"value\": \"nan:arithmetic\"}")
    RET(107, INV(107, "nana", ""), "{\"type\": \"f32\", \"value\": \"nan:arithmetic\"}")
    RET(108, INV(108, "nana", ""), "{\"type\": \"f32\", \"value\": \"nan:canonical\"}")
    RET(109, INV(109, "nn64", ""), "{\"type\": \"f64\", \"value\": \"nan:canonical\"}")
    RET(110, INV(110, "ext", "{\"type\": \"externref\", \"value\": \"5\"}"),
        "{\"type\": \"externref\", \"value\": \"5\"}")
    RET(111, INV(111, "ext", "{\"type\": \"externref\", \"value\": \"5\"}"),
        "{\"type\": \"externref\", \"value\": \"6\"}")
    RET(112, INV(112, "ext", "{\"type\": \"externref\", \"value\": \"null\"}"),
        "{\"type\": \"externref\", \"value\": \"null\"}")
    RET(113, INV(113, "nf", ""), "{\"type\": \"funcref\", \"value\": \"null\"}")
    RET(114, INV(114, "two", ""), I32(1) ",{\"type\": \"i64\", \"value\": \"2\"}")
    RET(115, INV(115, "two", ""), I32(1))
    "{\"type\": \"assert_trap\", \"line\": 116, \"action\": " INV(116, "trap", "")
    ", \"text\": \"unreachable\", \"expected\": []},\n"
    "{\"type\": \"assert_trap\", \"line\": 117, \"action\": " INV(117, "exhaust", "")
    ", \"text\": \"unreachable\", \"expected\": []},\n"
    "{\"type\": \"assert_exhaustion\", \"line\": 118, \"action\": " INV(118, "exhaust", "")
    ", \"text\": \"call stack exhausted\", \"expected\": []},\n"
    RET(119, "{\"type\": \"get\", \"field\": \"g\"}", I32(42))
    "{\"type\": \"action\", \"line\": 120, \"action\": " INV(120, "trap", "")
    ", \"expected\": []},\n"
    "{\"type\": \"register\", \"line\": 121, \"name\": \"$A\", \"as\": \"A\"},\n"
    "{\"type\": \"module\", \"line\": 122, \"filename\": \"c.wasm\"},\n"
    RET(123, INV(123, "add2", I32(2) "," I32(3)), I32(5))
    "{\"type\": \"action\", \"line\": 124, \"action\": " INV(124, "p", I32(7))
    ", \"expected\": []},\n"
    RET(125, "{\"type\": \"invoke\", \"module\": \"$A\", \"field\": \"add\", \"args\": ["
        I32(1) "," I32(1) "]}", I32(2))
    MOD(126, "assert_malformed", "bad.wasm", ", \"module_type\": \"binary\"")
    MOD(127, "assert_malformed", "bad.wat", ", \"module_type\": \"text\"")
    MOD(128, "assert_invalid", "inv.wasm", ", \"module_type\": \"binary\"")
    MOD(129, "assert_invalid", "a.wasm", ", \"module_type\": \"binary\"")
    MOD(130, "assert_unlinkable", "unl.wasm", ", \"module_type\": \"binary\"")
    MOD(131, "assert_uninstantiable", "st.wasm", ", \"module_type\": \"binary\"")
    MOD(132, "assert_trap", "st.wasm", "")
    MOD(133, "assert_unlinkable", "st.wasm", ", \"module_type\": \"binary\"")
    RET(134, INV(134, "nosuch", ""), "")
    MOD(135, "module", "missing.wasm", "")
    RET(136, INV(136, "add", I32(1) "," I32(2)), I32(3))
    "{\"type\": \"register\", \"line\": 137, \"as\": \"none\"}\n"
    "]}\n";

static void test_script(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/wasm-spec-selftest-XXXXXX");
    assert_non_null(mkdtemp(dir));
    write_file("a.wasm", "fake-wasm\nfunc add add\nfunc nanc nan_canon_f32\n"
                         "func nana nan_arith_f32\nfunc nn64 neg_nan_f64\nfunc ext ext_id\n"
                         "func nf null_func\nfunc trap trap\nfunc exhaust exhaust\n"
                         "func two two\nglobal g 42\n");
    write_file("c.wasm", "fake-wasm\nimport spectest print_i32\nimport A add\nreexport add2 1\n"
                         "func p call_import0\n");
    write_file("bad.wasm", "\x01garbage");
    write_file("inv.wasm", "fake-wasm\ninvalid\n");
    write_file("unl.wasm", "fake-wasm\nimport nowhere x\n");
    write_file("st.wasm", "fake-wasm\nstart-trap\n");
    write_file("self.json", SCRIPT);

    char *out = NULL;
    size_t out_len = 0;
    FILE *mem = open_memstream(&out, &out_len);
    assert_non_null(mem);
    spec_options_t opts = {.verbose = false, .timeout_ns = 0, .out = mem};
    spec_counts_t counts = {0, 0, 0};
    char path[512];
    snprintf(path, sizeof path, "%s/self.json", dir);
    assert_int_equal(spec_run_file(path, &opts, &counts), 0);
    fclose(mem);
    printf("%s", out);

    /* Every failing line and only those, in order, named by the .wast file. */
    static const int failing[] = {103, 108, 111, 115, 117, 120, 129, 133, 134, 135, 136, 137};
    const char *p = out;
    for (size_t i = 0; i < sizeof failing / sizeof failing[0]; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "self.wast:%d: ", failing[i]);
        assert_true(strncmp(p, tag, strlen(tag)) == 0);
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    assert_int_equal(*p, '\0');
    assert_non_null(strstr(out, "expected i32:4 (0x00000004), got i32:3 (0x00000003)"));
    assert_non_null(strstr(out, "expected f32:nan:canonical, got f32:0x7fc00001"));
    assert_non_null(strstr(out, "expected trap (\"unreachable\"), got exhausted"));
    assert_non_null(strstr(out, "expected link (\"\"), got trap"));
    assert_int_equal(counts.passed, 24);
    assert_int_equal(counts.failed, 12);
    assert_int_equal(counts.skipped, 1);
    free(out);

    const char *names[] = {"a.wasm", "c.wasm", "bad.wasm", "inv.wasm", "unl.wasm",
                           "st.wasm", "self.json"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void test_unreadable(void **state)
{
    (void)state;
    char *out = NULL;
    size_t out_len = 0;
    FILE *mem = open_memstream(&out, &out_len);
    assert_non_null(mem);
    spec_options_t opts = {.verbose = false, .timeout_ns = 0, .out = mem};
    spec_counts_t counts = {0, 0, 0};
    assert_int_equal(spec_run_file("/nonexistent/x.json", &opts, &counts), -1);
    fclose(mem);
    assert_int_equal(counts.failed, 1);
    assert_non_null(strstr(out, "x.json:0: script:"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_nan_patterns),
        cmocka_unit_test(test_script),
        cmocka_unit_test(test_unreadable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
