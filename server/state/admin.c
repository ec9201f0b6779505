/* admin.c - actrd init, realm and mfr commands (state side). Placeholder until implemented. */
#include <stdio.h>

#include "commands.h"

int actrd_cmd_init(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "actrd init: not implemented yet\n");
    return 2;
}

int actrd_cmd_realm(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "actrd realm: not implemented yet\n");
    return 2;
}

int actrd_cmd_mfr(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "actrd mfr: not implemented yet\n");
    return 2;
}
