/* SPDX-License-Identifier: MIT */
/*
 * tests/notify/test_poll_sleep.c - receivers that poll, then sleep, then
 * poll again; and receivers that promised never to sleep.
 *
 * (a) hybrid, both directions: a driver thread and a device thread
 *     ping-pong sequence-numbered requests in bursts of 1 to 3, each side
 *     pausing before it answers for 0 to 2 ms from a fixed pattern, against
 *     a 20 us spin budget: the peer's wait keeps crossing from its spin
 *     phase into arm + block and back.  Every response is checked (order,
 *     length, content); a wait that runs into its 10 s watchdog is a lost
 *     wake-up.  Both receivers must have blocked at some point (2 ms pauses
 *     against a 20 us budget).  split / packed x EVENT_IDX on / off x
 *     eventfd / futex blocking.
 * (b) the promise (VRQ_CFG_DEV_POLLS | VRQ_CFG_DRV_POLLS) with eventfd
 *     notifiers: the same traffic, and the wait loop must only spin: no
 *     wait blocks, no enable runs (its re-check would count), no protocol
 *     fence runs on either side (F1..F4 counted through the test hooks),
 *     every decision is counted as suppressed.
 * (c) a poll-backend link (which makes the promise for both sides): no
 *     F1 / F2 in the driver's and device's publishes, decisions counted as
 *     suppressed, sender counters equal to the ring's.
 * In (a) a link without flags uses full fences, hybrid included (full
 * F1 / F2 at every decision, no light one); (a) runs again with
 * VRQ_LINK_FULL_FENCE (the same), and with VRQ_LINK_ASYM_FENCE for hybrid
 * and eventfd (the asymmetric fence, types.h: every decision a light
 * F1 / F2 and no full one, each sleep a heavy barrier).
 * Runs under TSan too (tsan preset).
 */
#define _GNU_SOURCE

/* count the notification protocol's decision points and the fences run
 * there, full or light (before any vrq header) */
static unsigned long fence_hits[5], full_hits[5], light_hits[5];
#define VRQ_TEST_FENCE_HOOK(n, full)                                                           \
	__atomic_fetch_add((full) ? &full_hits[n] : &light_hits[n], 1, __ATOMIC_RELAXED)
#define VRQ_TEST_HOOK(p) vrq_test_hook_##p()
#define HOOK_FN(name, idx)                                                                     \
	static inline void vrq_test_hook_##name(void)                                         \
	{                                                                                      \
		__atomic_fetch_add(&fence_hits[idx], 1, __ATOMIC_RELAXED);                      \
	}
HOOK_FN(f1_pre, 1)
HOOK_FN(f2_pre, 2)
HOOK_FN(f3_pre, 3)
HOOK_FN(f4_pre, 4)
static inline void vrq_test_hook_f3_post(void)
{
}
static inline void vrq_test_hook_f4_post(void)
{
}
static inline void vrq_test_hook_wait_armed(void)
{
}
static inline void vrq_test_hook_wait_block(void)
{
}

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vrq/link.h"
#include "vrq/notify.h"
#include "vrq_test.h"

#define WATCHDOG_NS (10ull * 1000000000ull)
#define SPIN_NS 20000u
#define SLOT 64u
#define QSZ 16u

/* pauses before a burst / an answer: below the spin budget (caught while
 * spinning), above it (arm and block), and one long one per 16 */
static const uint32_t pause_us[16] = {0, 0, 2000, 1, 0, 5, 0, 40, 0, 2, 0, 0, 10, 0, 100, 0};

static unsigned scaled(unsigned n)
{
	const char *s = getenv("VRQ_TEST_SCALE");
	double f = s ? atof(s) : 1.0;
	unsigned v = (unsigned)(n * f);

	return v < 40 ? 40 : v;
}

