/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_vq_features.c - notification suppression and the other
 * queue features of BOTH rings through the ring-agnostic vrq_vq handle, over
 * the VRQ_FOR_EACH_VCONFIG matrix.
 *
 *  - kick decisions: without EVENT_IDX they follow the device's
 *    disable_kick / enable_kick (split: used->flags NO_NOTIFY; packed: device
 *    event suppression flags DISABLE / ENABLE); with EVENT_IDX they follow
 *    the event index (split: avail_event, "kick if the entry at avail_event
 *    was among those published since the last decision"; packed: flags DESC
 *    with off_wrap, "event will only trigger when Ring Wrap Counter matches
 *    this value and a descriptor is made available": kick if a descriptor at
 *    that offset and with that wrap counter was made available since the last
 *    decision).  Interrupt decisions likewise (driver enable_cb /
 *    disable_cb; split avail->flags / used_event, packed driver event
 *    suppression).  A model predicts every decision; each one is also
 *    checked against the event structure found at the spec location in ring
 *    memory, and the structure itself against the model; kicks /
 *    kicks_suppressed and notifies / notifies_suppressed must equal the
 *    predicted counts.  Spelled-out sequences: enable at X, the publish
 *    covering X notifies exactly once, later ones do not until re-enabled,
 *    also right across the end of the ring (packed: both wrap-counter flips;
 *    split: the 16-bit index wrap);
 *  - enable_kick / enable_cb return true exactly when work is pending;
 *  - NOTIFICATION_DATA: split vqn | avail_idx << 16 across the 16-bit wrap,
 *    packed vqn | next_off << 16 | next_wrap << 31 across many laps, both
 *    naming the next descriptor not yet made available (buffers added but
 *    not published are not available);
 *  - queue reset: detach returns exactly the in-flight tokens, each once,
 *    from every stage; after drv/dev reset the ring restarts (split index 0,
 *    packed position 0 with wrap counters 1, zeroed descriptors);
 *  - ordering domains (SMP, IO, NONCOH where supported, ENOTSUP elsewhere)
 *    and VRQ_CFG_NO_IDX_CACHE give identical observable results;
 *  - init validation through vrq_vq_*_init, vrq_vq_ring_bytes() against the
 *    spec formulas.
 *
 * VRQ_TEST_SCALE (default 1.0) scales the random phases.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrq_test.h"

#define BUF_STRIDE 32 /* bytes per buffer slot */
#define SEG_LEN 8     /* bytes per segment; up to MAX_NSEG segments per buffer */
#define MAX_NSEG 3

/* Packed flag values (packed-ring.tex). */
#define P_AV 0x80u
#define P_US 0x8000u

/* Event suppression modes (packed flags values; split uses the same names). */
#define EV_ENABLE 0
#define EV_DISABLE 1
#define EV_DESC 2

static double g_scale = 1.0;

/* ---- spec layout ------------------------------------------------------------------ */

struct lay {
	size_t desc, avail, used; /* split */
	size_t drv_ev, dev_ev;	  /* packed */
	size_t total;
};

