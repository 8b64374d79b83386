/* SPDX-License-Identifier: MIT */
/*
 * tests/stress/test_split_stress.c - driver and device on two threads over
 * one ring (SMP domain), split or packed, through the ring-agnostic vrq_vq
 * handle.
 *
 *   test_split_stress [--ring split|packed] [--count N] [--size Q]
 *                     [--mode poll|notify]
 *
 * --ring: ring format (default split; registered a second time as
 * test_packed_stress with --ring packed); --count: buffers per run (default
 * 10000000, or $VRQ_STRESS_COUNT when no --count is given); --size: queue
 * size (default 256; split: a power of two, packed: any value 1..32768);
 * --mode: one mode (default: poll, then notify with EVENT_IDX on and off,
 * each --count).
 *
 * The driver sends sequence-numbered buffers: a slot of the buffer region
 * holding {u64 seq; u32 len; payload[len] derived from seq; u32 checksum}
 * as one device-readable segment and a 16-byte device-writable segment.
 * The device checks the checksum and that seq is exactly the previous + 1,
 * echoes {seq, checksum ^ 0xffffffff} and pushes len 16; the driver checks
 * the echo against the slot it sent and that every seq completes once.
 *
 * Batches of B in {1, 8, 32} (by seq range) on both sides, each followed
 * by vrq_vq_drv_kick_prepare() / vrq_vq_dev_notify_prepare().  Mode notify
 * suppresses notifications for real: a side with nothing to do enables them
 * (vrq_vq_drv_enable_cb / vrq_vq_dev_enable_kick) and, unless that
 * reports pending work, waits on a "doorbell" (an atomic counter the peer
 * bumps when need_kick / need_notify says so).  A lost wake-up shows up as a
 * wait with no progress for 10 s: diagnostics (the shared ring state and
 * each role's private positions, for the ring in use) and failure.  Mode
 * poll spins.  Throughput is printed for information only.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vrq_test.h"

#define SLOT_SIZE 128u	/* one slot per buffer in flight */
#define HDR_LEN 12u	/* u64 seq + u32 len */
#define MAX_PAYLOAD 31u /* header + payload + checksum fit one cache line */
#define IN_OFF 64u	/* writable part: second cache line of the slot */
#define IN_LEN 16u
#define WATCHDOG_NS (10ull * 1000000000ull)

static const unsigned batch_sizes[3] = {1, 8, 32};

/* B for the buffer with sequence number @p seq (same on both sides). */
static unsigned batch_of(uint64_t seq)
{
	return batch_sizes[(seq >> 12) % 3];
}

static uint32_t payload_len(uint64_t seq)
{
	return (uint32_t)((seq * 7 + (seq >> 5)) % (MAX_PAYLOAD + 1));
}

/* FNV-1a (64-bit, over 8-byte words then the tail bytes), folded to 32 bits. */
static uint32_t checksum(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull, w;

	for (; n >= 8; n -= 8, p += 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	for (; n; n--, p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

enum mode { MODE_POLL, MODE_NOTIFY };

struct run {
	/* configuration (read-only while the threads run) */
	const char *name;
	enum mode mode;
	uint64_t count;
	struct vrq_test_vcfg tc;
	struct vrq_test_vpair p;
	uint32_t nslots;

	/* shared: one cache line each */
	_Alignas(64) atomic_uint_fast64_t kick_bell; /* driver -> device */
	_Alignas(64) atomic_uint_fast64_t irq_bell;  /* device -> driver */
	_Alignas(64) atomic_uint_fast64_t drv_progress;
	_Alignas(64) atomic_uint_fast64_t dev_progress;
	_Alignas(64) atomic_int stop; /* a side failed: the other one exits */

	/* driver thread only */
	_Alignas(64) uint32_t *free_slots;
	uint32_t nfree;
	uint64_t *slot_seq;
	uint32_t *slot_ck;
	uint8_t *inflight;
	uint8_t *seen; /* bitmap: seq completed */
	uint64_t sent, done;
	uint64_t kick_decisions, kick_rings, irq_seen, irq_recv, drv_waits;
	int drv_rc;

	/* device thread only */
	_Alignas(64) uint64_t expect, popped;
	uint64_t notify_decisions, irq_rings, kick_seen, kick_recv, dev_waits;
	int dev_rc;
};

/* Failure inside a thread: report, stop the peer, return -1. */
#define T_CHECK(r, cond)                                                                      \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, __LINE__,  \
				(r)->name, #cond);                                            \
			atomic_store(&(r)->stop, 1);                                          \
			return -1;                                                            \
		}                                                                             \
	} while (0)

/* Shared ring state, read with atomic loads (no race with the peer). */
static void dump_split_ring(struct run *r, const char *who)
{
	struct vrq_split_drv *q = &r->p.drv.split; /* read-only pointers, set at init */
	uint16_t size = r->tc.size;

	fprintf(stderr,
		"  [%s] %s sees: avail.idx=%u avail.flags=%#x used_event=%u | used.idx=%u "
		"used.flags=%#x avail_event=%u | kick_bell=%" PRIuFAST64 " irq_bell=%" PRIuFAST64
		"\n",
		r->name, who, vrq_le16_to_cpu(__atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE)),
		vrq_le16_to_cpu(__atomic_load_n(&q->avail->flags, __ATOMIC_ACQUIRE)),
		vrq_le16_to_cpu(__atomic_load_n(&q->avail->ring[size], __ATOMIC_ACQUIRE)),
		vrq_le16_to_cpu(__atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE)),
		vrq_le16_to_cpu(__atomic_load_n(&q->used->flags, __ATOMIC_ACQUIRE)),
		vrq_le16_to_cpu(__atomic_load_n((vrq_le16 *)(void *)&q->used->ring[size],
						__ATOMIC_ACQUIRE)),
		atomic_load(&r->kick_bell), atomic_load(&r->irq_bell));
}

