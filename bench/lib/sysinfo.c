/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "sysinfo.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "vb_buildinfo.h"	/* generated: VB_GIT_COMMIT, VB_BUILD_FLAGS, ... */

static void vb_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src && src[0] ? src : "unknown");
}

static void vb_cpu_model(char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");

	vb_copy(buf, len, NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':'), *e;

		/* "model name" on x86; other arches have no such line */
		if (strncmp(line, "model name", 10) != 0 || !v)
			continue;
		v++;
		while (isspace((unsigned char)*v))
			v++;
		e = v + strlen(v);
		while (e > v && isspace((unsigned char)e[-1]))
			*--e = '\0';
		vb_copy(buf, len, v);
		break;
	}
	fclose(f);
}

void vb_sysinfo_get(struct vb_sysinfo *s)
{
	struct utsname u;
	struct tm tm;
	time_t now = time(NULL);
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(s, 0, sizeof(*s));
	vb_cpu_model(s->cpu_model, sizeof(s->cpu_model));
	vb_copy(s->kernel, sizeof(s->kernel), uname(&u) == 0 ? u.release : NULL);
	if (gethostname(s->hostname, sizeof(s->hostname) - 1) != 0 || !s->hostname[0])
		vb_copy(s->hostname, sizeof(s->hostname), NULL);
#ifdef __VERSION__
#ifdef __clang__
	vb_copy(s->compiler, sizeof(s->compiler), "clang " __VERSION__);
#elif defined(__GNUC__)
	vb_copy(s->compiler, sizeof(s->compiler), "gcc " __VERSION__);
#else
	vb_copy(s->compiler, sizeof(s->compiler), __VERSION__);
#endif
#else
	vb_copy(s->compiler, sizeof(s->compiler), NULL);
#endif
	vb_copy(s->flags, sizeof(s->flags), VB_BUILD_FLAGS);
	vb_copy(s->build_type, sizeof(s->build_type), VB_BUILD_TYPE);
	vb_copy(s->commit, sizeof(s->commit), VB_GIT_COMMIT);
	vb_copy(s->version, sizeof(s->version), VB_VERSION);
	if (gmtime_r(&now, &tm))
		strftime(s->date, sizeof(s->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		vb_copy(s->date, sizeof(s->date), NULL);
	s->ncpus = n > 0 ? (int)n : 1;
}