static size_t alup(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

/* Spec sizes, each area at its alignment rounded up to @a (>= 16). */
static void spec_layout(enum vrq_ring_kind kind, uint16_t n, size_t a, struct lay *l)
{
	memset(l, 0, sizeof(*l));
	if (kind == VRQ_RING_PACKED) {
		l->drv_ev = alup(16 * (size_t)n, a);
		l->dev_ev = alup(l->drv_ev + 4, a);
		l->total = alup(l->dev_ev + 4, a);
	} else {
		l->avail = alup(16 * (size_t)n, a);
		l->used = alup(l->avail + 6 + 2 * (size_t)n, a);
		l->total = alup(l->used + 6 + 8 * (size_t)n, a);
	}
}

/* ---- model ---------------------------------------------------------------------- */

struct fbuf {
	uint64_t pos; /* ring position of the first descriptor */
	uint16_t need, nseg, head;
	uint32_t len; /* used len */
};

struct fm {
	struct vrq_test_vpair p;
	struct vrq_test_vcfg tc;
	struct lay lay;
	char name[192];
	int packed;
	uint16_t size;
	uint64_t rng;
	unsigned max_nseg;
	/* buffer counters (64-bit; the ring sees them mod 2^16 / mod size) */
	uint64_t added, published, popped, pushed, dev_published, consumed;
	/* notification units: split buffers (the 16-bit indices), packed
	 * descriptors (ring positions) */
	uint64_t u_added, u_published, u_popped, u_pushed, u_dev_published, u_consumed;
	uint64_t d_added; /* descriptors ever added */
	unsigned free;	  /* free descriptors */
	struct fbuf *b;	  /* per buffer number % size */
	/* available-buffer notifications (kicks) */
	int kick_mode;
	uint64_t kick_ev, kick_dis, kick_old;
	uint64_t kicks, kick_decisions;
	/* used-buffer notifications (interrupts) */
	int cb_mode;
	uint64_t cb_ev, cb_dis, irq_old;
	uint64_t irqs, irq_decisions;
	uint64_t unknown; /* decisions the model could not predict exactly */
	uint64_t trace;	  /* FNV-1a over everything observed */
	int nd;		  /* NOTIFICATION_DATA negotiated: checked after every drain */
	uint64_t nd_checks;
};

static uint64_t rnd(struct fm *m)
{
	uint64_t x = m->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	m->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static unsigned rnd_below(struct fm *m, unsigned n)
{
	return n ? (unsigned)(rnd(m) % n) : 0;
}

static void tr(struct fm *m, uint64_t v)
{
	unsigned i;

	for (i = 0; i < 8; i++) {
		m->trace ^= (uint8_t)(v >> (8 * i));
		m->trace *= 0x100000001b3ull;
	}
}

static uint16_t m16(const struct fm *m, size_t off)
{
	vrq_le16 v;

	memcpy(&v, m->p.ring_mem + off, sizeof(v));
	return vrq_le16_to_cpu(v);
}

/* Packed wrap counter of absolute position @pos: 1 in lap 0, then toggles. */
static int lap_wrap(uint64_t pos, uint16_t size)
{
	return !((pos / size) & 1);
}

/* Split: event index @ev among the entries old .. cur-1 (mod 2^16). */
static int in_window(uint16_t ev, uint16_t old, uint16_t cur)
{
	return (uint16_t)(ev - old) < (uint16_t)(cur - old);
}

/*
 * Packed: the descriptor named by an event offset / wrap counter recurs
 * every two laps (same offset, same wrap counter).  True if one of them was
 * among the positions old .. cur-1.  @ev is any absolute position with that
 * offset and wrap counter.
 */
static int pk_hit(uint64_t ev, uint64_t old, uint64_t cur, uint16_t size)
{
	uint64_t per = 2ull * size, d;

	if (cur <= old)
		return 0;
	if (cur - old >= per)
		return 1;
	d = (ev % per + per - old % per) % per; /* first occurrence at or after old */
	return d < cur - old;
}

/* Ring memory at the spec locations. */
static uint16_t mem_used_event(const struct fm *m) /* split: avail->ring[size] */
{
	return m16(m, m->lay.avail + 4 + 2 * (size_t)m->size);
}

static uint16_t mem_avail_event(const struct fm *m) /* split: used->ring[size] */
{
	return m16(m, m->lay.used + 4 + 8 * (size_t)m->size);
}

static uint16_t mem_avail_flags(const struct fm *m)
{
	return m16(m, m->lay.avail);
}

static uint16_t mem_used_flags(const struct fm *m)
{
	return m16(m, m->lay.used);
}

static uint16_t mem_avail_idx(const struct fm *m)
{
	return m16(m, m->lay.avail + 2);
}

static uint16_t mem_used_idx(const struct fm *m)
{
	return m16(m, m->lay.used + 2);
}

/* packed event suppression structures: off_wrap at +0, flags at +2 */
static uint16_t mem_dev_offwrap(const struct fm *m)
{
	return m16(m, m->lay.dev_ev);
}

static uint16_t mem_dev_flags(const struct fm *m)
{
	return m16(m, m->lay.dev_ev + 2);
}

static uint16_t mem_drv_offwrap(const struct fm *m)
{
	return m16(m, m->lay.drv_ev);
}

static uint16_t mem_drv_flags(const struct fm *m)
{
	return m16(m, m->lay.drv_ev + 2);
}

static unsigned need_for(const struct fm *m, unsigned n)
{
	return m->tc.indirect && n >= 2 && n <= VRQ_TEST_IND_MAX ? 1 : n;
}

static uint64_t unit_of(const struct fm *m, unsigned need)
{
	return m->packed ? need : 1;
}

static void fm_model_reset(struct fm *m)
{
	m->added = m->published = m->popped = m->pushed = m->dev_published = m->consumed = 0;
	m->u_added = m->u_published = m->u_popped = m->u_pushed = m->u_dev_published =
		m->u_consumed = 0;
	m->d_added = 0;
	m->free = m->size;
	/* fresh ring: split flags 0 and event indices 0 (notify for entry 0),
	 * packed event structures zero = ENABLE */
	if (!m->packed && m->tc.event_idx)
		m->kick_mode = m->cb_mode = EV_DESC;
	else
		m->kick_mode = m->cb_mode = EV_ENABLE;
	m->kick_ev = m->cb_ev = 0;
	m->kick_old = m->irq_old = 0;
}

/*
 * Pair with a given domain / config flags / extra features.  Returns 0, -1
 * on a setup failure, or the (negative VRQ_E*) init result when @p init_rc
 * is non-NULL and init failed.
 */
static int fm_open(struct fm *m, const struct vrq_test_vcfg *tc, enum vrq_domain dom,
		   uint32_t flags, uint64_t extra, uint64_t seed, int *init_rc)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->tc = *tc;
	vrq_test_vcfg_str(tc, m->name, sizeof(m->name));
	snprintf(m->name + strlen(m->name), sizeof(m->name) - strlen(m->name),
		 " domain=%d flags=%u", (int)dom, flags);
	m->packed = tc->kind == VRQ_RING_PACKED;
	m->size = tc->size;
	spec_layout(tc->kind, tc->size, 64, &m->lay);
	m->rng = seed * 0x9e3779b97f4a7c15ull + 12345;
	m->trace = 0xcbf29ce484222325ull;
	/* a chain has at most queue-size segments, indirect or not */
	m->max_nseg = tc->size < MAX_NSEG ? tc->size : MAX_NSEG;
	m->b = (struct fbuf *)calloc(tc->size, sizeof(*m->b));
	if (!m->b)
		return -1;
	if (vrq_test_vpair_init(&m->p, tc, (size_t)tc->size * BUF_STRIDE)) {
		fprintf(stderr, "vpair init failed: %s\n", m->name);
		return -1;
	}
	if (m->p.ring_area_bytes != m->lay.total) {
		fprintf(stderr, "ring bytes %zu, spec layout %zu: %s\n", m->p.ring_area_bytes,
			m->lay.total, m->name);
		return -1;
	}
	if (dom != VRQ_DOM_SMP || flags || extra) {
		/* re-initialise both roles over the same memory */
		vrq_vq_drv_fini(&m->p.drv);
		vrq_vq_dev_fini(&m->p.dev);
		m->p.cfg.domain = dom;
		m->p.cfg.flags = flags;
		m->p.cfg.features |= extra;
		rc = vrq_vq_drv_init(&m->p.drv, &m->p.cfg);
		if (!rc) {
			rc = vrq_vq_dev_init(&m->p.dev, &m->p.cfg);
			if (rc)
				vrq_vq_drv_fini(&m->p.drv);
		}
		if (rc) {
			memset(&m->p.drv, 0, sizeof(m->p.drv));
			memset(&m->p.dev, 0, sizeof(m->p.dev));
			if (init_rc) {
				*init_rc = rc;
				return rc;
			}
			fprintf(stderr, "init failed (%d): %s\n", rc, m->name);
			return -1;
		}
	}
	if (init_rc)
		*init_rc = 0;
	m->nd = !!(extra & VRQ_FEATURE(VRQ_F_NOTIFICATION_DATA));
	fm_model_reset(m);
	return 0;
}

static void fm_close(struct fm *m)
{
	vrq_test_vpair_fini(&m->p);
	free(m->b);
	m->b = NULL;
}

/* ---- the event structures in ring memory against the model ---------------------- */

static int check_kick_mem(const struct fm *m)
{
	if (m->packed) {
		CHECK_EQ(mem_dev_flags(m), m->kick_mode);
		if (m->kick_mode == EV_DESC)
			CHECK_EQ(mem_dev_offwrap(m),
				 (m->kick_ev % m->size) | (unsigned)lap_wrap(m->kick_ev, m->size) << 15);
	} else if (m->tc.event_idx) {
		if (m->kick_mode == EV_DESC)
			CHECK_EQ(mem_avail_event(m), (uint16_t)m->kick_ev);
	} else {
		CHECK_EQ(mem_used_flags(m), m->kick_mode == EV_DISABLE ? VRQ_USED_F_NO_NOTIFY : 0);
	}
	return 0;
}

static int check_cb_mem(const struct fm *m)
{
	if (m->packed) {
		CHECK_EQ(mem_drv_flags(m), m->cb_mode);
		if (m->cb_mode == EV_DESC)
			CHECK_EQ(mem_drv_offwrap(m),
				 (m->cb_ev % m->size) | (unsigned)lap_wrap(m->cb_ev, m->size) << 15);
	} else if (m->tc.event_idx) {
		if (m->cb_mode == EV_DESC)
			CHECK_EQ(mem_used_event(m), (uint16_t)m->cb_ev);
	} else {
		CHECK_EQ(mem_avail_flags(m), m->cb_mode == EV_DISABLE ? VRQ_AVAIL_F_NO_INTERRUPT : 0);
	}
	return 0;
}

/* What the event structure in ring memory asks for, for the range old..cur-1. */
static int ref_decision(const struct fm *m, int kick, uint64_t old, uint64_t cur)
{
	if (!m->packed) {
		if (m->tc.event_idx)
			return in_window(kick ? mem_avail_event(m) : mem_used_event(m), (uint16_t)old,
					 (uint16_t)cur);
		return kick ? !(mem_used_flags(m) & VRQ_USED_F_NO_NOTIFY)
			    : !(mem_avail_flags(m) & VRQ_AVAIL_F_NO_INTERRUPT);
	} else {
		uint16_t fl = (kick ? mem_dev_flags(m) : mem_drv_flags(m)) & 3;
		uint16_t ow = kick ? mem_dev_offwrap(m) : mem_drv_offwrap(m);

		if (fl == EV_DISABLE)
			return 0;
		if (fl == EV_DESC && m->tc.event_idx)
			return pk_hit((ow & 0x7fff) + ((ow >> 15) ? 0 : (uint64_t)m->size), old, cur,
				      m->size);
		return 1;
	}
}

/* What the model predicts; *known = 0 where suppression is best effort. */
static int predict(const struct fm *m, int mode, uint64_t ev, uint64_t dis, uint64_t old,
		   uint64_t cur, int *known)
{
	*known = 1;
	if (cur == old)
		return 0;
	if (mode == EV_ENABLE)
		return 1;
	if (mode == EV_DISABLE) {
		/* split + EVENT_IDX disables by moving the event index behind
		 * the consumer: exact only if our previous decision was not
		 * behind that point; packed DISABLE is exact */
		if (!m->packed && m->tc.event_idx)
			*known = (uint16_t)((uint16_t)old - (uint16_t)dis) < 0x8000;
		return 0;
	}
	if (!m->packed)
		return in_window((uint16_t)ev, (uint16_t)old, (uint16_t)cur);
	return pk_hit(ev, old, cur, m->size);
}

/* ---- operations with predictions -------------------------------------------------- */

/* Add one buffer of @nseg writable segments; *added = 0 on (predicted) ENOSPC. */
static int fm_add_n(struct fm *m, unsigned nseg, int *added)
{
	struct vrq_sg sg[MAX_NSEG] = {{0, 0}};
	unsigned need = need_for(m, nseg), k;
	struct fbuf *fb;
	int rc;

	for (k = 0; k < nseg; k++) {
		sg[k].addr = VRQ_TEST_BUF_DA + (m->added % m->size) * BUF_STRIDE + k * SEG_LEN;
		sg[k].len = SEG_LEN;
	}
	rc = vrq_vq_drv_add(&m->p.drv, sg, 0, nseg, (void *)(uintptr_t)(m->added + 1));
	if (need > m->free) {
		CHECK_EQ(rc, -VRQ_ENOSPC);
		if (added)
			*added = 0;
		return 0;
	}
	CHECK_EQ(rc, 0);
	fb = &m->b[m->added % m->size];
	fb->pos = m->d_added;
	fb->need = (uint16_t)need;
	fb->nseg = (uint16_t)nseg;
	m->d_added += need;
	m->u_added += unit_of(m, need);
	m->free -= need;
	m->added++;
	CHECK_EQ(vrq_vq_drv_num_free(&m->p.drv), m->free);
	if (added)
		*added = 1;
	return 0;
}

static int fm_add(struct fm *m)
{
	return fm_add_n(m, 1 + rnd_below(m, m->max_nseg), NULL);
}

static int fm_publish(struct fm *m)
{
	vrq_vq_drv_publish(&m->p.drv);
	m->published = m->added;
	m->u_published = m->u_added;
	if (!m->packed)
		CHECK_EQ(mem_avail_idx(m), (uint16_t)m->published);
	return 0;
}

/* Kick decision; @prepare: through vrq_vq_drv_kick_prepare (publishes). */
static int fm_kick_g(struct fm *m, int prepare, int *gotp)
{
	const struct vrq_drv_stats *st = vrq_vq_drv_stats(&m->p.drv);
	uint64_t cur, old = m->kick_old;
	int got, exp, ref, known;

	if (prepare) {
		m->published = m->added;
		m->u_published = m->u_added;
	}
	cur = m->u_published;
	if (check_kick_mem(m))
		return -1;
	ref = ref_decision(m, 1, old, cur);
	exp = predict(m, m->kick_mode, m->kick_ev, m->kick_dis, old, cur, &known);
	got = prepare ? vrq_vq_drv_kick_prepare(&m->p.drv) : vrq_vq_drv_need_kick(&m->p.drv);
	tr(m, 0x100 | (unsigned)got);
	if (cur != old) {
		if (got != ref) {
			fprintf(stderr,
				"kick decision %d but the event structure in ring memory says %d "
				"(published %llu..%llu, mode %d ev %llu)\n",
				got, ref, (unsigned long long)old, (unsigned long long)cur, m->kick_mode,
				(unsigned long long)m->kick_ev);
			CHECK(0);
		}
		if (known && got != exp) {
			fprintf(stderr,
				"kick decision %d, predicted %d (published %llu..%llu, mode %d ev %llu)\n",
				got, exp, (unsigned long long)old, (unsigned long long)cur, m->kick_mode,
				(unsigned long long)m->kick_ev);
			CHECK(0);
		}
		m->unknown += !known;
		m->kick_old = cur;
		m->kick_decisions++;
		m->kicks += (unsigned)got;
	} else {
		CHECK_EQ(got, 0); /* nothing new: no kick, not counted */
	}
	CHECK_EQ(st->kicks, m->kicks);
	CHECK_EQ(st->kicks_suppressed, m->kick_decisions - m->kicks);
	if (!m->packed)
		CHECK_EQ(mem_avail_idx(m), (uint16_t)m->published);
	if (gotp)
		*gotp = got;
	return 0;
}

static int fm_kick(struct fm *m, int prepare)
{
	return fm_kick_g(m, prepare, NULL);
}

static int fm_pop(struct fm *m, int *got)
{
	struct vrq_seg seg[MAX_NSEG + 1];
	struct vrq_chain ch;
	struct fbuf *fb;
	unsigned k;
	int rc;

	vrq_chain_init(&ch, seg, MAX_NSEG + 1);
	rc = vrq_vq_dev_pop(&m->p.dev, &ch);
	tr(m, 0x200 | (unsigned)(rc & 0xff));
	if (m->popped == m->published) {
		CHECK_EQ(rc, 0);
		*got = 0;
		return 0;
	}
	fb = &m->b[m->popped % m->size];
	CHECK_EQ(rc, 1);
	CHECK_EQ(ch.n, fb->nseg);
	CHECK_EQ(ch.n_out, 0);
	CHECK_EQ(ch.in_len, fb->nseg * SEG_LEN);
	CHECK_EQ(ch.ndesc, fb->need);
	for (k = 0; k < fb->nseg; k++) {
		size_t off = (m->popped % m->size) * BUF_STRIDE + k * SEG_LEN;

		CHECK(seg[k].addr == VRQ_TEST_BUF_DA + off);
		CHECK(seg[k].va == m->p.buf_mem + off);
	}
	CHECK(ch.head < m->size);
	if (m->tc.in_order)
		CHECK_EQ(ch.head, fb->pos % m->size);
	tr(m, ch.head);
	fb->head = ch.head;
	m->popped++;
	m->u_popped += unit_of(m, fb->need);
	*got = 1;
	return 0;
}

static int fm_push(struct fm *m)
{
	struct fbuf *fb = &m->b[m->pushed % m->size];
	uint32_t cap = fb->nseg * SEG_LEN;
	uint32_t len = rnd_below(m, 3) ? cap : rnd_below(m, cap);

	CHECK(m->pushed < m->popped);
	CHECK_EQ(vrq_vq_dev_push(&m->p.dev, fb->head, len), 0);
	fb->len = len;
	m->pushed++;
	m->u_pushed += unit_of(m, fb->need);
	return 0;
}

static int fm_dev_publish(struct fm *m)
{
	vrq_vq_dev_publish(&m->p.dev);
	m->dev_published = m->pushed;
	m->u_dev_published = m->u_pushed;
	if (!m->packed)
		CHECK_EQ(mem_used_idx(m), (uint16_t)m->dev_published);
	return 0;
}

/* Interrupt decision; @prepare: through vrq_vq_dev_notify_prepare. */
static int fm_irq_g(struct fm *m, int prepare, int *gotp)
{
	const struct vrq_dev_stats *st = vrq_vq_dev_stats(&m->p.dev);
	uint64_t cur, old = m->irq_old;
	int got, exp, ref, known;

	if (prepare) {
		m->dev_published = m->pushed;
		m->u_dev_published = m->u_pushed;
	}
	cur = m->u_dev_published;
	if (check_cb_mem(m))
		return -1;
	ref = ref_decision(m, 0, old, cur);
	exp = predict(m, m->cb_mode, m->cb_ev, m->cb_dis, old, cur, &known);
	got = prepare ? vrq_vq_dev_notify_prepare(&m->p.dev) : vrq_vq_dev_need_notify(&m->p.dev);
	tr(m, 0x300 | (unsigned)got);
	if (cur != old) {
		if (got != ref) {
			fprintf(stderr,
				"notify decision %d but the event structure in ring memory says %d "
				"(used %llu..%llu, mode %d ev %llu)\n",
				got, ref, (unsigned long long)old, (unsigned long long)cur, m->cb_mode,
				(unsigned long long)m->cb_ev);
			CHECK(0);
		}
		if (known && got != exp) {
			fprintf(stderr,
				"notify decision %d, predicted %d (used %llu..%llu, mode %d ev %llu)\n",
				got, exp, (unsigned long long)old, (unsigned long long)cur, m->cb_mode,
				(unsigned long long)m->cb_ev);
			CHECK(0);
		}
		m->unknown += !known;
		m->irq_old = cur;
		m->irq_decisions++;
		m->irqs += (unsigned)got;
	} else {
		CHECK_EQ(got, 0);
	}
	CHECK_EQ(st->notifies, m->irqs);
	CHECK_EQ(st->notifies_suppressed, m->irq_decisions - m->irqs);
	if (!m->packed)
		CHECK_EQ(mem_used_idx(m), (uint16_t)m->dev_published);
	if (gotp)
		*gotp = got;
	return 0;
}

static int fm_irq(struct fm *m, int prepare)
{
	return fm_irq_g(m, prepare, NULL);
}

static int fm_get(struct fm *m, int *got)
{
	void *tok = NULL;
	uint32_t len = 0xffffffff;
	int rc = vrq_vq_drv_get_used(&m->p.drv, &tok, &len);
	struct fbuf *fb;

	tr(m, 0x400 | (unsigned)(rc & 0xff));
	if (m->consumed == m->dev_published) {
		CHECK_EQ(rc, 0);
		*got = 0;
		return 0;
	}
	fb = &m->b[m->consumed % m->size];
	CHECK_EQ(rc, 1);
	CHECK(tok == (void *)(uintptr_t)(m->consumed + 1));
	CHECK_EQ(len, fb->len);
	tr(m, (uintptr_t)tok);
	tr(m, len);
	m->consumed++;
	m->u_consumed += unit_of(m, fb->need);
	m->free += fb->need;
	CHECK_EQ(vrq_vq_drv_num_free(&m->p.drv), m->free);
	*got = 1;
	return 0;
}

static int fm_enable_kick_g(struct fm *m, int *gotp)
{
	int exp = m->published != m->popped; /* buffers pending */
	int got = vrq_vq_dev_enable_kick(&m->p.dev);

	tr(m, 0x500 | (unsigned)got);
	if (got != exp) {
		fprintf(stderr, "enable_kick = %d with %llu published, %llu popped\n", got,
			(unsigned long long)m->published, (unsigned long long)m->popped);
		CHECK(0);
	}
	m->kick_mode = m->tc.event_idx ? EV_DESC : EV_ENABLE;
	m->kick_ev = m->u_popped;
	if (check_kick_mem(m))
		return -1;
	if (gotp)
		*gotp = got;
	return 0;
}

static int fm_enable_kick(struct fm *m)
{
	return fm_enable_kick_g(m, NULL);
}

static int fm_disable_kick(struct fm *m)
{
	vrq_vq_dev_disable_kick(&m->p.dev);
	m->kick_mode = EV_DISABLE;
	m->kick_dis = m->u_popped;
	if (m->packed || !m->tc.event_idx)
		return check_kick_mem(m);
	return 0;
}

static int fm_enable_cb_g(struct fm *m, int *gotp)
{
	int exp = m->dev_published != m->consumed;
	int got = vrq_vq_drv_enable_cb(&m->p.drv);

	tr(m, 0x600 | (unsigned)got);
	if (got != exp) {
		fprintf(stderr, "enable_cb = %d with %llu used published, %llu consumed\n", got,
			(unsigned long long)m->dev_published, (unsigned long long)m->consumed);
		CHECK(0);
	}
	m->cb_mode = m->tc.event_idx ? EV_DESC : EV_ENABLE;
	m->cb_ev = m->u_consumed;
	if (check_cb_mem(m))
		return -1;
	if (gotp)
		*gotp = got;
	return 0;
}

static int fm_enable_cb(struct fm *m)
{
	return fm_enable_cb_g(m, NULL);
}

static int fm_disable_cb(struct fm *m)
{
	vrq_vq_drv_disable_cb(&m->p.drv);
	m->cb_mode = EV_DISABLE;
	m->cb_dis = m->u_consumed;
	if (m->packed || !m->tc.event_idx)
		return check_cb_mem(m);
	return 0;
}

/*
 * NOTIFICATION_DATA after each publish: split vqn | avail_idx << 16 (the
 * 16-bit index: next_off = bits 0..14, next_wrap = bit 15); packed
 * vqn | next_off << 16 | next_wrap << 31 of the next descriptor to be made
 * available.  Across the 16-bit wrap / many laps.
 */
static uint32_t exp_nd(const struct fm *m, uint16_t vqn)
{
	if (!m->packed)
		return (uint32_t)vqn | (uint32_t)(uint16_t)m->u_published << 16;
	return (uint32_t)vqn | (uint32_t)(m->u_published % m->size) << 16 |
	       (uint32_t)lap_wrap(m->u_published, m->size) << 31;
}

static int check_nd(struct fm *m)
{
	static const uint16_t vqns[] = {0, 1, 0x1234, 0xffff};
	unsigned i;

	for (i = 0; i < sizeof(vqns) / sizeof(vqns[0]); i++) {
		uint32_t v = vrq_vq_drv_notification_data(&m->p.drv, vqns[i]);

		if (v != exp_nd(m, vqns[i])) {
			fprintf(stderr, "notification data 0x%08x, expected 0x%08x (%llu published)\n",
				v, exp_nd(m, vqns[i]), (unsigned long long)m->u_published);
			CHECK(0);
		}
	}
	m->nd_checks++;
	return 0;
}

/* Round trip everything in flight (with decisions). */
static int fm_drain(struct fm *m)
{
	int got = 1;

	if (fm_kick(m, 1) || (m->nd && check_nd(m)))
		return -1;
	while (got)
		if (fm_pop(m, &got))
			return -1;
	while (m->pushed < m->popped)
		if (fm_push(m))
			return -1;
	if (fm_irq(m, 1))
		return -1;
	got = 1;
	while (got)
		if (fm_get(m, &got))
			return -1;
	CHECK_EQ(vrq_vq_drv_num_free(&m->p.drv), m->size);
	return 0;
}

static int fm_no_errors(const struct fm *m)
{
	const struct vrq_drv_stats *ds = vrq_vq_drv_stats(&m->p.drv);
	const struct vrq_dev_stats *vs = vrq_vq_dev_stats(&m->p.dev);
	unsigned i;

	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++)
		if (ds->peer_err[i] || vs->peer_err[i])
			return 0;
	return !vrq_vq_drv_broken(&m->p.drv) && !vrq_vq_dev_broken(&m->p.dev) &&
	       ds->used_len_clamped == 0;
}

