/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_mem.c - the memory map (vrq/mem.h): arbitrary region
 * registrations (adjacent, overlapping, reaching 2^64, wrapping, zero
 * length, reused ids, a full table) and lookups of arbitrary address and
 * length, checked against the harness's own list of regions, computed
 * independently in 128-bit arithmetic.
 *
 * The local addresses are numbers, never dereferenced (the map only does
 * arithmetic on them), so the whole 64-bit space can be used.
 *
 * Script: operations only (opcode = byte % OP_N), see the enum.
 *
 * Invariants (a violation aborts naming it): vrq_mem_add() returns exactly
 * the model's answer (-VRQ_EINVAL for a NULL va, size 0 or above
 * PTRDIFF_MAX, a DA or VA range past 2^64 or bad flags; else -VRQ_EEXIST for a reused id or a DA or VA
 * overlap; else -VRQ_ENOSPC when 16 regions exist; else 0); every lookup
 * (find_da, da_to_va, da_to_va_hint, va_to_da, region_by_id, ref) succeeds
 * exactly when the range lies in one registered region, and then returns
 * that region and the address inside it; refusals are NULL or -VRQ_ERANGE;
 * the table's entries equal the model's.
 */
#define _GNU_SOURCE
#include "fuzz_common.h"

#define FZ_NAME "fuzz_mem"

typedef unsigned __int128 u128;

enum {
	OP_INIT,   /* empty the map */
	OP_ADD,	   /* id, da, va, size, flags (each through a selector) */
	OP_FIND,   /* da, len: find_da, da_to_va, da_to_va_hint */
	OP_VA,	   /* va, len: va_to_da */
	OP_REF,	   /* id, off, len: region_by_id, ref */
	OP_HINT,   /* k: point the hint at region k (or NULL) */
	OP_N
};

struct model {
	unsigned n;
	uint64_t da[VRQ_MEM_MAX_REGIONS], size[VRQ_MEM_MAX_REGIONS], va[VRQ_MEM_MAX_REGIONS];
	uint32_t id[VRQ_MEM_MAX_REGIONS], flags[VRQ_MEM_MAX_REGIONS];
};

static int ov(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return (u128)a < (u128)b + bs && (u128)b < (u128)a + as;
}

/* [x, x + max(len, 1)) inside [base, base + size) */
static int inside(uint64_t x, uint64_t len, uint64_t base, uint64_t size)
{
	return x >= base && (u128)x + (len ? len : 1) <= (u128)base + size;
}

/* An address near something interesting: a region's start or end, the top
 * of the 64-bit space, small numbers, or anything. */
static uint64_t pick(struct fz_in *in, const struct model *m, int va)
{
	uint8_t sel = fz_u8(in);
	unsigned k = m->n ? (sel >> 3) % m->n : 0;
	int64_t delta = (int8_t)fz_u8(in);
	uint64_t base, size;

	if (!m->n && (sel & 7) < 4)
		sel = 4;
	base = va ? m->va[k] : m->da[k];
	size = m->size[k];
	switch (sel & 7) {
	case 0: /* around the start of region k */
		return base + (uint64_t)delta;
	case 1: /* around its end */
		return base + size + (uint64_t)delta;
	case 2: /* inside */
		return base + (size ? fz_u64(in) % size : 0);
	case 3: /* its end, then back a chosen amount */
		return base + size - fz_u16(in);
	case 4: /* the top of the space */
		return (uint64_t)0 - fz_u16(in);
	case 5: /* small */
		return (uint64_t)fz_u16(in) << (sel >> 4);
	default:
		return fz_u64(in);
	}
}

static uint64_t pick_len(struct fz_in *in, const struct model *m)
{
	uint8_t sel = fz_u8(in);
	unsigned k = m->n ? (sel >> 3) % m->n : 0;

	switch (sel & 7) {
	case 0:
		return 0;
	case 1:
		return 1 + (sel >> 3);
	case 2:
		return fz_u16(in);
	case 3: /* a region's size, give or take */
		return m->n ? m->size[k] + (uint64_t)(int64_t)(int8_t)fz_u8(in) : 1;
	case 4:
		return (uint64_t)0 - fz_u16(in);
	default:
		return fz_u64(in);
	}
}

