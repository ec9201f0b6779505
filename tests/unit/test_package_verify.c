/* Package verification (platform.md §1.7): round trip, tampering, limits, hostile archives. */
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

static actr_signing_key_t *key_a, *key_b;
static uint8_t pub_a[ACTR_ED25519_PUBLIC_KEY_LEN], pub_b[ACTR_ED25519_PUBLIC_KEY_LEN];

static const char binary[] = "\0asm fake component bytes for the verifier tests";
#define BINARY_LEN (sizeof binary - 1)

static int setup(void **state)
{
    (void)state;
    key_a = fx_key(0x11);
    key_b = fx_key(0x22);
    fx_pub(key_a, pub_a);
    fx_pub(key_b, pub_b);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    actr_signing_key_free(key_a);
    actr_signing_key_free(key_b);
    return 0;
}

static const actr_package_manifest_t template_manifest = {
    .manufacturer = "acme",
    .name = "EchoService",
    .version = "1.0.0",
    .binary = {.path = "bin/actor.wasm", .target = "wasm32-wasip2",
               .kind = ACTR_BINARY_KIND_COMPONENT},
    .description = "echo \"service\"",
};

static const actr_package_input_t resources[] = {
    {"resources/glue.js", "export {}", 9},
    {"config/a.toml", "x = 1\n", 6},
};
static const actr_package_input_t protos[] = {
    {"echo.proto", "syntax = \"proto3\";\nservice Echo {}", 34},
    {"common.proto", "syntax = \"proto3\";", 18},
};
static const char lock_text[] = "[[dependency]]\nname = \"x\"\n";

static void pack_full(const actr_signing_key_t *key, actr_buf_t *out)
{
    actr_package_pack_options_t o = {
        .manifest = &template_manifest,
        .binary = binary, .binary_len = BINARY_LEN,
        .resources = resources, .resource_count = 2,
        .proto_files = protos, .proto_file_count = 2,
        .lock_file = lock_text, .lock_file_len = sizeof lock_text - 1,
        .key = key,
    };
    actr_error_t err;
    int rc = actr_package_pack(&o, out, &err);
    if (rc != 0)
        fail_msg("pack: %s", err.message);
}

static int verify(const actr_buf_t *pkg, const uint8_t *pub, const actr_package_limits_t *lim,
                  actr_error_t *err)
{
    actr_verified_package_t vp;
    int rc = actr_package_verify(pkg->data, pkg->len, pub, ACTR_ED25519_PUBLIC_KEY_LEN, lim, &vp,
                                 err);
    actr_verified_package_free(&vp);
    return rc;
}

static void expect_verify(const actr_buf_t *pkg, const actr_package_limits_t *lim, int code,
                          const char *fragment)
{
    actr_error_t err;
    actr_error_clear(&err);
    fx_expect(verify(pkg, pub_a, lim, &err), &err, code, fragment);
}

