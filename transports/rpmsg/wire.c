/* SPDX-License-Identifier: MIT */
/*
 * transports/rpmsg/wire.c - RPMsg wire format: message and name-service
 * encoding and validation, structured-buffer payloads, and the remoteproc
 * resource table.  Pure functions over bytes (no OS, no allocation): the
 * fuzz targets drive them directly.
 *
 * Everything read here may come from an untrusted peer: each field is
 * loaded once (memcpy into a local) and checked before use.
 */
#include <string.h>

#include "vrq/barrier.h"
#include "vrq/rpmsg.h"

static uint32_t ld32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return vrq_le32_to_cpu(v);
}

static uint16_t ld16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return vrq_le16_to_cpu(v);
}

static uint64_t ld64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return vrq_le64_to_cpu(v);
}

static void st32(void *p, uint32_t v)
{
	v = vrq_cpu_to_le32(v);
	memcpy(p, &v, 4);
}

static void st16(void *p, uint16_t v)
{
	v = vrq_cpu_to_le16(v);
	memcpy(p, &v, 2);
}

static void st64(void *p, uint64_t v)
{
	v = vrq_cpu_to_le64(v);
	memcpy(p, &v, 8);
}

/* ---- messages -------------------------------------------------------------- */

int vrq_rpmsg_parse(const void *buf, uint32_t buf_len, struct vrq_rpmsg_rx *m)
{
	struct vrq_rpmsg_hdr h;
	uint16_t len;

	if (!buf || buf_len < VRQ_RPMSG_HDR_SIZE)
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h)); /* one read of each field: the peer may rewrite it */
	len = vrq_le16_to_cpu(h.len);
	/* Linux rpmsg_recv_single(): msg_len > len - sizeof(hdr) is dropped */
	if (len > buf_len - VRQ_RPMSG_HDR_SIZE)
		return -EBADMSG;
	m->data = (const uint8_t *)buf + VRQ_RPMSG_HDR_SIZE;
	m->len = len;
	m->src = vrq_le32_to_cpu(h.src);
	m->dst = vrq_le32_to_cpu(h.dst);
	return 0;
}

void vrq_rpmsg_put_hdr(void *buf, uint32_t src, uint32_t dst, uint16_t len, uint16_t flags)
{
	uint8_t *b = buf;

	st32(b + 0, src);
	st32(b + 4, dst);
	st32(b + 8, 0);
	st16(b + 12, len);
	st16(b + 14, flags);
}

int vrq_rpmsg_parse_ns(const void *data, uint32_t len, char name[VRQ_RPMSG_NAME_SIZE],
		       uint32_t *addr, uint32_t *flags)
{
	char n[VRQ_RPMSG_NAME_SIZE];
	uint32_t a, f;

	/* Linux rpmsg_ns_cb(): len != sizeof(*msg) is refused */
	if (!data || len != sizeof(struct vrq_rpmsg_ns_msg))
		return -EBADMSG;
	memcpy(n, data, sizeof(n));
	a = ld32((const uint8_t *)data + 32);
	f = ld32((const uint8_t *)data + 36);
	/* Linux forces name[31] = 0; a name without NUL is refused here */
	if (!memchr(n, 0, sizeof(n)) || n[0] == 0)
		return -EBADMSG;
	if (f != VRQ_RPMSG_NS_CREATE && f != VRQ_RPMSG_NS_DESTROY)
		return -EBADMSG;
	if (a == VRQ_RPMSG_ADDR_ANY)
		return -EBADMSG;
	memcpy(name, n, sizeof(n));
	*addr = a;
	*flags = f;
	return 0;
}

int vrq_rpmsg_put_ns(void *buf, const char *name, uint32_t addr, uint32_t flags)
{
	size_t l = name ? strnlen(name, VRQ_RPMSG_NAME_SIZE) : VRQ_RPMSG_NAME_SIZE;
	uint8_t *b = buf;

	if (l == 0 || l >= VRQ_RPMSG_NAME_SIZE)
		return -EINVAL;
	memset(b, 0, VRQ_RPMSG_NAME_SIZE);
	memcpy(b, name, l);
	st32(b + 32, addr);
	st32(b + 36, flags);
	return 0;
}

/* ---- structured buffers ------------------------------------------------------ */

static int sbuf_ref_check(const struct vrq_mem *mem, struct vrq_sbuf_ref *r)
{
	if (r->dir < VRQ_SBUF_OUT || r->dir > VRQ_SBUF_INOUT || r->size == 0)
		return -EBADMSG;
	if (!mem)
		return -ERANGE;
	return vrq_mem_ref(mem, r->region, r->offset, r->size, &r->va, NULL) ? -ERANGE : 0;
}

