/*
 * manifest.c - the few package-manifest keys AIS reads (platform.md 1.3): manufacturer, name,
 * version, signing_key_id and binary.target. The manifest is never re-serialised; signatures
 * cover the raw bytes, so this only looks values up in the parsed tree.
 */
#include <stdio.h>
#include <string.h>

#include "state/manifest.h"

/* A string value without embedded NUL, or NULL (missing, another type, or NUL inside). */
static const char *string_at(const actr_toml_value_t *root, const char *path)
{
    const char *s = NULL;
    size_t len = 0;
    if (actr_toml_as_string(actr_toml_get_path(root, path), &s, &len) != 0 || strlen(s) != len)
        return NULL;
    return s;
}

int actrd_manifest_parse(const uint8_t *raw, size_t len, actrd_manifest_t *m, char *msg,
                         size_t cap)
{
    actr_error_t err;
    memset(m, 0, sizeof *m);
    int rc = actr_toml_parse((const char *)raw, len, &m->root, &err);
    if (rc != 0) {
        snprintf(msg, cap, "manifest_raw is not valid TOML: %s", err.message);
        return rc;
    }
    m->manufacturer = string_at(m->root, "manufacturer");
    m->name = string_at(m->root, "name");
    m->version = string_at(m->root, "version");
    m->signing_key_id = string_at(m->root, "signing_key_id");
    m->target = string_at(m->root, "binary.target");
    return 0;
}

void actrd_manifest_free(actrd_manifest_t *m)
{
    actr_toml_free(m->root);
    memset(m, 0, sizeof *m);
}
