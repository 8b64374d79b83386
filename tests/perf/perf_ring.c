/* SPDX-License-Identifier: MIT */
/*
 * tests/perf/perf_ring.c - one thread plays driver and device over one
 * queue, so that callgrind can count the instructions each entry point
 * costs per buffer (deterministic: no second thread, no clock, no system
 * call in the loop).  Each ring operation is wrapped in a noinline
 * function named after it (op_drv_add, op_dev_pop, ...), so callgrind's
 * per-function table is the per-entry-point cost; op_round is one round
 * trip of @c batch buffers (driver adds and publishes, takes the kick
 * decision; device pops, pushes, publishes, takes the interrupt decision;
 * driver takes the used buffers back), which is what vrq-bench stream's two
 * threads do between them.  Notifications are disabled on both sides, as a
 * polling pair leaves them.
 *
 *   perf_ring [--ring split|packed] [--in-order] [--event-idx] [--batch N]
 *             [--qsize N] [--count N] [--smp] [--peer-polls]
 *
 * --smp uses the fixed-domain entry points (vrq_vq_*_smp()), --peer-polls
 * configures the queue with VRQ_CFG_DRV_POLLS | VRQ_CFG_DEV_POLLS (no
 * notification decisions).  Every token and length is checked: exit 1 on
 * any mismatch, 0 otherwise.  docs/perf-notes.md shows the callgrind
 * command and what it says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrq/vrq.h"

#define NOINLINE __attribute__((noinline))
#define MAXB 256u
#define BUF_DA 0x200000000000ull

static struct vrq_vq_drv drv;
static struct vrq_vq_dev dev;
static int use_smp;
static unsigned long bad;

NOINLINE static int op_drv_add(const struct vrq_sg *sg, void *tok)
{
	return use_smp ? vrq_vq_drv_add_smp(&drv, sg, 1, 0, tok) : vrq_vq_drv_add(&drv, sg, 1, 0, tok);
}

NOINLINE static int op_drv_add_batch(const struct vrq_buf *b, unsigned n)
{
	return use_smp ? vrq_vq_drv_add_batch_smp(&drv, b, n) : vrq_vq_drv_add_batch(&drv, b, n);
}

NOINLINE static void op_drv_publish(void)
{
	if (use_smp)
		vrq_vq_drv_publish_smp(&drv);
	else
		vrq_vq_drv_publish(&drv);
}

NOINLINE static bool op_drv_need_kick(void)
{
	return use_smp ? vrq_vq_drv_need_kick_smp(&drv) : vrq_vq_drv_need_kick(&drv);
}

NOINLINE static int op_dev_pop(struct vrq_chain *c)
{
	return use_smp ? vrq_vq_dev_pop_smp(&dev, c) : vrq_vq_dev_pop(&dev, c);
}

NOINLINE static int op_dev_push(uint16_t head, uint32_t len)
{
	return use_smp ? vrq_vq_dev_push_smp(&dev, head, len) : vrq_vq_dev_push(&dev, head, len);
}

NOINLINE static void op_dev_publish(void)
{
	if (use_smp)
		vrq_vq_dev_publish_smp(&dev);
	else
		vrq_vq_dev_publish(&dev);
}

NOINLINE static bool op_dev_need_notify(void)
{
	return use_smp ? vrq_vq_dev_need_notify_smp(&dev) : vrq_vq_dev_need_notify(&dev);
}

NOINLINE static int op_drv_get_used(void **tok, uint32_t *len)
{
	return use_smp ? vrq_vq_drv_get_used_smp(&drv, tok, len)
		       : vrq_vq_drv_get_used(&drv, tok, len);
}

NOINLINE static int op_drv_get_used_batch(void **toks, unsigned max)
{
	return use_smp ? vrq_vq_drv_get_used_batch_smp(&drv, toks, NULL, max)
		       : vrq_vq_drv_get_used_batch(&drv, toks, NULL, max);
}

/* One round trip of @p batch buffers; @p seq numbers them. */
NOINLINE static void op_round(const struct vrq_sg *sg, unsigned batch, unsigned long *seq)
{
	static struct vrq_buf b[MAXB];
	static void *toks[MAXB];
	struct vrq_seg seg[2];
	struct vrq_chain c;
	unsigned i;
	void *tok;
	uint32_t len;
	int rc;

	if (batch == 1) {
		if (op_drv_add(&sg[*seq % 64], (void *)(uintptr_t)(*seq + 1)))
			bad++;
		op_drv_publish();
		(void)op_drv_need_kick();
	} else {
		for (i = 0; i < batch; i++) {
			b[i].sg = &sg[(*seq + i) % 64];
			b[i].n_out = 1;
			b[i].n_in = 0;
			b[i].token = (void *)(uintptr_t)(*seq + i + 1);
		}
		if (op_drv_add_batch(b, batch) != (int)batch)
			bad++;
		(void)op_drv_need_kick();
	}
	for (i = 0; i < batch; i++) {
		vrq_chain_init(&c, seg, 2);
		rc = op_dev_pop(&c);
		if (rc != 1 || c.n != 1 || seg[0].len != 8 + (*seq + i) % 64)
			bad++;
		if (op_dev_push(c.head, 0))
			bad++;
	}
	op_dev_publish();
	(void)op_dev_need_notify();
	if (batch == 1) {
		if (op_drv_get_used(&tok, &len) != 1 || (uintptr_t)tok != *seq + 1 || len != 0)
			bad++;
	} else {
		if (op_drv_get_used_batch(toks, batch) != (int)batch)
			bad++;
		for (i = 0; i < batch; i++)
			if ((uintptr_t)toks[i] != *seq + i + 1)
				bad++;
	}
	*seq += batch;
}

