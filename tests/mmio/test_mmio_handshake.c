/* SPDX-License-Identifier: MIT */
/*
 * tests/mmio/test_mmio_handshake.c - the whole virtio-mmio initialisation,
 * both roles: threads over {legacy, vectors} x {eventfd, futex, hybrid} x
 * {split, packed} x {shared config, message config}, and once with the
 * device in a forked process that maps the shared memory elsewhere.
 * Register values are checked after every step, echoed payloads byte for
 * byte, and the interrupt counters exactly where they are exact.  Also:
 * feature negotiation failures and a device that never answers.
 */
#include "mmio_rig.h"

static unsigned scale_n(unsigned n)
{
	const char *s = getenv("VRQ_TEST_SCALE");
	double v = s ? strtod(s, NULL) : 1.0;
	unsigned k = (unsigned)(n * (v > 0 ? v : 1.0));

	return k ? k : 1;
}

/* Each step by hand, registers checked in between. */
static int handshake_steps(struct rig *r, bool packed)
{
	struct vrq_mmio_drv *v = &r->drv;
	const char *name = "steps";
	uint64_t want = VRQ_FEATURE(VRQ_F_EVENT_IDX) | (packed ? VRQ_FEATURE(VRQ_F_RING_PACKED) : 0);
	uint64_t got = 0;
	int ok = -1;

	CHECK_EQ_OUT(vrq_mmio_drv_read(v, VRQ_MMIO_MAGIC_VALUE), 0x74726976);
	CHECK_EQ_OUT(vrq_mmio_drv_read(v, VRQ_MMIO_VERSION), 2);
	CHECK_EQ_OUT(vrq_mmio_drv_read(v, VRQ_MMIO_DEVICE_ID), ECHO_DEVICE_ID);
	CHECK_EQ_OUT(vrq_mmio_drv_read(v, VRQ_MMIO_VENDOR_ID), 0x1af4);
	CHECK_EQ_OUT(vrq_mmio_drv_reset(v), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_status(v), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_negotiate(v, want, &got), 0);
	CHECK_EQ_OUT(got, want | VRQ_FEATURE(VRQ_F_VERSION_1));
	CHECK_EQ_OUT(vrq_mmio_drv_status(v), VRQ_STATUS_ACKNOWLEDGE | VRQ_STATUS_DRIVER |
						     VRQ_STATUS_FEATURES_OK);
	/* the device latched exactly the negotiated words */
	CHECK_EQ_OUT(r->dev.features, got);
	/* queue 5 does not exist: QueueNumMax 0, setup refused locally */
	CHECK_EQ_OUT(vrq_mmio_drv_setup_queue(v, 5, 16, r->mem, 64), -ENOENT);
	CHECK_EQ_OUT(vrq_mmio_drv_read(v, VRQ_MMIO_QUEUE_NUM_MAX), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_setup_queue(v, ECHO_RXQ, 512, r->mem, 64), -VRQ_EINVAL);
	CHECK_EQ_OUT(vrq_mmio_drv_setup_queue(v, ECHO_RXQ, 64, r->mem, 64), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_read(v, VRQ_MMIO_QUEUE_READY), 1);
	CHECK_EQ_OUT(vrq_mmio_drv_read(v, VRQ_MMIO_QUEUE_NUM_MAX), 256);
	CHECK_EQ_OUT(vrq_mmio_drv_read(v, VRQ_MMIO_QUEUE_NUM), 64);
	CHECK_EQ_OUT(vrq_mmio_drv_read(v, VRQ_MMIO_QUEUE_DESC_LOW), (uint32_t)RIG_DA);
	CHECK_EQ_OUT(vrq_mmio_drv_read(v, VRQ_MMIO_QUEUE_DESC_HIGH), 0);
	CHECK_EQ_OUT(r->dev.q[ECHO_RXQ].desc, RIG_DA);
	CHECK_OUT(r->dev.q[ECHO_RXQ].ready && !r->dev.q[ECHO_RXQ].live);
	CHECK_EQ_OUT(vrq_mmio_drv_setup_queue(v, ECHO_TXQ, 64, r->mem + RIG_RING_BYTES, 64), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_ready(v), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_status(v), VRQ_STATUS_ACKNOWLEDGE | VRQ_STATUS_DRIVER |
						     VRQ_STATUS_FEATURES_OK |
						     VRQ_STATUS_DRIVER_OK);
	CHECK_EQ_OUT(r->dev.q[ECHO_RXQ].vq.kind, packed ? VRQ_RING_PACKED : VRQ_RING_SPLIT);
	ok = 0;
out:
	return ok;
}

