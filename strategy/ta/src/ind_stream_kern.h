/*
 * ind_stream_kern.h - the streaming indicator bank's per-bar update, written
 * once and instantiated for several lane types (private to the strategy library).
 *
 * The includer defines, then includes this file (which #undefs them again):
 *   KNAME            function name
 *   KATTR            function attributes (e.g. __attribute__((target("avx2"))))
 *   V, M             lane vector type and its compare-mask type
 *   K1(x)            broadcast a double
 *   KLD(p), KST(p,v) load / store V at double *p (aligned to sizeof(V): state)
 *   KLDU(p), KSTU(p,v) the same without an alignment requirement (inputs, outputs)
 *   KGT KLT KNE      compares -> M;  KAND(a,b), KANDN(a,b) = a & ~b, KNOT(a) on masks
 *   KSEL(m,a,b)      per lane m ? a : b
 *   KABS(a), KSQRT(a)
 *   KMAX(a,b), KMIN(a,b)  a > b ? a : b and a < b ? a : b (maxsd/minsd semantics)
 *
 * Every lane runs the exact sequence of IEEE double operations TA-Lib 0.6.0 runs
 * for the same column (see /work/shared/oracles/README.md and ind_stream.c), with
 * branches that depend on data turned into selects: a select picks one of two
 * values that were each computed by the same operations the branch would have
 * run, so every lane type gives the same bits. Branches on the bar count are
 * shared by all lanes (instruments update in lockstep).
 *
 * State: field e of lane j is st[e * L + j]; ring row r of lane j is
 * rg[r * L + j]; this call handles lanes lo .. lo + sizeof(V)/8 - 1.
 * Outputs: out[col * L + j]. Inputs: in[IN_x * L + j].
 */
#ifndef KNAME
#error "define KNAME and the lane macros before including ind_stream_kern.h"
#endif

