/* SPDX-License-Identifier: MIT */
/*
 * core/split.c - split virtqueue setup, layout, reset and detach.  The hot
 * path is inline in vrq/split.h.
 */
#include <stdlib.h>
#include <string.h>

#include "areas.h"

#include "vrq/split.h"

static int is_pow2(size_t v)
{
	return v && !(v & (v - 1));
}

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Area alignments beyond 64 KiB are not a layout anyone needs; refusing
 * them keeps every offset computation far from overflow. */
#define MAX_ALIGN 65536u

static int valid_size(uint16_t size)
{
	return size >= 1 && size <= VRQ_QUEUE_SIZE_MAX && is_pow2(size);
}

/* Spec sizes, event fields included (split-ring.tex, table under "Split Virtqueues"). */
static void area_sizes(uint16_t size, struct vrq_split_layout *l)
{
	l->desc_size = sizeof(struct vrq_split_desc) * (size_t)size;
	l->avail_size = 6 + 2 * (size_t)size;
	l->used_size = 6 + sizeof(struct vrq_split_used_elem) * (size_t)size;
}

int vrq_split_layout_calc(uint16_t size, size_t area_align, struct vrq_split_layout *l)
{
	if (!l || !valid_size(size) || (area_align && !is_pow2(area_align)) || area_align > MAX_ALIGN)
		return -VRQ_EINVAL;
	area_sizes(size, l);
	l->desc_off = 0;
	l->avail_off = align_up(l->desc_size, area_align > VRQ_SPLIT_AVAIL_ALIGN
						      ? area_align : VRQ_SPLIT_AVAIL_ALIGN);
	l->used_off = align_up(l->avail_off + l->avail_size,
			       area_align > VRQ_SPLIT_USED_ALIGN ? area_align : VRQ_SPLIT_USED_ALIGN);
	l->total = align_up(l->used_off + l->used_size,
			    area_align > VRQ_SPLIT_DESC_ALIGN ? area_align : VRQ_SPLIT_DESC_ALIGN);
	return 0;
}

int vrq_split_layout_legacy(uint16_t size, size_t queue_align, struct vrq_split_layout *l)
{
	if (!l || !valid_size(size) || !is_pow2(queue_align) || queue_align < 4 ||
	    queue_align > MAX_ALIGN)
		return -VRQ_EINVAL;
	area_sizes(size, l);
	/* "Legacy Interfaces: A Note on Virtqueue Layout": desc, avail
	 * (u16 * (3 + qsz)), pad to QueueAlign, used (u16 * 3 + 8 * qsz). */
	l->desc_off = 0;
	l->avail_off = l->desc_size;
	l->used_off = align_up(l->desc_size + sizeof(uint16_t) * (3 + (size_t)size), queue_align);
	l->total = l->used_off +
		   align_up(sizeof(uint16_t) * 3 + sizeof(struct vrq_split_used_elem) * size,
			    queue_align);
	return 0;
}

/*
 * VRQ_DOM_NONCOH keeps the ring coherent by cleaning what one side wrote and
 * invalidating before the other reads, whole cache lines at a time.  That is
 * sound only if no line holds bytes written by both sides: a clean of a
 * line with a stale copy of the peer's bytes would roll them back (the
 * driver's used_event store sharing a line with used->idx, say, and the
 * driver then sleeps forever).  The split ring has one writer per area, so
 * it is enough that each area starts on a line and no two overlap.  The
 * indirect pool (driver-written) obeys the same rule.
 */
static int noncoh_areas_ok(const struct vrq_split_cfg *cfg)
{
	size_t line = vrq_cache_line_size();

	/* overlap is refused for every domain (areas_disjoint()) */
	if ((uintptr_t)cfg->ring.desc % line || (uintptr_t)cfg->ring.avail % line ||
	    (uintptr_t)cfg->ring.used % line)
		return 0;
	if ((cfg->features & VRQ_FEATURE(VRQ_F_INDIRECT_DESC)) && cfg->ind_max &&
	    (uintptr_t)cfg->ind_pool % line)
		return 0;
	return 1;
}

/*
 * The three areas may be placed anywhere (virtio 1.x transports program
 * their addresses separately), but they must not overlap: each is given its
 * spec size, event fields included (split-ring.tex, table under "Split
 * Virtqueues": desc 16 * N, avail 6 + 2 * N, used 6 + 8 * N).
 */
