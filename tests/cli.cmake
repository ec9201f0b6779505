# The actr command line tool, run as a user runs it (tests/cli/): keys, signing, packing,
# verification and inspection checked against openssl, zip/unzip, hashlib and tomllib.
add_test(NAME cli_pkg
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli_pkg.py
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(cli_pkg PROPERTIES TIMEOUT 120 ENVIRONMENT "${ACTR_TEST_ENV}")
