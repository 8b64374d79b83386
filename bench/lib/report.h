/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/report.h - results of a vrq-bench run as JSON (schema
 * "vrq-bench/1", see SCHEMA.md) and CSV.
 *
 * A report is a header (host, build, clock, placement, argv) and a list of
 * records; one record is one measured point: a mechanism ("vrq-split",
 * "baseline:eventfd"), its parameters, and per-repetition metrics with
 * their median/min/max, an optional latency histogram, counters, the
 * repetitions used/discarded and the disturbance seen.
 *
 *   struct vb_report *r = vb_report_new("rr", argc, argv);
 *   vb_report_set_placement(r, cpu[0], cpu[1], node, "same-l3", "threads");
 *   struct vb_record *rec = vb_report_add(r, "vrq-split");
 *   vb_record_param_int(rec, "req", 64);
 *   vb_record_metric(rec, "trans_per_s", "1/s", tps, nrep);
 *   vb_record_hist(rec, "latency_ns", &merged);
 *   vb_record_counter(rec, "notifications", n);
 *   vb_record_reps(rec, nrep, discarded);
 *   vb_report_write_json(r, "out.json");
 *   vb_report_free(r);
 *
 * Setters return 0 or a negative errno; the first failure is also kept and
 * returned by vb_report_error(), so a caller may check once at the end.
 * Not thread-safe: fill a report from one thread.
 */
#ifndef VB_REPORT_H
#define VB_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"

#define VB_REPORT_SCHEMA "vrq-bench/1"

struct vb_report;
struct vb_record;
struct vb_hist;
struct vb_cpuload;

/**
 * New report for @p mode ("rr", "stream", ...): captures the command line,
 * system information and a one-line topology summary (hwloc).  The clock
 * source is read when the report is written, so vb_clock_init() may come
 * later.  NULL when out of memory.
 */
struct vb_report *vb_report_new(const char *mode, int argc, char *const argv[]);
void vb_report_free(struct vb_report *r);

/** Where the peers ran: CPUs (-1: unpinned), NUMA node of the shared memory
 *  (-1: default), placement name ("same-l3", "manual", ...) and "threads"
 *  or "procs".  Defaults: -1, -1, -1, "none", "threads". */
int vb_report_set_placement(struct vb_report *r, int cpu0, int cpu1, int numa_node,
			    const char *placement, const char *threads_or_procs);
/** First error of any setter, or NULL. */
const char *vb_report_error(const struct vb_report *r);
/** Number of records added so far. */
unsigned vb_report_nrecords(const struct vb_report *r);

/** Append a record for @p mechanism; its mode is the report's.  The record
 *  lives as long as the report.  NULL when out of memory. */
struct vb_record *vb_report_add(struct vb_report *r, const char *mechanism);
/** Override the record's mode (a run mixing modes). */
int vb_record_mode(struct vb_record *rec, const char *mode);

/** Parameters of the point (key/value; setting a key again replaces it). */
int vb_record_param_str(struct vb_record *rec, const char *key, const char *val);
int vb_record_param_int(struct vb_record *rec, const char *key, long long val);
int vb_record_param_double(struct vb_record *rec, const char *key, double val);

/**
 * A metric measured once per repetition: stores @p per_rep[0..nrep) and
 * their median/min/max and bimodality hint (stats.h).  Values must be
 * finite and >= 0 (-EINVAL otherwise, nothing stored).  @p unit is free
 * text ("1/s", "ns", "B/s", "cpu-s"); rates should contain "/s", which is
 * how bench/plot picks the throughput metric.
 */
int vb_record_metric(struct vb_record *rec, const char *key, const char *unit,
		     const double *per_rep, unsigned nrep);
/** Median/min/max of a metric stored with vb_record_metric().  0 or -ENOENT. */
int vb_record_summary(const struct vb_record *rec, const char *key, struct vb_summary *out);

/**
 * Summary of a histogram under @p key (conventionally "latency_ns"):
 * count, min, mean, p50, p90, p99, p999, max and the non-empty buckets as
 * [lower bound, count] pairs.  @p key must not be one of the record's own
 * members (mechanism, mode, params, metrics, counters, reps, disturbance).
 */
int vb_record_hist(struct vb_record *rec, const char *key, const struct vb_hist *h);
/** An event count: conventionally "trans", "notifications", "interrupts",
 *  "bytes" (the vb_result fields summed over the used repetitions). */
int vb_record_counter(struct vb_record *rec, const char *key, uint64_t val);
/** Repetitions kept for the summary and thrown away (warm-up, disturbed). */
int vb_record_reps(struct vb_record *rec, unsigned used, unsigned discarded);
/** CPU disturbance of @p n repetitions (cpuload.h): per-rep others_frac and
 *  steal_frac, their maximum, the threshold and whether any exceeded it. */
int vb_record_disturbance(struct vb_record *rec, const struct vb_cpuload *per_rep, unsigned n,
			  double threshold);

/** Write the report as indented JSON to @p path ("-": stdout), through a
 *  temporary file and rename().  0 or -errno (-EIO from jansson). */
int vb_report_write_json(const struct vb_report *r, const char *path);
/** CSV, one row per record x metric:
 *  mode,mechanism,<every param key seen>,metric,unit,median,min,max,n */
int vb_report_write_csv(const struct vb_report *r, FILE *f);

/**
 * Load @p path and check it against the schema (SCHEMA.md): required
 * fields and types, numbers finite and >= 0 where they are measurements,
 * min <= median <= max, min <= p50 <= p90 <= p99 <= p999 <= max, buckets
 * summing to count.  Returns 0, or -1 with a one-line message naming the
 * offending field in @p err ("records[0].latency_ns: p99 (90) < p90 (120)").
 */
int vb_report_validate_file(const char *path, char *err, size_t err_len);

#endif /* VB_REPORT_H */
