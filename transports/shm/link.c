/* SPDX-License-Identifier: MIT */
/* transports/shm/link.c - one virtqueue + notifiers + buffers in one region. */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vrq/link.h"
#include "../notify/internal.h"

#define HDR_BYTES 4096u
#define AREA_ALIGN 64u
#define PAGE 4096u
#define DEFAULT_DA_BASE 0x40000000ull

/* What travels over the socket with the fds. */
struct link_msg {
	uint64_t magic;
	uint64_t total;
	uint32_t nfds;
	uint32_t has_kick_fd, has_irq_fd;
	int32_t pid; /* sender's pid (SO_PEERCRED names the socketpair's creator) */
};

/* The device's answer: it attached (or not), and its pid. */
struct link_ack {
	uint64_t magic;
	int32_t rc;
	int32_t pid;
};

/* The peer's pid: SO_PEERCRED when it names another process, else what
 * the peer said (a socketpair made before fork() reports its creator). */
static int peer_pid(int sock, int claimed)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0 && uc.pid > 0 &&
	    uc.pid != getpid())
		return uc.pid;
	return claimed > 0 && claimed != getpid() ? claimed : -1;
}

static int fail(struct vrq_link *l, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->msg, sizeof(l->msg), fmt, ap);
	va_end(ap);
	return code;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static void link_reset(struct vrq_link *l, bool is_dev)
{
	memset(l, 0, sizeof(*l));
	l->is_dev = is_dev;
	l->kick_fd = -1;
	l->irq_fd = -1;
	l->shm.fd = -1;
	l->kick.pidfd = -1;
	l->irq.pidfd = -1;
}

/* ---- lifecycle words (link.h, "Peer restart") ------------------------------ */

static struct vrq_link_life *life_at(void *base)
{
	return (struct vrq_link_life *)(void *)((uint8_t *)base + VRQ_LINK_OFF_LIFE);
}

/* this end's word: one writer (this end), release so the peer that reads
 * the state with acquire also sees everything this end did before */
static void life_set(struct vrq_link *l, enum vrq_link_state st)
{
	uint32_t *w = l->is_dev ? &l->life->dev : &l->life->drv;

	__atomic_store_n(w, VRQ_LINK_LIFE_WORD(st, l->epoch), __ATOMIC_RELEASE);
}

/* Notifier of one end: the driver sends kicks and receives interrupts. */
static int init_notifiers(struct vrq_link *l)
{
	const struct vrq_link_hdr *h = l->hdr;
	uint8_t *base = l->shm.base;
	struct vrq_notify_cfg k = {
		.kind = (enum vrq_notify_kind)h->notify_kind,
		.shared = (struct vrq_notify_shared *)(void *)(base + h->off_kick),
		.fd = l->kick_fd,
		.block = (enum vrq_notify_kind)h->block_kind,
		.spin_ns = h->spin_ns,
		.status_bit = 1u, /* QueueNotify: queue 0 */
	};
	struct vrq_notify_cfg i = k;
	int rc;

	i.shared = (struct vrq_notify_shared *)(void *)(base + h->off_irq);
	i.fd = l->irq_fd;
	i.status_bit = VRQ_ISR_VRING;
	rc = vrq_notify_init(&l->kick, &k);
	if (rc == 0)
		rc = vrq_notify_init(&l->irq, &i);
	if (rc < 0)
		return fail(l, rc, "notifier init (%s): %s", vrq_notify_kind_name(k.kind),
			    vrq_strerror(rc));
	return 0;
}

