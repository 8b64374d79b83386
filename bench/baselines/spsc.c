/* SPDX-License-Identifier: MIT */
/*
 * bench/baselines/spsc.c - "spsc": a minimal single-producer single-consumer
 * ring of pointers, polling; what a virtqueue is up against when nothing
 * but "hand a buffer to the other core" is needed.
 *
 * Layout: each shared index on its own line together with the private
 * cached copy of the other side's index that the same side writes, so
 * every line has exactly one writer and an index is read from the peer's
 * line only when the cached copy says "full" or "empty".
 *
 * rr:     a request ring and a response ring, one buffer in flight; the
 *         server checks the request bytes in place and answers with a
 *         pointer to its response buffer (zero copy both ways).
 * stream: the producer waits for room for a whole batch, fills it and
 *         publishes once; the consumer takes up to a batch, reads the
 *         first and last byte of every item, and releases once.
 */
#include "baselines.h"
#include "common.h"

#include <errno.h>
#include <stdlib.h>

#include "vrq/barrier.h"

struct spsc {
	/* producer's line */
	_Alignas(VB_LINE) _Atomic uint32_t tail; /* published by the producer */
	uint32_t head_cache;
	/* consumer's line */
	_Alignas(VB_LINE) _Atomic uint32_t head; /* published by the consumer */
	uint32_t tail_cache;
	/* read-only after setup */
	_Alignas(VB_LINE) uint32_t size, mask;
	void **slot;
};

static int spsc_init(const struct vb_run *run, struct spsc *q, unsigned size)
{
	atomic_init(&q->tail, 0);
	atomic_init(&q->head, 0);
	q->head_cache = q->tail_cache = 0;
	q->size = size;
	q->mask = size - 1;
	q->slot = vb_zalloc(run, sizeof(void *) * size);
	return q->slot ? 0 : -ENOMEM;
}

/* Producer: free slots at @tail, re-reading the consumer's head only when
 * the cached copy shows fewer than @want. */
static inline uint32_t spsc_room(struct spsc *q, uint32_t tail, uint32_t want)
{
	uint32_t room = q->size - (tail - q->head_cache);

	if (room < want) {
		/* A1: pairs with R2; the consumer is done with the slots it freed */
		q->head_cache = atomic_load_explicit(&q->head, memory_order_acquire);
		room = q->size - (tail - q->head_cache);
	}
	return room;
}

static inline void spsc_publish(struct spsc *q, uint32_t tail)
{
	/* R1: slot writes before the index; pairs with A2 */
	atomic_store_explicit(&q->tail, tail, memory_order_release);
}

/* Consumer: items available at @head, re-reading the producer's tail only
 * when the cached copy says empty. */
static inline uint32_t spsc_avail(struct spsc *q, uint32_t head)
{
	uint32_t avail = q->tail_cache - head;

	if (!avail) {
		/* A2: pairs with R1; the slots up to tail are written */
		q->tail_cache = atomic_load_explicit(&q->tail, memory_order_acquire);
		avail = q->tail_cache - head;
	}
	return avail;
}

static inline void spsc_release(struct spsc *q, uint32_t head)
{
	/* R2: slot reads before the index; pairs with A1 */
	atomic_store_explicit(&q->head, head, memory_order_release);
}

/* ---- rr ------------------------------------------------------------------------ */

struct spsc_rr {
	struct spsc req, resp;
	uint8_t *req_buf, *resp_buf;
};

static int spsc_rr_client(struct vb_run *run)
{
	struct spsc_rr *c = run->ctx;
	size_t req = run->p->req, resp = run->p->resp;
	uint32_t rtail = 0, shead = 0;
	struct vb_meter m;
	uint64_t seq, bad = 0;
	int rc;

	rc = vb_meter_start(&m, run, 0);
	for (seq = 0; !rc; seq++) {
		uint64_t t0 = vb_ticks(), t1;
		const uint8_t *b;

		vb_pat_set(c->req_buf, req, vb_req_pat(seq));
		while (!spsc_room(&c->req, rtail, 1))
			vrq_cpu_relax();
		c->req.slot[rtail & c->req.mask] = c->req_buf;
		spsc_publish(&c->req, ++rtail);
		while (!spsc_avail(&c->resp, shead))
			vrq_cpu_relax();
		b = c->resp.slot[shead & c->resp.mask];
		spsc_release(&c->resp, ++shead);
		t1 = vb_ticks();
		bad += !vb_pat_ok(b, resp, vb_resp_pat(seq));
		if (vb_meter_rr(&m, t0, t1))
			break;
	}
	run->side[0].bad = bad;
	/* stop: a NULL request */
	while (!spsc_room(&c->req, rtail, 1))
		vrq_cpu_relax();
	c->req.slot[rtail & c->req.mask] = NULL;
	spsc_publish(&c->req, ++rtail);
	return rc;
}

