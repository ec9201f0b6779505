# Installing libactr and consuming it as a user would: find_package(actr) and pkg-config.
set(_actr_consumer_flags "")
if(ACTR_SANITIZE)
  string(JOIN " " _actr_consumer_flags ${ACTR_SAN_FLAGS})
endif()
add_test(NAME install_consumer
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/install/check-install.sh
                 ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR} "${_actr_consumer_flags}")
set_tests_properties(install_consumer PROPERTIES TIMEOUT 300 ENVIRONMENT "${ACTR_TEST_ENV}")
