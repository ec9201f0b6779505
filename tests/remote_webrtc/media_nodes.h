/* media_nodes.h - the media step of rtc_nodes (media_nodes.c). */
#ifndef MEDIA_NODES_H
#define MEDIA_NODES_H

#include "actr/node.h"

/* Media tracks both ways between two nodes with a WebRTC route; returns the failed checks. */
int media_nodes_run(actr_node_t *cli, actr_node_t *svc, int wait_ms);

#endif /* MEDIA_NODES_H */
