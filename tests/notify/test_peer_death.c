/* SPDX-License-Identifier: MIT */
/*
 * tests/notify/test_peer_death.c - a waiter whose peer dies or closes must
 * get -VRQ_EPEERGONE promptly: never a hang, never a timeout.
 *
 * For every backend (poll, eventfd, futex, legacy-irq, hybrid):
 *  (a) driver waiting, device killed: the driver streams to a device
 *      process and SIGKILLs it after NT_KILL_AFTER completions; its wait
 *      must return -VRQ_EPEERGONE within 2 s of the kill (the liveness
 *      check runs every 20 ms);
 *  (b) device waiting, driver dies: the child is the driver, sends a few
 *      hundred buffers, then dies by SIGKILL or by _exit() without closing
 *      the link; the parent's device loop must end with -VRQ_EPEERGONE
 *      within 2 s of the death;
 *  (c) clean close, threads: vrq_link_close() by the driver ends the
 *      device's wait, and by the device ends the driver's (blocked with no
 *      deadline), both well within 2 s.
 * In (c) the closing side first waits until the other one is in its wait
 * (asleep in the kernel, state S in /proc/self/task/<tid>/stat; poll, which
 * never sleeps: 2 ms of CPU spun since its last completion), at most 5 s,
 * else the case fails: no sleep stands in for that.
 * Every child is reaped and its exit checked; no zombie is left behind.
 * The latencies printed are the evidence; pidfd_open may be missing (old
 * kernels, qemu-user): the kill(0) + /proc fallback must meet the same bound.
 */
#include <sched.h>
#include <time.h>

#include "notify_common.h"
#include "nt_thread.h"
#include "vrq_test.h"

#define NT_KILL_AFTER 2000u
#define DEATH_BOUND_NS (2000ull * 1000000ull)
/* the other side is in its wait: asleep, or (poll) spun this much CPU */
#define IN_WAIT_SPIN_NS (2ull * 1000000ull)
#define IN_WAIT_BOUND_NS (5000ull * 1000000ull)

/* until thread @p tid is in its wait (see the top): 0 or -1 */
static int wait_in_wait(pid_t tid, enum vrq_notify_kind k)
{
	return nt_wait_thread_waiting(tid, k == VRQ_NOTIFY_POLL, IN_WAIT_SPIN_NS,
				      IN_WAIT_BOUND_NS);
}

/* nt_dev_thread() that says which thread it is */
struct dev_thread_arg {
	struct nt_thread_arg ta;
	pid_t tid; /* atomic */
};

static void *dev_thread_tid(void *p)
{
	struct dev_thread_arg *a = p;

	__atomic_store_n(&a->tid, nt_gettid(), __ATOMIC_RELEASE);
	return nt_dev_thread(&a->ta);
}


static const enum vrq_notify_kind kinds[] = { VRQ_NOTIFY_POLL, VRQ_NOTIFY_EVENTFD, VRQ_NOTIFY_FUTEX,
					      VRQ_NOTIFY_LEGACY_IRQ, VRQ_NOTIFY_HYBRID };
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static void base_cfg(struct nt_cfg *cfg, enum vrq_notify_kind k, unsigned i)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->notify = k;
	/* alternate the rings and EVENT_IDX over the backends */
	cfg->ring = (i & 1) ? VRQ_RING_PACKED : VRQ_RING_SPLIT;
	cfg->event_idx = !(i & 2);
	cfg->pattern = NT_STREAM;
	cfg->qsize = 64;
	cfg->spin_ns = 20000;
}

static void ms_print(const char *name, const char *what, uint64_t ns)
{
	printf("[%s] %s %.1f ms\n", name, what, (double)ns * 1e-6);
}

/* Reap @p pid; true if it ended as @p how says (signal number, or -exit code). */
static bool reap(pid_t pid, int sig, int code)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	if (sig)
		return WIFSIGNALED(status) && WTERMSIG(status) == sig;
	return WIFEXITED(status) && WEXITSTATUS(status) == code;
}

/* ---- (a) driver waiting, device killed ----------------------------------------- */

