/* SPDX-License-Identifier: MIT */
/*
 * test_rpmsg_hostile: a vrq RPMsg bus against a peer that breaks the rules,
 * driven by hand through the raw rings of the same shared region.
 *
 * Hostile remote vs vrq host: a used length shorter than a header, hdr.len
 * beyond the used length, an unknown destination, name-service messages
 * with no NUL / wrong size / bad flags, a name-service flood beyond
 * max_services, a remote that never returns TX buffers.
 * Hostile host vs vrq remote: receive buffers that are too short or
 * device-readable, messages in device-writable buffers, short buffers,
 * hdr.len too large, and a descriptor pointing outside the registered
 * buffer area (the ring stops with a peer error; nothing is read there).
 * Each one is dropped and counted, the good messages around it still
 * arrive, and nothing crashes (ASan / UBSan presets).
 */
#include <inttypes.h>

#include "rpmsg_pair.h"
#include "vrq_test.h"

static uint64_t good;

static int good_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	(void)e;
	(void)priv;
	if (m->len == 5 && !memcmp(m->data, "good!", 5))
		good++;
	return 0;
}

/* ---- hostile remote ------------------------------------------------------------ */

/* The raw remote takes the next host receive buffer from vring 0, writes
 * @p n bytes of @p bytes and reports used length @p used. */
static int raw_remote_send(struct vrq_vq_dev *q0, const void *bytes, uint32_t n, uint32_t used)
{
	struct vrq_seg seg[4];
	struct vrq_chain c;
	int rc;

	vrq_chain_init(&c, seg, 4);
	rc = vrq_vq_dev_pop(q0, &c);
	if (rc != 1)
		return -1;
	memcpy(seg[0].va, bytes, n);
	rc = vrq_vq_dev_push(q0, c.head, used);
	vrq_vq_dev_publish(q0);
	return rc;
}

static int msg(uint8_t *b, uint32_t src, uint32_t dst, const void *p, uint16_t len)
{
	vrq_rpmsg_put_hdr(b, src, dst, len, 0);
	memcpy(b + 16, p, len);
	return 16 + len;
}

