/* SPDX-License-Identifier: MIT */
/*
 * tests/hostile/test_toctou.c - time of check vs time of use: a hostile
 * driver thread rewrites the ring while the real device role walks it.
 *
 *   test_toctou [--pops N] [--ring split|packed|all] [--indirect 0|1|all]
 *
 * Two threads share one ring.  The writer (the hostile driver) never stops
 * changing what the device reads: whole descriptors in the ring and in the
 * indirect tables (addresses anywhere, in and out of the registered
 * regions, straddling two regions that are adjacent in device-address
 * space, wrapping 2^64; huge lengths; NEXT links into loops and out of the
 * table; INDIRECT flags, nested tables, bad table lengths; packed: random
 * ids and AVAIL/USED bits), "flips" (one descriptor's address toggled
 * between an in-region and an unregistered value, many times in a row, on
 * the descriptor the device reads next), and it publishes chains (split:
 * avail entries and avail->idx, now and then a bad index; packed: chains
 * written at the device's position, mostly with the right wrap bits).
 *
 * The device thread pops, checks, pushes and publishes.  After every pop:
 *  - a chain (1): at most queue-size segments, readable ones first, every
 *    segment of non-zero length inside ONE region of the test's own list
 *    (not vrq's memory map) and its local pointer exactly that region's
 *    pointer for its address, the lengths adding up to out_len + in_len
 *    without overflow (< 2^32); the first and last byte of each segment are
 *    read (ASan checks the pointer).  If the device read a descriptor field
 *    from shared memory again after validating it, the value it returned
 *    could be one it never checked (a flip in between): these checks see it.
 *  - an error: a negative peer code, counted per code, the queue broken
 *    with that code; the device resets (vrq_*_dev_reset), the writer
 *    re-initialises the ring (handshake below) and the run goes on.  The
 *    device's peer_err counters must equal the errors seen, per code.
 *
 * Reset handshake: the device bumps reset_req (release) and waits for
 * reset_ack; the writer, which looks at reset_req on every step, zeroes
 * its view of the ring (split: avail and used indices; packed: the
 * descriptor ring and both event areas), then acks.
 *
 * 10^6 pops (chains or errors, not empty polls) per configuration
 * (split/packed x INDIRECT_DESC off/on), x $VRQ_TEST_SCALE.
 *
 * The race between the writer's stores and the device's reads of the ring
 * is the point of the test: the writer uses relaxed atomic stores (no torn
 * values, no undefined behaviour), the device reads as it always does, and
 * tests/tsan.supp suppresses exactly this race by this file's function
 * names (toctou_writer*, toctou_dev_*).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vrq_test.h"

#define SPLIT_SIZE 32u
#define PACKED_SIZE 31u /* packed: not a power of two */
#define SEG_CAP 128u	/* > every queue size: a chain too long would show */

#define RING_DA 0x100000000000ull
#define BUF_DA 0x200000000000ull
#define BUF_SIZE (64u * 1024)
#define XTRA_DA 0x300000000000ull /* indirect tables (first half) and segments */
#define XTRA_SIZE (64u * 1024)
#define ADJ_DA (XTRA_DA + XTRA_SIZE) /* adjacent in DA space, separate allocation */
#define ADJ_SIZE 4096u
#define BAD_DA 0x5a0000000000ull /* never registered */

#define NTBL 64u	/* indirect tables in xtra */
#define TBL_ENT 32u	/* entries per table */
#define TBL_BYTES (TBL_ENT * 16u)

#define WATCHDOG_NS (20ull * 1000000000ull)

#define NOINLINE __attribute__((noinline))

/* ---- configuration and shared state ---------------------------------------- */

struct reg {
	uint64_t da, size;
	uint8_t *va;
};

struct tt {
	int packed, indirect;
	uint16_t size;
	uint64_t target;
	/* memory */
	uint8_t *ring_mem, *buf, *xtra, *adj;
	size_t ring_bytes;
	struct reg reg[4];
	unsigned nreg;
	struct vrq_mem mem;
	/* split */
	struct vrq_split_layout slay;
	struct vrq_split_desc *sdesc;
	struct vrq_split_avail *avail;
	struct vrq_split_used *used;
	struct vrq_split_dev sdev;
	/* packed */
	struct vrq_packed_layout play;
	struct vrq_packed_desc *pdesc;
	struct vrq_packed_event *drv_ev, *dev_ev;
	struct vrq_packed_dev pdev;

	/* shared between the threads (atomics only) */
	_Alignas(64) uint32_t reset_req;
	_Alignas(64) uint32_t reset_ack;
	_Alignas(64) uint32_t dev_pos; /* packed: next_avail | avail_wrap << 15 */
	_Alignas(64) int stop;