static int areas_disjoint(const struct vrq_split_cfg *cfg)
{
	uintptr_t a[3] = {(uintptr_t)cfg->ring.desc, (uintptr_t)cfg->ring.avail,
			  (uintptr_t)cfg->ring.used};
	size_t len[3] = {sizeof(struct vrq_split_desc) * (size_t)cfg->size,
			 6 + 2 * (size_t)cfg->size,
			 6 + sizeof(struct vrq_split_used_elem) * (size_t)cfg->size};

	return vrq__areas_disjoint(a, len);
}

/* Every refusal of init, with its reason (vrq_split_*_init_why()). */
#define REFUSE(code, text) (*why = (text), -(code))

static int check_cfg(const struct vrq_split_cfg *cfg, const char **why)
{
	if (!cfg)
		return REFUSE(VRQ_EINVAL, "cfg is NULL");
	if (!valid_size(cfg->size))
		return REFUSE(VRQ_EINVAL, "split: size must be a power of two, 1..32768");
	if (!cfg->ring.desc || !cfg->ring.avail || !cfg->ring.used)
		return REFUSE(VRQ_EINVAL, "ring.desc, ring.avail or ring.used is NULL");
	if ((uintptr_t)cfg->ring.desc % VRQ_SPLIT_DESC_ALIGN)
		return REFUSE(VRQ_EINVAL, "split: descriptor table not 16-byte aligned");
	if ((uintptr_t)cfg->ring.avail % VRQ_SPLIT_AVAIL_ALIGN)
		return REFUSE(VRQ_EINVAL, "split: available ring not 2-byte aligned");
	if ((uintptr_t)cfg->ring.used % VRQ_SPLIT_USED_ALIGN)
		return REFUSE(VRQ_EINVAL, "split: used ring not 4-byte aligned");
	if (!areas_disjoint(cfg))
		return REFUSE(VRQ_EINVAL, "ring areas overlap (spec sizes, event fields included)");
	if (cfg->domain > VRQ_DOM_NONCOH)
		return REFUSE(VRQ_EINVAL, "unknown ordering domain");
	if (!vrq_domain_supported(cfg->domain))
		return REFUSE(VRQ_ENOTSUP, "ordering domain not supported on this CPU (riscv64 "
					   "NONCOH: vrq_cache_set_block_size() first)");
	if (cfg->features & VRQ_FEATURE(VRQ_F_RING_PACKED))
		return REFUSE(VRQ_EINVAL, "split: RING_PACKED in features");
	if (cfg->domain == VRQ_DOM_NONCOH && !noncoh_areas_ok(cfg))
		return REFUSE(VRQ_EINVAL, "NONCOH: an area or the indirect pool is not on a "
					  "vrq_cache_line_size() boundary");
	return 0;
}

static int check_drv(const struct vrq_split_cfg *cfg, const char **why)
{
	int rc = check_cfg(cfg, why);

	if (rc)
		return rc;
	if ((cfg->features & VRQ_FEATURE(VRQ_F_INDIRECT_DESC)) && cfg->ind_max &&
	    (!cfg->ind_pool || (uintptr_t)cfg->ind_pool % VRQ_SPLIT_DESC_ALIGN ||
	     cfg->ind_pool_da % VRQ_SPLIT_DESC_ALIGN))
		return REFUSE(VRQ_EINVAL, "indirect pool NULL, or it or its device address not "
					  "16-byte aligned");
	return 0;
}

static int check_dev(const struct vrq_split_cfg *cfg, const char **why)
{
	int rc = check_cfg(cfg, why);

	if (rc)
		return rc;
	if (!cfg->mem)
		return REFUSE(VRQ_EINVAL, "device: no memory map (cfg->mem)");
	return 0;
}

const char *vrq_split_drv_init_why(const struct vrq_split_cfg *cfg)
{
	const char *why = NULL;

	return check_drv(cfg, &why) ? why : NULL;
}

const char *vrq_split_dev_init_why(const struct vrq_split_cfg *cfg)
{
	const char *why = NULL;

	return check_dev(cfg, &why) ? why : NULL;
}

static int feat(const struct vrq_split_cfg *cfg, unsigned bit)
{
	return !!(cfg->features & VRQ_FEATURE(bit));
}

/* ---- driver ---------------------------------------------------------------- */

