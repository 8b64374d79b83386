/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/hist.h - log-bucketed latency histogram (HdrHistogram-like):
 * fixed size, no allocation per sample, ~1.6% relative precision.
 *
 * A value v (any unit; vrq-bench records nanoseconds) falls into bucket
 *   v < 2^VB_HIST_SUB_BITS            : bucket v (exact)
 *   otherwise, with e = floor(log2 v) : group (e - SUB_BITS + 1), sub-bucket
 *                                        the SUB_BITS bits below the top bit
 * so each power of two is split into 2^SUB_BITS linear sub-buckets.
 */
#ifndef VB_HIST_H
#define VB_HIST_H

#include <stdint.h>

#define VB_HIST_SUB_BITS 6u			/* 64 sub-buckets per power of two */
#define VB_HIST_SUB (1u << VB_HIST_SUB_BITS)
#define VB_HIST_GROUPS (64u - VB_HIST_SUB_BITS + 1u)
#define VB_HIST_BUCKETS (VB_HIST_GROUPS * VB_HIST_SUB)

struct vb_hist {
	uint64_t count;
	uint64_t min, max;
	double sum;
	uint64_t bucket[VB_HIST_BUCKETS];
};

static inline unsigned vb_hist_index(uint64_t v)
{
	unsigned e, g;

	if (v < VB_HIST_SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);	/* >= SUB_BITS */
	g = e - VB_HIST_SUB_BITS + 1u;
	return g * VB_HIST_SUB + (unsigned)((v >> (e - VB_HIST_SUB_BITS)) & (VB_HIST_SUB - 1u));
}

/** Smallest value that maps to bucket @p i. */
static inline uint64_t vb_hist_lower(unsigned i)
{
	unsigned g = i / VB_HIST_SUB, s = i % VB_HIST_SUB;

	if (g == 0)
		return s;
	return (uint64_t)(VB_HIST_SUB + s) << (g - 1u);
}

/** Record one value: a few instructions, no allocation. */
static inline void vb_hist_add(struct vb_hist *h, uint64_t v)
{
	h->bucket[vb_hist_index(v)]++;
	h->count++;
	h->sum += (double)v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void vb_hist_init(struct vb_hist *h);
void vb_hist_merge(struct vb_hist *dst, const struct vb_hist *src);
/** Value at quantile @p q in [0,1] (bucket midpoint, clamped to [min,max]);
 *  0 when empty.  Monotonic in q. */
uint64_t vb_hist_quantile(const struct vb_hist *h, double q);
double vb_hist_mean(const struct vb_hist *h);

#endif /* VB_HIST_H */
