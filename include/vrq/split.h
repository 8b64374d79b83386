/* SPDX-License-Identifier: MIT */
/**
 * @file split.h
 * @brief Split virtqueue (virtio 1.x "Split Virtqueues"), driver and device
 *        roles.  The hot path is inline here; init, layout, reset and the
 *        rest live in core/split.c.
 *
 * One driver and one device per queue (SPSC).  Each role's state is private
 * to the thread that runs it; the two only meet in the ring memory.
 *
 * Which calls may run concurrently:
 *
 * | thread A (driver)                     | thread B (device)                  | ok? |
 * |---------------------------------------|------------------------------------|-----|
 * | any vrq_split_drv_*                   | any vrq_split_dev_*                | yes |
 * | vrq_split_drv_* on queue q            | vrq_split_drv_* on the same q      | no  |
 * | vrq_split_dev_* on queue q            | vrq_split_dev_* on the same q      | no  |
 * | vrq_split_*_reset / *_init            | anything on the same ring          | no  |
 *
 * Ordering points (labels used in comments on both sides):
 *  R1  drv publish: store-release avail->idx       pairs with A1
 *  A1  dev pop:     load-acquire  avail->idx       pairs with R1
 *  R2  dev publish: store-release used->idx        pairs with A2
 *  A2  drv get:     load-acquire  used->idx        pairs with R2
 *  F1  drv kick decision: full fence between the avail->idx store (R1) and
 *      the load of avail_event / used->flags; pairs with F4.
 *  F2  dev notify decision: full fence between the used->idx store (R2) and
 *      the load of used_event / avail->flags; pairs with F3.
 *  F3  drv enable interrupts: full fence between the used_event / flags
 *      store and the re-check load of used->idx; pairs with F2.
 *  F4  dev enable kicks: full fence between the avail_event / flags store
 *      and the re-check load of avail->idx; pairs with F1.
 * Without F1..F4 both sides can read the other's stale value (store
 * buffering) and each decide the other will notify: a lost wake-up.
 *  H3  drv enable with VRQ_CFG_DRV_ASYM_FENCE: heavy barrier after F3; the
 *      device's F2 is then a compiler barrier.  Pairs with F2.
 *  H4  dev enable with VRQ_CFG_DEV_ASYM_FENCE: heavy barrier after F4; the
 *      driver's F1 is then a compiler barrier.  Pairs with F1.
 * With VRQ_CFG_DEV_POLLS / VRQ_CFG_DRV_POLLS there is no decision, so no
 * F1 / F2 (types.h: why both are sound, and the shortcut that is not).
 */
#ifndef VRQ_SPLIT_H
#define VRQ_SPLIT_H

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

/** @brief Offsets of the three areas inside one block of ring memory. */
struct vrq_split_layout {
	size_t desc_off, avail_off, used_off;
	size_t desc_size, avail_size, used_size; /**< spec sizes (with event fields) */
	size_t total; /**< bytes to allocate */
};

/**
 * @brief Modern layout (three areas, each at its spec alignment rounded up to
 *        @p area_align, e.g. 64 so that no two areas share a cache line).
 * @return 0 or -VRQ_EINVAL (size not a power of two in [1, 32768], bad align).
 */
int vrq_split_layout_calc(uint16_t size, size_t area_align, struct vrq_split_layout *l);

/**
 * @brief Legacy contiguous layout: descriptors, avail, padding to
 *        @p queue_align, used.  The layout of Linux's uapi vring_init() /
 *        vring_size() ("Legacy Interfaces: A Note on Virtqueue Layout"),
 *        which remoteproc / virtio_rpmsg_bus (the resource table's vring
 *        @c align, usually 4096) and OpenAMP (VRING_ALIGNMENT, often 4 or
 *        16) use, and legacy virtio-mmio / virtio-pci (QueueAlign 4096).
 *
 * For every size and alignment: desc_off 0; avail_off 16 * size (right
 * after the table); used_off = ALIGN(16 * size + 2 * (3 + size), queue_align),
 * i.e. vring_init()'s ALIGN(&avail->ring[size] + sizeof(used_event)), the
 * avail ring's used_event field included; used_off + used_size (6 + 8 * size,
 * avail_event included) equals vring_size().  total is the spec's legacy
 * virtq_size(), which also rounds the used part up to @p queue_align, so it
 * is vring_size() or up to queue_align - 1 bytes more: allocate total, but a
 * ring someone else allocated with vring_size() bytes holds every area.
 *
 * vring_init() aligns the used ring's absolute address; the offsets here are
 * relative to the ring's start, so they are vring_init()'s when the ring
 * starts on a @p queue_align boundary (remoteproc and OpenAMP place it so).
 * Attach with vrq_split_ring_at(mem, l), or vrq_vq_split_areas() for
 * vrq_vq_cfg.areas.
 *
 * @param size queue size, a power of two in [1, 32768]
 * @param queue_align a power of two in [4, 65536]: smaller values put the
 *        used ring off its 4-byte spec alignment for most sizes.
 * @param l filled with the offsets and sizes
 * @return 0 or -VRQ_EINVAL (size not a power of two in [1, 32768], bad align).
 */
int vrq_split_layout_legacy(uint16_t size, size_t queue_align, struct vrq_split_layout *l);

/** @brief Local pointers to the three areas of one queue. */
struct vrq_split_ring {
	struct vrq_split_desc *desc;
	struct vrq_split_avail *avail;
	struct vrq_split_used *used;
};

/** @brief Areas of @p mem laid out by @p l. */
VRQ_INLINE struct vrq_split_ring vrq_split_ring_at(void *mem, const struct vrq_split_layout *l)
{
	struct vrq_split_ring r;

	r.desc = (struct vrq_split_desc *)((uint8_t *)mem + l->desc_off);
	r.avail = (struct vrq_split_avail *)((uint8_t *)mem + l->avail_off);
	r.used = (struct vrq_split_used *)((uint8_t *)mem + l->used_off);
	return r;
}

/* ---- Configuration --------------------------------------------------------- */

/** Config flag: reload the peer's index on every call (benchmark baseline). */
#define VRQ_CFG_NO_IDX_CACHE 1u

/** @brief Queue configuration shared by both roles. */
struct vrq_split_cfg {
	uint16_t size;		/**< power of two, 1..32768 */
	uint64_t features;	/**< negotiated VRQ_FEATURE(VRQ_F_*) bits */
	enum vrq_domain domain; /**< ordering domain */
	uint32_t flags;		/**< VRQ_CFG_* (VRQ_CFG_DEV_POLLS / VRQ_CFG_DRV_POLLS: types.h) */
	/** Where the areas are, locally: anywhere, each at its spec alignment
	 *  (desc 16, avail 2, used 4) and not overlapping another (spec sizes,
	 *  event fields included), else init returns -VRQ_EINVAL.  With
	 *  VRQ_DOM_NONCOH each area (and @c ind_pool) must also start on a
	 *  vrq_cache_line_size() boundary. */
	struct vrq_split_ring ring;
	/**
	 * Role-private state (driver: vrq_split_drv_priv_size(), device:
	 * vrq_split_dev_priv_size()); NULL = malloc'ed at init, freed by fini.
	 * Must not be in memory the peer can write.
	 */
	void *priv;
	/* Driver only: optional indirect pool, @c size tables of @c ind_max
	 * descriptors each, 16-byte aligned, readable by the device. */
	struct vrq_split_desc *ind_pool;
	uint64_t ind_pool_da;
	uint16_t ind_max;
	/** Device only: memory map for segments and indirect tables (required). */
	const struct vrq_mem *mem;
	/** The heavy barrier this side's enable runs before it lets the caller
	 *  sleep: required with VRQ_CFG_DRV_ASYM_FENCE on the driver side and
	 *  VRQ_CFG_DEV_ASYM_FENCE on the device side (types.h). */
	vrq_heavy_barrier_fn heavy_barrier;
};