int vrq_link_create(struct vrq_link *l, const struct vrq_link_cfg *cfg)
{
	struct vrq_link_hdr *h;
	struct vrq_shm_cfg sc;
	struct vrq_vq_cfg qc;
	uint64_t ring_bytes, off, total, ind_bytes;
	int rc;

	link_reset(l, false);
	if ((unsigned)cfg->notify >= VRQ_NOTIFY_KIND_COUNT)
		return fail(l, -VRQ_EINVAL, "unknown notification backend %d", (int)cfg->notify);
	ring_bytes = vrq_vq_ring_bytes(cfg->ring, cfg->qsize, AREA_ALIGN);
	if (!ring_bytes)
		return fail(l, -VRQ_EINVAL, "queue size %u is not valid for the %s ring",
			    cfg->qsize, cfg->ring == VRQ_RING_PACKED ? "packed" : "split");
	if (cfg->buf_bytes == 0)
		return fail(l, -VRQ_EINVAL, "buffer area size must be > 0");
	off = align_up(2 * PAGE + ring_bytes, PAGE);
	ind_bytes = (uint64_t)cfg->qsize * cfg->ind_max * 16u;
	total = align_up(off + cfg->buf_bytes, PAGE) + align_up(ind_bytes, PAGE);

	sc = cfg->shm;
	sc.size = (size_t)total;
	rc = vrq_shm_create(&l->shm, &sc);
	if (rc < 0)
		return fail(l, rc, "shared memory: %s", l->shm.msg);
	if (l->shm.msg[0])
		snprintf(l->msg, sizeof(l->msg), "%s", l->shm.msg); /* fallback note */

	h = l->hdr = (struct vrq_link_hdr *)l->shm.base;
	h->magic = VRQ_LINK_MAGIC;
	h->version = VRQ_LINK_VERSION;
	h->ring_kind = (uint32_t)cfg->ring;
	h->qsize = cfg->qsize;
	h->notify_kind = (uint32_t)cfg->notify;
	h->block_kind = (uint32_t)(cfg->notify == VRQ_NOTIFY_HYBRID && cfg->block == VRQ_NOTIFY_FUTEX
					   ? VRQ_NOTIFY_FUTEX
					   : VRQ_NOTIFY_EVENTFD);
	if (cfg->notify != VRQ_NOTIFY_HYBRID)
		h->block_kind = (uint32_t)cfg->notify;
	h->spin_ns = cfg->spin_ns;
	h->features = cfg->features;
	h->total = l->shm.size;
	h->area_align = AREA_ALIGN;
	h->off_kick = HDR_BYTES;
	h->off_irq = HDR_BYTES + sizeof(struct vrq_notify_shared);
	h->off_ring = 2 * PAGE;
	h->ring_bytes = ring_bytes;
	/* the asymmetric fence (types.h), on request only, for any blocking
	 * backend; this process must be reachable by the peer's membarrier().
	 * Not the default for hybrid: link.h (VRQ_LINK_ASYM_FENCE) says why. */
	if (cfg->notify != VRQ_NOTIFY_POLL && !(cfg->flags & VRQ_LINK_FULL_FENCE) &&
	    (cfg->flags & VRQ_LINK_ASYM_FENCE)) {
		rc = vrq_notify_heavy_register();
		if (rc == 0)
			h->flags |= VRQ_LINK_HDR_ASYM_FENCE;
		else if (cfg->flags & VRQ_LINK_ASYM_FENCE) {
			rc = fail(l, rc, "asymmetric fence: membarrier: %s", strerror(-rc));
			goto err;
		}
	}
	h->off_bufs = off;
	h->buf_bytes = cfg->buf_bytes;
	h->off_ind = align_up(off + cfg->buf_bytes, PAGE);
	h->ind_bytes = ind_bytes;
	h->ind_max = cfg->ind_max;
	h->da_base = cfg->da_base ? cfg->da_base : DEFAULT_DA_BASE;

	static_assert(sizeof(struct vrq_link_hdr) <= VRQ_LINK_OFF_LIFE &&
			      VRQ_LINK_OFF_LIFE + sizeof(struct vrq_link_life) <= HDR_BYTES,
		      "lifecycle words fit the header page after the header");
	l->life = life_at(l->shm.base);
	l->epoch = 1;
	/* the device's word starts at NONE (the region is zeroed) */
	life_set(l, VRQ_LINK_ST_STARTING);

	vrq_notify_shared_init((struct vrq_notify_shared *)(void *)((uint8_t *)h + h->off_kick));
	vrq_notify_shared_init((struct vrq_notify_shared *)(void *)((uint8_t *)h + h->off_irq));
	if (vrq_notify_kind_needs_fd((enum vrq_notify_kind)h->notify_kind,
				     (enum vrq_notify_kind)h->block_kind)) {
		rc = vrq_notify_eventfd(&l->kick_fd);
		if (rc == 0)
			rc = vrq_notify_eventfd(&l->irq_fd);
		if (rc < 0) {
			rc = fail(l, rc, "eventfd: %s", vrq_strerror(rc));
			goto err;
		}
	}
	rc = init_notifiers(l);
	if (rc < 0)
		goto err;

	/* the driver maps all of it: va_to_da of any buffer it hands out */
	vrq_mem_init(&l->mem);
	rc = vrq_mem_add(&l->mem, 0, h->da_base, l->shm.base, h->total, 0);
	if (rc < 0) {
		rc = fail(l, rc, "memory map: %s", vrq_strerror(rc));
		goto err;
	}
	l->bufs = (uint8_t *)l->shm.base + h->off_bufs;
	l->bufs_da = h->da_base + h->off_bufs;
	l->buf_bytes = h->buf_bytes;

	memset(&qc, 0, sizeof(qc));
	qc.kind = cfg->ring;
	qc.size = cfg->qsize;
	qc.features = cfg->features;
	qc.domain = VRQ_DOM_SMP;
	/* poll backend: neither side ever sleeps, so no notification decision
	 * is taken in either direction (no fence per publish; types.h) */
	if (cfg->notify == VRQ_NOTIFY_POLL)
		qc.flags |= VRQ_CFG_DEV_POLLS | VRQ_CFG_DRV_POLLS;
	if (h->flags & VRQ_LINK_HDR_ASYM_FENCE) {
		qc.flags |= VRQ_CFG_DEV_ASYM_FENCE | VRQ_CFG_DRV_ASYM_FENCE;
		qc.heavy_barrier = vrq_notify_heavy_barrier;
	}
	qc.ring = (uint8_t *)l->shm.base + h->off_ring;
	qc.area_align = AREA_ALIGN;
	if (cfg->ind_max) {
		qc.ind_pool = (uint8_t *)l->shm.base + h->off_ind;
		qc.ind_pool_da = h->da_base + h->off_ind;
		qc.ind_max = cfg->ind_max;
	}
	rc = vrq_vq_drv_init(&l->drv, &qc);
	if (rc < 0) {
		rc = fail(l, rc, "driver queue init: %s", vrq_strerror(rc));
		goto err;
	}
	/* interrupts off until the driver waits (vrq_vq_drv_wait arms) */
	vrq_vq_drv_disable_cb(&l->drv);
	return 0;
err:
	vrq_link_destroy(l);
	return rc;
}

