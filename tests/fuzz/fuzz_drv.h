/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_drv.h - the driver side of fuzz_split_drv.c and
 * fuzz_packed_drv.c: the driver's calls through the ring-agnostic vrq_vq
 * API, and the harness's own model of every buffer it added (token,
 * writable capacity, descriptors, published or not), which each call's
 * result is checked against.
 *
 * Invariants (a violation aborts naming it):
 *  - add / add_indirect / add_batch return exactly what the model expects
 *    (-VRQ_EINVAL for 0 or more than size segments, the queue's error when
 *    broken, -VRQ_ENOSPC when the free descriptors do not suffice, else 0)
 *    and take exactly the descriptors they need;
 *  - get_used returns only tokens that were added, published and are in
 *    flight, each once, with a length at most the buffer's writable
 *    capacity; with IN_ORDER the oldest in flight first; a batch returns at
 *    most its max;
 *  - every failure is a peer error, after which the queue is broken and
 *    returns it again; the peer-error counters add up to the errors seen
 *    (VRQ_EUSED_LEN, never fatal, equals used_len_clamped);
 *  - free descriptors + descriptors in flight = size, after every call;
 *  - detach hands back every buffer in flight, each once, at most size of
 *    them, and reset leaves a running queue with every descriptor free;
 *  - a kick decision counts one kick exactly when it says "kick".
 */
#ifndef VRQ_FUZZ_DRV_H
#define VRQ_FUZZ_DRV_H

#define MAX_TOK 16384u
#define MAX_SEGS 300u

/* the driver operations, shared by both rings (opcodes 0 .. FZ_DRV_OPS-1) */
enum {
	OP_ADD,		 /* sel, lens: one buffer */
	OP_ADD_IND,	 /* sel, lens, t: one buffer through a caller table */
	OP_ADD_BATCH,	 /* m, m x (sel, lens) */
	OP_PUBLISH,
	OP_KICK,	 /* sel: need_kick / kick_prepare */
	OP_GET,
	OP_GET_BATCH,	 /* max */
	OP_CB,		 /* sel: enable_cb / disable_cb / has_used */
	OP_DETACH_RESET, /* detach everything in flight, reset */
	FZ_DRV_OPS
};

struct fz_drv {
	struct vrq_vq_drv drv;
	struct vrq_vq_cfg cfg;
	uint16_t size, ind_max;
	int indirect, in_order;
	uint8_t *tbl; /* caller tables for add_indirect (FZ_TBL_SIZE bytes at FZ_TBL_DA) */
	uint32_t ntok, pub_upto, oldest;
	uint64_t errors, completed, inflight_desc;
};

/* per token (index < ntok: written when the token is added, so they need
 * no clearing between scripts) */
static uint32_t fz_cap[MAX_TOK];
static uint16_t fz_need[MAX_TOK];
static uint8_t fz_flight[MAX_TOK];

static struct vrq_sg fz_sg[MAX_SEGS];

static inline void *fz_tok(uint32_t i)
{
	return (void *)(uintptr_t)(((uintptr_t)i + 1) * 8);
}

static void fz_drv_check(const struct fz_drv *d)
{
	const struct vrq_drv_stats *st = vrq_vq_drv_stats(&d->drv);

	FZ_CHECK(fz_peer_sum(st->peer_err, 1) == d->errors,
		 "peer_err counters add up to %llu, %llu errors seen",
		 (unsigned long long)fz_peer_sum(st->peer_err, 1), (unsigned long long)d->errors);
	FZ_CHECK(st->peer_err[VRQ_PEER_ERR_IDX(VRQ_EUSED_LEN)] == st->used_len_clamped,
		 "peer_err[EUSED_LEN] %llu != used_len_clamped %llu",
		 (unsigned long long)st->peer_err[VRQ_PEER_ERR_IDX(VRQ_EUSED_LEN)],
		 (unsigned long long)st->used_len_clamped);
	FZ_CHECK(st->completed == d->completed && st->added == d->ntok,
		 "added/completed counters %llu/%llu, expected %u/%llu",
		 (unsigned long long)st->added, (unsigned long long)st->completed, d->ntok,
		 (unsigned long long)d->completed);
	FZ_CHECK(vrq_vq_drv_num_free(&d->drv) + d->inflight_desc == d->size,
		 "%u free + %llu in flight != size %u", vrq_vq_drv_num_free(&d->drv),
		 (unsigned long long)d->inflight_desc, d->size);
}

