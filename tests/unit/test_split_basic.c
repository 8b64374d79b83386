/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_split_basic.c - split ring data path over the full
 * VRQ_FOR_EACH_CONFIG matrix (size x EVENT_IDX x INDIRECT_DESC x IN_ORDER).
 *
 * A single-threaded model drives both roles and predicts every result:
 *  - what the device pops: exact segments (addr, resolved local pointer, len,
 *    WRITE flag), n_out, out_len / in_len, ring descriptors used, and the
 *    readable bytes the driver wrote;
 *  - what the driver gets back: exact token, len, and the bytes the device
 *    wrote into the writable segments (untouched past len);
 *  - free descriptors after every call (an indirect-pool buffer takes one
 *    descriptor, a direct chain of n segments takes n), ENOSPC exactly when
 *    they run out;
 *  - the used ring contents after each device publish, including IN_ORDER
 *    batching (one entry per run of completely used buffers);
 *  - publish counts for batched add and batched push.
 * Scenarios: every chain shape, fill/drain over several 16-bit index wraps,
 * random interleaving with out-of-order completion, add_batch /
 * get_used_batch, caller-supplied indirect tables, IN_ORDER batching
 * patterns, and ESEGCAP.
 *
 * VRQ_TEST_SCALE (default 1.0) scales the loop counts; the wrap phase always
 * crosses the 16-bit index wrap at least once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrq_test.h"

#define MAXSEG 16			   /* segments per buffer in this test */
#define SEGMAX 32			   /* bytes per segment, at most */
#define AREA (MAXSEG * SEGMAX)		   /* segment area of one record */
#define TBL_OFF AREA			   /* caller indirect table of the record */
#define STRIDE (AREA + MAXSEG * 16)	   /* per record, multiple of 16 */
#define CHAIN_CAP 64			   /* device-side segment array */
#define MARK 0xee			   /* writable bytes before the device writes */
/*
 * Record areas live in a third region of the pair's memory map (calloc'ed
 * here: a memset of tens of MiB is slow under TSan).  The device resolves
 * pool tables in region 0, wrap_fast() buffers in region 1 and these in
 * region 2.
 */
#define AREA_DA 0x300000000000ull
#define AREA_ID 2

struct rec {
	uint64_t seq;
	uint32_t idx; /* recs[] index = buffer area */
	uint16_t n_out, n_in;
	uint16_t need; /* predicted ring descriptors */
	uint16_t head; /* learned at pop */
	uint32_t out_len, in_cap, used_len;
	int ind_caller; /* added through vrq_split_drv_add_indirect */
	struct vrq_sg sg[MAXSEG];
};

struct ctx {
	struct vrq_test_pair p;
	struct vrq_test_cfg tc;
	char name[96];
	uint16_t size, mask;
	uint8_t *area;	  /* record areas, region AREA_ID */
	struct rec *recs; /* size + 1 */
	uint32_t *free_recs;
	uint32_t n_free_recs;
	struct rec **avail_q; /* added, not popped: [popped, added) */
	struct rec **done_q;  /* pushed, not consumed: [consumed, pushed) */
	struct rec **pend;    /* popped, not pushed (pop order) */
	unsigned n_pend;
	uint64_t seq, added, published, popped, pushed, dev_published, consumed;
	uint64_t ent_mark; /* dev used_entries at the last publish */
	unsigned model_free;
	uint16_t next_head; /* IN_ORDER: predicted head of the next chain */
	uint8_t *head_busy;
	int used_policy; /* 0: device uses buffers completely, 1: random len */
	uint64_t rng;
	struct vrq_seg segs[CHAIN_CAP];
};

static double g_scale = 1.0;

static uint64_t rnd(struct ctx *c)
{
	uint64_t x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static unsigned rnd_below(struct ctx *c, unsigned n)
{
	return n ? (unsigned)(rnd(c) % n) : 0;
}

static uint8_t rd_pat(uint64_t seq, uint32_t j)
{
	return (uint8_t)(seq * 131 + j * 7 + 0x11);
}

static uint8_t wr_pat(uint64_t seq, uint32_t j)
{
	return (uint8_t)((seq * 29) ^ (j * 13 + 0x5b));
}

/* Ring descriptors a buffer of n segments takes (INDIRECT pool: tables of
 * VRQ_TEST_IND_MAX entries). */
static unsigned need_for(const struct ctx *c, unsigned n)
{
	return c->tc.indirect && n >= 2 && n <= VRQ_TEST_IND_MAX ? 1 : n;
}

/* Largest segment count that can ever fit in this queue. */
/* A chain has at most queue-size segments, indirect or not. */
static unsigned max_segs(const struct ctx *c)
{
	return c->size < MAXSEG ? c->size : MAXSEG;
}

static size_t rec_off(const struct rec *r)
{
	return (size_t)r->idx * STRIDE;
}

static uint8_t *seg_va(struct ctx *c, const struct rec *r, unsigned k)
{
	return c->area + rec_off(r) + (size_t)k * SEGMAX;
}

static uint16_t ring_avail_idx(const struct ctx *c)
{
	return vrq_le16_to_cpu(c->p.cfg.ring.avail->idx);
}

static uint16_t ring_used_idx(const struct ctx *c)
{
	return vrq_le16_to_cpu(c->p.cfg.ring.used->idx);
}

static int peer_errs_zero(const struct ctx *c)
{
	unsigned i;

	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++)
		if (c->p.drv.st.peer_err[i] || c->p.dev.st.peer_err[i]) {
			fprintf(stderr, "peer error counter %u (%s) set: drv %llu dev %llu\n", i,
				vrq_strerror(VRQ_EPEER_FIRST + (int)i),
				(unsigned long long)c->p.drv.st.peer_err[i],
				(unsigned long long)c->p.dev.st.peer_err[i]);
			return 0;
		}
	return c->p.drv.st.used_len_clamped == 0 && !vrq_split_drv_broken(&c->p.drv) &&
	       !vrq_split_dev_broken(&c->p.dev);
}

/* ---- setup ------------------------------------------------------------------ */

static void ctx_fini(struct ctx *c)
{
	vrq_test_pair_fini(&c->p);
	free(c->recs);
	free(c->free_recs);
	free(c->avail_q);
	free(c->done_q);
	free(c->pend);
	free(c->head_busy);
	free(c->area);
	memset(c, 0, sizeof(*c));
}

