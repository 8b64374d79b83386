/* SPDX-License-Identifier: MIT */
/*
 * tests/asm/asm_hot.c - hot-path functions in isolation, compiled with -S
 * by check.sh so the emitted fences can be checked per architecture:
 * the publish (R1/R2) must be a plain store on x86 and a store-release on
 * arm64, and the kick decision (F1) must carry exactly one full fence.
 */
#include "vrq/vrq.h"

void asm_drv_publish(struct vrq_split_drv *q);
void asm_drv_publish(struct vrq_split_drv *q)
{
	/* the SMP specialisation: what the dispatch picks for VRQ_DOM_SMP */
	vrq__split_drv_publish(q, VRQ_DOM_SMP);
}

int asm_dev_pop_acquire(struct vrq_split_dev *q);
int asm_dev_pop_acquire(struct vrq_split_dev *q)
{
	/* A1 alone: the acquire load of avail->idx */
	return vrq__load_acquire16(VRQ_DOM_SMP, &q->avail->idx);
}

void asm_store_release_smp(vrq_le16 *p, uint16_t v);
void asm_store_release_smp(vrq_le16 *p, uint16_t v)
{
	vrq__store_release16(VRQ_DOM_SMP, p, v);
}

void asm_store_release_io(vrq_le16 *p, uint16_t v);
void asm_store_release_io(vrq_le16 *p, uint16_t v)
{
	vrq__store_release16(VRQ_DOM_IO, p, v);
}

uint16_t asm_load_acquire_io(const vrq_le16 *p);
uint16_t asm_load_acquire_io(const vrq_le16 *p)
{
	return vrq__load_acquire16(VRQ_DOM_IO, p);
}

/* NONCOH read of a peer-written field: invalidate, then a full fence so the
 * load cannot be satisfied before the invalidate completes (x86: mfence,
 * not sfence) */
uint16_t asm_read_noncoh(const vrq_le16 *p);
uint16_t asm_read_noncoh(const vrq_le16 *p)
{
	return vrq__read16(VRQ_DOM_NONCOH, p);
}

void asm_full_fence_smp(void);
void asm_full_fence_smp(void)
{
	vrq__mb(VRQ_DOM_SMP);
}

/* NONCOH availability: on riscv64 it depends on the configured Zicbom block
 * size (vrq_cache_set_block_size()), never on a built-in guess */
int asm_noncoh_supported(void);
int asm_noncoh_supported(void)
{
	return vrq_domain_supported(VRQ_DOM_NONCOH);
}
