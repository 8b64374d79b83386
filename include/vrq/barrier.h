/* SPDX-License-Identifier: MIT */
/**
 * @file barrier.h
 * @brief Ordering domains and the shared-memory access helpers the rings
 *        use.  Every helper takes the domain as a compile-time constant on the
 *        hot path (the ring entry points dispatch once on the queue's domain,
 *        DPDK style, or are fixed to one: the vrq_*_smp() forms), so the
 *        branches below fold away.
 *
 * Domains:
 *  - VRQ_DOM_SMP:    the peer is another CPU in the same coherent domain.
 *                    Indices use C11 acquire/release; the one full fence is
 *                    the store->load fence before reading the peer's event
 *                    index or flags.
 *  - VRQ_DOM_IO:     the peer is a device / DMA master on coherent memory:
 *                    IO-flavoured fences (dmb osh*, fence io*).
 *  - VRQ_DOM_NONCOH: the peer does not snoop our caches and the ring memory
 *                    is mapped cacheable on both sides: IO fences plus cache
 *                    clean after every shared write and invalidate before
 *                    every shared read.  Sound only when no cache line holds
 *                    bytes written by both sides: the split ring (each area
 *                    has one writer, and init refuses areas that are not
 *                    aligned to vrq_cache_line_size()).  The packed ring
 *                    refuses it (see packed.h).  Refused at init where the
 *                    arch has no user-space cache maintenance or the
 *                    granule is unknown.  Buffers are maintained separately
 *                    (vrq/cache.h).
 *
 * A peer that does not snoop but shares an uncached mapping of the ring
 * (what Linux's dma_alloc_coherent() gives on a non-coherent system) needs
 * no maintenance on the ring: use VRQ_DOM_IO there, and vrq/cache.h for
 * buffers in cacheable memory.
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

/*
 * Cache maintenance for VRQ_DOM_NONCOH.  Every call site is tagged
 * (VRQ__SITE) so that a test build can route it to a cache simulator
 * (tests/noncoh/cachesim.c, built with VRQ_TEST_CACHE_SIM) that gives each
 * side a private cached view of the shared memory, and switch any single
 * site off to prove it is needed.  In normal builds the tag is a constant 0
 * that the always-inline helpers drop.
 */
#ifdef VRQ_TEST_CACHE_SIM
#define VRQ__STR2(x) #x
#define VRQ__STR(x) VRQ__STR2(x)
#define VRQ__SITE (__FILE__ ":" VRQ__STR(__LINE__))
typedef const char *vrq__site_t;
/** @brief Test hook (cache simulator builds only): clean [p, p+len). */
void vrq_test_cache_clean(const void *p, size_t len, vrq__site_t site);
/** @brief Test hook (cache simulator builds only): invalidate [p, p+len). */
void vrq_test_cache_inval(const void *p, size_t len, vrq__site_t site);
/** @brief Test hook (cache simulator builds only): the simulated line size. */
size_t vrq_test_cache_line(void);
#define vrq__cache_clean(p, len, site) vrq_test_cache_clean(p, len, site)
#define vrq__cache_inval(p, len, site) vrq_test_cache_inval(p, len, site)
#define vrq__cache_line() vrq_test_cache_line()
#define VRQ__HAS_CACHE_OPS 1
#else
#define VRQ__SITE 0
typedef int vrq__site_t;
#define vrq__cache_clean(p, len, site) ((void)(site), vrq_arch_cache_clean(p, len))
#define vrq__cache_inval(p, len, site) ((void)(site), vrq_arch_cache_inval(p, len))
#define vrq__cache_line() vrq_arch_cache_line()
#define VRQ__HAS_CACHE_OPS VRQ_ARCH_HAS_CACHE_OPS
#endif

/** @brief Make a range of shared memory written by us visible to a
 *  non-coherent peer (no-op in other domains). */