static int ctx_init(struct ctx *c, const struct vrq_test_cfg *tc, uint64_t seed)
{
	uint32_t i;

	memset(c, 0, sizeof(*c));
	c->tc = *tc;
	vrq_test_cfg_str(tc, c->name, sizeof(c->name));
	c->size = tc->size;
	c->mask = (uint16_t)(tc->size - 1);
	c->rng = seed * 0x9e3779b97f4a7c15ull + tc->size * 4 + tc->event_idx * 2 + tc->indirect +
		 tc->in_order * 8 + 1;
	c->recs = (struct rec *)calloc((size_t)tc->size + 1, sizeof(*c->recs));
	c->free_recs = (uint32_t *)calloc((size_t)tc->size + 1, sizeof(*c->free_recs));
	c->avail_q = (struct rec **)calloc(tc->size, sizeof(*c->avail_q));
	c->done_q = (struct rec **)calloc(tc->size, sizeof(*c->done_q));
	c->pend = (struct rec **)calloc(tc->size, sizeof(*c->pend));
	c->head_busy = (uint8_t *)calloc(tc->size, 1);
	c->area = (uint8_t *)calloc((size_t)tc->size + 1, STRIDE);
	if (!c->recs || !c->free_recs || !c->avail_q || !c->done_q || !c->pend || !c->head_busy ||
	    !c->area)
		return -1;
	if ((uintptr_t)c->area % 16) /* caller indirect tables inside */
		return -1;
	/* the pair's own buffer region: one-segment buffers of wrap_fast() */
	if (vrq_test_pair_init(&c->p, tc, (size_t)tc->size * 16) ||
	    vrq_mem_add(&c->p.mem, AREA_ID, AREA_DA, c->area, ((uint64_t)tc->size + 1) * STRIDE,
			VRQ_MEM_COHERENT)) {
		fprintf(stderr, "pair init failed: %s\n", c->name);
		return -1;
	}
	for (i = 0; i <= tc->size; i++) {
		c->recs[i].idx = i;
		c->free_recs[c->n_free_recs++] = tc->size - i; /* pop gives 0 first */
	}
	c->model_free = tc->size;
	return 0;
}

/* ---- driver side -------------------------------------------------------------- */

static struct rec *rec_get(struct ctx *c)
{
	return c->n_free_recs ? &c->recs[c->free_recs[--c->n_free_recs]] : NULL;
}

static void rec_put(struct ctx *c, struct rec *r)
{
	c->free_recs[c->n_free_recs++] = r->idx;
}

/* Fill a record's segments and buffer memory for a new buffer. */
static void rec_prepare(struct ctx *c, struct rec *r, unsigned n_out, unsigned n_in,
			unsigned maxlen)
{
	uint32_t j_out = 0, k, b;

	r->seq = c->seq++; /* unique per prepared buffer */
	r->n_out = (uint16_t)n_out;
	r->n_in = (uint16_t)n_in;
	r->need = (uint16_t)need_for(c, n_out + n_in);
	r->out_len = r->in_cap = r->used_len = 0;
	r->ind_caller = 0;
	for (k = 0; k < n_out + n_in; k++) {
		uint8_t *va = seg_va(c, r, k);
		uint32_t len = 1 + rnd_below(c, maxlen);

		r->sg[k].addr = AREA_DA + rec_off(r) + (size_t)k * SEGMAX;
		r->sg[k].len = len;
		if (k < n_out) {
			for (b = 0; b < len; b++)
				va[b] = rd_pat(r->seq, j_out++);
			r->out_len += len;
		} else {
			memset(va, MARK, len);
			r->in_cap += len;
		}
	}
}

/* Commit a record the library accepted. */
static void rec_added(struct ctx *c, struct rec *r)
{
	c->avail_q[c->added & c->mask] = r;
	c->added++;
	c->model_free -= r->need;
}

/*
 * Try to add one buffer.  *added = 1 if it was added, 0 if the library
 * (correctly, as predicted) said ENOSPC.  -1 on a failed check.
 */
static int drv_add(struct ctx *c, unsigned n_out, unsigned n_in, unsigned maxlen, int *added)
{
	struct rec *r = rec_get(c);
	int rc;

	CHECK(r != NULL);
	rec_prepare(c, r, n_out, n_in, maxlen);
	rc = vrq_split_drv_add(&c->p.drv, r->sg, n_out, n_in, r);
	if (n_out + n_in > c->size) {
		/* longer than the queue size: never, not even indirect */
		CHECK_EQ(rc, -VRQ_EINVAL);
		CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->model_free);
		rec_put(c, r);
		*added = 0;
		return 0;
	}
	if (r->need > c->model_free) {
		CHECK_EQ(rc, -VRQ_ENOSPC);
		CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->model_free);
		rec_put(c, r);
		*added = 0;
		return 0;
	}
	if (rc) {
		fprintf(stderr, "add n_out=%u n_in=%u need=%u free=%u: rc=%d\n", n_out, n_in, r->need,
			c->model_free, rc);
		CHECK_EQ(rc, 0);
	}
	rec_added(c, r);
	CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->model_free);
	CHECK_EQ(c->p.drv.st.added, c->added);
	*added = 1;
	return 0;
}

static void random_shape(struct ctx *c, unsigned maxn, unsigned *n_out, unsigned *n_in)
{
	unsigned n = 1 + rnd_below(c, maxn);

	switch (rnd_below(c, 4)) {
	case 0: /* readable only */
		*n_out = n;
		break;
	case 1: /* writable only */
		*n_out = 0;
		break;
	default:
		*n_out = rnd_below(c, n + 1);
	}
	*n_in = n - *n_out;
}

static int drv_publish(struct ctx *c)
{
	uint64_t pubs = c->p.drv.st.publishes;

	vrq_split_drv_publish(&c->p.drv);
	CHECK_EQ(c->p.drv.st.publishes, pubs + (c->added != c->published));
	c->published = c->added;
	CHECK_EQ(ring_avail_idx(c), (uint16_t)c->published);
	return 0;
}

static int check_written(struct ctx *c, struct rec *r)
{
	uint32_t j_in = 0, j_out = 0, k, b;

	for (k = 0; k < (uint32_t)(r->n_out + r->n_in); k++) {
		const uint8_t *va = seg_va(c, r, k);

		for (b = 0; b < r->sg[k].len; b++) {
			uint8_t exp;

			if (k < r->n_out)
				exp = rd_pat(r->seq, j_out++);
			else if (j_in < r->used_len)
				exp = wr_pat(r->seq, j_in++);
			else
				exp = MARK, j_in++;
			if (va[b] != exp) {
				fprintf(stderr, "seq %llu seg %u byte %u: 0x%02x, expected 0x%02x\n",
					(unsigned long long)r->seq, k, b, va[b], exp);
				CHECK(0);
			}
		}
	}
	return 0;
}

/* Consume one used buffer; *got = 0 if none was expected (and none came). */
static int drv_get(struct ctx *c, int *got)
{
	void *tok = (void *)0x1;
	uint32_t len = 0xdeadbeef;
	struct rec *r;
	int rc = vrq_split_drv_get_used(&c->p.drv, &tok, &len);

	if (c->consumed == c->dev_published) {
		CHECK_EQ(rc, 0);
		*got = 0;
		return 0;
	}
	CHECK_EQ(rc, 1);
	r = c->done_q[c->consumed & c->mask];
	if (tok != (void *)r) {
		fprintf(stderr, "get_used: token %p, expected %p (seq %llu)\n", tok, (void *)r,
			(unsigned long long)r->seq);
		CHECK(0);
	}
	CHECK_EQ(len, r->used_len);
	c->consumed++;
	if (check_written(c, r))
		return -1;
	c->model_free += r->need;
	CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->model_free);
	CHECK_EQ(c->p.drv.st.completed, c->consumed);
	c->head_busy[r->head] = 0;
	rec_put(c, r);
	*got = 1;
	return 0;
}

