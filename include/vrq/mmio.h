/* SPDX-License-Identifier: MIT */
/**
 * @file mmio.h
 * @brief virtio-mmio (version 2) over plain shared memory: a register file
 *        both sides map, for a driver and a device that share only memory
 *        and can signal each other (no hypervisor traps any access).
 *
 * The register file sits at the virtio-mmio offsets (virtio 1.x, "MMIO
 * Device Register Layout", 4.2.2) at the start of struct vrq_mmio_shared;
 * what a trap would have done is made explicit:
 *
 *  - **Register writes the device acts on** (Status, feature selects and
 *    words, QueueSel, QueueNum, the queue addresses, QueueReady,
 *    QueueReset) go through a one-slot mailbox: the driver stores the value
 *    in the register, posts {seq, offset, value}, rings the device's
 *    doorbell and waits (spin, then block, with a timeout) for the device
 *    to acknowledge that sequence number.  The device serves the mailbox in
 *    its own thread (inside vrq_mmio_dev_wait()), so a register read after
 *    the write sees its effect: Status reads 0 after a reset, FEATURES_OK
 *    reads back set or clear, QueueNumMax follows QueueSel.  A device that
 *    does not answer is -VRQ_ETIMEDOUT with a message (vrq_mmio_drv.msg).
 *  - **QueueNotify** is a posted write (the hot path): the register is
 *    written and the queue's bit is set in the device's event word; the
 *    doorbell is rung when the word was empty.
 *  - **Device to driver**: legacy mode (one line per device: the device sets
 *    InterruptStatus bits with an atomic OR and raises the line only when
 *    the status was clear; the driver reads InterruptStatus, writes
 *    InterruptACK and scans every queue) or per-queue vectors (one channel
 *    per queue and one for configuration changes, MSI-X style: no status
 *    read, no ACK, no scan).  Chosen per device (vrq_mmio_*_cfg.irq), both
 *    sides the same; every status read, ACK and scanned-but-empty queue is
 *    counted.
 *  - Channels are the notification backends of notify.h (eventfd, futex,
 *    hybrid, poll), one shared block each in struct vrq_mmio_shared and, for
 *    the fd backends, one eventfd each (vrq_mmio_fds_create()).
 *
 * Configuration space, two modes (vrq_mmio_cfg_mode):
 *  - VRQ_MMIO_CFG_SHARED: the window at 0x100, with ConfigGeneration used
 *    as a sequence lock: the device makes it odd, writes, makes it even
 *    again (release); the driver retries while it reads an odd value or a
 *    changed one (a trap-free version of virtio's generation check).
 *    Driver writes go into the window and raise a config event to the
 *    device, which compares the window with its own copy.  Pick it for
 *    configuration the device updates and the driver mostly reads: reads
 *    cost a few loads, nothing travels.  Driver writes racing device
 *    updates of the same bytes are not ordered (as with a hypervisor that
 *    does not see them).
 *  - VRQ_MMIO_CFG_MSG: no shared window; each side keeps its own copy and
 *    updates travel as {offset, size, value} messages (at most 8 bytes of
 *    value each) over a control queue of two small split rings the
 *    transport owns: the driver sends writes and a sync request, the device
 *    answers with update messages in buffers the driver posted, then a
 *    sync-done message carrying the size.  Pick it when both sides write
 *    configuration, when the peer does not snoop caches, or when every
 *    change must be seen in order; reads are local, updates cost a message
 *    per 8 bytes.
 *
 * Untrusted input: the device validates every mailbox write (unknown
 * offset, QueueSel out of range, QueueNum 0, above QueueNumMax or not a
 * power of two for a split ring, ring areas misaligned, overlapping or
 * outside the device's memory map, queue registers changed while the queue
 * is ready, Status bits cleared without a reset or set out of order, feature
 * words written after FEATURES_OK, QueueReset without RING_RESET, config
 * writes out of range): it sets DEVICE_NEEDS_RESET, counts the reason
 * (vrq_mmio_dev.st.bad[]) and acknowledges the write (the driver is not
 * left waiting).  Only a reset (Status 0) clears it.  The driver bounds
 * what it reads from the device (QueueNumMax, config sizes, messages).
 *
 * Concurrency: one thread per role handle.  The device handle's queues are
 * served by the thread that calls vrq_mmio_dev_wait() (register writes,
 * resets and queue resets happen there, between the caller's pops and
 * pushes); the driver handle is used by one thread.
 */
