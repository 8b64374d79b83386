/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_vq_attach.c - attaching to rings laid out by others.
 *
 *  (a) legacy_offsets: vrq_split_layout_legacy() against Linux's uapi
 *      vring_init() / vring_size(), computed here from their definitions
 *      (absolute addresses, used = ALIGN(&avail->ring[num] + 2, align)), for
 *      sizes 1..32768 and aligns 4 (OpenAMP / Zephyr), 16 (OpenAMP on
 *      STM32MP1), 32, 64, 256, 4096 (remoteproc); the pointers
 *      vrq_split_ring_at() / vrq_vq_split_areas() give equal vring_init()'s;
 *      hand-computed spot values.
 *  (b) scattered: both rings, both roles, the three areas in separate
 *      allocations at exactly their spec alignment (desc 16, avail 2, used
 *      4, events 4), or in one block with the device area first and the
 *      descriptor area after it; traffic with exact token / length /
 *      content checks over 16-bit index wraps (split) and many laps with
 *      chains straddling the ring end (packed), EVENT_IDX on and off, kick
 *      and interrupt decisions predicted, and every byte the spec places
 *      checked where it lands: split avail idx / ring / used_event at the
 *      driver area offsets 2 / 4 + 2i / 4 + 2N, used idx / elements /
 *      avail_event at the device area offsets 2 / 4 + 8i / 4 + 8N, flags at
 *      0; packed descriptors (addr 0, len 8, id 12, flags 14) and event
 *      structures (off_wrap 0, flags 2).  Guard bytes around and between the
 *      areas stay untouched.  The same traffic over split rings in one
 *      legacy vring_init() block attached through vrq_vq_split_areas()
 *      (OpenAMP 16 x align 4, remoteproc 256 x 4096, 2 x 4096, 64 x 16).
 *  (c) refused: misaligned and overlapping areas (event fields included in
 *      the sizes: an area over avail's used_event or used's avail_event is
 *      refused, one right after it accepted), mixed ring + areas, a missing
 *      area: -VRQ_EINVAL from both roles.
 *  (d) base: get_base / set_base.  In every 7th round of (b) the device
 *      stops after some of the published buffers (get_base refused while a
 *      chain is popped and not pushed, or pushed and not published), is
 *      re-initialised on the same ring memory and resumed with
 *      set_base(get_base()); the model then requires the next pop to be
 *      exactly the next buffer.  Scripted values by hand (split 0xfffd
 *      across the 16-bit wrap, packed 0x00020002 / 0x80008000 across a lap),
 *      bad values refused, broken queues.
 *  (e) add_indirect: vrq_vq_drv_add_indirect() on both rings over scattered
 *      areas: table and ring bytes as the spec puts them, the chain the
 *      device pops, one descriptor per buffer, -VRQ_EINVAL / -VRQ_ENOSPC.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrq_test.h"

/* out-of-line copies (core/ffi.c) */
int vrq_ffi_vq_drv_add_indirect(struct vrq_vq_drv *q, const struct vrq_sg *sg, unsigned o,
				unsigned i, void *t, void *tbl, uint64_t da);
struct vrq_vq_areas vrq_ffi_vq_split_areas(void *mem, const struct vrq_split_layout *l);
struct vrq_vq_areas vrq_ffi_vq_packed_areas(void *mem, const struct vrq_packed_layout *l);

#define GUARD 64
#define PAT 0xa5
#define SLOT 64	   /* buffer bytes per in-flight buffer: out 16 @0, in 32 @32 */
#define OUT_LEN 16
#define IN_LEN 32
#define MARK 0xee
#define BUF_DA 0x300000000000ull

/* ---- little-endian reads, independent of the library ------------------------ */

static uint16_t rd16(const void *p)
{
	const uint8_t *b = (const uint8_t *)p;

	return (uint16_t)(b[0] | b[1] << 8);
}

static uint32_t rd32(const void *p)
{
	const uint8_t *b = (const uint8_t *)p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t rd64(const void *p)
{
	return rd32(p) | (uint64_t)rd32((const uint8_t *)p + 4) << 32;
}

static void wr16(void *p, uint16_t v)
{
	uint8_t *b = (uint8_t *)p;

	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static uint8_t *alloc_pat(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, n))
		return NULL;
	memset(p, PAT, n);
	return (uint8_t *)p;
}

/* ==== (a) legacy offsets against vring_init() / vring_size() ================= */

/* Linux include/uapi/linux/virtio_ring.h, as its text defines them. */
struct lx_vring {
	uintptr_t desc, avail, used;
};

static void lx_vring_init(struct lx_vring *vr, unsigned num, uintptr_t p, unsigned long align)
{
	vr->desc = p;
	vr->avail = p + num * 16u;			   /* num * sizeof(struct vring_desc) */
	vr->used = (vr->avail + 4 + 2u * num + 2 + align - 1) /* &avail->ring[num] + used_event */
		   & ~(uintptr_t)(align - 1);
}

static unsigned long lx_vring_size(unsigned num, unsigned long align)
{
	return ((16ul * num + 2ul * (3 + num) + align - 1) & ~(align - 1)) + 2ul * 3 + 8ul * num;
}

static int check_legacy_one(uint16_t num, size_t align, uint8_t *mem)
{
	struct vrq_split_layout l;
	struct lx_vring vr;
	struct vrq_split_ring r;
	struct vrq_vq_areas a, fa;
	unsigned long vsize = lx_vring_size(num, align);
	uintptr_t base = (uintptr_t)mem;

	CHECK_EQ(base % align, 0);
	memset(&l, 0x5a, sizeof(l));
	CHECK_EQ(vrq_split_layout_legacy(num, align, &l), 0);
	lx_vring_init(&vr, num, base, align);
	/* offsets */
	CHECK_EQ(l.desc_off, vr.desc - base);
	CHECK_EQ(l.avail_off, vr.avail - base);
	CHECK_EQ(l.used_off, vr.used - base);
	/* spec sizes with the event fields: the used ring ends at vring_size() */
	CHECK_EQ(l.desc_size, 16ul * num);
	CHECK_EQ(l.avail_size, 6 + 2ul * num);
	CHECK_EQ(l.used_size, 6 + 8ul * num);
	CHECK_EQ(l.used_off + l.used_size, vsize);
	/* total: the spec's virtq_size(), the used part padded to align too */
	CHECK_EQ(l.total, l.used_off + ((6 + 8ul * num + align - 1) & ~(align - 1)));
	CHECK(l.total >= vsize && l.total - vsize < align);
	/* pointers through vrq_split_ring_at() and the vq helper (inline and ffi) */
	r = vrq_split_ring_at(mem, &l);
	CHECK_EQ((uintptr_t)r.desc, vr.desc);
	CHECK_EQ((uintptr_t)r.avail, vr.avail);
	CHECK_EQ((uintptr_t)r.used, vr.used);
	a = vrq_vq_split_areas(mem, &l);
	fa = vrq_ffi_vq_split_areas(mem, &l);
	CHECK_EQ((uintptr_t)a.desc, vr.desc);
	CHECK_EQ((uintptr_t)a.driver, vr.avail);
	CHECK_EQ((uintptr_t)a.device, vr.used);
	CHECK(fa.desc == a.desc && fa.driver == a.driver && fa.device == a.device);
	/* the areas vring_init() gives are ones the rings accept */
	CHECK_EQ((vr.used - base) % 4, 0);
	return 0;
}

