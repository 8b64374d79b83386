/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "cpuload.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static double vb_tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec * 1e-6;
}

static double vb_rusage_s(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru) != 0)
		return 0;
	return vb_tv_s(&ru.ru_utime) + vb_tv_s(&ru.ru_stime);
}

static double vb_clk_tck(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? (double)hz : 100.0;
}

/* Aggregate "cpu" line: user nice system idle iowait irq softirq steal ... */
static int vb_proc_stat(uint64_t *busy, uint64_t *steal)
{
	uint64_t v[8] = {0};
	char line[512];
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	n = sscanf(line, "cpu %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64 " %" SCNu64,
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	if (n < 7)
		return -EIO;
	/* idle (3) and iowait (4) are the only not-busy states */
	*busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	*steal = v[7];
	return 0;
}

/* utime+stime of @p pid in seconds.  Field 2 (comm) may hold spaces and
 * parentheses, so parse from the last ')'. */
static int vb_pid_cpu_s(pid_t pid, double *s)
{
	unsigned long long ut, st;
	char path[64], buf[1024], *p;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = strrchr(buf, ')');
	/* after ')': state(3) ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime(14) stime(15) */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return -EIO;
	*s = (double)(ut + st) / vb_clk_tck();
	return 0;
}

void vb_cpuload_begin(struct vb_cpuload *c)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(c, 0, sizeof(*c));
	c->ncpu = n > 0 ? (int)n : 1;
	c->ok = vb_proc_stat(&c->busy0, &c->steal0) == 0;
	c->self0 = vb_rusage_s(RUSAGE_SELF);
	c->children0 = vb_rusage_s(RUSAGE_CHILDREN);
	c->t0_ns = vb_mono_ns();
}

int vb_cpuload_add_pid(struct vb_cpuload *c, pid_t pid)
{
	double s;
	int rc;

	if (c->npid >= VB_CPULOAD_MAX_PIDS)
		return -E2BIG;
	rc = vb_pid_cpu_s(pid, &s);
	if (rc)
		return rc;
	c->pid[c->npid] = pid;
	c->pid0[c->npid] = s;
	c->npid++;
	return 0;
}

void vb_cpuload_end(struct vb_cpuload *c)
{
	uint64_t t1 = vb_mono_ns(), busy1 = 0, steal1 = 0;
	double hz = vb_clk_tck(), own, children, reaped0 = 0, cap;
	unsigned i;

	own = vb_rusage_s(RUSAGE_SELF) - c->self0;
	for (i = 0; i < c->npid; i++) {
		double s;

		if (vb_pid_cpu_s(c->pid[i], &s) == 0 && s >= c->pid0[i])
			own += s - c->pid0[i];
		else
			reaped0 += c->pid0[i];
	}
	/* A reaped child shows up in RUSAGE_CHILDREN with its whole lifetime;
	 * its part before begin was snapshotted by add_pid. */
	children = vb_rusage_s(RUSAGE_CHILDREN) - c->children0 - reaped0;
	if (children > 0)
		own += children;

	c->wall_s = (double)(t1 - c->t0_ns) * 1e-9;
	c->own_s = own;
	if (c->ok)
		c->ok = vb_proc_stat(&busy1, &steal1) == 0;
	if (!c->ok || c->wall_s <= 0)
		return;
	c->machine_busy_s = (double)(busy1 - c->busy0) / hz;
	c->steal_s = (double)(steal1 - c->steal0) / hz;
	cap = c->wall_s * (double)c->ncpu;
	c->others_frac = (c->machine_busy_s - own) / cap;
	if (c->others_frac < 0)
		c->others_frac = 0;
	c->steal_frac = c->steal_s / cap;
}

bool vb_cpuload_disturbed(const struct vb_cpuload *c, double threshold)
{
	return c->ok && c->others_frac > threshold;
}
