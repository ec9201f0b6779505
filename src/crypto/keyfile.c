/*
 * keyfile.c - the manufacturer key file and public-key.json (platform.md §2.6): parse from memory,
 * load from disk, write atomically. Every failure names the file and the field.
 */
#include "actr/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "base/base64.h"
#include "base/atomic_file.h"
#include "base/fsutil.h"
#include "crypto/ed25519.h"

/* Key files are a few hundred bytes; anything this large is not one. */
#define KEYFILE_MAX_BYTES (64 * 1024)

static int no_memory(actr_error_t *err)
{
    return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
}

static int bad_file(actr_error_t *err, int code, const char *source, const char *field,
                    const char *problem)
{
    if (field)
        return actr_error_set(err, code, ACTR_KIND_CLIENT, 0, "%s: field \"%s\" %s", source, field,
                              problem);
    return actr_error_set(err, code, ACTR_KIND_CLIENT, 0, "%s: %s", source, problem);
}

/*
 * cJSON ends a string at a NUL, raw or escaped, so "<key>\u0000junk" would read as "<key>". The
 * reference (serde) keeps the whole string and rejects it; we refuse such input outright.
 * Outside strings a backslash is a syntax error anyway, so a plain scan is exact.
 */
static int has_nul(const char *json, size_t len)
{
    if (memchr(json, '\0', len))
        return 1;
    for (size_t i = 0; i + 1 < len; i++) {
        if (json[i] != '\\')
            continue;
        if (json[i + 1] == 'u' && i + 6 <= len && memcmp(json + i + 2, "0000", 4) == 0)
            return 1;
        i++; /* skip the escaped character, so "\\" is one escape */
    }
    return 0;
}

/*
 * Parses json into an object; on failure err names the source. Trailing text after the value is
 * an error, as in serde_json; cJSON checks that only on a NUL-terminated copy.
 */
static int parse_object(const char *json, size_t len, const char *source, cJSON **out,
                        actr_error_t *err)
{
    *out = NULL;
    if (!json && len > 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "%s: no data", source);
    if (len > 0 && has_nul(json, len))
        return bad_file(err, ACTR_EPARSE, source, NULL, "contains a NUL character");
    char *copy = malloc(len + 1);
    if (!copy)
        return no_memory(err);
    if (len > 0)
        memcpy(copy, json, len);
    copy[len] = '\0';
    cJSON *root = cJSON_ParseWithLengthOpts(copy, len + 1, NULL, 1);
    OPENSSL_cleanse(copy, len); /* it may hold a private key */
    free(copy);
    if (!root)
        return bad_file(err, ACTR_EPARSE, source, NULL, "not valid JSON");
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return bad_file(err, ACTR_EPARSE, source, NULL, "not a JSON object");
    }
    *out = root;
    return 0;
}

/*
 * Decodes the standard-base64 string field name of root into exactly 32 bytes. A repeated field
 * is refused: serde would reject it, and picking one copy silently could hide a tampered file.
 */
static int get_key_field(const cJSON *root, const char *source, const char *name, uint8_t out[32],
                         actr_error_t *err)
{
    const cJSON *item = NULL;
    int count = 0;
    for (const cJSON *it = root->child; it; it = it->next) {
        if (it->string && strcmp(it->string, name) == 0) {
            item = it;
            count++;
        }
    }
    if (count == 0)
        return bad_file(err, ACTR_EPARSE, source, name, "is missing");
    if (count > 1)
        return bad_file(err, ACTR_EPARSE, source, name, "appears more than once");
    if (!cJSON_IsString(item) || !item->valuestring)
        return bad_file(err, ACTR_EPARSE, source, name, "is not a string");
    uint8_t buf[48];
    size_t n = 0;
    const char *text = item->valuestring;
    int rc = actr_base64_decode(text, strlen(text), buf, sizeof buf, &n, ACTR_B64_STD);
    if (rc == ACTR_EPARSE)
        return bad_file(err, ACTR_EPARSE, source, name, "is not valid standard base64");
    if (rc != 0 || n != 32) {
        OPENSSL_cleanse(buf, sizeof buf);
        if (rc != 0)
            return bad_file(err, ACTR_EPARSE, source, name,
                            "must decode to 32 bytes, got more than 48");
        return actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 0,
                              "%s: field \"%s\" must decode to 32 bytes, got %zu", source, name, n);
    }
    memcpy(out, buf, 32);
    OPENSSL_cleanse(buf, sizeof buf);
    return 0;
}

