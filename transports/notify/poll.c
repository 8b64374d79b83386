/* SPDX-License-Identifier: MIT */
/*
 * transports/notify/poll.c - no notification: the receiver spins on the
 * ring (vrq__notify_spin() in hybrid.c) with notifications disabled, so the
 * sender's ring decision always suppresses; signal() is a no-op.
 */
#include "internal.h"

static int poll_signal(struct vrq_notifier *n)
{
	(void)n;
	return 0;
}

static uint32_t poll_prepare(struct vrq_notifier *n)
{
	(void)n;
	return 0;
}

static void poll_cancel(struct vrq_notifier *n)
{
	(void)n;
}

/* Not reached: vrq_notify_wait() spins until the deadline for poll. */
static int poll_block(struct vrq_notifier *n, uint32_t ticket, uint64_t deadline)
{
	(void)n;
	(void)ticket;
	(void)deadline;
	return -VRQ_EINVAL;
}

const struct vrq_notify_ops vrq__notify_poll_ops = {
	.name = "poll",
	.signal = poll_signal,
	.prepare = poll_prepare,
	.cancel = poll_cancel,
	.block = poll_block,
};
