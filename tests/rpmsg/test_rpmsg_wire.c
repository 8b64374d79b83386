/* SPDX-License-Identifier: MIT */
/*
 * test_rpmsg_wire: RPMsg wire format, byte for byte.
 *
 * The expected byte arrays are written out from the definitions Linux and
 * OpenAMP use (struct rpmsg_hdr {__le32 src, dst, reserved; __le16 len,
 * flags} packed; struct rpmsg_ns_msg {char name[32]; __le32 addr, flags};
 * struct resource_table / fw_rsc_vdev / fw_rsc_vdev_vring), so an encoder
 * that reorders, pads or byte-swaps a field fails.  Also: every validation
 * rule of the parsers, structured buffers against a region table, and the
 * resource-table walker on truncated and malformed tables.
 */
#include <stdint.h>
#include <string.h>

#include "vrq/rpmsg.h"
#include "vrq_test.h"

static int test_hdr_golden(void)
{
	/* src 0x400 (first dynamic address), dst 53 (name service), len 40 */
	static const uint8_t want[16] = {0x00, 0x04, 0x00, 0x00, 0x35, 0x00, 0x00, 0x00,
					 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00};
	static const uint8_t want2[16] = {0x78, 0x56, 0x34, 0x12, 0xef, 0xcd, 0xab, 0x89,
					  0x00, 0x00, 0x00, 0x00, 0xf0, 0x01, 0x02, 0x01};
	uint8_t b[16];

	memset(b, 0xee, sizeof(b));
	vrq_rpmsg_put_hdr(b, 0x400, VRQ_RPMSG_NS_ADDR, 40, 0);
	CHECK(!memcmp(b, want, 16));
	vrq_rpmsg_put_hdr(b, 0x12345678, 0x89abcdef, 496, 0x0102);
	CHECK(!memcmp(b, want2, 16));
	return 0;
}

static int test_ns_golden(void)
{
	/* "rpmsg-client-sample" at 0x400, create; then destroy */
	uint8_t want[40] = {0};
	uint8_t b[40];
	char name[VRQ_RPMSG_NAME_SIZE];
	uint32_t addr, flags;

	memcpy(want, "rpmsg-client-sample", 19);
	want[32] = 0x00, want[33] = 0x04, want[34] = 0x00, want[35] = 0x00;
	memset(b, 0xee, sizeof(b));
	CHECK_EQ(vrq_rpmsg_put_ns(b, "rpmsg-client-sample", 0x400, VRQ_RPMSG_NS_CREATE), 0);
	CHECK(!memcmp(b, want, 40));
	want[36] = 0x01;
	CHECK_EQ(vrq_rpmsg_put_ns(b, "rpmsg-client-sample", 0x400, VRQ_RPMSG_NS_DESTROY), 0);
	CHECK(!memcmp(b, want, 40));
	CHECK_EQ(vrq_rpmsg_parse_ns(b, 40, name, &addr, &flags), 0);
	CHECK(!strcmp(name, "rpmsg-client-sample"));
	CHECK_EQ(addr, 0x400);
	CHECK_EQ(flags, VRQ_RPMSG_NS_DESTROY);
	/* a 31-character name fits, 32 does not (no room for the NUL) */
	CHECK_EQ(vrq_rpmsg_put_ns(b, "0123456789012345678901234567890", 1, 0), 0);
	CHECK_EQ(vrq_rpmsg_put_ns(b, "01234567890123456789012345678901", 1, 0), -EINVAL);
	CHECK_EQ(vrq_rpmsg_put_ns(b, "", 1, 0), -EINVAL);
	return 0;
}

