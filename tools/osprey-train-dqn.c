/*
 * osprey-train-dqn - train a double-DQN trading policy on a capture, export it
 * as an int8 model (.onn), and evaluate it honestly on the later part of the
 * capture against always-hold and a simple momentum rule.
 *
 *   osprey-train-dqn --itch FILE --seed S --episodes N -o policy.onn
 *
 * The tape is the features stage's output for the capture's first instrument
 * (one step per change of the mid). Steps [0, train) train the network (and
 * calibrate the int8 scales); [train, end) are held out: the table and the
 * float-vs-int8 argmax agreement come from them only.
 *
 * Exit status: 0, 1 on an error (file, memory), 2 on bad usage, 3 when the
 * int8 policy agrees with the float one on fewer than 99% of the held-out
 * states (the file is written anyway). The policy's position input is
 * pos / (max_lots * lot), so whoever runs it must use the same limit.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_tape.h"
#include "progress.h"
#include "train_report.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: osprey-train-dqn --itch FILE -o POLICY.onn [options]\n"
		"  --itch FILE        ITCH 5.0 capture (day file or MoldUDP64 pcap)\n"
		"  -o, --out FILE     write the int8 policy here\n"
		"  --seed S           RNG seed (default 1): same seed, same weights\n"
		"  --episodes N       training episodes (default 20)\n"
		"  --steps N          steps per episode (default 5000)\n"
		"  --hidden N         hidden width, both layers (default 64, max 64)\n"
		"  --train-frac F     leading fraction of the tape used for training (default 0.7)\n"
		"  --every-event      one step per warm feature vector (default: per mid change)\n"
		"  --lot N            shares per order (default 100)\n"
		"  --max-lots N       position limit in lots (default 5)\n"
		"  --latency N        steps from decision to fill (default 1)\n"
		"  --fee X            dollars per share (default 0.0030)\n"
		"  --inv-penalty X    per step per lot held, dollars (default 0.01)\n"
		"  --dd-penalty X     per dollar of new drawdown (default 0.1)\n"
		"  --sharpe-bonus X   times the rolling Sharpe ratio per step (default 0.05)\n"
		"  --reject-penalty X dollars per order beyond the limit (default 5)\n"
		"  --gamma X          discount (default 0.95)\n"
		"  --lr X             Adam learning rate (default 5e-4)\n"
		"  --path P           kernel path for the int8 model: auto, scalar, avx2, avx512\n"
		"  --report F.html    the training report: reward, loss and P&L per episode, the\n"
		"                     held-out evaluation next to the reference policies\n"
		"  --quiet            no per-episode lines, no progress line (drawn on stderr only\n"
		"                     when it is a terminal)\n"
		"exit status 3: int8/float argmax agreement below 99%% on the held-out states\n");
}

/* Each episode: its line on stdout, and the progress line on a terminal's
 * stderr (erased while the episode line is written, drawn again after). */
struct episodes {
	struct progress_loop line;
	uint32_t total;
	bool quiet;              /* no episode lines */
	struct train_report *tr; /* --report: each episode, or NULL */
};

static void progress(void *ctx, const struct strat_dqn_progress *p)
{
	struct episodes *ep = ctx;
	if (ep->tr)
		train_report_episode(ep->tr, p->reward, p->mean_loss, p->pnl, p->epsilon);
	if (ep->quiet)
		return;
	progress_loop_erase(&ep->line);
	printf("episode %3u  steps %8llu  updates %7llu  eps %.3f  loss %8.4f  reward %10.1f  "
	       "pnl %10.2f\n",
	       p->episode, (unsigned long long)p->steps, (unsigned long long)p->updates,
	       (double)p->epsilon, p->mean_loss, p->reward, p->pnl);
	fflush(stdout);
	struct progress_sample s = { .done = p->episode, .total = ep->total }; /* 1-based: done */
	snprintf(s.extra, sizeof(s.extra), "reward %.1f, loss %.4f", p->reward, p->mean_loss);
	progress_loop_draw(&ep->line, &s);
}

static void row(const char *name, const struct strat_eval *e)
{
	char pf[32];
	if (isinf(e->profit_factor))
		snprintf(pf, sizeof(pf), "inf");
	else
		snprintf(pf, sizeof(pf), "%.3f", e->profit_factor);
	printf("%-18s %12.2f %8.3f %10.2f %8.3f %8s %8llu %8llu %6lld\n", name, e->pnl, e->sharpe,
	       e->max_dd, e->win_rate, pf, (unsigned long long)e->fills, (unsigned long long)e->trades,
	       (long long)e->final_pos);
}

