/* SPDX-License-Identifier: MIT */
/*
 * bench/cli/mode_rpmsg.c - `vrq-bench rpmsg rr|stream`: RPMsg over vrq
 * (host = client / producer, remote = server / consumer) next to the raw
 * split ring measured in the same run, on the same CPUs, with the same
 * notification backend.
 *
 * rr:     the host sends a request of --size bytes to one of --endpoints
 *         remote endpoints (round robin), the remote's callback answers with
 *         the same number of bytes; one round trip per transaction, timed by
 *         the host.  Raw reference: `vrq-bench rr` (vq_run_rr) with the same
 *         request/response sizes.
 * stream: the host sends --size-byte messages in batches of --batch
 *         (VRQ_RPMSG_MORE on all but the last of a batch); the remote's
 *         callback reads them.  Raw reference: vq_run_stream, zero-copy,
 *         same batch.
 * --zero-copy uses get_tx_buffer / send_nocopy instead of copy sends.
 * Each point is repeated --reps times; the table shows median [min-max].
 */
#define _GNU_SOURCE
#include "mode_rpmsg.h"

#ifdef VRQ_BENCH_NO_RPMSG
#include <stdio.h>
int vb_mode_rpmsg(int argc, char **argv)
{
	(void)argc, (void)argv;
	fprintf(stderr, "vrq-bench rpmsg: not built (liburcu, Debian liburcu-dev, was not found)\n");
	return 2;
}
#else
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "mode_rpmsg.h"
#include "topo.h"
#include "vrq/rpmsg.h"
#include "vrqmech.h"

#define MAX_EPTS 1024u
#define MAX_LIST 16u
#define MAX_BATCH 256u /* --batch limit */

struct ropts {
	bool rr;
	enum vrq_notify_kind notify[MAX_LIST];
	unsigned nnotify;
	unsigned size[MAX_LIST], nsize;
	unsigned epts[MAX_LIST], nepts;
	unsigned batch, qsize, reps;
	double seconds;
	bool procs, zero_copy, raw, touch;
	int cpu[2];
};

/* shared between the two sides (MAP_SHARED: also across fork) */
struct shared_ctl {
	uint64_t served;	/* remote: messages handled */
	uint64_t bad;		/* remote: malformed requests */
	int stop;
	int ready;		/* remote endpoints created */
	int err;
};

/* remote_ctx and host_ctx live on the host thread's stack: each is aligned
 * and padded to 128 bytes (the adjacent-line prefetcher pairs lines), so the
 * remote's callback, which reads its context on every message, never shares
 * a line with what the host writes on every message */
struct remote_ctx {
	_Alignas(128) struct vrq_rpmsg_link *host_end;
	struct shared_ctl *ctl;
	const struct ropts *o;
	unsigned epts;
	bool zero_copy;
	bool rr;
	uint8_t sink;
};

static int remote_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	struct remote_ctx *c = priv;

	__atomic_fetch_add(&c->ctl->served, 1, __ATOMIC_RELAXED);
	if (!c->rr) {
		if (m->len)
			c->sink ^= ((const uint8_t *)m->data)[0] ^ ((const uint8_t *)m->data)[m->len - 1];
		return 0;
	}
	if (c->zero_copy) {
		struct vrq_rpmsg_txbuf tb;

		if (vrq_rpmsg_get_tx_buffer(vrq_rpmsg_ept_bus(e), &tb, VRQ_RPMSG_FOREVER) ||
		    tb.cap < m->len)
			return 0;
		memcpy(tb.data, m->data, m->len);
		return vrq_rpmsg_send_nocopy(e, m->src, &tb, m->len, 0) ? -1 : 0;
	}
	return vrq_rpmsg_sendto(e, m->src, m->data, m->len) ? -1 : 0;
}

