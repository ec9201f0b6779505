/* Fragment framing of data-channel messages (8-byte header) and bounded reassembly: byte-exact
 * round trips of 60 KB .. 1 MB messages, reordering, and every drop rule with its counter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "transport/lane.h"

static uint32_t rng = 12345;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static actr_buf_t make_msg(size_t len)
{
    actr_buf_t b;
    uint8_t *w;
    assert_int_equal(actr_buf_alloc(len, &b, &w), 0);
    for (size_t i = 0; i < len; i++)
        w[i] = (uint8_t)next_rand();
    return b;
}

/* All frames of msg as contiguous buffers; *n gets the count (caller frees the array). */
static actr_buf_t *fragment(actr_lane_tx_t *tx, const actr_buf_t *msg, size_t *n)
{
    actr_lane_frag_iter_t it;
    assert_int_equal(actr_lane_tx_begin(tx, msg, &it), 0);
    actr_buf_t *frames = calloc(it.total, sizeof *frames);
    *n = 0;
    int rc;
    actr_buf_t f;
    while ((rc = actr_lane_frag_next_frame(&it, &f)) == 1) {
        assert_true(*n < it.total);
        assert_true(f.len <= ACTR_LANE_MAX_FRAME && f.len >= ACTR_LANE_HEADER_LEN);
        frames[(*n)++] = f;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(*n, it.total);
    return frames;
}

static void release_all(actr_buf_t *frames, size_t n)
{
    for (size_t i = 0; i < n; i++)
        actr_buf_release(&frames[i]);
    free(frames);
}

static actr_buf_t frame_of(uint32_t id, uint16_t idx, uint16_t total, size_t payload, uint8_t fill)
{
    actr_buf_t b;
    uint8_t *w;
    assert_int_equal(actr_buf_alloc(ACTR_LANE_HEADER_LEN + payload, &b, &w), 0);
    actr_lane_header_t h = {id, idx, total};
    actr_lane_header_write(&h, w);
    memset(w + ACTR_LANE_HEADER_LEN, fill, payload);
    return b;
}

static void test_header(void **state)
{
    (void)state;
    uint8_t b[8];
    actr_lane_header_t h = {0x01020304, 0x0506, 0x0708}, r;
    actr_lane_header_write(&h, b);
    static const uint8_t want[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_memory_equal(b, want, 8);
    assert_int_equal(actr_lane_header_read(b, 8, &r), 0);
    assert_int_equal(r.msg_id, 0x01020304);
    assert_int_equal(r.frag_index, 0x0506);
    assert_int_equal(r.total_frags, 0x0708);
    assert_int_equal(actr_lane_header_read(b, 7, &r), ACTR_EPROTO);
    assert_int_equal(actr_lane_header_read(b, 65536, &r), ACTR_EPROTO);
    b[7] = 0;
    b[6] = 0;
    assert_int_equal(actr_lane_header_read(b, 8, &r), ACTR_EPROTO); /* total 0 */
    h.frag_index = 3;
    h.total_frags = 3;
    actr_lane_header_write(&h, b);
    assert_int_equal(actr_lane_header_read(b, 8, &r), ACTR_EPROTO); /* index == total */

    uint16_t n;
    assert_int_equal(actr_lane_frag_count(0, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(actr_lane_frag_count(65527, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(actr_lane_frag_count(65528, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(actr_lane_frag_count((size_t)65535 * 65527, &n), 0);
    assert_int_equal(n, 65535);
    assert_int_equal(actr_lane_frag_count((size_t)65535 * 65527 + 1, &n), ACTR_ETOOBIG);
}

static void test_small_and_empty_zero_copy(void **state)
{
    (void)state;
    actr_lane_tx_t tx = {0};
    actr_lane_rx_t *rx = actr_lane_rx_new(NULL);
    assert_non_null(rx);
    actr_buf_t msg = actr_buf_static("hello", 5);
    actr_lane_frag_iter_t it;
    assert_int_equal(actr_lane_tx_begin(&tx, &msg, &it), 0);
    uint8_t hdr[8];
    actr_buf_t payload;
    assert_int_equal(actr_lane_frag_next(&it, hdr, &payload), 1);
    assert_ptr_equal(payload.data, msg.data); /* a slice, not a copy */
    static const uint8_t want[8] = {0, 0, 0, 0, 0, 0, 0, 1};
    assert_memory_equal(hdr, want, 8);
    actr_buf_release(&payload);
    assert_int_equal(actr_lane_frag_next(&it, hdr, &payload), 0);

    /* empty message: one 8-byte frame, delivered as an empty message */
    actr_buf_t empty = ACTR_BUF_INIT;
    size_t n;
    actr_buf_t *frames = fragment(&tx, &empty, &n);
    assert_int_equal(n, 1);
    assert_int_equal(frames[0].len, 8);
    assert_int_equal(frames[0].data[3], 1); /* msg_id 1: the counter advanced */
    actr_buf_t out;
    assert_int_equal(actr_lane_rx_push(rx, &frames[0], 0, &out), 1);
    assert_int_equal(out.len, 0);
    release_all(frames, n);

    /* a single-frame message is delivered as a slice of the frame */
    actr_buf_t f = frame_of(9, 0, 1, 100, 0xab);
    assert_int_equal(actr_lane_rx_push(rx, &f, 0, &out), 1);
    assert_ptr_equal(out.data, f.data + 8);
    assert_int_equal(out.len, 100);
    actr_buf_release(&out);
    actr_buf_release(&f);
    actr_lane_rx_free(rx);
}

static void roundtrip(size_t len, int shuffle)
{
    actr_lane_tx_t tx = {0};
    actr_lane_rx_t *rx = actr_lane_rx_new(NULL);
    actr_buf_t msg = make_msg(len);
    size_t n;
    actr_buf_t *frames = fragment(&tx, &msg, &n);
    assert_int_equal(n, (len + 65526) / 65527);
    for (size_t i = 0; i + 1 < n; i++)
        assert_int_equal(frames[i].len, ACTR_LANE_MAX_FRAME); /* full chunks of 65527 */
    for (size_t i = 0; shuffle && n > 1 && i < n; i++) {
        size_t j = next_rand() % n;
        actr_buf_t t = frames[i];
        frames[i] = frames[j];
        frames[j] = t;
    }
    actr_buf_t out = ACTR_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        int rc = actr_lane_rx_push(rx, &frames[i], 1000, &out);
        assert_int_equal(rc, i + 1 == n ? 1 : 0);
    }
    assert_int_equal(out.len, len);
    assert_true(actr_buf_equal(&out, &msg));
    actr_lane_rx_stats_t st;
    actr_lane_rx_stats(rx, &st);
    assert_int_equal(st.messages, 1);
    assert_int_equal(st.partial, 0);
    assert_int_equal(st.partial_bytes, 0);
    actr_buf_release(&out);
    actr_buf_release(&msg);
    release_all(frames, n);
    actr_lane_rx_free(rx);
}

static void test_sizes_in_order(void **state)
{
    (void)state;
    static const size_t sizes[] = {60 * 1000, 65527, 65528, 100 * 1000, 200 * 1000,
                                   512 * 1000, 1000 * 1000, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        roundtrip(sizes[i], 0);
}

static void test_sizes_reordered(void **state)
{
    (void)state;
    static const size_t sizes[] = {100 * 1000, 200 * 1000, 512 * 1000, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        roundtrip(sizes[i], 1);
}

/* Two messages interleaved and reordered on one lane (the unordered lane). */
static void test_interleaved(void **state)
{
    (void)state;
    actr_lane_tx_t tx = {0};
    actr_lane_rx_t *rx = actr_lane_rx_new(NULL);
    actr_buf_t a = make_msg(300000), b = make_msg(200000);
    size_t na, nb;
    actr_buf_t *fa = fragment(&tx, &a, &na), *fb = fragment(&tx, &b, &nb);
    size_t ia = na, ib = nb; /* push from the end backwards, alternating */
    int got = 0;
    while (ia || ib) {
        actr_buf_t out;
        int rc = 0;
        if (ib) {
            rc = actr_lane_rx_push(rx, &fb[--ib], 5, &out);
            if (rc == 1) {
                assert_true(actr_buf_equal(&out, &b));
                actr_buf_release(&out);
                got++;
            }
        }
        if (ia) {
            rc = actr_lane_rx_push(rx, &fa[--ia], 5, &out);
            if (rc == 1) {
                assert_true(actr_buf_equal(&out, &a));
                actr_buf_release(&out);
                got++;
            }
        }
        assert_true(rc >= 0);
    }
    assert_int_equal(got, 2);
    release_all(fa, na);
    release_all(fb, nb);
    actr_buf_release(&a);
    actr_buf_release(&b);
    actr_lane_rx_free(rx);
}

static void test_msg_id_wraps(void **state)
{
    (void)state;
    actr_lane_tx_t tx = {UINT32_MAX};
    actr_buf_t msg = actr_buf_static("x", 1);
    actr_lane_frag_iter_t it;
    assert_int_equal(actr_lane_tx_begin(&tx, &msg, &it), 0);
    assert_int_equal(it.msg_id, UINT32_MAX);
    actr_lane_frag_release(&it);
    assert_int_equal(actr_lane_tx_begin(&tx, &msg, &it), 0);
    assert_int_equal(it.msg_id, 0);
    actr_lane_frag_release(&it);
    actr_lane_frag_release(&it); /* idempotent */
}

static void test_drops(void **state)
{
    (void)state;
    actr_lane_rx_t *rx = actr_lane_rx_new(NULL);
    actr_buf_t out, f;
    actr_lane_rx_stats_t st;
    /* truncated and oversized frames */
    actr_buf_t shortf = actr_buf_static("\0\0\0\0\0", 5);
    assert_int_equal(actr_lane_rx_push(rx, &shortf, 0, &out), ACTR_EPROTO);
    f = frame_of(1, 0, 1, ACTR_LANE_MAX_CHUNK + 1, 0);
    assert_int_equal(actr_lane_rx_push(rx, &f, 0, &out), ACTR_EPROTO);
    actr_buf_release(&f);
    /* bad index / total */
    f = frame_of(1, 2, 2, 10, 0);
    assert_int_equal(actr_lane_rx_push(rx, &f, 0, &out), ACTR_EPROTO);
    actr_buf_release(&f);
    f = frame_of(1, 0, 0, 10, 0);
    assert_int_equal(actr_lane_rx_push(rx, &f, 0, &out), ACTR_EPROTO);
    actr_buf_release(&f);
    actr_lane_rx_stats(rx, &st);
    assert_int_equal(st.malformed, 4);
    /* inconsistent total and duplicates */
    f = frame_of(7, 0, 3, 10, 1);
    assert_int_equal(actr_lane_rx_push(rx, &f, 0, &out), 0);
    assert_int_equal(actr_lane_rx_push(rx, &f, 0, &out), ACTR_EPROTO);
    actr_buf_release(&f);
    f = frame_of(7, 1, 4, 10, 1);
    assert_int_equal(actr_lane_rx_push(rx, &f, 0, &out), ACTR_EPROTO);
    actr_buf_release(&f);
    /* an empty middle fragment */
    f = frame_of(7, 1, 3, 0, 1);
    assert_int_equal(actr_lane_rx_push(rx, &f, 0, &out), ACTR_EPROTO);
    actr_buf_release(&f);
    actr_lane_rx_stats(rx, &st);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.inconsistent, 1);
    assert_int_equal(st.malformed, 5);
    assert_int_equal(st.partial, 1);
    assert_int_equal(st.partial_bytes, 18);
    /* the message still completes with the right fragments */
    for (uint16_t i = 1; i < 3; i++) {
        f = frame_of(7, i, 3, 10, (uint8_t)(i + 1));
        assert_int_equal(actr_lane_rx_push(rx, &f, 0, &out), i == 2 ? 1 : 0);
        actr_buf_release(&f);
    }
    assert_int_equal(out.len, 30);
    assert_int_equal(out.data[0], 1);
    assert_int_equal(out.data[15], 2);
    assert_int_equal(out.data[29], 3);
    actr_buf_release(&out);
    actr_lane_rx_stats(rx, &st);
    assert_int_equal(st.partial, 0);
    assert_int_equal(st.partial_bytes, 0);
    actr_lane_rx_free(rx);
}

static void test_bounds(void **state)
{
    (void)state;
    actr_lane_rx_limits_t lim = {.max_partial = 2, .max_partial_bytes = 3000, .max_message = 100000,
                                 .max_age_ms = 1000};
    actr_lane_rx_t *rx = actr_lane_rx_new(&lim);
    actr_buf_t out, f;
    actr_lane_rx_stats_t st;
    /* count: a third partial evicts the oldest */
    for (uint32_t id = 0; id < 3; id++) {
        f = frame_of(id, 0, 2, 100, 0);
        assert_int_equal(actr_lane_rx_push(rx, &f, 10 + id, &out), 0);
        actr_buf_release(&f);
    }
    actr_lane_rx_stats(rx, &st);
    assert_int_equal(st.evicted, 1);
    assert_int_equal(st.partial, 2);
    /* message 0 was evicted: its second half starts a new partial, not a message */
    f = frame_of(0, 1, 2, 100, 0);
    assert_int_equal(actr_lane_rx_push(rx, &f, 20, &out), 0);
    actr_buf_release(&f);
    /* bytes: a 2900-byte fragment pushes out older partials */
    f = frame_of(50, 0, 2, 2900, 0);
    assert_int_equal(actr_lane_rx_push(rx, &f, 30, &out), 0);
    actr_buf_release(&f);
    actr_lane_rx_stats(rx, &st);
    assert_true(st.partial_bytes <= lim.max_partial_bytes);
    assert_int_equal(st.partial, 1);
    /* a fragment that alone breaks the byte bound drops its message */
    f = frame_of(50, 1, 2, 2900, 0);
    assert_int_equal(actr_lane_rx_push(rx, &f, 30, &out), ACTR_ETOOBIG);
    actr_buf_release(&f);
    actr_lane_rx_stats(rx, &st);
    assert_int_equal(st.partial, 0);
    /* total_frags beyond what max_message allows */
    f = frame_of(60, 0, 60000, 10, 0);
    assert_int_equal(actr_lane_rx_push(rx, &f, 30, &out), ACTR_ETOOBIG);
    actr_buf_release(&f);
    /* age */
    f = frame_of(70, 0, 2, 10, 0);
    assert_int_equal(actr_lane_rx_push(rx, &f, 100, &out), 0);
    actr_buf_release(&f);
    actr_lane_rx_expire(rx, 1100);
    actr_lane_rx_stats(rx, &st);
    assert_int_equal(st.partial, 1);
    actr_lane_rx_expire(rx, 1101);
    actr_lane_rx_stats(rx, &st);
    assert_int_equal(st.partial, 0);
    assert_int_equal(st.expired, 1);
    actr_lane_rx_free(rx);

    /* max_message: the sum of payloads is checked as fragments arrive */
    actr_lane_rx_limits_t small = {.max_message = 150000};
    rx = actr_lane_rx_new(&small);
    actr_lane_tx_t tx = {0};
    actr_buf_t msg = make_msg(200000);
    size_t n;
    actr_buf_t *frames = fragment(&tx, &msg, &n);
    int too_big = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = actr_lane_rx_push(rx, &frames[i], 0, &out);
        assert_true(rc == 0 || rc == ACTR_ETOOBIG); /* never a message */
        too_big += rc == ACTR_ETOOBIG;
    }
    assert_int_equal(too_big, 1);
    actr_lane_rx_stats(rx, &st);
    assert_int_equal(st.too_big, 1);
    assert_int_equal(st.messages, 0);
    release_all(frames, n);
    actr_buf_release(&msg);
    actr_lane_rx_free(rx); /* frees whatever is still held (ASan checks) */
    assert_int_equal(actr_lane_rx_push(NULL, &f, 0, &out), ACTR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_small_and_empty_zero_copy),
        cmocka_unit_test(test_sizes_in_order),
        cmocka_unit_test(test_sizes_reordered),
        cmocka_unit_test(test_interleaved),
        cmocka_unit_test(test_msg_id_wraps),
        cmocka_unit_test(test_drops),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
