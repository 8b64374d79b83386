/* SPDX-License-Identifier: MIT */
/*
 * core/cache.c - the one piece of cache-maintenance state that cannot be
 * read from the hardware: the riscv64 Zicbom block size.
 */
#include "vrq/cache.h"

#if defined(__riscv_zicbom) && !(defined(VRQ_ARCH_GENERIC) && VRQ_ARCH_GENERIC)
size_t vrq_riscv_cbom_block;

int vrq_cache_set_block_size(size_t bytes)
{
	if (bytes < 16 || bytes > 4096 || (bytes & (bytes - 1)))
		return -VRQ_EINVAL;
	__atomic_store_n(&vrq_riscv_cbom_block, bytes, __ATOMIC_RELAXED);
	return 0;
}
#else
int vrq_cache_set_block_size(size_t bytes)
{
	if (bytes < 16 || bytes > 4096 || (bytes & (bytes - 1)))
		return -VRQ_EINVAL;
	return -VRQ_ENOTSUP;
}
#endif
