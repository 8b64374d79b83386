/* SPDX-License-Identifier: MIT */
/**
 * @file shm.h
 * @brief Shared memory for two processes (Linux): a region created with
 *        memfd_create (the fd passed over a UNIX socket or inherited across
 *        fork) or shm_open by name, optionally on huge pages and bound to a
 *        NUMA node; the peer maps it at its own address.
 *
 * Setup only (nothing here is on the hot path).  Every failure returns a
 * negative VRQ_E* code and leaves a one-line explanation in s->msg;
 * fallbacks (huge pages unavailable) succeed and say so in s->msg too.
 */
#ifndef VRQ_SHM_H
#define VRQ_SHM_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief How to create a region. */
struct vrq_shm_cfg {
	size_t size;	  /**< bytes; rounded up to the page (or huge page) size */
	const char *name; /**< NULL: memfd_create; else shm_open(name), e.g. "/vrq-1" */
	bool hugepages;	  /**< try huge pages (MFD_HUGETLB / MAP_HUGETLB) */
	bool huge_required; /**< fail instead of falling back to normal pages */
	int numa_node;	  /**< -1: no binding; else mbind(MPOL_BIND) to this node */
};

/** @brief A mapped region (one per process and mapping). */
struct vrq_shm {
	void *base;
	size_t size;	/**< mapped bytes */
	int fd;		/**< memfd / shm fd (-1 once closed) */
	bool huge;	/**< backed by huge pages */
	bool owner;	/**< created here: destroy unlinks a named region */
	int numa_node;	/**< node the pages are bound to, -1 if none */
	char name[64];
	char msg[192];	/**< last setup message */
};

/** @brief Create and map a region (zero-filled, pages faulted in). */
int vrq_shm_create(struct vrq_shm *s, const struct vrq_shm_cfg *cfg);
/** @brief Map a region from a received or inherited fd (dup'ed: the caller keeps @p fd). */
int vrq_shm_attach_fd(struct vrq_shm *s, int fd, size_t size);
/** @brief Map a named region created by the peer. */
int vrq_shm_attach_name(struct vrq_shm *s, const char *name, size_t size);
/** @brief Unmap, close, and unlink a named region this side created. */
void vrq_shm_destroy(struct vrq_shm *s);

/** @brief Number of NUMA nodes usable here (0 if libnuma is unavailable). */
int vrq_shm_numa_nodes(void);

/**
 * @brief Send @p nfds file descriptors and @p len bytes of data over a UNIX
 *        socket (SCM_RIGHTS).  0 or -VRQ_ESYS / -VRQ_EINVAL.
 */
int vrq_shm_send_fds(int sock, const int *fds, unsigned nfds, const void *data, size_t len);
/**
 * @brief Receive what vrq_shm_send_fds() sent: exactly @p len data bytes
 *        and up to @p max fds (*nfds set).  -VRQ_EPEERGONE if the socket
 *        closed first.
 */
int vrq_shm_recv_fds(int sock, int *fds, unsigned max, unsigned *nfds, void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* VRQ_SHM_H */