int main(int argc, char **argv)
{
	const char *ring = "split";
	unsigned batch = 1, qsize = 256, count = 100000, i;
	int in_order = 0, event_idx = 0, peer_polls = 0, rc;
	struct vrq_vq_cfg cfg;
	struct vrq_mem mem;
	struct vrq_sg sg[64];
	static uint8_t bufs[64 * 128];
	unsigned long seq = 0;
	void *mring;

	for (i = 1; i < (unsigned)argc; i++) {
		if (!strcmp(argv[i], "--ring") && i + 1 < (unsigned)argc)
			ring = argv[++i];
		else if (!strcmp(argv[i], "--in-order"))
			in_order = 1;
		else if (!strcmp(argv[i], "--event-idx"))
			event_idx = 1;
		else if (!strcmp(argv[i], "--smp"))
			use_smp = 1;
		else if (!strcmp(argv[i], "--peer-polls"))
			peer_polls = 1;
		else if (!strcmp(argv[i], "--batch") && i + 1 < (unsigned)argc)
			batch = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--qsize") && i + 1 < (unsigned)argc)
			qsize = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--count") && i + 1 < (unsigned)argc)
			count = (unsigned)strtoul(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "perf_ring: unknown or incomplete option %s\n", argv[i]);
			return 2;
		}
	}
	if (strcmp(ring, "split") && strcmp(ring, "packed")) {
		fprintf(stderr, "perf_ring: --ring split|packed\n");
		return 2;
	}
	if (batch == 0 || batch > MAXB || batch > qsize || qsize > 32768) {
		fprintf(stderr, "perf_ring: need 1 <= batch <= min(qsize, %u), qsize <= 32768\n", MAXB);
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.kind = strcmp(ring, "packed") ? VRQ_RING_SPLIT : VRQ_RING_PACKED;
	cfg.size = (uint16_t)qsize;
	cfg.features = VRQ_FEATURE(VRQ_F_VERSION_1) |
		       (event_idx ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0) |
		       (in_order ? VRQ_FEATURE(VRQ_F_IN_ORDER) : 0);
	cfg.domain = VRQ_DOM_SMP;
	cfg.flags = peer_polls ? VRQ_CFG_DRV_POLLS | VRQ_CFG_DEV_POLLS : 0;
	cfg.area_align = 64;
	if (posix_memalign(&mring, 4096, vrq_vq_ring_bytes(cfg.kind, cfg.size, 64) + 4096))
		return 1;
	memset(mring, 0, vrq_vq_ring_bytes(cfg.kind, cfg.size, 64));
	cfg.ring = mring;
	vrq_mem_init(&mem);
	if (vrq_mem_add(&mem, 0, BUF_DA, bufs, sizeof(bufs), 0))
		return 1;
	cfg.mem = &mem;
	rc = vrq_vq_drv_init(&drv, &cfg);
	if (!rc)
		rc = vrq_vq_dev_init(&dev, &cfg);
	if (rc) {
		fprintf(stderr, "perf_ring: init: %s\n", vrq_strerror(rc));
		return 1;
	}
	/* a polling pair: neither side asks for notifications */
	vrq_vq_drv_disable_cb(&drv);
	vrq_vq_dev_disable_kick(&dev);
	for (i = 0; i < 64; i++) {
		sg[i].addr = BUF_DA + i * 128u;
		sg[i].len = 8 + i; /* checked at pop */
	}
	for (i = 0; i < count; i++)
		op_round(sg, batch, &seq);
	printf("perf_ring: %s%s%s batch %u qsize %u: %lu buffers, %lu errors\n", ring,
	       in_order ? " in_order" : "", event_idx ? " event_idx" : "", batch, qsize, seq, bad);
	vrq_vq_drv_fini(&drv);
	vrq_vq_dev_fini(&dev);
	free(mring);
	return bad ? 1 : 0;
}
