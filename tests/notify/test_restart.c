/* SPDX-License-Identifier: MIT */
/*
 * tests/notify/test_restart.c - peer restart and resync over a vrq link
 * (link.h, "Peer restart"), in two processes, for the split and packed
 * rings.
 *
 * (A) the device dies, the driver survives: the driver (this process)
 *     streams sequence-numbered, checksummed requests to a device child;
 *     after a random time (0..2 ms of traffic, so anywhere: before the
 *     first pop, mid-batch between pushes, between push and publish) it
 *     SIGKILLs the device, takes every buffer back with
 *     vrq_link_drv_reclaim() (completions first, then the ones in flight
 *     with -VRQ_EPEERGONE), resets the link, forks a new device and
 *     resends what came back with the error.  One round in eight the
 *     device instead closes cleanly after a random number of requests:
 *     the driver must then see the "shutting down" token (-ECONNRESET per
 *     returned buffer), not a crash.  Checked end to end: the completions
 *     the driver saw are exactly 0..M-1 in order, no gap, no duplicate,
 *     each response's checksum right; every buffer in flight came back
 *     exactly once; each new device announced itself with a new epoch
 *     (its predecessor's + 1) and READY for the new generation; each
 *     device child saw consecutive requests with valid checksums.
 * (B) the driver dies, the device survives: the device (this process)
 *     serves a driver child, SIGKILLs it after a random time (or the
 *     child streams a random count and closes cleanly), checks
 *     vrq_link_peer_check() tells crash from close, drops the chains it
 *     popped and did not push (it checks the peer between chains) with
 *     vrq_link_dev_release(), and accepts the next driver.  A clean
 *     driver child checks all its completions and exits 0.
 *
 * (C) the calls one by one, both ends in this thread: refusals (-EBUSY
 *     while the device may use the ring or before reclaim, -EPROTO for a
 *     garbage word, a new device refusing a closing driver), the order of
 *     reclaim (completion, then in flight), the dropped-chain count, epochs
 *     and generations across a thread-mode restart, traffic after it, and
 *     the driver's close token seen by the device.
 * Rounds: (A) 1000 kills (500 per ring) x VRQ_TEST_SCALE, at least 20;
 * (B) 200 deaths per ring x VRQ_TEST_SCALE, at least 10.
 * Options: --notify eventfd|hybrid|futex|... (default eventfd),
 * --kills N (A, total at scale 1; default 1000), --deaths N (B, per ring at
 * scale 1; default 200), --seed S; RS_DEBUG=1 in the
 * environment prints every round of (A).
 * Process mode only; this process makes no thread (TSan and fork).
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
#include "vrq_test.h"

#define RS_QSIZE 64u
#define RS_WINDOW 32u
#define RS_SLOT 128u	/* request at 0 (48 bytes), response at 64 (16 bytes) */
#define RS_REQ 48u
#define RS_RESP 16u
#define RS_KEY 0x9e3779b97f4a7c15ull
#define RS_WATCHDOG_NS (10ull * 1000000000ull)
#define RS_MAX_DELAY_NS (2ull * 1000000ull)
#define RS_WORK_NS 20000u /* (A) device work per request: 0..20 us */

static const char *name = "restart";