static int test_parse(void)
{
	uint8_t b[64];
	struct vrq_rpmsg_rx m;

	memset(b, 0, sizeof(b));
	vrq_rpmsg_put_hdr(b, 1024, 1025, 48, 0);
	CHECK_EQ(vrq_rpmsg_parse(b, 64, &m), 0); /* exactly fills the buffer */
	CHECK_EQ(m.len, 48);
	CHECK_EQ(m.src, 1024);
	CHECK_EQ(m.dst, 1025);
	CHECK(m.data == b + 16);
	CHECK_EQ(vrq_rpmsg_parse(b, 63, &m), -EBADMSG); /* len beyond the buffer */
	vrq_rpmsg_put_hdr(b, 1024, 1025, 0xffff, 0);
	CHECK_EQ(vrq_rpmsg_parse(b, 64, &m), -EBADMSG);
	vrq_rpmsg_put_hdr(b, 1024, 1025, 0, 0);
	CHECK_EQ(vrq_rpmsg_parse(b, 16, &m), 0); /* empty payload */
	CHECK_EQ(m.len, 0);
	CHECK_EQ(vrq_rpmsg_parse(b, 15, &m), -EBADMSG);
	CHECK_EQ(vrq_rpmsg_parse(b, 0, &m), -EBADMSG);
	CHECK_EQ(vrq_rpmsg_parse(NULL, 64, &m), -EBADMSG);
	return 0;
}

static int test_parse_ns(void)
{
	uint8_t b[41];
	char name[VRQ_RPMSG_NAME_SIZE];
	uint32_t addr, flags;

	CHECK_EQ(vrq_rpmsg_put_ns(b, "svc", 2000, VRQ_RPMSG_NS_CREATE), 0);
	CHECK_EQ(vrq_rpmsg_parse_ns(b, 40, name, &addr, &flags), 0);
	CHECK_EQ(vrq_rpmsg_parse_ns(b, 39, name, &addr, &flags), -EBADMSG);
	CHECK_EQ(vrq_rpmsg_parse_ns(b, 41, name, &addr, &flags), -EBADMSG);
	memset(b, 'A', 32); /* no NUL in the name */
	CHECK_EQ(vrq_rpmsg_parse_ns(b, 40, name, &addr, &flags), -EBADMSG);
	CHECK_EQ(vrq_rpmsg_put_ns(b, "svc", 2000, 2), 0); /* unknown flags */
	CHECK_EQ(vrq_rpmsg_parse_ns(b, 40, name, &addr, &flags), -EBADMSG);
	CHECK_EQ(vrq_rpmsg_put_ns(b, "svc", VRQ_RPMSG_ADDR_ANY, 0), 0);
	CHECK_EQ(vrq_rpmsg_parse_ns(b, 40, name, &addr, &flags), -EBADMSG);
	memset(b, 0, 40); /* empty name */
	CHECK_EQ(vrq_rpmsg_parse_ns(b, 40, name, &addr, &flags), -EBADMSG);
	return 0;
}

