/* SPDX-License-Identifier: MIT */
/*
 * core/ffi.c - out-of-line copies of the public inline functions, for FFI
 * users (Rust bindgen, Python cffi, ...) that cannot compile C inlines.
 * Each is the inline itself, under the vrq_ffi_ prefix.
 */
#include "vrq/vrq.h"

#define VRQ_FFI(ret, name, params, args)                                                         \
	ret vrq_ffi_##name params;                                                               \
	ret vrq_ffi_##name params                                                                \
	{                                                                                        \
		return vrq_##name args;                                                          \
	}

VRQ_FFI(int, need_event, (uint16_t e, uint16_t n, uint16_t o), (e, n, o))
VRQ_FFI(void *, mem_da_to_va, (const struct vrq_mem *m, uint64_t da, uint64_t len), (m, da, len))
VRQ_FFI(void *, mem_da_to_va_hint,
	(const struct vrq_mem *m, uint64_t da, uint64_t len, const struct vrq_mem_region **h),
	(m, da, len, h))
VRQ_FFI(int, mem_va_to_da, (const struct vrq_mem *m, const void *va, uint64_t len, uint64_t *da),
	(m, va, len, da))
VRQ_FFI(int, mem_ref,
	(const struct vrq_mem *m, uint32_t id, uint64_t off, uint64_t len, void **va,
	 uint64_t *da),
	(m, id, off, len, va, da))
VRQ_FFI(const struct vrq_mem_region *, mem_find_da,
	(const struct vrq_mem *m, uint64_t da, uint64_t len), (m, da, len))
VRQ_FFI(void, chain_init, (struct vrq_chain * c, struct vrq_seg *s, uint16_t cap), (c, s, cap))
VRQ_FFI(const struct vrq_seg *, chain_next, (struct vrq_chain * c), (c))
VRQ_FFI(int, split_drv_add,
	(struct vrq_split_drv * q, const struct vrq_sg *sg, unsigned o, unsigned i, void *t),
	(q, sg, o, i, t))
VRQ_FFI(int, split_drv_add_indirect,
	(struct vrq_split_drv * q, const struct vrq_sg *sg, unsigned o, unsigned i, void *t,
	 struct vrq_split_desc *tbl, uint64_t da),
	(q, sg, o, i, t, tbl, da))
VRQ_FFI(int, split_drv_add_batch, (struct vrq_split_drv * q, const struct vrq_buf *b, unsigned n),
	(q, b, n))
VRQ_FFI(void, split_drv_publish, (struct vrq_split_drv * q), (q))
VRQ_FFI(bool, split_drv_need_kick, (struct vrq_split_drv * q), (q))
VRQ_FFI(bool, split_drv_kick_prepare, (struct vrq_split_drv * q), (q))
VRQ_FFI(uint32_t, split_drv_notification_data, (const struct vrq_split_drv *q, uint16_t vqn),
	(q, vqn))
VRQ_FFI(int, split_drv_get_used, (struct vrq_split_drv * q, void **t, uint32_t *len), (q, t, len))
VRQ_FFI(int, split_drv_get_used_batch,
	(struct vrq_split_drv * q, void **t, uint32_t *lens, unsigned max), (q, t, lens, max))
VRQ_FFI(bool, split_drv_enable_cb, (struct vrq_split_drv * q), (q))
VRQ_FFI(bool, split_drv_has_used, (const struct vrq_split_drv *q), (q))
VRQ_FFI(bool, split_dev_has_avail, (const struct vrq_split_dev *q), (q))
VRQ_FFI(void, split_drv_disable_cb, (struct vrq_split_drv * q), (q))
VRQ_FFI(int, split_drv_broken, (const struct vrq_split_drv *q), (q))
VRQ_FFI(unsigned, split_drv_num_free, (const struct vrq_split_drv *q), (q))
VRQ_FFI(int, split_dev_pop, (struct vrq_split_dev * q, struct vrq_chain *c), (q, c))
VRQ_FFI(int, split_dev_push, (struct vrq_split_dev * q, uint16_t head, uint32_t len),
	(q, head, len))
