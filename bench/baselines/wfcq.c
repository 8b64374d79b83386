/* SPDX-License-Identifier: MIT */
/*
 * bench/baselines/wfcq.c - "wfcq": liburcu's wait-free concurrent queue
 * (urcu/wfcqueue.h), a linked list with a wait-free xchg enqueue: the
 * general-purpose lock-free queue a ring is usually compared with.  One
 * dequeuer per queue, so the unlocked __cds_wfcq_* dequeue/splice calls
 * are legal (see the synchronisation table in the header).  Polling.
 *
 * rr:     a request queue and a response queue, one node each way; the
 *         node carries the transaction number and a pointer to the bytes.
 * stream: qsize nodes recycled through a free queue (no malloc on the hot
 *         path).  The producer takes batch nodes from the free queue,
 *         chains them on a private queue and publishes them with one
 *         splice (batch 1: one plain enqueue); the consumer dequeues up to
 *         batch nodes, reads the first and last byte of each, and gives
 *         them back with one splice.
 *
 * The static inline versions (_LGPL_SOURCE) are what a performance-minded
 * user of liburcu compiles against.  ThreadSanitizer cannot see their
 * inline-asm atomics, so a tsan build calls the library instead and tells
 * TSan about each queue hand-off (release before publishing into a queue,
 * acquire after taking from it).
 */
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define WQ_PUBLISH(q) __tsan_release(q)
#define WQ_TAKEN(q) __tsan_acquire(q)
#else
#define _LGPL_SOURCE
#define WQ_PUBLISH(q) ((void)(q))
#define WQ_TAKEN(q) ((void)(q))
#endif

#include "baselines.h"
#include "common.h"

#include <errno.h>
#include <stdlib.h>

#include <urcu/wfcqueue.h>

#include "vrq/barrier.h"

#define WQ_STOP UINT64_MAX

/* Dequeue side and enqueue side on their own lines. */
struct wq {
	_Alignas(VB_LINE) struct __cds_wfcq_head head;
	_Alignas(VB_LINE) struct cds_wfcq_tail tail;
};

struct wnode {
	struct cds_wfcq_node node;
	uint64_t seq;
	uint8_t *buf;
};

static void wq_init(struct wq *q)
{
	__cds_wfcq_init(&q->head, &q->tail);
}

/* Enqueue one node.  The xchg in it is the release point: pairs with
 * wq_take() on the other side. */
static inline void wq_put(struct wq *q, struct wnode *n)
{
	cds_wfcq_node_init(&n->node);
	WQ_PUBLISH(q);
	cds_wfcq_enqueue(&q->head, &q->tail, &n->node);
}

/*
 * Dequeue one node, or NULL when there is none yet.  The nonblocking
 * variant: an enqueue that has swung the tail but not yet linked the node
 * reads as "not yet" and we poll again, where the blocking one would spin
 * ten times and then sleep 10 ms in poll() (a preempted producer turns
 * that into a 10 ms round trip).
 */
static inline struct wnode *wq_take(struct wq *q)
{
	struct cds_wfcq_node *n = __cds_wfcq_dequeue_nonblocking(&q->head, &q->tail);

	if (!n || n == CDS_WFCQ_WOULDBLOCK)
		return NULL;
	WQ_TAKEN(q);
	return caa_container_of(n, struct wnode, node);
}

/* Move everything on the private queue @src to @dst in one xchg (src is
 * ours and fully linked: the blocking variant never waits here). */
static inline void wq_splice(struct wq *dst, struct wq *src)
{
	WQ_PUBLISH(dst);
	__cds_wfcq_splice_blocking(&dst->head, &dst->tail, &src->head, &src->tail);
}

/* ---- rr ---------------------------------------------------------------------------- */

struct wq_rr {
	struct wq req, resp;
	_Alignas(VB_LINE) struct wnode c_node; /* the client's request */
	_Alignas(VB_LINE) struct wnode s_node; /* the server's response */
};

static int wq_rr_client(struct vb_run *run)
{
	struct wq_rr *c = run->ctx;
	size_t req = run->p->req, resp = run->p->resp;
	struct vb_meter m;
	uint64_t seq, bad = 0;
	struct wnode *n;
	int rc;

	rc = vb_meter_start(&m, run, 0);
	for (seq = 0; !rc; seq++) {
		uint64_t t0 = vb_ticks(), t1;

		vb_pat_set(c->c_node.buf, req, vb_req_pat(seq));
		c->c_node.seq = seq;
		wq_put(&c->req, &c->c_node);
		while (!(n = wq_take(&c->resp)))
			vrq_cpu_relax();
		t1 = vb_ticks();
		bad += n->seq != seq || !vb_pat_ok(n->buf, resp, vb_resp_pat(seq));
		if (vb_meter_rr(&m, t0, t1))
			break;
	}
	run->side[0].bad = bad;
	/* stop: the request node, marked; the server hands nothing back */
	c->c_node.seq = WQ_STOP;
	wq_put(&c->req, &c->c_node);
	return rc;
}

static int wq_rr_server(struct vb_run *run)
{
	struct wq_rr *c = run->ctx;
	size_t req = run->p->req, resp = run->p->resp;
	uint64_t seq, bad = 0;
	struct wnode *n;

	for (seq = 0;; seq++) {
		while (!(n = wq_take(&c->req)))
			vrq_cpu_relax();
		if (n->seq == WQ_STOP)
			break;
		bad += n->seq != seq || !vb_pat_ok(n->buf, req, vb_req_pat(seq));
		vb_pat_set(c->s_node.buf, resp, vb_resp_pat(seq));
		c->s_node.seq = seq;
		wq_put(&c->resp, &c->s_node);
	}
	run->side[1].bad = bad;
	return 0;
}