static void test_roundtrip(void **state)
{
    (void)state;
    actr_buf_t pkg;
    pack_full(key_a, &pkg);
    assert_memory_equal(pkg.data, "PK\x03\x04", 4);
    actr_verified_package_t vp;
    actr_error_t err;
    assert_int_equal(actr_package_verify(pkg.data, pkg.len, pub_a, 32, NULL, &vp, &err), 0);
    const actr_package_manifest_t *m = &vp.manifest;
    assert_string_equal(m->manufacturer, "acme");
    assert_string_equal(m->name, "EchoService");
    assert_string_equal(m->version, "1.0.0");
    assert_string_equal(m->description, "echo \"service\"");
    assert_int_equal(m->binary.kind, ACTR_BINARY_KIND_COMPONENT);
    assert_int_equal(m->binary.size, BINARY_LEN);
    assert_int_equal(m->resource_count, 2);
    assert_string_equal(m->resources[1].path, "config/a.toml");
    assert_int_equal(m->proto_file_count, 2);
    assert_string_equal(m->proto_files[0].path, "proto/echo.proto");
    assert_true(m->has_lock_file);
    char key_id[ACTR_MFR_KEY_ID_SIZE];
    assert_int_equal(actr_mfr_key_id(pub_a, key_id), 0);
    assert_string_equal(m->signing_key_id, key_id);

    /* The exact signed bytes and signature are what the unverified readers see. */
    actr_buf_t raw;
    uint8_t sig[64];
    assert_int_equal(actr_package_read_manifest_raw(pkg.data, pkg.len, &raw, &err), 0);
    assert_int_equal(raw.len, vp.manifest_raw.len);
    assert_memory_equal(raw.data, vp.manifest_raw.data, raw.len);
    assert_int_equal(actr_package_read_signature(pkg.data, pkg.len, sig, &err), 0);
    assert_memory_equal(sig, vp.signature, 64);
    assert_int_equal(actr_ed25519_verify(pub_a, 32, raw.data, raw.len, sig, 64), 0);
    actr_buf_release(&raw);

    actr_buf_t bin;
    assert_int_equal(actr_verified_package_read(&vp, pkg.data, pkg.len, "bin/actor.wasm", 1024,
                                                &bin, &err), 0);
    assert_int_equal(bin.len, BINARY_LEN);
    assert_memory_equal(bin.data, binary, BINARY_LEN);
    actr_buf_release(&bin);
    fx_expect(actr_verified_package_read(&vp, pkg.data, pkg.len, "evil", 1024, &bin, &err), &err,
              ACTR_ENOTFOUND, "not listed");

    bool found = false;
    actr_buf_t lock;
    assert_int_equal(actr_package_read_lock_file(pkg.data, pkg.len, 0, &lock, &found, &err), 0);
    assert_true(found);
    assert_memory_equal(lock.data, lock_text, lock.len);
    actr_buf_release(&lock);
    actr_package_proto_t *p = NULL;
    size_t np = 0;
    assert_int_equal(actr_package_read_proto_files(pkg.data, pkg.len, 0, &p, &np, &err), 0);
    assert_int_equal(np, 2);
    assert_string_equal(p[1].name, "common.proto");
    assert_memory_equal(p[1].content.data, protos[1].data, protos[1].len);
    actr_package_protos_free(p, np);
    assert_int_equal(actr_package_load_binary(pkg.data, pkg.len, 0, &bin, &err), 0);
    assert_int_equal(bin.len, BINARY_LEN);
    actr_buf_release(&bin);
    actr_verified_package_free(&vp);
    actr_buf_release(&pkg);
}

/* The three signed parts of a packed package, to rebuild it with one of them changed. */
typedef struct parts {
    actr_buf_t manifest;
    uint8_t sig[64];
} parts_t;

static void split(const actr_buf_t *pkg, parts_t *p)
{
    actr_error_t err;
    assert_int_equal(actr_package_read_manifest_raw(pkg->data, pkg->len, &p->manifest, &err), 0);
    assert_int_equal(actr_package_read_signature(pkg->data, pkg->len, p->sig, &err), 0);
}

static void rebuild(const uint8_t *manifest, size_t mlen, const uint8_t *sig, const void *bin,
                    size_t bin_len, actr_buf_t *out)
{
    fx_entry_t e[] = {
        {"manifest.toml", manifest, mlen, 0},
        {"manifest.sig", sig, 64, 0},
        {"bin/actor.wasm", bin, bin_len, 0},
    };
    fx_zip(e, 3, out);
}

static void simple_pack(actr_buf_t *out)
{
    actr_package_pack_options_t o = {.manifest = &template_manifest, .binary = binary,
                                     .binary_len = BINARY_LEN, .key = key_a};
    actr_error_t err;
    assert_int_equal(actr_package_pack(&o, out, &err), 0);
}

