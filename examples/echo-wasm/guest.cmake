# The same echo service source (../echo-native/guest/echo_service.c) as a wasm32 core module,
# packed and signed with the build tree's dev key: ${ACTR_GUEST_DIR}/echo-wasm.actr. It runs
# in the same host program, build/bin/echo-native.
actr_guest_wasm(NAME echo_service_wasm
                SOURCES ${CMAKE_CURRENT_LIST_DIR}/../echo-native/guest/echo_service.c)
actr_guest_package(NAME echo-wasm
                   MANIFEST ${CMAKE_CURRENT_LIST_DIR}/manifest.toml
                   BINARY ${ACTR_GUEST_DIR}/echo_service_wasm.wasm
                   BINARY_TARGET echo_service_wasm
                   TRIPLE wasm32-wasip1)
