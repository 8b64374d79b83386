/* SPDX-License-Identifier: MIT */
/*
 * examples/mmio-echo/main.c - a virtio-mmio echo device and its driver over
 * plain shared memory, in two threads (default) or two processes (--procs:
 * the device is forked and maps the memory at its own address).
 *
 *   mmio-echo [--procs] [--legacy]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vrq/mmio.h"
#include "vrq/shm.h"
#include "echo.h"

#define DA 0x40000000ull		/* device address of the memory below */
#define MEM (256u * 1024)		/* rings at 0 and 64 KiB, buffers at 128 KiB */
#define SHB ((sizeof(struct vrq_mmio_shared) + 4095) & ~(size_t)4095)

static struct vrq_mmio_chan_cfg chan;
static uint32_t *stop;

static int device(uint8_t *region)
{
	struct vrq_mmio_shared *sh = (struct vrq_mmio_shared *)region;
	struct vrq_mmio_dev dev;
	struct vrq_mem map;
	struct echo_dev echo = {.d = &dev};
	struct vrq_mmio_dev_cfg cfg = {
		.sh = sh, .chan = chan, .device_id = ECHO_DEVICE_ID,
		.features = VRQ_FEATURE(VRQ_F_EVENT_IDX), .nqueues = 2, .queue_num_max = 256,
		.config_size = 8, .mem = &map,
	};

	vrq_mem_init(&map); /* the rings and buffers, as this side sees them */
	vrq_mem_add(&map, 0, DA, region + SHB, MEM, VRQ_MEM_COHERENT);
	if (vrq_mmio_dev_init(&dev, &cfg))
		return 1;
	while (!__atomic_load_n(stop, __ATOMIC_ACQUIRE))
		if (vrq_mmio_dev_wait(&dev, 10000000) > 0) /* serves register writes too */
			echo_dev_serve(&echo);
	printf("device: echoed %llu, %llu register writes\n",
	       (unsigned long long)echo.echoed, (unsigned long long)dev.st.reg_writes);
	vrq_mmio_dev_fini(&dev);
	return 0;
}

static void *device_thread(void *p)
{
	device((uint8_t *)p);
	return NULL;
}

int main(int argc, char **argv)
{
	bool procs = false;
	struct vrq_shm shm;
	struct vrq_shm_cfg scfg = {.size = SHB + MEM + 4096};
	struct vrq_mmio_drv drv;
	struct vrq_mmio_drv_cfg cfg;
	struct vrq_mem map;
	int fds[VRQ_MMIO_NCHAN], i, rc;
	uint8_t *mem;
	pthread_t th;
	pid_t pid = 0;

	chan.notify = VRQ_NOTIFY_EVENTFD;
	chan.irq = VRQ_MMIO_IRQ_VECTORS;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--procs"))
			procs = true;
		else if (!strcmp(argv[i], "--legacy"))
			chan.irq = VRQ_MMIO_IRQ_LEGACY;
		else {
			fprintf(stderr, "usage: mmio-echo [--procs] [--legacy]\n");
			return 2;
		}
	}
	if (vrq_shm_create(&shm, &scfg) || vrq_mmio_fds_create(fds, &chan)) {
		fprintf(stderr, "mmio-echo: shared memory / eventfds: %s\n", shm.msg);
		return 1;
	}
	chan.fds = fds;
	vrq_mmio_shared_init((struct vrq_mmio_shared *)shm.base);
	mem = (uint8_t *)shm.base + SHB;
	stop = (uint32_t *)(mem + MEM);
	if (procs) {
		pid = fork();
		if (pid == 0) { /* the device maps the region at its own address */
			struct vrq_shm m;

			if (vrq_shm_attach_fd(&m, shm.fd, scfg.size, 0))
				_exit(1);
			stop = (uint32_t *)((uint8_t *)m.base + SHB + MEM);
			_exit(device((uint8_t *)m.base));
		}
		chan.peer_pid = pid;
	} else {
		pthread_create(&th, NULL, device_thread, shm.base);
	}

	/* the driver: probe, reset, features, two queues, DRIVER_OK */
	vrq_mem_init(&map);
	vrq_mem_add(&map, 0, DA, mem, MEM, VRQ_MEM_COHERENT);
	memset(&cfg, 0, sizeof(cfg));
	cfg.sh = (struct vrq_mmio_shared *)shm.base;
	cfg.chan = chan;
	cfg.mem = &map;
	rc = vrq_mmio_drv_init(&drv, &cfg);
	if (!rc)
		rc = vrq_mmio_drv_reset(&drv);
	if (!rc)
		rc = vrq_mmio_drv_negotiate(&drv, VRQ_FEATURE(VRQ_F_EVENT_IDX), NULL);
	if (!rc)
		rc = vrq_mmio_drv_setup_queue(&drv, ECHO_RXQ, 64, mem, 64);
	if (!rc)
		rc = vrq_mmio_drv_setup_queue(&drv, ECHO_TXQ, 64, mem + 65536, 64);
	if (!rc)
		rc = vrq_mmio_drv_ready(&drv);
	for (i = 0; !rc && i < 3; i++) {
		char *out = (char *)mem + 131072, *in = out + 4096;
		struct vrq_sg rx = {DA + 131072 + 4096, 4096}, tx = {DA + 131072, 0};
		void *tok;
		uint32_t len, txlen;

		tx.len = (uint32_t)snprintf(out, 4096, "hello %d", i) + 1;
		vrq_vq_drv_add(vrq_mmio_drv_vq(&drv, ECHO_RXQ), &rx, 0, 1, in);
		vrq_vq_drv_add(vrq_mmio_drv_vq(&drv, ECHO_TXQ), &tx, 1, 0, out);
		vrq_vq_drv_publish(vrq_mmio_drv_vq(&drv, ECHO_RXQ));
		vrq_vq_drv_publish(vrq_mmio_drv_vq(&drv, ECHO_TXQ));
		vrq_mmio_drv_kick(&drv, ECHO_RXQ);
		vrq_mmio_drv_kick(&drv, ECHO_TXQ);
		while (vrq_mmio_drv_get_used(&drv, ECHO_RXQ, &tok, &len) != 1)
			if ((rc = vrq_mmio_drv_wait(&drv, ECHO_RXQ, 5000000000ull)) < 0)
				break;
		while (vrq_mmio_drv_get_used(&drv, ECHO_TXQ, &tok, &txlen) == 1)
			;
		if (rc >= 0)
			printf("driver: echo '%s' (%u bytes)\n", in, len), rc = 0;
	}
	if (rc)
		fprintf(stderr, "mmio-echo: %s (%s)\n", vrq_strerror(rc), drv.msg);
	printf("driver: %llu status reads, %llu ACKs (%s interrupts)\n",
	       (unsigned long long)drv.st.status_reads, (unsigned long long)drv.st.acks,
	       chan.irq == VRQ_MMIO_IRQ_LEGACY ? "legacy" : "per-queue vector");
	__atomic_store_n(stop, 1, __ATOMIC_RELEASE);
	if (procs)
		waitpid(pid, NULL, 0);
	else
		pthread_join(th, NULL);
	vrq_mmio_drv_fini(&drv);
	vrq_mmio_fds_close(fds);
	vrq_shm_destroy(&shm);
	return rc ? 1 : 0;
}
