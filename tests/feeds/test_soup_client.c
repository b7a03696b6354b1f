/* The SoupBinTCP client against the test server on 127.0.0.1: login fields,
 * a dropped link resumed from the next expected number (the rebuilt books
 * equal the ones built straight from the day file), heartbeats both ways, a
 * silent server timed out, a resume above (gap) and below (duplicates) the
 * number asked for, rejected logins, logout, end of session, and giving up
 * after max_reconnects refused connects; the feed stage on a live session. */
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../stage_poll.h"
#include "feeds.h"
#include "../core/soup_server.h"

static unsigned char *session;
static size_t session_len;

struct result {
	uint64_t msgs, link_downs, timeouts, gaps, gap_seq, gap_count, logins, unseq;
	uint64_t first_seq, last_seq;
	bool ended;
	int rc;
};

static void nap(void)
{
	struct timespec ts = { 0, 20000 };
	nanosleep(&ts, NULL);
}

/* Run until CORE_EOF, an error, or `logout_after` messages (then log out and
 * run to CORE_EOF). Checks the numbers run 1, 2, 3... except across gaps. */
static void run(const struct core_soup_client_cfg *cfg, struct feeds_books *books,
		uint64_t logout_after, struct result *res)
{
	char err[256];
	struct core_soup_client *c;
	assert(core_soup_client_create(cfg, &c, err, sizeof(err)) == 0);
	memset(res, 0, sizeof(*res));
	uint64_t expect = cfg->seq ? cfg->seq : 1;
	uint64_t deadline = core_monotonic_ns() + 20000000000ull;
	bool logged_out = false;
	for (;;) {
		uint64_t now = core_monotonic_ns();
		assert(now < deadline);
		struct core_soup_event ev;
		int r = core_soup_client_poll(c, now, &ev);
		if (r == CORE_EOF)
			break;
		if (r < 0) {
			res->rc = r;
			break;
		}
		if (r == 0) {
			nap();
			continue;
		}
		assert(r == 1);
		switch (ev.kind) {
		case CORE_SOUP_EV_DATA: {
			assert(ev.seq == expect);
			expect++;
			if (!res->msgs)
				res->first_seq = ev.seq;
			res->last_seq = ev.seq;
			res->msgs++;
			struct feeds_itch_msg m;
			assert(feeds_itch_decode(ev.data, ev.len, &m, err, sizeof(err)) == 0);
			if (books) {
				struct md_event e;
				assert(feeds_books_apply(books, &m, &e) == FEEDS_BOOK_OK);
			}
			if (logout_after && res->msgs == logout_after && !logged_out) {
				assert(core_soup_client_logout(c, now) == 0);
				logged_out = true;
			}
			break;
		}
		case CORE_SOUP_EV_LOGIN:
			res->logins++;
			break;
		case CORE_SOUP_EV_LINK_DOWN:
			res->link_downs++;
			if (ev.error == -ETIMEDOUT)
				res->timeouts++;
			break;
		case CORE_SOUP_EV_GAP:
			assert(ev.seq == expect);
			res->gaps++;
			res->gap_seq = ev.seq;
			res->gap_count = ev.count;
			expect = ev.seq + ev.count;
			break;
		case CORE_SOUP_EV_END:
			res->ended = true;
			break;
		case CORE_SOUP_EV_UNSEQ:
			res->unseq++;
			break;
		default:
			assert(0);
		}
	}
	struct core_soup_client_stats st;
	core_soup_client_stats(c, &st);
	/* a give-up counts its last failure without an event */
	assert(st.messages == res->msgs &&
	       st.link_downs == res->link_downs + (res->rc == -ECONNREFUSED ? 1 : 0));
	if (res->rc < 0)
		assert(core_soup_client_error(c)[0]);
	core_soup_client_destroy(c);
}

static void books_equal(const struct feeds_books *a, const struct feeds_books *b, unsigned nloc)
{
	struct feeds_level la[16], lb[16];
	for (uint16_t l = 1; l <= nloc; l++)
		for (int s = 0; s < 2; s++) {
			int na = feeds_books_depth(a, l, s ? 'S' : 'B', la, 16);
			int nb = feeds_books_depth(b, l, s ? 'S' : 'B', lb, 16);
			assert(na == nb && na > 0);
			for (int i = 0; i < na; i++)
				assert(la[i].px == lb[i].px && la[i].qty == lb[i].qty &&
				       la[i].orders == lb[i].orders);
		}
}

static struct soup_server srv;

static void start(struct soup_server_cfg *sc)
{
	sc->msgs = session;
	sc->msgs_len = session_len;
	sc->user = "osprey";
	sc->pass = "secret";
	sc->session = "SESS000042";
	assert(soup_server_start(&srv, sc) == 0);
}