static int test_legacy_offsets(void)
{
	static const uint16_t sizes[] = {1, 2, 4, 8, 16, 64, 128, 256, 1024, 32768};
	static const size_t aligns[] = {4, 16, 32, 64, 256, 4096};
	size_t max = lx_vring_size(32768, 4096) + 4096;
	uint8_t *mem = alloc_pat(max);
	struct vrq_split_layout l;
	unsigned i, j;
	int rc = 0;

	CHECK(mem != NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && !rc; i++)
		for (j = 0; j < sizeof(aligns) / sizeof(aligns[0]) && !rc; j++) {
			rc = check_legacy_one(sizes[i], aligns[j], mem);
			if (rc)
				fprintf(stderr, "legacy size %u align %zu\n", sizes[i], aligns[j]);
		}
	free(mem);
	if (rc)
		return rc;

	/* by hand: remoteproc, 256 x align 4096: 4096 + 518 -> 8192; vring_size 8192 + 2054 */
	CHECK_EQ(vrq_split_layout_legacy(256, 4096, &l), 0);
	CHECK_EQ(l.avail_off, 4096);
	CHECK_EQ(l.used_off, 8192);
	CHECK_EQ(l.used_off + l.used_size, 10246);
	CHECK_EQ(l.total, 12288);
	/* OpenAMP / Zephyr VRING_SIZE 16, VRING_ALIGNMENT 4: 256 + 38 -> 296; + 134 = 430 */
	CHECK_EQ(vrq_split_layout_legacy(16, 4, &l), 0);
	CHECK_EQ(l.avail_off, 256);
	CHECK_EQ(l.used_off, 296);
	CHECK_EQ(l.used_off + l.used_size, 430);
	CHECK_EQ(l.total, 432);
	/* the small sizes no area_align of vrq_split_layout_calc() reproduces */
	CHECK_EQ(vrq_split_layout_legacy(1, 4096, &l), 0);
	CHECK_EQ(l.avail_off, 16);
	CHECK_EQ(l.used_off, 4096);
	CHECK_EQ(vrq_split_layout_legacy(2, 4096, &l), 0);
	CHECK_EQ(l.avail_off, 32);
	CHECK_EQ(l.used_off, 4096);
	CHECK_EQ(vrq_split_layout_legacy(64, 4096, &l), 0);
	CHECK_EQ(l.avail_off, 1024);
	CHECK_EQ(l.used_off, 4096);
	CHECK_EQ(vrq_split_layout_legacy(64, 16, &l), 0);
	CHECK_EQ(l.used_off, 1024 + 134 + 10); /* 1158 -> 1168 */
	/* an alignment under 4 would misplace the used ring: refused */
	CHECK_EQ(vrq_split_layout_legacy(16, 2, &l), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_layout_legacy(16, 1, &l), -VRQ_EINVAL);
	return 0;
}

/* ==== harness: a queue over three caller-placed areas ========================= */

enum { A_DESC, A_DRV, A_DEV };
enum { M_SEPARATE, M_REVERSED };

struct rec {
	uint64_t seq;
	uint16_t nseg, ndesc, head;
	uint64_t pos; /* packed: absolute position of the first descriptor */
	uint32_t wlen;
	int indirect;
	uint8_t *tbl; /* caller indirect table (local) */
	uint64_t tbl_da;
};

struct h {
	enum vrq_ring_kind kind;
	uint16_t size;
	int ei, ind, mode;
	char name[96];
	uint8_t *alloc[3];
	size_t alloc_len[3];
	int nalloc;
	uint8_t *area[3];
	size_t alen[3];
	uint8_t *buf;
	size_t buf_bytes;
	struct vrq_mem mem;
	struct vrq_vq_cfg cfg;
	struct vrq_vq_drv drv;
	struct vrq_vq_dev dev;
	int drv_up, dev_up;
	/* model */
	struct rec *recs; /* indexed by seq % size: at most size in flight */
	uint64_t added, published, popped, pushed, dev_pub, consumed;
	uint64_t pos_add, pos_pop, pos_used, pos_got; /* absolute descriptor positions */
	unsigned model_free;
	uint64_t rng;
	uint64_t handovers;
	int ind_mode; /* caller indirect tables: 0 never, 1 for 2 of 3 buffers, 2 always */
	struct vrq_seg segs[8];
};

static uint64_t rnd(struct h *h)
{
	uint64_t x = h->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	h->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static size_t up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static int is_packed(const struct h *h)
{
	return h->kind == VRQ_RING_PACKED;
}

static void h_fini(struct h *h)
{
	int i;

	if (h->drv_up)
		vrq_vq_drv_fini(&h->drv);
	if (h->dev_up)
		vrq_vq_dev_fini(&h->dev);
	for (i = 0; i < h->nalloc; i++)
		free(h->alloc[i]);
	free(h->buf);
	free(h->recs);
	memset(h, 0, sizeof(*h));
}

/* Place the areas (no init).  0 or -1. */
static int h_place(struct h *h, enum vrq_ring_kind kind, uint16_t size, int ei, int ind, int mode)
{
	size_t n = size;
	int i;

	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->size = size;
	h->ei = ei;
	h->ind = ind;
	h->mode = mode;
	h->rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)size << 8) ^ (uint64_t)(ei << 1 | ind) ^
		 ((uint64_t)mode << 4) ^ ((uint64_t)kind << 6);
	snprintf(h->name, sizeof(h->name), "%s size=%u event_idx=%d indirect=%d %s",
		 kind == VRQ_RING_PACKED ? "packed" : "split", size, ei, ind,
		 mode == M_SEPARATE ? "separate" : "reversed");
	h->alen[A_DESC] = 16 * n;
	h->alen[A_DRV] = kind == VRQ_RING_PACKED ? 4 : 6 + 2 * n;
	h->alen[A_DEV] = kind == VRQ_RING_PACKED ? 4 : 6 + 8 * n;
	if (mode == M_SEPARATE) {
		/* each area exactly at its spec alignment, not beyond it */
		static const size_t off_split[3] = {16, 2, 4}, off_packed[3] = {16, 4, 4};

		for (i = 0; i < 3; i++) {
			size_t off = GUARD + (kind == VRQ_RING_PACKED ? off_packed : off_split)[i];

			h->alloc_len[i] = off + h->alen[i] + GUARD;
			h->alloc[i] = alloc_pat(h->alloc_len[i]);
			if (!h->alloc[i])
				return -1;
			h->nalloc++;
			h->area[i] = h->alloc[i] + off;
		}
	} else {
		/* one block: device area, then the descriptors, then the driver area */
		size_t dev_off = GUARD + 4;
		size_t desc_off = up(dev_off + h->alen[A_DEV] + GUARD, 32) + 16;
		size_t drv_off = kind == VRQ_RING_PACKED
					 ? up(desc_off + h->alen[A_DESC] + GUARD, 8) + 4
					 : up(desc_off + h->alen[A_DESC] + GUARD, 4) + 2;

		h->alloc_len[0] = drv_off + h->alen[A_DRV] + GUARD;
		h->alloc[0] = alloc_pat(h->alloc_len[0]);
		if (!h->alloc[0])
			return -1;
		h->nalloc = 1;
		h->area[A_DESC] = h->alloc[0] + desc_off;
		h->area[A_DRV] = h->alloc[0] + drv_off;
		h->area[A_DEV] = h->alloc[0] + dev_off;
	}
	h->buf_bytes = (size_t)size * SLOT + (size_t)size * 8 * 16;
	h->buf = alloc_pat(h->buf_bytes);
	h->recs = (struct rec *)calloc(size, sizeof(*h->recs));
	if (!h->buf || !h->recs)
		return -1;
	vrq_mem_init(&h->mem);
	if (vrq_mem_add(&h->mem, 1, BUF_DA, h->buf, h->buf_bytes, 0))
		return -1;
	h->cfg.kind = kind;
	h->cfg.size = size;
	h->cfg.features = VRQ_FEATURE(VRQ_F_VERSION_1) | (ei ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0) |
			  (ind ? VRQ_FEATURE(VRQ_F_INDIRECT_DESC) : 0);
	h->cfg.domain = VRQ_DOM_SMP;
	h->cfg.ring = NULL;
	h->cfg.area_align = 4096; /* ignored with areas */
	h->cfg.mem = &h->mem;
	h->cfg.areas.desc = h->area[A_DESC];
	h->cfg.areas.driver = h->area[A_DRV];
	h->cfg.areas.device = h->area[A_DEV];
	h->model_free = size;
	return 0;
}

static int h_open(struct h *h, enum vrq_ring_kind kind, uint16_t size, int ei, int ind, int mode)
{
	if (h_place(h, kind, size, ei, ind, mode))
		return -1;
	if (vrq_vq_drv_init(&h->drv, &h->cfg))
		return -1;
	h->drv_up = 1;
	if (vrq_vq_dev_init(&h->dev, &h->cfg))
		return -1;
	h->dev_up = 1;
	return 0;
}

