/*
 * test_node.h - what test_node.c shares with its stream commands (test_node_streams.c).
 */
#ifndef ACTR_TEST_NODE_H
#define ACTR_TEST_NODE_H

#include <stdbool.h>

#include "actr/buf.h"
#include "actr/ctx.h"
#include "actr/error.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "actr/types.h"

#define LINE_MAX_LEN 4096

/* The command loop's state: this node's ref and the discovered target. */
typedef struct client {
    actr_ref_t *ref;
    actr_id_t target;
    bool has_target;
} client_t;

/* One line on stdout, whole (hooks run on workers while main answers commands). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "err <ERRNAME> <wire code> <what>: <message>" */
void say_err(const char *what, int rc, const actr_error_t *err);
void sleep_ms(long ms);

/* test_node_streams.c: the node whose stream counters sstats reports. */
void test_node_streams_bind(actr_node_t *node);
/* Routes rt.Stream.Register, rt.Stream.Send and rt.Stream.Stats. */
int test_node_stream_register(void *self, actr_ctx_t *ctx, const actr_buf_t *req,
                              actr_buf_t *resp, actr_error_t *err);
int test_node_stream_send(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                          actr_error_t *err);
int test_node_stream_stats(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                           actr_error_t *err);
/* Runs one stream command on this node's own actor (streams need a handler context); with
 * with_target the discovered target's id goes first in the route's payload. */
void test_node_stream_cmd(client_t *c, const char *route, const char *args, bool with_target);

#endif /* ACTR_TEST_NODE_H */