static void test_every_manifest_byte_flip_rejected(void **state)
{
    (void)state;
    actr_buf_t pkg;
    simple_pack(&pkg);
    parts_t p;
    split(&pkg, &p);
    uint8_t *m = malloc(p.manifest.len);
    for (size_t i = 0; i < p.manifest.len; i++) {
        memcpy(m, p.manifest.data, p.manifest.len);
        m[i] ^= 0x01;
        actr_buf_t bad;
        rebuild(m, p.manifest.len, p.sig, binary, BINARY_LEN, &bad);
        expect_verify(&bad, NULL, ACTR_ESIGNATURE, "Ed25519 verification failed");
        actr_buf_release(&bad);
    }
    free(m);
    actr_buf_release(&p.manifest);
    actr_buf_release(&pkg);
}

static void test_every_signature_byte_flip_rejected(void **state)
{
    (void)state;
    actr_buf_t pkg;
    simple_pack(&pkg);
    parts_t p;
    split(&pkg, &p);
    for (size_t i = 0; i < 64; i++) {
        uint8_t sig[64];
        memcpy(sig, p.sig, 64);
        sig[i] ^= 0x01;
        actr_buf_t bad;
        rebuild(p.manifest.data, p.manifest.len, sig, binary, BINARY_LEN, &bad);
        expect_verify(&bad, NULL, ACTR_ESIGNATURE, "signature verification failed");
        actr_buf_release(&bad);
    }
    actr_buf_release(&p.manifest);
    actr_buf_release(&pkg);
}

static void test_every_binary_byte_flip_rejected(void **state)
{
    (void)state;
    actr_buf_t pkg;
    simple_pack(&pkg);
    parts_t p;
    split(&pkg, &p);
    for (size_t i = 0; i < BINARY_LEN; i++) {
        char bin[BINARY_LEN];
        memcpy(bin, binary, BINARY_LEN);
        bin[i] ^= 0x01;
        actr_buf_t bad;
        rebuild(p.manifest.data, p.manifest.len, p.sig, bin, BINARY_LEN, &bad);
        expect_verify(&bad, NULL, ACTR_ESIGNATURE, "binary hash mismatch: bin/actor.wasm");
        actr_buf_release(&bad);
    }
    actr_buf_release(&p.manifest);
    actr_buf_release(&pkg);
}

/* Flipping any byte of the archive must never crash, and an accepted archive must still carry
 * the original manifest and binary. */
static void flip_whole_archive(const actr_buf_t *pkg, const actr_buf_t *manifest)
{
    uint8_t *copy = malloc(pkg->len);
    int accepted = 0;
    for (size_t i = 0; i < pkg->len; i++) {
        memcpy(copy, pkg->data, pkg->len);
        copy[i] ^= 0x01;
        actr_verified_package_t vp;
        actr_error_t err;
        if (actr_package_verify(copy, pkg->len, pub_a, 32, NULL, &vp, &err) != 0) {
            assert_true(err.message[0] != '\0');
            continue;
        }
        accepted++;
        assert_int_equal(vp.manifest_raw.len, manifest->len);
        assert_memory_equal(vp.manifest_raw.data, manifest->data, manifest->len);
        actr_buf_t bin;
        assert_int_equal(actr_package_load_binary(copy, pkg->len, 0, &bin, &err), 0);
        assert_int_equal(bin.len, BINARY_LEN);
        assert_memory_equal(bin.data, binary, BINARY_LEN);
        actr_buf_release(&bin);
        actr_verified_package_free(&vp);
    }
    /* Metadata bytes (timestamps, attributes) may change harmlessly; most flips must fail. */
    assert_true((size_t)accepted < pkg->len / 2);
    free(copy);
}

static void test_raw_archive_flips_never_accept_changes(void **state)
{
    (void)state;
    actr_buf_t pkg, deflated;
    simple_pack(&pkg);
    parts_t p;
    split(&pkg, &p);
    flip_whole_archive(&pkg, &p.manifest);
    char *text = strndup((const char *)p.manifest.data, p.manifest.len);
    fx_package(key_a, text, binary, BINARY_LEN, NULL, 0, 1, &deflated);
    free(text);
    flip_whole_archive(&deflated, &p.manifest);
    actr_buf_release(&deflated);
    actr_buf_release(&p.manifest);
    actr_buf_release(&pkg);
}

