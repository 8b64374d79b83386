/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_init_why.c - every way init refuses a configuration has
 * its own reason: for each bad config, the init function's exact code and
 * the matching *_init_why() text (a substring naming the mistake), for
 * split, packed and vq, driver and device; a good config gives NULL and
 * inits; and the why functions change nothing (the ring memory is the same
 * bytes after them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrq_test.h"

static _Alignas(4096) unsigned char ring[65536];
static _Alignas(64) struct vrq_split_desc pool[64];
static struct vrq_mem mem;

static int has(const char *why, const char *want)
{
	if (why && strstr(why, want))
		return 1;
	fprintf(stderr, "  reason '%s' lacks '%s'\n", why ? why : "(null)", want);
	return 0;
}

static struct vrq_split_cfg split_good(void)
{
	struct vrq_split_layout l;
	struct vrq_split_cfg c;

	vrq_split_layout_calc(256, 64, &l);
	memset(&c, 0, sizeof(c));
	c.size = 256;
	c.features = VRQ_FEATURE(VRQ_F_VERSION_1) | VRQ_FEATURE(VRQ_F_EVENT_IDX);
	c.domain = VRQ_DOM_SMP;
	c.ring = vrq_split_ring_at(ring, &l);
	c.mem = &mem;
	return c;
}

static struct vrq_packed_cfg packed_good(void)
{
	struct vrq_packed_layout l;
	struct vrq_packed_cfg c;

	vrq_packed_layout_calc(256, 64, &l);
	memset(&c, 0, sizeof(c));
	c.size = 256;
	c.features = VRQ_FEATURE(VRQ_F_VERSION_1) | VRQ_FEATURE(VRQ_F_RING_PACKED);
	c.domain = VRQ_DOM_SMP;
	c.ring = vrq_packed_ring_at(ring, &l);
	c.mem = &mem;
	return c;
}

/* both roles refuse @c with @code and a reason containing @want */
#define SPLIT_BAD(c, code, want)                                                        \
	do {                                                                            \
		struct vrq_split_drv d_;                                                \
		struct vrq_split_dev v_;                                                \
		CHECK_EQ(vrq_split_drv_init(&d_, &(c)), -(code));                       \
		CHECK_EQ(vrq_split_dev_init(&v_, &(c)), -(code));                       \
		CHECK(has(vrq_split_drv_init_why(&(c)), want));                         \
		CHECK(has(vrq_split_dev_init_why(&(c)), want));                         \
		n_cases++;                                                              \
	} while (0)

#define PACKED_BAD(c, code, want)                                                       \
	do {                                                                            \
		struct vrq_packed_drv d_;                                               \
		struct vrq_packed_dev v_;                                               \
		CHECK_EQ(vrq_packed_drv_init(&d_, &(c)), -(code));                      \
		CHECK_EQ(vrq_packed_dev_init(&v_, &(c)), -(code));                      \
		CHECK(has(vrq_packed_drv_init_why(&(c)), want));                        \
		CHECK(has(vrq_packed_dev_init_why(&(c)), want));                        \
		n_cases++;                                                              \
	} while (0)

static unsigned n_cases;

static int test_split(void)
{
	struct vrq_split_cfg c = split_good();
	struct vrq_split_drv d;
	struct vrq_split_dev v;
	unsigned char copy[sizeof(ring)];

	/* the why functions touch nothing; a good config has no reason */
	memset(ring, 0x5a, sizeof(ring));
	memcpy(copy, ring, sizeof(ring));
	CHECK(vrq_split_drv_init_why(&c) == NULL);
	CHECK(vrq_split_dev_init_why(&c) == NULL);
	CHECK(memcmp(copy, ring, sizeof(ring)) == 0);
	CHECK_EQ(vrq_split_drv_init(&d, &c), 0);
	CHECK_EQ(vrq_split_dev_init(&v, &c), 0);
	vrq_split_drv_fini(&d);
	vrq_split_dev_fini(&v);

	CHECK(has(vrq_split_drv_init_why(NULL), "cfg is NULL"));
	c = split_good();
	c.size = 100;
	SPLIT_BAD(c, VRQ_EINVAL, "power of two");
	c = split_good();
	c.size = 0;
	SPLIT_BAD(c, VRQ_EINVAL, "power of two");
	c = split_good();
	c.ring.used = NULL;
	SPLIT_BAD(c, VRQ_EINVAL, "is NULL");
	c = split_good();
	c.ring.desc = (struct vrq_split_desc *)(void *)((char *)c.ring.desc + 8);
	SPLIT_BAD(c, VRQ_EINVAL, "descriptor table not 16-byte aligned");
	c = split_good();
	c.ring.avail = (struct vrq_split_avail *)(void *)((char *)c.ring.avail + 1);
	SPLIT_BAD(c, VRQ_EINVAL, "available ring not 2-byte aligned");
	c = split_good();
	c.ring.used = (struct vrq_split_used *)(void *)((char *)c.ring.used + 2);
	SPLIT_BAD(c, VRQ_EINVAL, "used ring not 4-byte aligned");
	c = split_good();
	c.ring.used = (struct vrq_split_used *)(void *)c.ring.avail;
	SPLIT_BAD(c, VRQ_EINVAL, "overlap");
	c = split_good();
	c.domain = (enum vrq_domain)7;
	SPLIT_BAD(c, VRQ_EINVAL, "unknown ordering domain");
	c = split_good();
	c.features |= VRQ_FEATURE(VRQ_F_RING_PACKED);
	SPLIT_BAD(c, VRQ_EINVAL, "RING_PACKED in features");
	if (vrq_domain_supported(VRQ_DOM_NONCOH) && vrq_cache_line_size() > 16) {
		struct vrq_split_layout l;

		c = split_good();
		vrq_split_layout_calc(256, 0, &l);
		c.ring = vrq_split_ring_at(ring, &l);
		c.domain = VRQ_DOM_NONCOH;
		/* area_align 0: avail right after 4096 bytes of descriptors is
		 * line aligned, used (4096 + 518 rounded to 4) is not */
		SPLIT_BAD(c, VRQ_EINVAL, "NONCOH");
	}

	/* role-specific: the driver's indirect pool, the device's map */
	c = split_good();
	c.features |= VRQ_FEATURE(VRQ_F_INDIRECT_DESC);
	c.ind_max = 4;
	c.ind_pool = NULL;
	CHECK_EQ(vrq_split_drv_init(&d, &c), -VRQ_EINVAL);
	CHECK(has(vrq_split_drv_init_why(&c), "indirect pool"));
	CHECK(vrq_split_dev_init_why(&c) == NULL);
	c.ind_pool = pool;
	c.ind_pool_da = 0x1008;
	CHECK_EQ(vrq_split_drv_init(&d, &c), -VRQ_EINVAL);
	CHECK(has(vrq_split_drv_init_why(&c), "16-byte aligned"));
	c.ind_pool_da = 0x1000;
	CHECK(vrq_split_drv_init_why(&c) == NULL);
	c = split_good();
	c.mem = NULL;
	CHECK_EQ(vrq_split_dev_init(&v, &c), -VRQ_EINVAL);
	CHECK(has(vrq_split_dev_init_why(&c), "no memory map"));
	CHECK(vrq_split_drv_init_why(&c) == NULL);
	n_cases += 3;
	return 0;
}

static int test_packed(void)
{
	struct vrq_packed_cfg c = packed_good();
	struct vrq_packed_drv d;
	struct vrq_packed_dev v;

	CHECK(vrq_packed_drv_init_why(&c) == NULL);
	CHECK(vrq_packed_dev_init_why(&c) == NULL);
	CHECK_EQ(vrq_packed_drv_init(&d, &c), 0);
	CHECK_EQ(vrq_packed_dev_init(&v, &c), 0);
	vrq_packed_drv_fini(&d);
	vrq_packed_dev_fini(&v);

	c.size = 0;
	PACKED_BAD(c, VRQ_EINVAL, "size must be 1..32768");
	c = packed_good();
	c.ring.driver = NULL;
	PACKED_BAD(c, VRQ_EINVAL, "is NULL");
	c = packed_good();
	c.ring.desc = (struct vrq_packed_desc *)(void *)((char *)c.ring.desc + 4);
	PACKED_BAD(c, VRQ_EINVAL, "descriptor ring not 16-byte aligned");
	c = packed_good();
	c.ring.device = (struct vrq_packed_event *)(void *)((char *)c.ring.device + 2);
	PACKED_BAD(c, VRQ_EINVAL, "event suppression area not 4-byte aligned");
	c = packed_good();
	c.ring.device = c.ring.driver;
	PACKED_BAD(c, VRQ_EINVAL, "overlap");
	c = packed_good();
	c.domain = (enum vrq_domain)9;
	PACKED_BAD(c, VRQ_EINVAL, "unknown ordering domain");
	c = packed_good();
	c.domain = VRQ_DOM_NONCOH;
	PACKED_BAD(c, VRQ_ENOTSUP, "VRQ_DOM_NONCOH is not sound");
	c = packed_good();
	c.features &= ~VRQ_FEATURE(VRQ_F_RING_PACKED);
	PACKED_BAD(c, VRQ_EINVAL, "RING_PACKED missing");

	c = packed_good();
	c.features |= VRQ_FEATURE(VRQ_F_INDIRECT_DESC);
	c.ind_max = 4;
	c.ind_pool = (struct vrq_packed_desc *)(void *)((char *)pool + 8);
	CHECK_EQ(vrq_packed_drv_init(&d, &c), -VRQ_EINVAL);
	CHECK(has(vrq_packed_drv_init_why(&c), "indirect pool"));
	CHECK(vrq_packed_dev_init_why(&c) == NULL);
	c = packed_good();
	c.mem = NULL;
	CHECK_EQ(vrq_packed_dev_init(&v, &c), -VRQ_EINVAL);
	CHECK(has(vrq_packed_dev_init_why(&c), "no memory map"));
	n_cases += 2;
	return 0;
}

static int test_vq(void)
{
	struct vrq_vq_cfg c;
	struct vrq_vq_drv d;
	struct vrq_vq_dev v;
	unsigned k;

	for (k = 0; k < 2; k++) {
		memset(&c, 0, sizeof(c));
		c.kind = k ? VRQ_RING_PACKED : VRQ_RING_SPLIT;
		c.size = 256;
		c.features = VRQ_FEATURE(VRQ_F_VERSION_1);
		c.domain = VRQ_DOM_SMP;
		c.ring = ring;
		c.area_align = 64;
		c.mem = &mem;
		CHECK(vrq_vq_drv_init_why(&c) == NULL);
		CHECK(vrq_vq_dev_init_why(&c) == NULL);
		CHECK_EQ(vrq_vq_drv_init(&d, &c), 0);
		CHECK_EQ(vrq_vq_dev_init(&v, &c), 0);
		vrq_vq_drv_fini(&d);
		vrq_vq_dev_fini(&v);

		c.areas.desc = ring;
		CHECK_EQ(vrq_vq_drv_init(&d, &c), -VRQ_EINVAL);
		CHECK(has(vrq_vq_drv_init_why(&c), "both ring and areas"));
		c.areas.desc = NULL;
		c.ring = NULL;
		CHECK_EQ(vrq_vq_dev_init(&v, &c), -VRQ_EINVAL);
		CHECK(has(vrq_vq_dev_init_why(&c), "no ring"));
		c.ring = ring;
		c.area_align = 3;
		CHECK_EQ(vrq_vq_drv_init(&d, &c), -VRQ_EINVAL);
		CHECK(has(vrq_vq_drv_init_why(&c), "area_align"));
		c.area_align = 64;
		c.mem = NULL; /* the ring's own reason comes through */
		CHECK_EQ(vrq_vq_dev_init(&v, &c), -VRQ_EINVAL);
		CHECK(has(vrq_vq_dev_init_why(&c), "no memory map"));
		CHECK(vrq_vq_drv_init_why(&c) == NULL);
		c.kind = (enum vrq_ring_kind)5;
		CHECK_EQ(vrq_vq_drv_init(&d, &c), -VRQ_EINVAL);
		CHECK(has(vrq_vq_drv_init_why(&c), "unknown ring kind"));
		n_cases += 5;
	}
	CHECK(has(vrq_vq_dev_init_why(NULL), "cfg is NULL"));
	return 0;
}

int main(void)
{
	vrq_mem_init(&mem);
	if (test_split() || test_packed() || test_vq() || vrq_test_failures) {
		fprintf(stderr, "test_init_why: %d failure(s)\n", vrq_test_failures);
		return 1;
	}
	printf("test_init_why: %u refusal cases, each with its code and reason\n", n_cases);
	return 0;
}