/* Short pauses busy-wait (a sleep would last the timer slack, ~50 us). */
static void pause_for(uint32_t us)
{
	struct timespec ts = {0, (long)us * 1000}, t0, t;

	if (us >= 100) {
		nanosleep(&ts, NULL);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while (us && (t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < (long)us * 1000);
}

/* One end of the traffic: the two queue handles and their notifiers. */
struct end {
	struct vrq_vq_drv *drv;
	struct vrq_vq_dev *dev;
	struct vrq_notifier *kick, *irq; /* this end's handles */
	uint8_t *bufs;
	uint64_t bufs_da;
	unsigned count;
	int rc; /* 0 or the failing line */
};

static void *device_main(void *p)
{
	struct end *e = p;
	struct vrq_seg seg[4];
	struct vrq_chain c;
	uint64_t expect = 0;
	int rc;

	while (expect < e->count) {
		rc = vrq_vq_dev_wait(e->dev, e->kick, WATCHDOG_NS);
		if (rc < 0) {
			fprintf(stderr, "device: wait: %s at %" PRIu64 " (lost wake-up?)\n",
				vrq_strerror(rc), expect);
			e->rc = __LINE__;
			return NULL;
		}
		pause_for(pause_us[(expect + 5) % 16]);
		for (;;) {
			uint64_t req, resp;

			vrq_chain_init(&c, seg, 4);
			rc = vrq_vq_dev_pop(e->dev, &c);
			if (rc == 0)
				break;
			if (rc < 0 || c.n != 2 || seg[0].len != 8 || seg[1].len != 8) {
				e->rc = __LINE__;
				return NULL;
			}
			memcpy(&req, seg[0].va, 8);
			if (req != expect) {
				fprintf(stderr, "device: request %" PRIu64 ", expected %" PRIu64 "\n",
					req, expect);
				e->rc = __LINE__;
				return NULL;
			}
			resp = ~req;
			memcpy(seg[1].va, &resp, 8);
			if (vrq_vq_dev_push(e->dev, c.head, 8)) {
				e->rc = __LINE__;
				return NULL;
			}
			expect++;
		}
		vrq_vq_dev_publish(e->dev);
		if (vrq_vq_dev_interrupt(e->dev, e->irq) < 0) {
			e->rc = __LINE__;
			return NULL;
		}
	}
	return NULL;
}

static int driver_main(struct end *e)
{
	uint64_t sent = 0, done = 0;
	int rc;

	while (done < e->count) {
		unsigned burst = 1 + (unsigned)(sent % 3), k;

		pause_for(pause_us[sent % 16]);
		for (k = 0; k < burst && sent < e->count; k++, sent++) {
			uint8_t *b = e->bufs + (sent % QSZ) * SLOT;
			struct vrq_sg sg[2] = {{e->bufs_da + (sent % QSZ) * SLOT, 8},
					       {e->bufs_da + (sent % QSZ) * SLOT + 32, 8}};

			memcpy(b, &sent, 8);
			memset(b + 32, 0, 8);
			CHECK_EQ(vrq_vq_drv_add(e->drv, sg, 1, 1, (void *)(uintptr_t)(sent + 1)), 0);
		}
		vrq_vq_drv_publish(e->drv);
		CHECK(vrq_vq_drv_kick(e->drv, e->kick) >= 0);
		while (done < sent) {
			void *tok = NULL;
			uint32_t len = 0;
			uint64_t resp;

			rc = vrq_vq_drv_wait(e->drv, e->irq, WATCHDOG_NS);
			if (rc < 0) {
				fprintf(stderr, "driver: wait: %s at %" PRIu64 " (lost wake-up?)\n",
					vrq_strerror(rc), done);
				CHECK(0);
			}
			while ((rc = vrq_vq_drv_get_used(e->drv, &tok, &len)) == 1) {
				CHECK_EQ((uintptr_t)tok, done + 1);
				CHECK_EQ(len, 8);
				memcpy(&resp, e->bufs + (done % QSZ) * SLOT + 32, 8);
				CHECK_EQ(resp, ~done);
				done++;
			}
			CHECK_EQ(rc, 0);
		}
	}
	return 0;
}

/* Run the traffic between the driver end d and the device end v. */
static int traffic(struct end *d, struct end *v)
{
	pthread_t t;
	int rc;

	CHECK_EQ(pthread_create(&t, NULL, device_main, v), 0);
	rc = driver_main(d);
	if (rc) {
		/* let the device's watchdog end it: nothing more is coming */
		fprintf(stderr, "driver failed; waiting for the device to give up\n");
	}
	pthread_join(t, NULL);
	CHECK_EQ(rc, 0);
	CHECK_EQ(v->rc, 0);
	return 0;
}

/* (a) and (c): a link in this process. */
static int run_link(enum vrq_notify_kind kind, enum vrq_notify_kind block,
		    enum vrq_ring_kind ring, int event_idx, uint32_t link_flags)
{
	struct vrq_link drv, dev;
	struct vrq_link_cfg lc;
	struct end d, v;
	const struct vrq_drv_stats *ds;
	const struct vrq_dev_stats *vs;
	char name[96];
	int rc = -1;

	bool asym;

	snprintf(name, sizeof(name), "%s/%s %s event_idx=%d%s%s", vrq_notify_kind_name(kind),
		 kind == VRQ_NOTIFY_HYBRID ? vrq_notify_kind_name(block) : "-",
		 ring == VRQ_RING_PACKED ? "packed" : "split", event_idx,
		 link_flags & VRQ_LINK_FULL_FENCE ? " full-fence" : "",
		 link_flags & VRQ_LINK_ASYM_FENCE ? " asym-fence" : "");
	memset(&lc, 0, sizeof(lc));
	lc.ring = ring;
	lc.qsize = QSZ;
	lc.features = VRQ_FEATURE(VRQ_F_VERSION_1) | (event_idx ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0);
	lc.notify = kind;
	lc.block = block;
	lc.spin_ns = SPIN_NS;
	lc.buf_bytes = QSZ * SLOT;
	lc.flags = link_flags;
	if (vrq_link_create(&drv, &lc) < 0) {
		if ((link_flags & VRQ_LINK_ASYM_FENCE) && vrq_notify_heavy_register() < 0) {
			printf("[%s] skipped: %s\n", name, drv.msg);
			return 0;
		}
		fprintf(stderr, "[%s] link: %s\n", name, drv.msg);
		vrq_test_failures++;
		return -1;
	}
	if (vrq_link_attach(&dev, &drv) < 0) {
		fprintf(stderr, "[%s] attach: %s\n", name, dev.msg);
		vrq_link_destroy(&drv);
		vrq_test_failures++;
		return -1;
	}
	memset(&d, 0, sizeof(d));
	memset(&v, 0, sizeof(v));
	d.drv = &drv.drv;
	d.kick = &drv.kick;
	d.irq = &drv.irq;
	d.bufs = drv.bufs;
	d.bufs_da = drv.bufs_da;
	v.dev = &dev.dev;
	v.kick = &dev.kick;
	v.irq = &dev.irq;
	d.count = v.count = scaled(1000);
	asym = drv.hdr->flags & VRQ_LINK_HDR_ASYM_FENCE;
	memset(fence_hits, 0, sizeof(fence_hits));
	memset(full_hits, 0, sizeof(full_hits));
	memset(light_hits, 0, sizeof(light_hits));
	CHECK_OUT(traffic(&d, &v) == 0);
	ds = vrq_vq_drv_stats(&drv.drv);
	vs = vrq_vq_dev_stats(&dev.dev);
	CHECK_EQ_OUT(ds->completed, d.count);
	printf("[%s] %u round trips; device: %" PRIu64 " spin hits, %" PRIu64
	       " blocks, %" PRIu64 " re-check hits; driver: %" PRIu64 " spin hits, %" PRIu64
	       " blocks, %" PRIu64 " re-check hits; F1/F2 full %lu/%lu light %lu/%lu\n",
	       name, d.count, dev.kick.st.spin_hits, dev.kick.st.waits, dev.kick.st.recheck_hits,
	       drv.irq.st.spin_hits, drv.irq.st.waits, drv.irq.st.recheck_hits, full_hits[1],
	       full_hits[2], light_hits[1], light_hits[2]);
	/* sender counters match the ring's decisions */
	CHECK_EQ_OUT(drv.kick.st.sent + drv.kick.st.suppressed, ds->kicks + ds->kicks_suppressed);
	CHECK_EQ_OUT(dev.irq.st.sent + dev.irq.st.suppressed, vs->notifies + vs->notifies_suppressed);
	if (kind == VRQ_NOTIFY_POLL) {
		/* (c) the poll link made the promise: no decision, no fence */
		CHECK_EQ_OUT(fence_hits[1] + fence_hits[2] + fence_hits[3] + fence_hits[4], 0);
		CHECK_EQ_OUT(ds->kicks, 0);
		CHECK_EQ_OUT(vs->notifies, 0);
		CHECK_EQ_OUT(ds->kicks_suppressed, ds->publishes);
		CHECK_EQ_OUT(vs->notifies_suppressed, vs->publishes);
	} else {
		/* (a) every publish decided, through a full fence or, with the
		 * asymmetric fence, a light one; both sides slept */
		CHECK_EQ_OUT(fence_hits[1], ds->kicks + ds->kicks_suppressed);
		CHECK_EQ_OUT(fence_hits[2], vs->notifies + vs->notifies_suppressed);
		CHECK_EQ_OUT(asym ? light_hits[1] : full_hits[1], fence_hits[1]);
		CHECK_EQ_OUT(asym ? light_hits[2] : full_hits[2], fence_hits[2]);
		CHECK_EQ_OUT(asym ? full_hits[1] + full_hits[2] : light_hits[1] + light_hits[2], 0);
		CHECK_OUT(dev.kick.st.waits > 0);
		CHECK_OUT(drv.irq.st.waits > 0);
		/* the asymmetric fence only when asked for (link.h) */
		CHECK_OUT(asym == !!(link_flags & VRQ_LINK_ASYM_FENCE));
	}
	rc = 0;
out:
	vrq_link_close(&drv);
	vrq_link_destroy(&dev);
	vrq_link_destroy(&drv);
	return rc;
}

/* (b) the promise with eventfd notifiers (not the poll backend). */
static int run_promise(enum vrq_ring_kind ring, int event_idx)
{
	struct vrq_test_vcfg tc = {ring, QSZ, event_idx, 0, 0};
	struct vrq_test_vpair p;
	struct vrq_notify_shared *sh = NULL;
	struct vrq_notifier ktx, krx, itx, irx;
	struct vrq_notify_cfg nc;
	struct end d, v;
	int kfd = -1, ifd = -1, rc = -1;
	const char *name = ring == VRQ_RING_PACKED ? "promise packed" : "promise split";

	if (vrq_test_vpair_init(&p, &tc, QSZ * SLOT))
		return -1;
	vrq_vq_drv_fini(&p.drv);
	vrq_vq_dev_fini(&p.dev);
	p.cfg.flags = VRQ_CFG_DEV_POLLS | VRQ_CFG_DRV_POLLS;
	CHECK_OUT(vrq_vq_drv_init(&p.drv, &p.cfg) == 0 && vrq_vq_dev_init(&p.dev, &p.cfg) == 0);
	vrq_vq_drv_disable_cb(&p.drv);
	vrq_vq_dev_disable_kick(&p.dev);
	sh = (struct vrq_notify_shared *)vrq_test_alloc(2 * sizeof(*sh));
	CHECK_OUT(sh != NULL);
	vrq_notify_shared_init(&sh[0]);
	vrq_notify_shared_init(&sh[1]);
	CHECK_EQ_OUT(vrq_notify_eventfd(&kfd), 0);
	CHECK_EQ_OUT(vrq_notify_eventfd(&ifd), 0);
	memset(&nc, 0, sizeof(nc));
	nc.kind = VRQ_NOTIFY_EVENTFD;
	nc.shared = &sh[0];
	nc.fd = kfd;
	CHECK_EQ_OUT(vrq_notify_init(&ktx, &nc), 0);
	CHECK_EQ_OUT(vrq_notify_init(&krx, &nc), 0);
	nc.shared = &sh[1];
	nc.fd = ifd;
	CHECK_EQ_OUT(vrq_notify_init(&itx, &nc), 0);
	CHECK_EQ_OUT(vrq_notify_init(&irx, &nc), 0);
	memset(&d, 0, sizeof(d));
	memset(&v, 0, sizeof(v));
	d.drv = &p.drv;
	d.kick = &ktx;
	d.irq = &irx;
	d.bufs = p.buf_mem;
	d.bufs_da = VRQ_TEST_BUF_DA;
	v.dev = &p.dev;
	v.kick = &krx;
	v.irq = &itx;
	d.count = v.count = scaled(1000);
	memset(fence_hits, 0, sizeof(fence_hits));
	CHECK_OUT(traffic(&d, &v) == 0);
	printf("[%s event_idx=%d] %u round trips; device: %" PRIu64 " spin hits; driver: %" PRIu64
	       " spin hits\n",
	       name, event_idx, d.count, krx.st.spin_hits, irx.st.spin_hits);
	CHECK_EQ_OUT(fence_hits[1] + fence_hits[2] + fence_hits[3] + fence_hits[4], 0);
	CHECK_EQ_OUT(krx.st.waits + irx.st.waits, 0);
	CHECK_EQ_OUT(krx.st.recheck_hits + irx.st.recheck_hits, 0);
	CHECK_EQ_OUT(ktx.st.sent + itx.st.sent, 0);
	CHECK_EQ_OUT(ktx.st.suppressed, vrq_vq_drv_stats(&p.drv)->publishes);
	CHECK_EQ_OUT(itx.st.suppressed, vrq_vq_dev_stats(&p.dev)->publishes);
	rc = 0;
out:
	if (kfd >= 0)
		close(kfd);
	if (ifd >= 0)
		close(ifd);
	free(sh);
	vrq_test_vpair_fini(&p);
	return rc;
}

int main(void)
{
	unsigned r, e, b;

	for (r = 0; r < 2; r++)
		for (e = 0; e < 2; e++) {
			enum vrq_ring_kind ring = r ? VRQ_RING_PACKED : VRQ_RING_SPLIT;

			for (b = 0; b < 2; b++)
				run_link(VRQ_NOTIFY_HYBRID, b ? VRQ_NOTIFY_FUTEX : VRQ_NOTIFY_EVENTFD,
					 ring, (int)e, 0);
			run_link(VRQ_NOTIFY_HYBRID, VRQ_NOTIFY_EVENTFD, ring, (int)e,
				 VRQ_LINK_FULL_FENCE);
			run_link(VRQ_NOTIFY_HYBRID, VRQ_NOTIFY_EVENTFD, ring, (int)e,
				 VRQ_LINK_ASYM_FENCE);
			run_link(VRQ_NOTIFY_EVENTFD, VRQ_NOTIFY_EVENTFD, ring, (int)e,
				 VRQ_LINK_ASYM_FENCE);
			run_promise(ring, (int)e);
			run_link(VRQ_NOTIFY_POLL, VRQ_NOTIFY_POLL, ring, (int)e, 0);
		}
	return vrq_test_done("test_poll_sleep");
}