/* ---- scenarios ------------------------------------------------------------------- */

/* Random interleaving of every notification-related call. */
static int fm_random(struct fm *m, uint64_t steps)
{
	uint64_t s;
	int got;

	for (s = 0; s < steps; s++) {
		unsigned op = rnd_below(m, 10), k, i;

		switch (op) {
		case 0:
			k = 1 + rnd_below(m, 3);
			for (i = 0; i < k; i++)
				if (fm_add(m))
					return -1;
			k = rnd_below(m, 4);
			if (k < 2 && fm_kick(m, 1))
				return -1;
			if (k == 2 && fm_publish(m))
				return -1;
			break;
		case 1:
			if (fm_publish(m))
				return -1;
			break;
		case 2:
			if (fm_kick(m, (int)rnd_below(m, 2)))
				return -1;
			break;
		case 3:
			k = 1 + rnd_below(m, 4);
			for (i = 0; i < k; i++) {
				if (fm_pop(m, &got))
					return -1;
				if (!got)
					break;
			}
			break;
		case 4:
			k = rnd_below(m, (unsigned)(m->popped - m->pushed) + 1);
			for (i = 0; i < k; i++)
				if (fm_push(m))
					return -1;
			k = rnd_below(m, 4);
			if (k < 2 && fm_irq(m, 1))
				return -1;
			if (k == 2 && fm_dev_publish(m))
				return -1;
			break;
		case 5:
			if (fm_irq(m, (int)rnd_below(m, 2)))
				return -1;
			break;
		case 6:
			if (rnd_below(m, 2) ? fm_enable_kick(m) : fm_disable_kick(m))
				return -1;
			break;
		case 7:
			if (rnd_below(m, 2) ? fm_enable_cb(m) : fm_disable_cb(m))
				return -1;
			break;
		default:
			k = 1 + rnd_below(m, 4);
			for (i = 0; i < k; i++) {
				if (fm_get(m, &got))
					return -1;
				if (!got)
					break;
			}
			break;
		}
	}
	if (fm_drain(m))
		return -1;
	CHECK(fm_no_errors(m));
	/* most decisions must have been predicted exactly */
	CHECK(m->unknown * 4 <= m->kick_decisions + m->irq_decisions + 4);
	if (m->packed)
		CHECK_EQ(m->unknown, 0);
	return 0;
}

