/*
 * osprey-venue - a venue to paper-trade against: replays a NASDAQ day file
 * (or a generated session) as MoldUDP64, takes OUCH 4.2 (SoupBinTCP 3.0) and
 * FIX 4.4 order entry, matches orders against the replayed book (price-time,
 * exact L3 queue position, no market impact: exec_match), writes a drop copy
 * and, at the end, every account's positions. The workings are in venue*.c
 * (venue.h); this file is flags and printing.
 *
 * Exit 0 at the end of the session (or on SIGINT / SIGTERM, summary written),
 * 1 on failure, 2 on usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "json.h"
#include "progress.h"
#include "venue.h"
#include "venue_crypto.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: osprey-venue (--itch FILE | --generate [--seed N] [--messages N] "
	        "[--symbols N])\n"
	        "                    --mold ADDR:PORT [options]\n"
	        "market data\n"
	        "  --itch FILE          replay this capture (day file, MoldUDP64 pcap/pcapng)\n"
	        "  --generate           replay a generated session (osprey-gen's; --seed 1, "
	        "--messages 200000, --symbols 3)\n"
	        "  --mold ADDR:PORT     publish it as MoldUDP64 here (required)\n"
	        "  --serve ADDR:PORT    MoldUDP64 re-request server (default 0.0.0.0:0)\n"
	        "  --speed S            max (default), realtime, or Nx: pace by ITCH timestamps\n"
	        "  --session NAME       MoldUDP64 and SoupBinTCP session (default OSPREY0001)\n"
	        "  --linger-ms N        serve re-requests N ms after the end (default 2000)\n"
	        "  --close-grace-ms N   take orders N ms after the last message (default 200),\n"
	        "                       then close: open orders expire, new ones are rejected\n"
	        "order entry\n"
	        "  --ouch ADDR:PORT     OUCH 4.2 over SoupBinTCP 3.0 (port 0: any free port)\n"
	        "  --fix ADDR:PORT      FIX 4.4 acceptor (port 0: any free port)\n"
	        "  --fix-comp ID        our FIX CompID (default EXEC); a peer's SenderCompID is "
	        "its "
	        "account\n"
	        "  --users U:P,...      accepted logins (SoupBinTCP user:password; FIX CompIDs by "
	        "name);\n"
	        "                       without it any login is accepted\n"
	        "  --cancel-on-disconnect  cancel a client's open orders when it disconnects\n"
	        "  --spin               never sleep in poll(2): the venue owns a cpu (pin it with\n"
	        "                       taskset); a client's send(2) then does not pay the venue's\n"
	        "                       wake-up, and wire-to-wire is not the venue's sleep\n"
	        "  --wait-logins N      publish nothing until N order-entry sessions have logged "
	        "in\n"
	        "  --end-wait-ms N      after the publisher is done, wait N ms for logouts "
	        "(default 5000)\n"
	        "  --client-timeout-ms N  close a silent client after N ms (default 15000)\n"
	        "  --heartbeat-ms N     SoupBinTCP server heartbeat (default 1000)\n"
	        "matching\n"
	        "  --max-refs N         displayed orders the matching engine tracks (default "
	        "65536)\n"
	        "  --tracking lobster|ignore  ITCH tracking numbers (default lobster: see exec.h)\n"
	        "output\n"
	        "  --drop-copy FILE     every order event and fill, CSV\n"
	        "  --positions FILE     every account's positions at the end, CSV\n"
	        "  --journal DIR        keep what the venue is told in DIR, so that after a\n"
	        "                       SIGKILL the same command starts again where it was:\n"
	        "                       orders, fills, OUCH replay, FIX numbers and resends,\n"
	        "                       market data from where it stopped (DIR of another\n"
	        "                       session is refused; a stopped venue's market is closed)\n"
	        "  --json               print the summary as one JSON object\n"
	        "a crypto exchange instead (venue_crypto.h)\n"
	        "  osprey-venue --crypto CAPTURE --binance ADDR:PORT --key-file FILE\n"
	        "               [--rest-capture FILE] [--speed S] [--close-grace-ms N] [--end-wait-ms N]\n"
	        "  --crypto CAPTURE     replay a cryptofeed capture (Binance or Bybit lines) to\n"
	        "                       WebSocket clients on ADDR:PORT, at its pace (--speed)\n"
	        "  --rest-capture FILE  its Binance REST snapshots (cryptofeed's .http file), applied\n"
	        "                       at their times; GET /api/v3/depth serves the book as it stands\n"
	        "  --binance ADDR:PORT  take orders there as Binance spot does (signed REST, the\n"
	        "                       user data stream; plain HTTP: a loopback paper venue),\n"
	        "                       filled against the replayed book\n"
	        "  --key-file FILE      the one account's API key, then its secret, one a line\n"
	        "                       (the file must be ours and nobody else's to read)\n"
	        "  At the end: \"position SYMBOL Q\" for each symbol traded, then counts.\n"
	        "  --quiet              no progress line (drawn on stderr only when it is a terminal)\n"
	        "Log lines (listening ports, sessions, why a session closed) go to stderr.\n"
	        "Orders never change the replayed book (no market impact).\n"
	        "Wire-to-wire: an order whose OUCH token (exec_order_token_put) or FIX ClOrdID\n"
	        "\"<order_id>-<seq>\" names the md seq that triggered it is timed from the send "
	        "of\n"
	        "the MoldUDP64 packet holding that seq to its recv. The engine's md seq is the\n"
	        "MoldUDP64 sequence number only when it reads this feed from its start with no "
	        "gap\n"
	        "events (start it first and use --wait-logins).\n");
}

static struct progress_loop pline; /* on: log lines erase it first, the next redraw
                                     * puts it back */

