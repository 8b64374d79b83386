/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "topo.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hwloc.h>
#include <numa.h>
#include <numaif.h>

#define HW(t) ((hwloc_topology_t)(t)->hw)
#define USABLE(t) ((hwloc_const_bitmap_t)(t)->usable)

static const char *const vb_place_names[] = {
	[VB_PLACE_AUTO] = "auto",
	[VB_PLACE_SAME_CORE] = "same-core",
	[VB_PLACE_SMT] = "smt",
	[VB_PLACE_SAME_L3] = "same-l3",
	[VB_PLACE_CROSS_L3] = "cross-l3",
	[VB_PLACE_CROSS_NUMA] = "cross-numa",
};
#define VB_NPLACE (sizeof(vb_place_names) / sizeof(vb_place_names[0]))

const char *vb_placement_name(enum vb_placement p)
{
	return (unsigned)p < VB_NPLACE ? vb_place_names[p] : "?";
}

int vb_placement_parse(const char *name, enum vb_placement *p)
{
	unsigned i;

	for (i = 0; i < VB_NPLACE; i++) {
		if (strcmp(name, vb_place_names[i]) == 0) {
			*p = (enum vb_placement)i;
			return 0;
		}
	}
	return -EINVAL;
}

static void vb_msg(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void vb_msg(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* "0-3,8" for a bitmap (static buffer per call site is not re-entrant:
 * callers pass their own). */
static const char *vb_set_str(hwloc_const_bitmap_t set, char *buf, size_t len)
{
	if (hwloc_bitmap_iszero(set))
		snprintf(buf, len, "none");
	else
		hwloc_bitmap_list_snprintf(buf, len, set);
	return buf;
}

int vb_topo_init(struct vb_topo *t, char *why, size_t why_len)
{
	hwloc_topology_t topo;
	hwloc_bitmap_t usable, bound;

	memset(t, 0, sizeof(*t));
	if (hwloc_topology_init(&topo) != 0) {
		vb_msg(why, why_len, "hwloc_topology_init failed: %s", strerror(errno));
		return -1;
	}
	/* Keep disallowed PUs in view, so a CPU outside the cpuset cgroup can
	 * be told apart from one that does not exist. */
	hwloc_topology_set_flags(topo, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
	hwloc_topology_set_io_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_NONE);
	if (hwloc_topology_load(topo) != 0) {
		vb_msg(why, why_len, "hwloc_topology_load failed: %s", strerror(errno));
		hwloc_topology_destroy(topo);
		return -1;
	}
	usable = hwloc_bitmap_dup(hwloc_topology_get_topology_cpuset(topo));
	bound = hwloc_bitmap_alloc();
	if (!usable || !bound) {
		vb_msg(why, why_len, "out of memory");
		hwloc_bitmap_free(usable);
		hwloc_bitmap_free(bound);
		hwloc_topology_destroy(topo);
		return -1;
	}
	hwloc_bitmap_and(usable, usable, hwloc_topology_get_allowed_cpuset(topo));
	if (hwloc_get_cpubind(topo, bound, HWLOC_CPUBIND_THREAD) == 0)
		hwloc_bitmap_and(usable, usable, bound);
	else
		hwloc_bitmap_copy(bound, usable);
	if (hwloc_bitmap_iszero(usable)) {
		vb_msg(why, why_len, "no usable CPU (online, allowed and in the affinity mask)");
		hwloc_bitmap_free(usable);
		hwloc_bitmap_free(bound);
		hwloc_topology_destroy(topo);
		return -1;
	}
	t->hw = topo;
	t->usable = usable;
	t->bound = bound;
	return 0;
}

void vb_topo_fini(struct vb_topo *t)
{
	if (!t->hw)
		return;
	hwloc_bitmap_free(t->usable);
	hwloc_bitmap_free(t->bound);
	hwloc_topology_destroy(HW(t));
	memset(t, 0, sizeof(*t));
}

int vb_topo_cpus(const struct vb_topo *t, int *cpus, int max)
{
	int n = 0, i;

	hwloc_bitmap_foreach_begin(i, USABLE(t)) {
		if (n < max)
			cpus[n] = i;
		n++;
	}
	hwloc_bitmap_foreach_end();
	return n;
}

/* Where a usable PU sits.  Ids are hwloc logical indices (unique per type);
 * -1 when the level does not exist. */
struct vb_pu {
	int os;
	int core, l3, numa, pkg;
};

static int vb_numa_of(hwloc_topology_t topo, hwloc_obj_t pu)
{
	hwloc_obj_t n = NULL;

	while ((n = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, n)))
		if (n->cpuset && hwloc_bitmap_isset(n->cpuset, pu->os_index))
			return (int)n->os_index;
	return -1;
}

static int vb_logical(hwloc_obj_t o)
{
	return o ? (int)o->logical_index : -1;
}

static void vb_pu_info(hwloc_topology_t topo, hwloc_obj_t pu, struct vb_pu *p)
{
	hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu);
	hwloc_obj_t l3 = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_L3CACHE, pu);
	hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, pu);

	p->os = (int)pu->os_index;
	/* no Core level: each PU is its own core */
	p->core = core ? vb_logical(core) : 1000000 + (int)pu->logical_index;
	p->pkg = pkg ? vb_logical(pkg) : 0;
	/* no L3 reported: the package is the L3 domain */
	p->l3 = l3 ? vb_logical(l3) : 1000000 + p->pkg;
	p->numa = vb_numa_of(topo, pu);
}