static void test_wrong_key_rejected(void **state)
{
    (void)state;
    actr_buf_t pkg;
    pack_full(key_b, &pkg);
    expect_verify(&pkg, NULL, ACTR_ESIGNATURE,
                  "signature verification failed: Ed25519 verification failed");
    actr_error_t err;
    assert_int_equal(verify(&pkg, pub_b, NULL, &err), 0);
    actr_buf_release(&pkg);
}

static void test_missing_entries(void **state)
{
    (void)state;
    char hash[65], manifest[1024];
    fx_sha_hex(binary, BINARY_LEN, hash);
    fx_manifest(manifest, sizeof manifest, "acme", hash, NULL);
    uint8_t sig[64];
    assert_int_equal(actr_signing_key_sign(key_a, manifest, strlen(manifest), sig), 0);
    fx_entry_t all[] = {
        {"manifest.toml", manifest, strlen(manifest), 0},
        {"manifest.sig", sig, 64, 0},
        {"bin/actor.wasm", binary, BINARY_LEN, 0},
    };
    actr_buf_t pkg;
    fx_entry_t no_sig[] = {all[0], all[2]};
    fx_zip(no_sig, 2, &pkg);
    expect_verify(&pkg, NULL, ACTR_ENOTFOUND, "manifest.sig not found in package");
    actr_buf_release(&pkg);
    fx_entry_t no_manifest[] = {all[1], all[2]};
    fx_zip(no_manifest, 2, &pkg);
    expect_verify(&pkg, NULL, ACTR_ENOTFOUND, "manifest.toml not found in package");
    actr_buf_release(&pkg);
    fx_zip(all, 2, &pkg);
    expect_verify(&pkg, NULL, ACTR_ENOTFOUND, "binary not found in package: bin/actor.wasm");
    actr_buf_release(&pkg);
    fx_zip(all, 3, &pkg);
    expect_verify(&pkg, NULL, 0, "");
    actr_buf_release(&pkg);

    static const uint8_t junk[] = "this is not a zip archive";
    actr_buf_t not_zip = actr_buf_static(junk, sizeof junk);
    expect_verify(&not_zip, NULL, ACTR_EPARSE, "ZIP error");
    expect_verify(&(actr_buf_t)ACTR_BUF_INIT, NULL, ACTR_EPARSE, "ZIP error");
}

static void test_signature_length(void **state)
{
    (void)state;
    char hash[65], manifest[1024];
    fx_sha_hex(binary, BINARY_LEN, hash);
    fx_manifest(manifest, sizeof manifest, "acme", hash, NULL);
    uint8_t sig[65];
    assert_int_equal(actr_signing_key_sign(key_a, manifest, strlen(manifest), sig), 0);
    sig[64] = 0;
    for (size_t len = 63; len <= 65; len += 2) {
        fx_entry_t e[] = {
            {"manifest.toml", manifest, strlen(manifest), 0},
            {"manifest.sig", sig, len, 0},
            {"bin/actor.wasm", binary, BINARY_LEN, 0},
        };
        actr_buf_t pkg;
        fx_zip(e, 3, &pkg);
        if (len == 63)
            expect_verify(&pkg, NULL, ACTR_ESIGNATURE,
                          "manifest.sig must be exactly 64 bytes, got 63");
        else
            expect_verify(&pkg, NULL, ACTR_ETOOBIG,
                          "invalid package: ZIP entry `manifest.sig` declares 65 bytes, exceeds "
                          "limit 64");
        actr_buf_release(&pkg);
    }
}

