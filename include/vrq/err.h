/* SPDX-License-Identifier: MIT */
/**
 * @file err.h
 * @brief Error codes.  Setup and validation functions return 0 or a
 *        negative code; hot-path calls return a count, a bool or a pointer.
 *
 * Two disjoint kinds of code, told apart by vrq_err_is_peer():
 *
 *  - Local errors are plain errno values, negated (as liburing does):
 *    VRQ_EINVAL is EINVAL, VRQ_ENOSPC is ENOSPC, and so on, and a system
 *    call that fails in the Linux transports returns -errno of that call
 *    (e.g. -EMFILE from memfd_create).  The VRQ_E* names below are aliases
 *    of the errno values; compare with either.
 *  - Peer errors (VRQ_EPEER_FIRST .. VRQ_EPEER_LAST - 1) describe bad
 *    input from the peer: each bumps the queue's per-code counter
 *    (VRQ_PEER_ERR_IDX()) and stops the queue.  They start at 4096, above
 *    every errno value (Linux's MAX_ERRNO is 4095), so they never collide
 *    with one.  A stopped ("broken") queue returns the peer code that
 *    stopped it from every later call until it is reset.
 *
 * vrq_strerror() gives the text of either kind.
 */
#ifndef VRQ_ERR_H
#define VRQ_ERR_H

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#if !defined(EINVAL) || !defined(ENOSPC) || !defined(ENOTSUP) || !defined(ENOMEM) ||         \
	!defined(EMSGSIZE) || !defined(EEXIST) || !defined(ERANGE) || !defined(ETIMEDOUT) || \
	!defined(EPIPE)
#error "vrq/err.h: <errno.h> lacks a POSIX error code vrq uses"
#endif

enum vrq_err {
	VRQ_OK = 0,
	/* local errors: errno values (negated when returned) */
	VRQ_EINVAL = EINVAL,	 /**< bad argument from the caller */
	VRQ_ENOSPC = ENOSPC,	 /**< not enough free descriptors / table full */
	VRQ_ENOTSUP = ENOTSUP,	 /**< feature or ordering domain not supported here
				  *   (ENOTSUP, which Linux defines as EOPNOTSUPP) */
	VRQ_ENOMEM = ENOMEM,	 /**< allocation failed (init only) */
	VRQ_ESEGCAP = EMSGSIZE,	 /**< chain has more segments than the caller's array */
	VRQ_EEXIST = EEXIST,	 /**< memory region overlaps an existing one / id reused */
	VRQ_ERANGE = ERANGE,	 /**< address or offset outside every registered region */
	VRQ_ETIMEDOUT = ETIMEDOUT, /**< wait: the timeout expired with no work */
	VRQ_EPEERGONE = EPIPE,	 /**< wait/notify/link: the peer process exited or
				  *   closed its side (EPIPE) */

	/* peer errors: counted per queue; append new codes before
	 * VRQ_EPEER_LAST (and their text in core/err.c) */
	VRQ_EPEER_FIRST = 4096,
	VRQ_EAVAIL_IDX = VRQ_EPEER_FIRST, /**< avail idx moved by more than queue size */
	VRQ_EHEAD,		/**< chain head index >= queue size */
	VRQ_ENEXT,		/**< next index outside the (indirect) table */
	VRQ_ELOOP,		/**< chain longer than its table or ring: a loop */
	VRQ_EINDIRECT_FEATURE,	/**< INDIRECT flag without INDIRECT_DESC negotiated */
	VRQ_EINDIRECT_NEXT,	/**< INDIRECT and NEXT set together */
	VRQ_EINDIRECT_NESTED,	/**< INDIRECT inside an indirect table */
	VRQ_EINDIRECT_LEN,	/**< indirect len 0, not a multiple of 16, or too large */
	VRQ_EINDIRECT_ADDR,	/**< indirect table outside registered memory */
	VRQ_ETOTAL_LEN,		/**< chain total length >= 2^32 */
	VRQ_EORDER,		/**< device-readable segment after a writable one */
	VRQ_EADDR,		/**< segment outside registered memory */
	VRQ_EUSED_IDX,		/**< used idx moved by more than the buffers in flight */
	VRQ_EUSED_ID,		/**< used id out of range or not in flight */
	VRQ_EUSED_LEN,		/**< used len larger than the writable capacity */
	VRQ_EID,		/**< packed: buffer id >= queue size */
	VRQ_EID_INFLIGHT,	/**< packed: buffer id already in flight */
	VRQ_EWRAP,		/**< packed: chain descriptor not marked available (wrap bits) */
	VRQ_EHEAD_INFLIGHT,	/**< split: chain head made available again while in flight */
	VRQ_EINDIRECT_TABLE_NEXT, /**< packed: NEXT set inside an indirect table */
	VRQ_EPEER_LAST		/**< one past the last peer code (not a code) */
};