/* The header came from the peer: check every field before using one. */
static int validate_hdr(struct vrq_link *l, const struct vrq_link_hdr *h, uint64_t mapped)
{
	uint64_t ring_bytes;

	if (h->magic != VRQ_LINK_MAGIC || h->version != VRQ_LINK_VERSION)
		return fail(l, -VRQ_EINVAL, "not a vrq link region (magic/version)");
	if (h->total != mapped)
		return fail(l, -VRQ_EINVAL, "header says %llu bytes, region has %llu",
			    (unsigned long long)h->total, (unsigned long long)mapped);
	if (h->ring_kind > VRQ_RING_PACKED || h->qsize == 0 || h->qsize > 32768 ||
	    h->notify_kind >= VRQ_NOTIFY_KIND_COUNT || h->block_kind >= VRQ_NOTIFY_KIND_COUNT ||
	    h->area_align != AREA_ALIGN || (h->flags & ~VRQ_LINK_HDR_ASYM_FENCE) ||
	    ((h->flags & VRQ_LINK_HDR_ASYM_FENCE) && h->notify_kind == VRQ_NOTIFY_POLL))
		return fail(l, -VRQ_EINVAL, "bad ring/notify parameters in the header");
	ring_bytes = vrq_vq_ring_bytes((enum vrq_ring_kind)h->ring_kind, (uint16_t)h->qsize,
				       AREA_ALIGN);
	if (!ring_bytes || ring_bytes != h->ring_bytes)
		return fail(l, -VRQ_EINVAL, "ring size in the header does not match its queue size");
	/* fixed blocks, then ring < bufs < ind, all inside the region */
	if (h->off_kick != HDR_BYTES || h->off_irq != HDR_BYTES + sizeof(struct vrq_notify_shared) ||
	    h->off_ring != 2 * PAGE || h->off_ring + h->ring_bytes > h->off_bufs ||
	    h->buf_bytes == 0 || h->off_bufs > mapped || h->buf_bytes > mapped - h->off_bufs ||
	    h->off_bufs + h->buf_bytes > h->off_ind || h->off_ind > mapped ||
	    h->ind_bytes > mapped - h->off_ind ||
	    h->ind_bytes != (uint64_t)h->qsize * h->ind_max * 16u ||
	    h->da_base + mapped < h->da_base)
		return fail(l, -VRQ_EINVAL, "region layout in the header is inconsistent");
	return 0;
}