#ifndef VRQ_MMIO_H
#define VRQ_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mem.h"
#include "notify.h"
#include "spec.h"
#include "vq.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Register offsets (virtio 1.x, 4.2.2 "MMIO Device Register Layout") -- */
#define VRQ_MMIO_MAGIC_VALUE 0x000
#define VRQ_MMIO_VERSION 0x004
#define VRQ_MMIO_DEVICE_ID 0x008
#define VRQ_MMIO_VENDOR_ID 0x00c
#define VRQ_MMIO_DEVICE_FEATURES 0x010
#define VRQ_MMIO_DEVICE_FEATURES_SEL 0x014
#define VRQ_MMIO_DRIVER_FEATURES 0x020
#define VRQ_MMIO_DRIVER_FEATURES_SEL 0x024
#define VRQ_MMIO_QUEUE_SEL 0x030
#define VRQ_MMIO_QUEUE_NUM_MAX 0x034
#define VRQ_MMIO_QUEUE_NUM 0x038
#define VRQ_MMIO_QUEUE_READY 0x044
#define VRQ_MMIO_QUEUE_NOTIFY 0x050
#define VRQ_MMIO_INTERRUPT_STATUS 0x060
#define VRQ_MMIO_INTERRUPT_ACK 0x064
#define VRQ_MMIO_STATUS 0x070
#define VRQ_MMIO_QUEUE_DESC_LOW 0x080
#define VRQ_MMIO_QUEUE_DESC_HIGH 0x084
#define VRQ_MMIO_QUEUE_DRIVER_LOW 0x090
#define VRQ_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VRQ_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VRQ_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VRQ_MMIO_SHM_SEL 0x0ac
#define VRQ_MMIO_SHM_LEN_LOW 0x0b0
#define VRQ_MMIO_SHM_LEN_HIGH 0x0b4
#define VRQ_MMIO_SHM_BASE_LOW 0x0b8
#define VRQ_MMIO_SHM_BASE_HIGH 0x0bc
#define VRQ_MMIO_QUEUE_RESET 0x0c0
#define VRQ_MMIO_CONFIG_GENERATION 0x0fc
#define VRQ_MMIO_CONFIG 0x100

/** MagicValue: "virt" little-endian.  Version: 2 (non-legacy). */
#define VRQ_MMIO_MAGIC 0x74726976u
#define VRQ_MMIO_VERSION_2 2u

/** InterruptStatus bits (4.2.2): used buffer, configuration change. */
#define VRQ_MMIO_INT_VRING 0x1u
#define VRQ_MMIO_INT_CONFIG 0x2u

/** Largest config window here (the window runs from 0x100 up to 0x200). */
#define VRQ_MMIO_CONFIG_MAX 256u
/** Queues per device. */
#define VRQ_MMIO_MAX_QUEUES 8u

/**
 * @brief The register file, byte for byte the virtio-mmio v2 layout
 *        (little-endian 32-bit registers; reserved words are never used).
 */
struct vrq_mmio_regs {
	vrq_le32 magic;			/* 0x000 R */
	vrq_le32 version;		/* 0x004 R */
	vrq_le32 device_id;		/* 0x008 R */
	vrq_le32 vendor_id;		/* 0x00c R */
	vrq_le32 device_features;	/* 0x010 R */
	vrq_le32 device_features_sel;	/* 0x014 W */
	vrq_le32 rsv0[2];
	vrq_le32 driver_features;	/* 0x020 W */
	vrq_le32 driver_features_sel;	/* 0x024 W */
	vrq_le32 rsv1[2];
	vrq_le32 queue_sel;		/* 0x030 W */
	vrq_le32 queue_num_max;		/* 0x034 R */
	vrq_le32 queue_num;		/* 0x038 W */
	vrq_le32 rsv2[2];
	vrq_le32 queue_ready;		/* 0x044 RW */
	vrq_le32 rsv3[2];
	vrq_le32 queue_notify;		/* 0x050 W */
	vrq_le32 rsv4[3];
	vrq_le32 interrupt_status;	/* 0x060 R */
	vrq_le32 interrupt_ack;		/* 0x064 W */
	vrq_le32 rsv5[2];
	vrq_le32 status;		/* 0x070 RW */
	vrq_le32 rsv6[3];
	vrq_le32 queue_desc_low;	/* 0x080 W */
	vrq_le32 queue_desc_high;	/* 0x084 W */
	vrq_le32 rsv7[2];
	vrq_le32 queue_driver_low;	/* 0x090 W */
	vrq_le32 queue_driver_high;	/* 0x094 W */
	vrq_le32 rsv8[2];
	vrq_le32 queue_device_low;	/* 0x0a0 W */
	vrq_le32 queue_device_high;	/* 0x0a4 W */
	vrq_le32 rsv9;
	vrq_le32 shm_sel;		/* 0x0ac W */
	vrq_le32 shm_len_low;		/* 0x0b0 R */
	vrq_le32 shm_len_high;		/* 0x0b4 R */
	vrq_le32 shm_base_low;		/* 0x0b8 R */
	vrq_le32 shm_base_high;		/* 0x0bc R */
	vrq_le32 queue_reset;		/* 0x0c0 RW */
	vrq_le32 rsv10[14];
	vrq_le32 config_generation;	/* 0x0fc R */
	uint8_t config[VRQ_MMIO_CONFIG_MAX]; /* 0x100 RW, device-specific */
};

