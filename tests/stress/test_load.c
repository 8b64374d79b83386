/* SPDX-License-Identifier: MIT */
/*
 * tests/stress/test_load.c - a long message stream between two processes
 * over a vrq_link: nothing lost, duplicated, reordered or corrupted.
 *
 *   test_load [--count N] [--scaled-count N] [--ring split|packed|all]
 *             [--notify eventfd|hybrid|all] [--qsize Q] [--inject KIND]
 *
 * The driver end runs in this process, the device end in a forked child
 * that receives the region and the eventfds over a socketpair
 * (vrq_link_send / vrq_link_accept).  Each configuration of --ring x
 * --notify (default: all four) streams --count messages (default 10^8;
 * --scaled-count N is N x $VRQ_TEST_SCALE, at least 20000: the CI variant).
 *
 * Message seq (one per buffer): a device-readable segment of 16..512
 * bytes, the length derived from seq, {u64 seq; u32 len; u32 checksum}
 * then a payload whose bytes are a xorshift stream seeded by seq; the
 * checksum (FNV-1a over the segment with the checksum field zero) is the
 * driver's.  The device checks, in arrival order: the segment's shape, that
 * the length matches both the header and seq, the checksum, the payload
 * against its own regeneration from seq, and that seq is the next one.  It
 * counts
 *   corrupt    shape, length, checksum or payload wrong
 *   lost       seq skipped ahead (every seq jumped over)
 *   reordered  a seq that arrives after a later one (it was counted lost:
 *              moved from lost to reordered)
 *   duplicated a seq seen before (a bitmap over all seqs)
 * and answers in the 16-byte writable segment {seq ^ KEY, ~checksum, len}
 * with used length 16.  The driver checks every completion: in the order
 * sent, used length 16, the answer matching what it sent.  At the end the
 * device reports its counters over the socket and the test asserts all of
 * them 0 and every count exact (ring and notifier counters included), then
 * prints messages, bytes, kicks and interrupts sent and suppressed, elapsed
 * time and rate.
 *
 * --inject corrupt|skip|dup|swap|all makes the driver misbehave once, at
 * seq count / 2 (flip a payload byte after the checksum; skip a seq; send
 * a seq twice; send seq + 1 before seq), on one configuration (split,
 * eventfd); the run passes only if the device counts exactly that fault:
 * the checks can fail.
 *
 * Registered as test_load (label stress, --scaled-count 200000) and, for
 * the full 10^8 per configuration, test_load_long_<ring>_<notify> (label
 * stress-long, excluded from the presets' test runs: README, "Stress").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vrq/link.h"
#include "vrq/vrq.h"

#define SLOT 1024u	/* buffer area bytes per slot */
#define RESP_OFF 1008u	/* the 16-byte writable segment */
#define HDR 16u		/* u64 seq, u32 len, u32 checksum */
#define MIN_LEN 16u
#define MAX_LEN 512u
#define KEY 0xa5c3f00d5eed1234ull
#define WATCHDOG_NS (10ull * 1000000000ull)
#define BATCH 32u

enum inject { INJ_NONE, INJ_CORRUPT, INJ_SKIP, INJ_DUP, INJ_SWAP, INJ_COUNT };
static const char *const inj_name[INJ_COUNT] = {"none", "corrupt", "skip", "dup", "swap"};

static int failures;

#define T_CHECK(cond)                                                                          \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, __LINE__,   \
				name, #cond);                                                  \
			failures++;                                                            \
			return -1;                                                             \
		}                                                                              \
	} while (0)

#define T_CHECK_EQ(a, b)                                                                       \
	do {                                                                                   \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);  \
		if (a_ != b_) {                                                                \
			fprintf(stderr, "%s:%d: [%s] %s = %llu, expected %s = %llu\n", __FILE__, \
				__LINE__, name, #a, a_, #b, b_);                               \
			failures++;                                                            \
			return -1;                                                             \
		}                                                                              \
	} while (0)

/* ---- message contents (both ends) ------------------------------------------ */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint32_t msg_len(uint64_t seq)
{
	return MIN_LEN + (uint32_t)(mix64(seq) % (MAX_LEN - MIN_LEN + 1));
}

/* The payload of @p seq: n bytes of a xorshift64 stream seeded by seq. */
static void gen_payload(uint64_t seq, uint8_t *p, uint32_t n)
{
	uint64_t x = mix64(seq ^ KEY) | 1;

	for (; n >= 8; n -= 8, p += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p, &x, 8);
	}
	if (n) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p, &x, n);
	}
}

