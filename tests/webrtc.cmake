# WebRTC peer connection core (src/wire/webrtc): two of our peers in one process over 127.0.0.1
# (tests/wire/webrtc/). The interop tests against npm stacks live in tests/interop/ and declare
# themselves below them.
set(RTC_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/wire/webrtc)

add_library(rtc_pair STATIC ${RTC_TEST_DIR}/rtc_pair.c)
target_include_directories(rtc_pair PUBLIC ${RTC_TEST_DIR})
target_link_libraries(rtc_pair PUBLIC actr_test_support)
actr_target_warnings(rtc_pair)

actr_add_test(NAME test_rtc_peer SOURCES ${RTC_TEST_DIR}/test_rtc_peer.c LIBS rtc_pair TIMEOUT 180)
actr_add_test(NAME test_rtc_units SOURCES ${RTC_TEST_DIR}/test_rtc_units.c TIMEOUT 60)

# Against independent stacks: the node peers of tests/interop (tests/interop/setup.sh installs
# their npm packages; without them or without node the tests report "skipped").
find_program(RTC_NODE node)
if(NOT RTC_NODE)
  set(RTC_NODE /usr/bin/node)
endif()
add_library(rtc_child STATIC ${RTC_TEST_DIR}/rtc_child.c)
target_include_directories(rtc_child PUBLIC ${RTC_TEST_DIR})
target_link_libraries(rtc_child PUBLIC actr_test_support)
actr_target_warnings(rtc_child)
add_executable(test_rtc_interop ${RTC_TEST_DIR}/test_rtc_interop.c)
set_target_properties(test_rtc_interop PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
target_link_libraries(test_rtc_interop PRIVATE rtc_child)
actr_target_warnings(test_rtc_interop)
foreach(stack wrtc werift)
  add_test(NAME test_rtc_interop_${stack}
           COMMAND test_rtc_interop ${RTC_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/interop ${stack}
           WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(test_rtc_interop_${stack} PROPERTIES TIMEOUT 400 SKIP_RETURN_CODE 77
                       ENVIRONMENT "${ACTR_TEST_ENV}")
  # Media both ways (a VP8 track each, then our renegotiation adding Opus), both roles.
  add_test(NAME test_rtc_interop_media_${stack}
           COMMAND test_rtc_interop ${RTC_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/interop ${stack} --media
           WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  set_tests_properties(test_rtc_interop_media_${stack} PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77
                       LABELS interop ENVIRONMENT "${ACTR_TEST_ENV}")
endforeach()

# Media tracks (src/wire/webrtc/media.c): SRTP samples, renegotiation from either side, bad input.
actr_add_test(NAME test_rtc_media SOURCES ${RTC_TEST_DIR}/test_rtc_media.c LIBS rtc_pair TIMEOUT 120)
