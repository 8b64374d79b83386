/* SPDX-License-Identifier: MIT */
/*
 * tests/notify/test_lost_wakeup.c - the lost wake-up, forced and raced.
 *
 *   test_lost_wakeup [--expect-loss]
 *
 * (a) Deterministic: one thread plays both ends of a link.  The sleeper
 *     (driver waiting for an interrupt, or device waiting for a kick) calls
 *     the real wait; a test hook fires once at a chosen point inside it
 *     (wait_armed, F3/F4 pre/post, wait_block) and performs the peer's
 *     complete publish + notify decision right there.  Every point must end
 *     the wait with the buffer, never the timeout, and the counters must
 *     show which path saw the work (suppressed + re-check, or sent + wake).
 *     Backends that block x split/packed x EVENT_IDX on/off.
 * (b) Store buffer: two threads on two CPUs released together by one store
 *     per iteration (the releasing side waits a swept delay so the two
 *     stores meet at every offset); the peer publishes and decides while
 *     the sleeper arms and re-checks: the device vs the waiting driver
 *     (F2/F3), and the driver vs the waiting device (F1/F4), each over
 *     split/packed x EVENT_IDX on/off, 10^5 x VRQ_TEST_SCALE iterations in
 *     all.  Without the store->load fence on either side both can miss
 *     each other; the sleeper then sleeps to its deadline.  No loss allowed.
 * (c) --expect-loss: only (b), in the direction whose fence is omitted, up
 *     to 10^6 iterations / 60 s, stopping at 3 losses; exit 0 if a loss was
 *     seen.  Built with -DVRQ_TEST_OMIT_FENCES=0x8u (F3 removed) as
 *     test_lost_wakeup_mutant: proves (b) detects the missing fence.
 *
 * A loss is not seen as a -VRQ_ETIMEDOUT: the wait loop re-checks the ring
 * after its block times out and returns 0 since the work is there by then.
 * So a loss is: the sleeper's block ran to its deadline (rx.timeouts moved)
 * although the peer had published and been told "suppressed" well before
 * that deadline.  A peer thread merely scheduled out past the deadline (a
 * busy machine) is counted as "late", not as a loss.
 */
#define _GNU_SOURCE

/* hook points, before any vrq header so the inlines get instrumented */
enum hook_point {
	HOOK_NONE = 0,
	HOOK_f1_pre,
	HOOK_f2_pre,
	HOOK_f3_pre,
	HOOK_f3_post,
	HOOK_f4_pre,
	HOOK_f4_post,
	HOOK_wait_armed,
	HOOK_wait_block,
	HOOK_COUNT
};

static void hook_fire(enum hook_point p);
#define VRQ_TEST_HOOK(p) hook_fire(HOOK_##p)

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrq/link.h"
#include "vrq/vrq.h"
#include "vrq_test.h"

#define MS 1000000ull
#define TOKEN ((void *)(uintptr_t)0x5eed)


static const char *const hook_names[HOOK_COUNT] = {
	"none",	  "f1_pre",  "f2_pre",	   "f3_pre",	 "f3_post",
	"f4_pre", "f4_post", "wait_armed", "wait_block",
};

/* ---- hooks ------------------------------------------------------------------ */

/* Written only by the main thread while no other thread runs; read by the
 * hooks (part (b) threads see HOOK_NONE). */
static struct {
	enum hook_point armed;
	int fired;
	bool busy;
	void (*inject)(void);
} hk;

static void hook_fire(enum hook_point p)
{
	if (__builtin_expect(hk.armed != p, 1))
		return;
	/* the injected peer action passes hook points of its own (f1_pre,
	 * f2_pre): never re-enter, fire once */
	if (hk.busy || hk.fired)
		return;
	hk.busy = true;
	hk.fired++;
	hk.inject();
	hk.busy = false;
}

/* ---- common ----------------------------------------------------------------- */

static double scale_get(void)
{
	const char *s = getenv("VRQ_TEST_SCALE");
	double v = s ? atof(s) : 1.0;

	return v > 0 ? v : 1.0;
}

