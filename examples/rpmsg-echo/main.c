/* SPDX-License-Identifier: MIT */
/*
 * rpmsg-echo: an RPMsg host (the Linux side of remoteproc) and a remote
 * (the firmware side), in two threads or two processes, over one shared
 * region laid out like a remoteproc resource table + vrings + buffers.
 *
 * The remote creates an endpoint named "rpmsg-echo", which the name service
 * announces to the host; the host's name-service callback creates a channel
 * bound to it, sends messages and prints the echoes.
 *
 *   rpmsg-echo [--procs] [--count N] [--notify eventfd|futex|hybrid|poll]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vrq/rpmsg.h>

static int stop;

/* ---- remote ---------------------------------------------------------------- */

static int echo_cb(struct vrq_rpmsg_ept *ept, const struct vrq_rpmsg_rx *m, void *priv)
{
	(void)priv;
	/* answer the sender from our endpoint, with the same bytes */
	return vrq_rpmsg_sendto(ept, m->src, m->data, m->len);
}

static int remote_main(struct vrq_rpmsg_link *host_end, int parent)
{
	struct vrq_rpmsg_link link;
	struct vrq_rpmsg *bus;
	int err, rc;

	rc = vrq_rpmsg_link_attach(&link, host_end);
	if (!rc && parent)
		rc = vrq_rpmsg_link_watch(&link, parent);
	if (rc) {
		fprintf(stderr, "remote: attach: %s\n", vrq_strerror(rc));
		return 1;
	}
	/* like firmware: wait for the host's DRIVER_OK, then start */
	bus = vrq_rpmsg_link_open(&link, NULL, 5000000000ull, &err);
	if (!bus) {
		fprintf(stderr, "remote: open: %s\n", vrq_strerror(err));
		return 1;
	}
	if (!vrq_rpmsg_create_ept(bus, "rpmsg-echo", VRQ_RPMSG_ADDR_ANY, VRQ_RPMSG_ADDR_ANY,
				  echo_cb, NULL, NULL, &err)) {
		fprintf(stderr, "remote: endpoint: %s\n", vrq_strerror(err));
		return 1;
	}
	/* the receive loop: wait for a message, run the callbacks */
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		rc = vrq_rpmsg_wait(bus, 100000000);
		if (rc == -EPIPE)
			break; /* the host closed its end (or died) */
		if (rc < 0 && rc != -ETIMEDOUT) {
			fprintf(stderr, "remote: wait: %s\n", vrq_strerror(rc));
			break;
		}
		if (vrq_rpmsg_poll(bus, 0) < 0)
			break;
	}
	vrq_rpmsg_destroy(bus);
	vrq_rpmsg_link_destroy(&link);
	return 0;
}

struct remote_arg {
	struct vrq_rpmsg_link *host_end;
	int rc;
};

static void *remote_thread(void *arg)
{
	struct remote_arg *a = arg;

	a->rc = remote_main(a->host_end, 0);
	return NULL;
}

/* ---- host ------------------------------------------------------------------ */

static uint32_t echo_addr;	/* learnt from the name service */
static unsigned long echoes;

static void ns_cb(struct vrq_rpmsg *bus, const char *name, uint32_t addr, bool create, void *priv)
{
	(void)bus, (void)priv;
	printf("host: name service: \"%s\" at %u %s\n", name, addr, create ? "created" : "destroyed");
	if (create && !strcmp(name, "rpmsg-echo"))
		__atomic_store_n(&echo_addr, addr, __ATOMIC_RELEASE);
}

static int reply_cb(struct vrq_rpmsg_ept *ept, const struct vrq_rpmsg_rx *m, void *priv)
{
	(void)ept, (void)priv;
	if (echoes < 3)
		printf("host: echo from %u: \"%.*s\"\n", m->src, (int)m->len, (const char *)m->data);
	__atomic_store_n(&echoes, echoes + 1, __ATOMIC_RELEASE);
	return 0;
}