/* FNV-1a over 8-byte words then the tail, folded to 32 bits; the header's
 * checksum field counts as zero. */
static uint32_t checksum(const uint8_t *m, uint32_t len)
{
	uint64_t h = 0xcbf29ce484222325ull, w;
	uint32_t i;

	memcpy(&w, m, 8);
	h = (h ^ w) * 0x100000001b3ull;
	memcpy(&w, m + 8, 4);
	w &= 0xffffffffull;
	h = (h ^ w) * 0x100000001b3ull;
	for (i = HDR; i + 8 <= len; i += 8) {
		memcpy(&w, m + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	for (; i < len; i++)
		h = (h ^ m[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

/* ---- device end (child process) --------------------------------------------- */

struct dev_report {
	int rc;		/* 0 or the line of the check that stopped the device */
	int wait_rc;	/* the wait result that ended the loop */
	uint64_t served, bytes;
	uint64_t lost, dup, reord, corrupt;
	uint64_t next_seq;
	struct vrq_notify_stats kick_rx, irq_tx;
	struct vrq_dev_stats ring;
};

struct dev_state {
	struct vrq_link *l;
	uint64_t count;
	uint8_t *seen; /* bitmap over seq < count */
	struct dev_report *rep;
	uint8_t expect[MAX_LEN];
};

static bool seen_test_set(struct dev_state *s, uint64_t seq)
{
	uint8_t bit = (uint8_t)(1u << (seq & 7));
	bool was;

	if (seq >= s->count)
		return false;
	was = s->seen[seq >> 3] & bit;
	s->seen[seq >> 3] |= bit;
	return was;
}

/* One popped chain: check and answer it.  0, or -1 when the chain's shape
 * makes it unanswerable. */
static int dev_msg(struct dev_state *s, const struct vrq_chain *c)
{
	struct dev_report *rep = s->rep;
	const struct vrq_seg *m = &c->seg[0], *r = &c->seg[1];
	uint64_t seq, resp[2];
	uint32_t len, ck;
	bool bad = false;

	if (c->n != 2 || c->n_out != 1 || r->len != 16 || !(r->flags & VRQ_SEG_WRITE) ||
	    m->len < MIN_LEN || m->len > MAX_LEN) {
		fprintf(stderr, "device: chain n=%u n_out=%u lens %u/%u\n", c->n, c->n_out, m->len,
			r->len);
		return -1;
	}
	memcpy(&seq, m->va, 8);
	memcpy(&len, (const uint8_t *)m->va + 8, 4);
	memcpy(&ck, (const uint8_t *)m->va + 12, 4);
	if (len != m->len || len != msg_len(seq) || checksum(m->va, len) != ck) {
		bad = true;
	} else {
		gen_payload(seq, s->expect, len - HDR);
		bad = memcmp(s->expect, (const uint8_t *)m->va + HDR, len - HDR) != 0;
	}
	if (bad) {
		if (!rep->corrupt)
			fprintf(stderr, "device: corrupt message (seq field %" PRIu64
				", expected %" PRIu64 ")\n", seq, rep->next_seq);
		rep->corrupt++;
		if (seq == rep->next_seq)
			rep->next_seq++;
	} else if (seq == rep->next_seq) {
		seen_test_set(s, seq);
		rep->next_seq++;
	} else if (seq > rep->next_seq) {
		if (!rep->lost)
			fprintf(stderr, "device: seq %" PRIu64 " after %" PRIu64 "\n", seq,
				rep->next_seq - 1);
		rep->lost += seq - rep->next_seq;
		seen_test_set(s, seq);
		rep->next_seq = seq + 1;
	} else if (seen_test_set(s, seq)) {
		if (!rep->dup)
			fprintf(stderr, "device: seq %" PRIu64 " again\n", seq);
		rep->dup++;
	} else {
		/* late: it was counted lost when a later one overtook it */
		if (!rep->reord)
			fprintf(stderr, "device: seq %" PRIu64 " late (next %" PRIu64 ")\n", seq,
				rep->next_seq);
		rep->reord++;
		if (rep->lost)
			rep->lost--;
	}
	rep->bytes += m->len;
	resp[0] = seq ^ KEY;
	resp[1] = (uint64_t)(uint32_t)~ck | (uint64_t)len << 32;
	memcpy(r->va, resp, 16);
	return 0;
}

/* Serve until the driver closes: the wait then returns -VRQ_EPEERGONE. */
static void dev_serve(struct dev_state *s)
{
	struct vrq_link *l = s->l;
	struct dev_report *rep = s->rep;
	struct vrq_seg seg[4];
	struct vrq_chain c;
	int rc;

	for (;;) {
		unsigned k = 0;

		rc = vrq_vq_dev_wait(&l->dev, &l->kick, WATCHDOG_NS);
		if (rc < 0) {
			rep->wait_rc = rc;
			break;
		}
		for (;;) {
			vrq_chain_init(&c, seg, 4);
			rc = vrq_vq_dev_pop(&l->dev, &c);
			if (rc == 0)
				break;
			if (rc < 0) {
				fprintf(stderr, "device: pop: %s\n", vrq_strerror(rc));
				rep->rc = __LINE__;
				return;
			}
			if (dev_msg(s, &c) < 0) {
				rep->rc = __LINE__;
				return;
			}
			rep->served++;
			if (vrq_vq_dev_push(&l->dev, c.head, 16) < 0) {
				rep->rc = __LINE__;
				return;
			}
			/* hand buffers back while the ring still holds more */
			if (++k % BATCH == 0) {
				vrq_vq_dev_publish(&l->dev);
				if (vrq_vq_dev_interrupt(&l->dev, &l->irq) < 0) {
					rep->rc = __LINE__;
					return;
				}
			}
		}
		vrq_vq_dev_publish(&l->dev);
		if (vrq_vq_dev_interrupt(&l->dev, &l->irq) < 0) {
			rep->rc = __LINE__;
			return;
		}
	}
}

static int write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static void dev_child(int sock, uint64_t count)
{
	static struct dev_state s;
	struct dev_report rep;
	struct vrq_link l;
	int rc;

	memset(&rep, 0, sizeof(rep));
	rc = vrq_link_accept(&l, sock, 0);
	if (rc < 0) {
		fprintf(stderr, "device: accept: %s\n", l.msg);
		_exit(2);
	}
	s.l = &l;
	s.count = count;
	s.rep = &rep;
	s.seen = calloc(count / 8 + 1, 1);
	if (!s.seen)
		rep.rc = __LINE__;
	else
		dev_serve(&s);
	vrq_notify_drain(&l.kick);
	rep.kick_rx = l.kick.st;
	rep.irq_tx = l.irq.st;
	rep.ring = *vrq_vq_dev_stats(&l.dev);
	free(s.seen);
	if (write_full(sock, &rep, sizeof(rep)))
		_exit(3);
	vrq_link_destroy(&l);
	_exit(rep.rc ? 1 : 0);
}

/* ---- driver end --------------------------------------------------------------- */

struct drv_state {
	struct vrq_link *l;
	uint64_t count;	 /* messages to send (sends, injections included) */
	enum inject inj;
	uint64_t inj_at;
	uint64_t sent, done; /* send indices */
	uint64_t bytes;
	uint64_t bad_order, bad_resp;
	uint64_t waits;
	uint64_t slot_send[256 * 4], slot_seq[256 * 4]; /* per slot: send index, seq */
	uint32_t slot_ck[256 * 4], slot_len[256 * 4];
	uint32_t free_slots[256 * 4], nfree, nslots;
};

/* The seq that send index i carries (injections remap a few). */
static uint64_t seq_of(const struct drv_state *d, uint64_t i)
{
	if (d->inj == INJ_SKIP && i >= d->inj_at)
		return i + 1;
	if (d->inj == INJ_DUP && i > d->inj_at)
		return i - 1;
	if (d->inj == INJ_SWAP && i == d->inj_at)
		return i + 1;
	if (d->inj == INJ_SWAP && i == d->inj_at + 1)
		return i - 1;
	return i;
}

static int drv_add(struct drv_state *d)
{
	struct vrq_link *l = d->l;
	uint32_t slot = d->free_slots[--d->nfree];
	uint8_t *p = l->bufs + (size_t)slot * SLOT;
	uint64_t seq = seq_of(d, d->sent);
	uint32_t len = msg_len(seq), ck;
	struct vrq_sg sg[2] = {{vrq_link_da(l, p), len}, {vrq_link_da(l, p + RESP_OFF), 16}};
	int rc;

	memcpy(p, &seq, 8);
	memcpy(p + 8, &len, 4);
	gen_payload(seq, p + HDR, len - HDR);
	ck = checksum(p, len);
	memcpy(p + 12, &ck, 4);
	if (d->inj == INJ_CORRUPT && d->sent == d->inj_at)
		p[HDR + (len - HDR) / 2] ^= 0x10; /* after the checksum: a corruption */
	memset(p + RESP_OFF, 0, 16);
	d->slot_send[slot] = d->sent;
	d->slot_seq[slot] = seq;
	d->slot_ck[slot] = ck;
	d->slot_len[slot] = len;
	rc = vrq_vq_drv_add(&l->drv, sg, 1, 1, (void *)(uintptr_t)(slot + 1));
	if (rc < 0) {
		fprintf(stderr, "driver: add: %s\n", vrq_strerror(rc));
		return -1;
	}
	d->sent++;
	d->bytes += len;
	return 0;
}

/* Consume every used buffer; the number reaped or -1. */
static int64_t drv_reap(struct drv_state *d)
{
	void *tok = NULL;
	uint32_t len = 0;
	int64_t n = 0;
	int rc;

	while ((rc = vrq_vq_drv_get_used(&d->l->drv, &tok, &len)) > 0) {
		uint32_t slot = (uint32_t)(uintptr_t)tok - 1;
		uint64_t resp[2];

		if (slot >= d->nslots) {
			fprintf(stderr, "driver: bad token %p\n", tok);
			return -1;
		}
		memcpy(resp, d->l->bufs + (size_t)slot * SLOT + RESP_OFF, 16);
		if (d->slot_send[slot] != d->done) {
			if (!d->bad_order)
				fprintf(stderr, "driver: completion of send %" PRIu64 ", expected %" PRIu64
					"\n", d->slot_send[slot], d->done);
			d->bad_order++;
		}
		if (len != 16 || resp[0] != (d->slot_seq[slot] ^ KEY) ||
		    resp[1] != ((uint64_t)(uint32_t)~d->slot_ck[slot] | (uint64_t)d->slot_len[slot] << 32)) {
			if (!d->bad_resp)
				fprintf(stderr, "driver: bad answer for seq %" PRIu64 " (len %u)\n",
					d->slot_seq[slot], len);
			d->bad_resp++;
		}
		d->done++;
		d->free_slots[d->nfree++] = slot;
		n++;
	}
	if (rc < 0) {
		fprintf(stderr, "driver: get_used: %s\n", vrq_strerror(rc));
		return -1;
	}
	return n;
}

static int drv_run(struct drv_state *d)
{
	struct vrq_link *l = d->l;
	uint32_t i;
	int rc;

	for (i = 0; i < d->nslots; i++)
		d->free_slots[i] = d->nslots - 1 - i;
	d->nfree = d->nslots;
	while (d->done < d->count) {
		unsigned n = 0;
		int64_t got;

		while (d->sent < d->count && d->nfree && n < BATCH) {
			if (drv_add(d) < 0)
				return -1;
			n++;
		}
		if (n) {
			vrq_vq_drv_publish(&l->drv);
			if (vrq_vq_drv_kick(&l->drv, &l->kick) < 0)
				return -1;
		}
		got = drv_reap(d);
		if (got < 0)
			return -1;
		/* keep the ring full while there is room; block only when
		 * nothing can be done until the device answers */
		if (got || (n && d->nfree && d->sent < d->count))
			continue;
		d->waits++;
		rc = vrq_vq_drv_wait(&l->drv, &l->irq, WATCHDOG_NS);
		if (rc < 0) {
			fprintf(stderr, "driver: wait: %s (sent %" PRIu64 ", done %" PRIu64 ")\n",
				vrq_strerror(rc), d->sent, d->done);
			return -1;
		}
	}
	return 0;
}

/* ---- one configuration ------------------------------------------------------- */

struct expect {
	uint64_t lost, dup, reord, corrupt, next;
};

static int run_one(enum vrq_ring_kind ring, enum vrq_notify_kind notify, uint64_t count,
		   uint16_t qsize, enum inject inj)
{
	char name[96];
	static struct drv_state d;
	struct vrq_link_cfg lc;
	struct vrq_link drv;
	struct dev_report rep;
	const struct vrq_drv_stats *ds;
	struct expect want = {0, 0, 0, 0, count};
	uint64_t t0, t1, served_want = count;
	double secs;
	pid_t child;
	int sv[2], rc, status;

	snprintf(name, sizeof(name), "%s %s%s%s", ring == VRQ_RING_PACKED ? "packed" : "split",
		 vrq_notify_kind_name(notify), inj ? " inject=" : "", inj ? inj_name[inj] : "");
	memset(&d, 0, sizeof(d));
	d.count = count;
	d.inj = inj;
	d.inj_at = count / 2;
	d.nslots = qsize / 2u; /* two descriptors per message */
	switch (inj) {
	case INJ_CORRUPT: want.corrupt = 1; break;
	case INJ_SKIP: want.lost = 1; want.next = count + 1; break;
	case INJ_DUP: want.dup = 1; want.next = count - 1; break;
	case INJ_SWAP: want.reord = 1; break;
	default: break;
	}

	memset(&lc, 0, sizeof(lc));
	lc.ring = ring;
	lc.qsize = qsize;
	lc.features = VRQ_FEATURE(VRQ_F_VERSION_1) | VRQ_FEATURE(VRQ_F_EVENT_IDX);
	lc.notify = notify;
	lc.block = VRQ_NOTIFY_EVENTFD;
	lc.spin_ns = 0; /* hybrid: adaptive spin budget */
	lc.buf_bytes = (uint64_t)qsize * SLOT;
	rc = vrq_link_create(&drv, &lc);
	if (rc < 0) {
		fprintf(stderr, "[%s] link create: %s\n", name, drv.msg);
		failures++;
		return -1;
	}
	d.l = &drv;
	T_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	fflush(stdout);
	fflush(stderr);
	child = fork();
	T_CHECK(child >= 0);
	if (child == 0) {
		close(sv[0]);
		dev_child(sv[1], count + 1);
	}
	close(sv[1]);
	T_CHECK_EQ(vrq_link_send(&drv, sv[0]), 0);
	T_CHECK_EQ(drv.peer_pid, child);

	t0 = vrq_notify_now_ns();
	rc = drv_run(&d);
	t1 = vrq_notify_now_ns();
	/* end of run: the device's wait returns -VRQ_EPEERGONE */
	vrq_link_close(&drv);
	if (rc < 0)
		kill(child, SIGKILL);
	memset(&rep, 0, sizeof(rep));
	if (read_full(sv[0], &rep, sizeof(rep)) < 0)
		rep.rc = -1;
	T_CHECK(waitpid(child, &status, 0) == child);
	close(sv[0]);
	T_CHECK_EQ(rc, 0);
	T_CHECK_EQ(rep.rc, 0);
	T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	vrq_notify_drain(&drv.irq);
	ds = vrq_vq_drv_stats(&drv.drv);
	secs = (double)(t1 - t0) * 1e-9;

	printf("[%s] %" PRIu64 " messages, %" PRIu64 " bytes in %.2f s: %.0f msg/s, %.1f MB/s\n",
	       name, d.done, d.bytes, secs, (double)d.done / secs, (double)d.bytes / secs / 1e6);
	printf("  [%s] device: served %" PRIu64 ", lost %" PRIu64 ", duplicated %" PRIu64
	       ", reordered %" PRIu64 ", corrupt %" PRIu64 "; driver: out of order %" PRIu64
	       ", bad answers %" PRIu64 "\n",
	       name, rep.served, rep.lost, rep.dup, rep.reord, rep.corrupt, d.bad_order, d.bad_resp);
	printf("  [%s] kicks sent %" PRIu64 ", suppressed %" PRIu64 "; interrupts sent %" PRIu64
	       ", suppressed %" PRIu64 "; device waits %" PRIu64 " (spin hits %" PRIu64
	       "), driver waits %" PRIu64 " (spin hits %" PRIu64 ")\n",
	       name, drv.kick.st.sent, drv.kick.st.suppressed, rep.irq_tx.sent, rep.irq_tx.suppressed,
	       rep.kick_rx.waits, rep.kick_rx.spin_hits, drv.irq.st.waits, drv.irq.st.spin_hits);
	fflush(stdout);

	T_CHECK_EQ(rep.wait_rc, -VRQ_EPEERGONE);
	T_CHECK_EQ(rep.lost, want.lost);
	T_CHECK_EQ(rep.dup, want.dup);
	T_CHECK_EQ(rep.reord, want.reord);
	T_CHECK_EQ(rep.corrupt, want.corrupt);
	/* nothing missing at the tail either: the last seq arrived */
	T_CHECK_EQ(rep.next_seq, want.next);
	T_CHECK_EQ(rep.served, served_want);
	T_CHECK_EQ(rep.bytes, d.bytes);
	T_CHECK_EQ(d.done, count);
	T_CHECK_EQ(d.bad_order, 0);
	T_CHECK_EQ(d.bad_resp, 0);
	/* the rings and the notifiers agree */
	T_CHECK_EQ(ds->added, count);
	T_CHECK_EQ(ds->completed, count);
	T_CHECK_EQ(rep.ring.popped, count);
	T_CHECK_EQ(rep.ring.pushed, count);
	T_CHECK_EQ(drv.kick.st.sent + drv.kick.st.suppressed, ds->kicks + ds->kicks_suppressed);
	T_CHECK_EQ(rep.irq_tx.sent + rep.irq_tx.suppressed,
		   rep.ring.notifies + rep.ring.notifies_suppressed);
	/* decisions were taken both ways (a hybrid device that finds every
	 * message while spinning may suppress every kick) */
	T_CHECK(ds->kicks + ds->kicks_suppressed > 0 &&
		rep.ring.notifies + rep.ring.notifies_suppressed > 0);
	vrq_link_destroy(&drv);
	return 0;
}

/* ---- main ---------------------------------------------------------------------- */

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end ? -1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: test_load [--count N | --scaled-count N] [--ring split|packed|all] "
			"[--notify eventfd|hybrid|all] [--qsize Q] "
			"[--inject corrupt|skip|dup|swap|all]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ring_s = "all", *notify_s = "all", *inj_s = NULL, *scale_s;
	uint64_t count = 100000000ull, qsize = 256, v;
	double scale;
	int i, r, k, j;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 >= argc)
			usage();
		if (!strcmp(a, "--count")) {
			if (parse_u64(argv[++i], &count) || !count)
				usage();
		} else if (!strcmp(a, "--scaled-count")) {
			if (parse_u64(argv[++i], &v) || !v)
				usage();
			scale_s = getenv("VRQ_TEST_SCALE");
			scale = scale_s ? atof(scale_s) : 1.0;
			count = (uint64_t)((double)v * (scale > 0 ? scale : 1.0));
			if (count < 20000)
				count = 20000;
		} else if (!strcmp(a, "--ring")) {
			ring_s = argv[++i];
		} else if (!strcmp(a, "--notify")) {
			notify_s = argv[++i];
		} else if (!strcmp(a, "--qsize")) {
			if (parse_u64(argv[++i], &qsize) || qsize < 2 || qsize > 1024 ||
			    (qsize & (qsize - 1)))
				usage();
		} else if (!strcmp(a, "--inject")) {
			inj_s = argv[++i];
		} else {
			usage();
		}
	}
	if (strcmp(ring_s, "all") && strcmp(ring_s, "split") && strcmp(ring_s, "packed"))
		usage();
	if (strcmp(notify_s, "all") && strcmp(notify_s, "eventfd") && strcmp(notify_s, "hybrid"))
		usage();
	signal(SIGPIPE, SIG_IGN);
	printf("test_load: count=%" PRIu64 " qsize=%" PRIu64 " messages %u..%u bytes\n", count,
	       qsize, MIN_LEN, MAX_LEN);

	if (inj_s) {
		for (k = 1; k < INJ_COUNT; k++)
			if (!strcmp(inj_s, "all") || !strcmp(inj_s, inj_name[k]))
				run_one(VRQ_RING_SPLIT, VRQ_NOTIFY_EVENTFD, count, (uint16_t)qsize,
					(enum inject)k);
	} else {
		for (r = 0; r < 2; r++) {
			enum vrq_ring_kind ring = r ? VRQ_RING_PACKED : VRQ_RING_SPLIT;

			if (strcmp(ring_s, "all") && strcmp(ring_s, r ? "packed" : "split"))
				continue;
			for (j = 0; j < 2; j++) {
				enum vrq_notify_kind nk = j ? VRQ_NOTIFY_HYBRID : VRQ_NOTIFY_EVENTFD;

				if (strcmp(notify_s, "all") && strcmp(notify_s, vrq_notify_kind_name(nk)))
					continue;
				run_one(ring, nk, count, (uint16_t)qsize, INJ_NONE);
			}
		}
	}
	if (failures) {
		fprintf(stderr, "test_load: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_load: ok\n");
	return 0;
}