/* ---- Driver role ----------------------------------------------------------- */

/** @brief Private per-descriptor driver state (never in shared memory). */
struct vrq_split_drv_slot {
	void *token;	 /**< caller's token (head slots) */
	uint32_t in_len; /**< writable capacity of the buffer (head slots) */
	uint16_t next;	 /**< private free-list / chain link */
	uint16_t ndesc;	 /**< ring descriptors used; 0 = not in flight (head slots) */
	uint16_t last;	 /**< last descriptor of the chain (head slots) */
	uint32_t seq;	 /**< add sequence number: published iff before pub_seq */
};

/** @brief Split ring, driver side. */
struct vrq_split_drv {
	/* read-mostly */
	struct vrq_split_desc *desc;
	struct vrq_split_avail *avail;
	struct vrq_split_used *used;
	struct vrq_split_drv_slot *slot;
	struct vrq_split_desc *ind_pool;
	uint64_t ind_pool_da;
	vrq_le16 *used_event;  /**< &avail->ring[size] */
	vrq_le16 *avail_event; /**< &used->ring[size] (as le16) */
	uint16_t size, mask, ind_max;
	enum vrq_domain dom;
	bool event_idx, indirect, in_order, idx_cache;
	bool dev_polls; /**< VRQ_CFG_DEV_POLLS: no kick decisions */
	bool drv_polls; /**< VRQ_CFG_DRV_POLLS: enable_cb() arms nothing */
	bool dev_asym;	/**< VRQ_CFG_DEV_ASYM_FENCE: F1 is a compiler barrier */
	bool drv_asym;	/**< VRQ_CFG_DRV_ASYM_FENCE: enable_cb() runs heavy_barrier */
	vrq_heavy_barrier_fn heavy_barrier;
	bool cb_enabled; /**< driver wants used-buffer notifications */
	/* hot, private */
	uint16_t avail_idx; /**< next avail slot (published up to avail_pub) */
	uint16_t avail_pub; /**< last value stored to avail->idx */
	uint16_t free_head; /**< free list head; IN_ORDER: next descriptor in ring order */
	uint16_t free_tail; /**< free list tail (FIFO: see vrq__split_drv_free()) */
	uint16_t num_free;
	uint16_t last_used;  /**< next used entry to consume */
	uint16_t used_cache; /**< cached used->idx */
	uint16_t ino_tail;   /**< IN_ORDER: head of the oldest buffer in flight */
	uint16_t ino_batch_id; /**< IN_ORDER: id of the pending batch's last buffer */
	uint16_t ino_batch_left; /**< IN_ORDER: used entries the batch may still cover */
	uint32_t pub_seq;	 /**< st.added at the last publish */
	uint64_t kick_pending;	 /**< buffers published since the last kick decision (never wraps) */
	uint32_t ino_batch_len;
	bool ino_batch; /**< IN_ORDER: a used entry is being expanded */
	uint32_t detach_pos; /**< vrq_split_drv_detach() cursor */
	int broken;	/**< 0 or the negative VRQ_E* code that stopped the queue */
	void *priv_alloc;
	struct vrq_drv_stats st;
};

/** @brief Bytes of private driver state for @p size descriptors. */
size_t vrq_split_drv_priv_size(uint16_t size);

/**
 * @brief Initialise the driver side over zeroed or reused ring memory: zeroes
 *        the avail and used areas and builds the free list.
 * @return 0, -VRQ_EINVAL, -VRQ_ENOTSUP (domain), -VRQ_ENOMEM.
 */
int vrq_split_drv_init(struct vrq_split_drv *q, const struct vrq_split_cfg *cfg);

/** @brief Free what init allocated. */
void vrq_split_drv_fini(struct vrq_split_drv *q);

/**
 * @brief Queue reset, driver side: after the device stopped using the
 *        queue (device reset or RING_RESET), hand back every buffer still in
 *        flight.  Call repeatedly until it returns 0.
 * @return 1 with *token set, or 0 when none is left.
 */
int vrq_split_drv_detach(struct vrq_split_drv *q, void **token);

/** @brief Re-initialise the ring after detach (same memory and features). */
void vrq_split_drv_reset(struct vrq_split_drv *q);

/** @brief 0, or the negative VRQ_E* code that stopped the queue. */
VRQ_INLINE int vrq_split_drv_broken(const struct vrq_split_drv *q)
{
	return q->broken;
}

/** @brief Free descriptors. */
VRQ_INLINE unsigned vrq_split_drv_num_free(const struct vrq_split_drv *q)
{
	return q->num_free;
}

VRQ_ALWAYS_INLINE void vrq__split_drv_put_avail(struct vrq_split_drv *q, uint16_t head,
						const enum vrq_domain DOM)
{
	vrq_le16 *e = &q->avail->ring[q->avail_idx & q->mask];

	/* same reasoning as vrq__split_put_desc(): an unchanged entry stays put */
	if (*e != vrq_cpu_to_le16(head)) {
		*e = vrq_cpu_to_le16(head);
		vrq__shm_wrote(DOM, e, sizeof(*e));
	}
	q->avail_idx++;
}

/*
 * Write one descriptor, skipping the store when the slot already holds the
 * same bytes.  The device only reads this area, so the line is normally
 * still in our cache (shared) and the compare costs a local load; skipping
 * the store keeps the line shared in both caches instead of invalidating the
 * device's copy.  With IN_ORDER and buffers recycled in ring order (the
 * common zero-copy pattern) descriptors and avail entries stop moving
 * between caches altogether.
 */
VRQ_ALWAYS_INLINE void vrq__split_put_desc(struct vrq_split_desc *d, uint64_t addr, uint32_t len,
					   uint16_t flags, uint16_t next, const bool compare,
					   const enum vrq_domain DOM)
{
	struct vrq_split_desc v;
	uint64_t want[2], have[2];

	v.addr = vrq_cpu_to_le64(addr);
	v.len = vrq_cpu_to_le32(len);
	v.flags = vrq_cpu_to_le16(flags);
	v.next = vrq_cpu_to_le16(next);
	/* two 8-byte compares (memcmp of 16 bytes is a libc call at -O2) */
	if (compare) {
		memcpy(want, &v, sizeof(v));
		memcpy(have, d, sizeof(v));
		if (!((want[0] ^ have[0]) | (want[1] ^ have[1])))
			return;
	}
	memcpy(d, &v, sizeof(v));
	vrq__shm_wrote(DOM, d, sizeof(v));
}

/* How vrq__split_fill() links descriptor i to the next one. */
enum vrq__split_link {
	VRQ__LINK_TABLE,    /* indirect table: i + 1 */
	VRQ__LINK_IN_ORDER, /* IN_ORDER ring order: (i + 1) mod size */
	VRQ__LINK_FREE,	    /* private free list: slot[i].next */
};

/*
 * Write n descriptors for sg[] starting at tbl[first]; the first n_out are
 * device-readable.  Links come from private state only, never from the
 * shared table.  Returns the writable byte count, *lastp the last index.
 */
VRQ_ALWAYS_INLINE uint32_t vrq__split_fill(const struct vrq_split_drv *q, struct vrq_split_desc *tbl,
					   uint16_t first, const struct vrq_sg *sg, unsigned n_out,
					   unsigned n, uint16_t *lastp, const enum vrq__split_link link,
					   const enum vrq_domain DOM)
{
	uint32_t in_len = 0;
	uint16_t i = first, last = first;
	unsigned k;

	for (k = 0; k < n; k++) {
		uint16_t flags = k >= n_out ? VRQ_DESC_F_WRITE : 0;
		uint16_t nx;

		if (link == VRQ__LINK_TABLE)
			nx = (uint16_t)(i + 1);
		else if (link == VRQ__LINK_IN_ORDER)
			nx = (uint16_t)((i + 1) & q->mask);
		else
			nx = q->slot[i].next;
		if (k + 1 < n)
			flags |= VRQ_DESC_F_NEXT;
		/* a caller's indirect table may be uninitialised: write it
		 * plainly; only the ring (initialised at init) is compared */
		vrq__split_put_desc(&tbl[i], sg[k].addr, sg[k].len, flags,
				    (uint16_t)(k + 1 < n ? nx : 0), link != VRQ__LINK_TABLE, DOM);
		if (k >= n_out)
			in_len += sg[k].len;
		last = i;
		i = nx;
	}
	*lastp = last;
	return in_len;
}