/* virtio 1.x, 4.2.2 "MMIO Device Register Layout": every offset. */
#define VRQ__MMIO_OFF(f, o) VRQ_STATIC_ASSERT(offsetof(struct vrq_mmio_regs, f) == (o), #f)
VRQ__MMIO_OFF(magic, VRQ_MMIO_MAGIC_VALUE);
VRQ__MMIO_OFF(version, VRQ_MMIO_VERSION);
VRQ__MMIO_OFF(device_id, VRQ_MMIO_DEVICE_ID);
VRQ__MMIO_OFF(vendor_id, VRQ_MMIO_VENDOR_ID);
VRQ__MMIO_OFF(device_features, VRQ_MMIO_DEVICE_FEATURES);
VRQ__MMIO_OFF(device_features_sel, VRQ_MMIO_DEVICE_FEATURES_SEL);
VRQ__MMIO_OFF(driver_features, VRQ_MMIO_DRIVER_FEATURES);
VRQ__MMIO_OFF(driver_features_sel, VRQ_MMIO_DRIVER_FEATURES_SEL);
VRQ__MMIO_OFF(queue_sel, VRQ_MMIO_QUEUE_SEL);
VRQ__MMIO_OFF(queue_num_max, VRQ_MMIO_QUEUE_NUM_MAX);
VRQ__MMIO_OFF(queue_num, VRQ_MMIO_QUEUE_NUM);
VRQ__MMIO_OFF(queue_ready, VRQ_MMIO_QUEUE_READY);
VRQ__MMIO_OFF(queue_notify, VRQ_MMIO_QUEUE_NOTIFY);
VRQ__MMIO_OFF(interrupt_status, VRQ_MMIO_INTERRUPT_STATUS);
VRQ__MMIO_OFF(interrupt_ack, VRQ_MMIO_INTERRUPT_ACK);
VRQ__MMIO_OFF(status, VRQ_MMIO_STATUS);
VRQ__MMIO_OFF(queue_desc_low, VRQ_MMIO_QUEUE_DESC_LOW);
VRQ__MMIO_OFF(queue_desc_high, VRQ_MMIO_QUEUE_DESC_HIGH);
VRQ__MMIO_OFF(queue_driver_low, VRQ_MMIO_QUEUE_DRIVER_LOW);
VRQ__MMIO_OFF(queue_driver_high, VRQ_MMIO_QUEUE_DRIVER_HIGH);
VRQ__MMIO_OFF(queue_device_low, VRQ_MMIO_QUEUE_DEVICE_LOW);
VRQ__MMIO_OFF(queue_device_high, VRQ_MMIO_QUEUE_DEVICE_HIGH);
VRQ__MMIO_OFF(shm_sel, VRQ_MMIO_SHM_SEL);
VRQ__MMIO_OFF(shm_len_low, VRQ_MMIO_SHM_LEN_LOW);
VRQ__MMIO_OFF(shm_len_high, VRQ_MMIO_SHM_LEN_HIGH);
VRQ__MMIO_OFF(shm_base_low, VRQ_MMIO_SHM_BASE_LOW);
VRQ__MMIO_OFF(shm_base_high, VRQ_MMIO_SHM_BASE_HIGH);
VRQ__MMIO_OFF(queue_reset, VRQ_MMIO_QUEUE_RESET);
VRQ__MMIO_OFF(config_generation, VRQ_MMIO_CONFIG_GENERATION);
VRQ__MMIO_OFF(config, VRQ_MMIO_CONFIG);
VRQ_STATIC_ASSERT(sizeof(struct vrq_mmio_regs) == 0x200, "register file + 256-byte window");

/** Channels (one notify shared block each; eventfds for the fd backends). */
enum vrq_mmio_chan {
	VRQ_MMIO_CH_DOORBELL = 0, /**< driver -> device: QueueNotify, mailbox, config writes */
	VRQ_MMIO_CH_ACK,	  /**< device -> driver: mailbox acknowledgements */
	VRQ_MMIO_CH_LINE,	  /**< device -> driver: legacy line / config-change vector */
	VRQ_MMIO_CH_VEC0,	  /**< device -> driver: queue 0's vector (vectors mode) */
	VRQ_MMIO_NCHAN = VRQ_MMIO_CH_VEC0 + VRQ_MMIO_MAX_QUEUES
};

/** Event bits of the device's doorbell word (ext.dev_events). */
#define VRQ_MMIO_EV_QUEUE(q) (1u << (q)) /**< QueueNotify for queue q */
#define VRQ_MMIO_EV_REG (1u << 30)	/**< a register write is in the mailbox */
#define VRQ_MMIO_EV_CONFIG (1u << 31)	/**< the driver wrote configuration */

