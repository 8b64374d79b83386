/* SPDX-License-Identifier: MIT */
/**
 * @file notify.h
 * @brief Notifications: the doorbells between driver and device, with the
 *        race-free wait loop on top of the rings' enable/re-check calls.
 *
 * Each direction of each queue has a *notifier* on each side: the kick
 * (driver -> device, "available buffer notification") and the interrupt
 * (device -> driver, "used buffer notification").  The sending side calls
 * vrq_vq_drv_kick() / vrq_vq_dev_interrupt() after a publish: the ring
 * decides (EVENT_IDX or flags) and the notifier delivers.  The receiving
 * side calls vrq_vq_dev_wait() / vrq_vq_drv_wait(), which spins (poll,
 * hybrid) and/or arms the ring (enable + re-check) and blocks.
 *
 * Backends (enum vrq_notify_kind):
 *  - poll:       nothing is delivered; the receiver spins (vrq_cpu_relax).
 *  - eventfd:    one eventfd per queue per direction: the MSI-X model (one
 *                vector per queue, no shared status to read).
 *  - futex:      a doorbell word in shared memory (FUTEX_WAIT/WAKE, works
 *                across processes without passing fds) plus a sleeping flag
 *                so the wake system call is made only when the receiver
 *                sleeps.
 *  - legacy-irq: the virtio-mmio legacy model: one line per device shared by
 *                its queues, an InterruptStatus word the handler reads and
 *                an InterruptACK write that clears it; the line is raised
 *                only when the status was clear (level-triggered), and the
 *                handler must then scan every queue.  The kick direction
 *                models QueueNotify the same way (bit = queue index).
 *  - hybrid:     spin for a bounded time (fixed, or adaptive from recent
 *                wait times), then arm and block on an eventfd or futex.
 *
 * A notifier is a local handle (struct vrq_notifier, never shared) over a
 * shared control block (struct vrq_notify_shared, in memory both sides map)
 * and, for the fd-based backends, an eventfd both sides hold (inherited
 * across fork or passed with vrq_shm_send_fds()).  vrq_notify_eventfd()
 * makes a blocking one; a caller's eventfd may be blocking or non-blocking
 * (EFD_NONBLOCK), with the same results: a receiver with nothing else to
 * watch sleeps in read() on a blocking fd, in poll() then read() on a
 * non-blocking one.
 *
 * Errors: the VRQ_E* codes of err.h; a failed system call returns -errno
 * of that call.
 *
 * Notifications are slow events: backends are reached through function
 * pointers; the ring calls stay inline.
 *
 * Concurrency: one sender and one receiver per notifier (the queue's SPSC
 * rule); the sender's and receiver's handles are distinct objects, each
 * touched by one thread.  Counters are plain per-handle fields.
 *
 * Peer liveness: a receiver given the peer's pid (process mode) watches it
 * with a pidfd and returns -VRQ_EPEERGONE within liveness_ns of the peer's
 * death; a side that shuts down cleanly calls vrq_notify_close(), which
 * wakes the other side with the same code.
 */
#ifndef VRQ_NOTIFY_H
#define VRQ_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "vq.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Notification backend. */
enum vrq_notify_kind {
	VRQ_NOTIFY_POLL = 0,
	VRQ_NOTIFY_EVENTFD,
	VRQ_NOTIFY_FUTEX,
	VRQ_NOTIFY_LEGACY_IRQ,
	VRQ_NOTIFY_HYBRID,
	VRQ_NOTIFY_KIND_COUNT
};

/** Legacy InterruptStatus bits (virtio-mmio, "Legacy interface" register
 *  layout: bit 0 used buffer notification, bit 1 configuration change). */
#define VRQ_ISR_VRING 0x1u
#define VRQ_ISR_CONFIG 0x2u

/**
 * @brief Shared control block of one channel (one direction of one queue,
 *        or one legacy line).  Lives in memory both sides map; zero it
 *        before either side initialises (vrq_notify_shared_init()).
 */
