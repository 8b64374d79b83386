/* SPDX-License-Identifier: MIT */
/*
 * bench/baselines/fd.c - the byte-stream baselines: "pipe" (two pipes),
 * "socketpair" (AF_UNIX SOCK_STREAM) and "tcp" (127.0.0.1, TCP_NODELAY on
 * both ends: what netperf TCP_RR measures).  All blocking, rr only; the
 * payload is copied through the kernel both ways.
 *
 * Counts: every write() call is a notification, every read() that
 * returned data is an interrupt (a wake-up when the reader had to sleep;
 * the kernel does not tell us when it did not).  So a transaction costs at
 * least 2 + 2, more when a message is split.
 *
 * End of run: the client shuts its sending direction (close or
 * shutdown(SHUT_WR)); the server reads EOF at a message boundary and
 * leaves.  A side that fails does the same, so its peer's blocking read
 * returns 0 and nobody waits forever.
 */
#include "baselines.h"
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct fd_ctx {
	int c_wr, c_rd;				  /* client: sends on c_wr, receives on c_rd */
	int s_rd, s_wr;				  /* server */
	bool sock;				  /* c_wr == c_rd (and s_*): shutdown, not close */
	uint8_t *c_req, *c_resp, *s_req, *s_resp; /* private buffers */
};

static int fd_write_full(struct vb_run *run, int fd, const uint8_t *b, size_t n, uint64_t *cnt)
{
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return vb_err(run, "write", errno);
		}
		(*cnt)++;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* 0: message read; 1: clean EOF before its first byte; < 0: error. */
static int fd_read_full(struct vb_run *run, int fd, uint8_t *b, size_t n, uint64_t *cnt)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, b + got, n - got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return vb_err(run, "read", errno);
		}
		if (!r) {
			if (!got)
				return 1;
			return vb_err(run, "read (peer closed mid-message)", EPIPE);
		}
		(*cnt)++;
		got += (size_t)r;
	}
	return 0;
}

