/* SPDX-License-Identifier: MIT */
/*
 * bench/vrq-tput.c - first throughput program: virtqueue round trips
 * (driver add -> device pop -> device push -> driver get) on the split and
 * packed rings between two pinned threads, polling, against a minimal SPSC
 * pointer ring measured in the same run.  The full CLI (vrq-bench) comes later; this one answers
 * "how close is the virtqueue to the simplest possible ring".
 *
 *   vrq-tput [--ring split|packed|all] [--size 256] [--batch 1,32] [--msg 64]
 *            [--seconds 1] [--reps 5] [--cpus 0,1]
 *
 * Each repetition runs every variant once, in turn, so drift on a shared
 * machine hits all of them alike; the table gives median [min-max] over the
 * repetitions and each variant's median ratio to the reference ring.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vrq/vrq.h"

#define CACHELINE 64
#define MAX_BATCH 256
#define MAX_REPS 101

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* ---- the reference: a minimal SPSC ring of pointers ------------------------ */

struct spsc {
	/* producer line */
	_Alignas(CACHELINE) uint32_t tail;	/* published by the producer */
	uint32_t head_cache;
	/* consumer line */
	_Alignas(CACHELINE) uint32_t head;	/* published by the consumer */
	uint32_t tail_cache;
	_Alignas(CACHELINE) uint32_t mask;
	void **slot;
};

/* ---- shared run state -------------------------------------------------------- */

enum variant {
	V_SPSC,
	V_SPLIT,
	V_SPLIT_NOCACHE,
	V_SPLIT_INORDER,
	V_PACKED,
	V_PACKED_INORDER,
	V_COUNT
};

static const struct {
	const char *name;
	enum vrq_ring_kind kind;
	uint64_t features;
	uint32_t flags;
} variants[V_COUNT] = {
	[V_SPSC] = {"spsc-ref (one-way)", VRQ_RING_SPLIT, 0, 0},
	[V_SPLIT] = {"split", VRQ_RING_SPLIT, 0, 0},
	[V_SPLIT_NOCACHE] = {"split, no idx cache", VRQ_RING_SPLIT, 0, VRQ_CFG_NO_IDX_CACHE},
	[V_SPLIT_INORDER] = {"split, in_order", VRQ_RING_SPLIT, VRQ_FEATURE(VRQ_F_IN_ORDER), 0},
	[V_PACKED] = {"packed", VRQ_RING_PACKED, 0, 0},
	[V_PACKED_INORDER] = {"packed, in_order", VRQ_RING_PACKED, VRQ_FEATURE(VRQ_F_IN_ORDER), 0},
};

struct run {
	enum variant v;
	unsigned size, batch, msg;
	double seconds;
	int cpu[2];
	_Alignas(CACHELINE) volatile int stop;
	_Alignas(CACHELINE) uint64_t items; /* counted by the consumer side */
	double elapsed;
	struct spsc ring;
	struct {
		size_t ring_bytes;
		uint8_t *mem, *bufs;
		struct vrq_mem map;
		/* each role's private state on its own lines: no false sharing */
		_Alignas(CACHELINE) struct vrq_vq_drv drv;
		_Alignas(CACHELINE) struct vrq_vq_dev dev;
		_Alignas(CACHELINE) char pad;
	} vq;
	int err;
};

#define RING_DA 0x10000000ull
#define BUF_DA 0x80000000ull

