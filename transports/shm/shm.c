/* SPDX-License-Identifier: MIT */
/* transports/shm/shm.c - shared regions for two processes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef VRQ_HAVE_NUMA
#include <numa.h>
#include <numaif.h>
#endif

#include "vrq/shm.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004u
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002u
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#endif

/* What fixes a region's size: both required on the accepting side. */
#define SIZE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

#define HUGE_2M (2ull << 20)

static int fail(struct vrq_shm *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	return code;
}

/* A system call failed: the message gets ": strerror(errno)" appended and
 * the code is -errno (errno read first, before anything can change it). */
static int fail_sys(struct vrq_shm *s, const char *fmt, ...)
{
	int e = errno ? errno : EIO;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	n = strlen(s->msg);
	snprintf(s->msg + n, sizeof(s->msg) - n, ": %s", vrq_strerror(e));
	return -e;
}

static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

int vrq_shm_numa_nodes(void)
{
#ifdef VRQ_HAVE_NUMA
	if (numa_available() < 0)
		return 0;
	return numa_max_node() + 1;
#else
	return 0;
#endif
}

static int bind_node(struct vrq_shm *s, unsigned node)
{
#ifdef VRQ_HAVE_NUMA
	struct bitmask *bm;
	long r;

	if (numa_available() < 0)
		return fail(s, -VRQ_ENOTSUP, "NUMA node %u requested but NUMA is not available here",
			    node);
	if (node > (unsigned)numa_max_node() || !numa_bitmask_isbitset(numa_all_nodes_ptr, node))
		return fail(s, -VRQ_EINVAL, "NUMA node %u does not exist (nodes 0-%d)", node,
			    numa_max_node());
	bm = numa_allocate_nodemask();
	numa_bitmask_setbit(bm, node);
	r = mbind(s->base, s->size, MPOL_BIND, bm->maskp, bm->size + 1, MPOL_MF_STRICT | MPOL_MF_MOVE);
	if (r < 0) {
		int e = errno;

		numa_free_nodemask(bm);
		errno = e;
		return fail_sys(s, "mbind to NUMA node %u", node);
	}
	numa_free_nodemask(bm);
	s->numa_node = (int)node;
	return 0;
#else
	return fail(s, -VRQ_ENOTSUP, "NUMA node %u requested but vrq was built without libnuma",
		    node);
#endif
}

static void reset(struct vrq_shm *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->numa_node = -1;
}