/* The packed event structures are read as one 32-bit word (off_wrap low). */
typedef uint32_t __attribute__((may_alias)) ev_word;

/* Packed: both event suppression structures (one 32-bit load each) and the
 * flags of the descriptor the caller's role looks at next. */
static void dump_packed_ring(struct run *r, const char *who, uint16_t pos)
{
	struct vrq_packed_drv *q = &r->p.drv.packed; /* read-only pointers, set at init */
	uint32_t drv_ev = vrq_le32_to_cpu(
		__atomic_load_n((const ev_word *)(const void *)q->drv_ev, __ATOMIC_ACQUIRE));
	uint32_t dev_ev = vrq_le32_to_cpu(
		__atomic_load_n((const ev_word *)(const void *)q->dev_ev, __ATOMIC_ACQUIRE));

	fprintf(stderr,
		"  [%s] %s sees: driver event off_wrap=%#x flags=%u | device event off_wrap=%#x "
		"flags=%u | desc[%u].flags=%#x | kick_bell=%" PRIuFAST64 " irq_bell=%" PRIuFAST64
		"\n",
		r->name, who, drv_ev & 0xffff, drv_ev >> 16, dev_ev & 0xffff, dev_ev >> 16, pos,
		vrq_le16_to_cpu(__atomic_load_n(&q->desc[pos].flags, __ATOMIC_ACQUIRE)),
		atomic_load(&r->kick_bell), atomic_load(&r->irq_bell));
}

/* Called on the driver thread: the driver's private state is ours to read. */
static void dump_drv(struct run *r)
{
	if (r->tc.kind == VRQ_RING_PACKED) {
		struct vrq_packed_drv *q = &r->p.drv.packed;

		fprintf(stderr,
			"  [%s] driver: sent=%" PRIu64 " done=%" PRIu64 " next_avail=%u avail_wrap=%d "
			"pend=%d pub_pos=%u pub_wrap=%d kick_added=%" PRIu64 " next_used=%u used_wrap=%d "
			"ino_batch=%d num_free=%u cb_enabled=%d kicks=%" PRIu64
			" suppressed=%" PRIu64 " irq_recv=%" PRIu64 " broken=%d\n",
			r->name, r->sent, r->done, q->next_avail, q->avail_wrap, q->pend, q->pub_pos,
			q->pub_wrap, q->kick_added, q->next_used, q->used_wrap, q->ino_batch,
			q->num_free, q->cb_enabled, q->st.kicks, q->st.kicks_suppressed, r->irq_recv,
			q->broken);
		dump_packed_ring(r, "driver", q->next_used);
	} else {
		struct vrq_split_drv *q = &r->p.drv.split;

		fprintf(stderr,
			"  [%s] driver: sent=%" PRIu64 " done=%" PRIu64 " avail_idx=%u avail_pub=%u "
			"kick_pending=%" PRIu64 " last_used=%u used_cache=%u num_free=%u cb_enabled=%d kicks=%" PRIu64
			" suppressed=%" PRIu64 " irq_recv=%" PRIu64 " broken=%d\n",
			r->name, r->sent, r->done, q->avail_idx, q->avail_pub, q->kick_pending, q->last_used,
			q->used_cache, q->num_free, q->cb_enabled, q->st.kicks, q->st.kicks_suppressed,
			r->irq_recv, q->broken);
		dump_split_ring(r, "driver");
	}
}

