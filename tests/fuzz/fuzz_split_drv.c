/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_split_drv.c - split ring, driver role, against a hostile
 * device.  The script interleaves the device's writes into shared memory
 * (used ring entries, used idx, avail_event, used flags, any byte of any
 * area, the driver's own areas included) with the driver's calls (add,
 * add_indirect, add_batch, publish, kick decision, get_used, get_used_batch,
 * enable/disable callbacks, detach + reset).  Invariants: fuzz_drv.h.
 *
 * Header: [0] queue size 1 << (b % 9) (1..256); [1] bit 0 INDIRECT_DESC,
 * 1 IN_ORDER, 2 EVENT_IDX, 3 VRQ_CFG_NO_IDX_CACHE, 4 areas at the start of
 * their pages (else at the end), 5 VRQ_CFG_DEV_POLLS, 6 VRQ_CFG_DRV_POLLS,
 * 7 no indirect pool (ind_max 0; else 8).
 * Operations: fuzz_drv.h's, then the device's below (opcode = byte % OP_N).
 */
#define _GNU_SOURCE
#include "fuzz_common.h"
#include "fuzz_drv.h"

#define FZ_NAME "fuzz_split_drv"
#define IND_MAX 8u
#define POOL_DA 0x400000000000ull

enum {
	OP_USED_ENT = FZ_DRV_OPS, /* i, id (u32), len: used->ring[i] */
	OP_USED_IDX,		  /* sel, [v]: used->idx = v / += v / = model */
	OP_USE,			  /* sel, len: use the next available buffer(s), like a device */
	OP_DEV_EVENT,		  /* sel, v: avail_event or used->flags */
	OP_POKE,		  /* area, off, v */
	OP_N
};

struct st {
	struct fz_drv d; /* first: large */
	struct fz_area desc, avail, used, pool, tbl;
	struct vrq_split_avail *av;
	struct vrq_split_used *us;
	uint16_t mask, dev_avail, dev_used; /* the device's own positions */
};

static void used_idx_set(struct st *s, uint16_t v)
{
	__atomic_store_n(&s->us->idx, vrq_cpu_to_le16(v), __ATOMIC_RELEASE);
}

static void put_used(struct st *s, uint16_t i, uint32_t id, uint32_t len)
{
	s->us->ring[i & s->mask].id = vrq_cpu_to_le32(id);
	s->us->ring[i & s->mask].len = vrq_cpu_to_le32(len);
}

/* What a device does: take the next k available heads, write one used
 * entry for the last (k > 1: an IN_ORDER batch), maybe publish. */
static void op_use(struct st *s, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint32_t len = fz_len(in);
	uint16_t avail = vrq_le16_to_cpu(__atomic_load_n(&s->av->idx, __ATOMIC_ACQUIRE));
	uint16_t k = (sel & 2) ? (uint16_t)(1 + (sel >> 2) % 3) : 1, ready, head;

	ready = (uint16_t)(avail - s->dev_avail);
	if (ready > s->d.size)
		ready = 0; /* not what a real device would see: ignore */
	if (k > ready)
		k = ready;
	if (!k)
		return;
	head = vrq_le16_to_cpu(s->av->ring[(uint16_t)(s->dev_avail + k - 1) & s->mask]);
	/* an IN_ORDER batch: one entry, at the batch's first slot, and the
	 * index moves by the buffers it covers (as vrq's device does) */
	put_used(s, s->dev_used, head, len);
	s->dev_used = (uint16_t)(s->dev_used + k);
	s->dev_avail = (uint16_t)(s->dev_avail + k);
	if (sel & 1)
		used_idx_set(s, s->dev_used);
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
	d->size = (uint16_t)(1u << (h0 % 9));
	s.mask = (uint16_t)(d->size - 1);
	d->indirect = h1 & 1;
	d->in_order = (h1 >> 1) & 1;
	d->ind_max = (d->indirect && !(h1 & 0x80)) ? IND_MAX : 0;
	fz_area_map(&s.desc, 16u * d->size, 16, at_start);
	fz_area_map(&s.avail, 6u + 2u * d->size, 2, at_start);
	fz_area_map(&s.used, 6u + 8u * d->size, 4, at_start);
	fz_area_map(&s.pool, d->ind_max ? 16u * IND_MAX * d->size : 16u, 16, at_start);
	fz_area_map(&s.tbl, FZ_TBL_SIZE, 16, at_start);
	s.av = (struct vrq_split_avail *)(void *)s.avail.p;
	s.us = (struct vrq_split_used *)(void *)s.used.p;
	d->tbl = s.tbl.p;
	d->cfg.kind = VRQ_RING_SPLIT;
	d->cfg.size = d->size;
	d->cfg.features = VRQ_FEATURE(VRQ_F_VERSION_1) |
			  (d->indirect ? VRQ_FEATURE(VRQ_F_INDIRECT_DESC) : 0) |
			  (d->in_order ? VRQ_FEATURE(VRQ_F_IN_ORDER) : 0) |
			  ((h1 & 4) ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0);
	d->cfg.domain = VRQ_DOM_SMP;
	d->cfg.flags = ((h1 & 8) ? VRQ_CFG_NO_IDX_CACHE : 0) | ((h1 & 32) ? VRQ_CFG_DEV_POLLS : 0) |
		       ((h1 & 64) ? VRQ_CFG_DRV_POLLS : 0);
	d->cfg.areas.desc = s.desc.p;
	d->cfg.areas.driver = s.avail.p;
	d->cfg.areas.device = s.used.p;
	if (d->ind_max) {
		d->cfg.ind_pool = s.pool.p;
		d->cfg.ind_pool_da = POOL_DA;
		d->cfg.ind_max = d->ind_max;
	}
	if (vrq_vq_drv_init(&d->drv, &d->cfg))
		fz_fail("setup: vrq_vq_drv_init: %s", vrq_vq_drv_init_why(&d->cfg));

	for (ops = 0; ops < FZ_MAX_OPS && fz_more(&in); ops++) {
		unsigned op = fz_u8(&in) % OP_N;
		uint8_t sel;

		switch (op) {
		case OP_USED_ENT: {
			uint16_t i = fz_u16(&in);
			uint32_t id = fz_u32(&in);

			put_used(&s, i, id, fz_len(&in));
			break;
		}
		case OP_USED_IDX:
			sel = fz_u8(&in) % 3;
			if (sel == 0)
				used_idx_set(&s, fz_u16(&in));
			else if (sel == 1)
				used_idx_set(&s, (uint16_t)(vrq_le16_to_cpu(s.us->idx) + fz_u8(&in)));
			else
				used_idx_set(&s, s.dev_used);
			break;
		case OP_USE:
			op_use(&s, &in);
			break;
		case OP_DEV_EVENT:
			sel = fz_u8(&in);
			if (sel & 1) { /* avail_event, at &used->ring[size] */
				vrq_le16 v = vrq_cpu_to_le16(fz_u16(&in));

				memcpy(s.used.p + 4 + 8u * d->size, &v, sizeof(v));
			} else {
				s.us->flags = vrq_cpu_to_le16(fz_u16(&in));
			}
			break;
		case OP_POKE: {
			struct fz_area *ar[5] = {&s.desc, &s.avail, &s.used, &s.pool, &s.tbl};
			uint16_t off;

			sel = fz_u8(&in);
			off = fz_u16(&in);
			fz_poke(ar[sel % 5], off, fz_u8(&in));
			break;
		}
		default:
			fz_drv_op(d, op, &in);
			if (op == OP_DETACH_RESET) /* the driver zeroed the ring */
				s.dev_avail = s.dev_used = 0;
			break;
		}
	}
	fz_drv_detach_reset(d);
	fz_drv_check(d);
	vrq_vq_drv_fini(&d->drv);
	fz_area_unmap(&s.desc);
	fz_area_unmap(&s.avail);
	fz_area_unmap(&s.used);
	fz_area_unmap(&s.pool);
	fz_area_unmap(&s.tbl);
}

/* ---- seeds ------------------------------------------------------------------ */

static void sb_hdr(struct fz_sb *b, unsigned lg, unsigned feat)
{
	b->n = 0;
	sb_u8(b, lg);
	sb_u8(b, feat);
}

static void sb_use(struct fz_sb *b, unsigned sel, uint32_t len)
{
	sb_u8(b, OP_USE);
	sb_u8(b, sel);
	sb_len(b, len);
}

static void sb_used_ent(struct fz_sb *b, unsigned i, uint32_t id, uint32_t len)
{
	sb_u8(b, OP_USED_ENT);
	sb_u16(b, i);
	sb_u32(b, id);
	sb_len(b, len);
}

static void fz_seeds(void (*emit)(const char *, const struct fz_sb *))
{
	static struct fz_sb b;
	unsigned i;

	/* add, kick, the device uses it, get: the ordinary round trip */
	sb_hdr(&b, 3, 0);
	sb_u8(&b, OP_ADD);
	sb_buf(&b, 1, 1, 8);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 1);
	sb_use(&b, 1, 16);
	sb_u8(&b, OP_GET);
	sb_u8(&b, OP_CB);
	sb_u8(&b, 0);
	emit("round_trip", &b);

	/* indirect pool and a caller table, EVENT_IDX, used len too large */
	sb_hdr(&b, 4, 1 | 4);
	sb_u8(&b, OP_ADD);
	sb_buf(&b, 2, 2, 4);
	sb_u8(&b, OP_ADD_IND);
	sb_buf(&b, 1, 3, 4);
	sb_u8(&b, 7);
	sb_u8(&b, OP_PUBLISH);
	sb_use(&b, 0, 8);
	sb_use(&b, 1, 100000);
	sb_u8(&b, OP_GET_BATCH);
	sb_u8(&b, 7);
	emit("indirect_len_clamped", &b);

	/* used idx beyond the buffers in flight: VRQ_EUSED_IDX, detach, reset */
	sb_hdr(&b, 3, 0);
	for (i = 0; i < 3; i++) {
		sb_u8(&b, OP_ADD);
		sb_buf(&b, 0, 1, 4);
	}
	sb_u8(&b, OP_PUBLISH);
	sb_u8(&b, OP_USED_IDX);
	sb_u8(&b, 0);
	sb_u16(&b, 9);
	sb_u8(&b, OP_GET);
	sb_u8(&b, OP_GET);
	sb_u8(&b, OP_DETACH_RESET);
	sb_u8(&b, OP_ADD);
	sb_buf(&b, 1, 0, 4);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 1);
	emit("used_idx_too_far", &b);

	/* a used id not in flight, and one not yet published: VRQ_EUSED_ID */
	sb_hdr(&b, 3, 0);
	sb_u8(&b, OP_ADD);
	sb_buf(&b, 0, 1, 4);
	sb_u8(&b, OP_PUBLISH);
	sb_u8(&b, OP_ADD);
	sb_buf(&b, 0, 1, 4);
	sb_used_ent(&b, 0, 1, 4);
	sb_u8(&b, OP_USED_IDX);
	sb_u8(&b, 0);
	sb_u16(&b, 1);
	sb_u8(&b, OP_GET);
	sb_u8(&b, OP_DETACH_RESET);
	sb_u8(&b, OP_ADD);
	sb_buf(&b, 0, 1, 4);
	sb_u8(&b, OP_PUBLISH);
	sb_used_ent(&b, 0, 7, 4);
	sb_u8(&b, OP_USED_IDX);
	sb_u8(&b, 0);
	sb_u16(&b, 1);
	sb_u8(&b, OP_GET);
	emit("used_id_bad", &b);

	/* IN_ORDER: the device returns a batch with one entry */
	sb_hdr(&b, 4, 2 | 4);
	for (i = 0; i < 5; i++) {
		sb_u8(&b, OP_ADD);
		sb_buf(&b, 1, 1, 4);
	}
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 1);
	sb_use(&b, 1 | 2 | (2 << 2), 8);
	sb_use(&b, 1 | 2 | (1 << 2), 4);
	for (i = 0; i < 6; i++)
		sb_u8(&b, OP_GET);
	sb_u8(&b, OP_CB);
	sb_u8(&b, 0);
	emit("in_order_batch", &b);

	/* batches of adds until the ring is full, everything used */
	sb_hdr(&b, 4, 0);
	for (i = 0; i < 6; i++) {
		sb_u8(&b, OP_ADD_BATCH);
		sb_u8(&b, 3);
		sb_buf(&b, 1, 0, 2);
		sb_buf(&b, 0, 2, 2);
		sb_buf(&b, 1, 1, 2);
		sb_buf(&b, 0, 1, 2);
	}
	for (i = 0; i < 16; i++)
		sb_use(&b, 1, 4);
	sb_u8(&b, OP_GET_BATCH);
	sb_u8(&b, 7);
	sb_u8(&b, OP_GET_BATCH);
	sb_u8(&b, 7);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 0);
	emit("batches_full_ring", &b);

	/* a chain as long as the queue, and one longer (VRQ_EINVAL) */
	sb_hdr(&b, 2, 0);
	sb_u8(&b, OP_ADD);
	sb_u8(&b, 0x80 | 1);
	for (i = 0; i < 4; i++)
		sb_u8(&b, 4);
	sb_u8(&b, OP_ADD);
	sb_u8(&b, 0x80 | 0x10);
	for (i = 0; i < 5; i++)
		sb_u8(&b, 4);
	sb_u8(&b, OP_PUBLISH);
	sb_use(&b, 1, 4);
	sb_u8(&b, OP_GET);
	emit("chain_queue_size", &b);

	/* the device scribbles on the driver's areas and its event fields */
	sb_hdr(&b, 3, 4);
	sb_u8(&b, OP_ADD);
	sb_buf(&b, 1, 1, 4);
	sb_u8(&b, OP_POKE);
	sb_u8(&b, 0);
	sb_u16(&b, 14);
	sb_u8(&b, 0xff);
	sb_u8(&b, OP_POKE);
	sb_u8(&b, 1);
	sb_u16(&b, 4);
	sb_u8(&b, 0x77);
	sb_u8(&b, OP_DEV_EVENT);
	sb_u8(&b, 1);
	sb_u16(&b, 0);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 1);
	sb_use(&b, 1, 4);
	sb_u8(&b, OP_GET);
	emit("scribble_driver_areas", &b);
}

#include "fuzz_main.h"