/* nt_drv_reap() with the token initialised: called from a second site,
 * gcc 12 no longer inlines that one and warns (maybe-uninitialized) about
 * its token, which get_used() sets on every path that returns 1 */
static int reap_used(struct nt_drv *d)
{
	void *tok = NULL;
	uint32_t len = 0;
	int rc;

	while ((rc = vrq_vq_drv_get_used(&d->l->drv, &tok, &len)) > 0) {
		uint32_t slot = (uint32_t)(uintptr_t)tok - 1;
		uint64_t resp[2], seq;

		if (slot >= d->nslots)
			return -1;
		seq = d->slot_seq[slot];
		memcpy(resp, d->l->bufs + (size_t)slot * NT_SLOT + 32, 16);
		if (seq != d->done || len != 16 || resp[0] != seq * 3 + 1 ||
		    resp[1] != (seq ^ NT_KEY)) {
			fprintf(stderr, "driver: completion seq %" PRIu64 " expected %" PRIu64 "\n",
				seq, d->done);
			return -1;
		}
		d->done++;
		d->free_slots[d->nfree++] = slot;
	}
	return rc < 0 ? -1 : 0;
}

static void test_device_killed(enum vrq_notify_kind k, unsigned i)
{
	char name[96];
	struct nt_cfg cfg;
	struct vrq_link_cfg lc;
	struct vrq_link drv;
	struct nt_drv d = { 0 };
	pid_t child = -1;
	int sv[2] = { -1, -1 }, rc = 0;
	uint64_t t_kill = 0, t_ret;
	unsigned window;

	base_cfg(&cfg, k, i);
	snprintf(name, sizeof(name), "device killed %s %s", vrq_notify_kind_name(k),
		 cfg.ring == VRQ_RING_PACKED ? "packed" : "split");
	nt_link_cfg(&cfg, &lc);
	if (vrq_link_create(&drv, &lc) < 0) {
		fprintf(stderr, "[%s] link create: %s\n", name, drv.msg);
		vrq_test_failures++;
		return;
	}
	CHECK_OUT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	child = fork();
	CHECK_OUT(child >= 0);
	if (child == 0) {
		close(sv[0]);
		nt_dev_child(sv[1]);
	}
	close(sv[1]);
	sv[1] = -1;
	CHECK_EQ_OUT(vrq_link_send(&drv, sv[0]), 0);
	CHECK_EQ_OUT(drv.peer_pid, child);

	/* stream (a window of qsize/2) until NT_KILL_AFTER completions, kill,
	 * keep waiting: what the device completed before dying is reaped,
	 * then the wait must report the death */
	d.l = &drv;
	d.cfg = &cfg;
	d.nslots = cfg.qsize;
	d.slot_seq = calloc(d.nslots, sizeof(*d.slot_seq));
	d.free_slots = calloc(d.nslots, sizeof(*d.free_slots));
	CHECK_OUT(d.slot_seq && d.free_slots);
	for (d.nfree = 0; d.nfree < d.nslots; d.nfree++)
		d.free_slots[d.nfree] = d.nslots - 1 - d.nfree;
	window = cfg.qsize / 2u;
	for (;;) {
		unsigned n = 0;

		while (d.sent - d.done < window && n < 16) {
			CHECK_OUT(nt_drv_add(&d, d.sent) == 0);
			d.sent++;
			n++;
		}
		if (n) {
			vrq_vq_drv_publish(&drv.drv);
			CHECK_OUT(vrq_vq_drv_kick(&drv.drv, &drv.kick) >= 0);
		}
		if (!t_kill && d.done >= NT_KILL_AFTER) {
			t_kill = vrq_notify_now_ns();
			CHECK_OUT(kill(child, SIGKILL) == 0);
		}
		rc = vrq_vq_drv_wait(&drv.drv, &drv.irq, NT_WATCHDOG_NS);
		if (rc < 0)
			break;
		CHECK_OUT(reap_used(&d) == 0);
	}
	t_ret = vrq_notify_now_ns();
	CHECK_OUT(t_kill != 0); /* no early failure before the kill */
	CHECK_EQ_OUT(rc, -VRQ_EPEERGONE);
	CHECK_EQ_OUT(drv.irq.st.peer_gone, 1);
	CHECK_EQ_OUT(drv.irq.st.timeouts, 0);
	ms_print(name, "kill -> EPEERGONE", t_ret - t_kill);
	CHECK_OUT(t_ret - t_kill < DEATH_BOUND_NS);
	/* the completions before the kill were all correct and in order */
	CHECK_OUT(d.done >= NT_KILL_AFTER);
	CHECK_OUT(reap(child, SIGKILL, 0));
	child = -1;
out:
	if (child > 0) {
		kill(child, SIGKILL);
		reap(child, SIGKILL, 0);
	}
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	nt_drv_free(&d);
	vrq_link_destroy(&drv);
}

