/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_fixed_domain.c - the fixed-domain entry points
 * (vrq_*_smp(), vrq_vq_*_smp()).
 *
 *  1. Same bytes: over the {split, packed} x sizes x features matrix, one
 *     pair driven through the run-time entry points and one through the
 *     _smp ones run the same operations (single and batched adds of one to
 *     three segments, pops, pushes with varying lengths, publishes,
 *     decisions, enable / disable on both sides, gets): every return value,
 *     token, length, chain and counter is equal, and so are the ring
 *     memories, byte for byte, after every round.
 *  2. Refusal: on a VRQ_DOM_IO queue (and VRQ_DOM_NONCOH for split, where
 *     the architecture supports it) every _smp call refuses: int calls
 *     return -VRQ_EINVAL, bool calls true, peeks true, the queue is then
 *     broken with -VRQ_EINVAL, and the ring memory is left untouched.
 */
#include "vrq_test.h"

#define BUF 4096u

static int scale_rounds(void)
{
	const char *s = getenv("VRQ_TEST_SCALE");
	double f = s ? atof(s) : 1.0;
	int n = (int)(40 * f);

	return n < 4 ? 4 : n;
}

/* Run one round on pair p, through _smp (smp != 0) or the run-time calls;
 * log every observable into out[] (compared between the two pairs). */
static unsigned round_ops(struct vrq_test_vpair *p, int smp, unsigned round, int64_t *out)
{
	struct vrq_vq_drv *d = &p->drv;
	struct vrq_vq_dev *v = &p->dev;
	struct vrq_sg sg[3 * 8];
	struct vrq_buf b[8];
	struct vrq_seg seg[4];
	struct vrq_chain c;
	void *toks[8];
	uint32_t lens[8];
	unsigned n = 0, k, nb = 1 + round % 5, i;
	int rc;

	for (k = 0; k < 3 * 8; k++) {
		sg[k].addr = VRQ_TEST_BUF_DA + ((round * 7 + k) % 32) * 64;
		sg[k].len = 16 + (uint32_t)((round + k) % 48);
	}
	if (nb > p->tc.size)
		nb = p->tc.size;
	if (round % 2) {
		for (k = 0; k < nb; k++) {
			b[k].sg = &sg[3 * k];
			b[k].n_out = (uint16_t)(1 + (round + k) % 2);
			b[k].n_in = (uint16_t)((round + k) % 2);
			if (b[k].n_out + b[k].n_in > p->tc.size)
				b[k].n_out = 1, b[k].n_in = 0;
			b[k].token = (void *)(uintptr_t)(round * 16 + k + 1);
		}
		out[n++] = smp ? vrq_vq_drv_add_batch_smp(d, b, nb) : vrq_vq_drv_add_batch(d, b, nb);
	} else {
		for (k = 0; k < nb; k++) {
			unsigned no = 1 + (round + k) % 2, ni = (round + k) % 2;

			if (no + ni > p->tc.size)
				no = 1, ni = 0;
			out[n++] = smp ? vrq_vq_drv_add_smp(d, &sg[3 * k], no, ni,
							    (void *)(uintptr_t)(round * 16 + k + 1))
				       : vrq_vq_drv_add(d, &sg[3 * k], no, ni,
							(void *)(uintptr_t)(round * 16 + k + 1));
		}
		if (smp)
			vrq_vq_drv_publish_smp(d);
		else
			vrq_vq_drv_publish(d);
	}
	out[n++] = smp ? vrq_vq_drv_need_kick_smp(d) : vrq_vq_drv_need_kick(d);
	out[n++] = smp ? vrq_vq_dev_has_avail_smp(v) : vrq_vq_dev_has_avail(v);
	for (i = 0; i < 8; i++) {
		vrq_chain_init(&c, seg, 4);
		rc = smp ? vrq_vq_dev_pop_smp(v, &c) : vrq_vq_dev_pop(v, &c);
		out[n++] = rc;
		if (rc != 1)
			break;
		out[n++] = c.head;
		out[n++] = c.n;
		out[n++] = c.out_len;
		out[n++] = c.in_len;
		out[n++] = (int64_t)seg[0].addr;
		out[n++] = smp ? vrq_vq_dev_push_smp(v, c.head, c.in_len / 2)
			       : vrq_vq_dev_push(v, c.head, c.in_len / 2);
	}
	if (round % 3 == 0) {
		out[n++] = smp ? vrq_vq_dev_notify_prepare_smp(v) : vrq_vq_dev_notify_prepare(v);
	} else {
		if (smp)
			vrq_vq_dev_publish_smp(v);
		else
			vrq_vq_dev_publish(v);
		out[n++] = smp ? vrq_vq_dev_need_notify_smp(v) : vrq_vq_dev_need_notify(v);
	}
	out[n++] = smp ? vrq_vq_drv_has_used_smp(d) : vrq_vq_drv_has_used(d);
	if (round % 2) {
		rc = smp ? vrq_vq_drv_get_used_batch_smp(d, toks, lens, 8)
			 : vrq_vq_drv_get_used_batch(d, toks, lens, 8);
		out[n++] = rc;
		for (k = 0; rc > 0 && k < (unsigned)rc; k++) {
			out[n++] = (int64_t)(uintptr_t)toks[k];
			out[n++] = lens[k];
		}
	} else {
		for (;;) {
			rc = smp ? vrq_vq_drv_get_used_smp(d, &toks[0], &lens[0])
				 : vrq_vq_drv_get_used(d, &toks[0], &lens[0]);
			out[n++] = rc;
			if (rc != 1)
				break;
			out[n++] = (int64_t)(uintptr_t)toks[0];
			out[n++] = lens[0];
		}
	}
	/* the wait loop's calls */
	if (round % 4 == 1) {
		out[n++] = smp ? vrq_vq_drv_enable_cb_smp(d) : vrq_vq_drv_enable_cb(d);
		out[n++] = smp ? vrq_vq_dev_enable_kick_smp(v) : vrq_vq_dev_enable_kick(v);
	} else if (round % 4 == 3) {
		if (smp) {
			vrq_vq_drv_disable_cb_smp(d);
			vrq_vq_dev_disable_kick_smp(v);
		} else {
			vrq_vq_drv_disable_cb(d);
			vrq_vq_dev_disable_kick(v);
		}
	}
	return n;
}