static void link_cfg(struct vrq_link_cfg *lc, enum vrq_notify_kind k, enum vrq_ring_kind ring,
		     bool event_idx)
{
	memset(lc, 0, sizeof(*lc));
	lc->ring = ring;
	lc->qsize = 8;
	lc->features =
		VRQ_FEATURE(VRQ_F_VERSION_1) | (event_idx ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0);
	lc->notify = k;
	lc->block = VRQ_NOTIFY_EVENTFD;
	/* hybrid spins first: keep it short, the hooks fire after the spin */
	lc->spin_ns = 1000;
	lc->buf_bytes = 4096;
}

/* one request (16 bytes out) + one response area (16 bytes in) */
static int drv_add(struct vrq_link *l, void *token)
{
	struct vrq_sg sg[2] = { { vrq_link_da(l, l->bufs), 16 },
				{ vrq_link_da(l, l->bufs + 32), 16 } };

	return vrq_vq_drv_add(&l->drv, sg, 1, 1, token);
}

/* device: pop one chain of the expected shape; its head, or -1 */
static int dev_pop(struct vrq_link *l)
{
	struct vrq_seg seg[4];
	struct vrq_chain c;
	int rc;

	vrq_chain_init(&c, seg, 4);
	rc = vrq_vq_dev_pop(&l->dev, &c);
	if (rc != 1 || c.n != 2 || c.n_out != 1 || seg[0].len != 16 || seg[1].len != 16) {
		fprintf(stderr, "device: pop rc=%d (%s) n=%u\n", rc, vrq_strerror(rc), c.n);
		return -1;
	}
	return c.head;
}

/* ---- (a) deterministic injection ----------------------------------------------- */

enum dir { DIR_IRQ, DIR_KICK };

static struct {
	struct vrq_link *drv, *dev;
	int head;
	int rc;
} inj;

/* the device completes the popped buffer and takes its interrupt decision */
static void inject_irq(void)
{
	if (vrq_vq_dev_push(&inj.dev->dev, (uint16_t)inj.head, 16) < 0)
		inj.rc = -1;
	vrq_vq_dev_publish(&inj.dev->dev);
	if (vrq_vq_dev_interrupt(&inj.dev->dev, &inj.dev->irq) < 0)
		inj.rc = -1;
}

/* the driver makes a buffer available and takes its kick decision */
static void inject_kick(void)
{
	if (drv_add(inj.drv, TOKEN) < 0)
		inj.rc = -1;
	vrq_vq_drv_publish(&inj.drv->drv);
	if (vrq_vq_drv_kick(&inj.drv->drv, &inj.drv->kick) < 0)
		inj.rc = -1;
}

static bool blocks(enum vrq_notify_kind k)
{
	return k != VRQ_NOTIFY_POLL;
}

/*
 * One forced interleaving.  @p point HOOK_NONE: nobody publishes, the wait
 * must time out (the control case).
 */
static void run_point(enum vrq_notify_kind k, enum vrq_ring_kind ring, bool event_idx, enum dir dir,
		      enum hook_point point)
{
	char name[128];
	struct vrq_link_cfg lc;
	struct vrq_link drv, dev;
	struct vrq_notify_stats tx, rx;
	uint64_t timeout = point == HOOK_NONE ? 20 * MS : 200 * MS, t0, dt;
	bool have_dev = false, have_drv = false;
	void *tok = NULL;
	uint32_t len = 0;
	int rc;

	snprintf(name, sizeof(name), "%s %s event_idx=%d %s @%s", vrq_notify_kind_name(k),
		 ring == VRQ_RING_PACKED ? "packed" : "split", event_idx,
		 dir == DIR_IRQ ? "irq" : "kick", hook_names[point]);
	link_cfg(&lc, k, ring, event_idx);
	rc = vrq_link_create(&drv, &lc);
	if (rc < 0) {
		fprintf(stderr, "[%s] link create: %s\n", name, drv.msg);
		vrq_test_failures++;
		return;
	}
	have_drv = true;
	rc = vrq_link_attach(&dev, &drv);
	if (rc < 0) {
		fprintf(stderr, "[%s] attach: %s\n", name, dev.msg);
		vrq_test_failures++;
		goto out;
	}
	have_dev = true;
	memset(&inj, 0, sizeof(inj));
	inj.drv = &drv;
	inj.dev = &dev;