/* Stop sending on *fd: the peer's next read returns 0. */
static void fd_shut(struct fd_ctx *c, int *fd)
{
	if (c->sock) {
		shutdown(*fd, SHUT_WR);
	} else if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static int fd_client(struct vb_run *run)
{
	struct fd_ctx *c = run->ctx;
	size_t req = run->p->req, resp = run->p->resp;
	struct vb_meter m;
	uint64_t seq, bad = 0;
	int rc;

	rc = vb_meter_start(&m, run, 0);
	for (seq = 0; !rc; seq++) {
		uint64_t t0 = vb_ticks(), t1;

		vb_pat_set(c->c_req, req, vb_req_pat(seq));
		rc = fd_write_full(run, c->c_wr, c->c_req, req, &m.notif);
		if (rc)
			break;
		rc = fd_read_full(run, c->c_rd, c->c_resp, resp, &m.intr);
		if (rc) {
			if (rc > 0) /* the server gave up and said why */
				rc = -EPIPE;
			break;
		}
		t1 = vb_ticks();
		bad += !vb_pat_ok(c->c_resp, resp, vb_resp_pat(seq));
		if (vb_meter_rr(&m, t0, t1))
			break;
	}
	if (rc)
		vb_run_done(run);
	run->side[0].bad = bad;
	fd_shut(c, &c->c_wr);
	return rc;
}

static int fd_server(struct vb_run *run)
{
	struct fd_ctx *c = run->ctx;
	size_t req = run->p->req, resp = run->p->resp;
	uint64_t seq, bad = 0, notif = 0, intr = 0;
	int rc = 0;

	for (seq = 0;; seq++) {
		uint64_t w = 0, i = 0;
		bool measured;

		rc = fd_read_full(run, c->s_rd, c->s_req, req, &i);
		if (rc) {
			if (rc > 0) /* client done */
				rc = 0;
			break;
		}
		/* the request carries the client's phase store (see vb_peer_phase) */
		measured = vb_peer_phase(run) == VB_MEASURE;
		bad += !vb_pat_ok(c->s_req, req, vb_req_pat(seq));
		vb_pat_set(c->s_resp, resp, vb_resp_pat(seq));
		rc = fd_write_full(run, c->s_wr, c->s_resp, resp, &w);
		if (measured) {
			notif += w;
			intr += i;
		}
		if (rc)
			break;
	}
	run->side[1].bad = bad;
	run->side[1].notifications = notif;
	run->side[1].interrupts = intr;
	if (rc)
		fd_shut(c, &c->s_wr);
	return rc;
}

static void fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int fd_run(struct vb_run *run, struct fd_ctx *c)
{
	const struct vb_params *p = run->p;
	int rc = -ENOMEM;

	c->c_req = vb_zalloc(run, p->req);
	c->s_req = vb_zalloc(run, p->req);
	c->c_resp = vb_zalloc(run, p->resp);
	c->s_resp = vb_zalloc(run, p->resp);
	if (c->c_req && c->s_req && c->c_resp && c->s_resp) {
		run->ctx = c;
		/* procs: each process closes its copies of the other side's
		 * ends, so that a shut-down pipe end reads as EOF */
		run->side_fd[0][0] = &c->c_wr;
		run->side_fd[0][1] = &c->c_rd;
		run->side_fd[1][0] = &c->s_rd;
		run->side_fd[1][1] = &c->s_wr;
		rc = vb_run_threads(run, fd_client, fd_server);
	}
	vb_free(c->c_req);
	vb_free(c->s_req);
	vb_free(c->c_resp);
	vb_free(c->s_resp);
	fd_close(&c->c_wr);
	fd_close(&c->s_wr);
	if (c->sock) /* one descriptor per side */
		c->c_rd = c->s_rd = -1;
	fd_close(&c->c_rd);
	fd_close(&c->s_rd);
	return rc;
}

static void fd_ctx_init(struct fd_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->c_wr = c->c_rd = c->s_rd = c->s_wr = -1;
}

/* ---- pipe ------------------------------------------------------------------------ */

static int pipe_rr(const struct vb_params *p, struct vb_result *r)
{
	struct fd_ctx c;
	int up[2], down[2], rc;
	struct vb_run run;

	fd_ctx_init(&c);
	vb_run_init(&run, "pipe", "rr", p, r, NULL);
	rc = vb_check_rr(&run);
	if (rc)
		return rc;
	if (pipe2(up, O_CLOEXEC))
		return vb_err(&run, "pipe2", errno);
	if (pipe2(down, O_CLOEXEC)) {
		rc = vb_err(&run, "pipe2", errno);
		close(up[0]);
		close(up[1]);
		return rc;
	}
	c.c_wr = up[1];
	c.s_rd = up[0];
	c.s_wr = down[1];
	c.c_rd = down[0];
	return fd_run(&run, &c);
}

/* ---- socketpair ---------------------------------------------------------------- */

static int socketpair_rr(const struct vb_params *p, struct vb_result *r)
{
	struct fd_ctx c;
	struct vb_run run;
	int sv[2], rc;

	fd_ctx_init(&c);
	vb_run_init(&run, "socketpair", "rr", p, r, NULL);
	rc = vb_check_rr(&run);
	if (rc)
		return rc;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return vb_err(&run, "socketpair", errno);
	c.sock = true;
	c.c_wr = c.c_rd = sv[0];
	c.s_wr = c.s_rd = sv[1];
	return fd_run(&run, &c);
}

/* ---- tcp ------------------------------------------------------------------------- */

static int tcp_nodelay(struct vb_run *run, int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		return vb_err(run, "setsockopt(TCP_NODELAY)", errno);
	return 0;
}

static int tcp_rr(const struct vb_params *p, struct vb_result *r)
{
	struct fd_ctx c;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int lfd = -1, cfd = -1, sfd = -1, rc;
	struct vb_run run;

	fd_ctx_init(&c);
	vb_run_init(&run, "tcp", "rr", p, r, NULL);
	rc = vb_check_rr(&run);
	if (rc)
		return rc;

	/* listen on an ephemeral loopback port; connect completes through the
	 * backlog, so one thread can do the whole handshake */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return vb_err(&run, "socket", errno);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = vb_err(&run, "bind(127.0.0.1:0)", errno);
		goto fail;
	}
	if (listen(lfd, 1)) {
		rc = vb_err(&run, "listen", errno);
		goto fail;
	}
	if (getsockname(lfd, (struct sockaddr *)&sa, &len)) {
		rc = vb_err(&run, "getsockname", errno);
		goto fail;
	}
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0) {
		rc = vb_err(&run, "socket", errno);
		goto fail;
	}
	if (connect(cfd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = vb_err(&run, "connect", errno);
		goto fail;
	}
	sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (sfd < 0) {
		rc = vb_err(&run, "accept4", errno);
		goto fail;
	}
	close(lfd);
	lfd = -1;
	rc = tcp_nodelay(&run, cfd);
	if (!rc)
		rc = tcp_nodelay(&run, sfd);
	if (rc)
		goto fail;
	c.sock = true;
	c.c_wr = c.c_rd = cfd;
	c.s_wr = c.s_rd = sfd;
	return fd_run(&run, &c);
fail:
	if (sfd >= 0)
		close(sfd);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	return rc;
}

const struct vb_baseline vb_pipe = {
	.name = "pipe",
	.desc = "two pipes, blocking read/write",
	.rr = pipe_rr,
	.stream = NULL,
};

const struct vb_baseline vb_socketpair = {
	.name = "socketpair",
	.desc = "AF_UNIX SOCK_STREAM socketpair, blocking",
	.rr = socketpair_rr,
	.stream = NULL,
};

const struct vb_baseline vb_tcp = {
	.name = "tcp",
	.desc = "TCP over 127.0.0.1, TCP_NODELAY, blocking (netperf TCP_RR)",
	.rr = tcp_rr,
	.stream = NULL,
};
