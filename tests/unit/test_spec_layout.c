/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_spec_layout.c - the wire format, checked at run time.
 *
 * spec.h already _Static_asserts most of these; this program re-derives
 * them from the virtio 1.3 text (split-ring.tex, packed-ring.tex,
 * content.tex) at run time, through volatile copies so that the compiler
 * cannot fold a wrong header constant into a matching wrong expectation:
 *  - struct sizes and field offsets (offsetof), flag values, feature bits,
 *    status bits;
 *  - vrq_split_layout_calc() / vrq_split_layout_legacy() against the spec
 *    formulas computed independently here, and rejection of bad sizes and
 *    alignments;
 *  - vrq_need_event() against a brute-force reading of the spec rule
 *    ("notify if the entry written at index event_idx is among the new
 *    ones"), wrap-around at 65535 -> 0 included;
 *  - little-endian accessors, byte by byte;
 *  - the NOTIFICATION_DATA bit layout for split queues.
 * Error codes and their texts: test_err.c.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrq_test.h"

/* Out-of-line copies exported by core/ffi.c; they must agree with the inlines. */
int vrq_ffi_need_event(uint16_t e, uint16_t n, uint16_t o);

/* Run-time copy of a value: keeps the comparison out of constant folding. */
static uint64_t rt(uint64_t v)
{
	volatile uint64_t x = v;

	return x;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static double test_scale(void)
{
	const char *s = getenv("VRQ_TEST_SCALE");
	double v = s ? strtod(s, NULL) : 1.0;

	return v > 0.0 ? v : 1.0;
}

/* ---- structs, offsets, constants ------------------------------------------ */

static int test_struct_layout(void)
{
	/* 2.7.5 struct virtq_desc { le64 addr; le32 len; le16 flags; le16 next; } */
	CHECK_EQ(rt(sizeof(struct vrq_split_desc)), 16);
	CHECK_EQ(rt(offsetof(struct vrq_split_desc, addr)), 0);
	CHECK_EQ(rt(offsetof(struct vrq_split_desc, len)), 8);
	CHECK_EQ(rt(offsetof(struct vrq_split_desc, flags)), 12);
	CHECK_EQ(rt(offsetof(struct vrq_split_desc, next)), 14);
	CHECK_EQ(rt(sizeof(((struct vrq_split_desc *)0)->addr)), 8);
	CHECK_EQ(rt(sizeof(((struct vrq_split_desc *)0)->len)), 4);
	CHECK_EQ(rt(sizeof(((struct vrq_split_desc *)0)->flags)), 2);
	CHECK_EQ(rt(sizeof(((struct vrq_split_desc *)0)->next)), 2);

	/* 2.7.6 struct virtq_avail { le16 flags; le16 idx; le16 ring[]; le16 used_event; } */
	CHECK_EQ(rt(sizeof(struct vrq_split_avail)), 4);
	CHECK_EQ(rt(offsetof(struct vrq_split_avail, flags)), 0);
	CHECK_EQ(rt(offsetof(struct vrq_split_avail, idx)), 2);
	CHECK_EQ(rt(offsetof(struct vrq_split_avail, ring)), 4);
	CHECK_EQ(rt(sizeof(((struct vrq_split_avail *)0)->ring[0])), 2);

	/* 2.7.8 struct virtq_used_elem { le32 id; le32 len; } */
	CHECK_EQ(rt(sizeof(struct vrq_split_used_elem)), 8);
	CHECK_EQ(rt(offsetof(struct vrq_split_used_elem, id)), 0);
	CHECK_EQ(rt(offsetof(struct vrq_split_used_elem, len)), 4);
	CHECK_EQ(rt(sizeof(((struct vrq_split_used_elem *)0)->id)), 4);
	CHECK_EQ(rt(sizeof(((struct vrq_split_used_elem *)0)->len)), 4);

	/* struct virtq_used { le16 flags; le16 idx; struct virtq_used_elem ring[]; le16 avail_event; } */
	CHECK_EQ(rt(sizeof(struct vrq_split_used)), 4);
	CHECK_EQ(rt(offsetof(struct vrq_split_used, flags)), 0);
	CHECK_EQ(rt(offsetof(struct vrq_split_used, idx)), 2);
	CHECK_EQ(rt(offsetof(struct vrq_split_used, ring)), 4);

	/* 2.8.13 struct pvirtq_desc { le64 addr; le32 len; le16 id; le16 flags; } */
	CHECK_EQ(rt(sizeof(struct vrq_packed_desc)), 16);
	CHECK_EQ(rt(offsetof(struct vrq_packed_desc, addr)), 0);
	CHECK_EQ(rt(offsetof(struct vrq_packed_desc, len)), 8);
	CHECK_EQ(rt(offsetof(struct vrq_packed_desc, id)), 12);
	CHECK_EQ(rt(offsetof(struct vrq_packed_desc, flags)), 14);

	/* 2.8.10 struct pvirtq_event_suppress { le16 desc (off_wrap); le16 flags; } */
	CHECK_EQ(rt(sizeof(struct vrq_packed_event)), 4);
	CHECK_EQ(rt(offsetof(struct vrq_packed_event, off_wrap)), 0);
	CHECK_EQ(rt(offsetof(struct vrq_packed_event, flags)), 2);
	return 0;
}

static int test_constants(void)
{
	/* Reserved feature bits (content.tex) */
	CHECK_EQ(rt(VRQ_F_INDIRECT_DESC), 28);
	CHECK_EQ(rt(VRQ_F_EVENT_IDX), 29);
	CHECK_EQ(rt(VRQ_F_VERSION_1), 32);
	CHECK_EQ(rt(VRQ_F_ACCESS_PLATFORM), 33);
	CHECK_EQ(rt(VRQ_F_RING_PACKED), 34);
	CHECK_EQ(rt(VRQ_F_IN_ORDER), 35);
	CHECK_EQ(rt(VRQ_F_ORDER_PLATFORM), 36);
	CHECK_EQ(rt(VRQ_F_SR_IOV), 37);
	CHECK_EQ(rt(VRQ_F_NOTIFICATION_DATA), 38);
	CHECK_EQ(rt(VRQ_F_NOTIF_CONFIG_DATA), 39);
	CHECK_EQ(rt(VRQ_F_RING_RESET), 40);
	CHECK(rt(VRQ_FEATURE(VRQ_F_INDIRECT_DESC)) == 0x10000000ull);
	CHECK(rt(VRQ_FEATURE(VRQ_F_EVENT_IDX)) == 0x20000000ull);
	CHECK(rt(VRQ_FEATURE(VRQ_F_VERSION_1)) == 0x100000000ull);
	CHECK(rt(VRQ_FEATURE(VRQ_F_RING_RESET)) == 0x10000000000ull);
	/* bits above 31 must not be computed in 32-bit arithmetic */
	CHECK(rt(VRQ_FEATURE(rt(63))) == 0x8000000000000000ull);

	/* Device status (content.tex) */
	CHECK_EQ(rt(VRQ_STATUS_ACKNOWLEDGE), 1);
	CHECK_EQ(rt(VRQ_STATUS_DRIVER), 2);
	CHECK_EQ(rt(VRQ_STATUS_DRIVER_OK), 4);
	CHECK_EQ(rt(VRQ_STATUS_FEATURES_OK), 8);
	CHECK_EQ(rt(VRQ_STATUS_DEVICE_NEEDS_RESET), 64);
	CHECK_EQ(rt(VRQ_STATUS_FAILED), 128);

	/* Split ring flags */
	CHECK_EQ(rt(VRQ_DESC_F_NEXT), 1);
	CHECK_EQ(rt(VRQ_DESC_F_WRITE), 2);
	CHECK_EQ(rt(VRQ_DESC_F_INDIRECT), 4);
	CHECK_EQ(rt(VRQ_AVAIL_F_NO_INTERRUPT), 1);
	CHECK_EQ(rt(VRQ_USED_F_NO_NOTIFY), 1);
	CHECK_EQ(rt(VRQ_QUEUE_SIZE_MAX), 32768);
	CHECK_EQ(rt(VRQ_SPLIT_DESC_ALIGN), 16);
	CHECK_EQ(rt(VRQ_SPLIT_AVAIL_ALIGN), 2);
	CHECK_EQ(rt(VRQ_SPLIT_USED_ALIGN), 4);

	/* Packed ring: flag values (1 << 7, 1 << 15), not shift counts */
	CHECK_EQ(rt(VRQ_PACKED_DESC_F_AVAIL), 0x80);
	CHECK_EQ(rt(VRQ_PACKED_DESC_F_USED), 0x8000);
	CHECK_EQ(rt(VRQ_PACKED_EVENT_FLAG_ENABLE), 0);
	CHECK_EQ(rt(VRQ_PACKED_EVENT_FLAG_DISABLE), 1);
	CHECK_EQ(rt(VRQ_PACKED_EVENT_FLAG_DESC), 2);
	return 0;
}

/* ---- layout ---------------------------------------------------------------- */

static uint64_t al(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a; /* division: independent of the library's mask form */
}

static const uint16_t layout_sizes[] = {1, 2, 4, 8, 16, 64, 128, 256, 1024, 4096, 16384, 32768};

static int check_modern(uint16_t n, size_t area_align)
{
	struct vrq_split_layout l;
	uint64_t a_desc = area_align > 16 ? area_align : 16;
	uint64_t a_avail = area_align > 2 ? area_align : 2;
	uint64_t a_used = area_align > 4 ? area_align : 4;
	uint64_t desc_size = 16ull * n, avail_size = 6 + 2ull * n, used_size = 6 + 8ull * n;
	uint64_t avail_off, used_off, end;
	int rc;

	memset(&l, 0xa5, sizeof(l));
	rc = vrq_split_layout_calc(n, area_align, &l);
	if (rc) {
		fprintf(stderr, "layout(%u, %zu) = %d\n", n, area_align, rc);
		CHECK_EQ(rc, 0);
	}
	/* spec sizes, event fields included (split-ring.tex table) */
	CHECK_EQ(l.desc_size, desc_size);
	CHECK_EQ(l.avail_size, avail_size);
	CHECK_EQ(l.used_size, used_size);
	/* areas packed in order at the larger of spec and requested alignment */
	avail_off = al(desc_size, a_avail);
	used_off = al(avail_off + avail_size, a_used);
	end = used_off + used_size;
	CHECK_EQ(l.desc_off, 0);
	CHECK_EQ(l.avail_off, avail_off);
	CHECK_EQ(l.used_off, used_off);
	/* total covers everything and keeps back-to-back queues desc-aligned */
	CHECK(l.total >= end);
	CHECK_EQ(l.total % a_desc, 0);
	CHECK(l.total - end < a_desc);
	/* spec alignments */
	CHECK_EQ(l.desc_off % 16, 0);
	CHECK_EQ(l.avail_off % 2, 0);
	CHECK_EQ(l.used_off % 4, 0);
	if (area_align) {
		CHECK_EQ(l.avail_off % area_align, 0);
		CHECK_EQ(l.used_off % area_align, 0);
	}
	/* no overlap */
	CHECK(l.desc_off + l.desc_size <= l.avail_off);
	CHECK(l.avail_off + l.avail_size <= l.used_off);
	return 0;
}

static int check_legacy(uint16_t n, size_t qa)
{
	struct vrq_split_layout l;
	/* "Legacy Interfaces: A Note on Virtqueue Layout":
	 *   ALIGN(16*N + 2*(3+N)) + ALIGN(2*3 + 8*N) */
	uint64_t part1 = al(16ull * n + 2ull * (3 + n), qa);
	uint64_t part2 = al(2ull * 3 + 8ull * n, qa);
	int rc;

	memset(&l, 0x5a, sizeof(l));
	rc = vrq_split_layout_legacy(n, qa, &l);
	if (rc) {
		fprintf(stderr, "layout_legacy(%u, %zu) = %d\n", n, qa, rc);
		CHECK_EQ(rc, 0);
	}
	CHECK_EQ(l.desc_off, 0);
	CHECK_EQ(l.avail_off, 16ull * n);
	CHECK_EQ(l.used_off, part1);
	CHECK_EQ(l.total, part1 + part2);
	CHECK_EQ(l.desc_size, 16ull * n);
	CHECK_EQ(l.avail_size, 6 + 2ull * n);
	CHECK_EQ(l.used_size, 6 + 8ull * n);
	CHECK_EQ(l.used_off % qa, 0);
	CHECK(l.avail_off + l.avail_size <= l.used_off);
	CHECK(l.used_off + l.used_size <= l.total);
	return 0;
}

static int test_layout(void)
{
	static const size_t aligns[] = {0, 1, 2, 4, 8, 16, 32, 64, 128, 4096};
	struct vrq_split_layout l;
	unsigned i, j;

	for (i = 0; i < sizeof(layout_sizes) / sizeof(layout_sizes[0]); i++) {
		for (j = 0; j < sizeof(aligns) / sizeof(aligns[0]); j++)
			if (check_modern(layout_sizes[i], aligns[j]))
				return -1;
		/* small QueueAligns expose off-by-two errors in the avail size */
		if (check_legacy(layout_sizes[i], 4096) || check_legacy(layout_sizes[i], 4) ||
		    check_legacy(layout_sizes[i], 8) || check_legacy(layout_sizes[i], 16) ||
		    check_legacy(layout_sizes[i], 64) || check_legacy(layout_sizes[i], 16384))
			return -1;
	}

	/* Hand-computed spot values (spec example: QueueAlign 4096). */
	CHECK_EQ(vrq_split_layout_legacy(256, 4096, &l), 0);
	/* 4096 + 518 = 4614 -> 8192; 6 + 2048 = 2054 -> 4096 */
	CHECK_EQ(l.used_off, 8192);
	CHECK_EQ(l.total, 12288);
	CHECK_EQ(vrq_split_layout_legacy(1, 4096, &l), 0);
	CHECK_EQ(l.used_off, 4096);
	CHECK_EQ(l.total, 8192);
	CHECK_EQ(vrq_split_layout_calc(256, 0, &l), 0);
	/* desc 4096 @0, avail 518 @4096, used 2054 @4616 */
	CHECK_EQ(l.avail_off, 4096);
	CHECK_EQ(l.used_off, 4616);
	CHECK_EQ(vrq_split_layout_calc(1, 64, &l), 0);
	CHECK_EQ(l.avail_off, 64);
	CHECK_EQ(l.used_off, 128);
	CHECK_EQ(l.total, 192);

	/* Rejection: 0 and non-powers of two, bad alignments, NULL out. */
	{
		static const uint16_t bad[] = {0, 3, 5, 6, 7, 12, 100, 255, 257, 1000, 32767,
					       32769, 40000, 49152, 65535};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (vrq_split_layout_calc(bad[i], 64, &l) != -VRQ_EINVAL ||
			    vrq_split_layout_calc(bad[i], 0, &l) != -VRQ_EINVAL ||
			    vrq_split_layout_legacy(bad[i], 4096, &l) != -VRQ_EINVAL) {
				fprintf(stderr, "size %u accepted\n", bad[i]);
				CHECK(0);
			}
		}
	}
	CHECK_EQ(vrq_split_layout_calc(256, 3, &l), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_layout_calc(256, 48, &l), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_layout_calc(256, 4097, &l), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_layout_calc(256, 64, NULL), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_layout_legacy(256, 0, &l), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_layout_legacy(256, 3000, &l), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_layout_legacy(256, 4095, &l), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_layout_legacy(256, 4096, NULL), -VRQ_EINVAL);

	/* vrq_split_ring_at: pointers at the offsets */
	{
		uint8_t *mem = (uint8_t *)vrq_test_alloc(65536);
		struct vrq_split_ring r;
		int ok;

		CHECK(mem != NULL);
		if (vrq_split_layout_calc(128, 64, &l)) {
			free(mem);
			CHECK(0);
		}
		r = vrq_split_ring_at(mem, &l);
		ok = (uint8_t *)r.desc == mem + l.desc_off && (uint8_t *)r.avail == mem + l.avail_off &&
		     (uint8_t *)r.used == mem + l.used_off;
		free(mem);
		CHECK(ok);
	}
	return 0;
}

/*
 * Kept apart from test_layout() so that a failure here does not hide the
 * checks there (CHECK returns from the function).
 */
static int test_layout_huge_align(void)
{
	struct vrq_split_layout l;

	/*
	 * An alignment so large that the offsets overflow size_t must not yield
	 * a "successful" layout whose areas overlap or wrap: either -VRQ_EINVAL
	 * or a consistent layout.
	 */
	{
		size_t huge = (size_t)1 << (sizeof(size_t) * CHAR_BIT - 1);
		int rc = vrq_split_layout_calc(256, huge, &l);

		if (rc == 0) {
			if (!(l.avail_off >= l.desc_off + l.desc_size &&
			      l.used_off >= l.avail_off + l.avail_size &&
			      l.total >= l.used_off + l.used_size && l.used_off > l.avail_off)) {
				fprintf(stderr,
					"vrq_split_layout_calc(256, 2^%zu) returned 0 with an inconsistent "
					"layout: avail_off=%zu used_off=%zu total=%zu\n",
					sizeof(size_t) * CHAR_BIT - 1, l.avail_off, l.used_off,
					l.total);
				CHECK(0);
			}
		} else {
			CHECK_EQ(rc, -VRQ_EINVAL);
		}
		rc = vrq_split_layout_legacy(256, huge, &l);
		if (rc == 0) {
			if (!(l.used_off >= l.avail_off + l.avail_size &&
			      l.total >= l.used_off + l.used_size)) {
				fprintf(stderr,
					"vrq_split_layout_legacy(256, 2^%zu) returned 0 with an "
					"inconsistent layout: used_off=%zu total=%zu\n",
					sizeof(size_t) * CHAR_BIT - 1, l.used_off, l.total);
				CHECK(0);
			}
		} else {
			CHECK_EQ(rc, -VRQ_EINVAL);
		}
	}

	return 0;
}

/* ---- vrq_need_event -------------------------------------------------------- */

/*
 * The spec rule, read literally: the driver (device) must notify if it
 * wrote the ring entry whose index equals the event index, i.e. event is one
 * of old, old+1, ..., new-1 (mod 2^16).
 */
static int ref_need_event_brute(uint16_t ev, uint16_t new_idx, uint16_t old)
{
	uint16_t i;

	for (i = old; i != new_idx; i++)
		if (i == ev)
			return 1;
	return 0;
}

/* Same rule, modular distance form (written differently from spec.h). */
static int ref_need_event_mod(uint16_t ev, uint16_t new_idx, uint16_t old)
{
	uint32_t dist_ev = (uint32_t)(uint16_t)(ev - old);
	uint32_t moved = (uint32_t)(uint16_t)(new_idx - old);

	return dist_ev < moved;
}

static int check_ne(uint16_t ev, uint16_t new_idx, uint16_t old, int expect)
{
	int got = vrq_need_event(ev, new_idx, old);

	if (!!got != expect || !!vrq_ffi_need_event(ev, new_idx, old) != expect) {
		fprintf(stderr, "vrq_need_event(event=%u, new=%u, old=%u) = %d, ffi %d, expected %d\n",
			ev, new_idx, old, got, vrq_ffi_need_event(ev, new_idx, old), expect);
		CHECK(0);
	}
	return 0;
}

static int test_need_event(double scale)
{
	static const uint16_t olds[] = {0, 1, 2, 7, 100, 32766, 32767, 32768, 65530, 65534, 65535};
	static const uint16_t deltas[] = {0, 1, 2, 3, 5, 16, 255, 256, 4096, 32767, 32768, 65534, 65535};
	/* explicit truth table: {event, new, old, expected} */
	static const struct {
		uint16_t ev, nw, old;
		int exp;
	} tbl[] = {
		{0, 0, 0, 0},	      /* nothing moved */
		{0, 1, 0, 1},	      /* entry 0 written */
		{1, 1, 0, 0},	      /* entry 1 not yet written */
		{3, 10, 3, 1},	      /* first new entry */
		{9, 10, 3, 1},	      /* last new entry */
		{10, 10, 3, 0},	      /* one past the last */
		{2, 10, 3, 0},	      /* before the first */
		{5, 10, 3, 1},
		{65535, 0, 65535, 1}, /* 65535 -> 0 wraps over entry 65535 */
		{0, 0, 65535, 0},
		{0, 1, 65535, 1},     /* 65535 -> 1 covers 65535 and 0 */
		{1, 1, 65535, 0},
		{65534, 2, 65534, 1},
		{1, 2, 65534, 1},
		{2, 2, 65534, 0},
		{65533, 2, 65534, 0},
		{100, 100, 100, 0},
		{65534, 65535, 0, 1}, /* 65535 entries moved: everything but 65535 */
		{65535, 65535, 0, 0},
		{0, 65535, 0, 1},
		{32768, 32769, 32768, 1},
		{32767, 32769, 32768, 0},
	};
	unsigned i, j, k;
	uint64_t n_rand = (uint64_t)(2000000 * scale) + 1000;

	for (i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++)
		if (check_ne(tbl[i].ev, tbl[i].nw, tbl[i].old, tbl[i].exp))
			return -1;

	/* brute force around the boundaries of every (old, delta) window */
	for (i = 0; i < sizeof(olds) / sizeof(olds[0]); i++) {
		for (j = 0; j < sizeof(deltas) / sizeof(deltas[0]); j++) {
			uint16_t old = olds[i], nw = (uint16_t)(old + deltas[j]);
			uint16_t evs[16];
			unsigned ne = 0;

			evs[ne++] = (uint16_t)(old - 2);
			evs[ne++] = (uint16_t)(old - 1);
			evs[ne++] = old;
			evs[ne++] = (uint16_t)(old + 1);
			evs[ne++] = (uint16_t)(nw - 2);
			evs[ne++] = (uint16_t)(nw - 1);
			evs[ne++] = nw;
			evs[ne++] = (uint16_t)(nw + 1);
			evs[ne++] = 0;
			evs[ne++] = 65535;
			evs[ne++] = 32768;
			evs[ne++] = (uint16_t)rnd();
			for (k = 0; k < ne; k++)
				if (check_ne(evs[k], nw, old, ref_need_event_brute(evs[k], nw, old)))
					return -1;
		}
	}

	/* exhaustive over all events for two windows that straddle the wrap */
	for (k = 0; k < 65536; k++) {
		if (check_ne((uint16_t)k, 3, 65533, k >= 65533 || k <= 2))
			return -1;
		if (check_ne((uint16_t)k, 0, 65535, k == 65535))
			return -1;
	}

	/* random triples against the modular form, a sample against brute force */
	for (i = 0; i < n_rand; i++) {
		uint64_t r = rnd();
		uint16_t ev = (uint16_t)r, nw = (uint16_t)(r >> 16), old = (uint16_t)(r >> 32);

		if ((r >> 48) & 1) /* half the time: small windows, where it matters */
			nw = (uint16_t)(old + ((r >> 49) & 63));
		if ((r >> 55) & 1)
			ev = (uint16_t)(old + ((r >> 56) & 127) - 32);
		if (check_ne(ev, nw, old, ref_need_event_mod(ev, nw, old)))
			return -1;
		if (i % 4096 == 0 &&
		    ref_need_event_brute(ev, nw, old) != ref_need_event_mod(ev, nw, old)) {
			fprintf(stderr, "reference models disagree (test bug)\n");
			CHECK(0);
		}
	}
	return 0;
}

/* ---- little-endian accessors ------------------------------------------------ */

static int test_endian(void)
{
	vrq_le16 w16;
	vrq_le32 w32;
	vrq_le64 w64;
	uint8_t b[8];
	unsigned i;

	w16 = vrq_cpu_to_le16((uint16_t)rt(0x1234));
	memcpy(b, &w16, 2);
	CHECK_EQ(b[0], 0x34);
	CHECK_EQ(b[1], 0x12);
	CHECK_EQ(vrq_le16_to_cpu(w16), 0x1234);

	w32 = vrq_cpu_to_le32((uint32_t)rt(0x89abcdefu));
	memcpy(b, &w32, 4);
	CHECK_EQ(b[0], 0xef);
	CHECK_EQ(b[1], 0xcd);
	CHECK_EQ(b[2], 0xab);
	CHECK_EQ(b[3], 0x89);
	CHECK_EQ(vrq_le32_to_cpu(w32), 0x89abcdefu);

	w64 = vrq_cpu_to_le64(rt(0x0102030405060708ull));
	memcpy(b, &w64, 8);
	for (i = 0; i < 8; i++)
		CHECK_EQ(b[i], 8 - i);
	CHECK(vrq_le64_to_cpu(w64) == 0x0102030405060708ull);

	/* reading: bytes laid out little-endian give the value */
	{
		static const uint8_t in[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

		memcpy(&w16, in, 2);
		memcpy(&w32, in, 4);
		memcpy(&w64, in, 8);
		CHECK_EQ(vrq_le16_to_cpu(w16), 0x2211);
		CHECK_EQ(vrq_le32_to_cpu(w32), 0x44332211u);
		CHECK(vrq_le64_to_cpu(w64) == 0x8877665544332211ull);
	}

	/* random round trips and byte checks */
	for (i = 0; i < 10000; i++) {
		uint64_t v = rnd();
		unsigned k;

		w64 = vrq_cpu_to_le64(v);
		memcpy(b, &w64, 8);
		for (k = 0; k < 8; k++)
			CHECK_EQ(b[k], (uint8_t)(v >> (8 * k)));
		CHECK(vrq_le64_to_cpu(w64) == v);
		w32 = vrq_cpu_to_le32((uint32_t)v);
		memcpy(b, &w32, 4);
		for (k = 0; k < 4; k++)
			CHECK_EQ(b[k], (uint8_t)(v >> (8 * k)));
		CHECK_EQ(vrq_le32_to_cpu(w32), (uint32_t)v);
		w16 = vrq_cpu_to_le16((uint16_t)v);
		memcpy(b, &w16, 2);
		CHECK_EQ(b[0], (uint8_t)v);
		CHECK_EQ(b[1], (uint8_t)(v >> 8));
		CHECK_EQ(vrq_le16_to_cpu(w16), (uint16_t)v);
	}

	/* the descriptor as bytes on the wire */
	{
		struct vrq_split_desc d;
		uint8_t raw[16];

		d.addr = vrq_cpu_to_le64(0x1122334455667788ull);
		d.len = vrq_cpu_to_le32(0x99aabbccu);
		d.flags = vrq_cpu_to_le16(VRQ_DESC_F_NEXT | VRQ_DESC_F_WRITE);
		d.next = vrq_cpu_to_le16(0x0102);
		memcpy(raw, &d, 16);
		for (i = 0; i < 8; i++)
			CHECK_EQ(raw[i], (uint8_t)(0x1122334455667788ull >> (8 * i)));
		CHECK_EQ(raw[8], 0xcc);
		CHECK_EQ(raw[11], 0x99);
		CHECK_EQ(raw[12], 3);
		CHECK_EQ(raw[13], 0);
		CHECK_EQ(raw[14], 0x02);
		CHECK_EQ(raw[15], 0x01);
	}
	return 0;
}

/* ---- NOTIFICATION_DATA ------------------------------------------------------- */

static int test_notification_data(void)
{
	/* le32 { vqn : 16; next_off : 15; next_wrap : 1; } */
	static const uint16_t vqns[] = {0, 1, 2, 0x1234, 0x7fff, 0x8000, 0xffff};
	static const uint16_t idxs[] = {0, 1, 2, 0x7ffe, 0x7fff, 0x8000, 0x8001, 0xabcd, 0xfffe, 0xffff};
	unsigned i, j;

	for (i = 0; i < sizeof(vqns) / sizeof(vqns[0]); i++) {
		for (j = 0; j < sizeof(idxs) / sizeof(idxs[0]); j++) {
			uint32_t v = vrq_split_notification_data(vqns[i], idxs[j]);
			vrq_le32 w = vrq_cpu_to_le32(v);
			uint8_t b[4];

			CHECK_EQ(v & 0xffff, vqns[i]);		   /* vqn: bits 0..15 */
			CHECK_EQ((v >> 16) & 0x7fff, idxs[j] & 0x7fff); /* next_off: 16..30 */
			CHECK_EQ(v >> 31, idxs[j] >> 15);	   /* next_wrap: bit 31 */
			memcpy(b, &w, 4);
			CHECK_EQ(b[0], vqns[i] & 0xff);
			CHECK_EQ(b[1], vqns[i] >> 8);
			CHECK_EQ(b[2], idxs[j] & 0xff);
			CHECK_EQ(b[3], idxs[j] >> 8);
		}
	}
	CHECK(vrq_split_notification_data(3, 0x8005) == 0x80050003u);
	return 0;
}

int main(void)
{
	double scale = test_scale();

	if (test_struct_layout())
		fprintf(stderr, "FAILED: struct layout\n");
	if (test_constants())
		fprintf(stderr, "FAILED: constants\n");
	if (test_layout())
		fprintf(stderr, "FAILED: split layout\n");
	if (test_layout_huge_align())
		fprintf(stderr, "FAILED: split layout with a huge alignment\n");
	if (test_need_event(scale))
		fprintf(stderr, "FAILED: vrq_need_event\n");
	if (test_endian())
		fprintf(stderr, "FAILED: little-endian accessors\n");
	if (test_notification_data())
		fprintf(stderr, "FAILED: notification data\n");
	return vrq_test_done("test_spec_layout");
}