/** Control-queue message (VRQ_MMIO_CFG_MSG), 16 bytes, little-endian. */
struct vrq_mmio_cfg_msg {
	vrq_le16 op;	/**< VRQ_MMIO_MSG_* */
	vrq_le16 off;	/**< byte offset in the config space */
	vrq_le16 size;	/**< bytes of @c val used (1..8), or the config size (SYNC_DONE) */
	vrq_le16 rsv;
	uint8_t val[8];
};
VRQ_STATIC_ASSERT(sizeof(struct vrq_mmio_cfg_msg) == 16, "one 16-byte message");

#define VRQ_MMIO_MSG_WRITE 1	 /**< driver -> device: write size bytes at off */
#define VRQ_MMIO_MSG_SYNC 2	 /**< driver -> device: send the whole space */
#define VRQ_MMIO_MSG_UPDATE 3	 /**< device -> driver: size bytes at off changed */
#define VRQ_MMIO_MSG_SYNC_DONE 4 /**< device -> driver: sync complete, size = space size */

/** Control rings: two split rings of this size. */
#define VRQ_MMIO_CTLQ_SIZE 16u
/** Device address the control-queue message slots use on both sides. */
#define VRQ_MMIO_CTL_DA 0x7f0000000000ull

/**
 * @brief What a trap would have kept: the mailbox, the event words and the
 *        control queue.  Not part of the virtio layout; it follows it.
 */
struct vrq_mmio_ext {
	/* driver writes */
	__attribute__((aligned(64))) uint32_t req_seq;	/**< mailbox: sequence of the posted write */
	uint32_t req_off;		/**< register offset */
	uint32_t req_val;		/**< value written */
	uint32_t dev_events;		/**< VRQ_MMIO_EV_* (atomic OR / exchange) */
	/* device writes */
	__attribute__((aligned(64))) uint32_t ack_seq;	/**< last mailbox sequence served */
	uint32_t drv_events;		/**< vectors mode: VRQ_MMIO_INT_CONFIG pending */
	/* control queue (VRQ_MMIO_CFG_MSG) */
	__attribute__((aligned(64))) uint8_t ctl_req_ring[1024]; /**< driver -> device requests */
	__attribute__((aligned(64))) uint8_t ctl_evt_ring[1024]; /**< device -> driver updates */
	__attribute__((aligned(64))) struct vrq_mmio_cfg_msg ctl_slots[2 * VRQ_MMIO_CTLQ_SIZE];
};

/** @brief The whole shared block: registers, extension, channel blocks. */
struct vrq_mmio_shared {
	struct vrq_mmio_regs regs;
	struct vrq_mmio_ext ext;
	struct vrq_notify_shared ch[VRQ_MMIO_NCHAN];
};
VRQ_STATIC_ASSERT(offsetof(struct vrq_mmio_shared, regs) == 0, "registers at offset 0");

/** Interrupt delivery, device -> driver. */
enum vrq_mmio_irq {
	VRQ_MMIO_IRQ_LEGACY = 0, /**< one line, InterruptStatus + InterruptACK, scan all */
	VRQ_MMIO_IRQ_VECTORS,	 /**< one channel per queue + a config vector */
};

/** Configuration space mode (see the file comment). */
enum vrq_mmio_cfg_mode {
	VRQ_MMIO_CFG_SHARED = 0, /**< window + ConfigGeneration sequence lock */
	VRQ_MMIO_CFG_MSG,	 /**< per-side copies, messages over the control queue */
};

/** Why the device set DEVICE_NEEDS_RESET (vrq_mmio_dev_stats.bad[]). */
enum vrq_mmio_bad {
	VRQ_MMIO_BAD_OFFSET = 0,   /**< mailbox names no writable register */
	VRQ_MMIO_BAD_STATUS,	   /**< Status bits cleared without reset, unknown bits, out of order */
	VRQ_MMIO_BAD_FEATURES,	   /**< feature words written after FEATURES_OK / select >= 2 */
	VRQ_MMIO_BAD_QUEUE_SEL,	   /**< queue register written for a queue that does not exist */
	VRQ_MMIO_BAD_QUEUE_NUM,	   /**< QueueNum 0, > QueueNumMax, or not a power of two (split) */
	VRQ_MMIO_BAD_QUEUE_LIVE,   /**< queue registers changed while QueueReady is 1 */
	VRQ_MMIO_BAD_QUEUE_ALIGN,  /**< a ring area misaligned */
	VRQ_MMIO_BAD_QUEUE_ADDR,   /**< a ring area outside registered memory, or overlapping */
	VRQ_MMIO_BAD_QUEUE_RESET,  /**< QueueReset without RING_RESET, or a value other than 1 */
	VRQ_MMIO_BAD_CONFIG,	   /**< config write out of range / malformed message */
	VRQ_MMIO_BAD_RING,	   /**< a queue's ring stopped on a peer error */
	VRQ_MMIO_BAD_COUNT
};