static int test_random(const struct vrq_test_vcfg *tc)
{
	struct fm m;
	int rc = -1;

	if (fm_open(&m, tc, VRQ_DOM_SMP, 0, 0, 7, NULL) == 0)
		rc = fm_random(&m, (uint64_t)(20000 * g_scale) + 200);
	if (rc)
		fprintf(stderr, "  random notification scenario failed [%s]\n", m.name);
	fm_close(&m);
	return rc;
}

/* One buffer through the whole ring, with both decisions. */
static int fm_one(struct fm *m)
{
	int got;

	if (fm_add_n(m, 1, NULL) || fm_kick(m, 1) || fm_pop(m, &got))
		return -1;
	CHECK_EQ(got, 1);
	if (fm_push(m) || fm_irq(m, 1) || fm_get(m, &got))
		return -1;
	CHECK_EQ(got, 1);
	return 0;
}

/*
 * Round trip one-descriptor buffers (with decisions) until @target units
 * have been published and consumed.
 */
static int fm_advance(struct fm *m, uint64_t target)
{
	CHECK(m->u_published == m->u_consumed && m->u_added == m->u_published);
	CHECK(target >= m->u_published);
	while (m->u_published < target) {
		uint64_t k = target - m->u_published, i;

		if (k > m->size)
			k = m->size;
		if (k > 64)
			k = 64;
		for (i = 0; i < k; i++)
			if (fm_add_n(m, 1, NULL))
				return -1;
		if (fm_drain(m))
			return -1;
	}
	CHECK_EQ(m->u_published, target);
	return 0;
}

/* Units until the event at @ev recurs (packed: two laps; split: 2^16). */
static uint64_t recur(const struct fm *m)
{
	return m->packed ? 2ull * m->size : 65536;
}

/* The spelled-out sequences: kicks. */
static int kick_sequence(struct fm *m)
{
	const struct vrq_drv_stats *st = vrq_vq_drv_stats(&m->p.drv);
	int got, g, i, nf;
	uint64_t x;

	/* fresh ring: the device wants a kick for the first buffer */
	if (fm_add(m) || fm_kick_g(m, 1, &g))
		return -1;
	CHECK_EQ(g, 1);
	CHECK_EQ(st->kicks, 1);
	if (fm_drain(m))
		return -1;
	/* a decision with nothing new: false, not counted */
	CHECK_EQ(vrq_vq_drv_need_kick(&m->p.drv), 0);
	CHECK_EQ(st->kicks + st->kicks_suppressed, m->kick_decisions);

	/* device enables kicks at X with nothing pending */
	if (fm_enable_kick_g(m, &g))
		return -1;
	CHECK_EQ(g, 0);
	x = m->u_popped;
	/* the publish covering X kicks exactly once ... */
	if (fm_add_n(m, 1, NULL) || fm_kick_g(m, 1, &g))
		return -1;
	CHECK_EQ(g, 1);
	/* ... and further publishes do not, until re-enabled (EVENT_IDX, while
	 * the event has not come round again); without EVENT_IDX every one does */
	nf = 5;
	if ((uint64_t)nf > recur(m) - 1)
		nf = (int)(recur(m) - 1);
	for (i = 0; i < nf; i++) {
		if (fm_pop(m, &got) || (got && fm_push(m)) || fm_irq(m, 1) || fm_get(m, &got) ||
		    fm_add_n(m, 1, NULL) || fm_kick_g(m, 1, &g))
			return -1;
		CHECK(m->u_published <= x + recur(m));
		if (g != !m->tc.event_idx) {
			fprintf(stderr, "publish %d after the one covering X=%llu: kick %d\n", i + 1,
				(unsigned long long)x, g);
			CHECK(0);
		}
	}
	if (fm_drain(m))
		return -1;
	/* buffers pending: enable_kick says so; the event is behind the next
	 * publish, which does not kick with EVENT_IDX */
	if (m->size >= 2) {
		if (fm_add_n(m, 1, NULL) || fm_kick(m, 1) || fm_enable_kick_g(m, &g))
			return -1;
		CHECK_EQ(g, 1);
		if (fm_add_n(m, 1, NULL) || fm_kick_g(m, 1, &g))
			return -1;
		CHECK_EQ(g, !m->tc.event_idx);
		if (fm_drain(m))
			return -1;
	}
	/* disabled: no kick in either mode */
	if (fm_disable_kick(m))
		return -1;
	for (i = 0; i < 3; i++) {
		if (fm_add_n(m, 1, NULL) || fm_kick_g(m, 1, &g))
			return -1;
		CHECK_EQ(g, 0);
		if (fm_pop(m, &got) || fm_push(m) || fm_irq(m, 1) || fm_get(m, &got))
			return -1;
	}
	/* re-enabled with nothing pending: the next publish kicks */
	if (fm_enable_kick_g(m, &g))
		return -1;
	CHECK_EQ(g, 0);
	if (fm_add_n(m, 1, NULL) || fm_kick_g(m, 1, &g))
		return -1;
	CHECK_EQ(g, 1);
	CHECK_EQ(st->kicks, m->kicks);
	CHECK_EQ(st->kicks_suppressed, m->kick_decisions - m->kicks);
	return fm_drain(m);
}

