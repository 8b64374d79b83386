/* SPDX-License-Identifier: MIT */
/*
 * tests/notify/test_shm.c - shared-memory setup errors, fd passing and the
 * link header as untrusted input.
 *
 *  - vrq_shm_create: size 0, a NUMA node that does not exist, huge pages
 *    required / with fallback: an error code (or the fallback) and a
 *    message every time;
 *  - named regions: shm_open by name, vrq_shm_attach_name maps the same
 *    bytes at another address, destroy unlinks the name (ENOENT after);
 *  - vrq_shm_send_fds / recv_fds over a socketpair: a memfd arrives as a
 *    new fd onto the same bytes; short messages, closed sockets and bad
 *    fds give an error (and leak no fd), never a crash;
 *  - vrq_link_attach on a region whose header was corrupted one field at a
 *    time: refused with a code and a message; the restored header attaches;
 *  - vrq_link_create with qsize 0 / buf_bytes 0: refused with a message;
 *  - sealing: vrq_shm_create's memfd carries F_SEAL_SHRINK|GROW|SEAL (no
 *    resize, no new seal); vrq_shm_attach_fd refuses (-EPERM, a message
 *    naming the SIGBUS risk) a memfd without the size seals, sealed at 0
 *    bytes (-EINVAL), a pipe, a regular file, and maps them only with
 *    VRQ_SHM_ALLOW_UNSEALED; a link whose region a hostile driver swapped
 *    for an unsealed copy is refused in-process and over a socket (the
 *    driver hears -EPERM); a named region needs the opt-in on both sides;
 *  - the attack: a driver truncating the region after the device attached
 *    gets EPERM, and the device (a child process) serves a request and
 *    reads every page instead of dying of SIGBUS;
 *  - NUMA: a zeroed shm or link config binds nothing (policy MPOL_DEFAULT);
 *    bind_node + node 0 binds (MPOL_BIND) or is refused with a message;
 *  - local errors are -errno of the failed call: ENOENT (shm_open), EBADF,
 *    EEXIST, EMFILE (memfd_create, eventfd with no fd left).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vrq/link.h"
#include "vrq/shm.h"
#include "vrq/vrq.h"

#include "vrq_test.h"

/* open fds of this process: error paths must not leak any */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

static struct vrq_shm_cfg shm_cfg(size_t size)
{
	struct vrq_shm_cfg c;

	memset(&c, 0, sizeof(c)); /* zero: sealed memfd, normal pages, no NUMA binding */
	c.size = size;
	return c;
}

/* ---- vrq_shm_create errors ---------------------------------------------------- */

static int test_create_errors(void)
{
	struct vrq_shm s;
	struct vrq_shm_cfg c = shm_cfg(0);
	int rc;

	rc = vrq_shm_create(&s, &c);
	CHECK_EQ(rc, -VRQ_EINVAL);
	CHECK(s.msg[0] != '\0');
	CHECK(s.base == NULL && s.fd == -1);

	rc = vrq_shm_create(&s, NULL);
	CHECK_EQ(rc, -VRQ_EINVAL);
	CHECK(s.msg[0] != '\0');

	/* a node that exists nowhere: refused, and the message names it */
	c = shm_cfg(65536);
	c.bind_node = true;
	c.node = 4096;
	rc = vrq_shm_create(&s, &c);
	printf("numa_node 4096: %s: %s\n", vrq_strerror(rc), s.msg);
	CHECK(rc == -VRQ_EINVAL || rc == -VRQ_ENOTSUP);
	CHECK(strstr(s.msg, "4096") != NULL);
	CHECK(s.base == NULL && s.fd == -1);
	if (vrq_shm_numa_nodes() == 0)
		CHECK_EQ(rc, -VRQ_ENOTSUP);

	/* huge pages can only back a memfd region */
	c = shm_cfg(65536);
	c.name = "/vrq-test-huge-named";
	c.hugepages = true;
	rc = vrq_shm_create(&s, &c);
	CHECK_EQ(rc, -VRQ_ENOTSUP);
	CHECK(s.msg[0] != '\0');
	return 0;
}

static long nr_hugepages(void)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "re");
	long n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

static int test_hugepages(void)
{
	struct vrq_shm s;
	struct vrq_shm_cfg c = shm_cfg(65536);
	long nr = nr_hugepages();
	int rc;

	c.hugepages = true;
	if (nr < 0) {
		printf("hugepages: /proc/sys/vm/nr_hugepages unreadable, skipped\n");
		return 0;
	}
	if (nr == 0) {
		c.huge_required = true;
		rc = vrq_shm_create(&s, &c);
		printf("hugepages required, nr_hugepages 0: %s: %s\n", vrq_strerror(rc), s.msg);
		CHECK_EQ(rc, -VRQ_ENOMEM);
		CHECK(s.msg[0] != '\0');
		CHECK(s.base == NULL && s.fd == -1);

		c.huge_required = false;
		rc = vrq_shm_create(&s, &c);
		printf("hugepages with fallback: %d: %s\n", rc, s.msg);
		CHECK_EQ(rc, 0);
		CHECK(!s.huge);
		CHECK(s.msg[0] != '\0'); /* says it fell back */
		CHECK(s.size >= 65536);
		memset(s.base, 0xa5, s.size); /* really mapped */
		vrq_shm_destroy(&s);
		CHECK(s.base == NULL && s.fd == -1);
		return 0;
	}
	/* huge pages configured: backed by them, or a stated fallback
	 * (all reserved by someone else) */
	rc = vrq_shm_create(&s, &c);
	printf("hugepages (nr_hugepages %ld): %d huge=%d %s\n", nr, rc, s.huge, s.msg);
	CHECK_EQ(rc, 0);
	CHECK(s.huge || s.msg[0] != '\0');
	if (s.huge)
		CHECK_EQ(s.size % (2u << 20), 0);
	memset(s.base, 0xa5, s.size);
	vrq_shm_destroy(&s);
	return 0;
}

/* ---- named regions ---------------------------------------------------------------- */

