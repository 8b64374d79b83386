/* SPDX-License-Identifier: MIT */
/**
 * @file link.h
 * @brief A ready-made two-party setup: one virtqueue, its kick and
 *        interrupt notifiers and a buffer area in one shared region, for a
 *        driver and a device in two threads or two processes.
 *
 * The driver end creates the region (vrq_link_create), lays it out,
 * initialises the ring and the notifiers' shared blocks, and hands the
 * region and the eventfds to the device end: over a UNIX socket
 * (vrq_link_send / vrq_link_accept, SCM_RIGHTS; the peer's pid comes from
 * SO_PEERCRED and is watched for liveness) or, in one process, by mapping
 * the region a second time at another address (vrq_link_attach).  Either
 * way the two ends use different local addresses for the same bytes, and
 * buffers travel as device addresses translated through each end's memory
 * map.
 *
 * Layout (offsets in the region header, which the device validates as
 * untrusted input):
 *   [0, 4096)      struct vrq_link_hdr
 *   4096           kick notifier shared block (128 bytes)
 *   4224           interrupt notifier shared block (128 bytes)
 *   8192           ring (vrq_vq_ring_bytes), then 4 KiB-aligned
 *   off_bufs       buffer area (buf_bytes)
 *   off_ind        indirect descriptor pool (qsize * ind_max * 16)
 * The device registers only the buffer area and the indirect pool in its
 * memory map: a descriptor pointing at the ring or the header is refused.
 *
 * @section link_life Peer restart: the lifecycle words
 *
 * Either end may die (SIGKILL, crash) or shut down at any time, and a new
 * process may take its place; the survivor keeps its end and syncs back up.
 * Each end owns one 32-bit word in struct vrq_link_life (header page,
 * offset VRQ_LINK_OFF_LIFE): a state (low 4 bits) and an epoch (high 28):
 *
 * | state                       | meaning ("token")                                   |
 * |-----------------------------|-----------------------------------------------------|
 * | VRQ_LINK_ST_NONE (0)        | never written: a peer that predates this protocol   |
 * | VRQ_LINK_ST_STARTING (1)    | "I restarted": attached / region offered, not ready |
 * | VRQ_LINK_ST_READY (2)       | "ready": the ring is in use                         |
 * | VRQ_LINK_ST_SHUTTING_DOWN (3)| "shutting down": a clean close, not a crash        |
 *
 * Who writes what (each word has exactly one writer; the reader treats it
 * as untrusted and maps anything unknown to -EPROTO):
 *  - @c drv (driver): its epoch is the region's generation, 1 at
 *    vrq_link_create(), +1 at each vrq_link_drv_reset().  STARTING at
 *    create and reset, READY once vrq_link_send() got the device's answer,
 *    SHUTTING_DOWN in vrq_link_close().
 *  - @c dev (device): its epoch is the previous device's + 1 (the value
 *    left in the word), so a new device announces itself with a new epoch.
 *    STARTING in vrq_link_accept() once the region is validated, READY when
 *    its queue is initialised (before it answers the driver),
 *    SHUTTING_DOWN in vrq_link_close().  @c dev_gen: the driver epoch it
 *    attached to, written before READY, so a READY left behind by a dead
 *    device (an older generation) is never taken for the new one's.
 *
 * Transitions:
 *
 *     driver:  create -> STARTING(g=1) --send ok--> READY(g) --close--> SHUTTING_DOWN(g)
 *              READY(g) --peer lost, reclaim, drv_reset--> STARTING(g+1) --send ok--> READY(g+1)
 *     device:  accept: STARTING(e=old+1) -> READY(e, dev_gen=g) --close--> SHUTTING_DOWN(e)
 *
 * Device dies or closes, the driver survives:
 *  1. the driver's wait returns -VRQ_EPEERGONE (pidfd, or the device's
 *     vrq_link_close(), which also wakes it through the interrupt
 *     notifier); vrq_link_peer_check() says which: -VRQ_EPEERGONE crash,
 *     -ECONNRESET clean shutdown;
 *  2. vrq_link_drv_reclaim() until it returns 0: first every buffer the
 *     device completed before it went (1: a normal completion, its data
 *     valid), then every buffer still in flight, once each, with the
 *     error of step 1 (the device may have read it, may even have written
 *     its answer, but never published it: the application decides whether
 *     to resend).  It refuses (-EBUSY) while the device may still touch the
 *     ring: its process alive and no SHUTTING_DOWN seen;
 *  3. vrq_link_drv_reset(): the ring as after create, notifier blocks
 *     zeroed, fresh eventfds, the pid watch dropped, STARTING(g+1);
 *  4. vrq_link_send() to the new device's connection: the same call as
 *     the first time.  It checks the device's word: READY with dev_gen
 *     == g+1 (or NONE: a device that predates the protocol).
 *
 * Driver dies or closes, the device survives: its wait returns
 * -VRQ_EPEERGONE; vrq_link_peer_check() tells crash from close;
 * vrq_link_dev_release() forgets every chain it popped and did not push
 * (returns how many) and unmaps; vrq_link_accept() on the new driver's
 * connection attaches to the new region.  A device serving a long batch
 * may call vrq_link_peer_check() between chains to give up early.
 *
 * Guarantee: a buffer the driver saw completed (vrq_vq_drv_get_used() or
 * vrq_link_drv_reclaim() returning 1) was completed exactly once by the
 * device; every other buffer added since the last reset comes back exactly
 * once from vrq_link_drv_reclaim() with an error.  Nothing is lost,
 * nothing duplicated; resending is the application's call (so a request
 * the dead device executed without answering may execute twice: make
 * requests idempotent or number them, as the tests do).
 *
 * Orderings (each a release store paired with an acquire load):
 *  - L1: device, vrq_link_accept(): dev_gen, then dev = READY (release),
 *    after its queue init; pairs with L2, the driver's acquire load of dev
 *    in vrq_link_send() after the answer.
 *  - L3: either end, vrq_link_close(): own word = SHUTTING_DOWN (release)
 *    after the caller's last ring access and before the notifier's closed
 *    flag (C1, notify.c); pairs with L4, the acquire load in
 *    vrq_link_peer_check() / vrq_link_drv_reclaim() before the driver
 *    takes the ring back.
 *  - L5: driver, vrq_link_drv_reset(): the ring rebuilt, then drv =
 *    STARTING(g+1) (release); pairs with L6, the device's acquire load of
 *    drv in vrq_link_accept() before it reads the ring.
 * A crashed peer writes nothing more once its pidfd reports the exit (its
 * memory is gone by then), which is why reclaim trusts the pidfd.
 * Not covered: a third process holding the region (a device that passed
 * the memfd on) can still write after the device's death.
 *
 * Concurrency: the lifecycle calls of one end run in the thread that
 * drives that end's queue, never concurrently with its ring calls.
 */