static int test_hostile_remote(void)
{
	const char *name = "hostile remote";
	struct vrq_rpmsg_link_cfg lc = {.qsize = 64, .notify = VRQ_NOTIFY_POLL};
	struct vrq_rpmsg_link h, r;
	struct vrq_rpmsg_cfg hx, rc0;
	struct vrq_vq_dev q[2];
	struct vrq_rpmsg *bus = NULL;
	struct vrq_rpmsg_ept *e = NULL;
	struct vrq_rpmsg_stats st;
	uint8_t b[600];
	unsigned i, sent;
	int err, n;
	bool qinit = false;

	good = 0;
	memset(&hx, 0, sizeof(hx));
	hx.max_services = 8;
	CHECK_EQ_OUT(vrq_rpmsg_link_create(&h, &lc), 0);
	CHECK_EQ_OUT(vrq_rpmsg_link_attach(&r, &h), 0);
	bus = vrq_rpmsg_link_open(&h, &hx, 0, &err);
	CHECK_OUT(bus);
	/* the raw remote's queues over the same rings */
	memset(&rc0, 0, sizeof(rc0));
	rc0.role = VRQ_RPMSG_REMOTE;
	CHECK_EQ_OUT(vrq_rpmsg_cfg_from_rsc(&rc0, r.vdev, &r.mem_all, 1), 0);
	for (i = 0; i < 2; i++) {
		rc0.vq[i].domain = VRQ_DOM_SMP;
		rc0.vq[i].mem = &r.mem_bufs;
		CHECK_EQ_OUT(vrq_vq_dev_init(&q[i], &rc0.vq[i]), 0);
	}
	qinit = true;
	e = vrq_rpmsg_create_ept(bus, NULL, 1024, VRQ_RPMSG_ADDR_ANY, good_cb, NULL, NULL, &err);
	CHECK_OUT(e);

	n = msg(b, 2000, 1024, "good!", 5);
	CHECK_EQ_OUT(raw_remote_send(&q[0], b, (uint32_t)n, (uint32_t)n), 0);
	CHECK_EQ_OUT(raw_remote_send(&q[0], b, (uint32_t)n, 8), 0);	   /* used < header */
	CHECK_EQ_OUT(raw_remote_send(&q[0], b, (uint32_t)n, 20), 0);   /* hdr.len 5 > 20 - 16 */
	vrq_rpmsg_put_hdr(b, 2000, 1024, 0xffff, 0);
	CHECK_EQ_OUT(raw_remote_send(&q[0], b, 16, 512), 0);	   /* hdr.len beyond the buffer */
	CHECK_EQ_OUT(raw_remote_send(&q[0], b, 16, 4096), 0); /* used len > buffer: clamped */
	n = msg(b, 2000, 777, "good!", 5);
	CHECK_EQ_OUT(raw_remote_send(&q[0], b, (uint32_t)n, (uint32_t)n), 0); /* unknown dst */
	/* name service: no NUL, wrong size, bad flags, ADDR_ANY */
	memset(b + 16, 'N', 40);
	vrq_rpmsg_put_hdr(b, 2000, 53, 40, 0);
	CHECK_EQ_OUT(raw_remote_send(&q[0], b, 56, 56), 0);
	vrq_rpmsg_put_ns(b + 16, "svc", 2001, 0);
	vrq_rpmsg_put_hdr(b, 2000, 53, 39, 0);
	CHECK_EQ_OUT(raw_remote_send(&q[0], b, 56, 56), 0);
	vrq_rpmsg_put_ns(b + 16, "svc", 2001, 7);
	vrq_rpmsg_put_hdr(b, 2000, 53, 40, 0);
	CHECK_EQ_OUT(raw_remote_send(&q[0], b, 56, 56), 0);
	vrq_rpmsg_put_ns(b + 16, "svc", VRQ_RPMSG_ADDR_ANY, 0);
	CHECK_EQ_OUT(raw_remote_send(&q[0], b, 56, 56), 0);
	n = msg(b, 2000, 1024, "good!", 5);
	CHECK_EQ_OUT(raw_remote_send(&q[0], b, (uint32_t)n, (uint32_t)n), 0);
	CHECK_EQ_OUT(vrq_rpmsg_poll(bus, 0), 11);
	/* flood: 40 distinct services, 8 remembered */
	for (i = 0; i < 40; i++) {
		char nm[32];

		snprintf(nm, sizeof(nm), "flood-%u", i);
		vrq_rpmsg_put_ns(b + 16, nm, 5000 + i, 0);
		vrq_rpmsg_put_hdr(b, 5000 + i, 53, 40, 0);
		CHECK_EQ_OUT(raw_remote_send(&q[0], b, 56, 56), 0);
		if (i % 16 == 15)
			CHECK_EQ_OUT(vrq_rpmsg_poll(bus, 0), 16);
	}
	CHECK_EQ_OUT(vrq_rpmsg_poll(bus, 0), 8);
	vrq_rpmsg_get_stats(bus, &st);
	CHECK_EQ_OUT(good, 2);
	CHECK_EQ_OUT(st.rx_msgs, 2 + 4 + 40); /* good + NS messages reaching the NS endpoint */
	CHECK_EQ_OUT(st.rx_bad_len, 4);
	CHECK_EQ_OUT(st.rx_unknown_dst, 1);
	CHECK_EQ_OUT(st.ns_bad, 4);
	CHECK_EQ_OUT(st.ns_rx_create, 40);
	CHECK_EQ_OUT(st.ns_dropped, 32);
	CHECK_EQ_OUT(vrq_vq_drv_stats(vrq_rpmsg_drv_vq(bus, 0))->used_len_clamped, 1);
	CHECK_EQ_OUT(vrq_rpmsg_ept_dst(e), 2000); /* bound to its first sender */

	/* a remote that never returns TX buffers: exactly num_tx sends, then
	 * EAGAIN, and a blocking send times out */
	for (sent = 0; sent < 1000; sent++)
		if ((err = vrq_rpmsg_trysend(e, "x", 1)) != 0)
			break;
	CHECK_EQ_OUT(err, -EAGAIN);
	CHECK_EQ_OUT(sent, 64);
	CHECK_EQ_OUT(vrq_rpmsg_send_offchannel(bus, 1024, 2000, "x", 1, 20000000, 0), -ETIMEDOUT);
	vrq_rpmsg_get_stats(bus, &st);
	CHECK_EQ_OUT(st.tx_eagain, 1);
	CHECK_EQ_OUT(st.tx_timeouts, 1);
	CHECK_EQ_OUT(st.tx_msgs, 64);
out:
	if (e)
		vrq_rpmsg_destroy_ept(e);
	if (bus)
		vrq_rpmsg_destroy(bus);
	if (qinit)
		for (i = 0; i < 2; i++)
			vrq_vq_dev_fini(&q[i]);
	vrq_rpmsg_link_destroy(&r);
	vrq_rpmsg_link_destroy(&h);
	return 0;
}

