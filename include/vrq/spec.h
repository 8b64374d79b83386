/* SPDX-License-Identifier: MIT */
/**
 * @file spec.h
 * @brief Virtio 1.x virtqueue structures, flags, feature bits and
 *        little-endian accessors (structs and constants only).
 *
 * Section references name the section titles of the virtio 1.x specification
 * sources (oasis-tcs/virtio-spec: split-ring.tex, packed-ring.tex,
 * content.tex), which are stable where section numbers move between versions.
 * Every size and offset the wire format depends on is _Static_assert'ed
 * at the bottom of this file.
 */
#ifndef VRQ_SPEC_H
#define VRQ_SPEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One inline macro for every header-defined function. */
#ifndef VRQ_INLINE
#define VRQ_INLINE static inline
#endif
#ifndef VRQ_ALWAYS_INLINE
#define VRQ_ALWAYS_INLINE static inline __attribute__((always_inline))
#endif
#define VRQ_LIKELY(x) __builtin_expect(!!(x), 1)
#define VRQ_UNLIKELY(x) __builtin_expect(!!(x), 0)

/*
 * Little-endian wire types.  They are distinct names (not distinct types)
 * so that every access to shared memory goes through vrq_le*_to_cpu() /
 * vrq_cpu_to_le*() and a reader can grep for the conversions.
 */
typedef uint16_t vrq_le16;
typedef uint32_t vrq_le32;
typedef uint64_t vrq_le64;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define VRQ_BIG_ENDIAN 1
#endif

/** @brief Little-endian 16-bit wire value to CPU order. */
VRQ_INLINE uint16_t vrq_le16_to_cpu(vrq_le16 v)
{
#ifdef VRQ_BIG_ENDIAN
	return __builtin_bswap16(v);
#else
	return v;
#endif
}
/** @brief Little-endian 32-bit wire value to CPU order. */
VRQ_INLINE uint32_t vrq_le32_to_cpu(vrq_le32 v)
{
#ifdef VRQ_BIG_ENDIAN
	return __builtin_bswap32(v);
#else
	return v;
#endif
}
/** @brief Little-endian 64-bit wire value to CPU order. */
VRQ_INLINE uint64_t vrq_le64_to_cpu(vrq_le64 v)
{
#ifdef VRQ_BIG_ENDIAN
	return __builtin_bswap64(v);
#else
	return v;
#endif
}
/** @brief CPU-order 16-bit value to little-endian wire order. */
VRQ_INLINE vrq_le16 vrq_cpu_to_le16(uint16_t v)
{
	return vrq_le16_to_cpu(v);
}
/** @brief CPU-order 32-bit value to little-endian wire order. */
VRQ_INLINE vrq_le32 vrq_cpu_to_le32(uint32_t v)
{
	return vrq_le32_to_cpu(v);
}
/** @brief CPU-order 64-bit value to little-endian wire order. */
VRQ_INLINE vrq_le64 vrq_cpu_to_le64(uint64_t v)
{
	return vrq_le64_to_cpu(v);
}

/* ---- Feature bits (content.tex, "Reserved Feature Bits") ---------------- */
#define VRQ_F_INDIRECT_DESC 28
#define VRQ_F_EVENT_IDX 29
#define VRQ_F_VERSION_1 32
#define VRQ_F_ACCESS_PLATFORM 33
#define VRQ_F_RING_PACKED 34
#define VRQ_F_IN_ORDER 35
#define VRQ_F_ORDER_PLATFORM 36
#define VRQ_F_SR_IOV 37
#define VRQ_F_NOTIFICATION_DATA 38
#define VRQ_F_NOTIF_CONFIG_DATA 39
#define VRQ_F_RING_RESET 40
/** Feature bit number to mask. */
#define VRQ_FEATURE(bit) (1ULL << (bit))

/* ---- Device status field (content.tex, "Device Status Field") ------------ */
#define VRQ_STATUS_ACKNOWLEDGE 1
#define VRQ_STATUS_DRIVER 2
#define VRQ_STATUS_DRIVER_OK 4
#define VRQ_STATUS_FEATURES_OK 8
#define VRQ_STATUS_DEVICE_NEEDS_RESET 64
#define VRQ_STATUS_FAILED 128

