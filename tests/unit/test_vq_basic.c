/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_vq_basic.c - data path of BOTH rings through the
 * ring-agnostic vrq_vq handle, over the VRQ_FOR_EACH_VCONFIG matrix
 * ({split sizes 1, 2, 256, 32768; packed sizes 1, 2, 3, 255, 256, 1000,
 * 32768} x EVENT_IDX x INDIRECT_DESC x IN_ORDER).
 *
 * A single-threaded model drives both roles and predicts every result:
 *  - what the device pops: exact segments (addr, resolved local pointer, len,
 *    WRITE flag), n_out, out_len / in_len, ring descriptors used, and the
 *    readable bytes the driver wrote; with IN_ORDER the buffer id (split:
 *    head = ring position of the first descriptor; packed: id = position of
 *    the first descriptor);
 *  - the descriptors the driver wrote, read back from ring memory at the
 *    spec's offsets: split desc table / avail ring (NEXT links, WRITE,
 *    INDIRECT), packed descriptors with their AVAIL/USED wrap bits, NEXT on
 *    all but the last, the buffer id in the last one, indirect tables with
 *    WRITE as the only flag;
 *  - what the device writes back: split used ring entries; packed used
 *    descriptors at the position the spec puts them (written in completion
 *    order, each skipping its buffer's chain length; IN_ORDER: one per run
 *    of completely used buffers, at the run's first position), AVAIL = USED
 *    = the wrap counter of that lap, WRITE exactly when data was written;
 *  - what the driver gets back: exact token, len, and the bytes the device
 *    wrote into the writable segments (untouched past len);
 *  - free descriptors after every call (an indirect-pool buffer of 2..8
 *    segments takes one descriptor, a direct chain of n segments takes n),
 *    -VRQ_ENOSPC exactly when they run out;
 *  - publish and used-entry counters for batched add and batched push.
 * Scenarios: every chain shape, ESEGCAP, add_batch / get_used_batch,
 * caller-supplied indirect tables (vq.split / vq.packed), IN_ORDER
 * batching, reverse / random completion, random interleaving, and fill /
 * drain over many full wraps (16-bit index wraps for split, wrap-counter
 * flips with chains straddling the ring end for packed).
 *
 * VRQ_TEST_SCALE (default 1.0) scales the loop counts; the split wrap phase
 * always crosses the 16-bit index wrap, the packed one always makes at
 * least three laps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrq_test.h"

#define MAXSEG 16			/* segments per buffer in this test */
#define SEGMAX 32			/* bytes per segment, at most */
#define AREA (MAXSEG * SEGMAX)		/* segment area of one record */
#define TBL_OFF AREA			/* caller indirect table of the record */
#define STRIDE (AREA + MAXSEG * 16)	/* per record, multiple of 16 */
#define CHAIN_CAP 64			/* device-side segment array */
#define MARK 0xee			/* writable bytes before the device writes */

/* Packed flag values (packed-ring.tex): AVAIL 1 << 7, USED 1 << 15. */
#define P_AV 0x80u
#define P_US 0x8000u

/* ---- spec layout (area_align 64), computed here, not by the library ------- */

struct lay {
	size_t desc, avail, used; /* split */
	size_t drv_ev, dev_ev;	  /* packed */
	size_t total;
};

static size_t al64(size_t v)
{
	return (v + 63) & ~(size_t)63;
}

static void spec_layout(enum vrq_ring_kind kind, uint16_t n, struct lay *l)
{
	memset(l, 0, sizeof(*l));
	if (kind == VRQ_RING_PACKED) {
		/* descriptor ring 16 * N, then the two 4-byte event structures */
		l->drv_ev = al64(16 * (size_t)n);
		l->dev_ev = al64(l->drv_ev + 4);
		l->total = al64(l->dev_ev + 4);
	} else {
		/* desc 16 * N, avail 6 + 2 * N, used 6 + 8 * N */
		l->avail = al64(16 * (size_t)n);
		l->used = al64(l->avail + 6 + 2 * (size_t)n);
		l->total = al64(l->used + 6 + 8 * (size_t)n);
	}
}

/* ---- model ---------------------------------------------------------------------- */

struct rec {
	uint64_t seq;
	uint32_t idx; /* recs[] index = buffer area */
	uint16_t n_out, n_in;
	uint16_t need; /* predicted ring descriptors */
	uint16_t head; /* learned at pop */
	uint64_t pos;  /* absolute ring position of its first descriptor */
	uint32_t out_len, in_cap, used_len;
	int ind_caller; /* added through vrq_*_drv_add_indirect */
	struct vrq_sg sg[MAXSEG];
};

struct ctx {
	struct vrq_test_vpair p;
	struct vrq_test_vcfg tc;
	struct lay lay;
	char name[128];
	int packed;
	uint16_t size;
	struct rec *recs; /* size + 1 */
	uint32_t *free_recs;
	uint32_t n_free_recs;
	struct rec **avail_q; /* added, not popped: [popped, added) */
	struct rec **done_q;  /* pushed, not consumed: [consumed, pushed) */
	struct rec **pend;    /* popped, not pushed (pop order) */
	unsigned n_pend;
	uint64_t seq, added, published, popped, pushed, dev_published, consumed;
	uint64_t add_pos;  /* descriptors ever added = position of the next */
	uint64_t used_pos; /* packed: position of the next used descriptor (published) */
	uint64_t ent_mark; /* dev used_entries at the last publish */
	uint64_t straddles; /* direct chains that wrap around the ring end */
	unsigned model_free;
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
 * VRQ_TEST_IND_MAX entries, used for 2..VRQ_TEST_IND_MAX segments). */
static unsigned need_for(const struct ctx *c, unsigned n)
{
	return c->tc.indirect && n >= 2 && n <= VRQ_TEST_IND_MAX ? 1 : n;
}

/* Largest segment count that can ever fit in this queue: a chain has at
 * most queue-size segments, indirect or not. */
static unsigned max_segs(const struct ctx *c)
{
	return c->size < MAXSEG ? c->size : MAXSEG;
}

/* Longest direct chain (more than one ring descriptor) that can occur. */
static unsigned max_direct_chain(const struct ctx *c)
{
	unsigned m = max_segs(c);

	if (c->tc.indirect && m <= VRQ_TEST_IND_MAX)
		return 1;
	return m;
}

static size_t rec_off(const struct rec *r)
{
	return (size_t)r->idx * STRIDE;
}

static uint8_t *seg_va(struct ctx *c, const struct rec *r, unsigned k)
{
	return c->p.buf_mem + rec_off(r) + (size_t)k * SEGMAX;
}

/* Little-endian reads of ring memory at spec offsets. */
static uint16_t m16(const struct ctx *c, size_t off)
{
	vrq_le16 v;

	memcpy(&v, c->p.ring_mem + off, sizeof(v));
	return vrq_le16_to_cpu(v);
}

static uint32_t m32(const struct ctx *c, size_t off)
{
	vrq_le32 v;

	memcpy(&v, c->p.ring_mem + off, sizeof(v));
	return vrq_le32_to_cpu(v);
}

static uint64_t m64(const struct ctx *c, size_t off)
{
	vrq_le64 v;

	memcpy(&v, c->p.ring_mem + off, sizeof(v));
	return vrq_le64_to_cpu(v);
}

/* Same readers over any local table (indirect tables). */
static uint16_t t16(const uint8_t *p)
{
	vrq_le16 v;

	memcpy(&v, p, sizeof(v));
	return vrq_le16_to_cpu(v);
}

static uint32_t t32(const uint8_t *p)
{
	vrq_le32 v;

	memcpy(&v, p, sizeof(v));
	return vrq_le32_to_cpu(v);
}

static uint64_t t64(const uint8_t *p)
{
	vrq_le64 v;

	memcpy(&v, p, sizeof(v));
	return vrq_le64_to_cpu(v);
}

/* Packed wrap counter of absolute position @pos: 1 in lap 0, then toggles. */
static int lap_wrap(const struct ctx *c, uint64_t pos)
{
	return !((pos / c->size) & 1);
}

static size_t pdesc_off(const struct ctx *c, uint64_t pos)
{
	return 16 * (size_t)(pos % c->size);
}

static uint16_t split_avail_idx(const struct ctx *c)
{
	return m16(c, c->lay.avail + 2);
}

static uint16_t split_used_idx(const struct ctx *c)
{
	return m16(c, c->lay.used + 2);
}

static int peer_errs_zero(const struct ctx *c)
{
	const struct vrq_drv_stats *ds = vrq_vq_drv_stats(&c->p.drv);
	const struct vrq_dev_stats *vs = vrq_vq_dev_stats(&c->p.dev);
	unsigned i;

	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++)
		if (ds->peer_err[i] || vs->peer_err[i]) {
			fprintf(stderr, "peer error counter %u (%s) set: drv %llu dev %llu\n", i,
				vrq_strerror(VRQ_EPEER_FIRST + (int)i),
				(unsigned long long)ds->peer_err[i], (unsigned long long)vs->peer_err[i]);
			return 0;
		}
	return ds->used_len_clamped == 0 && !vrq_vq_drv_broken(&c->p.drv) &&
	       !vrq_vq_dev_broken(&c->p.dev);
}

