/* SPDX-License-Identifier: MIT */
/*
 * tests/perf/perfgate.c - the workload of the CI performance gate
 * (scripts/perfgate.sh).
 *
 * One thread drives both roles of a split and a packed ring (queue size
 * 256, EVENT_IDX, SMP domain) through N rounds; each round calls every
 * operation below exactly once, each in its own non-inlined function so
 * that callgrind's inclusive instruction count of the function, divided
 * by N, is the cost of one operation:
 *
 *   pg_<ring>_add_publish       driver: add a 2-segment buffer, publish
 *   pg_<ring>_kick_decision     driver: need_kick
 *   pg_<ring>_pop_push_publish  device: pop, push, publish
 *   pg_<ring>_irq_decision      device: need_notify
 *   pg_<ring>_get_used          driver: get_used
 *
 * and, when built with the RPMsg layer (VRQ_PERFGATE_RPMSG), a host and a
 * remote bus over one shared-memory link in the same thread (poll
 * backend, 512-byte buffers):
 *
 *   pg_rpmsg_send_copy          host: vrq_rpmsg_send() of 64 bytes
 *   pg_rpmsg_recv               remote: vrq_rpmsg_poll() of that message
 *                               (parse, endpoint lookup, callback, buffer
 *                               back to the host)
 *   pg_rpmsg_send_nocopy        host: get_tx_buffer + send_nocopy of 64 B
 *   pg_rpmsg_send_batch32       host: get_tx_buffers + send_nocopy_batch of
 *                               32 messages of 64 B (per call, not per message)
 *
 * Everything is deterministic: the same binary and N give the same counts
 * on every run, whatever else the machine does.
 *
 * -DVRQ_PERFGATE_INJECT=1 builds the same program with an extra full
 * fence and a 256-byte copy in every operation: the regression the gate
 * must catch (tests/perf/gate_catches.sh).
 *
 *   vrq-perfgate [N]      N rounds (default 10000); exit 0, or 1 on a
 *                         wrong result (the ring misbehaved)
 *   vrq-perfgate --list   the operations this build measures, one a line
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vrq/vrq.h>
#if VRQ_PERFGATE_RPMSG
#include "rpmsg/rpmsg_pair.h"
#endif

#define QSIZE 256
#define BUF_DA 0x10000000ull
#define BUF_BYTES (QSIZE * 128)

#ifndef VRQ_PERFGATE_INJECT
#define VRQ_PERFGATE_INJECT 0
#endif
#ifndef VRQ_PERFGATE_RPMSG
#define VRQ_PERFGATE_RPMSG 0
#endif

#define PG_OP __attribute__((noinline)) void

static unsigned char bufs[BUF_BYTES] __attribute__((aligned(64)));
static struct vrq_mem mem;

static struct vrq_split_drv sdrv;
static struct vrq_split_dev sdev;
static struct vrq_packed_drv pdrv;
static struct vrq_packed_dev pdev;

static struct vrq_seg segs[4];
static struct vrq_chain chain;
static unsigned long long errors, kicks, irqs;
static uint64_t next_buf;

#if VRQ_PERFGATE_INJECT
static unsigned char inj_src[256], inj_dst[256];

/* the injected regression: a full fence and a copy nobody needed */
static inline void pg_inject(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(inj_dst, inj_src, sizeof(inj_dst));
	__asm__ __volatile__("" : : "r"(inj_dst) : "memory");
}
#else
static inline void pg_inject(void)
{
}
#endif

#if VRQ_PERFGATE_RPMSG
/* The RPMsg operations cost about 600 instructions, so one injection is
 * under 3% with some compilers (clang: +19 instructions): they get three. */
static inline void pg_inject_rpmsg(void)
{
	pg_inject();
	pg_inject();
	pg_inject();
}
#endif

static void pg_sg(struct vrq_sg sg[2])
{
	uint64_t off = (next_buf++ % QSIZE) * 128;

	sg[0].addr = BUF_DA + off;
	sg[0].len = 64;
	sg[1].addr = BUF_DA + off + 64;
	sg[1].len = 64;
}