	if (dir == DIR_IRQ) {
		/* one buffer in flight, held by the device */
		CHECK_EQ_OUT(drv_add(&drv, TOKEN), 0);
		vrq_vq_drv_publish(&drv.drv);
		inj.head = dev_pop(&dev);
		CHECK_OUT(inj.head >= 0);
	}

	hk.armed = point;
	hk.fired = 0;
	hk.inject = dir == DIR_IRQ ? inject_irq : inject_kick;
	t0 = vrq_notify_now_ns();
	if (dir == DIR_IRQ)
		rc = vrq_vq_drv_wait(&drv.drv, &drv.irq, timeout);
	else
		rc = vrq_vq_dev_wait(&dev.dev, &dev.kick, timeout);
	dt = vrq_notify_now_ns() - t0;
	hk.armed = HOOK_NONE;
	CHECK_EQ_OUT(inj.rc, 0);

	if (point == HOOK_NONE) {
		CHECK_EQ_OUT(rc, -VRQ_ETIMEDOUT);
		CHECK_OUT(dt >= timeout);
		rx = dir == DIR_IRQ ? drv.irq.st : dev.kick.st;
		CHECK_EQ_OUT(rx.timeouts, 1);
		goto done;
	}
	CHECK_EQ_OUT(hk.fired, 1);
	CHECK_EQ_OUT(rc, 0);
	/* returning 0 after sleeping to the deadline would be a lost wake-up
	 * hidden by the final re-check */
	CHECK_OUT(dt < timeout / 2);

	if (dir == DIR_KICK) {
		/* the device serves what woke it */
		int head = dev_pop(&dev);

		CHECK_OUT(head >= 0);
		CHECK_EQ_OUT(vrq_vq_dev_push(&dev.dev, (uint16_t)head, 16), 0);
		vrq_vq_dev_publish(&dev.dev);
		tx = drv.kick.st;
		rx = dev.kick.st;
	} else {
		tx = dev.irq.st;
		rx = drv.irq.st;
	}
	CHECK_EQ_OUT(vrq_vq_drv_get_used(&drv.drv, &tok, &len), 1);
	CHECK_OUT(tok == TOKEN);
	CHECK_EQ_OUT(len, 16);

	CHECK_EQ_OUT(rx.timeouts, 0);
	CHECK_EQ_OUT(rx.spurious, 0);
	CHECK_EQ_OUT(rx.spin_hits, 0);
	CHECK_EQ_OUT(tx.sent + tx.suppressed, 1);
	switch (point) {
	case HOOK_wait_armed:
		/* not armed yet: the peer is told "suppressed", the re-check
		 * after arming finds the work */
		CHECK_EQ_OUT(tx.suppressed, 1);
		CHECK_EQ_OUT(rx.recheck_hits, 1);
		CHECK_EQ_OUT(rx.waits, 0);
		break;
	case HOOK_f3_pre:
	case HOOK_f3_post:
	case HOOK_f4_pre:
	case HOOK_f4_post:
		/* the event index is written: the peer notifies, and the
		 * re-check sees the work too (both sides see each other) */
		CHECK_EQ_OUT(tx.sent, 1);
		CHECK_EQ_OUT(rx.recheck_hits, 1);
		CHECK_EQ_OUT(rx.waits, 0);
		break;
	case HOOK_wait_block:
		/* the re-check missed: the notification must end the block */
		CHECK_EQ_OUT(tx.sent, 1);
		CHECK_EQ_OUT(rx.recheck_hits, 0);
		CHECK_EQ_OUT(rx.waits, 1);
		CHECK_EQ_OUT(rx.wakeups, 1);
		CHECK_EQ_OUT(rx.consumed, 1);
		if (k == VRQ_NOTIFY_LEGACY_IRQ) {
			CHECK_EQ_OUT(tx.syscalls, 1);
			CHECK_EQ_OUT(rx.status_reads, 1);
			CHECK_EQ_OUT(rx.acks, 1);
		}
		break;
	default:
		CHECK_OUT(0);
	}
	/* every notification sent is consumed exactly once */
	vrq_notify_drain(dir == DIR_IRQ ? &drv.irq : &dev.kick);
	rx = dir == DIR_IRQ ? drv.irq.st : dev.kick.st;
	CHECK_EQ_OUT(rx.consumed, tx.sent);
	if (k == VRQ_NOTIFY_LEGACY_IRQ)
		CHECK_EQ_OUT(rx.acks, rx.status_reads - rx.status_empty);
done:;
out:
	hk.armed = HOOK_NONE;
	if (have_dev)
		vrq_link_destroy(&dev);
	if (have_drv)
		vrq_link_destroy(&drv);
}

