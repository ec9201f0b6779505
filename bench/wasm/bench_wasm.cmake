# bench_wasm (bench/bench_wasm.c): the interpreter benchmark. Its kernels (bench/wasm/*.c) are
# compiled twice: into the program as native code, and with clang to wasm32 modules without
# libc in ${PROJECT_BINARY_DIR}/bench-wasm/, next to the echo guest of the dispatch measure
# (tests/wasm/guests/abi_guest.c, wasm32-wasi).
set(BENCH_WASM_SRC ${CMAKE_CURRENT_LIST_DIR})
set(BENCH_WASM_OUT ${PROJECT_BINARY_DIR}/bench-wasm)
set(BENCH_WASM_KERNELS fib sieve sha256 matmul)
find_program(BENCH_WASM_CLANG clang)

set(outputs "")
foreach(k ${BENCH_WASM_KERNELS})
  add_custom_command(OUTPUT ${BENCH_WASM_OUT}/${k}.wasm
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${BENCH_WASM_OUT}
                     COMMAND ${BENCH_WASM_CLANG} --target=wasm32 -O2 -nostdlib -ffreestanding
                             -fno-builtin -Wl,--no-entry ${BENCH_WASM_SRC}/${k}.c
                             -o ${BENCH_WASM_OUT}/${k}.wasm
                     DEPENDS ${BENCH_WASM_SRC}/${k}.c ${BENCH_WASM_SRC}/kernel.h
                     COMMENT "wasm32 kernel ${k}.wasm" VERBATIM)
  list(APPEND outputs ${BENCH_WASM_OUT}/${k}.wasm)
  target_sources(bench_wasm PRIVATE ${BENCH_WASM_SRC}/${k}.c)
endforeach()
add_custom_command(OUTPUT ${BENCH_WASM_OUT}/abi_guest.wasm
                   COMMAND ${CMAKE_COMMAND} -E make_directory ${BENCH_WASM_OUT}
                   COMMAND ${BENCH_WASM_CLANG} --target=wasm32-wasi -O2 -mexec-model=reactor
                           -Wl,--strip-all
                           ${PROJECT_SOURCE_DIR}/tests/wasm/guests/abi_guest.c
                           -o ${BENCH_WASM_OUT}/abi_guest.wasm
                   DEPENDS ${PROJECT_SOURCE_DIR}/tests/wasm/guests/abi_guest.c
                   COMMENT "wasm32-wasi guest abi_guest.wasm (bench)" VERBATIM)
list(APPEND outputs ${BENCH_WASM_OUT}/abi_guest.wasm)
add_custom_target(bench_wasm_modules ALL DEPENDS ${outputs})
add_dependencies(bench_wasm bench_wasm_modules)
target_include_directories(bench_wasm PRIVATE ${CMAKE_CURRENT_LIST_DIR}/..)
target_compile_definitions(bench_wasm PRIVATE BENCH_WASM_DIR="${BENCH_WASM_OUT}"
                           BENCH_WASM_SOURCE_DIR="${BENCH_WASM_SRC}")
# The SDK's echo service (examples/echo-wasm) as a second, realistic guest when it is built.
if(TARGET echo_service_wasm)
  add_dependencies(bench_wasm echo_service_wasm)
  target_compile_definitions(bench_wasm PRIVATE
                             BENCH_SDK_ECHO="${ACTR_GUEST_DIR}/echo_service_wasm.wasm")
endif()
