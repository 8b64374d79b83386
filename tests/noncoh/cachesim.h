/* SPDX-License-Identifier: MIT */
/*
 * tests/noncoh/cachesim.h - a cache simulator for the non-coherent domain.
 *
 * Memory is one byte array.  Each side (driver, device) sees it through its
 * own private "cache": a full copy (its view) plus, per line, the bytes it
 * last fetched (its snapshot).  The ring code of a side is initialised over
 * that side's view, so its plain loads and stores hit its cache only; what
 * reaches memory, and what it sees of the other side, goes through the two
 * maintenance operations the ring calls (barrier.h routes them here when
 * built with VRQ_TEST_CACHE_SIM):
 *   clean(p, len)  every line of the range that is dirty (its view differs
 *                  from its snapshot) is written back whole, stale bytes
 *                  included, as hardware writes back a dirty line;
 *   inval(p, len)  every line is written back if dirty (clflush, DC CIVAC:
 *                  the ops vrq uses all clean first), then refetched.
 * Refetching at the invalidate is a legal hardware behaviour (a prefetch
 * right after it) and the most stale one.  Optionally ("chaos") each call
 * also evicts a random line of the caller's view at random: a dirty line
 * written back early, a clean one refetched, as real caches do at any time.
 *
 * Every call carries its site (file:line of the ring code).  Sites are
 * recorded, and one site can be switched off: the mutation that shows the
 * operation at that site is needed.
 */
#ifndef VRQ_CACHESIM_H
#define VRQ_CACHESIM_H

#include <stddef.h>
#include <stdint.h>

#define CSIM_MAX_SITES 128

/* Create memory of @p size bytes (a multiple of @p line) and @p nviews views. */
int csim_init(size_t size, size_t line, unsigned nviews);
void csim_fini(void);
/* Fill memory, every view and every snapshot with @p byte (cold, clean caches). */
void csim_fill(uint8_t byte);
uint8_t *csim_view(unsigned v);
uint8_t *csim_mem(void);
size_t csim_size(void);

/* Chaos: each call evicts one random line of the caller's view with
 * probability permille / 1000 (0 = off).  Per-thread random state. */
void csim_set_chaos(unsigned permille);

/* Switch off every operation at @p site (NULL: none). */
void csim_disable_site(const char *site);

/* Sites seen so far (recording is always on). */
unsigned csim_sites(const char **out, unsigned max);
/* Operations performed / skipped by a disabled site / lines written back. */
struct csim_stats {
	unsigned long cleans, invals, skipped, writebacks, refetches, evictions;
};
void csim_get_stats(struct csim_stats *s);

#endif /* VRQ_CACHESIM_H */