static int remote_run(struct remote_ctx *c)
{
	struct vrq_rpmsg_link link;
	struct vrq_rpmsg *bus;
	unsigned i;
	int err, rc;

	vb_pin_thread(c->o->cpu[1]);
	rc = vrq_rpmsg_link_attach(&link, c->host_end);
	if (rc)
		return rc;
	bus = vrq_rpmsg_link_open(&link, NULL, 10000000000ull, &err);
	if (!bus) {
		vrq_rpmsg_link_destroy(&link);
		return err;
	}
	for (i = 0; i < c->epts; i++)
		if (!vrq_rpmsg_create_ept(bus, NULL, VRQ_RPMSG_RESERVED_ADDRESSES + i,
					  VRQ_RPMSG_ADDR_ANY, remote_cb, NULL, c, &err))
			return err;
	__atomic_store_n(&c->ctl->ready, 1, __ATOMIC_RELEASE);
	/* no timeout: a wake-up is one read() as in the raw reference (a
	 * bounded eventfd wait is poll() + read()); the host's
	 * vrq_rpmsg_link_close() at the end wakes this wait with -EPIPE */
	while (!__atomic_load_n(&c->ctl->stop, __ATOMIC_ACQUIRE)) {
		rc = vrq_rpmsg_wait(bus, 0);
		if (rc == -EPIPE)
			break;
		if (rc < 0 && rc != -ETIMEDOUT)
			break;
		if (vrq_rpmsg_poll(bus, 0) < 0)
			break;
	}
	/* a remote that stops early wakes the host's wait (-EPIPE) */
	vrq_rpmsg_link_close(&link);
	vrq_rpmsg_destroy(bus);
	vrq_rpmsg_link_destroy(&link);
	return 0;
}

static void *remote_thread(void *a)
{
	struct remote_ctx *c = a;

	__atomic_store_n(&c->ctl->err, remote_run(c), __ATOMIC_RELEASE);
	return NULL;
}

/* ---- host side ------------------------------------------------------------- */

struct host_ctx {
	_Alignas(128) uint64_t got;
	uint64_t bad;
	uint8_t tag;
	uint32_t len;
};

static int host_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	struct host_ctx *h = priv;

	(void)e;
	if (m->len != h->len || (m->len && ((const uint8_t *)m->data)[0] != h->tag))
		h->bad++;
	h->got++;
	return 0;
}

struct result {
	double rate;		/* transactions or messages per second */
	double mbps;
	uint64_t p50, p99;	/* ns (rr) */
	double notif;		/* notifications (both directions) per transaction/message */
};