/** Largest errno value on Linux (MAX_ERRNO): peer codes lie above it. */
#define VRQ_ERRNO_MAX 4095

/** Number of peer-error counters in a stats struct. */
#define VRQ_PEER_ERR_COUNT (VRQ_EPEER_LAST - VRQ_EPEER_FIRST)

#ifdef __cplusplus
static_assert(VRQ_EPEER_FIRST > VRQ_ERRNO_MAX, "peer codes lie above every errno value");
static_assert(VRQ_EPEER_LAST > VRQ_EPEER_FIRST, "at least one peer code");
#else
_Static_assert(VRQ_EPEER_FIRST > VRQ_ERRNO_MAX, "peer codes lie above every errno value");
_Static_assert(VRQ_EPEER_LAST > VRQ_EPEER_FIRST, "at least one peer code");
#endif

/**
 * @brief Text for a code (either sign).  Never NULL.  Peer codes: vrq's
 *        own text ("peer: ..."); errno values: the C library's strerror()
 *        text for that errno; 0: "success"; anything else: "unknown error
 *        code".  Thread-safe; the text is a constant string (glibc) or lives
 *        in a per-thread buffer until this thread's next call (other C
 *        libraries).
 */
const char *vrq_strerror(int err);

/** @brief 1 if @p err (either sign) is a peer error code, else 0. */
int vrq_err_is_peer(int err);

/*
 * Why init refuses a configuration.  Init returns -VRQ_EINVAL or
 * -VRQ_ENOTSUP for a dozen different mistakes (size, a NULL or misaligned
 * area, overlapping areas, domain, features, the NONCOH line rule, the
 * indirect pool, the device's memory map); these name the first one, as a
 * constant one-line text, or return NULL when the matching init would
 * accept @p cfg (it may still fail with -VRQ_ENOMEM).  They make the same
 * checks as init, in the same order, and change nothing:
 *
 *     rc = vrq_split_drv_init(&drv, &cfg);
 *     if (rc < 0)
 *             log("%s: %s", vrq_strerror(rc), vrq_split_drv_init_why(&cfg));
 */
struct vrq_split_cfg;
struct vrq_packed_cfg;
struct vrq_vq_cfg;

/** @brief Why vrq_split_drv_init() refuses @p cfg, or NULL if it accepts it. */
const char *vrq_split_drv_init_why(const struct vrq_split_cfg *cfg);
/** @brief Why vrq_split_dev_init() refuses @p cfg, or NULL if it accepts it. */
const char *vrq_split_dev_init_why(const struct vrq_split_cfg *cfg);
/** @brief Why vrq_packed_drv_init() refuses @p cfg, or NULL if it accepts it. */
const char *vrq_packed_drv_init_why(const struct vrq_packed_cfg *cfg);
/** @brief Why vrq_packed_dev_init() refuses @p cfg, or NULL if it accepts it. */
const char *vrq_packed_dev_init_why(const struct vrq_packed_cfg *cfg);
/** @brief Why vrq_vq_drv_init() refuses @p cfg, or NULL if it accepts it. */
const char *vrq_vq_drv_init_why(const struct vrq_vq_cfg *cfg);
/** @brief Why vrq_vq_dev_init() refuses @p cfg, or NULL if it accepts it. */
const char *vrq_vq_dev_init_why(const struct vrq_vq_cfg *cfg);

#ifdef __cplusplus
}
#endif
#endif /* VRQ_ERR_H */
