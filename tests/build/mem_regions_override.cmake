# SPDX-License-Identifier: MIT
#
# mem_regions_override test: VRQ_MEM_MAX_REGIONS is fixed at 16.  Compiles
# tests/build/mem_regions.c (syntax only) three ways and checks:
#   -DVRQ_MEM_MAX_REGIONS=2   fails, with mem.h's #error message
#   -DVRQ_MEM_MAX_REGIONS=16  compiles
#   not defined               compiles
# cmake -DCC=<compiler> -DSRC=<mem_regions.c> -DROOT=<source dir> -P <this>

foreach(_v CC SRC ROOT)
	if(NOT DEFINED ${_v})
		message(FATAL_ERROR "mem_regions_override: -D${_v}= is required")
	endif()
endforeach()

set(_msg "VRQ_MEM_MAX_REGIONS is fixed at 16")

function(vrq_try_compile out_rc out_err)
	execute_process(
		COMMAND "${CC}" -std=gnu11 -fsyntax-only -I "${ROOT}/include" -I "${ROOT}" ${ARGN} "${SRC}"
		RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
	set(${out_rc} "${_rc}" PARENT_SCOPE)
	set(${out_err} "${_out}${_err}" PARENT_SCOPE)
endfunction()

vrq_try_compile(_rc _err -DVRQ_MEM_MAX_REGIONS=2)
if(_rc EQUAL 0)
	message(FATAL_ERROR "compiled with -DVRQ_MEM_MAX_REGIONS=2: mem.h must refuse it")
endif()
if(NOT _err MATCHES "${_msg}")
	message(FATAL_ERROR "-DVRQ_MEM_MAX_REGIONS=2 failed without the message \"${_msg}\":\n${_err}")
endif()
message(STATUS "-DVRQ_MEM_MAX_REGIONS=2 refused: ${_err}")

vrq_try_compile(_rc _err -DVRQ_MEM_MAX_REGIONS=16)
if(NOT _rc EQUAL 0)
	message(FATAL_ERROR "-DVRQ_MEM_MAX_REGIONS=16 must compile:\n${_err}")
endif()
vrq_try_compile(_rc _err)
if(NOT _rc EQUAL 0)
	message(FATAL_ERROR "mem_regions.c must compile without a definition:\n${_err}")
endif()
message(STATUS "mem_regions_override: ok")
