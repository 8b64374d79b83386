/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/topo.h - CPU topology (hwloc), placement of the two peers,
 * pinning and NUMA-local memory (libnuma).
 *
 * A CPU is a PU (hardware thread) named by its OS index, the number
 * taskset and /proc/cpuinfo use.  "Usable" CPUs are online, allowed by the
 * cpuset cgroup and in the affinity mask of the thread that called
 * vb_topo_init(); pairs are only chosen among those.
 *
 * Placements of the two peers (cpu[0], cpu[1]):
 *   same-core   both on the SAME PU, time-shared: what a single-CPU system
 *               would see (wake-ups become context switches)
 *   smt         two PUs of one core (SMT siblings: shared L1/L2)
 *   same-l3     two different cores that share an L3
 *   cross-l3    two cores in different L3 domains (e.g. two AMD CCXs)
 *   cross-numa  two cores on different NUMA nodes
 *   auto        the first possible of same-l3, cross-l3, smt, same-core
 * A machine whose topology reports no L3 treats each package as one L3
 * domain.  Within a placement the lowest-numbered CPUs win, so a choice is
 * reproducible on one machine.
 */
#ifndef VB_TOPO_H
#define VB_TOPO_H

#include <stddef.h>
#include <stdio.h>

enum vb_placement {
	VB_PLACE_AUTO = 0,
	VB_PLACE_SAME_CORE,
	VB_PLACE_SMT,
	VB_PLACE_SAME_L3,
	VB_PLACE_CROSS_L3,
	VB_PLACE_CROSS_NUMA,
};

struct vb_topo {
	void *hw;		/* hwloc_topology_t */
	void *usable;		/* hwloc_bitmap_t: online & allowed & affinity */
	void *bound;		/* hwloc_bitmap_t: affinity of the init thread */
};

/** "auto", "same-core", "smt", "same-l3", "cross-l3", "cross-numa". */
const char *vb_placement_name(enum vb_placement p);
/** Parse a name above.  Returns 0 or -EINVAL. */
int vb_placement_parse(const char *name, enum vb_placement *p);

/** Load the topology.  Returns 0, or -1 with a message in @p why. */
int vb_topo_init(struct vb_topo *t, char *why, size_t why_len);
void vb_topo_fini(struct vb_topo *t);

/** Usable CPUs (OS indices, ascending) into @p cpus[0..max); returns how
 *  many there are (may exceed @p max). */
int vb_topo_cpus(const struct vb_topo *t, int *cpus, int max);

/**
 * Choose two CPUs for placement @p p.  Returns 0 and fills @p cpu, with a
 * one-line description of the choice in @p why ("same-l3: CPUs 0 and 2
 * (cores 0 and 1, L3 #0)"), or -1 with the reason in @p why ("smt: no two
 * PUs share a core on this machine (2 cores, 1 PU each)").
 */
int vb_topo_pair(const struct vb_topo *t, enum vb_placement p, int cpu[2], char *why,
		 size_t why_len);

/** Is @p cpu an existing, online, allowed CPU in our affinity mask?
 *  Returns 0, or -1 with the reason in @p why. */
int vb_topo_cpu_ok(const struct vb_topo *t, int cpu, char *why, size_t why_len);

/** NUMA node (first one) of @p cpu, or -1. */
int vb_topo_cpu_node(const struct vb_topo *t, int cpu);

/** NUMA nodes we may allocate from (libnuma), 1 without NUMA support. */
int vb_topo_numa_nodes(void);
/** Can memory be placed on @p node?  -1 (no placement) is always fine.
 *  Returns 0, or -1 with the reason in @p why. */
int vb_topo_node_ok(int node, char *why, size_t why_len);

/** Compact lstopo: machine, packages, NUMA nodes, L3 domains, cores, PUs,
 *  cache sizes, usable CPUs. */
void vb_topo_print(const struct vb_topo *t, FILE *f);
/** One line for the JSON header, e.g. "AMD EPYC 7763; 1 package, 1 NUMA
 *  node, 8 L3, 64 cores, 128 PUs; L3 32 MiB, L2 512 KiB, L1d 32 KiB". */
void vb_topo_summary(const struct vb_topo *t, char *buf, size_t len);

/** Pin the calling thread to @p cpu (-1: leave it alone).  0 or -errno. */
int vb_pin_thread(int cpu);

/**
 * @p bytes of zeroed, pre-faulted memory on NUMA node @p node (-1: no
 * placement, plain anonymous memory).  vb_numa_alloc() is private to the
 * process (threads); vb_numa_alloc_shared() stays shared with children
 * forked afterwards (process mode).  NULL on failure, with errno set.
 * Free either with vb_numa_free().
 */
void *vb_numa_alloc(size_t bytes, int node);
void *vb_numa_alloc_shared(size_t bytes, int node);
void vb_numa_free(void *p, size_t bytes);

#endif /* VB_TOPO_H */