/** @brief Short name of a reason ("queue-num", ...). */
const char *vrq_mmio_bad_name(enum vrq_mmio_bad b);

/** @brief Channel settings shared by both roles' configs. */
struct vrq_mmio_chan_cfg {
	enum vrq_notify_kind notify;	 /**< poll, eventfd, futex or hybrid (not legacy-irq:
					  *   legacy interrupts are @c irq) */
	enum vrq_notify_kind hybrid_block; /**< hybrid: EVENTFD (default 0 = EVENTFD) or FUTEX */
	uint32_t spin_ns;		 /**< hybrid spin budget (0 = adaptive) */
	enum vrq_mmio_irq irq;
	const int *fds;			 /**< VRQ_MMIO_NCHAN eventfds for the fd backends */
	int peer_pid;			 /**< watch the peer process (0: threads) */
};

/**
 * @brief Create the eventfds the channels need (@p fds, VRQ_MMIO_NCHAN
 *        entries; -1 where none is needed).  0 or -errno (none left open).
 */
int vrq_mmio_fds_create(int *fds, const struct vrq_mmio_chan_cfg *c);
/** @brief Close what vrq_mmio_fds_create() made (entries become -1). */
void vrq_mmio_fds_close(int *fds);
/** @brief Zero the shared block (once, by whoever creates it). */
void vrq_mmio_shared_init(struct vrq_mmio_shared *sh);

/* ---- device role --------------------------------------------------------- */

/** @brief Device counters. */
struct vrq_mmio_dev_stats {
	uint64_t reg_writes;	 /**< mailbox writes served */
	uint64_t needs_reset;	 /**< times DEVICE_NEEDS_RESET was set */
	uint64_t bad[VRQ_MMIO_BAD_COUNT];
	uint64_t resets;	 /**< device resets (Status 0) */
	uint64_t queue_resets;	 /**< QueueReset served */
	uint64_t features_refused; /**< FEATURES_OK left clear */
	uint64_t config_writes;	 /**< driver config writes seen (bytes changed / messages) */
	uint64_t config_updates; /**< device config updates (generation steps / messages sent) */
	uint64_t irqs_raised;	 /**< legacy: line raised; vectors: vector signalled */
	uint64_t irqs_coalesced; /**< legacy: status already set, line not raised again */
	uint64_t queue_events;	 /**< QueueNotify bits consumed */
	uint64_t restarts;	 /**< vrq_mmio_dev_restart() calls */
};

/** @brief Device configuration. */
struct vrq_mmio_dev_cfg {
	struct vrq_mmio_shared *sh;
	struct vrq_mmio_chan_cfg chan;
	uint32_t device_id, vendor_id;
	uint64_t features;		/**< offered (VERSION_1 is added) */
	uint16_t nqueues;		/**< 1..VRQ_MMIO_MAX_QUEUES */
	uint16_t queue_num_max;		/**< QueueNumMax of every queue (1..32768) */
	enum vrq_mmio_cfg_mode cfg_mode;
	uint32_t config_size;		/**< bytes of config space (<= VRQ_MMIO_CONFIG_MAX) */
	const void *config_init;	/**< initial contents, or NULL (zeroes) */
	const struct vrq_mem *mem;	/**< where rings and buffers may lie (device addresses) */
	enum vrq_domain domain;		/**< ring ordering domain (VRQ_DOM_SMP) */
	/** optional: accept the negotiated features (0) or refuse FEATURES_OK */
	int (*features_ok)(void *ctx, uint64_t features);
	/** optional: the driver changed config bytes [off, off + len) */
	void (*config_written)(void *ctx, uint32_t off, uint32_t len);
	void *ctx;
};

/** @brief Per-queue device state. */
struct vrq_mmio_dev_queue {
	uint32_t num;			/**< QueueNum latched */
	uint64_t desc, driver, device;	/**< addresses latched (device addresses) */
	bool ready;			/**< QueueReady 1 */
	bool reset;			/**< QueueReset reads 1 */
	bool live;			/**< ring attached (vq valid) */
	struct vrq_vq_dev vq;
};

