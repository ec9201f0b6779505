/*
 * sigc_harness.h - helpers for the signaling client tests: child processes (actrd, the python
 * server), bounded loop waits, AIS registration over HTTP (libcurl), actrd metrics, and an
 * event recorder for the client's callbacks. Every wait is bounded; only 127.0.0.1 is used.
 */
#ifndef ACTR_TESTS_WIRE_SIGC_HARNESS_H
#define ACTR_TESTS_WIRE_SIGC_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "wire/signaling/client.h"

/* ---- child processes ---- */

typedef struct sigh_proc {
    pid_t pid;
    int out_fd; /* its stdout */
    int in_fd;  /* its stdin: closing it tells the python server to exit */
} sigh_proc_t;

/*
 * Starts argv[0] with stdout on a pipe, stderr to stderr_path (NULL: inherited), and waits up
 * to timeout_ms for its first line, "listening on 127.0.0.1:PORT". Returns the port or -1.
 */
int sigh_spawn(sigh_proc_t *p, char *const argv[], const char *stderr_path, int timeout_ms);
/* Sends sig, waits up to timeout_ms for the exit (then SIGKILL). Returns the wait status. */
int sigh_stop(sigh_proc_t *p, int sig, int timeout_ms);
/* Runs argv to completion (bounded), stdout into out (NUL-terminated). Exit status or -1. */
int sigh_run(char *const argv[], char *out, size_t cap, int timeout_ms);

/* Makes a fresh directory under /tmp into dir (size >= 64); removes a tree. */
int sigh_tmpdir(char *dir, size_t size);
void sigh_rmtree(const char *dir);
/* $ACTR_SOURCE_DIR / $ACTR_BIN_DIR joined with rel. */
void sigh_source_path(char *out, size_t size, const char *rel);
void sigh_bin_path(char *out, size_t size, const char *rel);

/* ---- the loop ---- */

uint64_t sigh_now_ms(void);
/* Runs loop until done(arg) or timeout_ms; returns done(arg). */
bool sigh_wait(uv_loop_t *loop, bool (*done)(void *), void *arg, uint64_t timeout_ms);
/* Runs loop for ms milliseconds. */
void sigh_run_for(uv_loop_t *loop, uint64_t ms);
/* Runs loop until it has no handles (bounded) and closes it: uv_loop_close()'s result. */
int sigh_loop_finish(uv_loop_t *loop);

/* ---- actrd ---- */

typedef struct sigh_actrd {
    char dir[128];
    char data[160];
    char log[160];
    uint32_t realm_id;
    char secret[128];
    sigh_proc_t proc;
    int port;
    bool running;
} sigh_actrd_t;

/* `actrd init --json` in a fresh directory. 0 or -1. */
int sigh_actrd_init(sigh_actrd_t *a);
/* `actrd serve` on 127.0.0.1:port (0: any). 0 or -1; a->port is the bound port. */
int sigh_actrd_start(sigh_actrd_t *a, int port);
void sigh_actrd_signal(sigh_actrd_t *a, int sig);
/* Stops the server (SIGKILL when sig is SIGKILL, else sig then bounded wait). */
void sigh_actrd_stop(sigh_actrd_t *a, int sig);
/* Stops and removes everything; prints the log's tail when print_log. */
void sigh_actrd_cleanup(sigh_actrd_t *a, bool print_log);
/* A metric sample's value ("name" or "name{labels}"), or -1. */
double sigh_metric(const sigh_actrd_t *a, const char *sample);

typedef struct sigh_actor {
    actr_id_t id;
    uint32_t key_id;
    uint8_t claims[512];
    size_t claims_len;
    uint8_t signature[128];
    size_t signature_len;
} sigh_actor_t;

/* Registers a LINKED actor whose ACL allows each type in allow. 0 or -1. */
int sigh_register(const sigh_actrd_t *a, const char *manufacturer, const char *name,
                  const actr_type_t *allow, size_t n_allow, sigh_actor_t *out);
void sigh_identity(const sigh_actor_t *actor, actr_sigc_identity_t *out);
/* The ws:// signaling URL of a server on port. */
void sigh_url(char *out, size_t size, int port);

/* ---- recording the client's callbacks ---- */

typedef struct sigh_rec {
    int connecting, connected, disconnected;
    actr_sigc_reason_t last_reason;
    uint16_t last_close_code;
    uint32_t last_http_status;
    uint64_t connected_at_ms, disconnected_at_ms;
    int unsolicited;
    uint8_t *last_env; /* the last unsolicited envelope, packed again */
    size_t last_env_len;
    int done_calls; /* connect/probe completions */
    int done_status;
    uint32_t done_wire_code;
} sigh_rec_t;

void sigh_rec_callbacks(sigh_rec_t *r, actr_sigc_callbacks_t *cb);
void sigh_rec_free(sigh_rec_t *r);
/* An actr_sigc_done_cb recording into the sigh_rec_t given as userdata. */
void sigh_rec_done(actr_sigc_t *c, int status, const actr_error_t *err, void *userdata);
/* The last unsolicited envelope decoded (free with actr_pb_free), or NULL. */
Signaling__SignalingEnvelope *sigh_rec_last(const sigh_rec_t *r);

/* Runs loop until *counter >= target or timeout_ms; returns whether it got there. */
bool sigh_wait_count(uv_loop_t *loop, const int *counter, int target, uint64_t timeout_ms);

#endif /* ACTR_TESTS_WIRE_SIGC_HARNESS_H */
