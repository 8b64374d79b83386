/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_mem.c - the DA <-> VA memory map (vrq/mem.h, core/mem.c).
 *
 *  - add/lookup of several regions, translation both ways with exact
 *    pointer / address arithmetic;
 *  - boundaries: first and last byte inside, one past the end outside, a
 *    range spanning two adjacent regions rejected, len 0 = 1 byte;
 *  - overflow: DA near 2^64 with a large len must not wrap into a region, a
 *    region ending exactly at 2^64 - 1;
 *  - overlap / duplicate id (VRQ_EEXIST), table full (VRQ_ENOSPC),
 *    invalid arguments (VRQ_EINVAL), failed adds change nothing;
 *  - (region id, offset) addressing with vrq_mem_ref();
 *  - one writer adding regions while a reader thread translates: the reader
 *    must only ever see complete entries (exact va/size/da/id/flags).
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "vrq_test.h"

static double test_scale(void)
{
	const char *s = getenv("VRQ_TEST_SCALE");
	double v = s ? strtod(s, NULL) : 1.0;

	return v > 0.0 ? v : 1.0;
}

/* ---- basic add / lookup ------------------------------------------------------ */

#define NREG 5
#define REG_BYTES 4096

/* DA bases deliberately unrelated to the local addresses, unordered. */
static const uint64_t reg_da[NREG] = {0x7000000000ull, 0x10000ull, 0xfeed0000000ull,
				      0x10000ull + REG_BYTES /* adjacent to region 1 */,
				      0x400000000000ull};
static const uint32_t reg_id[NREG] = {7, 0, 0xffffffffu, 42, 3};

