/* SPDX-License-Identifier: MIT */
#include "hist.h"

#include <string.h>

void vb_hist_init(struct vb_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void vb_hist_merge(struct vb_hist *dst, const struct vb_hist *src)
{
	unsigned i;

	if (!src->count)
		return;
	for (i = 0; i < VB_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t vb_hist_quantile(const struct vb_hist *h, double q)
{
	uint64_t rank, seen = 0, lo, hi, v;
	unsigned i;

	if (!h->count)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* rank of the sample at quantile q, 1-based (nearest-rank method) */
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank == 0)
		rank = 1;
	for (i = 0; i < VB_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	if (i == VB_HIST_BUCKETS)
		return h->max;
	lo = vb_hist_lower(i);
	hi = i + 1 < VB_HIST_BUCKETS ? vb_hist_lower(i + 1) - 1 : UINT64_MAX;
	v = lo + (hi - lo) / 2;
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

double vb_hist_mean(const struct vb_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}
