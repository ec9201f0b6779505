# WebRTC between nodes (docs/WEBRTC-COORDINATOR.md): two nodes through a real actrd, calls and
# tells only over data channels, a forced ICE restart, a signaling outage; and the demo.
# The program the tests below drive (not a test by itself: run.sh starts actrd around it).
add_executable(rtc_nodes ${CMAKE_CURRENT_SOURCE_DIR}/remote_webrtc/rtc_nodes.c
                         ${CMAKE_CURRENT_SOURCE_DIR}/remote_webrtc/media_nodes.c)
set_target_properties(rtc_nodes PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
target_link_libraries(rtc_nodes PRIVATE actr_test_support)
actr_target_warnings(rtc_nodes)
add_test(NAME remote_webrtc_nodes
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/remote_webrtc/run.sh ${PROJECT_BINARY_DIR})
set_tests_properties(remote_webrtc_nodes PROPERTIES TIMEOUT 120 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "signaling outage: ok")
add_test(NAME remote_webrtc_nodes_prefer
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/remote_webrtc/run.sh ${PROJECT_BINARY_DIR} prefer)
set_tests_properties(remote_webrtc_nodes_prefer PROPERTIES TIMEOUT 120 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "WebSocket first, WebRTC set up in the background: ok.*signaling outage: ok")
# Media tracks both ways between the two nodes (include/actr/media.h; media_nodes.c).
add_test(NAME remote_webrtc_media
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/remote_webrtc/run.sh ${PROJECT_BINARY_DIR} media)
set_tests_properties(remote_webrtc_media PROPERTIES TIMEOUT 120 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "media: ok")
add_test(NAME example_echo_webrtc
         COMMAND ${PROJECT_SOURCE_DIR}/scripts/demo-echo-webrtc.sh ${PROJECT_BINARY_DIR}
                 "ping over WebRTC")
set_tests_properties(example_echo_webrtc PROPERTIES TIMEOUT 90 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "echo-client got: Echo: ping over WebRTC")
actr_add_test(NAME test_rtc_coord TIMEOUT 180
              SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/remote_webrtc/test_rtc_coord.c)
