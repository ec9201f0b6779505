/*
 * toml_tagged.h - writes a TOML tree as toml-test's tagged JSON (tables are objects, arrays are
 * arrays, every leaf is {"type": T, "value": S}). Shared by toml-decode and the conformance suite
 * so both judge exactly the same output.
 */
#ifndef ACTR_TESTS_TOML_TAGGED_H
#define ACTR_TESTS_TOML_TAGGED_H

#include <stdio.h>

#include "codec/toml.h"

void toml_tagged_write(FILE *out, const actr_toml_value_t *value);

#endif /* ACTR_TESTS_TOML_TAGGED_H */