static void test_manifest_too_big(void **state)
{
    (void)state;
    size_t len = ACTR_PACKAGE_MANIFEST_MAX_BYTES + 1;
    char *big = malloc(len + 1);
    memset(big, '#', len);
    big[len] = '\0';
    actr_buf_t pkg;
    fx_package(key_a, big, binary, BINARY_LEN, NULL, 0, 1, &pkg);
    expect_verify(&pkg, NULL, ACTR_ETOOBIG,
                  "ZIP entry `manifest.toml` declares 1048577 bytes, exceeds limit 1048576");
    actr_buf_release(&pkg);
    free(big);
}

static void test_entry_limits(void **state)
{
    (void)state;
    actr_buf_t pkg;
    pack_full(key_a, &pkg);
    char want[160];
    actr_package_limits_t lim = actr_package_limits_bounded(20);
    snprintf(want, sizeof want, "ZIP entry `bin/actor.wasm` declares %zu bytes, exceeds limit 20",
             BINARY_LEN);
    expect_verify(&pkg, &lim, ACTR_ETOOBIG, want);
    /* binary + glue.js (9) fit, config/a.toml (6) does not. */
    lim = (actr_package_limits_t){64, BINARY_LEN + 14, 1024};
    snprintf(want, sizeof want,
             "signed payload declares %zu cumulative bytes at `config/a.toml`, exceeds limit %zu",
             BINARY_LEN + 15, BINARY_LEN + 14);
    expect_verify(&pkg, &lim, ACTR_ETOOBIG, want);
    lim = (actr_package_limits_t){64, 1 << 20, 5};
    expect_verify(&pkg, &lim, ACTR_ETOOBIG, "signed payload has 6 entries, exceeds limit 5");
    lim = (actr_package_limits_t){64, 1 << 20, 6};
    expect_verify(&pkg, &lim, 0, "");
    actr_buf_release(&pkg);
}

static void test_more_than_1024_entries(void **state)
{
    (void)state;
    enum { N = 1024 };
    actr_package_input_t *res = calloc(N, sizeof *res);
    char (*names)[32] = calloc(N, sizeof *names);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "res/%04d", i);
        res[i] = (actr_package_input_t){names[i], "r", 1};
    }
    actr_package_pack_options_t o = {.manifest = &template_manifest, .binary = binary,
                                     .binary_len = BINARY_LEN, .resources = res,
                                     .resource_count = N, .key = key_a};
    actr_buf_t pkg;
    actr_error_t err;
    assert_int_equal(actr_package_pack(&o, &pkg, &err), 0);
    expect_verify(&pkg, NULL, ACTR_ETOOBIG, "signed payload has 1025 entries, exceeds limit 1024");
    actr_buf_release(&pkg);
    free(names);
    free(res);
}

static void test_zip_bomb(void **state)
{
    (void)state;
    size_t big = 256 * 1024;
    uint8_t *zeros = calloc(1, big);
    char hash[65], manifest[1024];
    fx_sha_hex(zeros, big, hash);
    fx_manifest(manifest, sizeof manifest, "acme", hash, NULL);
    actr_buf_t pkg;
    fx_package(key_a, manifest, zeros, big, NULL, 0, 1, &pkg);
    expect_verify(&pkg, NULL, 0, "");
    uint8_t *copy = malloc(pkg.len);
    /* The central directory claims 10 bytes; inflating produces 256 KiB. */
    memcpy(copy, pkg.data, pkg.len);
    assert_int_equal(fx_patch_declared_size(copy, pkg.len, "bin/actor.wasm", 10), 2);
    actr_buf_t bomb = actr_buf_static(copy, pkg.len);
    expect_verify(&bomb, NULL, ACTR_ETOOBIG,
                  "ZIP entry `bin/actor.wasm` decompresses to more than its declared 10 bytes");
    /* Declared exactly at the limit, actually far over it. */
    memcpy(copy, pkg.data, pkg.len);
    assert_int_equal(fx_patch_declared_size(copy, pkg.len, "bin/actor.wasm", 4096), 2);
    actr_package_limits_t lim = actr_package_limits_bounded(4096);
    expect_verify(&bomb, &lim, ACTR_ETOOBIG,
                  "ZIP entry `bin/actor.wasm` exceeds decompressed limit 4096");
    free(copy);
    free(zeros);
    actr_buf_release(&pkg);
}