	/* writer thread only */
	_Alignas(64) uint64_t wx; /* xorshift state */
	uint16_t w_avail;	  /* split: next avail index */
	uint64_t w_ops, w_pubs, w_flips, w_resets;

	/* device thread only */
	_Alignas(64) uint64_t dx;
	struct vrq_seg seg[SEG_CAP];
	struct vrq_chain ch;
	uint64_t pops, ok, errors, empty, segs, touched;
	uint64_t hist[VRQ_PEER_ERR_COUNT];
	uint32_t req;
	uint8_t sink;
};

static uint64_t xs(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint32_t rn(uint64_t *s, uint32_t n)
{
	return (uint32_t)(xs(s) % n);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *const peer_name[VRQ_PEER_ERR_COUNT] = {
	"AVAIL_IDX", "HEAD", "NEXT", "LOOP", "INDIRECT_FEATURE", "INDIRECT_NEXT",
	"INDIRECT_NESTED", "INDIRECT_LEN", "INDIRECT_ADDR", "TOTAL_LEN", "ORDER", "ADDR",
	"USED_IDX", "USED_ID", "USED_LEN", "ID", "ID_INFLIGHT", "WRAP",
	[VRQ_PEER_ERR_IDX(VRQ_EHEAD_INFLIGHT)] = "HEAD_INFLIGHT",
	[VRQ_PEER_ERR_IDX(VRQ_EINDIRECT_TABLE_NEXT)] = "INDIRECT_TABLE_NEXT",
};

/* ---- the hostile writer -------------------------------------------------------- */

/* Relaxed atomic stores: the device may read these bytes at any time. */
static void st64(vrq_le64 *p, uint64_t v)
{
	__atomic_store_n(p, vrq_cpu_to_le64(v), __ATOMIC_RELAXED);
}

static void st32(vrq_le32 *p, uint32_t v)
{
	__atomic_store_n(p, vrq_cpu_to_le32(v), __ATOMIC_RELAXED);
}

static void st16(vrq_le16 *p, uint16_t v)
{
	__atomic_store_n(p, vrq_cpu_to_le16(v), __ATOMIC_RELAXED);
}

/* A segment address and length: mostly inside a region, else anywhere. */
static void toctou_writer_seg(struct tt *t, uint64_t *addr, uint32_t *len)
{
	uint64_t *s = &t->wx;
	uint32_t off, k;

	switch (rn(s, 40)) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
		off = rn(s, BUF_SIZE);
		*addr = BUF_DA + off;
		*len = rn(s, (BUF_SIZE - off < 2048 ? BUF_SIZE - off : 2048) + 1);
		break;
	case 8: case 9:
		off = rn(s, XTRA_SIZE);
		*addr = XTRA_DA + off;
		*len = rn(s, (XTRA_SIZE - off < 4096 ? XTRA_SIZE - off : 4096) + 1);
		break;
	case 10:
		off = rn(s, ADJ_SIZE);
		*addr = ADJ_DA + off;
		*len = rn(s, ADJ_SIZE - off + 1);
		break;
	case 11: /* the ring itself (registered: allowed) */
		off = rn(s, (uint32_t)t->ring_bytes);
		*addr = RING_DA + off;
		*len = rn(s, (uint32_t)t->ring_bytes - off + 1);
		break;
	case 12: /* straddles xtra | adj: adjacent DAs, two allocations */
		k = 1 + rn(s, 64);
		*addr = ADJ_DA - k;
		*len = k + 1 + rn(s, 64);
		break;
	case 13: /* runs past the end of buf */
		k = 1 + rn(s, 64);
		*addr = BUF_DA + BUF_SIZE - k;
		*len = k + 1 + rn(s, 64);
		break;
	case 14: /* unregistered */
		*addr = rn(s, 2) ? xs(s) : BAD_DA + rn(s, 4096);
		*len = rn(s, 512);
		break;
	case 15: /* huge length in a region */
		*addr = BUF_DA + rn(s, BUF_SIZE);
		*len = rn(s, 2) ? 0xffffffffu : 0x80000000u | (uint32_t)xs(s);
		break;
	case 16: /* wraps 2^64 */
		*addr = UINT64_MAX - rn(s, 64);
		*len = 1 + rn(s, 128);
		break;
	case 17: /* just before a region */
		*addr = BUF_DA - 1 - rn(s, 16);
		*len = 1 + rn(s, 64);
		break;
	default: /* small, in buf (cases 18..39) */
		*addr = BUF_DA + rn(s, BUF_SIZE - 64);
		*len = rn(s, 65);
		break;
	}
}

/* An indirect table reference: mostly a real table with a fitting length. */
static void toctou_writer_tbl(struct tt *t, uint64_t *addr, uint32_t *len)
{
	uint64_t *s = &t->wx;

	*addr = XTRA_DA + (uint64_t)rn(s, NTBL) * TBL_BYTES;
	*len = 16u * (1 + rn(s, TBL_ENT));
	switch (rn(s, 24)) {
	case 0: *len = 0; break;
	case 1: *len = 1 + rn(s, 1000); break; /* rarely a multiple of 16 */
	case 2: *len = 16u * (TBL_ENT + 1 + rn(s, 100)); break; /* past the table, maybe past size */
	case 3: toctou_writer_seg(t, addr, len); break;
	case 4: *addr = XTRA_DA + XTRA_SIZE - 16u * rn(s, 4); break; /* crosses into adj */
	case 5: *addr = XTRA_DA + rn(s, XTRA_SIZE); break; /* misaligned */
	default: break;
	}
}

static void toctou_writer_split_desc(struct tt *t, struct vrq_split_desc *d, uint32_t entries,
				     int in_table)
{
	uint64_t *s = &t->wx, addr;
	uint32_t len;
	uint16_t flags = 0, next;

	if (!rn(s, 3))
		flags |= VRQ_DESC_F_NEXT;
	if (!rn(s, 4))
		flags |= VRQ_DESC_F_WRITE;
	if (!rn(s, in_table ? 24 : 10)) {
		flags |= VRQ_DESC_F_INDIRECT;
		if (rn(s, 8))
			flags &= (uint16_t)~VRQ_DESC_F_NEXT;
		toctou_writer_tbl(t, &addr, &len);
	} else {
		toctou_writer_seg(t, &addr, &len);
	}
	next = (uint16_t)rn(s, entries);
	if (!rn(s, 32))
		next = (uint16_t)xs(s);
	if (!rn(s, 128))
		flags = (uint16_t)xs(s);
	st64(&d->addr, addr);
	st32(&d->len, len);
	st16(&d->next, next);
	st16(&d->flags, flags);
}

static uint16_t packed_avail_bits(int wrap)
{
	return wrap ? VRQ_PACKED_DESC_F_AVAIL : VRQ_PACKED_DESC_F_USED;
}

static void toctou_writer_packed_desc(struct tt *t, struct vrq_packed_desc *d, int in_table,
				      uint16_t bits, int last, int first_release)
{
	uint64_t *s = &t->wx, addr;
	uint32_t len;
	uint16_t flags = 0;

	/* NEXT on all but the last; on the last now and then (a chain
	 * running into the next lap, or around the whole ring: ELOOP) */
	if (!last || !rn(s, 8))
		flags |= VRQ_DESC_F_NEXT;
	if (!rn(s, 3))
		flags |= VRQ_DESC_F_WRITE;
	if (!rn(s, in_table ? 24 : 10)) {
		flags |= VRQ_DESC_F_INDIRECT;
		if (rn(s, 8))
			flags &= (uint16_t)~VRQ_DESC_F_NEXT;
		toctou_writer_tbl(t, &addr, &len);
	} else {
		toctou_writer_seg(t, &addr, &len);
	}
	if (in_table) {
		if (!rn(s, 3))
			flags &= (uint16_t)~VRQ_DESC_F_NEXT;
		flags |= (uint16_t)(rn(s, 4) ? 0 : (VRQ_PACKED_DESC_F_AVAIL | VRQ_PACKED_DESC_F_USED));
	} else {
		flags |= bits;
		if (!rn(s, 20)) /* wrong wrap bits */
			flags ^= (uint16_t)(rn(s, 2) ? VRQ_PACKED_DESC_F_AVAIL : VRQ_PACKED_DESC_F_USED);
	}
	if (!rn(s, 128))
		flags = (uint16_t)xs(s);
	st64(&d->addr, addr);
	st32(&d->len, len);
	st16(&d->id, (uint16_t)(rn(s, 32) ? rn(s, t->size) : xs(s)));
	if (first_release)
		__atomic_store_n(&d->flags, vrq_cpu_to_le16(flags), __ATOMIC_RELEASE);
	else
		st16(&d->flags, flags);
}

static struct vrq_split_desc *split_tbl(struct tt *t, uint32_t i)
{
	return (struct vrq_split_desc *)(void *)(t->xtra + (size_t)i * TBL_BYTES);
}

static struct vrq_packed_desc *packed_tbl(struct tt *t, uint32_t i)
{
	return (struct vrq_packed_desc *)(void *)(t->xtra + (size_t)i * TBL_BYTES);
}

/* Toggle one address between a value inside buf and one in no region,
 * with a length that fits either way: a device that validates one read
 * and uses another returns the unregistered one sooner or later. */
static void toctou_writer_flip(struct tt *t, vrq_le64 *addr, vrq_le32 *len)
{
	uint64_t *s = &t->wx;
	uint32_t off = rn(s, BUF_SIZE - 256), n = 16 + rn(s, 64), i;

	st32(len, 1 + rn(s, 256));
	for (i = 0; i < n; i++)
		st64(addr, (i & 1) ? BAD_DA + off : BUF_DA + off);
	t->w_flips++;
}

static void toctou_writer_reinit(struct tt *t)
{
	if (!t->packed) {
		st16(&t->avail->idx, 0);
		st16(&t->avail->flags, 0);
		st16(&t->used->idx, 0);
		st16(&t->used->flags, 0);
		t->w_avail = 0;
	} else {
		uint16_t i;

		/* flags 0: nothing available in lap 1 */
		for (i = 0; i < t->size; i++) {
			st16(&t->pdesc[i].flags, 0);
			st16(&t->pdesc[i].id, 0);
			st32(&t->pdesc[i].len, 0);
			st64(&t->pdesc[i].addr, 0);
		}
		st16(&t->drv_ev->off_wrap, 0);
		st16(&t->drv_ev->flags, 0);
		st16(&t->dev_ev->off_wrap, 0);
		st16(&t->dev_ev->flags, 0);
	}
	t->w_resets++;
}

static void toctou_writer_split_step(struct tt *t)
{
	uint64_t *s = &t->wx;
	uint32_t r = rn(s, 100);

	if (r < 25) {
		toctou_writer_split_desc(t, &t->sdesc[rn(s, t->size)], t->size, 0);
	} else if (r < 40) {
		toctou_writer_split_desc(t, &split_tbl(t, rn(s, NTBL))[rn(s, TBL_ENT)], TBL_ENT, 1);
	} else if (r < 65) {
		/* flip the head the device pops next, or any descriptor */
		uint16_t u = vrq_le16_to_cpu(__atomic_load_n(&t->used->idx, __ATOMIC_ACQUIRE));
		uint16_t h = vrq_le16_to_cpu(__atomic_load_n(&t->avail->ring[u & (t->size - 1)],
							      __ATOMIC_RELAXED));
		struct vrq_split_desc *d;

		if (r < 45)
			d = &split_tbl(t, rn(s, NTBL))[rn(s, 4)];
		else
			d = &t->sdesc[r < 50 || h >= t->size ? rn(s, t->size) : h];
		toctou_writer_flip(t, &d->addr, &d->len);
	} else if (r == 65 && !rn(s, 4)) {
		/* a chain through the whole table of clean segments: size
		 * segments, the most a chain may have, or a loop (ELOOP) */
		uint16_t i, loop = !rn(s, 3);

		for (i = 0; i < t->size; i++) {
			struct vrq_split_desc *d = &t->sdesc[i];
			int more = i + 1 < t->size || loop;

			st64(&d->addr, BUF_DA + (uint64_t)i * 64);
			st32(&d->len, 64);
			st16(&d->next, (uint16_t)((i + 1) & (t->size - 1)));
			st16(&d->flags, more ? VRQ_DESC_F_NEXT : 0);
		}
	} else if (r < 99) {
		/* publish one entry when the device has room for it */
		uint16_t u = vrq_le16_to_cpu(__atomic_load_n(&t->used->idx, __ATOMIC_ACQUIRE));
		uint16_t head = (uint16_t)rn(s, t->size);

		if ((uint16_t)(t->w_avail - u) >= t->size)
			return;
		if (!rn(s, 64))
			head = (uint16_t)(t->size + rn(s, 0x10000 - t->size));
		st16(&t->avail->ring[t->w_avail & (t->size - 1)], head);
		t->w_avail++;
		__atomic_store_n(&t->avail->idx, vrq_cpu_to_le16(t->w_avail), __ATOMIC_RELEASE);
		t->w_pubs++;
	} else if (!rn(s, 50)) {
		/* avail->idx far ahead of the device */
		t->w_avail = (uint16_t)(t->w_avail + t->size + 1 + rn(s, 1000));
		__atomic_store_n(&t->avail->idx, vrq_cpu_to_le16(t->w_avail), __ATOMIC_RELEASE);
	}
}

/* A chain over the whole ring of clean segments: size segments, the most
 * a chain may have, or, with NEXT on the last one too, a loop (ELOOP). */
static void toctou_writer_packed_ring(struct tt *t, uint16_t p, int wrap)
{
	uint16_t i, q = p;
	int w = wrap, loop = !rn(&t->wx, 3);
	uint16_t first = 0;

	for (i = 0; i < t->size; i++) {
		struct vrq_packed_desc *d = &t->pdesc[q];
		uint16_t f = packed_avail_bits(w);

		if (i + 1 < t->size || loop)
			f |= VRQ_DESC_F_NEXT;
		st64(&d->addr, BUF_DA + (uint64_t)i * 64);
		st32(&d->len, 64);
		st16(&d->id, (uint16_t)rn(&t->wx, t->size));
		if (i)
			st16(&d->flags, f);
		else
			first = f;
		if (++q == t->size) {
			q = 0;
			w = !w;
		}
	}
	__atomic_store_n(&t->pdesc[p].flags, vrq_cpu_to_le16(first), __ATOMIC_RELEASE);
	t->w_pubs++;
}

static void toctou_writer_packed_step(struct tt *t)
{
	uint64_t *s = &t->wx;
	uint32_t r = rn(s, 100);
	uint32_t pos = __atomic_load_n(&t->dev_pos, __ATOMIC_ACQUIRE);
	uint16_t p = (uint16_t)(pos & 0x7fff);
	int wrap = !!(pos >> 15);

	if (p >= t->size)
		return;
	if (r < 25) {
		/* any descriptor, any AVAIL / USED bits */
		uint16_t bits = (uint16_t)((rn(s, 2) ? VRQ_PACKED_DESC_F_AVAIL : 0) |
					   (rn(s, 2) ? VRQ_PACKED_DESC_F_USED : 0));

		toctou_writer_packed_desc(t, &t->pdesc[rn(s, t->size)], 0, bits, rn(s, 2), 0);
	} else if (r < 40) {
		toctou_writer_packed_desc(t, &packed_tbl(t, rn(s, NTBL))[rn(s, TBL_ENT)], 1, 0, 1, 0);
	} else if (r < 65) {
		struct vrq_packed_desc *d;

		if (r < 45)
			d = &packed_tbl(t, rn(s, NTBL))[rn(s, 4)];
		else if (r < 50)
			d = &t->pdesc[rn(s, t->size)];
		else
			d = &t->pdesc[p];
		toctou_writer_flip(t, &d->addr, &d->len);
	} else {
		/* a chain of 1..4 descriptors at the device's position, the
		 * first one's flags last (release) */
		uint32_t n = 1 + rn(s, 4), i;
		uint16_t q[4];
		int w[4];

		if (!rn(s, 100)) {
			toctou_writer_packed_ring(t, p, wrap);
			return;
		}

		for (i = 0; i < n; i++) {
			q[i] = p;
			w[i] = wrap;
			if (++p == t->size) {
				p = 0;
				wrap = !wrap;
			}
		}
		for (i = n; i-- > 0;)
			toctou_writer_packed_desc(t, &t->pdesc[q[i]], 0, packed_avail_bits(w[i]),
						  i + 1 == n, i == 0);
		t->w_pubs++;
	}
}

static NOINLINE void *toctou_writer(void *arg)
{
	struct tt *t = arg;
	uint32_t ack = 0;

	while (!__atomic_load_n(&t->stop, __ATOMIC_RELAXED)) {
		uint32_t req = __atomic_load_n(&t->reset_req, __ATOMIC_ACQUIRE);

		if (req != ack) {
			toctou_writer_reinit(t);
			ack = req;
			__atomic_store_n(&t->reset_ack, ack, __ATOMIC_RELEASE);
			continue;
		}
		if (t->packed)
			toctou_writer_packed_step(t);
		else
			toctou_writer_split_step(t);
		/* on a loaded machine, let the device run now and then: it is
		 * the pops that count, not the writer's steps */
		if (++t->w_ops % 4096 == 0)
			sched_yield();
	}
	return NULL;
}

/* ---- the device --------------------------------------------------------------- */

static NOINLINE int toctou_dev_pop(struct tt *t)
{
	vrq_chain_init(&t->ch, t->seg, (uint16_t)SEG_CAP);
	return t->packed ? vrq_packed_dev_pop(&t->pdev, &t->ch) : vrq_split_dev_pop(&t->sdev, &t->ch);
}

static NOINLINE int toctou_dev_push(struct tt *t, uint16_t head, uint32_t len)
{
	int rc;

	if (t->packed) {
		rc = vrq_packed_dev_push(&t->pdev, head, len);
		vrq_packed_dev_publish(&t->pdev);
		__atomic_store_n(&t->dev_pos,
				 (uint32_t)t->pdev.next_avail | (uint32_t)t->pdev.avail_wrap << 15,
				 __ATOMIC_RELEASE);
	} else {
		rc = vrq_split_dev_push(&t->sdev, head, len);
		vrq_split_dev_publish(&t->sdev);
	}
	return rc;
}

static NOINLINE int toctou_dev_broken(struct tt *t)
{
	return t->packed ? vrq_packed_dev_broken(&t->pdev) : vrq_split_dev_broken(&t->sdev);
}

static const struct vrq_dev_stats *dev_stats(const struct tt *t)
{
	return t->packed ? &t->pdev.st : &t->sdev.st;
}

/* The region of the test's own list holding [da, da + len), or NULL. */
static const struct reg *find_reg(const struct tt *t, uint64_t da, uint64_t len)
{
	unsigned i;

	for (i = 0; i < t->nreg; i++) {
		const struct reg *r = &t->reg[i];

		if (da >= r->da && da - r->da < r->size && len <= r->size - (da - r->da))
			return r;
	}
	return NULL;
}

/* Everything a popped chain promises, checked against our own map. */
static int check_chain(struct tt *t, const char *name)
{
	const struct vrq_chain *c = &t->ch;
	uint64_t out = 0, in = 0;
	unsigned i;

	CHECK_OUT(c->n >= 1 && c->n <= t->size);
	CHECK_OUT(c->n_out <= c->n);
	CHECK_OUT(c->ndesc >= 1 && c->ndesc <= t->size);
	CHECK_OUT(c->head < t->size);
	for (i = 0; i < c->n; i++) {
		const struct vrq_seg *s = &c->seg[i];
		int write = !!(s->flags & VRQ_SEG_WRITE);

		CHECK_OUT(!(s->flags & ~(uint32_t)VRQ_SEG_WRITE));
		CHECK_EQ_OUT(write, i >= c->n_out);
		if (write)
			in += s->len;
		else
			out += s->len;
		if (s->len) {
			const struct reg *r = find_reg(t, s->addr, s->len);

			if (!r || (const uint8_t *)s->va != r->va + (s->addr - r->da)) {
				fprintf(stderr,
					"[%s] segment %u of %u: addr %#" PRIx64 " len %u va %p: %s\n",
					name, i, c->n, s->addr, s->len, s->va,
					r ? "pointer is not the address's" : "outside every region");
				CHECK_OUT(r && (const uint8_t *)s->va == r->va + (s->addr - r->da));
			}
			/* touch both ends (ASan: the pointer is real memory) */
			t->sink ^= __atomic_load_n((const uint8_t *)s->va, __ATOMIC_RELAXED);
			t->sink ^= __atomic_load_n((const uint8_t *)s->va + s->len - 1, __ATOMIC_RELAXED);
			t->touched++;
		} else {
			CHECK_OUT(s->va == NULL);
		}
	}
	CHECK_EQ_OUT(out, c->out_len);
	CHECK_EQ_OUT(in, c->in_len);
	CHECK_OUT(out + in <= UINT32_MAX);
	t->segs += c->n;
	return 0;
out:
	return -1;
}

/* After a peer error: the writer re-initialises the ring, the device resets. */
static int dev_reset(struct tt *t, const char *name)
{
	uint64_t t0 = now_ns();

	if (t->packed)
		__atomic_store_n(&t->dev_pos, 1u << 15, __ATOMIC_RELEASE);
	t->req++;
	__atomic_store_n(&t->reset_req, t->req, __ATOMIC_RELEASE);
	while (__atomic_load_n(&t->reset_ack, __ATOMIC_ACQUIRE) != t->req) {
		sched_yield();
		CHECK_OUT(now_ns() - t0 < WATCHDOG_NS);
	}
	if (t->packed)
		vrq_packed_dev_reset(&t->pdev);
	else
		vrq_split_dev_reset(&t->sdev);
	return 0;
out:
	return -1;
}

static int run_device(struct tt *t, const char *name)
{
	uint64_t last = now_ns();
	unsigned spins = 0;
	uint32_t len;
	int rc;

	while (t->pops < t->target) {
		rc = toctou_dev_pop(t);
		if (rc == 0) {
			t->empty++;
			if (++spins % 1024 == 0) {
				sched_yield();
				if (now_ns() - last > WATCHDOG_NS) {
					fprintf(stderr, "[%s] nothing to pop for %llu s\n", name,
						WATCHDOG_NS / 1000000000ull);
					CHECK_OUT(0);
				}
			}
			continue;
		}
		spins = 0;
		last = now_ns();
		t->pops++;
		if (rc == 1) {
			if (check_chain(t, name))
				goto out;
			t->ok++;
			len = (uint32_t)(xs(&t->dx) % ((uint64_t)t->ch.in_len + 1));
			CHECK_EQ_OUT(toctou_dev_push(t, t->ch.head, len), 0);
			continue;
		}
		if (rc >= 0 || !vrq_err_is_peer(rc) || -rc >= VRQ_EPEER_LAST) {
			fprintf(stderr, "[%s] pop returned %d (%s)\n", name, rc, vrq_strerror(rc));
			CHECK_OUT(0);
		}
		t->errors++;
		t->hist[VRQ_PEER_ERR_IDX(rc)]++;
		CHECK_EQ_OUT(toctou_dev_broken(t), rc);
		CHECK_EQ_OUT(toctou_dev_pop(t), rc); /* stays broken until reset */
		if (dev_reset(t, name))
			goto out;
	}
	return 0;
out:
	return -1;
}

/* ---- one configuration --------------------------------------------------------- */

static void *alloc_zero(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, n))
		return NULL;
	memset(p, 0, n);
	return p;
}