/* Usable PUs, ascending OS index.  Caller frees. */
static struct vb_pu *vb_pus(const struct vb_topo *t, int *n)
{
	int cnt = hwloc_bitmap_weight(USABLE(t)), i, k = 0;
	struct vb_pu *v = calloc(cnt > 0 ? (size_t)cnt : 1, sizeof(*v));

	if (!v)
		return NULL;
	hwloc_bitmap_foreach_begin(i, USABLE(t)) {
		hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(HW(t), (unsigned)i);

		if (pu && k < cnt)
			vb_pu_info(HW(t), pu, &v[k++]);
	}
	hwloc_bitmap_foreach_end();
	*n = k;
	return v;
}

/* Distinct values of one field over the usable PUs. */
static int vb_distinct(const struct vb_pu *v, int n, size_t off)
{
	int i, j, d = 0;

	for (i = 0; i < n; i++) {
		int x = *(const int *)((const char *)&v[i] + off);

		for (j = 0; j < i; j++)
			if (*(const int *)((const char *)&v[j] + off) == x)
				break;
		d += j == i;
	}
	return d;
}

/* Largest number of usable PUs on one core. */
static int vb_max_per_core(const struct vb_pu *v, int n)
{
	int i, j, best = 0;

	for (i = 0; i < n; i++) {
		int c = 0;

		for (j = 0; j < n; j++)
			c += v[j].core == v[i].core;
		if (c > best)
			best = c;
	}
	return best;
}

static bool vb_pair_match(enum vb_placement p, const struct vb_pu *a, const struct vb_pu *b,
			  bool strict)
{
	switch (p) {
	case VB_PLACE_SMT:
		return a->core == b->core;
	case VB_PLACE_SAME_L3:
		return a->core != b->core && a->l3 == b->l3;
	case VB_PLACE_CROSS_L3:
		/* first pass: on one NUMA node, so only the L3 differs */
		return a->l3 != b->l3 && (!strict || a->numa == b->numa);
	case VB_PLACE_CROSS_NUMA:
		return a->numa != b->numa && a->numa >= 0 && b->numa >= 0;
	default:
		return false;
	}
}

static int vb_pair_one(const struct vb_topo *t, const struct vb_pu *v, int n,
		       enum vb_placement p, int cpu[2], char *why, size_t len)
{
	int i, j, pass, cores = vb_distinct(v, n, offsetof(struct vb_pu, core));
	int l3s = vb_distinct(v, n, offsetof(struct vb_pu, l3));
	int nodes = vb_distinct(v, n, offsetof(struct vb_pu, numa));
	int per_core = vb_max_per_core(v, n);
	char set[256];

