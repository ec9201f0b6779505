/*
 * Trust providers (platform.md §2): static, chain, development key files, and registry trust
 * against a real HTTP server on 127.0.0.1 (tests/support/mfr_server.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "actr/package.h"
#include "base/base64.h"
#include "base/clock.h"
#include "pkg_fixture.h"
#include "tmpdir.h"

static actr_signing_key_t *key_a, *key_b;
static uint8_t pub_a[32], pub_b[32];
static char id_a[ACTR_MFR_KEY_ID_SIZE];
static char dir[TEST_TMPDIR_SIZE], routes_path[256], base_url[64];
static pid_t server_pid = -1;

/* ---- the registry server ---- */

static void write_routes(cJSON *routes)
{
    char *text = cJSON_PrintUnformatted(routes);
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp", routes_path);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(rename(tmp, routes_path), 0);
    cJSON_free(text);
    cJSON_Delete(routes);
}

/* {"path": {"status": status, "body": body, "delay": delay}} */
static void serve_one(const char *path, int status, const char *body, double delay)
{
    cJSON *routes = cJSON_CreateObject();
    cJSON *r = cJSON_AddObjectToObject(routes, path);
    cJSON_AddNumberToObject(r, "status", status);
    cJSON_AddStringToObject(r, "body", body);
    cJSON_AddNumberToObject(r, "delay", delay);
    write_routes(routes);
}

static void key_json(const uint8_t *key, size_t len, const char *key_id, char *out, size_t cap)
{
    char b64[128];
    actr_base64_encode(key, len, b64, ACTR_B64_STD);
    snprintf(out, cap, "{\"public_key\":\"%s\",\"key_id\":\"%s\"}", b64, key_id);
}

static size_t collect(char *ptr, size_t size, size_t n, void *userdata)
{
    char *buf = userdata;
    size_t have = strlen(buf), add = size * n;
    if (have + add >= 4096)
        add = 4095 - have;
    memcpy(buf + have, ptr, add);
    buf[have + add] = '\0';
    return size * n;
}

/* GET an admin path of the server into out (4096 bytes). */
static void admin_get(const char *path, char *out)
{
    char url[128];
    snprintf(url, sizeof url, "%s%s", base_url, path);
    out[0] = '\0';
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
}

static int request_count(void)
{
    char buf[4096];
    admin_get("/__count", buf);
    return atoi(buf);
}

static void start_server(void)
{
    const char *src = getenv("ACTR_SOURCE_DIR");
    assert_non_null(src);
    char script[512], port_file[300];
    snprintf(script, sizeof script, "%s/tests/support/mfr_server.py", src);
    snprintf(port_file, sizeof port_file, "%s/port", dir);
    write_routes(cJSON_CreateObject());
    server_pid = fork();
    assert_true(server_pid >= 0);
    if (server_pid == 0) {
        execlp("python3", "python3", script, routes_path, port_file, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) { /* up to 10 s */
        FILE *f = fopen(port_file, "r");
        int port = 0;
        if (f && fscanf(f, "%d", &port) == 1 && port > 0) {
            fclose(f);
            snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d", port);
            return;
        }
        if (f)
            fclose(f);
        usleep(50 * 1000);
    }
    fail_msg("the MFR test server did not start");
}

static int setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    key_a = fx_key(0x31);
    key_b = fx_key(0x32);
    fx_pub(key_a, pub_a);
    fx_pub(key_b, pub_b);
    actr_mfr_key_id(pub_a, id_a);
    test_tmpdir_make(dir);
    snprintf(routes_path, sizeof routes_path, "%s/routes.json", dir);
    start_server();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    test_tmpdir_remove(dir);
    actr_signing_key_free(key_a);
    actr_signing_key_free(key_b);
    curl_global_cleanup();
    return 0;
}

/* ---- packages ---- */

static void pack_as(const char *manufacturer, const actr_signing_key_t *key, actr_buf_t *out)
{
    actr_package_manifest_t m = {
        .manufacturer = (char *)manufacturer, .name = "Echo", .version = "1.0.0",
        .binary = {.path = "bin/actor.wasm", .target = "wasm32-wasip2"},
    };
    actr_package_pack_options_t o = {.manifest = &m, .binary = "bin", .binary_len = 3,
                                     .key = key};
    actr_error_t err;
    assert_int_equal(actr_package_pack(&o, out, &err), 0);
}

