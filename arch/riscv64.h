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
/*
 * Acquire / release against a device (Linux __io_ar / __io_bw shape):
 * acquire orders the load (memory or device input) before everything after
 * it, release orders every earlier access before the publishing store.
 * fence ow,ow alone would let an earlier load pass the release.
 */
#define vrq_arch_io_acquire() __asm__ __volatile__("fence ir,iorw" ::: "memory")
#define vrq_arch_io_release() __asm__ __volatile__("fence iorw,ow" ::: "memory")

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
 * Zicbom cache-block operations.  The block size is a property of the
 * implementation that user space cannot read from an instruction (the
 * kernel has it from the device tree: riscv,cbom-block-size, or
 * riscv_hwprobe's ZICBOM_BLOCK_SIZE key).  The application passes it with
 * vrq_cache_set_block_size(); until then vrq_arch_cache_line() is 0 and
 * the non-coherent domain is refused with -VRQ_ENOTSUP, never guessed.
 */
#define VRQ_ARCH_HAS_CACHE_OPS 1
extern size_t vrq_riscv_cbom_block; /* core/cache.c */
static inline size_t vrq_arch_cache_line(void)
{
	return __atomic_load_n(&vrq_riscv_cbom_block, __ATOMIC_RELAXED);
}
#define VRQ__RV_CBO(op, p, len)                                                        \
	do {                                                                           \
		size_t b_ = vrq_arch_cache_line();                                     \
		uintptr_t a_, e_ = (uintptr_t)(p) + (len);                             \
		if (!b_ || !(len))                                                     \
			break;                                                         \
		for (a_ = (uintptr_t)(p) & ~(uintptr_t)(b_ - 1); a_ < e_; a_ += b_)    \
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
