/* SPDX-License-Identifier: MIT */
/* core/mem.c - region table setup (lookups are inline in vrq/mem.h). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vrq/mem.h"

/* what every consumer's struct vrq_mem must match (mem.h refuses another
 * VRQ_MEM_MAX_REGIONS) */
_Static_assert(VRQ_MEM_MAX_REGIONS == 16, "the region capacity is fixed at 16");
_Static_assert(sizeof(((struct vrq_mem *)0)->r) == 16 * sizeof(struct vrq_mem_region),
	       "struct vrq_mem holds 16 regions");
_Static_assert(sizeof(struct vrq_mem) ==
		       offsetof(struct vrq_mem, r) + 16 * sizeof(struct vrq_mem_region),
	       "struct vrq_mem is its count and 16 regions");

void vrq_mem_init(struct vrq_mem *m)
{
	memset(m, 0, sizeof(*m));
}

/* [a, a+as) and [b, b+bs) intersect; sizes are > 0 and ranges do not wrap
 * (inclusive ends, so a range ending at 2^64 - 1 is handled). */
static int overlaps(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a <= b + (bs - 1) && b <= a + (as - 1);
}

int vrq_mem_add(struct vrq_mem *m, uint32_t id, uint64_t da, void *va, uint64_t size,
		uint32_t flags)
{
	uint32_t n = m->n, i; /* single writer: plain read of our own count */
	struct vrq_mem_region *r;

	/* no object is larger than PTRDIFF_MAX bytes, and the lookups' va + off
	 * would be undefined past it */
	if (!va || !size || size > PTRDIFF_MAX || da + size - 1 < da ||
	    (uintptr_t)va + (size - 1) < (uintptr_t)va || size - 1 > UINTPTR_MAX ||
	    flags > VRQ_MEM_NONCOHERENT)
		return -VRQ_EINVAL;
	for (i = 0; i < n; i++) {
		r = &m->r[i];
		if (r->id == id || overlaps(da, size, r->da, r->size) ||
		    overlaps((uintptr_t)va, size, (uintptr_t)r->va, r->size))
			return -VRQ_EEXIST;
	}
	if (n >= VRQ_MEM_MAX_REGIONS)
		return -VRQ_ENOSPC;
	r = &m->r[n];
	r->da = da;
	r->size = size;
	r->va = (uint8_t *)va;
	r->id = id;
	r->flags = flags;
	/* Publish the filled entry; pairs with the acquire loads of m->n in the
	 * lookups in vrq/mem.h. */
	__atomic_store_n(&m->n, n + 1, __ATOMIC_RELEASE);
	return 0;
}
