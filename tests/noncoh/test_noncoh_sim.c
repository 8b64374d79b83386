/* SPDX-License-Identifier: MIT */
/*
 * tests/noncoh/test_noncoh_sim.c - the non-coherent domain on memory that
 * can show its bugs.
 *
 * The ring core is compiled into this program with VRQ_TEST_CACHE_SIM, so
 * every cache clean / invalidate of the split ring (VRQ_DOM_NONCOH) and of
 * the buffer-sync calls (vrq/cache.h) goes to cachesim.c, where the driver
 * and the device each see the shared memory through a private cached view
 * and only what is cleaned reaches memory.  Memory starts as garbage (0xA5),
 * as a cache full of old lines would leave it.
 *
 *  1. Refusals: split areas that share a cache line, and the packed ring.
 *  2. Protocol scenarios, one thread, each step's visible outcome checked:
 *     init, peeks, enable-and-recheck, disable, notification decisions,
 *     for EVENT_IDX and flags.
 *  3. Stress: a driver thread and a device thread exchange checksummed,
 *     sequence-numbered requests and responses (variable lengths, chained
 *     or indirect descriptors, IN_ORDER or not, batches), polling or with a
 *     doorbell per direction (the wait is enable + re-check + block), with
 *     random evictions on.  Every byte and length is checked, nothing lost,
 *     duplicated or reordered; a wait that times out is a lost wake-up.
 *  4. Mutation: the sites met in 2 and 3 are listed, then each one alone is
 *     switched off in a child process, which must fail (stale data, a lost
 *     buffer or a lost wake-up).  A surviving site is a failure: either the
 *     operation is not needed (remove it) or the tests cannot see it.
 *
 * Options: --count N (stress messages per mode), --no-mutants, --list, --cost
 *   (maintenance calls and lines moved per message, by mode, then exit).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vrq/vrq.h"
#include "cachesim.h"

#define LINE 64u
#define QSZ 64u
#define IND_MAX 4u
#define OUT_MAX 256u
#define IN_CAP 200u
#define SLOT_BYTES (OUT_MAX + 256u)
#define DA_BASE 0x40000000ull
#define GARBAGE 0xA5

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* ---- failure reporting ----------------------------------------------------- */

static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static char fail_msg[512];
static volatile int failed;

static void fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_lock);
	if (!failed) {
		va_start(ap, fmt);
		vsnprintf(fail_msg, sizeof(fail_msg), fmt, ap);
		va_end(ap);
		__atomic_store_n(&failed, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&fail_lock);
}

static int has_failed(void)
{
	return __atomic_load_n(&failed, __ATOMIC_ACQUIRE);
}

#define EXPECT(cond, ...)                                                                   \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fail(__VA_ARGS__);                                                  \
			return -1;                                                          \
		}                                                                           \
	} while (0)

/* ---- the simulated region ---------------------------------------------------- */

struct mode {
	int event_idx, indirect, in_order, notify;
	unsigned batch;
	const char *name;
};

static struct {
	struct vrq_split_layout lay;
	size_t pool_off, buf_off, buf_bytes, total;
	struct vrq_mem dmem, vmem; /* driver's and device's maps */
	struct vrq_split_drv drv;
	struct vrq_split_dev dev;
	struct mode m;
	sem_t kick, irq;
} S;

static uint8_t *dview(size_t off)
{
	return csim_view(0) + off;
}

static uint8_t *vview(size_t off)
{
	return csim_view(1) + off;
}

static uint64_t features(const struct mode *m)
{
	return VRQ_FEATURE(VRQ_F_VERSION_1) | (m->event_idx ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0) |
	       (m->indirect ? VRQ_FEATURE(VRQ_F_INDIRECT_DESC) : 0) |
	       (m->in_order ? VRQ_FEATURE(VRQ_F_IN_ORDER) : 0);
}

static int region_create(void)
{
	if (vrq_split_layout_calc(QSZ, LINE, &S.lay))
		return -1;
	S.pool_off = align_up(S.lay.total, LINE);
	S.buf_off = align_up(S.pool_off + (size_t)QSZ * IND_MAX * sizeof(struct vrq_split_desc), LINE);
	S.buf_bytes = (size_t)QSZ * SLOT_BYTES;
	S.total = align_up(S.buf_off + S.buf_bytes, 4096);
	return csim_init(S.total, LINE, 2);
}