static char addr[32];

static struct core_soup_client_cfg client_cfg(void)
{
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", srv.port);
	return (struct core_soup_client_cfg){ .addr = addr, .username = "osprey",
					       .password = "secret", .reconnect_ns = 10000000 };
}

int main(void)
{
	char err[256];
	struct feeds_gen_cfg gc = { .seed = 7, .messages = 20000, .symbols = 3 };
	size_t cap = feeds_gen_bound(&gc);
	session = malloc(cap);
	assert(session);
	assert(feeds_gen(&gc, session, cap, &session_len, err, sizeof(err)) == 0);

	struct feeds_books_cfg bc = { .max_locate = 16 };
	struct feeds_books *ref, *got;
	assert(feeds_books_create(&bc, &ref, err, sizeof(err)) == 0);
	assert(feeds_books_create(&bc, &got, err, sizeof(err)) == 0);
	{
		size_t off = 0;
		struct feeds_itch_msg m;
		struct md_event e;
		while (feeds_itch_next(session, session_len, &off, &m, err, sizeof(err)) == 0)
			feeds_books_apply(ref, &m, &e);
	}
	struct result res;

	/* 1. Dropped mid-stream, resumed from the next number; end of session. */
	{
		struct soup_server_cfg sc = { .drop_after = 7000, .end_session = true };
		start(&sc);
		struct core_soup_client_cfg cc = client_cfg();
		run(&cc, got, 0, &res);
		soup_server_stop(&srv);
		assert(res.rc == 0 && res.ended && res.msgs == 20000 && res.last_seq == 20000);
		assert(res.link_downs == 1 && res.logins == 2 && res.gaps == 0);
		assert(srv.nlogins == 2 && srv.logins[0].ok && srv.logins[1].ok);
		assert(!strcmp(srv.logins[0].user, "osprey") && !strcmp(srv.logins[0].pass, "secret"));
		assert(srv.logins[0].session[0] == '\0' && srv.logins[0].seq == 1);
		/* the reconnection asks for the session it was given and the next number */
		assert(!strcmp(srv.logins[1].session, "SESS000042") && srv.logins[1].seq == 7001);
		assert(srv.s_sent == 20000);
		books_equal(ref, got, 3);
		printf("drop/resume: %" PRIu64 " messages, logins %u (seq %" PRIu64 ", %" PRIu64
		       "), books equal\n",
		       res.msgs, srv.nlogins, srv.logins[0].seq, srv.logins[1].seq);
	}

	/* 2. Heartbeats both ways during a 1.2 s pause; no link loss. */
	{
		struct soup_server_cfg sc = { .pause_after = 100, .pause_ns = 1200000000ull,
					      .hb_ns = 200000000ull, .end_session = true };
		start(&sc);
		struct core_soup_client_cfg cc = client_cfg();
		cc.heartbeat_ns = 200000000ull;
		cc.timeout_ns = 1000000000ull;
		run(&cc, NULL, 0, &res);
		soup_server_stop(&srv);
		assert(res.rc == 0 && res.ended && res.msgs == 20000 && res.link_downs == 0);
		printf("heartbeats: server got %" PRIu64 " R, sent %" PRIu64 " H\n", srv.hb_received,
		       srv.hb_sent);
		assert(srv.hb_received >= 3 && srv.hb_sent >= 3);
	}

	/* 3. A silent server: timed out, reconnected, resumed. */
	{
		struct soup_server_cfg sc = { .pause_after = 100, .pause_ns = 1000000000ull,
					      .pause_silent = true, .end_session = true };
		start(&sc);
		struct core_soup_client_cfg cc = client_cfg();
		cc.timeout_ns = 300000000ull;
		uint64_t t0 = core_monotonic_ns();
		run(&cc, NULL, 0, &res);
		soup_server_stop(&srv);
		assert(res.rc == 0 && res.ended && res.msgs == 20000);
		assert(res.link_downs == 1 && res.timeouts == 1);
		assert(srv.nlogins == 2 && srv.logins[1].seq == 101);
		printf("silent server: timed out and resumed at %" PRIu64 " (%.2f s)\n",
		       srv.logins[1].seq, (double)(core_monotonic_ns() - t0) / 1e9);
	}

	/* 4. The server resumes 10 above the number asked for: a gap. */
	{
		struct soup_server_cfg sc = { .drop_after = 50, .resume_shift = 10,
					      .end_session = true };
		start(&sc);
		struct core_soup_client_cfg cc = client_cfg();
		run(&cc, NULL, 0, &res);
		soup_server_stop(&srv);
		assert(res.rc == 0 && res.gaps == 1 && res.gap_seq == 51 && res.gap_count == 10);
		assert(res.msgs == 20000 - 10 && res.last_seq == 20000);
	}

	/* 5. ... 7 below: duplicates dropped, nothing delivered twice. */
	{
		struct soup_server_cfg sc = { .drop_after = 50, .resume_shift = -7,
					      .end_session = true };
		start(&sc);
		struct core_soup_client_cfg cc = client_cfg();
		struct core_soup_client *c;
		assert(core_soup_client_create(&cc, &c, err, sizeof(err)) == 0);
		core_soup_client_destroy(c);
		run(&cc, NULL, 0, &res);
		soup_server_stop(&srv);
		assert(res.rc == 0 && res.gaps == 0 && res.msgs == 20000 && res.last_seq == 20000);
		assert(srv.s_sent == 20000 + 7);
	}

	/* 6. Rejected logins. */
	{
		struct soup_server_cfg sc = { .reject_all = true };
		start(&sc);
		struct core_soup_client_cfg cc = client_cfg();
		run(&cc, NULL, 0, &res);
		assert(res.rc == -EACCES && res.msgs == 0);
		cc.password = "wrong";
		soup_server_stop(&srv);
		sc.reject_all = false;
		start(&sc);
		cc = client_cfg();
		cc.password = "wrong";
		run(&cc, NULL, 0, &res);
		assert(res.rc == -EACCES);
		cc.password = "secret";
		cc.session = "OTHER";
		run(&cc, NULL, 0, &res);
		assert(res.rc == -ENOENT);
		soup_server_stop(&srv);
	}

	/* 7. Logout: the server sees O and closes; the client ends cleanly. */
	{
		struct soup_server_cfg sc = { 0 };
		start(&sc);
		struct core_soup_client_cfg cc = client_cfg();
		cc.seq = 19001; /* start late */
		run(&cc, NULL, 1000, &res);
		soup_server_stop(&srv);
		assert(res.rc == 0 && !res.ended && res.first_seq == 19001);
		assert(res.msgs == 1000 && srv.logouts == 1);
	}

	/* 8. Nobody listening: gives up after max_reconnects. */
	{
		struct soup_server_cfg sc = { 0 };
		start(&sc);
		struct core_soup_client_cfg cc = client_cfg();
		soup_server_stop(&srv); /* the port is closed now */
		cc.max_reconnects = 3;
		run(&cc, NULL, 0, &res);
		assert(res.rc == -ECONNREFUSED && res.link_downs == 3);
	}

	/* 9. The feed stage on a live session (dropped once, resumed): every
	 * message becomes an event in order, then EOS; the stage's books equal
	 * the reference. */
	{
		assert(core_clock_init(5) == 0);
		struct soup_server_cfg sc = { .drop_after = 5000, .end_session = true };
		start(&sc);
		struct core_soup_client_cfg cc = client_cfg();
		struct core_ring *ring = core_ring_create("md", 64, sizeof(struct md_event));
		assert(ring);
		struct feeds_stage_cfg cfg = { .soup = &cc, .out = { ring }, .nout = 1 };
		struct feeds_stage *st;
		assert(feeds_stage_create(&cfg, &st, err, sizeof(err)) == 0);
		uint64_t seq = 0, deadline = core_monotonic_ns() + 20000000000ull;
		bool eos = false;
		while (!eos) {
			assert(core_monotonic_ns() < deadline);
			int r = poll_once(feeds_stage_poll, st, NULL);
			assert(r >= 0);
			struct md_event ev;
			while (core_ring_pop(ring, &ev) == 0) {
				if (ev.kind == MD_EOS) {
					eos = true;
					break;
				}
				assert(ev.seq == ++seq && ev.kind != MD_GAP);
			}
		}
		assert(seq == 20000);
		books_equal(ref, feeds_stage_books(st), 3);
		feeds_stage_destroy(st);
		core_ring_destroy(ring);
		soup_server_stop(&srv);
		assert(srv.nlogins == 2 && srv.logins[1].seq == 5001);
		printf("feed stage over SoupBinTCP: %" PRIu64 " events, books equal\n", seq);
	}

	/* Bad configurations. */
	{
		struct core_soup_client *c;
		struct core_soup_client_cfg cc = { .addr = "127.0.0.1" };
		assert(core_soup_client_create(&cc, &c, err, sizeof(err)) == -EINVAL);
		cc.addr = "127.0.0.1:1";
		cc.username = "toolonguser";
		assert(core_soup_client_create(&cc, &c, err, sizeof(err)) == -EINVAL);
		assert(core_soup_client_destroy(NULL) == NULL);
	}
	feeds_books_destroy(ref);
	feeds_books_destroy(got);
	free(session);
	return 0;
}