static int attach_common(struct vrq_link *l)
{
	struct vrq_link_hdr *h;
	struct vrq_vq_cfg qc;
	uint8_t *base;
	uint32_t drv_w;
	int rc;

	/* the peer may rewrite the header at any time: work from a copy */
	static_assert(sizeof(struct vrq_link_hdr) <= HDR_BYTES, "header fits its page");
	h = malloc(sizeof(*h));
	if (!h)
		return fail(l, -VRQ_ENOMEM, "out of memory");
	memcpy(h, l->shm.base, sizeof(*h));
	l->hdr = h;
	rc = validate_hdr(l, h, l->shm.size);
	if (rc < 0)
		return rc;
	base = l->shm.base;
	/* lifecycle: L6, pairs with L5 (release of the driver's STARTING) in
	 * vrq_link_drv_reset(): the rebuilt ring is visible before we use it */
	l->life = life_at(base);
	drv_w = __atomic_load_n(&l->life->drv, __ATOMIC_ACQUIRE);
	if (VRQ_LINK_LIFE_STATE(drv_w) > VRQ_LINK_ST_SHUTTING_DOWN)
		return fail(l, -EPROTO, "the driver's lifecycle word is garbage (0x%x)", drv_w);
	if (VRQ_LINK_LIFE_STATE(drv_w) == VRQ_LINK_ST_SHUTTING_DOWN)
		return fail(l, -EBUSY, "the driver is shutting down the region");
	/* "I restarted": one more than whoever wrote the word before us */
	l->epoch = (VRQ_LINK_LIFE_EPOCH(__atomic_load_n(&l->life->dev, __ATOMIC_RELAXED)) + 1) &
		   VRQ_LINK_EPOCH_MASK;
	if (!l->epoch)
		l->epoch = 1;
	l->peer_epoch = VRQ_LINK_LIFE_EPOCH(drv_w);
	life_set(l, VRQ_LINK_ST_STARTING);
	if (vrq_notify_kind_needs_fd((enum vrq_notify_kind)h->notify_kind,
				     (enum vrq_notify_kind)h->block_kind) &&
	    (l->kick_fd < 0 || l->irq_fd < 0))
		return fail(l, -VRQ_EINVAL, "the %s backend needs two eventfds, not received",
			    vrq_notify_kind_name((enum vrq_notify_kind)h->notify_kind));
	rc = init_notifiers(l);
	if (rc < 0)
		return rc;
	vrq_mem_init(&l->mem);
	rc = vrq_mem_add(&l->mem, 0, h->da_base + h->off_bufs, base + h->off_bufs, h->buf_bytes, 0);
	if (rc == 0 && h->ind_bytes)
		rc = vrq_mem_add(&l->mem, 1, h->da_base + h->off_ind, base + h->off_ind,
				 h->ind_bytes, 0);
	if (rc < 0)
		return fail(l, rc, "memory map: %s", vrq_strerror(rc));
	l->bufs = base + h->off_bufs;
	l->bufs_da = h->da_base + h->off_bufs;
	l->buf_bytes = h->buf_bytes;

	memset(&qc, 0, sizeof(qc));
	qc.kind = (enum vrq_ring_kind)h->ring_kind;
	qc.size = (uint16_t)h->qsize;
	qc.features = h->features;
	qc.domain = VRQ_DOM_SMP;
	/* the same promise as the driver's (vrq_link_create()) */
	if (h->notify_kind == VRQ_NOTIFY_POLL)
		qc.flags |= VRQ_CFG_DEV_POLLS | VRQ_CFG_DRV_POLLS;
	/* the same fences as the driver's: this process must register for the
	 * driver's membarrier() too, or the driver's light F1 is unsound */
	if (h->flags & VRQ_LINK_HDR_ASYM_FENCE) {
		rc = vrq_notify_heavy_register();
		if (rc < 0)
			return fail(l, rc, "asymmetric fence: membarrier: %s", strerror(-rc));
		qc.flags |= VRQ_CFG_DEV_ASYM_FENCE | VRQ_CFG_DRV_ASYM_FENCE;
		qc.heavy_barrier = vrq_notify_heavy_barrier;
	}
	qc.ring = base + h->off_ring;
	qc.area_align = AREA_ALIGN;
	qc.mem = &l->mem;
	rc = vrq_vq_dev_init(&l->dev, &qc);
	if (rc < 0)
		return fail(l, rc, "device queue init: %s", vrq_strerror(rc));
	/* kicks off until the device waits (vrq_vq_dev_wait arms) */
	vrq_vq_dev_disable_kick(&l->dev);
	/* L1: the generation we attached to, then READY (release); pairs with
	 * L2 (acquire) in vrq_link_send() */
	__atomic_store_n(&l->life->dev_gen, l->peer_epoch, __ATOMIC_RELAXED);
	life_set(l, VRQ_LINK_ST_READY);
	return 0;
}

