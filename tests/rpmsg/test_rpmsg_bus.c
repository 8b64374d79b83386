/* SPDX-License-Identifier: MIT */
/*
 * test_rpmsg_bus: a vrq host and a vrq remote over one shared region (the
 * remoteproc layout), each with its own receive thread, for one
 * notification backend (--notify NAME).
 *
 *  - name service both ways: the remote announces "echo" and the host's
 *    ns callback binds to it; the host announces "host-svc" and the remote
 *    binds; destroy on either side reaches the other (unbind callback,
 *    dst back to ADDR_ANY).
 *  - echo: the host sends N messages of lengths 0..496 with a sequence
 *    number and a pattern derived from it, by copy, zero-copy, batched
 *    (VRQ_RPMSG_MORE + flush) and batched zero-copy (get_tx_buffers +
 *    send_nocopy_batch, 1 to 5 at a time); the remote checks each one and echoes it
 *    back from its callback; the host checks every echo (order, length,
 *    bytes).  Nothing lost, duplicated, reordered or corrupted.
 *  - hold / release: the remote holds every third message and a second
 *    thread releases them; all are still delivered and released once.
 *  - back-pressure: with the remote's receive thread stopped, exactly
 *    num_tx sends succeed, the next trysend is -EAGAIN, a blocking send
 *    times out with -ETIMEDOUT; restarting the remote drains everything.
 *  - counters: messages, notifications and suppressions add up.
 *  - the batched zero-copy calls' edges, both buses in one thread:
 *    get_tx_buffers() takes what is free and no more, send_nocopy_batch()
 *    stops at a too-long entry or a repeated token (the ones before are
 *    delivered, the rest stay reserved), publishes once per call, and not
 *    at all with VRQ_RPMSG_MORE until a flush.
 *  - idle work: once the remote has returned a TX buffer, the host's empty
 *    poll takes it back and the next send reuses it (same buffer, same
 *    descriptor); a remote that has sent pops up to 16 host buffers ahead
 *    when it waits, and sends into them in ring order; one that has not
 *    sent pops none.
 */
#include <inttypes.h>
#include <unistd.h>

#include "rpmsg_pair.h"
#include "vrq_test.h"

#define MAXLEN 496u

/*
 * The two ends map the shared memory at different addresses (as two
 * processes would), so ThreadSanitizer cannot see the ring's own
 * release/acquire pairs: everything the ends share outside the ring is
 * accessed with atomics.
 */
struct ctx {
	/* remote */
	struct vrq_rpmsg_ept *echo;
	uint64_t r_seq;	  /* next sequence number expected by the remote */
	uint64_t r_bad;
	uint64_t r_held_every; /* hold every n-th message (0: never) */
	uint32_t held[4096];
	unsigned nheld;	  /* written by the remote rx thread under hold_lock */
	pthread_mutex_t hold_lock;
	/* host */
	struct vrq_rpmsg_ept *h_ept;	/* bound to the remote's echo */
	uint64_t h_seq;	  /* echoes checked */
	uint64_t h_bad;
	/* name service */
	uint32_t echo_addr;	/* as the host learnt it */
	uint32_t hostsvc_addr;	/* as the remote learnt it */
	int unbound;		/* host endpoint unbind callbacks */
	struct vrq_rpmsg *remote_bus;
	struct vrq_rpmsg_ept *r_client; /* remote endpoint bound to host-svc */
	uint64_t r_client_msgs;
};

static uint32_t msg_len(uint64_t seq)
{
	return (uint32_t)((seq * 37) % (MAXLEN + 1));
}

static void fill(uint8_t *p, uint32_t len, uint64_t seq)
{
	uint32_t i;

	if (len >= 8)
		memcpy(p, &seq, 8);
	for (i = len >= 8 ? 8 : 0; i < len; i++)
		p[i] = (uint8_t)(seq * 131 + i);
}

static bool check(const uint8_t *p, uint32_t len, uint64_t seq)
{
	uint8_t want[MAXLEN];

	if (len != msg_len(seq))
		return false;
	fill(want, len, seq);
	return !memcmp(p, want, len);
}

