/* SPDX-License-Identifier: MIT */
/*
 * vrq-bench-validate - check vrq-bench JSON results against the schema,
 * and turn them into data tables for gnuplot (bench/plot).
 *
 *   vrq-bench-validate [-q] FILE...
 *       exit 0 when every FILE is valid, 1 (and one line per bad file on
 *       stderr) otherwise, 2 on usage errors.
 *   vrq-bench-validate --extract KIND [--metric NAME] [--hist KEY] FILE...
 *       print a whitespace-separated table on stdout.  Series are blocks
 *       separated by two blank lines (gnuplot "index"), each headed by a
 *       "# series: LABEL" comment; strings are double-quoted.
 *       tput-vs-batch    records with params.batch:
 *                        "label" batch median min max
 *                        metric: --metric, else the record's first metric
 *                        whose unit contains "/s"; first line
 *                        "# metric: NAME UNIT"
 *       latency-cdf      records with a non-empty histogram (--hist,
 *                        default latency_ns): value cumulative-fraction
 *       notif-per-trans  one block: "label" notifications/trans
 *                        interrupts/trans (metrics notif_per_trans /
 *                        intr_per_trans if present, else counters
 *                        notifications, interrupts over trans)
 *   A series label is the mechanism plus the parameters (and the mode)
 *   that vary between the records shown, prefixed by the file name when
 *   several files are given.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hist.h"
#include "report.h"

enum vb_kind_x { X_TPUT, X_CDF, X_NOTIF };

struct vb_item {
	json_t *rec;		/* borrowed from the file's root */
	const char *file;	/* basename without .json, NULL for one file */
	char label[512];
};

static void usage(FILE *f)
{
	fputs("usage: vrq-bench-validate [-q] FILE...\n"
	      "       vrq-bench-validate --extract tput-vs-batch|latency-cdf|notif-per-trans\n"
	      "                          [--metric NAME] [--hist KEY] FILE...\n",
	      f);
}

static void vb_value_str(json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
	else
		snprintf(buf, len, "-");
}

/* Does param @p key (or "mode" when key is NULL) differ among the items
 * that have it?  (Baselines lack the vrq parameters: that is not a
 * difference worth a label.) */
static bool vb_varies(struct vb_item *it, size_t n, const char *key)
{
	char a[128], b[128];
	json_t *x = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *y = key ? json_object_get(json_object_get(it[i].rec, "params"), key) :
				  json_object_get(it[i].rec, "mode");

		if (!y)
			continue;
		if (!x) {
			x = y;
			continue;
		}
		vb_value_str(x, a, sizeof(a));
		vb_value_str(y, b, sizeof(b));
		if (strcmp(a, b) != 0)
			return true;
	}
	return false;
}

static void vb_labels(struct vb_item *it, size_t n, const char *skip)
{
	bool mode = vb_varies(it, n, NULL);
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *params = json_object_get(it[i].rec, "params"), *v;
		size_t off = 0, len = sizeof(it[i].label);
		const char *key;
		char val[128];

		off += (size_t)snprintf(it[i].label, len, "%s%s%s", it[i].file ? it[i].file : "",
					it[i].file ? ": " : "",
					json_string_value(json_object_get(it[i].rec, "mechanism")));
		if (mode && off < len)
			off += (size_t)snprintf(it[i].label + off, len - off, " %s",
						json_string_value(json_object_get(it[i].rec, "mode")));
		json_object_foreach(params, key, v) {
			if ((skip && strcmp(key, skip) == 0) || !vb_varies(it, n, key) || off >= len)
				continue;
			vb_value_str(v, val, sizeof(val));
			/* "vrq-split-eventfd" already says ring=split notify=eventfd */
			if (json_is_string(v) &&
			    strstr(json_string_value(json_object_get(it[i].rec, "mechanism")), val))
				continue;
			off += (size_t)snprintf(it[i].label + off, len - off, " %s=%s", key, val);
		}
		/* labels are printed double-quoted: keep them one token */
		for (char *p = it[i].label; *p; p++)
			if (*p == '"' || *p == '\n')
				*p = '\'';
	}
}