static struct vrq_split_cfg cfg_for(uint8_t *view, const struct mode *m)
{
	struct vrq_split_cfg c;

	memset(&c, 0, sizeof(c));
	c.size = QSZ;
	c.features = features(m);
	c.domain = VRQ_DOM_NONCOH;
	c.ring = vrq_split_ring_at(view, &S.lay);
	return c;
}

/* Garbage memory and cold caches, then driver init, then device init. */
static int setup(const struct mode *m)
{
	struct vrq_split_cfg c;
	int rc;

	S.m = *m;
	csim_fill(GARBAGE);
	vrq_mem_init(&S.dmem);
	vrq_mem_init(&S.vmem);
	if (vrq_mem_add(&S.dmem, 1, DA_BASE + S.buf_off, dview(S.buf_off), S.buf_bytes,
			VRQ_MEM_NONCOHERENT) ||
	    vrq_mem_add(&S.vmem, 0, DA_BASE + S.pool_off, vview(S.pool_off),
			S.buf_off - S.pool_off, VRQ_MEM_COHERENT) ||
	    vrq_mem_add(&S.vmem, 1, DA_BASE + S.buf_off, vview(S.buf_off), S.buf_bytes,
			VRQ_MEM_NONCOHERENT))
		return -1;
	c = cfg_for(dview(0), m);
	if (m->indirect) {
		c.ind_pool = (struct vrq_split_desc *)dview(S.pool_off);
		c.ind_pool_da = DA_BASE + S.pool_off;
		c.ind_max = IND_MAX;
	}
	rc = vrq_split_drv_init(&S.drv, &c);
	EXPECT(rc == 0, "driver init: %s", vrq_strerror(rc));
	c = cfg_for(vview(0), m);
	c.mem = &S.vmem;
	rc = vrq_split_dev_init(&S.dev, &c);
	EXPECT(rc == 0, "device init: %s", vrq_strerror(rc));
	return 0;
}

static void teardown(void)
{
	vrq_split_drv_fini(&S.drv);
	vrq_split_dev_fini(&S.dev);
}

/* ---- messages: everything is a function of the sequence number ---------------- */

static uint32_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x;
}

static uint32_t out_len(uint64_t seq)
{
	return 8 + mix(seq) % 180;
}

static uint32_t resp_len(uint64_t seq)
{
	return 8 + mix(seq ^ 0x5555) % (IN_CAP - 8);
}

static uint8_t out_byte(uint64_t seq, uint32_t k)
{
	return (uint8_t)(mix(seq * 1315423911u + k) >> 7);
}

static uint8_t resp_byte(uint64_t seq, uint32_t k)
{
	return (uint8_t)(mix(~seq * 2654435761u + k) >> 11);
}

/* The driver's segments for message seq: one or two readable, one writable. */
static unsigned msg_sg(uint64_t seq, struct vrq_sg *sg)
{
	uint64_t da = DA_BASE + S.buf_off + (seq % QSZ) * SLOT_BYTES;
	uint32_t ol = out_len(seq);
	unsigned n_out = 1;

	if ((mix(seq) & 0x100) && ol > 16) {
		/* two readable segments: varies chain lengths, hence heads */
		sg[0].addr = da;
		sg[0].len = 8;
		sg[1].addr = da + 8;
		sg[1].len = ol - 8;
		n_out = 2;
	} else {
		sg[0].addr = da;
		sg[0].len = ol;
	}
	sg[n_out].addr = da + OUT_MAX;
	sg[n_out].len = IN_CAP;
	return n_out;
}

