/* SPDX-License-Identifier: MIT */
/*
 * bench/cli/vrqmech.c - vrq measured like the baselines: driver = rr client
 * / stream producer, device = rr server / stream consumer, over a vrq_link.
 *
 * The region's buffer area starts with a control line (the measurement
 * phase, written by the driver) followed by the buffer slots.  The device
 * serves until the driver closes the link; it reads the phase after every
 * wake-up and snapshots its counters at the phase changes, so the
 * notification counts cover the measured phase (to within one transaction).
 *
 * A vrq_link queue is always VRQ_DOM_SMP, so the hot loops use the
 * fixed-domain entry points (vrq_vq_*_smp()): one specialised body per call
 * site, as a caller who knows its domain writes it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "cpuload.h"
#include "topo.h"
#include "vrqmech.h"

#define CTL_BYTES 128u
#define MAX_BATCH 256u

enum { PH_WARM = 0, PH_MEASURE = 1, PH_DONE = 2 };

struct ctl {
	uint32_t phase; /* driver writes (relaxed: a hint for the snapshots) */
};

struct dev_report {
	int rc;
	uint64_t served;
	struct vrq_notify_stats kick_rx[2], irq_tx[2]; /* at measure start / end */
	bool have[2];
};

enum kind { K_RR, K_STREAM };

struct job {
	enum kind kind;
	const struct vb_params *p;
	const struct vq_opts *o;
	struct vb_result *r;
	struct vq_counters *c;
	/* the two threads' state on lines of their own: the device writes its
	 * link and report while the driver reads its link and the fields below
	 * on every item */
	struct vrq_link drv;
	_Alignas(64) struct vrq_link dev;
	_Alignas(64) struct dev_report rep;
	_Alignas(64) pid_t child;
	int sock;
	size_t slot;
	int rc;
	char *err;
	size_t errlen;
};

static struct ctl *ctl_of(struct vrq_link *l)
{
	return (struct ctl *)(void *)l->bufs;
}

/* ---- device ----------------------------------------------------------------- */

static void dev_snap(struct vrq_link *l, struct dev_report *rep, int i)
{
	if (rep->have[i])
		return;
	rep->kick_rx[i] = l->kick.st;
	rep->irq_tx[i] = l->irq.st;
	rep->have[i] = true;
}

static void dev_loop(struct vrq_link *l, enum kind kind, const struct vb_params *p, bool zero_copy,
		     struct dev_report *rep)
{
	static _Thread_local uint8_t sink[65536];
	struct vrq_seg seg[4];
	struct vrq_chain c;
	uint32_t ph;
	unsigned pend = 0, batch = kind == K_STREAM && p->batch ? p->batch : 1;
	uint64_t served = 0; /* in a register, stored once at the end */
	int rc;

	memset(rep, 0, sizeof(*rep));
	for (;;) {
		rc = vrq_vq_dev_wait(&l->dev, &l->kick, 0);
		if (rc < 0)
			break; /* the driver closed (or died): end of run */
		ph = __atomic_load_n(&ctl_of(l)->phase, __ATOMIC_RELAXED);
		if (ph >= PH_MEASURE)
			dev_snap(l, rep, 0);
		if (ph >= PH_DONE)
			dev_snap(l, rep, 1);
		for (;;) {
			vrq_chain_init(&c, seg, 4);
			rc = vrq_vq_dev_pop_smp(&l->dev, &c);
			if (rc == 0)
				break;
			if (rc < 0) {
				fprintf(stderr, "vrq device: pop: %s\n", vrq_strerror(rc));
				rep->rc = rc;
				goto out;
			}
			if (kind == K_RR) {
				/* echo the request's first byte at both ends of
				 * the response */
				const uint8_t *q = seg[0].va;
				uint8_t *a = seg[1].va;
				uint8_t tag;

				/* the shape is the peer's: check it before touching
				 * (a zero-length segment has no address) */
				if (c.n != 2 || c.n_out != 1 || seg[0].len == 0 ||
				    seg[1].len < p->resp) {
					rep->rc = -EPROTO;
					goto out;
				}
				tag = q[0];
				if (p->resp > 2)
					memset(a + 1, 0x5a, p->resp - 2);
				a[0] = tag;
				a[p->resp - 1] = tag;
				rc = vrq_vq_dev_push_smp(&l->dev, c.head, (uint32_t)p->resp);
			} else {
				size_t off = 0;
				unsigned k;

				for (k = 0; k < c.n; k++) {
					const uint8_t *q = seg[k].va;
					size_t n = seg[k].len;

					if (n == 0)
						continue; /* no bytes, no address */
					if (zero_copy) {
						sink[0] ^= q[0] ^ q[n - 1];
					} else {
						if (n > sizeof(sink) - off)
							n = sizeof(sink) - off;
						memcpy(sink + off, q, n);
						off += n;
					}
				}
				rc = vrq_vq_dev_push_smp(&l->dev, c.head, 0);
			}
			if (rc < 0) {
				rep->rc = rc;
				goto out;
			}
			served++;
			if (++pend >= batch) {
				vrq_vq_dev_publish_smp(&l->dev);
				(void)vrq_vq_dev_interrupt_smp(&l->dev, &l->irq);
				pend = 0;
			}
		}
		if (pend) {
			vrq_vq_dev_publish_smp(&l->dev);
			(void)vrq_vq_dev_interrupt_smp(&l->dev, &l->irq);
			pend = 0;
		}
	}
out:
	rep->served = served;
	dev_snap(l, rep, 0);
	dev_snap(l, rep, 1);
}

