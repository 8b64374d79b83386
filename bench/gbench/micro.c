/* SPDX-License-Identifier: MIT */
/*
 * bench/gbench/micro.c - micro-benchmark bodies: one driver and one device
 * over one ring in the same thread (SMP domain, queue size 256, 64-byte
 * segments), through the ring-agnostic vrq_vq API, so every call pays the
 * one predictable kind switch a vrq_vq user pays.  Timing model: micro.h.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vrq/vrq.h"
#include "micro.h"

#define MB_SIZE 256	/* queue size */
#define MB_SEG_LEN 64	/* bytes per segment */
#define MB_MAX_SEGS 8	/* longest chain / indirect table */
#define MB_ROUND 128	/* ops timed per round (at most) */
#define MB_PUB_EVERY 32 /* add / push: one publish per this many ops */
#define MB_RING_DA 0x100000000000ull
#define MB_BUF_DA 0x200000000000ull

/* ---- Timing ---------------------------------------------------------------- */

struct mb_stamp {
	struct timespec ts;
	uint64_t cyc;
};

static inline void mb_start(struct mb_stamp *s)
{
	clock_gettime(CLOCK_MONOTONIC, &s->ts);
	s->cyc = vrq_cycles();
	/* rdtsc is not a compiler barrier: keep the timed ops after it */
	atomic_signal_fence(memory_order_seq_cst);
}

static inline void mb_stop(const struct mb_stamp *s, struct vrq_micro_time *t)
{
	struct timespec now;
	uint64_t cyc;

	atomic_signal_fence(memory_order_seq_cst);
	cyc = vrq_cycles();
	clock_gettime(CLOCK_MONOTONIC, &now);
	t->cycles += cyc - s->cyc;
	t->ns += (uint64_t)((now.tv_sec - s->ts.tv_sec) * 1000000000ll +
			    (now.tv_nsec - s->ts.tv_nsec));
}

/* ---- Ring context ---------------------------------------------------------- */

struct mb_ring;
typedef void mb_round_fn(struct mb_ring *b, unsigned k, struct vrq_micro_time *t);

/* Parameters of one ring body (vrq_micro.priv). */
struct mb_body {
	mb_round_fn *round;
	uint16_t n_out, n_in; /* segments per buffer */
	uint16_t max_round;   /* ops per round: chains must fit the ring */
	uint64_t features;    /* on top of VERSION_1 */
};

struct mb_ring {
	const struct vrq_micro *m;
	const struct mb_body *body;
	unsigned kind;
	uint8_t *ring_mem; /* ring areas + indirect pool */
	uint8_t *buf_mem;
	size_t ring_bytes, buf_bytes;
	struct vrq_mem mem;
	struct vrq_vq_cfg cfg;
	struct vrq_vq_drv drv;
	struct vrq_vq_dev dev;
	struct vrq_chain c;
	struct vrq_seg seg[MB_MAX_SEGS];
	uint32_t in_len;	       /* writable bytes per buffer */
	uint64_t kicks;		       /* kick_decision: kicks seen */
	uintptr_t sink;		       /* results the compiler must not drop */
	uint16_t heads[MB_ROUND];      /* popped chain ids of the round */
	struct vrq_buf bufs[MB_ROUND]; /* buffer i: token i + 1, sg[i] */
	struct vrq_sg sg[MB_ROUND][MB_MAX_SEGS];
};

__attribute__((noreturn, cold, noinline)) static void mb_die(const struct mb_ring *b,
							     const char *what, long rc)
{
	fprintf(stderr, "vrq-gbench: %s/%s: %s: unexpected %ld (%s)\n",
		b->kind == VRQ_RING_PACKED ? "packed" : "split", b->m->name, what, rc,
		rc < 0 ? vrq_strerror((int)rc) : "-");
	abort();
}

static inline void *mb_tok(unsigned i)
{
	return (void *)(uintptr_t)(i + 1);
}

/* Untimed helpers: move the round's k buffers one step, checking all. */
static void mb_add(struct mb_ring *b, unsigned k)
{
	for (unsigned i = 0; i < k; i++) {
		int rc =
			vrq_vq_drv_add(&b->drv, b->sg[i], b->body->n_out, b->body->n_in, mb_tok(i));

		if (rc)
			mb_die(b, "add", rc);
	}
	vrq_vq_drv_publish(&b->drv);
}

