/* SPDX-License-Identifier: MIT */
/*
 * tests/notify/test_hybrid_adapt.c - hybrid's adaptive spin budget follows
 * its documented rule (transports/notify/hybrid.c, vrq__notify_adapt):
 *
 *   after a wait that blocked and took w ns in all (spin + block):
 *     w <  spin_max:  budget = max(budget, 2 w)   (would have caught it)
 *     w >= spin_max:  budget = budget / 2         (the peer is idle)
 *   then clamped to [1 us, spin_max]; a wait caught while spinning, and a
 *   fixed budget (spin_ns != 0), leave it as it is; it starts at spin_max.
 *
 *  1. the rule, with scripted wait times fed to vrq__notify_adapt(): exact
 *     budgets after each (halving down to the 1 us floor, growth to twice
 *     a short wait, no shrink on a shorter one, the spin_max ceiling, a
 *     wait of exactly spin_max, a custom spin_max, a fixed budget);
 *  2. through vrq_notify_wait() on an eventfd: a wait that times out after
 *     20 ms (so w >= spin_max) halves the budget exactly, 50 -> 25 -> ...
 *     -> 1 us; then waits that block on an already signalled eventfd take
 *     w between the budget and the time measured around the call, so while
 *     that time is under spin_max the new budget is bounded by the rule:
 *     2 x old <= new <= min(2 x measured, spin_max) (a round preempted past
 *     spin_max is re-run); a wait caught spinning keeps the budget; a fixed
 *     budget stays fixed through a timed-out wait.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrq/notify.h"
#include "vrq_test.h"

#define SPIN_MAX 50000u
#define FLOOR 1000u

static struct vrq_notify_shared *g_sh;

static int init_hybrid(struct vrq_notifier *n, int fd, uint32_t spin_ns, uint32_t spin_max)
{
	struct vrq_notify_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.kind = VRQ_NOTIFY_HYBRID;
	cfg.block = VRQ_NOTIFY_EVENTFD;
	cfg.shared = g_sh;
	cfg.fd = fd;
	cfg.spin_ns = spin_ns;
	cfg.spin_max_ns = spin_max;
	return vrq_notify_init(n, &cfg);
}

/* ---- 1. the rule, scripted --------------------------------------------------- */

struct step {
	uint64_t waited_ns;
	uint32_t budget_after;
};

static int run_script(const char *name, struct vrq_notifier *n, const struct step *s, unsigned k)
{
	unsigned i;

	for (i = 0; i < k; i++) {
		vrq__notify_adapt(n, s[i].waited_ns);
		if (n->spin_budget != s[i].budget_after || n->st.spin_budget_ns != s[i].budget_after) {
			fprintf(stderr,
				"[%s] step %u: after a %llu ns wait the budget is %u ns (stats %u), "
				"the rule gives %u\n",
				name, i, (unsigned long long)s[i].waited_ns, n->spin_budget,
				n->st.spin_budget_ns, s[i].budget_after);
			vrq_test_failures++;
			return -1;
		}
	}
	return 0;
}

