/*
 * writer.h - one writer thread per SQLite database, with group commit.
 *
 * Callers hand jobs to the writer through a bounded queue. The writer takes everything pending
 * (up to the queue's capacity), runs the jobs inside ONE transaction and commits once, so many
 * callers share one fsync. If a job fails, the round is rolled back and every job of it runs
 * again in a transaction of its own, so one bad job never fails the others.
 *
 * Jobs are either waited for (actr_sqlw_run: the job may live on the caller's stack) or
 * detached (actr_sqlw_submit: the done callback owns the job and frees it).
 *
 * Full policy: when the queue is full, a caller waits up to full_timeout_ms for room, then gets
 * ACTR_EAGAIN and the job was not queued.
 *
 * The connection belongs to the writer thread between actr_sqlw_start() and actr_sqlw_stop();
 * the owner uses it before and after, and closes it.
 */
#ifndef ACTR_MAILBOX_WRITER_H
#define ACTR_MAILBOX_WRITER_H

#include <semaphore.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/error.h"

typedef struct actr_sqlw actr_sqlw_t;
typedef struct actr_sqlw_job actr_sqlw_job_t;

/*
 * Runs on the writer thread inside an open transaction. May be called more than once for one
 * job (after a rolled-back round), so it must start from scratch each time. Returns 0 or an
 * ACTR_E* code with job->err filled.
 */
typedef int (*actr_sqlw_run_fn)(sqlite3 *db, actr_sqlw_job_t *job);

/* Runs on the writer thread once the job's transaction committed (rc 0) or failed. */
typedef void (*actr_sqlw_done_fn)(actr_sqlw_job_t *job, int rc);

struct actr_sqlw_job {
    actr_sqlw_run_fn run;
    actr_sqlw_done_fn done; /* optional for waited jobs; required (it frees) for detached ones */
    void *ctx;              /* the owner's data */
    int rc;                 /* result, set before done runs */
    actr_error_t err;       /* details of a failure */
    /* private to the writer */
    int detached;
    sem_t finished; /* waited jobs: posted once, by the writer, when the job is complete */
};

/* Starts the writer thread for db with a queue of capacity jobs (rounded up to a power of two,
 * at least 2). Returns 0, ACTR_EINVAL or ACTR_ENOMEM. */
int actr_sqlw_start(sqlite3 *db, size_t capacity, uint32_t full_timeout_ms, actr_sqlw_t **out);

/* Refuses new jobs, runs every job already queued, joins the thread and frees the writer (the
 * connection stays open). NULL is ignored. */
void actr_sqlw_stop(actr_sqlw_t *w);

/* Queues job and waits until it finished; returns job->rc (or the queueing error: ACTR_EAGAIN,
 * ACTR_ECLOSED, with job->err filled). run must be set; done is optional. */
int actr_sqlw_run(actr_sqlw_t *w, actr_sqlw_job_t *job);

/* Queues a detached job (done must free it). Returns 0, or ACTR_EAGAIN / ACTR_ECLOSED when it
 * was not queued (the caller still owns it). */
int actr_sqlw_submit(actr_sqlw_t *w, actr_sqlw_job_t *job);

/* Commits (rounds) done so far; for tests and benchmarks. */
uint64_t actr_sqlw_commits(actr_sqlw_t *w);

#endif /* ACTR_MAILBOX_WRITER_H */
