/* SPDX-License-Identifier: MIT */
/*
 * tests/hostile/test_split_fuzz.c - libFuzzer entry point for the split
 * ring's device role: the input is the content of the shared memory a
 * hostile driver controls, and the device pops from it.
 *
 * Input layout (missing bytes read as zero):
 *   [0]      queue size = 1 << (in[0] % 9)          (1 .. 256)
 *   [1]      bit 0 INDIRECT_DESC, bit 1 IN_ORDER, bit 2 pop with a small
 *            segment array (ESEGCAP path), bit 3 keep popped heads in
 *            flight (no push: a head offered twice is VRQ_EHEAD_INFLIGHT),
 *            bits 4..7 unused
 *   [2..3]   avail idx (le16)
 *   then     descriptor table (16 * size bytes), avail ring (2 * size),
 *            then the 4 KiB "table" region (indirect tables, at TBL_DA)
 *
 * Every pop must return 1, 0, a device-side peer error (or -VRQ_ESEGCAP with
 * the small array); a head popped and not pushed yet must come back as
 * VRQ_EHEAD_INFLIGHT (unless the avail idx is bad), and no other head may;
 * every popped segment must lie inside one registered
 * region (checked against our own list); the peer_err counters must add up
 * to the errors returned.  A violation aborts (a libFuzzer crash).
 *
 * Build for fuzzing (plus the core/ sources):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DVRQ_LIBFUZZER \
 *     -Iinclude -I. -Itests/common tests/hostile/test_split_fuzz.c core/...
 * Without VRQ_LIBFUZZER, main() replays fixed seeds plus a seeded random
 * corpus (scaled by VRQ_TEST_SCALE), so this runs as an ordinary test.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrq_test.h"

#define TBL_DA 0x300000000000ull
#define TBL_SIZE 4096u
#define BUF_SIZE 4096u
#define MAX_SIZE 256u
#define SEG_CAP 65535u

static struct vrq_seg g_segs[SEG_CAP];
static unsigned long g_inflight_hits; /* replay summary */

struct fz_region {
	uint64_t da, size;
	const uint8_t *va;
};

static void fail(const char *what, int rc)
{
	fprintf(stderr, "test_split_fuzz: invariant violated: %s (rc %d: %s)\n", what, rc,
		vrq_strerror(rc));
	abort();
}

static const struct fz_region *fz_find(const struct fz_region *r, unsigned n, uint64_t da,
				       uint64_t len)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (da >= r[i].da && da - r[i].da < r[i].size && len <= r[i].size - (da - r[i].da))
			return &r[i];
	return NULL;
}

static void fz_check_chain(const struct vrq_chain *c, const struct fz_region *reg, unsigned nreg,
			   uint16_t size, uint16_t want_head)
{
	uint64_t out = 0, in = 0;
	unsigned i;

	if (c->head != want_head || c->head >= size || c->n == 0 || c->n > size ||
	    c->n_out > c->n || c->ndesc == 0 || c->ndesc > size)
		fail("chain header", 1);
	for (i = 0; i < c->n; i++) {
		const struct vrq_seg *s = &c->seg[i];
		const struct fz_region *r;

		if ((i < c->n_out) != !(s->flags & VRQ_SEG_WRITE) || (s->flags & ~VRQ_SEG_WRITE))
			fail("segment order/flags", 1);
		if (s->flags)
			in += s->len;
		else
			out += s->len;
		if (!s->len)
			continue;
		r = fz_find(reg, nreg, s->addr, s->len);
		if (!r || (const uint8_t *)s->va != r->va + (s->addr - r->da))
			fail("segment outside its region", 1);
		/* touch both ends: the sanitizer checks the bytes are real */
		if (((const volatile uint8_t *)s->va)[0] == 0x5a &&
		    ((const volatile uint8_t *)s->va)[s->len - 1] == 0xa5)
			__asm__ __volatile__("" ::: "memory");
	}
	if (out != c->out_len || in != c->in_len || out + in > UINT32_MAX)
		fail("chain lengths", 1);
}

static int fz_is_peer(int rc)
{
	return (rc <= -VRQ_EAVAIL_IDX && rc >= -VRQ_EADDR) || rc == -VRQ_EHEAD_INFLIGHT;
}