/* link parameters of both tests: one ring of RS_QSIZE, EVENT_IDX */
static void link_cfg(struct vrq_link_cfg *lc, enum vrq_notify_kind k, enum vrq_ring_kind ring)
{
	memset(lc, 0, sizeof(*lc));
	lc->ring = ring;
	lc->qsize = RS_QSIZE;
	lc->features = VRQ_FEATURE(VRQ_F_VERSION_1) | VRQ_FEATURE(VRQ_F_EVENT_IDX);
	lc->notify = k;
	lc->block = VRQ_NOTIFY_EVENTFD;
	lc->spin_ns = 20000;
	lc->buf_bytes = (uint64_t)RS_QSIZE * RS_SLOT;
}
static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static uint64_t mix(uint64_t x)
{
	/* splitmix64 finaliser */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* request of @p seq: {seq, ~seq, 4 payload words} */
static void req_fill(uint64_t *r, uint64_t seq)
{
	unsigned i;

	r[0] = seq;
	r[1] = ~seq;
	for (i = 0; i < 4; i++)
		r[2 + i] = mix(seq * 4 + i);
}

/* checksum of a request (FNV-1a over its words, keyed) */
static uint64_t req_sum(const uint64_t *r)
{
	uint64_t h = 0xcbf29ce484222325ull ^ RS_KEY;
	unsigned i;

	for (i = 0; i < RS_REQ / 8; i++)
		h = (h ^ r[i]) * 0x100000001b3ull;
	return h;
}

/* ---- the device: serve a link; stop at the peer's death or close ------------- */

struct dev_res {
	int rc;		   /* 0, or the failing line */
	int wait_rc;	   /* what ended the loop */
	uint64_t served;   /* requests answered */
	uint64_t abandoned; /* popped, not pushed: the peer was gone */
	uint64_t first;	   /* first seq seen (UINT64_MAX: none) */
};

/*
 * @p close_after: 0, or close cleanly (vrq_link_close) once this many were
 * answered.  @p kill_pid / @p kill_at: the device kills the driver child at
 * that time (B).  @p check_peer: vrq_link_peer_check() between chains.
 * @p work_ns: spin up to this long per request (0..work_ns, by its seq).
 * @p die_at: 0, or SIGKILL this process at request die_at (1-based), at a
 * point chosen by die_at % 3: 0 response written, not pushed; 1 pushed, not
 * published; 2 published, no interrupt sent.
 */
static void dev_serve(struct vrq_link *l, uint64_t close_after, uint64_t die_at, pid_t kill_pid,
		      uint64_t kill_at, bool check_peer, uint64_t work_ns, struct dev_res *r)
{
	struct vrq_seg seg[4];
	struct vrq_chain c;
	uint64_t expect = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	r->first = UINT64_MAX;
	for (;;) {
		uint64_t now = vrq_notify_now_ns(), to = RS_WATCHDOG_NS;
		bool published = false;

		if (kill_pid > 0) {
			if (now >= kill_at) {
				if (kill(kill_pid, SIGKILL) < 0) {
					r->rc = __LINE__;
					return;
				}
				kill_pid = 0;
			} else {
				to = kill_at - now;
			}
		}
		rc = vrq_vq_dev_wait(&l->dev, &l->kick, to);
		if (rc == -VRQ_ETIMEDOUT && to != RS_WATCHDOG_NS)
			continue; /* time to kill */
		if (rc < 0) {
			r->wait_rc = rc;
			return;
		}
		for (;;) {
			uint64_t req[RS_REQ / 8], resp[2];

			vrq_chain_init(&c, seg, 4);
			rc = vrq_vq_dev_pop(&l->dev, &c);
			if (rc == 0)
				break;
			if (rc < 0 || c.n != 2 || c.n_out != 1 || seg[0].len != RS_REQ ||
			    seg[1].len != RS_RESP) {
				fprintf(stderr, "device: bad chain rc=%d n=%u\n", rc, c.n);
				r->rc = __LINE__;
				return;
			}
			if (check_peer && vrq_link_peer_check(l) != 0) {
				/* the driver is gone: this chain is never answered */
				r->abandoned++;
				break;
			}
			memcpy(req, seg[0].va, RS_REQ);
			if (r->first == UINT64_MAX)
				expect = r->first = req[0];
			{
				uint64_t want[RS_REQ / 8];

				req_fill(want, expect);
				if (memcmp(req, want, RS_REQ) != 0) {
					fprintf(stderr,
						"device: request %" PRIu64 " expected %" PRIu64
						" (or its payload is wrong)\n",
						req[0], expect);
					r->rc = __LINE__;
					return;
				}
			}
			if (work_ns) {
				/* "work" on the request: a batch then takes long
				 * enough for a kill to land in its middle */
				uint64_t until = vrq_notify_now_ns() + mix(req[0]) % work_ns;

				while (vrq_notify_now_ns() < until)
					vrq_cpu_relax();
			}
			resp[0] = req[0];
			resp[1] = req_sum(req);
			memcpy(seg[1].va, resp, RS_RESP);
			expect++;
			r->served++;
			if (r->served == die_at && die_at % 3 == 0)
				raise(SIGKILL);
			if (vrq_vq_dev_push(&l->dev, c.head, RS_RESP) < 0) {
				r->rc = __LINE__;
				return;
			}
			if (r->served == die_at && die_at % 3 == 1)
				raise(SIGKILL);
			if (r->served == die_at && die_at % 3 == 2) {
				vrq_vq_dev_publish(&l->dev);
				raise(SIGKILL);
			}
			/* sometimes publish mid-batch: a kill may land between */
			if ((r->served & 7) == 0) {
				vrq_vq_dev_publish(&l->dev);
				published = true;
			}
			if (close_after && r->served >= close_after)
				break;
		}
		vrq_vq_dev_publish(&l->dev);
		(void)published;
		if (vrq_vq_dev_interrupt(&l->dev, &l->irq) < 0) {
			r->rc = __LINE__;
			return;
		}
		if (close_after && r->served >= close_after) {
			vrq_link_close(l);
			r->wait_rc = 0;
			return;
		}
	}
}

/* (A) device child: accept, serve, exit 0 unless a check failed. */
static void dev_child(int sock, uint64_t close_after, uint64_t die_at)
{
	struct vrq_link l;
	struct dev_res r;
	int rc;

	rc = vrq_link_accept(&l, sock, 0);
	if (rc < 0) {
		fprintf(stderr, "device: accept: %s\n", l.msg);
		_exit(2);
	}
	dev_serve(&l, close_after, die_at, 0, 0, false, RS_WORK_NS, &r);
	if (r.rc) {
		fprintf(stderr, "device child: check at line %d failed\n", r.rc);
		_exit(1);
	}
	/* not closing: the driver closed (the end of the run) */
	if (!close_after && (r.wait_rc != -VRQ_EPEERGONE ||
			     vrq_link_peer_check(&l) != -ECONNRESET)) {
		fprintf(stderr, "device child: ended by %d, peer check %d\n", r.wait_rc,
			vrq_link_peer_check(&l));
		_exit(3);
	}
	vrq_link_destroy(&l);
	_exit(0);
}

/* ---- the driver's stream ------------------------------------------------------- */

struct stream {
	struct vrq_link *l;
	uint64_t next;	  /* next new sequence number */
	uint64_t done;	  /* completions seen: 0..done-1 */
	uint64_t slot_seq[RS_QSIZE];
	uint32_t free_slots[RS_QSIZE];
	uint32_t nfree;
	uint64_t *resend; /* returned with an error, to send again (sorted) */
	uint32_t nresend, resend_pos;
	uint64_t limit;	  /* no new sequence numbers from here (UINT64_MAX: none) */
};

static void stream_init(struct stream *s, struct vrq_link *l)
{
	memset(s, 0, sizeof(*s));
	s->l = l;
	for (s->nfree = 0; s->nfree < RS_QSIZE; s->nfree++)
		s->free_slots[s->nfree] = RS_QSIZE - 1 - s->nfree;
	s->resend = calloc(RS_QSIZE, sizeof(*s->resend));
	s->limit = UINT64_MAX;
}

static unsigned stream_inflight(const struct stream *s)
{
	return RS_QSIZE - s->nfree;
}

static bool stream_has_next(const struct stream *s)
{
	return s->resend_pos < s->nresend || s->next < s->limit;
}

static int stream_add(struct stream *s)
{
	struct vrq_link *l = s->l;
	uint32_t slot = s->free_slots[--s->nfree];
	uint8_t *p = l->bufs + (size_t)slot * RS_SLOT;
	uint64_t req[RS_REQ / 8], seq;
	struct vrq_sg sg[2] = {{vrq_link_da(l, p), RS_REQ}, {vrq_link_da(l, p + 64), RS_RESP}};

	seq = s->resend_pos < s->nresend ? s->resend[s->resend_pos++] : s->next++;
	req_fill(req, seq);
	memcpy(p, req, RS_REQ);
	memset(p + 64, 0, RS_RESP);
	s->slot_seq[slot] = seq;
	return vrq_vq_drv_add(&l->drv, sg, 1, 1, (void *)(uintptr_t)(slot + 1));
}

/* one completion: it must be the next sequence number, its checksum right */
static int stream_complete(struct stream *s, void *tok, uint32_t len)
{
	uint32_t slot = (uint32_t)(uintptr_t)tok - 1;
	uint64_t resp[2], req[RS_REQ / 8], seq;

	if (slot >= RS_QSIZE) {
		fprintf(stderr, "driver: bad token %p\n", tok);
		return -1;
	}
	seq = s->slot_seq[slot];
	memcpy(resp, s->l->bufs + (size_t)slot * RS_SLOT + 64, RS_RESP);
	req_fill(req, seq);
	if (seq != s->done || len != RS_RESP || resp[0] != seq || resp[1] != req_sum(req)) {
		fprintf(stderr,
			"driver: completion seq %" PRIu64 " expected %" PRIu64 " len %u resp %" PRIu64
			"\n",
			seq, s->done, len, resp[0]);
		return -1;
	}
	s->done++;
	s->free_slots[s->nfree++] = slot;
	return 0;
}

static int stream_reap(struct stream *s)
{
	void *tok = NULL;
	uint32_t len = 0;
	int rc;

	while ((rc = vrq_vq_drv_get_used(&s->l->drv, &tok, &len)) > 0)
		if (stream_complete(s, tok, len) < 0)
			return -1;
	if (rc < 0)
		fprintf(stderr, "driver: get_used: %s\n", vrq_strerror(rc));
	return rc < 0 ? -1 : 0;
}

/* fill the window, publish, kick */
static int stream_push(struct stream *s)
{
	unsigned n = 0;

	while (stream_inflight(s) < RS_WINDOW && stream_has_next(s)) {
		if (stream_add(s) < 0)
			return -1;
		n++;
	}
	if (n) {
		vrq_vq_drv_publish(&s->l->drv);
		if (vrq_vq_drv_kick(&s->l->drv, &s->l->kick) < 0)
			return -1;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- (A) device restarts ---------------------------------------------------------- */

struct a_stats {
	uint64_t kills, self_kills, closes, restarts, returned_gone, returned_reset, reclaimed_done;
	uint64_t max_returned;
	uint64_t caught[3]; /* kills that caught none / part of / a full window in flight */
};

static pid_t spawn_device(struct vrq_link *drv, uint64_t close_after, uint64_t die_at,
			  int *sock_out)
{
	int sv[2];
	pid_t child;
	int rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		close(sv[0]);
		dev_child(sv[1], close_after, die_at);
	}
	close(sv[1]);
	rc = vrq_link_send(drv, sv[0]);
	if (rc < 0) {
		fprintf(stderr, "driver: send: %s\n", drv->msg);
		close(sv[0]);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return -1;
	}
	*sock_out = sv[0];
	return child;
}

static bool reap_child(pid_t pid, int sig, int code)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	if (sig)
		return WIFSIGNALED(status) && WTERMSIG(status) == sig;
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == code))
		fprintf(stderr, "child status 0x%x, expected exit %d\n", status, code);
	return WIFEXITED(status) && WEXITSTATUS(status) == code;
}