static int remote_echo_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	struct ctx *c = priv;
	uint64_t seq = __atomic_fetch_add(&c->r_seq, 1, __ATOMIC_RELAXED);
	uint64_t every = __atomic_load_n(&c->r_held_every, __ATOMIC_ACQUIRE);
	bool hold = false;
	int rc;

	if (!check(m->data, m->len, seq)) {
		fprintf(stderr, "remote: message %" PRIu64 " wrong (len %u)\n", seq, m->len);
		__atomic_fetch_add(&c->r_bad, 1, __ATOMIC_RELAXED);
	}
	/* record the hold before the echo: once the host has the echo, the
	 * releaser must be able to find the buffer */
	if (every && seq % every == 0) {
		pthread_mutex_lock(&c->hold_lock);
		if (c->nheld < 4096) {
			c->held[c->nheld++] = m->token;
			hold = true;
		}
		pthread_mutex_unlock(&c->hold_lock);
	}
	/* the releaser may release it before we return: the bus then hands
	 * the buffer back when the callback returns, not before */
	rc = vrq_rpmsg_sendto(e, m->src, m->data, m->len);
	if (rc) {
		fprintf(stderr, "remote: echo %" PRIu64 ": %s\n", seq, vrq_strerror(rc));
		__atomic_fetch_add(&c->r_bad, 1, __ATOMIC_RELAXED);
	}
	return hold ? VRQ_RPMSG_HOLD : 0;
}

static int host_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	struct ctx *c = priv;
	uint64_t seq = __atomic_load_n(&c->h_seq, __ATOMIC_RELAXED);

	(void)e;
	if (m->src != c->echo_addr || !check(m->data, m->len, seq)) {
		fprintf(stderr, "host: echo %" PRIu64 " wrong (len %u src %u)\n", seq, m->len,
			m->src);
		__atomic_fetch_add(&c->h_bad, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&c->h_seq, seq + 1, __ATOMIC_RELEASE);
	return 0;
}

static void host_unbind(struct vrq_rpmsg_ept *e, void *priv)
{
	struct ctx *c = priv;

	(void)e;
	__atomic_fetch_add(&c->unbound, 1, __ATOMIC_RELEASE);
}

static void host_ns(struct vrq_rpmsg *r, const char *name, uint32_t addr, bool create, void *priv)
{
	struct ctx *c = priv;
	int err;

	if (create && !strcmp(name, "echo") && !c->h_ept) {
		c->echo_addr = addr;
		/* Linux's way: a channel (local address allocated) bound to the announcer */
		__atomic_store_n(&c->h_ept, vrq_rpmsg_create_ept(r, NULL, VRQ_RPMSG_ADDR_ANY, addr,
								 host_cb, host_unbind, c, &err),
				 __ATOMIC_RELEASE);
	}
}

static int client_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	struct ctx *c = priv;

	(void)e;
	if (m->len == 5 && !memcmp(m->data, "hello", 5))
		__atomic_fetch_add(&c->r_client_msgs, 1, __ATOMIC_RELEASE);
	return 0;
}

static void remote_ns(struct vrq_rpmsg *r, const char *name, uint32_t addr, bool create,
		      void *priv)
{
	struct ctx *c = priv;
	int err;

	if (create && !strcmp(name, "host-svc")) {
		__atomic_store_n(&c->hostsvc_addr, addr, __ATOMIC_RELAXED);
		__atomic_store_n(&c->r_client,
				 vrq_rpmsg_create_ept(r, NULL, VRQ_RPMSG_ADDR_ANY, addr, client_cb,
						      NULL, c, &err),
				 __ATOMIC_RELEASE);
	}
}

static int svc_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	(void)priv;
	/* reply to whoever wrote: the remote's client */
	return vrq_rpmsg_sendto(e, m->src, "hello", 5) ? -1 : 0;
}

/* releases what the remote's callback held, from another thread */
struct releaser {
	struct ctx *c;
	struct vrq_rpmsg *bus;
	int stop;
	uint64_t released;
	int bad;
};

