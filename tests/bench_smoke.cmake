# Benchmarks as smoke tests, so they cannot rot: tiny numbers, a few seconds, and only
# correctness is asserted (every connection up, every heartbeat answered, every relay
# delivered, clean exits), never timing. The real runs are in docs/BENCHMARKS.md.
add_test(NAME bench_signaling_smoke
         COMMAND bench_signaling --connections 20 --pairs 5 --window 4 --idle-secs 1
                 --relay-secs 0.5 --heartbeat-secs 0.5 --ping-secs 0.25 --timeout 60
                 --actrd ${PROJECT_BINARY_DIR}/bin/actrd
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(bench_signaling_smoke PROPERTIES TIMEOUT 120 LABELS bench
                     ENVIRONMENT "${ACTR_TEST_ENV}")