/* ---- setup ------------------------------------------------------------------ */

static void ctx_fini(struct ctx *c)
{
	vrq_test_vpair_fini(&c->p);
	free(c->recs);
	free(c->free_recs);
	free(c->avail_q);
	free(c->done_q);
	free(c->pend);
	free(c->head_busy);
	memset(c, 0, sizeof(*c));
}

static int ctx_init(struct ctx *c, const struct vrq_test_vcfg *tc, uint64_t seed)
{
	uint32_t i;

	memset(c, 0, sizeof(*c));
	c->tc = *tc;
	vrq_test_vcfg_str(tc, c->name, sizeof(c->name));
	c->packed = tc->kind == VRQ_RING_PACKED;
	c->size = tc->size;
	spec_layout(tc->kind, tc->size, &c->lay);
	c->rng = seed * 0x9e3779b97f4a7c15ull + tc->size * 16ull + tc->event_idx * 2 + tc->indirect +
		 tc->in_order * 4 + (uint64_t)c->packed * 8 + 1;
	c->recs = (struct rec *)calloc((size_t)tc->size + 1, sizeof(*c->recs));
	c->free_recs = (uint32_t *)calloc((size_t)tc->size + 1, sizeof(*c->free_recs));
	c->avail_q = (struct rec **)calloc(tc->size, sizeof(*c->avail_q));
	c->done_q = (struct rec **)calloc(tc->size, sizeof(*c->done_q));
	c->pend = (struct rec **)calloc(tc->size, sizeof(*c->pend));
	c->head_busy = (uint8_t *)calloc(tc->size, 1);
	if (!c->recs || !c->free_recs || !c->avail_q || !c->done_q || !c->pend || !c->head_busy)
		return -1;
	if (vrq_test_vpair_init(&c->p, tc, ((size_t)tc->size + 1) * STRIDE)) {
		fprintf(stderr, "vpair init failed: %s\n", c->name);
		return -1;
	}
	/* the harness sized the ring with vrq_vq_ring_bytes(): the spec layout */
	if (c->p.ring_area_bytes != c->lay.total) {
		fprintf(stderr, "ring bytes %zu, spec layout %zu: %s\n", c->p.ring_area_bytes,
			c->lay.total, c->name);
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

		r->sg[k].addr = VRQ_TEST_BUF_DA + rec_off(r) + (size_t)k * SEGMAX;
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
	r->pos = c->add_pos;
	if (r->need > 1 && (r->pos % c->size) + r->need > c->size)
		c->straddles++;
	c->add_pos += r->need;
	c->avail_q[c->added % c->size] = r;
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
	rc = vrq_vq_drv_add(&c->p.drv, r->sg, n_out, n_in, r);
	if (n_out + n_in > c->size) {
		/* longer than the queue size: never, not even indirect */
		CHECK_EQ(rc, -VRQ_EINVAL);
		CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->model_free);
		rec_put(c, r);
		*added = 0;
		return 0;
	}
	if (r->need > c->model_free) {
		CHECK_EQ(rc, -VRQ_ENOSPC);
		CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->model_free);
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
	CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->model_free);
	CHECK_EQ(vrq_vq_drv_stats(&c->p.drv)->added, c->added);
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
	uint64_t pubs = vrq_vq_drv_stats(&c->p.drv)->publishes;
	uint64_t first = c->published;

	vrq_vq_drv_publish(&c->p.drv);
	CHECK_EQ(vrq_vq_drv_stats(&c->p.drv)->publishes, pubs + (c->added != c->published));
	c->published = c->added;
	if (!c->packed) {
		CHECK_EQ(split_avail_idx(c), (uint16_t)c->published);
	} else if (first != c->published) {
		/* the batch's first descriptor is now available in its lap */
		const struct rec *r = c->avail_q[first % c->size];
		uint16_t f = m16(c, pdesc_off(c, r->pos) + 14);

		CHECK_EQ(f & (P_AV | P_US), lap_wrap(c, r->pos) ? P_AV : P_US);
	}
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
	int rc = vrq_vq_drv_get_used(&c->p.drv, &tok, &len);

	if (c->consumed == c->dev_published) {
		CHECK_EQ(rc, 0);
		*got = 0;
		return 0;
	}
	CHECK_EQ(rc, 1);
	r = c->done_q[c->consumed % c->size];
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
	CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->model_free);
	CHECK_EQ(vrq_vq_drv_stats(&c->p.drv)->completed, c->consumed);
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