int vrq_sbuf_parse(const struct vrq_mem *mem, const void *data, uint32_t len,
		   struct vrq_sbuf_msg *msg, struct vrq_sbuf_ref *refs, unsigned cap)
{
	const uint8_t *p = data;
	uint16_t nref, flags;
	uint32_t inl_len, i;
	int rc;

	if (!data || len < VRQ_SBUF_HDR_SIZE || ld32(p) != VRQ_SBUF_MAGIC)
		return -EBADMSG;
	msg->txn = ld32(p + 4);
	nref = ld16(p + 8);
	flags = ld16(p + 10);
	inl_len = ld32(p + 12);
	if (flags & ~VRQ_SBUF_REPLY)
		return -EBADMSG;
	/* sizes must add up exactly; 64-bit so nothing wraps */
	if ((uint64_t)VRQ_SBUF_HDR_SIZE + (uint64_t)nref * VRQ_SBUF_REF_SIZE + inl_len != len)
		return -EBADMSG;
	if (nref > cap)
		return -EMSGSIZE;
	for (i = 0; i < nref; i++) {
		const uint8_t *q = p + VRQ_SBUF_HDR_SIZE + i * VRQ_SBUF_REF_SIZE;

		refs[i].region = ld32(q);
		refs[i].dir = ld32(q + 4);
		refs[i].offset = ld64(q + 8);
		refs[i].size = ld64(q + 16);
		refs[i].va = NULL;
		rc = sbuf_ref_check(mem, &refs[i]);
		if (rc)
			return rc;
	}
	msg->flags = flags;
	msg->nref = nref;
	msg->inl = p + VRQ_SBUF_HDR_SIZE + (size_t)nref * VRQ_SBUF_REF_SIZE;
	msg->inl_len = inl_len;
	return 0;
}

int vrq_sbuf_build(const struct vrq_mem *mem, void *buf, uint32_t cap, uint32_t txn,
		   uint16_t flags, struct vrq_sbuf_ref *refs, unsigned nref, const void *inl,
		   uint32_t inl_len)
{
	uint8_t *p = buf;
	uint64_t need = (uint64_t)VRQ_SBUF_HDR_SIZE + (uint64_t)nref * VRQ_SBUF_REF_SIZE + inl_len;
	unsigned i;
	int rc;

	if ((flags & ~VRQ_SBUF_REPLY) || nref > UINT16_MAX || (inl_len && !inl) ||
	    (nref && !refs))
		return -EINVAL;
	if (need > cap || need > INT32_MAX)
		return -EMSGSIZE;
	for (i = 0; i < nref; i++) {
		rc = sbuf_ref_check(mem, &refs[i]);
		if (rc)
			return rc == -EBADMSG ? -EINVAL : rc;
	}
	st32(p, VRQ_SBUF_MAGIC);
	st32(p + 4, txn);
	st16(p + 8, (uint16_t)nref);
	st16(p + 10, flags);
	st32(p + 12, inl_len);
	for (i = 0; i < nref; i++) {
		uint8_t *q = p + VRQ_SBUF_HDR_SIZE + i * VRQ_SBUF_REF_SIZE;

		st32(q, refs[i].region);
		st32(q + 4, refs[i].dir);
		st64(q + 8, refs[i].offset);
		st64(q + 16, refs[i].size);
	}
	if (inl_len)
		memcpy(p + VRQ_SBUF_HDR_SIZE + (size_t)nref * VRQ_SBUF_REF_SIZE, inl, inl_len);
	return (int)need;
}

void vrq_sbuf_sync(const struct vrq_mem *mem, const struct vrq_sbuf_ref *refs, unsigned n,
		   uint16_t flags, bool sending)
{
	bool reply = flags & VRQ_SBUF_REPLY;
	unsigned i;

	for (i = 0; i < n; i++) {
		const struct vrq_mem_region *r = vrq_mem_region_by_id(mem, refs[i].region);
		uint8_t *va;
		size_t len = (size_t)refs[i].size;

		if (!r || !(r->flags & VRQ_MEM_NONCOHERENT))
			continue;
		va = r->va + refs[i].offset;
		if (!reply && sending) {
			/* request out: our data (OUT/INOUT) to memory; IN areas
			 * cleaned + invalidated so no dirty line of ours is
			 * written back over what the peer writes there */
			if (refs[i].dir & VRQ_SBUF_OUT)
				vrq__cache_clean(va, len, VRQ__SITE);
			else
				vrq__cache_inval(va, len, VRQ__SITE);
		} else if (!reply) {
			/* request in: read the requester's OUT/INOUT data from memory */
			if (refs[i].dir & VRQ_SBUF_OUT)
				vrq__cache_inval(va, len, VRQ__SITE);
		} else if (sending) {
			/* reply out: what we wrote into IN/INOUT to memory */
			if (refs[i].dir & VRQ_SBUF_IN)
				vrq__cache_clean(va, len, VRQ__SITE);
		} else {
			/* reply in: read what the responder wrote */
			if (refs[i].dir & VRQ_SBUF_IN)
				vrq__cache_inval(va, len, VRQ__SITE);
		}
	}
}

