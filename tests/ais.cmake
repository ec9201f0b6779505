# AIS client tests (src/platform/ais, src/lifecycle/credential.c): canned HTTP answers from
# tests/support/ais_canned_server.py, and a real actrd started from ${ACTR_BIN_DIR} (skipped
# when actrd has not been built). Both share tests/platform/ais_harness.c.
actr_add_test(NAME test_ais_client
              SOURCES platform/test_ais_client.c platform/ais_harness.c
              TIMEOUT 180)
actr_add_test(NAME test_ais_actrd
              SOURCES platform/test_ais_actrd.c platform/ais_harness.c
              TIMEOUT 240)