static int run_threads(enum vrq_notify_kind kind, enum vrq_mmio_irq irq, bool packed,
		       enum vrq_mmio_cfg_mode cm)
{
	struct rig r;
	char name[96];
	unsigned n = scale_n(2000), i;
	int ok = -1;

	snprintf(name, sizeof(name), "%s %s %s %s", vrq_notify_kind_name(kind),
		 irq == VRQ_MMIO_IRQ_LEGACY ? "legacy" : "vectors", packed ? "packed" : "split",
		 cm == VRQ_MMIO_CFG_MSG ? "msg-config" : "shared-config");
	rig_defaults(&r, kind, irq);
	r.dcfg.cfg_mode = cm;
	r.vcfg.cfg_mode = cm;
	CHECK_OUT(rig_alloc(&r, false) == 0);
	CHECK_OUT(rig_start_thread(&r) == 0);
	CHECK_OUT(rig_drv_init(&r) == 0);
	CHECK_OUT(handshake_steps(&r, packed) == 0);
	CHECK_OUT(rig_echo(&r, 0, n) == 0);
	CHECK_EQ_OUT(r.drv.q[ECHO_RXQ].delivered, n);
	/* the echo device leaves RX out of its wake set while it has RX
	 * buffers (rig_send posts RX before TX, so it always has): RX stays
	 * disarmed, and the driver's RX refills are suppressed, all but the
	 * first if the device was already asleep with every queue armed */
	CHECK_OUT(vrq_vq_drv_stats(&r.drv.q[ECHO_RXQ].vq)->kicks <= 1);
	CHECK_EQ_OUT(vrq_vq_drv_stats(&r.drv.q[ECHO_RXQ].vq)->kicks +
			     vrq_vq_drv_stats(&r.drv.q[ECHO_RXQ].vq)->kicks_suppressed,
		     n);
	if (irq == VRQ_MMIO_IRQ_VECTORS) {
		/* vectors: no status register, no ACK, no scan */
		CHECK_EQ_OUT(r.drv.st.status_reads, 0);
		CHECK_EQ_OUT(r.drv.st.acks, 0);
		CHECK_EQ_OUT(r.drv.st.scans, 0);
	} else {
		CHECK_EQ_OUT(r.drv.st.acks, r.drv.st.status_reads - r.drv.st.status_empty);
		/* every handler run looks at both queues */
		CHECK_EQ_OUT(r.drv.st.scans, 2 * r.drv.st.status_reads);
		/* a blocking receiver takes the line and reads the status; a
		 * hybrid one may find every answer while it spins */
		if (kind != VRQ_NOTIFY_HYBRID && kind != VRQ_NOTIFY_POLL)
			CHECK_OUT(r.drv.st.status_reads > 0);
	}
	/* a second life: reset, the same again, counts kept */
	CHECK_EQ_OUT(vrq_mmio_drv_reinit(&r.drv), 0);
	CHECK_OUT(rig_echo(&r, n, 100) == 0);
	CHECK_EQ_OUT(r.drv.q[ECHO_RXQ].delivered, n + 100);
	CHECK_EQ_OUT(r.echo.echoed, n + 100);
	/* config: the device's initial zeroes, then an update it makes */
	{
		uint8_t b[64], w[64];

		CHECK_EQ_OUT(vrq_mmio_drv_config_read(&r.drv, 0, b, 64), 0);
		for (i = 0; i < 64; i++)
			CHECK_EQ_OUT(b[i], 0);
		for (i = 0; i < 64; i++)
			w[i] = (uint8_t)(i + 1);
		CHECK_EQ_OUT(vrq_mmio_drv_config_write(&r.drv, 0, w, 64), 0);
		/* the device applies it in its thread: one run of 64 bytes
		 * (shared window) or eight 8-byte messages */
		CHECK_OUT(rig_wait_cfg_written(&r, cm == VRQ_MMIO_CFG_MSG ? 8 : 1) == 0);
		CHECK_OUT(memcmp(r.dev.config, w, 64) == 0);
		CHECK_EQ_OUT(r.cfg_last_off, cm == VRQ_MMIO_CFG_MSG ? 56 : 0);
		CHECK_EQ_OUT(r.cfg_last_len, cm == VRQ_MMIO_CFG_MSG ? 8 : 64);
		CHECK_EQ_OUT(vrq_mmio_drv_config_read(&r.drv, 0, b, 64), 0);
		CHECK_OUT(memcmp(b, w, 64) == 0);
	}
	ok = 0;
out:
	rig_free(&r);
	return ok;
}

