/* SPDX-License-Identifier: MIT */
/*
 * tests/notify/test_notify.c - every notification backend, thread and
 * process mode, ping-pong and streaming, EVENT_IDX on and off, over a
 * vrq_link (one shared region, the device mapping it at another address).
 *
 *   test_notify --notify poll|eventfd|futex|legacy-irq|hybrid
 *               [--mode threads|procs|all] [--count N] [--pattern pingpong|stream|all]
 *
 * --count: messages per run (default 10^6 x $VRQ_TEST_SCALE, at least
 * 2000); a ping-pong round trip is two messages (request, response), a
 * streamed buffer one message plus its completion.  Each run is bounded by
 * a 10 s watchdog on every wait: a lost wake-up fails the run.
 *
 * Ring per run: (event_idx XOR pattern) picks split or packed, so both
 * rings see both EVENT_IDX settings and both patterns.
 *
 * Counter identities checked after each run (see struct vrq_notify_stats):
 *  - decisions:  kick.sent + kick.suppressed == kicks + kicks_suppressed
 *                (driver ring), irq.sent + irq.suppressed == notifies +
 *                notifies_suppressed (device ring);
 *  - poll:       receivers never arm: at most one notification per 2^16
 *                buffers (EVENT_IDX crossing the parked index), no waits;
 *  - eventfd, futex, hybrid: receiver consumed == sender sent, plus 0 or 1
 *                for the close that ends the run on the kick channel (the
 *                receiver may drain before the close's signal lands);
 *  - legacy-irq: sent == syscalls + coalesced (- the close's raise);
 *                consumed == syscalls (- 0 or 1 for the close);
 *                acks == status_reads - status_empty;
 *  - eventfd, futex, legacy-irq: wakeups == waits - timeouts - peer_gone
 *                (hybrid: wakeups <= waits, it may see the end spinning).
 */
#include "notify_common.h"

static int failures;

#define T_CHECK(cond)                                                                        \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, __LINE__, \
				name, #cond);                                                \
			failures++;                                                          \
			return -1;                                                           \
		}                                                                            \
	} while (0)

#define T_CHECK_EQ(a, b)                                                                     \
	do {                                                                                 \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);   \
		if (a_ != b_) {                                                              \
			fprintf(stderr, "%s:%d: [%s] %s = %llu, %s = %llu\n", __FILE__, __LINE__, \
				name, #a, a_, #b, b_);                                       \
			failures++;                                                          \
			return -1;                                                           \
		}                                                                            \
	} while (0)

static void print_stats(const char *name, const char *who, const struct vrq_notify_stats *s)
{
	printf("  [%s] %-7s sent=%" PRIu64 " supp=%" PRIu64 " sys=%" PRIu64 " coal=%" PRIu64
	       " waits=%" PRIu64 " wake=%" PRIu64 " spur=%" PRIu64 " recheck=%" PRIu64
	       " spin=%" PRIu64 " cons=%" PRIu64 " st_rd=%" PRIu64 " ack=%" PRIu64 "\n",
	       name, who, s->sent, s->suppressed, s->syscalls, s->coalesced, s->waits, s->wakeups,
	       s->spurious, s->recheck_hits, s->spin_hits, s->consumed, s->status_reads, s->acks);
}

/* Identities that hold for one channel: tx on one side, rx on the other;
 * @p closes: close signals the sender added after its last notification. */
static int check_channel(const char *name, enum vrq_notify_kind k, const struct vrq_notify_stats *tx,
			 const struct vrq_notify_stats *rx, unsigned closes, uint64_t count)
{
	T_CHECK_EQ(rx->timeouts, 0);
	/* spinning kinds may see the close while spinning, not blocked */
	if (k == VRQ_NOTIFY_HYBRID)
		T_CHECK(rx->wakeups <= rx->waits);
	else if (k != VRQ_NOTIFY_POLL)
		T_CHECK_EQ(rx->wakeups, rx->waits - rx->timeouts - rx->peer_gone);
	switch (k) {
	case VRQ_NOTIFY_POLL:
		/* receivers never arm; with EVENT_IDX the parked event index
		 * (one behind) is crossed once per 2^16 buffers */
		T_CHECK(tx->sent <= count / 65536 + 1);
		T_CHECK_EQ(rx->waits, 0);
		break;
	/* The close sets the flag, then signals: a receiver that saw the
	 * flag first may drain before that last signal lands, so it counts
	 * as consumed or not.  Every other signal is consumed exactly once. */
	case VRQ_NOTIFY_EVENTFD:
	case VRQ_NOTIFY_HYBRID:
		T_CHECK(rx->consumed >= tx->sent && rx->consumed <= tx->sent + closes);
		T_CHECK_EQ(tx->syscalls, tx->sent + closes);
		T_CHECK(rx->wakeups <= tx->sent + closes);
		break;
	case VRQ_NOTIFY_FUTEX:
		T_CHECK(rx->consumed >= tx->sent && rx->consumed <= tx->sent + closes);
		T_CHECK(tx->syscalls <= tx->sent + closes);
		break;
	case VRQ_NOTIFY_LEGACY_IRQ:
		T_CHECK_EQ(tx->sent, tx->syscalls + tx->coalesced - closes);
		T_CHECK(rx->consumed + closes >= tx->syscalls && rx->consumed <= tx->syscalls);
		T_CHECK_EQ(rx->acks, rx->status_reads - rx->status_empty);
		break;
	default:
		T_CHECK(0);
	}
	return 0;
}

