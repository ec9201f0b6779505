/*
 * mailbox.c - the mailbox: an in-memory queue (index.c), mirrored to SQLite through a
 * group-commit writer thread (writer.c, store.c) when opened from a path.
 *
 * Durable mode keeps two invariants:
 *  - a message enters the in-memory queue only after its row is committed, so nothing is
 *    dispatched that a crash could take back;
 *  - state writes (in flight / queued again) carry no state of their own: when the writer runs
 *    one it copies the message's CURRENT state from memory. Every change is followed by such a
 *    write, so the last write always stores the latest state, whatever order threads queued
 *    their writes in.
 */
#include "actr/mailbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"
#include "base/uuid.h"
#include "mailbox/index.h"
#include "mailbox/mailbox_internal.h"
#include "mailbox/msgid.h"
#include "base/sqlite_util.h"
#include "mailbox/store.h"
#include "mailbox/writer.h"

#define DEFAULT_BATCH 32
#define DEFAULT_MAX_ATTEMPTS 5
#define DEFAULT_WRITE_QUEUE 1024
#define DEFAULT_FULL_TIMEOUT_MS 5000

struct actr_mailbox {
    pthread_mutex_t lock;     /* ix, closed, mem_seq, wakeups */
    pthread_cond_t nonempty;  /* consumers blocked in dequeue_wait (monotonic clock) */
    actr_mbix_t ix;
    int closed;
    uint64_t mem_seq;         /* in-memory mode: next enqueue order */
    uint64_t wakeups;
    actr_mailbox_options_t opt;
    uint8_t *owner;           /* copy of opt.owner */

    pthread_mutex_t obs_lock; /* serialises observer calls; taken before lock, never after */
    actr_mailbox_depth_fn obs;
    void *obs_user;
    atomic_int has_obs;

    actr_mbstore_t *store;    /* NULL in memory mode */
    actr_sqlw_t *writer;
    actr_dlq_t *dlq;
};

/* ---- writer jobs ---- */

enum job_kind { JOB_INSERT, JOB_SYNC_STATE, JOB_DELETE, JOB_FLUSH };

/* A message whose state a job writes; found/status/attempts are copied when the job runs. */
struct job_row {
    actr_uuid_t id;
    int found;
    int status;
    uint32_t attempts;
};

typedef struct mb_job {
    actr_sqlw_job_t base; /* first member: the writer hands us &base */
    actr_mailbox_t *mb;
    int kind;
    actr_mbix_node_t *node; /* JOB_INSERT */
    actr_mailbox_enqueued_fn notify; /* detached JOB_INSERT (enqueue_async) */
    void *notify_arg;
    actr_uuid_t notify_id;
    size_t n;
    struct job_row rows[];  /* JOB_SYNC_STATE, JOB_DELETE */
} mb_job_t;

static void notify_depth(actr_mailbox_t *mb);

