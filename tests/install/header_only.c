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

/*
 * Every inline of the hot path, on handles the caller initialised (with
 * libvrq, elsewhere): never run here, but compiled and linked, so a call
 * from an inline into libvrq would fail this program's link.
 */
int vrq_header_only_hot_path(struct vrq_split_drv *sd, struct vrq_split_dev *sv,
			     struct vrq_packed_drv *pd, struct vrq_packed_dev *pv, struct vrq_vq_drv *vd,
			     struct vrq_vq_dev *vv, const struct vrq_mem *m);

int vrq_header_only_hot_path(struct vrq_split_drv *sd, struct vrq_split_dev *sv,
			     struct vrq_packed_drv *pd, struct vrq_packed_dev *pv, struct vrq_vq_drv *vd,
			     struct vrq_vq_dev *vv, const struct vrq_mem *m)
{
	struct vrq_sg sg[2] = {{0x1000, 64}, {0x2000, 64}};
	struct vrq_seg seg[4];
	struct vrq_chain c;
	void *tok;
	uint32_t len;
	int r = 0;

	vrq_chain_init(&c, seg, 4);
	r += vrq_split_drv_add(sd, sg, 1, 1, sd);
	vrq_split_drv_publish(sd);
	r += vrq_split_drv_kick_prepare(sd) + vrq_split_drv_need_kick(sd);
	r += vrq_split_drv_get_used(sd, &tok, &len) + vrq_split_drv_enable_cb(sd);
	vrq_split_drv_disable_cb(sd);
	r += vrq_split_dev_pop(sv, &c);
	vrq_chain_sync_for_cpu(&c);
	while (vrq_chain_next(&c))
		r++;
	vrq_chain_sync_for_device(&c, 64);
	r += vrq_split_dev_push(sv, c.head, 64);
	vrq_split_dev_publish(sv);
	r += vrq_split_dev_notify_prepare(sv) + vrq_split_dev_enable_kick(sv);
	vrq_split_dev_disable_kick(sv);
	r += vrq_packed_drv_add(pd, sg, 1, 1, pd) + vrq_packed_drv_kick_prepare(pd);
	r += vrq_packed_drv_get_used(pd, &tok, &len);
	r += vrq_packed_dev_pop(pv, &c) + vrq_packed_dev_push(pv, c.head, 64);
	r += vrq_packed_dev_notify_prepare(pv);
	r += vrq_vq_drv_add(vd, sg, 1, 1, vd) + vrq_vq_drv_kick_prepare(vd);
	r += vrq_vq_drv_get_used(vd, &tok, &len);
	r += vrq_vq_dev_pop(vv, &c) + vrq_vq_dev_push(vv, c.head, 64);
	r += vrq_vq_dev_notify_prepare(vv);
	r += vrq_sg_sync_for_device(m, sg, 1, 1) + vrq_sg_sync_for_cpu(m, sg, 1, 1, 64);
	r += vrq_mem_da_to_va(m, 0x1000, 64) != NULL;
	return r;
}

/* keeps the never-called function in the link at every -O level */
int (*volatile vrq_header_only_keep)(struct vrq_split_drv *, struct vrq_split_dev *,
				      struct vrq_packed_drv *, struct vrq_packed_dev *,
				      struct vrq_vq_drv *, struct vrq_vq_dev *,
				      const struct vrq_mem *) = vrq_header_only_hot_path;

int main(void)
{
	return vrq_header_only_roundtrip();
}
