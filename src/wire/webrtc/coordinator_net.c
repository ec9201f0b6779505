/*
 * coordinator_net.c - what the coordinator does on the node's network events (runtime.md 12.7,
 * decided in src/lifecycle/network_event.c): mark ready peers as recovering when the network is
 * gone, and ICE-restart them when it is back (protocol.md 7.4: the offerer restarts, the
 * answerer asks). docs/WEBRTC-COORDINATOR.md, "Recovery".
 */
#include "wire/webrtc/coordinator_internal.h"

void actr_rtc_coord_network_lost(actr_rtc_coord_t *c)
{
    if (!c || c->closing)
        return;
    c->offline = true;
    for (rpeer_t *p = c->peers; p; p = p->next) {
        if (p->phase != P_READY)
            continue;
        p->restarting = p->restart_answered = p->restart_check = false;
        p->deadline = 0;
        if (!p->recovering) {
            p->recovering = true;
            actr_rtc_coord_emit(c, p, ACTR_RTC_COORD_PATH_LOST);
        }
    }
}

uint32_t actr_rtc_coord_network_restore(actr_rtc_coord_t *c)
{
    if (!c || c->closing)
        return 0;
    uint32_t n = 0;
    c->offline = false;
    for (rpeer_t *p = c->peers; p; p = p->next) {
        if (p->phase != P_READY || !p->pc)
            continue;
        p->recovering = true;
        actr_rtc_coord_emit(c, p, ACTR_RTC_COORD_RECOVERING);
        if (p->offerer)
            actr_rtc_coord_restart_begin(c, p);
        else
            actr_rtc_coord_request_restart(c, p, "network_changed");
        n++;
    }
    return n;
}

void actr_rtc_coord_debug_blackhole(void)
{
    actr_ice_debug_blackhole();
}
