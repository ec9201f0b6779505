# The examples run as tests too, so README's demo cannot rot.
add_test(NAME example_foundation_demo COMMAND foundation-demo)
set_tests_properties(example_foundation_demo PROPERTIES TIMEOUT 60 ENVIRONMENT "${ACTR_TEST_ENV}")

# actrd plus two actors meeting through it (a real actrd process on 127.0.0.1, port chosen by the OS).
add_test(NAME example_actrd_pair
         COMMAND ${PROJECT_SOURCE_DIR}/scripts/demo-actrd-pair.sh ${PROJECT_BINARY_DIR})
set_tests_properties(example_actrd_pair PROPERTIES TIMEOUT 60 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "done: two actors registered, met through signaling")

# The main job: an echo service and a client in two processes, found through actrd's signaling,
# talking over direct WebSocket (the client checks the reply and exits non-zero otherwise).
add_test(NAME example_echo_remote
         COMMAND ${PROJECT_SOURCE_DIR}/scripts/demo-echo-remote.sh ${PROJECT_BINARY_DIR}
                 "ping across processes")
set_tests_properties(example_echo_remote PROPERTIES TIMEOUT 90 ENVIRONMENT "${ACTR_TEST_ENV}"
  PASS_REGULAR_EXPRESSION "echo-client got: Echo: ping across processes")

# Signed packages end to end: actrd with the manufacturer's key and the published package,
# `actr run` hosting the package (engine chosen by its target), echo-client calling it.
foreach(kind native wasm)
  add_test(NAME example_package_run_${kind}
           COMMAND ${PROJECT_SOURCE_DIR}/scripts/demo-package-run.sh ${PROJECT_BINARY_DIR}
                   ${ACTR_GUEST_DIR}/echo-${kind}.actr "packaged ${kind} echo")
  set_tests_properties(example_package_run_${kind} PROPERTIES TIMEOUT 120
    ENVIRONMENT "${ACTR_TEST_ENV}"
    PASS_REGULAR_EXPRESSION "echo-client got: Echo: packaged ${kind} echo")
endforeach()
# The same with an unpublished package: `actr run -k` proves the manufacturer at registration
# (AIS Path 2, a fresh signed proof).
add_test(NAME example_package_run_proof
         COMMAND ${PROJECT_SOURCE_DIR}/scripts/demo-package-run.sh ${PROJECT_BINARY_DIR}
                 ${ACTR_GUEST_DIR}/echo-native.actr "proven native echo")
set_tests_properties(example_package_run_proof PROPERTIES TIMEOUT 120
  ENVIRONMENT "${ACTR_TEST_ENV};UNPUBLISHED=1"
  PASS_REGULAR_EXPRESSION "echo-client got: Echo: proven native echo")
