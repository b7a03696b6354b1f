/* config.c - INI files: [section] and key = value lines. */
#include "core.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

int core_config_parse(struct core_config *cfg, const char *name, const char *text, char *err,
		      size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	char section[64] = "";
	int lineno = 0;
	const char *p = text;
	while (*p) {
		char line[512];
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		if (len >= sizeof(line)) {
			core_errf(err, errlen, "%s:%d: line longer than %zu bytes", name, lineno,
			          sizeof(line) - 1);
			return -EINVAL;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);

		char *s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close || trim(close + 1)[0] != '\0') {
				core_errf(err, errlen, "%s:%d: malformed section header '%s'", name,
				          lineno, s);
				return -EINVAL;
			}
			*close = '\0';
			char *sec = trim(s + 1);
			if (!valid_name(sec) || strlen(sec) >= sizeof(section)) {
				core_errf(err, errlen, "%s:%d: bad section name '%s'", name, lineno,
				          sec);
				return -EINVAL;
			}
			snprintf(section, sizeof(section), "%s", sec);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			core_errf(err, errlen, "%s:%d: expected 'key = value', got '%s'", name,
			          lineno, s);
			return -EINVAL;
		}
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		/* a comment after whitespace is not part of the value, nor is one
		 * where the value would start ("key =   # none"): the value is empty */
		for (char *c = val; *c; c++)
			if ((*c == '#' || *c == ';') && c > eq + 1 && isspace((unsigned char)c[-1])) {
				*c = '\0';
				val = trim(val);
				break;
			}
		if (!valid_name(key)) {
			core_errf(err, errlen, "%s:%d: bad key '%s'", name, lineno, key);
			return -EINVAL;
		}
		if (!section[0]) {
			core_errf(err, errlen, "%s:%d: key '%s' outside any [section]", name,
			          lineno, key);
			return -EINVAL;
		}
		char full[64];
		if ((size_t)snprintf(full, sizeof(full), "%s.%s", section, key) >= sizeof(full)) {
			core_errf(err, errlen, "%s:%d: key '%s.%s' is longer than %zu characters",
			          name, lineno, section, key, sizeof(full) - 1);
			return -EINVAL;
		}
		if (strlen(val) >= sizeof(cfg->e[0].value)) {
			core_errf(err, errlen, "%s:%d: the value of '%s' is longer than %zu characters",
			          name, lineno, full, sizeof(cfg->e[0].value) - 1);
			return -EINVAL;
		}
		for (int i = 0; i < cfg->n; i++)
			if (strcmp(cfg->e[i].key, full) == 0) {
				core_errf(err, errlen, "%s:%d: key '%s' repeats line %d", name,
				          lineno, full, cfg->e[i].line);
				return -EINVAL;
			}
		if (cfg->n == CORE_CONFIG_MAX_ENTRIES) {
			core_errf(err, errlen, "%s:%d: more than %d keys", name, lineno,
			          CORE_CONFIG_MAX_ENTRIES);
			return -EINVAL;
		}
		struct core_config_entry *e = &cfg->e[cfg->n++];
		snprintf(e->key, sizeof(e->key), "%s", full);
		snprintf(e->value, sizeof(e->value), "%s", val);
		e->line = lineno;
	}
	return 0;
}

int core_config_load(struct core_config *cfg, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int r = core_file_read(path, 1u << 20, &text, &len, err, errlen);
	if (r < 0)
		return r;
	if (len == 0) { /* a file that says nothing is a mistake, not "all defaults" */
		core_errf(err, errlen, "%s: empty file (no settings)", path);
		r = -EINVAL;
		goto out_close;
	}
	if (memchr(text, '\0', len)) {
		core_errf(err, errlen, "%s: contains a NUL byte", path);
		r = -EINVAL;
		goto out_close;
	}
	r = core_config_parse(cfg, path, text, err, errlen);
out_close:
	free(text);
	return r;
}

