/* SPDX-License-Identifier: MIT */
/*
 * bench/cli/vrq-bench.c - the benchmark CLI: TCP_RR-style round trips,
 * streaming, latency, sweeps and topology, with baselines measured in the
 * same run, the same placement and the same histogram.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cpuload.h"
#include "hist.h"
#include "progress.h"
#include "report.h"
#include "rr.h"
#include "stats.h"
#include "topo.h"
#include "vrqmech.h"
#include "mode_mmio.h"
#include "mode_rpmsg.h"

#define MAX_LIST 16
#define MAX_REPS 101
#define MAX_MECH 64
#define MAX_MSG (1u << 20)

static const char usage_head[] =
	"Usage: vrq-bench MODE [OPTIONS]      (vrq-bench MODE --help: that mode's options)\n"
	"\n"
	"Measure vrq virtqueues between two CPUs, next to baselines measured in the\n"
	"same run with the same placement and histogram.\n"
	"\n"
	"Modes:\n"
	"  rr         TCP_RR-style request/response transactions (netperf TCP_RR)\n"
	"  stream     one-way throughput, items/s and GB/s, copy and zero-copy\n"
	"  lat        round-trip latency distribution only (longer warm-up)\n"
	"  sweep      a matrix of stream points; one JSON record per point\n"
	"  topo       print the topology and the CPU pairs each placement picks\n"
	"  baselines  the baselines alone (rr, or stream with --stream)\n"
	"  tune       sweep ring, queue size, batch, doorbell and spin budget here\n"
	"             and print a recommendation with the measurements behind it\n"
	"  rpmsg      RPMsg over vrq next to the raw split ring (vrq-bench rpmsg --help)\n"
	"  mmio       virtio-mmio echo device, legacy interrupt vs per-queue vectors\n";

static const char usage_common[] =
	"\n"
	"Common options:\n"
	"  -l, --duration SEC      measured time per repetition (default 1; > 0)\n"
	"  -n, --count N           measure exactly N transactions/items instead\n"
	"  -w, --warmup SEC        warm-up before each repetition (default 0.2; lat 0.5)\n"
	"      --reps N            repetitions per point, median [min-max] (default 3)\n"
	"      --threshold FRAC    other processes' CPU share that marks a repetition\n"
	"                          disturbed (default 0.02 = 2% of the machine)\n"
	"      --retries N         extra repetitions allowed to replace disturbed ones\n"
	"                          (default = --reps)\n"
	"      --baseline LIST     baselines to run next to vrq, or none (default:\n"
	"                          rr/lat: floor,spsc,eventfd,futex,pipe,socketpair,tcp,wfcq;\n"
	"                          stream: spsc,wfcq; stream also takes linux-ringtest:\n"
	"                          Linux's tools/virtio/ringtest binaries, built by\n"
	"                          scripts/ringtest.sh, skipped with a message when absent)\n"
	"      --threads           the two sides in two threads (default)\n"
	"      --procs             the two sides in two processes (shared memory),\n"
	"                          vrq and the baselines alike\n"
	"      --cpus A,B          pin the two sides to CPUs A and B\n"
	"      --placement P       same-core|smt|same-l3|cross-l3|cross-numa|auto\n"
	"                          (default auto), resolved with hwloc\n"
	"      --allow-shared-cpu  run spinning mechanisms (poll, hybrid, floor, spsc,\n"
	"                          wfcq) with both sides on one CPU (refused otherwise:\n"
	"                          the numbers measure the scheduler)\n"
	"      --node N            shared memory on NUMA node N (libnuma), vrq and\n"
	"                          baselines alike\n"
	"      --hugepages         shared memory on huge pages (falls back, says so)\n"
	"      --json FILE         write the results as JSON (schema vrq-bench/1)\n"
	"      --csv FILE          write the results as CSV ('-' = stdout)\n"
	"                          (both files are opened before measuring)\n"
	"  -h, --help              this text\n";

static const char usage_vrq[] =
	"\n"
	"vrq options:\n"
	"      --ring LIST         split,packed (default split)\n"
	"      --notify LIST       poll,eventfd,futex,legacy-irq,hybrid or all\n"
	"                          (default rr/lat: poll,eventfd,hybrid; stream: poll)\n"
	"      --spin-ns NS        hybrid spin budget (default 20000; 0 = adaptive)\n"
	"      --hybrid-block K    hybrid blocks on eventfd (default) or futex\n"
	"      --event-idx on|off  EVENT_IDX notification suppression (default on)\n"
	"      --in-order[=LIST]   negotiate IN_ORDER (on, off or on,off; default off)\n"
	"      --indirect[=LIST]   negotiate INDIRECT_DESC: multi-segment buffers go\n"
	"                          through the indirect pool (stream items then\n"
	"                          travel as two segments)\n"
	"  -q, --qsize N           queue size (default 256)\n";

static const char usage_rr[] =
	"\n"
	"rr / lat options:\n"
	"  -r, --size REQ,RESP     request and response bytes (default 1,1)\n";

static const char usage_stream[] =
	"\n"
	"stream / sweep options:\n"
	"  -m, --msg LIST          message sizes in bytes, 8..65536\n"
	"                          (default stream: 8,64,512,4096,65536; sweep: 64)\n"
	"  -b, --batch LIST        items per publish (default 32; sweep: 1,32)\n"
	"      --queues N          stream: N queues at once (1..16), each its own ring,\n"
	"                          notification vectors and thread (or process) pair;\n"
	"                          --cpus A,B,C,D... gives queue i the i-th pair\n"
	"                          (cycling), aggregate and per-queue rates printed\n"
	"      --copy-mode M       copy, zero-copy or both (default both; sweep: zero-copy)\n"
	"      --reclaim LIST      what the producer takes back per round: batch (at\n"
	"                          most what it adds, the ring stays full; default)\n"
	"                          or all (every completed buffer), or batch,all\n";

static const char usage_baselines[] =
	"\n"
	"baselines options:\n"
	"      --stream            run the stream baselines (with -m, -b) instead of rr\n"
	"  -r, --size REQ,RESP     rr request and response bytes (default 1,1)\n"
	"  -m, --msg LIST, -b, --batch LIST   with --stream, as in stream mode\n";

static const char usage_tune[] =
	"\n"
	"tune options:\n"
	"      --phases LIST       ring,qsize,batch,notify,spin (default all, in this\n"
	"                          order; each phase uses the choices of the ones before)\n"
	"  -m, --msg N             stream message size for ring/qsize/batch (default 64)\n"
	"  -r, --size REQ,RESP     rr sizes for notify/spin (default 1,1)\n"
	"      --hybrid-block K    hybrid blocks on eventfd (default) or futex\n"
	"  The vrq matrix options (--ring, --notify, -q, -b, --event-idx, --in-order,\n"
	"  --indirect, --spin-ns, --copy-mode) are what tune sweeps: refused here.\n";

static const char usage_examples[] =
	"\n"
	"Examples:\n"
	"  vrq-bench rr                             vrq vs baselines, 1-byte TCP_RR\n"
	"  vrq-bench rr --notify all --procs        every doorbell, two processes\n"
	"  vrq-bench rr -r 64,1024 --ring split,packed --json rr.json\n"
	"  vrq-bench stream -m 64,4096 -b 1,32 --ring split,packed\n"
	"  vrq-bench lat --notify poll --reps 5 --baseline floor\n"
	"  vrq-bench sweep -q 64,256 --event-idx on,off --in-order=on,off --json sweep.json\n"
	"  vrq-bench topo\n"
	"  vrq-bench tune --json tune.json            what to configure on this machine\n";

static const char usage_output[] =
	"\n"
	"Reading the output: latencies are round trips in microseconds (us), every\n"
	"percentile column included.  Each repetition records the CPU time other\n"
	"processes used (/proc/stat); repetitions above --threshold are discarded\n"
	"and retried, and the table says how many.  Medians are printed with their\n"
	"[min-max]; a '~' after the range marks a spread that looks bimodal (the\n"
	"repetitions fall into two clusters: compare rows of one run only).\n"
	"\"memory: default policy\" means no NUMA binding (no --node).  A '*' on a\n"
	"ratio marks one between a spinning and a blocking mechanism: the spinner\n"
	"buys its speed with a busy CPU (see CPU% and us/tr).\n";

static const char usage_topo[] =
	"Usage: vrq-bench topo\n"
	"\n"
	"Print the machine's topology (hwloc) and the CPU pair each --placement\n"
	"picks.  Takes no options.\n";

enum mode { M_RR, M_STREAM, M_LAT, M_SWEEP, M_TOPO, M_BASELINES, M_TUNE };

struct opts {
	enum mode mode;
	double duration, warmup, threshold;
	uint64_t count;
	unsigned reps, retries;
	bool retries_set;
	enum vrq_ring_kind rings[2];
	unsigned nrings;
	enum vrq_notify_kind notify[VRQ_NOTIFY_KIND_COUNT];
	unsigned nnotify;
	uint32_t spin_ns;
	enum vrq_notify_kind hybrid_block;
	bool evidx[2];
	unsigned nevidx;
	bool inord[2], indir[2];
	unsigned ninord, nindir;
	unsigned qsizes[MAX_LIST], nq;
	const char *baselines;
	bool procs;
	int cpus[2];
	bool cpus_set;
	int cpu_list[2 * VQ_MAX_QUEUES]; /* --cpus A,B[,C,D...]: pairs */
	unsigned ncpu_list;
	unsigned queues; /* stream: queues at once (default 1) */
	enum vb_placement placement;
	bool placement_set;
	int node;
	bool hugepages;
	const char *json, *csv;
	size_t req, resp;
	unsigned msgs[MAX_LIST], nmsg;
	unsigned batches[MAX_LIST], nbatch;
	int copy_mode; /* 0 both, 1 copy, 2 zero-copy */
	bool copy_set;
	bool recl_all[2]; /* stream: --reclaim values (false: batch) */
	unsigned nrecl;
	bool recl_set;
	bool stream_baselines;
	bool size_set;
	bool allow_shared_cpu;
	unsigned phases; /* tune: TUNE_* bits */
	bool matrix_set; /* a vrq matrix option was given (tune refuses them) */
	FILE *csv_f; /* opened before measuring */
};

static int die(const char *opt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int die(const char *opt, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vrq-bench: %s%s", opt ? opt : "", opt ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		die(opt, "'%s' is not a non-negative number", s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end || end == s)
		die(opt, "'%s' is not a number", s);
	if (errno == ERANGE || v > hi)
		die(opt, "%s is too large (at most %llu)", s, (unsigned long long)hi);
	if (errno)
		die(opt, "'%s' is not a number", s);
	if (v < lo || v > hi)
		die(opt, "%llu is out of range [%llu, %llu]", v, (unsigned long long)lo,
		    (unsigned long long)hi);
	return v;
}

static double parse_double(const char *opt, const char *s, double lo, double hi, bool lo_open)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end)
		die(opt, "'%s' is not a number", s);
	if ((errno == ERANGE && fabs(v) > 1.0) || isinf(v) || v > hi)
		die(opt, "%s is too large (at most %g)", s, hi);
	if (errno || !isfinite(v))
		die(opt, "'%s' is not a number", s);
	if (lo_open ? v <= lo : v < lo)
		die(opt, "%s is out of range %s%g, %g]", s, lo_open ? "(" : "[", lo, hi);
	return v;
}