int vrq_link_attach(struct vrq_link *l, const struct vrq_link *drv)
{
	int rc;

	link_reset(l, true);
	/* the same process: a named region was allowed when it was created */
	rc = vrq_shm_attach_fd(&l->shm, drv->shm.fd, drv->shm.size,
			       drv->shm.name[0] ? VRQ_SHM_ALLOW_UNSEALED : 0u);
	if (rc < 0)
		return fail(l, rc, "shared memory: %s", l->shm.msg);
	if (drv->kick_fd >= 0) {
		l->kick_fd = dup(drv->kick_fd);
		l->irq_fd = dup(drv->irq_fd);
		if (l->kick_fd < 0 || l->irq_fd < 0) {
			rc = -errno;
			rc = fail(l, rc, "dup: %s", vrq_strerror(rc));
			goto err;
		}
	}
	rc = attach_common(l);
	if (rc < 0)
		goto err;
	return 0;
err:
	vrq_link_destroy(l);
	return rc;
}

int vrq_link_send(struct vrq_link *l, int sock)
{
	struct link_msg m = {.magic = VRQ_LINK_MAGIC, .total = l->shm.size, .pid = getpid()};
	struct link_ack ack;
	int fds[3], n = 0, pid, rc;
	uint32_t dev_w, dev_gen;
	size_t got = 0;

	if (l->is_dev || !l->life)
		return fail(l, -VRQ_EINVAL, "not a driver end");
	/* a READY link offered again without vrq_link_drv_reset() is what
	 * existing callers may do (the first device gone, the ring untouched):
	 * allowed as before; the new device attaches to the same generation */
	fds[n++] = l->shm.fd;
	if (l->kick_fd >= 0) {
		fds[n++] = l->kick_fd;
		fds[n++] = l->irq_fd;
		m.has_kick_fd = m.has_irq_fd = 1;
	}
	m.nfds = (uint32_t)n;
	rc = vrq_shm_send_fds(sock, fds, (unsigned)n, &m, sizeof(m));
	if (rc < 0)
		return fail(l, rc, "sending the region: %s", vrq_strerror(rc));
	while (got < sizeof(ack)) {
		ssize_t r = read(sock, (char *)&ack + got, sizeof(ack) - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(l, -VRQ_EPEERGONE, "the device closed the socket before attaching");
		got += (size_t)r;
	}
	/* the device's code is a local one (-errno); anything else is malformed */
	if (ack.magic != VRQ_LINK_MAGIC || ack.rc > 0 || ack.rc < -VRQ_ERRNO_MAX)
		return fail(l, -EPROTO, "malformed answer from the device");
	if (ack.rc < 0)
		return fail(l, ack.rc, "the device refused the region: %s", vrq_strerror(ack.rc));
	/* L2: pairs with L1 (release of READY) in attach_common(); the device
	 * announces READY for this generation, or is one that predates the
	 * protocol (NONE: it never wrote its word) */
	dev_w = __atomic_load_n(&l->life->dev, __ATOMIC_ACQUIRE);
	dev_gen = __atomic_load_n(&l->life->dev_gen, __ATOMIC_RELAXED);
	if (VRQ_LINK_LIFE_STATE(dev_w) == VRQ_LINK_ST_READY && dev_gen == l->epoch)
		l->peer_epoch = VRQ_LINK_LIFE_EPOCH(dev_w);
	else if (dev_w != 0)
		return fail(l, -EPROTO,
			    "the device answered but did not announce READY for generation %u "
			    "(word 0x%x, generation %u)",
			    l->epoch, dev_w, dev_gen);
	life_set(l, VRQ_LINK_ST_READY);
	pid = peer_pid(sock, ack.pid);
	if (pid > 0)
		return vrq_link_watch(l, pid);
	return 0;
}

/* The device's answer; a failure to send it matters only when rc is 0. */
static int send_ack(struct vrq_link *l, int sock, int rc)
{
	struct link_ack ack = {.magic = VRQ_LINK_MAGIC, .rc = rc, .pid = getpid()};
	ssize_t w;

	do
		w = write(sock, &ack, sizeof(ack));
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof(ack) && rc == 0) {
		rc = w < 0 ? -errno : -EIO;
		rc = fail(l, rc, "answering the driver: %s", vrq_strerror(rc));
	}
	return rc;
}