/* The device in a child process, mapping the region at its own address. */
static int run_fork(enum vrq_mmio_irq irq)
{
	const char *name = irq == VRQ_MMIO_IRQ_LEGACY ? "fork legacy" : "fork vectors";
	struct rig r;
	unsigned n = scale_n(2000);
	int ok = -1, st = 0;
	pid_t pid;

	rig_defaults(&r, VRQ_NOTIFY_EVENTFD, irq);
	CHECK_OUT(rig_alloc(&r, true) == 0);
	pid = fork();
	CHECK_OUT(pid >= 0);
	if (pid == 0) {
		struct vrq_shm m;
		struct rig c = r;
		size_t shb = (size_t)(r.mem - r.region);

		if (vrq_shm_attach_fd(&m, r.shm.fd, r.region_bytes, 0))
			_exit(2);
		c.region = (uint8_t *)m.base;
		c.sh = (struct vrq_mmio_shared *)c.region;
		c.mem = c.region + shb;
		c.stop_word = (uint32_t *)(c.mem + RIG_MEM_BYTES);
		vrq_mem_init(&c.dmap);
		if (vrq_mem_add(&c.dmap, 0, RIG_DA, c.mem, RIG_MEM_BYTES, VRQ_MEM_COHERENT))
			_exit(3);
		c.chan.peer_pid = getppid();
		if (rig_dev_init(&c))
			_exit(4);
		while (!__atomic_load_n(c.stop_word, __ATOMIC_ACQUIRE)) {
			int mm = vrq_mmio_dev_wait(&c.dev, 2000000);

			if (mm < 0 && mm != -VRQ_ETIMEDOUT)
				_exit(5);
			if (echo_dev_serve(&c.echo) <= 0 && mm > 0)
				usleep(50);
		}
		_exit(c.echo.echoed == n ? 0 : 6);
	}
	r.child = pid;
	r.chan.peer_pid = pid;
	CHECK_OUT(rig_drv_init(&r) == 0);
	CHECK_OUT(rig_drv_bringup(&r, VRQ_FEATURE(VRQ_F_EVENT_IDX), 128) == 0);
	CHECK_OUT(rig_echo(&r, 0, n) == 0);
	__atomic_store_n(r.stop_word, 1, __ATOMIC_RELEASE);
	CHECK_OUT(waitpid(pid, &st, 0) == pid);
	r.child = 0;
	CHECK_OUT(WIFEXITED(st));
	CHECK_EQ_OUT(WEXITSTATUS(st), 0);
	ok = 0;
out:
	if (r.child > 0) {
		__atomic_store_n(r.stop_word, 1, __ATOMIC_RELEASE);
		waitpid(r.child, &st, 0);
	}
	rig_free(&r);
	return ok;
}

static int refuse_all(void *ctx, uint64_t f)
{
	(void)ctx;
	(void)f;
	return -1;
}