static unsigned parse_list(const char *opt, const char *s, unsigned *out, unsigned max, uint64_t lo,
			   uint64_t hi)
{
	char buf[256], *tok, *save = NULL;
	unsigned n = 0;

	if (strlen(s) >= sizeof(buf))
		die(opt, "list too long");
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			die(opt, "more than %u values", max);
		out[n++] = (unsigned)parse_u64(opt, tok, lo, hi);
	}
	if (!n)
		die(opt, "empty list");
	return n;
}

/* "on", "off", "on,off": the values to sweep */
static unsigned parse_onoff(const char *opt, const char *s, bool out[2])
{
	char buf[64], *tok, *save = NULL;
	unsigned n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == 2)
			die(opt, "at most on,off");
		if (!strcmp(tok, "on"))
			out[n++] = true;
		else if (!strcmp(tok, "off"))
			out[n++] = false;
		else
			die(opt, "'%s': expected on, off or on,off", tok);
	}
	if (!n)
		die(opt, "empty list");
	return n;
}

/* tune phases, in the order they run */
enum {
	TUNE_RING = 1u << 0,
	TUNE_QSIZE = 1u << 1,
	TUNE_BATCH = 1u << 2,
	TUNE_NOTIFY = 1u << 3,
	TUNE_SPIN = 1u << 4,
	TUNE_ALL = (1u << 5) - 1,
};
static const char *const tune_phase_names[] = {"ring", "qsize", "batch", "notify", "spin"};

static unsigned parse_phases(const char *s)
{
	char buf[128], *tok, *save = NULL;
	unsigned bits = 0, i;

	if (strlen(s) >= sizeof(buf))
		die("--phases", "list too long");
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < 5; i++)
			if (!strcmp(tok, tune_phase_names[i]))
				break;
		if (i == 5)
			die("--phases", "unknown phase '%s' (ring, qsize, batch, notify, spin)", tok);
		bits |= 1u << i;
	}
	if (!bits)
		die("--phases", "empty list");
	return bits;
}

static void print_usage(FILE *f)
{
	fputs(usage_head, f);
	fputs(usage_common, f);
	fputs(usage_vrq, f);
	fputs(usage_rr, f);
	fputs(usage_stream, f);
	fputs(usage_baselines, f);
	fputs(usage_tune, f);
	fputs(usage_examples, f);
	fputs(usage_output, f);
}

/* MODE --help: what that mode takes */
static void print_mode_usage(enum mode m, const char *name)
{
	static const char *const what[] = {
		[M_RR] = "TCP_RR-style request/response transactions between the two sides\n"
			 "(netperf TCP_RR), vrq next to the baselines.\n",
		[M_STREAM] = "One-way throughput (items/s, GB/s) from side 0 to side 1, in copy\n"
			     "and zero-copy mode, vrq next to the stream baselines.\n",
		[M_LAT] = "Round-trip latency distribution only (min, p50 .. p99.99, max).\n",
		[M_SWEEP] = "A matrix of stream points (ring x queue size x batch x features x\n"
			    "doorbell x size); one JSON record per point.\n",
		[M_TOPO] = "",
		[M_BASELINES] = "The baselines alone: rr, or stream with --stream.\n",
		[M_TUNE] = "Sweep the knobs on this machine, phase by phase (ring, queue size,\n"
			   "batch, doorbell, hybrid spin budget), each phase with the choices\n"
			   "of the ones before, and print a recommendation with the numbers\n"
			   "behind it.  About a minute with the defaults.\n",
	};

	if (m == M_TOPO) {
		fputs(usage_topo, stdout);
		return;
	}
	printf("Usage: vrq-bench %s [OPTIONS]\n\n%s", name, what[m]);
	fputs(usage_common, stdout);
	if (m == M_TUNE) {
		fputs(usage_tune, stdout);
		fputs(usage_output, stdout);
		return;
	}
	if (m != M_BASELINES)
		fputs(usage_vrq, stdout);
	if (m == M_RR || m == M_LAT)
		fputs(usage_rr, stdout);
	if (m == M_STREAM || m == M_SWEEP)
		fputs(usage_stream, stdout);
	if (m == M_BASELINES)
		fputs(usage_baselines, stdout);
	fputs(usage_output, stdout);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"duration", required_argument, 0, 'l'}, {"count", required_argument, 0, 'n'},
		{"warmup", required_argument, 0, 'w'},	 {"reps", required_argument, 0, 1},
		{"threshold", required_argument, 0, 2},	 {"retries", required_argument, 0, 3},
		{"ring", required_argument, 0, 4},	 {"notify", required_argument, 0, 5},
		{"spin-ns", required_argument, 0, 6},	 {"event-idx", required_argument, 0, 7},
		{"in-order", optional_argument, 0, 8},	 {"indirect", optional_argument, 0, 9},
		{"qsize", required_argument, 0, 'q'},	 {"baseline", required_argument, 0, 10},
		{"threads", no_argument, 0, 11},	 {"procs", no_argument, 0, 12},
		{"cpus", required_argument, 0, 13},	 {"placement", required_argument, 0, 14},
		{"node", required_argument, 0, 15},	 {"hugepages", no_argument, 0, 16},
		{"json", required_argument, 0, 17},	 {"csv", required_argument, 0, 18},
		{"size", required_argument, 0, 'r'},	 {"msg", required_argument, 0, 'm'},
		{"batch", required_argument, 0, 'b'},	 {"copy-mode", required_argument, 0, 19},
		{"stream", no_argument, 0, 20},		 {"hybrid-block", required_argument, 0, 21},
		{"allow-shared-cpu", no_argument, 0, 22},
		{"phases", required_argument, 0, 23},
		{"queues", required_argument, 0, 24},
		{"reclaim", required_argument, 0, 25},
		{"help", no_argument, 0, 'h'},		 {0, 0, 0, 0},
	};
	char buf[256], *tok, *save;
	unsigned tmp[MAX_LIST], i;
	int c;

	opterr = 0; /* our own messages: argv[0] here is the mode */
	while ((c = getopt_long(argc, argv, ":l:n:w:q:r:m:b:h", lo, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->duration = parse_double("--duration", optarg, 0, 86400, true);
			break;
		case 'n':
			o->count = parse_u64("--count", optarg, 1, UINT64_MAX / 2);
			break;
		case 'w':
			o->warmup = parse_double("--warmup", optarg, 0, 3600, false);
			break;
		case 1:
			o->reps = (unsigned)parse_u64("--reps", optarg, 1, MAX_REPS);
			break;
		case 2:
			o->threshold = parse_double("--threshold", optarg, 0, 1, true);
			break;
		case 3:
			o->retries = (unsigned)parse_u64("--retries", optarg, 0, 1000);
			o->retries_set = true;
			break;
		case 4:
			o->matrix_set = true;
			snprintf(buf, sizeof(buf), "%s", optarg);
			o->nrings = 0;
			for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (o->nrings == 2)
					die("--ring", "at most split,packed");
				if (!strcmp(tok, "split"))
					o->rings[o->nrings++] = VRQ_RING_SPLIT;
				else if (!strcmp(tok, "packed"))
					o->rings[o->nrings++] = VRQ_RING_PACKED;
				else
					die("--ring", "unknown ring '%s' (split, packed)", tok);
			}
			if (!o->nrings)
				die("--ring", "empty list");
			break;
		case 5:
			o->matrix_set = true;
			o->nnotify = 0;
			if (!strcmp(optarg, "all")) {
				for (i = 0; i < VRQ_NOTIFY_KIND_COUNT; i++)
					o->notify[o->nnotify++] = (enum vrq_notify_kind)i;
				break;
			}
			snprintf(buf, sizeof(buf), "%s", optarg);
			for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (o->nnotify == VRQ_NOTIFY_KIND_COUNT)
					die("--notify", "too many backends");
				if (vrq_notify_kind_parse(tok, &o->notify[o->nnotify++]) < 0)
					die("--notify",
					    "unknown backend '%s' (poll, eventfd, futex, legacy-irq, "
					    "hybrid, all)",
					    tok);
			}
			if (!o->nnotify)
				die("--notify", "empty list");
			break;
		case 6:
			o->matrix_set = true;
			o->spin_ns = (uint32_t)parse_u64("--spin-ns", optarg, 0, 100000000);
			break;
		case 7:
			o->matrix_set = true;
			o->nevidx = parse_onoff("--event-idx", optarg, o->evidx);
			break;
		case 8:
			o->matrix_set = true;
			o->ninord = parse_onoff("--in-order", optarg ? optarg : "on", o->inord);
			break;
		case 9:
			o->matrix_set = true;
			o->nindir = parse_onoff("--indirect", optarg ? optarg : "on", o->indir);
			break;
		case 'q':
			o->matrix_set = true;
			o->nq = parse_list("--qsize", optarg, o->qsizes, MAX_LIST, 1, 32768);
			break;
		case 10:
			o->baselines = optarg;
			break;
		case 11:
			o->procs = false;
			break;
		case 12:
			o->procs = true;
			break;
		case 13: {
			unsigned cl[2 * VQ_MAX_QUEUES], nc;

			nc = parse_list("--cpus", optarg, cl, 2 * VQ_MAX_QUEUES, 0, 1u << 20);
			if (nc % 2)
				die("--cpus", "expected pairs of CPUs, A,B[,C,D...]");
			for (i = 0; i < nc; i++)
				o->cpu_list[i] = (int)cl[i];
			o->ncpu_list = nc;
			o->cpus[0] = (int)cl[0];
			o->cpus[1] = (int)cl[1];
			o->cpus_set = true;
			break;
		}
		case 14:
			if (vb_placement_parse(optarg, &o->placement) < 0)
				die("--placement",
				    "unknown placement '%s' (same-core, smt, same-l3, cross-l3, "
				    "cross-numa, auto)",
				    optarg);
			o->placement_set = true;
			break;
		case 15:
			o->node = (int)parse_u64("--node", optarg, 0, 1u << 16);
			break;
		case 16:
			o->hugepages = true;
			break;
		case 17:
			o->json = optarg;
			break;
		case 18:
			o->csv = optarg;
			break;
		case 'r':
			if (parse_list("--size", optarg, tmp, MAX_LIST, 1, MAX_MSG) != 2)
				die("--size", "expected REQ,RESP (each 1..%u)", MAX_MSG);
			o->req = tmp[0];
			o->resp = tmp[1];
			o->size_set = true;
			break;
		case 'm':
			o->nmsg = parse_list("--msg", optarg, o->msgs, MAX_LIST, 8, 65536);
			break;
		case 'b':
			o->matrix_set = true;
			o->nbatch = parse_list("--batch", optarg, o->batches, MAX_LIST, 1, 256);
			break;
		case 19:
			o->matrix_set = true;
			if (!strcmp(optarg, "both"))
				o->copy_mode = 0;
			else if (!strcmp(optarg, "copy"))
				o->copy_mode = 1;
			else if (!strcmp(optarg, "zero-copy"))
				o->copy_mode = 2;
			else
				die("--copy-mode", "'%s': expected copy, zero-copy or both", optarg);
			o->copy_set = true;
			break;
		case 20:
			o->stream_baselines = true;
			break;
		case 21:
			if (!strcmp(optarg, "eventfd"))
				o->hybrid_block = VRQ_NOTIFY_EVENTFD;
			else if (!strcmp(optarg, "futex"))
				o->hybrid_block = VRQ_NOTIFY_FUTEX;
			else
				die("--hybrid-block", "'%s': expected eventfd or futex", optarg);
			break;
		case 22:
			o->allow_shared_cpu = true;
			break;
		case 23:
			o->phases = parse_phases(optarg);
			break;
		case 24:
			o->queues = (unsigned)parse_u64("--queues", optarg, 1, VQ_MAX_QUEUES);
			break;
		case 25: {
			char rb[64], *rt, *rs = NULL;

			o->matrix_set = true;
			o->recl_set = true;
			o->nrecl = 0;
			snprintf(rb, sizeof(rb), "%s", optarg);
			for (rt = strtok_r(rb, ",", &rs); rt; rt = strtok_r(NULL, ",", &rs)) {
				if (o->nrecl == 2)
					die("--reclaim", "at most batch,all");
				if (!strcmp(rt, "batch"))
					o->recl_all[o->nrecl++] = false;
				else if (!strcmp(rt, "all"))
					o->recl_all[o->nrecl++] = true;
				else
					die("--reclaim", "'%s': expected batch, all or batch,all", rt);
			}
			if (!o->nrecl)
				die("--reclaim", "empty list");
			break;
		}
		case 'h':
			print_mode_usage(o->mode, argv[0]);
			exit(0);
		case ':':
			fprintf(stderr, "vrq-bench: option '%s' needs a value\nTry 'vrq-bench %s --help'.\n",
				argv[optind - 1], argv[0]);
			exit(2);
		default:
			fprintf(stderr, "vrq-bench: unknown option '%s'\nTry 'vrq-bench %s --help'.\n",
				argv[optind - 1], argv[0]);
			exit(2);
		}
	}
	if (optind < argc)
		die(NULL, "unexpected argument '%s'", argv[optind]);

	/* options of another mode: refused, never silently ignored */
	if (o->copy_set && o->mode != M_STREAM && o->mode != M_SWEEP)
		die("--copy-mode", "applies to stream and sweep only, not to %s", argv[0]);
	if (o->recl_set && o->mode != M_STREAM && o->mode != M_SWEEP)
		die("--reclaim", "applies to stream and sweep only, not to %s", argv[0]);
	if ((o->nmsg || o->nbatch) && (o->mode == M_RR || o->mode == M_LAT))
		die(o->nmsg ? "--msg" : "--batch", "applies to stream, sweep and baselines --stream "
			"only (%s sizes are -r REQ,RESP)", argv[0]);
	if (o->size_set && (o->mode == M_STREAM || o->mode == M_SWEEP))
		die("--size", "applies to rr, lat, baselines and tune only (%s sizes are -m LIST)",
		    argv[0]);
	if (o->stream_baselines && o->mode != M_BASELINES)
		die("--stream", "applies to baselines mode only (use vrq-bench stream)");
	if (o->phases && o->mode != M_TUNE)
		die("--phases", "applies to tune only");
	if (o->queues && o->mode != M_STREAM)
		die("--queues", "applies to stream only");
	if (o->ncpu_list > 2 && o->queues < 2)
		die("--cpus", "more than one CPU pair needs --queues N (one pair per queue)");
	if (o->queues && o->ncpu_list / 2 > o->queues)
		die("--cpus", "%u CPU pairs for %u queue(s): at most one pair per queue",
		    o->ncpu_list / 2, o->queues);
	if (o->mode == M_TUNE) {
		if (o->matrix_set)
			die(NULL, "tune sweeps the ring, doorbell, queue size, batch, features and "
				  "spin budget itself: --ring, --notify, -q, -b, --event-idx, "
				  "--in-order, --indirect, --spin-ns, --copy-mode and --reclaim are "
				  "refused");
		if (o->nmsg > 1)
			die("--msg", "tune takes one message size");
		if (o->baselines)
			die("--baseline", "tune picks its own references (spsc, eventfd)");
	}
}

