/* SPDX-License-Identifier: MIT */
/*
 * bench/baselines/ringtest.c - Linux's own ring benchmark,
 * tools/virtio/ringtest, as stream baselines: the binaries built by
 * scripts/ringtest.sh (never part of this tree) are run as child
 * processes on the same two CPUs, and their buffers per second are
 * reported next to vrq's.
 *
 *   ringtest-ring     ring.c: a descriptor-flag ring (packed-like)
 *   ringtest-split    virtio_ring_0_9.c: the classic split ring
 *   ringtest-inorder  virtio_ring_inorder.c: split, in-order completions
 *   ringtest-ptr      ptr_ring.c: the kernel's ptr_ring
 *
 * ringtest moves descriptors only (no payload): compare it with vrq's
 * zero-copy stream.  Its guest publishes every buffer as it adds it and
 * reaps completions in the same loop; --batch changes only its kicks, which
 * polling never sends.  Each run is one process running a fixed number of
 * buffers (--run-cycles): the warm-up run calibrates how many fit the
 * measured duration, and the measured run's wall time (fork to exit,
 * including the process start, about a millisecond) and CPU time (wait4)
 * give the rate.
 *
 * Where the binaries are: $VRQ_RINGTEST_DIR, else the build tree's
 * default (VB_RINGTEST_DIR, set by CMake to build/ringtest in the source
 * tree, which is where scripts/ringtest.sh builds them).
 */
#include "baselines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef VB_RINGTEST_DIR
#define VB_RINGTEST_DIR "build/ringtest"
#endif

const char *vb_ringtest_dir(void)
{
	const char *d = getenv("VRQ_RINGTEST_DIR");

	return d && *d ? d : VB_RINGTEST_DIR;
}

static int bin_path(const char *bin, char *out, size_t n)
{
	int len = snprintf(out, n, "%s/%s", vb_ringtest_dir(), bin);

	if (len < 0 || (size_t)len >= n)
		return -ENAMETOOLONG;
	return access(out, X_OK) ? -errno : 0;
}

bool vb_ringtest_available(const char *baseline_name)
{
	const struct vb_baseline *b = vb_baseline_find(baseline_name);
	char path[512];

	return b && b->priv && bin_path(b->priv, path, sizeof(path)) == 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Run @p path for @p cycles buffers; wall ns and CPU seconds out. */
static int run_one(const char *path, const struct vb_params *p, uint64_t cycles, uint64_t *ns,
		   double *cpu_s)
{
	char host[16], guest[16], rsz[16], cyc[24], bat[16];
	char *argv[16];
	struct rusage ru;
	uint64_t t0, deadline;
	int status, k = 0;
	pid_t pid, w;

	snprintf(rsz, sizeof(rsz), "%u", p->qsize ? p->qsize : 256);
	snprintf(cyc, sizeof(cyc), "%llu", (unsigned long long)cycles);
	snprintf(bat, sizeof(bat), "%u", p->batch ? p->batch : 1);
	argv[k++] = (char *)path;
	/* the guest adds buffers (vrq's producer, cpu[0]); the host uses them */
	if (p->cpu[0] >= 0) {
		snprintf(guest, sizeof(guest), "%d", p->cpu[0]);
		argv[k++] = "--guest-affinity";
		argv[k++] = guest;
	}
	if (p->cpu[1] >= 0) {
		snprintf(host, sizeof(host), "%d", p->cpu[1]);
		argv[k++] = "--host-affinity";
		argv[k++] = host;
	}
	argv[k++] = "--ring-size";
	argv[k++] = rsz;
	argv[k++] = "--run-cycles";
	argv[k++] = cyc;
	argv[k++] = "--batch";
	argv[k++] = bat;
	argv[k] = NULL;

	t0 = mono_ns();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, 1);
			close(fd);
		}
		execv(path, argv);
		_exit(127);
	}
	/* a bound: 60 s past what the duration asked for */
	deadline = t0 + p->duration_ns + p->warmup_ns + 60ull * 1000000000ull;
	for (;;) {
		w = wait4(pid, &status, WNOHANG, &ru);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (mono_ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		usleep(200);
	}
	*ns = mono_ns() - t0;
	*cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
		 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EPROTO; /* ringtest asserts on bad arguments */
	return 0;
}

/*
 * The warm-up run doubles as calibration: it runs for at least the warm-up
 * time (at least 50 ms), and its rate sizes the measured run to about the
 * measured duration; the rate is recomputed from the measured run itself.
 */
static int ringtest_stream(const struct vb_baseline *b, const struct vb_params *p,
			   struct vb_result *r)
{
	uint64_t cycles = 200000, ns = 0, want = p->warmup_ns > 50000000ull ? p->warmup_ns : 50000000ull;
	double cpu = 0, rate;
	char path[512];
	int rc, i;

	rc = bin_path(b->priv, path, sizeof(path));
	if (rc < 0)
		return rc;
	for (i = 0; i < 8; i++) {
		rc = run_one(path, p, cycles, &ns, &cpu);
		if (rc < 0)
			return rc;
		if (ns >= want || cycles >= (1ull << 31) / 4)
			break;
		cycles *= 4;
	}
	rate = (double)cycles * 1e9 / (double)(ns ? ns : 1);
	if (p->max_trans)
		cycles = p->max_trans;
	else
		cycles = (uint64_t)(rate * (double)p->duration_ns * 1e-9);
	if (cycles < 1000)
		cycles = 1000;
	if (cycles > INT32_MAX - 1)
		cycles = INT32_MAX - 1; /* ringtest's counters are int */
	rc = run_one(path, p, cycles, &ns, &cpu);
	if (rc < 0)
		return rc;
	memset(r, 0, sizeof(*r));
	r->trans = cycles;
	r->bytes = 0; /* descriptors only */
	r->elapsed_ns = ns;
	r->cpu_s = cpu;
	return 0;
}

#define RINGTEST(var, nm, bin, what)                                                           \
	static int var##_stream(const struct vb_params *p, struct vb_result *r);               \
	const struct vb_baseline var = {                                                       \
		.name = nm,                                                                    \
		.desc = what,                                                                  \
		.stream = var##_stream,                                                        \
		.priv = bin,                                                                   \
	};                                                                                     \
	static int var##_stream(const struct vb_params *p, struct vb_result *r)               \
	{                                                                                      \
		return ringtest_stream(&var, p, r);                                            \
	}

RINGTEST(vb_ringtest_ring, "ringtest-ring", "ring",
	 "Linux tools/virtio/ringtest ring.c (descriptor-flag ring), descriptors only")
RINGTEST(vb_ringtest_split, "ringtest-split", "virtio_ring_0_9",
	 "Linux tools/virtio/ringtest virtio_ring_0_9.c (split ring), descriptors only")
RINGTEST(vb_ringtest_inorder, "ringtest-inorder", "virtio_ring_inorder",
	 "Linux tools/virtio/ringtest virtio_ring_inorder.c (split, in order), descriptors only")
RINGTEST(vb_ringtest_ptr, "ringtest-ptr", "ptr_ring",
	 "Linux tools/virtio/ringtest ptr_ring.c (the kernel's ptr_ring), descriptors only")