static int verify_with(actr_trust_provider_t *p, const actr_buf_t *pkg, actr_error_t *err)
{
    actr_verified_package_t vp;
    actr_error_clear(err);
    int rc = actr_trust_verify(p, pkg->data, pkg->len, NULL, &vp, err);
    actr_verified_package_free(&vp);
    return rc;
}

static actr_trust_provider_t *registry(uint32_t timeout_ms, uint32_t ttl_ms)
{
    actr_registry_trust_options_t o = {.base_url = base_url, .connect_timeout_ms = 1000,
                                       .timeout_ms = timeout_ms, .ttl_ms = ttl_ms};
    actr_trust_provider_t *p = NULL;
    actr_error_t err;
    assert_int_equal(actr_trust_registry_new(&o, &p, &err), 0);
    return p;
}

static void path_for(const char *manufacturer, char *out, size_t cap)
{
    snprintf(out, cap, "/mfr/%s/verifying_key?key_id=%s", manufacturer, id_a);
}

/* ---- static and chain ---- */

static void test_static_trust(void **state)
{
    (void)state;
    actr_buf_t pkg;
    pack_as("acme", key_a, &pkg);
    actr_trust_provider_t *a, *b;
    actr_error_t err;
    assert_int_equal(actr_trust_static_new(pub_a, 32, &a, &err), 0);
    assert_int_equal(actr_trust_static_new(pub_b, 32, &b, &err), 0);
    assert_string_equal(a->vtable->name, "static");
    assert_int_equal(verify_with(a, &pkg, &err), 0);
    fx_expect(verify_with(b, &pkg, &err), &err, ACTR_ESIGNATURE, "Ed25519 verification failed");
    actr_trust_provider_t *bad = NULL;
    fx_expect(actr_trust_static_new(pub_a, 31, &bad, &err), &err, ACTR_EINVAL,
              "Ed25519 pubkey must be exactly 32 bytes");
    uint8_t y[32] = {0};
    for (y[0] = 2; actr_ed25519_pubkey_valid(y, 32) == 0; y[0]++)
        ;
    fx_expect(actr_trust_static_new(y, 32, &bad, &err), &err, ACTR_EINVAL,
              "invalid Ed25519 pubkey");
    assert_null(bad);
    actr_trust_free(a);
    actr_trust_free(b);
    actr_buf_release(&pkg);
}

static void test_static_from_file(void **state)
{
    (void)state;
    char path[300], keyfile[300];
    snprintf(path, sizeof path, "%s/public-key.json", dir);
    snprintf(keyfile, sizeof keyfile, "%s/dev-key.json", dir);
    actr_error_t err;
    assert_int_equal(actr_pubkey_file_write(path, pub_a, 0, &err), 0);
    assert_int_equal(actr_keyfile_write(keyfile, key_a, "dev", 0, &err), 0);
    actr_buf_t pkg;
    pack_as("acme", key_a, &pkg);
    const char *files[] = {path, keyfile};
    for (int i = 0; i < 2; i++) {
        actr_trust_provider_t *p = NULL;
        assert_int_equal(actr_trust_static_from_file(files[i], &p, &err), 0);
        assert_int_equal(verify_with(p, &pkg, &err), 0);
        actr_trust_free(p);
    }
    actr_trust_provider_t *p = NULL;
    snprintf(path, sizeof path, "%s/missing.json", dir);
    assert_int_equal(actr_trust_static_from_file(path, &p, &err), ACTR_ENOTFOUND);
    assert_null(p);
    actr_buf_release(&pkg);
}

