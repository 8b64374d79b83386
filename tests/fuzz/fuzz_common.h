/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_common.h - shared parts of the script fuzz targets in
 * tests/fuzz/: the script reader, guarded shared-memory areas, the
 * invariant failure, and a seed-script builder.
 *
 * A script is a byte string: a few header bytes (queue size, features,
 * placement), then operations, each an opcode byte followed by its
 * arguments.  Reading past the end yields zeros, so every byte string is a
 * valid script; the script ends when the bytes do (at most FZ_MAX_OPS
 * operations).
 *
 * Shared areas are mmap'd with a PROT_NONE page right before and right
 * after the pages that hold them (zero-filled for every script): an access
 * outside an area (by the library or by the harness) faults.  An area that is not a
 * whole number of pages sits at the end of its pages (an overrun faults at
 * once) or, when the script's placement bit says so, at their start (an
 * underrun faults at once).
 */
#ifndef VRQ_FUZZ_COMMON_H
#define VRQ_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vrq/vrq.h"

#define FZ_MAX_OPS 4096u

/* Device addresses of the areas a ring target registers (no bits shared
 * with local addresses, so a missed translation never looks right). */
#define FZ_RING_DA 0x100000000000ull
#define FZ_BUF_DA 0x200000000000ull
#define FZ_TBL_DA 0x300000000000ull
#define FZ_BUF_SIZE 4096u
#define FZ_TBL_SIZE 4096u

/* ---- invariant failure ------------------------------------------------------ */

static const char *fz_name = "fuzz";
static int fz_trace; /* replay: env VRQ_FUZZ_TRACE=1 prints each call's result */

/* A broken invariant: say which, then abort (libFuzzer reports a crash). */
__attribute__((noreturn, format(printf, 1, 2))) static void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: invariant violated: ", fz_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define FZ_CHECK(cond, ...)                                                                  \
	do {                                                                                 \
		if (!(cond))                                                                 \
			fz_fail(__VA_ARGS__);                                                \
	} while (0)

/* A peer error code (negative, in the peer range). */
static inline int fz_is_peer_rc(int rc)
{
	return rc < 0 && -rc >= VRQ_EPEER_FIRST && -rc < VRQ_EPEER_LAST;
}

/* Sum of the peer-error counters, with or without the non-fatal used len. */
static inline uint64_t fz_peer_sum(const uint64_t *peer_err, int skip_used_len)
{
	uint64_t s = 0;
	unsigned k;

	for (k = 0; k < VRQ_PEER_ERR_COUNT; k++)
		if (!skip_used_len || k != (unsigned)VRQ_PEER_ERR_IDX(VRQ_EUSED_LEN))
			s += peer_err[k];
	return s;
}

/* ---- script reader ----------------------------------------------------------- */

struct fz_in {
	const uint8_t *p;
	size_t n, off;
};

static inline int fz_more(const struct fz_in *in)
{
	return in->off < in->n;
}

static inline uint8_t fz_u8(struct fz_in *in)
{
	return in->off < in->n ? in->p[in->off++] : 0;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
	uint16_t v = fz_u8(in);

	return (uint16_t)(v | fz_u8(in) << 8);
}

static inline uint32_t fz_u32(struct fz_in *in)
{
	uint32_t v = fz_u16(in);

	return v | (uint32_t)fz_u16(in) << 16;
}

static inline uint64_t fz_u64(struct fz_in *in)
{
	uint64_t v = fz_u32(in);

	return v | (uint64_t)fz_u32(in) << 32;
}

/*
 * A device address, from a selector byte then a 16-bit offset (selectors
 * 0..3) or a raw 64-bit value (4): the buffer area (a little past its end
 * too), the indirect-table area, the descriptor area, or anything.
 */
