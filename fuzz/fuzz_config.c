/*
 * Fuzz target for the config loaders: the input is parsed as actr.toml, as a project
 * manifest.toml and as manifest.lock.toml, all from memory. Whatever the bytes, loading must
 * either succeed (then the trust resolver and a lock file's writer run too) or fail with a
 * message that names the file; everything is freed (leaks fail under ASan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actr/config.h"
#include "actr/log.h"

#define CHECK(cond)      \
    do {                 \
        if (!(cond))     \
            abort();     \
    } while (0)

/* Relative paths resolve under a directory that does not exist, so `inherit` and exports never
 * reach real files. */
#define NO_DIR "/nonexistent-actr-fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_runtime(const char *text, size_t size)
{
    actr_runtime_config_t cfg;
    actr_error_t err;
    if (actr_runtime_config_parse(text, size, "actr.toml", NO_DIR, &cfg, &err) != 0) {
        CHECK(err.code < 0 && strncmp(err.message, "actr.toml", 9) == 0);
        CHECK(cfg.source == NULL);
        return;
    }
    CHECK(cfg.edition == 1 && cfg.signaling_url && cfg.ais_endpoint);
    const actr_trust_anchor_t *anchors;
    size_t n;
    if (actr_runtime_config_trust_anchors(&cfg, &anchors, &n, &err) == 0)
        CHECK(n >= 1 && anchors);
    actr_runtime_config_free(&cfg);
}

static void fuzz_manifest(const char *text, size_t size)
{
    actr_project_manifest_t m;
    actr_error_t err;
    if (actr_project_manifest_parse(text, size, "manifest.toml", NO_DIR, &m, &err) != 0) {
        CHECK(err.code < 0 && err.message[0] != '\0');
        return;
    }
    CHECK(m.name && m.manufacturer && m.version);
    actr_project_manifest_free(&m);
}

static void fuzz_lock(const char *text, size_t size)
{
    actr_lock_file_t lock, again;
    actr_error_t err;
    if (actr_lock_file_parse(text, size, NULL, &lock, &err) != 0)
        return;
    char *out = NULL;
    CHECK(actr_lock_file_to_toml(&lock, &out, &err) == 0);
    /* What we write must read back with the same entries. */
    CHECK(actr_lock_file_parse(out, strlen(out), "rewritten", &again, &err) == 0);
    CHECK(again.dependency_count == lock.dependency_count);
    free(out);
    actr_lock_file_free(&again);
    actr_lock_file_free(&lock);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    actr_log_set_level(ACTR_LOG_OFF); /* unknown-key warnings would flood stderr */
    const char *text = (const char *)data;
    fuzz_runtime(text, size);
    fuzz_manifest(text, size);
    fuzz_lock(text, size);
    return 0;
}