static int test_add_lookup(void)
{
	struct vrq_mem m;
	uint8_t *buf = (uint8_t *)vrq_test_alloc(NREG * REG_BYTES * 2);
	uint8_t *va[NREG];
	unsigned i;
	uint64_t da;
	int rc = -1;

	if (!buf)
		return -1;
	/* region i: va = buf + 2*i*REG_BYTES (gaps between), except region 3
	 * which is VA-adjacent to region 1 as well as DA-adjacent */
	for (i = 0; i < NREG; i++)
		va[i] = buf + 2 * (size_t)i * REG_BYTES;
	va[3] = va[1] + REG_BYTES;

	vrq_mem_init(&m);
	CHECK_EQ(m.n, 0);
	CHECK(vrq_mem_da_to_va(&m, reg_da[0], 1) == NULL);
	CHECK_EQ(vrq_mem_va_to_da(&m, va[0], 1, &da), -VRQ_ERANGE);
	CHECK(vrq_mem_region_by_id(&m, reg_id[0]) == NULL);

	for (i = 0; i < NREG; i++) {
		rc = vrq_mem_add(&m, reg_id[i], reg_da[i], va[i], REG_BYTES,
				 i == 4 ? VRQ_MEM_NONCOHERENT : VRQ_MEM_COHERENT);
		if (rc) {
			fprintf(stderr, "add region %u: %d (%s)\n", i, rc, vrq_strerror(rc));
			goto out;
		}
		if (m.n != i + 1)
			goto out;
	}
	rc = -1;

	for (i = 0; i < NREG; i++) {
		const struct vrq_mem_region *r = vrq_mem_region_by_id(&m, reg_id[i]);
		uint64_t off;

		if (!r || r->da != reg_da[i] || r->va != va[i] || r->size != REG_BYTES ||
		    r->id != reg_id[i] || r->flags != (i == 4 ? VRQ_MEM_NONCOHERENT : 0u)) {
			fprintf(stderr, "region %u: wrong entry\n", i);
			goto out;
		}
		for (off = 0; off < REG_BYTES; off += 1 + off * 3) {
			/* DA -> VA */
			if (vrq_mem_da_to_va(&m, reg_da[i] + off, 1) != va[i] + off ||
			    vrq_mem_find_da(&m, reg_da[i] + off, REG_BYTES - off) != r ||
			    vrq_mem_da_to_va(&m, reg_da[i] + off, REG_BYTES - off) != va[i] + off) {
				fprintf(stderr, "region %u off %llu: da_to_va wrong\n", i,
					(unsigned long long)off);
				goto out;
			}
			/* VA -> DA */
			da = 0;
			if (vrq_mem_va_to_da(&m, va[i] + off, REG_BYTES - off, &da) ||
			    da != reg_da[i] + off) {
				fprintf(stderr, "region %u off %llu: va_to_da wrong\n", i,
					(unsigned long long)off);
				goto out;
			}
		}
		/* first byte, last byte, whole region, one byte too long */
		if (vrq_mem_da_to_va(&m, reg_da[i], 1) != va[i] ||
		    vrq_mem_da_to_va(&m, reg_da[i] + REG_BYTES - 1, 1) != va[i] + REG_BYTES - 1 ||
		    vrq_mem_da_to_va(&m, reg_da[i], REG_BYTES) != va[i] ||
		    vrq_mem_da_to_va(&m, reg_da[i], REG_BYTES + 1) != NULL ||
		    vrq_mem_da_to_va(&m, reg_da[i] + REG_BYTES - 1, 2) != NULL ||
		    vrq_mem_da_to_va(&m, reg_da[i] - 1, 2) != NULL) {
			fprintf(stderr, "region %u: boundary wrong\n", i);
			goto out;
		}
		/* one past the end: outside, except that region 1 ends where
		 * region 3 starts; one before the start likewise */
		if (vrq_mem_da_to_va(&m, reg_da[i] + REG_BYTES, 1) != (i == 1 ? va[3] : NULL)) {
			fprintf(stderr, "region %u: one past the end wrong\n", i);
			goto out;
		}
		if (vrq_mem_da_to_va(&m, reg_da[i] - 1, 1) !=
		    (i == 3 ? va[1] + REG_BYTES - 1 : NULL)) {
			fprintf(stderr, "region %u: one before the start wrong\n", i);
			goto out;
		}
		/* len 0 counts as one byte: inside at the last byte, outside past it */
		if (vrq_mem_da_to_va(&m, reg_da[i] + REG_BYTES - 1, 0) != va[i] + REG_BYTES - 1 ||
		    vrq_mem_va_to_da(&m, va[i] + REG_BYTES - 1, 0, &da) ||
		    da != reg_da[i] + REG_BYTES - 1) {
			fprintf(stderr, "region %u: len 0 at the last byte\n", i);
			goto out;
		}
		if (i != 1 && vrq_mem_da_to_va(&m, reg_da[i] + REG_BYTES, 0) != NULL) {
			fprintf(stderr, "region %u: len 0 one past the end found\n", i);
			goto out;
		}
		/* VA one past the end: the VA-adjacent region if there is one */
		{
			unsigned j, nb = NREG;
			int r2;

			for (j = 0; j < NREG; j++)
				if (va[j] == va[i] + REG_BYTES)
					nb = j;
			da = 0;
			r2 = vrq_mem_va_to_da(&m, va[i] + REG_BYTES, 1, &da);
			if (nb < NREG ? (r2 != 0 || da != reg_da[nb]) : r2 != -VRQ_ERANGE) {
				fprintf(stderr, "region %u: va one past the end wrong\n", i);
				goto out;
			}
		}
		if (vrq_mem_va_to_da(&m, va[i], REG_BYTES + 1, &da) != -VRQ_ERANGE) {
			fprintf(stderr, "region %u: va range longer than region found\n", i);
			goto out;
		}
	}

	/* A range spanning the adjacent regions 1 and 3 is rejected both ways,
	 * though both sides are contiguous in DA and VA. */
	if (vrq_mem_da_to_va(&m, reg_da[1] + REG_BYTES - 8, 16) != NULL ||
	    vrq_mem_find_da(&m, reg_da[1], 2 * REG_BYTES) != NULL ||
	    vrq_mem_va_to_da(&m, va[1] + REG_BYTES - 8, 16, &da) != -VRQ_ERANGE ||
	    vrq_mem_va_to_da(&m, va[1], 2 * REG_BYTES, &da) != -VRQ_ERANGE) {
		fprintf(stderr, "range spanning two adjacent regions accepted\n");
		goto out;
	}
	/* ... but each side alone is fine and lands in the right region */
	if (vrq_mem_da_to_va(&m, reg_da[1] + REG_BYTES, 8) != va[3] ||
	    vrq_mem_find_da(&m, reg_da[1] + REG_BYTES, 8) != vrq_mem_region_by_id(&m, reg_id[3]))
		goto out;

	/* gaps between regions and around them */
	if (vrq_mem_da_to_va(&m, 0, 1) != NULL || vrq_mem_da_to_va(&m, UINT64_MAX, 1) != NULL ||
	    vrq_mem_da_to_va(&m, 0x20000ull, 1) != NULL ||
	    vrq_mem_va_to_da(&m, buf + REG_BYTES * 4 + REG_BYTES, 1, &da) != -VRQ_ERANGE)
		goto out;
	/* a failed va_to_da leaves *da alone */
	da = 0x1234;
	if (vrq_mem_va_to_da(&m, buf + 2 * REG_BYTES * 4 + REG_BYTES, 1, &da) != -VRQ_ERANGE ||
	    da != 0x1234)
		goto out;
	if (vrq_mem_region_by_id(&m, 1) != NULL || vrq_mem_region_by_id(&m, 8) != NULL)
		goto out;

	/* vrq_mem_init empties the table */
	vrq_mem_init(&m);
	if (m.n != 0 || vrq_mem_da_to_va(&m, reg_da[0], 1) != NULL ||
	    vrq_mem_region_by_id(&m, reg_id[0]) != NULL)
		goto out;
	rc = 0;
out:
	free(buf);
	if (rc)
		fprintf(stderr, "test_add_lookup failed\n");
	CHECK_EQ(rc, 0);
	return 0;
}

