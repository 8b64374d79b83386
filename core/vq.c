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

static int split_cfg(const struct vrq_vq_cfg *c, struct vrq_split_cfg *s)
{
	struct vrq_split_layout l;
	int rc = vrq_split_layout_calc(c->size, c->area_align, &l);

	if (rc)
		return rc;
	memset(s, 0, sizeof(*s));
	s->size = c->size;
	s->features = c->features & ~VRQ_FEATURE(VRQ_F_RING_PACKED);
	s->domain = c->domain;
	s->flags = c->flags;
	s->ring = vrq_split_ring_at(c->ring, &l);
	s->priv = c->priv;
	s->ind_pool = (struct vrq_split_desc *)c->ind_pool;
	s->ind_pool_da = c->ind_pool_da;
	s->ind_max = c->ind_max;
	s->mem = c->mem;
	return 0;
}

static int packed_cfg(const struct vrq_vq_cfg *c, struct vrq_packed_cfg *p)
{
	struct vrq_packed_layout l;
	int rc = vrq_packed_layout_calc(c->size, c->area_align, &l);

	if (rc)
		return rc;
	memset(p, 0, sizeof(*p));
	p->size = c->size;
	p->features = c->features | VRQ_FEATURE(VRQ_F_RING_PACKED);
	p->domain = c->domain;
	p->flags = c->flags;
	p->ring = vrq_packed_ring_at(c->ring, &l);
	p->priv = c->priv;
	p->ind_pool = (struct vrq_packed_desc *)c->ind_pool;
	p->ind_pool_da = c->ind_pool_da;
	p->ind_max = c->ind_max;
	p->mem = c->mem;
	return 0;
}

int vrq_vq_drv_init(struct vrq_vq_drv *vq, const struct vrq_vq_cfg *cfg)
{
	int rc;

	if (!vq || !cfg || !cfg->ring)
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

	if (!vq || !cfg || !cfg->ring)
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