/* Local pointer of an indirect table the descriptor names. */
static const uint8_t *ind_table(struct ctx *c, const struct rec *r, uint64_t da, unsigned n)
{
	if (r->ind_caller) {
		if (da != VRQ_TEST_BUF_DA + rec_off(r) + TBL_OFF)
			return NULL;
		return c->p.buf_mem + rec_off(r) + TBL_OFF;
	}
	/* pool: inside the configured pool, 16-byte aligned */
	if (da % 16 || da < c->p.cfg.ind_pool_da ||
	    da + n * 16 > c->p.cfg.ind_pool_da + (uint64_t)c->size * VRQ_TEST_IND_MAX * 16)
		return NULL;
	return c->p.ring_mem + (da - VRQ_TEST_RING_DA);
}

/*
 * The descriptors the driver wrote for @r (popped as the @nth buffer, id
 * @head), read back from ring memory.  Runs right after the pop: the
 * buffer is in flight, nothing may have changed them.
 */
static int check_ring_avail(struct ctx *c, const struct rec *r, uint64_t nth, uint16_t head)
{
	unsigned n = r->n_out + r->n_in, k;
	int ind = r->ind_caller || (n >= 2 && r->need == 1);
	const uint8_t *tbl = NULL;

	if (!c->packed) {
		size_t d = c->lay.desc + 16 * (size_t)head;

		/* avail ring entry of the nth buffer names its head */
		CHECK_EQ(m16(c, c->lay.avail + 4 + 2 * (size_t)(nth & (c->size - 1u))), head);
		if (c->tc.in_order)
			CHECK_EQ(head, r->pos % c->size);
		if (ind) {
			CHECK_EQ(m16(c, d + 12), VRQ_DESC_F_INDIRECT);
			CHECK_EQ(m32(c, d + 8), n * 16);
			tbl = ind_table(c, r, m64(c, d), n);
			CHECK(tbl != NULL);
		} else {
			uint16_t i = head;

			for (k = 0; k < n; k++) {
				uint16_t f;

				d = c->lay.desc + 16 * (size_t)i;
				f = m16(c, d + 12);
				/* IN_ORDER: descriptors in ring order */
				if (c->tc.in_order)
					CHECK_EQ(i, (r->pos + k) % c->size);
				CHECK(m64(c, d) == r->sg[k].addr);
				CHECK_EQ(m32(c, d + 8), r->sg[k].len);
				CHECK_EQ(f, (k >= r->n_out ? VRQ_DESC_F_WRITE : 0) |
						    (k + 1 < n ? VRQ_DESC_F_NEXT : 0));
				if (k + 1 < n) {
					i = m16(c, d + 14);
					CHECK(i < c->size);
				}
			}
		}
		if (tbl) {
			for (k = 0; k < n; k++) {
				const uint8_t *e = tbl + 16 * k;

				CHECK(t64(e) == r->sg[k].addr);
				CHECK_EQ(t32(e + 8), r->sg[k].len);
				CHECK_EQ(t16(e + 12), (k >= r->n_out ? VRQ_DESC_F_WRITE : 0) |
							      (k + 1 < n ? VRQ_DESC_F_NEXT : 0));
				if (k + 1 < n)
					CHECK_EQ(t16(e + 14), k + 1);
			}
		}
		return 0;
	}
	/* packed: need descriptors from r->pos on, each in its own lap */
	if (c->tc.in_order)
		CHECK_EQ(head, r->pos % c->size);
	for (k = 0; k < r->need; k++) {
		uint64_t pos = r->pos + k;
		size_t d = pdesc_off(c, pos);
		uint16_t f = m16(c, d + 14);

		if ((f & (P_AV | P_US)) != (lap_wrap(c, pos) ? P_AV : P_US)) {
			fprintf(stderr, "packed desc %llu (lap wrap %d): flags 0x%04x\n",
				(unsigned long long)pos, lap_wrap(c, pos), f);
			CHECK(0);
		}
		f &= (uint16_t)~(P_AV | P_US);
		if (ind) {
			CHECK_EQ(f, VRQ_DESC_F_INDIRECT);
			CHECK_EQ(m32(c, d + 8), n * 16);
			tbl = ind_table(c, r, m64(c, d), n);
			CHECK(tbl != NULL);
		} else {
			CHECK(m64(c, d) == r->sg[k].addr);
			CHECK_EQ(m32(c, d + 8), r->sg[k].len);
			CHECK_EQ(f, (k >= r->n_out ? VRQ_DESC_F_WRITE : 0) |
					    (k + 1 < r->need ? VRQ_DESC_F_NEXT : 0));
		}
		/* "Buffer ID is included in the last descriptor in the list" */
		if (k + 1 == r->need)
			CHECK_EQ(m16(c, d + 12), head);
	}
	if (tbl) {
		for (k = 0; k < n; k++) {
			const uint8_t *e = tbl + 16 * k;

			CHECK(t64(e) == r->sg[k].addr);
			CHECK_EQ(t32(e + 8), r->sg[k].len);
			/* "MUST NOT set any flags except DESC_F_WRITE within an
			 * indirect descriptor" */
			CHECK_EQ(t16(e + 14), k >= r->n_out ? VRQ_DESC_F_WRITE : 0);
		}
	}
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
	rc = vrq_vq_dev_pop(&c->p.dev, &ch);
	if (c->popped == c->published) {
		CHECK_EQ(rc, 0);
		*got = 0;
		return 0;
	}
	r = c->avail_q[c->popped % c->size];
	if (rc != 1) {
		fprintf(stderr, "pop: rc=%d (%s), expected seq %llu n=%u\n", rc, vrq_strerror(rc),
			(unsigned long long)r->seq, r->n_out + r->n_in);
		CHECK_EQ(rc, 1);
	}
	if (check_chain(c, r, &ch)) {
		fprintf(stderr, "chain of seq %llu (n_out=%u n_in=%u) wrong\n",
			(unsigned long long)r->seq, r->n_out, r->n_in);
		return -1;
	}
	if (check_ring_avail(c, r, c->popped, ch.head)) {
		fprintf(stderr, "ring descriptors of seq %llu (n_out=%u n_in=%u need=%u pos=%llu) wrong\n",
			(unsigned long long)r->seq, r->n_out, r->n_in, r->need,
			(unsigned long long)r->pos);
		return -1;
	}
	c->popped++;
	CHECK_EQ(vrq_vq_dev_stats(&c->p.dev)->popped, c->popped);
	if (c->head_busy[ch.head]) {
		fprintf(stderr, "id %u handed out while still in flight\n", ch.head);
		CHECK(0);
	}
	c->head_busy[ch.head] = 1;
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
	uint64_t pushed0 = vrq_vq_dev_stats(&c->p.dev)->pushed;
	unsigned i;

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
		int rc = vrq_vq_dev_push(&c->p.dev, r->head, r->used_len);

		CHECK_EQ(rc, 0);
		c->done_q[c->pushed % c->size] = r;
		c->pushed++;
	}
	memmove(c->pend, c->pend + k, (c->n_pend - k) * sizeof(*c->pend));
	c->n_pend -= k;
	CHECK_EQ(vrq_vq_dev_stats(&c->p.dev)->pushed, pushed0 + k);
	return 0;
}

