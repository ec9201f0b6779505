/*
 * netwatch.h - automatic detection of local address changes (Linux rtnetlink RTM_NEWADDR /
 * RTM_DELADDR) on the node's libuv loop, feeding the network events of network_event.h
 * ([webrtc].watch_network). The parser is separate so tests can feed it messages.
 */
#ifndef ACTR_LIFECYCLE_NETWATCH_H
#define ACTR_LIFECYCLE_NETWATCH_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct actr_netwatch actr_netwatch_t;

/* Addresses added and removed in one batch of netlink messages (loop thread). */
typedef void (*actr_netwatch_cb)(void *arg, unsigned added, unsigned removed);

/* Counts RTM_NEWADDR / RTM_DELADDR messages in buf (one datagram of netlink messages); stops at
 * NLMSG_DONE or the first malformed header. Returns the number of messages read. */
int actr_netwatch_parse(const uint8_t *buf, size_t len, unsigned *added, unsigned *removed);

/* Opens the netlink socket (IPv4 and IPv6 address groups) on loop. 0, ACTR_EIO (no netlink:
 * not Linux, or refused), ACTR_ENOMEM. */
int actr_netwatch_open(uv_loop_t *loop, actr_netwatch_cb cb, void *arg, actr_netwatch_t **out);

/* Stops watching; done(arg) runs on the loop once the socket is closed. */
void actr_netwatch_close(actr_netwatch_t *w, void (*done)(void *), void *arg);

#endif /* ACTR_LIFECYCLE_NETWATCH_H */