VRQ_ALWAYS_INLINE int vrq__split_drv_add(struct vrq_split_drv *q, const struct vrq_sg *sg,
					 unsigned n_out, unsigned n_in, void *token,
					 struct vrq_split_desc *ind, uint64_t ind_da,
					 const enum vrq_domain DOM)
{
	unsigned n = n_out + n_in;
	uint16_t head = q->free_head, last, need;
	uint32_t in_len;

	/* "A driver MUST NOT create a descriptor chain longer than the Queue
	 * Size", indirect or not (the device refuses it too) */
	if (VRQ_UNLIKELY(n == 0 || n > q->size))
		return -VRQ_EINVAL;
	if (!ind && q->indirect && n > 1 && n <= q->ind_max) {
		/* pool table i belongs to ring descriptor i: no allocator needed */
		ind = q->ind_pool + (size_t)head * q->ind_max;
		ind_da = q->ind_pool_da + (uint64_t)head * q->ind_max * sizeof(*ind);
	}
	need = ind ? 1 : (uint16_t)n;
	if (VRQ_UNLIKELY(q->num_free < need || q->broken))
		return q->broken ? q->broken : -VRQ_ENOSPC;

	if (ind) {
		in_len = vrq__split_fill(q, ind, 0, sg, n_out, n, &last, VRQ__LINK_TABLE, DOM);
		vrq__split_put_desc(&q->desc[head], ind_da, (uint32_t)(n * sizeof(*ind)),
				    VRQ_DESC_F_INDIRECT, 0, true, DOM);
		last = head;
	} else if (q->in_order) {
		in_len = vrq__split_fill(q, q->desc, head, sg, n_out, n, &last, VRQ__LINK_IN_ORDER,
					 DOM);
	} else {
		in_len = vrq__split_fill(q, q->desc, head, sg, n_out, n, &last, VRQ__LINK_FREE, DOM);
	}
	q->free_head = q->in_order ? (uint16_t)((head + need) & q->mask) : q->slot[last].next;
	q->num_free -= need;
	q->slot[head].token = token;
	q->slot[head].in_len = in_len;
	q->slot[head].ndesc = need;
	q->slot[head].last = last;
	q->slot[head].seq = (uint32_t)q->st.added;
	vrq__split_drv_put_avail(q, head, DOM);
	q->st.added++;
	return 0;
}

/**
 * @brief Add one buffer: @p n_out device-readable segments then @p n_in
 *        device-writable ones, 1 to queue-size segments in all (the spec
 *        bounds every chain, indirect ones too, by the queue size).
 *        Buffers of two or more segments go through the indirect pool when
 *        INDIRECT_DESC is negotiated and a pool with tables of at least that
 *        many entries was configured.  Not visible to the device until
 *        vrq_split_drv_publish().
 * @return 0, -VRQ_ENOSPC (not enough free descriptors), -VRQ_EINVAL (no
 *         segment, or more than the queue size), or the queue's error if it
 *         is broken.
 */
VRQ_INLINE int vrq_split_drv_add(struct vrq_split_drv *q, const struct vrq_sg *sg,
				 unsigned n_out, unsigned n_in, void *token)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_drv_add(q, sg, n_out, n_in, token, NULL, 0, DOM));
}

/**
 * @brief Add one buffer through a caller-supplied indirect table of at least
 *        n_out + n_in descriptors (@p tbl local, @p tbl_da device address).
 *        The table must stay untouched until the buffer is used.
 */
VRQ_INLINE int vrq_split_drv_add_indirect(struct vrq_split_drv *q, const struct vrq_sg *sg,
					  unsigned n_out, unsigned n_in, void *token,
					  struct vrq_split_desc *tbl, uint64_t tbl_da)
{
	if (VRQ_UNLIKELY(!q->indirect || !tbl))
		return -VRQ_EINVAL;
	VRQ__DOM_DISPATCH(q->dom,
			  return vrq__split_drv_add(q, sg, n_out, n_in, token, tbl, tbl_da, DOM));
}

VRQ_ALWAYS_INLINE void vrq__split_drv_publish(struct vrq_split_drv *q, const enum vrq_domain DOM)
{
	if (q->avail_pub == q->avail_idx)
		return;
	/* R1: descriptors and ring entries before the index; pairs with A1 in
	 * vrq__split_dev_pop(). */
	vrq__store_release16(DOM, &q->avail->idx, q->avail_idx);
	q->kick_pending += (uint16_t)(q->avail_idx - q->avail_pub);
	q->avail_pub = q->avail_idx;
	q->pub_seq = (uint32_t)q->st.added;
	q->st.publishes++;
}

/** @brief Make every buffer added since the last publish visible (one store). */
VRQ_INLINE void vrq_split_drv_publish(struct vrq_split_drv *q)
{
	VRQ__DOM_DISPATCH(q->dom, vrq__split_drv_publish(q, DOM); return);
}

VRQ_ALWAYS_INLINE int vrq__split_drv_add_batch(struct vrq_split_drv *q, const struct vrq_buf *b,
						unsigned n, const enum vrq_domain DOM)
{
	unsigned i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		rc = vrq__split_drv_add(q, b[i].sg, b[i].n_out, b[i].n_in, b[i].token, NULL, 0,
					DOM);
		if (rc)
			break;
	}
	vrq__split_drv_publish(q, DOM);
	return i ? (int)i : (rc == -VRQ_ENOSPC ? 0 : rc);
}

/**
 * @brief Add up to @p n buffers and publish them with a single index store.
 * @return buffers added (stops at the first that does not fit), or a
 *         negative code if the first one failed for another reason.
 */
VRQ_INLINE int vrq_split_drv_add_batch(struct vrq_split_drv *q, const struct vrq_buf *b,
				       unsigned n)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_drv_add_batch(q, b, n, DOM));
}

/*
 * The decision window is every buffer published since the previous
 * decision: [old, cur) with old = cur - n.  The 16-bit indices alone cannot
 * tell "nothing new" from "2^16 new", so n is a private 64-bit count kept by
 * publish (one add per publish, private memory: no shared access, no
 * branch).  With n >= 2^16 every avail index was written at least once in
 * the window, the avail_event one included: "notify" is then the exact
 * answer, not a guess (Linux forces a kick after 2^16 - 1 adds instead).
 */
VRQ_ALWAYS_INLINE bool vrq__split_drv_need_kick(struct vrq_split_drv *q, const enum vrq_domain DOM)
{
	uint64_t n = q->kick_pending;
	uint16_t cur = q->avail_pub, old = (uint16_t)(cur - n);
	bool need;

	if (!n)
		return false;
	q->kick_pending = 0;
	if (q->dev_polls) {
		/* the device never sleeps (VRQ_CFG_DEV_POLLS): no decision, so
		 * no F1 and no read of its event area ("sticky poll", types.h) */
		q->st.kicks_suppressed++;
		return false;
	}
	VRQ_TEST_HOOK(f1_pre);
	/* F1: avail->idx store (R1) before the avail_event / flags load;
	 * pairs with F4 in vrq__split_dev_enable_kick().  Asymmetric
	 * (VRQ_CFG_DEV_ASYM_FENCE): a compiler barrier, the device's heavy
	 * barrier after F4 orders both sides (types.h). */
	if (q->dev_asym)
		VRQ__LIGHT_FENCE(1);
	else
		VRQ__FENCE(DOM, 1);
	if (q->event_idx)
		need = n > 0xffff || vrq_need_event(vrq__read16(DOM, q->avail_event), cur, old);
	else
		need = !(vrq__read16(DOM, &q->used->flags) & VRQ_USED_F_NO_NOTIFY);
	if (need)
		q->st.kicks++;
	else
		q->st.kicks_suppressed++;
	return need;
}