static void mb_pop(struct mb_ring *b, unsigned k)
{
	for (unsigned i = 0; i < k; i++) {
		int rc = vrq_vq_dev_pop(&b->dev, &b->c);

		if (rc != 1)
			mb_die(b, "pop", rc);
		if (b->c.n != b->body->n_out + b->body->n_in || b->c.in_len != b->in_len)
			mb_die(b, "pop: chain shape", b->c.n);
		b->heads[i] = b->c.head;
	}
}

static void mb_push(struct mb_ring *b, unsigned k)
{
	for (unsigned i = 0; i < k; i++) {
		int rc = vrq_vq_dev_push(&b->dev, b->heads[i], b->in_len);

		if (rc)
			mb_die(b, "push", rc);
	}
	vrq_vq_dev_publish(&b->dev);
}

/* Complete the round's buffers (tokens in order) and check the ring is empty. */
static void mb_reap(struct mb_ring *b, unsigned k)
{
	void *tok;
	uint32_t len;
	int rc;

	for (unsigned i = 0; i < k; i++) {
		rc = vrq_vq_drv_get_used(&b->drv, &tok, &len);
		if (rc != 1)
			mb_die(b, "get_used", rc);
		if (tok != mb_tok(i) || len != b->in_len)
			mb_die(b, "get_used: token/len", (long)(uintptr_t)tok);
	}
	rc = vrq_vq_drv_get_used(&b->drv, &tok, &len);
	if (rc != 0 || vrq_vq_drv_num_free(&b->drv) != MB_SIZE)
		mb_die(b, "ring not empty after the round", rc);
}

/* ---- Ring round bodies ----------------------------------------------------- */

/* add: driver add of one buffer, publish every 32. */
static void mb_round_add(struct mb_ring *b, unsigned k, struct vrq_micro_time *t)
{
	const uint16_t n_out = b->body->n_out, n_in = b->body->n_in;
	struct mb_stamp s;

	mb_start(&s);
	for (unsigned i = 0; i < k; i++) {
		int rc = vrq_vq_drv_add(&b->drv, b->sg[i], n_out, n_in, mb_tok(i));

		if (VRQ_UNLIKELY(rc))
			mb_die(b, "add", rc);
		if ((i + 1) % MB_PUB_EVERY == 0 || i + 1 == k)
			vrq_vq_drv_publish(&b->drv);
	}
	mb_stop(&s, t);
	mb_pop(b, k);
	mb_push(b, k);
	mb_reap(b, k);
}

/* add_batch32: add_batch of 32 buffers (one publish each); cost per buffer. */
static void mb_round_add_batch(struct mb_ring *b, unsigned k, struct vrq_micro_time *t)
{
	struct mb_stamp s;

	mb_start(&s);
	for (unsigned i = 0; i < k; i += 32) {
		unsigned n = k - i < 32 ? k - i : 32;
		int rc = vrq_vq_drv_add_batch(&b->drv, &b->bufs[i], n);

		if (VRQ_UNLIKELY(rc != (int)n))
			mb_die(b, "add_batch", rc);
	}
	mb_stop(&s, t);
	mb_pop(b, k);
	mb_push(b, k);
	mb_reap(b, k);
}

/* pop*: device pop with chain validation and address translation. */
static void mb_round_pop(struct mb_ring *b, unsigned k, struct vrq_micro_time *t)
{
	const unsigned nseg = b->body->n_out + b->body->n_in;
	struct mb_stamp s;

	mb_add(b, k);
	mb_start(&s);
	for (unsigned i = 0; i < k; i++) {
		int rc = vrq_vq_dev_pop(&b->dev, &b->c);

		if (VRQ_UNLIKELY(rc != 1 || b->c.n != nseg))
			mb_die(b, "pop", rc);
		b->heads[i] = b->c.head;
	}
	mb_stop(&s, t);
	mb_push(b, k);
	mb_reap(b, k);
}

