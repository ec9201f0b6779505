# WebRTC interop harness (tests/interop/, README.md there): Google's libwebrtc (@roamhq/wrtc) and
# werift against each other through the loopback relay, both offer directions, all four lanes
# with 0 B .. 1 MB framed messages, ICE restart and a VP8 track. These prove the harness that the
# C interop tests drive. They install the npm packages on first use (setup.sh, npm ci) and skip
# (77) when node/npm or the packages are unavailable. RUN_SERIAL: each run is CPU-heavy.
find_program(ACTR_NODE_PROGRAM node)
if(ACTR_NODE_PROGRAM)
  set(_interop_dir ${PROJECT_SOURCE_DIR}/tests/interop)
  foreach(pair "wrtc;werift" "werift;wrtc")
    list(GET pair 0 _offer)
    list(GET pair 1 _answer)
    add_test(NAME interop_selftest_${_offer}_offers_${_answer}
             COMMAND sh ${_interop_dir}/run_selftest.sh ${_offer} ${_answer} --media)
    set_tests_properties(interop_selftest_${_offer}_offers_${_answer} PROPERTIES
      TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE ENVIRONMENT "${ACTR_TEST_ENV}")
  endforeach()
  # The answering side drives (its ICE restart goes through a restart request to the offerer).
  add_test(NAME interop_selftest_answerer_drives
           COMMAND sh ${_interop_dir}/run_selftest.sh wrtc werift --drive-answer)
  set_tests_properties(interop_selftest_answerer_drives PROPERTIES
    TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE ENVIRONMENT "${ACTR_TEST_ENV}")
endif()

# Our SDP against both stacks: they accept our offers (data, ICE restart, VP8+Opus tracks) and
# answers, and we parse their answers (tests/interop/check_sdp.js driven over a pipe).
if(ACTR_NODE_PROGRAM)
  actr_add_test(NAME test_sdp_interop SOURCES ${PROJECT_SOURCE_DIR}/tests/interop/test_sdp_interop.c
                TIMEOUT 180)
  set_tests_properties(test_sdp_interop PROPERTIES SKIP_RETURN_CODE 77)
endif()

# The C side of the harness (tests/interop/interop_peer.c, for the C interop tests): this test
# relays signaling between a libwebrtc offerer and a werift answerer and checks the four lanes.
if(ACTR_NODE_PROGRAM)
  actr_add_test(NAME test_interop_relay
                SOURCES ${PROJECT_SOURCE_DIR}/tests/interop/test_interop_relay.c
                        ${PROJECT_SOURCE_DIR}/tests/interop/interop_peer.c
                TIMEOUT 120)
  target_include_directories(test_interop_relay PRIVATE ${PROJECT_SOURCE_DIR}/tests/interop)
  set_tests_properties(test_interop_relay PROPERTIES SKIP_RETURN_CODE 77)
endif()
