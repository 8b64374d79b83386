/* SPDX-License-Identifier: MIT */
/**
 * @file vq.h
 * @brief Ring-agnostic handle: one API over the split and packed rings, so
 *        the layers above (notifications, RPMsg, virtio-mmio, benchmarks)
 *        choose the ring with a parameter.
 *
 * The ring kind is fixed at init; every call is a switch on it into the
 * ring's own inline entry point (no function pointer per call).  Each
 * handle embeds the state of both rings as separate members (never a union
 * of the two) and uses the one its kind names.  Semantics, return values
 * and concurrency rules are those of split.h / packed.h.
 */
#ifndef VRQ_VQ_H
#define VRQ_VQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "split.h"
#include "packed.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Ring format. */
enum vrq_ring_kind {
	VRQ_RING_SPLIT = 0,
	VRQ_RING_PACKED = 1,
};

/**
 * @brief Local addresses of a queue's three areas, placed independently
 *        (virtio 1.x: "Descriptor Area", "Driver Area", "Device Area", whose
 *        addresses a transport programs separately, e.g. virtio-mmio
 *        QueueDesc / QueueDriver / QueueDevice, or vhost-user
 *        SET_VRING_ADDR).
 *
 * | member   | split                        | packed                               |
 * |----------|------------------------------|--------------------------------------|
 * | @c desc   | descriptor table, 16 * size, align 16 | descriptor ring, 16 * size, align 16 |
 * | @c driver | available ring, 6 + 2 * size, align 2 | driver event suppression, 4, align 4 |
 * | @c device | used ring, 6 + 8 * size, align 4      | device event suppression, 4, align 4 |
 *
 * (split-ring.tex / packed-ring.tex, "Virtqueue alignment" tables; sizes
 * include the event fields.)  The areas may lie in any order and in separate
 * allocations, but must not overlap.
 */
struct vrq_vq_areas {
	void *desc;   /**< Descriptor Area */
	void *driver; /**< Driver Area (written by the driver) */
	void *device; /**< Device Area (written by the device) */
};

/**
 * @brief Ring-agnostic configuration.
 *
 * Where the ring is, one of two ways:
 *  - @c ring non-NULL: one block, vrq_vq_ring_bytes(kind, size, area_align)
 *    long, laid out by vrq_split_layout_calc() / vrq_packed_layout_calc()
 *    with @c area_align; @c areas must then be all NULL.
 *  - @c ring NULL: the three areas at @c areas (all three non-NULL), as
 *    someone else laid them out: a legacy vring_init() block
 *    (vrq_split_layout_legacy() + vrq_vq_split_areas()), or addresses a
 *    transport was given.  @c area_align is ignored.
 * Anything else (a mix, or a NULL area) is -VRQ_EINVAL.  Init checks each
 * area's spec alignment and that no two overlap (-VRQ_EINVAL).
 */
struct vrq_vq_cfg {
	enum vrq_ring_kind kind;
	uint16_t size;		/**< split: power of two; packed: any 1..32768 */
	uint64_t features;	/**< VRQ_F_RING_PACKED is set/cleared from @c kind */
	enum vrq_domain domain;
	uint32_t flags;		/**< VRQ_CFG_* */
	void *ring;		/**< ring memory, vrq_vq_ring_bytes() long, or NULL: @c areas */
	size_t area_align;	/**< area alignment used for the layout of @c ring (e.g. 64) */
	void *priv;		/**< role-private state, or NULL (malloc) */
	void *ind_pool;		/**< driver: indirect pool (size * ind_max descriptors) */
	uint64_t ind_pool_da;
	uint16_t ind_max;
	const struct vrq_mem *mem; /**< device: memory map */
	struct vrq_vq_areas areas; /**< the three areas, when @c ring is NULL */
	vrq_heavy_barrier_fn heavy_barrier; /**< VRQ_CFG_*_ASYM_FENCE (types.h) */
};

/**
 * @brief Areas of a split ring laid out in @p mem by @p l (from
 *        vrq_split_layout_calc() or vrq_split_layout_legacy()), for
 *        vrq_vq_cfg.areas; through vrq_split_ring_at().
 */