/* ---- split ----------------------------------------------------------------- */

PG_OP pg_split_add_publish(void);
PG_OP pg_split_kick_decision(void);
PG_OP pg_split_pop_push_publish(void);
PG_OP pg_split_irq_decision(void);
PG_OP pg_split_get_used(void);

PG_OP pg_split_add_publish(void)
{
	struct vrq_sg sg[2];

	pg_inject();
	pg_sg(sg);
	if (vrq_split_drv_add(&sdrv, sg, 1, 1, &next_buf) != 0)
		errors++;
	vrq_split_drv_publish(&sdrv);
}

PG_OP pg_split_kick_decision(void)
{
	pg_inject();
	kicks += vrq_split_drv_need_kick(&sdrv);
}

PG_OP pg_split_pop_push_publish(void)
{
	pg_inject();
	if (vrq_split_dev_pop(&sdev, &chain) != 1 || chain.n != 2) {
		errors++;
		return;
	}
	if (vrq_split_dev_push(&sdev, chain.head, 64) != 0)
		errors++;
	vrq_split_dev_publish(&sdev);
}

PG_OP pg_split_irq_decision(void)
{
	pg_inject();
	irqs += vrq_split_dev_need_notify(&sdev);
}

PG_OP pg_split_get_used(void)
{
	void *tok = NULL;
	uint32_t len = 0;

	pg_inject();
	if (vrq_split_drv_get_used(&sdrv, &tok, &len) != 1 || len != 64 || tok != &next_buf)
		errors++;
}

/* ---- packed ---------------------------------------------------------------- */

PG_OP pg_packed_add_publish(void);
PG_OP pg_packed_kick_decision(void);
PG_OP pg_packed_pop_push_publish(void);
PG_OP pg_packed_irq_decision(void);
PG_OP pg_packed_get_used(void);

PG_OP pg_packed_add_publish(void)
{
	struct vrq_sg sg[2];

	pg_inject();
	pg_sg(sg);
	if (vrq_packed_drv_add(&pdrv, sg, 1, 1, &next_buf) != 0)
		errors++;
	vrq_packed_drv_publish(&pdrv);
}

PG_OP pg_packed_kick_decision(void)
{
	pg_inject();
	kicks += vrq_packed_drv_need_kick(&pdrv);
}

PG_OP pg_packed_pop_push_publish(void)
{
	pg_inject();
	if (vrq_packed_dev_pop(&pdev, &chain) != 1 || chain.n != 2) {
		errors++;
		return;
	}
	if (vrq_packed_dev_push(&pdev, chain.head, 64) != 0)
		errors++;
	vrq_packed_dev_publish(&pdev);
}

PG_OP pg_packed_irq_decision(void)
{
	pg_inject();
	irqs += vrq_packed_dev_need_notify(&pdev);
}

PG_OP pg_packed_get_used(void)
{
	void *tok = NULL;
	uint32_t len = 0;

	pg_inject();
	if (vrq_packed_drv_get_used(&pdrv, &tok, &len) != 1 || len != 64 || tok != &next_buf)
		errors++;
}

/* ---- RPMsg ----------------------------------------------------------------- */

#if VRQ_PERFGATE_RPMSG
static struct rp_pair rp;
static struct vrq_rpmsg_ept *rp_host_ept, *rp_remote_ept;
static unsigned long long rp_got;
static unsigned char rp_msg[64];

static int rp_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	const unsigned char *d = m->data;

	(void)e;
	(void)priv;
	if (m->len != sizeof(rp_msg) || d[0] != rp_msg[0] || d[63] != rp_msg[63])
		errors++;
	rp_got++;
	return 0;
}

PG_OP pg_rpmsg_send_copy(void);
PG_OP pg_rpmsg_recv(void);
PG_OP pg_rpmsg_send_nocopy(void);
PG_OP pg_rpmsg_send_batch32(void);