size_t vrq_split_drv_priv_size(uint16_t size)
{
	return sizeof(struct vrq_split_drv_slot) * (size_t)size;
}

static void drv_rebuild(struct vrq_split_drv *q)
{
	uint32_t i;

	/* Driver-owned areas: avail ring (with used_event) and, before the
	 * device starts, the used ring (the driver initialises used->flags to
	 * 0, "Available Buffer Notification Suppression"). */
	memset(q->avail, 0, 6 + 2 * (size_t)q->size);
	memset(q->used, 0, 6 + sizeof(struct vrq_split_used_elem) * (size_t)q->size);
	memset(q->desc, 0, sizeof(*q->desc) * (size_t)q->size);
	for (i = 0; i < q->size; i++) {
		q->slot[i].next = (uint16_t)((i + 1) & q->mask);
		q->slot[i].ndesc = 0;
		q->slot[i].token = NULL;
	}
	q->avail_idx = q->avail_pub = 0;
	q->kick_pending = 0;
	q->free_head = 0;
	q->free_tail = (uint16_t)(q->size - 1);
	q->num_free = q->size;
	q->last_used = q->used_cache = 0;
	q->ino_tail = 0;
	q->ino_batch = false;
	q->detach_pos = 0;
	q->broken = 0;
	q->cb_enabled = true;
	vrq__shm_wrote(q->dom, q->avail, 6 + 2 * (size_t)q->size);
	vrq__shm_wrote(q->dom, q->used, 6 + sizeof(struct vrq_split_used_elem) * (size_t)q->size);
	vrq__shm_wrote(q->dom, q->desc, sizeof(*q->desc) * (size_t)q->size);
}

int vrq_split_drv_init(struct vrq_split_drv *q, const struct vrq_split_cfg *cfg)
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
	q->slot = (struct vrq_split_drv_slot *)cfg->priv;
	if (!q->slot) {
		q->slot = (struct vrq_split_drv_slot *)calloc(cfg->size, sizeof(*q->slot));
		if (!q->slot)
			return -VRQ_ENOMEM;
		q->priv_alloc = q->slot;
	}
	q->desc = cfg->ring.desc;
	q->avail = cfg->ring.avail;
	q->used = cfg->ring.used;
	q->size = cfg->size;
	q->mask = (uint16_t)(cfg->size - 1);
	q->dom = cfg->domain;
	q->used_event = &q->avail->ring[q->size];
	q->avail_event = (vrq_le16 *)(void *)&q->used->ring[q->size];
	q->event_idx = feat(cfg, VRQ_F_EVENT_IDX);
	q->in_order = feat(cfg, VRQ_F_IN_ORDER);
	q->dev_polls = !!(cfg->flags & VRQ_CFG_DEV_POLLS);
	q->drv_polls = !!(cfg->flags & VRQ_CFG_DRV_POLLS);
	q->dev_asym = !!(cfg->flags & VRQ_CFG_DEV_ASYM_FENCE);
	q->drv_asym = !!(cfg->flags & VRQ_CFG_DRV_ASYM_FENCE);
	q->heavy_barrier = cfg->heavy_barrier;
	q->idx_cache = !(cfg->flags & VRQ_CFG_NO_IDX_CACHE);
	drv_rebuild(q);
	return 0;
}

void vrq_split_drv_fini(struct vrq_split_drv *q)
{
	free(q->priv_alloc);
	q->priv_alloc = NULL;
	q->slot = NULL;
}

int vrq_split_drv_detach(struct vrq_split_drv *q, void **token)
{
	/* resume after the last slot handed back: detaching all is O(size) */
	for (; q->detach_pos < q->size; q->detach_pos++) {
		struct vrq_split_drv_slot *s = &q->slot[q->detach_pos];

		if (s->ndesc) {
			*token = s->token;
			q->num_free += s->ndesc;
			s->ndesc = 0;
			return 1;
		}
	}
	return 0;
}

void vrq_split_drv_reset(struct vrq_split_drv *q)
{
	drv_rebuild(q);
}

/* ---- device ---------------------------------------------------------------- */

/* wcap[size] (IN_ORDER capacities), then inflight[size] (one byte per head) */
size_t vrq_split_dev_priv_size(uint16_t size)
{
	return (sizeof(uint32_t) + 1) * (size_t)size;
}