static int test_sbuf(void)
{
	static uint8_t r0[4096], r1[256];
	struct vrq_mem mem;
	struct vrq_sbuf_ref refs[3] = {
		{.region = 7, .dir = VRQ_SBUF_OUT, .offset = 0, .size = 4096},
		{.region = 9, .dir = VRQ_SBUF_IN, .offset = 128, .size = 128},
		{.region = 7, .dir = VRQ_SBUF_INOUT, .offset = 4000, .size = 96},
	};
	struct vrq_sbuf_ref got[3];
	struct vrq_sbuf_msg msg;
	uint8_t b[128];
	/* header golden: magic "VRQS", txn 0x01020304, nref 1, flags REPLY, inline 2 */
	static const uint8_t want[16 + 24 + 2] = {
		'V', 'R', 'Q', 'S', 0x04, 0x03, 0x02, 0x01, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00,
		0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		'h', 'i'};
	int n;

	vrq_mem_init(&mem);
	CHECK_EQ(vrq_mem_add(&mem, 7, 0x10000, r0, sizeof(r0), 0), 0);
	CHECK_EQ(vrq_mem_add(&mem, 9, 0x20000, r1, sizeof(r1), 0), 0);

	n = vrq_sbuf_build(&mem, b, sizeof(b), 0x01020304, VRQ_SBUF_REPLY, &refs[1], 1, "hi", 2);
	CHECK_EQ(n, (int)sizeof(want));
	CHECK(!memcmp(b, want, sizeof(want)));
	CHECK(refs[1].va == r1 + 128);

	n = vrq_sbuf_build(&mem, b, sizeof(b), 42, 0, refs, 3, "xyz", 3);
	CHECK_EQ(n, (int)vrq_sbuf_size(3, 3));
	CHECK_EQ(vrq_sbuf_parse(&mem, b, (uint32_t)n, &msg, got, 3), 0);
	CHECK_EQ(msg.txn, 42);
	CHECK_EQ(msg.nref, 3);
	CHECK_EQ(msg.flags, 0);
	CHECK_EQ(msg.inl_len, 3);
	CHECK(!memcmp(msg.inl, "xyz", 3));
	CHECK(got[0].va == r0 && got[1].va == r1 + 128 && got[2].va == r0 + 4000);
	CHECK_EQ(got[2].dir, VRQ_SBUF_INOUT);
	CHECK_EQ(got[2].size, 96);

	/* receiver-side validation: never trusts a reference */
	CHECK_EQ(vrq_sbuf_parse(&mem, b, (uint32_t)n, &msg, got, 2), -EMSGSIZE);
	CHECK_EQ(vrq_sbuf_parse(&mem, b, (uint32_t)n - 1, &msg, got, 3), -EBADMSG);
	CHECK_EQ(vrq_sbuf_parse(&mem, b, 15, &msg, got, 3), -EBADMSG);
	b[16 + 24 + 16] = 0x61; /* ref 1 size 128 -> 0x61 + ... : ends past region 9 */
	b[16 + 24 + 17] = 0x01;
	CHECK_EQ(vrq_sbuf_parse(&mem, b, (uint32_t)n, &msg, got, 3), -ERANGE);
	n = vrq_sbuf_build(&mem, b, sizeof(b), 42, 0, refs, 3, "xyz", 3);
	b[16 + 8 + 7] = 0x80; /* ref 0 offset 2^63: no wrap-around accepted */
	CHECK_EQ(vrq_sbuf_parse(&mem, b, (uint32_t)n, &msg, got, 3), -ERANGE);
	n = vrq_sbuf_build(&mem, b, sizeof(b), 42, 0, refs, 3, "xyz", 3);
	b[16] = 8; /* ref 0 region 8: unknown */
	CHECK_EQ(vrq_sbuf_parse(&mem, b, (uint32_t)n, &msg, got, 3), -ERANGE);
	n = vrq_sbuf_build(&mem, b, sizeof(b), 42, 0, refs, 3, "xyz", 3);
	b[20] = 4; /* direction 4 */
	CHECK_EQ(vrq_sbuf_parse(&mem, b, (uint32_t)n, &msg, got, 3), -EBADMSG);
	n = vrq_sbuf_build(&mem, b, sizeof(b), 42, 0, refs, 3, "xyz", 3);
	b[10] = 2; /* unknown flag */
	CHECK_EQ(vrq_sbuf_parse(&mem, b, (uint32_t)n, &msg, got, 3), -EBADMSG);
	n = vrq_sbuf_build(&mem, b, sizeof(b), 42, 0, refs, 3, "xyz", 3);
	b[0] = 'X';
	CHECK_EQ(vrq_sbuf_parse(&mem, b, (uint32_t)n, &msg, got, 3), -EBADMSG);
	n = vrq_sbuf_build(&mem, b, sizeof(b), 42, 0, refs, 3, "xyz", 3);
	b[12] = 0xff, b[13] = 0xff, b[14] = 0xff, b[15] = 0xff; /* inline_len 2^32-1 */
	CHECK_EQ(vrq_sbuf_parse(&mem, b, (uint32_t)n, &msg, got, 3), -EBADMSG);
	CHECK_EQ(vrq_sbuf_parse(NULL, b, (uint32_t)n, &msg, got, 3), -EBADMSG);

	/* sender side: refuses what the receiver would refuse */
	refs[0].size = 4097;
	CHECK_EQ(vrq_sbuf_build(&mem, b, sizeof(b), 1, 0, refs, 1, NULL, 0), -ERANGE);
	refs[0].size = 0;
	CHECK_EQ(vrq_sbuf_build(&mem, b, sizeof(b), 1, 0, refs, 1, NULL, 0), -EINVAL);
	refs[0].size = 16;
	CHECK_EQ(vrq_sbuf_build(&mem, b, 16 + 23, 1, 0, refs, 1, NULL, 0), -EMSGSIZE);
	CHECK_EQ(vrq_sbuf_build(&mem, b, sizeof(b), 1, 4, refs, 1, NULL, 0), -EINVAL);
	return 0;
}