static int test_device_restart(enum vrq_notify_kind k, enum vrq_ring_kind ring, unsigned kills)
{
	struct vrq_link_cfg lc;
	struct vrq_link drv;
	struct stream s;
	struct a_stats st = {0};
	pid_t child = -1;
	int sock = -1, fails = vrq_test_failures;
	uint64_t t0 = vrq_notify_now_ns(), rounds = 0;
	uint32_t want_epoch = 1, epoch = 0;

	link_cfg(&lc, k, ring);
	if (vrq_link_create(&drv, &lc) < 0) {
		fprintf(stderr, "[%s] link create: %s\n", name, drv.msg);
		vrq_test_failures++;
		return -1;
	}
	stream_init(&s, &drv);
	CHECK_OUT(s.resend);

	while (st.kills < kills) {
		/* one round in eight: a clean close after 1..200 requests;
		 * three in eight: the device SIGKILLs itself at a random
		 * request and point of its batch (self); else this process
		 * SIGKILLs it after a random time (ext) */
		unsigned mode = (unsigned)(rnd() & 7);
		bool clean = mode == 0, self = mode >= 1 && mode <= 3, ext = mode > 3;
		bool nowait = (rnd() & 3) == 0, gone = false;
		uint64_t close_after = clean ? 1 + rnd() % 200 : 0;
		uint64_t die_at = self ? 1 + rnd() % 150 : 0;
		uint64_t kill_at, delay = (rnd() & 7) == 0 ? 0 : rnd() % RS_MAX_DELAY_NS;
		void *tok;
		uint32_t len;
		int rc, want_rc, pc, st_now;
		unsigned returned = 0;

		child = spawn_device(&drv, close_after, die_at, &sock);
		CHECK_OUT(child > 0);
		rounds++;
		/* "I restarted": READY for this generation, epoch one more than
		 * the device before it */
		st_now = vrq_link_peer_state(&drv, &epoch);
		CHECK_EQ_OUT(st_now, VRQ_LINK_ST_READY);
		CHECK_EQ_OUT(epoch, want_epoch);
		CHECK_EQ_OUT(drv.peer_epoch, want_epoch);
		CHECK_EQ_OUT(drv.peer_pid, child);
		want_epoch++;
		kill_at = vrq_notify_now_ns() + delay;
		for (;;) {
			uint64_t now, to = RS_WATCHDOG_NS;

			/* nothing new once the device is killed: what is in
			 * flight then is what the kill caught */
			if (!gone && (!ext || kill_at))
				CHECK_OUT(stream_push(&s) == 0);
			now = vrq_notify_now_ns();
			if (ext && kill_at) {
				if (now >= kill_at) {
					CHECK_OUT(kill(child, SIGKILL) == 0);
					kill_at = 0;
				} else {
					to = kill_at - now;
				}
			}
			if (ext && !kill_at && nowait) {
				/* learn it without the wait (which would reap
				 * the completions first): reclaim gets them */
				while ((pc = vrq_link_peer_check(&drv)) == 0)
					usleep(50);
				CHECK_EQ_OUT(pc, -VRQ_EPEERGONE);
				rc = pc;
				break;
			}
			rc = vrq_vq_drv_wait(&drv.drv, &drv.irq, to);
			if (rc == -VRQ_ETIMEDOUT && to != RS_WATCHDOG_NS)
				continue;
			if (rc < 0)
				break;
			CHECK_OUT(stream_reap(&s) == 0);
			/* add nothing more for a device already gone: what is
			 * in flight is then what its death caught */
			gone = vrq_link_peer_check(&drv) != 0;
		}
		CHECK_EQ_OUT(rc, -VRQ_EPEERGONE);
		CHECK_OUT(!ext || kill_at == 0);
		/* the token tells a clean close from a crash */
		pc = vrq_link_peer_check(&drv);
		want_rc = clean ? -ECONNRESET : -VRQ_EPEERGONE;
		CHECK_EQ_OUT(pc, want_rc);
		if (clean) {
			CHECK_EQ_OUT(vrq_link_peer_state(&drv, NULL), VRQ_LINK_ST_SHUTTING_DOWN);
			st.closes++;
		} else {
			st.kills++;
			st.self_kills += self;
		}
		/* take everything back: completions first, then in flight */
		s.nresend = s.resend_pos = 0;
		while ((rc = vrq_link_drv_reclaim(&drv, &tok, &len)) != 0) {
			if (rc == 1) {
				CHECK_OUT(stream_complete(&s, tok, len) == 0);
				st.reclaimed_done++;
				continue;
			}
			CHECK_EQ_OUT(rc, want_rc);
			{
				uint32_t slot = (uint32_t)(uintptr_t)tok - 1;

				CHECK_OUT(slot < RS_QSIZE);
				s.resend[s.nresend++] = s.slot_seq[slot];
				s.free_slots[s.nfree++] = slot;
				CHECK_OUT(s.nfree <= RS_QSIZE);
				returned++;
			}
		}
		if (clean)
			st.returned_reset += returned;
		else
			st.returned_gone += returned;
		if (returned > st.max_returned)
			st.max_returned = returned;
		if (getenv("RS_DEBUG"))
			printf("round %" PRIu64 " self %d clean %d nowait %d delay %" PRIu64
			       " done %" PRIu64 " returned %u\n",
			       rounds, self, clean, nowait, delay, s.done, returned);
		if (!clean)
			st.caught[returned == 0 ? 0 : returned < RS_WINDOW ? 1 : 2]++;
		/* every buffer is back, and the ones with an error are exactly
		 * the sequence numbers sent and not completed: done..next-1 */
		CHECK_EQ_OUT(s.nfree, RS_QSIZE);
		qsort(s.resend, s.nresend, sizeof(*s.resend), cmp_u64);
		{
			uint32_t i;

			for (i = 0; i < s.nresend; i++)
				CHECK_EQ_OUT(s.resend[i], s.done + i);
			CHECK_EQ_OUT(s.done + s.nresend, s.next);
		}
		CHECK_OUT(reap_child(child, clean ? 0 : SIGKILL, 0));
		child = -1;
		close(sock);
		sock = -1;
		CHECK_EQ_OUT(vrq_link_drv_reset(&drv), 0);
		st.restarts++;
	}

	/* the last device: stream the rest, drain, close cleanly; the device
	 * child checks it sees the "shutting down" token */
	s.limit = s.next + 1000;
	child = spawn_device(&drv, 0, 0, &sock);
	CHECK_OUT(child > 0);
	CHECK_EQ_OUT(drv.peer_epoch, want_epoch);
	while (s.done < s.limit) {
		int rc;

		CHECK_OUT(stream_push(&s) == 0);
		rc = vrq_vq_drv_wait(&drv.drv, &drv.irq, RS_WATCHDOG_NS);
		CHECK_EQ_OUT(rc, 0);
		CHECK_OUT(stream_reap(&s) == 0);
	}
	vrq_link_close(&drv);
	CHECK_OUT(reap_child(child, 0, 0));
	child = -1;
	CHECK_EQ_OUT(s.done, s.limit);
	CHECK_EQ_OUT(s.next, s.limit);
	printf("[A device restarts, %s %s] %" PRIu64 " rounds: %" PRIu64 " SIGKILLs (%" PRIu64
	       " self-inflicted mid-batch), %" PRIu64 " clean closes, %" PRIu64 " restarts; %" PRIu64
	       " messages delivered (0..M-1, in order, checksums right, %" PRIu64
	       " of them reclaimed as completions); in flight returned with -VRQ_EPEERGONE "
	       "%" PRIu64 ", with -ECONNRESET %" PRIu64 " (at most %" PRIu64
	       " at once), all resent; kills that caught 0 / 1..%u / %u buffers in flight: "
	       "%" PRIu64 " / %" PRIu64 " / %" PRIu64 "; %.2f s\n",
	       vrq_notify_kind_name(k), ring == VRQ_RING_PACKED ? "packed" : "split", rounds,
	       st.kills, st.self_kills, st.closes, st.restarts, s.done, st.reclaimed_done, st.returned_gone,
	       st.returned_reset, st.max_returned, RS_WINDOW - 1, RS_WINDOW, st.caught[0],
	       st.caught[1], st.caught[2], (double)(vrq_notify_now_ns() - t0) * 1e-9);
	/* the kills must have caught buffers in flight, or the test proves little */
	CHECK_OUT(st.returned_gone > 0);
	/* (a close may also come when nothing is in flight: only a run with
	 * a few of them must have caught some) */
	CHECK_OUT(st.closes < 10 || st.returned_reset > 0);
out:
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (sock >= 0)
		close(sock);
	free(s.resend);
	vrq_link_destroy(&drv);
	return vrq_test_failures == fails ? 0 : -1;
}