/*
 * Split ring in one legacy vring_init() block (as remoteproc / OpenAMP lay
 * it out), attached through vrq_vq_split_areas(); the padding between the
 * areas and a guard after the block must stay untouched.
 */
static int h_open_legacy(struct h *h, uint16_t size, int ei, size_t align)
{
	struct vrq_split_layout l;
	int i;

	if (h_place(h, VRQ_RING_SPLIT, size, ei, 0, M_SEPARATE))
		return -1;
	if (vrq_split_layout_legacy(size, align, &l))
		return -1;
	for (i = 0; i < h->nalloc; i++)
		free(h->alloc[i]);
	h->nalloc = 1;
	h->alloc_len[0] = l.total + GUARD;
	h->alloc[0] = alloc_pat(h->alloc_len[0]); /* 4096-aligned: a multiple of align */
	if (!h->alloc[0])
		return -1;
	h->cfg.areas = vrq_vq_split_areas(h->alloc[0], &l);
	h->area[A_DESC] = (uint8_t *)h->cfg.areas.desc;
	h->area[A_DRV] = (uint8_t *)h->cfg.areas.driver;
	h->area[A_DEV] = (uint8_t *)h->cfg.areas.device;
	snprintf(h->name, sizeof(h->name), "split size=%u event_idx=%d legacy align=%zu", size, ei,
		 align);
	if (vrq_vq_drv_init(&h->drv, &h->cfg))
		return -1;
	h->drv_up = 1;
	if (vrq_vq_dev_init(&h->dev, &h->cfg))
		return -1;
	h->dev_up = 1;
	return 0;
}

/* Every byte outside the three areas is still the guard pattern. */
static int check_guards(const struct h *h)
{
	const char *name = h->name;
	int i, k;

	for (i = 0; i < h->nalloc; i++) {
		size_t off;

		for (off = 0; off < h->alloc_len[i]; off++) {
			const uint8_t *p = h->alloc[i] + off;
			int inside = 0;

			for (k = 0; k < 3; k++)
				inside |= p >= h->area[k] && p < h->area[k] + h->alen[k];
			if (!inside && *p != PAT) {
				fprintf(stderr, "[%s] guard byte %zu of allocation %d is 0x%02x\n", name,
					off, i, *p);
				vrq_test_failures++;
				return -1;
			}
		}
	}
	return 0;
}

/* Driver init zeroed the areas: exactly their spec sizes. */
static int check_zeroed(const struct h *h)
{
	int k;
	size_t i;

	for (k = 0; k < 3; k++)
		for (i = 0; i < h->alen[k]; i++)
			CHECK_EQ(h->area[k][i], 0);
	return check_guards(h);
}

static uint64_t out_da(const struct h *h, uint64_t seq)
{
	return BUF_DA + (seq % h->size) * SLOT;
}

static uint8_t *out_va(const struct h *h, uint64_t seq)
{
	return h->buf + (seq % h->size) * SLOT;
}

static uint8_t pat_out(uint64_t seq, unsigned i)
{
	return (uint8_t)(seq * 131 + i * 7 + 1);
}

static uint8_t pat_in(uint64_t seq, unsigned i)
{
	return (uint8_t)(seq * 37 + i * 13 + 0x40);
}

/* packed wrap counter of absolute position @p pos: 1 in even laps */
static int lap_wrap(const struct h *h, uint64_t pos)
{
	return (int)(((pos / h->size) & 1) == 0);
}

/* ---- driver ------------------------------------------------------------------- */

/* nseg / ndesc of buffer @p seq: 1 (readable only) or 2 (readable + writable) */
static unsigned nseg_of(uint64_t seq)
{
	return 1 + (unsigned)(seq % 2);
}

static int use_indirect(const struct h *h, uint64_t seq)
{
	return h->ind_mode == 2 || (h->ind_mode == 1 && seq % 3 != 2);
}

static unsigned need_of(const struct h *h, uint64_t seq)
{
	return use_indirect(h, seq) ? 1 : nseg_of(seq);
}

static int drv_add(struct h *h)
{
	const char *name = h->name;
	int indirect = use_indirect(h, h->added);
	uint64_t seq = h->added;
	struct rec *r = &h->recs[seq % h->size];
	struct vrq_sg sg[3];
	unsigned n = indirect ? 3 : nseg_of(seq), n_in = n - 1, i;
	int rc;

	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->nseg = (uint16_t)n;
	r->ndesc = indirect ? 1 : (uint16_t)n;
	r->pos = h->pos_add;
	r->indirect = indirect;
	for (i = 0; i < OUT_LEN; i++)
		out_va(h, seq)[i] = pat_out(seq, i);
	memset(out_va(h, seq) + 32, MARK, IN_LEN);
	sg[0].addr = out_da(h, seq);
	sg[0].len = OUT_LEN;
	if (indirect) {
		/* two writable halves of the in area */
		sg[1].addr = out_da(h, seq) + 32;
		sg[1].len = IN_LEN / 2;
		sg[2].addr = out_da(h, seq) + 32 + IN_LEN / 2;
		sg[2].len = IN_LEN / 2;
		r->tbl = h->buf + (size_t)h->size * SLOT + (seq % h->size) * 8 * 16;
		r->tbl_da = BUF_DA + (size_t)h->size * SLOT + (seq % h->size) * 8 * 16;
		memset(r->tbl, 0xcd, 8 * 16);
		rc = (seq & 1) ? vrq_ffi_vq_drv_add_indirect(&h->drv, sg, 1, n_in, (void *)(uintptr_t)(seq + 1),
							     r->tbl, r->tbl_da)
			       : vrq_vq_drv_add_indirect(&h->drv, sg, 1, n_in, (void *)(uintptr_t)(seq + 1),
							 r->tbl, r->tbl_da);
	} else {
		sg[1].addr = out_da(h, seq) + 32;
		sg[1].len = IN_LEN;
		rc = vrq_vq_drv_add(&h->drv, sg, 1, n_in, (void *)(uintptr_t)(seq + 1));
	}
	CHECK_EQ_OUT(rc, 0);
	if (indirect) {
		/* the table as the spec lays it out */
		for (i = 0; i < n; i++) {
			const uint8_t *d = r->tbl + 16 * i;

			CHECK_EQ_OUT(rd64(d), sg[i].addr);
			CHECK_EQ_OUT(rd32(d + 8), sg[i].len);
			if (is_packed(h)) {
				/* "only VIRTQ_DESC_F_WRITE is valid" in a packed table */
				CHECK_EQ_OUT(rd16(d + 14), i >= 1 ? VRQ_DESC_F_WRITE : 0);
			} else {
				CHECK_EQ_OUT(rd16(d + 12), (i >= 1 ? VRQ_DESC_F_WRITE : 0) |
								   (i + 1 < n ? VRQ_DESC_F_NEXT : 0));
				if (i + 1 < n)
					CHECK_EQ_OUT(rd16(d + 14), i + 1);
			}
		}
		CHECK_EQ_OUT(rd64(r->tbl + 16 * n), 0xcdcdcdcdcdcdcdcdull); /* past n: untouched */
	}
	h->added++;
	h->pos_add += r->ndesc;
	h->model_free -= r->ndesc;
	CHECK_EQ_OUT(vrq_vq_drv_num_free(&h->drv), h->model_free);
	return 0;
out:
	return -1;
}

/* Publish with the kick decision; @p expect 0/1, or -1 not to check. */
static int drv_kick(struct h *h, int expect)
{
	const char *name = h->name;
	bool kick = vrq_vq_drv_kick_prepare(&h->drv);

	if (expect >= 0)
		CHECK_EQ_OUT(kick, expect);
	h->published = h->added;
	if (!is_packed(h))
		CHECK_EQ_OUT(rd16(h->area[A_DRV] + 2), (uint16_t)h->published); /* avail->idx */
	return 0;
out:
	return -1;
}