/* ---- driver ----------------------------------------------------------------- */

struct phase {
	uint64_t warm_end, end, t0, cpu0;
	uint64_t max, n;
	bool on;
	struct vb_cpuload load;
	struct vrq_notify_stats kick0, irq0;
};

static double own_cpu_s(pid_t child)
{
	struct rusage ru;
	double s;

	getrusage(RUSAGE_SELF, &ru);
	s = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	    ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e-6;
	if (child > 0) {
		char path[64], buf[512], *q;
		unsigned long ut = 0, st = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)child);
		f = fopen(path, "re");
		if (f) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);

			buf[n] = '\0';
			fclose(f);
			q = strrchr(buf, ')');
			/* fields after ')': state(3) ... utime(14) stime(15) */
			if (q && sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
					&ut, &st) == 2)
				s += (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
		}
	}
	return s;
}

static void phase_start(struct job *j, struct phase *ph)
{
	ph->t0 = vb_mono_ns();
	ph->warm_end = ph->t0 + j->p->warmup_ns;
	ph->end = ph->warm_end + j->p->duration_ns;
	ph->max = j->p->max_trans;
	ph->n = 0;
	ph->on = false; /* the first phase_tick() at or after warm_end starts it */
}

/* Called with the current time after each completed unit of work; returns
 * false when the measured phase is over. */
static bool phase_tick(struct job *j, struct phase *ph, uint64_t now, uint64_t units)
{
	if (!ph->on) {
		if (now < ph->warm_end)
			return true;
		ph->on = true;
		ph->t0 = now;
		ph->end = now + j->p->duration_ns;
		ph->kick0 = j->drv.kick.st;
		ph->irq0 = j->drv.irq.st;
		ph->cpu0 = 0;
		vb_cpuload_begin(&ph->load);
		if (j->child > 0)
			vb_cpuload_add_pid(&ph->load, j->child);
		j->r->cpu_s = own_cpu_s(j->child);
		__atomic_store_n(&ctl_of(&j->drv)->phase, PH_MEASURE, __ATOMIC_RELAXED);
		return true;
	}
	ph->n += units;
	if (ph->max ? ph->n >= ph->max : now >= ph->end)
		return false;
	if (ph->max && now >= ph->end + 60ull * 1000000000ull)
		return false; /* count runs are bounded by duration + 60 s */
	return true;
}

static void phase_end(struct job *j, struct phase *ph)
{
	uint64_t now = vb_mono_ns();

	vb_cpuload_end(&ph->load);
	j->r->cpu_s = own_cpu_s(j->child) - j->r->cpu_s;
	j->r->elapsed_ns = now - ph->t0;
	j->r->trans = ph->n;
	__atomic_store_n(&ctl_of(&j->drv)->phase, PH_DONE, __ATOMIC_RELAXED);
	j->c->load = ph->load;
	j->c->kick_tx = j->drv.kick.st;
	j->c->irq_rx = j->drv.irq.st;
	/* make the driver's counters cover the measured phase only */
#define SUB(f) (j->c->kick_tx.f -= ph->kick0.f, j->c->irq_rx.f -= ph->irq0.f)
	SUB(sent);
	SUB(suppressed);
	SUB(syscalls);
	SUB(coalesced);
	SUB(waits);
	SUB(wakeups);
	SUB(spurious);
	SUB(recheck_hits);
	SUB(spin_hits);
	SUB(consumed);
	SUB(status_reads);
	SUB(status_empty);
	SUB(acks);
	SUB(blocked_ns);
	SUB(spun_ns);
#undef SUB
}