/* ---- measurement ------------------------------------------------------------ */

struct point {
	char name[64];		/* table label */
	char mech[64];		/* JSON mechanism */
	bool is_vrq;
	const struct vb_baseline *base;
	struct vq_opts vq;
	struct vb_params p;
	bool stream;
	unsigned nq;				    /* stream: queues at once (0/1: one) */
	int qcpu[VQ_MAX_QUEUES][2];		    /* their CPU pairs */
	double qlast[VQ_MAX_QUEUES];		    /* the last run's per-queue rates */
	double qval[VQ_MAX_QUEUES][MAX_REPS];	    /* per used rep */
	/* results */
	double val[MAX_REPS];	/* trans/s or items/s per used rep */
	double gbs[MAX_REPS];
	double notif[MAX_REPS], intr[MAX_REPS], cpu_pct[MAX_REPS], sdemand[MAX_REPS];
	double p50[MAX_REPS];	/* rr: per-repetition median round trip, ns */
	struct vb_cpuload load[MAX_REPS];
	unsigned used, discarded, tries;
	struct vb_hist hist;
	struct vq_counters cnt; /* summed over used reps */
	uint64_t trans, notif_total, intr_total, bytes_total;
	int rc;
	char err[256];
};

static struct opts O;
static unsigned ncpu_online;

static void add_counters(struct vq_counters *sum, const struct vq_counters *c)
{
#define ADD(f) (sum->kick_tx.f += c->kick_tx.f, sum->kick_rx.f += c->kick_rx.f, \
		sum->irq_tx.f += c->irq_tx.f, sum->irq_rx.f += c->irq_rx.f)
	ADD(sent);
	ADD(suppressed);
	ADD(syscalls);
	ADD(waits);
	ADD(wakeups);
	ADD(spurious);
	ADD(status_reads);
	ADD(acks);
	ADD(coalesced);
	ADD(spin_hits);
	ADD(recheck_hits);
#undef ADD
}

static int run_point_once(struct point *pt, struct vb_result *r, struct vb_cpuload *load,
			  struct vq_counters *c)
{
	int rc;

	if (pt->is_vrq) {
		if (pt->stream && pt->nq > 1)
			rc = vq_run_stream_multi(&pt->p, &pt->vq, pt->nq,
						 (const int(*)[2])pt->qcpu, r, c, pt->qlast, pt->err,
						 sizeof(pt->err));
		else
			rc = pt->stream ? vq_run_stream(&pt->p, &pt->vq, r, c, pt->err,
							sizeof(pt->err))
					: vq_run_rr(&pt->p, &pt->vq, r, c, pt->err, sizeof(pt->err));
		if (rc == 0)
			*load = c->load;
		return rc;
	}
	vb_cpuload_begin(load);
	rc = pt->stream ? pt->base->stream(&pt->p, r) : pt->base->rr(&pt->p, r);
	vb_cpuload_end(load);
	if (rc < 0)
		snprintf(pt->err, sizeof(pt->err), "%s", strerror(-rc));
	return rc;
}

/*
 * One accepted repetition of a point.  A disturbed repetition (others used
 * more than --threshold of the machine) is discarded and run again while
 * the point's budget (--reps + --retries tries) still leaves room for the
 * repetitions it owes; after that, disturbed ones are kept (and reported
 * in the JSON disturbance record).
 */
static int run_point_rep(struct point *pt, struct vb_result *r)
{
	unsigned max_tries = O.reps + (O.retries_set ? O.retries : O.reps);

	for (;;) {
		struct vb_cpuload load;
		struct vq_counters c;
		double secs;
		int rc;

		pt->tries++;
		memset(&load, 0, sizeof(load));
		memset(&c, 0, sizeof(c));
		rc = run_point_once(pt, r, &load, &c);
		if (rc < 0) {
			pt->rc = rc;
			return rc;
		}
		if (load.ok && vb_cpuload_disturbed(&load, O.threshold) &&
		    max_tries - pt->tries >= O.reps - pt->used) {
			pt->discarded++;
			continue;
		}
		secs = (double)r->elapsed_ns * 1e-9;
		if (secs <= 0 || r->trans == 0) {
			snprintf(pt->err, sizeof(pt->err), "no transactions measured");
			pt->rc = -EIO;
			return -EIO;
		}
		pt->load[pt->used] = load;
		if (pt->is_vrq)
			add_counters(&pt->cnt, &c);
		pt->val[pt->used] = (double)r->trans / secs;
		for (unsigned q = 0; q < pt->nq && pt->nq > 1; q++)
			pt->qval[q][pt->used] = pt->qlast[q];
		pt->gbs[pt->used] = (double)r->bytes / secs * 1e-9;
		pt->notif[pt->used] = (double)r->notifications / (double)r->trans;
		pt->intr[pt->used] = (double)r->interrupts / (double)r->trans;
		pt->cpu_pct[pt->used] = 100.0 * r->cpu_s / (secs * (ncpu_online ? ncpu_online : 1));
		pt->sdemand[pt->used] = r->cpu_s * 1e6 / (double)r->trans;
		pt->trans += r->trans;
		pt->notif_total += r->notifications;
		pt->intr_total += r->interrupts;
		pt->bytes_total += r->bytes;
		if (!pt->stream) {
			vb_hist_merge(&pt->hist, &r->hist);
			pt->p50[pt->used] = (double)vb_hist_quantile(&r->hist, 0.5);
		}
		pt->used++;
		return 0;
	}
}

/* ---- output ----------------------------------------------------------------- */

