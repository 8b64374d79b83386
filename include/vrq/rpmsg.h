/* SPDX-License-Identifier: MIT */
/**
 * @file rpmsg.h
 * @brief RPMsg over vrq queues: the message bus Linux (remoteproc +
 *        virtio_rpmsg_bus), OpenAMP and rpmsg-lite speak, wire-compatible
 *        with them, in both roles.
 *
 * Roles (an RPMsg device is a virtio device with two queues):
 *  - **host**: the virtio driver, as Linux's virtio_rpmsg_bus.  It owns the
 *    message buffers: it posts its receive buffers (device-writable) on
 *    vring 0 and sends on vring 1 (device-readable buffers).
 *  - **remote**: the virtio device, as OpenAMP's remote side.  It sends by
 *    taking a buffer the host posted on vring 0, writing the message and
 *    marking it used (len = 16 + payload); it receives the host's messages
 *    from vring 1 and marks them used (len 0) once consumed.
 * (Linux: rvq = vqs[0] "input", svq = vqs[1] "output"; OpenAMP remote:
 * svq = vrings_info[0], rvq = vrings_info[1].)
 *
 * Wire format (little-endian, packed): a 16-byte header {src, dst,
 * reserved, len, flags} then len payload bytes; the name service listens at
 * address 53 and carries {name[32], addr, flags} (flags 0 = create,
 * 1 = destroy), used only when VRQ_RPMSG_F_NS was negotiated.  Addresses
 * below 1024 are reserved; dynamically allocated endpoint addresses start
 * at 1024.  Linux's defaults: 512-byte buffers, min(2 * ring size, 512)
 * buffers, half for each direction.
 *
 * Threads:
 *  - one thread receives (vrq_rpmsg_poll() / vrq_rpmsg_wait()) and runs the
 *    endpoint callbacks (one thread at a time: two threads must not poll
 *    one bus at once); the receive path takes no lock per message: the
 *    destination endpoint is found with one load in a direct table for
 *    addresses below 2048, else in a lock-free RCU hash table (liburcu
 *    cds_lfht, urcu-bp flavour, so no thread registration is needed);
 *  - any thread may send: senders are serialised by one lock (a futex
 *    mutex) on the TX queue only, taken once per message (never shared
 *    with receive);
 *  - any thread may create or destroy endpoints, concurrently with
 *    receive; a destroyed endpoint is freed once the receive thread is
 *    between two batches (its next poll or wait) and an RCU grace period
 *    has passed, so a callback never sees freed memory; after
 *    vrq_rpmsg_destroy_ept() returns no message finds it, and after
 *    vrq_rpmsg_barrier() returns no callback runs on it;
 *  - any thread may release a held receive buffer.
 *
 * Blocking send waits for a free TX buffer on the queue's used-buffer (host)
 * or available-buffer (remote) notification through vrq's wait loop
 * (notify.h), with a timeout: no sleep loop.  Timeout 0 never blocks and
 * returns -EAGAIN.
 *
 * The peer is untrusted: every header, name-service message and
 * structured-buffer reference is validated; a bad one is dropped and
 * counted (struct vrq_rpmsg_stats), never trusted.
 *
 * Errors: 0 / counts or a negative errno (err.h), plus the ring's peer
 * codes when a queue breaks.
 */
#ifndef VRQ_RPMSG_H
#define VRQ_RPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "notify.h"
#include "shm.h"
#include "spec.h"
#include "vq.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- wire format -------------------------------------------------------- */

#define VRQ_RPMSG_HDR_SIZE 16u		/**< sizeof(struct rpmsg_hdr) */
#define VRQ_RPMSG_NAME_SIZE 32u		/**< RPMSG_NAME_SIZE */
#define VRQ_RPMSG_NS_ADDR 53u		/**< RPMSG_NS_ADDR: name-service endpoint */
#define VRQ_RPMSG_ADDR_ANY 0xFFFFFFFFu	/**< RPMSG_ADDR_ANY */
#define VRQ_RPMSG_RESERVED_ADDRESSES 1024u /**< first dynamically allocated address */
#define VRQ_RPMSG_F_NS 0u		/**< feature bit: name-service announcements */
#define VRQ_RPMSG_NS_CREATE 0u		/**< rpmsg_ns_flags */
#define VRQ_RPMSG_NS_DESTROY 1u
#define VRQ_RPMSG_BUF_SIZE 512u		/**< Linux MAX_RPMSG_BUF_SIZE (default) */
#define VRQ_RPMSG_MAX_NUM_BUFS 512u	/**< Linux MAX_RPMSG_NUM_BUFS */
#define VRQ_VIRTIO_ID_RPMSG 7u		/**< virtio device id (virtio_ids.h) */

