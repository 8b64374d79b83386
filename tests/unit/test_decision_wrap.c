/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_decision_wrap.c - kick and interrupt decisions after
 * 2^16 or more publishes without a decision in between.
 *
 * The decision covers everything published since the previous decision.
 * The 16-bit indices (split avail / used idx) and the packed positions
 * cannot tell "nothing new" from "a multiple of 2^16 new", so the roles
 * keep a private 64-bit count of what was published since the last
 * decision.  For every ring (split, packed), role (driver: kick; device:
 * interrupt), notification mode (EVENT_IDX, flags) and a few sizes and
 * IN_ORDER settings:
 *
 *   1. the peer enables notifications (enable_kick / enable_cb: it is
 *      going to sleep) and never decides or re-enables again;
 *   2. the caller publishes N buffers, one buffer per publish, with no
 *      decision in between; the peer consumes each one (the rings hold
 *      only `size` buffers in flight), without taking any decision;
 *   3. the caller decides: it MUST say "notify", exactly once (counters),
 *      and a second decision with nothing new says "no".
 *
 * N = 65535, 65536, 65537, 131072.  Then the same with the peer having
 * DISABLED notifications in flags mode (no notification is ever due: the
 * decision must stay "no" whatever N) and in EVENT_IDX mode for split
 * (the disable index is 2^16 - 1 entries ahead: due once 65536 entries
 * were written, so "yes" exactly from N = 65536 on).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrq_test.h"

#define BUF_BYTES 4096u

static const uint32_t counts[] = {65535, 65536, 65537, 131072};
#define N_COUNTS (sizeof(counts) / sizeof(counts[0]))

enum role { ROLE_DRV_KICK, ROLE_DEV_IRQ };
enum peer { PEER_SLEEPS, PEER_DISABLED };

/* One buffer through the ring: add + publish (driver), pop + push +
 * publish (device), get_used (driver).  No decision on either side. */
static int cycle(struct vrq_test_vpair *p, uint32_t i, const char *name)
{
	struct vrq_sg sg = {VRQ_TEST_BUF_DA + 16u * (i % 64), 16};
	struct vrq_seg seg[4];
	struct vrq_chain c;
	void *tok = NULL;
	uint32_t len = 0;

	CHECK_EQ_OUT(vrq_vq_drv_add(&p->drv, &sg, 0, 1, (void *)(uintptr_t)(i + 1)), 0);
	vrq_vq_drv_publish(&p->drv);
	vrq_chain_init(&c, seg, 4);
	CHECK_EQ_OUT(vrq_vq_dev_pop(&p->dev, &c), 1);
	CHECK_EQ_OUT(vrq_vq_dev_push(&p->dev, c.head, 8), 0);
	vrq_vq_dev_publish(&p->dev);
	CHECK_EQ_OUT(vrq_vq_drv_get_used(&p->drv, &tok, &len), 1);
	CHECK_OUT(tok == (void *)(uintptr_t)(i + 1));
	CHECK_EQ_OUT(len, 8);
	return 0;
out:
	return -1;
}