/* Called on the device thread. */
static void dump_dev(struct run *r)
{
	if (r->tc.kind == VRQ_RING_PACKED) {
		struct vrq_packed_dev *d = &r->p.dev.packed;

		fprintf(stderr,
			"  [%s] device: popped=%" PRIu64 " next_avail=%u avail_wrap=%d next_used=%u "
			"used_wrap=%d pend=%d pub_pos=%u pub_wrap=%d notify_added=%" PRIu64 " ino_n=%u "
			"notifies=%" PRIu64 " suppressed=%" PRIu64 " kick_recv=%" PRIu64 " broken=%d\n",
			r->name, r->popped, d->next_avail, d->avail_wrap, d->next_used, d->used_wrap,
			d->pend, d->pub_pos, d->pub_wrap, d->notify_added, d->ino_n, d->st.notifies,
			d->st.notifies_suppressed, r->kick_recv, d->broken);
		dump_packed_ring(r, "device", d->next_avail);
	} else {
		struct vrq_split_dev *d = &r->p.dev.split;

		fprintf(stderr,
			"  [%s] device: popped=%" PRIu64 " last_avail=%u avail_cache=%u used_idx=%u "
			"used_pub=%u notify_pending=%" PRIu64 " notifies=%" PRIu64 " suppressed=%" PRIu64
			" kick_recv=%" PRIu64 " broken=%d\n",
			r->name, r->popped, d->last_avail, d->avail_cache, d->used_idx, d->used_pub,
			d->notify_pending, d->st.notifies, d->st.notifies_suppressed, r->kick_recv,
			d->broken);
		dump_split_ring(r, "device");
	}
}

/*
 * Idle/wait helper.  Spins with vrq_cpu_relax(), yields every 16 spins (so a
 * peer sharing our CPU on a loaded machine or under qemu/TSan still runs),
 * and fails when neither the bell (if any) nor the peer's progress counter
 * moved for WATCHDOG_NS.
 */
struct waiter {
	uint64_t spins, t0, peer;
};

static void waiter_start(struct waiter *w, atomic_uint_fast64_t *peer_progress)
{
	w->spins = 0;
	w->t0 = 0;
	w->peer = atomic_load_explicit(peer_progress, memory_order_relaxed);
}

/* One idle step; -1 when the watchdog fired or the peer stopped. */
static int waiter_step(struct run *r, struct waiter *w, atomic_uint_fast64_t *peer_progress,
		       const char *who)
{
	vrq_cpu_relax();
	if ((++w->spins & 15) != 0)
		return 0;
	if (atomic_load_explicit(&r->stop, memory_order_relaxed))
		return -1;
	/* Yield often: when the two threads share a CPU (loaded machine,
	 * qemu, sanitizers) every hand-off otherwise waits for a time slice;
	 * on an idle machine the syscall is cheap next to a cache miss. */
	sched_yield();
	if ((w->spins & 1023) == 0) {
		uint64_t p = atomic_load_explicit(peer_progress, memory_order_relaxed);
		uint64_t t = now_ns();

		if (!w->t0 || p != w->peer) {
			w->t0 = t;
			w->peer = p;
		} else if (t - w->t0 > WATCHDOG_NS) {
			fprintf(stderr,
				"[%s] %s: no progress for 10 s (lost wake-up or stuck peer)\n",
				r->name, who);
			return -1;
		}
	}
	return 0;
}

/* Wait for the bell to move past *seen; count the rings received. */
static int wait_bell(struct run *r, atomic_uint_fast64_t *bell, uint64_t *seen, uint64_t *recv,
		     atomic_uint_fast64_t *peer_progress, const char *who)
{
	struct waiter w;
	uint64_t v;

	waiter_start(&w, peer_progress);
	while ((v = atomic_load_explicit(bell, memory_order_acquire)) == *seen)
		if (waiter_step(r, &w, peer_progress, who))
			return -1;
	*recv += v - *seen;
	*seen = v;
	return 0;
}