static int one_run(const struct ropts *o, enum vrq_notify_kind nk, unsigned size, unsigned epts,
		   struct result *res, char *err, size_t errlen)
{
	struct vrq_rpmsg_link_cfg lc = {.qsize = (uint16_t)o->qsize, .notify = nk,
					.ring_features = VRQ_FEATURE(VRQ_F_EVENT_IDX)};
	struct vrq_rpmsg_link link;
	struct vrq_rpmsg *bus = NULL;
	struct vrq_rpmsg_ept *ept = NULL;
	struct shared_ctl *ctl;
	struct remote_ctx rc = {0};
	struct host_ctx hc = {0};
	struct vb_hist *hist = NULL;
	struct vrq_notify_stats k0 = {0}, i0 = {0};
	uint8_t *buf;
	pthread_t rt;
	pid_t pid = -1;
	uint64_t t_end, t0, n = 0, seq = 0, warm_end, served0 = 0;
	bool measuring = false;
	int e, rcode = 0;

	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	buf = malloc(65536);
	hist = calloc(1, sizeof(*hist));
	if (ctl == MAP_FAILED || !buf || !hist) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vb_hist_init(hist);
	memset(ctl, 0, sizeof(*ctl));
	e = vrq_rpmsg_link_create(&link, &lc);
	if (e) {
		snprintf(err, errlen, "shared region: %s", vrq_strerror(e));
		munmap(ctl, sizeof(*ctl));
		free(buf);
		free(hist);
		return e;
	}
	rc.host_end = &link;
	rc.ctl = ctl;
	rc.o = o;
	rc.epts = epts;
	rc.zero_copy = o->zero_copy;
	rc.rr = o->rr;
	if (o->procs) {
		pid = fork();
		if (pid == 0) {
			int r2 = remote_run(&rc);

			__atomic_store_n(&ctl->err, r2, __ATOMIC_RELEASE);
			_exit(r2 ? 1 : 0);
		}
		vrq_rpmsg_link_watch(&link, pid);
	} else {
		pthread_create(&rt, NULL, remote_thread, &rc);
	}
	vb_pin_thread(o->cpu[0]);
	bus = vrq_rpmsg_link_open(&link, NULL, 0, &e);
	if (!bus) {
		snprintf(err, errlen, "host bus: %s", vrq_strerror(e));
		rcode = e;
		goto out;
	}
	ept = vrq_rpmsg_create_ept(bus, NULL, VRQ_RPMSG_ADDR_ANY, VRQ_RPMSG_ADDR_ANY, host_cb, NULL,
				   &hc, &e);
	while (!__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&ctl->err, __ATOMIC_ACQUIRE))
		usleep(1000);
	if (!ept || __atomic_load_n(&ctl->err, __ATOMIC_ACQUIRE)) {
		snprintf(err, errlen, "endpoints: %s",
			 vrq_strerror(ept ? __atomic_load_n(&ctl->err, __ATOMIC_ACQUIRE) : e));
		rcode = -EIO;
		goto out;
	}
	memset(buf, 0xa5, size);
	hc.len = size;
	t0 = vb_mono_ns();
	warm_end = t0 + 200000000ull;
	t_end = warm_end + (uint64_t)(o->seconds * 1e9);
	for (;;) {
		uint64_t now = vb_mono_ns(), t;
		uint32_t dst = VRQ_RPMSG_RESERVED_ADDRESSES + (uint32_t)(seq % epts);

		if (!measuring && now >= warm_end) {
			measuring = true;
			t0 = now;
			n = 0;
			k0 = link.kick[1].st;
			i0 = link.irq[0].st;
			served0 = __atomic_load_n(&ctl->served, __ATOMIC_RELAXED);
		}
		if (measuring && now >= t_end)
			break;
		if (o->rr) {
			uint64_t want = hc.got + 1;

			hc.tag = (uint8_t)seq;
			t = vb_ticks();
			if (size)
				buf[0] = hc.tag;
			if (o->zero_copy) {
				struct vrq_rpmsg_txbuf tb;

				e = vrq_rpmsg_get_tx_buffer(bus, &tb, VRQ_RPMSG_FOREVER);
				if (!e) {
					memcpy(tb.data, buf, size);
					e = vrq_rpmsg_send_nocopy(ept, dst, &tb, size, 0);
				}
			} else {
				e = vrq_rpmsg_send_offchannel(bus, vrq_rpmsg_ept_addr(ept), dst, buf,
							      size, VRQ_RPMSG_FOREVER, 0);
			}
			if (e)
				break;
			while (hc.got < want) {
				if (vrq_rpmsg_poll(bus, 0) > 0)
					continue;
				e = vrq_rpmsg_wait(bus, 0); /* -EPIPE if the remote stops */
				if (e < 0)
					break;
			}
			if (e < 0)
				break;
			if (measuring)
				vb_hist_add(hist, vb_ticks_to_ns(vb_ticks() - t));
			n++;
		} else if (o->zero_copy) {
			/* a batch's buffers with one get_tx_buffers() (in chunks of
			 * at most the TX buffer count), each run of messages to the
			 * same endpoint with one send_nocopy_batch(): one run per
			 * batch with one endpoint */
			struct vrq_rpmsg_txbuf tb[MAX_BATCH];
			uint32_t lens[MAX_BATCH];
			unsigned done = 0, chunk, got, k, run;

			while (!e && done < o->batch) {
				chunk = o->batch - done < link.num_tx ? o->batch - done : link.num_tx;
				for (got = 0; got < chunk; got += (unsigned)e) {
					e = vrq_rpmsg_get_tx_buffers(bus, tb + got, chunk - got,
								     VRQ_RPMSG_FOREVER);
					if (e < 0)
						break;
				}
				if (e < 0)
					break;
				e = 0;
				for (k = 0; k < chunk; k++) {
					if (size && o->touch) {
						((uint8_t *)tb[k].data)[0] = 0xa5;
						((uint8_t *)tb[k].data)[size - 1] = 0x5a;
					}
					lens[k] = size;
				}
				for (k = 0; k < chunk; k += run) {
					dst = VRQ_RPMSG_RESERVED_ADDRESSES +
					      (uint32_t)((seq + done + k) % epts);
					run = epts == 1 ? chunk - k : 1;
					e = vrq_rpmsg_send_nocopy_batch(
						ept, dst, tb + k, lens + k, run,
						done + k + run < o->batch ? VRQ_RPMSG_MORE : 0);
					if (e < 0)
						break;
					/* fewer: a buffer we just took was refused */
					e = (unsigned)e == run ? 0 : -EIO;
					if (e)
						break;
				}
				done += chunk;
			}
			if (e)
				break;
			seq += o->batch - 1;
			n += o->batch;
		} else {
			unsigned k;

			for (k = 0; k < o->batch; k++) {
				unsigned fl = k + 1 < o->batch ? VRQ_RPMSG_MORE : 0;

				dst = VRQ_RPMSG_RESERVED_ADDRESSES + (uint32_t)((seq + k) % epts);
				e = vrq_rpmsg_send_offchannel(bus, vrq_rpmsg_ept_addr(ept), dst, buf,
							      size, VRQ_RPMSG_FOREVER, fl);
				if (e)
					break;
			}
			if (e)
				break;
			seq += o->batch - 1;
			n += o->batch;
		}
		seq++;
	}
	if (e) {
		snprintf(err, errlen, "host: %s", vrq_strerror(e));
		rcode = e;
		goto out;
	}
	{
		uint64_t el = vb_mono_ns() - t0, sent;

		if (!o->rr) {
			/* count what the remote consumed, not what is still queued */
			n = __atomic_load_n(&ctl->served, __ATOMIC_RELAXED) - served0;
		}
		res->rate = (double)n / ((double)el * 1e-9);
		res->mbps = res->rate * size / 1e6;
		res->p50 = o->rr ? vb_hist_quantile(hist, 0.50) : 0;
		res->p99 = o->rr ? vb_hist_quantile(hist, 0.99) : 0;
		sent = (link.kick[1].st.sent - k0.sent) + (link.irq[0].st.wakeups - i0.wakeups);
		res->notif = n ? (double)sent / (double)n : 0;
	}
	if (hc.bad) {
		snprintf(err, errlen, "%" PRIu64 " wrong responses", hc.bad);
		rcode = -EIO;
	}
