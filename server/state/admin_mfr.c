/*
 * admin_mfr.c - `actrd mfr ...` (manufacturer keys and published packages) and
 * `actrd signing-key ...` (AIS signing key rotation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "commands.h"
#include "state/admin_cli.h"
#include "commands.h"

#define MANIFEST_MAX ((size_t)1 << 20) /* as the package verifier's manifest cap */

enum { O_DIR, O_MFR, O_PUBKEY, O_KEYID, O_MANIFEST, O_SIG, O_TYPE, O_TARGET, O_JSON, O_COUNT };

static void mfr_usage(FILE *out)
{
    fprintf(out,
            "usage: actrd mfr add --data-dir DIR --manufacturer NAME --pubkey public-key.json\n"
            "       actrd mfr list --data-dir DIR [--manufacturer NAME] [--json]\n"
            "       actrd mfr revoke --data-dir DIR --key-id mfr-XXXXXXXXXXXXXXXX\n"
            "       actrd mfr publish --data-dir DIR --manifest manifest.toml --signature "
            "manifest.sig\n"
            "       actrd mfr packages --data-dir DIR [--json]\n"
            "       actrd mfr unpublish --data-dir DIR --type M:N:V --target TRIPLE\n"
            "Published keys are served at GET /mfr/{manufacturer}/verifying_key and verify\n"
            "unpublished packages (AIS Path 2); published packages pin their manifest (Path 1).\n");
}

static const char *need(admin_opt_t *o, int idx, const char *sub)
{
    if (!o[idx].present)
        fprintf(stderr, "actrd mfr %s: --%s is required\n", sub, o[idx].name);
    return o[idx].present ? o[idx].value : NULL;
}

static cJSON *key_json(const actrd_mfr_key_t *k)
{
    char b64[48], t[32];
    actr_base64_encode(k->pub, sizeof k->pub, b64, ACTR_B64_STD);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "key_id", k->key_id);
    cJSON_AddStringToObject(o, "manufacturer", k->manufacturer);
    cJSON_AddStringToObject(o, "public_key", b64);
    cJSON_AddStringToObject(o, "created_at", admin_time_str(k->created_at, t, sizeof t));
    cJSON_AddBoolToObject(o, "revoked", k->revoked_at != 0);
    return o;
}

static int mfr_add(actrd_state_t *st, admin_opt_t *o)
{
    const char *mfr = need(o, O_MFR, "add"), *file = mfr ? need(o, O_PUBKEY, "add") : NULL;
    if (!mfr || !file)
        return ADMIN_USAGE;
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    char key_id[ACTR_MFR_KEY_ID_SIZE];
    actr_error_t err;
    if (actr_pubkey_file_load(file, pub, &err) != 0 ||
        actrd_mfr_key_add(st, mfr, pub, key_id, &err) != 0) {
        fprintf(stderr, "actrd mfr add: %s\n", err.message);
        return ADMIN_FAIL;
    }
    if (o[O_JSON].present) {
        actrd_mfr_key_t k = {.created_at = 0};
        snprintf(k.key_id, sizeof k.key_id, "%s", key_id);
        snprintf(k.manufacturer, sizeof k.manufacturer, "%s", mfr);
        memcpy(k.pub, pub, sizeof pub);
        return admin_print_json(key_json(&k));
    }
    printf("added key %s for manufacturer %s\n", key_id, mfr);
    return ADMIN_OK;
}

static int mfr_list(actrd_state_t *st, admin_opt_t *o)
{
    actrd_mfr_key_t *keys = NULL;
    size_t n = 0;
    actr_error_t err;
    if (actrd_mfr_key_list(st, o[O_MFR].value, &keys, &n, &err) != 0) {
        fprintf(stderr, "actrd mfr list: %s\n", err.message);
        return ADMIN_FAIL;
    }
    int rc = ADMIN_OK;
    if (o[O_JSON].present) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; arr && i < n; i++)
            cJSON_AddItemToArray(arr, key_json(&keys[i]));
        rc = admin_print_json(arr);
    } else {
        printf("%-21s %-8s %-21s %s\n", "KEY ID", "STATUS", "ADDED", "MANUFACTURER");
        for (size_t i = 0; i < n; i++) {
            char t[32];
            printf("%-21s %-8s %-21s %s\n", keys[i].key_id,
                   keys[i].revoked_at ? "revoked" : "active",
                   admin_time_str(keys[i].created_at, t, sizeof t), keys[i].manufacturer);
        }
    }
    free(keys);
    return rc;
}