/* Overwrites the base64 seed inside the parsed tree before it is freed. */
static void wipe_field(cJSON *root, const char *name)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive(root, name);
    if (cJSON_IsString(item) && item->valuestring)
        OPENSSL_cleanse(item->valuestring, strlen(item->valuestring));
}

int actr_keyfile_parse(const char *json, size_t len, const char *source, actr_signing_key_t **out,
                       actr_error_t *err)
{
    if (!out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no output key");
    *out = NULL;
    source = source ? source : "<memory>";
    cJSON *root;
    int rc = parse_object(json, len, source, &root, err);
    if (rc != 0)
        return rc;
    uint8_t seed[ACTR_ED25519_SEED_LEN], pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    uint8_t derived[ACTR_ED25519_PUBLIC_KEY_LEN];
    actr_signing_key_t *key = NULL;
    rc = get_key_field(root, source, "private_key", seed, err);
    if (rc == 0)
        rc = get_key_field(root, source, "public_key", pub, err);
    if (rc == 0) {
        rc = actr_signing_key_from_seed(seed, sizeof seed, &key);
        if (rc == ACTR_ENOMEM)
            no_memory(err);
        else if (rc != 0)
            actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "%s: cannot load the private key",
                           source);
    }
    if (rc == 0) {
        actr_signing_key_public(key, derived);
        if (memcmp(derived, pub, sizeof pub) != 0) {
            rc = bad_file(err, ACTR_ESIGNATURE, source, "public_key",
                          "does not belong to private_key (the file is damaged or was edited)");
            actr_signing_key_free(key);
            key = NULL;
        }
    }
    OPENSSL_cleanse(seed, sizeof seed);
    wipe_field(root, "private_key");
    cJSON_Delete(root);
    *out = key;
    return rc;
}

int actr_pubkey_file_parse(const char *json, size_t len, const char *source,
                           uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN], actr_error_t *err)
{
    if (!pub)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no output buffer");
    source = source ? source : "<memory>";
    cJSON *root;
    int rc = parse_object(json, len, source, &root, err);
    if (rc != 0)
        return rc;
    uint8_t key[ACTR_ED25519_PUBLIC_KEY_LEN];
    rc = get_key_field(root, source, "public_key", key, err);
    cJSON_Delete(root);
    if (rc != 0)
        return rc;
    rc = actr_ed25519_pubkey_valid(key, sizeof key);
    if (rc == ACTR_EPARSE)
        return bad_file(err, rc, source, "public_key", "is not a valid Ed25519 public key");
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "%s: cannot check public_key",
                              source);
    memcpy(pub, key, sizeof key);
    return 0;
}

/* Reads a whole small regular file into a NUL-terminated buffer. */
static int read_small_file(const char *path, char **out, size_t *out_len, actr_error_t *err)
{
    return actr_read_file(path, KEYFILE_MAX_BYTES, out, out_len, err);
}

static void free_secret(char *buf, size_t len)
{
    if (buf)
        OPENSSL_cleanse(buf, len);
    free(buf);
}

int actr_keyfile_load(const char *path, actr_signing_key_t **out, actr_error_t *err)
{
    if (out)
        *out = NULL;
    char *buf;
    size_t len;
    int rc = read_small_file(path, &buf, &len, err);
    if (rc != 0)
        return rc;
    rc = actr_keyfile_parse(buf, len, path, out, err);
    free_secret(buf, len);
    return rc;
}