static void part_a(void)
{
	static const enum vrq_notify_kind kinds[] = { VRQ_NOTIFY_EVENTFD, VRQ_NOTIFY_FUTEX,
						      VRQ_NOTIFY_LEGACY_IRQ, VRQ_NOTIFY_HYBRID };
	static const enum hook_point irq_pts[] = { HOOK_NONE, HOOK_wait_armed, HOOK_f3_pre,
						   HOOK_f3_post, HOOK_wait_block };
	static const enum hook_point kick_pts[] = { HOOK_NONE, HOOK_wait_armed, HOOK_f4_pre,
						    HOOK_f4_post, HOOK_wait_block };
	int before = vrq_test_failures, runs = 0;
	unsigned ki, r, e, d, p;

	for (ki = 0; ki < sizeof(kinds) / sizeof(kinds[0]); ki++) {
		if (!blocks(kinds[ki]))
			continue;
		for (r = 0; r < 2; r++)
			for (e = 0; e < 2; e++)
				for (d = 0; d < 2; d++)
					for (p = 0; p < 5; p++) {
						run_point(kinds[ki],
							  r ? VRQ_RING_PACKED : VRQ_RING_SPLIT,
							  e == 1, d ? DIR_KICK : DIR_IRQ,
							  d ? kick_pts[p] : irq_pts[p]);
						runs++;
					}
	}
	printf("(a) forced interleavings: %d runs, %d failed\n", runs, vrq_test_failures - before);
}

/* ---- (b) store-buffer race ------------------------------------------------------- */

struct sb {
	struct vrq_link drv, dev;
	enum dir dir; /* DIR_IRQ: the driver sleeps; DIR_KICK: the device does */
	enum vrq_ring_kind ring;
	bool event_idx;
	uint32_t link_flags; /* VRQ_LINK_ASYM_FENCE: light F1/F2, heavy barrier */
	uint64_t max_iters, max_ns;
	unsigned max_losses;
	/* barrier: arrivals, and the one release store both sides spin on */
	_Alignas(64) uint32_t arrive;
	_Alignas(64) uint32_t go;
	/* peer -> sleeper, per iteration (ordered by the barrier) */
	_Alignas(64) int notified;
	uint64_t t_decided;
	int peer_err;
	/* sleeper -> peer */
	bool stop;
	/* results */
	uint64_t iters, losses, losses_rc0, late, first_loss, recheck, blocked, sent, suppressed;
	int err;
};

/* Two-party barrier number @p g: the last to arrive releases both with a
 * single store.  Returns true on the releasing side. */
static bool sb_barrier(struct sb *s, uint32_t g)
{
	if (__atomic_add_fetch(&s->arrive, 1, __ATOMIC_ACQ_REL) == 2 * g) {
		__atomic_store_n(&s->go, g, __ATOMIC_RELEASE);
		return true;
	}
	while (__atomic_load_n(&s->go, __ATOMIC_ACQUIRE) != g)
		vrq_cpu_relax();
	return false;
}

/* The releasing side leaves first, by about one cache-line transfer; it
 * waits a swept number of empty loops so that the two sides' shared
 * stores meet at every offset around zero. */
static inline void sb_delay(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		__asm__ __volatile__("" ::: "memory");
}

#define SB_SWEEP 512u