/** @brief Device handle (local). */
struct vrq_mmio_dev {
	struct vrq_mmio_shared *sh;
	struct vrq_mmio_dev_cfg cfg;
	uint64_t offered;		/**< device features (with VERSION_1) */
	uint64_t drv_features;		/**< DriverFeatures latched */
	uint64_t features;		/**< negotiated (valid once FEATURES_OK) */
	uint32_t status;		/**< the device's view of Status */
	uint32_t dfsel, drfsel, qsel;
	struct vrq_mmio_dev_queue q[VRQ_MMIO_MAX_QUEUES];
	struct vrq_notifier doorbell;	/**< receiver */
	struct vrq_notifier ack, line;	/**< senders */
	struct vrq_notifier vec[VRQ_MMIO_MAX_QUEUES];
	uint8_t config[VRQ_MMIO_CONFIG_MAX]; /**< this side's copy */
	uint32_t pending_events;	/**< queue bits taken from the doorbell word */
	uint32_t wake_mask;		/**< queues whose buffers end vrq_mmio_dev_wait() (bit q) */
	/* control queue */
	bool ctl_live;
	struct vrq_vq_dev ctl_req, ctl_evt;
	struct vrq_mem ctl_mem;
	uint32_t ctl_dirty;		/**< 8-byte chunks still to send */
	bool ctl_sync;			/**< a SYNC_DONE is owed */
	enum vrq_mmio_bad last_bad;
	struct vrq_mmio_dev_stats st;
};

/**
 * @brief Initialise the device: fills the read-only registers (magic,
 *        version 2, ids, QueueNumMax, config) and the channels.
 * @return 0, -VRQ_EINVAL (bad config), or the notifier's error.
 */
int vrq_mmio_dev_init(struct vrq_mmio_dev *d, const struct vrq_mmio_dev_cfg *cfg);
/** @brief Release the device's notifiers and queues. */
void vrq_mmio_dev_fini(struct vrq_mmio_dev *d);

/**
 * @brief Wait for work: serves the register mailbox and config events as
 *        they come, and returns once a live queue may have buffers (or at
 *        once if one has).  @p timeout_ns 0: none.
 * @return a mask of live queues (bit q) of the wake set
 *         (vrq_mmio_dev_set_wake_mask()) with buffers available,
 *         -VRQ_ETIMEDOUT, -VRQ_EPEERGONE.
 */
int vrq_mmio_dev_wait(struct vrq_mmio_dev *d, uint64_t timeout_ns);
/** @brief Serve what is pending (mailbox, config events) without blocking;
 *         returns the live queues that have buffers (mask). */
int vrq_mmio_dev_poll(struct vrq_mmio_dev *d);

/**
 * @brief Choose the queues (bit q) whose buffers end vrq_mmio_dev_wait():
 *        only those are armed for kicks when the device sleeps, so the
 *        driver's kick decisions on the others say "suppress" and cost no
 *        QueueNotify.  A device that takes buffers from a queue only when it
 *        needs them (an RX queue it still holds buffers from, as vhost-net
 *        enables RX notifications only once it runs out) leaves that queue
 *        out until it does.  The default is every queue.  vrq_mmio_dev_wait()
 *        then returns only queues of the set; vrq_mmio_dev_poll() still
 *        reports every live queue with buffers.
 */
void vrq_mmio_dev_set_wake_mask(struct vrq_mmio_dev *d, uint32_t mask);

/**
 * @brief The register state machine: apply a driver write of @p val at
 *        @p off as if it came through the mailbox (validated; nonsense sets
 *        DEVICE_NEEDS_RESET).  Exposed for tests and fuzzing.
 * @return 0, or -VRQ_EINVAL when the write was refused (st.bad[] counts it).
 */
int vrq_mmio_dev_handle_write(struct vrq_mmio_dev *d, uint32_t off, uint32_t val);

/** @brief Queue @p q's ring (NULL unless live: ready and DRIVER_OK). */
struct vrq_vq_dev *vrq_mmio_dev_vq(struct vrq_mmio_dev *d, unsigned q);

/**
 * @brief After pushes and a publish on queue @p q: tell the driver if the
 *        ring says so (legacy: InterruptStatus |= VRING, raise the line if it
 *        was clear; vectors: signal q's vector).
 * @return 1 notified, 0 suppressed, < 0 error.
 */
int vrq_mmio_dev_notify(struct vrq_mmio_dev *d, unsigned q);

/**
 * @brief Update config bytes [off, off + len) and tell the driver (shared:
 *        generation odd, write, generation even; message: UPDATE messages).
 * @return 0 or -VRQ_EINVAL (range).
 */
int vrq_mmio_dev_config_write(struct vrq_mmio_dev *d, uint32_t off, const void *buf,
			      uint32_t len);

/**
 * @brief The device restarts (a crash and reload, a firmware update): sets
 *        DEVICE_NEEDS_RESET and sends a configuration change; the driver
 *        re-initialises (vrq_mmio_drv_reinit()).
 */
void vrq_mmio_dev_restart(struct vrq_mmio_dev *d);

/** @brief true if DEVICE_NEEDS_RESET is set. */
bool vrq_mmio_dev_needs_reset(const struct vrq_mmio_dev *d);

/* ---- driver role --------------------------------------------------------- */

