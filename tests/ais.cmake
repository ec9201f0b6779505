# AIS client tests (src/platform/ais): canned HTTP answers from tests/support/ais_canned_server.py.
actr_add_test(NAME test_ais_client
              SOURCES platform/test_ais_client.c platform/ais_harness.c
              TIMEOUT 180)