static int drv_rr(struct job *j)
{
	struct vrq_link *l = &j->drv;
	const struct vb_params *p = j->p;
	uint8_t *req = l->bufs + CTL_BYTES, *resp = req + j->slot;
	struct vrq_sg sg[2] = {{vrq_link_da(l, req), (uint32_t)p->req},
			       {vrq_link_da(l, resp), (uint32_t)p->resp}};
	struct phase ph;
	uint64_t seq = 0, bad = 0;
	int rc;

	vb_hist_init(&j->r->hist);
	phase_start(j, &ph);
	phase_tick(j, &ph, vb_mono_ns(), 0);
	for (;;) {
		uint64_t t = vb_ticks(), dt;
		uint8_t tag = (uint8_t)seq;
		void *tok = NULL;
		uint32_t len = 0;

		req[0] = tag;
		if (p->req > 1) {
			memset(req + 1, 0xa5, p->req - 1);
			req[p->req - 1] = tag;
		}
		rc = vrq_vq_drv_add_smp(&l->drv, sg, 1, 1, (void *)(uintptr_t)(seq + 1));
		if (rc < 0)
			return rc;
		vrq_vq_drv_publish_smp(&l->drv);
		rc = vrq_vq_drv_kick_smp(&l->drv, &l->kick);
		if (rc < 0)
			return rc;
		do {
			rc = vrq_vq_drv_wait(&l->drv, &l->irq, 0);
			if (rc < 0)
				return rc;
			rc = vrq_vq_drv_get_used_smp(&l->drv, &tok, &len);
		} while (rc == 0);
		if (rc < 0)
			return rc;
		if ((uintptr_t)tok != seq + 1 || len != p->resp || resp[0] != tag ||
		    resp[p->resp - 1] != tag)
			bad++;
		dt = vb_ticks() - t;
		seq++;
		if (ph.on)
			vb_hist_add(&j->r->hist, vb_ticks_to_ns(dt));
		if (!phase_tick(j, &ph, vb_mono_ns(), ph.on ? 1 : 0))
			break;
	}
	phase_end(j, &ph);
	if (bad) {
		snprintf(j->err, j->errlen, "%llu responses had the wrong content",
			 (unsigned long long)bad);
		return -EIO;
	}
	return 0;
}