/* push: device push, publish every 32. */
static void mb_round_push(struct mb_ring *b, unsigned k, struct vrq_micro_time *t)
{
	struct mb_stamp s;

	mb_add(b, k);
	mb_pop(b, k);
	mb_start(&s);
	for (unsigned i = 0; i < k; i++) {
		int rc = vrq_vq_dev_push(&b->dev, b->heads[i], b->in_len);

		if (VRQ_UNLIKELY(rc))
			mb_die(b, "push", rc);
		if ((i + 1) % MB_PUB_EVERY == 0 || i + 1 == k)
			vrq_vq_dev_publish(&b->dev);
	}
	mb_stop(&s, t);
	mb_reap(b, k);
}

/* get_used: driver takes one used buffer (used entry validated). */
static void mb_round_get_used(struct mb_ring *b, unsigned k, struct vrq_micro_time *t)
{
	struct mb_stamp s;
	uintptr_t sum = 0;

	mb_add(b, k);
	mb_pop(b, k);
	mb_push(b, k);
	mb_start(&s);
	for (unsigned i = 0; i < k; i++) {
		void *tok = NULL;
		uint32_t len = 0;
		int rc = vrq_vq_drv_get_used(&b->drv, &tok, &len);

		if (VRQ_UNLIKELY(rc != 1 || tok != mb_tok(i)))
			mb_die(b, "get_used", rc);
		sum += len;
	}
	mb_stop(&s, t);
	b->sink += sum;
	mb_reap(b, 0);
}

/*
 * kick_decision: add one buffer, then kick_prepare (publish, full fence,
 * read avail_event) with EVENT_IDX.  The device re-enabled kicks before the
 * round, as a device about to sleep does, so the first decision says "kick"
 * and the others are suppressed; compare with add (publish every 32).
 */
static void mb_round_kick(struct mb_ring *b, unsigned k, struct vrq_micro_time *t)
{
	const uint16_t n_out = b->body->n_out, n_in = b->body->n_in;
	struct mb_stamp s;
	unsigned kicks = 0;

	if (vrq_vq_dev_enable_kick(&b->dev))
		mb_die(b, "enable_kick: ring not empty", 1);
	mb_start(&s);
	for (unsigned i = 0; i < k; i++) {
		int rc = vrq_vq_drv_add(&b->drv, b->sg[i], n_out, n_in, mb_tok(i));

		if (VRQ_UNLIKELY(rc))
			mb_die(b, "add", rc);
		kicks += vrq_vq_drv_kick_prepare(&b->drv);
	}
	mb_stop(&s, t);
	if (k && kicks != 1)
		mb_die(b, "kick_prepare: kicks per round", kicks);
	b->kicks += kicks;
	mb_pop(b, k);
	mb_push(b, k);
	mb_reap(b, k);
}

/* cycle: add, publish, pop, push, publish, get_used: one round trip. */
static void mb_round_cycle(struct mb_ring *b, unsigned k, struct vrq_micro_time *t)
{
	const uint16_t n_out = b->body->n_out, n_in = b->body->n_in;
	struct mb_stamp s;

	mb_start(&s);
	for (unsigned i = 0; i < k; i++) {
		void *tok;
		uint32_t len;
		int rc;

		rc = vrq_vq_drv_add(&b->drv, b->sg[i], n_out, n_in, mb_tok(i));
		if (VRQ_UNLIKELY(rc))
			mb_die(b, "add", rc);
		vrq_vq_drv_publish(&b->drv);
		rc = vrq_vq_dev_pop(&b->dev, &b->c);
		if (VRQ_UNLIKELY(rc != 1))
			mb_die(b, "pop", rc);
		rc = vrq_vq_dev_push(&b->dev, b->c.head, b->in_len);
		if (VRQ_UNLIKELY(rc))
			mb_die(b, "push", rc);
		vrq_vq_dev_publish(&b->dev);
		rc = vrq_vq_drv_get_used(&b->drv, &tok, &len);
		if (VRQ_UNLIKELY(rc != 1 || tok != mb_tok(i)))
			mb_die(b, "get_used", rc);
	}
	mb_stop(&s, t);
	mb_reap(b, 0);
}

/* ---- Ring setup / run / teardown ------------------------------------------- */

static void mb_ring_run(void *ctx, uint64_t ops, struct vrq_micro_time *t)
{
	struct mb_ring *b = ctx;

	while (ops) {
		unsigned k = ops < b->body->max_round ? (unsigned)ops : b->body->max_round;

		b->body->round(b, k, t);
		ops -= k;
	}
}

static void mb_ring_free(struct mb_ring *b)
{
	if (!b)
		return;
	free(b->ring_mem);
	free(b->buf_mem);
	free(b);
}

