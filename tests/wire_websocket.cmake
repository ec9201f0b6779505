# Direct WebSocket transport tests (owned by src/wire/websocket and src/platform/ais/key_cache).
# test_ws_hub / test_ws_auth / test_ws_streams: our dialler against our listener over real
# sockets on 127.0.0.1. test_ws_interop: against an implementation nobody here wrote
# (tests/wire/websocket/ws_peer.py, Debian's python3-websockets run with /usr/bin/python3).
# test_ws_actrd: real AIS credentials from a real actrd (skipped when actrd is not built).
set(WS_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/wire/websocket)

add_library(ws_harness STATIC ${WS_TEST_DIR}/ws_harness.c)
target_include_directories(ws_harness PUBLIC ${WS_TEST_DIR})
target_link_libraries(ws_harness PUBLIC actr_test_support)
actr_target_warnings(ws_harness)

foreach(name test_ws_frame test_ws_hub test_ws_auth test_ws_streams test_ws_interop)
  if(EXISTS ${WS_TEST_DIR}/${name}.c)
    actr_add_test(NAME ${name} SOURCES ${WS_TEST_DIR}/${name}.c LIBS ws_harness TIMEOUT 240)
  endif()
endforeach()

actr_add_test(NAME test_ws_actrd
              SOURCES ${WS_TEST_DIR}/test_ws_actrd.c ${CMAKE_CURRENT_SOURCE_DIR}/platform/ais_harness.c
              LIBS ws_harness TIMEOUT 240)
target_include_directories(test_ws_actrd PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/platform)
add_dependencies(test_ws_actrd actrd)

# The RPC benchmark as a smoke test, so it cannot rot: tiny numbers; only "no call lost and a
# clean exit" is asserted, never timing. The real run is in docs/BENCHMARKS.md.
add_test(NAME bench_ws_rpc_smoke
         COMMAND bench_ws_rpc --rtt 200 --calls 2000 --window 20 --rounds 1
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(bench_ws_rpc_smoke PROPERTIES TIMEOUT 120 LABELS bench
                     ENVIRONMENT "${ACTR_TEST_ENV}")