static int test_named(void)
{
	char name[64];
	struct vrq_shm a, b, c2;
	struct vrq_shm_cfg c = shm_cfg(3 * 4096 + 5);
	int rc, fd, fds0 = count_fds();

	snprintf(name, sizeof(name), "/vrq-test-%d", (int)getpid());
	shm_unlink(name); /* a leftover of a crashed run */
	c.name = name;
	/* a named region cannot be sealed: refused unless the caller opts in */
	rc = vrq_shm_create(&a, &c);
	printf("named region without allow_unsealed: %d: %s\n", rc, a.msg);
	CHECK_EQ(rc, -VRQ_EINVAL);
	CHECK(strstr(a.msg, "SIGBUS") != NULL);
	CHECK(a.base == NULL && a.fd == -1);
	errno = 0;
	CHECK_EQ(shm_open(name, O_RDONLY, 0), -1); /* nothing was created */
	CHECK_EQ(errno, ENOENT);
	c.allow_unsealed = true;
	rc = vrq_shm_create(&a, &c);
	if (rc == -ENOSYS || rc == -EACCES) {
		printf("named regions: shm_open unavailable here (%s), skipped\n", a.msg);
		return 0;
	}
	CHECK_EQ(rc, 0);
	CHECK(a.owner);
	CHECK(strcmp(a.name, name) == 0);
	CHECK_EQ(a.size, 4 * 4096); /* rounded up to the page */
	CHECK(!a.sealed);

	/* the name is taken: a second create fails cleanly, with shm_open's errno */
	rc = vrq_shm_create(&c2, &c);
	CHECK_EQ(rc, -EEXIST);
	CHECK(strstr(c2.msg, name) != NULL);
	CHECK_EQ(c2.fd, -1);

	/* the accepting side refuses it by default, and says why */
	rc = vrq_shm_attach_name(&b, name, a.size, 0);
	printf("named region attached without VRQ_SHM_ALLOW_UNSEALED: %d: %s\n", rc, b.msg);
	CHECK_EQ(rc, -EPERM);
	CHECK(strstr(b.msg, "SIGBUS") != NULL && strstr(b.msg, name) != NULL);
	CHECK(b.base == NULL && b.fd == -1);
	/* the fd of a named region, passed instead of its name: refused too */
	rc = vrq_shm_attach_fd(&b, a.fd, a.size, 0);
	CHECK_EQ(rc, -EPERM);
	CHECK(strstr(b.msg, "sealed") != NULL);
	CHECK(b.base == NULL && b.fd == -1);

	rc = vrq_shm_attach_name(&b, name, a.size, VRQ_SHM_ALLOW_UNSEALED);
	CHECK_EQ(rc, 0);
	CHECK(!b.sealed);
	CHECK(!b.owner);
	CHECK(b.base != a.base);
	CHECK(b.fd != a.fd);
	/* same bytes, both ways, first and last page */
	memcpy(a.base, "driver->device", 15);
	CHECK(memcmp(b.base, "driver->device", 15) == 0);
	((char *)b.base)[b.size - 1] = 0x5a;
	CHECK_EQ(((volatile char *)a.base)[a.size - 1], 0x5a);

	/* the peer may not claim more than the object holds */
	rc = vrq_shm_attach_name(&c2, name, a.size + 4096, VRQ_SHM_ALLOW_UNSEALED);
	CHECK_EQ(rc, -VRQ_EINVAL);
	CHECK(c2.msg[0] != '\0');
	CHECK_EQ(c2.fd, -1);
	rc = vrq_shm_attach_name(&c2, name, 0, VRQ_SHM_ALLOW_UNSEALED);
	CHECK_EQ(rc, -VRQ_EINVAL);

	/* the attacher does not unlink; the owner does */
	vrq_shm_destroy(&b);
	fd = shm_open(name, O_RDONLY, 0);
	CHECK(fd >= 0);
	close(fd);
	vrq_shm_destroy(&a);
	errno = 0;
	fd = shm_open(name, O_RDONLY, 0);
	CHECK_EQ(fd, -1);
	CHECK_EQ(errno, ENOENT);
	rc = vrq_shm_attach_name(&c2, name, 4096, VRQ_SHM_ALLOW_UNSEALED);
	CHECK_EQ(rc, -ENOENT); /* shm_open's errno */
	CHECK(strstr(c2.msg, name) != NULL);
	CHECK_EQ(count_fds(), fds0);
	return 0;
}

/* ---- fd passing ------------------------------------------------------------------- */

struct fd_msg {
	unsigned long long size;
	char tag[8];
};

