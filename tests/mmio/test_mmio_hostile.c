/* SPDX-License-Identifier: MIT */
/*
 * tests/mmio/test_mmio_hostile.c - a hostile driver against the device's
 * register state machine (one case per nonsense: the reason counted once,
 * DEVICE_NEEDS_RESET set and visible in Status, later writes ignored, a
 * reset clears it), then device reset and queue reset with buffers in
 * flight (every token back exactly once, used or not), and a device that
 * restarts mid-stream while the driver re-initialises without losing or
 * duplicating a delivery.
 */
#include "mmio_rig.h"

#define ST_FOK (VRQ_STATUS_ACKNOWLEDGE | VRQ_STATUS_DRIVER | VRQ_STATUS_FEATURES_OK)

static int w(struct vrq_mmio_dev *d, uint32_t off, uint32_t val)
{
	return vrq_mmio_dev_handle_write(d, off, val);
}

/* reset, then ACKNOWLEDGE .. FEATURES_OK with @p f */
static void to_features_ok(struct vrq_mmio_dev *d, uint64_t f)
{
	w(d, VRQ_MMIO_STATUS, 0);
	w(d, VRQ_MMIO_STATUS, 1);
	w(d, VRQ_MMIO_STATUS, 3);
	w(d, VRQ_MMIO_DRIVER_FEATURES_SEL, 0);
	w(d, VRQ_MMIO_DRIVER_FEATURES, (uint32_t)f);
	w(d, VRQ_MMIO_DRIVER_FEATURES_SEL, 1);
	w(d, VRQ_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32) | 1); /* VERSION_1 */
	w(d, VRQ_MMIO_STATUS, ST_FOK);
}

