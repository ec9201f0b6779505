# actrd conformance: independent clients (/usr/bin/python3 with Debian's python3-websockets and
# python3-protobuf; Python modules generated from proto/ with protoc at run time) drive a real
# actrd process over HTTP and WebSocket on 127.0.0.1. One CTest test per conformance/conf_*.py.
file(GLOB ACTRD_CONFORMANCE_SCRIPTS CONFIGURE_DEPENDS
     ${CMAKE_CURRENT_SOURCE_DIR}/conformance/conf_*.py)
foreach(script ${ACTRD_CONFORMANCE_SCRIPTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME actrd_${name} COMMAND /usr/bin/python3 ${script}
           WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(actrd_${name} PROPERTIES
                       TIMEOUT 300
                       LABELS conformance
                       ENVIRONMENT "${ACTR_TEST_ENV};PYTHONDONTWRITEBYTECODE=1")
endforeach()