struct vrq_notify_shared {
	/* sender writes, receiver reads: its own cache line */
	_Alignas(64) uint32_t bell;	/**< futex word: +1 per notification */
	uint32_t status;		/**< legacy: pending status bits */
	/* receiver writes, sender reads */
	_Alignas(64) uint32_t sleeping;	/**< futex: receiver armed and (about to be) asleep */
	uint32_t closed;		/**< bit 0: sender closed, bit 1: receiver closed */
};

_Static_assert(sizeof(struct vrq_notify_shared) == 128, "two cache lines");

/** @brief Configuration of one side of a channel. */
struct vrq_notify_cfg {
	enum vrq_notify_kind kind;
	struct vrq_notify_shared *shared; /**< required (all kinds: close detection) */
	int fd;			/**< eventfd for eventfd / legacy / hybrid (block = eventfd);
				 *   blocking or non-blocking (EFD_NONBLOCK) */
	enum vrq_notify_kind block; /**< hybrid: VRQ_NOTIFY_EVENTFD or VRQ_NOTIFY_FUTEX */
	uint32_t spin_ns;	/**< hybrid: spin budget; 0 = adaptive (up to spin_max_ns) */
	uint32_t spin_max_ns;	/**< hybrid adaptive: ceiling (default 50000) */
	uint32_t status_bit;	/**< legacy: this queue's status bit (default VRQ_ISR_VRING) */
	int peer_pid;		/**< receiver: peer process to watch (0: none, threads) */
	uint32_t liveness_ns;	/**< how often a blocked receiver re-checks the peer
				 *   (default 20 ms) */
};

/**
 * @brief Counters of one side of one channel.  Sender fields are counted by
 *        the sending handle, receiver fields by the receiving one.
 *
 * Identities (at quiescence, with the receiver drained):
 *  - decisions:  sent + suppressed == the ring's kick/notify decisions
 *                (vrq_drv_stats kicks + kicks_suppressed, or
 *                vrq_dev_stats notifies + notifies_suppressed).
 *  - eventfd:    rx.consumed == tx.sent (the eventfd counter sums writes),
 *                rx.wakeups <= tx.sent.
 *  - futex:      rx.consumed == tx.sent (bell increments seen),
 *                tx.syscalls <= tx.sent (no wake when nobody sleeps).
 *  - legacy:     tx.sent == tx.syscalls + tx.coalesced;
 *                rx.acks == rx.status_reads - rx.status_empty.
 *  - eventfd, futex, legacy-irq: rx.wakeups == rx.waits - rx.timeouts -
 *                rx.peer_gone (poll never blocks; hybrid may see the end of
 *                the run while spinning: rx.wakeups <= rx.waits).
 * vrq_notify_close() signals once more (not counted in tx.sent; it is in
 * tx.syscalls): it sets the closed flag first, so a receiver may stop and
 * drain before that signal arrives, and consumed is then one short of
 * sent + 1.
 */
struct vrq_notify_stats {
	/* sender */
	uint64_t sent;		/**< notifications the ring asked for */
	uint64_t suppressed;	/**< decisions where the peer's event index/flags said no */
	uint64_t syscalls;	/**< kernel calls made to deliver (write, FUTEX_WAKE) */
	uint64_t coalesced;	/**< legacy: line already raised, not raised again */
	/* receiver */
	uint64_t waits;		/**< times the receiver blocked */
	uint64_t wakeups;	/**< blocks that ended with a notification */
	uint64_t spurious;	/**< woke (or was told) but found no work */
	uint64_t recheck_hits;	/**< the enable re-check found work: did not block */
	uint64_t spin_hits;	/**< work found while spinning (poll, hybrid) */
	uint64_t consumed;	/**< notifications consumed (eventfd counts, bell steps) */
	uint64_t status_reads;	/**< legacy: InterruptStatus reads */
	uint64_t status_empty;	/**< legacy: status read as 0 (nothing to ACK) */
	uint64_t acks;		/**< legacy: InterruptACK writes */
	uint64_t timeouts;
	uint64_t peer_gone;
	uint64_t blocked_ns;	/**< time inside the blocking call */
	uint64_t spun_ns;	/**< time spinning (poll, hybrid) */
	uint32_t spin_budget_ns; /**< hybrid: current spin budget */
};

