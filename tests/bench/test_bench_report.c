/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/report: build a report, write JSON, validate it; then corrupt
 * it in several ways and check each is rejected with a message naming the
 * problem.  Also the CSV output and the setters' error reporting.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "cpuload.h"
#include "hist.h"
#include "report.h"

#include "vrq_test.h"

static char path[256], path2[256];

static int tmpname(char *buf, size_t len, const char *tag)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(buf, len, "%s/vb-report-%s-XXXXXX", dir && dir[0] ? dir : "/tmp", tag);
	fd = mkstemp(buf);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int build(void)
{
	static char *argv[] = {"vrq-bench", "rr", "--reps", "3", NULL};
	const double tps[] = {1.5e6, 1.52e6, 1.49e6}, cpu[] = {1.9, 2.0, 1.95};
	const double neg[] = {1, -2};
	struct vb_cpuload load[3];
	struct vb_summary s;
	struct vb_report *r;
	struct vb_record *rec;
	struct vb_hist *h = malloc(sizeof(*h));
	uint64_t v;
	FILE *f;
	char line[512];
	int rows = 0, i;

	CHECK(h);
	vb_hist_init(h);
	for (v = 1000; v < 50000; v += 7)
		vb_hist_add(h, v);
	memset(load, 0, sizeof(load));
	for (i = 0; i < 3; i++) {
		load[i].ok = true;
		load[i].others_frac = 0.01 * i;	/* the last one is over 2% */
	}

	r = vb_report_new("rr", 4, argv);
	CHECK(r);
	CHECK(vb_report_set_placement(r, 0, 1, -1, "cross-l3", "threads") == 0);
	CHECK(vb_report_set_placement(r, 0, 1, -1, "cross-l3", "fibers") == -EINVAL);
	CHECK(vb_report_error(r) && strstr(vb_report_error(r), "fibers"));

	rec = vb_report_add(r, "vrq-split");
	CHECK(rec);
	CHECK(vb_record_param_int(rec, "req", 64) == 0);
	CHECK(vb_record_param_int(rec, "batch", 1) == 0);
	CHECK(vb_record_param_str(rec, "ring", "split, event_idx") == 0);	/* CSV quoting */
	CHECK(vb_record_metric(rec, "trans_per_s", "1/s", tps, 3) == 0);
	CHECK(vb_record_metric(rec, "cpu_s", "cpu-s", cpu, 3) == 0);
	CHECK(vb_record_metric(rec, "bad", "x", neg, 2) == -EINVAL);
	CHECK(vb_record_hist(rec, "latency_ns", h) == 0);
	CHECK(vb_record_hist(rec, "params", h) == -EINVAL);
	CHECK(vb_record_counter(rec, "trans", 4500000) == 0);
	CHECK(vb_record_counter(rec, "notifications", 9000000) == 0);
	CHECK(vb_record_reps(rec, 3, 1) == 0);
	CHECK(vb_record_disturbance(rec, load, 3, VB_CPULOAD_THRESHOLD) == 0);
	CHECK(vb_record_summary(rec, "trans_per_s", &s) == 0);
	CHECK(s.median == 1.5e6 && s.min == 1.49e6 && s.max == 1.52e6 && s.n == 3);
	CHECK(vb_record_summary(rec, "nope", &s) == -ENOENT);

	rec = vb_report_add(r, "baseline:eventfd");
	CHECK(rec);
	CHECK(vb_record_mode(rec, "stream") == 0);
	CHECK(vb_record_param_int(rec, "batch", 16) == 0);
	CHECK(vb_record_param_double(rec, "load", 0.5) == 0);
	CHECK(vb_record_metric(rec, "trans_per_s", "1/s", tps, 2) == 0);
	vb_hist_init(h);	/* an empty histogram is valid too */
	CHECK(vb_record_hist(rec, "latency_ns", h) == 0);
	CHECK(vb_report_nrecords(r) == 2);

	CHECK(vb_report_write_json(r, path) == 0);
	f = fopen(path2, "w");
	CHECK(f);
	CHECK(vb_report_write_csv(r, f) == 0);
	fclose(f);
	vb_report_free(r);
	free(h);

	f = fopen(path2, "r");
	CHECK(f);
	CHECK(fgets(line, sizeof(line), f));
	CHECK(strcmp(line, "mode,mechanism,req,batch,ring,load,metric,unit,median,min,max,n\n") == 0);
	while (fgets(line, sizeof(line), f)) {
		rows++;
		if (rows == 1)
			CHECK(strcmp(line, "rr,vrq-split,64,1,\"split, event_idx\",,trans_per_s,1/s,"
					   "1500000,1490000,1520000,3\n") == 0);
	}
	fclose(f);
	CHECK(rows == 3);	/* 2 metrics + 1 metric */
	return 0;
}