/** @brief Message header (drivers/rpmsg/virtio_rpmsg_bus.c struct rpmsg_hdr, packed, LE). */
struct vrq_rpmsg_hdr {
	vrq_le32 src;
	vrq_le32 dst;
	vrq_le32 reserved;
	vrq_le16 len;
	vrq_le16 flags;
};

/** @brief Name-service message (include/linux/rpmsg/ns.h struct rpmsg_ns_msg, packed, LE). */
struct vrq_rpmsg_ns_msg {
	char name[VRQ_RPMSG_NAME_SIZE];
	vrq_le32 addr;
	vrq_le32 flags;
};

VRQ_STATIC_ASSERT(sizeof(struct vrq_rpmsg_hdr) == 16, "rpmsg_hdr is 16 bytes");
VRQ_STATIC_ASSERT(offsetof(struct vrq_rpmsg_hdr, src) == 0, "rpmsg_hdr.src");
VRQ_STATIC_ASSERT(offsetof(struct vrq_rpmsg_hdr, dst) == 4, "rpmsg_hdr.dst");
VRQ_STATIC_ASSERT(offsetof(struct vrq_rpmsg_hdr, reserved) == 8, "rpmsg_hdr.reserved");
VRQ_STATIC_ASSERT(offsetof(struct vrq_rpmsg_hdr, len) == 12, "rpmsg_hdr.len");
VRQ_STATIC_ASSERT(offsetof(struct vrq_rpmsg_hdr, flags) == 14, "rpmsg_hdr.flags");
VRQ_STATIC_ASSERT(sizeof(struct vrq_rpmsg_ns_msg) == 40, "rpmsg_ns_msg is 40 bytes");
VRQ_STATIC_ASSERT(offsetof(struct vrq_rpmsg_ns_msg, addr) == 32, "rpmsg_ns_msg.addr");
VRQ_STATIC_ASSERT(offsetof(struct vrq_rpmsg_ns_msg, flags) == 36, "rpmsg_ns_msg.flags");

/* ---- remoteproc resource table (include/linux/remoteproc.h) -------------- */

#define VRQ_RSC_VDEV 3u		/**< fw_resource_type RSC_VDEV */
#define VRQ_RSC_ADDR_ANY 0xFFFFFFFFu /**< FW_RSC_ADDR_ANY (32-bit): host allocates */

/** @brief struct resource_table header; offset[num] follows. */
struct vrq_rsc_table {
	uint32_t ver;		/**< 1 */
	uint32_t num;		/**< entries */
	uint32_t reserved[2];
	/* uint32_t offset[num] follows: byte offset of each entry from the table start */
};

/** @brief struct fw_rsc_vdev_vring. */
struct vrq_rsc_vring {
	uint32_t da;		/**< device address of the ring, or VRQ_RSC_ADDR_ANY */
	uint32_t align;		/**< legacy vring_init() alignment of the used ring */
	uint32_t num;		/**< queue size (power of two) */
	uint32_t notifyid;
	uint32_t pa;		/**< reserved (physical address, filled by some hosts) */
};

/** @brief struct fw_rsc_hdr (type) + struct fw_rsc_vdev; vrings and config follow. */
struct vrq_rsc_vdev {
	uint32_t type;		/**< VRQ_RSC_VDEV */
	uint32_t id;		/**< VRQ_VIRTIO_ID_RPMSG */
	uint32_t notifyid;
	uint32_t dfeatures;	/**< device (remote) features */
	uint32_t gfeatures;	/**< written by the host: negotiated features */
	uint32_t config_len;
	uint8_t status;		/**< virtio status, written by the host */
	uint8_t num_of_vrings;
	uint8_t reserved[2];
	/* struct vrq_rsc_vring vring[num_of_vrings] and config_len bytes follow */
};

VRQ_STATIC_ASSERT(sizeof(struct vrq_rsc_table) == 16, "resource_table header");
VRQ_STATIC_ASSERT(sizeof(struct vrq_rsc_vring) == 20, "fw_rsc_vdev_vring");
VRQ_STATIC_ASSERT(sizeof(struct vrq_rsc_vdev) == 28, "fw_rsc_hdr + fw_rsc_vdev");
VRQ_STATIC_ASSERT(offsetof(struct vrq_rsc_vdev, status) == 24, "fw_rsc_vdev.status");