static int drv_get_all(struct h *h)
{
	const char *name = h->name;
	void *tok;
	uint32_t len;
	int rc;

	while (h->consumed < h->dev_pub) {
		uint64_t seq = h->consumed;
		struct rec *r = &h->recs[seq % h->size];
		unsigned i;

		rc = vrq_vq_drv_get_used(&h->drv, &tok, &len);
		CHECK_EQ_OUT(rc, 1);
		CHECK_EQ_OUT((uintptr_t)tok, seq + 1);
		CHECK_EQ_OUT(len, r->wlen);
		for (i = 0; i < IN_LEN; i++)
			CHECK_EQ_OUT(out_va(h, seq)[32 + i], i < len ? pat_in(seq, i) : MARK);
		h->consumed++;
		h->pos_got += r->ndesc;
		h->model_free += r->ndesc;
		CHECK_EQ_OUT(vrq_vq_drv_num_free(&h->drv), h->model_free);
	}
	CHECK_EQ_OUT(vrq_vq_drv_get_used(&h->drv, &tok, &len), 0);
	return 0;
out:
	return -1;
}


/* Driver's used-buffer notification switch, and the bytes it writes. */
static int drv_cb(struct h *h, int on)
{
	const char *name = h->name;
	const uint8_t *drv = h->area[A_DRV];

	if (on)
		CHECK_EQ_OUT(vrq_vq_drv_enable_cb(&h->drv), h->consumed != h->dev_pub);
	else
		vrq_vq_drv_disable_cb(&h->drv);
	if (is_packed(h)) {
		/* driver event suppression: off_wrap @0, flags @2 */
		if (on && h->ei) {
			CHECK_EQ_OUT(rd16(drv), (h->pos_got % h->size) | lap_wrap(h, h->pos_got) << 15);
			CHECK_EQ_OUT(rd16(drv + 2), VRQ_PACKED_EVENT_FLAG_DESC);
		} else {
			CHECK_EQ_OUT(rd16(drv), 0);
			CHECK_EQ_OUT(rd16(drv + 2), on ? VRQ_PACKED_EVENT_FLAG_ENABLE
						       : VRQ_PACKED_EVENT_FLAG_DISABLE);
		}
	} else if (h->ei) {
		/* used_event at &avail->ring[N]: driver area + 4 + 2N */
		CHECK_EQ_OUT(rd16(drv + 4 + 2 * (size_t)h->size),
			     (uint16_t)(on ? h->consumed : h->consumed - 1));
	} else {
		CHECK_EQ_OUT(rd16(drv), on ? 0 : VRQ_AVAIL_F_NO_INTERRUPT); /* avail->flags */
	}
	return 0;
out:
	return -1;
}

/* Device's kick switch, and the bytes it writes. */
static int dev_kick(struct h *h, int on)
{
	const char *name = h->name;
	const uint8_t *dev = h->area[A_DEV];

	if (on)
		CHECK_EQ_OUT(vrq_vq_dev_enable_kick(&h->dev), h->popped != h->published);
	else
		vrq_vq_dev_disable_kick(&h->dev);
	if (is_packed(h)) {
		if (on && h->ei) {
			CHECK_EQ_OUT(rd16(dev), (h->pos_pop % h->size) | lap_wrap(h, h->pos_pop) << 15);
			CHECK_EQ_OUT(rd16(dev + 2), VRQ_PACKED_EVENT_FLAG_DESC);
		} else {
			CHECK_EQ_OUT(rd16(dev), 0);
			CHECK_EQ_OUT(rd16(dev + 2), on ? VRQ_PACKED_EVENT_FLAG_ENABLE
						       : VRQ_PACKED_EVENT_FLAG_DISABLE);
		}
	} else if (h->ei) {
		/* avail_event at &used->ring[N]: device area + 4 + 8N */
		CHECK_EQ_OUT(rd16(dev + 4 + 8 * (size_t)h->size),
			     (uint16_t)(on ? h->popped : h->popped - 1));
	} else {
		CHECK_EQ_OUT(rd16(dev), on ? 0 : VRQ_USED_F_NO_NOTIFY); /* used->flags */
	}
	return 0;
out:
	return -1;
}

/* The ring bytes of buffer @p r as the device is about to pop it. */
static int check_avail_bytes(struct h *h, const struct rec *r, uint16_t head)
{
	const char *name = h->name;
	const uint8_t *desc = h->area[A_DESC];
	unsigned k;

	if (!is_packed(h)) {
		const uint8_t *d;

		/* avail->ring[popped % N] at driver area + 4 + 2i names the head */
		CHECK_EQ_OUT(rd16(h->area[A_DRV] + 4 + 2 * (size_t)(h->popped % h->size)), head);
		d = desc + 16 * (size_t)head;
		if (r->indirect) {
			CHECK_EQ_OUT(rd64(d), r->tbl_da);
			CHECK_EQ_OUT(rd32(d + 8), 16u * r->nseg);
			CHECK_EQ_OUT(rd16(d + 12), VRQ_DESC_F_INDIRECT);
			return 0;
		}
		CHECK_EQ_OUT(rd64(d), out_da(h, r->seq));
		CHECK_EQ_OUT(rd32(d + 8), OUT_LEN);
		CHECK_EQ_OUT(rd16(d + 12), r->nseg > 1 ? VRQ_DESC_F_NEXT : 0);
		if (r->nseg > 1) {
			uint16_t nx = rd16(d + 14);

			CHECK_OUT(nx < h->size && nx != head);
			d = desc + 16 * (size_t)nx;
			CHECK_EQ_OUT(rd64(d), out_da(h, r->seq) + 32);
			CHECK_EQ_OUT(rd32(d + 8), IN_LEN);
			CHECK_EQ_OUT(rd16(d + 12), VRQ_DESC_F_WRITE);
		}
		return 0;
	}
	/* packed: descriptors at positions pos .. pos + ndesc - 1, AVAIL = wrap,
	 * USED = !wrap in each one's own lap, buffer id in the last one */
	for (k = 0; k < r->ndesc; k++) {
		uint64_t pos = r->pos + k;
		const uint8_t *d = desc + 16 * (size_t)(pos % h->size);
		uint16_t want = lap_wrap(h, pos) ? VRQ_PACKED_DESC_F_AVAIL : VRQ_PACKED_DESC_F_USED;

		if (r->indirect) {
			want |= VRQ_DESC_F_INDIRECT;
			CHECK_EQ_OUT(rd64(d), r->tbl_da);
			CHECK_EQ_OUT(rd32(d + 8), 16u * r->nseg);
		} else {
			if (k + 1 < r->ndesc)
				want |= VRQ_DESC_F_NEXT;
			if (k >= 1)
				want |= VRQ_DESC_F_WRITE;
			CHECK_EQ_OUT(rd64(d), out_da(h, r->seq) + (k ? 32 : 0));
			CHECK_EQ_OUT(rd32(d + 8), k ? IN_LEN : OUT_LEN);
		}
		CHECK_EQ_OUT(rd16(d + 14), want);
		if (k + 1 == r->ndesc)
			CHECK_EQ_OUT(rd16(d + 12), head);
	}
	return 0;
out:
	return -1;
}

