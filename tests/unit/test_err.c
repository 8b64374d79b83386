/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_err.c - error codes and their texts.
 *
 *  - local codes are errno values: VRQ_EINVAL == EINVAL, ... (the table
 *    below), and vrq_strerror() gives the C library's text for them and for
 *    errno values vrq does not name (-ENOMEM, -ENOSPC, -EAGAIN ...), never
 *    a peer text;
 *  - peer codes (every value VRQ_EPEER_FIRST .. VRQ_EPEER_LAST - 1, so codes
 *    appended later are covered) lie above 4095, equal no errno value
 *    1..4095, are peer codes for vrq_err_is_peer() with either sign (and no
 *    errno value is), have distinct "peer: ..." texts, and map 1:1 onto the
 *    counter slots (VRQ_PEER_ERR_IDX, either sign);
 *  - 0 is "success"; anything else (beyond the peer range, INT_MIN,
 *    INT_MAX) is the unknown-code text, never NULL;
 *  - vrq_strerror() is thread-safe: threads asking for different codes at
 *    once each get their own code's text.
 * Local errors of the Linux transports (-errno of the failed call) are
 * checked in tests/notify/test_shm.c.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "vrq_test.h"

static const char *unknown_text(void)
{
	return vrq_strerror(VRQ_EPEER_LAST);
}

struct local_code {
	const char *name;
	int vrq, err;
};

static const struct local_code locals[] = {
	{"VRQ_EINVAL", VRQ_EINVAL, EINVAL},
	{"VRQ_ENOSPC", VRQ_ENOSPC, ENOSPC},
	{"VRQ_ENOTSUP", VRQ_ENOTSUP, ENOTSUP},
	{"VRQ_ENOMEM", VRQ_ENOMEM, ENOMEM},
	{"VRQ_ESEGCAP", VRQ_ESEGCAP, EMSGSIZE},
	{"VRQ_EEXIST", VRQ_EEXIST, EEXIST},
	{"VRQ_ERANGE", VRQ_ERANGE, ERANGE},
	{"VRQ_ETIMEDOUT", VRQ_ETIMEDOUT, ETIMEDOUT},
	{"VRQ_EPEERGONE", VRQ_EPEERGONE, EPIPE},
};
#define N_LOCALS (sizeof(locals) / sizeof(locals[0]))

/* the C library's text for errno value e, same sign rules as vrq_strerror */
static int check_errno_text(int code, int e)
{
	char want[256];
	const char *got = vrq_strerror(code);

	snprintf(want, sizeof(want), "%s", strerror(e));
	if (!got || strcmp(got, want) != 0) {
		fprintf(stderr, "vrq_strerror(%d) = \"%s\", expected strerror(%d) = \"%s\"\n", code,
			got ? got : "(null)", e, want);
		CHECK(0);
	}
	CHECK(strncmp(got, "peer:", 5) != 0);
	CHECK_EQ(vrq_err_is_peer(code), 0);
	return 0;
}

static int test_local_codes(void)
{
	unsigned i, j;

	for (i = 0; i < N_LOCALS; i++) {
		if (locals[i].vrq != locals[i].err) {
			fprintf(stderr, "%s = %d, expected the errno value %d\n", locals[i].name,
				locals[i].vrq, locals[i].err);
			CHECK(0);
		}
		CHECK(locals[i].vrq > 0 && locals[i].vrq <= VRQ_ERRNO_MAX);
		CHECK(check_errno_text(-locals[i].vrq, locals[i].err) == 0);
		CHECK(check_errno_text(locals[i].vrq, locals[i].err) == 0);
		for (j = i + 1; j < N_LOCALS; j++)
			CHECK(locals[i].vrq != locals[j].vrq);
	}
	/* errno values vrq does not name: still the C library's text */
	CHECK(check_errno_text(-ENOMEM, ENOMEM) == 0);
	CHECK(check_errno_text(-ENOSPC, ENOSPC) == 0);
	CHECK(check_errno_text(-EAGAIN, EAGAIN) == 0);
	CHECK(check_errno_text(-EBADF, EBADF) == 0);
	CHECK(check_errno_text(-EPERM, EPERM) == 0);
	/* ENOTSUP is Linux's EOPNOTSUPP: one value, one text */
	CHECK_EQ(VRQ_ENOTSUP, EOPNOTSUPP);
	CHECK(strcmp(vrq_strerror(0), "success") == 0);
	CHECK_EQ(vrq_err_is_peer(0), 0);
	return 0;
}