static int drv_get_all(struct ctx *c)
{
	int got = 1;

	while (got)
		if (drv_get(c, &got))
			return -1;
	return 0;
}

/* ---- device side -------------------------------------------------------------- */

static int check_chain(struct ctx *c, struct rec *r, struct vrq_chain *ch)
{
	uint32_t j_out = 0, k, b;
	const struct vrq_seg *s;

	CHECK_EQ(ch->n, r->n_out + r->n_in);
	CHECK_EQ(ch->n_out, r->n_out);
	CHECK_EQ(ch->out_len, r->out_len);
	CHECK_EQ(ch->in_len, r->in_cap);
	CHECK_EQ(ch->ndesc, r->need);
	CHECK(ch->head < c->size);
	for (k = 0; k < (uint32_t)(r->n_out + r->n_in); k++) {
		s = vrq_chain_next(ch);
		CHECK(s != NULL);
		CHECK(s->addr == r->sg[k].addr);
		CHECK(s->va == (void *)seg_va(c, r, k));
		CHECK_EQ(s->len, r->sg[k].len);
		CHECK_EQ(s->flags, k >= r->n_out ? VRQ_SEG_WRITE : 0);
		if (k < r->n_out)
			for (b = 0; b < s->len; b++)
				CHECK_EQ(((const uint8_t *)s->va)[b], rd_pat(r->seq, j_out++));
	}
	CHECK(vrq_chain_next(ch) == NULL);
	vrq_chain_rewind(ch);
	CHECK(vrq_chain_next(ch) == &ch->seg[0]);
	return 0;
}

/* Pop one chain with a segment array of @p cap; *got = 0 if the ring was
 * (as predicted) empty. */
static int dev_pop_cap(struct ctx *c, uint16_t cap, int *got)
{
	struct vrq_chain ch;
	struct rec *r;
	uint32_t used, j, k;
	int rc;

	vrq_chain_init(&ch, c->segs, cap);
	rc = vrq_split_dev_pop(&c->p.dev, &ch);
	if (c->popped == c->published) {
		CHECK_EQ(rc, 0);
		*got = 0;
		return 0;
	}
	r = c->avail_q[c->popped & c->mask];
	if (rc != 1) {
		fprintf(stderr, "pop: rc=%d (%s), expected seq %llu n=%u\n", rc, vrq_strerror(rc),
			(unsigned long long)r->seq, r->n_out + r->n_in);
		CHECK_EQ(rc, 1);
	}
	c->popped++;
	CHECK_EQ(c->p.dev.st.popped, c->popped);
	if (check_chain(c, r, &ch)) {
		fprintf(stderr, "chain of seq %llu (n_out=%u n_in=%u) wrong\n",
			(unsigned long long)r->seq, r->n_out, r->n_in);
		return -1;
	}
	if (c->head_busy[ch.head]) {
		fprintf(stderr, "head %u handed out while still in flight\n", ch.head);
		CHECK(0);
	}
	c->head_busy[ch.head] = 1;
	if (c->tc.in_order) {
		/* IN_ORDER: descriptors are used in ring order */
		CHECK_EQ(ch.head, c->next_head);
		c->next_head = (uint16_t)((c->next_head + r->need) & c->mask);
	}
	r->head = ch.head;
	/* the device writes a prefix of the writable space */
	if (c->used_policy == 0 || r->in_cap == 0 || rnd_below(c, 2))
		used = r->in_cap;
	else
		used = rnd_below(c, r->in_cap); /* < capacity */
	r->used_len = used;
	j = 0;
	for (k = r->n_out; k < ch.n && j < used; k++) {
		uint8_t *va = (uint8_t *)ch.seg[k].va;
		uint32_t b;

		for (b = 0; b < ch.seg[k].len && j < used; b++, j++)
			va[b] = wr_pat(r->seq, j);
	}
	c->pend[c->n_pend++] = r;
	*got = 1;
	return 0;
}

static int dev_pop(struct ctx *c, int *got)
{
	return dev_pop_cap(c, CHAIN_CAP, got);
}

static int dev_pop_all(struct ctx *c)
{
	int got = 1;

	while (got)
		if (dev_pop(c, &got))
			return -1;
	return 0;
}

/* Push the first k pending chains: order 0 = pop order, 1 = reverse,
 * 2 = random (the last two only without IN_ORDER). */
static int dev_push_some(struct ctx *c, unsigned k, int order)
{
	unsigned i;
	uint64_t pushed0 = c->p.dev.st.pushed;

	CHECK(k <= c->n_pend);
	if (c->tc.in_order)
		order = 0;
	if (order == 1) {
		for (i = 0; i < k / 2; i++) {
			struct rec *t = c->pend[i];

			c->pend[i] = c->pend[k - 1 - i];
			c->pend[k - 1 - i] = t;
		}
	} else if (order == 2) {
		for (i = k; i > 1; i--) {
			unsigned j = rnd_below(c, i);
			struct rec *t = c->pend[i - 1];

			c->pend[i - 1] = c->pend[j];
			c->pend[j] = t;
		}
	}
	for (i = 0; i < k; i++) {
		struct rec *r = c->pend[i];
		int rc = vrq_split_dev_push(&c->p.dev, r->head, r->used_len);

		CHECK_EQ(rc, 0);
		c->done_q[c->pushed & c->mask] = r;
		c->pushed++;
	}
	memmove(c->pend, c->pend + k, (c->n_pend - k) * sizeof(*c->pend));
	c->n_pend -= k;
	CHECK_EQ(c->p.dev.st.pushed, pushed0 + k);
	return 0;
}

static int check_used_elem(struct ctx *c, uint64_t pos, const struct rec *r)
{
	const struct vrq_split_used_elem *e = &c->p.cfg.ring.used->ring[pos & c->mask];

	if (vrq_le32_to_cpu(e->id) != r->head || vrq_le32_to_cpu(e->len) != r->used_len) {
		fprintf(stderr, "used ring[%llu]: id %u len %u, expected id %u len %u (seq %llu)\n",
			(unsigned long long)(pos & c->mask), vrq_le32_to_cpu(e->id),
			vrq_le32_to_cpu(e->len), r->head, r->used_len, (unsigned long long)r->seq);
		CHECK(0);
	}
	return 0;
}

/*
 * Publish everything pushed, then check the used ring: one store, used idx
 * advanced by the number of buffers, and the entries.  Without IN_ORDER:
 * one entry per buffer in push order.  With IN_ORDER: one entry per run of
 * buffers of which all but the last were used completely, written at the
 * run's first slot, naming the run's last buffer with its len.
 */
