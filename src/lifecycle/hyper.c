/* hyper.c - the process-level runtime: options, instance UID, I/O thread, workers, directory. */
#include "actr/hyper.h"

#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "actr/node.h"
#include "base/random.h"
#include "base/uuid.h"
#include "lifecycle/deadlines.h"
#include "lifecycle/node_internal.h"

void actr_hyper_options_init(actr_hyper_options_t *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof *opts);
    opts->workers = 0;
    opts->max_workers = 256;
    opts->batch = 32;
    opts->inbox_capacity = 1024;
    opts->hook_queue_capacity = 1024;
    opts->loop_queue_capacity = ACTR_LOOP_DEFAULT_QUEUE;
    opts->spin_us = 50;
}

static int check_options(const actr_hyper_options_t *o, actr_error_t *err)
{
    const char *bad = NULL;
    if (o->batch == 0)
        bad = "batch must be >= 1";
    else if (o->inbox_capacity == 0 || o->inbox_capacity > (1u << 30))
        bad = "inbox_capacity must be 1 .. 2^30";
    else if (o->hook_queue_capacity == 0)
        bad = "hook_queue_capacity must be >= 1";
    else if (o->loop_queue_capacity < 2 || (o->loop_queue_capacity & (o->loop_queue_capacity - 1)))
        bad = "loop_queue_capacity must be a power of two >= 2";
    else if (o->max_workers != 0 && o->workers > o->max_workers)
        bad = "workers must not exceed max_workers";
    else if (o->spin_us > 1000000)
        bad = "spin_us must be <= 1000000";
    if (bad)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "hyper options: %s", bad);
    return 0;
}

/* The instance UID: persisted under data_dir, or fresh for an ephemeral hyper. */
static int load_uid(actr_hyper_t *h, actr_error_t *err)
{
    if (h->data_dir)
        return actr_instance_uid_load(h->data_dir, h->instance_uid, err);
    actr_uuid_t u;
    int rc = actr_uuid_v4(&u);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "cannot generate the instance UID");
    actr_uuid_format(&u, h->instance_uid);
    return 0;
}

int actr_hyper_new(const actr_hyper_options_t *opts, actr_hyper_t **out, actr_error_t *err)
{
    if (!out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "out is required");
    *out = NULL;
    actr_hyper_options_t defaults;
    if (!opts) {
        actr_hyper_options_init(&defaults);
        opts = &defaults;
    }
    int rc = check_options(opts, err);
    if (rc != 0)
        return rc;
    actr_hyper_t *h = calloc(1, sizeof *h);
    if (!h)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    h->opts = *opts;
    h->opts.data_dir = NULL;
    pthread_mutex_init(&h->nodes_lock, NULL);
    pthread_mutex_init(&h->wait_lock, NULL);
    h->rid_key[0] = actr_os_random_u64();
    h->rid_key[1] = actr_os_random_u64();
    if (opts->data_dir && !(h->data_dir = strdup(opts->data_dir))) {
        rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
        goto fail;
    }
    h->opts.data_dir = h->data_dir;
    if ((rc = load_uid(h, err)) != 0)
        goto fail;
    if ((rc = actr_directory_new(&h->dir)) != 0) {
        actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
        goto fail;
    }
    if ((rc = actr_loop_new(opts->loop_queue_capacity, &h->loop)) != 0) {
        actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "cannot start the I/O thread");
        goto fail;
    }
    if ((rc = actr_deadlines_new(h->loop, &h->deadlines)) != 0) {
        actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "cannot create the call deadline timer");
        goto fail;
    }
    actr_workers_options_t wo = {.threads = opts->workers,
                                 .max_threads = opts->max_workers,
                                 .batch = opts->batch,
                                 .spin_us = opts->spin_us};
    if ((rc = actr_workers_new(&wo, &h->workers)) != 0) {
        actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "cannot start the worker threads");
        goto fail;
    }
    *out = h;
    return 0;
fail:
    actr_hyper_free(h);
    return rc;
}

void actr_hyper_free(actr_hyper_t *hyper)
{
    if (!hyper)
        return;
    pthread_mutex_lock(&hyper->nodes_lock);
    hyper->freeing = true;
    pthread_mutex_unlock(&hyper->nodes_lock);
    /* Stop and free the nodes the application left (each unlinks itself from the list). */
    for (;;) {
        pthread_mutex_lock(&hyper->nodes_lock);
        actr_node_t *n = hyper->nodes;
        pthread_mutex_unlock(&hyper->nodes_lock);
        if (!n)
            break;
        actr_node_free(n);
    }
    actr_workers_free(hyper->workers);
    /* After the workers (no call is armed any more); before the loop, which closes its handles. */
    actr_deadlines_free(hyper->deadlines);
    if (actr_loop_free(hyper->loop) != 0)
        actr_log(ACTR_LOG_ERROR, "runtime", "the I/O loop did not close cleanly");
    actr_directory_free(hyper->dir);
    pthread_mutex_destroy(&hyper->nodes_lock);
    pthread_mutex_destroy(&hyper->wait_lock);
    free(hyper->data_dir);
    free(hyper);
}

const char *actr_hyper_instance_uid(const actr_hyper_t *hyper)
{
    return hyper ? hyper->instance_uid : NULL;
}

const char *actr_hyper_data_dir(const actr_hyper_t *hyper)
{
    return hyper ? hyper->data_dir : NULL;
}

uint32_t actr_hyper_worker_count(const actr_hyper_t *hyper)
{
    return hyper && hyper->workers ? actr_workers_count(hyper->workers) : 0;
}
