/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_chain_limits.c - the longest chain is the queue size, on
 * both rings, direct and indirect, at both ends.
 *
 * split-ring.tex: "A driver MUST NOT create a descriptor chain longer than
 * the Queue Size of the device"; packed-ring.tex: "A driver MUST NOT create
 * a descriptor list longer than the Queue Size".  For the split and packed
 * rings, sizes 1, 2, 256 and 32768:
 *
 *  - driver: a buffer of exactly size segments is accepted (direct: all
 *    size descriptors; indirect: one descriptor and a caller table of size
 *    entries) and the device pops it whole (size segments); size + 1
 *    segments is -VRQ_EINVAL, direct, through the indirect pool (when it
 *    would fit a pool table) and through a caller table, and nothing
 *    changes (free descriptors, counters);
 *  - device: the same maximal chain made one longer by patching one field
 *    of what the real driver wrote: a direct chain whose last descriptor
 *    gets NEXT (split: back to its head) is VRQ_ELOOP, a table whose length
 *    says size + 1 entries is VRQ_EINDIRECT_LEN; counted once, the queue
 *    stopped.  (Ring descriptors followed by a table, which only a hostile
 *    split driver writes, are in tests/hostile/test_split_hostile.c.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrq_test.h"

#define TBL_DA 0x500000000000ull /* caller tables (size + 1 entries) */
#define BUF_BYTES 4096u

static struct vrq_seg g_segs[VRQ_QUEUE_SIZE_MAX + 1];
static struct vrq_sg g_sg[VRQ_QUEUE_SIZE_MAX + 1];

struct lim {
	struct vrq_test_vpair p;
	uint8_t *tbl; /* 16 * (size + 1) bytes at TBL_DA */
	uint16_t size;
	int packed;
	const char *name;
};

static int add_ind(struct lim *l, unsigned n, void *tok)
{
	if (l->packed)
		return vrq_packed_drv_add_indirect(&l->p.drv.packed, g_sg, 1, n - 1, tok,
						   (struct vrq_packed_desc *)(void *)l->tbl, TBL_DA);
	return vrq_split_drv_add_indirect(&l->p.drv.split, g_sg, 1, n - 1, tok,
					  (struct vrq_split_desc *)(void *)l->tbl, TBL_DA);
}

static int pop(struct lim *l, struct vrq_chain *c)
{
	vrq_chain_init(c, g_segs, (uint16_t)(l->size + 1u)); /* room for one more */
	return vrq_vq_dev_pop(&l->p.dev, c);
}

/* Everything unchanged after a refused add. */
static int refused(struct lim *l, int rc)
{
	const char *name = l->name;

	CHECK_EQ_OUT(rc, -VRQ_EINVAL);
	CHECK_EQ_OUT(vrq_vq_drv_num_free(&l->p.drv), l->size);
	CHECK_EQ_OUT(vrq_vq_drv_stats(&l->p.drv)->added, vrq_vq_drv_stats(&l->p.drv)->completed);
	CHECK_EQ_OUT(vrq_vq_drv_broken(&l->p.drv), 0);
	return 0;
out:
	return -1;
}

/* Publish, pop (size segments, @p ndesc ring descriptors), push, get back. */
static int round_trip(struct lim *l, uint16_t ndesc)
{
	const char *name = l->name;
	struct vrq_chain c;
	void *tok = NULL;
	uint32_t len = 0, i;

	vrq_vq_drv_publish(&l->p.drv);
	CHECK_EQ_OUT(pop(l, &c), 1);
	CHECK_EQ_OUT(c.n, l->size);
	CHECK_EQ_OUT(c.ndesc, ndesc);
	CHECK_EQ_OUT(c.n_out, 1);
	for (i = 0; i < c.n; i++)
		CHECK_OUT(g_segs[i].addr == g_sg[i].addr && g_segs[i].len == 1);
	CHECK_EQ_OUT(vrq_vq_dev_push(&l->p.dev, c.head, c.in_len), 0);
	vrq_vq_dev_publish(&l->p.dev);
	CHECK_EQ_OUT(vrq_vq_drv_get_used(&l->p.drv, &tok, &len), 1);
	CHECK_OUT(tok == (void *)l);
	CHECK_EQ_OUT(len, l->size - 1u);
	CHECK_EQ_OUT(vrq_vq_drv_num_free(&l->p.drv), l->size);
	return 0;
out:
	return -1;
}

/* The next pop fails with @p code, counted once, the queue stopped. */
static int dev_refuses(struct lim *l, int code)
{
	const char *name = l->name;
	const struct vrq_dev_stats *st = vrq_vq_dev_stats(&l->p.dev);
	struct vrq_chain c;
	uint64_t sum = 0;
	unsigned i;

	CHECK_EQ_OUT(pop(l, &c), code);
	CHECK_EQ_OUT(vrq_vq_dev_broken(&l->p.dev), code);
	CHECK_EQ_OUT(pop(l, &c), code);
	CHECK_EQ_OUT(st->peer_err[VRQ_PEER_ERR_IDX(code)], 1);
	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++)
		sum += st->peer_err[i];
	CHECK_EQ_OUT(sum, 1);
	return 0;
out:
	return -1;
}

