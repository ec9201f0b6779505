/*
 * test_attach.c - actr_node_attach() with signed packages (spec: platform.md §8.5, engines.md
 * §1.2, §2.7, scenarios 1, 2 and 7): a native package runs through the dynclib engine and its
 * binary lands in {data_dir}/dynclib-cache/<sha256>.so byte for byte, is reused, and is rewritten
 * when corrupt; foreign targets, tampered packages, wrong keys and missing trust are refused
 * before anything is extracted. A wasm32 core-module package runs through the WASM engine. A
 * package stays serial even with conflict keys declared.
 *
 * Arguments: the directory holding the guests built from tests/engine/guests/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "actr/crypto.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/package.h"
#include "actr/ref.h"
#include "base/fsutil.h"
#include "engine/dynclib/dynclib.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/remote.h"
#include "tmpdir.h"

static const char *g_guest_dir;

typedef struct fixture {
    actr_signing_key_t *key;
    actr_trust_provider_t *trust;
    char *binary; /* guest_test.so */
    size_t binary_len;
    char dir[TEST_TMPDIR_SIZE];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(actr_signing_key_generate(&f->key), 0);
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    actr_signing_key_public(f->key, pub);
    assert_int_equal(actr_trust_static_new(pub, sizeof pub, &f->trust, NULL), 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/guest_test.so", g_guest_dir);
    actr_error_t err = {0};
    if (actr_read_file(path, 64u << 20, &f->binary, &f->binary_len, &err) != 0)
        fail_msg("%s", err.message);
    test_tmpdir_make(f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    test_tmpdir_remove(f->dir);
    free(f->binary);
    actr_trust_free(f->trust);
    actr_signing_key_free(f->key);
    free(f);
    return 0;
}

/* A package of binary for target (kind optional), signed with key. */
static actr_buf_t pack(const actr_signing_key_t *key, const void *binary, size_t len,
                       const char *target, actr_binary_kind_t kind)
{
    actr_package_manifest_t m = {0};
    m.manufacturer = "acme";
    m.name = "Guest";
    m.version = "1.0.0";
    m.binary.path = "bin/guest.so";
    m.binary.target = (char *)target;
    m.binary.kind = kind;
    actr_package_pack_options_t o = {.manifest = &m, .binary = binary, .binary_len = len,
                                     .key = key};
    actr_buf_t out;
    actr_error_t err = {0};
    if (actr_package_pack(&o, &out, &err) != 0)
        fail_msg("pack: %s", err.message);
    return out;
}

static actr_hyper_t *hyper(const fixture_t *f, const char *data_dir, bool with_trust)
{
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    o.workers = 2;
    o.data_dir = data_dir;
    o.trust = with_trust ? f->trust : NULL;
    actr_hyper_t *h;
    actr_error_t err = {0};
    if (actr_hyper_new(&o, &h, &err) != 0)
        fail_msg("hyper: %s", err.message);
    return h;
}

/* Attaches pkg to a new node, starts it, checks one echo and the node's type; frees it. */
static void run_echo(actr_hyper_t *h, const actr_buf_t *pkg)
{
    actr_node_t *node;
    actr_ref_t *ref;
    actr_error_t err = {0};
    assert_int_equal(actr_node_new(h, NULL, &node, &err), 0);
    if (actr_node_attach(node, pkg->data, pkg->len, &err) != 0)
        fail_msg("attach: %s", err.message);
    assert_int_equal(actr_node_state(node), ACTR_NODE_ATTACHED);
    /* What PACKAGE-mode registration will send: the signed manifest bytes and the target. */
    assert_non_null(node->package);
    assert_string_equal(node->package->target, actr_dynclib_host_triple());
    assert_true(node->package->manifest_raw_len > 0);
    assert_non_null(memmem(node->package->manifest_raw, node->package->manifest_raw_len,
                           "name = \"Guest\"", 14));
    assert_int_equal(actr_node_register_local(node, 7, 0, &err), 0);
    char type[ACTR_TYPE_STR_SIZE];
    actr_type_format(&actr_node_id(node)->type, type, sizeof type, NULL);
    assert_string_equal(type, "acme:Guest:1.0.0"); /* from the manifest */
    if (actr_node_start(node, &ref, &err) != 0)
        fail_msg("start: %s", err.message);
    actr_buf_t req = actr_buf_static("ping", 4), resp;
    assert_int_equal(actr_ref_call(ref, NULL, "test.Guest.Echo", &req, 5000, &resp, &err), 0);
    assert_int_equal(resp.len, 4);
    assert_memory_equal(resp.data, "ping", 4);
    actr_buf_release(&resp);
    actr_node_free(node);
}

static void cache_path(const fixture_t *f, char *out, size_t cap)
{
    char hex[2 * ACTR_SHA256_LEN + 1];
    uint8_t sha[ACTR_SHA256_LEN];
    actr_sha256(f->binary, f->binary_len, sha);
    for (int i = 0; i < ACTR_SHA256_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/dynclib-cache", f->dir);
    assert_int_equal(actr_dynclib_cache_path(dir, hex, out, cap), 0);
}

static void expect_file(const char *path, const void *data, size_t len)
{
    char *got;
    size_t n;
    assert_int_equal(actr_read_file(path, 64u << 20, &got, &n, NULL), 0);
    assert_int_equal(n, len);
    assert_memory_equal(got, data, len);
    free(got);
}

static void test_native_package_and_cache(void **state)
{
    fixture_t *f = *state;
    actr_buf_t pkg = pack(f->key, f->binary, f->binary_len, actr_dynclib_host_triple(), 0);
    actr_hyper_t *h = hyper(f, f->dir, true);
    char cached[4096];
    cache_path(f, cached, sizeof cached);

    run_echo(h, &pkg); /* first load writes the cache file, byte-identical */
    expect_file(cached, f->binary, f->binary_len);
    struct stat before, after;
    assert_int_equal(stat(cached, &before), 0);
    assert_int_equal(before.st_mode & 0777, 0700);

    run_echo(h, &pkg); /* reused: the very same file */
    assert_int_equal(stat(cached, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);

    /* A corrupt cached copy fails to load, is deleted, rewritten once, and loading succeeds. */
    FILE *fp = fopen(cached, "wb");
    assert_non_null(fp);
    fputs("not a shared library", fp);
    fclose(fp);
    run_echo(h, &pkg);
    expect_file(cached, f->binary, f->binary_len);

    actr_hyper_free(h);
    actr_buf_release(&pkg);
}

static void test_ephemeral_hyper(void **state)
{
    fixture_t *f = *state;
    actr_buf_t pkg = pack(f->key, f->binary, f->binary_len, actr_dynclib_host_triple(), 0);
    actr_hyper_t *h = hyper(f, NULL, true); /* no data dir: a temporary copy */
    run_echo(h, &pkg);
    actr_hyper_free(h);
    actr_buf_release(&pkg);
}

/* Attach must fail with code and fragment, leave the node in INIT and extract nothing. */
static void expect_refused(const fixture_t *f, actr_hyper_t *h, const actr_buf_t *pkg, int code,
                           const char *fragment)
{
    actr_node_t *node;
    actr_error_t err = {0};
    assert_int_equal(actr_node_new(h, NULL, &node, &err), 0);
    int rc = actr_node_attach(node, pkg->data, pkg->len, &err);
    if (rc != code || !strstr(err.message, fragment))
        fail_msg("attach: %d '%s', want %d '%s'", rc, err.message, code, fragment);
    assert_int_equal(actr_node_state(node), ACTR_NODE_INIT);
    actr_node_free(node);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/dynclib-cache", f->dir);
    struct stat st;
    assert_int_not_equal(stat(dir, &st), 0);
}

static void test_refusals(void **state)
{
    fixture_t *f = *state;
    actr_hyper_t *h = hyper(f, f->dir, true);

    actr_buf_t pkg = pack(f->key, f->binary, f->binary_len, "aarch64-apple-darwin", 0);
    expect_refused(f, h, &pkg, ACTR_EINVAL, "unsupported binary target `aarch64-apple-darwin`");
    actr_buf_release(&pkg);
    pkg = pack(f->key, f->binary, f->binary_len, "x86_64-linux", 0);
    expect_refused(f, h, &pkg, ACTR_EINVAL, "unsupported binary target");
    actr_buf_release(&pkg);

    /* A component is not something this runtime runs; a core module goes to the WASM engine
     * (these bytes are no module: refused either way, never extracted). */
    pkg = pack(f->key, "\0asm", 4, "wasm32-wasip2", ACTR_BINARY_KIND_COMPONENT);
    expect_refused(f, h, &pkg, ACTR_EUNSUPPORTED, "component");
    actr_buf_release(&pkg);

    /* One flipped binary byte: the ZIP's CRC (then the manifest hash) catches it before
     * anything is extracted. */
    pkg = pack(f->key, f->binary, f->binary_len, actr_dynclib_host_triple(), 0);
    uint8_t *bytes = (uint8_t *)pkg.data; /* ours: nothing else holds this buffer */
    uint8_t *at = memmem(bytes, pkg.len, f->binary + 64, 64);
    assert_non_null(at);
    at[10] ^= 0x01;
    expect_refused(f, h, &pkg, ACTR_EPARSE, "bin/guest.so");
    actr_buf_release(&pkg);

    /* Signed with another key. */
    actr_signing_key_t *other;
    assert_int_equal(actr_signing_key_generate(&other), 0);
    pkg = pack(other, f->binary, f->binary_len, actr_dynclib_host_triple(), 0);
    expect_refused(f, h, &pkg, ACTR_ESIGNATURE, "");
    actr_signing_key_free(other);

    /* Not a package at all. */
    actr_buf_t junk = actr_buf_static("PK\3\4 nope", 10);
    expect_refused(f, h, &junk, ACTR_EPARSE, "");
    actr_hyper_free(h);

    /* No trust provider: nothing can be verified. */
    h = hyper(f, f->dir, false);
    expect_refused(f, h, &pkg, ACTR_EPERM, "trust provider");
    actr_hyper_free(h);
    actr_buf_release(&pkg);
}

/* The same echo source built as a wasm32 core module runs through the WASM engine. */
static void test_wasm_package(void **state)
{
    fixture_t *f = *state;
    char path[4096];
    snprintf(path, sizeof path, "%s/echo_service_wasm.wasm", g_guest_dir);
    char *wasm;
    size_t wasm_len;
    actr_error_t err = {0};
    if (actr_read_file(path, 64u << 20, &wasm, &wasm_len, &err) != 0)
        fail_msg("%s", err.message);
    actr_buf_t pkg = pack(f->key, wasm, wasm_len, "wasm32-wasip1", ACTR_BINARY_KIND_CORE_MODULE);
    actr_hyper_t *h = hyper(f, f->dir, true);
    actr_node_t *node;
    actr_ref_t *ref;
    assert_int_equal(actr_node_new(h, NULL, &node, &err), 0);
    if (actr_node_attach(node, pkg.data, pkg.len, &err) != 0)
        fail_msg("attach: %s", err.message);
    assert_int_equal(actr_node_register_local(node, 7, 0, &err), 0);
    if (actr_node_start(node, &ref, &err) != 0)
        fail_msg("start: %s", err.message);
    actr_buf_t req = actr_buf_static("ping", 4), resp;
    assert_int_equal(actr_ref_call(ref, NULL, "echo.EchoService.Echo", &req, 5000, &resp, &err),
                     0);
    assert_int_equal(resp.len, 10);
    assert_memory_equal(resp.data, "Echo: ping", 10);
    actr_buf_release(&resp);
    /* The init payload and the invocation context reach the wasm guest too. */
    assert_int_equal(actr_ref_call(ref, NULL, "echo.EchoService.Whoami", NULL, 5000, &resp, &err),
                     0);
    char text[256];
    snprintf(text, sizeof text, "%.*s", (int)resp.len, (const char *)resp.data);
    actr_buf_release(&resp);
    assert_true(strncmp(text, "acme:Guest:1.0.0#", 17) == 0);
    actr_node_free(node);
    actr_buf_release(&pkg);

    /* Not a valid module: refused at attach by the engine. */
    pkg = pack(f->key, "\0asm\1\0\0\0\xff", 9, "wasm32-wasip1", ACTR_BINARY_KIND_CORE_MODULE);
    expect_refused(f, h, &pkg, ACTR_EPARSE, "");
    actr_buf_release(&pkg);
    actr_hyper_free(h);
    free(wasm);
}

static void test_wrong_state(void **state)
{
    fixture_t *f = *state;
    actr_buf_t pkg = pack(f->key, f->binary, f->binary_len, actr_dynclib_host_triple(), 0);
    actr_hyper_t *h = hyper(f, NULL, true);
    actr_node_t *node;
    actr_error_t err = {0};
    assert_int_equal(actr_node_new(h, NULL, &node, &err), 0);
    assert_int_equal(actr_node_attach(node, pkg.data, pkg.len, &err), 0);
    assert_int_equal(actr_node_attach(node, pkg.data, pkg.len, &err), ACTR_ESTATE);
    assert_int_equal(actr_node_attach(NULL, pkg.data, pkg.len, &err), ACTR_EINVAL);
    actr_node_free(node); /* attached, never started: the guest is shut down and unloaded */
    actr_hyper_free(h);
    actr_buf_release(&pkg);
}

/* Conflict keys declared for a package are not engaged: its engine instance is not safe for
 * entries on several threads, so the node runs serial (docs/DISPATCH.md) and still answers. */
static void test_package_with_conflict_keys_stays_serial(void **state)
{
    fixture_t *f = *state;
    actr_buf_t pkg = pack(f->key, f->binary, f->binary_len, actr_dynclib_host_triple(), 0);
    actr_hyper_t *h = hyper(f, NULL, true);
    actr_node_t *node;
    actr_ref_t *ref;
    actr_error_t err = {0};
    const actr_conflict_decl_t keys[] = {
        {"test.Guest.Echo", ACTR_CONFLICT_SENDER, 0, 0, NULL},
    };
    assert_int_equal(actr_node_new(h, NULL, &node, &err), 0);
    assert_int_equal(actr_node_attach(node, pkg.data, pkg.len, &err), 0);
    assert_int_equal(actr_node_set_conflict_keys(node, keys, 1, &err), 0);
    assert_int_equal(actr_node_register_local(node, 7, 0, &err), 0);
    if (actr_node_start(node, &ref, &err) != 0)
        fail_msg("start: %s", err.message);
    assert_false(actr_node_dispatch_engaged(node));
    actr_buf_t req = actr_buf_static("ping", 4), resp;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(actr_ref_call(ref, NULL, "test.Guest.Echo", &req, 5000, &resp, &err), 0);
        assert_int_equal(resp.len, 4);
        actr_buf_release(&resp);
    }
    actr_node_free(node);
    actr_hyper_free(h);
    actr_buf_release(&pkg);
}

int main(int argc, char **argv)
{
    g_guest_dir = argc > 1 ? argv[1] : "guests";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_native_package_and_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ephemeral_hyper, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasm_package, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_package_with_conflict_keys_stays_serial, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
