/* ind_batch_kern.h - vector kernels of the batch indicator bank, written
 * once with GCC vector extensions and instantiated by ind_batch_simd.c for
 * each ISA. The includer defines KW (doubles per vector), KT (the target
 * attribute), KN(name) (the per-ISA name), KN_NAME, and KMAX / KMIN (the
 * ISA's max/min instructions, see hhll). Every lane performs the scalar
 * reference's IEEE operations in the same order; branches become selects of
 * the values the branch would have produced. No include guard: included
 * once per ISA. */

typedef double KN(vd) __attribute__((vector_size(KW * 8)));
typedef long long KN(vm) __attribute__((vector_size(KW * 8)));
#define VD KN(vd)
#define VM KN(vm)

static inline KT VD KN(ld)(const double *p)
{
	VD v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline KT void KN(st)(double *p, VD v)
{
	memcpy(p, &v, sizeof(v));
}

static inline KT VD KN(splat)(double d)
{
	VD z = { 0 };
	return z + d;
}

/* m ? a : b, lane by lane (m lanes are all ones or all zeros) */
static inline KT VD KN(sel)(VM m, VD a, VD b)
{
	return (VD)((m & (VM)a) | (~m & (VM)b));
}

static inline KT VD KN(vabs)(VD v)
{
	VM z = { 0 };
	return (VD)((VM)v & (z + 0x7fffffffffffffffLL));
}

static KT void KN(div)(double *x, size_t n, double d)
{
	VD dv = KN(splat)(d);
	size_t i = 0;
	for (; i + KW <= n; i += KW)
		KN(st)(x + i, KN(ld)(x + i) / dv);
	for (; i < n; i++)
		x[i] = x[i] / d;
}

static inline KT VD KN(ext)(VD newer, VD older, bool mx)
{
	return mx ? KMAX(newer, older) : KMIN(newer, older);
}

static inline KT double KN(ext1)(double newer, double older, bool mx)
{
	return mx ? (newer > older ? newer : older) : (newer < older ? newer : older);
}

static KT const double *KN(winext)(const double *x, size_t from, size_t to, unsigned p, bool mx,
				   double *a, double *b)
{
	size_t len = to - from + p - 1, s = 1, j;
	unsigned p2 = 1;
	while (p2 * 2 <= p)
		p2 *= 2;
	const double *src = x + from - (p - 1);
	double *dst = a;
	for (; s < p2; s *= 2) {
		for (j = 0; j < s; j++)
			dst[j] = src[j];
		for (; j + KW <= len; j += KW)
			KN(st)(dst + j, KN(ext)(KN(ld)(src + j), KN(ld)(src + j - s), mx));
		for (; j < len; j++)
			dst[j] = KN(ext1)(src[j], src[j - s], mx);
		src = dst;
		dst = dst == a ? b : a;
	}
	return src;
}

static KT void KN(fastk)(const double *wh, const double *wl, size_t lag, size_t off,
			 const double *c, size_t n, double *out)
{
	VD zero = { 0 }, hund = KN(splat)(100.0);
	size_t i = 0;
	for (; i + KW <= n; i += KW) {
		VD h = KMAX(KN(ld)(wh + i + lag), KN(ld)(wh + i + lag - off));
		VD l = KMIN(KN(ld)(wl + i + lag), KN(ld)(wl + i + lag - off));
		VD diff = (h - l) / hund;
		VD r = (KN(ld)(c + i) - l) / diff;
		KN(st)(out + i, KN(sel)(diff != zero, r, zero));
	}
	if (i < n)
		ind__kern_scalar.fastk(wh + i, wl + i, lag, off, c + i, n - i, out + i);
}

static KT void KN(willr)(const double *wh, const double *wl, size_t lag, size_t off,
			 const double *c, size_t n, double *out)
{
	VD zero = { 0 }, mhund = KN(splat)(-100.0);
	size_t i = 0;
	for (; i + KW <= n; i += KW) {
		VD h = KMAX(KN(ld)(wh + i + lag), KN(ld)(wh + i + lag - off));
		VD l = KMIN(KN(ld)(wl + i + lag), KN(ld)(wl + i + lag - off));
		VD diff = (h - l) / mhund;
		VD r = (h - KN(ld)(c + i)) / diff;
		KN(st)(out + i, KN(sel)(diff != zero, r, zero));
	}
	if (i < n)
		ind__kern_scalar.willr(wh + i, wl + i, lag, off, c + i, n - i, out + i);
}

static inline KT VD KN(tr)(VD h, VD l, VD cy)
{
	VD g = h - l, v2 = KN(vabs)(cy - h), v3 = KN(vabs)(cy - l);
	g = KN(sel)(v2 > g, v2, g);
	return KN(sel)(v3 > g, v3, g);
}

static KT void KN(trange)(const double *h, const double *l, const double *c, size_t from, size_t to,
			  double *out)
{
	size_t i = from;
	for (; i + KW <= to; i += KW)
		KN(st)(out + i, KN(tr)(KN(ld)(h + i), KN(ld)(l + i), KN(ld)(c + i - 1)));
	if (i < to)
		ind__kern_scalar.trange(h, l, c, i, to, out);
}

static KT void KN(roc)(const double *x, size_t from, size_t to, unsigned p, double *out)
{
	VD zero = { 0 }, one = KN(splat)(1.0), hund = KN(splat)(100.0);
	size_t i = from;
	for (; i + KW <= to; i += KW) {
		VD t = KN(ld)(x + i - p);
		VD r = ((KN(ld)(x + i) / t) - one) * hund;
		KN(st)(out + i, KN(sel)(t != zero, r, zero));
	}
	if (i < to)
		ind__kern_scalar.roc(x, i, to, p, out);
}

static KT void KN(sma_k)(const double *x, size_t n, size_t k, size_t lanes, unsigned p, double *out)
{
	size_t lb = p - 1;
	VD nanv = KN(splat)(NAN), pv = KN(splat)((double)p);
	for (size_t s = 0; s < lanes; s += KW) {
		const double *xs = x + s;
		double *os = out + s;
		VD total = { 0 };
		for (size_t i = 0; i < lb; i++) {
			total += KN(ld)(xs + i * k);
			KN(st)(os + i * k, nanv);
		}
		for (size_t i = lb; i < n; i++) {
			total += KN(ld)(xs + i * k);
			VD t = total;
			total -= KN(ld)(xs + (i - lb) * k);
			KN(st)(os + i * k, t / pv);
		}
	}
}

static KT void KN(ema_k)(const double *x, size_t n, size_t k, size_t lanes, unsigned p, double *out)
{
	size_t lb = p - 1;
	double kk = 2.0 / (double)(p + 1);
	VD nanv = KN(splat)(NAN), pv = KN(splat)((double)p), kv = KN(splat)(kk);
	for (size_t s = 0; s < lanes; s += KW) {
		const double *xs = x + s;
		double *os = out + s;
		VD sum = { 0 };
		for (size_t i = 0; i < lb; i++) {
			sum += KN(ld)(xs + i * k);
			KN(st)(os + i * k, nanv);
		}
		sum += KN(ld)(xs + lb * k);
		VD ema = sum / pv;
		KN(st)(os + lb * k, ema);
		for (size_t i = lb + 1; i < n; i++) {
			ema = ((KN(ld)(xs + i * k) - ema) * kv) + ema;
			KN(st)(os + i * k, ema);
		}
	}
}

static KT void KN(rsi_k)(const double *x, size_t n, size_t k, size_t lanes, unsigned p, double *out)
{
	VD zero = { 0 }, nanv = KN(splat)(NAN), pv = KN(splat)((double)p);
	VD mv = KN(splat)((double)(p - 1)), hund = KN(splat)(100.0);
	VD eps = KN(splat)(IND_EPSILON), meps = KN(splat)(-IND_EPSILON);
	for (size_t s = 0; s < lanes; s += KW) {
		const double *xs = x + s;
		double *os = out + s;
		VD prev = KN(ld)(xs), gain = zero, loss = zero;
		KN(st)(os, nanv);
		for (size_t i = 1; i <= p; i++) {
			VD v = KN(ld)(xs + i * k), d = v - prev;
			VM neg = d < zero;
			prev = v;
			loss = KN(sel)(neg, loss - d, loss);
			gain = KN(sel)(neg, gain, gain + d);
			if (i < p)
				KN(st)(os + i * k, nanv);
		}
		loss /= pv;
		gain /= pv;
		VD t = gain + loss;
		KN(st)(os + (size_t)p * k,
		       KN(sel)((meps < t) & (t < eps), zero, hund * (gain / t)));
		for (size_t i = (size_t)p + 1; i < n; i++) {
			VD v = KN(ld)(xs + i * k), d = v - prev;
			VM neg = d < zero;
			prev = v;
			loss *= mv;
			gain *= mv;
			loss = KN(sel)(neg, loss - d, loss);
			gain = KN(sel)(neg, gain, gain + d);
			loss /= pv;
			gain /= pv;
			t = gain + loss;
			KN(st)(os + i * k, KN(sel)((meps < t) & (t < eps), zero, hund * (gain / t)));
		}
	}
}

static KT void KN(macd_k)(const double *x, size_t n, size_t k, size_t lanes, unsigned fast,
			  unsigned slow, unsigned signal, double *macd, double *sig, double *hist)
{
	size_t s0 = slow - 1, lb = s0 + signal - 1;
	VD nanv = KN(splat)(NAN), k1 = KN(splat)(2.0 / (double)(slow + 1));
	VD k2 = KN(splat)(2.0 / (double)(fast + 1)), ks = KN(splat)(2.0 / (double)(signal + 1));
	VD slowv = KN(splat)((double)slow), fastv = KN(splat)((double)fast);
	VD sigv = KN(splat)((double)signal);
	for (size_t s = 0; s < lanes; s += KW) {
		const double *xs = x + s;
		double *ms = macd + s, *gs = sig + s, *hs = hist + s;
		for (size_t i = 0; i < lb; i++) {
			KN(st)(ms + i * k, nanv);
			KN(st)(gs + i * k, nanv);
			KN(st)(hs + i * k, nanv);
		}
		VD ssum = { 0 }, fsum = { 0 }, gsum = { 0 };
		for (size_t i = 0; i < slow; i++)
			ssum += KN(ld)(xs + i * k);
		for (size_t i = slow - fast; i < slow; i++)
			fsum += KN(ld)(xs + i * k);
		VD se = ssum / slowv, fe = fsum / fastv, m = fe - se, g;
		for (size_t i = s0;;) {
			gsum += m;
			if (i == lb)
				break;
			i++;
			VD v = KN(ld)(xs + i * k);
			se = ((v - se) * k1) + se;
			fe = ((v - fe) * k2) + fe;
			m = fe - se;
		}
		g = gsum / sigv;
		for (size_t i = lb;;) {
			KN(st)(ms + i * k, m);
			KN(st)(gs + i * k, g);
			KN(st)(hs + i * k, m - g);
			if (++i >= n)
				break;
			VD v = KN(ld)(xs + i * k);
			se = ((v - se) * k1) + se;
			fe = ((v - fe) * k2) + fe;
			m = fe - se;
			g = ((m - g) * ks) + g;
		}
	}
}

/* run_sma_push in lanes */
struct KN(vsma) {
	VD total;
	VD ring[IND_STOCH_K_MAXP];
	unsigned p, pos, seen;
};

static inline KT bool KN(vsma_push)(struct KN(vsma) *s, VD x, VD pv, VD *ret)
{
	if (s->p == 1) {
		*ret = x;
		return true;
	}
	s->ring[s->pos] = x;
	if (++s->pos == s->p)
		s->pos = 0;
	s->total += x;
	if (s->seen < s->p - 1) {
		s->seen++;
		return false;
	}
	VD t = s->total;
	s->total -= s->ring[s->pos];
	*ret = t / pv;
	return true;
}

static KT void KN(stoch_k)(const double *h, const double *l, const double *c, size_t n, size_t k,
			   size_t lanes, unsigned pk, unsigned ps, unsigned pd, double *ok, double *od)
{
	size_t lbk = pk - 1, lb = lbk + (ps - 1) + (pd - 1);
	VD zero = { 0 }, nanv = KN(splat)(NAN), hund = KN(splat)(100.0);
	VD psv = KN(splat)((double)ps), pdv = KN(splat)((double)pd);
	for (size_t s = 0; s < lanes; s += KW) {
		const double *hs = h + s, *ls = l + s, *cs = c + s;
		double *oks = ok + s, *ods = od + s;
		for (size_t i = 0; i < lb; i++) {
			KN(st)(oks + i * k, nanv);
			KN(st)(ods + i * k, nanv);
		}
		struct KN(vsma) ks = { .p = ps }, ds = { .p = pd };
		for (size_t i = lbk; i < n; i++) {
			VD hh = KN(ld)(hs + (i + 1 - pk) * k), ll = KN(ld)(ls + (i + 1 - pk) * k), kk, dd;
			for (size_t j = i + 2 - pk; j <= i; j++) {
				hh = KMAX(KN(ld)(hs + j * k), hh);
				ll = KMIN(KN(ld)(ls + j * k), ll);
			}
			VD diff = (hh - ll) / hund;
			VD f = KN(sel)(diff != zero, (KN(ld)(cs + i * k) - ll) / diff, zero);
			if (!KN(vsma_push)(&ks, f, psv, &kk) || !KN(vsma_push)(&ds, kk, pdv, &dd))
				continue;
			KN(st)(oks + i * k, kk);
			KN(st)(ods + i * k, dd);
		}
	}
}

static KT void KN(atr_k)(const double *h, const double *l, const double *c, size_t n, size_t k,
			 size_t lanes, unsigned p, double *out)
{
	VD nanv = KN(splat)(NAN), pv = KN(splat)((double)p), mv = KN(splat)((double)(p - 1));
	for (size_t s = 0; s < lanes; s += KW) {
		const double *hs = h + s, *ls = l + s, *cs = c + s;
		double *os = out + s;
		KN(st)(os, nanv);
		if (p == 1) {
			for (size_t i = 1; i < n; i++)
				KN(st)(os + i * k, KN(tr)(KN(ld)(hs + i * k), KN(ld)(ls + i * k),
							   KN(ld)(cs + (i - 1) * k)));
			continue;
		}
		VD total = { 0 };
		for (size_t i = 1; i <= p; i++) {
			total += KN(tr)(KN(ld)(hs + i * k), KN(ld)(ls + i * k), KN(ld)(cs + (i - 1) * k));
			if (i < p)
				KN(st)(os + i * k, nanv);
		}
		VD atr = total / pv;
		KN(st)(os + (size_t)p * k, atr);
		for (size_t i = (size_t)p + 1; i < n; i++) {
			atr *= mv;
			atr += KN(tr)(KN(ld)(hs + i * k), KN(ld)(ls + i * k), KN(ld)(cs + (i - 1) * k));
			atr /= pv;
			KN(st)(os + i * k, atr);
		}
	}
}

const struct ind_kernels KN(ind__kern) = {
	.name = KN_NAME, .width = KW,
	.div = KN(div), .winext = KN(winext), .fastk = KN(fastk), .willr = KN(willr), .trange = KN(trange),
	.roc = KN(roc), .sma_k = KN(sma_k), .ema_k = KN(ema_k), .rsi_k = KN(rsi_k),
	.atr_k = KN(atr_k), .macd_k = KN(macd_k), .stoch_k = KN(stoch_k),
};

#undef VD
#undef VM