VRQ_FFI(void, split_dev_publish, (struct vrq_split_dev * q), (q))
VRQ_FFI(bool, split_dev_need_notify, (struct vrq_split_dev * q), (q))
VRQ_FFI(bool, split_dev_notify_prepare, (struct vrq_split_dev * q), (q))
VRQ_FFI(bool, split_dev_enable_kick, (struct vrq_split_dev * q), (q))
VRQ_FFI(void, split_dev_disable_kick, (struct vrq_split_dev * q), (q))
VRQ_FFI(int, split_dev_broken, (const struct vrq_split_dev *q), (q))

/* packed ring */
VRQ_FFI(int, packed_drv_add,
	(struct vrq_packed_drv * q, const struct vrq_sg *sg, unsigned o, unsigned i, void *t),
	(q, sg, o, i, t))
VRQ_FFI(int, packed_drv_add_indirect,
	(struct vrq_packed_drv * q, const struct vrq_sg *sg, unsigned o, unsigned i, void *t,
	 struct vrq_packed_desc *tbl, uint64_t da),
	(q, sg, o, i, t, tbl, da))
VRQ_FFI(int, packed_drv_add_batch,
	(struct vrq_packed_drv * q, const struct vrq_buf *b, unsigned n), (q, b, n))
VRQ_FFI(void, packed_drv_publish, (struct vrq_packed_drv * q), (q))
VRQ_FFI(bool, packed_drv_need_kick, (struct vrq_packed_drv * q), (q))
VRQ_FFI(bool, packed_drv_kick_prepare, (struct vrq_packed_drv * q), (q))
VRQ_FFI(uint32_t, packed_drv_notification_data, (const struct vrq_packed_drv *q, uint16_t vqn),
	(q, vqn))
VRQ_FFI(int, packed_drv_get_used, (struct vrq_packed_drv * q, void **t, uint32_t *len),
	(q, t, len))
VRQ_FFI(int, packed_drv_get_used_batch,
	(struct vrq_packed_drv * q, void **t, uint32_t *lens, unsigned max), (q, t, lens, max))
VRQ_FFI(bool, packed_drv_enable_cb, (struct vrq_packed_drv * q), (q))
VRQ_FFI(bool, packed_drv_has_used, (const struct vrq_packed_drv *q), (q))
VRQ_FFI(bool, packed_dev_has_avail, (const struct vrq_packed_dev *q), (q))
VRQ_FFI(void, packed_drv_disable_cb, (struct vrq_packed_drv * q), (q))
VRQ_FFI(int, packed_drv_broken, (const struct vrq_packed_drv *q), (q))
VRQ_FFI(unsigned, packed_drv_num_free, (const struct vrq_packed_drv *q), (q))
VRQ_FFI(int, packed_dev_pop, (struct vrq_packed_dev * q, struct vrq_chain *c), (q, c))
VRQ_FFI(int, packed_dev_push, (struct vrq_packed_dev * q, uint16_t id, uint32_t len),
	(q, id, len))
VRQ_FFI(void, packed_dev_publish, (struct vrq_packed_dev * q), (q))
VRQ_FFI(bool, packed_dev_need_notify, (struct vrq_packed_dev * q), (q))
VRQ_FFI(bool, packed_dev_notify_prepare, (struct vrq_packed_dev * q), (q))
VRQ_FFI(bool, packed_dev_enable_kick, (struct vrq_packed_dev * q), (q))
VRQ_FFI(void, packed_dev_disable_kick, (struct vrq_packed_dev * q), (q))
VRQ_FFI(int, packed_dev_broken, (const struct vrq_packed_dev *q), (q))

/* ring-agnostic handle */
VRQ_FFI(int, vq_drv_add,
	(struct vrq_vq_drv * q, const struct vrq_sg *sg, unsigned o, unsigned i, void *t),
	(q, sg, o, i, t))
VRQ_FFI(int, vq_drv_add_indirect,
	(struct vrq_vq_drv * q, const struct vrq_sg *sg, unsigned o, unsigned i, void *t, void *tbl,
	 uint64_t da),
	(q, sg, o, i, t, tbl, da))
