/* SPDX-License-Identifier: MIT */
/**
 * @file err.h
 * @brief Error codes.  Setup and validation functions return 0 or a
 *        negative VRQ_E* code; hot-path calls return a count, a bool or a
 *        pointer.  Codes from VRQ_EPEER_FIRST on describe bad input from the
 *        peer: each bumps the queue's per-code counter.
 */
#ifndef VRQ_ERR_H
#define VRQ_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

enum vrq_err {
	VRQ_OK = 0,
	/* local errors */
	VRQ_EINVAL,	/**< bad argument from the caller */
	VRQ_ENOSPC,	/**< not enough free descriptors */
	VRQ_ENOTSUP,	/**< feature or ordering domain not supported here */
	VRQ_ENOMEM,	/**< allocation failed (init only) */
	VRQ_EBROKEN,	/**< queue stopped after a peer error: reset it */
	VRQ_ESEGCAP,	/**< chain has more segments than the caller's array */
	VRQ_EEXIST,	/**< memory region overlaps an existing one / id reused */
	VRQ_ERANGE,	/**< address or offset outside every registered region */
	VRQ_ETIMEDOUT,	/**< wait: the timeout expired with no work */
	VRQ_EPEERGONE,	/**< wait/notify: the peer process exited or closed its side */
	VRQ_ESYS,	/**< a system call failed: errno says why */
	/* peer errors: counted per queue */
	VRQ_EPEER_FIRST,
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
	VRQ_EPEER_LAST,
	VRQ_ERR_COUNT = VRQ_EPEER_LAST
};

/** Number of peer-error counters in a stats struct. */
#define VRQ_PEER_ERR_COUNT (VRQ_EPEER_LAST - VRQ_EPEER_FIRST)

/** @brief Text for a VRQ_E* code (either sign). Never NULL. */
const char *vrq_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* VRQ_ERR_H */
