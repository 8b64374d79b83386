/* SPDX-License-Identifier: MIT */
/* rpmsg_instr.c - instructions per RPMsg message (mode 0: 64 B zero-copy
 * stream, batches of 32; mode 2: the same with get_tx_buffers() and
 * send_nocopy_batch()) and per echo round trip (mode 1: 1 B copy sends),
 * both buses in one thread with the poll backend; run under callgrind. */
#include "rpmsg_pair.h"
#include <valgrind/callgrind.h>
static unsigned long got;
static int rcb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *p)
{ (void)p; got++; if (p) return vrq_rpmsg_sendto(e, m->src, m->data, m->len); return 0; }
static int hcb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *p)
{ (void)e;(void)m;(void)p; got++; return 0; }
int main(int argc, char **argv)
{
	struct rp_pair p; struct vrq_rpmsg_link_cfg lc = {0}; int err, i, k;
	int mode = argc > 1 ? atoi(argv[1]) : 0; /* 0 stream zc b32, 1 rr copy, 2 stream zc batched */
	int N = argc > 2 ? atoi(argv[2]) : 20000;
	lc.notify = VRQ_NOTIFY_POLL;
	lc.ring_features = VRQ_FEATURE(VRQ_F_EVENT_IDX);
	if (rp_pair_init(&p, &lc, NULL, NULL)) return 1;
	struct vrq_rpmsg_ept *re = vrq_rpmsg_create_ept(p.remote.bus, "x", 1024, VRQ_RPMSG_ADDR_ANY, rcb, NULL, mode == 1 ? (void*)1 : NULL, &err);
	struct vrq_rpmsg_ept *he = vrq_rpmsg_create_ept(p.host.bus, NULL, 1025, 1024, hcb, NULL, NULL, &err);
	if (!re || !he) return 2;
	vrq_rpmsg_poll(p.host.bus, 0); vrq_rpmsg_poll(p.remote.bus, 0);
	for (int pass = 0; pass < 2; pass++) {
		if (pass) CALLGRIND_START_INSTRUMENTATION;
		got = 0;
		for (i = 0; i < N / 32; i++) {
			if (mode == 2) {
				struct vrq_rpmsg_txbuf tb[32]; uint32_t ln[32]; int got = 0;
				while (got < 32) { int g = vrq_rpmsg_get_tx_buffers(p.host.bus, tb + got, 32 - got, 0); if (g <= 0) return 3; got += g; }
				for (k = 0; k < 32; k++) { memset(tb[k].data, k, 64); ln[k] = 64; }
				if (vrq_rpmsg_send_nocopy_batch(he, 1024, tb, ln, 32, 0) != 32) return 4;
				vrq_rpmsg_poll(p.remote.bus, 0);
			} else if (mode == 0) {
				for (k = 0; k < 32; k++) {
					struct vrq_rpmsg_txbuf tb;
					if (vrq_rpmsg_get_tx_buffer(p.host.bus, &tb, 0)) return 3;
					memset(tb.data, k, 64);
					if (vrq_rpmsg_send_nocopy(he, 1024, &tb, 64, k < 31 ? VRQ_RPMSG_MORE : 0)) return 4;
				}
				vrq_rpmsg_poll(p.remote.bus, 0);
			} else {
				for (k = 0; k < 32; k++) {
					if (vrq_rpmsg_send(he, "a", 1)) return 5;
					vrq_rpmsg_poll(p.remote.bus, 0);
					vrq_rpmsg_poll(p.host.bus, 0);
				}
			}
		}
		if (pass) CALLGRIND_STOP_INSTRUMENTATION;
	}
	printf("got %lu (N=%d)\n", got, N);
	return 0;
}