/** @brief Vring entry @p i of a vdev entry. */
VRQ_INLINE struct vrq_rsc_vring *vrq_rsc_vdev_vring(struct vrq_rsc_vdev *v, unsigned i)
{
	return (struct vrq_rsc_vring *)(void *)(v + 1) + i;
}

/* virtio status bits: VRQ_STATUS_* in spec.h */

/**
 * @brief Find the RPMsg vdev entry (id 7, two vrings) in a resource table
 *        of @p len bytes, checking every offset and size against @p len.
 * @return the entry, or NULL (*@p err: -EINVAL malformed, -ENOENT none).
 */
struct vrq_rsc_vdev *vrq_rsc_find_rpmsg(void *table, size_t len, int *err);

struct vrq_rpmsg_cfg;

/**
 * @brief Set up cfg->vq[0] and vq[1] from a vdev entry: split rings of
 *        vring[i].num entries in the legacy vring_init(num, align) layout at
 *        vring[i].da, translated through @p mem (the ring must lie inside
 *        one registered region).  Host: negotiates features (dfeatures &
 *        @p supported, written to gfeatures); remote: reads gfeatures.
 *        Sets cfg->features.  Other cfg fields are left as they are.
 * @return 0, -EINVAL (not two vrings, num not a power of two <= 32768,
 *         align not a power of two >= 4, da ADDR_ANY), -ERANGE (ring
 *         outside @p mem).
 */
int vrq_rpmsg_cfg_from_rsc(struct vrq_rpmsg_cfg *cfg, struct vrq_rsc_vdev *v,
			   const struct vrq_mem *mem, uint32_t supported);
/** @brief Host: publish the status byte (release store; DRIVER_OK once the bus exists). */
void vrq_rsc_set_status(struct vrq_rsc_vdev *v, uint8_t status);
/** @brief Remote: wait for DRIVER_OK (0), FAILED / NEEDS_RESET (-EPIPE) or the timeout (-ETIMEDOUT). */
int vrq_rsc_wait_driver_ok(const struct vrq_rsc_vdev *v, uint64_t timeout_ns);

/* ---- parsing (pure functions; the fuzz targets call these) --------------- */

/** @brief A received message after validation. */
struct vrq_rpmsg_rx {
	const void *data;	/**< payload (in the shared buffer) */
	uint32_t len;		/**< payload bytes */
	uint32_t src;
	uint32_t dst;
	uint32_t token;		/**< buffer id for vrq_rpmsg_release() after a hold */
};

/**
 * @brief Validate a received buffer of @p buf_len bytes: a header, and
 *        hdr.len <= buf_len - 16.  Reads each header field once.
 * @return 0 and *@p m filled (token untouched), or -EBADMSG.
 */
int vrq_rpmsg_parse(const void *buf, uint32_t buf_len, struct vrq_rpmsg_rx *m);

/**
 * @brief Validate a name-service payload: exactly 40 bytes, a NUL within
 *        the name, flags CREATE or DESTROY, addr not ADDR_ANY.
 * @return 0 (name copied NUL-terminated), or -EBADMSG.
 */
int vrq_rpmsg_parse_ns(const void *data, uint32_t len, char name[VRQ_RPMSG_NAME_SIZE],
		       uint32_t *addr, uint32_t *flags);

/** @brief Encode a header at @p buf. */
void vrq_rpmsg_put_hdr(void *buf, uint32_t src, uint32_t dst, uint16_t len, uint16_t flags);
/** @brief Encode a name-service message at @p buf (40 bytes); -EINVAL if @p name
 *         does not fit with its NUL. */
int vrq_rpmsg_put_ns(void *buf, const char *name, uint32_t addr, uint32_t flags);

/* ---- structured buffers -------------------------------------------------- */

/**
 * Structured buffers: a message whose payload carries references into
 * memory regions both sides registered beforehand (same region ids, each
 * side's own mapping), plus inline bytes.  Payload layout (LE):
 *   16-byte header {magic "VRQS", txn, nref, flags, inline_len}
 *   nref * 24-byte references {region, dir, offset, size}
 *   inline_len bytes
 * txn is a transaction id for request / response matching (0: none);
 * VRQ_SBUF_REPLY marks a response.  A reference is validated against the
 * receiver's own region table, never trusted.  Cache maintenance for
 * VRQ_MEM_NONCOHERENT regions happens inline: the sender of a request
 * cleans OUT/INOUT and invalidates IN/INOUT areas before it is sent; the
 * receiver of a request invalidates OUT/INOUT before reading; the sender of
 * a reply cleans IN/INOUT; the receiver of a reply invalidates IN/INOUT.
 */
