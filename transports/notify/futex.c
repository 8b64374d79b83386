/* SPDX-License-Identifier: MIT */
/*
 * transports/notify/futex.c - a doorbell word in shared memory.
 *
 * Sender:   bell += 1 (seq_cst RMW); if (sleeping) FUTEX_WAKE.
 * Receiver: sleeping = 1 (seq_cst xchg); ticket = bell (acquire); arm the
 *           ring and re-check; FUTEX_WAIT(bell, ticket); sleeping = 0.
 *
 * [S1] bell RMW then the `sleeping` load, and [W1] the `sleeping` xchg
 * then the bell load, are the two halves of a store-buffer pattern: with
 * both seq_cst, either the sender sees sleeping == 1 and wakes, or the
 * receiver's ticket already includes the new bell value and FUTEX_WAIT
 * (which compares atomically in the kernel) returns at once.  The ticket is
 * read before the ring is armed (acquire, so the arm store cannot move
 * above it): a sender that saw the armed event index bumps the bell after
 * the ticket was taken.  No FUTEX_PRIVATE_FLAG: the word may be shared
 * between processes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static long futex_(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

int vrq__futex_signal(struct vrq_notifier *n)
{
	/* S1: pairs with W1 in vrq__futex_prepare() */
	__atomic_fetch_add(&n->sh->bell, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&n->sh->sleeping, __ATOMIC_SEQ_CST))
		return 0;
	n->st.syscalls++;
	if (futex_(&n->sh->bell, FUTEX_WAKE, 1, NULL) < 0)
		return -errno;
	return 0;
}

uint32_t vrq__futex_prepare(struct vrq_notifier *n)
{
	/* W1: pairs with S1 in vrq__futex_signal() */
	__atomic_exchange_n(&n->sh->sleeping, 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&n->sh->bell, __ATOMIC_SEQ_CST);
}

void vrq__futex_cancel(struct vrq_notifier *n)
{
	__atomic_store_n(&n->sh->sleeping, 0, __ATOMIC_RELEASE);
}

static void consume(struct vrq_notifier *n)
{
	uint32_t b = __atomic_load_n(&n->sh->bell, __ATOMIC_ACQUIRE);

	n->st.consumed += (uint32_t)(b - n->bell_seen);
	n->bell_seen = b;
}

int vrq__futex_block(struct vrq_notifier *n, uint32_t ticket, uint64_t deadline)
{
	uint64_t t0 = vrq_notify_now_ns(), now = t0, slice;
	int rc = 0;

	n->st.waits++;
	rc = vrq__notify_closed_check(n);
	for (bool timed_out = false; rc == 0;) {
		struct timespec ts, *tsp = NULL;
		long r;

		/* the peer's pid only after a bounded sleep ran out: a wake-up
		 * costs the FUTEX_WAIT alone */
		if (timed_out) {
			rc = vrq__notify_peer_check(n);
			if (rc < 0)
				break;
		}
		if (__atomic_load_n(&n->sh->bell, __ATOMIC_ACQUIRE) != ticket)
			break;
		slice = vrq__notify_slice(n, now, deadline);
		if (slice) {
			ts.tv_sec = (time_t)(slice / 1000000000u);
			ts.tv_nsec = (long)(slice % 1000000000u);
			tsp = &ts;
		}
		r = futex_(&n->sh->bell, FUTEX_WAIT, ticket, tsp);
		if (r < 0 && errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT) {
			rc = -errno;
			break;
		}
		timed_out = r < 0 && errno == ETIMEDOUT;
		now = vrq_notify_now_ns();
		if (__atomic_load_n(&n->sh->bell, __ATOMIC_ACQUIRE) != ticket) {
			rc = vrq__notify_closed_check(n);
			break;
		}
		if (deadline && now >= deadline) {
			n->st.timeouts++;
			rc = -VRQ_ETIMEDOUT;
			break;
		}
	}
	__atomic_store_n(&n->sh->sleeping, 0, __ATOMIC_RELEASE);
	consume(n);
	n->st.blocked_ns += vrq_notify_now_ns() - t0;
	if (rc == 0)
		n->st.wakeups++;
	return rc;
}

void vrq__futex_drain(struct vrq_notifier *n)
{
	consume(n);
}

static int futex_signal(struct vrq_notifier *n)
{
	return vrq__futex_signal(n);
}

static int futex_block(struct vrq_notifier *n, uint32_t ticket, uint64_t deadline)
{
	return vrq__futex_block(n, ticket, deadline);
}

const struct vrq_notify_ops vrq__notify_futex_ops = {
	.name = "futex",
	.signal = futex_signal,
	.prepare = vrq__futex_prepare,
	.cancel = vrq__futex_cancel,
	.block = futex_block,
};
