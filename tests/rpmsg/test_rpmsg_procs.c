/* SPDX-License-Identifier: MIT */
/*
 * test_rpmsg_procs: host and remote in two processes (fork) over one
 * shared region, for each blocking notification backend.
 *
 * The remote (child) announces "echo" and echoes every message it gets;
 * the host (parent) binds through the name service, sends N messages of
 * varying length and content, checks every echo (order, length, bytes),
 * then closes its end: the child's wait returns -EPIPE and it exits with
 * the number of messages it saw as its verdict.  A child that dies is
 * seen by the parent's waits (-EPIPE), never a hang.
 */
#include <inttypes.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rpmsg_pair.h"
#include "vrq_test.h"

#define MAXLEN 496u

static uint32_t len_of(uint64_t s)
{
	return (uint32_t)((s * 53) % (MAXLEN + 1));
}

static void fill(uint8_t *p, uint32_t len, uint64_t s)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(s * 7 + i * 13);
}

static uint64_t child_seen, child_bad;

static int echo_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	uint8_t want[MAXLEN];

	(void)priv;
	fill(want, len_of(child_seen), child_seen);
	if (m->len != len_of(child_seen) || memcmp(m->data, want, m->len))
		child_bad++;
	child_seen++;
	if (vrq_rpmsg_sendto(e, m->src, m->data, m->len))
		child_bad++;
	return 0;
}

static int child(struct vrq_rpmsg_link *h, int parent)
{
	struct vrq_rpmsg_link r;
	struct vrq_rpmsg *bus;
	struct vrq_rpmsg_ept *e;
	int err, rc;

	if (vrq_rpmsg_link_attach(&r, h) || vrq_rpmsg_link_watch(&r, parent))
		return 101;
	bus = vrq_rpmsg_link_open(&r, NULL, 10000000000ull, &err);
	if (!bus)
		return 102;
	e = vrq_rpmsg_create_ept(bus, "echo", VRQ_RPMSG_ADDR_ANY, VRQ_RPMSG_ADDR_ANY, echo_cb, NULL,
				 NULL, &err);
	if (!e)
		return 103;
	for (;;) {
		rc = vrq_rpmsg_wait(bus, 10000000000ull);
		if (rc == -EPIPE)
			break;
		if (rc < 0)
			return 104;
		if (vrq_rpmsg_poll(bus, 0) < 0)
			return 105;
	}
	(void)vrq_rpmsg_poll(bus, 0);
	vrq_rpmsg_destroy(bus);
	vrq_rpmsg_link_destroy(&r);
	return child_bad ? 106 : 0;
}

static uint32_t echo_addr;
static uint64_t host_seen, host_bad;

static void host_ns(struct vrq_rpmsg *r, const char *name, uint32_t addr, bool create, void *priv)
{
	(void)r, (void)priv;
	if (create && !strcmp(name, "echo"))
		__atomic_store_n(&echo_addr, addr, __ATOMIC_RELEASE);
}

static int host_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	uint8_t want[MAXLEN];

	(void)e, (void)priv;
	fill(want, len_of(host_seen), host_seen);
	if (m->len != len_of(host_seen) || memcmp(m->data, want, m->len))
		host_bad++;
	__atomic_store_n(&host_seen, host_seen + 1, __ATOMIC_RELEASE);
	return 0;
}

static int run(enum vrq_notify_kind kind)
{
	const char *name = vrq_notify_kind_name(kind);
	struct vrq_rpmsg_link_cfg lc = {.qsize = 128, .notify = kind,
					.ring_features = VRQ_FEATURE(VRQ_F_EVENT_IDX)};
	struct vrq_rpmsg_cfg hx;
	struct rp_side hs;
	struct vrq_rpmsg_ept *e = NULL;
	const char *sc = getenv("VRQ_TEST_SCALE");
	uint64_t n = (uint64_t)(100000 * (sc ? atof(sc) : 1.0)), s, i;
	int pid = -1, status = 0, err;

	if (n < 2000)
		n = 2000;
	host_seen = host_bad = 0;
	echo_addr = 0;
	memset(&hs, 0, sizeof(hs));
	memset(&hx, 0, sizeof(hx));
	hx.ns_cb = host_ns;
	CHECK_EQ_OUT(vrq_rpmsg_link_create(&hs.link, &lc), 0);
	pid = fork();
	CHECK_OUT(pid >= 0);
	if (pid == 0)
		_exit(child(&hs.link, getppid()));
	CHECK_EQ_OUT(vrq_rpmsg_link_watch(&hs.link, pid), 0);
	hs.bus = vrq_rpmsg_link_open(&hs.link, &hx, 0, &err);
	CHECK_OUT(hs.bus);
	CHECK_EQ_OUT(rp_start(&hs), 0);
	for (i = 0; i < 10000 && !__atomic_load_n(&echo_addr, __ATOMIC_ACQUIRE); i++)
		rp_sleep_ms(1);
	CHECK_OUT(echo_addr);
	e = vrq_rpmsg_create_ept(hs.bus, NULL, VRQ_RPMSG_ADDR_ANY, echo_addr, host_cb, NULL, NULL,
				 &err);
	CHECK_OUT(e);
	for (s = 0; s < n; s++) {
		uint8_t b[MAXLEN];

		fill(b, len_of(s), s);
		CHECK_EQ_OUT(vrq_rpmsg_send(e, b, len_of(s)), 0);
	}
	CHECK_OUT(rp_wait_u64(&host_seen, n));
	CHECK_EQ_OUT(host_bad, 0);
	rp_stop(&hs);
	vrq_rpmsg_link_close(&hs.link);
	CHECK_EQ_OUT(waitpid(pid, &status, 0), pid);
	pid = -1;
	CHECK_OUT(WIFEXITED(status));
	CHECK_EQ_OUT(WEXITSTATUS(status), 0);
	printf("  %s: %" PRIu64 " echoes across processes\n", name, n);
out:
	rp_stop(&hs);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (e)
		vrq_rpmsg_destroy_ept(e);
	if (hs.bus)
		vrq_rpmsg_destroy(hs.bus);
	vrq_rpmsg_link_destroy(&hs.link);
	return 0;
}

/* One backend per process (--notify NAME): the fork happens while this
 * process has no other thread yet, which ThreadSanitizer requires. */
int main(int argc, char **argv)
{
	enum vrq_notify_kind kind = VRQ_NOTIFY_EVENTFD;

	if (argc == 3 && !strcmp(argv[1], "--notify") && !vrq_notify_kind_parse(argv[2], &kind)) {
		run(kind);
	} else if (argc != 1) {
		fprintf(stderr, "usage: %s [--notify eventfd|futex|hybrid|legacy-irq]\n", argv[0]);
		return 2;
	} else {
		run(kind);
	}
	return vrq_test_done("test_rpmsg_procs");
}