static int dev_publish(struct ctx *c)
{
	/* entries are counted from the previous publish: without IN_ORDER
	 * they are written at push time */
	uint64_t pubs = c->p.dev.st.publishes, ent = c->ent_mark;
	uint64_t k = c->pushed - c->dev_published, i, run_start = 0, entries = 0;

	vrq_split_dev_publish(&c->p.dev);
	CHECK_EQ(c->p.dev.st.publishes, pubs + (k != 0));
	CHECK_EQ(ring_used_idx(c), (uint16_t)c->pushed);
	for (i = 0; i < k; i++) {
		const struct rec *r = c->done_q[(c->dev_published + i) & c->mask];

		if (!c->tc.in_order) {
			if (check_used_elem(c, c->dev_published + i, r))
				return -1;
			entries++;
		} else if (i == k - 1 || r->used_len != r->in_cap) {
			if (check_used_elem(c, c->dev_published + run_start, r))
				return -1;
			entries++;
			run_start = i + 1;
		}
	}
	CHECK_EQ(c->p.dev.st.used_entries, ent + entries);
	c->ent_mark = c->p.dev.st.used_entries;
	c->dev_published = c->pushed;
	return 0;
}

/* Everything in flight, popped and pushed: round trip it all. */
static int drain_all(struct ctx *c)
{
	if (drv_publish(c) || dev_pop_all(c) || dev_push_some(c, c->n_pend, 0) ||
	    dev_publish(c) || drv_get_all(c))
		return -1;
	CHECK_EQ(c->model_free, c->size);
	CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->size);
	CHECK(peer_errs_zero(c));
	return 0;
}

/* ---- scenarios ----------------------------------------------------------------- */

/* Every shape, one buffer at a time. */
static int test_shapes(struct ctx *c)
{
	unsigned maxn = max_segs(c), n, n_out;
	int added, got;

	for (n = 1; n <= maxn; n++) {
		for (n_out = 0; n_out <= n; n_out++) {
			int pol;

			for (pol = 0; pol < 2; pol++) {
				c->used_policy = pol;
				if (drv_add(c, n_out, n - n_out, SEGMAX, &added))
					return -1;
				CHECK_EQ(added, 1);
				/* not visible before publish */
				if (dev_pop(c, &got))
					return -1;
				CHECK_EQ(got, 0);
				if (drv_publish(c) || dev_pop(c, &got))
					return -1;
				CHECK_EQ(got, 1);
				/* nothing back before the device publishes */
				if (dev_push_some(c, 1, 0) || drv_get(c, &got))
					return -1;
				CHECK_EQ(got, 0);
				if (dev_publish(c) || drv_get(c, &got))
					return -1;
				CHECK_EQ(got, 1);
				if (drv_get(c, &got) || dev_pop(c, &got))
					return -1;
				CHECK_EQ(got, 0);
			}
		}
	}
	/* a buffer longer than the queue size: EINVAL, indirect or not */
	n = maxn + 1;
	if (n <= MAXSEG) {
		if (drv_add(c, 1, n - 1, SEGMAX, &added))
			return -1;
		CHECK_EQ(added, 0);
	}
	/* no segments at all */
	{
		struct vrq_sg sg = {vrq_test_buf_da(&c->p, 0), 1};

		CHECK_EQ(vrq_split_drv_add(&c->p.drv, &sg, 0, 0, NULL), -VRQ_EINVAL);
		CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->size);
	}
	/* pool indirect buffers are one INDIRECT descriptor in the pool */
	if (c->tc.indirect && c->size >= 2) {
		const struct vrq_split_desc *d;
		uint64_t pool_lo = c->p.cfg.ind_pool_da;
		uint64_t pool_hi = pool_lo + (uint64_t)c->size * VRQ_TEST_IND_MAX * 16;
		unsigned m = c->size < 5 ? c->size : 5; /* at most the queue size */
		struct rec *r;

		if (drv_add(c, 1, m - 1, SEGMAX, &added) || drv_publish(c) || dev_pop(c, &got))
			return -1;
		CHECK(added && got);
		r = c->pend[c->n_pend - 1];
		d = &c->p.cfg.ring.desc[r->head];
		CHECK_EQ(vrq_le16_to_cpu(d->flags), VRQ_DESC_F_INDIRECT);
		CHECK_EQ(vrq_le32_to_cpu(d->len), m * 16);
		CHECK(vrq_le64_to_cpu(d->addr) >= pool_lo &&
		      vrq_le64_to_cpu(d->addr) + m * 16 <= pool_hi);
		CHECK_EQ(vrq_le64_to_cpu(d->addr) % 16, 0);
		if (drain_all(c))
			return -1;
	}
	return drain_all(c);
}

/*
 * Fill the ring until the free descriptors run out (ENOSPC exactly then),
 * round trip everything, repeat.  @single: one-segment buffers only (the
 * fast path for index wraps).
 */
static int fill_round(struct ctx *c, int single, uint64_t *buffers)
{
	unsigned maxn = max_segs(c);
	uint64_t added0 = c->added, pubs, dpubs;
	int added = 1;

	while (added) {
		unsigned n_out, n_in;

		if (single) {
			n_out = rnd_below(c, 2);
			n_in = 1 - n_out;
		} else {
			random_shape(c, maxn, &n_out, &n_in);
		}
		if (drv_add(c, n_out, n_in, single ? 8 : SEGMAX, &added))
			return -1;
		if (!added && c->model_free) {
			/* the shape did not fit: top up with single segments */
			while (c->model_free) {
				if (drv_add(c, 0, 1, 8, &added))
					return -1;
				CHECK_EQ(added, 1);
			}
			if (drv_add(c, 1, 0, 8, &added))
				return -1;
			CHECK_EQ(added, 0);
		}
	}
	CHECK_EQ(c->model_free, 0);
	CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), 0);
	pubs = c->p.drv.st.publishes;
	if (drv_publish(c) || dev_pop_all(c))
		return -1;
	CHECK_EQ(c->p.drv.st.publishes, pubs + 1);
	CHECK_EQ(c->n_pend, c->added - added0);
	dpubs = c->p.dev.st.publishes;
	if (dev_push_some(c, c->n_pend, rnd_below(c, 3)) || dev_publish(c))
		return -1;
	CHECK_EQ(c->p.dev.st.publishes, dpubs + 1);
	if (drv_get_all(c))
		return -1;
	CHECK_EQ(c->model_free, c->size);
	CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->size);
	*buffers += c->added - added0;
	return 0;
}

/*
 * Lean round trips of one-segment buffers, full ring at a time, for the
 * 16-bit index wraps: every token, head, address, length and count is still
 * checked, the byte patterns are not (fill_round does those).
 */
