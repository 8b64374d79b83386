/* SPDX-License-Identifier: MIT */
/*
 * transports/mmio/mmio.c - virtio-mmio v2 over plain shared memory: the
 * device's register state machine and the driver's initialisation,
 * interrupts and configuration access (see include/vrq/mmio.h).
 *
 * Ownership of the shared words:
 *   registers        written by the device only (it stores what the driver
 *                    wrote through the mailbox once it accepted it), except
 *                    QueueNotify (driver, posted), InterruptStatus (device
 *                    sets bits, driver clears them: the ACK), InterruptACK
 *                    (driver) and the config window (both, shared mode)
 *   ext.req_*        driver;  ext.ack_seq, ext.drv_events: device
 *   ext.dev_events   driver ORs bits in, device exchanges them out
 *
 * Ordering points:
 *   M1 driver: req_off/req_val, then req_seq (release)   pairs with M2
 *   M2 device: req_seq (acquire), then req_off/req_val   pairs with M1
 *   M3 device: register stores, then ack_seq (release)   pairs with M4
 *   M4 driver: ack_seq (acquire), then register reads    pairs with M3
 *   E1 driver: ring publish / mailbox, then dev_events OR (seq_cst)  pairs with E2
 *   E2 device: dev_events exchange (seq_cst), then mailbox / rings   pairs with E1
 *   L1 device: used publish, then InterruptStatus OR (seq_cst)  pairs with L2
 *   L2 driver: InterruptStatus and-not (seq_cst ACK), then the scan  pairs with L1
 *   G1 device: generation odd, release fence, window stores     pairs with G2
 *   G2 driver: window loads, acquire fence, generation reload   pairs with G1
 *   G3 device: window stores, then generation even (release)    pairs with G4
 *   G4 driver: generation (acquire), then window loads          pairs with G3
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vrq/mmio.h"

#define DEFAULT_ACK_TIMEOUT_NS 1000000000ull
#define STATUS_KNOWN                                                                         \
	(VRQ_STATUS_ACKNOWLEDGE | VRQ_STATUS_DRIVER | VRQ_STATUS_DRIVER_OK |                 \
	 VRQ_STATUS_FEATURES_OK | VRQ_STATUS_FAILED)
/* feature bits the ring layer acts on */
#define RING_FEATURES                                                                        \
	(VRQ_FEATURE(VRQ_F_VERSION_1) | VRQ_FEATURE(VRQ_F_EVENT_IDX) |                       \
	 VRQ_FEATURE(VRQ_F_INDIRECT_DESC) | VRQ_FEATURE(VRQ_F_IN_ORDER) |                    \
	 VRQ_FEATURE(VRQ_F_NOTIFICATION_DATA) | VRQ_FEATURE(VRQ_F_RING_PACKED))

static const char *const bad_names[VRQ_MMIO_BAD_COUNT] = {
	[VRQ_MMIO_BAD_OFFSET] = "offset",
	[VRQ_MMIO_BAD_STATUS] = "status",
	[VRQ_MMIO_BAD_FEATURES] = "features",
	[VRQ_MMIO_BAD_QUEUE_SEL] = "queue-sel",
	[VRQ_MMIO_BAD_QUEUE_NUM] = "queue-num",
	[VRQ_MMIO_BAD_QUEUE_LIVE] = "queue-live",
	[VRQ_MMIO_BAD_QUEUE_ALIGN] = "queue-align",
	[VRQ_MMIO_BAD_QUEUE_ADDR] = "queue-addr",
	[VRQ_MMIO_BAD_QUEUE_RESET] = "queue-reset",
	[VRQ_MMIO_BAD_CONFIG] = "config",
	[VRQ_MMIO_BAD_RING] = "ring",
};

const char *vrq_mmio_bad_name(enum vrq_mmio_bad b)
{
	return (unsigned)b < VRQ_MMIO_BAD_COUNT ? bad_names[b] : "unknown";
}

/* ---- shared-word access ----------------------------------------------------- */

static inline uint32_t *reg_p(struct vrq_mmio_shared *sh, uint32_t off)
{
	return (uint32_t *)((uint8_t *)&sh->regs + off);
}

static inline uint32_t reg_ld(struct vrq_mmio_shared *sh, uint32_t off)
{
	return vrq_le32_to_cpu(__atomic_load_n(reg_p(sh, off), __ATOMIC_ACQUIRE));
}

static inline void reg_st(struct vrq_mmio_shared *sh, uint32_t off, uint32_t v)
{
	__atomic_store_n(reg_p(sh, off), vrq_cpu_to_le32(v), __ATOMIC_RELEASE);
}

static bool is_pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* ---- channels ------------------------------------------------------------ */

static enum vrq_notify_kind block_kind(const struct vrq_mmio_chan_cfg *c)
{
	return c->hybrid_block == VRQ_NOTIFY_FUTEX ? VRQ_NOTIFY_FUTEX : VRQ_NOTIFY_EVENTFD;
}

static int chan_check(const struct vrq_mmio_chan_cfg *c)
{
	if (c->notify != VRQ_NOTIFY_POLL && c->notify != VRQ_NOTIFY_EVENTFD &&
	    c->notify != VRQ_NOTIFY_FUTEX && c->notify != VRQ_NOTIFY_HYBRID)
		return -VRQ_EINVAL; /* legacy interrupts are chan.irq, not a backend */
	if (c->irq != VRQ_MMIO_IRQ_LEGACY && c->irq != VRQ_MMIO_IRQ_VECTORS)
		return -VRQ_EINVAL;
	/* a polled line has no level to sleep on: legacy needs a blocking kind */
	if (c->irq == VRQ_MMIO_IRQ_LEGACY && c->notify == VRQ_NOTIFY_POLL)
		return -VRQ_EINVAL;
	if (vrq_notify_kind_needs_fd(c->notify, block_kind(c)) && !c->fds)
		return -VRQ_EINVAL;
	return 0;
}

static int chan_init(struct vrq_notifier *n, struct vrq_mmio_shared *sh,
		     const struct vrq_mmio_chan_cfg *c, unsigned ch, bool receiver)
{
	struct vrq_notify_cfg nc;

	memset(&nc, 0, sizeof(nc));
	nc.kind = c->notify;
	nc.shared = &sh->ch[ch];
	nc.fd = c->fds ? c->fds[ch] : -1;
	nc.block = block_kind(c);
	nc.spin_ns = c->spin_ns;
	nc.peer_pid = receiver ? c->peer_pid : 0;
	return vrq_notify_init(n, &nc);
}

int vrq_mmio_fds_create(int *fds, const struct vrq_mmio_chan_cfg *c)
{
	unsigned i;
	int rc;

	for (i = 0; i < VRQ_MMIO_NCHAN; i++)
		fds[i] = -1;
	if (!vrq_notify_kind_needs_fd(c->notify, block_kind(c)))
		return 0;
	for (i = 0; i < VRQ_MMIO_NCHAN; i++) {
		rc = vrq_notify_eventfd(&fds[i]);
		if (rc < 0) {
			vrq_mmio_fds_close(fds);
			return rc;
		}
	}
	return 0;
}

