/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/stats.h - summary of a few repetitions of one measurement.
 *
 * Bimodality hint (so a run that flips between two states, e.g. the peers
 * landing on SMT siblings or not, is visible instead of being averaged
 * away).  With the values sorted, it is raised when all of
 *   - n >= 3 (with two values any spread would be "a gap"),
 *   - spread = (max - min) / |median| > VB_STATS_BIMODAL_SPREAD (0.25),
 *   - the largest gap between two neighbours > VB_STATS_BIMODAL_GAP (0.5)
 *     of the range (max - min),
 * hold: the values fall in two clusters separated by more than half the
 * range, and the range is large.  A median of 0 with any spread counts as
 * a large spread.
 */
#ifndef VB_STATS_H
#define VB_STATS_H

#include <stdbool.h>

#define VB_STATS_BIMODAL_SPREAD 0.25
#define VB_STATS_BIMODAL_GAP 0.5

struct vb_summary {
	double median;		/* even n: mean of the two middle values */
	double min, max;
	double spread;		/* (max - min) / |median|; 0 when max == min */
	unsigned n;
	bool bimodal;		/* see the rule above */
};

/**
 * Summarise @p v[0..n).  Returns 0, or -EINVAL (n == 0 or a NaN value:
 * @p out is then zeroed) or -ENOMEM.
 */
int vb_stats_summary(const double *v, unsigned n, struct vb_summary *out);

/** The bimodality rule alone, on values sorted ascending. */
bool vb_stats_bimodal(const double *sorted, unsigned n);

#endif /* VB_STATS_H */