/* Pop exactly @p n buffers (the model says they are there). */
static int dev_pop_n(struct h *h, uint64_t n)
{
	const char *name = h->name;
	struct vrq_chain c;
	uint64_t k;

	for (k = 0; k < n; k++) {
		uint64_t seq = h->popped;
		struct rec *r = &h->recs[seq % h->size];
		unsigned i;
		int rc;

		CHECK_OUT(seq < h->published);
		CHECK_EQ_OUT(r->seq, seq);
		CHECK_EQ_OUT(r->pos, h->pos_pop);
		vrq_chain_init(&c, h->segs, 8);
		rc = vrq_vq_dev_pop(&h->dev, &c);
		CHECK_EQ_OUT(rc, 1);
		CHECK_OUT(c.head < h->size);
		if (check_avail_bytes(h, r, c.head))
			return -1;
		CHECK_EQ_OUT(c.n, r->nseg);
		CHECK_EQ_OUT(c.n_out, 1);
		CHECK_EQ_OUT(c.ndesc, r->ndesc);
		CHECK_EQ_OUT(c.out_len, OUT_LEN);
		CHECK_EQ_OUT(c.in_len, r->nseg > 1 ? IN_LEN : 0);
		CHECK_EQ_OUT(c.seg[0].addr, out_da(h, seq));
		CHECK_EQ_OUT(c.seg[0].len, OUT_LEN);
		CHECK_EQ_OUT(c.seg[0].flags, 0);
		CHECK_OUT(c.seg[0].va == out_va(h, seq));
		for (i = 0; i < OUT_LEN; i++)
			CHECK_EQ_OUT(((uint8_t *)c.seg[0].va)[i], pat_out(seq, i));
		for (i = 1; i < r->nseg; i++) {
			uint32_t l = IN_LEN / (r->nseg - 1);
			size_t off = 32 + (size_t)(i - 1) * l;

			CHECK_EQ_OUT(c.seg[i].addr, out_da(h, seq) + off);
			CHECK_EQ_OUT(c.seg[i].len, l);
			CHECK_EQ_OUT(c.seg[i].flags, VRQ_SEG_WRITE);
			CHECK_OUT(c.seg[i].va == out_va(h, seq) + off);
		}
		/* reply through the segments the device was given */
		r->head = c.head;
		r->wlen = r->nseg > 1 ? 1 + (uint32_t)(seq % IN_LEN) : 0;
		for (i = 0; i < r->wlen; i++) {
			uint32_t l = c.seg[1].len, s = 1 + i / l;

			((uint8_t *)c.seg[s].va)[i % l] = pat_in(seq, i);
		}
		h->popped++;
		h->pos_pop += r->ndesc;
	}
	if (h->popped == h->published) {
		vrq_chain_init(&c, h->segs, 8);
		CHECK_EQ_OUT(vrq_vq_dev_pop(&h->dev, &c), 0);
	}
	return 0;
out:
	return -1;
}

static int dev_push_all(struct h *h)
{
	const char *name = h->name;

	while (h->pushed < h->popped) {
		const struct rec *r = &h->recs[h->pushed % h->size];

		CHECK_EQ_OUT(vrq_vq_dev_push(&h->dev, r->head, r->wlen), 0);
		h->pushed++;
	}
	return 0;
out:
	return -1;
}

/* Publish with the interrupt decision, and check the used bytes. */
static int dev_publish(struct h *h, int expect)
{
	const char *name = h->name;
	const uint8_t *dev = h->area[A_DEV];
	bool irq = vrq_vq_dev_notify_prepare(&h->dev);

	if (expect >= 0)
		CHECK_EQ_OUT(irq, expect);
	for (; h->dev_pub < h->pushed; h->dev_pub++) {
		const struct rec *r = &h->recs[h->dev_pub % h->size];

		if (is_packed(h)) {
			/* used descriptor at the next used position: id @12, len @8,
			 * AVAIL = USED = wrap counter, WRITE iff data was written */
			const uint8_t *d = h->area[A_DESC] + 16 * (size_t)(h->pos_used % h->size);

			CHECK_EQ_OUT(rd16(d + 12), r->head);
			CHECK_EQ_OUT(rd32(d + 8), r->wlen);
			CHECK_EQ_OUT(rd16(d + 14),
				     (lap_wrap(h, h->pos_used)
					      ? VRQ_PACKED_DESC_F_AVAIL | VRQ_PACKED_DESC_F_USED
					      : 0) | (r->wlen ? VRQ_DESC_F_WRITE : 0));
			h->pos_used += r->ndesc;
		} else {
			/* used->ring[i] at device area + 4 + 8i: id, len */
			const uint8_t *e = dev + 4 + 8 * (size_t)(h->dev_pub % h->size);

			CHECK_EQ_OUT(rd32(e), r->head);
			CHECK_EQ_OUT(rd32(e + 4), r->wlen);
		}
	}
	if (!is_packed(h))
		CHECK_EQ_OUT(rd16(dev + 2), (uint16_t)h->dev_pub); /* used->idx */
	return 0;
out:
	return -1;
}

/* The base a stopped device must report, from the model alone. */
static uint32_t model_base(const struct h *h)
{
	uint32_t p, w;

	if (!is_packed(h))
		return (uint16_t)h->popped;
	p = (uint32_t)(h->pos_pop % h->size);
	w = (uint32_t)lap_wrap(h, h->pos_pop);
	return p | w << 15 | p << 16 | w << 31;
}

/* Stop the device, re-initialise it on the same ring memory, resume it. */
static int handover(struct h *h, uint32_t *basep)
{
	const char *name = h->name;
	uint32_t base = 0xdeadbeef, b2 = 0xdeadbeef, fresh;

	CHECK_EQ_OUT(vrq_vq_dev_get_base(&h->dev, &base), 0);
	CHECK_EQ_OUT(base, model_base(h));
	vrq_vq_dev_fini(&h->dev);
	h->dev_up = 0;
	CHECK_EQ_OUT(vrq_vq_dev_init(&h->dev, &h->cfg), 0);
	h->dev_up = 1;
	fresh = is_packed(h) ? 0x80008000u : 0; /* position 0, wrap counters 1 */
	CHECK_EQ_OUT(vrq_vq_dev_get_base(&h->dev, &b2), 0);
	CHECK_EQ_OUT(b2, fresh);
	/* bad values: refused, the handle unchanged */
	if (is_packed(h)) {
		uint32_t n = h->size, p = base & 0x7fff, w = base & 0x80008000u;

		CHECK_EQ_OUT(vrq_vq_dev_set_base(&h->dev, n | p << 16 | w), -VRQ_EINVAL);
		CHECK_EQ_OUT(vrq_vq_dev_set_base(&h->dev, p | n << 16 | w), -VRQ_EINVAL);
		CHECK_EQ_OUT(vrq_vq_dev_set_base(&h->dev, base ^ 0x80000000u), -VRQ_EINVAL);
		CHECK_EQ_OUT(vrq_vq_dev_set_base(&h->dev, base ^ 0x00008000u), -VRQ_EINVAL);
		if (h->size > 1)
			CHECK_EQ_OUT(vrq_vq_dev_set_base(&h->dev, p | ((p + 1) % n) << 16 | w),
				     -VRQ_EINVAL);
		CHECK_EQ_OUT(vrq_vq_dev_set_base(&h->dev, 0x7fff7fffu), -VRQ_EINVAL);
	} else {
		CHECK_EQ_OUT(vrq_vq_dev_set_base(&h->dev, base | 0x10000u), -VRQ_EINVAL);
		CHECK_EQ_OUT(vrq_vq_dev_set_base(&h->dev, (uint16_t)(base + 1)), -VRQ_EINVAL);
		CHECK_EQ_OUT(vrq_vq_dev_set_base(&h->dev, (uint16_t)(base - 1)), -VRQ_EINVAL);
	}
	CHECK_EQ_OUT(vrq_vq_dev_get_base(&h->dev, &b2), 0);
	CHECK_EQ_OUT(b2, fresh);
	CHECK_EQ_OUT(vrq_vq_dev_set_base(&h->dev, base), 0);
	CHECK_EQ_OUT(vrq_vq_dev_get_base(&h->dev, &b2), 0);
	CHECK_EQ_OUT(b2, base);
	h->handovers++;
	if (basep)
		*basep = base;
	return 0;
out:
	return -1;
}

/*
 * One round: the device arms (or disarms) kicks, the driver adds up to
 * @p want buffers (0: random) and decides the kick, the device pops them
 * all, the driver arms (or disarms) interrupts, the device pushes and
 * decides, the driver takes everything back.  With @p stop the device is
 * handed over after a random part of the round's buffers.
 */