/* The progress line, drawn from the venue's loop (stderr is a terminal). */
static void progress_line(void *arg, const struct venue_progress *p)
{
	(void)arg;
	if (p->done) {
		progress_loop_erase(&pline);
		pline.on = false;
		return;
	}
	struct progress_sample s = { .done = p->published, .total = p->total };
	snprintf(s.extra, sizeof(s.extra), "%u logins, %" PRIu64 " orders, %" PRIu64 " fills",
	         p->logins, p->orders, p->fills);
	progress_loop_draw(&pline, &s);
}

static void log_line(void *arg, const char *line)
{
	(void)arg;
	if (pline.on)
		fputs("\r\033[K", stderr);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "osprey-venue %02d:%02d:%02d.%03ld %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
	        ts.tv_nsec / 1000000, line);
	fflush(stderr);
}

static int parse_u64(const char *opt, const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "osprey-venue: %s: '%s' is not a non-negative integer\n", opt, s);
		return -1;
	}
	*ret = v;
	return 0;
}

static int parse_speed(const char *s, double *ret)
{
	if (!strcmp(s, "max")) {
		*ret = 0;
		return 0;
	}
	if (!strcmp(s, "realtime")) {
		*ret = 1;
		return 0;
	}
	char *end;
	double v = strtod(s, &end);
	if (end != s && (!strcmp(end, "x") || !*end) && v > 0 && v <= 1e9) {
		*ret = v;
		return 0;
	}
	fprintf(stderr, "osprey-venue: --speed: '%s' is not max, realtime or Nx\n", s);
	return -1;
}

static void us(char *b, size_t n, int64_t ns)
{
	if (ns < 0)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.1f", (double)ns / 1000.0);
}

static void money(char *b, size_t n, int64_t v)
{
	uint64_t a = v < 0 ? -(uint64_t)v : (uint64_t)v;
	snprintf(b, n, "%s%" PRIu64 ".%04" PRIu64, v < 0 ? "-" : "", a / 10000, a % 10000);
}

static int write_positions(const char *path, const struct venue_position *p, int n)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "account,symbol,position,fills,bought,sold,cash\n");
	for (int i = 0; i < n; i++) {
		char c[32];
		money(c, sizeof(c), p[i].cash);
		fprintf(f, "%s,%s,%" PRId64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s\n",
		        p[i].account, p[i].symbol, p[i].position, p[i].fills, p[i].bought,
		        p[i].sold, c);
	}
	return fclose(f) ? -errno : 0;
}