static int run_negotiation_failures(void)
{
	const char *name = "negotiation";
	struct rig r;
	uint64_t got = 0;
	int ok = -1;

	/* 1. the device refuses every feature set: FEATURES_OK stays clear */
	rig_defaults(&r, VRQ_NOTIFY_EVENTFD, VRQ_MMIO_IRQ_VECTORS);
	r.dcfg.features_ok = refuse_all;
	CHECK_OUT(rig_alloc(&r, false) == 0);
	CHECK_OUT(rig_start_thread(&r) == 0);
	CHECK_OUT(rig_drv_init(&r) == 0);
	CHECK_EQ_OUT(vrq_mmio_drv_reset(&r.drv), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_negotiate(&r.drv, VRQ_FEATURE(VRQ_F_EVENT_IDX), &got), -ENOTSUP);
	CHECK_OUT(strstr(r.drv.msg, "FEATURES_OK") != NULL);
	CHECK_EQ_OUT(vrq_mmio_drv_status(&r.drv), VRQ_STATUS_ACKNOWLEDGE | VRQ_STATUS_DRIVER |
							VRQ_STATUS_FAILED);
	CHECK_EQ_OUT(r.dev.st.features_refused, 1);
	/* queue setup without FEATURES_OK: the device says nonsense */
	CHECK_OUT(vrq_mmio_drv_setup_queue(&r.drv, 0, 16, r.mem, 64) < 0);
	CHECK_OUT(vrq_mmio_drv_needs_reset(&r.drv));
	CHECK_EQ_OUT(r.dev.st.bad[VRQ_MMIO_BAD_STATUS], 1);
	rig_free(&r);

	/* 2. a driver that writes features the device never offered */
	rig_defaults(&r, VRQ_NOTIFY_FUTEX, VRQ_MMIO_IRQ_LEGACY);
	r.dcfg.features = 0;
	CHECK_OUT(rig_alloc(&r, false) == 0);
	CHECK_OUT(rig_start_thread(&r) == 0);
	CHECK_OUT(rig_drv_init(&r) == 0);
	CHECK_EQ_OUT(vrq_mmio_drv_reset(&r.drv), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_write(&r.drv, VRQ_MMIO_STATUS, 3), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_write(&r.drv, VRQ_MMIO_DRIVER_FEATURES_SEL, 0), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_write(&r.drv, VRQ_MMIO_DRIVER_FEATURES,
					 1u << VRQ_F_EVENT_IDX), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_write(&r.drv, VRQ_MMIO_DRIVER_FEATURES_SEL, 1), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_write(&r.drv, VRQ_MMIO_DRIVER_FEATURES, 1), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_write(&r.drv, VRQ_MMIO_STATUS, 11), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_status(&r.drv), 3);
	CHECK_EQ_OUT(r.dev.st.features_refused, 1);
	/* 3. asking for more than offered gets the intersection */
	CHECK_EQ_OUT(vrq_mmio_drv_reset(&r.drv), 0);
	CHECK_EQ_OUT(vrq_mmio_drv_negotiate(&r.drv, VRQ_FEATURE(VRQ_F_EVENT_IDX), &got), 0);
	CHECK_EQ_OUT(got, VRQ_FEATURE(VRQ_F_VERSION_1));
	rig_free(&r);

	/* 4. nobody serves the mailbox: a timeout with a message */
	rig_defaults(&r, VRQ_NOTIFY_EVENTFD, VRQ_MMIO_IRQ_VECTORS);
	r.vcfg.ack_timeout_ns = 50000000;
	CHECK_OUT(rig_alloc(&r, false) == 0);
	CHECK_OUT(rig_dev_init(&r) == 0); /* registers there, no thread */
	CHECK_OUT(rig_drv_init(&r) == 0);
	CHECK_EQ_OUT(vrq_mmio_drv_reset(&r.drv), -VRQ_ETIMEDOUT);
	CHECK_OUT(strstr(r.drv.msg, "did not acknowledge Status") != NULL);
	CHECK_EQ_OUT(r.drv.st.ack_timeouts, 1);
	rig_free(&r);

	/* 5. no device at all: bad magic */
	rig_defaults(&r, VRQ_NOTIFY_EVENTFD, VRQ_MMIO_IRQ_VECTORS);
	r.vcfg.ack_timeout_ns = 20000000;
	CHECK_OUT(rig_alloc(&r, false) == 0);
	r.vcfg.sh = r.sh;
	r.vcfg.chan = r.chan;
	r.vcfg.mem = &r.vmap;
	CHECK_EQ_OUT(vrq_mmio_drv_init(&r.drv, &r.vcfg), -ENODEV);
	CHECK_OUT(strstr(r.drv.msg, "MagicValue") != NULL);
	/* legacy interrupts over a polled line: refused */
	r.vcfg.chan.notify = VRQ_NOTIFY_POLL;
	r.vcfg.chan.irq = VRQ_MMIO_IRQ_LEGACY;
	CHECK_EQ_OUT(vrq_mmio_drv_init(&r.drv, &r.vcfg), -VRQ_EINVAL);
	r.vcfg.chan.notify = VRQ_NOTIFY_LEGACY_IRQ;
	CHECK_EQ_OUT(vrq_mmio_drv_init(&r.drv, &r.vcfg), -VRQ_EINVAL);
	ok = 0;
out:
	rig_free(&r);
	return ok;
}

int main(void)
{
	static const enum vrq_notify_kind kinds[] = {VRQ_NOTIFY_EVENTFD, VRQ_NOTIFY_FUTEX,
						     VRQ_NOTIFY_HYBRID};
	unsigned k, irq, packed, cm;

	for (k = 0; k < 3; k++)
		for (irq = 0; irq < 2; irq++)
			for (packed = 0; packed < 2; packed++)
				for (cm = 0; cm < 2; cm++)
					run_threads(kinds[k], (enum vrq_mmio_irq)irq, packed,
						    (enum vrq_mmio_cfg_mode)cm);
	/* poll channels work with vectors */
	run_threads(VRQ_NOTIFY_POLL, VRQ_MMIO_IRQ_VECTORS, false, VRQ_MMIO_CFG_SHARED);
	run_fork(VRQ_MMIO_IRQ_LEGACY);
	run_fork(VRQ_MMIO_IRQ_VECTORS);
	run_negotiation_failures();
	return vrq_test_done("test_mmio_handshake");
}
