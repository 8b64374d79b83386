/* SPDX-License-Identifier: MIT */
/*
 * tests/hostile/test_split_hostile.c - a hostile peer against the real roles.
 *
 * Part 1: a hostile DRIVER writes the shared ring memory directly
 * (descriptor table, avail ring, avail idx, indirect tables) and the real
 * device role (vrq_split_dev_pop) must reject every malformed chain with the
 * exact peer error code, count it once, stay stopped, and work again after
 * vrq_split_dev_reset() and a clean ring.
 *
 * Part 2: valid chains right at every limit (exactly size descriptors;
 * k ring descriptors then a table of exactly size - k entries, size
 * segments in all, the most a chain may have; a segment ending at a
 * region's last byte, a total length of 2^32 - 1) must still pop: the
 * checks are not off by one.  (One segment more is a Part 1 case.)
 *
 * Part 3: a hostile DEVICE writes the used ring directly against the real
 * driver role (vrq_split_drv_get_used): bad used idx, bad / stale ids,
 * IN_ORDER batches claiming more than used idx covers, used len above the
 * writable capacity (clamped and counted, not fatal: the documented
 * exception).  Also local misuse of push: a head never popped, or pushed
 * twice, is -VRQ_EINVAL and changes nothing.
 *
 * Part 4: randomized scribbling over the descriptor table, avail ring and
 * indirect tables (seeded xorshift, >= 200000 pops scaled by VRQ_TEST_SCALE);
 * every result must be 1, 0 or a peer error, every popped segment must lie
 * inside a registered region (checked against our own copy of the region
 * list, and touched so ASan sees it), no chain has more than size segments,
 * a head kept in flight (a third of the pops are pushed only later) and
 * offered again must be VRQ_EHEAD_INFLIGHT exactly, and the peer_err
 * counters must add up to the errors returned.  Then the same idea against the driver: a random
 * hostile device (>= 100000 get_used, scaled) that is valid most of the time
 * (exact results expected) and malformed now and then.
 *
 * Cases run for queue sizes 1, 2, 256 and 32768 where they make sense.
 * Meant to run under ASan/UBSan: any out-of-region access is a failure.
 * The ETOTAL_LEN cases need a 4 GiB PROT_NONE address-space reservation
 * (never touched); without one they are skipped with a note.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vrq_test.h"

/* Largest chain the device accepts: size (<= 32768) segments; the array
 * is larger so that a chain one too long would not stop at ESEGCAP. */
#define SEG_CAP 65535u

/* Extra regions added to each fixture's memory map after init (the device
 * keeps a pointer to the map, and vrq_mem_add may run after init). */
#define XTRA_DA 0x300000000000ull /* 1 MiB: indirect tables, segments */
#define XTRA_SIZE (1u << 20)
#define ADJ_DA (XTRA_DA + XTRA_SIZE) /* 4 KiB, adjacent in DA space, separate allocation */
#define ADJ_SIZE 4096u
#define HUGE_DA 0x400000000000ull /* 4 GiB PROT_NONE reservation (ETOTAL_LEN only) */
#define HUGE_SIZE (1ull << 32)
#define BUF_SIZE (64u * 1024)

#define BUF(off) (VRQ_TEST_BUF_DA + (uint64_t)(off))
#define XT(off) (XTRA_DA + (uint64_t)(off))

static struct vrq_seg g_segs[SEG_CAP];
static void *g_huge; /* 4 GiB PROT_NONE reservation, or NULL */

/* Feature selection for a fixture. */
#define F_IND 1u  /* INDIRECT_DESC negotiated */
#define F_INO 2u  /* IN_ORDER */
#define F_EVT 4u  /* EVENT_IDX */
#define F_NOIND 8u /* (case requirement) INDIRECT_DESC must be off */

struct hfix {
	struct vrq_test_pair p;
	uint16_t size, mask;
	unsigned feat;
	struct vrq_split_desc *desc;
	struct vrq_split_avail *avail;
	struct vrq_split_used *used;
	uint8_t *xtra, *adj;
	struct vrq_chain ch;
};

/* ---- fixture ---------------------------------------------------------------- */

static void fix_fini(struct hfix *f)
{
	vrq_test_pair_fini(&f->p);
	free(f->xtra);
	free(f->adj);
	f->xtra = f->adj = NULL;
}

static int fix_init(struct hfix *f, uint16_t size, unsigned feat, int huge)
{
	struct vrq_test_cfg tc = {size, !!(feat & F_EVT), !!(feat & F_IND), !!(feat & F_INO)};
	void *x = NULL, *a = NULL;

	memset(f, 0, sizeof(*f));
	if (vrq_test_pair_init(&f->p, &tc, BUF_SIZE))
		return -1;
	f->size = size;
	f->mask = (uint16_t)(size - 1);
	f->feat = feat;
	f->desc = f->p.cfg.ring.desc;
	f->avail = f->p.cfg.ring.avail;
	f->used = f->p.cfg.ring.used;
	/* calloc: large blocks come zeroed from the kernel, untouched pages
	 * stay free (descriptor tables need 16-byte alignment only) */
	x = calloc(1, XTRA_SIZE);
	a = calloc(1, ADJ_SIZE);
	f->xtra = (uint8_t *)x;
	f->adj = (uint8_t *)a;
	if (!x || !a || ((uintptr_t)x | (uintptr_t)a) % 16)
		return -1;
	if (vrq_mem_add(&f->p.mem, 2, XTRA_DA, f->xtra, XTRA_SIZE, 0) ||
	    vrq_mem_add(&f->p.mem, 3, ADJ_DA, f->adj, ADJ_SIZE, 0))
		return -1;
	if (huge && g_huge && vrq_mem_add(&f->p.mem, 4, HUGE_DA, g_huge, HUGE_SIZE, 0))
		return -1;
	return 0;
}

/* ---- hostile ring writes ------------------------------------------------------ */

static void wdesc(struct vrq_split_desc *t, uint32_t i, uint64_t addr, uint32_t len, uint16_t flags,
		  uint16_t next)
{
	t[i].addr = vrq_cpu_to_le64(addr);
	t[i].len = vrq_cpu_to_le32(len);
	t[i].flags = vrq_cpu_to_le16(flags);
	t[i].next = vrq_cpu_to_le16(next);
}

static struct vrq_split_desc *xtbl(struct hfix *f, size_t off)
{
	return (struct vrq_split_desc *)(void *)(f->xtra + off);
}

static uint16_t avail_idx_get(struct hfix *f)
{
	return vrq_le16_to_cpu(__atomic_load_n(&f->avail->idx, __ATOMIC_RELAXED));
}

static void avail_idx_set(struct hfix *f, uint16_t idx)
{
	__atomic_store_n(&f->avail->idx, vrq_cpu_to_le16(idx), __ATOMIC_RELEASE);
}

static void avail_ring_set(struct hfix *f, uint16_t pos, uint16_t head)
{
	f->avail->ring[pos & f->mask] = vrq_cpu_to_le16(head);
}

/* Make one more chain (head @p head) available. */
static void offer(struct hfix *f, uint16_t head)
{
	uint16_t i = avail_idx_get(f);

	avail_ring_set(f, i, head);
	avail_idx_set(f, (uint16_t)(i + 1));
}

static int pop(struct hfix *f)
{
	vrq_chain_init(&f->ch, g_segs, (uint16_t)SEG_CAP);
	return vrq_split_dev_pop(&f->p.dev, &f->ch);
}

/* Pop, and push what was popped right away (f->ch stays as popped): the
 * same head may then be offered again. */
static int pop_push(struct hfix *f)
{
	int rc = pop(f);

	if (rc == 1 && vrq_split_dev_push(&f->p.dev, f->ch.head, 0) != 0) {
		fprintf(stderr, "  push of popped head %u failed\n", f->ch.head);
		return -1000;
	}
	return rc;
}

/* ---- checks ---------------------------------------------------------------- */

/* Peer counters: slot of @p code == @p n, every other slot 0. */
static int check_counts(const uint64_t *pe, int code, uint64_t n)
{
	int i;

	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++) {
		uint64_t want = (code && i == VRQ_PEER_ERR_IDX(code)) ? n : 0;

		if (pe[i] != want) {
			fprintf(stderr, "  peer_err[%s] = %llu, expected %llu\n",
				vrq_strerror(i + VRQ_EPEER_FIRST), (unsigned long long)pe[i],
				(unsigned long long)want);
			CHECK_EQ(pe[i], want);
		}
	}
	return 0;
}

/* The next pop must fail with @p code, counted once; the queue stays stopped. */
static int expect_dev_err(struct hfix *f, int code)
{
	struct vrq_split_dev *d = &f->p.dev;
	uint64_t popped = d->st.popped;
	int k, rc;

	rc = pop(f);
	if (rc != code)
		fprintf(stderr, "  pop: got %d (%s), expected %d (%s)\n", rc, vrq_strerror(rc), code,
			vrq_strerror(code));
	CHECK_EQ(rc, code);
	CHECK_EQ(vrq_split_dev_broken(d), code);
	CHECK(check_counts(d->st.peer_err, code, 1) == 0);
	for (k = 0; k < 3; k++) {
		CHECK_EQ(pop(f), code);
		CHECK_EQ(vrq_split_dev_broken(d), code);
	}
	/* still counted once, nothing consumed */
	CHECK(check_counts(d->st.peer_err, code, 1) == 0);
	CHECK_EQ(d->st.popped, popped);
	return 0;
}

/* Device reset + a clean, hand-written ring: a valid chain pops again.  Then
 * both roles reset and a full round trip through the real driver works. */
static int recover_dev(struct hfix *f, int code)
{
	struct vrq_split_dev *d = &f->p.dev;
	struct vrq_split_drv *q = &f->p.drv;
	struct vrq_sg sg[2];
	uint64_t before[VRQ_PEER_ERR_COUNT];
	void *tok = NULL;
	uint32_t len = 0;
	int two = f->size >= 2;

	memcpy(before, d->st.peer_err, sizeof(before));
	vrq_split_dev_reset(d);
	CHECK_EQ(vrq_split_dev_broken(d), 0);
	memset(f->p.ring_mem, 0, f->p.lay.total);
	wdesc(f->desc, 0, BUF(128), 32, two ? VRQ_DESC_F_NEXT : 0, two ? 1 : 0);
	if (two)
		wdesc(f->desc, 1, BUF(512), 16, VRQ_DESC_F_WRITE, 0);
	offer(f, 0);
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(f->ch.head, 0);
	CHECK_EQ(f->ch.n, two ? 2 : 1);
	CHECK_EQ(f->ch.n_out, 1);
	CHECK_EQ(f->ch.out_len, 32);
	CHECK_EQ(f->ch.in_len, two ? 16 : 0);
	CHECK(g_segs[0].va == f->p.buf_mem + 128);
	CHECK_EQ(g_segs[0].len, 32);
	CHECK_EQ(g_segs[0].flags, 0);
	if (two) {
		CHECK(g_segs[1].va == f->p.buf_mem + 512);
		CHECK_EQ(g_segs[1].flags, VRQ_SEG_WRITE);
	}
	CHECK_EQ(pop(f), 0);
	CHECK_EQ(vrq_split_dev_push(d, 0, two ? 16 : 0), 0);
	vrq_split_dev_publish(d);
	CHECK_EQ(vrq_le16_to_cpu(f->used->idx), 1);
	CHECK_EQ(vrq_le32_to_cpu(f->used->ring[0].id), 0);

	/* both roles from scratch, through the API */
	vrq_split_drv_reset(q);
	vrq_split_dev_reset(d);
	sg[0].addr = BUF(0);
	sg[0].len = 24;
	sg[1].addr = BUF(64);
	sg[1].len = 8;
	if (two) {
		CHECK_EQ(vrq_split_drv_add(q, sg, 1, 1, (void *)sg), 0);
	} else {
		CHECK_EQ(vrq_split_drv_add(q, sg + 1, 0, 1, (void *)sg), 0);
	}
	vrq_split_drv_publish(q);
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(f->ch.in_len, 8);
	CHECK_EQ(vrq_split_dev_push(d, f->ch.head, 5), 0);
	vrq_split_dev_publish(d);
	CHECK_EQ(vrq_split_drv_get_used(q, &tok, &len), 1);
	CHECK(tok == (void *)sg);
	CHECK_EQ(len, 5);
	CHECK_EQ(vrq_split_drv_num_free(q), f->size);
	/* no new peer error on either side */
	CHECK(memcmp(before, d->st.peer_err, sizeof(before)) == 0);
	CHECK(check_counts(d->st.peer_err, code, 1) == 0);
	CHECK(check_counts(q->st.peer_err, 0, 0) == 0);
	return 0;
}

