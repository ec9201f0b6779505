# WebRTC peer connection core (src/wire/webrtc): unit tests and two of our peers in one process
# over 127.0.0.1 (tests/wire/webrtc/). The interop tests against npm stacks live in
# tests/interop/.
set(RTC_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/wire/webrtc)

actr_add_test(NAME test_rtc_units SOURCES ${RTC_TEST_DIR}/test_rtc_units.c TIMEOUT 60)
