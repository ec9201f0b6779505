/*
 * rtc_child.h - a child process (a node interop peer) on our uv loop, talking newline-delimited
 * JSON over its stdin/stdout; stderr is passed through. Lines longer than RTC_CHILD_LINE_MAX are
 * dropped (counted); messages are cJSON objects.
 */
#ifndef RTC_CHILD_H
#define RTC_CHILD_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define RTC_CHILD_LINE_MAX (8 * 1024 * 1024)

typedef struct rtc_child rtc_child_t;

/* msg is owned by the callee for the duration of the call. */
typedef void (*rtc_child_msg_fn)(void *arg, const cJSON *msg);

/* Spawns argv[0] with argv (NULL-terminated) and env (NULL: inherit). Returns 0 or a uv error. */
int rtc_child_spawn(uv_loop_t *loop, char *const argv[], char *const env[], rtc_child_msg_fn fn,
                    void *arg, rtc_child_t **out);

/* The same channel on this process's own stdin (read) and stdout (write): the child side. */
int rtc_child_stdio(uv_loop_t *loop, rtc_child_msg_fn fn, void *arg, rtc_child_t **out);
/* The other end closed (stdin EOF for rtc_child_stdio, stdout EOF for a spawned child). */
bool rtc_child_eof(const rtc_child_t *c);
int rtc_child_pid(const rtc_child_t *c);

/* Writes one JSON object as a line (the object is not consumed). */
int rtc_child_send(rtc_child_t *c, const cJSON *msg);

bool rtc_child_exited(const rtc_child_t *c);
int rtc_child_exit_status(const rtc_child_t *c);
size_t rtc_child_dropped_lines(const rtc_child_t *c);

/* Closes the pipes and sends SIGTERM; run the loop until rtc_child_done() (bounded). */
void rtc_child_close(rtc_child_t *c);
bool rtc_child_done(const rtc_child_t *c);
/* Closes everything left and frees once the handles are closed (run the loop afterwards). */
void rtc_child_free(rtc_child_t *c);

#endif /* RTC_CHILD_H */
