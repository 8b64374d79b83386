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
 *  - vrq_link_create with qsize 0 / buf_bytes 0: refused with a message.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
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

	memset(&c, 0, sizeof(c));
	c.size = size;
	c.numa_node = -1;
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
	c.numa_node = 4096;
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
	rc = vrq_shm_create(&a, &c);
	if (rc == -VRQ_ESYS && (errno == ENOSYS || errno == EACCES)) {
		printf("named regions: shm_open unavailable here (%s), skipped\n", a.msg);
		return 0;
	}
	CHECK_EQ(rc, 0);
	CHECK(a.owner);
	CHECK(strcmp(a.name, name) == 0);
	CHECK_EQ(a.size, 4 * 4096); /* rounded up to the page */

	/* the name is taken: a second create fails cleanly */
	rc = vrq_shm_create(&c2, &c);
	CHECK_EQ(rc, -VRQ_ESYS);
	CHECK(strstr(c2.msg, name) != NULL);

	rc = vrq_shm_attach_name(&b, name, a.size);
	CHECK_EQ(rc, 0);
	CHECK(!b.owner);
	CHECK(b.base != a.base);
	CHECK(b.fd != a.fd);
	/* same bytes, both ways, first and last page */
	memcpy(a.base, "driver->device", 15);
	CHECK(memcmp(b.base, "driver->device", 15) == 0);
	((char *)b.base)[b.size - 1] = 0x5a;
	CHECK_EQ(((volatile char *)a.base)[a.size - 1], 0x5a);

	/* the peer may not claim more than the object holds */
	rc = vrq_shm_attach_name(&c2, name, a.size + 4096);
	CHECK_EQ(rc, -VRQ_EINVAL);
	CHECK(c2.msg[0] != '\0');
	CHECK_EQ(c2.fd, -1);
	rc = vrq_shm_attach_name(&c2, name, 0);
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
	rc = vrq_shm_attach_name(&c2, name, 4096);
	CHECK_EQ(rc, -VRQ_ESYS);
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
	CHECK_EQ(vrq_shm_attach_fd(&b, fds[0], (size_t)r.size), 0);
	close(fds[0]); /* attach took its own copy */
	CHECK(b.base != a.base);
	CHECK(memcmp(b.base, "hello over SCM_RIGHTS", 22) == 0);
	((char *)b.base)[4096] = 0x11;
	CHECK_EQ(((volatile char *)a.base)[4096], 0x11);
	/* a size beyond the object is refused */
	{
		struct vrq_shm x;

		CHECK_EQ(vrq_shm_attach_fd(&x, a.fd, a.size * 2), -VRQ_EINVAL);
		CHECK(x.msg[0] != '\0');
		CHECK_EQ(vrq_shm_attach_fd(&x, -1, 4096), -VRQ_ESYS);
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
	CHECK_EQ(vrq_shm_send_fds(-1, &a.fd, 1, &m, sizeof(m)), -VRQ_ESYS);

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
	CHECK_EQ(vrq_shm_recv_fds(-1, fds, 4, &n, &r, sizeof(r)), -VRQ_ESYS);

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
	lc->shm.numa_node = -1;
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
	lc.shm.numa_node = 4096;
	rc = vrq_link_create(&l, &lc);
	CHECK(rc < 0);
	CHECK(strstr(l.msg, "4096") != NULL);
	CHECK_EQ(count_fds(), fds0);
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
	if (vrq_test_failures) {
		fprintf(stderr, "%d check(s) failed\n", vrq_test_failures);
		return 1;
	}
	printf("all shm checks passed\n");
	return 0;
}
