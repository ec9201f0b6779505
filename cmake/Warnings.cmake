# Compiler flags shared by every target of the project.
set(ACTR_WARNING_FLAGS -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wno-unused-parameter -Wformat=2 -Wundef)
if(ACTR_WERROR)
  list(APPEND ACTR_WARNING_FLAGS -Werror)
endif()

if(ACTR_SANITIZE)
  # Leaks fail the run: LSan is part of ASan on Linux and exits non-zero on a leak.
  set(ACTR_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${ACTR_SAN_FLAGS})
  add_link_options(${ACTR_SAN_FLAGS})
endif()

if(ACTR_FUZZ)
  # Instrument the whole library for coverage feedback; each fuzz program adds the libFuzzer main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# Applies the project's warnings to one of our own targets (not to generated code).
function(actr_target_warnings target)
  target_compile_options(${target} PRIVATE ${ACTR_WARNING_FLAGS})
endfunction()