/* ---- (B) driver restarts ------------------------------------------------------- */

/* Driver child: create, send, stream @p count (UINT64_MAX: until killed),
 * drain, close cleanly, exit 0 if every completion was right. */
static void drv_child(int sock, enum vrq_notify_kind k, enum vrq_ring_kind ring, uint64_t count)
{
	struct vrq_link_cfg lc;
	struct vrq_link l;
	struct stream s;

	link_cfg(&lc, k, ring);
	if (vrq_link_create(&l, &lc) < 0) {
		fprintf(stderr, "driver child: create: %s\n", l.msg);
		_exit(2);
	}
	if (vrq_link_send(&l, sock) < 0) {
		fprintf(stderr, "driver child: send: %s\n", l.msg);
		_exit(3);
	}
	stream_init(&s, &l);
	s.limit = count;
	while (s.done < count) {
		if (stream_push(&s) < 0)
			_exit(4);
		if (vrq_vq_drv_wait(&l.drv, &l.irq, RS_WATCHDOG_NS) < 0) {
			fprintf(stderr, "driver child: wait failed at %" PRIu64 "\n", s.done);
			_exit(5);
		}
		if (stream_reap(&s) < 0)
			_exit(6);
	}
	vrq_link_close(&l);
	_exit(0);
}

static int test_driver_restart(enum vrq_notify_kind k, enum vrq_ring_kind ring, unsigned deaths)
{
	struct vrq_link dev;
	struct dev_res r;
	bool have_dev = false;
	pid_t child = -1;
	int sv[2] = {-1, -1}, fails = vrq_test_failures;
	uint64_t kills = 0, closes = 0, dropped = 0, served = 0, abandoned = 0, rounds = 0;
	uint64_t t0 = vrq_notify_now_ns();
	uint32_t last_epoch = 0;

	while (kills < deaths) {
		bool clean = (rnd() & 3) == 0;
		uint64_t count = clean ? 1 + rnd() % 2000 : UINT64_MAX;
		uint64_t delay = (rnd() & 7) == 0 ? 0 : rnd() % RS_MAX_DELAY_NS;
		uint32_t e;
		int pc, rc;

		CHECK_OUT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
		child = fork();
		CHECK_OUT(child >= 0);
		if (child == 0) {
			close(sv[0]);
			drv_child(sv[1], k, ring, count);
		}
		close(sv[1]);
		sv[1] = -1;
		rounds++;
		rc = vrq_link_accept(&dev, sv[0], 0);
		if (rc < 0)
			fprintf(stderr, "[%s] accept: %s\n", name, dev.msg);
		CHECK_EQ_OUT(rc, 0);
		have_dev = true;
		CHECK_EQ_OUT(dev.peer_pid, child);
		/* a new region each time: generation 1, and this device end
		 * announced itself (epoch 1: the word was fresh) */
		CHECK_EQ_OUT(dev.peer_epoch, 1);
		CHECK_EQ_OUT(dev.epoch, 1);
		rc = vrq_link_peer_state(&dev, &e);
		CHECK_OUT(rc == VRQ_LINK_ST_STARTING || rc == VRQ_LINK_ST_READY ||
			  rc == VRQ_LINK_ST_SHUTTING_DOWN);
		(void)last_epoch;
		dev_serve(&dev, 0, 0, clean ? 0 : child, vrq_notify_now_ns() + delay, true, 0, &r);
		CHECK_EQ_OUT(r.rc, 0);
		CHECK_EQ_OUT(r.wait_rc, -VRQ_EPEERGONE);
		CHECK_OUT(r.first == UINT64_MAX || r.first == 0);
		served += r.served;
		abandoned += r.abandoned;
		pc = vrq_link_peer_check(&dev);
		CHECK_EQ_OUT(pc, clean ? -ECONNRESET : -VRQ_EPEERGONE);
		if (clean) {
			CHECK_EQ_OUT(r.served, count);
			closes++;
		} else {
			kills++;
		}
		{
			uint64_t n = vrq_link_dev_release(&dev);

			have_dev = false;
			CHECK_EQ_OUT(n, r.abandoned);
			dropped += n;
		}
		CHECK_OUT(reap_child(child, clean ? 0 : SIGKILL, 0));
		child = -1;
		close(sv[0]);
		sv[0] = -1;
	}
	printf("[B driver restarts, %s %s] %" PRIu64 " rounds: %" PRIu64 " SIGKILLs, %" PRIu64
	       " clean closes (told apart by the token); %" PRIu64 " requests served, %" PRIu64
	       " popped chains dropped on the driver's death; %.2f s\n",
	       vrq_notify_kind_name(k), ring == VRQ_RING_PACKED ? "packed" : "split", rounds, kills,
	       closes, served, dropped, (double)(vrq_notify_now_ns() - t0) * 1e-9);
	(void)abandoned;
out:
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (have_dev)
		vrq_link_destroy(&dev);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	return vrq_test_failures == fails ? 0 : -1;
}