static inline uint64_t fz_addr(struct fz_in *in, uint64_t ring_bytes)
{
	uint8_t sel = fz_u8(in) % 5;
	uint16_t off;

	if (sel == 4)
		return fz_u64(in);
	off = fz_u16(in);
	switch (sel) {
	case 0:
		return FZ_BUF_DA + off % (FZ_BUF_SIZE + 64);
	case 1:
		return FZ_TBL_DA + off % (FZ_TBL_SIZE + 64);
	case 2:
		return FZ_RING_DA + off % (ring_bytes + 64);
	default:
		return FZ_BUF_DA - 32 + off % 64;
	}
}

/* A length: mostly small, sometimes anything. */
static inline uint32_t fz_len(struct fz_in *in)
{
	uint8_t sel = fz_u8(in);

	return sel & 0x80 ? fz_u32(in) : (uint32_t)(sel & 0x7f) * 8u + (sel & 7);
}

/* ---- guarded areas ---------------------------------------------------------- */

struct fz_area {
	uint8_t *map;	/* whole mapping, guards included */
	size_t map_len;
	uint8_t *p;	/* the area */
	size_t len;
};

/*
 * Mappings are cached between scripts (mmap, mprotect and munmap for every
 * area of every script would cost more than the script): an unmapped area
 * goes back to the cache, and a later area of the same page count reuses
 * it, zero-filled again; the guard pages stay where they are.
 */
#define FZ_MAP_CACHE 12u

static struct {
	uint8_t *map;
	size_t map_len;
	int busy;
} fz_map_cache[FZ_MAP_CACHE];

/* Map @p len bytes (aligned to @p align, a power of two <= page) between two
 * PROT_NONE pages; at the start of the pages if @p at_start, else as close
 * to their end as @p align allows.  Zero-filled. */
static inline void fz_area_map(struct fz_area *a, size_t len, size_t align, int at_start)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), rw = (len + pg - 1) / pg * pg;
	unsigned i, free_slot = FZ_MAP_CACHE;

	if (!rw)
		rw = pg;
	a->map_len = rw + 2 * pg;
	a->map = NULL;
	for (i = 0; i < FZ_MAP_CACHE; i++) {
		if (fz_map_cache[i].busy)
			continue;
		if (fz_map_cache[i].map && fz_map_cache[i].map_len == a->map_len) {
			a->map = fz_map_cache[i].map;
			memset(a->map + pg, 0, rw);
			break;
		}
		if (free_slot == FZ_MAP_CACHE || !fz_map_cache[i].map)
			free_slot = i;
	}
	if (!a->map) {
		FZ_CHECK(free_slot < FZ_MAP_CACHE, "harness: more than %u areas", FZ_MAP_CACHE);
		i = free_slot;
		if (fz_map_cache[i].map)
			munmap(fz_map_cache[i].map, fz_map_cache[i].map_len);
		a->map = (uint8_t *)mmap(NULL, a->map_len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a->map == MAP_FAILED || mprotect(a->map, pg, PROT_NONE) ||
		    mprotect(a->map + pg + rw, pg, PROT_NONE)) {
			fprintf(stderr, "%s: mmap/mprotect failed\n", fz_name);
			abort();
		}
		fz_map_cache[i].map = a->map;
		fz_map_cache[i].map_len = a->map_len;
	}
	fz_map_cache[i].busy = 1;
	a->len = len;
	a->p = at_start ? a->map + pg : a->map + pg + ((rw - len) & ~(align - 1));
}

/* Give the area back (to the cache). */
static inline void fz_area_unmap(struct fz_area *a)
{
	unsigned i;

	for (i = 0; i < FZ_MAP_CACHE; i++)
		if (fz_map_cache[i].map == a->map)
			fz_map_cache[i].busy = 0;
	a->map = NULL;
}

/* A hostile peer's write of one byte anywhere in an area. */
static inline void fz_poke(struct fz_area *a, uint16_t off, uint8_t v)
{
	if (a->len)
		__atomic_store_n(&a->p[off % a->len], v, __ATOMIC_RELAXED);
}

/* The harness's own list of registered regions (independent of vrq_mem). */
struct fz_region {
	uint64_t da, size;
	const uint8_t *va;
};

/* Every byte of [da, da + len) in one region whose local copy starts at
 * @p va; both ends are touched so a bad pointer faults. */
