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