static int drv_stream(struct job *j)
{
	struct vrq_link *l = &j->drv;
	const struct vb_params *p = j->p;
	unsigned qsize = p->qsize, batch = p->batch ? p->batch : 1, nfree = 0, i;
	unsigned fhead = 0, ftail = 0; /* FIFO of free slots: in-order recycling */
	uint8_t *slots = l->bufs + CTL_BYTES, *src;
	uint32_t *free_slots;
	void *toks[MAX_BATCH];
	struct vrq_buf bufs[MAX_BATCH];
	struct vrq_sg sgs[2 * MAX_BATCH];
	unsigned nseg = j->o->indirect ? 2 : 1; /* indirect: two halves, via the pool */
	struct phase ph;
	uint64_t now;
	unsigned rounds = 0, take;
	int rc = 0, n;

	if (batch > MAX_BATCH)
		batch = MAX_BATCH;
	free_slots = malloc(qsize * sizeof(*free_slots));
	src = malloc(p->msg);
	if (!free_slots || !src) {
		free(free_slots);
		free(src);
		return -ENOMEM;
	}
	memset(src, 0x3c, p->msg);
	for (i = 0; i < qsize; i++) {
		free_slots[i] = i; /* full: ftail wraps to fhead, 0 */
		nfree++;
		memset(slots + (size_t)i * j->slot, 0x3c, p->msg); /* zero-copy: data in place */
	}
	phase_start(j, &ph);
	now = vb_mono_ns();
	phase_tick(j, &ph, now, 0);
	for (;;) {
		unsigned k = 0;

		while (k < batch && nfree > 0) {
			uint32_t s = free_slots[fhead];

			fhead = fhead + 1 == qsize ? 0 : fhead + 1; /* no division per item */

			nfree--;
			uint8_t *b = slots + (size_t)s * j->slot;

			if (!j->o->zero_copy)
				memcpy(b, src, p->msg);
			if (nseg == 2) {
				sgs[2 * k].addr = vrq_link_da(l, b);
				sgs[2 * k].len = (uint32_t)(p->msg / 2);
				sgs[2 * k + 1].addr = vrq_link_da(l, b + p->msg / 2);
				sgs[2 * k + 1].len = (uint32_t)(p->msg - p->msg / 2);
			} else {
				sgs[2 * k].addr = vrq_link_da(l, b);
				sgs[2 * k].len = (uint32_t)p->msg;
			}
			bufs[k].sg = &sgs[2 * k];
			bufs[k].n_out = (uint16_t)nseg;
			bufs[k].n_in = 0;
			bufs[k].token = (void *)(uintptr_t)(s + 1);
			k++;
		}
		if (k) {
			/* adds and publishes */
			n = vrq_vq_drv_add_batch_smp(&l->drv, bufs, k);
			if (n < 0 || (unsigned)n != k) {
				rc = n < 0 ? n : -ENOSPC;
				break;
			}
			rc = vrq_vq_drv_kick_smp(&l->drv, &l->kick);
			if (rc < 0)
				break;
		}
		if (nfree < batch) {
			rc = vrq_vq_drv_wait(&l->drv, &l->irq, 0);
			if (rc < 0)
				break;
		}
		/* take back at most what one round adds (--reclaim batch, the
		 * default, as Linux's ringtest does): the ring stays full and
		 * the driver reads the device's used descriptors a ring behind
		 * where the device writes them.  Taking everything completed
		 * (--reclaim all) keeps the ring near empty instead, and then
		 * both sides work on the same descriptor lines (perf-notes.md) */
		take = j->o->reclaim_all ? MAX_BATCH : batch;
		if (ph.on && ph.max && ph.max - ph.n < take)
			take = (unsigned)(ph.max - ph.n); /* -n: exactly that many */
		n = vrq_vq_drv_get_used_batch_smp(&l->drv, toks, NULL, take);
		if (n < 0) {
			rc = n;
			break;
		}
		for (i = 0; i < (unsigned)n; i++)
		{
			free_slots[ftail] = (uint32_t)(uintptr_t)toks[i] - 1;
			ftail = ftail + 1 == qsize ? 0 : ftail + 1;
			nfree++;
		}
		rc = 0;
		/* the clock every 64 rounds: a round at batch 1 takes tens of
		 * ns, a clock read about 20; phase starts and ends move by at
		 * most 63 rounds (the elapsed time is taken fresh at the end) */
		if ((++rounds & 63) == 0)
			now = vb_mono_ns();
		if (ph.on && !ph.max && now < ph.end) {
			ph.n += (unsigned)n; /* phase_tick()'s common case, inline */
			continue;
		}
		if (!phase_tick(j, &ph, now, ph.on ? (unsigned)n : 0))
			break;
	}
	if (rc == 0) {
		phase_end(j, &ph);
		j->r->bytes = j->r->trans * p->msg;
	}
	free(free_slots);
	free(src);
	return rc;
}

/* ---- setup ------------------------------------------------------------------ */

static void *dev_thread(void *a)
{
	struct job *j = a;

	vb_pin_thread(j->p->cpu[1]);
	dev_loop(&j->dev, j->kind, j->p, j->o->zero_copy, &j->rep);
	return NULL;
}

static void *drv_thread(void *a)
{
	struct job *j = a;

	vb_pin_thread(j->p->cpu[0]);
	j->rc = j->kind == K_RR ? drv_rr(j) : drv_stream(j);
	vrq_link_close(&j->drv); /* the device's wait returns: end of run */
	return NULL;
}

static void child_main(struct job *j, int sock)
{
	int rc;

	vb_pin_thread(j->p->cpu[1]);
	rc = vrq_link_accept(&j->dev, sock, 0);
	if (rc < 0) {
		fprintf(stderr, "vrq-bench: device process: %s\n", j->dev.msg);
		_exit(2);
	}
	dev_loop(&j->dev, j->kind, j->p, j->o->zero_copy, &j->rep);
	if (write(sock, &j->rep, sizeof(j->rep)) != (ssize_t)sizeof(j->rep))
		_exit(3);
	_exit(0);
}

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *q = buf;

	while (len) {
		ssize_t r = read(fd, q, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		q += r;
		len -= (size_t)r;
	}
	return 0;
}

