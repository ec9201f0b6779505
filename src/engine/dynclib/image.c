/*
 * image.c - one loaded dynclib image and its guest transport (engines.md §2.1-2.5): dlopen, the
 * four symbols, the static host vtable, serial entry per image, response copy + free, and the
 * shutdown contract (non-zero => the library stays mapped for the life of the process).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "engine/abi/abi.h"
#include "engine/dynclib/dynclib_internal.h"

typedef int32_t (*init_fn)(const actr_dynclib_host_vtable_t *vt, const uint8_t *init,
                           size_t init_len);
typedef int32_t (*handle_fn)(const uint8_t *req, size_t req_len, uint8_t **resp,
                             size_t *resp_len);
typedef void (*free_response_fn)(uint8_t *ptr, size_t len);
typedef int32_t (*shutdown_fn)(void);

/*
 * One mapped image, shared by every instance that dlopen()ed the same file (dlopen returns the
 * same handle): its gate makes guest entry strictly serial per image, whoever the caller is.
 */
typedef struct image {
    void *handle;
    pthread_mutex_t gate;
    uint32_t users;  /* instances holding it, under g_images_lock */
    bool pinned;     /* a shutdown failed: never dlclose (under g_images_lock) */
    struct image *next;
} image_t;

static pthread_mutex_t g_images_lock = PTHREAD_MUTEX_INITIALIZER;
static image_t *g_images;

typedef enum { INSTANCE_ACTIVE, INSTANCE_COMPLETE, INSTANCE_FAILED } instance_state_t;

struct actr_dynclib_lib {
    image_t *image;
    char *path; /* for messages */
    init_fn init;
    handle_fn handle;
    free_response_fn free_response;
    shutdown_fn shutdown;
    instance_state_t state; /* under image->gate */
    bool started;           /* actr_init succeeded */
};

/* ---- the host vtable (a static of process lifetime, engines.md §2.2) ------------------------ */

static void host_free_buf(uint8_t *ptr, size_t len)
{
    (void)len;
    free(ptr); /* actr_abi_host_invoke's replies are malloc'ed */
}

static const actr_dynclib_host_vtable_t HOST_VTABLE = {
    .retain_context = actr_abi_token_retain,
    .release_context = actr_abi_token_release,
    .invoke = actr_abi_host_invoke,
    .free_host_buf = host_free_buf,
};

/* ---- images --------------------------------------------------------------------------------- */

/* The image entry of handle (one more user), created on first use. NULL when out of memory. */
static image_t *image_get(void *handle)
{
    pthread_mutex_lock(&g_images_lock);
    image_t *im = g_images;
    while (im && im->handle != handle)
        im = im->next;
    if (!im && (im = calloc(1, sizeof *im)) != NULL) {
        im->handle = handle;
        pthread_mutex_init(&im->gate, NULL);
        im->next = g_images;
        g_images = im;
    }
    if (im)
        im->users++;
    pthread_mutex_unlock(&g_images_lock);
    return im;
}

/* Drops one user and this instance's dlopen reference; a pinned image keeps both forever. */
static void image_put(image_t *im, const char *path)
{
    pthread_mutex_lock(&g_images_lock);
    bool pinned = im->pinned;
    bool last = --im->users == 0;
    if (last && !pinned) {
        image_t **p = &g_images;
        while (*p != im)
            p = &(*p)->next;
        *p = im->next;
    }
    pthread_mutex_unlock(&g_images_lock);
    if (pinned) {
        actr_log(ACTR_LOG_WARN, "dynclib", "dynamic library remains loaded (failed shutdown)",
                 ACTR_KV("path", path));
        return;
    }
    dlclose(im->handle);
    if (last) {
        pthread_mutex_destroy(&im->gate);
        free(im);
    }
}

/* ---- open / close --------------------------------------------------------------------------- */

int actr_dynclib_lib_open(const char *path, actr_dynclib_lib_t **out, actr_error_t *err)
{
    *out = NULL;
    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "dynclib: cannot load %s: %s", path, why ? why : "dlopen failed");
    }
    static const char *const names[] = {"actr_init", "actr_handle", "actr_free_response",
                                        "actr_shutdown"};
    void *syms[4];
    for (size_t i = 0; i < 4; i++) {
        dlerror();
        syms[i] = dlsym(h, names[i]);
        if (!syms[i]) {
            const char *why = dlerror();
            int rc = actr_error_set(err, ACTR_ENOTFOUND, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                                    "dynclib: missing symbol %s in %s%s%s", names[i], path,
                                    why ? ": " : "", why ? why : "");
            dlclose(h);
            return rc;
        }
    }
    actr_dynclib_lib_t *lib = calloc(1, sizeof *lib);
    char *p = strdup(path);
    image_t *im = (lib && p) ? image_get(h) : NULL;
    if (!im) {
        free(lib);
        free(p);
        dlclose(h);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    lib->image = im;
    lib->path = p;
    /* POSIX: function pointers from dlsym travel through void *; memcpy avoids the cast warning. */
    memcpy(&lib->init, &syms[0], sizeof lib->init);
    memcpy(&lib->handle, &syms[1], sizeof lib->handle);
    memcpy(&lib->free_response, &syms[2], sizeof lib->free_response);
    memcpy(&lib->shutdown, &syms[3], sizeof lib->shutdown);
    *out = lib;
    return 0;
}

