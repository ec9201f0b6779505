# The echo service guest (guest/echo_service.c) as a native shared library, packed and signed
# with the build tree's dev key: ${ACTR_GUEST_DIR}/echo-native.actr. The host program that runs
# it is main.c (build/bin/echo-native).
actr_guest_native(NAME echo_service_native SOURCES ${CMAKE_CURRENT_LIST_DIR}/guest/echo_service.c)
actr_guest_package(NAME echo-native
                   MANIFEST ${CMAKE_CURRENT_LIST_DIR}/manifest.toml
                   BINARY ${ACTR_GUEST_DIR}/echo_service_native.so
                   BINARY_TARGET echo_service_native
                   TRIPLE ${ACTR_HOST_TRIPLE})
