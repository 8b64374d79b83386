// SPDX-License-Identifier: MIT
//
// Header compile test (C++): every public header must be usable from C++
// (extern "C", no C-only constructs); links libvrq.
#include <vrq/vrq.h>
#include <vrq/spec.h>
#include <vrq/barrier.h>
#include <vrq/err.h>
#include <vrq/mem.h>
#include <vrq/cache.h>
#include <vrq/split.h>
#include <vrq/packed.h>
#include <vrq/types.h>
#include <vrq/vq.h>

#include <cstdio>
#include <cstring>

int main()
{
	const char *msg = vrq_strerror(-1);
	struct vrq_split_desc d;

	if (!msg || !*msg) {
		std::fprintf(stderr, "vrq_strerror(-1) returned an empty string\n");
		return 1;
	}
	std::memset(&d, 0, sizeof(d));
	d.flags = vrq_cpu_to_le16(VRQ_DESC_F_NEXT);
	if (vrq_le16_to_cpu(d.flags) != VRQ_DESC_F_NEXT)
		return 1;
	if (!vrq_need_event(0, 1, 0) || vrq_need_event(5, 1, 0))
		return 1;
	{
		struct vrq_split_layout sl;
		struct vrq_packed_layout pl;

		if (vrq_split_layout_calc(256, 64, &sl) || vrq_packed_layout_calc(255, 64, &pl) ||
		    vrq_vq_ring_bytes(VRQ_RING_PACKED, 255, 64) != pl.total)
			return 1;
	}
	std::printf("headers_cxx: ok (%s)\n", msg);
	return 0;
}