VRQ_INLINE struct vrq_vq_areas vrq_vq_split_areas(void *mem, const struct vrq_split_layout *l)
{
	struct vrq_split_ring r = vrq_split_ring_at(mem, l);
	struct vrq_vq_areas a;

	a.desc = r.desc;
	a.driver = r.avail;
	a.device = r.used;
	return a;
}

/** @brief Areas of a packed ring laid out in @p mem by @p l, for vrq_vq_cfg.areas. */
VRQ_INLINE struct vrq_vq_areas vrq_vq_packed_areas(void *mem, const struct vrq_packed_layout *l)
{
	struct vrq_packed_ring r = vrq_packed_ring_at(mem, l);
	struct vrq_vq_areas a;

	a.desc = r.desc;
	a.driver = r.driver;
	a.device = r.device;
	return a;
}

/** @brief Bytes of ring memory for @p kind / @p size / @p area_align, 0 if invalid. */
size_t vrq_vq_ring_bytes(enum vrq_ring_kind kind, uint16_t size, size_t area_align);

/** @brief Driver handle. */
struct vrq_vq_drv {
	enum vrq_ring_kind kind;
	struct vrq_split_drv split;
	struct vrq_packed_drv packed;
};

/** @brief Device handle. */
struct vrq_vq_dev {
	enum vrq_ring_kind kind;
	struct vrq_split_dev split;
	struct vrq_packed_dev packed;
};

/**
 * @brief Initialise a driver handle over cfg->ring (laid out with
 *        cfg->area_align) or cfg->areas (see struct vrq_vq_cfg); zeroes the
 *        areas as vrq_split_drv_init() / vrq_packed_drv_init() do.
 * @return 0, -VRQ_EINVAL, -VRQ_ENOTSUP, -VRQ_ENOMEM.
 */
int vrq_vq_drv_init(struct vrq_vq_drv *vq, const struct vrq_vq_cfg *cfg);
/**
 * @brief Initialise a device handle over a ring the driver initialised
 *        (same placement rules as vrq_vq_drv_init()); writes nothing to it.
 * @return 0, -VRQ_EINVAL, -VRQ_ENOTSUP, -VRQ_ENOMEM.
 */
int vrq_vq_dev_init(struct vrq_vq_dev *vq, const struct vrq_vq_cfg *cfg);
/** @brief Free what init allocated (private state when cfg->priv was NULL). */
void vrq_vq_drv_fini(struct vrq_vq_drv *vq);
/** @brief Free what init allocated (private state when cfg->priv was NULL). */
void vrq_vq_dev_fini(struct vrq_vq_dev *vq);
/**
 * @brief After a reset or a broken queue: hand back the token of one buffer
 *        still in flight per call (vrq_split_drv_detach()).
 * @return 1 with *@p token set, 0 when none is left.
 */
int vrq_vq_drv_detach(struct vrq_vq_drv *vq, void **token);
/** @brief Queue reset, driver side: the ring as after init (detach first). */
void vrq_vq_drv_reset(struct vrq_vq_drv *vq);
/** @brief Queue reset, device side: forget every popped chain, clear broken. */
void vrq_vq_dev_reset(struct vrq_vq_dev *vq);

/**
 * @brief Ring position of a stopped (quiescent) device, as vhost-user's
 *        GET_VRING_BASE: vrq_split_dev_get_base() (last_avail_idx) or
 *        vrq_packed_dev_get_base() (positions and wrap counters).
 */
int vrq_vq_dev_get_base(const struct vrq_vq_dev *vq, uint32_t *base);
/**
 * @brief Resume a fresh or quiescent device at @p base, as vhost-user's
 *        SET_VRING_BASE: vrq_split_dev_set_base() / vrq_packed_dev_set_base().
 *        There is no driver-side equivalent (see vrq_split_dev_set_base()).
 */
int vrq_vq_dev_set_base(struct vrq_vq_dev *vq, uint32_t base);

