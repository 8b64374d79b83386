/* SPDX-License-Identifier: MIT */
/*
 * tests/hostile/test_packed_hostile.c - a hostile peer against the real roles
 * of the PACKED ring.
 *
 * Part 1: a hostile DRIVER writes the descriptor ring (and indirect tables)
 * directly, with its own wrap counter, and the real device role
 * (vrq_packed_dev_pop) must reject every malformed chain with the exact
 * peer error code, count it once, stay stopped, and work again after
 * vrq_packed_dev_reset() and a clean ring.  Several cases are set up right
 * after the ring wrapped, where descriptors still carry bits that were valid
 * in the previous lap.
 *
 * Part 2: valid chains right at every limit (a chain of exactly size
 * descriptors, also across the ring end, an indirect table of exactly size
 * entries, a segment ending at a region's last byte, a total length of
 * 2^32 - 1, reserved flags (AVAIL, USED, undefined bits; not NEXT or
 * INDIRECT, which Part 1 refuses) inside an indirect table, ids of non-last
 * descriptors) must pop: the checks are not off by one.
 *
 * Part 3: a hostile DEVICE writes used descriptors directly against the
 * real driver role (vrq_packed_drv_get_used): used ids out of range or not
 * in flight, used descriptors for buffers the driver added but has not
 * published (the device cannot have seen them: VRQ_EUSED_ID, as the split
 * ring's VRQ_EUSED_IDX check does), used len above the writable capacity
 * (clamped and counted; len ignored without WRITE), used descriptors with
 * wrong wrap bits (not seen, no error, no hang).
 *
 * Part 4: valid traffic through the ring-agnostic handle over several full
 * wraps, chains straddling the ring end (size 255 with 3-descriptor chains,
 * size 1000 with 7, ...), in order and out of order: every descriptor the
 * driver writes (and, without IN_ORDER, every used descriptor the device
 * writes) is checked against the spec's format, and ids, tokens, lengths,
 * positions, wrap counters and counters must stay exact.
 *
 * Part 5: randomized scribbling (seeded xorshift, >= 200000 pops scaled by
 * VRQ_TEST_SCALE) over the descriptor ring, the indirect pool and extra
 * tables, compared pop by pop with an independent model of the packed-ring
 * rules written from the spec: same chain (id, segments, lengths) or the
 * same error (one of the codes that apply at the first failing descriptor
 * or segment); every popped segment lies inside a registered region (own
 * region list, both ends touched for ASan); the counters add up to the
 * errors returned.  Then a randomized hostile device against the real
 * driver (>= 100000 get_used, scaled): valid most of the time (exact results
 * expected), malformed now and then.
 *
 * Sizes 1, 2, 3, 255, 1000 and 32768 where the case makes sense, with and
 * without IN_ORDER and EVENT_IDX.  Meant to run under ASan/UBSan.  The
 * ETOTAL_LEN cases that need 0xffffffff-byte segments use a 4 GiB PROT_NONE
 * address-space reservation (never touched); without one they are skipped
 * with a note.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vrq_test.h"

/* Largest chain: size (<= 32768) ring descriptors or table entries; the
 * array is larger so that a chain one too long would not stop at ESEGCAP. */
#define SEG_CAP 65535u

/* Extra regions added to each fixture's memory map after init. */
#define XTRA_DA 0x300000000000ull /* 1 MiB: indirect tables, segments */
#define XTRA_SIZE (1u << 20)
#define ADJ_DA (XTRA_DA + XTRA_SIZE) /* 4 KiB, adjacent in DA space, separate allocation */
#define ADJ_SIZE 4096u
#define HUGE_DA 0x400000000000ull /* 4 GiB PROT_NONE reservation (ETOTAL_LEN only) */
#define HUGE_SIZE (1ull << 32)
#define BUF_SIZE (64u * 1024)

#define BUF(off) (VRQ_TEST_BUF_DA + (uint64_t)(off))
#define XT(off) (XTRA_DA + (uint64_t)(off))

/* Flag values (packed-ring.tex: AVAIL and USED are values, not shifts). */
#define AV ((uint16_t)0x80)
#define US ((uint16_t)0x8000)
#define NX ((uint16_t)VRQ_DESC_F_NEXT)
#define WR ((uint16_t)VRQ_DESC_F_WRITE)
#define IN ((uint16_t)VRQ_DESC_F_INDIRECT)
/* Flag bits the spec defines nowhere (reserved everywhere). */
#define RSV ((uint16_t)0x7f78)

static struct vrq_seg g_segs[SEG_CAP];
static void *g_huge; /* 4 GiB PROT_NONE reservation, or NULL */

/* Feature selection for a fixture. */
#define F_IND 1u   /* INDIRECT_DESC negotiated */
#define F_INO 2u   /* IN_ORDER */
#define F_EVT 4u   /* EVENT_IDX */
#define F_NOIND 8u /* (case requirement) INDIRECT_DESC must be off */

static uint8_t g_tok[VRQ_QUEUE_SIZE_MAX]; /* token targets */
#define TOK(i) ((void *)&g_tok[(i)])

static const uint16_t sizes[] = {1, 2, 3, 255, 1000, 32768};
#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/* ---- spec bits, written from packed-ring.tex (not the library's helpers) ---- */

/* Flags bits of a descriptor made available in lap @p wrap:
 * AVAIL == wrap counter, USED != it. */
static uint16_t abits(bool wrap)
{
	return wrap ? AV : US;
}

/* Flags bits of a descriptor marked used in lap @p wrap: both == wrap. */
static uint16_t ubits(bool wrap)
{
	return wrap ? (uint16_t)(AV | US) : 0;
}

static bool is_avail(uint16_t f, bool wrap)
{
	return !!(f & AV) == wrap && !!(f & US) != wrap;
}

static bool is_used(uint16_t f, bool wrap)
{
	return !!(f & AV) == wrap && !!(f & US) == wrap;
}

static void adv(uint16_t *pos, bool *wrap, uint16_t size)
{
	if (++*pos == size) {
		*pos = 0;
		*wrap = !*wrap;
	}
}

static void advn(uint16_t *pos, bool *wrap, uint32_t n, uint16_t size)
{
	while (n--)
		adv(pos, wrap, size);
}

/* ---- fixture ---------------------------------------------------------------- */

struct hfix {
	struct vrq_test_vpair p;
	uint16_t size;
	unsigned feat;
	struct vrq_packed_drv *drv;
	struct vrq_packed_dev *dev;
	struct vrq_packed_desc *desc;
	uint8_t *xtra, *adj;
	struct vrq_chain ch;
	/* hostile driver: next descriptor to write and its lap */
	uint16_t hpos;
	bool hwrap;
	bool hpend; /* a chain is being written: its first flags are stored last */
	uint16_t hfirst, hfirst_flags;
	/* hostile device: next used descriptor position and its lap */
	uint16_t upos;
	bool uwrap;
};

static void fix_fini(struct hfix *f)
{
	vrq_test_vpair_fini(&f->p);
	free(f->xtra);
	free(f->adj);
	f->xtra = f->adj = NULL;
}

static int fix_init(struct hfix *f, uint16_t size, unsigned feat, int huge)
{
	struct vrq_test_vcfg tc = {VRQ_RING_PACKED, size, !!(feat & F_EVT), !!(feat & F_IND),
				   !!(feat & F_INO)};

	memset(f, 0, sizeof(*f));
	if (vrq_test_vpair_init(&f->p, &tc, BUF_SIZE))
		return -1;
	if (f->p.drv.kind != VRQ_RING_PACKED || f->p.dev.kind != VRQ_RING_PACKED)
		return -1;
	f->size = size;
	f->feat = feat;
	f->drv = &f->p.drv.packed;
	f->dev = &f->p.dev.packed;
	f->desc = f->drv->desc;
	f->hpos = f->upos = 0;
	f->hwrap = f->uwrap = true;
	/* calloc: large blocks come zeroed from the kernel, untouched pages stay
	 * free (descriptor tables need 16-byte alignment only) */
	f->xtra = (uint8_t *)calloc(1, XTRA_SIZE);
	f->adj = (uint8_t *)calloc(1, ADJ_SIZE);
	if (!f->xtra || !f->adj || ((uintptr_t)f->xtra | (uintptr_t)f->adj) % 16)
		return -1;
	if (vrq_mem_add(&f->p.mem, 2, XTRA_DA, f->xtra, XTRA_SIZE, 0) ||
	    vrq_mem_add(&f->p.mem, 3, ADJ_DA, f->adj, ADJ_SIZE, 0))
		return -1;
	if (huge && g_huge && vrq_mem_add(&f->p.mem, 4, HUGE_DA, g_huge, HUGE_SIZE, 0))
		return -1;
	/* the driver init zeroed the ring and set both wrap counters to 1 */
	if (f->desc != (struct vrq_packed_desc *)(void *)f->p.ring_mem || f->dev->desc != f->desc)
		return -1;
	return 0;
}

/* ---- hostile ring writes ------------------------------------------------------ */

/* A descriptor written whole (tables, or ring entries outside a chain). */
static void wraw(struct vrq_packed_desc *t, uint32_t i, uint64_t addr, uint32_t len, uint16_t id,
		 uint16_t flags)
{
	t[i].addr = vrq_cpu_to_le64(addr);
	t[i].len = vrq_cpu_to_le32(len);
	t[i].id = vrq_cpu_to_le16(id);
	__atomic_store_n(&t[i].flags, vrq_cpu_to_le16(flags), __ATOMIC_RELEASE);
}

static struct vrq_packed_desc *xtbl(struct hfix *f, size_t off)
{
	return (struct vrq_packed_desc *)(void *)(f->xtra + off);
}

/*
 * Next descriptor of the chain the hostile driver is making available, at
 * its own position: AVAIL/USED bits right for the descriptor's lap when
 * @p bits < 0, else exactly @p bits.  The chain's first flags are stored by
 * hend(), after everything else ("the driver writes the first descriptor's
 * flags last").
 */
static void hput_bits(struct hfix *f, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags,
		      int bits)
{
	struct vrq_packed_desc *d = &f->desc[f->hpos];
	uint16_t fl = (uint16_t)((flags & ~(AV | US)) | (bits < 0 ? abits(f->hwrap) : (uint16_t)bits));

	d->addr = vrq_cpu_to_le64(addr);
	d->len = vrq_cpu_to_le32(len);
	d->id = vrq_cpu_to_le16(id);
	if (!f->hpend) {
		f->hpend = true;
		f->hfirst = f->hpos;
		f->hfirst_flags = fl;
	} else {
		__atomic_store_n(&d->flags, vrq_cpu_to_le16(fl), __ATOMIC_RELAXED);
	}
	adv(&f->hpos, &f->hwrap, f->size);
}

static void hput(struct hfix *f, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
	hput_bits(f, addr, len, id, flags, -1);
}

/* Leave the next descriptor as it is (a driver that forgot to write it). */
static void hskip(struct hfix *f)
{
	adv(&f->hpos, &f->hwrap, f->size);
}

/* Publish the chain: its first descriptor's flags, release. */
static void hend(struct hfix *f)
{
	if (f->hpend) {
		__atomic_store_n(&f->desc[f->hfirst].flags, vrq_cpu_to_le16(f->hfirst_flags),
				 __ATOMIC_RELEASE);
		f->hpend = false;
	}
}

/* One single-descriptor chain. */
static void hone(struct hfix *f, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
	hput(f, addr, len, id, flags);
	hend(f);
}

static int pop(struct hfix *f)
{
	vrq_chain_init(&f->ch, g_segs, (uint16_t)SEG_CAP);
	return vrq_packed_dev_pop(f->dev, &f->ch);
}

/* @p n valid single-descriptor chains (ids cycling), popped, pushed and
 * published: the hostile driver and the device move on by n descriptors. */
static int progress(struct hfix *f, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint16_t id = (uint16_t)(i % f->size);

		hone(f, BUF(16 * (i % 1024)), 16, id, WR);
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(f->ch.head, id);
		CHECK_EQ(f->ch.ndesc, 1);
		CHECK_EQ(vrq_packed_dev_push(f->dev, id, 16), 0);
		vrq_packed_dev_publish(f->dev);
	}
	CHECK_EQ(f->dev->next_avail, f->hpos);
	CHECK_EQ(f->dev->avail_wrap, f->hwrap);
	CHECK_EQ(pop(f), 0);
	return 0;
}

/* ---- checks ---------------------------------------------------------------- */

/* Peer counters: slot of @p code == @p n, every other slot 0. */
static int check_counts(const uint64_t *pe, int code, uint64_t n)
{
	int i;

	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++) {
		uint64_t want = (code && i == VRQ_PEER_ERR_IDX(code)) ? n : 0;

		if (pe[i] != want) {
			fprintf(stderr, "  peer_err[%s] = %llu, expected %llu\n",
				vrq_strerror(i + VRQ_EPEER_FIRST), (unsigned long long)pe[i],
				(unsigned long long)want);
			CHECK_EQ(pe[i], want);
		}
	}
	return 0;
}

/* The next pop must fail with @p code, counted once; the queue stays stopped
 * and nothing is consumed. */
static int expect_dev_err(struct hfix *f, int code)
{
	struct vrq_packed_dev *d = f->dev;
	uint64_t popped = d->st.popped;
	uint16_t na = d->next_avail;
	bool aw = d->avail_wrap;
	int k, rc;

	rc = pop(f);
	if (rc != code)
		fprintf(stderr, "  pop: got %d (%s), expected %d (%s)\n", rc,
			rc < 0 ? vrq_strerror(rc) : rc ? "a chain" : "nothing", code,
			vrq_strerror(code));
	CHECK_EQ(rc, code);
	CHECK_EQ(f->ch.n, 0);
	CHECK_EQ(vrq_packed_dev_broken(d), code);
	CHECK_EQ(vrq_vq_dev_broken(&f->p.dev), code);
	CHECK(check_counts(d->st.peer_err, code, 1) == 0);
	for (k = 0; k < 3; k++) {
		CHECK_EQ(pop(f), code);
		CHECK_EQ(vrq_vq_dev_pop(&f->p.dev, &f->ch), code);
		CHECK_EQ(vrq_packed_dev_broken(d), code);
	}
	/* still counted once, nothing consumed */
	CHECK(check_counts(d->st.peer_err, code, 1) == 0);
	CHECK_EQ(d->st.popped, popped);
	CHECK_EQ(d->next_avail, na);
	CHECK_EQ(d->avail_wrap, aw);
	return 0;
}

/* Device reset + a clean, hand-written ring (zeroed, wrap counters 1): a
 * valid chain pops again and its used descriptor is right.  Then both roles
 * reset and a full round trip through the ring-agnostic API works. */
static int recover_dev(struct hfix *f, int code)
{
	struct vrq_packed_dev *d = f->dev;
	uint64_t before[VRQ_PEER_ERR_COUNT];
	struct vrq_sg sg[2];
	void *tok = NULL;
	uint32_t len = 0;
	uint16_t id = (uint16_t)(f->size - 1);
	int two = f->size >= 2;

	memcpy(before, d->st.peer_err, sizeof(before));
	vrq_packed_dev_reset(d);
	CHECK_EQ(vrq_packed_dev_broken(d), 0);
	memset(f->p.ring_mem, 0, f->p.ring_area_bytes);
	f->hpos = 0;
	f->hwrap = true;
	f->hpend = false;
	hput(f, BUF(128), 32, id, two ? NX : 0);
	if (two)
		hput(f, BUF(512), 16, id, WR);
	hend(f);
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(f->ch.head, id);
	CHECK_EQ(f->ch.n, two ? 2 : 1);
	CHECK_EQ(f->ch.ndesc, two ? 2 : 1);
	CHECK_EQ(f->ch.n_out, 1);
	CHECK_EQ(f->ch.out_len, 32);
	CHECK_EQ(f->ch.in_len, two ? 16 : 0);
	CHECK(g_segs[0].va == f->p.buf_mem + 128);
	CHECK_EQ(g_segs[0].len, 32);
	CHECK_EQ(g_segs[0].flags, 0);
	if (two) {
		CHECK(g_segs[1].va == f->p.buf_mem + 512);
		CHECK_EQ(g_segs[1].flags, VRQ_SEG_WRITE);
	}
	CHECK_EQ(pop(f), 0);
	CHECK_EQ(vrq_packed_dev_push(d, id, two ? 16 : 0), 0);
	vrq_packed_dev_publish(d);
	/* the used descriptor: at position 0, lap 1, this id and len, WRITE iff len */
	CHECK_EQ(vrq_le16_to_cpu(f->desc[0].flags), ubits(true) | (two ? WR : 0));
	CHECK_EQ(vrq_le16_to_cpu(f->desc[0].id), id);
	CHECK_EQ(vrq_le32_to_cpu(f->desc[0].len), two ? 16 : 0);

	/* both roles from scratch, through the ring-agnostic API */
	vrq_vq_drv_reset(&f->p.drv);
	vrq_vq_dev_reset(&f->p.dev);
	sg[0].addr = BUF(0);
	sg[0].len = 24;
	sg[1].addr = BUF(64);
	sg[1].len = 8;
	if (two) {
		CHECK_EQ(vrq_vq_drv_add(&f->p.drv, sg, 1, 1, (void *)sg), 0);
	} else {
		CHECK_EQ(vrq_vq_drv_add(&f->p.drv, sg + 1, 0, 1, (void *)sg), 0);
	}
	vrq_vq_drv_publish(&f->p.drv);
	vrq_chain_init(&f->ch, g_segs, (uint16_t)SEG_CAP);
	CHECK_EQ(vrq_vq_dev_pop(&f->p.dev, &f->ch), 1);
	CHECK_EQ(f->ch.in_len, 8);
	CHECK_EQ(vrq_vq_dev_push(&f->p.dev, f->ch.head, 5), 0);
	vrq_vq_dev_publish(&f->p.dev);
	CHECK_EQ(vrq_vq_drv_get_used(&f->p.drv, &tok, &len), 1);
	CHECK(tok == (void *)sg);
	CHECK_EQ(len, 5);
	CHECK_EQ(vrq_vq_drv_num_free(&f->p.drv), f->size);
	/* no new peer error on either side */
	CHECK(memcmp(before, d->st.peer_err, sizeof(before)) == 0);
	CHECK(check_counts(d->st.peer_err, code, 1) == 0);
	CHECK(check_counts(f->drv->st.peer_err, 0, 0) == 0);
	return 0;
}