#ifndef VRQ_LINK_H
#define VRQ_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "notify.h"
#include "shm.h"
#include "vq.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VRQ_LINK_MAGIC 0x314b4e494c515256ull /* "VRQLINK1" */
#define VRQ_LINK_VERSION 1u

/** @brief Region header (shared; the device treats it as untrusted). */
struct vrq_link_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t ring_kind;
	uint32_t qsize;
	uint32_t notify_kind;
	uint32_t block_kind;
	uint32_t spin_ns;
	uint64_t features;
	uint64_t total;
	uint64_t area_align;
	uint64_t off_kick, off_irq;
	uint64_t off_ring, ring_bytes;
	uint64_t off_bufs, buf_bytes;
	uint64_t off_ind, ind_bytes;
	uint64_t da_base; /**< device address of region offset 0 */
	uint32_t ind_max;
	uint32_t flags; /**< VRQ_LINK_HDR_* */
};

/** Offset of struct vrq_link_life in the header page. */
#define VRQ_LINK_OFF_LIFE 2048u

/** Lifecycle states (link.h, "Peer restart"). */
enum vrq_link_state {
	VRQ_LINK_ST_NONE = 0,	      /**< never written: a peer without the protocol */
	VRQ_LINK_ST_STARTING = 1,     /**< "I restarted": attached or offered, not ready */
	VRQ_LINK_ST_READY = 2,	      /**< the ring is in use */
	VRQ_LINK_ST_SHUTTING_DOWN = 3 /**< clean close: not a crash */
};

/** One lifecycle word: state in bits 0-3, epoch in bits 4-31. */
#define VRQ_LINK_LIFE_WORD(state, epoch) (((uint32_t)(epoch) << 4) | (uint32_t)(state))
#define VRQ_LINK_LIFE_STATE(w) ((w) & 0xfu)
#define VRQ_LINK_LIFE_EPOCH(w) ((w) >> 4)
#define VRQ_LINK_EPOCH_MASK 0x0fffffffu

