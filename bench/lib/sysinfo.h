/* SPDX-License-Identifier: MIT */
/*
 * bench/lib/sysinfo.h - where and with what a result was produced, for the
 * JSON header.  Every string is filled ("unknown" when not available).
 */
#ifndef VB_SYSINFO_H
#define VB_SYSINFO_H

struct vb_sysinfo {
	char cpu_model[128];	/* /proc/cpuinfo "model name" (or "unknown") */
	char kernel[128];	/* uname -r */
	char hostname[256];
	char compiler[128];	/* __VERSION__ of the compiler that built vrq-bench */
	char flags[512];	/* CMAKE_C_FLAGS + build-type flags + warnings/sanitizers */
	char build_type[32];	/* CMAKE_BUILD_TYPE */
	char commit[64];	/* git describe --always --dirty at configure time */
	char version[32];	/* project version */
	char date[32];		/* now, ISO-8601 UTC: 2024-05-01T12:34:56Z */
	int ncpus;		/* online CPUs */
};

void vb_sysinfo_get(struct vb_sysinfo *s);

#endif /* VB_SYSINFO_H */
