/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/clock.h - timing for vrq-bench.  The TSC (vrq_cycles()) when it
 * is invariant and calibrates cleanly against CLOCK_MONOTONIC, else
 * CLOCK_MONOTONIC itself.  Call vb_clock_init() once before any thread
 * starts timing.
 */
#ifndef VB_CLOCK_H
#define VB_CLOCK_H

#include <stdint.h>

/** Calibrate (about 50 ms).  Returns 0, or -1 if no usable clock at all. */
int vb_clock_init(void);
/** Raw ticks: TSC cycles or nanoseconds, see vb_clock_source(). */
uint64_t vb_ticks(void);
/** Convert a tick difference to nanoseconds. */
uint64_t vb_ticks_to_ns(uint64_t ticks);
/** Ticks per nanosecond (1.0 for clock_gettime). */
double vb_ticks_per_ns(void);
/** "tsc" or "clock_gettime". */
const char *vb_clock_source(void);
/** CLOCK_MONOTONIC in nanoseconds. */
uint64_t vb_mono_ns(void);

#endif /* VB_CLOCK_H */