/* ---- driver ---------------------------------------------------------------- */

static uint8_t *slot_va(struct run *r, uint32_t s)
{
	return r->p.buf_mem + (size_t)s * SLOT_SIZE;
}

/* Fill slot @p s with buffer @p seq; returns the readable length. */
static uint32_t fill_slot(struct run *r, uint32_t s, uint64_t seq)
{
	uint8_t *b = slot_va(r, s);
	uint32_t plen = payload_len(seq), i, ck;
	uint64_t w = seq * 0x9e3779b97f4a7c15ull;

	memcpy(b, &seq, 8);
	memcpy(b + 8, &plen, 4);
	for (i = 0; i + 8 <= plen; i += 8, w += 0x632be59bd9b4e019ull)
		memcpy(b + HDR_LEN + i, &w, 8);
	for (; i < plen; i++)
		b[HDR_LEN + i] = (uint8_t)(w >> (8 * (i & 7)));
	ck = checksum(b, HDR_LEN + plen);
	memcpy(b + HDR_LEN + plen, &ck, 4);
	memset(b + IN_OFF, 0xee, IN_LEN); /* stale echo must not pass */
	r->slot_seq[s] = seq;
	r->slot_ck[s] = ck;
	return HDR_LEN + plen + 4;
}

static int drv_complete(struct run *r, void *tok, uint32_t len)
{
	uintptr_t t = (uintptr_t)tok;
	uint32_t s, ck;
	uint64_t seq;
	const uint8_t *in;

	T_CHECK(r, t >= 1 && t <= r->nslots);
	s = (uint32_t)(t - 1);
	T_CHECK(r, r->inflight[s]);
	T_CHECK(r, len == IN_LEN);
	in = slot_va(r, s) + IN_OFF;
	memcpy(&seq, in, 8);
	memcpy(&ck, in + 8, 4);
	if (seq != r->slot_seq[s] || ck != (r->slot_ck[s] ^ 0xffffffffu))
		fprintf(stderr, "[%s] slot %u: echo seq %" PRIu64 " ck %#x, sent seq %" PRIu64
			" ck %#x\n", r->name, s, seq, ck, r->slot_seq[s], r->slot_ck[s]);
	T_CHECK(r, seq == r->slot_seq[s]);
	T_CHECK(r, ck == (r->slot_ck[s] ^ 0xffffffffu));
	T_CHECK(r, seq < r->count);
	T_CHECK(r, !(r->seen[seq >> 3] & (1u << (seq & 7))));
	r->seen[seq >> 3] |= (uint8_t)(1u << (seq & 7));
	/* the device completes in pop order = avail order */
	T_CHECK(r, seq == r->done);
	r->inflight[s] = 0;
	r->free_slots[r->nfree++] = s;
	r->done++;
	return 0;
}

