/* SPDX-License-Identifier: MIT */
/*
 * bench/baselines/common.c - threads, start gate, phases and checks shared
 * by the baselines (see common.h).
 */
#include "common.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- shared memory arena ------------------------------------------------------
 * One process-wide list of MAP_SHARED chunks, reset (not unmapped) by each
 * vb_run_init() that needs shared memory: a run maps what it needs before
 * it forks, so both processes see the same memory at the same address. */

#define VB_CHUNK_MIN (8u << 20)
#define VB_HUGE_PAGE (2u << 20)
#define VB_MPOL_BIND 2 /* <numaif.h> MPOL_BIND, without linking libnuma */

struct vb_chunk {
	struct vb_chunk *next;
	size_t size, used;
};

static struct {
	struct vb_chunk *head;
	int node;
	bool huge;
	bool warned;
} vb_arena = { NULL, -1, false, false };

static bool vb_shared_mode(const struct vb_params *p)
{
	return p->procs || p->hugepages || p->numa_node >= 0;
}

static void vb_arena_reset(const struct vb_params *p)
{
	struct vb_chunk *c;

	if (vb_arena.node != p->numa_node || vb_arena.huge != p->hugepages) {
		while ((c = vb_arena.head)) {
			vb_arena.head = c->next;
			munmap(c, c->size);
		}
		vb_arena.node = p->numa_node;
		vb_arena.huge = p->hugepages;
	}
	for (c = vb_arena.head; c; c = c->next)
		c->used = VB_LINE;
}

static void *vb_arena_alloc(const struct vb_run *run, size_t bytes)
{
	struct vb_chunk *c;
	size_t need = (bytes + VB_LINE - 1) / VB_LINE * VB_LINE, size;
	void *m = MAP_FAILED;
	void *out;

	for (c = vb_arena.head; c; c = c->next)
		if (c->size - c->used >= need)
			break;
	if (!c) {
		size = need + VB_LINE > VB_CHUNK_MIN ? need + VB_LINE : VB_CHUNK_MIN;
		size = (size + VB_HUGE_PAGE - 1) / VB_HUGE_PAGE * VB_HUGE_PAGE;
		if (vb_arena.huge) {
			m = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
			if (m == MAP_FAILED && !vb_arena.warned) {
				fprintf(stderr, "vrq-bench: baselines: no huge pages (%s), "
						"using normal pages\n", strerror(errno));
				vb_arena.warned = true;
			}
		}
		if (m == MAP_FAILED)
			m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
				 0);
		if (m == MAP_FAILED) {
			vb_err(run, "mmap(MAP_SHARED)", errno);
			return NULL;
		}
		if (vb_arena.node >= 0) {
			unsigned long mask[(1u << 16) / (8 * sizeof(unsigned long)) + 1];
			unsigned node = (unsigned)vb_arena.node;

			if (node >= (1u << 16)) {
				munmap(m, size);
				vb_err(run, "mbind (node out of range)", EINVAL);
				return NULL;
			}
			memset(mask, 0, sizeof(mask));
			mask[node / (8 * sizeof(unsigned long))] |= 1ul << (node % (8 * sizeof(unsigned long)));
			/* before the first touch: every page is allocated on the node */
			if (syscall(SYS_mbind, m, size, VB_MPOL_BIND, mask, (unsigned long)node + 2, 0)) {
				int e = errno;

				munmap(m, size);
				vb_err(run, "mbind", e);
				return NULL;
			}
		}
		c = m;
		c->size = size;
		c->used = VB_LINE;
		c->next = vb_arena.head;
		vb_arena.head = c;
	}
	out = (char *)c + c->used;
	c->used += need;
	memset(out, 0, bytes);
	return out;
}

void vb_free(void *p)
{
	struct vb_chunk *c;

	for (c = vb_arena.head; c; c = c->next)
		if ((char *)p >= (char *)c && (char *)p < (char *)c + c->size)
			return; /* back to the arena at the next vb_run_init() */
	free(p);
}

