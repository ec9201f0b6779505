# The actr command line tool, run as a user runs it (tests/cli/): keys, signing, packing,
# verification and inspection checked against openssl, zip/unzip, hashlib and tomllib.
# One CTest test per test class, so they run in parallel and each has its own time budget.
foreach(class HelpAndUsage Keygen Sign Package)
  add_test(NAME cli_pkg_${class}
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli_pkg.py ${class}
           WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(cli_pkg_${class} PROPERTIES TIMEOUT 120 ENVIRONMENT "${ACTR_TEST_ENV}")
endforeach()
