/* SPDX-License-Identifier: MIT */
/*
 * tests/mmio/test_mmio_config.c - the shared config window's generation
 * rule under a writer that never stops: a device thread rewrites a 64-byte
 * config (every byte = the update's number) as fast as it can; the driver
 * reads it through vrq_mmio_drv_config_read() and checks every byte equal.
 * It must never accept a torn value.
 *
 * --expect-torn: the mutant build (VRQ_MMIO_MUTANT_NO_ODD: one increment
 * after the update and no odd check, the rule of a transport whose
 * hypervisor sees the reads) must let a torn value through; the test passes
 * only if it catches one, which shows the check above can fail.
 */
#include <pthread.h>
#include <sched.h>

#include "mmio_rig.h"

static int g_stop;

static void *writer(void *p)
{
	struct vrq_mmio_dev *d = (struct vrq_mmio_dev *)p;
	uint8_t b[64];
	uint32_t k = 0;

	while (!__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE)) {
		memset(b, (int)(++k & 0xff), sizeof(b));
		vrq_mmio_dev_config_write(d, 0, b, sizeof(b));
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *name = "torn read";
	bool expect_torn = argc > 1 && !strcmp(argv[1], "--expect-torn");
	const char *s = getenv("VRQ_TEST_SCALE");
	double sc = s ? strtod(s, NULL) : 1.0;
	unsigned long n = (unsigned long)(300000 * (sc > 0 ? sc : 1.0)), i, torn = 0;
	struct rig r;
	pthread_t th;
	bool th_up = false;
	uint8_t b[64];

	if (expect_torn)
		n = 20000000; /* stops at the first torn read */
	rig_defaults(&r, VRQ_NOTIFY_EVENTFD, VRQ_MMIO_IRQ_VECTORS);
	CHECK_OUT(rig_alloc(&r, false) == 0);
	CHECK_OUT(rig_dev_init(&r) == 0);
	CHECK_OUT(rig_drv_init(&r) == 0);
	CHECK_OUT(pthread_create(&th, NULL, writer, &r.dev) == 0);
	th_up = true;
	/* read while the writer runs: from its first update until it made
	 * at least as many updates as we read (or n reads, mutant) */
	while (vrq_mmio_drv_config_generation(&r.drv) < 2)
		sched_yield();
	for (i = 0; i < n || (!expect_torn && vrq_mmio_drv_config_generation(&r.drv) < 2 * n);
	     i++) {
		unsigned j;

		CHECK_EQ_OUT(vrq_mmio_drv_config_read(&r.drv, 0, b, sizeof(b)), 0);
		for (j = 1; j < sizeof(b); j++)
			if (b[j] != b[0])
				break;
		if (j < sizeof(b)) {
			torn++;
			if (expect_torn)
				break;
		}
	}
	__atomic_store_n(&g_stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	th_up = false;
	printf("test_mmio_config: %lu reads, %lu torn, %llu retries, generation %u\n", i, torn,
	       (unsigned long long)r.drv.st.config_retries, vrq_mmio_drv_config_generation(&r.drv));
	if (expect_torn)
		CHECK_OUT(torn > 0);
	else
		CHECK_EQ_OUT(torn, 0);
	/* out-of-range reads are refused */
	name = "range";
	CHECK_EQ_OUT(vrq_mmio_drv_config_read(&r.drv, 250, b, 7), -VRQ_EINVAL);
	CHECK_EQ_OUT(vrq_mmio_dev_config_write(&r.dev, 60, b, 5), -VRQ_EINVAL);
out:
	if (th_up) {
		__atomic_store_n(&g_stop, 1, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
	}
	rig_free(&r);
	return vrq_test_done(expect_torn ? "test_mmio_config_mutant" : "test_mmio_config");
}
