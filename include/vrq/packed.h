/* SPDX-License-Identifier: MIT */
/**
 * @file packed.h
 * @brief Packed virtqueue (virtio 1.1+ "Packed Virtqueues"), driver and
 *        device roles.  Same API shape as split.h, verb for verb; the hot
 *        path is inline here, init/layout/reset in core/packed.c.
 *
 * One driver and one device per queue (SPSC); each role's state is private
 * to its thread.  Concurrency table: as in split.h.
 *
 * Ordering points:
 *  R1  drv publish: store-release of the flags of the first descriptor
 *      of the batch (all others were written before it)   pairs with A1
 *  A1  dev pop:     load-acquire of desc[next_avail].flags  pairs with R1
 *  R2  dev publish: store-release of the flags of the first used
 *      descriptor of the batch                             pairs with A2
 *  A2  drv get:     load-acquire of desc[next_used].flags   pairs with R2
 *  F1  drv kick decision: full fence between R1 and the read of the
 *      device event suppression structure; pairs with F4.
 *  F2  dev notify decision: full fence between R2 and the read of the
 *      driver event suppression structure; pairs with F3.
 *  F3  drv enable: full fence between writing the driver event structure
 *      and re-checking desc[next_used]; pairs with F2.
 *  F4  dev enable: full fence between writing the device event structure
 *      and re-checking desc[next_avail]; pairs with F1.
 *  H3 / H4, and no F1 / F2 with VRQ_CFG_*_POLLS: as in split.h.
 * The event structures are read and written as one 32-bit access, so
 * off_wrap and flags are always a consistent snapshot.
 *
 * Non-coherent peers.  The packed ring refuses VRQ_DOM_NONCOH (init returns
 * -VRQ_ENOTSUP).  Driver and device both write the descriptor ring, and
 * four descriptors share a 64-byte line: cache maintenance works on whole
 * lines, so one side's clean writes back its stale copy of the other
 * side's descriptors.  Example: the driver publishes slots 0 and 1; the
 * device pops them (its cached line holds {a0, a1, 0, 0}); the driver adds
 * slot 2 and cleans (memory {a0, a1, a2, 0}); the device writes the used
 * descriptor into slot 0 and cleans its line (memory {u0, a1, 0, 0}): slot
 * 2 is gone and the driver waits forever.  No barrier or ordering of the
 * maintenance fixes that; only a mapping where no line is cached does.  So,
 * as non-coherent virtio stacks do (Linux allocates rings with
 * dma_alloc_coherent(), which is an uncached mapping on such systems): map
 * the packed ring uncached on both sides (arm64 Normal Non-cacheable or
 * Device memory; not write-combining on x86), use VRQ_DOM_IO, and keep
 * buffers in cacheable memory maintained with vrq/cache.h.  The split ring
 * has one writer per area and supports VRQ_DOM_NONCOH on cacheable memory.
 */
#ifndef VRQ_PACKED_H
#define VRQ_PACKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "spec.h"
#include "barrier.h"
#include "err.h"
#include "mem.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Layout ---------------------------------------------------------------- */

/** @brief Offsets of the three areas ("Structure Size and Alignment"). */
struct vrq_packed_layout {
	size_t desc_off;   /**< descriptor ring, 16 * size, align 16 */
	size_t driver_off; /**< driver event suppression (driver area), 4, align 4 */
	size_t device_off; /**< device event suppression (device area), 4, align 4 */
	size_t desc_size;
	size_t total;
};

/**
 * @brief Layout for a ring of @p size descriptors (1..32768, any value),
 *        areas aligned to at least @p area_align (e.g. 64).
 * @return 0 or -VRQ_EINVAL.
 */
int vrq_packed_layout_calc(uint16_t size, size_t area_align, struct vrq_packed_layout *l);

/** @brief Local pointers to the three areas. */
struct vrq_packed_ring {
	struct vrq_packed_desc *desc;
	struct vrq_packed_event *driver; /**< driver event suppression: written by the driver */
	struct vrq_packed_event *device; /**< device event suppression: written by the device */
};

/** @brief Areas of @p mem laid out by @p l. */
VRQ_INLINE struct vrq_packed_ring vrq_packed_ring_at(void *mem, const struct vrq_packed_layout *l)
{
	struct vrq_packed_ring r;

	r.desc = (struct vrq_packed_desc *)((uint8_t *)mem + l->desc_off);
	r.driver = (struct vrq_packed_event *)((uint8_t *)mem + l->driver_off);
	r.device = (struct vrq_packed_event *)((uint8_t *)mem + l->device_off);
	return r;
}

/** @brief Queue configuration shared by both roles (cf. vrq_split_cfg). */
struct vrq_packed_cfg {
	uint16_t size;		/**< 1..32768, need not be a power of two */
	uint64_t features;	/**< negotiated VRQ_FEATURE(VRQ_F_*) bits */
	enum vrq_domain domain; /**< ordering domain */
	uint32_t flags;		/**< VRQ_CFG_* (VRQ_CFG_NO_IDX_CACHE has no effect;
				 *   VRQ_CFG_DEV_POLLS / VRQ_CFG_DRV_POLLS: types.h) */
	/** Where the areas are, locally: anywhere, each at its spec alignment
	 *  (descriptor ring 16, event structures 4) and not overlapping another
	 *  (16 * size, 4, 4 bytes), else init returns -VRQ_EINVAL. */
	struct vrq_packed_ring ring;
	/** Role-private state (vrq_packed_{drv,dev}_priv_size()); NULL = malloc. */
	void *priv;
	/* Driver only: optional indirect pool, one table of @c ind_max
	 * descriptors per buffer id, 16-byte aligned. */
	struct vrq_packed_desc *ind_pool;
	uint64_t ind_pool_da;
	uint16_t ind_max;
	/** Device only: memory map for segments and indirect tables (required). */
	const struct vrq_mem *mem;
	/** The heavy barrier this side's enable runs before it lets the caller
	 *  sleep: required with VRQ_CFG_DRV_ASYM_FENCE on the driver side and
	 *  VRQ_CFG_DEV_ASYM_FENCE on the device side (types.h). */
	vrq_heavy_barrier_fn heavy_barrier;
};

/* ---- Shared helpers --------------------------------------------------------- */

/*
 * Run-time dispatch over the two domains a packed queue can have: init
 * refuses VRQ_DOM_NONCOH (see above), so no NONCOH body is compiled in.
 * Expands @p call_ with DOM a constant, VRQ_DOM_IO or VRQ_DOM_SMP.
 */
#define VRQ__PACKED_DISPATCH(dom_, call_)                                                \
	do {                                                                             \
		if ((dom_) == VRQ_DOM_IO) {                                              \
			const enum vrq_domain DOM = VRQ_DOM_IO;                          \
			call_;                                                           \
		} else {                                                                 \
			const enum vrq_domain DOM = VRQ_DOM_SMP;                         \
			call_;                                                           \
		}                                                                        \
	} while (0)

/* Off_wrap and flags as one 32-bit little-endian word (off_wrap low). */
typedef uint32_t __attribute__((may_alias)) vrq__u32_alias;

VRQ_ALWAYS_INLINE uint32_t vrq__packed_ev_read(const enum vrq_domain DOM,
					       const struct vrq_packed_event *e)
{
	(void)DOM; /* SMP or IO: a plain load (no NONCOH packed ring) */
	return vrq_le32_to_cpu(__atomic_load_n((const vrq__u32_alias *)e, __ATOMIC_RELAXED));
}

