/* SPDX-License-Identifier: MIT */
/*
 * tests/rpmsg/rpmsg_pair.h - a host and a remote RPMsg bus over one
 * vrq_rpmsg_link, each with a receive thread (wait + poll until stopped).
 */
#ifndef VRQ_RPMSG_PAIR_H
#define VRQ_RPMSG_PAIR_H

#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vrq/rpmsg.h"

struct rp_side {
	struct vrq_rpmsg_link link;
	struct vrq_rpmsg *bus;
	pthread_t rx;
	bool rx_running;
	int stop;	/* atomic */
	int rx_err;	/* first negative poll/wait code other than timeout */
};

struct rp_pair {
	struct rp_side host, remote;
};

static inline void *rp_rx_thread(void *arg)
{
	struct rp_side *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		int rc = vrq_rpmsg_wait(s->bus, 5000000);

		if (rc < 0 && rc != -ETIMEDOUT) {
			if (!s->rx_err)
				s->rx_err = rc;
			break;
		}
		rc = vrq_rpmsg_poll(s->bus, 0);
		if (rc < 0) {
			if (!s->rx_err)
				s->rx_err = rc;
			break;
		}
		if (rc == 0 && !s->link.kick[0].ops) /* no notifier: be polite */
			sched_yield();
	}
	return NULL;
}

/* Remote bus creation waits for the host's DRIVER_OK: do it in a thread. */
struct rp_open_arg {
	struct rp_side *s;
	const struct vrq_rpmsg_cfg *extra;
	int err;
};

static inline void *rp_open_thread(void *arg)
{
	struct rp_open_arg *a = arg;

	a->s->bus = vrq_rpmsg_link_open(&a->s->link, a->extra, 5000000000ull, &a->err);
	return NULL;
}

/* Create both ends; @p hx / @p rx extra configs may be NULL. */
static inline int rp_pair_init(struct rp_pair *p, const struct vrq_rpmsg_link_cfg *lc,
			const struct vrq_rpmsg_cfg *hx, const struct vrq_rpmsg_cfg *rx)
{
	struct rp_open_arg ra = {&p->remote, rx, 0};
	pthread_t t;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = vrq_rpmsg_link_create(&p->host.link, lc);
	if (rc)
		return rc;
	rc = vrq_rpmsg_link_attach(&p->remote.link, &p->host.link);
	if (rc)
		return rc;
	/* the remote waits for DRIVER_OK first, as firmware does */
	if (pthread_create(&t, NULL, rp_open_thread, &ra))
		return -EAGAIN;
	p->host.bus = vrq_rpmsg_link_open(&p->host.link, hx, 0, &rc);
	pthread_join(t, NULL);
	if (!p->host.bus)
		return rc;
	if (!p->remote.bus)
		return ra.err;
	return 0;
}

static inline int rp_start(struct rp_side *s)
{
	__atomic_store_n(&s->stop, 0, __ATOMIC_RELAXED);
	if (pthread_create(&s->rx, NULL, rp_rx_thread, s))
		return -EAGAIN;
	s->rx_running = true;
	return 0;
}

static inline void rp_stop(struct rp_side *s)
{
	if (!s->rx_running)
		return;
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(s->rx, NULL);
	s->rx_running = false;
}

static inline void rp_pair_fini(struct rp_pair *p)
{
	rp_stop(&p->host);
	rp_stop(&p->remote);
	if (p->remote.bus)
		vrq_rpmsg_destroy(p->remote.bus);
	if (p->host.bus)
		vrq_rpmsg_destroy(p->host.bus);
	vrq_rpmsg_link_destroy(&p->remote.link);
	vrq_rpmsg_link_destroy(&p->host.link);
}

static inline void rp_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* spin-wait (with sleeps) until *p == v or 10 s pass */
static inline bool rp_wait_u64(const uint64_t *p, uint64_t v)
{
	unsigned i;

	for (i = 0; i < 10000; i++) {
		if (__atomic_load_n(p, __ATOMIC_ACQUIRE) >= v)
			return true;
		rp_sleep_ms(1);
	}
	return false;
}

#endif /* VRQ_RPMSG_PAIR_H */
