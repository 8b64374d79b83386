/* SPDX-License-Identifier: MIT */
/*
 * arch/aarch64.h - Armv8-A.  SMP ordering uses the inner-shareable domain
 * (dmb ish*); a device or DMA master sits in the outer-shareable domain, so
 * the IO flavour is dmb osh* (Linux dma_rmb/dma_wmb/dma_mb).
 * Acquire/release on indices come from __atomic (ldarh/stlrh).
 */
#ifndef VRQ_ARCH_AARCH64_H
#define VRQ_ARCH_AARCH64_H

#include <stddef.h>
#include <stdint.h>

#define VRQ_ARCH_NAME "aarch64"

#define vrq_arch_barrier() __asm__ __volatile__("" ::: "memory")
#define vrq_arch_smp_mb() __asm__ __volatile__("dmb ish" ::: "memory")
#define vrq_arch_smp_rmb() __asm__ __volatile__("dmb ishld" ::: "memory")
#define vrq_arch_smp_wmb() __asm__ __volatile__("dmb ishst" ::: "memory")
#define vrq_arch_io_mb() __asm__ __volatile__("dmb osh" ::: "memory")
#define vrq_arch_io_rmb() __asm__ __volatile__("dmb oshld" ::: "memory")
#define vrq_arch_io_wmb() __asm__ __volatile__("dmb oshst" ::: "memory")
/*
 * Acquire / release against a device.  An acquire orders the load before
 * every later load and store: dmb oshld does (it orders loads against both).
 * A release must order every earlier load AND store before the publishing
 * store; dmb oshst orders stores only, so an earlier load of a buffer could
 * still be in flight when the peer sees the index and overwrites it: the
 * full dmb osh is needed.
 */
#define vrq_arch_io_acquire() __asm__ __volatile__("dmb oshld" ::: "memory")
#define vrq_arch_io_release() __asm__ __volatile__("dmb osh" ::: "memory")

#define vrq_arch_cpu_relax() __asm__ __volatile__("yield" ::: "memory")
/** Prefetch for store, into L1, kept (a hint: PRFM never faults). */
#define vrq_arch_prefetch_w(p) __asm__ __volatile__("prfm pstl1keep, [%0]" ::"r"(p))

#define VRQ_ARCH_HAS_CYCLES 1
/** Virtual counter (CNTVCT_EL0, frequency in CNTFRQ_EL0); isb orders it. */
static inline uint64_t vrq_arch_cycles(void)
{
	uint64_t v;
	__asm__ __volatile__("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
	return v;
}

/*
 * Cache maintenance to the point of coherency.  The smallest D-cache line
 * is 4 << CTR_EL0.DminLine bytes.  EL0 may not use DC IVAC, so
 * "invalidate" is DC CIVAC (clean+invalidate), which is safe for lines the
 * CPU has not written.  dsb sy completes the maintenance before the caller's
 * next store to a flag.
 */
#define VRQ_ARCH_HAS_CACHE_OPS 1

static inline size_t vrq__arm64_dline(void)
{
	uint64_t ctr;
	__asm__ __volatile__("mrs %0, ctr_el0" : "=r"(ctr));
	return (size_t)4 << ((ctr >> 16) & 0xf);
}

/**
 * Granule two writers must not share: the Cache Writeback Granule
 * (CTR_EL0.CWG, 4 << CWG bytes), the most a write-back of one dirty line can
 * cover.  CWG = 0 means "not reported": the architecture then says to assume
 * the maximum, 2 KiB.  Never below the smallest D-cache line.
 */
static inline size_t vrq_arch_cache_line(void)
{
	uint64_t ctr;
	size_t cwg, dline = vrq__arm64_dline();

	__asm__ __volatile__("mrs %0, ctr_el0" : "=r"(ctr));
	cwg = (ctr >> 24) & 0xf;
	cwg = cwg ? (size_t)4 << cwg : 2048;
	return cwg > dline ? cwg : dline;
}

#define VRQ__ARM64_DC_LOOP(op, p, len)                                                \
	do {                                                                          \
		size_t line_ = vrq__arm64_dline();                                    \
		uintptr_t a_ = (uintptr_t)(p) & ~(uintptr_t)(line_ - 1);              \
		uintptr_t e_ = (uintptr_t)(p) + (len);                                \
		if (!(len))                                                           \
			break;                                                        \
		for (; a_ < e_; a_ += line_)                                          \
			__asm__ __volatile__("dc " op ", %0" ::"r"(a_) : "memory");   \
		__asm__ __volatile__("dsb sy" ::: "memory");                          \
	} while (0)

static inline void vrq_arch_cache_clean(const void *p, size_t len)
{
	VRQ__ARM64_DC_LOOP("cvac", p, len);
}
static inline void vrq_arch_cache_inval(const void *p, size_t len)
{
	VRQ__ARM64_DC_LOOP("civac", p, len);
}
static inline void vrq_arch_cache_clean_inval(const void *p, size_t len)
{
	VRQ__ARM64_DC_LOOP("civac", p, len);
}

#endif /* VRQ_ARCH_AARCH64_H */
