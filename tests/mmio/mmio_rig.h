/* SPDX-License-Identifier: MIT */
/*
 * tests/mmio/mmio_rig.h - a virtio-mmio driver and an echo device over one
 * shared block, in two threads (or, with rig_fork_device(), a forked
 * process that maps the memory at its own address).  Device addresses are
 * RIG_DA + offset, never the local addresses.
 */
#ifndef VRQ_MMIO_RIG_H
#define VRQ_MMIO_RIG_H

#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vrq_test.h"
#include "vrq/mmio.h"
#include "vrq/shm.h"
#include "echo.h"

#define RIG_DA 0x40000000ull
#define RIG_RING_BYTES (64u * 1024)
#define RIG_BUF_OFF (2 * RIG_RING_BYTES)
#define RIG_BUF_SIZE 256u
#define RIG_NBUF 256u
#define RIG_MEM_BYTES (RIG_BUF_OFF + 2 * RIG_NBUF * RIG_BUF_SIZE)
#define RIG_TIMEOUT_NS 5000000000ull

struct rig {
	struct vrq_mmio_shared *sh;
	uint8_t *mem;		/* rings + buffers (driver's view) */
	uint8_t *region;	/* shared: sh, then mem, then a stop word */
	size_t region_bytes;
	struct vrq_shm shm;
	bool use_shm;
	struct vrq_mem dmap, vmap;
	int fds[VRQ_MMIO_NCHAN];
	struct vrq_mmio_chan_cfg chan;
	struct vrq_mmio_dev_cfg dcfg;
	struct vrq_mmio_drv_cfg vcfg;
	struct vrq_mmio_dev dev;
	struct vrq_mmio_drv drv;
	struct echo_dev echo;
	pthread_t th;
	bool th_running;
	int stop;		/* threads */
	uint32_t *stop_word;	/* processes */
	uint64_t restart_at;	/* device restarts once it echoed this many (0: never) */
	bool paused;		/* device serves registers but echoes nothing */
	pid_t child;
	int dev_rc;
	unsigned cfg_written;	/* device: config_written calls (atomic) */
	uint32_t cfg_last_off, cfg_last_len;
};

static inline void rig_cfg_written(void *ctx, uint32_t off, uint32_t len)
{
	struct rig *r = (struct rig *)ctx;

	r->cfg_last_off = off;
	r->cfg_last_len = len;
	/* pairs with the acquire in rig_wait_cfg_written() */
	__atomic_fetch_add(&r->cfg_written, 1, __ATOMIC_RELEASE);
}

/* Wait (5 s at most) until the device saw @p n config writes.  0 or -1. */
static inline int rig_wait_cfg_written(struct rig *r, unsigned n)
{
	unsigned i;

	for (i = 0; i < 5000; i++) {
		if (__atomic_load_n(&r->cfg_written, __ATOMIC_ACQUIRE) >= n)
			return 0;
		usleep(1000);
	}
	return -1;
}

static inline void rig_defaults(struct rig *r, enum vrq_notify_kind kind, enum vrq_mmio_irq irq)
{
	unsigned i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < VRQ_MMIO_NCHAN; i++)
		r->fds[i] = -1;
	r->chan.notify = kind;
	r->chan.irq = irq;
	r->chan.hybrid_block = VRQ_NOTIFY_EVENTFD;
	r->chan.spin_ns = 2000;
	r->dcfg.device_id = ECHO_DEVICE_ID;
	r->dcfg.vendor_id = 0x1af4;
	r->dcfg.features = VRQ_FEATURE(VRQ_F_EVENT_IDX) | VRQ_FEATURE(VRQ_F_RING_PACKED) |
			   VRQ_FEATURE(VRQ_F_RING_RESET) | VRQ_FEATURE(VRQ_F_INDIRECT_DESC);
	r->dcfg.nqueues = 2;
	r->dcfg.queue_num_max = 256;
	r->dcfg.config_size = 64;
	r->dcfg.config_written = rig_cfg_written;
	r->dcfg.ctx = r;
	r->vcfg.ack_timeout_ns = RIG_TIMEOUT_NS;
}

