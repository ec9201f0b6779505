/* Manufacturer key files and public-key.json (platform.md §2.6): formats, modes, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "actr/crypto.h"
#include "unhex.h"

/* RFC 8032 TEST 1 seed and key, and the TEST 2 key, in standard base64. */
#define SEED1_B64 "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
#define PUB1_B64 "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define PUB2_B64 "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw="
#define PUB1_HEX "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"

typedef struct fixture {
    char dir[64];
    char path[128]; /* scratch file name inside dir */
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/actr-keyfile-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.')
            unlinkat(dirfd(d), e->d_name, 0);
    }
    if (d)
        closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

static const char *in_dir(fixture_t *f, const char *name)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    return f->path;
}

static int count_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = calloc(1, 4096);
    assert_non_null(buf);
    assert_true(fread(buf, 1, 4095, fp) > 0);
    fclose(fp);
    return buf;
}

static mode_t file_mode(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static void test_round_trip_mode_and_format(void **state)
{
    fixture_t *f = *state;
    const char *path = in_dir(f, "dev-key.json");
    actr_signing_key_t *key = NULL, *loaded = NULL;
    assert_int_equal(actr_signing_key_generate(&key), 0);
    mode_t old_umask = umask(0); /* the mode must not depend on the umask */
    actr_error_t err;
    assert_int_equal(actr_keyfile_write(path, key, "test \"key\"", 0, &err), 0);
    umask(old_umask);
    assert_int_equal(file_mode(path), 0600);
    assert_int_equal(count_entries(f->dir), 1); /* no temporary file left behind */

    assert_int_equal(actr_keyfile_load(path, &loaded, &err), 0);
    uint8_t a[32], b[32], sig_a[64], sig_b[64];
    actr_signing_key_public(key, a);
    actr_signing_key_public(loaded, b);
    assert_memory_equal(a, b, 32);
    assert_int_equal(actr_signing_key_sign(key, "m", 1, sig_a), 0);
    assert_int_equal(actr_signing_key_sign(loaded, "m", 1, sig_b), 0);
    assert_memory_equal(sig_a, sig_b, 64);

    /* The fields the reference's keychain JSON has. */
    char *text = slurp(path);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    const char *created = cJSON_GetStringValue(cJSON_GetObjectItem(root, "created_at"));
    assert_non_null(created);
    assert_int_equal(strlen(created), 20); /* 2024-05-01T12:00:00Z */
    assert_int_equal(created[10], 'T');
    assert_int_equal(created[19], 'Z');
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(root, "note")), "test \"key\"");
    assert_int_equal(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(root, "private_key"))), 44);
    assert_int_equal(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(root, "public_key"))), 44);
    cJSON_Delete(root);
    free(text);
    actr_signing_key_free(key);
    actr_signing_key_free(loaded);
}

static void test_refuses_overwrite_without_force(void **state)
{
    fixture_t *f = *state;
    const char *path = in_dir(f, "key.json");
    actr_signing_key_t *first = NULL, *second = NULL, *loaded = NULL;
    assert_int_equal(actr_signing_key_generate(&first), 0);
    assert_int_equal(actr_signing_key_generate(&second), 0);
    assert_int_equal(actr_keyfile_write(path, first, NULL, 0, NULL), 0);
    char *before = slurp(path);

    actr_error_t err;
    assert_int_equal(actr_keyfile_write(path, second, NULL, 0, &err), ACTR_EEXIST);
    assert_non_null(strstr(err.message, path));
    char *after = slurp(path);
    assert_string_equal(before, after);
    assert_int_equal(count_entries(f->dir), 1);

    assert_int_equal(actr_keyfile_write(path, second, NULL, ACTR_KEYFILE_FORCE, &err), 0);
    assert_int_equal(file_mode(path), 0600);
    assert_int_equal(actr_keyfile_load(path, &loaded, NULL), 0);
    uint8_t want[32], got[32];
    actr_signing_key_public(second, want);
    actr_signing_key_public(loaded, got);
    assert_memory_equal(want, got, 32);
    assert_int_equal(count_entries(f->dir), 1);

    free(before);
    free(after);
    actr_signing_key_free(first);
    actr_signing_key_free(second);
    actr_signing_key_free(loaded);
}

