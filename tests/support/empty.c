/* Keeps the test support library non-empty before any helper exists. */
typedef int actr_test_support_empty_unit;