/* ---- overflow and the top of the address space -------------------------------- */

static int test_overflow(void)
{
	struct vrq_mem m;
	static uint8_t lo[4096], hi[4096], top1[16];
	uint64_t top = UINT64_MAX - sizeof(hi) + 1; /* region ends exactly at 2^64 - 1 */
	uint64_t da;

	vrq_mem_init(&m);
	CHECK_EQ(vrq_mem_add(&m, 1, 0x1000, lo, sizeof(lo), 0), 0);
	/* DA range that would wrap past 2^64 */
	CHECK_EQ(vrq_mem_add(&m, 2, top + 1, hi, sizeof(hi), 0), -VRQ_EINVAL);
	CHECK_EQ(vrq_mem_add(&m, 2, UINT64_MAX, hi, 2, 0), -VRQ_EINVAL);
	CHECK_EQ(m.n, 1);
	/* exactly up to 2^64 - 1 is fine */
	CHECK_EQ(vrq_mem_add(&m, 2, top, hi, sizeof(hi), 0), 0);

	/* lookups at the very top */
	CHECK(vrq_mem_da_to_va(&m, UINT64_MAX, 1) == hi + sizeof(hi) - 1);
	CHECK(vrq_mem_da_to_va(&m, UINT64_MAX, 0) == hi + sizeof(hi) - 1);
	CHECK(vrq_mem_da_to_va(&m, UINT64_MAX, 2) == NULL);
	CHECK(vrq_mem_da_to_va(&m, top, sizeof(hi)) == hi);
	CHECK(vrq_mem_da_to_va(&m, top, sizeof(hi) + 1) == NULL);
	CHECK(vrq_mem_da_to_va(&m, top - 1, 1) == NULL);
	CHECK(vrq_mem_da_to_va(&m, top - 1, 2) == NULL);
	CHECK_EQ(vrq_mem_va_to_da(&m, hi + sizeof(hi) - 1, 1, &da), 0);
	CHECK(da == UINT64_MAX);
	CHECK_EQ(vrq_mem_va_to_da(&m, hi, sizeof(hi), &da), 0);
	CHECK(da == top);

	/* da near 2^64 with a len that would wrap to land inside region 1 */
	CHECK(vrq_mem_da_to_va(&m, UINT64_MAX - 10, 0x2000) == NULL);
	CHECK(vrq_mem_find_da(&m, UINT64_MAX, 0x1001 + 1) == NULL);
	CHECK(vrq_mem_da_to_va(&m, top + 100, UINT64_MAX) == NULL);
	CHECK(vrq_mem_da_to_va(&m, top, UINT64_MAX - top + 2) == NULL);
	/* huge len from inside the low region */
	CHECK(vrq_mem_da_to_va(&m, 0x1000, UINT64_MAX) == NULL);
	CHECK(vrq_mem_da_to_va(&m, 0x1fff, UINT64_MAX) == NULL);
	CHECK(vrq_mem_da_to_va(&m, 0x1800, (uint64_t)1 << 63) == NULL);
	/* da below the region with a len reaching into it */
	CHECK(vrq_mem_da_to_va(&m, 0, 0x1001) == NULL);
	CHECK(vrq_mem_da_to_va(&m, 0xfff, 2) == NULL);
	/* VA side: huge lengths */
	CHECK_EQ(vrq_mem_va_to_da(&m, lo, UINT64_MAX, &da), -VRQ_ERANGE);
	CHECK_EQ(vrq_mem_va_to_da(&m, lo + 1, sizeof(lo), &da), -VRQ_ERANGE);
	CHECK_EQ(vrq_mem_va_to_da(&m, hi + 8, UINT64_MAX - 4, &da), -VRQ_ERANGE);

	/* a one-byte region at 2^64 - 1 overlaps the top region */
	CHECK_EQ(vrq_mem_add(&m, 3, UINT64_MAX, top1, 1, 0), -VRQ_EEXIST);
	/* a VA range that wraps the local address space */
	CHECK_EQ(vrq_mem_add(&m, 4, 0x9000000, (void *)(UINTPTR_MAX - 15), 32, 0), -VRQ_EINVAL);
	CHECK_EQ(m.n, 2);

	/* on its own, a one-byte region at 2^64 - 1 */
	vrq_mem_init(&m);
	CHECK_EQ(vrq_mem_add(&m, 3, UINT64_MAX, top1, 1, 0), 0);
	CHECK(vrq_mem_da_to_va(&m, UINT64_MAX, 1) == top1);
	CHECK(vrq_mem_da_to_va(&m, UINT64_MAX, 2) == NULL);
	CHECK(vrq_mem_da_to_va(&m, UINT64_MAX - 1, 2) == NULL);
	CHECK(vrq_mem_da_to_va(&m, 0, 1) == NULL);
	/* a region at DA 0 */
	CHECK_EQ(vrq_mem_add(&m, 5, 0, lo, sizeof(lo), 0), 0);
	CHECK(vrq_mem_da_to_va(&m, 0, 0) == lo);
	CHECK(vrq_mem_da_to_va(&m, UINT64_MAX, 1) == top1);
	CHECK(vrq_mem_da_to_va(&m, UINT64_MAX, 0x10) == NULL);
	return 0;
}