static int direct(struct lim *l)
{
	const char *name = l->name;
	uint16_t pos = 0;

	/* size + 1 segments: never */
	if (refused(l, vrq_vq_drv_add(&l->p.drv, g_sg, 1, l->size, (void *)l)))
		return -1;
	/* exactly size: every descriptor */
	CHECK_EQ_OUT(vrq_vq_drv_add(&l->p.drv, g_sg, 1, l->size - 1u, (void *)l), 0);
	CHECK_EQ_OUT(vrq_vq_drv_num_free(&l->p.drv), 0);
	if (round_trip(l, l->size))
		return -1;

	/* the device: the same chain, its last descriptor chained on */
	if (l->packed)
		pos = l->p.drv.packed.next_avail;
	CHECK_EQ_OUT(vrq_vq_drv_add(&l->p.drv, g_sg, 1, l->size - 1u, (void *)l), 0);
	vrq_vq_drv_publish(&l->p.drv);
	if (l->packed) {
		struct vrq_packed_desc *d =
			&l->p.drv.packed.desc[(pos + l->size - 1u) % l->size];

		d->flags = vrq_cpu_to_le16((uint16_t)(vrq_le16_to_cpu(d->flags) | VRQ_DESC_F_NEXT));
	} else {
		struct vrq_split_drv *q = &l->p.drv.split;
		uint16_t head = vrq_le16_to_cpu(q->avail->ring[(uint16_t)(q->avail_idx - 1) & q->mask]);
		uint16_t i = head, k;

		for (k = 1; k < l->size; k++)
			i = vrq_le16_to_cpu(q->desc[i].next);
		CHECK_EQ_OUT(vrq_le16_to_cpu(q->desc[i].flags) & VRQ_DESC_F_NEXT, 0);
		q->desc[i].flags = vrq_cpu_to_le16(
			(uint16_t)(vrq_le16_to_cpu(q->desc[i].flags) | VRQ_DESC_F_NEXT));
		q->desc[i].next = vrq_cpu_to_le16(head);
	}
	return dev_refuses(l, -VRQ_ELOOP);
out:
	return -1;
}

