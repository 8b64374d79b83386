/* SPDX-License-Identifier: MIT */
/**
 * @file cache.h
 * @brief Buffer cache maintenance for peers that do not snoop the caches:
 *        the "cache sync inline with transmission" of a buffer exchange.
 *
 * The ring never touches buffer data, so it cannot keep it coherent; these
 * calls do, for the segments that lie in regions registered with
 * VRQ_MEM_NONCOHERENT (segments in coherent regions cost a flag test).
 * They mirror the Linux DMA API (dma_sync_*_for_device / _for_cpu):
 *
 * | side   | when                               | call                         | what it does                         |
 * |--------|------------------------------------|------------------------------|--------------------------------------|
 * | driver | after filling, before add/publish  | vrq_sg_sync_for_device()     | clean readable segments; clean and   |
 * |        |                                    |                              | invalidate writable ones             |
 * | device | after pop, before reading          | vrq_chain_sync_for_cpu()     | invalidate readable segments         |
 * | device | after writing, before push/publish | vrq_chain_sync_for_device()  | clean the bytes written              |
 * | driver | after get_used, before reading     | vrq_sg_sync_for_cpu()        | invalidate the bytes the device wrote|
 *
 * Cleaning a writable segment before handing it over (driver) matters: a
 * dirty line left in the driver's cache could be evicted after the device
 * wrote the buffer and overwrite its data.
 *
 * Requirement (not checkable from either side): a buffer segment must not
 * share a cache line (vrq_cache_line_size()) with memory the other side
 * writes while the buffer is in flight, since maintenance acts on whole
 * lines.  Allocate non-coherent buffers line-aligned and line-padded.
 *
 * The device learns each segment's coherence at pop (VRQ_SEG_NONCOH, from
 * the region the segment resolved to); the driver looks its segments up in
 * its own memory map.  Concurrency: each call touches only the caller's
 * buffers and may run beside any ring call of either side.
 */
#ifndef VRQ_CACHE_H
#define VRQ_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "barrier.h"
#include "err.h"
#include "mem.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

VRQ_STATIC_ASSERT((VRQ_MEM_NONCOHERENT << 16) == VRQ_SEG_NONCOH, "VRQ__SEG_NONCOH_OF shift");

/**
 * @brief riscv64 with Zicbom: the cache-block size, which only the platform
 *        knows (device tree riscv,cbom-block-size; Linux riscv_hwprobe key
 *        ZICBOM_BLOCK_SIZE).  Call once before creating a non-coherent queue.
 * @return 0; -VRQ_EINVAL if @p bytes is not a power of two in [16, 4096];
 *         -VRQ_ENOTSUP on architectures that read the size from the
 *         hardware (x86_64, aarch64) or have no cache maintenance.
 */
int vrq_cache_set_block_size(size_t bytes);

/**
 * @brief Device side, after pop: invalidate the readable segments of @p c
 *        that lie in non-coherent regions, so the device reads what the
 *        driver wrote and not a stale line.
 */
VRQ_INLINE void vrq_chain_sync_for_cpu(const struct vrq_chain *c)
{
	uint16_t i;

	for (i = 0; i < c->n_out; i++)
		if (c->seg[i].flags & VRQ_SEG_NONCOH)
			vrq__cache_inval(c->seg[i].va, c->seg[i].len, VRQ__SITE);
}

/**
 * @brief Device side, before push: clean the first @p written bytes of the
 *        writable segments of @p c (in chain order, as the used length
 *        counts them) that lie in non-coherent regions.
 */
VRQ_INLINE void vrq_chain_sync_for_device(const struct vrq_chain *c, uint32_t written)
{
	uint16_t i;

	for (i = c->n_out; i < c->n && written; i++) {
		uint32_t l = c->seg[i].len < written ? c->seg[i].len : written;

		if (c->seg[i].flags & VRQ_SEG_NONCOH)
			vrq__cache_clean(c->seg[i].va, l, VRQ__SITE);
		written -= l;
	}
}

/* Driver side: the region of one segment, or -VRQ_ERANGE. */
VRQ_ALWAYS_INLINE int vrq__sg_region(const struct vrq_mem *m, const struct vrq_sg *s,
				     const struct vrq_mem_region **r)
{
	*r = vrq_mem_find_da(m, s->addr, s->len);
	return *r ? 0 : -VRQ_ERANGE;
}

/**
 * @brief Driver side, before add: clean the @p n_out readable segments and
 *        clean + invalidate the @p n_in writable ones that lie in
 *        non-coherent regions of @p m (the driver's own memory map).
 * @return 0, or -VRQ_ERANGE if a segment is in no region of @p m (nothing
 *         after it was synced).
 */
VRQ_INLINE int vrq_sg_sync_for_device(const struct vrq_mem *m, const struct vrq_sg *sg,
				      unsigned n_out, unsigned n_in)
{
	const struct vrq_mem_region *r;
	unsigned i;

	for (i = 0; i < n_out + n_in; i++) {
		if (!sg[i].len)
			continue;
		if (vrq__sg_region(m, &sg[i], &r))
			return -VRQ_ERANGE;
		if (!(r->flags & VRQ_MEM_NONCOHERENT))
			continue;
		if (i < n_out)
			vrq__cache_clean(r->va + (sg[i].addr - r->da), sg[i].len, VRQ__SITE);
		else
			vrq__cache_inval(r->va + (sg[i].addr - r->da), sg[i].len, VRQ__SITE);
	}
	return 0;
}

/**
 * @brief Driver side, after get_used: invalidate the first @p used_len bytes
 *        of the @p n_in writable segments (after @p n_out readable ones) in
 *        non-coherent regions of @p m, before reading what the device wrote.
 * @return 0, or -VRQ_ERANGE if a segment is in no region of @p m.
 */
VRQ_INLINE int vrq_sg_sync_for_cpu(const struct vrq_mem *m, const struct vrq_sg *sg,
				   unsigned n_out, unsigned n_in, uint32_t used_len)
{
	const struct vrq_mem_region *r;
	unsigned i;

	for (i = n_out; i < n_out + n_in && used_len; i++) {
		uint32_t l = sg[i].len < used_len ? sg[i].len : used_len;

		if (!l)
			continue;
		if (vrq__sg_region(m, &sg[i], &r))
			return -VRQ_ERANGE;
		if (r->flags & VRQ_MEM_NONCOHERENT)
			vrq__cache_inval(r->va + (sg[i].addr - r->da), l, VRQ__SITE);
		used_len -= l;
	}
	return 0;
}

#ifdef __cplusplus
}
#endif
#endif /* VRQ_CACHE_H */