static int job_sync_state(actr_mailbox_t *mb, mb_job_t *job)
{
    pthread_mutex_lock(&mb->lock);
    for (size_t i = 0; i < job->n; i++) {
        const actr_mbix_node_t *node = actr_mbix_find(&mb->ix, &job->rows[i].id);
        job->rows[i].found = node != NULL;
        if (node) {
            job->rows[i].status = node->status;
            job->rows[i].attempts = node->attempts;
        }
    }
    pthread_mutex_unlock(&mb->lock);
    for (size_t i = 0; i < job->n; i++) {
        const struct job_row *r = &job->rows[i];
        /* Gone means acked: its delete is queued behind us. */
        int rc = r->found ? actr_mbstore_set_state(mb->store, &r->id, r->status, r->attempts,
                                                   &job->base.err)
                          : 0;
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int job_run(sqlite3 *db, actr_sqlw_job_t *base)
{
    (void)db;
    mb_job_t *job = (mb_job_t *)base;
    actr_mailbox_t *mb = job->mb;
    switch (job->kind) {
    case JOB_INSERT:
        return actr_mbstore_insert(mb->store, job->node, &base->err);
    case JOB_SYNC_STATE:
        return job_sync_state(mb, job);
    case JOB_DELETE:
        for (size_t i = 0; i < job->n; i++) {
            int rc = actr_mbstore_delete(mb->store, &job->rows[i].id, &base->err);
            if (rc != 0)
                return rc;
        }
        return 0;
    default:
        return 0;
    }
}

static void job_done(actr_sqlw_job_t *base, int rc)
{
    mb_job_t *job = (mb_job_t *)base;
    actr_mailbox_t *mb = job->mb;
    if (job->kind == JOB_INSERT && rc == 0) {
        /* Committed: now, and only now, the message may be dispatched. */
        pthread_mutex_lock(&mb->lock);
        int arc = actr_mbix_add(&mb->ix, job->node);
        if (arc == 0) {
            job->node = NULL;
            pthread_cond_signal(&mb->nonempty);
        }
        pthread_mutex_unlock(&mb->lock);
        if (arc != 0)
            base->rc = actr_error_set(&base->err, arc, ACTR_KIND_INTERNAL, 0,
                                      "message stored but not queued (it is delivered after a "
                                      "restart): %s",
                                      actr_strerror(arc));
    }
    if (base->detached) {
        if (job->notify) {
            actr_mailbox_id_t id;
            memcpy(id.bytes, job->notify_id.bytes, sizeof id.bytes);
            job->notify(job->notify_arg, base->rc, &id, base->rc ? &base->err : NULL);
            if (base->rc == 0)
                notify_depth(mb);
        } else if (base->rc != 0) {
            actr_logf(ACTR_LOG_ERROR, "mailbox", "background write failed: %s", base->err.message);
        }
        if (job->node)
            actr_mbix_node_free(job->node);
        free(job);
    }
}

static mb_job_t *job_new(actr_mailbox_t *mb, int kind, const actr_uuid_t *ids, size_t n)
{
    mb_job_t *job = calloc(1, sizeof *job + n * sizeof job->rows[0]);
    if (!job)
        return NULL;
    job->base.run = job_run;
    job->base.done = job_done;
    job->mb = mb;
    job->kind = kind;
    job->n = n;
    for (size_t i = 0; ids && i < n; i++)
        job->rows[i].id = ids[i];
    return job;
}

/* Queues a detached job; on failure the caller keeps nothing (the job is freed). */
static int job_submit(actr_mailbox_t *mb, mb_job_t *job, actr_error_t *err)
{
    int rc = actr_sqlw_submit(mb->writer, &job->base);
    if (rc != 0) {
        actr_error_set(err, rc, job->base.err.kind, 0, "%s", job->base.err.message);
        free(job);
    }
    return rc;
}

/* Runs a job and waits; copies a failure into err. */
static int job_wait(actr_mailbox_t *mb, mb_job_t *job, actr_error_t *err)
{
    int rc = actr_sqlw_run(mb->writer, &job->base);
    if (rc != 0)
        actr_error_set(err, rc, job->base.err.kind, 0, "%s", job->base.err.message);
    return rc;
}

/* ---- observer ---- */

static void notify_depth(actr_mailbox_t *mb)
{
    if (!atomic_load_explicit(&mb->has_obs, memory_order_acquire))
        return;
    pthread_mutex_lock(&mb->obs_lock);
    if (mb->obs) {
        /* Read under obs_lock: successive calls report successive true depths. */
        pthread_mutex_lock(&mb->lock);
        uint64_t queued = actr_mbix_queued(&mb->ix);
        pthread_mutex_unlock(&mb->lock);
        mb->obs(queued, mb->obs_user);
    }
    pthread_mutex_unlock(&mb->obs_lock);
}

int actr_mailbox_set_depth_observer(actr_mailbox_t *mb, actr_mailbox_depth_fn fn, void *userdata)
{
    if (!mb)
        return ACTR_EINVAL;
    pthread_mutex_lock(&mb->obs_lock);
    mb->obs = fn;
    mb->obs_user = userdata;
    atomic_store_explicit(&mb->has_obs, fn != NULL, memory_order_release);
    pthread_mutex_unlock(&mb->obs_lock);
    return 0;
}

/* ---- open / close ---- */

void actr_mailbox_options_init(actr_mailbox_options_t *opts)
{
    if (!opts)
        return;
    *opts = (actr_mailbox_options_t){
        .batch_size = DEFAULT_BATCH,
        .max_attempts = DEFAULT_MAX_ATTEMPTS,
        .write_queue_capacity = DEFAULT_WRITE_QUEUE,
        .full_timeout_ms = DEFAULT_FULL_TIMEOUT_MS,
        .sync = ACTR_MAILBOX_SYNC_FULL,
    };
}

static void apply_defaults(actr_mailbox_options_t *o)
{
    if (o->batch_size == 0)
        o->batch_size = DEFAULT_BATCH;
    if (o->max_attempts == 0)
        o->max_attempts = DEFAULT_MAX_ATTEMPTS;
    if (o->write_queue_capacity == 0)
        o->write_queue_capacity = DEFAULT_WRITE_QUEUE;
    if (o->full_timeout_ms == 0)
        o->full_timeout_ms = DEFAULT_FULL_TIMEOUT_MS;
}

static int init_locks(actr_mailbox_t *mb)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return ACTR_ENOMEM;
    /* Dequeue timeouts measure the monotonic clock. */
    int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&mb->nonempty, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return ACTR_ENOMEM;
    pthread_mutex_init(&mb->lock, NULL);
    pthread_mutex_init(&mb->obs_lock, NULL);
    return 0;
}

static void mailbox_free(actr_mailbox_t *mb)
{
    actr_sqlw_stop(mb->writer); /* commits what is still queued */
    actr_mbstore_close(mb->store);
    actr_dlq_close(mb->dlq);
    actr_mbix_destroy(&mb->ix);
    pthread_cond_destroy(&mb->nonempty);
    pthread_mutex_destroy(&mb->lock);
    pthread_mutex_destroy(&mb->obs_lock);
    free(mb->owner);
    free(mb);
}

/* Store, DLQ, recovery, queue load, then the writer thread takes the connection. */
static int open_durable(actr_mailbox_t *mb, const char *path, actr_error_t *err)
{
    int rc = actr_mbstore_open(path, mb->opt.sync == ACTR_MAILBOX_SYNC_FULL, &mb->store, err);
    if (rc != 0)
        return rc;
    size_t cap = strlen(path) + 5;
    char *dlq_path = malloc(cap);
    if (!dlq_path)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    actr_dlq_path_for_mailbox(path, dlq_path, cap);
    rc = actr_dlq_open(dlq_path, &mb->dlq, err);
    free(dlq_path);
    if (rc != 0)
        return rc;
    actr_mbstore_recovery_t rec;
    rc = actr_mbstore_recover(mb->store, mb->dlq, mb->opt.max_attempts, mb->owner,
                              mb->opt.owner_len, &rec, err);
    if (rc == 0)
        rc = actr_mbstore_load(mb->store, &mb->ix, err);
    if (rc != 0)
        return rc;
    rc = actr_sqlw_start(mb->store->db, mb->opt.write_queue_capacity, mb->opt.full_timeout_ms,
                         &mb->writer);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "cannot start the mailbox writer");
    return 0;
}

