/* SPDX-License-Identifier: MIT */
/*
 * arch/riscv64.h - RV64 (RVWMO).  SMP ordering uses fence r/w; the IO
 * flavour adds the device-I/O bits (Linux mb/rmb/wmb on riscv:
 * fence iorw,iorw / fence ir,ir / fence ow,ow; operands in iorw order).
 */
#ifndef VRQ_ARCH_RISCV64_H
#define VRQ_ARCH_RISCV64_H

#include <stddef.h>
#include <stdint.h>

#define VRQ_ARCH_NAME "riscv64"

#define vrq_arch_barrier() __asm__ __volatile__("" ::: "memory")
#define vrq_arch_smp_mb() __asm__ __volatile__("fence rw,rw" ::: "memory")
#define vrq_arch_smp_rmb() __asm__ __volatile__("fence r,r" ::: "memory")
#define vrq_arch_smp_wmb() __asm__ __volatile__("fence w,w" ::: "memory")
#define vrq_arch_io_mb() __asm__ __volatile__("fence iorw,iorw" ::: "memory")
#define vrq_arch_io_rmb() __asm__ __volatile__("fence ir,ir" ::: "memory")
#define vrq_arch_io_wmb() __asm__ __volatile__("fence ow,ow" ::: "memory")

/* Zihintpause "pause" (a FENCE hint encoding: a no-op on older cores). */
#define vrq_arch_cpu_relax() __asm__ __volatile__(".4byte 0x0100000f" ::: "memory")

#define VRQ_ARCH_HAS_CYCLES 1
/** rdtime: rdcycle is disabled for user space on recent kernels. */
static inline uint64_t vrq_arch_cycles(void)
{
	uint64_t v;
	__asm__ __volatile__("rdtime %0" : "=r"(v));
	return v;
}

#if defined(__riscv_zicbom)
/*
 * Zicbom cache-block operations (block size assumed 64 bytes, the only
 * size shipped so far; the real value comes from the device tree).
 */
#define VRQ_ARCH_HAS_CACHE_OPS 1
#define VRQ__RV_CBO(op, p, len)                                                        \
	do {                                                                           \
		uintptr_t a_ = (uintptr_t)(p) & ~(uintptr_t)63;                        \
		uintptr_t e_ = (uintptr_t)(p) + (len);                                 \
		for (; a_ < e_; a_ += 64)                                              \
			__asm__ __volatile__("cbo." op " (%0)" ::"r"(a_) : "memory"); \
		__asm__ __volatile__("fence rw,rw" ::: "memory");                     \
	} while (0)
static inline void vrq_arch_cache_clean(const void *p, size_t len)
{
	VRQ__RV_CBO("clean", p, len);
}
static inline void vrq_arch_cache_inval(const void *p, size_t len)
{
	VRQ__RV_CBO("flush", p, len);
}
static inline void vrq_arch_cache_clean_inval(const void *p, size_t len)
{
	VRQ__RV_CBO("flush", p, len);
}
#endif
/* Without Zicbom, VRQ_ARCH_HAS_CACHE_OPS stays 0 (generic.h) and queues in
 * the non-coherent domain are refused at init with VRQ_ENOTSUP. */

#endif /* VRQ_ARCH_RISCV64_H */
