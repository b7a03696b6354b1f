/* The crypto decoders never read past their input: each line (crafted ones,
 * plus the first lines of the captures when ../shared/data is there) and its
 * truncations are placed so they end right before a PROT_NONE page. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "feeds.h"

#define AREA (256 * 1024)

static unsigned char *end_;
static struct feeds_crypto *c;
static unsigned long calls;

static void at_guard(const char *s, size_t n)
{
	assert(n <= AREA);
	unsigned char *p = end_ - n;
	memcpy(p, s, n);
	const struct md_event *ev;
	char err[256];
	int r = feeds_crypto_line(c, (const char *)p, n, &ev, err, sizeof(err));
	assert(r >= 0 || (r == -EBADMSG && !strncmp(err, "offset ", 7)));
	calls++;
}

static void one(const char *s, size_t n)
{
	size_t step = n <= 4096 ? 1 : n / 97;
	for (size_t k = 0; k <= n; k += step)
		at_guard(s, k);
	at_guard(s, n);
}

static const char *crafted[] = {
	"https://api.binance.com/api/v3/depth?symbol=TEST&limit=10 -> 1.5: {\"lastUpdateId\":10,"
	"\"bids\":[[\"1.0\",\"1\"]],\"asks\":[[\"1.1\",\"2\"]]}",
	"1.6: {\"stream\":\"t@depth\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"TEST\",\"U\":11,"
	"\"u\":12,\"b\":[[\"1.0\",\"0\"]],\"a\":[[\"1.2\",\"3\"]]}}",
	"1.7: {\"stream\":\"t@bookTicker\",\"data\":{\"u\":12,\"s\":\"TEST\",\"b\":\"1\",\"B\":\"1\","
	"\"a\":\"1.1\",\"A\":\"2\"}}",
	"1.8: {\"e\":\"aggTrade\",\"s\":\"TEST\",\"a\":1,\"p\":\"1.1\",\"q\":\"1\",\"m\":true,\"T\":5}",
	"1.9: {\"topic\":\"orderBookL2_25.BYT\",\"type\":\"snapshot\",\"data\":{\"order_book\":["
	"{\"price\":\"1.00\",\"side\":\"Buy\",\"size\":1.5},{\"price\":\"1.10\",\"side\":\"Sell\","
	"\"size\":2}]},\"cross_seq\":\"3\",\"timestamp_e6\":\"7\"}",
	"2.0: {\"topic\":\"orderBookL2_25.BYT\",\"type\":\"delta\",\"data\":{\"delete\":[{\"price\":"
	"\"1.00\",\"side\":\"Buy\"}],\"update\":[],\"insert\":[{\"price\":\"1.05\",\"side\":\"Buy\","
	"\"size\":0.25}]},\"cross_seq\":\"4\"}",
	"2.1: {\"topic\":\"trade.BYT\",\"data\":[{\"price\":\"1.07\",\"size\":3,\"side\":\"Sell\"}]}",
	"2.2: {\"a\":\"\\u00e9\\\"x\",\"b\":[true,false,null,-1.5e+3,{}]}",
	"wss://x <-> 3.0",
};

int main(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, AREA + pg, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert(map != MAP_FAILED);
	assert(mprotect(map + AREA, pg, PROT_NONE) == 0);
	end_ = map + AREA;
	char err[256];
	assert(feeds_crypto_create(NULL, &c, err, sizeof(err)) == 0);
	for (size_t i = 0; i < sizeof(crafted) / sizeof(crafted[0]); i++)
		one(crafted[i], strlen(crafted[i]));
	const char *sh = getenv("OSPREY_SHARED");
	const char *files[] = { "cryptofeed_BINANCE.http.0.0", "cryptofeed_BINANCE.ws.1.0",
				"cryptofeed_BYBIT.ws.25.0" };
	unsigned from_data = 0;
	for (int f = 0; f < 3; f++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/data/crypto/%s", sh ? sh : "../shared", files[f]);
		FILE *fp = fopen(path, "r");
		if (!fp)
			continue;
		static char line[1 << 17];
		for (int k = 0; k < 60 && fgets(line, sizeof(line), fp); k++) {
			size_t n = strcspn(line, "\n");
			one(line, n);
			from_data++;
		}
		fclose(fp);
	}
	printf("crypto guard: %lu calls, %u lines from the captures\n", calls, from_data);
	feeds_crypto_destroy(c);
	munmap(map, AREA + pg);
	return 0;
}
