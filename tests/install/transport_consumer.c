/* SPDX-License-Identifier: MIT */
/*
 * Installed-tree consumer of the Linux transports: creates a sealed shared
 * region (shm.c, which also pulls in the libnuma calls when vrq was built
 * with libnuma) and an eventfd notifier name.  Built by find_package(vrq)
 * (vrq::vrq_transport) and by pkg-config --cflags --libs vrq-transport.
 */
#include <vrq/vrq.h>
#include <vrq/notify.h>
#include <vrq/shm.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	struct vrq_shm s;
	struct vrq_shm_cfg cfg;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.size = 4096;
	rc = vrq_shm_create(&s, &cfg);
	if (rc < 0) {
		fprintf(stderr, "transport_consumer: vrq_shm_create: %s\n", vrq_strerror(rc));
		return 1;
	}
	vrq_shm_destroy(&s);
	if (vrq_shm_numa_nodes() < 0 || strcmp(vrq_notify_kind_name(VRQ_NOTIFY_EVENTFD), "eventfd"))
		return 1;
	printf("transport_consumer: ok (%d NUMA node(s) seen)\n", vrq_shm_numa_nodes());
	return 0;
}
