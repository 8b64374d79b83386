/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "progress.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "clock.h"

#define VB_PROGRESS_PERIOD_NS 100000000ull	/* 10 redraws per second */

static struct {
	bool on, drawn;
	char label[96];
	uint64_t total, t0, last;
} vb_pg;

static unsigned vb_term_cols(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

static void vb_progress_draw(uint64_t done)
{
	char tail[64], bar[128];
	unsigned cols = vb_term_cols(), width, fill, i;
	double el = (double)(vb_mono_ns() - vb_pg.t0) * 1e-9;
	int lablen = (int)strlen(vb_pg.label);

	/* keep the line shorter than the terminal: a wrapped line cannot be
	 * redrawn with \r */
	if (lablen > (int)cols - 30)
		lablen = (int)cols - 30 > 0 ? (int)cols - 30 : 0;
	if (vb_pg.total) {
		double frac = done >= vb_pg.total ? 1.0 : (double)done / (double)vb_pg.total;

		snprintf(tail, sizeof(tail), " %3.0f%% %6.1f s", frac * 100.0, el);
		/* label, space, [bar], tail; leave the last column free so the
		 * terminal never wraps */
		width = cols > (unsigned)lablen + strlen(tail) + 4 ?
				cols - (unsigned)lablen - (unsigned)strlen(tail) - 4 : 0;
		if (width > sizeof(bar) - 1)
			width = sizeof(bar) - 1;
		fill = (unsigned)(frac * width);
		for (i = 0; i < width; i++)
			bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
		bar[width] = '\0';
		fprintf(stderr, "\r%.*s [%s]%s\033[K", lablen, vb_pg.label, bar, tail);
	} else {
		fprintf(stderr, "\r%.*s %" PRIu64 " %6.1f s\033[K", lablen, vb_pg.label, done, el);
	}
	fflush(stderr);
	vb_pg.drawn = true;
}

void vb_progress_start(const char *label, uint64_t total_units)
{
	memset(&vb_pg, 0, sizeof(vb_pg));
	vb_pg.on = isatty(STDERR_FILENO) == 1;
	if (!vb_pg.on)
		return;
	snprintf(vb_pg.label, sizeof(vb_pg.label), "%s", label ? label : "");
	vb_pg.total = total_units;
	vb_pg.t0 = vb_mono_ns();
	vb_pg.last = vb_pg.t0;
	vb_progress_draw(0);
}

void vb_progress_update(uint64_t done)
{
	uint64_t now;

	if (!vb_pg.on)
		return;
	now = vb_mono_ns();
	if (now - vb_pg.last < VB_PROGRESS_PERIOD_NS)
		return;
	vb_pg.last = now;
	vb_progress_draw(done);
}

void vb_progress_end(void)
{
	if (vb_pg.on && vb_pg.drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	memset(&vb_pg, 0, sizeof(vb_pg));
}