/* A call that may break the queue ran: count a new error, check the code. */
static void fz_drv_broken_after(struct fz_drv *d, int was, int rc)
{
	int now = vrq_vq_drv_broken(&d->drv);

	if (was) {
		FZ_CHECK(now == was, "broken code changed from %d to %d", was, now);
	} else if (now) {
		FZ_CHECK(fz_is_peer_rc(now), "queue broken with %d (%s), not a peer code", now,
			 vrq_strerror(now));
		d->errors++;
	}
	if (rc < 0)
		FZ_CHECK(rc == now, "call returned %d (%s), queue broken with %d", rc,
			 vrq_strerror(rc), now);
}

/* A token came back from get_used: check it against the model. */
static void fz_drv_took(struct fz_drv *d, void *tok, uint32_t len, int detached)
{
	uintptr_t v = (uintptr_t)tok;
	uint32_t i;

	FZ_CHECK(v && v % 8 == 0 && v / 8 - 1 < d->ntok, "token %p was never added", tok);
	i = (uint32_t)(v / 8 - 1);
	FZ_CHECK(fz_flight[i], "token %u returned while not in flight (twice?)", i);
	if (!detached) {
		FZ_CHECK(i < d->pub_upto, "token %u returned before it was published", i);
		FZ_CHECK(len <= fz_cap[i], "token %u: len %u > writable capacity %u", i, len,
			 fz_cap[i]);
		while (d->oldest < d->ntok && !fz_flight[d->oldest])
			d->oldest++;
		FZ_CHECK(!d->in_order || i == d->oldest,
			 "IN_ORDER: token %u returned before older token %u", i, d->oldest);
		d->completed++;
	}
	fz_flight[i] = 0;
	d->inflight_desc -= fz_need[i];
}

/* Read one buffer's shape; fills fz_sg, returns n_out / n_in. */
static void fz_drv_shape(struct fz_drv *d, struct fz_in *in, unsigned *n_out, unsigned *n_in,
			 unsigned max_total)
{
	uint8_t sel = fz_u8(in);
	unsigned k, n;

	*n_out = sel % 4;
	*n_in = (sel >> 2) % 4;
	if (sel & 0x80) { /* long: size or size + 1 segments in all */
		unsigned total = d->size + ((sel >> 4) & 1);

		if (*n_out > total)
			*n_out = total;
		*n_in = total - *n_out;
	}
	if (*n_out + *n_in > max_total)
		*n_in = max_total - *n_out;
	n = *n_out + *n_in;
	for (k = 0; k < n; k++) {
		fz_sg[k].addr = FZ_BUF_DA + 64u * (k % 64);
		fz_sg[k].len = k < 8 ? (uint32_t)fz_u8(in) * 4u : 16u;
	}
}

/* The result the model expects for one add needing @p need descriptors. */
static int fz_drv_expect(const struct fz_drv *d, unsigned n, unsigned need, unsigned nfree,
			 int broken)
{
	if (n == 0 || n > d->size)
		return -VRQ_EINVAL;
	if (broken)
		return broken;
	return nfree < need ? -VRQ_ENOSPC : 0;
}

static unsigned fz_drv_need(const struct fz_drv *d, unsigned n, int caller_tbl)
{
	if (caller_tbl || (d->indirect && d->ind_max && n > 1 && n <= d->ind_max))
		return 1;
	return n;
}

static void fz_drv_record(struct fz_drv *d, unsigned n_out, unsigned n, unsigned need,
			  const struct vrq_sg *sg)
{
	uint32_t i = d->ntok++, cap = 0;
	unsigned k;

	for (k = n_out; k < n; k++)
		cap += sg[k].len;
	fz_cap[i] = cap;
	fz_need[i] = (uint16_t)need;
	fz_flight[i] = 1;
	d->inflight_desc += need;
}