/**
 * @brief Kick decision for everything published since the last decision:
 *        true if the device asked to be notified (EVENT_IDX: avail_event is
 *        among the avail entries published since then, which is always the
 *        case once 2^16 or more were; flags: used->flags without
 *        NO_NOTIFY).  Exact however many buffers were published since the
 *        previous decision.  False, and not counted, if nothing was
 *        published since; otherwise counts a kick or a suppression.  On a
 *        VRQ_CFG_DEV_POLLS queue there is no decision to take: false, no
 *        fence, nothing read, counted as a suppression.
 */
VRQ_INLINE bool vrq_split_drv_need_kick(struct vrq_split_drv *q)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_drv_need_kick(q, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__split_drv_kick_prepare(struct vrq_split_drv *q,
						   const enum vrq_domain DOM)
{
	vrq__split_drv_publish(q, DOM);
	return vrq__split_drv_need_kick(q, DOM);
}

/** @brief Publish, then take the kick decision (the common sequence). */
VRQ_INLINE bool vrq_split_drv_kick_prepare(struct vrq_split_drv *q)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_drv_kick_prepare(q, DOM));
}

/** @brief NOTIFICATION_DATA value for the kick (queue number @p vqn). */
VRQ_INLINE uint32_t vrq_split_drv_notification_data(const struct vrq_split_drv *q, uint16_t vqn)
{
	return vrq_split_notification_data(vqn, q->avail_pub);
}

VRQ_ALWAYS_INLINE int vrq__split_drv_error(struct vrq_split_drv *q, int err)
{
	q->st.peer_err[VRQ_PEER_ERR_IDX(err)]++;
	q->broken = err;
	return err;
}

VRQ_ALWAYS_INLINE void vrq__split_drv_free(struct vrq_split_drv *q, uint16_t head)
{
	struct vrq_split_drv_slot *h = &q->slot[head];

	if (!q->in_order) {
		/*
		 * Append, not push: a FIFO free list hands descriptors out again
		 * in the order they were used, so when a driver recycles its
		 * buffers in order each descriptor keeps describing the same
		 * buffer and vrq__split_put_desc() skips the store; a LIFO list
		 * reshuffles them and every descriptor line moves each round.
		 */
		if (q->num_free)
			q->slot[q->free_tail].next = head;
		else
			q->free_head = head;
		q->free_tail = h->last;
	}
	q->num_free += h->ndesc;
	h->ndesc = 0;
	q->st.completed++;
}

/* Returns 1 if used entries are pending, 0 if none, <0 on a bad used idx. */
VRQ_ALWAYS_INLINE int vrq__split_drv_more_used(struct vrq_split_drv *q, const enum vrq_domain DOM)
{
	if (q->last_used != q->used_cache && q->idx_cache)
		return 1;
	/* A2: entries after the index; pairs with R2 in vrq__split_dev_publish(). */
	q->used_cache = vrq__load_acquire16(DOM, &q->used->idx);
	/* every used entry stands for one published buffer (IN_ORDER too) */
	if (VRQ_UNLIKELY((uint16_t)(q->used_cache - q->last_used) >
			 (uint16_t)(q->avail_pub - q->last_used)))
		return vrq__split_drv_error(q, -VRQ_EUSED_IDX);
	return q->used_cache != q->last_used;
}

VRQ_ALWAYS_INLINE int vrq__split_drv_get_used(struct vrq_split_drv *q, void **token, uint32_t *len,
					      const enum vrq_domain DOM)
{
	const struct vrq_split_used_elem *e;
	uint32_t id, l;
	int rc;

	if (VRQ_UNLIKELY(q->broken))
		return q->broken;
	if (q->in_order && q->ino_batch) {
		/* IN_ORDER: expand a batch entry, oldest buffer first; the
		 * batch may not cover more buffers than used->idx advanced */
		if (VRQ_UNLIKELY(q->ino_batch_left == 0))
			return vrq__split_drv_error(q, -VRQ_EUSED_ID);
		q->ino_batch_left--;
		id = q->ino_tail;
		if (id == q->ino_batch_id) {
			l = q->ino_batch_len;
			q->ino_batch = false;
		} else {
			/* skipped buffers count as completely used (In-order section) */
			l = q->slot[id].in_len;
		}
		goto complete;
	}
	rc = vrq__split_drv_more_used(q, DOM);
	if (rc <= 0)
		return rc;
	e = &q->used->ring[q->last_used & q->mask];
	vrq__shm_will_read(DOM, e, sizeof(*e));
	id = vrq_le32_to_cpu(e->id);
	l = vrq_le32_to_cpu(e->len);
	/* the id must head a buffer in flight that the device could have seen */
	if (VRQ_UNLIKELY(id >= q->size || !q->slot[id].ndesc ||
			 (int32_t)(q->pub_seq - q->slot[id].seq) <= 0))
		return vrq__split_drv_error(q, -VRQ_EUSED_ID);
	if (q->in_order && id != q->ino_tail) {
		/* batch: entries last_used .. last_used + k - 1 end at buffer id */
		q->ino_batch = true;
		q->ino_batch_id = (uint16_t)id;
		q->ino_batch_len = l;
		/* this call returns the first buffer of the batch */
		q->ino_batch_left = (uint16_t)(q->used_cache - q->last_used - 1);
		id = q->ino_tail;
		l = q->slot[id].in_len;
	}
complete:
	/* the one peer error that does not stop the queue: see
	 * vrq_split_drv_get_used() */
	if (VRQ_UNLIKELY(l > q->slot[id].in_len)) {
		q->st.used_len_clamped++;
		q->st.peer_err[VRQ_PEER_ERR_IDX(VRQ_EUSED_LEN)]++;
		l = q->slot[id].in_len;
	}
	*token = q->slot[id].token;
	if (len)
		*len = l;
	if (q->in_order)
		q->ino_tail = (uint16_t)((id + q->slot[id].ndesc) & q->mask);
	vrq__split_drv_free(q, (uint16_t)id);
	q->last_used++;
	return 1;
}

/**
 * @brief Take one used buffer.
 *
 * A used len above the buffer's writable capacity is the one peer error
 * that does not stop the queue: *len is clamped to the capacity and the
 * error is counted (st.used_len_clamped and st.peer_err[VRQ_EUSED_LEN],
 * both), never returned.  Why: the length is the only field a device gets
 * wrong without the ring being corrupt (the id and the index are checked
 * and do stop the queue); the spec's legacy note says "many devices set len
 * incorrectly" and drivers should ignore it where they can; Linux stopped
 * the ring on it in v5.16-rc1 ("virtio_ring: validate used buffer length")
 * and reverted that before v5.16 (f124034faa91: "breaking too many
 * guests": vhost-vsock tx, OpenAMP rpmsg remotes and SCMI firmware report
 * a length on device-readable buffers), and its virtio_ring checks no used
 * length since; and the clamp already makes it harmless: the caller never
 * reads past what it handed out as writable.  A caller that wants to treat
 * it as fatal checks the counter.
 *
 * @return 1 with *token (and *len, bytes the device wrote, at most the
 *         writable capacity, if non-NULL) set, 0 if none is ready, or a
 *         negative peer error (the queue is then broken: counted, and every
 *         later call returns the same code).
 */
VRQ_INLINE int vrq_split_drv_get_used(struct vrq_split_drv *q, void **token, uint32_t *len)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_drv_get_used(q, token, len, DOM));
}