#define VRQ_SBUF_MAGIC 0x53515256u /* "VRQS" little-endian */
#define VRQ_SBUF_HDR_SIZE 16u
#define VRQ_SBUF_REF_SIZE 24u
#define VRQ_SBUF_REPLY 0x1u

/** Direction of a referenced area, seen from the request's receiver. */
enum vrq_sbuf_dir {
	VRQ_SBUF_OUT = 1,   /**< receiver reads (request data) */
	VRQ_SBUF_IN = 2,    /**< receiver writes (response data) */
	VRQ_SBUF_INOUT = 3, /**< both */
};

/** @brief One reference; @c va is filled by parsing (the local address). */
struct vrq_sbuf_ref {
	uint32_t region;
	uint32_t dir;	/**< enum vrq_sbuf_dir */
	uint64_t offset;
	uint64_t size;	/**< > 0 */
	void *va;
};

/** @brief A parsed structured message. */
struct vrq_sbuf_msg {
	uint32_t txn;
	uint16_t flags;		/**< VRQ_SBUF_REPLY */
	uint16_t nref;
	const void *inl;	/**< inline bytes */
	uint32_t inl_len;
};

/** @brief Bytes a structured message with @p nref references and @p inl_len inline bytes takes. */
VRQ_INLINE uint32_t vrq_sbuf_size(unsigned nref, uint32_t inl_len)
{
	return VRQ_SBUF_HDR_SIZE + nref * VRQ_SBUF_REF_SIZE + inl_len;
}

/**
 * @brief Parse and validate a structured payload against @p mem: magic,
 *        nref <= @p cap, sizes adding up exactly, each reference's
 *        direction known, size > 0 and [offset, offset+size) inside region
 *        @c region.  No cache maintenance.
 * @return 0, -EBADMSG (malformed), -ERANGE (a reference outside its
 *         region or an unknown region), -EMSGSIZE (more than @p cap refs).
 */
int vrq_sbuf_parse(const struct vrq_mem *mem, const void *data, uint32_t len,
		   struct vrq_sbuf_msg *msg, struct vrq_sbuf_ref *refs, unsigned cap);

/**
 * @brief Encode a structured payload at @p buf (capacity @p cap) after
 *        validating each reference against @p mem (fills refs[i].va).
 * @return bytes written, -EMSGSIZE (does not fit), -ERANGE, -EINVAL.
 */
int vrq_sbuf_build(const struct vrq_mem *mem, void *buf, uint32_t cap, uint32_t txn,
		   uint16_t flags, struct vrq_sbuf_ref *refs, unsigned nref, const void *inl,
		   uint32_t inl_len);

/**
 * @brief Cache maintenance for the references of a structured message
 *        (no-op for coherent regions).  @p sending: about to send the
 *        message with @p flags; else: just received it.
 */
void vrq_sbuf_sync(const struct vrq_mem *mem, const struct vrq_sbuf_ref *refs, unsigned n,
		   uint16_t flags, bool sending);

/* ---- the bus --------------------------------------------------------------- */

enum vrq_rpmsg_role {
	VRQ_RPMSG_HOST = 0,   /**< virtio driver (Linux virtio_rpmsg_bus) */
	VRQ_RPMSG_REMOTE = 1, /**< virtio device (OpenAMP remote) */
};

struct vrq_rpmsg;
struct vrq_rpmsg_ept;

/** Callback return value: keep the buffer (release it later with vrq_rpmsg_release()). */
#define VRQ_RPMSG_HOLD 1

/**
 * @brief Message callback, run by the receiving thread.  @p m and its
 *        payload are valid until the callback returns, or, if it returns
 *        VRQ_RPMSG_HOLD, until vrq_rpmsg_release(r, m->token).  The payload
 *        lies in shared memory: the peer may change it while it is read
 *        (copy what must not change before validating it).
 */
typedef int (*vrq_rpmsg_cb)(struct vrq_rpmsg_ept *ept, const struct vrq_rpmsg_rx *m, void *priv);

/** @brief The peer destroyed the channel this endpoint was bound to (dst is ADDR_ANY again). */
typedef void (*vrq_rpmsg_unbind_cb)(struct vrq_rpmsg_ept *ept, void *priv);