/** @brief The lifecycle words (shared, in the header page; each has one writer). */
struct vrq_link_life {
	_Alignas(64) uint32_t drv; /**< driver writes: VRQ_LINK_LIFE_WORD(state, generation) */
	_Alignas(64) uint32_t dev; /**< device writes: VRQ_LINK_LIFE_WORD(state, epoch) */
	uint32_t dev_gen;	   /**< device writes: the driver generation it attached to */
};

/** Header flag: both sides use the asymmetric fence (VRQ_CFG_*_ASYM_FENCE). */
#define VRQ_LINK_HDR_ASYM_FENCE 0x1u

/** Link flag: use the asymmetric fence (no full fence per publish, a
 *  membarrier() per sleep; types.h) with any blocking backend, or fail if
 *  the kernel refuses membarrier.  Opt-in: its soundness rests on the
 *  kernel's MEMBARRIER_CMD_GLOBAL_EXPEDITED reaching every CPU that runs a
 *  registered thread, which no test can show deterministically, and the
 *  hybrid ping-pong test over it lost interrupts in 3 of 150 runs of one
 *  series (ASan build, loaded 2-CPU VM, Linux 6.18): the device decided
 *  "suppress" while the driver was armed and asleep, which full fences
 *  exclude (model-checked: tests/model).  Without a flag every backend,
 *  hybrid included, uses full fences F1..F4. */
#define VRQ_LINK_ASYM_FENCE 0x1u
/** Link flag: never the asymmetric fence (full fences F1..F4; the default). */
#define VRQ_LINK_FULL_FENCE 0x2u

/** @brief Link parameters (driver end). */
struct vrq_link_cfg {
	enum vrq_ring_kind ring;
	uint16_t qsize;
	uint64_t features;	/**< VRQ_FEATURE() bits: EVENT_IDX, IN_ORDER, INDIRECT_DESC... */
	enum vrq_notify_kind notify;
	enum vrq_notify_kind block; /**< hybrid: EVENTFD (default) or FUTEX */
	uint32_t spin_ns;	/**< hybrid: 0 = adaptive */
	uint64_t buf_bytes;	/**< buffer area */
	uint16_t ind_max;	/**< indirect entries per buffer (0: no pool) */
	uint64_t da_base;	/**< 0: default 0x40000000 */
	struct vrq_shm_cfg shm;	/**< .size is computed; the rest is used as given (zero:
				 *   a sealed memfd, normal pages, no NUMA binding) */
	uint32_t flags;		/**< VRQ_LINK_ASYM_FENCE, VRQ_LINK_FULL_FENCE (0: default) */
};

/** @brief One end of a link. */
struct vrq_link {
	bool is_dev;
	struct vrq_shm shm;
	struct vrq_link_hdr *hdr;
	struct vrq_mem mem;	/**< this end's map of the shared bytes */
	struct vrq_vq_drv drv;	/**< driver end */
	struct vrq_vq_dev dev;	/**< device end */
	struct vrq_notifier kick; /**< driver: sender; device: receiver */
	struct vrq_notifier irq;  /**< device: sender; driver: receiver */
	int kick_fd, irq_fd;	/**< eventfds (-1 if the backend has none) */
	uint8_t *bufs;		/**< this end's address of the buffer area */
	uint64_t bufs_da;
	uint64_t buf_bytes;
	int peer_pid;
	char msg[192];		/**< last error, one line */
	/* lifecycle (link.h, "Peer restart") */
	struct vrq_link_life *life; /**< the shared lifecycle words */
	uint32_t epoch;		/**< driver: the region's generation; device: its epoch */
	uint32_t peer_epoch;	/**< the peer's epoch at the handshake (0: none seen) */
	int reclaim_rc;		/**< driver: 0, or the code reclaim hands out per token */
	uint8_t reclaim_phase;	/**< driver: 0 none, 1 used, 2 in flight, 3 done */
};

/** @brief Create the region and the driver end.  0 or a negative code (l->msg says why). */
int vrq_link_create(struct vrq_link *l, const struct vrq_link_cfg *cfg);
/** @brief Device end in the same process: map the region again, elsewhere (a
 *         named region is accepted here: its creator allowed it). */
int vrq_link_attach(struct vrq_link *dev, const struct vrq_link *drv);
/** @brief Driver end: send the region and eventfds over a connected UNIX socket,
 *         wait for the device's answer, and start watching the peer's pid
 *         (SO_PEERCRED).  The device's refusal comes back as its code
 *         (e.g. -EPERM for a region it would not map), -VRQ_EPEERGONE if it
 *         closed the socket without answering, -EPROTO for a malformed answer
 *         (or a device that did not announce READY for this generation).
 *         Used again after vrq_link_drv_reset() for a new device (offering
 *         a READY link again without a reset works as it always did, with
 *         no restart guarantee: the ring is not rebuilt). */
