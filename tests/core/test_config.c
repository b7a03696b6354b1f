#undef NDEBUG
#include "core.h"

#include <assert.h>
#include <stdio.h>

int main(void)
{
	struct core_config cfg;
	char err[256];
	const char *good = "# comment\n[engine]\nburst = 32 # trailing\nname = demo\n"
			   "[risk]\nmax_position = 10k\nkill = false\n";
	assert(core_config_parse(&cfg, "good.ini", good, err, sizeof(err)) == 0);
	uint64_t burst = 0;
	assert(core_config_u64(&cfg, "engine.burst", 1, 1024, &burst, err, sizeof(err)) == 0);
	assert(burst == 32);
	int64_t pos = 0;
	assert(core_config_i64(&cfg, "risk.max_position", 0, 1000000, &pos, err, sizeof(err)) == 0);
	assert(pos == 10000);
	bool kill = true;
	assert(core_config_bool(&cfg, "risk.kill", &kill, err, sizeof(err)) == 0 && !kill);
	char name[8];
	assert(core_config_str(&cfg, "engine.name", name, sizeof(name), err, sizeof(err)) == 0);
	assert(!strcmp(name, "demo"));
	uint64_t absent = 7;
	assert(core_config_u64(&cfg, "engine.absent", 0, 10, &absent, err, sizeof(err)) == 0);
	assert(absent == 7);
	assert(core_config_unused(&cfg) == NULL);

	/* an empty value with a comment after it is empty; "#" with no space
	 * before it is part of the value */
	assert(core_config_parse(&cfg, "e.ini", "[g]\nuser =     # login\npass = a#b ;c\n", err,
				 sizeof(err)) == 0);
	char word[16] = "x";
	assert(core_config_str(&cfg, "g.user", word, sizeof(word), err, sizeof(err)) == 0 && !word[0]);
	assert(core_config_str(&cfg, "g.pass", word, sizeof(word), err, sizeof(err)) == 0 &&
	       !strcmp(word, "a#b"));

	/* a typo is found as unused, with its line */
	assert(core_config_parse(&cfg, "t.ini", "[a]\nbrust = 3\n", err, sizeof(err)) == 0);
	const struct core_config_entry *u = core_config_unused(&cfg);
	assert(u && !strcmp(u->key, "a.brust") && u->line == 2);

	/* errors name the file, the line and the key */
	assert(core_config_parse(&cfg, "bad.ini", "[a]\nx = 1\nnot a pair\n", err, sizeof(err)) ==
	       -EINVAL);
	assert(strstr(err, "bad.ini:3:"));
	assert(core_config_parse(&cfg, "bad.ini", "x = 1\n", err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "bad.ini:1:") && strstr(err, "outside"));
	assert(core_config_parse(&cfg, "bad.ini", "[a]\nx=1\nx=2\n", err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "bad.ini:3:") && strstr(err, "repeats line 2"));
	assert(core_config_parse(&cfg, "v.ini", "[a]\n\nn = 12x\nb = maybe\nbig = 5000\n", err,
				 sizeof(err)) == 0);
	uint64_t n;
	assert(core_config_u64(&cfg, "a.n", 0, 100, &n, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "v.ini:3:") && strstr(err, "'a.n'"));
	bool b;
	assert(core_config_bool(&cfg, "a.b", &b, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "v.ini:4:"));
	assert(core_config_u64(&cfg, "a.big", 0, 100, &n, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "v.ini:5:") && strstr(err, "outside"));

	/* integers: decimal (leading zeros too), 0x hex, k/m/g, the whole u64 range */
	assert(core_config_parse(&cfg, "i.ini",
				 "[i]\noct = 010\nzero = 0\nzeros = 000\neight = 08\nhex = 0x1F\n"
				 "HEX = 0XfF\nmax = 18446744073709551615\nhexmax = 0xffffffffffffffff\n"
				 "above63 = 9223372036854775808\nover = 18446744073709551616\n"
				 "hexover = 0x10000000000000000\nsufover = 18446744073709552k\n"
				 "sufmax = 18446744073709551k\nneg = -5\nnegzero = -0\nplus = +7\n"
				 "g = 3g\nx = 0x\nsp = 1 2\nunder = 1_000\nfrac = 1.5\n"
				 "i64max = 9223372036854775807\ni64min = -9223372036854775808\n"
				 "i64over = 9223372036854775808\ni64under = -9223372036854775809\n"
				 "negoct = -010\nnothing = -\n",
				 err, sizeof(err)) == 0);
	struct {
		const char *key;
		int r;
		uint64_t v;
	} u64s[] = {
		{ "i.oct", 0, 10 },
		{ "i.zero", 0, 0 },
		{ "i.zeros", 0, 0 },
		{ "i.eight", 0, 8 },
		{ "i.hex", 0, 31 },
		{ "i.HEX", 0, 255 },
		{ "i.max", 0, UINT64_MAX },
		{ "i.hexmax", 0, UINT64_MAX },
		{ "i.above63", 0, (uint64_t)INT64_MAX + 1 },
		{ "i.sufmax", 0, 18446744073709551000ull },
		{ "i.negzero", 0, 0 },
		{ "i.plus", 0, 7 },
		{ "i.g", 0, 3000000000ull },
		{ "i.over", -EINVAL, 0 },
		{ "i.hexover", -EINVAL, 0 },
		{ "i.sufover", -EINVAL, 0 },
		{ "i.neg", -EINVAL, 0 },
		{ "i.x", -EINVAL, 0 },
		{ "i.sp", -EINVAL, 0 },
		{ "i.under", -EINVAL, 0 },
		{ "i.frac", -EINVAL, 0 },
		{ "i.nothing", -EINVAL, 0 },
	};
	for (unsigned i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++) {
		uint64_t v = 12345;
		int r = core_config_u64(&cfg, u64s[i].key, 0, UINT64_MAX, &v, err, sizeof(err));
		if (r != u64s[i].r || (r == 0 && v != u64s[i].v) || (r != 0 && v != 12345)) {
			fprintf(stderr, "%s: r %d v %llu: %s\n", u64s[i].key, r,
				(unsigned long long)v, r ? err : "");
			assert(0);
		}
	}
	assert(core_config_u64(&cfg, "i.over", 0, UINT64_MAX, &n, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "i.ini:11:") && strstr(err, "above 18446744073709551615"));
	assert(core_config_u64(&cfg, "i.neg", 0, 10, &n, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "-5 is outside [0, 10]"));
	assert(core_config_u64(&cfg, "i.frac", 0, 10, &n, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "not an integer"));
	/* a u64 above INT64_MAX is compared with the range exactly */
	assert(core_config_u64(&cfg, "i.max", 0, UINT64_MAX - 1, &n, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "18446744073709551615 is outside [0, 18446744073709551614]"));
	assert(core_config_u64(&cfg, "i.above63", (uint64_t)INT64_MAX + 1, UINT64_MAX, &n, err,
			       sizeof(err)) == 0 && n == 9223372036854775808ull);
	int64_t iv;
	assert(core_config_i64(&cfg, "i.oct", INT64_MIN, INT64_MAX, &iv, err, sizeof(err)) == 0 &&
	       iv == 10);
	assert(core_config_i64(&cfg, "i.negoct", INT64_MIN, INT64_MAX, &iv, err, sizeof(err)) == 0 &&
	       iv == -10);
	assert(core_config_i64(&cfg, "i.neg", INT64_MIN, INT64_MAX, &iv, err, sizeof(err)) == 0 &&
	       iv == -5);
	assert(core_config_i64(&cfg, "i.i64max", INT64_MIN, INT64_MAX, &iv, err, sizeof(err)) == 0 &&
	       iv == INT64_MAX);
	assert(core_config_i64(&cfg, "i.i64min", INT64_MIN, INT64_MAX, &iv, err, sizeof(err)) == 0 &&
	       iv == INT64_MIN);
	iv = 99;
	assert(core_config_i64(&cfg, "i.i64over", INT64_MIN, INT64_MAX, &iv, err, sizeof(err)) ==
	       -EINVAL && iv == 99);
	assert(strstr(err, "does not fit an i64"));
	assert(core_config_i64(&cfg, "i.i64under", INT64_MIN, INT64_MAX, &iv, err, sizeof(err)) ==
	       -EINVAL && iv == 99);
	assert(core_config_i64(&cfg, "i.hex", 0, 100, &iv, err, sizeof(err)) == 0 && iv == 31);

	assert(core_config_load(&cfg, "/nonexistent/x.ini", err, sizeof(err)) == -ENOENT);
	assert(strstr(err, "/nonexistent/x.ini"));
	printf("config ok\n");
	return 0;
}
