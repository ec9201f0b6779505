/* tmpdir.h - test helper: a private temporary directory under /tmp, removed with its contents. */
#ifndef ACTR_TEST_TMPDIR_H
#define ACTR_TEST_TMPDIR_H

#include <stddef.h>

#define TEST_TMPDIR_SIZE 64

/* Creates /tmp/actr-test-XXXXXX (mode 0700) and writes its path into dir; fails the test on error. */
void test_tmpdir_make(char dir[TEST_TMPDIR_SIZE]);

/* Removes dir and everything below it (symlinks are removed, not followed). */
void test_tmpdir_remove(const char *dir);

/* Writes "<dir>/<name>" into out (cap bytes); fails the test when it does not fit. */
void test_path_join(char *out, size_t cap, const char *dir, const char *name);

#endif /* ACTR_TEST_TMPDIR_H */