static int fz_run(const uint8_t *data, size_t n)
{
	struct vrq_test_pair p;
	struct vrq_test_cfg tc;
	struct fz_region reg[3];
	struct vrq_chain ch;
	uint8_t *tbl;
	uint8_t hdr[4] = {0, 0, 0, 0};
	uint8_t inflight[MAX_SIZE];
	uint64_t errors = 0, sum = 0;
	size_t off, k;
	uint16_t size, idx, i;
	unsigned pops;
	int rc;

	memcpy(hdr, data, n < 4 ? n : 4);
	size = (uint16_t)(1u << (hdr[0] % 9));
	memset(&tc, 0, sizeof(tc));
	tc.size = size;
	tc.indirect = hdr[1] & 1;
	tc.in_order = (hdr[1] >> 1) & 1;
	tbl = (uint8_t *)calloc(1, TBL_SIZE);
	if (!tbl || vrq_test_pair_init(&p, &tc, BUF_SIZE) ||
	    vrq_mem_add(&p.mem, 2, TBL_DA, tbl, TBL_SIZE, 0)) {
		fprintf(stderr, "test_split_fuzz: setup failed\n");
		abort();
	}
	/* the hostile driver's memory: descriptor table, avail ring, tables */
	off = 4;
	k = n > off ? n - off : 0;
	if (k > 16u * size)
		k = 16u * size;
	memcpy(p.cfg.ring.desc, data + off, k);
	off += 16u * size;
	for (i = 0; i < size; i++)
		if (off + 2u * i + 1 < n)
			p.cfg.ring.avail->ring[i] =
				vrq_cpu_to_le16((uint16_t)(data[off + 2u * i] | data[off + 2u * i + 1] << 8));
	off += 2u * size;
	if (n > off)
		memcpy(tbl, data + off, n - off < TBL_SIZE ? n - off : TBL_SIZE);
	idx = (uint16_t)(hdr[2] | hdr[3] << 8);
	__atomic_store_n(&p.cfg.ring.avail->idx, vrq_cpu_to_le16(idx), __ATOMIC_RELEASE);

	reg[0] = (struct fz_region){VRQ_TEST_RING_DA, p.ring_bytes, p.ring_mem};
	reg[1] = (struct fz_region){VRQ_TEST_BUF_DA, p.buf_bytes, p.buf_mem};
	reg[2] = (struct fz_region){TBL_DA, TBL_SIZE, tbl};
	memset(inflight, 0, sizeof(inflight));

	for (pops = 0; pops <= size; pops++) {
		uint16_t want = vrq_le16_to_cpu(
			p.cfg.ring.avail->ring[p.dev.last_avail & (uint16_t)(size - 1)]);
		uint64_t popped = p.dev.st.popped;
		int held = want < size && inflight[want];

		vrq_chain_init(&ch, g_segs, (hdr[1] & 4) ? 2 : (uint16_t)SEG_CAP);
		rc = vrq_split_dev_pop(&p.dev, &ch);
		if (rc != 0 && rc != -VRQ_EAVAIL_IDX && held != (rc == -VRQ_EHEAD_INFLIGHT))
			fail("head in flight (not) refused", rc);
		g_inflight_hits += rc == -VRQ_EHEAD_INFLIGHT;
		if (rc == 1) {
			fz_check_chain(&ch, reg, 3, size, want);
			if (hdr[1] & 8)
				inflight[ch.head] = 1;
			else if (vrq_split_dev_push(&p.dev, ch.head, ch.in_len))
				fail("push of a popped chain", 1);
			continue;
		}
		if (rc == 0)
			break;
		if (rc == -VRQ_ESEGCAP) {
			if (!(hdr[1] & 4) || vrq_split_dev_broken(&p.dev) ||
			    p.dev.st.popped != popped)
				fail("ESEGCAP", rc);
			break;
		}
		if (!fz_is_peer(rc))
			fail("unexpected result", rc);
		errors++;
		if (vrq_split_dev_broken(&p.dev) != rc || vrq_split_dev_pop(&p.dev, &ch) != rc)
			fail("queue not stopped after a peer error", rc);
		break;
	}
	vrq_split_dev_publish(&p.dev);
	for (k = 0; k < VRQ_PEER_ERR_COUNT; k++)
		sum += p.dev.st.peer_err[k];
	if (sum != errors)
		fail("peer_err counters do not add up", (int)sum);
	vrq_test_pair_fini(&p);
	free(tbl);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(data, size);
}

#ifndef VRQ_LIBFUZZER
/* ---- replay: fixed seeds and a seeded random corpus ----------------------- */

static uint64_t xs = 0x2545F4914F6CDD1Dull;

static uint64_t rnd(void)
{
	xs ^= xs >> 12;
	xs ^= xs << 25;
	xs ^= xs >> 27;
	return xs * 0x2545F4914F6CDD1Dull;
}

static uint8_t in[4 + 16 * MAX_SIZE + 2 * MAX_SIZE + TBL_SIZE];

static void put_desc(uint8_t *at, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	unsigned i;

	for (i = 0; i < 8; i++)
		at[i] = (uint8_t)(addr >> (8 * i));
	for (i = 0; i < 4; i++)
		at[8 + i] = (uint8_t)(len >> (8 * i));
	at[12] = (uint8_t)flags;
	at[13] = (uint8_t)(flags >> 8);
	at[14] = (uint8_t)next;
	at[15] = (uint8_t)(next >> 8);
}