/** @brief Driver counters. */
struct vrq_mmio_drv_stats {
	uint64_t reg_reads;	  /**< register reads (modelled traps) */
	uint64_t reg_writes;	  /**< register writes (modelled traps), QueueNotify included */
	uint64_t traps;		  /**< accesses charged the modelled trap cost */
	uint64_t mailbox_waits;	  /**< synchronous writes (mailbox round trips) */
	uint64_t ack_timeouts;
	uint64_t notifies;	  /**< QueueNotify writes */
	uint64_t status_reads;	  /**< legacy: InterruptStatus reads */
	uint64_t status_empty;	  /**< legacy: InterruptStatus read as 0 */
	uint64_t acks;		  /**< legacy: InterruptACK writes */
	uint64_t scans;		  /**< legacy: queues examined after an interrupt */
	uint64_t spurious_scans;  /**< legacy: queues examined that had nothing */
	uint64_t config_changes;  /**< configuration change notifications seen */
	uint64_t config_retries;  /**< shared config reads retried (odd/changed generation) */
	uint64_t reclaimed_used;  /**< buffers collected as used at a reset */
	uint64_t reclaimed_unused; /**< in-flight buffers handed back at a reset */
};

/**
 * @brief Called for every buffer a reset takes back: @p used true for one the
 *        device had completed (len valid), false for one it never finished.
 */
typedef void (*vrq_mmio_reclaim_fn)(void *ctx, unsigned q, void *token, uint32_t len, bool used);

/** @brief Driver configuration. */
struct vrq_mmio_drv_cfg {
	struct vrq_mmio_shared *sh;
	struct vrq_mmio_chan_cfg chan;
	const struct vrq_mem *mem;	/**< local -> device addresses of rings and buffers */
	enum vrq_mmio_cfg_mode cfg_mode; /**< must match the device's */
	enum vrq_domain domain;
	uint64_t ack_timeout_ns;	/**< mailbox acknowledgement (default 1 s) */
	uint32_t trap_ns;		/**< modelled cost of each register access (busy-wait) */
	vrq_mmio_reclaim_fn reclaim;	/**< optional */
	void *ctx;
};

/** @brief Per-queue driver state. */
struct vrq_mmio_drv_queue {
	bool live;
	uint16_t num;
	enum vrq_ring_kind kind;
	void *ring;		/**< local ring memory given to setup */
	size_t area_align;
	uint64_t delivered;	/**< used buffers collected through vrq_mmio_drv_get_used(),
				 *   kept across resets */
	struct vrq_vq_drv vq;
};

/** @brief Driver handle (local). */
struct vrq_mmio_drv {
	struct vrq_mmio_shared *sh;
	struct vrq_mmio_drv_cfg cfg;
	uint64_t features;	/**< negotiated */
	uint64_t wanted;	/**< what vrq_mmio_drv_negotiate() asked for (re-init) */
	uint32_t seq;		/**< mailbox sequence */
	bool cfg_pending;	/**< legacy: config bit seen by the handler */
	struct vrq_mmio_drv_queue q[VRQ_MMIO_MAX_QUEUES];
	struct vrq_notifier doorbell;	/**< sender */
	struct vrq_notifier ack, line;	/**< receivers */
	struct vrq_notifier vec[VRQ_MMIO_MAX_QUEUES];
	/* message config mode */
	bool ctl_live;
	uint8_t config[VRQ_MMIO_CONFIG_MAX];
	uint32_t config_size;	/**< message mode: from SYNC_DONE */
	bool synced;
	struct vrq_vq_drv ctl_req, ctl_evt;
	struct vrq_mem ctl_mem;
	uint32_t ctl_req_free;	/**< request slot bitmap (1 = free) */
	struct vrq_mmio_drv_stats st;
	char msg[160];		/**< last error, one line */
};

/**
 * @brief Initialise the driver handle and read MagicValue / Version.
 * @return 0, -VRQ_EINVAL, -ENODEV (no virtio-mmio v2 device there: bad
 *         magic or version, msg says which), or a notifier error.
 */
int vrq_mmio_drv_init(struct vrq_mmio_drv *v, const struct vrq_mmio_drv_cfg *cfg);
/** @brief Release the driver's notifiers and queues. */
void vrq_mmio_drv_fini(struct vrq_mmio_drv *v);

/** @brief Register read (a modelled trap).  Only the read-side effect-free registers. */
uint32_t vrq_mmio_drv_read(struct vrq_mmio_drv *v, uint32_t off);
/**
 * @brief Register write through the mailbox, waiting for the device.
 * @return 0, -VRQ_ETIMEDOUT (no acknowledgement; msg says which write),
 *         -VRQ_EPEERGONE, -VRQ_EINVAL (offset not a writable register).
 */
int vrq_mmio_drv_write(struct vrq_mmio_drv *v, uint32_t off, uint32_t val);

