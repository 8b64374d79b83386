/* SPDX-License-Identifier: MIT */
/*
 * bench/baselines/common.h - what every baseline shares: the two pinned
 * threads and their start gate, the warm-up/measured phases (timed by one
 * side, the "meter"), the payload check pattern and error reporting.
 *
 * Roles.  Side 0 is the rr client / stream producer, side 1 the rr server /
 * stream consumer.  The meter runs on the side that sees every transaction
 * complete: the client in rr, the consumer in stream.
 *
 * Who touches what, concurrently:
 *   run->phase   written by the meter side only (three times per run), read
 *                by the other side once per transaction (relaxed: the
 *                mechanism's own hand-off orders it, see vb_peer_phase()).
 *   run->abort   written by a side that fails, read by the other one after
 *                each wake-up so that it never waits for a dead peer.
 *   run->side[i] written by side i only, read by the caller after join.
 *   run->r       written by the meter side only, read after join.
 *
 * Parameter the baselines do not use: lat_hist (rr always records every
 * round trip: the histogram is the point of a baseline).
 *
 * Memory policy, the same as vrq's shared regions: with procs, hugepages
 * or numa_node >= 0, vb_zalloc() hands out MAP_SHARED memory (huge pages
 * when asked, falling back to normal pages with a message; mbind() to the
 * node when one is given) from an arena reset by vb_run_init(); otherwise
 * heap memory.  With procs, vb_run_threads() runs side 1 in a forked
 * process: everything both sides touch (run, result, the mechanism's
 * state) must then come from vb_zalloc(), and file descriptors one side
 * owns are listed in run->side_fd so the other process closes its copies
 * (a pipe's reader sees EOF only once every copy of the write end is
 * closed).
 */
#ifndef VB_BASE_COMMON_H
#define VB_BASE_COMMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "clock.h"
#include "rr.h"

#define VB_LINE 64
#define VB_QSIZE_DEFAULT 256u

enum vb_phase {
	VB_WARMUP = 0,
	VB_MEASURE = 1,
	VB_DONE = 2,
};

struct vb_run;

/* One side's body; returns 0 or -errno (already reported on stderr). */
typedef int (*vb_side_fn)(struct vb_run *run);

struct vb_run {
	const char *mech, *mode; /* for messages: "pipe", "rr" */
	const struct vb_params *p;
	struct vb_result *r;
	void *ctx; /* the mechanism's state */

	/* rarely written, read by the non-meter side once per transaction */
	_Alignas(VB_LINE) _Atomic int phase; /* enum vb_phase */
	_Atomic int abort;		     /* a side failed */

	/* start gate: both threads pinned and ready before either starts */
	_Alignas(VB_LINE) pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready, fail, go;
	struct vb_targ {
		struct vb_run *run;
		int side;
		vb_side_fn fn;
	} targ[2];

	/* procs: both pids (the meter adds its peer's CPU time); the fds
	 * side i owns, closed (and set to -1) in the other side's process */
	int pid[2];
	int *side_fd[2][2];

	/* per side results, each written by its own side once, at its end */
	struct {
		int rc;
		uint64_t notifications, interrupts;
		uint64_t bad; /* payload check mismatches */
	} side[2];
};

/*
 * Warm-up/measure bookkeeping, private to the meter side.  Deadlines are
 * in vb_ticks() so that the per-transaction check reuses the timestamp the
 * transaction already took.
 */
struct vb_meter {
	struct vb_run *run;
	int side;		/* whose counts notif/intr are */
	bool on;		/* in the measured phase */
	uint64_t warm_end, end; /* ticks */
	uint64_t dur_ticks;
	uint64_t max, n; /* p->max_trans, measured so far */
	unsigned iter;	 /* stream: time checked every 16 rounds */
	uint64_t mono0;
	double cpu0; /* both sides' CPU seconds at the start of the phase */
	/* the meter side's own signalling counts, running; snapshot at begin */
	uint64_t notif, intr;
	uint64_t notif0, intr0;
};

/* ---- setup and the two threads ------------------------------------------- */

/** Zero @p r, initialise its histogram and @p run.  Never fails. */
void vb_run_init(struct vb_run *run, const char *mech, const char *mode, const struct vb_params *p,
		 struct vb_result *r, void *ctx);

/**
 * Start side 0 (@p fn0) and side 1 (@p fn1) on their own threads pinned to
 * p->cpu[0] and p->cpu[1], release them together, join both.  Adds both
 * sides' notification/interrupt counts into the result.  Returns 0, the
 * first failing side's -errno, or -EIO when a payload check failed.
 */
int vb_run_threads(struct vb_run *run, vb_side_fn fn0, vb_side_fn fn1);

/** Report "vrq-bench: <mech> <mode>: <call>: <strerror>", return -err. */
int vb_err(const struct vb_run *run, const char *call, int err);