VRQ_FFI(struct vrq_vq_areas, vq_split_areas, (void *mem, const struct vrq_split_layout *l),
	(mem, l))
VRQ_FFI(struct vrq_vq_areas, vq_packed_areas, (void *mem, const struct vrq_packed_layout *l),
	(mem, l))
VRQ_FFI(int, vq_drv_add_batch, (struct vrq_vq_drv * q, const struct vrq_buf *b, unsigned n),
	(q, b, n))
VRQ_FFI(void, vq_drv_publish, (struct vrq_vq_drv * q), (q))
VRQ_FFI(bool, vq_drv_need_kick, (struct vrq_vq_drv * q), (q))
VRQ_FFI(bool, vq_drv_kick_prepare, (struct vrq_vq_drv * q), (q))
VRQ_FFI(uint32_t, vq_drv_notification_data, (const struct vrq_vq_drv *q, uint16_t vqn), (q, vqn))
VRQ_FFI(int, vq_drv_get_used, (struct vrq_vq_drv * q, void **t, uint32_t *len), (q, t, len))
VRQ_FFI(int, vq_drv_get_used_batch,
	(struct vrq_vq_drv * q, void **t, uint32_t *lens, unsigned max), (q, t, lens, max))
VRQ_FFI(bool, vq_drv_enable_cb, (struct vrq_vq_drv * q), (q))
VRQ_FFI(bool, vq_drv_has_used, (const struct vrq_vq_drv *q), (q))
VRQ_FFI(bool, vq_dev_has_avail, (const struct vrq_vq_dev *q), (q))
VRQ_FFI(void, vq_drv_disable_cb, (struct vrq_vq_drv * q), (q))
VRQ_FFI(unsigned, vq_drv_num_free, (const struct vrq_vq_drv *q), (q))
VRQ_FFI(int, vq_drv_broken, (const struct vrq_vq_drv *q), (q))
VRQ_FFI(const struct vrq_drv_stats *, vq_drv_stats, (const struct vrq_vq_drv *q), (q))
VRQ_FFI(int, vq_dev_pop, (struct vrq_vq_dev * q, struct vrq_chain *c), (q, c))
VRQ_FFI(int, vq_dev_push, (struct vrq_vq_dev * q, uint16_t head, uint32_t len), (q, head, len))
VRQ_FFI(void, vq_dev_publish, (struct vrq_vq_dev * q), (q))
VRQ_FFI(bool, vq_dev_need_notify, (struct vrq_vq_dev * q), (q))
VRQ_FFI(bool, vq_dev_notify_prepare, (struct vrq_vq_dev * q), (q))
VRQ_FFI(bool, vq_dev_enable_kick, (struct vrq_vq_dev * q), (q))
VRQ_FFI(void, vq_dev_disable_kick, (struct vrq_vq_dev * q), (q))
VRQ_FFI(int, vq_dev_broken, (const struct vrq_vq_dev *q), (q))
VRQ_FFI(const struct vrq_dev_stats *, vq_dev_stats, (const struct vrq_vq_dev *q), (q))
VRQ_FFI(void, chain_sync_for_cpu, (const struct vrq_chain *c), (c))
VRQ_FFI(void, chain_sync_for_device, (const struct vrq_chain *c, uint32_t written), (c, written))
VRQ_FFI(int, sg_sync_for_device,
	(const struct vrq_mem *m, const struct vrq_sg *sg, unsigned n_out, unsigned n_in),
	(m, sg, n_out, n_in))
VRQ_FFI(int, sg_sync_for_cpu,
	(const struct vrq_mem *m, const struct vrq_sg *sg, unsigned n_out, unsigned n_in,
	 uint32_t used_len),
	(m, sg, n_out, n_in, used_len))
VRQ_FFI(size_t, cache_line_size, (void), ())

