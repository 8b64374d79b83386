/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_split_features.c - notification suppression and the rest
 * of the split ring's features, over the VRQ_FOR_EACH_CONFIG matrix.
 *
 *  - kick decisions: without EVENT_IDX they follow used->flags NO_NOTIFY
 *    (vrq_split_dev_disable_kick / enable_kick); with EVENT_IDX they follow
 *    avail_event: "notify if the entry at index avail_event was among those
 *    published since the last decision".  Interrupt decisions likewise
 *    (vrq_split_drv_disable_cb / enable_cb, avail->flags / used_event).
 *    A model predicts every decision, and each decision is also checked
 *    against the event field / flags found at the spec location in ring
 *    memory; kicks / kicks_suppressed (notifies / notifies_suppressed) must
 *    equal the predicted counts;
 *  - enable_kick / enable_cb return true exactly when work is pending;
 *  - NOTIFICATION_DATA (vqn | avail_idx << 16) across the 16-bit wrap;
 *  - queue reset: detach returns exactly the in-flight tokens, each once,
 *    from every stage; after drv/dev reset the ring restarts at index 0;
 *  - ordering domains (SMP, IO, NONCOH where supported, ENOTSUP elsewhere)
 *    and VRQ_CFG_NO_IDX_CACHE give identical observable results;
 *  - init argument validation.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrq_test.h"

#define BUF_STRIDE 16 /* bytes per buffer slot */
#define BUF_LEN 8

static double g_scale = 1.0;

/* ---- model ---------------------------------------------------------------------- */