	vb_set_str(USABLE(t), set, sizeof(set));
	if (p == VB_PLACE_SAME_CORE) {
		cpu[0] = cpu[1] = v[0].os;
		vb_msg(why, len, "same-core: CPU %d twice (time-shared)", v[0].os);
		return 0;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			for (j = i + 1; j < n; j++) {
				if (!vb_pair_match(p, &v[i], &v[j], pass == 0))
					continue;
				cpu[0] = v[i].os;
				cpu[1] = v[j].os;
				switch (p) {
				case VB_PLACE_SMT:
					vb_msg(why, len, "smt: CPUs %d and %d (core L#%d)",
					       cpu[0], cpu[1], v[i].core);
					break;
				case VB_PLACE_SAME_L3:
					vb_msg(why, len, "same-l3: CPUs %d and %d (cores L#%d and L#%d, one L3)",
					       cpu[0], cpu[1], v[i].core, v[j].core);
					break;
				case VB_PLACE_CROSS_L3:
					if (v[i].numa == v[j].numa)
						vb_msg(why, len, "cross-l3: CPUs %d and %d (two L3 domains, NUMA node %d)",
						       cpu[0], cpu[1], v[i].numa);
					else
						vb_msg(why, len, "cross-l3: CPUs %d and %d (two L3 domains, NUMA nodes %d and %d)",
						       cpu[0], cpu[1], v[i].numa, v[j].numa);
					break;
				default:
					vb_msg(why, len, "cross-numa: CPUs %d and %d (NUMA nodes %d and %d)",
					       cpu[0], cpu[1], v[i].numa, v[j].numa);
					break;
				}
				return 0;
			}
		}
	}

	switch (p) {
	case VB_PLACE_SMT:
		vb_msg(why, len, "smt: no two PUs share a core on this machine (%d core%s, %s; usable CPUs %s)",
		       cores, cores == 1 ? "" : "s",
		       per_core <= 1 ? "1 PU each" : "SMT siblings outside the usable set", set);
		break;
	case VB_PLACE_SAME_L3:
		if (cores < 2)
			vb_msg(why, len, "same-l3: needs two cores, only 1 is usable (usable CPUs %s)",
			       set);
		else
			vb_msg(why, len, "same-l3: no two cores share an L3 on this machine (%d cores in %d L3 domains; usable CPUs %s)",
			       cores, l3s, set);
		break;
	case VB_PLACE_CROSS_L3:
		vb_msg(why, len, "cross-l3: all usable cores share one L3 (%d core%s; usable CPUs %s)",
		       cores, cores == 1 ? "" : "s", set);
		break;
	default:
		vb_msg(why, len, "cross-numa: all usable CPUs are on one NUMA node (%d node%s with usable CPUs; usable CPUs %s)",
		       nodes, nodes == 1 ? "" : "s", set);
		break;
	}
	return -1;
}

int vb_topo_pair(const struct vb_topo *t, enum vb_placement p, int cpu[2], char *why,
		 size_t why_len)
{
	static const enum vb_placement order[] = {VB_PLACE_SAME_L3, VB_PLACE_CROSS_L3,
						  VB_PLACE_SMT, VB_PLACE_SAME_CORE};
	struct vb_pu *v;
	int n = 0, rc = -1;
	unsigned i;

	if ((unsigned)p >= VB_NPLACE) {
		vb_msg(why, why_len, "unknown placement %d", (int)p);
		return -1;
	}
	v = vb_pus(t, &n);
	if (!v || n == 0) {
		vb_msg(why, why_len, "%s: no usable CPU", vb_placement_name(p));
		free(v);
		return -1;
	}
	if (p != VB_PLACE_AUTO) {
		rc = vb_pair_one(t, v, n, p, cpu, why, why_len);
	} else {
		for (i = 0; i < sizeof(order) / sizeof(order[0]) && rc; i++)
			rc = vb_pair_one(t, v, n, order[i], cpu, why, why_len);
		if (!rc && why && why_len) {
			char tmp[256];

			snprintf(tmp, sizeof(tmp), "auto -> %s", why);
			snprintf(why, why_len, "%s", tmp);
		}
	}
	free(v);
	return rc;
}

int vb_topo_cpu_ok(const struct vb_topo *t, int cpu, char *why, size_t why_len)
{
	hwloc_topology_t topo = HW(t);
	char set[256];

	if (cpu < 0) {
		vb_msg(why, why_len, "CPU %d: not a CPU number", cpu);
		return -1;
	}
	if (!hwloc_bitmap_isset(hwloc_topology_get_complete_cpuset(topo), (unsigned)cpu)) {
		vb_msg(why, why_len, "CPU %d does not exist (this machine has CPUs %s)", cpu,
		       vb_set_str(hwloc_topology_get_complete_cpuset(topo), set, sizeof(set)));
		return -1;
	}
	if (!hwloc_bitmap_isset(hwloc_topology_get_topology_cpuset(topo), (unsigned)cpu)) {
		vb_msg(why, why_len, "CPU %d is offline (online: %s)", cpu,
		       vb_set_str(hwloc_topology_get_topology_cpuset(topo), set, sizeof(set)));
		return -1;
	}
	if (!hwloc_bitmap_isset(hwloc_topology_get_allowed_cpuset(topo), (unsigned)cpu)) {
		vb_msg(why, why_len, "CPU %d is not allowed by this process's cpuset cgroup (allowed: %s)",
		       cpu, vb_set_str(hwloc_topology_get_allowed_cpuset(topo), set, sizeof(set)));
		return -1;
	}
	if (!hwloc_bitmap_isset(t->bound, (unsigned)cpu)) {
		vb_msg(why, why_len, "CPU %d is outside this process's affinity mask (allowed: %s)",
		       cpu, vb_set_str(t->bound, set, sizeof(set)));
		return -1;
	}
	return 0;
}

