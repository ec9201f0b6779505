# WebAssembly: the spec runner's own test (against a fake engine), and the WebAssembly spec
# testsuite: every non-SIMD .wast of ${ACTR_TESTDATA_DIR}/wasm-spec is converted with Debian's
# wast2json at build time into ${PROJECT_BINARY_DIR}/wasm-spec/ and run by wasm-spec-run as one
# CTest test per file (wasm_spec_<name>). Files listed in tests/wasm/expected-failures.txt are
# run with WILL_FAIL while the engine core is incomplete; that list must shrink to empty.
set(WASM_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/wasm)

# The runner's command logic, independent of the engine (links the fake, not libactr).
add_executable(test_wasm_spec_runner ${WASM_TEST_DIR}/test_wasm_spec_runner.c
               ${WASM_TEST_DIR}/fake_engine.c)
set_target_properties(test_wasm_spec_runner PROPERTIES
                      RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
target_link_libraries(test_wasm_spec_runner PRIVATE wasm_spec_runner PkgConfig::CMOCKA)
target_compile_definitions(test_wasm_spec_runner PRIVATE _GNU_SOURCE)
actr_target_warnings(test_wasm_spec_runner)
add_test(NAME test_wasm_spec_runner COMMAND test_wasm_spec_runner
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(test_wasm_spec_runner PROPERTIES TIMEOUT 60
                     ENVIRONMENT "${ACTR_TEST_ENV}")

find_program(WAST2JSON wast2json)
set(WASM_SPEC_SRC ${ACTR_TESTDATA_DIR}/wasm-spec)
set(WASM_SPEC_OUT ${PROJECT_BINARY_DIR}/wasm-spec)
if(NOT WAST2JSON OR NOT EXISTS ${WASM_SPEC_SRC})
  message(STATUS "wasm spec tests: skipped (wast2json or ${WASM_SPEC_SRC} missing)")
else()
  file(GLOB WASM_SPEC_FILES CONFIGURE_DEPENDS ${WASM_SPEC_SRC}/*.wast)
  list(FILTER WASM_SPEC_FILES EXCLUDE REGEX "/simd_[^/]*$")

  # name -> expected to fail
  file(STRINGS ${WASM_TEST_DIR}/expected-failures.txt WASM_XFAIL_LINES REGEX "^[^#]")
  set(WASM_XFAIL "")
  foreach(line ${WASM_XFAIL_LINES})
    string(REGEX REPLACE "[ \t]*#.*$" "" name "${line}")
    string(STRIP "${name}" name)
    if(name)
      list(APPEND WASM_XFAIL ${name})
    endif()
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${WASM_TEST_DIR}/expected-failures.txt)

  set(WASM_SPEC_JSON "")
  foreach(wast ${WASM_SPEC_FILES})
    get_filename_component(name ${wast} NAME_WE)
    set(json ${WASM_SPEC_OUT}/${name}.json)
    add_custom_command(OUTPUT ${json}
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${WASM_SPEC_OUT}
                       COMMAND ${WAST2JSON} ${wast} -o ${json}
                       DEPENDS ${wast}
                       COMMENT "wast2json ${name}.wast" VERBATIM)
    list(APPEND WASM_SPEC_JSON ${json})
    add_test(NAME wasm_spec_${name} COMMAND wasm-spec-run ${json}
             WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
    set_tests_properties(wasm_spec_${name} PROPERTIES TIMEOUT 300 LABELS wasm
                         ENVIRONMENT "${ACTR_TEST_ENV}")
    if(name IN_LIST WASM_XFAIL)
      set_tests_properties(wasm_spec_${name} PROPERTIES WILL_FAIL TRUE)
    endif()
  endforeach()
  add_custom_target(wasm_spec_json ALL DEPENDS ${WASM_SPEC_JSON})

  foreach(name ${WASM_XFAIL})
    if(NOT EXISTS ${WASM_SPEC_SRC}/${name}.wast)
      message(WARNING "tests/wasm/expected-failures.txt names ${name}, which is not a spec file")
    endif()
  endforeach()
endif()

# ---- the WASM actor host: WASI subset and host ABI -----------------------------------------
# Guests are built at build time: the C test guest with clang --target=wasm32-wasi (Debian's
# wasi-libc + libclang-rt wasm32 builtins), the probe modules with wabt's wat2wasm.
find_program(WASM_CLANG clang)
find_program(WAT2WASM wat2wasm)
set(WASM_GUEST_OUT ${PROJECT_BINARY_DIR}/wasm-guests)
if(NOT WASM_CLANG OR NOT WAT2WASM)
  message(STATUS "wasm host tests: skipped (clang or wat2wasm missing)")
  return()
endif()

# abi_guest<suffix>.wasm from tests/wasm/guests/abi_guest.c with one -D variant each; stripped
# of the name and producers sections, which an actor does not need.
set(WASM_GUEST_FILES "")
foreach(variant "" "-nohandle:ABI_GUEST_NO_HANDLE" "-badhandle:ABI_GUEST_BAD_HANDLE"
                "-badimport:ABI_GUEST_BAD_IMPORT" "-initfails:ABI_GUEST_INIT_FAILS")
  string(REPLACE ":" ";" parts "${variant}")
  list(LENGTH parts n)
  set(suffix "")
  set(define "")
  if(n EQUAL 2)
    list(GET parts 0 suffix)
    list(GET parts 1 define)
    set(define -D${define})
  endif()
  set(out ${WASM_GUEST_OUT}/abi_guest${suffix}.wasm)
  add_custom_command(OUTPUT ${out}
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${WASM_GUEST_OUT}
                     COMMAND ${WASM_CLANG} --target=wasm32-wasi -O2 -mexec-model=reactor
                             -Wl,--strip-all -Wall -Wextra -Werror ${define}
                             ${WASM_TEST_DIR}/guests/abi_guest.c -o ${out}
                     DEPENDS ${WASM_TEST_DIR}/guests/abi_guest.c
                     COMMENT "wasm32-wasi guest abi_guest${suffix}.wasm" VERBATIM)
  list(APPEND WASM_GUEST_FILES ${out})
endforeach()
foreach(wat wasi_probe wasi_badtype)
  set(out ${WASM_GUEST_OUT}/${wat}.wasm)
  add_custom_command(OUTPUT ${out}
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${WASM_GUEST_OUT}
                     COMMAND ${WAT2WASM} ${WASM_TEST_DIR}/wat/${wat}.wat -o ${out}
                     DEPENDS ${WASM_TEST_DIR}/wat/${wat}.wat
                     COMMENT "wat2wasm ${wat}.wat" VERBATIM)
  list(APPEND WASM_GUEST_FILES ${out})
endforeach()
add_custom_target(wasm_test_guests ALL DEPENDS ${WASM_GUEST_FILES})

actr_add_test(NAME test_wasm_wasi SOURCES ${WASM_TEST_DIR}/test_wasm_wasi.c
              ARGS ${WASM_GUEST_OUT})
add_dependencies(test_wasm_wasi wasm_test_guests)
actr_add_test(NAME test_wasm_host SOURCES ${WASM_TEST_DIR}/test_wasm_host.c
              ARGS ${WASM_GUEST_OUT} TIMEOUT 180)
add_dependencies(test_wasm_host wasm_test_guests)

# The interpreter benchmark as a smoke test (tiny sizes, results checked, never timing).
add_test(NAME bench_wasm_smoke COMMAND bench_wasm --smoke WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(bench_wasm_smoke PROPERTIES TIMEOUT 300 LABELS bench
                     ENVIRONMENT "${ACTR_TEST_ENV}")