static int run_one(const struct nt_cfg *cfg)
{
	char name[128];
	struct vrq_link_cfg lc;
	struct vrq_link drv, dev;
	struct nt_drv d = {0};
	struct nt_dev_report rep;
	const struct vrq_drv_stats *ds;
	struct nt_thread_arg ta;
	pthread_t th;
	pid_t child = -1;
	int sv[2] = {-1, -1}, rc, status;
	uint64_t t0 = vrq_notify_now_ns(), t1;

	snprintf(name, sizeof(name), "%s %s %s %s event_idx=%d%s", vrq_notify_kind_name(cfg->notify),
		 cfg->procs ? "procs" : "threads", nt_pattern_name(cfg->pattern),
		 cfg->ring == VRQ_RING_PACKED ? "packed" : "split", cfg->event_idx,
		 cfg->link_flags & VRQ_LINK_ASYM_FENCE ? " asym-fence" : "");
	nt_link_cfg(cfg, &lc);
	rc = vrq_link_create(&drv, &lc);
	if (rc < 0) {
		fprintf(stderr, "[%s] link create: %s\n", name, drv.msg);
		failures++;
		return -1;
	}
	if (cfg->procs) {
		T_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
		child = fork();
		T_CHECK(child >= 0);
		if (child == 0) {
			close(sv[0]);
			nt_dev_child(sv[1]);
		}
		close(sv[1]);
		T_CHECK(vrq_link_send(&drv, sv[0]) == 0);
		T_CHECK_EQ(drv.peer_pid, child);
	} else {
		rc = vrq_link_attach(&dev, &drv);
		if (rc < 0) {
			fprintf(stderr, "[%s] attach: %s\n", name, dev.msg);
			failures++;
			return -1;
		}
		/* really two mappings: translation is exercised */
		T_CHECK(dev.bufs != drv.bufs);
		T_CHECK_EQ(dev.bufs_da, drv.bufs_da);
		ta.dev = &dev;
		nt_diag_dev = &dev;
		T_CHECK(pthread_create(&th, NULL, nt_dev_thread, &ta) == 0);
	}

	d.l = &drv;
	d.cfg = cfg;
	rc = nt_driver(&d, -1);
	/* end of run: the device's wait returns -VRQ_EPEERGONE */
	vrq_link_close(&drv);
	if (cfg->procs) {
		T_CHECK(nt_read_full(sv[0], &rep, sizeof(rep)) == 0);
		T_CHECK(waitpid(child, &status, 0) == child);
		T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		close(sv[0]);
	} else {
		pthread_join(th, NULL);
		nt_diag_dev = NULL;
		rep = ta.rep;
	}
	t1 = vrq_notify_now_ns();
	T_CHECK_EQ(rc, 0);
	T_CHECK_EQ(rep.rc, 0);
	T_CHECK_EQ(rep.wait_rc, -VRQ_EPEERGONE);
	T_CHECK_EQ(d.done, cfg->count);
	T_CHECK_EQ(rep.served, cfg->count);
	vrq_notify_drain(&drv.irq);

	ds = vrq_vq_drv_stats(&drv.drv);
	printf("[%s] %" PRIu64 " messages in %.2f s; kicks %" PRIu64 "/%" PRIu64
	       " decisions, interrupts %" PRIu64 "/%" PRIu64 "\n",
	       name, cfg->count, (double)(t1 - t0) * 1e-9, drv.kick.st.sent,
	       ds->kicks + ds->kicks_suppressed, rep.irq_tx.sent,
	       rep.ring.notifies + rep.ring.notifies_suppressed);
	print_stats(name, "kick tx", &drv.kick.st);
	print_stats(name, "kick rx", &rep.kick_rx);
	print_stats(name, "irq tx", &rep.irq_tx);
	print_stats(name, "irq rx", &drv.irq.st);

	/* nothing lost or duplicated on the ring either */
	T_CHECK_EQ(ds->added, cfg->count);
	T_CHECK_EQ(ds->completed, cfg->count);
	T_CHECK_EQ(rep.ring.popped, cfg->count);
	T_CHECK_EQ(rep.ring.pushed, cfg->count);
	/* decisions */
	T_CHECK_EQ(drv.kick.st.sent + drv.kick.st.suppressed, ds->kicks + ds->kicks_suppressed);
	T_CHECK_EQ(rep.irq_tx.sent + rep.irq_tx.suppressed,
		   rep.ring.notifies + rep.ring.notifies_suppressed);
	T_CHECK(ds->kicks + ds->kicks_suppressed > 0);
	/* channels: the kick channel carried the close signal too */
	if (check_channel(name, cfg->notify, &drv.kick.st, &rep.kick_rx,
			  cfg->notify == VRQ_NOTIFY_POLL ? 0 : 1, cfg->count) < 0)
		return -1;
	if (check_channel(name, cfg->notify, &rep.irq_tx, &drv.irq.st, 0, cfg->count) < 0)
		return -1;
	T_CHECK_EQ(rep.kick_rx.peer_gone, 1);
	/* hybrid: a fixed budget stays put (the adaptive rule is checked
	 * step by step in test_hybrid_adapt; here the adaptive run only has
	 * to deliver everything) */
	if (cfg->notify == VRQ_NOTIFY_HYBRID) {
		uint32_t b = drv.irq.st.spin_budget_ns;

		if (cfg->spin_ns)
			T_CHECK_EQ(b, cfg->spin_ns);
		printf("  [%s] hybrid spin budget now %u ns\n", name, b);
	}
	/* blocking backends: with EVENT_IDX a ping-pong notifies (nearly) every
	 * message, the stream far less (the point of suppression) */
	if (cfg->notify != VRQ_NOTIFY_POLL && cfg->pattern == NT_STREAM)
		T_CHECK(drv.kick.st.suppressed + rep.irq_tx.suppressed > 0 ||
			rep.kick_rx.spin_hits + drv.irq.st.spin_hits > 0);

	if (!cfg->procs)
		vrq_link_destroy(&dev);
	vrq_link_destroy(&drv);
	nt_drv_free(&d);
	return 0;
}