static int setup(struct tt *t)
{
	unsigned i;

	if (t->packed) {
		if (vrq_packed_layout_calc(t->size, 64, &t->play))
			return -1;
		t->ring_bytes = t->play.total;
	} else {
		if (vrq_split_layout_calc(t->size, 64, &t->slay))
			return -1;
		t->ring_bytes = t->slay.total;
	}
	t->ring_mem = alloc_zero(t->ring_bytes);
	t->buf = alloc_zero(BUF_SIZE);
	t->xtra = alloc_zero(XTRA_SIZE);
	t->adj = alloc_zero(ADJ_SIZE);
	if (!t->ring_mem || !t->buf || !t->xtra || !t->adj)
		return -1;
	t->reg[0] = (struct reg){RING_DA, t->ring_bytes, t->ring_mem};
	t->reg[1] = (struct reg){BUF_DA, BUF_SIZE, t->buf};
	t->reg[2] = (struct reg){XTRA_DA, XTRA_SIZE, t->xtra};
	t->reg[3] = (struct reg){ADJ_DA, ADJ_SIZE, t->adj};
	t->nreg = 4;
	vrq_mem_init(&t->mem);
	for (i = 0; i < t->nreg; i++)
		if (vrq_mem_add(&t->mem, i, t->reg[i].da, t->reg[i].va, t->reg[i].size, 0))
			return -1;
	if (t->packed) {
		struct vrq_packed_cfg cfg;
		struct vrq_packed_ring r = vrq_packed_ring_at(t->ring_mem, &t->play);

		memset(&cfg, 0, sizeof(cfg));
		cfg.size = t->size;
		cfg.features = VRQ_FEATURE(VRQ_F_VERSION_1) | VRQ_FEATURE(VRQ_F_RING_PACKED) |
			       (t->indirect ? VRQ_FEATURE(VRQ_F_INDIRECT_DESC) : 0);
		cfg.domain = VRQ_DOM_SMP;
		cfg.ring = r;
		cfg.mem = &t->mem;
		t->pdesc = r.desc;
		t->drv_ev = r.driver;
		t->dev_ev = r.device;
		if (vrq_packed_dev_init(&t->pdev, &cfg))
			return -1;
		t->dev_pos = 1u << 15;
	} else {
		struct vrq_split_cfg cfg;
		struct vrq_split_ring r = vrq_split_ring_at(t->ring_mem, &t->slay);

		memset(&cfg, 0, sizeof(cfg));
		cfg.size = t->size;
		cfg.features = VRQ_FEATURE(VRQ_F_VERSION_1) |
			       (t->indirect ? VRQ_FEATURE(VRQ_F_INDIRECT_DESC) : 0);
		cfg.domain = VRQ_DOM_SMP;
		cfg.ring = r;
		cfg.mem = &t->mem;
		t->sdesc = r.desc;
		t->avail = r.avail;
		t->used = r.used;
		if (vrq_split_dev_init(&t->sdev, &cfg))
			return -1;
	}
	return 0;
}

