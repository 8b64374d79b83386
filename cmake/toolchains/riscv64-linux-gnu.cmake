# SPDX-License-Identifier: MIT
#
# Cross toolchain: Debian gcc-riscv64-linux-gnu, tests under qemu-riscv64.
#   cmake --preset riscv64    (or -DCMAKE_TOOLCHAIN_FILE=<this file>)
set(VRQ_CROSS_TRIPLE riscv64-linux-gnu)
set(VRQ_CROSS_PROCESSOR riscv64)
set(VRQ_CROSS_QEMU qemu-riscv64)
include("${CMAKE_CURRENT_LIST_DIR}/linux-gnu-cross.cmake")