VRQ_ALWAYS_INLINE void vrq__shm_wrote_at(const enum vrq_domain d, const void *p, size_t len,
					 vrq__site_t site)
{
	if (d == VRQ_DOM_NONCOH)
		vrq__cache_clean(p, len, site);
	(void)site;
}
#define vrq__shm_wrote(d, p, len) vrq__shm_wrote_at(d, p, len, VRQ__SITE)

/** @brief Drop stale cached copies before reading a range a non-coherent
 *  peer wrote (no-op in other domains). */
VRQ_ALWAYS_INLINE void vrq__shm_will_read_at(const enum vrq_domain d, const void *p, size_t len,
					     vrq__site_t site)
{
	if (d == VRQ_DOM_NONCOH)
		vrq__cache_inval(p, len, site);
	(void)site;
}
#define vrq__shm_will_read(d, p, len) vrq__shm_will_read_at(d, p, len, VRQ__SITE)

/** @brief Relaxed 16-bit read of a field the peer may write concurrently. */
VRQ_ALWAYS_INLINE uint16_t vrq__read16_at(const enum vrq_domain d, const vrq_le16 *p,
					  vrq__site_t site)
{
	vrq__shm_will_read_at(d, p, sizeof(*p), site);
	return vrq_le16_to_cpu(__atomic_load_n(p, __ATOMIC_RELAXED));
}
#define vrq__read16(d, p) vrq__read16_at(d, p, VRQ__SITE)

/** @brief Relaxed 16-bit write of a field the peer may read concurrently. */
VRQ_ALWAYS_INLINE void vrq__write16_at(const enum vrq_domain d, vrq_le16 *p, uint16_t v,
				       vrq__site_t site)
{
	__atomic_store_n(p, vrq_cpu_to_le16(v), __ATOMIC_RELAXED);
	vrq__shm_wrote_at(d, p, sizeof(*p), site);
}
#define vrq__write16(d, p, v) vrq__write16_at(d, p, v, VRQ__SITE)

/**
 * @brief Load-acquire of a published 16-bit index: later reads (and writes)
 *        of the entries it covers cannot be performed before it.
 *        SMP: C11 acquire.  IO / NONCOH: relaxed load then
 *        vrq_arch_io_acquire() (dmb oshld, fence ir,iorw).
 */
VRQ_ALWAYS_INLINE uint16_t vrq__load_acquire16_at(const enum vrq_domain d, const vrq_le16 *p,
						  vrq__site_t site)
{
	uint16_t v;

	if (d == VRQ_DOM_SMP)
		return vrq_le16_to_cpu(__atomic_load_n(p, __ATOMIC_ACQUIRE));
	vrq__shm_will_read_at(d, p, sizeof(*p), site);
	v = vrq_le16_to_cpu(__atomic_load_n(p, __ATOMIC_RELAXED));
	vrq_arch_io_acquire();
	return v;
}
#define vrq__load_acquire16(d, p) vrq__load_acquire16_at(d, p, VRQ__SITE)

/**
 * @brief Store-release of a 16-bit index: every earlier write to the
 *        entries it publishes, and every earlier read of the buffers it
 *        hands back, is complete before the peer can see the index.
 *        SMP: C11 release.  IO / NONCOH: vrq_arch_io_release() (dmb osh,
 *        fence iorw,ow: a store->store barrier is not enough, an earlier
 *        load must not pass it either) then a relaxed store.
 */
VRQ_ALWAYS_INLINE void vrq__store_release16_at(const enum vrq_domain d, vrq_le16 *p, uint16_t v,
					       vrq__site_t site)
{
	if (d == VRQ_DOM_SMP) {
		__atomic_store_n(p, vrq_cpu_to_le16(v), __ATOMIC_RELEASE);
		return;
	}
	vrq_arch_io_release();
	__atomic_store_n(p, vrq_cpu_to_le16(v), __ATOMIC_RELAXED);
	vrq__shm_wrote_at(d, p, sizeof(*p), site);
}
#define vrq__store_release16(d, p, v) vrq__store_release16_at(d, p, v, VRQ__SITE)