static const char *vb_rate_metric(json_t *rec, const char *want)
{
	json_t *metrics = json_object_get(rec, "metrics"), *m;
	const char *key;

	if (want)
		return json_object_get(metrics, want) ? want : NULL;
	json_object_foreach(metrics, key, m) {
		const char *unit = json_string_value(json_object_get(m, "unit"));

		if (unit && strstr(unit, "/s"))
			return key;
	}
	return NULL;
}

static double vb_num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static int vb_cmp_batch(const void *a, const void *b)
{
	const struct vb_item *x = a, *y = b;
	int c = strcmp(x->label, y->label);
	double bx, by;

	if (c)
		return c;
	bx = vb_num(json_object_get(x->rec, "params"), "batch");
	by = vb_num(json_object_get(y->rec, "params"), "batch");
	return (bx > by) - (bx < by);
}

static void vb_tput(struct vb_item *it, size_t n, const char *metric)
{
	const char *prev = NULL, *name = NULL, *unit = "";
	size_t i;

	vb_labels(it, n, "batch");
	qsort(it, n, sizeof(*it), vb_cmp_batch);
	for (i = 0; i < n && !name; i++) {
		name = vb_rate_metric(it[i].rec, metric);
		if (name)
			unit = json_string_value(json_object_get(
				json_object_get(json_object_get(it[i].rec, "metrics"), name), "unit"));
	}
	printf("# metric: %s %s\n", name ? name : "-", unit ? unit : "");
	for (i = 0; i < n; i++) {
		const char *mn = vb_rate_metric(it[i].rec, metric);
		json_t *m = json_object_get(json_object_get(it[i].rec, "metrics"), mn ? mn : "");

		if (!m)
			continue;
		if (!prev || strcmp(prev, it[i].label) != 0) {
			printf("%s# series: %s\n", prev ? "\n\n" : "", it[i].label);
			prev = it[i].label;
		}
		printf("\"%s\" %.9g %.9g %.9g %.9g\n", it[i].label,
		       vb_num(json_object_get(it[i].rec, "params"), "batch"), vb_num(m, "median"),
		       vb_num(m, "min"), vb_num(m, "max"));
	}
}

static void vb_cdf(struct vb_item *it, size_t n, const char *key)
{
	size_t i, j;
	bool first = true;

	vb_labels(it, n, NULL);
	for (i = 0; i < n; i++) {
		json_t *h = json_object_get(it[i].rec, key), *b, *e;
		double count = vb_num(h, "count"), lo = vb_num(h, "min"), hi = vb_num(h, "max");
		double cum = 0;

		printf("%s# series: %s\n", first ? "" : "\n\n", it[i].label);
		first = false;
		printf("%.9g 0\n", lo);
		b = json_object_get(h, "buckets");
		json_array_foreach(b, j, e) {
			double lower = json_number_value(json_array_get(e, 0)), x;
			unsigned idx;

			cum += (double)json_integer_value(json_array_get(e, 1));
			/* all of this bucket is <= its upper bound: plot the
			 * fraction there (same bucket layout as hist.h) */
			idx = vb_hist_index((uint64_t)lower);
			x = idx + 1 < VB_HIST_BUCKETS ? (double)(vb_hist_lower(idx + 1) - 1) : hi;
			x = fmin(fmax(x, lo), hi);
			printf("%.9g %.9g\n", x, cum / count);
		}
	}
}

/* metric median, else counter num/den; -1 when neither is there */
static double vb_per_trans(json_t *rec, const char *metric, const char *counter)
{
	json_t *m = json_object_get(json_object_get(rec, "metrics"), metric);
	json_t *c = json_object_get(rec, "counters");
	double t = vb_num(c, "trans");

	if (m)
		return vb_num(m, "median");
	if (json_object_get(c, counter) && t > 0)
		return vb_num(c, counter) / t;
	return -1;
}

static void vb_notif(struct vb_item *it, size_t n)
{
	size_t i;

	vb_labels(it, n, NULL);
	printf("# series: notifications and interrupts per transaction\n");
	for (i = 0; i < n; i++) {
		double nt = vb_per_trans(it[i].rec, "notif_per_trans", "notifications");
		double it_ = vb_per_trans(it[i].rec, "intr_per_trans", "interrupts");

		printf("\"%s\" %.9g %.9g\n", it[i].label, nt < 0 ? 0 : nt, it_ < 0 ? 0 : it_);
	}
}

