/* SPDX-License-Identifier: MIT */
/* core/err.c - error code texts. */
#define _GNU_SOURCE /* strerrordesc_np (glibc >= 2.32) */
#include <string.h>

#include "vrq/err.h"

#define P(code) [(code) - VRQ_EPEER_FIRST]

/* One text per peer code, in enum order. */
static const char *const vrq_peer_text[] = {
	P(VRQ_EAVAIL_IDX) = "peer: available index moved by more than the queue size",
	P(VRQ_EHEAD) = "peer: chain head index out of range",
	P(VRQ_ENEXT) = "peer: next descriptor index out of range",
	P(VRQ_ELOOP) = "peer: descriptor chain longer than its table or ring (loop)",
	P(VRQ_EINDIRECT_FEATURE) = "peer: indirect descriptor without INDIRECT_DESC",
	P(VRQ_EINDIRECT_NEXT) = "peer: descriptor has both INDIRECT and NEXT",
	P(VRQ_EINDIRECT_NESTED) = "peer: indirect descriptor inside an indirect table",
	P(VRQ_EINDIRECT_LEN) = "peer: indirect table length is 0, not a multiple of 16, or too large",
	P(VRQ_EINDIRECT_ADDR) = "peer: indirect table outside registered memory",
	P(VRQ_ETOTAL_LEN) = "peer: chain total length of 2^32 bytes or more",
	P(VRQ_EORDER) = "peer: device-readable descriptor after a device-writable one",
	P(VRQ_EADDR) = "peer: buffer outside registered memory",
	P(VRQ_EUSED_IDX) = "peer: used index moved by more than the buffers in flight",
	P(VRQ_EUSED_ID) = "peer: used id out of range or not in flight",
	P(VRQ_EUSED_LEN) = "peer: used length larger than the buffer's writable capacity",
	P(VRQ_EID) = "peer: buffer id out of range",
	P(VRQ_EID_INFLIGHT) = "peer: buffer id already in flight",
	P(VRQ_EWRAP) = "peer: chain descriptor not marked available (wrong wrap bits)",
	P(VRQ_EHEAD_INFLIGHT) = "peer: chain head made available again while still in flight",
	P(VRQ_EINDIRECT_TABLE_NEXT) = "peer: NEXT flag on a descriptor inside a packed indirect table",
};

_Static_assert(sizeof(vrq_peer_text) / sizeof(vrq_peer_text[0]) == VRQ_PEER_ERR_COUNT,
	       "core/err.c: every peer code needs a text");

static const char vrq_unknown_text[] = "unknown error code";

/* |err| without overflow for INT_MIN */
static unsigned vrq_err_abs(int err)
{
	return err < 0 ? 0u - (unsigned)err : (unsigned)err;
}

int vrq_err_is_peer(int err)
{
	unsigned e = vrq_err_abs(err);

	return e >= VRQ_EPEER_FIRST && e < VRQ_EPEER_LAST;
}

/* The C library's text for errno value e (1..VRQ_ERRNO_MAX), thread-safe. */
static const char *vrq_errno_text(int e)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
	/* a constant string, no buffer: NULL for a value with no text */
	const char *s = strerrordesc_np(e);

	return s ? s : vrq_unknown_text;
#elif defined(__GLIBC__)
	static _Thread_local char buf[128];

	return strerror_r(e, buf, sizeof(buf)); /* GNU variant: returns the text */
#else
	static _Thread_local char buf[128];

	return strerror_r(e, buf, sizeof(buf)) == 0 ? buf : vrq_unknown_text; /* XSI variant */
#endif
}

const char *vrq_strerror(int err)
{
	unsigned e = vrq_err_abs(err);
	const char *s;

	if (e == 0)
		return "success";
	if (e <= VRQ_ERRNO_MAX)
		return vrq_errno_text((int)e);
	if (vrq_err_is_peer(err)) {
		s = vrq_peer_text[e - VRQ_EPEER_FIRST];
		return s ? s : vrq_unknown_text;
	}
	return vrq_unknown_text;
}
