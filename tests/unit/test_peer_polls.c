/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_peer_polls.c - VRQ_CFG_DEV_POLLS / VRQ_CFG_DRV_POLLS
 * ("sticky poll", types.h): a receiver that promised never to sleep costs
 * its publisher no notification decision.
 *
 * The fences of the notification protocol are counted through the test
 * hooks that sit right before them (f1_pre .. f4_pre, barrier.h).  Over
 * split and packed, EVENT_IDX on and off, each combination of the two
 * flags, run-time and fixed-domain (_smp) entry points:
 *  1. N round trips with both sides' notifications disabled: F1 runs N
 *     times without DEV_POLLS and never with it, F2 likewise with
 *     DRV_POLLS; every decision is counted as suppressed either way.
 *  2. The receiver's area says "notify me" (its enable ran, or is written
 *     by hand on the promising side): without the flag the decision says
 *     notify (through the fence), with it the answer stays "no" and no
 *     fence runs - the publisher does not even read the area.
 *  3. On the promising side enable_cb() / enable_kick() write nothing to
 *     the ring (its bytes are compared), run no fence and return true
 *     ("work pending": no wait loop can sleep through them).
 */
static unsigned long hits[8];
#define VRQ_TEST_HOOK(p) (hits[HOOK_##p]++)
enum { HOOK_f1_pre = 1, HOOK_f2_pre, HOOK_f3_pre, HOOK_f3_post, HOOK_f4_pre, HOOK_f4_post };

#include "vrq_test.h"

#define N 100u

struct run {
	enum vrq_ring_kind kind;
	int event_idx, smp;
	uint32_t flags;
};

static void name_of(const struct run *r, char *b, size_t n)
{
	snprintf(b, n, "%s event_idx=%d %s flags=%s%s", r->kind == VRQ_RING_PACKED ? "packed" : "split",
		 r->event_idx, r->smp ? "smp" : "runtime",
		 r->flags & VRQ_CFG_DEV_POLLS ? "DEV_POLLS " : "",
		 r->flags & VRQ_CFG_DRV_POLLS ? "DRV_POLLS" : "");
}

static bool kick_prepare(struct vrq_vq_drv *d, int smp)
{
	return smp ? vrq_vq_drv_kick_prepare_smp(d) : vrq_vq_drv_kick_prepare(d);
}

static bool notify_prepare(struct vrq_vq_dev *v, int smp)
{
	return smp ? vrq_vq_dev_notify_prepare_smp(v) : vrq_vq_dev_notify_prepare(v);
}

/* one buffer there and back; returns the two decisions in *k / *i */
static int round_trip(struct vrq_test_vpair *p, int smp, uint64_t seq, bool *k, bool *i)
{
	struct vrq_sg sg = {VRQ_TEST_BUF_DA + (seq % 16) * 64, 64};
	struct vrq_seg seg[2];
	struct vrq_chain c;
	void *tok = NULL;
	uint32_t len = 1;

	CHECK_EQ(smp ? vrq_vq_drv_add_smp(&p->drv, &sg, 0, 1, (void *)(uintptr_t)(seq + 1))
		     : vrq_vq_drv_add(&p->drv, &sg, 0, 1, (void *)(uintptr_t)(seq + 1)),
		 0);
	*k = kick_prepare(&p->drv, smp);
	vrq_chain_init(&c, seg, 2);
	CHECK_EQ(smp ? vrq_vq_dev_pop_smp(&p->dev, &c) : vrq_vq_dev_pop(&p->dev, &c), 1);
	CHECK_EQ(c.in_len, 64);
	CHECK_EQ(smp ? vrq_vq_dev_push_smp(&p->dev, c.head, 7) : vrq_vq_dev_push(&p->dev, c.head, 7),
		 0);
	*i = notify_prepare(&p->dev, smp);
	CHECK_EQ(smp ? vrq_vq_drv_get_used_smp(&p->drv, &tok, &len)
		     : vrq_vq_drv_get_used(&p->drv, &tok, &len),
		 1);
	CHECK_EQ((uintptr_t)tok, seq + 1);
	CHECK_EQ(len, 7);
	return 0;
}

