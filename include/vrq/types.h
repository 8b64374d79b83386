/* SPDX-License-Identifier: MIT */
/**
 * @file types.h
 * @brief Types shared by the split and packed rings: scatter-gather input,
 *        the popped-chain iterator, batched-add descriptors and counters.
 */
#ifndef VRQ_TYPES_H
#define VRQ_TYPES_H

#include <stdint.h>

#include "spec.h"
#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Peers that never sleep ("sticky poll"): configuration flags for both
 * rings (vrq_split_cfg.flags, vrq_packed_cfg.flags, vrq_vq_cfg.flags).
 *
 * A kick decision is: publish (R1), full fence F1, read the device's event
 * area.  F1 pairs with F4 in the device's enable-and-recheck (write the
 * event area, F4, read the ring again): one store->load pair on each side,
 * Dekker style, and the interrupt direction is the same with F2 / F3.  As
 * soon as the receiver may sleep, both fences are needed:
 *
 *  - A "the peer is polling" flag read instead of fencing does not help.
 *    That flag lives in the event area (NO_NOTIFY / DISABLE, or an
 *    EVENT_IDX index kept far away), and reading it is exactly the load F1
 *    orders after the publish.  Without F1 the publish can still sit in the
 *    publisher's store buffer while that load returns "polling: no kick";
 *    the receiver, turning to sleep at that moment, writes "enabled",
 *    fences (F4), reads the ring, does not see the publish, and sleeps:
 *    nobody kicks.  Store buffering is allowed on x86 too
 *    (tests/notify/test_lost_wakeup.c makes it happen), so skipping F1
 *    whenever the flag last said "polling" loses wake-ups at the
 *    poll->sleep transition, which is where a hybrid receiver lives.
 *  - Skipping F1 after the receiver "announced" polling is the same bet:
 *    the announcement can be withdrawn by the very store F1 is there to
 *    order against.
 *
 * What is sound is a promise made before the queue runs and kept for its
 * life: the receiver of one direction never sleeps on this queue.  Then no
 * notification is ever needed in that direction, and the publisher drops
 * the decision: no fence, no read of the event area (the decision is
 * counted as suppressed, so the counter identities of notify.h hold).  The
 * promise is enforced on the promising side, not left to discipline: there
 * vrq_*_drv_enable_cb() / vrq_*_dev_enable_kick() write nothing and answer
 * "work pending", so no wait loop can sleep through them, and
 * vrq_vq_drv_wait() / vrq_vq_dev_wait() spin on such a queue whatever the
 * notifier (notify.h).  Both sides must be configured with the same flags
 * (a vrq_link sets both for the poll backend).
 *
 * A receiver that polls for a while and then sleeps (the hybrid backend)
 * cannot make that promise, but it can take the whole cost of the
 * store->load pair on itself, once per sleep, with an asymmetric fence
 * (the scheme of liburcu's membarrier flavour and folly's
 * asymmetric barriers):
 *
 *   publisher P: W(ring); compiler barrier;           R(event area)
 *   sleeper S:   W(event area); F4; heavy barrier;    R(ring), sleep if empty
 *
 * The heavy barrier (Linux: membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED),
 * vrq_notify_heavy_barrier()) returns only after every CPU running a
 * thread of a registered process has executed a full barrier, at some
 * point of that thread's program, after the call began; a thread that was
 * not running went through a context switch, which is one.  Take P's point.
 * If P's R(event area) comes after it, it comes after S's W(event area),
 * which preceded the call: P reads "enabled" and notifies.  Otherwise P's
 * W(ring) comes before the point as well (program order: the compiler
 * barrier keeps the two in order, the point orders the hardware), so it is
 * visible to S's R(ring) after the call: S does not sleep.  Either way no
 * wake-up is lost, and P pays no fence per publish; S pays one system call
 * per sleep, which it was about to make anyway.  VRQ_CFG_DEV_ASYM_FENCE /
 * VRQ_CFG_DRV_ASYM_FENCE select it per direction: the receiver's enable
 * then runs the heavy barrier given in the queue configuration after F3 /
 * F4, and the publisher's F1 / F2 is a compiler barrier.  Both sides must
 * be configured with the same flags, and both processes registered for the
 * barrier (vrq_notify_heavy_register()); a vrq_link does all of that when
 * asked (VRQ_LINK_ASYM_FENCE: opt-in, link.h says why).
 */
/** @brief A heavy barrier for VRQ_CFG_*_ASYM_FENCE: returns 0 once every
 *  CPU running a peer thread has executed a full barrier, < 0 if it could
 *  not (the enable then answers "work pending" instead of letting the
 *  caller sleep). */
typedef int (*vrq_heavy_barrier_fn)(void);

/** The device never sleeps on this queue (it polls for available buffers):
 *  the driver takes no kick decision (no fence, no read of the device's
 *  event area); the device's enable_kick() arms nothing and returns true. */