struct vrq_notifier;

/** @brief Backend operations (slow path: function pointers are fine). */
struct vrq_notify_ops {
	const char *name;
	/** sender: deliver one notification */
	int (*signal)(struct vrq_notifier *n);
	/** receiver: before arming the ring; returns a ticket for block() */
	uint32_t (*prepare)(struct vrq_notifier *n);
	/** receiver: the re-check found work: undo prepare() */
	void (*cancel)(struct vrq_notifier *n);
	/** receiver: block until notified, the deadline (CLOCK_MONOTONIC ns,
	 *  0 = none) or the peer's death: 0, -VRQ_ETIMEDOUT, -VRQ_EPEERGONE,
	 *  -errno */
	int (*block)(struct vrq_notifier *n, uint32_t ticket, uint64_t deadline_ns);
};

/** @brief One side of one channel (local, never shared). */
struct vrq_notifier {
	const struct vrq_notify_ops *ops;
	enum vrq_notify_kind kind;
	enum vrq_notify_kind block; /**< hybrid: underlying blocking backend */
	struct vrq_notify_shared *sh;
	int fd;
	int pidfd;	/**< peer watch, -1 if none */
	int peer_pid;
	uint32_t bit;
	uint32_t bell_seen;	/**< receiver: last bell value consumed (futex) */
	uint32_t liveness_ns;
	uint32_t spin_ns, spin_max_ns;
	uint32_t spin_budget;	/**< hybrid: current budget, ns */
	bool adaptive;
	bool closing;
	bool fd_nonblock;	/**< the eventfd turned out non-blocking: block in poll() */
	struct vrq_notify_stats st;
};

/** @brief Backend names: "poll", "eventfd", "futex", "legacy-irq", "hybrid". */
const char *vrq_notify_kind_name(enum vrq_notify_kind k);
/** @brief Parse a backend name; -VRQ_EINVAL if unknown. */
int vrq_notify_kind_parse(const char *name, enum vrq_notify_kind *out);
/** @brief true if @p k needs an eventfd (cfg.fd). */
bool vrq_notify_kind_needs_fd(enum vrq_notify_kind k, enum vrq_notify_kind block);

/** @brief Zero a shared control block (once, before either side's init). */
void vrq_notify_shared_init(struct vrq_notify_shared *sh);

/** @brief Create the eventfd a channel needs (blocking, close-on-exec): 0 or
 *         -errno of eventfd(). */
int vrq_notify_eventfd(int *fd);

/**
 * @brief Initialise one side of a channel.  The handle does not own
 *        cfg->fd (the caller closes it after fini); it owns its pidfd.
 * @return 0, -VRQ_EINVAL (bad kind or block, no shared block, a needed fd
 *         missing), -VRQ_EPEERGONE (cfg->peer_pid already gone).
 */
int vrq_notify_init(struct vrq_notifier *n, const struct vrq_notify_cfg *cfg);
/** @brief Release what init created (the pidfd); the caller closes cfg->fd. */
void vrq_notify_fini(struct vrq_notifier *n);

/** @brief Receiver: watch process @p pid (pidfd) from now on. */
int vrq_notify_watch(struct vrq_notifier *n, int pid);

/**
 * @brief Mark this side closed and wake the peer, whose wait then returns
 *        -VRQ_EPEERGONE.  @p sender: this handle is the sending side.
 */
void vrq_notify_close(struct vrq_notifier *n, bool sender);

