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
  return()
endif()

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
  if(ACTR_WASM_CORE_PRESENT)
    add_test(NAME wasm_spec_${name} COMMAND wasm-spec-run ${json}
             WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
    set_tests_properties(wasm_spec_${name} PROPERTIES TIMEOUT 300 LABELS wasm
                         ENVIRONMENT "${ACTR_TEST_ENV}")
    if(name IN_LIST WASM_XFAIL)
      set_tests_properties(wasm_spec_${name} PROPERTIES WILL_FAIL TRUE)
    endif()
  endif()
endforeach()
add_custom_target(wasm_spec_json ALL DEPENDS ${WASM_SPEC_JSON})

foreach(name ${WASM_XFAIL})
  if(NOT EXISTS ${WASM_SPEC_SRC}/${name}.wast)
    message(WARNING "tests/wasm/expected-failures.txt names ${name}, which is not a spec file")
  endif()
endforeach()