VRQ_ALWAYS_INLINE void vrq__packed_ev_write(const enum vrq_domain DOM, struct vrq_packed_event *e,
					    uint16_t off_wrap, uint16_t flags)
{
	(void)DOM;
	__atomic_store_n((vrq__u32_alias *)e, vrq_cpu_to_le32((uint32_t)off_wrap | (uint32_t)flags << 16),
			 __ATOMIC_RELAXED);
}

/*
 * Kick / interrupt decision against an event suppression snapshot: @p cur
 * is the next position (with its wrap counter @p wrap) after the newly
 * published range of @p added descriptors.  A (position, wrap) pair is
 * unique modulo two laps, so both the event and cur are mapped into
 * [0, 2 * size) (wrap 1 -> first lap, wrap 0 -> second) and the event
 * fires iff it lies among the last @p added positions before cur.  For
 * added < size this is Linux virtqueue_kick_prepare_packed()'s answer; it
 * stays exact up to two laps, where that arithmetic over-notifies, and
 * from two laps on every (position, wrap) pair was written: true, exactly.
 * @p added is a 64-bit count so that it never wraps back to "few" or 0.
 */
VRQ_ALWAYS_INLINE bool vrq__packed_need_event(uint32_t ev, uint16_t cur, bool wrap, uint64_t added,
					      uint16_t size, bool event_idx)
{
	uint16_t flags = (uint16_t)(ev >> 16) & 3, off_wrap = (uint16_t)ev;
	uint32_t laps2 = 2u * size, c, e, d;

	if (flags == VRQ_PACKED_EVENT_FLAG_DISABLE)
		return false;
	if (flags != VRQ_PACKED_EVENT_FLAG_DESC || !event_idx)
		return true; /* ENABLE (and the reserved value 3: notify, to be safe) */
	c = cur + (wrap ? 0u : size);
	e = (off_wrap & 0x7fffu) + ((off_wrap >> 15) ? 0u : size);
	if (VRQ_UNLIKELY((off_wrap & 0x7fffu) >= size) || added >= laps2)
		return true; /* bogus offset from the peer, or two whole laps */
	d = c + laps2 - e - 1; /* (c - e - 1) mod 2 * size, without a division */
	if (d >= laps2)
		d -= laps2;
	return d < added;
}

/* Advance a ring position by @p n (< size) with wrap-counter toggle. */
VRQ_ALWAYS_INLINE void vrq__packed_advance(uint16_t *pos, bool *wrap, uint16_t n, uint16_t size)
{
	uint32_t p = (uint32_t)*pos + n;

	if (p >= size) {
		p -= size;
		*wrap = !*wrap;
	}
	*pos = (uint16_t)p;
}

/* AVAIL/USED bits for a descriptor made available in lap @p wrap. */
VRQ_ALWAYS_INLINE uint16_t vrq__packed_avail_bits(bool wrap)
{
	return wrap ? VRQ_PACKED_DESC_F_AVAIL : VRQ_PACKED_DESC_F_USED;
}

/* AVAIL/USED bits for a descriptor marked used in lap @p wrap. */
VRQ_ALWAYS_INLINE uint16_t vrq__packed_used_bits(bool wrap)
{
	return wrap ? (VRQ_PACKED_DESC_F_AVAIL | VRQ_PACKED_DESC_F_USED) : 0;
}

/* ---- Driver role ----------------------------------------------------------- */

/** @brief Private per-buffer-id driver state. */
struct vrq_packed_drv_slot {
	void *token;
	uint32_t in_len; /**< writable capacity */
	uint16_t ndesc;	 /**< ring descriptors used; 0 = id free */
	uint16_t next;	 /**< free id list */
	uint32_t seq;	 /**< add sequence number: published iff before pub_seq */
};

/** @brief Packed ring, driver side. */
struct vrq_packed_drv {
	/* read-mostly */
	struct vrq_packed_desc *desc;
	struct vrq_packed_event *drv_ev;       /**< driver area (we write) */
	const struct vrq_packed_event *dev_ev; /**< device area (we read) */
	struct vrq_packed_drv_slot *slot;
	struct vrq_packed_desc *ind_pool;
	uint64_t ind_pool_da;
	uint16_t size, ind_max;
	enum vrq_domain dom;
	bool event_idx, indirect, in_order;
	bool dev_polls; /**< VRQ_CFG_DEV_POLLS: no kick decisions */
	bool drv_polls; /**< VRQ_CFG_DRV_POLLS: enable_cb() arms nothing */
	bool dev_asym;	/**< VRQ_CFG_DEV_ASYM_FENCE: F1 is a compiler barrier */
	bool drv_asym;	/**< VRQ_CFG_DRV_ASYM_FENCE: enable_cb() runs heavy_barrier */
	vrq_heavy_barrier_fn heavy_barrier;
	bool cb_enabled;
	/* hot, private */
	uint16_t next_avail; /**< next descriptor to fill */
	bool avail_wrap;     /**< driver ring wrap counter */
	bool pend;	     /**< an unpublished batch exists */
	uint16_t pend_pos;   /**< its first descriptor */
	uint16_t pend_flags; /**< and that descriptor's flags, stored last */
	uint64_t kick_added; /**< descriptors published since the last kick decision (never wraps) */
	uint16_t pub_pos;    /**< next_avail at the last publish */
	bool pub_wrap;	     /**< avail_wrap at the last publish */
	uint32_t pub_seq;    /**< st.added at the last publish */
	uint16_t batch_added; /**< descriptors in the unpublished batch */
	uint16_t next_used;  /**< next descriptor to check for used */
	bool used_wrap;
	bool ino_batch;	     /**< IN_ORDER: expanding a batch entry */
	uint32_t detach_pos; /**< vrq_packed_drv_detach() cursor */
	uint16_t ino_batch_id;
	uint32_t ino_batch_len;
	uint16_t num_free; /**< free descriptors */
	uint16_t free_id;  /**< free id list head (not IN_ORDER) */
	int broken;
	void *priv_alloc;
	struct vrq_drv_stats st;
};

/** @brief Bytes of private driver state for @p size ids. */
size_t vrq_packed_drv_priv_size(uint16_t size);
/** @brief Initialise the driver side: zeroes the ring, wrap counters 1. */
int vrq_packed_drv_init(struct vrq_packed_drv *q, const struct vrq_packed_cfg *cfg);
/** @brief Free what init allocated. */
void vrq_packed_drv_fini(struct vrq_packed_drv *q);
/** @brief Queue reset: hand back in-flight buffers one by one (1/0). */
int vrq_packed_drv_detach(struct vrq_packed_drv *q, void **token);
/** @brief Re-initialise the ring after detach. */
void vrq_packed_drv_reset(struct vrq_packed_drv *q);

/** @brief 0, or the negative VRQ_E* code that stopped the queue. */
VRQ_INLINE int vrq_packed_drv_broken(const struct vrq_packed_drv *q)
{
	return q->broken;
}

/** @brief Free descriptors. */
VRQ_INLINE unsigned vrq_packed_drv_num_free(const struct vrq_packed_drv *q)
{
	return q->num_free;
}

/* Write one available descriptor; the batch's first flags are deferred. */
VRQ_ALWAYS_INLINE void vrq__packed_drv_put(struct vrq_packed_drv *q, struct vrq_packed_desc *d,
					   uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
	d->addr = vrq_cpu_to_le64(addr);
	d->len = vrq_cpu_to_le32(len);
	d->id = vrq_cpu_to_le16(id);
	if (!q->pend) {
		/* first of the batch: its flags are stored by publish (R1) */
		q->pend = true;
		q->pend_pos = (uint16_t)(d - q->desc);
		q->pend_flags = flags;
	} else {
		__atomic_store_n(&d->flags, vrq_cpu_to_le16(flags), __ATOMIC_RELAXED);
	}
}