/** @brief Name service: the peer announced (@p create) or withdrew a channel. */
typedef void (*vrq_rpmsg_ns_cb)(struct vrq_rpmsg *r, const char *name, uint32_t addr,
				bool create, void *priv);

/** Wait forever (timeouts). */
#define VRQ_RPMSG_FOREVER UINT64_MAX

/** @brief Configuration. */
struct vrq_rpmsg_cfg {
	enum vrq_rpmsg_role role;
	/** vring 0 and 1 (host RX/TX; remote TX/RX).  The ring role comes from
	 *  @c role; the rest as vq.h.  Remote: vq[i].mem must map the host's
	 *  buffers (every address is checked against it). */
	struct vrq_vq_cfg vq[2];
	/** notifiers per vring; NULL: none (the peer polls, or the caller
	 *  notifies itself).  kick[i]: host sends, remote receives; irq[i]:
	 *  remote sends, host receives. */
	struct vrq_notifier *kick[2];
	struct vrq_notifier *irq[2];
	/** host: buffer area, (num_rx + num_tx) * buf_size bytes at local @c bufs,
	 *  device address @c bufs_da; receive buffers first (Linux's order). */
	void *bufs;
	uint64_t bufs_da;
	uint32_t bufs_flags;	/**< host: VRQ_MEM_NONCOHERENT if the buffer area needs
				 *   cache maintenance (done inline), else 0 */
	uint32_t buf_size;	/**< host: 0 = 512; must be > 16 and < 65536 + 16 */
	uint16_t num_rx, num_tx; /**< host: 0 = min(vring size, 256) each (Linux) */
	uint64_t features;	/**< negotiated (1 << VRQ_RPMSG_F_NS) */
	const struct vrq_mem *sbuf_mem; /**< regions structured buffers may name (NULL: none) */
	vrq_rpmsg_ns_cb ns_cb;	/**< peer announcements with no local endpoint of that name */
	void *ns_priv;
	uint32_t max_services;	/**< peer-announced channels remembered (0 = 1024); more are dropped */
	uint64_t send_timeout_ns; /**< vrq_rpmsg_send(): 0 = 15 s (Linux's) */
};

/** @brief Counters (read at quiescence; each field is written by one thread). */
struct vrq_rpmsg_stats {
	/* receive thread */
	uint64_t rx_msgs;	/**< messages delivered to a callback */
	uint64_t rx_bad_len;	/**< buffer shorter than a header, or hdr.len beyond it */
	uint64_t rx_bad_buf;	/**< remote: a chain that is not one readable buffer */
	uint64_t rx_unknown_dst; /**< no endpoint at dst */
	uint64_t rx_held;	/**< callbacks that kept their buffer */
	uint64_t ns_rx_create, ns_rx_destroy;
	uint64_t ns_bad;	/**< malformed name-service messages */
	uint64_t ns_dropped;	/**< announcements beyond max_services */
	uint64_t rx_publishes;	/**< buffer returns published (one per poll batch) */
	/* senders (under the TX lock) */
	uint64_t tx_msgs;
	uint64_t tx_bytes;
	uint64_t tx_waits;	/**< sends that had to wait for a buffer */
	uint64_t tx_eagain;	/**< non-blocking sends with no buffer */
	uint64_t tx_timeouts;
	uint64_t tx_bad_buf;	/**< remote: a host buffer that is not one writable segment >= 16 */
	uint64_t tx_publishes;
	uint64_t ns_tx;		/**< name-service messages sent */
};

/** @brief Zero-copy TX buffer (vrq_rpmsg_get_tx_buffer()). */
struct vrq_rpmsg_txbuf {
	void *data;	/**< payload area (after the header) */
	uint32_t cap;	/**< payload bytes available */
	uint32_t token;	/**< internal buffer id */
};

/** Send flag: more messages follow; add the buffer but publish and notify later. */
#define VRQ_RPMSG_MORE 0x1u

/**
 * @brief Create a bus.  Host: lays out and posts the receive buffers on
 *        vring 0 (kicked if the ring says so).  Remote: the host must have
 *        initialised the rings first (driver before device).  If
 *        VRQ_RPMSG_F_NS is negotiated, the name-service endpoint (53) is
 *        created.  Allocates (init only).
 * @return the bus or NULL (*@p err: -EINVAL bad cfg, -ENOMEM, a ring init code).
 */