static int indirect(struct lim *l)
{
	const char *name = l->name;
	uint16_t pos = 0;

	/* size + 1 segments: not through the pool (when a pool table would
	 * hold them), not through a caller table */
	if (l->size + 1u <= VRQ_TEST_IND_MAX &&
	    refused(l, vrq_vq_drv_add(&l->p.drv, g_sg, 1, l->size, (void *)l)))
		return -1;
	if (refused(l, add_ind(l, l->size + 1u, (void *)l)))
		return -1;
	/* exactly size: one descriptor, a table of size entries */
	CHECK_EQ_OUT(add_ind(l, l->size, (void *)l), 0);
	CHECK_EQ_OUT(vrq_vq_drv_num_free(&l->p.drv), l->size - 1u);
	if (round_trip(l, 1))
		return -1;
	if (l->size >= 2 && l->size <= VRQ_TEST_IND_MAX) {
		CHECK_EQ_OUT(vrq_vq_drv_add(&l->p.drv, g_sg, 1, l->size - 1u, (void *)l), 0);
		CHECK_EQ_OUT(vrq_vq_drv_num_free(&l->p.drv), l->size - 1u); /* the pool */
		if (round_trip(l, 1))
			return -1;
	}

	/* the device: the same table, its length one entry longer (the table
	 * memory holds size + 1 valid entries) */
	memcpy(l->tbl + 16u * l->size, l->tbl + 16u * (l->size - 1u), 16);
	if (l->packed)
		pos = l->p.drv.packed.next_avail;
	CHECK_EQ_OUT(add_ind(l, l->size, (void *)l), 0);
	vrq_vq_drv_publish(&l->p.drv);
	if (l->packed) {
		l->p.drv.packed.desc[pos].len = vrq_cpu_to_le32(16u * (l->size + 1u));
	} else {
		struct vrq_split_drv *q = &l->p.drv.split;
		uint16_t head = vrq_le16_to_cpu(q->avail->ring[(uint16_t)(q->avail_idx - 1) & q->mask]);

		CHECK_EQ_OUT(vrq_le16_to_cpu(q->desc[head].flags), VRQ_DESC_F_INDIRECT);
		q->desc[head].len = vrq_cpu_to_le32(16u * (l->size + 1u));
	}
	return dev_refuses(l, -VRQ_EINDIRECT_LEN);
out:
	return -1;
}

static int run(enum vrq_ring_kind kind, uint16_t size, int ind)
{
	static struct lim l;
	struct vrq_test_vcfg tc;
	char name[96];
	uint32_t i;
	int rc = -1;

	memset(&l, 0, sizeof(l));
	memset(&tc, 0, sizeof(tc));
	tc.kind = kind;
	tc.size = size;
	tc.indirect = ind;
	snprintf(name, sizeof(name), "%s size=%u %s", kind == VRQ_RING_PACKED ? "packed" : "split",
		 size, ind ? "indirect" : "direct");
	l.name = name;
	l.size = size;
	l.packed = kind == VRQ_RING_PACKED;
	l.tbl = (uint8_t *)vrq_test_alloc(16u * (size + 1u));
	if (!l.tbl || vrq_test_vpair_init(&l.p, &tc, BUF_BYTES) ||
	    vrq_mem_add(&l.p.mem, 2, TBL_DA, l.tbl, 16u * (size + 1u), 0)) {
		fprintf(stderr, "[%s] setup failed\n", name);
		vrq_test_failures++;
		goto out;
	}
	/* one readable segment, then writable ones: 1 byte each */
	for (i = 0; i <= size; i++) {
		g_sg[i].addr = VRQ_TEST_BUF_DA + i % BUF_BYTES;
		g_sg[i].len = 1;
	}
	rc = ind ? indirect(&l) : direct(&l);
out:
	vrq_test_vpair_fini(&l.p);
	free(l.tbl);
	if (rc)
		fprintf(stderr, "FAILED: %s\n", name);
	return rc;
}

int main(void)
{
	static const uint16_t sizes[] = {1, 2, 256, 32768};
	unsigned k, s, ind;

	for (k = 0; k < 2; k++)
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (ind = 0; ind < 2; ind++)
				run(k ? VRQ_RING_PACKED : VRQ_RING_SPLIT, sizes[s], (int)ind);
	return vrq_test_done("test_chain_limits");
}
