/* SPDX-License-Identifier: MIT */
/*
 * Installed-tree consumer of the RPMsg bus: a host and a remote over one
 * vrq_rpmsg_link (remote opened in a thread, as it waits for DRIVER_OK),
 * one message host -> remote, bytes checked.  Built by find_package(vrq)
 * (vrq::vrq_rpmsg) and by pkg-config --cflags --libs vrq-rpmsg.
 */
#include <vrq/rpmsg.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct vrq_rpmsg_link host_link, remote_link;
static struct vrq_rpmsg *remote_bus;
static char got[16];
static unsigned got_len;

static void *open_remote(void *arg)
{
	int err;

	(void)arg;
	remote_bus = vrq_rpmsg_link_open(&remote_link, NULL, 5000000000ull, &err);
	return NULL;
}

static int remote_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	(void)e;
	(void)priv;
	if (m->len <= sizeof(got)) {
		memcpy(got, m->data, m->len);
		got_len = m->len;
	}
	return 0;
}

int main(void)
{
	struct vrq_rpmsg_link_cfg lc;
	struct vrq_rpmsg *host_bus;
	struct vrq_rpmsg_ept *re, *he;
	pthread_t t;
	int err, i, ok;

	memset(&lc, 0, sizeof(lc));
	lc.notify = VRQ_NOTIFY_POLL;
	if (vrq_rpmsg_link_create(&host_link, &lc) || vrq_rpmsg_link_attach(&remote_link, &host_link))
		return 1;
	if (pthread_create(&t, NULL, open_remote, NULL))
		return 1;
	host_bus = vrq_rpmsg_link_open(&host_link, NULL, 0, &err);
	pthread_join(t, NULL);
	if (!host_bus || !remote_bus) {
		fprintf(stderr, "rpmsg_consumer: open: %d\n", err);
		return 1;
	}
	re = vrq_rpmsg_create_ept(remote_bus, NULL, 2000, VRQ_RPMSG_ADDR_ANY, remote_cb, NULL, NULL,
				  &err);
	he = vrq_rpmsg_create_ept(host_bus, NULL, VRQ_RPMSG_ADDR_ANY, 2000, remote_cb, NULL, NULL,
				  &err);
	if (!re || !he || vrq_rpmsg_send(he, "hello", 5))
		return 1;
	for (i = 0; i < 1000000 && !got_len; i++)
		vrq_rpmsg_poll(remote_bus, 0);
	ok = got_len == 5 && !memcmp(got, "hello", 5);
	vrq_rpmsg_destroy_ept(he);
	vrq_rpmsg_destroy_ept(re);
	vrq_rpmsg_destroy(remote_bus);
	vrq_rpmsg_destroy(host_bus);
	vrq_rpmsg_link_destroy(&remote_link);
	vrq_rpmsg_link_destroy(&host_link);
	if (!ok) {
		fprintf(stderr, "rpmsg_consumer: message not delivered\n");
		return 1;
	}
	return 0;
}