/* The spelled-out sequences: interrupts. */
static int irq_sequence(struct fm *m)
{
	const struct vrq_dev_stats *st = vrq_vq_dev_stats(&m->p.dev);
	int got, g, i, nf;
	uint64_t x;

	if (fm_add(m) || fm_kick(m, 1) || fm_pop(m, &got) || fm_push(m))
		return -1;
	/* fresh ring: the driver wants an interrupt for the first buffer */
	if (fm_irq_g(m, 1, &g))
		return -1;
	CHECK_EQ(g, 1);
	/* nothing new: false, not counted */
	CHECK_EQ(vrq_vq_dev_need_notify(&m->p.dev), 0);
	CHECK_EQ(st->notifies, 1);
	CHECK_EQ(st->notifies_suppressed, 0);
	/* used buffer pending: enable_cb says so */
	if (fm_enable_cb_g(m, &g))
		return -1;
	CHECK_EQ(g, 1);
	if (fm_get(m, &got))
		return -1;
	CHECK_EQ(got, 1);
	/* nothing pending now */
	if (fm_enable_cb_g(m, &g))
		return -1;
	CHECK_EQ(g, 0);
	x = m->u_consumed;
	/* the next used buffer interrupts; later ones only without EVENT_IDX */
	nf = 6;
	if ((uint64_t)nf > recur(m))
		nf = (int)recur(m);
	for (i = 0; i < nf; i++) {
		if (fm_add_n(m, 1, NULL) || fm_kick(m, 1) || fm_pop(m, &got) || fm_push(m) ||
		    fm_irq_g(m, 1, &g))
			return -1;
		CHECK(m->u_dev_published <= x + recur(m));
		if (g != (i == 0 || !m->tc.event_idx)) {
			fprintf(stderr, "used publish %d after enable_cb at X=%llu: notify %d\n", i,
				(unsigned long long)x, g);
			CHECK(0);
		}
		if (fm_get(m, &got))
			return -1;
	}
	CHECK_EQ(st->notifies, m->irqs);
	CHECK_EQ(st->notifies_suppressed, m->irq_decisions - m->irqs);
	/* disabled: none */
	if (fm_disable_cb(m))
		return -1;
	for (i = 0; i < 4; i++) {
		if (fm_add_n(m, 1, NULL) || fm_kick(m, 1) || fm_pop(m, &got) || fm_push(m) ||
		    fm_irq_g(m, 1, &g))
			return -1;
		CHECK_EQ(g, 0);
		if (fm_get(m, &got))
			return -1;
	}
	/* batch: several buffers pushed, one publish, one decision */
	if (fm_enable_cb_g(m, &g))
		return -1;
	CHECK_EQ(g, 0);
	{
		unsigned k = m->size < 4 ? m->size : 4, j;
		uint64_t d0 = m->irq_decisions;

		for (j = 0; j < k; j++)
			if (fm_add_n(m, 1, NULL))
				return -1;
		if (fm_kick(m, 1))
			return -1;
		for (j = 0; j < k; j++)
			if (fm_pop(m, &got) || fm_push(m))
				return -1;
		if (fm_irq_g(m, 1, &g))
			return -1;
		CHECK_EQ(g, 1);
		CHECK_EQ(m->irq_decisions, d0 + 1);
	}
	CHECK_EQ(st->notifies, m->irqs);
	CHECK_EQ(st->notifies_suppressed, m->irq_decisions - m->irqs);
	return fm_drain(m);
}

/*
 * Right across the end of the ring: both consumers enable notifications just
 * before the end (packed: offset size - 2 of a lap, so the range crosses a
 * wrap-counter flip; split: index 65534, across the 16-bit wrap), the
 * driver publishes a chain straddling the end plus more, the device uses
 * them all: exactly one kick and one interrupt, then none until re-enabled
 * (EVENT_IDX; without it every publish notifies).  @parity (packed): cross
 * into an odd lap (wrap counters 1 -> 0) or an even one (0 -> 1).
 */
static int boundary_sequence(struct fm *m, int parity)
{
	uint64_t before = m->size >= 2 ? 2 : 1, lap_end, x, k0, i0;
	unsigned i, nseg;
	int g, got, added;

	if (m->packed) {
		uint64_t l = (m->u_published + before + m->size - 1) / m->size;

		if (l == 0)
			l = 1;
		if ((l & 1) != (uint64_t)parity)
			l++;
		lap_end = l * m->size;
	} else {
		lap_end = (m->u_published + before + 65535) / 65536 * 65536;
	}
	if (fm_advance(m, lap_end - before))
		return -1;
	x = m->u_published;
	/* nothing pending on either side */
	if (fm_enable_kick_g(m, &g))
		return -1;
	CHECK_EQ(g, 0);
	if (fm_enable_cb_g(m, &g))
		return -1;
	CHECK_EQ(g, 0);
	/* packed: a chain of up to 3 segments (a direct chain straddles the
	 * end), split: a single-segment buffer (the index counts buffers);
	 * then single descriptors while they fit, up to 2 more */
	nseg = m->packed ? m->max_nseg : 1;
	if (need_for(m, nseg) > m->size)
		nseg = 1;
	if (fm_add_n(m, nseg, &added))
		return -1;
	CHECK_EQ(added, 1);
	for (i = 0; i < 2 && m->free; i++)
		if (fm_add_n(m, 1, NULL))
			return -1;
	k0 = m->kick_decisions;
	i0 = m->irq_decisions;
	if (fm_kick_g(m, 1, &g) || (m->nd && check_nd(m)))
		return -1;
	CHECK_EQ(g, 1);
	got = 1;
	while (got)
		if (fm_pop(m, &got))
			return -1;
	while (m->pushed < m->popped)
		if (fm_push(m))
			return -1;
	if (fm_irq_g(m, 1, &g))
		return -1;
	CHECK_EQ(g, 1);
	CHECK_EQ(m->kick_decisions, k0 + 1);
	CHECK_EQ(m->irq_decisions, i0 + 1);
	/* the range reached (size >= 3: crossed) the end of the ring */
	CHECK(m->u_published >= lap_end + (m->size >= 3));
	CHECK_EQ(m->u_dev_published, m->u_published);
	if (!m->packed)
		CHECK((uint16_t)m->u_published < (uint16_t)x);
	got = 1;
	while (got)
		if (fm_get(m, &got))
			return -1;
	/* further publishes: none with EVENT_IDX until the event comes round
	 * again; every one without */
	for (i = 0; i < 4; i++) {
		int gi;

		if (fm_add_n(m, 1, NULL))
			return -1;
		if (m->u_added > x + recur(m))
			break; /* beyond the recurrence: the model decides */
		if (fm_kick_g(m, 1, &g) || fm_pop(m, &got) || fm_push(m) || fm_irq_g(m, 1, &gi))
			return -1;
		if (g != !m->tc.event_idx || gi != !m->tc.event_idx) {
			fprintf(stderr,
				"enabled at %llu (lap end %llu), publish of %llu..%llu: kick %d "
				"interrupt %d\n",
				(unsigned long long)x, (unsigned long long)lap_end,
				(unsigned long long)m->u_published - 1, (unsigned long long)m->u_published,
				g, gi);
			CHECK(0);
		}
		if (fm_get(m, &got))
			return -1;
	}
	return fm_drain(m);
}

static int test_sequences(const struct vrq_test_vcfg *tc)
{
	struct fm m;
	int rc = -1, rc2 = -1;

	/* both run: a failure of one does not hide the other */
	if (fm_open(&m, tc, VRQ_DOM_SMP, 0, 0, 3, NULL) == 0)
		rc = kick_sequence(&m);
	if (rc)
		fprintf(stderr, "  kick sequence failed [%s]\n", m.name);
	fm_close(&m);
	if (fm_open(&m, tc, VRQ_DOM_SMP, 0, 0, 4, NULL) == 0)
		rc2 = irq_sequence(&m);
	if (rc2)
		fprintf(stderr, "  interrupt sequence failed [%s]\n", m.name);
	fm_close(&m);
	return rc || rc2 ? -1 : 0;
}

/*
 * Publish batches of up to 7 buffers of 1..3 segments (chains of different
 * lengths move the packed position by different amounts) until @target
 * units are published, checking NOTIFICATION_DATA after every publish.
 */