static int wrap_fast(struct ctx *c, uint64_t target)
{
	uint64_t done = 0;
	struct vrq_chain ch;
	struct vrq_sg sg;

	CHECK_EQ(c->added, c->consumed); /* idle ring */
	while (done < target) {
		uint64_t first = c->added, i;
		unsigned n = c->size;
		int rc;

		/* fill: exactly size one-descriptor buffers, then ENOSPC */
		for (i = 0; i < n; i++) {
			uint64_t b = first + i;

			sg.addr = vrq_test_buf_da(&c->p, (size_t)(b & c->mask) * 16);
			sg.len = 1 + (uint32_t)(b % 13);
			rc = vrq_split_drv_add(&c->p.drv, &sg, b & 1, !(b & 1),
					       (void *)(uintptr_t)(b + 1));
			if (rc) {
				fprintf(stderr, "wrap: add of buffer %llu: %d\n", (unsigned long long)b, rc);
				CHECK_EQ(rc, 0);
			}
		}
		sg.addr = vrq_test_buf_da(&c->p, 0);
		sg.len = 1;
		CHECK_EQ(vrq_split_drv_add(&c->p.drv, &sg, 0, 1, NULL), -VRQ_ENOSPC);
		CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), 0);
		c->added += n;
		if (drv_publish(c))
			return -1;
		/* device: pop all (FIFO), push all, one publish */
		for (i = 0; i < n; i++) {
			uint64_t b = first + i;

			vrq_chain_init(&ch, c->segs, CHAIN_CAP);
			rc = vrq_split_dev_pop(&c->p.dev, &ch);
			CHECK_EQ(rc, 1);
			CHECK_EQ(ch.n, 1);
			CHECK(ch.seg[0].addr == vrq_test_buf_da(&c->p, (size_t)(b & c->mask) * 16));
			CHECK(ch.seg[0].va == c->p.buf_mem + (size_t)(b & c->mask) * 16);
			CHECK_EQ(ch.seg[0].len, 1 + b % 13);
			CHECK_EQ(ch.seg[0].flags, (b & 1) ? 0 : VRQ_SEG_WRITE);
			if (c->tc.in_order)
				CHECK_EQ(ch.head, (uint16_t)(c->next_head + i) & c->mask);
			CHECK_EQ(vrq_split_dev_push(&c->p.dev, ch.head, ch.in_len), 0);
		}
		vrq_chain_init(&ch, c->segs, CHAIN_CAP);
		CHECK_EQ(vrq_split_dev_pop(&c->p.dev, &ch), 0);
		c->popped = c->pushed = c->added;
		c->next_head = (uint16_t)((c->next_head + n) & c->mask);
		vrq_split_dev_publish(&c->p.dev);
		c->dev_published = c->pushed;
		c->ent_mark = c->p.dev.st.used_entries;
		CHECK_EQ(ring_used_idx(c), (uint16_t)c->pushed);
		/* driver: every token in order with its length */
		for (i = 0; i < n; i++) {
			uint64_t b = first + i;
			void *tok = NULL;
			uint32_t len = 0xffffffff;

			rc = vrq_split_drv_get_used(&c->p.drv, &tok, &len);
			CHECK_EQ(rc, 1);
			if (tok != (void *)(uintptr_t)(b + 1)) {
				fprintf(stderr, "wrap: token %p, expected buffer %llu\n", tok,
					(unsigned long long)b);
				CHECK(0);
			}
			CHECK_EQ(len, (b & 1) ? 0 : 1 + b % 13);
		}
		CHECK_EQ(vrq_split_drv_get_used(&c->p.drv, (void **)&sg.addr, NULL), 0);
		c->consumed = c->added;
		CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->size);
		done += n;
	}
	CHECK_EQ(c->p.drv.st.added, c->added);
	CHECK_EQ(c->p.drv.st.completed, c->consumed);
	CHECK_EQ(c->p.dev.st.popped, c->popped);
	CHECK_EQ(c->p.dev.st.pushed, c->pushed);
	return 0;
}

static int test_fill_drain(struct ctx *c)
{
	uint64_t buffers = 0, mixed_target = (uint64_t)(6000 * g_scale) + 1;
	/* wrap phase: at least one 16-bit wrap plus a full ring, whatever the scale */
	uint64_t wrap_target = (uint64_t)(70000 * (g_scale > 1.0 ? g_scale : 1.0));
	uint64_t start;

	if (wrap_target < 65536 + 2 * (uint64_t)c->size)
		wrap_target = 65536 + 2 * (uint64_t)c->size;
	c->used_policy = 1;
	while (buffers < mixed_target)
		if (fill_round(c, 0, &buffers))
			return -1;
	/* across the wrap of the 16-bit indices */
	start = c->added;
	if (wrap_fast(c, wrap_target))
		return -1;
	/* and the full model again right after it */
	buffers = 0;
	while (buffers < mixed_target / 2 + 1)
		if (fill_round(c, 0, &buffers))
			return -1;
	/* the wire indices wrapped: they equal the 64-bit counts mod 2^16 */
	CHECK(c->added - start >= 65536);
	CHECK_EQ(ring_avail_idx(c), (uint16_t)c->added);
	CHECK_EQ(ring_used_idx(c), (uint16_t)c->consumed);
	CHECK(peer_errs_zero(c));
	return 0;
}

/* Random interleaving of every operation; out-of-order completion. */
static int test_interleave(struct ctx *c)
{
	uint64_t steps = (uint64_t)(20000 * g_scale) + 100, s;
	unsigned maxn = max_segs(c);
	int got;

	c->used_policy = 1;
	for (s = 0; s < steps; s++) {
		unsigned op = rnd_below(c, 8), k, i;

		switch (op) {
		case 0:
		case 1: /* add a few */
			k = 1 + rnd_below(c, 4);
			for (i = 0; i < k; i++) {
				unsigned n_out, n_in;
				int added;

				random_shape(c, maxn, &n_out, &n_in);
				if (drv_add(c, n_out, n_in, SEGMAX, &added))
					return -1;
			}
			if (rnd_below(c, 2) && drv_publish(c))
				return -1;
			break;
		case 2:
			if (drv_publish(c))
				return -1;
			break;
		case 3: /* pop some */
			k = 1 + rnd_below(c, 6);
			for (i = 0; i < k; i++) {
				if (dev_pop(c, &got))
					return -1;
				if (!got)
					break;
			}
			break;
		case 4: /* complete some, any order */
			k = rnd_below(c, c->n_pend + 1);
			if (dev_push_some(c, k, rnd_below(c, 3)))
				return -1;
			if (rnd_below(c, 2) && dev_publish(c))
				return -1;
			break;
		case 5:
			if (dev_publish(c))
				return -1;
			break;
		default: /* consume some */
			k = 1 + rnd_below(c, 6);
			for (i = 0; i < k; i++) {
				if (drv_get(c, &got))
					return -1;
				if (!got)
					break;
			}
			break;
		}
	}
	if (drain_all(c))
		return -1;
	return 0;
}