out:
	__atomic_store_n(&ctl->stop, 1, __ATOMIC_RELEASE);
	vrq_rpmsg_link_close(&link);
	if (o->procs) {
		if (pid > 0)
			waitpid(pid, NULL, 0);
	} else {
		pthread_join(rt, NULL);
	}
	if (ept)
		vrq_rpmsg_destroy_ept(ept);
	if (bus)
		vrq_rpmsg_destroy(bus);
	vrq_rpmsg_link_destroy(&link);
	munmap(ctl, sizeof(*ctl));
	free(buf);
	free(hist);
	return rcode;
}

static int raw_run(const struct ropts *o, enum vrq_notify_kind nk, unsigned size,
		   struct result *res, char *err, size_t errlen)
{
	struct vb_params p;
	struct vq_opts q;
	struct vq_counters c;
	struct vb_result *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return -ENOMEM;
	memset(&p, 0, sizeof(p));
	memset(&q, 0, sizeof(q));
	p.cpu[0] = o->cpu[0];
	p.cpu[1] = o->cpu[1];
	p.duration_ns = (uint64_t)(o->seconds * 1e9);
	p.warmup_ns = 200000000ull;
	p.req = p.resp = size ? size : 1;
	p.msg = size ? size : 1;
	p.batch = o->batch;
	p.qsize = o->qsize;
	p.numa_node = -1;
	p.lat_hist = true;
	q.ring = VRQ_RING_SPLIT;
	q.notify = nk;
	q.block = VRQ_NOTIFY_EVENTFD;
	q.spin_ns = 0;
	q.event_idx = true;
	q.procs = o->procs;
	q.zero_copy = true;
	q.buf_size = p.msg;
	rc = o->rr ? vq_run_rr(&p, &q, r, &c, err, errlen) : vq_run_stream(&p, &q, r, &c, err, errlen);
	if (!rc) {
		res->rate = (double)r->trans / ((double)r->elapsed_ns * 1e-9);
		res->mbps = res->rate * size / 1e6;
		res->p50 = o->rr ? vb_hist_quantile(&r->hist, 0.50) : 0;
		res->p99 = o->rr ? vb_hist_quantile(&r->hist, 0.99) : 0;
		res->notif = r->trans ? (double)r->notifications / (double)r->trans : 0;
	}
	free(r);
	return rc;
}