/**
 * @brief Granule (bytes) that two writers of shared memory must not share
 *        in the non-coherent domain: the cache line or write-back granule
 *        (x86 CPUID line size, arm64 CTR_EL0.CWG, riscv64 the configured
 *        Zicbom block size).  0 where there is no cache maintenance or the
 *        size is unknown.
 */
VRQ_INLINE size_t vrq_cache_line_size(void)
{
	return VRQ__HAS_CACHE_OPS ? vrq__cache_line() : 0;
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

/**
 * @brief 1 if @p d can be used on this architecture: NONCOH needs cache
 *        maintenance instructions and a known granule (vrq_cache_line_size()).
 */
VRQ_INLINE int vrq_domain_supported(enum vrq_domain d)
{
	return d == VRQ_DOM_SMP || d == VRQ_DOM_IO ||
	       (d == VRQ_DOM_NONCOH && vrq_cache_line_size() != 0);
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

/*
 * VRQ_TEST_FENCE_HOOK(n, full): runs at every fence Fn of the notification
 * protocol that is executed, full = 1 for a full fence, 0 for the compiler
 * barrier of an asymmetric pair (VRQ_CFG_*_ASYM_FENCE), so a test can
 * count what a publish costs.  Nothing by default.
 */
#ifndef VRQ_TEST_FENCE_HOOK
#define VRQ_TEST_FENCE_HOOK(n, full) ((void)0)
#endif

/* Full fence Fn (n = 1..4) of the notification protocol. */
#define VRQ__FENCE(dom_, n_)                                                             \
	do {                                                                             \
		if ((VRQ_TEST_OMIT_FENCES) & (1u << (n_))) {                             \
			__asm__ __volatile__("" ::: "memory");                           \
		} else {                                                                 \
			VRQ_TEST_FENCE_HOOK(n_, 1);                                      \
			vrq__mb(dom_);                                                   \
		}                                                                        \
	} while (0)

/* Fn (n = 1, 2) of an asymmetric pair: a compiler barrier only, the
 * sleeper's heavy barrier stands for the hardware fence (types.h). */
#define VRQ__LIGHT_FENCE(n_)                                                             \
	do {                                                                             \
		VRQ_TEST_FENCE_HOOK(n_, 0);                                              \
		__atomic_signal_fence(__ATOMIC_SEQ_CST);                                 \
	} while (0)

/* The sleeper's heavy barrier after F3 / F4 (VRQ_CFG_*_ASYM_FENCE): 0 or
 * < 0.  Bit 5 of VRQ_TEST_OMIT_FENCES leaves it out (mutation test). */
#define VRQ__HEAVY_BARRIER(fn_) ((VRQ_TEST_OMIT_FENCES) & (1u << 5) ? 0 : (fn_)())

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

/*
 * Fixed-domain entry points (vrq_*_smp()): the body is specialised for one
 * domain only, so a call site carries one copy instead of the three
 * VRQ__DOM_DISPATCH expands to.  A queue configured for another domain is
 * refused, never run with the wrong barriers: @p refuse_ runs (return
 * -VRQ_EINVAL, or the answer that never sleeps through work) and the queue
 * stops with -VRQ_EINVAL (vrq_*_broken()), so a misuse in a void call is
 * seen at the next call.  One load and a predictable branch.
 */
#define VRQ__DOM_FIXED(q_, dom_, refuse_)                                                \
	do {                                                                             \
		if (VRQ_UNLIKELY((q_)->dom != (dom_))) {                                 \
			if (!(q_)->broken)                                               \
				(q_)->broken = -VRQ_EINVAL;                              \
			refuse_;                                                         \
		}                                                                        \
	} while (0)
/* The same for the peeks, which take a const queue: nothing is stopped. */
#define VRQ__DOM_FIXED_PEEK(q_, dom_, refuse_)                                           \
	do {                                                                             \
		if (VRQ_UNLIKELY((q_)->dom != (dom_)))                                   \
			refuse_;                                                         \
	} while (0)

#ifdef __cplusplus
}
#endif
#endif /* VRQ_BARRIER_H */