/* ---- overlap, duplicates, table full, invalid args ------------------------------ */

static int test_reject(void)
{
	struct vrq_mem m;
	uint8_t *buf = (uint8_t *)vrq_test_alloc(64 * 4096);
	uint32_t i;
	int ok = 0;

	CHECK(buf != NULL);
	vrq_mem_init(&m);
	/* base region: DA [0x100000, 0x102000), VA [buf, buf + 8192) */
	if (vrq_mem_add(&m, 10, 0x100000, buf, 8192, 0))
		goto out;

	/* DA overlaps, all with fresh ids and non-overlapping VAs */
	if (vrq_mem_add(&m, 11, 0x100000, buf + 16384, 8192, 0) != -VRQ_EEXIST || /* same */
	    vrq_mem_add(&m, 11, 0x101fff, buf + 16384, 1, 0) != -VRQ_EEXIST ||    /* last byte */
	    vrq_mem_add(&m, 11, 0xff000, buf + 16384, 0x1001, 0) != -VRQ_EEXIST || /* first byte */
	    vrq_mem_add(&m, 11, 0x100800, buf + 16384, 16, 0) != -VRQ_EEXIST ||   /* inside */
	    vrq_mem_add(&m, 11, 0xf0000, buf + 16384, 0x20000, 0) != -VRQ_EEXIST) /* covers */
		goto out;
	/* VA overlaps with a fresh DA range */
	if (vrq_mem_add(&m, 11, 0x900000, buf + 8191, 16, 0) != -VRQ_EEXIST ||
	    vrq_mem_add(&m, 11, 0x900000, buf + 4096, 16, 0) != -VRQ_EEXIST ||
	    vrq_mem_add(&m, 11, 0x900000, buf, 1, 0) != -VRQ_EEXIST)
		goto out;
	/* duplicate id, no overlap at all */
	if (vrq_mem_add(&m, 10, 0x900000, buf + 16384, 16, 0) != -VRQ_EEXIST)
		goto out;
	/* invalid args */
	if (vrq_mem_add(&m, 11, 0x900000, buf + 16384, 0, 0) != -VRQ_EINVAL ||    /* size 0 */
	    vrq_mem_add(&m, 11, 0x900000, NULL, 16, 0) != -VRQ_EINVAL ||	  /* NULL va */
	    vrq_mem_add(&m, 11, 0x900000, buf + 16384, 16, 2) != -VRQ_EINVAL ||   /* flags */
	    vrq_mem_add(&m, 11, 0x900000, buf + 16384, 16, 0x80000000u) != -VRQ_EINVAL)
		goto out;
	/* nothing above changed the table */
	if (m.n != 1 || vrq_mem_region_by_id(&m, 11) != NULL || vrq_mem_da_to_va(&m, 0x900000, 1))
		goto out;
	/* exactly adjacent on both sides in DA and VA is not an overlap */
	if (vrq_mem_add(&m, 11, 0x102000, buf + 8192, 4096, 0) ||
	    vrq_mem_add(&m, 12, 0xff000, buf + 12288, 0x1000, 0))
		goto out;
	if (vrq_mem_da_to_va(&m, 0x101fff, 1) != buf + 8191 ||
	    vrq_mem_da_to_va(&m, 0x102000, 1) != buf + 8192 ||
	    vrq_mem_da_to_va(&m, 0xfffff, 1) != buf + 12288 + 4095)
		goto out;

	/* fill the table: ids 100.., DA 1 MiB apart, VA 4 KiB apart */
	for (i = m.n; i < VRQ_MEM_MAX_REGIONS; i++)
		if (vrq_mem_add(&m, 100 + i, 0x10000000ull + (uint64_t)i * 0x100000,
				buf + 16 * 4096 + (size_t)i * 2048, 2048, 0)) {
			fprintf(stderr, "add %u of %u failed\n", i, VRQ_MEM_MAX_REGIONS);
			goto out;
		}
	if (m.n != VRQ_MEM_MAX_REGIONS)
		goto out;
	/* full: a valid fresh region is refused with ENOSPC */
	if (vrq_mem_add(&m, 999, 0x7000000000ull, buf + 48 * 4096, 4096, 0) != -VRQ_ENOSPC ||
	    m.n != VRQ_MEM_MAX_REGIONS)
		goto out;
	/* ... but all of them translate */
	for (i = 3; i < VRQ_MEM_MAX_REGIONS; i++) {
		uint64_t da = 0x10000000ull + (uint64_t)i * 0x100000;

		if (vrq_mem_da_to_va(&m, da + 2047, 1) != buf + 16 * 4096 + (size_t)i * 2048 + 2047 ||
		    vrq_mem_da_to_va(&m, da + 2047, 2) != NULL)
			goto out;
	}
	ok = 1;
out:
	free(buf);
	CHECK(ok);
	return 0;
}