static void *release_thread(void *arg)
{
	struct releaser *rl = arg;
	struct ctx *c = rl->c;

	for (;;) {
		uint32_t tok[4096];
		unsigned n, k;
		bool stop = __atomic_load_n(&rl->stop, __ATOMIC_ACQUIRE);

		pthread_mutex_lock(&c->hold_lock);
		n = c->nheld;
		memcpy(tok, c->held, n * sizeof(tok[0]));
		c->nheld = 0;
		pthread_mutex_unlock(&c->hold_lock);
		for (k = 0; k < n; k++) {
			/* (a second release here could meet the token reused by a
			 * new message: double release is checked single-threaded) */
			if (vrq_rpmsg_release(rl->bus, tok[k]))
				rl->bad++;
		}
		rl->released += n;
		if (stop && !n)
			return NULL;
		if (!n)
			sched_yield();
	}
}

static uint64_t scaled(uint64_t n)
{
	const char *s = getenv("VRQ_TEST_SCALE");
	double f = s ? atof(s) : 1.0;
	uint64_t v = (uint64_t)(n * f);

	return v < 1000 ? 1000 : v;
}

static int send_all(struct ctx *c, struct vrq_rpmsg *host, uint64_t from, uint64_t to)
{
	uint64_t s;
	int rc;

	for (s = from; s < to; s++) {
		uint8_t b[MAXLEN];
		uint32_t len = msg_len(s);

		switch (s % 4) {
		case 0: /* copy */
			fill(b, len, s);
			rc = vrq_rpmsg_send(c->h_ept, b, len);
			break;
		case 1: { /* zero-copy */
			struct vrq_rpmsg_txbuf tb;

			rc = vrq_rpmsg_get_tx_buffer(host, &tb, VRQ_RPMSG_FOREVER);
			if (rc)
				break;
			if (tb.cap != MAXLEN) {
				fprintf(stderr, "tx buffer cap %u\n", tb.cap);
				return -1;
			}
			fill(tb.data, len, s);
			rc = vrq_rpmsg_send_nocopy(c->h_ept, c->echo_addr, &tb, len, 0);
			break;
		}
		case 3: { /* batched zero-copy: up to 5 from here on, one publish */
			struct vrq_rpmsg_txbuf tb[5];
			uint32_t lens[5];
			unsigned want = (unsigned)(s / 4 % 5) + 1, got = 0, k;

			if (want > to - s)
				want = (unsigned)(to - s);
			while (got < want) {
				rc = vrq_rpmsg_get_tx_buffers(host, tb + got, want - got,
							      VRQ_RPMSG_FOREVER);
				if (rc < 1 || (unsigned)rc > want - got) {
					fprintf(stderr, "host: get_tx_buffers: %d\n", rc);
					return -1;
				}
				got += (unsigned)rc;
			}
			for (k = 0; k < want; k++) {
				lens[k] = msg_len(s + k);
				fill(tb[k].data, lens[k], s + k);
			}
			rc = vrq_rpmsg_send_nocopy_batch(c->h_ept, c->echo_addr, tb, lens, want, 0);
			if (rc != (int)want) {
				fprintf(stderr, "host: send_nocopy_batch %" PRIu64 ": %d of %u\n", s, rc,
					want);
				return -1;
			}
			for (k = 0; k < want; k++)
				if (tb[k].data) {
					fprintf(stderr, "host: a sent buffer kept its data pointer\n");
					return -1;
				}
			s += want - 1;
			rc = 0;
			break;
		}
		default: /* batched: MORE, then a flush */
			fill(b, len, s);
			rc = vrq_rpmsg_send_offchannel(host, vrq_rpmsg_ept_addr(c->h_ept),
						       c->echo_addr, b, len, VRQ_RPMSG_FOREVER,
						       VRQ_RPMSG_MORE);
			if (!rc)
				rc = vrq_rpmsg_flush(host);
			break;
		}
		if (rc) {
			fprintf(stderr, "host: send %" PRIu64 ": %s\n", s, vrq_strerror(rc));
			return -1;
		}
	}
	return 0;
}

