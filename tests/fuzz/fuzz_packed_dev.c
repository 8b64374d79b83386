/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_packed_dev.c - packed ring, device role, against a
 * hostile driver.  The script interleaves the driver's writes into shared
 * memory (descriptors: addr, len, id, flags with any AVAIL/USED bits,
 * stored last; the driver event suppression structure; indirect tables;
 * any byte of any area) with the device's calls (pop, push, publish,
 * notify decision, enable/disable kicks, reset, get/set base).
 *
 * Header: [0] queue size 1 + b (1..256, any value); [1] bit 0
 * INDIRECT_DESC, 1 IN_ORDER, 2 EVENT_IDX, 4 areas at the start of their
 * pages (else at the end), 5 VRQ_CFG_DEV_POLLS, 6 VRQ_CFG_DRV_POLLS.
 * Operations: see enum below (opcode = byte % OP_N).
 *
 * Invariants (a violation aborts naming it): a pop returns 1, 0,
 * -VRQ_ESEGCAP (only with a short segment array; queue running) or a peer
 * error, after which the queue is broken and returns it again; a popped
 * chain has 1..size segments and ring descriptors, an id below the size
 * that is not in flight already (at most size in flight), and every
 * segment inside a registered region (the harness's own list) at the
 * right local address; a push succeeds exactly for an id in flight (else
 * -VRQ_EINVAL); the peer-error counters add up to the errors returned;
 * popped/pushed counters match; a notify decision counts exactly one of
 * notifies / notifies_suppressed, and only when something was published;
 * get_base succeeds only with nothing in flight.
 */
#define _GNU_SOURCE
#include "fuzz_common.h"

#define FZ_NAME "fuzz_packed_dev"
#define MAX_SIZE 256u
#define SEG_CAP 512u /* more than any chain can have */

#define AV VRQ_PACKED_DESC_F_AVAIL
#define US VRQ_PACKED_DESC_F_USED

enum {
	OP_DESC,      /* i, addr, len, id, flags: any descriptor, flags stored last */
	OP_DESC_AVAIL, /* i, addr, len, id, sel: NEXT/WRITE/INDIRECT + lap's avail bits */
	OP_EVENT,     /* v (u32): driver event suppression (off_wrap | flags << 16) */
	OP_TBL,	      /* j, addr, len, id, flags: indirect-table entry j */
	OP_POKE,      /* area, off, v: one byte anywhere */
	OP_CHAIN,     /* id, n, n_out, ind: a well-formed chain at the driver's position */
	OP_POP,	      /* sel: full or short segment array */
	OP_PUSH,      /* sel, [id], len */
	OP_PUBLISH,
	OP_NOTIFY, /* sel: need_notify / notify_prepare */
	OP_KICK,   /* sel: enable_kick / disable_kick / has_avail */
	OP_RESET,  /* sel: also restart the driver side (zeroed ring) */
	OP_BASE,   /* sel, [v]: get_base, set_base */
	OP_N
};

static struct vrq_seg g_segs[SEG_CAP];

struct st {
	struct fz_area desc, drv_ev, dev_ev, buf, tbl;
	struct vrq_mem mem;
	struct fz_region reg[3];
	struct vrq_packed_cfg cfg;
	struct vrq_packed_dev dev;
	struct vrq_packed_desc *ring;
	uint16_t size;
	int in_order;
	uint16_t drv_pos; /* the driver's own position and wrap counter */
	bool drv_wrap;
	uint8_t held[MAX_SIZE];
	uint16_t fifo[MAX_SIZE]; /* ids in flight, in pop order */
	uint16_t nheld;
	uint64_t errors, pops, pushes;
};

static void put_desc(struct vrq_packed_desc *d, uint64_t addr, uint32_t len, uint16_t id,
		     uint16_t flags, int store_flags)
{
	d->addr = vrq_cpu_to_le64(addr);
	d->len = vrq_cpu_to_le32(len);
	d->id = vrq_cpu_to_le16(id);
	if (store_flags)
		__atomic_store_n(&d->flags, vrq_cpu_to_le16(flags), __ATOMIC_RELEASE);
}

static void check_counters(const struct st *s)
{
	FZ_CHECK(fz_peer_sum(s->dev.st.peer_err, 0) == s->errors,
		 "peer_err counters add up to %llu, %llu errors returned",
		 (unsigned long long)fz_peer_sum(s->dev.st.peer_err, 0),
		 (unsigned long long)s->errors);
	FZ_CHECK(s->dev.st.popped == s->pops && s->dev.st.pushed == s->pushes,
		 "popped/pushed counters %llu/%llu, expected %llu/%llu",
		 (unsigned long long)s->dev.st.popped, (unsigned long long)s->dev.st.pushed,
		 (unsigned long long)s->pops, (unsigned long long)s->pushes);
}

static void held_drop(struct st *s, uint16_t id)
{
	unsigned i;

	s->held[id] = 0;
	for (i = 0; i < s->nheld; i++)
		if (s->fifo[i] == id)
			break;
	FZ_CHECK(i < s->nheld, "harness: id %u not in the fifo", id);
	memmove(&s->fifo[i], &s->fifo[i + 1], (s->nheld - i - 1) * sizeof(s->fifo[0]));
	s->nheld--;
}

static void op_pop(struct st *s, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint16_t cap = (sel & 1) ? (uint16_t)((sel >> 1) % 4) : (uint16_t)SEG_CAP;
	int was = vrq_packed_dev_broken(&s->dev);
	struct vrq_chain ch;
	int rc;

	vrq_chain_init(&ch, g_segs, cap);
	rc = vrq_packed_dev_pop(&s->dev, &ch);
	if (fz_trace)
		printf("pop -> %d %s\n", rc, rc < 0 ? vrq_strerror(rc) : "");
	if (was) {
		FZ_CHECK(rc == was, "broken queue (%d) popped %d", was, rc);
		return;
	}
	if (rc == 1) {
		fz_check_chain(&ch, s->reg, 3, s->size);
		FZ_CHECK(!s->held[ch.head], "id %u popped twice without a push", ch.head);
		s->held[ch.head] = 1;
		s->fifo[s->nheld++] = ch.head;
		FZ_CHECK(s->nheld <= s->size, "%u ids in flight, queue size %u", s->nheld,
			 s->size);
		s->pops++;
	} else if (rc == 0) {
		FZ_CHECK(ch.n == 0, "empty pop returned segments");
	} else if (rc == -VRQ_ESEGCAP) {
		FZ_CHECK(cap != SEG_CAP, "ESEGCAP with a %u-entry array", cap);
		FZ_CHECK(!vrq_packed_dev_broken(&s->dev), "ESEGCAP stopped the queue");
	} else {
		FZ_CHECK(fz_is_peer_rc(rc), "pop returned %d (%s)", rc, vrq_strerror(rc));
		s->errors++;
		FZ_CHECK(vrq_packed_dev_broken(&s->dev) == rc, "queue not broken after %d", rc);
		FZ_CHECK(vrq_packed_dev_pop(&s->dev, &ch) == rc, "broken queue popped again");
	}
}

static void op_push(struct st *s, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint16_t id, before = s->dev.next_used;
	uint32_t len;
	int rc, ok;

	if ((sel & 1) && s->nheld)
		id = s->fifo[s->in_order ? 0 : (sel >> 1) % s->nheld];
	else
		id = fz_u16(in);
	len = fz_len(in);
	ok = id < s->size && s->held[id];
	/* IN_ORDER: the device must push in pop order (an API rule, not input) */
	if (ok && s->in_order && id != s->fifo[0])
		return;
	rc = vrq_packed_dev_push(&s->dev, id, len);
	if (ok) {
		FZ_CHECK(rc == 0, "push of id %u in flight returned %d", id, rc);
		held_drop(s, id);
		s->pushes++;
	} else {
		FZ_CHECK(rc == -VRQ_EINVAL && s->dev.next_used == before,
			 "push of id %u not in flight returned %d", id, rc);
	}
}

static void op_notify(struct st *s, uint8_t sel)
{
	uint64_t n0 = s->dev.st.notifies, s0 = s->dev.st.notifies_suppressed, pend;
	bool r;

	if (sel & 1)
		vrq_packed_dev_publish(&s->dev);
	pend = s->dev.notify_added;
	r = vrq_packed_dev_need_notify(&s->dev);
	FZ_CHECK(s->dev.st.notifies == n0 + r &&
			 s->dev.st.notifies_suppressed == s0 + (!r && pend) && (!r || pend),
		 "notify decision %d (%llu published) counted %llu/%llu", r,
		 (unsigned long long)pend, (unsigned long long)(s->dev.st.notifies - n0),
		 (unsigned long long)(s->dev.st.notifies_suppressed - s0));
}

static void op_base(struct st *s, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	int was = vrq_packed_dev_broken(&s->dev), rc;
	uint32_t base = 0;

	rc = vrq_packed_dev_get_base(&s->dev, &base);
	if (was)
		FZ_CHECK(rc == was, "get_base on a broken queue returned %d", rc);
	FZ_CHECK(rc <= 0, "get_base returned %d", rc);
	if (rc == 0)
		FZ_CHECK(s->nheld == 0 && (base & 0x7fff) < s->size &&
				 ((base >> 16) & 0x7fff) < s->size,
			 "get_base 0x%x with %u ids in flight", base, s->nheld);
	if (sel & 1) {
		uint32_t v = (sel & 2) ? fz_u32(in) : base;

		rc = vrq_packed_dev_set_base(&s->dev, v);
		FZ_CHECK(rc <= 0, "set_base returned %d", rc);
		if (rc == 0)
			FZ_CHECK(s->nheld == 0 && s->dev.next_avail < s->size &&
					 s->dev.next_used < s->size,
				 "set_base 0x%x accepted with %u ids in flight", v, s->nheld);
	}
}

static void drv_advance(struct st *s)
{
	if (++s->drv_pos == s->size) {
		s->drv_pos = 0;
		s->drv_wrap = !s->drv_wrap;
	}
}

/* What a driver does: n descriptors from its position, avail bits of its
 * lap, id in each, the first one's flags stored last. */
static void op_chain(struct st *s, struct fz_in *in)
{
	uint16_t id = (uint16_t)(fz_u16(in) % (s->size + 1u)), first = s->drv_pos, f0 = 0;
	unsigned n = 1 + fz_u8(in) % 4, n_out = fz_u8(in) % (n + 1), k;
	uint8_t ind = fz_u8(in), t = (uint8_t)(fz_u8(in) % (FZ_TBL_SIZE / 16 - 4));

	if (n > s->size)
		n = s->size;
	if (ind & 1) {
		for (k = 0; k < n; k++)
			put_desc((struct vrq_packed_desc *)(void *)(s->tbl.p + 16u * (t + k)),
				 FZ_BUF_DA + 64u * k, 32, 0,
				 (uint16_t)(k >= n_out ? VRQ_DESC_F_WRITE : 0), 1);
		f0 = (uint16_t)(VRQ_DESC_F_INDIRECT | (s->drv_wrap ? AV : US));
		put_desc(&s->ring[first], FZ_TBL_DA + 16u * t, 16u * n, id, f0, 0);
		drv_advance(s);
	} else {
		for (k = 0; k < n; k++) {
			uint16_t fl = (uint16_t)((k >= n_out ? VRQ_DESC_F_WRITE : 0) |
						 (k + 1 < n ? VRQ_DESC_F_NEXT : 0) |
						 (s->drv_wrap ? AV : US));

			if (k == 0)
				f0 = fl;
			put_desc(&s->ring[s->drv_pos], FZ_BUF_DA + 64u * k, 32, id, fl, k != 0);
			drv_advance(s);
		}
	}
	__atomic_store_n(&s->ring[first].flags, vrq_cpu_to_le16(f0), __ATOMIC_RELEASE);
}

static void fz_run(const uint8_t *data, size_t n)
{
	static struct st s;
	struct fz_in in = {data, n, 0};
	uint8_t h0 = fz_u8(&in), h1 = fz_u8(&in);
	int at_start = (h1 >> 4) & 1;
	unsigned ops;

	memset(&s, 0, sizeof(s));
	s.size = (uint16_t)(1u + h0);
	s.in_order = (h1 >> 1) & 1;
	s.drv_wrap = true;
	fz_area_map(&s.desc, 16u * s.size, 16, at_start);
	fz_area_map(&s.drv_ev, 4, 4, at_start);
	fz_area_map(&s.dev_ev, 4, 4, at_start);
	fz_area_map(&s.buf, FZ_BUF_SIZE, 16, at_start);
	fz_area_map(&s.tbl, FZ_TBL_SIZE, 16, at_start);
	s.ring = (struct vrq_packed_desc *)(void *)s.desc.p;
	vrq_mem_init(&s.mem);
	if (vrq_mem_add(&s.mem, 0, FZ_RING_DA, s.desc.p, s.desc.len, 0) ||
	    vrq_mem_add(&s.mem, 1, FZ_BUF_DA, s.buf.p, FZ_BUF_SIZE, 0) ||
	    vrq_mem_add(&s.mem, 2, FZ_TBL_DA, s.tbl.p, FZ_TBL_SIZE, 0))
		fz_fail("setup: vrq_mem_add");
	s.reg[0] = (struct fz_region){FZ_RING_DA, s.desc.len, s.desc.p};
	s.reg[1] = (struct fz_region){FZ_BUF_DA, FZ_BUF_SIZE, s.buf.p};
	s.reg[2] = (struct fz_region){FZ_TBL_DA, FZ_TBL_SIZE, s.tbl.p};
	s.cfg.size = s.size;
	s.cfg.features = VRQ_FEATURE(VRQ_F_VERSION_1) | VRQ_FEATURE(VRQ_F_RING_PACKED) |
			 ((h1 & 1) ? VRQ_FEATURE(VRQ_F_INDIRECT_DESC) : 0) |
			 (s.in_order ? VRQ_FEATURE(VRQ_F_IN_ORDER) : 0) |
			 ((h1 & 4) ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0);
	s.cfg.domain = VRQ_DOM_SMP;
	s.cfg.flags = ((h1 & 32) ? VRQ_CFG_DEV_POLLS : 0) | ((h1 & 64) ? VRQ_CFG_DRV_POLLS : 0);
	s.cfg.ring.desc = s.ring;
	s.cfg.ring.driver = (struct vrq_packed_event *)(void *)s.drv_ev.p;
	s.cfg.ring.device = (struct vrq_packed_event *)(void *)s.dev_ev.p;
	s.cfg.mem = &s.mem;
	if (vrq_packed_dev_init(&s.dev, &s.cfg))
		fz_fail("setup: vrq_packed_dev_init: %s", vrq_packed_dev_init_why(&s.cfg));

	for (ops = 0; ops < FZ_MAX_OPS && fz_more(&in); ops++) {
		uint8_t op = fz_u8(&in) % OP_N, sel;

		switch (op) {
		case OP_DESC:
		case OP_DESC_AVAIL: {
			uint16_t i = (uint16_t)(fz_u16(&in) % s.size), id, fl;
			uint64_t a = fz_addr(&in, s.desc.len);
			uint32_t l = fz_len(&in);

			id = fz_u16(&in);
			if (op == OP_DESC) {
				fl = fz_u16(&in);
			} else {
				sel = fz_u8(&in);
				fl = (uint16_t)((sel & 7) | ((sel & 8) ? AV : US));
			}
			put_desc(&s.ring[i], a, l, id, fl, 1);
			break;
		}
		case OP_EVENT: {
			uint32_t v = fz_u32(&in);

			__atomic_store_n((uint32_t *)(void *)s.drv_ev.p, vrq_cpu_to_le32(v),
					 __ATOMIC_RELAXED);
			break;
		}
		case OP_TBL: {
			uint8_t j = fz_u8(&in);
			uint64_t a = fz_addr(&in, s.desc.len);
			uint32_t l = fz_len(&in);
			uint16_t id = fz_u16(&in);

			put_desc((struct vrq_packed_desc *)(void *)(s.tbl.p + 16u * (j % (FZ_TBL_SIZE / 16))),
				 a, l, id, fz_u16(&in), 1);
			break;
		}
		case OP_POKE: {
			struct fz_area *ar[5] = {&s.desc, &s.drv_ev, &s.dev_ev, &s.tbl, &s.buf};
			uint16_t off;

			sel = fz_u8(&in);
			off = fz_u16(&in);
			fz_poke(ar[sel % 5], off, fz_u8(&in));
			break;
		}
		case OP_CHAIN:
			op_chain(&s, &in);
			break;
		case OP_POP:
			op_pop(&s, &in);
			break;
		case OP_PUSH:
			op_push(&s, &in);
			break;
		case OP_PUBLISH:
			vrq_packed_dev_publish(&s.dev);
			break;
		case OP_NOTIFY:
			op_notify(&s, fz_u8(&in));
			break;
		case OP_KICK:
			sel = fz_u8(&in) % 3;
			if (sel == 0)
				(void)vrq_packed_dev_enable_kick(&s.dev);
			else if (sel == 1)
				vrq_packed_dev_disable_kick(&s.dev);
			else
				(void)vrq_packed_dev_has_avail(&s.dev);
			break;
		case OP_RESET:
			sel = fz_u8(&in);
			vrq_packed_dev_reset(&s.dev);
			FZ_CHECK(!vrq_packed_dev_broken(&s.dev), "reset left the queue broken");
			memset(s.held, 0, sizeof(s.held));
			s.nheld = 0;
			if (sel & 1) { /* the driver restarts too */
				memset(s.desc.p, 0, s.desc.len);
				s.drv_pos = 0;
				s.drv_wrap = true;
			}
			break;
		case OP_BASE:
			op_base(&s, &in);
			break;
		}
		check_counters(&s);
	}
	vrq_packed_dev_publish(&s.dev);
	check_counters(&s);
	vrq_packed_dev_fini(&s.dev);
	fz_area_unmap(&s.desc);
	fz_area_unmap(&s.drv_ev);
	fz_area_unmap(&s.dev_ev);
	fz_area_unmap(&s.buf);
	fz_area_unmap(&s.tbl);
}

/* ---- seeds ------------------------------------------------------------------ */

static void sb_hdr(struct fz_sb *b, unsigned size, unsigned feat)
{
	b->n = 0;
	sb_u8(b, size - 1);
	sb_u8(b, feat);
}

static void sb_chain(struct fz_sb *b, unsigned id, unsigned n, unsigned n_out, unsigned ind)
{
	sb_u8(b, OP_CHAIN);
	sb_u16(b, id);
	sb_u8(b, n - 1);
	sb_u8(b, n_out);
	sb_u8(b, ind);
	sb_u8(b, 3);
}

static void sb_desc(struct fz_sb *b, unsigned i, uint64_t da, uint32_t len, unsigned id,
		    unsigned fl)
{
	sb_u8(b, OP_DESC);
	sb_u16(b, i);
	sb_addr_raw(b, da);
	sb_len(b, len);
	sb_u16(b, id);
	sb_u16(b, fl);
}

static void sb_tbl(struct fz_sb *b, unsigned j, uint64_t da, uint32_t len, unsigned fl)
{
	sb_u8(b, OP_TBL);
	sb_u8(b, j);
	sb_addr_raw(b, da);
	sb_len(b, len);
	sb_u16(b, 0);
	sb_u16(b, fl);
}

#define POP_FULL 0
#define PUSH_OLDEST 1

static void sb_pop_push(struct fz_sb *b)
{
	sb_u8(b, OP_POP);
	sb_u8(b, POP_FULL);
	sb_u8(b, OP_PUSH);
	sb_u8(b, PUSH_OLDEST);
	sb_len(b, 16);
}

static void fz_seeds(void (*emit)(const char *, const struct fz_sb *))
{
	static struct fz_sb b;
	unsigned i;

	/* one direct chain of three descriptors, popped, pushed, notified */
	sb_hdr(&b, 8, 0);
	sb_chain(&b, 2, 3, 1, 0);
	sb_pop_push(&b);
	sb_u8(&b, OP_NOTIFY);
	sb_u8(&b, 1);
	emit("chain_direct", &b);

	/* an indirect chain, EVENT_IDX, kicks enabled and disabled */
	sb_hdr(&b, 8, 1 | 4);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 0);
	sb_chain(&b, 5, 4, 2, 1);
	sb_pop_push(&b);
	sb_u8(&b, OP_EVENT);
	sb_u32(&b, 1u | (uint32_t)VRQ_PACKED_EVENT_FLAG_DESC << 16);
	sb_u8(&b, OP_NOTIFY);
	sb_u8(&b, 1);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 1);
	emit("chain_indirect_event_idx", &b);

	/* a ring of 5 driven round three laps */
	sb_hdr(&b, 5, 4);
	for (i = 0; i < 8; i++) {
		sb_chain(&b, i % 5, 1 + i % 2, 1, 0);
		sb_pop_push(&b);
		sb_u8(&b, OP_NOTIFY);
		sb_u8(&b, 1);
	}
	sb_u8(&b, OP_BASE);
	sb_u8(&b, 1);
	emit("wrap_laps", &b);

	/* the same id twice: VRQ_EID_INFLIGHT; then an id too large: VRQ_EID */
	sb_hdr(&b, 8, 0);
	sb_chain(&b, 3, 1, 1, 0);
	sb_chain(&b, 3, 1, 1, 0);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	sb_u8(&b, OP_RESET);
	sb_u8(&b, 1);
	sb_chain(&b, 8, 1, 1, 0);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	emit("id_inflight_and_range", &b);

	/* NEXT into a descriptor of the wrong lap: VRQ_EWRAP */
	sb_hdr(&b, 4, 0);
	sb_desc(&b, 1, FZ_BUF_DA, 8, 0, US);
	sb_desc(&b, 0, FZ_BUF_DA, 8, 0, AV | VRQ_DESC_F_NEXT);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	emit("wrong_wrap", &b);

	/* every descriptor chained: VRQ_ELOOP */
	sb_hdr(&b, 4, 0);
	for (i = 4; i-- > 0;)
		sb_desc(&b, i, FZ_BUF_DA + 8 * i, 8, 0, AV | VRQ_DESC_F_NEXT);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	emit("loop", &b);

	/* indirect: NEXT inside the table, nested table, outside memory, bad len */
	sb_hdr(&b, 8, 1);
	sb_tbl(&b, 0, FZ_BUF_DA, 8, VRQ_DESC_F_NEXT);
	sb_desc(&b, 0, FZ_TBL_DA, 32, 0, AV | VRQ_DESC_F_INDIRECT);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	sb_u8(&b, OP_RESET);
	sb_u8(&b, 0);
	sb_tbl(&b, 0, FZ_TBL_DA, 16, VRQ_DESC_F_INDIRECT);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	sb_u8(&b, OP_RESET);
	sb_u8(&b, 0);
	sb_desc(&b, 0, FZ_TBL_DA + FZ_TBL_SIZE - 16, 32, 0, AV | VRQ_DESC_F_INDIRECT);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	sb_u8(&b, OP_RESET);
	sb_u8(&b, 0);
	sb_desc(&b, 0, FZ_TBL_DA, 24, 0, AV | VRQ_DESC_F_INDIRECT);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	sb_u8(&b, OP_RESET);
	sb_u8(&b, 0);
	sb_desc(&b, 0, 0xdead0000ull, 64, 0, AV);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	emit("indirect_and_address_errors", &b);

	/* a short segment array: ESEGCAP, then the full one */
	sb_hdr(&b, 8, 0);
	sb_chain(&b, 0, 4, 2, 0);
	sb_u8(&b, OP_POP);
	sb_u8(&b, 1 | (1 << 1));
	sb_pop_push(&b);
	emit("segcap", &b);

	/* IN_ORDER: batched pushes, base get/set, reset */
	sb_hdr(&b, 12, 2 | 4 | 16);
	for (i = 0; i < 5; i++)
		sb_chain(&b, (2 * i) % 12, 2, 1, 0);
	for (i = 0; i < 5; i++) {
		sb_u8(&b, OP_POP);
		sb_u8(&b, POP_FULL);
	}
	for (i = 0; i < 5; i++) {
		sb_u8(&b, OP_PUSH);
		sb_u8(&b, PUSH_OLDEST);
		sb_len(&b, i == 2 ? 8 : 32);
	}
	sb_u8(&b, OP_NOTIFY);
	sb_u8(&b, 1);
	sb_u8(&b, OP_BASE);
	sb_u8(&b, 1);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 0);
	emit("in_order_batches_base", &b);

	/* regression: two chains of two descriptors on a ring of 2, the second
	 * made available over the first while the device holds it: the
	 * positions meet again (a double lap) with both ids in flight, and
	 * get_base must refuse (it used to report a base) */
	sb_hdr(&b, 2, 0);
	sb_chain(&b, 0, 2, 1, 0);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	sb_chain(&b, 1, 2, 1, 0);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	sb_u8(&b, OP_BASE);
	sb_u8(&b, 1);
	emit("regress_base_double_lap", &b);

	/* a full ring of 256 one-descriptor chains */
	sb_hdr(&b, 256, 0);
	for (i = 0; i < 256; i++)
		sb_chain(&b, i, 1, i & 1, 0);
	for (i = 0; i < 256; i++)
		sb_pop_push(&b);
	sb_u8(&b, OP_NOTIFY);
	sb_u8(&b, 1);
	emit("full_ring_256", &b);
}

#include "fuzz_main.h"
