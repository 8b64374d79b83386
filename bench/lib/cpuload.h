/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/cpuload.h - was anything else running while we measured?
 * Honest numbers on a shared machine: compare the CPU time the whole
 * machine was busy with the CPU time we used ourselves.
 *
 *   struct vb_cpuload c;
 *   vb_cpuload_begin(&c);
 *   vb_cpuload_add_pid(&c, child);	// process mode: the peer process
 *   ... measured phase ...
 *   vb_cpuload_end(&c);
 *   if (vb_cpuload_disturbed(&c, VB_CPULOAD_THRESHOLD)) ...
 *
 * others_frac = (machine_busy_s - own_s) / (wall_s * ncpu), clamped at 0:
 * the fraction of the machine's CPU capacity used by someone else.
 * machine_busy_s is user+nice+system+irq+softirq+steal of the aggregate
 * "cpu" line of /proc/stat (guest time is already inside user).  Steal is
 * time a vCPU wanted to run and the hypervisor ran something else: it is
 * never ours, so it counts as disturbance (and is reported on its own).
 *
 * Resolution: /proc/stat counts in USER_HZ ticks (10 ms), so over a 1 s
 * phase on 2 CPUs one tick is 0.5% of capacity; keep phases >= 1 s when the
 * threshold matters.  Not thread-safe; one struct per measured phase.
 */
#ifndef VB_CPULOAD_H
#define VB_CPULOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Default disturbance threshold: someone else used more than 2% of the
 * machine's CPU capacity during the phase (e.g. 1 CPU of 2 busy for 4% of
 * the time, or a 40 ms burst in a 1 s phase on 2 CPUs). */
#define VB_CPULOAD_THRESHOLD 0.02

#define VB_CPULOAD_MAX_PIDS 8

struct vb_cpuload {
	/* Results, valid after vb_cpuload_end(). */
	double wall_s;		/* CLOCK_MONOTONIC between begin and end */
	double machine_busy_s;	/* CPU seconds the whole machine was busy */
	double steal_s;		/* CPU seconds stolen by the hypervisor */
	double own_s;		/* this process + the added pids (user+sys) */
	double others_frac;	/* (busy - own) / (wall * ncpu), >= 0 */
	double steal_frac;	/* steal / (wall * ncpu) */
	int ncpu;		/* online CPUs */
	bool ok;		/* /proc/stat was readable at begin and end */

	/* Private. */
	uint64_t t0_ns;
	uint64_t busy0, steal0;	/* USER_HZ ticks */
	double self0, children0;
	unsigned npid;
	pid_t pid[VB_CPULOAD_MAX_PIDS];
	double pid0[VB_CPULOAD_MAX_PIDS];
};

/** Reset @p c and take the begin snapshot. */
void vb_cpuload_begin(struct vb_cpuload *c);
/**
 * Also count the CPU time of @p pid (a live child, e.g. the peer in process
 * mode) as ours: its utime+stime is read from /proc/<pid>/stat now and at
 * vb_cpuload_end().  Call after vb_cpuload_begin().  A child that has been
 * reaped by then is accounted through RUSAGE_CHILDREN instead.
 * Returns 0, -E2BIG (too many pids) or -errno reading /proc/<pid>/stat.
 */
int vb_cpuload_add_pid(struct vb_cpuload *c, pid_t pid);
/** Take the end snapshot and fill in the results. */
void vb_cpuload_end(struct vb_cpuload *c);
/** others_frac > @p threshold (false when /proc/stat was unreadable). */
bool vb_cpuload_disturbed(const struct vb_cpuload *c, double threshold);

#endif /* VB_CPULOAD_H */