static int run(enum vrq_notify_kind kind, bool event_idx)
{
	struct vrq_rpmsg_link_cfg lc = {.qsize = 64, .notify = kind, .spin_ns = 20000};
	struct vrq_rpmsg_cfg hx, rx;
	struct rp_pair p;
	struct ctx c;
	struct vrq_rpmsg_stats hs, rs;
	struct vrq_rpmsg_ept *svc = NULL;
	uint64_t n = scaled(30000), i;
	const char *name = vrq_notify_kind_name(kind);
	int err, rc;

	memset(&c, 0, sizeof(c));
	pthread_mutex_init(&c.hold_lock, NULL);
	if (event_idx)
		lc.ring_features = VRQ_FEATURE(VRQ_F_EVENT_IDX);
	memset(&hx, 0, sizeof(hx));
	memset(&rx, 0, sizeof(rx));
	hx.ns_cb = host_ns;
	hx.ns_priv = &c;
	rx.ns_cb = remote_ns;
	rx.ns_priv = &c;
	rc = rp_pair_init(&p, &lc, &hx, &rx);
	CHECK_EQ_OUT(rc, 0);
	c.remote_bus = p.remote.bus;
	CHECK_EQ_OUT(rp_start(&p.host), 0);
	CHECK_EQ_OUT(rp_start(&p.remote), 0);

	/* remote announces "echo"; the host's ns callback creates its channel */
	c.echo = vrq_rpmsg_create_ept(p.remote.bus, "echo", VRQ_RPMSG_ADDR_ANY, VRQ_RPMSG_ADDR_ANY,
				      remote_echo_cb, NULL, &c, &err);
	CHECK_OUT(c.echo);
	CHECK_EQ_OUT(vrq_rpmsg_ept_addr(c.echo), VRQ_RPMSG_RESERVED_ADDRESSES);
	for (i = 0; i < 10000 && !__atomic_load_n(&c.h_ept, __ATOMIC_ACQUIRE); i++)
		rp_sleep_ms(1);
	CHECK_OUT(c.h_ept);
	CHECK_EQ_OUT(c.echo_addr, vrq_rpmsg_ept_addr(c.echo));
	CHECK_EQ_OUT(vrq_rpmsg_ept_dst(c.h_ept), c.echo_addr);

	/* host announces "host-svc"; the remote binds a client to it */
	svc = vrq_rpmsg_create_ept(p.host.bus, "host-svc", VRQ_RPMSG_ADDR_ANY, VRQ_RPMSG_ADDR_ANY,
				   svc_cb, NULL, &c, &err);
	CHECK_OUT(svc);
	for (i = 0; i < 10000 && !__atomic_load_n(&c.r_client, __ATOMIC_ACQUIRE); i++)
		rp_sleep_ms(1);
	CHECK_OUT(c.r_client);
	CHECK_EQ_OUT(c.hostsvc_addr, vrq_rpmsg_ept_addr(svc));
	CHECK_EQ_OUT(vrq_rpmsg_send(c.r_client, "ping", 4), 0);
	CHECK_OUT(rp_wait_u64(&c.r_client_msgs, 1));

	/* echo traffic; the remote holds every third buffer, another thread
	 * releases them */
	{
		struct releaser rl = {&c, p.remote.bus, 0, 0, 0};
		pthread_t rt;

		__atomic_store_n(&c.r_held_every, 3, __ATOMIC_RELEASE);
		CHECK_OUT(pthread_create(&rt, NULL, release_thread, &rl) == 0);
		rc = send_all(&c, p.host.bus, 0, n);
		if (!rc)
			rc = rp_wait_u64(&c.h_seq, n) ? 0 : -1;
		__atomic_store_n(&c.r_held_every, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&rl.stop, 1, __ATOMIC_RELEASE);
		pthread_join(rt, NULL);
		CHECK_EQ_OUT(rc, 0);
		CHECK_EQ_OUT(rl.bad, 0);
		CHECK_EQ_OUT(rl.released, (n + 2) / 3);
	}
	CHECK_EQ_OUT(__atomic_load_n(&c.r_bad, __ATOMIC_ACQUIRE), 0);
	CHECK_EQ_OUT(__atomic_load_n(&c.h_bad, __ATOMIC_ACQUIRE), 0);
	CHECK_EQ_OUT(__atomic_load_n(&c.r_seq, __ATOMIC_ACQUIRE), n);

	/* back-pressure: nobody consumes on the remote */
	rp_stop(&p.remote);

	/* hold and release on one thread: a second release is refused */
	{
		uint8_t b[MAXLEN];

		fill(b, msg_len(n), n);
		CHECK_EQ_OUT(vrq_rpmsg_send(c.h_ept, b, msg_len(n)), 0);
		__atomic_store_n(&c.r_held_every, 1, __ATOMIC_RELEASE);
		for (i = 0; i < 10000 && vrq_rpmsg_poll(p.remote.bus, 0) == 0; i++)
			rp_sleep_ms(1);
		__atomic_store_n(&c.r_held_every, 0, __ATOMIC_RELEASE);
		CHECK_EQ_OUT(c.nheld, 1);
		CHECK_EQ_OUT(vrq_rpmsg_release(p.remote.bus, c.held[0]), 0);
		CHECK_EQ_OUT(vrq_rpmsg_release(p.remote.bus, c.held[0]), -EINVAL);
		CHECK_EQ_OUT(vrq_rpmsg_release(p.remote.bus, 1u << 20), -EINVAL);
		c.nheld = 0;
		n++;
		CHECK_OUT(rp_wait_u64(&c.h_seq, n));
	}
	{
		uint8_t b[MAXLEN];
		uint64_t sent = 0, t0;

		fill(b, msg_len(n), n);
		for (;;) {
			rc = vrq_rpmsg_trysend(c.h_ept, b, msg_len(n + sent));
			if (rc)
				break;
			sent++;
			fill(b, msg_len(n + sent), n + sent);
		}
		CHECK_EQ_OUT(rc, -EAGAIN);
		/* every TX buffer is in flight (host has 64: min(qsize, 256)) */
		CHECK_EQ_OUT(sent, 64);
		t0 = vrq_notify_now_ns();
		rc = vrq_rpmsg_send_offchannel(p.host.bus, vrq_rpmsg_ept_addr(c.h_ept), c.echo_addr,
					       b, 1, 30000000, 0);
		CHECK_EQ_OUT(rc, -ETIMEDOUT);
		CHECK_OUT(vrq_notify_now_ns() - t0 >= 30000000);
		CHECK_EQ_OUT(rp_start(&p.remote), 0);
		CHECK_OUT(rp_wait_u64(&c.h_seq, n + sent));
		CHECK_EQ_OUT(__atomic_load_n(&c.r_bad, __ATOMIC_ACQUIRE), 0);
		CHECK_EQ_OUT(__atomic_load_n(&c.h_bad, __ATOMIC_ACQUIRE), 0);
		n += sent;
	}

	/* destroy "echo" on the remote: the host's channel is unbound */
	vrq_rpmsg_destroy_ept(c.echo);
	c.echo = NULL;
	for (i = 0; i < 10000 && !__atomic_load_n(&c.unbound, __ATOMIC_ACQUIRE); i++)
		rp_sleep_ms(1);
	CHECK_EQ_OUT(c.unbound, 1);
	CHECK_EQ_OUT(vrq_rpmsg_ept_dst(c.h_ept), VRQ_RPMSG_ADDR_ANY);
	CHECK_EQ_OUT(vrq_rpmsg_send(c.h_ept, "x", 1), -EINVAL); /* unbound */

	rp_stop(&p.host);
	rp_stop(&p.remote);
	vrq_rpmsg_get_stats(p.host.bus, &hs);
	vrq_rpmsg_get_stats(p.remote.bus, &rs);
	/* host sent n echo requests + 1 "hello"; the remote sent n echoes + 1 ping */
	CHECK_EQ_OUT(hs.tx_msgs, n + 1 + hs.ns_tx);
	CHECK_EQ_OUT(rs.rx_msgs, n + 1 + hs.ns_tx);
	CHECK_EQ_OUT(rs.tx_msgs, n + 1 + rs.ns_tx);
	CHECK_EQ_OUT(hs.rx_msgs, n + 1 + rs.ns_tx);
	CHECK_EQ_OUT(hs.ns_tx, 1);  /* host-svc create */
	CHECK_EQ_OUT(rs.ns_tx, 2);  /* echo create + destroy */
	CHECK_EQ_OUT(hs.ns_rx_create, 1);
	CHECK_EQ_OUT(hs.ns_rx_destroy, 1);
	CHECK_EQ_OUT(rs.ns_rx_create, 1);
	CHECK_EQ_OUT(hs.rx_bad_len + hs.rx_unknown_dst + rs.rx_bad_len + rs.rx_unknown_dst, 0);
	CHECK_EQ_OUT(hs.tx_eagain, 1);
	CHECK_EQ_OUT(hs.tx_timeouts, 1);
	CHECK_OUT(rs.rx_held > 0);
	{
		/* the kick/interrupt decisions of each queue add up in the notifiers */
		const struct vrq_drv_stats *d0 = vrq_vq_drv_stats(vrq_rpmsg_drv_vq(p.host.bus, 0));
		const struct vrq_drv_stats *d1 = vrq_vq_drv_stats(vrq_rpmsg_drv_vq(p.host.bus, 1));

		CHECK_EQ_OUT(p.host.link.kick[0].st.sent + p.host.link.kick[0].st.suppressed,
			     d0->kicks + d0->kicks_suppressed);
		CHECK_EQ_OUT(p.host.link.kick[1].st.sent + p.host.link.kick[1].st.suppressed,
			     d1->kicks + d1->kicks_suppressed);
		CHECK_EQ_OUT(d1->added, hs.tx_msgs);
		printf("  %s%s: %" PRIu64 " echoes; host tx kicks %" PRIu64 " (suppressed %" PRIu64
		       "), per message %.3f; rx publishes %" PRIu64 "\n",
		       name, event_idx ? " event_idx" : "", n, p.host.link.kick[1].st.sent,
		       p.host.link.kick[1].st.suppressed,
		       (double)p.host.link.kick[1].st.sent / (double)hs.tx_msgs, hs.rx_publishes);
	}
out:
	if (svc)
		vrq_rpmsg_destroy_ept(svc);
	rp_pair_fini(&p);
	pthread_mutex_destroy(&c.hold_lock);
	return 0;
}

