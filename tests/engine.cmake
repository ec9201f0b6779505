# Package engines (src/engine/abi, src/engine/dynclib), the guest SDK (sdk/) and attaching
# packages (src/lifecycle/attach.c). The guests under tests/engine/guests/ are real shared
# libraries: guest_test is a test actor written with the SDK; hostile_* break the ABI on purpose.
set(ENGINE_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/engine)
actr_guest_native(NAME guest_test SOURCES ${ENGINE_TEST_DIR}/guests/guest_test.c)
actr_guest_native(NAME guest_shutdown_fail SOURCES ${ENGINE_TEST_DIR}/guests/guest_test.c
                  DEFINES SHUTDOWN_FAILS)
actr_guest_native(NAME hostile SOURCES ${ENGINE_TEST_DIR}/guests/hostile.c NO_SDK)
actr_guest_native(NAME hostile_init_fails SOURCES ${ENGINE_TEST_DIR}/guests/hostile.c NO_SDK
                  DEFINES INIT_FAILS)
foreach(sym init handle free shutdown)
  string(TOUPPER ${sym} SYM)
  actr_guest_native(NAME hostile_no_${sym} SOURCES ${ENGINE_TEST_DIR}/guests/hostile.c NO_SDK
                    DEFINES OMIT_${SYM})
endforeach()
set(ENGINE_TEST_GUESTS guest_test guest_shutdown_fail hostile hostile_init_fails
    hostile_no_init hostile_no_handle hostile_no_free hostile_no_shutdown)

actr_add_test(NAME test_dynclib SOURCES ${ENGINE_TEST_DIR}/test_dynclib.c
              LIBS ${CMAKE_DL_LIBS} ARGS ${ACTR_GUEST_DIR})
add_dependencies(test_dynclib ${ENGINE_TEST_GUESTS})

# The SDK's hand-written protobuf codec against protobuf-c's bytes for the same messages.
actr_add_test(NAME test_sdk_pb SOURCES ${ENGINE_TEST_DIR}/test_sdk_pb.c
              ${ACTR_SDK_DIR}/actr_guest_pb.c)
target_include_directories(test_sdk_pb PRIVATE ${ACTR_SDK_DIR})

# Packages through actr_node_attach: cache, refusals (target, tamper, key, trust), typestate.
actr_add_test(NAME test_attach SOURCES ${ENGINE_TEST_DIR}/test_attach.c ARGS ${ACTR_GUEST_DIR})
add_dependencies(test_attach guest_test echo_service_wasm)

# The echo example's packages (examples/echo-native, examples/echo-wasm: one source), both
# hosted by build/bin/echo-native.
add_test(NAME example_echo_wasm
         COMMAND echo-native ${ACTR_GUEST_DIR}/echo-wasm.actr ${ACTR_GUEST_DIR}/public-key.json
                 "hello wasm package")
set_tests_properties(example_echo_wasm PROPERTIES TIMEOUT 60 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "\\[Received reply\\] Echo: hello wasm package")
add_test(NAME example_echo_native
         COMMAND echo-native ${ACTR_GUEST_DIR}/echo-native.actr ${ACTR_GUEST_DIR}/public-key.json
                 "hello package")
set_tests_properties(example_echo_native PROPERTIES TIMEOUT 60 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "\\[Received reply\\] Echo: hello package")

# `actr run` up to registration (tests/engine/run_cli.sh): config, trust, attach, then the
# register step's error; a tampered package is refused at attach.
add_test(NAME cli_run_package
         COMMAND bash ${ENGINE_TEST_DIR}/run_cli.sh $<TARGET_FILE:actr_cli> ${ACTR_GUEST_DIR})
set_tests_properties(cli_run_package PROPERTIES TIMEOUT 120 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "actr run: ok")