static void fmt_rate(char *b, size_t n, double v)
{
	if (v >= 1e6)
		snprintf(b, n, "%.2fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(b, n, "%.1fk", v / 1e3);
	else
		snprintf(b, n, "%.0f", v);
}

static void fmt_us(char *b, size_t n, uint64_t ns)
{
	if (ns < 10000)
		snprintf(b, n, "%.2f", (double)ns / 1e3);
	else
		snprintf(b, n, "%.1f", (double)ns / 1e3);
}

static double median_of(const double *v, unsigned n)
{
	struct vb_summary s;

	if (vb_stats_summary(v, n, &s) < 0)
		return 0;
	return s.median;
}

/* Does the mechanism burn its CPU waiting (poll, hybrid's spin phase, the
 * spinning baselines) rather than sleep in the kernel? */
static bool spins(const struct point *pt)
{
	if (pt->is_vrq)
		return pt->vq.notify == VRQ_NOTIFY_POLL || pt->vq.notify == VRQ_NOTIFY_HYBRID;
	return !strcmp(pt->base->name, "floor") || !strcmp(pt->base->name, "spsc") ||
	       !strcmp(pt->base->name, "wfcq");
}

/*
 * Both sides on one CPU: a spinning side holds the CPU its peer needs until
 * the scheduler preempts it, so the numbers measure the time slice.  Refused
 * unless --allow-shared-cpu, which prints a warning with the table.
 */
static void check_shared_cpu(const struct point *pts, unsigned n, const int cpu[2])
{
	char names[160] = "";
	size_t len = 0;
	unsigned i, k = 0;
	bool shared = (cpu[0] >= 0 && cpu[0] == cpu[1]) || (cpu[0] < 0 && ncpu_online == 1);

	if (!shared)
		return;
	for (i = 0; i < n; i++) {
		if (!spins(&pts[i]))
			continue;
		if (k++ < 3 && len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						len ? ", " : "", pts[i].name);
	}
	if (!k)
		return;
	if (!O.allow_shared_cpu)
		die("--cpus", "both sides on CPU %d, and %u spinning mechanism(s) (%s%s) would "
			      "measure the scheduler, not the mechanism: use two CPUs, only blocking "
			      "ones (--notify eventfd,futex --baseline eventfd,futex,pipe,tcp), or "
			      "--allow-shared-cpu",
		    cpu[0], k, names, k > 3 ? ", ..." : "");
	printf("WARNING: both sides share CPU %d: the %u spinning mechanism(s) (%s%s) measure "
	       "the scheduler's time slice, not the mechanism\n",
	       cpu[0], k, names, k > 3 ? ", ..." : "");
}

static void print_rr_table(struct point *pts, unsigned n, bool lat_only)
{
	double ref_floor = 0, ref_tcp = 0, ref_efd = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (pts[i].rc || !pts[i].used || pts[i].is_vrq)
			continue;
		if (!strcmp(pts[i].base->name, "floor"))
			ref_floor = median_of(pts[i].p50, pts[i].used);
		if (!strcmp(pts[i].base->name, "tcp"))
			ref_tcp = median_of(pts[i].val, pts[i].used);
		if (!strcmp(pts[i].base->name, "eventfd"))
			ref_efd = median_of(pts[i].val, pts[i].used);
	}
	if (lat_only)
		printf("\n%-24s %8s %8s %8s %8s %8s %8s %8s %8s\n", "Mechanism", "min us", "p50 us",
		       "p90 us", "p99 us", "p99.9 us", "p99.99", "max us", "samples");
	else
		printf("\n%-24s %-25s %7s %7s %7s %8s %7s %6s %6s %5s %6s %8s %8s %8s\n", "Mechanism",
		       "Trans/s median [min-max]", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us",
		       "not/tr", "int/tr", "CPU%", "us/tr", "p50/flr", "x tcp", "x efd");
	for (i = 0; i < n; i++) {
		struct point *pt = &pts[i];
		struct vb_summary s;
		char a[16], b[16], c[16], q[6][16];
		unsigned k;
		static const double qs[6] = {0.5, 0.9, 0.99, 0.999, 0.9999, 1.0};

		if (pt->rc || !pt->used) {
			printf("%-24s FAILED: %s\n", pt->name, pt->err[0] ? pt->err : "no data");
			continue;
		}
		vb_stats_summary(pt->val, pt->used, &s);
		for (k = 0; k < 6; k++)
			fmt_us(q[k], sizeof(q[k]), vb_hist_quantile(&pt->hist, qs[k]));
		if (lat_only) {
			char mn[16];

			fmt_us(mn, sizeof(mn), pt->hist.min);
			printf("%-24s %8s %8s %8s %8s %8s %8s %8s %8" PRIu64 "\n", pt->name, mn, q[0],
			       q[1], q[2], q[3], q[4], q[5], pt->hist.count);
			continue;
		}
		fmt_rate(a, sizeof(a), s.median);
		fmt_rate(b, sizeof(b), s.min);
		fmt_rate(c, sizeof(c), s.max);
		{
			char rate[64], rf[16] = "-", rt[16] = "-", re[16] = "-";
			/* median of the per-repetition p50s: a repetition in
			 * another machine mode shifts the merged histogram */
			double p50 = median_of(pt->p50, pt->used);

			snprintf(rate, sizeof(rate), "%s [%s-%s]%s", a, b, c, s.bimodal ? "~" : "");
			/* '*': the floor spins, tcp and eventfd block */
			if (ref_floor > 0)
				snprintf(rf, sizeof(rf), "%.2f%s", p50 / ref_floor, spins(pt) ? "" : "*");
			if (ref_tcp > 0)
				snprintf(rt, sizeof(rt), "%.2f%s", s.median / ref_tcp, spins(pt) ? "*" : "");
			if (ref_efd > 0)
				snprintf(re, sizeof(re), "%.2f%s", s.median / ref_efd, spins(pt) ? "*" : "");
			printf("%-24s %-25s %7s %7s %7s %8s %7s %6.2f %6.2f %5.0f %6.2f %8s %8s %8s\n",
			       pt->name, rate, q[0], q[1], q[2], q[3], q[5], median_of(pt->notif, pt->used),
			       median_of(pt->intr, pt->used), median_of(pt->cpu_pct, pt->used),
			       median_of(pt->sdemand, pt->used), rf, rt, re);
		}
	}
}

static void print_legend(bool rr, bool lat_only)
{
	if (rr)
		printf("\nLatencies: round trips in us (p99.9 us included); ");
	else
		printf("\n");
	printf("'~' after [min-max]: the repetitions look bimodal\n"
	       "(two clusters: compare rows of this run only).");
	if (rr && !lat_only)
		printf("  p50/flr, x tcp, x efd: ratios to this\n"
		       "run's floor p50, tcp and eventfd rates; '*' marks a spinning mechanism "
		       "compared with\na blocking one (the spinner pays with a busy CPU: see "
		       "CPU%% and us/tr).");
	printf("\n");
}

static void print_stream_table(struct point *pts, unsigned n)
{
	unsigned i, k;
	int w = 30; /* the name column: as wide as the longest name */

	for (i = 0; i < n; i++)
		if ((int)strlen(pts[i].name) > w)
			w = (int)strlen(pts[i].name);
	printf("\n%-*s %6s %5s %-28s %8s %6s %6s %8s\n", w, "Mechanism", "msg B", "batch",
	       "Items/s median [min-max]", "GB/s", "not/it", "CPU%", "x spsc");
	for (i = 0; i < n; i++) {
		struct point *pt = &pts[i];
		struct vb_summary s;
		char a[16], b[16], c[16], rate[64], ratio[16] = "-";

		if (pt->rc || !pt->used) {
			printf("%-*s FAILED: %s\n", w, pt->name, pt->err[0] ? pt->err : "no data");
			continue;
		}
		vb_stats_summary(pt->val, pt->used, &s);
		fmt_rate(a, sizeof(a), s.median);
		fmt_rate(b, sizeof(b), s.min);
		fmt_rate(c, sizeof(c), s.max);
		snprintf(rate, sizeof(rate), "%s [%s-%s]%s", a, b, c, s.bimodal ? "~" : "");
		for (k = 0; k < n; k++) {
			if (!pts[k].is_vrq && !strcmp(pts[k].base->name, "spsc") && !pts[k].rc &&
			    pts[k].used && pts[k].p.msg == pt->p.msg && pts[k].p.batch == pt->p.batch)
				snprintf(ratio, sizeof(ratio), "%.1f%%",
					 100.0 * s.median / median_of(pts[k].val, pts[k].used));
		}
		printf("%-*s %6zu %5u %-28s %8.3f %6.3f %6.0f %8s\n", w, pt->name, pt->p.msg,
		       pt->p.batch, rate, median_of(pt->gbs, pt->used), median_of(pt->notif, pt->used),
		       median_of(pt->cpu_pct, pt->used), ratio);
	}
}

static void add_records(struct vb_report *rep, struct point *pts, unsigned n, const char *mode)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct point *pt = &pts[i];
		struct vb_record *rec;

		if (pt->rc || !pt->used)
			continue;
		rec = vb_report_add(rep, pt->mech);
		vb_record_mode(rec, mode);
		if (pt->is_vrq) {
			vb_record_param_str(rec, "ring",
					    pt->vq.ring == VRQ_RING_PACKED ? "packed" : "split");
			vb_record_param_str(rec, "notify", vrq_notify_kind_name(pt->vq.notify));
			vb_record_param_int(rec, "event_idx", pt->vq.event_idx);
			vb_record_param_int(rec, "in_order", pt->vq.in_order);
			vb_record_param_int(rec, "indirect", pt->vq.indirect);
			vb_record_param_str(rec, "process_mode", pt->vq.procs ? "procs" : "threads");
			if (pt->vq.notify == VRQ_NOTIFY_HYBRID)
				vb_record_param_int(rec, "spin_ns", pt->vq.spin_ns);
		} else {
			vb_record_param_str(rec, "process_mode", pt->p.procs ? "procs" : "threads");
		}
		vb_record_param_int(rec, "qsize", pt->p.qsize);
		if (pt->stream) {
			vb_record_param_int(rec, "msg", (long long)pt->p.msg);
			vb_record_param_int(rec, "batch", pt->p.batch);
			if (pt->is_vrq) {
				vb_record_param_str(rec, "copy", pt->vq.zero_copy ? "zero-copy" : "copy");
				vb_record_param_str(rec, "reclaim", pt->vq.reclaim_all ? "all" : "batch");
			}
			if (pt->nq > 1) {
				unsigned q;

				vb_record_param_int(rec, "queues", pt->nq);
				for (q = 0; q < pt->nq; q++) {
					char key[32];

					snprintf(key, sizeof(key), "queue%u_items_per_s", q);
					vb_record_metric(rec, key, "1/s", pt->qval[q], pt->used);
				}
			}
			vb_record_metric(rec, "items_per_s", "1/s", pt->val, pt->used);
			vb_record_metric(rec, "gb_per_s", "GB/s", pt->gbs, pt->used);
		} else {
			vb_record_param_int(rec, "req", (long long)pt->p.req);
			vb_record_param_int(rec, "resp", (long long)pt->p.resp);
			vb_record_metric(rec, "trans_per_s", "1/s", pt->val, pt->used);
			vb_record_metric(rec, "p50_ns", "ns", pt->p50, pt->used);
			vb_record_hist(rec, "latency_ns", &pt->hist);
		}
		vb_record_metric(rec, "notifications_per_trans", "1", pt->notif, pt->used);
		vb_record_metric(rec, "interrupts_per_trans", "1", pt->intr, pt->used);
		vb_record_metric(rec, "cpu_util_pct", "%", pt->cpu_pct, pt->used);
		vb_record_metric(rec, "service_demand_us", "us", pt->sdemand, pt->used);
		vb_record_counter(rec, "trans", pt->trans);
		vb_record_counter(rec, "notifications", pt->notif_total);
		vb_record_counter(rec, "interrupts", pt->intr_total);
		if (pt->stream)
			vb_record_counter(rec, "bytes", pt->bytes_total);
		if (pt->is_vrq) {
			vb_record_counter(rec, "kicks_sent", pt->cnt.kick_tx.sent);
			vb_record_counter(rec, "kicks_suppressed", pt->cnt.kick_tx.suppressed);
			vb_record_counter(rec, "interrupts_sent", pt->cnt.irq_tx.sent);
			vb_record_counter(rec, "interrupts_suppressed", pt->cnt.irq_tx.suppressed);
			vb_record_counter(rec, "wakeups", pt->cnt.kick_rx.wakeups + pt->cnt.irq_rx.wakeups);
			vb_record_counter(rec, "spurious", pt->cnt.kick_rx.spurious + pt->cnt.irq_rx.spurious);
			vb_record_counter(rec, "status_reads",
					  pt->cnt.kick_rx.status_reads + pt->cnt.irq_rx.status_reads);
			vb_record_counter(rec, "acks", pt->cnt.kick_rx.acks + pt->cnt.irq_rx.acks);
			vb_record_counter(rec, "syscalls", pt->cnt.kick_tx.syscalls + pt->cnt.irq_tx.syscalls);
		}
		vb_record_reps(rec, pt->used, pt->discarded);
		vb_record_disturbance(rec, pt->load, pt->used, O.threshold);
	}
}

