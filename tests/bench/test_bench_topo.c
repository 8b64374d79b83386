/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/topo: the topology loads, auto placement yields two usable
 * CPUs (skip on a 1-CPU machine), bad CPU ids and NUMA nodes are rejected
 * with a message, pinning and NUMA allocation work.  Also the clock,
 * cpuload, sysinfo and progress basics (they need a real system too).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cpuload.h"
#include "progress.h"
#include "sysinfo.h"
#include "topo.h"

#include "vrq_test.h"

static int test_rejects(struct vb_topo *t)
{
	char why[256];
	enum vb_placement p;

	why[0] = '\0';
	CHECK(vb_topo_cpu_ok(t, 100000, why, sizeof(why)) == -1);
	CHECK(strstr(why, "100000") && strstr(why, "does not exist"));
	printf("cpu 100000: %s\n", why);
	CHECK(vb_topo_cpu_ok(t, -2, why, sizeof(why)) == -1 && why[0]);
	why[0] = '\0';
	CHECK(vb_topo_node_ok(4096, why, sizeof(why)) == -1);
	CHECK(strstr(why, "4096"));
	printf("node 4096: %s\n", why);
	CHECK(vb_topo_node_ok(-1, why, sizeof(why)) == 0);
	CHECK(vb_topo_node_ok(0, why, sizeof(why)) == 0);
	CHECK(vb_topo_numa_nodes() >= 1);

	CHECK(vb_placement_parse("cross-l3", &p) == 0 && p == VB_PLACE_CROSS_L3);
	CHECK(vb_placement_parse("same-core", &p) == 0 && p == VB_PLACE_SAME_CORE);
	CHECK(vb_placement_parse("nearby", &p) == -EINVAL);
	CHECK(strcmp(vb_placement_name(VB_PLACE_SMT), "smt") == 0);
	return 0;
}

/* Every placement either gives two usable CPUs or a message. */
static int test_pairs(struct vb_topo *t, int ncpu)
{
	static const enum vb_placement all[] = {VB_PLACE_AUTO, VB_PLACE_SAME_CORE, VB_PLACE_SMT,
						VB_PLACE_SAME_L3, VB_PLACE_CROSS_L3,
						VB_PLACE_CROSS_NUMA};
	char why[256];
	unsigned i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		int cpu[2] = {-5, -5}, rc;

		why[0] = '\0';
		rc = vb_topo_pair(t, all[i], cpu, why, sizeof(why));
		printf("%-10s %s\n", vb_placement_name(all[i]), why);
		CHECK(why[0]);
		if (rc)
			continue;
		CHECK(vb_topo_cpu_ok(t, cpu[0], why, sizeof(why)) == 0);
		CHECK(vb_topo_cpu_ok(t, cpu[1], why, sizeof(why)) == 0);
		CHECK((cpu[0] == cpu[1]) == (all[i] == VB_PLACE_SAME_CORE));
	}
	/* same-core always works */
	{
		int cpu[2];

		CHECK(vb_topo_pair(t, VB_PLACE_SAME_CORE, cpu, why, sizeof(why)) == 0);
	}
	if (ncpu >= 2) {
		int cpu[2] = {-1, -1};

		CHECK(vb_topo_pair(t, VB_PLACE_AUTO, cpu, why, sizeof(why)) == 0);
		CHECK(cpu[0] != cpu[1] && cpu[0] >= 0 && cpu[1] >= 0);
	}
	return 0;
}

static int test_pin_and_alloc(int cpu)
{
	size_t len = 3 * 4096 + 100;
	unsigned char *p;
	size_t i;

	CHECK(vb_pin_thread(-1) == 0);
	CHECK(vb_pin_thread(cpu) == 0);
	CHECK(sched_getcpu() == cpu);
	CHECK(vb_pin_thread(100000) < 0);
	for (int node = -1; node <= 0; node++) {
		p = vb_numa_alloc(len, node);
		CHECK(p);
		for (i = 0; i < len; i++)
			CHECK(p[i] == 0);
		memset(p, 0xa5, len);
		vb_numa_free(p, len);
		p = vb_numa_alloc_shared(len, node);
		CHECK(p);
		CHECK(p[len - 1] == 0);
		vb_numa_free(p, len);
	}
	errno = 0;
	CHECK(vb_numa_alloc(len, 4096) == NULL && errno);
	return 0;
}

