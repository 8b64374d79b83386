/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_packed_drv.c - packed ring, driver role, against a
 * hostile device.  The script interleaves the device's writes into shared
 * memory (used descriptors: id, len, flags with any AVAIL/USED bits; the
 * device event suppression structure; any byte of any area, the driver's
 * own included) with the driver's calls (add, add_indirect, add_batch,
 * publish, kick decision, get_used, get_used_batch, enable/disable
 * callbacks, detach + reset).  Invariants: fuzz_drv.h.
 *
 * Header: [0] queue size 1 + b (1..256, any value); [1] bit 0
 * INDIRECT_DESC, 1 IN_ORDER, 2 EVENT_IDX, 4 areas at the start of their
 * pages (else at the end), 5 VRQ_CFG_DEV_POLLS, 6 VRQ_CFG_DRV_POLLS, 7 no
 * indirect pool (ind_max 0; else 8).
 * Operations: fuzz_drv.h's, then the device's below (opcode = byte % OP_N).
 */
#define _GNU_SOURCE
#include "fuzz_common.h"
#include "fuzz_drv.h"

#define FZ_NAME "fuzz_packed_drv"
#define IND_MAX 8u
#define POOL_DA 0x400000000000ull

#define AV VRQ_PACKED_DESC_F_AVAIL
#define US VRQ_PACKED_DESC_F_USED

enum {
	OP_DESC = FZ_DRV_OPS, /* i, id, len, flags: any descriptor, flags stored last */
	OP_USE,		      /* sel, len, [id]: mark the next chain(s) used, like a device */
	OP_DEV_EVENT,	      /* off_wrap, flags: device event suppression */
	OP_POKE,	      /* area, off, v */
	OP_N
};

struct st {
	struct fz_drv d; /* first: large */
	struct fz_area desc, drv_ev, dev_ev, pool, tbl;
	struct vrq_packed_desc *ring;
	uint16_t pos; /* the device's position and wrap counter */
	bool wrap;
};

static uint16_t load_flags(const struct st *s, uint16_t i)
{
	return vrq_le16_to_cpu(__atomic_load_n(&s->ring[i].flags, __ATOMIC_ACQUIRE));
}

static void put_used(struct st *s, uint16_t i, uint16_t id, uint32_t len, uint16_t flags)
{
	s->ring[i].id = vrq_cpu_to_le16(id);
	s->ring[i].len = vrq_cpu_to_le32(len);
	__atomic_store_n(&s->ring[i].flags, vrq_cpu_to_le16(flags), __ATOMIC_RELEASE);
}

static void advance(struct st *s, uint16_t n)
{
	uint32_t p = (uint32_t)s->pos + n;

	if (p >= s->d.size) {
		p -= s->d.size;
		s->wrap = !s->wrap;
	}
	s->pos = (uint16_t)p;
}

/* What a device does: walk the next k available chains (k > 1: an IN_ORDER
 * batch), write one used descriptor at the first one's position with the
 * last one's id, and move on by the descriptors they used. */
static void op_use(struct st *s, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint32_t len = fz_len(in);
	uint16_t k = (sel & 2) ? (uint16_t)(1 + (sel >> 2) % 3) : 1, start = s->pos, id = 0;
	uint16_t total = 0, j;
	bool wrap0 = s->wrap;

	for (j = 0; j < k; j++) {
		uint16_t p = s->pos, f = load_flags(s, p), n = 1;
		bool avail = (f & (AV | US)) == (s->wrap ? AV : US);

		if (!avail && !(sel & 0x20))
			break;
		while ((f & VRQ_DESC_F_NEXT) && n < s->d.size) {
			p = (uint16_t)(p + 1 == s->d.size ? 0 : p + 1);
			f = load_flags(s, p);
			n++;
		}
		id = vrq_le16_to_cpu(s->ring[p].id);
		if (total + n > s->d.size)
			break;
		total = (uint16_t)(total + n);
		advance(s, n);
	}
	if (!total)
		return;
	if (sel & 0x40)
		id = fz_u16(in);
	put_used(s, start, id, len,
		 (uint16_t)((wrap0 ? (AV | US) : 0) | (len || (sel & 0x80) ? VRQ_DESC_F_WRITE : 0)));
}