static bool vb_want(enum vb_kind_x k, json_t *rec, const char *metric, const char *hist)
{
	json_t *h;

	switch (k) {
	case X_TPUT:
		return json_object_get(json_object_get(rec, "params"), "batch") &&
		       vb_rate_metric(rec, metric);
	case X_CDF:
		h = json_object_get(rec, hist);
		return json_is_object(h) && vb_num(h, "count") > 0;
	default:
		return vb_per_trans(rec, "notif_per_trans", "notifications") >= 0;
	}
}

static int vb_extract(const char *kind, const char *metric, const char *hist, char **files,
		      int nfiles)
{
	enum vb_kind_x k;
	json_t **roots = calloc((size_t)nfiles, sizeof(*roots));
	struct vb_item *it = NULL;
	size_t n = 0, cap = 0;
	char err[512], **names = calloc((size_t)nfiles, sizeof(*names));
	int i, rc = 1;

	if (!roots || !names)
		goto out;
	if (strcmp(kind, "tput-vs-batch") == 0) {
		k = X_TPUT;
	} else if (strcmp(kind, "latency-cdf") == 0) {
		k = X_CDF;
	} else if (strcmp(kind, "notif-per-trans") == 0) {
		k = X_NOTIF;
	} else {
		fprintf(stderr, "vrq-bench-validate: unknown --extract kind \"%s\"\n", kind);
		usage(stderr);
		rc = 2;
		goto out;
	}
	for (i = 0; i < nfiles; i++) {
		json_t *recs, *rec;
		size_t j;
		char *dot;

		if (vb_report_validate_file(files[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: invalid: %s\n", files[i], err);
			goto out;
		}
		roots[i] = json_load_file(files[i], 0, NULL);
		names[i] = strdup(files[i]);
		if (!roots[i] || !names[i])
			goto out;
		/* "results/rr.json" -> "rr" */
		memmove(names[i], basename(names[i]), strlen(basename(names[i])) + 1);
		if ((dot = strrchr(names[i], '.')) && strcmp(dot, ".json") == 0)
			*dot = '\0';
		recs = json_object_get(roots[i], "records");
		json_array_foreach(recs, j, rec) {
			if (!vb_want(k, rec, metric, hist))
				continue;
			if (n == cap) {
				struct vb_item *t;

				cap = cap ? 2 * cap : 16;
				t = realloc(it, cap * sizeof(*it));
				if (!t)
					goto out;
				it = t;
			}
			memset(&it[n], 0, sizeof(it[n]));
			it[n].rec = rec;
			it[n].file = nfiles > 1 ? names[i] : NULL;
			n++;
		}
	}
	if (n) {
		if (k == X_TPUT)
			vb_tput(it, n, metric);
		else if (k == X_CDF)
			vb_cdf(it, n, hist);
		else
			vb_notif(it, n);
	}
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	for (i = 0; i < nfiles; i++) {
		if (roots)
			json_decref(roots[i]);
		if (names)
			free(names[i]);
	}
	free(roots);
	free(names);
	free(it);
	return rc;
}

int main(int argc, char **argv)
{
	const char *kind = NULL, *metric = NULL, *hist = "latency_ns";
	bool quiet = false;
	char err[512];
	int i, rc = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-q") == 0) {
			quiet = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (i + 1 < argc && strcmp(argv[i], "--extract") == 0) {
			kind = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--metric") == 0) {
			metric = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--hist") == 0) {
			hist = argv[++i];
		} else {
			fprintf(stderr, "vrq-bench-validate: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (kind)
		return vb_extract(kind, metric, hist, argv + i, argc - i);
	for (; i < argc; i++) {
		if (vb_report_validate_file(argv[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: invalid: %s\n", argv[i], err);
			rc = 1;
		} else if (!quiet) {
			printf("%s: valid\n", argv[i]);
		}
	}
	return rc;
}