static void *host_rx(void *arg)
{
	struct vrq_rpmsg *bus = arg;

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		if (vrq_rpmsg_wait(bus, 100000000) == -EPIPE)
			break;
		if (vrq_rpmsg_poll(bus, 0) < 0)
			break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct vrq_rpmsg_link_cfg lc = {.qsize = 256, .notify = VRQ_NOTIFY_EVENTFD,
					.ring_features = VRQ_FEATURE(VRQ_F_EVENT_IDX)};
	struct vrq_rpmsg_cfg hc = {.ns_cb = ns_cb};
	struct vrq_rpmsg_link link;
	struct vrq_rpmsg *bus;
	struct vrq_rpmsg_ept *ept;
	struct vrq_rpmsg_stats st;
	struct remote_arg ra;
	pthread_t rt, ht;
	unsigned long count = 10000, i;
	bool procs = false;
	int err, pid = 0, status, n;

	for (n = 1; n < argc; n++) {
		if (!strcmp(argv[n], "--procs")) {
			procs = true;
		} else if (!strcmp(argv[n], "--count") && n + 1 < argc) {
			count = strtoul(argv[++n], NULL, 0);
		} else if (!strcmp(argv[n], "--notify") && n + 1 < argc &&
			   vrq_notify_kind_parse(argv[n + 1], &lc.notify) == 0) {
			n++;
		} else {
			fprintf(stderr, "usage: %s [--procs] [--count N] [--notify KIND]\n", argv[0]);
			return 2;
		}
	}

	/* the shared region: resource table, two vrings, 512-byte buffers */
	err = vrq_rpmsg_link_create(&link, &lc);
	if (err) {
		fprintf(stderr, "host: region: %s\n", vrq_strerror(err));
		return 1;
	}
	if (procs) {
		pid = fork();
		if (pid == 0)
			_exit(remote_main(&link, getppid()));
		vrq_rpmsg_link_watch(&link, pid);
	} else {
		ra.host_end = &link;
		pthread_create(&rt, NULL, remote_thread, &ra);
	}

	/* host: set up the rings, post the receive buffers, DRIVER_OK */
	bus = vrq_rpmsg_link_open(&link, &hc, 0, &err);
	if (!bus) {
		fprintf(stderr, "host: open: %s\n", vrq_strerror(err));
		return 1;
	}
	pthread_create(&ht, NULL, host_rx, bus);
	while (!__atomic_load_n(&echo_addr, __ATOMIC_ACQUIRE))
		usleep(1000);
	/* a channel: a local address, bound to the remote's endpoint */
	ept = vrq_rpmsg_create_ept(bus, NULL, VRQ_RPMSG_ADDR_ANY, echo_addr, reply_cb, NULL, NULL,
				   &err);
	if (!ept) {
		fprintf(stderr, "host: endpoint: %s\n", vrq_strerror(err));
		return 1;
	}
	for (i = 0; i < count; i++) {
		char msg[64];

		n = snprintf(msg, sizeof(msg), "hello %lu", i);
		err = vrq_rpmsg_send(ept, msg, (uint32_t)n); /* blocks while no TX buffer is free */
		if (err) {
			fprintf(stderr, "host: send: %s\n", vrq_strerror(err));
			return 1;
		}
	}
	while (__atomic_load_n(&echoes, __ATOMIC_ACQUIRE) < count)
		usleep(1000);

	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(ht, NULL);
	vrq_rpmsg_get_stats(bus, &st);
	printf("host: %lu messages sent, %lu echoes received; kicks sent %" PRIu64
	       " (%.3f per message), interrupts taken %" PRIu64 "\n",
	       count, echoes, link.kick[1].st.sent, (double)link.kick[1].st.sent / (double)count,
	       link.irq[0].st.wakeups);
	vrq_rpmsg_link_close(&link); /* the remote's wait returns -EPIPE */
	if (procs) {
		waitpid(pid, &status, 0);
		err = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	} else {
		pthread_join(rt, NULL);
		err = ra.rc;
	}
	vrq_rpmsg_destroy(bus);
	vrq_rpmsg_link_destroy(&link);
	printf("rpmsg-echo: %s\n", err || echoes != count ? "FAILED" : "ok");
	return err || echoes != count ? 1 : 0;
}