void vb_run_init(struct vb_run *run, const char *mech, const char *mode, const struct vb_params *p,
		 struct vb_result *r, void *ctx)
{
	memset(r, 0, sizeof(*r));
	vb_hist_init(&r->hist);
	memset(run, 0, sizeof(*run));
	if (vb_shared_mode(p))
		vb_arena_reset(p);
	run->mech = mech;
	run->mode = mode;
	run->p = p;
	run->r = r;
	run->ctx = ctx;
	atomic_init(&run->phase, VB_WARMUP);
	atomic_init(&run->abort, 0);
}

int vb_err(const struct vb_run *run, const char *call, int err)
{
	fprintf(stderr, "vrq-bench: %s %s: %s: %s\n", run->mech, run->mode, call, strerror(err));
	return -err;
}

int vb_check_rr(const struct vb_run *run)
{
	if (!run->p->req || !run->p->resp) {
		fprintf(stderr, "vrq-bench: %s rr: request and response sizes must be >= 1\n",
			run->mech);
		return -EINVAL;
	}
	return 0;
}

int vb_check_stream(const struct vb_run *run, unsigned *qsize)
{
	const struct vb_params *p = run->p;
	unsigned q = p->qsize ? p->qsize : VB_QSIZE_DEFAULT;

	if (!p->msg || (q & (q - 1)) || q > (1u << 30) || !p->batch || p->batch > q) {
		fprintf(stderr,
			"vrq-bench: %s stream: need msg >= 1, qsize a power of two, "
			"1 <= batch <= qsize (msg %zu, qsize %u, batch %u)\n",
			run->mech, p->msg, q, p->batch);
		return -EINVAL;
	}
	*qsize = q;
	return 0;
}

void *vb_zalloc(const struct vb_run *run, size_t bytes)
{
	void *p = NULL;
	int rc;

	if (vb_shared_mode(run->p))
		return vb_arena_alloc(run, bytes ? bytes : 1);
	rc = posix_memalign(&p, VB_LINE, bytes ? bytes : 1);

	if (rc) {
		vb_err(run, "posix_memalign", rc);
		return NULL;
	}
	memset(p, 0, bytes);
	return p;
}

/* ---- threads ----------------------------------------------------------------- */

static int vb_pin(struct vb_run *run, int cpu)
{
	cpu_set_t set;
	int rc;

	if (cpu >= CPU_SETSIZE)
		return vb_err(run, "pthread_setaffinity_np (cpu out of range)", EINVAL);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (rc)
		return vb_err(run, "pthread_setaffinity_np", rc);
	return 0;
}