static void mb_ring_teardown(void *ctx)
{
	struct mb_ring *b = ctx;
	const struct vrq_drv_stats *ds = vrq_vq_drv_stats(&b->drv);
	const struct vrq_dev_stats *vs = vrq_vq_dev_stats(&b->dev);

	if (vrq_vq_drv_broken(&b->drv) || vrq_vq_dev_broken(&b->dev))
		mb_die(b, "teardown: queue broken", vrq_vq_drv_broken(&b->drv));
	if (vrq_vq_drv_num_free(&b->drv) != MB_SIZE || ds->added != ds->completed ||
	    vs->popped != ds->added || vs->pushed != ds->added)
		mb_die(b, "teardown: buffers lost", (long)(ds->added - ds->completed));
	if (b->body->round == mb_round_kick && ds->kicks != b->kicks)
		mb_die(b, "teardown: kick count", (long)ds->kicks);
	vrq_vq_drv_fini(&b->drv);
	vrq_vq_dev_fini(&b->dev);
	mb_ring_free(b);
}

/* Page-aligned, zeroed, size rounded up as aligned_alloc requires. */
static void *mb_alloc(size_t bytes)
{
	size_t n = (bytes + 4095) & ~(size_t)4095;
	void *p = aligned_alloc(4096, n);

	if (p)
		memset(p, 0, n);
	return p;
}

static int mb_ring_setup(void **ctx, const struct vrq_micro *m, const struct vrq_micro_arg *a)
{
	const struct mb_body *body = m->priv;
	struct mb_ring *b = calloc(1, sizeof(*b));
	size_t area, pool;
	struct vrq_micro_time warm = { 0, 0 };
	int rc;

	if (!b)
		return -VRQ_ENOMEM;
	b->m = m;
	b->body = body;
	b->kind = a->kind;
	area = vrq_vq_ring_bytes((enum vrq_ring_kind)a->kind, MB_SIZE, 64);
	pool = body->features & VRQ_FEATURE(VRQ_F_INDIRECT_DESC)
		       ? (size_t)MB_SIZE * MB_MAX_SEGS * sizeof(struct vrq_split_desc)
		       : 0;
	b->ring_bytes = area + pool;
	b->buf_bytes = (size_t)MB_ROUND * MB_MAX_SEGS * MB_SEG_LEN;
	b->ring_mem = mb_alloc(b->ring_bytes);
	b->buf_mem = mb_alloc(b->buf_bytes);
	rc = -VRQ_ENOMEM;
	if (!area || !b->ring_mem || !b->buf_mem)
		goto fail;
	/* device addresses differ from local ones: translation is real work */
	vrq_mem_init(&b->mem);
	rc = vrq_mem_add(&b->mem, 0, MB_RING_DA, b->ring_mem, b->ring_bytes, VRQ_MEM_COHERENT);
	if (!rc)
		rc = vrq_mem_add(&b->mem, 1, MB_BUF_DA, b->buf_mem, b->buf_bytes, VRQ_MEM_COHERENT);
	if (rc)
		goto fail;

	b->cfg.kind = (enum vrq_ring_kind)a->kind;
	b->cfg.size = MB_SIZE;
	b->cfg.features = VRQ_FEATURE(VRQ_F_VERSION_1) | body->features;
	b->cfg.domain = VRQ_DOM_SMP;
	b->cfg.ring = b->ring_mem;
	b->cfg.area_align = 64;
	b->cfg.mem = &b->mem;
	if (pool) {
		b->cfg.ind_pool = b->ring_mem + area;
		b->cfg.ind_pool_da = MB_RING_DA + area;
		b->cfg.ind_max = MB_MAX_SEGS;
	}
	rc = vrq_vq_drv_init(&b->drv, &b->cfg);
	if (rc)
		goto fail;
	rc = vrq_vq_dev_init(&b->dev, &b->cfg);
	if (rc) {
		vrq_vq_drv_fini(&b->drv);
		goto fail;
	}
	vrq_chain_init(&b->c, b->seg, MB_MAX_SEGS);

	/* buffer i of a round: its own MB_MAX_SEGS * 64 bytes, n_out then n_in */
	for (unsigned i = 0; i < MB_ROUND; i++) {
		for (unsigned j = 0; j < MB_MAX_SEGS; j++) {
			b->sg[i][j].addr = MB_BUF_DA + ((uint64_t)i * MB_MAX_SEGS + j) * MB_SEG_LEN;
			b->sg[i][j].len = MB_SEG_LEN;
		}
		b->bufs[i].sg = b->sg[i];
		b->bufs[i].n_out = body->n_out;
		b->bufs[i].n_in = body->n_in;
		b->bufs[i].token = mb_tok(i);
	}
	b->in_len = (uint32_t)body->n_in * MB_SEG_LEN;

	/* warm-up: two laps, so every descriptor has been used once */
	mb_ring_run(b, 2 * MB_SIZE, &warm);
	*ctx = b;
	return 0;
fail:
	mb_ring_free(b);
	return rc;
}

