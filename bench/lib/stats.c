/* SPDX-License-Identifier: MIT */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int vb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double vb_spread(const double *sorted, unsigned n)
{
	double range = sorted[n - 1] - sorted[0];
	double med = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;

	if (range <= 0)
		return 0;
	if (med == 0)
		return INFINITY;
	return range / fabs(med);
}

bool vb_stats_bimodal(const double *sorted, unsigned n)
{
	double range, gap = 0;
	unsigned i;

	if (n < 3)
		return false;
	range = sorted[n - 1] - sorted[0];
	if (!(vb_spread(sorted, n) > VB_STATS_BIMODAL_SPREAD))
		return false;
	for (i = 1; i < n; i++)
		gap = fmax(gap, sorted[i] - sorted[i - 1]);
	return gap > VB_STATS_BIMODAL_GAP * range;
}

int vb_stats_summary(const double *v, unsigned n, struct vb_summary *out)
{
	double *s;
	unsigned i;

	memset(out, 0, sizeof(*out));
	if (!n)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (isnan(v[i]))
			return -EINVAL;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), vb_cmp_double);

	out->n = n;
	out->min = s[0];
	out->max = s[n - 1];
	out->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	out->spread = vb_spread(s, n);
	out->bimodal = vb_stats_bimodal(s, n);
	free(s);
	return 0;
}
