/*
 * value.h - wast2json values for the spec-test runner: parsing argument/expected values from the
 * JSON command list, matching results against expectations (NaN patterns, references, v128
 * lanes) and printing values in failure lines. Pure functions: no engine calls.
 */
#ifndef WASM_SPEC_VALUE_H
#define WASM_SPEC_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "engine/wasm/wasm.h"

/* What an expected value accepts beyond an exact value. */
typedef enum spec_pattern {
    SPEC_EXACT = 0,
    SPEC_NAN_CANONICAL,  /* f32/f64: sign free, quiet bit only */
    SPEC_NAN_ARITHMETIC, /* f32/f64: sign and payload free, quiet bit set */
    SPEC_ANY_REF,        /* funcref/externref without a value: any non-null reference */
} spec_pattern_t;

/* An expected value; v128 f32/f64 lanes carry one pattern per lane. */
typedef struct spec_expect {
    wasm_value_t value;
    spec_pattern_t pattern;
    int lane_bits;               /* v128: 8, 16, 32 or 64 */
    bool lane_float;             /* v128: lanes are f32/f64 */
    spec_pattern_t lane_pattern[16];
} spec_expect_t;

/* Parses {"type": ..., "value": ...} as an argument (no patterns allowed). Returns 0, or -1 with
 * a reason in why[why_len]. */
int spec_value_parse(const cJSON *json, wasm_value_t *out, char *why, size_t why_len);

/* Parses an expected value (patterns allowed). Returns 0 or -1 with a reason. */
int spec_expect_parse(const cJSON *json, spec_expect_t *out, char *why, size_t why_len);

/* True when `got` satisfies `want` (same type, bits or pattern). */
bool spec_expect_match(const spec_expect_t *want, const wasm_value_t *got);

/* Writes a value as "i32:42", "f32:0x7fc00000", "externref:3", "funcref:null", ... */
void spec_value_format(const wasm_value_t *value, char *buf, size_t len);
void spec_expect_format(const spec_expect_t *want, char *buf, size_t len);

/* The `ref.extern N` host reference the spec runner uses: (void *)(N + 1). */
void *spec_extern_ref(unsigned long long n);

#endif
