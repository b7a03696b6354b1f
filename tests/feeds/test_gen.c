/* The generator is deterministic and writes a valid session whose books
 * never cross and never hit a book error. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

static unsigned char *gen(const struct feeds_gen_cfg *cfg, size_t *len)
{
	char err[256];
	size_t cap = feeds_gen_bound(cfg);
	unsigned char *buf = malloc(cap);
	assert(buf);
	int r = feeds_gen(cfg, buf, cap, len, err, sizeof(err));
	if (r != 0)
		fprintf(stderr, "feeds_gen: %d %s\n", r, err);
	assert(r == 0);
	assert(*len <= cap);
	return buf;
}

static void check_session(const unsigned char *buf, size_t len, const struct feeds_gen_cfg *cfg)
{
	struct feeds_books *b;
	char err[256];
	assert(feeds_books_create(NULL, &b, err, sizeof(err)) == 0);
	struct feeds_itch_msg m;
	struct md_event ev;
	size_t off = 0;
	uint64_t n = 0, by_type[128] = { 0 }, last_ts = 0;
	int r;
	unsigned char first = 0, last = 0;
	char last_event = 0;
	while ((r = feeds_itch_next(buf, len, &off, &m, err, sizeof(err))) == 0) {
		if (n == 0) {
			first = m.type;
			assert(m.u.sys.event == 'O');
		}
		last = m.type;
		if (m.type == 'S')
			last_event = m.u.sys.event;
		n++;
		by_type[m.type & 127]++;
		assert(m.ts_ns >= last_ts);
		last_ts = m.ts_ns;
		if (m.type != 'S')
			assert(m.locate >= 1 && m.locate <= cfg->symbols);
		assert(feeds_books_apply(b, &m, &ev) == FEEDS_BOOK_OK);
		assert(!(ev.flags & (MD_F_CROSSED | MD_F_STALE | MD_F_HALTED)));
		if (ev.bid_px && ev.ask_px)
			assert(ev.bid_px < ev.ask_px);
	}
	if (r != CORE_EOF)
		fprintf(stderr, "decode: %s\n", err);
	assert(r == CORE_EOF);
	assert(n == cfg->messages);
	assert(first == 'S' && last == 'S' && last_event == 'C');
	assert(by_type['R'] == cfg->symbols && by_type['H'] == cfg->symbols);
	assert(by_type['S'] == 6);
	const char *want = "AFEXDUPC";
	for (const char *t = want; *t; t++)
		assert(by_type[(int)*t] > 0);
	/* Mostly adds and removals, some executions. */
	assert(by_type['A'] + by_type['F'] > n / 4);
	assert(by_type['E'] + by_type['C'] > n / 50);
	struct feeds_book_stats st;
	feeds_books_stats(b, &st);
	assert(st.errors == 0 && st.crossed_events == 0);
	for (unsigned i = 1; i <= cfg->symbols; i++) {
		assert(strlen(feeds_books_symbol(b, (uint16_t)i)) >= 4);
		struct feeds_level bid, ask;
		assert(feeds_books_bbo(b, (uint16_t)i, &bid, &ask) == 0);
		assert(bid.px > 0 && ask.px > bid.px);
	}
	printf("session: %llu msgs, %zu bytes, A %llu F %llu E %llu C %llu X %llu D %llu U %llu "
	       "P %llu, live orders %llu\n",
	       (unsigned long long)n, len, (unsigned long long)by_type['A'],
	       (unsigned long long)by_type['F'], (unsigned long long)by_type['E'],
	       (unsigned long long)by_type['C'], (unsigned long long)by_type['X'],
	       (unsigned long long)by_type['D'], (unsigned long long)by_type['U'],
	       (unsigned long long)by_type['P'], (unsigned long long)st.live_orders);
	feeds_books_destroy(b);
}

int main(void)
{
	struct feeds_gen_cfg cfg = { .seed = 42 };
	size_t l1, l2, l3;
	unsigned char *a = gen(&cfg, &l1);
	unsigned char *b = gen(&cfg, &l2);
	assert(l1 == l2 && memcmp(a, b, l1) == 0);
	cfg.messages = 200000;
	cfg.symbols = 3;
	check_session(a, l1, &cfg);

	struct feeds_gen_cfg c2 = { .seed = 43 };
	unsigned char *c = gen(&c2, &l3);
	assert(l3 != l1 || memcmp(a, c, l1) != 0);
	free(a);
	free(b);
	free(c);

	struct feeds_gen_cfg c3 = { .seed = 7, .messages = 50000, .symbols = 20 };
	a = gen(&c3, &l1);
	check_session(a, l1, &c3);
	free(a);

	/* Bad configurations and a short buffer. */
	char err[128];
	unsigned char small[64];
	struct feeds_gen_cfg c4 = { .seed = 1, .messages = 5, .symbols = 3 };
	assert(feeds_gen(&c4, small, sizeof(small), &l1, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "messages"));
	struct feeds_gen_cfg c5 = { .seed = 1, .messages = 100, .symbols = 1 };
	assert(feeds_gen(&c5, small, sizeof(small), &l1, err, sizeof(err)) == -ENOSPC);
	struct feeds_gen_cfg c6 = { .seed = 1, .symbols = 1001 };
	assert(feeds_gen(&c6, small, sizeof(small), &l1, err, sizeof(err)) == -EINVAL);
	/* Exactly the framing. */
	struct feeds_gen_cfg c7 = { .seed = 1, .messages = 8, .symbols = 1 };
	unsigned char buf[1024];
	assert(feeds_gen(&c7, buf, sizeof(buf), &l1, err, sizeof(err)) == 0);
	size_t off = 0;
	struct feeds_itch_msg m;
	unsigned n = 0;
	while (feeds_itch_next(buf, l1, &off, &m, err, sizeof(err)) == 0)
		n++;
	assert(n == 8);
	printf("ok\n");
	return 0;
}
