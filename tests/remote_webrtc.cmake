# WebRTC between nodes (docs/WEBRTC-COORDINATOR.md): two nodes through a real actrd, calls and
# tells only over data channels, a forced ICE restart, a signaling outage; and the demo.
actr_add_test(NAME rtc_nodes SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/remote_webrtc/rtc_nodes.c)
set_tests_properties(rtc_nodes PROPERTIES DISABLED TRUE) # run through remote_webrtc_nodes below
add_test(NAME remote_webrtc_nodes
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/remote_webrtc/run.sh ${PROJECT_BINARY_DIR})
set_tests_properties(remote_webrtc_nodes PROPERTIES TIMEOUT 120 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "signaling outage: ok")
add_test(NAME remote_webrtc_nodes_prefer
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/remote_webrtc/run.sh ${PROJECT_BINARY_DIR} prefer)
set_tests_properties(remote_webrtc_nodes_prefer PROPERTIES TIMEOUT 120 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "WebSocket first, WebRTC set up in the background: ok.*signaling outage: ok")
add_test(NAME example_echo_webrtc
         COMMAND ${PROJECT_SOURCE_DIR}/scripts/demo-echo-webrtc.sh ${PROJECT_BINARY_DIR}
                 "ping over WebRTC")
set_tests_properties(example_echo_webrtc PROPERTIES TIMEOUT 90 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "echo-client got: Echo: ping over WebRTC")
actr_add_test(NAME test_rtc_coord TIMEOUT 180
              SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/remote_webrtc/test_rtc_coord.c)