PG_OP pg_rpmsg_send_copy(void)
{
	pg_inject_rpmsg();
	rp_msg[0]++;
	rp_msg[63] = rp_msg[0];
	if (vrq_rpmsg_send(rp_host_ept, rp_msg, sizeof(rp_msg)) != 0)
		errors++;
}

PG_OP pg_rpmsg_recv(void)
{
	pg_inject_rpmsg();
	if (vrq_rpmsg_poll(rp.remote.bus, 0) != 1)
		errors++;
}

PG_OP pg_rpmsg_send_nocopy(void)
{
	struct vrq_rpmsg_txbuf tb;

	pg_inject_rpmsg();
	rp_msg[0]++;
	rp_msg[63] = rp_msg[0];
	if (vrq_rpmsg_get_tx_buffer(rp.host.bus, &tb, 0) != 0) {
		errors++;
		return;
	}
	memcpy(tb.data, rp_msg, sizeof(rp_msg));
	if (vrq_rpmsg_send_nocopy(rp_host_ept, 1024, &tb, sizeof(rp_msg), 0) != 0)
		errors++;
}

PG_OP pg_rpmsg_send_batch32(void)
{
	struct vrq_rpmsg_txbuf tb[32];
	uint32_t len[32];
	int got = 0, k;

	rp_msg[0]++;
	rp_msg[63] = rp_msg[0];
	while (got < 32) {
		int rc = vrq_rpmsg_get_tx_buffers(rp.host.bus, tb + got, 32u - (unsigned)got, 0);

		if (rc < 1) {
			errors++;
			return;
		}
		got += rc;
	}
	for (k = 0; k < 32; k++) {
		pg_inject_rpmsg(); /* per message: a regression of one message's cost */
		memcpy(tb[k].data, rp_msg, sizeof(rp_msg));
		len[k] = sizeof(rp_msg);
	}
	if (vrq_rpmsg_send_nocopy_batch(rp_host_ept, 1024, tb, len, 32, 0) != 32)
		errors++;
}

/* not measured: the remote takes the zero-copy messages (a body unlike
 * pg_rpmsg_recv's, or gcc folds the two into one symbol) */
static __attribute__((noinline)) void rp_drain(void)
{
	if (vrq_rpmsg_poll(rp.remote.bus, 1) < 1)
		errors += 1000;
}

static __attribute__((noinline)) void rp_drain_n(int n)
{
	if (vrq_rpmsg_poll(rp.remote.bus, (unsigned)n) != n)
		errors += 1000;
}

static int rp_setup(void)
{
	struct vrq_rpmsg_link_cfg lc;
	int rc, err = 0;

	memset(&lc, 0, sizeof(lc));
	lc.notify = VRQ_NOTIFY_POLL;
	lc.ring_features = VRQ_FEATURE(VRQ_F_EVENT_IDX);
	rc = rp_pair_init(&rp, &lc, NULL, NULL);
	if (rc)
		return rc;
	rp_remote_ept = vrq_rpmsg_create_ept(rp.remote.bus, "perfgate", 1024, VRQ_RPMSG_ADDR_ANY,
					     rp_cb, NULL, NULL, &err);
	rp_host_ept = vrq_rpmsg_create_ept(rp.host.bus, NULL, 1025, 1024, rp_cb, NULL, NULL, &err);
	if (!rp_remote_ept || !rp_host_ept)
		return err ? err : -EINVAL;
	/* the name service announcement, then nothing pending */
	vrq_rpmsg_poll(rp.host.bus, 0);
	vrq_rpmsg_poll(rp.remote.bus, 0);
	return 0;
}
#endif

/* ---- setup ----------------------------------------------------------------- */

static void *ring_mem(size_t bytes)
{
	void *p = aligned_alloc(4096, (bytes + 4095) & ~(size_t)4095);

	if (!p) {
		fprintf(stderr, "vrq-perfgate: out of memory\n");
		exit(2);
	}
	memset(p, 0, bytes);
	return p;
}

