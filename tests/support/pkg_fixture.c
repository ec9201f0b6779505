/* pkg_fixture.c - hand-built .actr packages for tests (see pkg_fixture.h). */
#include "pkg_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>
#include <cmocka.h>

#include "base/hex.h"

void fx_zip(const fx_entry_t *entries, size_t n, actr_buf_t *out)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    assert_non_null(src);
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    assert_non_null(za);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *s = zip_source_buffer(za, entries[i].len ? entries[i].data : "",
                                            entries[i].len, 0);
        assert_non_null(s);
        zip_int64_t idx = zip_file_add(za, entries[i].name, s, ZIP_FL_ENC_UTF_8);
        if (idx < 0)
            fail_msg("zip_file_add(%s): %s", entries[i].name, zip_strerror(za));
        assert_int_equal(zip_set_file_compression(za, (zip_uint64_t)idx,
                                                  entries[i].deflate ? ZIP_CM_DEFLATE
                                                                     : ZIP_CM_STORE,
                                                  0),
                         0);
    }
    assert_int_equal(zip_close(za), 0);
    zip_stat_t st;
    zip_stat_init(&st);
    assert_int_equal(zip_source_stat(src, &st), 0);
    assert_int_equal(zip_source_open(src), 0);
    uint8_t *bytes;
    assert_int_equal(actr_buf_alloc((size_t)st.size, out, &bytes), 0);
    assert_int_equal(zip_source_read(src, bytes, st.size), (zip_int64_t)st.size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&ze);
}

actr_signing_key_t *fx_key(uint8_t seed_byte)
{
    uint8_t seed[ACTR_ED25519_SEED_LEN];
    memset(seed, seed_byte, sizeof seed);
    actr_signing_key_t *key = NULL;
    assert_int_equal(actr_signing_key_from_seed(seed, sizeof seed, &key), 0);
    return key;
}

void fx_pub(const actr_signing_key_t *key, uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN])
{
    actr_signing_key_public(key, pub);
}

void fx_sha_hex(const void *data, size_t len, char hex[2 * ACTR_SHA256_LEN + 1])
{
    uint8_t digest[ACTR_SHA256_LEN];
    assert_int_equal(actr_sha256(data, len, digest), 0);
    actr_hex_encode(digest, sizeof digest, hex);
}

void fx_package(const actr_signing_key_t *key, const char *manifest, const void *binary,
                size_t binary_len, const fx_entry_t *extra, size_t n_extra, int deflate,
                actr_buf_t *out)
{
    uint8_t sig[ACTR_ED25519_SIGNATURE_LEN];
    assert_int_equal(actr_signing_key_sign(key, manifest, strlen(manifest), sig), 0);
    fx_entry_t *all = calloc(3 + n_extra, sizeof *all);
    assert_non_null(all);
    all[0] = (fx_entry_t){"manifest.toml", manifest, strlen(manifest), deflate};
    all[1] = (fx_entry_t){"manifest.sig", sig, sizeof sig, deflate};
    all[2] = (fx_entry_t){"bin/actor.wasm", binary, binary_len, deflate};
    for (size_t i = 0; i < n_extra; i++)
        all[3 + i] = extra[i];
    fx_zip(all, 3 + n_extra, out);
    free(all);
}

void fx_manifest(char *out, size_t cap, const char *manufacturer, const char *binary_hash,
                 const char *extra_toml)
{
    int n = snprintf(out, cap,
                     "manufacturer = \"%s\"\nname = \"Echo\"\nversion = \"1.0.0\"\n%s\n"
                     "[binary]\npath = \"bin/actor.wasm\"\ntarget = \"wasm32-wasip2\"\n"
                     "hash = \"%s\"\n",
                     manufacturer, extra_toml ? extra_toml : "", binary_hash);
    assert_true(n > 0 && (size_t)n < cap);
}

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
    return rd16(p) | rd16(p + 2) << 16;
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void wr16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Patches a field of entry name: at cd_off in its central header, lh_off in its local header. */
static int patch_field(uint8_t *zip, size_t len, const char *name, size_t cd_off, size_t lh_off,
                       int width, uint32_t value)
{
    size_t name_len = strlen(name);
    int patched = 0;
    for (size_t i = 0; i + 46 <= len; i++) {
        if (rd32(zip + i) != 0x02014b50u || rd16(zip + i + 28) != name_len ||
            i + 46 + name_len > len || memcmp(zip + i + 46, name, name_len) != 0)
            continue;
        uint32_t local = rd32(zip + i + 42);
        if ((size_t)local + 30 > len || rd32(zip + local) != 0x04034b50u)
            continue;
        (width == 4 ? wr32 : wr16)(zip + i + cd_off, value);
        (width == 4 ? wr32 : wr16)(zip + local + lh_off, value);
        patched += 2;
    }
    return patched;
}

int fx_patch_declared_size(uint8_t *zip, size_t len, const char *name, uint32_t size)
{
    return patch_field(zip, len, name, 24, 22, 4, size);
}

int fx_patch_method(uint8_t *zip, size_t len, const char *name, uint16_t method)
{
    return patch_field(zip, len, name, 10, 8, 2, method);
}

int fx_replace_all(uint8_t *buf, size_t len, const char *from, const char *to)
{
    size_t n = strlen(from);
    assert_int_equal(strlen(to), n);
    int count = 0;
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(buf + i, from, n) == 0) {
            memcpy(buf + i, to, n);
            count++;
        }
    }
    return count;
}

void fx_expect(int rc, const actr_error_t *err, int code, const char *fragment)
{
    if (rc != code || !strstr(err->message, fragment))
        fail_msg("expected %s containing \"%s\", got %s: \"%s\"", actr_err_name(code), fragment,
                 actr_err_name(rc), err->message);
}
