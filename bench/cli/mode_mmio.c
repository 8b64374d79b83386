/* SPDX-License-Identifier: MIT */
/*
 * bench/cli/mode_mmio.c - `vrq-bench mmio rr`: TCP_RR-style round trips
 * through the virtio-mmio echo device (examples/mmio-echo/echo.h), driver
 * and device in two threads, with legacy interrupts (InterruptStatus read +
 * InterruptACK per interrupt, every queue scanned) and with per-queue
 * vectors.  --trap-ns models what a VM exit would cost each register access
 * (QueueNotify, InterruptStatus, InterruptACK) as a busy-wait on the driver
 * side: the cost is modelled, not measured.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vrq/mmio.h"
#include "echo.h"
#include "mode_mmio.h"

#define DA_BASE 0x40000000ull
#define RING_BYTES (64u * 1024)
#define BUF_OFF (2 * RING_BYTES)
#define MEM_BYTES (BUF_OFF + 2 * 4096)

struct run {
	struct vrq_mmio_shared *sh;
	uint8_t *mem;
	struct vrq_mem map;
	int fds[VRQ_MMIO_NCHAN];
	struct vrq_mmio_dev dev;
	struct vrq_mmio_drv drv;
	struct echo_dev echo;
	int stop;
};

static const char usage[] =
	"Usage: vrq-bench mmio rr [OPTIONS]\n"
	"\n"
	"Round trips through a virtio-mmio echo device over shared memory, legacy\n"
	"interrupts vs per-queue vectors, driver and device in two threads.\n"
	"\n"
	"  -n, --count N        round trips per interrupt mode (default 100000)\n"
	"  -l, --duration SEC   or measure for SEC seconds per mode\n"
	"      --irq LIST       legacy,vectors (default both)\n"
	"      --trap-ns NS     modelled cost of each register access (busy-wait\n"
	"                       on the driver side; default 0 = no trap model)\n"
	"      --notify K       eventfd (default), futex or hybrid\n"
	"  -r, --size N         payload bytes (default 1, at most 4096)\n"
	"  -q, --qsize N        queue size (default 256)\n"
	"  -h, --help           this text\n";

static int bad(const char *opt, const char *fmt, const char *arg)
{
	fprintf(stderr, "vrq-bench mmio: %s: ", opt);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

static int parse_u(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *e;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &e, 0);
	if (errno || e == s || *e || v < lo || v > hi || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *dev_thread(void *p)
{
	struct run *r = (struct run *)p;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		int m = vrq_mmio_dev_wait(&r->dev, 5000000);

		if (m < 0 && m != -VRQ_ETIMEDOUT)
			break;
		echo_dev_serve(&r->echo);
	}
	return NULL;
}

/* One mode: 0, or 1 on a failure (message printed). */
static int run_mode(enum vrq_mmio_irq irq, enum vrq_notify_kind kind, unsigned long count,
		    double dur, unsigned long trap_ns, unsigned size, unsigned qsize)
{
	struct run *r = calloc(1, sizeof(*r));
	size_t shb = (sizeof(struct vrq_mmio_shared) + 4095) & ~(size_t)4095;
	struct vrq_mmio_chan_cfg ch;
	struct vrq_mmio_dev_cfg dc;
	struct vrq_mmio_drv_cfg vc;
	pthread_t th;
	bool th_up = false;
	void *region = NULL;
	unsigned long n = 0;
	double t0, t1;
	int rc = 1, e;

	if (!r || posix_memalign(&region, 4096, shb + MEM_BYTES))
		goto out;
	memset(region, 0, shb + MEM_BYTES);
	r->sh = (struct vrq_mmio_shared *)region;
	r->mem = (uint8_t *)region + shb;
	vrq_mmio_shared_init(r->sh);
	vrq_mem_init(&r->map);
	vrq_mem_add(&r->map, 0, DA_BASE, r->mem, MEM_BYTES, VRQ_MEM_COHERENT);
	memset(&ch, 0, sizeof(ch));
	ch.notify = kind;
	ch.irq = irq;
	ch.hybrid_block = VRQ_NOTIFY_EVENTFD;
	ch.spin_ns = 20000;
	if ((e = vrq_mmio_fds_create(r->fds, &ch))) {
		fprintf(stderr, "vrq-bench mmio: eventfd: %s\n", vrq_strerror(e));
		goto out;
	}
	ch.fds = r->fds;
	memset(&dc, 0, sizeof(dc));
	dc.sh = r->sh;
	dc.chan = ch;
	dc.device_id = ECHO_DEVICE_ID;
	dc.features = VRQ_FEATURE(VRQ_F_EVENT_IDX);
	dc.nqueues = 2;
	dc.queue_num_max = 32768;
	dc.mem = &r->map;
	if ((e = vrq_mmio_dev_init(&r->dev, &dc))) {
		fprintf(stderr, "vrq-bench mmio: device: %s\n", vrq_strerror(e));
		goto out;
	}
	r->echo.d = &r->dev;
	if (pthread_create(&th, NULL, dev_thread, r))
		goto out;
	th_up = true;
	memset(&vc, 0, sizeof(vc));
	vc.sh = r->sh;
	vc.chan = ch;
	vc.mem = &r->map;
	vc.trap_ns = (uint32_t)trap_ns;
	if ((e = vrq_mmio_drv_init(&r->drv, &vc)) || (e = vrq_mmio_drv_reset(&r->drv)) ||
	    (e = vrq_mmio_drv_negotiate(&r->drv, VRQ_FEATURE(VRQ_F_EVENT_IDX), NULL)) ||
	    (e = vrq_mmio_drv_setup_queue(&r->drv, ECHO_RXQ, (uint16_t)qsize, r->mem, 64)) ||
	    (e = vrq_mmio_drv_setup_queue(&r->drv, ECHO_TXQ, (uint16_t)qsize, r->mem + RING_BYTES,
					  64)) ||
	    (e = vrq_mmio_drv_ready(&r->drv))) {
		fprintf(stderr, "vrq-bench mmio: bring-up: %s (%s)\n", vrq_strerror(e), r->drv.msg);
		goto out;
	}
	memset(&r->drv.st, 0, sizeof(r->drv.st)); /* count the round trips only */
	t0 = now_s();
	for (;;) {
		struct vrq_sg rx = {DA_BASE + BUF_OFF, 4096};
		struct vrq_sg tx = {DA_BASE + BUF_OFF + 4096, size};
		void *tok;
		uint32_t len;

		if (count ? n >= count : (n & 63) == 0 && now_s() - t0 >= dur)
			break;
		r->mem[BUF_OFF + 4096] = (uint8_t)n;
		if (vrq_vq_drv_add(vrq_mmio_drv_vq(&r->drv, ECHO_RXQ), &rx, 0, 1, (void *)1) ||
		    vrq_vq_drv_add(vrq_mmio_drv_vq(&r->drv, ECHO_TXQ), &tx, 1, 0, (void *)2)) {
			fprintf(stderr, "vrq-bench mmio: add failed\n");
			goto out;
		}
		vrq_vq_drv_publish(vrq_mmio_drv_vq(&r->drv, ECHO_RXQ));
		vrq_vq_drv_publish(vrq_mmio_drv_vq(&r->drv, ECHO_TXQ));
		vrq_mmio_drv_kick(&r->drv, ECHO_RXQ);
		vrq_mmio_drv_kick(&r->drv, ECHO_TXQ);
		while (vrq_mmio_drv_get_used(&r->drv, ECHO_RXQ, &tok, &len) != 1) {
			e = vrq_mmio_drv_wait(&r->drv, ECHO_RXQ, 5000000000ull);
			if (e < 0) {
				fprintf(stderr, "vrq-bench mmio: wait: %s\n", vrq_strerror(e));
				goto out;
			}
		}
		if (len != size || r->mem[BUF_OFF] != (uint8_t)n) {
			fprintf(stderr, "vrq-bench mmio: echo %lu: wrong reply\n", n);
			goto out;
		}
		while (vrq_mmio_drv_get_used(&r->drv, ECHO_TXQ, &tok, &len) == 1)
			;
		n++;
	}
	t1 = now_s();
	{
		const struct vrq_mmio_drv_stats *s = &r->drv.st;
		double tr = n ? (double)n : 1.0;

		printf("%-8s %12.0f %10lu %9.3f %9.3f %9.3f %9.3f %9.3f\n",
		       irq == VRQ_MMIO_IRQ_LEGACY ? "legacy" : "vectors",
		       (double)n / (t1 - t0), n, (double)s->status_reads / tr,
		       (double)s->acks / tr, (double)s->spurious_scans / tr,
		       (double)s->notifies / tr, (double)s->traps / tr);
	}
	rc = 0;
out:
	if (th_up) {
		__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
	}
	if (r) {
		vrq_mmio_drv_fini(&r->drv);
		vrq_mmio_dev_fini(&r->dev);
		vrq_mmio_fds_close(r->fds);
	}
	free(region);
	free(r);
	return rc;
}