/**
 * @brief Register this process for vrq_notify_heavy_barrier()
 *        (membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED)): the heavy
 *        barrier of a peer then reaches this process's threads.  Both
 *        processes of a queue with VRQ_CFG_*_ASYM_FENCE register (threads
 *        of one process: once).  Idempotent.
 * @return 0, or -errno (-ENOSYS: no membarrier; -EINVAL: kernel < 4.16;
 *         -EPERM: refused, e.g. by seccomp).
 */
int vrq_notify_heavy_register(void);

/**
 * @brief The heavy barrier of VRQ_CFG_*_ASYM_FENCE (types.h): returns once
 *        every CPU running a thread of a registered process has executed a
 *        full memory barrier (membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED)).
 *        A few microseconds; the queues' enable runs it before a sleep.
 * @return 0, or -errno.
 */
int vrq_notify_heavy_barrier(void);

/** @brief Deliver one notification (sender).  0 or -errno of the failed
 *         write() / FUTEX_WAKE. */
int vrq_notify_signal(struct vrq_notifier *n);

/**
 * @brief What the wait loop needs from a queue: a side-effect-free peek, the
 *        enable-with-re-check (true: work already there), and the disable.
 */
struct vrq_notify_waitable {
	bool (*ready)(void *ctx);
	bool (*arm)(void *ctx);
	void (*disarm)(void *ctx);
	void *ctx;
};

/** @brief CLOCK_MONOTONIC in ns. */
uint64_t vrq_notify_now_ns(void);

/* Out-of-line parts of the wait loop (transports/notify/notify.c). */
int vrq__notify_spin(struct vrq_notifier *n, const struct vrq_notify_waitable *w,
		     uint64_t start_ns, uint64_t deadline_ns, bool forever);
void vrq__notify_adapt(struct vrq_notifier *n, uint64_t waited_ns);

/**
 * @brief The wait loop (receiver): returns 0 once w->ready() holds.
 *
 * 1. poll / hybrid: spin on ready() (poll until the deadline, hybrid for
 *    its budget), with notifications left disabled, so the sender's ring
 *    decision suppresses them.  A queue whose receiver promised never to
 *    sleep (VRQ_CFG_DRV_POLLS / VRQ_CFG_DEV_POLLS, types.h: its publisher
 *    takes no decision, so nothing would wake it) spins until the deadline
 *    whatever the notifier, and never reaches 2 (vrq_vq_drv_wait() and
 *    vrq_vq_dev_wait() know the queue; see vrq__notify_wait());
 * 2. prepare (futex: sleeping = 1, then read the bell ticket), arm (enable
 *    + re-check, the ring's F3/F4): work found -> disarm and return;
 * 3. block; disarm; ready() -> return, else count a spurious wake-up and
 *    go to 2.
 * A wake-up cannot be lost: the sender publishes, then (F1/F2) reads the
 * event index; the receiver writes the event index, then (F3/F4) re-checks
 * the ring; one of the two sees the other.  And a notification sent after
 * the re-check is never slept through: eventfd keeps a count, the futex
 * sleeps only while the bell still holds the ticket read before arming.
 *
 * Inline so that a test's VRQ_TEST_HOOK(wait_armed / wait_block) reaches
 * it; the blocking itself is the backend's (out of line).
 *
 * @param n the receiving side's notifier
 * @param w the queue's peek / arm / disarm
 * @param timeout_ns relative timeout, or 0 for none
 * @return 0, -VRQ_ETIMEDOUT, -VRQ_EPEERGONE, -errno of a failed system call
 */
VRQ_INLINE int vrq_notify_wait(struct vrq_notifier *n, const struct vrq_notify_waitable *w,
			       uint64_t timeout_ns);

/* vrq_notify_wait() for a receiver that may (@p spin_only false) or
 * promised never to (true) sleep on its queue. */
