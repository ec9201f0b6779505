/*
 * health.c - GET /health, /ais/health and /signaling/health: small JSON documents for load
 * balancers and probes. 200 while the process serves; "stopping" once shutdown has begun, so a
 * balancer can drain before the port goes away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "base/clock.h"
#include "net/server.h"

#define ACTRD_VERSION "0.1.0"

int actrd_health_body(const actrd_server_t *srv, const char *path, char **body, size_t *len)
{
    const char *status = srv->stopping ? "stopping" : "ok";
    int64_t now = actr_clock_wall_s();
    long long uptime = now > srv->metrics.start_wall_s ? now - srv->metrics.start_wall_s : 0;
    char buf[512];
    int n;
    if (!strcmp(path, "/signaling/health")) {
        actrd_sig_stats_t s;
        memset(&s, 0, sizeof s);
        if (srv->sig)
            actrd_sig_stats(srv->sig, &s);
        n = snprintf(buf, sizeof buf,
                     "{\"status\":\"%s\",\"service\":\"signaling\",\"connections\":%llu,"
                     "\"actors\":%llu}\n",
                     status, (unsigned long long)srv->metrics.ws_open,
                     (unsigned long long)s.actors);
    } else if (!strcmp(path, "/ais/health")) {
        n = snprintf(buf, sizeof buf, "{\"status\":\"%s\",\"service\":\"ais\"}\n", status);
    } else {
        n = snprintf(buf, sizeof buf,
                     "{\"status\":\"%s\",\"service\":\"actrd\",\"version\":\"%s\","
                     "\"uptime_secs\":%lld,\"port\":%d}\n",
                     status, ACTRD_VERSION, uptime, srv->port);
    }
    if (n < 0 || (size_t)n >= sizeof buf)
        return ACTR_EINTERNAL;
    *body = strdup(buf);
    if (!*body)
        return ACTR_ENOMEM;
    *len = (size_t)n;
    return 0;
}