/* ---- (b) device waiting, driver dies -------------------------------------------- */

enum death { DIE_SIGKILL, DIE_EXIT };

/* The child: create the link, hand it over, stream @p count buffers, then
 * say when it dies and die without closing.  Never returns. */
static void driver_child(int sock, const struct nt_cfg *cfg, enum death how)
{
	struct vrq_link_cfg lc;
	struct vrq_link l;
	struct nt_drv d = { 0 };
	uint64_t t;

	nt_link_cfg(cfg, &lc);
	if (vrq_link_create(&l, &lc) < 0) {
		fprintf(stderr, "driver child: link create: %s\n", l.msg);
		_exit(2);
	}
	if (vrq_link_send(&l, sock) < 0) {
		fprintf(stderr, "driver child: send: %s\n", l.msg);
		_exit(3);
	}
	d.l = &l;
	d.cfg = cfg;
	if (nt_driver(&d, -1) < 0)
		_exit(4);
	t = vrq_notify_now_ns();
	if (write(sock, &t, sizeof(t)) != (ssize_t)sizeof(t))
		_exit(5);
	/* no vrq_link_close(): the peer learns it from the process's death */
	if (how == DIE_SIGKILL)
		raise(SIGKILL);
	_exit(0);
}

static void test_driver_died(enum vrq_notify_kind k, unsigned i, enum death how)
{
	char name[96];
	struct nt_cfg cfg;
	struct vrq_link dev;
	struct nt_dev_report rep;
	bool have_dev = false;
	pid_t child = -1;
	int sv[2] = { -1, -1 }, rc;
	uint64_t t_death = 0, t_ret;

	base_cfg(&cfg, k, i + 1);
	cfg.count = 300;
	snprintf(name, sizeof(name), "driver %s %s %s",
		 how == DIE_SIGKILL ? "SIGKILLed" : "_exit()ed", vrq_notify_kind_name(k),
		 cfg.ring == VRQ_RING_PACKED ? "packed" : "split");
	CHECK_OUT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	child = fork();
	CHECK_OUT(child >= 0);
	if (child == 0) {
		close(sv[0]);
		driver_child(sv[1], &cfg, how);
	}
	close(sv[1]);
	sv[1] = -1;
	rc = vrq_link_accept(&dev, sv[0], 0);
	if (rc < 0)
		fprintf(stderr, "[%s] accept: %s\n", name, dev.msg);
	CHECK_EQ_OUT(rc, 0);
	have_dev = true;
	CHECK_EQ_OUT(dev.peer_pid, child);

	nt_device(&dev, &rep);
	t_ret = vrq_notify_now_ns();
	CHECK_EQ_OUT(rep.rc, 0);
	CHECK_EQ_OUT(rep.wait_rc, -VRQ_EPEERGONE);
	CHECK_EQ_OUT(rep.served, cfg.count);
	CHECK_EQ_OUT(rep.kick_rx.peer_gone, 1);
	CHECK_EQ_OUT(rep.kick_rx.timeouts, 0);
	/* the child wrote its time of death before dying */
	CHECK_OUT(nt_read_full(sv[0], &t_death, sizeof(t_death)) == 0);
	CHECK_OUT(t_ret >= t_death);
	ms_print(name, "death -> EPEERGONE", t_ret - t_death);
	CHECK_OUT(t_ret - t_death < DEATH_BOUND_NS);
	CHECK_OUT(reap(child, how == DIE_SIGKILL ? SIGKILL : 0, 0));
	child = -1;
out:
	if (child > 0) {
		kill(child, SIGKILL);
		reap(child, SIGKILL, 0);
	}
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (have_dev)
		vrq_link_destroy(&dev);
}

