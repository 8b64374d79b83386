# SPDX-License-Identifier: MIT
#
# Shared part of the Debian cross toolchain files.  The including file sets:
#   VRQ_CROSS_TRIPLE     e.g. aarch64-linux-gnu
#   VRQ_CROSS_PROCESSOR  e.g. aarch64
#   VRQ_CROSS_QEMU       e.g. qemu-aarch64
#
# Compilers: ${VRQ_CROSS_TRIPLE}-gcc (Debian gcc-<triple>) and, when
# installed, ${VRQ_CROSS_TRIPLE}-g++ (C++ is optional for vrq).
# Sysroot: /usr/${VRQ_CROSS_TRIPLE} (Debian libc6-dev-<arch>-cross).
# Tests run under qemu-user: CMAKE_CROSSCOMPILING_EMULATOR is
# "${VRQ_CROSS_QEMU};-L;/usr/${VRQ_CROSS_TRIPLE}" unless already set.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${VRQ_CROSS_PROCESSOR})

set(VRQ_CROSS_SYSROOT "/usr/${VRQ_CROSS_TRIPLE}")

if(NOT CMAKE_C_COMPILER)
	find_program(VRQ_CROSS_CC NAMES ${VRQ_CROSS_TRIPLE}-gcc ${VRQ_CROSS_TRIPLE}-gcc-12)
	if(NOT VRQ_CROSS_CC)
		message(FATAL_ERROR "${VRQ_CROSS_TRIPLE}-gcc not found (apt-get install gcc-${VRQ_CROSS_TRIPLE})")
	endif()
	set(CMAKE_C_COMPILER "${VRQ_CROSS_CC}")
endif()
if(NOT CMAKE_CXX_COMPILER)
	find_program(VRQ_CROSS_CXX NAMES ${VRQ_CROSS_TRIPLE}-g++ ${VRQ_CROSS_TRIPLE}-g++-12)
	if(VRQ_CROSS_CXX)
		set(CMAKE_CXX_COMPILER "${VRQ_CROSS_CXX}")
	else()
		# Keep check_language(CXX) from picking the host g++.
		set(CMAKE_CXX_COMPILER "${VRQ_CROSS_TRIPLE}-g++-NOTFOUND")
	endif()
endif()

set(CMAKE_FIND_ROOT_PATH "${VRQ_CROSS_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must not hand host flags to the cross build.
set(ENV{PKG_CONFIG_LIBDIR}
	"/usr/lib/${VRQ_CROSS_TRIPLE}/pkgconfig:${VRQ_CROSS_SYSROOT}/lib/pkgconfig:/usr/share/pkgconfig")

if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
	find_program(VRQ_CROSS_QEMU_EXE NAMES ${VRQ_CROSS_QEMU} ${VRQ_CROSS_QEMU}-static)
	if(VRQ_CROSS_QEMU_EXE)
		set(CMAKE_CROSSCOMPILING_EMULATOR "${VRQ_CROSS_QEMU_EXE};-L;${VRQ_CROSS_SYSROOT}")
	else()
		message(WARNING "${VRQ_CROSS_QEMU} not found (apt-get install qemu-user): tests cannot run")
	endif()
endif()
