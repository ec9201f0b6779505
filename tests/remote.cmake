# Networked nodes (docs/TESTING-REMOTE.md): each remote_*.py starts its own actrd (free port,
# temporary data dir) and real node processes (tests/remote/test_node.c, public API only, built
# with the same flags as everything else, so with ASan+UBSan in a sanitizer build) on 127.0.0.1,
# and drives them through their standard input. Drivers run with /usr/bin/python3 (Debian's
# python3-websockets and python3-protobuf); node_harness.py holds what they share.
set(RT_DIR ${CMAKE_CURRENT_SOURCE_DIR}/remote)

add_executable(rt_test_node ${RT_DIR}/test_node.c ${RT_DIR}/test_node_streams.c)
set_target_properties(rt_test_node PROPERTIES OUTPUT_NAME test_node
                      RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
target_link_libraries(rt_test_node PRIVATE actr Threads::Threads)
actr_target_warnings(rt_test_node)

file(GLOB RT_SCRIPTS CONFIGURE_DEPENDS ${RT_DIR}/remote_*.py)
foreach(script ${RT_SCRIPTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME ${name} COMMAND /usr/bin/python3 ${script} $<TARGET_FILE:rt_test_node>
           WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(${name} PROPERTIES TIMEOUT 120 LABELS remote SKIP_RETURN_CODE 77
                       ENVIRONMENT "${ACTR_TEST_ENV};PYTHONDONTWRITEBYTECODE=1")
endforeach()