/* ---- batched zero-copy edges ------------------------------------------------ */

struct rec {
	unsigned n;
	uint32_t len[64];
	uint8_t first[64];
};

static int rec_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	struct rec *r = priv;

	(void)e;
	if (r->n < 64) {
		r->len[r->n] = m->len;
		r->first[r->n] = m->len ? ((const uint8_t *)m->data)[0] : 0;
	}
	r->n++;
	return 0;
}

static void batch_api(void)
{
	const char *name = "batch zero-copy";
	struct vrq_rpmsg_link_cfg lc = {.qsize = 64, .notify = VRQ_NOTIFY_POLL};
	struct vrq_rpmsg_txbuf tb[80];
	struct vrq_rpmsg_stats st;
	struct vrq_rpmsg_ept *re, *he;
	struct rec got = {0};
	struct rp_pair p;
	uint32_t lens[80];
	uint64_t pubs;
	int err, rc, k;

	CHECK_EQ_OUT(rp_pair_init(&p, &lc, NULL, NULL), 0);
	re = vrq_rpmsg_create_ept(p.remote.bus, NULL, 1024, VRQ_RPMSG_ADDR_ANY, rec_cb, NULL, &got,
				  &err);
	he = vrq_rpmsg_create_ept(p.host.bus, NULL, 1025, 1024, rec_cb, NULL, NULL, &err);
	CHECK_OUT(re && he);
	CHECK_EQ_OUT(vrq_rpmsg_get_tx_buffers(p.host.bus, tb, 0, 0), -EINVAL);
	CHECK_EQ_OUT(vrq_rpmsg_send_nocopy_batch(he, 1024, tb, lens, 0, 0), -EINVAL);

	/* five buffers; the third is one byte too long: two go, three stay */
	CHECK_EQ_OUT(vrq_rpmsg_get_tx_buffers(p.host.bus, tb, 5, 0), 5);
	for (k = 0; k < 5; k++) {
		CHECK_EQ_OUT(tb[k].cap, MAXLEN);
		memset(tb[k].data, 0x10 + k, MAXLEN);
		lens[k] = (uint32_t)(k + 1);
	}
	lens[2] = MAXLEN + 1;
	vrq_rpmsg_get_stats(p.host.bus, &st);
	pubs = st.tx_publishes;
	CHECK_EQ_OUT(vrq_rpmsg_send_nocopy_batch(he, 1024, tb, lens, 5, 0), 2);
	CHECK_OUT(!tb[0].data && !tb[1].data && tb[2].data && tb[3].data && tb[4].data);
	vrq_rpmsg_get_stats(p.host.bus, &st);
	CHECK_EQ_OUT(st.tx_publishes, pubs + 1);
	CHECK_EQ_OUT(vrq_rpmsg_poll(p.remote.bus, 0), 2);
	CHECK_OUT(got.n == 2 && got.len[0] == 1 && got.first[0] == 0x10 && got.len[1] == 2 &&
		  got.first[1] == 0x11);
	/* the rest with MORE: nothing visible until the flush, then in order */
	lens[2] = MAXLEN;
	CHECK_EQ_OUT(vrq_rpmsg_send_nocopy_batch(he, 1024, tb + 2, lens + 2, 3, VRQ_RPMSG_MORE), 3);
	CHECK_EQ_OUT(vrq_rpmsg_poll(p.remote.bus, 0), 0);
	CHECK_EQ_OUT(vrq_rpmsg_flush(p.host.bus), 0);
	CHECK_EQ_OUT(vrq_rpmsg_poll(p.remote.bus, 0), 3);
	CHECK_OUT(got.n == 5 && got.len[2] == MAXLEN && got.first[2] == 0x12 && got.len[4] == 5 &&
		  got.first[4] == 0x14);
	/* a token twice: the second is refused (already in flight) */
	CHECK_EQ_OUT(vrq_rpmsg_get_tx_buffers(p.host.bus, tb, 1, 0), 1);
	tb[1] = tb[0];
	memset(tb[0].data, 0x20, 8);
	lens[0] = lens[1] = 8;
	CHECK_EQ_OUT(vrq_rpmsg_send_nocopy_batch(he, 1024, tb, lens, 2, 0), 1);
	CHECK_EQ_OUT(vrq_rpmsg_poll(p.remote.bus, 0), 1);
	CHECK_OUT(got.n == 6 && got.len[5] == 8 && got.first[5] == 0x20);
	/* everything came back: all 64 are free, and no more */
	rc = vrq_rpmsg_get_tx_buffers(p.host.bus, tb, 80, 0);
	CHECK_EQ_OUT(rc, 64);
	CHECK_EQ_OUT(vrq_rpmsg_get_tx_buffers(p.host.bus, tb + 64, 1, 0), -EAGAIN);
	for (k = 0; k < rc; k++)
		CHECK_EQ_OUT(vrq_rpmsg_release_tx_buffer(p.host.bus, &tb[k]), 0);
	CHECK_EQ_OUT(vrq_rpmsg_get_tx_buffers(p.host.bus, tb, 3, 0), 3);
	vrq_rpmsg_get_stats(p.host.bus, &st);
	CHECK_EQ_OUT(st.tx_msgs, 6);
	CHECK_EQ_OUT(p.host.link.kick[1].st.sent, 0); /* a polling pair never notifies */
out:
	rp_pair_fini(&p);
}

