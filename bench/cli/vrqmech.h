/* SPDX-License-Identifier: MIT */
/*
 * bench/cli/vrqmech.h - vrq itself as a measured mechanism: a driver and a
 * device over a vrq_link (one shared region), in two pinned threads or two
 * processes, with the same run contract as the baselines (lib/rr.h).
 */
#ifndef VB_VRQMECH_H
#define VB_VRQMECH_H

#include <stdbool.h>
#include <stdint.h>

#include "cpuload.h"
#include "rr.h"
#include "vrq/link.h"

struct vq_opts {
	enum vrq_ring_kind ring;
	enum vrq_notify_kind notify;
	enum vrq_notify_kind block;	/* hybrid */
	uint32_t spin_ns;		/* hybrid: 0 adaptive */
	bool event_idx, in_order, indirect;
	bool procs;
	bool zero_copy;			/* stream: descriptors only, no copy */
	bool reclaim_all;		/* stream: take back every completed buffer per
					 * round, not at most a batch */
	bool hugepages;
	size_t buf_size;		/* bytes per buffer slot (max message) */
};

/* Device-side counters of the measured phase, and the driver's. */
struct vq_counters {
	struct vrq_notify_stats kick_tx, kick_rx, irq_tx, irq_rx;
	struct vb_cpuload load;	/* measured phase, both sides' CPU counted as own */
};

int vq_run_rr(const struct vb_params *p, const struct vq_opts *o, struct vb_result *r,
	      struct vq_counters *c, char *err, size_t errlen);
int vq_run_stream(const struct vb_params *p, const struct vq_opts *o, struct vb_result *r,
		  struct vq_counters *c, char *err, size_t errlen);

#define VQ_MAX_QUEUES 16

/*
 * @p nq independent queues streaming at once, queue i between CPUs
 * cpus[i][0] (driver) and cpus[i][1] (device): each its own link, ring,
 * notification channels (one vector per queue and direction) and thread
 * (or process) pair.  @p r and @p c get the sums over the queues; r's
 * rate (trans / elapsed) is the sum of the queues' rates; q_rate[i] is
 * queue i's items/s.  The queues start together and run the same
 * duration, so their measured phases overlap but for the setup skew (a
 * few ms).  In process mode the other queues' processes would count as
 * disturbance, so the disturbance check is off (c->load.ok = false).
 */
int vq_run_stream_multi(const struct vb_params *p, const struct vq_opts *o, unsigned nq,
			const int (*cpus)[2], struct vb_result *r, struct vq_counters *c,
			double *q_rate, char *err, size_t errlen);

#endif /* VB_VRQMECH_H */
