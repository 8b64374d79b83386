/* SPDX-License-Identifier: MIT */
/* transports/notify/internal.h - shared by the notification backends. */
#ifndef VRQ_NOTIFY_INTERNAL_H
#define VRQ_NOTIFY_INTERNAL_H

#include <stdbool.h>

#include "vrq/notify.h"

#define VRQ__CLOSED_SENDER 0x1u
#define VRQ__CLOSED_RECEIVER 0x2u

extern const struct vrq_notify_ops vrq__notify_poll_ops;
extern const struct vrq_notify_ops vrq__notify_eventfd_ops;
extern const struct vrq_notify_ops vrq__notify_futex_ops;
extern const struct vrq_notify_ops vrq__notify_legacy_ops;

/* 0 while the peer lives and the sender side is open; -VRQ_EPEERGONE
 * otherwise (counted).  Makes a system call only when a peer pid is
 * watched. */
int vrq__notify_peer_check(struct vrq_notifier *n);
/* The same for the `closed` flag only: a load, no system call (the hot
 * wake-up path; pid checks happen when a bounded sleep times out). */
int vrq__notify_closed_check(struct vrq_notifier *n);
/* Has process @p pid exited (gone, or a zombie in /proc/<pid>/stat)?  The
 * fallback where no pidfd watches it (notify.c; also used by link.c). */
bool vrq__proc_gone(int pid);

/* Sleep bound for one blocking call: the earlier of the deadline and the
 * next liveness check, in ns from @p now; 0 = block without a bound. */
uint64_t vrq__notify_slice(const struct vrq_notifier *n, uint64_t now, uint64_t deadline);

/* eventfd helpers shared by eventfd, legacy-irq and hybrid */
int vrq__efd_signal(struct vrq_notifier *n);
/* Wait until the eventfd (blocking or not) is readable, consume its count
 * (st.consumed).  0 (notified), -VRQ_ETIMEDOUT, -VRQ_EPEERGONE, -errno. */
int vrq__efd_block(struct vrq_notifier *n, uint64_t deadline);
void vrq__efd_drain(struct vrq_notifier *n);

/* futex helpers shared by futex and hybrid */
int vrq__futex_signal(struct vrq_notifier *n);
uint32_t vrq__futex_prepare(struct vrq_notifier *n);
void vrq__futex_cancel(struct vrq_notifier *n);
int vrq__futex_block(struct vrq_notifier *n, uint32_t ticket, uint64_t deadline);
void vrq__futex_drain(struct vrq_notifier *n);

#endif