VRQ_ALWAYS_INLINE int vrq__split_drv_get_used_batch(struct vrq_split_drv *q, void **tokens,
						     uint32_t *lens, unsigned max,
						     const enum vrq_domain DOM)
{
	unsigned i;
	int rc = 0;

	for (i = 0; i < max; i++) {
		rc = vrq__split_drv_get_used(q, &tokens[i], lens ? &lens[i] : NULL, DOM);
		if (rc <= 0)
			break;
	}
	return i ? (int)i : rc;
}

/**
 * @brief Take up to @p max used buffers.
 * @return number taken (>= 0) or a negative peer error if the first failed.
 */
VRQ_INLINE int vrq_split_drv_get_used_batch(struct vrq_split_drv *q, void **tokens,
					    uint32_t *lens, unsigned max)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_drv_get_used_batch(q, tokens, lens, max, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__split_drv_enable_cb(struct vrq_split_drv *q, const enum vrq_domain DOM)
{
	/* promised never to sleep (VRQ_CFG_DRV_POLLS): the device takes no
	 * interrupt decision, so arming would be a lie; "work pending" keeps
	 * any wait loop from sleeping */
	if (q->drv_polls)
		return true;
	q->cb_enabled = true;
	if (q->event_idx)
		vrq__write16(DOM, q->used_event, q->last_used);
	else
		vrq__write16(DOM, &q->avail->flags, 0);
	VRQ_TEST_HOOK(f3_pre);
	/* F3: used_event / flags store before the used->idx re-check; pairs
	 * with F2 in vrq__split_dev_need_notify(). */
	VRQ__FENCE(DOM, 3);
	/* H3 (VRQ_CFG_DRV_ASYM_FENCE): a full barrier on the device's CPU
	 * too, standing for its light F2; pairs with it (types.h).  If it
	 * fails, say "pending": never sleep unprotected. */
	if (q->drv_asym && VRQ__HEAVY_BARRIER(q->heavy_barrier) < 0)
		return true;
	VRQ_TEST_HOOK(f3_post);
	return vrq__read16(DOM, &q->used->idx) != q->last_used || q->ino_batch;
}

/**
 * @brief Ask for used-buffer notifications from the next used buffer on.
 * @return true if used buffers are already pending: the caller must drain
 *         again instead of sleeping (the race-free re-check).  Always true,
 *         with nothing written, on a VRQ_CFG_DRV_POLLS queue (the driver
 *         promised never to sleep on it).
 */
VRQ_INLINE bool vrq_split_drv_enable_cb(struct vrq_split_drv *q)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_drv_enable_cb(q, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__split_drv_has_used(const struct vrq_split_drv *q,
						const enum vrq_domain DOM)
{
	return q->ino_batch || vrq__read16(DOM, &q->used->idx) != q->last_used;
}

/**
 * @brief Peek: is a used buffer waiting?  Reads the shared used index
 *        without consuming anything or writing shared memory (a spinning
 *        waiter's condition); vrq_split_drv_get_used() does the ordered
 *        read (A2) when it then consumes.
 */
VRQ_INLINE bool vrq_split_drv_has_used(const struct vrq_split_drv *q)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_drv_has_used(q, DOM));
}

VRQ_ALWAYS_INLINE void vrq__split_drv_disable_cb(struct vrq_split_drv *q, const enum vrq_domain DOM)
{
	q->cb_enabled = false;
	if (q->event_idx)
		/* an index just behind us: fires only after 2^16 more entries */
		vrq__write16(DOM, q->used_event, (uint16_t)(q->last_used - 1));
	else
		vrq__write16(DOM, &q->avail->flags, VRQ_AVAIL_F_NO_INTERRUPT);
}

/** @brief Suppress used-buffer notifications (best effort, per spec). */
VRQ_INLINE void vrq_split_drv_disable_cb(struct vrq_split_drv *q)
{
	VRQ__DOM_DISPATCH(q->dom, vrq__split_drv_disable_cb(q, DOM); return);
}

/* ---- Device role ----------------------------------------------------------- */

/** @brief Split ring, device side. */
struct vrq_split_dev {
	/* read-mostly */
	const struct vrq_split_desc *desc;
	const struct vrq_split_avail *avail;
	struct vrq_split_used *used;
	const vrq_le16 *used_event; /**< &avail->ring[size] */
	vrq_le16 *avail_event;	    /**< &used->ring[size] (as le16) */
	const struct vrq_mem *mem;
	const struct vrq_mem_region *mem_hint; /**< last region a segment resolved to */
	uint32_t *wcap; /**< IN_ORDER: writable capacity per head (private) */
	uint8_t *inflight; /**< per head: 1 from pop to push (private) */
	uint16_t size, mask;
	enum vrq_domain dom;
	bool event_idx, indirect, in_order, idx_cache;
	bool drv_polls; /**< VRQ_CFG_DRV_POLLS: no interrupt decisions */
	bool dev_polls; /**< VRQ_CFG_DEV_POLLS: enable_kick() arms nothing */
	bool drv_asym;	/**< VRQ_CFG_DRV_ASYM_FENCE: F2 is a compiler barrier */
	bool dev_asym;	/**< VRQ_CFG_DEV_ASYM_FENCE: enable_kick() runs heavy_barrier */
	vrq_heavy_barrier_fn heavy_barrier;
	/* hot, private */
	uint16_t last_avail;  /**< next avail entry to consume */
	uint16_t avail_cache; /**< cached avail->idx */
	uint16_t used_idx;    /**< next used slot (published up to used_pub) */
	uint16_t used_pub;    /**< last value stored to used->idx */
	uint16_t ino_n;	      /**< IN_ORDER: buffers in the pending batch */
	uint16_t ino_pos;     /**< IN_ORDER: used slot of the pending batch */
	uint16_t ino_id;      /**< IN_ORDER: last buffer of the pending batch */
	uint32_t ino_len;
	uint64_t notify_pending; /**< used entries published since the last notify decision */
	int broken; /**< 0 or the negative VRQ_E* code that stopped the queue */
	void *priv_alloc;
	struct vrq_dev_stats st;
};

/** @brief Bytes of private device state for @p size descriptors (IN_ORDER
 *  capacities and the in-flight byte of each head; 4-byte aligned). */
size_t vrq_split_dev_priv_size(uint16_t size);

/**
 * @brief Initialise the device side over a ring the driver initialised.
 * @return 0, -VRQ_EINVAL (no memory map, bad size), -VRQ_ENOTSUP, -VRQ_ENOMEM.
 */
int vrq_split_dev_init(struct vrq_split_dev *q, const struct vrq_split_cfg *cfg);

/** @brief Free what init allocated. */
void vrq_split_dev_fini(struct vrq_split_dev *q);

/** @brief Queue reset, device side: forget all progress (indices to 0,
 *  no head in flight). */
void vrq_split_dev_reset(struct vrq_split_dev *q);

/**
 * @brief Ring position of a stopped device, as vhost-user's
 *        GET_VRING_BASE reports it: the free-running index of the next
 *        available ring entry the device will process (last_avail_idx),
 *        bits 16..31 zero.  The used index is not part of it: it is in ring
 *        memory (used->idx), and a stopped device left it equal to the base.
 *
 * "Stopped" means quiescent: every chain popped has been pushed and every
 * push published (vrq_split_dev_publish()).  Stop calling pop first, finish
 * the chains in flight, publish, then take the base.  Nothing is written.
 *
 * @return 0 with *base set; -VRQ_EINVAL (NULL argument, or chains popped and
 *         not yet pushed and published); the queue's peer error if broken.
 */
int vrq_split_dev_get_base(const struct vrq_split_dev *q, uint32_t *base);