int vb_topo_cpu_node(const struct vb_topo *t, int cpu)
{
	hwloc_obj_t pu;

	if (cpu < 0 || !(pu = hwloc_get_pu_obj_by_os_index(HW(t), (unsigned)cpu)))
		return -1;
	return vb_numa_of(HW(t), pu);
}

/* ---- NUMA (libnuma) ---------------------------------------------------- */

static bool vb_numa_ok(void)
{
	/* numa_available() must precede any other libnuma call */
	return numa_available() >= 0;
}

int vb_topo_numa_nodes(void)
{
	int i, n = 0;

	if (!vb_numa_ok())
		return 1;
	for (i = 0; i <= numa_max_node(); i++)
		n += numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)i) != 0;
	return n ? n : 1;
}

static void vb_nodes_str(char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i <= numa_max_node() && off + 1 < len; i++) {
		if (!numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)i))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%d", off ? "," : "", i);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

int vb_topo_node_ok(int node, char *why, size_t why_len)
{
	char nodes[256];

	if (node == -1)
		return 0;
	if (node < 0) {
		vb_msg(why, why_len, "NUMA node %d: not a node number (-1 means no placement)",
		       node);
		return -1;
	}
	if (!vb_numa_ok()) {
		if (node == 0)
			return 0;	/* a non-NUMA system is node 0 */
		vb_msg(why, why_len, "NUMA node %d: this system has no NUMA support (numa_available() failed); only node 0 exists",
		       node);
		return -1;
	}
	vb_nodes_str(nodes, sizeof(nodes));
	if (node > numa_max_node()) {
		vb_msg(why, why_len, "NUMA node %d does not exist (nodes with memory: %s)", node,
		       nodes);
		return -1;
	}
	if (!numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)node)) {
		vb_msg(why, why_len, "NUMA node %d has no memory or is not allowed for this process (allowed: %s)",
		       node, nodes);
		return -1;
	}
	return 0;
}

/* ---- pinning and memory ------------------------------------------------- */

int vb_pin_thread(int cpu)
{
	cpu_set_t *set;
	size_t size;
	int rc;

	if (cpu == -1)
		return 0;
	if (cpu < 0)
		return -EINVAL;
	set = CPU_ALLOC((size_t)cpu + 1);
	if (!set)
		return -ENOMEM;
	size = CPU_ALLOC_SIZE((size_t)cpu + 1);
	CPU_ZERO_S(size, set);
	CPU_SET_S((size_t)cpu, size, set);
	rc = pthread_setaffinity_np(pthread_self(), size, set);
	CPU_FREE(set);
	return -rc;
}

static void *vb_alloc(size_t bytes, int node, int share)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile char *q;
	size_t off;
	void *p;
	int err;

	if (!bytes || node < -1) {
		errno = EINVAL;
		return NULL;
	}
	if (node >= 0 && !vb_numa_ok() && node != 0) {
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, share | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (node >= 0 && vb_numa_ok()) {
		struct bitmask *bm;
		long rc;

		if (node > numa_max_node()) {
			munmap(p, bytes);
			errno = EINVAL;
			return NULL;
		}
		/* mbind() rather than numa_alloc_onnode(): a failure is
		 * returned here instead of being printed and ignored. */
		bm = numa_allocate_nodemask();
		numa_bitmask_setbit(bm, (unsigned)node);
		rc = mbind(p, bytes, MPOL_BIND, bm->maskp, bm->size + 1, 0);
		err = errno;
		numa_bitmask_free(bm);
		if (rc != 0) {
			munmap(p, bytes);
			errno = err;
			return NULL;
		}
	}
	/* Fault every page in now (on the bound node), not in the measured
	 * phase.  Anonymous memory is zero already; writing 0 keeps it so. */
	q = p;
	for (off = 0; off < bytes; off += (size_t)(page > 0 ? page : 4096))
		q[off] = 0;
	return p;
}