/* Driver: write the request and poison the response area, sync, add. */
static int drv_add(uint64_t seq)
{
	uint8_t *slot = dview(S.buf_off + (seq % QSZ) * SLOT_BYTES);
	struct vrq_sg sg[3];
	unsigned n_out = msg_sg(seq, sg), k;
	int rc;

	if (vrq_split_drv_num_free(&S.drv) < (S.m.indirect ? 1 : n_out + 1))
		return 0;
	memcpy(slot, &seq, 8);
	for (k = 8; k < out_len(seq); k++)
		slot[k] = out_byte(seq, k);
	memset(slot + OUT_MAX, 0xEE, IN_CAP); /* a driver zeroing its receive buffer */
	rc = vrq_sg_sync_for_device(&S.dmem, sg, n_out, 1);
	EXPECT(rc == 0, "sg_sync_for_device: %d", rc);
	rc = vrq_split_drv_add(&S.drv, sg, n_out, 1, (void *)(uintptr_t)(seq + 1));
	EXPECT(rc == 0, "add seq %llu: %s", (unsigned long long)seq, vrq_strerror(rc));
	return 1;
}

/* Driver: take one used buffer and check it. 1 taken, 0 none, -1 failure. */
static int drv_get(uint64_t expect)
{
	struct vrq_sg sg[3];
	void *tok;
	uint32_t len, k;
	uint64_t seq;
	unsigned n_out;
	const uint8_t *r;
	int rc = vrq_split_drv_get_used(&S.drv, &tok, &len);

	if (rc == 0)
		return 0;
	EXPECT(rc == 1, "get_used: %s", vrq_strerror(rc));
	seq = (uint64_t)(uintptr_t)tok - 1;
	EXPECT(seq == expect, "driver got seq %llu, expected %llu (lost, duplicated or reordered)",
	       (unsigned long long)seq, (unsigned long long)expect);
	EXPECT(len == resp_len(seq), "seq %llu: used len %u, expected %u", (unsigned long long)seq,
	       len, resp_len(seq));
	n_out = msg_sg(seq, sg);
	rc = vrq_sg_sync_for_cpu(&S.dmem, sg, n_out, 1, len);
	EXPECT(rc == 0, "sg_sync_for_cpu: %d", rc);
	r = dview(S.buf_off + (seq % QSZ) * SLOT_BYTES + OUT_MAX);
	for (k = 0; k < len; k++)
		EXPECT(r[k] == resp_byte(seq, k), "seq %llu: stale response byte %u (0x%02x, want 0x%02x)",
		       (unsigned long long)seq, k, r[k], resp_byte(seq, k));
	return 1;
}

/* Device: pop one chain, check the request, write the response, push.
 * 1 done, 0 ring empty, -1 failure. */
static int dev_serve(uint64_t expect)
{
	struct vrq_seg segs[8];
	struct vrq_chain c;
	uint8_t req[OUT_MAX];
	uint32_t got = 0, k, rl;
	uint64_t seq;
	unsigned i;
	int rc;

	vrq_chain_init(&c, segs, 8);
	rc = vrq_split_dev_pop(&S.dev, &c);
	if (rc == 0)
		return 0;
	EXPECT(rc == 1, "pop (expecting seq %llu): %s", (unsigned long long)expect,
	       vrq_strerror(rc));
	vrq_chain_sync_for_cpu(&c);
	EXPECT(c.n == c.n_out + 1 && c.out_len <= OUT_MAX && c.in_len == IN_CAP,
	       "chain shape n=%u n_out=%u out=%u in=%u", c.n, c.n_out, c.out_len, c.in_len);
	for (i = 0; i < c.n_out; i++) {
		EXPECT(segs[i].flags & VRQ_SEG_NONCOH, "segment %u not marked non-coherent: flags 0x%x addr 0x%llx", i, segs[i].flags, (unsigned long long)segs[i].addr);
		memcpy(req + got, segs[i].va, segs[i].len);
		got += segs[i].len;
	}
	EXPECT(got >= 8, "request of %u bytes", got);
	memcpy(&seq, req, 8);
	EXPECT(seq == expect, "device got seq %llu, expected %llu", (unsigned long long)seq,
	       (unsigned long long)expect);
	EXPECT(got == out_len(seq), "seq %llu: request %u bytes, expected %u",
	       (unsigned long long)seq, got, out_len(seq));
	for (k = 8; k < got; k++)
		EXPECT(req[k] == out_byte(seq, k), "seq %llu: stale request byte %u",
		       (unsigned long long)seq, k);
	rl = resp_len(seq);
	for (k = 0; k < rl; k++)
		((uint8_t *)segs[c.n_out].va)[k] = resp_byte(seq, k);
	vrq_chain_sync_for_device(&c, rl);
	rc = vrq_split_dev_push(&S.dev, c.head, rl);
	EXPECT(rc == 0, "push: %s", vrq_strerror(rc));
	return 1;
}

