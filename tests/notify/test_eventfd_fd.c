/* SPDX-License-Identifier: MIT */
/*
 * tests/notify/test_eventfd_fd.c - the eventfd a channel uses may be the
 * library's (vrq_notify_eventfd(): blocking) or the caller's, made with
 * EFD_NONBLOCK; untimed and timed waits must behave the same on both.
 *
 * For {eventfd, hybrid (blocking on the eventfd)} x {library fd, caller's
 * EFD_NONBLOCK fd} x {no timeout, 10 s timeout}, a sender thread and a
 * receiver thread over one channel and a counter "queue" (the sender
 * publishes an item, then signals; the receiver waits until an item is
 * there, takes it, waits again):
 *  1. blocked wake-ups: 20 rounds in which the sender publishes only once
 *     the receiver is asleep in its wait (its thread state is S in
 *     /proc/self/task/<tid>/stat; bounded: 5 s without it is a failure),
 *     so the wait really blocks on an empty eventfd each time (exactly 20
 *     blocks by the end of the round);
 *  2. a stream of 20000 items signalled back to back, no handshake;
 * every wait must return 0, every item must be taken exactly once, and at
 * the end (receiver drained) consumed == sent, no timeout, and
 * wakeups == waits (eventfd) / <= waits (hybrid may catch work spinning).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/eventfd.h>

#include "nt_thread.h"
#include "vrq_test.h"

#define BLOCKED_ROUNDS 20u
#define STREAM_ITEMS 20000u
#define TIMED_NS (10ull * 1000000000ull)
#define SLEEP_BOUND_NS (5ull * 1000000000ull)

struct chan {
	struct vrq_notify_shared sh;
	struct vrq_notifier tx, rx;
	uint64_t published;	/* sender: release; receiver: acquire */
	uint64_t taken;		/* receiver: release; sender: acquire */
	uint64_t total;
	uint64_t timeout_ns;
	pid_t rx_tid;		/* atomic */
	int rx_rc;		/* first failed wait, or 0 (read after join) */
	uint64_t rx_fail_at;
	uint64_t waits_phase1;	/* rx.st.waits once the blocked rounds were taken */
};

static bool ch_ready(void *p)
{
	struct chan *c = p;

	return __atomic_load_n(&c->published, __ATOMIC_ACQUIRE) > c->taken;
}

static bool ch_arm(void *p)
{
	return ch_ready(p); /* the sender signals every item: nothing to enable */
}

static void ch_disarm(void *p)
{
	(void)p;
}