/* ---- hostile driver cases ---------------------------------------------------- */

struct dcase {
	const char *name;
	int code;	   /* expected negative code */
	uint16_t min_size; /* smallest queue size the case makes sense for */
	unsigned need;	   /* F_IND: needs INDIRECT_DESC; F_NOIND: needs it off */
	int need_huge;	   /* needs the 4 GiB reservation */
	int (*setup)(struct hfix *f);
};

/* buffer id */
static int s_id_size(struct hfix *f)
{
	hone(f, BUF(0), 16, f->size, 0);
	return 0;
}

static int s_id_max(struct hfix *f)
{
	hone(f, BUF(0), 16, 0xffff, 0);
	return 0;
}

/* The id lives in the last descriptor: a good one in the first does not help. */
static int s_id_last(struct hfix *f)
{
	hput(f, BUF(0), 16, 0, NX);
	hput(f, BUF(16), 16, f->size, 0);
	hend(f);
	return 0;
}

/* A good chain first, then a bad id: only the bad one fails. */
static int s_id_second(struct hfix *f)
{
	hone(f, BUF(0), 16, 0, 0);
	hone(f, BUF(16), 16, (uint16_t)(f->size + 7), 0);
	CHECK_EQ(pop(f), 1);
	return 0;
}

/* Bad id after one full lap, in a chain straddling the ring end. */
static int s_id_after_wrap(struct hfix *f)
{
	CHECK(progress(f, (uint32_t)f->size - 1) == 0);
	hput(f, BUF(0), 16, 0, NX);
	hput(f, BUF(16), 16, f->size, WR);
	hend(f);
	return 0;
}

static int s_inflight_twice(struct hfix *f)
{
	hone(f, BUF(0), 16, 0, 0);
	hone(f, BUF(16), 16, 0, 0);
	CHECK_EQ(pop(f), 1);
	return 0;
}

/* A 3-descriptor chain reusing the id of a 2-descriptor chain in flight. */
static int s_inflight_chain(struct hfix *f)
{
	hput(f, BUF(0), 16, 1, NX);
	hput(f, BUF(16), 16, 1, WR);
	hend(f);
	hput(f, BUF(32), 16, 0, NX);
	hput(f, BUF(48), 16, 0, NX);
	hput(f, BUF(64), 16, 1, 0);
	hend(f);
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(f->ch.head, 1);
	return 0;
}

/* id size-1 popped and held while the ring wraps; reused in the next lap. */
static int s_inflight_after_wrap(struct hfix *f)
{
	uint16_t id = (uint16_t)(f->size - 1);
	uint32_t i;

	hone(f, BUF(0), 16, id, 0);
	CHECK_EQ(pop(f), 1);
	for (i = 1; i < f->size; i++) {
		hone(f, BUF(16), 16, (uint16_t)(i - 1), WR);
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(vrq_packed_dev_push(f->dev, (uint16_t)(i - 1), 8), 0);
	}
	vrq_packed_dev_publish(f->dev);
	CHECK_EQ(f->hpos, 0);
	CHECK(!f->hwrap);
	hone(f, BUF(32), 16, id, 0);
	return 0;
}

/* wrap bits of a chain's later descriptors */
static int s_wrap_unwritten(struct hfix *f)
{
	hput(f, BUF(0), 16, 0, NX);
	hskip(f); /* still zero: USED == AVAIL == 0 in lap 1 */
	hend(f);
	return 0;
}

static int s_wrap_used_bits(struct hfix *f)
{
	hput(f, BUF(0), 16, 0, NX);
	hput_bits(f, BUF(16), 16, 0, WR, ubits(f->hwrap));
	hend(f);
	return 0;
}

static int s_wrap_both_clear(struct hfix *f)
{
	hput(f, BUF(0), 16, 0, NX);
	hput(f, BUF(16), 16, 0, NX);
	hput_bits(f, BUF(32), 16, 0, WR, 0);
	hend(f);
	return 0;
}

static int s_wrap_mid_long(struct hfix *f)
{
	hput(f, BUF(0), 16, 0, NX);
	hput(f, BUF(16), 16, 0, NX);
	hput_bits(f, BUF(32), 16, 0, NX, AV | US);
	hput(f, BUF(48), 16, 0, 0);
	hend(f);
	return 0;
}

/* After @p laps laps minus one descriptor: a chain whose first descriptor is
 * the last of the ring and whose second, at position 0 in the next lap, has
 * @p bits (< 0: left as the device wrote it, a used descriptor of the
 * previous lap). */
static int wrap_straddle(struct hfix *f, unsigned laps, int bits)
{
	CHECK(progress(f, laps * (uint32_t)f->size - 1) == 0);
	CHECK_EQ(f->hpos, f->size - 1);
	hput(f, BUF(0), 16, 0, NX);
	if (bits < 0) {
		CHECK_EQ(vrq_le16_to_cpu(f->desc[0].flags) & (AV | US), ubits(!f->hwrap));
		hskip(f);
	} else {
		hput_bits(f, BUF(16), 16, 0, WR, bits);
	}
	hend(f);
	CHECK_EQ(f->hpos, 1);
	return 0;
}

/* the AVAIL bits that were right in the previous lap */
static int s_wrap_prev_lap(struct hfix *f)
{
	return wrap_straddle(f, 1, abits(true));
}

static int s_wrap_stale_used(struct hfix *f)
{
	return wrap_straddle(f, 1, -1);
}

static int s_wrap_prev_lap2(struct hfix *f)
{
	return wrap_straddle(f, 2, abits(false));
}

static int s_wrap_stale_used2(struct hfix *f)
{
	return wrap_straddle(f, 2, -1);
}

/* After a wrap: the third descriptor, first of the next lap, both bits clear. */
static int s_wrap_third_straddle(struct hfix *f)
{
	CHECK(progress(f, (uint32_t)f->size - 2) == 0);
	hput(f, BUF(0), 16, 0, NX);
	hput(f, BUF(16), 16, 0, NX);
	hput_bits(f, BUF(32), 16, 0, WR, 0);
	hend(f);
	return 0;
}

/* chains longer than the ring */
static int s_loop_all(struct hfix *f)
{
	uint32_t i;

	for (i = 0; i < f->size; i++)
		hput(f, BUF(i % 4096), 1, 0, NX);
	hend(f);
	return 0;
}

static int s_loop_straddle(struct hfix *f)
{
	uint32_t i;

	CHECK(progress(f, f->size / 2u) == 0);
	for (i = 0; i < f->size; i++)
		hput(f, BUF(i % 4096), 1, 0, NX);
	hend(f);
	return 0;
}

static int s_loop_write(struct hfix *f)
{
	uint32_t i;

	for (i = 0; i < f->size; i++)
		hput(f, BUF(0), 4096, 0, NX | WR);
	hend(f);
	return 0;
}

/* indirect */

/* Entries of a table that fits a chain of this queue (at most size). */
static unsigned tbl_n(const struct hfix *f, unsigned want)
{
	return want < f->size ? want : f->size;
}

static void good_table(struct hfix *f, size_t off, unsigned n)
{
	struct vrq_packed_desc *t = xtbl(f, off);
	unsigned i;

	for (i = 0; i < n; i++)
		wraw(t, i, BUF(256 + 16 * i), 16, 0, 0);
}

static int s_ind_feature(struct hfix *f)
{
	good_table(f, 0, tbl_n(f, 4));
	hone(f, XT(0), 16 * tbl_n(f, 4), 0, IN);
	return 0;
}

static int s_ind_next(struct hfix *f)
{
	good_table(f, 0, tbl_n(f, 4));
	hput(f, XT(0), 16 * tbl_n(f, 4), 0, IN | NX);
	hput(f, BUF(0), 16, 0, 0);
	hend(f);
	return 0;
}

static int s_ind_after_next(struct hfix *f)
{
	good_table(f, 0, tbl_n(f, 4));
	hput(f, BUF(0), 16, 0, NX);
	hput(f, XT(0), 16 * tbl_n(f, 4), 0, IN);
	hend(f);
	return 0;
}

static int s_ind_after_next_straddle(struct hfix *f)
{
	CHECK(progress(f, (uint32_t)f->size - 1) == 0);
	return s_ind_after_next(f);
}

/* Flags inside an indirect table: only WRITE is valid ("The driver MUST
 * NOT set any flags except DESC_F_WRITE within an indirect descriptor");
 * INDIRECT (nested) and NEXT change the chain and are refused. */
static int ind_entry_flags(struct hfix *f, unsigned at, uint16_t fl)
{
	struct vrq_packed_desc *t = xtbl(f, 0);
	unsigned n = f->size < 4 ? f->size : 4;

	good_table(f, 0, n);
	good_table(f, 4096, n); /* a valid table for the nested entry to name */
	wraw(t, at < n ? at : n - 1, XT(4096), 16 * n, 0, fl);
	hone(f, XT(0), 16 * n, 0, IN);
	return 0;
}

static int s_ind_nested_first(struct hfix *f)
{
	return ind_entry_flags(f, 0, IN);
}
static int s_ind_nested_last(struct hfix *f)
{
	return ind_entry_flags(f, 3, IN | WR);
}
static int s_ind_nested_next(struct hfix *f)
{
	return ind_entry_flags(f, 1, IN | NX);
}
static int s_ind_tbl_next_first(struct hfix *f)
{
	return ind_entry_flags(f, 0, NX);
}
static int s_ind_tbl_next_last(struct hfix *f)
{
	return ind_entry_flags(f, 3, NX | WR | AV);
}

/* A split-style table: NEXT on all but the last entry. */
static int s_ind_tbl_next_split_style(struct hfix *f)
{
	struct vrq_packed_desc *t = xtbl(f, 0);
	unsigned n = f->size < 4 ? f->size : 4, i;

	for (i = 0; i < n; i++)
		wraw(t, i, BUF(16 * i), 16, (uint16_t)(i + 1), (uint16_t)(i + 1 < n ? NX : 0));
	if (n == 1)
		t[0].flags = vrq_cpu_to_le16(NX);
	hone(f, XT(0), 16 * n, 0, IN);
	return 0;
}

/* NEXT in a table in the driver's pool, after the ring wrapped. */
static int s_ind_tbl_next_pool_wrap(struct hfix *f)
{
	struct vrq_packed_desc *t = (struct vrq_packed_desc *)f->p.cfg.ind_pool;

	CHECK(progress(f, f->size) == 0);
	wraw(t, 0, BUF(0), 16, 0, 0);
	wraw(t, f->size >= 2 ? 1 : 0, BUF(16), 16, 0, WR | NX);
	hone(f, f->p.cfg.ind_pool_da, f->size >= 2 ? 32 : 16, 0, IN);
	return 0;
}

static int ind_len(struct hfix *f, uint32_t len)
{
	good_table(f, 0, tbl_n(f, 4));
	hone(f, XT(0), len, 0, IN);
	return 0;
}

static int s_ind_len0(struct hfix *f)
{
	return ind_len(f, 0);
}
static int s_ind_len15(struct hfix *f)
{
	return ind_len(f, 15);
}
static int s_ind_len17(struct hfix *f)
{
	return ind_len(f, 17);
}
static int s_ind_len_big(struct hfix *f)
{
	return ind_len(f, (VRQ_QUEUE_SIZE_MAX + 1) * 16); /* 32769 entries, inside xtra */
}
static int s_ind_len_huge(struct hfix *f)
{
	return ind_len(f, 0xfffffff0u);
}

/* "A driver MUST NOT create a descriptor list longer than the Queue Size":
 * a table of size + 1 entries (the largest, size, pops: see the boundary). */
static int s_ind_len_size1(struct hfix *f)
{
	return ind_len(f, 16u * ((uint32_t)f->size + 1));
}

static int s_ind_addr_outside(struct hfix *f)
{
	hone(f, 0x1000, 16 * tbl_n(f, 4), 0, IN);
	return 0;
}

/* A table of 1 or 2 entries (the queue size bounds it) whose last 8 bytes
 * lie past @p end (a region end). */
static int ind_past(struct hfix *f, uint64_t end)
{
	uint32_t len = 16 * tbl_n(f, 2);

	hone(f, end - len + 8, len, 0, IN);
	return 0;
}

static int s_ind_addr_buf_end(struct hfix *f)
{
	return ind_past(f, BUF(BUF_SIZE));
}

static int s_ind_addr_ring_end(struct hfix *f)
{
	return ind_past(f, VRQ_TEST_RING_DA + f->p.ring_bytes);
}

static int s_ind_addr_straddle(struct hfix *f)
{
	/* the end of xtra and the start of the adjacent region: both
	 * registered, but not one region */
	good_table(f, XTRA_SIZE - 16, 1);
	return ind_past(f, XT(XTRA_SIZE));
}

static int s_ind_addr_wrap(struct hfix *f)
{
	hone(f, UINT64_MAX - 7, 16 * tbl_n(f, 2), 0, IN);
	return 0;
}

/* total length: 0xffffffff-byte segments inside the 4 GiB reservation */
static int s_total_ring(struct hfix *f)
{
	hput(f, HUGE_DA, 0xffffffffu, 0, NX);
	hput(f, HUGE_DA, 0xffffffffu, 0, 0);
	hend(f);
	return 0;
}

static int s_total_ind(struct hfix *f)
{
	struct vrq_packed_desc *t = xtbl(f, 0);

	wraw(t, 0, HUGE_DA, 0xffffffffu, 0, 0);
	wraw(t, 1, HUGE_DA + 1, 0xfffffffeu, 0, WR);
	wraw(t, 2, HUGE_DA, 0xffffffffu, 0, WR);
	hone(f, XT(0), 48, 0, IN);
	return 0;
}

/* readable 0xffffffff then one writable byte: 2^32 exactly */
static int s_total_mixed(struct hfix *f)
{
	struct vrq_packed_desc *t = xtbl(f, 0);

	wraw(t, 0, HUGE_DA, 0xffffffffu, 0, 0);
	wraw(t, 1, BUF(0), 1, 0, WR);
	hone(f, XT(0), 32, 0, IN);
	return 0;
}

/* order */
static int s_order_ring(struct hfix *f)
{
	hput(f, BUF(0), 16, 0, NX | WR);
	hput(f, BUF(64), 16, 0, 0);
	hend(f);
	return 0;
}

static int s_order_ind(struct hfix *f)
{
	struct vrq_packed_desc *t = xtbl(f, 0);

	wraw(t, 0, BUF(0), 16, 0, 0);
	wraw(t, 1, BUF(16), 16, 0, WR);
	wraw(t, 2, BUF(32), 16, 0, 0);
	hone(f, XT(0), 48, 0, IN);
	return 0;
}

/* A zero-length writable entry still ends the readable part. */
static int s_order_zero_write(struct hfix *f)
{
	struct vrq_packed_desc *t = xtbl(f, 0);

	wraw(t, 0, BUF(0), 0, 0, WR);
	wraw(t, 1, BUF(16), 16, 0, 0);
	hone(f, XT(0), 32, 0, IN);
	return 0;
}

/* Readable descriptor after a writable one, the two across the ring end. */
static int s_order_straddle(struct hfix *f)
{
	CHECK(progress(f, (uint32_t)f->size - 2) == 0);
	hput(f, BUF(0), 16, 0, NX);
	hput(f, BUF(16), 16, 0, NX | WR);
	hput(f, BUF(32), 16, 0, 0);
	hend(f);
	return 0;
}

/* segment address */
static int s_addr_outside(struct hfix *f)
{
	hone(f, 0x1000, 16, 0, 0);
	return 0;
}

static int s_addr_wrap(struct hfix *f)
{
	hone(f, UINT64_MAX, 2, 0, 0);
	return 0;
}

static int s_addr_straddle(struct hfix *f)
{
	hone(f, XT(XTRA_SIZE - 8), 16, 0, 0);
	return 0;
}

static int s_addr_buf_end(struct hfix *f)
{
	hone(f, BUF(BUF_SIZE - 8), 16, 0, WR);
	return 0;
}

static int s_addr_too_long(struct hfix *f)
{
	hone(f, BUF(0), 0xffffffffu, 0, 0);
	return 0;
}

/* Bad second entry, writable, inside an indirect table. */
static int s_addr_ind_write(struct hfix *f)
{
	struct vrq_packed_desc *t = xtbl(f, 0);

	wraw(t, 0, BUF(0), 16, 0, 0);
	wraw(t, 1, VRQ_TEST_BUF_DA - 8, 16, 0, WR);
	hone(f, XT(0), 32, 0, IN);
	return 0;
}

/* Bad second descriptor of a chain across the ring end. */
static int s_addr_straddle_chain(struct hfix *f)
{
	CHECK(progress(f, (uint32_t)f->size - 1) == 0);
	hput(f, BUF(0), 16, 0, NX);
	hput(f, ADJ_DA + ADJ_SIZE - 4, 8, 0, WR);
	hend(f);
	return 0;
}

