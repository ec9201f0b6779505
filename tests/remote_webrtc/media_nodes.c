/*
 * media_nodes.c - the media step of rtc_nodes (include/actr/media.h between two nodes through a
 * real actrd): the client adds a VP8 track towards the service (renegotiating the running
 * connection from the offerer side), sends 100 samples, and the service's registered callback
 * gets them with the right track, codec, kind, bytes and timestamps; then the service adds an
 * Opus track back (a renegotiation from the answerer side) and sends 50 samples. RTP is
 * unreliable, so counts are checked at >= 95% (loopback loses nothing in practice; the run
 * prints the exact numbers). Also: a sample to ourselves is ACTR_EUNSUPPORTED, a removed track
 * is ACTR_ENOTFOUND, an unregistered callback no longer runs. Every wait is bounded.
 */
#include "media_nodes.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actr/media.h"

static int check_failures;
#include "check.h"

typedef struct rx {
    atomic_int n;
    atomic_ullong bytes;
    atomic_int bad; /* wrong codec/kind/sender/content */
    atomic_uint ts_max;
    const char *codec;
    actr_media_type_t kind;
    const actr_id_t *from;
} rx_t;

static void on_sample(void *ud, const actr_media_sample_t *s, const actr_id_t *sender)
{
    rx_t *r = ud;
    bool ok = strcmp(s->codec, r->codec) == 0 && s->media_type == r->kind &&
              actr_id_equal(sender, r->from) && s->len > 0 && s->data[s->len - 1] == (uint8_t)s->len;
    if (!ok)
        atomic_fetch_add(&r->bad, 1);
    atomic_fetch_add(&r->n, 1);
    atomic_fetch_add(&r->bytes, s->len);
    if (s->timestamp > atomic_load(&r->ts_max))
        atomic_store(&r->ts_max, s->timestamp);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The track is negotiated once a sample goes out (ACTR_ESTATE until then). */
static int first_sample(actr_node_t *from, const actr_id_t *to, const char *track,
                        const actr_media_sample_t *s, int wait_ms)
{
    int rc = ACTR_ESTATE, waited = 0;
    for (; rc == ACTR_ESTATE && waited < wait_ms; waited += 20) {
        rc = actr_node_send_media_sample(from, to, track, s);
        if (rc == ACTR_ESTATE)
            sleep_ms(20);
    }
    return rc;
}

/* n samples of 100..1099 bytes (last byte = length & 0xff), 10 ms apart; returns the bytes. */
static unsigned long long send_n(actr_node_t *from, const actr_id_t *to, const char *track, int n,
                                 uint32_t ts_step, int wait_ms)
{
    static uint8_t buf[ACTR_MEDIA_MAX_SAMPLE];
    unsigned long long bytes = 0;
    for (int i = 0; i < n; i++) {
        size_t len = 100 + (size_t)(i * 37) % 1000;
        memset(buf, 0x10 + i, len);
        buf[len - 1] = (uint8_t)len;
        actr_media_sample_t s = {.data = buf, .len = len, .timestamp = (uint32_t)(i + 1) * ts_step};
        int rc = i == 0 ? first_sample(from, to, track, &s, wait_ms)
                        : actr_node_send_media_sample(from, to, track, &s);
        CHECK(rc == 0, "sample %d on %s: %d", i, track, rc);
        if (rc == 0)
            bytes += len;
        sleep_ms(10);
    }
    return bytes;
}

static void wait_count(rx_t *r, int want, int wait_ms)
{
    for (int w = 0; atomic_load(&r->n) < want && w < wait_ms; w += 20)
        sleep_ms(20);
    sleep_ms(100); /* stragglers, so the counts below are final */
}

int media_nodes_run(actr_node_t *cli, actr_node_t *svc, int wait_ms)
{
    check_failures = 0;
    const actr_id_t *cli_id = actr_node_id(cli), *svc_id = actr_node_id(svc);
    rx_t cam = {.codec = "VP8", .kind = ACTR_MEDIA_VIDEO, .from = cli_id};
    rx_t mic = {.codec = "OPUS", .kind = ACTR_MEDIA_AUDIO, .from = svc_id};
    CHECK(actr_node_register_media_track(svc, "cam", on_sample, &cam) == 0, "register cam");
    CHECK(actr_node_register_media_track(svc, "cam", on_sample, &cam) == ACTR_EEXIST,
          "register twice");
    CHECK(actr_node_register_media_track(cli, "mic", on_sample, &mic) == 0, "register mic");
    actr_media_sample_t one = {.data = (const uint8_t *)"x", .len = 1};
    CHECK(actr_node_add_media_track(cli, cli_id, "cam", "VP8") == ACTR_EUNSUPPORTED,
          "media to ourselves is unsupported");
    CHECK(actr_node_add_media_track(cli, svc_id, "cam", "MP3") == ACTR_EINVAL, "unknown codec");

    /* client -> service: VP8, renegotiating the connection the calls set up */
    CHECK(actr_node_add_media_track(cli, svc_id, "cam", "vp8") == 0, "add cam");
    unsigned long long sent = send_n(cli, svc_id, "cam", 100, 3000, wait_ms);
    wait_count(&cam, 100, 5000);
    printf("media: service received %d of 100 VP8 samples, %llu of %llu bytes, last ts %u, "
           "%d wrong\n", atomic_load(&cam.n), (unsigned long long)atomic_load(&cam.bytes), sent,
           atomic_load(&cam.ts_max), atomic_load(&cam.bad));
    CHECK(atomic_load(&cam.n) >= 95 && atomic_load(&cam.n) <= 100, "VP8 samples arrived");
    CHECK(atomic_load(&cam.bytes) >= sent * 95 / 100, "VP8 bytes arrived");
    CHECK(atomic_load(&cam.bad) == 0, "codec, kind, sender and content as sent");
    CHECK(atomic_load(&cam.ts_max) == 300000 || atomic_load(&cam.n) < 100, "timestamps kept");

    /* service -> client: Opus, a renegotiation from the other side */
    CHECK(actr_node_add_media_track(svc, cli_id, "mic", "OPUS") == 0, "add mic");
    sent = send_n(svc, cli_id, "mic", 50, 960, wait_ms);
    wait_count(&mic, 50, 5000);
    printf("media: client received %d of 50 Opus samples, %llu of %llu bytes, %d wrong\n",
           atomic_load(&mic.n), (unsigned long long)atomic_load(&mic.bytes), sent,
           atomic_load(&mic.bad));
    CHECK(atomic_load(&mic.n) >= 48, "Opus samples arrived");
    CHECK(atomic_load(&mic.bad) == 0, "Opus codec, kind, sender and content as sent");

    /* removal and unregistering */
    CHECK(actr_node_remove_media_track(cli, svc_id, "cam") == 0, "remove cam");
    CHECK(actr_node_send_media_sample(cli, svc_id, "cam", &one) == ACTR_ENOTFOUND,
          "a removed track sends nothing");
    CHECK(actr_node_unregister_media_track(cli, "mic") == 0, "unregister mic");
    CHECK(actr_node_unregister_media_track(cli, "mic") == ACTR_ENOTFOUND, "unregister twice");
    int before = atomic_load(&mic.n);
    send_n(svc, cli_id, "mic", 5, 960, wait_ms);
    sleep_ms(200);
    CHECK(atomic_load(&mic.n) == before, "no callback after unregister");
    actr_node_unregister_media_track(svc, "cam");
    return check_failures;
}