static void test_chain(void **state)
{
    (void)state;
    actr_buf_t pkg;
    pack_as("acme", key_a, &pkg);
    actr_error_t err;
    actr_trust_provider_t *a, *b, *b2, *unreachable, *chain;
    actr_trust_static_new(pub_a, 32, &a, &err);
    actr_trust_static_new(pub_b, 32, &b, &err);
    actr_trust_provider_t *first_fails[] = {b, a};
    assert_int_equal(actr_trust_chain_new(first_fails, 2, &chain, &err), 0);
    assert_int_equal(verify_with(chain, &pkg, &err), 0);
    actr_trust_free(chain);

    /* All fail: the last provider's error is returned, whichever it is. */
    actr_registry_trust_options_t o = {.base_url = "http://127.0.0.1:1", .timeout_ms = 2000};
    actr_trust_static_new(pub_b, 32, &b, &err);
    actr_trust_registry_new(&o, &unreachable, &err);
    actr_trust_provider_t *last_registry[] = {b, unreachable};
    assert_int_equal(actr_trust_chain_new(last_registry, 2, &chain, &err), 0);
    fx_expect(verify_with(chain, &pkg, &err), &err, ACTR_EUNAVAILABLE,
              "untrusted manufacturer: failed to fetch MFR pubkey (acme)");
    actr_trust_free(chain);
    actr_trust_static_new(pub_b, 32, &b2, &err);
    actr_trust_registry_new(&o, &unreachable, &err);
    actr_trust_provider_t *last_static[] = {unreachable, b2};
    assert_int_equal(actr_trust_chain_new(last_static, 2, &chain, &err), 0);
    fx_expect(verify_with(chain, &pkg, &err), &err, ACTR_ESIGNATURE,
              "Ed25519 verification failed");
    actr_trust_free(chain);

    assert_int_equal(actr_trust_chain_new(NULL, 0, &chain, &err), 0);
    fx_expect(verify_with(chain, &pkg, &err), &err, ACTR_ESIGNATURE,
              "signature verification failed: empty trust chain");
    actr_trust_free(chain);
    actr_buf_release(&pkg);
}

/* ---- registry ---- */

static void test_registry_fetch_and_cache(void **state)
{
    (void)state;
    char path[160], body[256], log[4096];
    path_for("acme", path, sizeof path);
    key_json(pub_a, 32, id_a, body, sizeof body);
    serve_one(path, 200, body, 0);
    actr_trust_provider_t *p = registry(5000, 0);
    uint8_t cached[32];
    assert_int_equal(actr_trust_registry_cached(p, "acme", id_a, cached), ACTR_ENOTFOUND);
    actr_buf_t pkg;
    pack_as("acme", key_a, &pkg);
    int before = request_count();
    actr_error_t err;
    assert_int_equal(verify_with(p, &pkg, &err), 0);
    assert_int_equal(request_count(), before + 1);
    admin_get("/__log", log);
    assert_non_null(strstr(log, path));
    assert_int_equal(actr_trust_registry_cached(p, "acme", id_a, cached), 0);
    assert_memory_equal(cached, pub_a, 32);
    /* Cache hit: no second request. */
    assert_int_equal(verify_with(p, &pkg, &err), 0);
    assert_int_equal(request_count(), before + 1);

    /* Another manufacturer is another cache entry; its name is percent-encoded in the path. */
    actr_buf_t other;
    pack_as("\xc3\xa5" "cme", key_a, &other);
    char encoded[160];
    path_for("%C3%A5cme", encoded, sizeof encoded);
    serve_one(encoded, 200, body, 0);
    assert_int_equal(verify_with(p, &other, &err), 0);
    assert_int_equal(request_count(), before + 2);
    assert_int_equal(verify_with(p, &pkg, &err), 0);
    assert_int_equal(request_count(), before + 2);
    actr_buf_release(&other);
    actr_trust_free(p);

    /* An expired entry is fetched again. */
    serve_one(path, 200, body, 0);
    p = registry(5000, 150);
    assert_int_equal(verify_with(p, &pkg, &err), 0);
    usleep(300 * 1000);
    assert_int_equal(verify_with(p, &pkg, &err), 0);
    assert_int_equal(request_count(), before + 4);
    actr_trust_free(p);
    actr_buf_release(&pkg);
}

static void expect_registry_error(int status, const char *body, int code, const char *fragment)
{
    char path[160];
    path_for("acme", path, sizeof path);
    serve_one(path, status, body, 0);
    actr_trust_provider_t *p = registry(5000, 0);
    actr_buf_t pkg;
    pack_as("acme", key_a, &pkg);
    actr_error_t err;
    fx_expect(verify_with(p, &pkg, &err), &err, code, fragment);
    uint8_t cached[32];
    assert_int_equal(actr_trust_registry_cached(p, "acme", id_a, cached), ACTR_ENOTFOUND);
    actr_trust_free(p);
    actr_buf_release(&pkg);
}