void *vb_numa_alloc(size_t bytes, int node)
{
	return vb_alloc(bytes, node, MAP_PRIVATE);
}

void *vb_numa_alloc_shared(size_t bytes, int node)
{
	return vb_alloc(bytes, node, MAP_SHARED);
}

void vb_numa_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes);
}

/* ---- printing ------------------------------------------------------------ */

static const char *vb_size_str(uint64_t b, char *buf, size_t len)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned u = 0;
	double v = (double)b;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%.0f %s", v, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

/* A trimmed info string of @p o ("" when absent). */
static const char *vb_info(hwloc_obj_t o, const char *name, char *buf, size_t len)
{
	const char *s = o ? hwloc_obj_get_info_by_name(o, name) : NULL;
	size_t n;

	if (!s)
		s = "";
	while (isspace((unsigned char)*s))
		s++;
	snprintf(buf, len, "%s", s);
	n = strlen(buf);
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return buf;
}

static hwloc_obj_t vb_first_of(hwloc_topology_t topo, hwloc_obj_type_t type)
{
	return hwloc_get_next_obj_by_type(topo, type, NULL);
}

static uint64_t vb_cache_size(hwloc_topology_t topo, hwloc_obj_type_t type)
{
	hwloc_obj_t c = vb_first_of(topo, type);

	return c && c->attr ? c->attr->cache.size : 0;
}

static const char *vb_model(hwloc_topology_t topo, char *buf, size_t len)
{
	vb_info(vb_first_of(topo, HWLOC_OBJ_PACKAGE), "CPUModel", buf, len);
	if (!buf[0])
		vb_info(hwloc_get_root_obj(topo), "CPUModel", buf, len);
	if (!buf[0])
		snprintf(buf, len, "unknown CPU");
	return buf;
}

static int vb_count(hwloc_topology_t topo, hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(topo, type);

	return n > 0 ? n : 0;
}

static const char *vb_plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void vb_topo_summary(const struct vb_topo *t, char *buf, size_t len)
{
	hwloc_topology_t topo = HW(t);
	char model[128], l3[32], l2[32], l1[32], set[256];
	int pkgs = vb_count(topo, HWLOC_OBJ_PACKAGE), nodes = vb_count(topo, HWLOC_OBJ_NUMANODE);
	int l3s = vb_count(topo, HWLOC_OBJ_L3CACHE), cores = vb_count(topo, HWLOC_OBJ_CORE);
	int pus = vb_count(topo, HWLOC_OBJ_PU);

	snprintf(buf, len, "%s; %d %s, %d NUMA %s, %d L3, %d %s, %d %s; L3 %s, L2 %s, L1d %s; usable CPUs %s",
		 vb_model(topo, model, sizeof(model)), pkgs, vb_plural(pkgs, "package", "packages"),
		 nodes, vb_plural(nodes, "node", "nodes"), l3s, cores,
		 vb_plural(cores, "core", "cores"), pus, vb_plural(pus, "PU", "PUs"),
		 vb_size_str(vb_cache_size(topo, HWLOC_OBJ_L3CACHE), l3, sizeof(l3)),
		 vb_size_str(vb_cache_size(topo, HWLOC_OBJ_L2CACHE), l2, sizeof(l2)),
		 vb_size_str(vb_cache_size(topo, HWLOC_OBJ_L1CACHE), l1, sizeof(l1)),
		 vb_set_str(USABLE(t), set, sizeof(set)));
}

