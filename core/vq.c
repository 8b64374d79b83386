/* SPDX-License-Identifier: MIT */
/* core/vq.c - ring-agnostic handle: setup calls (hot path in vrq/vq.h). */
#include <string.h>

#include "vrq/vq.h"

size_t vrq_vq_ring_bytes(enum vrq_ring_kind kind, uint16_t size, size_t area_align)
{
	if (kind == VRQ_RING_PACKED) {
		struct vrq_packed_layout l;

		return vrq_packed_layout_calc(size, area_align, &l) ? 0 : l.total;
	} else if (kind == VRQ_RING_SPLIT) {
		struct vrq_split_layout l;

		return vrq_split_layout_calc(size, area_align, &l) ? 0 : l.total;
	}
	return 0;
}

/*
 * One block (ring) or three areas, never a mix (struct vrq_vq_cfg).  The
 * ring init functions check each area's alignment and that none overlaps
 * another; the areas are passed through as given.
 */
static int placement(const struct vrq_vq_cfg *c)
{
	const struct vrq_vq_areas *a = &c->areas;

	if (c->ring)
		return a->desc || a->driver || a->device ? -VRQ_EINVAL : 0;
	return a->desc && a->driver && a->device ? 0 : -VRQ_EINVAL;
}

static int split_cfg(const struct vrq_vq_cfg *c, struct vrq_split_cfg *s)
{
	struct vrq_split_layout l;
	int rc = c->ring ? vrq_split_layout_calc(c->size, c->area_align, &l) : 0;

	if (rc)
		return rc;
	memset(s, 0, sizeof(*s));
	s->size = c->size;
	s->features = c->features & ~VRQ_FEATURE(VRQ_F_RING_PACKED);
	s->domain = c->domain;
	s->flags = c->flags;
	if (c->ring) {
		s->ring = vrq_split_ring_at(c->ring, &l);
	} else {
		s->ring.desc = (struct vrq_split_desc *)c->areas.desc;
		s->ring.avail = (struct vrq_split_avail *)c->areas.driver;
		s->ring.used = (struct vrq_split_used *)c->areas.device;
	}
	s->priv = c->priv;
	s->ind_pool = (struct vrq_split_desc *)c->ind_pool;
	s->ind_pool_da = c->ind_pool_da;
	s->ind_max = c->ind_max;
	s->mem = c->mem;
	s->heavy_barrier = c->heavy_barrier;
	return 0;
}

static int packed_cfg(const struct vrq_vq_cfg *c, struct vrq_packed_cfg *p)
{
	struct vrq_packed_layout l;
	int rc = c->ring ? vrq_packed_layout_calc(c->size, c->area_align, &l) : 0;

	if (rc)
		return rc;
	memset(p, 0, sizeof(*p));
	p->size = c->size;
	p->features = c->features | VRQ_FEATURE(VRQ_F_RING_PACKED);
	p->domain = c->domain;
	p->flags = c->flags;
	if (c->ring) {
		p->ring = vrq_packed_ring_at(c->ring, &l);
	} else {
		p->ring.desc = (struct vrq_packed_desc *)c->areas.desc;
		p->ring.driver = (struct vrq_packed_event *)c->areas.driver;
		p->ring.device = (struct vrq_packed_event *)c->areas.device;
	}
	p->priv = c->priv;
	p->ind_pool = (struct vrq_packed_desc *)c->ind_pool;
	p->ind_pool_da = c->ind_pool_da;
	p->ind_max = c->ind_max;
	p->mem = c->mem;
	p->heavy_barrier = c->heavy_barrier;
	return 0;
}

int vrq_vq_drv_init(struct vrq_vq_drv *vq, const struct vrq_vq_cfg *cfg)
{
	int rc;

	if (!vq || !cfg || placement(cfg))
		return -VRQ_EINVAL;
	memset(vq, 0, sizeof(*vq));
	vq->kind = cfg->kind;
	if (cfg->kind == VRQ_RING_PACKED) {
		struct vrq_packed_cfg p;

		rc = packed_cfg(cfg, &p);
		return rc ? rc : vrq_packed_drv_init(&vq->packed, &p);
	} else if (cfg->kind == VRQ_RING_SPLIT) {
		struct vrq_split_cfg s;

		rc = split_cfg(cfg, &s);
		return rc ? rc : vrq_split_drv_init(&vq->split, &s);
	}
	return -VRQ_EINVAL;
}

