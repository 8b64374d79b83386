/* SPDX-License-Identifier: MIT */
/*
 * arch/select.h - pick exactly one architecture backend from compiler
 * macros; the generic C11 header then fills in whatever the backend did not
 * define (urcu/arch.h style).  -DVRQ_ARCH_GENERIC=1 forces the generic
 * backend, and ThreadSanitizer builds always use it: TSan understands
 * __atomic builtins but not inline-asm fences.
 *
 * Each backend defines (macros or static inlines):
 *   vrq_arch_smp_mb/rmb/wmb()   CPU<->CPU ordering (coherent peer)
 *   vrq_arch_io_mb/rmb/wmb()    ordering against a device or DMA master
 *   vrq_arch_io_acquire()       after a load: orders it before later loads and stores
 *   vrq_arch_io_release()       before a store: orders earlier loads and stores before it
 *   vrq_arch_cache_clean/inval/clean_inval(p, len)  (non-coherent peers)
 *   VRQ_ARCH_HAS_CACHE_OPS       1 if the three above do real work
 *   vrq_arch_cache_line()       granule of a write-back (bytes; 0 = unknown)
 *   vrq_arch_cpu_relax()        spin-wait hint
 *   vrq_arch_cycles()           cheap monotonic counter (not calibrated)
 *   VRQ_ARCH_NAME               "x86_64", "aarch64", "riscv64", "generic"
 */
#ifndef VRQ_ARCH_SELECT_H
#define VRQ_ARCH_SELECT_H

#if defined(__SANITIZE_THREAD__)
#undef VRQ_ARCH_GENERIC
#define VRQ_ARCH_GENERIC 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#undef VRQ_ARCH_GENERIC
#define VRQ_ARCH_GENERIC 1
#endif
#endif

#if defined(VRQ_ARCH_GENERIC) && VRQ_ARCH_GENERIC
/* generic.h below provides everything */
#elif defined(__x86_64__)
#include "x86_64.h"
#elif defined(__aarch64__)
#include "aarch64.h"
#elif defined(__riscv) && __riscv_xlen == 64
#include "riscv64.h"
#else
#error "vrq: unknown architecture; build with -DVRQ_ARCH_GENERIC=1 to use C11 atomics"
#endif

#include "generic.h"

#endif /* VRQ_ARCH_SELECT_H */