/* Shared block + memory; the memory maps of both sides.  0 or -1. */
static inline int rig_alloc(struct rig *r, bool shm)
{
	size_t shb = (sizeof(struct vrq_mmio_shared) + 4095) & ~(size_t)4095;
	int rc;

	r->region_bytes = shb + RIG_MEM_BYTES + 4096;
	r->use_shm = shm;
	if (shm) {
		struct vrq_shm_cfg sc;

		memset(&sc, 0, sizeof(sc));
		sc.size = r->region_bytes;
		rc = vrq_shm_create(&r->shm, &sc);
		if (rc) {
			fprintf(stderr, "shm: %s\n", r->shm.msg);
			return -1;
		}
		r->region = (uint8_t *)r->shm.base;
	} else {
		r->region = (uint8_t *)vrq_test_alloc(r->region_bytes);
		if (!r->region)
			return -1;
	}
	r->sh = (struct vrq_mmio_shared *)r->region;
	r->mem = r->region + shb;
	r->stop_word = (uint32_t *)(r->mem + RIG_MEM_BYTES);
	vrq_mmio_shared_init(r->sh);
	vrq_mem_init(&r->vmap);
	if (vrq_mem_add(&r->vmap, 0, RIG_DA, r->mem, RIG_MEM_BYTES, VRQ_MEM_COHERENT))
		return -1;
	vrq_mem_init(&r->dmap);
	if (vrq_mem_add(&r->dmap, 0, RIG_DA, r->mem, RIG_MEM_BYTES, VRQ_MEM_COHERENT))
		return -1;
	if (vrq_mmio_fds_create(r->fds, &r->chan))
		return -1;
	r->chan.fds = r->fds;
	return 0;
}

static inline int rig_dev_init(struct rig *r)
{
	int rc;

	r->dcfg.sh = r->sh;
	r->dcfg.chan = r->chan;
	r->dcfg.mem = &r->dmap;
	rc = vrq_mmio_dev_init(&r->dev, &r->dcfg);
	r->echo.d = &r->dev;
	return rc;
}

static inline void *rig_dev_thread(void *p)
{
	struct rig *r = (struct rig *)p;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		int m = vrq_mmio_dev_wait(&r->dev, 2000000);
		int n = 0;

		if (m < 0 && m != -VRQ_ETIMEDOUT) {
			r->dev_rc = m;
			break;
		}
		if (!__atomic_load_n(&r->paused, __ATOMIC_ACQUIRE))
			n = echo_dev_serve(&r->echo);
		if (r->restart_at && r->echo.echoed >= r->restart_at) {
			r->restart_at = 0;
			vrq_mmio_dev_restart(&r->dev);
		}
		if (m > 0 && n <= 0)
			usleep(50); /* a TX buffer waits for an RX one */
	}
	return NULL;
}

static inline int rig_start_thread(struct rig *r)
{
	if (rig_dev_init(r))
		return -1;
	if (pthread_create(&r->th, NULL, rig_dev_thread, r))
		return -1;
	r->th_running = true;
	return 0;
}

static inline int rig_drv_init(struct rig *r)
{
	int rc;

	r->vcfg.sh = r->sh;
	r->vcfg.chan = r->chan;
	r->vcfg.mem = &r->vmap;
	rc = vrq_mmio_drv_init(&r->drv, &r->vcfg);
	if (rc)
		fprintf(stderr, "drv_init: %d %s\n", rc, r->drv.msg);
	return rc;
}

/* reset, negotiate, both queues (size qsize), DRIVER_OK */
static inline int rig_drv_bringup(struct rig *r, uint64_t wanted, uint16_t qsize)
{
	int rc = vrq_mmio_drv_reset(&r->drv);

	if (!rc)
		rc = vrq_mmio_drv_negotiate(&r->drv, wanted, NULL);
	if (!rc)
		rc = vrq_mmio_drv_setup_queue(&r->drv, ECHO_RXQ, qsize, r->mem, 64);
	if (!rc)
		rc = vrq_mmio_drv_setup_queue(&r->drv, ECHO_TXQ, qsize, r->mem + RIG_RING_BYTES, 64);
	if (!rc)
		rc = vrq_mmio_drv_ready(&r->drv);
	if (rc)
		fprintf(stderr, "bringup: %d (%s): %s\n", rc, vrq_strerror(rc), r->drv.msg);
	return rc;
}

static inline uint8_t *rig_rxbuf(struct rig *r, unsigned i)
{
	return r->mem + RIG_BUF_OFF + (size_t)(i % RIG_NBUF) * RIG_BUF_SIZE;
}