static int nd_loop(struct fm *m, uint64_t target)
{
	unsigned batch = m->size < 7 ? m->size : 7;
	int got, last_wrap = lap_wrap(m->u_published, m->size);
	uint64_t flips = 0;

	while (m->u_published < target) {
		unsigned i;

		for (i = 0; i < batch; i++) {
			int added;

			if (fm_add_n(m, 1 + rnd_below(m, m->max_nseg), &added))
				return -1;
			if (!added)
				break;
		}
		if (fm_publish(m) || check_nd(m))
			return -1;
		if (lap_wrap(m->u_published, m->size) != last_wrap) {
			last_wrap = !last_wrap;
			flips++;
		}
		got = 1;
		while (got)
			if (fm_pop(m, &got))
				return -1;
		while (m->pushed < m->popped)
			if (fm_push(m))
				return -1;
		if (fm_dev_publish(m))
			return -1;
		got = 1;
		while (got)
			if (fm_get(m, &got))
				return -1;
	}
	if (m->packed)
		CHECK(flips >= 5); /* the wrap counter flipped on the way */
	return 0;
}

/*
 * Across the wraps: NOTIFICATION_DATA on every publish (packed over six laps
 * with chains, split across the 16-bit index wrap), and the kick / interrupt
 * sequences right at the end of the ring (packed into an odd and an even
 * lap, split across 65536).  One pass: the split ring crosses 2^16 once.
 */
static int test_wrap(const struct vrq_test_vcfg *tc)
{
	struct fm m;
	int rc = -1;

	if (fm_open(&m, tc, VRQ_DOM_SMP, 0, VRQ_FEATURE(VRQ_F_NOTIFICATION_DATA), 5, NULL))
		goto out;
	/* fresh ring: split index 0; packed offset 0 with wrap counter 1 */
	if (vrq_vq_drv_notification_data(&m.p.drv, 9) != (m.packed ? 9u | 1u << 31 : 9u)) {
		fprintf(stderr, "fresh ring: notification data 0x%08x\n",
			vrq_vq_drv_notification_data(&m.p.drv, 9));
		vrq_test_failures++;
		goto out;
	}
	if (m.packed) {
		if (nd_loop(&m, 6ull * m.size + 600) || boundary_sequence(&m, 1) ||
		    boundary_sequence(&m, 0))
			goto out;
	} else {
		if (nd_loop(&m, 65536 - 700) || boundary_sequence(&m, 0) ||
		    nd_loop(&m, 65536 + 600))
			goto out;
		CHECK(m.published >= 65536 + 600);
	}
	CHECK(m.nd_checks > 100);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "  wrap (notification data / across the ring end) failed [%s]\n",
			m.name);
	fm_close(&m);
	return rc;
}

/*
 * NOTIFICATION_DATA with buffers added but not yet published: it still names
 * the next descriptor not yet made available, i.e. the state after the last
 * publish ("When notifying the device, driver MUST set next_off and
 * next_wrap to match the next descriptor not yet made available to the
 * device"; the split ring names the published avail idx).
 */
static int test_notification_data_pending(const struct vrq_test_vcfg *tc)
{
	struct fm m;
	int rc = -1, round;

	if (fm_open(&m, tc, VRQ_DOM_SMP, 0, VRQ_FEATURE(VRQ_F_NOTIFICATION_DATA), 6, NULL))
		goto out;
	for (round = 0; round < 3; round++) {
		uint32_t before = vrq_vq_drv_notification_data(&m.p.drv, 3), v;
		int added;

		CHECK_EQ(before, exp_nd(&m, 3));
		if (fm_add_n(&m, 1, &added))
			goto out;
		CHECK_EQ(added, 1);
		v = vrq_vq_drv_notification_data(&m.p.drv, 3);
		if (v != before) {
			fprintf(stderr,
				"notification data 0x%08x with a buffer added but not published; "
				"0x%08x names the next descriptor not yet made available\n",
				v, before);
			vrq_test_failures++;
			goto out;
		}
		if (fm_drain(&m))
			goto out;
		CHECK_EQ(vrq_vq_drv_notification_data(&m.p.drv, 3), exp_nd(&m, 3));
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "  notification data with unpublished buffers failed [%s]\n", m.name);
	fm_close(&m);
	return rc;
}

/* Queue reset with buffers in flight at every stage. */
static int reset_round(struct fm *m)
{
	uint64_t first = m->consumed, n = m->added - m->consumed, i;
	uint8_t *seen = (uint8_t *)calloc(n + 1, 1);
	void *tok;
	int got, rc = -1;
	uint32_t k;

	if (!seen)
		return -1;
	for (i = 0; i < n + 2; i++) {
		uint64_t t;

		got = vrq_vq_drv_detach(&m->p.drv, &tok);
		if (!got)
			break;
		/* tokens are 1-based buffer numbers: in flight = [first, added) */
		t = (uint64_t)(uintptr_t)tok;
		if (t < first + 1 || t > m->added) {
			fprintf(stderr, "detach: token %llu not in flight [%llu, %llu]\n",
				(unsigned long long)t, (unsigned long long)first + 1,
				(unsigned long long)m->added);
			goto out;
		}
		if (seen[t - 1 - first]++) {
			fprintf(stderr, "detach: token %llu twice\n", (unsigned long long)t);
			goto out;
		}
	}
	if (i != n) {
		fprintf(stderr, "detach returned %llu tokens, %llu in flight\n",
			(unsigned long long)i, (unsigned long long)n);
		goto out;
	}
	if (vrq_vq_drv_detach(&m->p.drv, &tok) != 0)
		goto out;
	if (vrq_vq_drv_num_free(&m->p.drv) != m->size) {
		fprintf(stderr, "num_free %u after detach\n", vrq_vq_drv_num_free(&m->p.drv));
		goto out;
	}
	vrq_vq_drv_reset(&m->p.drv);
	vrq_vq_dev_reset(&m->p.dev);
	fm_model_reset(m);
	/* whether reset clears the counters is not specified: carry on from
	 * where they are */
	m->kicks = vrq_vq_drv_stats(&m->p.drv)->kicks;
	m->kick_decisions = m->kicks + vrq_vq_drv_stats(&m->p.drv)->kicks_suppressed;
	m->irqs = vrq_vq_dev_stats(&m->p.dev)->notifies;
	m->irq_decisions = m->irqs + vrq_vq_dev_stats(&m->p.dev)->notifies_suppressed;
	/* back to the start */
	if (vrq_vq_drv_num_free(&m->p.drv) != m->size || vrq_vq_drv_broken(&m->p.drv) ||
	    vrq_vq_dev_broken(&m->p.dev)) {
		fprintf(stderr, "queue not usable after reset\n");
		goto out;
	}
	if (!m->packed) {
		if (mem_avail_idx(m) != 0 || mem_used_idx(m) != 0 || mem_avail_flags(m) != 0 ||
		    mem_used_flags(m) != 0 ||
		    (m->tc.event_idx && (mem_used_event(m) != 0 || mem_avail_event(m) != 0))) {
			fprintf(stderr, "split ring not back at index 0 after reset\n");
			goto out;
		}
	} else {
		/* "The descriptor ring is zero-initialized": nothing may look
		 * available or used to wrap counters that restart at 1;
		 * event structures back to ENABLE */
		for (k = 0; k < m->size; k++)
			if (m16(m, 16 * (size_t)k + 14) & (P_AV | P_US)) {
				fprintf(stderr, "packed descriptor %u flags 0x%04x after reset\n", k,
					m16(m, 16 * (size_t)k + 14));
				goto out;
			}
		if (mem_drv_flags(m) || mem_drv_offwrap(m) || mem_dev_flags(m) ||
		    mem_dev_offwrap(m)) {
			fprintf(stderr, "packed event structures not reset\n");
			goto out;
		}
		CHECK_EQ(vrq_vq_drv_notification_data(&m->p.drv, 0), 1u << 31);
	}
	/* first buffer after reset: position / index 0 (head 0 with IN_ORDER) */
	if (fm_one(m))
		goto out;
	if (!m->packed && mem_avail_idx(m) != 1)
		goto out;
	rc = 0;
out:
	free(seen);
	CHECK_EQ(rc, 0);
	return 0;
}

static int test_reset(const struct vrq_test_vcfg *tc)
{
	struct fm m;
	int rc = -1, round, got;

	if (fm_open(&m, tc, VRQ_DOM_SMP, 0, 0, 11, NULL))
		goto out;
	for (round = 0; round < 6; round++) {
		unsigned i, k;

		/* some history, so positions are not at 0 */
		if (fm_random(&m, (uint64_t)(500 * g_scale) + 50))
			goto out;
		/* in flight at every stage:
		 * consumed < dev_published <= pushed <= popped <= published <= added
		 * (capped: detach rescans the id table on every call) */
		k = m.size < 600 ? m.size : 600;
		for (i = 0; i < k; i++)
			if (fm_add(&m))
				goto out;
		if (fm_publish(&m))
			goto out;
		k = rnd_below(&m, (unsigned)(m.published - m.popped) + 1);
		for (i = 0; i < k; i++)
			if (fm_pop(&m, &got))
				goto out;
		k = rnd_below(&m, (unsigned)(m.popped - m.pushed) + 1);
		for (i = 0; i < k; i++)
			if (fm_push(&m))
				goto out;
		if (fm_dev_publish(&m))
			goto out;
		/* the driver takes part of it (IN_ORDER: maybe mid-batch) */
		k = rnd_below(&m, (unsigned)(m.dev_published - m.consumed) + 1);
		for (i = 0; i < k; i++)
			if (fm_get(&m, &got))
				goto out;
		/* more pushed but not published, more added but not published */
		if (m.pushed < m.popped && fm_push(&m))
			goto out;
		if ((round & 1) && fm_get(&m, &got))
			goto out;
		if (m.free && fm_add(&m))
			goto out;
		if (reset_round(&m))
			goto out;
		/* and the queue keeps working, notifications included */
		if (fm_random(&m, (uint64_t)(500 * g_scale) + 50))
			goto out;
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "  reset failed [%s]\n", m.name);
	fm_close(&m);
	return rc;
}

