/* SPDX-License-Identifier: MIT */
/*
 * bench/baselines/futex.c - "futex": the cheapest blocking doorbell Linux
 * has.  One futex word per direction holding a sequence number, payload
 * through shared buffers as for "eventfd".  A pure blocking ping-pong: the
 * sender bumps the word and always calls FUTEX_WAKE, the receiver calls
 * FUTEX_WAIT whenever the word still holds the old value, no spinning.  It
 * is the reference for what a blocking virtqueue doorbell could cost.
 *
 * Counts: every FUTEX_WAKE call is a notification (exactly 2 per
 * transaction); a FUTEX_WAIT that returned 0 (the thread slept and was
 * woken) is an interrupt.  A wait that finds the value already changed
 * (EAGAIN, or the check before the call) did not sleep and is not counted,
 * so interrupts can be below 2 per transaction.
 */
#include "baselines.h"
#include "common.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct futex_ctx {
	_Alignas(VB_LINE) _Atomic uint32_t req;	     /* bumped by the client */
	_Alignas(VB_LINE) _Atomic uint32_t resp;     /* bumped by the server */
	_Alignas(VB_LINE) uint8_t *sh_req, *sh_resp; /* shared */
	uint8_t *c_req, *c_resp, *s_req, *s_resp;    /* private */
	int wait_op, wake_op; /* _PRIVATE ops in one process, shared ones across two */
};

static long fx_sys(_Atomic uint32_t *w, int op, uint32_t val)
{
	return syscall(SYS_futex, (uint32_t *)w, op, val, NULL, NULL, 0);
}

/* Sleep until *w no longer holds @old.  Counts real wake-ups in *intr. */
static int fx_wait(struct vb_run *run, _Atomic uint32_t *w, uint32_t old, uint64_t *intr)
{
	const struct futex_ctx *c = run->ctx;

	/* A: pairs with R in fx_post(); the peer's payload copy is visible */
	while (atomic_load_explicit(w, memory_order_acquire) == old) {
		if (!fx_sys(w, c->wait_op, old)) {
			(*intr)++;
			continue;
		}
		if (errno != EAGAIN && errno != EINTR)
			return vb_err(run, "futex(FUTEX_WAIT)", errno);
	}
	return 0;
}

/* Publish @v in *w and wake the peer. */
static int fx_post(struct vb_run *run, _Atomic uint32_t *w, uint32_t v)
{
	const struct futex_ctx *c = run->ctx;

	/* R: payload copy before the new value; pairs with A in fx_wait() */
	atomic_store_explicit(w, v, memory_order_release);
	if (fx_sys(w, c->wake_op, 1) < 0)
		return vb_err(run, "futex(FUTEX_WAKE)", errno);
	return 0;
}

static int fx_client(struct vb_run *run)
{
	struct futex_ctx *c = run->ctx;
	size_t req = run->p->req, resp = run->p->resp;
	struct vb_meter m;
	uint64_t seq, bad = 0;
	uint32_t s = 0;
	int rc;

	rc = vb_meter_start(&m, run, 0);
	for (seq = 0; !rc; seq++) {
		uint64_t t0 = vb_ticks(), t1;

		vb_pat_set(c->c_req, req, vb_req_pat(seq));
		memcpy(c->sh_req, c->c_req, req);
		rc = fx_post(run, &c->req, ++s);
		if (rc)
			break;
		m.notif++;
		rc = fx_wait(run, &c->resp, s - 1, &m.intr);
		if (rc)
			break;
		if (vb_run_aborted(run)) {
			rc = -EPIPE; /* the server said why */
			break;
		}
		memcpy(c->c_resp, c->sh_resp, resp);
		t1 = vb_ticks();
		bad += !vb_pat_ok(c->c_resp, resp, vb_resp_pat(seq));
		if (vb_meter_rr(&m, t0, t1))
			break;
	}
	run->side[0].bad = bad;
	/* stop: VB_DONE, then one more bump (R orders the two) */
	vb_run_done(run);
	if (fx_post(run, &c->req, ++s) && !rc)
		rc = -EIO;
	return rc;
}

static int fx_server(struct vb_run *run)
{
	struct futex_ctx *c = run->ctx;
	size_t req = run->p->req, resp = run->p->resp;
	uint64_t seq, bad = 0, notif = 0, intr = 0;
	uint32_t s = 0;
	int rc;

	for (seq = 0;; seq++) {
		uint64_t woke = 0;
		int ph;

		rc = fx_wait(run, &c->req, s, &woke);
		if (rc)
			break;
		s++;
		ph = vb_peer_phase(run);
		if (ph == VB_DONE)
			break;
		memcpy(c->s_req, c->sh_req, req);
		bad += !vb_pat_ok(c->s_req, req, vb_req_pat(seq));
		vb_pat_set(c->s_resp, resp, vb_resp_pat(seq));
		memcpy(c->sh_resp, c->s_resp, resp);
		rc = fx_post(run, &c->resp, s);
		if (rc)
			break;
		if (ph == VB_MEASURE) {
			notif++;
			intr += woke;
		}
	}
	if (rc) {
		/* release the client: it re-checks abort after every wake-up */
		vb_run_abort(run);
		fx_post(run, &c->resp, s + 1);
	}
	run->side[1].bad = bad;
	run->side[1].notifications = notif;
	run->side[1].interrupts = intr;
	return rc;
}

static int fx_rr(const struct vb_params *p, struct vb_result *r)
{
	struct futex_ctx *c;
	struct vb_run run;
	int rc;

	vb_run_init(&run, "futex", "rr", p, r, NULL);
	rc = vb_check_rr(&run);
	if (rc)
		return rc;
	c = vb_zalloc(&run, sizeof(*c));
	if (!c)
		return -ENOMEM;
	atomic_init(&c->req, 0);
	atomic_init(&c->resp, 0);
	c->wait_op = p->procs ? FUTEX_WAIT : FUTEX_WAIT_PRIVATE;
	c->wake_op = p->procs ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE;
	rc = -ENOMEM;
	c->sh_req = vb_zalloc(&run, p->req);
	c->c_req = vb_zalloc(&run, p->req);
	c->s_req = vb_zalloc(&run, p->req);
	c->sh_resp = vb_zalloc(&run, p->resp);
	c->c_resp = vb_zalloc(&run, p->resp);
	c->s_resp = vb_zalloc(&run, p->resp);
	if (c->sh_req && c->c_req && c->s_req && c->sh_resp && c->c_resp && c->s_resp) {
		run.ctx = c;
		rc = vb_run_threads(&run, fx_client, fx_server);
	}
	vb_free(c->sh_req);
	vb_free(c->c_req);
	vb_free(c->s_req);
	vb_free(c->sh_resp);
	vb_free(c->c_resp);
	vb_free(c->s_resp);
	vb_free(c);
	return rc;
}

const struct vb_baseline vb_futex = {
	.name = "futex",
	.desc = "futex word per direction, payload in shared memory, pure blocking ping-pong",
	.rr = fx_rr,
	.stream = NULL,
};