/* ---- 1. refusals -------------------------------------------------------------- */

static int test_refusals(void)
{
	struct mode m = {1, 0, 0, 0, 1, "refusals"};
	struct vrq_split_layout l;
	struct vrq_split_cfg c;
	struct vrq_packed_layout pl;
	struct vrq_packed_cfg pc;
	struct vrq_split_drv d;
	struct vrq_packed_drv pd;
	int rc;

	csim_fill(0);
	/* area_align 0: the used ring starts in the avail ring's last line */
	EXPECT(vrq_split_layout_calc(256, 0, &l) == 0, "layout");
	EXPECT(l.used_off % LINE != 0, "layout_calc(256, 0) is line-aligned: test is moot");
	memset(&c, 0, sizeof(c));
	c.size = 256;
	c.features = features(&m);
	c.domain = VRQ_DOM_NONCOH;
	c.ring = vrq_split_ring_at(dview(0), &l);
	rc = vrq_split_drv_init(&d, &c);
	EXPECT(rc == -VRQ_EINVAL, "split NONCOH with areas sharing a line: init %d, want %d", rc,
	       -VRQ_EINVAL);
	c.domain = VRQ_DOM_IO;
	rc = vrq_split_drv_init(&d, &c);
	EXPECT(rc == 0, "the same layout in the IO domain: %d", rc);
	vrq_split_drv_fini(&d);

	EXPECT(vrq_packed_layout_calc(256, LINE, &pl) == 0, "packed layout");
	memset(&pc, 0, sizeof(pc));
	pc.size = 256;
	pc.features = VRQ_FEATURE(VRQ_F_VERSION_1) | VRQ_FEATURE(VRQ_F_RING_PACKED);
	pc.domain = VRQ_DOM_NONCOH;
	pc.ring = vrq_packed_ring_at(dview(0), &pl);
	rc = vrq_packed_drv_init(&pd, &pc);
	EXPECT(rc == -VRQ_ENOTSUP, "packed NONCOH: init %d, want %d", rc, -VRQ_ENOTSUP);

	/* the block size is configurable only where the hardware cannot tell */
	EXPECT(vrq_cache_set_block_size(63) == -VRQ_EINVAL, "block size 63 accepted");
	EXPECT(vrq_cache_set_block_size(8192) == -VRQ_EINVAL, "block size 8192 accepted");
#if defined(__riscv_zicbom)
	EXPECT(vrq_cache_set_block_size(64) == 0, "riscv64 Zicbom: block size refused");
#else
	EXPECT(vrq_cache_set_block_size(64) == -VRQ_ENOTSUP, "block size settable on %s",
	       VRQ_ARCH_NAME);
#endif
	return 0;
}

/* ---- 2. protocol scenarios ---------------------------------------------------- */

/* One round trip: add + publish, serve + publish, get. */
static int round_trip(uint64_t seq)
{
	EXPECT(drv_add(seq) == 1, "add");
	vrq_split_drv_publish(&S.drv);
	EXPECT(dev_serve(seq) == 1, "serve seq %llu: nothing popped", (unsigned long long)seq);
	vrq_split_dev_publish(&S.dev);
	EXPECT(drv_get(seq) == 1, "get seq %llu: nothing used", (unsigned long long)seq);
	return 0;
}

