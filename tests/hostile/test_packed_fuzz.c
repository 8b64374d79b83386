/* SPDX-License-Identifier: MIT */
/*
 * tests/hostile/test_packed_fuzz.c - libFuzzer entry point for the packed
 * ring's device role: the input is the content of the shared memory a
 * hostile driver controls, and the device pops from it, from a position
 * (and wrap counter) the input chooses.
 *
 * Input layout (missing bytes read as zero):
 *   [0]      queue size = sizes[in[0] % 11]  (1, 2, 3, 4, 7, 8, 16, 31, 64, 255, 256)
 *   [1]      bit 0 INDIRECT_DESC, bit 1 IN_ORDER, bit 2 pop with a small
 *            segment array (ESEGCAP path), bit 3 keep popped ids in flight
 *            (no push: reused ids give VRQ_EID_INFLIGHT), bits 4..7 unused
 *   [2..3]   le16 p: first p % (2 * size) valid one-descriptor chains are
 *            popped and pushed, so the device starts at position p % size
 *            with wrap counter 1 (p % (2 * size) < size) or 0
 *   then     descriptor ring (16 * size bytes), copied over the ring after
 *            that prologue, then the 4 KiB "table" region (at TBL_DA)
 *
 * Every pop must return 1, 0, a packed device-side peer error (or
 * -VRQ_ESEGCAP with the small array, not counted, queue not stopped); every
 * popped segment must lie inside one registered region (checked against our
 * own list, both ends touched); the chain's id is below the size and the
 * id of its last descriptor; the peer_err counters must add up to the
 * errors returned.  A violation aborts (a libFuzzer crash).
 *
 * Build for fuzzing (plus the core/ sources):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DVRQ_LIBFUZZER \
 *     -Iinclude -I. -Itests/common tests/hostile/test_packed_fuzz.c core/...
 * Without VRQ_LIBFUZZER, main() replays fixed seeds plus a seeded random
 * corpus (scaled by VRQ_TEST_SCALE), so this runs as an ordinary test.
 */
#define _GNU_SOURCE
#include <stdbool.h>
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
#define HDR 4u

#define AV ((uint16_t)0x80)
#define US ((uint16_t)0x8000)

static const uint16_t fz_sizes[11] = {1, 2, 3, 4, 7, 8, 16, 31, 64, 255, 256};

static struct vrq_seg g_segs[SEG_CAP];
static uint64_t g_ok, g_empty, g_segcap, g_err[VRQ_PEER_ERR_COUNT]; /* replay summary */

struct fz_region {
	uint64_t da, size;
	const uint8_t *va;
};

