/*
 * fuzz_rtc_coord.c - the WebRTC coordinator's relay handling (src/wire/webrtc/coordinator.c):
 * relays come from other actors through signaling, so any ActrRelay (role assignments for
 * unknown peers or for ourselves, offers without ids or with garbage SDP, stray answers and
 * candidates, restart requests) must be handled or ignored without crashing, leaking or
 * leaving a peer connection behind once the coordinator drops its peers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "wire/webrtc/coordinator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int swallow(void *arg, Signaling__ActrRelay *relay)
{
    (void)arg;
    (void)relay;
    return 0;
}

static void closed(void *arg)
{
    *(bool *)arg = true;
}

static void spin(uv_loop_t *loop, int turns)
{
    for (int i = 0; i < turns; i++)
        uv_run(loop, UV_RUN_NOWAIT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Signaling__ActrRelay *r = signaling__actr_relay__unpack(NULL, size, data);
    if (!r)
        return 0;
    uv_loop_t loop;
    uv_loop_init(&loop);
    static const char *const lo[] = {"127.0.0.1"};
    actr_rtc_coord_config_t cc;
    actr_rtc_coord_config_init(&cc);
    cc.self.realm.realm_id = 1;
    cc.self.serial_number = 1;
    actr_type_parse(&cc.self.type, "acme:Me:1.0.0", 13, NULL);
    cc.realm_id = 1;
    cc.local_addresses = lo;
    cc.n_local_addresses = 1;
    cc.send_relay = swallow;
    actr_rtc_coord_t *c = NULL;
    if (actr_rtc_coord_new(&loop, NULL, &cc, NULL, &c) != 0)
        __builtin_trap();
    actr_rtc_coord_on_relay(c, r);
    signaling__actr_relay__free_unpacked(r, NULL);
    spin(&loop, 5);
    bool done = false;
    actr_rtc_coord_close(c, closed, &done);
    for (int i = 0; i < 2000 && !done; i++)
        uv_run(&loop, UV_RUN_ONCE);
    if (!done)
        __builtin_trap(); /* a peer connection never finished closing */
    spin(&loop, 50);
    uv_loop_close(&loop);
    return 0;
}
