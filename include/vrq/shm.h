/* SPDX-License-Identifier: MIT */
/**
 * @file shm.h
 * @brief Shared memory for two processes (Linux): a region created with
 *        memfd_create (the fd passed over a UNIX socket or inherited across
 *        fork) or shm_open by name, optionally on huge pages and bound to a
 *        NUMA node; the peer maps it at its own address.
 *
 * Setup only (nothing here is on the hot path).  Every failure returns a
 * negative code (err.h: -errno of the failed system call, or -EINVAL,
 * -EPERM, -ENOTSUP, -ENOMEM as documented) and leaves a one-line
 * explanation in s->msg; fallbacks (huge pages unavailable) succeed and say
 * so in s->msg too.
 *
 * A peer must not be able to take the memory away under this side: if it
 * could shrink the object (ftruncate) after this side mapped it, the next
 * access here to a page past the new end would kill this process with
 * SIGBUS.  So:
 *  - vrq_shm_create() makes a memfd with MFD_ALLOW_SEALING, sizes it, and
 *    seals it with F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL: its size is
 *    fixed for good, for every process that holds it (ftruncate fails with
 *    EPERM), and no further seal can be added;
 *  - vrq_shm_attach_fd() refuses (-EPERM, s->msg says why) an fd whose
 *    object does not carry both F_SEAL_SHRINK and F_SEAL_GROW (F_GET_SEALS),
 *    and (-EINVAL) one smaller than the size the peer claims (fstat, after
 *    the seal check, so the size cannot change in between);
 *  - a shm_open region cannot be sealed, so it is refused on both sides
 *    unless the caller opts in (cfg.allow_unsealed, VRQ_SHM_ALLOW_UNSEALED)
 *    and so accepts that a peer holding the name can kill it with SIGBUS.
 *    vrq does not catch SIGBUS instead: a handler is process-wide state
 *    that a library cannot own, and it would have to tell the ring's own
 *    accesses from the application's.
 * With huge pages (MFD_HUGETLB) a peer can still punch a hole
 * (fallocate(FALLOC_FL_PUNCH_HOLE) is not stopped by these seals); the
 * next access to it needs a fresh huge page, and with none free in the
 * pool it is a SIGBUS.  On normal pages a punched hole reads back as zeros.
 */
#ifndef VRQ_SHM_H
#define VRQ_SHM_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief How to create a region.  A zero-initialised config (plus .size)
 *        is a sealed memfd on normal pages with no NUMA binding.
 */
struct vrq_shm_cfg {
	size_t size;	  /**< bytes; rounded up to the page (or huge page) size */
	const char *name; /**< NULL: memfd_create (sealed); else shm_open(name), e.g.
			   *   "/vrq-1", which needs allow_unsealed */
	bool hugepages;	  /**< try huge pages (MFD_HUGETLB); memfd only */
	bool huge_required; /**< fail instead of falling back to normal pages */
	bool bind_node;	  /**< false: no NUMA binding; true: mbind(MPOL_BIND) to @c node
			   *   (-ENOTSUP with a message if vrq was built without libnuma
			   *   or NUMA is unavailable, -EINVAL if the node does not exist) */
	unsigned node;	  /**< NUMA node, used only with bind_node */
	bool allow_unsealed; /**< allow a named (shm_open) region, which cannot be
			   *   sealed: any process that can open the name can truncate it,
			   *   and this process then dies of SIGBUS at its next access to
			   *   the region.  Only between processes that trust each other. */
};

/** vrq_shm_attach_*() flag: accept an object whose size is not sealed (a
 *  shm_open region, or a memfd without F_SEAL_SHRINK | F_SEAL_GROW).  The
 *  peer can then truncate it and kill this process with SIGBUS at its next
 *  access to the region: only for a peer this process trusts. */
#define VRQ_SHM_ALLOW_UNSEALED 0x1u

/** @brief A mapped region (one per process and mapping). */
struct vrq_shm {
	void *base;
	size_t size;	/**< mapped bytes */
	int fd;		/**< memfd / shm fd (-1 once closed) */
	bool huge;	/**< backed by huge pages */
	bool owner;	/**< created here: destroy unlinks a named region */
	bool sealed;	/**< size sealed (F_SEAL_SHRINK | F_SEAL_GROW) */
	int numa_node;	/**< node the pages are bound to, -1 if none */
	char name[64];
	char msg[192];	/**< last setup message */
};

/**
 * @brief Create and map a region (zero-filled, pages faulted in; a memfd is
 *        sealed, see above).  0, -EINVAL (size 0, or a name without
 *        allow_unsealed), -ENOTSUP (huge pages with a name; NUMA binding
 *        unavailable), -ENOMEM (huge pages required but unavailable), or
 *        -errno of the failed system call (shm_open, memfd_create,
 *        ftruncate, fcntl F_ADD_SEALS, mmap, mbind).
 */
int vrq_shm_create(struct vrq_shm *s, const struct vrq_shm_cfg *cfg);
/**
 * @brief Map a region from a received or inherited fd (dup'ed: the caller
 *        keeps @p fd).  @p flags: 0 or VRQ_SHM_ALLOW_UNSEALED.
 * @return 0; -EPERM if the object's size is not sealed (and @p flags does
 *         not allow it); -EINVAL if @p size is 0 or larger than the object;
 *         -errno of the failed system call (fcntl, fstat, mmap).
 */
int vrq_shm_attach_fd(struct vrq_shm *s, int fd, size_t size, unsigned flags);
/**
 * @brief Map a named region created by the peer.  A shm_open object cannot
 *        be sealed: -EPERM unless @p flags has VRQ_SHM_ALLOW_UNSEALED.
 *        Otherwise as vrq_shm_attach_fd(), plus -errno of shm_open.
 */
int vrq_shm_attach_name(struct vrq_shm *s, const char *name, size_t size, unsigned flags);
/** @brief Unmap, close, and unlink a named region this side created. */
void vrq_shm_destroy(struct vrq_shm *s);

/** @brief Number of NUMA nodes usable here (0 if libnuma is unavailable). */
int vrq_shm_numa_nodes(void);

/**
 * @brief Send @p nfds file descriptors and @p len bytes of data over a UNIX
 *        socket (SCM_RIGHTS).  0, -EINVAL (more than 16 fds, len 0), -errno
 *        of sendmsg, or -EIO if it sent only part of the data.
 */
int vrq_shm_send_fds(int sock, const int *fds, unsigned nfds, const void *data, size_t len);
/**
 * @brief Receive what vrq_shm_send_fds() sent: exactly @p len data bytes
 *        and up to @p max fds (*nfds set).  -VRQ_EPEERGONE if the socket
 *        closed first, -EINVAL for a message of another length (its fds are
 *        closed), -errno of recvmsg.
 */
int vrq_shm_recv_fds(int sock, int *fds, unsigned max, unsigned *nfds, void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* VRQ_SHM_H */