static int mfr_publish(actrd_state_t *st, admin_opt_t *o)
{
    const char *mpath = need(o, O_MANIFEST, "publish");
    const char *spath = mpath ? need(o, O_SIG, "publish") : NULL;
    if (!mpath || !spath)
        return ADMIN_USAGE;
    uint8_t *manifest = NULL, *sig = NULL;
    size_t mlen = 0, slen = 0;
    int rc = admin_read_file("mfr publish", mpath, MANIFEST_MAX, &manifest, &mlen);
    if (rc == ADMIN_OK)
        rc = admin_read_file("mfr publish", spath, 1024, &sig, &slen);
    actrd_package_info_t p;
    actr_error_t err;
    if (rc == ADMIN_OK && actrd_package_publish(st, manifest, mlen, sig, slen, &p, &err) != 0) {
        fprintf(stderr, "actrd mfr publish: %s\n", err.message);
        rc = ADMIN_FAIL;
    }
    free(manifest);
    free(sig);
    if (rc == ADMIN_OK)
        printf("published %s for %s (manifest sha256 %s, key %s)\n", p.type_str, p.target,
               p.manifest_sha256, p.signing_key_id);
    return rc;
}

static int mfr_packages(actrd_state_t *st, admin_opt_t *o)
{
    actrd_package_info_t *pkgs = NULL;
    size_t n = 0;
    actr_error_t err;
    if (actrd_package_list(st, &pkgs, &n, &err) != 0) {
        fprintf(stderr, "actrd mfr packages: %s\n", err.message);
        return ADMIN_FAIL;
    }
    int rc = ADMIN_OK;
    cJSON *arr = o[O_JSON].present ? cJSON_CreateArray() : NULL;
    if (!arr && !o[O_JSON].present)
        printf("%-8s %-24s %-64s %s\n", "STATUS", "TARGET", "MANIFEST SHA-256", "TYPE");
    for (size_t i = 0; i < n; i++) {
        const actrd_package_info_t *p = &pkgs[i];
        cJSON *e = arr ? cJSON_CreateObject() : NULL;
        if (e) {
            cJSON_AddStringToObject(e, "type", p->type_str);
            cJSON_AddStringToObject(e, "target", p->target);
            cJSON_AddStringToObject(e, "manifest_sha256", p->manifest_sha256);
            cJSON_AddStringToObject(e, "signing_key_id", p->signing_key_id);
            cJSON_AddBoolToObject(e, "revoked", p->revoked_at != 0);
            cJSON_AddItemToArray(arr, e);
        } else if (!o[O_JSON].present) {
            printf("%-8s %-24s %-64s %s\n", p->revoked_at ? "revoked" : "active", p->target,
                   p->manifest_sha256, p->type_str);
        }
    }
    if (o[O_JSON].present)
        rc = admin_print_json(arr);
    free(pkgs);
    return rc;
}

static int mfr_dispatch(actrd_state_t *st, const char *sub, admin_opt_t *o)
{
    actr_error_t err;
    if (!strcmp(sub, "add"))
        return mfr_add(st, o);
    if (!strcmp(sub, "list"))
        return mfr_list(st, o);
    if (!strcmp(sub, "publish"))
        return mfr_publish(st, o);
    if (!strcmp(sub, "packages"))
        return mfr_packages(st, o);
    if (!strcmp(sub, "revoke")) {
        const char *key_id = need(o, O_KEYID, sub);
        if (!key_id)
            return ADMIN_USAGE;
        if (actrd_mfr_key_revoke(st, key_id, &err) != 0) {
            fprintf(stderr, "actrd mfr revoke: %s\n", err.message);
            return ADMIN_FAIL;
        }
        printf("revoked key %s\n", key_id);
        return ADMIN_OK;
    }
    const char *type = need(o, O_TYPE, sub), *target = type ? need(o, O_TARGET, sub) : NULL;
    if (!type || !target)
        return ADMIN_USAGE;
    if (actrd_package_revoke(st, type, target, &err) != 0) {
        fprintf(stderr, "actrd mfr unpublish: %s\n", err.message);
        return ADMIN_FAIL;
    }
    printf("unpublished %s for %s\n", type, target);
    return ADMIN_OK;
}