static int round_(struct h *h, unsigned want, int stop)
{
	const char *name = h->name;
	int kick_on = (int)(rnd(h) & 1), irq_on = (int)(rnd(h) & 1);
	uint64_t count = 0, j;
	uint32_t b;

	if (!want)
		want = 1 + (unsigned)(rnd(h) % h->size);
	if (dev_kick(h, kick_on))
		return -1;
	while (count < want && need_of(h, h->added) <= h->model_free) {
		if (drv_add(h))
			return -1;
		count++;
	}
	CHECK_OUT(count > 0);
	if (drv_kick(h, kick_on))
		return -1;
	j = stop ? rnd(h) % (count + 1) : count;
	if (dev_pop_n(h, j))
		return -1;
	if (stop && j) {
		/* a popped chain not pushed, then a push not published: not stopped */
		CHECK_EQ_OUT(vrq_vq_dev_get_base(&h->dev, &b), -VRQ_EINVAL);
		if (dev_push_all(h))
			return -1;
		CHECK_EQ_OUT(vrq_vq_dev_get_base(&h->dev, &b), -VRQ_EINVAL);
		CHECK_EQ_OUT(vrq_vq_dev_set_base(&h->dev, model_base(h)), -VRQ_EINVAL);
	}
	if (stop) {
		if (dev_push_all(h) || drv_cb(h, irq_on) || dev_publish(h, j ? irq_on : 0) ||
		    drv_get_all(h) || handover(h, NULL))
			return -1;
		if (count > j) {
			/* resumed: the next pop is the next buffer; not stopped while
			 * it is in flight */
			if (dev_pop_n(h, 1))
				return -1;
			CHECK_EQ_OUT(vrq_vq_dev_set_base(&h->dev, model_base(h)), -VRQ_EINVAL);
		}
		if (dev_pop_n(h, h->published - h->popped))
			return -1;
	}
	if (drv_cb(h, irq_on) || dev_push_all(h) ||
	    dev_publish(h, (stop && count == j) ? 0 : irq_on) || drv_get_all(h))
		return -1;
	CHECK_EQ_OUT(vrq_vq_drv_num_free(&h->drv), h->size);
	return 0;
out:
	return -1;
}

/* ==== (b) + (d) scattered areas, traffic, hand-overs ========================== */

static int run_traffic(struct h *h, uint64_t buffers)
{
	uint64_t r = 0;

	while (h->consumed < buffers) {
		if (round_(h, 0, r % 7 == 6)) {
			fprintf(stderr, "  ... in round %llu (%llu buffers done)\n",
				(unsigned long long)r, (unsigned long long)h->consumed);
			return -1;
		}
		r++;
	}
	return 0;
}

static int test_scattered(void)
{
	static const uint16_t split_sizes[] = {8, 256}, packed_sizes[] = {5, 256};
	static struct h h;
	unsigned k, s;
	int ei, mode;

	for (k = 0; k < 2; k++)
		for (s = 0; s < 2; s++)
			for (ei = 0; ei < 2; ei++)
				for (mode = 0; mode < 2; mode++) {
					enum vrq_ring_kind kind = k ? VRQ_RING_PACKED : VRQ_RING_SPLIT;
					uint16_t size = k ? packed_sizes[s] : split_sizes[s];
					const char *name = h.name;
					/* split: past the 16-bit index wrap; packed: many laps */
					uint64_t n = k ? 40ull * size + 2000 : 66000;

					if (h_open(&h, kind, size, ei, 0, mode)) {
						fprintf(stderr, "setup failed: %s\n", h.name);
						vrq_test_failures++;
						h_fini(&h);
						continue;
					}
					if (check_zeroed(&h) || run_traffic(&h, n) || check_guards(&h)) {
						fprintf(stderr, "FAILED: scattered [%s]\n", h.name);
						h_fini(&h);
						return -1;
					}
					printf("scattered %-40s %7llu buffers, %5llu hand-overs\n", h.name,
					       (unsigned long long)h.consumed,
					       (unsigned long long)h.handovers);
					CHECK_OUT(h.handovers > 10);
					if (!k)
						CHECK_OUT(h.popped > 65536);
					else
						CHECK_OUT(h.pos_pop > 20ull * size);
					h_fini(&h);
					continue;
out:
					h_fini(&h);
					return -1;
				}
	/* legacy vring_init() blocks: OpenAMP (16 x 4), remoteproc (256 x 4096), small */
	{
		static const struct {
			uint16_t size;
			size_t align;
		} leg[] = {{16, 4}, {256, 4096}, {2, 4096}, {64, 16}};

		for (k = 0; k < sizeof(leg) / sizeof(leg[0]); k++)
			for (ei = 0; ei < 2; ei++) {
				const char *name = h.name;

				if (h_open_legacy(&h, leg[k].size, ei, leg[k].align) || check_zeroed(&h) ||
				    run_traffic(&h, 66000) || check_guards(&h)) {
					fprintf(stderr, "FAILED: legacy block [%s]\n", h.name);
					vrq_test_failures += !vrq_test_failures;
					h_fini(&h);
					return -1;
				}
				printf("scattered %-40s %7llu buffers, %5llu hand-overs\n", h.name,
				       (unsigned long long)h.consumed, (unsigned long long)h.handovers);
				if (h.popped <= 65536) {
					fprintf(stderr, "[%s] the 16-bit index did not wrap\n", name);
					vrq_test_failures++;
					goto out2;
				}
				h_fini(&h);
				continue;
out2:
				h_fini(&h);
				return -1;
			}
	}
	return 0;
}

/* ==== (d) scripted bases, bad values, broken queues =========================== */

static int test_base_script(void)
{
	static struct h h;
	const char *name = "base_script";
	uint32_t base = 0;

	/* split: stop at 65533 (0xfffd), resume across the 16-bit wrap */
	if (h_open(&h, VRQ_RING_SPLIT, 8, 1, 0, M_SEPARATE))
		goto out;
	name = h.name;
	while (h.popped < 65533)
		if (round_(&h, 65533 - h.popped <= 8 ? (unsigned)(65533 - h.popped) : 0, 0))
			goto out;
	CHECK_EQ_OUT(h.popped, 65533);
	if (handover(&h, &base))
		goto out;
	CHECK_EQ_OUT(base, 0xfffd);
	CHECK_EQ_OUT(rd16(h.area[A_DEV] + 2), 0xfffd); /* used->idx in ring memory */
	while (h.consumed < 65545)
		if (round_(&h, 0, 0))
			goto out;
	CHECK_EQ_OUT(rd16(h.area[A_DRV] + 2), (uint16_t)h.published); /* avail->idx wrapped */
	CHECK_EQ_OUT(rd16(h.area[A_DEV] + 2), (uint16_t)h.consumed);	/* used->idx wrapped */
	CHECK_OUT((uint16_t)h.consumed < 16);
	h_fini(&h);

	/* packed size 5: buffers of 1, 2, 1, 2, ... descriptors */
	if (h_open(&h, VRQ_RING_PACKED, 5, 0, 0, M_SEPARATE))
		goto out;
	name = h.name;
	if (round_(&h, 3, 0) || round_(&h, 2, 0)) /* 4 + 3 descriptors */
		goto out;
	if (handover(&h, &base))
		goto out;
	CHECK_EQ_OUT(base, 0x00020002u); /* position 7: offset 2, second lap (wrap 0) */
	if (round_(&h, 2, 0)) /* 2 + 1: position 10 */
		goto out;
	if (handover(&h, &base))
		goto out;
	CHECK_EQ_OUT(base, 0x80008000u); /* offset 0, third lap (wrap 1) */
	/* resume right before a chain that straddles the ring end: position 14 */
	if (round_(&h, 3, 0)) /* 2 + 1 + 2 = 5: position 15 */
		goto out;
	if (round_(&h, 3, 0)) /* 1 + 2 + 1 = 4: position 19 */
		goto out;
	if (handover(&h, &base))
		goto out;
	CHECK_EQ_OUT(base, 0x00040004u); /* offset 4, fourth lap (wrap 0) */
	CHECK_EQ_OUT(nseg_of(h.added), 2);  /* next: positions 19, 20 = offsets 4, 0 */
	if (round_(&h, 1, 0))
		goto out;
	CHECK_EQ_OUT(h.pos_pop, 21);
	if (handover(&h, &base))
		goto out;
	CHECK_EQ_OUT(base, 0x80018001u); /* offset 1, fifth lap (wrap 1) */
	h_fini(&h);
	return 0;
out:
	fprintf(stderr, "FAILED: base_script [%s]\n", name);
	vrq_test_failures += !vrq_test_failures;
	h_fini(&h);
	return -1;
}