int vrq_shm_create(struct vrq_shm *s, const struct vrq_shm_cfg *cfg)
{
	bool huge;
	size_t size;
	void *p;
	int rc;

	reset(s);
	if (!cfg || cfg->size == 0)
		return fail(s, -VRQ_EINVAL, "shared memory size must be > 0");
	if (cfg->name && cfg->hugepages)
		return fail(s, -VRQ_ENOTSUP, "huge pages need a memfd region (no --shm-name)");
	if (cfg->name && !cfg->allow_unsealed)
		return fail(s, -VRQ_EINVAL,
			    "shm_open(%s): a named region cannot be sealed: a peer could truncate "
			    "it and kill this process with SIGBUS (allow_unsealed accepts that)",
			    cfg->name);
	huge = cfg->hugepages;
	s->owner = true;
	for (;;) {
		size = round_up(cfg->size, huge ? HUGE_2M : (size_t)sysconf(_SC_PAGESIZE));
		if (cfg->name) {
			snprintf(s->name, sizeof(s->name), "%s", cfg->name);
			s->fd = shm_open(cfg->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (s->fd < 0) {
				rc = fail_sys(s, "shm_open(%s)", cfg->name);
				s->name[0] = '\0'; /* not ours: destroy must not unlink it */
				return rc;
			}
		} else {
			s->fd = memfd_create("vrq", MFD_CLOEXEC | MFD_ALLOW_SEALING |
							    (huge ? MFD_HUGETLB : 0u));
			if (s->fd < 0 && huge)
				goto no_huge;
			if (s->fd < 0)
				return fail_sys(s, "memfd_create");
		}
		if (ftruncate(s->fd, (off_t)size) < 0) {
			if (huge)
				goto no_huge;
			rc = fail_sys(s, "ftruncate(%zu)", size);
			goto err;
		}
		/* the size is final: no process holding the fd can change it */
		if (!cfg->name) {
			if (fcntl(s->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
				if (huge)
					goto no_huge;
				rc = fail_sys(s, "sealing the memfd (F_ADD_SEALS)");
				goto err;
			}
			s->sealed = true;
		}
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
		if (p == MAP_FAILED) {
			if (huge)
				goto no_huge;
			rc = fail_sys(s, "mmap(%zu)", size);
			goto err;
		}
		s->base = p;
		s->size = size;
		s->huge = huge;
		break;
no_huge:
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
		s->sealed = false;
		if (cfg->huge_required)
			return fail(s, -VRQ_ENOMEM,
				    "no huge pages available for %zu bytes (set vm.nr_hugepages)",
				    cfg->size);
		snprintf(s->msg, sizeof(s->msg),
			 "huge pages unavailable (vm.nr_hugepages too small?): using normal pages");
		huge = false;
	}
	if (cfg->bind_node) {
		rc = bind_node(s, cfg->node);
		if (rc < 0)
			goto err;
	}
	/* fault every page in now (on the bound node), not in the timed loop */
	memset(s->base, 0, s->size);
	return 0;
err:
	vrq_shm_destroy(s);
	return rc;
}

/* s->fd is the peer's object: check its seals, then its size, then map. */
static int map_fd(struct vrq_shm *s, size_t size, unsigned flags)
{
	struct stat st;
	void *p;
	int seals;

	/* -1 (EINVAL: not a memfd / tmpfs object) counts as no seals */
	seals = fcntl(s->fd, F_GET_SEALS);
	s->sealed = seals >= 0 && (seals & SIZE_SEALS) == SIZE_SEALS;
	if (!s->sealed && !(flags & VRQ_SHM_ALLOW_UNSEALED))
		return fail(s, -EPERM,
			    "region size is not sealed (F_SEAL_SHRINK|F_SEAL_GROW missing, seals %#x): "
			    "the peer could truncate it and kill this process with SIGBUS "
			    "(VRQ_SHM_ALLOW_UNSEALED accepts that)",
			    seals < 0 ? 0u : (unsigned)seals);
	/* sealed: the size read now is the size for good */
	if (fstat(s->fd, &st) < 0)
		return fail_sys(s, "fstat");
	/* the size comes from the peer: it must not exceed the object */
	if (size == 0 || (uint64_t)st.st_size < size)
		return fail(s, -VRQ_EINVAL, "region is %lld bytes, peer claims %zu",
			    (long long)st.st_size, size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (p == MAP_FAILED)
		return fail_sys(s, "mmap(%zu)", size);
	s->base = p;
	s->size = size;
	return 0;
}

int vrq_shm_attach_fd(struct vrq_shm *s, int fd, size_t size, unsigned flags)
{
	int rc;

	reset(s);
	s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (s->fd < 0)
		return fail_sys(s, "dup of shared memory fd %d", fd);
	rc = map_fd(s, size, flags);
	if (rc < 0) {
		close(s->fd);
		s->fd = -1;
	}
	return rc;
}

int vrq_shm_attach_name(struct vrq_shm *s, const char *name, size_t size, unsigned flags)
{
	int rc;

	reset(s);
	if (!name)
		return fail(s, -VRQ_EINVAL, "no region name");
	if (!(flags & VRQ_SHM_ALLOW_UNSEALED))
		return fail(s, -EPERM,
			    "shm_open(%s): a named region cannot be sealed, so the peer could "
			    "truncate it and kill this process with SIGBUS "
			    "(VRQ_SHM_ALLOW_UNSEALED accepts that)",
			    name);
	s->fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (s->fd < 0)
		return fail_sys(s, "shm_open(%s)", name);
	snprintf(s->name, sizeof(s->name), "%s", name);
	rc = map_fd(s, size, flags);
	if (rc < 0) {
		close(s->fd);
		s->fd = -1;
	}
	return rc;
}

void vrq_shm_destroy(struct vrq_shm *s)
{
	if (s->base)
		munmap(s->base, s->size);
	if (s->fd >= 0)
		close(s->fd);
	if (s->owner && s->name[0])
		shm_unlink(s->name);
	s->base = NULL;
	s->fd = -1;
	s->name[0] = '\0';
}

#define MAX_FDS 16

int vrq_shm_send_fds(int sock, const int *fds, unsigned nfds, const void *data, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = (void *)(uintptr_t)data, .iov_len = len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	ssize_t w;

	if (nfds > MAX_FDS || len == 0)
		return -VRQ_EINVAL;
	memset(&u, 0, sizeof(u));
	if (nfds) {
		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		w = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return w == (ssize_t)len ? 0 : -EIO;
}

int vrq_shm_recv_fds(int sock, int *fds, unsigned max, unsigned *nfds, void *data, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = data, .iov_len = len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	unsigned n = 0, i;
	ssize_t r;

	*nfds = 0;
	do
		r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return -VRQ_EPEERGONE;
	if (r < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		unsigned k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (n < max)
				fds[n++] = fd;
			else
				close(fd); /* more than asked for: do not leak */
		}
	}
	*nfds = n;
	if ((size_t)r != len || (m.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
		for (i = 0; i < n; i++)
			close(fds[i]);
		*nfds = 0;
		return -VRQ_EINVAL;
	}
	return 0;
}
