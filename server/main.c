/*
 * actrd - AIS, signaling and manufacturer key registry in one process.
 * `actrd init|realm|mfr ...` manage the data directory; `actrd [serve] ...` serves.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static int usage(FILE *out)
{
    fprintf(out,
            "usage: actrd [serve] --data-dir DIR [--listen HOST:PORT] [--config FILE]\n"
            "       actrd init --data-dir DIR [--realm-id N] [--listen HOST:PORT] [--json]\n"
            "       actrd realm <create|list|secret-rotate|disable|enable> ...\n"
            "       actrd mfr <add|list|revoke|publish|packages|unpublish> ...\n"
            "       actrd signing-key <rotate|list> ...\n"
            "       actrd --version\n"
            "\n"
            "Run `actrd <command> --help` for a command's options.\n");
    return out == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        const char *cmd = argv[1];
        if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
            printf("actrd 0.1.0\n");
            return 0;
        }
        if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))
            return usage(stdout);
        if (!strcmp(cmd, "init"))
            return actrd_cmd_init(argc - 1, argv + 1);
        if (!strcmp(cmd, "realm"))
            return actrd_cmd_realm(argc - 1, argv + 1);
        if (!strcmp(cmd, "mfr"))
            return actrd_cmd_mfr(argc - 1, argv + 1);
        if (!strcmp(cmd, "signing-key"))
            return actrd_cmd_signing_key(argc - 1, argv + 1);
        if (!strcmp(cmd, "serve"))
            return actrd_cmd_serve(argc - 1, argv + 1);
        if (cmd[0] != '-') {
            fprintf(stderr, "actrd: unknown command '%s'\n", cmd);
            return usage(stderr);
        }
    }
    return actrd_cmd_serve(argc, argv); /* options only: serve */
}
