/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_split_dev.c - split ring, device role, against a hostile
 * driver.  The script interleaves the driver's writes into shared memory
 * (descriptors, avail ring and index, used_event, avail flags, indirect
 * tables, any byte of any area) with the device's calls (pop, push,
 * publish, notify decision, enable/disable kicks, reset, get/set base).
 *
 * Header: [0] queue size 1 << (b % 9) (1..256); [1] bit 0 INDIRECT_DESC,
 * 1 IN_ORDER, 2 EVENT_IDX, 3 VRQ_CFG_NO_IDX_CACHE, 4 areas at the start of
 * their pages (else at the end), 5 VRQ_CFG_DEV_POLLS, 6 VRQ_CFG_DRV_POLLS.
 * Operations: see enum below (opcode = byte % OP_N).
 *
 * Invariants (a violation aborts naming it): a pop returns 1, 0,
 * -VRQ_ESEGCAP (only with a short segment array; nothing consumed, queue
 * running) or a peer error, after which the queue is broken and returns
 * that code again; a popped chain has 1..size segments and ring
 * descriptors, the head the avail ring names, and every segment inside a
 * registered region (the harness's own list) at the right local address;
 * a head popped and not pushed comes back only as VRQ_EHEAD_INFLIGHT, and
 * at most size heads are in flight; a push succeeds exactly for a head in
 * flight (else -VRQ_EINVAL, nothing changes); the peer-error counters add
 * up to the errors returned; popped/pushed counters match; a notify
 * decision counts exactly one of notifies / notifies_suppressed; get_base
 * succeeds only with nothing in flight.
 */
#define _GNU_SOURCE
#include "fuzz_common.h"

#define FZ_NAME "fuzz_split_dev"
#define MAX_SIZE 256u
#define SEG_CAP 512u /* more than any chain can have */

enum {
	OP_DESC,      /* i, addr, len, flags, next: write descriptor i */
	OP_AVAIL_ENT, /* i, v: avail->ring[i] = v */
	OP_AVAIL_IDX, /* v: avail->idx = v */
	OP_AVAIL_ADD, /* k: avail->idx += k */
	OP_EVENT,     /* sel, v: used_event or avail->flags = v */
	OP_TBL,	      /* j, addr, len, flags, next: indirect-table entry j */
	OP_POKE,      /* area, off, v: one byte anywhere */
	OP_CHAIN,     /* head, n, n_out, ind, t: a well-formed chain, made available */
	OP_POP,	      /* sel: full or short segment array */
	OP_PUSH,      /* sel, [head], len */
	OP_PUBLISH,
	OP_NOTIFY, /* sel: need_notify / notify_prepare */
	OP_KICK,   /* sel: enable_kick / disable_kick / has_avail */
	OP_RESET,
	OP_BASE, /* sel, [v]: get_base, set_base */
	OP_N
};

static struct vrq_seg g_segs[SEG_CAP];

struct st {
	struct fz_area desc, avail, used, buf, tbl;
	struct vrq_mem mem;
	struct fz_region reg[3];
	struct vrq_split_cfg cfg;
	struct vrq_split_dev dev;
	uint16_t size, mask;
	int in_order;
	uint8_t held[MAX_SIZE];
	uint16_t fifo[MAX_SIZE]; /* heads in flight, in pop order */
	uint16_t nheld;
	uint64_t errors, pops, pushes;
};

static void put_desc(void *at, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vrq_split_desc d;

	d.addr = vrq_cpu_to_le64(addr);
	d.len = vrq_cpu_to_le32(len);
	d.flags = vrq_cpu_to_le16(flags);
	d.next = vrq_cpu_to_le16(next);
	memcpy(at, &d, sizeof(d));
}

static void avail_idx_set(struct st *s, uint16_t v)
{
	__atomic_store_n(&s->cfg.ring.avail->idx, vrq_cpu_to_le16(v), __ATOMIC_RELEASE);
}

static uint16_t avail_idx(const struct st *s)
{
	return vrq_le16_to_cpu(__atomic_load_n(&s->cfg.ring.avail->idx, __ATOMIC_RELAXED));
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

static void held_drop(struct st *s, uint16_t head)
{
	unsigned i;

	s->held[head] = 0;
	for (i = 0; i < s->nheld; i++)
		if (s->fifo[i] == head)
			break;
	FZ_CHECK(i < s->nheld, "harness: head %u not in the fifo", head);
	memmove(&s->fifo[i], &s->fifo[i + 1], (s->nheld - i - 1) * sizeof(s->fifo[0]));
	s->nheld--;
}

static void op_pop(struct st *s, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint16_t cap = (sel & 1) ? (uint16_t)((sel >> 1) % 4) : (uint16_t)SEG_CAP;
	uint16_t want = vrq_le16_to_cpu(s->cfg.ring.avail->ring[s->dev.last_avail & s->mask]);
	int was = vrq_split_dev_broken(&s->dev), held = want < s->size && s->held[want];
	struct vrq_chain ch;
	int rc;

	vrq_chain_init(&ch, g_segs, cap);
	rc = vrq_split_dev_pop(&s->dev, &ch);
	if (fz_trace)
		printf("pop -> %d %s\n", rc, rc < 0 ? vrq_strerror(rc) : "");
	if (was) {
		FZ_CHECK(rc == was, "broken queue (%d) popped %d", was, rc);
		return;
	}
	if (rc < 0 && rc != -VRQ_EAVAIL_IDX)
		FZ_CHECK(held == (rc == -VRQ_EHEAD_INFLIGHT),
			 "head %u in flight %d, pop returned %d (%s)", want, held, rc,
			 vrq_strerror(rc));
	if (rc == 1) {
		fz_check_chain(&ch, s->reg, 3, s->size);
		FZ_CHECK(ch.head == want, "popped head %u, avail ring says %u", ch.head, want);
		FZ_CHECK(!s->held[ch.head], "head %u popped twice without a push", ch.head);
		s->held[ch.head] = 1;
		s->fifo[s->nheld++] = ch.head;
		FZ_CHECK(s->nheld <= s->size, "%u heads in flight, queue size %u", s->nheld,
			 s->size);
		s->pops++;
	} else if (rc == 0) {
		FZ_CHECK(ch.n == 0, "empty pop returned segments");
	} else if (rc == -VRQ_ESEGCAP) {
		FZ_CHECK(cap != SEG_CAP, "ESEGCAP with a %u-entry array", cap);
		FZ_CHECK(!vrq_split_dev_broken(&s->dev), "ESEGCAP stopped the queue");
	} else {
		FZ_CHECK(fz_is_peer_rc(rc), "pop returned %d (%s)", rc, vrq_strerror(rc));
		s->errors++;
		FZ_CHECK(vrq_split_dev_broken(&s->dev) == rc, "queue not broken after %d", rc);
		FZ_CHECK(vrq_split_dev_pop(&s->dev, &ch) == rc, "broken queue popped again");
	}
}

static void op_push(struct st *s, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint16_t head, before = s->dev.used_idx;
	uint32_t len;
	int rc, ok;

	if ((sel & 1) && s->nheld)
		head = s->fifo[s->in_order ? 0 : (sel >> 1) % s->nheld];
	else
		head = fz_u16(in);
	len = fz_len(in);
	ok = head < s->size && s->held[head];
	/* IN_ORDER: the device must push in pop order (an API rule, not input) */
	if (ok && s->in_order && head != s->fifo[0])
		return;
	rc = vrq_split_dev_push(&s->dev, head, len);
	if (ok) {
		FZ_CHECK(rc == 0, "push of head %u in flight returned %d", head, rc);
		held_drop(s, head);
		s->pushes++;
	} else {
		FZ_CHECK(rc == -VRQ_EINVAL && s->dev.used_idx == before,
			 "push of head %u not in flight returned %d", head, rc);
	}
}

static void op_notify(struct st *s, uint8_t sel)
{
	uint64_t n0 = s->dev.st.notifies, s0 = s->dev.st.notifies_suppressed;
	uint64_t pend;
	bool r;

	if (sel & 1)
		vrq_split_dev_publish(&s->dev);
	pend = s->dev.notify_pending;
	r = vrq_split_dev_need_notify(&s->dev);
	FZ_CHECK(s->dev.st.notifies == n0 + r &&
			 s->dev.st.notifies_suppressed == s0 + (!r && pend),
		 "notify decision %d counted %llu/%llu", r,
		 (unsigned long long)(s->dev.st.notifies - n0),
		 (unsigned long long)(s->dev.st.notifies_suppressed - s0));
}

static void op_base(struct st *s, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	int was = vrq_split_dev_broken(&s->dev), rc;
	uint32_t base = 0;

	rc = vrq_split_dev_get_base(&s->dev, &base);
	if (was)
		FZ_CHECK(rc == was, "get_base on a broken queue returned %d", rc);
	FZ_CHECK(rc <= 0, "get_base returned %d", rc);
	if (rc == 0)
		FZ_CHECK(s->nheld == 0 && base <= 0xffff, "get_base with %u heads in flight",
			 s->nheld);
	if (sel & 1) {
		uint32_t v = (sel & 2) ? fz_u32(in) : base;

		rc = vrq_split_dev_set_base(&s->dev, v);
		FZ_CHECK(rc <= 0, "set_base returned %d", rc);
		if (rc == 0)
			FZ_CHECK(s->nheld == 0 && v <= 0xffff, "set_base with %u heads in flight",
				 s->nheld);
	}
}

static void op_chain(struct st *s, struct fz_in *in)
{
	uint16_t head = (uint16_t)(fz_u16(in) & s->mask), idx = avail_idx(s);
	unsigned n = 1 + fz_u8(in) % 4, n_out = fz_u8(in) % (n + 1), k;
	uint8_t ind = fz_u8(in), t = (uint8_t)(fz_u8(in) % (FZ_TBL_SIZE / 16 - 4));

	for (k = 0; k < n; k++) {
		uint16_t fl = (uint16_t)((k >= n_out ? VRQ_DESC_F_WRITE : 0) |
					 (k + 1 < n ? VRQ_DESC_F_NEXT : 0));
		uint64_t a = FZ_BUF_DA + (64u * k + 8u * (ind >> 2)) % FZ_BUF_SIZE;

		if (ind & 1)
			put_desc(s->tbl.p + 16u * (t + k), a, 32, fl, (uint16_t)(k + 1));
		else
			put_desc(&s->cfg.ring.desc[(head + k) & s->mask], a, 32, fl,
				 (uint16_t)((head + k + 1) & s->mask));
	}
	if (ind & 1)
		put_desc(&s->cfg.ring.desc[head], FZ_TBL_DA + 16u * t, 16u * n,
			 VRQ_DESC_F_INDIRECT, 0);
	s->cfg.ring.avail->ring[idx & s->mask] = vrq_cpu_to_le16(head);
	avail_idx_set(s, (uint16_t)(idx + 1));
}

static void fz_run(const uint8_t *data, size_t n)
{
	static struct st s;
	struct fz_in in = {data, n, 0};
	uint8_t h0 = fz_u8(&in), h1 = fz_u8(&in);
	int at_start = (h1 >> 4) & 1;
	unsigned ops;

	memset(&s, 0, sizeof(s));
	s.size = (uint16_t)(1u << (h0 % 9));
	s.mask = (uint16_t)(s.size - 1);
	s.in_order = (h1 >> 1) & 1;
	fz_area_map(&s.desc, 16u * s.size, 16, at_start);
	fz_area_map(&s.avail, 6u + 2u * s.size, 2, at_start);
	fz_area_map(&s.used, 6u + 8u * s.size, 4, at_start);
	fz_area_map(&s.buf, FZ_BUF_SIZE, 16, at_start);
	fz_area_map(&s.tbl, FZ_TBL_SIZE, 16, at_start);
	vrq_mem_init(&s.mem);
	if (vrq_mem_add(&s.mem, 0, FZ_RING_DA, s.desc.p, s.desc.len, 0) ||
	    vrq_mem_add(&s.mem, 1, FZ_BUF_DA, s.buf.p, FZ_BUF_SIZE, 0) ||
	    vrq_mem_add(&s.mem, 2, FZ_TBL_DA, s.tbl.p, FZ_TBL_SIZE, 0))
		fz_fail("setup: vrq_mem_add");
	s.reg[0] = (struct fz_region){FZ_RING_DA, s.desc.len, s.desc.p};
	s.reg[1] = (struct fz_region){FZ_BUF_DA, FZ_BUF_SIZE, s.buf.p};
	s.reg[2] = (struct fz_region){FZ_TBL_DA, FZ_TBL_SIZE, s.tbl.p};
	s.cfg.size = s.size;
	s.cfg.features = VRQ_FEATURE(VRQ_F_VERSION_1) |
			 ((h1 & 1) ? VRQ_FEATURE(VRQ_F_INDIRECT_DESC) : 0) |
			 (s.in_order ? VRQ_FEATURE(VRQ_F_IN_ORDER) : 0) |
			 ((h1 & 4) ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0);
	s.cfg.domain = VRQ_DOM_SMP;
	s.cfg.flags = ((h1 & 8) ? VRQ_CFG_NO_IDX_CACHE : 0) | ((h1 & 32) ? VRQ_CFG_DEV_POLLS : 0) |
		      ((h1 & 64) ? VRQ_CFG_DRV_POLLS : 0);
	s.cfg.ring.desc = (struct vrq_split_desc *)(void *)s.desc.p;
	s.cfg.ring.avail = (struct vrq_split_avail *)(void *)s.avail.p;
	s.cfg.ring.used = (struct vrq_split_used *)(void *)s.used.p;
	s.cfg.mem = &s.mem;
	if (vrq_split_dev_init(&s.dev, &s.cfg))
		fz_fail("setup: vrq_split_dev_init");

	for (ops = 0; ops < FZ_MAX_OPS && fz_more(&in); ops++) {
		uint8_t op = fz_u8(&in) % OP_N, sel;
		uint16_t i;

		switch (op) {
		case OP_DESC: {
			uint64_t a;
			uint32_t l;
			uint16_t fl;

			i = (uint16_t)(fz_u16(&in) & s.mask);
			a = fz_addr(&in, s.desc.len);
			l = fz_len(&in);
			fl = fz_u16(&in);
			put_desc(&s.cfg.ring.desc[i], a, l, fl, fz_u16(&in));
			break;
		}
		case OP_AVAIL_ENT:
			i = (uint16_t)(fz_u16(&in) & s.mask);
			s.cfg.ring.avail->ring[i] = vrq_cpu_to_le16(fz_u16(&in));
			break;
		case OP_AVAIL_IDX:
			avail_idx_set(&s, fz_u16(&in));
			break;
		case OP_AVAIL_ADD:
			avail_idx_set(&s, (uint16_t)(avail_idx(&s) + fz_u8(&in)));
			break;
		case OP_EVENT:
			sel = fz_u8(&in);
			if (sel & 1)
				s.cfg.ring.avail->ring[s.size] = vrq_cpu_to_le16(fz_u16(&in));
			else
				s.cfg.ring.avail->flags = vrq_cpu_to_le16(fz_u16(&in));
			break;
		case OP_TBL: {
			uint64_t a;
			uint32_t l;
			uint16_t fl;

			i = fz_u8(&in);
			a = fz_addr(&in, s.desc.len);
			l = fz_len(&in);
			fl = fz_u16(&in);
			put_desc(s.tbl.p + 16u * (i % (FZ_TBL_SIZE / 16)), a, l, fl, fz_u16(&in));
			break;
		}
		case OP_POKE: {
			struct fz_area *ar[5] = {&s.desc, &s.avail, &s.used, &s.tbl, &s.buf};
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
			vrq_split_dev_publish(&s.dev);
			break;
		case OP_NOTIFY:
			op_notify(&s, fz_u8(&in));
			break;
		case OP_KICK:
			sel = fz_u8(&in) % 3;
			if (sel == 0)
				(void)vrq_split_dev_enable_kick(&s.dev);
			else if (sel == 1)
				vrq_split_dev_disable_kick(&s.dev);
			else
				(void)vrq_split_dev_has_avail(&s.dev);
			break;
		case OP_RESET:
			vrq_split_dev_reset(&s.dev);
			FZ_CHECK(!vrq_split_dev_broken(&s.dev), "reset left the queue broken");
			memset(s.held, 0, sizeof(s.held));
			s.nheld = 0;
			break;
		case OP_BASE:
			op_base(&s, &in);
			break;
		}
		check_counters(&s);
	}
	vrq_split_dev_publish(&s.dev);
	check_counters(&s);
	vrq_split_dev_fini(&s.dev);
	fz_area_unmap(&s.desc);
	fz_area_unmap(&s.avail);
	fz_area_unmap(&s.used);
	fz_area_unmap(&s.buf);
	fz_area_unmap(&s.tbl);
}

/* ---- seeds ------------------------------------------------------------------ */

static void sb_hdr(struct fz_sb *b, unsigned lg, unsigned feat)
{
	b->n = 0;
	sb_u8(b, lg);
	sb_u8(b, feat);
}

static void sb_chain(struct fz_sb *b, unsigned head, unsigned n, unsigned n_out, unsigned ind,
		     unsigned t)
{
	sb_u8(b, OP_CHAIN);
	sb_u16(b, head);
	sb_u8(b, n - 1);
	sb_u8(b, n_out);
	sb_u8(b, ind);
	sb_u8(b, t);
}

static void sb_desc(struct fz_sb *b, unsigned i, uint64_t da, uint32_t len, unsigned fl,
		    unsigned next)
{
	sb_u8(b, OP_DESC);
	sb_u16(b, i);
	sb_addr_raw(b, da);
	sb_len(b, len);
	sb_u16(b, fl);
	sb_u16(b, next);
}

static void sb_tbl(struct fz_sb *b, unsigned j, uint64_t da, uint32_t len, unsigned fl,
		   unsigned next)
{
	sb_u8(b, OP_TBL);
	sb_u8(b, j);
	sb_addr_raw(b, da);
	sb_len(b, len);
	sb_u16(b, fl);
	sb_u16(b, next);
}

static void sb_avail(struct fz_sb *b, unsigned i, unsigned head, unsigned idx)
{
	sb_u8(b, OP_AVAIL_ENT);
	sb_u16(b, i);
	sb_u16(b, head);
	sb_u8(b, OP_AVAIL_IDX);
	sb_u16(b, idx);
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

	/* one direct chain of three segments, popped, pushed, notified */
	sb_hdr(&b, 3, 0);
	sb_chain(&b, 0, 3, 1, 0, 0);
	sb_pop_push(&b);
	sb_u8(&b, OP_NOTIFY);
	sb_u8(&b, 1);
	emit("chain_direct", &b);

	/* an indirect chain (INDIRECT_DESC), EVENT_IDX, enable/disable kicks */
	sb_hdr(&b, 3, 1 | 4);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 0);
	sb_chain(&b, 5, 4, 2, 1, 10);
	sb_pop_push(&b);
	sb_u8(&b, OP_EVENT);
	sb_u8(&b, 1);
	sb_u16(&b, 0);
	sb_u8(&b, OP_NOTIFY);
	sb_u8(&b, 1);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 1);
	emit("chain_indirect_event_idx", &b);

	/* next index past the table: VRQ_ENEXT */
	sb_hdr(&b, 3, 0);
	sb_desc(&b, 0, FZ_BUF_DA, 16, VRQ_DESC_F_NEXT, 200);
	sb_avail(&b, 0, 0, 1);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	emit("next_out_of_range", &b);

	/* next index past an indirect table: VRQ_ENEXT inside the table */
	sb_hdr(&b, 3, 1);
	sb_desc(&b, 2, FZ_TBL_DA, 32, VRQ_DESC_F_INDIRECT, 0);
	sb_tbl(&b, 0, FZ_BUF_DA, 8, VRQ_DESC_F_NEXT, 2);
	sb_avail(&b, 0, 2, 1);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	emit("indirect_next_out_of_range", &b);

	/* descriptors linked in a loop: VRQ_ELOOP */
	sb_hdr(&b, 2, 0);
	for (i = 0; i < 4; i++)
		sb_desc(&b, i, FZ_BUF_DA + 8 * i, 8, VRQ_DESC_F_NEXT, (i + 1) & 3);
	sb_avail(&b, 0, 1, 1);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	emit("loop", &b);

	/* the same head made available twice: VRQ_EHEAD_INFLIGHT */
	sb_hdr(&b, 3, 0);
	sb_chain(&b, 2, 1, 1, 0, 0);
	sb_chain(&b, 2, 1, 1, 0, 0);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	emit("head_twice", &b);

	/* avail idx far ahead: VRQ_EAVAIL_IDX, then reset and run again */
	sb_hdr(&b, 4, 0);
	sb_u8(&b, OP_AVAIL_IDX);
	sb_u16(&b, 1000);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	sb_u8(&b, OP_RESET);
	sb_u8(&b, OP_AVAIL_IDX);
	sb_u16(&b, 0);
	sb_chain(&b, 0, 2, 1, 0, 0);
	sb_pop_push(&b);
	emit("avail_idx_jump_reset", &b);

	/* segment and indirect table outside registered memory, nested table */
	sb_hdr(&b, 3, 1);
	sb_desc(&b, 0, 0xdeadbeef000ull, 64, 0, 0);
	sb_avail(&b, 0, 0, 1);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	sb_u8(&b, OP_RESET);
	sb_desc(&b, 0, FZ_TBL_DA + FZ_TBL_SIZE - 16, 32, VRQ_DESC_F_INDIRECT, 0);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	sb_u8(&b, OP_RESET);
	sb_desc(&b, 0, FZ_TBL_DA, 16, VRQ_DESC_F_INDIRECT, 0);
	sb_tbl(&b, 0, FZ_TBL_DA, 16, VRQ_DESC_F_INDIRECT, 0);
	sb_u8(&b, OP_POP);
	sb_u8(&b, POP_FULL);
	emit("bad_addresses_nested", &b);

	/* a short segment array: ESEGCAP, then the full array takes it */
	sb_hdr(&b, 3, 0);
	sb_chain(&b, 0, 4, 2, 0, 0);
	sb_u8(&b, OP_POP);
	sb_u8(&b, 1 | (1 << 1));
	sb_pop_push(&b);
	emit("segcap", &b);

	/* IN_ORDER + EVENT_IDX: batches of pushes, base get/set, reset */
	sb_hdr(&b, 4, 2 | 4 | 16);
	for (i = 0; i < 6; i++)
		sb_chain(&b, (2 * i) & 15, 2, 1, 0, 0);
	for (i = 0; i < 6; i++) {
		sb_u8(&b, OP_POP);
		sb_u8(&b, POP_FULL);
	}
	for (i = 0; i < 6; i++) {
		sb_u8(&b, OP_PUSH);
		sb_u8(&b, PUSH_OLDEST);
		sb_len(&b, i == 3 ? 8 : 32);
	}
	sb_u8(&b, OP_NOTIFY);
	sb_u8(&b, 1);
	sb_u8(&b, OP_BASE);
	sb_u8(&b, 1);
	sb_u8(&b, OP_KICK);
	sb_u8(&b, 0);
	emit("in_order_batches_base", &b);

	/* a full ring of 256 one-segment chains, popped and pushed */
	sb_hdr(&b, 8, 0);
	for (i = 0; i < 256; i++)
		sb_chain(&b, i, 1, i & 1, 0, 0);
	for (i = 0; i < 256; i++)
		sb_pop_push(&b);
	sb_u8(&b, OP_NOTIFY);
	sb_u8(&b, 1);
	emit("full_ring_256", &b);
}

#include "fuzz_main.h"