static void print_counters(struct point *pts, unsigned n)
{
	unsigned i;
	bool any = false;

	for (i = 0; i < n; i++) {
		struct point *pt = &pts[i];
		double t = (double)pt->trans;

		if (!pt->is_vrq || pt->rc || !pt->used || pt->trans == 0)
			continue;
		if (!any)
			printf("\nPer transaction (vrq): kicks sent/suppressed, interrupts "
			       "sent/suppressed, wake-ups, spurious, status reads, ACKs, syscalls\n");
		any = true;
		printf("  %-22s kick %.3f/%.3f  irq %.3f/%.3f  wake %.3f  spur %.3f  status %.3f  "
		       "ack %.3f  sys %.3f\n",
		       pt->name, pt->cnt.kick_tx.sent / t, pt->cnt.kick_tx.suppressed / t,
		       pt->cnt.irq_tx.sent / t, pt->cnt.irq_tx.suppressed / t,
		       (pt->cnt.kick_rx.wakeups + pt->cnt.irq_rx.wakeups) / t,
		       (pt->cnt.kick_rx.spurious + pt->cnt.irq_rx.spurious) / t,
		       (pt->cnt.kick_rx.status_reads + pt->cnt.irq_rx.status_reads) / t,
		       (pt->cnt.kick_rx.acks + pt->cnt.irq_rx.acks) / t,
		       (pt->cnt.kick_tx.syscalls + pt->cnt.irq_tx.syscalls) / t);
	}
}

/* ---- modes -------------------------------------------------------------------- */

static void base_params(struct vb_params *p, const int cpu[2], unsigned qsize)
{
	memset(p, 0, sizeof(*p));
	p->cpu[0] = cpu[0];
	p->cpu[1] = cpu[1];
	/* -n: the count decides; the duration is only a bound (1 hour) */
	p->duration_ns = O.count ? 3600ull * 1000000000ull : (uint64_t)(O.duration * 1e9);
	p->warmup_ns = (uint64_t)(O.warmup * 1e9);
	p->max_trans = O.count;
	p->req = O.req;
	p->resp = O.resp;
	p->qsize = qsize;
	p->numa_node = O.node;
	p->lat_hist = true;
	/* the baselines get vrq's process mode and memory policy (vrq's
	 * points take theirs from struct vq_opts) */
	p->procs = O.procs;
	p->hugepages = O.hugepages;
}

static void vq_point(struct point *pt, enum vrq_ring_kind ring, enum vrq_notify_kind nk, bool evidx,
		     bool inord, bool indir)
{
	pt->is_vrq = true;
	pt->vq.ring = ring;
	pt->vq.notify = nk;
	pt->vq.block = O.hybrid_block;
	pt->vq.spin_ns = O.spin_ns;
	pt->vq.event_idx = evidx;
	pt->vq.in_order = inord;
	pt->vq.indirect = indir;
	pt->vq.procs = O.procs;
	pt->vq.hugepages = O.hugepages;
}

static unsigned add_baselines(struct point *pts, unsigned n, const char *list, const int cpu[2],
			      bool stream)
{
	char buf[256], *tok, *save = NULL;

	if (!strcmp(list, "none"))
		return n;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct vb_baseline *b = vb_baseline_find(tok);
		unsigned mi, bi;

		if (!strcmp(tok, "linux-ringtest")) {
			/* every ringtest binary that is there, in table order */
			const struct vb_baseline *const *e;
			char one[32];

			if (!stream)
				die("--baseline", "'linux-ringtest' has no rr mode (stream only)");
			for (e = vb_ext_baselines; *e; e++) {
				snprintf(one, sizeof(one), "%s", (*e)->name);
				n = add_baselines(pts, n, one, cpu, stream);
			}
			continue;
		}
		if (!b)
			die("--baseline", "unknown baseline '%s'", tok);
		if (stream ? !b->stream : !b->rr)
			die("--baseline", "'%s' has no %s mode", tok, stream ? "stream" : "rr");
		if (b->priv && !vb_ringtest_available(b->name)) {
			printf("baseline %s: skipped: no %s/%s (build it with scripts/ringtest.sh "
			       "build, or set VRQ_RINGTEST_DIR)\n",
			       b->name, vb_ringtest_dir(), b->priv);
			continue;
		}
		for (mi = 0; mi < (stream ? O.nmsg : 1); mi++) {
			for (bi = 0; bi < (stream ? O.nbatch : 1); bi++) {
				struct point *pt = &pts[n];

				if (n == MAX_MECH)
					die(NULL, "too many points");
				memset(pt, 0, sizeof(*pt));
				pt->base = b;
				pt->stream = stream;
				base_params(&pt->p, cpu, O.nq ? O.qsizes[0] : 256);
				if (stream) {
					pt->p.msg = O.msgs[mi];
					pt->p.batch = O.batches[bi];
				}
				snprintf(pt->name, sizeof(pt->name), "baseline %s", b->name);
				snprintf(pt->mech, sizeof(pt->mech), "baseline:%s", b->name);
				n++;
			}
		}
	}
	return n;
}

/* --queues: queue i on the i-th --cpus pair (cycling), else all on @p cpu */
static void set_queues(struct point *pt, const int cpu[2])
{
	unsigned i, npair = O.ncpu_list >= 2 ? O.ncpu_list / 2 : 1;

	pt->nq = O.queues > 1 ? O.queues : 1;
	for (i = 0; i < pt->nq; i++) {
		if (O.ncpu_list >= 2) {
			pt->qcpu[i][0] = O.cpu_list[2 * (i % npair)];
			pt->qcpu[i][1] = O.cpu_list[2 * (i % npair) + 1];
		} else {
			pt->qcpu[i][0] = cpu[0];
			pt->qcpu[i][1] = cpu[1];
		}
	}
}

static const char *qsuf(unsigned nq)
{
	static char b[4][16];
	static unsigned k;

	k = (k + 1) % 4;
	snprintf(b[k], sizeof(b[k]), " x%uq", nq);
	return b[k];
}

/*
 * More queues than CPU pairs: their threads share CPUs, which a spinning
 * mechanism turns into a measurement of the scheduler (as with --cpus A,A).
 */
static void check_shared_queues(const struct point *pts, unsigned n)
{
	unsigned i, j, npair = O.ncpu_list >= 2 ? O.ncpu_list / 2 : 1;
	const struct point *pt = NULL;
	bool shared = false;

	for (i = 0; i < n && !pt; i++)
		if (pts[i].is_vrq && pts[i].nq > 1)
			pt = &pts[i];
	if (!pt)
		return;
	/* any CPU given to two of the queues' 2 * nq threads */
	for (i = 0; i < 2 * pt->nq && !shared; i++)
		for (j = i + 1; j < 2 * pt->nq; j++)
			if (pt->qcpu[i / 2][i % 2] >= 0 &&
			    pt->qcpu[i / 2][i % 2] == pt->qcpu[j / 2][j % 2]) {
				shared = true;
				break;
			}
	if (!shared)
		return;
	for (i = 0; i < n; i++) {
		if (!pts[i].is_vrq || !spins(&pts[i]))
			continue;
		if (!O.allow_shared_cpu)
			die("--queues", "%u queues on %u CPU pair(s) share CPUs, and %s spins: use "
					"a blocking doorbell (--notify eventfd,futex), CPU pairs that do "
					"not overlap (--cpus A,B,C,D...), or --allow-shared-cpu",
			    O.queues, npair, pts[i].name);
		printf("WARNING: %u queues share CPUs: the spinning mechanisms measure the "
		       "scheduler's time slice\n",
		       O.queues);
		return;
	}
}

static void print_queues(const struct point *pts, unsigned n)
{
	unsigned i, q;
	char a[16];

	for (i = 0; i < n; i++) {
		const struct point *pt = &pts[i];

		if (pt->nq < 2 || pt->rc || !pt->used)
			continue;
		printf("\nPer queue, %s (items/s, median of %u):\n", pt->name, pt->used);
		for (q = 0; q < pt->nq; q++) {
			fmt_rate(a, sizeof(a), median_of(pt->qval[q], pt->used));
			printf("  queue %-2u CPUs %d,%d  %s\n", q, pt->qcpu[q][0], pt->qcpu[q][1], a);
		}
	}
}

static unsigned count_label(struct point *pts, unsigned n)
{
	(void)pts;
	return n;
}

/*
 * Repetitions are interleaved: round k runs every point once, so drift on a
 * shared machine (these VMs change speed between runs, at times by 3x)
 * hits every mechanism alike and the same-run ratios stay meaningful.
 */
static void run_all(struct point *pts, unsigned n, const char *label)
{
	struct vb_result *r = malloc(sizeof(*r));
	unsigned i, k;

	if (!r)
		die(NULL, "out of memory");
	for (i = 0; i < n; i++)
		vb_hist_init(&pts[i].hist);
	vb_progress_start(label, (uint64_t)n * O.reps);
	for (k = 0; k < O.reps; k++) {
		for (i = 0; i < n; i++) {
			if (pts[i].rc)
				continue;
			if (run_point_rep(&pts[i], r) < 0)
				fprintf(stderr, "vrq-bench: %s: %s\n", pts[i].name, pts[i].err);
			vb_progress_update((uint64_t)k * n + i + 1);
		}
	}
	vb_progress_end();
	free(r);
}

