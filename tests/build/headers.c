/* SPDX-License-Identifier: MIT */
/*
 * Header compile test (C): every public header, in an order different from
 * the umbrella's, then the umbrella; touches a few symbols so the
 * declarations and the library agree.
 */
#include <vrq/split.h>
#include <vrq/mem.h>
#include <vrq/cache.h>
#include <vrq/err.h>
#include <vrq/barrier.h>
#include <vrq/spec.h>
#include <vrq/vrq.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	const char *msg = vrq_strerror(-1);
	struct vrq_split_desc d;

	if (!msg || !*msg) {
		fprintf(stderr, "vrq_strerror(-1) returned an empty string\n");
		return 1;
	}
	memset(&d, 0, sizeof(d));
	d.flags = vrq_cpu_to_le16(VRQ_DESC_F_NEXT);
	if (vrq_le16_to_cpu(d.flags) != VRQ_DESC_F_NEXT)
		return 1;
	/* event_idx 0, new 1, old 0: the peer asked to be told about entry 0 */
	if (!vrq_need_event(0, 1, 0) || vrq_need_event(5, 1, 0))
		return 1;
	printf("headers_c: ok (%s)\n", msg);
	return 0;
}