static int scenarios(int event_idx)
{
	struct mode m = {event_idx, 0, 0, 0, 1, "scenario"};
	uint64_t seq = 0;
	struct vrq_seg segs[2];
	struct vrq_chain c;
	struct vrq_sg zero = {0, 0};
	void *tok;
	int rc;

	/* init over garbage: an empty ring, notifications on both ways */
	if (setup(&m))
		return -1;
	vrq_chain_init(&c, segs, 2);
	rc = vrq_split_dev_pop(&S.dev, &c);
	EXPECT(rc == 0, "[init] pop on a fresh ring: %d (%s)", rc, vrq_strerror(rc));
	EXPECT(drv_add(seq) == 1, "add");
	EXPECT(vrq_split_drv_kick_prepare(&S.drv), "[init] first kick suppressed");
	EXPECT(dev_serve(seq) == 1, "[init] serve");
	EXPECT(vrq_split_dev_notify_prepare(&S.dev), "[init] first interrupt suppressed");
	EXPECT(drv_get(seq) == 1, "[init] get");
	seq++;
	/* a device that never touches its suppression field keeps the
	 * driver's initial "notify me" (flags mode: EVENT_IDX devices must
	 * maintain avail_event) even after its used entries were written back */
	if (!event_idx) {
		EXPECT(drv_add(seq) == 1, "add");
		EXPECT(vrq_split_drv_kick_prepare(&S.drv), "[default] kick suppressed by the device's "
							   "write-back of stale used->flags");
		EXPECT(dev_serve(seq) == 1, "serve");
		vrq_split_dev_publish(&S.dev);
		EXPECT(drv_get(seq) == 1, "get");
		seq++;
	}
	teardown();

	/* a descriptor equal to the zeroed ring: the driver's compare-skip
	 * relies on init having cleaned the zeroes */
	if (setup(&m))
		return -1;
	EXPECT(vrq_split_drv_add(&S.drv, &zero, 1, 0, (void *)1) == 0, "add zero");
	vrq_split_drv_publish(&S.drv);
	vrq_chain_init(&c, segs, 2);
	rc = vrq_split_dev_pop(&S.dev, &c);
	EXPECT(rc == 1 && c.n == 1 && segs[0].len == 0 && segs[0].addr == 0,
	       "[zero desc] pop %d (%s), n %u", rc, vrq_strerror(rc), c.n);
	EXPECT(vrq_split_dev_push(&S.dev, c.head, 0) == 0, "push");
	vrq_split_dev_publish(&S.dev);
	EXPECT(vrq_split_drv_get_used(&S.drv, &tok, NULL) == 1 && tok == (void *)1, "[zero] get");
	teardown();

	if (setup(&m))
		return -1;
	seq = 0;
	/* peeks see the peer's publish */
	EXPECT(!vrq_split_dev_has_avail(&S.dev), "[peek] has_avail on an empty ring");
	EXPECT(drv_add(seq) == 1, "add");
	(void)vrq_split_drv_kick_prepare(&S.drv);
	EXPECT(vrq_split_dev_has_avail(&S.dev), "[peek] has_avail missed a publish");
	EXPECT(!vrq_split_drv_has_used(&S.drv), "[peek] has_used with nothing used");
	EXPECT(dev_serve(seq) == 1, "serve");
	(void)vrq_split_dev_notify_prepare(&S.dev);
	EXPECT(vrq_split_drv_has_used(&S.drv), "[peek] has_used missed a publish");
	EXPECT(drv_get(seq) == 1, "get");
	seq++;

	/* enable-and-recheck sees what was published while disabled */
	EXPECT(dev_serve(seq) == 0, "empty");
	vrq_split_dev_disable_kick(&S.dev);
	EXPECT(drv_add(seq) == 1, "add");
	(void)vrq_split_drv_kick_prepare(&S.drv);
	EXPECT(vrq_split_dev_enable_kick(&S.dev), "[recheck] enable_kick missed a publish");
	EXPECT(dev_serve(seq) == 1, "serve");
	EXPECT(drv_get(seq) == 0, "nothing yet");
	vrq_split_drv_disable_cb(&S.drv);
	(void)vrq_split_dev_notify_prepare(&S.dev);
	EXPECT(vrq_split_drv_enable_cb(&S.drv), "[recheck] enable_cb missed a publish");
	EXPECT(drv_get(seq) == 1, "get");
	seq++;

	/* disabled: the peer's decision is "suppressed" */
	EXPECT(dev_serve(seq) == 0, "empty");
	EXPECT(!vrq_split_dev_enable_kick(&S.dev), "nothing pending");
	vrq_split_dev_disable_kick(&S.dev);
	EXPECT(drv_add(seq) == 1, "add");
	EXPECT(!vrq_split_drv_kick_prepare(&S.drv), "[disable] kick despite disable_kick");
	EXPECT(dev_serve(seq) == 1, "serve");
	EXPECT(!vrq_split_drv_enable_cb(&S.drv), "nothing used yet");
	vrq_split_drv_disable_cb(&S.drv);
	EXPECT(!vrq_split_dev_notify_prepare(&S.dev), "[disable] interrupt despite disable_cb");
	EXPECT(drv_get(seq) == 1, "get");
	seq++;

	/* re-enabled: the decision, taken over a stale cached line, must see it */
	EXPECT(dev_serve(seq) == 0, "empty");
	EXPECT(!vrq_split_dev_enable_kick(&S.dev), "nothing pending");
	EXPECT(drv_add(seq) == 1, "add");
	EXPECT(vrq_split_drv_kick_prepare(&S.drv), "[enable] kick suppressed after enable_kick");
	EXPECT(dev_serve(seq) == 1, "serve");
	EXPECT(!vrq_split_drv_enable_cb(&S.drv), "nothing used yet");
	EXPECT(vrq_split_dev_notify_prepare(&S.dev), "[enable] interrupt suppressed after enable_cb");
	EXPECT(drv_get(seq) == 1, "get");
	seq++;

	/* and a few laps of the ring, one buffer at a time */
	while (seq < 3 * QSZ)
		if (round_trip(seq++))
			return -1;
	teardown();
	return 0;
}