static const struct dcase dcases[] = {
	{"id == size", -VRQ_EID, 1, 0, 0, s_id_size},
	{"id == 0xffff", -VRQ_EID, 1, 0, 0, s_id_max},
	{"bad id in the last descriptor (good one in the first)", -VRQ_EID, 2, 0, 0, s_id_last},
	{"bad id after a good chain", -VRQ_EID, 2, 0, 0, s_id_second},
	{"bad id in a chain across the ring end", -VRQ_EID, 2, 0, 0, s_id_after_wrap},
	{"same id twice in flight", -VRQ_EID_INFLIGHT, 2, 0, 0, s_inflight_twice},
	{"3-descriptor chain reusing an id in flight", -VRQ_EID_INFLIGHT, 5, 0, 0,
	 s_inflight_chain},
	{"id held over a wrap and reused", -VRQ_EID_INFLIGHT, 2, 0, 0, s_inflight_after_wrap},
	{"second descriptor never written", -VRQ_EWRAP, 2, 0, 0, s_wrap_unwritten},
	{"second descriptor with USED bits of its lap", -VRQ_EWRAP, 2, 0, 0, s_wrap_used_bits},
	{"third descriptor with AVAIL and USED clear", -VRQ_EWRAP, 3, 0, 0, s_wrap_both_clear},
	{"third of four descriptors with both bits set", -VRQ_EWRAP, 4, 0, 0, s_wrap_mid_long},
	{"after a wrap: 2nd desc AVAIL as in the previous lap", -VRQ_EWRAP, 2, 0, 0,
	 s_wrap_prev_lap},
	{"after a wrap: 2nd desc left as the used one of the last lap", -VRQ_EWRAP, 2, 0, 0,
	 s_wrap_stale_used},
	{"after two wraps: 2nd desc bits of the previous lap", -VRQ_EWRAP, 2, 0, 0,
	 s_wrap_prev_lap2},
	{"after two wraps: 2nd desc left as used", -VRQ_EWRAP, 2, 0, 0, s_wrap_stale_used2},
	{"after a wrap: 3rd desc, both bits clear", -VRQ_EWRAP, 3, 0, 0, s_wrap_third_straddle},
	{"size descriptors, all NEXT", -VRQ_ELOOP, 1, 0, 0, s_loop_all},
	{"size descriptors, all NEXT, across the ring end", -VRQ_ELOOP, 2, 0, 0, s_loop_straddle},
	{"size writable descriptors, all NEXT", -VRQ_ELOOP, 1, 0, 0, s_loop_write},
	{"INDIRECT without feature", -VRQ_EINDIRECT_FEATURE, 1, F_NOIND, 0, s_ind_feature},
	{"INDIRECT|NEXT", -VRQ_EINDIRECT_NEXT, 1, F_IND, 0, s_ind_next},
	{"INDIRECT after a NEXT descriptor", -VRQ_EINDIRECT_NEXT, 2, F_IND, 0, s_ind_after_next},
	{"INDIRECT after a NEXT descriptor across the ring end", -VRQ_EINDIRECT_NEXT, 2, F_IND, 0,
	 s_ind_after_next_straddle},
	{"INDIRECT in the first table entry", -VRQ_EINDIRECT_NESTED, 1, F_IND, 0, s_ind_nested_first},
	{"INDIRECT|WRITE in the last table entry", -VRQ_EINDIRECT_NESTED, 1, F_IND, 0,
	 s_ind_nested_last},
	{"INDIRECT|NEXT in a table entry", -VRQ_EINDIRECT_NESTED, 1, F_IND, 0, s_ind_nested_next},
	{"NEXT in the first table entry", -VRQ_EINDIRECT_TABLE_NEXT, 1, F_IND, 0,
	 s_ind_tbl_next_first},
	{"NEXT|WRITE|AVAIL in the last table entry", -VRQ_EINDIRECT_TABLE_NEXT, 1, F_IND, 0,
	 s_ind_tbl_next_last},
	{"split-style table: NEXT on all but the last", -VRQ_EINDIRECT_TABLE_NEXT, 1, F_IND, 0,
	 s_ind_tbl_next_split_style},
	{"NEXT in a pool table after a wrap", -VRQ_EINDIRECT_TABLE_NEXT, 1, F_IND, 0,
	 s_ind_tbl_next_pool_wrap},
	{"indirect len 0", -VRQ_EINDIRECT_LEN, 1, F_IND, 0, s_ind_len0},
	{"indirect len 15", -VRQ_EINDIRECT_LEN, 1, F_IND, 0, s_ind_len15},
	{"indirect len 17", -VRQ_EINDIRECT_LEN, 1, F_IND, 0, s_ind_len17},
	{"indirect 32769 entries", -VRQ_EINDIRECT_LEN, 1, F_IND, 0, s_ind_len_big},
	{"indirect len 0xfffffff0", -VRQ_EINDIRECT_LEN, 1, F_IND, 0, s_ind_len_huge},
	{"indirect table of size + 1 entries", -VRQ_EINDIRECT_LEN, 1, F_IND, 0, s_ind_len_size1},
	{"indirect table outside memory", -VRQ_EINDIRECT_ADDR, 1, F_IND, 0, s_ind_addr_outside},
	{"indirect table past buffer region end", -VRQ_EINDIRECT_ADDR, 1, F_IND, 0,
	 s_ind_addr_buf_end},
	{"indirect table past ring region end", -VRQ_EINDIRECT_ADDR, 1, F_IND, 0,
	 s_ind_addr_ring_end},
	{"indirect table straddling two regions", -VRQ_EINDIRECT_ADDR, 1, F_IND, 0,
	 s_ind_addr_straddle},
	{"indirect table at 2^64-16 (wrap)", -VRQ_EINDIRECT_ADDR, 1, F_IND, 0, s_ind_addr_wrap},
	{"total len: 2 x 0xffffffff (ring)", -VRQ_ETOTAL_LEN, 2, 0, 1, s_total_ring},
	{"total len: 3 segments (indirect)", -VRQ_ETOTAL_LEN, 3, F_IND, 1, s_total_ind},
	{"total len: 0xffffffff + 1", -VRQ_ETOTAL_LEN, 2, F_IND, 1, s_total_mixed},
	{"readable after writable (ring)", -VRQ_EORDER, 2, 0, 0, s_order_ring},
	{"readable after writable (indirect)", -VRQ_EORDER, 3, F_IND, 0, s_order_ind},
	{"readable after 0-length writable", -VRQ_EORDER, 2, F_IND, 0, s_order_zero_write},
	{"readable after writable across the ring end", -VRQ_EORDER, 3, 0, 0, s_order_straddle},
	{"segment outside memory", -VRQ_EADDR, 1, 0, 0, s_addr_outside},
	{"segment at 2^64-1 len 2 (wrap)", -VRQ_EADDR, 1, 0, 0, s_addr_wrap},
	{"segment straddling two regions", -VRQ_EADDR, 1, 0, 0, s_addr_straddle},
	{"segment past buffer region end", -VRQ_EADDR, 1, 0, 0, s_addr_buf_end},
	{"segment longer than its region", -VRQ_EADDR, 1, 0, 0, s_addr_too_long},
	{"writable indirect entry before region", -VRQ_EADDR, 2, F_IND, 0, s_addr_ind_write},
	{"bad second segment across the ring end", -VRQ_EADDR, 2, 0, 0, s_addr_straddle_chain},
};

static int run_dcase(const struct dcase *dc, uint16_t size, unsigned feat)
{
	static struct hfix f;
	int rc = -1;

	if (fix_init(&f, size, feat, 1)) {
		fprintf(stderr, "fixture init failed\n");
		vrq_test_failures++;
		fix_fini(&f);
		return -1;
	}
	if (dc->setup(&f) == 0 && expect_dev_err(&f, dc->code) == 0 && recover_dev(&f, dc->code) == 0)
		rc = 0;
	fix_fini(&f);
	if (rc)
		fprintf(stderr, "FAILED: hostile driver case \"%s\" size=%u features=%#x\n", dc->name,
			size, feat);
	return rc;
}

/* Feature variants: plain, IN_ORDER + EVENT_IDX (+ INDIRECT unless the case
 * forbids it), EVENT_IDX alone; the largest size only the first. */
static unsigned variant_feat(unsigned v, unsigned need)
{
	unsigned feat = v == 0 ? 0 : v == 1 ? (F_INO | F_EVT) : F_EVT;

	if (need & F_IND)
		feat |= F_IND;
	else if (!(need & F_NOIND) && v == 1)
		feat |= F_IND; /* negotiated but unused */
	return feat;
}

static int hostile_driver_cases(void)
{
	unsigned si, ci, v, ran = 0, skipped_huge = 0;
	int bad = 0;

	for (si = 0; si < N_SIZES; si++) {
		for (ci = 0; ci < sizeof(dcases) / sizeof(dcases[0]); ci++) {
			const struct dcase *dc = &dcases[ci];

			if (sizes[si] < dc->min_size)
				continue;
			if (dc->need_huge && !g_huge) {
				skipped_huge++;
				continue;
			}
			for (v = 0; v < (sizes[si] == VRQ_QUEUE_SIZE_MAX ? 1u : 3u); v++) {
				if (run_dcase(dc, sizes[si], variant_feat(v, dc->need)))
					bad++;
				ran++;
			}
		}
	}
	printf("hostile driver: %u case runs, %d failed%s\n", ran, bad,
	       skipped_huge ? " (4 GiB reservation unavailable: ETOTAL_LEN cases skipped)" : "");
	return bad ? -1 : 0;
}

/* ---- valid boundary chains (the error checks must not be off by one) -------- */

static int push_pub(struct hfix *f, uint16_t id, uint32_t len)
{
	CHECK_EQ(vrq_packed_dev_push(f->dev, id, len), 0);
	vrq_packed_dev_publish(f->dev);
	return 0;
}

/* A chain of exactly size descriptors from the hostile driver's position;
 * ids of all but the last are garbage (the id lives in the last one). */
static int full_chain(struct hfix *f)
{
	uint16_t size = f->size, id = (uint16_t)(size - 1), start = f->hpos;
	bool w = f->hwrap;
	uint32_t i;

	for (i = 0; i < size; i++)
		hput(f, BUF(i % 4096), 1, (uint16_t)(i + 1 < size ? 0xffff - i : id),
		     (uint16_t)(i + 1 < size ? NX : 0));
	hend(f);
	CHECK_EQ(f->hpos, start);
	CHECK(f->hwrap != w);
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(f->ch.head, id);
	CHECK_EQ(f->ch.n, size);
	CHECK_EQ(f->ch.ndesc, size);
	CHECK_EQ(f->ch.n_out, size);
	CHECK_EQ(f->ch.out_len, size);
	CHECK_EQ(f->dev->next_avail, start);
	CHECK(f->dev->avail_wrap != w);
	CHECK_EQ(pop(f), 0);
	CHECK(push_pub(f, id, 0) == 0);
	return 0;
}

/* Descriptor at the hostile driver's position with flags that do not make
 * it available in the current lap: nothing to pop, no error. */
static int not_avail_first(struct hfix *f)
{
	static const uint16_t combos[4] = {0, AV, US, AV | US};
	uint64_t popped = f->dev->st.popped;
	unsigned k;

	for (k = 0; k < 4; k++) {
		if (combos[k] == abits(f->hwrap))
			continue;
		wraw(f->desc, f->hpos, BUF(0), 16, 0, combos[k]);
		CHECK_EQ(pop(f), 0);
		CHECK_EQ(vrq_packed_dev_broken(f->dev), 0);
	}
	CHECK_EQ(f->dev->st.popped, popped);
	return 0;
}

static int boundary_body(struct hfix *f)
{
	uint16_t size = f->size;
	struct vrq_packed_desc *t = xtbl(f, 0);
	uint32_t i;

	/* a chain of exactly size descriptors from position 0, then across the
	 * ring end from the middle */
	CHECK(full_chain(f) == 0);
	CHECK_EQ(vrq_le16_to_cpu(f->desc[0].flags), ubits(true));
	CHECK_EQ(vrq_le16_to_cpu(f->desc[0].id), size - 1);
	CHECK(progress(f, size / 2u) == 0);
	CHECK(full_chain(f) == 0);
	CHECK(not_avail_first(f) == 0);

	if (f->feat & F_IND) {
		uint32_t n4 = tbl_n(f, 4), n2 = tbl_n(f, 2);

		/* an indirect table of exactly size entries, the longest list
		 * there is (0-length segments; size + 1 is VRQ_EINDIRECT_LEN,
		 * see the cases), whose ids and reserved flags (all but WRITE,
		 * NEXT, INDIRECT) are garbage, through a ring descriptor with
		 * INDIRECT|WRITE (WRITE ignored there) */
		for (i = 0; i < size; i++)
			wraw(t, i, 0x1000 + i, 0, (uint16_t)(0xffff - i),
			     (uint16_t)((i & 1) ? (RSV | AV) : (i & 2) ? US : 0));
		hone(f, XT(0), 16u * size, (uint16_t)(7 % size), IN | WR);
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(f->ch.head, 7 % size);
		CHECK_EQ(f->ch.n, size);
		CHECK_EQ(f->ch.n_out, size);
		CHECK_EQ(f->ch.ndesc, 1);
		CHECK_EQ(f->ch.out_len + f->ch.in_len, 0);
		CHECK(push_pub(f, f->ch.head, 0) == 0);

		/* reserved flags inside a table (AVAIL, USED, the undefined
		 * bits) and ids are ignored: exactly len/16 entries */
		wraw(t, 0, BUF(0), 8, 0x1234, AV | US | RSV);
		wraw(t, 1, BUF(8), 8, 0, US);
		wraw(t, 2, BUF(16), 8, 0xffff, WR | AV);
		wraw(t, 3, BUF(24), 8, 0, WR | RSV);
		wraw(t, n4, BUF(32), 8, 0, NX | IN); /* past len: not part of the chain */
		hone(f, XT(0), 16 * n4, 0, IN);
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(f->ch.n, n4);
		CHECK_EQ(f->ch.n_out, n4 < 2 ? n4 : 2);
		CHECK_EQ(f->ch.out_len, 8 * (n4 < 2 ? n4 : 2));
		CHECK_EQ(f->ch.in_len, 8 * (n4 > 2 ? n4 - 2 : 0));
		for (i = 0; i < n4; i++) {
			CHECK(g_segs[i].va == f->p.buf_mem + 8 * i);
			CHECK_EQ(g_segs[i].len, 8);
			CHECK_EQ(g_segs[i].flags, i >= 2 ? VRQ_SEG_WRITE : 0);
		}
		CHECK(push_pub(f, 0, f->ch.in_len) == 0);

		/* an indirect table ending exactly at the end of xtra, in the pool */
		good_table(f, XTRA_SIZE - 16 * n2, n2);
		hone(f, XT(XTRA_SIZE - 16 * n2), 16 * n2, 0, IN);
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(f->ch.n, n2);
		CHECK(push_pub(f, 0, 0) == 0);
		wraw(f->p.cfg.ind_pool, 0, BUF(0), 4, 0, n2 == 2 ? 0 : WR);
		wraw(f->p.cfg.ind_pool, 1, BUF(4), 4, 0, WR);
		hone(f, f->p.cfg.ind_pool_da, 16 * n2, 0, IN);
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(f->ch.n, n2);
		CHECK_EQ(f->ch.in_len, 4);
		CHECK(push_pub(f, 0, 4) == 0);
	}

	/* a zero-length segment needs no memory behind it */
	hone(f, 0x1000, 0, 0, 0);
	CHECK_EQ(pop(f), 1);
	CHECK_EQ(f->ch.n, 1);
	CHECK_EQ(g_segs[0].len, 0);
	CHECK(g_segs[0].va == NULL);
	CHECK(push_pub(f, 0, 0) == 0);

	/* a segment ending exactly at the end of the buffer region */
	hone(f, BUF(BUF_SIZE - 16), 16, (uint16_t)(size - 1), WR);
	CHECK_EQ(pop(f), 1);
	CHECK(g_segs[0].va == f->p.buf_mem + BUF_SIZE - 16);
	CHECK_EQ(f->ch.in_len, 16);
	CHECK(push_pub(f, (uint16_t)(size - 1), 16) == 0);

	/* total length exactly 2^32 - 1 (never touched) */
	if (g_huge && size >= 2) {
		hput(f, HUGE_DA, 0xfffffffeu, 0, NX);
		hput(f, HUGE_DA + 7, 1, 0, WR);
		hend(f);
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(f->ch.out_len, 0xfffffffeu);
		CHECK_EQ(f->ch.in_len, 1);
		CHECK(g_segs[1].va == (uint8_t *)g_huge + 7);
		CHECK(push_pub(f, 0, 1) == 0);
	}

	/* an id is free again once pushed; held, it is not (see the cases) */
	hone(f, BUF(0), 8, 0, 0);
	CHECK_EQ(pop(f), 1);
	CHECK(push_pub(f, 0, 0) == 0);
	hone(f, BUF(0), 8, 0, 0);
	CHECK_EQ(pop(f), 1);
	CHECK(push_pub(f, 0, 0) == 0);

	/* later descriptors written, the first not yet: nothing to pop */
	if (size >= 2) {
		uint64_t popped = f->dev->st.popped;

		hput(f, BUF(0), 8, 0, NX);
		hput(f, BUF(8), 8, 0, WR);
		CHECK_EQ(pop(f), 0);
		CHECK_EQ(pop(f), 0);
		CHECK_EQ(f->dev->st.popped, popped);
		hend(f);
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(f->ch.n, 2);
		CHECK_EQ(f->ch.ndesc, 2);
		CHECK(push_pub(f, 0, 8) == 0);
	}
	CHECK(not_avail_first(f) == 0);
	hone(f, BUF(0), 8, 0, 0);
	CHECK_EQ(pop(f), 1);
	CHECK(push_pub(f, 0, 0) == 0);

	CHECK_EQ(vrq_packed_dev_broken(f->dev), 0);
	CHECK(check_counts(f->dev->st.peer_err, 0, 0) == 0);
	return 0;
}

