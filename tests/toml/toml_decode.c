/*
 * toml_decode.c - toml-test decoder: reads TOML on stdin and prints it as tagged JSON on stdout
 * (exit 0); on a parse error prints the error on stderr and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>

#include "codec/toml.h"
#include "toml_tagged.h"

static char *read_all(FILE *in, size_t *len)
{
    size_t cap = 1 << 16, used = 0, n;
    char *data = malloc(cap);
    while (data && (n = fread(data + used, 1, cap - used, in)) > 0) {
        used += n;
        if (used == cap) {
            char *bigger = realloc(data, cap * 2);
            if (!bigger) {
                free(data);
                return NULL;
            }
            data = bigger;
            cap *= 2;
        }
    }
    if (data && ferror(in)) {
        free(data);
        return NULL;
    }
    *len = used;
    return data;
}

int main(void)
{
    size_t len = 0;
    char *text = read_all(stdin, &len);
    if (!text) {
        fprintf(stderr, "toml-decode: cannot read stdin\n");
        return 2;
    }
    actr_toml_value_t *root;
    actr_error_t err = {0};
    int rc = actr_toml_parse(text, len, &root, &err);
    free(text);
    if (rc < 0) {
        fprintf(stderr, "toml-decode: %s\n", err.message);
        return 1;
    }
    toml_tagged_write(stdout, root);
    fputc('\n', stdout);
    actr_toml_free(root);
    return fflush(stdout) == 0 ? 0 : 2;
}
