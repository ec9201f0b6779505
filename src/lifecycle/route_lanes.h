/* route_lanes.h - the lane of each outgoing method a node declared (actr_node_set_route_lanes,
 * node.h): built once before start, then only read, from any thread, by remote sends. */
#ifndef ACTR_LIFECYCLE_ROUTE_LANES_H
#define ACTR_LIFECYCLE_ROUTE_LANES_H

#include <stddef.h>
#include <stdint.h>

#include "actr/error.h"
#include "actr/node.h"

typedef struct actr_route_lanes actr_route_lanes_t;

/* A table of n declarations (n > 0), validated as the public setter documents. */
int actr_route_lanes_new(const actr_lane_decl_t *decls, size_t n, actr_route_lanes_t **out,
                         actr_error_t *err);
void actr_route_lanes_free(actr_route_lanes_t *t);
/* The declared lane of route_key; ACTR_LANE_RPC_RELIABLE when t is NULL or it is undeclared. */
actr_lane_t actr_route_lanes_get(const actr_route_lanes_t *t, const char *route_key);

#endif /* ACTR_LIFECYCLE_ROUTE_LANES_H */