/* The publishing side: the device completing (DIR_IRQ) or the driver
 * making a buffer available (DIR_KICK). */
static void *sb_peer(void *p)
{
	struct sb *s = p;
	bool irq = s->dir == DIR_IRQ;
	uint32_t g = 0, len;
	int head = -1, n;
	void *tok;

	if (irq && (head = dev_pop(&s->dev)) < 0) {
		s->peer_err = __LINE__;
		return NULL;
	}
	for (;;) {
		/* prepared before the barrier: invisible until the publish */
		if (irq ? vrq_vq_dev_push(&s->dev.dev, (uint16_t)head, 16) < 0
			: drv_add(&s->drv, TOKEN) < 0)
			s->peer_err = __LINE__;
		if (sb_barrier(s, ++g))
			sb_delay((g * 37u) % SB_SWEEP);
		/* the race: publish (R2 / R1), F2 / F1, read the sleeper's
		 * event index or flags */
		if (irq)
			n = vrq_vq_dev_interrupt(&s->dev.dev, &s->dev.irq);
		else
			n = vrq_vq_drv_kick(&s->drv.drv, &s->drv.kick);
		s->t_decided = vrq_notify_now_ns();
		s->notified = n;
		if (n < 0)
			s->peer_err = __LINE__;
		sb_barrier(s, ++g);
		if (__atomic_load_n(&s->stop, __ATOMIC_RELAXED) || s->peer_err)
			break;
		/* the sleeper re-added (irq) or completed (kick) before the
		 * barrier */
		if (irq) {
			head = dev_pop(&s->dev);
			if (head < 0)
				s->peer_err = __LINE__;
		} else if (vrq_vq_drv_get_used(&s->drv.drv, &tok, &len) != 1 || tok != TOKEN) {
			s->peer_err = __LINE__;
		}
		if (s->peer_err)
			break;
	}
	return NULL;
}

#define SB_TIMEOUT (20 * MS)

/* The sleeping side (this thread): the driver waiting for its interrupt,
 * or the device for its kick. */
static void sb_sleeper(struct sb *s)
{
	bool irq = s->dir == DIR_IRQ;
	struct vrq_notifier *nf = irq ? &s->drv.irq : &s->dev.kick;
	uint64_t t_start, t_end, t_begin = vrq_notify_now_ns(), timeouts, spin0;
	uint32_t g = 0, len;
	void *tok;
	int rc, head;

	for (s->iters = 0;; s->iters++) {
		t_start = vrq_notify_now_ns();
		timeouts = nf->st.timeouts;
		if (sb_barrier(s, ++g))
			sb_delay((g * 37u) % SB_SWEEP);
		/* the race: store the event index (enable), F3 / F4,
		 * re-check the ring, block on the eventfd if nothing seen */
		if (irq)
			rc = vrq_vq_drv_wait(&s->drv.drv, &s->drv.irq, SB_TIMEOUT);
		else
			rc = vrq_vq_dev_wait(&s->dev.dev, &s->dev.kick, SB_TIMEOUT);
		t_end = vrq_notify_now_ns();
		if (rc < 0 && rc != -VRQ_ETIMEDOUT) {
			fprintf(stderr, "(b) wait: %s\n", vrq_strerror(rc));
			s->err = __LINE__;
		}
		/* a late peer (scheduled out): wait for its publish */
		for (spin0 = t_end; irq ? !vrq_vq_drv_has_used(&s->drv.drv)
					: !vrq_vq_dev_has_avail(&s->dev.dev);) {
			vrq_cpu_relax();
			if (vrq_notify_now_ns() - spin0 > 10000 * MS) {
				fprintf(stderr, "(b) the peer never published\n");
				s->err = __LINE__;
				break;
			}
		}
		/* consume, and prepare the next iteration (the peer takes it
		 * after the barrier) */
		if (s->err) {
		} else if (irq) {
			if (vrq_vq_drv_get_used(&s->drv.drv, &tok, &len) != 1 || tok != TOKEN ||
			    drv_add(&s->drv, TOKEN) < 0)
				s->err = __LINE__;
			vrq_vq_drv_publish(&s->drv.drv);
		} else {
			head = dev_pop(&s->dev);
			if (head < 0 || vrq_vq_dev_push(&s->dev.dev, (uint16_t)head, 16) < 0)
				s->err = __LINE__;
			vrq_vq_dev_publish(&s->dev.dev);
		}
		if (s->err)
			fprintf(stderr, "(b) iteration %" PRIu64 " failed\n", s->iters);
		if (s->err || s->iters + 1 >= s->max_iters || s->losses >= s->max_losses ||
		    t_end - t_begin > s->max_ns)
			__atomic_store_n(&s->stop, true, __ATOMIC_RELAXED);
		sb_barrier(s, ++g);
		/* the peer's decision is visible now */
		if (nf->st.timeouts != timeouts || rc == -VRQ_ETIMEDOUT) {
			if (!s->notified && s->t_decided + 1 * MS < t_start + SB_TIMEOUT) {
				/* published and suppressed well before our
				 * deadline, yet we slept to it */
				if (!s->losses)
					s->first_loss = s->iters + 1;
				s->losses++;
				s->losses_rc0 += rc == 0;
			} else {
				s->late++;
			}
		}
		if (s->notified)
			s->sent++;
		else
			s->suppressed++;
		vrq_notify_drain(nf);
		if (__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
			s->iters++;
			break;
		}
	}
	s->recheck = nf->st.recheck_hits;
	s->blocked = nf->st.waits;
}

