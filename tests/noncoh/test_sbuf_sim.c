/* SPDX-License-Identifier: MIT */
/*
 * test_sbuf_sim: the cache maintenance of RPMsg structured buffers, on the
 * cache simulator (cachesim.h), where a missing clean or invalidate shows.
 *
 * A requester (view 0) and a responder (view 1) register the same
 * non-coherent region.  The requester fills an OUT area, zeroes the IN
 * area it wants the answer in (dirty lines in its cache), and sends; the
 * responder reads OUT, writes an answer derived from it into IN and
 * replies; the requester reads IN.  Both sides call only vrq_sbuf_build /
 * vrq_sbuf_parse / vrq_sbuf_sync, as the bus does.  Every byte is checked,
 * with random early evictions ("chaos") on.
 *
 * Then every cache-maintenance site in transports/rpmsg/wire.c that the
 * scenario reaches is switched off in turn: each mutant must make the
 * scenario read wrong bytes somewhere in a few hundred rounds, which shows
 * each operation is needed (and that this test would catch its loss).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cachesim.h"
#include "vrq/rpmsg.h"

#define LINE 64u
#define MEM (64u * 1024u)
#define DA 0x70000000ull
#define OUT_OFF 0u
#define IN_OFF 16384u

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Byte i of round r's data (tag 1: request, 2: answer).  Pseudo-random, so a
 * stale line never holds the new bytes by chance: the simulator tracks
 * dirtiness by comparing a view with its snapshot, and a store of the
 * value a stale snapshot already has would not count as dirty. */
static uint8_t pat(unsigned r, uint32_t i, unsigned tag)
{
	uint64_t x = ((uint64_t)r << 32 | i) * 0x9E3779B97F4A7C15ull + tag;

	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ull;
	return (uint8_t)(x >> 56);
}

/* one request/response; 0 if every byte read is right */
static int round_trip(struct vrq_mem *ma, struct vrq_mem *mb, unsigned round)
{
	uint8_t *a = csim_view(0), *b = csim_view(1);
	uint32_t out_len = 64 + rnd() % 4000, in_len = 64 + rnd() % 4000;
	uint32_t out_off = OUT_OFF + (rnd() % 64) * 8, in_off = IN_OFF + (rnd() % 64) * 8;
	struct vrq_sbuf_ref refs[2] = {
		{.region = 1, .dir = VRQ_SBUF_OUT, .offset = out_off, .size = out_len},
		{.region = 1, .dir = VRQ_SBUF_IN, .offset = in_off, .size = in_len},
	};
	struct vrq_sbuf_ref got[2];
	struct vrq_sbuf_msg msg;
	uint8_t wire[128];
	uint32_t i;
	int n, bad = 0;

	/* requester: data in OUT, its IN area zeroed (dirty lines in its cache) */
	for (i = 0; i < out_len; i++)
		a[out_off + i] = pat(round, i, 1);
	memset(a + in_off, 0, in_len);
	n = vrq_sbuf_build(ma, wire, sizeof(wire), round, 0, refs, 2, NULL, 0);
	if (n < 0)
		return -100;
	vrq_sbuf_sync(ma, refs, 2, 0, true);

	/* responder (the message bytes travel coherently, as the ring does) */
	if (vrq_sbuf_parse(mb, wire, (uint32_t)n, &msg, got, 2))
		return -101;
	vrq_sbuf_sync(mb, got, 2, 0, false);
	for (i = 0; i < out_len; i++)
		if (((uint8_t *)got[0].va)[i] != pat(round, i, 1)) {
			if (getenv("SBUF_DEBUG"))
				fprintf(stderr, "round %u OUT byte %u (off %u len %u)\n", round, i, out_off, out_len);
			bad++;
		}
	for (i = 0; i < in_len; i++)
		((uint8_t *)got[1].va)[i] = pat(round, i, 2);
	n = vrq_sbuf_build(mb, wire, sizeof(wire), round, VRQ_SBUF_REPLY, &got[1], 1, NULL, 0);
	if (n < 0)
		return -102;
	vrq_sbuf_sync(mb, &got[1], 1, VRQ_SBUF_REPLY, true);

	/* requester reads the answer */
	if (vrq_sbuf_parse(ma, wire, (uint32_t)n, &msg, got, 2))
		return -103;
	vrq_sbuf_sync(ma, got, 1, VRQ_SBUF_REPLY, false);
	for (i = 0; i < in_len; i++)
		if (a[in_off + i] != pat(round, i, 2)) {
			if (getenv("SBUF_DEBUG"))
				fprintf(stderr, "round %u IN byte %u (off %u len %u)\n", round, i, in_off, in_len);
			bad++;
		}
	(void)b;
	return bad;
}

static int scenario(unsigned rounds, unsigned chaos)
{
	struct vrq_mem ma, mb;
	unsigned r;
	int bad = 0, rc;

	csim_fill(0xA5);
	csim_set_chaos(chaos);
	vrq_mem_init(&ma);
	vrq_mem_init(&mb);
	if (vrq_mem_add(&ma, 1, DA, csim_view(0), MEM, VRQ_MEM_NONCOHERENT) ||
	    vrq_mem_add(&mb, 1, DA, csim_view(1), MEM, VRQ_MEM_NONCOHERENT))
		return -1;
	for (r = 0; r < rounds; r++) {
		rc = round_trip(&ma, &mb, r);
		if (rc < 0)
			return rc;
		bad += rc;
	}
	return bad;
}

int main(void)
{
	const char *sites[CSIM_MAX_SITES];
	char copy[CSIM_MAX_SITES][128];
	unsigned n, i, killed = 0, wire_sites = 0;
	int rc, fails = 0;

	if (csim_init(MEM, LINE, 2)) {
		fprintf(stderr, "csim_init failed\n");
		return 1;
	}
	rc = scenario(300, 50);
	if (rc != 0) {
		fprintf(stderr, "FAIL: %d wrong bytes (or setup error) with every operation on\n", rc);
		return 1;
	}
	n = csim_sites(sites, CSIM_MAX_SITES);
	for (i = 0; i < n; i++)
		snprintf(copy[i], sizeof(copy[i]), "%s", sites[i]);
	for (i = 0; i < n; i++) {
		if (!strstr(copy[i], "rpmsg/wire.c"))
			continue;
		wire_sites++;
		csim_disable_site(copy[i]);
		rc = scenario(300, 50);
		csim_disable_site(NULL);
		if (rc > 0) {
			killed++;
			printf("  mutant %-40s caught: %d wrong bytes\n", copy[i], rc);
		} else {
			printf("  mutant %-40s NOT caught (%d)\n", copy[i], rc);
			fails++;
		}
	}
	/* request send: clean OUT, invalidate IN; request receive: invalidate
	 * OUT; reply send: clean IN; reply receive: invalidate IN */
	if (wire_sites != 5) {
		fprintf(stderr, "FAIL: expected 5 maintenance sites in wire.c, saw %u\n", wire_sites);
		fails++;
	}
	printf("test_sbuf_sim: %u/%u mutants caught\n", killed, wire_sites);
	csim_fini();
	return fails ? 1 : 0;
}