static void test_duplicate_names(void **state)
{
    (void)state;
    actr_buf_t pkg;
    char hash[65], manifest[1024];
    fx_sha_hex(binary, BINARY_LEN, hash);
    fx_manifest(manifest, sizeof manifest, "acme", hash, NULL);
    static const char other[] = "manufacturer = \"evil\"";
    fx_entry_t extra[] = {{"manifest.tomX", other, sizeof other - 1, 0}};
    fx_package(key_a, manifest, binary, BINARY_LEN, extra, 1, 0, &pkg);
    uint8_t *copy = malloc(pkg.len);
    memcpy(copy, pkg.data, pkg.len);
    assert_int_equal(fx_replace_all(copy, pkg.len, "manifest.tomX", "manifest.toml"), 2);
    actr_buf_t dup = actr_buf_static(copy, pkg.len);
    expect_verify(&dup, NULL, ACTR_EPARSE, "duplicate ZIP entry name `manifest.toml`");
    free(copy);
    actr_buf_release(&pkg);
}

/* A signed manifest with extra TOML, the binary, and one extra entry named entry_name. */
static void expect_manifest_rejected(const char *manufacturer, const char *extra_toml,
                                     const char *entry_name, int code, const char *fragment)
{
    char hash[65], manifest[2048], toml[1024];
    fx_sha_hex(binary, BINARY_LEN, hash);
    /* "@HASH@" in extra_toml stands for the binary's hash. */
    const char *at = strstr(extra_toml, "@HASH@");
    if (at)
        snprintf(toml, sizeof toml, "%.*s%s%s", (int)(at - extra_toml), extra_toml, hash, at + 6);
    else
        snprintf(toml, sizeof toml, "%s", extra_toml);
    fx_manifest(manifest, sizeof manifest, manufacturer, hash, toml);
    fx_entry_t extra[] = {{entry_name, "x", 1, 0}};
    actr_buf_t pkg;
    fx_package(key_a, manifest, binary, BINARY_LEN, extra, entry_name ? 1 : 0, 0, &pkg);
    expect_verify(&pkg, NULL, code, fragment);
    actr_buf_release(&pkg);
}

#define RESOURCE(path) "[[resources]]\npath = " path "\nhash = \"@HASH@\"\n"

static void test_unsafe_names_rejected(void **state)
{
    (void)state;
    expect_manifest_rejected("acme", RESOURCE("\"../x\""), "../x", ACTR_EINVAL,
                             "resources[].path `../x` is not a safe ZIP entry name: `..` segment");
    expect_manifest_rejected("acme", RESOURCE("\"/abs\""), "/abs", ACTR_EINVAL,
                             "`/abs` is not a safe ZIP entry name: absolute path");
    expect_manifest_rejected("acme", RESOURCE("'a\\b'"), "a\\b", ACTR_EINVAL,
                             "`a\\b` is not a safe ZIP entry name: backslash");
    expect_manifest_rejected("acme", RESOURCE("\"a/../../b\""), "a/../../b", ACTR_EINVAL,
                             "`..` segment");
    expect_manifest_rejected("acme",
                             "[[proto_files]]\nname = \"../e.proto\"\npath = \"proto/e.proto\"\n"
                             "hash = \"@HASH@\"\n",
                             "proto/e.proto", ACTR_EINVAL, "proto_files[].name `../e.proto`");
    expect_manifest_rejected("..", "", NULL, ACTR_EINVAL, "type `..:Echo:1.0.0` is not path-safe");
}

