/* SPDX-License-Identifier: MIT */
/**
 * @file mem.h
 * @brief Memory map: device address (DA) <-> local pointer (VA) translation
 *        over a small table of regions.
 *
 * The rings speak device addresses only and never call this layer for their
 * own structures.  The device role resolves the segments (and indirect
 * tables) it pops through a vrq_mem; the driver role uses it to turn its
 * buffers into device addresses before adding them.
 *
 * Regions are appended with vrq_mem_add(), at init or later: the entry is
 * filled first and the count published with a release store, so lookups
 * running concurrently on another thread see either the old table or the
 * new one, never a half-written entry.  Adds must be serialised by the
 * caller (one writer); regions are never removed while lookups may run.
 *
 * Concurrency: vrq_mem_add() | vrq_mem_*() lookups: yes (1 writer, N readers).
 */
#ifndef VRQ_MEM_H
#define VRQ_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "spec.h"
#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Regions per table: 16, fixed.  struct vrq_mem lives in the caller's
 * memory but vrq_mem_init() / vrq_mem_add() are compiled into the library
 * with this value, so a consumer built with another one would disagree with
 * the library about the struct's size (and the library would write past a
 * smaller table).  A definition with another value is therefore a compile
 * error, and core/mem.c asserts the size it was built with.  A capacity
 * chosen at run time would need caller-provided storage or an allocation;
 * the fixed one keeps the table a plain value: zero-initialised = empty,
 * embeddable (struct vrq_link holds one), never allocated.
 */
#if defined(VRQ_MEM_MAX_REGIONS) && VRQ_MEM_MAX_REGIONS != 16
#error "VRQ_MEM_MAX_REGIONS is fixed at 16: libvrq's struct vrq_mem holds 16 regions; do not define it"
#endif
#ifndef VRQ_MEM_MAX_REGIONS
#define VRQ_MEM_MAX_REGIONS 16
#endif

/** Region flags. */
#define VRQ_MEM_COHERENT 0u	  /**< peer snoops our caches (default) */
#define VRQ_MEM_NONCOHERENT 1u /**< buffer data needs cache maintenance */

/* VRQ_SEG_NONCOH (types.h) for a segment in region @p r: a shift, no branch. */
#define VRQ__SEG_NONCOH_OF(r) (((r)->flags & VRQ_MEM_NONCOHERENT) << 16)

/** @brief One contiguous region, mapped at @c va locally and @c da for the peer. */
struct vrq_mem_region {
	uint64_t da;   /**< device address of the first byte */
	uint64_t size; /**< bytes, > 0 */
	uint8_t *va;   /**< local address of the first byte */
	uint32_t id;   /**< caller-chosen id for (id, offset) addressing */
	uint32_t flags; /**< VRQ_MEM_* */
};

/** @brief Region table.  Zero-initialised (or vrq_mem_init) = empty. */
struct vrq_mem {
	uint32_t n; /**< published entries; written with release */
	struct vrq_mem_region r[VRQ_MEM_MAX_REGIONS];
};

/** @brief Empty the table (not concurrently with lookups). */
void vrq_mem_init(struct vrq_mem *m);

/**
 * @brief Register a region.
 * @return 0, -VRQ_EINVAL (size 0 or above PTRDIFF_MAX, NULL va, DA or VA
 *         range wraps),
 *         -VRQ_EEXIST (id reused, or DA/VA range overlaps a region),
 *         -VRQ_ENOSPC (table full).
 */
int vrq_mem_add(struct vrq_mem *m, uint32_t id, uint64_t da, void *va, uint64_t size,
		uint32_t flags);

/** @brief Region containing [da, da+len), or NULL.  len 0 counts as 1 byte. */
VRQ_INLINE const struct vrq_mem_region *vrq_mem_find_da(const struct vrq_mem *m, uint64_t da,
							 uint64_t len)
{
	uint32_t n = __atomic_load_n(&m->n, __ATOMIC_ACQUIRE); /* pairs with release in vrq_mem_add() */
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct vrq_mem_region *r = &m->r[i];
		uint64_t off = da - r->da;

		/* off < size and len <= size - off: no overflow for any da/len */
		if (da >= r->da && off < r->size && len <= r->size - off)
			return r;
	}
	return NULL;
}

/**
 * @brief Translate a device address range to a local pointer.
 * @return the local address of @p da, or NULL if [da, da+len) is not
 *         entirely inside one registered region.
 */
VRQ_INLINE void *vrq_mem_da_to_va(const struct vrq_mem *m, uint64_t da, uint64_t len)
{
	const struct vrq_mem_region *r = vrq_mem_find_da(m, da, len);

	return r ? r->va + (da - r->da) : NULL;
}

/**
 * @brief vrq_mem_da_to_va() that first tries the region in *@p hint (a
 *        per-caller cache, NULL initially) and updates it on a miss.  Safe
 *        because regions are never removed or changed once published.
 */
VRQ_INLINE void *vrq_mem_da_to_va_hint(const struct vrq_mem *m, uint64_t da, uint64_t len,
				       const struct vrq_mem_region **hint)
{
	const struct vrq_mem_region *r = *hint;

	if (!r || da < r->da || da - r->da >= r->size || len > r->size - (da - r->da)) {
		r = vrq_mem_find_da(m, da, len);
		if (!r)
			return NULL;
		*hint = r;
	}
	return r->va + (da - r->da);
}

/**
 * @brief Translate a local range to a device address.
 * @return 0 and *da set, or -VRQ_ERANGE if [va, va+len) is not entirely
 *         inside one registered region.
 */
VRQ_INLINE int vrq_mem_va_to_da(const struct vrq_mem *m, const void *va, uint64_t len,
				uint64_t *da)
{
	uint32_t n = __atomic_load_n(&m->n, __ATOMIC_ACQUIRE); /* pairs with release in vrq_mem_add() */
	uintptr_t p = (uintptr_t)va;
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct vrq_mem_region *r = &m->r[i];
		uint64_t off = (uint64_t)(p - (uintptr_t)r->va);

		if (p >= (uintptr_t)r->va && off < r->size && len <= r->size - off) {
			*da = r->da + off;
			return 0;
		}
	}
	return -VRQ_ERANGE;
}

/** @brief Region with id @p id, or NULL. */
VRQ_INLINE const struct vrq_mem_region *vrq_mem_region_by_id(const struct vrq_mem *m, uint32_t id)
{
	uint32_t n = __atomic_load_n(&m->n, __ATOMIC_ACQUIRE); /* pairs with release in vrq_mem_add() */
	uint32_t i;

	for (i = 0; i < n; i++)
		if (m->r[i].id == id)
			return &m->r[i];
	return NULL;
}

/**
 * @brief (region id, offset) addressing: local pointer and device address of
 *        [off, off+len) in region @p id.
 * @return 0, or -VRQ_ERANGE (unknown id or range outside the region).
 */
VRQ_INLINE int vrq_mem_ref(const struct vrq_mem *m, uint32_t id, uint64_t off, uint64_t len,
			   void **va, uint64_t *da)
{
	const struct vrq_mem_region *r = vrq_mem_region_by_id(m, id);

	if (!r || off >= r->size || len > r->size - off)
		return -VRQ_ERANGE;
	if (va)
		*va = r->va + off;
	if (da)
		*da = r->da + off;
	return 0;
}

#ifdef __cplusplus
}
#endif
#endif /* VRQ_MEM_H */