/* queue 0, size 16, areas at RIG_DA + 0 / 4096 / 8192 unless overridden */
static void queue_regs(struct vrq_mmio_dev *d, uint32_t num, uint64_t desc, uint64_t drv,
		       uint64_t dev)
{
	w(d, VRQ_MMIO_QUEUE_SEL, 0);
	w(d, VRQ_MMIO_QUEUE_NUM, num);
	w(d, VRQ_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	w(d, VRQ_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	w(d, VRQ_MMIO_QUEUE_DRIVER_LOW, (uint32_t)drv);
	w(d, VRQ_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(drv >> 32));
	w(d, VRQ_MMIO_QUEUE_DEVICE_LOW, (uint32_t)dev);
	w(d, VRQ_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(dev >> 32));
}

struct hcase {
	const char *name;
	enum vrq_mmio_bad why;
	uint64_t features;
	int (*act)(struct vrq_mmio_dev *d);
};

#define A RIG_DA
static int h_num_big(struct vrq_mmio_dev *d) { w(d, VRQ_MMIO_QUEUE_SEL, 0); return w(d, VRQ_MMIO_QUEUE_NUM, 257); }
static int h_num_zero(struct vrq_mmio_dev *d) { w(d, VRQ_MMIO_QUEUE_SEL, 1); return w(d, VRQ_MMIO_QUEUE_NUM, 0); }
static int h_num_pow2(struct vrq_mmio_dev *d) { queue_regs(d, 100, A, A + 4096, A + 8192); return w(d, VRQ_MMIO_QUEUE_READY, 1); }
static int h_desc_align(struct vrq_mmio_dev *d) { queue_regs(d, 16, A + 8, A + 4096, A + 8192); return w(d, VRQ_MMIO_QUEUE_READY, 1); }
static int h_used_align(struct vrq_mmio_dev *d) { queue_regs(d, 16, A, A + 4096, A + 8194); return w(d, VRQ_MMIO_QUEUE_READY, 1); }
static int h_avail_align(struct vrq_mmio_dev *d) { queue_regs(d, 16, A, A + 4097, A + 8192); return w(d, VRQ_MMIO_QUEUE_READY, 1); }
static int h_outside(struct vrq_mmio_dev *d) { queue_regs(d, 16, 0x1000, A + 4096, A + 8192); return w(d, VRQ_MMIO_QUEUE_READY, 1); }
static int h_straddle(struct vrq_mmio_dev *d) { queue_regs(d, 16, A, A + 4096, A + RIG_MEM_BYTES - 64); return w(d, VRQ_MMIO_QUEUE_READY, 1); }
static int h_high(struct vrq_mmio_dev *d) { queue_regs(d, 16, A | (1ull << 40), A + 4096, A + 8192); return w(d, VRQ_MMIO_QUEUE_READY, 1); }
static int h_overlap(struct vrq_mmio_dev *d) { queue_regs(d, 16, A, A + 64, A + 8192); return w(d, VRQ_MMIO_QUEUE_READY, 1); }
static int h_backwards(struct vrq_mmio_dev *d) { return w(d, VRQ_MMIO_STATUS, 3); }
static int h_unknown_bit(struct vrq_mmio_dev *d) { return w(d, VRQ_MMIO_STATUS, ST_FOK | 0x10); }
static int h_order(struct vrq_mmio_dev *d) { w(d, VRQ_MMIO_STATUS, 0); return w(d, VRQ_MMIO_STATUS, 2); }
static int h_ok_early(struct vrq_mmio_dev *d) { w(d, VRQ_MMIO_STATUS, 0); w(d, VRQ_MMIO_STATUS, 3); return w(d, VRQ_MMIO_STATUS, 7); }
static int h_feat_late(struct vrq_mmio_dev *d) { return w(d, VRQ_MMIO_DRIVER_FEATURES, 0); }
static int h_feat_sel(struct vrq_mmio_dev *d) { w(d, VRQ_MMIO_STATUS, 0); w(d, VRQ_MMIO_DRIVER_FEATURES_SEL, 2); return w(d, VRQ_MMIO_DRIVER_FEATURES, 1); }
static int h_qreset(struct vrq_mmio_dev *d) { w(d, VRQ_MMIO_QUEUE_SEL, 0); return w(d, VRQ_MMIO_QUEUE_RESET, 1); }
static int h_qsel(struct vrq_mmio_dev *d) { w(d, VRQ_MMIO_QUEUE_SEL, 9); return w(d, VRQ_MMIO_QUEUE_NUM, 16); }
static int h_live(struct vrq_mmio_dev *d) { queue_regs(d, 16, A, A + 4096, A + 8192); w(d, VRQ_MMIO_QUEUE_READY, 1); return w(d, VRQ_MMIO_QUEUE_DESC_LOW, (uint32_t)A + 16384); }
static int h_ready_val(struct vrq_mmio_dev *d) { w(d, VRQ_MMIO_QUEUE_SEL, 0); return w(d, VRQ_MMIO_QUEUE_READY, 2); }
static int h_offset_ro(struct vrq_mmio_dev *d) { return w(d, VRQ_MMIO_CONFIG_GENERATION, 1); }
static int h_offset_odd(struct vrq_mmio_dev *d) { return w(d, 0x003, 1); }
static int h_offset_far(struct vrq_mmio_dev *d) { return w(d, 0xfffffff0u, 1); }
#undef A

static const struct hcase cases[] = {
	{"QueueNum > QueueNumMax", VRQ_MMIO_BAD_QUEUE_NUM, 0, h_num_big},
	{"QueueNum 0", VRQ_MMIO_BAD_QUEUE_NUM, 0, h_num_zero},
	{"split QueueNum not a power of two", VRQ_MMIO_BAD_QUEUE_NUM, 0, h_num_pow2},
	{"QueueDesc not 16-aligned", VRQ_MMIO_BAD_QUEUE_ALIGN, 0, h_desc_align},
	{"QueueDevice not 4-aligned", VRQ_MMIO_BAD_QUEUE_ALIGN, 0, h_used_align},
	{"QueueDriver not 2-aligned", VRQ_MMIO_BAD_QUEUE_ALIGN, 0, h_avail_align},
	{"ring outside registered memory", VRQ_MMIO_BAD_QUEUE_ADDR, 0, h_outside},
	{"used ring straddles the region end", VRQ_MMIO_BAD_QUEUE_ADDR, 0, h_straddle},
	{"QueueDescHigh puts it elsewhere", VRQ_MMIO_BAD_QUEUE_ADDR, 0, h_high},
	{"overlapping areas", VRQ_MMIO_BAD_QUEUE_ADDR, 0, h_overlap},
	{"Status going backwards", VRQ_MMIO_BAD_STATUS, 0, h_backwards},
	{"Status unknown bit", VRQ_MMIO_BAD_STATUS, 0, h_unknown_bit},
	{"DRIVER without ACKNOWLEDGE", VRQ_MMIO_BAD_STATUS, 0, h_order},
	{"DRIVER_OK without FEATURES_OK", VRQ_MMIO_BAD_STATUS, 0, h_ok_early},
	{"DriverFeatures after FEATURES_OK", VRQ_MMIO_BAD_FEATURES, 0, h_feat_late},
	{"DriverFeatures word 2", VRQ_MMIO_BAD_FEATURES, 0, h_feat_sel},
	{"QueueReset without RING_RESET", VRQ_MMIO_BAD_QUEUE_RESET, 0, h_qreset},
	{"QueueSel of a missing queue", VRQ_MMIO_BAD_QUEUE_SEL, 0, h_qsel},
	{"queue address changed while ready", VRQ_MMIO_BAD_QUEUE_LIVE, 0, h_live},
	{"QueueReady 2", VRQ_MMIO_BAD_QUEUE_LIVE, 0, h_ready_val},
	{"write to ConfigGeneration", VRQ_MMIO_BAD_OFFSET, 0, h_offset_ro},
	{"unaligned offset", VRQ_MMIO_BAD_OFFSET, 0, h_offset_odd},
	{"offset past the file", VRQ_MMIO_BAD_OFFSET, 0, h_offset_far},
};

static int run_cases(void)
{
	const char *name = "setup";
	struct rig r;
	struct vrq_mmio_dev *d = &r.dev;
	unsigned i, k;
	int ok = -1;

	rig_defaults(&r, VRQ_NOTIFY_EVENTFD, VRQ_MMIO_IRQ_LEGACY);
	r.dcfg.features = VRQ_FEATURE(VRQ_F_EVENT_IDX);
	CHECK_OUT(rig_alloc(&r, false) == 0);
	CHECK_OUT(rig_dev_init(&r) == 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t before[VRQ_MMIO_BAD_COUNT], nr = d->st.needs_reset;

		name = cases[i].name;
		to_features_ok(d, cases[i].features);
		CHECK_EQ_OUT(d->status, ST_FOK);
		memcpy(before, d->st.bad, sizeof(before));
		CHECK_EQ_OUT(cases[i].act(d), -VRQ_EINVAL);
		for (k = 0; k < VRQ_MMIO_BAD_COUNT; k++)
			CHECK_EQ_OUT(d->st.bad[k] - before[k], k == cases[i].why);
		CHECK_EQ_OUT(d->last_bad, cases[i].why);
		CHECK_EQ_OUT(d->st.needs_reset, nr + 1);
		CHECK_OUT(vrq_mmio_dev_needs_reset(d));
		CHECK_OUT(vrq_le32_to_cpu(r.sh->regs.status) & VRQ_STATUS_DEVICE_NEEDS_RESET);
		/* the driver hears it: InterruptStatus config bit */
		CHECK_OUT(vrq_le32_to_cpu(r.sh->regs.interrupt_status) & VRQ_MMIO_INT_CONFIG);
		/* nothing else is acted on until the reset */
		CHECK_EQ_OUT(w(d, VRQ_MMIO_QUEUE_SEL, 7), -VRQ_EINVAL);
		CHECK_EQ_OUT(d->qsel == 7, 0);
		CHECK_EQ_OUT(vrq_mmio_dev_vq(d, 0) == NULL, 1);
		CHECK_EQ_OUT(w(d, VRQ_MMIO_STATUS, 0), 0);
		CHECK_EQ_OUT(d->status, 0);
		CHECK_EQ_OUT(vrq_le32_to_cpu(r.sh->regs.status), 0);
		CHECK_EQ_OUT(vrq_le32_to_cpu(r.sh->regs.interrupt_status), 0);
	}
	/* and a good queue goes live after all that */
	name = "good queue after the hostile ones";
	to_features_ok(d, 0);
	queue_regs(d, 16, RIG_DA, RIG_DA + 4096, RIG_DA + 8192);
	CHECK_EQ_OUT(w(d, VRQ_MMIO_QUEUE_READY, 1), 0);
	CHECK_EQ_OUT(w(d, VRQ_MMIO_STATUS, ST_FOK | VRQ_STATUS_DRIVER_OK), 0);
	CHECK_OUT(vrq_mmio_dev_vq(d, 0) != NULL);
	CHECK_EQ_OUT(vrq_le32_to_cpu(r.sh->regs.queue_ready), 1);
	/* a config byte written past the device's 64 bytes: put back, counted */
	name = "config past the space";
	r.sh->regs.config[100] = 0x5a;
	__atomic_fetch_or(&r.sh->ext.dev_events, VRQ_MMIO_EV_CONFIG, __ATOMIC_SEQ_CST);
	CHECK_EQ_OUT(vrq_mmio_dev_poll(d), 0);
	CHECK_EQ_OUT(d->st.bad[VRQ_MMIO_BAD_CONFIG], 1);
	CHECK_EQ_OUT(r.sh->regs.config[100], 0);
	CHECK_OUT(vrq_mmio_dev_needs_reset(d));
	ok = 0;
out:
	rig_free(&r);
	return ok;
}

/* ---- reset with buffers in flight ------------------------------------------ */

struct reclaimed {
	unsigned used[2][RIG_NBUF + 1], unused[2][RIG_NBUF + 1];
};

static struct reclaimed g_rec;

static void on_reclaim(void *ctx, unsigned q, void *token, uint32_t len, bool used)
{
	uintptr_t t = (uintptr_t)token;

	(void)ctx;
	(void)len;
	if (q < 2 && t <= RIG_NBUF) {
		if (used)
			g_rec.used[q][t]++;
		else
			g_rec.unused[q][t]++;
	}
}

static int add_tx(struct rig *r, uint32_t seq)
{
	struct vrq_sg tx = {rig_da(r, rig_txbuf(r, seq)), 8};
	struct vrq_vq_drv *q = vrq_mmio_drv_vq(&r->drv, ECHO_TXQ);

	rig_fill(rig_txbuf(r, seq), 8, seq);
	if (vrq_vq_drv_add(q, &tx, 1, 0, (void *)(uintptr_t)(seq + 1)))
		return -1;
	vrq_vq_drv_publish(q);
	return vrq_mmio_drv_kick(&r->drv, ECHO_TXQ) < 0 ? -1 : 0;
}

static int add_rx(struct rig *r, uint32_t seq)
{
	struct vrq_sg rx = {rig_da(r, rig_rxbuf(r, seq)), RIG_BUF_SIZE};
	struct vrq_vq_drv *q = vrq_mmio_drv_vq(&r->drv, ECHO_RXQ);

	if (vrq_vq_drv_add(q, &rx, 0, 1, (void *)(uintptr_t)(seq + 1)))
		return -1;
	vrq_vq_drv_publish(q);
	return vrq_mmio_drv_kick(&r->drv, ECHO_RXQ) < 0 ? -1 : 0;
}

static int run_reset_inflight(enum vrq_mmio_irq irq, bool packed)
{
	const char *name = irq == VRQ_MMIO_IRQ_LEGACY ? "reset in flight, legacy"
						      : "reset in flight, vectors";
	uint64_t want = VRQ_FEATURE(VRQ_F_EVENT_IDX) | VRQ_FEATURE(VRQ_F_RING_RESET) |
			(packed ? VRQ_FEATURE(VRQ_F_RING_PACKED) : 0);
	struct rig r;
	unsigned i;
	int ok = -1;

	memset(&g_rec, 0, sizeof(g_rec));
	rig_defaults(&r, VRQ_NOTIFY_EVENTFD, irq);
	r.vcfg.reclaim = on_reclaim;
	CHECK_OUT(rig_alloc(&r, false) == 0);
	CHECK_OUT(rig_start_thread(&r) == 0);
	CHECK_OUT(rig_drv_init(&r) == 0);
	CHECK_OUT(rig_drv_bringup(&r, want, 64) == 0);
	/* 10 TX, 3 RX: the device echoes 3 and holds the 4th TX */
	for (i = 0; i < 10; i++)
		CHECK_OUT(add_tx(&r, i) == 0);
	for (i = 0; i < 3; i++)
		CHECK_OUT(add_rx(&r, i) == 0);
	for (i = 0; i < 3; i++) {
		void *tok;
		uint32_t len;

		while (vrq_mmio_drv_get_used(&r.drv, ECHO_RXQ, &tok, &len) != 1)
			CHECK_OUT(vrq_mmio_drv_wait(&r.drv, ECHO_RXQ, RIG_TIMEOUT_NS) >= 0);
		CHECK_EQ_OUT((uintptr_t)tok, i + 1);
		CHECK_EQ_OUT(len, 8);
	}
	CHECK_EQ_OUT(vrq_mmio_drv_reset(&r.drv), 0);
	/* TX 0..2 completed (used), 3..9 handed back; every token once */
	for (i = 1; i <= 10; i++) {
		CHECK_EQ_OUT(g_rec.used[ECHO_TXQ][i], i <= 3);
		CHECK_EQ_OUT(g_rec.unused[ECHO_TXQ][i], i > 3);
	}
	CHECK_EQ_OUT(r.drv.st.reclaimed_used, 3);
	CHECK_EQ_OUT(r.drv.st.reclaimed_unused, 7);
	CHECK_EQ_OUT(r.drv.q[ECHO_TXQ].delivered, 3);
	CHECK_EQ_OUT(r.drv.q[ECHO_RXQ].delivered, 3);
	CHECK_OUT(vrq_mmio_drv_vq(&r.drv, ECHO_TXQ) == NULL);

	/* again, then QueueReset of TX alone with 5 buffers in it */
	name = "queue reset in flight";
	memset(&g_rec, 0, sizeof(g_rec));
	CHECK_OUT(vrq_mmio_drv_negotiate(&r.drv, want, NULL) == 0);
	CHECK_OUT(vrq_mmio_drv_setup_queue(&r.drv, ECHO_RXQ, 64, r.mem, 64) == 0);
	CHECK_OUT(vrq_mmio_drv_setup_queue(&r.drv, ECHO_TXQ, 64, r.mem + RIG_RING_BYTES, 64) == 0);
	CHECK_OUT(vrq_mmio_drv_ready(&r.drv) == 0);
	for (i = 0; i < 5; i++)
		CHECK_OUT(add_tx(&r, i) == 0);
	CHECK_EQ_OUT(vrq_mmio_drv_queue_reset(&r.drv, ECHO_TXQ), 0);
	for (i = 1; i <= 5; i++)
		CHECK_EQ_OUT(g_rec.unused[ECHO_TXQ][i], 1);
	CHECK_EQ_OUT(vrq_mmio_drv_read(&r.drv, VRQ_MMIO_QUEUE_READY), 0);
	CHECK_EQ_OUT(r.dev.st.queue_resets, 1);
	/* RX untouched; TX set up again; traffic flows */
	CHECK_OUT(vrq_mmio_drv_vq(&r.drv, ECHO_RXQ) != NULL);
	CHECK_OUT(vrq_mmio_drv_setup_queue(&r.drv, ECHO_TXQ, 32, r.mem + RIG_RING_BYTES, 64) == 0);
	CHECK_EQ_OUT(vrq_mmio_drv_read(&r.drv, VRQ_MMIO_QUEUE_RESET), 0);
	CHECK_OUT(rig_echo(&r, 100, 50) == 0);
	CHECK_OUT(!vrq_mmio_drv_needs_reset(&r.drv));
	ok = 0;
out:
	rig_free(&r);
	return ok;
}

/* ---- device restart --------------------------------------------------------- */

static int run_restart(enum vrq_mmio_irq irq)
{
	const char *name = irq == VRQ_MMIO_IRQ_LEGACY ? "restart, legacy" : "restart, vectors";
	struct rig r;
	unsigned n = 200, seq, got[200], reinits = 0;
	int ok = -1, k;

	memset(&g_rec, 0, sizeof(g_rec));
	memset(got, 0, sizeof(got));
	rig_defaults(&r, VRQ_NOTIFY_FUTEX, irq);
	r.vcfg.reclaim = on_reclaim;
	r.restart_at = 50;
	CHECK_OUT(rig_alloc(&r, false) == 0);
	CHECK_OUT(rig_start_thread(&r) == 0);
	CHECK_OUT(rig_drv_init(&r) == 0);
	CHECK_OUT(rig_drv_bringup(&r, VRQ_FEATURE(VRQ_F_EVENT_IDX), 64) == 0);
	for (seq = 0; seq < n; seq++) {
		unsigned len = 1 + seq % 100;

		CHECK_OUT(rig_send(&r, seq, len) == 0);
		for (;;) {
			void *tok;
			uint32_t l;
			int rc = vrq_mmio_drv_get_used(&r.drv, ECHO_RXQ, &tok, &l);

			if (rc == 1) {
				CHECK_EQ_OUT((uintptr_t)tok, seq + 1);
				got[seq]++;
				while (vrq_mmio_drv_get_used(&r.drv, ECHO_TXQ, &tok, &l) == 1)
					;
				break;
			}
			rc = vrq_mmio_drv_wait(&r.drv, ECHO_RXQ, RIG_TIMEOUT_NS);
			if (rc < 0)
				fprintf(stderr, "wait: %d seq %u status 0x%x\n", rc, seq,
					vrq_mmio_drv_status(&r.drv));
			CHECK_OUT(rc >= 0);
			if (rc == 1 && vrq_mmio_drv_config_changed(&r.drv) &&
			    vrq_mmio_drv_needs_reset(&r.drv)) {
				memset(&g_rec, 0, sizeof(g_rec));
				CHECK_EQ_OUT(vrq_mmio_drv_reinit(&r.drv), 0);
				reinits++;
				/* the reply was delivered before the reset: keep it */
				if (g_rec.used[ECHO_RXQ][seq + 1]) {
					got[seq]++;
					break;
				}
				k = rig_send(&r, seq, len);
				if (k)
					fprintf(stderr, "resend: %d %s\n", k, r.drv.msg);
				CHECK_EQ_OUT(k, 0);
			}
		}
	}
	for (seq = 0; seq < n; seq++)
		CHECK_EQ_OUT(got[seq], 1);
	CHECK_EQ_OUT(reinits, 1);
	CHECK_EQ_OUT(r.drv.q[ECHO_RXQ].delivered, n);
	CHECK_EQ_OUT(r.dev.st.restarts, 1);
	ok = 0;
out:
	rig_free(&r);
	return ok;
}

int main(void)
{
	unsigned irq;

	run_cases();
	for (irq = 0; irq < 2; irq++) {
		run_reset_inflight((enum vrq_mmio_irq)irq, false);
		run_reset_inflight((enum vrq_mmio_irq)irq, true);
		run_restart((enum vrq_mmio_irq)irq);
	}
	return vrq_test_done("test_mmio_hostile");
}