static int boundary_cases(void)
{
	static struct hfix f;
	unsigned si, v;
	int bad = 0;

	for (si = 0; si < N_SIZES; si++) {
		for (v = 0; v < 2; v++) {
			unsigned feat = v ? (F_IND | F_INO | F_EVT) : 0;
			int rc = -1;

			if (fix_init(&f, sizes[si], feat, 1) == 0)
				rc = boundary_body(&f);
			else
				vrq_test_failures++;
			fix_fini(&f);
			if (rc) {
				fprintf(stderr, "FAILED: boundary chains, size=%u features=%#x\n",
					sizes[si], feat);
				bad++;
			}
		}
	}
	printf("boundary chains: %d failed\n", bad);
	return bad ? -1 : 0;
}

/* ---- hostile device cases ---------------------------------------------------- */

/* Add one buffer of one writable 16-byte segment; token i. */
static int drv_add1(struct hfix *f, unsigned i)
{
	struct vrq_sg sg = {BUF(16 * (i % 1024)), 16};

	return vrq_packed_drv_add(f->drv, &sg, 0, 1, TOK(i));
}

/* A used descriptor written by the hostile device at its position: id, len,
 * @p flags (WRITE or not) and the USED/AVAIL bits right for its lap (or
 * exactly @p bits); then its position moves on by @p skip descriptors. */
static void uput(struct hfix *f, uint16_t id, uint32_t len, uint16_t flags, int bits, uint32_t skip)
{
	struct vrq_packed_desc *d = &f->desc[f->upos];

	d->len = vrq_cpu_to_le32(len);
	d->id = vrq_cpu_to_le16(id);
	__atomic_store_n(&d->flags,
			 vrq_cpu_to_le16((uint16_t)(flags | (bits < 0 ? ubits(f->uwrap) : (uint16_t)bits))),
			 __ATOMIC_RELEASE);
	advn(&f->upos, &f->uwrap, skip, f->size);
}

/* Buffer id of the chain that starts at @p pos with @p ndesc descriptors
 * (the id of its last descriptor), as a device reads it. */
static uint16_t ring_id(struct hfix *f, uint16_t pos, uint16_t ndesc)
{
	return vrq_le16_to_cpu(f->desc[(pos + ndesc - 1u) % f->size].id);
}

/* The next get_used must fail with @p code; the driver stays stopped. */
static int expect_drv_err(struct hfix *f, int code)
{
	struct vrq_packed_drv *q = f->drv;
	uint64_t done = q->st.completed;
	struct vrq_sg sg = {BUF(0), 8};
	void *tok = NULL;
	uint32_t len = 0;
	int k, rc;

	rc = vrq_packed_drv_get_used(q, &tok, &len);
	if (rc != code)
		fprintf(stderr, "  get_used: got %d (%s), expected %d (%s)\n", rc,
			rc < 0 ? vrq_strerror(rc) : "a buffer", code, vrq_strerror(code));
	CHECK_EQ(rc, code);
	CHECK_EQ(vrq_packed_drv_broken(q), code);
	CHECK(check_counts(q->st.peer_err, code, 1) == 0);
	CHECK_EQ(q->st.used_len_clamped, 0);
	for (k = 0; k < 3; k++) {
		CHECK_EQ(vrq_packed_drv_get_used(q, &tok, &len), code);
		CHECK_EQ(vrq_vq_drv_get_used(&f->p.drv, &tok, &len), code);
	}
	CHECK_EQ(vrq_packed_drv_add(q, &sg, 1, 0, TOK(0)), code);
	CHECK(check_counts(q->st.peer_err, code, 1) == 0);
	CHECK_EQ(q->st.completed, done);
	return 0;
}

/* Detach everything still in flight (exactly @p inflight buffers), reset
 * both roles and do a clean round trip. */
static int recover_drv(struct hfix *f, int code, unsigned inflight)
{
	struct vrq_packed_drv *q = f->drv;
	struct vrq_packed_dev *d = f->dev;
	unsigned n = 0, i, m = f->size < 4 ? f->size : 4;
	void *tok;
	uint32_t len = 0;

	while (vrq_packed_drv_detach(q, &tok) == 1) {
		CHECK((uint8_t *)tok >= g_tok && (uint8_t *)tok < g_tok + sizeof(g_tok));
		CHECK(++n <= f->size);
	}
	CHECK_EQ(n, inflight);
	CHECK_EQ(vrq_packed_drv_num_free(q), f->size);
	vrq_packed_drv_reset(q);
	vrq_packed_dev_reset(d);
	f->upos = 0;
	f->uwrap = true;
	CHECK_EQ(vrq_packed_drv_broken(q), 0);
	for (i = 0; i < m; i++)
		CHECK_EQ(drv_add1(f, i), 0);
	vrq_packed_drv_publish(q);
	for (i = 0; i < m; i++) {
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(vrq_packed_dev_push(d, f->ch.head, 7), 0);
	}
	vrq_packed_dev_publish(d);
	for (i = 0; i < m; i++) {
		CHECK_EQ(vrq_packed_drv_get_used(q, &tok, &len), 1);
		CHECK(tok == TOK(i));
		CHECK_EQ(len, 7);
	}
	CHECK_EQ(vrq_packed_drv_get_used(q, &tok, &len), 0);
	CHECK_EQ(vrq_packed_drv_num_free(q), f->size);
	CHECK(check_counts(q->st.peer_err, code, code ? 1 : 0) == 0);
	CHECK(check_counts(d->st.peer_err, 0, 0) == 0);
	return 0;
}

struct vcase {
	const char *name;
	int code;
	uint16_t min_size;
	unsigned need; /* F_INO: IN_ORDER only */
	/* returns buffers in flight at the failing call, or -1 */
	int (*setup)(struct hfix *f);
};

static int v_id_size(struct hfix *f)
{
	CHECK_EQ(drv_add1(f, 0), 0);
	vrq_packed_drv_publish(f->drv);
	uput(f, f->size, 16, WR, -1, 1);
	return 1;
}

static int v_id_max(struct hfix *f)
{
	CHECK_EQ(drv_add1(f, 0), 0);
	vrq_packed_drv_publish(f->drv);
	uput(f, 0xffff, 16, WR, -1, 1);
	return 1;
}

/* An id no buffer has (the driver handed out only one). */
static int v_id_free(struct hfix *f)
{
	CHECK_EQ(drv_add1(f, 0), 0);
	vrq_packed_drv_publish(f->drv);
	CHECK(ring_id(f, 0, 1) != f->size - 1);
	uput(f, (uint16_t)(f->size - 1), 16, WR, -1, 1);
	return 1;
}

/* The same id used twice. */
static int v_id_twice(struct hfix *f)
{
	uint16_t id0;
	void *tok;
	uint32_t len;

	CHECK_EQ(drv_add1(f, 0), 0);
	CHECK_EQ(drv_add1(f, 1), 0);
	vrq_packed_drv_publish(f->drv);
	id0 = ring_id(f, 0, 1);
	CHECK(id0 != ring_id(f, 1, 1));
	uput(f, id0, 16, WR, -1, 1);
	CHECK_EQ(vrq_packed_drv_get_used(f->drv, &tok, &len), 1);
	CHECK(tok == TOK(0));
	CHECK_EQ(len, 16);
	uput(f, id0, 16, WR, -1, 1);
	return 1;
}

/* The id of a descriptor inside a 3-descriptor chain (one past the id the
 * chain has): no buffer has it. */
static int v_id_inside_chain(struct hfix *f)
{
	struct vrq_sg sg[3] = {{BUF(0), 8}, {BUF(8), 8}, {BUF(16), 8}};
	uint16_t nd = (f->feat & F_IND) ? 1 : 3, id;

	CHECK_EQ(vrq_packed_drv_add(f->drv, sg, 1, 2, TOK(0)), 0);
	CHECK_EQ(vrq_packed_drv_num_free(f->drv), f->size - nd);
	vrq_packed_drv_publish(f->drv);
	id = ring_id(f, 0, nd);
	uput(f, (uint16_t)((id + 1) % f->size), 16, WR, -1, nd);
	return 1;
}

/* A used descriptor before the driver published anything: the buffer is
 * added (it has an id) but the device cannot have seen it. */
static int v_nothing_published(struct hfix *f)
{
	CHECK_EQ(drv_add1(f, 0), 0);
	/* the id the driver gave it (written already; only the first
	 * descriptor's flags wait for the publish) */
	uput(f, ring_id(f, 0, 1), 16, WR, -1, 1);
	return 1;
}

/* IN_ORDER: a batch used descriptor naming the third of three buffers, the
 * third added but not published.  At most the two published buffers may
 * come back, then VRQ_EUSED_ID. */
static int v_ino_batch_unpublished(struct hfix *f)
{
	unsigned got = 0, i;
	void *tok;
	uint32_t len;
	int rc;

	for (i = 0; i < 2; i++)
		CHECK_EQ(drv_add1(f, i), 0);
	vrq_packed_drv_publish(f->drv);
	CHECK_EQ(drv_add1(f, 2), 0);
	CHECK_EQ(ring_id(f, 2, 1), 2);
	uput(f, 2, 16, WR, -1, 3);
	while ((rc = vrq_packed_drv_get_used(f->drv, &tok, &len)) == 1) {
		CHECK(tok == TOK(got));
		if (++got > 2) {
			fprintf(stderr, "  IN_ORDER batch: get_used returned buffer %u, which was "
					"never published\n", got);
			CHECK(got <= 2);
		}
	}
	CHECK_EQ(rc, -VRQ_EUSED_ID);
	return (int)(3 - got);
}

/* IN_ORDER: a batch naming a position where no buffer starts. */
static int v_ino_batch_free(struct hfix *f)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		CHECK_EQ(drv_add1(f, i), 0);
	vrq_packed_drv_publish(f->drv);
	uput(f, 3, 16, WR, -1, 4);
	return 3;
}

/* IN_ORDER: after buffer 0 came back, a used descriptor naming it again. */
static int v_ino_batch_behind(struct hfix *f)
{
	void *tok;
	uint32_t len;

	CHECK_EQ(drv_add1(f, 0), 0);
	CHECK_EQ(drv_add1(f, 1), 0);
	vrq_packed_drv_publish(f->drv);
	uput(f, 0, 16, WR, -1, 1);
	CHECK_EQ(vrq_packed_drv_get_used(f->drv, &tok, &len), 1);
	CHECK(tok == TOK(0));
	uput(f, 0, 16, WR, -1, 1);
	return 1;
}

static const struct vcase vcases[] = {
	{"used id == size", -VRQ_EUSED_ID, 1, 0, v_id_size},
	{"used id 0xffff", -VRQ_EUSED_ID, 1, 0, v_id_max},
	{"used id no buffer has", -VRQ_EUSED_ID, 2, 0, v_id_free},
	{"used id twice", -VRQ_EUSED_ID, 2, 0, v_id_twice},
	{"used id inside a chain", -VRQ_EUSED_ID, 4, 0, v_id_inside_chain},
	{"used descriptor before anything was published", -VRQ_EUSED_ID, 1, 0, v_nothing_published},
	{"IN_ORDER batch reaching an unpublished buffer", -VRQ_EUSED_ID, 4, F_INO,
	 v_ino_batch_unpublished},
	{"IN_ORDER batch id where no buffer starts", -VRQ_EUSED_ID, 5, F_INO, v_ino_batch_free},
	{"IN_ORDER used id already returned", -VRQ_EUSED_ID, 2, F_INO, v_ino_batch_behind},
};

static int run_vcase(const struct vcase *vc, uint16_t size, unsigned feat)
{
	static struct hfix f;
	int rc = -1, inflight;

	if (fix_init(&f, size, feat, 0)) {
		fprintf(stderr, "fixture init failed\n");
		vrq_test_failures++;
		fix_fini(&f);
		return -1;
	}
	inflight = vc->setup(&f);
	if (inflight >= 0 && expect_drv_err(&f, vc->code) == 0 &&
	    recover_drv(&f, vc->code, (unsigned)inflight) == 0)
		rc = 0;
	fix_fini(&f);
	if (rc)
		fprintf(stderr, "FAILED: hostile device case \"%s\" size=%u features=%#x\n", vc->name,
			size, feat);
	return rc;
}

/*
 * used len: larger than the writable capacity is clamped and counted (not
 * fatal); without WRITE in the used descriptor the len is ignored (0, not
 * counted).  The real device pops and pushes; the hostile part rewrites the
 * used descriptor before the driver reads it.
 */
static int used_len_body(struct hfix *f)
{
	static const struct {
		int kind;	/* 0: 3 segments (1 out, 2 in) or w16; 1: w16; 2: read-only */
		uint32_t claim; /* len the hostile device writes */
		uint16_t wr;	/* WRITE flag it writes */
		uint32_t want;	/* len get_used must return */
		int clamped;	/* counted as clamped */
	} step[] = {
		{0, 17, WR, 16, 1},	     {1, 0xffffffffu, WR, 16, 1}, {2, 1, WR, 0, 1},
		{1, 0xffffffffu, 0, 0, 0}, {1, 5, WR, 5, 0},	     {2, 0x7fffffffu, 0, 0, 0},
		{1, 16, WR, 16, 0},
	};
	struct vrq_packed_drv *q = f->drv;
	struct vrq_packed_dev *d = f->dev;
	struct vrq_sg sg3[3] = {{BUF(0), 8}, {BUF(8), 8}, {BUF(16), 8}};
	struct vrq_sg w16 = {BUF(32), 16}, ro = {BUF(64), 32};
	uint64_t clamped = 0;
	void *tok;
	uint32_t len = 0, cap;
	unsigned i, n;
	int multi = f->size >= 3; /* 3 segments: at most the queue size */

	for (i = 0; i < sizeof(step) / sizeof(step[0]); i++) {
		uint16_t pos;
		bool wrap;

		if (step[i].kind == 0 && multi) {
			CHECK_EQ(vrq_packed_drv_add(q, sg3, 1, 2, TOK(i)), 0);
			cap = 16;
		} else if (step[i].kind == 2) {
			CHECK_EQ(vrq_packed_drv_add(q, &ro, 1, 0, TOK(i)), 0);
			cap = 0;
		} else {
			CHECK_EQ(vrq_packed_drv_add(q, &w16, 0, 1, TOK(i)), 0);
			cap = 16;
		}
		vrq_packed_drv_publish(q);
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(f->ch.in_len, cap);
		pos = d->next_used;
		wrap = d->used_wrap;
		CHECK_EQ(vrq_packed_dev_push(d, f->ch.head, cap), 0);
		vrq_packed_dev_publish(d);
		/* what the device wrote: id, len, WRITE iff len, used bits */
		CHECK_EQ(vrq_le16_to_cpu(f->desc[pos].flags), ubits(wrap) | (cap ? WR : 0));
		CHECK_EQ(vrq_le16_to_cpu(f->desc[pos].id), f->ch.head);
		CHECK_EQ(vrq_le32_to_cpu(f->desc[pos].len), cap);
		f->desc[pos].len = vrq_cpu_to_le32(step[i].claim);
		f->desc[pos].flags = vrq_cpu_to_le16((uint16_t)(ubits(wrap) | step[i].wr));
		len = 12345;
		CHECK_EQ(vrq_packed_drv_get_used(q, &tok, &len), 1);
		CHECK(tok == TOK(i));
		CHECK_EQ(len, step[i].want);
		clamped += (uint64_t)step[i].clamped;
		CHECK_EQ(q->st.used_len_clamped, clamped);
		CHECK(check_counts(q->st.peer_err, clamped ? -VRQ_EUSED_LEN : 0, clamped) == 0);
		CHECK_EQ(vrq_packed_drv_broken(q), 0);
	}
	CHECK_EQ(vrq_packed_drv_num_free(q), f->size);
	CHECK_EQ(vrq_packed_drv_get_used(q, &tok, &len), 0);

	/* IN_ORDER: the device writes one used descriptor for a run of
	 * completely used buffers (at the run's first position, with the last
	 * buffer's id); the driver returns the skipped buffers with their whole
	 * capacity and clamps the len of the named one, or takes 0 for it when
	 * the descriptor lacks WRITE */
	if ((f->feat & F_INO) && f->size >= 3) {
		static const uint16_t wr[2] = {WR, 0};
		unsigned round;

		for (round = 0; round < 2; round++) {
			uint16_t start = q->next_avail, pos = d->next_used, nb = (uint16_t)(3 - round);
			uint16_t p1 = (uint16_t)((pos + 1) % f->size);
			bool wrap = d->used_wrap, w1 = p1 ? wrap : !wrap;

			for (i = 0; i < nb; i++)
				CHECK_EQ(drv_add1(f, 20 + 10 * round + i), 0);
			vrq_packed_drv_publish(q);
			for (i = 0; i < nb; i++) {
				CHECK_EQ(pop(f), 1);
				CHECK_EQ(f->ch.head, (start + i) % f->size);
				CHECK_EQ(vrq_packed_dev_push(d, f->ch.head, 16), 0);
			}
			vrq_packed_dev_publish(d);
			CHECK_EQ(vrq_le16_to_cpu(f->desc[pos].flags), ubits(wrap) | WR);
			CHECK_EQ(vrq_le16_to_cpu(f->desc[pos].id), (start + nb - 1) % f->size);
			CHECK_EQ(vrq_le32_to_cpu(f->desc[pos].len), 16);
			CHECK(!is_used(vrq_le16_to_cpu(f->desc[p1].flags), w1));
			f->desc[pos].len = vrq_cpu_to_le32(99);
			f->desc[pos].flags = vrq_cpu_to_le16((uint16_t)(ubits(wrap) | wr[round]));
			for (i = 0; i < nb; i++) {
				CHECK_EQ(vrq_packed_drv_get_used(q, &tok, &len), 1);
				CHECK(tok == TOK(20 + 10 * round + i));
				CHECK_EQ(len, (round && i + 1 == nb) ? 0 : 16);
			}
			if (!round)
				clamped++;
			CHECK_EQ(q->st.used_len_clamped, clamped);
			CHECK_EQ(vrq_packed_drv_get_used(q, &tok, &len), 0);
		}
	}

	/* the queue keeps working without a reset */
	n = f->size < 4 ? f->size : 4;
	for (i = 0; i < n; i++)
		CHECK_EQ(drv_add1(f, 10 + i), 0);
	vrq_packed_drv_publish(q);
	for (i = 0; i < n; i++) {
		CHECK_EQ(pop(f), 1);
		CHECK_EQ(vrq_packed_dev_push(d, f->ch.head, 16), 0);
	}
	vrq_packed_dev_publish(d);
	for (i = 0; i < n; i++) {
		CHECK_EQ(vrq_packed_drv_get_used(q, &tok, &len), 1);
		CHECK(tok == TOK(10 + i));
		CHECK_EQ(len, 16);
	}
	CHECK_EQ(q->st.used_len_clamped, clamped);
	CHECK(check_counts(q->st.peer_err, -VRQ_EUSED_LEN, clamped) == 0);
	CHECK(check_counts(d->st.peer_err, 0, 0) == 0);
	return 0;
}