/* ---- CLI ------------------------------------------------------------------- */

static const char usage[] =
	"Usage: vrq-bench rpmsg rr|stream [OPTIONS]\n"
	"\n"
	"RPMsg over vrq (host = client/producer, remote = server/consumer) next to\n"
	"the raw split ring measured in the same run, same CPUs, same backend.\n"
	"\n"
	"  rr       round trips: --size bytes each way, one remote endpoint per\n"
	"           transaction in turn (--endpoints)\n"
	"  stream   one-way messages in batches of --batch\n"
	"\n"
	"  -s, --size LIST       payload bytes, e.g. 1,64,496 (default 1 for rr, 64 for stream;\n"
	"                        at most 496 with 512-byte buffers)\n"
	"  -e, --endpoints LIST  remote endpoints, e.g. 1,1024 (default 1; at most 1024)\n"
	"  -N, --notify LIST     poll,eventfd,futex,hybrid,legacy-irq (default poll,eventfd)\n"
	"  -b, --batch N         stream: messages per publish (default 32)\n"
	"  -q, --qsize N         vring size, power of two (default 256)\n"
	"  -l, --duration SEC    measured seconds per point (default 1)\n"
	"      --reps N          repetitions per point, median [min-max] (default 3)\n"
	"  -c, --cpus A,B        host and remote CPUs (default 0,1)\n"
	"      --procs           host and remote in two processes (default threads)\n"
	"      --zero-copy       rr: get_tx_buffer/send_nocopy instead of copy sends;\n"
	"                        stream: get_tx_buffers() for a batch, send_nocopy_batch()\n"
	"                        per run of messages to one endpoint; the payload is\n"
	"                        left in place, as the raw reference's zero-copy stream\n"
	"                        leaves its data (the remote still reads its first and\n"
	"                        last byte, as the raw device does)\n"
	"      --touch           stream --zero-copy: the host writes the first and last\n"
	"                        payload byte of every message (the raw reference\n"
	"                        writes none)\n"
	"      --no-raw          skip the raw split-ring reference\n"
	"  -h, --help            this text\n";

static int bad(const char *opt, const char *msg, const char *arg)
{
	fprintf(stderr, "vrq-bench rpmsg: %s: %s%s%s\n", opt, arg ? "'" : "", arg ? arg : "",
		arg ? "': " : "");
	fprintf(stderr, "  %s (see vrq-bench rpmsg --help)\n", msg);
	return 2;
}

static int parse_list(const char *s, unsigned *out, unsigned max, unsigned long lo,
		      unsigned long hi)
{
	unsigned n = 0;
	char *copy = strdup(s), *tok, *save = NULL;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(tok, &end, 10);
		if (errno || *end || end == tok || v < lo || v > hi || n >= max) {
			free(copy);
			return -1;
		}
		out[n++] = (unsigned)v;
	}
	free(copy);
	return n ? (int)n : -1;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void fmt_rate(char *b, size_t n, double v)
{
	if (v >= 1e6)
		snprintf(b, n, "%.2fM", v / 1e6);
	else
		snprintf(b, n, "%.1fk", v / 1e3);
}