int vrq_link_accept(struct vrq_link *l, int sock, unsigned flags)
{
	struct link_msg m;
	int fds[3] = {-1, -1, -1}, pid, rc;
	unsigned nfds = 0, i;

	link_reset(l, true);
	rc = vrq_shm_recv_fds(sock, fds, 3, &nfds, &m, sizeof(m));
	if (rc < 0)
		return fail(l, rc, "receiving the region: %s", vrq_strerror(rc));
	if (m.magic != VRQ_LINK_MAGIC || nfds < 1 || nfds != m.nfds ||
	    (m.has_kick_fd && nfds != 3)) {
		rc = fail(l, -VRQ_EINVAL, "malformed link message (%u fds)", nfds);
		goto err_fds;
	}
	rc = vrq_shm_attach_fd(&l->shm, fds[0], (size_t)m.total, flags);
	close(fds[0]);
	fds[0] = -1;
	if (rc < 0) {
		rc = fail(l, rc, "shared memory: %s", l->shm.msg);
		goto err_fds;
	}
	if (nfds == 3) {
		l->kick_fd = fds[1];
		l->irq_fd = fds[2];
	}
	rc = attach_common(l);
	if (rc == 0) {
		pid = peer_pid(sock, m.pid);
		if (pid > 0)
			rc = vrq_link_watch(l, pid);
	}
	rc = send_ack(l, sock, rc);
	if (rc < 0)
		goto err;
	return 0;
err_fds:
	/* tell the driver why, so its vrq_link_send() does not wait for us */
	(void)send_ack(l, sock, rc);
	for (i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
err:
	vrq_link_destroy(l);
	return rc;
}

int vrq_link_watch(struct vrq_link *l, int pid)
{
	/* the driver waits on interrupts, the device on kicks */
	l->peer_pid = pid;
	return vrq_notify_watch(l->is_dev ? &l->kick : &l->irq, pid);
}

void vrq_link_close(struct vrq_link *l)
{
	if (!l->kick.ops || !l->irq.ops)
		return;
	/* L3: the "shutting down" token after this end's last ring access
	 * (release), before the notifier's closed flag (C1 in notify.c); pairs
	 * with L4 (acquire) in vrq_link_peer_state() */
	if (l->life)
		life_set(l, VRQ_LINK_ST_SHUTTING_DOWN);
	if (l->is_dev)
		vrq_notify_close(&l->irq, true);
	else
		vrq_notify_close(&l->kick, true);
}

int vrq_link_peer_state(const struct vrq_link *l, uint32_t *epoch)
{
	uint32_t w;

	if (!l->life)
		return -VRQ_EINVAL;
	/* L4: pairs with L3 (release of SHUTTING_DOWN) in vrq_link_close() and
	 * with L1 in attach_common() */
	w = __atomic_load_n(l->is_dev ? &l->life->drv : &l->life->dev, __ATOMIC_ACQUIRE);
	if (VRQ_LINK_LIFE_STATE(w) > VRQ_LINK_ST_SHUTTING_DOWN)
		return -EPROTO;
	if (epoch)
		*epoch = VRQ_LINK_LIFE_EPOCH(w);
	return (int)VRQ_LINK_LIFE_STATE(w);
}

int vrq_link_peer_check(struct vrq_link *l)
{
	/* the receiving notifier watches the peer: interrupts on the driver,
	 * kicks on the device */
	const struct vrq_notifier *n = l->is_dev ? &l->kick : &l->irq;
	int st = vrq_link_peer_state(l, NULL);

	if (st == VRQ_LINK_ST_SHUTTING_DOWN)
		return -ECONNRESET;
	if (n->ops && n->pidfd >= 0) {
		struct pollfd p = {.fd = n->pidfd, .events = POLLIN};

		/* readable once the process exited: its memory is gone, it
		 * writes nothing more */
		if (poll(&p, 1, 0) > 0)
			goto gone;
	} else if (l->peer_pid > 0 && vrq__proc_gone(l->peer_pid)) {
		goto gone;
	}
	return 0;
gone:
	/* it may have closed just before dying: the close wins */
	return vrq_link_peer_state(l, NULL) == VRQ_LINK_ST_SHUTTING_DOWN ? -ECONNRESET
									 : -VRQ_EPEERGONE;
}

int vrq_link_drv_reclaim(struct vrq_link *l, void **token, uint32_t *len)
{
	int rc;

	if (l->is_dev || !l->life)
		return -VRQ_EINVAL;
	if (l->reclaim_phase == 0) {
		/* quiesce: the device must be gone (process exited) or have
		 * closed (SHUTTING_DOWN after its last ring access) */
		rc = vrq_link_peer_check(l);
		if (rc == 0)
			return fail(l, -EBUSY, "the device may still use the ring");
		l->reclaim_rc = rc;
		l->reclaim_phase = 1;
	}
	if (l->reclaim_phase == 1) {
		/* what the device published before it went is a completion */
		rc = vrq_vq_drv_get_used(&l->drv, token, len);
		if (rc > 0)
			return 1;
		/* none left, or a completion the ring refused (the queue is
		 * broken then): the rest is in flight */
		l->reclaim_phase = 2;
	}
	if (l->reclaim_phase == 2) {
		if (vrq_vq_drv_detach(&l->drv, token) > 0)
			return l->reclaim_rc;
		l->reclaim_phase = 3;
	}
	return 0;
}

int vrq_link_drv_reset(struct vrq_link *l)
{
	int rc;

	if (l->is_dev || !l->life)
		return -VRQ_EINVAL;
	if (l->reclaim_phase != 3)
		return fail(l, -EBUSY, "buffers still to reclaim (vrq_link_drv_reclaim())");
	/* nobody else maps the ring now: rebuild it as create() left it */
	vrq_vq_drv_reset(&l->drv);
	vrq_vq_drv_disable_cb(&l->drv);
	/* the notifiers: stale bells, sleeping and closed flags and counts
	 * of the old device must not reach the new one; new eventfds (the
	 * old ones may hold a count), no pid watched */
	vrq_notify_fini(&l->kick);
	vrq_notify_fini(&l->irq);
	vrq_notify_shared_init((struct vrq_notify_shared *)(void *)((uint8_t *)l->shm.base +
								    l->hdr->off_kick));
	vrq_notify_shared_init((struct vrq_notify_shared *)(void *)((uint8_t *)l->shm.base +
								    l->hdr->off_irq));
	if (l->kick_fd >= 0) {
		close(l->kick_fd);
		close(l->irq_fd);
		l->kick_fd = l->irq_fd = -1;
		rc = vrq_notify_eventfd(&l->kick_fd);
		if (rc == 0)
			rc = vrq_notify_eventfd(&l->irq_fd);
		if (rc < 0)
			return fail(l, rc, "eventfd: %s", vrq_strerror(rc));
	}
	rc = init_notifiers(l);
	if (rc < 0)
		return rc;
	l->peer_pid = 0;
	l->peer_epoch = 0;
	l->reclaim_rc = 0;
	l->reclaim_phase = 0;
	l->epoch = (l->epoch + 1) & VRQ_LINK_EPOCH_MASK;
	if (!l->epoch)
		l->epoch = 1;
	/* L5: the rebuilt ring and blocks, then STARTING(g+1) (release);
	 * pairs with L6 (acquire) in attach_common() */
	life_set(l, VRQ_LINK_ST_STARTING);
	return 0;
}

uint64_t vrq_link_dev_release(struct vrq_link *l)
{
	uint64_t dropped = 0;

	if (!l->is_dev)
		return 0;
	if (l->dev.split.desc || l->dev.packed.desc) {
		const struct vrq_dev_stats *st = vrq_vq_dev_stats(&l->dev);

		dropped = st->popped - st->pushed;
		vrq_vq_dev_reset(&l->dev);
	}
	vrq_link_destroy(l);
	return dropped;
}

void vrq_link_destroy(struct vrq_link *l)
{
	if (l->kick.ops)
		vrq_notify_fini(&l->kick);
	if (l->irq.ops)
		vrq_notify_fini(&l->irq);
	if (l->is_dev) {
		if (l->dev.split.desc || l->dev.packed.desc)
			vrq_vq_dev_fini(&l->dev);
		free(l->hdr);
	} else if (l->drv.split.desc || l->drv.packed.desc) {
		vrq_vq_drv_fini(&l->drv);
	}
	l->hdr = NULL;
	l->life = NULL;
	if (l->kick_fd >= 0)
		close(l->kick_fd);
	if (l->irq_fd >= 0)
		close(l->irq_fd);
	l->kick_fd = l->irq_fd = -1;
	vrq_shm_destroy(&l->shm);
}
