/* SPDX-License-Identifier: MIT */
/*
 * test_rpmsg_sbuf: structured buffers over the bus.
 *
 * Both sides register the same two regions under the same ids, each at its
 * own local address (the remote maps the shared memory a second time), so
 * a reference that resolved to the sender's pointer would point at the
 * wrong place.  The host sends requests {OUT 4 KiB .. 1 MiB of data, IN
 * area for the answer, inline header} with transaction ids; the remote
 * validates the references against its own table, reads the data, writes
 * an answer derived from it into the IN area and replies with the same
 * transaction id; the host checks the answer byte for byte.  References
 * the remote must refuse (outside a region, unknown region) come back as
 * -ERANGE from vrq_rpmsg_recv_sbuf() and are never dereferenced.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rpmsg_pair.h"
#include "vrq_test.h"

#define RDATA 1u
#define RANS 2u
#define DATA_BYTES (2u << 20)
#define ANS_BYTES (2u << 20)

struct side {
	struct vrq_mem mem;
	uint8_t *data, *ans;
};

static struct side H, R;
static uint64_t served, refused, replies, reply_bad;
static uint32_t last_txn;

static uint32_t sum32(const uint8_t *p, uint64_t n)
{
	uint32_t s = 2166136261u;
	uint64_t i;

	for (i = 0; i < n; i++)
		s = (s ^ p[i]) * 16777619u;
	return s;
}

/* remote: serve a request */
static int serve_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	struct vrq_rpmsg *bus = priv;
	struct vrq_sbuf_ref refs[4];
	struct vrq_sbuf_msg msg;
	uint64_t i;
	uint32_t s;
	int rc;

	rc = vrq_rpmsg_recv_sbuf(bus, m, &msg, refs, 4);
	if (rc) {
		refused++;
		return 0;
	}
	if (msg.nref != 2 || refs[0].dir != VRQ_SBUF_OUT || refs[1].dir != VRQ_SBUF_IN ||
	    msg.inl_len != 4 || (msg.flags & VRQ_SBUF_REPLY))
		return 0;
	/* the answer: FNV of the data, then the data reversed, into IN */
	s = sum32(refs[0].va, refs[0].size);
	memcpy(refs[1].va, &s, 4);
	for (i = 0; i + 4 < refs[1].size && i < refs[0].size; i++)
		((uint8_t *)refs[1].va)[4 + i] = ((uint8_t *)refs[0].va)[refs[0].size - 1 - i];
	rc = vrq_rpmsg_send_sbuf(e, m->src, msg.txn, VRQ_SBUF_REPLY, &refs[1], 1, msg.inl, 4,
				 VRQ_RPMSG_FOREVER);
	if (!rc)
		served++;
	return 0;
}

/* host: check a reply */
static int reply_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	struct vrq_rpmsg *bus = priv;
	struct vrq_sbuf_ref refs[2];
	struct vrq_sbuf_msg msg;

	(void)e;
	if (vrq_rpmsg_recv_sbuf(bus, m, &msg, refs, 2) || !(msg.flags & VRQ_SBUF_REPLY) ||
	    msg.nref != 1 || msg.txn != last_txn + 1) {
		reply_bad++;
		return 0;
	}
	last_txn = msg.txn;
	replies++;
	return 0;
}

static void pump(struct rp_pair *p)
{
	int i;

	for (i = 0; i < 4; i++) {
		vrq_rpmsg_poll(p->remote.bus, 0);
		vrq_rpmsg_poll(p->host.bus, 0);
	}
}