static int test_peer_codes(void)
{
	const char *txt[VRQ_PEER_ERR_COUNT];
	const char *unknown = unknown_text();
	int c, e, i, j;

	CHECK(VRQ_EPEER_FIRST > 4095);
	CHECK_EQ(VRQ_PEER_ERR_COUNT, VRQ_EPEER_LAST - VRQ_EPEER_FIRST);
	CHECK(VRQ_PEER_ERR_COUNT >= 18);
	/* the named ones are in the range (they may be appended to, never
	 * moved below VRQ_EPEER_FIRST) */
	{
		const int named[] = {VRQ_EAVAIL_IDX,	 VRQ_EHEAD,	      VRQ_ENEXT,
				     VRQ_ELOOP,		 VRQ_EINDIRECT_FEATURE, VRQ_EINDIRECT_NEXT,
				     VRQ_EINDIRECT_NESTED, VRQ_EINDIRECT_LEN,   VRQ_EINDIRECT_ADDR,
				     VRQ_ETOTAL_LEN,	 VRQ_EORDER,	      VRQ_EADDR,
				     VRQ_EUSED_IDX,	 VRQ_EUSED_ID,	      VRQ_EUSED_LEN,
				     VRQ_EID,		 VRQ_EID_INFLIGHT,    VRQ_EWRAP};

		for (i = 0; i < (int)(sizeof(named) / sizeof(named[0])); i++) {
			CHECK(named[i] >= VRQ_EPEER_FIRST && named[i] < VRQ_EPEER_LAST);
			CHECK_EQ(named[i], VRQ_EPEER_FIRST + i); /* enum order */
		}
	}
	for (c = VRQ_EPEER_FIRST; c < VRQ_EPEER_LAST; c++) {
		i = c - VRQ_EPEER_FIRST;
		/* no errno value is a peer code */
		for (e = 1; e <= 4095; e++)
			CHECK(c != e);
		CHECK_EQ(vrq_err_is_peer(c), 1);
		CHECK_EQ(vrq_err_is_peer(-c), 1);
		CHECK_EQ(VRQ_PEER_ERR_IDX(c), i);
		CHECK_EQ(VRQ_PEER_ERR_IDX(-c), i);
		txt[i] = vrq_strerror(-c);
		if (!txt[i] || strncmp(txt[i], "peer: ", 6) != 0) {
			fprintf(stderr, "vrq_strerror(%d) = \"%s\", expected a \"peer: \" text\n", -c,
				txt[i] ? txt[i] : "(null)");
			CHECK(0);
		}
		CHECK(strcmp(vrq_strerror(c), txt[i]) == 0); /* either sign */
		CHECK(strcmp(txt[i], unknown) != 0);
	}
	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++)
		for (j = i + 1; j < VRQ_PEER_ERR_COUNT; j++)
			if (!strcmp(txt[i], txt[j])) {
				fprintf(stderr, "codes %d and %d share the text \"%s\"\n",
					VRQ_EPEER_FIRST + i, VRQ_EPEER_FIRST + j, txt[i]);
				CHECK(0);
			}
	/* no errno value is a peer code, either sign */
	for (e = 1; e <= 4095; e++) {
		if (vrq_err_is_peer(e) || vrq_err_is_peer(-e)) {
			fprintf(stderr, "vrq_err_is_peer(%d) != 0\n", e);
			CHECK(0);
		}
	}
	/* the texts the old overlapping numbering gave these errno values */
	CHECK(strcmp(vrq_strerror(-ENOMEM), vrq_strerror(-VRQ_EAVAIL_IDX)) != 0);
	CHECK(strcmp(vrq_strerror(-ENOSPC), vrq_strerror(-VRQ_EID_INFLIGHT)) != 0);
	return 0;
}

static int test_unknown(void)
{
	const char *unknown = unknown_text();
	const int odd[] = {VRQ_EPEER_LAST, -VRQ_EPEER_LAST, VRQ_EPEER_LAST + 1, 100000, -100000,
			   INT_MAX, -INT_MAX, INT_MIN};
	unsigned i;

	CHECK(unknown && unknown[0]);
	CHECK(strncmp(unknown, "peer:", 5) != 0);
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		const char *s = vrq_strerror(odd[i]);

		if (!s || strcmp(s, unknown) != 0) {
			fprintf(stderr, "vrq_strerror(%d) = \"%s\"\n", odd[i], s ? s : "(null)");
			CHECK(0);
		}
		CHECK_EQ(vrq_err_is_peer(odd[i]), 0);
	}
	return 0;
}

/* ---- thread safety ----------------------------------------------------------- */

#define TS_ROUNDS 20000

struct ts_arg {
	int code;
	char want[256];
	int bad;
};

static void *ts_thread(void *p)
{
	struct ts_arg *a = p;
	int i;

	for (i = 0; i < TS_ROUNDS; i++) {
		const char *s = vrq_strerror(a->code);

		if (!s || strcmp(s, a->want) != 0)
			a->bad++;
	}
	return NULL;
}

static int test_threads(void)
{
	struct ts_arg a[4] = {{.code = -ENOMEM}, {.code = -EAGAIN}, {.code = -VRQ_EHEAD},
			      {.code = -ETIMEDOUT}};
	pthread_t th[4];
	int i;

	for (i = 0; i < 4; i++)
		snprintf(a[i].want, sizeof(a[i].want), "%s", vrq_strerror(a[i].code));
	for (i = 0; i < 4; i++)
		CHECK(pthread_create(&th[i], NULL, ts_thread, &a[i]) == 0);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 4; i++) {
		if (a[i].bad)
			fprintf(stderr, "vrq_strerror(%d): %d wrong texts under concurrency\n",
				a[i].code, a[i].bad);
		CHECK_EQ(a[i].bad, 0);
	}
	return 0;
}

int main(void)
{
	if (test_local_codes())
		fprintf(stderr, "FAILED: local codes\n");
	if (test_peer_codes())
		fprintf(stderr, "FAILED: peer codes\n");
	if (test_unknown())
		fprintf(stderr, "FAILED: unknown codes\n");
	if (test_threads())
		fprintf(stderr, "FAILED: threads\n");
	return vrq_test_done("test_err");
}
