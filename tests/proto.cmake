# Protobuf tests. The round-trip test is tests/unit/test_proto_roundtrip.c (picked up by itself);
# proto_interop checks our bytes against Google's protoc (found on PATH; missing = failure).
actr_add_test(NAME proto_interop SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/proto/proto_interop.c)