#define VRQ_CFG_DEV_POLLS 2u
/** The driver never sleeps on this queue (it polls for used buffers): the
 *  device takes no interrupt decision; the driver's enable_cb() arms nothing
 *  and returns true. */
#define VRQ_CFG_DRV_POLLS 4u
/** The device sleeps only after its enable_kick() ran the heavy barrier
 *  (cfg heavy_barrier, required on the device side): the driver's kick
 *  decision F1 is a compiler barrier, not a full fence. */
#define VRQ_CFG_DEV_ASYM_FENCE 8u
/** The driver sleeps only after its enable_cb() ran the heavy barrier (cfg
 *  heavy_barrier, required on the driver side): the device's interrupt
 *  decision F2 is a compiler barrier. */
#define VRQ_CFG_DRV_ASYM_FENCE 16u

/** @brief A buffer segment as the driver hands it in: device address + length. */
struct vrq_sg {
	uint64_t addr;
	uint32_t len;
};

/** Segment flag: device-writable. */
#define VRQ_SEG_WRITE VRQ_DESC_F_WRITE /* same bit, so no translation is needed */
/** Segment flag: lies in a VRQ_MEM_NONCOHERENT region (set at pop; vrq/cache.h). */
#define VRQ_SEG_NONCOH 0x10000u

/** @brief One segment of a popped chain, resolved through the memory map. */
struct vrq_seg {
	uint64_t addr; /**< device address as the driver wrote it */
	void *va;      /**< local pointer (NULL only when len == 0) */
	uint32_t len;
	uint32_t flags; /**< VRQ_SEG_WRITE, VRQ_SEG_NONCOH */
};

/**
 * @brief A popped chain: a validated snapshot of the driver's descriptors.
 * The device iterates it with vrq_chain_next(); later writes by the driver
 * to the descriptor table cannot change it (no double fetch).
 */
struct vrq_chain {
	struct vrq_seg *seg; /**< caller's array */
	uint16_t cap;	     /**< entries in seg[] */
	uint16_t n;	     /**< segments in the chain */
	uint16_t n_out;	     /**< leading device-readable segments */
	uint16_t pos;	     /**< iterator position */
	uint16_t head;	     /**< id to pass to vrq_*_dev_push() */
	uint16_t ndesc;	     /**< ring descriptors the chain used */
	uint32_t out_len;    /**< bytes readable by the device */
	uint32_t in_len;     /**< bytes writable by the device */
};

/** @brief Bind a chain to the caller's segment array. */
VRQ_INLINE void vrq_chain_init(struct vrq_chain *c, struct vrq_seg *segs, uint16_t cap)
{
	c->seg = segs;
	c->cap = cap;
	c->n = c->n_out = c->pos = c->head = c->ndesc = 0;
	c->out_len = c->in_len = 0;
}

/** @brief Next segment of the chain, or NULL at its end. */
VRQ_INLINE const struct vrq_seg *vrq_chain_next(struct vrq_chain *c)
{
	return c->pos < c->n ? &c->seg[c->pos++] : NULL;
}

/** @brief Restart iteration from the first segment. */
VRQ_INLINE void vrq_chain_rewind(struct vrq_chain *c)
{
	c->pos = 0;
}

/** @brief A buffer for the batched add: n_out readable then n_in writable. */
struct vrq_buf {
	const struct vrq_sg *sg;
	uint16_t n_out;
	uint16_t n_in;
	void *token;
};

/** @brief Driver-side counters (plain, owned by the driver thread). */
struct vrq_drv_stats {
	uint64_t added;		 /**< buffers made available */
	uint64_t completed;	 /**< buffers returned by get_used */
	uint64_t publishes;	 /**< avail idx stores */
	uint64_t kicks;		 /**< kick decisions that said "notify" */
	uint64_t kicks_suppressed; /**< kick decisions suppressed by the device */
	uint64_t used_len_clamped; /**< used len > writable capacity: clamped, counted in
				       peer_err[VRQ_EUSED_LEN] too, the queue keeps running */
	uint64_t peer_err[VRQ_PEER_ERR_COUNT]; /**< per VRQ_E* peer code */
};

/** @brief Device-side counters (plain, owned by the device thread). */
struct vrq_dev_stats {
	uint64_t popped;	/**< chains popped */
	uint64_t pushed;	/**< buffers marked used */
	uint64_t used_entries;	/**< used ring entries written (< pushed with IN_ORDER batching) */
	uint64_t publishes;	/**< used idx stores */
	uint64_t notifies;	/**< notify decisions that said "interrupt" */
	uint64_t notifies_suppressed; /**< notify decisions suppressed by the driver */
	uint64_t peer_err[VRQ_PEER_ERR_COUNT]; /**< per VRQ_E* peer code */
};

/** @brief Counter slot for a peer error code (either sign). */
#define VRQ_PEER_ERR_IDX(e) (((e) < 0 ? -(e) : (e)) - VRQ_EPEER_FIRST)

#ifdef __cplusplus
}
#endif
#endif /* VRQ_TYPES_H */
