/* SPDX-License-Identifier: MIT */
/*
 * bench/gbench/micro.h - the table of micro-benchmark bodies (C) that
 * shim.cc registers with Google Benchmark.  All the logic lives in the C
 * bodies (micro.c); the shim only loops over the table.
 *
 * Timing model (one approach for every body):
 *  - One Google Benchmark iteration is one operation (one buffer added,
 *    popped, pushed, completed, one translation, one round trip...), so the
 *    reported time is per operation and items_per_second is ops/s.
 *  - The shim hands the whole batch to run(ctx, ops, &t) once
 *    (KeepRunningBatch).  The body works in rounds of at most 128 ops: per
 *    round it prepares the ring untimed (e.g. adds the buffers a pop
 *    benchmark pops), times only the round's ops (CLOCK_MONOTONIC for ns,
 *    vrq_cycles() for ticks, both read once before and once after), then
 *    restores the ring untimed (pushes and completes everything).  Refills
 *    therefore never show in the numbers, and the clock reads cost about
 *    50 ns per round, < 0.5 ns per op (the `floor` body measures exactly
 *    this overhead).
 *  - The shim reports t.ns through SetIterationTime (UseManualTime) and
 *    t.cycles as a per-op counter.  Google Benchmark's CPU column still
 *    covers the whole run, untimed refills included: read Time, cycles/op
 *    and items_per_second.
 *
 * Every body leaves the ring empty after each round (everything added was
 * popped, pushed and completed) and abort()s with a message on any
 * unexpected return code: a benchmark of a broken path means nothing.
 */
#ifndef VRQ_MICRO_H
#define VRQ_MICRO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Ring-kind bits of vrq_micro.kinds: bit VRQ_RING_SPLIT / VRQ_RING_PACKED. */
#define VRQ_MICRO_SPLIT (1u << 0)
#define VRQ_MICRO_PACKED (1u << 1)
#define VRQ_MICRO_BOTH (VRQ_MICRO_SPLIT | VRQ_MICRO_PACKED)

/** What one registered instance runs with. */
struct vrq_micro_arg {
	unsigned kind; /**< VRQ_RING_SPLIT or VRQ_RING_PACKED; 0 when kinds == 0 */
};

/** Time spent in the timed parts of a run (accumulated by run()). */
struct vrq_micro_time {
	uint64_t ns;	 /**< CLOCK_MONOTONIC nanoseconds */
	uint64_t cycles; /**< vrq_cycles() ticks (TSC on x86: reference cycles) */
};

struct vrq_micro {
	const char *name; /**< verb; registered as "<ring>/<name>" or "<name>" */
	const char *what; /**< one line: what one op is */
	unsigned kinds;	  /**< VRQ_MICRO_* bits; 0 = does not use a ring */
	const void *priv; /**< body parameters, for setup() */
	/** Allocate and warm up a context.  0 or a negative code. */
	int (*setup)(void **ctx, const struct vrq_micro *m, const struct vrq_micro_arg *a);
	/** Run @p ops operations, adding the timed parts to *t. */
	void (*run)(void *ctx, uint64_t ops, struct vrq_micro_time *t);
	/** Check the ring is consistent (abort() if not) and free. */
	void (*teardown)(void *ctx);
};

extern const struct vrq_micro vrq_micros[];
extern const unsigned vrq_micro_count;

/** Benchmark name of @p m run with @p kind into @p buf; snprintf's return. */
int vrq_micro_name(const struct vrq_micro *m, unsigned kind, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* VRQ_MICRO_H */
