/* SPDX-License-Identifier: MIT */
/*
 * transports/rpmsg/link.c - an RPMsg device in one shared region, laid out
 * as remoteproc does (resource table, legacy vrings, host buffers), for a
 * host and a remote in two threads or two processes.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrq/rpmsg.h"

#define PAGE 4096u
#define OFF_VDEV 32u
#define OFF_NOTIFY 4096u
#define OFF_RINGS 8192u
#define DEFAULT_DA_BASE 0x40000000ull

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static struct vrq_notify_shared *nsh(struct vrq_rpmsg_link *l, unsigned i)
{
	return (struct vrq_notify_shared *)(void *)(l->base + OFF_NOTIFY + 128u * i);
}

static void reset(struct vrq_rpmsg_link *l)
{
	unsigned i;

	memset(l, 0, sizeof(*l));
	l->shm.fd = -1;
	for (i = 0; i < 2; i++) {
		l->kick_fd[i] = l->irq_fd[i] = -1;
		l->kick[i].pidfd = l->irq[i].pidfd = -1;
	}
}

static int init_notifiers(struct vrq_rpmsg_link *l)
{
	unsigned i;
	int rc;

	for (i = 0; i < 2; i++) {
		struct vrq_notify_cfg k = {
			.kind = l->cfg.notify,
			.shared = nsh(l, 2 * i),
			.fd = l->kick_fd[i],
			.block = l->cfg.block,
			.spin_ns = l->cfg.spin_ns,
			.status_bit = 1u << i, /* QueueNotify: queue i */
		};
		struct vrq_notify_cfg q = k;

		q.shared = nsh(l, 2 * i + 1);
		q.fd = l->irq_fd[i];
		q.status_bit = VRQ_ISR_VRING;
		rc = vrq_notify_init(&l->kick[i], &k);
		if (rc)
			return rc;
		rc = vrq_notify_init(&l->irq[i], &q);
		if (rc)
			return rc;
	}
	return 0;
}

/* Both ends: notifiers, then the two memory maps (the whole region for
 * ring addresses, the buffer area alone for message buffers). */
static int finish(struct vrq_rpmsg_link *l)
{
	int rc = init_notifiers(l);

	if (!rc)
		rc = vrq_mem_add(&l->mem_all, 0, l->da_base, l->base, l->shm.size, 0);
	if (!rc)
		rc = vrq_mem_add(&l->mem_bufs, 1, l->da_base + l->off_bufs, l->base + l->off_bufs,
				 (uint64_t)(l->num_rx + l->num_tx) * l->cfg.buf_size, 0);
	return rc;
}

static uint64_t vring_bytes(uint16_t num, uint32_t align)
{
	struct vrq_split_layout sl;

	if (vrq_split_layout_legacy(num, align, &sl))
		return 0;
	return sl.used_off + sl.used_size;
}

int vrq_rpmsg_link_create(struct vrq_rpmsg_link *l, const struct vrq_rpmsg_link_cfg *cfg)
{
	struct vrq_shm_cfg sc;
	struct vrq_rsc_table *t;
	struct vrq_rsc_vdev *v;
	uint64_t rb, off, total;
	unsigned i;
	int rc;

	reset(l);
	l->cfg = *cfg;
	if (!l->cfg.qsize)
		l->cfg.qsize = 256;
	if (!l->cfg.align)
		l->cfg.align = PAGE;
	if (!l->cfg.buf_size)
		l->cfg.buf_size = VRQ_RPMSG_BUF_SIZE;
	if (!l->cfg.dfeatures)
		l->cfg.dfeatures = 1u << VRQ_RPMSG_F_NS;
	if (l->cfg.notify != VRQ_NOTIFY_HYBRID)
		l->cfg.block = l->cfg.notify;
	else if (l->cfg.block != VRQ_NOTIFY_FUTEX)
		l->cfg.block = VRQ_NOTIFY_EVENTFD;
	if ((unsigned)l->cfg.notify >= VRQ_NOTIFY_KIND_COUNT ||
	    l->cfg.buf_size <= VRQ_RPMSG_HDR_SIZE || l->cfg.buf_size > 0xFFFFu + VRQ_RPMSG_HDR_SIZE)
		return -EINVAL;
	rb = vring_bytes(l->cfg.qsize, l->cfg.align);
	if (!rb)
		return -EINVAL;
	l->da_base = cfg->da_base ? cfg->da_base : DEFAULT_DA_BASE;
	l->num_rx = l->num_tx = l->cfg.qsize < 256 ? l->cfg.qsize : 256;
	l->off_bufs = OFF_RINGS + 2 * align_up(rb, PAGE);
	total = align_up(l->off_bufs + (uint64_t)(l->num_rx + l->num_tx) * l->cfg.buf_size, PAGE);

	memset(&sc, 0, sizeof(sc));
	sc.size = (size_t)total;
	rc = vrq_shm_create(&l->shm, &sc);
	if (rc)
		return rc;
	l->base = l->shm.base;

	/* the resource table, as a remote firmware image provides it */
	t = (struct vrq_rsc_table *)(void *)l->base;
	t->ver = 1;
	t->num = 1;
	((uint32_t *)(void *)(t + 1))[0] = OFF_VDEV;
	v = l->vdev = (struct vrq_rsc_vdev *)(void *)(l->base + OFF_VDEV);
	v->type = VRQ_RSC_VDEV;
	v->id = VRQ_VIRTIO_ID_RPMSG;
	v->notifyid = 0;
	v->dfeatures = l->cfg.dfeatures;
	v->num_of_vrings = 2;
	for (i = 0, off = OFF_RINGS; i < 2; i++, off += align_up(rb, PAGE)) {
		struct vrq_rsc_vring *vr = vrq_rsc_vdev_vring(v, i);

		vr->da = (uint32_t)(l->da_base + off);
		vr->align = l->cfg.align;
		vr->num = l->cfg.qsize;
		vr->notifyid = i;
	}
	for (i = 0; i < 4; i++)
		vrq_notify_shared_init(nsh(l, i));
	if (vrq_notify_kind_needs_fd(l->cfg.notify, l->cfg.block))
		for (i = 0; i < 2; i++) {
			rc = vrq_notify_eventfd(&l->kick_fd[i]);
			if (!rc)
				rc = vrq_notify_eventfd(&l->irq_fd[i]);
			if (rc)
				goto fail;
		}
	rc = finish(l);
	if (rc)
		goto fail;
	return 0;
fail:
	vrq_rpmsg_link_destroy(l);
	return rc;
}