/* ---- hostile driver cases ---------------------------------------------------- */

struct dcase {
	const char *name;
	int code;	    /* expected negative code */
	uint16_t min_size;  /* smallest queue size the case makes sense for */
	unsigned need;	    /* F_IND: needs INDIRECT_DESC; F_NOIND: needs it off */
	int need_huge;	    /* needs the 4 GiB reservation */
	int (*setup)(struct hfix *f);
};

/* avail idx */
static int s_avail_over(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(0), 16, 0, 0);
	avail_idx_set(f, (uint16_t)(f->size + 1));
	return 0;
}

static int s_avail_back(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(0), 16, 0, 0);
	avail_idx_set(f, 0xffff);
	return 0;
}

/* A full ring (exactly size entries) pops completely; then too far. */
static int s_avail_after_progress(struct hfix *f)
{
	uint32_t i;

	for (i = 0; i < f->size; i++) {
		wdesc(f->desc, i, BUF(i % 1024), 8, 0, 0);
		avail_ring_set(f, (uint16_t)i, (uint16_t)(f->size - 1 - i));
	}
	avail_idx_set(f, f->size);
	for (i = 0; i < f->size; i++) {
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(f->ch.head, f->size - 1 - i);
		CHECK_EQ(vrq_split_dev_push(&f->p.dev, f->ch.head, 0), 0);
	}
	CHECK_EQ(pop(f), 0);
	vrq_split_dev_publish(&f->p.dev);
	/* last_avail == size; size + 1 more is one too many */
	avail_idx_set(f, (uint16_t)(f->size + f->size + 1));
	return 0;
}

/* head */
static int s_head_size(struct hfix *f)
{
	offer(f, f->size);
	return 0;
}

static int s_head_max(struct hfix *f)
{
	offer(f, 0xffff);
	return 0;
}

/* A good chain first, then a bad head: only the bad one fails. */
static int s_head_second(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(0), 16, 0, 0);
	offer(f, 0);
	offer(f, (uint16_t)(f->size + 7));
	CHECK_EQ(pop(f), 1);
	return 0;
}

/* head in flight: popped, not pushed yet, made available again */
static int s_inflight_twice(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(0), 16, 0, 0);
	offer(f, 0);
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(f->ch.head, 0);
	offer(f, 0);
	return 0;
}

static int s_inflight_chain(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(0), 16, VRQ_DESC_F_NEXT, 1);
	wdesc(f->desc, 1, BUF(16), 16, VRQ_DESC_F_NEXT, 2);
	wdesc(f->desc, 2, BUF(32), 16, VRQ_DESC_F_WRITE, 0);
	offer(f, 0);
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(f->ch.ndesc, 3);
	offer(f, 0);
	return 0;
}

/* Heads 0 and 1 popped; 1 pushed and offered again (fine: popped again);
 * then 0, still in flight, offered again. */
static int s_inflight_other_pushed(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(0), 16, 0, 0);
	wdesc(f->desc, 1, BUF(16), 16, VRQ_DESC_F_WRITE, 0);
	offer(f, 0);
	offer(f, 1);
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(vrq_split_dev_push(&f->p.dev, 1, 16), 0);
	offer(f, 1);
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(f->ch.head, 1);
	CHECK_EQ(vrq_split_dev_push(&f->p.dev, 1, 16), 0);
	vrq_split_dev_publish(&f->p.dev);
	offer(f, 0);
	return 0;
}

/* next */
static int s_next_size(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(0), 16, VRQ_DESC_F_NEXT, f->size);
	offer(f, 0);
	return 0;
}

static int s_next_max(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(0), 16, VRQ_DESC_F_NEXT, 0xffff);
	offer(f, 0);
	return 0;
}

/* loops */
static int s_loop_self(struct hfix *f)
{
	uint16_t h = f->mask; /* last descriptor */

	wdesc(f->desc, h, BUF(0), 1, VRQ_DESC_F_NEXT, h);
	offer(f, h);
	return 0;
}

static int s_loop_2cycle(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(0), 1, VRQ_DESC_F_NEXT, 1);
	wdesc(f->desc, 1, BUF(8), 1, VRQ_DESC_F_NEXT, 0);
	offer(f, 1);
	return 0;
}

/* Through every descriptor: 0 -> 1 -> ... -> size-1 -> 0. */
static int s_loop_all(struct hfix *f)
{
	uint32_t i;

	for (i = 0; i < f->size; i++)
		wdesc(f->desc, i, BUF(i % 4096), 1, VRQ_DESC_F_NEXT, (uint16_t)((i + 1) & f->mask));
	offer(f, 0);
	return 0;
}

/* Tail then cycle: 0 -> 1 -> 2 -> 3 -> 1. */
static int s_loop_rho(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(0), 1, VRQ_DESC_F_NEXT, 1);
	wdesc(f->desc, 1, BUF(8), 1, VRQ_DESC_F_NEXT, 2);
	wdesc(f->desc, 2, BUF(16), 1, VRQ_DESC_F_NEXT, 3);
	wdesc(f->desc, 3, BUF(24), 1, VRQ_DESC_F_NEXT, 1);
	offer(f, 0);
	return 0;
}

/* Loop of writable descriptors (in_len grows too). */
static int s_loop_write(struct hfix *f)
{
	uint32_t i;

	for (i = 0; i < f->size; i++)
		wdesc(f->desc, i, BUF(0), 4096, VRQ_DESC_F_NEXT | VRQ_DESC_F_WRITE,
		      (uint16_t)((i + 1) & f->mask));
	offer(f, (uint16_t)(f->size / 2));
	return 0;
}

/* indirect */
static void good_table(struct hfix *f, size_t off, unsigned n)
{
	struct vrq_split_desc *t = xtbl(f, off);
	unsigned i;

	for (i = 0; i < n; i++)
		wdesc(t, i, BUF(256 + 16 * i), 16, (uint16_t)(i + 1 < n ? VRQ_DESC_F_NEXT : 0),
		      (uint16_t)(i + 1 < n ? i + 1 : 0));
}

/* Entries of a table that fits a chain of this queue (at most size). */
static unsigned tbl_n(const struct hfix *f, unsigned want)
{
	return want < f->size ? want : f->size;
}

