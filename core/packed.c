/* SPDX-License-Identifier: MIT */
/*
 * core/packed.c - packed virtqueue setup, layout, reset and detach.  The hot
 * path is inline in vrq/packed.h.
 */
#include <stdlib.h>
#include <string.h>

#include "areas.h"

#include "vrq/packed.h"

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int valid_size(uint16_t size)
{
	return size >= 1 && size <= VRQ_QUEUE_SIZE_MAX;
}

int vrq_packed_layout_calc(uint16_t size, size_t area_align, struct vrq_packed_layout *l)
{
	size_t ev_align;

	if (!l || !valid_size(size) || (area_align & (area_align - 1)) || area_align > 65536)
		return -VRQ_EINVAL;
	/* "Structure Size and Alignment": ring 16 * size align 16, each event
	 * structure 4 bytes align 4. */
	ev_align = area_align > 4 ? area_align : 4;
	l->desc_off = 0;
	l->desc_size = sizeof(struct vrq_packed_desc) * (size_t)size;
	l->driver_off = align_up(l->desc_size, ev_align);
	l->device_off = align_up(l->driver_off + sizeof(struct vrq_packed_event), ev_align);
	l->total = align_up(l->device_off + sizeof(struct vrq_packed_event),
			    area_align > 16 ? area_align : 16);
	return 0;
}

/*
 * The three areas may be placed anywhere (virtio 1.x transports program
 * their addresses separately; Linux allocates them apart), but must not
 * overlap: descriptor ring 16 * N, each event suppression structure 4
 * ("Structure Size and Alignment").
 */
static int areas_disjoint(const struct vrq_packed_cfg *cfg)
{
	uintptr_t a[3] = {(uintptr_t)cfg->ring.desc, (uintptr_t)cfg->ring.driver,
			  (uintptr_t)cfg->ring.device};
	size_t len[3] = {sizeof(struct vrq_packed_desc) * (size_t)cfg->size,
			 sizeof(struct vrq_packed_event), sizeof(struct vrq_packed_event)};

	return vrq__areas_disjoint(a, len);
}

/* Every refusal of init, with its reason (vrq_packed_*_init_why()). */
#define REFUSE(code, text) (*why = (text), -(code))

static int check_cfg(const struct vrq_packed_cfg *cfg, const char **why)
{
	if (!cfg)
		return REFUSE(VRQ_EINVAL, "cfg is NULL");
	if (!valid_size(cfg->size))
		return REFUSE(VRQ_EINVAL, "packed: size must be 1..32768");
	if (!cfg->ring.desc || !cfg->ring.driver || !cfg->ring.device)
		return REFUSE(VRQ_EINVAL, "ring.desc, ring.driver or ring.device is NULL");
	if ((uintptr_t)cfg->ring.desc % 16)
		return REFUSE(VRQ_EINVAL, "packed: descriptor ring not 16-byte aligned");
	if ((uintptr_t)cfg->ring.driver % 4 || (uintptr_t)cfg->ring.device % 4)
		return REFUSE(VRQ_EINVAL, "packed: an event suppression area not 4-byte aligned");
	if (!areas_disjoint(cfg))
		return REFUSE(VRQ_EINVAL, "ring areas overlap (spec sizes, event fields included)");
	if (cfg->domain > VRQ_DOM_NONCOH)
		return REFUSE(VRQ_EINVAL, "unknown ordering domain");
	/* both sides write the descriptor ring: see "Non-coherent peers" in
	 * packed.h for why cache maintenance cannot make that sound */
	if (cfg->domain == VRQ_DOM_NONCOH)
		return REFUSE(VRQ_ENOTSUP, "packed: VRQ_DOM_NONCOH is not sound (map the ring "
					   "uncached and use VRQ_DOM_IO)");
	if (!vrq_domain_supported(cfg->domain))
		return REFUSE(VRQ_ENOTSUP, "ordering domain not supported on this CPU");
	if (!(cfg->features & VRQ_FEATURE(VRQ_F_RING_PACKED)))
		return REFUSE(VRQ_EINVAL, "packed: RING_PACKED missing from features");
	return 0;
}

static int check_drv(const struct vrq_packed_cfg *cfg, const char **why)
{
	int rc = check_cfg(cfg, why);

	if (rc)
		return rc;
	if ((cfg->features & VRQ_FEATURE(VRQ_F_INDIRECT_DESC)) && cfg->ind_max &&
	    (!cfg->ind_pool || (uintptr_t)cfg->ind_pool % 16 || cfg->ind_pool_da % 16))
		return REFUSE(VRQ_EINVAL, "indirect pool NULL, or it or its device address not "
					  "16-byte aligned");
	return 0;
}

static int check_dev(const struct vrq_packed_cfg *cfg, const char **why)
{
	int rc = check_cfg(cfg, why);

	if (rc)
		return rc;
	if (!cfg->mem)
		return REFUSE(VRQ_EINVAL, "device: no memory map (cfg->mem)");
	return 0;
}