int vb_mode_rpmsg(int argc, char **argv)
{
	static const struct option lo[] = {
		{"size", required_argument, 0, 's'},	 {"endpoints", required_argument, 0, 'e'},
		{"notify", required_argument, 0, 'N'},	 {"batch", required_argument, 0, 'b'},
		{"qsize", required_argument, 0, 'q'},	 {"duration", required_argument, 0, 'l'},
		{"reps", required_argument, 0, 1},	 {"cpus", required_argument, 0, 'c'},
		{"procs", no_argument, 0, 2},		 {"zero-copy", no_argument, 0, 3},
		{"no-raw", no_argument, 0, 4},		 {"touch", no_argument, 0, 5},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	struct ropts o;
	unsigned i, j, k, rep, v[2];
	int c, fails = 0;
	char *end;

	memset(&o, 0, sizeof(o));
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 2 || (strcmp(argv[1], "rr") && strcmp(argv[1], "stream")))
		return bad("rpmsg", "expected the sub-mode rr or stream", argc >= 2 ? argv[1] : NULL);
	o.rr = !strcmp(argv[1], "rr");
	o.notify[0] = VRQ_NOTIFY_POLL;
	o.notify[1] = VRQ_NOTIFY_EVENTFD;
	o.nnotify = 2;
	o.size[0] = o.rr ? 1 : 64;
	o.nsize = 1;
	o.epts[0] = 1;
	o.nepts = 1;
	o.batch = 32;
	o.qsize = 256;
	o.reps = 3;
	o.seconds = 1.0;
	o.cpu[0] = 0;
	o.cpu[1] = 1;
	o.raw = true;
	argc--, argv++;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:e:N:b:q:l:c:h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if ((c = parse_list(optarg, o.size, MAX_LIST, 0, 496)) < 0)
				return bad("--size", "expected a list of 0..496", optarg);
			o.nsize = (unsigned)c;
			break;
		case 'e':
			if ((c = parse_list(optarg, o.epts, MAX_LIST, 1, MAX_EPTS)) < 0)
				return bad("--endpoints", "expected a list of 1..1024", optarg);
			o.nepts = (unsigned)c;
			break;
		case 'N': {
			char *copy = strdup(optarg), *tok, *save = NULL;

			o.nnotify = 0;
			for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				if (o.nnotify >= MAX_LIST ||
				    vrq_notify_kind_parse(tok, &o.notify[o.nnotify++])) {
					free(copy);
					return bad("--notify",
						   "expected poll, eventfd, futex, hybrid or legacy-irq",
						   optarg);
				}
			free(copy);
			break;
		}
		case 'b':
			if (parse_list(optarg, v, 1, 1, 256) != 1)
				return bad("--batch", "expected 1..256", optarg);
			o.batch = v[0];
			break;
		case 'q':
			if (parse_list(optarg, v, 1, 2, 32768) != 1 || (v[0] & (v[0] - 1)))
				return bad("--qsize", "expected a power of two 2..32768", optarg);
			o.qsize = v[0];
			break;
		case 'l':
			o.seconds = strtod(optarg, &end);
			if (*end || !(o.seconds > 0 && o.seconds <= 3600))
				return bad("--duration", "expected 0 < SEC <= 3600", optarg);
			break;
		case 1:
			if (parse_list(optarg, v, 1, 1, 100) != 1)
				return bad("--reps", "expected 1..100", optarg);
			o.reps = v[0];
			break;
		case 'c':
			if (sscanf(optarg, "%u,%u", &v[0], &v[1]) != 2 || v[0] == v[1])
				return bad("--cpus", "expected two different CPUs A,B", optarg);
			o.cpu[0] = (int)v[0];
			o.cpu[1] = (int)v[1];
			break;
		case 2:
			o.procs = true;
			break;
		case 3:
			o.zero_copy = true;
			break;
		case 4:
			o.raw = false;
			break;
		case 5:
			o.touch = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			return bad(argv[optind - 1], "missing value", NULL);
		default:
			return bad(argv[optind - 1], "unknown option", NULL);
		}
	}
	if (optind < argc)
		return bad(argv[optind], "unexpected argument", NULL);
	if (o.touch && (o.rr || !o.zero_copy))
		return bad("--touch", "only with stream --zero-copy", NULL);
	if (vb_clock_init() < 0)
		return bad("clock", "no usable clock", NULL);

	printf("vrq-bench rpmsg %s: host CPU %d, remote CPU %d, %s, vring %u, %s sends%s; "
	       "%u x %g s per point, median [min-max]\n",
	       o.rr ? "rr" : "stream", o.cpu[0], o.cpu[1], o.procs ? "two processes" : "two threads",
	       o.qsize,
	       o.zero_copy ? (o.rr ? "zero-copy" : o.touch ? "zero-copy (payload touched)"
							   : "zero-copy (payload in place)")
			   : "copy",
	       o.rr ? "" : "; raw reference: zero-copy stream, same batch", o.reps, o.seconds);
	if (!o.rr)
		printf("batch %u\n", o.batch);
	printf("%-10s %5s %5s  %-26s %-26s %-18s %8s %8s %8s\n", "notify", "size", "epts",
	       o.rr ? "rpmsg trans/s" : "rpmsg msg/s", o.rr ? "raw split trans/s" : "raw split msg/s",
	       "ratio", o.rr ? "p50 us" : "MB/s", o.rr ? "p99 us" : "", "notif/tr");
	for (i = 0; i < o.nnotify; i++)
		for (j = 0; j < o.nsize; j++)
			for (k = 0; k < o.nepts; k++) {
				double rp[100], rw[100], ratio[100], nf = 0;
				struct result res = {0}, raw = {0};
				uint64_t p50 = 0, p99 = 0;
				char err[256] = "", a[3][16], line[3][64];
				bool ok = true;

				for (rep = 0; rep < o.reps && ok; rep++) {
					if (one_run(&o, o.notify[i], o.size[j], o.epts[k], &res, err,
						    sizeof(err))) {
						ok = false;
						break;
					}
					rp[rep] = res.rate;
					nf += res.notif;
					p50 += res.p50;
					p99 += res.p99;
					rw[rep] = 0;
					if (o.raw) {
						if (raw_run(&o, o.notify[i], o.size[j], &raw, err,
							    sizeof(err))) {
							ok = false;
							break;
						}
						rw[rep] = raw.rate;
						ratio[rep] = raw.rate > 0 ? res.rate / raw.rate : 0;
					}
				}
				if (!ok) {
					fprintf(stderr, "vrq-bench rpmsg: %s size %u endpoints %u: %s\n",
						vrq_notify_kind_name(o.notify[i]), o.size[j], o.epts[k],
						err);
					fails++;
					continue;
				}
				qsort(rp, o.reps, sizeof(double), cmp_d);
				qsort(rw, o.reps, sizeof(double), cmp_d);
				qsort(ratio, o.reps, sizeof(double), cmp_d);
				fmt_rate(a[0], sizeof(a[0]), rp[o.reps / 2]);
				fmt_rate(a[1], sizeof(a[1]), rp[0]);
				fmt_rate(a[2], sizeof(a[2]), rp[o.reps - 1]);
				snprintf(line[0], sizeof(line[0]), "%s [%s-%s]", a[0], a[1], a[2]);
				if (o.raw) {
					fmt_rate(a[0], sizeof(a[0]), rw[o.reps / 2]);
					fmt_rate(a[1], sizeof(a[1]), rw[0]);
					fmt_rate(a[2], sizeof(a[2]), rw[o.reps - 1]);
					snprintf(line[1], sizeof(line[1]), "%s [%s-%s]", a[0], a[1], a[2]);
					snprintf(line[2], sizeof(line[2]), "%.2f [%.2f-%.2f]",
						 ratio[o.reps / 2], ratio[0], ratio[o.reps - 1]);
				} else {
					snprintf(line[1], sizeof(line[1]), "-");
					snprintf(line[2], sizeof(line[2]), "-");
				}
				if (o.rr)
					printf("%-10s %5u %5u  %-26s %-26s %-18s %8.2f %8.2f %8.3f\n",
					       vrq_notify_kind_name(o.notify[i]), o.size[j], o.epts[k],
					       line[0], line[1], line[2], p50 / o.reps / 1e3,
					       p99 / o.reps / 1e3, nf / o.reps);
				else
					printf("%-10s %5u %5u  %-26s %-26s %-18s %8.1f %8s %8.3f\n",
					       vrq_notify_kind_name(o.notify[i]), o.size[j], o.epts[k],
					       line[0], line[1], line[2],
					       rp[o.reps / 2] * o.size[j] / 1e6, "", nf / o.reps);
				fflush(stdout);
			}
	printf("ratio = rpmsg / raw split of the same repetition; notif/tr = kicks sent + "
	       "interrupts taken by the host per %s (both directions of the traffic)\n",
	       o.rr ? "transaction" : "message");
	return fails ? 1 : 0;
}
#endif /* VRQ_BENCH_NO_RPMSG */
