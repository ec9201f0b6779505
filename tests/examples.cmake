# The examples run as tests too, so README's demo cannot rot.
add_test(NAME example_foundation_demo COMMAND foundation-demo)
set_tests_properties(example_foundation_demo PROPERTIES TIMEOUT 60 ENVIRONMENT "${ACTR_TEST_ENV}")
