/* SPDX-License-Identifier: MIT */
/*
 * tests/common/vrq_test.h - shared test harness: check macros, the config
 * matrix, and a driver/device pair over one ring with a real memory map
 * (device addresses differ from local addresses, so translation is
 * exercised).  Exit codes: 0 pass, 1 fail, 77 skip (CTest SKIP_RETURN_CODE).
 */
#ifndef VRQ_TEST_H
#define VRQ_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrq/vrq.h"

#define VRQ_TEST_SKIP 77

static int vrq_test_failures;

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			vrq_test_failures++;                                                 \
			return -1;                                                           \
		}                                                                            \
	} while (0)

#define CHECK_EQ(a, b)                                                                       \
	do {                                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);                          \
		if (a_ != b_) {                                                              \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = %lld, %s = %lld\n",     \
				__FILE__, __LINE__, #a, a_, #b, b_);                          \
			vrq_test_failures++;                                                 \
			return -1;                                                           \
		}                                                                            \
	} while (0)

/*
 * Checks for tests with cleanup: they name the case being run (a
 * `const char *name` in scope) and jump to the function's `out:` label.
 */
#define CHECK_OUT(cond)                                                                        \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, __LINE__, \
				name, #cond);                                                 \
			vrq_test_failures++;                                                  \
			goto out;                                                             \
		}                                                                             \
	} while (0)

#define CHECK_EQ_OUT(a, b)                                                                      \
	do {                                                                                     \
		long long a_ = (long long)(a), b_ = (long long)(b);                              \
		if (a_ != b_) {                                                                  \
			fprintf(stderr, "%s:%d: [%s] %s = %lld, expected %s = %lld\n", __FILE__, \
				__LINE__, name, #a, a_, #b, b_);                                 \
			vrq_test_failures++;                                                     \
			goto out;                                                                \
		}                                                                                \
	} while (0)

/*
 * VRQ_DOM_NONCOH needs each split area (and the indirect pool, if any) to
 * start on a vrq_cache_line_size() boundary; a layout made for 64-byte
 * lines does not fit a larger granule (2 KiB on arm64 cores that do not
 * report CTR_EL0.CWG, qemu's among them).  1 if these pointers fit.
 */
static inline int vrq_test_noncoh_fits(const void *desc, const void *avail, const void *used,
				       const void *pool)
{
	size_t line = vrq_cache_line_size();

	return line && !((uintptr_t)desc % line) && !((uintptr_t)avail % line) &&
	       !((uintptr_t)used % line) && !((uintptr_t)pool % line);
}

/* One point of the config matrix. */
struct vrq_test_cfg {
	uint16_t size;
	int event_idx, indirect, in_order;
};

static const uint16_t vrq_test_sizes[] = {1, 2, 256, 32768};

/* Iterate c over sizes x event_idx x indirect x in_order. */
#define VRQ_FOR_EACH_CONFIG(c)                                                               \
	for (unsigned vrq_i_ = 0; vrq_i_ < 4 * 8; vrq_i_++)                                  \
		for (struct vrq_test_cfg c = {vrq_test_sizes[vrq_i_ / 8], (int)(vrq_i_ & 1),   \
					      (int)((vrq_i_ >> 1) & 1), (int)((vrq_i_ >> 2) & 1)}; \
		     c.size; c.size = 0)

static inline void vrq_test_cfg_str(const struct vrq_test_cfg *c, char *buf, size_t n)
{
	snprintf(buf, n, "size=%u event_idx=%d indirect=%d in_order=%d", c->size, c->event_idx,
		 c->indirect, c->in_order);
}

static inline uint64_t vrq_test_features(const struct vrq_test_cfg *c)
{
	return VRQ_FEATURE(VRQ_F_VERSION_1) | (c->event_idx ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0) |
	       (c->indirect ? VRQ_FEATURE(VRQ_F_INDIRECT_DESC) : 0) |
	       (c->in_order ? VRQ_FEATURE(VRQ_F_IN_ORDER) : 0);
}

/*
 * Memory map used by the pair: region 0 holds the ring and the indirect
 * pool, region 1 the buffers.  Device addresses are the local addresses
 * XOR'ed with nothing useful: a fixed base that shares no bits with them.
 */
#define VRQ_TEST_RING_DA 0x100000000000ull
#define VRQ_TEST_BUF_DA 0x200000000000ull
#define VRQ_TEST_IND_MAX 8

struct vrq_test_pair {
	struct vrq_test_cfg tc;
	struct vrq_split_layout lay;
	uint8_t *ring_mem;  /* ring areas + indirect pool */
	size_t ring_bytes;
	uint8_t *buf_mem;   /* buffer region */
	size_t buf_bytes;
	struct vrq_mem mem;
	struct vrq_split_cfg cfg;
	struct vrq_split_drv drv;
	struct vrq_split_dev dev;
};

static inline void *vrq_test_alloc(size_t bytes)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, (bytes + 4095) & ~(size_t)4095))
		return NULL;
	memset(p, 0, bytes);
	return p;
}