/*
 * Used descriptors with wrong wrap bits are not used descriptors: the
 * driver returns 0 (no error, nothing counted, enable_cb sees no pending
 * work) and sees the right one written afterwards at the same place.  Over
 * two laps and more, so the bits of the previous lap are among the wrong
 * ones; 2-descriptor buffers where the ring allows, straddling its end.
 */
static int wrong_bits_body(struct hfix *f)
{
	static const uint16_t combos[4] = {0, AV, US, AV | US};
	struct vrq_packed_drv *q = f->drv;
	uint32_t rounds = 2u * f->size + 3, r;
	struct vrq_sg sg[2] = {{BUF(0), 8}, {BUF(64), 16}};
	void *tok;
	uint32_t len;
	unsigned k;

	for (r = 0; r < rounds; r++) {
		uint16_t nd = (f->size >= 2 && !(f->feat & F_IND) && r % 3 == 1) ? 2 : 1, id;

		if (nd == 2) {
			CHECK_EQ(vrq_packed_drv_add(q, sg, 1, 1, TOK(r % 4096)), 0);
		} else {
			CHECK_EQ(vrq_packed_drv_add(q, sg + 1, 0, 1, TOK(r % 4096)), 0);
		}
		vrq_packed_drv_publish(q);
		CHECK_EQ(q->next_used, f->upos);
		id = ring_id(f, f->upos, nd);
		for (k = 0; k < 4; k++) {
			if (combos[k] == ubits(f->uwrap))
				continue;
			uput(f, id, 16, WR, combos[k], 0);
			CHECK_EQ(vrq_packed_drv_get_used(q, &tok, &len), 0);
			CHECK(!vrq_packed_drv_enable_cb(q));
			vrq_packed_drv_disable_cb(q);
			CHECK_EQ(vrq_packed_drv_broken(q), 0);
		}
		uput(f, id, 16, WR, -1, nd);
		CHECK(vrq_packed_drv_enable_cb(q));
		CHECK_EQ(vrq_packed_drv_get_used(q, &tok, &len), 1);
		CHECK(tok == TOK(r % 4096));
		CHECK_EQ(len, 16);
		CHECK_EQ(vrq_packed_drv_get_used(q, &tok, &len), 0);
		CHECK_EQ(vrq_packed_drv_num_free(q), f->size);
	}
	CHECK(check_counts(q->st.peer_err, 0, 0) == 0);
	CHECK_EQ(q->st.used_len_clamped, 0);
	CHECK_EQ(q->st.completed, rounds);
	return 0;
}

static int device_body_case(const char *what, int (*body)(struct hfix *), uint16_t size,
			    unsigned feat)
{
	static struct hfix f;
	int rc = -1;

	if (fix_init(&f, size, feat, 0) == 0)
		rc = body(&f);
	else
		vrq_test_failures++;
	fix_fini(&f);
	if (rc)
		fprintf(stderr, "FAILED: %s, size=%u features=%#x\n", what, size, feat);
	return rc;
}

static int hostile_device_cases(void)
{
	static const unsigned feats[4] = {0, F_IND, F_INO | F_EVT, F_INO | F_IND};
	unsigned si, ci, v, ran = 0;
	int bad = 0;

	for (si = 0; si < N_SIZES; si++) {
		uint16_t size = sizes[si];

		for (ci = 0; ci < sizeof(vcases) / sizeof(vcases[0]); ci++) {
			const struct vcase *vc = &vcases[ci];

			if (size < vc->min_size)
				continue;
			for (v = 0; v < 4; v++) {
				if ((vc->need & F_INO) && !(feats[v] & F_INO))
					continue;
				if (run_vcase(vc, size, feats[v]))
					bad++;
				ran++;
			}
		}
		for (v = 0; v < 4; v++) {
			if (device_body_case("used len clamp", used_len_body, size, feats[v]))
				bad++;
			if (device_body_case("used descriptor with wrong wrap bits", wrong_bits_body,
					     size, feats[v]))
				bad++;
			ran += 2;
		}
	}
	printf("hostile device: %u case runs, %d failed\n", ran, bad);
	return bad ? -1 : 0;
}

/* ---- random numbers ---------------------------------------------------------- */

static uint64_t xs_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	uint64_t x = xs_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	xs_state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static uint32_t rndn(uint32_t n) /* [0, n), n > 0 */
{
	return (uint32_t)((rnd() >> 32) % n);
}

static int chance(unsigned one_in)
{
	return rndn(one_in) == 0;
}

static double test_scale(void)
{
	const char *s = getenv("VRQ_TEST_SCALE");
	double v;

	if (!s || !*s)
		return 1.0;
	v = strtod(s, NULL);
	return v > 0 ? v : 1.0;
}

/* ---- valid traffic over several wraps ----------------------------------------- */

/*
 * Real driver and real device through the ring-agnostic handle.  Each step
 * adds a random number of buffers (mostly chain_len segments, some shorter;
 * with INDIRECT up to 11 so that some do not fit the pool's 8-entry tables),
 * publishes and checks every descriptor the driver wrote against the spec
 * format; the device pops some or all (each chain must be exactly the
 * buffer added, with the id of its last descriptor) and pushes some of what
 * it holds, in order with IN_ORDER and in random order without; every used
 * descriptor is checked (without IN_ORDER, where one is written per buffer);
 * the driver takes some or all back (exact tokens and lengths).
 */
#define T_MAXSEG 11u

struct tbuf {
	struct vrq_sg sg[T_MAXSEG];
	unsigned nseg, n_out;
	uint32_t cap, len;
	uint16_t id, ndesc, pos;
	bool wrap, ind;
};

struct tfifo {
	uint16_t *v;
	uint32_t head, n, cap;
};

static int tf_init(struct tfifo *q, uint32_t cap)
{
	q->v = (uint16_t *)calloc(cap, sizeof(*q->v));
	q->head = q->n = 0;
	q->cap = cap;
	return q->v ? 0 : -1;
}

static void tf_push(struct tfifo *q, uint16_t x)
{
	q->v[(q->head + q->n++) % q->cap] = x;
}

static uint16_t tf_pop(struct tfifo *q)
{
	uint16_t x = q->v[q->head];

	q->head = (q->head + 1) % q->cap;
	q->n--;
	return x;
}

/* Remove and return entry @p i (order of the rest kept). */
static uint16_t tf_take(struct tfifo *q, uint32_t i)
{
	uint16_t x = q->v[(q->head + i) % q->cap];
	uint32_t k;

	for (k = i; k + 1 < q->n; k++)
		q->v[(q->head + k) % q->cap] = q->v[(q->head + k + 1) % q->cap];
	q->n--;
	return x;
}

struct traffic {
	struct hfix f;
	struct tbuf *b;			/* per token slot */
	struct tfifo freeq, addq, availq, heldq, doneq;
	uint8_t *id_busy;		/* ids in flight, as seen in the ring */
	uint16_t mpos, upos;		/* model: next avail / next used position */
	bool mwrap, uwrap;
	unsigned chain_len;		/* segments per buffer (most of them) */
	uint64_t descs, bufs, straddles, drv_pubs, dev_pubs, polled;
};

static void traffic_free(struct traffic *t)
{
	fix_fini(&t->f);
	free(t->b);
	free(t->freeq.v);
	free(t->addq.v);
	free(t->availq.v);
	free(t->heldq.v);
	free(t->doneq.v);
	free(t->id_busy);
}

/* The driver's descriptors for buffer @p s, right after publish. */
static int t_check_avail(struct traffic *t, uint16_t s)
{
	struct hfix *f = &t->f;
	struct tbuf *b = &t->b[s];
	uint16_t pos = b->pos, id;
	bool wrap = b->wrap;
	unsigned j;

	for (j = 0; j < b->ndesc; j++) {
		const struct vrq_packed_desc *d = &f->desc[pos];
		uint16_t fl = vrq_le16_to_cpu(d->flags);

		CHECK_EQ(fl & (AV | US), abits(wrap));
		if (b->ind) {
			const struct vrq_packed_desc *tb;
			unsigned k;

			CHECK_EQ(fl & ~(AV | US), IN);
			CHECK_EQ(vrq_le32_to_cpu(d->len), 16 * b->nseg);
			tb = (const struct vrq_packed_desc *)vrq_mem_da_to_va(
				&f->p.mem, vrq_le64_to_cpu(d->addr), 16ull * b->nseg);
			CHECK(tb != NULL);
			/* "only WRITE is valid" inside the table */
			for (k = 0; k < b->nseg; k++) {
				CHECK_EQ(vrq_le64_to_cpu(tb[k].addr), b->sg[k].addr);
				CHECK_EQ(vrq_le32_to_cpu(tb[k].len), b->sg[k].len);
				CHECK_EQ(vrq_le16_to_cpu(tb[k].flags), k >= b->n_out ? WR : 0);
			}
		} else {
			CHECK_EQ(fl & ~(AV | US),
				 (j + 1 < b->ndesc ? NX : 0) | (j >= b->n_out ? WR : 0));
			CHECK_EQ(vrq_le64_to_cpu(d->addr), b->sg[j].addr);
			CHECK_EQ(vrq_le32_to_cpu(d->len), b->sg[j].len);
		}
		if (j + 1 < b->ndesc)
			adv(&pos, &wrap, f->size);
	}
	id = vrq_le16_to_cpu(f->desc[pos].id); /* the last descriptor's */
	CHECK(id < f->size);
	CHECK(!t->id_busy[id]);
	if (f->feat & F_INO)
		CHECK_EQ(id, b->pos); /* the library's IN_ORDER ids: first position */
	t->id_busy[id] = 1;
	b->id = id;
	if ((uint32_t)b->pos + b->ndesc > f->size)
		t->straddles++;
	return 0;
}

static int t_add(struct traffic *t)
{
	struct hfix *f = &t->f;
	int ind = !!(f->feat & F_IND);
	unsigned k = 1 + rndn(f->size < 16 ? f->size : 16), i, j;

	for (i = 0; i < k && t->freeq.n; i++) {
		struct tbuf b;
		unsigned maxseg = ind ? T_MAXSEG : t->chain_len;
		uint16_t need, s;
		int rc;

		memset(&b, 0, sizeof(b));
		if (ind)
			b.nseg = chance(4) ? 1 + rndn(T_MAXSEG) : 1 + rndn(VRQ_TEST_IND_MAX);
		else
			b.nseg = chance(4) ? 1 + rndn(maxseg) : maxseg;
		if (b.nseg > f->size) /* a chain is at most size segments, indirect too */
			b.nseg = f->size;
		b.n_out = rndn(b.nseg + 1);
		for (j = 0; j < b.nseg; j++) {
			uint32_t off = rndn(BUF_SIZE - 64);

			b.sg[j].addr = BUF(off);
			b.sg[j].len = rndn(65);
			if (j >= b.n_out)
				b.cap += b.sg[j].len;
		}
		b.ind = ind && b.nseg > 1 && b.nseg <= VRQ_TEST_IND_MAX;
		need = (uint16_t)(b.ind ? 1 : b.nseg);
		if (need > vrq_vq_drv_num_free(&f->p.drv)) {
			s = 0;
			rc = vrq_vq_drv_add(&f->p.drv, b.sg, b.n_out, b.nseg - b.n_out, TOK(0));
			CHECK_EQ(rc, -VRQ_ENOSPC);
			break;
		}
		s = tf_pop(&t->freeq);
		rc = vrq_vq_drv_add(&f->p.drv, b.sg, b.n_out, b.nseg - b.n_out, TOK(s));
		CHECK_EQ(rc, 0);
		b.ndesc = need;
		b.pos = t->mpos;
		b.wrap = t->mwrap;
		advn(&t->mpos, &t->mwrap, need, f->size);
		t->descs += need;
		t->bufs++;
		t->b[s] = b;
		tf_push(&t->addq, s);
	}
	if (t->addq.n) {
		if (chance(2))
			vrq_vq_drv_publish(&f->p.drv);
		else
			(void)vrq_vq_drv_kick_prepare(&f->p.drv);
		t->drv_pubs++;
		while (t->addq.n) {
			uint16_t s = tf_pop(&t->addq);

			if (t_check_avail(t, s))
				return -1;
			tf_push(&t->availq, s);
		}
	}
	return 0;
}

static int t_device(struct traffic *t)
{
	struct hfix *f = &t->f;
	uint32_t m = chance(3) ? rndn(t->availq.n + 1) : t->availq.n, i, np;
	uint16_t pushed_slot[64];
	uint16_t upos0[64];
	bool uwrap0[64];
	unsigned npub = 0;

	for (i = 0; i < m; i++) {
		uint16_t s = tf_pop(&t->availq);
		struct tbuf *b = &t->b[s];
		unsigned j;

		vrq_chain_init(&f->ch, g_segs, (uint16_t)SEG_CAP);
		CHECK_EQ(vrq_vq_dev_pop(&f->p.dev, &f->ch), 1);
		CHECK_EQ(f->ch.head, b->id);
		CHECK_EQ(f->ch.ndesc, b->ndesc);
		CHECK_EQ(f->ch.n, b->nseg);
		CHECK_EQ(f->ch.n_out, b->n_out);
		CHECK_EQ(f->ch.in_len, b->cap);
		for (j = 0; j < b->nseg; j++) {
			CHECK_EQ(g_segs[j].addr, b->sg[j].addr);
			CHECK_EQ(g_segs[j].len, b->sg[j].len);
			CHECK_EQ(g_segs[j].flags, j >= b->n_out ? VRQ_SEG_WRITE : 0);
			if (b->sg[j].len)
				CHECK(g_segs[j].va ==
				      f->p.buf_mem + (b->sg[j].addr - VRQ_TEST_BUF_DA));
		}
		tf_push(&t->heldq, s);
	}
	if (!t->availq.n) {
		vrq_chain_init(&f->ch, g_segs, (uint16_t)SEG_CAP);
		CHECK_EQ(vrq_vq_dev_pop(&f->p.dev, &f->ch), 0);
	}
	/* push some of what is held; IN_ORDER in order, else in random order */
	np = chance(3) ? rndn(t->heldq.n + 1) : t->heldq.n;
	if (np > 64)
		np = 64;
	for (i = 0; i < np; i++) {
		uint16_t s = (f->feat & F_INO) ? tf_pop(&t->heldq) : tf_take(&t->heldq, rndn(t->heldq.n));
		struct tbuf *b = &t->b[s];

		b->len = chance(2) ? b->cap : rndn(b->cap + 1);
		upos0[npub] = t->upos;
		uwrap0[npub] = t->uwrap;
		pushed_slot[npub++] = s;
		advn(&t->upos, &t->uwrap, b->ndesc, f->size);
		CHECK_EQ(vrq_vq_dev_push(&f->p.dev, b->id, b->len), 0);
		tf_push(&t->doneq, s);
	}
	if (npub) {
		if (chance(2))
			vrq_vq_dev_publish(&f->p.dev);
		else
			(void)vrq_vq_dev_notify_prepare(&f->p.dev);
		t->dev_pubs++;
		/* one used descriptor per buffer (not IN_ORDER): at the position
		 * the device reached, id, len, WRITE iff len, used bits of its lap */
		if (!(f->feat & F_INO)) {
			for (i = 0; i < npub; i++) {
				const struct tbuf *b = &t->b[pushed_slot[i]];
				const struct vrq_packed_desc *d = &f->desc[upos0[i]];

				CHECK_EQ(vrq_le16_to_cpu(d->flags), ubits(uwrap0[i]) | (b->len ? WR : 0));
				CHECK_EQ(vrq_le16_to_cpu(d->id), b->id);
				CHECK_EQ(vrq_le32_to_cpu(d->len), b->len);
			}
		}
	}
	return 0;
}

static int t_driver(struct traffic *t, int all)
{
	struct hfix *f = &t->f;
	uint32_t m = (all || !chance(3)) ? t->doneq.n : rndn(t->doneq.n + 1), i;
	void *tok;
	uint32_t len;

	for (i = 0; i < m; i++) {
		uint16_t s = tf_pop(&t->doneq);

		len = 0xdeadbeef;
		CHECK_EQ(vrq_vq_drv_get_used(&f->p.drv, &tok, &len), 1);
		CHECK(tok == TOK(s));
		CHECK_EQ(len, t->b[s].len);
		t->id_busy[t->b[s].id] = 0;
		tf_push(&t->freeq, s);
		t->polled++;
	}
	if (!t->doneq.n)
		CHECK_EQ(vrq_vq_drv_get_used(&f->p.drv, &tok, &len), 0);
	return 0;
}