/* ---- idle work: TX buffer reuse, the remote's stash --------------------------- */

static void idle_work(void)
{
	const char *name = "idle work";
	struct vrq_rpmsg_link_cfg lc = {.qsize = 64, .notify = VRQ_NOTIFY_POLL};
	struct vrq_rpmsg_ept *re, *he;
	struct rec at_remote = {0}, at_host = {0};
	const struct vrq_dev_stats *rxq; /* remote's view of vring 0 (host RX buffers) */
	struct rp_pair p;
	uint32_t tok;
	uint64_t popped;
	int err, k;

	CHECK_EQ_OUT(rp_pair_init(&p, &lc, NULL, NULL), 0);
	re = vrq_rpmsg_create_ept(p.remote.bus, NULL, 1024, 1025, rec_cb, NULL, &at_remote, &err);
	he = vrq_rpmsg_create_ept(p.host.bus, NULL, 1025, 1024, rec_cb, NULL, &at_host, &err);
	CHECK_OUT(re && he);
	rxq = vrq_vq_dev_stats(vrq_rpmsg_dev_vq(p.remote.bus, 0));

	/* host -> remote, the remote returns each buffer, an empty host poll
	 * takes it back.  Buffers go out in the order they came back, so each
	 * is described by the same descriptor lap after lap (the ring's free
	 * descriptors are a FIFO too): the descriptor table is written in the
	 * first lap only.  Single messages, then batches of 5 and 16. */
	{
		struct vrq_split_drv *txq = &vrq_rpmsg_drv_vq(p.host.bus, 1)->split;
		uint16_t head_of[64];
		struct vrq_split_desc first[64];
		unsigned nsent = 0, b, laps, j;

		CHECK_EQ_OUT(txq->size, 64);
		memset(head_of, 0xff, sizeof(head_of));
		for (laps = 0; laps < 3 * 64; laps += b) {
			struct vrq_rpmsg_txbuf tbs[16];
			uint32_t lens[16];

			b = laps < 64 ? 1 : laps < 128 ? 5 : 16;
			CHECK_EQ_OUT(vrq_rpmsg_get_tx_buffers(p.host.bus, tbs, b, 0), (int)b);
			for (j = 0; j < b; j++) {
				memset(tbs[j].data, 0x41 + (nsent + j) % 32, 4);
				lens[j] = 4;
			}
			CHECK_EQ_OUT(vrq_rpmsg_send_nocopy_batch(he, 1024, tbs, lens, b, 0), (int)b);
			for (j = 0; j < b; j++) {
				uint16_t head = vrq_le16_to_cpu(
					txq->avail->ring[(uint16_t)(txq->avail_idx - b + j) & txq->mask]);

				tok = tbs[j].token;
				CHECK_OUT(tok < 64 && head < 64);
				if (head_of[tok] == 0xffff) {
					head_of[tok] = head;
					first[head] = txq->desc[head];
				} else {
					/* same descriptor, same bytes as in the first lap */
					CHECK_EQ_OUT(head, head_of[tok]);
					CHECK_OUT(!memcmp(&txq->desc[head], &first[head],
							  sizeof(first[head])));
				}
			}
			at_remote.n = 0;
			CHECK_EQ_OUT(vrq_rpmsg_poll(p.remote.bus, 0), (int)b);
			CHECK_EQ_OUT(at_remote.n, b);
			for (j = 0; j < b; j++)
				CHECK_OUT(at_remote.len[j] == 4 &&
					  at_remote.first[j] == 0x41 + (nsent + j) % 32);
			nsent += b;
			CHECK_EQ_OUT(vrq_rpmsg_poll(p.host.bus, 0), 0); /* empty: idle work */
		}
	}

	/* a remote that has only received keeps no host buffers */
	popped = rxq->popped;
	CHECK_EQ_OUT(vrq_rpmsg_poll(p.remote.bus, 0), 0);
	CHECK_EQ_OUT(rxq->popped, popped);
	/* its first send pops what it needs (16 at most), its idle work tops
	 * the stash up only once the stash is empty */
	CHECK_EQ_OUT(vrq_rpmsg_send(re, "r0", 2), 0);
	CHECK_EQ_OUT(rxq->popped, popped + 16);
	for (k = 1; k < 16; k++) {
		char m[3] = {'r', (char)('a' + k), 0};

		CHECK_EQ_OUT(vrq_rpmsg_send(re, m, 2), 0);
		if (k < 15) /* empty, but the stash still holds buffers: no pop */
			CHECK_EQ_OUT(vrq_rpmsg_poll(p.remote.bus, 0), 0);
	}
	CHECK_EQ_OUT(rxq->popped, popped + 16);
	CHECK_EQ_OUT(vrq_rpmsg_poll(p.remote.bus, 0), 0); /* stash empty: refill */
	CHECK_EQ_OUT(rxq->popped, popped + 32);
	/* the host gets all 16, in order */
	CHECK_EQ_OUT(vrq_rpmsg_poll(p.host.bus, 0), 16);
	CHECK_EQ_OUT(at_host.n, 16);
	for (k = 0; k < 16; k++)
		CHECK_OUT(at_host.len[k] == 2 && at_host.first[k] == 'r');
out:
	rp_pair_fini(&p);
}

int main(int argc, char **argv)
{
	enum vrq_notify_kind kind = VRQ_NOTIFY_EVENTFD;
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--notify") && i + 1 < argc &&
		    vrq_notify_kind_parse(argv[++i], &kind) == 0)
			continue;
		else {
			fprintf(stderr, "usage: %s [--notify poll|eventfd|futex|legacy-irq|hybrid]\n",
				argv[0]);
			return 2;
		}
	run(kind, true);
	run(kind, false);
	batch_api();
	idle_work();
	return vrq_test_done("test_rpmsg_bus");
}
