/* actr - command line tool of Hyper. Commands are added one file per group (see docs). */
#include <stdio.h>
#include <string.h>

static int usage(FILE *out)
{
    fprintf(out,
            "usage: actr <command> [options]\n"
            "\n"
            "commands:\n"
            "  version     print the version\n"
            "  help        show this help\n");
    return out == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
        return usage(stdout);
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("actr 0.1.0\n");
        return 0;
    }
    fprintf(stderr, "actr: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