/* ---- (C) the calls one by one, both ends in this thread --------------------------- */

static int test_calls(enum vrq_notify_kind k, enum vrq_ring_kind ring)
{
	struct vrq_link_cfg lc;
	struct vrq_link drv, dev, dev2;
	bool have_drv = false, have_dev = false, have_dev2 = false;
	struct vrq_seg seg[4];
	struct vrq_chain c;
	void *tok;
	uint32_t len, e, saved;
	int rc, i, fails = vrq_test_failures, n_done = 0, n_reset = 0;

	link_cfg(&lc, k, ring);
	CHECK_EQ_OUT(vrq_link_create(&drv, &lc), 0);
	have_drv = true;
	/* the driver's own word: STARTING, generation 1; no device yet */
	CHECK_EQ_OUT(drv.life->drv, VRQ_LINK_LIFE_WORD(VRQ_LINK_ST_STARTING, 1));
	CHECK_EQ_OUT(vrq_link_peer_state(&drv, &e), VRQ_LINK_ST_NONE);
	/* no peer gone, no close: nothing to reclaim, nothing to reset */
	CHECK_EQ_OUT(vrq_link_peer_check(&drv), 0);
	CHECK_EQ_OUT(vrq_link_drv_reclaim(&drv, &tok, &len), -EBUSY);
	CHECK_EQ_OUT(vrq_link_drv_reset(&drv), -EBUSY);

	CHECK_EQ_OUT(vrq_link_attach(&dev, &drv), 0);
	have_dev = true;
	CHECK_EQ_OUT(dev.epoch, 1);
	CHECK_EQ_OUT(dev.peer_epoch, 1);
	CHECK_EQ_OUT(vrq_link_peer_state(&drv, &e), VRQ_LINK_ST_READY);
	CHECK_EQ_OUT(e, 1);
	CHECK_EQ_OUT(drv.life->dev_gen, 1);
	CHECK_EQ_OUT(vrq_link_peer_state(&dev, &e), VRQ_LINK_ST_STARTING);
	CHECK_EQ_OUT(vrq_link_drv_reclaim(&dev, &tok, &len), -VRQ_EINVAL);

	/* 4 buffers: the device pops 3, answers 1 (published), holds 2 */
	for (i = 0; i < 4; i++) {
		uint8_t *p = drv.bufs + (size_t)i * RS_SLOT;
		struct vrq_sg sg[2] = {{vrq_link_da(&drv, p), RS_REQ},
				       {vrq_link_da(&drv, p + 64), RS_RESP}};

		CHECK_EQ_OUT(vrq_vq_drv_add(&drv.drv, sg, 1, 1, (void *)(uintptr_t)(i + 1)), 0);
	}
	vrq_vq_drv_publish(&drv.drv);
	for (i = 0; i < 3; i++) {
		vrq_chain_init(&c, seg, 4);
		CHECK_EQ_OUT(vrq_vq_dev_pop(&dev.dev, &c), 1);
		if (i == 0)
			CHECK_EQ_OUT(vrq_vq_dev_push(&dev.dev, c.head, RS_RESP), 0);
	}
	vrq_vq_dev_publish(&dev.dev);
	/* the device is alive: the driver may not take the ring */
	CHECK_EQ_OUT(vrq_link_drv_reclaim(&drv, &tok, &len), -EBUSY);
	/* a clean close: the "shutting down" token, told apart from a crash */
	vrq_link_close(&dev);
	CHECK_EQ_OUT(vrq_link_peer_state(&drv, &e), VRQ_LINK_ST_SHUTTING_DOWN);
	CHECK_EQ_OUT(vrq_link_peer_check(&drv), -ECONNRESET);
	CHECK_EQ_OUT(vrq_vq_drv_wait(&drv.drv, &drv.irq, RS_WATCHDOG_NS), 0); /* the answer */
	while ((rc = vrq_link_drv_reclaim(&drv, &tok, &len)) != 0) {
		if (rc == 1) {
			CHECK_EQ_OUT((uintptr_t)tok, 1);
			CHECK_EQ_OUT(len, RS_RESP);
			n_done++;
		} else {
			CHECK_EQ_OUT(rc, -ECONNRESET);
			CHECK_OUT((uintptr_t)tok >= 2 && (uintptr_t)tok <= 4);
			n_reset++;
		}
	}
	CHECK_EQ_OUT(n_done, 1);
	CHECK_EQ_OUT(n_reset, 3);
	CHECK_EQ_OUT(vrq_link_drv_reclaim(&drv, &tok, &len), 0); /* stays done */
	CHECK_EQ_OUT(vrq_link_drv_reset(&drv), 0);
	CHECK_EQ_OUT(drv.life->drv, VRQ_LINK_LIFE_WORD(VRQ_LINK_ST_STARTING, 2));
	CHECK_EQ_OUT(vrq_vq_drv_num_free(&drv.drv), RS_QSIZE);
	/* the device drops the two chains it held */
	CHECK_EQ_OUT(vrq_link_dev_release(&dev), 2);
	have_dev = false;

	/* a garbage or closing driver word is refused by a new device */
	saved = drv.life->drv;
	drv.life->drv = 0xfu;
	CHECK_EQ_OUT(vrq_link_attach(&dev2, &drv), -EPROTO);
	drv.life->drv = VRQ_LINK_LIFE_WORD(VRQ_LINK_ST_SHUTTING_DOWN, 2);
	CHECK_EQ_OUT(vrq_link_attach(&dev2, &drv), -EBUSY);
	drv.life->drv = saved;
	/* a garbage device word is -EPROTO to the driver */
	saved = drv.life->dev;
	drv.life->dev = 0x1234567fu;
	CHECK_EQ_OUT(vrq_link_peer_state(&drv, &e), -EPROTO);
	drv.life->dev = saved;

	/* the next device: "I restarted" with epoch 2, for generation 2 */
	CHECK_EQ_OUT(vrq_link_attach(&dev2, &drv), 0);
	have_dev2 = true;
	CHECK_EQ_OUT(dev2.epoch, 2);
	CHECK_EQ_OUT(dev2.peer_epoch, 2);
	CHECK_EQ_OUT(vrq_link_peer_state(&drv, &e), VRQ_LINK_ST_READY);
	CHECK_EQ_OUT(e, 2);
	CHECK_EQ_OUT(drv.life->dev_gen, 2);
	CHECK_EQ_OUT(vrq_link_peer_check(&drv), 0);
	/* and traffic flows on the rebuilt ring */
	{
		struct vrq_sg sg[2] = {{vrq_link_da(&drv, drv.bufs), RS_REQ},
				       {vrq_link_da(&drv, drv.bufs + 64), RS_RESP}};

		CHECK_EQ_OUT(vrq_vq_drv_add(&drv.drv, sg, 1, 1, &drv), 0);
		vrq_vq_drv_publish(&drv.drv);
		CHECK_OUT(vrq_vq_drv_kick(&drv.drv, &drv.kick) >= 0);
		CHECK_EQ_OUT(vrq_vq_dev_wait(&dev2.dev, &dev2.kick, RS_WATCHDOG_NS), 0);
		vrq_chain_init(&c, seg, 4);
		CHECK_EQ_OUT(vrq_vq_dev_pop(&dev2.dev, &c), 1);
		CHECK_EQ_OUT(vrq_vq_dev_push(&dev2.dev, c.head, RS_RESP), 0);
		vrq_vq_dev_publish(&dev2.dev);
		CHECK_OUT(vrq_vq_dev_interrupt(&dev2.dev, &dev2.irq) >= 0);
		CHECK_EQ_OUT(vrq_vq_drv_wait(&drv.drv, &drv.irq, RS_WATCHDOG_NS), 0);
		CHECK_EQ_OUT(vrq_vq_drv_get_used(&drv.drv, &tok, &len), 1);
		CHECK_OUT(tok == &drv);
	}
	/* the driver closes: the device sees the token */
	vrq_link_close(&drv);
	CHECK_EQ_OUT(vrq_link_peer_state(&dev2, &e), VRQ_LINK_ST_SHUTTING_DOWN);
	CHECK_EQ_OUT(e, 2);
	CHECK_EQ_OUT(vrq_link_peer_check(&dev2), -ECONNRESET);
	CHECK_EQ_OUT(vrq_vq_dev_wait(&dev2.dev, &dev2.kick, RS_WATCHDOG_NS), -VRQ_EPEERGONE);
	CHECK_EQ_OUT(vrq_link_dev_release(&dev2), 0);
	have_dev2 = false;
	printf("[C calls, %s %s] ok\n", vrq_notify_kind_name(k),
	       ring == VRQ_RING_PACKED ? "packed" : "split");
out:
	if (have_dev)
		vrq_link_destroy(&dev);
	if (have_dev2)
		vrq_link_destroy(&dev2);
	if (have_drv)
		vrq_link_destroy(&drv);
	return vrq_test_failures == fails ? 0 : -1;
}