static int test_rsc(void)
{
	/* a table as a remote firmware image carries it: ver 1, one entry
	 * (a trace entry first, then the vdev), rings at 0x10040000/0x10041000 */
	uint8_t t[256];
	struct vrq_rsc_vdev *v;
	uint32_t *w = (uint32_t *)(void *)t;
	int err;

	memset(t, 0, sizeof(t));
	w[0] = 1;  /* ver */
	w[1] = 2;  /* num */
	w[4] = 24; /* offset[0]: trace */
	w[5] = 72; /* offset[1]: vdev */
	w[6] = 2;  /* RSC_TRACE (48 bytes: type da len reserved name[32]) */
	v = (struct vrq_rsc_vdev *)(void *)(t + 72);
	v->type = VRQ_RSC_VDEV;
	v->id = VRQ_VIRTIO_ID_RPMSG;
	v->dfeatures = 1;
	v->num_of_vrings = 2;
	vrq_rsc_vdev_vring(v, 0)->da = 0x10040000;
	vrq_rsc_vdev_vring(v, 0)->align = 16;
	vrq_rsc_vdev_vring(v, 0)->num = 8;
	vrq_rsc_vdev_vring(v, 1)->da = 0x10041000;
	/* bytes: vdev at 72: type, id, notifyid, dfeatures, gfeatures,
	 * config_len, status, num_of_vrings; vring 0 at 100 */
	CHECK_EQ(t[72], 3);
	CHECK_EQ(t[76], 7);
	CHECK_EQ(t[84], 1);
	CHECK_EQ(t[97], 2);
	CHECK_EQ(t[100 + 2], 0x04); /* 0x10040000 little-endian: 00 00 04 10 */
	CHECK_EQ(t[100 + 3], 0x10);
	CHECK_EQ(t[104], 16);
	CHECK_EQ(t[108], 8);
	CHECK_EQ(t[120 + 2], 0x04);
	CHECK_EQ(t[120 + 1], 0x10);

	CHECK(vrq_rsc_find_rpmsg(t, sizeof(t), &err) == v);
	CHECK_EQ(err, 0);
	/* the vdev entry with its two vrings ends at 140 */
	CHECK(vrq_rsc_find_rpmsg(t, 140, &err) == v);
	CHECK(vrq_rsc_find_rpmsg(t, 139, &err) == NULL);
	CHECK_EQ(err, -EINVAL);
	v->config_len = 1000; /* config space past the end */
	CHECK(vrq_rsc_find_rpmsg(t, sizeof(t), &err) == NULL);
	CHECK_EQ(err, -EINVAL);
	v->config_len = 0;
	w[5] = 250; /* entry offset past the end */
	CHECK(vrq_rsc_find_rpmsg(t, sizeof(t), &err) == NULL);
	CHECK_EQ(err, -EINVAL);
	w[5] = 73; /* unaligned */
	CHECK(vrq_rsc_find_rpmsg(t, sizeof(t), &err) == NULL);
	w[5] = 72;
	w[1] = 0x40000000; /* num: offsets would run past the table */
	CHECK(vrq_rsc_find_rpmsg(t, sizeof(t), &err) == NULL);
	CHECK_EQ(err, -EINVAL);
	w[1] = 2;
	v->id = 3; /* a console, not rpmsg */
	CHECK(vrq_rsc_find_rpmsg(t, sizeof(t), &err) == NULL);
	CHECK_EQ(err, -ENOENT);
	v->id = VRQ_VIRTIO_ID_RPMSG;
	w[0] = 2; /* unknown version */
	CHECK(vrq_rsc_find_rpmsg(t, sizeof(t), &err) == NULL);
	CHECK_EQ(err, -EINVAL);
	return 0;
}