static int s_ind_feature(struct hfix *f)
{
	unsigned n = tbl_n(f, 4);

	good_table(f, 0, n);
	wdesc(f->desc, 0, XT(0), 16 * n, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

static int s_ind_next(struct hfix *f)
{
	unsigned n = tbl_n(f, 4);

	good_table(f, 0, n);
	wdesc(f->desc, 0, XT(0), 16 * n, VRQ_DESC_F_INDIRECT | VRQ_DESC_F_NEXT, 0);
	offer(f, 0);
	return 0;
}

static int s_ind_nested(struct hfix *f)
{
	struct vrq_split_desc *t = xtbl(f, 0);
	unsigned n = tbl_n(f, 2);

	good_table(f, 4096, n);
	if (n == 2)
		wdesc(t, 0, BUF(0), 16, VRQ_DESC_F_NEXT, 1);
	wdesc(t, n - 1, XT(4096), 16 * n, VRQ_DESC_F_INDIRECT, 0);
	wdesc(f->desc, 0, XT(0), 16 * n, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

static int ind_len(struct hfix *f, uint32_t len)
{
	good_table(f, 0, tbl_n(f, 4));
	wdesc(f->desc, 0, XT(0), len, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

static int s_ind_len0(struct hfix *f)
{
	return ind_len(f, 0);
}
static int s_ind_len15(struct hfix *f)
{
	return ind_len(f, 15);
}
static int s_ind_len17(struct hfix *f)
{
	return ind_len(f, 17);
}
static int s_ind_len_big(struct hfix *f)
{
	return ind_len(f, (VRQ_QUEUE_SIZE_MAX + 1) * 16); /* 32769 entries, inside xtra */
}
static int s_ind_len_huge(struct hfix *f)
{
	return ind_len(f, 0xfffffff0u);
}

/* The chain bound: ring descriptors before an indirect one plus the table's
 * entries are at most the queue size ("A driver MUST NOT create a
 * descriptor chain longer than the Queue Size of the device"). */
static int s_ind_len_size1(struct hfix *f)
{
	return ind_len(f, 16u * ((uint32_t)f->size + 1)); /* size + 1 entries */
}

/* k ring descriptors, then a table of size - k + 1 entries. */
static int ind_after_k(struct hfix *f, uint32_t k)
{
	struct vrq_split_desc *t = xtbl(f, 0);
	uint32_t m = f->size - k + 1, i;

	for (i = 0; i < m; i++)
		wdesc(t, i, 0, 0, (uint16_t)(i + 1 < m ? VRQ_DESC_F_NEXT : 0),
		      (uint16_t)(i + 1 < m ? i + 1 : 0));
	for (i = 0; i < k; i++)
		wdesc(f->desc, i, BUF(0), 1, VRQ_DESC_F_NEXT, (uint16_t)(i + 1));
	wdesc(f->desc, k, XT(0), 16 * m, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

static int s_ind_after_one_over(struct hfix *f)
{
	return ind_after_k(f, 1);
}
static int s_ind_after_half_over(struct hfix *f)
{
	return ind_after_k(f, f->size / 2u);
}
static int s_ind_after_all_but_one_over(struct hfix *f)
{
	return ind_after_k(f, f->size - 1u); /* size - 1 ring + 2 entries */
}

static int s_ind_addr_outside(struct hfix *f)
{
	wdesc(f->desc, 0, 0x1000, 16 * tbl_n(f, 4), VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

/* A table of 1 or 2 entries (the queue size bounds it) whose last 8 bytes
 * lie past @p end (a region end). */
static int ind_past(struct hfix *f, uint64_t end)
{
	uint32_t len = 16 * tbl_n(f, 2);

	wdesc(f->desc, 0, end - len + 8, len, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

static int s_ind_addr_buf_end(struct hfix *f)
{
	return ind_past(f, BUF(BUF_SIZE));
}

static int s_ind_addr_ring_end(struct hfix *f)
{
	return ind_past(f, VRQ_TEST_RING_DA + f->p.ring_bytes);
}

static int s_ind_addr_straddle(struct hfix *f)
{
	/* the end of xtra and the start of the adjacent region: both
	 * registered, but not one region */
	return ind_past(f, XT(XTRA_SIZE));
}

static int s_ind_addr_wrap(struct hfix *f)
{
	wdesc(f->desc, 0, UINT64_MAX - 7, 16 * tbl_n(f, 2), VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

static int s_ind_loop(struct hfix *f)
{
	struct vrq_split_desc *t = xtbl(f, 0);
	unsigned n = tbl_n(f, 4);

	good_table(f, 0, n);
	t[n - 1].flags = vrq_cpu_to_le16(VRQ_DESC_F_NEXT);
	t[n - 1].next = vrq_cpu_to_le16(0);
	wdesc(f->desc, 0, XT(0), 16 * n, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

static int s_ind_loop_self(struct hfix *f)
{
	struct vrq_split_desc *t = xtbl(f, 0);

	wdesc(t, 0, BUF(0), 16, VRQ_DESC_F_NEXT, 0);
	wdesc(f->desc, 0, XT(0), 16, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

/* A table whose next index is one past its last entry. */
static int s_ind_next_oob(struct hfix *f)
{
	struct vrq_split_desc *t = xtbl(f, 0);
	unsigned n = tbl_n(f, 4);

	good_table(f, 0, n);
	t[0].flags = vrq_cpu_to_le16(VRQ_DESC_F_NEXT);
	t[0].next = vrq_cpu_to_le16((uint16_t)n);
	wdesc(f->desc, 0, XT(0), 16 * n, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

/* Direct descriptors, then an indirect one whose table loops. */
static int s_ind_after_direct_loop(struct hfix *f)
{
	struct vrq_split_desc *t = xtbl(f, 8192);

	wdesc(t, 0, BUF(0), 8, VRQ_DESC_F_NEXT, 1);
	wdesc(t, 1, BUF(8), 8, VRQ_DESC_F_NEXT, 0);
	wdesc(f->desc, 0, BUF(64), 8, VRQ_DESC_F_NEXT, 1);
	wdesc(f->desc, 1, XT(8192), 32, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

/* total length: 0xffffffff-byte segments inside the 4 GiB reservation */
static int s_total_ring(struct hfix *f)
{
	wdesc(f->desc, 0, HUGE_DA, 0xffffffffu, VRQ_DESC_F_NEXT, 1);
	wdesc(f->desc, 1, HUGE_DA, 0xffffffffu, 0, 0);
	offer(f, 0);
	return 0;
}

static int s_total_ind(struct hfix *f)
{
	struct vrq_split_desc *t = xtbl(f, 0);

	wdesc(t, 0, HUGE_DA, 0xffffffffu, VRQ_DESC_F_NEXT, 1);
	wdesc(t, 1, HUGE_DA + 1, 0xfffffffeu, VRQ_DESC_F_NEXT | VRQ_DESC_F_WRITE, 2);
	wdesc(t, 2, HUGE_DA, 0xffffffffu, VRQ_DESC_F_WRITE, 0);
	wdesc(f->desc, 0, XT(0), 48, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

/* readable 0xffffffff then one writable byte: 2^32 exactly */
static int s_total_mixed(struct hfix *f)
{
	struct vrq_split_desc *t = xtbl(f, 0);

	wdesc(t, 0, HUGE_DA, 0xffffffffu, VRQ_DESC_F_NEXT, 1);
	wdesc(t, 1, BUF(0), 1, VRQ_DESC_F_WRITE, 0);
	wdesc(f->desc, 0, XT(0), 32, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

/* order */
static int s_order_ring(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(0), 16, VRQ_DESC_F_NEXT | VRQ_DESC_F_WRITE, 1);
	wdesc(f->desc, 1, BUF(64), 16, 0, 0);
	offer(f, 0);
	return 0;
}

static int s_order_ind(struct hfix *f)
{
	struct vrq_split_desc *t = xtbl(f, 0);

	wdesc(t, 0, BUF(0), 16, VRQ_DESC_F_NEXT, 1);
	wdesc(t, 1, BUF(16), 16, VRQ_DESC_F_NEXT | VRQ_DESC_F_WRITE, 2);
	wdesc(t, 2, BUF(32), 16, 0, 0);
	wdesc(f->desc, 0, XT(0), 48, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

/* A zero-length writable descriptor still ends the readable part. */
static int s_order_zero_write(struct hfix *f)
{
	struct vrq_split_desc *t = xtbl(f, 0);

	wdesc(t, 0, BUF(0), 0, VRQ_DESC_F_NEXT | VRQ_DESC_F_WRITE, 1);
	wdesc(t, 1, BUF(16), 16, 0, 0);
	wdesc(f->desc, 0, XT(0), 32, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

/* Writable in the ring, readable inside the indirect table that follows. */
static int s_order_ring_then_ind(struct hfix *f)
{
	struct vrq_split_desc *t = xtbl(f, 0);

	wdesc(t, 0, BUF(16), 16, 0, 0);
	wdesc(f->desc, 0, BUF(0), 16, VRQ_DESC_F_NEXT | VRQ_DESC_F_WRITE, 1);
	wdesc(f->desc, 1, XT(0), 16, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

/* segment address */
static int s_addr_outside(struct hfix *f)
{
	wdesc(f->desc, 0, 0x1000, 16, 0, 0);
	offer(f, 0);
	return 0;
}

static int s_addr_wrap(struct hfix *f)
{
	wdesc(f->desc, 0, UINT64_MAX, 2, 0, 0);
	offer(f, 0);
	return 0;
}

static int s_addr_straddle(struct hfix *f)
{
	wdesc(f->desc, 0, XT(XTRA_SIZE - 8), 16, 0, 0);
	offer(f, 0);
	return 0;
}

static int s_addr_buf_end(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(BUF_SIZE - 8), 16, VRQ_DESC_F_WRITE, 0);
	offer(f, 0);
	return 0;
}

static int s_addr_too_long(struct hfix *f)
{
	wdesc(f->desc, 0, BUF(0), 0xffffffffu, 0, 0);
	offer(f, 0);
	return 0;
}

/* Bad second segment, writable, inside an indirect table. */
static int s_addr_ind_write(struct hfix *f)
{
	struct vrq_split_desc *t = xtbl(f, 0);

	wdesc(t, 0, BUF(0), 16, VRQ_DESC_F_NEXT, 1);
	wdesc(t, 1, VRQ_TEST_BUF_DA - 8, 16, VRQ_DESC_F_WRITE, 0);
	wdesc(f->desc, 0, XT(0), 32, VRQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	return 0;
}

static const struct dcase dcases[] = {
	{"avail idx = size + 1", -VRQ_EAVAIL_IDX, 1, 0, 0, s_avail_over},
	{"avail idx backwards (0xffff)", -VRQ_EAVAIL_IDX, 1, 0, 0, s_avail_back},
	{"avail idx too far after a full ring", -VRQ_EAVAIL_IDX, 1, 0, 0, s_avail_after_progress},
	{"head == size", -VRQ_EHEAD, 1, 0, 0, s_head_size},
	{"head == 0xffff", -VRQ_EHEAD, 1, 0, 0, s_head_max},
	{"bad head after a good chain", -VRQ_EHEAD, 2, 0, 0, s_head_second},
	{"head offered again while in flight", -VRQ_EHEAD_INFLIGHT, 1, 0, 0, s_inflight_twice},
	{"3-descriptor chain head offered again while in flight", -VRQ_EHEAD_INFLIGHT, 4, 0, 0,
	 s_inflight_chain},
	{"head in flight offered again after another was pushed", -VRQ_EHEAD_INFLIGHT, 2, 0, 0,
	 s_inflight_other_pushed},
	{"next == size", -VRQ_ENEXT, 1, 0, 0, s_next_size},
	{"next == 0xffff", -VRQ_ENEXT, 1, 0, 0, s_next_max},
	{"self loop", -VRQ_ELOOP, 1, 0, 0, s_loop_self},
	{"2-cycle", -VRQ_ELOOP, 2, 0, 0, s_loop_2cycle},
	{"loop through all descriptors", -VRQ_ELOOP, 1, 0, 0, s_loop_all},
	{"rho loop 0-1-2-3-1", -VRQ_ELOOP, 4, 0, 0, s_loop_rho},
	{"writable loop", -VRQ_ELOOP, 1, 0, 0, s_loop_write},
	{"INDIRECT without feature", -VRQ_EINDIRECT_FEATURE, 1, F_NOIND, 0, s_ind_feature},
	{"INDIRECT|NEXT", -VRQ_EINDIRECT_NEXT, 1, F_IND, 0, s_ind_next},
	{"nested indirect", -VRQ_EINDIRECT_NESTED, 1, F_IND, 0, s_ind_nested},
	{"indirect len 0", -VRQ_EINDIRECT_LEN, 1, F_IND, 0, s_ind_len0},
	{"indirect len 15", -VRQ_EINDIRECT_LEN, 1, F_IND, 0, s_ind_len15},
	{"indirect len 17", -VRQ_EINDIRECT_LEN, 1, F_IND, 0, s_ind_len17},
	{"indirect 32769 entries", -VRQ_EINDIRECT_LEN, 1, F_IND, 0, s_ind_len_big},
	{"indirect len 0xfffffff0", -VRQ_EINDIRECT_LEN, 1, F_IND, 0, s_ind_len_huge},
	{"indirect table of size + 1 entries", -VRQ_EINDIRECT_LEN, 1, F_IND, 0, s_ind_len_size1},
	{"1 ring descriptor + a table of size entries", -VRQ_EINDIRECT_LEN, 2, F_IND, 0,
	 s_ind_after_one_over},
	{"size/2 ring descriptors + size/2 + 1 entries", -VRQ_EINDIRECT_LEN, 2, F_IND, 0,
	 s_ind_after_half_over},
	{"size - 1 ring descriptors + 2 entries", -VRQ_EINDIRECT_LEN, 2, F_IND, 0,
	 s_ind_after_all_but_one_over},
	{"indirect table outside memory", -VRQ_EINDIRECT_ADDR, 1, F_IND, 0, s_ind_addr_outside},
	{"indirect table past buffer region end", -VRQ_EINDIRECT_ADDR, 1, F_IND, 0,
	 s_ind_addr_buf_end},
	{"indirect table past ring region end", -VRQ_EINDIRECT_ADDR, 1, F_IND, 0,
	 s_ind_addr_ring_end},
	{"indirect table straddling two regions", -VRQ_EINDIRECT_ADDR, 1, F_IND, 0,
	 s_ind_addr_straddle},
	{"indirect table at 2^64-16 (wrap)", -VRQ_EINDIRECT_ADDR, 1, F_IND, 0, s_ind_addr_wrap},
	{"loop inside indirect table", -VRQ_ELOOP, 1, F_IND, 0, s_ind_loop},
	{"self loop inside indirect table", -VRQ_ELOOP, 1, F_IND, 0, s_ind_loop_self},
	{"next beyond indirect table", -VRQ_ENEXT, 1, F_IND, 0, s_ind_next_oob},
	{"direct then looping indirect", -VRQ_ELOOP, 3, F_IND, 0, s_ind_after_direct_loop},
	{"total len: 2 x 0xffffffff (ring)", -VRQ_ETOTAL_LEN, 2, 0, 1, s_total_ring},
	{"total len: 3 segments (indirect)", -VRQ_ETOTAL_LEN, 3, F_IND, 1, s_total_ind},
	{"total len: 0xffffffff + 1", -VRQ_ETOTAL_LEN, 2, F_IND, 1, s_total_mixed},
	{"readable after writable (ring)", -VRQ_EORDER, 2, 0, 0, s_order_ring},
	{"readable after writable (indirect)", -VRQ_EORDER, 3, F_IND, 0, s_order_ind},
	{"readable after 0-length writable", -VRQ_EORDER, 2, F_IND, 0, s_order_zero_write},
	{"writable ring desc, readable indirect", -VRQ_EORDER, 2, F_IND, 0,
	 s_order_ring_then_ind},
	{"segment outside memory", -VRQ_EADDR, 1, 0, 0, s_addr_outside},
	{"segment at 2^64-1 len 2 (wrap)", -VRQ_EADDR, 1, 0, 0, s_addr_wrap},
	{"segment straddling two regions", -VRQ_EADDR, 1, 0, 0, s_addr_straddle},
	{"segment past buffer region end", -VRQ_EADDR, 1, 0, 0, s_addr_buf_end},
	{"segment longer than its region", -VRQ_EADDR, 1, 0, 0, s_addr_too_long},
	{"writable indirect segment before region", -VRQ_EADDR, 2, F_IND, 0, s_addr_ind_write},
};

static const uint16_t sizes[] = {1, 2, 256, 32768};

static int run_dcase(const struct dcase *dc, uint16_t size, unsigned feat)
{
	static struct hfix f;
	int rc = -1;

	if (fix_init(&f, size, feat, 1)) {
		fprintf(stderr, "fixture init failed\n");
		vrq_test_failures++;
		fix_fini(&f);
		return -1;
	}
	if (dc->setup(&f) == 0 && expect_dev_err(&f, dc->code) == 0 && recover_dev(&f, dc->code) == 0)
		rc = 0;
	fix_fini(&f);
	if (rc)
		fprintf(stderr, "FAILED: hostile driver case \"%s\" size=%u features=%#x\n",
			dc->name, size, feat);
	return rc;
}

static int hostile_driver_cases(void)
{
	unsigned si, ci, v, ran = 0, skipped_huge = 0;
	int bad = 0;

	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		for (ci = 0; ci < sizeof(dcases) / sizeof(dcases[0]); ci++) {
			const struct dcase *dc = &dcases[ci];

			if (sizes[si] < dc->min_size)
				continue;
			if (dc->need_huge && !g_huge) {
				skipped_huge++;
				continue;
			}
			/* two feature sets per case: plain-ish and IN_ORDER + EVENT_IDX
			 * (the largest size only with the first, to keep it quick) */
			for (v = 0; v < (sizes[si] == VRQ_QUEUE_SIZE_MAX ? 1u : 2u); v++) {
				unsigned feat = v ? (F_INO | F_EVT) : 0;

				if (dc->need & F_IND)
					feat |= F_IND;
				else if (!(dc->need & F_NOIND) && v)
					feat |= F_IND; /* INDIRECT negotiated but unused */
				if (run_dcase(dc, sizes[si], feat))
					bad++;
				ran++;
			}
		}
	}
	printf("hostile driver: %u case runs, %d failed%s\n", ran, bad,
	       skipped_huge ? " (4 GiB reservation unavailable: ETOTAL_LEN cases skipped)" : "");
	return bad ? -1 : 0;
}

/* ---- valid boundary chains (the error checks must not be off by one) -------- */

static int boundary_body(struct hfix *f, uint16_t size)
{
	struct vrq_split_desc *t;
	uint32_t i;

	/* a chain through every descriptor, no loop */
	for (i = 0; i < size; i++)
		wdesc(f->desc, i, BUF(i % 4096), 1,
		      (uint16_t)(i + 1 < size ? VRQ_DESC_F_NEXT : 0), (uint16_t)(i + 1 < size ? i + 1 : 0));
	offer(f, 0);
	CHECK_EQ(pop_push(f), 1);
	CHECK_EQ(f->ch.n, size);
	CHECK_EQ(f->ch.ndesc, size);
	CHECK_EQ(f->ch.out_len, size);

	/* the longest chains through an indirect table: k ring descriptors
	 * then a table of exactly size - k entries (0-length segments), for
	 * k = 0, 1, size / 2, size - 1: size segments, the most there is
	 * (one more is VRQ_EINDIRECT_LEN, see the cases) */
	{
		uint32_t ks[4] = {0, 1, size / 2u, size - 1u}, j;

		for (j = 0; j < 4; j++) {
			uint32_t k = ks[j], m = size - k;

			if (!m)
				continue;
			t = xtbl(f, 0);
			for (i = 0; i < m; i++)
				wdesc(t, i, 0, 0, (uint16_t)(i + 1 < m ? VRQ_DESC_F_NEXT : 0),
				      (uint16_t)(i + 1 < m ? i + 1 : 0));
			for (i = 0; i < k; i++)
				wdesc(f->desc, i, BUF(0), 1, VRQ_DESC_F_NEXT, (uint16_t)(i + 1));
			wdesc(f->desc, k, XT(0), 16 * m, VRQ_DESC_F_INDIRECT, 0);
			offer(f, 0);
			CHECK_EQ(pop_push(f), 1);
			CHECK_EQ(f->ch.n, size);
			CHECK_EQ(f->ch.ndesc, k + 1);
			CHECK_EQ(f->ch.out_len, k);
			for (i = k; i < f->ch.n; i++)
				CHECK_EQ(g_segs[i].len, 0);
		}
	}

	/* a zero-length segment needs no memory behind it */
	wdesc(f->desc, 0, 0x1000, 0, 0, 0);
	offer(f, 0);
	CHECK_EQ(pop_push(f), 1);
	CHECK_EQ(f->ch.n, 1);
	CHECK_EQ(g_segs[0].len, 0);

	/* a segment ending exactly at the end of the buffer region */
	wdesc(f->desc, 0, BUF(BUF_SIZE - 16), 16, 0, 0);
	offer(f, 0);
	CHECK_EQ(pop_push(f), 1);
	CHECK(g_segs[0].va == f->p.buf_mem + BUF_SIZE - 16);

	/* an indirect table ending exactly at the end of xtra */
	good_table(f, XTRA_SIZE - 16 * tbl_n(f, 2), tbl_n(f, 2));
	wdesc(f->desc, 0, XT(XTRA_SIZE - 16 * tbl_n(f, 2)), 16 * tbl_n(f, 2), VRQ_DESC_F_INDIRECT,
	      0);
	offer(f, 0);
	CHECK_EQ(pop_push(f), 1);
	CHECK_EQ(f->ch.n, tbl_n(f, 2));

	/* total length exactly 2^32 - 1 */
	if (g_huge && size >= 2) {
		t = xtbl(f, 0);
		wdesc(t, 0, HUGE_DA, 0xfffffffeu, VRQ_DESC_F_NEXT, 1);
		wdesc(t, 1, HUGE_DA + 7, 1, VRQ_DESC_F_WRITE, 0);
		wdesc(f->desc, 0, XT(0), 32, VRQ_DESC_F_INDIRECT, 0);
		offer(f, 0);
		CHECK_EQ(pop_push(f), 1);
		CHECK_EQ(f->ch.out_len, 0xfffffffeu);
		CHECK_EQ(f->ch.in_len, 1);
		CHECK(g_segs[1].va == (uint8_t *)g_huge + 7);
	}
	CHECK_EQ(vrq_split_dev_broken(&f->p.dev), 0);
	CHECK(check_counts(f->p.dev.st.peer_err, 0, 0) == 0);
	return 0;
}

static int boundary_cases(uint16_t size)
{
	static struct hfix f;
	int rc = -1;

	if (fix_init(&f, size, F_IND, 1) == 0)
		rc = boundary_body(&f, size);
	else
		vrq_test_failures++;
	fix_fini(&f);
	if (rc)
		fprintf(stderr, "FAILED: boundary chains, size=%u\n", size);
	return rc;
}

/* ---- push of a head that is not in flight (local misuse) ------------------- */

/* -VRQ_EINVAL and nothing changes: no used entry, no counter, not broken. */
static int push_misuse_body(struct hfix *f)
{
	struct vrq_split_dev *d = &f->p.dev;
	uint16_t h = (uint16_t)(f->size - 1);

	wdesc(f->desc, h, BUF(0), 16, VRQ_DESC_F_WRITE, 0);
	offer(f, h);
	/* never popped */
	CHECK_EQ(vrq_split_dev_push(d, h, 16), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_dev_push(d, 0xffff, 16), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_dev_push(d, f->size, 16), -VRQ_EINVAL);
	vrq_split_dev_publish(d);
	CHECK_EQ(vrq_le16_to_cpu(f->used->idx), 0);
	CHECK_EQ(d->st.pushed, 0);
	/* popped: once, not twice */
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(f->ch.head, h);
	if (f->size > 1)
		CHECK_EQ(vrq_split_dev_push(d, 0, 16), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_dev_push(d, h, 16), 0);
	CHECK_EQ(vrq_split_dev_push(d, h, 16), -VRQ_EINVAL);
	vrq_split_dev_publish(d);
	CHECK_EQ(vrq_le16_to_cpu(f->used->idx), 1);
	CHECK_EQ(vrq_le32_to_cpu(f->used->ring[0].id), h);
	CHECK_EQ(vrq_le32_to_cpu(f->used->ring[0].len), 16);
	CHECK_EQ(d->st.pushed, 1);
	/* and offered again once pushed: pops */
	offer(f, h);
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(vrq_split_dev_push(d, h, 0), 0);
	/* a reset forgets what was in flight */
	offer(f, h);
	CHECK_EQ(pop(f), 1);
	vrq_split_dev_reset(d);
	CHECK_EQ(vrq_split_dev_push(d, h, 0), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_dev_broken(d), 0);
	CHECK(check_counts(d->st.peer_err, 0, 0) == 0);
	return 0;
}

static int push_misuse_cases(void)
{
	static struct hfix f;
	unsigned si, v;
	int bad = 0;

	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		for (v = 0; v < 2; v++) {
			unsigned feat = v ? (F_INO | F_EVT) : 0;
			int rc = -1;

			if (fix_init(&f, sizes[si], feat, 0) == 0)
				rc = push_misuse_body(&f);
			else
				vrq_test_failures++;
			fix_fini(&f);
			if (rc) {
				fprintf(stderr, "FAILED: push misuse, size=%u features=%#x\n", sizes[si],
					feat);
				bad++;
			}
		}
	}
	printf("push misuse: %d failed\n", bad);
	return bad ? -1 : 0;
}

/* ---- hostile device cases ---------------------------------------------------- */

static uint8_t g_tok[VRQ_QUEUE_SIZE_MAX]; /* token targets */
#define TOK(i) ((void *)&g_tok[(i)])

/* Add one buffer of one writable 16-byte segment; token i. */
static int drv_add1(struct hfix *f, unsigned i)
{
	struct vrq_sg sg = {BUF(16 * (i % 1024)), 16};

	return vrq_split_drv_add(&f->p.drv, &sg, 0, 1, TOK(i));
}

static void used_put(struct hfix *f, uint16_t pos, uint32_t id, uint32_t len)
{
	f->used->ring[pos & f->mask].id = vrq_cpu_to_le32(id);
	f->used->ring[pos & f->mask].len = vrq_cpu_to_le32(len);
}

static void used_idx_set(struct hfix *f, uint16_t idx)
{
	__atomic_store_n(&f->used->idx, vrq_cpu_to_le16(idx), __ATOMIC_RELEASE);
}

/* The next get_used must fail with @p code; the driver stays stopped. */
static int expect_drv_err(struct hfix *f, int code)
{
	struct vrq_split_drv *q = &f->p.drv;
	uint64_t done = q->st.completed;
	struct vrq_sg sg = {BUF(0), 8};
	void *tok = NULL;
	uint32_t len = 0;
	int k, rc;

	rc = vrq_split_drv_get_used(q, &tok, &len);
	if (rc != code)
		fprintf(stderr, "  get_used: got %d (%s), expected %d (%s)\n", rc, vrq_strerror(rc),
			code, vrq_strerror(code));
	CHECK_EQ(rc, code);
	CHECK_EQ(vrq_split_drv_broken(q), code);
	CHECK(check_counts(q->st.peer_err, code, 1) == 0);
	CHECK_EQ(q->st.used_len_clamped, 0);
	for (k = 0; k < 3; k++)
		CHECK_EQ(vrq_split_drv_get_used(q, &tok, &len), code);
	CHECK_EQ(vrq_split_drv_add(q, &sg, 1, 0, TOK(0)), code);
	CHECK(check_counts(q->st.peer_err, code, 1) == 0);
	CHECK_EQ(q->st.completed, done);
	return 0;
}

/* Detach everything still in flight (exactly @p inflight buffers), reset
 * both roles and do a clean round trip. */
static int recover_drv(struct hfix *f, int code, unsigned inflight)
{
	struct vrq_split_drv *q = &f->p.drv;
	struct vrq_split_dev *d = &f->p.dev;
	unsigned n = 0, i;
	void *tok;
	uint32_t len = 0;

	while (vrq_split_drv_detach(q, &tok) == 1) {
		CHECK((uint8_t *)tok >= g_tok && (uint8_t *)tok < g_tok + sizeof(g_tok));
		CHECK(++n <= f->size);
	}
	CHECK_EQ(n, inflight);
	CHECK_EQ(vrq_split_drv_num_free(q), f->size);
	vrq_split_drv_reset(q);
	vrq_split_dev_reset(d);
	CHECK_EQ(vrq_split_drv_broken(q), 0);
	for (i = 0; i < f->size && i < 4; i++)
		CHECK_EQ(drv_add1(f, i), 0);
	vrq_split_drv_publish(q);
	for (i = 0; i < f->size && i < 4; i++) {
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(vrq_split_dev_push(d, f->ch.head, 7), 0);
	}
	vrq_split_dev_publish(d);
	for (i = 0; i < f->size && i < 4; i++) {
		CHECK_EQ(vrq_split_drv_get_used(q, &tok, &len), 1);
		CHECK(tok == TOK(i));
		CHECK_EQ(len, 7);
	}
	CHECK_EQ(vrq_split_drv_get_used(q, &tok, &len), 0);
	CHECK_EQ(vrq_split_drv_num_free(q), f->size);
	CHECK(check_counts(q->st.peer_err, code, code ? 1 : 0) == 0);
	CHECK(check_counts(d->st.peer_err, 0, 0) == 0);
	return 0;
}

struct vcase {
	const char *name;
	int code;
	uint16_t min_size;
	unsigned need; /* F_INO: IN_ORDER only; F_NOIND */
	/* returns buffers in flight at the failing call, or -1 */
	int (*setup)(struct hfix *f);
};

static int v_idx_nothing(struct hfix *f)
{
	used_put(f, 0, 0, 0);
	used_idx_set(f, 1);
	return 0;
}

static int v_idx_over(struct hfix *f)
{
	unsigned k = f->size < 3 ? f->size : 3, i;

	for (i = 0; i < k; i++)
		CHECK_EQ(drv_add1(f, i), 0);
	vrq_split_drv_publish(&f->p.drv);
	for (i = 0; i < k; i++)
		used_put(f, (uint16_t)i, i, 16);
	used_idx_set(f, (uint16_t)(k + 1));
	return (int)k;
}

static int v_idx_back(struct hfix *f)
{
	CHECK_EQ(drv_add1(f, 0), 0);
	vrq_split_drv_publish(&f->p.drv);
	used_put(f, 0, 0, 16);
	used_idx_set(f, 0xffff);
	return 1;
}

/* Added but not published does not count as in flight. */
static int v_idx_unpublished(struct hfix *f)
{
	CHECK_EQ(drv_add1(f, 0), 0);
	vrq_split_drv_publish(&f->p.drv);
	CHECK_EQ(drv_add1(f, 1), 0);
	used_put(f, 0, 0, 16);
	used_put(f, 1, 1, 16);
	used_idx_set(f, 2);
	return 2;
}

/* A full ring completed legally, then too far. */
static int v_idx_after_progress(struct hfix *f)
{
	struct vrq_split_drv *q = &f->p.drv;
	uint32_t i, len;
	void *tok;

	for (i = 0; i < f->size; i++)
		CHECK_EQ(drv_add1(f, i), 0);
	vrq_split_drv_publish(q);
	CHECK_EQ(vrq_split_drv_num_free(q), 0);
	/* heads are 0..size-1 (fresh free list / ring order); complete them
	 * in reverse, or in order (one entry per buffer) with IN_ORDER */
	for (i = 0; i < f->size; i++)
		used_put(f, (uint16_t)i, (f->feat & F_INO) ? i : f->size - 1 - i, 3);
	used_idx_set(f, f->size);
	for (i = 0; i < f->size; i++) {
		CHECK_EQ(vrq_split_drv_get_used(q, &tok, &len), 1);
		CHECK_EQ(len, 3);
	}
	CHECK_EQ(vrq_split_drv_get_used(q, &tok, &len), 0);
	CHECK_EQ(vrq_split_drv_num_free(q), f->size);
	CHECK_EQ(drv_add1(f, 0), 0);
	vrq_split_drv_publish(q);
	used_put(f, f->size, 0, 3);
	used_put(f, (uint16_t)(f->size + 1), 0, 3);
	used_idx_set(f, (uint16_t)(f->size + 2));
	return 1;
}

static int v_id_size(struct hfix *f)
{
	CHECK_EQ(drv_add1(f, 0), 0);
	vrq_split_drv_publish(&f->p.drv);
	used_put(f, 0, f->size, 16);
	used_idx_set(f, 1);
	return 1;
}

static int v_id_max(struct hfix *f)
{
	CHECK_EQ(drv_add1(f, 0), 0);
	vrq_split_drv_publish(&f->p.drv);
	used_put(f, 0, 0xffffffffu, 16);
	used_idx_set(f, 1);
	return 1;
}

/* A descriptor that is free. */
static int v_id_free(struct hfix *f)
{
	CHECK_EQ(drv_add1(f, 0), 0);
	vrq_split_drv_publish(&f->p.drv);
	used_put(f, 0, f->mask, 16); /* last descriptor: never handed out */
	used_idx_set(f, 1);
	return 1;
}

/* The same id twice. */
static int v_id_double(struct hfix *f)
{
	void *tok;
	uint32_t len;

	CHECK_EQ(drv_add1(f, 0), 0);
	CHECK_EQ(drv_add1(f, 1), 0);
	vrq_split_drv_publish(&f->p.drv);
	used_put(f, 0, 0, 16);
	used_put(f, 1, 0, 16);
	used_idx_set(f, 2);
	CHECK_EQ(vrq_split_drv_get_used(&f->p.drv, &tok, &len), 1);
	CHECK(tok == TOK(0));
	return 1;
}

/* The second descriptor of a 3-descriptor chain is not a head. */
static int v_id_non_head(struct hfix *f)
{
	struct vrq_sg sg[3] = {{BUF(0), 8}, {BUF(8), 8}, {BUF(16), 8}};

	CHECK_EQ(vrq_split_drv_add(&f->p.drv, sg, 1, 2, TOK(0)), 0);
	CHECK_EQ(vrq_split_drv_num_free(&f->p.drv), f->size - 3u);
	vrq_split_drv_publish(&f->p.drv);
	used_put(f, 0, 1, 16);
	used_idx_set(f, 1);
	return 1;
}

/*
 * IN_ORDER: one used entry may stand for a batch ending at its id, and used
 * idx then moves by the batch size.  An entry naming buffer 2 (batch of 3)
 * with used idx moved by only @p adv < 3 claims more buffers than the device
 * published: the driver must not hand out more than @p adv buffers and must
 * report VRQ_EUSED_ID.
 */
static int overclaim(struct hfix *f, uint16_t adv)
{
	struct vrq_split_drv *q = &f->p.drv;
	unsigned got = 0, i;
	void *tok;
	uint32_t len;
	int rc;

	for (i = 0; i < 3; i++)
		CHECK_EQ(drv_add1(f, i), 0);
	vrq_split_drv_publish(q);
	used_put(f, 0, 2, 16);
	used_idx_set(f, adv);
	while ((rc = vrq_split_drv_get_used(q, &tok, &len)) == 1) {
		CHECK(tok == TOK(got));
		if (++got > adv) {
			fprintf(stderr,
				"  IN_ORDER: used idx advanced by %u but get_used returned %u "
				"buffers (driver last_used=%u)\n",
				adv, got, q->last_used);
			CHECK(got <= adv);
		}
		CHECK(got <= 3);
	}
	CHECK_EQ(rc, -VRQ_EUSED_ID);
	/* expect_drv_err() then sees the same code again, counted once */
	return (int)(3 - got);
}

static int v_ino_overclaim1(struct hfix *f)
{
	return overclaim(f, 2);
}

static int v_ino_overclaim2(struct hfix *f)
{
	return overclaim(f, 1);
}

static const struct vcase vcases[] = {
	{"used idx 1 with nothing in flight", -VRQ_EUSED_IDX, 1, 0, v_idx_nothing},
	{"used idx past the buffers in flight", -VRQ_EUSED_IDX, 1, 0, v_idx_over},
	{"used idx backwards (0xffff)", -VRQ_EUSED_IDX, 1, 0, v_idx_back},
	{"used idx covers an unpublished buffer", -VRQ_EUSED_IDX, 2, 0, v_idx_unpublished},
	{"used idx too far after a full ring", -VRQ_EUSED_IDX, 1, 0, v_idx_after_progress},
	{"used id == size", -VRQ_EUSED_ID, 1, 0, v_id_size},
	{"used id 0xffffffff", -VRQ_EUSED_ID, 1, 0, v_id_max},
	{"used id of a free descriptor", -VRQ_EUSED_ID, 2, 0, v_id_free},
	{"used id twice", -VRQ_EUSED_ID, 2, 0, v_id_double},
	{"used id not a chain head", -VRQ_EUSED_ID, 4, F_NOIND, v_id_non_head},
	{"IN_ORDER batch claims 3 with idx +2", -VRQ_EUSED_ID, 4, F_INO, v_ino_overclaim1},
	{"IN_ORDER batch claims 3 with idx +1", -VRQ_EUSED_ID, 4, F_INO, v_ino_overclaim2},
};

static int run_vcase(const struct vcase *vc, uint16_t size, unsigned feat)
{
	static struct hfix f;
	int rc = -1, inflight;

	if (fix_init(&f, size, feat, 1)) {
		fprintf(stderr, "fixture init failed\n");
		vrq_test_failures++;
		fix_fini(&f);
		return -1;
	}
	inflight = vc->setup(&f);
	if (inflight >= 0 && expect_drv_err(&f, vc->code) == 0 &&
	    recover_drv(&f, vc->code, (unsigned)inflight) == 0)
		rc = 0;
	fix_fini(&f);
	if (rc)
		fprintf(stderr, "FAILED: hostile device case \"%s\" size=%u features=%#x\n", vc->name,
			size, feat);
	return rc;
}

/* used len larger than the writable capacity: clamped, counted, not fatal.
 * The real device pops and pushes; the hostile part rewrites the len of the
 * used entry it published before the driver reads it. */
static int used_len_body(struct hfix *f, uint16_t size, unsigned feat)
{
	static const uint32_t claim[3] = {17, 0xffffffffu, 1};
	struct vrq_split_drv *q = &f->p.drv;
	struct vrq_split_dev *d = &f->p.dev;
	struct vrq_sg sg3[3] = {{BUF(0), 8}, {BUF(8), 8}, {BUF(16), 8}};
	struct vrq_sg w16 = {BUF(32), 16}, ro = {BUF(64), 32};
	void *tok;
	uint32_t len = 0, cap;
	unsigned i, n;
	int multi = size >= 4; /* 3 segments: at most the queue size */

	(void)feat;

	for (i = 0; i < 3; i++) {
		uint16_t pos;

		if (i == 0 && multi) {
			CHECK_EQ(vrq_split_drv_add(q, sg3, 1, 2, TOK(i)), 0);
			cap = 16;
		} else if (i == 2) {
			CHECK_EQ(vrq_split_drv_add(q, &ro, 1, 0, TOK(i)), 0);
			cap = 0;
		} else {
			CHECK_EQ(vrq_split_drv_add(q, &w16, 0, 1, TOK(i)), 0);
			cap = 16;
		}
		vrq_split_drv_publish(q);
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(f->ch.in_len, cap);
		CHECK_EQ(vrq_split_dev_push(d, f->ch.head, cap), 0);
		vrq_split_dev_publish(d);
		pos = (uint16_t)(vrq_le16_to_cpu(f->used->idx) - 1);
		CHECK_EQ(vrq_le32_to_cpu(f->used->ring[pos & f->mask].len), cap);
		f->used->ring[pos & f->mask].len = vrq_cpu_to_le32(claim[i]);
		len = 12345;
		CHECK_EQ(vrq_split_drv_get_used(q, &tok, &len), 1);
		CHECK(tok == TOK(i));
		CHECK_EQ(len, cap);
		CHECK_EQ(q->st.used_len_clamped, i + 1);
		CHECK(check_counts(q->st.peer_err, -VRQ_EUSED_LEN, i + 1) == 0);
		CHECK_EQ(vrq_split_drv_broken(q), 0);
	}
	CHECK_EQ(vrq_split_drv_num_free(q), size);
	CHECK_EQ(vrq_split_drv_get_used(q, &tok, &len), 0);
	/* the queue keeps working without a reset */
	n = size < 4 ? size : 4;
	for (i = 0; i < n; i++)
		CHECK_EQ(drv_add1(f, 10 + i), 0);
	vrq_split_drv_publish(q);
	for (i = 0; i < n; i++) {
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(vrq_split_dev_push(d, f->ch.head, 16), 0);
	}
	vrq_split_dev_publish(d);
	for (i = 0; i < n; i++) {
		CHECK_EQ(vrq_split_drv_get_used(q, &tok, &len), 1);
		CHECK(tok == TOK(10 + i));
		CHECK_EQ(len, 16);
	}
	CHECK_EQ(q->st.used_len_clamped, 3);
	CHECK(check_counts(q->st.peer_err, -VRQ_EUSED_LEN, 3) == 0);
	CHECK(check_counts(d->st.peer_err, 0, 0) == 0);
	return 0;
}

static int used_len_case(uint16_t size, unsigned feat)
{
	static struct hfix f;
	int rc = -1;

	if (fix_init(&f, size, feat, 0) == 0)
		rc = used_len_body(&f, size, feat);
	else
		vrq_test_failures++;
	fix_fini(&f);
	if (rc)
		fprintf(stderr, "FAILED: used len clamp, size=%u features=%#x\n", size, feat);
	return rc;
}

static int hostile_device_cases(void)
{
	unsigned si, ci, v, ran = 0;
	int bad = 0;

	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint16_t size = sizes[si];

		for (ci = 0; ci < sizeof(vcases) / sizeof(vcases[0]); ci++) {
			const struct vcase *vc = &vcases[ci];

			if (size < vc->min_size)
				continue;
			for (v = 0; v < 3; v++) {
				/* plain, INDIRECT, IN_ORDER + EVENT_IDX */
				unsigned feat = v == 0 ? 0 : v == 1 ? F_IND : (F_INO | F_EVT);

				if ((vc->need & F_INO) && !(feat & F_INO))
					continue;
				if ((vc->need & F_NOIND) && (feat & F_IND))
					continue;
				if (run_vcase(vc, size, feat))
					bad++;
				ran++;
			}
		}
		for (v = 0; v < 3; v++) {
			unsigned feat = v == 0 ? 0 : v == 1 ? F_IND : (F_INO | F_EVT);

			if (used_len_case(size, feat))
				bad++;
			ran++;
		}
	}
	printf("hostile device: %u case runs, %d failed\n", ran, bad);
	return bad ? -1 : 0;
}

/* ---- randomized scribbling ---------------------------------------------------- */

static uint64_t xs_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	uint64_t x = xs_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	xs_state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static uint32_t rndn(uint32_t n) /* [0, n), n > 0 */
{
	return (uint32_t)((rnd() >> 32) % n);
}

static int chance(unsigned one_in)
{
	return rndn(one_in) == 0;
}

/* Our own copy of the memory map, to check popped segments against. */
struct myreg {
	uint64_t da, size;
	uint8_t *va;
	const char *name;
};

struct fuzz {
	struct hfix f;
	struct myreg reg[4];
	unsigned nreg;
	uint64_t hist[VRQ_PEER_ERR_COUNT];
	uint64_t pops, ok, zero, errors, segcap, held_hits;
	uint16_t base; /* our view of the device's last_avail */
	/* heads popped and not pushed yet (the device must refuse them) */
	uint8_t held[VRQ_QUEUE_SIZE_MAX];
	uint16_t heldlist[VRQ_QUEUE_SIZE_MAX];
	unsigned nheld;
};

static const struct myreg *reg_of_da(const struct fuzz *z, uint64_t da, uint64_t len)
{
	unsigned i;

	for (i = 0; i < z->nreg; i++) {
		const struct myreg *r = &z->reg[i];

		if (da >= r->da && da - r->da < r->size && len <= r->size - (da - r->da))
			return r;
	}
	return NULL;
}

static const struct myreg *reg_of_va(const struct fuzz *z, const uint8_t *va, uint64_t len)
{
	unsigned i;

	for (i = 0; i < z->nreg; i++) {
		const struct myreg *r = &z->reg[i];

		if (va >= r->va && (uint64_t)(va - r->va) < r->size &&
		    len <= r->size - (uint64_t)(va - r->va))
			return r;
	}
	return NULL;
}

/* A device address (and length) drawn from interesting places. */
static void rnd_seg(struct fuzz *z, uint64_t *addr, uint32_t *len)
{
	struct hfix *f = &z->f;
	uint32_t k = rndn(100);

	if (k < 45) { /* inside the buffer region, mostly fitting */
		uint32_t off = rndn(BUF_SIZE);

		*addr = BUF(off);
		*len = rndn(BUF_SIZE - off + 1);
		if (chance(4))
			*len = rndn(64);
		if (chance(16))
			*len = BUF_SIZE - off + 1 + rndn(32);
	} else if (k < 55) { /* inside the ring region */
		uint32_t off = rndn((uint32_t)f->p.ring_bytes);

		*addr = VRQ_TEST_RING_DA + off;
		*len = rndn((uint32_t)(f->p.ring_bytes - off) + 1);
	} else if (k < 65) { /* around the xtra/adj boundary */
		*addr = ADJ_DA - 64 + rndn(128);
		*len = rndn(160);
	} else if (k < 72) { /* around the buffer region's edges */
		*addr = chance(2) ? BUF(BUF_SIZE) - rndn(64) : VRQ_TEST_BUF_DA - rndn(64);
		*len = rndn(128);
	} else if (k < 78) { /* anywhere */
		*addr = rnd();
		*len = (uint32_t)rnd();
	} else if (k < 84) { /* wrapping */
		*addr = UINT64_MAX - rndn(16);
		*len = rndn(32);
	} else if (k < 90) { /* huge lengths */
		*addr = BUF(rndn(64));
		*len = chance(2) ? 0xffffffffu : (uint32_t)rnd();
	} else { /* zero length, any address */
		*addr = chance(2) ? rnd() : BUF(rndn(BUF_SIZE));
		*len = 0;
	}
}

/* An indirect table reference: address of a table in the pool or xtra. */
static struct vrq_split_desc *rnd_table(struct fuzz *z, uint64_t *da, uint32_t *entries)
{
	struct hfix *f = &z->f;
	uint32_t n = 1 + rndn(chance(8) ? 64 : 6);

	if (chance(64))
		n = chance(2) ? VRQ_QUEUE_SIZE_MAX : VRQ_QUEUE_SIZE_MAX + 1;
	if (f->p.cfg.ind_pool && f->size * VRQ_TEST_IND_MAX >= n && chance(2)) {
		uint32_t slot = rndn((uint32_t)(f->size * VRQ_TEST_IND_MAX - n + 1));

		*da = f->p.cfg.ind_pool_da + 16ull * slot;
		*entries = n;
		return f->p.cfg.ind_pool + slot;
	}
	if (n > XTRA_SIZE / 16)
		n = XTRA_SIZE / 16;
	{
		uint32_t slot = rndn(XTRA_SIZE / 16 - n + 1);

		*da = XT(16ull * slot);
		*entries = n;
		return xtbl(f, 16ull * slot);
	}
}

static uint16_t rnd_flags(int in_table)
{
	uint16_t fl = 0;

	if (chance(3))
		fl |= VRQ_DESC_F_NEXT;
	if (chance(3))
		fl |= VRQ_DESC_F_WRITE;
	if (chance(in_table ? 40 : 12))
		fl |= VRQ_DESC_F_INDIRECT;
	if (chance(50))
		fl = (uint16_t)rnd();
	return fl;
}

static void rnd_desc(struct fuzz *z, struct vrq_split_desc *t, uint32_t i, uint32_t entries,
		     int in_table)
{
	uint64_t addr;
	uint32_t len;
	uint16_t fl = rnd_flags(in_table), next;

	if ((fl & VRQ_DESC_F_INDIRECT) && chance(4) == 0) {
		uint32_t n;
		struct vrq_split_desc *tt = rnd_table(z, &addr, &n);
		uint32_t j;

		len = 16 * n;
		if (chance(10))
			len = chance(2) ? rndn(64) : (uint32_t)rnd();
		/* fill a few entries of the target table */
		for (j = 0; j < n && j < 8; j++)
			rnd_desc(z, tt, j, n, 1);
	} else {
		rnd_seg(z, &addr, &len);
	}
	next = chance(16) ? (uint16_t)rnd() : (uint16_t)rndn(entries);
	wdesc(t, i, addr, len, fl, next);
}

/* A valid chain of up to 4 ring descriptors (readable first), maybe ending in
 * a valid indirect table; then maybe one random mutation. */
static uint16_t build_valid(struct fuzz *z)
{
	struct hfix *f = &z->f;
	uint16_t idx[4];
	unsigned n = 1 + rndn(f->size < 4 ? f->size : 4), i, j, nw;
	int ind = (f->feat & F_IND) && chance(3);

	for (i = 0; i < n; i++) {
	again:
		idx[i] = (uint16_t)rndn(f->size);
		for (j = 0; j < i; j++)
			if (idx[j] == idx[i])
				goto again;
	}
	nw = rndn(n + 1); /* writable tail length */
	for (i = 0; i < n; i++) {
		uint32_t off = rndn(BUF_SIZE), len = rndn(BUF_SIZE - off + 1);
		uint16_t fl = (uint16_t)(i >= n - nw ? VRQ_DESC_F_WRITE : 0);

		if (chance(3))
			len = rndn(BUF_SIZE - off < 256 ? BUF_SIZE - off + 1 : 257);
		if (i + 1 < n)
			fl |= VRQ_DESC_F_NEXT;
		wdesc(f->desc, idx[i], BUF(off), len, fl, (uint16_t)(i + 1 < n ? idx[i + 1] : 0));
	}
	if (ind) {
		uint64_t da;
		uint32_t entries, k, m;
		struct vrq_split_desc *t = rnd_table(z, &da, &entries);

		m = entries > 16 ? 16 : entries;
		/* the chain bound: n - 1 ring segments plus m entries <= size */
		if (m > f->size - (n - 1))
			m = f->size - (n - 1);
		/* readable entries only if the ring part had no writable */
		for (k = 0; k < m; k++) {
			uint32_t off = rndn(BUF_SIZE), len = rndn(257);
			uint16_t fl = (uint16_t)((nw || k >= m / 2) ? VRQ_DESC_F_WRITE : 0);

			if (len > BUF_SIZE - off)
				len = BUF_SIZE - off;
			if (k + 1 < m)
				fl |= VRQ_DESC_F_NEXT;
			wdesc(t, k, BUF(off), len, fl, (uint16_t)(k + 1 < m ? k + 1 : 0));
		}
		/* the last ring descriptor becomes the indirect one */
		wdesc(f->desc, idx[n - 1], da, 16 * m, VRQ_DESC_F_INDIRECT, 0);
	}
	if (chance(2)) {
		/* one mutation: a random field of a random chain descriptor */
		struct vrq_split_desc *d = &f->desc[idx[rndn(n)]];

		switch (rndn(4)) {
		case 0:
		{
			uint64_t v = rnd();

			d->addr = vrq_cpu_to_le64(v >> rndn(64));
		}
			break;
		case 1:
		{
			uint32_t v = (uint32_t)rnd();

			d->len = vrq_cpu_to_le32(v >> rndn(32));
		}
			break;
		case 2:
			d->flags = vrq_cpu_to_le16((uint16_t)(vrq_le16_to_cpu(d->flags) ^ (1u << rndn(4))));
			break;
		default:
			d->next = vrq_cpu_to_le16((uint16_t)(rndn(2) ? rndn(f->size) : rnd()));
			break;
		}
	}
	return idx[0];
}

static void scribble_bytes(uint8_t *p, size_t n)
{
	size_t off = rndn((uint32_t)n), len = 1 + rndn(256), i;

	if (len > n - off)
		len = n - off;
	for (i = 0; i < len; i++)
		p[off + i] = (uint8_t)rnd();
}

/* Validate one popped chain against our own region list. */
static int check_chain(struct fuzz *z, uint16_t want_head)
{
	struct hfix *f = &z->f;
	struct vrq_chain *c = &f->ch;
	uint64_t out = 0, in = 0;
	unsigned i;

	CHECK_EQ(c->head, want_head);
	CHECK(c->head < f->size);
	CHECK(c->n >= 1 && c->n <= f->size); /* a chain is at most size segments */
	CHECK(c->n_out <= c->n);
	CHECK(c->ndesc >= 1 && c->ndesc <= f->size);
	for (i = 0; i < c->n; i++) {
		const struct vrq_seg *s = &g_segs[i];

		if (i < c->n_out) {
			CHECK_EQ(s->flags, 0);
			out += s->len;
		} else {
			CHECK_EQ(s->flags, VRQ_SEG_WRITE);
			in += s->len;
		}
		if (s->len) {
			const struct myreg *rd = reg_of_da(z, s->addr, s->len);
			const struct myreg *rv = reg_of_va(z, (const uint8_t *)s->va, s->len);

			if (!rd || rd != rv) {
				fprintf(stderr,
					"  segment %u: addr %#llx len %u va %p: da region %s, va region %s\n",
					i, (unsigned long long)s->addr, s->len, s->va,
					rd ? rd->name : "none", rv ? rv->name : "none");
				CHECK(rd && rd == rv);
			}
			CHECK((const uint8_t *)s->va == rd->va + (s->addr - rd->da));
			/* touch both ends (ASan checks them); write only into the
			 * buffer region so the ring we set up stays as written */
			{
				volatile const uint8_t *b = (volatile const uint8_t *)s->va;
				uint8_t x = b[0];

				x = (uint8_t)(x ^ b[s->len - 1]);
				if ((s->flags & VRQ_SEG_WRITE) && rd->va == f->p.buf_mem) {
					((uint8_t *)s->va)[0] = x;
					((uint8_t *)s->va)[s->len - 1] = (uint8_t)~x;
				}
			}
		}
	}
	CHECK_EQ(out, c->out_len);
	CHECK_EQ(in, c->in_len);
	CHECK(out + in <= UINT32_MAX);
	return 0;
}

static int is_dev_peer_code(int rc)
{
	return (rc <= -VRQ_EAVAIL_IDX && rc >= -VRQ_EADDR) || rc == -VRQ_EHEAD_INFLIGHT;
}

/* Push held head number @p i (any length it can take). */
static int fz_release(struct fuzz *z, unsigned i)
{
	uint16_t h = z->heldlist[i];

	CHECK_EQ(vrq_split_dev_push(&z->f.p.dev, h, 0), 0);
	z->held[h] = 0;
	z->heldlist[i] = z->heldlist[--z->nheld];
	return 0;
}

static void fz_forget_held(struct fuzz *z)
{
	while (z->nheld)
		z->held[z->heldlist[--z->nheld]] = 0;
}

static int fuzz_round(struct fuzz *z)
{
	struct hfix *f = &z->f;
	struct vrq_split_dev *d = &f->p.dev;
	uint32_t k, j, m;
	uint16_t start = z->base;

	/* scribble */
	switch (rndn(6)) {
	case 0: /* raw bytes over the descriptor table */
		for (m = 1 + rndn(4); m; m--)
			scribble_bytes((uint8_t *)f->desc, 16u * f->size);
		break;
	case 1: /* raw bytes over the avail ring entries (not the idx) */
		scribble_bytes((uint8_t *)f->avail->ring, 2u * f->size + 2);
		break;
	case 2: /* raw bytes over the indirect tables */
		if (f->p.cfg.ind_pool && chance(2))
			scribble_bytes((uint8_t *)f->p.cfg.ind_pool, 16u * f->size * VRQ_TEST_IND_MAX);
		else
			scribble_bytes(f->xtra + 16 * rndn(XTRA_SIZE / 16 - 64), 1024);
		break;
	case 3: /* structured random descriptors */
		for (m = 1 + rndn(8); m; m--)
			rnd_desc(z, f->desc, rndn(f->size), f->size, 0);
		break;
	default:
		break;
	}
	/* offer k entries: mostly built chains, some random heads */
	k = rndn((uint32_t)f->size + 1);
	if (k > 16 && chance(2))
		k = rndn(17);
	/* fresh heads for the first 64 entries; the rest keep whatever the
	 * ring held (stale heads into a scribbled table) */
	for (j = 0; j < k && j < 64; j++) {
		uint16_t h;

		if (chance(10))
			h = chance(4) ? (uint16_t)rnd() : (uint16_t)rndn(f->size);
		else if (chance(4))
			h = vrq_le16_to_cpu(f->avail->ring[(uint16_t)(start + j) & f->mask]);
		else
			h = build_valid(z);
		avail_ring_set(f, (uint16_t)(start + j), h);
	}
	if (chance(64)) {
		/* too far (EAVAIL_IDX) */
		k = (uint32_t)f->size + 1 + rndn(65536u - f->size - 1);
	}
	avail_idx_set(f, (uint16_t)(start + k));

	for (j = 0; j <= k; j++) {
		uint16_t want = vrq_le16_to_cpu(f->avail->ring[z->base & f->mask]);
		uint16_t cap = (uint16_t)SEG_CAP;
		uint64_t before = d->st.popped;
		int held = want < f->size && z->held[want];
		int rc;

		if (chance(8))
			cap = (uint16_t)(1 + rndn(4));
		vrq_chain_init(&f->ch, g_segs, cap);
		rc = vrq_split_dev_pop(d, &f->ch);
		if (rc == -VRQ_ESEGCAP) {
			/* local limit: nothing consumed, queue usable, not a peer error */
			CHECK(cap < SEG_CAP);
			CHECK_EQ(vrq_split_dev_broken(d), 0);
			CHECK_EQ(d->st.popped, before);
			z->segcap++;
			vrq_chain_init(&f->ch, g_segs, (uint16_t)SEG_CAP);
			rc = vrq_split_dev_pop(d, &f->ch);
			CHECK(rc != -VRQ_ESEGCAP);
		}
		if (rc != 0)
			z->pops++;
		/* a head still in flight is refused before anything else is
		 * read (only a bad avail idx, checked first, wins over it);
		 * with nothing available, want is a stale entry */
		if (held && rc != 0 && rc != -VRQ_EAVAIL_IDX) {
			CHECK_EQ(rc, -VRQ_EHEAD_INFLIGHT);
			z->held_hits++;
		}
		if (!held)
			CHECK(rc != -VRQ_EHEAD_INFLIGHT);
		if (rc == 1) {
			CHECK_EQ(d->st.popped, before + 1);
			if (check_chain(z, want))
				return -1;
			z->base++;
			z->ok++;
			if (chance(3)) {
				/* keep it in flight for a while */
				z->held[want] = 1;
				z->heldlist[z->nheld++] = want;
			} else {
				CHECK_EQ(vrq_split_dev_push(d, f->ch.head,
							    (uint32_t)(rnd() % ((uint64_t)f->ch.in_len + 1))),
					 0);
			}
			if (z->nheld && chance(4) && fz_release(z, rndn(z->nheld)))
				return -1;
			if (chance(4))
				vrq_split_dev_publish(d);
			continue;
		}
		if (rc == 0) {
			/* empty only once everything offered was consumed */
			CHECK(k <= f->size);
			CHECK_EQ(j, k);
			CHECK_EQ(z->base, (uint16_t)(start + k));
			z->zero++;
			break;
		}
		if (!is_dev_peer_code(rc)) {
			fprintf(stderr, "  pop returned %d (%s)\n", rc, vrq_strerror(rc));
			CHECK(is_dev_peer_code(rc));
		}
		z->errors++;
		z->hist[VRQ_PEER_ERR_IDX(rc)]++;
		CHECK_EQ(vrq_split_dev_broken(d), rc);
		CHECK_EQ(vrq_split_dev_pop(d, &f->ch), rc);
		vrq_split_dev_reset(d);
		fz_forget_held(z); /* the reset forgot them too */
		z->base = 0;
		break;
	}
	/* now and then everything held goes back */
	if (chance(8)) {
		while (z->nheld)
			if (fz_release(z, z->nheld - 1))
				return -1;
		vrq_split_dev_publish(d);
	}
	return 0;
}

/* Every error returned was counted exactly once, per code. */
static int fuzz_totals(struct fuzz *z, uint64_t *tot_hist)
{
	const struct vrq_dev_stats *st = &z->f.p.dev.st;
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++) {
		CHECK_EQ(st->peer_err[i], z->hist[i]);
		sum += st->peer_err[i];
		tot_hist[i] += z->hist[i];
	}
	CHECK_EQ(sum, z->errors);
	CHECK_EQ(st->popped, z->ok);
	CHECK(z->ok > 0);
	return 0;
}

static int fuzz_config(uint16_t size, unsigned feat, uint64_t seed, uint64_t target,
		       uint64_t *tot_hist, uint64_t *tot_pops)
{
	static struct fuzz z;
	struct hfix *f = &z.f;
	uint32_t i;
	int rc = -1;

	memset(&z, 0, sizeof(z));
	xs_state = seed * 0x9E3779B97F4A7C15ull + 1;
	if (fix_init(f, size, feat, 0)) {
		vrq_test_failures++;
		goto out;
	}
	z.reg[0] = (struct myreg){VRQ_TEST_RING_DA, f->p.ring_bytes, f->p.ring_mem, "ring"};
	z.reg[1] = (struct myreg){VRQ_TEST_BUF_DA, f->p.buf_bytes, f->p.buf_mem, "buf"};
	z.reg[2] = (struct myreg){XTRA_DA, XTRA_SIZE, f->xtra, "xtra"};
	z.reg[3] = (struct myreg){ADJ_DA, ADJ_SIZE, f->adj, "adj"};
	z.nreg = 4;
	/* start from a table full of structured random descriptors */
	for (i = 0; i < size; i++)
		rnd_desc(&z, f->desc, i, size, 0);
	while (z.pops < target) {
		if (fuzz_round(&z)) {
			fprintf(stderr, "  (fuzz seed %llu, after %llu pops)\n",
				(unsigned long long)seed, (unsigned long long)z.pops);
			goto out;
		}
	}
	if (fuzz_totals(&z, tot_hist))
		goto out;
	*tot_pops += z.pops;
	printf("  fuzz size=%-5u feat=%#x: %llu pops, %llu ok, %llu errors (%llu in flight), %llu "
	       "empty, %llu segcap\n",
	       size, feat, (unsigned long long)z.pops, (unsigned long long)z.ok,
	       (unsigned long long)z.errors, (unsigned long long)z.held_hits,
	       (unsigned long long)z.zero, (unsigned long long)z.segcap);
	rc = 0;
out:
	fix_fini(f);
	if (rc)
		fprintf(stderr, "FAILED: randomized section, size=%u features=%#x\n", size, feat);
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

static const char *const peer_name[VRQ_PEER_ERR_COUNT] = {
	"AVAIL_IDX", "HEAD", "NEXT", "LOOP", "INDIRECT_FEATURE", "INDIRECT_NEXT",
	"INDIRECT_NESTED", "INDIRECT_LEN", "INDIRECT_ADDR", "TOTAL_LEN", "ORDER", "ADDR",
	"USED_IDX", "USED_ID", "USED_LEN", "ID", "ID_INFLIGHT", "WRAP",
	[VRQ_PEER_ERR_IDX(VRQ_EHEAD_INFLIGHT)] = "HEAD_INFLIGHT",
	[VRQ_PEER_ERR_IDX(VRQ_EINDIRECT_TABLE_NEXT)] = "INDIRECT_TABLE_NEXT",
};

static int randomized(void)
{
	static const struct {
		uint16_t size;
		unsigned feat;
		unsigned weight;
	} cfgs[] = {
		{1, F_IND, 1},	      {2, F_IND | F_INO, 1}, {4, F_IND, 1},
		{16, F_IND | F_INO, 2}, {16, 0, 1},	     {256, F_IND, 2},
		{256, F_INO, 1},      {32768, F_IND, 1},
	};
	uint64_t total = (uint64_t)(200000.0 * test_scale()), hist[VRQ_PEER_ERR_COUNT] = {0};
	uint64_t pops = 0;
	unsigned i, wsum = 0;
	int bad = 0;

	if (total < 2000)
		total = 2000;
	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++)
		wsum += cfgs[i].weight;
	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		uint64_t target = (total * cfgs[i].weight + wsum - 1) / wsum;

		if (fuzz_config(cfgs[i].size, cfgs[i].feat, 1000 + i, target, hist, &pops))
			bad++;
	}
	printf("randomized: %llu pops; errors by code:", (unsigned long long)pops);
	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++)
		if (hist[i])
			printf(" %s=%llu", peer_name[i], (unsigned long long)hist[i]);
	printf("\n");
	if (bad)
		return -1;
	CHECK(pops >= total);
	/* at full scale the generator must reach every device-side check */
	if (total >= 200000) {
		for (i = VRQ_PEER_ERR_IDX(VRQ_EAVAIL_IDX); i <= (unsigned)VRQ_PEER_ERR_IDX(VRQ_EADDR);
		     i++) {
			if (!hist[i])
				fprintf(stderr, "  randomized section never produced VRQ_E%s\n",
					peer_name[i]);
			CHECK(hist[i] > 0);
		}
		CHECK(hist[VRQ_PEER_ERR_IDX(VRQ_EHEAD_INFLIGHT)] > 0);
	}
	return 0;
}

/* ---- randomized hostile device against the real driver ---------------------- */

/*
 * The hostile device reads the heads the driver published from the avail
 * ring and writes used entries and used->idx directly.  Most rounds are
 * valid (any order; IN_ORDER: in order, batched as the spec allows: one
 * entry for the last buffer of a batch, used idx moved by the batch size)
 * and the driver must return exactly those buffers and lengths (clamped to
 * the capacity).  Some rounds are malformed: random idx jumps, random or
 * stale ids, IN_ORDER batches claiming more buffers than used idx moved.
 * Then the driver may return only buffers that are in flight, never more
 * buffers than used idx advanced, and only VRQ_EUSED_IDX / VRQ_EUSED_ID.
 */
#define DF_MAXQ 256u

struct dexp {
	void *tok;
	uint32_t len;
};

struct dfz {
	struct hfix f;
	void *tok[DF_MAXQ];
	uint32_t cap[DF_MAXQ];
	uint8_t inflight[DF_MAXQ];
	uint16_t fifo[DF_MAXQ]; /* published, no used entry yet, in add order */
	unsigned fn;
	struct dexp exp[DF_MAXQ]; /* expected completions, in order */
	unsigned eh, en;
	uint16_t tok2head[VRQ_QUEUE_SIZE_MAX];
	uint16_t pub, uidx;
	uint64_t adv, done; /* since reset: used idx advance, completions */
	unsigned nin;
	int corrupt;
	uint64_t serial, calls, ok, errors, resets;
	uint64_t hist[VRQ_PEER_ERR_COUNT];
};

static void df_used(struct dfz *z, uint32_t id, uint32_t len)
{
	used_put(&z->f, z->uidx, id, len);
	z->uidx++;
}

static void df_expect(struct dfz *z, uint16_t head, uint32_t len)
{
	struct dexp *e = &z->exp[(z->eh + z->en++) % DF_MAXQ];

	e->tok = z->tok[head];
	e->len = len < z->cap[head] ? len : z->cap[head];
}

static int df_add(struct dfz *z)
{
	struct hfix *f = &z->f;
	unsigned n = rndn((uint32_t)f->size + 1), i, k;

	for (i = 0; i < n; i++) {
		unsigned nseg = 1 + rndn(f->size < 3 ? f->size : 3), n_out = rndn(nseg + 1);
		struct vrq_sg sg[3];
		uint32_t cap = 0;
		uint16_t head;
		void *tok = TOK(z->serial % VRQ_QUEUE_SIZE_MAX);
		int rc;

		for (k = 0; k < nseg; k++) {
			sg[k].addr = BUF(rndn(BUF_SIZE / 2));
			sg[k].len = rndn(300);
			if (k >= n_out)
				cap += sg[k].len;
		}
		rc = vrq_split_drv_add(&f->p.drv, sg, n_out, nseg - n_out, tok);
		if (rc == -VRQ_ENOSPC)
			break;
		CHECK_EQ(rc, 0);
		/* the head, as the device sees it */
		head = vrq_le16_to_cpu(f->avail->ring[z->pub & f->mask]);
		z->pub++;
		CHECK(head < f->size && !z->inflight[head]);
		z->tok[head] = tok;
		z->cap[head] = cap;
		z->inflight[head] = 1;
		z->tok2head[z->serial % VRQ_QUEUE_SIZE_MAX] = head;
		z->fifo[z->fn++] = head;
		z->nin++;
		z->serial++;
	}
	vrq_split_drv_publish(&f->p.drv);
	return 0;
}

static uint32_t df_len(struct dfz *z, uint16_t head)
{
	if (chance(8))
		return z->cap[head] + 1 + rndn(chance(2) ? 100 : 0x7fffffff);
	return rndn(z->cap[head] + 1);
}

/* Valid used entries for up to all published buffers without one. */
static void df_produce(struct dfz *z)
{
	struct hfix *f = &z->f;
	unsigned k = rndn(z->fn + 1), i;

	if (!(f->feat & F_INO)) {
		for (i = 0; i < k; i++) {
			unsigned j = rndn(z->fn);
			uint16_t head = z->fifo[j];
			uint32_t len = df_len(z, head);

			z->fifo[j] = z->fifo[--z->fn];
			df_used(z, head, len);
			df_expect(z, head, len);
			z->adv++;
		}
	} else {
		while (k) {
			unsigned j = 1 + rndn(k < 4 ? k : 4), b;
			uint16_t last = z->fifo[j - 1];
			uint32_t len = df_len(z, last);

			used_put(f, z->uidx, last, len);
			for (b = 0; b + 1 < j; b++)
				df_expect(z, z->fifo[b], z->cap[z->fifo[b]]);
			df_expect(z, last, len);
			memmove(z->fifo, z->fifo + j, (z->fn - j) * sizeof(z->fifo[0]));
			z->fn -= j;
			z->uidx = (uint16_t)(z->uidx + j);
			z->adv += j;
			k -= j;
		}
	}
	used_idx_set(f, z->uidx);
}

/* One malformed change to the used ring. */
static void df_corrupt(struct dfz *z)
{
	struct hfix *f = &z->f;
	uint16_t jump;

	z->corrupt = 1;
	switch (rndn(5)) {
	case 0: /* used idx jumps (garbage entries) */
		jump = (uint16_t)(1 + rndn(0xffff));
		z->uidx = (uint16_t)(z->uidx + jump);
		z->adv += jump;
		break;
	case 1: /* a random id */
		df_used(z, chance(2) ? rndn(f->size) : (uint32_t)rnd(), rndn(64));
		z->adv++;
		break;
	case 2: /* an id that is not in flight or already has an entry */
		df_used(z, rndn(f->size), 1);
		df_used(z, rndn(f->size), 1);
		z->adv += 2;
		break;
	case 3: /* IN_ORDER-style batch claiming more buffers than idx moves */
		if (z->fn >= 2) {
			unsigned j = 2 + rndn(z->fn - 1);

			used_put(f, z->uidx, z->fifo[j - 1], 0);
			jump = (uint16_t)(1 + rndn(j - 1));
			z->uidx = (uint16_t)(z->uidx + jump);
			z->adv += jump;
			break;
		}
		/* fall through */
	default: /* valid entries, then idx one too far */
		df_produce(z);
		z->uidx++;
		z->adv++;
		break;
	}
	used_idx_set(f, z->uidx);
}

static int df_drain(struct dfz *z, unsigned limit)
{
	struct hfix *f = &z->f;
	struct vrq_split_drv *q = &f->p.drv;
	unsigned n;

	for (n = 0; n < limit; n++) {
		void *tok = NULL;
		uint32_t len = 0;
		size_t ti;
		uint16_t head;
		int rc = vrq_split_drv_get_used(q, &tok, &len);

		z->calls++;
		if (rc == 1) {
			ti = (size_t)((uint8_t *)tok - g_tok);
			CHECK(ti < VRQ_QUEUE_SIZE_MAX);
			head = z->tok2head[ti];
			CHECK(head < f->size && z->inflight[head] && z->tok[head] == tok);
			CHECK(len <= z->cap[head]);
			z->done++;
			if (z->done > z->adv) {
				fprintf(stderr, "  driver returned %llu buffers, used idx moved %llu\n",
					(unsigned long long)z->done, (unsigned long long)z->adv);
				CHECK(z->done <= z->adv);
			}
			if (!z->corrupt) {
				const struct dexp *e = &z->exp[z->eh];

				CHECK(z->en > 0);
				CHECK(e->tok == tok);
				CHECK_EQ(len, e->len);
				z->eh = (z->eh + 1) % DF_MAXQ;
				z->en--;
			}
			z->inflight[head] = 0;
			z->nin--;
			z->ok++;
			continue;
		}
		if (rc == 0) {
			if (!z->corrupt) {
				CHECK_EQ(z->en, 0);
				if (!z->nin)
					CHECK_EQ(vrq_split_drv_num_free(q), f->size);
			}
			break;
		}
		if (rc != -VRQ_EUSED_IDX && rc != -VRQ_EUSED_ID)
			fprintf(stderr, "  get_used returned %d (%s)\n", rc, vrq_strerror(rc));
		CHECK(rc == -VRQ_EUSED_IDX || rc == -VRQ_EUSED_ID);
		CHECK(z->corrupt); /* never on a valid ring */
		CHECK_EQ(vrq_split_drv_broken(q), rc);
		z->errors++;
		z->hist[VRQ_PEER_ERR_IDX(rc)]++;
		break;
	}
	return 0;
}

/* After a malformed round: take everything back and start over. */
static int df_reset(struct dfz *z)
{
	struct hfix *f = &z->f;
	void *tok;
	unsigned n = 0, i;

	while (vrq_split_drv_detach(&f->p.drv, &tok) == 1) {
		size_t ti = (size_t)((uint8_t *)tok - g_tok);
		uint16_t head;

		CHECK(ti < VRQ_QUEUE_SIZE_MAX);
		head = z->tok2head[ti];
		CHECK(head < f->size && z->inflight[head] && z->tok[head] == tok);
		z->inflight[head] = 0;
		CHECK(++n <= f->size);
	}
	CHECK_EQ(n, z->nin);
	for (i = 0; i < f->size; i++)
		CHECK(!z->inflight[i]);
	CHECK_EQ(vrq_split_drv_num_free(&f->p.drv), f->size);
	vrq_split_drv_reset(&f->p.drv);
	CHECK_EQ(vrq_split_drv_broken(&f->p.drv), 0);
	z->nin = z->fn = z->en = z->eh = 0;
	z->pub = z->uidx = 0;
	z->adv = z->done = 0;
	z->corrupt = 0;
	z->resets++;
	return 0;
}

static int dfuzz_body(struct dfz *z, uint64_t target)
{
	const struct vrq_drv_stats *st = &z->f.p.drv.st;
	uint64_t sum = 0;
	unsigned i;

	while (z->calls < target) {
		if (df_add(z))
			return -1;
		if (chance(6))
			df_corrupt(z);
		else
			df_produce(z);
		if (df_drain(z, chance(4) ? rndn(8) : ~0u))
			return -1;
		if (z->corrupt) {
			/* drain what is left (unless already stopped), start over */
			if (!vrq_split_drv_broken(&z->f.p.drv) && df_drain(z, ~0u))
				return -1;
			if (df_reset(z))
				return -1;
		}
	}
	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++) {
		if (i == (unsigned)VRQ_PEER_ERR_IDX(VRQ_EUSED_LEN))
			continue;
		CHECK_EQ(st->peer_err[i], z->hist[i]);
		sum += st->peer_err[i];
	}
	CHECK_EQ(sum, z->errors);
	CHECK_EQ(st->peer_err[VRQ_PEER_ERR_IDX(VRQ_EUSED_LEN)], st->used_len_clamped);
	CHECK(z->ok > 0);
	CHECK(st->used_len_clamped > 0);
	return 0;
}

static int dfuzz_config(uint16_t size, unsigned feat, uint64_t seed, uint64_t target,
			uint64_t *hist, uint64_t *calls)
{
	static struct dfz z;
	int rc = -1;
	unsigned i;

	memset(&z, 0, sizeof(z));
	xs_state = seed * 0x9E3779B97F4A7C15ull + 7;
	if (size > DF_MAXQ || fix_init(&z.f, size, feat, 0))
		vrq_test_failures++;
	else if (dfuzz_body(&z, target) == 0)
		rc = 0;
	if (rc == 0) {
		for (i = 0; i < VRQ_PEER_ERR_COUNT; i++)
			hist[i] += z.hist[i];
		*calls += z.calls;
		printf("  device-fuzz size=%-3u feat=%#x: %llu get_used, %llu buffers, %llu errors, "
		       "%llu resets, %llu clamped\n",
		       size, feat, (unsigned long long)z.calls, (unsigned long long)z.ok,
		       (unsigned long long)z.errors, (unsigned long long)z.resets,
		       (unsigned long long)z.f.p.drv.st.used_len_clamped);
	} else {
		fprintf(stderr, "FAILED: randomized hostile device, size=%u features=%#x (seed %llu)\n",
			size, feat, (unsigned long long)seed);
	}
	fix_fini(&z.f);
	return rc;
}

static int randomized_device(void)
{
	static const struct {
		uint16_t size;
		unsigned feat;
	} cfgs[] = {
		{1, 0}, {2, F_IND}, {2, F_INO}, {16, 0}, {16, F_INO}, {16, F_INO | F_IND},
		{256, F_IND}, {256, F_INO},
	};
	uint64_t total = (uint64_t)(100000.0 * test_scale()), hist[VRQ_PEER_ERR_COUNT] = {0};
	uint64_t calls = 0;
	unsigned i;
	int bad = 0;

	if (total < 2000)
		total = 2000;
	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++)
		if (dfuzz_config(cfgs[i].size, cfgs[i].feat, 2000 + i,
				 total / (sizeof(cfgs) / sizeof(cfgs[0])) + 1, hist, &calls))
			bad++;
	printf("randomized hostile device: %llu get_used; errors: USED_IDX=%llu USED_ID=%llu\n",
	       (unsigned long long)calls,
	       (unsigned long long)hist[VRQ_PEER_ERR_IDX(VRQ_EUSED_IDX)],
	       (unsigned long long)hist[VRQ_PEER_ERR_IDX(VRQ_EUSED_ID)]);
	if (bad)
		return -1;
	CHECK(hist[VRQ_PEER_ERR_IDX(VRQ_EUSED_IDX)] > 0);
	CHECK(hist[VRQ_PEER_ERR_IDX(VRQ_EUSED_ID)] > 0);
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

int main(void)
{
	unsigned i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	g_huge = mmap(NULL, HUGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g_huge == MAP_FAILED) {
		printf("note: no 4 GiB address-space reservation; ETOTAL_LEN cases skipped\n");
		g_huge = NULL;
	}
	hostile_driver_cases();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		boundary_cases(sizes[i]);
	push_misuse_cases();
	hostile_device_cases();
	randomized();
	randomized_device();
	if (g_huge)
		munmap(g_huge, HUGE_SIZE);
	return vrq_test_done("test_split_hostile");
}