/* ---- (c) clean close, threads ------------------------------------------------------ */

/* driver closes: the device thread's wait ends */
static void test_close_by_driver(enum vrq_notify_kind k, unsigned i)
{
	char name[96];
	struct nt_cfg cfg;
	struct vrq_link_cfg lc;
	struct vrq_link drv, dev;
	struct nt_drv d = { 0 };
	struct dev_thread_arg dta;
	struct nt_thread_arg *ta = &dta.ta;
	bool have_dev = false, started = false;
	pthread_t th;
	pid_t tid;
	uint64_t t_close, t_join;

	base_cfg(&cfg, k, i);
	cfg.pattern = NT_PINGPONG;
	cfg.count = 200;
	snprintf(name, sizeof(name), "driver closes %s %s", vrq_notify_kind_name(k),
		 cfg.ring == VRQ_RING_PACKED ? "packed" : "split");
	nt_link_cfg(&cfg, &lc);
	if (vrq_link_create(&drv, &lc) < 0) {
		fprintf(stderr, "[%s] link create: %s\n", name, drv.msg);
		vrq_test_failures++;
		return;
	}
	CHECK_EQ_OUT(vrq_link_attach(&dev, &drv), 0);
	have_dev = true;
	memset(&dta, 0, sizeof(dta));
	ta->dev = &dev;
	CHECK_OUT(pthread_create(&th, NULL, dev_thread_tid, &dta) == 0);
	started = true;
	d.l = &drv;
	d.cfg = &cfg;
	CHECK_EQ_OUT(nt_driver(&d, -1), 0);
	/* every buffer came back: the device is on its way into the wait on an
	 * empty ring; close once it is there */
	while (!(tid = __atomic_load_n(&dta.tid, __ATOMIC_ACQUIRE)))
		sched_yield();
	if (wait_in_wait(tid, k) < 0) {
		fprintf(stderr, "[%s] the device never got into its wait (%s)\n", name,
			k == VRQ_NOTIFY_POLL ? "no CPU spun" : "not asleep");
		vrq_test_failures++;
		goto out;
	}
	t_close = vrq_notify_now_ns();
	vrq_link_close(&drv);
	pthread_join(th, NULL);
	started = false;
	t_join = vrq_notify_now_ns();
	ms_print(name, "close -> EPEERGONE", t_join - t_close);
	CHECK_EQ_OUT(ta->rep.rc, 0);
	CHECK_EQ_OUT(ta->rep.wait_rc, -VRQ_EPEERGONE);
	CHECK_EQ_OUT(ta->rep.served, cfg.count);
	CHECK_EQ_OUT(ta->rep.kick_rx.peer_gone, 1);
	CHECK_EQ_OUT(ta->rep.kick_rx.timeouts, 0);
	CHECK_OUT(t_join - t_close < DEATH_BOUND_NS);
out:
	if (started) {
		vrq_link_close(&drv);
		pthread_join(th, NULL);
	}
	nt_drv_free(&d);
	if (have_dev)
		vrq_link_destroy(&dev);
	vrq_link_destroy(&drv);
}

/* device closes: the driver's wait (no deadline) ends */
struct closer {
	struct vrq_link *dev;
	enum vrq_notify_kind kind;
	pid_t drv_tid; /* the driver's thread, blocked in its wait */
	uint64_t t_close;
	int rc;
	int not_waiting;
};