static int run(const struct vrq_test_vcfg *tc, enum role role, enum peer peer, uint32_t n)
{
	struct vrq_test_vpair p;
	char cfgs[96], buf[192];
	const char *name = buf;
	const struct vrq_drv_stats *ds;
	const struct vrq_dev_stats *vs;
	bool want, got;
	uint32_t i;
	int rc = -1;

	vrq_test_vcfg_str(tc, cfgs, sizeof(cfgs));
	snprintf(buf, sizeof(buf), "%s %s, peer %s, %u publishes", cfgs,
		 role == ROLE_DRV_KICK ? "driver kick" : "device interrupt",
		 peer == PEER_SLEEPS ? "sleeping" : "disabled", n);
	if (vrq_test_vpair_init(&p, tc, BUF_BYTES)) {
		fprintf(stderr, "[%s] pair init failed\n", name);
		vrq_test_failures++;
		vrq_test_vpair_fini(&p);
		return -1;
	}
	ds = vrq_vq_drv_stats(&p.drv);
	vs = vrq_vq_dev_stats(&p.dev);
	/* the peer arms (nothing pending: the re-check says "sleep") or disarms */
	if (role == ROLE_DRV_KICK) {
		if (peer == PEER_SLEEPS)
			CHECK_OUT(!vrq_vq_dev_enable_kick(&p.dev));
		else
			vrq_vq_dev_disable_kick(&p.dev);
	} else {
		if (peer == PEER_SLEEPS)
			CHECK_OUT(!vrq_vq_drv_enable_cb(&p.drv));
		else
			vrq_vq_drv_disable_cb(&p.drv);
	}
	for (i = 0; i < n; i++)
		if (cycle(&p, i, name))
			goto out;
	CHECK_EQ_OUT(ds->kicks + ds->kicks_suppressed, 0);
	CHECK_EQ_OUT(vs->notifies + vs->notifies_suppressed, 0);

	if (peer == PEER_SLEEPS)
		want = true;
	else if (tc->event_idx && tc->kind == VRQ_RING_SPLIT)
		want = n >= 65536; /* the disable index (last - 1) is written at the 65536th */
	else
		want = false; /* flags, or packed DISABLE: never due */

	got = role == ROLE_DRV_KICK ? vrq_vq_drv_need_kick(&p.drv) : vrq_vq_dev_need_notify(&p.dev);
	CHECK_EQ_OUT(got, want);
	if (role == ROLE_DRV_KICK) {
		CHECK_EQ_OUT(ds->kicks, want);
		CHECK_EQ_OUT(ds->kicks_suppressed, !want);
		/* nothing new since: no decision to take */
		CHECK_OUT(!vrq_vq_drv_need_kick(&p.drv));
		CHECK_EQ_OUT(ds->kicks + ds->kicks_suppressed, 1);
	} else {
		CHECK_EQ_OUT(vs->notifies, want);
		CHECK_EQ_OUT(vs->notifies_suppressed, !want);
		CHECK_OUT(!vrq_vq_dev_need_notify(&p.dev));
		CHECK_EQ_OUT(vs->notifies + vs->notifies_suppressed, 1);
	}
	if (peer == PEER_SLEEPS) {
		/* The window starts again after the decision.  One more buffer
		 * with the peer still armed where it was: flags mode says yes;
		 * EVENT_IDX says yes only if this buffer lands on the armed
		 * index again (split: entry n mod 2^16 == 0; packed: descriptor
		 * n at position 0 in a lap with wrap counter 1). */
		bool again = !tc->event_idx ||
			     (tc->kind == VRQ_RING_SPLIT ? n % 65536u == 0 : n % (2u * tc->size) == 0);

		if (cycle(&p, n, name))
			goto out;
		got = role == ROLE_DRV_KICK ? vrq_vq_drv_need_kick(&p.drv)
					    : vrq_vq_dev_need_notify(&p.dev);
		CHECK_EQ_OUT(got, again);
	}
	rc = 0;
out:
	vrq_test_vpair_fini(&p);
	if (rc)
		fprintf(stderr, "FAILED: %s\n", name);
	return rc;
}

int main(void)
{
	static const uint16_t sizes[] = {1, 256, 32768};
	unsigned i, runs = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* ring x size (x IN_ORDER at 256) x EVENT_IDX x role x peer x count */
	for (i = 0; i < 2 * 4 * 2 * 2 * 2 * N_COUNTS; i++) {
		unsigned x = i, c = x % N_COUNTS, pe, r, ev, sz;
		struct vrq_test_vcfg tc;

		x /= N_COUNTS;
		pe = x % 2, x /= 2;
		r = x % 2, x /= 2;
		ev = x % 2, x /= 2;
		sz = x % 4, x /= 4; /* 0: 1, 1: 256, 2: 256 IN_ORDER, 3: 32768 */
		memset(&tc, 0, sizeof(tc));
		tc.kind = x ? VRQ_RING_PACKED : VRQ_RING_SPLIT;
		tc.size = sizes[sz < 2 ? sz : sz - 1];
		tc.in_order = sz == 2;
		tc.event_idx = (int)ev;
		run(&tc, (enum role)r, (enum peer)pe, counts[c]);
		runs++;
	}
	printf("test_decision_wrap: %u runs\n", runs);
	return vrq_test_done("test_decision_wrap");
}
