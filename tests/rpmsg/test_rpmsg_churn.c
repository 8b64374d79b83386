/* SPDX-License-Identifier: MIT */
/*
 * test_rpmsg_churn: endpoints created and destroyed on the remote while the
 * host streams messages at their addresses.
 *
 * A churn thread keeps creating and destroying endpoints at 16 fixed
 * addresses (some in the bus's direct table, some beyond it), each with a freshly allocated context; after destroy it waits
 * for vrq_rpmsg_barrier() and then poisons and frees the context.  Every
 * callback checks its context is intact and that the message's address is
 * its own: a callback run after destroy + barrier, or on a freed endpoint,
 * fails the check (and ASan / TSan see the use after free).  Every message
 * is either delivered or counted as "unknown destination": delivered +
 * unknown == sent.  One more endpoint destroys itself from its own
 * callback.
 *
 * Before that, barrier_waits(): a callback is held inside (it waits for a
 * flag) while another thread destroys its endpoint and calls
 * vrq_rpmsg_barrier(); the barrier must not return before the callback
 * does, and the callback still reads its endpoint after the destroy (ASan
 * sees a free that came too early).  For a direct-table address and a
 * hash-table one.
 *
 * With --no-membarrier a seccomp filter makes the bus's membarrier()
 * registration fail first, so the receive thread takes its other path
 * (a full fence per batch) and the barrier its plain fence: the same checks
 * then cover that path.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "rpmsg_pair.h"
#include "vrq_test.h"

#define NADDR 16u
/* half the addresses in the bus's direct table (below 2048), half only in
 * its hash table */
#define ADDR(i) ((i) % 2 ? 3000u + (uint32_t)(i) : 1500u + (uint32_t)(i))
#define MAGIC 0x636875726e21ull

struct ept_ctx {
	uint64_t magic;
	uint32_t addr;
	uint64_t got;
};

static uint64_t delivered, bad; /* remote rx thread (atomics: read by main) */
static int stop_churn;
static uint64_t churn_rounds;

static int cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	struct ept_ctx *c = priv;
	uint32_t tag;

	if (c->magic != MAGIC || c->addr != m->dst || vrq_rpmsg_ept_addr(e) != m->dst ||
	    m->len != 4) {
		__atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
		return 0;
	}
	memcpy(&tag, m->data, 4);
	if (tag != m->dst)
		__atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
	c->got++;
	__atomic_fetch_add(&delivered, 1, __ATOMIC_RELAXED);
	return 0;
}

static int self_destroy_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	(void)m;
	__atomic_fetch_add((uint64_t *)priv, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&delivered, 1, __ATOMIC_RELAXED);
	vrq_rpmsg_destroy_ept(e); /* allowed from its own callback */
	return 0;
}

/* membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) fails with ENOSYS
 * from now on, in this thread and the threads it creates */
