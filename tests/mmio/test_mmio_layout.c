/* SPDX-License-Identifier: MIT */
/*
 * tests/mmio/test_mmio_layout.c - golden virtio-mmio register offsets
 * (virtio 1.x, 4.2.2 "MMIO Device Register Layout"), written out here as
 * literal numbers from the spec's table and compared with both the
 * VRQ_MMIO_* constants and struct vrq_mmio_regs (mmio.h also asserts them
 * at compile time), plus the magic value, the interrupt bits and the
 * control message layout.
 */
#include <stddef.h>

#include "vrq_test.h"
#include "vrq/mmio.h"

#define G(f, c, lit)                                                                         \
	do {                                                                                 \
		CHECK_EQ(offsetof(struct vrq_mmio_regs, f), lit);                            \
		CHECK_EQ(c, lit);                                                            \
	} while (0)

static int golden(void)
{
	G(magic, VRQ_MMIO_MAGIC_VALUE, 0x000);
	G(version, VRQ_MMIO_VERSION, 0x004);
	G(device_id, VRQ_MMIO_DEVICE_ID, 0x008);
	G(vendor_id, VRQ_MMIO_VENDOR_ID, 0x00c);
	G(device_features, VRQ_MMIO_DEVICE_FEATURES, 0x010);
	G(device_features_sel, VRQ_MMIO_DEVICE_FEATURES_SEL, 0x014);
	G(driver_features, VRQ_MMIO_DRIVER_FEATURES, 0x020);
	G(driver_features_sel, VRQ_MMIO_DRIVER_FEATURES_SEL, 0x024);
	G(queue_sel, VRQ_MMIO_QUEUE_SEL, 0x030);
	G(queue_num_max, VRQ_MMIO_QUEUE_NUM_MAX, 0x034);
	G(queue_num, VRQ_MMIO_QUEUE_NUM, 0x038);
	G(queue_ready, VRQ_MMIO_QUEUE_READY, 0x044);
	G(queue_notify, VRQ_MMIO_QUEUE_NOTIFY, 0x050);
	G(interrupt_status, VRQ_MMIO_INTERRUPT_STATUS, 0x060);
	G(interrupt_ack, VRQ_MMIO_INTERRUPT_ACK, 0x064);
	G(status, VRQ_MMIO_STATUS, 0x070);
	G(queue_desc_low, VRQ_MMIO_QUEUE_DESC_LOW, 0x080);
	G(queue_desc_high, VRQ_MMIO_QUEUE_DESC_HIGH, 0x084);
	G(queue_driver_low, VRQ_MMIO_QUEUE_DRIVER_LOW, 0x090);
	G(queue_driver_high, VRQ_MMIO_QUEUE_DRIVER_HIGH, 0x094);
	G(queue_device_low, VRQ_MMIO_QUEUE_DEVICE_LOW, 0x0a0);
	G(queue_device_high, VRQ_MMIO_QUEUE_DEVICE_HIGH, 0x0a4);
	G(shm_sel, VRQ_MMIO_SHM_SEL, 0x0ac);
	G(shm_len_low, VRQ_MMIO_SHM_LEN_LOW, 0x0b0);
	G(shm_len_high, VRQ_MMIO_SHM_LEN_HIGH, 0x0b4);
	G(shm_base_low, VRQ_MMIO_SHM_BASE_LOW, 0x0b8);
	G(shm_base_high, VRQ_MMIO_SHM_BASE_HIGH, 0x0bc);
	G(queue_reset, VRQ_MMIO_QUEUE_RESET, 0x0c0);
	G(config_generation, VRQ_MMIO_CONFIG_GENERATION, 0x0fc);
	G(config, VRQ_MMIO_CONFIG, 0x100);
	CHECK_EQ(sizeof(struct vrq_mmio_regs), 0x200);
	/* "virt" in little-endian, version 2 (not legacy 1) */
	CHECK_EQ(VRQ_MMIO_MAGIC, ('v' | 'i' << 8 | 'r' << 16 | (uint32_t)'t' << 24));
	CHECK_EQ(VRQ_MMIO_VERSION_2, 2);
	/* InterruptStatus: bit 0 used buffer, bit 1 configuration change */
	CHECK_EQ(VRQ_MMIO_INT_VRING, 1);
	CHECK_EQ(VRQ_MMIO_INT_CONFIG, 2);
	CHECK_EQ(VRQ_MMIO_INT_VRING, VRQ_ISR_VRING);
	CHECK_EQ(VRQ_MMIO_INT_CONFIG, VRQ_ISR_CONFIG);
	/* the registers start the shared block; the extension follows */
	CHECK_EQ(offsetof(struct vrq_mmio_shared, regs), 0);
	CHECK_EQ(offsetof(struct vrq_mmio_shared, ext) % 64, 0);
	CHECK_EQ(sizeof(struct vrq_mmio_cfg_msg), 16);
	CHECK_EQ(offsetof(struct vrq_mmio_cfg_msg, val), 8);
	/* every reserved word of the register file is unused: only the named
	 * registers are 4-aligned and inside 0x000..0x0ff */
	CHECK_EQ(VRQ_MMIO_NCHAN, 3 + VRQ_MMIO_MAX_QUEUES);
	CHECK(strcmp(vrq_mmio_bad_name(VRQ_MMIO_BAD_QUEUE_NUM), "queue-num") == 0);
	CHECK(strcmp(vrq_mmio_bad_name(VRQ_MMIO_BAD_COUNT), "unknown") == 0);
	return 0;
}

int main(void)
{
	golden();
	return vrq_test_done("test_mmio_layout");
}
