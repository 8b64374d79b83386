/* SPDX-License-Identifier: MIT */
/* core/err.c - error code texts. */
#include "vrq/err.h"

static const char *const vrq_err_text[VRQ_ERR_COUNT] = {
	[VRQ_OK] = "success",
	[VRQ_EINVAL] = "invalid argument",
	[VRQ_ENOSPC] = "not enough free descriptors",
	[VRQ_ENOTSUP] = "not supported on this build or architecture",
	[VRQ_ENOMEM] = "out of memory",
	[VRQ_EBROKEN] = "queue stopped after a peer error; reset it",
	[VRQ_ESEGCAP] = "chain has more segments than the caller's array",
	[VRQ_EEXIST] = "memory region overlaps an existing region or reuses an id",
	[VRQ_ERANGE] = "address outside every registered memory region",
	[VRQ_ETIMEDOUT] = "timed out waiting for the peer",
	[VRQ_EPEERGONE] = "the peer exited or closed its side",
	[VRQ_ESYS] = "system call failed (see errno)",
	[VRQ_EAVAIL_IDX] = "peer: available index moved by more than the queue size",
	[VRQ_EHEAD] = "peer: chain head index out of range",
	[VRQ_ENEXT] = "peer: next descriptor index out of range",
	[VRQ_ELOOP] = "peer: descriptor chain longer than its table or ring (loop)",
	[VRQ_EINDIRECT_FEATURE] = "peer: indirect descriptor without INDIRECT_DESC",
	[VRQ_EINDIRECT_NEXT] = "peer: descriptor has both INDIRECT and NEXT",
	[VRQ_EINDIRECT_NESTED] = "peer: indirect descriptor inside an indirect table",
	[VRQ_EINDIRECT_LEN] = "peer: indirect table length is 0, not a multiple of 16, or too large",
	[VRQ_EINDIRECT_ADDR] = "peer: indirect table outside registered memory",
	[VRQ_ETOTAL_LEN] = "peer: chain total length of 2^32 bytes or more",
	[VRQ_EORDER] = "peer: device-readable descriptor after a device-writable one",
	[VRQ_EADDR] = "peer: buffer outside registered memory",
	[VRQ_EUSED_IDX] = "peer: used index moved by more than the buffers in flight",
	[VRQ_EUSED_ID] = "peer: used id out of range or not in flight",
	[VRQ_EUSED_LEN] = "peer: used length larger than the buffer's writable capacity",
	[VRQ_EID] = "peer: buffer id out of range",
	[VRQ_EID_INFLIGHT] = "peer: buffer id already in flight",
	[VRQ_EWRAP] = "peer: chain descriptor not marked available (wrong wrap bits)",
	[VRQ_EHEAD_INFLIGHT] = "peer: chain head made available again while still in flight",
	[VRQ_EINDIRECT_TABLE_NEXT] = "peer: NEXT flag on a descriptor inside a packed indirect table",
};

const char *vrq_strerror(int err)
{
	/* negate as unsigned: -INT_MIN would overflow */
	unsigned e = err < 0 ? 0u - (unsigned)err : (unsigned)err;

	if (e >= VRQ_ERR_COUNT || !vrq_err_text[e])
		return "unknown vrq error";
	return vrq_err_text[e];
}