static inline uint8_t *rig_txbuf(struct rig *r, unsigned i)
{
	return r->mem + RIG_BUF_OFF + (size_t)(RIG_NBUF + i % RIG_NBUF) * RIG_BUF_SIZE;
}

static inline uint64_t rig_da(struct rig *r, const void *p)
{
	return RIG_DA + (uint64_t)((const uint8_t *)p - r->mem);
}

static inline void rig_fill(uint8_t *b, unsigned len, uint32_t seq)
{
	unsigned i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(seq * 31u + i * 7u + 1u);
}

/* Post RX buffer + TX message @p seq (token = seq + 1), kick both. */
static inline int rig_send(struct rig *r, uint32_t seq, unsigned len)
{
	struct vrq_sg rx = {rig_da(r, rig_rxbuf(r, seq)), RIG_BUF_SIZE};
	struct vrq_sg tx = {rig_da(r, rig_txbuf(r, seq)), len};
	struct vrq_vq_drv *q0 = vrq_mmio_drv_vq(&r->drv, ECHO_RXQ);
	struct vrq_vq_drv *q1 = vrq_mmio_drv_vq(&r->drv, ECHO_TXQ);
	int rc;

	rig_fill(rig_txbuf(r, seq), len, seq);
	memset(rig_rxbuf(r, seq), 0, RIG_BUF_SIZE);
	rc = vrq_vq_drv_add(q0, &rx, 0, 1, (void *)(uintptr_t)(seq + 1));
	if (!rc)
		rc = vrq_vq_drv_add(q1, &tx, 1, 0, (void *)(uintptr_t)(seq + 1));
	if (rc)
		return rc;
	vrq_vq_drv_publish(q0);
	vrq_vq_drv_publish(q1);
	rc = vrq_mmio_drv_kick(&r->drv, ECHO_RXQ);
	if (rc >= 0)
		rc = vrq_mmio_drv_kick(&r->drv, ECHO_TXQ);
	return rc < 0 ? rc : 0;
}

/* Wait for the echo of @p seq and check every byte; reap TX.  0 or -1. */
static inline int rig_recv(struct rig *r, uint32_t seq, unsigned len)
{
	void *tok;
	uint32_t got;
	int rc;

	for (;;) {
		rc = vrq_mmio_drv_get_used(&r->drv, ECHO_RXQ, &tok, &got);
		if (rc == 1)
			break;
		if (rc < 0)
			return rc;
		rc = vrq_mmio_drv_wait(&r->drv, ECHO_RXQ, RIG_TIMEOUT_NS);
		if (rc < 0) {
			fprintf(stderr, "rig_recv(%u): wait %d (%s)\n", seq, rc, vrq_strerror(rc));
			return -1;
		}
	}
	if ((uintptr_t)tok != seq + 1u || got != len) {
		fprintf(stderr, "rig_recv: token %zu len %u, expected %u len %u\n",
			(size_t)(uintptr_t)tok, got, seq + 1, len);
		return -1;
	}
	{
		uint8_t want[RIG_BUF_SIZE];

		rig_fill(want, len, seq);
		if (memcmp(want, rig_rxbuf(r, seq), len)) {
			fprintf(stderr, "rig_recv: payload %u differs\n", seq);
			return -1;
		}
	}
	while (vrq_mmio_drv_get_used(&r->drv, ECHO_TXQ, &tok, &got) == 1)
		;
	return 0;
}

/* @p n round trips of 1..RIG_BUF_SIZE bytes.  0 or -1. */
static inline int rig_echo(struct rig *r, uint32_t first, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		unsigned len = 1 + (first + i) * 13u % RIG_BUF_SIZE;

		if (rig_send(r, first + i, len) || rig_recv(r, first + i, len))
			return -1;
	}
	return 0;
}

static inline void rig_stop(struct rig *r)
{
	if (r->th_running) {
		__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
		pthread_join(r->th, NULL);
		r->th_running = false;
	}
}

static inline void rig_free(struct rig *r)
{
	rig_stop(r);
	vrq_mmio_drv_fini(&r->drv);
	vrq_mmio_dev_fini(&r->dev);
	vrq_mmio_fds_close(r->fds);
	if (r->use_shm)
		vrq_shm_destroy(&r->shm);
	else
		free(r->region);
}

#endif
