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

/** @brief Ring-agnostic configuration. */
struct vrq_vq_cfg {
	enum vrq_ring_kind kind;
	uint16_t size;		/**< split: power of two; packed: any 1..32768 */
	uint64_t features;	/**< VRQ_F_RING_PACKED is set/cleared from @c kind */
	enum vrq_domain domain;
	uint32_t flags;		/**< VRQ_CFG_* */
	void *ring;		/**< ring memory, vrq_vq_ring_bytes() long */
	size_t area_align;	/**< area alignment used for the layout (e.g. 64) */
	void *priv;		/**< role-private state, or NULL (malloc) */
	void *ind_pool;		/**< driver: indirect pool (size * ind_max descriptors) */
	uint64_t ind_pool_da;
	uint16_t ind_max;
	const struct vrq_mem *mem; /**< device: memory map */
};

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

/** @brief Initialise a driver handle (lays the ring out in cfg->ring). */
int vrq_vq_drv_init(struct vrq_vq_drv *vq, const struct vrq_vq_cfg *cfg);
/** @brief Initialise a device handle over a ring the driver initialised. */
int vrq_vq_dev_init(struct vrq_vq_dev *vq, const struct vrq_vq_cfg *cfg);
void vrq_vq_drv_fini(struct vrq_vq_drv *vq);
void vrq_vq_dev_fini(struct vrq_vq_dev *vq);
int vrq_vq_drv_detach(struct vrq_vq_drv *vq, void **token);
void vrq_vq_drv_reset(struct vrq_vq_drv *vq);
void vrq_vq_dev_reset(struct vrq_vq_dev *vq);

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

/** @brief The device's counters. */
VRQ_INLINE const struct vrq_dev_stats *vrq_vq_dev_stats(const struct vrq_vq_dev *vq)
{
	return vq->kind == VRQ_RING_PACKED ? &vq->packed.st : &vq->split.st;
}

#ifdef __cplusplus
}
#endif
#endif /* VRQ_VQ_H */