/* ---- Split virtqueue (split-ring.tex) ------------------------------------- */
/** Largest queue size; split sizes are powers of two ("Split Virtqueues"). */
#define VRQ_QUEUE_SIZE_MAX 32768

/* split-ring.tex, "The Virtqueue Descriptor Table" */
#define VRQ_DESC_F_NEXT 1
#define VRQ_DESC_F_WRITE 2
#define VRQ_DESC_F_INDIRECT 4

/** @brief Split descriptor: 16 bytes, table alignment 16. */
struct vrq_split_desc {
	vrq_le64 addr; /**< device address of the buffer */
	vrq_le32 len;  /**< length in bytes */
	vrq_le16 flags; /**< VRQ_DESC_F_* */
	vrq_le16 next; /**< next descriptor if flags & NEXT */
};

/* split-ring.tex, "The Virtqueue Available Ring" */
#define VRQ_AVAIL_F_NO_INTERRUPT 1
/** @brief Available ring header; ring[size] then used_event (EVENT_IDX). */
struct vrq_split_avail {
	vrq_le16 flags;
	vrq_le16 idx;
	vrq_le16 ring[];
	/* vrq_le16 used_event; at ring[size] */
};

/* split-ring.tex, "The Virtqueue Used Ring" */
#define VRQ_USED_F_NO_NOTIFY 1
/** @brief Used ring element: id is le32 "for padding reasons". */
struct vrq_split_used_elem {
	vrq_le32 id;
	vrq_le32 len;
};
/** @brief Used ring header; ring[size] then avail_event (EVENT_IDX). */
struct vrq_split_used {
	vrq_le16 flags;
	vrq_le16 idx;
	struct vrq_split_used_elem ring[];
	/* vrq_le16 avail_event; at &ring[size] */
};

/* Alignments of the three areas (split-ring.tex, table under "Split Virtqueues"). */
#define VRQ_SPLIT_DESC_ALIGN 16
#define VRQ_SPLIT_AVAIL_ALIGN 2
#define VRQ_SPLIT_USED_ALIGN 4

/* ---- Packed virtqueue (packed-ring.tex) ----------------------------------- */
/*
 * packed-ring.tex, "Driver and Device Ring Wrap Counters" and the flag
 * definitions in "Packed Virtqueue Descriptor Format": VIRTQ_DESC_F_AVAIL and VIRTQ_DESC_F_USED are flag *values*
 * (1 << 7, 1 << 15).  Linux's uapi VRING_PACKED_DESC_F_AVAIL is a shift
 * count (7): do not mix the two.
 */
#define VRQ_PACKED_DESC_F_AVAIL (1u << 7)
#define VRQ_PACKED_DESC_F_USED (1u << 15)

/** @brief Packed descriptor (packed-ring.tex, "Packed Virtqueue Descriptor Format"). */
struct vrq_packed_desc {
	vrq_le64 addr;
	vrq_le32 len;
	vrq_le16 id;
	vrq_le16 flags;
};

/* packed-ring.tex, "Event Suppression Structure Format" */
#define VRQ_PACKED_EVENT_FLAG_ENABLE 0x0
#define VRQ_PACKED_EVENT_FLAG_DISABLE 0x1
#define VRQ_PACKED_EVENT_FLAG_DESC 0x2
/** @brief Packed event suppression structure (4 bytes). */
struct vrq_packed_event {
	vrq_le16 off_wrap; /**< bits 0..14 offset, bit 15 wrap counter */
	vrq_le16 flags;    /**< VRQ_PACKED_EVENT_FLAG_* in bits 0..1 */
};

/* ---- Notification data (content.tex, "Driver notifications") ------------- */
/*
 * le32 { vqn : 16; next_off : 15; next_wrap : 1; }.  Split: next_off|wrap is
 * the full 16-bit available index.  Packed: offset and wrap counter of the
 * next descriptor the driver will make available.
 */