static void teardown(struct tt *t)
{
	if (t->packed)
		vrq_packed_dev_fini(&t->pdev);
	else
		vrq_split_dev_fini(&t->sdev);
	free(t->ring_mem);
	free(t->buf);
	free(t->xtra);
	free(t->adj);
}

static int run_config(int packed, int indirect, uint64_t target, uint64_t seed, uint64_t *tot)
{
	static struct tt tt;
	struct tt *t = &tt;
	char name[64];
	const struct vrq_dev_stats *st;
	pthread_t th;
	uint64_t sum = 0, t0;
	unsigned i;
	int rc = -1, started = 0;

	memset(t, 0, sizeof(*t));
	t->packed = packed;
	t->indirect = indirect;
	t->size = (uint16_t)(packed ? PACKED_SIZE : SPLIT_SIZE);
	t->target = target;
	t->wx = seed * 0x9E3779B97F4A7C15ull + 1;
	t->dx = seed * 0xD1B54A32D192ED03ull + 7;
	snprintf(name, sizeof(name), "%s size=%u indirect=%d", packed ? "packed" : "split",
		 t->size, indirect);
	if (setup(t)) {
		fprintf(stderr, "[%s] setup failed\n", name);
		vrq_test_failures++;
		goto out;
	}
	t0 = now_ns();
	CHECK_OUT(pthread_create(&th, NULL, toctou_writer, t) == 0);
	started = 1;
	if (run_device(t, name))
		goto out;
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	started = 0;

	st = dev_stats(t);
	printf("[%s] %" PRIu64 " pops in %.2f s: %" PRIu64 " chains (%" PRIu64 " segments), %" PRIu64
	       " errors, %" PRIu64 " empty polls; writer: %" PRIu64 " steps, %" PRIu64
	       " publishes, %" PRIu64 " flips, %" PRIu64 " re-inits\n",
	       name, t->pops, (double)(now_ns() - t0) * 1e-9, t->ok, t->segs, t->errors, t->empty,
	       t->w_ops, t->w_pubs, t->w_flips, t->w_resets);
	printf("  [%s] errors by code:", name);
	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++) {
		if (t->hist[i])
			printf(" %s=%" PRIu64, peer_name[i], t->hist[i]);
		CHECK_EQ_OUT(st->peer_err[i], t->hist[i]);
		sum += st->peer_err[i];
		tot[i] += t->hist[i];
	}
	printf("\n");
	CHECK_EQ_OUT(sum, t->errors);
	CHECK_EQ_OUT(st->popped, t->ok);
	CHECK_EQ_OUT(t->pops, t->target);
	CHECK_EQ_OUT(t->w_resets, t->errors);
	/* both outcomes must be common, or the run tested little */
	CHECK_OUT(t->ok >= t->target / 20);
	CHECK_OUT(t->errors >= t->target / 20);
	rc = 0;
