/* {data_dir}/.hyper-instance-uid: create, keep, regenerate (platform.md 4.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "actr/storage.h"
#include "base/uuid.h"
#include "tmpdir.h"

typedef struct fixture {
    char tmp[TEST_TMPDIR_SIZE];
    char data[128]; /* not created by setup: load must create it */
    char file[192];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_tmpdir_make(f->tmp);
    test_path_join(f->data, sizeof f->data, f->tmp, "hyper/data");
    test_path_join(f->file, sizeof f->file, f->data, ACTR_INSTANCE_UID_FILE);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    test_tmpdir_remove(f->tmp);
    free(f);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = fread(buf, 1, cap - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return n;
}

/* A lowercase, hyphenated version 4 UUID. */
static void assert_uid_form(const char *uid)
{
    assert_int_equal(strlen(uid), ACTR_INSTANCE_UID_LEN);
    actr_uuid_t u;
    assert_int_equal(actr_uuid_parse(uid, strlen(uid), &u), 0);
    assert_int_equal(actr_uuid_version(&u), 4);
    for (const char *p = uid; *p; p++)
        assert_true((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '-');
}

/* Loads the UID and checks that it is well formed and that the file holds exactly it: no
 * newline, mode 0600. */
static void load_and_check(fixture_t *f, char uid[ACTR_INSTANCE_UID_LEN + 1])
{
    actr_error_t err;
    if (actr_instance_uid_load(f->data, uid, &err) != 0)
        fail_msg("load: %s", err.message);
    assert_uid_form(uid);
    char text[128];
    assert_int_equal(read_file(f->file, text, sizeof text), ACTR_INSTANCE_UID_LEN);
    assert_string_equal(text, uid);
    struct stat st;
    assert_int_equal(stat(f->file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_created_then_stable(void **state)
{
    fixture_t *f = *state;
    char uid[ACTR_INSTANCE_UID_LEN + 1], again[ACTR_INSTANCE_UID_LEN + 1];
    actr_error_t err;
    load_and_check(f, uid);
    struct stat st;
    assert_int_equal(stat(f->data, &st), 0); /* created, private */
    assert_int_equal(st.st_mode & 0777, 0700);

    assert_int_equal(actr_instance_uid_load(f->data, again, &err), 0);
    assert_string_equal(again, uid);
}

static void test_reads_existing_and_trims(void **state)
{
    fixture_t *f = *state;
    char uid[ACTR_INSTANCE_UID_LEN + 1];
    assert_int_equal(actr_instance_uid_load(f->data, uid, NULL), 0); /* creates the directory */
    write_file(f->file, " \t\n3f2b8c1e-5d4a-4e6b-9c8d-7a6b5c4d3e2f\r\n\n");
    assert_int_equal(actr_instance_uid_load(f->data, uid, NULL), 0);
    assert_string_equal(uid, "3f2b8c1e-5d4a-4e6b-9c8d-7a6b5c4d3e2f");
    /* A file written by hand in upper case names the same UID; it is left as it is. */
    write_file(f->file, "3F2B8C1E-5D4A-4E6B-9C8D-7A6B5C4D3E2F");
    assert_int_equal(actr_instance_uid_load(f->data, uid, NULL), 0);
    assert_string_equal(uid, "3f2b8c1e-5d4a-4e6b-9c8d-7a6b5c4d3e2f");
    char text[128];
    read_file(f->file, text, sizeof text);
    assert_string_equal(text, "3F2B8C1E-5D4A-4E6B-9C8D-7A6B5C4D3E2F");
}

static void test_regenerates_empty_or_garbage(void **state)
{
    fixture_t *f = *state;
    static const char *const damaged[] = {
        "",
        "   \n\t ",
        "not-a-uuid",
        "3f2b8c1e-5d4a-4e6b-9c8d-7a6b5c4d3e2",   /* one digit short */
        "3f2b8c1e-5d4a-4e6b-9c8d-7a6b5c4d3e2f0", /* one too many */
        "3f2b8c1e 5d4a 4e6b 9c8d 7a6b5c4d3e2f",
        "../../etc/passwd",
    };
    char uid[ACTR_INSTANCE_UID_LEN + 1];
    assert_int_equal(actr_instance_uid_load(f->data, uid, NULL), 0);
    for (size_t i = 0; i < sizeof damaged / sizeof damaged[0]; i++) {
        write_file(f->file, damaged[i]);
        char before[ACTR_INSTANCE_UID_LEN + 1];
        memcpy(before, uid, sizeof before);
        load_and_check(f, uid);
        assert_string_not_equal(uid, before);
    }

    /* A long file (a valid UUID buried in 1000 spaces) counts as damaged too. */
    char *big = malloc(1100);
    assert_non_null(big);
    memset(big, ' ', 1000);
    strcpy(big + 1000, "3f2b8c1e-5d4a-4e6b-9c8d-7a6b5c4d3e2f");
    write_file(f->file, big);
    free(big);
    assert_int_equal(actr_instance_uid_load(f->data, uid, NULL), 0);
    assert_string_not_equal(uid, "3f2b8c1e-5d4a-4e6b-9c8d-7a6b5c4d3e2f");
}

static void test_errors(void **state)
{
    fixture_t *f = *state;
    char uid[ACTR_INSTANCE_UID_LEN + 1];
    actr_error_t err;
    assert_int_equal(actr_instance_uid_load(NULL, uid, &err), ACTR_EINVAL);
    assert_int_equal(actr_instance_uid_load("", uid, &err), ACTR_EINVAL);
    assert_int_equal(actr_instance_uid_load(f->data, NULL, &err), ACTR_EINVAL);

    /* data_dir is a file. */
    char file_dir[192];
    test_path_join(file_dir, sizeof file_dir, f->tmp, "plain-file");
    write_file(file_dir, "x");
    assert_int_not_equal(actr_instance_uid_load(file_dir, uid, &err), 0);
    assert_string_equal(uid, "");
    /* The UID path is a directory: reading fails, nothing is replaced. */
    char sub[192], sub_file[256];
    test_path_join(sub, sizeof sub, f->tmp, "d2");
    test_path_join(sub_file, sizeof sub_file, sub, ACTR_INSTANCE_UID_FILE);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(mkdir(sub_file, 0700), 0);
    assert_int_not_equal(actr_instance_uid_load(sub, uid, &err), 0);
    struct stat st;
    assert_int_equal(stat(sub_file, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
}

int main(void)
{
    umask(022);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_created_then_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads_existing_and_trims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_regenerates_empty_or_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
