# Protobuf tests. The round-trip test is tests/unit/test_proto_roundtrip.c (picked up by itself);
# proto_interop checks our bytes against Google's protoc (found on PATH; missing = failure).
actr_add_test(NAME proto_interop SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/proto/proto_interop.c)

# WORKAROUND until cmake/Protobuf.cmake + src/CMakeLists.txt declare it themselves: the protoc-c
# rules are custom commands of the top-level directory, but their outputs are compiled by
# actr_objects in src/, and a Makefile build only runs a custom command for a target of the same
# directory ("No rule to make target proto-gen/....pb-c.c"). A target in the top-level directory
# that depends on the outputs, plus a dependency of actr_objects on it, makes them generated first.
# It switches itself off as soon as actr_objects has any explicit dependency (i.e. the real fix).
get_property(_actr_objects_deps TARGET actr_objects PROPERTY MANUALLY_ADDED_DEPENDENCIES)
if(ACTR_PROTO_SOURCES AND NOT _actr_objects_deps)
  set(_actr_proto_outputs ${ACTR_PROTO_SOURCES})
  foreach(src ${ACTR_PROTO_SOURCES})
    string(REGEX REPLACE "\\.c$" ".h" hdr ${src})
    list(APPEND _actr_proto_outputs ${hdr})
  endforeach()
  # Deferred arguments are expanded when the call runs (in the top-level scope), so bake the
  # list in now with EVAL.
  cmake_language(EVAL CODE "
    cmake_language(DEFER DIRECTORY [[${PROJECT_SOURCE_DIR}]]
                   CALL add_custom_target actr_proto_generate DEPENDS [[${_actr_proto_outputs}]])
    cmake_language(DEFER DIRECTORY [[${PROJECT_SOURCE_DIR}]]
                   CALL add_dependencies actr_objects actr_proto_generate)")
endif()