/* 0 ok, -1 setup failure */
static int sb_run(struct sb *s, enum dir dir, enum vrq_ring_kind ring, bool event_idx,
		  uint32_t link_flags, uint64_t iters, uint64_t max_ns, unsigned max_losses)
{
	struct vrq_link_cfg lc;
	pthread_t th;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	s->dir = dir;
	s->ring = ring;
	s->event_idx = event_idx;
	s->link_flags = link_flags;
	s->max_iters = iters;
	s->max_ns = max_ns;
	s->max_losses = max_losses;
	link_cfg(&lc, VRQ_NOTIFY_EVENTFD, ring, event_idx);
	lc.flags = link_flags;
	if (vrq_link_create(&s->drv, &lc) < 0) {
		fprintf(stderr, "(b) link create: %s\n", s->drv.msg);
		return -1;
	}
	if (vrq_link_attach(&s->dev, &s->drv) < 0) {
		fprintf(stderr, "(b) attach: %s\n", s->dev.msg);
		vrq_link_destroy(&s->drv);
		return -1;
	}
	/* irq: one buffer in flight, popped by the peer as it starts */
	if (dir == DIR_IRQ) {
		if (drv_add(&s->drv, TOKEN) < 0)
			goto out;
		vrq_vq_drv_publish(&s->drv.drv);
	}
	if (pthread_create(&th, NULL, sb_peer, s) != 0)
		goto out;
	sb_sleeper(s);
	pthread_join(th, NULL);
	if (s->peer_err)
		fprintf(stderr, "(b) peer failed at line %d\n", s->peer_err);
	rc = s->err || s->peer_err ? -1 : 0;
out:
	vrq_link_destroy(&s->dev);
	vrq_link_destroy(&s->drv);
	return rc;
}

static void sb_report(const struct sb *s, double secs)
{
	printf("(b) %s %s event_idx=%d%s: %" PRIu64 " iterations in %.2f s: losses %" PRIu64
	       " (first at %" PRIu64 ", %" PRIu64 " returned 0 at the deadline), late %" PRIu64
	       ", re-check hits %" PRIu64 ", blocked %" PRIu64 ", notified %" PRIu64
	       ", suppressed %" PRIu64 "\n",
	       s->dir == DIR_IRQ ? "irq " : "kick", s->ring == VRQ_RING_PACKED ? "packed" : "split",
	       s->event_idx, s->link_flags & VRQ_LINK_ASYM_FENCE ? " asym-fence" : "", s->iters,
	       secs, s->losses, s->first_loss, s->losses_rc0, s->late,
	       s->recheck, s->blocked, s->sent, s->suppressed);
	if (s->iters < s->max_iters && s->losses < s->max_losses && !s->err)
		printf("(b) time budget reached before %" PRIu64 " iterations\n", s->max_iters);
}