static int block_membarrier_register(void)
{
#ifdef SYS_membarrier
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_membarrier, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1u << 4, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {(unsigned short)(sizeof(f) / sizeof(f[0])), f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	errno = 0;
	if (syscall(SYS_membarrier, 1u << 4, 0, 0) != -1 || errno != ENOSYS)
		return -EPERM;
	return 0;
#else
	return -ENOSYS;
#endif
}

struct held {
	int in_cb, go, done, barrier_done; /* atomics */
	uint32_t seen_addr;
	struct vrq_rpmsg_ept *e;
};

static int held_cb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *priv)
{
	struct held *h = priv;
	unsigned i;

	(void)m;
	__atomic_store_n(&h->in_cb, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 20000 && !__atomic_load_n(&h->go, __ATOMIC_ACQUIRE); i++)
		rp_sleep_ms(1);
	/* the endpoint was destroyed meanwhile: it must still be there */
	h->seen_addr = vrq_rpmsg_ept_addr(e);
	__atomic_fetch_add(&delivered, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
	return 0;
}

static void *destroy_and_barrier(void *arg)
{
	struct held *h = arg;
	struct vrq_rpmsg *bus = vrq_rpmsg_ept_bus(h->e);

	vrq_rpmsg_destroy_ept(h->e);
	vrq_rpmsg_barrier(bus);
	__atomic_store_n(&h->barrier_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* vrq_rpmsg_barrier() waits for a callback in flight on a destroyed endpoint */
static void barrier_waits(struct rp_pair *p, struct vrq_rpmsg_ept *src, uint32_t addr)
{
	const char *name = "barrier_waits";
	struct held h = {0};
	pthread_t t;
	bool started = false;
	unsigned i;
	int err;

	h.e = vrq_rpmsg_create_ept(p->remote.bus, NULL, addr, VRQ_RPMSG_ADDR_ANY, held_cb, NULL,
				   &h, &err);
	CHECK_OUT(h.e);
	CHECK_EQ_OUT(vrq_rpmsg_sendto(src, addr, "x", 1), 0);
	for (i = 0; i < 10000 && !__atomic_load_n(&h.in_cb, __ATOMIC_ACQUIRE); i++)
		rp_sleep_ms(1);
	CHECK_EQ_OUT(__atomic_load_n(&h.in_cb, __ATOMIC_ACQUIRE), 1);
	CHECK_OUT(pthread_create(&t, NULL, destroy_and_barrier, &h) == 0);
	started = true;
	/* the destroy is done soon; the barrier must still wait */
	for (i = 0; i < 10000 && vrq_rpmsg_ept_count(p->remote.bus) != 1; i++)
		rp_sleep_ms(1);
	CHECK_EQ_OUT(vrq_rpmsg_ept_count(p->remote.bus), 1); /* the name service */
	rp_sleep_ms(50);
	CHECK_EQ_OUT(__atomic_load_n(&h.barrier_done, __ATOMIC_ACQUIRE), 0);
	CHECK_EQ_OUT(__atomic_load_n(&h.done, __ATOMIC_ACQUIRE), 0);
out:
	__atomic_store_n(&h.go, 1, __ATOMIC_RELEASE);
	/* h lives on this stack: let a running callback finish first */
	for (i = 0; i < 10000 && __atomic_load_n(&h.in_cb, __ATOMIC_ACQUIRE) &&
		    !__atomic_load_n(&h.done, __ATOMIC_ACQUIRE); i++)
		rp_sleep_ms(1);
	if (started) {
		pthread_join(t, NULL);
		if (!__atomic_load_n(&h.done, __ATOMIC_ACQUIRE) ||
		    !__atomic_load_n(&h.barrier_done, __ATOMIC_ACQUIRE) || h.seen_addr != addr) {
			fprintf(stderr, "[%s] addr %u: callback done %d, barrier done %d, seen %u\n",
				name, addr, h.done, h.barrier_done, h.seen_addr);
			vrq_test_failures++;
		} else {
			/* destroyed: the next message to it finds no endpoint
			 * (statistics are read with the receive thread stopped) */
			struct vrq_rpmsg_stats st;
			uint64_t unknown, msgs;

			rp_stop(&p->remote);
			vrq_rpmsg_get_stats(p->remote.bus, &st);
			unknown = st.rx_unknown_dst;
			msgs = st.rx_msgs;
			if (vrq_rpmsg_sendto(src, addr, "y", 1) || rp_start(&p->remote)) {
				fprintf(stderr, "[%s] send / restart failed\n", name);
				vrq_test_failures++;
				return;
			}
			for (i = 0; i < 10000; i++) {
				rp_stop(&p->remote);
				vrq_rpmsg_get_stats(p->remote.bus, &st);
				if (st.rx_unknown_dst + st.rx_msgs > unknown + msgs ||
				    rp_start(&p->remote))
					break;
				rp_sleep_ms(1);
			}
			if (!p->remote.rx_running)
				(void)rp_start(&p->remote);
			if (st.rx_unknown_dst != unknown + 1 || st.rx_msgs != msgs) {
				fprintf(stderr, "[%s] addr %u after destroy: unknown +%llu, delivered +%llu\n",
					name, addr, (unsigned long long)(st.rx_unknown_dst - unknown),
					(unsigned long long)(st.rx_msgs - msgs));
				vrq_test_failures++;
			}
		}
	}
}

struct churn {
	struct vrq_rpmsg *bus;
	int err;
};

static void *churn_thread(void *arg)
{
	struct churn *ch = arg;
	struct vrq_rpmsg_ept *ept[NADDR] = {0};
	struct ept_ctx *ctx[NADDR] = {0};
	uint64_t round = 0;
	unsigned i;
	int err;

	while (!__atomic_load_n(&stop_churn, __ATOMIC_ACQUIRE)) {
		i = (unsigned)(round * 7 % NADDR);
		if (ept[i]) {
			vrq_rpmsg_destroy_ept(ept[i]);
			ept[i] = NULL;
			if (round % 4 == 0) {
				/* no callback can still run on it: poison + free */
				vrq_rpmsg_barrier(ch->bus);
				ctx[i]->magic = 0xdead;
				free(ctx[i]);
				ctx[i] = NULL;
			}
		} else {
			if (!ctx[i]) {
				ctx[i] = calloc(1, sizeof(*ctx[i]));
				ctx[i]->magic = MAGIC;
				ctx[i]->addr = ADDR(i);
			}
			ept[i] = vrq_rpmsg_create_ept(ch->bus, NULL, ADDR(i), VRQ_RPMSG_ADDR_ANY, cb,
						      NULL, ctx[i], &err);
			if (!ept[i] && !ch->err)
				ch->err = err;
		}
		round++;
		__atomic_store_n(&churn_rounds, round, __ATOMIC_RELEASE);
	}
	for (i = 0; i < NADDR; i++)
		if (ept[i])
			vrq_rpmsg_destroy_ept(ept[i]);
	vrq_rpmsg_barrier(ch->bus);
	for (i = 0; i < NADDR; i++)
		free(ctx[i]);
	__atomic_store_n(&churn_rounds, round, __ATOMIC_RELEASE);
	return NULL;
}

int main(int argc, char **argv)
{
	struct vrq_rpmsg_link_cfg lc = {.qsize = 128, .notify = VRQ_NOTIFY_EVENTFD,
					.ring_features = VRQ_FEATURE(VRQ_F_EVENT_IDX)};
	const char *name = "churn";
	const char *sc = getenv("VRQ_TEST_SCALE");
	uint64_t n = (uint64_t)(400000 * (sc ? atof(sc) : 1.0)), i, self_hits = 0;
	struct vrq_rpmsg_stats rs;
	struct churn ch = {0};
	struct rp_pair p;
	struct vrq_rpmsg_ept *src, *self;
	pthread_t t;
	bool churning = false;
	int err;

	if (n < 20000)
		n = 20000;
	if (argc > 1 && !strcmp(argv[1], "--no-membarrier")) {
		int rc = block_membarrier_register();

		if (rc) {
			printf("SKIP: cannot block membarrier here (%d)\n", rc);
			return VRQ_TEST_SKIP;
		}
		printf("  membarrier registration blocked: the fence path\n");
	}
	CHECK_EQ_OUT(rp_pair_init(&p, &lc, NULL, NULL), 0);
	CHECK_EQ_OUT(rp_start(&p.remote), 0);
	CHECK_EQ_OUT(rp_start(&p.host), 0);
	src = vrq_rpmsg_create_ept(p.host.bus, NULL, VRQ_RPMSG_ADDR_ANY, VRQ_RPMSG_ADDR_ANY, cb,
				   NULL, NULL, &err);
	CHECK_OUT(src);
	barrier_waits(&p, src, 1700); /* direct table */
	barrier_waits(&p, src, 9000); /* hash table */
	CHECK_EQ_OUT(vrq_test_failures, 0);
	self = vrq_rpmsg_create_ept(p.remote.bus, NULL, 4000, VRQ_RPMSG_ADDR_ANY, self_destroy_cb,
				    NULL, &self_hits, &err);
	CHECK_OUT(self);

	ch.bus = p.remote.bus;
	CHECK_OUT(pthread_create(&t, NULL, churn_thread, &ch) == 0);
	churning = true;
	/* at least n messages, and until 1000 create/destroy rounds ran */
	for (i = 0; i < n || __atomic_load_n(&churn_rounds, __ATOMIC_ACQUIRE) < 1000; i++) {
		uint32_t dst = ADDR(i % NADDR);

		if (i % 1000 == 500)
			dst = 4000; /* the self-destroying endpoint: delivered once */
		CHECK_EQ_OUT(vrq_rpmsg_sendto(src, dst, &dst, 4), 0);
	}
	n = i + 4; /* and the four of barrier_waits() */
	__atomic_store_n(&stop_churn, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	churning = false;
	CHECK_EQ_OUT(ch.err, 0);
	/* wait for the remote to have seen all n */
	for (i = 0; i < 10000; i++) {
		rp_stop(&p.remote);
		vrq_rpmsg_get_stats(p.remote.bus, &rs);
		if (rs.rx_msgs + rs.rx_unknown_dst >= n)
			break;
		CHECK_EQ_OUT(rp_start(&p.remote), 0);
		rp_sleep_ms(1);
	}
	rp_stop(&p.remote);
	vrq_rpmsg_get_stats(p.remote.bus, &rs);
	printf("  %" PRIu64 " messages: %" PRIu64 " delivered, %" PRIu64
	       " to absent endpoints; %" PRIu64 " create/destroy rounds\n",
	       n, delivered, rs.rx_unknown_dst, churn_rounds);
	CHECK_EQ_OUT(bad, 0);
	CHECK_EQ_OUT(rs.rx_msgs, delivered);
	CHECK_EQ_OUT(rs.rx_msgs + rs.rx_unknown_dst, n);
	CHECK_EQ_OUT(self_hits, 1);
	CHECK_OUT(churn_rounds >= 1000);
	CHECK_OUT(delivered > 0 && rs.rx_unknown_dst > 0);
	CHECK_EQ_OUT(vrq_rpmsg_ept_count(p.remote.bus), 1); /* the name service only */
out:
	if (churning) {
		__atomic_store_n(&stop_churn, 1, __ATOMIC_RELEASE);
		pthread_join(t, NULL);
	}
	rp_pair_fini(&p);
	return vrq_test_done("test_rpmsg_churn");
}
