/* SPDX-License-Identifier: MIT */
/*
 * tests/notify/notify_common.h - driver and device loops over a vrq_link,
 * in two threads or two processes, shared by test_notify and
 * test_peer_death.
 *
 * Every buffer carries a 16-byte request {u64 seq; u64 ~seq} (device
 * readable) and a 16-byte response area (device writable).  The device
 * checks that requests arrive exactly in sequence and answers
 * {seq * 3 + 1, seq ^ key}; the driver checks that every completion is the
 * next sequence number, with len 16 and the right answer.  So nothing can
 * be lost, duplicated, reordered or corrupted without a failure.
 */
#ifndef VRQ_NOTIFY_COMMON_H
#define VRQ_NOTIFY_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
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

#define NT_SLOT 64u	/* bytes per buffer slot: request at 0, response at 32 */
#define NT_KEY 0x5a5a5a5a5a5a5a5aull
#define NT_WATCHDOG_NS (10ull * 1000000000ull)

enum nt_pattern { NT_PINGPONG, NT_STREAM };

struct nt_cfg {
	enum vrq_notify_kind notify;
	enum vrq_ring_kind ring;
	bool event_idx;
	bool procs;
	enum nt_pattern pattern;
	uint64_t count;
	uint16_t qsize;
	uint32_t spin_ns;
	uint64_t kill_after; /* death test: driver SIGKILLs the device after this many */
	uint32_t link_flags; /* VRQ_LINK_ASYM_FENCE / VRQ_LINK_FULL_FENCE */
};

/* What the device reports back at the end (socket in process mode). */
struct nt_dev_report {
	int rc;		/* 0 or the failing check's line */
	int wait_rc;	/* the wait result that ended the loop */
	uint64_t served;
	struct vrq_notify_stats kick_rx, irq_tx;
	struct vrq_dev_stats ring;
};

static inline const char *nt_pattern_name(enum nt_pattern p)
{
	return p == NT_PINGPONG ? "pingpong" : "stream";
}

/* ---- watchdog report ---------------------------------------------------------
 * A wait that ran into its watchdog is either a lost wake-up (the work was
 * there and nobody was told) or a peer that really did not run.  What both
 * ends see says which: the ring's indices and suppression state read
 * through this end's mapping, this end's private indices, the notifier
 * counters and whether either eventfd holds an unread count. */
/* thread mode: the device's link, for the driver's watchdog report */
static struct vrq_link *nt_diag_dev;