static int run(struct job *j)
{
	const struct vb_params *p = j->p;
	const struct vq_opts *o = j->o;
	struct vrq_link_cfg lc;
	pthread_t td, tv;
	int sv[2], rc, status;
	size_t msg = j->kind == K_RR ? (p->req > p->resp ? p->req : p->resp) : p->msg;

	j->slot = (msg + 63) / 64 * 64;
	memset(&lc, 0, sizeof(lc));
	lc.ring = o->ring;
	lc.qsize = (uint16_t)p->qsize;
	lc.features = VRQ_FEATURE(VRQ_F_VERSION_1) |
		      (o->event_idx ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0) |
		      (o->in_order ? VRQ_FEATURE(VRQ_F_IN_ORDER) : 0) |
		      (o->indirect ? VRQ_FEATURE(VRQ_F_INDIRECT_DESC) : 0);
	lc.notify = o->notify;
	lc.block = o->block;
	lc.spin_ns = o->spin_ns;
	lc.buf_bytes = CTL_BYTES + (uint64_t)j->slot * (j->kind == K_RR ? 2 : p->qsize);
	/* INDIRECT_DESC: multi-segment buffers go through the pool */
	lc.ind_max = o->indirect ? 4 : 0;
	lc.shm.hugepages = o->hugepages;
	if (p->numa_node >= 0) {
		lc.shm.bind_node = true;
		lc.shm.node = (unsigned)p->numa_node;
	}
	rc = vrq_link_create(&j->drv, &lc);
	if (rc < 0) {
		snprintf(j->err, j->errlen, "%s", j->drv.msg);
		return rc;
	}
	j->child = -1;
	if (o->procs) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
			snprintf(j->err, j->errlen, "socketpair: %s", strerror(errno));
			vrq_link_destroy(&j->drv);
			return -errno;
		}
		j->child = fork();
		if (j->child == 0) {
			close(sv[0]);
			child_main(j, sv[1]);
		}
		close(sv[1]);
		if (j->child < 0 || vrq_link_send(&j->drv, sv[0]) < 0) {
			snprintf(j->err, j->errlen, "device process: %s",
				 j->child < 0 ? strerror(errno) : j->drv.msg);
			if (j->child > 0) {
				kill(j->child, SIGKILL);
				waitpid(j->child, NULL, 0);
			}
			close(sv[0]);
			vrq_link_destroy(&j->drv);
			return -EIO;
		}
		pthread_create(&td, NULL, drv_thread, j);
		pthread_join(td, NULL);
		rc = read_full(sv[0], &j->rep, sizeof(j->rep));
		close(sv[0]);
		waitpid(j->child, &status, 0);
		if (rc < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			if (!j->rc)
				snprintf(j->err, j->errlen, "device process failed");
			j->rc = j->rc ? j->rc : -EIO;
		}
	} else {
		rc = vrq_link_attach(&j->dev, &j->drv);
		if (rc < 0) {
			snprintf(j->err, j->errlen, "%s", j->dev.msg);
			vrq_link_destroy(&j->drv);
			return rc;
		}
		pthread_create(&tv, NULL, dev_thread, j);
		pthread_create(&td, NULL, drv_thread, j);
		pthread_join(td, NULL);
		pthread_join(tv, NULL);
		vrq_link_destroy(&j->dev);
	}
	vrq_link_destroy(&j->drv);
	if (j->rc == 0 && j->rep.rc) {
		snprintf(j->err, j->errlen, "device: %s", vrq_strerror(j->rep.rc));
		j->rc = -EIO;
	}
	if (j->rc < 0 && !j->err[0])
		snprintf(j->err, j->errlen, "%s",
			 vrq_strerror(j->rc)); /* vrq texts and errno texts alike */
	if (j->rc == 0) {
		struct vq_counters *c = j->c;
#define D(f) (c->kick_rx.f = j->rep.kick_rx[1].f - j->rep.kick_rx[0].f, \
	      c->irq_tx.f = j->rep.irq_tx[1].f - j->rep.irq_tx[0].f)
		D(sent);
		D(suppressed);
		D(syscalls);
		D(coalesced);
		D(waits);
		D(wakeups);
		D(spurious);
		D(recheck_hits);
		D(spin_hits);
		D(consumed);
		D(status_reads);
		D(status_empty);
		D(acks);
		D(blocked_ns);
		D(spun_ns);
#undef D
		j->r->notifications = c->kick_tx.sent + c->irq_tx.sent;
		j->r->interrupts = c->kick_rx.wakeups + c->irq_rx.wakeups;
	}
	return j->rc;
}