VRQ_ALWAYS_INLINE int vrq__packed_drv_add(struct vrq_packed_drv *q, const struct vrq_sg *sg,
					  unsigned n_out, unsigned n_in, void *token,
					  struct vrq_packed_desc *ind, uint64_t ind_da)
{
	unsigned n = n_out + n_in, k;
	uint16_t id, need, pos = q->next_avail;
	bool wrap = q->avail_wrap;
	uint32_t in_len = 0;

	/* "A driver MUST NOT create a descriptor list longer than the Queue
	 * Size", indirect or not (the device refuses it too) */
	if (VRQ_UNLIKELY(n == 0 || n > q->size))
		return -VRQ_EINVAL;
	if (VRQ_UNLIKELY(q->broken))
		return q->broken;
	/* IN_ORDER: the id is the position of the buffer's first descriptor */
	id = q->in_order ? pos : q->free_id;
	if (!ind && q->indirect && n > 1 && n <= q->ind_max) {
		ind = q->ind_pool + (size_t)id * q->ind_max;
		ind_da = q->ind_pool_da + (uint64_t)id * q->ind_max * sizeof(*ind);
	}
	need = ind ? 1 : (uint16_t)n;
	if (VRQ_UNLIKELY(q->num_free < need))
		return -VRQ_ENOSPC;

	if (ind) {
		/* "Indirect Flag": only WRITE is valid inside the table */
		for (k = 0; k < n; k++) {
			ind[k].addr = vrq_cpu_to_le64(sg[k].addr);
			ind[k].len = vrq_cpu_to_le32(sg[k].len);
			ind[k].id = 0;
			ind[k].flags = vrq_cpu_to_le16(k >= n_out ? VRQ_DESC_F_WRITE : 0);
			if (k >= n_out)
				in_len += sg[k].len;
		}
		vrq__packed_drv_put(q, &q->desc[pos], ind_da, (uint32_t)(n * sizeof(*ind)), id,
				    VRQ_DESC_F_INDIRECT | vrq__packed_avail_bits(wrap));
		vrq__packed_advance(&pos, &wrap, 1, q->size);
	} else {
		for (k = 0; k < n; k++) {
			uint16_t flags = vrq__packed_avail_bits(wrap);

			if (k >= n_out) {
				flags |= VRQ_DESC_F_WRITE;
				in_len += sg[k].len;
			}
			if (k + 1 < n)
				flags |= VRQ_DESC_F_NEXT;
			/* id in every descriptor; the device reads the last one's */
			vrq__packed_drv_put(q, &q->desc[pos], sg[k].addr, sg[k].len, id, flags);
			vrq__packed_advance(&pos, &wrap, 1, q->size);
		}
	}
	q->next_avail = pos;
	q->avail_wrap = wrap;
	if (!q->in_order)
		q->free_id = q->slot[id].next;
	q->num_free -= need;
	q->batch_added += need;
	q->slot[id].token = token;
	q->slot[id].in_len = in_len;
	q->slot[id].ndesc = need;
	q->slot[id].seq = (uint32_t)q->st.added;
	q->st.added++;
	return 0;
}

/** @brief Add one buffer of 1 to queue-size segments (see
 *  vrq_split_drv_add()); visible after publish. */
VRQ_INLINE int vrq_packed_drv_add(struct vrq_packed_drv *q, const struct vrq_sg *sg,
				  unsigned n_out, unsigned n_in, void *token)
{
	/* no barrier in an add (publish orders it): one body for both domains */
	return vrq__packed_drv_add(q, sg, n_out, n_in, token, NULL, 0);
}

/** @brief Add one buffer through a caller-supplied indirect table. */
VRQ_INLINE int vrq_packed_drv_add_indirect(struct vrq_packed_drv *q, const struct vrq_sg *sg,
					   unsigned n_out, unsigned n_in, void *token,
					   struct vrq_packed_desc *tbl, uint64_t tbl_da)
{
	if (VRQ_UNLIKELY(!q->indirect || !tbl))
		return -VRQ_EINVAL;
	return vrq__packed_drv_add(q, sg, n_out, n_in, token, tbl, tbl_da);
}

VRQ_ALWAYS_INLINE void vrq__packed_drv_publish(struct vrq_packed_drv *q, const enum vrq_domain DOM)
{
	if (!q->pend)
		return;
	/* R1: every descriptor of the batch before its first one's flags;
	 * pairs with A1 in vrq__packed_dev_pop(). */
	vrq__store_release16(DOM, &q->desc[q->pend_pos].flags, q->pend_flags);
	q->pend = false;
	q->pub_pos = q->next_avail;
	q->pub_wrap = q->avail_wrap;
	q->pub_seq = (uint32_t)q->st.added;
	q->kick_added += q->batch_added;
	q->batch_added = 0;
	q->st.publishes++;
}

/** @brief Make every buffer added since the last publish visible. */
VRQ_INLINE void vrq_packed_drv_publish(struct vrq_packed_drv *q)
{
	VRQ__PACKED_DISPATCH(q->dom, vrq__packed_drv_publish(q, DOM); return);
}

/*
 * Prefetch the descriptors at positions [pos, pos + n) of a ring of @p size,
 * one prefetch per 64 bytes (a hint: with another line size it is only less
 * complete), for writing (@p write) or reading.  The driver's batch calls
 * use it: each descriptor line of a batch is a cache miss (the device read
 * it or wrote it last), and the work per descriptor is too long for the CPU
 * to run ahead into the next line by itself, so without the hint the misses
 * are taken one after the other (stores: the store buffer fills while each
 * line's ownership request waits its turn); with it they overlap
 * (docs/perf-notes.md, "Prefetching a batch's descriptor lines").
 */
VRQ_ALWAYS_INLINE void vrq__packed_prefetch(const struct vrq_packed_desc *desc, unsigned pos,
					    unsigned n, unsigned size, bool write)
{
	while (n) {
		unsigned run = size - pos < n ? size - pos : n; /* up to the ring's end */
		const char *p = (const char *)((uintptr_t)&desc[pos] & ~(uintptr_t)63);
		const char *end = (const char *)&desc[pos + run];

		for (; p < end; p += 64) {
			if (write)
				vrq_arch_prefetch_w(p);
			else
				__builtin_prefetch(p, 0, 3);
		}
		n -= run;
		pos = 0;
	}
}

VRQ_ALWAYS_INLINE int vrq__packed_drv_add_batch(struct vrq_packed_drv *q, const struct vrq_buf *b,
						 unsigned n, const enum vrq_domain DOM)
{
	unsigned i;
	int rc = 0;

	/* the descriptors this batch will write (at least one per buffer);
	 * a single buffer's line is written at once anyway */
	if (n > 1)
		vrq__packed_prefetch(q->desc, q->next_avail, n < q->num_free ? n : q->num_free,
				     q->size, true);
	for (i = 0; i < n; i++) {
		rc = vrq__packed_drv_add(q, b[i].sg, b[i].n_out, b[i].n_in, b[i].token, NULL, 0);
		if (rc)
			break;
	}
	vrq__packed_drv_publish(q, DOM);
	return i ? (int)i : (rc == -VRQ_ENOSPC ? 0 : rc);
}

/**
 * @brief Add up to @p n buffers, publish once (see vrq_split_drv_add_batch()).
 *        Prefetches the descriptor lines it will write (for two buffers or
 *        more), which a loop of single adds cannot: prefer it for streams.
 */