/* Split used ring entry @pos (buffer count) names @r. */
static int check_used_split(struct ctx *c, uint64_t pos, const struct rec *r)
{
	size_t e = c->lay.used + 4 + 8 * (size_t)(pos & (c->size - 1u));

	if (m32(c, e) != r->head || m32(c, e + 4) != r->used_len) {
		fprintf(stderr, "used ring[%llu]: id %u len %u, expected id %u len %u (seq %llu)\n",
			(unsigned long long)(pos & (c->size - 1u)), m32(c, e), m32(c, e + 4), r->head,
			r->used_len, (unsigned long long)r->seq);
		CHECK(0);
	}
	return 0;
}

/* Packed used descriptor at absolute position @pos names @r. */
static int check_used_packed(struct ctx *c, uint64_t pos, const struct rec *r)
{
	size_t d = pdesc_off(c, pos);
	uint16_t f = m16(c, d + 14), id = m16(c, d + 12);
	uint32_t len = m32(c, d + 8);
	int w = lap_wrap(c, pos);

	/* AVAIL = USED = the device's wrap counter of that lap; WRITE says
	 * whether data was written, and then len is exact */
	if ((f & (P_AV | P_US)) != (w ? P_AV | P_US : 0) || id != r->head ||
	    !!(f & VRQ_DESC_F_WRITE) != (r->used_len != 0) ||
	    ((f & VRQ_DESC_F_WRITE) && len != r->used_len)) {
		fprintf(stderr,
			"used desc at %llu (slot %u, lap wrap %d): flags 0x%04x id %u len %u, "
			"expected id %u len %u (seq %llu)\n",
			(unsigned long long)pos, (unsigned)(pos % c->size), w, f, id, len, r->head,
			r->used_len, (unsigned long long)r->seq);
		CHECK(0);
	}
	return 0;
}

