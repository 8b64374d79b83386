# SPDX-License-Identifier: MIT
#
# Cross toolchain: Debian gcc-aarch64-linux-gnu, tests under qemu-aarch64.
#   cmake --preset aarch64    (or -DCMAKE_TOOLCHAIN_FILE=<this file>)
set(VRQ_CROSS_TRIPLE aarch64-linux-gnu)
set(VRQ_CROSS_PROCESSOR aarch64)
set(VRQ_CROSS_QEMU qemu-aarch64)
include("${CMAKE_CURRENT_LIST_DIR}/linux-gnu-cross.cmake")