static int write_outputs(struct vb_report *rep)
{
	if (O.json && vb_report_write_json(rep, O.json) < 0) {
		fprintf(stderr, "vrq-bench: --json: cannot write %s: %s\n", O.json,
			vb_report_error(rep) ? vb_report_error(rep) : strerror(errno));
		return 1;
	}
	if (O.csv_f) {
		FILE *f = O.csv_f;

		O.csv_f = NULL;
		if (vb_report_write_csv(rep, f) < 0 || (f != stdout && fclose(f) != 0)) {
			fprintf(stderr, "vrq-bench: --csv: cannot write %s\n", O.csv);
			return 1;
		}
	}
	return 0;
}

static int finish(struct vb_report *rep, struct point *pts, unsigned n, const char *mode)
{
	unsigned i, disc = 0, failed = 0;

	for (i = 0; i < n; i++) {
		disc += pts[i].discarded;
		failed += pts[i].rc != 0;
	}
	printf("\n%u repetition(s) discarded as disturbed (others > %.1f%% CPU); %u point(s) failed.\n",
	       disc, O.threshold * 100, failed);
	add_records(rep, pts, n, mode);
	if (write_outputs(rep))
		return 1;
	return failed ? 1 : 0;
}

/* ---- tune ----------------------------------------------------------------------- */

/*
 * vrq-bench tune: phase by phase, each with the choices of the phases before
 * it.  A choice is the cheapest setting whose median is within a tolerance of
 * the best median of its phase (smaller queues and batches cost less memory
 * and latency), and the table it came from is printed above it.
 */
#define TUNE_MAX 8

struct tune {
	enum vrq_ring_kind ring;
	bool in_order;
	unsigned qsize, batch;
	int fast;	 /* index into notify points: lowest p50 */
	int frugal;	 /* blocking backend with the highest rate */
	uint32_t spin_ns;
	bool spin_set;
	char line[5][320]; /* the recommendation of each phase run */
	unsigned disc, failed;
	struct point npts[TUNE_MAX]; /* the notify phase's points */
	unsigned nn;
};

static const char *ring_name(enum vrq_ring_kind r)
{
	return r == VRQ_RING_PACKED ? "packed" : "split";
}

static double pt_med(const struct point *pt)
{
	return median_of(pt->val, pt->used);
}

static bool pt_ok(const struct point *pt)
{
	return !pt->rc && pt->used;
}

/* the two points' [min, max] ranges overlap: this run cannot order them */
static bool pt_overlap(const struct point *a, const struct point *b)
{
	struct vb_summary x, y;

	if (vb_stats_summary(a->val, a->used, &x) < 0 || vb_stats_summary(b->val, b->used, &y) < 0)
		return false;
	return x.min <= y.max && y.min <= x.max;
}

static void tune_stream_point(struct point *pt, enum vrq_ring_kind ring, bool ino, unsigned q,
			      unsigned batch, const int cpu[2])
{
	memset(pt, 0, sizeof(*pt));
	vq_point(pt, ring, VRQ_NOTIFY_POLL, true, ino, false);
	pt->stream = true;
	pt->vq.zero_copy = true;
	base_params(&pt->p, cpu, q);
	pt->p.msg = O.msgs[0];
	pt->p.batch = batch;
	snprintf(pt->name, sizeof(pt->name), "vrq %s%s zc q%u b%u", ring_name(ring),
		 ino ? " ino" : "", q, batch);
	snprintf(pt->mech, sizeof(pt->mech), "vrq-%s-poll", ring_name(ring));
}

static void tune_rr_point(struct point *pt, const struct tune *t, enum vrq_notify_kind nk,
			  uint32_t spin_ns, const int cpu[2])
{
	memset(pt, 0, sizeof(*pt));
	vq_point(pt, t->ring, nk, true, t->in_order, false);
	pt->vq.spin_ns = spin_ns;
	base_params(&pt->p, cpu, t->qsize);
	if (nk == VRQ_NOTIFY_HYBRID && spin_ns != O.spin_ns)
		snprintf(pt->name, sizeof(pt->name), "vrq %s hybrid spin %s", ring_name(t->ring),
			 spin_ns ? "" : "adaptive");
	else
		snprintf(pt->name, sizeof(pt->name), "vrq %s %s", ring_name(t->ring),
			 vrq_notify_kind_name(nk));
	if (nk == VRQ_NOTIFY_HYBRID && spin_ns && spin_ns != O.spin_ns)
		snprintf(pt->name + strlen(pt->name), sizeof(pt->name) - strlen(pt->name), "%u ns",
			 spin_ns);
	snprintf(pt->mech, sizeof(pt->mech), "vrq-%s-%s", ring_name(t->ring),
		 vrq_notify_kind_name(nk));
}

/* run one phase's points, print its table, add its records */
static void tune_run(struct vb_report *rep, struct tune *t, struct point *pts, unsigned n,
		     const char *phase, bool stream, const int cpu[2])
{
	char label[32], mode[32];
	unsigned i;

	snprintf(label, sizeof(label), "tune %s", phase);
	snprintf(mode, sizeof(mode), "tune-%s", phase);
	check_shared_cpu(pts, n, cpu);
	run_all(pts, n, label);
	if (stream)
		print_stream_table(pts, n);
	else
		print_rr_table(pts, n, false);
	for (i = 0; i < n; i++) {
		t->disc += pts[i].discarded;
		t->failed += pts[i].rc != 0;
	}
	add_records(rep, pts, n, mode);
}

/*
 * The cheapest of pts[0..n) (ordered cheapest first) whose median is at
 * least @p tol of the best median; -1 when none measured.
 */
