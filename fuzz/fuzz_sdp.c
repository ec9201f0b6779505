/*
 * Fuzz target for the WebRTC SDP module: whatever parses must write, parse back and write the
 * same text again (the writer's output is a fixed point), and must be answerable or refused with
 * an error code; the input is also tried as a single candidate attribute, which must format and
 * parse back to the same candidate. A mismatch aborts (that is how libFuzzer sees a bug).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/webrtc/sdp.h"

#define CHECK(cond)      \
    do {                 \
        if (!(cond))     \
            abort();     \
    } while (0)

static void check_candidate(const char *s, size_t len)
{
    actr_sdp_candidate_t c, again;
    if (actr_sdp_candidate_parse(s, len, &c, NULL) != 0)
        return;
    char text[ACTR_SDP_CANDIDATE_STR_MAX * 2];
    size_t n = 0;
    CHECK(actr_sdp_candidate_format(&c, text, sizeof text, &n) == 0);
    CHECK(actr_sdp_candidate_parse(text, n, &again, NULL) == 0);
    CHECK(memcmp(&c, &again, sizeof c) == 0);
}

static void check_sdp(const char *s, size_t len, actr_sdp_t *a, actr_sdp_t *b)
{
    if (actr_sdp_parse(s, len, a, NULL) != 0)
        return;
    char *t1 = NULL, *t2 = NULL;
    size_t n1 = 0, n2 = 0;
    if (actr_sdp_write_alloc(a, &t1, &n1, NULL) != 0)
        return; /* a model the writer cannot express (e.g. no formats): refused, fine */
    CHECK(actr_sdp_parse(t1, n1, b, NULL) == 0);
    CHECK(actr_sdp_write_alloc(b, &t2, &n2, NULL) == 0);
    CHECK(n1 == n2 && memcmp(t1, t2, n1) == 0);
    free(t1);
    free(t2);
    actr_sdp_local_t l;
    memset(&l, 0, sizeof l);
    l.ice_ufrag = "fuzz";
    l.ice_pwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
    l.data_channel = 1;
    l.track_count = 1;
    l.tracks[0].codec = ACTR_SDP_CODEC_VP8;
    strcpy(l.tracks[0].track_id, "t");
    l.tracks[0].ssrc = 1;
    if (actr_sdp_build_answer(a, &l, b, NULL) == 0) {
        char *t3 = NULL;
        size_t n3 = 0;
        CHECK(actr_sdp_write_alloc(b, &t3, &n3, NULL) == 0);
        CHECK(actr_sdp_parse(t3, n3, a, NULL) == 0);
        free(t3);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static actr_sdp_t *a, *b;
    if (!a) {
        a = actr_sdp_new();
        b = actr_sdp_new();
        CHECK(a && b);
    }
    check_sdp((const char *)data, size, a, b);
    check_candidate((const char *)data, size);
    return 0;
}
