# TOML: the toml-decode tool (toml-test decoder interface) and the toml-test conformance suite,
# run twice: against the library directly and through toml-decode.
set(TOML_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/toml)

add_executable(toml-decode ${TOML_TEST_DIR}/toml_decode.c ${TOML_TEST_DIR}/toml_tagged.c)
set_target_properties(toml-decode PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
target_link_libraries(toml-decode PRIVATE actr_internal)
actr_target_warnings(toml-decode)

actr_add_test(NAME toml_suite
              SOURCES ${TOML_TEST_DIR}/toml_suite.c ${TOML_TEST_DIR}/toml_tagged.c
              LIBS PkgConfig::CJSON)
target_compile_definitions(toml_suite PRIVATE
                           TOML_SUITE_DEFAULT_TESTDATA="${ACTR_TESTDATA_DIR}")

# Leaks are already checked in-process by toml_suite; a leak scan at the exit of each of the ~700
# decoder runs would double this test's time under ASan.
set(TOML_DECODE_ENV ${ACTR_TEST_ENV})
list(TRANSFORM TOML_DECODE_ENV REPLACE "detect_leaks=1" "detect_leaks=0")
add_test(NAME toml_decode_suite
         COMMAND toml_suite --decoder $<TARGET_FILE:toml-decode>
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(toml_decode_suite PROPERTIES TIMEOUT 300 ENVIRONMENT "${TOML_DECODE_ENV}")
