/*
 * ais_harness.h - shared pieces of the AIS client tests: one libuv loop with an HTTP driver,
 * bounded waits for completions, and child processes (test servers, actrd) with bounded waits.
 */
#ifndef ACTR_TEST_AIS_HARNESS_H
#define ACTR_TEST_AIS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <uv.h>

#include "platform/ais/client.h"

extern uv_loop_t *ah_loop;
extern actr_curl_uv_t *ah_http;

/* Creates the loop and the HTTP driver. */
void ah_loop_open(void);
/* Closes the driver, runs the loop until every handle is closed and asserts uv_loop_close()==0. */
void ah_loop_close(void);

/*
 * Sets *(bool *)arg and stops the current uv_run(), so ah_wait() notices at once (a completion may
 * arrive in a timer callback, after which a UV_RUN_ONCE would block until the next event).
 * Every callback that sets a flag ah_wait() watches goes through this.
 */
void ah_flag_set(void *arg);

/* Runs the loop until *flag is set (by ah_flag_set); fails the test after timeout_ms. */
void ah_wait(const bool *flag, uint64_t timeout_ms);
/* Runs the loop for ms (lets callbacks that must not come show up). */
void ah_spin(uint64_t ms);

/* Collects one AIS completion. */
typedef struct ah_done {
    bool done;
    int calls;
    actr_ais_result_t res;
} ah_done_t;

void ah_on_done(const actr_ais_result_t *res, void *arg);

/* Starts a registration or renewal, asserts it started, waits (15 s at most) for its result. */
void ah_register(actr_ais_client_t *c, const actr_ais_register_params_t *p, ah_done_t *d);
void ah_renew(actr_ais_client_t *c, const actr_id_t *id, const uint8_t token[32], ah_done_t *d);

/* Asserts the class of d's result and that its message contains fragment (NULL: any). */
void ah_expect(const ah_done_t *d, actr_ais_status_t status, const char *fragment);

/* Starts argv[0] (a path) with stdout on a pipe (*out_fd), and stderr (and stdout when out_fd
 * is NULL) appended to log_path; NULL: inherited. A child that outlives a failed test must not
 * hold CTest's output pipe open, so long-running children get a log_path. */
pid_t ah_spawn(const char *const argv[], int *out_fd, const char *log_path);
/*
 * Reads one line from fd into buf (without the newline), waiting at most timeout_ms. Returns
 * the length, or -1 on timeout or end of file.
 */
long ah_read_line(int fd, char *buf, size_t cap, uint64_t timeout_ms);
/* Runs argv to completion (30 s at most), stdout into out (NUL-terminated). Returns exit code. */
int ah_run(const char *const argv[], char *out, size_t cap);
/* SIGTERM, then SIGKILL after 5 s; reaps the child. */
void ah_stop(pid_t pid);

/* Reads a whole file (at most cap - 1 bytes, NUL-terminated). Returns its length or -1. */
long ah_read_file(const char *path, void *buf, size_t cap);
void ah_write_file(const char *path, const void *data, size_t len);

#endif /* ACTR_TEST_AIS_HARNESS_H */