static int start(enum kind kind, const struct vb_params *p, const struct vq_opts *o,
		 struct vb_result *r, struct vq_counters *c, char *err, size_t errlen)
{
	struct job *j = aligned_alloc(_Alignof(struct job), sizeof(*j));
	int rc;

	if (!j)
		return -ENOMEM;
	memset(j, 0, sizeof(*j));
	memset(r, 0, sizeof(*r));
	memset(c, 0, sizeof(*c));
	j->kind = kind;
	j->p = p;
	j->o = o;
	j->r = r;
	j->c = c;
	j->err = err;
	j->errlen = errlen;
	err[0] = '\0';
	rc = run(j);
	free(j);
	return rc;
}

int vq_run_rr(const struct vb_params *p, const struct vq_opts *o, struct vb_result *r,
	      struct vq_counters *c, char *err, size_t errlen)
{
	return start(K_RR, p, o, r, c, err, errlen);
}

int vq_run_stream(const struct vb_params *p, const struct vq_opts *o, struct vb_result *r,
		  struct vq_counters *c, char *err, size_t errlen)
{
	return start(K_STREAM, p, o, r, c, err, errlen);
}

/* ---- several queues --------------------------------------------------------- */

struct multi {
	struct vb_params p;
	const struct vq_opts *o;
	struct vb_result r;
	struct vq_counters c;
	char err[256];
	int rc;
};

static void *multi_thread(void *a)
{
	struct multi *m = a;

	m->rc = vq_run_stream(&m->p, m->o, &m->r, &m->c, m->err, sizeof(m->err));
	return NULL;
}

static void stats_add(struct vrq_notify_stats *d, const struct vrq_notify_stats *s)
{
#define A(f) (d->f += s->f)
	A(sent);
	A(suppressed);
	A(syscalls);
	A(coalesced);
	A(waits);
	A(wakeups);
	A(spurious);
	A(recheck_hits);
	A(spin_hits);
	A(consumed);
	A(status_reads);
	A(status_empty);
	A(acks);
	A(blocked_ns);
	A(spun_ns);
#undef A
}

int vq_run_stream_multi(const struct vb_params *p, const struct vq_opts *o, unsigned nq,
			const int (*cpus)[2], struct vb_result *r, struct vq_counters *c,
			double *q_rate, char *err, size_t errlen)
{
	struct multi *m;
	pthread_t *t;
	double rate = 0;
	unsigned i, started = 0;
	int rc = 0;

	if (nq == 0 || nq > VQ_MAX_QUEUES)
		return -EINVAL;
	m = calloc(nq, sizeof(*m));
	t = calloc(nq, sizeof(*t));
	if (!m || !t) {
		free(m);
		free(t);
		return -ENOMEM;
	}
	memset(r, 0, sizeof(*r));
	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	for (i = 0; i < nq; i++) {
		m[i].p = *p;
		m[i].p.cpu[0] = cpus[i][0];
		m[i].p.cpu[1] = cpus[i][1];
		m[i].o = o;
		if (pthread_create(&t[i], NULL, multi_thread, &m[i]) != 0) {
			rc = -EAGAIN;
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < started && rc == 0; i++) {
		if (m[i].rc < 0) {
			snprintf(err, errlen, "queue %u: %s", i, m[i].err);
			rc = m[i].rc;
			break;
		}
		q_rate[i] = m[i].r.elapsed_ns
				    ? (double)m[i].r.trans * 1e9 / (double)m[i].r.elapsed_ns
				    : 0;
		rate += q_rate[i];
		r->trans += m[i].r.trans;
		r->bytes += m[i].r.bytes;
		r->cpu_s += m[i].r.cpu_s;
		r->notifications += m[i].r.notifications;
		r->interrupts += m[i].r.interrupts;
		stats_add(&c->kick_tx, &m[i].c.kick_tx);
		stats_add(&c->kick_rx, &m[i].c.kick_rx);
		stats_add(&c->irq_tx, &m[i].c.irq_tx);
		stats_add(&c->irq_rx, &m[i].c.irq_rx);
	}
	if (rc == 0 && started < nq)
		snprintf(err, errlen, "cannot start queue %u's thread", started);
	if (rc == 0) {
		/* the aggregate rate is the sum of the queues' own rates */
		r->elapsed_ns = rate > 0 ? (uint64_t)((double)r->trans * 1e9 / rate) : 0;
		c->load = m[0].c.load;
		if (o->procs)
			c->load.ok = false;
	}
	free(m);
	free(t);
	return rc;
}