out:
	if (started) {
		__atomic_store_n(&t->stop, 1, __ATOMIC_RELAXED);
		pthread_join(th, NULL);
	}
	teardown(t);
	if (rc)
		fprintf(stderr, "FAILED: %s (after %" PRIu64 " pops: %" PRIu64 " chains, %" PRIu64
			" errors)\n", name, t->pops, t->ok, t->errors);
	return rc;
}

static double test_scale(void)
{
	const char *s = getenv("VRQ_TEST_SCALE");
	double v;

	if (!s || !*s)
		return 1.0;
	v = strtod(s, NULL);
	return v > 0 ? v : 1.0;
}

static void usage(void)
{
	fprintf(stderr, "usage: test_toctou [--pops N] [--ring split|packed|all] "
			"[--indirect 0|1|all]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ring = "all", *ind = "all";
	uint64_t target = 0, tot[VRQ_PEER_ERR_COUNT] = {0};
	int i, p, k;

	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--pops"))
			target = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--ring"))
			ring = argv[++i];
		else if (!strcmp(argv[i], "--indirect"))
			ind = argv[++i];
		else
			usage();
	}
	if (!target)
		target = (uint64_t)(1000000.0 * test_scale());
	if (target < 10000)
		target = 10000;
	printf("test_toctou: %" PRIu64 " pops per configuration\n", target);
	for (p = 0; p < 2; p++) {
		if (strcmp(ring, "all") && strcmp(ring, p ? "packed" : "split"))
			continue;
		for (k = 0; k < 2; k++) {
			if (strcmp(ind, "all") && strcmp(ind, k ? "1" : "0"))
				continue;
			run_config(p, k, target, 1 + (uint64_t)(p * 2 + k), tot);
		}
	}
	printf("test_toctou: errors by code, all configurations:");
	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++)
		if (tot[i])
			printf(" %s=%" PRIu64, peer_name[i], tot[i]);
	printf("\n");
	return vrq_test_done("test_toctou");
}