static inline int nt_fd_pending(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

static void nt_dump(const char *why, struct vrq_link *l, bool drv_side)
{
	const struct vrq_notify_stats *k = &l->kick.st, *i = &l->irq.st;

	fprintf(stderr, "%s: %s\n", drv_side ? "driver" : "device", why);
	if (drv_side && l->drv.kind == VRQ_RING_SPLIT) {
		const struct vrq_split_drv *q = &l->drv.split;

		fprintf(stderr,
			"  split: avail flags=%u idx=%u  used flags=%u idx=%u  drv avail_pub=%u "
			"last_used=%u\n",
			vrq__read16(VRQ_DOM_SMP, &q->avail->flags), vrq__read16(VRQ_DOM_SMP, &q->avail->idx),
			vrq__read16(VRQ_DOM_SMP, &q->used->flags), vrq__read16(VRQ_DOM_SMP, &q->used->idx),
			q->avail_pub, q->last_used);
	} else if (!drv_side && l->dev.kind == VRQ_RING_SPLIT) {
		const struct vrq_split_dev *q = &l->dev.split;

		fprintf(stderr,
			"  split: avail flags=%u idx=%u  used flags=%u idx=%u  dev last_avail=%u "
			"used_pub=%u\n",
			vrq__read16(VRQ_DOM_SMP, &q->avail->flags), vrq__read16(VRQ_DOM_SMP, &q->avail->idx),
			vrq__read16(VRQ_DOM_SMP, &q->used->flags), vrq__read16(VRQ_DOM_SMP, &q->used->idx),
			q->last_avail, q->used_pub);
	}
	if (drv_side) {
		const struct vrq_drv_stats *d = vrq_vq_drv_stats(&l->drv);

		fprintf(stderr, "  drv ring: added=%" PRIu64 " completed=%" PRIu64 " kicks=%" PRIu64
			" suppressed=%" PRIu64 "\n", d->added, d->completed, d->kicks,
			d->kicks_suppressed);
	} else {
		const struct vrq_dev_stats *d = vrq_vq_dev_stats(&l->dev);

		fprintf(stderr, "  dev ring: popped=%" PRIu64 " pushed=%" PRIu64 " notifies=%" PRIu64
			" suppressed=%" PRIu64 "\n", d->popped, d->pushed, d->notifies,
			d->notifies_suppressed);
	}
	fprintf(stderr,
		"  kick: sent=%" PRIu64 " supp=%" PRIu64 " waits=%" PRIu64 " wake=%" PRIu64
		" timeouts=%" PRIu64 " consumed=%" PRIu64 "  irq: sent=%" PRIu64 " supp=%" PRIu64
		" waits=%" PRIu64 " wake=%" PRIu64 " timeouts=%" PRIu64 " consumed=%" PRIu64 "\n",
		k->sent, k->suppressed, k->waits, k->wakeups, k->timeouts, k->consumed, i->sent,
		i->suppressed, i->waits, i->wakeups, i->timeouts, i->consumed);
	fprintf(stderr, "  eventfd count pending: kick %d irq %d\n", nt_fd_pending(l->kick_fd),
		nt_fd_pending(l->irq_fd));
}

/* ---- device ----------------------------------------------------------------- */

/* Serve until the driver closes (or dies): the wait then returns
 * -VRQ_EPEERGONE, which is how a clean run ends. */
static void nt_device(struct vrq_link *l, struct nt_dev_report *rep)
{
	struct vrq_seg seg[4];
	struct vrq_chain c;
	uint64_t expect = 0;
	int rc;

	memset(rep, 0, sizeof(*rep));
	for (;;) {
		uint64_t timeouts = l->kick.st.timeouts;

		rc = vrq_vq_dev_wait(&l->dev, &l->kick, NT_WATCHDOG_NS);
		if (rc == 0 && l->kick.st.timeouts != timeouts)
			nt_dump("the watchdog ended a wait a request was there for (lost kick?)", l,
				false);
		if (rc < 0) {
			rep->wait_rc = rc;
			break;
		}
		for (;;) {
			uint64_t req[2], resp[2];

			vrq_chain_init(&c, seg, 4);
			rc = vrq_vq_dev_pop(&l->dev, &c);
			if (rc == 0)
				break;
			if (rc < 0 || c.n != 2 || c.n_out != 1 || seg[0].len != 16 ||
			    seg[1].len != 16) {
				fprintf(stderr, "device: bad chain rc=%d (%s) n=%u n_out=%u\n", rc,
					vrq_strerror(rc), c.n, c.n_out);
				rep->rc = __LINE__;
				goto out;
			}
			memcpy(req, seg[0].va, 16);
			if (req[0] != expect || req[1] != ~expect) {
				fprintf(stderr, "device: request %" PRIu64 " expected %" PRIu64 "\n",
					req[0], expect);
				rep->rc = __LINE__;
				goto out;
			}
			resp[0] = expect * 3 + 1;
			resp[1] = expect ^ NT_KEY;
			memcpy(seg[1].va, resp, 16);
			expect++;
			if (vrq_vq_dev_push(&l->dev, c.head, 16) < 0) {
				rep->rc = __LINE__;
				goto out;
			}
		}
		vrq_vq_dev_publish(&l->dev);
		if (vrq_vq_dev_interrupt(&l->dev, &l->irq) < 0) {
			rep->rc = __LINE__;
			goto out;
		}
	}
out:
	rep->served = expect;
	vrq_notify_drain(&l->kick);
	rep->kick_rx = l->kick.st;
	rep->irq_tx = l->irq.st;
	rep->ring = *vrq_vq_dev_stats(&l->dev);
}

/* ---- driver ----------------------------------------------------------------- */

struct nt_drv {
	struct vrq_link *l;
	const struct nt_cfg *cfg;
	uint64_t sent, done;
	uint32_t nslots;
	uint64_t *slot_seq;
	uint32_t *free_slots;
	uint32_t nfree;
	int wait_rc;
};

static int nt_drv_add(struct nt_drv *d, uint64_t seq)
{
	struct vrq_link *l = d->l;
	uint32_t slot = d->free_slots[--d->nfree];
	uint8_t *p = l->bufs + (size_t)slot * NT_SLOT;
	uint64_t req[2] = {seq, ~seq};
	struct vrq_sg sg[2] = {{vrq_link_da(l, p), 16}, {vrq_link_da(l, p + 32), 16}};

	memcpy(p, req, 16);
	memset(p + 32, 0, 16);
	d->slot_seq[slot] = seq;
	if (vrq_vq_drv_add(&l->drv, sg, 1, 1, (void *)(uintptr_t)(slot + 1)) < 0) {
		fprintf(stderr, "driver: add failed\n");
		return -1;
	}
	return 0;
}

/* Consume every used buffer; -1 on a wrong completion. */
static int nt_drv_reap(struct nt_drv *d)
{
	void *tok = NULL;
	uint32_t len = 0;
	int rc;

	while ((rc = vrq_vq_drv_get_used(&d->l->drv, &tok, &len)) > 0) {
		uint32_t slot = (uint32_t)(uintptr_t)tok - 1;
		uint64_t resp[2], seq;

		if (slot >= d->nslots) {
			fprintf(stderr, "driver: bad token\n");
			return -1;
		}
		seq = d->slot_seq[slot];
		memcpy(resp, d->l->bufs + (size_t)slot * NT_SLOT + 32, 16);
		if (seq != d->done || len != 16 || resp[0] != seq * 3 + 1 || resp[1] != (seq ^ NT_KEY)) {
			fprintf(stderr,
				"driver: completion seq %" PRIu64 " expected %" PRIu64 " len %u resp %" PRIu64
				"\n",
				seq, d->done, len, resp[0]);
			return -1;
		}
		d->done++;
		d->free_slots[d->nfree++] = slot;
	}
	if (rc < 0) {
		fprintf(stderr, "driver: get_used: %s\n", vrq_strerror(rc));
		return -1;
	}
	return 0;
}

/* Runs the pattern; returns 0, or -1 with a message.  d->wait_rc keeps the
 * last failed wait (death test). */
static int nt_driver(struct nt_drv *d, pid_t dev_pid)
{
	const struct nt_cfg *cfg = d->cfg;
	struct vrq_link *l = d->l;
	unsigned batch = cfg->pattern == NT_PINGPONG ? 1 : 16;
	unsigned window = cfg->pattern == NT_PINGPONG ? 1 : cfg->qsize / 2u;
	uint64_t timeouts;
	int rc;

	d->nslots = cfg->qsize;
	d->slot_seq = calloc(d->nslots, sizeof(*d->slot_seq));
	d->free_slots = calloc(d->nslots, sizeof(*d->free_slots));
	if (!d->slot_seq || !d->free_slots)
		return -1;
	for (d->nfree = 0; d->nfree < d->nslots; d->nfree++)
		d->free_slots[d->nfree] = d->nslots - 1 - d->nfree;

	while (d->done < cfg->count) {
		unsigned n = 0;

		while (d->sent < cfg->count && d->sent - d->done < window && n < batch) {
			if (nt_drv_add(d, d->sent) < 0)
				return -1;
			d->sent++;
			n++;
		}
		if (n) {
			vrq_vq_drv_publish(&l->drv);
			if (vrq_vq_drv_kick(&l->drv, &l->kick) < 0)
				return -1;
		}
		if (cfg->kill_after && dev_pid > 0 && d->done >= cfg->kill_after) {
			kill(dev_pid, SIGKILL);
			dev_pid = 0;
		}
		/* stream: keep the window full while there is room */
		if (cfg->pattern == NT_STREAM && d->sent < cfg->count && d->sent - d->done < window &&
		    !vrq_vq_drv_has_used(&l->drv))
			continue;
		timeouts = l->irq.st.timeouts;
		rc = vrq_vq_drv_wait(&l->drv, &l->irq, NT_WATCHDOG_NS);
		if (rc == 0 && l->irq.st.timeouts != timeouts) {
			nt_dump("the watchdog ended a wait a completion was there for (lost "
				"interrupt?)", l, true);
			if (nt_diag_dev)
				nt_dump("(peer thread, racy read)", nt_diag_dev, false);
		}
		if (rc < 0) {
			d->wait_rc = rc;
			if (rc == -VRQ_ETIMEDOUT) {
				fprintf(stderr,
					"driver: stuck %llu s with sent=%" PRIu64 " done=%" PRIu64
					" (lost wake-up?)\n",
					NT_WATCHDOG_NS / 1000000000ull, d->sent, d->done);
				nt_dump("stuck", l, true);
				if (nt_diag_dev)
					nt_dump("(peer thread, racy read)", nt_diag_dev, false);
			}
			return -1;
		}
		if (nt_drv_reap(d) < 0)
			return -1;
	}
	return 0;
}

static void nt_drv_free(struct nt_drv *d)
{
	free(d->slot_seq);
	free(d->free_slots);
}

static inline int nt_link_cfg(const struct nt_cfg *cfg, struct vrq_link_cfg *lc)
{
	memset(lc, 0, sizeof(*lc));
	lc->ring = cfg->ring;
	lc->qsize = cfg->qsize;
	lc->features = VRQ_FEATURE(VRQ_F_VERSION_1) |
		       (cfg->event_idx ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0);
	lc->notify = cfg->notify;
	lc->block = VRQ_NOTIFY_EVENTFD;
	lc->spin_ns = cfg->spin_ns;
	lc->flags = cfg->link_flags;
	lc->buf_bytes = (uint64_t)cfg->qsize * NT_SLOT;
	return 0;
}

/* Thread mode: the device end in a thread of this process. */
struct nt_thread_arg {
	struct vrq_link *dev;
	struct nt_dev_report rep;
};

static void *nt_dev_thread(void *p)
{
	struct nt_thread_arg *a = p;

	nt_device(a->dev, &a->rep);
	return NULL;
}

/* Process mode: the child receives the region over the socket, serves, and
 * writes its report back.  Never returns. */
static void nt_dev_child(int sock)
{
	struct vrq_link l;
	struct nt_dev_report rep;
	int rc;

	rc = vrq_link_accept(&l, sock, 0);
	if (rc < 0) {
		fprintf(stderr, "device: accept: %s\n", l.msg);
		_exit(2);
	}
	nt_device(&l, &rep);
	if (write(sock, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(3);
	vrq_link_destroy(&l);
	_exit(rep.rc ? 1 : 0);
}

static int nt_read_full(int fd, void *buf, size_t len)
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

#endif /* VRQ_NOTIFY_COMMON_H */