static void test_known_key_file_and_key_id(void **state)
{
    (void)state;
    static const char json[] = "{\"private_key\": \"" SEED1_B64 "\", \"public_key\": \"" PUB1_B64
                               "\", \"created_at\": \"2025-01-01T00:00:00Z\", \"note\": \"x\", "
                               "\"extra\": [1, 2, 3]}";
    actr_signing_key_t *key = NULL;
    assert_int_equal(actr_keyfile_parse(json, sizeof json - 1, "dev-key.json", &key, NULL), 0);
    uint8_t pub[32], want[32], sig[64];
    actr_signing_key_public(key, pub);
    test_unhex(PUB1_HEX, want, 32);
    assert_memory_equal(pub, want, 32);
    /* RFC 8032 TEST 1: the empty message. */
    assert_int_equal(actr_signing_key_sign(key, NULL, 0, sig), 0);
    test_unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155", want, 32);
    assert_memory_equal(sig, want, 32);
    char id[ACTR_MFR_KEY_ID_SIZE];
    assert_int_equal(actr_mfr_key_id(pub, id), 0);
    assert_string_equal(id, "mfr-21fe31dfa154a261");
    actr_signing_key_free(key);

    /* A raw NUL is refused too (here the terminator, passed as part of the input) ... */
    actr_error_t err;
    assert_int_equal(actr_keyfile_parse(json, sizeof json, "k", &key, &err), ACTR_EPARSE);
    assert_string_equal(err.message, "k: contains a NUL character");
    /* ... but an escaped backslash followed by "u0000" is ordinary text. */
    static const char note[] = "{\"private_key\": \"" SEED1_B64 "\", \"public_key\": \"" PUB1_B64
                               "\", \"note\": \"\\\\u0000\"}";
    assert_int_equal(actr_keyfile_parse(note, sizeof note - 1, "k", &key, &err), 0);
    actr_signing_key_free(key);
}

typedef struct bad_case {
    const char *json;
    int code;
    const char *needle; /* must appear in the message */
} bad_case_t;

static const bad_case_t bad_key_files[] = {
    {"{\"private_key\": \"" SEED1_B64 "\", \"public_key\": \"" PUB2_B64 "\"}", ACTR_ESIGNATURE,
     "\"public_key\" does not belong to private_key"},
    {"{\"private_key\": \"not base64!\", \"public_key\": \"" PUB1_B64 "\"}", ACTR_EPARSE,
     "\"private_key\" is not valid standard base64"},
    /* URL-safe alphabet and missing padding are not the standard encoding. */
    {"{\"private_key\": \"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\", \"public_key\": "
     "\"" PUB1_B64 "\"}",
     ACTR_EPARSE, "\"private_key\" is not valid standard base64"},
    {"{\"private_key\": \"" SEED1_B64
     "\", \"public_key\": \"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
     ACTR_EPARSE, "\"public_key\" is not valid standard base64"},
    {"{\"private_key\": \"nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyufw==\", \"public_key\": "
     "\"" PUB1_B64 "\"}",
     ACTR_EPARSE, "\"private_key\" must decode to 32 bytes, got 31"},
    {"{\"private_key\": \"" SEED1_B64 SEED1_B64 "\", \"public_key\": \"" PUB1_B64 "\"}",
     ACTR_EPARSE, "\"private_key\" must decode to 32 bytes, got more than 48"},
    {"{\"public_key\": \"" PUB1_B64 "\"}", ACTR_EPARSE, "\"private_key\" is missing"},
    {"{\"private_key\": \"" SEED1_B64 "\"}", ACTR_EPARSE, "\"public_key\" is missing"},
    {"{\"private_key\": 42, \"public_key\": \"" PUB1_B64 "\"}", ACTR_EPARSE,
     "\"private_key\" is not a string"},
    {"{\"private_key\": \"" SEED1_B64 "\", \"private_key\": \"" SEED1_B64
     "\", \"public_key\": \"" PUB1_B64 "\"}",
     ACTR_EPARSE, "\"private_key\" appears more than once"},
    {"private_key = \"" SEED1_B64 "\"", ACTR_EPARSE, "not valid JSON"},
    {"{\"private_key\": \"" SEED1_B64 "\",", ACTR_EPARSE, "not valid JSON"},
    {"[\"" SEED1_B64 "\"]", ACTR_EPARSE, "not a JSON object"},
    {"", ACTR_EPARSE, "not valid JSON"},
    /* serde_json rejects trailing text; cJSON alone would ignore it. */
    {"{\"private_key\": \"" SEED1_B64 "\", \"public_key\": \"" PUB1_B64 "\"} {}", ACTR_EPARSE,
     "not valid JSON"},
    /* cJSON would cut the string at the NUL and accept the key. */
    {"{\"private_key\": \"" SEED1_B64 "\\u0000!\", \"public_key\": \"" PUB1_B64 "\"}", ACTR_EPARSE,
     "contains a NUL character"},
};

static void test_bad_key_files_have_distinct_clear_errors(void **state)
{
    (void)state;
    enum { N = sizeof bad_key_files / sizeof bad_key_files[0] };
    char messages[N][ACTR_ERROR_MESSAGE_MAX];
    for (size_t i = 0; i < N; i++) {
        const bad_case_t *c = &bad_key_files[i];
        actr_signing_key_t *key = (actr_signing_key_t *)1; /* must come back NULL */
        actr_error_t err;
        assert_int_equal(
            actr_keyfile_parse(c->json, strlen(c->json), "/etc/actr/dev-key.json", &key, &err),
            c->code);
        assert_null(key);
        assert_int_equal(err.code, c->code);
        print_message("  -> %s\n", err.message);
        assert_non_null(strstr(err.message, "/etc/actr/dev-key.json: "));
        assert_non_null(strstr(err.message, c->needle));
        strcpy(messages[i], err.message);
    }
    /* Different problems never share a message. */
    for (size_t i = 0; i < N; i++)
        for (size_t j = i + 1; j < N; j++)
            if (strcmp(bad_key_files[i].needle, bad_key_files[j].needle) != 0)
                assert_string_not_equal(messages[i], messages[j]);
}