VRQ_INLINE int vrq_packed_drv_add_batch(struct vrq_packed_drv *q, const struct vrq_buf *b,
					unsigned n)
{
	VRQ__PACKED_DISPATCH(q->dom, return vrq__packed_drv_add_batch(q, b, n, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__packed_drv_need_kick(struct vrq_packed_drv *q,
						 const enum vrq_domain DOM)
{
	uint64_t added = q->kick_added;
	bool need;

	if (!added)
		return false;
	q->kick_added = 0;
	if (q->dev_polls) {
		/* the device never sleeps (VRQ_CFG_DEV_POLLS): no decision, so
		 * no F1 and no read of its event area ("sticky poll", types.h) */
		q->st.kicks_suppressed++;
		return false;
	}
	VRQ_TEST_HOOK(f1_pre);
	/* F1: R1 before reading the device event structure; pairs with F4 in
	 * vrq__packed_dev_enable_kick().  Asymmetric (VRQ_CFG_DEV_ASYM_FENCE):
	 * a compiler barrier, the device's heavy barrier after F4 orders both
	 * sides (types.h). */
	if (q->dev_asym)
		VRQ__LIGHT_FENCE(1);
	else
		VRQ__FENCE(DOM, 1);
	need = vrq__packed_need_event(vrq__packed_ev_read(DOM, q->dev_ev), q->pub_pos, q->pub_wrap,
				      added, q->size, q->event_idx);
	if (need)
		q->st.kicks++;
	else
		q->st.kicks_suppressed++;
	return need;
}

/**
 * @brief Kick decision for everything published since the last one (see
 *        vrq_split_drv_need_kick()): exact however many descriptors were
 *        published since, because the count is private and 64 bits wide.
 */
VRQ_INLINE bool vrq_packed_drv_need_kick(struct vrq_packed_drv *q)
{
	VRQ__PACKED_DISPATCH(q->dom, return vrq__packed_drv_need_kick(q, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__packed_drv_kick_prepare(struct vrq_packed_drv *q,
						    const enum vrq_domain DOM)
{
	vrq__packed_drv_publish(q, DOM);
	return vrq__packed_drv_need_kick(q, DOM);
}

/** @brief Publish, then take the kick decision. */
VRQ_INLINE bool vrq_packed_drv_kick_prepare(struct vrq_packed_drv *q)
{
	VRQ__PACKED_DISPATCH(q->dom, return vrq__packed_drv_kick_prepare(q, DOM));
}

/**
 * @brief NOTIFICATION_DATA value: vqn | next_off << 16 | next_wrap << 31,
 *        the next descriptor not yet made available (i.e. published).
 */
VRQ_INLINE uint32_t vrq_packed_drv_notification_data(const struct vrq_packed_drv *q, uint16_t vqn)
{
	return (uint32_t)vqn | (uint32_t)q->pub_pos << 16 | (uint32_t)q->pub_wrap << 31;
}

VRQ_ALWAYS_INLINE int vrq__packed_drv_error(struct vrq_packed_drv *q, int err)
{
	q->st.peer_err[VRQ_PEER_ERR_IDX(err)]++;
	q->broken = err;
	return err;
}

/* Is desc[pos] used in lap @p wrap?  Returns its flags through *fl. */
VRQ_ALWAYS_INLINE bool vrq__packed_is_used(const struct vrq_packed_desc *d, bool wrap,
					   uint16_t *fl, const enum vrq_domain DOM)
{
	/* A2: id and len after the flags; pairs with R2 in vrq__packed_dev_publish(). */
	uint16_t f = vrq__load_acquire16(DOM, &d->flags);

	*fl = f;
	/* AVAIL == USED == wrap: one mask and one compare */
	return (f & (VRQ_PACKED_DESC_F_AVAIL | VRQ_PACKED_DESC_F_USED)) == vrq__packed_used_bits(wrap);
}

VRQ_ALWAYS_INLINE int vrq__packed_drv_get_used(struct vrq_packed_drv *q, void **token,
					       uint32_t *len, const enum vrq_domain DOM)
{
	const struct vrq_packed_desc *d;
	uint16_t flags, id;
	uint32_t l;

	if (VRQ_UNLIKELY(q->broken))
		return q->broken;
	if (q->in_order && q->ino_batch) {
		/* IN_ORDER: expand a batch, oldest buffer (id = position) first */
		id = q->next_used;
		if (id == q->ino_batch_id) {
			l = q->ino_batch_len;
			q->ino_batch = false;
		} else {
			l = q->slot[id].in_len; /* skipped: used completely */
		}
		goto complete;
	}
	d = &q->desc[q->next_used];
	if (!vrq__packed_is_used(d, q->used_wrap, &flags, DOM))
		return 0;
	id = vrq_le16_to_cpu(d->id);
	/* "Element Length is reserved for used descriptors without WRITE" */
	l = (flags & VRQ_DESC_F_WRITE) ? vrq_le32_to_cpu(d->len) : 0;
	/* the id must name a buffer in flight that the device could have seen
	 * (with IN_ORDER everything older than it is published too) */
	if (VRQ_UNLIKELY(id >= q->size || !q->slot[id].ndesc ||
			 (int32_t)(q->pub_seq - q->slot[id].seq) <= 0))
		return vrq__packed_drv_error(q, -VRQ_EUSED_ID);
	if (q->in_order && id != q->next_used) {
		q->ino_batch = true;
		q->ino_batch_id = id;
		q->ino_batch_len = l;
		id = q->next_used;
		l = q->slot[id].in_len;
	}
complete:
	/* clamped and counted, not fatal: see vrq_split_drv_get_used() */
	if (VRQ_UNLIKELY(l > q->slot[id].in_len)) {
		q->st.used_len_clamped++;
		q->st.peer_err[VRQ_PEER_ERR_IDX(VRQ_EUSED_LEN)]++;
		l = q->slot[id].in_len;
	}
	*token = q->slot[id].token;
	if (len)
		*len = l;
	q->num_free += q->slot[id].ndesc;
	vrq__packed_advance(&q->next_used, &q->used_wrap, q->slot[id].ndesc, q->size);
	q->slot[id].ndesc = 0;
	if (!q->in_order) {
		q->slot[id].next = q->free_id;
		q->free_id = id;
	}
	q->st.completed++;
	return 1;
}

/**
 * @brief Take one used buffer (see vrq_split_drv_get_used()).  A used len
 *        above the writable capacity is clamped and counted (used_len_clamped,
 *        peer_err[VRQ_EUSED_LEN]), the queue keeps running, as on the split
 *        ring and for the same reasons; a used descriptor without WRITE
 *        reports 0 bytes ("Element Length is reserved for used descriptors
 *        without the VIRTQ_DESC_F_WRITE flag"), not counted.
 */
VRQ_INLINE int vrq_packed_drv_get_used(struct vrq_packed_drv *q, void **token, uint32_t *len)
{
	VRQ__PACKED_DISPATCH(q->dom, return vrq__packed_drv_get_used(q, token, len, DOM));
}

VRQ_ALWAYS_INLINE int vrq__packed_drv_get_used_batch(struct vrq_packed_drv *q, void **tokens,
						      uint32_t *lens, unsigned max,
						      const enum vrq_domain DOM)
{
	unsigned i, inflight = (unsigned)(q->size - q->num_free);
	int rc = 0;

	/* only what may be used: never past the descriptors in flight; a
	 * single buffer's line is read at once anyway */
	if (max > 1)
		vrq__packed_prefetch(q->desc, q->next_used, max < inflight ? max : inflight,
				     q->size, false);
	for (i = 0; i < max; i++) {
		rc = vrq__packed_drv_get_used(q, &tokens[i], lens ? &lens[i] : NULL, DOM);
		if (rc <= 0)
			break;
	}
	return i ? (int)i : rc;
}

/**
 * @brief Take up to @p max used buffers; read-prefetches the descriptor
 *        lines of the next @p max positions in flight (for two or more).
 */
VRQ_INLINE int vrq_packed_drv_get_used_batch(struct vrq_packed_drv *q, void **tokens,
					     uint32_t *lens, unsigned max)
{
	VRQ__PACKED_DISPATCH(q->dom,
			     return vrq__packed_drv_get_used_batch(q, tokens, lens, max, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__packed_drv_enable_cb(struct vrq_packed_drv *q,
						 const enum vrq_domain DOM)
{
	uint16_t fl;

	/* promised never to sleep (VRQ_CFG_DRV_POLLS): see split.h */
	if (q->drv_polls)
		return true;
	q->cb_enabled = true;
	if (q->event_idx)
		vrq__packed_ev_write(DOM, q->drv_ev,
				     (uint16_t)(q->next_used | (uint16_t)q->used_wrap << 15),
				     VRQ_PACKED_EVENT_FLAG_DESC);
	else
		vrq__packed_ev_write(DOM, q->drv_ev, 0, VRQ_PACKED_EVENT_FLAG_ENABLE);
	VRQ_TEST_HOOK(f3_pre);
	/* F3: event structure before the re-check; pairs with F2 in
	 * vrq__packed_dev_need_notify(). */
	VRQ__FENCE(DOM, 3);
	/* H3 (VRQ_CFG_DRV_ASYM_FENCE): stands for the device's light F2;
	 * pairs with it (types.h).  Failed: "pending", never sleep. */
	if (q->drv_asym && VRQ__HEAVY_BARRIER(q->heavy_barrier) < 0)
		return true;
	VRQ_TEST_HOOK(f3_post);
	return q->ino_batch || vrq__packed_is_used(&q->desc[q->next_used], q->used_wrap, &fl, DOM);
}

/** @brief Ask for used-buffer notifications; true = work already pending. */
VRQ_INLINE bool vrq_packed_drv_enable_cb(struct vrq_packed_drv *q)
{
	VRQ__PACKED_DISPATCH(q->dom, return vrq__packed_drv_enable_cb(q, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__packed_drv_has_used(const struct vrq_packed_drv *q,
						 const enum vrq_domain DOM)
{
	uint16_t fl;

	return q->ino_batch || vrq__packed_is_used(&q->desc[q->next_used], q->used_wrap, &fl, DOM);
}

/** @brief Peek: is a used buffer waiting?  No shared write, nothing consumed. */
VRQ_INLINE bool vrq_packed_drv_has_used(const struct vrq_packed_drv *q)
{
	VRQ__PACKED_DISPATCH(q->dom, return vrq__packed_drv_has_used(q, DOM));
}

VRQ_ALWAYS_INLINE void vrq__packed_drv_disable_cb(struct vrq_packed_drv *q,
						  const enum vrq_domain DOM)
{
	q->cb_enabled = false;
	vrq__packed_ev_write(DOM, q->drv_ev, 0, VRQ_PACKED_EVENT_FLAG_DISABLE);
}

/** @brief Suppress used-buffer notifications. */
VRQ_INLINE void vrq_packed_drv_disable_cb(struct vrq_packed_drv *q)
{
	VRQ__PACKED_DISPATCH(q->dom, vrq__packed_drv_disable_cb(q, DOM); return);
}

/* ---- Device role ----------------------------------------------------------- */

/** @brief Private per-buffer-id device state. */
struct vrq_packed_dev_slot {
	uint32_t wcap;	/**< writable capacity of the chain */
	uint16_t ndesc; /**< ring descriptors of the chain; 0 = id not in flight */
	uint16_t pad;
};

/** @brief Packed ring, device side. */
struct vrq_packed_dev {
	/* read-mostly */
	struct vrq_packed_desc *desc;
	const struct vrq_packed_event *drv_ev; /**< driver area (we read) */
	struct vrq_packed_event *dev_ev;       /**< device area (we write) */
	const struct vrq_mem *mem;
	const struct vrq_mem_region *mem_hint;
	struct vrq_packed_dev_slot *slot;
	uint16_t size;
	enum vrq_domain dom;
	bool event_idx, indirect, in_order;
	bool drv_polls; /**< VRQ_CFG_DRV_POLLS: no interrupt decisions */
	bool dev_polls; /**< VRQ_CFG_DEV_POLLS: enable_kick() arms nothing */
	bool drv_asym;	/**< VRQ_CFG_DRV_ASYM_FENCE: F2 is a compiler barrier */
	bool dev_asym;	/**< VRQ_CFG_DEV_ASYM_FENCE: enable_kick() runs heavy_barrier */
	vrq_heavy_barrier_fn heavy_barrier;
	/* hot, private */
	uint16_t next_avail; /**< next descriptor to poll */
	bool avail_wrap;
	uint16_t next_used; /**< next descriptor to overwrite with a used one */
	bool used_wrap;
	bool pend;	     /**< an unpublished used descriptor exists */
	uint16_t pend_pos, pend_flags;
	uint16_t batch_used;  /**< descriptors marked used since the last publish */
	uint64_t notify_added; /**< descriptors published since the last decision (never wraps) */
	uint16_t pub_pos;      /**< next_used at the last publish */
	bool pub_wrap;
	uint16_t ino_n, ino_pos, ino_id; /**< IN_ORDER: pending batch */
	bool ino_wrap;
	uint32_t ino_len;
	int broken;
	void *priv_alloc;
	struct vrq_dev_stats st;
};

/** @brief Bytes of private device state for @p size ids. */
size_t vrq_packed_dev_priv_size(uint16_t size);
/** @brief Initialise the device side (wrap counters 1). */
int vrq_packed_dev_init(struct vrq_packed_dev *q, const struct vrq_packed_cfg *cfg);
/** @brief Free what init allocated. */
void vrq_packed_dev_fini(struct vrq_packed_dev *q);
/** @brief Queue reset, device side. */
void vrq_packed_dev_reset(struct vrq_packed_dev *q);

/**
 * @brief Ring position of a stopped device, as vhost-user's
 *        GET_VRING_BASE reports it for a packed ring: bits 0..14 the next
 *        descriptor the device will read (a ring position, < size), bit 15
 *        the driver (available) ring wrap counter, bits 16..30 the position
 *        of the next used descriptor the device will write, bit 31 the
 *        device (used) ring wrap counter.  Neither is in ring memory.
 *
 * "Stopped" means quiescent: every chain popped has been pushed and every
 * push published (vrq_packed_dev_publish()), so the two halves are equal.
 * Nothing is written.
 *
 * @return 0 with *base set; -VRQ_EINVAL (NULL argument, or chains popped and
 *         not yet pushed and published); the queue's peer error if broken.
 */
int vrq_packed_dev_get_base(const struct vrq_packed_dev *q, uint32_t *base);

/**
 * @brief Resume a queue at a position from vrq_packed_dev_get_base() (or a
 *        vhost-user SET_VRING_BASE payload): the next pop reads descriptor
 *        bits 0..14 in the lap of wrap counter bit 15, and used descriptors
 *        are written from bits 16..30 with wrap counter bit 31.
 *
 * Only on a device that holds nothing in flight (fresh from init / reset,
 * or quiescent as in get_base), over the stopped device's ring memory.
 * Both positions must be below the queue size, and equal (position and wrap
 * counter): a used position behind the available one means chains in
 * flight at the stop, whose ids and lengths were the stopped device's
 * private state, so they cannot be resumed here.  Nothing is written to
 * the ring.  No driver-side equivalent: see vrq_split_dev_set_base().
 *
 * @return 0; -VRQ_EINVAL (a position >= size, the two halves differ, or
 *         chains in flight in this handle); the queue's peer error if
 *         broken (reset it first).
 */
int vrq_packed_dev_set_base(struct vrq_packed_dev *q, uint32_t base);

/** @brief 0, or the negative VRQ_E* code that stopped the queue. */
VRQ_INLINE int vrq_packed_dev_broken(const struct vrq_packed_dev *q)
{
	return q->broken;
}

VRQ_ALWAYS_INLINE int vrq__packed_dev_error(struct vrq_packed_dev *q, int err)
{
	q->st.peer_err[VRQ_PEER_ERR_IDX(err)]++;
	q->broken = err;
	return err;
}

/* Is desc[pos] available in lap @p wrap? */
VRQ_ALWAYS_INLINE bool vrq__packed_is_avail(uint16_t f, bool wrap)
{
	/* AVAIL == wrap, USED != wrap: one mask and one compare */
	return (f & (VRQ_PACKED_DESC_F_AVAIL | VRQ_PACKED_DESC_F_USED)) == vrq__packed_avail_bits(wrap);
}

/* Append one validated segment to the chain. */
VRQ_ALWAYS_INLINE int vrq__packed_dev_seg(struct vrq_packed_dev *q, struct vrq_chain *c,
					  uint64_t addr, uint32_t len, bool write, uint64_t *out,
					  uint64_t *in)
{
	uint16_t n = c->n;

	if (write) {
		*in += len;
	} else {
		if (VRQ_UNLIKELY(*in || n > c->n_out))
			return -VRQ_EORDER;
		*out += len;
		c->n_out = (uint16_t)(n + 1);
	}
	if (VRQ_UNLIKELY(*out + *in > UINT32_MAX))
		return -VRQ_ETOTAL_LEN;
	if (VRQ_UNLIKELY(n >= c->cap))
		return -VRQ_ESEGCAP;
	c->seg[n].addr = addr;
	c->seg[n].len = len;
	c->seg[n].flags = write ? VRQ_SEG_WRITE : 0;
	if (len) {
		c->seg[n].va = vrq_mem_da_to_va_hint(q->mem, addr, len, &q->mem_hint);
		if (VRQ_UNLIKELY(!c->seg[n].va))
			return -VRQ_EADDR;
		c->seg[n].flags |= VRQ__SEG_NONCOH_OF(q->mem_hint);
	} else {
		c->seg[n].va = NULL;
	}
	c->n = (uint16_t)(n + 1);
	return 0;
}

/*
 * Walk and validate the chain starting at next_avail, whose flags @p f0 were
 * read with acquire.  Each descriptor is copied once; the walk is bounded by
 * the ring size (VRQ_ELOOP) and every descriptor after the first must be
 * available in its own lap (VRQ_EWRAP).  An indirect descriptor is the only
 * one of its chain and its table has 1 to size entries (VRQ_EINDIRECT_LEN):
 * a chain has at most size segments either way.
 */
VRQ_ALWAYS_INLINE int vrq__packed_dev_walk(struct vrq_packed_dev *q, uint16_t f0,
					   struct vrq_chain *c)
{
	uint16_t pos = q->next_avail, ndesc = 0, id;
	bool wrap = q->avail_wrap;
	uint64_t out = 0, in = 0;
	int rc;

	c->n = c->n_out = 0;
	for (;;) {
		struct vrq_packed_desc d;
		uint16_t f;

		if (VRQ_UNLIKELY(ndesc >= q->size))
			return -VRQ_ELOOP;
		memcpy(&d, &q->desc[pos], sizeof(d));
		f = ndesc ? vrq_le16_to_cpu(d.flags) : f0;
		if (VRQ_UNLIKELY(ndesc && !vrq__packed_is_avail(f, wrap)))
			return -VRQ_EWRAP;
		ndesc++;
		if (f & VRQ_DESC_F_INDIRECT) {
			const struct vrq_packed_desc *t;
			uint32_t len = vrq_le32_to_cpu(d.len), i, cnt;

			if (VRQ_UNLIKELY(!q->indirect))
				return -VRQ_EINDIRECT_FEATURE;
			/* "MUST NOT write direct descriptors with INDIRECT set in
			 * a scatter-gather list linked by NEXT" */
			if (VRQ_UNLIKELY((f & VRQ_DESC_F_NEXT) || ndesc > 1))
				return -VRQ_EINDIRECT_NEXT;
			/* a list is at most Queue Size long, a table too */
			if (VRQ_UNLIKELY(len == 0 || len % sizeof(d) || len / sizeof(d) > q->size))
				return -VRQ_EINDIRECT_LEN;
			t = (const struct vrq_packed_desc *)vrq_mem_da_to_va(
				q->mem, vrq_le64_to_cpu(d.addr), len);
			if (VRQ_UNLIKELY(!t))
				return -VRQ_EINDIRECT_ADDR;
			cnt = len / sizeof(d);
			for (i = 0; i < cnt; i++) {
				struct vrq_packed_desc e;
				uint16_t ef;

				memcpy(&e, &t[i], sizeof(e));
				ef = vrq_le16_to_cpu(e.flags);
				/*
				 * "The driver MUST NOT set any flags except
				 * DESC_F_WRITE within an indirect descriptor".
				 * INDIRECT (a nested table, refused as on the split
				 * ring) and NEXT (a chain link, which a packed table
				 * does not have: its length gives the entries) would
				 * change what the chain is: refused.  The other
				 * reserved bits (AVAIL, USED, ...) change nothing and
				 * are ignored, as the spec says the device does.
				 * One branch for both, taken only on bad input.
				 */
				if (VRQ_UNLIKELY(ef & (VRQ_DESC_F_INDIRECT | VRQ_DESC_F_NEXT)))
					return (ef & VRQ_DESC_F_INDIRECT) ? -VRQ_EINDIRECT_NESTED
									  : -VRQ_EINDIRECT_TABLE_NEXT;
				rc = vrq__packed_dev_seg(q, c, vrq_le64_to_cpu(e.addr),
							 vrq_le32_to_cpu(e.len),
							 ef & VRQ_DESC_F_WRITE, &out, &in);
				if (VRQ_UNLIKELY(rc))
					return rc;
			}
			id = vrq_le16_to_cpu(d.id);
			break;
		}
		rc = vrq__packed_dev_seg(q, c, vrq_le64_to_cpu(d.addr), vrq_le32_to_cpu(d.len),
					 f & VRQ_DESC_F_WRITE, &out, &in);
		if (VRQ_UNLIKELY(rc))
			return rc;
		if (!(f & VRQ_DESC_F_NEXT)) {
			id = vrq_le16_to_cpu(d.id); /* buffer id lives in the last one */
			break;
		}
		vrq__packed_advance(&pos, &wrap, 1, q->size);
	}
	if (VRQ_UNLIKELY(id >= q->size))
		return -VRQ_EID;
	if (VRQ_UNLIKELY(q->slot[id].ndesc))
		return -VRQ_EID_INFLIGHT;
	q->slot[id].ndesc = ndesc;
	q->slot[id].wcap = (uint32_t)in;
	c->head = id;
	c->ndesc = ndesc;
	c->out_len = (uint32_t)out;
	c->in_len = (uint32_t)in;
	c->pos = 0;
	return 1;
}

VRQ_ALWAYS_INLINE int vrq__packed_dev_pop(struct vrq_packed_dev *q, struct vrq_chain *c,
					  const enum vrq_domain DOM)
{
	uint16_t f;
	int rc;

	if (VRQ_UNLIKELY(q->broken))
		return q->broken;
	/* A1: the chain's descriptors after its first flags; pairs with R1 in
	 * vrq__packed_drv_publish(). */
	f = vrq__load_acquire16(DOM, &q->desc[q->next_avail].flags);
	if (!vrq__packed_is_avail(f, q->avail_wrap))
		return 0;
	rc = vrq__packed_dev_walk(q, f, c);
	if (VRQ_UNLIKELY(rc < 0)) {
		c->n = 0;
		return rc == -VRQ_ESEGCAP ? rc : vrq__packed_dev_error(q, rc);
	}
	vrq__packed_advance(&q->next_avail, &q->avail_wrap, c->ndesc, q->size);
	q->st.popped++;
	return 1;
}

/**
 * @brief Pop and validate the next available chain (see vrq_split_dev_pop());
 *        c->head is the buffer id to pass to vrq_packed_dev_push().
 */
VRQ_INLINE int vrq_packed_dev_pop(struct vrq_packed_dev *q, struct vrq_chain *c)
{
	VRQ__PACKED_DISPATCH(q->dom, return vrq__packed_dev_pop(q, c, DOM));
}

/* Write one used descriptor; the batch's first flags are deferred to R2. */
VRQ_ALWAYS_INLINE void vrq__packed_dev_put_used(struct vrq_packed_dev *q, uint16_t pos, bool wrap,
						uint16_t id, uint32_t len)
{
	struct vrq_packed_desc *d = &q->desc[pos];
	uint16_t flags = vrq__packed_used_bits(wrap) | (len ? VRQ_DESC_F_WRITE : 0);

	d->id = vrq_cpu_to_le16(id);
	d->len = vrq_cpu_to_le32(len);
	if (!q->pend) {
		q->pend = true;
		q->pend_pos = pos;
		q->pend_flags = flags;
	} else {
		__atomic_store_n(&d->flags, vrq_cpu_to_le16(flags), __ATOMIC_RELAXED);
	}
	q->st.used_entries++;
}

VRQ_ALWAYS_INLINE int vrq__packed_dev_push(struct vrq_packed_dev *q, uint16_t id, uint32_t len)
{
	uint16_t nd;

	if (VRQ_UNLIKELY(id >= q->size || !q->slot[id].ndesc))
		return -VRQ_EINVAL;
	nd = q->slot[id].ndesc;
	q->slot[id].ndesc = 0;
	if (q->in_order) {
		/* one used descriptor per run of completely used buffers */
		if (q->ino_n && q->ino_len != q->slot[q->ino_id].wcap) {
			vrq__packed_dev_put_used(q, q->ino_pos, q->ino_wrap, q->ino_id, q->ino_len);
			q->ino_n = 0;
		}
		if (!q->ino_n) {
			q->ino_pos = q->next_used;
			q->ino_wrap = q->used_wrap;
		}
		q->ino_n++;
		q->ino_id = id;
		q->ino_len = len;
	} else {
		vrq__packed_dev_put_used(q, q->next_used, q->used_wrap, id, len);
	}
	vrq__packed_advance(&q->next_used, &q->used_wrap, nd, q->size);
	q->batch_used = (uint16_t)(q->batch_used + nd);
	q->st.pushed++;
	return 0;
}

/** @brief Mark buffer @p id used, @p len bytes written (visible after publish). */
VRQ_INLINE int vrq_packed_dev_push(struct vrq_packed_dev *q, uint16_t id, uint32_t len)
{
	/* no barrier in a push (publish orders it): one body for both domains */
	return vrq__packed_dev_push(q, id, len);
}

VRQ_ALWAYS_INLINE void vrq__packed_dev_publish(struct vrq_packed_dev *q, const enum vrq_domain DOM)
{
	if (q->ino_n) {
		vrq__packed_dev_put_used(q, q->ino_pos, q->ino_wrap, q->ino_id, q->ino_len);
		q->ino_n = 0;
	}
	if (!q->pend)
		return;
	/* R2: the batch's used descriptors before its first one's flags;
	 * pairs with A2 in vrq__packed_is_used(). */
	vrq__store_release16(DOM, &q->desc[q->pend_pos].flags, q->pend_flags);
	q->pend = false;
	q->pub_pos = q->next_used;
	q->pub_wrap = q->used_wrap;
	q->notify_added += q->batch_used;
	q->batch_used = 0;
	q->st.publishes++;
}

/** @brief Make every buffer pushed since the last publish visible. */
VRQ_INLINE void vrq_packed_dev_publish(struct vrq_packed_dev *q)
{
	VRQ__PACKED_DISPATCH(q->dom, vrq__packed_dev_publish(q, DOM); return);
}

VRQ_ALWAYS_INLINE bool vrq__packed_dev_need_notify(struct vrq_packed_dev *q,
						   const enum vrq_domain DOM)
{
	uint64_t added = q->notify_added;
	bool need;

	if (!added)
		return false;
	q->notify_added = 0;
	if (q->drv_polls) {
		/* the driver never sleeps (VRQ_CFG_DRV_POLLS): no F2, no read */
		q->st.notifies_suppressed++;
		return false;
	}
	VRQ_TEST_HOOK(f2_pre);
	/* F2: R2 before reading the driver event structure; pairs with F3 in
	 * vrq__packed_drv_enable_cb().  Asymmetric (VRQ_CFG_DRV_ASYM_FENCE): a
	 * compiler barrier (types.h). */
	if (q->drv_asym)
		VRQ__LIGHT_FENCE(2);
	else
		VRQ__FENCE(DOM, 2);
	need = vrq__packed_need_event(vrq__packed_ev_read(DOM, q->drv_ev), q->pub_pos, q->pub_wrap,
				      added, q->size, q->event_idx);
	if (need)
		q->st.notifies++;
	else
		q->st.notifies_suppressed++;
	return need;
}

/** @brief Interrupt decision for everything published since the last one
 *  (exact however many, as vrq_packed_drv_need_kick()). */
VRQ_INLINE bool vrq_packed_dev_need_notify(struct vrq_packed_dev *q)
{
	VRQ__PACKED_DISPATCH(q->dom, return vrq__packed_dev_need_notify(q, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__packed_dev_notify_prepare(struct vrq_packed_dev *q,
						      const enum vrq_domain DOM)
{
	vrq__packed_dev_publish(q, DOM);
	return vrq__packed_dev_need_notify(q, DOM);
}

/** @brief Publish, then take the interrupt decision. */
VRQ_INLINE bool vrq_packed_dev_notify_prepare(struct vrq_packed_dev *q)
{
	VRQ__PACKED_DISPATCH(q->dom, return vrq__packed_dev_notify_prepare(q, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__packed_dev_enable_kick(struct vrq_packed_dev *q,
						   const enum vrq_domain DOM)
{
	/* promised never to sleep (VRQ_CFG_DEV_POLLS): see split.h */
	if (q->dev_polls)
		return true;
	if (q->event_idx)
		vrq__packed_ev_write(DOM, q->dev_ev,
				     (uint16_t)(q->next_avail | (uint16_t)q->avail_wrap << 15),
				     VRQ_PACKED_EVENT_FLAG_DESC);
	else
		vrq__packed_ev_write(DOM, q->dev_ev, 0, VRQ_PACKED_EVENT_FLAG_ENABLE);
	VRQ_TEST_HOOK(f4_pre);
	/* F4: event structure before the re-check; pairs with F1 in
	 * vrq__packed_drv_need_kick(). */
	VRQ__FENCE(DOM, 4);
	/* H4 (VRQ_CFG_DEV_ASYM_FENCE): stands for the driver's light F1;
	 * pairs with it (types.h) */
	if (q->dev_asym && VRQ__HEAVY_BARRIER(q->heavy_barrier) < 0)
		return true;
	VRQ_TEST_HOOK(f4_post);
	return vrq__packed_is_avail(vrq__read16(DOM, &q->desc[q->next_avail].flags), q->avail_wrap);
}

/** @brief Ask for kicks; true = buffers already available (drain again). */
VRQ_INLINE bool vrq_packed_dev_enable_kick(struct vrq_packed_dev *q)
{
	VRQ__PACKED_DISPATCH(q->dom, return vrq__packed_dev_enable_kick(q, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__packed_dev_has_avail(const struct vrq_packed_dev *q,
						  const enum vrq_domain DOM)
{
	return vrq__packed_is_avail(vrq__read16(DOM, &q->desc[q->next_avail].flags),
				    q->avail_wrap);
}

/** @brief Peek: is an available buffer waiting?  No shared write, nothing consumed. */
VRQ_INLINE bool vrq_packed_dev_has_avail(const struct vrq_packed_dev *q)
{
	VRQ__PACKED_DISPATCH(q->dom, return vrq__packed_dev_has_avail(q, DOM));
}

VRQ_ALWAYS_INLINE void vrq__packed_dev_disable_kick(struct vrq_packed_dev *q,
						    const enum vrq_domain DOM)
{
	vrq__packed_ev_write(DOM, q->dev_ev, 0, VRQ_PACKED_EVENT_FLAG_DISABLE);
}

/** @brief Suppress kicks. */
VRQ_INLINE void vrq_packed_dev_disable_kick(struct vrq_packed_dev *q)
{
	VRQ__PACKED_DISPATCH(q->dom, vrq__packed_dev_disable_kick(q, DOM); return);
}

/* ---- Fixed-domain entry points (VRQ_DOM_SMP) -------------------------------- */
/*
 * As in split.h: the calls for a VRQ_DOM_SMP queue with the domain fixed at
 * compile time (one specialised body per call site instead of the two the
 * run-time dispatch inlines).  Another domain is refused the same way:
 * -VRQ_EINVAL / true, the queue stops with -VRQ_EINVAL; peeks answer true.
 */

/** @brief vrq_packed_drv_add() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_packed_drv_add_smp(struct vrq_packed_drv *q, const struct vrq_sg *sg,
				     unsigned n_out, unsigned n_in, void *token)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	return vrq__packed_drv_add(q, sg, n_out, n_in, token, NULL, 0);
}

/** @brief vrq_packed_drv_add_indirect() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_packed_drv_add_indirect_smp(struct vrq_packed_drv *q, const struct vrq_sg *sg,
					      unsigned n_out, unsigned n_in, void *token,
					      struct vrq_packed_desc *tbl, uint64_t tbl_da)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	if (VRQ_UNLIKELY(!q->indirect || !tbl))
		return -VRQ_EINVAL;
	return vrq__packed_drv_add(q, sg, n_out, n_in, token, tbl, tbl_da);
}

/** @brief vrq_packed_drv_add_batch() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_packed_drv_add_batch_smp(struct vrq_packed_drv *q, const struct vrq_buf *b,
					   unsigned n)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	return vrq__packed_drv_add_batch(q, b, n, VRQ_DOM_SMP);
}

/** @brief vrq_packed_drv_publish() for a VRQ_DOM_SMP queue. */
VRQ_INLINE void vrq_packed_drv_publish_smp(struct vrq_packed_drv *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return);
	vrq__packed_drv_publish(q, VRQ_DOM_SMP);
}

/** @brief vrq_packed_drv_need_kick() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_packed_drv_need_kick_smp(struct vrq_packed_drv *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return true);
	return vrq__packed_drv_need_kick(q, VRQ_DOM_SMP);
}

/** @brief vrq_packed_drv_kick_prepare() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_packed_drv_kick_prepare_smp(struct vrq_packed_drv *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return true);
	return vrq__packed_drv_kick_prepare(q, VRQ_DOM_SMP);
}

/** @brief vrq_packed_drv_get_used() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_packed_drv_get_used_smp(struct vrq_packed_drv *q, void **token, uint32_t *len)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	return vrq__packed_drv_get_used(q, token, len, VRQ_DOM_SMP);
}

/** @brief vrq_packed_drv_get_used_batch() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_packed_drv_get_used_batch_smp(struct vrq_packed_drv *q, void **tokens,
						uint32_t *lens, unsigned max)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	return vrq__packed_drv_get_used_batch(q, tokens, lens, max, VRQ_DOM_SMP);
}

/** @brief vrq_packed_drv_enable_cb() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_packed_drv_enable_cb_smp(struct vrq_packed_drv *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return true);
	return vrq__packed_drv_enable_cb(q, VRQ_DOM_SMP);
}

/** @brief vrq_packed_drv_disable_cb() for a VRQ_DOM_SMP queue. */
VRQ_INLINE void vrq_packed_drv_disable_cb_smp(struct vrq_packed_drv *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return);
	vrq__packed_drv_disable_cb(q, VRQ_DOM_SMP);
}

/** @brief vrq_packed_drv_has_used() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_packed_drv_has_used_smp(const struct vrq_packed_drv *q)
{
	VRQ__DOM_FIXED_PEEK(q, VRQ_DOM_SMP, return true);
	return vrq__packed_drv_has_used(q, VRQ_DOM_SMP);
}

/** @brief vrq_packed_dev_pop() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_packed_dev_pop_smp(struct vrq_packed_dev *q, struct vrq_chain *c)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	return vrq__packed_dev_pop(q, c, VRQ_DOM_SMP);
}

/** @brief vrq_packed_dev_push() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_packed_dev_push_smp(struct vrq_packed_dev *q, uint16_t id, uint32_t len)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	return vrq__packed_dev_push(q, id, len);
}

/** @brief vrq_packed_dev_publish() for a VRQ_DOM_SMP queue. */
VRQ_INLINE void vrq_packed_dev_publish_smp(struct vrq_packed_dev *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return);
	vrq__packed_dev_publish(q, VRQ_DOM_SMP);
}

/** @brief vrq_packed_dev_need_notify() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_packed_dev_need_notify_smp(struct vrq_packed_dev *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return true);
	return vrq__packed_dev_need_notify(q, VRQ_DOM_SMP);
}

/** @brief vrq_packed_dev_notify_prepare() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_packed_dev_notify_prepare_smp(struct vrq_packed_dev *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return true);
	return vrq__packed_dev_notify_prepare(q, VRQ_DOM_SMP);
}

/** @brief vrq_packed_dev_enable_kick() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_packed_dev_enable_kick_smp(struct vrq_packed_dev *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return true);
	return vrq__packed_dev_enable_kick(q, VRQ_DOM_SMP);
}

/** @brief vrq_packed_dev_disable_kick() for a VRQ_DOM_SMP queue. */
VRQ_INLINE void vrq_packed_dev_disable_kick_smp(struct vrq_packed_dev *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return);
	vrq__packed_dev_disable_kick(q, VRQ_DOM_SMP);
}

/** @brief vrq_packed_dev_has_avail() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_packed_dev_has_avail_smp(const struct vrq_packed_dev *q)
{
	VRQ__DOM_FIXED_PEEK(q, VRQ_DOM_SMP, return true);
	return vrq__packed_dev_has_avail(q, VRQ_DOM_SMP);
}

#ifdef __cplusplus
}
#endif
#endif /* VRQ_PACKED_H */
