/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/hist: exact bucket boundaries, quantiles on known
 * distributions, monotonic quantiles, merge == adding everything, exact
 * min/max.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "hist.h"

#include "vrq_test.h"

#define CHECK_U64(a, b)                                                                      \
	do {                                                                                 \
		uint64_t a_ = (a), b_ = (b);                                                 \
		if (a_ != b_) {                                                              \
			fprintf(stderr, "%s:%d: %s = %" PRIu64 ", expected %s = %" PRIu64 "\n", \
				__FILE__, __LINE__, #a, a_, #b, b_);                          \
			vrq_test_failures++;                                                          \
			return -1;                                                           \
		}                                                                            \
	} while (0)

static int test_boundaries(void)
{
	unsigned i;

	/* below 2^SUB_BITS every value has its own bucket */
	for (i = 0; i < VB_HIST_SUB; i++) {
		CHECK_U64(vb_hist_index(i), i);
		CHECK_U64(vb_hist_lower(i), i);
	}
	/* a few hand-computed ones: 64 sub-buckets per power of two */
	CHECK_U64(vb_hist_index(64), 64);
	CHECK_U64(vb_hist_index(127), 127);
	CHECK_U64(vb_hist_index(128), 128);
	CHECK_U64(vb_hist_index(129), 128);	/* 128..129 share a bucket of width 2 */
	CHECK_U64(vb_hist_index(130), 129);
	CHECK_U64(vb_hist_lower(129), 130);
	CHECK_U64(vb_hist_index(UINT64_MAX), VB_HIST_BUCKETS - 1);
	/* every bucket: its lower bound and the value just below the next
	 * bucket's lower bound map to it; buckets are contiguous */
	for (i = 0; i + 1 < VB_HIST_BUCKETS; i++) {
		uint64_t lo = vb_hist_lower(i), next = vb_hist_lower(i + 1);

		CHECK(next > lo);
		CHECK_U64(vb_hist_index(lo), i);
		CHECK_U64(vb_hist_index(next - 1), i);
		/* relative width <= 1/64: the advertised ~1.6% precision */
		if (lo >= VB_HIST_SUB)
			CHECK((double)(next - lo) / (double)lo <= 1.0 / VB_HIST_SUB + 1e-12);
	}
	CHECK_U64(vb_hist_index(vb_hist_lower(VB_HIST_BUCKETS - 1)), VB_HIST_BUCKETS - 1);
	return 0;
}

static int near(uint64_t got, double want, double rel)
{
	return fabs((double)got - want) <= rel * want;
}

static int test_uniform(void)
{
	struct vb_hist *h = malloc(sizeof(*h));
	uint64_t v, prev = 0;
	unsigned i;

	CHECK(h);
	vb_hist_init(h);
	CHECK_U64(vb_hist_quantile(h, 0.5), 0);	/* empty */
	CHECK(vb_hist_mean(h) == 0);
	for (v = 1; v <= 100000; v++)
		vb_hist_add(h, v);
	CHECK_U64(h->count, 100000);
	CHECK_U64(h->min, 1);
	CHECK_U64(h->max, 100000);
	CHECK_U64(vb_hist_quantile(h, 0), 1);
	CHECK_U64(vb_hist_quantile(h, 1), 100000);
	CHECK(fabs(vb_hist_mean(h) - 50000.5) < 1e-6);
	if (!near(vb_hist_quantile(h, 0.5), 50000, 0.016) ||
	    !near(vb_hist_quantile(h, 0.9), 90000, 0.016) ||
	    !near(vb_hist_quantile(h, 0.99), 99000, 0.016) ||
	    !near(vb_hist_quantile(h, 0.999), 99900, 0.016)) {
		fprintf(stderr, "uniform: p50 %" PRIu64 " p90 %" PRIu64 " p99 %" PRIu64
			" p999 %" PRIu64 "\n", vb_hist_quantile(h, 0.5), vb_hist_quantile(h, 0.9),
			vb_hist_quantile(h, 0.99), vb_hist_quantile(h, 0.999));
		CHECK(0);
	}
	for (i = 0; i <= 1000; i++) {
		uint64_t q = vb_hist_quantile(h, i / 1000.0);

		CHECK(q >= prev);
		CHECK(q >= h->min && q <= h->max);
		prev = q;
	}
	free(h);
	return 0;
}

/* Exact below 64: quantiles of small values are the values themselves. */
static int test_small_exact(void)
{
	struct vb_hist *h = malloc(sizeof(*h));
	unsigned i;

	CHECK(h);
	vb_hist_init(h);
	for (i = 0; i < 10; i++)
		vb_hist_add(h, 7);
	for (i = 0; i < 90; i++)
		vb_hist_add(h, 42);
	CHECK_U64(vb_hist_quantile(h, 0.05), 7);
	CHECK_U64(vb_hist_quantile(h, 0.10), 7);
	CHECK_U64(vb_hist_quantile(h, 0.11), 42);
	CHECK_U64(vb_hist_quantile(h, 0.99), 42);
	CHECK_U64(h->min, 7);
	CHECK_U64(h->max, 42);
	free(h);
	return 0;
}

/* A long-tailed set (0.5% outliers at ~1000x) keeps its
 * tail and exact extremes. */
static int test_tail_and_merge(void)
{
	struct vb_hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct vb_hist *all = malloc(sizeof(*all)), *m = malloc(sizeof(*m));
	uint64_t x = 88172645463325252ull;
	unsigned i;

	CHECK(a && b && all && m);
	vb_hist_init(a);
	vb_hist_init(b);
	vb_hist_init(all);
	vb_hist_init(m);
	for (i = 0; i < 200000; i++) {
		uint64_t v;

		x ^= x << 13;	/* xorshift64: deterministic */
		x ^= x >> 7;
		x ^= x << 17;
		v = 500 + x % 1000;
		if (i % 200 == 199)
			v = 1000000 + x % 1000;
		vb_hist_add(i % 3 ? a : b, v);
		vb_hist_add(all, v);
	}
	vb_hist_add(b, 3);	/* an exact min and max in one side only */
	vb_hist_add(all, 3);
	vb_hist_add(a, 123456789012ull);
	vb_hist_add(all, 123456789012ull);

	vb_hist_merge(m, a);
	vb_hist_merge(m, b);
	CHECK_U64(m->count, all->count);
	CHECK_U64(m->min, 3);
	CHECK_U64(m->max, 123456789012ull);
	CHECK(m->sum == all->sum);
	for (i = 0; i < VB_HIST_BUCKETS; i++)
		CHECK_U64(m->bucket[i], all->bucket[i]);
	for (i = 0; i <= 100; i++)
		CHECK_U64(vb_hist_quantile(m, i / 100.0), vb_hist_quantile(all, i / 100.0));
	/* p99 is in the body (99.5% of samples < 1500), p99.9 in the tail */
	CHECK(vb_hist_quantile(m, 0.99) < 1600);
	CHECK(vb_hist_quantile(m, 0.999) > 990000);
	/* merging an empty histogram changes nothing */
	vb_hist_init(a);
	vb_hist_merge(m, a);
	CHECK_U64(m->min, 3);
	CHECK_U64(m->count, all->count);
	free(a);
	free(b);
	free(all);
	free(m);
	return 0;
}

int main(void)
{
	test_boundaries();
	test_uniform();
	test_small_exact();
	test_tail_and_merge();
	if (vrq_test_failures) {
		fprintf(stderr, "test_bench_hist: %d failure(s)\n", vrq_test_failures);
		return 1;
	}
	printf("test_bench_hist: ok\n");
	return 0;
}
