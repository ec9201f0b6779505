/*
 * dlq_view.h - how `actr dlq` shows dead-letter records (dlq_view.c), for the commands in dlq.c.
 */
#ifndef ACTR_CLI_DLQ_VIEW_H
#define ACTR_CLI_DLQ_VIEW_H

#include "actr/dlq.h"
#include "actr/types.h"
#include "cli.h"

/* The canonical protobuf encoding of id (what the runtime stores as from/to); free() *out. */
int cli_dlq_encode_id(actr_id_t *id, uint8_t **out, size_t *len, actr_error_t *err);
/* key: RFC 3339 UTC with milliseconds, or "-" for 0 (never). */
void cli_dlq_add_time(cJSON *o, const char *key, int64_t ms);
/* Every field of r; with dump_max > 0 also the raw bytes (up to dump_max) and the envelope. */
cJSON *cli_dlq_record_json(const actr_dlq_record_t *r, size_t dump_max);
/* One "key   value" line per member, nested objects indented under their key; the raw
 * bytes are left to cli_dlq_hex_dump(). */
void cli_dlq_print_json_text(const cJSON *o, int indent);
/* Offset, 16 bytes in hex, the same as ASCII: the first max bytes of raw. */
void cli_dlq_hex_dump(const actr_buf_t *raw, size_t max);
/* list's table: a header and one aligned line per record. */
void cli_dlq_print_table(const actr_dlq_record_t *items, size_t n);

#endif /* ACTR_CLI_DLQ_VIEW_H */
