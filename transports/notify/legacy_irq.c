/* SPDX-License-Identifier: MIT */
/*
 * transports/notify/legacy_irq.c - the virtio-mmio legacy model: one line
 * per device shared by all its queues (an eventfd here), an
 * InterruptStatus word in shared memory, an InterruptACK write.
 *
 * Sender:  old = status |= bit (seq_cst RMW); raise the line only when the
 *          status was clear (level-triggered: a raised line stays raised
 *          until acknowledged, later events coalesce into it).
 * Handler: wait for the line; read InterruptStatus; write InterruptACK
 *          with the bits read (an atomic and-not, so bits set meanwhile
 *          survive); then scan every queue of the device.  The scan comes
 *          after the ACK, and the ACK RMW reads the sender's RMW, so every
 *          buffer published before a coalesced event is seen by the scan.
 * The kick direction models QueueNotify the same way, bit = queue.
 * Status reads and ACK writes are counted: they are the per-interrupt cost
 * MSI-X (one eventfd per queue) does away with.
 */
#define _GNU_SOURCE
#include <stdint.h>

#include "internal.h"

static int legacy_signal(struct vrq_notifier *n)
{
	/* L1: after the ring publish; pairs with L2 in legacy_block() (the
	 * ACK reads this RMW, so the scan after it sees the publish) */
	if (__atomic_fetch_or(&n->sh->status, n->bit, __ATOMIC_SEQ_CST)) {
		n->st.coalesced++;
		return 0;
	}
	return vrq__efd_signal(n);
}

static uint32_t legacy_prepare(struct vrq_notifier *n)
{
	(void)n;
	return 0;
}

static void legacy_cancel(struct vrq_notifier *n)
{
	(void)n;
}

static int legacy_block(struct vrq_notifier *n, uint32_t ticket, uint64_t deadline)
{
	uint32_t st;
	int rc;

	(void)ticket;
	rc = vrq__efd_block(n, deadline);
	if (rc < 0)
		return rc;
	/* the handler: InterruptStatus read, then InterruptACK */
	st = __atomic_load_n(&n->sh->status, __ATOMIC_ACQUIRE);
	n->st.status_reads++;
	if (!st) {
		n->st.status_empty++;
		return 0;
	}
	/* L2: InterruptACK; pairs with L1 in legacy_signal() */
	__atomic_fetch_and(&n->sh->status, ~st, __ATOMIC_SEQ_CST);
	n->st.acks++;
	return 0;
}

const struct vrq_notify_ops vrq__notify_legacy_ops = {
	.name = "legacy-irq",
	.signal = legacy_signal,
	.prepare = legacy_prepare,
	.cancel = legacy_cancel,
	.block = legacy_block,
};
