/* serve.c - actrd's serving command (network side). Placeholder until implemented. */
#include <stdio.h>

#include "commands.h"

int actrd_cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "actrd: serving is not implemented yet\n");
    return 2;
}
