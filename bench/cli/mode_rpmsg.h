/* SPDX-License-Identifier: MIT */
/* bench/cli/mode_rpmsg.h - `vrq-bench rpmsg rr|stream`. */
#ifndef VRQ_BENCH_MODE_RPMSG_H
#define VRQ_BENCH_MODE_RPMSG_H

/* argv[0] is "rpmsg"; returns the process exit code. */
int vb_mode_rpmsg(int argc, char **argv);

#endif
