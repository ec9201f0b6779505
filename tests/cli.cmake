# The actr command line tool, run as a user runs it (tests/cli/): keys, signing, packing,
# verification and inspection checked against openssl, zip/unzip, hashlib and tomllib.
# One CTest test per test class, so they run in parallel and each has its own time budget.
foreach(class HelpAndUsage Keygen Sign Package)
  add_test(NAME cli_pkg_${class}
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli_pkg.py ${class}
           WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(cli_pkg_${class} PROPERTIES TIMEOUT 120 ENVIRONMENT "${ACTR_TEST_ENV}")
endforeach()

# `actr dlq ...` against a real mailbox and DLQ: dlq_fixture (tests/cli/dlq_fixture.c) stores the
# records, counts the mailbox after a redrive and holds the mailbox open like a running node.
add_executable(dlq_fixture ${CMAKE_CURRENT_SOURCE_DIR}/cli/dlq_fixture.c)
set_target_properties(dlq_fixture PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
target_link_libraries(dlq_fixture PRIVATE actr_internal)
actr_target_warnings(dlq_fixture)
foreach(class HelpAndUsage Inspect Change Redrive)
  add_test(NAME cli_dlq_${class}
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli_dlq.py ${class}
           WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(cli_dlq_${class} PROPERTIES TIMEOUT 120
                       ENVIRONMENT "${ACTR_TEST_ENV};ACTR_DLQ_FIXTURE=$<TARGET_FILE:dlq_fixture>")
endforeach()