/**
 * @brief Device reset: Status 0, waits until it reads back 0; every queue's
 *        used buffers are collected and in-flight ones handed back
 *        (cfg.reclaim), then the queues are dropped.
 */
int vrq_mmio_drv_reset(struct vrq_mmio_drv *v);
/**
 * @brief ACKNOWLEDGE, DRIVER, features (device's & @p wanted), FEATURES_OK
 *        and its read-back.  VERSION_1 is always asked for.
 * @return 0 (*got = negotiated), -ENOTSUP (device lacks VERSION_1, or it left
 *         FEATURES_OK clear: FAILED is then set), or a write error.
 */
int vrq_mmio_drv_negotiate(struct vrq_mmio_drv *v, uint64_t wanted, uint64_t *got);
/**
 * @brief Set up queue @p q: QueueSel, QueueReady must read 0, QueueNumMax
 *        (0: -ENOENT), @p num (<= max, else -VRQ_EINVAL), the driver ring
 *        initialised in @p ring (vrq_vq_ring_bytes(kind, num, area_align)
 *        bytes inside cfg.mem), the three addresses, QueueReady 1 and its
 *        read-back (0: the device refused, -EIO).  The ring kind follows the
 *        negotiated RING_PACKED.
 */
int vrq_mmio_drv_setup_queue(struct vrq_mmio_drv *v, unsigned q, uint16_t num, void *ring,
			     size_t area_align);
/** @brief DRIVER_OK; -EIO if the device has set DEVICE_NEEDS_RESET. */
int vrq_mmio_drv_ready(struct vrq_mmio_drv *v);
/**
 * @brief Re-initialise after DEVICE_NEEDS_RESET (or at will): reset (buffers
 *        reclaimed), the same features and queues again, DRIVER_OK.
 *        Delivered counts are kept.
 */
int vrq_mmio_drv_reinit(struct vrq_mmio_drv *v);
/**
 * @brief Per-queue reset (RING_RESET): QueueReset 1, waits for it to read
 *        1, reclaims the queue's buffers; set the queue up again after.
 * @return 0, -ENOTSUP (RING_RESET not negotiated), or a write error.
 */
int vrq_mmio_drv_queue_reset(struct vrq_mmio_drv *v, unsigned q);

/** @brief Status register (a read). */
uint32_t vrq_mmio_drv_status(struct vrq_mmio_drv *v);
/** @brief true if the device set DEVICE_NEEDS_RESET. */
bool vrq_mmio_drv_needs_reset(struct vrq_mmio_drv *v);

/** @brief Queue @p q's ring (NULL unless set up). */
struct vrq_vq_drv *vrq_mmio_drv_vq(struct vrq_mmio_drv *v, unsigned q);
/**
 * @brief After adds and a publish: QueueNotify if the ring says so (a
 *        register write: one modelled trap).
 * @return 1 notified, 0 suppressed, < 0 error.
 */
int vrq_mmio_drv_kick(struct vrq_mmio_drv *v, unsigned q);
/** @brief vrq_vq_drv_get_used() that counts deliveries (kept across resets). */
int vrq_mmio_drv_get_used(struct vrq_mmio_drv *v, unsigned q, void **token, uint32_t *len);
/**
 * @brief Wait until queue @p q has used buffers.  Legacy: block on the line,
 *        then InterruptStatus read, InterruptACK, every queue scanned (and
 *        counted); vectors: block on q's vector.  A configuration change
 *        seen on the way is kept for vrq_mmio_drv_config_changed().
 * @return 0, -VRQ_ETIMEDOUT, -VRQ_EPEERGONE, -errno.
 */
int vrq_mmio_drv_wait(struct vrq_mmio_drv *v, unsigned q, uint64_t timeout_ns);
/** @brief true (once per notification) if the device signalled a configuration change. */
bool vrq_mmio_drv_config_changed(struct vrq_mmio_drv *v);

/**
 * @brief Read config bytes [off, off + len): shared mode retries while
 *        ConfigGeneration is odd or changes; message mode drains the
 *        device's update messages first, then copies the local copy.
 * @return 0, -VRQ_EINVAL (range), -VRQ_ETIMEDOUT (message mode: not synced).
 */
int vrq_mmio_drv_config_read(struct vrq_mmio_drv *v, uint32_t off, void *buf, uint32_t len);
/**
 * @brief Write config bytes and tell the device (shared: window + config
 *        event; message: WRITE messages).
 */
int vrq_mmio_drv_config_write(struct vrq_mmio_drv *v, uint32_t off, const void *buf,
			      uint32_t len);
/** @brief ConfigGeneration (shared mode). */
uint32_t vrq_mmio_drv_config_generation(struct vrq_mmio_drv *v);

#ifdef __cplusplus
}
#endif
#endif /* VRQ_MMIO_H */
