/* SPDX-License-Identifier: MIT */
/* bench/lib/stats: median odd/even, min/max, the bimodality hint. */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "stats.h"

#include "vrq_test.h"

#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

static int test_median(void)
{
	static const double odd[] = {5, 1, 4, 2, 3};
	static const double even[] = {10, 1, 7, 4};
	static const double one[] = {42};
	struct vb_summary s;

	CHECK(vb_stats_summary(odd, N(odd), &s) == 0);
	CHECK(s.median == 3 && s.min == 1 && s.max == 5 && s.n == 5);
	CHECK(vb_stats_summary(even, N(even), &s) == 0);
	CHECK(s.median == 5.5 && s.min == 1 && s.max == 10 && s.n == 4);
	CHECK(vb_stats_summary(one, 1, &s) == 0);
	CHECK(s.median == 42 && s.min == 42 && s.max == 42 && s.spread == 0 && !s.bimodal);
	/* the input is not reordered */
	CHECK(odd[0] == 5 && even[0] == 10);
	CHECK(vb_stats_summary(odd, 0, &s) == -EINVAL);
	{
		const double nan_in[] = {1, NAN, 3};

		CHECK(vb_stats_summary(nan_in, 3, &s) == -EINVAL);
	}
	return 0;
}

static int test_bimodal(void)
{
	/* two clusters, 10 and 20: spread 1.0, gap 9.5 of a range of 10.5 */
	static const double bi[] = {10.0, 20.5, 10.2, 20.1, 10.1, 20.0};
	/* tight: 2% spread */
	static const double tight[] = {100, 101, 99.5, 100.5, 101.5};
	/* wide but continuous: spread 0.8, largest gap 20% of the range */
	static const double wide[] = {60, 70, 80, 90, 100, 110, 120, 130, 140};
	/* two clusters but close together: gap is large, spread is 4% */
	static const double close[] = {100, 100.1, 104, 104.1};
	/* two values only: never called bimodal */
	static const double two[] = {1, 100};
	struct vb_summary s;

	CHECK(vb_stats_summary(bi, N(bi), &s) == 0);
	CHECK(s.bimodal);
	CHECK(fabs(s.median - 15.1) < 1e-9);
	CHECK(vb_stats_summary(tight, N(tight), &s) == 0);
	CHECK(!s.bimodal);
	CHECK(vb_stats_summary(wide, N(wide), &s) == 0);
	CHECK(!s.bimodal && s.spread > 0.25);
	CHECK(vb_stats_summary(close, N(close), &s) == 0);
	CHECK(!s.bimodal);
	CHECK(vb_stats_summary(two, N(two), &s) == 0);
	CHECK(!s.bimodal);
	/* one outlier far away is a gap > half the range too: flagged, which
	 * is the point (a disturbed repetition shows up) */
	{
		const double outlier[] = {100, 100, 101, 100, 200};

		CHECK(vb_stats_summary(outlier, N(outlier), &s) == 0);
		CHECK(s.bimodal);
	}
	return 0;
}

int main(void)
{
	test_median();
	test_bimodal();
	if (vrq_test_failures) {
		fprintf(stderr, "test_bench_stats: %d failure(s)\n", vrq_test_failures);
		return 1;
	}
	printf("test_bench_stats: ok\n");
	return 0;
}
