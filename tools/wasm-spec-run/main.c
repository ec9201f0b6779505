/*
 * wasm-spec-run - runs WebAssembly spec-testsuite scripts converted by wast2json against our
 * engine (src/engine/wasm/wasm.h):
 *
 *   wast2json address.wast -o out/address.json
 *   wasm-spec-run out/address.json
 *
 * Prints one line per failing command ("file.wast:LINE: command: expected ..., got ...") and
 * ends with "N passed, M failed, K skipped". Exit status: 0 when nothing failed, 1 when a
 * command failed, 2 on usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: wasm-spec-run [-v] [--timeout SECONDS] FILE.json...\n"
               "  -v              print every command and the spectest print calls\n"
               "  --timeout S     wall-clock limit per command (default 60, 0 = none)\n");
}

int main(int argc, char **argv)
{
    spec_options_t opts = {.verbose = false, .timeout_ns = 60ull * 1000000000ull, .out = stdout};
    spec_counts_t counts = {0, 0, 0};
    int files = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) {
            opts.verbose = true;
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            char *end = NULL;
            double s = strtod(argv[++i], &end);
            if (!end || *end || s < 0 || s > 1e6) {
                usage(stderr);
                return 2;
            }
            opts.timeout_ns = (unsigned long long)(s * 1e9);
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-') {
            usage(stderr);
            return 2;
        }
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--timeout") == 0) {
            i++;
            continue;
        }
        if (argv[i][0] == '-')
            continue;
        files++;
        spec_run_file(argv[i], &opts, &counts);
    }
    if (files == 0) {
        usage(stderr);
        return 2;
    }
    printf("%lu passed, %lu failed, %lu skipped\n", counts.passed, counts.failed, counts.skipped);
    fflush(stdout);
    return counts.failed ? 1 : 0;
}
