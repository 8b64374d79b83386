/* SPDX-License-Identifier: MIT */
/*
 * tests/bench/baselines/test_baselines.c - every baseline of vrq-bench in
 * every mode it supports, through the run contract (bench/lib/rr.h):
 *
 *  - rr with req=resp=64 and req=1/resp=4096, stream with batch 1 and 32:
 *    exactly max_trans transactions, one histogram sample each, sane
 *    quantiles, time and CPU accounted, signalling counted (>= 2 per round
 *    trip for the blocking mechanisms, none for the polling ones).  The
 *    mechanisms check the payload pattern themselves and fail the run with
 *    -EIO on a mismatch, so rc == 0 also means the bytes arrived intact.
 *  - the same in process mode (procs: side 1 in a forked process over
 *    MAP_SHARED memory): the same exact counts, and the children's CPU
 *    time (RUSAGE_CHILDREN) grows, which a thread run never does;
 *  - a duration-bounded run with warm-up;
 *  - the table and vb_baseline_find(); rejected parameters; a pinning
 *    failure that must not hang.
 *
 * VRQ_TEST_SCALE (default 1) scales the counts (minimum 1000).  With fewer
 * than two CPUs the threads are left unpinned and the polling mechanisms
 * run only a few hundred round trips: each hand-off then waits for a
 * scheduler time slice.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "vrq_test.h"

#include "clock.h"
#include "rr.h"

static double g_scale = 1.0;
static int g_cpu[2] = { -1, -1 };
static bool g_one_cpu;
static struct vb_result g_res;
static bool g_procs;

static const char *const g_names[] = {
	"floor", "spsc", "eventfd", "futex", "pipe", "socketpair", "tcp", "wfcq",
};

static bool blocking(const char *name)
{
	return !strcmp(name, "pipe") || !strcmp(name, "socketpair") || !strcmp(name, "eventfd") ||
	       !strcmp(name, "futex") || !strcmp(name, "tcp");
}

static uint64_t count(const char *name, uint64_t n)
{
	uint64_t v = (uint64_t)((double)n * g_scale);

	if (g_one_cpu && !blocking(name))
		return 200;
	return v < 1000 ? 1000 : v;
}

static struct vb_params params(void)
{
	struct vb_params p;

	memset(&p, 0, sizeof(p));
	p.cpu[0] = g_cpu[0];
	p.cpu[1] = g_cpu[1];
	p.duration_ns = 10000000000ull; /* upper bound: max_trans ends the runs */
	p.warmup_ns = 0;
	p.req = p.resp = 64;
	p.msg = 64;
	p.batch = 1;
	p.qsize = 256;
	p.numa_node = -1;
	p.lat_hist = true;
	p.procs = g_procs;
	return p;
}

static int test_rr(const struct vb_baseline *b, size_t req, size_t resp)
{
	struct vb_params p = params();
	struct vb_result *r = &g_res;
	uint64_t n = count(b->name, 20000), p50, p99;
	int rc;

	p.req = req;
	p.resp = resp;
	p.max_trans = n;
	rc = b->rr(&p, r);
	CHECK_EQ(rc, 0);
	CHECK_EQ(r->trans, n);
	CHECK_EQ(r->hist.count, n);
	CHECK(r->hist.min > 0);
	p50 = vb_hist_quantile(&r->hist, 0.50);
	p99 = vb_hist_quantile(&r->hist, 0.99);
	CHECK(p50 <= p99);
	CHECK(p99 <= r->hist.max);
	CHECK(r->elapsed_ns > 0);
	CHECK(r->cpu_s > 0.0);
	if (blocking(b->name)) {
		/* a request and a response each way: at least two signals */
		CHECK(r->notifications >= 2 * n);
		if (strcmp(b->name, "futex")) /* futex counts only waits that slept */
			CHECK(r->interrupts >= 2 * n);
	} else {
		CHECK_EQ(r->notifications, 0);
		CHECK_EQ(r->interrupts, 0);
	}
	printf("  %-10s rr  %s %4zu/%-4zu %6llu trans  p50 %7llu ns  p99 %7llu ns  "
	       "%6.1f ms  cpu %.3f s  notif/trans %.2f  intr/trans %.2f\n",
	       b->name, g_procs ? "procs  " : "threads", req, resp, (unsigned long long)n, (unsigned long long)p50,
	       (unsigned long long)p99, (double)r->elapsed_ns / 1e6, r->cpu_s,
	       (double)r->notifications / (double)n, (double)r->interrupts / (double)n);
	return 0;
}

static int test_stream(const struct vb_baseline *b, unsigned batch)
{
	struct vb_params p = params();
	struct vb_result *r = &g_res;
	uint64_t n = count(b->name, 200000);
	int rc;

	p.batch = batch;
	p.max_trans = n;
	rc = b->stream(&p, r);
	CHECK_EQ(rc, 0);
	CHECK_EQ(r->trans, n);
	CHECK_EQ(r->bytes, n * p.msg);
	CHECK(r->elapsed_ns > 0);
	CHECK(r->cpu_s > 0.0);
	CHECK_EQ(r->notifications, 0);
	CHECK_EQ(r->interrupts, 0);
	printf("  %-10s stream %s batch %-3u %7llu items  %6.1f ms  %.1f Mitem/s\n", b->name,
	       g_procs ? "procs  " : "threads", batch,
	       (unsigned long long)n, (double)r->elapsed_ns / 1e6,
	       (double)n * 1e3 / (double)r->elapsed_ns);
	return 0;
}

