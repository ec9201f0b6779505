/* media.h (lifecycle) - the node's media frame registry (media.c) as the remote side sees it. */
#ifndef ACTR_LIFECYCLE_MEDIA_H
#define ACTR_LIFECYCLE_MEDIA_H

#include "actr/media.h"

typedef struct actr_media_reg actr_media_reg_t;
struct actr_remote;

/* The coordinator's on_sample (ud = the actr_remote_t): routes to the registered callback. */
void actr_media_on_sample(void *ud, const actr_id_t *peer, const char *track_id,
                          const actr_media_sample_t *sample);
/* With the remote side (actr_remote_free). */
void actr_media_reg_free(struct actr_remote *r);

#endif /* ACTR_LIFECYCLE_MEDIA_H */
