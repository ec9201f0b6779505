/* actrd - AIS, signaling and manufacturer key registry in one process (grows in issue 4). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
        printf("actrd 0.1.0\n");
        return 0;
    }
    fprintf(stderr, "actrd: not yet able to serve; see docs/ARCHITECTURE.md for the plan\n");
    return 2;
}