/* ---- 3. stress ---------------------------------------------------------------- */

static uint64_t g_count;
static volatile int stop;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Block on a doorbell for at most 1 s; a timeout is a lost wake-up. */
static int doorbell_wait(sem_t *s, const char *who)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	while (sem_timedwait(s, &ts)) {
		if (errno == EINTR)
			continue;
		if (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
			fail("%s: lost wake-up (blocked 1 s with the peer's work pending)", who);
		return -1;
	}
	return 0;
}

static void *driver_thread(void *arg)
{
	uint64_t next_add = 0, next_get = 0, last_progress = now_ns();
	unsigned since_pub = 0;
	int rc;

	(void)arg;
	while (next_get < g_count && !has_failed()) {
		int progress = 0;

		while (next_add < g_count && next_add - next_get < QSZ) {
			rc = drv_add(next_add);
			if (rc < 0)
				goto out;
			if (rc == 0)
				break;
			next_add++;
			progress = 1;
			if (++since_pub >= S.m.batch) {
				since_pub = 0;
				if (S.m.notify ? vrq_split_drv_kick_prepare(&S.drv)
					       : (vrq_split_drv_publish(&S.drv), 0))
					sem_post(&S.kick);
			}
		}
		if (since_pub) {
			since_pub = 0;
			if (S.m.notify ? vrq_split_drv_kick_prepare(&S.drv)
				       : (vrq_split_drv_publish(&S.drv), 0))
				sem_post(&S.kick);
		}
		while ((rc = drv_get(next_get)) == 1) {
			next_get++;
			progress = 1;
		}
		if (rc < 0)
			goto out;
		if (progress) {
			last_progress = now_ns();
			continue;
		}
		if (S.m.notify) {
			if (vrq_split_drv_enable_cb(&S.drv)) {
				vrq_split_drv_disable_cb(&S.drv);
				continue;
			}
			if (doorbell_wait(&S.irq, "driver"))
				goto out;
			vrq_split_drv_disable_cb(&S.drv);
		} else if (now_ns() - last_progress > 2000000000ull) {
			fail("driver: no used buffer for 2 s (lost buffer), %llu/%llu done",
			     (unsigned long long)next_get, (unsigned long long)g_count);
			goto out;
		}
	}
out:
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	sem_post(&S.kick);
	return NULL;
}

static void *device_thread(void *arg)
{
	uint64_t next = 0, last_progress = now_ns();
	unsigned since_pub = 0;
	int rc;

	(void)arg;
	while (next < g_count && !has_failed() && !__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		rc = dev_serve(next);
		if (rc < 0)
			break;
		if (rc == 1) {
			next++;
			last_progress = now_ns();
			if (++since_pub < S.m.batch && next < g_count)
				continue;
		}
		/* batch full, ring empty or done: publish what was pushed */
		since_pub = 0;
		if (S.m.notify ? vrq_split_dev_notify_prepare(&S.dev)
			       : (vrq_split_dev_publish(&S.dev), 0))
			sem_post(&S.irq);
		if (rc == 1)
			continue;
		if (S.m.notify) {
			if (vrq_split_dev_enable_kick(&S.dev)) {
				vrq_split_dev_disable_kick(&S.dev);
				continue;
			}
			if (doorbell_wait(&S.kick, "device"))
				break;
			vrq_split_dev_disable_kick(&S.dev);
		} else if (now_ns() - last_progress > 2000000000ull) {
			fail("device: nothing available for 2 s (lost buffer), %llu/%llu served",
			     (unsigned long long)next, (unsigned long long)g_count);
			break;
		}
	}
	sem_post(&S.irq);
	return NULL;
}