/**
 * @brief Resume a queue at a position from vrq_split_dev_get_base() (or a
 *        vhost-user SET_VRING_BASE payload): the next pop takes the avail
 *        ring entry @p base, and used entries continue at used->idx.
 *
 * Only on a device that holds nothing in flight: fresh from
 * vrq_split_dev_init() / vrq_split_dev_reset(), or quiescent as in
 * get_base; and over the ring memory of the stopped device (the driver's
 * state and the ring contents carry on untouched).  It reads used->idx
 * from ring memory and requires it to equal @p base: a device that stopped
 * with chains in flight cannot be resumed here, since their heads and
 * lengths were its private state.  Nothing is written to the ring.
 *
 * Driver side: there is no equivalent.  The driver's position is in ring
 * memory it writes itself (avail->idx), and a driver that lost its private
 * state also lost the tokens of its buffers in flight, which only a queue
 * reset (device reset or RING_RESET, both sides back to 0) hands back; a
 * device resumed with set_base is invisible to a driver that kept running.
 *
 * @return 0; -VRQ_EINVAL (@p base > 0xffff, chains in flight in this
 *         handle, or used->idx != @p base); the queue's peer error if broken
 *         (reset it first).
 */
int vrq_split_dev_set_base(struct vrq_split_dev *q, uint32_t base);

/** @brief 0, or the negative VRQ_E* code that stopped the queue.  A device
 *  seeing non-zero sets VRQ_STATUS_DEVICE_NEEDS_RESET. */
VRQ_INLINE int vrq_split_dev_broken(const struct vrq_split_dev *q)
{
	return q->broken;
}

VRQ_ALWAYS_INLINE int vrq__split_dev_error(struct vrq_split_dev *q, int err)
{
	q->st.peer_err[VRQ_PEER_ERR_IDX(err)]++;
	q->broken = err;
	return err;
}

/*
 * Walk and validate one chain.  Every descriptor is copied once into a
 * local (no double fetch); every index is checked against the table it
 * indexes; each table is walked at most (entries) steps, so a loop ends in
 * VRQ_ELOOP; segment and indirect addresses must lie in registered memory.
 * A chain has at most q->size segments: at most size ring descriptors
 * (VRQ_ELOOP past that), and an indirect table after k ring descriptors
 * has at most size - k entries (VRQ_EINDIRECT_LEN).
 */
VRQ_ALWAYS_INLINE int vrq__split_dev_walk(struct vrq_split_dev *q, uint16_t head,
					  struct vrq_chain *c, const enum vrq_domain DOM)
{
	const struct vrq_split_desc *tbl = q->desc;
	struct vrq_seg *seg = c->seg;
	uint32_t entries = q->size, budget = q->size, idx = head;
	uint64_t out_len = 0, in_len = 0;
	bool in_indirect = false;
	uint16_t n = 0, n_out = 0, ndesc = 0, cap = c->cap;

	if (VRQ_UNLIKELY(head >= q->size))
		return -VRQ_EHEAD;
	/* popped and not pushed yet: the driver made it available twice */
	if (VRQ_UNLIKELY(q->inflight[head]))
		return -VRQ_EHEAD_INFLIGHT;
	for (;;) {
		struct vrq_split_desc d;
		uint16_t flags;
		uint32_t len;
		uint64_t addr;

		if (VRQ_UNLIKELY(budget-- == 0))
			return -VRQ_ELOOP;
		vrq__shm_will_read(DOM, &tbl[idx], sizeof(d));
		memcpy(&d, &tbl[idx], sizeof(d));
		flags = vrq_le16_to_cpu(d.flags);
		len = vrq_le32_to_cpu(d.len);
		addr = vrq_le64_to_cpu(d.addr);
		ndesc += !in_indirect;
		if (VRQ_UNLIKELY(flags & VRQ_DESC_F_INDIRECT)) {
			const struct vrq_split_desc *t;

			if (VRQ_UNLIKELY(in_indirect))
				return -VRQ_EINDIRECT_NESTED;
			if (VRQ_UNLIKELY(!q->indirect))
				return -VRQ_EINDIRECT_FEATURE;
			if (VRQ_UNLIKELY(flags & VRQ_DESC_F_NEXT))
				return -VRQ_EINDIRECT_NEXT;
			/* the table's entries (all len / 16 of them) come on top
			 * of the n ring descriptors before it: together at most
			 * the queue size ("A driver MUST NOT create a descriptor
			 * chain longer than the Queue Size of the device") */
			if (VRQ_UNLIKELY(len == 0 || len % sizeof(d) ||
					 len / sizeof(d) > (uint32_t)(q->size - n)))
				return -VRQ_EINDIRECT_LEN;
			t = (const struct vrq_split_desc *)vrq_mem_da_to_va(q->mem, addr, len);
			if (VRQ_UNLIKELY(!t))
				return -VRQ_EINDIRECT_ADDR;
			tbl = t;
			entries = budget = len / sizeof(d);
			idx = 0;
			in_indirect = true;
			continue;
		}
		if (flags & VRQ_DESC_F_WRITE) {
			in_len += len;
		} else {
			/* readable after writable; a zero-length writable segment
			 * also ends the readable part */
			if (VRQ_UNLIKELY(n != n_out))
				return -VRQ_EORDER;
			out_len += len;
			n_out++;
		}
		if (VRQ_UNLIKELY(out_len + in_len > UINT32_MAX))
			return -VRQ_ETOTAL_LEN;
		if (VRQ_UNLIKELY(n >= cap))
			return -VRQ_ESEGCAP;
		seg[n].addr = addr;
		seg[n].len = len;
		seg[n].flags = flags & VRQ_DESC_F_WRITE; /* == VRQ_SEG_WRITE */
		seg[n].va = NULL;
		if (len) {
			seg[n].va = vrq_mem_da_to_va_hint(q->mem, addr, len, &q->mem_hint);
			if (VRQ_UNLIKELY(!seg[n].va))
				return -VRQ_EADDR;
			seg[n].flags |= VRQ__SEG_NONCOH_OF(q->mem_hint);
		}
		n++;
		if (!(flags & VRQ_DESC_F_NEXT))
			break;
		idx = vrq_le16_to_cpu(d.next);
		if (VRQ_UNLIKELY(idx >= entries))
			return -VRQ_ENEXT;
	}
	c->n = n;
	c->n_out = n_out;
	c->ndesc = ndesc;
	c->head = head;
	c->out_len = (uint32_t)out_len;
	c->in_len = (uint32_t)in_len;
	c->pos = 0;
	return 1;
}

VRQ_ALWAYS_INLINE int vrq__split_dev_pop(struct vrq_split_dev *q, struct vrq_chain *c,
					 const enum vrq_domain DOM)
{
	const vrq_le16 *e;
	uint16_t head;
	int rc;

	if (VRQ_UNLIKELY(q->broken))
		return q->broken;
	if (q->last_avail == q->avail_cache || !q->idx_cache) {
		/* A1: ring entries and descriptors after the index; pairs with
		 * R1 in vrq__split_drv_publish(). */
		q->avail_cache = vrq__load_acquire16(DOM, &q->avail->idx);
		if (VRQ_UNLIKELY((uint16_t)(q->avail_cache - q->last_avail) > q->size))
			return vrq__split_dev_error(q, -VRQ_EAVAIL_IDX);
		if (q->avail_cache == q->last_avail)
			return 0;
	}
	e = &q->avail->ring[q->last_avail & q->mask];
	vrq__shm_will_read(DOM, e, sizeof(*e));
	head = vrq_le16_to_cpu(__atomic_load_n(e, __ATOMIC_RELAXED));
	rc = vrq__split_dev_walk(q, head, c, DOM);
	if (VRQ_UNLIKELY(rc < 0)) {
		c->n = 0;
		/* a chain longer than the caller's array is a local limit: the
		 * entry stays available and the queue usable */
		return rc == -VRQ_ESEGCAP ? rc : vrq__split_dev_error(q, rc);
	}
	if (q->in_order)
		q->wcap[head] = c->in_len;
	q->inflight[head] = 1;
	q->last_avail++;
	q->st.popped++;
	return 1;
}

