/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "cpuload.h"
#include "hist.h"
#include "sysinfo.h"
#include "topo.h"

/* 12 significant digits: plenty for measurements, and rounding keeps the
 * order of values, so min <= median <= max survives the round trip. */
#define VB_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(12))

struct vb_record {
	struct vb_report *r;
	json_t *obj, *params, *metrics, *counters;	/* borrowed from r->root */
	struct vb_record *next;
};

struct vb_report {
	json_t *root, *records;
	struct vb_record *head, **tail;
	unsigned nrec;
	char err[256];
};

/* Members of a record that are not histograms. */
static const char *const vb_rec_members[] = {
	"mechanism", "mode", "params", "metrics", "counters", "reps", "disturbance",
};

static bool vb_rec_reserved(const char *key)
{
	unsigned i;

	for (i = 0; i < sizeof(vb_rec_members) / sizeof(vb_rec_members[0]); i++)
		if (strcmp(key, vb_rec_members[i]) == 0)
			return true;
	return false;
}

static int vb_fail(struct vb_report *r, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int vb_fail(struct vb_report *r, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!r->err[0]) {
		va_start(ap, fmt);
		vsnprintf(r->err, sizeof(r->err), fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* json_object_set_new() that records failures (NULL value = no memory). */
static int vb_set(struct vb_report *r, json_t *obj, const char *key, json_t *v)
{
	if (!obj || !key || !v || json_object_set_new(obj, key, v) != 0)
		return vb_fail(r, -ENOMEM, "cannot store \"%s\": out of memory or bad key",
			       key ? key : "(null)");
	return 0;
}

static json_t *vb_str(const char *s)
{
	return json_string(s ? s : "");
}

/* A uint64 that does not fit json_int_t becomes a real (loses bits, not
 * the magnitude). */
static json_t *vb_u64(uint64_t v)
{
	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	return json_real((double)v);
}

struct vb_report *vb_report_new(const char *mode, int argc, char *const argv[])
{
	struct vb_report *r = calloc(1, sizeof(*r));
	struct vb_sysinfo si;
	struct vb_topo topo;
	char topo_line[512] = "unknown", why[256];
	json_t *args, *host, *build, *pl, *cpus;
	int i, rc = 0;

	if (!r)
		return NULL;
	r->tail = &r->head;
	r->root = json_object();
	r->records = json_array();
	args = json_array();
	if (!r->root || !r->records || !args) {
		json_decref(args);
		goto fail;
	}
	for (i = 0; i < argc && argv && argv[i]; i++)
		rc |= json_array_append_new(args, vb_str(argv[i]));

	vb_sysinfo_get(&si);
	if (vb_topo_init(&topo, why, sizeof(why)) == 0) {
		vb_topo_summary(&topo, topo_line, sizeof(topo_line));
		vb_topo_fini(&topo);
	}

	host = json_pack("{s:s, s:s, s:s, s:i, s:s}", "cpu_model", si.cpu_model, "kernel",
			 si.kernel, "hostname", si.hostname, "ncpus", si.ncpus, "topology",
			 topo_line);
	build = json_pack("{s:s, s:s, s:s, s:s}", "commit", si.commit, "compiler", si.compiler,
			  "flags", si.flags, "build_type", si.build_type);
	cpus = json_pack("[i, i]", -1, -1);
	pl = json_pack("{s:o, s:i, s:s, s:s}", "cpus", cpus, "numa_node", -1, "placement",
		       "none", "mode", "threads");

	/* insertion order is the output order */
	rc |= vb_set(r, r->root, "schema", vb_str(VB_REPORT_SCHEMA));
	rc |= vb_set(r, r->root, "tool", vb_str("vrq-bench"));
	rc |= vb_set(r, r->root, "version", vb_str(si.version));
	rc |= vb_set(r, r->root, "mode", vb_str(mode));
	rc |= vb_set(r, r->root, "argv", args);
	rc |= vb_set(r, r->root, "host", host);
	rc |= vb_set(r, r->root, "build", build);
	rc |= vb_set(r, r->root, "clock", json_pack("{s:s, s:f}", "source", vb_clock_source(),
						    "ticks_per_ns", vb_ticks_per_ns()));
	rc |= vb_set(r, r->root, "placement", pl);
	rc |= vb_set(r, r->root, "date", vb_str(si.date));
	rc |= vb_set(r, r->root, "records", json_incref(r->records));
	if (rc)
		goto fail;
	return r;
fail:
	json_decref(r->root);
	json_decref(r->records);
	free(r);
	return NULL;
}

void vb_report_free(struct vb_report *r)
{
	struct vb_record *rec, *next;

	if (!r)
		return;
	for (rec = r->head; rec; rec = next) {
		next = rec->next;
		free(rec);
	}
	json_decref(r->records);
	json_decref(r->root);
	free(r);
}

int vb_report_set_placement(struct vb_report *r, int cpu0, int cpu1, int numa_node,
			    const char *placement, const char *threads_or_procs)
{
	json_t *pl = json_pack("{s:[i, i], s:i, s:s, s:s}", "cpus", cpu0, cpu1, "numa_node",
			       numa_node, "placement", placement ? placement : "none", "mode",
			       threads_or_procs ? threads_or_procs : "threads");

	if (threads_or_procs && strcmp(threads_or_procs, "threads") != 0 &&
	    strcmp(threads_or_procs, "procs") != 0) {
		json_decref(pl);
		return vb_fail(r, -EINVAL, "placement mode \"%s\": expected threads or procs",
			       threads_or_procs);
	}
	return vb_set(r, r->root, "placement", pl);
}

const char *vb_report_error(const struct vb_report *r)
{
	return r->err[0] ? r->err : NULL;
}

unsigned vb_report_nrecords(const struct vb_report *r)
{
	return r->nrec;
}

struct vb_record *vb_report_add(struct vb_report *r, const char *mechanism)
{
	struct vb_record *rec = calloc(1, sizeof(*rec));
	json_t *mode = json_object_get(r->root, "mode");

	if (!rec) {
		vb_fail(r, -ENOMEM, "record \"%s\": out of memory", mechanism);
		return NULL;
	}
	rec->r = r;
	rec->obj = json_object();
	rec->params = json_object();
	rec->metrics = json_object();
	rec->counters = json_object();
	if (!rec->obj || !rec->params || !rec->metrics || !rec->counters ||
	    vb_set(r, rec->obj, "mechanism", vb_str(mechanism)) ||
	    vb_set(r, rec->obj, "mode", json_incref(mode)) ||
	    vb_set(r, rec->obj, "params", json_incref(rec->params)) ||
	    vb_set(r, rec->obj, "metrics", json_incref(rec->metrics)) ||
	    vb_set(r, rec->obj, "counters", json_incref(rec->counters)) ||
	    vb_set(r, rec->obj, "reps", json_pack("{s:i, s:i}", "used", 0, "discarded", 0)) ||
	    json_array_append(r->records, rec->obj) != 0) {
		vb_fail(r, -ENOMEM, "record \"%s\": out of memory", mechanism);
		json_decref(rec->obj);
		json_decref(rec->params);
		json_decref(rec->metrics);
		json_decref(rec->counters);
		free(rec);
		return NULL;
	}
	/* the record's tree now holds the references; keep borrowed pointers */
	json_decref(rec->obj);
	json_decref(rec->params);
	json_decref(rec->metrics);
	json_decref(rec->counters);
	*r->tail = rec;
	r->tail = &rec->next;
	r->nrec++;
	return rec;
}

int vb_record_mode(struct vb_record *rec, const char *mode)
{
	return vb_set(rec->r, rec->obj, "mode", vb_str(mode));
}

int vb_record_param_str(struct vb_record *rec, const char *key, const char *val)
{
	return vb_set(rec->r, rec->params, key, vb_str(val));
}

int vb_record_param_int(struct vb_record *rec, const char *key, long long val)
{
	return vb_set(rec->r, rec->params, key, json_integer(val));
}

int vb_record_param_double(struct vb_record *rec, const char *key, double val)
{
	if (!isfinite(val))
		return vb_fail(rec->r, -EINVAL, "param \"%s\" is not finite", key);
	return vb_set(rec->r, rec->params, key, json_real(val));
}

int vb_record_metric(struct vb_record *rec, const char *key, const char *unit,
		     const double *per_rep, unsigned nrep)
{
	struct vb_summary s;
	json_t *vals, *m;
	unsigned i;
	int rc;

	if (!nrep)
		return vb_fail(rec->r, -EINVAL, "metric \"%s\": no values", key);
	for (i = 0; i < nrep; i++)
		if (!isfinite(per_rep[i]) || per_rep[i] < 0)
			return vb_fail(rec->r, -EINVAL, "metric \"%s\": value %u (%g) is not finite and >= 0",
				       key, i, per_rep[i]);
	rc = vb_stats_summary(per_rep, nrep, &s);
	if (rc)
		return vb_fail(rec->r, rc, "metric \"%s\": summary failed", key);
	vals = json_array();
	if (!vals)
		return vb_fail(rec->r, -ENOMEM, "metric \"%s\": out of memory", key);
	for (i = 0; i < nrep; i++) {
		if (json_array_append_new(vals, json_real(per_rep[i])) != 0) {
			json_decref(vals);
			return vb_fail(rec->r, -ENOMEM, "metric \"%s\": out of memory", key);
		}
	}
	m = json_pack("{s:s, s:f, s:f, s:f, s:i, s:b, s:o}", "unit", unit ? unit : "", "median",
		      s.median, "min", s.min, "max", s.max, "n", (int)s.n, "bimodal", s.bimodal,
		      "values", vals);
	return vb_set(rec->r, rec->metrics, key, m);
}

static double vb_num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

int vb_record_summary(const struct vb_record *rec, const char *key, struct vb_summary *out)
{
	json_t *m = json_object_get(rec->metrics, key);

	memset(out, 0, sizeof(*out));
	if (!json_is_object(m))
		return -ENOENT;
	out->median = vb_num(m, "median");
	out->min = vb_num(m, "min");
	out->max = vb_num(m, "max");
	out->n = (unsigned)json_array_size(json_object_get(m, "values"));
	out->bimodal = json_is_true(json_object_get(m, "bimodal"));
	out->spread = out->max > out->min && out->median != 0 ?
			      (out->max - out->min) / fabs(out->median) : 0;
	return 0;
}

int vb_record_hist(struct vb_record *rec, const char *key, const struct vb_hist *h)
{
	json_t *b, *o;
	unsigned i;

	if (!key || !key[0] || vb_rec_reserved(key))
		return vb_fail(rec->r, -EINVAL, "histogram key \"%s\" is reserved",
			       key ? key : "(null)");
	b = json_array();
	if (!b)
		return vb_fail(rec->r, -ENOMEM, "histogram \"%s\": out of memory", key);
	for (i = 0; i < VB_HIST_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		if (json_array_append_new(b, json_pack("[o, o]", vb_u64(vb_hist_lower(i)),
						       vb_u64(h->bucket[i]))) != 0) {
			json_decref(b);
			return vb_fail(rec->r, -ENOMEM, "histogram \"%s\": out of memory", key);
		}
	}
	o = json_pack("{s:o, s:o, s:f, s:o, s:o, s:o, s:o, s:o, s:o}",
		      "count", vb_u64(h->count),
		      "min", vb_u64(h->count ? h->min : 0),	/* empty: min is UINT64_MAX */
		      "mean", vb_hist_mean(h),
		      "p50", vb_u64(vb_hist_quantile(h, 0.50)),
		      "p90", vb_u64(vb_hist_quantile(h, 0.90)),
		      "p99", vb_u64(vb_hist_quantile(h, 0.99)),
		      "p999", vb_u64(vb_hist_quantile(h, 0.999)),
		      "max", vb_u64(h->max),
		      "buckets", b);
	return vb_set(rec->r, rec->obj, key, o);
}

int vb_record_counter(struct vb_record *rec, const char *key, uint64_t val)
{
	return vb_set(rec->r, rec->counters, key, vb_u64(val));
}

int vb_record_reps(struct vb_record *rec, unsigned used, unsigned discarded)
{
	return vb_set(rec->r, rec->obj, "reps", json_pack("{s:o, s:o}", "used", vb_u64(used),
							  "discarded", vb_u64(discarded)));
}

int vb_record_disturbance(struct vb_record *rec, const struct vb_cpuload *per_rep, unsigned n,
			  double threshold)
{
	json_t *others = json_array(), *steal = json_array();
	double max_o = 0, max_s = 0;
	bool bad = false, ok = true;
	unsigned i;

	if (!others || !steal)
		goto oom;
	for (i = 0; i < n; i++) {
		const struct vb_cpuload *c = &per_rep[i];

		ok &= c->ok;
		max_o = fmax(max_o, c->others_frac);
		max_s = fmax(max_s, c->steal_frac);
		bad |= vb_cpuload_disturbed(c, threshold);
		if (json_array_append_new(others, json_real(c->others_frac)) ||
		    json_array_append_new(steal, json_real(c->steal_frac)))
			goto oom;
	}
	return vb_set(rec->r, rec->obj, "disturbance",
		      json_pack("{s:f, s:f, s:f, s:b, s:b, s:o, s:o}", "threshold", threshold,
				"max_others_frac", max_o, "max_steal_frac", max_s, "disturbed",
				bad, "measured", ok, "others_frac", others, "steal_frac", steal));
oom:
	json_decref(others);
	json_decref(steal);
	return vb_fail(rec->r, -ENOMEM, "disturbance: out of memory");
}

int vb_report_write_json(const struct vb_report *r, const char *path)
{
	char *tmp = NULL;
	int rc = 0;

	/* the clock may have been calibrated after vb_report_new() */
	if (json_object_set_new(r->root, "clock",
				json_pack("{s:s, s:f}", "source", vb_clock_source(),
					  "ticks_per_ns", vb_ticks_per_ns())) != 0)
		return -ENOMEM;
	if (strcmp(path, "-") == 0) {
		if (json_dumpf(r->root, stdout, VB_JSON_FLAGS) != 0 || fputc('\n', stdout) == EOF ||
		    fflush(stdout) != 0)
			return -EIO;
		return 0;
	}
	/* a crash or a full disk never leaves a truncated result behind */
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return -ENOMEM;
	if (json_dump_file(r->root, tmp, VB_JSON_FLAGS) != 0)
		rc = -EIO;
	else if (rename(tmp, path) != 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* ---- CSV ----------------------------------------------------------------- */

static void vb_csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void vb_csv_value(FILE *f, json_t *v)
{
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		vb_csv_str(f, json_string_value(v));
		break;
	case JSON_INTEGER:
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.9g", json_real_value(v));
		fputs(buf, f);
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	default:
		break;
	}
}

int vb_report_write_csv(const struct vb_report *r, FILE *f)
{
	json_t *keys = json_array(), *k;	/* every param key, first-seen order */
	const struct vb_record *rec;
	const char *key, *mname;
	json_t *v, *m;
	size_t i;

	if (!keys)
		return -ENOMEM;
	for (rec = r->head; rec; rec = rec->next) {
		json_object_foreach(rec->params, key, v) {
			bool seen = false;

			json_array_foreach(keys, i, k)
				seen |= strcmp(json_string_value(k), key) == 0;
			if (!seen && json_array_append_new(keys, json_string(key)) != 0) {
				json_decref(keys);
				return -ENOMEM;
			}
		}
	}
	fputs("mode,mechanism", f);
	json_array_foreach(keys, i, k) {
		fputc(',', f);
		vb_csv_str(f, json_string_value(k));
	}
	fputs(",metric,unit,median,min,max,n\n", f);
	for (rec = r->head; rec; rec = rec->next) {
		json_object_foreach(rec->metrics, mname, m) {
			vb_csv_value(f, json_object_get(rec->obj, "mode"));
			fputc(',', f);
			vb_csv_value(f, json_object_get(rec->obj, "mechanism"));
			json_array_foreach(keys, i, k) {
				fputc(',', f);
				v = json_object_get(rec->params, json_string_value(k));
				if (v)
					vb_csv_value(f, v);
			}
			fputc(',', f);
			vb_csv_str(f, mname);
			fputc(',', f);
			vb_csv_value(f, json_object_get(m, "unit"));
			fprintf(f, ",%.9g,%.9g,%.9g,%zu\n", vb_num(m, "median"), vb_num(m, "min"),
				vb_num(m, "max"), json_array_size(json_object_get(m, "values")));
		}
	}
	json_decref(keys);
	return ferror(f) ? -EIO : 0;
}

/* ---- validation -------------------------------------------------------------- */

struct vb_vctx {
	char *err;
	size_t len;
};

static int vb_bad(struct vb_vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int vb_bad(struct vb_vctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->len) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

enum vb_kind { VK_STR, VK_INT, VK_NUM, VK_OBJ, VK_ARR, VK_BOOL };

static const char *const vb_kind_name[] = {"a string", "an integer", "a number", "an object",
					   "an array", "a boolean"};

static bool vb_is(json_t *v, enum vb_kind k)
{
	switch (k) {
	case VK_STR:
		return json_is_string(v);
	case VK_INT:
		return json_is_integer(v);
	case VK_NUM:
		return json_is_number(v) && isfinite(json_number_value(v));
	case VK_OBJ:
		return json_is_object(v);
	case VK_ARR:
		return json_is_array(v);
	default:
		return json_is_boolean(v);
	}
}

/* @p obj[@p key] of kind @p k, else an error naming "path.key". */
static json_t *vb_need(struct vb_vctx *c, json_t *obj, const char *path, const char *key,
		       enum vb_kind k)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		vb_bad(c, "%s%s%s: missing", path, path[0] ? "." : "", key);
		return NULL;
	}
	if (!vb_is(v, k)) {
		vb_bad(c, "%s%s%s: must be %s", path, path[0] ? "." : "", key, vb_kind_name[k]);
		return NULL;
	}
	return v;
}

/* A measurement: a finite number >= 0. */
static int vb_need_meas(struct vb_vctx *c, json_t *obj, const char *path, const char *key,
			double *out)
{
	json_t *v = vb_need(c, obj, path, key, VK_NUM);

	if (!v)
		return -1;
	*out = json_number_value(v);
	if (*out < 0)
		return vb_bad(c, "%s.%s: %g is negative", path, key, *out);
	return 0;
}

static int vb_need_strs(struct vb_vctx *c, json_t *obj, const char *path,
			const char *const *keys, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (!vb_need(c, obj, path, keys[i], VK_STR))
			return -1;
	return 0;
}

static int vb_check_metric(struct vb_vctx *c, json_t *m, const char *path)
{
	double med, lo, hi, x;
	json_t *vals, *v;
	size_t i;

	if (!json_is_object(m))
		return vb_bad(c, "%s: must be an object", path);
	if (!vb_need(c, m, path, "unit", VK_STR) || vb_need_meas(c, m, path, "median", &med) ||
	    vb_need_meas(c, m, path, "min", &lo) || vb_need_meas(c, m, path, "max", &hi) ||
	    !(vals = vb_need(c, m, path, "values", VK_ARR)))
		return -1;
	if (lo > hi)
		return vb_bad(c, "%s: min (%g) > max (%g)", path, lo, hi);
	if (med < lo || med > hi)
		return vb_bad(c, "%s: median (%g) outside [min %g, max %g]", path, med, lo, hi);
	if (!json_array_size(vals))
		return vb_bad(c, "%s.values: empty", path);
	json_array_foreach(vals, i, v) {
		if (!vb_is(v, VK_NUM))
			return vb_bad(c, "%s.values[%zu]: must be a number", path, i);
		x = json_number_value(v);
		if (x < 0)
			return vb_bad(c, "%s.values[%zu]: %g is negative", path, i, x);
		/* 1e-9 relative slack: values and summary are both rounded */
		if (x < lo - 1e-9 * fabs(lo) || x > hi + 1e-9 * fabs(hi))
			return vb_bad(c, "%s.values[%zu]: %g outside [min %g, max %g]", path, i, x,
				      lo, hi);
	}
	if ((v = json_object_get(m, "n")) &&
	    (!json_is_integer(v) || (size_t)json_integer_value(v) != json_array_size(vals)))
		return vb_bad(c, "%s.n: must be the number of values (%zu)", path,
			      json_array_size(vals));
	if ((v = json_object_get(m, "bimodal")) && !json_is_boolean(v))
		return vb_bad(c, "%s.bimodal: must be a boolean", path);
	return 0;
}

static int vb_check_hist(struct vb_vctx *c, json_t *h, const char *path)
{
	static const char *const order[] = {"min", "p50", "p90", "p99", "p999", "max"};
	double v[6], mean, count, prev_lo = -1, sum = 0;
	json_t *b, *e;
	unsigned i;
	size_t j;

	if (!json_is_object(h))
		return vb_bad(c, "%s: must be an object (a histogram summary)", path);
	if (vb_need_meas(c, h, path, "count", &count) || vb_need_meas(c, h, path, "mean", &mean))
		return -1;
	if (!json_is_integer(json_object_get(h, "count")))
		return vb_bad(c, "%s.count: must be an integer", path);
	for (i = 0; i < 6; i++)
		if (vb_need_meas(c, h, path, order[i], &v[i]))
			return -1;
	if (!(b = vb_need(c, h, path, "buckets", VK_ARR)))
		return -1;
	if (count > 0) {
		for (i = 1; i < 6; i++)
			if (v[i] < v[i - 1])
				return vb_bad(c, "%s: %s (%g) < %s (%g)", path, order[i], v[i],
					      order[i - 1], v[i - 1]);
		if (mean < v[0] || mean > v[5])
			return vb_bad(c, "%s: mean (%g) outside [min %g, max %g]", path, mean,
				      v[0], v[5]);
	}
	json_array_foreach(b, j, e) {
		json_t *lo = json_array_get(e, 0), *n = json_array_get(e, 1);

		if (!json_is_array(e) || json_array_size(e) != 2 || !vb_is(lo, VK_NUM) ||
		    !json_is_integer(n))
			return vb_bad(c, "%s.buckets[%zu]: must be [lower bound, count]", path, j);
		if (json_number_value(lo) < 0 || json_integer_value(n) <= 0)
			return vb_bad(c, "%s.buckets[%zu]: lower bound >= 0 and count > 0 expected",
				      path, j);
		if (json_number_value(lo) <= prev_lo)
			return vb_bad(c, "%s.buckets[%zu]: lower bounds must increase", path, j);
		prev_lo = json_number_value(lo);
		sum += (double)json_integer_value(n);
	}
	if (sum != count)
		return vb_bad(c, "%s.buckets: counts sum to %.0f, count is %.0f", path, sum, count);
	return 0;
}

static int vb_check_record(struct vb_vctx *c, json_t *rec, size_t idx)
{
	char path[64], sub[256];
	json_t *o, *v;
	const char *key;
	double x;

	snprintf(path, sizeof(path), "records[%zu]", idx);
	if (!json_is_object(rec))
		return vb_bad(c, "%s: must be an object", path);
	if (!(o = vb_need(c, rec, path, "mechanism", VK_STR)))
		return -1;
	if (!json_string_value(o)[0])
		return vb_bad(c, "%s.mechanism: empty", path);
	if (!vb_need(c, rec, path, "mode", VK_STR))
		return -1;
	if (!(o = vb_need(c, rec, path, "params", VK_OBJ)))
		return -1;
	json_object_foreach(o, key, v) {
		if (!json_is_string(v) && !vb_is(v, VK_NUM) && !json_is_boolean(v))
			return vb_bad(c, "%s.params.%s: must be a string, number or boolean", path,
				      key);
	}
	if (!(o = vb_need(c, rec, path, "metrics", VK_OBJ)))
		return -1;
	json_object_foreach(o, key, v) {
		snprintf(sub, sizeof(sub), "%s.metrics.%s", path, key);
		if (vb_check_metric(c, v, sub))
			return -1;
	}
	if (!(o = vb_need(c, rec, path, "counters", VK_OBJ)))
		return -1;
	json_object_foreach(o, key, v) {
		if (!vb_is(v, VK_NUM) || json_number_value(v) < 0)
			return vb_bad(c, "%s.counters.%s: must be a number >= 0", path, key);
	}
	if (!(o = vb_need(c, rec, path, "reps", VK_OBJ)))
		return -1;
	snprintf(sub, sizeof(sub), "%s.reps", path);
	if (!vb_need(c, o, sub, "used", VK_INT) || !vb_need(c, o, sub, "discarded", VK_INT) ||
	    vb_need_meas(c, o, sub, "used", &x) || vb_need_meas(c, o, sub, "discarded", &x))
		return -1;
	if ((o = json_object_get(rec, "disturbance"))) {
		static const char *const nums[] = {"threshold", "max_others_frac"};
		unsigned i;

		snprintf(sub, sizeof(sub), "%s.disturbance", path);
		if (!json_is_object(o))
			return vb_bad(c, "%s: must be an object", sub);
		for (i = 0; i < 2; i++)
			if (vb_need_meas(c, o, sub, nums[i], &x))
				return -1;
		if (!vb_need(c, o, sub, "disturbed", VK_BOOL) ||
		    !vb_need(c, o, sub, "others_frac", VK_ARR))
			return -1;
	}
	/* every other member is a histogram summary ("latency_ns") */
	json_object_foreach(rec, key, v) {
		if (vb_rec_reserved(key))
			continue;
		snprintf(sub, sizeof(sub), "%s.%s", path, key);
		if (vb_check_hist(c, v, sub))
			return -1;
	}
	return 0;
}

static int vb_check_root(struct vb_vctx *c, json_t *root)
{
	static const char *const top[] = {"tool", "version", "mode", "date"};
	static const char *const host[] = {"cpu_model", "kernel", "hostname", "topology"};
	static const char *const build[] = {"commit", "compiler", "flags", "build_type"};
	json_t *o, *v;
	const char *s;
	double x;
	size_t i;

	if (!json_is_object(root))
		return vb_bad(c, "top level: must be an object");
	if (!(o = vb_need(c, root, "", "schema", VK_STR)))
		return -1;
	if (strcmp(json_string_value(o), VB_REPORT_SCHEMA) != 0)
		return vb_bad(c, "schema: \"%s\", expected \"%s\"", json_string_value(o),
			      VB_REPORT_SCHEMA);
	if (vb_need_strs(c, root, "", top, 4))
		return -1;
	s = json_string_value(json_object_get(root, "date"));
	if (strlen(s) != 20 || s[10] != 'T' || s[19] != 'Z')
		return vb_bad(c, "date: \"%s\" is not ISO-8601 UTC (YYYY-MM-DDThh:mm:ssZ)", s);
	if (!(o = vb_need(c, root, "", "argv", VK_ARR)))
		return -1;
	json_array_foreach(o, i, v)
		if (!json_is_string(v))
			return vb_bad(c, "argv[%zu]: must be a string", i);
	if (!(o = vb_need(c, root, "", "host", VK_OBJ)) || vb_need_strs(c, o, "host", host, 4) ||
	    !vb_need(c, o, "host", "ncpus", VK_INT))
		return -1;
	if (json_integer_value(json_object_get(o, "ncpus")) < 1)
		return vb_bad(c, "host.ncpus: must be >= 1");
	if (!(o = vb_need(c, root, "", "build", VK_OBJ)) || vb_need_strs(c, o, "build", build, 4))
		return -1;
	if (!(o = vb_need(c, root, "", "clock", VK_OBJ)) ||
	    !(v = vb_need(c, o, "clock", "source", VK_STR)))
		return -1;
	if (strcmp(json_string_value(v), "tsc") != 0 &&
	    strcmp(json_string_value(v), "clock_gettime") != 0)
		return vb_bad(c, "clock.source: \"%s\", expected tsc or clock_gettime",
			      json_string_value(v));
	if (vb_need_meas(c, o, "clock", "ticks_per_ns", &x))
		return -1;
	if (x <= 0)
		return vb_bad(c, "clock.ticks_per_ns: must be > 0");
	if (!(o = vb_need(c, root, "", "placement", VK_OBJ)) ||
	    !(v = vb_need(c, o, "placement", "cpus", VK_ARR)))
		return -1;
	if (json_array_size(v) != 2 || !json_is_integer(json_array_get(v, 0)) ||
	    !json_is_integer(json_array_get(v, 1)) ||
	    json_integer_value(json_array_get(v, 0)) < -1 ||
	    json_integer_value(json_array_get(v, 1)) < -1)
		return vb_bad(c, "placement.cpus: must be two CPU numbers (-1: unpinned)");
	if (!(v = vb_need(c, o, "placement", "numa_node", VK_INT)))
		return -1;
	if (json_integer_value(v) < -1)
		return vb_bad(c, "placement.numa_node: must be >= -1");
	if (!vb_need(c, o, "placement", "placement", VK_STR) ||
	    !(v = vb_need(c, o, "placement", "mode", VK_STR)))
		return -1;
	if (strcmp(json_string_value(v), "threads") != 0 &&
	    strcmp(json_string_value(v), "procs") != 0)
		return vb_bad(c, "placement.mode: \"%s\", expected threads or procs",
			      json_string_value(v));
	if (!(o = vb_need(c, root, "", "records", VK_ARR)))
		return -1;
	json_array_foreach(o, i, v)
		if (vb_check_record(c, v, i))
			return -1;
	return 0;
}

int vb_report_validate_file(const char *path, char *err, size_t err_len)
{
	struct vb_vctx c = {err, err_len};
	json_error_t je;
	json_t *root;
	int rc;

	if (err && err_len)
		err[0] = '\0';
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return vb_bad(&c, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	rc = vb_check_root(&c, root);
	json_decref(root);
	return rc;
}
