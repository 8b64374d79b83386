/* SPDX-License-Identifier: MIT */
/*
 * bench/baselines/baselines.h - the baseline descriptors, one per file,
 * collected into vb_baselines[] by baselines.c.  Users go through rr.h.
 */
#ifndef VB_BASELINES_H
#define VB_BASELINES_H

#include "rr.h"

extern const struct vb_baseline vb_floor;      /* floor.c */
extern const struct vb_baseline vb_spsc;       /* spsc.c */
extern const struct vb_baseline vb_eventfd;    /* eventfd.c */
extern const struct vb_baseline vb_futex;      /* futex.c */
extern const struct vb_baseline vb_pipe;       /* fd.c */
extern const struct vb_baseline vb_socketpair; /* fd.c */
extern const struct vb_baseline vb_tcp;	       /* fd.c */
extern const struct vb_baseline vb_wfcq;       /* wfcq.c */
extern const struct vb_baseline vb_ringtest_ring;    /* ringtest.c */
extern const struct vb_baseline vb_ringtest_split;   /* ringtest.c */
extern const struct vb_baseline vb_ringtest_inorder; /* ringtest.c */
extern const struct vb_baseline vb_ringtest_ptr;     /* ringtest.c */

#endif /* VB_BASELINES_H */
