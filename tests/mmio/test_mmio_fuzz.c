/* SPDX-License-Identifier: MIT */
/*
 * tests/mmio/test_mmio_fuzz.c - fuzz target for the device's register
 * handler.  The input is what a hostile driver controls: a sequence of
 * 7-byte records {how, offset selector, value (le32), extra} applied to a
 * device through vrq_mmio_dev_handle_write() (how bit 0 clear) or through
 * the shared mailbox words + vrq_mmio_dev_poll() (bit 0 set, with the
 * sequence number, offset and value written raw), config window bytes and
 * doorbell bits in between.
 *
 * Invariants after every step (a violation aborts: a libFuzzer crash):
 * the Status register equals the device's status; DEVICE_NEEDS_RESET, once
 * set, stays until a Status 0 write; only known status bits are ever set;
 * a live queue's three areas lie inside the registered region; the
 * per-reason counters add up to at least the NEEDS_RESET count.
 *
 * Build for fuzzing (the CMake target test_mmio_fuzz_libfuzzer does this
 * when clang is there):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DVRQ_LIBFUZZER -Iinclude -I. \
 *     -Itests/common -Iexamples/mmio-echo tests/mmio/test_mmio_fuzz.c \
 *     transports/mmio/mmio.c transports/notify/\*.c core/\*.c
 * Without VRQ_LIBFUZZER, main() replays a seeded random corpus (scaled by
 * VRQ_TEST_SCALE) as an ordinary test.
 */
#include "mmio_rig.h"

static const uint32_t offs[] = {
	VRQ_MMIO_STATUS, VRQ_MMIO_DEVICE_FEATURES_SEL, VRQ_MMIO_DRIVER_FEATURES,
	VRQ_MMIO_DRIVER_FEATURES_SEL, VRQ_MMIO_QUEUE_SEL, VRQ_MMIO_QUEUE_NUM,
	VRQ_MMIO_QUEUE_READY, VRQ_MMIO_QUEUE_DESC_LOW, VRQ_MMIO_QUEUE_DESC_HIGH,
	VRQ_MMIO_QUEUE_DRIVER_LOW, VRQ_MMIO_QUEUE_DRIVER_HIGH, VRQ_MMIO_QUEUE_DEVICE_LOW,
	VRQ_MMIO_QUEUE_DEVICE_HIGH, VRQ_MMIO_QUEUE_RESET, VRQ_MMIO_SHM_SEL, VRQ_MMIO_QUEUE_NOTIFY,
};

static struct rig g_r;
static bool g_up;

static void fail(const char *what)
{
	fprintf(stderr, "test_mmio_fuzz: invariant violated: %s\n", what);
	abort();
}

static bool inside(const void *p, size_t len)
{
	const uint8_t *b = (const uint8_t *)p;

	return b >= g_r.mem && len <= RIG_MEM_BYTES && (size_t)(b - g_r.mem) <= RIG_MEM_BYTES - len;
}

static void check(struct vrq_mmio_dev *d, bool was_nr)
{
	uint64_t sum = 0;
	unsigned i;

	if (vrq_le32_to_cpu(g_r.sh->regs.status) != d->status)
		fail("Status register differs from the device's status");
	if (d->status & ~(uint32_t)(0x0f | VRQ_STATUS_FAILED | VRQ_STATUS_DEVICE_NEEDS_RESET))
		fail("unknown status bit set");
	if (was_nr && d->status && !(d->status & VRQ_STATUS_DEVICE_NEEDS_RESET))
		fail("DEVICE_NEEDS_RESET cleared without a reset");
	for (i = 0; i < VRQ_MMIO_BAD_COUNT; i++)
		sum += d->st.bad[i];
	if (sum < d->st.needs_reset)
		fail("NEEDS_RESET without a counted reason");
	for (i = 0; i < d->cfg.nqueues; i++) {
		const struct vrq_mmio_dev_queue *q = &d->q[i];
		size_t n = q->num;

		if (!q->ready)
			continue;
		if (q->vq.kind == VRQ_RING_SPLIT) {
			if (!inside(q->vq.split.desc, 16 * n) || !inside(q->vq.split.avail, 6 + 2 * n) ||
			    !inside(q->vq.split.used, 6 + 8 * n))
				fail("split ring area outside registered memory");
		} else if (!inside(q->vq.packed.desc, 16 * n)) {
			fail("packed ring outside registered memory");
		}
	}
}