static void fz_drv_add(struct fz_drv *d, struct fz_in *in, int caller_tbl)
{
	unsigned n_out, n_in, n, need, nfree = vrq_vq_drv_num_free(&d->drv), t = 0;
	int was = vrq_vq_drv_broken(&d->drv), exp, rc;

	fz_drv_shape(d, in, &n_out, &n_in, caller_tbl ? FZ_TBL_SIZE / 16 : MAX_SEGS);
	n = n_out + n_in;
	if (caller_tbl)
		t = fz_u8(in) % (FZ_TBL_SIZE / 16 - n + 1);
	if (d->ntok >= MAX_TOK)
		return;
	need = fz_drv_need(d, n, caller_tbl);
	exp = caller_tbl && !d->indirect ? -VRQ_EINVAL : fz_drv_expect(d, n, need, nfree, was);
	if (caller_tbl)
		rc = vrq_vq_drv_add_indirect(&d->drv, fz_sg, n_out, n_in, fz_tok(d->ntok),
					     d->tbl + 16u * t, FZ_TBL_DA + 16u * t);
	else
		rc = vrq_vq_drv_add(&d->drv, fz_sg, n_out, n_in, fz_tok(d->ntok));
	if (fz_trace)
		printf("add %u+%u -> %d\n", n_out, n_in, rc);
	FZ_CHECK(rc == exp, "add of %u segments (%u free, broken %d) returned %d, expected %d", n,
		 nfree, was, rc, exp);
	if (rc == 0)
		fz_drv_record(d, n_out, n, need, fz_sg);
	FZ_CHECK(vrq_vq_drv_num_free(&d->drv) == nfree - (rc == 0 ? need : 0),
		 "add took %u descriptors, expected %u", nfree - vrq_vq_drv_num_free(&d->drv),
		 rc == 0 ? need : 0);
}

static void fz_drv_add_batch(struct fz_drv *d, struct fz_in *in)
{
	static struct vrq_sg sg[4][MAX_SEGS];
	struct vrq_buf b[4];
	unsigned m = 1 + fz_u8(in) % 4, j, nfree = vrq_vq_drv_num_free(&d->drv), added = 0;
	int was = vrq_vq_drv_broken(&d->drv), exp = 0, rc;

	if (d->ntok + 4 > MAX_TOK)
		return;
	for (j = 0; j < m; j++) {
		unsigned n_out, n_in;

		fz_drv_shape(d, in, &n_out, &n_in, MAX_SEGS);
		memcpy(sg[j], fz_sg, sizeof(fz_sg[0]) * (n_out + n_in));
		b[j].sg = sg[j];
		b[j].n_out = (uint16_t)n_out;
		b[j].n_in = (uint16_t)n_in;
		b[j].token = fz_tok(d->ntok + j);
	}
	/* the model: add until one fails */
	for (j = 0; j < m; j++) {
		unsigned n = b[j].n_out + b[j].n_in, need = fz_drv_need(d, n, 0);

		exp = fz_drv_expect(d, n, need, nfree, was);
		if (exp)
			break;
		nfree -= need;
		added++;
	}
	exp = added ? (int)added : (exp == -VRQ_ENOSPC ? 0 : exp);
	rc = vrq_vq_drv_add_batch(&d->drv, b, m);
	FZ_CHECK(rc == exp, "add_batch of %u returned %d, expected %d", m, rc, exp);
	for (j = 0; j < added; j++)
		fz_drv_record(d, b[j].n_out, b[j].n_out + b[j].n_in,
			      fz_drv_need(d, b[j].n_out + b[j].n_in, 0), b[j].sg);
	d->pub_upto = d->ntok; /* add_batch publishes */
}

static void fz_drv_get(struct fz_drv *d)
{
	int was = vrq_vq_drv_broken(&d->drv), rc;
	uint32_t len = 0xdeadbeef;
	void *tok = NULL;

	rc = vrq_vq_drv_get_used(&d->drv, &tok, &len);
	if (fz_trace)
		printf("get -> %d %s\n", rc, rc < 0 ? vrq_strerror(rc) : "");
	if (was)
		FZ_CHECK(rc == was, "broken queue (%d) returned %d from get_used", was, rc);
	FZ_CHECK(rc <= 1, "get_used returned %d", rc);
	if (rc == 1)
		fz_drv_took(d, tok, len, 0);
	fz_drv_broken_after(d, was, rc);
	if (rc < 0)
		FZ_CHECK(vrq_vq_drv_get_used(&d->drv, &tok, &len) == rc, "broken queue got again");
}