static int spsc_rr_server(struct vb_run *run)
{
	struct spsc_rr *c = run->ctx;
	size_t req = run->p->req, resp = run->p->resp;
	uint32_t rhead = 0, stail = 0;
	uint64_t seq, bad = 0;

	for (seq = 0;; seq++) {
		const uint8_t *b;

		while (!spsc_avail(&c->req, rhead))
			vrq_cpu_relax();
		b = c->req.slot[rhead & c->req.mask];
		if (b)
			bad += !vb_pat_ok(b, req, vb_req_pat(seq));
		spsc_release(&c->req, ++rhead);
		if (!b)
			break;
		vb_pat_set(c->resp_buf, resp, vb_resp_pat(seq));
		while (!spsc_room(&c->resp, stail, 1))
			vrq_cpu_relax();
		c->resp.slot[stail & c->resp.mask] = c->resp_buf;
		spsc_publish(&c->resp, ++stail);
	}
	run->side[1].bad = bad;
	return 0;
}

static int spsc_rr(const struct vb_params *p, struct vb_result *r)
{
	unsigned size = p->qsize ? p->qsize : VB_QSIZE_DEFAULT;
	struct spsc_rr *c;
	struct vb_run run;
	int rc;

	vb_run_init(&run, "spsc", "rr", p, r, NULL);
	rc = vb_check_rr(&run);
	if (rc)
		return rc;
	if (size & (size - 1))
		return vb_err(&run, "qsize (not a power of two)", EINVAL);
	c = vb_zalloc(&run, sizeof(*c));
	if (!c)
		return -ENOMEM;
	run.ctx = c;
	rc = -ENOMEM;
	if (spsc_init(&run, &c->req, size) || spsc_init(&run, &c->resp, size))
		goto out;
	c->req_buf = vb_zalloc(&run, p->req);
	c->resp_buf = vb_zalloc(&run, p->resp);
	if (!c->req_buf || !c->resp_buf)
		goto out;
	rc = vb_run_threads(&run, spsc_rr_client, spsc_rr_server);
out:
	vb_free(c->req.slot);
	vb_free(c->resp.slot);
	vb_free(c->req_buf);
	vb_free(c->resp_buf);
	vb_free(c);
	return rc;
}

/* ---- stream ---------------------------------------------------------------------- */

struct spsc_stream {
	struct spsc q;
	uint8_t **buf; /* q.size pre-filled buffers: item n uses buf[n & mask] */
};

static int spsc_producer(struct vb_run *run)
{
	struct spsc_stream *c = run->ctx;
	struct spsc *q = &c->q;
	uint32_t tail = 0, batch = run->p->batch, i;

	for (;;) {
		if (spsc_room(q, tail, batch) < batch) {
			/* the consumer stops consuming when done: we fill up and land here */
			if (vb_peer_phase(run) == VB_DONE)
				break;
			vrq_cpu_relax();
			continue;
		}
		for (i = 0; i < batch; i++, tail++)
			q->slot[tail & q->mask] = c->buf[tail & q->mask];
		spsc_publish(q, tail);
	}
	return 0;
}

static int spsc_consumer(struct vb_run *run)
{
	struct spsc_stream *c = run->ctx;
	struct spsc *q = &c->q;
	uint32_t head = 0, batch = run->p->batch;
	size_t last = run->p->msg - 1;
	struct vb_meter m;
	uint64_t bad = 0;
	int rc;

	rc = vb_meter_start(&m, run, 1);
	while (!rc) {
		uint32_t n = spsc_avail(q, head), i;

		if (n) {
			if (n > batch)
				n = batch;
			n = (uint32_t)vb_meter_take(&m, n);
			for (i = 0; i < n; i++, head++) {
				const uint8_t *b = q->slot[head & q->mask];
				uint8_t v = (uint8_t)(head & q->mask);

				bad += (b[0] != v) | (b[last] != v);
			}
			spsc_release(q, head);
		} else {
			vrq_cpu_relax();
		}
		if (vb_meter_items(&m, n))
			break;
	}
	if (rc)
		vb_run_done(run);
	run->side[1].bad = bad;
	return rc;
}

static int spsc_stream(const struct vb_params *p, struct vb_result *r)
{
	struct spsc_stream *c;
	struct vb_run run;
	unsigned size, i;
	int rc;

	vb_run_init(&run, "spsc", "stream", p, r, NULL);
	rc = vb_check_stream(&run, &size);
	if (rc)
		return rc;
	c = vb_zalloc(&run, sizeof(*c));
	if (!c)
		return -ENOMEM;
	run.ctx = c;
	rc = -ENOMEM;
	if (spsc_init(&run, &c->q, size))
		goto out;
	c->buf = vb_zalloc(&run, sizeof(*c->buf) * size);
	if (!c->buf)
		goto out;
	for (i = 0; i < size; i++) {
		c->buf[i] = vb_zalloc(&run, p->msg);
		if (!c->buf[i])
			goto out;
		vb_pat_set(c->buf[i], p->msg, (uint8_t)i);
	}
	rc = vb_run_threads(&run, spsc_producer, spsc_consumer);
	if (!rc)
		r->bytes = r->trans * p->msg;
out:
	if (c->buf)
		for (i = 0; i < size; i++)
			vb_free(c->buf[i]);
	vb_free(c->buf);
	vb_free(c->q.slot);
	vb_free(c);
	return rc;
}

const struct vb_baseline vb_spsc = {
	.name = "spsc",
	.desc = "minimal SPSC pointer ring, cached indices, polling (zero copy)",
	.rr = spsc_rr,
	.stream = spsc_stream,
};
