# Generates C code for every proto/**/*.proto with protoc-c at build time.
# Output: ${ACTR_PROTO_GEN_DIR}/<same relative path>.pb-c.{c,h}; include as "actr.pb-c.h" etc.
find_program(PROTOC_C_EXECUTABLE NAMES protoc-c protoc-gen-c REQUIRED)

set(ACTR_PROTO_DIR ${PROJECT_SOURCE_DIR}/proto)
set(ACTR_PROTO_GEN_DIR ${PROJECT_BINARY_DIR}/proto-gen)
file(MAKE_DIRECTORY ${ACTR_PROTO_GEN_DIR})

file(GLOB_RECURSE ACTR_PROTO_FILES CONFIGURE_DEPENDS ${ACTR_PROTO_DIR}/*.proto)
set(ACTR_PROTO_SOURCES "")
set(ACTR_PROTO_OUTPUTS "")
foreach(proto ${ACTR_PROTO_FILES})
  file(RELATIVE_PATH rel ${ACTR_PROTO_DIR} ${proto})
  string(REGEX REPLACE "\\.proto$" "" stem ${rel})
  set(out_c ${ACTR_PROTO_GEN_DIR}/${stem}.pb-c.c)
  set(out_h ${ACTR_PROTO_GEN_DIR}/${stem}.pb-c.h)
  add_custom_command(
    OUTPUT ${out_c} ${out_h}
    COMMAND ${PROTOC_C_EXECUTABLE} --c_out=${ACTR_PROTO_GEN_DIR} -I${ACTR_PROTO_DIR} ${proto}
    DEPENDS ${proto} ${ACTR_PROTO_FILES}
    COMMENT "protoc-c ${rel}"
    VERBATIM)
  list(APPEND ACTR_PROTO_SOURCES ${out_c})
  list(APPEND ACTR_PROTO_OUTPUTS ${out_c} ${out_h})
endforeach()

# The rules above belong to this (top-level) directory, but libactr compiles their outputs in src/;
# a target here that owns the outputs lets src/ depend on it so they are generated first.
add_custom_target(actr_proto_generate DEPENDS ${ACTR_PROTO_OUTPUTS})
