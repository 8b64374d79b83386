/* SPDX-License-Identifier: MIT */
/*
 * tests/asm/size_site.c - one call site of one hot entry point per
 * compilation: check.sh builds this file once per SITE_<name> (-c -O2) and
 * measures the code the object holds (.text plus gcc's .text.unlikely
 * split-off cold parts, and any out-of-line copy gcc made of the inline),
 * i.e. what one call of that entry point costs a caller.  Each entry point
 * is measured in its run-time-dispatch form and its fixed-domain (_smp)
 * form; check.sh holds the budgets for the fixed-domain ones.
 */
#include "vrq/vrq.h"

#define SITE(name, ret, params, call)                                                     \
	ret site_##name params;                                                           \
	ret site_##name params                                                            \
	{                                                                                 \
		return call;                                                              \
	}

#define DRV_ADD_P (struct vrq_vq_drv * q, const struct vrq_sg *sg, void *t)
#define GET_P (struct vrq_vq_drv * q, void **t, uint32_t *l)
#define BATCH_P (struct vrq_vq_drv * q, const struct vrq_buf *b, unsigned n)
#define GETB_P (struct vrq_vq_drv * q, void **t, unsigned n)
#define POP_P (struct vrq_vq_dev * q, struct vrq_chain *c)
#define PUSH_P (struct vrq_vq_dev * q, uint16_t h, uint32_t l)

#if defined(SITE_vq_drv_add)
SITE(vq_drv_add, int, DRV_ADD_P, vrq_vq_drv_add(q, sg, 1, 1, t))
#elif defined(SITE_vq_drv_add_smp)
SITE(vq_drv_add_smp, int, DRV_ADD_P, vrq_vq_drv_add_smp(q, sg, 1, 1, t))
#elif defined(SITE_vq_drv_add_batch)
SITE(vq_drv_add_batch, int, BATCH_P, vrq_vq_drv_add_batch(q, b, n))
#elif defined(SITE_vq_drv_add_batch_smp)
SITE(vq_drv_add_batch_smp, int, BATCH_P, vrq_vq_drv_add_batch_smp(q, b, n))
#elif defined(SITE_vq_drv_kick_prepare)
SITE(vq_drv_kick_prepare, bool, (struct vrq_vq_drv * q), vrq_vq_drv_kick_prepare(q))
#elif defined(SITE_vq_drv_kick_prepare_smp)
SITE(vq_drv_kick_prepare_smp, bool, (struct vrq_vq_drv * q), vrq_vq_drv_kick_prepare_smp(q))
#elif defined(SITE_vq_drv_get_used)
SITE(vq_drv_get_used, int, GET_P, vrq_vq_drv_get_used(q, t, l))
#elif defined(SITE_vq_drv_get_used_smp)
SITE(vq_drv_get_used_smp, int, GET_P, vrq_vq_drv_get_used_smp(q, t, l))
#elif defined(SITE_vq_drv_get_used_batch)
SITE(vq_drv_get_used_batch, int, GETB_P, vrq_vq_drv_get_used_batch(q, t, NULL, n))
#elif defined(SITE_vq_drv_get_used_batch_smp)
SITE(vq_drv_get_used_batch_smp, int, GETB_P, vrq_vq_drv_get_used_batch_smp(q, t, NULL, n))
#elif defined(SITE_vq_dev_pop)
SITE(vq_dev_pop, int, POP_P, vrq_vq_dev_pop(q, c))
#elif defined(SITE_vq_dev_pop_smp)
SITE(vq_dev_pop_smp, int, POP_P, vrq_vq_dev_pop_smp(q, c))
#elif defined(SITE_vq_dev_push)
SITE(vq_dev_push, int, PUSH_P, vrq_vq_dev_push(q, h, l))
#elif defined(SITE_vq_dev_push_smp)
SITE(vq_dev_push_smp, int, PUSH_P, vrq_vq_dev_push_smp(q, h, l))
#elif defined(SITE_vq_dev_notify_prepare)
SITE(vq_dev_notify_prepare, bool, (struct vrq_vq_dev * q), vrq_vq_dev_notify_prepare(q))
#elif defined(SITE_vq_dev_notify_prepare_smp)
SITE(vq_dev_notify_prepare_smp, bool, (struct vrq_vq_dev * q), vrq_vq_dev_notify_prepare_smp(q))
#elif defined(SITE_split_dev_pop)
SITE(split_dev_pop, int, (struct vrq_split_dev * q, struct vrq_chain *c), vrq_split_dev_pop(q, c))
#elif defined(SITE_split_dev_pop_smp)
SITE(split_dev_pop_smp, int, (struct vrq_split_dev * q, struct vrq_chain *c),
     vrq_split_dev_pop_smp(q, c))
#elif defined(SITE_packed_dev_pop)
SITE(packed_dev_pop, int, (struct vrq_packed_dev * q, struct vrq_chain *c),
     vrq_packed_dev_pop(q, c))
#elif defined(SITE_packed_dev_pop_smp)
SITE(packed_dev_pop_smp, int, (struct vrq_packed_dev * q, struct vrq_chain *c),
     vrq_packed_dev_pop_smp(q, c))
#elif defined(SITE_packed_drv_get_used)
SITE(packed_drv_get_used, int, (struct vrq_packed_drv * q, void **t, uint32_t *l),
     vrq_packed_drv_get_used(q, t, l))
#elif defined(SITE_packed_drv_get_used_smp)
SITE(packed_drv_get_used_smp, int, (struct vrq_packed_drv * q, void **t, uint32_t *l),
     vrq_packed_drv_get_used_smp(q, t, l))
#else
#error "define one SITE_<name>"
#endif