VRQ_INLINE int vrq__notify_wait(struct vrq_notifier *n, const struct vrq_notify_waitable *w,
				uint64_t timeout_ns, bool spin_only)
{
	uint64_t start = 0, deadline = 0;
	bool forever = n->kind == VRQ_NOTIFY_POLL || spin_only;
	uint32_t ticket;
	int rc;

	if (timeout_ns || forever || n->kind == VRQ_NOTIFY_HYBRID) {
		start = vrq_notify_now_ns();
		deadline = timeout_ns ? start + timeout_ns : 0;
	}
	if (forever || n->kind == VRQ_NOTIFY_HYBRID) {
		/* forever: returns only with work (1) or an error */
		rc = vrq__notify_spin(n, w, start, deadline, forever);
		if (rc != 0)
			return rc < 0 ? rc : 0; /* 1: found work */
	}
	for (;;) {
		ticket = n->ops->prepare(n);
		VRQ_TEST_HOOK(wait_armed);
		if (w->arm(w->ctx)) {
			/* the re-check saw work published before our event
			 * index became visible to the sender */
			w->disarm(w->ctx);
			n->ops->cancel(n);
			n->st.recheck_hits++;
			return 0;
		}
		VRQ_TEST_HOOK(wait_block);
		rc = n->ops->block(n, ticket, deadline);
		w->disarm(w->ctx);
		if (n->kind == VRQ_NOTIFY_HYBRID)
			vrq__notify_adapt(n, vrq_notify_now_ns() - start);
		if (w->ready(w->ctx))
			return 0;
		if (rc < 0)
			return rc;
		n->st.spurious++;
	}
}

/** @brief The wait loop for a receiver that may sleep: see vrq__notify_wait(). */
VRQ_INLINE int vrq_notify_wait(struct vrq_notifier *n, const struct vrq_notify_waitable *w,
			       uint64_t timeout_ns)
{
	return vrq__notify_wait(n, w, timeout_ns, false);
}

/** @brief Receiver, at quiescence: consume notifications still pending
 *         (counted in st.consumed) without blocking. */
void vrq_notify_drain(struct vrq_notifier *n);

/* ---- queue-level helpers --------------------------------------------------- */

/**
 * @brief Driver, after vrq_vq_drv_publish(): kick the device if the ring
 *        says so.
 * @return 1 kicked, 0 suppressed (or nothing new published), < 0 error.
 */
VRQ_INLINE int vrq_vq_drv_kick(struct vrq_vq_drv *vq, struct vrq_notifier *kick)
{
	const struct vrq_drv_stats *s = vrq_vq_drv_stats(vq);
	uint64_t before = s->kicks_suppressed;
	int rc;

	if (!vrq_vq_drv_kick_prepare(vq)) {
		kick->st.suppressed += s->kicks_suppressed - before;
		return 0;
	}
	rc = vrq_notify_signal(kick);
	return rc < 0 ? rc : 1;
}

/**
 * @brief Device, after vrq_vq_dev_publish(): interrupt the driver if the
 *        ring says so.
 * @return 1 notified, 0 suppressed (or nothing new published), < 0 error.
 */
VRQ_INLINE int vrq_vq_dev_interrupt(struct vrq_vq_dev *vq, struct vrq_notifier *irq)
{
	const struct vrq_dev_stats *s = vrq_vq_dev_stats(vq);
	uint64_t before = s->notifies_suppressed;
	int rc;

	if (!vrq_vq_dev_notify_prepare(vq)) {
		irq->st.suppressed += s->notifies_suppressed - before;
		return 0;
	}
	rc = vrq_notify_signal(irq);
	return rc < 0 ? rc : 1;
}