/* No max_trans: the duration ends the run, after a warm-up. */
static int test_duration(const struct vb_baseline *b)
{
	struct vb_params p = params();
	struct vb_result *r = &g_res;
	int rc;

	p.duration_ns = 20000000;
	p.warmup_ns = 5000000;
	rc = b->rr(&p, r);
	CHECK_EQ(rc, 0);
	CHECK(r->trans > 0);
	CHECK_EQ(r->hist.count, r->trans);
	/* the deadline is in clock ticks, elapsed in CLOCK_MONOTONIC: allow
	 * for calibration error */
	CHECK(r->elapsed_ns >= p.duration_ns * 9 / 10);
	CHECK(r->elapsed_ns < 5000000000ull);
	return 0;
}

static int test_table(void)
{
	unsigned i;

	for (i = 0; i < sizeof(g_names) / sizeof(g_names[0]); i++) {
		CHECK(vb_baselines[i] != NULL);
		CHECK(!strcmp(vb_baselines[i]->name, g_names[i]));
		CHECK(vb_baseline_find(g_names[i]) == vb_baselines[i]);
		CHECK(vb_baselines[i]->desc && vb_baselines[i]->desc[0]);
		CHECK(vb_baselines[i]->rr != NULL);
	}
	CHECK(vb_baselines[i] == NULL);
	CHECK(vb_baseline_find("nope") == NULL);
	CHECK(vb_baseline_find("") == NULL);
	CHECK(vb_baseline_find(NULL) == NULL);
	CHECK(vb_baseline_find("spsc")->stream != NULL);
	CHECK(vb_baseline_find("wfcq")->stream != NULL);
	CHECK(vb_baseline_find("pipe")->stream == NULL);
	return 0;
}

/* Bad parameters and an impossible pinning: an error, never a hang. */
static int test_errors(void)
{
	struct vb_params p = params();
	struct vb_result *r = &g_res;
	cpu_set_t set;
	int bad_cpu = -1, i;

	fprintf(stderr, "test_baselines: error messages below are expected\n");
	p.max_trans = 10;
	p.req = 0;
	CHECK_EQ(vb_baseline_find("pipe")->rr(&p, r), -EINVAL);
	CHECK_EQ(vb_baseline_find("floor")->rr(&p, r), -EINVAL);
	p = params();
	p.max_trans = 10;
	p.batch = 512;
	CHECK_EQ(vb_baseline_find("spsc")->stream(&p, r), -EINVAL);
	CHECK_EQ(vb_baseline_find("wfcq")->stream(&p, r), -EINVAL);
	p.batch = 1;
	p.qsize = 100;
	CHECK_EQ(vb_baseline_find("spsc")->stream(&p, r), -EINVAL);

	/* a CPU this process may not run on */
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (i = CPU_SETSIZE - 1; i >= 0; i--) {
			if (!CPU_ISSET(i, &set)) {
				bad_cpu = i;
				break;
			}
		}
	}
	if (bad_cpu >= 0) {
		for (i = 0; vb_baselines[i]; i++) {
			p = params();
			p.max_trans = 10;
			p.cpu[1] = bad_cpu;
			CHECK(vb_baselines[i]->rr(&p, r) < 0);
		}
	}
	return 0;
}

static double children_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e-6;
}

int main(void)
{
	const char *s = getenv("VRQ_TEST_SCALE");
	cpu_set_t set;
	unsigned i, found = 0, mode;

	if (s && strtod(s, NULL) > 0.0)
		g_scale = strtod(s, NULL);
	if (vb_clock_init()) {
		fprintf(stderr, "test_baselines: no usable clock\n");
		return 1;
	}
	/* the first two CPUs we may run on, else unpinned */
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) >= 2) {
		for (i = 0; i < CPU_SETSIZE && found < 2; i++)
			if (CPU_ISSET(i, &set))
				g_cpu[found++] = (int)i;
	} else {
		g_one_cpu = true;
	}
	printf("test_baselines: clock %s, cpus %d,%d, scale %.2f\n", vb_clock_source(), g_cpu[0],
	       g_cpu[1], g_scale);

	if (test_table())
		return 1;
	for (mode = 0; mode < 2; mode++) {
	double child0 = children_cpu_s();

	g_procs = mode == 1;
	for (i = 0; vb_baselines[i]; i++) {
		const struct vb_baseline *b = vb_baselines[i];

		if (b->rr) {
			if (test_rr(b, 64, 64))
				fprintf(stderr, "FAILED: %s rr 64/64\n", b->name);
			if (test_rr(b, 1, 4096))
				fprintf(stderr, "FAILED: %s rr 1/4096\n", b->name);
		}
		if (b->stream) {
			if (test_stream(b, 1))
				fprintf(stderr, "FAILED: %s stream batch 1\n", b->name);
			if (test_stream(b, 32))
				fprintf(stderr, "FAILED: %s stream batch 32\n", b->name);
		}
	}
	/* side 1 ran in reaped child processes exactly in process mode (the
	 * polling baselines alone spin for tens of ms there) */
	if (g_procs)
		CHECK(children_cpu_s() > child0);
	else
		CHECK(children_cpu_s() == child0);
	}
	g_procs = false;
	if (test_duration(vb_baseline_find("pipe")))
		fprintf(stderr, "FAILED: pipe duration run\n");
	if (!g_one_cpu && test_duration(vb_baseline_find("floor")))
		fprintf(stderr, "FAILED: floor duration run\n");
	if (test_errors())
		fprintf(stderr, "FAILED: error paths\n");

	if (vrq_test_failures) {
		fprintf(stderr, "test_baselines: %d failure(s)\n", vrq_test_failures);
		return 1;
	}
	printf("test_baselines: all passed\n");
	return 0;
}
