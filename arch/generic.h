/* SPDX-License-Identifier: MIT */
/*
 * arch/generic.h - C11/__atomic fallbacks.  Included last by select.h; each
 * definition is guarded so an architecture header can override it.
 */
#ifndef VRQ_ARCH_GENERIC_H
#define VRQ_ARCH_GENERIC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifndef VRQ_ARCH_NAME
#define VRQ_ARCH_NAME "generic"
#endif

#ifndef vrq_arch_barrier
/** Compiler-only barrier. */
#define vrq_arch_barrier() __asm__ __volatile__("" ::: "memory")
#endif

#ifndef vrq_arch_smp_mb
#define vrq_arch_smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#ifndef vrq_arch_smp_rmb
#define vrq_arch_smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif
#ifndef vrq_arch_smp_wmb
#define vrq_arch_smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
/* Without architecture knowledge the strongest C11 fence is all we have. */
#ifndef vrq_arch_io_mb
#define vrq_arch_io_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#ifndef vrq_arch_io_rmb
#define vrq_arch_io_rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#ifndef vrq_arch_io_wmb
#define vrq_arch_io_wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
/* Acquire after a load, release before a store, ordered against a device. */
#ifndef vrq_arch_io_acquire
#define vrq_arch_io_acquire() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#ifndef vrq_arch_io_release
#define vrq_arch_io_release() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#ifndef VRQ_ARCH_HAS_CACHE_OPS
#define VRQ_ARCH_HAS_CACHE_OPS 0
static inline void vrq_arch_cache_clean(const void *p, size_t len)
{
	(void)p;
	(void)len;
}
static inline void vrq_arch_cache_inval(const void *p, size_t len)
{
	(void)p;
	(void)len;
}
static inline void vrq_arch_cache_clean_inval(const void *p, size_t len)
{
	(void)p;
	(void)len;
}
/** No cache maintenance: no granule either. */
static inline size_t vrq_arch_cache_line(void)
{
	return 0;
}
#endif

#ifndef vrq_arch_cpu_relax
#define vrq_arch_cpu_relax() vrq_arch_barrier()
#endif

#ifndef vrq_arch_prefetch_w
/** Prefetch the line at @p p for writing: a hint (the compiler's, which
 *  emits nothing where the target has no prefetch instruction). */
#define vrq_arch_prefetch_w(p) __builtin_prefetch((p), 1, 3)
#endif

#ifndef VRQ_ARCH_HAS_CYCLES
/**
 * Nanoseconds: CLOCK_MONOTONIC where POSIX is visible, else C11
 * timespec_get() (strict -std=c11 hides clock_gettime).
 */
static inline uint64_t vrq_arch_cycles(void)
{
	struct timespec ts;
#ifdef CLOCK_MONOTONIC
	clock_gettime(CLOCK_MONOTONIC, &ts);
#else
	timespec_get(&ts, TIME_UTC);
#endif
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

#endif /* VRQ_ARCH_GENERIC_H */
