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
 *         closed the socket without answering, -EPROTO for a malformed answer. */
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
/** @brief Close this end cleanly: the peer's waits return -VRQ_EPEERGONE. */
void vrq_link_close(struct vrq_link *l);
/** @brief Tear down this end (fds, mappings, notifiers, queue). */
void vrq_link_destroy(struct vrq_link *l);

/** @brief Device address of a pointer into this end's buffer area. */
VRQ_INLINE uint64_t vrq_link_da(const struct vrq_link *l, const void *p)
{
	return l->bufs_da + (uint64_t)((const uint8_t *)p - l->bufs);
}

#ifdef __cplusplus
}
#endif
#endif /* VRQ_LINK_H */
