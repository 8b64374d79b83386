/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/rr.h - the contract every measured mechanism implements, vrq's
 * own modes and the baselines alike, so they share placement, timing and
 * the histogram.
 *
 * rr:     TCP_RR-style transactions: side 0 (the client) sends a request of
 *         req bytes, side 1 (the server) answers with resp bytes; one
 *         transaction = one round trip, timed by the client.
 * stream: one-way; side 0 produces msg-byte items in batches of `batch`,
 *         side 1 consumes them.
 * Both sides run on their own pinned thread (cpu[0], cpu[1]; -1 = no
 * pinning), or with procs in two processes sharing memory.  A run ends after duration_ns, or after max_trans transactions
 * (items for stream) when that is non-zero, whichever comes first.
 */
#ifndef VB_RR_H
#define VB_RR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

struct vb_params {
	int cpu[2];		/* client/producer, server/consumer; -1: unpinned */
	uint64_t duration_ns;	/* measured phase */
	uint64_t warmup_ns;	/* before the measured phase, not recorded */
	uint64_t max_trans;	/* 0 = duration only */
	size_t req, resp;	/* rr: request / response bytes (>= 1) */
	size_t msg;		/* stream: bytes per item */
	unsigned batch;		/* stream: items per batch (>= 1) */
	unsigned qsize;		/* ring/queue size where the mechanism has one */
	int numa_node;		/* -1: default placement; else memory on this node */
	bool lat_hist;		/* rr: record every round trip in the histogram */
	bool procs;		/* the two sides in two processes (shared memory) */
	bool hugepages;		/* shared memory on huge pages (falls back, says so) */
};

struct vb_result {
	uint64_t trans;		/* transactions (rr) or items (stream) measured */
	uint64_t bytes;		/* payload bytes moved (stream) */
	uint64_t elapsed_ns;	/* measured phase, wall clock */
	double cpu_s;		/* CPU seconds (user+sys) of both sides over the phase */
	uint64_t notifications;	/* doorbells/syscalls that signal the peer (both directions) */
	uint64_t interrupts;	/* wake-ups received (both directions) */
	struct vb_hist hist;	/* rr: round trip in ns, one sample per transaction */
};

typedef int (*vb_run_fn)(const struct vb_params *p, struct vb_result *r);

/* A baseline mechanism: rr and/or stream may be NULL when not applicable. */
struct vb_baseline {
	const char *name;	/* CLI name: "floor", "spsc", "pipe", "socketpair",
				 * "eventfd", "futex", "tcp", "wfcq" */
	const char *desc;	/* one line for --help and the table */
	vb_run_fn rr;
	vb_run_fn stream;
	const char *priv;	/* the mechanism's own datum (ringtest: binary name) */
};

/* NULL-terminated table, bench/baselines/baselines.c */
extern const struct vb_baseline *const vb_baselines[];
/* External programs run as stream baselines (Linux's tools/virtio/ringtest,
 * built outside this tree by scripts/ringtest.sh); NULL-terminated. */
extern const struct vb_baseline *const vb_ext_baselines[];
/* Either table, by name; NULL if unknown. */
const struct vb_baseline *vb_baseline_find(const char *name);
/* Where the ringtest binaries are looked for ($VRQ_RINGTEST_DIR or the
 * build-time default), and whether that baseline's binary is there. */
const char *vb_ringtest_dir(void);
bool vb_ringtest_available(const char *baseline_name);

#endif /* VB_RR_H */