static int same_bytes(const struct vrq_test_vcfg *tc)
{
	struct vrq_test_vpair a, b;
	int64_t oa[256], ob[256];
	unsigned r, na, nb, rounds = (unsigned)scale_rounds(), i;
	char name[128];
	int rc = -1;

	vrq_test_vcfg_str(tc, name, sizeof(name));
	if (vrq_test_vpair_init(&a, tc, BUF) || vrq_test_vpair_init(&b, tc, BUF)) {
		fprintf(stderr, "[%s] init failed\n", name);
		vrq_test_failures++;
		return -1;
	}
	for (r = 0; r < rounds; r++) {
		na = round_ops(&a, 0, r, oa);
		nb = round_ops(&b, 1, r, ob);
		CHECK_EQ_OUT(na, nb);
		for (i = 0; i < na; i++)
			if (oa[i] != ob[i]) {
				fprintf(stderr, "[%s] round %u result %u: %lld vs %lld\n", name, r, i,
					(long long)oa[i], (long long)ob[i]);
				vrq_test_failures++;
				goto out;
			}
		CHECK_OUT(memcmp(a.ring_mem, b.ring_mem, a.ring_bytes) == 0);
	}
	CHECK_OUT(memcmp(vrq_vq_drv_stats(&a.drv), vrq_vq_drv_stats(&b.drv),
			 sizeof(struct vrq_drv_stats)) == 0);
	CHECK_OUT(memcmp(vrq_vq_dev_stats(&a.dev), vrq_vq_dev_stats(&b.dev),
			 sizeof(struct vrq_dev_stats)) == 0);
	CHECK_OUT(vrq_vq_drv_stats(&a.drv)->completed > 0);
	rc = 0;
out:
	vrq_test_vpair_fini(&a);
	vrq_test_vpair_fini(&b);
	return rc;
}