/* Set up a driver/device pair; buf_bytes of buffer space.  0 or -1. */
static inline int vrq_test_pair_init(struct vrq_test_pair *p, const struct vrq_test_cfg *tc,
				     size_t buf_bytes)
{
	size_t pool_off, pool_bytes;

	memset(p, 0, sizeof(*p));
	p->tc = *tc;
	if (vrq_split_layout_calc(tc->size, 64, &p->lay))
		return -1;
	pool_off = p->lay.total;
	pool_bytes = tc->indirect ? (size_t)tc->size * VRQ_TEST_IND_MAX * 16 : 0;
	p->ring_bytes = pool_off + pool_bytes;
	p->ring_mem = (uint8_t *)vrq_test_alloc(p->ring_bytes);
	p->buf_bytes = buf_bytes;
	p->buf_mem = (uint8_t *)vrq_test_alloc(buf_bytes);
	if (!p->ring_mem || !p->buf_mem)
		return -1;
	vrq_mem_init(&p->mem);
	if (vrq_mem_add(&p->mem, 0, VRQ_TEST_RING_DA, p->ring_mem, p->ring_bytes, 0) ||
	    vrq_mem_add(&p->mem, 1, VRQ_TEST_BUF_DA, p->buf_mem, buf_bytes, 0))
		return -1;
	p->cfg.size = tc->size;
	p->cfg.features = vrq_test_features(tc);
	p->cfg.domain = VRQ_DOM_SMP;
	p->cfg.ring = vrq_split_ring_at(p->ring_mem, &p->lay);
	p->cfg.mem = &p->mem;
	if (tc->indirect) {
		p->cfg.ind_pool = (struct vrq_split_desc *)(void *)(p->ring_mem + pool_off);
		p->cfg.ind_pool_da = VRQ_TEST_RING_DA + pool_off;
		p->cfg.ind_max = VRQ_TEST_IND_MAX;
	}
	if (vrq_split_drv_init(&p->drv, &p->cfg) || vrq_split_dev_init(&p->dev, &p->cfg))
		return -1;
	return 0;
}

static inline void vrq_test_pair_fini(struct vrq_test_pair *p)
{
	vrq_split_drv_fini(&p->drv);
	vrq_split_dev_fini(&p->dev);
	free(p->ring_mem);
	free(p->buf_mem);
	p->ring_mem = p->buf_mem = NULL;
}

/* Device address of an offset in the buffer region. */
static inline uint64_t vrq_test_buf_da(const struct vrq_test_pair *p, size_t off)
{
	(void)p;
	return VRQ_TEST_BUF_DA + off;
}

/* ---- Ring-agnostic pair (split or packed through vrq_vq) ------------------ */

/* One point of the {split, packed} x features x sizes matrix. */
struct vrq_test_vcfg {
	enum vrq_ring_kind kind;
	uint16_t size;
	int event_idx, indirect, in_order;
};

/* Split sizes are powers of two; packed adds sizes that are not. */
static const uint16_t vrq_test_split_sizes[] = {1, 2, 256, 32768};
static const uint16_t vrq_test_packed_sizes[] = {1, 2, 3, 255, 256, 1000, 32768};
#define VRQ_TEST_N_SPLIT_SIZES 4u
#define VRQ_TEST_N_PACKED_SIZES 7u
#define VRQ_TEST_N_VCFG ((VRQ_TEST_N_SPLIT_SIZES + VRQ_TEST_N_PACKED_SIZES) * 8u)

static inline struct vrq_test_vcfg vrq_test_vcfg_at(unsigned i)
{
	struct vrq_test_vcfg c;
	unsigned s = i / 8;

	c.kind = s < VRQ_TEST_N_SPLIT_SIZES ? VRQ_RING_SPLIT : VRQ_RING_PACKED;
	c.size = s < VRQ_TEST_N_SPLIT_SIZES ? vrq_test_split_sizes[s]
					    : vrq_test_packed_sizes[s - VRQ_TEST_N_SPLIT_SIZES];
	c.event_idx = (int)(i & 1);
	c.indirect = (int)((i >> 1) & 1);
	c.in_order = (int)((i >> 2) & 1);
	return c;
}

