/* SPDX-License-Identifier: MIT */
/**
 * @file barrier.h
 * @brief Ordering domains and the shared-memory access helpers the rings
 *        use.  Every helper takes the domain as a compile-time constant on the
 *        hot path (the ring entry points dispatch once on the queue's domain,
 *        DPDK style), so the branches below fold away.
 *
 * Domains:
 *  - VRQ_DOM_SMP:    the peer is another CPU in the same coherent domain.
 *                    Indices use C11 acquire/release; the one full fence is
 *                    the store->load fence before reading the peer's event
 *                    index or flags.
 *  - VRQ_DOM_IO:     the peer is a device / DMA master on coherent memory:
 *                    IO-flavoured fences (dmb osh*, fence io*).
 *  - VRQ_DOM_NONCOH: the peer does not snoop our caches: IO fences plus cache
 *                    clean after every shared write and invalidate before
 *                    every shared read.  Refused at init where the arch has
 *                    no user-space cache maintenance (VRQ_ARCH_HAS_CACHE_OPS).
 */
#ifndef VRQ_BARRIER_H
#define VRQ_BARRIER_H

#include <stddef.h>
#include <stdint.h>

#include "spec.h"
#include "arch/select.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Ordering domain of a queue, fixed at init. */
enum vrq_domain {
	VRQ_DOM_SMP = 0,
	VRQ_DOM_IO = 1,
	VRQ_DOM_NONCOH = 2,
};

/** @brief Full fence (store->load) in domain @p d. */
VRQ_ALWAYS_INLINE void vrq__mb(const enum vrq_domain d)
{
	if (d == VRQ_DOM_SMP)
		vrq_arch_smp_mb();
	else
		vrq_arch_io_mb();
}

/** @brief Make a range of shared memory written by us visible to a
 *  non-coherent peer (no-op in other domains). */
VRQ_ALWAYS_INLINE void vrq__shm_wrote(const enum vrq_domain d, const void *p, size_t len)
{
	if (d == VRQ_DOM_NONCOH)
		vrq_arch_cache_clean(p, len);
}

/** @brief Drop stale cached copies before reading a range a non-coherent
 *  peer wrote (no-op in other domains). */
VRQ_ALWAYS_INLINE void vrq__shm_will_read(const enum vrq_domain d, const void *p, size_t len)
{
	if (d == VRQ_DOM_NONCOH)
		vrq_arch_cache_inval(p, len);
}

/** @brief Relaxed 16-bit read of a field the peer may write concurrently. */
VRQ_ALWAYS_INLINE uint16_t vrq__read16(const enum vrq_domain d, const vrq_le16 *p)
{
	vrq__shm_will_read(d, p, sizeof(*p));
	return vrq_le16_to_cpu(__atomic_load_n(p, __ATOMIC_RELAXED));
}

/** @brief Relaxed 16-bit write of a field the peer may read concurrently. */
VRQ_ALWAYS_INLINE void vrq__write16(const enum vrq_domain d, vrq_le16 *p, uint16_t v)
{
	__atomic_store_n(p, vrq_cpu_to_le16(v), __ATOMIC_RELAXED);
	vrq__shm_wrote(d, p, sizeof(*p));
}

/**
 * @brief Load-acquire of a published 16-bit index: later reads of the
 *        entries it covers cannot be satisfied before it.
 */
VRQ_ALWAYS_INLINE uint16_t vrq__load_acquire16(const enum vrq_domain d, const vrq_le16 *p)
{
	uint16_t v;

	if (d == VRQ_DOM_SMP)
		return vrq_le16_to_cpu(__atomic_load_n(p, __ATOMIC_ACQUIRE));
	vrq__shm_will_read(d, p, sizeof(*p));
	v = vrq_le16_to_cpu(__atomic_load_n(p, __ATOMIC_RELAXED));
	vrq_arch_io_rmb();
	return v;
}

/**
 * @brief Store-release of a 16-bit index: every earlier write to the
 *        entries it publishes is visible to the peer before the index is.
 */
VRQ_ALWAYS_INLINE void vrq__store_release16(const enum vrq_domain d, vrq_le16 *p, uint16_t v)
{
	if (d == VRQ_DOM_SMP) {
		__atomic_store_n(p, vrq_cpu_to_le16(v), __ATOMIC_RELEASE);
		return;
	}
	vrq_arch_io_wmb();
	__atomic_store_n(p, vrq_cpu_to_le16(v), __ATOMIC_RELAXED);
	vrq__shm_wrote(d, p, sizeof(*p));
}

/** @brief Spin-wait hint. */
VRQ_INLINE void vrq_cpu_relax(void)
{
	vrq_arch_cpu_relax();
}

/** @brief Architecture cycle/tick counter (TSC, CNTVCT, rdtime or ns). */
VRQ_INLINE uint64_t vrq_cycles(void)
{
	return vrq_arch_cycles();
}

/** @brief 1 if @p d can be used on this architecture. */
VRQ_INLINE int vrq_domain_supported(enum vrq_domain d)
{
	return d == VRQ_DOM_SMP || d == VRQ_DOM_IO || (d == VRQ_DOM_NONCOH && VRQ_ARCH_HAS_CACHE_OPS);
}

/*
 * Test instrumentation (both default to nothing; never define them in
 * production code).  The ring entry points are inlines, so a test program
 * that defines these before including any vrq header gets instrumented
 * copies while the library keeps the plain ones.
 *  - VRQ_TEST_HOOK(point): runs at named interleaving points (f1_pre,
 *    f2_pre, f3_pre, f3_post, f4_pre, f4_post, and the wait loop's
 *    wait_armed / wait_block in notify.h) so a test can inject the peer's
 *    publish exactly there.
 *  - VRQ_TEST_OMIT_FENCES: bit n set replaces fence Fn by a compiler
 *    barrier: a mutation switch that proves a test catches a missing fence.
 */
#ifndef VRQ_TEST_HOOK
#define VRQ_TEST_HOOK(point) ((void)0)
#endif
#ifndef VRQ_TEST_OMIT_FENCES
#define VRQ_TEST_OMIT_FENCES 0u
#endif

/* Full fence Fn (n = 1..4) of the notification protocol. */
#define VRQ__FENCE(dom_, n_)                                                             \
	do {                                                                             \
		if ((VRQ_TEST_OMIT_FENCES) & (1u << (n_)))                               \
			__asm__ __volatile__("" ::: "memory");                           \
		else                                                                     \
			vrq__mb(dom_);                                                   \
	} while (0)

/* Dispatch helper: expands @p call once per domain with DOM a constant. */
#define VRQ__DOM_DISPATCH(dom_, call_)                                                   \
	switch (dom_) {                                                                  \
	case VRQ_DOM_IO: {                                                               \
		const enum vrq_domain DOM = VRQ_DOM_IO;                                  \
		call_;                                                                   \
	}                                                                                \
	case VRQ_DOM_NONCOH: {                                                           \
		const enum vrq_domain DOM = VRQ_DOM_NONCOH;                              \
		call_;                                                                   \
	}                                                                                \
	default: {                                                                       \
		const enum vrq_domain DOM = VRQ_DOM_SMP;                                 \
		call_;                                                                   \
	}                                                                                \
	}

#ifdef __cplusplus
}
#endif
#endif /* VRQ_BARRIER_H */