struct vrq_rpmsg *vrq_rpmsg_create(const struct vrq_rpmsg_cfg *cfg, int *err);

/** @brief Destroy a bus: endpoints are destroyed (no NS messages), held buffers dropped.
 *         No other thread may use it. */
void vrq_rpmsg_destroy(struct vrq_rpmsg *r);

/**
 * @brief Create an endpoint.  @p addr: its local address, or ADDR_ANY to
 *        allocate one >= 1024.  @p dst: default destination (ADDR_ANY:
 *        unbound).  With a @p name and NS negotiated: if the peer already
 *        announced @p name, the endpoint binds to it (dst set); if @p dst
 *        is ADDR_ANY the endpoint is announced to the peer (NS create),
 *        as OpenAMP does.  Thread-safe, also from a callback.
 * @return the endpoint or NULL (*@p err: -EINVAL, -EEXIST address taken,
 *         -ENOMEM, a send error of the announcement).
 */
struct vrq_rpmsg_ept *vrq_rpmsg_create_ept(struct vrq_rpmsg *r, const char *name, uint32_t addr,
					   uint32_t dst, vrq_rpmsg_cb cb, vrq_rpmsg_unbind_cb unbind,
					   void *priv, int *err);

/**
 * @brief Destroy an endpoint: unlinked at once (a message looked up after
 *        this returns does not find it; a callback the receive thread had
 *        already begun may still run: vrq_rpmsg_barrier() waits for it),
 *        announced as destroyed if it was announced, freed once the receive
 *        thread is between two batches and an RCU grace period has passed.
 *        Thread-safe, also from its own callback.
 */
void vrq_rpmsg_destroy_ept(struct vrq_rpmsg_ept *ept);

/** @brief Wait until every endpoint destroyed so far is freed and no callback
 *         runs on one (not from a callback: it would wait for itself). */
void vrq_rpmsg_barrier(struct vrq_rpmsg *r);

/** @brief The endpoint's local address. */
uint32_t vrq_rpmsg_ept_addr(const struct vrq_rpmsg_ept *ept);
/** @brief The endpoint's bound destination, or VRQ_RPMSG_ADDR_ANY. */
uint32_t vrq_rpmsg_ept_dst(const struct vrq_rpmsg_ept *ept);
/** @brief The bus the endpoint belongs to. */
struct vrq_rpmsg *vrq_rpmsg_ept_bus(const struct vrq_rpmsg_ept *ept);

/**
 * @brief Send @p len bytes from @p src to @p dst, copying into a TX buffer.
 * @param timeout_ns 0: never block (-EAGAIN without a buffer);
 *        VRQ_RPMSG_FOREVER; else -ETIMEDOUT after it.
 * @param flags VRQ_RPMSG_MORE or 0
 * @return 0, -EAGAIN, -ETIMEDOUT, -EMSGSIZE (len > buffer payload),
 *         -EINVAL (dst ADDR_ANY), -EPIPE (peer gone), a peer code (queue broken).
 */
int vrq_rpmsg_send_offchannel(struct vrq_rpmsg *r, uint32_t src, uint32_t dst, const void *data,
			      uint32_t len, uint64_t timeout_ns, unsigned flags);
/** @brief Send to the endpoint's bound destination, blocking up to the configured timeout. */
int vrq_rpmsg_send(struct vrq_rpmsg_ept *ept, const void *data, uint32_t len);
/** @brief Send to @p dst, blocking up to the configured timeout. */
int vrq_rpmsg_sendto(struct vrq_rpmsg_ept *ept, uint32_t dst, const void *data, uint32_t len);
/** @brief Never blocks: -EAGAIN when no TX buffer is free. */
int vrq_rpmsg_trysend(struct vrq_rpmsg_ept *ept, const void *data, uint32_t len);

/** @brief Zero-copy: take a TX buffer (timeout as send). */
int vrq_rpmsg_get_tx_buffer(struct vrq_rpmsg *r, struct vrq_rpmsg_txbuf *tb, uint64_t timeout_ns);
/** @brief Zero-copy: send @p len bytes already written at tb->data (the buffer is consumed). */
int vrq_rpmsg_send_nocopy(struct vrq_rpmsg_ept *ept, uint32_t dst, struct vrq_rpmsg_txbuf *tb,
			  uint32_t len, unsigned flags);