/** rr parameter check: req, resp >= 1.  0 or -EINVAL (reported). */
int vb_check_rr(const struct vb_run *run);

/**
 * Stream parameter check and queue size: msg >= 1, qsize (0 = 256) a power
 * of two, 1 <= batch <= qsize.  Stores the size in @p qsize.  0 or -EINVAL.
 */
int vb_check_stream(const struct vb_run *run, unsigned *qsize);

/**
 * Zeroed memory aligned to a cache line, from the heap or, with procs,
 * hugepages or a NUMA node, from the shared arena (see the top of this
 * file); NULL (reported) on failure.  Release with vb_free().
 */
void *vb_zalloc(const struct vb_run *run, size_t bytes);

/** Release vb_zalloc() memory (arena memory goes back at the next run). */
void vb_free(void *p);

/* ---- phases ---------------------------------------------------------------- */

/**
 * Meter side (@p side: 0 rr client, 1 stream consumer), before its first
 * transaction.  With no warm-up the measured phase starts right here.
 * 0 or -EINVAL (clock not initialised).  vb_meter_end() stores the measured
 * trans, elapsed_ns, cpu_s and the side's notif/intr deltas.
 */
int vb_meter_start(struct vb_meter *m, struct vb_run *run, int side);
void vb_meter_begin(struct vb_meter *m, uint64_t now);
void vb_meter_end(struct vb_meter *m);

/** End of the run seen from the meter side (also on error paths). */
static inline void vb_run_done(struct vb_run *run)
{
	/* R-phase: read by the peer in vb_peer_phase(); the stop message or
	 * wake-up that follows this store carries it there (stream producers
	 * just poll it) */
	atomic_store_explicit(&run->phase, VB_DONE, memory_order_release);
}

/**
 * Phase as seen by the non-meter side right after it received a request
 * (rr) or found its queue empty/full (stream).  Relaxed: the meter side
 * stores the phase before it sends the next request, and the request's own
 * hand-off (syscall, release/acquire on the ring) orders the two.
 */
static inline int vb_peer_phase(const struct vb_run *run)
{
	return atomic_load_explicit(&run->phase, memory_order_relaxed);
}

static inline void vb_run_abort(struct vb_run *run)
{
	atomic_store_explicit(&run->abort, 1, memory_order_relaxed);
}

static inline bool vb_run_aborted(const struct vb_run *run)
{
	return atomic_load_explicit(&run->abort, memory_order_relaxed) != 0;
}

/**
 * rr: after one round trip that started at tick @p t0 and completed at
 * @p t1.  Records it when measured; returns true when the run is over (the
 * meter has ended and the phase is VB_DONE).
 */
static inline bool vb_meter_rr(struct vb_meter *m, uint64_t t0, uint64_t t1)
{
	if (m->on) {
		vb_hist_add(&m->run->r->hist, vb_ticks_to_ns(t1 - t0));
		if (++m->n == m->max || t1 >= m->end) {
			vb_meter_end(m);
			return true;
		}
	} else if (t1 >= m->warm_end) {
		vb_meter_begin(m, t1);
	}
	return false;
}

/** stream: how many of @p avail items to consume now (never past max_trans). */
static inline uint64_t vb_meter_take(const struct vb_meter *m, uint64_t avail)
{
	if (m->on && m->max && avail > m->max - m->n)
		return m->max - m->n;
	return avail;
}

/** stream: @p k items consumed in this round (0: queue was empty).  true = over. */
static inline bool vb_meter_items(struct vb_meter *m, uint64_t k)
{
	uint64_t t;

	if (m->on) {
		m->n += k;
		if (m->max && m->n >= m->max) {
			vb_meter_end(m);
			return true;
		}
	}
	/* reading the clock costs as much as moving an item: only every 16
	 * busy rounds, or when idle anyway */
	if (k && (++m->iter & 15u))
		return false;
	t = vb_ticks();
	if (m->on) {
		if (t >= m->end) {
			vb_meter_end(m);
			return true;
		}
	} else if (t >= m->warm_end) {
		vb_meter_begin(m, t);
	}
	return false;
}

/* ---- payload check ----------------------------------------------------------
 * Each message carries a pattern derived from its transaction number in
 * its first and last byte (the bytes a torn or misordered copy would get
 * wrong); responses use a different one so an echoed request fails. */

static inline uint8_t vb_req_pat(uint64_t seq)
{
	return (uint8_t)seq;
}

static inline uint8_t vb_resp_pat(uint64_t seq)
{
	return (uint8_t)(seq ^ 0xa5u);
}

static inline void vb_pat_set(uint8_t *b, size_t n, uint8_t v)
{
	b[0] = v;
	b[n - 1] = v;
}

static inline bool vb_pat_ok(const uint8_t *b, size_t n, uint8_t v)
{
	return b[0] == v && b[n - 1] == v;
}

#endif /* VB_BASE_COMMON_H */
