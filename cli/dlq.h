/*
 * dlq.h - the `actr dlq` command group (dlq.c): a node's dead-letter queue for operators.
 */
#ifndef ACTR_CLI_DLQ_H
#define ACTR_CLI_DLQ_H

#include "cli.h"

extern const cli_group_t cli_dlq_group;

#endif /* ACTR_CLI_DLQ_H */
