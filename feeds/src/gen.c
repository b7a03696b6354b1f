/* gen.c - deterministic synthetic ITCH 5.0 sessions. */
#include <stdio.h>

#include "feeds.h"

#define TICK        100u  /* $0.01 in Price(4) units */
#define MAX_LIVE    1500u /* live orders per symbol before adds turn into deletes */
#define MIN_LIVE    12u   /* below this every step adds */
#define ORDERS_CAP  2048u
#define OPEN_NS     34200000000000ull /* 09:30:00 */
#define SESSION_NS  23400000000000ull /* 6.5 hours */

struct gorder {
	uint64_t ref;
	uint32_t px;
	uint32_t qty;
	char side;
};

struct gsym {
	int64_t mid; /* ticks */
	struct gorder *orders;
	uint32_t n;
	char name[8];
};

struct gen {
	uint64_t s[4]; /* xoshiro256** state */
	unsigned char *buf;
	size_t cap;
	size_t len;
	uint64_t ts;
	uint64_t gap; /* mean gap between body messages, ns */
	uint64_t next_ref;
	uint64_t next_match;
	uint64_t written;
	struct feeds_books *books;
	struct gsym *syms;
	unsigned nsyms;
	char *err;
	size_t errlen;
	int fail;
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(struct gen *g)
{
	uint64_t *s = g->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n) (n small; the modulo bias is irrelevant here). */
static uint32_t rnd_below(struct gen *g, uint32_t n)
{
	return (uint32_t)((rnd(g) >> 11) % n);
}

static uint32_t rnd_shares(struct gen *g)
{
	if (rnd_below(g, 10) == 0)
		return 1 + rnd_below(g, 99); /* odd lot */
	return 100 * (1 + rnd_below(g, 10));
}

static unsigned char *msg_begin(struct gen *g, char type, uint16_t locate)
{
	unsigned len = feeds_itch_msg_len((uint8_t)type);
	if (g->len + 2 + len > g->cap) {
		if (!g->fail) {
			g->fail = -ENOSPC;
			core_errf(g->err, g->errlen, "gen: buffer of %zu bytes is too small",
			          g->cap);
		}
		return NULL;
	}
	unsigned char *p = g->buf + g->len;
	memset(p, ' ', 2 + len);
	core_put_be16(p, (uint16_t)len);
	p += 2;
	p[0] = (unsigned char)type;
	core_put_be16(p + 1, locate);
	core_put_be16(p + 3, 0);
	core_put_be48(p + 5, g->ts);
	return p;
}

/* Decode what was just written, apply it to the mirror book and check it. */
static void msg_end(struct gen *g, unsigned char *p)
{
	struct feeds_itch_msg m;
	struct md_event ev;
	char tmp[160];
	unsigned len = feeds_itch_msg_len(p[0]);
	size_t at = g->len;
	g->len += 2 + len;
	g->written++;
	int r = feeds_itch_decode(p, len, &m, tmp, sizeof(tmp));
	if (r < 0) {
		g->fail = -EPROTO;
		core_errf(g->err, g->errlen, "gen: offset %zu: wrote an undecodable message: %s",
		          at, tmp);
		return;
	}
	r = feeds_books_apply(g->books, &m, &ev);
	if (r != FEEDS_BOOK_OK || (ev.flags & MD_F_CROSSED)) {
		g->fail = -EPROTO;
		core_errf(g->err, g->errlen,
		          "gen: offset %zu: type '%c' locate %u: book outcome %d, flags 0x%x", at,
		          p[0], m.locate, r, ev.flags);
	}
}

static void put_stock(unsigned char *p, const struct gsym *s)
{
	memcpy(p, s->name, 8);
}

static void emit_system(struct gen *g, char code)
{
	unsigned char *p = msg_begin(g, 'S', 0);
	if (!p)
		return;
	p[11] = (unsigned char)code;
	msg_end(g, p);
}

static void emit_directory(struct gen *g, unsigned i)
{
	const struct gsym *s = &g->syms[i];
	unsigned char *p = msg_begin(g, 'R', (uint16_t)(i + 1));
	if (!p)
		return;
	put_stock(p + 11, s);
	p[19] = 'Q';                 /* Nasdaq Global Select */
	p[20] = 'N';                 /* normal */
	core_put_be32(p + 21, 100);  /* round lot */
	p[25] = 'N';
	p[26] = 'C';                 /* common stock */
	p[27] = 'Z';
	p[28] = ' ';
	p[29] = 'P';                 /* production */
	p[30] = 'N';
	p[31] = 'N';
	p[32] = '1';
	p[33] = 'N';
	core_put_be32(p + 34, 0);
	p[38] = 'N';
	msg_end(g, p);

	p = msg_begin(g, 'H', (uint16_t)(i + 1));
	if (!p)
		return;
	put_stock(p + 11, s);
	p[19] = 'T';
	p[20] = ' ';
	msg_end(g, p);
}

static void emit_add(struct gen *g, unsigned si, char side, uint32_t px, uint32_t qty)
{
	struct gsym *s = &g->syms[si];
	bool mpid = rnd_below(g, 20) == 0;
	unsigned char *p = msg_begin(g, mpid ? 'F' : 'A', (uint16_t)(si + 1));
	if (!p)
		return;
	uint64_t ref = g->next_ref++;
	core_put_be64(p + 11, ref);
	p[19] = (unsigned char)side;
	core_put_be32(p + 20, qty);
	put_stock(p + 24, s);
	core_put_be32(p + 32, px);
	if (mpid)
		memcpy(p + 36, "OSPR", 4);
	msg_end(g, p);
	s->orders[s->n++] = (struct gorder){ .ref = ref, .px = px, .qty = qty, .side = side };
}

static void drop_order(struct gsym *s, uint32_t k)
{
	s->orders[k] = s->orders[--s->n];
}

static void emit_delete(struct gen *g, unsigned si, uint32_t k)
{
	struct gsym *s = &g->syms[si];
	unsigned char *p = msg_begin(g, 'D', (uint16_t)(si + 1));
	if (!p)
		return;
	core_put_be64(p + 11, s->orders[k].ref);
	msg_end(g, p);
	drop_order(s, k);
}

static void emit_cancel(struct gen *g, unsigned si, uint32_t k)
{
	struct gsym *s = &g->syms[si];
	struct gorder *o = &s->orders[k];
	if (o->qty < 2) {
		emit_delete(g, si, k);
		return;
	}
	uint32_t shares = 1 + rnd_below(g, o->qty - 1);
	if (shares >= 100 && rnd_below(g, 2))
		shares -= shares % 100;
	unsigned char *p = msg_begin(g, 'X', (uint16_t)(si + 1));
	if (!p)
		return;
	core_put_be64(p + 11, o->ref);
	core_put_be32(p + 19, shares);
	msg_end(g, p);
	o->qty -= shares;
}

/* Execute the oldest order at the best price of `side` (the aggressor crosses into it). */
static bool emit_exec(struct gen *g, unsigned si, char side, uint32_t best_px, bool with_price)
{
	struct gsym *s = &g->syms[si];
	uint32_t k = UINT32_MAX;
	for (uint32_t i = 0; i < s->n; i++)
		if (s->orders[i].side == side && s->orders[i].px == best_px &&
		    (k == UINT32_MAX || s->orders[i].ref < s->orders[k].ref))
			k = i;
	if (k == UINT32_MAX)
		return false;
	struct gorder *o = &s->orders[k];
	uint32_t shares = o->qty;
	if (o->qty > 1 && rnd_below(g, 5) < 2)
		shares = 1 + rnd_below(g, o->qty - 1);
	unsigned char *p = msg_begin(g, with_price ? 'C' : 'E', (uint16_t)(si + 1));
	if (!p)
		return true;
	core_put_be64(p + 11, o->ref);
	core_put_be32(p + 19, shares);
	core_put_be64(p + 23, g->next_match++);
	if (with_price) {
		p[31] = 'Y';
		core_put_be32(p + 32, o->px);
	}
	msg_end(g, p);
	if (shares == o->qty)
		drop_order(s, k);
	else
		o->qty -= shares;
	return true;
}

/* Keep a new bid strictly below the best ask and a new ask strictly above the best bid. */
static uint32_t clamp_px(char side, int64_t ticks, const struct feeds_level *bid,
			 const struct feeds_level *ask)
{
	if (ticks < 1)
		ticks = 1;
	uint32_t px = (uint32_t)ticks * TICK;
	if (side == 'B' && ask->px && px >= ask->px)
		px = ask->px - TICK;
	if (side == 'S' && bid->px && px <= bid->px)
		px = bid->px + TICK;
	return px;
}

static void emit_replace(struct gen *g, unsigned si, uint32_t k, const struct feeds_level *bid,
			 const struct feeds_level *ask)
{
	struct gsym *s = &g->syms[si];
	struct gorder *o = &s->orders[k];
	int64_t ticks = (int64_t)(o->px / TICK) + (int64_t)rnd_below(g, 3) - 1;
	uint32_t px = clamp_px(o->side, ticks, bid, ask);
	if (px == 0) {
		emit_delete(g, si, k);
		return;
	}
	uint32_t qty = rnd_shares(g);
	unsigned char *p = msg_begin(g, 'U', (uint16_t)(si + 1));
	if (!p)
		return;
	uint64_t ref = g->next_ref++;
	core_put_be64(p + 11, o->ref);
	core_put_be64(p + 19, ref);
	core_put_be32(p + 27, qty);
	core_put_be32(p + 31, px);
	msg_end(g, p);
	o->ref = ref;
	o->px = px;
	o->qty = qty;
}

static void emit_trade(struct gen *g, unsigned si, const struct feeds_level *bid,
		       const struct feeds_level *ask)
{
	struct gsym *s = &g->syms[si];
	unsigned char *p = msg_begin(g, 'P', (uint16_t)(si + 1));
	if (!p)
		return;
	uint32_t px = (uint32_t)s->mid * TICK;
	if (bid->px && ask->px)
		px = bid->px + (ask->px - bid->px) / 2 / TICK * TICK;
	core_put_be64(p + 11, g->next_ref++);
	p[19] = rnd_below(g, 2) ? 'B' : 'S';
	core_put_be32(p + 20, rnd_shares(g));
	put_stock(p + 24, s);
	core_put_be32(p + 32, px);
	core_put_be64(p + 36, g->next_match++);
	msg_end(g, p);
}

static void add_near_top(struct gen *g, unsigned si, const struct feeds_level *bid,
			 const struct feeds_level *ask)
{
	struct gsym *s = &g->syms[si];
	if (s->n >= MAX_LIVE) {
		emit_delete(g, si, rnd_below(g, s->n));
		return;
	}
	char side = rnd_below(g, 2) ? 'B' : 'S';
	int64_t d = 0;
	while (d < 40 && rnd_below(g, 100) < 55)
		d++;
	int64_t ticks = side == 'B' ? s->mid - d : s->mid + 1 + d;
	uint32_t px = clamp_px(side, ticks, bid, ask);
	if (px == 0) { /* no room below a one-tick ask */
		side = 'S';
		px = clamp_px(side, s->mid + 1 + d, bid, ask);
	}
	emit_add(g, si, side, px, rnd_shares(g));
}

static void step(struct gen *g)
{
	unsigned si = rnd_below(g, g->nsyms);
	struct gsym *s = &g->syms[si];
	struct feeds_level bid, ask;
	feeds_books_bbo(g->books, (uint16_t)(si + 1), &bid, &ask);

	/* Random-walk mid, pulled back toward the book if it wanders off. */
	uint32_t w = rnd_below(g, 8);
	if (w == 0)
		s->mid++;
	else if (w == 1)
		s->mid--;
	if (bid.px && ask.px) {
		int64_t book_mid = (int64_t)(bid.px + ask.px) / 2 / TICK;
		if (s->mid > book_mid + 8)
			s->mid--;
		else if (s->mid < book_mid - 8)
			s->mid++;
	}
	if (s->mid < 100)
		s->mid = 100;

	uint32_t r = rnd_below(g, 1000);
	if (s->n < MIN_LIVE || (r < 430 && s->n < MAX_LIVE)) {
		add_near_top(g, si, &bid, &ask);
		return;
	}
	if (r < 640) { /* also the adds once MAX_LIVE orders rest */
		emit_delete(g, si, rnd_below(g, s->n));
		return;
	}
	if (r < 710) {
		emit_cancel(g, si, rnd_below(g, s->n));
		return;
	}
	if (r < 880) {
		/* The side the mid has pushed through gets hit; otherwise either side. */
		char side;
		int64_t midpx = s->mid * TICK;
		if (ask.px && midpx >= (int64_t)ask.px)
			side = 'S';
		else if (bid.px && midpx <= (int64_t)bid.px)
			side = 'B';
		else
			side = rnd_below(g, 2) ? 'B' : 'S';
		const struct feeds_level *top = side == 'B' ? &bid : &ask;
		if (!top->px || !emit_exec(g, si, side, top->px, r >= 860))
			add_near_top(g, si, &bid, &ask);
		return;
	}
	if (r < 960) {
		emit_replace(g, si, rnd_below(g, s->n), &bid, &ask);
		return;
	}
	emit_trade(g, si, &bid, &ask);
}

static const char *const gen_names[] = { "OSPA", "OSPB", "OSPC", "OSPD", "OSPE", "OSPF",
					 "OSPG", "OSPH", "OSPI", "OSPJ" };

static unsigned gen_nsyms(const struct feeds_gen_cfg *cfg)
{
	return cfg->symbols ? cfg->symbols : 3;
}

static uint64_t gen_nmsgs(const struct feeds_gen_cfg *cfg)
{
	return cfg->messages ? cfg->messages : 200000;
}

size_t feeds_gen_bound(const struct feeds_gen_cfg *cfg)
{
	return (size_t)gen_nmsgs(cfg) * (2 + FEEDS_ITCH_MAX_LEN);
}

int feeds_gen(const struct feeds_gen_cfg *cfg, unsigned char *buf, size_t cap, size_t *ret_len,
	      char *err, size_t errlen)
{
	struct gen g = { 0 };
	int r;
	unsigned nsyms = gen_nsyms(cfg);
	uint64_t nmsgs = gen_nmsgs(cfg);
	uint64_t framing = 6 + 2ull * nsyms;
	if (nsyms > 1000) {
		core_errf(err, errlen, "gen: symbols %u is above 1000", nsyms);
		return -EINVAL;
	}
	if (nmsgs < framing) {
		core_errf(err, errlen, "gen: messages %llu is below the %llu framing messages",
		          (unsigned long long)nmsgs, (unsigned long long)framing);
		return -EINVAL;
	}
	struct feeds_books_cfg bc = { .max_orders = nsyms * (ORDERS_CAP + 1),
				      .max_levels = nsyms * (ORDERS_CAP + 1),
				      .max_locate = (uint16_t)nsyms };
	r = feeds_books_create(&bc, &g.books, err, errlen);
	if (r < 0)
		return r;
	g.syms = core_alloc(nsyms * sizeof(*g.syms), CORE_CACHE_LINE);
	if (!g.syms) {
		r = -ENOMEM;
		goto out_books;
	}
	for (unsigned i = 0; i < nsyms; i++) {
		g.syms[i].orders = core_alloc(ORDERS_CAP * sizeof(struct gorder), 8);
		if (!g.syms[i].orders) {
			r = -ENOMEM;
			goto out_syms;
		}
	}
	uint64_t x = cfg->seed;
	for (int i = 0; i < 4; i++)
		g.s[i] = splitmix64(&x);
	g.buf = buf;
	g.cap = cap;
	g.err = err;
	g.errlen = errlen;
	g.next_ref = 1 + rnd_below(&g, 1000000);
	g.next_match = 1 + rnd_below(&g, 1000000);
	g.nsyms = nsyms;
	for (unsigned i = 0; i < nsyms; i++) {
		struct gsym *s = &g.syms[i];
		char name[16];
		if (i < sizeof(gen_names) / sizeof(gen_names[0]))
			snprintf(name, sizeof(name), "%s", gen_names[i]);
		else
			snprintf(name, sizeof(name), "OS%04u", i);
		memset(s->name, ' ', 8);
		memcpy(s->name, name, strlen(name));
		s->mid = 2000 + rnd_below(&g, 48000); /* $20 .. $500 */
	}

	uint64_t body = nmsgs - framing;
	g.gap = body ? SESSION_NS / body : 1;
	if (g.gap < 1)
		g.gap = 1;
	g.ts = OPEN_NS - 1000000000ull; /* 09:29:59 */
	emit_system(&g, 'O');
	g.ts += 1000000;
	emit_system(&g, 'S');
	for (unsigned i = 0; i < nsyms && !g.fail; i++) {
		g.ts += 1000;
		emit_directory(&g, i);
	}
	g.ts = OPEN_NS;
	emit_system(&g, 'Q');
	for (uint64_t i = 0; i < body && !g.fail; i++) {
		g.ts += 1 + rnd(&g) % (2 * g.gap);
		step(&g);
	}
	g.ts += 1000000;
	emit_system(&g, 'M');
	g.ts += 1000000;
	emit_system(&g, 'E');
	g.ts += 1000000;
	emit_system(&g, 'C');
	r = g.fail;
	if (!r && g.written != nmsgs) {
		r = -EPROTO;
		core_errf(err, errlen, "gen: wrote %llu messages, wanted %llu",
		          (unsigned long long)g.written, (unsigned long long)nmsgs);
	}
	if (!r)
		*ret_len = g.len;
out_syms:
	for (unsigned i = 0; i < nsyms; i++)
		core_free(g.syms[i].orders);
	core_free(g.syms);
out_books:
	feeds_books_destroy(g.books);
	if (r == -ENOMEM)
		core_errf(err, errlen, "gen: out of memory");
	return r;
}