static int test_fd_passing(void)
{
	struct vrq_shm a, b;
	struct vrq_shm_cfg c = shm_cfg(2 * 4096);
	struct fd_msg m = { 0, "region" }, r;
	int sv[2], fds[4], rc, fds0;
	unsigned n;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	fds0 = count_fds();
	CHECK_EQ(vrq_shm_create(&a, &c), 0);
	m.size = a.size;
	memcpy(a.base, "hello over SCM_RIGHTS", 22);
	CHECK_EQ(vrq_shm_send_fds(sv[0], &a.fd, 1, &m, sizeof(m)), 0);
	rc = vrq_shm_recv_fds(sv[1], fds, 4, &n, &r, sizeof(r));
	CHECK_EQ(rc, 0);
	CHECK_EQ(n, 1);
	CHECK(fds[0] != a.fd);
	CHECK(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	CHECK_EQ(r.size, a.size);
	CHECK(strcmp(r.tag, "region") == 0);
	CHECK_EQ(vrq_shm_attach_fd(&b, fds[0], (size_t)r.size, 0), 0);
	CHECK(b.sealed);
	close(fds[0]); /* attach took its own copy */
	CHECK(b.base != a.base);
	CHECK(memcmp(b.base, "hello over SCM_RIGHTS", 22) == 0);
	((char *)b.base)[4096] = 0x11;
	CHECK_EQ(((volatile char *)a.base)[4096], 0x11);
	/* a size beyond the object is refused */
	{
		struct vrq_shm x;

		CHECK_EQ(vrq_shm_attach_fd(&x, a.fd, a.size * 2, 0), -VRQ_EINVAL);
		CHECK(x.msg[0] != '\0');
		CHECK_EQ(vrq_shm_attach_fd(&x, -1, 4096, 0), -EBADF);
		CHECK(x.msg[0] != '\0');
	}
	vrq_shm_destroy(&b);

	/* more fds than the receiver takes: the extra ones are closed */
	{
		int three[3] = { a.fd, a.fd, a.fd };

		CHECK_EQ(vrq_shm_send_fds(sv[0], three, 3, &m, sizeof(m)), 0);
		rc = vrq_shm_recv_fds(sv[1], fds, 1, &n, &r, sizeof(r));
		CHECK_EQ(rc, 0);
		CHECK_EQ(n, 1);
		close(fds[0]);
	}
	/* sender-side argument errors */
	CHECK_EQ(vrq_shm_send_fds(sv[0], &a.fd, 17, &m, sizeof(m)), -VRQ_EINVAL);
	CHECK_EQ(vrq_shm_send_fds(sv[0], &a.fd, 1, &m, 0), -VRQ_EINVAL);
	CHECK_EQ(vrq_shm_send_fds(-1, &a.fd, 1, &m, sizeof(m)), -EBADF);

	/* stream: a short message, then the sender closes */
	CHECK(write(sv[0], "abcd", 4) == 4);
	close(sv[0]);
	rc = vrq_shm_recv_fds(sv[1], fds, 4, &n, &r, sizeof(r));
	CHECK(rc < 0);
	CHECK_EQ(n, 0);
	/* closed socket */
	rc = vrq_shm_recv_fds(sv[1], fds, 4, &n, &r, sizeof(r));
	CHECK_EQ(rc, -VRQ_EPEERGONE);
	CHECK_EQ(n, 0);
	close(sv[1]);
	/* not a socket at all */
	CHECK_EQ(vrq_shm_recv_fds(-1, fds, 4, &n, &r, sizeof(r)), -EBADF);

	/* datagrams: a short message carrying an fd is refused and the fd
	 * it carried is closed, not leaked */
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK_EQ(vrq_shm_send_fds(sv[0], &a.fd, 1, &m, 4), 0);
	rc = vrq_shm_recv_fds(sv[1], fds, 4, &n, &r, sizeof(r));
	CHECK_EQ(rc, -VRQ_EINVAL);
	CHECK_EQ(n, 0);
	/* a message longer than expected is truncated: refused too */
	{
		char big[64] = { 0 };

		CHECK_EQ(vrq_shm_send_fds(sv[0], &a.fd, 1, big, sizeof(big)), 0);
		rc = vrq_shm_recv_fds(sv[1], fds, 4, &n, &r, sizeof(r));
		CHECK_EQ(rc, -VRQ_EINVAL);
		CHECK_EQ(n, 0);
	}
	close(sv[0]);
	close(sv[1]);
	vrq_shm_destroy(&a);
	CHECK_EQ(count_fds(), fds0 - 2);
	return 0;
}

/* ---- link header as untrusted input ------------------------------------------------ */

static void link_cfg(struct vrq_link_cfg *lc, enum vrq_ring_kind ring, uint16_t qsize)
{
	memset(lc, 0, sizeof(*lc));
	lc->ring = ring;
	lc->qsize = qsize;
	lc->features = VRQ_FEATURE(VRQ_F_VERSION_1) | VRQ_FEATURE(VRQ_F_EVENT_IDX) |
		       VRQ_FEATURE(VRQ_F_INDIRECT_DESC);
	lc->notify = VRQ_NOTIFY_EVENTFD;
	lc->block = VRQ_NOTIFY_EVENTFD;
	lc->buf_bytes = 8192;
	lc->ind_max = 4;
}

enum corrupt {
	C_MAGIC,
	C_VERSION,
	C_QSIZE0,
	C_QSIZE3,
	C_QSIZE_BIG,
	C_RING_KIND,
	C_NOTIFY_KIND,
	C_BLOCK_KIND,
	C_AREA_ALIGN,
	C_OFF_KICK,
	C_OFF_RING,
	C_RING_BYTES,
	C_OFF_BUFS_BEYOND,
	C_OFF_BUFS_IN_RING,
	C_BUF_BYTES_0,
	C_BUF_BYTES_OVERFLOW,
	C_OFF_IND_BEYOND,
	C_IND_BYTES,
	C_IND_MAX,
	C_TOTAL_SMALL,
	C_TOTAL_BIG,
	C_DA_WRAP,
	C_HYBRID_POLL,
	C_COUNT
};

static const char *const corrupt_names[C_COUNT] = {
	"magic",
	"version",
	"qsize 0",
	"qsize 3 (split)",
	"qsize 65536",
	"ring_kind 7",
	"notify_kind 99",
	"block_kind 99",
	"area_align 4096",
	"off_kick",
	"off_ring",
	"ring_bytes",
	"off_bufs beyond region",
	"off_bufs inside ring",
	"buf_bytes 0",
	"buf_bytes overflow",
	"off_ind beyond region",
	"ind_bytes mismatch",
	"ind_max mismatch",
	"total smaller",
	"total larger",
	"da_base wraps",
	"hybrid blocking on poll",
};

static void corrupt(struct vrq_link_hdr *h, enum corrupt c)
{
	switch (c) {
	case C_MAGIC:
		h->magic ^= 1;
		break;
	case C_VERSION:
		h->version = VRQ_LINK_VERSION + 1;
		break;
	case C_QSIZE0:
		h->qsize = 0;
		break;
	case C_QSIZE3:
		h->qsize = 3;
		break;
	case C_QSIZE_BIG:
		h->qsize = 65536;
		break;
	case C_RING_KIND:
		h->ring_kind = 7;
		break;
	case C_NOTIFY_KIND:
		h->notify_kind = 99;
		break;
	case C_BLOCK_KIND:
		h->block_kind = 99;
		break;
	case C_AREA_ALIGN:
		h->area_align = 4096;
		break;
	case C_OFF_KICK:
		h->off_kick = h->off_ring;
		break;
	case C_OFF_RING:
		h->off_ring = 0;
		break;
	case C_RING_BYTES:
		h->ring_bytes += 64;
		break;
	case C_OFF_BUFS_BEYOND:
		h->off_bufs = h->total + 4096;
		break;
	case C_OFF_BUFS_IN_RING:
		h->off_bufs = h->off_ring;
		break;
	case C_BUF_BYTES_0:
		h->buf_bytes = 0;
		break;
	/* off_bufs + buf_bytes wraps to a small number */
	case C_BUF_BYTES_OVERFLOW:
		h->buf_bytes = UINT64_MAX - h->off_bufs + 4097;
		break;
	case C_OFF_IND_BEYOND:
		h->off_ind = h->total + 4096;
		break;
	case C_IND_BYTES:
		h->ind_bytes += 16;
		break;
	case C_IND_MAX:
		h->ind_max *= 2;
		break;
	case C_TOTAL_SMALL:
		h->total -= 4096;
		break;
	case C_TOTAL_BIG:
		h->total += 4096;
		break;
	case C_DA_WRAP:
		h->da_base = UINT64_MAX - 4096;
		break;
	case C_HYBRID_POLL:
		h->notify_kind = VRQ_NOTIFY_HYBRID;
		h->block_kind = VRQ_NOTIFY_POLL;
		break;
	default:
		break;
	}
}

static int test_link_header(enum vrq_ring_kind ring)
{
	struct vrq_link_cfg lc;
	struct vrq_link drv, dev;
	struct vrq_link_hdr saved, *h;
	int rc, c, fds0 = count_fds();

	link_cfg(&lc, ring, 8);
	rc = vrq_link_create(&drv, &lc);
	if (rc < 0)
		fprintf(stderr, "link create: %s\n", drv.msg);
	CHECK_EQ(rc, 0);
	h = (struct vrq_link_hdr *)drv.shm.base;
	memcpy(&saved, h, sizeof(saved));

	/* control: the intact header attaches */
	rc = vrq_link_attach(&dev, &drv);
	if (rc < 0)
		fprintf(stderr, "attach: %s\n", dev.msg);
	CHECK_EQ(rc, 0);
	vrq_link_destroy(&dev);

	for (c = 0; c < C_COUNT; c++) {
		/* qsize 3 is a valid packed size */
		if (c == C_QSIZE3 && ring == VRQ_RING_PACKED)
			continue;
		corrupt(h, (enum corrupt)c);
		memset(dev.msg, 0, sizeof(dev.msg));
		rc = vrq_link_attach(&dev, &drv);
		memcpy(h, &saved, sizeof(saved));
		if (rc == 0) {
			fprintf(stderr, "%s: corrupted %s accepted\n",
				ring == VRQ_RING_PACKED ? "packed" : "split", corrupt_names[c]);
			vrq_link_destroy(&dev);
			vrq_test_failures++;
			continue;
		}
		if (dev.msg[0] == '\0') {
			fprintf(stderr, "corrupted %s: refused (%d) without a message\n",
				corrupt_names[c], rc);
			vrq_test_failures++;
		}
	}
	/* restored: attaches again, and the queue works through it */
	rc = vrq_link_attach(&dev, &drv);
	CHECK_EQ(rc, 0);
	{
		struct vrq_sg sg = { vrq_link_da(&drv, drv.bufs), 16 };
		struct vrq_seg seg[2];
		struct vrq_chain ch;

		CHECK_EQ(vrq_vq_drv_add(&drv.drv, &sg, 1, 0, &drv), 0);
		vrq_vq_drv_publish(&drv.drv);
		vrq_chain_init(&ch, seg, 2);
		CHECK_EQ(vrq_vq_dev_pop(&dev.dev, &ch), 1);
		CHECK(seg[0].va == dev.bufs);
	}
	vrq_link_destroy(&dev);
	vrq_link_destroy(&drv);
	CHECK_EQ(count_fds(), fds0);
	return 0;
}

/* a futex link has no eventfds: a header claiming eventfd is refused */
static int test_link_missing_fds(void)
{
	struct vrq_link_cfg lc;
	struct vrq_link drv, dev;
	struct vrq_link_hdr *h;
	int rc;

	link_cfg(&lc, VRQ_RING_SPLIT, 8);
	lc.notify = VRQ_NOTIFY_FUTEX;
	CHECK_EQ(vrq_link_create(&drv, &lc), 0);
	CHECK_EQ(drv.kick_fd, -1);
	h = (struct vrq_link_hdr *)drv.shm.base;
	h->notify_kind = VRQ_NOTIFY_EVENTFD;
	h->block_kind = VRQ_NOTIFY_EVENTFD;
	rc = vrq_link_attach(&dev, &drv);
	printf("futex link, header says eventfd: %d: %s\n", rc, dev.msg);
	CHECK(rc < 0);
	CHECK(dev.msg[0] != '\0');
	h->notify_kind = h->block_kind = VRQ_NOTIFY_FUTEX;
	CHECK_EQ(vrq_link_attach(&dev, &drv), 0);
	vrq_link_destroy(&dev);
	vrq_link_destroy(&drv);
	return 0;
}

static int test_link_create_errors(void)
{
	struct vrq_link_cfg lc;
	struct vrq_link l;
	int rc, fds0 = count_fds();

	link_cfg(&lc, VRQ_RING_SPLIT, 0);
	rc = vrq_link_create(&l, &lc);
	CHECK(rc < 0);
	CHECK(l.msg[0] != '\0');
	printf("link qsize 0: %s\n", l.msg);

	link_cfg(&lc, VRQ_RING_SPLIT, 3);
	rc = vrq_link_create(&l, &lc);
	CHECK(rc < 0);
	CHECK(l.msg[0] != '\0');

	link_cfg(&lc, VRQ_RING_PACKED, 8);
	lc.buf_bytes = 0;
	rc = vrq_link_create(&l, &lc);
	CHECK(rc < 0);
	CHECK(l.msg[0] != '\0');
	printf("link buf_bytes 0: %s\n", l.msg);

	link_cfg(&lc, VRQ_RING_SPLIT, 8);
	lc.notify = (enum vrq_notify_kind)99;
	rc = vrq_link_create(&l, &lc);
	CHECK(rc < 0);
	CHECK(l.msg[0] != '\0');

	/* a shared-memory failure comes through with its own message */
	link_cfg(&lc, VRQ_RING_SPLIT, 8);
	lc.shm.bind_node = true;
	lc.shm.node = 4096;
	rc = vrq_link_create(&l, &lc);
	CHECK(rc < 0);
	CHECK(strstr(l.msg, "4096") != NULL);
	CHECK_EQ(count_fds(), fds0);
	return 0;
}

/* ---- sealing: the peer cannot take the memory away ------------------------------ */

/* seals of an fd, or -1 */
static int seals_of(int fd)
{
	return fcntl(fd, F_GET_SEALS);
}

/* A memfd made by hand, as a hostile or careless peer would: @p mfd_flags
 * for memfd_create, sized to @p size, then @p seals added (0: none). */
static int make_memfd(unsigned mfd_flags, size_t size, int seals)
{
	int fd = memfd_create("vrq-test-peer", MFD_CLOEXEC | mfd_flags);

	if (fd < 0)
		return -1;
	if ((size && ftruncate(fd, (off_t)size) < 0) || (seals && fcntl(fd, F_ADD_SEALS, seals) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* vrq_shm_create seals its memfd: nobody can resize it or add seals */
static int test_create_sealed(void)
{
	struct vrq_shm a;
	struct vrq_shm_cfg c = shm_cfg(3 * 4096);
	int seals;

	CHECK_EQ(vrq_shm_create(&a, &c), 0);
	seals = seals_of(a.fd);
	printf("created region: seals %#x\n", seals);
	CHECK(seals >= 0);
	CHECK_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
		 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	CHECK_EQ(seals & F_SEAL_WRITE, 0); /* both sides write it */
	CHECK(a.sealed);
	errno = 0;
	CHECK_EQ(ftruncate(a.fd, 0), -1); /* shrink */
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_EQ(ftruncate(a.fd, (off_t)a.size - 4096), -1);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_EQ(ftruncate(a.fd, (off_t)a.size * 2), -1); /* grow */
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_EQ(fcntl(a.fd, F_ADD_SEALS, F_SEAL_WRITE), -1); /* seals are sealed */
	CHECK_EQ(errno, EPERM);
	/* the mapping is whole */
	((volatile char *)a.base)[a.size - 1] = 1;
	vrq_shm_destroy(&a);
	return 0;
}

/* regions a peer could resize are refused: one case per way of handing one over */
static int test_attach_unsealed(void)
{
	static const struct {
		const char *what;
		unsigned mfd_flags;
		size_t size;
		int seals;
		int want; /* without VRQ_SHM_ALLOW_UNSEALED */
		int want_allowed;
	} cases[] = {
		{"memfd without MFD_ALLOW_SEALING", 0, 8192, 0, -EPERM, 0},
		{"sealable memfd, no seals", MFD_ALLOW_SEALING, 8192, 0, -EPERM, 0},
		{"sealable memfd, F_SEAL_GROW only (can shrink)", MFD_ALLOW_SEALING, 8192, F_SEAL_GROW,
		 -EPERM, 0},
		{"sealable memfd, F_SEAL_SHRINK only (can grow)", MFD_ALLOW_SEALING, 8192,
		 F_SEAL_SHRINK, -EPERM, 0},
		{"sealed before it was sized (0 bytes)", MFD_ALLOW_SEALING, 0,
		 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, -VRQ_EINVAL, -VRQ_EINVAL},
		{"sealed, F_SEAL_SEAL missing", MFD_ALLOW_SEALING, 8192, F_SEAL_SHRINK | F_SEAL_GROW, 0,
		 0},
		{"sealed like vrq_shm_create", MFD_ALLOW_SEALING, 8192,
		 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, 0, 0},
	};
	const char *name;
	struct vrq_shm s;
	unsigned i;
	int fd = -1, rc, fds0 = count_fds();

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		name = cases[i].what;
		fd = make_memfd(cases[i].mfd_flags, cases[i].size, cases[i].seals);
		CHECK_OUT(fd >= 0);
		memset(&s, 0, sizeof(s));
		rc = vrq_shm_attach_fd(&s, fd, 8192, 0);
		printf("[%s] attach: %d %s\n", name, rc, s.msg);
		CHECK_EQ_OUT(rc, cases[i].want);
		if (rc < 0) {
			CHECK_OUT(s.msg[0] != '\0');
			CHECK_OUT(s.base == NULL && s.fd == -1);
			if (rc == -EPERM)
				CHECK_OUT(strstr(s.msg, "sealed") && strstr(s.msg, "SIGBUS"));
		} else {
			CHECK_OUT(s.sealed);
			((volatile char *)s.base)[8191] = 1;
			vrq_shm_destroy(&s);
			/* nobody can resize it now */
			CHECK_EQ_OUT(ftruncate(fd, 0), -1);
			CHECK_EQ_OUT(ftruncate(fd, 16384), -1);
		}
		/* the explicit opt-in maps what the peer could resize */
		rc = vrq_shm_attach_fd(&s, fd, 8192, VRQ_SHM_ALLOW_UNSEALED);
		CHECK_EQ_OUT(rc, cases[i].want_allowed);
		if (rc == 0) {
			CHECK_EQ_OUT(s.sealed, cases[i].want == 0);
			vrq_shm_destroy(&s);
		}
		close(fd);
		fd = -1;
	}
	/* not a memory object at all: a pipe, a regular file */
	{
		int pfd[2];
		char tmpl[] = "/tmp/vrq-test-shm-XXXXXX";

		name = "pipe";
		CHECK_OUT(pipe2(pfd, O_CLOEXEC) == 0);
		rc = vrq_shm_attach_fd(&s, pfd[0], 4096, 0);
		close(pfd[0]);
		close(pfd[1]);
		CHECK_EQ_OUT(rc, -EPERM);
		name = "regular file";
		fd = mkostemp(tmpl, O_CLOEXEC);
		CHECK_OUT(fd >= 0);
		unlink(tmpl);
		CHECK_OUT(ftruncate(fd, 8192) == 0);
		rc = vrq_shm_attach_fd(&s, fd, 8192, 0);
		CHECK_EQ_OUT(rc, -EPERM);
		close(fd);
		fd = -1;
	}
	name = "fds";
	CHECK_EQ_OUT(count_fds(), fds0);
	return 0;
out:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* A link whose region a hostile driver swapped for an unsealed copy (same
 * bytes, same size): the device refuses it, in-process and over a socket,
 * and the driver hears why. */
static int accept_child(int sock, unsigned flags)
{
	struct vrq_link dev;
	int rc = vrq_link_accept(&dev, sock, flags);

	if (rc == 0) {
		vrq_link_destroy(&dev);
		return 0;
	}
	printf("  device process: accept: %d: %s\n", rc, dev.msg);
	return rc == -EPERM && strstr(dev.msg, "SIGBUS") ? 10 : 11;
}

/* fork a device that accepts with @p flags; 0 (accepted), 10 (refused as
 * unsealed with the message), other: unexpected.  *send_rc: the driver's. */
static int accept_in_child(struct vrq_link *drv, unsigned flags, int *send_rc)
{
	int sv[2], st;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(sv[0]);
		_exit(accept_child(sv[1], flags));
	}
	close(sv[1]);
	*send_rc = vrq_link_send(drv, sv[0]);
	close(sv[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int test_link_unsealed(void)
{
	const char *name = "link, unsealed copy of the region";
	struct vrq_link_cfg lc;
	struct vrq_link drv, dev;
	bool have_drv = false;
	int u = -1, orig = -1, send_rc = 0;
	void *p;

	link_cfg(&lc, VRQ_RING_SPLIT, 8);
	CHECK_EQ_OUT(vrq_link_create(&drv, &lc), 0);
	have_drv = true;
	u = make_memfd(0, drv.shm.size, 0);
	CHECK_OUT(u >= 0);
	p = mmap(NULL, drv.shm.size, PROT_READ | PROT_WRITE, MAP_SHARED, u, 0);
	CHECK_OUT(p != MAP_FAILED);
	memcpy(p, drv.shm.base, drv.shm.size);
	munmap(p, drv.shm.size);
	orig = drv.shm.fd;
	drv.shm.fd = u;

	CHECK_EQ_OUT(vrq_link_attach(&dev, &drv), -EPERM);
	printf("[%s] in-process attach: %s\n", name, dev.msg);
	CHECK_OUT(strstr(dev.msg, "sealed") != NULL);
	/* over a socket: the device refuses and the driver is told */
	CHECK_EQ_OUT(accept_in_child(&drv, 0, &send_rc), 10);
	printf("[%s] driver: %d: %s\n", name, send_rc, drv.msg);
	CHECK_EQ_OUT(send_rc, -EPERM);
	CHECK_OUT(strstr(drv.msg, "refused") != NULL);
	/* the opt-in accepts it */
	CHECK_EQ_OUT(accept_in_child(&drv, VRQ_SHM_ALLOW_UNSEALED, &send_rc), 0);
	CHECK_EQ_OUT(send_rc, 0);

	drv.shm.fd = orig;
	orig = -1;
	CHECK_EQ_OUT(accept_in_child(&drv, 0, &send_rc), 0);
	CHECK_EQ_OUT(send_rc, 0);
	CHECK_EQ_OUT(vrq_link_attach(&dev, &drv), 0);
	vrq_link_destroy(&dev);
out:
	if (orig >= 0)
		drv.shm.fd = orig;
	if (u >= 0)
		close(u);
	if (have_drv)
		vrq_link_destroy(&drv);
	return 0;
}

/* a named link region: the creator opts in; the device must opt in too */
static int test_link_named(void)
{
	const char *name = "link, named region";
	char shm_name[64];
	struct vrq_link_cfg lc;
	struct vrq_link drv, dev;
	bool have_drv = false;
	int rc, send_rc = 0;

	snprintf(shm_name, sizeof(shm_name), "/vrq-test-link-%d", (int)getpid());
	shm_unlink(shm_name);
	link_cfg(&lc, VRQ_RING_PACKED, 8);
	lc.shm.name = shm_name;
	rc = vrq_link_create(&drv, &lc);
	printf("[%s] create without allow_unsealed: %d: %s\n", name, rc, drv.msg);
	CHECK_EQ_OUT(rc, -VRQ_EINVAL);
	CHECK_OUT(strstr(drv.msg, "SIGBUS") != NULL);
	lc.shm.allow_unsealed = true;
	rc = vrq_link_create(&drv, &lc);
	if (rc == -ENOSYS || rc == -EACCES) {
		printf("[%s] shm_open unavailable here (%s), skipped\n", name, drv.msg);
		return 0;
	}
	CHECK_EQ_OUT(rc, 0);
	have_drv = true;
	/* the same process: allowed by its creator */
	CHECK_EQ_OUT(vrq_link_attach(&dev, &drv), 0);
	vrq_link_destroy(&dev);
	CHECK_EQ_OUT(accept_in_child(&drv, 0, &send_rc), 10);
	CHECK_EQ_OUT(send_rc, -EPERM);
	CHECK_EQ_OUT(accept_in_child(&drv, VRQ_SHM_ALLOW_UNSEALED, &send_rc), 0);
	CHECK_EQ_OUT(send_rc, 0);
out:
	if (have_drv)
		vrq_link_destroy(&drv);
	shm_unlink(shm_name);
	return 0;
}

/*
 * The attack itself: the device (a child process) attaches, the driver
 * queues a request and then truncates the region to 0 bytes, then lets the
 * device run.  With the size sealed the truncate fails (EPERM), the device
 * pops, reads and answers the request and reads every page of its mapping;
 * with an unsealed region the device would die of SIGBUS on its first
 * access to the ring.
 */
#define TR_REQ 0x1122334455667788ull

static void truncate_device(int sock)
{
	struct vrq_link l;
	struct vrq_seg seg[4];
	struct vrq_chain ch;
	uint64_t req[2], resp[2];
	volatile const uint8_t *b;
	unsigned sum = 0;
	size_t i;
	char go;
	int rc;

	if (vrq_link_accept(&l, sock, 0) < 0) {
		fprintf(stderr, "truncate device: accept: %s\n", l.msg);
		_exit(2);
	}
	if (read(sock, &go, 1) != 1) /* the driver has truncated (or tried) */
		_exit(3);
	rc = vrq_vq_dev_wait(&l.dev, &l.kick, 10ull * 1000000000ull);
	if (rc < 0) {
		fprintf(stderr, "truncate device: wait: %s\n", vrq_strerror(rc));
		_exit(4);
	}
	vrq_chain_init(&ch, seg, 4);
	rc = vrq_vq_dev_pop(&l.dev, &ch);
	if (rc != 1 || ch.n != 2 || seg[0].len != 16 || seg[1].len != 16) {
		fprintf(stderr, "truncate device: pop %d (%s)\n", rc, vrq_strerror(rc));
		_exit(5);
	}
	memcpy(req, seg[0].va, 16);
	if (req[0] != TR_REQ || req[1] != ~TR_REQ)
		_exit(6);
	resp[0] = req[0] + 1;
	resp[1] = req[1];
	memcpy(seg[1].va, resp, 16);
	if (vrq_vq_dev_push(&l.dev, ch.head, 16) < 0)
		_exit(7);
	vrq_vq_dev_publish(&l.dev);
	if (vrq_vq_dev_interrupt(&l.dev, &l.irq) < 0)
		_exit(8);
	/* every page of the mapping is still there */
	b = l.shm.base;
	for (i = 0; i < l.shm.size; i += 4096)
		sum += b[i];
	(void)sum;
	vrq_link_destroy(&l);
	_exit(0);
}

static int test_truncate_after_attach(enum vrq_ring_kind ring)
{
	const char *name = ring == VRQ_RING_PACKED ? "truncate after attach, packed"
						   : "truncate after attach, split";
	struct vrq_link_cfg lc;
	struct vrq_link drv;
	bool have_drv = false, truncated = false;
	pid_t child = -1;
	int sv[2] = {-1, -1}, st = 0, tr, te;

	link_cfg(&lc, ring, 8);
	CHECK_EQ_OUT(vrq_link_create(&drv, &lc), 0);
	have_drv = true;
	CHECK_OUT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	fflush(NULL);
	child = fork();
	CHECK_OUT(child >= 0);
	if (child == 0) {
		close(sv[0]);
		truncate_device(sv[1]);
	}
	close(sv[1]);
	sv[1] = -1;
	CHECK_EQ_OUT(vrq_link_send(&drv, sv[0]), 0);
	{
		uint64_t req[2] = {TR_REQ, ~TR_REQ};
		struct vrq_sg sg[2] = {{vrq_link_da(&drv, drv.bufs), 16},
				       {vrq_link_da(&drv, drv.bufs + 32), 16}};

		memcpy(drv.bufs, req, 16);
		CHECK_EQ_OUT(vrq_vq_drv_add(&drv.drv, sg, 1, 1, &drv), 0);
		vrq_vq_drv_publish(&drv.drv);
		CHECK_OUT(vrq_vq_drv_kick(&drv.drv, &drv.kick) >= 0);
	}
	/* the attack: from here on, if it worked, this side must not touch
	 * the region either */
	errno = 0;
	tr = ftruncate(drv.shm.fd, 0);
	te = errno;
	truncated = tr == 0;
	printf("[%s] driver: ftruncate(region, 0) = %d (%s)\n", name, tr, tr ? strerror(te) : "done");
	CHECK_OUT(write(sv[0], "g", 1) == 1);
	CHECK_OUT(waitpid(child, &st, 0) == child);
	child = -1;
	if (WIFSIGNALED(st))
		fprintf(stderr, "[%s] the device died of signal %d (%s)\n", name, WTERMSIG(st),
			strsignal(WTERMSIG(st)));
	CHECK_OUT(WIFEXITED(st));
	CHECK_EQ_OUT(WEXITSTATUS(st), 0);
	CHECK_EQ_OUT(tr, -1);
	CHECK_EQ_OUT(te, EPERM);
	/* the driver's side is intact too: the device's answer is there */
	{
		void *tok = NULL;
		uint32_t len = 0;
		uint64_t resp[2];

		CHECK_EQ_OUT(vrq_vq_drv_wait(&drv.drv, &drv.irq, 10ull * 1000000000ull), 0);
		CHECK_EQ_OUT(vrq_vq_drv_get_used(&drv.drv, &tok, &len), 1);
		CHECK_OUT(tok == &drv);
		CHECK_EQ_OUT(len, 16);
		memcpy(resp, drv.bufs + 32, 16);
		CHECK_OUT(resp[0] == TR_REQ + 1 && resp[1] == ~TR_REQ);
	}
	/* growing, or shrinking and growing back (new zero pages), fail too */
	CHECK_EQ_OUT(ftruncate(drv.shm.fd, (off_t)drv.shm.size * 2), -1);
	CHECK_EQ_OUT(errno, EPERM);
	CHECK_EQ_OUT(ftruncate(drv.shm.fd, 4096), -1);
	CHECK_EQ_OUT(errno, EPERM);
out:
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, &st, 0);
	}
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	/* after a successful truncate the mapping is gone: leak it, do not
	 * touch it */
	if (have_drv && !truncated)
		vrq_link_destroy(&drv);
	return 0;
}

/* ---- NUMA: zero means no binding ------------------------------------------------ */

#define T_MPOL_DEFAULT 0
#define T_MPOL_BIND 2
#define T_MPOL_F_ADDR (1 << 1)

/* the memory policy of the page at @p addr: 0 and *mode, or -1 (no NUMA
 * system call here) */
static int policy_of(void *addr, int *mode, unsigned long *mask)
{
	unsigned long m[16] = {0};

	if (syscall(SYS_get_mempolicy, mode, m, sizeof(m) * 8, addr, T_MPOL_F_ADDR) < 0)
		return -1;
	*mask = m[0];
	return 0;
}

static int test_numa_config(void)
{
	const char *name = "numa";
	struct vrq_shm s;
	struct vrq_shm_cfg c;
	struct vrq_link_cfg lc;
	struct vrq_link l;
	unsigned long mask = 0;
	int rc, mode = -1;

	/* zero-initialised config: no binding requested, whatever this
	 * build or machine has */
	memset(&c, 0, sizeof(c));
	c.size = 65536;
	rc = vrq_shm_create(&s, &c);
	printf("zeroed shm config: %d: numa_node %d %s\n", rc, rc == 0 ? s.numa_node : -2, s.msg);
	CHECK_EQ(rc, 0);
	CHECK_EQ(s.numa_node, -1);
	if (policy_of(s.base, &mode, &mask) == 0)
		CHECK_EQ(mode, T_MPOL_DEFAULT);
	vrq_shm_destroy(&s);

	/* a zeroed link config, fields a link needs only */
	memset(&lc, 0, sizeof(lc));
	lc.ring = VRQ_RING_SPLIT;
	lc.qsize = 8;
	lc.notify = VRQ_NOTIFY_POLL;
	lc.buf_bytes = 4096;
	rc = vrq_link_create(&l, &lc);
	printf("zeroed link config: %d %s\n", rc, l.msg);
	CHECK_EQ(rc, 0);
	CHECK_EQ(l.shm.numa_node, -1);
	if (policy_of(l.shm.base, &mode, &mask) == 0)
		CHECK_EQ(mode, T_MPOL_DEFAULT);
	vrq_link_destroy(&l);

	/* an explicit node is honoured where NUMA is available, else refused
	 * with a message naming it */
	c.bind_node = true;
	c.node = 0;
	rc = vrq_shm_create(&s, &c);
	printf("bind to node 0 (%d node(s) usable): %d %s\n", vrq_shm_numa_nodes(), rc, s.msg);
	if (vrq_shm_numa_nodes() > 0) {
		CHECK_EQ(rc, 0);
		CHECK_EQ(s.numa_node, 0);
		if (policy_of(s.base, &mode, &mask) == 0) {
			CHECK_EQ(mode, T_MPOL_BIND);
			CHECK_EQ(mask, 1);
		}
		vrq_shm_destroy(&s);
	} else {
		CHECK_EQ(rc, -VRQ_ENOTSUP);
		CHECK(strstr(s.msg, "node 0") != NULL);
		CHECK(s.base == NULL && s.fd == -1);
	}
	(void)name;
	return 0;
}

/* ---- local errors are -errno of the failed call --------------------------------- */

static int test_errno_codes(void)
{
	struct vrq_shm s;
	struct vrq_shm_cfg c = shm_cfg(4096);
	struct vrq_link_cfg lc;
	struct vrq_link l;
	struct rlimit old, lim;
	char nm[64];
	int probe, rc, rc_link, rc_efd, efd = -1;

	/* shm_open of a name nobody created: ENOENT */
	snprintf(nm, sizeof(nm), "/vrq-test-none-%d", (int)getpid());
	rc = vrq_shm_attach_name(&s, nm, 4096, VRQ_SHM_ALLOW_UNSEALED);
	CHECK_EQ(rc, -ENOENT);
	CHECK(strstr(s.msg, "No such file") != NULL);
	/* a bad fd: EBADF from the dup */
	CHECK_EQ(vrq_shm_attach_fd(&s, 1000000, 4096, 0), -EBADF);

	/* no fd left: memfd_create and eventfd fail with EMFILE, and so do
	 * vrq_shm_create, vrq_link_create and vrq_notify_eventfd */
	CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0);
	probe = open("/dev/null", O_RDONLY | O_CLOEXEC); /* the lowest free fd */
	CHECK(probe >= 0);
	close(probe);
	lim = old;
	lim.rlim_cur = (rlim_t)probe; /* the next fd would be probe: over the limit */
	CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0);
	rc = vrq_shm_create(&s, &c);
	link_cfg(&lc, VRQ_RING_SPLIT, 8);
	rc_link = vrq_link_create(&l, &lc);
	rc_efd = vrq_notify_eventfd(&efd);
	CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
	printf("out of fds: shm %d (%s), link %d (%s), eventfd %d\n", rc, s.msg, rc_link, l.msg,
	       rc_efd);
	CHECK_EQ(rc, -EMFILE);
	CHECK(strstr(s.msg, "memfd_create") != NULL);
	CHECK(s.base == NULL && s.fd == -1);
	CHECK_EQ(rc_link, -EMFILE);
	CHECK_EQ(rc_efd, -EMFILE);
	CHECK_EQ(efd, -1);
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_create_errors();
	test_hugepages();
	test_named();
	test_fd_passing();
	test_link_header(VRQ_RING_SPLIT);
	test_link_header(VRQ_RING_PACKED);
	test_link_missing_fds();
	test_link_create_errors();
	test_create_sealed();
	test_attach_unsealed();
	test_link_unsealed();
	test_link_named();
	test_truncate_after_attach(VRQ_RING_SPLIT);
	test_truncate_after_attach(VRQ_RING_PACKED);
	test_numa_config();
	test_errno_codes();
	if (vrq_test_failures) {
		fprintf(stderr, "%d check(s) failed\n", vrq_test_failures);
		return 1;
	}
	printf("all shm checks passed\n");
	return 0;
}
