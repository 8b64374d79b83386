/* SPDX-License-Identifier: MIT */
/*
 * transports/notify/eventfd.c - one eventfd per queue per direction: the
 * MSI-X model (one vector per queue, nothing shared to read or ACK).
 *
 * The eventfd counter sums the writes, so a signal sent after the
 * receiver's re-check and before its read is never lost: the read returns
 * at once.  With nothing else to watch (threads, no deadline) the receiver
 * sleeps in read() (one system call per wake-up); with a deadline or a
 * peer to watch it polls the eventfd and the peer's pidfd first.  The fd
 * may be blocking (vrq_notify_eventfd() makes one) or non-blocking
 * (EFD_NONBLOCK from the caller): a read that finds the counter at zero on
 * a non-blocking fd (EAGAIN) marks the notifier, and from then on it
 * sleeps in poll() before reading.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>

#include "internal.h"

int vrq__efd_signal(struct vrq_notifier *n)
{
	uint64_t one = 1;
	ssize_t w;

	n->st.syscalls++;
	do
		w = write(n->fd, &one, sizeof(one));
	while (w < 0 && errno == EINTR);
	if (w == (ssize_t)sizeof(one))
		return 0;
	return w < 0 ? -errno : -EIO;
}

/* 0 (count consumed), -EAGAIN (non-blocking fd, counter zero), -errno. */
static int efd_read(struct vrq_notifier *n)
{
	uint64_t v;
	ssize_t r;

	do
		r = read(n->fd, &v, sizeof(v));
	while (r < 0 && errno == EINTR);
	if (r == (ssize_t)sizeof(v)) {
		n->st.consumed += v;
		return 0;
	}
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		n->fd_nonblock = true;
		return -EAGAIN;
	}
	return r < 0 ? -errno : -EIO;
}

int vrq__efd_block(struct vrq_notifier *n, uint64_t deadline)
{
	uint64_t t0 = vrq_notify_now_ns(), now = t0, slice;
	int rc;

	n->st.waits++;
	/* A wake-up costs one read() (nothing to watch) or poll() + read()
	 * (a pidfd to watch, a deadline, or a non-blocking fd); the peer's
	 * pid is checked only when a bounded sleep times out, or by the pidfd
	 * in the poll set. */
	rc = vrq__notify_closed_check(n);
	if (rc < 0)
		goto out;
	for (;;) {
		struct pollfd p[2] = {{.fd = n->fd, .events = POLLIN},
				      {.fd = n->pidfd, .events = POLLIN}};
		int np = n->pidfd >= 0 ? 2 : 1, pr;

		slice = vrq__notify_slice(n, now, deadline);
		if (!slice && !n->fd_nonblock) {
			/* nothing to watch but the eventfd: sleep in read() */
			rc = efd_read(n);
			if (rc == -EAGAIN)
				continue; /* non-blocking after all: poll() below */
			if (rc == 0)
				rc = vrq__notify_closed_check(n);
			break;
		}
		/* no slice: poll without a timeout (a non-blocking fd) */
		pr = poll(p, (nfds_t)np, slice ? (int)((slice + 999999) / 1000000) : -1);
		if (pr < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		if (pr > 0 && (p[0].revents & POLLNVAL)) {
			rc = -EBADF;
			break;
		}
		if (pr > 0 && (p[0].revents & POLLIN)) {
			rc = efd_read(n);
			if (rc == 0)
				rc = vrq__notify_closed_check(n);
			if (rc != -EAGAIN)
				break;
			/* readable, then empty: another reader took the count */
		}
		if (pr > 0 && np == 2 && (p[1].revents & (POLLIN | POLLHUP))) {
			n->st.peer_gone++;
			rc = -VRQ_EPEERGONE;
			break;
		}
		rc = vrq__notify_peer_check(n); /* closed flag, /proc fallback */
		if (rc < 0)
			break;
		now = vrq_notify_now_ns();
		if (deadline && now >= deadline) {
			n->st.timeouts++;
			rc = -VRQ_ETIMEDOUT;
			break;
		}
	}
out:
	n->st.blocked_ns += vrq_notify_now_ns() - t0;
	if (rc == 0)
		n->st.wakeups++;
	return rc;
}

void vrq__efd_drain(struct vrq_notifier *n)
{
	struct pollfd p = {.fd = n->fd, .events = POLLIN};

	if (n->fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN))
		(void)efd_read(n);
}

static uint32_t efd_prepare(struct vrq_notifier *n)
{
	(void)n;
	return 0;
}

static void efd_cancel(struct vrq_notifier *n)
{
	(void)n;
}

static int efd_block(struct vrq_notifier *n, uint32_t ticket, uint64_t deadline)
{
	(void)ticket;
	return vrq__efd_block(n, deadline);
}

const struct vrq_notify_ops vrq__notify_eventfd_ops = {
	.name = "eventfd",
	.signal = vrq__efd_signal,
	.prepare = efd_prepare,
	.cancel = efd_cancel,
	.block = efd_block,
};
