/* SPDX-License-Identifier: MIT */
/*
 * test_rpmsg_rings: the bus over rings set up by hand through vq.h rather
 * than a resource table: packed and split, with and without EVENT_IDX,
 * queue sizes from 1 to 512 (packed: also sizes that are not powers of
 * two), the host's buffers at a device address unrelated to their local
 * address (the remote resolves them through its own memory map), and
 * fewer buffers than ring entries.  One thread drives both sides; every
 * message is checked (order, length, bytes) and every counter matches.
 */
#include <inttypes.h>

#include "vrq/rpmsg.h"
#include "vrq_test.h"

#define BUF_DA 0x5000000000ull

struct seen {
	uint64_t n, bad;
	uint64_t next;
};

static uint32_t len_of(uint64_t s, uint32_t max)
{
	return (uint32_t)((s * 29) % (max + 1));
}

static void fill(uint8_t *p, uint32_t len, uint64_t s)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(s + i * 5);
}

static uint32_t g_max;

static int check_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	struct seen *s = priv;
	uint8_t want[512];

	(void)e;
	fill(want, len_of(s->next, g_max), s->next);
	if (m->len != len_of(s->next, g_max) || memcmp(m->data, want, m->len))
		s->bad++;
	s->next++;
	s->n++;
	return 0;
}

static void *ring_mem(enum vrq_ring_kind k, uint16_t size, struct vrq_vq_areas *a)
{
	void *m;

	if (k == VRQ_RING_SPLIT) {
		struct vrq_split_layout l;

		if (vrq_split_layout_calc(size, 64, &l))
			return NULL;
		m = vrq_test_alloc(l.total);
		*a = vrq_vq_split_areas(m, &l);
	} else {
		struct vrq_packed_layout l;

		if (vrq_packed_layout_calc(size, 64, &l))
			return NULL;
		m = vrq_test_alloc(l.total);
		*a = vrq_vq_packed_areas(m, &l);
	}
	return m;
}

