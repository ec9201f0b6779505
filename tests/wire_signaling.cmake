# Signaling client tests (owned by src/wire/signaling). test_sigc_indep drives the client
# against an independent server (tests/wire/sigc_server.py, run with /usr/bin/python3 for
# Debian's python3-websockets); test_sigc_actrd against a real actrd process. Both use only
# 127.0.0.1 and bound every wait.
set(SIGC_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/wire)

add_library(sigc_harness STATIC ${SIGC_TEST_DIR}/sigc_harness.c)
target_include_directories(sigc_harness PUBLIC ${SIGC_TEST_DIR})
target_link_libraries(sigc_harness PUBLIC actr_test_support)
actr_target_warnings(sigc_harness)

actr_add_test(NAME test_sigc_indep SOURCES ${SIGC_TEST_DIR}/test_sigc_indep.c
              LIBS sigc_harness TIMEOUT 240)

actr_add_test(NAME test_sigc_actrd SOURCES ${SIGC_TEST_DIR}/test_sigc_actrd.c
              LIBS sigc_harness TIMEOUT 240)
add_dependencies(test_sigc_actrd actrd)