/* Load the good file, apply @p edit, save, and expect rejection with a
 * message containing @p want. */
static int corrupt(const char *what, void (*edit)(json_t *root), const char *want)
{
	char err[512];
	json_t *root = json_load_file(path, 0, NULL);
	int rc;

	CHECK(root);
	edit(root);
	CHECK(json_dump_file(root, path2, JSON_INDENT(2)) == 0);
	json_decref(root);
	rc = vb_report_validate_file(path2, err, sizeof(err));
	if (rc != -1 || !strstr(err, want)) {
		fprintf(stderr, "%s: rc %d, message \"%s\", expected one containing \"%s\"\n",
			what, rc, err, want);
		CHECK(0);
	}
	printf("rejected (%s): %s\n", what, err);
	return 0;
}

static json_t *rec0(json_t *root)
{
	return json_array_get(json_object_get(root, "records"), 0);
}

static json_t *metric0(json_t *root)
{
	return json_object_get(json_object_get(rec0(root), "metrics"), "trans_per_s");
}

static void e_no_median(json_t *root)
{
	json_object_del(metric0(root), "median");
}

static void e_p99(json_t *root)
{
	json_t *l = json_object_get(rec0(root), "latency_ns");

	json_object_set_new(l, "p99", json_integer(json_integer_value(json_object_get(l, "p50")) - 1));
}

static void e_negative(json_t *root)
{
	json_array_set_new(json_object_get(metric0(root), "values"), 1, json_real(-5));
}

static void e_negative_counter(json_t *root)
{
	json_object_set_new(json_object_get(rec0(root), "counters"), "trans", json_integer(-1));
}

static void e_no_host(json_t *root)
{
	json_object_del(root, "host");
}

static void e_schema(json_t *root)
{
	json_object_set_new(root, "schema", json_string("vrq-bench/0"));
}

static void e_median_out(json_t *root)
{
	json_object_set_new(metric0(root), "median", json_real(2e6));
}

static void e_buckets(json_t *root)
{
	json_t *b = json_object_get(json_object_get(rec0(root), "latency_ns"), "buckets");

	json_array_remove(b, 0);
}

static void e_mech_type(json_t *root)
{
	json_object_set_new(rec0(root), "mechanism", json_integer(3));
}

static void e_min_p50(json_t *root)
{
	json_t *l = json_object_get(rec0(root), "latency_ns");

	json_object_set_new(l, "min", json_integer(json_integer_value(json_object_get(l, "p50")) + 1));
}

static void e_placement(json_t *root)
{
	json_object_set_new(json_object_get(root, "placement"), "mode", json_string("fibers"));
}

static int test_validate(void)
{
	char err[512];
	FILE *f;

	CHECK(vb_report_validate_file(path, err, sizeof(err)) == 0);
	corrupt("missing median", e_no_median, "records[0].metrics.trans_per_s.median: missing");
	corrupt("p99 < p50", e_p99, "p99");
	corrupt("negative value", e_negative, "negative");
	corrupt("negative counter", e_negative_counter, "counters.trans");
	corrupt("missing host", e_no_host, "host: missing");
	corrupt("wrong schema", e_schema, "schema");
	corrupt("median > max", e_median_out, "median");
	corrupt("bucket counts", e_buckets, "buckets");
	corrupt("mechanism type", e_mech_type, "mechanism: must be a string");
	corrupt("min > p50", e_min_p50, "p50");
	corrupt("placement mode", e_placement, "placement.mode");

	/* not JSON at all, and a missing file */
	f = fopen(path2, "w");
	CHECK(f);
	fputs("{\"schema\": \"vrq-bench/1\", ", f);
	fclose(f);
	CHECK(vb_report_validate_file(path2, err, sizeof(err)) == -1 && err[0]);
	printf("rejected (truncated): %s\n", err);
	unlink(path2);
	CHECK(vb_report_validate_file(path2, err, sizeof(err)) == -1 && err[0]);
	return 0;
}

int main(void)
{
	if (tmpname(path, sizeof(path), "json") || tmpname(path2, sizeof(path2), "aux")) {
		perror("mkstemp");
		return 1;
	}
	vb_clock_init();
	if (build() == 0)
		test_validate();
	unlink(path);
	unlink(path2);
	if (vrq_test_failures) {
		fprintf(stderr, "test_bench_report: %d failure(s)\n", vrq_test_failures);
		return 1;
	}
	printf("test_bench_report: ok\n");
	return 0;
}