static struct core_config_entry *find(struct core_config *cfg, const char *key)
{
	for (int i = 0; i < cfg->n; i++)
		if (strcmp(cfg->e[i].key, key) == 0) {
			cfg->e[i].used = true;
			return &cfg->e[i];
		}
	return NULL;
}

const char *core_config_get(struct core_config *cfg, const char *key)
{
	struct core_config_entry *e = find(cfg, key);
	return e ? e->value : NULL;
}

/*
 * An integer as core.h describes it: [+-] then decimal digits (leading zeros
 * are still decimal: "010" is ten) or 0x/0X and hex digits, then an optional
 * k/m/g suffix (x1000, x1000000, x1000000000). *ret_mag gets the magnitude,
 * exact up to UINT64_MAX. -EINVAL if malformed, -ERANGE if the magnitude is
 * above UINT64_MAX.
 */
static int parse_int(const char *s, bool *ret_neg, uint64_t *ret_mag)
{
	bool neg = false;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	uint64_t v = 0;
	bool overflow = false;
	const char *digits = s;
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		overflow |= __builtin_mul_overflow(v, (uint64_t)base, &v);
		overflow |= __builtin_add_overflow(v, (uint64_t)d, &v);
	}
	if (s == digits)
		return -EINVAL;
	uint64_t mul = 1;
	if (*s == 'k' || *s == 'K')
		mul = 1000, s++;
	else if (*s == 'm' || *s == 'M')
		mul = 1000000, s++;
	else if (*s == 'g' || *s == 'G')
		mul = 1000000000, s++;
	if (*s)
		return -EINVAL;
	overflow |= __builtin_mul_overflow(v, mul, &v);
	if (overflow)
		return -ERANGE;
	*ret_neg = neg;
	*ret_mag = v;
	return 0;
}

/* parse_int's result for a getter: 0, or -EINVAL with the reason in err. */
static int bad_int(const struct core_config *cfg, const struct core_config_entry *e,
		   const char *key, int r, const char *range, char *err, size_t errlen)
{
	if (r == -ERANGE)
		core_errf(err, errlen, "%s:%d: key '%s': '%s' does not fit %s", cfg->path, e->line,
		          key, e->value, range);
	else
		core_errf(err, errlen,
		          "%s:%d: key '%s': '%s' is not an integer (decimal, or 0x hex; "
		          "optional k/m/g suffix)",
		          cfg->path, e->line, key, e->value);
	return -EINVAL;
}

