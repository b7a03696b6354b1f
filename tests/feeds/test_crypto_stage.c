/* The feed stage takes crypto captures unchanged (chosen by content): the
 * Binance REST snapshot file then the WebSocket file share one set of books;
 * every event reaches the ring in order with seq 1, 2, ..., event time never
 * goes back, nothing is crossed or stale (but trades seen before a symbol's
 * first snapshot), and EOS ends the stream. A tiny
 * ring forces back-pressure: nothing is dropped. Exit 77 without the data. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../stage_poll.h"
#include "feeds.h"

int main(void)
{
	const char *sh = getenv("OSPREY_SHARED");
	char http[512], ws[512], by[512];
	snprintf(http, sizeof(http), "%s/data/crypto/cryptofeed_BINANCE.http.0.0", sh ? sh : "../shared");
	snprintf(ws, sizeof(ws), "%s/data/crypto/cryptofeed_BINANCE.ws.1.0", sh ? sh : "../shared");
	snprintf(by, sizeof(by), "%s/data/crypto/cryptofeed_BYBIT.ws.25.0", sh ? sh : "../shared");
	if (access(http, R_OK) || access(ws, R_OK) || access(by, R_OK)) {
		printf("crypto data absent: skip\n");
		return 77;
	}
	assert(core_clock_init(5) == 0);
	struct {
		const char *paths[2];
		unsigned n;
		uint64_t events, levels, trades;
	} runs[] = { { { http, ws }, 2, 414, 408, 2 }, { { by }, 1, 20051, 19942, 101 } };
	for (int k = 0; k < 2; k++) {
		struct core_ring *ring = core_ring_create("md", 8, sizeof(struct md_event));
		assert(ring);
		struct feeds_stage_cfg cfg = { .paths = runs[k].paths, .npaths = runs[k].n,
					       .out = { ring }, .nout = 1 };
		struct feeds_stage *st;
		char err[512];
		int r = feeds_stage_create(&cfg, &st, err, sizeof(err));
		if (r)
			fprintf(stderr, "%s\n", err);
		assert(r == 0);
		uint64_t seq = 0, last_ts = 0, levels = 0, trades = 0, waits = 0;
		bool eos = false;
		while (!eos) {
			uint32_t work;
			r = poll_once(feeds_stage_poll, st, &work);
			assert(r >= 0);
			struct md_event ev;
			unsigned popped = 0;
			while (popped < 5 && core_ring_pop(ring, &ev) == 0) { /* drain slowly */
				popped++;
				if (ev.kind == MD_EOS) {
					eos = true;
					assert(ev.seq == seq + 1);
					break;
				}
				assert(ev.seq == ++seq);
				assert(ev.ts_ns >= last_ts);
				last_ts = ev.ts_ns;
				assert(!(ev.flags & MD_F_CROSSED));
				/* only a trade may come before its symbol's first book */
				assert(!(ev.flags & MD_F_STALE) || ev.kind == MD_TRADE);
				levels += ev.kind == MD_LEVEL;
				trades += ev.kind == MD_TRADE;
				assert(feeds_stage_symbol(st, ev.locate)[0]);
			}
			if (work == 0)
				waits++;
		}
		assert(poll_once(feeds_stage_poll, st, NULL) == CORE_EOF);
		struct feeds_stats fs;
		feeds_stage_stats(st, &fs);
		printf("%s: %llu events (%llu level, %llu trade), ring-full waits %llu\n",
		       runs[k].paths[runs[k].n - 1], (unsigned long long)seq,
		       (unsigned long long)levels, (unsigned long long)trades,
		       (unsigned long long)fs.ring_full_waits);
		assert(seq == runs[k].events && levels == runs[k].levels &&
		       trades == runs[k].trades);
		assert(fs.ring_full_waits > 0);
		feeds_stage_destroy(st);
		core_ring_destroy(ring);
	}
	return 0;
}
