/*
 * actr - command line tool of Hyper. main() dispatches the first word to a command or to a group
 * of commands (one file per group: pkg.c, dlq.c, ...); every command parses its options with
 * args.c.
 */
#include <string.h>

#include "cli.h"
#include "dlq.h"
#include "run.h"

#ifndef ACTR_CLI_VERSION
#define ACTR_CLI_VERSION "0.1.0"
#endif

/* A top-level word: either a command or a group of commands. */
typedef struct top_entry {
    const char *name;
    const cli_command_t *command;
    const cli_group_t *group;
} top_entry_t;

static int run_version(const cli_args_t *args)
{
    (void)args;
    printf("actr %s\n", ACTR_CLI_VERSION);
    return CLI_EXIT_OK;
}

static int run_help(const cli_args_t *args);

static const cli_opt_t no_opts[] = {{NULL}};

static const cli_command_t version_cmd = {
    .name = "version",
    .path = "actr version",
    .synopsis = "",
    .summary = "print the version",
    .opts = no_opts,
    .run = run_version,
};

static const cli_command_t help_cmd = {
    .name = "help",
    .path = "actr help",
    .synopsis = "[COMMAND [SUBCOMMAND]]",
    .summary = "show the commands, or the help of one command",
    .opts = no_opts,
    .max_positional = 2,
    .run = run_help,
};

static const top_entry_t top[] = {
    {"pkg", NULL, &cli_pkg_group},
    {"dlq", NULL, &cli_dlq_group},
    {"run", &cli_run_cmd, NULL},
    {"version", &version_cmd, NULL},
    {"help", &help_cmd, NULL},
};

static const top_entry_t *find_top(const char *name)
{
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
        if (!strcmp(top[i].name, name))
            return &top[i];
    }
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: actr <command> [options]\n\nthe command line tool of Hyper, the actr "
                 "actor platform\n\ncommands:\n");
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
        const char *summary = top[i].group ? top[i].group->summary : top[i].command->summary;
        fprintf(out, "  %-10s %s\n", top[i].name, summary);
    }
    fprintf(out, "\nrun 'actr help <command>' or 'actr <command> --help' for details\n"
                 "exit codes: 0 ok, 1 verification failed or invalid input, 2 usage error, "
                 "3 I/O error\n");
}

static int run_help(const cli_args_t *args)
{
    if (args->npositional == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    const top_entry_t *e = find_top(args->positional[0]);
    if (!e)
        return cli_usage_error(args->cmd, "unknown command '%s'", args->positional[0]);
    if (e->command) {
        if (args->npositional > 1)
            return cli_usage_error(args->cmd, "'%s' has no subcommands", e->name);
        cli_print_help(e->command, stdout);
        return CLI_EXIT_OK;
    }
    char *words[2] = {"help", (char *)args->positional[1]};
    return cli_run_group(e->group, (int)args->npositional, words);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(name, "--version"))
        return run_version(NULL);
    const top_entry_t *e = find_top(name);
    if (!e) {
        fprintf(stderr, "actr: unknown command '%s'\n", name);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (e->group)
        return cli_run_group(e->group, argc - 2, argv + 2);
    return cli_run(e->command, argc - 2, argv + 2);
}
