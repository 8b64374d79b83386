/* SPDX-License-Identifier: MIT */
/*
 * tests/build/mem_regions.c - a consumer of the region table.  Built as
 * test mem_regions (with -DVRQ_MEM_MAX_REGIONS=16, the one value mem.h
 * accepts): the table the library fills is exactly the caller's struct
 * (a guard right after it stays intact through vrq_mem_init() and 16
 * vrq_mem_add()s), it takes 16 regions and refuses the 17th with
 * -VRQ_ENOSPC, and every region is found again.  mem_regions_override
 * compiles it with -DVRQ_MEM_MAX_REGIONS=2 and expects mem.h's #error.
 */
#include <stdio.h>
#include <string.h>

#include <vrq/mem.h>

#define GUARD 64

static struct {
	struct vrq_mem m;
	unsigned char guard[GUARD]; /* the bytes right after the caller's table */
} t;

static unsigned char bufs[17][64];

static int guard_ok(void)
{
	unsigned i;

	for (i = 0; i < GUARD; i++)
		if (t.guard[i] != 0xa5)
			return 0;
	return 1;
}

int main(void)
{
	unsigned i;
	int rc;

	memset(t.guard, 0xa5, sizeof(t.guard));
	memset(&t.m, 0xff, sizeof(t.m));
	vrq_mem_init(&t.m);
	if (!guard_ok() || t.m.n != 0) {
		fprintf(stderr, "vrq_mem_init wrote outside the caller's struct vrq_mem (%zu bytes)\n",
			sizeof(t.m));
		return 1;
	}
	for (i = 0; i < 16; i++) {
		rc = vrq_mem_add(&t.m, i, 0x100000ull * (i + 1), bufs[i], sizeof(bufs[i]), 0);
		if (rc != 0) {
			fprintf(stderr, "vrq_mem_add #%u: %d (%s)\n", i, rc, vrq_strerror(rc));
			return 1;
		}
	}
	rc = vrq_mem_add(&t.m, 16, 0x100000ull * 17, bufs[16], sizeof(bufs[16]), 0);
	if (rc != -VRQ_ENOSPC) {
		fprintf(stderr, "17th region: %d, expected -VRQ_ENOSPC (%d)\n", rc, -VRQ_ENOSPC);
		return 1;
	}
	for (i = 0; i < 16; i++)
		if (vrq_mem_da_to_va(&t.m, 0x100000ull * (i + 1) + 8, 8) != bufs[i] + 8)
			return 1;
	if (!guard_ok()) {
		fprintf(stderr, "vrq_mem_add wrote past the caller's struct vrq_mem\n");
		return 1;
	}
	printf("mem_regions: %u regions, struct vrq_mem %zu bytes: ok\n", VRQ_MEM_MAX_REGIONS,
	       sizeof(t.m));
	return 0;
}
