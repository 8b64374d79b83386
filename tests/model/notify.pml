/* SPDX-License-Identifier: MIT */
/*
 * tests/model/notify.pml - a Promela model of vrq's notification
 * suppression protocol (enable, full fence, re-check) under store
 * buffering, for spin.
 *
 * One producer publishes N buffers one at a time and decides after each
 * whether to notify; one consumer drains, and when it finds nothing arms
 * notifications, fences, re-checks, and only then blocks on the notifier.
 * The same protocol runs in both directions of a queue:
 *
 *   direction        producer (publish, Fp, read peer's event area)   consumer (write event area, Fc, re-check)
 *   kick             driver: R1 avail idx / descriptor flags, F1      device enable_kick: F4
 *   interrupt        device: R2 used idx / descriptor flags, F2       driver enable_cb:   F3
 *
 * so one model covers both: OMIT=1 removes the producer's fence (F1 or
 * F2), OMIT=2 the consumer's (F4 or F3).
 *
 * Memory model: each process's stores go through its own FIFO store
 * buffer, drained to memory by a separate process at any time (TSO, the
 * reordering the full fences exist for: a load passing an earlier store).
 * A full fence waits until the process's buffer is empty. The release /
 * acquire orderings of the publish itself (R1/A1, R2/A2) are assumed.
 * Each process reads only the other's variables, so store-to-load
 * forwarding never arises. Notifying (an eventfd write, a futex wake) is
 * a system call: it drains the caller's buffer and adds to a counter the
 * blocked consumer takes (eventfd semantics).
 *
 * Rings (PACKED=0/1) and modes (EVIDX=0/1):
 *   split,  flags:     consumer clears / sets NO_NOTIFY; producer notifies iff clear
 *   split,  EVENT_IDX: consumer writes avail_event = its next index; producer
 *                      notifies iff vring_need_event(event, new, old) (16-bit
 *                      arithmetic shrunk to mod IDXMOD so indices wrap)
 *   packed, flags:     event suppression flags ENABLE / DISABLE
 *   packed, EVENT_IDX: flags DESC with off_wrap = next position | wrap << 15;
 *                      producer decides as vrq__packed_need_event() (positions
 *                      and events mapped into two laps)
 * Queue size QSIZE (the producer never has more than QSIZE buffers
 * outstanding; it learns of consumption through memory too), N buffers so
 * that indices and wrap counters wrap.
 *
 * Property: no invalid end state, i.e. the consumer never blocks forever
 * while a buffer it has not seen is published (a lost wake-up), and it
 * receives all N buffers.
 */

#ifndef PACKED
#define PACKED 0
#endif
#ifndef EVIDX
#define EVIDX 0
#endif
#ifndef OMIT
#define OMIT 0
#endif
#ifndef N
#define N 5
#endif
#define QSIZE 2
#define IDXMOD 4

/* shared memory */
byte m_idx = 0;			/* split: published index (mod IDXMOD) */
byte m_slot[QSIZE] = 2;		/* packed: lap (wrap counter) each slot was made available in; 2 = never */
byte m_consumed = 0;		/* buffers the consumer has taken (what used entries tell the producer) */
#if PACKED
byte m_ev = 0;			/* packed event suppression: flags << 5 | wrap << 4 | off; 0 = ENABLE */
#else
byte m_ev = 0;			/* split EVENT_IDX: avail_event / used_event */
bit m_nonotify = 0;		/* split flags: NO_NOTIFY / NO_INTERRUPT */
#endif
byte kicks = 0;			/* the notifier (eventfd counter) */
bool prod_done = false;

#define EV_ENABLE 0
#define EV_DISABLE 1
#define EV_DESC 2
#define EV(f, w, o) ((f) * 32 + (w) * 16 + (o))

/* store buffers: (variable, value); variables: */
#define V_IDX 0
#define V_SLOT0 1		/* V_SLOT0 + slot */
#define V_CONSUMED 8
#define V_EV 9
#define V_NONOTIFY 10
chan sb_p = [3] of { byte, byte };
chan sb_c = [3] of { byte, byte };

inline apply(v, x)
{
	if
	:: v == V_IDX -> m_idx = x
	:: v >= V_SLOT0 && v < V_SLOT0 + QSIZE -> m_slot[v - V_SLOT0] = x
	:: v == V_CONSUMED -> m_consumed = x
#if PACKED
	:: v == V_EV -> m_ev = x
#else
	:: v == V_EV -> m_ev = x
	:: v == V_NONOTIFY -> m_nonotify = x
#endif
	fi
}