const char *vrq_packed_drv_init_why(const struct vrq_packed_cfg *cfg)
{
	const char *why = NULL;

	return check_drv(cfg, &why) ? why : NULL;
}

const char *vrq_packed_dev_init_why(const struct vrq_packed_cfg *cfg)
{
	const char *why = NULL;

	return check_dev(cfg, &why) ? why : NULL;
}

static int feat(const struct vrq_packed_cfg *cfg, unsigned bit)
{
	return !!(cfg->features & VRQ_FEATURE(bit));
}

/* ---- driver ---------------------------------------------------------------- */

size_t vrq_packed_drv_priv_size(uint16_t size)
{
	return sizeof(struct vrq_packed_drv_slot) * (size_t)size;
}

static void drv_rebuild(struct vrq_packed_drv *q)
{
	uint32_t i;

	/* "The descriptor ring is zero-initialized"; event structures start
	 * at ENABLE (0). */
	memset(q->desc, 0, sizeof(*q->desc) * (size_t)q->size);
	memset(q->drv_ev, 0, sizeof(*q->drv_ev));
	memset((void *)q->dev_ev, 0, sizeof(*q->dev_ev));
	for (i = 0; i < q->size; i++) {
		q->slot[i].next = (uint16_t)(i + 1 < q->size ? i + 1 : 0);
		q->slot[i].ndesc = 0;
		q->slot[i].token = NULL;
	}
	q->free_id = 0;
	q->num_free = q->size;
	/* "Driver and Device Ring Wrap Counters": both start at 1 */
	q->next_avail = q->next_used = q->pub_pos = 0;
	q->avail_wrap = q->used_wrap = q->pub_wrap = true;
	q->pend = false;
	q->kick_added = q->batch_added = 0;
	q->ino_batch = false;
	q->detach_pos = 0;
	q->broken = 0;
	q->cb_enabled = true;
	vrq__shm_wrote(q->dom, q->desc, sizeof(*q->desc) * (size_t)q->size);
	vrq__shm_wrote(q->dom, q->drv_ev, sizeof(*q->drv_ev));
	vrq__shm_wrote(q->dom, q->dev_ev, sizeof(*q->dev_ev));
}

int vrq_packed_drv_init(struct vrq_packed_drv *q, const struct vrq_packed_cfg *cfg)
{
	const char *why;
	int rc = check_drv(cfg, &why);

	if (!q)
		return -VRQ_EINVAL;
	/* this side sleeps behind a heavy barrier: it needs one */
	if (!rc && (cfg->flags & VRQ_CFG_DRV_ASYM_FENCE) && !cfg->heavy_barrier)
		rc = -VRQ_EINVAL;
	if (rc)
		return rc;
	memset(q, 0, sizeof(*q));
	q->indirect = feat(cfg, VRQ_F_INDIRECT_DESC);
	if (q->indirect && cfg->ind_max) {
		q->ind_pool = cfg->ind_pool;
		q->ind_pool_da = cfg->ind_pool_da;
		q->ind_max = cfg->ind_max;
	}
	q->slot = (struct vrq_packed_drv_slot *)cfg->priv;
	if (!q->slot) {
		q->slot = (struct vrq_packed_drv_slot *)calloc(cfg->size, sizeof(*q->slot));
		if (!q->slot)
			return -VRQ_ENOMEM;
		q->priv_alloc = q->slot;
	}
	q->desc = cfg->ring.desc;
	q->drv_ev = cfg->ring.driver;
	q->dev_ev = cfg->ring.device;
	q->size = cfg->size;
	q->dom = cfg->domain;
	q->event_idx = feat(cfg, VRQ_F_EVENT_IDX);
	q->in_order = feat(cfg, VRQ_F_IN_ORDER);
	q->dev_polls = !!(cfg->flags & VRQ_CFG_DEV_POLLS);
	q->drv_polls = !!(cfg->flags & VRQ_CFG_DRV_POLLS);
	q->dev_asym = !!(cfg->flags & VRQ_CFG_DEV_ASYM_FENCE);
	q->drv_asym = !!(cfg->flags & VRQ_CFG_DRV_ASYM_FENCE);
	q->heavy_barrier = cfg->heavy_barrier;
	drv_rebuild(q);
	return 0;
}

void vrq_packed_drv_fini(struct vrq_packed_drv *q)
{
	free(q->priv_alloc);
	q->priv_alloc = NULL;
	q->slot = NULL;
}

int vrq_packed_drv_detach(struct vrq_packed_drv *q, void **token)
{
	/* resume after the last slot handed back: detaching all is O(size) */
	for (; q->detach_pos < q->size; q->detach_pos++) {
		struct vrq_packed_drv_slot *s = &q->slot[q->detach_pos];

		if (s->ndesc) {
			*token = s->token;
			q->num_free += s->ndesc;
			s->ndesc = 0;
			return 1;
		}
	}
	return 0;
}

void vrq_packed_drv_reset(struct vrq_packed_drv *q)
{
	drv_rebuild(q);
}

/* ---- device ---------------------------------------------------------------- */