/**
 * @brief Zero-copy, batched: take up to @p n TX buffers under one lock.
 *        Waits (timeout as send) only while none is free; then takes as
 *        many as are free, up to @p n.
 * @return buffers taken (1..n, in tb[0..]), or -EINVAL (n == 0), -EAGAIN,
 *         -ETIMEDOUT, -EPIPE, a peer code.
 */
int vrq_rpmsg_get_tx_buffers(struct vrq_rpmsg *r, struct vrq_rpmsg_txbuf *tb, unsigned n,
			     uint64_t timeout_ns);
/**
 * @brief Zero-copy, batched: send tb[i] with len[i] bytes to @p dst for i
 *        in 0..n-1, in that order, under one lock, with one publish and one
 *        notification decision for the batch (none with VRQ_RPMSG_MORE:
 *        then the next send without it, or vrq_rpmsg_flush(), publishes).
 *        Stops at the first entry that is not a reserved buffer (-EINVAL),
 *        is too long (-EMSGSIZE) or that the ring refuses (its code, which
 *        the next call sees again); the entries before it are sent (and
 *        published unless MORE), that one and the rest stay reserved.
 * @return buffers sent, or the first entry's error if none was.
 */
int vrq_rpmsg_send_nocopy_batch(struct vrq_rpmsg_ept *ept, uint32_t dst, struct vrq_rpmsg_txbuf *tb,
				const uint32_t *len, unsigned n, unsigned flags);
/** @brief Zero-copy: give back a TX buffer without sending. */
int vrq_rpmsg_release_tx_buffer(struct vrq_rpmsg *r, struct vrq_rpmsg_txbuf *tb);
/** @brief Publish and notify what VRQ_RPMSG_MORE sends left pending. */
int vrq_rpmsg_flush(struct vrq_rpmsg *r);

/**
 * @brief Send a structured message (see "structured buffers"): references
 *        validated against cfg.sbuf_mem, cache maintenance done, encoded in
 *        one TX buffer.  Timeout and errors as vrq_rpmsg_send_offchannel().
 */
int vrq_rpmsg_send_sbuf(struct vrq_rpmsg_ept *ept, uint32_t dst, uint32_t txn, uint16_t flags,
			struct vrq_sbuf_ref *refs, unsigned nref, const void *inl,
			uint32_t inl_len, uint64_t timeout_ns);
/** @brief Parse a received structured message against cfg.sbuf_mem and do the
 *         receive-side cache maintenance.  Errors as vrq_sbuf_parse(). */
int vrq_rpmsg_recv_sbuf(struct vrq_rpmsg *r, const struct vrq_rpmsg_rx *m,
			struct vrq_sbuf_msg *msg, struct vrq_sbuf_ref *refs, unsigned cap);

/**
 * @brief Receive: process up to @p budget messages (0: all there are),
 *        run their callbacks, return the buffers (one publish and one
 *        notification decision per call).  Receive thread only.  A poll
 *        that finds nothing does the idle TX work (as vrq_rpmsg_wait()).
 * @return messages processed (delivered or dropped), or a negative code
 *         (the RX queue broke: a peer code).
 */
int vrq_rpmsg_poll(struct vrq_rpmsg *r, unsigned budget);
/** @brief Receive thread: wait until a message is there (notify.h wait loop).
 *         0, -ETIMEDOUT, -EPIPE (peer gone); 0 at once without an RX notifier.
 *         First the idle TX work, unless a sender holds the TX lock: the
 *         host takes back the TX buffers the remote returned (the next
 *         send reuses the last one), the remote tops up its stash of host
 *         buffers.  @p timeout_ns 0 waits without a deadline: with eventfd
 *         one read() per wake-up instead of poll() + read(). */
int vrq_rpmsg_wait(struct vrq_rpmsg *r, uint64_t timeout_ns);
/** @brief Give back a buffer a callback held.  Any thread.  -EINVAL if
 *         @p token is not a held buffer. */
int vrq_rpmsg_release(struct vrq_rpmsg *r, uint32_t token);

/** @brief Counters (see struct vrq_rpmsg_stats). */
void vrq_rpmsg_get_stats(const struct vrq_rpmsg *r, struct vrq_rpmsg_stats *st);
/** @brief Payload bytes per message (buf_size - 16; remote: of the last host buffer seen, or 496). */
uint32_t vrq_rpmsg_payload_max(const struct vrq_rpmsg *r);
/** @brief Host: vring @p i's driver queue (NULL on a remote), for counters or custom notification. */
struct vrq_vq_drv *vrq_rpmsg_drv_vq(struct vrq_rpmsg *r, unsigned i);
/** @brief Remote: vring @p i's device queue (NULL on a host). */
struct vrq_vq_dev *vrq_rpmsg_dev_vq(struct vrq_rpmsg *r, unsigned i);
/** @brief Number of endpoints (the name-service one included). */
unsigned vrq_rpmsg_ept_count(const struct vrq_rpmsg *r);