/** @brief vrq_vq_drv_kick() for a VRQ_DOM_SMP queue (vrq_vq_drv_kick_prepare_smp()). */
VRQ_INLINE int vrq_vq_drv_kick_smp(struct vrq_vq_drv *vq, struct vrq_notifier *kick)
{
	const struct vrq_drv_stats *s = vrq_vq_drv_stats(vq);
	uint64_t before = s->kicks_suppressed;
	int rc;

	if (!vrq_vq_drv_kick_prepare_smp(vq)) {
		kick->st.suppressed += s->kicks_suppressed - before;
		return 0;
	}
	if (VRQ_UNLIKELY(vrq_vq_drv_broken(vq) == -VRQ_EINVAL))
		return -VRQ_EINVAL; /* not an SMP queue: refused */
	rc = vrq_notify_signal(kick);
	return rc < 0 ? rc : 1;
}

/** @brief vrq_vq_dev_interrupt() for a VRQ_DOM_SMP queue. */
VRQ_INLINE int vrq_vq_dev_interrupt_smp(struct vrq_vq_dev *vq, struct vrq_notifier *irq)
{
	const struct vrq_dev_stats *s = vrq_vq_dev_stats(vq);
	uint64_t before = s->notifies_suppressed;
	int rc;

	if (!vrq_vq_dev_notify_prepare_smp(vq)) {
		irq->st.suppressed += s->notifies_suppressed - before;
		return 0;
	}
	if (VRQ_UNLIKELY(vrq_vq_dev_broken(vq) == -VRQ_EINVAL))
		return -VRQ_EINVAL; /* not an SMP queue: refused */
	rc = vrq_notify_signal(irq);
	return rc < 0 ? rc : 1;
}

/* waitable adaptors */
static inline bool vrq__vq_drv_ready(void *c)
{
	return vrq_vq_drv_has_used((struct vrq_vq_drv *)c);
}
static inline bool vrq__vq_drv_arm(void *c)
{
	return vrq_vq_drv_enable_cb((struct vrq_vq_drv *)c);
}
static inline void vrq__vq_drv_disarm(void *c)
{
	vrq_vq_drv_disable_cb((struct vrq_vq_drv *)c);
}
static inline bool vrq__vq_dev_ready(void *c)
{
	return vrq_vq_dev_has_avail((struct vrq_vq_dev *)c);
}
static inline bool vrq__vq_dev_arm(void *c)
{
	return vrq_vq_dev_enable_kick((struct vrq_vq_dev *)c);
}
static inline void vrq__vq_dev_disarm(void *c)
{
	vrq_vq_dev_disable_kick((struct vrq_vq_dev *)c);
}

/**
 * @brief Driver: wait until a used buffer is there (0), the timeout
 *        (-VRQ_ETIMEDOUT, 0 = none) or the peer's death (-VRQ_EPEERGONE).
 *        Leaves used-buffer notifications disabled: call it with them
 *        disabled (vrq_vq_drv_disable_cb() once after init), drain with
 *        vrq_vq_drv_get_used(), wait again.
 */
VRQ_INLINE int vrq_vq_drv_wait(struct vrq_vq_drv *vq, struct vrq_notifier *irq,
			       uint64_t timeout_ns)
{
	struct vrq_notify_waitable w = {vrq__vq_drv_ready, vrq__vq_drv_arm, vrq__vq_drv_disarm, vq};

	if (vrq_vq_drv_has_used(vq))
		return 0;
	return vrq__notify_wait(irq, &w, timeout_ns, vrq_vq_drv_polls(vq));
}

/** @brief Device: wait for an available buffer; see vrq_vq_drv_wait(). */
VRQ_INLINE int vrq_vq_dev_wait(struct vrq_vq_dev *vq, struct vrq_notifier *kick,
			       uint64_t timeout_ns)
{
	struct vrq_notify_waitable w = {vrq__vq_dev_ready, vrq__vq_dev_arm, vrq__vq_dev_disarm, vq};

	if (vrq_vq_dev_has_avail(vq))
		return 0;
	return vrq__notify_wait(kick, &w, timeout_ns, vrq_vq_dev_polls(vq));
}

#ifdef __cplusplus
}
#endif
#endif /* VRQ_NOTIFY_H */