#define VRQ__VQ(vq, split_call, packed_call)                                                     \
	do {                                                                                     \
		if ((vq)->kind == VRQ_RING_PACKED)                                               \
			packed_call;                                                             \
		else                                                                             \
			split_call;                                                              \
	} while (0)

/** @brief See vrq_split_drv_add(). */
VRQ_INLINE int vrq_vq_drv_add(struct vrq_vq_drv *vq, const struct vrq_sg *sg, unsigned n_out,
			      unsigned n_in, void *token)
{
	VRQ__VQ(vq, return vrq_split_drv_add(&vq->split, sg, n_out, n_in, token),
		return vrq_packed_drv_add(&vq->packed, sg, n_out, n_in, token));
}

/**
 * @brief Add one buffer through a caller-supplied indirect table: see
 *        vrq_split_drv_add_indirect() / vrq_packed_drv_add_indirect().
 *        @p tbl (local) and @p tbl_da (device address) name a table of at
 *        least n_out + n_in 16-byte descriptors (struct vrq_split_desc or
 *        struct vrq_packed_desc, by the ring), which the call fills and
 *        which must stay untouched until the buffer is used.  The buffer
 *        takes one ring descriptor.
 * @return 0, -VRQ_EINVAL (INDIRECT_DESC not negotiated, @p tbl NULL, no
 *         segment), -VRQ_ENOSPC (no free descriptor), or the queue's error if
 *         it is broken.
 */
VRQ_INLINE int vrq_vq_drv_add_indirect(struct vrq_vq_drv *vq, const struct vrq_sg *sg,
				       unsigned n_out, unsigned n_in, void *token, void *tbl,
				       uint64_t tbl_da)
{
	VRQ__VQ(vq,
		return vrq_split_drv_add_indirect(&vq->split, sg, n_out, n_in, token,
						  (struct vrq_split_desc *)tbl, tbl_da),
		return vrq_packed_drv_add_indirect(&vq->packed, sg, n_out, n_in, token,
						   (struct vrq_packed_desc *)tbl, tbl_da));
}

/** @brief See vrq_split_drv_add_batch(). */
VRQ_INLINE int vrq_vq_drv_add_batch(struct vrq_vq_drv *vq, const struct vrq_buf *b, unsigned n)
{
	VRQ__VQ(vq, return vrq_split_drv_add_batch(&vq->split, b, n),
		return vrq_packed_drv_add_batch(&vq->packed, b, n));
}

/** @brief See vrq_split_drv_publish(). */
VRQ_INLINE void vrq_vq_drv_publish(struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, vrq_split_drv_publish(&vq->split), vrq_packed_drv_publish(&vq->packed));
}

/** @brief See vrq_split_drv_need_kick(). */
VRQ_INLINE bool vrq_vq_drv_need_kick(struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, return vrq_split_drv_need_kick(&vq->split),
		return vrq_packed_drv_need_kick(&vq->packed));
}

/** @brief See vrq_split_drv_kick_prepare(). */
VRQ_INLINE bool vrq_vq_drv_kick_prepare(struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, return vrq_split_drv_kick_prepare(&vq->split),
		return vrq_packed_drv_kick_prepare(&vq->packed));
}

/** @brief NOTIFICATION_DATA value for queue @p vqn. */
VRQ_INLINE uint32_t vrq_vq_drv_notification_data(const struct vrq_vq_drv *vq, uint16_t vqn)
{
	VRQ__VQ(vq, return vrq_split_drv_notification_data(&vq->split, vqn),
		return vrq_packed_drv_notification_data(&vq->packed, vqn));
}

/** @brief See vrq_split_drv_get_used(). */
VRQ_INLINE int vrq_vq_drv_get_used(struct vrq_vq_drv *vq, void **token, uint32_t *len)
{
	VRQ__VQ(vq, return vrq_split_drv_get_used(&vq->split, token, len),
		return vrq_packed_drv_get_used(&vq->packed, token, len));
}