/* Domains and NO_IDX_CACHE: identical observable behaviour. */
static int test_domains(const struct vrq_test_vcfg *tc)
{
	static const struct {
		enum vrq_domain dom;
		uint32_t flags;
	} var[] = {
		{VRQ_DOM_SMP, 0},
		{VRQ_DOM_IO, 0},
		{VRQ_DOM_SMP, VRQ_CFG_NO_IDX_CACHE},
		{VRQ_DOM_IO, VRQ_CFG_NO_IDX_CACHE},
		{VRQ_DOM_NONCOH, 0},
		{VRQ_DOM_NONCOH, VRQ_CFG_NO_IDX_CACHE},
	};
	uint64_t steps = (uint64_t)(4000 * g_scale) + 100, ref_trace = 0;
	uint64_t ref_kicks = 0, ref_irqs = 0;
	unsigned v;

	for (v = 0; v < sizeof(var) / sizeof(var[0]); v++) {
		struct fm m;
		int init_rc = 0, rc;

		rc = fm_open(&m, tc, var[v].dom, var[v].flags, 0, 99, &init_rc);
		/* the packed ring refuses NONCOH everywhere (packed.h explains) */
		if (var[v].dom == VRQ_DOM_NONCOH &&
		    (!vrq_domain_supported(VRQ_DOM_NONCOH) || tc->kind == VRQ_RING_PACKED)) {
			fm_close(&m);
			if (init_rc != -VRQ_ENOTSUP) {
				fprintf(stderr, "NONCOH refused here but init returned %d [%s]\n",
					init_rc, m.name);
				CHECK(0);
			}
			continue;
		}
		if (var[v].dom == VRQ_DOM_NONCOH) {
			struct vrq_split_layout l;
			struct vrq_split_ring r;

			vrq_split_layout_calc(tc->size, 64, &l);
			r = vrq_split_ring_at(m.p.ring_mem, &l);
			if (!vrq_test_noncoh_fits(r.desc, r.avail, r.used,
						  m.p.cfg.ind_max ? m.p.cfg.ind_pool : NULL)) {
				/* areas not on the cache granule: refused, not run */
				fm_close(&m);
				if (init_rc != -VRQ_EINVAL) {
					fprintf(stderr, "NONCOH off the %zu-byte granule: init %d [%s]\n",
						vrq_cache_line_size(), init_rc, m.name);
					CHECK(0);
				}
				continue;
			}
		}
		if (rc) {
			fprintf(stderr, "init %d [%s]\n", init_rc, m.name);
			fm_close(&m);
			CHECK(0);
		}
		rc = fm_random(&m, steps);
		if (!rc && v > 0 &&
		    (m.trace != ref_trace || m.kicks != ref_kicks || m.irqs != ref_irqs)) {
			fprintf(stderr, "trace differs from the SMP run: kicks %llu/%llu irqs %llu/%llu\n",
				(unsigned long long)m.kicks, (unsigned long long)ref_kicks,
				(unsigned long long)m.irqs, (unsigned long long)ref_irqs);
			rc = -1;
			vrq_test_failures++;
		}
		if (v == 0) {
			ref_trace = m.trace;
			ref_kicks = m.kicks;
			ref_irqs = m.irqs;
		}
		if (rc)
			fprintf(stderr, "  domain variant failed [%s]\n", m.name);
		fm_close(&m);
		if (rc)
			return -1;
	}
	return 0;
}

/* Init validation through vrq_vq_*_init. */
static int test_init_args(const struct vrq_test_vcfg *tc)
{
	struct vrq_test_vpair p;
	struct vrq_vq_cfg cfg;
	struct vrq_vq_drv drv;
	struct vrq_vq_dev dev;
	int ok = 0, packed = tc->kind == VRQ_RING_PACKED;
	char name[128];

	vrq_test_vcfg_str(tc, name, sizeof(name));
	if (vrq_test_vpair_init(&p, tc, 4096)) {
		vrq_test_vpair_fini(&p);
		fprintf(stderr, "vpair init failed [%s]\n", name);
		CHECK(0);
	}

#define BOTH_EINVAL(what)                                                                    \
	do {                                                                                 \
		int rd_ = vrq_vq_drv_init(&drv, &cfg), rv_ = vrq_vq_dev_init(&dev, &cfg);    \
		if (rd_ != -VRQ_EINVAL || rv_ != -VRQ_EINVAL) {                              \
			fprintf(stderr, "%s: drv init %d, dev init %d, expected %d\n", what, \
				rd_, rv_, -VRQ_EINVAL);                                      \
			if (!rd_)                                                            \
				vrq_vq_drv_fini(&drv);                                       \
			if (!rv_)                                                            \
				vrq_vq_dev_fini(&dev);                                       \
			goto out;                                                            \
		}                                                                            \
		cfg = p.cfg;                                                                 \
	} while (0)

	cfg = p.cfg;
	if (!packed) {
		/* split sizes are powers of two */
		cfg.size = 0;
		BOTH_EINVAL("split size 0");
		cfg.size = 3;
		BOTH_EINVAL("split size 3");
		cfg.size = 255;
		BOTH_EINVAL("split size 255");
		cfg.size = 1000;
		BOTH_EINVAL("split size 1000");
		cfg.size = (uint16_t)(tc->size * 3 > 65535 ? 65535 : tc->size * 3);
		BOTH_EINVAL("split size 3 * size");
		cfg.size = 65535;
		BOTH_EINVAL("split size 65535");
	} else {
		cfg.size = 0;
		BOTH_EINVAL("packed size 0");
		cfg.size = 32769;
		BOTH_EINVAL("packed size 32769");
		cfg.size = 65535;
		BOTH_EINVAL("packed size 65535");
	}
	cfg.ring = NULL;
	BOTH_EINVAL("NULL ring");
	cfg.ring = p.ring_mem + 8;
	BOTH_EINVAL("ring misaligned (8)");
	cfg.kind = (enum vrq_ring_kind)2;
	BOTH_EINVAL("kind 2");
	cfg.domain = (enum vrq_domain)3;
	BOTH_EINVAL("domain 3");
	cfg.area_align = 48;
	BOTH_EINVAL("area_align 48");
	if (vrq_vq_drv_init(&drv, NULL) != -VRQ_EINVAL || vrq_vq_dev_init(&dev, NULL) != -VRQ_EINVAL ||
	    vrq_vq_drv_init(NULL, &cfg) != -VRQ_EINVAL || vrq_vq_dev_init(NULL, &cfg) != -VRQ_EINVAL) {
		fprintf(stderr, "NULL cfg / handle accepted\n");
		goto out;
	}
	/* the device needs a memory map; the driver does not */
	cfg.mem = NULL;
	if (vrq_vq_dev_init(&dev, &cfg) != -VRQ_EINVAL) {
		fprintf(stderr, "device init without a memory map accepted\n");
		goto out;
	}
	if (vrq_vq_drv_init(&drv, &cfg) != 0) {
		fprintf(stderr, "driver init without a memory map refused\n");
		goto out;
	}
	vrq_vq_drv_fini(&drv);
	cfg = p.cfg;
	/* indirect pool: misaligned pointer or DA, or missing */
	if (tc->indirect) {
		cfg.ind_pool = (uint8_t *)p.cfg.ind_pool + 8;
		if (vrq_vq_drv_init(&drv, &cfg) != -VRQ_EINVAL)
			goto out;
		cfg = p.cfg;
		cfg.ind_pool_da += 8;
		if (vrq_vq_drv_init(&drv, &cfg) != -VRQ_EINVAL)
			goto out;
		cfg = p.cfg;
		cfg.ind_pool = NULL;
		if (vrq_vq_drv_init(&drv, &cfg) != -VRQ_EINVAL)
			goto out;
		cfg = p.cfg;
	}
	/* VRQ_F_RING_PACKED follows the kind, whatever the caller passed */
	cfg.features ^= VRQ_FEATURE(VRQ_F_RING_PACKED);
	{
		int rd = vrq_vq_drv_init(&drv, &cfg), rv = rd ? -1 : vrq_vq_dev_init(&dev, &cfg);

		if (!rd)
			vrq_vq_drv_fini(&drv);
		if (!rv)
			vrq_vq_dev_fini(&dev);
		if (rd || rv) {
			fprintf(stderr, "init with the RING_PACKED bit toggled: %d %d\n", rd, rv);
			goto out;
		}
	}
	cfg = p.cfg;
	/* caller-supplied private state is used and not freed by fini */
	{
		size_t dsz = packed ? vrq_packed_drv_priv_size(tc->size)
				    : vrq_split_drv_priv_size(tc->size);
		size_t vsz = packed ? vrq_packed_dev_priv_size(tc->size)
				    : vrq_split_dev_priv_size(tc->size);
		void *dp = malloc(dsz), *vp = malloc(vsz);
		int r1, r2;

		if (!dp || !vp) {
			free(dp);
			free(vp);
			goto out;
		}
		vrq_vq_drv_fini(&p.drv);
		vrq_vq_dev_fini(&p.dev);
		cfg.priv = dp;
		r1 = vrq_vq_drv_init(&p.drv, &cfg);
		cfg.priv = vp;
		r2 = vrq_vq_dev_init(&p.dev, &cfg);
		if (!r1 && !r2) {
			struct vrq_sg sg = {VRQ_TEST_BUF_DA, 16};
			struct vrq_seg seg[1];
			struct vrq_chain ch;
			void *tok = NULL;
			uint32_t len = 0;

			vrq_chain_init(&ch, seg, 1);
			r1 = vrq_vq_drv_add(&p.drv, &sg, 0, 1, &p) ||
			     vrq_vq_drv_kick_prepare(&p.drv) != 1 ||
			     vrq_vq_dev_pop(&p.dev, &ch) != 1 ||
			     vrq_vq_dev_push(&p.dev, ch.head, 5) ||
			     vrq_vq_dev_notify_prepare(&p.dev) != 1 ||
			     vrq_vq_drv_get_used(&p.drv, &tok, &len) != 1 || tok != (void *)&p ||
			     len != 5;
		}
		vrq_vq_drv_fini(&p.drv); /* must not free dp / vp */
		vrq_vq_dev_fini(&p.dev);
		memset(dp, 0x5a, dsz); /* still ours */
		memset(vp, 0x5a, vsz);
		free(dp);
		free(vp);
		memset(&p.drv, 0, sizeof(p.drv));
		memset(&p.dev, 0, sizeof(p.dev));
		if (r1 || r2) {
			fprintf(stderr, "init with caller priv: %d %d\n", r1, r2);
			goto out;
		}
	}
	ok = 1;
out:
#undef BOTH_EINVAL
	vrq_test_vpair_fini(&p);
	if (!ok)
		fprintf(stderr, "  init argument validation failed [%s]\n", name);
	CHECK(ok);
	return 0;
}