int actr_mailbox_open(const char *path, const actr_mailbox_options_t *opts, actr_mailbox_t **out,
                      actr_error_t *err)
{
    if (out)
        *out = NULL;
    if (!out || (path && !*path))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "mailbox open: no output or empty path");
    actr_mailbox_t *mb = calloc(1, sizeof *mb);
    if (!mb)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    actr_mailbox_options_init(&mb->opt);
    if (opts)
        mb->opt = *opts;
    apply_defaults(&mb->opt);
    int rc = init_locks(mb);
    if (rc != 0) {
        free(mb);
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    mb->mem_seq = 1;
    if (mb->opt.owner && mb->opt.owner_len > 0) {
        if (!(mb->owner = malloc(mb->opt.owner_len)))
            rc = ACTR_ENOMEM;
        else
            memcpy(mb->owner, mb->opt.owner, mb->opt.owner_len);
    }
    mb->opt.owner = mb->owner;
    if (rc == 0)
        rc = actr_mbix_init(&mb->ix);
    if (rc != 0)
        actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    else if (actr_sql_is_memory(path))
        rc = actr_dlq_open(NULL, &mb->dlq, err);
    else
        rc = open_durable(mb, path, err);
    if (rc != 0) {
        mailbox_free(mb);
        return rc;
    }
    *out = mb;
    return 0;
}

void actr_mailbox_shutdown(actr_mailbox_t *mb)
{
    if (!mb)
        return;
    pthread_mutex_lock(&mb->lock);
    mb->closed = 1;
    pthread_cond_broadcast(&mb->nonempty);
    pthread_mutex_unlock(&mb->lock);
}