static void *vb_thread(void *arg)
{
	struct vb_targ *t = arg;
	struct vb_run *run = t->run;
	int cpu = run->p->cpu[t->side], rc = 0, go;
	sigset_t set;

	/* A write to a pipe or socket whose peer already gave up must fail
	 * with EPIPE, not kill the process: SIGPIPE is thread-directed, so
	 * blocking it here leaves it pending on a thread that then exits. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (cpu >= 0)
		rc = vb_pin(run, cpu);

	pthread_mutex_lock(&run->lock);
	run->ready++;
	if (rc && !run->fail)
		run->fail = rc;
	pthread_cond_broadcast(&run->cond);
	while (!run->go)
		pthread_cond_wait(&run->cond, &run->lock);
	go = run->go;
	pthread_mutex_unlock(&run->lock);

	if (go > 0)
		run->side[t->side].rc = t->fn(run);
	return NULL;
}

static void vb_close_side_fds(struct vb_run *run, int side)
{
	int i;

	for (i = 0; i < 2; i++) {
		int *fd = run->side_fd[side][i];

		if (fd && *fd >= 0) {
			close(*fd);
			*fd = -1;
		}
	}
}

/*
 * procs: side 1 in a forked process, side 0 on a thread of this one.  The
 * run and its result move to the shared arena for the run (the start gate
 * with process-shared mutex and condition variable); both are copied back
 * when the child has exited.
 */
static int vb_run_procs(struct vb_run *run, vb_side_fn fn0, vb_side_fn fn1)
{
	struct vb_run *sr = vb_zalloc(run, sizeof(*sr));
	struct vb_result *srr = vb_zalloc(run, sizeof(*srr));
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pthread_t tid;
	pid_t child;
	int rc = 0, status = 0, started = 0;

	if (!sr || !srr)
		return -ENOMEM;
	memcpy(srr, run->r, sizeof(*srr));
	memcpy(sr, run, sizeof(*sr));
	sr->r = srr;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&sr->lock, &ma);
	pthread_cond_init(&sr->cond, &ca);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_destroy(&ca);
	sr->targ[0] = (struct vb_targ){ sr, 0, fn0 };
	sr->targ[1] = (struct vb_targ){ sr, 1, fn1 };
	sr->pid[0] = (int)getpid();

	fflush(NULL); /* nothing buffered may be written twice */
	child = fork();
	if (child < 0) {
		rc = vb_err(run, "fork", errno);
		goto out;
	}
	if (child == 0) {
		vb_close_side_fds(sr, 0);
		vb_thread(&sr->targ[1]);
		_exit(0);
	}
	vb_close_side_fds(run, 1); /* this process's copies, through the caller's pointers */
	sr->pid[1] = (int)child;
	rc = pthread_create(&tid, NULL, vb_thread, &sr->targ[0]);
	if (rc)
		rc = vb_err(run, "pthread_create", rc);
	else
		started = 1;

	/* the gate: both sides pinned and ready; a child that died before
	 * it got there turns it into "go home" */
	pthread_mutex_lock(&sr->lock);
	while (!rc && sr->ready < 2) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&sr->cond, &sr->lock, &ts);
		if (sr->ready < 2 && waitpid(child, &status, WNOHANG) == child) {
			child = -1;
			rc = vb_err(run, "side 1 process exited before the start", ECHILD);
		}
	}
	sr->go = (rc || sr->fail) ? -1 : 1;
	pthread_cond_broadcast(&sr->cond);
	pthread_mutex_unlock(&sr->lock);
	if (started)
		pthread_join(tid, NULL);
	if (child > 0 && waitpid(child, &status, 0) == child &&
	    (!WIFEXITED(status) || WEXITSTATUS(status) != 0) && !rc)
		rc = vb_err(run, "side 1 process", EIO);
out:
	pthread_cond_destroy(&sr->cond);
	pthread_mutex_destroy(&sr->lock);
	memcpy(run->r, srr, sizeof(*srr));
	memcpy(run->side, sr->side, sizeof(run->side));
	if (!run->fail)
		run->fail = sr->fail;
	return rc;
}

int vb_run_threads(struct vb_run *run, vb_side_fn fn0, vb_side_fn fn1)
{
	pthread_t tid[2];
	int n, i, rc = 0;

	if (run->p->procs) {
		rc = vb_run_procs(run, fn0, fn1);
		goto results;
	}
	pthread_mutex_init(&run->lock, NULL);
	pthread_cond_init(&run->cond, NULL);
	run->targ[0] = (struct vb_targ){ run, 0, fn0 };
	run->targ[1] = (struct vb_targ){ run, 1, fn1 };
	for (n = 0; n < 2; n++) {
		rc = pthread_create(&tid[n], NULL, vb_thread, &run->targ[n]);
		if (rc) {
			rc = vb_err(run, "pthread_create", rc);
			break;
		}
	}

	/* Open the gate only when both are pinned; a thread that could not
	 * be created or pinned turns it into "go home". */
	pthread_mutex_lock(&run->lock);
	while (!rc && run->ready < 2)
		pthread_cond_wait(&run->cond, &run->lock);
	run->go = (rc || run->fail) ? -1 : 1;
	pthread_cond_broadcast(&run->cond);
	pthread_mutex_unlock(&run->lock);
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	pthread_cond_destroy(&run->cond);
	pthread_mutex_destroy(&run->lock);

results:
	if (rc)
		return rc;
	if (run->fail)
		return run->fail;
	rc = run->side[0].rc ? run->side[0].rc : run->side[1].rc;
	if (rc)
		return rc;
	run->r->notifications = run->side[0].notifications + run->side[1].notifications;
	run->r->interrupts = run->side[0].interrupts + run->side[1].interrupts;
	if (run->side[0].bad || run->side[1].bad) {
		fprintf(stderr,
			"vrq-bench: %s %s: payload check failed (%llu bad on side 0, "
			"%llu on side 1)\n",
			run->mech, run->mode, (unsigned long long)run->side[0].bad,
			(unsigned long long)run->side[1].bad);
		return -EIO;
	}
	return 0;
}

