/* SPDX-License-Identifier: MIT */
/*
 * bench/baselines/baselines.c - the table vrq-bench walks, polling
 * mechanisms first, then the kernel-assisted ones from cheapest doorbell to
 * full network stack, then the general-purpose queue.
 */
#include "baselines.h"

#include <string.h>

const struct vb_baseline *const vb_baselines[] = {
	&vb_floor,
	&vb_spsc,
	&vb_eventfd,
	&vb_futex,
	&vb_pipe,
	&vb_socketpair,
	&vb_tcp,
	&vb_wfcq,
	NULL,
};

const struct vb_baseline *const vb_ext_baselines[] = {
	&vb_ringtest_ring,
	&vb_ringtest_split,
	&vb_ringtest_inorder,
	&vb_ringtest_ptr,
	NULL,
};

const struct vb_baseline *vb_baseline_find(const char *name)
{
	const struct vb_baseline *const *b;

	if (!name)
		return NULL;
	for (b = vb_baselines; *b; b++)
		if (!strcmp((*b)->name, name))
			return *b;
	for (b = vb_ext_baselines; *b; b++)
		if (!strcmp((*b)->name, name))
			return *b;
	return NULL;
}