/* ---- Memory-map translation ------------------------------------------------ */

#define MB_XL_REGIONS 4
#define MB_XL_REGION_BYTES (64u * 1024)

struct mb_xlate {
	uint8_t *mem;
	struct vrq_mem map;
	const struct vrq_mem_region *hint;
	bool use_hint;
	uintptr_t sink;
	uint64_t da[MB_ROUND];
};

/*
 * The looked-up addresses are 64-byte buffers in the last region
 * registered: the longest walk for the plain lookup (4 regions checked),
 * a hit for the hint after the first call, as for a device whose buffers
 * come from one pool.
 */
static void mb_xlate_run(void *ctx, uint64_t ops, struct vrq_micro_time *t)
{
	struct mb_xlate *x = ctx;

	while (ops) {
		unsigned k = ops < MB_ROUND ? (unsigned)ops : MB_ROUND;
		uintptr_t sum = 0, bad = 0;
		struct mb_stamp s;

		mb_start(&s);
		if (x->use_hint) {
			for (unsigned i = 0; i < k; i++) {
				void *p = vrq_mem_da_to_va_hint(&x->map, x->da[i], MB_SEG_LEN,
								&x->hint);

				sum += (uintptr_t)p;
				bad |= !p;
			}
		} else {
			for (unsigned i = 0; i < k; i++) {
				void *p = vrq_mem_da_to_va(&x->map, x->da[i], MB_SEG_LEN);

				sum += (uintptr_t)p;
				bad |= !p;
			}
		}
		mb_stop(&s, t);
		if (bad) {
			fprintf(stderr, "vrq-gbench: translate: lookup failed\n");
			abort();
		}
		x->sink += sum;
		ops -= k;
	}
}

static int mb_xlate_setup(void **ctx, const struct vrq_micro *m, const struct vrq_micro_arg *a)
{
	struct mb_xlate *x = calloc(1, sizeof(*x));
	struct vrq_micro_time warm = { 0, 0 };

	(void)a;
	if (!x)
		return -VRQ_ENOMEM;
	x->use_hint = m->priv != NULL;
	x->mem = mb_alloc((size_t)MB_XL_REGIONS * MB_XL_REGION_BYTES);
	if (!x->mem) {
		free(x);
		return -VRQ_ENOMEM;
	}
	vrq_mem_init(&x->map);
	for (unsigned r = 0; r < MB_XL_REGIONS; r++) {
		/* scattered device addresses, unrelated to the local layout */
		int rc = vrq_mem_add(&x->map, r, 0x10000000000ull * (r + 1),
				     x->mem + (size_t)r * MB_XL_REGION_BYTES, MB_XL_REGION_BYTES,
				     VRQ_MEM_COHERENT);

		if (rc) {
			free(x->mem);
			free(x);
			return rc;
		}
	}
	for (unsigned i = 0; i < MB_ROUND; i++)
		x->da[i] = 0x10000000000ull * MB_XL_REGIONS + (uint64_t)i * MB_SEG_LEN;
	mb_xlate_run(x, MB_ROUND, &warm);
	*ctx = x;
	return 0;
}

static void mb_xlate_teardown(void *ctx)
{
	struct mb_xlate *x = ctx;

	free(x->mem);
	free(x);
}

/* ---- Floor: the timing harness alone ---------------------------------------- */

static int mb_floor_setup(void **ctx, const struct vrq_micro *m, const struct vrq_micro_arg *a)
{
	(void)m;
	(void)a;
	*ctx = NULL;
	return 0;
}