int main(int argc, char **argv)
{
	enum vrq_notify_kind k = VRQ_NOTIFY_EVENTFD;
	const char *sc = getenv("VRQ_TEST_SCALE");
	double scale = sc ? atof(sc) : 1.0;
	unsigned kills = 0, deaths = 0;
	uint64_t seed = 0;
	int i, status;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--notify") && i + 1 < argc) {
			if (vrq_notify_kind_parse(argv[++i], &k) < 0) {
				fprintf(stderr, "unknown backend %s\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--kills") && i + 1 < argc) {
			kills = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--deaths") && i + 1 < argc) {
			deaths = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: %s [--notify KIND] [--kills N] [--deaths N] [--seed S]\n",
				argv[0]);
			return 2;
		}
	}
	if (scale <= 0)
		scale = 1.0;
	kills = (unsigned)((kills ? kills : 1000) * scale);
	if (kills < 20)
		kills = 20;
	deaths = (unsigned)((deaths ? deaths : 200) * scale);
	if (deaths < 10)
		deaths = 10;
	if (!seed)
		seed = vrq_notify_now_ns() ^ ((uint64_t)getpid() << 32);
	rng_state = seed | 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("seed %" PRIu64 " backend %s: %u device kills, %u driver deaths per ring x 2\n",
	       seed, vrq_notify_kind_name(k), kills, deaths);
	/* a hang is a failure: SIGALRM ends the process */
	alarm(600);
	test_calls(k, VRQ_RING_SPLIT);
	test_calls(k, VRQ_RING_PACKED);
	test_device_restart(k, VRQ_RING_SPLIT, kills / 2);
	test_device_restart(k, VRQ_RING_PACKED, kills - kills / 2);
	test_driver_restart(k, VRQ_RING_SPLIT, deaths);
	test_driver_restart(k, VRQ_RING_PACKED, deaths);
	if (waitpid(-1, &status, WNOHANG) != -1 || errno != ECHILD) {
		fprintf(stderr, "a child process was left behind\n");
		vrq_test_failures++;
	}
	if (vrq_test_failures) {
		fprintf(stderr, "%d check(s) failed (seed %" PRIu64 ")\n", vrq_test_failures, seed);
		return 1;
	}
	return 0;
}
