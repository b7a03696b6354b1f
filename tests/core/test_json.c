/* test_json.c - core's JSON scanner helpers for exchange numbers:
 * core_json_decimal (a decimal text at an instrument's scale, never rounded)
 * and core_json_step_places (the scale a tickSize or stepSize needs). */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

static int places(const char *s, const char **what)
{
	return core_json_step_places(s, strlen(s), what);
}

int main(void)
{
	const char *what = NULL;
	uint64_t v;
	assert(core_json_decimal("64000.01", 8, 2, UINT64_MAX, &v, &what) == 0 && v == 6400001);
	assert(core_json_decimal("0.10264410", 10, 8, UINT64_MAX, &v, &what) == 0 && v == 10264410);
	assert(core_json_decimal("1.2500", 6, 2, UINT64_MAX, &v, &what) == 0 && v == 125);
	assert(core_json_decimal("1.251", 5, 2, UINT64_MAX, &v, &what) == -ERANGE);
	assert(strstr(what, "more decimal places"));
	assert(core_json_decimal("-1", 2, 2, UINT64_MAX, &v, &what) == -EINVAL && strstr(what, "sign"));
	assert(core_json_decimal("1e5", 3, 2, UINT64_MAX, &v, &what) == -EINVAL);
	assert(core_json_decimal("1.5", 3, 2, 149, &v, &what) == -ERANGE);

	/* the exchanges' steps: Binance prints trailing zeros, Bybit does not */
	assert(places("0.01000000", &what) == 2);
	assert(places("0.00001000", &what) == 5);
	assert(places("1.00000000", &what) == 0);
	assert(places("1", &what) == 0);
	assert(places("0.5", &what) == 1);
	assert(places("0.05", &what) == 2);
	assert(places("10", &what) == 0);
	assert(places("0.000000000000000001", &what) == 18);
	assert(places("0.0000000000000000001", &what) == -ERANGE && strstr(what, "18"));
	assert(places("0.000", &what) == -EINVAL && strstr(what, "zero"));
	assert(places("", &what) == -EINVAL);
	assert(places("0.0.1", &what) == -EINVAL && strstr(what, "two decimal points"));
	assert(places("0.01x", &what) == -EINVAL);
	assert(places("-0.01", &what) == -EINVAL && strstr(what, "sign"));
	printf("json: decimals at a scale, and the scales of 14 steps\n");
	return 0;
}