/* ---- (id, offset) addressing ------------------------------------------------------ */

static int test_ref(void)
{
	struct vrq_mem m;
	static uint8_t a[1000], b[3000];
	void *va;
	uint64_t da;

	vrq_mem_init(&m);
	CHECK_EQ(vrq_mem_add(&m, 5, 0xabc000, a, sizeof(a), 0), 0);
	CHECK_EQ(vrq_mem_add(&m, 6, 0x5000000, b, sizeof(b), 0), 0);

	CHECK_EQ(vrq_mem_ref(&m, 5, 0, sizeof(a), &va, &da), 0);
	CHECK(va == a && da == 0xabc000);
	CHECK_EQ(vrq_mem_ref(&m, 6, 123, 10, &va, &da), 0);
	CHECK(va == b + 123 && da == 0x5000000 + 123);
	CHECK_EQ(vrq_mem_ref(&m, 6, sizeof(b) - 1, 1, &va, &da), 0);
	CHECK(va == b + sizeof(b) - 1 && da == 0x5000000 + sizeof(b) - 1);
	/* round trip through the address translators */
	CHECK(vrq_mem_da_to_va(&m, da, 1) == va);
	CHECK_EQ(vrq_mem_ref(&m, 6, 2000, 0, &va, &da), 0);
	CHECK(va == b + 2000 && da == 0x5000000 + 2000);
	/* NULL outputs are allowed */
	CHECK_EQ(vrq_mem_ref(&m, 5, 10, 10, NULL, &da), 0);
	CHECK(da == 0xabc000 + 10);
	CHECK_EQ(vrq_mem_ref(&m, 5, 10, 10, &va, NULL), 0);
	CHECK(va == a + 10);
	/* out of range */
	va = (void *)0x1;
	da = 7;
	CHECK_EQ(vrq_mem_ref(&m, 5, sizeof(a), 0, &va, &da), -VRQ_ERANGE);
	CHECK_EQ(vrq_mem_ref(&m, 5, sizeof(a), 1, &va, &da), -VRQ_ERANGE);
	CHECK_EQ(vrq_mem_ref(&m, 5, 0, sizeof(a) + 1, &va, &da), -VRQ_ERANGE);
	CHECK_EQ(vrq_mem_ref(&m, 5, 999, 2, &va, &da), -VRQ_ERANGE);
	CHECK_EQ(vrq_mem_ref(&m, 5, 1, UINT64_MAX, &va, &da), -VRQ_ERANGE);
	CHECK_EQ(vrq_mem_ref(&m, 5, UINT64_MAX, 2, &va, &da), -VRQ_ERANGE);
	CHECK_EQ(vrq_mem_ref(&m, 7, 0, 1, &va, &da), -VRQ_ERANGE); /* unknown id */
	CHECK(va == (void *)0x1 && da == 7);			  /* untouched */
	return 0;
}

/* ---- vrq_mem_da_to_va_hint ------------------------------------------------------- */

