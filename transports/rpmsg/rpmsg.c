/* SPDX-License-Identifier: MIT */
/*
 * transports/rpmsg/rpmsg.c - the RPMsg bus over two vrq queues, host
 * (virtio driver) or remote (virtio device) role.
 *
 * Locks (never nested in the other order):
 *  - tx_lock (a futex mutex: one atomic exchange each way when nobody
 *    waits): the TX queue and the TX buffer bookkeeping; one sender at a
 *    time, held across a blocking wait for a buffer.
 *  - rx_lock (spinlock): the RX queue's ring operations, taken by the
 *    receive thread once to take a batch and once to return it, and by
 *    vrq_rpmsg_release() (any thread).  Callbacks run outside it.
 *  - ept_lock (mutex): endpoint creation/destruction and the name-service
 *    records; never taken on the per-message path.
 * Endpoint lookup on receive is lock-free: one acquire load in a direct
 * table for addresses below EPT_DIRECT (the name service and the first
 * dynamically allocated ones), else liburcu's RCU hash table.
 *
 * Endpoint lifetime.  There is one receive thread, so the receive side
 * needs no read lock of its own: a destroyed endpoint is unlinked (live 0,
 * out of both tables) and put on the bus's grave list under ept_lock; only
 * the receive thread, between two batches (when it holds no endpoint),
 * hands graves to call_rcu (the grace period covers the hash table's other
 * readers: creators under ept_lock, liburcu's resize workers).  The
 * receive thread marks its batches in rd_seq (odd inside); a barrier
 * from another thread takes the graves itself, makes sure the receive
 * thread's rd_seq store is visible (membarrier, or the receive thread
 * fences when membarrier is not there) and waits for an odd rd_seq to
 * change.  The hash table's own nodes still need the RCU read lock
 * around cds_lfht_lookup() (addresses >= EPT_DIRECT only).
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <urcu/urcu-bp.h>
#include <urcu/rculfhash.h>

#include "vrq/cache.h"
#include "vrq/rpmsg.h"

#if defined(__SANITIZE_THREAD__)
#define VRQ_RPMSG_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VRQ_RPMSG_TSAN 1
#endif
#endif
#ifdef VRQ_RPMSG_TSAN
/* liburcu is not instrumented: tell TSan about the two orderings it gives
 * us (publication of an endpoint through the hash table, and the grace
 * period before it is freed). */
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define TSAN_ACQUIRE(p) __tsan_acquire(p)
#define TSAN_RELEASE(p) __tsan_release(p)
#else
#define TSAN_ACQUIRE(p) ((void)(p))
#define TSAN_RELEASE(p) ((void)(p))
#endif

/* membarrier(2) commands (linux/membarrier.h, Linux 4.14+) */
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED_ (1 << 3)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_ (1 << 4)

static int membarrier_(int cmd)
{
#ifdef SYS_membarrier
	return (int)syscall(SYS_membarrier, cmd, 0, 0);
#else
	(void)cmd;
	return -1;
#endif
}

#define RX_BATCH 64u
/* remote: host buffers taken off the TX ring at once (see tx_refill()) */
#define TX_STASH 16u
/* endpoints with an address below this are found with one load */
#define EPT_DIRECT 2048u

struct vrq_rpmsg_ept {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	struct vrq_rpmsg *r;
	struct vrq_rpmsg_ept *next; /* all endpoints, then the grave list; under ept_lock */
	uint32_t addr;
	uint32_t dst;	/* atomic: bound destination or ADDR_ANY */
	uint32_t live;	/* atomic: 1 from publication until destroy */
	bool announced;
	vrq_rpmsg_cb cb;
	vrq_rpmsg_unbind_cb unbind;
	void *priv;
	char name[VRQ_RPMSG_NAME_SIZE];
};

struct svc {
	char name[VRQ_RPMSG_NAME_SIZE];
	uint32_t addr;
};

/* remote role: what the device knows about a chain it holds */
struct slot {
	uint8_t *va;
	uint32_t len;
	uint32_t noncoh;
};

enum { TX_FREE = 0, TX_RESERVED, TX_INFLIGHT };
/* rx_held[] states */
enum { HOLD_NONE = 0, HOLD_IN_CB, HOLD_HELD, HOLD_EARLY };

struct vrq_rpmsg {
	enum vrq_rpmsg_role role;
	unsigned rxi, txi; /* ring index of RX and TX */
	bool smp;	   /* both rings VRQ_DOM_SMP: the fixed-domain entry points */
	struct vrq_vq_drv drv[2];
	struct vrq_vq_dev dev[2];
	struct vrq_notifier *kick[2], *irq[2];
	bool ns;
	uint64_t send_timeout_ns;
	const struct vrq_mem *sbuf_mem;
	vrq_rpmsg_ns_cb ns_cb;
	void *ns_priv;

	/* host buffers */
	uint8_t *bufs;
	uint64_t bufs_da;
	uint32_t buf_size, bufs_flags;
	uint16_t num_rx, num_tx;

	/* TX side (tx_lock) */
	int tx_lock;		/* 0 free, 1 held, 2 held with waiters */
	uint8_t *tx_state;	/* host: per TX buffer; remote: per head */
	uint16_t *tx_free;	/* host: free TX buffers (a FIFO from tx_fh); remote: spare heads (a stack) */
	unsigned tx_nfree, tx_fh;
	uint16_t tx_stash[TX_STASH]; /* remote: popped heads, in ring order */
	unsigned tx_stash_i, tx_stash_n;
	struct slot *tx_slot;	/* remote: per head */
	struct vrq_seg *tx_seg;
	bool tx_pending;	/* MORE: added, not yet published */
	uint32_t payload_max;	/* atomic */

	/* RX side */
	int rx_lock;
	uint8_t *rx_held;	/* per token: 1 while a callback holds it (atomic) */
	struct slot *rx_slot;	/* remote: per head */
	struct vrq_seg *rx_seg;
	uint32_t rx_tok[RX_BATCH];
	uint32_t rx_len[RX_BATCH];
	uint32_t rx_ret[RX_BATCH];
	uint16_t rx_qsize;
	uint32_t rd_seq;	/* atomic, receive thread writes: odd while it dispatches */
	bool rd_fence;		/* no membarrier: the receive thread fences after rd_seq */

	/* endpoints (ept_lock) */
	pthread_mutex_t ept_lock;
	struct cds_lfht *ht;
	struct vrq_rpmsg_ept **direct; /* [EPT_DIRECT], RCU-protected, set under ept_lock */
	struct vrq_rpmsg_ept *all;
	struct vrq_rpmsg_ept *grave; /* unlinked, not yet given to call_rcu (atomic pointer) */
	unsigned nept;	/* atomic for readers; written under ept_lock */
	uint32_t next_addr;
	struct vrq_rpmsg_ept *ns_ept;
	struct svc *svc;
	unsigned nsvc, max_svc;

	struct vrq_rpmsg_stats st;
	uint64_t ns_tx; /* atomic (senders of NS may be outside tx_lock's counter updates) */
};

/* ---- small helpers --------------------------------------------------------- */

/* rx_lock: the acquire exchange pairs with the release store in
 * spin_unlock() of the previous holder. */
static void spin_lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			vrq_cpu_relax();
}

static void spin_unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/*
 * tx_lock: a three-state futex mutex (Drepper, "Futexes Are Tricky",
 * mutex3).  The acquire CAS / exchange pair with the release exchange in
 * tx_unlock() of the previous holder.
 */