static void *receiver(void *p)
{
	struct chan *c = p;
	struct vrq_notify_waitable w = {ch_ready, ch_arm, ch_disarm, c};

	__atomic_store_n(&c->rx_tid, nt_gettid(), __ATOMIC_RELEASE);
	while (c->taken < __atomic_load_n(&c->total, __ATOMIC_RELAXED)) {
		int rc = vrq_notify_wait(&c->rx, &w, c->timeout_ns);

		if (rc != 0) {
			c->rx_rc = rc;
			c->rx_fail_at = c->taken;
			break;
		}
		if (!ch_ready(c)) {
			c->rx_rc = 1; /* woke with nothing there: the wait lied */
			c->rx_fail_at = c->taken;
			break;
		}
		if (c->taken + 1 == BLOCKED_ROUNDS)
			c->waits_phase1 = c->rx.st.waits;
		__atomic_store_n(&c->taken, c->taken + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* until the receiver took @p k items: 0, or -1 (it ended, or 10 s passed) */
static int wait_taken(struct chan *c, pid_t tid, uint64_t k)
{
	uint64_t t0 = vrq_notify_now_ns();
	char st;

	while (__atomic_load_n(&c->taken, __ATOMIC_ACQUIRE) < k) {
		if (nt_thread_stat(tid, &st) < 0 || vrq_notify_now_ns() - t0 > TIMED_NS)
			return -1;
		sched_yield();
	}
	return 0;
}

static int publish(struct chan *c)
{
	__atomic_fetch_add(&c->published, 1, __ATOMIC_RELEASE);
	return vrq_notify_signal(&c->tx);
}

static int run(enum vrq_notify_kind kind, bool caller_fd, uint64_t timeout_ns)
{
	char name[128];
	struct chan *c = NULL;
	struct vrq_notify_cfg cfg;
	pthread_t th;
	bool started = false;
	pid_t tid = 0;
	int fd = -1;
	unsigned k;

	snprintf(name, sizeof(name), "%s, %s fd, %s", vrq_notify_kind_name(kind),
		 caller_fd ? "caller's EFD_NONBLOCK" : "library", timeout_ns ? "timed" : "untimed");
	c = aligned_alloc(64, sizeof(*c));
	CHECK_OUT(c != NULL);
	memset(c, 0, sizeof(*c));
	if (caller_fd) {
		fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		CHECK_OUT(fd >= 0);
	} else {
		CHECK_EQ_OUT(vrq_notify_eventfd(&fd), 0);
		CHECK_OUT((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0); /* as documented */
	}
	vrq_notify_shared_init(&c->sh);
	memset(&cfg, 0, sizeof(cfg));
	cfg.kind = kind;
	cfg.shared = &c->sh;
	cfg.fd = fd;
	cfg.block = VRQ_NOTIFY_EVENTFD;
	cfg.spin_ns = 1000; /* hybrid: spin 1 us, then block */
	CHECK_EQ_OUT(vrq_notify_init(&c->tx, &cfg), 0);
	CHECK_EQ_OUT(vrq_notify_init(&c->rx, &cfg), 0);
	c->total = BLOCKED_ROUNDS + STREAM_ITEMS;
	c->timeout_ns = timeout_ns;
	CHECK_OUT(pthread_create(&th, NULL, receiver, c) == 0);
	started = true;
	while (!(tid = __atomic_load_n(&c->rx_tid, __ATOMIC_ACQUIRE)))
		sched_yield();

	/* 1: each item sent to a receiver asleep on an empty eventfd */
	for (k = 0; k < BLOCKED_ROUNDS; k++) {
		if (wait_taken(c, tid, k) < 0)
			break; /* the receiver failed or hangs: reported below */
		if (nt_wait_thread_waiting(tid, false, 0, SLEEP_BOUND_NS) < 0) {
			fprintf(stderr, "[%s] round %u: the receiver is not asleep in its wait\n",
				name, k);
			vrq_test_failures++;
			break;
		}
		CHECK_EQ_OUT(publish(c), 0);
	}
	/* 2: a stream (the receiver may block, spin, or find several) */
	if (k == BLOCKED_ROUNDS)
		for (k = 0; k < STREAM_ITEMS; k++)
			CHECK_EQ_OUT(publish(c), 0);
	/* a receiver that failed early is not waiting any more: unblock
	 * nobody, join */
	pthread_join(th, NULL);
	started = false;
	if (c->rx_rc)
		fprintf(stderr, "[%s] wait for item %llu returned %d (%s)\n", name,
			(unsigned long long)c->rx_fail_at, c->rx_rc, vrq_strerror(c->rx_rc));
	CHECK_EQ_OUT(c->rx_rc, 0);
	CHECK_EQ_OUT(c->taken, c->total);
	CHECK_EQ_OUT(c->published, c->total);
	vrq_notify_drain(&c->rx);
	printf("[%s] sent %llu consumed %llu waits %llu wakeups %llu spin_hits %llu recheck %llu\n",
	       name, (unsigned long long)c->tx.st.sent, (unsigned long long)c->rx.st.consumed,
	       (unsigned long long)c->rx.st.waits, (unsigned long long)c->rx.st.wakeups,
	       (unsigned long long)c->rx.st.spin_hits, (unsigned long long)c->rx.st.recheck_hits);
	CHECK_EQ_OUT(c->tx.st.sent, c->total);
	CHECK_EQ_OUT(c->rx.st.consumed, c->tx.st.sent);
	CHECK_EQ_OUT(c->rx.st.timeouts, 0);
	CHECK_EQ_OUT(c->rx.st.peer_gone, 0);
	/* phase 1: one block on an empty eventfd per item, nothing else */
	CHECK_EQ_OUT(c->waits_phase1, BLOCKED_ROUNDS);
	if (kind == VRQ_NOTIFY_EVENTFD)
		CHECK_EQ_OUT(c->rx.st.wakeups, c->rx.st.waits);
	else
		CHECK_OUT(c->rx.st.wakeups <= c->rx.st.waits);
out:
	if (started) {
		/* unblock a receiver still waiting: it sees items to take */
		__atomic_store_n(&c->total, 0, __ATOMIC_RELAXED);
		(void)publish(c);
		pthread_join(th, NULL);
	}
	if (c) {
		if (c->tx.ops)
			vrq_notify_fini(&c->tx);
		if (c->rx.ops)
			vrq_notify_fini(&c->rx);
	}
	free(c);
	if (fd >= 0)
		close(fd);
	return 0;
}

int main(void)
{
	const enum vrq_notify_kind kinds[] = {VRQ_NOTIFY_EVENTFD, VRQ_NOTIFY_HYBRID};
	unsigned i, f, t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(240); /* a hang is a failure */
	for (i = 0; i < 2; i++)
		for (f = 0; f < 2; f++)
			for (t = 0; t < 2; t++)
				run(kinds[i], f == 1, t ? TIMED_NS : 0);
	return vrq_test_done("test_eventfd_fd");
}
