/* SPDX-License-Identifier: MIT */
/*
 * tests/noncoh/cachesim.c - see cachesim.h.  One mutex serialises every
 * operation: memory is shared, but each view and snapshot is touched only by
 * the thread that owns that side, from inside these calls or by its own
 * ring code.
 */
#include "cachesim.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSIM_MAX_VIEWS 4

static struct {
	uint8_t *mem;
	uint8_t *view[CSIM_MAX_VIEWS];
	uint8_t *snap[CSIM_MAX_VIEWS];
	size_t size, line;
	unsigned nviews;
	const char *disabled;
	const char *sites[CSIM_MAX_SITES];
	unsigned nsites;
	unsigned chaos;
	struct csim_stats st;
	pthread_mutex_t lock;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local uint64_t rnd_state;

static uint64_t rnd(void)
{
	if (!rnd_state)
		rnd_state = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&rnd_state;
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

int csim_init(size_t size, size_t line, unsigned nviews)
{
	unsigned v;

	if (!line || (line & (line - 1)) || size % line || nviews > CSIM_MAX_VIEWS)
		return -1;
	g.size = size;
	g.line = line;
	g.nviews = nviews;
	g.mem = aligned_alloc(4096, size);
	if (!g.mem)
		return -1;
	for (v = 0; v < nviews; v++) {
		g.view[v] = aligned_alloc(4096, size);
		g.snap[v] = aligned_alloc(4096, size);
		if (!g.view[v] || !g.snap[v])
			return -1;
	}
	return 0;
}

void csim_fini(void)
{
	unsigned v;

	for (v = 0; v < g.nviews; v++) {
		free(g.view[v]);
		free(g.snap[v]);
		g.view[v] = g.snap[v] = NULL;
	}
	free(g.mem);
	g.mem = NULL;
	g.nviews = 0;
}

void csim_fill(uint8_t byte)
{
	unsigned v;

	pthread_mutex_lock(&g.lock);
	memset(g.mem, byte, g.size);
	for (v = 0; v < g.nviews; v++) {
		memset(g.view[v], byte, g.size);
		memset(g.snap[v], byte, g.size);
	}
	pthread_mutex_unlock(&g.lock);
}

uint8_t *csim_view(unsigned v)
{
	return v < g.nviews ? g.view[v] : NULL;
}

uint8_t *csim_mem(void)
{
	return g.mem;
}

size_t csim_size(void)
{
	return g.size;
}

void csim_set_chaos(unsigned permille)
{
	g.chaos = permille;
}

void csim_disable_site(const char *site)
{
	g.disabled = site;
}

unsigned csim_sites(const char **out, unsigned max)
{
	unsigned i, n;

	pthread_mutex_lock(&g.lock);
	n = g.nsites < max ? g.nsites : max;
	for (i = 0; i < n; i++)
		out[i] = g.sites[i];
	pthread_mutex_unlock(&g.lock);
	return n;
}

void csim_get_stats(struct csim_stats *s)
{
	pthread_mutex_lock(&g.lock);
	*s = g.st;
	pthread_mutex_unlock(&g.lock);
}

/* The view holding p, or abort: the ring must never maintain memory that
 * is not shared (a bug the simulator exists to catch). */
static unsigned view_of(const void *p, size_t len, const char *site)
{
	uintptr_t a = (uintptr_t)p;
	unsigned v;

	for (v = 0; v < g.nviews; v++) {
		uintptr_t b = (uintptr_t)g.view[v];

		if (a >= b && a - b <= g.size && len <= g.size - (a - b))
			return v;
	}
	fprintf(stderr, "cachesim: %s maintains %p+%zu outside every view\n", site, p, len);
	abort();
}

static void record(const char *site)
{
	unsigned i;

	for (i = 0; i < g.nsites; i++)
		if (!strcmp(g.sites[i], site))
			return;
	if (g.nsites < CSIM_MAX_SITES)
		g.sites[g.nsites++] = site;
}

static void writeback(unsigned v, size_t off)
{
	if (memcmp(g.view[v] + off, g.snap[v] + off, g.line)) {
		memcpy(g.mem + off, g.view[v] + off, g.line);
		memcpy(g.snap[v] + off, g.view[v] + off, g.line);
		g.st.writebacks++;
	}
}

static void refetch(unsigned v, size_t off)
{
	memcpy(g.view[v] + off, g.mem + off, g.line);
	memcpy(g.snap[v] + off, g.mem + off, g.line);
	g.st.refetches++;
}

static void chaos(unsigned v)
{
	size_t off;

	if (!g.chaos || rnd() % 1000 >= g.chaos)
		return;
	off = (size_t)(rnd() % (g.size / g.line)) * g.line;
	writeback(v, off);
	refetch(v, off);
	g.st.evictions++;
}

static void op(const void *p, size_t len, const char *site, int inval)
{
	unsigned v;
	size_t off, end;

	if (!len)
		return;
	pthread_mutex_lock(&g.lock);
	v = view_of(p, len, site);
	record(site);
	if (g.disabled && !strcmp(site, g.disabled)) {
		g.st.skipped++;
		goto out;
	}
	off = ((uintptr_t)p - (uintptr_t)g.view[v]) & ~(g.line - 1);
	end = (uintptr_t)p - (uintptr_t)g.view[v] + len;
	for (; off < end; off += g.line) {
		writeback(v, off);
		if (inval)
			refetch(v, off);
	}
	if (inval)
		g.st.invals++;
	else
		g.st.cleans++;
out:
	chaos(v);
	pthread_mutex_unlock(&g.lock);
}

/* ---- the hooks barrier.h calls with VRQ_TEST_CACHE_SIM -------------------- */

void vrq_test_cache_clean(const void *p, size_t len, const char *site)
{
	op(p, len, site, 0);
}

void vrq_test_cache_inval(const void *p, size_t len, const char *site)
{
	op(p, len, site, 1);
}

size_t vrq_test_cache_line(void)
{
	return g.line ? g.line : 64;
}