int main(void)
{
	const char *name = "sbuf";
	struct vrq_rpmsg_link_cfg lc = {.qsize = 32, .notify = VRQ_NOTIFY_POLL};
	struct vrq_rpmsg_cfg hx, rx;
	struct rp_pair p;
	struct vrq_rpmsg_ept *srv = NULL, *cli = NULL;
	uint8_t *shared;
	int fd = -1, err;
	uint64_t sizes[] = {4096, 65536, 1u << 20}, i, k;
	uint32_t txn = 0;

	memset(&hx, 0, sizeof(hx));
	memset(&rx, 0, sizeof(rx));
	hx.sbuf_mem = &H.mem;
	rx.sbuf_mem = &R.mem;
	CHECK_EQ(rp_pair_init(&p, &lc, &hx, &rx), 0);

	/* one shared object, mapped twice: host and remote addresses differ */
	fd = memfd_create("vrq-sbuf", MFD_CLOEXEC);
	CHECK_OUT(fd >= 0 && ftruncate(fd, DATA_BYTES + ANS_BYTES) == 0);
	shared = mmap(NULL, DATA_BYTES + ANS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK_OUT(shared != MAP_FAILED);
	H.data = shared, H.ans = shared + DATA_BYTES;
	shared = mmap(NULL, DATA_BYTES + ANS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK_OUT(shared != MAP_FAILED);
	R.data = shared, R.ans = shared + DATA_BYTES;
	CHECK_OUT(R.data != H.data);
	CHECK_EQ_OUT(vrq_mem_add(&H.mem, RDATA, 0x80000000, H.data, DATA_BYTES, 0), 0);
	CHECK_EQ_OUT(vrq_mem_add(&H.mem, RANS, 0x90000000, H.ans, ANS_BYTES, 0), 0);
	CHECK_EQ_OUT(vrq_mem_add(&R.mem, RDATA, 0x80000000, R.data, DATA_BYTES, 0), 0);
	CHECK_EQ_OUT(vrq_mem_add(&R.mem, RANS, 0x90000000, R.ans, ANS_BYTES, 0), 0);

	srv = vrq_rpmsg_create_ept(p.remote.bus, NULL, 1024, VRQ_RPMSG_ADDR_ANY, serve_cb, NULL,
				   p.remote.bus, &err);
	cli = vrq_rpmsg_create_ept(p.host.bus, NULL, 1024, 1024, reply_cb, NULL, p.host.bus, &err);
	CHECK_OUT(srv && cli);

	for (k = 0; k < 3; k++)
		for (i = 0; i < 5; i++) {
			uint64_t n = sizes[k], off = (i * 4096) % (DATA_BYTES - n + 1), j;
			struct vrq_sbuf_ref refs[2] = {
				{.region = RDATA, .dir = VRQ_SBUF_OUT, .offset = off, .size = n},
				{.region = RANS, .dir = VRQ_SBUF_IN, .offset = 0, .size = n + 4},
			};
			uint32_t s;

			for (j = 0; j < n; j++)
				H.data[off + j] = (uint8_t)(j * 31 + i + k);
			memset(H.ans, 0, n + 4);
			CHECK_EQ_OUT(vrq_rpmsg_send_sbuf(cli, 1024, ++txn, 0, refs, 2, "req!", 4,
							 VRQ_RPMSG_FOREVER),
				     0);
			CHECK_OUT(refs[0].va == H.data + off); /* resolved locally */
			pump(&p);
			CHECK_EQ_OUT(replies, txn);
			memcpy(&s, H.ans, 4);
			CHECK_EQ_OUT(s, sum32(H.data + off, n));
			for (j = 0; j < n; j++)
				if (H.ans[4 + j] != H.data[off + n - 1 - j])
					break;
			CHECK_EQ_OUT(j, n);
		}
	CHECK_EQ_OUT(served, txn);
	CHECK_EQ_OUT(reply_bad, 0);

	/* references the remote must refuse: built by hand (the sender's own
	 * check would refuse them first) */
	{
		uint8_t b[64];
		struct vrq_sbuf_ref ok = {.region = RDATA, .dir = VRQ_SBUF_OUT, .offset = 0,
					  .size = 16};
		int n = vrq_sbuf_build(&H.mem, b, sizeof(b), 99, 0, &ok, 1, NULL, 0);

		CHECK_EQ_OUT(n, 40);
		b[16 + 16 + 3] = 0x01; /* size 16 + 2^24: past the 2 MiB region */
		CHECK_EQ_OUT(vrq_rpmsg_sendto(cli, 1024, b, (uint32_t)n), 0);
		b[16 + 16 + 3] = 0;
		b[16] = 3; /* unknown region */
		CHECK_EQ_OUT(vrq_rpmsg_sendto(cli, 1024, b, (uint32_t)n), 0);
		pump(&p);
		CHECK_EQ_OUT(refused, 2);
		CHECK_EQ_OUT(served, txn);
	}
out:
	if (srv)
		vrq_rpmsg_destroy_ept(srv);
	if (cli)
		vrq_rpmsg_destroy_ept(cli);
	rp_pair_fini(&p);
	if (fd >= 0)
		close(fd);
	return vrq_test_done("test_rpmsg_sbuf");
}