static int refused(enum vrq_ring_kind kind, enum vrq_domain dom)
{
	struct vrq_test_vcfg tc = {kind, 16, 1, 1, 0};
	struct vrq_test_vpair p;
	struct vrq_sg sg = {VRQ_TEST_BUF_DA, 64};
	struct vrq_buf b = {&sg, 1, 0, (void *)1};
	struct vrq_seg seg[2];
	struct vrq_chain c;
	uint8_t *snap = NULL;
	void *tok;
	uint32_t len;
	const char *name = dom == VRQ_DOM_IO ? "IO" : "NONCOH";
	int rc = -1;

	if (vrq_test_vpair_init(&p, &tc, BUF))
		return -1;
	vrq_vq_drv_fini(&p.drv);
	vrq_vq_dev_fini(&p.dev);
	p.cfg.domain = dom;
	if (vrq_vq_drv_init(&p.drv, &p.cfg) || vrq_vq_dev_init(&p.dev, &p.cfg)) {
		/* NONCOH on a ring whose areas are off this machine's granule */
		rc = dom == VRQ_DOM_NONCOH ? 0 : -1;
		if (rc)
			vrq_test_failures++;
		free(p.ring_mem);
		free(p.buf_mem);
		return rc;
	}
	/* one buffer through the run-time calls: something for the device */
	CHECK_EQ_OUT(vrq_vq_drv_add(&p.drv, &sg, 1, 0, (void *)1), 0);
	vrq_vq_drv_publish(&p.drv);
	snap = (uint8_t *)malloc(p.ring_bytes);
	CHECK_OUT(snap != NULL);
	memcpy(snap, p.ring_mem, p.ring_bytes);

	CHECK_OUT(vrq_vq_drv_has_used_smp(&p.drv));
	CHECK_OUT(vrq_vq_dev_has_avail_smp(&p.dev));
	CHECK_EQ_OUT(vrq_vq_drv_broken(&p.drv), 0); /* peeks stop nothing */
	CHECK_EQ_OUT(vrq_vq_drv_add_smp(&p.drv, &sg, 1, 0, (void *)2), -VRQ_EINVAL);
	CHECK_EQ_OUT(vrq_vq_drv_broken(&p.drv), -VRQ_EINVAL);
	CHECK_EQ_OUT(vrq_vq_drv_add_batch_smp(&p.drv, &b, 1), -VRQ_EINVAL);
	vrq_vq_drv_publish_smp(&p.drv);
	CHECK_OUT(vrq_vq_drv_need_kick_smp(&p.drv));
	CHECK_OUT(vrq_vq_drv_kick_prepare_smp(&p.drv));
	CHECK_EQ_OUT(vrq_vq_drv_get_used_smp(&p.drv, &tok, &len), -VRQ_EINVAL);
	CHECK_EQ_OUT(vrq_vq_drv_get_used_batch_smp(&p.drv, &tok, &len, 1), -VRQ_EINVAL);
	CHECK_OUT(vrq_vq_drv_enable_cb_smp(&p.drv));
	vrq_vq_drv_disable_cb_smp(&p.drv);
	vrq_chain_init(&c, seg, 2);
	CHECK_EQ_OUT(vrq_vq_dev_pop_smp(&p.dev, &c), -VRQ_EINVAL);
	CHECK_EQ_OUT(vrq_vq_dev_broken(&p.dev), -VRQ_EINVAL);
	CHECK_EQ_OUT(vrq_vq_dev_push_smp(&p.dev, 0, 0), -VRQ_EINVAL);
	vrq_vq_dev_publish_smp(&p.dev);
	CHECK_OUT(vrq_vq_dev_need_notify_smp(&p.dev));
	CHECK_OUT(vrq_vq_dev_notify_prepare_smp(&p.dev));
	CHECK_OUT(vrq_vq_dev_enable_kick_smp(&p.dev));
	vrq_vq_dev_disable_kick_smp(&p.dev);
	CHECK_OUT(memcmp(snap, p.ring_mem, p.ring_bytes) == 0);
	/* the run-time calls see the stopped queue too */
	CHECK_EQ_OUT(vrq_vq_drv_add(&p.drv, &sg, 1, 0, (void *)3), -VRQ_EINVAL);
	vrq_chain_init(&c, seg, 2);
	CHECK_EQ_OUT(vrq_vq_dev_pop(&p.dev, &c), -VRQ_EINVAL);
	rc = 0;
out:
	free(snap);
	vrq_test_vpair_fini(&p);
	return rc;
}

/* A void call alone stops the queue: publish_smp on an IO queue. */
static int refused_void(enum vrq_ring_kind kind)
{
	struct vrq_test_vcfg tc = {kind, 8, 0, 0, 0};
	struct vrq_test_vpair p;
	struct vrq_sg sg = {VRQ_TEST_BUF_DA, 64};
	const char *name = kind == VRQ_RING_PACKED ? "packed void" : "split void";
	int rc = -1;

	if (vrq_test_vpair_init(&p, &tc, BUF))
		return -1;
	vrq_vq_drv_fini(&p.drv);
	p.cfg.domain = VRQ_DOM_IO;
	CHECK_OUT(vrq_vq_drv_init(&p.drv, &p.cfg) == 0);
	CHECK_EQ_OUT(vrq_vq_drv_add(&p.drv, &sg, 1, 0, (void *)1), 0);
	vrq_vq_drv_publish_smp(&p.drv);
	CHECK_EQ_OUT(vrq_vq_drv_broken(&p.drv), -VRQ_EINVAL);
	CHECK_OUT(!vrq_vq_dev_has_avail(&p.dev)); /* nothing was published */
	rc = 0;
out:
	vrq_test_vpair_fini(&p);
	return rc;
}

int main(void)
{
	unsigned n = 0;

	VRQ_FOR_EACH_VCONFIG(tc)
	{
		if (tc.size > 1024)
			continue; /* the sizes that wrap within the rounds */
		same_bytes(&tc);
		n++;
	}
	refused(VRQ_RING_SPLIT, VRQ_DOM_IO);
	refused(VRQ_RING_PACKED, VRQ_DOM_IO);
	if (vrq_domain_supported(VRQ_DOM_NONCOH))
		refused(VRQ_RING_SPLIT, VRQ_DOM_NONCOH);
	refused_void(VRQ_RING_SPLIT);
	refused_void(VRQ_RING_PACKED);
	printf("%u configurations compared\n", n);
	return vrq_test_done("test_fixed_domain");
}