static void test_field_checks(void **state)
{
    (void)state;
    char hash[65], upper[65], manifest[1024];
    fx_sha_hex(binary, BINARY_LEN, hash);
    for (size_t i = 0; i < 64; i++)
        upper[i] = (char)(hash[i] >= 'a' ? hash[i] - 32 : hash[i]);
    upper[64] = '\0';
    actr_buf_t pkg;
    fx_manifest(manifest, sizeof manifest, "acme", upper, NULL);
    fx_package(key_a, manifest, binary, BINARY_LEN, NULL, 0, 0, &pkg);
    expect_verify(&pkg, NULL, ACTR_EPARSE,
                  "manifest parse error: binary.hash must be a 64-character SHA-256 hex string");
    actr_buf_release(&pkg);
    expect_manifest_rejected("acme", "signature_algorithm = \"rsa\"", NULL, ACTR_EUNSUPPORTED,
                             "signature_algorithm must be `ed25519`");
    expect_manifest_rejected("acme", "signature_algorithm = \"Ed25519\"", NULL,
                             ACTR_EUNSUPPORTED, "got `Ed25519`");
    expect_manifest_rejected("acme", "[lock_file]\npath = \"manifest.lock.toml\"\nhash = \"abc\"",
                             NULL, ACTR_EPARSE, "lock_file.hash must be a 64-character");
    expect_manifest_rejected("acme", "[metadata]\nlicense = 3", NULL, ACTR_EPARSE,
                             "line 5: `metadata.license` must be a string, got integer");
    expect_manifest_rejected("acme", RESOURCE("\"res/missing\""), NULL, ACTR_ENOTFOUND,
                             "binary not found in package: res/missing");
    expect_manifest_rejected("acme", RESOURCE("\"res/a\""), "res/a", ACTR_ESIGNATURE,
                             "resource hash mismatch: res/a");
}

static void test_unlisted_entries_ignored_and_deflate(void **state)
{
    (void)state;
    char hash[65], manifest[1024];
    fx_sha_hex(binary, BINARY_LEN, hash);
    fx_manifest(manifest, sizeof manifest, "acme", hash, NULL);
    fx_entry_t extra[] = {{"evil.so", "\x7f" "ELF", 4, 1}, {"../escape", "x", 1, 0}};
    for (int deflate = 0; deflate <= 1; deflate++) {
        actr_buf_t pkg;
        fx_package(key_a, manifest, binary, BINARY_LEN, extra, 2, deflate, &pkg);
        expect_verify(&pkg, NULL, 0, "");
        actr_buf_release(&pkg);
    }
}

static void test_unsupported_method(void **state)
{
    (void)state;
    actr_buf_t pkg;
    simple_pack(&pkg);
    uint8_t *copy = malloc(pkg.len);
    memcpy(copy, pkg.data, pkg.len);
    assert_int_equal(fx_patch_method(copy, pkg.len, "bin/actor.wasm", 12), 2);
    actr_buf_t bz = actr_buf_static(copy, pkg.len);
    expect_verify(&bz, NULL, ACTR_EUNSUPPORTED,
                  "ZIP entry `bin/actor.wasm` uses compression method 12");
    free(copy);
    actr_buf_release(&pkg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_every_manifest_byte_flip_rejected),
        cmocka_unit_test(test_every_signature_byte_flip_rejected),
        cmocka_unit_test(test_every_binary_byte_flip_rejected),
        cmocka_unit_test(test_raw_archive_flips_never_accept_changes),
        cmocka_unit_test(test_wrong_key_rejected),
        cmocka_unit_test(test_missing_entries),
        cmocka_unit_test(test_signature_length),
        cmocka_unit_test(test_manifest_too_big),
        cmocka_unit_test(test_entry_limits),
        cmocka_unit_test(test_more_than_1024_entries),
        cmocka_unit_test(test_zip_bomb),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_unsafe_names_rejected),
        cmocka_unit_test(test_field_checks),
        cmocka_unit_test(test_unlisted_entries_ignored_and_deflate),
        cmocka_unit_test(test_unsupported_method),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