/*
 * Publish everything pushed, then check what the device wrote.  Without
 * IN_ORDER: one used entry / descriptor per buffer in push order (packed:
 * each at the previous one's position plus that buffer's chain length).
 * With IN_ORDER: one per run of buffers of which all but the last were used
 * completely, at the run's first slot / position, naming the run's last
 * buffer with its len.
 */
static int dev_publish(struct ctx *c)
{
	const struct vrq_dev_stats *st = vrq_vq_dev_stats(&c->p.dev);
	uint64_t pubs = st->publishes, ent = c->ent_mark;
	uint64_t k = c->pushed - c->dev_published, i, run_start = 0, entries = 0;
	uint64_t upos = c->used_pos, run_pos = c->used_pos;

	vrq_vq_dev_publish(&c->p.dev);
	CHECK_EQ(st->publishes, pubs + (k != 0));
	if (!c->packed)
		CHECK_EQ(split_used_idx(c), (uint16_t)c->pushed);
	for (i = 0; i < k; i++) {
		const struct rec *r = c->done_q[(c->dev_published + i) % c->size];
		int end = !c->tc.in_order || i == k - 1 || r->used_len != r->in_cap;

		if (end) {
			if (c->packed ? check_used_packed(c, run_pos, r)
				      : check_used_split(c, c->dev_published + run_start, r))
				return -1;
			entries++;
		}
		upos += r->need;
		if (end) {
			run_start = i + 1;
			run_pos = upos;
		}
	}
	CHECK_EQ(st->used_entries, ent + entries);
	c->ent_mark = st->used_entries;
	c->used_pos = upos;
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
	CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->size);
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
		struct vrq_sg sg = {VRQ_TEST_BUF_DA, 1};

		CHECK_EQ(vrq_vq_drv_add(&c->p.drv, &sg, 0, 0, NULL), -VRQ_EINVAL);
		CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->size);
		CHECK_EQ(vrq_vq_drv_stats(&c->p.drv)->added, c->added);
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
	CHECK_EQ(vrq_vq_dev_pop(&c->p.dev, &ch), -VRQ_ESEGCAP);
	CHECK_EQ(vrq_vq_dev_broken(&c->p.dev), 0);
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
	popped0 = vrq_vq_dev_stats(&c->p.dev)->popped;
	for (rep = 0; rep < 3; rep++) {
		uint16_t cap = rep == 0 ? (uint16_t)(n - 1) : rep == 1 ? 1 : 0;

		vrq_chain_init(&ch, c->segs, cap);
		rc = vrq_vq_dev_pop(&c->p.dev, &ch);
		if (rc != -VRQ_ESEGCAP) {
			fprintf(stderr, "pop of a %u-segment chain with cap %u: %d, expected %d\n", n,
				cap, rc, -VRQ_ESEGCAP);
			CHECK(0);
		}
		CHECK_EQ(vrq_vq_dev_stats(&c->p.dev)->popped, popped0);
		CHECK_EQ(vrq_vq_dev_broken(&c->p.dev), 0);
		CHECK(peer_errs_zero(c));
	}
	/* the driver side is untouched */
	CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->model_free);
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