int vrq_rpmsg_link_attach(struct vrq_rpmsg_link *l, const struct vrq_rpmsg_link *h)
{
	unsigned i;
	int rc;

	reset(l);
	l->remote = true;
	l->cfg = h->cfg;
	l->da_base = h->da_base;
	l->off_bufs = h->off_bufs;
	l->num_rx = h->num_rx;
	l->num_tx = h->num_tx;
	rc = vrq_shm_attach_fd(&l->shm, h->shm.fd, h->shm.size, 0);
	if (rc)
		return rc;
	l->base = l->shm.base;
	l->vdev = (struct vrq_rsc_vdev *)(void *)(l->base + OFF_VDEV);
	for (i = 0; i < 2; i++) {
		if (h->kick_fd[i] >= 0 && ((l->kick_fd[i] = dup(h->kick_fd[i])) < 0 ||
					   (l->irq_fd[i] = dup(h->irq_fd[i])) < 0)) {
			rc = -errno;
			goto fail;
		}
	}
	rc = finish(l);
	if (rc)
		goto fail;
	return 0;
fail:
	vrq_rpmsg_link_destroy(l);
	return rc;
}

int vrq_rpmsg_link_watch(struct vrq_rpmsg_link *l, int pid)
{
	unsigned i;
	int rc;

	for (i = 0; i < 2; i++) {
		/* the receiving handles of this end */
		rc = vrq_notify_watch(l->remote ? &l->kick[i] : &l->irq[i], pid);
		if (rc)
			return rc;
	}
	return 0;
}

struct vrq_rpmsg *vrq_rpmsg_link_open(struct vrq_rpmsg_link *l, const struct vrq_rpmsg_cfg *extra,
				      uint64_t timeout_ns, int *err)
{
	struct vrq_rpmsg_cfg c;
	struct vrq_rpmsg *r;
	unsigned i;
	int rc, dummy;

	if (!err)
		err = &dummy;
	if (extra)
		c = *extra;
	else
		memset(&c, 0, sizeof(c));
	c.role = l->remote ? VRQ_RPMSG_REMOTE : VRQ_RPMSG_HOST;
	if (l->remote) {
		rc = vrq_rsc_wait_driver_ok(l->vdev, timeout_ns);
		if (rc) {
			*err = rc;
			return NULL;
		}
	}
	memset(c.vq, 0, sizeof(c.vq));
	rc = vrq_rpmsg_cfg_from_rsc(&c, l->vdev, &l->mem_all, 1u << VRQ_RPMSG_F_NS);
	if (rc) {
		*err = rc;
		return NULL;
	}
	for (i = 0; i < 2; i++) {
		c.vq[i].features = l->cfg.ring_features;
		c.vq[i].domain = VRQ_DOM_SMP;
		/* poll backend: neither end ever sleeps, so neither takes a
		 * notification decision (no full fence, no read of the peer's
		 * event area per publish; types.h "sticky poll") */
		if (l->cfg.notify == VRQ_NOTIFY_POLL)
			c.vq[i].flags |= VRQ_CFG_DEV_POLLS | VRQ_CFG_DRV_POLLS;
		c.vq[i].mem = &l->mem_bufs;
		c.kick[i] = &l->kick[i];
		c.irq[i] = &l->irq[i];
	}
	if (!l->remote) {
		c.bufs = l->base + l->off_bufs;
		c.bufs_da = l->da_base + l->off_bufs;
		c.bufs_flags = 0;
		c.buf_size = l->cfg.buf_size;
		c.num_rx = l->num_rx;
		c.num_tx = l->num_tx;
	}
	r = vrq_rpmsg_create(&c, err);
	if (r && !l->remote)
		vrq_rsc_set_status(l->vdev, VRQ_STATUS_ACKNOWLEDGE | VRQ_STATUS_DRIVER |
						    VRQ_STATUS_FEATURES_OK | VRQ_STATUS_DRIVER_OK);
	return r;
}

void vrq_rpmsg_link_close(struct vrq_rpmsg_link *l)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		vrq_notify_close(&l->kick[i], !l->remote);
		vrq_notify_close(&l->irq[i], l->remote);
	}
}

void vrq_rpmsg_link_destroy(struct vrq_rpmsg_link *l)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		if (l->kick[i].ops)
			vrq_notify_fini(&l->kick[i]);
		if (l->irq[i].ops)
			vrq_notify_fini(&l->irq[i]);
		if (l->kick_fd[i] >= 0)
			close(l->kick_fd[i]);
		if (l->irq_fd[i] >= 0)
			close(l->irq_fd[i]);
		l->kick_fd[i] = l->irq_fd[i] = -1;
	}
	if (l->shm.base)
		vrq_shm_destroy(&l->shm);
	l->base = NULL;
}