/**
 * @brief Pop and validate the next available chain into @p c (bound with
 *        vrq_chain_init()).  The device remembers which heads it popped and
 *        has not pushed yet (one private byte per head): a head the driver
 *        makes available again before it was pushed is VRQ_EHEAD_INFLIGHT.
 *        (A chain that only shares a non-head descriptor with one in
 *        flight is not detected: that would cost a walk per push.)
 * @return 1 with @p c filled, 0 if the ring is empty, -VRQ_ESEGCAP if the
 *         chain has more segments than c->cap (nothing consumed), or a
 *         negative peer error: counted, the queue is then broken and every
 *         later call returns that code until vrq_split_dev_reset().
 */
VRQ_INLINE int vrq_split_dev_pop(struct vrq_split_dev *q, struct vrq_chain *c)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_dev_pop(q, c, DOM));
}

VRQ_ALWAYS_INLINE void vrq__split_dev_put_used(struct vrq_split_dev *q, uint16_t pos, uint32_t id,
					       uint32_t len, const enum vrq_domain DOM)
{
	struct vrq_split_used_elem *u = &q->used->ring[pos & q->mask];
	const vrq_le32 lid = vrq_cpu_to_le32(id), llen = vrq_cpu_to_le32(len);

	/* Compare before write, as vrq__split_put_desc() does for the driver:
	 * a driver that recycles its buffers in ring order gets the same
	 * {id, len} at the same position every lap, and an unchanged entry
	 * stays shared in both caches (the driver only reads this area); only
	 * the used index line then moves per publish.  Not for a non-coherent
	 * peer: this side's cached copy of the line is not what the driver
	 * sees (it may hold bytes from before a reset), so it always writes
	 * and cleans. */
	if (DOM == VRQ_DOM_NONCOH || u->id != lid || u->len != llen) {
		u->id = lid;
		u->len = llen;
		vrq__shm_wrote(DOM, u, sizeof(*u));
	}
	q->st.used_entries++;
}

VRQ_ALWAYS_INLINE int vrq__split_dev_push(struct vrq_split_dev *q, uint16_t head, uint32_t len,
					  const enum vrq_domain DOM)
{
	/* only a head popped and not pushed yet (a local error: nothing changes) */
	if (VRQ_UNLIKELY(head >= q->size || !q->inflight[head]))
		return -VRQ_EINVAL;
	q->inflight[head] = 0;
	if (q->in_order) {
		/* One used entry per run of buffers; only a buffer used
		 * completely may be folded into the next one's entry. */
		if (q->ino_n && q->ino_len != q->wcap[q->ino_id]) {
			vrq__split_dev_put_used(q, q->ino_pos, q->ino_id, q->ino_len, DOM);
			q->ino_n = 0;
		}
		if (!q->ino_n)
			q->ino_pos = q->used_idx;
		q->ino_n++;
		q->ino_id = head;
		q->ino_len = len;
	} else {
		vrq__split_dev_put_used(q, q->used_idx, head, len, DOM);
	}
	q->used_idx++;
	q->st.pushed++;
	return 0;
}

/**
 * @brief Mark the chain with id @p head used, @p len bytes written.  Not
 *        visible to the driver until vrq_split_dev_publish().  With IN_ORDER
 *        buffers must be pushed in the order they were popped.
 * @return 0, or -VRQ_EINVAL if @p head is not a chain popped and not yet
 *         pushed (out of range, never popped, pushed twice): nothing changes.
 */
VRQ_INLINE int vrq_split_dev_push(struct vrq_split_dev *q, uint16_t head, uint32_t len)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_dev_push(q, head, len, DOM));
}

VRQ_ALWAYS_INLINE void vrq__split_dev_publish(struct vrq_split_dev *q, const enum vrq_domain DOM)
{
	if (q->ino_n) {
		vrq__split_dev_put_used(q, q->ino_pos, q->ino_id, q->ino_len, DOM);
		q->ino_n = 0;
	}
	if (q->used_pub == q->used_idx)
		return;
	/* R2: used entries before the index; pairs with A2 in
	 * vrq__split_drv_more_used(). */
	vrq__store_release16(DOM, &q->used->idx, q->used_idx);
	q->notify_pending += (uint16_t)(q->used_idx - q->used_pub);
	q->used_pub = q->used_idx;
	q->st.publishes++;
}

/** @brief Make every buffer pushed since the last publish visible (one store). */
VRQ_INLINE void vrq_split_dev_publish(struct vrq_split_dev *q)
{
	VRQ__DOM_DISPATCH(q->dom, vrq__split_dev_publish(q, DOM); return);
}

/* Same window as vrq__split_drv_need_kick(), over used entries. */
VRQ_ALWAYS_INLINE bool vrq__split_dev_need_notify(struct vrq_split_dev *q,
						  const enum vrq_domain DOM)
{
	uint64_t n = q->notify_pending;
	uint16_t cur = q->used_pub, old = (uint16_t)(cur - n);
	bool need;

	if (!n)
		return false;
	q->notify_pending = 0;
	if (q->drv_polls) {
		/* the driver never sleeps (VRQ_CFG_DRV_POLLS): no F2, no read */
		q->st.notifies_suppressed++;
		return false;
	}
	VRQ_TEST_HOOK(f2_pre);
	/* F2: used->idx store (R2) before the used_event / flags load; pairs
	 * with F3 in vrq__split_drv_enable_cb().  Asymmetric
	 * (VRQ_CFG_DRV_ASYM_FENCE): a compiler barrier (types.h). */
	if (q->drv_asym)
		VRQ__LIGHT_FENCE(2);
	else
		VRQ__FENCE(DOM, 2);
	if (q->event_idx)
		need = n > 0xffff || vrq_need_event(vrq__read16(DOM, q->used_event), cur, old);
	else
		need = !(vrq__read16(DOM, &q->avail->flags) & VRQ_AVAIL_F_NO_INTERRUPT);
	if (need)
		q->st.notifies++;
	else
		q->st.notifies_suppressed++;
	return need;
}

/**
 * @brief Interrupt decision for everything published since the last one:
 *        true if the driver asked for a used-buffer notification (EVENT_IDX:
 *        used_event among the used entries published since then, always
 *        the case once 2^16 or more were; flags: avail->flags without
 *        NO_INTERRUPT).  Exact however many were published; false, and
 *        not counted, if nothing was.
 */
VRQ_INLINE bool vrq_split_dev_need_notify(struct vrq_split_dev *q)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_dev_need_notify(q, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__split_dev_notify_prepare(struct vrq_split_dev *q,
						     const enum vrq_domain DOM)
{
	vrq__split_dev_publish(q, DOM);
	return vrq__split_dev_need_notify(q, DOM);
}

/** @brief Publish, then take the interrupt decision. */
VRQ_INLINE bool vrq_split_dev_notify_prepare(struct vrq_split_dev *q)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_dev_notify_prepare(q, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__split_dev_enable_kick(struct vrq_split_dev *q, const enum vrq_domain DOM)
{
	/* promised never to sleep (VRQ_CFG_DEV_POLLS): see enable_cb */
	if (q->dev_polls)
		return true;
	if (q->event_idx)
		vrq__write16(DOM, q->avail_event, q->last_avail);
	else
		vrq__write16(DOM, &q->used->flags, 0);
	VRQ_TEST_HOOK(f4_pre);
	/* F4: avail_event / flags store before the avail->idx re-check;
	 * pairs with F1 in vrq__split_drv_need_kick(). */
	VRQ__FENCE(DOM, 4);
	/* H4 (VRQ_CFG_DEV_ASYM_FENCE): stands for the driver's light F1;
	 * pairs with it (types.h) */
	if (q->dev_asym && VRQ__HEAVY_BARRIER(q->heavy_barrier) < 0)
		return true;
	VRQ_TEST_HOOK(f4_post);
	return vrq__read16(DOM, &q->avail->idx) != q->last_avail;
}

/**
 * @brief Ask for available-buffer notifications (kicks) from the next
 *        buffer on.
 * @return true if buffers are already available: drain again instead of
 *         sleeping (the race-free re-check).  Always true, with nothing
 *         written, on a VRQ_CFG_DEV_POLLS queue.
 */
VRQ_INLINE bool vrq_split_dev_enable_kick(struct vrq_split_dev *q)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_dev_enable_kick(q, DOM));
}