int vrq_vq_dev_init(struct vrq_vq_dev *vq, const struct vrq_vq_cfg *cfg)
{
	int rc;

	if (!vq || !cfg || placement(cfg))
		return -VRQ_EINVAL;
	memset(vq, 0, sizeof(*vq));
	vq->kind = cfg->kind;
	if (cfg->kind == VRQ_RING_PACKED) {
		struct vrq_packed_cfg p;

		rc = packed_cfg(cfg, &p);
		return rc ? rc : vrq_packed_dev_init(&vq->packed, &p);
	} else if (cfg->kind == VRQ_RING_SPLIT) {
		struct vrq_split_cfg s;

		rc = split_cfg(cfg, &s);
		return rc ? rc : vrq_split_dev_init(&vq->split, &s);
	}
	return -VRQ_EINVAL;
}

/* Why vrq_vq_*_init() refuses @p cfg: the vq layer's own checks, then the
 * ring's (on the ring config it would be given). */
static const char *vq_init_why(const struct vrq_vq_cfg *cfg, int device)
{
	struct vrq_split_cfg s;
	struct vrq_packed_cfg p;

	if (!cfg)
		return "cfg is NULL";
	if (placement(cfg))
		return cfg->ring ? "both ring and areas set: give one block or three areas"
				 : "no ring: ring is NULL and areas.desc, .driver or .device is NULL";
	if (cfg->kind == VRQ_RING_PACKED) {
		if (packed_cfg(cfg, &p))
			return "packed: size must be 1..32768, area_align a power of two <= 65536";
		return device ? vrq_packed_dev_init_why(&p) : vrq_packed_drv_init_why(&p);
	}
	if (cfg->kind == VRQ_RING_SPLIT) {
		if (split_cfg(cfg, &s))
			return "split: size must be a power of two 1..32768, area_align a power "
			       "of two <= 65536";
		return device ? vrq_split_dev_init_why(&s) : vrq_split_drv_init_why(&s);
	}
	return "unknown ring kind";
}

const char *vrq_vq_drv_init_why(const struct vrq_vq_cfg *cfg)
{
	return vq_init_why(cfg, 0);
}

const char *vrq_vq_dev_init_why(const struct vrq_vq_cfg *cfg)
{
	return vq_init_why(cfg, 1);
}

void vrq_vq_drv_fini(struct vrq_vq_drv *vq)
{
	if (vq->kind == VRQ_RING_PACKED)
		vrq_packed_drv_fini(&vq->packed);
	else
		vrq_split_drv_fini(&vq->split);
}

void vrq_vq_dev_fini(struct vrq_vq_dev *vq)
{
	if (vq->kind == VRQ_RING_PACKED)
		vrq_packed_dev_fini(&vq->packed);
	else
		vrq_split_dev_fini(&vq->split);
}

int vrq_vq_drv_detach(struct vrq_vq_drv *vq, void **token)
{
	return vq->kind == VRQ_RING_PACKED ? vrq_packed_drv_detach(&vq->packed, token)
					   : vrq_split_drv_detach(&vq->split, token);
}

void vrq_vq_drv_reset(struct vrq_vq_drv *vq)
{
	if (vq->kind == VRQ_RING_PACKED)
		vrq_packed_drv_reset(&vq->packed);
	else
		vrq_split_drv_reset(&vq->split);
}

void vrq_vq_dev_reset(struct vrq_vq_dev *vq)
{
	if (vq->kind == VRQ_RING_PACKED)
		vrq_packed_dev_reset(&vq->packed);
	else
		vrq_split_dev_reset(&vq->split);
}

int vrq_vq_dev_get_base(const struct vrq_vq_dev *vq, uint32_t *base)
{
	if (!vq)
		return -VRQ_EINVAL;
	return vq->kind == VRQ_RING_PACKED ? vrq_packed_dev_get_base(&vq->packed, base)
					   : vrq_split_dev_get_base(&vq->split, base);
}

int vrq_vq_dev_set_base(struct vrq_vq_dev *vq, uint32_t base)
{
	if (!vq)
		return -VRQ_EINVAL;
	return vq->kind == VRQ_RING_PACKED ? vrq_packed_dev_set_base(&vq->packed, base)
					   : vrq_split_dev_set_base(&vq->split, base);
}
