/*
 * cli.h - what the command files of the `actr` tool share: the command table and option parser
 * (args.c), exit codes, and file, path, progress and JSON helpers (util.c).
 *
 * A command is a cli_command_t (name, synopsis, options, run function); groups such as `pkg`
 * are tables of commands. cli_run() parses argv against the command's options, prints --help,
 * reports usage errors with exit code 2 and otherwise calls run(), so no command scans argv.
 */
#ifndef ACTR_CLI_H
#define ACTR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "actr/buf.h"
#include "actr/error.h"

/* Exit codes of every command (docs/USER-GUIDE.md). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_INVALID = 1, /* verification failed, or the input's contents are invalid */
    CLI_EXIT_USAGE = 2,   /* bad command line */
    CLI_EXIT_IO = 3,      /* a file could not be read or written, network, out of memory */
};

/* ---- Commands and options (args.c) --------------------------------------------------------- */

typedef enum cli_opt_kind {
    CLI_OPT_FLAG,  /* --force */
    CLI_OPT_VALUE, /* --output FILE, at most once */
    CLI_OPT_LIST,  /* --resource ZIPPATH=FILE, any number of times */
} cli_opt_kind_t;

typedef struct cli_opt {
    const char *name;  /* long name without "--"; NULL ends a table */
    char short_name;   /* e.g. 'o' for -o; 0 for none */
    const char *alias; /* a second long name (the reference's spelling); NULL for none */
    cli_opt_kind_t kind;
    const char *metavar; /* "FILE"; NULL for flags */
    const char *help;
} cli_opt_t;

typedef struct cli_args cli_args_t;

typedef struct cli_command {
    const char *name;        /* "keygen" */
    const char *path;        /* "actr pkg keygen", for messages and help */
    const char *synopsis;    /* what follows the path in the usage line */
    const char *summary;     /* one line, shown in the group's command list */
    const char *description; /* shown after the options in --help; may be NULL */
    const cli_opt_t *opts;   /* ends with {NULL}; --help/-h is implicit */
    size_t max_positional;   /* positional arguments allowed */
    int (*run)(const cli_args_t *args);
} cli_command_t;

/* A group of commands reached by its first word, e.g. `actr pkg <command>`. */
typedef struct cli_group {
    const char *path;    /* "actr pkg" */
    const char *summary; /* one line */
    const cli_command_t *const *commands; /* NULL-terminated */
} cli_group_t;

/* Parsed arguments: one value list per option of the command, plus the positionals. */
typedef struct cli_values {
    size_t count;
    const char **items; /* borrowed from argv */
} cli_values_t;

struct cli_args {
    const cli_command_t *cmd;
    cli_values_t *values; /* indexed like cmd->opts */
    const char **positional;
    size_t npositional;
};

/* Parses argv (the words after the command's name), prints help or runs the command. */
int cli_run(const cli_command_t *cmd, int argc, char **argv);
/* Runs the group's command named by argv[0]; handles `help`, --help and unknown names. */
int cli_run_group(const cli_group_t *group, int argc, char **argv);
void cli_print_help(const cli_command_t *cmd, FILE *out);
void cli_print_group_help(const cli_group_t *group, FILE *out);

/* Option values by long name (the name must be in the command's table). */
const char *cli_value(const cli_args_t *args, const char *name); /* NULL when not given */
bool cli_flag(const cli_args_t *args, const char *name);
const cli_values_t *cli_list(const cli_args_t *args, const char *name);

/* "actr pkg pack: <message>" on stderr; returns CLI_EXIT_USAGE after a hint to use --help. */
int cli_usage_error(const cli_command_t *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The command groups (one file each). */
extern const cli_group_t cli_pkg_group;

/* ---- Errors and exit codes (util.c) -------------------------------------------------------- */

/* "actr pkg pack: <message>" on stderr. */
void cli_error(const cli_command_t *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The error's message, or the code's name when the message is empty. */
const char *cli_error_text(int code, const actr_error_t *err);
/* Exit code for a failure to read or write a file: I/O for missing files, permissions and
 * system errors, INVALID for contents that do not parse or verify. */
int cli_exit_for(int code);
/* Exit code for a failed package check: INVALID for everything the package or its trust decided
 * (missing entries included), I/O only for system and network failures. */
int cli_exit_for_package(int code);

/* ---- Files and paths (the string helpers exit with CLI_EXIT_IO when memory runs out) --------- */

/* Progress of a long job on stderr; silent unless stderr is a terminal and the job is large. */
typedef struct cli_progress {
    bool enabled;
    const char *label;
    uint64_t total, done;
    int last_permille; /* last drawn, to redraw only on change */
} cli_progress_t;

/* Inputs of at least this many bytes in total get a progress bar. */
#define CLI_PROGRESS_MIN_BYTES (8u * 1024u * 1024u)

void cli_progress_start(cli_progress_t *p, const char *label, uint64_t total);
void cli_progress_add(cli_progress_t *p, uint64_t bytes);
void cli_progress_finish(cli_progress_t *p);

/*
 * Reads a whole regular file into *out (at most max bytes; 0 means no limit), advancing
 * progress (may be NULL) as bytes arrive. Errors: ACTR_ENOTFOUND, ACTR_EPERM, ACTR_EIO,
 * ACTR_EINVAL (not a regular file), ACTR_ETOOBIG, ACTR_ENOMEM; err names the path.
 */
int cli_read_file(const char *path, uint64_t max, cli_progress_t *progress, actr_buf_t *out,
                  actr_error_t *err);
/* Size of a regular file, for progress totals; same errors as cli_read_file(). */
int cli_file_size(const char *path, uint64_t *size, actr_error_t *err);
bool cli_path_exists(const char *path);
/* A positive byte count: digits with an optional K, M or G suffix (powers of 1024). */
bool cli_parse_size(const char *text, uint64_t *out);

/* Directory part of path ("." when there is none), malloc'ed. */
char *cli_dirname(const char *path);
/* dir + "/" + name (name alone when dir is "." or empty), malloc'ed. */
char *cli_path_join(const char *dir, const char *name);
/* Last component of path (points into path). */
const char *cli_basename(const char *path);
/* $HOME/.actr/dev-key.json, the reference's default key path, malloc'ed (NULL without HOME). */
char *cli_default_key_path(void);

/* malloc'ed printf; on out of memory it exits with CLI_EXIT_IO (nothing sensible is left). */
char *cli_xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- JSON output --------------------------------------------------------------------------- */

/* Prints the object as one line on stdout and deletes it. */
void cli_json_print(cJSON *obj);
/* Adds s, or null when s is NULL. */
void cli_json_add_string(cJSON *obj, const char *key, const char *s);

#endif /* ACTR_CLI_H */