int core_config_i64(struct core_config *cfg, const char *key, int64_t min, int64_t max,
		    int64_t *ret, char *err, size_t errlen)
{
	struct core_config_entry *e = find(cfg, key);
	if (!e)
		return 0;
	bool neg;
	uint64_t mag;
	int r = parse_int(e->value, &neg, &mag);
	if (r == 0 && mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		r = -ERANGE;
	if (r < 0)
		return bad_int(cfg, e, key, r, "an i64", err, errlen);
	int64_t v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	if (v < min || v > max) {
		core_errf(err, errlen,
		          "%s:%d: key '%s': %" PRId64 " is outside [%" PRId64 ", %" PRId64 "]",
		          cfg->path, e->line, key, v, min, max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

void core_format_fixed(char *buf, size_t len, int64_t v, unsigned decimals)
{
	uint64_t p = 1;
	for (unsigned i = 0; i < decimals && i < 18; i++)
		p *= 10;
	uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int n = snprintf(buf, len, "%s%" PRIu64, v < 0 ? "-" : "", m / p);
	uint64_t frac = m % p;
	if (frac && n > 0 && (size_t)n < len) {
		char d[24];
		snprintf(d, sizeof(d), "%0*" PRIu64, (int)decimals, frac);
		for (size_t k = strlen(d); k > 0 && d[k - 1] == '0'; k--)
			d[k - 1] = '\0';
		snprintf(buf + n, len - (size_t)n, ".%s", d);
	}
}

int core_parse_fixed(const char *s, unsigned decimals, int64_t *ret)
{
	if (decimals > 9)
		return -EINVAL;
	bool neg = false;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	uint64_t v = 0;
	bool overflow = false;
	unsigned ndig = 0, nfrac = 0;
	bool point = false;
	for (;; s++) {
		if (*s == '.' && !point) {
			point = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			break;
		if (point && ++nfrac > decimals)
			return -EINVAL;
		ndig++;
		overflow |= __builtin_mul_overflow(v, (uint64_t)10, &v);
		overflow |= __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v);
	}
	if (*s || ndig == 0)
		return -EINVAL;
	for (; nfrac < decimals; nfrac++)
		overflow |= __builtin_mul_overflow(v, (uint64_t)10, &v);
	if (overflow || v > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return -ERANGE;
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int core_config_fixed(struct core_config *cfg, const char *key, unsigned decimals, int64_t min,
		      int64_t max, int64_t *ret, char *err, size_t errlen)
{
	struct core_config_entry *e = find(cfg, key);
	if (!e)
		return 0;
	int64_t v;
	int r = core_parse_fixed(e->value, decimals, &v);
	if (r < 0) {
		core_errf(err, errlen,
		          "%s:%d: key '%s': '%s' is not a decimal number with at most %u digits "
		          "after the point%s",
		          cfg->path, e->line, key, e->value, decimals,
		          r == -ERANGE ? " that fits 64 bits" : "");
		return -EINVAL;
	}
	if (v < min || v > max) {
		char lo[32], hi[32];
		core_format_fixed(lo, sizeof(lo), min, decimals);
		core_format_fixed(hi, sizeof(hi), max, decimals);
		core_errf(err, errlen, "%s:%d: key '%s': %s is outside [%s, %s]", cfg->path, e->line,
		          key, e->value, lo, hi);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

int core_config_u64(struct core_config *cfg, const char *key, uint64_t min, uint64_t max,
		    uint64_t *ret, char *err, size_t errlen)
{
	struct core_config_entry *e = find(cfg, key);
	if (!e)
		return 0;
	bool neg;
	uint64_t v;
	int r = parse_int(e->value, &neg, &v);
	if (r < 0)
		return bad_int(cfg, e, key, r, "a u64 (it is above 18446744073709551615)", err,
		               errlen);
	if (neg && v != 0) {
		core_errf(err, errlen, "%s:%d: key '%s': %s is outside [%" PRIu64 ", %" PRIu64 "]",
		          cfg->path, e->line, key, e->value, min, max);
		return -EINVAL;
	}
	if (v < min || v > max) {
		core_errf(err, errlen,
		          "%s:%d: key '%s': %" PRIu64 " is outside [%" PRIu64 ", %" PRIu64 "]",
		          cfg->path, e->line, key, v, min, max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

int core_config_bool(struct core_config *cfg, const char *key, bool *ret, char *err,
		     size_t errlen)
{
	struct core_config_entry *e = find(cfg, key);
	if (!e)
		return 0;
	const char *v = e->value;
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1"))
		*ret = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0"))
		*ret = false;
	else {
		core_errf(err, errlen, "%s:%d: key '%s': '%s' is not a boolean (true/false)",
		          cfg->path, e->line, key, v);
		return -EINVAL;
	}
	return 0;
}

int core_config_str(struct core_config *cfg, const char *key, char *ret, size_t retlen, char *err,
		    size_t errlen)
{
	struct core_config_entry *e = find(cfg, key);
	if (!e)
		return 0;
	if (strlen(e->value) >= retlen) {
		core_errf(err, errlen, "%s:%d: key '%s': value longer than %zu bytes", cfg->path,
		          e->line, key, retlen - 1);
		return -EINVAL;
	}
	memcpy(ret, e->value, strlen(e->value) + 1);
	return 0;
}

const struct core_config_entry *core_config_unused(const struct core_config *cfg)
{
	for (int i = 0; i < cfg->n; i++)
		if (!cfg->e[i].used)
			return &cfg->e[i];
	return NULL;
}