/* vrq_vq_drv_add_batch / vrq_vq_drv_get_used_batch / push batching. */
static int test_batch(struct ctx *c)
{
	uint64_t rounds = (uint64_t)(400 * g_scale) + 5, round;
	unsigned maxn = max_segs(c);
	struct vrq_buf *b = (struct vrq_buf *)calloc(80, sizeof(*b));
	struct rec **rs = (struct rec **)calloc(80, sizeof(*rs));
	const struct vrq_drv_stats *ds = vrq_vq_drv_stats(&c->p.drv);
	const struct vrq_dev_stats *vs = vrq_vq_dev_stats(&c->p.dev);
	void *toks[90];
	uint32_t lens[90];
	int rc = -1;

	if (!b || !rs)
		goto out;
	c->used_policy = 1;
	for (round = 0; round < rounds; round++) {
		unsigned nb = 1 + rnd_below(c, 64), i, fit = 0, stop = 0, bad_at = ~0u;
		uint64_t pubs = ds->publishes, dpubs, ent0;
		int ret;

		if (round % 8 == 7)
			bad_at = rnd_below(c, nb); /* one invalid (empty) buffer */
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
		/* model: buffers are added in order until the first that does
		 * not fit (or is invalid); nothing after it */
		{
			unsigned free_m = c->model_free;

			for (i = 0; i < nb && !stop; i++) {
				if (i == bad_at || rs[i]->need > free_m)
					stop = 1;
				else
					free_m -= rs[i]->need, fit++;
			}
		}
		ret = vrq_vq_drv_add_batch(&c->p.drv, b, nb);
		if (fit)
			CHECK_EQ(ret, fit);
		else if (bad_at == 0 && nb > 0)
			CHECK_EQ(ret, -VRQ_EINVAL);
		else
			CHECK_EQ(ret, 0);
		/* exactly one publish for the whole batch */
		CHECK_EQ(ds->publishes, pubs + (fit ? 1 : 0));
		for (i = 0; i < nb; i++) {
			if (i < fit)
				rec_added(c, rs[i]);
			else
				rec_put(c, rs[i]);
		}
		c->published = c->added;
		if (!c->packed)
			CHECK_EQ(split_avail_idx(c), (uint16_t)c->added);
		CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->model_free);
		CHECK_EQ(ds->added, c->added);

		/* device: pop all, push all, exactly one publish */
		if (dev_pop_all(c))
			goto out;
		dpubs = vs->publishes;
		ent0 = vs->used_entries;
		if (dev_push_some(c, c->n_pend, rnd_below(c, 3)) || dev_publish(c))
			goto out;
		CHECK_EQ(vs->publishes, dpubs + (c->pushed != c->consumed ? 1 : 0));
		if (!c->tc.in_order)
			CHECK_EQ(vs->used_entries - ent0, c->pushed - c->consumed);

		/* driver: batched get */
		while (c->consumed < c->dev_published || rnd_below(c, 4) == 0) {
			unsigned max = 1 + rnd_below(c, 70), exp;
			uint64_t left = c->dev_published - c->consumed;
			int with_lens = (int)rnd_below(c, 2);

			exp = left < max ? (unsigned)left : max;
			for (i = 0; i < max; i++)
				lens[i] = 0xdeadbeef;
			ret = vrq_vq_drv_get_used_batch(&c->p.drv, toks, with_lens ? lens : NULL, max);
			CHECK_EQ(ret, exp);
			for (i = 0; i < exp; i++) {
				struct rec *r = c->done_q[c->consumed % c->size];

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
			if (with_lens)
				for (i = exp; i < max; i++)
					CHECK_EQ(lens[i], 0xdeadbeef); /* untouched past the count */
			CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->model_free);
			CHECK_EQ(ds->completed, c->consumed);
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
			uint64_t pubs = ds->publishes;

			CHECK(r != NULL);
			rec_prepare(c, r, 1, 0, 8);
			b[0].sg = r->sg;
			b[0].n_out = 1;
			b[0].n_in = 0;
			b[0].token = r;
			CHECK_EQ(vrq_vq_drv_add_batch(&c->p.drv, b, 1), 0);
			CHECK_EQ(ds->publishes, pubs);
			rec_put(c, r);
		}
		if (drain_all(c))
			goto out;
		/* get_used_batch on an empty ring */
		CHECK_EQ(vrq_vq_drv_get_used_batch(&c->p.drv, toks, lens, 8), 0);
	}
	/* device push batching: k buffers pushed, one publish, lens back */
	{
		unsigned i, k = c->size < 8 ? c->size : 8;
		uint64_t dpubs;
		int added;

		for (i = 0; i < k; i++)
			if (drv_add(c, 0, 1, SEGMAX, &added))
				goto out;
		if (drv_publish(c) || dev_pop_all(c))
			goto out;
		dpubs = vs->publishes;
		if (dev_push_some(c, c->n_pend, 0))
			goto out;
		CHECK_EQ(vs->publishes, dpubs);
		if (dev_publish(c))
			goto out;
		CHECK_EQ(vs->publishes, dpubs + 1);
		CHECK_EQ(vrq_vq_drv_get_used_batch(&c->p.drv, toks, lens, 90), k);
		for (i = 0; i < k; i++) {
			struct rec *r = c->done_q[c->consumed % c->size];

			CHECK(toks[i] == (void *)r);
			CHECK_EQ(lens[i], r->used_len);
			c->consumed++;
			if (check_written(c, r))
				goto out;
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

/* Caller-supplied indirect table through vq.split / vq.packed. */
static int add_caller_ind(struct ctx *c, unsigned n_out, unsigned n_in, int *added)
{
	struct rec *r = rec_get(c);
	uint8_t *tbl;
	uint64_t da;
	int rc;

	CHECK(r != NULL);
	rec_prepare(c, r, n_out, n_in, SEGMAX);
	r->need = 1;
	r->ind_caller = 1;
	tbl = c->p.buf_mem + rec_off(r) + TBL_OFF;
	da = VRQ_TEST_BUF_DA + rec_off(r) + TBL_OFF;
	memset(tbl, 0xcd, MAXSEG * 16);
	if (c->packed)
		rc = vrq_packed_drv_add_indirect(&c->p.drv.packed, r->sg, n_out, n_in, r,
						 (struct vrq_packed_desc *)(void *)tbl, da);
	else
		rc = vrq_split_drv_add_indirect(&c->p.drv.split, r->sg, n_out, n_in, r,
						(struct vrq_split_desc *)(void *)tbl, da);
	if (n_out + n_in > c->size) {
		CHECK_EQ(rc, -VRQ_EINVAL);
		CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->model_free);
		rec_put(c, r);
		*added = 0;
		return 0;
	}
	if (c->model_free == 0) {
		CHECK_EQ(rc, -VRQ_ENOSPC);
		CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), 0);
		rec_put(c, r);
		*added = 0;
		return 0;
	}
	CHECK_EQ(rc, 0);
	rec_added(c, r);
	CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->model_free);
	*added = 1;
	return 0;
}

