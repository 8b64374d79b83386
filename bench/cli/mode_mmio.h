/* SPDX-License-Identifier: MIT */
/* bench/cli/mode_mmio.h - `vrq-bench mmio rr`. */
#ifndef VRQ_BENCH_MODE_MMIO_H
#define VRQ_BENCH_MODE_MMIO_H

/* argv[0] is "mmio"; returns the process exit code. */
int vb_mode_mmio(int argc, char **argv);

#endif