/* One line per L3 domain (or per package without L3). */
static void vb_print_domain(hwloc_topology_t topo, FILE *f, hwloc_obj_t dom, const char *what)
{
	hwloc_bitmap_t pus = hwloc_bitmap_dup(dom->cpuset);
	hwloc_obj_t core = hwloc_get_next_obj_inside_cpuset_by_type(topo, dom->cpuset,
								    HWLOC_OBJ_CORE, NULL);
	hwloc_obj_t l2 = NULL, l1 = NULL;
	int ncores = hwloc_get_nbobjs_inside_cpuset_by_type(topo, dom->cpuset, HWLOC_OBJ_CORE);
	int npus = hwloc_get_nbobjs_inside_cpuset_by_type(topo, dom->cpuset, HWLOC_OBJ_PU);
	char set[256], s1[32], s2[32], s3[32];

	if (!pus)
		return;
	hwloc_bitmap_and(pus, pus, hwloc_topology_get_topology_cpuset(topo));
	if (core) {
		l2 = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_L2CACHE, core);
		l1 = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_L1CACHE, core);
	}
	fprintf(f, "  %s", what);
	if (dom->type == HWLOC_OBJ_L3CACHE)
		fprintf(f, " %s", vb_size_str(dom->attr->cache.size, s3, sizeof(s3)));
	fprintf(f, ": %d %s, %d %s, CPUs %s", ncores, vb_plural(ncores, "core", "cores"), npus,
		vb_plural(npus, "PU", "PUs"), vb_set_str(pus, set, sizeof(set)));
	if (l2 || l1)
		fprintf(f, "; per core L2 %s, L1d %s",
			l2 ? vb_size_str(l2->attr->cache.size, s2, sizeof(s2)) : "?",
			l1 ? vb_size_str(l1->attr->cache.size, s1, sizeof(s1)) : "?");
	fprintf(f, "\n");
	hwloc_bitmap_free(pus);
}

void vb_topo_print(const struct vb_topo *t, FILE *f)
{
	hwloc_topology_t topo = HW(t);
	hwloc_obj_t root = hwloc_get_root_obj(topo), pkg = NULL, l3, node;
	char buf[256], buf2[256], sz[32];
	int npkg = vb_count(topo, HWLOC_OBJ_PACKAGE);

	vb_info(root, "DMIProductName", buf, sizeof(buf));
	fprintf(f, "Machine: %s, %s memory, %s\n", buf[0] ? buf : "unknown model",
		vb_size_str(root->total_memory, sz, sizeof(sz)),
		vb_info(root, "Architecture", buf2, sizeof(buf2)));
	for (;;) {
		hwloc_obj_t scope;
		char what[64];
		int n = 0;

		if (npkg) {
			pkg = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PACKAGE, pkg);
			if (!pkg)
				break;
			scope = pkg;
			vb_info(pkg, "CPUModel", buf, sizeof(buf));
			fprintf(f, "Package %u: %s\n", pkg->os_index,
				buf[0] ? buf : vb_model(topo, buf2, sizeof(buf2)));
		} else {
			scope = root;
			fprintf(f, "Package (not reported): %s\n", vb_model(topo, buf, sizeof(buf)));
		}
		node = NULL;
		while ((node = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, node))) {
			if (!node->cpuset || !hwloc_bitmap_intersects(node->cpuset, scope->cpuset))
				continue;
			fprintf(f, "  NUMA node %u: %s, CPUs %s\n", node->os_index,
				vb_size_str(node->attr->numanode.local_memory, sz, sizeof(sz)),
				vb_set_str(node->cpuset, buf, sizeof(buf)));
		}
		l3 = NULL;
		while ((l3 = hwloc_get_next_obj_inside_cpuset_by_type(topo, scope->cpuset,
								      HWLOC_OBJ_L3CACHE, l3))) {
			snprintf(what, sizeof(what), "L3 #%u", l3->logical_index);
			vb_print_domain(topo, f, l3, what);
			n++;
		}
		if (!n)
			vb_print_domain(topo, f, scope, "no L3 reported");
		if (!npkg)
			break;
	}
	{
		int pus = vb_count(topo, HWLOC_OBJ_PU), cores = vb_count(topo, HWLOC_OBJ_CORE);
		int nodes = vb_count(topo, HWLOC_OBJ_NUMANODE);
		int l3s = vb_count(topo, HWLOC_OBJ_L3CACHE);

		fprintf(f, "Total: %d %s, %d NUMA %s, %d L3, %d %s, %d %s (%s)\n", npkg,
			vb_plural(npkg, "package", "packages"), nodes,
			vb_plural(nodes, "node", "nodes"), l3s, cores,
			vb_plural(cores, "core", "cores"), pus, vb_plural(pus, "PU", "PUs"),
			cores && pus > cores ? "SMT on" : "no SMT");
	}
	fprintf(f, "Usable CPUs (online, allowed, affinity): %s\n",
		vb_set_str(USABLE(t), buf, sizeof(buf)));
}