static int drv_loop(struct run *r)
{
	struct vrq_vq_drv *q = &r->p.drv;
	int notify = r->mode == MODE_NOTIFY;
	struct waiter w;
	int idle = 0;

	if (notify)
		vrq_vq_drv_disable_cb(q);
	while (r->done < r->count) {
		unsigned b = batch_of(r->sent), added = 0, got = 0;
		void *tok;
		uint32_t len;
		int rc = 0;

		while (added < b && r->sent < r->count && r->nfree) {
			uint32_t s = r->free_slots[--r->nfree];
			struct vrq_sg sg[2];

			sg[0].addr = VRQ_TEST_BUF_DA + (uint64_t)s * SLOT_SIZE;
			sg[0].len = fill_slot(r, s, r->sent);
			sg[1].addr = VRQ_TEST_BUF_DA + (uint64_t)s * SLOT_SIZE + IN_OFF;
			sg[1].len = IN_LEN;
			rc = vrq_vq_drv_add(q, sg, 1, 1, (void *)(uintptr_t)(s + 1));
			if (rc)
				fprintf(stderr, "[%s] add: %d (%s), num_free %u\n", r->name, rc,
					vrq_strerror(rc), vrq_vq_drv_num_free(q));
			T_CHECK(r, rc == 0);
			r->inflight[s] = 1;
			r->sent++;
			added++;
		}
		if (added) {
			/* publish + kick decision; only mode notify rings the bell */
			r->kick_decisions++;
			if (vrq_vq_drv_kick_prepare(q) && notify) {
				r->kick_rings++;
				atomic_fetch_add_explicit(&r->kick_bell, 1, memory_order_release);
			}
		}
		while (got < 64 && (rc = vrq_vq_drv_get_used(q, &tok, &len)) == 1) {
			if (drv_complete(r, tok, len))
				return -1;
			got++;
		}
		if (rc < 0)
			fprintf(stderr, "[%s] get_used: %d (%s)\n", r->name, rc, vrq_strerror(rc));
		T_CHECK(r, rc >= 0);
		if (added || got) {
			atomic_store_explicit(&r->drv_progress, r->sent + r->done,
					      memory_order_relaxed);
			idle = 0;
			continue;
		}
		if (atomic_load_explicit(&r->stop, memory_order_relaxed))
			return -1;
		if (!notify) {
			if (!idle) {
				waiter_start(&w, &r->dev_progress);
				idle = 1;
			}
			if (waiter_step(r, &w, &r->dev_progress, "driver (poll)"))
				return -1;
			continue;
		}
		/* nothing to do: ask for an interrupt, re-check, then sleep */
		if (vrq_vq_drv_enable_cb(q)) {
			vrq_vq_drv_disable_cb(q);
			continue;
		}
		r->drv_waits++;
		if (wait_bell(r, &r->irq_bell, &r->irq_seen, &r->irq_recv, &r->dev_progress,
			      "driver waiting for a used-buffer notification"))
			return -1;
		vrq_vq_drv_disable_cb(q);
	}
	return 0;
}

/* ---- device ---------------------------------------------------------------- */

static int dev_handle(struct run *r, struct vrq_chain *c)
{
	const struct vrq_seg *in = &c->seg[1], *out = &c->seg[0];
	const uint8_t *b;
	uint8_t *buf = r->p.buf_mem;
	uint64_t seq;
	uint32_t plen, ck, echo_ck;
	size_t off;

	T_CHECK(r, c->n == 2 && c->n_out == 1);
	T_CHECK(r, out->flags == 0 && in->flags == VRQ_SEG_WRITE);
	T_CHECK(r, in->len == IN_LEN && out->len >= HDR_LEN + 4 && out->len <= IN_OFF);
	b = (const uint8_t *)out->va;
	T_CHECK(r, b >= buf && b < buf + (size_t)r->nslots * SLOT_SIZE);
	off = (size_t)(b - buf);
	T_CHECK(r, off % SLOT_SIZE == 0);
	T_CHECK(r, (uint8_t *)in->va == buf + off + IN_OFF);
	memcpy(&seq, b, 8);
	memcpy(&plen, b + 8, 4);
	T_CHECK(r, plen <= MAX_PAYLOAD && out->len == HDR_LEN + plen + 4);
	memcpy(&ck, b + HDR_LEN + plen, 4);
	if (ck != checksum(b, HDR_LEN + plen) || seq != r->expect)
		fprintf(stderr, "[%s] device: got seq %" PRIu64 " (expected %" PRIu64
			") len %u ck %#x (computed %#x)\n", r->name, seq, r->expect, plen, ck,
			checksum(b, HDR_LEN + plen));
	T_CHECK(r, ck == checksum(b, HDR_LEN + plen));
	T_CHECK(r, seq == r->expect);
	r->expect++;
	echo_ck = ck ^ 0xffffffffu;
	memcpy(in->va, &seq, 8);
	memcpy((uint8_t *)in->va + 8, &echo_ck, 4);
	memset((uint8_t *)in->va + 12, 0, 4);
	T_CHECK(r, vrq_vq_dev_push(&r->p.dev, c->head, IN_LEN) == 0);
	return 0;
}