static void fz_drv_get_batch(struct fz_drv *d, unsigned max)
{
	void *tok[8];
	uint32_t len[8];
	int was = vrq_vq_drv_broken(&d->drv), rc, i;

	rc = vrq_vq_drv_get_used_batch(&d->drv, tok, len, max);
	if (was)
		FZ_CHECK(rc == was, "broken queue (%d) returned %d from get_used_batch", was, rc);
	FZ_CHECK(rc <= (int)max, "get_used_batch(%u) returned %d", max, rc);
	for (i = 0; i < rc; i++)
		fz_drv_took(d, tok[i], len[i], 0);
	fz_drv_broken_after(d, was, rc);
}

static void fz_drv_detach_reset(struct fz_drv *d)
{
	unsigned cnt = 0;
	uint32_t i;
	void *tok;

	while (vrq_vq_drv_detach(&d->drv, &tok) == 1) {
		FZ_CHECK(++cnt <= d->size, "detach handed back more than size (%u) buffers",
			 d->size);
		fz_drv_took(d, tok, 0, 1);
	}
	for (i = d->oldest; i < d->ntok; i++)
		FZ_CHECK(!fz_flight[i], "token %u still in flight after detach", i);
	vrq_vq_drv_reset(&d->drv);
	FZ_CHECK(!vrq_vq_drv_broken(&d->drv) && vrq_vq_drv_num_free(&d->drv) == d->size,
		 "reset: broken %d, %u free of %u", vrq_vq_drv_broken(&d->drv),
		 vrq_vq_drv_num_free(&d->drv), d->size);
	d->oldest = d->pub_upto = d->ntok;
}

static void fz_drv_kick(struct fz_drv *d, uint8_t sel)
{
	const struct vrq_drv_stats *st = vrq_vq_drv_stats(&d->drv);
	uint64_t k0 = st->kicks, s0 = st->kicks_suppressed;
	bool r;

	if (sel & 1) {
		r = vrq_vq_drv_kick_prepare(&d->drv);
		d->pub_upto = d->ntok;
	} else {
		r = vrq_vq_drv_need_kick(&d->drv);
	}
	FZ_CHECK(st->kicks == k0 + r && st->kicks_suppressed - s0 <= (uint64_t)!r,
		 "kick decision %d counted %llu kicks, %llu suppressed", r,
		 (unsigned long long)(st->kicks - k0), (unsigned long long)(st->kicks_suppressed - s0));
}

/* One driver operation (op < FZ_DRV_OPS). */
static void fz_drv_op(struct fz_drv *d, unsigned op, struct fz_in *in)
{
	uint8_t sel;

	switch (op) {
	case OP_ADD:
		fz_drv_add(d, in, 0);
		break;
	case OP_ADD_IND:
		fz_drv_add(d, in, 1);
		break;
	case OP_ADD_BATCH:
		fz_drv_add_batch(d, in);
		break;
	case OP_PUBLISH:
		vrq_vq_drv_publish(&d->drv);
		d->pub_upto = d->ntok;
		break;
	case OP_KICK:
		fz_drv_kick(d, fz_u8(in));
		break;
	case OP_GET:
		fz_drv_get(d);
		break;
	case OP_GET_BATCH:
		fz_drv_get_batch(d, 1 + fz_u8(in) % 8);
		break;
	case OP_CB:
		sel = fz_u8(in) % 3;
		if (sel == 0)
			(void)vrq_vq_drv_enable_cb(&d->drv);
		else if (sel == 1)
			vrq_vq_drv_disable_cb(&d->drv);
		else
			(void)vrq_vq_drv_has_used(&d->drv);
		break;
	case OP_DETACH_RESET:
		fz_drv_detach_reset(d);
		break;
	}
	fz_drv_check(d);
}

/* seed helpers: a buffer of n_out + n_in (each < 4) segments of 4 * v bytes */
static inline void sb_buf(struct fz_sb *b, unsigned n_out, unsigned n_in, unsigned v)
{
	unsigned k;

	sb_u8(b, (n_out & 3) | (n_in & 3) << 2);
	for (k = 0; k < n_out + n_in; k++)
		sb_u8(b, v);
}

#endif /* VRQ_FUZZ_DRV_H */