/* Many rounds of k buffers completed in reverse / random order (no IN_ORDER). */
static int test_out_of_order(struct ctx *c)
{
	uint64_t rounds = (uint64_t)(2000 * g_scale) + 10, r;
	unsigned maxn = max_segs(c);

	if (c->tc.in_order)
		return 0;
	c->used_policy = 1;
	for (r = 0; r < rounds; r++) {
		unsigned k = 1 + rnd_below(c, c->size < 24 ? c->size : 24), i;
		int added = 1;

		for (i = 0; i < k && added; i++) {
			unsigned n_out, n_in;

			random_shape(c, maxn, &n_out, &n_in);
			if (drv_add(c, n_out, n_in, SEGMAX, &added))
				return -1;
		}
		if (drv_publish(c) || dev_pop_all(c))
			return -1;
		/* complete in two batches, each in reverse or random order */
		k = rnd_below(c, c->n_pend + 1);
		if (dev_push_some(c, k, 1 + (int)(r & 1)) || dev_publish(c) ||
		    dev_push_some(c, c->n_pend, 2) || dev_publish(c) || drv_get_all(c))
			return -1;
		CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->size);
	}
	return drain_all(c);
}

/* vrq_split_drv_add_batch / vrq_split_drv_get_used_batch / push batching. */
static int test_batch(struct ctx *c)
{
	uint64_t rounds = (uint64_t)(300 * g_scale) + 5, round;
	unsigned maxn = max_segs(c);
	struct vrq_buf *b = (struct vrq_buf *)calloc(80, sizeof(*b));
	struct rec **rs = (struct rec **)calloc(80, sizeof(*rs));
	void *toks[90];
	uint32_t lens[90];
	int rc = -1;

	if (!b || !rs)
		goto out;
	c->used_policy = 1;
	for (round = 0; round < rounds; round++) {
		unsigned nb = 1 + rnd_below(c, 64), i, fit = 0, stop = 0, bad_at = ~0u;
		uint64_t pubs = c->p.drv.st.publishes, dpubs;
		int ret;

		if (round % 8 == 7)
			bad_at = rnd_below(c, nb); /* one invalid (empty) buffer */
		/* model: buffers are added in order until the first that does
		 * not fit (or is invalid); nothing after it */
		for (i = 0; i < nb; i++) {
			unsigned n_out, n_in;

			random_shape(c, maxn, &n_out, &n_in);
			if (i == bad_at)
				n_out = n_in = 0;
			rs[i] = rec_get(c);
			if (!rs[i]) { /* more than size + 1 records: cap the batch */
				nb = i;
				break;
			}
			rec_prepare(c, rs[i], n_out, n_in, SEGMAX);
			b[i].sg = rs[i]->sg;
			b[i].n_out = (uint16_t)n_out;
			b[i].n_in = (uint16_t)n_in;
			b[i].token = rs[i];
		}
		{
			unsigned free_m = c->model_free;

			for (i = 0; i < nb && !stop; i++) {
				if (i == bad_at || rs[i]->need > free_m)
					stop = 1;
				else
					free_m -= rs[i]->need, fit++;
			}
		}
		ret = vrq_split_drv_add_batch(&c->p.drv, b, nb);
		if (fit)
			CHECK_EQ(ret, fit);
		else if (bad_at == 0 && nb > 0)
			CHECK_EQ(ret, -VRQ_EINVAL);
		else
			CHECK_EQ(ret, 0);
		/* one publish for the whole batch */
		CHECK_EQ(c->p.drv.st.publishes, pubs + (fit ? 1 : 0));
		for (i = 0; i < nb; i++) {
			if (i < fit) {
				rec_added(c, rs[i]);
			} else {
				rec_put(c, rs[i]);
			}
		}
		c->published = c->added;
		CHECK_EQ(ring_avail_idx(c), (uint16_t)c->added);
		CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->model_free);

		/* device: pop all, push all, one publish */
		if (dev_pop_all(c))
			goto out;
		dpubs = c->p.dev.st.publishes;
		if (dev_push_some(c, c->n_pend, rnd_below(c, 3)) || dev_publish(c))
			goto out;
		CHECK_EQ(c->p.dev.st.publishes, dpubs + (c->pushed != c->consumed ? 1 : 0));

		/* driver: batched get */
		while (c->consumed < c->dev_published || rnd_below(c, 4) == 0) {
			unsigned max = 1 + rnd_below(c, 70), exp;
			uint64_t left = c->dev_published - c->consumed;
			int with_lens = (int)rnd_below(c, 2);

			exp = left < max ? (unsigned)left : max;
			for (i = 0; i < max; i++)
				lens[i] = 0xdeadbeef;
			ret = vrq_split_drv_get_used_batch(&c->p.drv, toks, with_lens ? lens : NULL,
							   max);
			CHECK_EQ(ret, exp);
			for (i = 0; i < exp; i++) {
				struct rec *r = c->done_q[c->consumed & c->mask];

				CHECK(toks[i] == (void *)r);
				if (with_lens)
					CHECK_EQ(lens[i], r->used_len);
				c->consumed++;
				if (check_written(c, r))
					goto out;
				c->model_free += r->need;
				c->head_busy[r->head] = 0;
				rec_put(c, r);
			}
			CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->model_free);
			if (!exp)
				break;
		}
	}
	/* a full ring: add_batch adds nothing, publishes nothing, returns 0 */
	{
		int added = 1;

		while (added)
			if (drv_add(c, 0, 1, 8, &added))
				goto out;
		if (drv_publish(c))
			goto out;
		{
			struct rec *r = rec_get(c);
			uint64_t pubs = c->p.drv.st.publishes;

			CHECK(r != NULL);
			rec_prepare(c, r, 1, 0, 8);
			b[0].sg = r->sg;
			b[0].n_out = 1;
			b[0].n_in = 0;
			b[0].token = r;
			CHECK_EQ(vrq_split_drv_add_batch(&c->p.drv, b, 1), 0);
			CHECK_EQ(c->p.drv.st.publishes, pubs);
			rec_put(c, r);
		}
		if (drain_all(c))
			goto out;
		/* get_used_batch on an empty ring */
		CHECK_EQ(vrq_split_drv_get_used_batch(&c->p.drv, toks, lens, 8), 0);
	}
	/* lens from get_used_batch */
	{
		unsigned i, k = c->size < 8 ? c->size : 8;
		int added;

		c->used_policy = 1;
		for (i = 0; i < k; i++)
			if (drv_add(c, 0, 1, SEGMAX, &added))
				goto out;
		if (drv_publish(c) || dev_pop_all(c) || dev_push_some(c, c->n_pend, 0) ||
		    dev_publish(c))
			goto out;
		CHECK_EQ(vrq_split_drv_get_used_batch(&c->p.drv, toks, lens, 90), k);
		for (i = 0; i < k; i++) {
			struct rec *r = c->done_q[c->consumed & c->mask];

			CHECK(toks[i] == (void *)r);
			CHECK_EQ(lens[i], r->used_len);
			c->consumed++;
			c->model_free += r->need;
			c->head_busy[r->head] = 0;
			rec_put(c, r);
		}
	}
	rc = drain_all(c);