void actr_mailbox_close(actr_mailbox_t *mb)
{
    if (!mb)
        return;
    actr_mailbox_shutdown(mb);
    mailbox_free(mb);
}

int actr_mailbox_is_durable(const actr_mailbox_t *mb)
{
    return mb && mb->store != NULL;
}

actr_dlq_t *actr_mailbox_dlq(actr_mailbox_t *mb)
{
    return mb ? mb->dlq : NULL;
}

/* ---- enqueue ---- */

static int check_enqueue(const actr_mailbox_t *mb, const void *from, size_t from_len,
                         const actr_buf_t *payload, actr_msg_priority_t priority,
                         actr_error_t *err)
{
    if (!mb || !payload || (!from && from_len > 0) ||
        (priority != ACTR_MSG_NORMAL && priority != ACTR_MSG_HIGH))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "mailbox enqueue: invalid argument");
    if (payload->len > ACTR_MAILBOX_MAX_PAYLOAD || from_len > ACTR_MAILBOX_MAX_PAYLOAD)
        return actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_CLIENT, 0,
                              "mailbox enqueue: %zu-byte payload exceeds %zu bytes", payload->len,
                              ACTR_MAILBOX_MAX_PAYLOAD);
    return 0;
}

static int new_node(const void *from, size_t from_len, const actr_buf_t *payload,
                    actr_msg_priority_t priority, actr_mbix_node_t **out, actr_error_t *err)
{
    actr_uuid_t id;
    actr_buf_t from_buf;
    int rc = actr_msgid_new(&id);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "mailbox enqueue: no randomness");
    if ((rc = actr_buf_copy(from, from_len, &from_buf)) != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    *out = actr_mbix_node_new(&id, from_buf, actr_buf_ref(payload), priority,
                              actr_clock_wall_ms());
    if (!*out) {
        actr_buf_release(&from_buf);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    return 0;
}

static int enqueue_memory(actr_mailbox_t *mb, actr_mbix_node_t *node, actr_error_t *err)
{
    pthread_mutex_lock(&mb->lock);
    int rc = ACTR_ECLOSED;
    if (!mb->closed) {
        node->seq = mb->mem_seq++;
        if ((rc = actr_mbix_add(&mb->ix, node)) == 0)
            pthread_cond_signal(&mb->nonempty);
    }
    pthread_mutex_unlock(&mb->lock);
    if (rc != 0)
        actr_error_set(err, rc, ACTR_KIND_TRANSIENT, 0, "mailbox enqueue: %s", actr_strerror(rc));
    return rc;
}

static int enqueue_durable(actr_mailbox_t *mb, actr_mbix_node_t **node, actr_error_t *err)
{
    pthread_mutex_lock(&mb->lock);
    int closed = mb->closed;
    pthread_mutex_unlock(&mb->lock);
    if (closed)
        return actr_error_set(err, ACTR_ECLOSED, ACTR_KIND_TRANSIENT, 0, "mailbox is shut down");
    mb_job_t job = {.base = {.run = job_run, .done = job_done}, .mb = mb, .kind = JOB_INSERT,
                    .node = *node};
    int rc = job_wait(mb, &job, err);
    *node = job.node; /* NULL once the queue owns it */
    return rc;
}

int actr_mailbox_enqueue(actr_mailbox_t *mb, const void *from, size_t from_len,
                         const actr_buf_t *payload, actr_msg_priority_t priority,
                         actr_mailbox_id_t *id_out, actr_error_t *err)
{
    int rc = check_enqueue(mb, from, from_len, payload, priority, err);
    actr_mbix_node_t *node = NULL;
    if (rc == 0)
        rc = new_node(from, from_len, payload, priority, &node, err);
    if (rc != 0)
        return rc;
    actr_uuid_t id = node->id;
    if (mb->store) {
        rc = enqueue_durable(mb, &node, err);
        actr_mbix_node_free(node);
    } else if ((rc = enqueue_memory(mb, node, err)) != 0) {
        actr_mbix_node_free(node);
    }
    if (rc != 0)
        return rc;
    if (id_out)
        memcpy(id_out->bytes, id.bytes, sizeof id_out->bytes);
    notify_depth(mb);
    return 0;
}

int actr_mailbox_enqueue_async(actr_mailbox_t *mb, const void *from, size_t from_len,
                               const actr_buf_t *payload, actr_msg_priority_t priority,
                               actr_mailbox_enqueued_fn done, void *arg, actr_error_t *err)
{
    if (!done)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no completion callback");
    int rc = check_enqueue(mb, from, from_len, payload, priority, err);
    actr_mbix_node_t *node = NULL;
    if (rc == 0)
        rc = new_node(from, from_len, payload, priority, &node, err);
    if (rc != 0)
        return rc;
    actr_mailbox_id_t id;
    memcpy(id.bytes, node->id.bytes, sizeof id.bytes);
    if (!mb->store) {
        /* Memory mode has nothing to wait for: queued now, reported now. */
        if ((rc = enqueue_memory(mb, node, err)) != 0) {
            actr_mbix_node_free(node);
            return rc;
        }
        done(arg, 0, &id, NULL);
        notify_depth(mb);
        return 0;
    }
    mb_job_t *job = calloc(1, sizeof *job);
    if (!job) {
        actr_mbix_node_free(node);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    job->base.run = job_run;
    job->base.done = job_done;
    job->mb = mb;
    job->kind = JOB_INSERT;
    job->node = node;
    job->notify = done;
    job->notify_arg = arg;
    job->notify_id = node->id;
    pthread_mutex_lock(&mb->lock);
    int closed = mb->closed;
    pthread_mutex_unlock(&mb->lock);
    rc = closed ? ACTR_ECLOSED : actr_sqlw_submit(mb->writer, &job->base);
    if (rc != 0) {
        actr_mbix_node_free(node);
        free(job);
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, 0, "%s",
                              rc == ACTR_EAGAIN ? "mailbox write queue is full"
                                                : "mailbox is shut down");
    }
    return 0;
}

/* ---- dequeue ---- */

static void fill_msg(actr_mailbox_msg_t *m, const actr_mbix_node_t *node)
{
    memcpy(m->id.bytes, node->id.bytes, sizeof m->id.bytes);
    m->from = actr_buf_ref(&node->from);
    m->payload = actr_buf_ref(&node->payload);
    m->priority = node->priority ? ACTR_MSG_HIGH : ACTR_MSG_NORMAL;
    m->attempts = node->attempts;
    m->created_at_ms = node->created_ms;
}

/* Waits (lock held) until something is queued, shutdown, or the deadline. */
static int wait_nonempty(actr_mailbox_t *mb, int64_t timeout_ms)
{
    if (timeout_ms > 1000LL * 86400 * 365 * 100)
        timeout_ms = -1; /* a century is forever, and avoids overflow below */
    struct timespec deadline;
    if (timeout_ms > 0)
        actr_clock_mono_deadline((uint64_t)timeout_ms * 1000000ULL, &deadline);
    while (!mb->closed && actr_mbix_queued(&mb->ix) == 0) {
        if (timeout_ms == 0)
            return ACTR_ETIMEDOUT;
        int wrc = timeout_ms > 0 ? pthread_cond_timedwait(&mb->nonempty, &mb->lock, &deadline)
                                 : pthread_cond_wait(&mb->nonempty, &mb->lock);
        mb->wakeups++;
        if (wrc == ETIMEDOUT && !mb->closed && actr_mbix_queued(&mb->ix) == 0)
            return ACTR_ETIMEDOUT;
    }
    return mb->closed ? ACTR_ECLOSED : 0;
}

/* Marks the taken messages in flight in the file before anyone sees them: a message that
 * crashes the process has its delivery counted. On failure they go back to the queue. */
static int persist_take(actr_mailbox_t *mb, actr_mailbox_msg_t *out, size_t n, actr_error_t *err)
{
    mb_job_t *job = job_new(mb, JOB_SYNC_STATE, NULL, n);
    if (!job) {
        actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
        actr_mailbox_msgs_release(out, n);
        return ACTR_ENOMEM; /* the messages stay in flight; the next open requeues them */
    }
    for (size_t i = 0; i < n; i++)
        memcpy(job->rows[i].id.bytes, out[i].id.bytes, sizeof job->rows[i].id.bytes);
    int rc = job_wait(mb, job, err);
    if (rc != 0) {
        pthread_mutex_lock(&mb->lock);
        for (size_t i = 0; i < n; i++) {
            actr_mbix_node_t *node = actr_mbix_find(&mb->ix, &job->rows[i].id);
            if (node)
                actr_mbix_untake(&mb->ix, node);
        }
        pthread_cond_broadcast(&mb->nonempty);
        pthread_mutex_unlock(&mb->lock);
        actr_mailbox_msgs_release(out, n);
    }
    free(job);
    return rc;
}

static int dequeue(actr_mailbox_t *mb, actr_mailbox_msg_t *out, size_t cap, size_t *count,
                   int64_t timeout_ms, actr_error_t *err)
{
    if (count)
        *count = 0;
    if (!mb || !out || !count || cap == 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "mailbox dequeue: invalid argument");
    size_t max = cap < mb->opt.batch_size ? cap : mb->opt.batch_size;
    pthread_mutex_lock(&mb->lock);
    int rc = wait_nonempty(mb, timeout_ms);
    size_t n = 0;
    actr_mbix_node_t *node;
    while (rc == 0 && n < max && actr_mbix_take(&mb->ix, &node, 1) == 1)
        fill_msg(&out[n++], node);
    pthread_mutex_unlock(&mb->lock);
    if (rc == ACTR_ECLOSED)
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, 0, "mailbox is shut down");
    if (rc == ACTR_ETIMEDOUT)
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, 0, "no message within %lld ms",
                              (long long)timeout_ms);
    if (n > 0 && mb->store && (rc = persist_take(mb, out, n, err)) != 0)
        return rc;
    *count = n;
    if (n > 0)
        notify_depth(mb);
    return 0;
}