static int two_cpus(void)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) < 2)
		return 0;
	return 1;
}

static void part_b(double scale)
{
	static struct sb s;
	uint64_t iters = (uint64_t)(1e5 * scale), t0;
	unsigned d, r, e, a;
	bool asym_ok = vrq_notify_heavy_register() == 0;

	if (!two_cpus()) {
		printf("(b) skipped: fewer than 2 usable CPUs, no store-buffer race possible\n");
		return;
	}
	if (iters < 2000)
		iters = 2000;
	/* the budget is split over both directions x the four ring
	 * configurations; natively a configuration takes well under a second,
	 * the time cap only bounds sanitizer and emulator runs, where spinning
	 * threads crawl */
	if (!asym_ok)
		printf("(b) asymmetric fence skipped: membarrier unavailable\n");
	/* a = 1: the asymmetric fence (light F1/F2, the sleeper's membarrier) */
	for (a = 0; a < (asym_ok ? 2u : 1u); a++)
	for (d = 0; d < 2; d++) {
		for (r = 0; r < 2; r++) {
			for (e = 0; e < 2; e++) {
				t0 = vrq_notify_now_ns();
				if (sb_run(&s, d ? DIR_KICK : DIR_IRQ,
					   r ? VRQ_RING_PACKED : VRQ_RING_SPLIT, e == 1,
					   a ? VRQ_LINK_ASYM_FENCE : 0, iters / 16, 5000 * MS,
					   1) < 0) {
					vrq_test_failures++;
					continue;
				}
				sb_report(&s, (double)(vrq_notify_now_ns() - t0) * 1e-9);
				if (s.losses) {
					fprintf(stderr,
						"(b) lost wake-up after %" PRIu64 " iterations\n",
						s.first_loss);
					vrq_test_failures++;
				}
			}
		}
	}
}

/* (c): the mutant's mode: race the direction whose fence is omitted (F2/F3:
 * interrupts, F1/F4: kicks; the heavy barrier, bit 5: interrupts over an
 * asymmetric-fence link, whose publisher has only a compiler barrier); the
 * exit status says whether a loss was seen */
static int expect_loss(void)
{
	static struct sb s;
	const unsigned omit = (unsigned)(VRQ_TEST_OMIT_FENCES);
	enum dir dir = (omit & 0x12u) && !(omit & 0x2cu) ? DIR_KICK : DIR_IRQ;
	uint32_t flags = (omit & 0x20u) ? VRQ_LINK_ASYM_FENCE : 0;
	uint64_t t0 = vrq_notify_now_ns();

	if (!two_cpus()) {
		printf("--expect-loss: skipped, fewer than 2 usable CPUs\n");
		return 77;
	}
	printf("--expect-loss: VRQ_TEST_OMIT_FENCES=0x%x, racing the %s direction\n", omit,
	       dir == DIR_IRQ ? "interrupt" : "kick");
	if (flags && vrq_notify_heavy_register() < 0) {
		printf("--expect-loss: skipped, membarrier unavailable\n");
		return 77;
	}
	if (sb_run(&s, dir, VRQ_RING_SPLIT, true, flags, 1000000, 60000 * MS, 3) < 0)
		return 1;
	sb_report(&s, (double)(vrq_notify_now_ns() - t0) * 1e-9);
	if (!s.losses) {
		fprintf(stderr, "--expect-loss: no lost wake-up seen: the test would not catch "
				"the missing fence\n");
		return 1;
	}
	printf("--expect-loss: first lost wake-up after %" PRIu64 " iterations\n", s.first_loss);
	return 0;
}

int main(int argc, char **argv)
{
	double scale = scale_get();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "--expect-loss"))
		return expect_loss();
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--expect-loss]\n", argv[0]);
		return 2;
	}
	part_a();
	part_b(scale);
	if (vrq_test_failures) {
		fprintf(stderr, "%d check(s) failed\n", vrq_test_failures);
		return 1;
	}
	return 0;
}