/* Build an input: queue size 1 << lg, @p nav entries available. */
static size_t build(unsigned lg, unsigned feat, uint16_t nav, int random_fill)
{
	unsigned size = 1u << lg, i;
	uint8_t *desc = in + 4, *avail = desc + 16 * size, *tbl = avail + 2 * size;
	size_t len = (size_t)(tbl - in) + TBL_SIZE;

	memset(in, 0, sizeof(in));
	in[0] = (uint8_t)lg;
	in[1] = (uint8_t)feat;
	in[2] = (uint8_t)nav;
	in[3] = (uint8_t)(nav >> 8);
	for (i = 0; i < size; i++) {
		uint64_t a = VRQ_TEST_BUF_DA + rnd() % BUF_SIZE;
		uint32_t l = (uint32_t)(rnd() % 64);
		uint16_t fl = (uint16_t)(rnd() % 4 == 0 ? VRQ_DESC_F_NEXT : 0);

		if (random_fill && rnd() % 8 == 0)
			fl = (uint16_t)(rnd() & 7);
		if (random_fill && rnd() % 8 == 0) {
			fl = VRQ_DESC_F_INDIRECT;
			a = TBL_DA + 16 * (rnd() % (TBL_SIZE / 16));
			l = (uint32_t)(16 * (1 + rnd() % 8));
		}
		if (random_fill && rnd() % 16 == 0)
			a = rnd();
		put_desc(desc + 16 * i, a, l, fl, (uint16_t)(rnd() % size));
		avail[2 * i] = (uint8_t)(rnd() % size);
		avail[2 * i + 1] = (uint8_t)((rnd() % size) >> 8);
	}
	for (i = 0; i < TBL_SIZE / 16; i++)
		put_desc(tbl + 16 * i, VRQ_TEST_BUF_DA + rnd() % BUF_SIZE, (uint32_t)(rnd() % 64),
			 (uint16_t)(random_fill ? rnd() & 7 : (rnd() % 3 == 0 ? VRQ_DESC_F_NEXT : 0)),
			 (uint16_t)(rnd() % 16));
	if (random_fill) {
		unsigned m = (unsigned)(rnd() % 16);

		while (m--)
			in[rnd() % len] = (uint8_t)rnd();
	}
	return len;
}

static double scale(void)
{
	const char *s = getenv("VRQ_TEST_SCALE");
	double v = s ? strtod(s, NULL) : 1.0;

	return v > 0 ? v : 1.0;
}

int main(void)
{
	unsigned i, n;
	size_t len;

	/* empty input, a single byte, all-ones */
	fz_run(in, 0);
	memset(in, 0xff, sizeof(in));
	fz_run(in, 1);
	fz_run(in, sizeof(in));
	/* a valid one-descriptor chain */
	len = build(0, 0, 1, 0);
	put_desc(in + 4, VRQ_TEST_BUF_DA, 16, 0, 0);
	fz_run(in, len);
	/* a valid indirect chain through the table region */
	len = build(3, 1, 1, 0);
	put_desc(in + 4, TBL_DA, 32, VRQ_DESC_F_INDIRECT, 0);
	in[4 + 16 * 8] = 0;
	in[4 + 16 * 8 + 1] = 0;
	put_desc(in + 4 + 16 * 8 + 2 * 8, VRQ_TEST_BUF_DA, 8, VRQ_DESC_F_NEXT, 1);
	put_desc(in + 4 + 16 * 8 + 2 * 8 + 16, VRQ_TEST_BUF_DA + 8, 8, VRQ_DESC_F_WRITE, 0);
	fz_run(in, len);
	/* a loop through every descriptor */
	len = build(8, 0, 1, 0);
	for (i = 0; i < 256; i++)
		put_desc(in + 4 + 16 * i, VRQ_TEST_BUF_DA, 1, VRQ_DESC_F_NEXT, (uint16_t)((i + 1) & 255));
	fz_run(in, len);
	/* seeded random corpus */
	n = (unsigned)(3000 * scale());
	for (i = 0; i < n; i++) {
		unsigned lg = (unsigned)(rnd() % 9);

		len = build(lg, (unsigned)(rnd() & 15), (uint16_t)(rnd() % 8 ? rnd() % ((1u << lg) + 1) : rnd()),
			    (int)(rnd() % 2));
		if (rnd() % 8 == 0)
			len = (size_t)(rnd() % len);
		fz_run(in, len);
	}
	printf("test_split_fuzz: %u inputs replayed, %lu heads refused as in flight\n", n + 6,
	       g_inflight_hits);
	return vrq_test_done("test_split_fuzz");
}
#endif /* VRQ_LIBFUZZER */
