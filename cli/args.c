/*
 * args.c - the option parser every `actr` command uses, and command/group dispatch with --help.
 *
 * Accepted forms: --name VALUE, --name=VALUE, -n VALUE, -nVALUE, flags --name / -n, "--" to end
 * options, and repeated list options. A value option given twice, a flag given a value, an
 * unknown option or a missing value is a usage error naming the option (exit code 2), like the
 * reference's clap-based CLI.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static size_t opt_count(const cli_command_t *cmd)
{
    size_t n = 0;
    while (cmd->opts && cmd->opts[n].name)
        n++;
    return n;
}

static void vreport(const char *path, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", path);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_usage_error(const cli_command_t *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd->path, fmt, ap);
    va_end(ap);
    fprintf(stderr, "usage: %s %s\ntry '%s --help' for more information\n", cmd->path,
            cmd->synopsis, cmd->path);
    return CLI_EXIT_USAGE;
}

void cli_error(const cli_command_t *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd->path, fmt, ap);
    va_end(ap);
}

void cli_print_help(const cli_command_t *cmd, FILE *out)
{
    fprintf(out, "usage: %s %s\n\n%s\n\noptions:\n", cmd->path, cmd->synopsis, cmd->summary);
    for (size_t i = 0; i < opt_count(cmd); i++) {
        const cli_opt_t *o = &cmd->opts[i];
        char left[64];
        char shortpart[5] = "    ";
        if (o->short_name)
            snprintf(shortpart, sizeof shortpart, "-%c, ", o->short_name);
        snprintf(left, sizeof left, "%s--%s%s%s", shortpart, o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        fprintf(out, "  %-30s %s%s%s%s\n", left, o->help,
                o->kind == CLI_OPT_LIST ? " (repeatable)" : "", o->alias ? "; also --" : "",
                o->alias ? o->alias : "");
    }
    fprintf(out, "  %-30s %s\n", "-h, --help", "show this help and exit");
    if (cmd->description)
        fprintf(out, "\n%s", cmd->description);
}

static bool long_name_is(const char *candidate, const char *name, size_t name_len)
{
    return strlen(candidate) == name_len && !strncmp(candidate, name, name_len);
}

/* The option matching a long name (name_len bytes) or a short letter; NULL when unknown. */
static const cli_opt_t *find_opt(const cli_command_t *cmd, const char *name, size_t name_len,
                                 char short_name, size_t *index)
{
    for (size_t i = 0; i < opt_count(cmd); i++) {
        const cli_opt_t *o = &cmd->opts[i];
        bool hit = name ? long_name_is(o->name, name, name_len) ||
                              (o->alias && long_name_is(o->alias, name, name_len))
                        : o->short_name && o->short_name == short_name;
        if (hit) {
            *index = i;
            return o;
        }
    }
    return NULL;
}

static int add_value(cli_values_t *v, const char *value)
{
    const char **items = realloc(v->items, (v->count + 1) * sizeof *items);
    if (!items)
        return -1;
    items[v->count++] = value;
    v->items = items;
    return 0;
}

static void args_free(cli_args_t *a)
{
    for (size_t i = 0; a->values && i < opt_count(a->cmd); i++)
        free(a->values[i].items);
    free(a->values);
    free(a->positional);
    memset(a, 0, sizeof *a);
}

/* Handles one option word at argv[*i]; may consume the next word as its value. */
static int parse_option(cli_args_t *a, int argc, char **argv, int *i)
{
    const cli_command_t *cmd = a->cmd;
    const char *word = argv[*i];
    const char *inline_value = NULL;
    const cli_opt_t *o;
    size_t idx = 0;
    char shown[80];
    if (word[1] == '-') {
        const char *name = word + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        inline_value = eq ? eq + 1 : NULL;
        snprintf(shown, sizeof shown, "--%.*s", (int)(len > 64 ? 64 : len), name);
        o = find_opt(cmd, name, len, 0, &idx);
    } else {
        o = find_opt(cmd, NULL, 0, word[1], &idx);
        snprintf(shown, sizeof shown, o ? "-%.1s" : "%.64s", o ? word + 1 : word);
        if (o && word[2])
            inline_value = word + 2;
    }
    if (!o)
        return cli_usage_error(cmd, "unknown option '%s'", shown);
    cli_values_t *v = &a->values[idx];
    if (o->kind == CLI_OPT_FLAG) {
        if (inline_value)
            return cli_usage_error(cmd, "option '%s' takes no value", shown);
        v->count++;
        return 0;
    }
    if (!inline_value) {
        if (*i + 1 >= argc)
            return cli_usage_error(cmd, "option '%s' needs a value (%s)", shown, o->metavar);
        inline_value = argv[++*i];
    }
    if (o->kind == CLI_OPT_VALUE && v->count > 0)
        return cli_usage_error(cmd, "option '%s' given more than once", shown);
    if (add_value(v, inline_value) != 0) {
        cli_error(cmd, "out of memory");
        return CLI_EXIT_IO;
    }
    return 0;
}