static int traffic_body(struct traffic *t, unsigned laps)
{
	struct hfix *f = &t->f;
	const struct vrq_drv_stats *ds = vrq_vq_drv_stats(&f->p.drv);
	const struct vrq_dev_stats *vs = vrq_vq_dev_stats(&f->p.dev);
	uint64_t target = (uint64_t)laps * f->size;
	unsigned i;

	while (t->descs < target) {
		if (t_add(t) || t_device(t) || t_driver(t, 0))
			return -1;
	}
	/* drain */
	while (t->availq.n || t->heldq.n || t->doneq.n) {
		if (t_device(t) || t_driver(t, 1))
			return -1;
	}
	CHECK(t->descs / f->size >= laps);
	CHECK_EQ(ds->added, t->bufs);
	CHECK_EQ(ds->completed, t->bufs);
	CHECK_EQ(vs->popped, t->bufs);
	CHECK_EQ(vs->pushed, t->bufs);
	if (f->feat & F_INO)
		CHECK(vs->used_entries >= 1 && vs->used_entries <= t->bufs);
	else
		CHECK_EQ(vs->used_entries, t->bufs);
	CHECK_EQ(ds->publishes, t->drv_pubs);
	CHECK_EQ(vs->publishes, t->dev_pubs);
	CHECK_EQ(ds->used_len_clamped, 0);
	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++) {
		CHECK_EQ(ds->peer_err[i], 0);
		CHECK_EQ(vs->peer_err[i], 0);
	}
	CHECK_EQ(vrq_vq_drv_broken(&f->p.drv), 0);
	CHECK_EQ(vrq_vq_dev_broken(&f->p.dev), 0);
	CHECK_EQ(vrq_vq_drv_num_free(&f->p.drv), f->size);
	/* every position and wrap counter where the descriptor count says */
	CHECK_EQ(t->mpos, t->descs % f->size);
	CHECK_EQ(t->mwrap, (t->descs / f->size) % 2 == 0);
	CHECK_EQ(t->upos, t->mpos);
	CHECK_EQ(t->uwrap, t->mwrap);
	CHECK_EQ(f->drv->next_avail, t->mpos);
	CHECK_EQ(f->drv->avail_wrap, t->mwrap);
	CHECK_EQ(f->drv->next_used, t->mpos);
	CHECK_EQ(f->drv->used_wrap, t->mwrap);
	CHECK_EQ(f->dev->next_avail, t->mpos);
	CHECK_EQ(f->dev->avail_wrap, t->mwrap);
	CHECK_EQ(f->dev->next_used, t->mpos);
	CHECK_EQ(f->dev->used_wrap, t->mwrap);
	for (i = 0; i < f->size; i++)
		CHECK(!t->id_busy[i]);
	return 0;
}

static int traffic_config(uint16_t size, unsigned chain_len, unsigned feat, unsigned laps,
			  uint64_t seed)
{
	static struct traffic t;
	uint32_t i;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	xs_state = seed * 0x9E3779B97F4A7C15ull + 3;
	if (fix_init(&t.f, size, feat, 0) || !(t.b = (struct tbuf *)calloc(size, sizeof(*t.b))) ||
	    !(t.id_busy = (uint8_t *)calloc(size, 1)) || tf_init(&t.freeq, size) ||
	    tf_init(&t.addq, size) || tf_init(&t.availq, size) || tf_init(&t.heldq, size) ||
	    tf_init(&t.doneq, size)) {
		vrq_test_failures++;
		goto out;
	}
	for (i = 0; i < size; i++)
		tf_push(&t.freeq, (uint16_t)i);
	t.mwrap = t.uwrap = true;
	t.chain_len = chain_len;
	if (traffic_body(&t, laps))
		goto out;
	/* chains crossed the ring end (impossible only when every chain fills
	 * the ring exactly or every buffer is one descriptor) */
	if (size > 1 && chain_len > 1 && !(feat & F_IND) && !t.straddles) {
		fprintf(stderr, "  no chain crossed the ring end\n");
		vrq_test_failures++;
		goto out;
	}
	printf("  traffic size=%-5u chain=%u feat=%#x: %llu buffers, %llu descriptors (%llu laps), "
	       "%llu across the ring end\n",
	       size, chain_len, feat, (unsigned long long)t.bufs, (unsigned long long)t.descs,
	       (unsigned long long)(t.descs / size), (unsigned long long)t.straddles);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "FAILED: valid traffic, size=%u chain=%u features=%#x\n", size,
			chain_len, feat);
	traffic_free(&t);
	return rc;
}

static int valid_traffic(void)
{
	static const struct {
		uint16_t size;
		unsigned chain, laps;
	} cfgs[] = {
		{1, 1, 64},    {2, 2, 200}, {3, 2, 200},  {3, 3, 200},	 {255, 3, 6},
		{256, 3, 6},   {1000, 7, 5}, {1000, 1, 3}, {32768, 5, 3},
	};
	static const unsigned feats[] = {0, F_INO, F_EVT, F_INO | F_EVT, F_IND, F_IND | F_INO};
	unsigned i, v;
	int bad = 0;

	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++)
		for (v = 0; v < sizeof(feats) / sizeof(feats[0]); v++) {
			if (cfgs[i].size == VRQ_QUEUE_SIZE_MAX && v > 1 && v != 4)
				continue;
			if (traffic_config(cfgs[i].size, cfgs[i].chain, feats[v], cfgs[i].laps,
					   100 + 10 * i + v))
				bad++;
		}
	printf("valid traffic: %d failed\n", bad);
	return bad ? -1 : 0;
}

/* ---- randomized scribbling, checked against a model of the spec ------------- */

/* Our own copy of the memory map, to check popped segments against. */
struct myreg {
	uint64_t da, size;
	uint8_t *va;
	const char *name;
};

#define M(code) ((code) == VRQ_ESEGCAP ? 1u : (unsigned)(code) - VRQ_EPEER_FIRST < 31u ? 2u << (((unsigned)(code) - VRQ_EPEER_FIRST) & 31u) : 0u) /* bit for a (positive) VRQ_E* code */

/* What the spec says the next pop gives. */
struct mres {
	int rc;	       /* 1, 0, or -1: an error, one of @c mask */
	uint32_t mask; /* the codes that apply at the first failing descriptor/segment */
	uint16_t id, ndesc;
	uint32_t n, n_out;
	uint64_t out_len, in_len;
};

static struct vrq_seg g_mseg[SEG_CAP]; /* the model's segments */

struct fuzz {
	struct hfix f;
	struct myreg reg[4];
	unsigned nreg;
	uint16_t mpos; /* model: the device's next position and lap */
	bool mwrap;
	uint8_t *held;	     /* ids popped and not pushed */
	uint16_t *heldlist;  /* the same, as a list */
	uint16_t *heldnd;    /* their descriptor counts */
	unsigned nheld;
	uint32_t held_desc;
	uint64_t hist[VRQ_PEER_ERR_COUNT];
	uint64_t pops, ok, zero, errors, segcap, resets, descs;
};

static const struct myreg *reg_of_da(const struct fuzz *z, uint64_t da, uint64_t len)
{
	unsigned i;

	for (i = 0; i < z->nreg; i++) {
		const struct myreg *r = &z->reg[i];

		if (da >= r->da && da - r->da < r->size && len <= r->size - (da - r->da))
			return r;
	}
	return NULL;
}

static const struct myreg *reg_of_va(const struct fuzz *z, const uint8_t *va, uint64_t len)
{
	unsigned i;

	for (i = 0; i < z->nreg; i++) {
		const struct myreg *r = &z->reg[i];

		if (va >= r->va && (uint64_t)(va - r->va) < r->size &&
		    len <= r->size - (uint64_t)(va - r->va))
			return r;
	}
	return NULL;
}

struct mwalk {
	uint32_t n, n_out, cap;
	uint64_t out, in;
	bool seen_write;
};

/* One segment of the chain: 0, or the error mask. */
static uint32_t mseg(struct fuzz *z, struct mwalk *w, uint64_t addr, uint32_t len, bool write)
{
	const struct myreg *r = len ? reg_of_da(z, addr, len) : NULL;
	uint32_t m = 0;

	/* "all device-writable descriptors after the device-readable ones" */
	if (!write && w->seen_write)
		m |= M(VRQ_EORDER);
	if (write) {
		w->in += len;
		w->seen_write = true;
	} else {
		w->out += len;
	}
	if (w->out + w->in > UINT32_MAX)
		m |= M(VRQ_ETOTAL_LEN);
	if (w->n >= w->cap)
		m |= M(VRQ_ESEGCAP); /* local: the caller's array is full */
	if (len && !r)
		m |= M(VRQ_EADDR);
	if (m)
		return m;
	g_mseg[w->n].addr = addr;
	g_mseg[w->n].len = len;
	g_mseg[w->n].flags = write ? VRQ_SEG_WRITE : 0;
	g_mseg[w->n].va = len ? r->va + (addr - r->da) : NULL;
	w->n++;
	if (!write)
		w->n_out = w->n;
	return 0;
}

static void mfail(struct mres *r, uint32_t mask)
{
	r->rc = -1;
	r->mask = mask;
}

/*
 * The packed-ring rules, from packed-ring.tex: the chain at the device's
 * position is available when its first descriptor's AVAIL bit equals the
 * device's wrap counter and USED differs; every further descriptor (NEXT)
 * must be available in its own lap; no more descriptors than the ring has;
 * an INDIRECT descriptor needs the feature, is alone (no NEXT, not after a
 * NEXT), refers to a table of 1..size 16-byte entries in memory with no
 * INDIRECT or NEXT in them (the other flags but WRITE are ignored); the
 * buffer id is the last
 * descriptor's (in an indirect chain, the ring descriptor's), below the
 * queue size and not in flight; readable before writable, total below 2^32,
 * every segment of nonzero length inside one region.
 */
static void model_walk(struct fuzz *z, uint16_t cap, struct mres *r)
{
	struct hfix *f = &z->f;
	uint16_t pos = z->mpos, size = f->size, nd = 0, id;
	bool wrap = z->mwrap;
	struct mwalk w;
	uint32_t m;

	memset(r, 0, sizeof(*r));
	memset(&w, 0, sizeof(w));
	w.cap = cap;
	if (!is_avail(vrq_le16_to_cpu(f->desc[pos].flags), wrap))
		return;
	for (;;) {
		struct vrq_packed_desc d;
		uint16_t fl;

		if (nd >= size) {
			mfail(r, M(VRQ_ELOOP));
			return;
		}
		memcpy(&d, &f->desc[pos], sizeof(d));
		fl = vrq_le16_to_cpu(d.flags);
		if (nd && !is_avail(fl, wrap)) {
			mfail(r, M(VRQ_EWRAP));
			return;
		}
		nd++;
		if (fl & IN) {
			uint64_t a = vrq_le64_to_cpu(d.addr);
			uint32_t len = vrq_le32_to_cpu(d.len), i;
			const struct myreg *tr = reg_of_da(z, a, len);

			m = 0;
			if (!(f->feat & F_IND))
				m |= M(VRQ_EINDIRECT_FEATURE);
			if ((fl & NX) || nd > 1)
				m |= M(VRQ_EINDIRECT_NEXT);
			/* a list is at most Queue Size long, a table too */
			if (len == 0 || len % 16 || len / 16 > size)
				m |= M(VRQ_EINDIRECT_LEN);
			if (!tr)
				m |= M(VRQ_EINDIRECT_ADDR);
			if (m) {
				mfail(r, m);
				return;
			}
			for (i = 0; i < len / 16; i++) {
				struct vrq_packed_desc e;
				uint16_t ef;

				memcpy(&e, tr->va + (a - tr->da) + 16ull * i, sizeof(e));
				ef = vrq_le16_to_cpu(e.flags);
				/* only WRITE is valid in a table: INDIRECT and NEXT
				 * are refused, the other reserved bits ignored */
				m = 0;
				if (ef & IN)
					m |= M(VRQ_EINDIRECT_NESTED);
				if (ef & NX)
					m |= M(VRQ_EINDIRECT_TABLE_NEXT);
				m |= mseg(z, &w, vrq_le64_to_cpu(e.addr), vrq_le32_to_cpu(e.len),
					  !!(ef & WR));
				if (m) {
					mfail(r, m);
					return;
				}
			}
			id = vrq_le16_to_cpu(d.id);
			break;
		}
		m = mseg(z, &w, vrq_le64_to_cpu(d.addr), vrq_le32_to_cpu(d.len), !!(fl & WR));
		if (m) {
			mfail(r, m);
			return;
		}
		if (!(fl & NX)) {
			id = vrq_le16_to_cpu(d.id);
			break;
		}
		adv(&pos, &wrap, size);
	}
	if (id >= size) {
		mfail(r, M(VRQ_EID));
		return;
	}
	if (z->held[id]) {
		mfail(r, M(VRQ_EID_INFLIGHT));
		return;
	}
	r->rc = 1;
	r->id = id;
	r->ndesc = nd;
	r->n = w.n;
	r->n_out = w.n_out;
	r->out_len = w.out;
	r->in_len = w.in;
}

/* A device address (and length) drawn from interesting places. */
static void rnd_seg(struct fuzz *z, uint64_t *addr, uint32_t *len)
{
	struct hfix *f = &z->f;
	uint32_t k = rndn(100);

	if (k < 55) { /* inside the buffer region, mostly fitting */
		uint32_t off = rndn(BUF_SIZE);

		*addr = BUF(off);
		*len = rndn(BUF_SIZE - off + 1);
		if (chance(3))
			*len = rndn(BUF_SIZE - off < 64 ? BUF_SIZE - off + 1 : 65);
		if (chance(24))
			*len = BUF_SIZE - off + 1 + rndn(32);
	} else if (k < 63) { /* inside the ring region (ring + pool) */
		uint32_t off = rndn((uint32_t)f->p.ring_bytes);

		*addr = VRQ_TEST_RING_DA + off;
		*len = rndn((uint32_t)(f->p.ring_bytes - off) + 1);
	} else if (k < 70) { /* around the xtra/adj boundary */
		*addr = ADJ_DA - 64 + rndn(128);
		*len = rndn(160);
	} else if (k < 76) { /* around the buffer region's edges */
		*addr = chance(2) ? BUF(BUF_SIZE) - rndn(64) : VRQ_TEST_BUF_DA - rndn(64);
		*len = rndn(128);
	} else if (k < 80) { /* anywhere */
		*addr = rnd();
		*len = (uint32_t)rnd();
	} else if (k < 84) { /* wrapping */
		*addr = UINT64_MAX - rndn(16);
		*len = rndn(32);
	} else if (k < 90) { /* huge lengths */
		*addr = chance(2) ? BUF(rndn(64)) : XT(rndn(64));
		*len = chance(2) ? 0xffffffffu : (uint32_t)rnd();
	} else if (k < 95) { /* big but inside xtra */
		uint32_t off = rndn(XTRA_SIZE);

		*addr = XT(off);
		*len = XTRA_SIZE - off;
	} else { /* zero length, any address */
		*addr = chance(2) ? rnd() : BUF(rndn(BUF_SIZE));
		*len = 0;
	}
}

/* An indirect table: in the pool (when there is one) or in xtra. */
static struct vrq_packed_desc *rnd_table(struct fuzz *z, uint64_t *da, uint32_t *entries)
{
	struct hfix *f = &z->f;
	uint32_t n = 1 + rndn(chance(8) ? 64 : 6);

	if (chance(64))
		n = chance(2) ? VRQ_QUEUE_SIZE_MAX : VRQ_QUEUE_SIZE_MAX + 1;
	else if (n > f->size && !chance(6)) /* mostly within the chain bound */
		n = chance(4) ? f->size : 1 + rndn(f->size);
	if (f->p.cfg.ind_pool && (uint32_t)f->size * VRQ_TEST_IND_MAX >= n && chance(2)) {
		uint32_t slot = rndn((uint32_t)f->size * VRQ_TEST_IND_MAX - n + 1);

		*da = f->p.cfg.ind_pool_da + 16ull * slot;
		*entries = n;
		return (struct vrq_packed_desc *)f->p.cfg.ind_pool + slot;
	}
	{
		uint32_t slot = rndn(XTRA_SIZE / 16 - n + 1);

		*da = XT(16ull * slot);
		*entries = n;
		return xtbl(f, 16ull * slot);
	}
}

/* Fill up to 16 entries of a table: readable then writable, maybe with
 * flags the device must ignore, maybe out of order. */
static void fill_table(struct fuzz *z, struct vrq_packed_desc *t, uint32_t entries)
{
	uint32_t m = entries < 16 ? entries : 16, nw = rndn(m + 1), k;
	int junk = chance(3), bad = chance(12);

	for (k = 0; k < m; k++) {
		uint64_t addr;
		uint32_t len;
		uint16_t fl = (uint16_t)(k >= m - nw ? WR : 0);

		rnd_seg(z, &addr, &len);
		if (chance(3) && len > 256)
			len = rndn(257);
		if (junk) /* reserved bits: ignored */
			fl = (uint16_t)(fl | (rnd() & (AV | US | RSV)));
		if (bad && chance(4)) /* refused */
			fl = (uint16_t)(fl | (rnd() & (NX | IN)));
		if (chance(40))
			fl ^= WR;
		wraw(t, k, addr, len, (uint16_t)rnd(), fl);
	}
}

static uint16_t pick_id(struct fuzz *z)
{
	uint16_t size = z->f.size, id;
	unsigned k = rndn(100), tries;

	if (k < 84) {
		for (tries = 0; tries < 4; tries++) {
			id = (uint16_t)rndn(size);
			if (!z->held[id])
				return id;
		}
		return id;
	}
	if (k < 92 && z->nheld)
		return z->heldlist[rndn(z->nheld)];
	if (k < 96)
		return (uint16_t)(size + rndn(65536u - size));
	return (uint16_t)rnd();
}

/* One chain at the hostile driver's position, mostly valid, sometimes with
 * one mutation.  Returns the descriptors it covers. */