static void *xalloc(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, n)) {
		fprintf(stderr, "vrq-tput: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	memset(p, 0, n);
	return p;
}

/* SPSC producer: batch items, one release store of tail per batch. */
static void *spsc_producer(void *arg)
{
	struct run *r = arg;
	struct spsc *q = &r->ring;
	uint32_t tail = 0, size = r->size;
	uintptr_t seq = 1;

	pin(r->cpu[0]);
	while (!r->stop) {
		unsigned n;

		if (tail + r->batch - q->head_cache > size) {
			q->head_cache = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
			if (tail + r->batch - q->head_cache > size) {
				vrq_cpu_relax();
				continue;
			}
		}
		for (n = 0; n < r->batch; n++)
			q->slot[(tail + n) & q->mask] = (void *)seq++;
		tail += r->batch;
		__atomic_store_n(&q->tail, tail, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *spsc_consumer(void *arg)
{
	struct run *r = arg;
	struct spsc *q = &r->ring;
	uint32_t head = 0;
	uintptr_t expect = 1;
	uint64_t items = 0;
	double t0;

	pin(r->cpu[1]);
	t0 = now_s();
	while (!r->stop) {
		unsigned n, avail;

		if (q->tail_cache == head) {
			q->tail_cache = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
			if (q->tail_cache == head) {
				vrq_cpu_relax();
				continue;
			}
		}
		avail = q->tail_cache - head;
		if (avail > r->batch)
			avail = r->batch;
		for (n = 0; n < avail; n++) {
			if (q->slot[(head + n) & q->mask] != (void *)expect++) {
				r->err = 1;
				r->stop = 1;
			}
		}
		head += avail;
		__atomic_store_n(&q->head, head, __ATOMIC_RELEASE);
		items += avail;
	}
	r->elapsed = now_s() - t0;
	r->items = items;
	return NULL;
}

/* Virtqueue driver thread: keep up to size buffers in flight, add and reap
 * in batches; counts round trips. */
static void *vq_driver(void *arg)
{
	struct run *r = arg;
	struct vrq_vq_drv *q = &r->vq.drv;
	void *tok[MAX_BATCH];
	uint64_t done = 0, next = 0;
	double t0;

	pin(r->cpu[0]);
	t0 = now_s();
	while (!r->stop) {
		int got;

		if (vrq_vq_drv_num_free(q) >= r->batch) {
			unsigned n;

			for (n = 0; n < r->batch; n++) {
				uint64_t slot = next++ & (r->size - 1);
				struct vrq_sg sg = {BUF_DA + slot * r->msg, r->msg};

				if (vrq_vq_drv_add(q, &sg, 1, 0, (void *)(uintptr_t)(slot + 1)))
					break;
			}
			vrq_vq_drv_publish(q);
		}
		got = vrq_vq_drv_get_used_batch(q, tok, NULL, r->batch);
		if (got < 0) {
			fprintf(stderr, "vrq-tput: driver: %s\n", vrq_strerror(got));
			r->err = 1;
			break;
		}
		if (!got)
			vrq_cpu_relax();
		done += (unsigned)got;
	}
	r->elapsed = now_s() - t0;
	r->items = done;
	return NULL;
}

static void *vq_device(void *arg)
{
	struct run *r = arg;
	struct vrq_vq_dev *q = &r->vq.dev;
	struct vrq_seg seg[4];
	struct vrq_chain c;
	uint64_t sum = 0;

	pin(r->cpu[1]);
	vrq_chain_init(&c, seg, 4);
	while (!r->stop) {
		unsigned n;
		int rc = 0;

		for (n = 0; n < r->batch; n++) {
			rc = vrq_vq_dev_pop(q, &c);
			if (rc <= 0)
				break;
			/* zero-copy: look at the first word, as a real device would */
			sum += *(const volatile uint8_t *)c.seg[0].va;
			vrq_vq_dev_push(q, c.head, 0);
		}
		if (rc < 0) {
			fprintf(stderr, "vrq-tput: device: %s\n", vrq_strerror(rc));
			r->err = 1;
			break;
		}
		if (n)
			vrq_vq_dev_publish(q);
		else
			vrq_cpu_relax();
	}
	(void)sum;
	return NULL;
}

static int setup(struct run *r)
{
	if (r->v == V_SPSC) {
		memset(&r->ring, 0, sizeof(r->ring));
		r->ring.mask = r->size - 1;
		r->ring.slot = xalloc(sizeof(void *) * r->size);
		return 0;
	} else {
		struct vrq_vq_cfg cfg;
		int rc;

		memset(&cfg, 0, sizeof(cfg));
		cfg.kind = variants[r->v].kind;
		cfg.size = (uint16_t)r->size;
		cfg.area_align = CACHELINE;
		r->vq.ring_bytes = vrq_vq_ring_bytes(cfg.kind, cfg.size, cfg.area_align);
		if (!r->vq.ring_bytes)
			return -1;
		r->vq.mem = xalloc(r->vq.ring_bytes);
		r->vq.bufs = xalloc((size_t)r->size * r->msg);
		vrq_mem_init(&r->vq.map);
		if (vrq_mem_add(&r->vq.map, 0, RING_DA, r->vq.mem, r->vq.ring_bytes, 0) ||
		    vrq_mem_add(&r->vq.map, 1, BUF_DA, r->vq.bufs, (size_t)r->size * r->msg, 0))
			return -1;
		cfg.features = VRQ_FEATURE(VRQ_F_VERSION_1) | variants[r->v].features;
		cfg.domain = VRQ_DOM_SMP;
		cfg.flags = variants[r->v].flags;
		cfg.ring = r->vq.mem;
		cfg.mem = &r->vq.map;
		rc = vrq_vq_drv_init(&r->vq.drv, &cfg);
		if (!rc)
			rc = vrq_vq_dev_init(&r->vq.dev, &cfg);
		if (rc) {
			fprintf(stderr, "vrq-tput: init: %s\n", vrq_strerror(rc));
			return -1;
		}
		return 0;
	}
}

static void teardown(struct run *r)
{
	if (r->v == V_SPSC) {
		free(r->ring.slot);
	} else {
		vrq_vq_drv_fini(&r->vq.drv);
		vrq_vq_dev_fini(&r->vq.dev);
		free(r->vq.mem);
		free(r->vq.bufs);
	}
}

/* One timed run; returns items/s (one-way for SPSC, round trips for split). */
static double run_once(struct run *r)
{
	pthread_t a, b;
	double rate;

	r->stop = 0;
	r->items = 0;
	r->err = 0;
	if (setup(r))
		exit(1);
	if (r->v == V_SPSC) {
		pthread_create(&a, NULL, spsc_producer, r);
		pthread_create(&b, NULL, spsc_consumer, r);
	} else {
		pthread_create(&a, NULL, vq_driver, r);
		pthread_create(&b, NULL, vq_device, r);
	}
	usleep((useconds_t)(r->seconds * 1e6));
	r->stop = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	if (r->err) {
		fprintf(stderr, "vrq-tput: run failed (data check or ring error)\n");
		exit(1);
	}
	rate = (double)r->items / r->elapsed;
	teardown(r);
	return rate;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static unsigned parse_uint(const char *opt, const char *s, unsigned lo, unsigned hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "vrq-tput: %s: '%s' is not an integer in [%u, %u]\n", opt, s, lo,
			hi);
		exit(2);
	}
	return (unsigned)v;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vrq-tput [options]\n"
		"  --ring R      split, packed or all (default all)\n"
		"  --size N      queue size, power of two (default 256)\n"
		"  --batch LIST  batch sizes, comma separated (default 1,32)\n"
		"  --msg BYTES   buffer size (default 64)\n"
		"  --seconds S   duration of each run (default 1)\n"
		"  --reps N      repetitions, median [min-max] reported (default 5)\n"
		"  --cpus A,B    driver/producer CPU, device/consumer CPU (default 0,1)\n"
		"Polling only.  split/packed = round trips/s (add, pop, push, get);\n"
		"spsc = one-way items/s of a minimal SPSC pointer ring (reference).\n"
		"Variants: split with cached peer indices (default), without them\n"
		"(VRQ_CFG_NO_IDX_CACHE), and with VIRTIO_F_IN_ORDER negotiated.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"size", required_argument, NULL, 's'},	 {"batch", required_argument, NULL, 'b'},
		{"msg", required_argument, NULL, 'm'},	 {"seconds", required_argument, NULL, 't'},
		{"reps", required_argument, NULL, 'r'},	 {"cpus", required_argument, NULL, 'c'},
		{"ring", required_argument, NULL, 'R'},	 {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	unsigned size = 256, msg = 64, reps = 5, nb = 0, batches[16];
	double seconds = 1.0;
	int cpu[2] = {0, 1}, o;
	char *blist = NULL;
	bool want_split = true, want_packed = true;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			size = parse_uint("--size", optarg, 1, VRQ_QUEUE_SIZE_MAX);
			if (size & (size - 1)) {
				fprintf(stderr, "vrq-tput: --size: %u is not a power of two\n", size);
				return 2;
			}
			break;
		case 'b':
			blist = optarg;
			break;
		case 'm':
			msg = parse_uint("--msg", optarg, 1, 1 << 20);
			break;
		case 't':
			seconds = parse_uint("--seconds", optarg, 1, 3600);
			break;
		case 'r':
			reps = parse_uint("--reps", optarg, 1, MAX_REPS);
			break;
		case 'c': {
			char *comma = strchr(optarg, ',');

			if (!comma) {
				fprintf(stderr, "vrq-tput: --cpus: expected A,B\n");
				return 2;
			}
			*comma = 0;
			cpu[0] = (int)parse_uint("--cpus", optarg, 0, (unsigned)ncpu - 1);
			cpu[1] = (int)parse_uint("--cpus", comma + 1, 0, (unsigned)ncpu - 1);
			break;
		}
		case 'R':
			if (!strcmp(optarg, "split")) {
				want_packed = false;
			} else if (!strcmp(optarg, "packed")) {
				want_split = false;
			} else if (strcmp(optarg, "all")) {
				fprintf(stderr, "vrq-tput: --ring: '%s' is not split, packed or all\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vrq-tput: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!blist) {
		batches[nb++] = 1;
		batches[nb++] = 32;
	} else {
		char *tok, *save = NULL;

		for (tok = strtok_r(blist, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (nb == 16) {
				fprintf(stderr, "vrq-tput: --batch: at most 16 values\n");
				return 2;
			}
			batches[nb++] = parse_uint("--batch", tok, 1, MAX_BATCH);
		}
	}
	for (unsigned i = 0; i < nb; i++) {
		if (batches[i] > size) {
			fprintf(stderr, "vrq-tput: --batch: %u is larger than --size %u\n",
				batches[i], size);
			return 2;
		}
	}

	printf("vrq-tput: arch %s, queue size %u, %u-byte buffers, cpus %d,%d, %u x %.0f s\n",
	       VRQ_ARCH_NAME, size, msg, cpu[0], cpu[1], reps, seconds);
	printf("%-22s %5s %14s %28s %9s\n", "variant", "batch", "median Mitem/s", "[min - max]",
	       "vs spsc");
	for (unsigned bi = 0; bi < nb; bi++) {
		double rate[V_COUNT][MAX_REPS], med[V_COUNT];
		static struct run r;

		bool on[V_COUNT];

		for (int v = 0; v < V_COUNT; v++)
			on[v] = v == V_SPSC || (variants[v].kind == VRQ_RING_SPLIT ? want_split : want_packed);
		for (unsigned rep = 0; rep < reps; rep++) {
			for (int v = 0; v < V_COUNT; v++) {
				if (!on[v])
					continue;
				memset(&r, 0, sizeof(r));
				r.v = (enum variant)v;
				r.size = size;
				r.batch = batches[bi];
				r.msg = msg;
				r.seconds = seconds;
				r.cpu[0] = cpu[0];
				r.cpu[1] = cpu[1];
				rate[v][rep] = run_once(&r);
			}
		}
		for (int v = 0; v < V_COUNT; v++) {
			if (!on[v])
				continue;
			qsort(rate[v], reps, sizeof(double), cmp_double);
			med[v] = rate[v][reps / 2];
		}
		for (int v = 0; v < V_COUNT; v++)
			if (on[v])
				printf("%-22s %5u %14.2f   [%10.2f - %10.2f] %8.1f%%\n", variants[v].name,
			       batches[bi],
			       med[v] / 1e6, rate[v][0] / 1e6, rate[v][reps - 1] / 1e6,
			       100.0 * med[v] / med[0]);
	}
	return 0;
}