static void test_registry_errors(void **state)
{
    (void)state;
    char body[256];
    expect_registry_error(404, "{}", ACTR_EPERM,
                          "untrusted manufacturer: AIS refused to provide MFR pubkey (acme), "
                          "status=404");
    expect_registry_error(500, "oops", ACTR_EUNAVAILABLE, "status=500");
    expect_registry_error(200, "{\"public_key\": ", ACTR_EPARSE,
                          "failed to parse MFR pubkey response (acme)");
    expect_registry_error(200, "{\"key_id\": \"x\"}", ACTR_EPARSE, "parse");
    expect_registry_error(200, "{\"public_key\": \"not base64!\"}", ACTR_EPARSE,
                          "MFR pubkey base64 decode failed (acme)");
    key_json(pub_a, 16, id_a, body, sizeof body);
    expect_registry_error(200, body, ACTR_EPARSE,
                          "MFR pubkey length incorrect (acme), expected 32 bytes, got 16 bytes");
    /* The registry hands out B's key for A's key id: caught before any signature check. */
    key_json(pub_b, 32, id_a, body, sizeof body);
    expect_registry_error(200, body, ACTR_ESIGNATURE, "MFR pubkey key id mismatch (acme)");
}

static void test_registry_timeout(void **state)
{
    (void)state;
    char path[160], body[256];
    path_for("acme", path, sizeof path);
    key_json(pub_a, 32, id_a, body, sizeof body);
    serve_one(path, 200, body, 3.0);
    actr_trust_provider_t *p = registry(1000, 0);
    actr_buf_t pkg;
    pack_as("acme", key_a, &pkg);
    actr_error_t err;
    uint64_t start = actr_clock_mono_ms();
    fx_expect(verify_with(p, &pkg, &err), &err, ACTR_ETIMEDOUT,
              "failed to fetch MFR pubkey (acme): timed out");
    uint64_t took = actr_clock_mono_ms() - start;
    assert_true(took >= 900 && took < 2500);
    actr_trust_free(p);
    actr_buf_release(&pkg);
}

static void test_registry_no_request_for_bad_input(void **state)
{
    (void)state;
    actr_trust_provider_t *p = registry(5000, 0);
    int before = request_count();
    actr_error_t err;
    static const uint8_t junk[] = "definitely not a zip";
    actr_buf_t not_pkg = actr_buf_static(junk, sizeof junk);
    fx_expect(verify_with(p, &not_pkg, &err), &err, ACTR_EPARSE, "ZIP error");
    /* A package without signing_key_id. */
    char hash[65], manifest[1024];
    fx_sha_hex("bin", 3, hash);
    fx_manifest(manifest, sizeof manifest, "acme", hash, NULL);
    actr_buf_t no_id;
    fx_package(key_a, manifest, "bin", 3, NULL, 0, 0, &no_id);
    fx_expect(verify_with(p, &no_id, &err), &err, ACTR_EINVAL,
              "package manifest missing `signing_key_id`; rebuild with the latest `actr build`");
    actr_buf_release(&no_id);
    /* A manufacturer that could never pass verification. */
    char bad[1024];
    snprintf(bad, sizeof bad, "signing_key_id = \"%s\"", id_a);
    fx_manifest(manifest, sizeof manifest, "../x", hash, bad);
    fx_package(key_a, manifest, "bin", 3, NULL, 0, 0, &no_id);
    fx_expect(verify_with(p, &no_id, &err), &err, ACTR_EINVAL, "not path-safe");
    actr_buf_release(&no_id);
    assert_int_equal(request_count(), before);
    actr_trust_free(p);
}

static void test_base_url(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(actr_trust_registry_base_url("http://h:8081/ais", out, sizeof out), 0);
    assert_string_equal(out, "http://h:8081");
    assert_int_equal(actr_trust_registry_base_url("http://h/ais/ais", out, sizeof out), 0);
    assert_string_equal(out, "http://h");
    assert_int_equal(actr_trust_registry_base_url("http://h/aisx", out, sizeof out), 0);
    assert_string_equal(out, "http://h/aisx");
    assert_int_equal(actr_trust_registry_base_url("http://h:8081/ais", out, 5), ACTR_ERANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_trust),
        cmocka_unit_test(test_static_from_file),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_registry_fetch_and_cache),
        cmocka_unit_test(test_registry_errors),
        cmocka_unit_test(test_registry_timeout),
        cmocka_unit_test(test_registry_no_request_for_bad_input),
        cmocka_unit_test(test_base_url),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
