/* admin_cli.h - option parsing and output helpers shared by actrd's admin commands. */
#ifndef ACTRD_STATE_ADMIN_CLI_H
#define ACTRD_STATE_ADMIN_CLI_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "state/admin_api.h"

/* Exit codes: success, a failed operation, a usage error. */
enum { ADMIN_OK = 0, ADMIN_FAIL = 1, ADMIN_USAGE = 2 };

typedef struct admin_opt {
    const char *name;  /* without the leading "--" */
    bool takes_value;
    const char *value; /* set by admin_parse */
    bool present;
} admin_opt_t;

/*
 * Parses argv[first..argc) as --name VALUE, --name=VALUE or --flag against opts. Unknown
 * options, missing values and positional arguments print a message naming cmd and return
 * ADMIN_USAGE; "--help"/"-h" returns -1 so the caller can print its usage.
 */
int admin_parse(const char *cmd, int argc, char **argv, int first, admin_opt_t *opts, size_t n);

/*
 * The start of every "actrd CMD SUB --options" command: checks SUB against subs, parses the
 * options from argv[2] and opens --data-dir (opts[0]). Returns ADMIN_OK with *st open, -1 after
 * printing help (exit 0), or ADMIN_USAGE / ADMIN_FAIL after printing why.
 */
int admin_begin(const char *cmd, int argc, char **argv, const char *const *subs, size_t nsubs,
                admin_opt_t *opts, size_t nopts, void (*usage)(FILE *), actrd_state_t **st);

/* Opens the state in data_dir (NULL: prints that --data-dir is required): ADMIN_OK or FAIL. */
int admin_open(const char *cmd, const char *data_dir, actrd_state_t **out);

/* Parses a u32 (decimal); false with a message on failure. */
bool admin_u32(const char *cmd, const char *opt, const char *text, uint32_t *out);
/* Parses Unix seconds or an RFC 3339 date-time. */
bool admin_time(const char *cmd, const char *opt, const char *text, int64_t *out);
/* RFC 3339 of t, or "never" for 0, into buf (at least 24 bytes). */
const char *admin_time_str(int64_t t, char *buf, size_t cap);

/* Prints obj as JSON on stdout and frees it; ADMIN_FAIL when obj is NULL (out of memory). */
int admin_print_json(cJSON *obj);
/* Reads a whole regular file of at most max bytes into a malloc'd buffer. */
int admin_read_file(const char *cmd, const char *path, size_t max, uint8_t **data, size_t *len);

#endif /* ACTRD_STATE_ADMIN_CLI_H */
