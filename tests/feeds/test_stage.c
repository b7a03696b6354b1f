/* The feed stage: every message becomes one md_event on each output, in
 * order, nothing dropped when a ring is full, EOS at the end, errors named. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "../stage_poll.h"
#include "feeds.h"

static char err[512];

static unsigned char *gen(uint64_t seed, uint64_t n, unsigned syms, size_t *len)
{
	struct feeds_gen_cfg cfg = { .seed = seed, .messages = n, .symbols = syms };
	size_t cap = feeds_gen_bound(&cfg);
	unsigned char *buf = malloc(cap);
	assert(buf && feeds_gen(&cfg, buf, cap, len, err, sizeof(err)) == 0);
	return buf;
}

/* Drain up to max events from r into out[*n]. */
static void drain(struct core_ring *r, struct md_event *out, size_t *n, unsigned max)
{
	struct md_event ev;
	while (max-- && core_ring_pop(r, &ev) == 0)
		out[(*n)++] = ev;
}

static void same_event(const struct md_event *a, const struct md_event *b)
{
	assert(a->ts_ns == b->ts_ns && a->ref == b->ref && a->px == b->px && a->qty == b->qty);
	assert(a->bid_px == b->bid_px && a->bid_qty == b->bid_qty);
	assert(a->ask_px == b->ask_px && a->ask_qty == b->ask_qty);
	assert(a->locate == b->locate && a->kind == b->kind && a->side == b->side);
	assert(a->flags == b->flags && a->msg_type == b->msg_type && a->tracking == b->tracking);
}

/* Replay buf through a fresh book and compare with the stage's events. */
static void check_against_books(const unsigned char *buf, size_t len, const struct md_event *evs,
				size_t n, uint64_t seq0)
{
	struct feeds_books *b;
	assert(feeds_books_create(NULL, &b, err, sizeof(err)) == 0);
	struct feeds_itch_msg m;
	struct md_event want;
	size_t off = 0, i = 0;
	while (feeds_itch_next(buf, len, &off, &m, err, sizeof(err)) == 0) {
		assert(i < n);
		feeds_books_apply(b, &m, &want);
		same_event(&evs[i], &want);
		assert(evs[i].seq == seq0 + i);
		i++;
	}
	assert(i == n);
	feeds_books_destroy(b);
}

static void memory_run(void)
{
	size_t len;
	const uint64_t N = 20000;
	unsigned char *buf = gen(5, N, 2, &len);
	struct core_ring *r0 = core_ring_create("md0", 64, sizeof(struct md_event));
	struct core_ring *r1 = core_ring_create("md1", 128, sizeof(struct md_event));
	assert(r0 && r1);
	struct core_hist_pair *hp = core_alloc(sizeof(*hp), CORE_CACHE_LINE);
	assert(hp && core_hist_pair_init(hp) == 0);
	struct feeds_stage_cfg cfg = { .mem = buf, .mem_len = len, .mem_name = "gen5",
				       .out = { r0, r1 }, .nout = 2, .burst = 32, .hist = hp };
	struct feeds_stage *st;
	assert(feeds_stage_create(&cfg, &st, err, sizeof(err)) == 0);
	struct md_event *e0 = calloc(N + 1, sizeof(*e0)), *e1 = calloc(N + 1, sizeof(*e1));
	size_t n0 = 0, n1 = 0;
	int r, polls = 0;
	uint64_t pushed = 0;
	/* Consumers drain unevenly and slower than the stage pushes. */
	uint32_t w;
	while ((r = poll_once(feeds_stage_poll, st, &w)) != CORE_EOF) {
		assert(r >= 0 && w <= 32);
		pushed += w;
		polls++;
		drain(r0, e0, &n0, 20);
		drain(r1, e1, &n1, polls % 3 ? 7 : 60);
		assert(polls < 1000000);
	}
	drain(r0, e0, &n0, UINT32_MAX);
	drain(r1, e1, &n1, UINT32_MAX);
	assert(poll_once(feeds_stage_poll, st, NULL) == CORE_EOF); /* stays finished */
	assert(n0 == N + 1 && n1 == N + 1);
	/* the final poll reports CORE_EOF instead of the count it pushed with the EOS */
	assert(pushed <= N && pushed + 32 >= N);
	assert(e0[N].kind == MD_EOS && e1[N].kind == MD_EOS && e0[N].seq == N + 1);
	for (size_t i = 0; i < n0; i++) {
		assert(e0[i].seq == i + 1);
		assert(memcmp(&e0[i], &e1[i], sizeof(e0[i])) == 0); /* the same event to both */
		assert(e0[i].t0_ns != 0);
		if (i)
			assert(e0[i].t0_ns >= e0[i - 1].t0_ns);
	}
	check_against_books(buf, len, e0, N, 1);
	struct feeds_stats s;
	feeds_stage_stats(st, &s);
	assert(s.total == N && s.events == N + 1 && s.bytes == len);
	assert(s.by_type['S'] == 6 && s.by_type['R'] == 2);
	uint64_t sum = 0;
	for (int t = 0; t < 128; t++)
		sum += s.by_type[t];
	assert(sum == N);
	assert(s.ring_full_waits > 0); /* the slow consumers made the stage wait */
	assert(s.book.errors == 0);
	assert(strcmp(feeds_stage_symbol(st, 1), "OSPA") == 0);
	assert(strcmp(feeds_stage_symbol(st, 2), "OSPB") == 0);
	assert(feeds_stage_books(st) != NULL);
	assert(strcmp(feeds_stage_error(st), "") == 0);
	/* One latency sample per message. */
	/* Same thread, never flipped: the writer used h[0]. */
	struct core_hist *h = &hp->h[0];
	assert(h->total == (int64_t)N);
	printf("memory run: %llu events, %d polls, %llu ring-full waits, p50 %lld ns, p99 %lld ns\n",
	       (unsigned long long)s.events, polls, (unsigned long long)s.ring_full_waits,
	       (long long)core_hist_value_at(h, 50), (long long)core_hist_value_at(h, 99));
	st = feeds_stage_destroy(st);
	assert(st == NULL);
	core_hist_pair_fini(hp);
	core_free(hp);
	free(e0);
	free(e1);
	free(buf);
	core_ring_destroy(r0);
	core_ring_destroy(r1);
}