static int add_indirect_raw(struct ctx *c, const struct vrq_sg *sg, unsigned n_out, unsigned n_in,
			    void *tbl, uint64_t da)
{
	if (c->packed)
		return vrq_packed_drv_add_indirect(&c->p.drv.packed, sg, n_out, n_in, NULL,
						   (struct vrq_packed_desc *)tbl, da);
	return vrq_split_drv_add_indirect(&c->p.drv.split, sg, n_out, n_in, NULL,
					  (struct vrq_split_desc *)tbl, da);
}

static int test_add_indirect(struct ctx *c)
{
	uint64_t rounds = (uint64_t)(200 * g_scale) + 3, round;
	int added;

	if (!c->tc.indirect) {
		_Alignas(16) uint8_t tbl[32];
		struct vrq_sg sg[2] = {{VRQ_TEST_BUF_DA, 4}, {VRQ_TEST_BUF_DA + 64, 4}};

		CHECK_EQ(add_indirect_raw(c, sg, 1, 1, tbl, VRQ_TEST_BUF_DA + 4096), -VRQ_EINVAL);
		CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->size);
		return 0;
	}
	/* NULL table */
	{
		struct vrq_sg sg = {VRQ_TEST_BUF_DA, 4};

		CHECK_EQ(add_indirect_raw(c, &sg, 1, 0, NULL, 0), -VRQ_EINVAL);
		CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->size);
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
		/* dev_pop checks every caller table through check_ring_avail */
		if (drv_publish(c) || dev_pop_all(c) || dev_push_some(c, c->n_pend, rnd_below(c, 3)) ||
		    dev_publish(c) || drv_get_all(c))
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

/* IN_ORDER: one used entry / descriptor per run of completely used buffers. */
static int test_in_order_batching(struct ctx *c)
{
	/* patterns of used lens: 'F' full, 'P' partial (less than capacity) */
	static const char *const pats[] = {"F", "P", "FF", "FP", "PF", "PP", "FFFF", "FFFP",
					   "PFFF", "FPFP", "PPPP", "FFPFF", "FFFFFFFFFFFFFFFF",
					   "PFPFPFPFPFPFPFPF"};
	const unsigned npats = sizeof(pats) / sizeof(pats[0]);
	const struct vrq_dev_stats *vs = vrq_vq_dev_stats(&c->p.dev);
	uint64_t rounds = (uint64_t)(300 * g_scale) + 2 * npats, round;
	unsigned i;
	int added, got;

	if (!c->tc.in_order) {
		/* without IN_ORDER every push is its own used entry */
		uint64_t e0 = vs->used_entries, p0 = vs->pushed;
		unsigned k = c->size < 8 ? c->size : 8;

		for (i = 0; i < k; i++)
			if (drv_add(c, 0, 1, SEGMAX, &added))
				return -1;
		if (drain_all(c))
			return -1;
		CHECK_EQ(vs->used_entries - e0, k);
		CHECK_EQ(vs->pushed - p0, k);
		return 0;
	}
	for (round = 0; round < rounds; round++) {
		const char *pat = round < 2 * npats ? pats[round % npats] : NULL;
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
			/* at least one writable segment so that 'P' is possible */
			unsigned n = 1 + rnd_below(c, max_segs(c)), n_out = rnd_below(c, n);

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

				/* shrink the written prefix: restore MARK past the new len */
				r->used_len = r->in_cap - 1 - rnd_below(c, r->in_cap);
				for (j = r->used_len; j < r->in_cap; j++) {
					uint32_t k2, acc = 0;

					for (k2 = r->n_out; k2 < (uint32_t)(r->n_out + r->n_in); k2++) {
						if (j < acc + r->sg[k2].len) {
							seg_va(c, r, k2)[j - acc] = MARK;
							break;
						}
						acc += r->sg[k2].len;
					}
				}
			} else {
				CHECK_EQ(r->used_len, r->in_cap); /* written completely at pop */
			}
		}
		e0 = vs->used_entries;
		pub0 = vs->publishes;
		/* all pushed, then ONE publish; dev_publish checks the entries */
		if (dev_push_some(c, k, 0) || dev_publish(c))
			return -1;
		{
			/* independent count: 1 + partial buffers before the last */
			unsigned exp = k ? 1 : 0;

			for (i = 0; i + 1 < k; i++)
				exp += pat[i] == 'P';
			CHECK_EQ(vs->used_entries - e0, exp);
			CHECK_EQ(vs->publishes - pub0, k ? 1 : 0);
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

/* Many rounds of buffers completed in reverse / random order (no IN_ORDER). */
static int test_out_of_order(struct ctx *c)
{
	uint64_t rounds = (uint64_t)(3000 * g_scale) + 10, r;
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
		/* strictly reverse: the driver gets exactly these tokens in this order */
		if (r % 3 == 0) {
			if (dev_push_some(c, c->n_pend, 1) || dev_publish(c) || drv_get_all(c))
				return -1;
		} else {
			/* two batches, reverse or random, with adds in between */
			k = rnd_below(c, c->n_pend + 1);
			if (dev_push_some(c, k, 1 + (int)(r & 1)) || dev_publish(c) || drv_get_all(c))
				return -1;
			for (i = 0; i < 2 && added; i++) {
				unsigned n_out, n_in;

				random_shape(c, maxn, &n_out, &n_in);
				if (drv_add(c, n_out, n_in, SEGMAX, &added))
					return -1;
			}
			if (drv_publish(c) || dev_pop_all(c) || dev_push_some(c, c->n_pend, 2) ||
			    dev_publish(c) || drv_get_all(c))
				return -1;
		}
		CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->size);
		CHECK_EQ(c->model_free, c->size);
	}
	CHECK(peer_errs_zero(c));
	return drain_all(c);
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
	return drain_all(c);
}