static int wq_rr(const struct vb_params *p, struct vb_result *r)
{
	struct vb_run run;
	struct wq_rr *c;
	int rc;

	vb_run_init(&run, "wfcq", "rr", p, r, NULL);
	rc = vb_check_rr(&run);
	if (rc)
		return rc;
	c = vb_zalloc(&run, sizeof(*c));
	if (!c)
		return -ENOMEM;
	wq_init(&c->req);
	wq_init(&c->resp);
	c->c_node.buf = vb_zalloc(&run, p->req);
	c->s_node.buf = vb_zalloc(&run, p->resp);
	rc = -ENOMEM;
	if (c->c_node.buf && c->s_node.buf) {
		run.ctx = c;
		rc = vb_run_threads(&run, wq_rr_client, wq_rr_server);
	}
	vb_free(c->c_node.buf);
	vb_free(c->s_node.buf);
	vb_free(c);
	return rc;
}

/* ---- stream -------------------------------------------------------------------------- */

struct wq_stream {
	struct wq q;	    /* producer -> consumer */
	struct wq free;	    /* consumer -> producer */
	struct wnode *pool; /* qsize nodes, node i -> buf[i] (pre-filled) */
	uint8_t **buf;
	unsigned size;
};

static int wq_producer(struct vb_run *run)
{
	struct wq_stream *c = run->ctx;
	unsigned batch = run->p->batch, k = 0;
	struct wq local;
	uint64_t seq = 0;

	wq_init(&local);
	for (;;) {
		struct wnode *n = wq_take(&c->free);

		if (!n) {
			/* the consumer stops recycling when done: we run dry here */
			if (vb_peer_phase(run) == VB_DONE)
				break;
			vrq_cpu_relax();
			continue;
		}
		n->seq = seq++;
		if (batch == 1) {
			wq_put(&c->q, n);
			continue;
		}
		/* private queue: nobody else sees it until the splice */
		cds_wfcq_node_init(&n->node);
		cds_wfcq_enqueue(&local.head, &local.tail, &n->node);
		if (++k == batch) {
			wq_splice(&c->q, &local);
			k = 0;
		}
	}
	return 0;
}

static int wq_consumer(struct vb_run *run)
{
	struct wq_stream *c = run->ctx;
	unsigned batch = run->p->batch;
	size_t last = run->p->msg - 1;
	uint64_t seq = 0, bad = 0;
	struct vb_meter m;
	struct wq local;
	int rc;

	wq_init(&local);
	rc = vb_meter_start(&m, run, 1);
	while (!rc) {
		uint64_t want = vb_meter_take(&m, batch), k;
		struct wnode *n;

		for (k = 0; k < want; k++) {
			uint8_t v;

			n = wq_take(&c->q);
			if (!n)
				break;
			v = (uint8_t)(n - c->pool);
			bad += (n->seq != seq++) | (n->buf[0] != v) | (n->buf[last] != v);
			if (batch == 1) {
				wq_put(&c->free, n);
			} else {
				cds_wfcq_node_init(&n->node);
				cds_wfcq_enqueue(&local.head, &local.tail, &n->node);
			}
		}
		if (k && batch > 1)
			wq_splice(&c->free, &local);
		if (!k)
			vrq_cpu_relax();
		if (vb_meter_items(&m, k))
			break;
	}
	if (rc)
		vb_run_done(run);
	run->side[1].bad = bad;
	return rc;
}

static int wq_stream(const struct vb_params *p, struct vb_result *r)
{
	struct wq_stream *c;
	struct vb_run run;
	unsigned size, i;
	int rc;

	vb_run_init(&run, "wfcq", "stream", p, r, NULL);
	rc = vb_check_stream(&run, &size);
	if (rc)
		return rc;
	c = vb_zalloc(&run, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->size = size;
	wq_init(&c->q);
	wq_init(&c->free);
	rc = -ENOMEM;
	c->pool = vb_zalloc(&run, sizeof(*c->pool) * size);
	c->buf = vb_zalloc(&run, sizeof(*c->buf) * size);
	if (!c->pool || !c->buf)
		goto out;
	for (i = 0; i < size; i++) {
		c->buf[i] = vb_zalloc(&run, p->msg);
		if (!c->buf[i])
			goto out;
		vb_pat_set(c->buf[i], p->msg, (uint8_t)i);
		c->pool[i].buf = c->buf[i];
		wq_put(&c->free, &c->pool[i]);
	}
	run.ctx = c;
	rc = vb_run_threads(&run, wq_producer, wq_consumer);
	if (!rc)
		r->bytes = r->trans * p->msg;
out:
	if (c->buf)
		for (i = 0; i < size; i++)
			vb_free(c->buf[i]);
	vb_free(c->buf);
	vb_free(c->pool);
	vb_free(c);
	return rc;
}

const struct vb_baseline vb_wfcq = {
	.name = "wfcq",
	.desc = "liburcu wait-free concurrent queue (cds_wfcq), polling",
	.rr = wq_rr,
	.stream = wq_stream,
};