static void *dev_closer(void *p)
{
	struct closer *c = p;
	struct vrq_seg seg[4];
	struct vrq_chain ch;

	/* take the driver's buffer and never complete it */
	if (vrq_vq_dev_wait(&c->dev->dev, &c->dev->kick, NT_WATCHDOG_NS) < 0) {
		c->rc = -1;
		return NULL;
	}
	vrq_chain_init(&ch, seg, 4);
	if (vrq_vq_dev_pop(&c->dev->dev, &ch) != 1)
		c->rc = -1;
	/* close once the driver is in its wait (closing anyway if it never
	 * gets there: its wait has no deadline) */
	if (wait_in_wait(c->drv_tid, c->kind) < 0)
		c->not_waiting = 1;
	c->t_close = vrq_notify_now_ns();
	vrq_link_close(c->dev);
	return NULL;
}

static void test_close_by_device(enum vrq_notify_kind k, unsigned i)
{
	char name[96];
	struct nt_cfg cfg;
	struct vrq_link_cfg lc;
	struct vrq_link drv, dev;
	struct closer c = { 0 };
	bool have_dev = false, started = false;
	pthread_t th;
	uint64_t t_ret;
	int rc;

	base_cfg(&cfg, k, i + 1);
	snprintf(name, sizeof(name), "device closes %s %s", vrq_notify_kind_name(k),
		 cfg.ring == VRQ_RING_PACKED ? "packed" : "split");
	nt_link_cfg(&cfg, &lc);
	if (vrq_link_create(&drv, &lc) < 0) {
		fprintf(stderr, "[%s] link create: %s\n", name, drv.msg);
		vrq_test_failures++;
		return;
	}
	CHECK_EQ_OUT(vrq_link_attach(&dev, &drv), 0);
	have_dev = true;
	c.dev = &dev;
	c.kind = k;
	c.drv_tid = nt_gettid();
	CHECK_OUT(pthread_create(&th, NULL, dev_closer, &c) == 0);
	started = true;
	{
		struct vrq_sg sg[2] = { { vrq_link_da(&drv, drv.bufs), 16 },
					{ vrq_link_da(&drv, drv.bufs + 32), 16 } };

		CHECK_EQ_OUT(vrq_vq_drv_add(&drv.drv, sg, 1, 1, &drv), 0);
	}
	vrq_vq_drv_publish(&drv.drv);
	CHECK_OUT(vrq_vq_drv_kick(&drv.drv, &drv.kick) >= 0);
	/* no deadline: only the close can end this wait (the watchdog
	 * alarm in main() catches a hang) */
	rc = vrq_vq_drv_wait(&drv.drv, &drv.irq, 0);
	t_ret = vrq_notify_now_ns();
	pthread_join(th, NULL);
	started = false;
	CHECK_EQ_OUT(c.rc, 0);
	if (c.not_waiting)
		fprintf(stderr, "[%s] the driver never got into its wait (%s)\n", name,
			k == VRQ_NOTIFY_POLL ? "no CPU spun" : "not asleep");
	CHECK_EQ_OUT(c.not_waiting, 0);
	CHECK_EQ_OUT(rc, -VRQ_EPEERGONE);
	CHECK_EQ_OUT(drv.irq.st.peer_gone, 1);
	CHECK_OUT(t_ret >= c.t_close);
	ms_print(name, "close -> EPEERGONE", t_ret - c.t_close);
	CHECK_OUT(t_ret - c.t_close < DEATH_BOUND_NS);
out:
	if (started)
		pthread_join(th, NULL);
	if (have_dev)
		vrq_link_destroy(&dev);
	vrq_link_destroy(&drv);
}

int main(void)
{
	unsigned i;
	int status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a hang is a failure too: SIGALRM ends the process (exit != 0) */
	alarm(240);
	for (i = 0; i < NKINDS; i++) {
		test_device_killed(kinds[i], i);
		test_driver_died(kinds[i], i, DIE_SIGKILL);
		test_driver_died(kinds[i], i, DIE_EXIT);
		test_close_by_driver(kinds[i], i);
		test_close_by_device(kinds[i], i);
	}
	/* every child was reaped */
	if (waitpid(-1, &status, WNOHANG) != -1 || errno != ECHILD) {
		fprintf(stderr, "a child process was left behind\n");
		vrq_test_failures++;
	}
	if (vrq_test_failures) {
		fprintf(stderr, "%d check(s) failed\n", vrq_test_failures);
		return 1;
	}
	return 0;
}
