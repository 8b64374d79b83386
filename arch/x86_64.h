/* SPDX-License-Identifier: MIT */
/*
 * arch/x86_64.h - x86-64 (TSO).  Loads are not reordered with older loads,
 * stores not with older stores, so acquire/release and rmb/wmb are compiler
 * barriers.  The only hardware fence the ring needs is store->load (before
 * reading the peer's event index): a locked add to the stack is cheaper than
 * mfence and orders ordinary write-back memory the same way.
 */
#ifndef VRQ_ARCH_X86_64_H
#define VRQ_ARCH_X86_64_H

#include <stddef.h>
#include <stdint.h>

#define VRQ_ARCH_NAME "x86_64"

#define vrq_arch_barrier() __asm__ __volatile__("" ::: "memory")
#define vrq_arch_smp_mb() __asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc")
#define vrq_arch_smp_rmb() vrq_arch_barrier()
#define vrq_arch_smp_wmb() vrq_arch_barrier()
/*
 * DMA-coherent device: x86 DMA snoops the caches and keeps TSO order, so
 * rmb/wmb stay compiler barriers (Linux dma_rmb/dma_wmb); a full fence uses
 * mfence, which also orders against non-temporal and WC stores.
 */
#define vrq_arch_io_mb() __asm__ __volatile__("mfence" ::: "memory")
#define vrq_arch_io_rmb() vrq_arch_barrier()
#define vrq_arch_io_wmb() vrq_arch_barrier()
/* TSO: a load is not reordered with later loads or stores, a store not with
 * earlier loads or stores, so acquire and release need no instruction. */
#define vrq_arch_io_acquire() vrq_arch_barrier()
#define vrq_arch_io_release() vrq_arch_barrier()

#define vrq_arch_cpu_relax() __asm__ __volatile__("pause" ::: "memory")

#define VRQ_ARCH_HAS_CYCLES 1
/** TSC (not serialising; callers that need ordering fence around it). */
static inline uint64_t vrq_arch_cycles(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * Cache maintenance.  User space has no invalidate-without-writeback, so
 * "invalidate" is a flush (write back + invalidate), which is safe for a
 * line the CPU has not dirtied.  clwb keeps the line valid (clean only);
 * clflushopt evicts; plain clflush is the always-present fallback.
 * Feature bits: CPUID.7.0:EBX bit 23 clflushopt, bit 24 clwb.
 */
#define VRQ_ARCH_HAS_CACHE_OPS 1
#define VRQ__X86_CLFLUSHOPT 1u
#define VRQ__X86_CLWB 2u
#define VRQ__X86_PROBED 4u
#define VRQ__X86_PRFCHW 8u

/*
 * One lazy CPUID probe, cached in one word: feature bits in the low byte,
 * the line size that CLFLUSH / CLFLUSHOPT / CLWB act on (CPUID.01H:EBX[15:8]
 * in 8-byte units: 64 on every x86-64 shipped so far, read, not assumed)
 * above it.
 */
static inline unsigned *vrq__x86_feature_word(void)
{
	static unsigned feat;
	return &feat;
}

/* The probe itself, out of line and cold: call sites keep only the load. */
__attribute__((unused, noinline, cold)) static unsigned vrq__x86_probe(void)
{
	uint32_t a = 7, b, c = 0, d, line;
	unsigned f;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	f = VRQ__X86_PROBED | ((b >> 23) & 1 ? VRQ__X86_CLFLUSHOPT : 0) |
	    ((b >> 24) & 1 ? VRQ__X86_CLWB : 0);
	a = 1;
	c = 0;
	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	line = ((b >> 8) & 0xff) * 8;
	f |= (line ? line : 64) << 8;
	/* PREFETCHW: CPUID.80000001H:ECX bit 8 (PRFCHW, "3DNowPrefetch") */
	a = 0x80000000u;
	c = 0;
	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (a >= 0x80000001u) {
		a = 0x80000001u;
		c = 0;
		__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		if ((c >> 8) & 1)
			f |= VRQ__X86_PRFCHW;
	}
	__atomic_store_n(vrq__x86_feature_word(), f, __ATOMIC_RELAXED);
	return f;
}

static inline unsigned vrq__x86_cache_features(void)
{
	unsigned f = __atomic_load_n(vrq__x86_feature_word(), __ATOMIC_RELAXED);

	return f ? f : vrq__x86_probe();
}

/**
 * Prefetch the line at @p p with intent to write (a hint, no ordering):
 * PREFETCHW where CPUID reports it (every AMD64 CPU, Intel since
 * Broadwell), a read prefetch otherwise.  The line arrives owned, so the
 * stores that follow do not wait for it one after the other.
 */
static inline void vrq_arch_prefetch_w(const void *p)
{
	if (vrq__x86_cache_features() & VRQ__X86_PRFCHW)
		__asm__ __volatile__("prefetchw %0" ::"m"(*(const char *)p));
	else
		__builtin_prefetch(p, 0, 3);
}
#define vrq_arch_prefetch_w vrq_arch_prefetch_w

/** Cache line size in bytes (see vrq__x86_cache_features()). */
static inline size_t vrq_arch_cache_line(void)
{
	return vrq__x86_cache_features() >> 8;
}

static inline void vrq__x86_cache_range(const void *p, size_t len, int clean_only)
{
	unsigned f = vrq__x86_cache_features();
	size_t line = f >> 8;
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(line - 1);
	uintptr_t end = (uintptr_t)p + len;

	if (!len)
		return;
	for (; a < end; a += line) {
		if (clean_only && (f & VRQ__X86_CLWB))
			__asm__ __volatile__("clwb %0" : "+m"(*(volatile char *)a));
		else if (f & VRQ__X86_CLFLUSHOPT)
			__asm__ __volatile__("clflushopt %0" : "+m"(*(volatile char *)a));
		else
			__asm__ __volatile__("clflush %0" : "+m"(*(volatile char *)a));
	}
	/*
	 * clwb/clflushopt are weakly ordered.  After a clean the next access
	 * that matters is a store (the index or flag that publishes the data):
	 * sfence orders the write-backs before it.  After an invalidate it is
	 * a load of the data, and sfence does not order later loads: mfence
	 * does (SDM: CLFLUSHOPT is ordered by MFENCE with younger loads).
	 */
	if (clean_only)
		__asm__ __volatile__("sfence" ::: "memory");
	else
		__asm__ __volatile__("mfence" ::: "memory");
}

static inline void vrq_arch_cache_clean(const void *p, size_t len)
{
	vrq__x86_cache_range(p, len, 1);
}
static inline void vrq_arch_cache_inval(const void *p, size_t len)
{
	vrq__x86_cache_range(p, len, 0);
}
static inline void vrq_arch_cache_clean_inval(const void *p, size_t len)
{
	vrq__x86_cache_range(p, len, 0);
}

#endif /* VRQ_ARCH_X86_64_H */