static int run(enum vrq_ring_kind kind, uint16_t qsize, bool evidx, uint32_t buf_size)
{
	char name[96];
	struct vrq_rpmsg_cfg hc, rc;
	struct vrq_rpmsg *host = NULL, *remote = NULL;
	struct vrq_rpmsg_ept *he = NULL, *re = NULL;
	struct vrq_mem rmem;
	struct vrq_rpmsg_stats hs, rs;
	struct seen at_remote = {0}, at_host = {0};
	void *rings[2] = {NULL, NULL};
	uint8_t *bufs = NULL;
	uint16_t nb = qsize > 4 ? (uint16_t)(qsize / 2) : qsize;
	uint64_t i, n = 3000, sent_h = 0, sent_r = 0;
	unsigned k;
	int err;

	snprintf(name, sizeof(name), "%s q%u%s buf %u", kind == VRQ_RING_SPLIT ? "split" : "packed",
		 qsize, evidx ? " event_idx" : "", buf_size);
	g_max = buf_size - 16;
	memset(&hc, 0, sizeof(hc));
	for (k = 0; k < 2; k++) {
		hc.vq[k].kind = kind;
		hc.vq[k].size = qsize;
		hc.vq[k].features = evidx ? VRQ_FEATURE(VRQ_F_EVENT_IDX) : 0;
		hc.vq[k].domain = VRQ_DOM_SMP;
		rings[k] = ring_mem(kind, qsize, &hc.vq[k].areas);
		CHECK_OUT(rings[k]);
	}
	bufs = vrq_test_alloc((size_t)2 * nb * buf_size);
	CHECK_OUT(bufs);
	rc = hc;
	hc.role = VRQ_RPMSG_HOST;
	hc.bufs = bufs;
	hc.bufs_da = BUF_DA;
	hc.buf_size = buf_size;
	hc.num_rx = nb;
	hc.num_tx = nb;
	rc.role = VRQ_RPMSG_REMOTE;
	vrq_mem_init(&rmem);
	CHECK_EQ_OUT(vrq_mem_add(&rmem, 0, BUF_DA, bufs, (uint64_t)2 * nb * buf_size, 0), 0);
	for (k = 0; k < 2; k++)
		rc.vq[k].mem = &rmem;
	host = vrq_rpmsg_create(&hc, &err); /* driver before device */
	CHECK_OUT(host);
	remote = vrq_rpmsg_create(&rc, &err);
	CHECK_OUT(remote);
	CHECK_EQ_OUT(vrq_rpmsg_payload_max(host), buf_size - 16);
	he = vrq_rpmsg_create_ept(host, NULL, 1024, 1024, check_cb, NULL, &at_host, &err);
	re = vrq_rpmsg_create_ept(remote, NULL, 1024, 1024, check_cb, NULL, &at_remote, &err);
	CHECK_OUT(he && re);

	for (i = 0; i < n; i++) {
		uint8_t b[512];
		uint32_t l = len_of(sent_h, g_max);

		/* host -> remote until no TX buffer, then drain */
		fill(b, l, sent_h);
		err = vrq_rpmsg_trysend(he, b, l);
		if (err == -EAGAIN) {
			CHECK_OUT(vrq_rpmsg_poll(remote, 0) > 0);
			continue;
		}
		CHECK_EQ_OUT(err, 0);
		sent_h++;
		/* remote -> host, also until no buffer */
		l = len_of(sent_r, g_max);
		fill(b, l, sent_r);
		err = vrq_rpmsg_trysend(re, b, l);
		if (err == -EAGAIN) {
			CHECK_OUT(vrq_rpmsg_poll(host, 0) > 0);
		} else {
			CHECK_EQ_OUT(err, 0);
			sent_r++;
		}
		if (i % 7 == 0) {
			CHECK_OUT(vrq_rpmsg_poll(remote, 0) >= 0);
			CHECK_OUT(vrq_rpmsg_poll(host, 0) >= 0);
		}
	}
	while (vrq_rpmsg_poll(remote, 0) > 0 || vrq_rpmsg_poll(host, 0) > 0)
		;
	CHECK_EQ_OUT(at_remote.n, sent_h);
	CHECK_EQ_OUT(at_host.n, sent_r);
	CHECK_EQ_OUT(at_remote.bad + at_host.bad, 0);
	CHECK_OUT(sent_h > n / 2 && sent_r > n / 4);
	vrq_rpmsg_get_stats(host, &hs);
	vrq_rpmsg_get_stats(remote, &rs);
	CHECK_EQ_OUT(hs.tx_msgs, sent_h);
	CHECK_EQ_OUT(rs.tx_msgs, sent_r);
	CHECK_EQ_OUT(hs.rx_msgs, sent_r);
	CHECK_EQ_OUT(rs.rx_msgs, sent_h);
	CHECK_EQ_OUT(hs.rx_bad_len + rs.rx_bad_len + rs.rx_bad_buf + rs.tx_bad_buf, 0);
	/* a payload one byte too large */
	{
		uint8_t big[512] = {0};

		CHECK_EQ_OUT(vrq_rpmsg_trysend(he, big, buf_size - 15), -EMSGSIZE);
	}
out:
	if (he)
		vrq_rpmsg_destroy_ept(he);
	if (re)
		vrq_rpmsg_destroy_ept(re);
	vrq_rpmsg_destroy(remote);
	vrq_rpmsg_destroy(host);
	free(rings[0]);
	free(rings[1]);
	free(bufs);
	return 0;
}

int main(void)
{
	static const uint16_t split_sizes[] = {1, 2, 64, 512};
	static const uint16_t packed_sizes[] = {1, 3, 64, 100, 512};
	unsigned i, e;

	for (e = 0; e < 2; e++) {
		for (i = 0; i < 4; i++)
			run(VRQ_RING_SPLIT, split_sizes[i], e, i % 2 ? 512 : 80);
		for (i = 0; i < 5; i++)
			run(VRQ_RING_PACKED, packed_sizes[i], e, i % 2 ? 80 : 512);
	}
	return vrq_test_done("test_rpmsg_rings");
}