static int test_base_broken(void)
{
	static struct h h;
	const char *name = "base_broken";
	struct vrq_chain c;
	uint32_t b = 0;
	uint8_t *d;

	CHECK_EQ(vrq_vq_dev_get_base(NULL, &b), -VRQ_EINVAL);
	CHECK_EQ(vrq_vq_dev_set_base(NULL, 0), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_dev_get_base(NULL, &b), -VRQ_EINVAL);
	CHECK_EQ(vrq_packed_dev_get_base(NULL, &b), -VRQ_EINVAL);
	CHECK_EQ(vrq_split_dev_set_base(NULL, 0), -VRQ_EINVAL);
	CHECK_EQ(vrq_packed_dev_set_base(NULL, 0), -VRQ_EINVAL);

	/* split: a driver that moves avail->idx by more than the queue size */
	if (h_open(&h, VRQ_RING_SPLIT, 8, 0, 0, M_REVERSED))
		goto out;
	name = h.name;
	CHECK_EQ_OUT(vrq_vq_dev_get_base(&h.dev, NULL), -VRQ_EINVAL);
	if (round_(&h, 5, 0))
		goto out;
	wr16(h.area[A_DRV] + 2, (uint16_t)(h.published + 9));
	vrq_chain_init(&c, h.segs, 8);
	CHECK_EQ_OUT(vrq_vq_dev_pop(&h.dev, &c), -VRQ_EAVAIL_IDX);
	CHECK_EQ_OUT(vrq_vq_dev_get_base(&h.dev, &b), -VRQ_EAVAIL_IDX);
	CHECK_EQ_OUT(vrq_vq_dev_set_base(&h.dev, 5), -VRQ_EAVAIL_IDX);
	vrq_vq_dev_reset(&h.dev);
	CHECK_EQ_OUT(vrq_vq_dev_get_base(&h.dev, &b), 0);
	CHECK_EQ_OUT(b, 0);
	/* used->idx in ring memory is still 5: only that base is consistent */
	CHECK_EQ_OUT(vrq_vq_dev_set_base(&h.dev, 0), -VRQ_EINVAL);
	CHECK_EQ_OUT(vrq_vq_dev_set_base(&h.dev, 5), 0);
	wr16(h.area[A_DRV] + 2, (uint16_t)h.published); /* the driver behaves again */
	if (round_(&h, 3, 0))
		goto out;
	h_fini(&h);

	/* packed: a descriptor with a buffer id outside the ring */
	if (h_open(&h, VRQ_RING_PACKED, 5, 1, 0, M_REVERSED))
		goto out;
	name = h.name;
	if (round_(&h, 3, 0)) /* position 4, wrap 1 */
		goto out;
	d = h.area[A_DESC] + 16 * 4;
	memset(d, 0, 16);
	d[12] = 7; /* id 7 >= size 5 */
	wr16(d + 14, VRQ_PACKED_DESC_F_AVAIL);
	vrq_chain_init(&c, h.segs, 8);
	CHECK_EQ_OUT(vrq_vq_dev_pop(&h.dev, &c), -VRQ_EID);
	CHECK_EQ_OUT(vrq_vq_dev_get_base(&h.dev, &b), -VRQ_EID);
	CHECK_EQ_OUT(vrq_vq_dev_set_base(&h.dev, 0x80048004u), -VRQ_EID);
	vrq_vq_dev_reset(&h.dev);
	CHECK_EQ_OUT(vrq_vq_dev_get_base(&h.dev, &b), 0);
	CHECK_EQ_OUT(b, 0x80008000u);
	CHECK_EQ_OUT(vrq_vq_dev_set_base(&h.dev, 0x80048004u), 0);
	CHECK_EQ_OUT(vrq_vq_dev_get_base(&h.dev, &b), 0);
	CHECK_EQ_OUT(b, 0x80048004u);
	h_fini(&h);
	return 0;
out:
	fprintf(stderr, "FAILED: base_broken [%s]\n", name);
	vrq_test_failures += !vrq_test_failures;
	h_fini(&h);
	return -1;
}

/* ==== (c) refused placements ================================================== */

/* Both roles' init over @p cfg: @p want from each (and fini on success). */
static int try_init(const struct vrq_vq_cfg *cfg, int want, const char *what)
{
	struct vrq_vq_drv drv;
	struct vrq_vq_dev dev;
	int rd = vrq_vq_drv_init(&drv, cfg), rv = vrq_vq_dev_init(&dev, cfg);

	if (!rd)
		vrq_vq_drv_fini(&drv);
	if (!rv)
		vrq_vq_dev_fini(&dev);
	if (rd != want || rv != want) {
		fprintf(stderr, "%s: %s: drv_init %d, dev_init %d, expected %d\n",
			cfg->kind == VRQ_RING_PACKED ? "packed" : "split", what, rd, rv, want);
		vrq_test_failures++;
		return -1;
	}
	return 0;
}

#define TRY(cfgp, d, v, e, want, what)                                                    \
	do {                                                                              \
		struct vrq_vq_cfg c_ = *(cfgp);                                           \
		c_.areas.desc = (d);                                                      \
		c_.areas.driver = (v);                                                    \
		c_.areas.device = (e);                                                    \
		if (try_init(&c_, (want), (what)))                                        \
			goto out;                                                         \
	} while (0)