static void fz_run(const uint8_t *data, size_t n)
{
	static struct st s;
	struct fz_in in = {data, n, 0};
	uint8_t h0 = fz_u8(&in), h1 = fz_u8(&in);
	int at_start = (h1 >> 4) & 1;
	struct fz_drv *d = &s.d;
	unsigned ops;

	memset(&s, 0, sizeof(s));
	d->size = (uint16_t)(1u + h0);
	d->indirect = h1 & 1;
	d->in_order = (h1 >> 1) & 1;
	d->ind_max = (d->indirect && !(h1 & 0x80)) ? IND_MAX : 0;
	s.wrap = true;
	fz_area_map(&s.desc, 16u * d->size, 16, at_start);
	fz_area_map(&s.drv_ev, 4, 4, at_start);
	fz_area_map(&s.dev_ev, 4, 4, at_start);
	fz_area_map(&s.pool, d->ind_max ? 16u * IND_MAX * d->size : 16u, 16, at_start);
	fz_area_map(&s.tbl, FZ_TBL_SIZE, 16, at_start);
	s.ring = (struct vrq_packed_desc *)(void *)s.desc.p;
	d->tbl = s.tbl.p;
	d->cfg.kind = VRQ_RING_PACKED;
	d->cfg.size = d->size;
	d->cfg.features = VRQ_FEATURE(VRQ_F_VERSION_1) | VRQ_FEATURE(VRQ_F_RING_PACKED) |
			  (d->indirect ? VRQ_FEATURE(VRQ_F_INDIRECT_DESC) : 0) |
			  (d->in_order ? VRQ_FEATURE(VRQ_F_IN_ORDER) : 0) |
			  ((h1 & 4) ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0);
	d->cfg.domain = VRQ_DOM_SMP;
	d->cfg.flags = ((h1 & 32) ? VRQ_CFG_DEV_POLLS : 0) | ((h1 & 64) ? VRQ_CFG_DRV_POLLS : 0);
	d->cfg.areas.desc = s.desc.p;
	d->cfg.areas.driver = s.drv_ev.p;
	d->cfg.areas.device = s.dev_ev.p;
	if (d->ind_max) {
		d->cfg.ind_pool = s.pool.p;
		d->cfg.ind_pool_da = POOL_DA;
		d->cfg.ind_max = d->ind_max;
	}
	if (vrq_vq_drv_init(&d->drv, &d->cfg))
		fz_fail("setup: vrq_vq_drv_init: %s", vrq_vq_drv_init_why(&d->cfg));

	for (ops = 0; ops < FZ_MAX_OPS && fz_more(&in); ops++) {
		unsigned op = fz_u8(&in) % OP_N;

		switch (op) {
		case OP_DESC: {
			uint16_t i = (uint16_t)(fz_u16(&in) % d->size), id = fz_u16(&in);
			uint32_t len = fz_len(&in);

			put_used(&s, i, id, len, fz_u16(&in));
			break;
		}
		case OP_USE:
			op_use(&s, &in);
			break;
		case OP_DEV_EVENT: {
			uint32_t v = fz_u32(&in);

			__atomic_store_n((uint32_t *)(void *)s.dev_ev.p, vrq_cpu_to_le32(v),
					 __ATOMIC_RELAXED);
			break;
		}
		case OP_POKE: {
			struct fz_area *ar[5] = {&s.desc, &s.drv_ev, &s.dev_ev, &s.pool, &s.tbl};
			uint8_t sel = fz_u8(&in);
			uint16_t off = fz_u16(&in);

			fz_poke(ar[sel % 5], off, fz_u8(&in));
			break;
		}
		default:
			fz_drv_op(d, op, &in);
			if (op == OP_DETACH_RESET) { /* the driver zeroed the ring */
				s.pos = 0;
				s.wrap = true;
			}
			break;
		}
	}
	fz_drv_detach_reset(d);
	fz_drv_check(d);
	vrq_vq_drv_fini(&d->drv);
	fz_area_unmap(&s.desc);
	fz_area_unmap(&s.drv_ev);
	fz_area_unmap(&s.dev_ev);
	fz_area_unmap(&s.pool);
	fz_area_unmap(&s.tbl);
}

/* ---- seeds ------------------------------------------------------------------ */

static void sb_hdr(struct fz_sb *b, unsigned size, unsigned feat)
{
	b->n = 0;
	sb_u8(b, size - 1);
	sb_u8(b, feat);
}

static void sb_use(struct fz_sb *b, unsigned sel, uint32_t len)
{
	sb_u8(b, OP_USE);
	sb_u8(b, sel);
	sb_len(b, len);
}

static void sb_desc(struct fz_sb *b, unsigned i, unsigned id, uint32_t len, unsigned flags)
{
	sb_u8(b, OP_DESC);
	sb_u16(b, i);
	sb_u16(b, id);
	sb_len(b, len);
	sb_u16(b, flags);
}