static void check_table(const struct vrq_mem *mem, const struct model *m)
{
	unsigned i;

	FZ_CHECK(mem->n == m->n, "table holds %u regions, model %u", mem->n, m->n);
	for (i = 0; i < m->n; i++)
		FZ_CHECK(mem->r[i].da == m->da[i] && mem->r[i].size == m->size[i] &&
				 (uintptr_t)mem->r[i].va == m->va[i] && mem->r[i].id == m->id[i] &&
				 mem->r[i].flags == m->flags[i],
			 "region %u differs from the model", i);
}

static void op_add(struct vrq_mem *mem, struct model *m, struct fz_in *in)
{
	uint8_t isel = fz_u8(in);
	uint32_t id = (isel & 0x80) ? fz_u32(in) : (uint32_t)(isel % 24);
	uint64_t da = pick(in, m, 0), va = pick(in, m, 1), size = pick_len(in, m);
	uint32_t flags = fz_u8(in) % 3;
	int exp = 0, rc;
	unsigned i;

	if (!va || !size || size > (uint64_t)PTRDIFF_MAX || (u128)da + size > ((u128)1 << 64) ||
	    (u128)va + size > ((u128)1 << 64) || flags > VRQ_MEM_NONCOHERENT)
		exp = -VRQ_EINVAL;
	for (i = 0; !exp && i < m->n; i++)
		if (m->id[i] == id || ov(da, size, m->da[i], m->size[i]) ||
		    ov(va, size, m->va[i], m->size[i]))
			exp = -VRQ_EEXIST;
	if (!exp && m->n >= VRQ_MEM_MAX_REGIONS)
		exp = -VRQ_ENOSPC;
	rc = vrq_mem_add(mem, id, da, (void *)(uintptr_t)va, size, flags);
	if (fz_trace)
		printf("add id %u da 0x%llx va 0x%llx size 0x%llx -> %d\n", id,
		       (unsigned long long)da, (unsigned long long)va, (unsigned long long)size, rc);
	FZ_CHECK(rc == exp,
		 "add(id %u, da 0x%llx, va 0x%llx, size 0x%llx, flags %u) returned %d, expected %d",
		 id, (unsigned long long)da, (unsigned long long)va, (unsigned long long)size,
		 flags, rc, exp);
	if (!rc) {
		m->da[m->n] = da;
		m->va[m->n] = va;
		m->size[m->n] = size;
		m->id[m->n] = id;
		m->flags[m->n++] = flags;
	}
}

static void op_find(const struct vrq_mem *mem, const struct model *m, struct fz_in *in,
		    const struct vrq_mem_region **hint)
{
	uint64_t da = pick(in, m, 0), len = pick_len(in, m);
	const struct vrq_mem_region *r, *h0 = *hint;
	int want = -1;
	unsigned i;
	void *p;

	for (i = 0; i < m->n; i++)
		if (inside(da, len, m->da[i], m->size[i])) {
			FZ_CHECK(want < 0, "model: regions %d and %u overlap", want, i);
			want = (int)i;
		}
	r = vrq_mem_find_da(mem, da, len);
	FZ_CHECK(want < 0 ? r == NULL : r == &mem->r[want],
		 "find_da(0x%llx, 0x%llx) returned region %ld, expected %d",
		 (unsigned long long)da, (unsigned long long)len, r ? (long)(r - mem->r) : -1L, want);
	p = vrq_mem_da_to_va(mem, da, len);
	FZ_CHECK(want < 0 ? p == NULL
			  : (uintptr_t)p == m->va[want] + (da - m->da[want]),
		 "da_to_va(0x%llx, 0x%llx) = %p outside the model's region %d",
		 (unsigned long long)da, (unsigned long long)len, p, want);
	p = vrq_mem_da_to_va_hint(mem, da, len, hint);
	FZ_CHECK(want < 0 ? p == NULL && *hint == h0
			  : (uintptr_t)p == m->va[want] + (da - m->da[want]) &&
				    *hint == &mem->r[want],
		 "da_to_va_hint(0x%llx, 0x%llx) = %p (hint region %ld), model region %d",
		 (unsigned long long)da, (unsigned long long)len, p,
		 *hint ? (long)(*hint - mem->r) : -1L, want);
}

