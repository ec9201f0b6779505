/* unhex.h - test helper: hex test vectors to bytes. */
#ifndef ACTR_TEST_UNHEX_H
#define ACTR_TEST_UNHEX_H

#include <stddef.h>
#include <stdint.h>

/* Decodes hex into out (cap bytes) and returns the byte count; fails the test on bad input. */
size_t test_unhex(const char *hex, uint8_t *out, size_t cap);

#endif /* ACTR_TEST_UNHEX_H */