static void fail(const char *what, int rc)
{
	fprintf(stderr, "test_packed_fuzz: invariant violated: %s (rc %d: %s)\n", what, rc,
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
			   uint16_t size, uint16_t want_id)
{
	uint64_t out = 0, in = 0;
	unsigned i;

	if (c->head != want_id || c->head >= size || c->ndesc == 0 || c->ndesc > size ||
	    c->n == 0 || c->n > size || c->n_out > c->n)
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
	return rc == -VRQ_ELOOP || rc == -VRQ_EINDIRECT_FEATURE || rc == -VRQ_EINDIRECT_NEXT ||
	       rc == -VRQ_EINDIRECT_LEN || rc == -VRQ_EINDIRECT_ADDR || rc == -VRQ_ETOTAL_LEN ||
	       rc == -VRQ_EORDER || rc == -VRQ_EADDR || rc == -VRQ_EID ||
	       rc == -VRQ_EID_INFLIGHT || rc == -VRQ_EWRAP || rc == -VRQ_EINDIRECT_NESTED ||
	       rc == -VRQ_EINDIRECT_TABLE_NEXT;
}

/* The id the chain at the device's position ends with, read as the spec
 * says (last descriptor, or the indirect one); only meaningful when the
 * pop succeeds, which is all it is used for. */
static uint16_t fz_last_id(const struct vrq_packed_desc *ring, uint16_t size, uint16_t pos)
{
	unsigned k;

	for (k = 0; k < size; k++) {
		const struct vrq_packed_desc *d = &ring[(pos + k) % size];
		uint16_t fl = vrq_le16_to_cpu(d->flags);

		if ((fl & VRQ_DESC_F_INDIRECT) || !(fl & VRQ_DESC_F_NEXT))
			return vrq_le16_to_cpu(d->id);
	}
	return 0xffff;
}

static int fz_run(const uint8_t *data, size_t n)
{
	struct vrq_test_vpair p;
	struct vrq_test_vcfg tc;
	struct fz_region reg[3];
	struct vrq_chain ch;
	struct vrq_packed_dev *dev;
	struct vrq_packed_desc *ring;
	uint8_t *tbl;
	uint8_t hdr[HDR] = {0, 0, 0, 0};
	uint64_t errors = 0, sum = 0;
	size_t off, k;
	uint16_t size, pre, i;
	unsigned pops;
	int rc;

	memcpy(hdr, data, n < HDR ? n : HDR);
	size = fz_sizes[hdr[0] % 11];
	memset(&tc, 0, sizeof(tc));
	tc.kind = VRQ_RING_PACKED;
	tc.size = size;
	tc.indirect = hdr[1] & 1;
	tc.in_order = (hdr[1] >> 1) & 1;
	tbl = (uint8_t *)calloc(1, TBL_SIZE);
	if (!tbl || vrq_test_vpair_init(&p, &tc, BUF_SIZE) ||
	    vrq_mem_add(&p.mem, 2, TBL_DA, tbl, TBL_SIZE, 0)) {
		fprintf(stderr, "test_packed_fuzz: setup failed\n");
		abort();
	}
	dev = &p.dev.packed;
	ring = p.drv.packed.desc;

	/* prologue: valid one-descriptor chains, popped and pushed */
	pre = (uint16_t)((hdr[2] | hdr[3] << 8) % (2u * size));
	{
		uint16_t pos = 0;
		bool wrap = true;

		for (i = 0; i < pre; i++) {
			ring[pos].addr = vrq_cpu_to_le64(VRQ_TEST_BUF_DA);
			ring[pos].len = vrq_cpu_to_le32(8);
			ring[pos].id = vrq_cpu_to_le16(0);
			__atomic_store_n(&ring[pos].flags, vrq_cpu_to_le16(wrap ? AV : US),
					 __ATOMIC_RELEASE);
			vrq_chain_init(&ch, g_segs, (uint16_t)SEG_CAP);
			if (vrq_packed_dev_pop(dev, &ch) != 1 || ch.head != 0 ||
			    vrq_packed_dev_push(dev, 0, 0))
				fail("prologue", 1);
			vrq_packed_dev_publish(dev);
			if (++pos == size) {
				pos = 0;
				wrap = !wrap;
			}
		}
		if (dev->next_avail != pos || dev->avail_wrap != wrap)
			fail("prologue position", 1);
	}

	/* the hostile driver's memory: descriptor ring, then tables */
	off = HDR;
	k = n > off ? n - off : 0;
	if (k > 16u * size)
		k = 16u * size;
	memcpy(ring, data + off, k);
	off += 16u * size;
	if (n > off)
		memcpy(tbl, data + off, n - off < TBL_SIZE ? n - off : TBL_SIZE);

	reg[0] = (struct fz_region){VRQ_TEST_RING_DA, p.ring_bytes, p.ring_mem};
	reg[1] = (struct fz_region){VRQ_TEST_BUF_DA, p.buf_bytes, p.buf_mem};
	reg[2] = (struct fz_region){TBL_DA, TBL_SIZE, tbl};

	for (pops = 0; pops <= size; pops++) {
		uint16_t want = fz_last_id(ring, size, dev->next_avail);
		uint64_t popped = dev->st.popped;
		uint16_t pos = dev->next_avail;
		bool wrap = dev->avail_wrap;

		vrq_chain_init(&ch, g_segs, (hdr[1] & 4) ? 2 : (uint16_t)SEG_CAP);
		rc = vrq_packed_dev_pop(dev, &ch);
		if (rc == 1) {
			fz_check_chain(&ch, reg, 3, size, want);
			if (dev->st.popped != popped + 1)
				fail("popped counter", rc);
			if (!(hdr[1] & 8) && vrq_packed_dev_push(dev, ch.head, ch.in_len))
				fail("push of a popped chain", 1);
			g_ok++;
			continue;
		}
		if (dev->next_avail != pos || dev->avail_wrap != wrap || dev->st.popped != popped)
			fail("position moved without a chain", rc);
		if (rc == 0) {
			g_empty++;
			break;
		}
		if (rc == -VRQ_ESEGCAP) {
			if (!(hdr[1] & 4) || vrq_packed_dev_broken(dev))
				fail("ESEGCAP", rc);
			g_segcap++;
			break;
		}
		if (!fz_is_peer(rc))
			fail("unexpected result", rc);
		errors++;
		g_err[VRQ_PEER_ERR_IDX(rc)]++;
		if (vrq_packed_dev_broken(dev) != rc || vrq_packed_dev_pop(dev, &ch) != rc)
			fail("queue not stopped after a peer error", rc);
		break;
	}
	vrq_packed_dev_publish(dev);
	for (k = 0; k < VRQ_PEER_ERR_COUNT; k++)
		sum += dev->st.peer_err[k];
	if (sum != errors)
		fail("peer_err counters do not add up", (int)sum);
	vrq_test_vpair_fini(&p);
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

static uint8_t in[HDR + 16 * MAX_SIZE + TBL_SIZE];

static void put_desc(uint8_t *at, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
	unsigned i;

	for (i = 0; i < 8; i++)
		at[i] = (uint8_t)(addr >> (8 * i));
	for (i = 0; i < 4; i++)
		at[8 + i] = (uint8_t)(len >> (8 * i));
	at[12] = (uint8_t)id;
	at[13] = (uint8_t)(id >> 8);
	at[14] = (uint8_t)flags;
	at[15] = (uint8_t)(flags >> 8);
}

/*
 * An input for size index @p si, features @p feat, prologue @p pre: chains
 * of 1..3 descriptors from the device's start position with the AVAIL/USED
 * bits right for each descriptor's lap (so most of it pops), ids mostly in
 * range; with @p random_fill also random flags, ids, addresses and bytes.
 */
static size_t build(unsigned si, unsigned feat, uint16_t pre, int random_fill)
{
	unsigned size = fz_sizes[si], i, left;
	uint8_t *desc = in + HDR, *tbl = desc + 16 * size;
	size_t len = (size_t)(tbl - in) + TBL_SIZE;
	unsigned pos = (unsigned)(pre % (2u * size));
	bool wrap = pos < size;

	pos %= size;
	memset(in, 0, sizeof(in));
	in[0] = (uint8_t)si;
	in[1] = (uint8_t)feat;
	in[2] = (uint8_t)pre;
	in[3] = (uint8_t)(pre >> 8);
	for (left = size; left;) {
		unsigned n = 1 + (unsigned)(rnd() % 3), k;
		uint16_t id = (uint16_t)(rnd() % size);

		if (n > left)
			n = left;
		for (k = 0; k < n; k++) {
			uint64_t a = VRQ_TEST_BUF_DA + rnd() % BUF_SIZE;
			uint32_t l = (uint32_t)(rnd() % 64);
			uint16_t fl = (uint16_t)((k + 1 < n ? VRQ_DESC_F_NEXT : 0) |
						 (k && rnd() % 2 ? VRQ_DESC_F_WRITE : 0) |
						 (wrap ? AV : US));

			if (rnd() % 16 == 0) {
				fl = (uint16_t)((fl & (AV | US)) | VRQ_DESC_F_INDIRECT);
				a = TBL_DA + 16 * (rnd() % (TBL_SIZE / 16));
				l = (uint32_t)(16 * (1 + rnd() % 8));
			}
			if (random_fill && rnd() % 8 == 0)
				fl = (uint16_t)rnd();
			if (random_fill && rnd() % 16 == 0)
				a = rnd();
			put_desc(desc + 16 * pos, a, l,
				 (uint16_t)(random_fill && rnd() % 16 == 0 ? rnd() : id), fl);
			if (++pos == size) {
				pos = 0;
				wrap = !wrap;
			}
		}
		left -= n;
	}
	for (i = 0; i < TBL_SIZE / 16; i++)
		put_desc(tbl + 16 * i, VRQ_TEST_BUF_DA + rnd() % BUF_SIZE, (uint32_t)(rnd() % 64),
			 (uint16_t)rnd(),
			 (uint16_t)(random_fill ? rnd() : (rnd() % 3 == 0 ? VRQ_DESC_F_WRITE : 0)));
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
	len = build(0, 0, 0, 0);
	put_desc(in + HDR, VRQ_TEST_BUF_DA, 16, 0, AV);
	fz_run(in, len);
	/* a valid indirect chain through the table region */
	len = build(5, 1, 0, 0);
	put_desc(in + HDR, TBL_DA, 32, 3, VRQ_DESC_F_INDIRECT | AV);
	put_desc(in + HDR + 16 * 8, VRQ_TEST_BUF_DA, 8, 0, 0);
	put_desc(in + HDR + 16 * 8 + 16, VRQ_TEST_BUF_DA + 8, 8, 0, VRQ_DESC_F_WRITE);
	fz_run(in, len);
	/* a 2-descriptor chain across the ring end: 7 chains first, so it starts
	 * at position 3 of the second lap */
	len = build(3, 0, 4 + 3, 0);
	put_desc(in + HDR + 16 * 3, VRQ_TEST_BUF_DA, 8, 9, VRQ_DESC_F_NEXT | US);
	put_desc(in + HDR, VRQ_TEST_BUF_DA + 8, 8, 2, VRQ_DESC_F_WRITE | AV);
	fz_run(in, len);
	/* size descriptors, all NEXT, all available */
	len = build(10, 0, 0, 0);
	for (i = 0; i < 256; i++)
		put_desc(in + HDR + 16 * i, VRQ_TEST_BUF_DA, 1, 0, VRQ_DESC_F_NEXT | AV);
	fz_run(in, len);
	/* seeded random corpus */
	n = (unsigned)(3000 * scale());
	for (i = 0; i < n; i++) {
		unsigned si = (unsigned)(rnd() % 11);

		len = build(si, (unsigned)(rnd() & 15), (uint16_t)rnd(), (int)(rnd() % 2));
		if (rnd() % 8 == 0)
			len = (size_t)(rnd() % len);
		fz_run(in, len);
	}
	printf("test_packed_fuzz: %u inputs replayed: %llu chains popped, %llu empty, %llu segcap; "
	       "errors:", n + 7, (unsigned long long)g_ok, (unsigned long long)g_empty,
	       (unsigned long long)g_segcap);
	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++)
		if (g_err[i])
			printf(" %s=%llu", vrq_strerror(-(int)(i + VRQ_EPEER_FIRST)),
			       (unsigned long long)g_err[i]);
	printf("\n");
	/* the corpus is not degenerate: chains pop, errors of several kinds */
	if (!g_ok || !g_err[VRQ_PEER_ERR_IDX(VRQ_EWRAP)] || !g_err[VRQ_PEER_ERR_IDX(VRQ_EID)] ||
	    !g_err[VRQ_PEER_ERR_IDX(VRQ_EADDR)]) {
		fprintf(stderr, "test_packed_fuzz: replay corpus reached too little\n");
		vrq_test_failures++;
	}
	return vrq_test_done("test_packed_fuzz");
}
#endif /* VRQ_LIBFUZZER */
