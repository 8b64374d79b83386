# SPDX-License-Identifier: MIT
#
# vrq_check_atomic(<out-var>)
#
# Sets <out-var> to TRUE when 8/16/32/64-bit __atomic builtins do not link
# without -latomic but do link with it (e.g. riscv64 gcc < 13 emits
# __atomic_compare_exchange_2 calls for 16-bit ring indices).
include_guard(GLOBAL)
include(CheckCSourceCompiles)
include(CMakePushCheckState)

set(_VRQ_ATOMIC_TEST_SRC [[
#include <stdint.h>
static uint8_t a8;
static uint16_t a16;
static uint32_t a32;
static uint64_t a64;
int main(void)
{
	uint16_t exp = 0;
	__atomic_fetch_add(&a8, 1, __ATOMIC_SEQ_CST);
	__atomic_compare_exchange_n(&a16, &exp, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	__atomic_exchange_n(&a16, 2, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&a32, 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&a64, 1, __ATOMIC_SEQ_CST);
	return (int)__atomic_load_n(&a16, __ATOMIC_ACQUIRE);
}
]])

function(vrq_check_atomic out)
	cmake_push_check_state(RESET)
	set(CMAKE_REQUIRED_QUIET ON)
	check_c_source_compiles("${_VRQ_ATOMIC_TEST_SRC}" VRQ_ATOMIC_BUILTINS_LINK)
	if(VRQ_ATOMIC_BUILTINS_LINK)
		set(${out} FALSE PARENT_SCOPE)
		cmake_pop_check_state()
		return()
	endif()
	set(CMAKE_REQUIRED_LIBRARIES atomic)
	check_c_source_compiles("${_VRQ_ATOMIC_TEST_SRC}" VRQ_ATOMIC_BUILTINS_LINK_LIBATOMIC)
	cmake_pop_check_state()
	if(VRQ_ATOMIC_BUILTINS_LINK_LIBATOMIC)
		set(${out} TRUE PARENT_SCOPE)
	else()
		message(FATAL_ERROR "vrq: __atomic builtins link neither with nor without -latomic")
	endif()
endfunction()