int actr_pubkey_file_load(const char *path, uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN],
                          actr_error_t *err)
{
    char *buf;
    size_t len;
    int rc = read_small_file(path, &buf, &len, err);
    if (rc != 0)
        return rc;
    rc = actr_pubkey_file_parse(buf, len, path, pub, err);
    free(buf);
    return rc;
}

/* Adds name: base64(bytes) to obj; the encoded text may be secret, so it is wiped here. */
static int add_base64(cJSON *obj, const char *name, const uint8_t *bytes, size_t len)
{
    char text[64];
    actr_base64_encode(bytes, len, text, ACTR_B64_STD);
    int ok = cJSON_AddStringToObject(obj, name, text) != NULL;
    OPENSSL_cleanse(text, sizeof text);
    return ok ? 0 : ACTR_ENOMEM;
}

/* Serializes root (then wipes and frees it) and writes the text atomically. */
static int write_json(const char *path, cJSON *root, const char *secret_field, mode_t mode,
                      unsigned flags, actr_error_t *err)
{
    char *text = cJSON_Print(root);
    if (secret_field)
        wipe_field(root, secret_field);
    cJSON_Delete(root);
    if (!text)
        return no_memory(err);
    size_t len = strlen(text);
    char *file = malloc(len + 2);
    int rc;
    if (!file) {
        rc = no_memory(err);
    } else {
        memcpy(file, text, len);
        file[len] = '\n';
        rc = actr_atomic_write_file(path, file, len + 1, mode, (flags & ACTR_KEYFILE_FORCE) != 0,
                                    err);
        free_secret(file, len + 1);
    }
    OPENSSL_cleanse(text, len);
    cJSON_free(text);
    return rc;
}

int actr_keyfile_write(const char *path, const actr_signing_key_t *key, const char *note,
                       unsigned flags, actr_error_t *err)
{
    if (!path || !key)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no path or key given");
    uint8_t seed[ACTR_ED25519_SEED_LEN], pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    if (actr_signing_key_export_seed(key, seed) != 0)
        return actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, 0,
                              "%s: cannot export the private key", path);
    actr_signing_key_public(key, pub);
    char created_at[32] = "1970-01-01T00:00:00Z";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(created_at, sizeof created_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON *root = cJSON_CreateObject();
    int rc = root ? 0 : ACTR_ENOMEM;
    if (rc == 0)
        rc = add_base64(root, "private_key", seed, sizeof seed);
    if (rc == 0)
        rc = add_base64(root, "public_key", pub, sizeof pub);
    if (rc == 0 && (!cJSON_AddStringToObject(root, "created_at", created_at) ||
                    !cJSON_AddStringToObject(root, "note", note ? note : "")))
        rc = ACTR_ENOMEM;
    OPENSSL_cleanse(seed, sizeof seed);
    if (rc != 0) {
        wipe_field(root, "private_key");
        cJSON_Delete(root);
        return no_memory(err);
    }
    return write_json(path, root, "private_key", 0600, flags, err);
}

int actr_pubkey_file_write(const char *path, const uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN],
                           unsigned flags, actr_error_t *err)
{
    if (!path || !pub)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no path or key given");
    char key_id[ACTR_MFR_KEY_ID_SIZE];
    int rc = actr_mfr_key_id(pub, key_id);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "%s: cannot compute the key id",
                              path);
    cJSON *root = cJSON_CreateObject();
    if (!root || add_base64(root, "public_key", pub, ACTR_ED25519_PUBLIC_KEY_LEN) != 0 ||
        !cJSON_AddStringToObject(root, "key_id", key_id)) {
        cJSON_Delete(root);
        return no_memory(err);
    }
    return write_json(path, root, NULL, 0644, flags, err);
}