/*
 * One fill / drain round.  @full: add random shapes until one does not fit
 * (ENOSPC exactly then), top up with single segments until no descriptor is
 * free, and check ENOSPC again; otherwise add a random number of buffers
 * (so that the start position drifts around the ring); @maxn segments per
 * buffer at most.  Then round trip
 * everything with one publish on each side.
 */
static int fill_round(struct ctx *c, int full, unsigned maxlen, unsigned maxn, uint64_t *buffers)
{
	const struct vrq_drv_stats *ds = vrq_vq_drv_stats(&c->p.drv);
	const struct vrq_dev_stats *vs = vrq_vq_dev_stats(&c->p.dev);
	unsigned want = full ? ~0u : 1 + rnd_below(c, c->size), cnt = 0;
	uint64_t added0 = c->added, pubs, dpubs;
	int added = 1;

	CHECK_EQ(c->n_pend, 0);
	CHECK_EQ(c->added, c->consumed);
	while (cnt < want) {
		unsigned n_out, n_in;

		random_shape(c, maxn, &n_out, &n_in);
		if (drv_add(c, n_out, n_in, maxlen, &added))
			return -1;
		if (added) {
			cnt++;
			continue;
		}
		if (!full)
			break;
		/* the shape did not fit: top up with single segments */
		while (c->model_free) {
			if (drv_add(c, 0, 1, maxlen, &added))
				return -1;
			CHECK_EQ(added, 1);
		}
		if (drv_add(c, 1, 0, maxlen, &added))
			return -1;
		CHECK_EQ(added, 0);
		break;
	}
	if (full) {
		CHECK_EQ(c->model_free, 0);
		CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), 0);
	}
	pubs = ds->publishes;
	if (drv_publish(c) || dev_pop_all(c))
		return -1;
	CHECK_EQ(ds->publishes, pubs + (c->added != added0));
	CHECK_EQ(c->n_pend, c->added - added0);
	dpubs = vs->publishes;
	if (dev_push_some(c, c->n_pend, rnd_below(c, 3)) || dev_publish(c))
		return -1;
	CHECK_EQ(vs->publishes, dpubs + (c->added != added0));
	if (drv_get_all(c))
		return -1;
	CHECK_EQ(c->model_free, c->size);
	CHECK_EQ(vrq_vq_drv_num_free(&c->p.drv), c->size);
	*buffers += c->added - added0;
	return 0;
}

static int test_fill_drain(struct ctx *c)
{
	uint64_t buffers = 0, mixed_target = (uint64_t)(6000 * g_scale) + 1;
	uint64_t wrap_target, start, start_pos, straddles0 = c->straddles;
	unsigned wrap_maxn = max_segs(c);

	c->used_policy = 1;
	while (buffers < mixed_target)
		if (fill_round(c, 1, SEGMAX, max_segs(c), &buffers))
			return -1;
	/*
	 * Many full wraps, short segments: split crosses the 16-bit index
	 * wrap (at least 65536 + 2 * size buffers whatever the scale); packed
	 * flips its wrap counters many times (>= 70000 buffers at scale 1,
	 * at least three laps whatever the scale).  The split index counts
	 * buffers: shorter chains there (up to 4 segments; with INDIRECT up
	 * to 2 more than a pool table, so that direct chains still occur).
	 */
	if (!c->packed) {
		unsigned cap = c->tc.indirect ? VRQ_TEST_IND_MAX + 2 : 4;

		if (wrap_maxn > cap)
			wrap_maxn = cap;
		wrap_target = (uint64_t)(70000 * (g_scale > 1.0 ? g_scale : 1.0));
		if (wrap_target < 65536 + 2 * (uint64_t)c->size)
			wrap_target = 65536 + 2 * (uint64_t)c->size;
	} else {
		wrap_target = (uint64_t)(70000 * g_scale);
	}
	start = c->added;
	start_pos = c->add_pos;
	buffers = 0;
	while (buffers < wrap_target || (c->packed && c->add_pos - start_pos < 3 * (uint64_t)c->size))
		if (fill_round(c, (int)rnd_below(c, 2), 4, wrap_maxn, &buffers))
			return -1;
	/* and the full patterns again right after it */
	buffers = 0;
	while (buffers < mixed_target / 2 + 1)
		if (fill_round(c, 1, SEGMAX, max_segs(c), &buffers))
			return -1;
	CHECK(c->added - start >= wrap_target);
	if (!c->packed) {
		/* the wire indices wrapped: they equal the 64-bit counts mod 2^16 */
		CHECK(c->added - start >= 65536);
		CHECK_EQ(split_avail_idx(c), (uint16_t)c->added);
		CHECK_EQ(split_used_idx(c), (uint16_t)c->consumed);
	} else {
		/* at least three laps of the ring */
		CHECK(c->add_pos - start_pos >= 3 * (uint64_t)c->size);
	}
	/* chains that wrap around the ring end did occur where they can */
	if ((c->packed || c->tc.in_order) && max_direct_chain(c) >= 2 && c->size >= 2) {
		if (c->straddles == straddles0) {
			fprintf(stderr, "no chain straddled the ring end\n");
			CHECK(0);
		}
	}
	CHECK(peer_errs_zero(c));
	return 0;
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

	VRQ_FOR_EACH_VCONFIG(tc)
	{
		unsigned i;

		if (ctx_init(&ctx, &tc, 1)) {
			char name[128];

			vrq_test_vcfg_str(&tc, name, sizeof(name));
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
	return vrq_test_done("test_vq_basic");
}