static bool is_help(const char *word)
{
    return !strcmp(word, "--help") || !strcmp(word, "-h");
}

/* Fills a; returns 0, -1 when --help was printed, or an exit code after a usage error. */
static int parse(const cli_command_t *cmd, int argc, char **argv, cli_args_t *a)
{
    size_t n = opt_count(cmd);
    a->cmd = cmd;
    a->values = calloc(n ? n : 1, sizeof *a->values);
    a->positional = calloc((size_t)argc + 1, sizeof *a->positional);
    if (!a->values || !a->positional) {
        cli_error(cmd, "out of memory");
        return CLI_EXIT_IO;
    }
    bool options_done = false;
    for (int i = 0; i < argc; i++) {
        const char *word = argv[i];
        if (!options_done && is_help(word)) {
            cli_print_help(cmd, stdout);
            return -1;
        }
        if (!options_done && !strcmp(word, "--")) {
            options_done = true;
        } else if (!options_done && word[0] == '-' && word[1]) {
            int rc = parse_option(a, argc, argv, &i);
            if (rc != 0)
                return rc;
        } else if (a->npositional >= cmd->max_positional) {
            return cli_usage_error(cmd, "unexpected argument '%s'", word);
        } else {
            a->positional[a->npositional++] = word;
        }
    }
    return 0;
}

int cli_run(const cli_command_t *cmd, int argc, char **argv)
{
    cli_args_t a = {0};
    int rc = parse(cmd, argc, argv, &a);
    if (rc == 0)
        rc = cmd->run(&a);
    else if (rc < 0)
        rc = CLI_EXIT_OK;
    args_free(&a);
    return rc;
}

void cli_print_group_help(const cli_group_t *group, FILE *out)
{
    fprintf(out, "usage: %s <command> [options]\n\n%s\n\ncommands:\n", group->path,
            group->summary);
    for (const cli_command_t *const *c = group->commands; *c; c++)
        fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
    fprintf(out, "\nrun '%s <command> --help' for the options of a command\n", group->path);
}

int cli_run_group(const cli_group_t *group, int argc, char **argv)
{
    if (argc < 1) {
        cli_print_group_help(group, stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[0];
    bool help = is_help(name) || !strcmp(name, "help");
    if (help && argc > 1)
        name = argv[1]; /* `actr pkg help pack` */
    else if (help) {
        cli_print_group_help(group, stdout);
        return CLI_EXIT_OK;
    }
    for (const cli_command_t *const *c = group->commands; *c; c++) {
        if (strcmp((*c)->name, name) != 0)
            continue;
        if (help) {
            cli_print_help(*c, stdout);
            return CLI_EXIT_OK;
        }
        return cli_run(*c, argc - 1, argv + 1);
    }
    fprintf(stderr, "%s: unknown command '%s'\n", group->path, name);
    cli_print_group_help(group, stderr);
    return CLI_EXIT_USAGE;
}

/* The values of the option called name; every caller names an option of its own table. */
static const cli_values_t *values_of(const cli_args_t *a, const char *name)
{
    size_t n = opt_count(a->cmd);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(a->cmd->opts[i].name, name))
            return &a->values[i];
    }
    assert(!"option not in the command's table");
    abort();
}

const char *cli_value(const cli_args_t *args, const char *name)
{
    const cli_values_t *v = values_of(args, name);
    return v->count ? v->items[v->count - 1] : NULL;
}

bool cli_flag(const cli_args_t *args, const char *name)
{
    return values_of(args, name)->count > 0;
}

const cli_values_t *cli_list(const cli_args_t *args, const char *name)
{
    return values_of(args, name);
}