void actr_dynclib_lib_close(actr_dynclib_lib_t *lib)
{
    if (!lib)
        return;
    image_put(lib->image, lib->path);
    free(lib->path);
    free(lib);
}

/* ---- the guest transport -------------------------------------------------------------------- */

static int lib_handle(void *self, const uint8_t *frame, size_t len, uint8_t **reply,
                      size_t *reply_len, actr_error_t *err)
{
    actr_dynclib_lib_t *lib = self;
    *reply = NULL;
    *reply_len = 0;
    pthread_mutex_lock(&lib->image->gate);
    if (lib->state != INSTANCE_ACTIVE) {
        pthread_mutex_unlock(&lib->image->gate);
        return actr_error_set(err, ACTR_ECLOSED, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "dynclib: instance already shut down");
    }
    uint8_t *resp = NULL;
    size_t resp_len = 0;
    int32_t code = lib->handle(frame, len, &resp, &resp_len);
    int rc = 0;
    if (code != 0) {
        rc = actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                            "actr_handle returned error code %d (%s)", code,
                            actr_abi_code_name(code));
    } else if (!resp && resp_len) {
        rc = actr_error_set(err, ACTR_EPROTO, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                            "guest returned malformed AbiReply: NULL buffer of %zu bytes",
                            resp_len);
    } else if (resp_len > ACTR_ABI_MAX_FRAME) {
        rc = actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                            "guest returned malformed AbiReply: %zu bytes is over the limit",
                            resp_len);
    } else if (resp_len) {
        *reply = malloc(resp_len);
        if (!*reply)
            rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
        else {
            memcpy(*reply, resp, resp_len);
            *reply_len = resp_len;
        }
    }
    if (code == 0 && resp)
        lib->free_response(resp, resp_len);
    pthread_mutex_unlock(&lib->image->gate);
    return rc;
}

static int lib_shutdown(void *self, actr_error_t *err)
{
    actr_dynclib_lib_t *lib = self;
    pthread_mutex_lock(&lib->image->gate);
    int rc = 0;
    if (lib->state == INSTANCE_ACTIVE) {
        int32_t code = lib->shutdown();
        if (code == 0) {
            lib->state = INSTANCE_COMPLETE;
        } else {
            lib->state = INSTANCE_FAILED;
            pthread_mutex_lock(&g_images_lock);
            lib->image->pinned = true;
            pthread_mutex_unlock(&g_images_lock);
            char code_text[16];
            snprintf(code_text, sizeof code_text, "%d", code);
            actr_log(ACTR_LOG_ERROR, "dynclib",
                     "actr_shutdown failed: dynamic library will remain loaded",
                     ACTR_KV("path", lib->path), ACTR_KV("code", code_text));
        }
    }
    if (lib->state == INSTANCE_FAILED)
        rc = actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                            "dynclib: actr_shutdown failed for %s; dynamic library will remain "
                            "loaded", lib->path);
    pthread_mutex_unlock(&lib->image->gate);
    return rc;
}

/* Destroy without an explicit shutdown (never started, or freed before on_stop) shuts down
 * first, as the reference's drop fallback does; then the image reference goes. */
static void lib_destroy(void *self)
{
    actr_dynclib_lib_t *lib = self;
    if (lib->started)
        lib_shutdown(lib, NULL);
    actr_dynclib_lib_close(lib);
}

static const actr_abi_guest_vtable_t DYNCLIB_GUEST = {
    .handle = lib_handle,
    .shutdown = lib_shutdown,
    .destroy = lib_destroy,
};

int actr_dynclib_lib_start(actr_dynclib_lib_t *lib, const actr_type_t *type, actr_workload_t *out,
                           actr_error_t *err)
{
    uint8_t *init;
    size_t init_len;
    int rc = actr_abi_init_payload(type, &init, &init_len);
    if (rc != 0) {
        actr_dynclib_lib_close(lib);
        return actr_error_set(err, rc, ACTR_KIND_CLIENT, 0, "dynclib: cannot encode InitPayloadV1");
    }
    pthread_mutex_lock(&lib->image->gate);
    int32_t code = lib->init(&HOST_VTABLE, init, init_len);
    pthread_mutex_unlock(&lib->image->gate);
    free(init);
    if (code != 0) {
        rc = actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                            "dynclib: actr_init returned %d (%s) for %s", code,
                            actr_abi_code_name(code), lib->path);
        actr_dynclib_lib_close(lib);
        return rc;
    }
    lib->started = true;
    rc = actr_abi_workload_new(&DYNCLIB_GUEST, lib, "dynclib", out, err);
    if (rc != 0)
        lib_destroy(lib);
    return rc;
}