static int test_refused(void)
{
	static struct h h;
	const char *name = "refused";
	uint8_t *B = alloc_pat(4096), *R = NULL;
	struct vrq_vq_cfg cfg;

	if (!B)
		goto out;
	/* split, N = 8: desc 128, avail 6 + 16 = 22, used 6 + 64 = 70 */
	if (h_place(&h, VRQ_RING_SPLIT, 8, 1, 0, M_SEPARATE))
		goto out;
	cfg = h.cfg;
	TRY(&cfg, h.area[A_DESC], h.area[A_DRV], h.area[A_DEV], 0, "as placed");
	TRY(&cfg, h.area[A_DESC] + 8, h.area[A_DRV], h.area[A_DEV], -VRQ_EINVAL, "desc % 16 = 8");
	TRY(&cfg, h.area[A_DESC] + 4, h.area[A_DRV], h.area[A_DEV], -VRQ_EINVAL, "desc % 16 = 4");
	TRY(&cfg, h.area[A_DESC], h.area[A_DRV] + 1, h.area[A_DEV], -VRQ_EINVAL, "avail odd");
	TRY(&cfg, h.area[A_DESC], h.area[A_DRV], h.area[A_DEV] + 2, -VRQ_EINVAL, "used % 4 = 2");
	TRY(&cfg, B, B + 126, B + 1024, -VRQ_EINVAL, "avail over the last descriptor");
	TRY(&cfg, B, B + 128, B + 1024, 0, "avail right after desc");
	TRY(&cfg, B, B + 256, B + 276, -VRQ_EINVAL, "used over avail's used_event");
	TRY(&cfg, B, B + 256, B + 280, 0, "used after used_event");
	TRY(&cfg, B + 576, B + 1024, B + 512, -VRQ_EINVAL, "desc over used's avail_event");
	TRY(&cfg, B + 592, B + 1024, B + 512, 0, "desc after avail_event (used first)");
	TRY(&cfg, B, B + 1024, B + 1024, -VRQ_EINVAL, "avail == used");
	TRY(&cfg, B, B, B + 1024, -VRQ_EINVAL, "avail == desc");
	TRY(&cfg, B + 1024, B + 2048, B + 1024 + 64, -VRQ_EINVAL, "used inside desc");
	TRY(&cfg, NULL, B + 128, B + 1024, -VRQ_EINVAL, "no desc");
	TRY(&cfg, B, NULL, B + 1024, -VRQ_EINVAL, "no avail");
	TRY(&cfg, B, B + 128, NULL, -VRQ_EINVAL, "no used");
	TRY(&cfg, NULL, NULL, NULL, -VRQ_EINVAL, "neither ring nor areas");
	/* the ring layer refuses the overlap itself, not only vrq_vq */
	{
		struct vrq_split_cfg sc;
		struct vrq_split_drv sd;
		struct vrq_split_dev sv;

		memset(&sc, 0, sizeof(sc));
		sc.size = 8;
		sc.features = VRQ_FEATURE(VRQ_F_VERSION_1);
		sc.mem = &h.mem;
		sc.ring.desc = (struct vrq_split_desc *)(void *)B;
		sc.ring.avail = (struct vrq_split_avail *)(void *)(B + 256);
		sc.ring.used = (struct vrq_split_used *)(void *)(B + 276);
		CHECK_EQ_OUT(vrq_split_drv_init(&sd, &sc), -VRQ_EINVAL);
		CHECK_EQ_OUT(vrq_split_dev_init(&sv, &sc), -VRQ_EINVAL);
	}
	/* one block and areas: refused; the one-block path as before */
	R = alloc_pat(vrq_vq_ring_bytes(VRQ_RING_SPLIT, 8, 64));
	if (!R)
		goto out;
	cfg.ring = R;
	cfg.area_align = 64;
	TRY(&cfg, h.area[A_DESC], h.area[A_DRV], h.area[A_DEV], -VRQ_EINVAL, "ring and areas");
	TRY(&cfg, NULL, NULL, h.area[A_DEV], -VRQ_EINVAL, "ring and one area");
	TRY(&cfg, NULL, NULL, NULL, 0, "ring only");
	{
		struct vrq_split_layout l;
		struct vrq_vq_drv drv;

		CHECK_EQ_OUT(vrq_split_layout_calc(8, 64, &l), 0);
		cfg.areas.desc = cfg.areas.driver = cfg.areas.device = NULL;
		CHECK_EQ_OUT(vrq_vq_drv_init(&drv, &cfg), 0);
		CHECK_OUT((uint8_t *)drv.split.desc == R + l.desc_off);
		CHECK_OUT((uint8_t *)drv.split.avail == R + l.avail_off);
		CHECK_OUT((uint8_t *)drv.split.used == R + l.used_off);
		vrq_vq_drv_fini(&drv);
	}
	free(R);
	R = NULL;
	h_fini(&h);

	/* packed, N = 8: desc 128, events 4 each */
	memset(B, PAT, 4096);
	if (h_place(&h, VRQ_RING_PACKED, 8, 1, 0, M_SEPARATE))
		goto out;
	cfg = h.cfg;
	TRY(&cfg, h.area[A_DESC], h.area[A_DRV], h.area[A_DEV], 0, "as placed");
	TRY(&cfg, h.area[A_DESC] + 8, h.area[A_DRV], h.area[A_DEV], -VRQ_EINVAL, "desc % 16 = 8");
	TRY(&cfg, h.area[A_DESC], h.area[A_DRV] + 2, h.area[A_DEV], -VRQ_EINVAL, "driver % 4 = 2");
	TRY(&cfg, h.area[A_DESC], h.area[A_DRV], h.area[A_DEV] + 2, -VRQ_EINVAL, "device % 4 = 2");
	TRY(&cfg, B, B + 124, B + 512, -VRQ_EINVAL, "driver over the last descriptor");
	TRY(&cfg, B, B + 128, B + 132, 0, "driver, device right after desc");
	TRY(&cfg, B, B + 128, B + 128, -VRQ_EINVAL, "driver == device");
	TRY(&cfg, B + 256, B + 252, B + 248, 0, "events right before desc");
	TRY(&cfg, B + 256, B + 256, B + 248, -VRQ_EINVAL, "driver == desc");
	TRY(&cfg, B + 256, B + 252, B + 380, -VRQ_EINVAL, "device on the last descriptor");
	TRY(&cfg, B, NULL, B + 512, -VRQ_EINVAL, "no driver area");
	R = alloc_pat(vrq_vq_ring_bytes(VRQ_RING_PACKED, 8, 64));
	if (!R)
		goto out;
	cfg.ring = R;
	cfg.area_align = 64;
	TRY(&cfg, B, B + 128, B + 132, -VRQ_EINVAL, "ring and areas");
	TRY(&cfg, NULL, NULL, NULL, 0, "ring only");
	free(R);
	h_fini(&h);
	free(B);
	return 0;
out:
	fprintf(stderr, "FAILED: refused [%s]\n", name);
	vrq_test_failures += !vrq_test_failures;
	free(R);
	free(B);
	h_fini(&h);
	return -1;
}

/* ==== (e) caller indirect tables through vrq_vq =============================== */

static int test_indirect(void)
{
	static struct h h;
	const char *name = "indirect";
	unsigned k, r;

	for (k = 0; k < 2; k++) {
		enum vrq_ring_kind kind = k ? VRQ_RING_PACKED : VRQ_RING_SPLIT;
		uint16_t size = k ? 3 : 4;
		_Alignas(16) uint8_t tbl[64];
		struct vrq_sg sg[2] = {{BUF_DA, 4}, {BUF_DA + 32, 4}};
		int rc, n;

		/* not negotiated: refused, nothing taken */
		if (h_open(&h, kind, size, 0, 0, M_SEPARATE))
			goto out;
		name = h.name;
		CHECK_EQ_OUT(vrq_vq_drv_add_indirect(&h.drv, sg, 1, 1, NULL, tbl, BUF_DA + 4096),
			     -VRQ_EINVAL);
		CHECK_EQ_OUT(vrq_vq_drv_num_free(&h.drv), size);
		h_fini(&h);

		if (h_open(&h, kind, size, 1, 1, M_REVERSED))
			goto out;
		name = h.name;
		CHECK_EQ_OUT(vrq_vq_drv_add_indirect(&h.drv, sg, 1, 1, NULL, NULL, 0), -VRQ_EINVAL);
		CHECK_EQ_OUT(vrq_vq_drv_add_indirect(&h.drv, sg, 0, 0, NULL, tbl, BUF_DA), -VRQ_EINVAL);
		CHECK_EQ_OUT(vrq_vq_drv_num_free(&h.drv), size);
		h.ind_mode = 1;
		for (r = 0; r < 300; r++)
			if (round_(&h, 0, r % 5 == 4))
				goto out;
		/* one descriptor each: exactly size of them fit */
		h.ind_mode = 2;
		CHECK_EQ_OUT(vrq_vq_drv_num_free(&h.drv), size);
		for (n = 0; h.model_free; n++)
			if (drv_add(&h))
				goto out;
		CHECK_EQ_OUT(n, size);
		rc = vrq_vq_drv_add_indirect(&h.drv, sg, 1, 1, NULL, h.buf + (size_t)h.size * SLOT,
					     BUF_DA + (size_t)h.size * SLOT);
		CHECK_EQ_OUT(rc, -VRQ_ENOSPC);
		CHECK_EQ_OUT(vrq_vq_drv_num_free(&h.drv), 0);
		if (drv_kick(&h, -1) || dev_pop_n(&h, h.published - h.popped) || dev_push_all(&h) ||
		    dev_publish(&h, -1) || drv_get_all(&h) || check_guards(&h))
			goto out;
		CHECK_OUT(h.consumed > 300);
		h_fini(&h);
	}
	return 0;
out:
	fprintf(stderr, "FAILED: indirect [%s]\n", name);
	vrq_test_failures += !vrq_test_failures;
	h_fini(&h);
	return -1;
}

int main(void)
{
	struct vrq_packed_layout pl;
	struct vrq_vq_areas a, fa;
	static uint8_t blk[1024];

	test_legacy_offsets();
	test_refused();
	test_scattered();
	test_base_script();
	test_base_broken();
	test_indirect();

	/* the packed area helper and its ffi copy */
	if (vrq_packed_layout_calc(8, 64, &pl) == 0) {
		a = vrq_vq_packed_areas(blk, &pl);
		fa = vrq_ffi_vq_packed_areas(blk, &pl);
		if ((uint8_t *)a.desc != blk + pl.desc_off || (uint8_t *)a.driver != blk + pl.driver_off ||
		    (uint8_t *)a.device != blk + pl.device_off || fa.desc != a.desc ||
		    fa.driver != a.driver || fa.device != a.device) {
			fprintf(stderr, "vrq_vq_packed_areas: wrong pointers\n");
			vrq_test_failures++;
		}
	} else {
		vrq_test_failures++;
	}
	return vrq_test_done("test_vq_attach");
}