static void op_va(const struct vrq_mem *mem, const struct model *m, struct fz_in *in)
{
	uint64_t va = pick(in, m, 1), len = pick_len(in, m), da = 0x5a5a5a5a5a5a5a5aull;
	int want = -1, rc;
	unsigned i;

	for (i = 0; i < m->n; i++)
		if (inside(va, len, m->va[i], m->size[i])) {
			FZ_CHECK(want < 0, "model: VA regions %d and %u overlap", want, i);
			want = (int)i;
		}
	rc = vrq_mem_va_to_da(mem, (const void *)(uintptr_t)va, len, &da);
	FZ_CHECK(want < 0 ? rc == -VRQ_ERANGE && da == 0x5a5a5a5a5a5a5a5aull
			  : rc == 0 && da == m->da[want] + (va - m->va[want]),
		 "va_to_da(0x%llx, 0x%llx) returned %d da 0x%llx, model region %d",
		 (unsigned long long)va, (unsigned long long)len, rc, (unsigned long long)da,
		 want);
}

static void op_ref(const struct vrq_mem *mem, const struct model *m, struct fz_in *in)
{
	uint8_t isel = fz_u8(in);
	uint32_t id = (isel & 0x80) ? fz_u32(in) : (uint32_t)(isel % 24);
	uint64_t off = pick_len(in, m), len = pick_len(in, m), da = 1;
	const struct vrq_mem_region *r = vrq_mem_region_by_id(mem, id);
	void *va = (void *)1;
	int want = -1, rc;
	unsigned i;

	for (i = 0; i < m->n; i++)
		if (m->id[i] == id)
			want = (int)i;
	FZ_CHECK(want < 0 ? r == NULL : r == &mem->r[want], "region_by_id(%u): wrong region",
		 id);
	/* off + len inside the region; len 0 is a byte, as elsewhere */
	if (want >= 0 && !(off < m->size[want] && len <= m->size[want] - off))
		want = -1;
	rc = vrq_mem_ref(mem, id, off, len, &va, &da);
	FZ_CHECK(want < 0 ? rc == -VRQ_ERANGE && va == (void *)1 && da == 1
			  : rc == 0 && (uintptr_t)va == m->va[want] + off &&
				    da == m->da[want] + off,
		 "ref(id %u, off 0x%llx, len 0x%llx) returned %d, model region %d", id,
		 (unsigned long long)off, (unsigned long long)len, rc, want);
}

static void fz_run(const uint8_t *data, size_t n)
{
	static struct vrq_mem mem;
	static struct model m;
	const struct vrq_mem_region *hint = NULL;
	struct fz_in in = {data, n, 0};
	unsigned ops;

	vrq_mem_init(&mem);
	memset(&m, 0, sizeof(m));
	for (ops = 0; ops < FZ_MAX_OPS && fz_more(&in); ops++) {
		switch (fz_u8(&in) % OP_N) {
		case OP_INIT:
			vrq_mem_init(&mem);
			memset(&m, 0, sizeof(m));
			hint = NULL;
			break;
		case OP_ADD:
			op_add(&mem, &m, &in);
			break;
		case OP_FIND:
			op_find(&mem, &m, &in, &hint);
			break;
		case OP_VA:
			op_va(&mem, &m, &in);
			break;
		case OP_REF:
			op_ref(&mem, &m, &in);
			break;
		case OP_HINT: {
			uint8_t k = fz_u8(&in);

			hint = k < m.n ? &mem.r[k] : NULL;
			break;
		}
		}
		check_table(&mem, &m);
	}
}

/* ---- seeds ------------------------------------------------------------------ */

/* pick() encodings */
static void sb_raw(struct fz_sb *b, uint64_t v)
{
	sb_u8(b, 7);
	sb_u8(b, 0);
	sb_u64(b, v);
}

static void sb_rel(struct fz_sb *b, unsigned how, unsigned k, int delta)
{
	sb_u8(b, (how & 7) | (k << 3));
	sb_u8(b, (unsigned)delta & 0xff);
}

/* pick_len() encoding of an exact value */
static void sb_lraw(struct fz_sb *b, uint64_t v)
{
	sb_u8(b, 7);
	sb_u64(b, v);
}

static void sb_add(struct fz_sb *b, unsigned id, uint64_t da, uint64_t va, uint64_t size,
		   unsigned flags)
{
	sb_u8(b, OP_ADD);
	sb_u8(b, id);
	sb_raw(b, da);
	sb_raw(b, va);
	sb_lraw(b, size);
	sb_u8(b, flags);
}

