/*
 * directory.h - the hyper-wide map ActrId → node used for in-process routing.
 *
 * A node is in the directory from its registration (actr_node_register_local) until it is
 * freed, so (realm, serial) stays unique in the hyper and a message to a stopped node fails
 * with ACTR_ECLOSED rather than "no route". Lookups take a reference on the node.
 * Thread safety: a read-write lock; lookups from any thread.
 */
#ifndef ACTR_LIFECYCLE_DIRECTORY_H
#define ACTR_LIFECYCLE_DIRECTORY_H

#include "actr/types.h"

struct actr_node;
typedef struct actr_directory actr_directory_t;

int actr_directory_new(actr_directory_t **out);
void actr_directory_free(actr_directory_t *d);

/* Adds node under id (its realm and serial). Returns 0, ACTR_EEXIST or ACTR_ENOMEM. The
 * directory takes a node reference. */
int actr_directory_add(actr_directory_t *d, const actr_id_t *id, struct actr_node *node);

/* Removes the entry of id if it is node (drops the directory's reference). */
void actr_directory_remove(actr_directory_t *d, const actr_id_t *id, struct actr_node *node);

/* The node with exactly this id, with a reference the caller drops; NULL when absent. */
struct actr_node *actr_directory_get(actr_directory_t *d, const actr_id_t *id);

/* A fresh serial in realm not used in this directory (for serial 0 registrations). */
uint64_t actr_directory_fresh_serial(actr_directory_t *d, uint32_t realm);

/* Some RUNNING node of this type (the lowest id); 0 with *out filled, or ACTR_ENOTFOUND. */
int actr_directory_find_type(actr_directory_t *d, const actr_type_t *type, actr_id_t *out);

#endif /* ACTR_LIFECYCLE_DIRECTORY_H */