void vrq_mmio_fds_close(int *fds)
{
	unsigned i;

	for (i = 0; i < VRQ_MMIO_NCHAN; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

void vrq_mmio_shared_init(struct vrq_mmio_shared *sh)
{
	unsigned i;

	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < VRQ_MMIO_NCHAN; i++)
		vrq_notify_shared_init(&sh->ch[i]);
}

/* Control queue geometry: both sides compute it from their own mapping. */
static int ctl_areas(struct vrq_mmio_shared *sh, bool evt, struct vrq_vq_areas *a)
{
	struct vrq_split_layout l;

	if (vrq_split_layout_calc(VRQ_MMIO_CTLQ_SIZE, 64, &l) || l.total > 1024)
		return -VRQ_EINVAL;
	*a = vrq_vq_split_areas(evt ? sh->ext.ctl_evt_ring : sh->ext.ctl_req_ring, &l);
	return 0;
}

static void ctl_vq_cfg(struct vrq_mmio_shared *sh, bool evt, enum vrq_domain dom,
		       const struct vrq_mem *mem, struct vrq_vq_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = VRQ_RING_SPLIT;
	c->size = VRQ_MMIO_CTLQ_SIZE;
	c->features = VRQ_FEATURE(VRQ_F_VERSION_1);
	c->domain = dom;
	c->mem = mem;
	(void)ctl_areas(sh, evt, &c->areas);
}

static void ctl_mem_init(struct vrq_mmio_shared *sh, struct vrq_mem *m)
{
	vrq_mem_init(m);
	(void)vrq_mem_add(m, 0, VRQ_MMIO_CTL_DA, sh->ext.ctl_slots, sizeof(sh->ext.ctl_slots),
			  VRQ_MEM_COHERENT);
}

/* =========================================================================
 * Device
 * ========================================================================= */

static void dev_raise_config(struct vrq_mmio_dev *d)
{
	if (d->cfg.chan.irq == VRQ_MMIO_IRQ_LEGACY) {
		/* L1 (config bit): pairs with L2 in the driver's handler */
		uint32_t old = __atomic_fetch_or(reg_p(d->sh, VRQ_MMIO_INTERRUPT_STATUS),
						 vrq_cpu_to_le32(VRQ_MMIO_INT_CONFIG),
						 __ATOMIC_SEQ_CST);
		if (old) {
			d->st.irqs_coalesced++;
			return;
		}
	} else {
		/* pairs with the exchange in vrq_mmio_drv_config_changed() */
		__atomic_fetch_or(&d->sh->ext.drv_events, VRQ_MMIO_INT_CONFIG, __ATOMIC_SEQ_CST);
	}
	d->st.irqs_raised++;
	(void)vrq_notify_signal(&d->line);
}

static void dev_store_status(struct vrq_mmio_dev *d)
{
	reg_st(d->sh, VRQ_MMIO_STATUS, d->status);
}

/* DEVICE_NEEDS_RESET (once), with a configuration change. */
static void dev_set_needs_reset(struct vrq_mmio_dev *d)
{
	unsigned i;

	if (d->status & VRQ_STATUS_DEVICE_NEEDS_RESET)
		return;
	d->status |= VRQ_STATUS_DEVICE_NEEDS_RESET;
	d->st.needs_reset++;
	dev_store_status(d);
	dev_raise_config(d);
	/* vectors: a driver asleep on a queue vector must hear it too */
	if (d->cfg.chan.irq == VRQ_MMIO_IRQ_VECTORS)
		for (i = 0; i < d->cfg.nqueues; i++)
			if (d->q[i].live)
				(void)vrq_notify_signal(&d->vec[i]);
}

/* Nonsense from the driver: counted, DEVICE_NEEDS_RESET. */
static int dev_bad(struct vrq_mmio_dev *d, enum vrq_mmio_bad why)
{
	d->st.bad[why]++;
	d->last_bad = why;
	dev_set_needs_reset(d);
	return -VRQ_EINVAL;
}

static void dev_queue_drop(struct vrq_mmio_dev_queue *q)
{
	if (q->live || q->ready)
		vrq_vq_dev_fini(&q->vq);
	q->live = q->ready = false;
}

static void dev_refresh_queue_regs(struct vrq_mmio_dev *d)
{
	bool ok = d->qsel < d->cfg.nqueues;
	const struct vrq_mmio_dev_queue *q = ok ? &d->q[d->qsel] : NULL;

	reg_st(d->sh, VRQ_MMIO_QUEUE_NUM_MAX, ok ? d->cfg.queue_num_max : 0);
	reg_st(d->sh, VRQ_MMIO_QUEUE_READY, q && q->ready ? 1 : 0);
	reg_st(d->sh, VRQ_MMIO_QUEUE_RESET, q && q->reset ? 1 : 0);
}

static void dev_ctl_stop(struct vrq_mmio_dev *d)
{
	if (d->ctl_live) {
		vrq_vq_dev_fini(&d->ctl_req);
		vrq_vq_dev_fini(&d->ctl_evt);
	}
	d->ctl_live = false;
	d->ctl_dirty = 0;
	d->ctl_sync = false;
}

static void dev_reset(struct vrq_mmio_dev *d)
{
	unsigned i;

	for (i = 0; i < VRQ_MMIO_MAX_QUEUES; i++) {
		dev_queue_drop(&d->q[i]);
		memset(&d->q[i], 0, sizeof(d->q[i]));
	}
	dev_ctl_stop(d);
	d->drv_features = d->features = 0;
	d->status = 0;
	d->dfsel = d->drfsel = d->qsel = 0;
	d->pending_events = 0;
	reg_st(d->sh, VRQ_MMIO_DEVICE_FEATURES_SEL, 0);
	reg_st(d->sh, VRQ_MMIO_DEVICE_FEATURES, (uint32_t)d->offered);
	reg_st(d->sh, VRQ_MMIO_DRIVER_FEATURES_SEL, 0);
	reg_st(d->sh, VRQ_MMIO_DRIVER_FEATURES, 0);
	reg_st(d->sh, VRQ_MMIO_QUEUE_SEL, 0);
	dev_refresh_queue_regs(d);
	reg_st(d->sh, VRQ_MMIO_INTERRUPT_STATUS, 0);
	__atomic_store_n(&d->sh->ext.drv_events, 0, __ATOMIC_RELEASE);
	dev_store_status(d);
	d->st.resets++;
}

static void dev_queue_regs_ready(struct vrq_mmio_dev *d, unsigned qi)
{
	if (qi == d->qsel)
		dev_refresh_queue_regs(d);
}

/* QueueReady 1: validate everything the driver wrote for the queue. */
static int dev_queue_enable(struct vrq_mmio_dev *d, unsigned qi)
{
	struct vrq_mmio_dev_queue *q = &d->q[qi];
	bool packed = d->features & VRQ_FEATURE(VRQ_F_RING_PACKED);
	uint64_t dsz, drsz, dvsz;
	struct vrq_vq_cfg c;

	if (!(d->status & VRQ_STATUS_FEATURES_OK))
		return dev_bad(d, VRQ_MMIO_BAD_STATUS);
	if (q->num == 0 || q->num > d->cfg.queue_num_max || (!packed && !is_pow2(q->num)))
		return dev_bad(d, VRQ_MMIO_BAD_QUEUE_NUM);
	dsz = 16ull * q->num;
	drsz = packed ? 4 : 6 + 2ull * q->num;
	dvsz = packed ? 4 : 6 + 8ull * q->num;
	/* split-ring.tex / packed-ring.tex "Virtqueue alignment" */
	if ((q->desc & 15) || (q->driver & (packed ? 3 : 1)) || (q->device & 3))
		return dev_bad(d, VRQ_MMIO_BAD_QUEUE_ALIGN);
	memset(&c, 0, sizeof(c));
	c.kind = packed ? VRQ_RING_PACKED : VRQ_RING_SPLIT;
	c.size = (uint16_t)q->num;
	c.features = d->features & RING_FEATURES;
	c.domain = d->cfg.domain;
	c.mem = d->cfg.mem;
	c.areas.desc = vrq_mem_da_to_va(d->cfg.mem, q->desc, dsz);
	c.areas.driver = vrq_mem_da_to_va(d->cfg.mem, q->driver, drsz);
	c.areas.device = vrq_mem_da_to_va(d->cfg.mem, q->device, dvsz);
	if (!c.areas.desc || !c.areas.driver || !c.areas.device)
		return dev_bad(d, VRQ_MMIO_BAD_QUEUE_ADDR);
	if (vrq_vq_dev_init(&q->vq, &c) < 0) /* overlapping areas */
		return dev_bad(d, VRQ_MMIO_BAD_QUEUE_ADDR);
	q->ready = true;
	q->reset = false;
	q->live = !!(d->status & VRQ_STATUS_DRIVER_OK);
	/* kicks stay off until vrq_mmio_dev_wait() arms them */
	vrq_vq_dev_disable_kick(&q->vq);
	dev_queue_regs_ready(d, qi);
	return 0;
}

static void dev_ctl_start(struct vrq_mmio_dev *d)
{
	struct vrq_vq_cfg c;

	dev_ctl_stop(d);
	ctl_mem_init(d->sh, &d->ctl_mem);
	ctl_vq_cfg(d->sh, false, d->cfg.domain, &d->ctl_mem, &c);
	if (vrq_vq_dev_init(&d->ctl_req, &c) < 0)
		return;
	ctl_vq_cfg(d->sh, true, d->cfg.domain, &d->ctl_mem, &c);
	if (vrq_vq_dev_init(&d->ctl_evt, &c) < 0) {
		vrq_vq_dev_fini(&d->ctl_req);
		return;
	}
	vrq_vq_dev_disable_kick(&d->ctl_req);
	vrq_vq_dev_disable_kick(&d->ctl_evt);
	d->ctl_live = true;
}

static int dev_status(struct vrq_mmio_dev *d, uint32_t val)
{
	uint32_t old = d->status & ~(uint32_t)VRQ_STATUS_DEVICE_NEEDS_RESET;
	uint32_t nv = val & ~(uint32_t)VRQ_STATUS_DEVICE_NEEDS_RESET;
	uint32_t set = nv & ~old;
	unsigned i;

	if (val == 0) {
		dev_reset(d);
		return 0;
	}
	if (nv & ~(uint32_t)STATUS_KNOWN)
		return dev_bad(d, VRQ_MMIO_BAD_STATUS);
	if (old & ~nv) /* bits cleared without a reset: Status going backwards */
		return dev_bad(d, VRQ_MMIO_BAD_STATUS);
	/* 3.1.1 "Driver Requirements: Device Initialization": the order */
	if (((nv & VRQ_STATUS_DRIVER) && !(nv & VRQ_STATUS_ACKNOWLEDGE)) ||
	    ((nv & VRQ_STATUS_FEATURES_OK) && !(nv & VRQ_STATUS_DRIVER)) ||
	    ((nv & VRQ_STATUS_DRIVER_OK) && !(nv & VRQ_STATUS_FEATURES_OK)))
		return dev_bad(d, VRQ_MMIO_BAD_STATUS);
	if (d->status & VRQ_STATUS_DEVICE_NEEDS_RESET) {
		/* only FAILED (or a reset) means anything now */
		d->status |= set & VRQ_STATUS_FAILED;
		dev_store_status(d);
		return 0;
	}
	if ((set & VRQ_STATUS_ACKNOWLEDGE) && d->cfg.cfg_mode == VRQ_MMIO_CFG_MSG)
		dev_ctl_start(d);
	if (set & VRQ_STATUS_FEATURES_OK) {
		uint64_t f = d->drv_features;

		if ((f & ~d->offered) || !(f & VRQ_FEATURE(VRQ_F_VERSION_1)) ||
		    (d->cfg.features_ok && d->cfg.features_ok(d->cfg.ctx, f) != 0)) {
			/* refused: FEATURES_OK stays clear (3.1.1 step 6) */
			nv &= ~(uint32_t)VRQ_STATUS_FEATURES_OK;
			d->st.features_refused++;
		} else {
			d->features = f;
		}
	}
	d->status = nv;
	if (set & VRQ_STATUS_DRIVER_OK)
		for (i = 0; i < d->cfg.nqueues; i++)
			if (d->q[i].ready)
				d->q[i].live = true;
	dev_store_status(d);
	return 0;
}

static struct vrq_mmio_dev_queue *dev_selq(struct vrq_mmio_dev *d, bool writable)
{
	struct vrq_mmio_dev_queue *q;

	if (d->qsel >= d->cfg.nqueues) {
		dev_bad(d, VRQ_MMIO_BAD_QUEUE_SEL);
		return NULL;
	}
	q = &d->q[d->qsel];
	if (writable && q->ready) {
		dev_bad(d, VRQ_MMIO_BAD_QUEUE_LIVE);
		return NULL;
	}
	return q;
}

static void set_lo(uint64_t *a, uint32_t v)
{
	*a = (*a & 0xffffffff00000000ull) | v;
}

static void set_hi(uint64_t *a, uint32_t v)
{
	*a = (*a & 0xffffffffull) | ((uint64_t)v << 32);
}

int vrq_mmio_dev_handle_write(struct vrq_mmio_dev *d, uint32_t off, uint32_t val)
{
	struct vrq_mmio_dev_queue *q;
	unsigned shift;

	d->st.reg_writes++;
	if ((d->status & VRQ_STATUS_DEVICE_NEEDS_RESET) && off != VRQ_MMIO_STATUS)
		return -VRQ_EINVAL; /* ignored until the reset */
	switch (off) {
	case VRQ_MMIO_STATUS:
		return dev_status(d, val);
	case VRQ_MMIO_DEVICE_FEATURES_SEL:
		d->dfsel = val;
		reg_st(d->sh, off, val);
		/* selectors past the 64 bits we have read as 0 */
		reg_st(d->sh, VRQ_MMIO_DEVICE_FEATURES,
		       val < 2 ? (uint32_t)(d->offered >> (32 * val)) : 0);
		return 0;
	case VRQ_MMIO_DRIVER_FEATURES_SEL:
		d->drfsel = val;
		reg_st(d->sh, off, val);
		return 0;
	case VRQ_MMIO_DRIVER_FEATURES:
		if (d->status & VRQ_STATUS_FEATURES_OK)
			return dev_bad(d, VRQ_MMIO_BAD_FEATURES);
		if (d->drfsel >= 2) {
			if (val)
				return dev_bad(d, VRQ_MMIO_BAD_FEATURES);
			return 0;
		}
		shift = 32 * d->drfsel;
		d->drv_features = (d->drv_features & ~(0xffffffffull << shift)) |
				  ((uint64_t)val << shift);
		reg_st(d->sh, off, val);
		return 0;
	case VRQ_MMIO_QUEUE_SEL:
		d->qsel = val;
		reg_st(d->sh, off, val);
		dev_refresh_queue_regs(d);
		return 0;
	case VRQ_MMIO_QUEUE_NUM:
		q = dev_selq(d, true);
		if (!q)
			return -VRQ_EINVAL;
		if (val == 0 || val > d->cfg.queue_num_max)
			return dev_bad(d, VRQ_MMIO_BAD_QUEUE_NUM);
		q->num = val;
		reg_st(d->sh, off, val);
		return 0;
	case VRQ_MMIO_QUEUE_DESC_LOW:
	case VRQ_MMIO_QUEUE_DESC_HIGH:
	case VRQ_MMIO_QUEUE_DRIVER_LOW:
	case VRQ_MMIO_QUEUE_DRIVER_HIGH:
	case VRQ_MMIO_QUEUE_DEVICE_LOW:
	case VRQ_MMIO_QUEUE_DEVICE_HIGH: {
		uint64_t *a;

		q = dev_selq(d, true);
		if (!q)
			return -VRQ_EINVAL;
		a = off < VRQ_MMIO_QUEUE_DRIVER_LOW	? &q->desc
		    : off < VRQ_MMIO_QUEUE_DEVICE_LOW ? &q->driver
							: &q->device;
		if (off & 4)
			set_hi(a, val);
		else
			set_lo(a, val);
		reg_st(d->sh, off, val);
		return 0;
	}
	case VRQ_MMIO_QUEUE_READY:
		q = dev_selq(d, false);
		if (!q)
			return -VRQ_EINVAL;
		if (val == 1) {
			if (q->ready)
				return 0;
			return dev_queue_enable(d, d->qsel);
		}
		if (val != 0)
			return dev_bad(d, VRQ_MMIO_BAD_QUEUE_LIVE);
		dev_queue_drop(q);
		dev_refresh_queue_regs(d);
		return 0;
	case VRQ_MMIO_QUEUE_RESET:
		if (!(d->features & VRQ_FEATURE(VRQ_F_RING_RESET)) || val != 1)
			return dev_bad(d, VRQ_MMIO_BAD_QUEUE_RESET);
		q = dev_selq(d, false);
		if (!q)
			return -VRQ_EINVAL;
		/* 4.2.3.1 / "Virtqueue Reset": the queue stops, its buffers are
		 * the driver's again; QueueReset reads 1 until re-enabled */
		dev_queue_drop(q);
		q->num = 0;
		q->desc = q->driver = q->device = 0;
		q->reset = true;
		d->st.queue_resets++;
		dev_refresh_queue_regs(d);
		return 0;
	case VRQ_MMIO_SHM_SEL:
		reg_st(d->sh, off, val);
		/* no shared memory regions: length reads as -1 */
		reg_st(d->sh, VRQ_MMIO_SHM_LEN_LOW, 0xffffffffu);
		reg_st(d->sh, VRQ_MMIO_SHM_LEN_HIGH, 0xffffffffu);
		reg_st(d->sh, VRQ_MMIO_SHM_BASE_LOW, 0xffffffffu);
		reg_st(d->sh, VRQ_MMIO_SHM_BASE_HIGH, 0xffffffffu);
		return 0;
	case VRQ_MMIO_QUEUE_NOTIFY:
		if (val < d->cfg.nqueues)
			d->pending_events |= VRQ_MMIO_EV_QUEUE(val);
		return 0;
	default:
		return dev_bad(d, VRQ_MMIO_BAD_OFFSET);
	}
}

static void dev_serve_mailbox(struct vrq_mmio_dev *d)
{
	struct vrq_mmio_ext *x = &d->sh->ext;
	/* M2: pairs with M1 in vrq_mmio_drv_write() */
	uint32_t seq = __atomic_load_n(&x->req_seq, __ATOMIC_ACQUIRE);
	uint32_t off, val;

	if (seq == __atomic_load_n(&x->ack_seq, __ATOMIC_RELAXED))
		return;
	off = __atomic_load_n(&x->req_off, __ATOMIC_RELAXED);
	val = __atomic_load_n(&x->req_val, __ATOMIC_RELAXED);
	(void)vrq_mmio_dev_handle_write(d, off, val);
	/* M3: the register stores above, then the ack; pairs with M4 */
	__atomic_store_n(&x->ack_seq, seq, __ATOMIC_RELEASE);
	(void)vrq_notify_signal(&d->ack);
}

/* ---- configuration, device side ------------------------------------------ */

static void dev_window_write(struct vrq_mmio_dev *d, uint32_t off, const uint8_t *b, uint32_t len)
{
	uint32_t g = vrq_le32_to_cpu(
		__atomic_load_n(&d->sh->regs.config_generation, __ATOMIC_RELAXED));
	uint32_t i;

#ifndef VRQ_MMIO_MUTANT_NO_ODD
	if (g & 1)
		g++; /* never leave it odd from a previous life */
	__atomic_store_n(&d->sh->regs.config_generation, vrq_cpu_to_le32(g + 1),
			 __ATOMIC_RELAXED);
	/* G1: the odd mark before the data; pairs with G2 in the reader */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (i = 0; i < len; i++)
		__atomic_store_n(&d->sh->regs.config[off + i], b[i], __ATOMIC_RELAXED);
	/* G3: the data before the even value; pairs with G4 */
	__atomic_store_n(&d->sh->regs.config_generation, vrq_cpu_to_le32(g + 2),
			 __ATOMIC_RELEASE);
#else
	/* mutant: one increment after the update (the generation rule of a
	 * transport whose hypervisor sees reads), no odd phase */
	for (i = 0; i < len; i++)
		__atomic_store_n(&d->sh->regs.config[off + i], b[i], __ATOMIC_RELAXED);
	__atomic_store_n(&d->sh->regs.config_generation, vrq_cpu_to_le32(g + 1),
			 __ATOMIC_RELEASE);
#endif
}

static void dev_ctl_flush(struct vrq_mmio_dev *d)
{
	struct vrq_seg seg[2];
	struct vrq_chain c;
	bool sent = false;
	int rc;

	if (!d->ctl_live)
		return;
	while (d->ctl_dirty || d->ctl_sync) {
		struct vrq_mmio_cfg_msg m;

		vrq_chain_init(&c, seg, 2);
		rc = vrq_vq_dev_pop(&d->ctl_evt, &c);
		if (rc != 1) {
			if (rc < 0)
				dev_bad(d, VRQ_MMIO_BAD_RING);
			break;
		}
		if (c.n != 1 || !(seg[0].flags & VRQ_SEG_WRITE) || seg[0].len < sizeof(m)) {
			dev_bad(d, VRQ_MMIO_BAD_CONFIG);
			(void)vrq_vq_dev_push(&d->ctl_evt, c.head, 0);
			break;
		}
		memset(&m, 0, sizeof(m));
		if (d->ctl_dirty) {
			unsigned k = (unsigned)__builtin_ctz(d->ctl_dirty);
			uint32_t off = 8 * k, n = d->cfg.config_size - off;

			if (n > 8)
				n = 8;
			d->ctl_dirty &= ~(1u << k);
			m.op = vrq_cpu_to_le16(VRQ_MMIO_MSG_UPDATE);
			m.off = vrq_cpu_to_le16((uint16_t)off);
			m.size = vrq_cpu_to_le16((uint16_t)n);
			memcpy(m.val, d->config + off, n);
		} else {
			m.op = vrq_cpu_to_le16(VRQ_MMIO_MSG_SYNC_DONE);
			m.size = vrq_cpu_to_le16((uint16_t)d->cfg.config_size);
			d->ctl_sync = false;
		}
		memcpy(seg[0].va, &m, sizeof(m));
		(void)vrq_vq_dev_push(&d->ctl_evt, c.head, sizeof(m));
		d->st.config_updates++;
		sent = true;
	}
	if (sent) {
		vrq_vq_dev_publish(&d->ctl_evt);
		dev_raise_config(d);
	}
}

static void dev_mark_dirty(struct vrq_mmio_dev *d, uint32_t off, uint32_t len)
{
	uint32_t k;

	for (k = off / 8; k * 8 < off + len; k++)
		d->ctl_dirty |= 1u << k;
}

static void dev_ctl_requests(struct vrq_mmio_dev *d)
{
	struct vrq_seg seg[2];
	struct vrq_chain c;
	int rc;

	if (!d->ctl_live)
		return;
	for (;;) {
		struct vrq_mmio_cfg_msg m;
		uint32_t op, off, n;

		vrq_chain_init(&c, seg, 2);
		rc = vrq_vq_dev_pop(&d->ctl_req, &c);
		if (rc != 1) {
			if (rc < 0)
				dev_bad(d, VRQ_MMIO_BAD_RING);
			break;
		}
		if (c.n != 1 || (seg[0].flags & VRQ_SEG_WRITE) || seg[0].len != sizeof(m)) {
			dev_bad(d, VRQ_MMIO_BAD_CONFIG);
			(void)vrq_vq_dev_push(&d->ctl_req, c.head, 0);
			continue;
		}
		memcpy(&m, seg[0].va, sizeof(m)); /* one snapshot of untrusted bytes */
		op = vrq_le16_to_cpu(m.op);
		off = vrq_le16_to_cpu(m.off);
		n = vrq_le16_to_cpu(m.size);
		if (op == VRQ_MMIO_MSG_WRITE && n >= 1 && n <= 8 && off < d->cfg.config_size &&
		    n <= d->cfg.config_size - off) {
			memcpy(d->config + off, m.val, n);
			d->st.config_writes++;
			if (d->cfg.config_written)
				d->cfg.config_written(d->cfg.ctx, off, n);
		} else if (op == VRQ_MMIO_MSG_SYNC) {
			if (d->cfg.config_size)
				dev_mark_dirty(d, 0, d->cfg.config_size);
			d->ctl_sync = true;
		} else {
			dev_bad(d, VRQ_MMIO_BAD_CONFIG);
		}
		(void)vrq_vq_dev_push(&d->ctl_req, c.head, 0);
	}
	vrq_vq_dev_publish(&d->ctl_req);
	dev_ctl_flush(d);
}

/* Shared mode: the driver wrote into the window; find what changed. */
static void dev_window_changed(struct vrq_mmio_dev *d)
{
	uint32_t i, start = 0;
	bool run = false, bad = false;

	for (i = 0; i <= VRQ_MMIO_CONFIG_MAX; i++) {
		bool diff = false;

		if (i < VRQ_MMIO_CONFIG_MAX) {
			uint8_t b = __atomic_load_n(&d->sh->regs.config[i], __ATOMIC_RELAXED);

			diff = b != d->config[i];
			if (diff && i >= d->cfg.config_size) {
				/* outside the device's space: put it back */
				__atomic_store_n(&d->sh->regs.config[i], d->config[i],
						 __ATOMIC_RELAXED);
				bad = true;
				diff = false;
			} else if (diff) {
				d->config[i] = b;
			}
		}
		if (diff && !run) {
			start = i;
			run = true;
		} else if (!diff && run) {
			run = false;
			d->st.config_writes++;
			if (d->cfg.config_written)
				d->cfg.config_written(d->cfg.ctx, start, i - start);
		}
	}
	if (bad)
		dev_bad(d, VRQ_MMIO_BAD_CONFIG);
}

int vrq_mmio_dev_config_write(struct vrq_mmio_dev *d, uint32_t off, const void *buf,
			      uint32_t len)
{
	if (off > d->cfg.config_size || len > d->cfg.config_size - off || (len && !buf))
		return -VRQ_EINVAL;
	memcpy(d->config + off, buf, len);
	if (d->cfg.cfg_mode == VRQ_MMIO_CFG_SHARED) {
		dev_window_write(d, off, (const uint8_t *)buf, len);
		d->st.config_updates++;
		dev_raise_config(d);
	} else {
		dev_mark_dirty(d, off, len);
		dev_ctl_flush(d);
	}
	return 0;
}

/* ---- device init, wait ---------------------------------------------------- */

int vrq_mmio_dev_init(struct vrq_mmio_dev *d, const struct vrq_mmio_dev_cfg *cfg)
{
	struct vrq_mmio_shared *sh;
	unsigned i;
	int rc;

	if (!d || !cfg || !cfg->sh || !cfg->mem)
		return -VRQ_EINVAL;
	memset(d, 0, sizeof(*d));
	if (cfg->nqueues < 1 || cfg->nqueues > VRQ_MMIO_MAX_QUEUES || cfg->queue_num_max < 1 ||
	    cfg->queue_num_max > VRQ_QUEUE_SIZE_MAX || cfg->config_size > VRQ_MMIO_CONFIG_MAX ||
	    (cfg->cfg_mode != VRQ_MMIO_CFG_SHARED && cfg->cfg_mode != VRQ_MMIO_CFG_MSG))
		return -VRQ_EINVAL;
	rc = chan_check(&cfg->chan);
	if (rc)
		return rc;
	d->cfg = *cfg;
	d->wake_mask = UINT32_MAX;
	d->sh = sh = cfg->sh;
	d->offered = cfg->features | VRQ_FEATURE(VRQ_F_VERSION_1);
	if (cfg->config_init)
		memcpy(d->config, cfg->config_init, cfg->config_size);
	rc = chan_init(&d->doorbell, sh, &cfg->chan, VRQ_MMIO_CH_DOORBELL, true);
	if (!rc)
		rc = chan_init(&d->ack, sh, &cfg->chan, VRQ_MMIO_CH_ACK, false);
	if (!rc)
		rc = chan_init(&d->line, sh, &cfg->chan, VRQ_MMIO_CH_LINE, false);
	for (i = 0; !rc && i < cfg->nqueues; i++)
		rc = chan_init(&d->vec[i], sh, &cfg->chan, VRQ_MMIO_CH_VEC0 + i, false);
	if (rc) {
		vrq_mmio_dev_fini(d);
		return rc;
	}
	reg_st(sh, VRQ_MMIO_VERSION, VRQ_MMIO_VERSION_2);
	reg_st(sh, VRQ_MMIO_DEVICE_ID, cfg->device_id);
	reg_st(sh, VRQ_MMIO_VENDOR_ID, cfg->vendor_id);
	/* the mailbox starts where the shared block says (a restarted device
	 * keeps the sequence the driver continues) */
	__atomic_store_n(&sh->ext.ack_seq, __atomic_load_n(&sh->ext.req_seq, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	if (cfg->cfg_mode == VRQ_MMIO_CFG_SHARED) {
		for (i = 0; i < VRQ_MMIO_CONFIG_MAX; i++)
			__atomic_store_n(&sh->regs.config[i], d->config[i], __ATOMIC_RELAXED);
		__atomic_store_n(&sh->regs.config_generation, 0, __ATOMIC_RELEASE);
	}
	dev_reset(d);
	d->st.resets = 0;
	/* last: a driver that sees the magic sees everything above */
	reg_st(sh, VRQ_MMIO_MAGIC_VALUE, VRQ_MMIO_MAGIC);
	return 0;
}

void vrq_mmio_dev_fini(struct vrq_mmio_dev *d)
{
	unsigned i;

	for (i = 0; i < VRQ_MMIO_MAX_QUEUES; i++)
		dev_queue_drop(&d->q[i]);
	dev_ctl_stop(d);
	if (d->doorbell.ops)
		vrq_notify_fini(&d->doorbell);
	if (d->ack.ops)
		vrq_notify_fini(&d->ack);
	if (d->line.ops)
		vrq_notify_fini(&d->line);
	for (i = 0; i < VRQ_MMIO_MAX_QUEUES; i++)
		if (d->vec[i].ops)
			vrq_notify_fini(&d->vec[i]);
}

struct vrq_vq_dev *vrq_mmio_dev_vq(struct vrq_mmio_dev *d, unsigned q)
{
	return q < d->cfg.nqueues && d->q[q].live ? &d->q[q].vq : NULL;
}

bool vrq_mmio_dev_needs_reset(const struct vrq_mmio_dev *d)
{
	return !!(d->status & VRQ_STATUS_DEVICE_NEEDS_RESET);
}

int vrq_mmio_dev_poll(struct vrq_mmio_dev *d)
{
	/* E2: pairs with E1 in the driver's kick / write */
	uint32_t ev = __atomic_exchange_n(&d->sh->ext.dev_events, 0, __ATOMIC_SEQ_CST);
	uint32_t qbits;
	unsigned i;
	int m = 0;

	dev_serve_mailbox(d); /* always: an event bit may have been coalesced */
	if (ev & VRQ_MMIO_EV_CONFIG) {
		if (d->cfg.cfg_mode == VRQ_MMIO_CFG_SHARED)
			dev_window_changed(d);
		else
			dev_ctl_requests(d);
	}
	qbits = (ev | d->pending_events) & ((1u << d->cfg.nqueues) - 1);
	d->pending_events = 0;
	d->st.queue_events += (unsigned)__builtin_popcount(qbits);
	for (i = 0; i < d->cfg.nqueues; i++) {
		struct vrq_mmio_dev_queue *q = &d->q[i];

		if (!q->live)
			continue;
		if (vrq_vq_dev_broken(&q->vq)) {
			dev_bad(d, VRQ_MMIO_BAD_RING);
			continue;
		}
		if (vrq_vq_dev_has_avail(&q->vq))
			m |= 1 << i;
	}
	return m;
}

static bool dev_w_ready(void *c)
{
	struct vrq_mmio_dev *d = (struct vrq_mmio_dev *)c;
	unsigned i;

	if (__atomic_load_n(&d->sh->ext.dev_events, __ATOMIC_SEQ_CST))
		return true;
	for (i = 0; i < d->cfg.nqueues; i++)
		if (d->q[i].live && (d->wake_mask & (1u << i)) &&
		    vrq_vq_dev_has_avail(&d->q[i].vq))
			return true;
	return false;
}

/* Arms kicks on the queues of the wake set only: the others stay disarmed,
 * so the driver's kick decisions for them say "suppress" and cost no
 * QueueNotify (vrq_mmio_dev_set_wake_mask()). */
static bool dev_w_arm(void *c)
{
	struct vrq_mmio_dev *d = (struct vrq_mmio_dev *)c;
	bool hit = false;
	unsigned i;

	for (i = 0; i < d->cfg.nqueues; i++)
		if (d->q[i].live && (d->wake_mask & (1u << i)) &&
		    vrq_vq_dev_enable_kick(&d->q[i].vq))
			hit = true;
	return hit || dev_w_ready(c);
}

static void dev_w_disarm(void *c)
{
	struct vrq_mmio_dev *d = (struct vrq_mmio_dev *)c;
	unsigned i;

	for (i = 0; i < d->cfg.nqueues; i++)
		if (d->q[i].live)
			vrq_vq_dev_disable_kick(&d->q[i].vq);
}

int vrq_mmio_dev_wait(struct vrq_mmio_dev *d, uint64_t timeout_ns)
{
	struct vrq_notify_waitable w = {dev_w_ready, dev_w_arm, dev_w_disarm, d};
	uint64_t deadline = timeout_ns ? vrq_notify_now_ns() + timeout_ns : 0;
	int m, rc;

	for (;;) {
		m = vrq_mmio_dev_poll(d) & (int)d->wake_mask;
		if (m > 0)
			return m;
		if (deadline) {
			uint64_t now = vrq_notify_now_ns();

			if (now >= deadline)
				return -VRQ_ETIMEDOUT;
			rc = vrq_notify_wait(&d->doorbell, &w, deadline - now);
		} else {
			rc = vrq_notify_wait(&d->doorbell, &w, 0);
		}
		if (rc < 0)
			return rc;
	}
}

void vrq_mmio_dev_set_wake_mask(struct vrq_mmio_dev *d, uint32_t mask)
{
	d->wake_mask = mask;
}

int vrq_mmio_dev_notify(struct vrq_mmio_dev *d, unsigned qi)
{
	struct vrq_mmio_dev_queue *q;
	uint32_t old;
	int rc;

	if (qi >= d->cfg.nqueues || !d->q[qi].live)
		return -VRQ_EINVAL;
	q = &d->q[qi];
	if (!vrq_vq_dev_notify_prepare(&q->vq))
		return 0;
	if (d->cfg.chan.irq == VRQ_MMIO_IRQ_VECTORS) {
		d->st.irqs_raised++;
		rc = vrq_notify_signal(&d->vec[qi]);
		return rc < 0 ? rc : 1;
	}
	/* L1: after the used publish; pairs with L2 (the ACK) */
	old = __atomic_fetch_or(reg_p(d->sh, VRQ_MMIO_INTERRUPT_STATUS),
				vrq_cpu_to_le32(VRQ_MMIO_INT_VRING), __ATOMIC_SEQ_CST);
	if (old) {
		d->st.irqs_coalesced++; /* the line is still up */
		return 1;
	}
	d->st.irqs_raised++;
	rc = vrq_notify_signal(&d->line);
	return rc < 0 ? rc : 1;
}

void vrq_mmio_dev_restart(struct vrq_mmio_dev *d)
{
	unsigned i;

	d->st.restarts++;
	/* what a reloaded device knows of its queues: nothing */
	for (i = 0; i < VRQ_MMIO_MAX_QUEUES; i++)
		dev_queue_drop(&d->q[i]);
	dev_ctl_stop(d);
	if (d->cfg.cfg_mode == VRQ_MMIO_CFG_SHARED)
		dev_window_write(d, 0, d->config, 0); /* a new generation */
	/* DEVICE_NEEDS_RESET + config change; the queues' vectors too */
	d->status &= ~(uint32_t)VRQ_STATUS_DEVICE_NEEDS_RESET;
	dev_set_needs_reset(d);
	if (d->cfg.chan.irq == VRQ_MMIO_IRQ_VECTORS)
		for (i = 0; i < d->cfg.nqueues; i++)
			(void)vrq_notify_signal(&d->vec[i]);
}

/* =========================================================================
 * Driver
 * ========================================================================= */

static void drv_msg(struct vrq_mmio_drv *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void drv_msg(struct vrq_mmio_drv *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
}

/* The modelled trap: a VM exit would cost this much per register access. */
static void trap(struct vrq_mmio_drv *v)
{
	uint64_t t0;

	if (!v->cfg.trap_ns)
		return;
	v->st.traps++;
	t0 = vrq_notify_now_ns();
	while (vrq_notify_now_ns() - t0 < v->cfg.trap_ns)
		vrq_cpu_relax();
}

uint32_t vrq_mmio_drv_read(struct vrq_mmio_drv *v, uint32_t off)
{
	trap(v);
	v->st.reg_reads++;
	if (off >= sizeof(v->sh->regs) || (off & 3))
		return 0xffffffffu;
	return reg_ld(v->sh, off);
}

static bool mailbox_reg(uint32_t off)
{
	switch (off) {
	case VRQ_MMIO_DEVICE_FEATURES_SEL:
	case VRQ_MMIO_DRIVER_FEATURES:
	case VRQ_MMIO_DRIVER_FEATURES_SEL:
	case VRQ_MMIO_QUEUE_SEL:
	case VRQ_MMIO_QUEUE_NUM:
	case VRQ_MMIO_QUEUE_READY:
	case VRQ_MMIO_STATUS:
	case VRQ_MMIO_QUEUE_DESC_LOW:
	case VRQ_MMIO_QUEUE_DESC_HIGH:
	case VRQ_MMIO_QUEUE_DRIVER_LOW:
	case VRQ_MMIO_QUEUE_DRIVER_HIGH:
	case VRQ_MMIO_QUEUE_DEVICE_LOW:
	case VRQ_MMIO_QUEUE_DEVICE_HIGH:
	case VRQ_MMIO_SHM_SEL:
	case VRQ_MMIO_QUEUE_RESET:
		return true;
	default:
		return false;
	}
}

static void drv_ring_doorbell(struct vrq_mmio_drv *v, uint32_t bits)
{
	/* E1: after the ring publish / mailbox post; pairs with E2 */
	if (!__atomic_fetch_or(&v->sh->ext.dev_events, bits, __ATOMIC_SEQ_CST))
		(void)vrq_notify_signal(&v->doorbell);
}

struct ack_wait {
	struct vrq_mmio_drv *v;
	uint32_t seq;
};

static bool ack_ready(void *c)
{
	struct ack_wait *a = (struct ack_wait *)c;

	/* M4: pairs with M3 in dev_serve_mailbox() */
	return __atomic_load_n(&a->v->sh->ext.ack_seq, __ATOMIC_ACQUIRE) == a->seq;
}

static bool ack_arm(void *c)
{
	return ack_ready(c);
}

static void ack_disarm(void *c)
{
	(void)c;
}

static const char *reg_name(uint32_t off)
{
	switch (off) {
	case VRQ_MMIO_STATUS: return "Status";
	case VRQ_MMIO_DEVICE_FEATURES_SEL: return "DeviceFeaturesSel";
	case VRQ_MMIO_DRIVER_FEATURES: return "DriverFeatures";
	case VRQ_MMIO_DRIVER_FEATURES_SEL: return "DriverFeaturesSel";
	case VRQ_MMIO_QUEUE_SEL: return "QueueSel";
	case VRQ_MMIO_QUEUE_NUM: return "QueueNum";
	case VRQ_MMIO_QUEUE_READY: return "QueueReady";
	case VRQ_MMIO_QUEUE_RESET: return "QueueReset";
	default: return "a queue address register";
	}
}

int vrq_mmio_drv_write(struct vrq_mmio_drv *v, uint32_t off, uint32_t val)
{
	struct vrq_mmio_ext *x = &v->sh->ext;
	struct ack_wait a;
	struct vrq_notify_waitable w = {ack_ready, ack_arm, ack_disarm, &a};
	uint64_t t0;
	int rc;

	if (!mailbox_reg(off)) {
		drv_msg(v, "register 0x%03x is not written through the mailbox", off);
		return -VRQ_EINVAL;
	}
	trap(v);
	v->st.reg_writes++;
	v->st.mailbox_waits++;
	a.v = v;
	a.seq = ++v->seq;
	__atomic_store_n(&x->req_off, off, __ATOMIC_RELAXED);
	__atomic_store_n(&x->req_val, val, __ATOMIC_RELAXED);
	/* M1: offset and value before the sequence; pairs with M2 */
	__atomic_store_n(&x->req_seq, a.seq, __ATOMIC_RELEASE);
	drv_ring_doorbell(v, VRQ_MMIO_EV_REG);
	t0 = vrq_notify_now_ns();
	rc = vrq_notify_wait(&v->ack, &w, v->cfg.ack_timeout_ns);
	if (rc == -VRQ_ETIMEDOUT) {
		v->st.ack_timeouts++;
		drv_msg(v, "device did not acknowledge %s = 0x%x within %llu ms", reg_name(off),
			val, (unsigned long long)(v->cfg.ack_timeout_ns / 1000000));
	} else if (rc == -VRQ_EPEERGONE) {
		drv_msg(v, "device gone while writing %s", reg_name(off));
	} else if (rc < 0) {
		drv_msg(v, "waiting for the device's acknowledgement: %s", vrq_strerror(rc));
	}
	(void)t0;
	return rc;
}

uint32_t vrq_mmio_drv_status(struct vrq_mmio_drv *v)
{
	return vrq_mmio_drv_read(v, VRQ_MMIO_STATUS);
}

bool vrq_mmio_drv_needs_reset(struct vrq_mmio_drv *v)
{
	return !!(vrq_mmio_drv_status(v) & VRQ_STATUS_DEVICE_NEEDS_RESET);
}

/* ---- control queue, driver side ------------------------------------------ */

static void drv_ctl_stop(struct vrq_mmio_drv *v)
{
	if (v->ctl_live) {
		vrq_vq_drv_fini(&v->ctl_req);
		vrq_vq_drv_fini(&v->ctl_evt);
	}
	v->ctl_live = false;
	v->synced = false;
}

static int drv_ctl_start(struct vrq_mmio_drv *v)
{
	struct vrq_vq_cfg c;
	unsigned i;
	int rc;

	drv_ctl_stop(v);
	ctl_mem_init(v->sh, &v->ctl_mem);
	ctl_vq_cfg(v->sh, false, v->cfg.domain, NULL, &c);
	rc = vrq_vq_drv_init(&v->ctl_req, &c);
	if (rc)
		return rc;
	ctl_vq_cfg(v->sh, true, v->cfg.domain, NULL, &c);
	rc = vrq_vq_drv_init(&v->ctl_evt, &c);
	if (rc) {
		vrq_vq_drv_fini(&v->ctl_req);
		return rc;
	}
	vrq_vq_drv_disable_cb(&v->ctl_req);
	vrq_vq_drv_disable_cb(&v->ctl_evt);
	/* slots 0..15 carry requests, 16..31 receive updates */
	v->ctl_req_free = (1u << VRQ_MMIO_CTLQ_SIZE) - 1;
	for (i = 0; i < VRQ_MMIO_CTLQ_SIZE; i++) {
		uint32_t s = VRQ_MMIO_CTLQ_SIZE + i;
		struct vrq_sg sg = {VRQ_MMIO_CTL_DA + 16ull * s, 16};

		(void)vrq_vq_drv_add(&v->ctl_evt, &sg, 0, 1, (void *)(uintptr_t)(s + 1));
	}
	vrq_vq_drv_publish(&v->ctl_evt);
	v->ctl_live = true;
	v->synced = false;
	return 0;
}

/* Collect the device's update messages; re-post their buffers. */
static void drv_ctl_drain(struct vrq_mmio_drv *v)
{
	void *tok;
	uint32_t len;
	bool reposted = false;

	if (!v->ctl_live)
		return;
	while (vrq_vq_drv_get_used(&v->ctl_req, &tok, &len) == 1) {
		uintptr_t s = (uintptr_t)tok - 1;

		if (s < VRQ_MMIO_CTLQ_SIZE)
			v->ctl_req_free |= 1u << s;
	}
	while (vrq_vq_drv_get_used(&v->ctl_evt, &tok, &len) == 1) {
		uintptr_t s = (uintptr_t)tok - 1;
		struct vrq_mmio_cfg_msg m;
		struct vrq_sg sg;
		uint32_t op, off, n;

		if (s < VRQ_MMIO_CTLQ_SIZE || s >= 2 * VRQ_MMIO_CTLQ_SIZE)
			continue;
		memcpy(&m, &v->sh->ext.ctl_slots[s], sizeof(m)); /* one snapshot */
		op = vrq_le16_to_cpu(m.op);
		off = vrq_le16_to_cpu(m.off);
		n = vrq_le16_to_cpu(m.size);
		if (len == sizeof(m) && op == VRQ_MMIO_MSG_UPDATE && n >= 1 && n <= 8 &&
		    off < VRQ_MMIO_CONFIG_MAX && n <= VRQ_MMIO_CONFIG_MAX - off) {
			memcpy(v->config + off, m.val, n);
			v->st.config_changes++;
		} else if (len == sizeof(m) && op == VRQ_MMIO_MSG_SYNC_DONE &&
			   n <= VRQ_MMIO_CONFIG_MAX) {
			v->config_size = n;
			v->synced = true;
		}
		/* anything else is ignored: the buffer goes back */
		sg.addr = VRQ_MMIO_CTL_DA + 16ull * s;
		sg.len = 16;
		(void)vrq_vq_drv_add(&v->ctl_evt, &sg, 0, 1, tok);
		reposted = true;
	}
	if (reposted) {
		vrq_vq_drv_publish(&v->ctl_evt);
		drv_ring_doorbell(v, VRQ_MMIO_EV_CONFIG); /* room for pending updates */
	}
}

static int drv_ctl_send(struct vrq_mmio_drv *v, const struct vrq_mmio_cfg_msg *m)
{
	uint64_t deadline = vrq_notify_now_ns() + v->cfg.ack_timeout_ns;
	unsigned s;
	struct vrq_sg sg;

	while (!v->ctl_req_free) {
		drv_ctl_drain(v);
		if (v->ctl_req_free)
			break;
		if (vrq_notify_now_ns() > deadline) {
			drv_msg(v, "control queue full: the device takes no config messages");
			return -VRQ_ETIMEDOUT;
		}
		sched_yield();
	}
	s = (unsigned)__builtin_ctz(v->ctl_req_free);
	v->ctl_req_free &= ~(1u << s);
	memcpy(&v->sh->ext.ctl_slots[s], m, sizeof(*m));
	sg.addr = VRQ_MMIO_CTL_DA + 16ull * s;
	sg.len = 16;
	(void)vrq_vq_drv_add(&v->ctl_req, &sg, 1, 0, (void *)(uintptr_t)(s + 1));
	vrq_vq_drv_publish(&v->ctl_req);
	drv_ring_doorbell(v, VRQ_MMIO_EV_CONFIG);
	return 0;
}

static int drv_ctl_sync(struct vrq_mmio_drv *v)
{
	struct vrq_mmio_cfg_msg m;
	uint64_t deadline;
	int rc;

	if (!v->ctl_live) {
		drv_msg(v, "config messages need the device acknowledged first");
		return -VRQ_EINVAL;
	}
	memset(&m, 0, sizeof(m));
	m.op = vrq_cpu_to_le16(VRQ_MMIO_MSG_SYNC);
	rc = drv_ctl_send(v, &m);
	if (rc)
		return rc;
	deadline = vrq_notify_now_ns() + v->cfg.ack_timeout_ns;
	while (!v->synced) {
		drv_ctl_drain(v);
		if (v->synced)
			break;
		if (vrq_notify_now_ns() > deadline) {
			drv_msg(v, "device did not answer the config sync");
			return -VRQ_ETIMEDOUT;
		}
		sched_yield();
	}
	return 0;
}

/* ---- driver init, reset, negotiation, queues ----------------------------- */

int vrq_mmio_drv_init(struct vrq_mmio_drv *v, const struct vrq_mmio_drv_cfg *cfg)
{
	struct vrq_mmio_shared *sh;
	uint64_t deadline;
	unsigned i;
	int rc;

	if (!v || !cfg || !cfg->sh || !cfg->mem)
		return -VRQ_EINVAL;
	memset(v, 0, sizeof(*v));
	rc = chan_check(&cfg->chan);
	if (rc) {
		drv_msg(v, "bad channel settings (legacy interrupts need a blocking backend)");
		return rc;
	}
	v->cfg = *cfg;
	if (!v->cfg.ack_timeout_ns)
		v->cfg.ack_timeout_ns = DEFAULT_ACK_TIMEOUT_NS;
	v->sh = sh = cfg->sh;
	rc = chan_init(&v->doorbell, sh, &cfg->chan, VRQ_MMIO_CH_DOORBELL, false);
	if (!rc)
		rc = chan_init(&v->ack, sh, &cfg->chan, VRQ_MMIO_CH_ACK, true);
	if (!rc)
		rc = chan_init(&v->line, sh, &cfg->chan, VRQ_MMIO_CH_LINE, true);
	for (i = 0; !rc && i < VRQ_MMIO_MAX_QUEUES; i++)
		rc = chan_init(&v->vec[i], sh, &cfg->chan, VRQ_MMIO_CH_VEC0 + i, true);
	if (rc) {
		drv_msg(v, "notifier setup: %s", vrq_strerror(rc));
		vrq_mmio_drv_fini(v);
		return rc;
	}
	/* a device in another process may still be starting */
	deadline = vrq_notify_now_ns() + v->cfg.ack_timeout_ns;
	while (vrq_mmio_drv_read(v, VRQ_MMIO_MAGIC_VALUE) != VRQ_MMIO_MAGIC) {
		if (vrq_notify_now_ns() > deadline) {
			drv_msg(v, "no virtio-mmio device: MagicValue 0x%08x",
				reg_ld(sh, VRQ_MMIO_MAGIC_VALUE));
			vrq_mmio_drv_fini(v);
			return -ENODEV;
		}
		usleep(100);
	}
	if (vrq_mmio_drv_read(v, VRQ_MMIO_VERSION) != VRQ_MMIO_VERSION_2) {
		drv_msg(v, "virtio-mmio Version %u, expected 2", reg_ld(sh, VRQ_MMIO_VERSION));
		vrq_mmio_drv_fini(v);
		return -ENODEV;
	}
	if (vrq_mmio_drv_read(v, VRQ_MMIO_DEVICE_ID) == 0) {
		drv_msg(v, "DeviceID 0: a placeholder, no device");
		vrq_mmio_drv_fini(v);
		return -ENODEV;
	}
	/* continue the mailbox where the device is */
	v->seq = __atomic_load_n(&sh->ext.ack_seq, __ATOMIC_ACQUIRE);
	return 0;
}

static void drv_reclaim(struct vrq_mmio_drv *v, unsigned qi)
{
	struct vrq_mmio_drv_queue *q = &v->q[qi];
	void *tok;
	uint32_t len = 0;

	if (!q->live)
		return;
	/* what the device completed is delivered, not returned */
	while (vrq_vq_drv_get_used(&q->vq, &tok, &len) == 1) {
		q->delivered++;
		v->st.reclaimed_used++;
		if (v->cfg.reclaim)
			v->cfg.reclaim(v->cfg.ctx, qi, tok, len, true);
	}
	while (vrq_vq_drv_detach(&q->vq, &tok) == 1) {
		v->st.reclaimed_unused++;
		if (v->cfg.reclaim)
			v->cfg.reclaim(v->cfg.ctx, qi, tok, 0, false);
	}
	vrq_vq_drv_fini(&q->vq);
	q->live = false;
}

void vrq_mmio_drv_fini(struct vrq_mmio_drv *v)
{
	unsigned i;

	for (i = 0; i < VRQ_MMIO_MAX_QUEUES; i++)
		if (v->q[i].live) {
			vrq_vq_drv_fini(&v->q[i].vq);
			v->q[i].live = false;
		}
	drv_ctl_stop(v);
	if (v->doorbell.ops)
		vrq_notify_fini(&v->doorbell);
	if (v->ack.ops)
		vrq_notify_fini(&v->ack);
	if (v->line.ops)
		vrq_notify_fini(&v->line);
	for (i = 0; i < VRQ_MMIO_MAX_QUEUES; i++)
		if (v->vec[i].ops)
			vrq_notify_fini(&v->vec[i]);
}

int vrq_mmio_drv_reset(struct vrq_mmio_drv *v)
{
	uint32_t st;
	unsigned i;
	int rc;

	rc = vrq_mmio_drv_write(v, VRQ_MMIO_STATUS, 0);
	if (rc)
		return rc;
	st = vrq_mmio_drv_status(v);
	if (st != 0) {
		drv_msg(v, "Status reads 0x%x after a reset, expected 0", st);
		return -EIO;
	}
	/* the device no longer touches the rings: take the buffers back */
	for (i = 0; i < VRQ_MMIO_MAX_QUEUES; i++)
		drv_reclaim(v, i);
	v->cfg_pending = false;
	v->features = 0;
	if (v->cfg.cfg_mode == VRQ_MMIO_CFG_MSG)
		return drv_ctl_start(v);
	return 0;
}

int vrq_mmio_drv_negotiate(struct vrq_mmio_drv *v, uint64_t wanted, uint64_t *got)
{
	uint32_t s = VRQ_STATUS_ACKNOWLEDGE, lo, hi, st;
	uint64_t dev, f;
	int rc;

	if ((rc = vrq_mmio_drv_write(v, VRQ_MMIO_STATUS, s)))
		return rc;
	s |= VRQ_STATUS_DRIVER;
	if ((rc = vrq_mmio_drv_write(v, VRQ_MMIO_STATUS, s)))
		return rc;
	if ((rc = vrq_mmio_drv_write(v, VRQ_MMIO_DEVICE_FEATURES_SEL, 0)))
		return rc;
	lo = vrq_mmio_drv_read(v, VRQ_MMIO_DEVICE_FEATURES);
	if ((rc = vrq_mmio_drv_write(v, VRQ_MMIO_DEVICE_FEATURES_SEL, 1)))
		return rc;
	hi = vrq_mmio_drv_read(v, VRQ_MMIO_DEVICE_FEATURES);
	dev = lo | ((uint64_t)hi << 32);
	v->wanted = wanted;
	if (!(dev & VRQ_FEATURE(VRQ_F_VERSION_1))) {
		drv_msg(v, "device features 0x%llx lack VERSION_1", (unsigned long long)dev);
		(void)vrq_mmio_drv_write(v, VRQ_MMIO_STATUS, s | VRQ_STATUS_FAILED);
		return -ENOTSUP;
	}
	f = dev & (wanted | VRQ_FEATURE(VRQ_F_VERSION_1));
	if ((rc = vrq_mmio_drv_write(v, VRQ_MMIO_DRIVER_FEATURES_SEL, 0)) ||
	    (rc = vrq_mmio_drv_write(v, VRQ_MMIO_DRIVER_FEATURES, (uint32_t)f)) ||
	    (rc = vrq_mmio_drv_write(v, VRQ_MMIO_DRIVER_FEATURES_SEL, 1)) ||
	    (rc = vrq_mmio_drv_write(v, VRQ_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32))))
		return rc;
	if ((rc = vrq_mmio_drv_write(v, VRQ_MMIO_STATUS, s | VRQ_STATUS_FEATURES_OK)))
		return rc;
	/* 3.1.1 step 6: re-read; the device may not accept the subset */
	st = vrq_mmio_drv_status(v);
	if (!(st & VRQ_STATUS_FEATURES_OK)) {
		drv_msg(v, "device refused features 0x%llx (FEATURES_OK not set)",
			(unsigned long long)f);
		(void)vrq_mmio_drv_write(v, VRQ_MMIO_STATUS, s | VRQ_STATUS_FAILED);
		return -ENOTSUP;
	}
	v->features = f;
	if (got)
		*got = f;
	if (v->cfg.cfg_mode == VRQ_MMIO_CFG_MSG)
		return drv_ctl_sync(v);
	return 0;
}

int vrq_mmio_drv_setup_queue(struct vrq_mmio_drv *v, unsigned qi, uint16_t num, void *ring,
			     size_t area_align)
{
	struct vrq_mmio_drv_queue *q;
	struct vrq_vq_cfg c;
	struct vrq_vq_areas a;
	uint64_t da[3];
	size_t sz[3];
	uint32_t max;
	int rc;

	if (qi >= VRQ_MMIO_MAX_QUEUES || !ring || !num) {
		drv_msg(v, "setup_queue: bad argument");
		return -VRQ_EINVAL;
	}
	q = &v->q[qi];
	if (q->live) {
		drv_msg(v, "queue %u is already set up", qi);
		return -VRQ_EINVAL;
	}
	if ((rc = vrq_mmio_drv_write(v, VRQ_MMIO_QUEUE_SEL, qi)))
		return rc;
	if (vrq_mmio_drv_read(v, VRQ_MMIO_QUEUE_READY) != 0) {
		drv_msg(v, "queue %u: QueueReady already 1", qi);
		return -EBUSY;
	}
	max = vrq_mmio_drv_read(v, VRQ_MMIO_QUEUE_NUM_MAX);
	if (max == 0) {
		drv_msg(v, "queue %u is not available (QueueNumMax 0)", qi);
		return -ENOENT;
	}
	if (num > max) {
		drv_msg(v, "queue %u: size %u above QueueNumMax %u", qi, num, max);
		return -VRQ_EINVAL;
	}
	memset(&c, 0, sizeof(c));
	c.kind = (v->features & VRQ_FEATURE(VRQ_F_RING_PACKED)) ? VRQ_RING_PACKED : VRQ_RING_SPLIT;
	c.size = num;
	c.features = v->features & RING_FEATURES;
	c.domain = v->cfg.domain;
	c.ring = ring;
	c.area_align = area_align;
	if (c.kind == VRQ_RING_SPLIT) {
		struct vrq_split_layout l;

		if (vrq_split_layout_calc(num, area_align, &l)) {
			drv_msg(v, "queue %u: no split layout for size %u", qi, num);
			return -VRQ_EINVAL;
		}
		a = vrq_vq_split_areas(ring, &l);
		sz[0] = l.desc_size, sz[1] = l.avail_size, sz[2] = l.used_size;
	} else {
		struct vrq_packed_layout l;

		if (vrq_packed_layout_calc(num, area_align, &l)) {
			drv_msg(v, "queue %u: no packed layout for size %u", qi, num);
			return -VRQ_EINVAL;
		}
		a = vrq_vq_packed_areas(ring, &l);
		sz[0] = l.desc_size, sz[1] = 4, sz[2] = 4;
	}
	if (vrq_mem_va_to_da(v->cfg.mem, a.desc, sz[0], &da[0]) ||
	    vrq_mem_va_to_da(v->cfg.mem, a.driver, sz[1], &da[1]) ||
	    vrq_mem_va_to_da(v->cfg.mem, a.device, sz[2], &da[2])) {
		drv_msg(v, "queue %u: ring memory is not inside the memory map", qi);
		return -VRQ_EINVAL;
	}
	rc = vrq_vq_drv_init(&q->vq, &c);
	if (rc) {
		drv_msg(v, "queue %u: ring init: %s", qi, vrq_strerror(rc));
		return rc;
	}
	vrq_vq_drv_disable_cb(&q->vq);
	q->live = true;
	q->num = num;
	q->kind = c.kind;
	q->ring = ring;
	q->area_align = area_align;
	if ((rc = vrq_mmio_drv_write(v, VRQ_MMIO_QUEUE_NUM, num)) ||
	    (rc = vrq_mmio_drv_write(v, VRQ_MMIO_QUEUE_DESC_LOW, (uint32_t)da[0])) ||
	    (rc = vrq_mmio_drv_write(v, VRQ_MMIO_QUEUE_DESC_HIGH, (uint32_t)(da[0] >> 32))) ||
	    (rc = vrq_mmio_drv_write(v, VRQ_MMIO_QUEUE_DRIVER_LOW, (uint32_t)da[1])) ||
	    (rc = vrq_mmio_drv_write(v, VRQ_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(da[1] >> 32))) ||
	    (rc = vrq_mmio_drv_write(v, VRQ_MMIO_QUEUE_DEVICE_LOW, (uint32_t)da[2])) ||
	    (rc = vrq_mmio_drv_write(v, VRQ_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(da[2] >> 32))) ||
	    (rc = vrq_mmio_drv_write(v, VRQ_MMIO_QUEUE_READY, 1)))
		goto fail;
	if (vrq_mmio_drv_read(v, VRQ_MMIO_QUEUE_READY) != 1) {
		drv_msg(v, "queue %u: the device refused it (Status 0x%x)", qi,
			reg_ld(v->sh, VRQ_MMIO_STATUS));
		rc = -EIO;
		goto fail;
	}
	return 0;
fail:
	vrq_vq_drv_fini(&q->vq);
	q->live = false;
	return rc;
}

int vrq_mmio_drv_ready(struct vrq_mmio_drv *v)
{
	uint32_t s = VRQ_STATUS_ACKNOWLEDGE | VRQ_STATUS_DRIVER | VRQ_STATUS_FEATURES_OK;
	int rc = vrq_mmio_drv_write(v, VRQ_MMIO_STATUS, s | VRQ_STATUS_DRIVER_OK);
	uint32_t st;

	if (rc)
		return rc;
	st = vrq_mmio_drv_status(v);
	if ((st & VRQ_STATUS_DEVICE_NEEDS_RESET) || !(st & VRQ_STATUS_DRIVER_OK)) {
		drv_msg(v, "device not running after DRIVER_OK: Status 0x%x", st);
		return -EIO;
	}
	return 0;
}

int vrq_mmio_drv_reinit(struct vrq_mmio_drv *v)
{
	struct vrq_mmio_drv_queue keep[VRQ_MMIO_MAX_QUEUES];
	unsigned i;
	int rc;

	for (i = 0; i < VRQ_MMIO_MAX_QUEUES; i++)
		keep[i] = v->q[i]; /* sizes, ring memory, live flags */
	rc = vrq_mmio_drv_reset(v);
	if (rc)
		return rc;
	rc = vrq_mmio_drv_negotiate(v, v->wanted, NULL);
	if (rc)
		return rc;
	for (i = 0; i < VRQ_MMIO_MAX_QUEUES; i++) {
		if (!keep[i].live)
			continue;
		rc = vrq_mmio_drv_setup_queue(v, i, keep[i].num, keep[i].ring, keep[i].area_align);
		if (rc)
			return rc;
	}
	return vrq_mmio_drv_ready(v);
}

int vrq_mmio_drv_queue_reset(struct vrq_mmio_drv *v, unsigned qi)
{
	int rc;

	if (!(v->features & VRQ_FEATURE(VRQ_F_RING_RESET))) {
		drv_msg(v, "RING_RESET was not negotiated");
		return -ENOTSUP;
	}
	if (qi >= VRQ_MMIO_MAX_QUEUES || !v->q[qi].live)
		return -VRQ_EINVAL;
	if ((rc = vrq_mmio_drv_write(v, VRQ_MMIO_QUEUE_SEL, qi)) ||
	    (rc = vrq_mmio_drv_write(v, VRQ_MMIO_QUEUE_RESET, 1)))
		return rc;
	if (vrq_mmio_drv_read(v, VRQ_MMIO_QUEUE_RESET) != 1) {
		drv_msg(v, "queue %u: QueueReset does not read back 1", qi);
		return -EIO;
	}
	drv_reclaim(v, qi);
	return 0;
}

/* ---- driver data path ------------------------------------------------------ */

struct vrq_vq_drv *vrq_mmio_drv_vq(struct vrq_mmio_drv *v, unsigned q)
{
	return q < VRQ_MMIO_MAX_QUEUES && v->q[q].live ? &v->q[q].vq : NULL;
}

int vrq_mmio_drv_kick(struct vrq_mmio_drv *v, unsigned qi)
{
	if (qi >= VRQ_MMIO_MAX_QUEUES || !v->q[qi].live)
		return -VRQ_EINVAL;
	if (!vrq_vq_drv_kick_prepare(&v->q[qi].vq))
		return 0;
	/* QueueNotify: a posted register write */
	trap(v);
	v->st.reg_writes++;
	v->st.notifies++;
	__atomic_store_n(reg_p(v->sh, VRQ_MMIO_QUEUE_NOTIFY), vrq_cpu_to_le32(qi),
			 __ATOMIC_RELAXED);
	drv_ring_doorbell(v, VRQ_MMIO_EV_QUEUE(qi));
	return 1;
}

int vrq_mmio_drv_get_used(struct vrq_mmio_drv *v, unsigned qi, void **token, uint32_t *len)
{
	int rc;

	if (qi >= VRQ_MMIO_MAX_QUEUES || !v->q[qi].live)
		return -VRQ_EINVAL;
	rc = vrq_vq_drv_get_used(&v->q[qi].vq, token, len);
	if (rc == 1)
		v->q[qi].delivered++;
	return rc;
}

/* The legacy interrupt handler: InterruptStatus, InterruptACK, scan all. */
static void drv_legacy_handler(struct vrq_mmio_drv *v)
{
	uint32_t isr;
	unsigned i;

	trap(v);
	v->st.reg_reads++;
	v->st.status_reads++;
	isr = reg_ld(v->sh, VRQ_MMIO_INTERRUPT_STATUS);
	if (!isr) {
		v->st.status_empty++;
	} else {
		trap(v);
		v->st.reg_writes++;
		v->st.acks++;
		/* L2: InterruptACK; pairs with L1 (bits set after the read stay) */
		__atomic_fetch_and(reg_p(v->sh, VRQ_MMIO_INTERRUPT_STATUS),
				   ~vrq_cpu_to_le32(isr), __ATOMIC_SEQ_CST);
		__atomic_store_n(reg_p(v->sh, VRQ_MMIO_INTERRUPT_ACK), vrq_cpu_to_le32(isr),
				 __ATOMIC_RELAXED);
		if (isr & VRQ_MMIO_INT_CONFIG) {
			v->cfg_pending = true;
			v->st.config_changes++;
		}
	}
	/* one line for every queue: each must be looked at */
	for (i = 0; i < VRQ_MMIO_MAX_QUEUES; i++) {
		if (!v->q[i].live)
			continue;
		v->st.scans++;
		if (!vrq_vq_drv_has_used(&v->q[i].vq))
			v->st.spurious_scans++;
	}
}

struct drv_wait_ctx {
	struct vrq_mmio_drv *v;
	struct vrq_vq_drv *vq;
};

static bool cfg_vec_pending(struct vrq_mmio_drv *v)
{
	return !!(__atomic_load_n(&v->sh->ext.drv_events, __ATOMIC_SEQ_CST) & VRQ_MMIO_INT_CONFIG);
}

static bool vec_ready(void *c)
{
	struct drv_wait_ctx *w = (struct drv_wait_ctx *)c;

	return vrq_vq_drv_has_used(w->vq) || cfg_vec_pending(w->v);
}

static bool vec_arm(void *c)
{
	struct drv_wait_ctx *w = (struct drv_wait_ctx *)c;

	return vrq_vq_drv_enable_cb(w->vq) || cfg_vec_pending(w->v);
}

static void vec_disarm(void *c)
{
	vrq_vq_drv_disable_cb(((struct drv_wait_ctx *)c)->vq);
}

static bool used_ready(void *c)
{
	return vrq_vq_drv_has_used(((struct drv_wait_ctx *)c)->vq);
}

int vrq_mmio_drv_wait(struct vrq_mmio_drv *v, unsigned qi, uint64_t timeout_ns)
{
	struct drv_wait_ctx ctx;
	struct vrq_notifier *n = &v->line;
	uint64_t start, deadline;
	int rc;

	if (qi >= VRQ_MMIO_MAX_QUEUES || !v->q[qi].live)
		return -VRQ_EINVAL;
	ctx.v = v;
	ctx.vq = &v->q[qi].vq;
	if (vrq_vq_drv_has_used(ctx.vq))
		return 0;
	if (v->cfg.chan.irq == VRQ_MMIO_IRQ_VECTORS) {
		struct vrq_notify_waitable w = {vec_ready, vec_arm, vec_disarm, &ctx};

		rc = vrq_notify_wait(&v->vec[qi], &w, timeout_ns);
		if (rc < 0)
			return rc;
		return vrq_vq_drv_has_used(ctx.vq) ? 0 : 1;
	}
	/* legacy: the line is level-triggered (raised while InterruptStatus
	 * is non-zero), so a pending status means "do not sleep" */
	start = vrq_notify_now_ns();
	deadline = timeout_ns ? start + timeout_ns : 0;
	if (n->kind == VRQ_NOTIFY_HYBRID) {
		struct vrq_notify_waitable w = {used_ready, used_ready, vec_disarm, &ctx};

		rc = vrq__notify_spin(n, &w, start, deadline, false);
		if (rc == 1)
			return 0;
		if (rc < 0)
			return rc;
	}
	for (;;) {
		uint32_t ticket = n->ops->prepare(n);

		if (vrq_vq_drv_enable_cb(ctx.vq)) {
			vrq_vq_drv_disable_cb(ctx.vq);
			n->ops->cancel(n);
			n->st.recheck_hits++;
			return 0;
		}
		if (v->cfg_pending) {
			/* an earlier handler run saw a configuration change
			 * nobody has collected: say so instead of sleeping */
			vrq_vq_drv_disable_cb(ctx.vq);
			n->ops->cancel(n);
			return 1;
		}
		if (reg_ld(v->sh, VRQ_MMIO_INTERRUPT_STATUS)) {
			/* the line is up: take the interrupt without sleeping */
			n->ops->cancel(n);
			rc = 0;
		} else {
			rc = n->ops->block(n, ticket, deadline);
		}
		vrq_vq_drv_disable_cb(ctx.vq);
		if (rc == 0)
			drv_legacy_handler(v);
		if (vrq_vq_drv_has_used(ctx.vq))
			return 0;
		if (rc < 0)
			return rc;
		if (v->cfg_pending)
			return 1;
		n->st.spurious++;
	}
}

bool vrq_mmio_drv_config_changed(struct vrq_mmio_drv *v)
{
	if (v->cfg.chan.irq == VRQ_MMIO_IRQ_LEGACY) {
		if (!v->cfg_pending && reg_ld(v->sh, VRQ_MMIO_INTERRUPT_STATUS))
			drv_legacy_handler(v);
		if (!v->cfg_pending)
			return false;
		v->cfg_pending = false;
		return true;
	}
	/* pairs with the device's OR in dev_raise_config() */
	if (!(__atomic_exchange_n(&v->sh->ext.drv_events, 0, __ATOMIC_SEQ_CST) &
	      VRQ_MMIO_INT_CONFIG))
		return false;
	v->st.config_changes++;
	vrq_notify_drain(&v->line);
	return true;
}

/* ---- configuration, driver side ------------------------------------------ */

uint32_t vrq_mmio_drv_config_generation(struct vrq_mmio_drv *v)
{
	return vrq_le32_to_cpu(
		__atomic_load_n(&v->sh->regs.config_generation, __ATOMIC_ACQUIRE));
}

int vrq_mmio_drv_config_read(struct vrq_mmio_drv *v, uint32_t off, void *buf, uint32_t len)
{
	uint8_t *b = (uint8_t *)buf;
	uint64_t deadline = 0;
	unsigned tries = 0;
	uint32_t i, g1, g2;
	int rc;

	if (off > VRQ_MMIO_CONFIG_MAX || len > VRQ_MMIO_CONFIG_MAX - off || (len && !buf))
		return -VRQ_EINVAL;
	if (v->cfg.cfg_mode == VRQ_MMIO_CFG_MSG) {
		if (!v->synced) {
			rc = drv_ctl_sync(v);
			if (rc)
				return rc;
		}
		drv_ctl_drain(v);
		if (len > v->config_size || off > v->config_size - len)
			return -VRQ_EINVAL;
		memcpy(buf, v->config + off, len);
		return 0;
	}
	for (;;) {
		/* G4: pairs with G3 (the even value after the data) */
		g1 = vrq_le32_to_cpu(
			__atomic_load_n(&v->sh->regs.config_generation, __ATOMIC_ACQUIRE));
#ifndef VRQ_MMIO_MUTANT_NO_ODD
		if (!(g1 & 1))
#endif
		{
			for (i = 0; i < len; i++)
				b[i] = __atomic_load_n(&v->sh->regs.config[off + i],
						       __ATOMIC_RELAXED);
			/* G2: the data loads before the re-read; pairs with G1 */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			g2 = vrq_le32_to_cpu(__atomic_load_n(&v->sh->regs.config_generation,
							     __ATOMIC_RELAXED));
			if (g1 == g2)
				return 0;
		}
		v->st.config_retries++;
		/* a device that never finishes an update must not hang us */
		if ((++tries & 1023) == 0) {
			uint64_t now = vrq_notify_now_ns();

			if (!deadline) {
				deadline = now + v->cfg.ack_timeout_ns;
			} else if (now > deadline) {
				drv_msg(v, "ConfigGeneration never settled (0x%x)", g1);
				return -VRQ_ETIMEDOUT;
			}
		}
		vrq_cpu_relax();
	}
}

int vrq_mmio_drv_config_write(struct vrq_mmio_drv *v, uint32_t off, const void *buf,
			      uint32_t len)
{
	const uint8_t *b = (const uint8_t *)buf;
	uint32_t i;
	int rc;

	if (off > VRQ_MMIO_CONFIG_MAX || len > VRQ_MMIO_CONFIG_MAX - off || (len && !buf))
		return -VRQ_EINVAL;
	if (v->cfg.cfg_mode == VRQ_MMIO_CFG_SHARED) {
		for (i = 0; i < len; i++)
			__atomic_store_n(&v->sh->regs.config[off + i], b[i], __ATOMIC_RELAXED);
		drv_ring_doorbell(v, VRQ_MMIO_EV_CONFIG);
		return 0;
	}
	if (!v->synced && (rc = drv_ctl_sync(v)))
		return rc;
	if (len > v->config_size || off > v->config_size - len)
		return -VRQ_EINVAL;
	for (i = 0; i < len; i += 8) {
		struct vrq_mmio_cfg_msg m;
		uint32_t n = len - i < 8 ? len - i : 8;

		memset(&m, 0, sizeof(m));
		m.op = vrq_cpu_to_le16(VRQ_MMIO_MSG_WRITE);
		m.off = vrq_cpu_to_le16((uint16_t)(off + i));
		m.size = vrq_cpu_to_le16((uint16_t)n);
		memcpy(m.val, b + i, n);
		rc = drv_ctl_send(v, &m);
		if (rc)
			return rc;
		memcpy(v->config + off + i, b + i, n);
	}
	return 0;
}