static void test_load_errors_name_the_file(void **state)
{
    fixture_t *f = *state;
    actr_signing_key_t *key = NULL;
    uint8_t pub[32];
    actr_error_t err;
    const char *missing = in_dir(f, "missing.json");
    assert_int_equal(actr_keyfile_load(missing, &key, &err), ACTR_ENOTFOUND);
    assert_non_null(strstr(err.message, missing));
    assert_int_equal(actr_pubkey_file_load(f->dir, pub, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "not a regular file"));

    const char *big = in_dir(f, "big.json");
    FILE *fp = fopen(big, "wb");
    assert_non_null(fp);
    for (int i = 0; i < 70 * 1024; i++)
        fputc(' ', fp);
    fclose(fp);
    assert_int_equal(actr_keyfile_load(big, &key, &err), ACTR_ETOOBIG);
    assert_non_null(strstr(err.message, big));

    /* A file-level problem is reported with the path as source. */
    const char *bad = in_dir(f, "bad.json");
    fp = fopen(bad, "wb");
    assert_non_null(fp);
    fputs("{\"public_key\": 1}", fp);
    fclose(fp);
    assert_int_equal(actr_pubkey_file_load(bad, pub, &err), ACTR_EPARSE);
    assert_non_null(strstr(err.message, bad));
    assert_non_null(strstr(err.message, "\"public_key\" is not a string"));
    assert_null(key);
}

static void test_pubkey_file(void **state)
{
    fixture_t *f = *state;
    const char *path = in_dir(f, "public-key.json");
    uint8_t pub[32], got[32];
    test_unhex(PUB1_HEX, pub, 32);
    mode_t old_umask = umask(077);
    assert_int_equal(actr_pubkey_file_write(path, pub, 0, NULL), 0);
    umask(old_umask);
    assert_int_equal(file_mode(path), 0644);
    assert_int_equal(actr_pubkey_file_load(path, got, NULL), 0);
    assert_memory_equal(pub, got, 32);
    char *text = slurp(path);
    cJSON *root = cJSON_Parse(text);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(root, "key_id")),
                        "mfr-21fe31dfa154a261");
    cJSON_Delete(root);
    free(text);
    assert_int_equal(actr_pubkey_file_write(path, pub, 0, NULL), ACTR_EEXIST);

    /* Only public_key matters; the MFR registry answer has the same shape. */
    static const char registry[] = "{\"key_id\": \"mfr-0\", \"public_key\": \"" PUB1_B64 "\"}";
    assert_int_equal(actr_pubkey_file_parse(registry, sizeof registry - 1, NULL, got, NULL), 0);
    assert_memory_equal(pub, got, 32);

    /* The all-zero dev key is a point (verification still rejects everything under it). */
    static const char zero[] = "{\"public_key\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}";
    assert_int_equal(actr_pubkey_file_parse(zero, sizeof zero - 1, NULL, got, NULL), 0);

    actr_error_t err;
    static const char off_curve[] =
        "{\"public_key\": \"AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}";
    assert_int_equal(actr_pubkey_file_parse(off_curve, sizeof off_curve - 1, "pk.json", got, &err),
                     ACTR_EPARSE);
    assert_string_equal(err.message,
                        "pk.json: field \"public_key\" is not a valid Ed25519 public key");
    static const char short_key[] =
        "{\"public_key\": \"nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyufw==\"}";
    assert_int_equal(actr_pubkey_file_parse(short_key, sizeof short_key - 1, NULL, got, &err),
                     ACTR_EPARSE);
    assert_string_equal(err.message,
                        "<memory>: field \"public_key\" must decode to 32 bytes, got 31");
}

static void test_write_into_missing_directory(void **state)
{
    fixture_t *f = *state;
    actr_signing_key_t *key = NULL;
    assert_int_equal(actr_signing_key_generate(&key), 0);
    actr_error_t err;
    const char *path = in_dir(f, "no-such-dir/key.json");
    assert_int_equal(actr_keyfile_write(path, key, NULL, 0, &err), ACTR_ENOTFOUND);
    assert_non_null(strstr(err.message, path));
    actr_signing_key_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_mode_and_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_overwrite_without_force, setup, teardown),
        cmocka_unit_test(test_known_key_file_and_key_id),
        cmocka_unit_test(test_bad_key_files_have_distinct_clear_errors),
        cmocka_unit_test_setup_teardown(test_load_errors_name_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pubkey_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_into_missing_directory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