static int dev_loop(struct run *r)
{
	struct vrq_vq_dev *d = &r->p.dev;
	int notify = r->mode == MODE_NOTIFY;
	struct vrq_seg segs[4];
	struct vrq_chain c;
	struct waiter w;
	int idle = 0;

	if (notify)
		vrq_vq_dev_disable_kick(d);
	while (r->popped < r->count) {
		unsigned b = batch_of(r->expect), k = 0;
		int rc = 0;

		while (k < b) {
			vrq_chain_init(&c, segs, 4);
			rc = vrq_vq_dev_pop(d, &c);
			if (rc != 1)
				break;
			if (dev_handle(r, &c))
				return -1;
			k++;
			r->popped++;
		}
		if (rc < 0)
			fprintf(stderr, "[%s] pop: %d (%s)\n", r->name, rc, vrq_strerror(rc));
		T_CHECK(r, rc >= 0);
		if (k) {
			r->notify_decisions++;
			if (vrq_vq_dev_notify_prepare(d) && notify) {
				r->irq_rings++;
				atomic_fetch_add_explicit(&r->irq_bell, 1, memory_order_release);
			}
			atomic_store_explicit(&r->dev_progress, r->popped, memory_order_relaxed);
			idle = 0;
			continue;
		}
		if (atomic_load_explicit(&r->stop, memory_order_relaxed))
			return -1;
		if (!notify) {
			if (!idle) {
				waiter_start(&w, &r->drv_progress);
				idle = 1;
			}
			if (waiter_step(r, &w, &r->drv_progress, "device (poll)"))
				return -1;
			continue;
		}
		if (vrq_vq_dev_enable_kick(d)) {
			vrq_vq_dev_disable_kick(d);
			continue;
		}
		r->dev_waits++;
		if (wait_bell(r, &r->kick_bell, &r->kick_seen, &r->kick_recv, &r->drv_progress,
			      "device waiting for a kick"))
			return -1;
		vrq_vq_dev_disable_kick(d);
	}
	return 0;
}

static void *drv_thread(void *arg)
{
	struct run *r = (struct run *)arg;

	r->drv_rc = drv_loop(r);
	if (r->drv_rc) {
		atomic_store(&r->stop, 1);
		dump_drv(r);
	}
	return NULL;
}

static void *dev_thread(void *arg)
{
	struct run *r = (struct run *)arg;

	r->dev_rc = dev_loop(r);
	if (r->dev_rc) {
		atomic_store(&r->stop, 1);
		dump_dev(r);
	}
	return NULL;
}

/* ---- one run ---------------------------------------------------------------- */

static void run_free(struct run *r)
{
	vrq_test_vpair_fini(&r->p);
	free(r->free_slots);
	free(r->slot_seq);
	free(r->slot_ck);
	free(r->inflight);
	free(r->seen);
}

static int run_checks(struct run *r)
{
	struct vrq_vq_drv *q = &r->p.drv;
	struct vrq_vq_dev *d = &r->p.dev;
	const struct vrq_drv_stats *qs = vrq_vq_drv_stats(q);
	const struct vrq_dev_stats *ds = vrq_vq_dev_stats(d);
	uint64_t i, kick_total, irq_total;

	CHECK_EQ(r->drv_rc, 0);
	CHECK_EQ(r->dev_rc, 0);
	CHECK_EQ(r->sent, r->count);
	CHECK_EQ(r->done, r->count);
	CHECK_EQ(r->popped, r->count);
	CHECK_EQ(r->expect, r->count);
	CHECK_EQ(qs->added, r->count);
	CHECK_EQ(qs->completed, r->count);
	CHECK_EQ(ds->popped, r->count);
	CHECK_EQ(ds->pushed, r->count);
	CHECK_EQ(vrq_vq_drv_num_free(q), r->tc.size);
	CHECK_EQ(r->nfree, r->nslots);
	CHECK_EQ(vrq_vq_drv_broken(q), 0);
	CHECK_EQ(vrq_vq_dev_broken(d), 0);
	CHECK_EQ(qs->used_len_clamped, 0);
	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++) {
		CHECK_EQ(qs->peer_err[i], 0);
		CHECK_EQ(ds->peer_err[i], 0);
	}
	for (i = 0; i < r->count / 8; i++)
		if (r->seen[i] != 0xff)
			break;
	CHECK_EQ(i, r->count / 8);
	for (i = r->count & ~7ull; i < r->count; i++)
		CHECK(r->seen[i >> 3] & (1u << (i & 7)));
	/* nothing else in the rings */
	{
		void *tok;
		uint32_t len;
		struct vrq_seg s[2];
		struct vrq_chain c;

		vrq_chain_init(&c, s, 2);
		CHECK_EQ(vrq_vq_drv_get_used(q, &tok, &len), 0);
		CHECK_EQ(vrq_vq_dev_pop(d, &c), 0);
	}

	/* rings received = rings sent = decisions that said "notify"; rings
	 * sent after the receiver's last wait are drained here */
	kick_total = atomic_load(&r->kick_bell);
	irq_total = atomic_load(&r->irq_bell);
	r->kick_recv += kick_total - r->kick_seen;
	r->irq_recv += irq_total - r->irq_seen;
	/* every kick / notify decision with new buffers was counted once */
	CHECK_EQ(qs->kicks + qs->kicks_suppressed, r->kick_decisions);
	CHECK_EQ(ds->notifies + ds->notifies_suppressed, r->notify_decisions);
	if (r->mode == MODE_NOTIFY) {
		CHECK_EQ(qs->kicks, r->kick_rings);
		CHECK_EQ(r->kick_recv, r->kick_rings);
		CHECK_EQ(kick_total, r->kick_rings);
		CHECK_EQ(qs->kicks + qs->kicks_suppressed, r->kick_decisions);
		CHECK_EQ(ds->notifies, r->irq_rings);
		CHECK_EQ(r->irq_recv, r->irq_rings);
		CHECK_EQ(irq_total, r->irq_rings);
		CHECK_EQ(ds->notifies + ds->notifies_suppressed, r->notify_decisions);
		/* every wait ended with a ring */
		CHECK(r->kick_recv >= r->dev_waits);
		CHECK(r->irq_recv >= r->drv_waits);
	} else {
		/* nobody ever enabled or disabled anything: with the flags
		 * both sides keep asking for notifications */
		CHECK_EQ(kick_total, 0);
		CHECK_EQ(irq_total, 0);
		if (!r->tc.event_idx) {
			CHECK_EQ(qs->kicks_suppressed, 0);
			CHECK_EQ(ds->notifies_suppressed, 0);
		}
	}
	return 0;
}