static int test_hint(void)
{
	struct vrq_mem m;
	static uint8_t a[256], b[256];
	const struct vrq_mem_region *hint = NULL, *ra, *rb;

	vrq_mem_init(&m);
	CHECK_EQ(vrq_mem_add(&m, 1, 0x1000, a, sizeof(a), 0), 0);
	CHECK_EQ(vrq_mem_add(&m, 2, 0x1100, b, sizeof(b), 0), 0); /* DA-adjacent */
	ra = vrq_mem_region_by_id(&m, 1);
	rb = vrq_mem_region_by_id(&m, 2);
	CHECK(ra && rb);

	/* a miss with no hint looks up and sets it */
	CHECK(vrq_mem_da_to_va_hint(&m, 0x1010, 4, &hint) == a + 0x10);
	CHECK(hint == ra);
	/* hit through the hint, up to the last byte */
	CHECK(vrq_mem_da_to_va_hint(&m, 0x10ff, 1, &hint) == a + 0xff);
	CHECK(vrq_mem_da_to_va_hint(&m, 0x1000, sizeof(a), &hint) == a);
	CHECK(hint == ra);
	/* past the hinted region: the neighbour, and the hint moves */
	CHECK(vrq_mem_da_to_va_hint(&m, 0x1100, 1, &hint) == b);
	CHECK(hint == rb);
	/* below the hinted region */
	CHECK(vrq_mem_da_to_va_hint(&m, 0x10fe, 2, &hint) == a + 0xfe);
	CHECK(hint == ra);
	/* spanning both: rejected, hint unchanged */
	CHECK(vrq_mem_da_to_va_hint(&m, 0x10fe, 4, &hint) == NULL);
	CHECK(hint == ra);
	/* len 0 counts as one byte */
	CHECK(vrq_mem_da_to_va_hint(&m, 0x10ff, 0, &hint) == a + 0xff);
	CHECK(vrq_mem_da_to_va_hint(&m, 0x1200, 0, &hint) == NULL);
	/* overflow with a hint in place: huge len, da near 2^64 */
	CHECK(vrq_mem_da_to_va_hint(&m, 0x1010, UINT64_MAX, &hint) == NULL);
	CHECK(vrq_mem_da_to_va_hint(&m, UINT64_MAX - 8, 0x2000, &hint) == NULL);
	CHECK(vrq_mem_da_to_va_hint(&m, 0xfff, 2, &hint) == NULL);
	CHECK(hint == ra);
	/* agrees with vrq_mem_da_to_va everywhere around the regions */
	{
		uint64_t da, len;

		for (da = 0xf00; da < 0x1300; da += 3)
			for (len = 0; len < 0x240; len += 17) {
				void *want = vrq_mem_da_to_va(&m, da, len);

				if (vrq_mem_da_to_va_hint(&m, da, len, &hint) != want) {
					fprintf(stderr, "hint lookup da=%#llx len=%llu differs\n",
						(unsigned long long)da, (unsigned long long)len);
					CHECK(0);
				}
				if (want)
					CHECK(hint == vrq_mem_find_da(&m, da, len));
			}
	}
	return 0;
}

/* ---- concurrent add while another thread looks up --------------------------------- */

#define CC_REGIONS VRQ_MEM_MAX_REGIONS
#define CC_BYTES 512

struct cc {
	struct vrq_mem m;
	uint8_t *buf;
	int done;      /* writer finished; atomic */
	int published; /* regions the writer has added; atomic, informational */
	long seen[CC_REGIONS];
	long lookups;
	int bad;
	char why[200];
};

/* What region k must look like: every field differs per k. */
static uint64_t cc_da(unsigned k)
{
	return 0x3000000000ull + (uint64_t)k * 0x1010000ull;
}
static uint8_t *cc_va(const struct cc *c, unsigned k)
{
	return c->buf + (size_t)k * CC_BYTES;
}
static uint64_t cc_size(unsigned k)
{
	return CC_BYTES - 8 * k;
}
static uint32_t cc_id(unsigned k)
{
	return 0x5a000000u + k * 0x10101u;
}
static uint32_t cc_flags(unsigned k)
{
	return k & 1 ? VRQ_MEM_NONCOHERENT : VRQ_MEM_COHERENT;
}

static int cc_check_entry(struct cc *c, const struct vrq_mem_region *r, unsigned k,
			  const char *how)
{
	if (r->da != cc_da(k) || r->va != cc_va(c, k) || r->size != cc_size(k) || r->id != cc_id(k) ||
	    r->flags != cc_flags(k)) {
		snprintf(c->why, sizeof(c->why),
			 "%s region %u: da=%#llx va=%p size=%llu id=%#x flags=%u (torn entry)", how, k,
			 (unsigned long long)r->da, (void *)r->va, (unsigned long long)r->size, r->id,
			 r->flags);
		c->bad = 1;
		return -1;
	}
	return 0;
}

/*
 * Every entry below the published count is complete.  Regions are added in
 * order 0, 1, ..., so entry k is region k.  (The lookups read the count
 * with acquire; this does the same.)
 */