/* Packed sizes need not be powers of two; split sizes must be. */
static int test_init_sizes(void)
{
	static const uint16_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 100, 255, 256, 1000, 4096, 32767, 32768};
	struct vrq_mem mem;
	unsigned i;
	int kind;

	vrq_mem_init(&mem);
	for (kind = 0; kind < 2; kind++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint16_t n = sizes[i];
			int pow2 = !(n & (n - 1));
			size_t bytes = vrq_vq_ring_bytes((enum vrq_ring_kind)kind, n, 64);
			struct vrq_vq_cfg cfg;
			struct vrq_vq_drv drv;
			struct vrq_vq_dev dev;
			void *ring;
			int rd, rv, want = kind == VRQ_RING_PACKED || pow2 ? 0 : -VRQ_EINVAL;

			if (want) {
				CHECK_EQ(bytes, 0);
				bytes = 1 << 20;
			}
			ring = vrq_test_alloc(bytes);
			CHECK(ring != NULL);
			memset(&cfg, 0, sizeof(cfg));
			cfg.kind = (enum vrq_ring_kind)kind;
			cfg.size = n;
			cfg.features = VRQ_FEATURE(VRQ_F_VERSION_1);
			cfg.ring = ring;
			cfg.area_align = 64;
			cfg.mem = &mem;
			rd = vrq_vq_drv_init(&drv, &cfg);
			rv = vrq_vq_dev_init(&dev, &cfg);
			if (!rd)
				vrq_vq_drv_fini(&drv);
			if (!rv)
				vrq_vq_dev_fini(&dev);
			free(ring);
			if (rd != want || rv != want) {
				fprintf(stderr, "%s size %u: drv init %d, dev init %d, expected %d\n",
					kind ? "packed" : "split", n, rd, rv, want);
				CHECK(0);
			}
		}
	}
	return 0;
}

/* vrq_vq_ring_bytes() against the spec formulas. */
static int test_ring_bytes(void)
{
	static const size_t aligns[] = {64, 4096};
	unsigned a, n;

	for (a = 0; a < 2; a++) {
		for (n = 1; n <= 32768; n++) {
			struct lay l;
			int pow2 = !(n & (n - 1));

			/* split: desc 16N, avail 6 + 2N, used 6 + 8N, each area at
			 * its alignment rounded up to area_align */
			spec_layout(VRQ_RING_SPLIT, (uint16_t)n, aligns[a], &l);
			CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_SPLIT, (uint16_t)n, aligns[a]),
				 pow2 ? l.total : 0);
			/* packed: 16N descriptor ring + two 4-byte event structures */
			spec_layout(VRQ_RING_PACKED, (uint16_t)n, aligns[a], &l);
			CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_PACKED, (uint16_t)n, aligns[a]), l.total);
		}
		CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_SPLIT, 32768, aligns[a]),
			 alup(alup(alup(16 * 32768, aligns[a]) + 6 + 2 * 32768, aligns[a]) + 6 + 8 * 32768,
			      aligns[a]));
	}
	/* spot values at 64 */
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_SPLIT, 1, 64), 64 + 64 + 64);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_SPLIT, 256, 64), 4096 + 576 + 2112);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_PACKED, 1, 64), 64 + 64 + 64);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_PACKED, 3, 64), 64 + 64 + 64);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_PACKED, 255, 64), 4096 + 64 + 64);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_PACKED, 1000, 64), 16000 + 64 + 64);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_PACKED, 32768, 64), 524288 + 64 + 64);
	/* invalid: 0 */
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_SPLIT, 0, 64), 0);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_SPLIT, 3, 64), 0);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_SPLIT, 65535, 64), 0);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_PACKED, 0, 64), 0);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_PACKED, 32769, 64), 0);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_PACKED, 65535, 64), 0);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_SPLIT, 256, 48), 0);
	CHECK_EQ(vrq_vq_ring_bytes(VRQ_RING_PACKED, 256, 48), 0);
	return 0;
}

/* "0 if invalid": an unknown ring kind is invalid (init refuses it). */
static int test_ring_bytes_kind(void)
{
	size_t b = vrq_vq_ring_bytes((enum vrq_ring_kind)2, 256, 64);

	if (b != 0) {
		fprintf(stderr, "vrq_vq_ring_bytes(kind 2, 256, 64) = %zu, expected 0 (init of kind 2 "
				"returns -VRQ_EINVAL)\n",
			b);
		CHECK(0);
	}
	return 0;
}

/* Architecture support for non-coherent queues. */
static int test_domain_support(void)
{
	CHECK_EQ(vrq_domain_supported(VRQ_DOM_SMP), 1);
	CHECK_EQ(vrq_domain_supported(VRQ_DOM_IO), 1);
	if (!strcmp(VRQ_ARCH_NAME, "x86_64") || !strcmp(VRQ_ARCH_NAME, "aarch64"))
		CHECK_EQ(vrq_domain_supported(VRQ_DOM_NONCOH), 1);
	if (!strcmp(VRQ_ARCH_NAME, "generic"))
		CHECK_EQ(vrq_domain_supported(VRQ_DOM_NONCOH), 0);
	printf("arch %s: NONCOH %s\n", VRQ_ARCH_NAME,
	       vrq_domain_supported(VRQ_DOM_NONCOH) ? "supported" : "not supported");
	return 0;
}

int main(void)
{
	static const struct {
		const char *name;
		int (*fn)(const struct vrq_test_vcfg *);
	} tests[] = {
		{"init_args", test_init_args},
		{"sequences", test_sequences},
		{"random", test_random},
		{"wrap", test_wrap},
		{"notification_data_pending", test_notification_data_pending},
		{"reset", test_reset},
		{"domains", test_domains},
	};
	const char *s = getenv("VRQ_TEST_SCALE");

	if (s && strtod(s, NULL) > 0.0)
		g_scale = strtod(s, NULL);
	if (test_domain_support())
		fprintf(stderr, "FAILED: domain support\n");
	if (test_ring_bytes())
		fprintf(stderr, "FAILED: ring bytes\n");
	if (test_ring_bytes_kind())
		fprintf(stderr, "FAILED: ring bytes of an invalid kind\n");
	if (test_init_sizes())
		fprintf(stderr, "FAILED: init sizes\n");
	VRQ_FOR_EACH_VCONFIG(tc)
	{
		unsigned i;

		/* every test runs, so that one failure does not hide another */
		for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
			int fails = vrq_test_failures;

			if (tests[i].fn(&tc)) {
				char name[128];

				vrq_test_vcfg_str(&tc, name, sizeof(name));
				fprintf(stderr, "FAILED: %s [%s]\n", tests[i].name, name);
				if (vrq_test_failures == fails)
					vrq_test_failures++;
			}
		}
	}
	return vrq_test_done("test_vq_features");
}