static uint32_t build_chain(struct fuzz *z, uint32_t budget)
{
	struct hfix *f = &z->f;
	uint32_t n = 1 + rndn(f->size < 4 ? f->size : 4), nw, i, mi;
	uint16_t id = pick_id(z);
	int ind = chance(4) && ((f->feat & F_IND) || chance(6));
	unsigned mut = chance(3) ? 1 + rndn(9) : 0;

	if (chance(96))
		n = f->size; /* exactly the ring */
	if (chance(300))
		n = (uint32_t)f->size + 1; /* one more: loops onto its own first descriptor */
	if (ind && !chance(8))
		n = 1;
	if (n > budget)
		n = budget;
	if (!n)
		return 0;
	nw = rndn(n + 1);
	mi = rndn(n);
	for (i = 0; i < n; i++) {
		uint64_t addr;
		uint32_t len;
		uint16_t fl, did = (i + 1 == n || chance(2)) ? id : (uint16_t)rnd();
		int bits = -1;

		if (ind && i + 1 == n) {
			uint32_t entries;
			struct vrq_packed_desc *t = rnd_table(z, &addr, &entries);

			fill_table(z, t, entries);
			len = 16 * entries;
			if (chance(12))
				len = chance(2) ? rndn(64) : (uint32_t)rnd();
			else if (chance(10)) /* a table across a region end, or nowhere */
				addr = chance(3)   ? ADJ_DA - 16 * rndn(4)
				       : chance(2) ? BUF(BUF_SIZE) - 16 * rndn(4)
				       : chance(2) ? rnd()
						   : UINT64_MAX - 16 * rndn(4);
			fl = (uint16_t)(IN | (chance(4) ? WR : 0));
		} else {
			rnd_seg(z, &addr, &len);
			if (chance(2) && len > 512)
				len = rndn(513);
			fl = (uint16_t)((i >= n - nw ? WR : 0) | (i + 1 < n ? NX : 0));
		}
		if (mut && i == mi) {
			switch (mut) {
			case 1: /* wrong wrap bits (not for the first: then nothing is there) */
				if (i) {
					static const uint16_t c[4] = {0, AV, US, AV | US};

					do
						bits = c[rndn(4)];
					while (bits == abits(f->hwrap));
				}
				break;
			case 2: /* left as it was */
				if (i) {
					hskip(f);
					continue;
				}
				break;
			case 3:
				fl ^= NX;
				break;
			case 4:
				fl ^= IN;
				break;
			case 5:
				addr = rnd();
				addr >>= rndn(64);
				len = (uint32_t)rnd();
				len >>= rndn(32);
				break;
			case 6:
				fl ^= WR;
				break;
			case 7:
				did = (uint16_t)rnd();
				break;
			case 8:
				fl = (uint16_t)rnd();
				break;
			default: /* an indirect descriptor in the middle of the chain */
				{
					uint32_t entries;
					struct vrq_packed_desc *t = rnd_table(z, &addr, &entries);

					fill_table(z, t, entries);
					len = 16 * entries;
					fl |= IN;
				}
				break;
			}
		}
		hput_bits(f, addr, len, did, fl, bits);
	}
	hend(f);
	return n;
}

static void scribble_bytes(uint8_t *p, size_t n)
{
	size_t off = rndn((uint32_t)n), len = 1 + rndn(64), i;

	if (len > n - off)
		len = n - off;
	for (i = 0; i < len; i++)
		p[off + i] = (uint8_t)rnd();
}

/* The popped chain against the model, and every segment inside a region. */
static int check_chain(struct fuzz *z, const struct mres *mr)
{
	struct hfix *f = &z->f;
	struct vrq_chain *c = &f->ch;
	uint64_t out = 0, in = 0;
	unsigned i;

	CHECK_EQ(c->head, mr->id);
	CHECK_EQ(c->ndesc, mr->ndesc);
	CHECK_EQ(c->n, mr->n);
	CHECK_EQ(c->n_out, mr->n_out);
	CHECK_EQ(c->out_len, mr->out_len);
	CHECK_EQ(c->in_len, mr->in_len);
	CHECK(c->head < f->size);
	CHECK(c->ndesc >= 1 && c->ndesc <= f->size);
	for (i = 0; i < c->n; i++) {
		const struct vrq_seg *s = &g_segs[i];

		CHECK_EQ(s->addr, g_mseg[i].addr);
		CHECK_EQ(s->len, g_mseg[i].len);
		CHECK_EQ(s->flags, g_mseg[i].flags);
		CHECK(s->va == g_mseg[i].va);
		if (i < c->n_out) {
			CHECK_EQ(s->flags, 0);
			out += s->len;
		} else {
			CHECK_EQ(s->flags, VRQ_SEG_WRITE);
			in += s->len;
		}
		if (s->len) {
			const struct myreg *rd = reg_of_da(z, s->addr, s->len);
			const struct myreg *rv = reg_of_va(z, (const uint8_t *)s->va, s->len);

			if (!rd || rd != rv) {
				fprintf(stderr,
					"  segment %u: addr %#llx len %u va %p: da region %s, va region %s\n",
					i, (unsigned long long)s->addr, s->len, s->va,
					rd ? rd->name : "none", rv ? rv->name : "none");
				CHECK(rd && rd == rv);
			}
			CHECK((const uint8_t *)s->va == rd->va + (s->addr - rd->da));
			/* touch both ends (ASan checks them); write only into the
			 * buffer region so the ring and tables stay as written */
			{
				volatile const uint8_t *b = (volatile const uint8_t *)s->va;
				uint8_t x = b[0];

				x = (uint8_t)(x ^ b[s->len - 1]);
				if ((s->flags & VRQ_SEG_WRITE) && rd->va == f->p.buf_mem) {
					((uint8_t *)s->va)[0] = x;
					((uint8_t *)s->va)[s->len - 1] = (uint8_t)~x;
				}
			}
		}
	}
	CHECK_EQ(out, c->out_len);
	CHECK_EQ(in, c->in_len);
	CHECK(out + in <= UINT32_MAX);
	return 0;
}

static int fz_push(struct fuzz *z, unsigned i)
{
	uint16_t id = z->heldlist[i];

	CHECK_EQ(vrq_packed_dev_push(z->f.dev, id, (uint32_t)rnd() & 0xffff), 0);
	z->held[id] = 0;
	z->held_desc -= z->heldnd[i];
	z->heldlist[i] = z->heldlist[z->nheld - 1];
	z->heldnd[i] = z->heldnd[z->nheld - 1];
	z->nheld--;
	return 0;
}

static void fz_reset_model(struct fuzz *z)
{
	struct hfix *f = &z->f;

	vrq_packed_dev_reset(f->dev);
	if (!chance(8)) /* a driver that resets its ring too; or one that does not */
		memset(f->p.ring_mem, 0, f->p.ring_area_bytes);
	memset(z->held, 0, f->size);
	z->nheld = 0;
	z->held_desc = 0;
	z->mpos = 0;
	z->mwrap = true;
	z->resets++;
}

static int is_packed_dev_code(int rc)
{
	return rc == -VRQ_ELOOP || rc == -VRQ_EINDIRECT_FEATURE || rc == -VRQ_EINDIRECT_NEXT ||
	       rc == -VRQ_EINDIRECT_LEN || rc == -VRQ_EINDIRECT_ADDR || rc == -VRQ_ETOTAL_LEN ||
	       rc == -VRQ_EORDER || rc == -VRQ_EADDR || rc == -VRQ_EID ||
	       rc == -VRQ_EID_INFLIGHT || rc == -VRQ_EWRAP || rc == -VRQ_EINDIRECT_NESTED ||
	       rc == -VRQ_EINDIRECT_TABLE_NEXT;
}

static int fuzz_round(struct fuzz *z)
{
	struct hfix *f = &z->f;
	struct vrq_packed_dev *d = f->dev;
	uint32_t budget, j, m;

	/* the hostile driver writes from where the device is */
	f->hpos = z->mpos;
	f->hwrap = z->mwrap;
	switch (rndn(8)) {
	case 0: /* raw bytes over the descriptor ring */
		for (m = 1 + rndn(3); m; m--)
			scribble_bytes((uint8_t *)f->desc, 16u * f->size);
		break;
	case 1: /* raw bytes over the indirect pool or xtra tables */
		if (f->p.cfg.ind_pool && chance(2))
			scribble_bytes((uint8_t *)f->p.cfg.ind_pool,
				       16u * f->size * VRQ_TEST_IND_MAX);
		else
			scribble_bytes(f->xtra + 16 * rndn(XTRA_SIZE / 16 - 64), 1024);
		break;
	case 2: /* whole random descriptors anywhere, flags of any lap */
		for (m = 1 + rndn(4); m; m--) {
			uint64_t a;
			uint32_t l;

			uint32_t at;
			uint16_t id, fl;

			rnd_seg(z, &a, &l);
			at = rndn(f->size); /* one draw per statement: same sequence everywhere */
			id = pick_id(z);
			fl = (uint16_t)rnd();
			wraw(f->desc, at, a, l, id, fl);
		}
		break;
	default:
		break;
	}
	budget = z->held_desc < f->size ? f->size - z->held_desc : 0;
	for (j = rndn(8); j && budget; j--)
		budget -= build_chain(z, budget);

	for (j = 0; j <= f->size; j++) {
		struct mres mr;
		uint16_t cap = (uint16_t)SEG_CAP;
		uint64_t before = d->st.popped;
		int rc;

		if (chance(8))
			cap = (uint16_t)(1 + rndn(4));
		model_walk(z, cap, &mr);
		vrq_chain_init(&f->ch, g_segs, cap);
		rc = vrq_packed_dev_pop(d, &f->ch);
		if (rc == -VRQ_ESEGCAP) {
			/* local limit: nothing consumed, not broken, not a peer error */
			CHECK(mr.rc < 0 && (mr.mask & M(VRQ_ESEGCAP)));
			CHECK_EQ(vrq_packed_dev_broken(d), 0);
			CHECK_EQ(d->st.popped, before);
			z->segcap++;
			cap = (uint16_t)SEG_CAP;
			model_walk(z, cap, &mr);
			vrq_chain_init(&f->ch, g_segs, cap);
			rc = vrq_packed_dev_pop(d, &f->ch);
			CHECK(rc != -VRQ_ESEGCAP);
		}
		if (rc != 0)
			z->pops++;
		if (mr.rc >= 0 && rc != mr.rc)
			fprintf(stderr, "  pop: %d (%s), the model says %d\n", rc, vrq_strerror(rc),
				mr.rc);
		if (mr.rc < 0 && !(rc < 0 && (mr.mask & M(-rc))))
			fprintf(stderr, "  pop: %d (%s), the model says error mask %#x\n", rc,
				vrq_strerror(rc), mr.mask);
		if (rc == 1) {
			CHECK_EQ(mr.rc, 1);
			CHECK_EQ(d->st.popped, before + 1);
			if (check_chain(z, &mr))
				return -1;
			z->held[mr.id] = 1;
			z->heldlist[z->nheld] = mr.id;
			z->heldnd[z->nheld++] = mr.ndesc;
			z->held_desc += mr.ndesc;
			advn(&z->mpos, &z->mwrap, mr.ndesc, f->size);
			z->descs += mr.ndesc;
			z->ok++;
			if (!chance(4) && fz_push(z, z->nheld - 1))
				return -1;
			if (z->nheld && chance(8) && fz_push(z, rndn(z->nheld)))
				return -1;
			if (chance(3))
				vrq_packed_dev_publish(d);
			continue;
		}
		if (rc == 0) {
			CHECK_EQ(mr.rc, 0);
			z->zero++;
			break;
		}
		CHECK(mr.rc < 0);
		if (!is_packed_dev_code(rc)) {
			fprintf(stderr, "  pop returned %d (%s)\n", rc, vrq_strerror(rc));
			CHECK(is_packed_dev_code(rc));
		}
		CHECK(mr.mask & M(-rc));
		z->errors++;
		z->hist[VRQ_PEER_ERR_IDX(rc)]++;
		CHECK_EQ(vrq_packed_dev_broken(d), rc);
		CHECK_EQ(vrq_packed_dev_pop(d, &f->ch), rc);
		CHECK_EQ(d->st.popped, before);
		fz_reset_model(z);
		break;
	}
	CHECK_EQ(d->next_avail, z->mpos);
	CHECK_EQ(d->avail_wrap, z->mwrap);
	/* now and then everything held goes back */
	if (chance(16)) {
		while (z->nheld)
			if (fz_push(z, z->nheld - 1))
				return -1;
		vrq_packed_dev_publish(d);
	}
	return 0;
}

/* Every error returned was counted exactly once, per code. */
static int fuzz_totals(struct fuzz *z, uint64_t *tot_hist)
{
	const struct vrq_dev_stats *st = &z->f.dev->st;
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++) {
		CHECK_EQ(st->peer_err[i], z->hist[i]);
		sum += st->peer_err[i];
		tot_hist[i] += z->hist[i];
	}
	CHECK_EQ(sum, z->errors);
	CHECK_EQ(st->popped, z->ok);
	CHECK(z->ok > 0);
	return 0;
}

static int fuzz_config(uint16_t size, unsigned feat, uint64_t seed, uint64_t target,
		       uint64_t *tot_hist, uint64_t *tot_pops)
{
	static struct fuzz z;
	struct hfix *f = &z.f;
	uint32_t i;
	int rc = -1;

	memset(&z, 0, sizeof(z));
	xs_state = seed * 0x9E3779B97F4A7C15ull + 1;
	if (fix_init(f, size, feat, 0) || !(z.held = (uint8_t *)calloc(size, 1)) ||
	    !(z.heldlist = (uint16_t *)calloc(size, sizeof(uint16_t))) ||
	    !(z.heldnd = (uint16_t *)calloc(size, sizeof(uint16_t)))) {
		vrq_test_failures++;
		goto out;
	}
	z.reg[0] = (struct myreg){VRQ_TEST_RING_DA, f->p.ring_bytes, f->p.ring_mem, "ring"};
	z.reg[1] = (struct myreg){VRQ_TEST_BUF_DA, f->p.buf_bytes, f->p.buf_mem, "buf"};
	z.reg[2] = (struct myreg){XTRA_DA, XTRA_SIZE, f->xtra, "xtra"};
	z.reg[3] = (struct myreg){ADJ_DA, ADJ_SIZE, f->adj, "adj"};
	z.nreg = 4;
	z.mwrap = true;
	/* start from a ring of random descriptors */
	for (i = 0; i < size; i++) {
		uint64_t a;
		uint32_t l;

		uint16_t id, fl;

		rnd_seg(&z, &a, &l);
		id = (uint16_t)rnd();
		fl = (uint16_t)rnd();
		wraw(f->desc, i, a, l, id, fl);
	}
	while (z.pops < target) {
		if (fuzz_round(&z)) {
			fprintf(stderr, "  (fuzz seed %llu, after %llu pops)\n",
				(unsigned long long)seed, (unsigned long long)z.pops);
			goto out;
		}
	}
	if (fuzz_totals(&z, tot_hist))
		goto out;
	*tot_pops += z.pops;
	printf("  fuzz size=%-5u feat=%#x: %llu pops, %llu ok (%llu laps), %llu errors, %llu empty, "
	       "%llu segcap\n",
	       size, feat, (unsigned long long)z.pops, (unsigned long long)z.ok,
	       (unsigned long long)(z.descs / size), (unsigned long long)z.errors,
	       (unsigned long long)z.zero, (unsigned long long)z.segcap);
	rc = 0;
out:
	while (z.nheld && rc == 0)
		if (fz_push(&z, z.nheld - 1))
			rc = -1;
	fix_fini(f);
	free(z.held);
	free(z.heldlist);
	free(z.heldnd);
	if (rc)
		fprintf(stderr, "FAILED: randomized section, size=%u features=%#x\n", size, feat);
	return rc;
}

static const char *const peer_name[VRQ_PEER_ERR_COUNT] = {
	"AVAIL_IDX",	"HEAD",		 "NEXT",	"LOOP",	 "INDIRECT_FEATURE",
	"INDIRECT_NEXT", "INDIRECT_NESTED", "INDIRECT_LEN", "INDIRECT_ADDR", "TOTAL_LEN",
	"ORDER",	"ADDR",		 "USED_IDX",	"USED_ID", "USED_LEN",
	"ID",		"ID_INFLIGHT",	 "WRAP",
	[VRQ_PEER_ERR_IDX(VRQ_EHEAD_INFLIGHT)] = "HEAD_INFLIGHT",
	[VRQ_PEER_ERR_IDX(VRQ_EINDIRECT_TABLE_NEXT)] = "INDIRECT_TABLE_NEXT",
};

static int randomized(void)
{
	static const struct {
		uint16_t size;
		unsigned feat;
		unsigned weight;
	} cfgs[] = {
		{1, F_IND, 1},	 {2, F_IND | F_INO, 1}, {3, 0, 1},    {16, F_IND, 2},
		{16, F_INO, 1},	 {255, F_IND | F_EVT, 2}, {1000, 0, 1}, {1000, F_IND, 1},
		{32768, F_IND, 1},
	};
	uint64_t total = (uint64_t)(200000.0 * test_scale()), hist[VRQ_PEER_ERR_COUNT] = {0};
	uint64_t pops = 0;
	unsigned i, wsum = 0;
	int bad = 0;

	if (total < 2000)
		total = 2000;
	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++)
		wsum += cfgs[i].weight;
	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		uint64_t target = (total * cfgs[i].weight + wsum - 1) / wsum;

		if (fuzz_config(cfgs[i].size, cfgs[i].feat, 1000 + i, target, hist, &pops))
			bad++;
	}
	printf("randomized: %llu pops; errors by code:", (unsigned long long)pops);
	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++)
		if (hist[i])
			printf(" %s=%llu", peer_name[i], (unsigned long long)hist[i]);
	printf("\n");
	if (bad)
		return -1;
	CHECK(pops >= total);
	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++) {
		int code = -(int)(i + VRQ_EPEER_FIRST);

		if (!is_packed_dev_code(code)) {
			CHECK_EQ(hist[i], 0);
		} else if (total >= 200000 && !hist[i]) {
			/* at full scale the generator must reach every check */
			fprintf(stderr, "  randomized section never produced VRQ_E%s\n", peer_name[i]);
			CHECK(hist[i] > 0);
		}
	}
	return 0;
}

