/*
 * The direct WebSocket framing (protocol.md 8.8, runtime.md 1.5) without sockets: the header
 * encoder, the incremental receiver (pieces of any size, the header split, empty data, trailing
 * bytes ignored, short / bad type / truncated refused, oversized detected before allocating) and
 * the DataChunk scanner (fields in place, last one wins, unknown fields and groups skipped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "actr/error.h"
#include "wire/websocket/frame.h"

/* Feeds msg in pieces of step bytes and finishes; returns the verdict. */
static int feed_all(const uint8_t *msg, size_t len, size_t step, size_t max, uint8_t *pt,
                    actr_buf_t *out)
{
    ws_rx_t rx;
    ws_rx_init(&rx, max);
    int rc = 0;
    size_t off = 0;
    do {
        size_t k = len - off < step ? len - off : step;
        bool final = off + k == len;
        rc = ws_rx_feed(&rx, msg + off, k, final, final ? 0 : SIZE_MAX);
        off += k;
        if (rc == ACTR_ETOOBIG) {
            ws_rx_free(&rx);
            return rc;
        }
    } while (off < len);
    return ws_rx_finish(&rx, pt, out);
}

static void test_header(void **state)
{
    (void)state;
    uint8_t h[WS_FRAME_HEADER];
    ws_frame_header(h, 3, 0x01020304);
    const uint8_t want[] = {3, 1, 2, 3, 4};
    assert_memory_equal(h, want, sizeof want);
}

static void test_pieces(void **state)
{
    (void)state;
    const uint8_t msg[] = {2, 0, 0, 0, 6, 'p', 'a', 'y', 'l', 'o', 'd', 'x', 'y'};
    for (size_t step = 1; step <= sizeof msg; step++) {
        uint8_t pt = 9;
        actr_buf_t out = ACTR_BUF_INIT;
        assert_int_equal(feed_all(msg, sizeof msg, step, 64, &pt, &out), 0);
        assert_int_equal(pt, 2);
        assert_int_equal(out.len, 6); /* "xy" after the data is ignored */
        assert_memory_equal(out.data, "paylod", 6);
        assert_int_equal(actr_buf_refcount(&out), 1); /* the caller owns the only reference */
        actr_buf_release(&out);
    }
}

static void test_empty_data(void **state)
{
    (void)state;
    const uint8_t msg[] = {1, 0, 0, 0, 0};
    uint8_t pt = 9;
    actr_buf_t out = ACTR_BUF_INIT;
    assert_int_equal(feed_all(msg, sizeof msg, 2, 64, &pt, &out), 0);
    assert_int_equal(pt, 1);
    assert_int_equal(out.len, 0);
}

static void test_refused(void **state)
{
    (void)state;
    uint8_t pt;
    actr_buf_t out = ACTR_BUF_INIT;
    const uint8_t shortm[] = {0, 0, 0, 0};
    assert_int_equal(feed_all(shortm, sizeof shortm, 4, 64, &pt, &out), ACTR_EPARSE);
    const uint8_t bad_type[] = {5, 0, 0, 0, 1, 'x'};
    assert_int_equal(feed_all(bad_type, sizeof bad_type, 3, 64, &pt, &out), ACTR_EPROTO);
    const uint8_t truncated[] = {0, 0, 0, 0, 9, 'a', 'b'};
    assert_int_equal(feed_all(truncated, sizeof truncated, 1, 64, &pt, &out), ACTR_EPARSE);
    assert_int_equal(feed_all(truncated, sizeof truncated, 7, 64, &pt, &out), ACTR_EPARSE);
    /* N over the limit: known from the header, before any data arrives */
    const uint8_t big[] = {0, 0, 0, 0, 65};
    ws_rx_t rx;
    ws_rx_init(&rx, 64);
    assert_int_equal(ws_rx_feed(&rx, big, sizeof big, false, SIZE_MAX), ACTR_ETOOBIG);
    ws_rx_free(&rx);
    /* a message longer than a full frame, even with a small N (trailing bytes), is oversized */
    uint8_t longm[80] = {0, 0, 0, 0, 1};
    assert_int_equal(feed_all(longm, sizeof longm, 10, 64, &pt, &out), ACTR_ETOOBIG);
    /* ... and so is one whose announced rest cannot fit */
    ws_rx_init(&rx, 64);
    assert_int_equal(ws_rx_feed(&rx, longm, 5, false, 100), ACTR_ETOOBIG);
    ws_rx_free(&rx);
    /* exactly the limit passes */
    uint8_t full[5 + 64] = {0, 0, 0, 0, 64};
    assert_int_equal(feed_all(full, sizeof full, 16, 64, &pt, &out), 0);
    assert_int_equal(out.len, 64);
    actr_buf_release(&out);
}

static void test_truncated_without_allocating(void **state)
{
    (void)state;
    /* a final piece that announces 1 MiB and carries 3 bytes is refused at the header */
    const uint8_t msg[] = {0, 0, 0x10, 0, 0, 'a', 'b', 'c'};
    ws_rx_t rx;
    ws_rx_init(&rx, 1 << 21);
    assert_int_equal(ws_rx_feed(&rx, msg, sizeof msg, true, 0), ACTR_EPARSE);
    assert_null(rx.buf.data); /* nothing was allocated for N */
    uint8_t pt;
    actr_buf_t out;
    assert_int_equal(ws_rx_finish(&rx, &pt, &out), ACTR_EPARSE);
}

static void test_chunk_scan(void **state)
{
    (void)state;
    /* stream_id "a" then "bc" (last wins), unknown varint 4, sequence 300, an unknown group,
     * payload "xyz", an unknown fixed32 */
    const uint8_t c[] = {0x0a, 1,    'a',  0x0a, 2,    'b', 'c', 0x20, 7,   0x10, 0xac, 0x02,
                         0x2b, 0x30, 1,    0x2c, 0x1a, 3,   'x', 'y',  'z', 0x35, 1,    2,
                         3,    4};
    ws_chunk_fields_t f;
    assert_int_equal(ws_chunk_scan(c, sizeof c, &f), 0);
    assert_int_equal(f.stream_id_len, 2);
    assert_memory_equal(c + f.stream_id_off, "bc", 2);
    assert_int_equal(f.sequence, 300);
    assert_int_equal(f.payload_len, 3);
    assert_memory_equal(c + f.payload_off, "xyz", 3);
    /* empty: every field at its default */
    assert_int_equal(ws_chunk_scan(NULL, 0, &f), 0);
    assert_int_equal(f.stream_id_len + f.payload_len + f.sequence, 0);
    /* refused: a length past the end, stream_id as a varint, an end group alone, field 0 */
    const uint8_t past[] = {0x0a, 5, 'a'};
    const uint8_t wrong_type[] = {0x08, 1};
    const uint8_t end_group[] = {0x2c};
    const uint8_t field0[] = {0x00, 1};
    const uint8_t open_group[] = {0x2b, 0x30, 1};
    assert_int_equal(ws_chunk_scan(past, sizeof past, &f), ACTR_EPARSE);
    assert_int_equal(ws_chunk_scan(wrong_type, sizeof wrong_type, &f), ACTR_EPARSE);
    assert_int_equal(ws_chunk_scan(end_group, sizeof end_group, &f), ACTR_EPARSE);
    assert_int_equal(ws_chunk_scan(field0, sizeof field0, &f), ACTR_EPARSE);
    assert_int_equal(ws_chunk_scan(open_group, sizeof open_group, &f), ACTR_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_pieces),
        cmocka_unit_test(test_empty_data),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_truncated_without_allocating),
        cmocka_unit_test(test_chunk_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