/* Directional references (not baselines a policy must beat): buy (sell) until
 * the position limit, then hold. */
static int always_buy(void *ctx, const int32_t *state, unsigned n)
{
	(void)ctx;
	return state[n - 1] < 65536 ? STRAT_ACT_BUY : STRAT_ACT_HOLD;
}

static int always_sell(void *ctx, const int32_t *state, unsigned n)
{
	(void)ctx;
	return state[n - 1] > -65536 ? STRAT_ACT_SELL : STRAT_ACT_HOLD;
}

static bool parse_double(const char *s, double *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end)
		return false;
	*ret = v;
	return true;
}

static bool parse_u32(const char *s, uint32_t *ret)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

int main(int argc, char **argv)
{
	const char *itch = NULL, *out = NULL, *pathname = "auto";
	double train_frac = 0.7, gamma = 0.95, lr = 5e-4;
	bool every = false, quiet = false;
	const char *report = NULL;
	uint32_t hidden = 64;
	struct strat_dqn_cfg dc = { .episodes = 20, .episode_steps = 5000, .seed = 1 };
	struct strat_venue_cfg vc = { .lot = 100, .max_lots = 5, .latency = 1, .fee = 0.003,
				      .inv_penalty = 0.01, .dd_penalty = 0.1, .sharpe_bonus = 0.05,
				      .reject_penalty = 5.0 };
	enum { O_ITCH = 256, O_SEED, O_EP, O_STEPS, O_HID, O_FRAC, O_EVERY, O_LOT, O_MAXL, O_LAT,
	       O_FEE, O_INV, O_DD, O_SH, O_REJ, O_GAMMA, O_LR, O_PATH, O_QUIET, O_REPORT };
	static const struct option lo[] = {
		{ "itch", 1, 0, O_ITCH }, { "out", 1, 0, 'o' }, { "seed", 1, 0, O_SEED },
		{ "episodes", 1, 0, O_EP }, { "steps", 1, 0, O_STEPS }, { "hidden", 1, 0, O_HID },
		{ "train-frac", 1, 0, O_FRAC }, { "every-event", 0, 0, O_EVERY }, { "lot", 1, 0, O_LOT },
		{ "max-lots", 1, 0, O_MAXL }, { "latency", 1, 0, O_LAT }, { "fee", 1, 0, O_FEE },
		{ "inv-penalty", 1, 0, O_INV }, { "dd-penalty", 1, 0, O_DD },
		{ "sharpe-bonus", 1, 0, O_SH }, { "reject-penalty", 1, 0, O_REJ },
		{ "gamma", 1, 0, O_GAMMA }, { "lr", 1, 0, O_LR }, { "path", 1, 0, O_PATH },
		{ "quiet", 0, 0, O_QUIET }, { "report", 1, 0, O_REPORT }, { "help", 0, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	bool ok = true;
	while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		uint64_t seed;
		char *end;
		switch (c) {
		case O_ITCH: itch = optarg; break;
		case 'o': out = optarg; break;
		case O_SEED:
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			ok &= !errno && end != optarg && !*end;
			dc.seed = seed;
			break;
		case O_EP: ok &= parse_u32(optarg, &dc.episodes) && dc.episodes > 0; break;
		case O_STEPS: ok &= parse_u32(optarg, &dc.episode_steps) && dc.episode_steps > 0; break;
		case O_HID: ok &= parse_u32(optarg, &hidden) && hidden >= 1 && hidden <= 64; break;
		case O_FRAC: ok &= parse_double(optarg, &train_frac) && train_frac > 0 && train_frac < 1; break;
		case O_EVERY: every = true; break;
		case O_LOT: ok &= parse_u32(optarg, &vc.lot) && vc.lot > 0; break;
		case O_MAXL: ok &= parse_u32(optarg, &vc.max_lots) && vc.max_lots > 0; break;
		case O_LAT: ok &= parse_u32(optarg, &vc.latency); break;
		case O_FEE: ok &= parse_double(optarg, &vc.fee); break;
		case O_INV: ok &= parse_double(optarg, &vc.inv_penalty); break;
		case O_DD: ok &= parse_double(optarg, &vc.dd_penalty); break;
		case O_SH: ok &= parse_double(optarg, &vc.sharpe_bonus); break;
		case O_REJ: ok &= parse_double(optarg, &vc.reject_penalty); break;
		case O_GAMMA: ok &= parse_double(optarg, &gamma) && gamma > 0 && gamma < 1; break;
		case O_LR: ok &= parse_double(optarg, &lr) && lr > 0; break;
		case O_PATH: pathname = optarg; break;
		case O_QUIET: quiet = true; break;
		case O_REPORT: report = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (!ok) {
			const char *name = "?";
			for (const struct option *o = lo; o->name; o++)
				if (o->val == c)
					name = o->name;
			fprintf(stderr, "osprey-train-dqn: bad value '%s' for --%s\n", optarg ? optarg : "",
				name);
			return 2;
		}
	}
	if (!itch || !out || optind != argc) {
		usage(stderr);
		return 2;
	}
	dc.hidden[0] = dc.hidden[1] = hidden;
	dc.gamma = (float)gamma;
	dc.lr = (float)lr;
	enum strat_nn_path path = STRAT_NN_PATH_AUTO;
	for (int p = STRAT_NN_PATH_AUTO; p <= STRAT_NN_PATH_AVX512; p++)
		if (!strcmp(pathname, strat_nn_path_name(p)))
			path = p;
	if (strcmp(pathname, strat_nn_path_name(path)) || strat_nn_path_select(path) != 0) {
		fprintf(stderr, "osprey-train-dqn: kernel path '%s' unknown or not supported here\n",
			pathname);
		return 2;
	}

	char err[512];
	struct nn_tape_buf tb;
	core_clock_init(1);
	int r = nn_tape_build(itch, every, &tb, err, sizeof(err));
	if (r) {
		fprintf(stderr, "osprey-train-dqn: %s\n", err);
		return 1;
	}
	const struct strat_tape *tape = &tb.tape;
	size_t split = (size_t)((double)tape->n * train_frac);
	if (split < 2 || tape->n - split < 2) {
		fprintf(stderr, "osprey-train-dqn: %zu tape steps: too few to split\n", tape->n);
		return 1;
	}
	printf("tape: %s: %llu md events, %llu warm vectors of locate %u, %zu steps; train [0, %zu), "
	       "held out [%zu, %zu)\n",
	       itch, (unsigned long long)tb.md_events, (unsigned long long)tb.vectors, tb.locate,
	       tape->n, split, split, tape->n);
	printf("venue: lot %u, limit %u lots, latency %u steps, fee $%.4f/share (simplified: fills "
	       "in full at the opposite best)\n",
	       vc.lot, vc.max_lots, vc.latency, vc.fee);
	printf("dqn: %u -> %u -> %u -> 3, %u episodes x %u steps, seed %llu\n", tape->nfeat + 1, hidden,
	       hidden, dc.episodes, dc.episode_steps, (unsigned long long)dc.seed);

	struct strat_mlp *m = NULL;
	uint64_t t0 = core_monotonic_ns();
	struct episodes ep = { .total = dc.episodes, .quiet = quiet };
	if (report) {
		if (!(ep.tr = train_report_create("dqn", itch))) {
			fprintf(stderr, "osprey-train-dqn: out of memory\n");
			return 1;
		}
		train_report_setting(ep.tr, "episodes", dc.episodes);
		train_report_setting(ep.tr, "steps_per_episode", dc.episode_steps);
		train_report_setting(ep.tr, "hidden", hidden);
		train_report_setting(ep.tr, "seed", (double)dc.seed);
		train_report_setting(ep.tr, "gamma", gamma);
		train_report_setting(ep.tr, "learning_rate", lr);
		train_report_setting(ep.tr, "train_fraction", train_frac);
		train_report_part(ep.tr, "train", split, NAN, 0, 0);
		train_report_part(ep.tr, "held out", tape->n - split, NAN, 0, 0);
	}
	progress_loop_init(&ep.line, "dqn", " episodes", quiet);
	r = strat_dqn_train(&dc, &vc, tape, 0, split, quiet && !report ? NULL : progress, &ep, &m,
	                    err, sizeof(err));
	progress_loop_erase(&ep.line);
	if (r) {
		fprintf(stderr, "osprey-train-dqn: %s\n", err);
		return 1;
	}
	printf("trained in %.1f s\n", (double)(core_monotonic_ns() - t0) / 1e9);

	/* int8 export: calibrate on the states the float policy visits in training data */
	unsigned ns = tape->nfeat + 1;
	size_t nh = tape->n - split;
	int32_t *cal = malloc(split * ns * sizeof(int32_t)), *held = malloc(nh * ns * sizeof(int32_t));
	if (!cal || !held) {
		fprintf(stderr, "osprey-train-dqn: out of memory\n");
		return 1;
	}
	struct strat_eval ef, eq, eh, em, el, es, tmp;
	strat_venue_eval(&vc, tape, 0, split, strat_policy_mlp, m, &tmp, cal);
	const char *extra[] = { "position" };
	uint64_t hash = strat_nn_schema_hash(extra, 1);
	struct strat_qmlp *q = NULL;
	r = strat_qmlp_quantize(m, cal, split, ns, hash, &q, err, sizeof(err));
	if (r) {
		fprintf(stderr, "osprey-train-dqn: %s\n", err);
		return 1;
	}
	r = strat_qmlp_save(q, out, err, sizeof(err));
	if (r) {
		fprintf(stderr, "osprey-train-dqn: %s\n", err);
		return 1;
	}
	struct strat_qmlp_info qi;
	strat_qmlp_info(q, &qi);
	printf("wrote %s: %zu bytes, schema %016llx, kernel path %s\n", out, qi.file_bytes,
	       (unsigned long long)hash, strat_nn_path_name(strat_nn_path_active()));

	/* held-out evaluation */
	struct strat_momentum mom = { .feature = STRAT_F_RET8_BPS, .threshold = 0 };
	strat_venue_eval(&vc, tape, split, tape->n, strat_policy_mlp, m, &ef, held);
	strat_venue_eval(&vc, tape, split, tape->n, strat_policy_qmlp, q, &eq, NULL);
	strat_venue_eval(&vc, tape, split, tape->n, strat_policy_hold, NULL, &eh, NULL);
	strat_venue_eval(&vc, tape, split, tape->n, strat_policy_momentum, &mom, &em, NULL);
	strat_venue_eval(&vc, tape, split, tape->n, always_buy, NULL, &el, NULL);
	strat_venue_eval(&vc, tape, split, tape->n, always_sell, NULL, &es, NULL);
	size_t agree = 0;
	for (size_t i = 0; i < nh; i++)
		agree += strat_policy_mlp(m, held + i * ns, ns) == strat_qmlp_forward(q, held + i * ns, NULL);
	double agreement = (double)agree / (double)nh;
	printf("int8 vs float argmax agreement on %zu held-out states: %.2f%%%s\n", nh, 100.0 * agreement,
	       agreement >= 0.99 ? "" : "  (BELOW the 99% requirement)");
	printf("\nheld-out replay, steps [%zu, %zu) (Sharpe: mean/stdev of %u-step P&L, not annualized)\n",
	       split, tape->n, vc.sharpe_window ? vc.sharpe_window : 100);
	printf("%-18s %12s %8s %10s %8s %8s %8s %8s %6s\n", "policy", "P&L $", "Sharpe", "max DD $",
	       "win", "PF", "fills", "closes", "pos");
	const struct {
		const char *name;
		const struct strat_eval *e;
	} rows[] = { { "dqn int8", &eq },       { "dqn float", &ef },
		     { "always hold", &eh },    { "momentum ret8", &em },
		     { "max long (ref)", &el }, { "max short (ref)", &es } };
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		row(rows[i].name, rows[i].e);
		if (ep.tr)
			train_report_policy(ep.tr, rows[i].name, rows[i].e->pnl, rows[i].e->sharpe,
			                    rows[i].e->max_dd, rows[i].e->win_rate,
			                    rows[i].e->profit_factor, rows[i].e->fills,
			                    rows[i].e->trades);
	}
	const char *best = eh.pnl >= em.pnl ? "always hold" : "momentum";
	double bp = eh.pnl >= em.pnl ? eh.pnl : em.pnl;
	if (eq.pnl > bp)
		printf("verdict: the int8 policy beats both baselines on held-out P&L (%.2f vs %s %.2f)\n",
		       eq.pnl, best, bp);
	else
		printf("verdict: the int8 policy does NOT beat its baseline on held-out P&L (%.2f vs %s "
		       "%.2f)\n",
		       eq.pnl, best, bp);
	double dir = el.pnl > es.pnl ? el.pnl : es.pnl;
	printf("reference: a constant position at the limit made %.2f (%s); the policy %s it\n", dir,
	       el.pnl > es.pnl ? "long" : "short", eq.pnl > dir ? "beats" : "does not beat");
	int report_failed = 0;
	if (ep.tr) {
		char rerr[4400];
		train_report_verdict(ep.tr, eq.pnl > bp);
		if (train_report_write(ep.tr, report, rerr, sizeof(rerr)) < 0) {
			fprintf(stderr, "osprey-train-dqn: --report %s\n", rerr);
			report_failed = 1;
		} else {
			printf("report %s\n", report);
		}
		train_report_destroy(ep.tr);
	}
	free(cal);
	free(held);
	strat_qmlp_free(q);
	strat_mlp_free(m);
	nn_tape_free(&tb);
	return report_failed ? 1 : agreement >= 0.99 ? 0 : 3;
}