VRQ_ALWAYS_INLINE bool vrq__split_dev_has_avail(const struct vrq_split_dev *q,
						 const enum vrq_domain DOM)
{
	return vrq__read16(DOM, &q->avail->idx) != q->last_avail;
}

/**
 * @brief Peek: is an available buffer waiting?  No shared write, nothing
 *        consumed; vrq_split_dev_pop() does the ordered read (A1).
 */
VRQ_INLINE bool vrq_split_dev_has_avail(const struct vrq_split_dev *q)
{
	VRQ__DOM_DISPATCH(q->dom, return vrq__split_dev_has_avail(q, DOM));
}

VRQ_ALWAYS_INLINE void vrq__split_dev_disable_kick(struct vrq_split_dev *q,
						   const enum vrq_domain DOM)
{
	if (q->event_idx)
		vrq__write16(DOM, q->avail_event, (uint16_t)(q->last_avail - 1));
	else
		vrq__write16(DOM, &q->used->flags, VRQ_USED_F_NO_NOTIFY);
}

/** @brief Suppress kicks (best effort, per spec). */
VRQ_INLINE void vrq_split_dev_disable_kick(struct vrq_split_dev *q)
{
	VRQ__DOM_DISPATCH(q->dom, vrq__split_dev_disable_kick(q, DOM); return);
}

/* ---- Fixed-domain entry points (VRQ_DOM_SMP) -------------------------------- */
/*
 * The same calls for a queue whose domain is VRQ_DOM_SMP, with the domain
 * fixed at compile time: one specialised body per call site instead of the
 * three the run-time dispatch inlines (DPDK fixes the ring mode at the call
 * site the same way: rte_ring_sp_enqueue() vs rte_ring_mp_enqueue()).  A
 * queue of another domain is refused, never run with the wrong barriers:
 * int calls return -VRQ_EINVAL, bool calls return true (notify / work
 * pending: the answer that never sleeps through work), and the queue stops
 * with -VRQ_EINVAL (vrq_split_drv_broken() / vrq_split_dev_broken()).  The
 * peeks only answer true.  Use the run-time entry points for IO / NONCOH
 * queues or when the domain is not known where the call is written.
 */

/** @brief vrq_split_drv_add() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_split_drv_add_smp(struct vrq_split_drv *q, const struct vrq_sg *sg,
				     unsigned n_out, unsigned n_in, void *token)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	return vrq__split_drv_add(q, sg, n_out, n_in, token, NULL, 0, VRQ_DOM_SMP);
}

/** @brief vrq_split_drv_add_indirect() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_split_drv_add_indirect_smp(struct vrq_split_drv *q, const struct vrq_sg *sg,
					      unsigned n_out, unsigned n_in, void *token,
					      struct vrq_split_desc *tbl, uint64_t tbl_da)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	if (VRQ_UNLIKELY(!q->indirect || !tbl))
		return -VRQ_EINVAL;
	return vrq__split_drv_add(q, sg, n_out, n_in, token, tbl, tbl_da, VRQ_DOM_SMP);
}

/** @brief vrq_split_drv_add_batch() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_split_drv_add_batch_smp(struct vrq_split_drv *q, const struct vrq_buf *b,
					   unsigned n)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	return vrq__split_drv_add_batch(q, b, n, VRQ_DOM_SMP);
}

/** @brief vrq_split_drv_publish() for a VRQ_DOM_SMP queue. */
VRQ_INLINE void vrq_split_drv_publish_smp(struct vrq_split_drv *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return);
	vrq__split_drv_publish(q, VRQ_DOM_SMP);
}

/** @brief vrq_split_drv_need_kick() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_split_drv_need_kick_smp(struct vrq_split_drv *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return true);
	return vrq__split_drv_need_kick(q, VRQ_DOM_SMP);
}

/** @brief vrq_split_drv_kick_prepare() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_split_drv_kick_prepare_smp(struct vrq_split_drv *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return true);
	return vrq__split_drv_kick_prepare(q, VRQ_DOM_SMP);
}

/** @brief vrq_split_drv_get_used() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_split_drv_get_used_smp(struct vrq_split_drv *q, void **token, uint32_t *len)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	return vrq__split_drv_get_used(q, token, len, VRQ_DOM_SMP);
}

/** @brief vrq_split_drv_get_used_batch() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_split_drv_get_used_batch_smp(struct vrq_split_drv *q, void **tokens,
						uint32_t *lens, unsigned max)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	return vrq__split_drv_get_used_batch(q, tokens, lens, max, VRQ_DOM_SMP);
}

/** @brief vrq_split_drv_enable_cb() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_split_drv_enable_cb_smp(struct vrq_split_drv *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return true);
	return vrq__split_drv_enable_cb(q, VRQ_DOM_SMP);
}

/** @brief vrq_split_drv_disable_cb() for a VRQ_DOM_SMP queue. */
VRQ_INLINE void vrq_split_drv_disable_cb_smp(struct vrq_split_drv *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return);
	vrq__split_drv_disable_cb(q, VRQ_DOM_SMP);
}

/** @brief vrq_split_drv_has_used() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_split_drv_has_used_smp(const struct vrq_split_drv *q)
{
	VRQ__DOM_FIXED_PEEK(q, VRQ_DOM_SMP, return true);
	return vrq__split_drv_has_used(q, VRQ_DOM_SMP);
}

/** @brief vrq_split_dev_pop() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_split_dev_pop_smp(struct vrq_split_dev *q, struct vrq_chain *c)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	return vrq__split_dev_pop(q, c, VRQ_DOM_SMP);
}

/** @brief vrq_split_dev_push() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_split_dev_push_smp(struct vrq_split_dev *q, uint16_t head, uint32_t len)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return -VRQ_EINVAL);
	return vrq__split_dev_push(q, head, len, VRQ_DOM_SMP);
}

/** @brief vrq_split_dev_publish() for a VRQ_DOM_SMP queue. */
VRQ_INLINE void vrq_split_dev_publish_smp(struct vrq_split_dev *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return);
	vrq__split_dev_publish(q, VRQ_DOM_SMP);
}

/** @brief vrq_split_dev_need_notify() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_split_dev_need_notify_smp(struct vrq_split_dev *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return true);
	return vrq__split_dev_need_notify(q, VRQ_DOM_SMP);
}

/** @brief vrq_split_dev_notify_prepare() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_split_dev_notify_prepare_smp(struct vrq_split_dev *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return true);
	return vrq__split_dev_notify_prepare(q, VRQ_DOM_SMP);
}

/** @brief vrq_split_dev_enable_kick() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_split_dev_enable_kick_smp(struct vrq_split_dev *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return true);
	return vrq__split_dev_enable_kick(q, VRQ_DOM_SMP);
}

/** @brief vrq_split_dev_disable_kick() for a VRQ_DOM_SMP queue. */
VRQ_INLINE void vrq_split_dev_disable_kick_smp(struct vrq_split_dev *q)
{
	VRQ__DOM_FIXED(q, VRQ_DOM_SMP, return);
	vrq__split_dev_disable_kick(q, VRQ_DOM_SMP);
}

/** @brief vrq_split_dev_has_avail() for a VRQ_DOM_SMP queue. */
VRQ_INLINE bool vrq_split_dev_has_avail_smp(const struct vrq_split_dev *q)
{
	VRQ__DOM_FIXED_PEEK(q, VRQ_DOM_SMP, return true);
	return vrq__split_dev_has_avail(q, VRQ_DOM_SMP);
}

#ifdef __cplusplus
}
#endif
#endif /* VRQ_SPLIT_H */
