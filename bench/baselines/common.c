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

void vb_run_init(struct vb_run *run, const char *mech, const char *mode, const struct vb_params *p,
		 struct vb_result *r, void *ctx)
{
	memset(r, 0, sizeof(*r));
	vb_hist_init(&r->hist);
	memset(run, 0, sizeof(*run));
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
	int rc = posix_memalign(&p, VB_LINE, bytes ? bytes : 1);

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

int vb_run_threads(struct vb_run *run, vb_side_fn fn0, vb_side_fn fn1)
{
	pthread_t tid[2];
	int n, i, rc = 0;

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

void vb_meter_begin(struct vb_meter *m, uint64_t now)
{
	m->on = true;
	m->n = 0;
	m->end = vb_deadline(now, m->dur_ticks);
	m->notif0 = m->notif;
	m->intr0 = m->intr;
	getrusage(RUSAGE_SELF, &m->ru0);
	m->mono0 = vb_mono_ns();
	/* R-phase: pairs with vb_peer_phase(); the next request carries it */
	atomic_store_explicit(&m->run->phase, VB_MEASURE, memory_order_release);
}

static double vb_tv_s(const struct timeval *a, const struct timeval *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_usec - a->tv_usec) * 1e-6;
}

void vb_meter_end(struct vb_meter *m)
{
	struct vb_run *run = m->run;
	struct vb_result *r = run->r;
	uint64_t mono1 = vb_mono_ns();
	struct rusage ru1;

	getrusage(RUSAGE_SELF, &ru1);
	vb_run_done(run);
	m->on = false;
	r->trans = m->n;
	r->elapsed_ns = mono1 - m->mono0;
	r->cpu_s =
		vb_tv_s(&m->ru0.ru_utime, &ru1.ru_utime) + vb_tv_s(&m->ru0.ru_stime, &ru1.ru_stime);
	run->side[m->side].notifications = m->notif - m->notif0;
	run->side[m->side].interrupts = m->intr - m->intr0;
}