/** @brief NOTIFICATION_DATA value for a split queue. */
VRQ_INLINE uint32_t vrq_split_notification_data(uint16_t vqn, uint16_t avail_idx)
{
	return (uint32_t)vqn | ((uint32_t)avail_idx << 16);
}

/* ---- Event index helper (virtio_ring.h in the spec appendix) -------------- */
/**
 * @brief True if moving an index from @p old_idx to @p new_idx crossed
 *        @p event_idx, i.e. event_idx lies in [old, new): the peer asked to
 *        be notified once the entry at event_idx was written.
 */
VRQ_INLINE int vrq_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

/* ---- Layout assertions ---------------------------------------------------- */
#ifdef __cplusplus
#define VRQ_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define VRQ_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* "The Virtqueue Descriptor Table": struct virtq_desc is le64 addr, le32 len, le16 flags, le16 next. */
VRQ_STATIC_ASSERT(sizeof(struct vrq_split_desc) == 16, "split desc is 16 bytes");
VRQ_STATIC_ASSERT(offsetof(struct vrq_split_desc, addr) == 0, "desc.addr at 0");
VRQ_STATIC_ASSERT(offsetof(struct vrq_split_desc, len) == 8, "desc.len at 8");
VRQ_STATIC_ASSERT(offsetof(struct vrq_split_desc, flags) == 12, "desc.flags at 12");
VRQ_STATIC_ASSERT(offsetof(struct vrq_split_desc, next) == 14, "desc.next at 14");
/* "The Virtqueue Available Ring": avail is flags, idx, ring[]: size 6 + 2*N with used_event. */
VRQ_STATIC_ASSERT(sizeof(struct vrq_split_avail) == 4, "avail header is 4 bytes");
VRQ_STATIC_ASSERT(offsetof(struct vrq_split_avail, idx) == 2, "avail.idx at 2");
VRQ_STATIC_ASSERT(offsetof(struct vrq_split_avail, ring) == 4, "avail.ring at 4");
/* "The Virtqueue Used Ring": used elem is le32 id, le32 len; used is flags, idx, ring[]. */
VRQ_STATIC_ASSERT(sizeof(struct vrq_split_used_elem) == 8, "used elem is 8 bytes");
VRQ_STATIC_ASSERT(offsetof(struct vrq_split_used_elem, len) == 4, "used_elem.len at 4");
VRQ_STATIC_ASSERT(sizeof(struct vrq_split_used) == 4, "used header is 4 bytes");
VRQ_STATIC_ASSERT(offsetof(struct vrq_split_used, idx) == 2, "used.idx at 2");
VRQ_STATIC_ASSERT(offsetof(struct vrq_split_used, ring) == 4, "used.ring at 4");
/* "Packed Virtqueue Descriptor Format": le64 addr, le32 len, le16 id, le16 flags. */
VRQ_STATIC_ASSERT(sizeof(struct vrq_packed_desc) == 16, "packed desc is 16 bytes");
VRQ_STATIC_ASSERT(offsetof(struct vrq_packed_desc, len) == 8, "pdesc.len at 8");
VRQ_STATIC_ASSERT(offsetof(struct vrq_packed_desc, id) == 12, "pdesc.id at 12");
VRQ_STATIC_ASSERT(offsetof(struct vrq_packed_desc, flags) == 14, "pdesc.flags at 14");
/* "Event Suppression Structure Format": le16 off_wrap, le16 flags. */
VRQ_STATIC_ASSERT(sizeof(struct vrq_packed_event) == 4, "packed event suppression is 4 bytes");
VRQ_STATIC_ASSERT(offsetof(struct vrq_packed_event, flags) == 2, "event.flags at 2");
/* Flag values, not shift counts. */
VRQ_STATIC_ASSERT(VRQ_PACKED_DESC_F_AVAIL == 0x80, "AVAIL is the value 1<<7");
VRQ_STATIC_ASSERT(VRQ_PACKED_DESC_F_USED == 0x8000, "USED is the value 1<<15");

#ifdef __cplusplus
}
#endif
#endif /* VRQ_SPEC_H */