static void files_run(void)
{
	/* Two files in order; seq continues over both. */
	size_t l1, l2;
	unsigned char *b1 = gen(11, 3000, 1, &l1), *b2 = gen(12, 2000, 2, &l2);
	char p1[] = "/tmp/feeds_stage_XXXXXX", p2[] = "/tmp/feeds_stage_XXXXXX";
	int f1 = mkstemp(p1), f2 = mkstemp(p2);
	assert(f1 >= 0 && f2 >= 0);
	assert(write(f1, b1, l1) == (ssize_t)l1 && write(f2, b2, l2) == (ssize_t)l2);
	close(f1);
	close(f2);
	const char *paths[] = { p1, p2 };
	struct core_ring *r0 = core_ring_create("md", 8192, sizeof(struct md_event));
	struct feeds_stage_cfg cfg = { .paths = paths, .npaths = 2, .out = { r0 }, .nout = 1,
				       .burst = 64 };
	struct feeds_stage *st;
	assert(feeds_stage_create(&cfg, &st, err, sizeof(err)) == 0);
	struct md_event *ev = calloc(5001, sizeof(*ev));
	size_t n = 0;
	int r;
	while ((r = poll_once(feeds_stage_poll, st, NULL)) != CORE_EOF) {
		assert(r >= 0);
		drain(r0, ev, &n, UINT32_MAX);
	}
	drain(r0, ev, &n, UINT32_MAX);
	assert(n == 5001 && ev[5000].kind == MD_EOS && ev[5000].seq == 5001);
	check_against_books(b1, l1, ev, 3000, 1);
	/* The second file starts a new session on the same books: compare top only via seq. */
	for (size_t i = 0; i < 5000; i++)
		assert(ev[i].seq == i + 1);
	assert(ev[3000].msg_type == 'S');
	feeds_stage_destroy(st);

	/* A decode error in the second file names it and the offset; earlier events went out. */
	size_t bad = 0;
	{
		/* make the frame length at about the middle disagree with its type */
		struct feeds_itch_msg m;
		while (bad < l2 / 2 && feeds_itch_next(b2, l2, &bad, &m, err, sizeof(err)) == 0)
			;
		b2[bad + 1] ^= 0x01;
	}
	f2 = open(p2, O_WRONLY | O_TRUNC);
	assert(f2 >= 0 && write(f2, b2, l2) == (ssize_t)l2);
	close(f2);
	assert(feeds_stage_create(&cfg, &st, err, sizeof(err)) == 0);
	n = 0;
	while ((r = poll_once(feeds_stage_poll, st, NULL)) >= 0) {
		assert(r != CORE_EOF);
		drain(r0, ev, &n, UINT32_MAX);
	}
	drain(r0, ev, &n, UINT32_MAX);
	{
		assert(r == -EBADMSG);
		assert(poll_once(feeds_stage_poll, st, NULL) == -EBADMSG);
		const char *e = feeds_stage_error(st);
		char want[64];
		snprintf(want, sizeof(want), ": offset %zu:", bad);
		printf("error: %s\n", e);
		assert(strncmp(e, p2, strlen(p2)) == 0 && strstr(e, want));
		assert(n > 3000 && n < 5000); /* everything before the bad frame */
	}
	feeds_stage_destroy(st);
	unlink(p1);
	unlink(p2);
	free(ev);
	free(b1);
	free(b2);
	core_ring_destroy(r0);
}

