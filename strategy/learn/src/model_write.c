/* model_write.c - strat_model_format: a linear model written back as the
 * text strat_model_parse reads (strategy/src/model.c), Q16 values as exact
 * decimals so the text loads back bit for bit; an ensemble as its source. */
#include <stdio.h>
#include <string.h>

#include "learn.h"
#include "strat_internal.h"

/* Exact decimal of a Q16 value: v / 65536 has at most 16 decimals. */
static int fmt_q16(char *buf, size_t len, int64_t v)
{
	uint64_t a = v < 0 ? (uint64_t)-v : (uint64_t)v;
	uint64_t ip = a / FEATURE_ONE;
	uint64_t frac = (a % FEATURE_ONE) * 152587890625ull; /* 10^16 / 65536 */
	char digits[17];
	snprintf(digits, sizeof(digits), "%016llu", (unsigned long long)frac);
	int nd = 16;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	return snprintf(buf, len, "%s%llu.%s", v < 0 ? "-" : "", (unsigned long long)ip, digits);
}

int strat_model_format(const struct strat_model *m, char *buf, size_t len)
{
	if (m->ens && !m->text)
		return -ENOTSUP; /* a binary model (tree, policy): its file is the format */
	if (m->text) { /* an ensemble: its source, as parsed */
		size_t n = strlen(m->text);
		if (n >= len)
			return -ENOSPC;
		memcpy(buf, m->text, n + 1);
		return (int)n;
	}
	const struct strat_model_info *in = &m->info;
	char num[48];
	size_t off = 0;
	int n;
#define EMIT(...)                                                       \
	do {                                                            \
		n = snprintf(buf + off, off < len ? len - off : 0, __VA_ARGS__); \
		if (n < 0)                                              \
			return -EINVAL;                                 \
		off += (size_t)n;                                       \
	} while (0)
	EMIT("osprey-model linear v1\nfeatures %u\nweights", in->nfeatures);
	for (uint32_t i = 0; i < in->nfeatures; i++) {
		fmt_q16(num, sizeof(num), in->weights[i]);
		EMIT(" %s", num);
	}
	fmt_q16(num, sizeof(num), in->bias);
	EMIT("\nbias %s\n", num);
	fmt_q16(num, sizeof(num), in->threshold);
	EMIT("threshold %s\nqty %u\nprice %s\ncooldown_events %u\ncooldown_ns %llu\nid %u\n", num,
	     in->qty, in->price == STRAT_PRICE_JOIN ? "join" : "opposite", in->cooldown_events,
	     (unsigned long long)in->cooldown_ns, (unsigned)in->id);
	if (in->schema)
		EMIT("schema 0x%016llx\n", (unsigned long long)in->schema);
#undef EMIT
	if (off >= len)
		return -ENOSPC;
	return (int)off;
}
