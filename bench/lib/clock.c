/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/clock.c - the TSC (vrq_cycles()) when it is invariant, else
 * CLOCK_MONOTONIC.
 *
 * x86_64: the TSC is used only when /proc/cpuinfo reports both constant_tsc
 * (fixed rate across P-states) and nonstop_tsc (keeps ticking in deep
 * C-states); without them a tick is not a fixed amount of time.  aarch64
 * (CNTVCT) and riscv64 (rdtime) counters are fixed-frequency by the
 * architecture.  The generic backend's counter is clock_gettime() already,
 * so it gains nothing.  VRQ_BENCH_CLOCK=clock_gettime in the environment
 * forces CLOCK_MONOTONIC (to compare, or on a host whose TSC misbehaves).
 *
 * Calibration: three ~16 ms windows against CLOCK_MONOTONIC; each endpoint
 * is the tightest of a few (mono, tsc, mono) brackets, the window with the
 * smallest bracket error wins, and the three must agree within 1% or the
 * TSC is not trusted.
 */
#define _GNU_SOURCE
#include "clock.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vrq/barrier.h"

#define VB_CAL_WINDOWS 3
#define VB_CAL_WINDOW_NS 16000000ull	/* 3 x 16 ms ~ the 50 ms budget */
#define VB_CAL_BRACKETS 7
#define VB_CAL_AGREE 0.01		/* windows must agree within 1% */
#define VB_MULT_SHIFT 32

static struct {
	bool use_tsc;
	uint64_t mult;		/* ns per tick, fixed point << VB_MULT_SHIFT */
	double ticks_per_ns;
} vb_clk = {
	.use_tsc = false,
	.mult = 1ull << VB_MULT_SHIFT,
	.ticks_per_ns = 1.0,
};

uint64_t vb_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t vb_ticks(void)
{
	/* one well-predicted branch: cheaper than an indirect call */
	return vb_clk.use_tsc ? vrq_cycles() : vb_mono_ns();
}

uint64_t vb_ticks_to_ns(uint64_t ticks)
{
#ifdef __SIZEOF_INT128__
	return (uint64_t)(((unsigned __int128)ticks * vb_clk.mult) >> VB_MULT_SHIFT);
#else
	uint64_t hi = ticks >> 32, lo = ticks & 0xffffffffull;

	return hi * vb_clk.mult + ((lo * vb_clk.mult) >> VB_MULT_SHIFT);
#endif
}

double vb_ticks_per_ns(void)
{
	return vb_clk.ticks_per_ns;
}

const char *vb_clock_source(void)
{
	return vb_clk.use_tsc ? "tsc" : "clock_gettime";
}

/* Does the "flags" line of /proc/cpuinfo list every word in @p want? */
static bool vb_cpuinfo_has_flags(const char *const *want, unsigned n)
{
	char line[8192];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *colon, *tok, *save = NULL;
		unsigned have = 0, i;
		bool seen[8] = {false};

		if (strncmp(line, "flags", 5) != 0 || !(colon = strchr(line, ':')))
			continue;
		for (tok = strtok_r(colon + 1, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			for (i = 0; i < n && i < 8; i++) {
				if (!seen[i] && strcmp(tok, want[i]) == 0) {
					seen[i] = true;
					have++;
				}
			}
		}
		found = have == n;
		break;		/* the first CPU speaks for all of them */
	}
	fclose(f);
	return found;
}

static bool vb_counter_invariant(void)
{
	static const char *const x86[] = {"constant_tsc", "nonstop_tsc"};

	if (strcmp(VRQ_ARCH_NAME, "generic") == 0)
		return false;	/* vrq_cycles() is clock_gettime() there */
	if (strcmp(VRQ_ARCH_NAME, "x86_64") == 0)
		return vb_cpuinfo_has_flags(x86, 2);
	return true;		/* CNTVCT / rdtime: fixed frequency by definition */
}

struct vb_cal_point {
	uint64_t ns, tsc, err;
};

/* The (mono, tsc) pair with the tightest mono bracket: an interrupt or a
 * preemption between the reads only widens that bracket, so it is dropped. */
static void vb_cal_sample(struct vb_cal_point *p)
{
	unsigned i;

	/* every field set before the loop: the first bracket always wins, but
	 * gcc -O3 cannot prove that (maybe-uninitialized in vb_cal_window) */
	p->ns = p->tsc = 0;
	p->err = UINT64_MAX;
	for (i = 0; i < VB_CAL_BRACKETS; i++) {
		uint64_t a = vb_mono_ns(), c = vrq_cycles(), b = vb_mono_ns();

		if (b - a < p->err) {
			p->err = b - a;
			p->ns = a + (b - a) / 2;
			p->tsc = c;
		}
	}
}

static void vb_sleep_until(uint64_t deadline_ns)
{
	uint64_t now;

	while ((now = vb_mono_ns()) < deadline_ns) {
		struct timespec ts = {
			.tv_sec = (time_t)((deadline_ns - now) / 1000000000ull),
			.tv_nsec = (long)((deadline_ns - now) % 1000000000ull),
		};

		nanosleep(&ts, NULL);	/* EINTR: loop and sleep the rest */
	}
}

static int vb_cal_window(double *tpn, uint64_t *err)
{
	struct vb_cal_point a, b;

	vb_cal_sample(&a);
	vb_sleep_until(a.ns + VB_CAL_WINDOW_NS);
	vb_cal_sample(&b);
	if (b.ns <= a.ns || b.tsc <= a.tsc)
		return -1;
	*tpn = (double)(b.tsc - a.tsc) / (double)(b.ns - a.ns);
	*err = a.err + b.err;
	return 0;
}

int vb_clock_init(void)
{
	double tpn[VB_CAL_WINDOWS], best = 0, lo, hi;
	uint64_t err, best_err = UINT64_MAX;
	const char *force = getenv("VRQ_BENCH_CLOCK");
	struct timespec ts;
	unsigned i;

	vb_clk.use_tsc = false;
	vb_clk.mult = 1ull << VB_MULT_SHIFT;
	vb_clk.ticks_per_ns = 1.0;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return -1;
	if (force && strcmp(force, "tsc") != 0)
		return 0;
	if (!vb_counter_invariant())
		return 0;

	for (i = 0; i < VB_CAL_WINDOWS; i++) {
		if (vb_cal_window(&tpn[i], &err) != 0)
			return 0;
		if (err < best_err) {
			best_err = err;
			best = tpn[i];
		}
	}
	lo = hi = tpn[0];
	for (i = 1; i < VB_CAL_WINDOWS; i++) {
		lo = fmin(lo, tpn[i]);
		hi = fmax(hi, tpn[i]);
	}
	/* 1 MHz .. 100 GHz, and a rate that holds still between windows */
	if (!(best > 0.001 && best < 100.0) || (hi - lo) / best > VB_CAL_AGREE)
		return 0;

	vb_clk.ticks_per_ns = best;
	vb_clk.mult = (uint64_t)llround(ldexp(1.0 / best, VB_MULT_SHIFT));
	vb_clk.use_tsc = true;
	return 0;
}