int actr_mailbox_dequeue(actr_mailbox_t *mb, actr_mailbox_msg_t *out, size_t cap, size_t *count,
                         actr_error_t *err)
{
    int rc = dequeue(mb, out, cap, count, 0, err);
    if (rc == ACTR_ETIMEDOUT) {
        actr_error_clear(err);
        return 0; /* non-blocking: an empty queue is not an error */
    }
    return rc;
}

int actr_mailbox_dequeue_wait(actr_mailbox_t *mb, actr_mailbox_msg_t *out, size_t cap,
                              size_t *count, int64_t timeout_ms, actr_error_t *err)
{
    return dequeue(mb, out, cap, count, timeout_ms, err);
}

void actr_mailbox_msgs_release(actr_mailbox_msg_t *msgs, size_t n)
{
    for (size_t i = 0; msgs && i < n; i++) {
        actr_buf_release(&msgs[i].from);
        actr_buf_release(&msgs[i].payload);
    }
}

/* ---- ack / release / flush ---- */

/* The public id and the internal UUID are both 16 bytes: copy rather than alias. */
static actr_uuid_t *copy_ids(const actr_mailbox_id_t *ids, size_t n, actr_error_t *err)
{
    actr_uuid_t *u = malloc(n * sizeof *u);
    if (!u) {
        actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(u[i].bytes, ids[i].bytes, sizeof u[i].bytes);
    return u;
}

/* Checks that every id is in flight; the first failure is returned (and put in err). */
static int check_inflight(actr_mailbox_t *mb, const actr_uuid_t *ids, size_t n, const char *op,
                          actr_error_t *err)
{
    int first = 0;
    pthread_mutex_lock(&mb->lock);
    for (size_t i = 0; i < n && first == 0; i++) {
        const actr_mbix_node_t *node = actr_mbix_find(&mb->ix, &ids[i]);
        if (!node || node->status != ACTR_MBIX_INFLIGHT) {
            char text[ACTR_UUID_STR_LEN + 1];
            actr_uuid_format(&ids[i], text);
            first = node ? ACTR_ESTATE : ACTR_ENOTFOUND;
            actr_error_set(err, first, ACTR_KIND_CLIENT, 0, "mailbox %s %s: %s", op, text,
                           node ? "not in flight" : "no such message");
        }
    }
    pthread_mutex_unlock(&mb->lock);
    return first;
}

int actr_mailbox_ack(actr_mailbox_t *mb, const actr_mailbox_id_t *ids, size_t n,
                     actr_error_t *err)
{
    if (!mb || (!ids && n > 0))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "mailbox ack: invalid argument");
    if (n == 0)
        return 0;
    actr_uuid_t *uids = copy_ids(ids, n, err);
    if (!uids)
        return ACTR_ENOMEM;
    int first = check_inflight(mb, uids, n, "ack", err);
    int rc = 0;
    if (mb->store) {
        /* Queue the deletes first: if the queue stays full, nothing changed and the caller may
         * retry. They commit with the next group; a crash before that redelivers. */
        mb_job_t *job = job_new(mb, JOB_DELETE, uids, n);
        rc = job ? job_submit(mb, job, err)
                 : actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    if (rc == 0) {
        pthread_mutex_lock(&mb->lock);
        for (size_t i = 0; i < n; i++)
            actr_mbix_ack(&mb->ix, &uids[i]); /* bad ids were reported by check_inflight */
        pthread_mutex_unlock(&mb->lock);
    }
    free(uids);
    return rc != 0 ? rc : first;
}

int actr_mailbox_release(actr_mailbox_t *mb, const actr_mailbox_id_t *ids, size_t n,
                         actr_error_t *err)
{
    if (!mb || (!ids && n > 0))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "mailbox release: invalid argument");
    if (n == 0)
        return 0;
    actr_uuid_t *uids = copy_ids(ids, n, err);
    if (!uids)
        return ACTR_ENOMEM;
    int first = check_inflight(mb, uids, n, "release", err);
    mb_job_t *job = mb->store ? job_new(mb, JOB_SYNC_STATE, uids, n) : NULL;
    if (mb->store && !job) {
        free(uids);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    pthread_mutex_lock(&mb->lock);
    for (size_t i = 0; i < n; i++) {
        actr_mbix_node_t *node = actr_mbix_find(&mb->ix, &uids[i]);
        if (node)
            actr_mbix_untake(&mb->ix, node);
    }
    pthread_cond_broadcast(&mb->nonempty);
    pthread_mutex_unlock(&mb->lock);
    free(uids);
    /* The write copies the state it finds, so it must be queued after the change. If it cannot
     * be queued, the file still says in flight: a crash would redeliver with one extra count. */
    int rc = job ? job_submit(mb, job, err) : 0;
    notify_depth(mb);
    return rc != 0 ? rc : first;
}

int actr_mailbox_flush(actr_mailbox_t *mb, actr_error_t *err)
{
    if (!mb)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "mailbox flush: no mailbox");
    if (!mb->store)
        return 0;
    mb_job_t job = {.base = {.run = job_run, .done = job_done}, .mb = mb, .kind = JOB_FLUSH};
    return job_wait(mb, &job, err);
}