static int test_rule(int fd)
{
	struct vrq_notifier n;
	/* default spin_max 50 us, starting at it */
	static const struct step idle_then_busy[] = {
		{100000, 25000},     /* long: halves */
		{SPIN_MAX, 12500},   /* exactly spin_max counts as long */
		{1000000000, 6250},  /* 1 s */
		{60000, 3125},
		{50001, 1562},
		{70000, FLOOR},      /* 781 -> the 1 us floor */
		{80000, FLOOR},      /* stays at the floor */
		{3000, 6000},	     /* short: twice the wait */
		{2000, 6000},	     /* shorter: no shrink */
		{0, 6000},
		{10000, 20000},
		{24999, 49998},
		{30000, SPIN_MAX},   /* 60000 -> the spin_max ceiling */
		{49999, SPIN_MAX},
		{SPIN_MAX, 25000},
		{400, 25000},
	};
	/* a custom ceiling */
	static const struct step custom[] = {
		{7999, 8000}, /* 15998 -> ceiling 8000 */
		{8000, 4000},
		{1500, 4000}, /* 3000 < 4000: kept */
		{2500, 5000},
		{100000, 2500},
		{100000, 1250},
		{100000, FLOOR},
		{499, FLOOR}, /* 998 -> floor */
		{600, 1200},
	};
	/* a fixed budget never moves */
	static const struct step fixed[] = {
		{100000, 20000}, {3000, 20000}, {0, 20000}, {1000000000, 20000},
	};

	CHECK_EQ(init_hybrid(&n, fd, 0, 0), 0);
	CHECK(n.adaptive);
	CHECK_EQ(n.spin_budget, SPIN_MAX); /* starts at spin_max */
	CHECK_EQ(n.st.spin_budget_ns, SPIN_MAX);
	CHECK(run_script("default spin_max", &n, idle_then_busy,
			 sizeof(idle_then_busy) / sizeof(idle_then_busy[0])) == 0);
	vrq_notify_fini(&n);

	CHECK_EQ(init_hybrid(&n, fd, 0, 8000), 0);
	CHECK_EQ(n.spin_budget, 8000);
	CHECK(run_script("spin_max 8 us", &n, custom, sizeof(custom) / sizeof(custom[0])) == 0);
	vrq_notify_fini(&n);

	CHECK_EQ(init_hybrid(&n, fd, 20000, 0), 0);
	CHECK(!n.adaptive);
	CHECK_EQ(n.spin_budget, 20000);
	CHECK(run_script("fixed 20 us", &n, fixed, sizeof(fixed) / sizeof(fixed[0])) == 0);
	vrq_notify_fini(&n);
	return 0;
}

/* ---- 2. through the wait loop -------------------------------------------------- */

/* a queue that is never ready, or becomes ready once the wait blocked
 * (disarm runs right after the block) */
struct wq {
	int ready;
	int ready_after_block;
};

static bool wq_ready(void *p)
{
	return ((struct wq *)p)->ready != 0;
}

static bool wq_arm(void *p)
{
	return wq_ready(p);
}

static void wq_disarm(void *p)
{
	struct wq *q = p;

	if (q->ready_after_block)
		q->ready = 1;
}