static int run_one(const char *name, enum mode mode, enum vrq_ring_kind kind, uint16_t size,
		   int event_idx, int indirect, int in_order, uint64_t count)
{
	static struct run r;
	pthread_t td, tv;
	uint64_t t0, t1;
	double secs;
	uint32_t i;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.name = name;
	r.mode = mode;
	r.count = count;
	r.tc.kind = kind;
	r.tc.size = size;
	r.tc.event_idx = event_idx;
	r.tc.indirect = indirect || size < 2; /* 2 segments need 2 descriptors otherwise */
	r.tc.in_order = in_order;
	r.nslots = r.tc.indirect ? size : size / 2u;
	atomic_init(&r.kick_bell, 0);
	atomic_init(&r.irq_bell, 0);
	atomic_init(&r.drv_progress, 0);
	atomic_init(&r.dev_progress, 0);
	atomic_init(&r.stop, 0);
	if (vrq_test_vpair_init(&r.p, &r.tc, (size_t)r.nslots * SLOT_SIZE) ||
	    r.p.drv.kind != kind || r.p.dev.kind != kind) {
		fprintf(stderr, "[%s] pair init failed\n", name);
		vrq_test_failures++;
		goto out;
	}
	r.free_slots = (uint32_t *)calloc(r.nslots, sizeof(*r.free_slots));
	r.slot_seq = (uint64_t *)calloc(r.nslots, sizeof(*r.slot_seq));
	r.slot_ck = (uint32_t *)calloc(r.nslots, sizeof(*r.slot_ck));
	r.inflight = (uint8_t *)calloc(r.nslots, 1);
	r.seen = (uint8_t *)calloc(count / 8 + 1, 1);
	if (!r.free_slots || !r.slot_seq || !r.slot_ck || !r.inflight || !r.seen) {
		vrq_test_failures++;
		goto out;
	}
	for (i = 0; i < r.nslots; i++)
		r.free_slots[i] = r.nslots - 1 - i;
	r.nfree = r.nslots;

	t0 = now_ns();
	if (pthread_create(&tv, NULL, dev_thread, &r)) {
		vrq_test_failures++;
		goto out;
	}
	if (pthread_create(&td, NULL, drv_thread, &r)) {
		atomic_store(&r.stop, 1);
		pthread_join(tv, NULL);
		vrq_test_failures++;
		goto out;
	}
	pthread_join(td, NULL);
	pthread_join(tv, NULL);
	t1 = now_ns();
	secs = (double)(t1 - t0) / 1e9;
	if (run_checks(&r) == 0)
		rc = 0;
	printf("%-22s %s size=%-5u event_idx=%d indirect=%d in_order=%d: %" PRIu64
	       " buffers in %.3f s (%.2f M/s); publishes drv %" PRIu64 " dev %" PRIu64,
	       name, kind == VRQ_RING_PACKED ? "packed" : "split", size, r.tc.event_idx,
	       r.tc.indirect, r.tc.in_order, r.done, secs,
	       secs > 0 ? (double)r.done / secs / 1e6 : 0.0, vrq_vq_drv_stats(&r.p.drv)->publishes,
	       vrq_vq_dev_stats(&r.p.dev)->publishes);
	if (mode == MODE_NOTIFY)
		printf("; kicks %" PRIu64 " (suppressed %" PRIu64 "), notifies %" PRIu64
		       " (suppressed %" PRIu64 "), waits drv %" PRIu64 " dev %" PRIu64,
		       vrq_vq_drv_stats(&r.p.drv)->kicks, vrq_vq_drv_stats(&r.p.drv)->kicks_suppressed,
		       vrq_vq_dev_stats(&r.p.dev)->notifies,
		       vrq_vq_dev_stats(&r.p.dev)->notifies_suppressed, r.drv_waits, r.dev_waits);
	printf("%s\n", rc ? "  FAILED" : "");
out:
	run_free(&r);
	return rc;
}