KATTR static void KNAME(const struct ind_cfg *cfg, const struct ind_ctl *ctl, double *st,
			double *rg, const double *in, double *out, unsigned L, unsigned lo)
{
#define F(e)      (st + (size_t)(e) * L + lo)
#define RGP(r)    (rg + (size_t)(r) * L + lo)
#define GETF(e)   KLD(F(e))
#define SETF(e, v) KST(F(e), (v))
#define OUT(c, v) KSTU(out + (size_t)(c) * L + lo, (v))
	const uint64_t i = ctl->n;
	const V nan = K1(NAN), zero = K1(0.0);
	const V c = KLDU(in + (size_t)IN_CLOSE * L + lo);
	const V eps = K1(1e-14), neps = K1(-1e-14);

	KST(RGP(ROW_CLOSE + (i & RING_MASK)), c);

	/* SMA: running sum, out = sum / N, then the oldest leaves. */
	{
		const uint64_t N = cfg->sma;
		V s = GETF(S_SMA_SUM) + c;
		if (i + 1 >= N) {
			V old = KLD(RGP(ROW_CLOSE + ((i + 1 - N) & RING_MASK)));
			SETF(S_SMA_SUM, s - old);
			OUT(IX_SMA, s / K1((double)N));
		} else {
			SETF(S_SMA_SUM, s);
			OUT(IX_SMA, nan);
		}
	}
	/* EMA: seed = SMA of the first N, then ((x - ema) * k) + ema. */
	{
		const uint64_t N = cfg->ema;
		if (i + 1 < N) {
			SETF(S_EMA_SUM, GETF(S_EMA_SUM) + c);
			OUT(IX_EMA, nan);
		} else if (i + 1 == N) {
			V e = (GETF(S_EMA_SUM) + c) / K1((double)N);
			SETF(S_EMA, e);
			OUT(IX_EMA, e);
		} else {
			V e = GETF(S_EMA);
			e = ((c - e) * K1(cfg->ema_k)) + e;
			SETF(S_EMA, e);
			OUT(IX_EMA, e);
		}
	}
	/* RSI (Wilder): sums of moves over bars 1..N, then avg*(N-1) + move, / N. */
	{
		const uint64_t N = cfg->rsi;
		V res = nan;
		if (i == 0) {
			SETF(S_RSI_PREV, c);
		} else {
			V d = c - GETF(S_RSI_PREV);
			SETF(S_RSI_PREV, c);
			V g = GETF(S_RSI_GAIN), l = GETF(S_RSI_LOSS);
			if (i > N) {
				l = l * K1((double)(N - 1));
				g = g * K1((double)(N - 1));
			}
			M neg = KLT(d, zero);
			l = KSEL(neg, l - d, l);
			g = KSEL(neg, g, g + d);
			if (i >= N) {
				l = l / K1((double)N);
				g = g / K1((double)N);
				V t = g + l;
				M z = KAND(KGT(t, neps), KLT(t, eps));
				res = KSEL(z, zero, K1(100.0) * (g / t));
			}
			SETF(S_RSI_GAIN, g);
			SETF(S_RSI_LOSS, l);
		}
		OUT(IX_RSI, res);
	}
	/* MACD: both EMAs seeded at bar slow-1 (fast from the last `fast` closes),
	 * signal = EMA of MACD seeded with its SMA; output from bar slow+sig-2. */
	{
		const uint64_t B = cfg->macd_slow - 1, S = cfg->macd_sig;
		V m = nan, sg = nan, hi = nan;
		if (i <= B) {
			SETF(S_MS_SUM, GETF(S_MS_SUM) + c);
			if (i + cfg->macd_fast >= B + 1)
				SETF(S_MF_SUM, GETF(S_MF_SUM) + c);
		}
		if (i >= B) {
			V fs, sl;
			if (i == B) {
				sl = GETF(S_MS_SUM) / K1((double)cfg->macd_slow);
				fs = GETF(S_MF_SUM) / K1((double)cfg->macd_fast);
			} else {
				sl = GETF(S_MSLOW);
				sl = ((c - sl) * K1(cfg->macd_ks)) + sl;
				fs = GETF(S_MFAST);
				fs = ((c - fs) * K1(cfg->macd_kf)) + fs;
			}
			SETF(S_MSLOW, sl);
			SETF(S_MFAST, fs);
			V md = fs - sl;
			uint64_t j = i - B;
			if (j + 1 < S) {
				SETF(S_SIG_SUM, GETF(S_SIG_SUM) + md);
			} else {
				V s;
				if (j + 1 == S) {
					s = (GETF(S_SIG_SUM) + md) / K1((double)S);
				} else {
					s = GETF(S_SIG);
					s = ((md - s) * K1(cfg->macd_ksig)) + s;
				}
				SETF(S_SIG, s);
				m = md;
				sg = s;
				hi = md - s;
			}
		}
		OUT(IX_MACD, m);
		OUT(IX_MACDSIG, sg);
		OUT(IX_MACDHIST, hi);
	}
	/* Bollinger (SMA middle): sigma from a running sum of squares minus middle^2. */
	{
		const uint64_t N = cfg->bb;
		V s = GETF(S_BB_SUM) + c;
		V sq = c * c;
		V s2 = GETF(S_BB_SUM2) + sq;
		if (i + 1 >= N) {
			V old = KLD(RGP(ROW_CLOSE + ((i + 1 - N) & RING_MASK)));
			V mid = s / K1((double)N);
			SETF(S_BB_SUM, s - old);
			V m2 = s2 / K1((double)N);
			V o2 = old * old;
			SETF(S_BB_SUM2, s2 - o2);
			V mm = mid * mid;
			m2 = m2 - mm;
			V sd = KSEL(KLT(m2, eps), zero, KSQRT(m2));
			OUT(IX_BB_UP, mid + (sd * K1(cfg->bb_up)));
			OUT(IX_BB_MID, mid);
			OUT(IX_BB_LO, mid - (sd * K1(cfg->bb_dn)));
		} else {
			SETF(S_BB_SUM, s);
			SETF(S_BB_SUM2, s2);
			OUT(IX_BB_UP, nan);
			OUT(IX_BB_MID, nan);
			OUT(IX_BB_LO, nan);
		}
	}
	/* STDDEV: separate running sums of x and x^2; var = E[x^2] - E[x]^2. */
	{
		const uint64_t N = cfg->sd;
		V s1 = GETF(S_SD_S1) + c;
		V sq = c * c;
		V s2 = GETF(S_SD_S2) + sq;
		if (i + 1 >= N) {
			V m1 = s1 / K1((double)N);
			V m2 = s2 / K1((double)N);
			V old = KLD(RGP(ROW_CLOSE + ((i + 1 - N) & RING_MASK)));
			s1 = s1 - old;
			V o2 = old * old;
			s2 = s2 - o2;
			V var = m2 - (m1 * m1);
			OUT(IX_STDDEV, KSEL(KLT(var, eps), zero, KSQRT(var) * K1(cfg->sd_nb)));
		} else {
			OUT(IX_STDDEV, nan);
		}
		SETF(S_SD_S1, s1);
		SETF(S_SD_S2, s2);
	}
	/* WMA: TA-Lib's periodSum / periodSub recurrences. */
	{
		const uint64_t N = cfg->wma;
		if (i + 1 < N) {
			SETF(S_WMA_SUB, GETF(S_WMA_SUB) + c);
			SETF(S_WMA_SUM, GETF(S_WMA_SUM) + (c * K1((double)(i + 1))));
			OUT(IX_WMA, nan);
		} else {
			V sub = GETF(S_WMA_SUB) + c;
			sub = sub - GETF(S_WMA_TV);
			V sum = GETF(S_WMA_SUM) + (c * K1((double)N));
			SETF(S_WMA_TV, KLD(RGP(ROW_CLOSE + ((i + 1 - N) & RING_MASK))));
			OUT(IX_WMA, sum / K1(cfg->wma_div));
			SETF(S_WMA_SUM, sum - sub);
			SETF(S_WMA_SUB, sub);
		}
	}
	/* ROC: ((x / x[-N]) - 1) * 100, 0 when x[-N] == 0. */
	{
		const uint64_t N = cfg->roc;
		if (i >= N) {
			V t = KLD(RGP(ROW_CLOSE + ((i - N) & RING_MASK)));
			OUT(IX_ROC, KSEL(KNE(t, zero), ((c / t) - K1(1.0)) * K1(100.0), zero));
		} else {
			OUT(IX_ROC, nan);
		}
	}

	if (!cfg->ohlcv) {
		for (unsigned k = 0; k < IX_COUNT; k++)
			if (!ix_close_only(k))
				OUT(k, nan);
		return;
	}

	const V h = KLDU(in + (size_t)IN_HIGH * L + lo);
	const V l = KLDU(in + (size_t)IN_LOW * L + lo);
	const V vol = KLDU(in + (size_t)IN_VOLUME * L + lo);
	KST(RGP(ROW_HIGH + (i & RING_MASK)), h);
	KST(RGP(ROW_LOW + (i & RING_MASK)), l);
	const V tp = ((h + l) + c) / K1(3.0); /* TA-Lib's CCI and MFI typical price */

	/* STOCH: fastK over the window, then two running-sum SMAs. The window's
	 * highest high and lowest low are exact whatever the scan order, so
	 * WILLR reuses them when its period is the same. */
	V st_hh = nan, st_ll = nan;
	{
		const uint64_t FK = cfg->st_fk, SK = cfg->st_sk, SD = cfg->st_sd;
		V k = nan, d = nan;
		if (i + 1 >= FK) {
			V hh = h, ll = l;
			for (uint64_t b = 1; b < FK; b++) {
				V x = KLD(RGP(ROW_HIGH + ((i - b) & RING_MASK)));
				V y = KLD(RGP(ROW_LOW + ((i - b) & RING_MASK)));
				hh = KMAX(x, hh);
				ll = KMIN(y, ll);
			}
			st_hh = hh;
			st_ll = ll;
			V diff = (hh - ll) / K1(100.0);
			V fk = KSEL(KNE(diff, zero), (c - ll) / diff, zero);
			uint64_t j = i + 1 - FK;
			KST(RGP(ROW_FASTK + (j & WIN_MASK)), fk);
			V ks = GETF(S_ST_KSUM) + fk;
			if (j + 1 >= SK) {
				V old = KLD(RGP(ROW_FASTK + ((j + 1 - SK) & WIN_MASK)));
				SETF(S_ST_KSUM, ks - old);
				V sk = ks / K1((double)SK);
				uint64_t m = j + 1 - SK;
				KST(RGP(ROW_SLOWK + (m & WIN_MASK)), sk);
				V ds = GETF(S_ST_DSUM) + sk;
				if (m + 1 >= SD) {
					V o2 = KLD(RGP(ROW_SLOWK + ((m + 1 - SD) & WIN_MASK)));
					SETF(S_ST_DSUM, ds - o2);
					k = sk;
					d = ds / K1((double)SD);
				} else {
					SETF(S_ST_DSUM, ds);
				}
			} else {
				SETF(S_ST_KSUM, ks);
			}
		}
		OUT(IX_STOCHK, k);
		OUT(IX_STOCHD, d);
	}
	/* WILLR: (HH - C) / ((HH - LL) / -100), 0 on a zero range. */
	{
		const uint64_t N = cfg->willr;
		if (i + 1 >= N) {
			V hh = st_hh, ll = st_ll;
			if (N != cfg->st_fk) {
				hh = h, ll = l;
				for (uint64_t b = 1; b < N; b++) {
					V x = KLD(RGP(ROW_HIGH + ((i - b) & RING_MASK)));
					V y = KLD(RGP(ROW_LOW + ((i - b) & RING_MASK)));
					hh = KMAX(x, hh);
					ll = KMIN(y, ll);
				}
			}
			V diff = (hh - ll) / K1(-100.0);
			OUT(IX_WILLR, KSEL(KNE(diff, zero), (hh - c) / diff, zero));
		} else {
			OUT(IX_WILLR, nan);
		}
	}
	/* ATR (Wilder) and OBV share the previous close. */
	{
		const uint64_t N = cfg->atr;
		V res = nan;
		if (i >= 1) {
			V pc = GETF(S_PREV_C);
			V tr = h - l;
			V v2 = KABS(pc - h);
			tr = KMAX(v2, tr);
			V v3 = KABS(pc - l);
			tr = KMAX(v3, tr);
			if (i < N) {
				SETF(S_ATR_SUM, GETF(S_ATR_SUM) + tr);
			} else if (i == N) {
				res = (GETF(S_ATR_SUM) + tr) / K1((double)N);
				SETF(S_ATR, res);
			} else {
				res = GETF(S_ATR) * K1((double)(N - 1));
				res = res + tr;
				res = res / K1((double)N);
				SETF(S_ATR, res);
			}
			V o = GETF(S_OBV);
			o = KSEL(KGT(c, pc), o + vol, KSEL(KLT(c, pc), o - vol, o));
			SETF(S_OBV, o);
			OUT(IX_OBV, o);
		} else {
			SETF(S_OBV, vol);
			OUT(IX_OBV, vol);
		}
		OUT(IX_ATR, res);
	}
	/* CCI: mean and mean deviation of the TP window, summed in slot order. */
	{
		const uint64_t N = cfg->cci;
		unsigned slot = ctl->cci_slot;
		KST(RGP(ROW_CCI + slot), tp);
		/* TA-Lib sums the slots in order 0..N-1 from 0.0 every bar. The
		 * prefix sums of the slots below this bar's slot have not changed
		 * since they were last computed, so only the rest of the chain is
		 * redone: the same additions on the same values, half the latency
		 * on average. */
		V acc = slot ? KLD(RGP(ROW_CCIP + slot - 1)) : zero;
		for (unsigned j = slot; j < N; j++) {
			acc = acc + KLD(RGP(ROW_CCI + j));
			KST(RGP(ROW_CCIP + j), acc);
		}
		if (i + 1 >= N) {
			V avg = acc / K1((double)N);
			V md = zero;
			for (unsigned j = 0; j < N; j++)
				md = md + KABS(KLD(RGP(ROW_CCI + j)) - avg);
			V t = tp - avg;
			M ok = KAND(KNE(t, zero), KNE(md, zero));
			OUT(IX_CCI, KSEL(ok, t / (K1(0.015) * (md / K1((double)N))), zero));
		} else {
			OUT(IX_CCI, nan);
		}
	}
	/* ADX: Wilder sums of +DM, -DM and TR, DX, then ADX. */
	{
		const uint64_t N = cfg->adx;
		V res = nan;
		if (i == 0) {
			SETF(S_ADX_PH, h);
			SETF(S_ADX_PL, l);
		} else {
			V dp = h - GETF(S_ADX_PH);
			V dm = GETF(S_ADX_PL) - l;
			SETF(S_ADX_PH, h);
			SETF(S_ADX_PL, l);
			V mdm = GETF(S_ADX_MDM), pdm = GETF(S_ADX_PDM), ptr = GETF(S_ADX_TR);
			const V kn = K1((double)N);
			if (i >= N) {
				mdm = mdm - (mdm / kn);
				pdm = pdm - (pdm / kn);
			}
			M mc = KAND(KGT(dm, zero), KLT(dp, dm));
			M pc_ = KANDN(KAND(KGT(dp, zero), KGT(dp, dm)), mc);
			mdm = KSEL(mc, mdm + dm, mdm);
			pdm = KSEL(pc_, pdm + dp, pdm);
			V pcl = GETF(S_PREV_C);
			V tr = h - l;
			V v2 = KABS(h - pcl);
			tr = KMAX(v2, tr);
			V v3 = KABS(l - pcl);
			tr = KMAX(v3, tr);
			if (i < N)
				ptr = ptr + tr;
			else
				ptr = (ptr - (ptr / kn)) + tr;
			SETF(S_ADX_MDM, mdm);
			SETF(S_ADX_PDM, pdm);
			SETF(S_ADX_TR, ptr);
			if (i >= N) {
				M nz = KNOT(KAND(KGT(ptr, neps), KLT(ptr, eps)));
				V mdi = K1(100.0) * (mdm / ptr);
				V pdi = K1(100.0) * (pdm / ptr);
				V t = mdi + pdi;
				M ok = KANDN(nz, KAND(KGT(t, neps), KLT(t, eps)));
				V dx = K1(100.0) * (KABS(mdi - pdi) / t);
				if (i + 1 < 2 * N) {
					V s = GETF(S_ADX_SUMDX);
					SETF(S_ADX_SUMDX, KSEL(ok, s + dx, s));
				} else if (i + 1 == 2 * N) {
					V s = GETF(S_ADX_SUMDX);
					res = KSEL(ok, s + dx, s) / kn;
					SETF(S_ADX, res);
				} else {
					V a = GETF(S_ADX);
					res = KSEL(ok, ((a * K1((double)(N - 1))) + dx) / kn, a);
					SETF(S_ADX, res);
				}
			}
		}
		OUT(IX_ADX, res);
	}
	/* MFI: positive / negative money flows over the last N TP changes. */
	{
		const uint64_t N = cfg->mfi;
		V res = nan;
		if (i == 0) {
			SETF(S_MFI_PTP, tp);
		} else {
			unsigned slot = ctl->mfi_slot;
			V ps = GETF(S_MFI_POS), ns = GETF(S_MFI_NEG);
			if (i > N) {
				ps = ps - KLD(RGP(ROW_MPOS + slot));
				ns = ns - KLD(RGP(ROW_MNEG + slot));
			}
			V d = tp - GETF(S_MFI_PTP);
			SETF(S_MFI_PTP, tp);
			V fl = tp * vol;
			M mn = KLT(d, zero), mp = KGT(d, zero);
			KST(RGP(ROW_MNEG + slot), KSEL(mn, fl, zero));
			KST(RGP(ROW_MPOS + slot), KSEL(mp, fl, zero));
			ns = KSEL(mn, ns + fl, ns);
			ps = KSEL(mp, ps + fl, ps);
			SETF(S_MFI_POS, ps);
			SETF(S_MFI_NEG, ns);
			if (i >= N) {
				V t = ps + ns;
				res = KSEL(KLT(t, K1(1.0)), zero, K1(100.0) * (ps / t));
			}
		}
		OUT(IX_MFI, res);
	}
	/* VWAP of the bars (typical price weighted by volume), from the first bar. */
	{
		V pv = GETF(S_VWAP_PV) + (tp * vol);
		V vv = GETF(S_VWAP_V) + vol;
		SETF(S_VWAP_PV, pv);
		SETF(S_VWAP_V, vv);
	}
	SETF(S_PREV_C, c);
#undef F
#undef RGP
#undef GETF
#undef SETF
#undef OUT
}

#undef KNAME
#undef KATTR
#undef V
#undef M
#undef K1
#undef KNOT
#undef KLD
#undef KST
#undef KLDU
#undef KSTU
#undef KGT
#undef KLT
#undef KNE
#undef KAND
#undef KANDN
#undef KSEL
#undef KABS
#undef KSQRT
#undef KMAX
#undef KMIN
