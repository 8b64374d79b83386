/* SPDX-License-Identifier: MIT */
/*
 * Header-only consumer: compiled with nothing but -I<prefix>/include (no
 * libvrq).  A driver posts a two-descriptor chain and a device walks it
 * back, using only the spec.h structures and inline helpers, so every
 * header it pulls in (vrq.h -> arch/ via vrq/arch/) must be installed.
 */
#include <vrq/vrq.h>

#include <stdint.h>
#include <string.h>

int vrq_header_only_roundtrip(void);

int vrq_header_only_roundtrip(void)
{
	struct vrq_split_desc table[2];
	uint16_t head = 0, n = 0, i;
	int notify;

	memset(table, 0, sizeof(table));
	/* driver: chain 0 -> 1 */
	table[0].len = vrq_cpu_to_le32(64);
	table[0].flags = vrq_cpu_to_le16(VRQ_DESC_F_NEXT);
	table[0].next = vrq_cpu_to_le16(1);
	table[1].len = vrq_cpu_to_le32(32);
	table[1].flags = vrq_cpu_to_le16(VRQ_DESC_F_WRITE);
	notify = vrq_need_event(0, 1, 0);

	/* device: walk the chain */
	for (i = head;; i = vrq_le16_to_cpu(table[i].next)) {
		n++;
		if (!(vrq_le16_to_cpu(table[i].flags) & VRQ_DESC_F_NEXT) || n > 2)
			break;
	}
	return (n == 2 && notify) ? 0 : 1;
}

int main(void)
{
	return vrq_header_only_roundtrip();
}
