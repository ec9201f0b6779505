/*
 * Fuzz target for the data-channel fragment framing: the input is a sequence of frames, each
 * "<u16 BE length><bytes>" followed by a one-byte clock step, pushed into a receiver with small
 * limits. The bounds must hold after every push (partials in number and bytes, message size),
 * and a message delivered must be no larger than max_message. The whole input is also sent
 * through the fragmenter and must come back byte-exact.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "transport/lane.h"

#define CHECK(cond)      \
    do {                 \
        if (!(cond))     \
            abort();     \
    } while (0)

static const actr_lane_rx_limits_t LIMITS = {
    .max_partial = 4, .max_partial_bytes = 200000, .max_message = 150000, .max_age_ms = 50};

static void frames_in(const uint8_t *data, size_t size)
{
    actr_lane_rx_t *rx = actr_lane_rx_new(&LIMITS);
    CHECK(rx);
    uint64_t now = 0;
    size_t pos = 0;
    for (int guard = 0; guard < 4096 && pos + 2 <= size; guard++) {
        size_t len = (size_t)data[pos] << 8 | data[pos + 1];
        pos += 2;
        if (len > size - pos)
            len = size - pos;
        actr_buf_t frame, msg;
        CHECK(actr_buf_copy(data + pos, len, &frame) == 0);
        pos += len;
        int rc = actr_lane_rx_push(rx, &frame, now, &msg);
        CHECK(rc == 1 || rc == 0 || rc == ACTR_EPROTO || rc == ACTR_ETOOBIG);
        if (rc == 1) {
            CHECK(msg.len <= LIMITS.max_message);
            actr_buf_release(&msg);
        }
        actr_buf_release(&frame);
        actr_lane_rx_stats_t st;
        actr_lane_rx_stats(rx, &st);
        CHECK(st.partial <= LIMITS.max_partial);
        CHECK(st.partial_bytes <= LIMITS.max_partial_bytes);
        if (pos < size)
            now += data[pos++];
    }
    actr_lane_rx_free(rx);
}

static void roundtrip(const uint8_t *data, size_t size)
{
    actr_lane_tx_t tx = {0};
    actr_lane_rx_t *rx = actr_lane_rx_new(NULL);
    CHECK(rx);
    actr_buf_t msg, frame, out = ACTR_BUF_INIT;
    CHECK(actr_buf_copy(data, size, &msg) == 0);
    actr_lane_frag_iter_t it;
    CHECK(actr_lane_tx_begin(&tx, &msg, &it) == 0);
    int got = 0, rc;
    while ((rc = actr_lane_frag_next_frame(&it, &frame)) == 1) {
        CHECK(!got);
        got = actr_lane_rx_push(rx, &frame, 0, &out);
        CHECK(got == 0 || got == 1);
        actr_buf_release(&frame);
    }
    CHECK(rc == 0 && got == 1 && actr_buf_equal(&out, &msg));
    actr_buf_release(&out);
    actr_buf_release(&msg);
    actr_lane_rx_free(rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    frames_in(data, size);
    roundtrip(data, size);
    return 0;
}
