/* unhex.c - test helper: hex test vectors to bytes. */
#include "unhex.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <cmocka.h>

#include "base/hex.h"

size_t test_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    assert_int_equal(actr_hex_decode(hex, strlen(hex), out, cap, &n), 0);
    return n;
}
