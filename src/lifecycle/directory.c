/* directory.c - (realm, serial) → node under a read-write lock. */
#include "lifecycle/directory.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "base/hashmap.h"
#include "lifecycle/node_internal.h"

struct actr_directory {
    pthread_rwlock_t lock;
    actr_hmap_t *map; /* 12-byte key: realm (4) + serial (8) */
    uint64_t next_serial;
};

static void make_key(const actr_id_t *id, uint8_t key[12])
{
    memcpy(key, &id->realm.realm_id, 4);
    memcpy(key + 4, &id->serial_number, 8);
}

int actr_directory_new(actr_directory_t **out)
{
    actr_directory_t *d = calloc(1, sizeof *d);
    if (!d)
        return ACTR_ENOMEM;
    int rc = actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &d->map);
    if (rc != 0) {
        free(d);
        return rc;
    }
    pthread_rwlock_init(&d->lock, NULL);
    d->next_serial = 1;
    *out = d;
    return 0;
}

void actr_directory_free(actr_directory_t *d)
{
    if (!d)
        return;
    actr_hmap_free(d->map, NULL);
    pthread_rwlock_destroy(&d->lock);
    free(d);
}

int actr_directory_add(actr_directory_t *d, const actr_id_t *id, struct actr_node *node)
{
    uint8_t key[12];
    make_key(id, key);
    pthread_rwlock_wrlock(&d->lock);
    int rc = actr_hmap_insert(d->map, key, sizeof key, node);
    if (rc == 0)
        actr_node_retain(node);
    pthread_rwlock_unlock(&d->lock);
    return rc;
}

void actr_directory_remove(actr_directory_t *d, const actr_id_t *id, struct actr_node *node)
{
    uint8_t key[12];
    make_key(id, key);
    void *v = NULL;
    pthread_rwlock_wrlock(&d->lock);
    bool ours = actr_hmap_get(d->map, key, sizeof key, &v) == 0 && v == node;
    if (ours)
        actr_hmap_remove(d->map, key, sizeof key, NULL);
    pthread_rwlock_unlock(&d->lock);
    if (ours)
        actr_node_release(node);
}

struct actr_node *actr_directory_get(actr_directory_t *d, const actr_id_t *id)
{
    uint8_t key[12];
    make_key(id, key);
    void *v = NULL;
    pthread_rwlock_rdlock(&d->lock);
    if (actr_hmap_get(d->map, key, sizeof key, &v) == 0 &&
        actr_type_equal(&((struct actr_node *)v)->id.type, &id->type))
        actr_node_retain(v);
    else
        v = NULL;
    pthread_rwlock_unlock(&d->lock);
    return v;
}

uint64_t actr_directory_fresh_serial(actr_directory_t *d, uint32_t realm)
{
    actr_id_t probe;
    memset(&probe, 0, sizeof probe);
    probe.realm.realm_id = realm;
    uint8_t key[12];
    pthread_rwlock_wrlock(&d->lock);
    uint64_t s;
    do {
        s = d->next_serial++;
        probe.serial_number = s;
        make_key(&probe, key);
    } while (s == 0 || actr_hmap_get(d->map, key, sizeof key, NULL) == 0);
    pthread_rwlock_unlock(&d->lock);
    return s;
}

int actr_directory_find_type(actr_directory_t *d, const actr_type_t *type, actr_id_t *out)
{
    int rc = ACTR_ENOTFOUND;
    pthread_rwlock_rdlock(&d->lock);
    actr_hmap_iter_t it;
    actr_hmap_entry_t e;
    for (actr_hmap_iter_init(d->map, &it); actr_hmap_iter_next(&it, &e);) {
        struct actr_node *n = e.value;
        if (!actr_node_accepting(n) || !actr_type_equal(&n->id.type, type))
            continue;
        if (rc != 0 || actr_id_compare(&n->id, out) < 0)
            *out = n->id;
        rc = 0;
    }
    pthread_rwlock_unlock(&d->lock);
    return rc;
}