struct fm {
	struct vrq_test_pair p;
	struct vrq_test_cfg tc;
	char name[160];
	uint16_t size, mask;
	uint64_t rng;
	/* buffer counters (64-bit; the ring sees them mod 2^16) */
	uint64_t added, published, popped, pushed, dev_published, consumed;
	uint16_t *heads; /* popped heads in order: [pushed, popped) */
	uint32_t *lens;	 /* used len per pushed buffer: [consumed, pushed) */
	/* available-buffer notifications (kicks) */
	int kick_on;	 /* device asked for kicks */
	uint16_t kick_ev;  /* EVENT_IDX: the index it asked about */
	uint16_t kick_dis; /* last_avail when it disabled them */
	uint16_t kick_old; /* avail idx at the previous kick decision */
	uint64_t kicks, kick_decisions;
	/* used-buffer notifications (interrupts) */
	int cb_on;
	uint16_t cb_ev, cb_dis, irq_old;
	uint64_t irqs, irq_decisions;
	uint64_t unknown; /* decisions the model could not predict exactly */
	struct vrq_split_cfg cfg0; /* the pair's config as vrq_test_pair_init made it */
	uint64_t trace;	  /* FNV-1a over everything observed */
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

/* event index @ev among the entries old, old+1, ..., cur-1 (mod 2^16) */
static int in_window(uint16_t ev, uint16_t old, uint16_t cur)
{
	return (uint16_t)(ev - old) < (uint16_t)(cur - old);
}

/* Spec locations: used_event = avail->ring[size], avail_event = used->ring[size]. */
static uint16_t mem_used_event(const struct fm *m)
{
	vrq_le16 v;

	memcpy(&v, (const uint8_t *)m->p.cfg.ring.avail + 4 + 2 * (size_t)m->size, 2);
	return vrq_le16_to_cpu(v);
}

static uint16_t mem_avail_event(const struct fm *m)
{
	vrq_le16 v;

	memcpy(&v, (const uint8_t *)m->p.cfg.ring.used + 4 + 8 * (size_t)m->size, 2);
	return vrq_le16_to_cpu(v);
}

static uint16_t mem_avail_flags(const struct fm *m)
{
	return vrq_le16_to_cpu(m->p.cfg.ring.avail->flags);
}

static uint16_t mem_used_flags(const struct fm *m)
{
	return vrq_le16_to_cpu(m->p.cfg.ring.used->flags);
}

static void fm_model_reset(struct fm *m)
{
	m->added = m->published = m->popped = m->pushed = m->dev_published = m->consumed = 0;
	/* fresh ring: flags 0 and event indices 0 = notifications wanted from
	 * entry 0 on */
	m->kick_on = m->cb_on = 1;
	m->kick_ev = m->cb_ev = 0;
	m->kick_old = m->irq_old = 0;
}

/*
 * Re-initialise both roles over the pair's memory with a domain, config
 * flags and extra features, and restart the model with @p seed.  0, or the
 * failing init result (both roles are then left uninitialised).  Every
 * scenario starts with this: one pair (memory) per config is enough.
 */
static int fm_reinit(struct fm *m, enum vrq_domain dom, uint32_t flags, uint64_t extra,
		     uint64_t seed)
{
	int rc;

	vrq_split_drv_fini(&m->p.drv);
	vrq_split_dev_fini(&m->p.dev);
	m->p.cfg = m->cfg0;
	m->p.cfg.domain = dom;
	m->p.cfg.flags = flags;
	m->p.cfg.features |= extra;
	vrq_test_cfg_str(&m->tc, m->name, sizeof(m->name));
	snprintf(m->name + strlen(m->name), sizeof(m->name) - strlen(m->name),
		 " domain=%d flags=%u%s", (int)dom, flags, extra ? " +features" : "");
	rc = vrq_split_drv_init(&m->p.drv, &m->p.cfg);
	if (!rc) {
		rc = vrq_split_dev_init(&m->p.dev, &m->p.cfg);
		if (rc)
			vrq_split_drv_fini(&m->p.drv);
	}
	if (rc) {
		memset(&m->p.drv, 0, sizeof(m->p.drv));
		memset(&m->p.dev, 0, sizeof(m->p.dev));
		return rc;
	}
	m->rng = seed * 0x9e3779b97f4a7c15ull + 12345;
	m->trace = 0xcbf29ce484222325ull;
	m->kicks = m->kick_decisions = m->irqs = m->irq_decisions = m->unknown = 0;
	fm_model_reset(m);
	return 0;
}

/* The pair (memory, map, roles) for one config.  0 or -1. */
static int fm_open(struct fm *m, const struct vrq_test_cfg *tc)
{
	memset(m, 0, sizeof(*m));
	m->tc = *tc;
	vrq_test_cfg_str(tc, m->name, sizeof(m->name));
	m->size = tc->size;
	m->mask = (uint16_t)(tc->size - 1);
	m->heads = (uint16_t *)calloc(tc->size, sizeof(*m->heads));
	m->lens = (uint32_t *)calloc(tc->size, sizeof(*m->lens));
	if (!m->heads || !m->lens)
		return -1;
	if (vrq_test_pair_init(&m->p, tc, (size_t)tc->size * BUF_STRIDE)) {
		fprintf(stderr, "pair init failed: %s\n", m->name);
		return -1;
	}
	m->cfg0 = m->p.cfg;
	return fm_reinit(m, VRQ_DOM_SMP, 0, 0, 1) ? -1 : 0;
}

static void fm_close(struct fm *m)
{
	vrq_test_pair_fini(&m->p);
	free(m->heads);
	free(m->lens);
	m->heads = NULL;
	m->lens = NULL;
}

/* ---- operations with predictions -------------------------------------------------- */

static int fm_add(struct fm *m)
{
	struct vrq_sg sg;
	int rc;

	sg.addr = vrq_test_buf_da(&m->p, (size_t)(m->added & m->mask) * BUF_STRIDE);
	sg.len = BUF_LEN;
	rc = vrq_split_drv_add(&m->p.drv, &sg, 0, 1, (void *)(uintptr_t)(m->added + 1));
	if (m->added - m->consumed >= m->size) {
		CHECK_EQ(rc, -VRQ_ENOSPC);
		return 0;
	}
	CHECK_EQ(rc, 0);
	m->added++;
	CHECK_EQ(vrq_split_drv_num_free(&m->p.drv), m->size - (m->added - m->consumed));
	return 0;
}

static int fm_publish(struct fm *m)
{
	vrq_split_drv_publish(&m->p.drv);
	m->published = m->added;
	CHECK_EQ(vrq_le16_to_cpu(m->p.cfg.ring.avail->idx), (uint16_t)m->published);
	return 0;
}

/* Kick decision; @prepare: through vrq_split_drv_kick_prepare (publishes). */
static int fm_kick(struct fm *m, int prepare)
{
	uint16_t cur, old = m->kick_old;
	int got, exp, ref, known = 1;

	if (prepare)
		m->published = m->added;
	cur = (uint16_t)m->published;
	/* what the device asked for, in ring memory */
	if (m->tc.event_idx) {
		ref = in_window(mem_avail_event(m), old, cur);
		if (m->kick_on)
			CHECK_EQ(mem_avail_event(m), m->kick_ev);
	} else {
		ref = !(mem_used_flags(m) & VRQ_USED_F_NO_NOTIFY);
		CHECK_EQ(mem_used_flags(m), m->kick_on ? 0 : VRQ_USED_F_NO_NOTIFY);
	}
	/* what the model predicts */
	if (cur == old) {
		exp = 0;
	} else if (!m->kick_on) {
		/* disabled: nothing, provided our previous decision was not
		 * behind the point where the device disabled (suppression is
		 * best effort with EVENT_IDX) */
		exp = 0;
		known = !m->tc.event_idx || (uint16_t)(old - m->kick_dis) < 0x8000;
	} else {
		exp = m->tc.event_idx ? in_window(m->kick_ev, old, cur) : 1;
	}
	got = prepare ? vrq_split_drv_kick_prepare(&m->p.drv) : vrq_split_drv_need_kick(&m->p.drv);
	tr(m, 0x100 | (unsigned)got);
	if (cur != old) {
		if (got != ref) {
			fprintf(stderr,
				"kick decision %d but ring memory says %d (old %u cur %u avail_event "
				"%u used.flags %u)\n",
				got, ref, old, cur, mem_avail_event(m), mem_used_flags(m));
			CHECK(0);
		}
		if (known && got != exp) {
			fprintf(stderr, "kick decision %d, predicted %d (old %u cur %u on %d ev %u)\n",
				got, exp, old, cur, m->kick_on, m->kick_ev);
			CHECK(0);
		}
		m->unknown += !known;
		m->kick_old = cur;
		m->kick_decisions++;
		m->kicks += got;
	} else {
		CHECK_EQ(got, 0); /* nothing new: no kick, not counted */
	}
	CHECK_EQ(m->p.drv.st.kicks, m->kicks);
	CHECK_EQ(m->p.drv.st.kicks_suppressed, m->kick_decisions - m->kicks);
	CHECK_EQ(vrq_le16_to_cpu(m->p.cfg.ring.avail->idx), (uint16_t)m->published);
	return 0;
}

static int fm_pop(struct fm *m, int *got)
{
	struct vrq_seg seg[2];
	struct vrq_chain ch;
	int rc;

	vrq_chain_init(&ch, seg, 2);
	rc = vrq_split_dev_pop(&m->p.dev, &ch);
	tr(m, 0x200 | (unsigned)(rc & 0xff));
	if (m->popped == m->published) {
		CHECK_EQ(rc, 0);
		*got = 0;
		return 0;
	}
	CHECK_EQ(rc, 1);
	CHECK_EQ(ch.n, 1);
	CHECK_EQ(ch.in_len, BUF_LEN);
	CHECK(seg[0].addr == vrq_test_buf_da(&m->p, (size_t)(m->popped & m->mask) * BUF_STRIDE));
	CHECK(seg[0].va == m->p.buf_mem + (size_t)(m->popped & m->mask) * BUF_STRIDE);
	if (m->tc.in_order)
		CHECK_EQ(ch.head, (uint16_t)(m->popped & m->mask));
	tr(m, ch.head);
	m->heads[m->popped & m->mask] = ch.head;
	m->popped++;
	*got = 1;
	return 0;
}

static int fm_push(struct fm *m)
{
	uint32_t len = rnd_below(m, 3) ? BUF_LEN : rnd_below(m, BUF_LEN);

	CHECK(m->pushed < m->popped);
	CHECK_EQ(vrq_split_dev_push(&m->p.dev, m->heads[m->pushed & m->mask], len), 0);
	m->lens[m->pushed & m->mask] = len;
	m->pushed++;
	return 0;
}

static int fm_dev_publish(struct fm *m)
{
	vrq_split_dev_publish(&m->p.dev);
	m->dev_published = m->pushed;
	CHECK_EQ(vrq_le16_to_cpu(m->p.cfg.ring.used->idx), (uint16_t)m->dev_published);
	return 0;
}

/* Interrupt decision; @prepare: through vrq_split_dev_notify_prepare. */
static int fm_irq(struct fm *m, int prepare)
{
	uint16_t cur, old = m->irq_old;
	int got, exp, ref, known = 1;

	if (prepare)
		m->dev_published = m->pushed;
	cur = (uint16_t)m->dev_published;
	if (m->tc.event_idx) {
		ref = in_window(mem_used_event(m), old, cur);
		if (m->cb_on)
			CHECK_EQ(mem_used_event(m), m->cb_ev);
	} else {
		ref = !(mem_avail_flags(m) & VRQ_AVAIL_F_NO_INTERRUPT);
		CHECK_EQ(mem_avail_flags(m), m->cb_on ? 0 : VRQ_AVAIL_F_NO_INTERRUPT);
	}
	if (cur == old) {
		exp = 0;
	} else if (!m->cb_on) {
		exp = 0;
		known = !m->tc.event_idx || (uint16_t)(old - m->cb_dis) < 0x8000;
	} else {
		exp = m->tc.event_idx ? in_window(m->cb_ev, old, cur) : 1;
	}
	got = prepare ? vrq_split_dev_notify_prepare(&m->p.dev)
		      : vrq_split_dev_need_notify(&m->p.dev);
	tr(m, 0x300 | (unsigned)got);
	if (cur != old) {
		if (got != ref) {
			fprintf(stderr,
				"notify decision %d but ring memory says %d (old %u cur %u used_event "
				"%u avail.flags %u)\n",
				got, ref, old, cur, mem_used_event(m), mem_avail_flags(m));
			CHECK(0);
		}
		if (known && got != exp) {
			fprintf(stderr, "notify decision %d, predicted %d (old %u cur %u on %d ev %u)\n",
				got, exp, old, cur, m->cb_on, m->cb_ev);
			CHECK(0);
		}
		m->unknown += !known;
		m->irq_old = cur;
		m->irq_decisions++;
		m->irqs += got;
	} else {
		CHECK_EQ(got, 0);
	}
	CHECK_EQ(m->p.dev.st.notifies, m->irqs);
	CHECK_EQ(m->p.dev.st.notifies_suppressed, m->irq_decisions - m->irqs);
	CHECK_EQ(vrq_le16_to_cpu(m->p.cfg.ring.used->idx), (uint16_t)m->dev_published);
	return 0;
}

static int fm_get(struct fm *m, int *got)
{
	void *tok = NULL;
	uint32_t len = 0xffffffff;
	int rc = vrq_split_drv_get_used(&m->p.drv, &tok, &len);

	tr(m, 0x400 | (unsigned)(rc & 0xff));
	if (m->consumed == m->dev_published) {
		CHECK_EQ(rc, 0);
		*got = 0;
		return 0;
	}
	CHECK_EQ(rc, 1);
	CHECK(tok == (void *)(uintptr_t)(m->consumed + 1));
	CHECK_EQ(len, m->lens[m->consumed & m->mask]);
	tr(m, (uintptr_t)tok);
	tr(m, len);
	m->consumed++;
	CHECK_EQ(vrq_split_drv_num_free(&m->p.drv), m->size - (m->added - m->consumed));
	*got = 1;
	return 0;
}

static int fm_enable_kick(struct fm *m)
{
	int exp = (uint16_t)m->published != (uint16_t)m->popped; /* pending */
	int got = vrq_split_dev_enable_kick(&m->p.dev);

	tr(m, 0x500 | (unsigned)got);
	if (got != exp) {
		fprintf(stderr, "enable_kick = %d with %llu published, %llu popped\n", got,
			(unsigned long long)m->published, (unsigned long long)m->popped);
		CHECK(0);
	}
	m->kick_on = 1;
	m->kick_ev = (uint16_t)m->popped;
	if (m->tc.event_idx)
		CHECK_EQ(mem_avail_event(m), m->kick_ev);
	else
		CHECK_EQ(mem_used_flags(m), 0);
	return 0;
}

static int fm_disable_kick(struct fm *m)
{
	vrq_split_dev_disable_kick(&m->p.dev);
	m->kick_on = 0;
	m->kick_dis = (uint16_t)m->popped;
	if (!m->tc.event_idx)
		CHECK_EQ(mem_used_flags(m), VRQ_USED_F_NO_NOTIFY);
	return 0;
}

static int fm_enable_cb(struct fm *m)
{
	int exp = (uint16_t)m->dev_published != (uint16_t)m->consumed;
	int got = vrq_split_drv_enable_cb(&m->p.drv);

	tr(m, 0x600 | (unsigned)got);
	if (got != exp) {
		fprintf(stderr, "enable_cb = %d with %llu used published, %llu consumed\n", got,
			(unsigned long long)m->dev_published, (unsigned long long)m->consumed);
		CHECK(0);
	}
	m->cb_on = 1;
	m->cb_ev = (uint16_t)m->consumed;
	if (m->tc.event_idx)
		CHECK_EQ(mem_used_event(m), m->cb_ev);
	else
		CHECK_EQ(mem_avail_flags(m), 0);
	return 0;
}

static int fm_disable_cb(struct fm *m)
{
	vrq_split_drv_disable_cb(&m->p.drv);
	m->cb_on = 0;
	m->cb_dis = (uint16_t)m->consumed;
	if (!m->tc.event_idx)
		CHECK_EQ(mem_avail_flags(m), VRQ_AVAIL_F_NO_INTERRUPT);
	return 0;
}

/* Round trip everything in flight (with decisions). */
static int fm_drain(struct fm *m)
{
	int got = 1;

	if (fm_kick(m, 1))
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
	CHECK_EQ(vrq_split_drv_num_free(&m->p.drv), m->size);
	return 0;
}

static int fm_no_errors(const struct fm *m)
{
	unsigned i;

	for (i = 0; i < VRQ_PEER_ERR_COUNT; i++)
		if (m->p.drv.st.peer_err[i] || m->p.dev.st.peer_err[i])
			return 0;
	return !vrq_split_drv_broken(&m->p.drv) && !vrq_split_dev_broken(&m->p.dev) &&
	       m->p.drv.st.used_len_clamped == 0;
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
			if (fm_kick(m, rnd_below(m, 2)))
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
			if (fm_irq(m, rnd_below(m, 2)))
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
	return 0;
}

static int test_random(struct fm *m)
{
	int rc = fm_reinit(m, VRQ_DOM_SMP, 0, 0, 7);

	if (!rc)
		rc = fm_random(m, (uint64_t)(20000 * g_scale) + 200);
	if (rc)
		fprintf(stderr, "  random notification scenario failed [%s]\n", m->name);
	return rc;
}

/* The spelled-out sequences: kicks. */
static int kick_sequence(struct fm *m)
{
	int got, i;

	/* fresh ring: the device wants a kick for the first buffer */
	if (fm_add(m) || fm_kick(m, 1))
		return -1;
	CHECK_EQ(m->p.drv.st.kicks, 1);
	if (fm_drain(m))
		return -1;
	/* a decision with nothing new: false, not counted */
	CHECK_EQ(vrq_split_drv_need_kick(&m->p.drv), 0);
	CHECK_EQ(m->p.drv.st.kicks + m->p.drv.st.kicks_suppressed, m->kick_decisions);

	/* device enables kicks at last_avail = X with nothing pending */
	CHECK_EQ(vrq_split_dev_enable_kick(&m->p.dev), 0);
	m->kick_on = 1;
	m->kick_ev = (uint16_t)m->popped;
	/* publishing X + 1 kicks exactly once ... */
	{
		uint64_t k0 = m->p.drv.st.kicks, s0 = m->p.drv.st.kicks_suppressed;

		if (fm_add(m))
			return -1;
		CHECK_EQ(vrq_split_drv_kick_prepare(&m->p.drv), 1);
		m->published = m->added;
		m->kick_old = (uint16_t)m->published;
		m->kick_decisions++;
		m->kicks++;
		CHECK_EQ(m->p.drv.st.kicks, k0 + 1);
		/* ... and further publishes do not, until re-enabled (EVENT_IDX);
		 * without EVENT_IDX the flag stays clear: every one kicks */
		for (i = 0; i < 5; i++) {
			if (fm_pop(m, &got) || (got && fm_push(m)) || fm_irq(m, 1) ||
			    fm_get(m, &got) || fm_add(m))
				return -1;
			CHECK_EQ(vrq_split_drv_kick_prepare(&m->p.drv), !m->tc.event_idx);
			m->published = m->added;
			m->kick_old = (uint16_t)m->published;
			m->kick_decisions++;
			m->kicks += !m->tc.event_idx;
		}
		CHECK_EQ(m->p.drv.st.kicks, k0 + 1 + (m->tc.event_idx ? 0 : 5));
		CHECK_EQ(m->p.drv.st.kicks_suppressed, s0 + (m->tc.event_idx ? 5 : 0));
	}
	/* buffers pending: enable_kick says so */
	CHECK_EQ(vrq_split_dev_enable_kick(&m->p.dev), 1);
	m->kick_ev = (uint16_t)m->popped;
	if (fm_drain(m))
		return -1;
	/* disabled: no kick in either mode */
	if (fm_disable_kick(m))
		return -1;
	for (i = 0; i < 3; i++) {
		if (fm_add(m))
			return -1;
		CHECK_EQ(vrq_split_drv_kick_prepare(&m->p.drv), 0);
		m->published = m->added;
		m->kick_old = (uint16_t)m->published;
		m->kick_decisions++;
		if (fm_pop(m, &got) || fm_push(m) || fm_irq(m, 1) || fm_get(m, &got))
			return -1;
	}
	/* re-enabled with nothing pending: the next publish kicks */
	CHECK_EQ(vrq_split_dev_enable_kick(&m->p.dev), 0);
	m->kick_on = 1;
	m->kick_ev = (uint16_t)m->popped;
	if (fm_add(m))
		return -1;
	CHECK_EQ(vrq_split_drv_kick_prepare(&m->p.drv), 1);
	m->published = m->added;
	m->kick_old = (uint16_t)m->published;
	m->kick_decisions++;
	m->kicks++;
	CHECK_EQ(m->p.drv.st.kicks, m->kicks);
	CHECK_EQ(m->p.drv.st.kicks_suppressed, m->kick_decisions - m->kicks);
	return fm_drain(m);
}

/* The spelled-out sequences: interrupts. */
static int irq_sequence(struct fm *m)
{
	int got, i;

	if (fm_add(m) || fm_kick(m, 1) || fm_pop(m, &got) || fm_push(m))
		return -1;
	/* fresh ring: the driver wants an interrupt for the first buffer */
	CHECK_EQ(vrq_split_dev_notify_prepare(&m->p.dev), 1);
	m->dev_published = m->pushed;
	m->irq_old = (uint16_t)m->dev_published;
	m->irq_decisions++;
	m->irqs++;
	/* nothing new: false, not counted */
	CHECK_EQ(vrq_split_dev_need_notify(&m->p.dev), 0);
	CHECK_EQ(m->p.dev.st.notifies, 1);
	CHECK_EQ(m->p.dev.st.notifies_suppressed, 0);
	/* used buffer pending: enable_cb says so */
	CHECK_EQ(vrq_split_drv_enable_cb(&m->p.drv), 1);
	m->cb_on = 1;
	m->cb_ev = (uint16_t)m->consumed;
	if (fm_get(m, &got))
		return -1;
	CHECK_EQ(got, 1);
	/* nothing pending now */
	CHECK_EQ(vrq_split_drv_enable_cb(&m->p.drv), 0);
	m->cb_on = 1;
	m->cb_ev = (uint16_t)m->consumed;
	/* the next used buffer interrupts; later ones only without EVENT_IDX */
	for (i = 0; i < 6; i++) {
		if (fm_add(m) || fm_kick(m, 1) || fm_pop(m, &got) || fm_push(m))
			return -1;
		CHECK_EQ(vrq_split_dev_notify_prepare(&m->p.dev), i == 0 || !m->tc.event_idx);
		m->dev_published = m->pushed;
		m->irq_old = (uint16_t)m->dev_published;
		m->irq_decisions++;
		m->irqs += i == 0 || !m->tc.event_idx;
		if (fm_get(m, &got))
			return -1;
	}
	CHECK_EQ(m->p.dev.st.notifies, m->irqs);
	CHECK_EQ(m->p.dev.st.notifies_suppressed, m->irq_decisions - m->irqs);
	/* disabled: none */
	if (fm_disable_cb(m))
		return -1;
	for (i = 0; i < 4; i++) {
		if (fm_add(m) || fm_kick(m, 1) || fm_pop(m, &got) || fm_push(m))
			return -1;
		CHECK_EQ(vrq_split_dev_notify_prepare(&m->p.dev), 0);
		m->dev_published = m->pushed;
		m->irq_old = (uint16_t)m->dev_published;
		m->irq_decisions++;
		if (fm_get(m, &got))
			return -1;
	}
	/* batch: several buffers pushed, one publish, one decision */
	if (fm_enable_cb(m))
		return -1;
	{
		unsigned k = m->size < 4 ? m->size : 4, j;

		for (j = 0; j < k; j++)
			if (fm_add(m))
				return -1;
		if (fm_kick(m, 1))
			return -1;
		for (j = 0; j < k; j++)
			if (fm_pop(m, &got) || fm_push(m))
				return -1;
		CHECK_EQ(vrq_split_dev_notify_prepare(&m->p.dev), 1);
		m->dev_published = m->pushed;
		m->irq_old = (uint16_t)m->dev_published;
		m->irq_decisions++;
		m->irqs++;
	}
	CHECK_EQ(m->p.dev.st.notifies, m->irqs);
	CHECK_EQ(m->p.dev.st.notifies_suppressed, m->irq_decisions - m->irqs);
	return fm_drain(m);
}

static int test_sequences(struct fm *m)
{
	int rc = fm_reinit(m, VRQ_DOM_SMP, 0, 0, 3);

	if (!rc)
		rc = kick_sequence(m);
	if (rc) {
		fprintf(stderr, "  kick sequence failed [%s]\n", m->name);
		return rc;
	}
	rc = fm_reinit(m, VRQ_DOM_SMP, 0, 0, 4);
	if (!rc)
		rc = irq_sequence(m);
	if (rc)
		fprintf(stderr, "  interrupt sequence failed [%s]\n", m->name);
	return rc;
}

/*
 * NOTIFICATION_DATA: vqn | avail_idx << 16, across the 16-bit wrap.  A lean
 * loop (it has to run 65536+ buffers per config): tokens, lengths and
 * indices are still checked at every step.
 */
static int nd_check(struct fm *m, uint64_t published)
{
	static const uint16_t vqns[] = {0, 1, 0x1234, 0xffff};
	unsigned i;

	for (i = 0; i < sizeof(vqns) / sizeof(vqns[0]); i++) {
		uint32_t v = vrq_split_drv_notification_data(&m->p.drv, vqns[i]);

		/* le32 { vqn : 16; next_off : 15; next_wrap : 1; } */
		if ((v & 0xffff) != vqns[i] || (v >> 16) != (uint16_t)published ||
		    ((v >> 16) & 0x7fff) != (published & 0x7fff) ||
		    (v >> 31) != ((published >> 15) & 1)) {
			fprintf(stderr, "notification data 0x%08x for vqn %u after %llu published\n", v,
				vqns[i], (unsigned long long)published);
			CHECK(0);
		}
	}
	return 0;
}

static int nd_loop(struct fm *m, uint64_t target)
{
	struct vrq_seg seg[2];
	struct vrq_chain ch;
	uint64_t added = 0, published = 0;

	if (nd_check(m, 0))
		return -1;
	while (published < target) {
		/* one buffer per publish around the points where bit 15 and
		 * the whole index roll over, bigger batches elsewhere */
		uint16_t lo = (uint16_t)(published & 0x7fff);
		unsigned k = lo >= 0x7ffd || lo <= 2 ? 1 : 64, i;
		struct vrq_sg sg;
		int rc;

		if (k > m->size)
			k = m->size;
		for (i = 0; i < k; i++) {
			sg.addr = vrq_test_buf_da(&m->p, (size_t)(added & m->mask) * BUF_STRIDE);
			sg.len = BUF_LEN;
			rc = vrq_split_drv_add(&m->p.drv, &sg, 0, 1, (void *)(uintptr_t)(added + 1));
			CHECK_EQ(rc, 0);
			added++;
		}
		/* not published yet: the value still names the old index */
		if (nd_check(m, published))
			return -1;
		vrq_split_drv_publish(&m->p.drv);
		published = added;
		CHECK_EQ(vrq_le16_to_cpu(m->p.cfg.ring.avail->idx), (uint16_t)published);
		if (nd_check(m, published))
			return -1;
		for (i = 0; i < k; i++) {
			vrq_chain_init(&ch, seg, 2);
			CHECK_EQ(vrq_split_dev_pop(&m->p.dev, &ch), 1);
			CHECK_EQ(vrq_split_dev_push(&m->p.dev, ch.head, i % (BUF_LEN + 1)), 0);
		}
		vrq_split_dev_publish(&m->p.dev);
		for (i = 0; i < k; i++) {
			void *tok = NULL;
			uint32_t len = 0xffffffff;

			CHECK_EQ(vrq_split_drv_get_used(&m->p.drv, &tok, &len), 1);
			CHECK(tok == (void *)(uintptr_t)(added - k + i + 1));
			CHECK_EQ(len, i % (BUF_LEN + 1));
		}
		CHECK_EQ(vrq_split_drv_num_free(&m->p.drv), m->size);
	}
	CHECK(published > 65536);
	CHECK_EQ(m->p.drv.st.used_len_clamped, 0);
	return 0;
}

static int test_notification_data(struct fm *m)
{
	int rc = fm_reinit(m, VRQ_DOM_SMP, 0, VRQ_FEATURE(VRQ_F_NOTIFICATION_DATA), 5);

	if (!rc)
		rc = nd_loop(m, 65536 + 300);
	if (rc)
		fprintf(stderr, "  notification data failed [%s]\n", m->name);
	return rc;
}

/* Queue reset with buffers in flight at every stage. */
static int reset_round(struct fm *m)
{
	uint64_t first = m->consumed, n = m->added - m->consumed, i;
	uint8_t *seen = (uint8_t *)calloc(n + 1, 1);
	void *tok;
	int got, rc = -1;

	if (!seen)
		return -1;
	for (i = 0; i < n + 2; i++) {
		got = vrq_split_drv_detach(&m->p.drv, &tok);
		if (!got)
			break;
		{
			uint64_t t = (uint64_t)(uintptr_t)tok;

			/* tokens are 1-based buffer numbers: in flight = [first, added) */
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
	}
	if (i != n) {
		fprintf(stderr, "detach returned %llu tokens, %llu in flight\n",
			(unsigned long long)i, (unsigned long long)n);
		goto out;
	}
	if (vrq_split_drv_detach(&m->p.drv, &tok) != 0)
		goto out;
	if (vrq_split_drv_num_free(&m->p.drv) != m->size)
		goto out;
	vrq_split_drv_reset(&m->p.drv);
	vrq_split_dev_reset(&m->p.dev);
	fm_model_reset(m);
	/* whether reset clears the counters is not specified: carry on from
	 * where they are */
	m->kicks = m->p.drv.st.kicks;
	m->kick_decisions = m->kicks + m->p.drv.st.kicks_suppressed;
	m->irqs = m->p.dev.st.notifies;
	m->irq_decisions = m->irqs + m->p.dev.st.notifies_suppressed;
	/* back to index 0 */
	if (vrq_le16_to_cpu(m->p.cfg.ring.avail->idx) != 0 ||
	    vrq_le16_to_cpu(m->p.cfg.ring.used->idx) != 0 || mem_avail_flags(m) != 0 ||
	    mem_used_flags(m) != 0 || vrq_split_drv_num_free(&m->p.drv) != m->size ||
	    vrq_split_drv_broken(&m->p.drv) || vrq_split_dev_broken(&m->p.dev)) {
		fprintf(stderr, "ring not back at index 0 after reset\n");
		goto out;
	}
	if (m->tc.event_idx && (mem_used_event(m) != 0 || mem_avail_event(m) != 0))
		goto out;
	/* first buffer after reset: avail idx 1, head 0 with IN_ORDER, used idx 1 */
	if (fm_add(m) || fm_publish(m))
		goto out;
	if (vrq_le16_to_cpu(m->p.cfg.ring.avail->idx) != 1)
		goto out;
	if (fm_pop(m, &got) || !got || fm_push(m) || fm_dev_publish(m) || fm_get(m, &got) || !got)
		goto out;
	rc = 0;
out:
	free(seen);
	CHECK_EQ(rc, 0);
	return 0;
}

static int test_reset(struct fm *m)
{
	int rc = -1, round, got;

	if (fm_reinit(m, VRQ_DOM_SMP, 0, 0, 11))
		goto out;
	for (round = 0; round < 6; round++) {
		unsigned i, k;

		/* some history, so indices are not at 0 */
		if (fm_random(m, (uint64_t)(500 * g_scale) + 50))
			goto out;
		/* in flight at every stage:
		 * consumed < dev_published <= pushed <= popped <= published <= added */
		/* (capped: detach rescans the slot table from 0 on every call,
		 * which makes a full 32768-entry detach quadratic) */
		k = m->size < 600 ? m->size : 600;
		for (i = 0; i < k; i++)
			if (fm_add(m))
				goto out;
		if (fm_publish(m))
			goto out;
		k = rnd_below(m, (unsigned)(m->published - m->popped) + 1);
		for (i = 0; i < k; i++)
			if (fm_pop(m, &got))
				goto out;
		k = rnd_below(m, (unsigned)(m->popped - m->pushed) + 1);
		for (i = 0; i < k; i++)
			if (fm_push(m))
				goto out;
		if (fm_dev_publish(m))
			goto out;
		/* the driver takes part of it (IN_ORDER: maybe mid-batch) */
		k = rnd_below(m, (unsigned)(m->dev_published - m->consumed) + 1);
		for (i = 0; i < k; i++)
			if (fm_get(m, &got))
				goto out;
		/* more pushed but not published, more added but not published */
		if (m->pushed < m->popped && fm_push(m))
			goto out;
		if (round & 1) {
			/* and the driver takes some after all: free slots to refill */
			if (fm_get(m, &got))
				goto out;
		}
		if (m->added - m->consumed < m->size && fm_add(m))
			goto out;
		if (reset_round(m))
			goto out;
		/* and the queue keeps working, notifications included */
		if (fm_random(m, (uint64_t)(500 * g_scale) + 50))
			goto out;
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "  reset failed [%s]\n", m->name);
	return rc;
}

/* Domains and NO_IDX_CACHE: identical observable behaviour. */
static int test_domains(struct fm *m)
{
	static const struct {
		enum vrq_domain dom;
		uint32_t flags;
	} var[] = {
		{VRQ_DOM_SMP, 0}, /* the reference */
		{VRQ_DOM_IO, 0},
		{VRQ_DOM_SMP, VRQ_CFG_NO_IDX_CACHE},
		{VRQ_DOM_IO, VRQ_CFG_NO_IDX_CACHE},
		{VRQ_DOM_NONCOH, 0},
		{VRQ_DOM_NONCOH, VRQ_CFG_NO_IDX_CACHE},
	};
	uint64_t steps = (uint64_t)(4000 * g_scale) + 100, ref_trace = 0;
	uint64_t ref_kicks = 0, ref_irqs = 0;
	unsigned v;
	int rc = -1;

	for (v = 0; v < sizeof(var) / sizeof(var[0]); v++) {
		int init_rc = fm_reinit(m, var[v].dom, var[v].flags, 0, 99);

		if (var[v].dom == VRQ_DOM_NONCOH && !vrq_domain_supported(VRQ_DOM_NONCOH)) {
			if (init_rc != -VRQ_ENOTSUP) {
				fprintf(stderr, "NONCOH unsupported here but init returned %d [%s]\n",
					init_rc, m->name);
				goto out;
			}
			continue;
		}
		if (var[v].dom == VRQ_DOM_NONCOH &&
		    !vrq_test_noncoh_fits(m->p.cfg.ring.desc, m->p.cfg.ring.avail, m->p.cfg.ring.used,
					  m->p.cfg.ind_max ? m->p.cfg.ind_pool : NULL)) {
			/* areas not on the cache granule: refused, not run */
			if (init_rc != -VRQ_EINVAL) {
				fprintf(stderr, "NONCOH areas off the %zu-byte granule: init %d [%s]\n",
					vrq_cache_line_size(), init_rc, m->name);
				goto out;
			}
			continue;
		}
		if (init_rc) {
			fprintf(stderr, "init domain %d flags %u: %d\n", (int)var[v].dom,
				var[v].flags, init_rc);
			goto out;
		}
		if (fm_random(m, steps))
			goto out;
		if (v == 0) {
			ref_trace = m->trace;
			ref_kicks = m->kicks;
			ref_irqs = m->irqs;
		} else if (m->trace != ref_trace || m->kicks != ref_kicks || m->irqs != ref_irqs) {
			fprintf(stderr, "trace differs from the SMP run: kicks %llu/%llu irqs %llu/%llu\n",
				(unsigned long long)m->kicks, (unsigned long long)ref_kicks,
				(unsigned long long)m->irqs, (unsigned long long)ref_irqs);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "  domain variant failed [%s]\n", m->name);
	return rc;
}

/* Architecture support for non-coherent queues. */
static int test_domain_support(void)
{
	int expect = 0;

#if !(defined(VRQ_ARCH_GENERIC) && VRQ_ARCH_GENERIC)
#if defined(__x86_64__) || defined(__aarch64__)
	expect = 1;
#endif
#endif
	CHECK_EQ(vrq_domain_supported(VRQ_DOM_SMP), 1);
	CHECK_EQ(vrq_domain_supported(VRQ_DOM_IO), 1);
	if (!strcmp(VRQ_ARCH_NAME, "x86_64") || !strcmp(VRQ_ARCH_NAME, "aarch64"))
		CHECK_EQ(vrq_domain_supported(VRQ_DOM_NONCOH), 1);
	if (!strcmp(VRQ_ARCH_NAME, "generic"))
		CHECK_EQ(vrq_domain_supported(VRQ_DOM_NONCOH), 0);
	if (expect)
		CHECK_EQ(vrq_domain_supported(VRQ_DOM_NONCOH), 1);
	printf("arch %s: NONCOH %s\n", VRQ_ARCH_NAME,
	       vrq_domain_supported(VRQ_DOM_NONCOH) ? "supported" : "not supported");
	return 0;
}

/* Init argument validation. */
static int test_init_args(struct fm *m)
{
	const struct vrq_test_cfg *tc = &m->tc;
	struct vrq_test_pair *pp = &m->p;
	struct vrq_split_cfg cfg;
	struct vrq_split_drv drv;
	struct vrq_split_dev dev;
	int ok = 0;

	/* local drv / dev structs over the pair's memory; the pair's own roles
	 * are re-initialised by the next scenario */
	pp->cfg = m->cfg0;

#define BOTH_EINVAL(what)                                                                      \
	do {                                                                                   \
		int rd_ = vrq_split_drv_init(&drv, &cfg), rv_ = vrq_split_dev_init(&dev, &cfg); \
		if (rd_ != -VRQ_EINVAL || rv_ != -VRQ_EINVAL) {                                \
			fprintf(stderr, "%s: drv init %d, dev init %d, expected %d\n", what,   \
				rd_, rv_, -VRQ_EINVAL);                                        \
			if (!rd_)                                                              \
				vrq_split_drv_fini(&drv);                                      \
			if (!rv_)                                                              \
				vrq_split_dev_fini(&dev);                                      \
			goto out;                                                              \
		}                                                                              \
		cfg = pp->cfg;                                                                   \
	} while (0)

	cfg = pp->cfg;
	cfg.size = 0;
	BOTH_EINVAL("size 0");
	cfg.size = 3;
	BOTH_EINVAL("size 3");
	cfg.size = (uint16_t)(tc->size * 3 > 65535 ? 65535 : tc->size * 3);
	BOTH_EINVAL("size not a power of two");
	cfg.size = 65535;
	BOTH_EINVAL("size 65535");
	cfg.ring.desc = (struct vrq_split_desc *)(void *)((uint8_t *)pp->cfg.ring.desc + 8);
	BOTH_EINVAL("desc misaligned (8)");
	cfg.ring.desc = (struct vrq_split_desc *)(void *)((uint8_t *)pp->cfg.ring.desc + 4);
	BOTH_EINVAL("desc misaligned (4)");
	cfg.ring.avail = (struct vrq_split_avail *)(void *)((uint8_t *)pp->cfg.ring.avail + 1);
	BOTH_EINVAL("avail misaligned");
	cfg.ring.used = (struct vrq_split_used *)(void *)((uint8_t *)pp->cfg.ring.used + 2);
	BOTH_EINVAL("used misaligned");
	cfg.ring.desc = NULL;
	BOTH_EINVAL("desc NULL");
	cfg.ring.avail = NULL;
	BOTH_EINVAL("avail NULL");
	cfg.ring.used = NULL;
	BOTH_EINVAL("used NULL");
	cfg.features |= VRQ_FEATURE(VRQ_F_RING_PACKED);
	BOTH_EINVAL("RING_PACKED");
	cfg.domain = (enum vrq_domain)3;
	BOTH_EINVAL("domain 3");
	if (vrq_split_drv_init(&drv, NULL) != -VRQ_EINVAL ||
	    vrq_split_dev_init(&dev, NULL) != -VRQ_EINVAL ||
	    vrq_split_drv_init(NULL, &cfg) != -VRQ_EINVAL ||
	    vrq_split_dev_init(NULL, &cfg) != -VRQ_EINVAL) {
		fprintf(stderr, "NULL cfg / queue accepted\n");
		goto out;
	}
	/* the device needs a memory map; the driver does not */
	cfg.mem = NULL;
	if (vrq_split_dev_init(&dev, &cfg) != -VRQ_EINVAL) {
		fprintf(stderr, "device init without a memory map accepted\n");
		goto out;
	}
	if (vrq_split_drv_init(&drv, &cfg) != 0) {
		fprintf(stderr, "driver init without a memory map refused\n");
		goto out;
	}
	vrq_split_drv_fini(&drv);
	cfg = pp->cfg;
	/* indirect pool: misaligned pointer or DA, or missing */
	if (tc->indirect) {
		cfg.ind_pool = (struct vrq_split_desc *)(void *)((uint8_t *)pp->cfg.ind_pool + 8);
		if (vrq_split_drv_init(&drv, &cfg) != -VRQ_EINVAL)
			goto out;
		cfg = pp->cfg;
		cfg.ind_pool_da += 8;
		if (vrq_split_drv_init(&drv, &cfg) != -VRQ_EINVAL)
			goto out;
		cfg = pp->cfg;
		cfg.ind_pool = NULL;
		if (vrq_split_drv_init(&drv, &cfg) != -VRQ_EINVAL)
			goto out;
		cfg = pp->cfg;
	}
	/* caller-supplied private state is used and not freed by fini */
	{
		void *dp = malloc(vrq_split_drv_priv_size(tc->size));
		void *vp = malloc(vrq_split_dev_priv_size(tc->size));
		int r1, r2;

		if (!dp || !vp) {
			free(dp);
			free(vp);
			goto out;
		}
		vrq_split_drv_fini(&pp->drv);
		vrq_split_dev_fini(&pp->dev);
		cfg.priv = dp;
		r1 = vrq_split_drv_init(&pp->drv, &cfg);
		cfg.priv = vp;
		r2 = vrq_split_dev_init(&pp->dev, &cfg);
		if (!r1 && !r2) {
			struct vrq_sg sg = {vrq_test_buf_da(pp, 0), 16};
			struct vrq_seg seg[1];
			struct vrq_chain ch;
			void *tok = NULL;
			uint32_t len = 0;

			vrq_chain_init(&ch, seg, 1);
			r1 = vrq_split_drv_add(&pp->drv, &sg, 0, 1, pp) ||
			     vrq_split_drv_kick_prepare(&pp->drv) != 1 ||
			     vrq_split_dev_pop(&pp->dev, &ch) != 1 ||
			     vrq_split_dev_push(&pp->dev, ch.head, 5) ||
			     vrq_split_dev_notify_prepare(&pp->dev) != 1 ||
			     vrq_split_drv_get_used(&pp->drv, &tok, &len) != 1 || tok != (void *)pp ||
			     len != 5;
		}
		vrq_split_drv_fini(&pp->drv); /* must not free dp / vp */
		vrq_split_dev_fini(&pp->dev);
		memset(dp, 0x5a, vrq_split_drv_priv_size(tc->size)); /* still ours */
		memset(vp, 0x5a, vrq_split_dev_priv_size(tc->size));
		free(dp);
		free(vp);
		memset(&pp->drv, 0, sizeof(pp->drv));
		memset(&pp->dev, 0, sizeof(pp->dev));
		if (r1 || r2) {
			fprintf(stderr, "init with caller priv: %d %d\n", r1, r2);
			goto out;
		}
	}
	ok = 1;
out:
#undef BOTH_EINVAL
	if (!ok) {
		char name[96];

		vrq_test_cfg_str(tc, name, sizeof(name));
		fprintf(stderr, "  init argument validation failed [%s]\n", name);
	}
	CHECK(ok);
	return 0;
}

int main(void)
{
	const char *s = getenv("VRQ_TEST_SCALE");

	if (s && strtod(s, NULL) > 0.0)
		g_scale = strtod(s, NULL);
	if (test_domain_support())
		fprintf(stderr, "FAILED: domain support\n");
	VRQ_FOR_EACH_CONFIG(tc)
	{
		int fails = vrq_test_failures;
		struct fm m;

		if (fm_open(&m, &tc) || test_init_args(&m) || test_sequences(&m) ||
		    test_random(&m) || test_notification_data(&m) || test_reset(&m) ||
		    test_domains(&m)) {
			char name[96];

			vrq_test_cfg_str(&tc, name, sizeof(name));
			fprintf(stderr, "FAILED: %s\n", name);
			if (vrq_test_failures == fails)
				vrq_test_failures++;
		}
		fm_close(&m);
	}
	return vrq_test_done("test_split_features");
}