int actrd_cmd_mfr(int argc, char **argv)
{
    static const char *const subs[] = {"add",      "list",     "revoke",
                                       "publish",  "packages", "unpublish"};
    admin_opt_t opts[O_COUNT] = {
        [O_DIR] = {"data-dir", true, NULL, false},    [O_MFR] = {"manufacturer", true, NULL, false},
        [O_PUBKEY] = {"pubkey", true, NULL, false},   [O_KEYID] = {"key-id", true, NULL, false},
        [O_MANIFEST] = {"manifest", true, NULL, false}, [O_SIG] = {"signature", true, NULL, false},
        [O_TYPE] = {"type", true, NULL, false},       [O_TARGET] = {"target", true, NULL, false},
        [O_JSON] = {"json", false, NULL, false}};
    actrd_state_t *st = NULL;
    int rc = admin_begin("mfr", argc, argv, subs, sizeof subs / sizeof subs[0], opts, O_COUNT,
                      mfr_usage, &st);
    if (rc != ADMIN_OK)
        return rc < 0 ? ADMIN_OK : rc;
    rc = mfr_dispatch(st, argv[1], opts);
    actrd_state_close(st);
    return rc;
}

/* ---- actrd signing-key ------------------------------------------------------------------- */

static void key_usage(FILE *out)
{
    fprintf(out, "usage: actrd signing-key rotate --data-dir DIR [--json]\n"
                 "       actrd signing-key list --data-dir DIR [--json]\n"
                 "A rotated-out key keeps verifying until the credentials it signed expire.\n"
                 "A running server picks the new key up on its next registration.\n");
}

static int key_list(actrd_state_t *st, bool json)
{
    actrd_signing_key_info_t *keys = NULL;
    size_t n = 0;
    actr_error_t err;
    if (actrd_signing_key_list(st, &keys, &n, &err) != 0) {
        fprintf(stderr, "actrd signing-key list: %s\n", err.message);
        return ADMIN_FAIL;
    }
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    if (!json)
        printf("%-10s %-8s %-21s %-21s %s\n", "KEY ID", "STATUS", "CREATED", "VERIFIES UNTIL",
               "PUBLIC KEY");
    for (size_t i = 0; i < n; i++) {
        char b64[48], t1[32], t2[32];
        actr_base64_encode(keys[i].pub, sizeof keys[i].pub, b64, ACTR_B64_STD);
        admin_time_str(keys[i].created_at, t1, sizeof t1);
        admin_time_str(keys[i].verify_until, t2, sizeof t2);
        cJSON *e = arr ? cJSON_CreateObject() : NULL;
        if (e) {
            cJSON_AddNumberToObject(e, "key_id", keys[i].key_id);
            cJSON_AddBoolToObject(e, "active", keys[i].active);
            cJSON_AddStringToObject(e, "public_key", b64);
            cJSON_AddStringToObject(e, "created_at", t1);
            cJSON_AddItemToArray(arr, e);
        } else if (!json) {
            printf("%-10u %-8s %-21s %-21s %s\n", keys[i].key_id,
                   keys[i].active ? "active" : "retired", t1, keys[i].active ? "-" : t2, b64);
        }
    }
    free(keys);
    return json ? admin_print_json(arr) : ADMIN_OK;
}

int actrd_cmd_signing_key(int argc, char **argv)
{
    static const char *const subs[] = {"rotate", "list"};
    admin_opt_t opts[] = {{"data-dir", true, NULL, false}, {"json", false, NULL, false}};
    actrd_state_t *st = NULL;
    int rc = admin_begin("signing-key", argc, argv, subs, 2, opts, 2, key_usage, &st);
    if (rc != ADMIN_OK)
        return rc < 0 ? ADMIN_OK : rc;
    if (!strcmp(argv[1], "list")) {
        rc = key_list(st, opts[1].present);
    } else {
        uint32_t id = 0;
        actr_error_t err;
        if (actrd_signing_key_rotate(st, &id, &err) != 0) {
            fprintf(stderr, "actrd signing-key rotate: %s\n", err.message);
            rc = ADMIN_FAIL;
        } else if (opts[1].present) {
            cJSON *o = cJSON_CreateObject();
            if (o && !cJSON_AddNumberToObject(o, "key_id", id)) {
                cJSON_Delete(o);
                o = NULL;
            }
            rc = admin_print_json(o);
        } else {
            printf("signing key %u is now active\n", id);
        }
    }
    actrd_state_close(st);
    return rc;
}