/** @brief See vrq_split_drv_get_used_batch(). */
VRQ_INLINE int vrq_vq_drv_get_used_batch(struct vrq_vq_drv *vq, void **tokens, uint32_t *lens,
					 unsigned max)
{
	VRQ__VQ(vq, return vrq_split_drv_get_used_batch(&vq->split, tokens, lens, max),
		return vrq_packed_drv_get_used_batch(&vq->packed, tokens, lens, max));
}

/** @brief See vrq_split_drv_enable_cb(). */
VRQ_INLINE bool vrq_vq_drv_enable_cb(struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, return vrq_split_drv_enable_cb(&vq->split),
		return vrq_packed_drv_enable_cb(&vq->packed));
}

/** @brief See vrq_split_drv_disable_cb(). */
VRQ_INLINE void vrq_vq_drv_disable_cb(struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, vrq_split_drv_disable_cb(&vq->split), vrq_packed_drv_disable_cb(&vq->packed));
}

/** @brief See vrq_split_drv_has_used(). */
VRQ_INLINE bool vrq_vq_drv_has_used(const struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, return vrq_split_drv_has_used(&vq->split),
		return vrq_packed_drv_has_used(&vq->packed));
}

/** @brief Free descriptors. */
VRQ_INLINE unsigned vrq_vq_drv_num_free(const struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, return vrq_split_drv_num_free(&vq->split),
		return vrq_packed_drv_num_free(&vq->packed));
}

/** @brief 0 or the error that stopped the queue. */
VRQ_INLINE int vrq_vq_drv_broken(const struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, return vrq_split_drv_broken(&vq->split),
		return vrq_packed_drv_broken(&vq->packed));
}

/** @brief true if the driver promised never to sleep on this queue
 *  (VRQ_CFG_DRV_POLLS): vrq_vq_drv_wait() then only spins. */
VRQ_INLINE bool vrq_vq_drv_polls(const struct vrq_vq_drv *vq)
{
	return vq->kind == VRQ_RING_PACKED ? vq->packed.drv_polls : vq->split.drv_polls;
}

/** @brief The driver's counters. */
VRQ_INLINE const struct vrq_drv_stats *vrq_vq_drv_stats(const struct vrq_vq_drv *vq)
{
	return vq->kind == VRQ_RING_PACKED ? &vq->packed.st : &vq->split.st;
}

/** @brief See vrq_split_dev_pop(). */
VRQ_INLINE int vrq_vq_dev_pop(struct vrq_vq_dev *vq, struct vrq_chain *c)
{
	VRQ__VQ(vq, return vrq_split_dev_pop(&vq->split, c),
		return vrq_packed_dev_pop(&vq->packed, c));
}

/** @brief See vrq_split_dev_push(). */
VRQ_INLINE int vrq_vq_dev_push(struct vrq_vq_dev *vq, uint16_t head, uint32_t len)
{
	VRQ__VQ(vq, return vrq_split_dev_push(&vq->split, head, len),
		return vrq_packed_dev_push(&vq->packed, head, len));
}

/** @brief See vrq_split_dev_publish(). */
VRQ_INLINE void vrq_vq_dev_publish(struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, vrq_split_dev_publish(&vq->split), vrq_packed_dev_publish(&vq->packed));
}

/** @brief See vrq_split_dev_need_notify(). */
VRQ_INLINE bool vrq_vq_dev_need_notify(struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, return vrq_split_dev_need_notify(&vq->split),
		return vrq_packed_dev_need_notify(&vq->packed));
}

/** @brief See vrq_split_dev_notify_prepare(). */
VRQ_INLINE bool vrq_vq_dev_notify_prepare(struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, return vrq_split_dev_notify_prepare(&vq->split),
		return vrq_packed_dev_notify_prepare(&vq->packed));
}

/** @brief See vrq_split_dev_enable_kick(). */
VRQ_INLINE bool vrq_vq_dev_enable_kick(struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, return vrq_split_dev_enable_kick(&vq->split),
		return vrq_packed_dev_enable_kick(&vq->packed));
}

