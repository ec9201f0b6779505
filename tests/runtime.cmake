# Runtime core (hyper, node, ref, ctx, in-process transport): the in-process echo example runs
# as a test. Its unit tests are tests/unit/test_runtime_*.c (registered automatically).
add_test(NAME example_echo_inproc COMMAND echo-inproc "hello in-process")
set_tests_properties(example_echo_inproc PROPERTIES TIMEOUT 60 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "\\[Received reply\\] Echo: hello in-process")
