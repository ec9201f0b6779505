# Packages: interop with standard tools (zip, unzip, openssl, sha256sum) through a small driver
# of the package API. The unit tests (tests/unit/test_package_*.c, test_trust.c) register
# themselves.
add_executable(package_tool ${CMAKE_CURRENT_SOURCE_DIR}/package/pkg_tool.c)
set_target_properties(package_tool PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
target_link_libraries(package_tool PRIVATE actr_internal)
actr_target_warnings(package_tool)

add_test(NAME package_handmade
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/package/handmade.sh $<TARGET_FILE:package_tool>
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(package_handmade PROPERTIES TIMEOUT 120 ENVIRONMENT "${ACTR_TEST_ENV}")
