/*
 * ind_stream_bank.h - one instrument's steady-state update with the bank's
 * independent divisions and square roots packed into vectors (private; included
 * by ind_stream_simd.c once per ISA).
 *
 * Once every column is past its warm-up and seeds (n >= cfg->steady), each bar
 * runs the same operations as ind_stream_kern.h with one lane, in the same order
 * for every value; only the ~29 divisions (and 2 square roots), which are the
 * throughput limit of the scalar bank, are gathered into vectors where they
 * become ready at about the same time (R1: 14 that depend only on the bar
 * and the state; the two window ranges and the two window ratios; R2: 3), so
 * the grouping does not lengthen the dependency chains; the CCI chain, the
 * longest (about 40 dependent additions), starts first.
 * IEEE division and square root are correctly rounded per element, so a lane of
 * a vector gives the bits of the scalar instruction.
 *
 * The includer defines KNAME, KATTR and
 *   DIV8(q, n0, d0, ..., n7, d7)  q[k] = nk / dk
 *   DIV4(q, n0, d0, ..., n3, d3)  q[k] = nk / dk
 *   DIV2(q, n0, d0, n1, d1)       q[k] = nk / dk
 *   SQRT2(q, a0, a1)              q[k] = sqrt(ak)
 *   WINDOW(ph, pl, n, hh, ll)     max of ph[0..n-1] and min of pl[0..n-1] (contiguous)
 *   ABSDEV(dev, p, avg, n)        dev[k] = fabs(p[k] - avg), k < n
 * Window extremes are exact whatever the order; the CCI deviations are
 * computed per element and still summed one by one in slot order.
 */