/* ---- stats, ids, counters ---- */

int actr_mailbox_stats(actr_mailbox_t *mb, actr_mailbox_stats_t *out)
{
    if (!mb || !out)
        return ACTR_EINVAL;
    pthread_mutex_lock(&mb->lock);
    out->queued_high = mb->ix.queued[ACTR_MSG_HIGH];
    out->queued_normal = mb->ix.queued[ACTR_MSG_NORMAL];
    out->queued = out->queued_high + out->queued_normal;
    out->inflight = mb->ix.inflight;
    pthread_mutex_unlock(&mb->lock);
    return 0;
}

void actr_mailbox_id_format(const actr_mailbox_id_t *id, char out[ACTR_MAILBOX_ID_STR_LEN + 1])
{
    actr_uuid_t u;
    memcpy(u.bytes, id->bytes, sizeof u.bytes);
    actr_uuid_format(&u, out);
}

int actr_mailbox_id_parse(const char *text, size_t len, actr_mailbox_id_t *out)
{
    actr_uuid_t u;
    if (!out)
        return ACTR_EINVAL;
    int rc = actr_uuid_parse(text, len, &u);
    if (rc == 0)
        memcpy(out->bytes, u.bytes, sizeof out->bytes);
    return rc;
}

uint64_t actr_mailbox_wakeups(actr_mailbox_t *mb)
{
    pthread_mutex_lock(&mb->lock);
    uint64_t n = mb->wakeups;
    pthread_mutex_unlock(&mb->lock);
    return n;
}

uint64_t actr_mailbox_commits(actr_mailbox_t *mb)
{
    return mb->writer ? actr_sqlw_commits(mb->writer) : 0;
}