static int setup(void)
{
	uint64_t feat = VRQ_FEATURE(VRQ_F_VERSION_1) | VRQ_FEATURE(VRQ_F_EVENT_IDX);
	struct vrq_split_layout sl;
	struct vrq_packed_layout pl;
	struct vrq_split_cfg sc;
	struct vrq_packed_cfg pc;
	void *sring, *pring;
	int rc;

	vrq_mem_init(&mem);
	rc = vrq_mem_add(&mem, 0, BUF_DA, bufs, sizeof(bufs), 0);
	if (rc)
		return rc;

	if ((rc = vrq_split_layout_calc(QSIZE, 64, &sl)) != 0)
		return rc;
	sring = ring_mem(sl.total);
	memset(&sc, 0, sizeof(sc));
	sc.size = QSIZE;
	sc.features = feat;
	sc.domain = VRQ_DOM_SMP;
	sc.ring = vrq_split_ring_at(sring, &sl);
	sc.mem = &mem;
	if ((rc = vrq_split_drv_init(&sdrv, &sc)) != 0 || (rc = vrq_split_dev_init(&sdev, &sc)) != 0)
		return rc;

	if ((rc = vrq_packed_layout_calc(QSIZE, 64, &pl)) != 0)
		return rc;
	pring = ring_mem(pl.total);
	memset(&pc, 0, sizeof(pc));
	pc.size = QSIZE;
	pc.features = feat | VRQ_FEATURE(VRQ_F_RING_PACKED);
	pc.domain = VRQ_DOM_SMP;
	pc.ring = vrq_packed_ring_at(pring, &pl);
	pc.mem = &mem;
	if ((rc = vrq_packed_drv_init(&pdrv, &pc)) != 0 || (rc = vrq_packed_dev_init(&pdev, &pc)) != 0)
		return rc;
	vrq_chain_init(&chain, segs, 4);
#if VRQ_PERFGATE_RPMSG
	if ((rc = rp_setup()) != 0)
		return rc;
#endif
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n = 10000, i;
	int rc;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		puts("split_add_publish\nsplit_kick_decision\nsplit_pop_push_publish\n"
		     "split_irq_decision\nsplit_get_used\npacked_add_publish\n"
		     "packed_kick_decision\npacked_pop_push_publish\npacked_irq_decision\n"
		     "packed_get_used");
#if VRQ_PERFGATE_RPMSG
		puts("rpmsg_send_copy\nrpmsg_recv\nrpmsg_send_nocopy\nrpmsg_send_batch32");
#endif
		return 0;
	}
	if (argc > 2 || (argc == 2 && (n = strtoul(argv[1], NULL, 10)) == 0)) {
		fprintf(stderr, "usage: vrq-perfgate [ROUNDS]\n");
		return 2;
	}
	rc = setup();
	if (rc) {
		fprintf(stderr, "vrq-perfgate: setup: %s\n", vrq_strerror(rc));
		return 2;
	}
	for (i = 0; i < n; i++) {
		pg_split_add_publish();
		pg_split_kick_decision();
		pg_split_pop_push_publish();
		pg_split_irq_decision();
		pg_split_get_used();
		pg_packed_add_publish();
		pg_packed_kick_decision();
		pg_packed_pop_push_publish();
		pg_packed_irq_decision();
		pg_packed_get_used();
#if VRQ_PERFGATE_RPMSG
		pg_rpmsg_send_copy();
		pg_rpmsg_recv();
		pg_rpmsg_send_nocopy();
		rp_drain();
		pg_rpmsg_send_batch32();
		rp_drain_n(32);
#endif
	}
#if VRQ_PERFGATE_RPMSG
	if (rp_got != 34 * n) {
		fprintf(stderr, "vrq-perfgate: RPMsg delivered %llu of %lu messages\n", rp_got, 34 * n);
		errors++;
	}
#endif
	printf("vrq-perfgate: %lu rounds, %llu errors, %llu kicks, %llu interrupts, inject %d\n", n,
	       errors, kicks, irqs, VRQ_PERFGATE_INJECT);
	return errors ? 1 : 0;
}
