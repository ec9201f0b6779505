/*
 * bench_lane - cost of the data-channel fragment framing (src/transport/lane.c): messages are
 * fragmented into contiguous frames (as handed to SCTP) and pushed through a receiver that
 * reassembles them. Baseline, measured in the same run: two plain memcpy of the same bytes (the
 * least any copy-in, copy-out path does). Prints MiB/s for both and their ratio per size.
 *
 * Usage: bench_lane [seconds-per-case]   (default 0.5)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actr/buf.h"
#include "transport/lane.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile uint8_t sink;

/* One message through fragmenter and reassembler; returns bytes delivered (0 on error). */
static size_t through_lane(actr_lane_tx_t *tx, actr_lane_rx_t *rx, const actr_buf_t *msg)
{
    actr_lane_frag_iter_t it;
    if (actr_lane_tx_begin(tx, msg, &it) != 0)
        return 0;
    actr_buf_t frame, out = ACTR_BUF_INIT;
    int rc;
    size_t got = 0;
    while ((rc = actr_lane_frag_next_frame(&it, &frame)) == 1) {
        if (actr_lane_rx_push(rx, &frame, 0, &out) == 1) {
            got = out.len;
            sink ^= out.len ? out.data[out.len - 1] : 0;
            actr_buf_release(&out);
        }
        actr_buf_release(&frame);
    }
    return rc == 0 ? got : 0;
}

int main(int argc, char **argv)
{
    double per_case = argc > 1 ? atof(argv[1]) : 0.5;
    if (per_case <= 0 || per_case > 60)
        per_case = 0.5;
    static const size_t sizes[] = {100, 1000, 60000, 200000, 1000000};
    printf("%-10s %14s %14s %8s\n", "size", "lane MiB/s", "2xmemcpy MiB/s", "ratio");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t len = sizes[s];
        actr_buf_t msg;
        uint8_t *w;
        if (actr_buf_alloc(len, &msg, &w) != 0)
            return 1;
        for (size_t i = 0; i < len; i++)
            w[i] = (uint8_t)(i * 31);
        uint8_t *a = malloc(len), *b = malloc(len);
        if (!a || !b)
            return 1;
        actr_lane_tx_t tx = {0};
        actr_lane_rx_t *rx = actr_lane_rx_new(NULL);
        double t0 = now_s(), t;
        size_t bytes = 0;
        long iters = 0;
        for (; (t = now_s() - t0) < per_case && iters < 100000000; iters++) {
            size_t got = through_lane(&tx, rx, &msg);
            if (got != len) {
                fprintf(stderr, "bench_lane: message of %zu bytes came back as %zu\n", len, got);
                return 1;
            }
            bytes += got;
        }
        double lane_mibs = (double)bytes / (1 << 20) / t;
        t0 = now_s();
        bytes = 0;
        for (long i = 0; (t = now_s() - t0) < per_case && i < 100000000; i++) {
            memcpy(a, msg.data, len);
            memcpy(b, a, len);
            sink ^= b[len - 1];
            bytes += len;
        }
        double copy_mibs = (double)bytes / (1 << 20) / t;
        printf("%-10zu %14.0f %14.0f %8.2f\n", len, lane_mibs, copy_mibs, lane_mibs / copy_mibs);
        actr_lane_rx_free(rx);
        actr_buf_release(&msg);
        free(a);
        free(b);
    }
    return 0;
}