/* fixed-domain (VRQ_DOM_SMP) entry points; the polling promises */
VRQ_FFI(int, split_drv_add_smp,
	(struct vrq_split_drv * q, const struct vrq_sg *sg, unsigned o, unsigned i, void *t),
	(q, sg, o, i, t))
VRQ_FFI(int, split_drv_add_indirect_smp,
	(struct vrq_split_drv * q, const struct vrq_sg *sg, unsigned o, unsigned i, void *t,
	 struct vrq_split_desc *tbl, uint64_t da),
	(q, sg, o, i, t, tbl, da))
VRQ_FFI(int, split_drv_add_batch_smp, (struct vrq_split_drv * q, const struct vrq_buf *b, unsigned n),
	(q, b, n))
VRQ_FFI(void, split_drv_publish_smp, (struct vrq_split_drv * q), (q))
VRQ_FFI(bool, split_drv_need_kick_smp, (struct vrq_split_drv * q), (q))
VRQ_FFI(bool, split_drv_kick_prepare_smp, (struct vrq_split_drv * q), (q))
VRQ_FFI(int, split_drv_get_used_smp, (struct vrq_split_drv * q, void **t, uint32_t *len), (q, t, len))
VRQ_FFI(int, split_drv_get_used_batch_smp,
	(struct vrq_split_drv * q, void **t, uint32_t *lens, unsigned max), (q, t, lens, max))
VRQ_FFI(bool, split_drv_enable_cb_smp, (struct vrq_split_drv * q), (q))
VRQ_FFI(void, split_drv_disable_cb_smp, (struct vrq_split_drv * q), (q))
VRQ_FFI(bool, split_drv_has_used_smp, (const struct vrq_split_drv *q), (q))
VRQ_FFI(int, split_dev_pop_smp, (struct vrq_split_dev * q, struct vrq_chain *c), (q, c))
VRQ_FFI(int, split_dev_push_smp, (struct vrq_split_dev * q, uint16_t head, uint32_t len),
	(q, head, len))
VRQ_FFI(void, split_dev_publish_smp, (struct vrq_split_dev * q), (q))
VRQ_FFI(bool, split_dev_need_notify_smp, (struct vrq_split_dev * q), (q))
VRQ_FFI(bool, split_dev_notify_prepare_smp, (struct vrq_split_dev * q), (q))
VRQ_FFI(bool, split_dev_enable_kick_smp, (struct vrq_split_dev * q), (q))
VRQ_FFI(void, split_dev_disable_kick_smp, (struct vrq_split_dev * q), (q))
VRQ_FFI(bool, split_dev_has_avail_smp, (const struct vrq_split_dev *q), (q))
VRQ_FFI(int, packed_drv_add_smp,
	(struct vrq_packed_drv * q, const struct vrq_sg *sg, unsigned o, unsigned i, void *t),
	(q, sg, o, i, t))
VRQ_FFI(int, packed_drv_add_indirect_smp,
	(struct vrq_packed_drv * q, const struct vrq_sg *sg, unsigned o, unsigned i, void *t,
	 struct vrq_packed_desc *tbl, uint64_t da),
	(q, sg, o, i, t, tbl, da))
VRQ_FFI(int, packed_drv_add_batch_smp,
	(struct vrq_packed_drv * q, const struct vrq_buf *b, unsigned n), (q, b, n))
VRQ_FFI(void, packed_drv_publish_smp, (struct vrq_packed_drv * q), (q))
VRQ_FFI(bool, packed_drv_need_kick_smp, (struct vrq_packed_drv * q), (q))
VRQ_FFI(bool, packed_drv_kick_prepare_smp, (struct vrq_packed_drv * q), (q))
VRQ_FFI(int, packed_drv_get_used_smp, (struct vrq_packed_drv * q, void **t, uint32_t *len),
	(q, t, len))
VRQ_FFI(int, packed_drv_get_used_batch_smp,
	(struct vrq_packed_drv * q, void **t, uint32_t *lens, unsigned max), (q, t, lens, max))