/** @brief See vrq_split_dev_disable_kick(). */
VRQ_INLINE void vrq_vq_dev_disable_kick(struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, vrq_split_dev_disable_kick(&vq->split),
		vrq_packed_dev_disable_kick(&vq->packed));
}

/** @brief See vrq_split_dev_has_avail(). */
VRQ_INLINE bool vrq_vq_dev_has_avail(const struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, return vrq_split_dev_has_avail(&vq->split),
		return vrq_packed_dev_has_avail(&vq->packed));
}

/** @brief 0 or the error that stopped the queue. */
VRQ_INLINE int vrq_vq_dev_broken(const struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, return vrq_split_dev_broken(&vq->split),
		return vrq_packed_dev_broken(&vq->packed));
}

/** @brief true if the device promised never to sleep on this queue
 *  (VRQ_CFG_DEV_POLLS): vrq_vq_dev_wait() then only spins. */
VRQ_INLINE bool vrq_vq_dev_polls(const struct vrq_vq_dev *vq)
{
	return vq->kind == VRQ_RING_PACKED ? vq->packed.dev_polls : vq->split.dev_polls;
}

/** @brief The device's counters. */
VRQ_INLINE const struct vrq_dev_stats *vrq_vq_dev_stats(const struct vrq_vq_dev *vq)
{
	return vq->kind == VRQ_RING_PACKED ? &vq->packed.st : &vq->split.st;
}

/* ---- Fixed-domain entry points (VRQ_DOM_SMP) -------------------------------- */
/*
 * The ring-agnostic calls over the rings' vrq_*_smp() entry points: the
 * ring kind is still a run-time switch (two bodies), the domain is fixed
 * (one body per ring instead of three for split, two for packed).  A queue
 * of another domain is refused as in split.h.
 */

