/* Error codes, names and wire-code classification (protocol.md sections 8.5 and 8.6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "actr/error.h"

static void test_strerror_names_every_code(void **state)
{
    (void)state;
    assert_string_equal(actr_strerror(ACTR_OK), "success");
    assert_string_equal(actr_strerror(ACTR_EPARSE), "malformed input");
    assert_string_equal(actr_err_name(ACTR_ESIGNATURE), "ESIGNATURE");
    assert_string_equal(actr_strerror(-9999), "unknown error");
    for (int code = -1; code >= ACTR_EUNAVAILABLE; code--)
        assert_string_not_equal(actr_strerror(code), "unknown error");
}

static void test_wire_code_kinds(void **state)
{
    (void)state;
    assert_int_equal(actr_wire_code_kind(ACTR_WIRE_UNAVAILABLE), ACTR_KIND_TRANSIENT);
    assert_int_equal(actr_wire_code_kind(ACTR_WIRE_TIMED_OUT), ACTR_KIND_TRANSIENT);
    assert_int_equal(actr_wire_code_kind(ACTR_WIRE_CONNECTION_NOT_READY), ACTR_KIND_TRANSIENT);
    assert_int_equal(actr_wire_code_kind(ACTR_WIRE_UNKNOWN_ROUTE), ACTR_KIND_CLIENT);
    assert_int_equal(actr_wire_code_kind(ACTR_WIRE_PERMISSION_DENIED), ACTR_KIND_CLIENT);
    assert_int_equal(actr_wire_code_kind(ACTR_WIRE_DECODE_FAILURE), ACTR_KIND_CORRUPT);
    assert_int_equal(actr_wire_code_kind(ACTR_WIRE_NOT_IMPLEMENTED), ACTR_KIND_INTERNAL);
    /* Unknown codes are mapped to Unavailable, as the reference does. */
    assert_int_equal(actr_wire_code_kind(42), ACTR_KIND_TRANSIENT);
    assert_string_equal(actr_wire_code_name(42), "Unavailable");
    assert_string_equal(actr_wire_code_name(10006), "UnknownRoute");
    assert_true(actr_wire_code_retryable(10011));
    assert_false(actr_wire_code_retryable(10008));
}

static void test_error_set_formats_and_truncates(void **state)
{
    (void)state;
    actr_error_t err;
    int rc = actr_error_set(&err, ACTR_EPARSE, ACTR_KIND_CORRUPT, 10008, "line %d: bad %s", 3, "key");
    assert_int_equal(rc, ACTR_EPARSE);
    assert_string_equal(err.message, "line 3: bad key");
    assert_int_equal(err.wire_code, 10008);
    char long_text[1000];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    actr_error_set(&err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "%s", long_text);
    assert_int_equal(strlen(err.message), ACTR_ERROR_MESSAGE_MAX - 1);
    assert_int_equal(actr_error_set(NULL, ACTR_EIO, ACTR_KIND_TRANSIENT, 0, "ignored"), ACTR_EIO);
    actr_error_clear(&err);
    assert_int_equal(err.code, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror_names_every_code),
        cmocka_unit_test(test_wire_code_kinds),
        cmocka_unit_test(test_error_set_formats_and_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