static unsigned g_chaos = 20; /* permille of maintenance calls that also evict */

static int stress(const struct mode *m, uint64_t count)
{
	pthread_t t[2];

	if (setup(m))
		return -1;
	g_count = count;
	stop = 0;
	sem_init(&S.kick, 0, 0);
	sem_init(&S.irq, 0, 0);
	csim_set_chaos(g_chaos);
	pthread_create(&t[0], NULL, driver_thread, NULL);
	pthread_create(&t[1], NULL, device_thread, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	csim_set_chaos(0);
	sem_destroy(&S.kick);
	sem_destroy(&S.irq);
	if (!has_failed() && (S.drv.st.completed != count || S.dev.st.popped != count))
		fail("[%s] completed %llu popped %llu of %llu", m->name,
		     (unsigned long long)S.drv.st.completed, (unsigned long long)S.dev.st.popped,
		     (unsigned long long)count);
	teardown();
	return has_failed() ? -1 : 0;
}

static const struct mode modes[] = {
	{1, 0, 0, 1, 1, "event_idx notify"},
	{0, 0, 0, 1, 1, "flags notify"},
	{1, 1, 0, 1, 4, "event_idx notify indirect batch4"},
	{0, 1, 1, 1, 3, "flags notify indirect in_order batch3"},
	{1, 0, 1, 1, 2, "event_idx notify in_order batch2"},
	{1, 0, 0, 0, 1, "poll"},
	{0, 1, 0, 0, 4, "poll indirect batch4"},
	{1, 0, 1, 0, 3, "poll in_order batch3"},
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

/* Everything once; returns 0 or -1 with fail_msg set. */
static int run_all(uint64_t count)
{
	unsigned i;

	if (scenarios(1) || scenarios(0))
		return -1;
	for (i = 0; i < NMODES; i++)
		if (stress(&modes[i], count)) {
			char m[600];

			snprintf(m, sizeof(m), "[%s] %s", modes[i].name, fail_msg);
			memcpy(fail_msg, m, sizeof(fail_msg) - 1);
			return -1;
		}
	return 0;
}

/* ---- 4. mutation -------------------------------------------------------------- */

/* Run everything in a child with @p site switched off.  Returns 1 if the
 * child failed (the mutant is killed), 0 if it passed, -1 on harness error;
 * the child's reason goes to @p why. */
static int run_mutant(const char *site, uint64_t count, char *why, size_t n)
{
	int pfd[2], status;
	pid_t pid;
	ssize_t got;
	uint64_t deadline = now_ns() + 60ull * 1000000000u;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		csim_disable_site(site);
		g_chaos = 0; /* a random eviction could hide the missing operation */
		if (run_all(count) == 0)
			_exit(0);
		if (write(pfd[1], fail_msg, strlen(fail_msg)) < 0)
			_exit(3);
		_exit(1);
	}
	close(pfd[1]);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(why, n, "hung (killed after 60 s)");
			close(pfd[0]);
			return 1;
		}
		usleep(10000);
	}
	got = read(pfd[0], why, n - 1);
	why[got > 0 ? got : 0] = 0;
	close(pfd[0]);
	if (WIFSIGNALED(status)) {
		snprintf(why, n, "crashed with signal %d", WTERMSIG(status));
		return 1;
	}
	return WEXITSTATUS(status) == 0 ? 0 : 1;
}

static const char *short_site(const char *s)
{
	const char *p = strstr(s, "include/vrq/");

	if (!p)
		p = strstr(s, "core/");
	return p ? p : s;
}