static void fz_seeds(void (*emit)(const char *, const struct fz_sb *))
{
	static struct fz_sb b;
	unsigned i;

	/* add, kick, the device uses it, get */
	sb_hdr(&b, 8, 0);
	sb_u8(&b, OP_ADD);
	sb_buf(&b, 1, 1, 8);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 1);
	sb_use(&b, 0, 16);
	sb_u8(&b, OP_GET);
	sb_u8(&b, OP_CB);
	sb_u8(&b, 0);
	emit("round_trip", &b);

	/* a ring of 5 (not a power of two) wrapped three times, EVENT_IDX */
	sb_hdr(&b, 5, 4);
	sb_u8(&b, OP_DEV_EVENT);
	sb_u32(&b, 3u | (uint32_t)VRQ_PACKED_EVENT_FLAG_DESC << 16);
	for (i = 0; i < 12; i++) {
		sb_u8(&b, OP_ADD);
		sb_buf(&b, i % 2, 1, 4);
		sb_u8(&b, OP_KICK);
		sb_u8(&b, 1);
		sb_use(&b, 0, 4);
		sb_u8(&b, OP_GET);
	}
	sb_u8(&b, OP_CB);
	sb_u8(&b, 0);
	emit("wrap_laps_event_idx", &b);

	/* indirect pool and a caller table, used len too large (clamped) */
	sb_hdr(&b, 16, 1);
	sb_u8(&b, OP_ADD);
	sb_buf(&b, 2, 2, 4);
	sb_u8(&b, OP_ADD_IND);
	sb_buf(&b, 1, 3, 4);
	sb_u8(&b, 9);
	sb_u8(&b, OP_PUBLISH);
	sb_use(&b, 0, 8);
	sb_use(&b, 0, 100000);
	sb_u8(&b, OP_GET_BATCH);
	sb_u8(&b, 7);
	emit("indirect_len_clamped", &b);

	/* a used id never added, and one not yet published: VRQ_EUSED_ID */
	sb_hdr(&b, 8, 0);
	sb_u8(&b, OP_ADD);
	sb_buf(&b, 0, 1, 4);
	sb_u8(&b, OP_PUBLISH);
	sb_desc(&b, 0, 6, 4, AV | US | VRQ_DESC_F_WRITE);
	sb_u8(&b, OP_GET);
	sb_u8(&b, OP_DETACH_RESET);
	sb_u8(&b, OP_ADD);
	sb_buf(&b, 0, 1, 4);
	sb_desc(&b, 0, 0, 4, AV | US | VRQ_DESC_F_WRITE);
	sb_u8(&b, OP_GET);
	sb_u8(&b, OP_DETACH_RESET);
	emit("used_id_bad", &b);

	/* IN_ORDER: one used descriptor for a batch of three */
	sb_hdr(&b, 12, 2);
	for (i = 0; i < 5; i++) {
		sb_u8(&b, OP_ADD);
		sb_buf(&b, 1, 1, 4);
	}
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 1);
	sb_use(&b, 2 | (2 << 2), 8);
	sb_use(&b, 2 | (1 << 2), 4);
	for (i = 0; i < 6; i++)
		sb_u8(&b, OP_GET);
	emit("in_order_batch", &b);

	/* batches until the ring is full, all used, wrong wrap bits at the end */
	sb_hdr(&b, 7, 0);
	for (i = 0; i < 4; i++) {
		sb_u8(&b, OP_ADD_BATCH);
		sb_u8(&b, 3);
		sb_buf(&b, 1, 0, 2);
		sb_buf(&b, 0, 2, 2);
		sb_buf(&b, 1, 1, 2);
		sb_buf(&b, 0, 1, 2);
	}
	for (i = 0; i < 8; i++)
		sb_use(&b, 0, 4);
	sb_u8(&b, OP_GET_BATCH);
	sb_u8(&b, 7);
	sb_desc(&b, 3, 0, 4, US);
	sb_u8(&b, OP_GET);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 0);
	emit("batches_full_ring", &b);

	/* a chain as long as the queue, and one longer (VRQ_EINVAL) */
	sb_hdr(&b, 3, 0);
	sb_u8(&b, OP_ADD);
	sb_u8(&b, 0x80 | 1);
	for (i = 0; i < 3; i++)
		sb_u8(&b, 4);
	sb_u8(&b, OP_ADD);
	sb_u8(&b, 0x80 | 0x10);
	for (i = 0; i < 4; i++)
		sb_u8(&b, 4);
	sb_u8(&b, OP_PUBLISH);
	sb_use(&b, 0, 4);
	sb_u8(&b, OP_GET);
	emit("chain_queue_size", &b);

	/* the device scribbles on the driver's areas; event DISABLE */
	sb_hdr(&b, 4, 4);
	sb_u8(&b, OP_ADD);
	sb_buf(&b, 1, 1, 4);
	sb_u8(&b, OP_POKE);
	sb_u8(&b, 0);
	sb_u16(&b, 15);
	sb_u8(&b, 0x80);
	sb_u8(&b, OP_POKE);
	sb_u8(&b, 1);
	sb_u16(&b, 2);
	sb_u8(&b, 0x01);
	sb_u8(&b, OP_DEV_EVENT);
	sb_u32(&b, (uint32_t)VRQ_PACKED_EVENT_FLAG_DISABLE << 16);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 1);
	sb_use(&b, 0x20, 4);
	sb_u8(&b, OP_GET);
	emit("scribble_driver_areas", &b);
}

#include "fuzz_main.h"