active proctype drain_p()
{
	byte v, x;
end:	do
	:: atomic { sb_p?v, x -> apply(v, x) }
	od
}

active proctype drain_c()
{
	byte v, x;
end:	do
	:: atomic { sb_c?v, x -> apply(v, x) }
	od
}

/* a full fence: wait until this process's stores reached memory */
#define FENCE(sb) (len(sb) == 0)

active proctype producer()
{
	byte i = 0, pub = 0, old, pos = 0, ev, c, e, d;
	bit wrap = 1;
	bool need;

	do
	:: i < N ->
		/* room: at most QSIZE outstanding (reads the consumer's progress) */
		(i - m_consumed < QSIZE);
#if PACKED
		sb_p!V_SLOT0 + pos, wrap;	/* make the descriptor available (R1/R2) */
		pos++;
		if
		:: pos == QSIZE -> pos = 0; wrap = 1 - wrap
		:: else -> skip
		fi;
#else
		old = pub;
		pub = (pub + 1) % IDXMOD;
		sb_p!V_IDX, pub;		/* idx store (R1/R2) */
#endif
#if OMIT != 1
		FENCE(sb_p);			/* F1 / F2 */
#endif
#if PACKED
		ev = m_ev;
		if
		:: ev / 32 == EV_DISABLE -> need = false
		:: ev / 32 != EV_DISABLE && (ev / 32 != EV_DESC || !EVIDX) -> need = true
		:: ev / 32 == EV_DESC && EVIDX ->
			/* vrq__packed_need_event() with added = 1 */
			c = pos + (wrap -> 0 : QSIZE);
			e = (ev % 16) + ((ev / 16) % 2 -> 0 : QSIZE);
			d = (c + 2 * QSIZE - e - 1) % (2 * QSIZE);
			need = (d < 1)
		fi;
#elif EVIDX
		ev = m_ev;
		/* vring_need_event(ev, new, old): (new - ev - 1) < (new - old), mod IDXMOD */
		need = ((pub + 2 * IDXMOD - ev - 1) % IDXMOD < (pub + IDXMOD - old) % IDXMOD);
#else
		need = (m_nonotify == 0);
#endif
		if
		:: need -> atomic { FENCE(sb_p) -> kicks++ }	/* the system call */
		:: else -> skip
		fi;
		i++
	:: else -> break
	od;
	prod_done = true
}

active proctype consumer()
{
	byte got = 0, last = 0, pos = 0;
	bit wrap = 1;
	bool ready;

	do
	:: got == N -> break
	:: else ->
#if PACKED
		ready = (m_slot[pos] == wrap);
#else
		ready = (m_idx != last);
#endif
		if
		:: ready ->
			/* take it (A1/A2) and return it */
#if PACKED
			pos++;
			if
			:: pos == QSIZE -> pos = 0; wrap = 1 - wrap
			:: else -> skip
			fi;
#else
			last = (last + 1) % IDXMOD;
#endif
			got++;
			sb_c!V_CONSUMED, got
		:: else ->
			/* arm */
#if PACKED && EVIDX
			sb_c!V_EV, EV(EV_DESC, wrap, pos);
#elif PACKED
			sb_c!V_EV, EV(EV_ENABLE, 0, 0);
#elif EVIDX
			sb_c!V_EV, last;
#else
			sb_c!V_NONOTIFY, 0;
#endif
#if OMIT != 2
			FENCE(sb_c);			/* F4 / F3 */
#endif
			/* re-check */
#if PACKED
			ready = (m_slot[pos] == wrap);
#else
			ready = (m_idx != last);
#endif
			if
			:: ready -> skip
			:: else -> atomic { kicks > 0 -> kicks = 0 }	/* block */
			fi;
			/* disarm, as the wait loop does after the re-check and
			 * after every wake-up: packed writes DISABLE in both
			 * modes; split flags sets NO_NOTIFY, split EVENT_IDX
			 * moves the event one behind the consumer */
#if PACKED
			sb_c!V_EV, EV(EV_DISABLE, 0, 0)
#elif EVIDX
			sb_c!V_EV, (last + IDXMOD - 1) % IDXMOD
#else
			sb_c!V_NONOTIFY, 1
#endif
		fi
	od;
	assert(got == N)
}