static void print_text(const struct venue_stats *s, const struct venue_position *p, int n)
{
	char a[16], b[16], c[16], d[16];
	printf("osprey-venue: %" PRIu64 " of %" PRIu64 " messages published in %" PRIu64
	       " packets%s\n",
	       s->md_published, s->md_messages, s->packets, s->interrupted ? " (interrupted)" : "");
	printf("sessions: ouch %" PRIu64 " logins (%" PRIu64 " refused, %" PRIu64
	       " malformed), fix %" PRIu64 " logons (%" PRIu64 " session rejects sent, %" PRIu64
	       " received, %" PRIu64 " garbled)\n",
	       s->ouch_logins, s->ouch_login_rejects, s->ouch_malformed, s->fix_logons,
	       s->fix_session_rejects, s->fix_rejects_received, s->fix_garbled);
	printf("orders: %" PRIu64 " new, %" PRIu64 " accepted, %" PRIu64 " rejected (%" PRIu64
	       " duplicate tokens, %" PRIu64 " unknown symbols, %" PRIu64 " after the close)\n",
	       s->orders, s->accepted, s->rejected, s->duplicate_tokens, s->unknown_symbols,
	       s->closed_rejects);
	printf("        %" PRIu64 " fills (%" PRIu64 " shares), %" PRIu64 " canceled (%" PRIu64
	       " expired at the close, %" PRIu64 " on disconnect), %" PRIu64 " replaced, %" PRIu64
	       " mass cancels\n",
	       s->fills, s->filled_qty, s->canceled, s->expired, s->disconnect_cancels, s->replaced,
	       s->mass_cancels);
	printf("        ignored: %" PRIu64 " cancels and %" PRIu64
	       " replaces of no open order, %" PRIu64 " unsupported messages\n",
	       s->cancel_unknown, s->replace_unknown, s->unsupported);
	us(a, sizeof(a), s->w2w_p50);
	us(b, sizeof(b), s->w2w_p99);
	us(c, sizeof(c), s->w2w_p999);
	us(d, sizeof(d), s->w2w_max);
	printf("wire-to-wire (MoldUDP64 send -> order recv, us): %" PRIu64 " orders, p50 %s p99 %s "
	       "p99.9 %s max %s (%" PRIu64 " without a seq, %" PRIu64 " unknown seq)\n",
	       s->w2w_samples, a, b, c, d, s->w2w_no_seq, s->w2w_unknown_seq);
	printf("positions:\n  %-10s %-8s %10s %7s %10s %10s %16s\n", "account", "symbol",
	       "position", "fills", "bought", "sold", "cash");
	for (int i = 0; i < n; i++) {
		char m[32];
		money(m, sizeof(m), p[i].cash);
		printf("  %-10s %-8s %10" PRId64 " %7" PRIu64 " %10" PRIu64 " %10" PRIu64 " %16s\n",
		       p[i].account, p[i].symbol, p[i].position, p[i].fills, p[i].bought, p[i].sold,
		       m);
	}
	if (n == 0)
		printf("  (none)\n");
}

