/* SPDX-License-Identifier: MIT */
/*
 * tests/notify/nt_thread.h - observe another thread of this process
 * through /proc/self/task/<tid>: its state (asleep in the kernel: S) and
 * the CPU time it has run, so that a test waits for "the peer is in its
 * wait" instead of sleeping and hoping.
 */
#ifndef VRQ_NT_THREAD_H
#define VRQ_NT_THREAD_H

#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "vrq/notify.h"

static inline pid_t nt_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* The state letter (R, S, D, ...) of /proc/self/task/<tid>/stat: 0, or -1
 * if the thread is gone. */
static inline int nt_thread_stat(pid_t tid, char *state)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -1;
	*state = p[2];
	return 0;
}

/* CPU time the thread has run, ns: /proc/self/task/<tid>/schedstat, or
 * utime + stime from its stat (clock ticks) where schedstat is missing. */
static inline uint64_t nt_thread_cpu_ns(pid_t tid)
{
	char path[64], buf[512], *p;
	unsigned long long ns = 0, ut = 0, stt = 0;
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)tid);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%llu", &ns) != 1)
			ns = 0;
		fclose(f);
		if (ns)
			return ns;
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = strrchr(buf, ')');
	/* after ")": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			 &stt) != 2)
		return 0;
	return (ut + stt) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/*
 * Wait (at most @p bound_ns) until thread @p tid is in its wait: asleep in
 * the kernel (state S) for a blocking backend, or, for @p spinning (poll:
 * it never sleeps), until it has run @p spin_ns more CPU time than when
 * this was called.  0, or -1 (bound reached, or the thread is gone).
 */
static inline int nt_wait_thread_waiting(pid_t tid, bool spinning, uint64_t spin_ns, uint64_t bound_ns)
{
	uint64_t t0 = vrq_notify_now_ns(), cpu0 = spinning ? nt_thread_cpu_ns(tid) : 0;
	struct timespec pause = {0, 100000}; /* between looks, not a synchronisation */
	char st;

	for (;;) {
		if (nt_thread_stat(tid, &st) < 0)
			return -1;
		if (!spinning && st == 'S')
			return 0;
		if (spinning && nt_thread_cpu_ns(tid) >= cpu0 + spin_ns)
			return 0;
		if (vrq_notify_now_ns() - t0 > bound_ns)
			return -1;
		nanosleep(&pause, NULL);
	}
}

#endif /* VRQ_NT_THREAD_H */