/* ---- a ready-made pair over shared memory ------------------------------------ */

/**
 * @brief An RPMsg device in one shared region laid out as remoteproc does:
 *        a resource table (one vdev entry, id 7, two vrings), the two
 *        split rings in the legacy vring_init(num, align) layout at the
 *        device addresses the table gives, and the host's buffers; plus the
 *        notifiers' shared blocks.  The host end creates it (as a remote
 *        firmware image would provide the table); the remote end maps it a
 *        second time in the same process (vrq_rpmsg_link_attach()) or in a
 *        child process (after fork(), the same call).
 *
 * Region layout (device addresses = da_base + offset):
 *   0       resource table (vdev entry at 32)
 *   4096    notifier shared blocks: kick0, irq0, kick1, irq1 (128 bytes each)
 *   8192    vring 0, then vring 1 (each vring_size(num, align), 4 KiB aligned)
 *   ...     buffers: (num_rx + num_tx) * buf_size
 * The remote's memory map used for message buffers holds only the buffer
 * area: a descriptor that points at a ring or the table is refused.
 */
struct vrq_rpmsg_link_cfg {
	uint16_t qsize;		/**< vring size (power of two); 0 = 256 */
	uint32_t align;		/**< vring align; 0 = 4096 */
	uint32_t buf_size;	/**< 0 = 512 */
	uint32_t dfeatures;	/**< RPMsg features the remote offers; 0 = VRQ_RPMSG_F_NS */
	uint64_t ring_features; /**< ring features (VRQ_FEATURE(EVENT_IDX) ...) both use */
	enum vrq_notify_kind notify;
	enum vrq_notify_kind block; /**< hybrid: EVENTFD or FUTEX */
	uint32_t spin_ns;
	uint64_t da_base;	/**< 0 = 0x40000000 */
};

struct vrq_rpmsg_link {
	bool remote;
	struct vrq_shm shm;	/**< the region (a sealed memfd) */
	uint8_t *base;
	uint64_t da_base;
	struct vrq_rsc_vdev *vdev;
	struct vrq_rpmsg_link_cfg cfg;
	struct vrq_mem mem_all;	/**< the whole region (ring addresses) */
	struct vrq_mem mem_bufs; /**< the buffer area only (remote: message buffers) */
	int kick_fd[2], irq_fd[2];
	struct vrq_notifier kick[2], irq[2];
	uint64_t off_bufs;
	uint16_t num_rx, num_tx;
};

/** @brief Create the region and the host end.  0 or a negative code. */
int vrq_rpmsg_link_create(struct vrq_rpmsg_link *l, const struct vrq_rpmsg_link_cfg *cfg);
/** @brief The remote end: map @p host's region again (same process, or a
 *         forked child that inherited its fds). */
int vrq_rpmsg_link_attach(struct vrq_rpmsg_link *remote, const struct vrq_rpmsg_link *host);
/** @brief Watch @p pid: waits return -EPIPE when it dies. */
int vrq_rpmsg_link_watch(struct vrq_rpmsg_link *l, int pid);
/**
 * @brief Bring the bus up on this end: host: set the queues up from the
 *        table, post the buffers, write gfeatures and DRIVER_OK; remote:
 *        wait for DRIVER_OK (@p timeout_ns), read gfeatures, attach to the
 *        queues.  @p extra supplies ns_cb, sbuf_mem, send_timeout_ns...
 *        (may be NULL); queue, notifier and buffer fields are the link's.
 */
struct vrq_rpmsg *vrq_rpmsg_link_open(struct vrq_rpmsg_link *l, const struct vrq_rpmsg_cfg *extra,
				      uint64_t timeout_ns, int *err);
/** @brief Close this end's notifiers (the peer's waits return -EPIPE). */
void vrq_rpmsg_link_close(struct vrq_rpmsg_link *l);
/** @brief Unmap and close (destroy the bus first). */
void vrq_rpmsg_link_destroy(struct vrq_rpmsg_link *l);

#ifdef __cplusplus
}
#endif
#endif /* VRQ_RPMSG_H */
