/*
 * Fuzz target for .actr packages: the input is verified as a package under a fixed key (the
 * seed corpus is signed with it) with small limits, read with the unverified manifest reader,
 * and parsed as manifest text. Invariants (a broken one aborts):
 *   - every failure sets err with the same code and a message;
 *   - a verified package's listed binary reads back through actr_verified_package_read();
 *   - any parsed manifest serializes, and the serialization parses back to the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actr/package.h"

#define CHECK(cond)  \
    do {             \
        if (!(cond)) \
            abort(); \
    } while (0)

static void check_failure(int rc, const actr_error_t *err)
{
    CHECK(rc < 0 && err->code == rc);
    CHECK(err->message[0] != '\0' && memchr(err->message, '\0', sizeof err->message));
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_entries(const actr_package_entry_t *a, const actr_package_entry_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        CHECK(same(a[i].name, b[i].name) && same(a[i].path, b[i].path) &&
              same(a[i].hash, b[i].hash));
}

/* serialize(m) must parse back to m. */
static void check_roundtrip(const actr_package_manifest_t *m)
{
    char *text = NULL;
    size_t len = 0;
    actr_error_t err;
    int rc = actr_package_manifest_serialize(m, &text, &len, &err);
    if (rc != 0) {
        check_failure(rc, &err);
        return;
    }
    actr_package_manifest_t back;
    CHECK(actr_package_manifest_parse(text, len, &back, &err) == 0);
    CHECK(same(m->manufacturer, back.manufacturer) && same(m->name, back.name) &&
          same(m->version, back.version) && same(m->signing_key_id, back.signing_key_id) &&
          same(m->signature_algorithm, back.signature_algorithm) &&
          same(m->description, back.description) && same(m->license, back.license));
    CHECK(same(m->binary.path, back.binary.path) && same(m->binary.target, back.binary.target) &&
          same(m->binary.hash, back.binary.hash) && m->binary.kind == back.binary.kind &&
          m->binary.has_size == back.binary.has_size && m->binary.size == back.binary.size);
    CHECK(m->resource_count == back.resource_count &&
          m->proto_file_count == back.proto_file_count && m->has_lock_file == back.has_lock_file);
    check_entries(m->resources, back.resources, m->resource_count);
    check_entries(m->proto_files, back.proto_files, m->proto_file_count);
    if (m->has_lock_file)
        check_entries(&m->lock_file, &back.lock_file, 1);
    actr_package_manifest_free(&back);
    free(text);
}

static const uint8_t *fuzz_key(void)
{
    static uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    static bool ready;
    if (!ready) {
        uint8_t seed[ACTR_ED25519_SEED_LEN];
        memset(seed, 0x11, sizeof seed); /* the key the seed corpus is signed with */
        actr_signing_key_t *key = NULL;
        CHECK(actr_signing_key_from_seed(seed, sizeof seed, &key) == 0);
        actr_signing_key_public(key, pub);
        actr_signing_key_free(key);
        ready = true;
    }
    return pub;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    actr_package_limits_t lim = {64 * 1024, 256 * 1024, 64};
    actr_verified_package_t vp;
    actr_error_t err;
    int rc = actr_package_verify(data, size, fuzz_key(), ACTR_ED25519_PUBLIC_KEY_LEN, &lim, &vp,
                                 &err);
    if (rc == 0) {
        actr_buf_t bin;
        CHECK(actr_verified_package_read(&vp, data, size, vp.manifest.binary.path,
                                         lim.max_entry_bytes, &bin, &err) == 0);
        actr_buf_release(&bin);
        actr_verified_package_free(&vp);
    } else {
        check_failure(rc, &err);
    }

    actr_package_manifest_t m;
    rc = actr_package_read_manifest(data, size, &m, &err);
    if (rc == 0) {
        check_roundtrip(&m);
        actr_package_manifest_free(&m);
    } else {
        check_failure(rc, &err);
    }

    rc = actr_package_manifest_parse((const char *)data, size, &m, &err);
    if (rc == 0) {
        rc = actr_package_manifest_validate(&m, &err);
        if (rc != 0)
            check_failure(rc, &err);
        check_roundtrip(&m);
        actr_package_manifest_free(&m);
    } else {
        check_failure(rc, &err);
    }
    return 0;
}
