/* SPDX-License-Identifier: MIT */
/**
 * @file vrq.h
 * @brief Umbrella header: everything a ring user needs.
 */
#ifndef VRQ_VRQ_H
#define VRQ_VRQ_H

#include "spec.h"
#include "err.h"
#include "barrier.h"
#include "mem.h"
#include "cache.h"
#include "types.h"
#include "split.h"
#include "packed.h"
#include "vq.h"

#define VRQ_VERSION_MAJOR 0
#define VRQ_VERSION_MINOR 1
#define VRQ_VERSION_PATCH 0

#endif /* VRQ_VRQ_H */
