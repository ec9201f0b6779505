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

# Against independent stacks (node peers from tests/interop, installed by its setup.sh).
find_program(RTC_NODE node)
add_library(rtc_child STATIC ${RTC_TEST_DIR}/rtc_child.c)
target_include_directories(rtc_child PUBLIC ${RTC_TEST_DIR})
target_link_libraries(rtc_child PUBLIC actr_test_support)
actr_target_warnings(rtc_child)
add_executable(test_rtc_interop ${RTC_TEST_DIR}/test_rtc_interop.c)
set_target_properties(test_rtc_interop PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
target_link_libraries(test_rtc_interop PRIVATE rtc_child)
actr_target_warnings(test_rtc_interop)