int vrq_link_send(struct vrq_link *drv, int sock);
/**
 * @brief Device end in another process: receive, validate, map, init, and
 *        answer the driver (also when refusing).  @p flags: 0, or
 *        VRQ_SHM_ALLOW_UNSEALED to accept a region whose size is not sealed
 *        (a named region): see shm.h for the SIGBUS risk.  -EPERM for an
 *        unsealed region without it, -EINVAL for a malformed message or
 *        header (l->msg says which check failed).
 */
int vrq_link_accept(struct vrq_link *dev, int sock, unsigned flags);
/** @brief Watch @p pid: this end's blocked waits return -VRQ_EPEERGONE when it dies. */
int vrq_link_watch(struct vrq_link *l, int pid);
/** @brief Close this end cleanly: write SHUTTING_DOWN (the "clean close"
 *         token, after this end's last ring access), then the peer's waits
 *         return -VRQ_EPEERGONE and its vrq_link_peer_check() -ECONNRESET. */
void vrq_link_close(struct vrq_link *l);
/** @brief Tear down this end (fds, mappings, notifiers, queue). */
void vrq_link_destroy(struct vrq_link *l);

/**
 * @brief Read the peer's lifecycle word (validated: it is untrusted).
 * @param epoch if non-NULL, the peer's epoch
 * @return a VRQ_LINK_ST_* state, or -EPROTO for a word no valid peer
 *         writes (the state bits out of range).
 */
int vrq_link_peer_state(const struct vrq_link *l, uint32_t *epoch);

/**
 * @brief Non-blocking: is the peer still there?  Looks at its lifecycle
 *        word and its process (pidfd, or kill(0) + /proc where pidfd is
 *        missing), never at the ring.
 * @return 0 (alive, or no pid to watch and no close seen), -ECONNRESET
 *         (it wrote SHUTTING_DOWN: a clean close), -VRQ_EPEERGONE (its
 *         process exited without closing: a crash).
 */
int vrq_link_peer_check(struct vrq_link *l);

/**
 * @brief Driver, after the device died or closed: take back the buffers,
 *        one per call.  First the ones the device completed before it
 *        went (return 1, @p len set: a normal completion), then the ones
 *        still in flight (return -VRQ_EPEERGONE after a crash, -ECONNRESET
 *        after a clean close: the buffer was not completed), then 0.
 *        Each token comes back exactly once.  A completion that fails the
 *        ring's checks ends the first phase (the rest are in flight).
 * @return 1, -VRQ_EPEERGONE / -ECONNRESET with *@p token set, 0 when none
 *         is left, -EBUSY if the device may still use the ring (its
 *         process alive and no SHUTTING_DOWN seen), -VRQ_EINVAL on a
 *         device end.
 */
int vrq_link_drv_reclaim(struct vrq_link *l, void **token, uint32_t *len);

/**
 * @brief Driver, after vrq_link_drv_reclaim() returned 0: the ring as
 *        after vrq_link_create(), the notifier blocks zeroed, fresh
 *        eventfds, the peer watch dropped, the generation + 1 (STARTING).
 *        Then vrq_link_send() offers the region to a new device.
 * @return 0, -EBUSY (buffers not reclaimed yet), -VRQ_EINVAL (a device
 *         end), or the eventfd / notifier error (l->msg says which).
 */
int vrq_link_drv_reset(struct vrq_link *l);

/**
 * @brief Device, after the driver died or closed: forget every chain popped
 *        and not pushed (vrq_vq_dev_reset()), then unmap and release this
 *        end (vrq_link_destroy()).  The chains' segment pointers are
 *        invalid afterwards.  @p l can then take a new driver with
 *        vrq_link_accept().
 * @return the number of chains dropped.
 */
uint64_t vrq_link_dev_release(struct vrq_link *l);

/** @brief Device address of a pointer into this end's buffer area. */
VRQ_INLINE uint64_t vrq_link_da(const struct vrq_link *l, const void *p)
{
	return l->bufs_da + (uint64_t)((const uint8_t *)p - l->bufs);
}

#ifdef __cplusplus
}
#endif
#endif /* VRQ_LINK_H */