/* Deterministic fuzz of the three parsers: random bytes, random lengths and
 * random mutations of valid messages; they must never read outside the
 * buffer (ASan) and every accepted result must satisfy the rules. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (uint32_t)rng;
}

static int test_fuzz(void)
{
	static uint8_t r0[1024];
	struct vrq_mem mem;
	struct vrq_sbuf_ref refs[8];
	struct vrq_sbuf_msg msg;
	const char *sc = getenv("VRQ_TEST_SCALE");
	unsigned iters = (unsigned)(200000 * (sc ? atof(sc) : 1.0)), i, j;

	vrq_mem_init(&mem);
	CHECK_EQ(vrq_mem_add(&mem, 1, 0x1000, r0, sizeof(r0), 0), 0);
	for (i = 0; i < iters; i++) {
		uint32_t len = rnd() % 300;
		uint8_t *b = malloc(len ? len : 1); /* exact size: ASan sees any overread */
		struct vrq_rpmsg_rx m;
		char name[VRQ_RPMSG_NAME_SIZE];
		uint32_t a, f;

		CHECK(b);
		for (j = 0; j < len; j++)
			b[j] = (uint8_t)rnd();
		if (len >= 16 && rnd() % 2) { /* mostly-valid shapes */
			b[12] = (uint8_t)(rnd() % (len - 15));
			b[13] = 0;
			if (rnd() % 2 && len >= 16 + 16) {
				uint16_t nref = (uint16_t)(rnd() % 3);

				memcpy(b + 16, "VRQS", 4);
				b[24] = (uint8_t)nref, b[25] = 0, b[26] = 0, b[27] = 0;
			}
		}
		if (vrq_rpmsg_parse(b, len, &m) == 0) {
			CHECK(len >= 16 && m.len <= len - 16);
			if (vrq_sbuf_parse(&mem, m.data, m.len, &msg, refs, 8) == 0) {
				CHECK_EQ(vrq_sbuf_size(msg.nref, msg.inl_len), m.len);
				for (j = 0; j < msg.nref; j++) {
					CHECK(refs[j].va >= (void *)r0);
					CHECK((uint8_t *)refs[j].va + refs[j].size <= r0 + sizeof(r0));
				}
			}
			if (vrq_rpmsg_parse_ns(m.data, m.len, name, &a, &f) == 0)
				CHECK(strlen(name) < 32 && f <= 1 && a != VRQ_RPMSG_ADDR_ANY);
		}
		(void)vrq_rsc_find_rpmsg(b, len, NULL);
		free(b);
	}
	return 0;
}

#ifdef VRQ_LIBFUZZER
/* libFuzzer entry: the three parsers on arbitrary bytes (the same
 * invariants as test_fuzz), built by the test_rpmsg_wire_libfuzzer target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t r0[1024];
	static struct vrq_mem mem;
	struct vrq_sbuf_ref refs[8];
	struct vrq_sbuf_msg msg;
	struct vrq_rpmsg_rx m;
	char name[VRQ_RPMSG_NAME_SIZE];
	uint32_t a, f, j;
	uint8_t *b;

	if (!mem.n)
		vrq_mem_add(&mem, 1, 0x1000, r0, sizeof(r0), 0);
	if (size > 70000)
		return 0;
	b = malloc(size ? size : 1); /* exact size, aligned copy */
	memcpy(b, data, size);
	if (vrq_rpmsg_parse(b, (uint32_t)size, &m) == 0) {
		if (m.len > size - 16)
			abort();
		if (vrq_sbuf_parse(&mem, m.data, m.len, &msg, refs, 8) == 0)
			for (j = 0; j < msg.nref; j++)
				if ((uint8_t *)refs[j].va < r0 ||
				    (uint8_t *)refs[j].va + refs[j].size > r0 + sizeof(r0))
					abort();
		if (vrq_rpmsg_parse_ns(m.data, m.len, name, &a, &f) == 0 &&
		    (strlen(name) >= 32 || f > 1))
			abort();
	}
	(void)vrq_rsc_find_rpmsg(b, size, NULL);
	free(b);
	return 0;
}
#else
int main(void)
{
	test_hdr_golden();
	test_ns_golden();
	test_parse();
	test_parse_ns();
	test_sbuf();
	test_rsc();
	test_fuzz();
	return vrq_test_done("test_rpmsg_wire");
}
#endif /* VRQ_LIBFUZZER */
