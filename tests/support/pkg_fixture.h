/* pkg_fixture.h - test helper: hand-built .actr packages (any names, methods, signatures). */
#ifndef ACTR_TEST_PKG_FIXTURE_H
#define ACTR_TEST_PKG_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "actr/buf.h"
#include "actr/crypto.h"
#include "actr/error.h"

typedef struct fx_entry {
    const char *name;
    const void *data;
    size_t len;
    int deflate; /* 0: STORED, 1: DEFLATE */
} fx_entry_t;

/* Builds a ZIP with libzip directly (no checks of ours); fails the test on error. */
void fx_zip(const fx_entry_t *entries, size_t n, actr_buf_t *out);

/* A signing key from a fixed seed (32 copies of seed_byte); free with actr_signing_key_free. */
actr_signing_key_t *fx_key(uint8_t seed_byte);
void fx_pub(const actr_signing_key_t *key, uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN]);
void fx_sha_hex(const void *data, size_t len, char hex[2 * ACTR_SHA256_LEN + 1]);

/*
 * A package: manifest.toml = manifest (signed with key), manifest.sig, bin/actor.wasm = binary,
 * then the extra entries. All entries STORED unless deflate is set.
 */
void fx_package(const actr_signing_key_t *key, const char *manifest, const void *binary,
                size_t binary_len, const fx_entry_t *extra, size_t n_extra, int deflate,
                actr_buf_t *out);

/* A minimal manifest for bin/actor.wasm with the given binary hash, written into out. */
void fx_manifest(char *out, size_t cap, const char *manufacturer, const char *binary_hash,
                 const char *extra_toml);

/* Rewrites the uncompressed size of entry name in its local and central headers. Returns the
 * number of headers patched (2 when found). */
int fx_patch_declared_size(uint8_t *zip, size_t len, const char *name, uint32_t size);

/* Rewrites the compression method of entry name in both headers. */
int fx_patch_method(uint8_t *zip, size_t len, const char *name, uint16_t method);

/* Replaces every occurrence of from by to (same length) in buf; returns the count. */
int fx_replace_all(uint8_t *buf, size_t len, const char *from, const char *to);

/* Asserts rc == code and that err's message contains fragment. */
void fx_expect(int rc, const actr_error_t *err, int code, const char *fragment);

#endif /* ACTR_TEST_PKG_FIXTURE_H */