/* ---- resource table ---------------------------------------------------------- */

struct vrq_rsc_vdev *vrq_rsc_find_rpmsg(void *table, size_t len, int *err)
{
	uint8_t *t = table;
	uint32_t num, i;
	int dummy;

	if (!err)
		err = &dummy;
	*err = -EINVAL;
	if (!t || len < sizeof(struct vrq_rsc_table))
		return NULL;
	if (ld32(t) != 1)
		return NULL;
	num = ld32(t + 4);
	if ((uint64_t)num * 4 > len - sizeof(struct vrq_rsc_table))
		return NULL;
	for (i = 0; i < num; i++) {
		uint32_t off = ld32(t + sizeof(struct vrq_rsc_table) + 4 * (size_t)i);
		struct vrq_rsc_vdev *v;
		uint64_t need;

		if (off % 4 || (uint64_t)off + 4 > len)
			return NULL;
		if (ld32(t + off) != VRQ_RSC_VDEV)
			continue;
		if ((uint64_t)off + sizeof(struct vrq_rsc_vdev) > len)
			return NULL;
		v = (struct vrq_rsc_vdev *)(void *)(t + off);
		need = (uint64_t)off + sizeof(*v) +
		       (uint64_t)v->num_of_vrings * sizeof(struct vrq_rsc_vring) + v->config_len;
		if (need > len)
			return NULL;
		if (v->id != VRQ_VIRTIO_ID_RPMSG)
			continue;
		*err = 0;
		return v;
	}
	*err = -ENOENT;
	return NULL;
}

void vrq_rsc_set_status(struct vrq_rsc_vdev *v, uint8_t status)
{
	/* pairs with the acquire in vrq_rsc_wait_driver_ok(): the rings and
	 * buffers the host set up are visible before DRIVER_OK is */
	vrq_arch_io_release();
	__atomic_store_n(&v->status, status, __ATOMIC_RELEASE);
}

int vrq_rpmsg_cfg_from_rsc(struct vrq_rpmsg_cfg *cfg, struct vrq_rsc_vdev *v,
			   const struct vrq_mem *mem, uint32_t supported)
{
	unsigned i;
	int rc;

	if (!cfg || !v || !mem || v->num_of_vrings != 2)
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		struct vrq_rsc_vring *vr = vrq_rsc_vdev_vring(v, i);
		/* one read of each field: the table is shared */
		uint32_t da = __atomic_load_n(&vr->da, __ATOMIC_RELAXED);
		uint32_t align = __atomic_load_n(&vr->align, __ATOMIC_RELAXED);
		uint32_t num = __atomic_load_n(&vr->num, __ATOMIC_RELAXED);
		struct vrq_split_layout l;
		void *va;

		if (da == VRQ_RSC_ADDR_ANY || num == 0 || num > 32768 || (num & (num - 1)) ||
		    align < 4 || (align & (align - 1)))
			return -EINVAL;
		rc = vrq_split_layout_legacy((uint16_t)num, align, &l);
		if (rc)
			return rc;
		/* vring_size() bytes: l.total may round the used part up further */
		va = vrq_mem_da_to_va(mem, da, l.used_off + l.used_size);
		if (!va)
			return -ERANGE;
		cfg->vq[i].kind = VRQ_RING_SPLIT;
		cfg->vq[i].size = (uint16_t)num;
		cfg->vq[i].ring = NULL;
		cfg->vq[i].areas = vrq_vq_split_areas(va, &l);
	}
	if (cfg->role == VRQ_RPMSG_HOST)
		__atomic_store_n(&v->gfeatures, v->dfeatures & supported, __ATOMIC_RELAXED);
	cfg->features = __atomic_load_n(&v->gfeatures, __ATOMIC_RELAXED) & supported;
	return 0;
}
