/* SPDX-License-Identifier: MIT */
/*
 * transports/notify/hybrid.c - the spin phase shared by poll (spins until
 * the deadline) and hybrid (spins for a budget, then arms and blocks on
 * its eventfd or futex), and hybrid's adaptive budget.
 */
#define _GNU_SOURCE
#include <stdint.h>

#include "internal.h"

#define MIN_SPIN_NS 1000u
#define SPIN_CHECK_MASK 63u	     /* clock read every 64 polls */
#define SPIN_LIVENESS_NS 1000000u /* spinning: peer check every 1 ms */

int vrq__notify_spin(struct vrq_notifier *n, const struct vrq_notify_waitable *w,
		     uint64_t start, uint64_t deadline, bool forever)
{
	/* forever: poll, or a receiver that promised never to sleep */
	uint64_t end = forever ? 0 : start + n->spin_budget;
	uint64_t next_check = start + SPIN_LIVENESS_NS, now = start;
	unsigned i = 0;
	int rc;

	for (;;) {
		if (w->ready(w->ctx)) {
			n->st.spin_hits++;
			n->st.spun_ns += (i > SPIN_CHECK_MASK ? vrq_notify_now_ns() : now) - start;
			return 1; /* caught spinning: the budget stays as it is */
		}
		vrq_cpu_relax();
		if ((++i & SPIN_CHECK_MASK) != 0)
			continue;
		now = vrq_notify_now_ns();
		if (now >= next_check) {
			next_check = now + SPIN_LIVENESS_NS;
			rc = vrq__notify_peer_check(n);
			if (rc < 0)
				break;
		}
		if (deadline && now >= deadline) {
			rc = -VRQ_ETIMEDOUT;
			break;
		}
		if (end && now >= end) {
			n->st.spun_ns += now - start;
			return 0; /* budget spent: arm and block */
		}
	}
	n->st.spun_ns += now - start;
	if (w->ready(w->ctx))
		return 1;
	if (rc == -VRQ_ETIMEDOUT)
		n->st.timeouts++;
	return rc;
}

/*
 * Hybrid's adaptive budget (cfg.spin_ns == 0).  A wait that spinning
 * caught keeps the budget; a block whose whole wait was shorter than
 * spin_max would have been caught by spinning twice as long as it took, so
 * the budget grows to that; a wait longer than spin_max means the peer is
 * idle, and spinning only burns the core: the budget halves (down to
 * 1 us).  Fixed budgets never change.
 */
void vrq__notify_adapt(struct vrq_notifier *n, uint64_t waited_ns)
{
	uint64_t b = n->spin_budget;

	if (!n->adaptive)
		return;
	if (waited_ns < n->spin_max_ns)
		b = 2 * waited_ns > b ? 2 * waited_ns : b;
	else
		b /= 2;
	if (b > n->spin_max_ns)
		b = n->spin_max_ns;
	if (b < MIN_SPIN_NS)
		b = MIN_SPIN_NS;
	n->spin_budget = (uint32_t)b;
	n->st.spin_budget_ns = n->spin_budget;
}