static void fz_run(const uint8_t *in, size_t len)
{
	struct vrq_mmio_dev *d = &g_r.dev;
	size_t p;

	if (!g_up) {
		rig_defaults(&g_r, VRQ_NOTIFY_EVENTFD, VRQ_MMIO_IRQ_LEGACY);
		g_r.dcfg.queue_num_max = 64;
		if (rig_alloc(&g_r, false) || rig_dev_init(&g_r))
			fail("setup");
		g_up = true;
	}
	vrq_mmio_dev_handle_write(d, VRQ_MMIO_STATUS, 0);
	for (p = 0; p + 7 <= len; p += 7) {
		uint8_t how = in[p], extra = in[p + 6];
		uint32_t off = offs[in[p + 1] % (sizeof(offs) / sizeof(offs[0]))];
		uint32_t val = in[p + 2] | (uint32_t)in[p + 3] << 8 | (uint32_t)in[p + 4] << 16 |
			       (uint32_t)in[p + 5] << 24;
		bool was_nr = vrq_mmio_dev_needs_reset(d);

		if (how & 0x80) /* a raw offset */
			off = (uint32_t)in[p + 1] << 2 | (how & 3);
		if (how & 0x40) /* addresses near the region */
			val = (uint32_t)RIG_DA + (val % (RIG_MEM_BYTES + 4096));
		if (how & 0x20) /* small values */
			val &= 0x1ff;
		if (how & 1) {
			struct vrq_mmio_ext *x = &g_r.sh->ext;

			x->req_off = off;
			x->req_val = val;
			x->req_seq = (how & 2) ? x->ack_seq : x->req_seq + 1 + extra % 3;
			x->dev_events = (uint32_t)extra << 24 | (extra & 3);
			if (extra & 4)
				g_r.sh->regs.config[extra] = how;
			(void)vrq_mmio_dev_poll(d);
		} else {
			(void)vrq_mmio_dev_handle_write(d, off, val);
		}
		check(d, was_nr && !(off == VRQ_MMIO_STATUS && val == 0));
	}
}

#ifdef VRQ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_run(data, size);
	return 0;
}
#else
static uint64_t xs = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	xs ^= xs >> 12;
	xs ^= xs << 25;
	xs ^= xs >> 27;
	return xs * 0x2545F4914F6CDD1Dull;
}

int main(void)
{
	static uint8_t in[7 * 64];
	const char *s = getenv("VRQ_TEST_SCALE");
	double sc = s ? strtod(s, NULL) : 1.0;
	unsigned n = (unsigned)(20000 * (sc > 0 ? sc : 1.0)), i, j, live = 0, nr = 0;

	/* a valid bring-up as a seed: the fuzzer's mutations start from it */
	{
		static const uint32_t seq[][2] = {
			{VRQ_MMIO_STATUS, 1}, {VRQ_MMIO_STATUS, 3},
			{VRQ_MMIO_DRIVER_FEATURES_SEL, 1}, {VRQ_MMIO_DRIVER_FEATURES, 1},
			{VRQ_MMIO_STATUS, 11}, {VRQ_MMIO_QUEUE_SEL, 0}, {VRQ_MMIO_QUEUE_NUM, 16},
			{VRQ_MMIO_QUEUE_DESC_LOW, (uint32_t)RIG_DA},
			{VRQ_MMIO_QUEUE_DRIVER_LOW, (uint32_t)RIG_DA + 4096},
			{VRQ_MMIO_QUEUE_DEVICE_LOW, (uint32_t)RIG_DA + 8192},
			{VRQ_MMIO_QUEUE_READY, 1}, {VRQ_MMIO_STATUS, 15}};
		size_t k;

		for (k = 0; k < sizeof(seq) / sizeof(seq[0]); k++) {
			uint8_t *r = in + 7 * k;

			r[0] = 0;
			for (j = 0; j < sizeof(offs) / sizeof(offs[0]); j++)
				if (offs[j] == seq[k][0])
					r[1] = (uint8_t)j;
			r[2] = (uint8_t)seq[k][1], r[3] = (uint8_t)(seq[k][1] >> 8);
			r[4] = (uint8_t)(seq[k][1] >> 16), r[5] = (uint8_t)(seq[k][1] >> 24);
			r[6] = 0;
		}
		fz_run(in, 7 * k);
		if (!vrq_mmio_dev_vq(&g_r.dev, 0))
			fail("the seed bring-up did not make queue 0 live");
	}
	for (i = 0; i < n; i++) {
		size_t len = 7 * (1 + rnd() % 64);

		for (j = 0; j < len; j++)
			in[j] = (uint8_t)rnd();
		/* bias towards the bring-up path so deep states are reached */
		for (j = 0; j < len; j += 7)
			if (rnd() % 2)
				in[j] &= 0x60;
		fz_run(in, len);
		live += vrq_mmio_dev_vq(&g_r.dev, 0) != NULL;
		nr += vrq_mmio_dev_needs_reset(&g_r.dev);
	}
	printf("test_mmio_fuzz: %u inputs, %u ended with queue 0 live, %u in NEEDS_RESET\n", n,
	       live, nr);
	rig_free(&g_r);
	return vrq_test_done("test_mmio_fuzz");
}
#endif