int vb_mode_mmio(int argc, char **argv)
{
	static const struct option lo[] = {
		{"count", required_argument, 0, 'n'}, {"duration", required_argument, 0, 'l'},
		{"irq", required_argument, 0, 1},	{"trap-ns", required_argument, 0, 2},
		{"notify", required_argument, 0, 3},	{"size", required_argument, 0, 'r'},
		{"qsize", required_argument, 0, 'q'},	{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	unsigned long count = 100000, trap = 0, size = 1, qsize = 256, v;
	double dur = 0;
	bool legacy = true, vectors = true;
	enum vrq_notify_kind kind = VRQ_NOTIFY_EVENTFD;
	int c, fails = 0;

	if (argc < 2 || strcmp(argv[1], "rr")) {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			fputs(usage, stdout);
			return 0;
		}
		return bad("mmio", "expected the sub-mode 'rr'%s", "");
	}
	argc--, argv++;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":n:l:r:q:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u(optarg, 1, 1000000000ul, &count))
				return bad("--count", "'%s': expected 1..1e9", optarg);
			dur = 0;
			break;
		case 'l':
			dur = strtod(optarg, NULL);
			if (!(dur > 0 && dur <= 3600))
				return bad("--duration", "'%s': expected 0 < SEC <= 3600", optarg);
			count = 0;
			break;
		case 1:
			legacy = strstr(optarg, "legacy") != NULL;
			vectors = strstr(optarg, "vectors") != NULL;
			if (!legacy && !vectors)
				return bad("--irq", "'%s': expected legacy, vectors or both", optarg);
			break;
		case 2:
			if (parse_u(optarg, 0, 1000000000ul, &trap))
				return bad("--trap-ns", "'%s': expected 0..1e9 ns", optarg);
			break;
		case 3:
			if (vrq_notify_kind_parse(optarg, &kind) ||
			    (kind != VRQ_NOTIFY_EVENTFD && kind != VRQ_NOTIFY_FUTEX &&
			     kind != VRQ_NOTIFY_HYBRID))
				return bad("--notify", "'%s': expected eventfd, futex or hybrid", optarg);
			break;
		case 'r':
			if (parse_u(optarg, 1, 4096, &size))
				return bad("--size", "'%s': expected 1..4096", optarg);
			break;
		case 'q':
			if (parse_u(optarg, 1, 32768, &v) || (v & (v - 1)))
				return bad("--qsize", "'%s': expected a power of two 1..32768", optarg);
			qsize = v;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			return bad(argv[optind - 1], "%smissing value", "");
		default:
			return bad(argv[optind - 1], "%sunknown option", "");
		}
	}
	if (optind < argc)
		return bad(argv[optind], "%sunexpected argument", "");
	printf("vrq-bench mmio rr: virtio-mmio echo over shared memory, two threads, %s channels, "
	       "%lu B, queue size %lu\n",
	       vrq_notify_kind_name(kind), size, qsize);
	if (trap)
		printf("trap cost: MODELLED, %lu ns busy-wait per register access "
		       "(QueueNotify, InterruptStatus, InterruptACK), not a measured VM exit\n",
		       trap);
	else
		printf("trap cost: none (--trap-ns 0): register accesses are plain memory\n");
	printf("%-8s %12s %10s %9s %9s %9s %9s %9s\n", "irq", "trans/s", "count", "status/tr",
	       "ack/tr", "spur/tr", "notify/tr", "trap/tr");
	if (legacy)
		fails += run_mode(VRQ_MMIO_IRQ_LEGACY, kind, count, dur, trap, (unsigned)size,
				  (unsigned)qsize);
	if (vectors)
		fails += run_mode(VRQ_MMIO_IRQ_VECTORS, kind, count, dur, trap, (unsigned)size,
				  (unsigned)qsize);
	return fails ? 1 : 0;
}
