/* check.h - a soft assertion for the WebRTC node programs: reports the failure and counts it in
 * the including file's `check_failures`, so one run shows every broken expectation. */
#ifndef ACTR_TESTS_REMOTE_WEBRTC_CHECK_H
#define ACTR_TESTS_REMOTE_WEBRTC_CHECK_H

#include <stdio.h>

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                              \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            check_failures++;                                                                  \
        }                                                                                      \
    } while (0)

#endif /* ACTR_TESTS_REMOTE_WEBRTC_CHECK_H */