static int run_one(const struct run *r)
{
	struct vrq_test_vcfg tc = {r->kind, 16, r->event_idx, 0, 0};
	struct vrq_test_vpair p;
	int dev_polls = !!(r->flags & VRQ_CFG_DEV_POLLS);
	int drv_polls = !!(r->flags & VRQ_CFG_DRV_POLLS);
	const struct vrq_drv_stats *ds;
	const struct vrq_dev_stats *vs;
	uint8_t *snap = NULL;
	uint64_t seq = 0;
	unsigned j;
	bool k, i;
	char name[128];
	int rc = -1;

	name_of(r, name, sizeof(name));
	if (vrq_test_vpair_init(&p, &tc, 4096)) {
		fprintf(stderr, "[%s] pair init failed\n", name);
		vrq_test_failures++;
		return -1;
	}
	/* both roles get the same flags: re-init with them */
	vrq_vq_drv_fini(&p.drv);
	vrq_vq_dev_fini(&p.dev);
	p.cfg.flags = r->flags;
	CHECK_OUT(vrq_vq_drv_init(&p.drv, &p.cfg) == 0 && vrq_vq_dev_init(&p.dev, &p.cfg) == 0);
	CHECK_EQ_OUT(vrq_vq_drv_polls(&p.drv), drv_polls);
	CHECK_EQ_OUT(vrq_vq_dev_polls(&p.dev), dev_polls);
	ds = vrq_vq_drv_stats(&p.drv);
	vs = vrq_vq_dev_stats(&p.dev);
	vrq_vq_drv_disable_cb(&p.drv);
	vrq_vq_dev_disable_kick(&p.dev);

	/* 1. polling pair: decisions suppressed, fences only without the flag */
	memset(hits, 0, sizeof(hits));
	for (j = 0; j < N; j++) {
		CHECK_OUT(round_trip(&p, r->smp, seq++, &k, &i) == 0);
		CHECK_OUT(!k && !i);
	}
	CHECK_EQ_OUT(hits[HOOK_f1_pre], dev_polls ? 0 : N);
	CHECK_EQ_OUT(hits[HOOK_f2_pre], drv_polls ? 0 : N);
	CHECK_EQ_OUT(ds->kicks_suppressed, N);
	CHECK_EQ_OUT(ds->kicks, 0);
	CHECK_EQ_OUT(vs->notifies_suppressed, N);
	CHECK_EQ_OUT(vs->notifies, 0);

	/* 3. enable on each side: arms (one fence, returns false: nothing
	 * pending) or, on the promising side, writes nothing and says true */
	snap = (uint8_t *)malloc(p.ring_area_bytes);
	CHECK_OUT(snap != NULL);
	memcpy(snap, p.ring_mem, p.ring_area_bytes);
	memset(hits, 0, sizeof(hits));
	k = r->smp ? vrq_vq_drv_enable_cb_smp(&p.drv) : vrq_vq_drv_enable_cb(&p.drv);
	CHECK_EQ_OUT(k, drv_polls);
	CHECK_EQ_OUT(hits[HOOK_f3_pre], drv_polls ? 0 : 1);
	i = r->smp ? vrq_vq_dev_enable_kick_smp(&p.dev) : vrq_vq_dev_enable_kick(&p.dev);
	CHECK_EQ_OUT(i, dev_polls);
	CHECK_EQ_OUT(hits[HOOK_f4_pre], dev_polls ? 0 : 1);
	if (drv_polls && dev_polls)
		CHECK_OUT(memcmp(snap, p.ring_mem, p.ring_area_bytes) == 0);

	/* 2. the areas now say "notify me" where the flag is off; on the
	 * promising side say so by hand (a peer that broke its promise): the
	 * publisher must not look */
	if (drv_polls) {
		if (r->kind == VRQ_RING_SPLIT) {
			p.drv.split.avail->flags = 0;
			*p.drv.split.used_event = vrq_cpu_to_le16(p.drv.split.last_used);
		} else {
			memset(p.drv.packed.drv_ev, 0, sizeof(*p.drv.packed.drv_ev)); /* ENABLE */
		}
	}
	if (dev_polls) {
		if (r->kind == VRQ_RING_SPLIT) {
			p.dev.split.used->flags = 0;
			*p.dev.split.avail_event = vrq_cpu_to_le16(p.dev.split.last_avail);
		} else {
			memset(p.dev.packed.dev_ev, 0, sizeof(*p.dev.packed.dev_ev));
		}
	}
	memset(hits, 0, sizeof(hits));
	CHECK_OUT(round_trip(&p, r->smp, seq++, &k, &i) == 0);
	CHECK_EQ_OUT(k, !dev_polls);
	CHECK_EQ_OUT(i, !drv_polls);
	CHECK_EQ_OUT(hits[HOOK_f1_pre], dev_polls ? 0 : 1);
	CHECK_EQ_OUT(hits[HOOK_f2_pre], drv_polls ? 0 : 1);
	CHECK_EQ_OUT(ds->kicks, dev_polls ? 0 : 1);
	CHECK_EQ_OUT(vs->notifies, drv_polls ? 0 : 1);
	CHECK_EQ_OUT(ds->kicks_suppressed, N + (unsigned)dev_polls);
	CHECK_EQ_OUT(vs->notifies_suppressed, N + (unsigned)drv_polls);
	rc = 0;
out:
	free(snap);
	vrq_test_vpair_fini(&p);
	return rc;
}

int main(void)
{
	static const uint32_t flag_sets[] = {0, VRQ_CFG_DEV_POLLS, VRQ_CFG_DRV_POLLS,
					     VRQ_CFG_DEV_POLLS | VRQ_CFG_DRV_POLLS};
	unsigned kind, ev, smp, f, runs = 0;

	for (kind = 0; kind < 2; kind++)
		for (ev = 0; ev < 2; ev++)
			for (smp = 0; smp < 2; smp++)
				for (f = 0; f < 4; f++) {
					struct run r = {kind ? VRQ_RING_PACKED : VRQ_RING_SPLIT,
							(int)ev, (int)smp, flag_sets[f]};

					run_one(&r);
					runs++;
				}
	printf("%u configurations\n", runs);
	return vrq_test_done("test_peer_polls");
}