out:
	free(b);
	free(rs);
	return rc;
}

/* vrq_split_drv_add_indirect with caller tables (up to MAXSEG > ind_max). */
static int add_caller_ind(struct ctx *c, unsigned n_out, unsigned n_in, int *added)
{
	struct rec *r = rec_get(c);
	struct vrq_split_desc *tbl;
	int rc;

	CHECK(r != NULL);
	rec_prepare(c, r, n_out, n_in, SEGMAX);
	r->need = 1;
	r->ind_caller = 1;
	tbl = (struct vrq_split_desc *)(void *)(c->area + rec_off(r) + TBL_OFF);
	memset(tbl, 0xcd, MAXSEG * sizeof(*tbl));
	rc = vrq_split_drv_add_indirect(&c->p.drv, r->sg, n_out, n_in, r, tbl,
					AREA_DA + rec_off(r) + TBL_OFF);
	if (n_out + n_in > c->size) {
		CHECK_EQ(rc, -VRQ_EINVAL);
		rec_put(c, r);
		*added = 0;
		return 0;
	}
	if (c->model_free == 0) {
		CHECK_EQ(rc, -VRQ_ENOSPC);
		rec_put(c, r);
		*added = 0;
		return 0;
	}
	CHECK_EQ(rc, 0);
	rec_added(c, r);
	CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->model_free);
	*added = 1;
	return 0;
}

static int check_caller_tbl(struct ctx *c, const struct rec *r)
{
	const struct vrq_split_desc *d = &c->p.cfg.ring.desc[r->head];
	const struct vrq_split_desc *tbl =
		(const struct vrq_split_desc *)(const void *)(c->area + rec_off(r) + TBL_OFF);
	unsigned n = r->n_out + r->n_in, k;

	CHECK_EQ(vrq_le16_to_cpu(d->flags), VRQ_DESC_F_INDIRECT);
	CHECK(vrq_le64_to_cpu(d->addr) == AREA_DA + rec_off(r) + TBL_OFF);
	CHECK_EQ(vrq_le32_to_cpu(d->len), n * 16);
	for (k = 0; k < n; k++) {
		uint16_t fl = vrq_le16_to_cpu(tbl[k].flags);

		CHECK(vrq_le64_to_cpu(tbl[k].addr) == r->sg[k].addr);
		CHECK_EQ(vrq_le32_to_cpu(tbl[k].len), r->sg[k].len);
		CHECK_EQ(fl & VRQ_DESC_F_WRITE, k >= r->n_out ? VRQ_DESC_F_WRITE : 0);
		CHECK_EQ(fl & VRQ_DESC_F_NEXT, k + 1 < n ? VRQ_DESC_F_NEXT : 0);
		CHECK_EQ(fl & VRQ_DESC_F_INDIRECT, 0);
		if (k + 1 < n)
			CHECK_EQ(vrq_le16_to_cpu(tbl[k].next), k + 1);
	}
	return 0;
}

static int test_add_indirect(struct ctx *c)
{
	uint64_t rounds = (uint64_t)(200 * g_scale) + 3, round;
	int added, got;

	if (!c->tc.indirect) {
		/* initialised: the library compares a slot before writing it */
		struct vrq_split_desc tbl[2] = {{0, 0, 0, 0}, {0, 0, 0, 0}};
		struct vrq_sg sg[2] = {{vrq_test_buf_da(&c->p, 0), 4}, {vrq_test_buf_da(&c->p, 64), 4}};

		CHECK_EQ(vrq_split_drv_add_indirect(&c->p.drv, sg, 1, 1, NULL, tbl,
						    vrq_test_buf_da(&c->p, 4096)),
			 -VRQ_EINVAL);
		CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->size);
		return 0;
	}
	/* NULL table */
	{
		struct vrq_sg sg = {vrq_test_buf_da(&c->p, 0), 4};

		CHECK_EQ(vrq_split_drv_add_indirect(&c->p.drv, &sg, 1, 0, NULL, NULL, 0), -VRQ_EINVAL);
		CHECK_EQ(vrq_split_drv_num_free(&c->p.drv), c->size);
	}
	c->used_policy = 1;
	for (round = 0; round < rounds; round++) {
		/* mixed: caller tables (1..MAXSEG segments), pool and direct buffers */
		unsigned k = 1 + rnd_below(c, c->size < 32 ? c->size : 32), i;

		for (i = 0; i < k; i++) {
			/* now and then one segment more than the queue size */
			unsigned m = max_segs(c) + (c->size < MAXSEG && rnd_below(c, 8) == 0);
			unsigned n = 1 + rnd_below(c, m), n_out = rnd_below(c, n + 1);

			if (rnd_below(c, 3)) {
				if (add_caller_ind(c, n_out, n - n_out, &added))
					return -1;
			} else {
				unsigned no, ni;

				random_shape(c, max_segs(c), &no, &ni);
				if (drv_add(c, no, ni, SEGMAX, &added))
					return -1;
			}
		}
		if (drv_publish(c))
			return -1;
		for (;;) {
			struct rec *r;

			if (dev_pop(c, &got))
				return -1;
			if (!got)
				break;
			r = c->pend[c->n_pend - 1];
			if (r->ind_caller && check_caller_tbl(c, r)) {
				fprintf(stderr, "caller indirect table of seq %llu wrong\n",
					(unsigned long long)r->seq);
				return -1;
			}
		}
		if (dev_push_some(c, c->n_pend, rnd_below(c, 3)) || dev_publish(c) || drv_get_all(c))
			return -1;
	}
	/* a ring full of caller-table buffers: exactly size of them fit
	 * (one segment in a size-1 queue: a chain is at most size long) */
	added = 1;
	while (added)
		if (add_caller_ind(c, 1, c->size >= 2, &added))
			return -1;
	CHECK_EQ(c->added - c->consumed, c->size);
	return drain_all(c);
}

