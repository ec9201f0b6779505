/*
 * script.h - runs one wast2json command list against the engine (wasm.h) and counts the
 * outcome of every command. One store per script: the spec requires registered instances and
 * their tables, memories and globals to be shared by later modules of the same script.
 */
#ifndef WASM_SPEC_SCRIPT_H
#define WASM_SPEC_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct spec_options {
    bool verbose;          /* print every command and the spectest print calls */
    uint64_t timeout_ns;   /* wall-clock deadline per command (0 = none) */
    FILE *out;             /* failure lines (stdout when NULL) */
} spec_options_t;

typedef struct spec_counts {
    unsigned long passed;
    unsigned long failed;
    unsigned long skipped; /* text modules of assert_malformed/assert_invalid: not applicable */
} spec_counts_t;

/* Runs the JSON command list at `json_path` (its .wasm files are read from the same folder)
 * and adds the outcome to *counts. Returns 0, or -1 when the file itself cannot be used (a
 * message is printed and one failure counted). */
int spec_run_file(const char *json_path, const spec_options_t *opts, spec_counts_t *counts);

#endif
