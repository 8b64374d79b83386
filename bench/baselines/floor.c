/* SPDX-License-Identifier: MIT */
/*
 * bench/baselines/floor.c - "floor": the physical limit of a polling round
 * trip.  Two cache lines: the client writes a sequence number into line A,
 * the server spins until it sees it and writes it into line B, the client
 * spins on B.  One cache-line transfer each way, nothing else.
 *
 * The payload is the 8-byte sequence number itself: req/resp sizes are
 * ignored (a ring that moves more bytes cannot beat this anyway).  The
 * check is exact: the server must see 1, 2, 3, ... and echo each.
 */
#include "baselines.h"
#include "common.h"

#include <errno.h>
#include <stdlib.h>

#include "vrq/barrier.h"

#define FLOOR_STOP UINT64_MAX

struct floor_ctx {
	_Alignas(VB_LINE) _Atomic uint64_t a; /* client -> server */
	_Alignas(VB_LINE) _Atomic uint64_t b; /* server -> client */
};

static int floor_client(struct vb_run *run)
{
	struct floor_ctx *c = run->ctx;
	struct vb_meter m;
	uint64_t seq, v, bad = 0;
	int rc;

	rc = vb_meter_start(&m, run, 0);
	for (seq = 1; !rc; seq++) {
		uint64_t t0 = vb_ticks(), t1;

		/* R1: pairs with A1 in the server */
		atomic_store_explicit(&c->a, seq, memory_order_release);
		/* A2: pairs with R2 in the server */
		while ((v = atomic_load_explicit(&c->b, memory_order_acquire)) == seq - 1)
			vrq_cpu_relax();
		t1 = vb_ticks();
		bad += v != seq;
		if (vb_meter_rr(&m, t0, t1))
			break;
	}
	run->side[0].bad = bad;
	/* R1 (stop): the server leaves on this value */
	atomic_store_explicit(&c->a, FLOOR_STOP, memory_order_release);
	return rc;
}

static int floor_server(struct vb_run *run)
{
	struct floor_ctx *c = run->ctx;
	uint64_t last = 0, v, bad = 0;

	for (;;) {
		/* A1: pairs with R1 in the client */
		while ((v = atomic_load_explicit(&c->a, memory_order_acquire)) == last)
			vrq_cpu_relax();
		if (v == FLOOR_STOP)
			break;
		bad += v != last + 1;
		/* R2: pairs with A2 in the client */
		atomic_store_explicit(&c->b, v, memory_order_release);
		last = v;
	}
	run->side[1].bad = bad;
	return 0;
}

static int floor_rr(const struct vb_params *p, struct vb_result *r)
{
	struct vb_run run;
	struct floor_ctx *c;
	int rc;

	vb_run_init(&run, "floor", "rr", p, r, NULL);
	rc = vb_check_rr(&run);
	if (rc)
		return rc;
	c = vb_zalloc(&run, sizeof(*c));
	if (!c)
		return -ENOMEM;
	atomic_init(&c->a, 0);
	atomic_init(&c->b, 0);
	run.ctx = c;
	rc = vb_run_threads(&run, floor_client, floor_server);
	vb_free(c);
	return rc;
}

const struct vb_baseline vb_floor = {
	.name = "floor",
	.desc = "two-cache-line ping-pong, polling: the floor of any polled round trip (8 bytes)",
	.rr = floor_rr,
	.stream = NULL,
};