/* IN_ORDER: one used entry per run of completely used buffers. */
static int test_in_order_batching(struct ctx *c)
{
	/* patterns of used lens: 'F' full, 'P' partial (less than capacity) */
	static const char *const pats[] = {"F", "P", "FF", "FP", "PF", "PP", "FFFF", "FFFP",
					   "PFFF", "FPFP", "PPPP", "FFPFF", "FFFFFFFFFFFFFFFF",
					   "PFPFPFPFPFPFPFPF"};
	uint64_t rounds = (uint64_t)(300 * g_scale) + 20, round;
	unsigned i;
	int added, got;

	if (!c->tc.in_order) {
		/* without IN_ORDER every push is its own used entry */
		uint64_t e0 = c->p.dev.st.used_entries, p0 = c->p.dev.st.pushed;
		unsigned k = c->size < 8 ? c->size : 8;

		for (i = 0; i < k; i++)
			if (drv_add(c, 0, 1, SEGMAX, &added))
				return -1;
		if (drain_all(c))
			return -1;
		CHECK_EQ(c->p.dev.st.used_entries - e0, k);
		CHECK_EQ(c->p.dev.st.pushed - p0, k);
		return 0;
	}
	for (round = 0; round < rounds; round++) {
		const char *pat = round < sizeof(pats) / sizeof(pats[0]) * 2
					  ? pats[round % (sizeof(pats) / sizeof(pats[0]))]
					  : NULL;
		char buf[40];
		unsigned k;
		uint64_t e0, pub0;

		if (!pat) {
			k = 1 + rnd_below(c, 32);
			for (i = 0; i < k; i++)
				buf[i] = rnd_below(c, 3) ? 'F' : 'P';
			buf[k] = 0;
			pat = buf;
		}
		k = (unsigned)strlen(pat);
		if (k > c->size)
			k = c->size;
		for (i = 0; i < k; i++) {
			unsigned n = 1 + rnd_below(c, max_segs(c)), n_out = rnd_below(c, n);

			/* at least one writable segment so that 'P' is possible */
			if (drv_add(c, n_out, n - n_out, SEGMAX, &added))
				return -1;
			if (!added)
				break;
		}
		k = i;
		c->used_policy = 0; /* the device writes everything at pop */
		if (drv_publish(c) || dev_pop_all(c))
			return -1;
		CHECK_EQ(c->n_pend, k);
		for (i = 0; i < k; i++) {
			struct rec *r = c->pend[i];

			if (pat[i] == 'P') {
				uint32_t j;
				uint8_t *va;

				/* shrink the written prefix: restore MARK past the new len */
				r->used_len = r->in_cap - 1 - rnd_below(c, r->in_cap);
				for (j = r->used_len; j < r->in_cap; j++) {
					uint32_t k2, acc = 0;

					for (k2 = r->n_out; k2 < (uint32_t)(r->n_out + r->n_in); k2++) {
						if (j < acc + r->sg[k2].len) {
							va = seg_va(c, r, k2);
							va[j - acc] = MARK;
							break;
						}
						acc += r->sg[k2].len;
					}
				}
			} else {
				CHECK_EQ(r->used_len, r->in_cap); /* written completely at pop */
			}
		}
		e0 = c->p.dev.st.used_entries;
		pub0 = c->p.dev.st.publishes;
		/* all pushed, then ONE publish; dev_publish checks the entries */
		if (dev_push_some(c, k, 0) || dev_publish(c))
			return -1;
		{
			/* independent count: 1 + partial buffers before the last */
			unsigned exp = k ? 1 : 0;

			for (i = 0; i + 1 < k; i++)
				exp += pat[i] == 'P';
			CHECK_EQ(c->p.dev.st.used_entries - e0, exp);
			CHECK_EQ(c->p.dev.st.publishes - pub0, k ? 1 : 0);
		}
		/* the driver gets all k tokens in order with their lens */
		for (i = 0; i < k; i++) {
			if (drv_get(c, &got))
				return -1;
			CHECK_EQ(got, 1);
		}
		if (drv_get(c, &got))
			return -1;
		CHECK_EQ(got, 0);
	}
	return drain_all(c);
}

/* A chain longer than the caller's array: -VRQ_ESEGCAP, nothing consumed. */
static int test_segcap(struct ctx *c)
{
	unsigned n = max_segs(c);
	uint64_t popped0;
	struct vrq_chain ch;
	int added, got, rc, rep;

	c->used_policy = 1;
	/* cap 0: even a one-segment chain does not fit */
	if (drv_add(c, 1, 0, SEGMAX, &added) || drv_publish(c))
		return -1;
	vrq_chain_init(&ch, c->segs, 0);
	CHECK_EQ(vrq_split_dev_pop(&c->p.dev, &ch), -VRQ_ESEGCAP);
	CHECK(peer_errs_zero(c));
	if (dev_pop_cap(c, 1, &got))
		return -1;
	CHECK_EQ(got, 1);
	if (drain_all(c))
		return -1;
	if (n < 2)
		return 0;

	/* an n-segment chain followed by a one-segment one */
	if (drv_add(c, 1, n - 1, SEGMAX, &added) || drv_add(c, 0, 1, SEGMAX, &added))
		return -1;
	/* (with size 1 or 2 the second may not fit: then it is not added) */
	if (drv_publish(c))
		return -1;
	popped0 = c->p.dev.st.popped;
	for (rep = 0; rep < 3; rep++) {
		uint16_t cap = rep == 0 ? (uint16_t)(n - 1) : rep == 1 ? 1 : 0;

		vrq_chain_init(&ch, c->segs, cap);
		rc = vrq_split_dev_pop(&c->p.dev, &ch);
		if (rc != -VRQ_ESEGCAP) {
			fprintf(stderr, "pop of a %u-segment chain with cap %u: %d, expected %d\n", n,
				cap, rc, -VRQ_ESEGCAP);
			CHECK(0);
		}
		CHECK_EQ(c->p.dev.st.popped, popped0);
		CHECK_EQ(vrq_split_dev_broken(&c->p.dev), 0);
		CHECK(peer_errs_zero(c));
	}
	/* retry with enough room: the same chain, then the next */
	if (dev_pop_cap(c, (uint16_t)n, &got))
		return -1;
	CHECK_EQ(got, 1);
	CHECK_EQ(c->pend[c->n_pend - 1]->n_out + c->pend[c->n_pend - 1]->n_in, n);
	if (c->popped < c->published) {
		if (dev_pop_cap(c, 1, &got))
			return -1;
		CHECK_EQ(got, 1);
	}
	return drain_all(c);
}

/* ---- main ---------------------------------------------------------------------- */

struct scenario {
	const char *name;
	int (*fn)(struct ctx *);
};

static const struct scenario scenarios[] = {
	{"shapes", test_shapes},
	{"segcap", test_segcap},
	{"batch", test_batch},
	{"add_indirect", test_add_indirect},
	{"in_order_batching", test_in_order_batching},
	{"out_of_order", test_out_of_order},
	{"interleave", test_interleave},
	{"fill_drain", test_fill_drain},
};

int main(void)
{
	const char *s = getenv("VRQ_TEST_SCALE");
	static struct ctx ctx;

	if (s && strtod(s, NULL) > 0.0)
		g_scale = strtod(s, NULL);

	VRQ_FOR_EACH_CONFIG(tc)
	{
		unsigned i;

		if (ctx_init(&ctx, &tc, 1)) {
			char name[96];

			vrq_test_cfg_str(&tc, name, sizeof(name));
			fprintf(stderr, "setup failed: %s\n", name);
			vrq_test_failures++;
			ctx_fini(&ctx);
			continue;
		}
		for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
			if (scenarios[i].fn(&ctx)) {
				fprintf(stderr, "FAILED: %s [%s]\n", scenarios[i].name, ctx.name);
				break; /* the model is out of step: next config */
			}
		}
		ctx_fini(&ctx);
	}
	return vrq_test_done("test_split_basic");
}