VRQ_FFI(bool, packed_drv_enable_cb_smp, (struct vrq_packed_drv * q), (q))
VRQ_FFI(void, packed_drv_disable_cb_smp, (struct vrq_packed_drv * q), (q))
VRQ_FFI(bool, packed_drv_has_used_smp, (const struct vrq_packed_drv *q), (q))
VRQ_FFI(int, packed_dev_pop_smp, (struct vrq_packed_dev * q, struct vrq_chain *c), (q, c))
VRQ_FFI(int, packed_dev_push_smp, (struct vrq_packed_dev * q, uint16_t id, uint32_t len),
	(q, id, len))
VRQ_FFI(void, packed_dev_publish_smp, (struct vrq_packed_dev * q), (q))
VRQ_FFI(bool, packed_dev_need_notify_smp, (struct vrq_packed_dev * q), (q))
VRQ_FFI(bool, packed_dev_notify_prepare_smp, (struct vrq_packed_dev * q), (q))
VRQ_FFI(bool, packed_dev_enable_kick_smp, (struct vrq_packed_dev * q), (q))
VRQ_FFI(void, packed_dev_disable_kick_smp, (struct vrq_packed_dev * q), (q))
VRQ_FFI(bool, packed_dev_has_avail_smp, (const struct vrq_packed_dev *q), (q))
VRQ_FFI(int, vq_drv_add_smp,
	(struct vrq_vq_drv * q, const struct vrq_sg *sg, unsigned o, unsigned i, void *t),
	(q, sg, o, i, t))
VRQ_FFI(int, vq_drv_add_indirect_smp,
	(struct vrq_vq_drv * q, const struct vrq_sg *sg, unsigned o, unsigned i, void *t, void *tbl,
	 uint64_t da),
	(q, sg, o, i, t, tbl, da))
VRQ_FFI(int, vq_drv_add_batch_smp, (struct vrq_vq_drv * q, const struct vrq_buf *b, unsigned n),
	(q, b, n))
VRQ_FFI(void, vq_drv_publish_smp, (struct vrq_vq_drv * q), (q))
VRQ_FFI(bool, vq_drv_need_kick_smp, (struct vrq_vq_drv * q), (q))
VRQ_FFI(bool, vq_drv_kick_prepare_smp, (struct vrq_vq_drv * q), (q))
VRQ_FFI(int, vq_drv_get_used_smp, (struct vrq_vq_drv * q, void **t, uint32_t *len), (q, t, len))
VRQ_FFI(int, vq_drv_get_used_batch_smp,
	(struct vrq_vq_drv * q, void **t, uint32_t *lens, unsigned max), (q, t, lens, max))
VRQ_FFI(bool, vq_drv_enable_cb_smp, (struct vrq_vq_drv * q), (q))
VRQ_FFI(void, vq_drv_disable_cb_smp, (struct vrq_vq_drv * q), (q))
VRQ_FFI(bool, vq_drv_has_used_smp, (const struct vrq_vq_drv *q), (q))
VRQ_FFI(int, vq_dev_pop_smp, (struct vrq_vq_dev * q, struct vrq_chain *c), (q, c))
VRQ_FFI(int, vq_dev_push_smp, (struct vrq_vq_dev * q, uint16_t head, uint32_t len), (q, head, len))
VRQ_FFI(void, vq_dev_publish_smp, (struct vrq_vq_dev * q), (q))
VRQ_FFI(bool, vq_dev_need_notify_smp, (struct vrq_vq_dev * q), (q))
VRQ_FFI(bool, vq_dev_notify_prepare_smp, (struct vrq_vq_dev * q), (q))
VRQ_FFI(bool, vq_dev_enable_kick_smp, (struct vrq_vq_dev * q), (q))
VRQ_FFI(void, vq_dev_disable_kick_smp, (struct vrq_vq_dev * q), (q))
VRQ_FFI(bool, vq_dev_has_avail_smp, (const struct vrq_vq_dev *q), (q))
VRQ_FFI(bool, vq_drv_polls, (const struct vrq_vq_drv *q), (q))
VRQ_FFI(bool, vq_dev_polls, (const struct vrq_vq_dev *q), (q))