static void sb_find(struct fz_sb *b, uint64_t da, uint64_t len)
{
	sb_u8(b, OP_FIND);
	sb_raw(b, da);
	sb_lraw(b, len);
}

static void fz_seeds(void (*emit)(const char *, const struct fz_sb *))
{
	static struct fz_sb b;
	unsigned i;

	/* two adjacent regions, lookups across the seam */
	b.n = 0;
	sb_add(&b, 1, 0x1000, 0x10000, 0x1000, 0);
	sb_add(&b, 2, 0x2000, 0x11000, 0x1000, 1);
	sb_find(&b, 0x1fff, 1);
	sb_find(&b, 0x1fff, 2);
	sb_find(&b, 0x2000, 0);
	sb_find(&b, 0x2000, 0x1000);
	sb_find(&b, 0x2000, 0x1001);
	sb_u8(&b, OP_VA);
	sb_rel(&b, 1, 0, -1);
	sb_lraw(&b, 2);
	sb_u8(&b, OP_REF);
	sb_u8(&b, 2);
	sb_lraw(&b, 0xfff);
	sb_lraw(&b, 1);
	emit("adjacent", &b);

	/* overlaps in DA and in VA, a reused id: VRQ_EEXIST */
	b.n = 0;
	sb_add(&b, 1, 0x1000, 0x10000, 0x1000, 0);
	sb_add(&b, 2, 0x1800, 0x20000, 0x1000, 0);
	sb_add(&b, 3, 0x8000, 0x10fff, 0x10, 0);
	sb_add(&b, 1, 0x9000, 0x30000, 0x10, 0);
	sb_add(&b, 4, 0x0, 0x40000, 0x1001, 0);
	emit("overlap_and_id", &b);

	/* ranges that reach 2^64 exactly, and ones that wrap: VRQ_EINVAL */
	b.n = 0;
	sb_add(&b, 1, 0xfffffffffffff000ull, 0x10000, 0x1000, 0);
	sb_add(&b, 2, 0xfffffffffffff000ull, 0x20000, 0x1001, 0);
	sb_add(&b, 3, 0x1000, 0xffffffffffff0000ull, 0x10000, 0);
	sb_add(&b, 4, 0x3000, 0xffffffffffff0000ull, 0x10001, 0);
	sb_find(&b, 0xffffffffffffffffull, 1);
	sb_find(&b, 0xffffffffffffffffull, 2);
	sb_find(&b, 0xfffffffffffff000ull, 0xffffffffffffffffull);
	sb_u8(&b, OP_VA);
	sb_raw(&b, 0xffffffffffffffffull);
	sb_lraw(&b, 1);
	emit("top_of_space", &b);

	/* zero size, NULL va, bad flags: VRQ_EINVAL; len 0 lookups */
	b.n = 0;
	sb_add(&b, 5, 0x0, 0x1000, 0x8000000000000000ull, 0); /* regression: > PTRDIFF_MAX */
	sb_find(&b, 0x7000000000000000ull, 1);
	sb_add(&b, 1, 0x1000, 0x10000, 0, 0);
	sb_add(&b, 2, 0x1000, 0, 0x10, 0);
	sb_add(&b, 3, 0x1000, 0x10000, 0x10, 2);
	sb_add(&b, 4, 0x1000, 0x10000, 0x10, 0);
	sb_find(&b, 0x1010, 0);
	sb_find(&b, 0x100f, 0);
	emit("zero_and_null", &b);

	/* seventeen regions: the last is VRQ_ENOSPC; hints across them */
	b.n = 0;
	for (i = 0; i < 17; i++)
		sb_add(&b, i, 0x100000ull * (i + 1), 0x1000000ull * (i + 1), 0x1000, i & 1);
	for (i = 0; i < 17; i++) {
		sb_u8(&b, OP_HINT);
		sb_u8(&b, (i * 5) % 17);
		sb_find(&b, 0x100000ull * (i + 1) + 0xff0, 0x10 + (i & 1));
	}
	sb_u8(&b, OP_INIT);
	sb_add(&b, 0, 0x100000ull, 0x1000000ull, 0x1000, 0);
	emit("full_table_hints", &b);
}

#include "fuzz_main.h"