int main(int argc, char **argv)
{
	struct nt_cfg cfg = {.qsize = 256, .spin_ns = 20000};
	const char *mode = "all", *pattern = "all", *scale_s = getenv("VRQ_TEST_SCALE");
	double scale = scale_s ? atof(scale_s) : 1.0;
	uint64_t count = 0;
	bool have_kind = false;
	int i, m, p, e;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--notify") && i + 1 < argc) {
			if (vrq_notify_kind_parse(argv[++i], &cfg.notify) < 0) {
				fprintf(stderr, "unknown backend %s\n", argv[i]);
				return 2;
			}
			have_kind = true;
		} else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
			mode = argv[++i];
		} else if (!strcmp(argv[i], "--pattern") && i + 1 < argc) {
			pattern = argv[++i];
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--spin-ns") && i + 1 < argc) {
			cfg.spin_ns = (uint32_t)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--fence") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "asym")) {
				cfg.link_flags = VRQ_LINK_ASYM_FENCE;
			} else if (!strcmp(argv[i], "full")) {
				cfg.link_flags = VRQ_LINK_FULL_FENCE;
			} else {
				fprintf(stderr, "--fence: asym or full, not %s\n", argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr,
				"usage: %s --notify KIND [--mode threads|procs|all] "
				"[--pattern pingpong|stream|all] [--count N] [--spin-ns NS (hybrid; 0 adaptive)] "
				"[--fence asym|full (link flags; default: the link's)]\n",
				argv[0]);
			return 2;
		}
	}
	if (!have_kind) {
		fprintf(stderr, "--notify is required\n");
		return 2;
	}
	if (!count) {
		if (scale <= 0)
			scale = 1.0;
		count = (uint64_t)(1e6 * scale);
		if (count < 2000)
			count = 2000;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (m = 0; m < 2; m++) {
		if ((m == 0 && !strcmp(mode, "procs")) || (m == 1 && !strcmp(mode, "threads")))
			continue;
		for (p = 0; p < 2; p++) {
			if ((p == 0 && !strcmp(pattern, "stream")) ||
			    (p == 1 && !strcmp(pattern, "pingpong")))
				continue;
			for (e = 0; e < 2; e++) {
				cfg.procs = m == 1;
				cfg.pattern = p ? NT_STREAM : NT_PINGPONG;
				cfg.event_idx = e == 1;
				cfg.ring = (e ^ p) ? VRQ_RING_PACKED : VRQ_RING_SPLIT;
				/* a round trip is two messages */
				cfg.count = cfg.pattern == NT_PINGPONG ? count / 2 : count;
				run_one(&cfg);
			}
		}
	}
	if (failures) {
		fprintf(stderr, "%d run(s) failed\n", failures);
		return 1;
	}
	return 0;
}
