/* SPDX-License-Identifier: MIT */
/*
 * transports/notify/notify.c - backend-independent parts: names, init,
 * close, drain, peer liveness (pidfd).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_LIVENESS_NS 20000000u	/* 20 ms */
#define DEFAULT_SPIN_MAX_NS 50000u	/* 50 us */

static const char *const kind_names[VRQ_NOTIFY_KIND_COUNT] = {
	[VRQ_NOTIFY_POLL] = "poll",
	[VRQ_NOTIFY_EVENTFD] = "eventfd",
	[VRQ_NOTIFY_FUTEX] = "futex",
	[VRQ_NOTIFY_LEGACY_IRQ] = "legacy-irq",
	[VRQ_NOTIFY_HYBRID] = "hybrid",
};

const char *vrq_notify_kind_name(enum vrq_notify_kind k)
{
	return (unsigned)k < VRQ_NOTIFY_KIND_COUNT ? kind_names[k] : "unknown";
}

int vrq_notify_kind_parse(const char *name, enum vrq_notify_kind *out)
{
	unsigned i;

	for (i = 0; i < VRQ_NOTIFY_KIND_COUNT; i++) {
		if (name && strcmp(name, kind_names[i]) == 0) {
			*out = (enum vrq_notify_kind)i;
			return 0;
		}
	}
	return -VRQ_EINVAL;
}

bool vrq_notify_kind_needs_fd(enum vrq_notify_kind k, enum vrq_notify_kind block)
{
	return k == VRQ_NOTIFY_EVENTFD || k == VRQ_NOTIFY_LEGACY_IRQ ||
	       (k == VRQ_NOTIFY_HYBRID && block != VRQ_NOTIFY_FUTEX);
}

uint64_t vrq_notify_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void vrq_notify_shared_init(struct vrq_notify_shared *sh)
{
	memset(sh, 0, sizeof(*sh));
}

