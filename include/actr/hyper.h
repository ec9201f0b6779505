/*
 * hyper.h - the runtime of one process (or one embedding): data directory, instance UID, trust
 * and crypto providers, ONE I/O thread running a libuv loop, and a pool of worker threads that
 * run actor turns (docs/RUNTIME.md §1). Nodes (node.h) are created inside a hyper.
 *
 *   actr_hyper_options_t opts;
 *   actr_hyper_options_init(&opts);
 *   opts.data_dir = "/var/lib/actr";
 *   actr_hyper_t *hyper;
 *   if (actr_hyper_new(&opts, &hyper, &err) != 0) ...
 *   ... nodes ...
 *   actr_hyper_free(hyper);
 *
 * Threading: every function may be called from any thread, except actr_hyper_free(), which must
 * not run on one of the hyper's own threads (a workload entry or a completion callback).
 */
#ifndef ACTR_HYPER_H
#define ACTR_HYPER_H

#include "actr/common.h"
#include "actr/crypto.h"
#include "actr/error.h"
#include "actr/package.h"
#include "actr/storage.h"

ACTR_BEGIN_DECLS

typedef struct actr_hyper actr_hyper_t;

typedef struct actr_hyper_options {
    /* Where the instance UID (and, later, per-actor storage) lives; created (0700) if missing.
     * NULL: an ephemeral hyper, no files, a fresh instance UID per hyper (tests, embedding). */
    const char *data_dir;
    /* Worker threads running actor turns; 0: the number of online CPUs. Blocking calls inside
     * handlers add spare workers (up to max_workers) so the pool never starves. */
    uint32_t workers;
    uint32_t max_workers;     /* 256 */
    uint32_t batch;           /* messages of one actor per turn before it is requeued: 32 */
    uint32_t inbox_capacity;  /* in-process messages queued per actor: 1024 */
    uint32_t hook_queue_capacity; /* undelivered hook events per actor: 1024 (newest dropped) */
    uint32_t loop_queue_capacity; /* commands queued for the I/O thread: 4096 (power of two) */
    /* How long an idle worker, or a caller waiting for an answer, spins before it sleeps.
     * Spinning trades CPU for latency (like Erlang's scheduler busy wait). 0 disables. */
    uint32_t spin_us;         /* 50 */
    /* Borrowed providers, stored for package verification and signing (must outlive the hyper).
     * NULL crypto: the default (OpenSSL) provider. NULL trust: packages cannot be attached. */
    const actr_trust_provider_t *trust;
    const actr_crypto_provider_t *crypto;
} actr_hyper_options_t;

/* Fills the defaults above. */
ACTR_API void actr_hyper_options_init(actr_hyper_options_t *opts);

/*
 * Creates a hyper: loads (or creates) the instance UID, starts the I/O thread and the workers.
 * opts NULL: the defaults. Returns 0, ACTR_EINVAL (an option out of range: err says which),
 * ACTR_EIO/ACTR_EPERM (data dir), ACTR_ENOMEM or ACTR_EINTERNAL (thread creation).
 */
ACTR_API int actr_hyper_new(const actr_hyper_options_t *opts, actr_hyper_t **out,
                            actr_error_t *err);

/*
 * Frees the hyper: nodes still alive are shut down and freed (waiting for their current
 * entries), then the workers and the I/O thread stop. NULL is ignored.
 */
ACTR_API void actr_hyper_free(actr_hyper_t *hyper);

/* The instance UID: 36 lowercase characters. */
ACTR_API const char *actr_hyper_instance_uid(const actr_hyper_t *hyper);

/* The data dir, or NULL for an ephemeral hyper. */
ACTR_API const char *actr_hyper_data_dir(const actr_hyper_t *hyper);

/* Number of worker threads currently started (spares included). */
ACTR_API uint32_t actr_hyper_worker_count(const actr_hyper_t *hyper);

ACTR_END_DECLS

#endif /* ACTR_HYPER_H */