/* one attempt; *c: the value found when it fails */
static bool tx_trylock(struct vrq_rpmsg *r, int *c)
{
	*c = 0;
	return __atomic_compare_exchange_n(&r->tx_lock, c, 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static void tx_lock(struct vrq_rpmsg *r)
{
	int c;

	if (tx_trylock(r, &c))
		return;
	if (c != 2)
		c = __atomic_exchange_n(&r->tx_lock, 2, __ATOMIC_ACQUIRE);
	while (c) {
		(void)syscall(SYS_futex, &r->tx_lock, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
		c = __atomic_exchange_n(&r->tx_lock, 2, __ATOMIC_ACQUIRE);
	}
}

static void tx_unlock(struct vrq_rpmsg *r)
{
	if (__atomic_exchange_n(&r->tx_lock, 0, __ATOMIC_RELEASE) == 2)
		(void)syscall(SYS_futex, &r->tx_lock, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static unsigned long addr_hash(uint32_t a)
{
	uint64_t h = (uint64_t)a * 0x9E3779B97F4A7C15ull;

	return (unsigned long)(h ^ (h >> 29));
}

static int addr_match(struct cds_lfht_node *node, const void *key)
{
	const struct vrq_rpmsg_ept *e = caa_container_of(node, struct vrq_rpmsg_ept, node);

	return e->addr == *(const uint32_t *)key;
}

static uint64_t now_ns(void)
{
	return vrq_notify_now_ns();
}

/* remaining time until @p deadline (0 = none: forever) as a wait timeout */
static uint64_t left_ns(uint64_t deadline)
{
	uint64_t n;

	if (!deadline)
		return 0;
	n = now_ns();
	return n >= deadline ? 1 : deadline - n;
}

static bool host(const struct vrq_rpmsg *r)
{
	return r->role == VRQ_RPMSG_HOST;
}

/*
 * The ring calls of the message path.  A bus whose rings are both
 * VRQ_DOM_SMP (every vrq link, every coherent remoteproc) takes the
 * fixed-domain entry points, one inlined body each (vq.h); an IO or
 * non-coherent ring the run-time ones.
 */
static inline int q_get_used(struct vrq_rpmsg *r, struct vrq_vq_drv *q, void **tok, uint32_t *len)
{
	return r->smp ? vrq_vq_drv_get_used_smp(q, tok, len) : vrq_vq_drv_get_used(q, tok, len);
}

static inline int q_get_used_batch(struct vrq_rpmsg *r, struct vrq_vq_drv *q, void **tok,
				   unsigned max)
{
	return r->smp ? vrq_vq_drv_get_used_batch_smp(q, tok, NULL, max)
		      : vrq_vq_drv_get_used_batch(q, tok, NULL, max);
}

static inline int q_pop(struct vrq_rpmsg *r, struct vrq_vq_dev *q, struct vrq_chain *c)
{
	return r->smp ? vrq_vq_dev_pop_smp(q, c) : vrq_vq_dev_pop(q, c);
}

static inline int q_add(struct vrq_rpmsg *r, struct vrq_vq_drv *q, const struct vrq_sg *sg,
			unsigned n_out, unsigned n_in, void *tok)
{
	return r->smp ? vrq_vq_drv_add_smp(q, sg, n_out, n_in, tok)
		      : vrq_vq_drv_add(q, sg, n_out, n_in, tok);
}

static inline int q_push(struct vrq_rpmsg *r, struct vrq_vq_dev *q, uint16_t head, uint32_t len)
{
	return r->smp ? vrq_vq_dev_push_smp(q, head, len) : vrq_vq_dev_push(q, head, len);
}

/* publish, then the notification decision (and the notification) */
static inline void q_drv_publish(struct vrq_rpmsg *r, struct vrq_vq_drv *q, struct vrq_notifier *kick)
{
	if (r->smp) {
		vrq_vq_drv_publish_smp(q);
		if (kick)
			(void)vrq_vq_drv_kick_smp(q, kick);
	} else {
		vrq_vq_drv_publish(q);
		if (kick)
			(void)vrq_vq_drv_kick(q, kick);
	}
}

static inline void q_dev_publish(struct vrq_rpmsg *r, struct vrq_vq_dev *q, struct vrq_notifier *irq)
{
	if (r->smp) {
		vrq_vq_dev_publish_smp(q);
		if (irq)
			(void)vrq_vq_dev_interrupt_smp(q, irq);
	} else {
		vrq_vq_dev_publish(q);
		if (irq)
			(void)vrq_vq_dev_interrupt(q, irq);
	}
}

static uint16_t dev_qsize(const struct vrq_vq_dev *q)
{
	return q->kind == VRQ_RING_SPLIT ? q->split.size : q->packed.size;
}

/* ---- endpoints ------------------------------------------------------------- */

static void rcu_read_lock_(struct vrq_rpmsg *r)
{
	(void)r;
	urcu_bp_read_lock();
}

static void rcu_read_unlock_(struct vrq_rpmsg *r)
{
	TSAN_RELEASE(r);
	urcu_bp_read_unlock();
}

static void free_ept_rcu(struct rcu_head *h);

/* receive thread: a batch of dispatches begins (rd_seq odd) */
static inline void rd_begin(struct vrq_rpmsg *r)
{
	__atomic_store_n(&r->rd_seq, r->rd_seq + 1, __ATOMIC_RELAXED);
	/* store -> load: the odd rd_seq is visible before the table loads of
	 * the batch; pairs with the heavy barrier (or the fence) before the
	 * load of rd_seq in vrq_rpmsg_barrier().  With membarrier the heavy
	 * barrier orders it, so only the compiler must not move the loads up. */
	if (r->rd_fence)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	else
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* receive thread: the batch ended; it holds no endpoint now */
static inline void rd_end(struct vrq_rpmsg *r)
{
	/* pairs with the acquire loads of rd_seq in vrq_rpmsg_barrier():
	 * the batch's uses of endpoints happen before their free */
	__atomic_store_n(&r->rd_seq, r->rd_seq + 1, __ATOMIC_RELEASE);
}

/* ept_lock held: take the grave list */
static struct vrq_rpmsg_ept *grave_take(struct vrq_rpmsg *r)
{
	struct vrq_rpmsg_ept *g = r->grave;

	__atomic_store_n(&r->grave, NULL, __ATOMIC_RELAXED);
	return g;
}

/* receive thread, outside a batch: it holds none of the graves, so they go
 * to call_rcu (the other readers of the hash table) */
static void grave_reclaim(struct vrq_rpmsg *r)
{
	struct vrq_rpmsg_ept *g, *n;

	/* relaxed peek: the list itself is read under ept_lock */
	if (!__atomic_load_n(&r->grave, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&r->ept_lock);
	g = grave_take(r);
	pthread_mutex_unlock(&r->ept_lock);
	TSAN_RELEASE(r); /* this thread's uses: pairs with TSAN_ACQUIRE in free_ept_rcu() */
	for (; g; g = n) {
		n = g->next;
		urcu_bp_call_rcu(&g->rcu, free_ept_rcu);
	}
}

static struct vrq_rpmsg_ept *lookup(struct vrq_rpmsg *r, uint32_t addr)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct vrq_rpmsg_ept *e;

	/* the caller is the receive thread inside a batch (rd_seq odd) or
	 * holds ept_lock: e stays allocated until it lets go (see the top) */
	if (addr < EPT_DIRECT) {
		/* pairs with the release store in vrq_rpmsg_create_ept() */
		e = __atomic_load_n(&r->direct[addr], __ATOMIC_ACQUIRE);
		if (!e)
			return NULL;
	} else {
		/* the table's own nodes: RCU */
		rcu_read_lock_(r);
		cds_lfht_lookup(r->ht, addr_hash(addr), addr_match, &addr, &it);
		n = cds_lfht_iter_get_node(&it);
		rcu_read_unlock_(r);
		if (!n)
			return NULL;
		e = caa_container_of(n, struct vrq_rpmsg_ept, node);
	}
	TSAN_ACQUIRE(e); /* pairs with TSAN_RELEASE in vrq_rpmsg_create_ept() */
	/* pairs with the release store of live in create / destroy */
	return __atomic_load_n(&e->live, __ATOMIC_ACQUIRE) ? e : NULL;
}

static void free_ept_rcu(struct rcu_head *h)
{
	struct vrq_rpmsg_ept *e = caa_container_of(h, struct vrq_rpmsg_ept, rcu);

	TSAN_ACQUIRE(e->r); /* the grace period: pairs with read-unlock releases */
	free(e);
}

static struct svc *svc_find(struct vrq_rpmsg *r, const char *name, uint32_t addr)
{
	unsigned i;

	for (i = 0; i < r->nsvc; i++)
		if (!strcmp(r->svc[i].name, name) &&
		    (addr == VRQ_RPMSG_ADDR_ANY || r->svc[i].addr == addr))
			return &r->svc[i];
	return NULL;
}

static int send_ns(struct vrq_rpmsg *r, const char *name, uint32_t addr, uint32_t flags)
{
	uint8_t msg[sizeof(struct vrq_rpmsg_ns_msg)];
	int rc = vrq_rpmsg_put_ns(msg, name, addr, flags);

	if (rc)
		return rc;
	/* Linux sends its announcements from the endpoint's address */
	rc = vrq_rpmsg_send_offchannel(r, addr, VRQ_RPMSG_NS_ADDR, msg, sizeof(msg),
				       r->send_timeout_ns, 0);
	if (!rc)
		__atomic_fetch_add(&r->ns_tx, 1, __ATOMIC_RELAXED);
	return rc;
}

static int ns_rx(struct vrq_rpmsg_ept *self, const struct vrq_rpmsg_rx *m, void *priv);

struct vrq_rpmsg_ept *vrq_rpmsg_create_ept(struct vrq_rpmsg *r, const char *name, uint32_t addr,
					   uint32_t dst, vrq_rpmsg_cb cb, vrq_rpmsg_unbind_cb unbind,
					   void *priv, int *err)
{
	struct vrq_rpmsg_ept *e;
	struct cds_lfht_node *got;
	struct svc *s;
	bool announce = false;
	int dummy, rc;

	if (!err)
		err = &dummy;
	*err = -EINVAL;
	if (!r || !cb || (name && strnlen(name, VRQ_RPMSG_NAME_SIZE) >= VRQ_RPMSG_NAME_SIZE))
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e) {
		*err = -ENOMEM;
		return NULL;
	}
	e->r = r;
	e->cb = cb;
	e->unbind = unbind;
	e->priv = priv;
	e->dst = dst;
	if (name)
		strcpy(e->name, name);

	pthread_mutex_lock(&r->ept_lock);
	rcu_read_lock_(r);
	if (addr == VRQ_RPMSG_ADDR_ANY) {
		uint32_t tries;

		for (tries = 0; tries < 1u << 20; tries++) {
			uint32_t a = r->next_addr++;

			if (r->next_addr == VRQ_RPMSG_ADDR_ANY)
				r->next_addr = VRQ_RPMSG_RESERVED_ADDRESSES;
			if (!lookup(r, a)) {
				addr = a;
				break;
			}
		}
		if (addr == VRQ_RPMSG_ADDR_ANY) {
			rcu_read_unlock_(r);
			pthread_mutex_unlock(&r->ept_lock);
			free(e);
			*err = -ENOSPC;
			return NULL;
		}
	}
	e->addr = addr;
	if (e->name[0] && r->ns && dst == VRQ_RPMSG_ADDR_ANY) {
		s = svc_find(r, e->name, VRQ_RPMSG_ADDR_ANY);
		if (s)
			e->dst = s->addr; /* the peer announced it already: bind */
		announce = addr != VRQ_RPMSG_NS_ADDR;
	}
	e->announced = announce;
	TSAN_RELEASE(e); /* pairs with TSAN_ACQUIRE in lookup() */
	/* pairs with the acquire load of live in lookup(): the fields above
	 * are visible to a receive thread that finds the endpoint */
	__atomic_store_n(&e->live, 1, __ATOMIC_RELEASE);
	cds_lfht_node_init(&e->node);
	got = cds_lfht_add_unique(r->ht, addr_hash(addr), addr_match, &e->addr, &e->node);
	rcu_read_unlock_(r);
	if (got != &e->node) {
		pthread_mutex_unlock(&r->ept_lock);
		free(e);
		*err = -EEXIST;
		return NULL;
	}
	if (addr < EPT_DIRECT)
		/* pairs with the acquire load in lookup() */
		__atomic_store_n(&r->direct[addr], e, __ATOMIC_RELEASE);
	e->next = r->all;
	r->all = e;
	__atomic_store_n(&r->nept, r->nept + 1, __ATOMIC_RELAXED); /* read by vrq_rpmsg_ept_count() */
	pthread_mutex_unlock(&r->ept_lock);

	if (announce) {
		rc = send_ns(r, e->name, e->addr, VRQ_RPMSG_NS_CREATE);
		if (rc) {
			e->announced = false;
			vrq_rpmsg_destroy_ept(e);
			*err = rc;
			return NULL;
		}
	}
	*err = 0;
	return e;
}

/* unlink under ept_lock; returns true if it was linked */
static bool unlink_ept(struct vrq_rpmsg *r, struct vrq_rpmsg_ept *e)
{
	struct vrq_rpmsg_ept **pp;

	if (!__atomic_load_n(&e->live, __ATOMIC_RELAXED))
		return false;
	/* pairs with the acquire in lookup(): a receive thread that still
	 * finds the node sees it dead and does not call it */
	__atomic_store_n(&e->live, 0, __ATOMIC_RELEASE);
	/* relaxed: a reader that still loads e sees live == 0 (the release
	 * above) and e stays allocated until its grace period ends */
	if (e->addr < EPT_DIRECT)
		__atomic_store_n(&r->direct[e->addr], NULL, __ATOMIC_RELAXED);
	rcu_read_lock_(r);
	cds_lfht_del(r->ht, &e->node);
	rcu_read_unlock_(r);
	for (pp = &r->all; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	__atomic_store_n(&r->nept, r->nept - 1, __ATOMIC_RELAXED);
	if (e == r->ns_ept)
		r->ns_ept = NULL;
	/* to the receive thread (grave_reclaim()) or a barrier */
	e->next = r->grave;
	__atomic_store_n(&r->grave, e, __ATOMIC_RELAXED);
	return true;
}

void vrq_rpmsg_destroy_ept(struct vrq_rpmsg_ept *e)
{
	struct vrq_rpmsg *r;
	char name[VRQ_RPMSG_NAME_SIZE];
	uint32_t addr;
	bool was, announced;

	if (!e)
		return;
	r = e->r;
	pthread_mutex_lock(&r->ept_lock);
	was = unlink_ept(r, e);
	announced = e->announced;
	/* e may be freed once the lock is dropped */
	memcpy(name, e->name, sizeof(name));
	addr = e->addr;
	pthread_mutex_unlock(&r->ept_lock);
	if (was && announced)
		(void)send_ns(r, name, addr, VRQ_RPMSG_NS_DESTROY);
}

void vrq_rpmsg_barrier(struct vrq_rpmsg *r)
{
	struct vrq_rpmsg_ept *g, *n;
	uint32_t seq;

	pthread_mutex_lock(&r->ept_lock);
	g = grave_take(r);
	pthread_mutex_unlock(&r->ept_lock);
	/* the graves are out of the tables (ept_lock); a receive thread that
	 * may have found one is inside a batch: make its odd rd_seq visible
	 * (pairs with rd_begin()) and wait for that batch to end */
	if (!r->rd_fence)
		(void)membarrier_(MEMBARRIER_CMD_PRIVATE_EXPEDITED_); /* registered in create */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* pairs with the release store in rd_end() */
	seq = __atomic_load_n(&r->rd_seq, __ATOMIC_ACQUIRE);
	if (seq & 1)
		while (__atomic_load_n(&r->rd_seq, __ATOMIC_ACQUIRE) == seq)
			sched_yield();
	urcu_bp_synchronize_rcu(); /* the hash table's other readers */
	TSAN_ACQUIRE(r); /* the grace period: pairs with read-unlock releases */
	for (; g; g = n) {
		n = g->next;
		free(g);
	}
	urcu_bp_barrier(); /* the graves handed to call_rcu before */
	TSAN_ACQUIRE(r);
}

uint32_t vrq_rpmsg_ept_addr(const struct vrq_rpmsg_ept *e)
{
	return e->addr;
}

uint32_t vrq_rpmsg_ept_dst(const struct vrq_rpmsg_ept *e)
{
	return __atomic_load_n(&e->dst, __ATOMIC_RELAXED);
}

struct vrq_rpmsg *vrq_rpmsg_ept_bus(const struct vrq_rpmsg_ept *e)
{
	return e->r;
}

unsigned vrq_rpmsg_ept_count(const struct vrq_rpmsg *r)
{
	return __atomic_load_n(&r->nept, __ATOMIC_RELAXED);
}

/* ---- name service (runs on the receive thread) ----------------------------- */

static int ns_rx(struct vrq_rpmsg_ept *self, const struct vrq_rpmsg_rx *m, void *priv)
{
	struct vrq_rpmsg *r = priv;
	char name[VRQ_RPMSG_NAME_SIZE];
	struct vrq_rpmsg_ept *bound[8], *e;
	unsigned nb = 0, i;
	uint32_t addr, flags;
	bool have_local = false;

	(void)self;
	if (vrq_rpmsg_parse_ns(m->data, m->len, name, &addr, &flags)) {
		r->st.ns_bad++;
		return 0;
	}
	pthread_mutex_lock(&r->ept_lock);
	if (flags == VRQ_RPMSG_NS_CREATE) {
		r->st.ns_rx_create++;
		if (!svc_find(r, name, addr)) {
			if (r->nsvc < r->max_svc) {
				strcpy(r->svc[r->nsvc].name, name);
				r->svc[r->nsvc].addr = addr;
				r->nsvc++;
			} else {
				r->st.ns_dropped++;
				pthread_mutex_unlock(&r->ept_lock);
				return 0;
			}
		}
		for (e = r->all; e; e = e->next) {
			if (strcmp(e->name, name))
				continue;
			have_local = true;
			/* bind an unbound endpoint of that name (OpenAMP) */
			uint32_t any = VRQ_RPMSG_ADDR_ANY;
			__atomic_compare_exchange_n(&e->dst, &any, addr, false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
		}
	} else {
		struct svc *s = svc_find(r, name, addr);

		r->st.ns_rx_destroy++;
		if (s) {
			*s = r->svc[--r->nsvc];
		}
		for (e = r->all; e; e = e->next) {
			uint32_t was = addr;

			/* endpoints bound to the withdrawn address: those of that
			 * name, and nameless channels (created by an ns callback) */
			if (e->name[0] && strcmp(e->name, name))
				continue;
			if (e->name[0])
				have_local = true;
			if (__atomic_compare_exchange_n(&e->dst, &was, VRQ_RPMSG_ADDR_ANY, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED) &&
			    e->unbind && nb < 8)
				bound[nb++] = e;
		}
	}
	pthread_mutex_unlock(&r->ept_lock);
	/* callbacks outside the lock (they may create or destroy endpoints);
	 * the endpoints stay allocated: this is the receive thread in a batch */
	for (i = 0; i < nb; i++)
		bound[i]->unbind(bound[i], bound[i]->priv);
	if (r->ns_cb && !(have_local && flags == VRQ_RPMSG_NS_CREATE))
		r->ns_cb(r, name, addr, flags == VRQ_RPMSG_NS_CREATE, r->ns_priv);
	return 0;
}

/* ---- TX ---------------------------------------------------------------------- */

/*
 * Host: the free TX buffers are a FIFO in the order the remote returned
 * them, like the ring's free descriptor list (vrq__split_drv_free()): the
 * next add then pairs each buffer with the descriptor that described it
 * last time, so the descriptor (and its avail entry) is left unchanged by
 * the ring's compare-before-write and its line stops moving between the
 * cores, in a stream as in a request/response exchange.
 */
static inline void txf_push_back(struct vrq_rpmsg *r, uint32_t tok)
{
	unsigned i = r->tx_fh + r->tx_nfree;

	r->tx_free[i >= r->num_tx ? i - r->num_tx : i] = (uint16_t)tok;
	r->tx_nfree++;
}

static inline uint32_t txf_pop_front(struct vrq_rpmsg *r)
{
	uint32_t tok = r->tx_free[r->tx_fh];

	r->tx_fh = r->tx_fh + 1 == r->num_tx ? 0 : r->tx_fh + 1;
	r->tx_nfree--;
	return tok;
}

/* Host: take back the TX buffers the remote consumed (in batches: one
 * read of the used index per batch); 0 or the ring's error. */
static int tx_reclaim(struct vrq_rpmsg *r)
{
	struct vrq_vq_drv *q = &r->drv[r->txi];
	void *tok[RX_BATCH];
	int rc, k;

	for (;;) {
		rc = q_get_used_batch(r, q, tok, RX_BATCH);
		if (rc <= 0)
			return rc;
		for (k = 0; k < rc; k++) {
			uint32_t i = (uint32_t)((uintptr_t)tok[k] - 1);

			r->tx_state[i] = TX_FREE;
			txf_push_back(r, i);
		}
		if (rc < (int)RX_BATCH)
			return 0;
	}
}

/*
 * Remote: take up to TX_STASH host buffers off the TX ring into the stash,
 * in ring order (so that used entries follow the avail order, as IN_ORDER
 * wants).  Popping a batch reads the avail index and the descriptors the
 * host wrote when it posted them once per batch, not once per message,
 * and vrq_rpmsg_wait() refills an empty stash while the remote is idle, so
 * a reply usually finds its buffer at hand.  Buffers already in the stash
 * are not looked at again.  > 0 heads stashed, 0 none, < 0 broken.
 */
static int tx_refill(struct vrq_rpmsg *r)
{
	struct vrq_vq_dev *q = &r->dev[r->txi];
	struct vrq_chain c;
	unsigned n = 0;
	int rc = 0;

	while (n < TX_STASH) {
		vrq_chain_init(&c, r->tx_seg, dev_qsize(q));
		rc = q_pop(r, q, &c);
		if (rc <= 0)
			break;
		/* Linux posts one device-writable buffer per descriptor */
		if (c.n_out != 0 || c.n < 1 || c.seg[0].len <= VRQ_RPMSG_HDR_SIZE) {
			r->st.tx_bad_buf++;
			rc = q_push(r, q, c.head, 0);
			if (rc < 0)
				break;
			r->tx_pending = true; /* published with the next send */
			continue;
		}
		r->tx_slot[c.head].va = c.seg[0].va;
		r->tx_slot[c.head].len = c.seg[0].len > 0xFFFFu + VRQ_RPMSG_HDR_SIZE
						 ? 0xFFFFu + VRQ_RPMSG_HDR_SIZE
						 : c.seg[0].len;
		r->tx_slot[c.head].noncoh = c.seg[0].flags & VRQ_SEG_NONCOH;
		__atomic_store_n(&r->payload_max, r->tx_slot[c.head].len - VRQ_RPMSG_HDR_SIZE,
				 __ATOMIC_RELAXED);
		r->tx_stash[n++] = c.head;
	}
	r->tx_stash_i = 0;
	r->tx_stash_n = n;
	return n ? (int)n : rc;
}

static void tx_publish(struct vrq_rpmsg *r)
{
	if (host(r))
		q_drv_publish(r, &r->drv[r->txi], r->kick[r->txi]);
	else
		q_dev_publish(r, &r->dev[r->txi], r->irq[r->txi]);
	r->tx_pending = false;
	r->st.tx_publishes++;
}

/* under tx_lock: reserve a free buffer; 0, -EAGAIN (none), < 0 broken */
static int tx_take(struct vrq_rpmsg *r, struct vrq_rpmsg_txbuf *tb)
{
	int rc;

	if (host(r)) {
		if (!r->tx_nfree) {
			rc = tx_reclaim(r);
			if (rc < 0)
				return rc;
			if (!r->tx_nfree)
				return -EAGAIN;
		}
		uint32_t i = txf_pop_front(r);

		r->tx_state[i] = TX_RESERVED;
		tb->data = r->bufs + (size_t)(r->num_rx + i) * r->buf_size + VRQ_RPMSG_HDR_SIZE;
		tb->cap = r->buf_size - VRQ_RPMSG_HDR_SIZE;
		tb->token = i;
		return 0;
	}

	uint32_t head;

	if (r->tx_nfree) {
		head = r->tx_free[--r->tx_nfree];
	} else {
		if (r->tx_stash_i == r->tx_stash_n) {
			rc = tx_refill(r);
			if (rc < 0)
				return rc;
			if (rc == 0)
				return -EAGAIN;
		}
		head = r->tx_stash[r->tx_stash_i++];
	}
	r->tx_state[head] = TX_RESERVED;
	tb->data = r->tx_slot[head].va + VRQ_RPMSG_HDR_SIZE;
	tb->cap = r->tx_slot[head].len - VRQ_RPMSG_HDR_SIZE;
	tb->token = head;
	return 0;
}

/* under tx_lock: a buffer or an error */
static int tx_get(struct vrq_rpmsg *r, struct vrq_rpmsg_txbuf *tb, uint64_t timeout_ns)
{
	uint64_t deadline = 0;
	bool waited = false;
	int rc;

	for (;;) {
		rc = tx_take(r, tb);
		if (rc != -EAGAIN)
			return rc;
		if (timeout_ns == 0) {
			r->st.tx_eagain++;
			return -EAGAIN;
		}
		if (r->tx_pending)
			tx_publish(r); /* our own pending sends may be what frees buffers */
		if (!waited) {
			waited = true;
			r->st.tx_waits++;
			if (timeout_ns != VRQ_RPMSG_FOREVER)
				deadline = now_ns() + timeout_ns;
		} else if (deadline && now_ns() >= deadline) {
			r->st.tx_timeouts++;
			return -ETIMEDOUT;
		}
		if (host(r) && r->irq[r->txi])
			rc = vrq_vq_drv_wait(&r->drv[r->txi], r->irq[r->txi], left_ns(deadline));
		else if (!host(r) && r->kick[r->txi])
			rc = vrq_vq_dev_wait(&r->dev[r->txi], r->kick[r->txi], left_ns(deadline));
		else {
			vrq_cpu_relax();
			rc = 0;
		}
		if (rc == -ETIMEDOUT) {
			r->st.tx_timeouts++;
			return rc;
		}
		if (rc < 0)
			return rc;
	}
}

/*
 * Write a message header.  On coherent memory a header equal to the one
 * already in the buffer (a stream to one address reuses buffers with the
 * same header) is not stored again: the line then stays shared in both
 * caches instead of moving to this CPU and back to the reader, as the
 * rings' descriptors do (compare before write).  Non-coherent buffers are
 * always written (the clean that follows is what the peer sees).
 */
static inline void put_hdr(uint8_t *b, uint32_t src, uint32_t dst, uint32_t len, bool noncoh)
{
	/* struct vrq_rpmsg_hdr, little-endian: {src, dst} {reserved 0, len, flags 0} */
	uint64_t h[2] = {vrq_cpu_to_le64((uint64_t)src | (uint64_t)dst << 32),
			 vrq_cpu_to_le64((uint64_t)(uint16_t)len << 32)};
	uint64_t old[2];

	if (!noncoh) {
		memcpy(old, b, sizeof(old));
		if (!((old[0] ^ h[0]) | (old[1] ^ h[1])))
			return;
	}
	memcpy(b, h, sizeof(h));
}

/* under tx_lock: hand a reserved buffer with a header to the ring */
static int tx_commit(struct vrq_rpmsg *r, uint32_t src, uint32_t dst, uint32_t tok, uint32_t len,
		     unsigned flags)
{
	int rc;

	if (host(r)) {
		uint8_t *b = r->bufs + (size_t)(r->num_rx + tok) * r->buf_size;
		struct vrq_sg sg = {r->bufs_da + (uint64_t)(r->num_rx + tok) * r->buf_size,
				    VRQ_RPMSG_HDR_SIZE + len};

		put_hdr(b, src, dst, len, r->bufs_flags & VRQ_MEM_NONCOHERENT);
		if (r->bufs_flags & VRQ_MEM_NONCOHERENT)
			vrq__cache_clean(b, sg.len, VRQ__SITE);
		rc = q_add(r, &r->drv[r->txi], &sg, 1, 0, (void *)(uintptr_t)(tok + 1));
		if (rc)
			return rc;
	} else {
		struct slot *s = &r->tx_slot[tok];

		put_hdr(s->va, src, dst, len, s->noncoh);
		if (s->noncoh)
			vrq__cache_clean(s->va, VRQ_RPMSG_HDR_SIZE + len, VRQ__SITE);
		rc = q_push(r, &r->dev[r->txi], (uint16_t)tok, VRQ_RPMSG_HDR_SIZE + len);
		if (rc)
			return rc;
	}
	r->tx_state[tok] = TX_INFLIGHT;
	r->st.tx_msgs++;
	r->st.tx_bytes += len;
	r->tx_pending = true;
	if (!(flags & VRQ_RPMSG_MORE))
		tx_publish(r);
	return 0;
}

static void tx_unreserve(struct vrq_rpmsg *r, uint32_t tok)
{
	r->tx_state[tok] = TX_FREE;
	if (host(r)) {
		/* back where it came from: the next add takes it with the same
		 * descriptor it would have had */
		r->tx_fh = r->tx_fh ? r->tx_fh - 1 : r->num_tx - 1u;
		r->tx_free[r->tx_fh] = (uint16_t)tok;
		r->tx_nfree++;
	} else {
		r->tx_free[r->tx_nfree++] = (uint16_t)tok;
	}
}

int vrq_rpmsg_send_offchannel(struct vrq_rpmsg *r, uint32_t src, uint32_t dst, const void *data,
			      uint32_t len, uint64_t timeout_ns, unsigned flags)
{
	struct vrq_rpmsg_txbuf tb;
	int rc;

	if (!r || dst == VRQ_RPMSG_ADDR_ANY || src == VRQ_RPMSG_ADDR_ANY || (len && !data) ||
	    (flags & ~VRQ_RPMSG_MORE))
		return -EINVAL;
	if (len > 0xFFFFu)
		return -EMSGSIZE;
	tx_lock(r);
	rc = tx_get(r, &tb, timeout_ns);
	if (!rc) {
		if (len > tb.cap) {
			tx_unreserve(r, tb.token);
			rc = -EMSGSIZE;
		} else {
			memcpy(tb.data, data, len);
			rc = tx_commit(r, src, dst, tb.token, len, flags);
		}
	}
	tx_unlock(r);
	return rc;
}

int vrq_rpmsg_send(struct vrq_rpmsg_ept *e, const void *data, uint32_t len)
{
	return vrq_rpmsg_send_offchannel(e->r, e->addr, vrq_rpmsg_ept_dst(e), data, len,
					 e->r->send_timeout_ns, 0);
}

int vrq_rpmsg_sendto(struct vrq_rpmsg_ept *e, uint32_t dst, const void *data, uint32_t len)
{
	return vrq_rpmsg_send_offchannel(e->r, e->addr, dst, data, len, e->r->send_timeout_ns, 0);
}

int vrq_rpmsg_trysend(struct vrq_rpmsg_ept *e, const void *data, uint32_t len)
{
	return vrq_rpmsg_send_offchannel(e->r, e->addr, vrq_rpmsg_ept_dst(e), data, len, 0, 0);
}

int vrq_rpmsg_get_tx_buffer(struct vrq_rpmsg *r, struct vrq_rpmsg_txbuf *tb, uint64_t timeout_ns)
{
	int rc;

	if (!r || !tb)
		return -EINVAL;
	tx_lock(r);
	rc = tx_get(r, tb, timeout_ns);
	tx_unlock(r);
	return rc;
}

int vrq_rpmsg_get_tx_buffers(struct vrq_rpmsg *r, struct vrq_rpmsg_txbuf *tb, unsigned n,
			     uint64_t timeout_ns)
{
	unsigned i = 1;
	int rc;

	if (!r || !tb || !n)
		return -EINVAL;
	tx_lock(r);
	rc = tx_get(r, &tb[0], timeout_ns);
	if (!rc)
		while (i < n && tx_take(r, &tb[i]) == 0)
			i++; /* an error here shows again at the next call */
	tx_unlock(r);
	return rc ? rc : (int)i;
}

static bool tx_token_ok(const struct vrq_rpmsg *r, const struct vrq_rpmsg_txbuf *tb)
{
	uint32_t n = host(r) ? r->num_tx : dev_qsize(&r->dev[r->txi]);

	return tb->token < n && r->tx_state[tb->token] == TX_RESERVED;
}

int vrq_rpmsg_send_nocopy(struct vrq_rpmsg_ept *e, uint32_t dst, struct vrq_rpmsg_txbuf *tb,
			  uint32_t len, unsigned flags)
{
	struct vrq_rpmsg *r;
	int rc;

	if (!e || !tb || dst == VRQ_RPMSG_ADDR_ANY || (flags & ~VRQ_RPMSG_MORE))
		return -EINVAL;
	r = e->r;
	tx_lock(r);
	if (!tx_token_ok(r, tb))
		rc = -EINVAL;
	else if (len > tb->cap)
		rc = -EMSGSIZE;
	else
		rc = tx_commit(r, e->addr, dst, tb->token, len, flags);
	tx_unlock(r);
	if (!rc)
		tb->data = NULL;
	return rc;
}

int vrq_rpmsg_send_nocopy_batch(struct vrq_rpmsg_ept *e, uint32_t dst, struct vrq_rpmsg_txbuf *tb,
				const uint32_t *len, unsigned n, unsigned flags)
{
	struct vrq_rpmsg *r;
	unsigned i;
	int rc = 0;

	if (!e || !tb || !len || !n || dst == VRQ_RPMSG_ADDR_ANY || (flags & ~VRQ_RPMSG_MORE))
		return -EINVAL;
	r = e->r;
	tx_lock(r);
	for (i = 0; i < n; i++) {
		/* a duplicate token fails here: its first commit made it in flight */
		if (!tx_token_ok(r, &tb[i]))
			rc = -EINVAL;
		else if (len[i] > tb[i].cap)
			rc = -EMSGSIZE;
		else
			rc = tx_commit(r, e->addr, dst, tb[i].token, len[i], VRQ_RPMSG_MORE);
		if (rc)
			break;
		tb[i].data = NULL;
	}
	if (r->tx_pending && !(flags & VRQ_RPMSG_MORE))
		tx_publish(r);
	tx_unlock(r);
	return i ? (int)i : rc;
}

int vrq_rpmsg_release_tx_buffer(struct vrq_rpmsg *r, struct vrq_rpmsg_txbuf *tb)
{
	int rc = 0;

	if (!r || !tb)
		return -EINVAL;
	tx_lock(r);
	if (!tx_token_ok(r, tb))
		rc = -EINVAL;
	else
		tx_unreserve(r, tb->token);
	tx_unlock(r);
	if (!rc)
		tb->data = NULL;
	return rc;
}

int vrq_rpmsg_flush(struct vrq_rpmsg *r)
{
	if (!r)
		return -EINVAL;
	tx_lock(r);
	if (r->tx_pending)
		tx_publish(r);
	tx_unlock(r);
	return 0;
}

int vrq_rpmsg_send_sbuf(struct vrq_rpmsg_ept *e, uint32_t dst, uint32_t txn, uint16_t flags,
			struct vrq_sbuf_ref *refs, unsigned nref, const void *inl,
			uint32_t inl_len, uint64_t timeout_ns)
{
	struct vrq_rpmsg_txbuf tb;
	struct vrq_rpmsg *r;
	int rc, n;

	if (!e || dst == VRQ_RPMSG_ADDR_ANY)
		return -EINVAL;
	r = e->r;
	tx_lock(r);
	rc = tx_get(r, &tb, timeout_ns);
	if (rc)
		goto out;
	n = vrq_sbuf_build(r->sbuf_mem, tb.data, tb.cap, txn, flags, refs, nref, inl, inl_len);
	if (n < 0) {
		tx_unreserve(r, tb.token);
		rc = n;
		goto out;
	}
	/* the referenced data reaches memory before the message does: the
	 * cache maintenance completes before tx_commit's ring release */
	vrq_sbuf_sync(r->sbuf_mem, refs, nref, flags, true);
	rc = tx_commit(r, e->addr, dst, tb.token, (uint32_t)n, 0);
out:
	tx_unlock(r);
	return rc;
}

int vrq_rpmsg_recv_sbuf(struct vrq_rpmsg *r, const struct vrq_rpmsg_rx *m,
			struct vrq_sbuf_msg *msg, struct vrq_sbuf_ref *refs, unsigned cap)
{
	int rc;

	if (!r || !m || !msg)
		return -EINVAL;
	rc = vrq_sbuf_parse(r->sbuf_mem, m->data, m->len, msg, refs, cap);
	if (rc)
		return rc;
	vrq_sbuf_sync(r->sbuf_mem, refs, msg->nref, msg->flags, false);
	return 0;
}

/* ---- RX ---------------------------------------------------------------------- */

/* Deliver one buffer; true if the callback kept it. */
static bool dispatch(struct vrq_rpmsg *r, const void *buf, uint32_t len, uint32_t tok)
{
	struct vrq_rpmsg_rx m;
	struct vrq_rpmsg_ept *e;
	bool held = false;

	if (vrq_rpmsg_parse(buf, len, &m)) {
		r->st.rx_bad_len++;
		return false;
	}
	m.token = tok;
	/* the caller holds the RCU read lock (one per batch) */
	e = lookup(r, m.dst);
	if (!e) {
		r->st.rx_unknown_dst++;
	} else {
		uint32_t any = VRQ_RPMSG_ADDR_ANY;

		/* an unbound endpoint binds to its first sender (OpenAMP); the
		 * plain load first: a bound endpoint's line is only read, not
		 * taken exclusive by a failing locked compare-exchange */
		if (m.src != VRQ_RPMSG_ADDR_ANY && e != r->ns_ept &&
		    __atomic_load_n(&e->dst, __ATOMIC_RELAXED) == VRQ_RPMSG_ADDR_ANY)
			__atomic_compare_exchange_n(&e->dst, &any, m.src, false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
		uint8_t st = HOLD_IN_CB;

		r->st.rx_msgs++;
		/* a callback may hand the token to another thread that releases
		 * it before the callback returns: IN_CB -> EARLY there, and the
		 * buffer goes back here */
		__atomic_store_n(&r->rx_held[tok], HOLD_IN_CB, __ATOMIC_RELAXED);
		if (e->cb(e, &m, e->priv) == VRQ_RPMSG_HOLD) {
			r->st.rx_held++;
			/* pairs with the acquire CAS in vrq_rpmsg_release() */
			held = __atomic_compare_exchange_n(&r->rx_held[tok], &st, HOLD_HELD, false,
							   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		}
		if (!held)
			__atomic_store_n(&r->rx_held[tok], HOLD_NONE, __ATOMIC_RELAXED);
	}
	return held;
}

/* under rx_lock: hand buffers back to the ring, publish, notify */
static void rx_return(struct vrq_rpmsg *r, const uint32_t *tok, unsigned n)
{
	unsigned i;

	if (host(r)) {
		struct vrq_vq_drv *q = &r->drv[r->rxi];

		for (i = 0; i < n; i++) {
			uint8_t *b = r->bufs + (size_t)tok[i] * r->buf_size;
			struct vrq_sg sg = {r->bufs_da + (uint64_t)tok[i] * r->buf_size, r->buf_size};

			if (r->bufs_flags & VRQ_MEM_NONCOHERENT)
				vrq__cache_inval(b, r->buf_size, VRQ__SITE);
			/* cannot fail: the buffer came off this ring, its slot is free */
			(void)q_add(r, q, &sg, 0, 1, (void *)(uintptr_t)(tok[i] + 1));
		}
		q_drv_publish(r, q, r->kick[r->rxi]);
	} else {
		struct vrq_vq_dev *q = &r->dev[r->rxi];

		for (i = 0; i < n; i++)
			(void)q_push(r, q, (uint16_t)tok[i], 0);
		q_dev_publish(r, q, r->irq[r->rxi]);
	}
	r->st.rx_publishes++;
}

/*
 * Idle TX work, run by the receive thread when it finds nothing to do (an
 * empty poll, or before it waits); never blocks, skipped when a sender
 * holds tx_lock.
 * Host: take back the TX buffers the remote returned, so that the free
 * list keeps the ring's order (txf_push_back()).  Without idle time (a
 * sender that never polls), tx_get() takes them back when it runs out,
 * all at once.
 * Remote: refill an empty TX stash (only once this side has sent: a
 * remote that only receives keeps no host buffers).
 */
static void tx_idle(struct vrq_rpmsg *r)
{
	int c;

	/* held: a sender is at work, leave its line alone (a failing
	 * compare-exchange would still take it exclusive); else a try-lock,
	 * whose acquire pairs with tx_unlock()'s release */
	if (__atomic_load_n(&r->tx_lock, __ATOMIC_RELAXED) || !tx_trylock(r, &c))
		return;
	if (host(r)) {
		if (r->tx_nfree < r->num_tx)
			(void)tx_reclaim(r); /* a broken ring shows at the next send */
	} else if (r->tx_stash_i == r->tx_stash_n && !r->tx_nfree && r->st.tx_msgs) {
		(void)tx_refill(r);
	}
	tx_unlock(r);
}

int vrq_rpmsg_poll(struct vrq_rpmsg *r, unsigned budget)
{
	unsigned total = 0;
	int err = 0;

	for (;;) {
		unsigned want = RX_BATCH, n = 0, nret = 0, i;

		if (budget && budget - total < want)
			want = budget - total;
		if (!want)
			break;
		spin_lock(&r->rx_lock);
		while (n < want) {
			int rc;

			if (host(r)) {
				void *tok = NULL;
				uint32_t len = 0;

				rc = q_get_used(r, &r->drv[r->rxi], &tok, &len);
				if (rc <= 0) {
					err = rc;
					break;
				}
				r->rx_tok[n] = (uint32_t)((uintptr_t)tok - 1);
				r->rx_len[n] = len;
			} else {
				struct vrq_chain c;

				vrq_chain_init(&c, r->rx_seg, r->rx_qsize);
				rc = q_pop(r, &r->dev[r->rxi], &c);
				if (rc <= 0) {
					err = rc;
					break;
				}
				if (c.n_out < 1) {
					/* not a message: hand it straight back */
					r->st.rx_bad_buf++;
					r->rx_ret[nret++] = c.head;
					continue;
				}
				vrq_chain_sync_for_cpu(&c);
				r->rx_slot[c.head].va = c.seg[0].va;
				r->rx_slot[c.head].len = c.seg[0].len;
				r->rx_tok[n] = c.head;
				r->rx_len[n] = c.seg[0].len;
			}
			n++;
		}
		if (nret)
			rx_return(r, r->rx_ret, nret);
		spin_unlock(&r->rx_lock);
		if (!n)
			tx_idle(r);
		nret = 0;
		if (n)
			rd_begin(r);
		for (i = 0; i < n; i++) {
			const void *buf = host(r) ? r->bufs + (size_t)r->rx_tok[i] * r->buf_size
						  : (const void *)r->rx_slot[r->rx_tok[i]].va;

			if (host(r) && (r->bufs_flags & VRQ_MEM_NONCOHERENT))
				vrq__cache_inval((void *)buf, r->rx_len[i], VRQ__SITE);
			if (!dispatch(r, buf, r->rx_len[i], r->rx_tok[i]))
				r->rx_ret[nret++] = r->rx_tok[i];
		}
		if (n)
			rd_end(r);
		if (nret) {
			spin_lock(&r->rx_lock);
			rx_return(r, r->rx_ret, nret);
			spin_unlock(&r->rx_lock);
		}
		total += n;
		if (err || n < want)
			break;
	}
	grave_reclaim(r);
	if (err < 0)
		return err;
	return (int)total;
}

int vrq_rpmsg_wait(struct vrq_rpmsg *r, uint64_t timeout_ns)
{
	grave_reclaim(r);
	tx_idle(r);
	if (host(r)) {
		if (!r->irq[r->rxi])
			return 0;
		return vrq_vq_drv_wait(&r->drv[r->rxi], r->irq[r->rxi], timeout_ns);
	}
	if (!r->kick[r->rxi])
		return 0;
	return vrq_vq_dev_wait(&r->dev[r->rxi], r->kick[r->rxi], timeout_ns);
}

int vrq_rpmsg_release(struct vrq_rpmsg *r, uint32_t token)
{
	if (!r || token >= (host(r) ? r->num_rx : r->rx_qsize))
		return -EINVAL;
	for (;;) {
		uint8_t st = __atomic_load_n(&r->rx_held[token], __ATOMIC_ACQUIRE);

		if (st == HOLD_IN_CB) {
			/* still in its callback: dispatch() gives it back */
			if (__atomic_compare_exchange_n(&r->rx_held[token], &st, HOLD_EARLY, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return 0;
			continue;
		}
		if (st != HOLD_HELD)
			return -EINVAL;
		/* pairs with the CAS in dispatch(): exactly one release wins */
		if (__atomic_compare_exchange_n(&r->rx_held[token], &st, HOLD_NONE, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	spin_lock(&r->rx_lock);
	rx_return(r, &token, 1);
	spin_unlock(&r->rx_lock);
	return 0;
}

/* ---- setup ------------------------------------------------------------------- */

void vrq_rpmsg_get_stats(const struct vrq_rpmsg *r, struct vrq_rpmsg_stats *st)
{
	*st = r->st;
	st->ns_tx = __atomic_load_n(&r->ns_tx, __ATOMIC_RELAXED);
}

uint32_t vrq_rpmsg_payload_max(const struct vrq_rpmsg *r)
{
	return __atomic_load_n(&r->payload_max, __ATOMIC_RELAXED);
}

struct vrq_vq_drv *vrq_rpmsg_drv_vq(struct vrq_rpmsg *r, unsigned i)
{
	return host(r) && i < 2 ? &r->drv[i] : NULL;
}

struct vrq_vq_dev *vrq_rpmsg_dev_vq(struct vrq_rpmsg *r, unsigned i)
{
	return !host(r) && i < 2 ? &r->dev[i] : NULL;
}

int vrq_rsc_wait_driver_ok(const struct vrq_rsc_vdev *v, uint64_t timeout_ns)
{
	uint64_t deadline = timeout_ns ? now_ns() + timeout_ns : 0;
	struct timespec ts = {0, 50000};

	for (;;) {
		/* pairs with the release in vrq_rsc_set_status() */
		uint8_t s = __atomic_load_n(&v->status, __ATOMIC_ACQUIRE);

		vrq_arch_io_acquire();
		if (s & (VRQ_STATUS_FAILED | VRQ_STATUS_DEVICE_NEEDS_RESET))
			return -EPIPE;
		if (s & VRQ_STATUS_DRIVER_OK)
			return 0;
		if (deadline && now_ns() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL); /* setup only: not a message path */
	}
}

static void free_bus(struct vrq_rpmsg *r)
{
	unsigned i;

	if (r->ht) {
		struct vrq_rpmsg_ept *e, *n;

		for (e = r->all; e; e = n) {
			n = e->next;
			__atomic_store_n(&e->live, 0, __ATOMIC_RELEASE);
			if (e->addr < EPT_DIRECT)
				__atomic_store_n(&r->direct[e->addr], NULL, __ATOMIC_RELAXED);
			rcu_read_lock_(r);
			cds_lfht_del(r->ht, &e->node);
			rcu_read_unlock_(r);
			urcu_bp_call_rcu(&e->rcu, free_ept_rcu);
		}
		r->all = NULL;
		for (e = grave_take(r); e; e = n) {
			n = e->next;
			urcu_bp_call_rcu(&e->rcu, free_ept_rcu);
		}
		urcu_bp_synchronize_rcu();
		urcu_bp_barrier();
		cds_lfht_destroy(r->ht, NULL);
	}
	for (i = 0; i < 2; i++) {
		if (host(r))
			vrq_vq_drv_fini(&r->drv[i]);
		else
			vrq_vq_dev_fini(&r->dev[i]);
	}
	pthread_mutex_destroy(&r->ept_lock);
	free(r->tx_state);
	free(r->tx_free);
	free(r->tx_slot);
	free(r->tx_seg);
	free(r->rx_held);
	free(r->rx_slot);
	free(r->rx_seg);
	free(r->svc);
	free(r->direct);
	free(r);
}

void vrq_rpmsg_destroy(struct vrq_rpmsg *r)
{
	if (r)
		free_bus(r);
}

/* liburcu's call_rcu and hash-table worker threads do not survive fork():
 * its fork handlers quiesce them before and recreate them in the child, so
 * a forked child can create and use buses of its own. */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void register_atfork(void)
{
	pthread_atfork(urcu_bp_call_rcu_before_fork, urcu_bp_call_rcu_after_fork_parent,
		       urcu_bp_call_rcu_after_fork_child);
}

struct vrq_rpmsg *vrq_rpmsg_create(const struct vrq_rpmsg_cfg *cfg, int *err)
{
	struct vrq_rpmsg *r;
	unsigned i;
	int dummy, rc = -EINVAL;
	bool inited[2] = {false, false};

	if (!err)
		err = &dummy;
	*err = -EINVAL;
	if (!cfg || (cfg->role != VRQ_RPMSG_HOST && cfg->role != VRQ_RPMSG_REMOTE))
		return NULL;
	pthread_once(&atfork_once, register_atfork);
	r = calloc(1, sizeof(*r));
	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	r->role = cfg->role;
	r->rxi = host(r) ? 0 : 1;
	r->txi = host(r) ? 1 : 0;
	r->ns = cfg->features & (1ull << VRQ_RPMSG_F_NS);
	r->send_timeout_ns = cfg->send_timeout_ns ? cfg->send_timeout_ns : 15000000000ull;
	r->sbuf_mem = cfg->sbuf_mem;
	r->ns_cb = cfg->ns_cb;
	r->ns_priv = cfg->ns_priv;
	r->max_svc = cfg->max_services ? cfg->max_services : 1024;
	r->next_addr = VRQ_RPMSG_RESERVED_ADDRESSES;
	pthread_mutex_init(&r->ept_lock, NULL);
	/* the barrier's heavy side (rd_begin()); without it the receive
	 * thread fences once per batch */
	r->rd_fence = membarrier_(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_) < 0;
	for (i = 0; i < 2; i++) {
		r->kick[i] = cfg->kick[i];
		r->irq[i] = cfg->irq[i];
	}

	for (i = 0; i < 2; i++) {
		rc = host(r) ? vrq_vq_drv_init(&r->drv[i], &cfg->vq[i])
			     : vrq_vq_dev_init(&r->dev[i], &cfg->vq[i]);
		if (rc)
			goto fail;
		inited[i] = true;
	}
	r->rx_qsize = cfg->vq[r->rxi].size;
	r->smp = cfg->vq[0].domain == VRQ_DOM_SMP && cfg->vq[1].domain == VRQ_DOM_SMP;
	rc = -ENOMEM;
	r->svc = calloc(r->max_svc, sizeof(*r->svc));
	if (!r->svc)
		goto fail;

	if (host(r)) {
		r->buf_size = cfg->buf_size ? cfg->buf_size : VRQ_RPMSG_BUF_SIZE;
		r->num_rx = cfg->num_rx ? cfg->num_rx
					: (uint16_t)(cfg->vq[0].size < 256 ? cfg->vq[0].size : 256);
		r->num_tx = cfg->num_tx ? cfg->num_tx
					: (uint16_t)(cfg->vq[1].size < 256 ? cfg->vq[1].size : 256);
		r->bufs = cfg->bufs;
		r->bufs_da = cfg->bufs_da;
		r->bufs_flags = cfg->bufs_flags;
		rc = -EINVAL;
		if (!r->bufs || r->buf_size <= VRQ_RPMSG_HDR_SIZE ||
		    r->buf_size > 0xFFFFu + VRQ_RPMSG_HDR_SIZE || r->num_rx > cfg->vq[0].size ||
		    (r->bufs_flags & ~VRQ_MEM_NONCOHERENT))
			goto fail;
		rc = -ENOMEM;
		r->tx_state = calloc(r->num_tx, 1);
		r->tx_free = calloc(r->num_tx, sizeof(uint16_t));
		r->rx_held = calloc(r->num_rx, 1);
		if (!r->tx_state || !r->tx_free || !r->rx_held)
			goto fail;
		for (i = 0; i < r->num_tx; i++)
			r->tx_free[i] = (uint16_t)i; /* hand out 0 first */
		r->tx_nfree = r->num_tx;
		r->payload_max = r->buf_size - VRQ_RPMSG_HDR_SIZE;
		/* post every receive buffer (virtqueue_add_inbuf per buffer, then one kick) */
		{
			uint32_t t;

			for (t = 0; t < r->num_rx;) {
				unsigned n = 0;

				while (n < RX_BATCH && t < r->num_rx)
					r->rx_ret[n++] = t++;
				spin_lock(&r->rx_lock);
				rx_return(r, r->rx_ret, n);
				spin_unlock(&r->rx_lock);
			}
			r->st.rx_publishes = 0;
		}
		vrq_vq_drv_disable_cb(&r->drv[0]);
		vrq_vq_drv_disable_cb(&r->drv[1]);
	} else {
		uint16_t qs0 = cfg->vq[0].size, qs1 = cfg->vq[1].size;

		rc = -ENOMEM;
		r->tx_state = calloc(qs0, 1);
		r->tx_free = calloc(qs0, sizeof(uint16_t));
		r->tx_slot = calloc(qs0, sizeof(*r->tx_slot));
		r->tx_seg = calloc(qs0, sizeof(*r->tx_seg));
		r->rx_held = calloc(qs1, 1);
		r->rx_slot = calloc(qs1, sizeof(*r->rx_slot));
		r->rx_seg = calloc(qs1, sizeof(*r->rx_seg));
		if (!r->tx_state || !r->tx_free || !r->tx_slot || !r->tx_seg || !r->rx_held ||
		    !r->rx_slot || !r->rx_seg)
			goto fail;
		r->payload_max = VRQ_RPMSG_BUF_SIZE - VRQ_RPMSG_HDR_SIZE;
		vrq_vq_dev_disable_kick(&r->dev[0]);
		vrq_vq_dev_disable_kick(&r->dev[1]);
	}

	r->direct = calloc(EPT_DIRECT, sizeof(*r->direct));
	if (!r->direct)
		goto fail;
	r->ht = cds_lfht_new_flavor(16, 16, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				    &urcu_bp_flavor, NULL);
	if (!r->ht)
		goto fail;
	if (r->ns) {
		r->ns_ept = vrq_rpmsg_create_ept(r, NULL, VRQ_RPMSG_NS_ADDR, VRQ_RPMSG_ADDR_ANY, ns_rx,
						 NULL, r, &rc);
		if (!r->ns_ept)
			goto fail;
	}
	*err = 0;
	return r;
fail:
	*err = rc;
	for (i = 0; i < 2; i++)
		if (!inited[i]) {
			/* fini only what init set up: make free_bus skip the rest */
			if (host(r))
				memset(&r->drv[i], 0, sizeof(r->drv[i]));
			else
				memset(&r->dev[i], 0, sizeof(r->dev[i]));
		}
	free_bus(r);
	return NULL;
}