/** @brief vrq_vq_drv_add() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE int vrq_vq_drv_add_smp(struct vrq_vq_drv *vq, const struct vrq_sg *sg, unsigned n_out,
			      unsigned n_in, void *token)
{
	VRQ__VQ(vq, return vrq_split_drv_add_smp(&vq->split, sg, n_out, n_in, token),
		return vrq_packed_drv_add_smp(&vq->packed, sg, n_out, n_in, token));
}

/** @brief vrq_vq_drv_add_indirect() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE int vrq_vq_drv_add_indirect_smp(struct vrq_vq_drv *vq, const struct vrq_sg *sg,
				       unsigned n_out, unsigned n_in, void *token, void *tbl,
				       uint64_t tbl_da)
{
	VRQ__VQ(vq,
		return vrq_split_drv_add_indirect_smp(&vq->split, sg, n_out, n_in, token,
						  (struct vrq_split_desc *)tbl, tbl_da),
		return vrq_packed_drv_add_indirect_smp(&vq->packed, sg, n_out, n_in, token,
						   (struct vrq_packed_desc *)tbl, tbl_da));
}

/** @brief vrq_vq_drv_add_batch() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE int vrq_vq_drv_add_batch_smp(struct vrq_vq_drv *vq, const struct vrq_buf *b, unsigned n)
{
	VRQ__VQ(vq, return vrq_split_drv_add_batch_smp(&vq->split, b, n),
		return vrq_packed_drv_add_batch_smp(&vq->packed, b, n));
}

/** @brief vrq_vq_drv_publish() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE void vrq_vq_drv_publish_smp(struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, vrq_split_drv_publish_smp(&vq->split), vrq_packed_drv_publish_smp(&vq->packed));
}

/** @brief vrq_vq_drv_need_kick() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE bool vrq_vq_drv_need_kick_smp(struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, return vrq_split_drv_need_kick_smp(&vq->split),
		return vrq_packed_drv_need_kick_smp(&vq->packed));
}

/** @brief vrq_vq_drv_kick_prepare() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE bool vrq_vq_drv_kick_prepare_smp(struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, return vrq_split_drv_kick_prepare_smp(&vq->split),
		return vrq_packed_drv_kick_prepare_smp(&vq->packed));
}

/** @brief vrq_vq_drv_get_used() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE int vrq_vq_drv_get_used_smp(struct vrq_vq_drv *vq, void **token, uint32_t *len)
{
	VRQ__VQ(vq, return vrq_split_drv_get_used_smp(&vq->split, token, len),
		return vrq_packed_drv_get_used_smp(&vq->packed, token, len));
}

/** @brief vrq_vq_drv_get_used_batch() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE int vrq_vq_drv_get_used_batch_smp(struct vrq_vq_drv *vq, void **tokens, uint32_t *lens,
					 unsigned max)
{
	VRQ__VQ(vq, return vrq_split_drv_get_used_batch_smp(&vq->split, tokens, lens, max),
		return vrq_packed_drv_get_used_batch_smp(&vq->packed, tokens, lens, max));
}

/** @brief vrq_vq_drv_enable_cb() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE bool vrq_vq_drv_enable_cb_smp(struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, return vrq_split_drv_enable_cb_smp(&vq->split),
		return vrq_packed_drv_enable_cb_smp(&vq->packed));
}

/** @brief vrq_vq_drv_disable_cb() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE void vrq_vq_drv_disable_cb_smp(struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, vrq_split_drv_disable_cb_smp(&vq->split), vrq_packed_drv_disable_cb_smp(&vq->packed));
}

/** @brief vrq_vq_drv_has_used() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE bool vrq_vq_drv_has_used_smp(const struct vrq_vq_drv *vq)
{
	VRQ__VQ(vq, return vrq_split_drv_has_used_smp(&vq->split),
		return vrq_packed_drv_has_used_smp(&vq->packed));
}

/** @brief vrq_vq_dev_pop() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE int vrq_vq_dev_pop_smp(struct vrq_vq_dev *vq, struct vrq_chain *c)
{
	VRQ__VQ(vq, return vrq_split_dev_pop_smp(&vq->split, c),
		return vrq_packed_dev_pop_smp(&vq->packed, c));
}

/** @brief vrq_vq_dev_push() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE int vrq_vq_dev_push_smp(struct vrq_vq_dev *vq, uint16_t head, uint32_t len)
{
	VRQ__VQ(vq, return vrq_split_dev_push_smp(&vq->split, head, len),
		return vrq_packed_dev_push_smp(&vq->packed, head, len));
}

/** @brief vrq_vq_dev_publish() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE void vrq_vq_dev_publish_smp(struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, vrq_split_dev_publish_smp(&vq->split), vrq_packed_dev_publish_smp(&vq->packed));
}

/** @brief vrq_vq_dev_need_notify() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE bool vrq_vq_dev_need_notify_smp(struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, return vrq_split_dev_need_notify_smp(&vq->split),
		return vrq_packed_dev_need_notify_smp(&vq->packed));
}

/** @brief vrq_vq_dev_notify_prepare() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE bool vrq_vq_dev_notify_prepare_smp(struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, return vrq_split_dev_notify_prepare_smp(&vq->split),
		return vrq_packed_dev_notify_prepare_smp(&vq->packed));
}

/** @brief vrq_vq_dev_enable_kick() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE bool vrq_vq_dev_enable_kick_smp(struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, return vrq_split_dev_enable_kick_smp(&vq->split),
		return vrq_packed_dev_enable_kick_smp(&vq->packed));
}

/** @brief vrq_vq_dev_disable_kick() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE void vrq_vq_dev_disable_kick_smp(struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, vrq_split_dev_disable_kick_smp(&vq->split),
		vrq_packed_dev_disable_kick_smp(&vq->packed));
}

/** @brief vrq_vq_dev_has_avail() for a VRQ_DOM_SMP queue (see split.h). */
VRQ_INLINE bool vrq_vq_dev_has_avail_smp(const struct vrq_vq_dev *vq)
{
	VRQ__VQ(vq, return vrq_split_dev_has_avail_smp(&vq->split),
		return vrq_packed_dev_has_avail_smp(&vq->packed));
}

#ifdef __cplusplus
}
#endif
#endif /* VRQ_VQ_H */