static void mb_floor_run(void *ctx, uint64_t ops, struct vrq_micro_time *t)
{
	(void)ctx;
	while (ops) {
		unsigned k = ops < MB_ROUND ? (unsigned)ops : MB_ROUND;
		struct mb_stamp s;

		mb_start(&s);
		for (unsigned i = 0; i < k; i++)
			atomic_signal_fence(memory_order_seq_cst); /* an empty op */
		mb_stop(&s, t);
		ops -= k;
	}
}

static void mb_floor_teardown(void *ctx)
{
	(void)ctx;
}

/* ---- The table ---------------------------------------------------------------- */

#define MB_1SEG .n_out = 0, .n_in = 1, .max_round = MB_ROUND /* one writable 64-byte segment */

static const struct mb_body mb_add_b = { .round = mb_round_add, MB_1SEG };
static const struct mb_body mb_add_batch_b = { .round = mb_round_add_batch, MB_1SEG };
static const struct mb_body mb_pop_b = { .round = mb_round_pop, MB_1SEG };
/* 4 descriptors per chain: 64 chains fill the 256-entry ring */
static const struct mb_body mb_pop4_b = {
	.round = mb_round_pop, .n_out = 2, .n_in = 2, .max_round = MB_SIZE / 4
};
static const struct mb_body mb_pop_ind_b = { .round = mb_round_pop,
					     .n_out = 4,
					     .n_in = 4,
					     .max_round = MB_ROUND,
					     .features = VRQ_FEATURE(VRQ_F_INDIRECT_DESC) };
static const struct mb_body mb_push_b = { .round = mb_round_push, MB_1SEG };
static const struct mb_body mb_get_used_b = { .round = mb_round_get_used, MB_1SEG };
static const struct mb_body mb_kick_b = { .round = mb_round_kick,
					  MB_1SEG,
					  .features = VRQ_FEATURE(VRQ_F_EVENT_IDX) };
static const struct mb_body mb_cycle_b = { .round = mb_round_cycle, MB_1SEG };
static const int mb_hint_on = 1;

#define MB_RING(name_, what_, body_)                                                               \
	{                                                                                          \
		name_, what_, VRQ_MICRO_BOTH, &body_, mb_ring_setup, mb_ring_run, mb_ring_teardown \
	}

const struct vrq_micro vrq_micros[] = {
	{ "floor", "timing harness alone: an empty op (clock cost in every body)", 0, NULL,
	  mb_floor_setup, mb_floor_run, mb_floor_teardown },
	MB_RING("add", "driver add of one 1-segment buffer, publish every 32", mb_add_b),
	MB_RING("add_batch32", "add_batch of 32 buffers (one publish), per buffer", mb_add_batch_b),
	MB_RING("pop", "device pop of a 1-segment chain (validated, translated)", mb_pop_b),
	MB_RING("pop_chain4", "device pop of a 4-descriptor chain (2 out + 2 in)", mb_pop4_b),
	MB_RING("pop_indirect8", "device pop of an 8-entry indirect table (4 out + 4 in)",
		mb_pop_ind_b),
	MB_RING("push", "device push of one buffer, publish every 32", mb_push_b),
	MB_RING("get_used", "driver get_used of one buffer", mb_get_used_b),
	MB_RING("kick_decision",
		"driver add + kick_prepare (publish, fence, event read), EVENT_IDX", mb_kick_b),
	MB_RING("cycle", "add, publish, pop, push, publish, get_used: one round trip", mb_cycle_b),
	{ "translate", "vrq_mem_da_to_va, 4 regions, hit in the last", 0, NULL, mb_xlate_setup,
	  mb_xlate_run, mb_xlate_teardown },
	{ "translate_hint", "vrq_mem_da_to_va_hint, 4 regions, hint hits", 0, &mb_hint_on,
	  mb_xlate_setup, mb_xlate_run, mb_xlate_teardown },
};

const unsigned vrq_micro_count = sizeof(vrq_micros) / sizeof(vrq_micros[0]);

int vrq_micro_name(const struct vrq_micro *m, unsigned kind, char *buf, size_t n)
{
	if (!m->kinds)
		return snprintf(buf, n, "%s", m->name);
	return snprintf(buf, n, "%s/%s", kind == VRQ_RING_PACKED ? "packed" : "split", m->name);
}