static void paced_run(void)
{
	/* A session spans 09:30-16:00 whatever its size: at speed 1e6 that is 23.4 ms. */
	size_t len;
	unsigned char *buf = gen(3, 400, 1, &len);
	struct core_ring *r0 = core_ring_create("md", 1024, sizeof(struct md_event));
	struct feeds_stage_cfg cfg = { .mem = buf, .mem_len = len, .out = { r0 }, .nout = 1,
				       .speed = 1e6 };
	struct feeds_stage *st;
	assert(feeds_stage_create(&cfg, &st, err, sizeof(err)) == 0);
	uint64_t t0 = core_now_ns();
	struct md_event ev, first = { 0 }, last = { 0 };
	int r;
	bool have_first = false;
	while ((r = poll_once(feeds_stage_poll, st, NULL)) != CORE_EOF) {
		assert(r >= 0);
		while (core_ring_pop(r0, &ev) == 0) {
			if (ev.kind == MD_EOS)
				continue;
			if (!have_first) {
				first = ev;
				have_first = true;
			}
			last = ev;
		}
	}
	uint64_t wall = core_now_ns() - t0;
	uint64_t want = (last.ts_ns - first.ts_ns) / 1000000;
	struct feeds_stats s;
	feeds_stage_stats(st, &s);
	printf("paced: ITCH span %.3f s at 1e6x -> wall %.3f ms (want >= %.3f ms), %llu pace waits\n",
	       (double)(last.ts_ns - first.ts_ns) / 1e9, (double)wall / 1e6, (double)want / 1e6,
	       (unsigned long long)s.pace_waits);
	assert(wall >= want * 95 / 100);
	assert(last.t0_ns - first.t0_ns >= want * 95 / 100);
	assert(s.pace_waits > 0 && s.total == 400);
	feeds_stage_destroy(st);
	core_ring_destroy(r0);
	free(buf);
}

static void bad_configs(void)
{
	struct core_ring *r0 = core_ring_create("md", 16, sizeof(struct md_event));
	struct core_ring *small = core_ring_create("x", 16, 8);
	struct feeds_stage *st = NULL;
	struct feeds_stage_cfg cfg = { .out = { r0 }, .nout = 0 };
	assert(feeds_stage_create(&cfg, &st, err, sizeof(err)) == -EINVAL && strstr(err, "nout"));
	cfg.nout = 1;
	cfg.out[0] = small;
	assert(feeds_stage_create(&cfg, &st, err, sizeof(err)) == -EINVAL && strstr(err, "out[0]"));
	cfg.out[0] = r0;
	cfg.speed = -1;
	assert(feeds_stage_create(&cfg, &st, err, sizeof(err)) == -EINVAL && strstr(err, "speed"));
	cfg.speed = 0;
	const char *paths[] = { "/nonexistent/day.itch" };
	cfg.paths = paths;
	cfg.npaths = 1;
	assert(feeds_stage_create(&cfg, &st, err, sizeof(err)) == -ENOENT);
	assert(strstr(err, "/nonexistent/day.itch"));
	assert(st == NULL);
	/* An empty memory session is just EOS. */
	cfg.npaths = 0;
	cfg.paths = NULL;
	assert(feeds_stage_create(&cfg, &st, err, sizeof(err)) == 0);
	assert(poll_once(feeds_stage_poll, st, NULL) == CORE_EOF);
	struct md_event ev;
	assert(core_ring_pop(r0, &ev) == 0 && ev.kind == MD_EOS && ev.seq == 1);
	/* EOS waits for a full ring rather than being dropped. */
	feeds_stage_destroy(st);
	for (int i = 0; i < 16; i++)
		assert(core_ring_push(r0, &ev) == 0);
	assert(feeds_stage_create(&cfg, &st, err, sizeof(err)) == 0);
	assert(poll_work(feeds_stage_poll, st) == 0);
	assert(poll_work(feeds_stage_poll, st) == 0);
	assert(core_ring_pop(r0, &ev) == 0);
	assert(poll_once(feeds_stage_poll, st, NULL) == CORE_EOF);
	struct feeds_stats s;
	feeds_stage_stats(st, &s);
	assert(s.ring_full_waits == 2 && s.events == 1);
	feeds_stage_destroy(st);
	assert(feeds_stage_destroy(NULL) == NULL);
	core_ring_destroy(r0);
	core_ring_destroy(small);
}

int main(void)
{
	assert(core_clock_init(0) == 0);
	bad_configs();
	memory_run();
	files_run();
	paced_run();
	printf("ok\n");
	return 0;
}