size_t vrq_packed_dev_priv_size(uint16_t size)
{
	return sizeof(struct vrq_packed_dev_slot) * (size_t)size;
}

int vrq_packed_dev_init(struct vrq_packed_dev *q, const struct vrq_packed_cfg *cfg)
{
	const char *why;
	int rc = check_dev(cfg, &why);

	if (!q)
		return -VRQ_EINVAL;
	/* this side sleeps behind a heavy barrier: it needs one */
	if (!rc && (cfg->flags & VRQ_CFG_DEV_ASYM_FENCE) && !cfg->heavy_barrier)
		rc = -VRQ_EINVAL;
	if (rc)
		return rc;
	memset(q, 0, sizeof(*q));
	q->slot = (struct vrq_packed_dev_slot *)cfg->priv;
	if (!q->slot) {
		q->slot = (struct vrq_packed_dev_slot *)calloc(cfg->size, sizeof(*q->slot));
		if (!q->slot)
			return -VRQ_ENOMEM;
		q->priv_alloc = q->slot;
	}
	q->desc = cfg->ring.desc;
	q->drv_ev = cfg->ring.driver;
	q->dev_ev = cfg->ring.device;
	q->mem = cfg->mem;
	q->size = cfg->size;
	q->dom = cfg->domain;
	q->event_idx = feat(cfg, VRQ_F_EVENT_IDX);
	q->indirect = feat(cfg, VRQ_F_INDIRECT_DESC);
	q->in_order = feat(cfg, VRQ_F_IN_ORDER);
	q->dev_polls = !!(cfg->flags & VRQ_CFG_DEV_POLLS);
	q->drv_polls = !!(cfg->flags & VRQ_CFG_DRV_POLLS);
	q->dev_asym = !!(cfg->flags & VRQ_CFG_DEV_ASYM_FENCE);
	q->drv_asym = !!(cfg->flags & VRQ_CFG_DRV_ASYM_FENCE);
	q->heavy_barrier = cfg->heavy_barrier;
	vrq_packed_dev_reset(q);
	return 0;
}

void vrq_packed_dev_fini(struct vrq_packed_dev *q)
{
	free(q->priv_alloc);
	q->priv_alloc = NULL;
	q->slot = NULL;
}

void vrq_packed_dev_reset(struct vrq_packed_dev *q)
{
	memset(q->slot, 0, sizeof(*q->slot) * (size_t)q->size);
	q->next_avail = q->next_used = q->pub_pos = 0;
	q->avail_wrap = q->used_wrap = q->pub_wrap = true;
	q->pend = false;
	q->batch_used = q->notify_added = 0;
	q->ino_n = 0;
	q->broken = 0;
}

/* ---- device position (vhost-user GET_VRING_BASE / SET_VRING_BASE) --------- */

/* Nothing popped and not yet pushed, nothing pushed and not yet published:
 * a chain advances the available position at pop and the used position at
 * push by the same descriptor count, so the two meet then.  Equal positions
 * alone do not prove it: a driver that makes descriptors available again
 * while the device still holds them can move the available position a
 * whole number of double laps (2 * size descriptors) ahead of the used one,
 * so no id may be in flight either (a scan, on this slow path only). */
static int dev_quiescent(const struct vrq_packed_dev *q)
{
	uint32_t i;

	if (q->next_avail != q->next_used || q->avail_wrap != q->used_wrap || q->pend ||
	    q->ino_n)
		return 0;
	for (i = 0; i < q->size; i++)
		if (q->slot[i].ndesc)
			return 0;
	return 1;
}

int vrq_packed_dev_get_base(const struct vrq_packed_dev *q, uint32_t *base)
{
	if (!q || !base)
		return -VRQ_EINVAL;
	if (q->broken)
		return q->broken;
	if (!dev_quiescent(q))
		return -VRQ_EINVAL;
	*base = (uint32_t)q->next_avail | (uint32_t)q->avail_wrap << 15 |
		(uint32_t)q->next_used << 16 | (uint32_t)q->used_wrap << 31;
	return 0;
}

int vrq_packed_dev_set_base(struct vrq_packed_dev *q, uint32_t base)
{
	uint16_t avail = (uint16_t)(base & 0x7fff), used = (uint16_t)((base >> 16) & 0x7fff);
	bool avail_wrap = (base >> 15) & 1, used_wrap = (base >> 31) & 1;

	if (!q)
		return -VRQ_EINVAL;
	if (q->broken)
		return q->broken;
	if (avail >= q->size || used >= q->size || !dev_quiescent(q))
		return -VRQ_EINVAL;
	/* chains in flight at the stop (used behind avail) cannot be resumed:
	 * their ids and lengths were the stopped device's private state */
	if (avail != used || avail_wrap != used_wrap)
		return -VRQ_EINVAL;
	vrq_packed_dev_reset(q);
	q->next_avail = avail;
	q->avail_wrap = avail_wrap;
	q->next_used = q->pub_pos = used;
	q->used_wrap = q->pub_wrap = used_wrap;
	return 0;
}