static int test_wait_loop(int fd)
{
	struct vrq_notifier rx, tx;
	struct wq q = {0, 0};
	struct vrq_notify_waitable w = {wq_ready, wq_arm, wq_disarm, &q};
	uint32_t b, want = SPIN_MAX;
	uint64_t waits;
	unsigned i, clean = 0, tries;
	int rc;

	CHECK_EQ(init_hybrid(&rx, fd, 0, 0), 0);
	CHECK_EQ(init_hybrid(&tx, fd, 0, 0), 0);

	/* timed-out waits: each blocked ~20 ms >= spin_max, so the budget
	 * halves.  A wait preempted past its deadline while still spinning
	 * never blocks, and then must leave the budget alone. */
	for (i = 0; i < 40 && want > FLOOR; i++) {
		waits = rx.st.waits;
		b = rx.spin_budget;
		rc = vrq_notify_wait(&rx, &w, 20000000ull);
		CHECK_EQ(rc, -VRQ_ETIMEDOUT);
		if (rx.st.waits == waits) {
			CHECK_EQ(rx.spin_budget, b);
			continue;
		}
		want = want / 2 < FLOOR ? FLOOR : want / 2;
		if (rx.spin_budget != want) {
			fprintf(stderr, "timed-out wait %u: budget %u -> %u, the rule gives %u\n", i, b,
				rx.spin_budget, want);
			CHECK(0);
		}
	}
	printf("timed-out waits: budget %u ns after %u waits (%llu blocked)\n", rx.spin_budget, i,
	       (unsigned long long)rx.st.waits);
	CHECK_EQ(rx.spin_budget, FLOOR);
	CHECK_EQ(rx.st.spin_budget_ns, FLOOR);

	/* short blocked waits: the eventfd is signalled before the wait, the
	 * queue becomes ready once the wait blocked (and read it) */
	q.ready_after_block = 1;
	for (tries = 0; tries < 200 && clean < 4; tries++) {
		uint64_t t0, t1, outer;

		q.ready = 0;
		b = rx.spin_budget;
		CHECK_EQ(vrq_notify_signal(&tx), 0);
		waits = rx.st.waits;
		t0 = vrq_notify_now_ns();
		rc = vrq_notify_wait(&rx, &w, 0);
		t1 = vrq_notify_now_ns();
		outer = t1 - t0;
		CHECK_EQ(rc, 0);
		CHECK_EQ(rx.st.waits, waits + 1); /* it blocked (the queue was not ready before) */
		if (outer >= SPIN_MAX) {
			/* preempted: w may be on either side of spin_max */
			uint32_t halved = b / 2 < FLOOR ? FLOOR : b / 2;

			CHECK(rx.spin_budget == halved || rx.spin_budget >= (2 * b < SPIN_MAX ? 2 * b : SPIN_MAX));
			continue;
		}
		/* b <= w <= outer < spin_max: max(b, 2w) clamped */
		{
			uint64_t lo = 2ull * b < SPIN_MAX ? 2ull * b : SPIN_MAX;
			uint64_t hi = 2ull * outer < SPIN_MAX ? 2ull * outer : SPIN_MAX;

			if (rx.spin_budget < lo || rx.spin_budget > hi) {
				fprintf(stderr,
					"short wait (%llu ns measured around it): budget %u -> %u, the "
					"rule gives [%llu, %llu]\n",
					(unsigned long long)outer, b, rx.spin_budget,
					(unsigned long long)lo, (unsigned long long)hi);
				CHECK(0);
			}
			printf("short wait: %llu ns around it, budget %u -> %u ns (rule: [%llu, %llu])\n",
			       (unsigned long long)outer, b, rx.spin_budget, (unsigned long long)lo,
			       (unsigned long long)hi);
		}
		clean++;
		if (rx.spin_budget >= SPIN_MAX / 4)
			break; /* the next waits would be near spin_max */
	}
	CHECK(clean > 0);
	CHECK(rx.spin_budget > FLOOR);

	/* caught while spinning: the budget stays */
	q.ready_after_block = 0;
	q.ready = 1;
	b = rx.spin_budget;
	waits = rx.st.waits;
	CHECK_EQ(vrq_notify_wait(&rx, &w, 0), 0);
	CHECK_EQ(rx.st.waits, waits);
	CHECK_EQ(rx.spin_budget, b);
	vrq_notify_drain(&rx);
	vrq_notify_fini(&rx);
	vrq_notify_fini(&tx);

	/* a fixed budget, through a timed-out wait */
	CHECK_EQ(init_hybrid(&rx, fd, 20000, 0), 0);
	q.ready = 0;
	CHECK_EQ(vrq_notify_wait(&rx, &w, 5000000ull), -VRQ_ETIMEDOUT);
	CHECK_EQ(rx.spin_budget, 20000);
	vrq_notify_fini(&rx);
	return 0;
}

int main(void)
{
	int fd = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	g_sh = aligned_alloc(64, sizeof(*g_sh));
	if (!g_sh || vrq_notify_eventfd(&fd) < 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	vrq_notify_shared_init(g_sh);
	if (test_rule(fd))
		fprintf(stderr, "FAILED: the rule, scripted\n");
	if (test_wait_loop(fd))
		fprintf(stderr, "FAILED: through the wait loop\n");
	close(fd);
	free(g_sh);
	return vrq_test_done("test_hybrid_adapt");
}