int main(int argc, char **argv)
{
	const char *sites[CSIM_MAX_SITES];
	const char *env = getenv("VRQ_TEST_SCALE");
	double scale = env ? atof(env) : 1.0;
	uint64_t count = 0, mcount;
	int mutants = 1, list = 0, cost = 0, i, survivors = 0;
	unsigned nsites, k;
	struct csim_stats st;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--no-mutants"))
			mutants = 0;
		else if (!strcmp(argv[i], "--list"))
			list = 1;
		else if (!strcmp(argv[i], "--cost"))
			cost = 1;
		else {
			fprintf(stderr, "usage: %s [--count N] [--no-mutants] [--list] [--cost]\n",
				argv[0]);
			return 2;
		}
	}
	if (scale <= 0)
		scale = 1;
	if (!count)
		count = (uint64_t)(20000 * scale) + 500;
	mcount = 2 * QSZ * 4; /* a few laps: enough to meet every site */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (region_create()) {
		fprintf(stderr, "cache simulator setup failed\n");
		return 1;
	}
	printf("simulated region %zu bytes, line %u, queue %u\n", S.total, LINE, QSZ);

	if (test_refusals()) {
		fprintf(stderr, "FAIL refusals: %s\n", fail_msg);
		return 1;
	}
	printf("refusals: ok (split areas sharing a line -> EINVAL, packed -> ENOTSUP)\n");

	if (cost) {
		/* Cache maintenance per message, both sides together, no
		 * random evictions: what a non-coherent pair pays (times the
		 * SoC's cost per line operation).  Exits after the table. */
		g_chaos = 0;
		printf("per message (request 1..256 B, response 8..200 B), both sides: clean and\n"
		       "invalidate calls (one per address range), lines written back and fetched\n");
		printf("%-40s %9s %9s %9s %9s\n", "mode (split ring, 64 B lines)", "cleans",
		       "invals", "wback ln", "fetch ln");
		for (i = 0; i < (int)NMODES; i++) {
			struct csim_stats a, b;

			csim_get_stats(&a);
			if (stress(&modes[i], count)) {
				fprintf(stderr, "FAIL [%s] %s\n", modes[i].name, fail_msg);
				return 1;
			}
			csim_get_stats(&b);
			printf("%-40s %9.2f %9.2f %9.2f %9.2f\n", modes[i].name,
			       (double)(b.cleans - a.cleans) / (double)count,
			       (double)(b.invals - a.invals) / (double)count,
			       (double)(b.writebacks - a.writebacks) / (double)count,
			       (double)(b.refetches - a.refetches) / (double)count);
		}
		return 0;
	}

	if (run_all(count)) {
		fprintf(stderr, "FAIL %s\n", fail_msg);
		return 1;
	}
	csim_get_stats(&st);
	printf("scenarios + stress (%u modes x %llu messages, random evictions): ok; "
	       "%lu cleans, %lu invalidates, %lu lines written back, %lu evictions\n",
	       (unsigned)NMODES, (unsigned long long)count, st.cleans, st.invals, st.writebacks,
	       st.evictions);

	nsites = csim_sites(sites, CSIM_MAX_SITES);
	printf("%u maintenance sites met\n", nsites);
	if (list)
		for (k = 0; k < nsites; k++)
			printf("  %s\n", short_site(sites[k]));
	if (nsites < 20) {
		fprintf(stderr, "FAIL only %u sites met: is the simulator wired in?\n", nsites);
		return 1;
	}
	if (!mutants)
		return 0;
	for (k = 0; k < nsites; k++) {
		char why[600];
		int r = run_mutant(sites[k], mcount, why, sizeof(why));

		if (r < 0) {
			fprintf(stderr, "FAIL harness error on %s\n", sites[k]);
			return 1;
		}
		if (r == 0) {
			printf("SURVIVED  %-40s (no test fails without it)\n", short_site(sites[k]));
			survivors++;
		} else {
			printf("killed    %-40s %s\n", short_site(sites[k]), why);
		}
	}
	if (survivors) {
		fprintf(stderr, "FAIL %d maintenance site(s) can be removed without a failure\n",
			survivors);
		return 1;
	}
	printf("test_noncoh_sim: ok (%u sites, each one needed)\n", nsites);
	return 0;
}