KATTR void KNAME(const struct ind_cfg *cfg, const struct ind_ctl *ctl, double *st, double *rg,
		 const double *in, double *out)
{
	const uint64_t i = ctl->n;
	const double c = in[IN_CLOSE], h = in[IN_HIGH], l = in[IN_LOW], vol = in[IN_VOLUME];
	const double eps = 1e-14, neps = -1e-14;
	double q1[16], q2[4], w1[2], w2[2], sq2[2];

	rg[ROW_CLOSE + (i & RING_MASK)] = c;
	rg[ROW_HIGH + (i & RING_MASK)] = h;
	rg[ROW_LOW + (i & RING_MASK)] = l;

	/* CCI first: its chain is the longest of the bar. */
	const double tp = ((h + l) + c) / 3.0;
	{
		const uint64_t N = cfg->cci;
		unsigned slot = ctl->cci_slot;
		rg[ROW_CCI + slot] = tp;
		double acc = slot ? rg[ROW_CCIP + slot - 1] : 0.0;
		for (unsigned j = slot; j < N; j++) {
			acc = acc + rg[ROW_CCI + j];
			rg[ROW_CCIP + j] = acc;
		}
		double avg = acc / (double)N;
		double dev[WIN_LEN];
		ABSDEV(dev, rg + ROW_CCI, avg, N);
		double md = 0.0;
		unsigned j = 0;
		for (; j + 4 <= N; j += 4) {
			md = md + dev[j];
			md = md + dev[j + 1];
			md = md + dev[j + 2];
			md = md + dev[j + 3];
		}
		for (; j < N; j++)
			md = md + dev[j];
		double t = tp - avg;
		out[IX_CCI] = (t != 0.0 && md != 0.0) ? t / (0.015 * (md / (double)N)) : 0.0;
	}
	/* MFI flows */
	double ps = st[S_MFI_POS], ns = st[S_MFI_NEG];
	{
		unsigned slot = ctl->mfi_slot;
		ps = ps - rg[ROW_MPOS + slot];
		ns = ns - rg[ROW_MNEG + slot];
		double d = tp - st[S_MFI_PTP];
		st[S_MFI_PTP] = tp;
		double fl = tp * vol;
		ind_mask mn = ind_lt(d, 0.0), mp = ind_gt(d, 0.0);
		rg[ROW_MNEG + slot] = ind_sel(mn, fl, 0.0);
		rg[ROW_MPOS + slot] = ind_sel(mp, fl, 0.0);
		ns = ind_sel(mn, ns + fl, ns);
		ps = ind_sel(mp, ps + fl, ps);
		st[S_MFI_POS] = ps;
		st[S_MFI_NEG] = ns;
	}
	const double mfi_t = ps + ns;
	/* VWAP */
	st[S_VWAP_PV] = st[S_VWAP_PV] + (tp * vol);
	st[S_VWAP_V] = st[S_VWAP_V] + vol;

	/* SMA */
	const double sma_s = st[S_SMA_SUM] + c;
	st[S_SMA_SUM] = sma_s - rg[ROW_CLOSE + ((i + 1 - cfg->sma) & RING_MASK)];
	/* EMA */
	{
		double e = st[S_EMA];
		e = ((c - e) * cfg->ema_k) + e;
		st[S_EMA] = e;
		out[IX_EMA] = e;
	}
	/* RSI */
	double rl, rgn;
	{
		double d = c - st[S_RSI_PREV];
		st[S_RSI_PREV] = c;
		rl = st[S_RSI_LOSS] * (double)(cfg->rsi - 1);
		rgn = st[S_RSI_GAIN] * (double)(cfg->rsi - 1);
		ind_mask neg = ind_lt(d, 0.0);
		rl = ind_sel(neg, rl - d, rl);
		rgn = ind_sel(neg, rgn, rgn + d);
	}
	/* MACD */
	{
		double sl = st[S_MSLOW], fs = st[S_MFAST], s = st[S_SIG];
		sl = ((c - sl) * cfg->macd_ks) + sl;
		fs = ((c - fs) * cfg->macd_kf) + fs;
		st[S_MSLOW] = sl;
		st[S_MFAST] = fs;
		double md = fs - sl;
		s = ((md - s) * cfg->macd_ksig) + s;
		st[S_SIG] = s;
		out[IX_MACD] = md;
		out[IX_MACDSIG] = s;
		out[IX_MACDHIST] = md - s;
	}
	/* BB and STDDEV sums */
	const double sq = c * c;
	const double bb_s = st[S_BB_SUM] + c, bb_s2 = st[S_BB_SUM2] + sq;
	{
		double old = rg[ROW_CLOSE + ((i + 1 - cfg->bb) & RING_MASK)];
		st[S_BB_SUM] = bb_s - old;
		double o2 = old * old;
		st[S_BB_SUM2] = bb_s2 - o2;
	}
	const double sd_s1 = st[S_SD_S1] + c, sd_s2 = st[S_SD_S2] + sq;
	{
		double old = rg[ROW_CLOSE + ((i + 1 - cfg->sd) & RING_MASK)];
		st[S_SD_S1] = sd_s1 - old;
		double o2 = old * old;
		st[S_SD_S2] = sd_s2 - o2;
	}
	/* WMA */
	double wsum;
	{
		double sub = st[S_WMA_SUB] + c;
		sub = sub - st[S_WMA_TV];
		wsum = st[S_WMA_SUM] + (c * (double)cfg->wma);
		st[S_WMA_TV] = rg[ROW_CLOSE + ((i + 1 - cfg->wma) & RING_MASK)];
		st[S_WMA_SUM] = wsum - sub;
		st[S_WMA_SUB] = sub;
	}
	/* ROC */
	const double roc_t = rg[ROW_CLOSE + ((i - cfg->roc) & RING_MASK)];
	/* ATR and OBV */
	const double pc = st[S_PREV_C];
	double tr = h - l;
	{
		double v2 = fabs(pc - h);
		tr = v2 > tr ? v2 : tr;
		double v3 = fabs(pc - l);
		tr = v3 > tr ? v3 : tr;
	}
	double atr = st[S_ATR] * (double)(cfg->atr - 1);
	atr = atr + tr;
	{
		double o = st[S_OBV];
		o = ind_sel(ind_gt(c, pc), o + vol, ind_sel(ind_lt(c, pc), o - vol, o));
		st[S_OBV] = o;
		out[IX_OBV] = o;
	}
	/* ADX: moves */
	const double dp = h - st[S_ADX_PH];
	const double dmv = st[S_ADX_PL] - l;
	st[S_ADX_PH] = h;
	st[S_ADX_PL] = l;
	double mdm = st[S_ADX_MDM], pdm = st[S_ADX_PDM], ptr = st[S_ADX_TR];
	const double kn = (double)cfg->adx;

	/* R1: everything that needs only this bar and the state */
	DIV8(q1, sma_s, (double)cfg->sma, rl, (double)cfg->rsi, rgn, (double)cfg->rsi, bb_s,
	     (double)cfg->bb, bb_s2, (double)cfg->bb, sd_s1, (double)cfg->sd, sd_s2, (double)cfg->sd,
	     wsum, cfg->wma_div);
	DIV8(q1 + 8, c, roc_t, atr, (double)cfg->atr, mdm, kn, pdm, kn, ptr, kn, ps, mfi_t, 1.0, 1.0,
	     1.0, 1.0);

	/* STOCH and WILLR windows: contiguous in the ring except near its wrap */
	double hh, ll, hw, lw;
	{
		uint64_t n = cfg->st_fk, s0 = (i + 1 - n) & RING_MASK;
		if (s0 + n <= RING_LEN) {
			WINDOW(rg + ROW_HIGH + s0, rg + ROW_LOW + s0, n, hh, ll);
		} else {
			hh = h, ll = l;
			for (uint64_t b = 1; b < n; b++) {
				double x = rg[ROW_HIGH + ((i - b) & RING_MASK)];
				double y = rg[ROW_LOW + ((i - b) & RING_MASK)];
				hh = x > hh ? x : hh;
				ll = y < ll ? y : ll;
			}
		}
	}
	hw = hh, lw = ll;
	if (cfg->willr != cfg->st_fk) {
		uint64_t n = cfg->willr, s0 = (i + 1 - n) & RING_MASK;
		if (s0 + n <= RING_LEN) {
			WINDOW(rg + ROW_HIGH + s0, rg + ROW_LOW + s0, n, hw, lw);
		} else {
			hw = h, lw = l;
			for (uint64_t b = 1; b < n; b++) {
				double x = rg[ROW_HIGH + ((i - b) & RING_MASK)];
				double y = rg[ROW_LOW + ((i - b) & RING_MASK)];
				hw = x > hw ? x : hw;
				lw = y < lw ? y : lw;
			}
		}
	}
	DIV2(w1, hh - ll, 100.0, hw - lw, -100.0);
	const double sdiff = w1[0], wdiff = w1[1];
	DIV2(w2, c - ll, sdiff, hw - c, wdiff);

	out[IX_SMA] = q1[0];
	rl = q1[1];
	rgn = q1[2];
	st[S_RSI_LOSS] = rl;
	st[S_RSI_GAIN] = rgn;
	const double rsi_t = rgn + rl;
	const double mid = q1[3];
	double m2 = q1[4];
	{
		double mm = mid * mid;
		m2 = m2 - mm;
	}
	const double m1 = q1[5];
	const double var = q1[6] - (m1 * m1);
	out[IX_WMA] = q1[7];
	out[IX_ROC] = roc_t != 0.0 ? (q1[8] - 1.0) * 100.0 : 0.0;
	st[S_ATR] = q1[9];
	out[IX_ATR] = q1[9];
	mdm = mdm - q1[10];
	pdm = pdm - q1[11];
	{
		ind_mask mc = ind_and(ind_gt(dmv, 0.0), ind_lt(dp, dmv));
		ind_mask pc_ = ind_andn(ind_and(ind_gt(dp, 0.0), ind_gt(dp, dmv)), mc);
		mdm = ind_sel(mc, mdm + dmv, mdm);
		pdm = ind_sel(pc_, pdm + dp, pdm);
	}
	{
		double tr2 = h - l;
		double v2 = fabs(h - pc);
		tr2 = v2 > tr2 ? v2 : tr2;
		double v3 = fabs(l - pc);
		tr2 = v3 > tr2 ? v3 : tr2;
		ptr = (ptr - q1[12]) + tr2;
	}
	st[S_ADX_MDM] = mdm;
	st[S_ADX_PDM] = pdm;
	st[S_ADX_TR] = ptr;
	out[IX_MFI] = mfi_t < 1.0 ? 0.0 : 100.0 * q1[13];

	DIV4(q2, rgn, rsi_t, mdm, ptr, pdm, ptr, 1.0, 1.0);
	SQRT2(sq2, m2, var);

	out[IX_RSI] = (rsi_t > neps && rsi_t < eps) ? 0.0 : 100.0 * q2[0];
	{
		double sd = m2 < eps ? 0.0 : sq2[0];
		out[IX_BB_UP] = mid + (sd * cfg->bb_up);
		out[IX_BB_MID] = mid;
		out[IX_BB_LO] = mid - (sd * cfg->bb_dn);
	}
	out[IX_STDDEV] = var < eps ? 0.0 : sq2[1] * cfg->sd_nb;
	const double fk = sdiff != 0.0 ? w2[0] : 0.0;
	out[IX_WILLR] = wdiff != 0.0 ? w2[1] : 0.0;

	/* STOCH slow K and D */
	const uint64_t j = i + 1 - cfg->st_fk;
	rg[ROW_FASTK + (j & WIN_MASK)] = fk;
	const double ks = st[S_ST_KSUM] + fk;
	st[S_ST_KSUM] = ks - rg[ROW_FASTK + ((j + 1 - cfg->st_sk) & WIN_MASK)];
	const double sk = ks / (double)cfg->st_sk;
	const uint64_t m = j + 1 - cfg->st_sk;
	rg[ROW_SLOWK + (m & WIN_MASK)] = sk;
	const double ds = st[S_ST_DSUM] + sk;
	st[S_ST_DSUM] = ds - rg[ROW_SLOWK + ((m + 1 - cfg->st_sd) & WIN_MASK)];
	out[IX_STOCHK] = sk;
	out[IX_STOCHD] = ds / (double)cfg->st_sd;

	/* ADX */
	{
		const bool adx_ok = !(ptr > neps && ptr < eps);
		const double mdi = 100.0 * q2[1], pdi = 100.0 * q2[2];
		const double adx_t = mdi + pdi;
		const bool dx_ok = adx_ok && !(adx_t > neps && adx_t < eps);
		const double dx = 100.0 * (fabs(mdi - pdi) / adx_t);
		const double adx = st[S_ADX];
		const double nadx = dx_ok ? ((adx * (double)(cfg->adx - 1)) + dx) / kn : adx;
		st[S_ADX] = nadx;
		out[IX_ADX] = nadx;
	}
	st[S_PREV_C] = c;
}

#undef KNAME
#undef KATTR
#undef DIV8
#undef DIV4
#undef DIV2
#undef SQRT2
#undef WINDOW
#undef ABSDEV