/* ---- main ---------------------------------------------------------------- */

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!s || !*s || *s == '-')
		return -1;
	x = strtoull(s, &end, 0);
	if (*end)
		return -1;
	*v = x;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: test_split_stress [--ring split|packed] [--count N] [--size Q] "
			"[--mode poll|notify]\n");
}

int main(int argc, char **argv)
{
	uint64_t count = 10000000, size = 256;
	int have_count = 0, modes = 3; /* bit 0 poll, bit 1 notify */
	enum vrq_ring_kind kind = VRQ_RING_SPLIT;
	const char *prog;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		size_t n = strlen(a);
		const char *eq = strchr(a, '=');

		if (eq) {
			n = (size_t)(eq - a);
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[i + 1];
		}
		if (n == 7 && !strncmp(a, "--count", n)) {
			if (parse_u64(v, &count) || !count) {
				usage();
				return 1;
			}
			have_count = 1;
		} else if (n == 6 && !strncmp(a, "--ring", n)) {
			if (v && !strcmp(v, "split"))
				kind = VRQ_RING_SPLIT;
			else if (v && !strcmp(v, "packed"))
				kind = VRQ_RING_PACKED;
			else {
				usage();
				return 1;
			}
		} else if (n == 6 && !strncmp(a, "--size", n)) {
			if (parse_u64(v, &size) || !size || size > VRQ_QUEUE_SIZE_MAX) {
				fprintf(stderr, "--size must be in [1, 32768]\n");
				return 1;
			}
		} else if (n == 6 && !strncmp(a, "--mode", n)) {
			if (v && !strcmp(v, "poll"))
				modes = 1;
			else if (v && !strcmp(v, "notify"))
				modes = 2;
			else {
				usage();
				return 1;
			}
		} else {
			usage();
			return 1;
		}
		if (!eq)
			i++;
	}
	if (!have_count && getenv("VRQ_STRESS_COUNT")) {
		if (parse_u64(getenv("VRQ_STRESS_COUNT"), &count) || !count) {
			fprintf(stderr, "bad VRQ_STRESS_COUNT\n");
			return 1;
		}
	}
	/* the split ring's sizes are powers of two; the packed ring's any value */
	if (kind == VRQ_RING_SPLIT && (size & (size - 1))) {
		fprintf(stderr, "--size must be a power of two for the split ring\n");
		return 1;
	}
	prog = kind == VRQ_RING_PACKED ? "test_packed_stress" : "test_split_stress";
	printf("%s: ring=%s count=%" PRIu64 " size=%" PRIu64 " arch=%s\n", prog,
	       kind == VRQ_RING_PACKED ? "packed" : "split", count, size, VRQ_ARCH_NAME);
	if (modes & 1)
		run_one("poll", MODE_POLL, kind, (uint16_t)size, 0, 0, 0, count);
	if (modes & 2) {
		/* EVENT_IDX also with IN_ORDER (batched used entries) and the
		 * indirect pool; without EVENT_IDX plain direct chains */
		run_one("notify+event_idx", MODE_NOTIFY, kind, (uint16_t)size, 1, 1, 1, count);
		run_one("notify-flags", MODE_NOTIFY, kind, (uint16_t)size, 0, 0, 0, count);
	}
	return vrq_test_done(prog);
}
