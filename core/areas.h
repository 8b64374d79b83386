/* SPDX-License-Identifier: MIT */
/*
 * core/areas.h - shared by core/split.c and core/packed.c: the three areas
 * of a queue, wherever the caller placed them, must not overlap.
 */
#ifndef VRQ_CORE_AREAS_H
#define VRQ_CORE_AREAS_H

#include <stddef.h>
#include <stdint.h>

/* 1 if no area wraps the address space and no two of [a[i], a[i]+len[i]) overlap. */
static inline int vrq__areas_disjoint(const uintptr_t a[3], const size_t len[3])
{
	int i, j;

	for (i = 0; i < 3; i++) {
		if (a[i] + len[i] < a[i])
			return 0;
		for (j = 0; j < i; j++)
			if (a[i] < a[j] + len[j] && a[j] < a[i] + len[i])
				return 0;
	}
	return 1;
}

#endif /* VRQ_CORE_AREAS_H */
