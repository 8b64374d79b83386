# SPDX-License-Identifier: MIT
#
# Find libnuma (Debian: libnuma-dev) and define the imported target
# VrqNuma::VrqNuma.  Used by vrq's own build and, installed next to
# vrqConfig.cmake, by find_package(vrq) so that vrq::vrq_transport names
# the consumer's libnuma instead of the path found on the build machine.
#
#   VrqNuma_FOUND, VrqNuma_LIBRARY, VrqNuma_INCLUDE_DIR, VrqNuma::VrqNuma
include(FindPackageHandleStandardArgs)

find_library(VrqNuma_LIBRARY NAMES numa)
find_path(VrqNuma_INCLUDE_DIR NAMES numa.h)
find_package_handle_standard_args(VrqNuma
	REQUIRED_VARS VrqNuma_LIBRARY VrqNuma_INCLUDE_DIR)
mark_as_advanced(VrqNuma_LIBRARY VrqNuma_INCLUDE_DIR)

if(VrqNuma_FOUND AND NOT TARGET VrqNuma::VrqNuma)
	add_library(VrqNuma::VrqNuma UNKNOWN IMPORTED)
	set_target_properties(VrqNuma::VrqNuma PROPERTIES
		IMPORTED_LOCATION "${VrqNuma_LIBRARY}"
		INTERFACE_INCLUDE_DIRECTORIES "${VrqNuma_INCLUDE_DIR}")
endif()