/* ---- randomized hostile device against the real driver ---------------------- */

/*
 * The hostile device parses the chains the driver published straight from
 * the ring (checking them against what was added: descriptor count,
 * writable capacity) and writes used descriptors directly.  Most rounds
 * are valid: any order without IN_ORDER; with it in order, batched as the
 * spec allows (one used descriptor with the last buffer's id for a run of
 * buffers, the position moving on by all their descriptors); lengths above
 * the capacity (clamped) or without WRITE (0); sometimes first a used
 * descriptor with wrong wrap bits that the driver must not see.  The driver
 * must return exactly those buffers and lengths.  Some rounds are
 * malformed (random ids, ids not in flight, ids twice, IN_ORDER batches
 * naming no buffer): then the driver may return only buffers in flight and
 * only VRQ_EUSED_ID, and everything is detached and reset.  The driver
 * publishes everything it adds here (see the unpublished-buffer cases).
 */
struct dslot {
	uint32_t cap;
	uint16_t nd, id;
	uint8_t state; /* 0 free, 1 published, 2 parsed by the device, 3 used written */
};

struct dfz {
	struct hfix f;
	struct dslot *s;
	struct tfifo freeq, addfifo, seen, expq;
	uint32_t *explen;     /* per slot: expected len */
	uint8_t *expclamp;    /* per slot: that len is a clamped one */
	bool last_clamp;      /* df_len() chose a len above the capacity */
	uint16_t dpos; /* hostile device: parse position */
	bool dwrap;
	unsigned nin;
	int corrupt;
	uint64_t calls, ok, errors, resets, clamps_expected, hidden;
	uint64_t hist[VRQ_PEER_ERR_COUNT];
};

static uint16_t tok_slot(void *tok)
{
	return (uint16_t)((uint8_t *)tok - g_tok);
}

static int df_add(struct dfz *z)
{
	struct hfix *f = &z->f;
	unsigned n = rndn((uint32_t)f->size + 1), i, k;

	for (i = 0; i < n && z->freeq.n; i++) {
		unsigned nseg = 1 + rndn(chance(8) ? 10 : 3), n_out;
		struct vrq_sg sg[10];
		uint32_t cap = 0;
		uint16_t sl;
		int rc;

		if (nseg > f->size) /* a chain is at most size segments */
			nseg = f->size;
		n_out = rndn(nseg + 1);
		for (k = 0; k < nseg; k++) {
			sg[k].addr = BUF(rndn(BUF_SIZE / 2));
			sg[k].len = rndn(300);
			if (k >= n_out)
				cap += sg[k].len;
		}
		sl = z->freeq.v[z->freeq.head];
		rc = vrq_packed_drv_add(f->drv, sg, n_out, nseg - n_out, TOK(sl));
		if (rc == -VRQ_ENOSPC)
			break;
		CHECK_EQ(rc, 0);
		(void)tf_pop(&z->freeq);
		z->s[sl].cap = cap;
		z->s[sl].nd = (uint16_t)(((f->feat & F_IND) && nseg > 1 && nseg <= VRQ_TEST_IND_MAX) ? 1 : nseg);
		z->s[sl].state = 1;
		tf_push(&z->addfifo, sl);
		z->nin++;
	}
	vrq_packed_drv_publish(f->drv);
	return 0;
}

/* The device side: parse what was published, as a device reads it. */
static int df_parse(struct dfz *z)
{
	struct hfix *f = &z->f;

	while (is_avail(vrq_le16_to_cpu(f->desc[z->dpos].flags), z->dwrap)) {
		uint16_t pos = z->dpos, nd = 0, id, sl;
		bool wrap = z->dwrap;
		uint32_t cap = 0;

		CHECK(z->addfifo.n > 0);
		for (;;) {
			const struct vrq_packed_desc *d = &f->desc[pos];
			uint16_t fl = vrq_le16_to_cpu(d->flags);

			CHECK(nd < f->size);
			CHECK(is_avail(fl, wrap));
			nd++;
			if (fl & IN) {
				const struct vrq_packed_desc *t = (const struct vrq_packed_desc *)
					vrq_mem_da_to_va(&f->p.mem, vrq_le64_to_cpu(d->addr),
							 vrq_le32_to_cpu(d->len));
				uint32_t k;

				CHECK(t != NULL);
				for (k = 0; k < vrq_le32_to_cpu(d->len) / 16; k++)
					if (vrq_le16_to_cpu(t[k].flags) & WR)
						cap += vrq_le32_to_cpu(t[k].len);
				break;
			}
			if (fl & WR)
				cap += vrq_le32_to_cpu(d->len);
			if (!(fl & NX))
				break;
			adv(&pos, &wrap, f->size);
		}
		id = vrq_le16_to_cpu(f->desc[pos].id);
		sl = tf_pop(&z->addfifo);
		CHECK_EQ(nd, z->s[sl].nd);
		CHECK_EQ(cap, z->s[sl].cap);
		CHECK(id < f->size);
		if (f->feat & F_INO)
			CHECK_EQ(id, z->dpos);
		z->s[sl].id = id;
		z->s[sl].state = 2;
		tf_push(&z->seen, sl);
		advn(&z->dpos, &z->dwrap, nd, f->size);
	}
	CHECK_EQ(z->addfifo.n, 0);
	return 0;
}

/* A used len for buffer @p sl and the WRITE flag; *want = what get_used
 * must return. */
static uint32_t df_len(struct dfz *z, uint16_t sl, uint16_t *wr, uint32_t *want)
{
	uint32_t cap = z->s[sl].cap, len;

	*wr = WR;
	z->last_clamp = false;
	if (chance(8)) {
		len = cap + 1 + rndn(chance(2) ? 100 : 0x7fffffff);
		*want = cap;
		z->last_clamp = true;
	} else if (chance(8)) {
		*wr = 0;
		len = (uint32_t)rnd();
		*want = 0;
	} else {
		len = rndn(cap + 1);
		*want = len;
		if (!len && chance(2))
			*wr = 0;
	}
	return len;
}

static void df_expect(struct dfz *z, uint16_t sl, uint32_t len, bool clamp)
{
	z->explen[sl] = len;
	z->expclamp[sl] = clamp;
	z->s[sl].state = 3;
	tf_push(&z->expq, sl);
}

static int df_drain(struct dfz *z, unsigned limit);

/* Valid used descriptors for some of what the device parsed. */
static int df_produce(struct dfz *z)
{
	struct hfix *f = &z->f;
	uint32_t k = rndn(z->seen.n + 1);

	if (k && !z->corrupt && chance(6)) {
		/* first a used descriptor with wrong wrap bits: not seen, the
		 * driver returns what came before it and then 0 */
		static const uint16_t c[4] = {0, AV, US, AV | US};
		uint16_t bits;

		do
			bits = c[rndn(4)];
		while (bits == ubits(f->uwrap));
		uput(f, z->s[z->seen.v[z->seen.head]].id, 16, WR, bits, 0);
		if (df_drain(z, ~0u))
			return -1;
		CHECK_EQ(z->expq.n, 0);
		CHECK_EQ(vrq_packed_drv_broken(f->drv), 0);
		z->hidden++;
	}
	if (!(f->feat & F_INO)) {
		while (k--) {
			uint16_t sl = tf_take(&z->seen, rndn(z->seen.n)), wr;
			uint32_t want, len = df_len(z, sl, &wr, &want);

			uput(f, z->s[sl].id, len, wr, -1, z->s[sl].nd);
			df_expect(z, sl, want, z->last_clamp);
		}
	} else {
		while (k) {
			uint32_t j = 1 + rndn(k < 4 ? k : 4), b, nd = 0;
			uint16_t last = z->seen.v[(z->seen.head + j - 1) % z->seen.cap], wr;
			uint32_t want, len = df_len(z, last, &wr, &want);

			for (b = 0; b < j; b++) {
				uint16_t sl = tf_pop(&z->seen);

				nd += z->s[sl].nd;
				df_expect(z, sl, sl == last ? want : z->s[sl].cap,
					  sl == last && z->last_clamp);
			}
			uput(f, z->s[last].id, len, wr, -1, nd);
			k -= j;
		}
	}
	return 0;
}

/* One malformed used descriptor (after some valid ones, maybe). */
static void df_corrupt(struct dfz *z)
{
	struct hfix *f = &z->f;
	uint16_t id;
	unsigned tries;

	z->corrupt = 1;
	switch (rndn(4)) {
	case 0: /* a random id */
		id = chance(2) ? (uint16_t)rndn(f->size) : (uint16_t)rnd();
		uput(f, id, rndn(64), WR, -1, 1);
		break;
	case 1: /* an id no buffer has */
		for (tries = 0; tries < 8; tries++) {
			id = (uint16_t)rndn(f->size);
			if (!f->drv->slot[id].ndesc)
				break;
		}
		uput(f, id, 1, WR, -1, 1);
		break;
	case 2: /* the same id twice */
		if (z->seen.n) {
			uint16_t sl = z->seen.v[z->seen.head];

			uput(f, z->s[sl].id, 1, WR, -1, z->s[sl].nd);
			uput(f, z->s[sl].id, 1, WR, -1, 1);
			break;
		}
		/* fall through */
	default: /* valid ones, then one beyond the size */
		(void)df_produce(z);
		uput(f, (uint16_t)(f->size + rndn(100)), 1, WR, -1, 1);
		break;
	}
}

static int df_drain(struct dfz *z, unsigned limit)
{
	struct hfix *f = &z->f;
	struct vrq_packed_drv *q = f->drv;
	unsigned n;

	for (n = 0; n < limit; n++) {
		void *tok = NULL;
		uint32_t len = 0;
		uint16_t sl;
		int rc = vrq_packed_drv_get_used(q, &tok, &len);

		z->calls++;
		if (rc == 1) {
			sl = tok_slot(tok);
			CHECK(sl < f->size && z->s[sl].state >= 1);
			CHECK(len <= z->s[sl].cap);
			if (!z->corrupt) {
				CHECK(z->expq.n > 0);
				CHECK_EQ(sl, z->expq.v[z->expq.head]);
				CHECK_EQ(len, z->explen[sl]);
				(void)tf_pop(&z->expq);
				z->clamps_expected += z->expclamp[sl];
			}
			z->s[sl].state = 0;
			tf_push(&z->freeq, sl);
			z->nin--;
			z->ok++;
			continue;
		}
		if (rc == 0) {
			if (!z->corrupt) {
				CHECK_EQ(z->expq.n, 0);
				if (!z->nin)
					CHECK_EQ(vrq_packed_drv_num_free(q), f->size);
			}
			break;
		}
		if (rc != -VRQ_EUSED_ID)
			fprintf(stderr, "  get_used returned %d (%s)\n", rc, vrq_strerror(rc));
		CHECK_EQ(rc, -VRQ_EUSED_ID);
		CHECK(z->corrupt); /* never on a valid ring */
		CHECK_EQ(vrq_packed_drv_broken(q), rc);
		z->errors++;
		z->hist[VRQ_PEER_ERR_IDX(rc)]++;
		break;
	}
	return 0;
}

/* After a malformed round: take everything back and start over. */
static int df_reset(struct dfz *z)
{
	struct hfix *f = &z->f;
	void *tok;
	unsigned n = 0, i;

	while (vrq_packed_drv_detach(f->drv, &tok) == 1) {
		uint16_t sl = tok_slot(tok);

		CHECK(sl < f->size && z->s[sl].state >= 1);
		z->s[sl].state = 0;
		CHECK(++n <= f->size);
	}
	CHECK_EQ(n, z->nin);
	for (i = 0; i < f->size; i++)
		CHECK_EQ(z->s[i].state, 0);
	CHECK_EQ(vrq_packed_drv_num_free(f->drv), f->size);
	vrq_packed_drv_reset(f->drv);
	CHECK_EQ(vrq_packed_drv_broken(f->drv), 0);
	z->freeq.head = z->freeq.n = 0;
	for (i = 0; i < f->size; i++)
		tf_push(&z->freeq, (uint16_t)i);
	z->addfifo.n = z->seen.n = z->expq.n = 0;
	z->nin = 0;
	z->dpos = f->upos = 0;
	z->dwrap = f->uwrap = true;
	z->corrupt = 0;
	z->resets++;
	return 0;
}

static int dfuzz_body(struct dfz *z, uint64_t target)
{
	const struct vrq_drv_stats *st = &z->f.drv->st;
	uint64_t sum = 0;
	unsigned i;

	while (z->calls < target) {
		if (df_add(z) || df_parse(z))
			return -1;
		if (chance(6))
			df_corrupt(z);
		else if (df_produce(z))
			return -1;
		if (df_drain(z, chance(4) ? rndn(8) : ~0u))
			return -1;
		if (z->corrupt) {
			/* drain what is left (unless stopped), start over */
			if (!vrq_packed_drv_broken(z->f.drv) && df_drain(z, ~0u))
				return -1;
			if (df_reset(z))
				return -1;
		}
	}
	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++) {
		if (i == (unsigned)VRQ_PEER_ERR_IDX(VRQ_EUSED_LEN))
			continue;
		CHECK_EQ(st->peer_err[i], z->hist[i]);
		sum += st->peer_err[i];
	}
	CHECK_EQ(sum, z->errors);
	CHECK_EQ(st->peer_err[VRQ_PEER_ERR_IDX(VRQ_EUSED_LEN)], st->used_len_clamped);
	CHECK(st->used_len_clamped >= z->clamps_expected);
	CHECK(z->ok > 0);
	CHECK(z->clamps_expected > 0);
	return 0;
}

static int dfuzz_config(uint16_t size, unsigned feat, uint64_t seed, uint64_t target,
			uint64_t *hist, uint64_t *calls)
{
	static struct dfz z;
	int rc = -1;
	unsigned i;

	memset(&z, 0, sizeof(z));
	xs_state = seed * 0x9E3779B97F4A7C15ull + 7;
	if (fix_init(&z.f, size, feat, 0) || !(z.s = (struct dslot *)calloc(size, sizeof(*z.s))) ||
	    !(z.explen = (uint32_t *)calloc(size, sizeof(uint32_t))) ||
	    !(z.expclamp = (uint8_t *)calloc(size, 1)) || tf_init(&z.freeq, size) ||
	    tf_init(&z.addfifo, size) || tf_init(&z.seen, size) || tf_init(&z.expq, size)) {
		vrq_test_failures++;
	} else {
		for (i = 0; i < size; i++)
			tf_push(&z.freeq, (uint16_t)i);
		z.dwrap = true;
		if (dfuzz_body(&z, target) == 0)
			rc = 0;
	}
	if (rc == 0) {
		for (i = 0; i < VRQ_PEER_ERR_COUNT; i++)
			hist[i] += z.hist[i];
		*calls += z.calls;
		printf("  device-fuzz size=%-4u feat=%#x: %llu get_used, %llu buffers, %llu errors, "
		       "%llu resets, %llu clamped, %llu hidden\n",
		       size, feat, (unsigned long long)z.calls, (unsigned long long)z.ok,
		       (unsigned long long)z.errors, (unsigned long long)z.resets,
		       (unsigned long long)z.f.drv->st.used_len_clamped,
		       (unsigned long long)z.hidden);
	} else {
		fprintf(stderr, "FAILED: randomized hostile device, size=%u features=%#x (seed %llu)\n",
			size, feat, (unsigned long long)seed);
	}
	fix_fini(&z.f);
	free(z.s);
	free(z.explen);
	free(z.expclamp);
	free(z.freeq.v);
	free(z.addfifo.v);
	free(z.seen.v);
	free(z.expq.v);
	return rc;
}

static int randomized_device(void)
{
	static const struct {
		uint16_t size;
		unsigned feat;
	} cfgs[] = {
		{1, 0},	      {2, F_IND},	 {2, F_INO},   {3, F_INO | F_EVT}, {16, 0},
		{16, F_INO}, {16, F_INO | F_IND}, {255, F_IND}, {255, F_INO},	    {1000, F_EVT},
	};
	uint64_t total = (uint64_t)(100000.0 * test_scale()), hist[VRQ_PEER_ERR_COUNT] = {0};
	uint64_t calls = 0;
	unsigned i;
	int bad = 0;

	if (total < 2000)
		total = 2000;
	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++)
		if (dfuzz_config(cfgs[i].size, cfgs[i].feat, 2000 + i,
				 total / (sizeof(cfgs) / sizeof(cfgs[0])) + 1, hist, &calls))
			bad++;
	printf("randomized hostile device: %llu get_used; errors: USED_ID=%llu\n",
	       (unsigned long long)calls, (unsigned long long)hist[VRQ_PEER_ERR_IDX(VRQ_EUSED_ID)]);
	if (bad)
		return -1;
	CHECK(hist[VRQ_PEER_ERR_IDX(VRQ_EUSED_ID)] > 0);
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_huge = mmap(NULL, HUGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g_huge == MAP_FAILED) {
		printf("note: no 4 GiB address-space reservation; ETOTAL_LEN cases with "
		       "0xffffffff-byte segments skipped\n");
		g_huge = NULL;
	}
	hostile_driver_cases();
	boundary_cases();
	hostile_device_cases();
	valid_traffic();
	randomized();
	randomized_device();
	if (g_huge)
		munmap(g_huge, HUGE_SIZE);
	return vrq_test_done("test_packed_hostile");
}
