/* SPDX-License-Identifier: MIT */
/*
 * examples/mmio-echo/echo.h - a console-like echo device over vrq's
 * virtio-mmio: queue 0 is RX (the driver posts writable buffers), queue 1
 * is TX (the driver sends readable ones); every TX buffer comes back, byte
 * for byte, in the next RX buffer.  Used by the example, the mmio tests and
 * `vrq-bench mmio rr`.
 */
#ifndef VRQ_EXAMPLE_MMIO_ECHO_H
#define VRQ_EXAMPLE_MMIO_ECHO_H

#include <stdint.h>
#include <string.h>

#include "vrq/mmio.h"

#define ECHO_RXQ 0
#define ECHO_TXQ 1
#define ECHO_DEVICE_ID 3 /* virtio console */
#define ECHO_SEGS 8

/** Device side of the echo: one TX chain may wait for an RX buffer. */
struct echo_dev {
	struct vrq_mmio_dev *d;
	bool tx_held;
	uint64_t epoch; /* resets + queue resets + restarts when tx was popped */
	struct vrq_chain tx;
	struct vrq_seg tx_seg[ECHO_SEGS];
	uint64_t echoed;
};

static inline uint64_t echo_epoch(const struct vrq_mmio_dev *d)
{
	return d->st.resets + d->st.queue_resets + d->st.restarts + d->st.needs_reset;
}

/**
 * Echo everything available.  Returns the number echoed (>= 0) or a negative
 * ring error (the device has then set DEVICE_NEEDS_RESET on its next poll).
 */
static inline int echo_dev_serve(struct echo_dev *e)
{
	struct vrq_vq_dev *rx = vrq_mmio_dev_vq(e->d, ECHO_RXQ);
	struct vrq_vq_dev *tx = vrq_mmio_dev_vq(e->d, ECHO_TXQ);
	struct vrq_seg rseg[ECHO_SEGS];
	struct vrq_chain r;
	int n = 0, rc = 0;

	if (e->tx_held && e->epoch != echo_epoch(e->d))
		e->tx_held = false; /* the queue it came from is gone */
	if (!rx || !tx)
		return 0;
	for (;;) {
		const struct vrq_seg *s;
		uint32_t done = 0, si = 0, soff = 0;

		if (!e->tx_held) {
			vrq_chain_init(&e->tx, e->tx_seg, ECHO_SEGS);
			rc = vrq_vq_dev_pop(tx, &e->tx);
			if (rc != 1)
				break;
			e->tx_held = true;
			e->epoch = echo_epoch(e->d);
		}
		vrq_chain_init(&r, rseg, ECHO_SEGS);
		rc = vrq_vq_dev_pop(rx, &r);
		if (rc != 1)
			break;
		/* copy the readable TX bytes into the writable RX segments */
		while ((s = vrq_chain_next(&r)) != NULL) {
			uint32_t room = s->len, at = 0;

			if (!(s->flags & VRQ_SEG_WRITE))
				continue;
			while (room && si < e->tx.n_out) {
				const struct vrq_seg *t = &e->tx.seg[si];
				uint32_t k = t->len - soff < room ? t->len - soff : room;

				memcpy((uint8_t *)s->va + at, (const uint8_t *)t->va + soff, k);
				at += k, room -= k, soff += k, done += k;
				if (soff == t->len)
					si++, soff = 0;
			}
		}
		(void)vrq_vq_dev_push(rx, r.head, done);
		(void)vrq_vq_dev_push(tx, e->tx.head, 0);
		e->tx_held = false;
		e->echoed++;
		n++;
	}
	vrq_vq_dev_publish(rx);
	vrq_vq_dev_publish(tx);
	(void)vrq_mmio_dev_notify(e->d, ECHO_RXQ);
	(void)vrq_mmio_dev_notify(e->d, ECHO_TXQ);
	/* wake for TX buffers; for RX ones only while a TX chain waits for
	 * one: the driver's RX refills then cost it no QueueNotify */
	vrq_mmio_dev_set_wake_mask(e->d, e->tx_held ? (1u << ECHO_RXQ) | (1u << ECHO_TXQ)
						    : 1u << ECHO_TXQ);
	return rc < 0 ? rc : n;
}

#endif
