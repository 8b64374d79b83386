/* SPDX-License-Identifier: MIT */
/*
 * bench/baselines/eventfd.c - "eventfd": the payload travels through shared
 * memory, the doorbell is an eventfd each way (the shape of a virtqueue
 * kick/call pair over eventfds, minus the ring).  Blocking, rr only.
 *
 *   client: copy req bytes into the shared request buffer, write(req_efd, 1),
 *           read(resp_efd), copy the response out
 *   server: read(req_efd), copy the request out, copy the response in,
 *           write(resp_efd, 1)
 *
 * Counts: each write() to an eventfd is a notification, each read() that
 * returned is an interrupt: exactly 2 + 2 per transaction.  The eventfd
 * write/read pair also orders the buffer copies (the kernel's eventfd lock;
 * ThreadSanitizer models it as fd release/acquire).
 *
 * End of run: the client stores VB_DONE and rings once more; a server that
 * fails raises run->abort and rings the client, so neither waits forever.
 */
#include "baselines.h"
#include "common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct efd_ctx {
	int req_efd, resp_efd;
	uint8_t *sh_req, *sh_resp;		  /* shared */
	uint8_t *c_req, *c_resp, *s_req, *s_resp; /* private */
};

static int efd_ring(struct vb_run *run, int fd)
{
	uint64_t one = 1;

	while (write(fd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
		if (errno != EINTR)
			return vb_err(run, "write(eventfd)", errno);
	}
	return 0;
}

static int efd_wait(struct vb_run *run, int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v)) {
		if (errno != EINTR)
			return vb_err(run, "read(eventfd)", errno);
	}
	return 0;
}

static int efd_client(struct vb_run *run)
{
	struct efd_ctx *c = run->ctx;
	size_t req = run->p->req, resp = run->p->resp;
	struct vb_meter m;
	uint64_t seq, bad = 0;
	int rc;

	rc = vb_meter_start(&m, run, 0);
	for (seq = 0; !rc; seq++) {
		uint64_t t0 = vb_ticks(), t1;

		vb_pat_set(c->c_req, req, vb_req_pat(seq));
		memcpy(c->sh_req, c->c_req, req);
		/* R: the copy above before the doorbell; pairs with the server's read */
		rc = efd_ring(run, c->req_efd);
		if (rc)
			break;
		m.notif++;
		rc = efd_wait(run, c->resp_efd);
		if (rc)
			break;
		m.intr++;
		if (vb_run_aborted(run)) {
			rc = -EPIPE; /* the server said why */
			break;
		}
		/* A: after the doorbell; pairs with the server's write */
		memcpy(c->c_resp, c->sh_resp, resp);
		t1 = vb_ticks();
		bad += !vb_pat_ok(c->c_resp, resp, vb_resp_pat(seq));
		if (vb_meter_rr(&m, t0, t1))
			break;
	}
	run->side[0].bad = bad;
	/* stop: VB_DONE, then one more ring (ordered like a request) */
	vb_run_done(run);
	if (efd_ring(run, c->req_efd) && !rc)
		rc = -EIO;
	return rc;
}

static int efd_server(struct vb_run *run)
{
	struct efd_ctx *c = run->ctx;
	size_t req = run->p->req, resp = run->p->resp;
	uint64_t seq, bad = 0, n = 0;
	int rc;

	for (seq = 0;; seq++) {
		int ph;

		rc = efd_wait(run, c->req_efd);
		if (rc)
			break;
		ph = vb_peer_phase(run);
		if (ph == VB_DONE)
			break;
		/* A: after the doorbell; pairs with the client's write */
		memcpy(c->s_req, c->sh_req, req);
		bad += !vb_pat_ok(c->s_req, req, vb_req_pat(seq));
		vb_pat_set(c->s_resp, resp, vb_resp_pat(seq));
		memcpy(c->sh_resp, c->s_resp, resp);
		/* R: the copy above before the doorbell; pairs with the client's read */
		rc = efd_ring(run, c->resp_efd);
		if (rc)
			break;
		n += ph == VB_MEASURE;
	}
	if (rc) {
		/* release the client: it re-checks abort after every wake-up */
		vb_run_abort(run);
		efd_ring(run, c->resp_efd);
	}
	run->side[1].bad = bad;
	run->side[1].notifications = n; /* one ring and one wake-up per request */
	run->side[1].interrupts = n;
	return rc;
}

static int efd_rr(const struct vb_params *p, struct vb_result *r)
{
	struct efd_ctx c = { -1, -1, NULL, NULL, NULL, NULL, NULL, NULL };
	struct vb_run run;
	int rc;

	vb_run_init(&run, "eventfd", "rr", p, r, NULL);
	rc = vb_check_rr(&run);
	if (rc)
		return rc;
	c.req_efd = eventfd(0, EFD_CLOEXEC);
	if (c.req_efd < 0)
		return vb_err(&run, "eventfd", errno);
	c.resp_efd = eventfd(0, EFD_CLOEXEC);
	if (c.resp_efd < 0) {
		rc = vb_err(&run, "eventfd", errno);
		goto out;
	}
	rc = -ENOMEM;
	c.sh_req = vb_zalloc(&run, p->req);
	c.c_req = vb_zalloc(&run, p->req);
	c.s_req = vb_zalloc(&run, p->req);
	c.sh_resp = vb_zalloc(&run, p->resp);
	c.c_resp = vb_zalloc(&run, p->resp);
	c.s_resp = vb_zalloc(&run, p->resp);
	if (!c.sh_req || !c.c_req || !c.s_req || !c.sh_resp || !c.c_resp || !c.s_resp)
		goto out;
	run.ctx = &c;
	rc = vb_run_threads(&run, efd_client, efd_server);
out:
	vb_free(c.sh_req);
	vb_free(c.c_req);
	vb_free(c.s_req);
	vb_free(c.sh_resp);
	vb_free(c.c_resp);
	vb_free(c.s_resp);
	if (c.resp_efd >= 0)
		close(c.resp_efd);
	close(c.req_efd);
	return rc;
}

const struct vb_baseline vb_eventfd = {
	.name = "eventfd",
	.desc = "payload in shared memory, an eventfd doorbell each way, blocking",
	.rr = efd_rr,
	.stream = NULL,
};
