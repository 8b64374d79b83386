/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/progress.h - one-line progress bar on stderr, only when stderr
 * is a terminal (silent in pipes, logs and CI).  Redrawn at most 10 times a
 * second, so vb_progress_update() may be called often; call it from the
 * controlling thread, not from a measured hot loop.  One bar at a time.
 */
#ifndef VB_PROGRESS_H
#define VB_PROGRESS_H

#include <stdint.h>

/** Start a bar: "label [=====>    ]  42%  3.1 s".  @p total_units 0: no
 *  percentage, just the count.  The label is copied. */
void vb_progress_start(const char *label, uint64_t total_units);
/** @p done units so far (absolute, not an increment). */
void vb_progress_update(uint64_t done);
/** Erase the bar, leaving the cursor at the start of an empty line. */
void vb_progress_end(void);

#endif /* VB_PROGRESS_H */