static int tune_pick(const struct point *pts, unsigned n, double tol, int *best_out)
{
	int best = -1;
	unsigned i;

	for (i = 0; i < n; i++)
		if (pts[i].is_vrq && pt_ok(&pts[i]) && (best < 0 || pt_med(&pts[i]) > pt_med(&pts[best])))
			best = (int)i;
	if (best_out)
		*best_out = best;
	if (best < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (pts[i].is_vrq && pt_ok(&pts[i]) && pt_med(&pts[i]) >= tol * pt_med(&pts[best]))
			return (int)i;
	return best;
}

static void tune_phase_ring(struct vb_report *rep, struct tune *t, const int cpu[2])
{
	static struct point pts[TUNE_MAX];
	static const struct {
		enum vrq_ring_kind ring;
		bool ino;
	} c[4] = {{VRQ_RING_SPLIT, false}, {VRQ_RING_SPLIT, true}, {VRQ_RING_PACKED, false},
		  {VRQ_RING_PACKED, true}};
	unsigned n = 0, i, q = 256, b = 32;
	int best, k, j, len;
	char rate[16];

	printf("\n== ring: zero-copy stream of %u B items, batch %u, queue %u, polling ==\n", O.msgs[0],
	       b, q);
	for (i = 0; i < 4; i++)
		tune_stream_point(&pts[n++], c[i].ring, c[i].ino, q, b, cpu);
	O.batches[0] = b;
	O.nbatch = 1;
	n = add_baselines(pts, n, "spsc", cpu, true);
	tune_run(rep, t, pts, n, "ring", true, cpu);
	best = -1;
	for (i = 0; i < 4; i++)
		if (pt_ok(&pts[i]) && (best < 0 || pt_med(&pts[i]) > pt_med(&pts[best])))
			best = (int)i;
	if (best < 0) {
		snprintf(t->line[0], sizeof(t->line[0]), "ring: no measurement (every point failed)");
		return;
	}
	t->ring = c[best].ring;
	t->in_order = c[best].ino;
	fmt_rate(rate, sizeof(rate), pt_med(&pts[best]));
	len = snprintf(t->line[0], sizeof(t->line[0]), "ring: %s%s, %s items/s", ring_name(t->ring),
		       t->in_order ? " with IN_ORDER" : "", rate);
	for (k = 0, j = 0; k < 4; k++) {
		if (k == best || !pt_ok(&pts[k]))
			continue;
		len += snprintf(t->line[0] + len, sizeof(t->line[0]) - (size_t)len, "%s%.2fx %s%s%s",
				j++ ? ", " : " (", pt_med(&pts[best]) / pt_med(&pts[k]), ring_name(c[k].ring),
				c[k].ino ? " IN_ORDER" : "", pt_overlap(&pts[best], &pts[k]) ? " [tie]" : "");
		if (len >= (int)sizeof(t->line[0]))
			break;
	}
	if (j && len < (int)sizeof(t->line[0]))
		snprintf(t->line[0] + len, sizeof(t->line[0]) - (size_t)len, ")");
}

static void tune_phase_qsize(struct vb_report *rep, struct tune *t, const int cpu[2])
{
	static struct point pts[TUNE_MAX];
	static const unsigned qs[] = {64, 256, 1024, 4096};
	unsigned n = 0, i;
	int pick, best;
	char a[16], b[16];

	printf("\n== queue size: %s%s, zero-copy %u B items, batch 32, polling ==\n",
	       ring_name(t->ring), t->in_order ? " IN_ORDER" : "", O.msgs[0]);
	for (i = 0; i < 4; i++)
		tune_stream_point(&pts[n++], t->ring, t->in_order, qs[i], 32, cpu);
	tune_run(rep, t, pts, n, "qsize", true, cpu);
	pick = tune_pick(pts, n, 0.95, &best);
	if (pick < 0) {
		snprintf(t->line[1], sizeof(t->line[1]), "queue size: no measurement");
		return;
	}
	t->qsize = qs[pick];
	fmt_rate(a, sizeof(a), pt_med(&pts[pick]));
	fmt_rate(b, sizeof(b), pt_med(&pts[best]));
	snprintf(t->line[1], sizeof(t->line[1]),
		 "queue size: %u, the smallest within 5%% of the best (%s items/s; best %s at %u)",
		 t->qsize, a, b, qs[best]);
}

static void tune_phase_batch(struct vb_report *rep, struct tune *t, const int cpu[2])
{
	static struct point pts[TUNE_MAX];
	static const unsigned bs[] = {1, 4, 16, 32};
	unsigned n = 0, i;
	int pick, best;
	char a[16], one[16] = "-";

	printf("\n== batch: %s%s, queue %u, zero-copy %u B items, polling ==\n", ring_name(t->ring),
	       t->in_order ? " IN_ORDER" : "", t->qsize, O.msgs[0]);
	for (i = 0; i < 4; i++)
		if (bs[i] <= t->qsize)
			tune_stream_point(&pts[n++], t->ring, t->in_order, t->qsize, bs[i], cpu);
	tune_run(rep, t, pts, n, "batch", true, cpu);
	pick = tune_pick(pts, n, 0.95, &best);
	if (pick < 0) {
		snprintf(t->line[2], sizeof(t->line[2]), "batch: no measurement");
		return;
	}
	t->batch = pts[pick].p.batch;
	fmt_rate(a, sizeof(a), pt_med(&pts[pick]));
	if (pt_ok(&pts[0]))
		snprintf(one, sizeof(one), "%.2fx", pt_med(&pts[pick]) / pt_med(&pts[0]));
	snprintf(t->line[2], sizeof(t->line[2]),
		 "batch: publish %u at a time, the smallest within 5%% of the best (%s items/s, %s "
		 "one at a time)",
		 t->batch, a, one);
}

static bool blocks(enum vrq_notify_kind k)
{
	return k == VRQ_NOTIFY_EVENTFD || k == VRQ_NOTIFY_FUTEX || k == VRQ_NOTIFY_LEGACY_IRQ;
}

static void tune_phase_notify(struct vb_report *rep, struct tune *t, const int cpu[2])
{
	static const enum vrq_notify_kind ks[] = {VRQ_NOTIFY_POLL, VRQ_NOTIFY_HYBRID,
						  VRQ_NOTIFY_EVENTFD, VRQ_NOTIFY_FUTEX,
						  VRQ_NOTIFY_LEGACY_IRQ};
	struct point *pts = t->npts;
	unsigned n = 0, i;
	char a[16], b[16];
	int f = -1, g = -1;

	printf("\n== doorbell: TCP_RR %zu/%zu B, %s%s, queue %u ==\n", O.req, O.resp,
	       ring_name(t->ring), t->in_order ? " IN_ORDER" : "", t->qsize);
	for (i = 0; i < 5; i++)
		tune_rr_point(&pts[n++], t, ks[i], O.spin_ns, cpu);
	n = add_baselines(pts, n, "floor,eventfd", cpu, false);
	tune_run(rep, t, pts, n, "notify", false, cpu);
	t->nn = n;
	for (i = 0; i < 5; i++) {
		if (!pt_ok(&pts[i]))
			continue;
		if (f < 0 || median_of(pts[i].p50, pts[i].used) < median_of(pts[f].p50, pts[f].used))
			f = (int)i;
		if (blocks(ks[i]) && (g < 0 || pt_med(&pts[i]) > pt_med(&pts[g])))
			g = (int)i;
	}
	t->fast = f;
	t->frugal = g;
	if (f < 0 || g < 0) {
		snprintf(t->line[3], sizeof(t->line[3]), "doorbell: no measurement");
		return;
	}
	fmt_rate(a, sizeof(a), pt_med(&pts[f]));
	fmt_rate(b, sizeof(b), pt_med(&pts[g]));
	snprintf(t->line[3], sizeof(t->line[3]),
		 "doorbell: %s for latency (p50 %.2f us, %s trans/s, %.0f%% CPU); %s when the CPUs "
		 "must sleep (p50 %.2f us, %s trans/s, %.0f%% CPU, %.2f notifications/trans)",
		 vrq_notify_kind_name(ks[f]), median_of(pts[f].p50, pts[f].used) / 1e3, a,
		 median_of(pts[f].cpu_pct, pts[f].used), vrq_notify_kind_name(ks[g]),
		 median_of(pts[g].p50, pts[g].used) / 1e3, b, median_of(pts[g].cpu_pct, pts[g].used),
		 median_of(pts[g].notif, pts[g].used));
}

static void tune_phase_spin(struct vb_report *rep, struct tune *t, const int cpu[2])
{
	static struct point pts[TUNE_MAX];
	static const uint32_t sp[] = {2000, 20000, 200000, 0};
	unsigned n = 0, i;
	int pick = -1, best = -1;
	char a[16], bud[32];

	printf("\n== hybrid spin budget: TCP_RR %zu/%zu B, %s%s, queue %u, blocking on %s ==\n",
	       O.req, O.resp, ring_name(t->ring), t->in_order ? " IN_ORDER" : "", t->qsize,
	       vrq_notify_kind_name(O.hybrid_block));
	for (i = 0; i < 4; i++) {
		tune_rr_point(&pts[n], t, VRQ_NOTIFY_HYBRID, sp[i], cpu);
		snprintf(pts[n].name, sizeof(pts[n].name), "vrq %s hybrid %s", ring_name(t->ring),
			 sp[i] ? "" : "adaptive");
		if (sp[i])
			snprintf(pts[n].name + strlen(pts[n].name),
				 sizeof(pts[n].name) - strlen(pts[n].name), "%u ns", sp[i]);
		n++;
	}
	tune_run(rep, t, pts, n, "spin", false, cpu);
	/* cheapest fixed budget within 10% of the best rate; adaptive last */
	for (i = 0; i < n; i++)
		if (pt_ok(&pts[i]) && (best < 0 || pt_med(&pts[i]) > pt_med(&pts[best])))
			best = (int)i;
	for (i = 0; best >= 0 && i < n; i++)
		if (pt_ok(&pts[i]) && pt_med(&pts[i]) >= 0.9 * pt_med(&pts[best])) {
			pick = (int)i;
			break;
		}
	if (pick < 0) {
		snprintf(t->line[4], sizeof(t->line[4]), "hybrid: no measurement");
		return;
	}
	t->spin_ns = sp[pick];
	t->spin_set = true;
	fmt_rate(a, sizeof(a), pt_med(&pts[pick]));
	if (sp[pick])
		snprintf(bud, sizeof(bud), "%u ns", sp[pick]);
	else
		snprintf(bud, sizeof(bud), "adaptive (spin_ns 0)");
	snprintf(t->line[4], sizeof(t->line[4]),
		 "hybrid: spin budget %s (%s trans/s, %.0f%% CPU, %.2f us of CPU per trans; the "
		 "first within 10%% of the best rate of 2000, 20000, 200000 ns and adaptive)",
		 bud, a, median_of(pts[pick].cpu_pct, pts[pick].used),
		 median_of(pts[pick].sdemand, pts[pick].used));
}

static int run_tune(struct vb_report *rep, const int cpu[2])
{
	static struct tune t;
	unsigned ph = O.phases ? O.phases : TUNE_ALL, i;
	int rc;

	t.ring = VRQ_RING_SPLIT;
	t.qsize = 256;
	t.batch = 32;
	t.fast = t.frugal = -1;
	if (ph & TUNE_RING)
		tune_phase_ring(rep, &t, cpu);
	if (ph & TUNE_QSIZE)
		tune_phase_qsize(rep, &t, cpu);
	if (ph & TUNE_BATCH)
		tune_phase_batch(rep, &t, cpu);
	if (ph & TUNE_NOTIFY)
		tune_phase_notify(rep, &t, cpu);
	if (ph & TUNE_SPIN)
		tune_phase_spin(rep, &t, cpu);

	printf("\n%u repetition(s) discarded as disturbed (others > %.1f%% CPU); %u point(s) failed.\n",
	       t.disc, O.threshold * 100, t.failed);
	printf("\nRecommendation for CPUs %d,%d (%s), from the tables above:\n", cpu[0], cpu[1],
	       O.procs ? "two processes" : "two threads");
	for (i = 0; i < 5; i++)
		if (ph & (1u << i))
			printf("  - %s\n", t.line[i]);
	printf("  Phases not run use split, queue 256, batch 32.  As a link configuration:\n"
	       "    cfg.ring = %s; cfg.qsize = %u;\n"
	       "    cfg.features = VRQ_FEATURE(VRQ_F_EVENT_IDX)%s;\n",
	       t.ring == VRQ_RING_PACKED ? "VRQ_RING_PACKED" : "VRQ_RING_SPLIT", t.qsize,
	       t.in_order ? " | VRQ_FEATURE(VRQ_F_IN_ORDER)" : "");
	if (t.frugal >= 0)
		printf("    cfg.notify = VRQ_NOTIFY_%s;   /* or VRQ_NOTIFY_%s for the lowest latency */\n",
		       t.npts[t.frugal].vq.notify == VRQ_NOTIFY_FUTEX	   ? "FUTEX"
		       : t.npts[t.frugal].vq.notify == VRQ_NOTIFY_LEGACY_IRQ ? "LEGACY_IRQ"
									    : "EVENTFD",
		       t.fast >= 0 && t.npts[t.fast].vq.notify == VRQ_NOTIFY_HYBRID ? "HYBRID" : "POLL");
	if (t.spin_set)
		printf("    cfg.spin_ns = %u;   /* with VRQ_NOTIFY_HYBRID */\n", t.spin_ns);
	printf("  and publish %u buffers per publish/kick when the traffic allows.\n"
	       "  Same-run medians on this machine only: rerun after a kernel, firmware or\n"
	       "  placement change.\n",
	       t.batch);
	rc = write_outputs(rep);
	return rc ? rc : (t.failed ? 1 : 0);
}

int main(int argc, char **argv)
{
	static struct point pts[MAX_MECH];
	struct vb_topo topo;
	struct vb_report *rep;
	char why[256];
	const char *mode_s;
	int cpu[2] = {-1, -1};
	unsigned n = 0, r, k, e, mi, bi, qi, cm;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	mode_s = argv[1];
	if (!strcmp(mode_s, "mmio"))
		return vb_mode_mmio(argc - 1, argv + 1);
	if (!strcmp(mode_s, "rpmsg"))
		return vb_mode_rpmsg(argc - 1, argv + 1);
	if (!strcmp(mode_s, "rr"))
		O.mode = M_RR;
	else if (!strcmp(mode_s, "stream"))
		O.mode = M_STREAM;
	else if (!strcmp(mode_s, "lat"))
		O.mode = M_LAT;
	else if (!strcmp(mode_s, "sweep"))
		O.mode = M_SWEEP;
	else if (!strcmp(mode_s, "topo"))
		O.mode = M_TOPO;
	else if (!strcmp(mode_s, "baselines"))
		O.mode = M_BASELINES;
	else if (!strcmp(mode_s, "tune"))
		O.mode = M_TUNE;
	else
		die(NULL, "unknown mode '%s' (rr, stream, lat, sweep, topo, baselines, tune, rpmsg, "
			  "mmio)",
		    mode_s);

	O.duration = 1.0;
	O.warmup = O.mode == M_LAT ? 0.5 : 0.2;
	O.reps = 3;
	O.threshold = VB_CPULOAD_THRESHOLD;
	O.rings[0] = VRQ_RING_SPLIT;
	O.nrings = 1;
	O.spin_ns = 20000;
	O.hybrid_block = VRQ_NOTIFY_EVENTFD;
	O.evidx[0] = true;
	O.nevidx = 1;
	O.ninord = O.nindir = 1; /* off */
	O.nrecl = 1;		  /* batch */
	O.node = -1;
	O.req = O.resp = 1;
	parse_args(argc - 1, argv + 1, &O);

	if (!O.nnotify) {
		if (O.mode == M_RR || O.mode == M_LAT) {
			O.notify[0] = VRQ_NOTIFY_POLL;
			O.notify[1] = VRQ_NOTIFY_EVENTFD;
			O.notify[2] = VRQ_NOTIFY_HYBRID;
			O.nnotify = 3;
		} else {
			O.notify[0] = VRQ_NOTIFY_POLL;
			O.nnotify = 1;
		}
	}
	if (!O.nmsg) {
		static const unsigned dm[] = {8, 64, 512, 4096, 65536};

		if (O.mode == M_SWEEP || O.mode == M_TUNE) {
			O.msgs[0] = 64;
			O.nmsg = 1;
		} else {
			memcpy(O.msgs, dm, sizeof(dm));
			O.nmsg = 5;
		}
	}
	if (!O.nbatch) {
		if (O.mode == M_SWEEP) {
			O.batches[0] = 1;
			O.batches[1] = 32;
			O.nbatch = 2;
		} else {
			O.batches[0] = 32;
			O.nbatch = 1;
		}
	}
	if (O.mode == M_SWEEP && !O.copy_set)
		O.copy_mode = 2;
	if (!O.nq) {
		O.qsizes[0] = 256;
		O.nq = 1;
	}
	for (qi = 0; qi < O.nq; qi++) {
		for (r = 0; r < O.nrings; r++)
			if (O.rings[r] == VRQ_RING_SPLIT && (O.qsizes[qi] & (O.qsizes[qi] - 1)))
				die("--qsize", "%u is not a power of two (the split ring needs one)",
				    O.qsizes[qi]);
		for (bi = 0; bi < O.nbatch; bi++)
			if (O.batches[bi] > O.qsizes[qi])
				die("--batch", "%u is larger than the queue size %u", O.batches[bi],
				    O.qsizes[qi]);
	}

	/* Outputs first: a bad path must not cost a whole run's results. */
	if (O.json) {
		FILE *f = fopen(O.json, "w");

		if (!f)
			die("--json", "cannot write %s: %s", O.json, strerror(errno));
		fclose(f);
	}
	if (O.csv) {
		O.csv_f = strcmp(O.csv, "-") ? fopen(O.csv, "w") : stdout;
		if (!O.csv_f)
			die("--csv", "cannot write %s: %s", O.csv, strerror(errno));
	}

	if (vb_clock_init() < 0)
		die(NULL, "no usable clock");
	ncpu_online = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (vb_topo_init(&topo, why, sizeof(why)) < 0)
		die(NULL, "topology: %s", why);
	if (O.node >= 0 && vb_topo_node_ok(O.node, why, sizeof(why)) < 0)
		die("--node", "%s", why);
	if (O.mode == M_TOPO) {
		static const enum vb_placement all[] = {VB_PLACE_AUTO, VB_PLACE_SAME_CORE,
							VB_PLACE_SMT, VB_PLACE_SAME_L3,
							VB_PLACE_CROSS_L3, VB_PLACE_CROSS_NUMA};

		vb_topo_print(&topo, stdout);
		printf("\nPlacements:\n");
		for (k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
			int c2[2];

			if (vb_topo_pair(&topo, all[k], c2, why, sizeof(why)) == 0)
				printf("  %-10s CPUs %d,%d\n", vb_placement_name(all[k]), c2[0], c2[1]);
			else
				printf("  %-10s unavailable: %s\n", vb_placement_name(all[k]), why);
		}
		vb_topo_fini(&topo);
		return 0;
	}
	if (O.cpus_set) {
		for (k = 0; k < O.ncpu_list; k++)
			if (vb_topo_cpu_ok(&topo, O.cpu_list[k], why, sizeof(why)) < 0)
				die("--cpus", "%s", why);
		cpu[0] = O.cpus[0];
		cpu[1] = O.cpus[1];
	} else if (vb_topo_pair(&topo, O.placement, cpu, why, sizeof(why)) < 0) {
		if (O.placement_set)
			die("--placement", "%s", why);
		cpu[0] = cpu[1] = -1; /* auto on a 1-CPU machine: unpinned */
	}

	rep = vb_report_new(mode_s, argc, argv);
	if (!rep)
		die(NULL, "out of memory");
	vb_report_set_placement(rep, cpu[0], cpu[1], O.node,
				O.cpus_set ? "explicit" : vb_placement_name(O.placement),
				O.procs ? "procs" : "threads");

	{
		char mem[64];

		if (O.node >= 0)
			snprintf(mem, sizeof(mem), "memory on NUMA node %d%s", O.node,
				 O.hugepages ? ", huge pages" : "");
		else
			snprintf(mem, sizeof(mem), "memory: default policy (no NUMA binding)%s",
				 O.hugepages ? ", huge pages" : "");
		printf("vrq-bench %s: %s on CPUs %d,%d (%s), %s, %s clock, %u rep(s) x ", mode_s,
		       O.procs ? "two processes (vrq and baselines)" : "two threads", cpu[0], cpu[1],
		       O.cpus_set ? "explicit" : vb_placement_name(O.placement), mem,
		       vb_clock_source(), O.reps);
	}
	if (O.count)
		printf("%" PRIu64 " transactions", O.count);
	else
		printf("%.2f s", O.duration);
	printf(" (+%.2f s warm-up)\n", O.warmup);
	if (O.queues > 1) {
		printf("%u queues at once, each its own %s pair and notification vectors, "
		       "CPU pairs:",
		       O.queues, O.procs ? "process" : "thread");
		for (k = 0; k < (O.ncpu_list >= 2 ? O.ncpu_list : 2); k += 2)
			printf(" %d,%d", O.ncpu_list >= 2 ? O.cpu_list[k] : cpu[0],
			       O.ncpu_list >= 2 ? O.cpu_list[k + 1] : cpu[1]);
		printf(" (cycling)\n");
	}

	if (O.mode == M_TUNE) {
		rc = run_tune(rep, cpu);
		vb_report_free(rep);
		vb_topo_fini(&topo);
		return rc;
	}
	if (O.mode == M_RR || O.mode == M_LAT ||
	    (O.mode == M_BASELINES && !O.stream_baselines)) {
		printf("TCP_RR-style: request %zu B, response %zu B, queue size %u, EVENT_IDX %s, "
		       "hybrid spin %u ns\n",
		       O.req, O.resp, O.qsizes[0], O.evidx[0] ? "on" : "off", O.spin_ns);
		if (O.req > 65536 || O.resp > 65536)
			die("--size", "at most 65536 bytes per message");
		if (O.mode != M_BASELINES) {
			for (r = 0; r < O.nrings; r++)
				for (k = 0; k < O.nnotify; k++)
					for (e = 0; e < O.nevidx * O.ninord * O.nindir; e++) {
						struct point *pt;
						bool ei = O.evidx[e % O.nevidx];
						bool io = O.inord[(e / O.nevidx) % O.ninord];
						bool id = O.indir[e / (O.nevidx * O.ninord)];

						if (n == MAX_MECH)
							die(NULL, "more than %d points: narrow the matrix", MAX_MECH);
						pt = &pts[n++];
						memset(pt, 0, sizeof(*pt));
						vq_point(pt, O.rings[r], O.notify[k], ei, io, id);
						base_params(&pt->p, cpu, O.qsizes[0]);
						snprintf(pt->name, sizeof(pt->name), "vrq %s %s%s%s%s",
							 O.rings[r] == VRQ_RING_PACKED ? "packed" : "split",
							 vrq_notify_kind_name(O.notify[k]),
							 ei ? "" : " noei", io ? " ino" : "", id ? " ind" : "");
						snprintf(pt->mech, sizeof(pt->mech), "vrq-%s-%s",
							 O.rings[r] == VRQ_RING_PACKED ? "packed" : "split",
							 vrq_notify_kind_name(O.notify[k]));
					}
		}
		n = add_baselines(pts, n,
				  O.baselines ? O.baselines
					      : "floor,spsc,eventfd,futex,pipe,socketpair,tcp,wfcq",
				  cpu, false);
		check_shared_cpu(pts, n, cpu);
		run_all(pts, count_label(pts, n), mode_s);
		print_rr_table(pts, n, O.mode == M_LAT);
		print_legend(true, O.mode == M_LAT);
		print_counters(pts, n);
	} else {
		/* stream, sweep, stream baselines */
		for (qi = 0; qi < O.nq && O.mode != M_BASELINES; qi++)
			for (r = 0; r < O.nrings; r++)
				for (k = 0; k < O.nnotify; k++)
					for (e = 0; e < O.nevidx * O.ninord * O.nindir; e++)
						for (mi = 0; mi < O.nmsg; mi++)
							for (bi = 0; bi < O.nbatch * O.nrecl; bi++)
								for (cm = 1; cm <= 2; cm++) {
									struct point *pt;

									if (O.copy_mode && O.copy_mode != (int)cm)
										continue;
									if (n == MAX_MECH)
										die(NULL, "more than %d points: narrow the matrix", MAX_MECH);
									pt = &pts[n++];
									memset(pt, 0, sizeof(*pt));
									vq_point(pt, O.rings[r], O.notify[k], O.evidx[e % O.nevidx],
										 O.inord[(e / O.nevidx) % O.ninord],
										 O.indir[e / (O.nevidx * O.ninord)]);
									pt->stream = true;
									pt->vq.zero_copy = cm == 2;
									base_params(&pt->p, cpu, O.qsizes[qi]);
									pt->p.msg = O.msgs[mi];
									pt->p.batch = O.batches[bi / O.nrecl];
									pt->vq.reclaim_all = O.recl_all[bi % O.nrecl];
									set_queues(pt, cpu);
									snprintf(pt->name, sizeof(pt->name),
										 "vrq %s %s %s q%u%s%s%s%s%s", O.rings[r] == VRQ_RING_PACKED ? "packed" : "split",
										 vrq_notify_kind_name(O.notify[k]),
										 cm == 2 ? "zc" : "copy", O.qsizes[qi],
										 pt->vq.event_idx ? "" : " noei",
										 pt->vq.in_order ? " ino" : "",
										 pt->vq.indirect ? " ind" : "", pt->vq.reclaim_all ? " rall" : "",
										 pt->nq > 1 ? qsuf(pt->nq) : "");
									snprintf(pt->mech, sizeof(pt->mech), "vrq-%s-%s",
										 O.rings[r] == VRQ_RING_PACKED ? "packed" : "split",
										 vrq_notify_kind_name(O.notify[k]));
								}
		n = add_baselines(pts, n, O.baselines ? O.baselines : "spsc,wfcq", cpu, true);
		check_shared_cpu(pts, n, cpu);
		check_shared_queues(pts, n);
		run_all(pts, n, mode_s);
		print_stream_table(pts, n);
		print_queues(pts, n);
		print_legend(false, false);
		print_counters(pts, n);
	}
	rc = finish(rep, pts, n, mode_s);
	vb_report_free(rep);
	vb_topo_fini(&topo);
	return rc;
}