static int cc_check_published(struct cc *c)
{
	uint32_t n = __atomic_load_n(&c->m.n, __ATOMIC_ACQUIRE), k;

	if (n > CC_REGIONS) {
		snprintf(c->why, sizeof(c->why), "published count %u", n);
		c->bad = 1;
		return -1;
	}
	for (k = 0; k < n; k++)
		if (cc_check_entry(c, &c->m.r[k], k, "published"))
			return -1;
	return 0;
}

static void *cc_reader(void *arg)
{
	struct cc *c = (struct cc *)arg;
	int had[CC_REGIONS] = {0};
	int last = 0;

	for (;;) {
		/* read done first: after it is seen set, every region must be there */
		int fin = __atomic_load_n(&c->done, __ATOMIC_ACQUIRE);
		unsigned k;

		if (cc_check_published(c))
			return NULL;

		for (k = 0; k < CC_REGIONS; k++) {
			const struct vrq_mem_region *r = vrq_mem_region_by_id(&c->m, cc_id(k));
			const struct vrq_mem_region *f;
			uint64_t off = (k * 37u) % cc_size(k), da;
			void *va;

			c->lookups++;
			if (r) {
				if (cc_check_entry(c, r, k, "by_id"))
					return NULL;
				had[k] = 1;
				c->seen[k]++;
			} else if (had[k] || fin) {
				snprintf(c->why, sizeof(c->why), "region %u %s", k,
					 had[k] ? "disappeared" : "missing after the writer finished");
				c->bad = 1;
				return NULL;
			}
			/* translations: either not there yet, or exact */
			f = vrq_mem_find_da(&c->m, cc_da(k) + off, cc_size(k) - off);
			if (f && cc_check_entry(c, f, k, "find_da"))
				return NULL;
			if (!f && r) {
				snprintf(c->why, sizeof(c->why), "region %u by id but not by da", k);
				c->bad = 1;
				return NULL;
			}
			va = vrq_mem_da_to_va(&c->m, cc_da(k) + off, 1);
			if (va && va != cc_va(c, k) + off) {
				snprintf(c->why, sizeof(c->why), "region %u: da_to_va %p != %p", k, va,
					 (void *)(cc_va(c, k) + off));
				c->bad = 1;
				return NULL;
			}
			if (vrq_mem_va_to_da(&c->m, cc_va(c, k) + off, 1, &da) == 0 &&
			    da != cc_da(k) + off) {
				snprintf(c->why, sizeof(c->why), "region %u: va_to_da %#llx", k,
					 (unsigned long long)da);
				c->bad = 1;
				return NULL;
			}
			if (vrq_mem_ref(&c->m, cc_id(k), off, 1, &va, &da) == 0 &&
			    (va != cc_va(c, k) + off || da != cc_da(k) + off)) {
				snprintf(c->why, sizeof(c->why), "region %u: mem_ref wrong", k);
				c->bad = 1;
				return NULL;
			}
		}
		if (fin) {
			if (last)
				break;
			last = 1; /* one more full pass after done */
		}
		/* on a single (or throttled) CPU, hand the writer back its turn */
		sched_yield();
	}
	return NULL;
}

static int test_concurrent(double scale)
{
	long rounds = (long)(1000 * scale);
	long r, total_seen = 0, total_lookups = 0;
	struct cc *c;
	uint8_t *buf;

	if (rounds < 10)
		rounds = 10;
	c = (struct cc *)calloc(1, sizeof(*c));
	buf = (uint8_t *)vrq_test_alloc((size_t)CC_REGIONS * CC_BYTES);
	if (!c || !buf) {
		free(c);
		free(buf);
		CHECK(0);
	}
	for (r = 0; r < rounds; r++) {
		pthread_t th;
		unsigned k;

		/* poison the table so a read of an unpublished entry is visible */
		memset(&c->m, 0xa5, sizeof(c->m));
		vrq_mem_init(&c->m);
		for (k = 0; k < CC_REGIONS; k++) {
			/* stale entries past n: the right id, wrong everything else */
			c->m.r[k].id = cc_id(k);
			c->m.r[k].da = cc_da(k) + 1;
			c->m.r[k].size = cc_size(k) + 16;
			c->m.r[k].va = buf + 1;
		}
		c->buf = buf;
		c->done = 0;
		c->bad = 0;
		c->lookups = 0;
		memset(c->seen, 0, sizeof(c->seen));
		if (pthread_create(&th, NULL, cc_reader, c)) {
			free(c);
			free(buf);
			CHECK(0);
		}
		for (k = 0; k < CC_REGIONS; k++) {
			int rc = vrq_mem_add(&c->m, cc_id(k), cc_da(k), cc_va(c, k), cc_size(k),
					     cc_flags(k));

			if (rc) {
				fprintf(stderr, "concurrent add %u: %d\n", k, rc);
				c->bad = 2;
			}
			__atomic_store_n(&c->published, (int)k + 1, __ATOMIC_RELAXED);
			if ((r + k) % 2 == 0)
				sched_yield();
		}
		__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
		if (c->bad) {
			fprintf(stderr, "round %ld: %s\n", r, c->bad == 2 ? "add failed" : c->why);
			free(c);
			free(buf);
			CHECK(0);
		}
		for (k = 0; k < CC_REGIONS; k++)
			total_seen += c->seen[k];
		total_lookups += c->lookups;
	}
	free(c);
	free(buf);
	/* the final pass alone sees all regions in every round */
	CHECK(total_seen >= rounds * CC_REGIONS);
	CHECK(total_lookups > 0);
	return 0;
}