static inline int fz_in_regions(const struct fz_region *r, unsigned n, uint64_t da, uint64_t len,
				const void *va)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (da < r[i].da || da - r[i].da >= r[i].size || len > r[i].size - (da - r[i].da))
			continue;
		if ((const uint8_t *)va != r[i].va + (da - r[i].da))
			return 0;
		if (len) {
			volatile const uint8_t *b = (volatile const uint8_t *)va;

			(void)b[0];
			(void)b[len - 1];
		}
		return 1;
	}
	return 0;
}

/* Check one popped chain: header, segment order and flags, lengths, and
 * every segment inside a registered region at the right local address. */
static inline void fz_check_chain(const struct vrq_chain *c, const struct fz_region *reg,
				  unsigned nreg, uint16_t size)
{
	uint64_t out = 0, in = 0;
	unsigned i;

	FZ_CHECK(c->head < size, "popped head %u >= size %u", c->head, size);
	FZ_CHECK(c->n >= 1 && c->n <= size && c->n <= c->cap,
		 "pop returned %u segments (queue size %u, cap %u)", c->n, size, c->cap);
	FZ_CHECK(c->n_out <= c->n, "n_out %u > n %u", c->n_out, c->n);
	FZ_CHECK(c->ndesc >= 1 && c->ndesc <= size, "chain used %u ring descriptors (size %u)",
		 c->ndesc, size);
	for (i = 0; i < c->n; i++) {
		const struct vrq_seg *s = &c->seg[i];

		FZ_CHECK((i < c->n_out) == !(s->flags & VRQ_SEG_WRITE) &&
				 !(s->flags & ~(uint32_t)(VRQ_SEG_WRITE | VRQ_SEG_NONCOH)),
			 "segment %u order/flags 0x%x", i, s->flags);
		if (s->flags & VRQ_SEG_WRITE)
			in += s->len;
		else
			out += s->len;
		FZ_CHECK(s->len ? s->va != NULL : s->va == NULL, "segment %u va/len", i);
		if (s->len)
			FZ_CHECK(fz_in_regions(reg, nreg, s->addr, s->len, s->va),
				 "segment %u [0x%llx +%u] outside every registered region", i,
				 (unsigned long long)s->addr, s->len);
	}
	FZ_CHECK(out == c->out_len && in == c->in_len && out + in <= UINT32_MAX,
		 "chain lengths out %llu/%u in %llu/%u", (unsigned long long)out, c->out_len,
		 (unsigned long long)in, c->in_len);
}

/* ---- seed builder ------------------------------------------------------------ */

struct fz_sb {
	uint8_t b[8192];
	size_t n;
};

static inline void sb_u8(struct fz_sb *s, unsigned v)
{
	if (s->n < sizeof(s->b))
		s->b[s->n++] = (uint8_t)v;
}

static inline void sb_u16(struct fz_sb *s, unsigned v)
{
	sb_u8(s, v & 0xff);
	sb_u8(s, (v >> 8) & 0xff);
}

static inline void sb_u32(struct fz_sb *s, uint32_t v)
{
	sb_u16(s, v & 0xffff);
	sb_u16(s, v >> 16);
}

static inline void sb_u64(struct fz_sb *s, uint64_t v)
{
	sb_u32(s, (uint32_t)v);
	sb_u32(s, (uint32_t)(v >> 32));
}

/* fz_addr() encodings */
static inline void sb_addr_buf(struct fz_sb *s, unsigned off)
{
	sb_u8(s, 0);
	sb_u16(s, off);
}

static inline void sb_addr_tbl(struct fz_sb *s, unsigned off)
{
	sb_u8(s, 1);
	sb_u16(s, off);
}

static inline void sb_addr_raw(struct fz_sb *s, uint64_t a)
{
	sb_u8(s, 4);
	sb_u64(s, a);
}

/* fz_len() encoding of an exact length */
static inline void sb_len(struct fz_sb *s, uint32_t v)
{
	sb_u8(s, 0x80);
	sb_u32(s, v);
}

#endif /* VRQ_FUZZ_COMMON_H */