/* ---- hostile host ---------------------------------------------------------------- */

static int test_hostile_host(void)
{
	const char *name = "hostile host";
	struct vrq_rpmsg_link_cfg lc = {.qsize = 16, .notify = VRQ_NOTIFY_POLL};
	struct vrq_rpmsg_link h, r;
	struct vrq_rpmsg_cfg hc;
	struct vrq_vq_drv q[2];
	struct vrq_rpmsg *bus = NULL;
	struct vrq_rpmsg_ept *e = NULL;
	struct vrq_rpmsg_stats st;
	uint8_t *bufs;
	uint64_t bda;
	unsigned i;
	int err, rc;
	bool qinit = false;

	good = 0;
	CHECK_EQ_OUT(vrq_rpmsg_link_create(&h, &lc), 0);
	CHECK_EQ_OUT(vrq_rpmsg_link_attach(&r, &h), 0);
	memset(&hc, 0, sizeof(hc));
	hc.role = VRQ_RPMSG_HOST;
	CHECK_EQ_OUT(vrq_rpmsg_cfg_from_rsc(&hc, h.vdev, &h.mem_all, 1), 0);
	for (i = 0; i < 2; i++) {
		hc.vq[i].domain = VRQ_DOM_SMP;
		CHECK_EQ_OUT(vrq_vq_drv_init(&q[i], &hc.vq[i]), 0);
	}
	qinit = true;
	vrq_rsc_set_status(h.vdev, VRQ_STATUS_DRIVER_OK);
	bus = vrq_rpmsg_link_open(&r, NULL, 1000000000ull, &err);
	CHECK_OUT(bus);
	e = vrq_rpmsg_create_ept(bus, NULL, 1024, 1500, good_cb, NULL, NULL, &err);
	CHECK_OUT(e);
	bufs = h.base + h.off_bufs;
	bda = h.da_base + h.off_bufs;

	/* receive buffers for the remote's TX on vring 0: too short, readable, good */
	{
		struct vrq_sg s0 = {bda, 8}, s1 = {bda + 512, 512}, s2 = {bda + 1024, 512};
		void *tok;
		uint32_t len;

		CHECK_EQ_OUT(vrq_vq_drv_add(&q[0], &s0, 0, 1, (void *)1), 0);
		CHECK_EQ_OUT(vrq_vq_drv_add(&q[0], &s1, 1, 0, (void *)2), 0);
		CHECK_EQ_OUT(vrq_vq_drv_add(&q[0], &s2, 0, 1, (void *)3), 0);
		vrq_vq_drv_publish(&q[0]);
		CHECK_EQ_OUT(vrq_rpmsg_trysend(e, "good!", 5), 0);
		CHECK_EQ_OUT(vrq_rpmsg_trysend(e, "good!", 5), -EAGAIN);
		vrq_rpmsg_get_stats(bus, &st);
		CHECK_EQ_OUT(st.tx_bad_buf, 2);
		CHECK_EQ_OUT(vrq_vq_drv_get_used(&q[0], &tok, &len), 1);
		CHECK_OUT(tok == (void *)1 && len == 0);
		CHECK_EQ_OUT(vrq_vq_drv_get_used(&q[0], &tok, &len), 1);
		CHECK_OUT(tok == (void *)2 && len == 0);
		CHECK_EQ_OUT(vrq_vq_drv_get_used(&q[0], &tok, &len), 1);
		CHECK_OUT(tok == (void *)3 && len == 21);
		{
			struct vrq_rpmsg_rx m;

			CHECK_EQ_OUT(vrq_rpmsg_parse(bufs + 1024, len, &m), 0);
			CHECK_OUT(m.src == 1024 && m.dst == 1500 && m.len == 5 &&
				  !memcmp(m.data, "good!", 5));
		}
	}
	/* messages for the remote on vring 1 */
	{
		struct vrq_sg sw = {bda + 2048, 64}, ss = {bda + 2560, 10}, sl = {bda + 3072, 64},
			      sg = {bda + 3584, 21};
		struct vrq_sg sx = {h.da_base + 8192, 64}; /* vring 0 itself */
		void *tok;

		vrq_rpmsg_put_hdr(bufs + 3072, 1500, 1024, 60, 0); /* 60 > 64 - 16 */
		vrq_rpmsg_put_hdr(bufs + 3584, 1500, 1024, 5, 0);
		memcpy(bufs + 3584 + 16, "good!", 5);
		CHECK_EQ_OUT(vrq_vq_drv_add(&q[1], &sw, 0, 1, (void *)1), 0); /* writable only */
		CHECK_EQ_OUT(vrq_vq_drv_add(&q[1], &ss, 1, 0, (void *)2), 0); /* shorter than a header */
		CHECK_EQ_OUT(vrq_vq_drv_add(&q[1], &sl, 1, 0, (void *)3), 0); /* hdr.len too large */
		CHECK_EQ_OUT(vrq_vq_drv_add(&q[1], &sg, 1, 0, (void *)4), 0); /* good */
		vrq_vq_drv_publish(&q[1]);
		CHECK_EQ_OUT(vrq_rpmsg_poll(bus, 0), 3); /* the writable-only one is not a message */
		vrq_rpmsg_get_stats(bus, &st);
		CHECK_EQ_OUT(good, 1);
		CHECK_EQ_OUT(st.rx_bad_buf, 1);
		CHECK_EQ_OUT(st.rx_bad_len, 2);
		CHECK_EQ_OUT(st.rx_msgs, 1);
		for (i = 1; i <= 4; i++) {
			uint32_t len = 99;

			CHECK_EQ_OUT(vrq_vq_drv_get_used(&q[1], &tok, &len), 1);
			CHECK_OUT(tok == (void *)(uintptr_t)i && len == 0);
		}
		/* a descriptor at the ring: the remote's ring stops, nothing read */
		CHECK_EQ_OUT(vrq_vq_drv_add(&q[1], &sx, 1, 0, (void *)5), 0);
		vrq_vq_drv_publish(&q[1]);
		rc = vrq_rpmsg_poll(bus, 0);
		CHECK_EQ_OUT(rc, -VRQ_EADDR);
		CHECK_OUT(vrq_err_is_peer(rc));
		CHECK_EQ_OUT(vrq_vq_dev_stats(vrq_rpmsg_dev_vq(bus, 1))->peer_err[VRQ_PEER_ERR_IDX(VRQ_EADDR)], 1);
		CHECK_EQ_OUT(vrq_rpmsg_poll(bus, 0), -VRQ_EADDR); /* stays broken */
		CHECK_EQ_OUT(good, 1);
	}
out:
	if (e)
		vrq_rpmsg_destroy_ept(e);
	if (bus)
		vrq_rpmsg_destroy(bus);
	if (qinit)
		for (i = 0; i < 2; i++)
			vrq_vq_drv_fini(&q[i]);
	vrq_rpmsg_link_destroy(&r);
	vrq_rpmsg_link_destroy(&h);
	return 0;
}

int main(void)
{
	test_hostile_remote();
	test_hostile_host();
	return vrq_test_done("test_rpmsg_hostile");
}