/*
 * Same property with deterministic interleavings on one thread: a fast
 * interval timer interrupts vrq_mem_add() at arbitrary instructions and the
 * handler performs the lookups (they only read memory, so they are
 * async-signal-safe).  On a single or throttled CPU the thread test above
 * mostly interleaves at whole adds; this one lands inside them.
 */
static struct cc *sig_cc;
static volatile sig_atomic_t sig_in_init, sig_hits, sig_armed;

static void sig_reader(int signo)
{
	struct cc *c = sig_cc;
	unsigned k;

	(void)signo;
	if (!sig_armed || sig_in_init || c->bad)
		return;
	sig_hits++;
	if (cc_check_published(c))
		return;
	for (k = 0; k < CC_REGIONS; k++) {
		const struct vrq_mem_region *r = vrq_mem_region_by_id(&c->m, cc_id(k));
		const struct vrq_mem_region *f = vrq_mem_find_da(&c->m, cc_da(k), cc_size(k));
		uint64_t da;

		if ((r && cc_check_entry(c, r, k, "sig by_id")) ||
		    (f && cc_check_entry(c, f, k, "sig find_da")))
			return;
		if (vrq_mem_va_to_da(&c->m, cc_va(c, k) + 3, 1, &da) == 0 && da != cc_da(k) + 3) {
			c->bad = 1;
			return;
		}
	}
}

static int test_signal_interleave(double scale)
{
	long target = (long)(3000 * scale) + 50, iters = 0, max_iters = 20000000;
	struct itimerval it;
	struct sigaction sa, old_sa;
	struct cc *c = (struct cc *)calloc(1, sizeof(*c));
	uint8_t *buf = (uint8_t *)vrq_test_alloc((size_t)CC_REGIONS * CC_BYTES);
	int ok = 1;

	if (!c || !buf) {
		free(c);
		free(buf);
		CHECK(0);
	}
	c->buf = buf;
	sig_cc = c;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_reader;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGALRM, &sa, &old_sa)) {
		free(c);
		free(buf);
		CHECK(0);
	}
	memset(&it, 0, sizeof(it));
	it.it_interval.tv_usec = 50;
	it.it_value.tv_usec = 50;
	sig_hits = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	/* no assertion on how many interrupts land: bounded by iterations */
	while (sig_hits < target && iters < max_iters && !c->bad) {
		unsigned k;

		sig_in_init = 1;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		vrq_mem_init(&c->m);
		for (k = 0; k < CC_REGIONS; k++) {
			c->m.r[k].id = cc_id(k);
			c->m.r[k].da = cc_da(k) + 1;
			c->m.r[k].size = cc_size(k) + 16;
			c->m.r[k].va = buf + 1;
		}
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		sig_in_init = 0;
		sig_armed = 1;
		for (k = 0; k < CC_REGIONS; k++, iters++)
			if (vrq_mem_add(&c->m, cc_id(k), cc_da(k), cc_va(c, k), cc_size(k),
					cc_flags(k)))
				ok = 0;
	}
	sig_armed = 0;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	if (c->bad)
		fprintf(stderr, "signal reader: %s\n", c->why[0] ? c->why : "va_to_da wrong");
	ok = ok && !c->bad;
	free(c);
	free(buf);
	CHECK(ok);
	return 0;
}

int main(void)
{
	double scale = test_scale();

	if (test_add_lookup())
		fprintf(stderr, "FAILED: add/lookup\n");
	if (test_overflow())
		fprintf(stderr, "FAILED: overflow\n");
	if (test_reject())
		fprintf(stderr, "FAILED: reject\n");
	if (test_ref())
		fprintf(stderr, "FAILED: mem_ref\n");
	if (test_hint())
		fprintf(stderr, "FAILED: da_to_va_hint\n");
	if (test_concurrent(scale))
		fprintf(stderr, "FAILED: concurrent add/lookup\n");
	if (test_signal_interleave(scale))
		fprintf(stderr, "FAILED: add interrupted by lookups\n");
	return vrq_test_done("test_mem");
}