int vrq_notify_eventfd(int *fd)
{
	/* Blocking: a receiver with nothing else to watch sleeps in read()
	 * (one system call per wake-up); vrq__efd_block() takes a
	 * non-blocking one too. */
	*fd = eventfd(0, EFD_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

static int pidfd_open_(int pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

int vrq_notify_init(struct vrq_notifier *n, const struct vrq_notify_cfg *cfg)
{
	memset(n, 0, sizeof(*n));
	n->fd = -1;
	n->pidfd = -1;
	if (!cfg || !cfg->shared || (unsigned)cfg->kind >= VRQ_NOTIFY_KIND_COUNT)
		return -VRQ_EINVAL;
	n->kind = cfg->kind;
	n->block = cfg->kind;
	n->sh = cfg->shared;
	n->bit = cfg->status_bit ? cfg->status_bit : VRQ_ISR_VRING;
	n->liveness_ns = cfg->liveness_ns ? cfg->liveness_ns : DEFAULT_LIVENESS_NS;
	switch (cfg->kind) {
	case VRQ_NOTIFY_POLL:
		n->ops = &vrq__notify_poll_ops;
		break;
	case VRQ_NOTIFY_EVENTFD:
		n->ops = &vrq__notify_eventfd_ops;
		break;
	case VRQ_NOTIFY_FUTEX:
		n->ops = &vrq__notify_futex_ops;
		break;
	case VRQ_NOTIFY_LEGACY_IRQ:
		n->ops = &vrq__notify_legacy_ops;
		break;
	case VRQ_NOTIFY_HYBRID:
		if (cfg->block != VRQ_NOTIFY_EVENTFD && cfg->block != VRQ_NOTIFY_FUTEX)
			return -VRQ_EINVAL;
		n->block = cfg->block;
		n->ops = cfg->block == VRQ_NOTIFY_FUTEX ? &vrq__notify_futex_ops
							: &vrq__notify_eventfd_ops;
		n->spin_max_ns = cfg->spin_max_ns ? cfg->spin_max_ns : DEFAULT_SPIN_MAX_NS;
		n->adaptive = cfg->spin_ns == 0;
		n->spin_ns = cfg->spin_ns;
		n->spin_budget = n->adaptive ? n->spin_max_ns : cfg->spin_ns;
		n->st.spin_budget_ns = n->spin_budget;
		break;
	default:
		return -VRQ_EINVAL;
	}
	if (vrq_notify_kind_needs_fd(n->kind, n->block)) {
		if (cfg->fd < 0)
			return -VRQ_EINVAL;
		n->fd = cfg->fd;
	}
	if (cfg->peer_pid > 0)
		return vrq_notify_watch(n, cfg->peer_pid);
	return 0;
}

int vrq_notify_watch(struct vrq_notifier *n, int pid)
{
	if (pid <= 0)
		return -VRQ_EINVAL;
	if (n->pidfd >= 0)
		close(n->pidfd);
	n->peer_pid = pid;
	n->pidfd = pidfd_open_(pid);
	/* no pidfd (kernel < 5.3, seccomp): fall back to kill(pid, 0) + /proc */
	if (n->pidfd < 0 && errno == ESRCH)
		return -VRQ_EPEERGONE;
	return 0;
}

void vrq_notify_fini(struct vrq_notifier *n)
{
	if (n->pidfd >= 0)
		close(n->pidfd);
	n->pidfd = -1;
	n->ops = NULL;
}

void vrq_notify_close(struct vrq_notifier *n, bool sender)
{
	/* C1: before the wake below; pairs with the acquire loads of
	 * `closed` in vrq__notify_closed_check() / vrq__notify_peer_check() */
	__atomic_fetch_or(&n->sh->closed, sender ? VRQ__CLOSED_SENDER : VRQ__CLOSED_RECEIVER,
			  __ATOMIC_SEQ_CST);
	if (!sender)
		return;
	/* wake a blocked receiver: it re-checks `closed` after every wake */
	switch (n->block) {
	case VRQ_NOTIFY_FUTEX:
		(void)vrq__futex_signal(n);
		break;
	case VRQ_NOTIFY_EVENTFD:
	case VRQ_NOTIFY_LEGACY_IRQ:
		(void)vrq__efd_signal(n);
		break;
	default:
		break;
	}
}

/* membarrier(2) commands (linux/membarrier.h, Linux 4.16+), spelled out so
 * that building needs no recent kernel headers */
#define VRQ__MEMBARRIER_CMD_QUERY 0
#define VRQ__MEMBARRIER_CMD_GLOBAL_EXPEDITED (1 << 1)
#define VRQ__MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED (1 << 2)

static int membarrier_(int cmd)
{
#ifdef SYS_membarrier
	return (int)syscall(SYS_membarrier, cmd, 0, 0);
#else
	(void)cmd;
	errno = ENOSYS;
	return -1;
#endif
}

int vrq_notify_heavy_register(void)
{
	int cmds = membarrier_(VRQ__MEMBARRIER_CMD_QUERY);

	if (cmds < 0)
		return -errno;
	if (!(cmds & VRQ__MEMBARRIER_CMD_GLOBAL_EXPEDITED) ||
	    !(cmds & VRQ__MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED))
		return -EINVAL;
	return membarrier_(VRQ__MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) < 0 ? -errno : 0;
}

int vrq_notify_heavy_barrier(void)
{
	return membarrier_(VRQ__MEMBARRIER_CMD_GLOBAL_EXPEDITED) < 0 ? -errno : 0;
}

int vrq_notify_signal(struct vrq_notifier *n)
{
	n->st.sent++;
	return n->ops->signal(n);
}

void vrq_notify_drain(struct vrq_notifier *n)
{
	switch (n->block) {
	case VRQ_NOTIFY_FUTEX:
		vrq__futex_drain(n);
		break;
	case VRQ_NOTIFY_EVENTFD:
	case VRQ_NOTIFY_LEGACY_IRQ:
		vrq__efd_drain(n);
		if (n->kind == VRQ_NOTIFY_LEGACY_IRQ) {
			/* a raised line's status is acknowledged like a wake-up */
			uint32_t st = __atomic_load_n(&n->sh->status, __ATOMIC_ACQUIRE);

			if (st) {
				n->st.status_reads++;
				__atomic_fetch_and(&n->sh->status, ~st, __ATOMIC_SEQ_CST);
				n->st.acks++;
			}
		}
		break;
	default:
		break;
	}
}

/* /proc/<pid>/stat state field: a zombie has exited. */
bool vrq__proc_gone(int pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t len;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

int vrq__notify_peer_check(struct vrq_notifier *n)
{
	bool gone = false;

	if (__atomic_load_n(&n->sh->closed, __ATOMIC_ACQUIRE) & VRQ__CLOSED_SENDER) {
		gone = true;
	} else if (n->pidfd >= 0) {
		struct pollfd p = {.fd = n->pidfd, .events = POLLIN};

		gone = poll(&p, 1, 0) > 0;
	} else if (n->peer_pid > 0) {
		gone = vrq__proc_gone(n->peer_pid);
	}
	if (!gone)
		return 0;
	n->st.peer_gone++;
	return -VRQ_EPEERGONE;
}

int vrq__notify_closed_check(struct vrq_notifier *n)
{
	/* pairs with C1 in vrq_notify_close() */
	if (!(__atomic_load_n(&n->sh->closed, __ATOMIC_ACQUIRE) & VRQ__CLOSED_SENDER))
		return 0;
	n->st.peer_gone++;
	return -VRQ_EPEERGONE;
}

uint64_t vrq__notify_slice(const struct vrq_notifier *n, uint64_t now, uint64_t deadline)
{
	uint64_t s = 0;

	if (n->peer_pid > 0)
		s = n->liveness_ns;
	if (deadline) {
		uint64_t left = deadline > now ? deadline - now : 1;

		if (!s || left < s)
			s = left;
	}
	return s;
}
