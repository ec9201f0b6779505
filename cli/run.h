/* run.h - the `actr run` command (run.c). */
#ifndef ACTR_CLI_RUN_H
#define ACTR_CLI_RUN_H

#include "cli.h"

extern const cli_command_t cli_run_cmd;

#endif /* ACTR_CLI_RUN_H */