static void print_json(const struct venue_stats *s, const struct venue_position *p, int n)
{
	struct json_out j;
	json_begin(&j, stdout);
	json_bool(&j, "interrupted", s->interrupted);
	json_obj(&j, "market_data");
	json_u64(&j, "messages", s->md_messages);
	json_u64(&j, "published", s->md_published);
	json_u64(&j, "packets", s->packets);
	json_u64(&j, "skipped_events", s->skipped_events);
	json_end(&j);
	json_obj(&j, "ouch");
	json_u64(&j, "logins", s->ouch_logins);
	json_u64(&j, "login_rejects", s->ouch_login_rejects);
	json_u64(&j, "sessions_closed", s->ouch_sessions_closed);
	json_u64(&j, "malformed", s->ouch_malformed);
	json_end(&j);
	json_obj(&j, "fix");
	json_u64(&j, "logons", s->fix_logons);
	json_u64(&j, "sessions_closed", s->fix_sessions_closed);
	json_u64(&j, "session_rejects_sent", s->fix_session_rejects);
	json_u64(&j, "rejects_received", s->fix_rejects_received);
	json_u64(&j, "garbled", s->fix_garbled);
	json_u64(&j, "mass_status_requests", s->fix_mass_status);
	json_u64(&j, "resend_requests", s->fix_resend_requests);
	json_u64(&j, "resent", s->fix_resent);
	json_u64(&j, "gap_filled", s->fix_gap_filled);
	json_end(&j);
	json_obj(&j, "orders");
	json_u64(&j, "entered", s->orders);
	json_u64(&j, "accepted", s->accepted);
	json_u64(&j, "rejected", s->rejected);
	json_u64(&j, "fills", s->fills);
	json_u64(&j, "filled_qty", s->filled_qty);
	json_u64(&j, "canceled", s->canceled);
	json_u64(&j, "expired", s->expired);
	json_u64(&j, "disconnect_cancels", s->disconnect_cancels);
	json_u64(&j, "replaced", s->replaced);
	json_u64(&j, "mass_cancels", s->mass_cancels);
	json_u64(&j, "cancel_unknown", s->cancel_unknown);
	json_u64(&j, "replace_unknown", s->replace_unknown);
	json_u64(&j, "duplicate_tokens", s->duplicate_tokens);
	json_u64(&j, "unknown_symbols", s->unknown_symbols);
	json_u64(&j, "closed_rejects", s->closed_rejects);
	json_u64(&j, "unsupported", s->unsupported);
	json_u64(&j, "restarts", s->restarts);
	json_u64(&j, "journal_errors", s->journal_errors);
	json_end(&j);
	json_obj(&j, "wire_to_wire_ns");
	json_u64(&j, "count", s->w2w_samples);
	json_i64(&j, "p50", s->w2w_p50);
	json_i64(&j, "p99", s->w2w_p99);
	json_i64(&j, "p99_9", s->w2w_p999);
	json_i64(&j, "max", s->w2w_max);
	json_u64(&j, "no_seq", s->w2w_no_seq);
	json_u64(&j, "unknown_seq", s->w2w_unknown_seq);
	json_end(&j);
	json_arr(&j, "positions");
	for (int i = 0; i < n; i++) {
		json_obj(&j, NULL);
		json_str(&j, "account", p[i].account);
		json_str(&j, "symbol", p[i].symbol);
		json_i64(&j, "position", p[i].position);
		json_u64(&j, "fills", p[i].fills);
		json_u64(&j, "bought", p[i].bought);
		json_u64(&j, "sold", p[i].sold);
		json_fixed4(&j, "cash", p[i].cash);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
}

/* osprey-venue --crypto: a crypto exchange (venue_crypto.h). */
static int crypto_main(int argc, char **argv)
{
	struct venue_crypto_cfg cfg = { .log = log_line, .close_grace_ns = 1000000000ull };
	const char *key_file = NULL;
	uint64_t ms;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!val) {
			fprintf(stderr, "osprey-venue: %s needs a value (--help)\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--crypto"))
			cfg.capture = val;
		else if (!strcmp(a, "--rest-capture"))
			cfg.rest_capture = val;
		else if (!strcmp(a, "--binance"))
			cfg.listen = val;
		else if (!strcmp(a, "--key-file"))
			key_file = val;
		else if (!strcmp(a, "--speed")) {
			if (parse_speed(val, &cfg.speed))
				return 2;
		} else if (!strcmp(a, "--close-grace-ms") || !strcmp(a, "--end-wait-ms")) {
			if (parse_u64(a, val, &ms))
				return 2;
			*(a[2] == 'c' ? &cfg.close_grace_ns : &cfg.end_wait_ns) = ms * 1000000ull;
		} else {
			fprintf(stderr, "osprey-venue: --crypto takes %s? (--help)\n", a);
			return 2;
		}
	}
	if (!cfg.capture || !cfg.listen || !key_file) {
		fprintf(stderr, "osprey-venue: --crypto needs --binance ADDR:PORT and --key-file\n");
		return 2;
	}
	char err[512], *keys;
	size_t len;
	if (core_secret_read(key_file, 4096, &keys, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, "osprey-venue: --key-file %s\n", err);
		return 1;
	}
	char *secret = strchr(keys, '\n');
	if (secret) {
		*secret++ = '\0';
		secret[strcspn(secret, "\r\n")] = '\0';
	}
	cfg.api_key = keys;
	cfg.secret = secret;
	struct venue_crypto *v = NULL;
	int r = secret && *secret ? venue_crypto_create(&cfg, &v, err, sizeof(err)) : -EINVAL;
	explicit_bzero(keys, len);
	free(keys);
	if (r < 0) {
		fprintf(stderr, "osprey-venue: %s\n",
		        secret && *secret ? err : "--key-file: the API key, then the secret, one a line");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	r = venue_crypto_run(v, &stop_flag, err, sizeof(err));
	struct venue_crypto_stats s;
	venue_crypto_stats(v, &s);
	struct venue_crypto_position *pos;
	int n = venue_crypto_positions(v, &pos);
	for (int i = 0; i < n; i++) {
		uint64_t p = 1, a = (uint64_t)llabs(pos[i].position);
		for (unsigned k = 0; k < pos[i].qty_decimals; k++)
			p *= 10;
		printf("position %s %s%" PRIu64 ".%0*" PRIu64 "\n", pos[i].symbol,
		       pos[i].position < 0 ? "-" : "", a / p, (int)pos[i].qty_decimals, a % p);
	}
	if (n >= 0)
		free(pos);
	printf("lines %" PRIu64 " messages %" PRIu64 " bad_lines %" PRIu64 " md_clients %" PRIu64
	       " md_sent %" PRIu64 " md_slow %" PRIu64 "\n",
	       s.lines, s.messages, s.bad_lines, s.md_clients, s.md_sent, s.md_slow);
	printf("orders %" PRIu64 " accepted %" PRIu64 " rejected %" PRIu64 " fills %" PRIu64
	       " canceled %" PRIu64 " expired %" PRIu64 " auth_failures %" PRIu64 "\n",
	       s.orders, s.accepted, s.rejected, s.fills, s.canceled, s.expired, s.auth_failures);
	if (s.last_reject[0])
		printf("last_reject %s\n", s.last_reject);
	venue_crypto_destroy(v);
	if (r < 0) {
		fprintf(stderr, "osprey-venue: %s\n", err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--crypto"))
			return crypto_main(argc, argv);
	struct venue_cfg cfg = { .gen = { .seed = 1, .messages = 200000, .symbols = 3 },
		                 .linger_ns = 2000000000ull,
		                 .close_grace_ns = 200000000ull,
		                 .end_wait_ns = 5000000000ull,
		                 .log = log_line };
	const char *positions = NULL;
	bool json = false, generate = false, quiet = false;
	uint64_t v;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--generate")) {
			generate = true;
			continue;
		}
		if (!strcmp(a, "--cancel-on-disconnect")) {
			cfg.cancel_on_disconnect = true;
			continue;
		}
		if (!strcmp(a, "--quiet")) {
			quiet = true;
			continue;
		}
		if (!strcmp(a, "--json")) {
			json = true;
			continue;
		}
		if (!strcmp(a, "--spin")) {
			cfg.spin = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "osprey-venue: %s: missing value (or unknown option)\n", a);
			usage(stderr);
			return 2;
		}
		const char *val = argv[++i];
		if (!strcmp(a, "--itch")) {
			cfg.itch = val;
		} else if (!strcmp(a, "--seed")) {
			if (parse_u64(a, val, &cfg.gen.seed))
				return 2;
		} else if (!strcmp(a, "--messages")) {
			if (parse_u64(a, val, &cfg.gen.messages) || !cfg.gen.messages)
				return 2;
		} else if (!strcmp(a, "--symbols")) {
			if (parse_u64(a, val, &v) || v == 0 || v > 1000) {
				fprintf(stderr, "osprey-venue: --symbols must be 1..1000\n");
				return 2;
			}
			cfg.gen.symbols = (unsigned)v;
		} else if (!strcmp(a, "--mold")) {
			cfg.mold = val;
		} else if (!strcmp(a, "--serve")) {
			cfg.serve = val;
		} else if (!strcmp(a, "--speed")) {
			if (parse_speed(val, &cfg.speed))
				return 2;
		} else if (!strcmp(a, "--session")) {
			if (strlen(val) > 10) {
				fprintf(stderr,
				        "osprey-venue: --session is at most 10 characters\n");
				return 2;
			}
			snprintf(cfg.session, sizeof(cfg.session), "%s", val);
		} else if (!strcmp(a, "--linger-ms")) {
			if (parse_u64(a, val, &v))
				return 2;
			cfg.linger_ns = (v ? v : 1) * 1000000u;
		} else if (!strcmp(a, "--close-grace-ms")) {
			if (parse_u64(a, val, &v))
				return 2;
			cfg.close_grace_ns = v * 1000000u;
		} else if (!strcmp(a, "--ouch")) {
			cfg.ouch = val;
		} else if (!strcmp(a, "--fix")) {
			cfg.fix = val;
		} else if (!strcmp(a, "--fix-comp")) {
			cfg.fix_comp = val;
		} else if (!strcmp(a, "--users")) {
			cfg.users = val;
		} else if (!strcmp(a, "--wait-logins")) {
			if (parse_u64(a, val, &v) || v > 1000)
				return 2;
			cfg.wait_logins = (unsigned)v;
		} else if (!strcmp(a, "--end-wait-ms")) {
			if (parse_u64(a, val, &v))
				return 2;
			cfg.end_wait_ns = v * 1000000u;
		} else if (!strcmp(a, "--client-timeout-ms")) {
			if (parse_u64(a, val, &v) || !v)
				return 2;
			cfg.client_timeout_ns = v * 1000000u;
		} else if (!strcmp(a, "--heartbeat-ms")) {
			if (parse_u64(a, val, &v) || !v)
				return 2;
			cfg.soup_heartbeat_ns = v * 1000000u;
		} else if (!strcmp(a, "--max-refs")) {
			if (parse_u64(a, val, &v) || v > (1u << 26))
				return 2;
			cfg.max_refs = (uint32_t)v;
		} else if (!strcmp(a, "--tracking")) {
			if (!strcmp(val, "lobster")) {
				cfg.tracking = EXEC_MATCH_TRACKING_LOBSTER;
			} else if (!strcmp(val, "ignore")) {
				cfg.tracking = EXEC_MATCH_TRACKING_IGNORE;
			} else {
				fprintf(stderr, "osprey-venue: --tracking is lobster or ignore\n");
				return 2;
			}
		} else if (!strcmp(a, "--drop-copy")) {
			cfg.drop_copy = val;
		} else if (!strcmp(a, "--positions")) {
			positions = val;
		} else if (!strcmp(a, "--journal")) {
			cfg.journal = val;
		} else {
			fprintf(stderr, "osprey-venue: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!!cfg.itch == generate) {
		fprintf(stderr, "osprey-venue: give exactly one of --itch FILE and --generate\n");
		usage(stderr);
		return 2;
	}
	if (!cfg.mold) {
		fprintf(stderr, "osprey-venue: --mold ADDR:PORT is required\n");
		return 2;
	}
	if (!cfg.ouch && !cfg.fix)
		fprintf(stderr,
		        "osprey-venue: neither --ouch nor --fix: a feed nobody can trade\n");

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	char err[512];
	struct venue *ven;
	progress_loop_init(&pline, "venue", " msgs", quiet);
	if (pline.on)
		cfg.progress = progress_line; /* from the venue's own loop: no thread */
	if (venue_create(&cfg, &ven, err, sizeof(err)) < 0) {
		fprintf(stderr, "osprey-venue: %s\n", err);
		return 1;
	}
	int rc = venue_run(ven, &stop_flag, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "osprey-venue: %s\n", err);
	struct venue_stats st;
	venue_stats(ven, &st);
	struct venue_position *pos = NULL;
	int n = venue_positions(ven, &pos);
	if (n < 0) {
		fprintf(stderr, "osprey-venue: out of memory\n");
		venue_destroy(ven);
		return 1;
	}
	if (positions) {
		int r = write_positions(positions, pos, n);
		if (r < 0) {
			fprintf(stderr, "osprey-venue: --positions %s: %s\n", positions,
			        strerror(-r));
			rc = r;
		}
	}
	if (json)
		print_json(&st, pos, n);
	else
		print_text(&st, pos, n);
	fflush(stdout);
	free(pos);
	venue_destroy(ven);
	return rc < 0 ? 1 : 0;
}