int vrq_split_dev_init(struct vrq_split_dev *q, const struct vrq_split_cfg *cfg)
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
	q->desc = cfg->ring.desc;
	q->avail = cfg->ring.avail;
	q->used = cfg->ring.used;
	q->mem = cfg->mem;
	q->size = cfg->size;
	q->mask = (uint16_t)(cfg->size - 1);
	q->dom = cfg->domain;
	q->used_event = &q->avail->ring[q->size];
	q->avail_event = (vrq_le16 *)(void *)&q->used->ring[q->size];
	q->event_idx = feat(cfg, VRQ_F_EVENT_IDX);
	q->indirect = feat(cfg, VRQ_F_INDIRECT_DESC);
	q->in_order = feat(cfg, VRQ_F_IN_ORDER);
	q->dev_polls = !!(cfg->flags & VRQ_CFG_DEV_POLLS);
	q->drv_polls = !!(cfg->flags & VRQ_CFG_DRV_POLLS);
	q->dev_asym = !!(cfg->flags & VRQ_CFG_DEV_ASYM_FENCE);
	q->drv_asym = !!(cfg->flags & VRQ_CFG_DRV_ASYM_FENCE);
	q->heavy_barrier = cfg->heavy_barrier;
	q->idx_cache = !(cfg->flags & VRQ_CFG_NO_IDX_CACHE);
	q->wcap = (uint32_t *)cfg->priv;
	if (!q->wcap) {
		q->wcap = (uint32_t *)calloc(1, vrq_split_dev_priv_size(cfg->size));
		if (!q->wcap)
			return -VRQ_ENOMEM;
		q->priv_alloc = q->wcap;
	}
	q->inflight = (uint8_t *)(q->wcap + cfg->size);
	vrq_split_dev_reset(q);
	return 0;
}

void vrq_split_dev_fini(struct vrq_split_dev *q)
{
	free(q->priv_alloc);
	q->priv_alloc = NULL;
	q->wcap = NULL;
	q->inflight = NULL;
}

void vrq_split_dev_reset(struct vrq_split_dev *q)
{
	/*
	 * Non-coherent: drop what this side cached of the used area before the
	 * driver (re)initialised it.  The device writes used entries into
	 * those lines and cleans them whole, so a stale copy would write back
	 * old used->flags / avail_event over the driver's zeroes.  The driver's
	 * areas need nothing here: every read of them invalidates first.
	 */
	vrq__shm_will_read(q->dom, q->used, 6 + sizeof(struct vrq_split_used_elem) * (size_t)q->size);
	q->last_avail = q->avail_cache = 0;
	q->used_idx = q->used_pub = 0;
	q->notify_pending = 0;
	q->ino_n = 0;
	memset(q->inflight, 0, q->size);
	q->broken = 0;
}

/* ---- device position (vhost-user GET_VRING_BASE / SET_VRING_BASE) --------- */

/* Nothing popped and not yet pushed, nothing pushed and not yet published:
 * every chain popped has one used->idx increment behind it (IN_ORDER too). */
static int dev_quiescent(const struct vrq_split_dev *q)
{
	return q->last_avail == q->used_idx && q->used_idx == q->used_pub && !q->ino_n;
}

int vrq_split_dev_get_base(const struct vrq_split_dev *q, uint32_t *base)
{
	if (!q || !base)
		return -VRQ_EINVAL;
	if (q->broken)
		return q->broken;
	if (!dev_quiescent(q))
		return -VRQ_EINVAL;
	*base = q->last_avail;
	return 0;
}

int vrq_split_dev_set_base(struct vrq_split_dev *q, uint32_t base)
{
	uint16_t used;

	if (!q)
		return -VRQ_EINVAL;
	if (q->broken)
		return q->broken;
	/* bits 16..31 are reserved (zero) in the vhost-user payload */
	if (base > 0xffff || !dev_quiescent(q))
		return -VRQ_EINVAL;
	/* the used index lives in ring memory: a stopped device left it at
	 * its base, since every chain it popped was used and published */
	used = vrq__read16(q->dom, &q->used->idx);
	if (used != (uint16_t)base)
		return -VRQ_EINVAL;
	vrq_split_dev_reset(q);
	q->last_avail = q->avail_cache = (uint16_t)base;
	q->used_idx = q->used_pub = (uint16_t)base;
	return 0;
}