static int test_misc(void)
{
	struct vb_sysinfo si;
	struct vb_cpuload c;
	uint64_t t0, t1, n0, n1;
	volatile double x = 0;
	int i;

	CHECK(vb_clock_init() == 0);
	printf("clock: %s, %.4f ticks/ns\n", vb_clock_source(), vb_ticks_per_ns());
	CHECK(vb_ticks_per_ns() > 0);
	CHECK(vb_ticks_to_ns(0) == 0);
	/* ticks agree with CLOCK_MONOTONIC over ~20 ms (loose: a shared box) */
	n0 = vb_mono_ns();
	t0 = vb_ticks();
	usleep(20000);
	t1 = vb_ticks();
	n1 = vb_mono_ns();
	{
		double a = (double)vb_ticks_to_ns(t1 - t0), b = (double)(n1 - n0);

		printf("20 ms: ticks say %.0f ns, monotonic %.0f ns\n", a, b);
		CHECK(a > 0.9 * b && a < 1.1 * b);
	}

	vb_cpuload_begin(&c);
	for (i = 0; i < 2000000; i++)
		x = x + i * 0.5;
	vb_cpuload_end(&c);
	printf("cpuload: wall %.3f s own %.3f s busy %.3f s others %.3f steal %.3f ncpu %d ok %d\n",
	       c.wall_s, c.own_s, c.machine_busy_s, c.others_frac, c.steal_frac, c.ncpu, c.ok);
	CHECK(c.ncpu >= 1 && c.wall_s > 0 && c.own_s >= 0);
	/* /proc/stat counts in 10 ms ticks: over a ~10 ms window the share
	 * can read well above 1 on a busy machine; only its sign is certain */
	CHECK(c.others_frac >= 0 && c.others_frac == c.others_frac);
	CHECK(vb_cpuload_add_pid(&c, getpid()) == 0);
	CHECK(vb_cpuload_add_pid(&c, 999999999) < 0);

	vb_sysinfo_get(&si);
	printf("sysinfo: cpu \"%s\" kernel %s host %s compiler \"%s\" commit %s type %s date %s\n",
	       si.cpu_model, si.kernel, si.hostname, si.compiler, si.commit, si.build_type,
	       si.date);
	printf("flags: %s\n", si.flags);
	CHECK(si.cpu_model[0] && si.kernel[0] && si.compiler[0] && si.commit[0]);
	CHECK(strlen(si.date) == 20 && si.date[10] == 'T' && si.date[19] == 'Z');

	/* not a TTY under ctest: silent, and must not crash either way */
	vb_progress_start("test", 10);
	vb_progress_update(5);
	vb_progress_end();
	return 0;
}

int main(void)
{
	struct vb_topo t;
	char why[256], sum[512];
	int cpus[4], n;

	if (vb_topo_init(&t, why, sizeof(why)) != 0) {
		fprintf(stderr, "vb_topo_init: %s\n", why);
		return 1;
	}
	vb_topo_print(&t, stdout);
	vb_topo_summary(&t, sum, sizeof(sum));
	printf("summary: %s\n", sum);
	n = vb_topo_cpus(&t, cpus, 4);
	if (n < 1) {
		fprintf(stderr, "no usable CPU\n");
		return 1;
	}
	test_rejects(&t);
	test_pairs(&t, n);
	test_pin_and_alloc(cpus[n > 4 ? 3 : n - 1]);
	test_misc();
	vb_topo_fini(&t);
	if (vrq_test_failures) {
		fprintf(stderr, "test_bench_topo: %d failure(s)\n", vrq_test_failures);
		return 1;
	}
	if (n < 2) {
		printf("test_bench_topo: 1 usable CPU, pair checks skipped\n");
		return 77;
	}
	printf("test_bench_topo: ok\n");
	return 0;
}