/* ---- phases ---------------------------------------------------------------------- */

/* ns -> ticks, saturating: a huge duration must not wrap into the past. */
static uint64_t vb_ns_to_ticks(uint64_t ns)
{
	double t = (double)ns * vb_ticks_per_ns();

	return t >= 1.8e19 ? UINT64_MAX : (uint64_t)t;
}

static uint64_t vb_deadline(uint64_t now, uint64_t ticks)
{
	return ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
}

int vb_meter_start(struct vb_meter *m, struct vb_run *run, int side)
{
	uint64_t now;

	memset(m, 0, sizeof(*m));
	m->run = run;
	m->side = side;
	m->max = run->p->max_trans;
	if (!(vb_ticks_per_ns() > 0.0))
		return vb_err(run, "clock (vb_clock_init() not called?)", EINVAL);
	m->dur_ticks = vb_ns_to_ticks(run->p->duration_ns);
	now = vb_ticks();
	if (!run->p->warmup_ns)
		vb_meter_begin(m, now);
	else
		m->warm_end = vb_deadline(now, vb_ns_to_ticks(run->p->warmup_ns));
	return 0;
}

/* utime+stime of another process, from /proc/<pid>/stat (USER_HZ ticks) */
static double vb_pid_cpu_s(int pid)
{
	char path[64], buf[512], *q;
	unsigned long ut = 0, st = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	q = strrchr(buf, ')');
	/* after ')': state(3) ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime(14) stime(15) */
	if (!q || sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
			 &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of both sides so far: this process (both threads in thread
 * mode), plus the peer process in procs mode */
static double vb_run_cpu_s(const struct vb_meter *m)
{
	struct rusage ru;
	double s;

	getrusage(RUSAGE_SELF, &ru);
	s = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	    ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e-6;
	if (m->run->p->procs && m->run->pid[1 - m->side] > 0)
		s += vb_pid_cpu_s(m->run->pid[1 - m->side]);
	return s;
}

void vb_meter_begin(struct vb_meter *m, uint64_t now)
{
	m->on = true;
	m->n = 0;
	m->end = vb_deadline(now, m->dur_ticks);
	m->notif0 = m->notif;
	m->intr0 = m->intr;
	m->cpu0 = vb_run_cpu_s(m);
	m->mono0 = vb_mono_ns();
	/* R-phase: pairs with vb_peer_phase(); the next request carries it */
	atomic_store_explicit(&m->run->phase, VB_MEASURE, memory_order_release);
}

void vb_meter_end(struct vb_meter *m)
{
	struct vb_run *run = m->run;
	struct vb_result *r = run->r;
	uint64_t mono1 = vb_mono_ns();
	double cpu1 = vb_run_cpu_s(m);

	vb_run_done(run);
	m->on = false;
	r->trans = m->n;
	r->elapsed_ns = mono1 - m->mono0;
	r->cpu_s = cpu1 - m->cpu0;
	run->side[m->side].notifications = m->notif - m->notif0;
	run->side[m->side].interrupts = m->intr - m->intr0;
}