/* Iterate c over {split, packed} x sizes x event_idx x indirect x in_order. */
#define VRQ_FOR_EACH_VCONFIG(c)                                                              \
	for (unsigned vrq_vi_ = 0; vrq_vi_ < VRQ_TEST_N_VCFG; vrq_vi_++)                     \
		for (struct vrq_test_vcfg c = vrq_test_vcfg_at(vrq_vi_); c.size; c.size = 0)

static inline void vrq_test_vcfg_str(const struct vrq_test_vcfg *c, char *buf, size_t n)
{
	snprintf(buf, n, "%s size=%u event_idx=%d indirect=%d in_order=%d",
		 c->kind == VRQ_RING_PACKED ? "packed" : "split", c->size, c->event_idx,
		 c->indirect, c->in_order);
}

struct vrq_test_vpair {
	struct vrq_test_vcfg tc;
	uint8_t *ring_mem; /* ring areas (64-byte aligned) + indirect pool */
	size_t ring_bytes, ring_area_bytes;
	uint8_t *buf_mem;
	size_t buf_bytes;
	struct vrq_mem mem;
	struct vrq_vq_cfg cfg;
	struct vrq_vq_drv drv;
	struct vrq_vq_dev dev;
};

/* Same memory map as vrq_test_pair: ring + pool at VRQ_TEST_RING_DA,
 * buffers at VRQ_TEST_BUF_DA.  0 or -1. */
static inline int vrq_test_vpair_init(struct vrq_test_vpair *p, const struct vrq_test_vcfg *tc,
				      size_t buf_bytes)
{
	size_t pool_bytes;

	memset(p, 0, sizeof(*p));
	p->tc = *tc;
	p->ring_area_bytes = vrq_vq_ring_bytes(tc->kind, tc->size, 64);
	if (!p->ring_area_bytes)
		return -1;
	pool_bytes = tc->indirect ? (size_t)tc->size * VRQ_TEST_IND_MAX * 16 : 0;
	p->ring_bytes = p->ring_area_bytes + pool_bytes;
	p->ring_mem = (uint8_t *)vrq_test_alloc(p->ring_bytes);
	p->buf_bytes = buf_bytes;
	p->buf_mem = (uint8_t *)vrq_test_alloc(buf_bytes);
	if (!p->ring_mem || !p->buf_mem)
		return -1;
	vrq_mem_init(&p->mem);
	if (vrq_mem_add(&p->mem, 0, VRQ_TEST_RING_DA, p->ring_mem, p->ring_bytes, 0) ||
	    vrq_mem_add(&p->mem, 1, VRQ_TEST_BUF_DA, p->buf_mem, buf_bytes, 0))
		return -1;
	p->cfg.kind = tc->kind;
	p->cfg.size = tc->size;
	p->cfg.features = VRQ_FEATURE(VRQ_F_VERSION_1) |
			  (tc->event_idx ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0) |
			  (tc->indirect ? VRQ_FEATURE(VRQ_F_INDIRECT_DESC) : 0) |
			  (tc->in_order ? VRQ_FEATURE(VRQ_F_IN_ORDER) : 0);
	p->cfg.domain = VRQ_DOM_SMP;
	p->cfg.ring = p->ring_mem;
	p->cfg.area_align = 64;
	p->cfg.mem = &p->mem;
	if (tc->indirect) {
		p->cfg.ind_pool = p->ring_mem + p->ring_area_bytes;
		p->cfg.ind_pool_da = VRQ_TEST_RING_DA + p->ring_area_bytes;
		p->cfg.ind_max = VRQ_TEST_IND_MAX;
	}
	if (vrq_vq_drv_init(&p->drv, &p->cfg) || vrq_vq_dev_init(&p->dev, &p->cfg))
		return -1;
	return 0;
}

static inline void vrq_test_vpair_fini(struct vrq_test_vpair *p)
{
	vrq_vq_drv_fini(&p->drv);
	vrq_vq_dev_fini(&p->dev);
	free(p->ring_mem);
	free(p->buf_mem);
	p->ring_mem = p->buf_mem = NULL;
}

/* Finish a test program: prints a summary line, returns the exit code. */
static inline int vrq_test_done(const char *name)
{
	if (vrq_test_failures) {
		fprintf(stderr, "%s: %d failure(s)\n", name, vrq_test_failures);
		return 1;
	}
	printf("%s: ok\n", name);
	return 0;
}

#endif /* VRQ_TEST_H */
