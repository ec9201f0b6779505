/*
 * rtc_child.h - a JSON-lines channel on a uv loop for driving WebRTC peers in other processes:
 *
 *   rtc_child_spawn      a child whose stdin/stdout carry the lines (bench_webrtc --peer, the
 *                        bench's wrtc_peer.js);
 *   rtc_child_spawn_tcp  a child that connects to us over TCP on 127.0.0.1 (the interop peers of
 *                        tests/interop, `--signal 127.0.0.1:PORT`): we listen on port 0 and put
 *                        "127.0.0.1:PORT" in place of the argument "@SIGNAL@";
 *   rtc_child_stdio      this process's own stdin/stdout (the child side).
 *
 * One cJSON object per line; longer lines than RTC_CHILD_LINE_MAX and unparsable ones are
 * dropped (counted). A child's stderr (and stdout in TCP mode) pass through to ours.
 */
#ifndef RTC_CHILD_H
#define RTC_CHILD_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define RTC_CHILD_LINE_MAX (8 * 1024 * 1024)

typedef struct rtc_child rtc_child_t;

/* msg is borrowed for the duration of the call. */
typedef void (*rtc_child_msg_fn)(void *arg, const cJSON *msg);

/* argv is NULL-terminated; env NULL inherits ours. Returns 0 or a uv error. */
int rtc_child_spawn(uv_loop_t *loop, char *const argv[], char *const env[], rtc_child_msg_fn fn,
                    void *arg, rtc_child_t **out);
int rtc_child_spawn_tcp(uv_loop_t *loop, char *const argv[], rtc_child_msg_fn fn, void *arg,
                        rtc_child_t **out);
int rtc_child_stdio(uv_loop_t *loop, rtc_child_msg_fn fn, void *arg, rtc_child_t **out);

/* Writes one JSON object as a line (not consumed). UV_ENOTCONN before a TCP child connected. */
int rtc_child_send(rtc_child_t *c, const cJSON *msg);

bool rtc_child_connected(const rtc_child_t *c);
/* The other end closed its side (EOF). */
bool rtc_child_eof(const rtc_child_t *c);
bool rtc_child_exited(const rtc_child_t *c);
int rtc_child_exit_status(const rtc_child_t *c);
int rtc_child_pid(const rtc_child_t *c);
size_t rtc_child_dropped_lines(const rtc_child_t *c);

/* Closes the channel and sends SIGTERM to a child still running; run the loop until
 * rtc_child_done() (bounded). */
void rtc_child_close(rtc_child_t *c);
bool rtc_child_done(const rtc_child_t *c);
/* Closes what is left and frees once every handle is closed (keep running the loop a little). */
void rtc_child_free(rtc_child_t *c);

#endif /* RTC_CHILD_H */
