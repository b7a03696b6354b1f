/* OUCH 4.2 codec:
 *  - every kind: the encoder writes exactly the bytes built from exec.h's
 *    offsets (ouch_samples.h), the decoder gives back every field, and
 *    decode -> encode gives the same bytes; the generic exec_ouch_encode
 *    agrees with the per-kind encoders;
 *  - the real capture ../shared/data/pcap/soup_ouch.pcapng (SoupBinTCP read
 *    with feeds' pcap reader and core's SoupBinTCP decoder): its Enter Order
 *    and Accepted decode field for field as Wireshark shows them, and
 *    re-encode to the captured bytes;
 *  - bad input, with the outcome and the message: every length but the
 *    right one, unknown types, the wrong direction, and every byte of every
 *    kind set to a value its field cannot take (0x01; 'X' for side, state
 *    and event code), the message naming the offset and the field (from this
 *    test's own field table, written from exec.h's offsets);
 *  - encoder refusals (-ENOSPC, -EINVAL), exec_ouch_alpha_set/_len. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "feeds.h"
#include "ouch_samples.h"

struct field {
	const char *name;
	unsigned off, width;
	char cls; /* n number (any byte), a alpha/code (printable), s side, l state, e event */
};

#define TS { "Timestamp", 1, 8, 'n' }
#define TK(off) { "Order Token", off, 14, 'a' }
#define END { NULL, 0, 0, 0 }
/* Written from the offset lists in exec.h. */
static const struct field layout[EXEC_OUCH_KINDS][20] = {
	[EXEC_OUCH_ENTER] = { TK(1), { "Buy/Sell Indicator", 15, 1, 's' }, { "Shares", 16, 4, 'n' },
			      { "Stock", 20, 8, 'a' }, { "Price", 28, 4, 'n' },
			      { "Time In Force", 32, 4, 'n' }, { "Firm", 36, 4, 'a' },
			      { "Display", 40, 1, 'a' }, { "Capacity", 41, 1, 'a' },
			      { "Intermarket Sweep Eligibility", 42, 1, 'a' },
			      { "Minimum Quantity", 43, 4, 'n' }, { "Cross Type", 47, 1, 'a' },
			      { "Customer Type", 48, 1, 'a' }, END },
	[EXEC_OUCH_REPLACE] = { { "Existing Order Token", 1, 14, 'a' },
				{ "Replacement Order Token", 15, 14, 'a' }, { "Shares", 29, 4, 'n' },
				{ "Price", 33, 4, 'n' }, { "Time In Force", 37, 4, 'n' },
				{ "Display", 41, 1, 'a' },
				{ "Intermarket Sweep Eligibility", 42, 1, 'a' },
				{ "Minimum Quantity", 43, 4, 'n' }, END },
	[EXEC_OUCH_CANCEL] = { TK(1), { "Shares", 15, 4, 'n' }, END },
	[EXEC_OUCH_MODIFY] = { TK(1), { "Buy/Sell Indicator", 15, 1, 's' }, { "Shares", 16, 4, 'n' },
			       END },
	[EXEC_OUCH_TRADE_NOW] = { TK(1), END },
	[EXEC_OUCH_SYSTEM_EVENT] = { TS, { "Event Code", 9, 1, 'e' }, END },
	[EXEC_OUCH_ACCEPTED] = { TS, TK(9), { "Buy/Sell Indicator", 23, 1, 's' },
				 { "Shares", 24, 4, 'n' }, { "Stock", 28, 8, 'a' },
				 { "Price", 36, 4, 'n' }, { "Time In Force", 40, 4, 'n' },
				 { "Firm", 44, 4, 'a' }, { "Display", 48, 1, 'a' },
				 { "Order Reference Number", 49, 8, 'n' },
				 { "Capacity", 57, 1, 'a' },
				 { "Intermarket Sweep Eligibility", 58, 1, 'a' },
				 { "Minimum Quantity", 59, 4, 'n' }, { "Cross Type", 63, 1, 'a' },
				 { "Order State", 64, 1, 'l' },
				 { "BBO Weight Indicator", 65, 1, 'a' }, END },
	[EXEC_OUCH_REPLACED] = { TS, { "Replacement Order Token", 9, 14, 'a' },
				 { "Buy/Sell Indicator", 23, 1, 's' }, { "Shares", 24, 4, 'n' },
				 { "Stock", 28, 8, 'a' }, { "Price", 36, 4, 'n' },
				 { "Time In Force", 40, 4, 'n' }, { "Firm", 44, 4, 'a' },
				 { "Display", 48, 1, 'a' },
				 { "Order Reference Number", 49, 8, 'n' },
				 { "Capacity", 57, 1, 'a' },
				 { "Intermarket Sweep Eligibility", 58, 1, 'a' },
				 { "Minimum Quantity", 59, 4, 'n' }, { "Cross Type", 63, 1, 'a' },
				 { "Order State", 64, 1, 'l' },
				 { "Previous Order Token", 65, 14, 'a' },
				 { "BBO Weight Indicator", 79, 1, 'a' }, END },
	[EXEC_OUCH_CANCELED] = { TS, TK(9), { "Decrement Shares", 23, 4, 'n' },
				 { "Reason", 27, 1, 'a' }, END },
	[EXEC_OUCH_AIQ_CANCELED] = { TS, TK(9), { "Decrement Shares", 23, 4, 'n' },
				     { "Reason", 27, 1, 'a' },
				     { "Quantity Prevented from Trading", 28, 4, 'n' },
				     { "Execution Price", 32, 4, 'n' },
				     { "Liquidity Flag", 36, 1, 'a' }, END },
	[EXEC_OUCH_EXECUTED] = { TS, TK(9), { "Executed Shares", 23, 4, 'n' },
				 { "Execution Price", 27, 4, 'n' }, { "Liquidity Flag", 31, 1, 'a' },
				 { "Match Number", 32, 8, 'n' }, END },
	[EXEC_OUCH_BROKEN] = { TS, TK(9), { "Match Number", 23, 8, 'n' }, { "Reason", 31, 1, 'a' },
			       END },
	[EXEC_OUCH_EXECUTED_REF] = { TS, TK(9), { "Executed Shares", 23, 4, 'n' },
				     { "Execution Price", 27, 4, 'n' },
				     { "Liquidity Flag", 31, 1, 'a' },
				     { "Match Number", 32, 8, 'n' },
				     { "Reference Price", 40, 4, 'n' },
				     { "Reference Price Type", 44, 1, 'a' }, END },
	[EXEC_OUCH_CORRECTION] = { TS, TK(9), { "Executed Shares", 23, 4, 'n' },
				   { "Execution Price", 27, 4, 'n' },
				   { "Liquidity Flag", 31, 1, 'a' }, { "Match Number", 32, 8, 'n' },
				   { "Reason", 40, 1, 'a' }, END },
	[EXEC_OUCH_REJECTED] = { TS, TK(9), { "Reason", 23, 1, 'a' }, END },
	[EXEC_OUCH_CANCEL_PENDING] = { TS, TK(9), END },
	[EXEC_OUCH_CANCEL_REJECT] = { TS, TK(9), END },
	[EXEC_OUCH_PRIORITY] = { TS, TK(9), { "Price", 23, 4, 'n' }, { "Display", 27, 1, 'a' },
				 { "Order Reference Number", 28, 8, 'n' }, END },
	[EXEC_OUCH_MODIFIED] = { TS, TK(9), { "Buy/Sell Indicator", 23, 1, 's' },
				 { "Shares", 24, 4, 'n' }, END },
};

static char err[256];

static void check_kind(int kind)
{
	struct exec_ouch_msg m, d;
	unsigned char want[EXEC_OUCH_MAX_LEN], got[EXEC_OUCH_MAX_LEN + 8];
	int len = ouch_sample(kind, &m, want);
	int dir = ouch_sample_dir(kind);
	assert(len > 0 && (unsigned)len == exec_ouch_len(kind));
	/* the field table covers every byte once */
	unsigned covered = 1;
	for (const struct field *f = layout[kind]; f->name; f++) {
		assert(f->off == covered);
		covered += f->width;
	}
	assert(covered == (unsigned)len);

	/* encode: exactly the bytes, by the kind's encoder and the generic one */
	memset(got, 0xee, sizeof(got));
	assert(exec_ouch_encode(got, sizeof(got), &m) == len);
	assert(!memcmp(got, want, (size_t)len) && got[len] == 0xee);
	assert(exec_ouch_encode(got, (size_t)len, &m) == len);
	assert(exec_ouch_encode(got, (size_t)len - 1, &m) == -ENOSPC);

	/* decode: the kind, every field (re-encoding is injective over the fields) */
	memset(&d, 0x5a, sizeof(d));
	assert(exec_ouch_decode(want, (size_t)len, dir, &d, err, sizeof(err)) == kind);
	assert(d.kind == kind && d.type == want[0] && d.len == len);
	memset(got, 0, sizeof(got));
	assert(exec_ouch_encode(got, sizeof(got), &d) == len && !memcmp(got, want, (size_t)len));

	/* lengths other than the right one */
	for (size_t n = 1; n <= EXEC_OUCH_MAX_LEN + 2; n++) {
		if (n == (size_t)len)
			continue;
		unsigned char big[EXEC_OUCH_MAX_LEN + 2];
		memset(big, 'A', sizeof(big));
		memcpy(big, want, n < (size_t)len ? n : (size_t)len);
		err[0] = 0;
		assert(exec_ouch_decode(big, n, dir, &d, err, sizeof(err)) == -EBADMSG);
		char exp[160];
		snprintf(exp, sizeof(exp), "offset 0: %s ('%c') with length %zu (expected %d)",
			 exec_ouch_name(kind), want[0], n, len);
		if (strcmp(err, exp))
			fprintf(stderr, "got '%s', want '%s'\n", err, exp);
		assert(!strcmp(err, exp));
	}

	/* every byte set to what its field cannot hold */
	for (const struct field *f = layout[kind]; f->name; f++) {
		for (unsigned i = f->off; i < f->off + f->width; i++) {
			unsigned char bad[EXEC_OUCH_MAX_LEN];
			memcpy(bad, want, (size_t)len);
			bad[i] = 0x01;
			int r = exec_ouch_decode(bad, (size_t)len, dir, &d, err, sizeof(err));
			if (f->cls == 'n') {
				assert(r == kind); /* any byte is a number */
				continue;
			}
			char exp[200];
			snprintf(exp, sizeof(exp), "offset %u: %s ('%c', length %d): %s byte 0x01",
				 i, exec_ouch_name(kind), want[0], len, f->name);
			if (r != -EBADMSG || strncmp(err, exp, strlen(exp)))
				fprintf(stderr, "r %d '%s', want '%s...'\n", r, err, exp);
			assert(r == -EBADMSG && !strncmp(err, exp, strlen(exp)));
			assert(strstr(err, "printable ASCII"));
			if (f->cls != 'a') {
				/* side / state / event: a listed byte set to one out of the list */
				memcpy(bad, want, (size_t)len);
				bad[i] = 'X';
				r = exec_ouch_decode(bad, (size_t)len, dir, &d, err, sizeof(err));
				snprintf(exp, sizeof(exp),
					 "offset %u: %s ('%c', length %d): %s byte 0x58 ('X') is not ",
					 i, exec_ouch_name(kind), want[0], len, f->name);
				assert(r == -EBADMSG && !strncmp(err, exp, strlen(exp)));
			}
		}
	}
	/* the encoder refuses exactly what the decoder refuses: any byte of the
	 * struct set to values a field may not hold */
	static const unsigned char vals[] = { 0x01, 'X', 0x80, ' ', 0x7f, 'L' };
	for (size_t j = 0; j < sizeof(m); j++) {
		for (size_t v = 0; v < sizeof(vals); v++) {
			struct exec_ouch_msg bm = m;
			((unsigned char *)&bm)[j] = vals[v];
			if (bm.kind != kind)
				continue; /* the tag itself */
			unsigned char out[EXEC_OUCH_MAX_LEN];
			int r = exec_ouch_encode(out, sizeof(out), &bm);
			int rd = exec_ouch_decode(out, (size_t)len, dir, &d, err, sizeof(err));
			if (r == len) {
				unsigned char again[EXEC_OUCH_MAX_LEN];
				assert(rd == kind && exec_ouch_encode(again, sizeof(again), &d) == len &&
				       !memcmp(again, out, (size_t)len));
			} else {
				assert(r == -EINVAL && rd == -EBADMSG);
			}
		}
	}

	/* the other direction: U and M mean something else there, the rest nothing */
	int other = dir == EXEC_OUCH_INBOUND ? EXEC_OUCH_OUTBOUND : EXEC_OUCH_INBOUND;
	int r = exec_ouch_decode(want, (size_t)len, other, &d, err, sizeof(err));
	if (want[0] == 'U' || want[0] == 'M')
		assert(r == -EBADMSG && strstr(err, "expected"));
	else
		assert(r == -ENOMSG && strstr(err, "is not an"));
}

/* The soup_ouch.pcapng capture: login, Enter Order, Accepted, heartbeats. */
static int check_capture(void)
{
	const char *sh = getenv("OSPREY_SHARED");
	char path[512];
	snprintf(path, sizeof(path), "%s/data/pcap/soup_ouch.pcapng", sh ? sh : "../shared");
	struct feeds_capture cap;
	if (feeds_capture_open(&cap, path, err, sizeof(err)) < 0) {
		printf("capture: %s: skipped\n", err);
		return 0;
	}
	struct feeds_pcap p;
	assert(feeds_pcap_init(&p, cap.data, cap.len, path, err, sizeof(err)) == 0);
	struct feeds_pcap_rec rec;
	int found = 0;
	while (feeds_pcap_next(&p, &rec, err, sizeof(err)) == 0) {
		struct feeds_ip_view v;
		if (feeds_pcap_ip(&rec, &v, err, sizeof(err)) < 0 || v.proto != 6 || !v.len)
			continue;
		int sdir = v.dport == 15000 ? CORE_SOUP_FROM_CLIENT : CORE_SOUP_FROM_SERVER;
		size_t off = 0;
		struct core_soup_pkt k;
		while (core_soup_next(v.payload, v.len, &off, sdir, &k, err, sizeof(err)) == 0) {
			if (k.type != 'U' && k.type != 'S')
				continue;
			struct exec_ouch_msg m;
			int dir = k.type == 'U' ? EXEC_OUCH_INBOUND : EXEC_OUCH_OUTBOUND;
			int kind = exec_ouch_decode(k.payload, k.len, dir, &m, err, sizeof(err));
			assert(kind > 0);
			if (kind == EXEC_OUCH_ENTER) {
				/* as Wireshark shows frame 8 */
				const struct exec_ouch_enter *o = &m.enter;
				assert(!memcmp(o->token, "TOKEN00000001 ", 14) && o->side == 'B');
				assert(o->shares == 100 && !memcmp(o->stock, "AAPL    ", 8));
				assert(o->price == 1892500 && o->tif == 99999);
				assert(!memcmp(o->firm, "FIRM", 4) && o->display == 'Y');
				assert(o->capacity == 'P' && o->iso == 'N' && o->min_qty == 0);
				assert(o->cross_type == 'N' && o->customer_type == 'R');
				assert(exec_ouch_alpha_len(o->token, 14) == 13);
				found |= 1;
			} else {
				assert(kind == EXEC_OUCH_ACCEPTED);
				const struct exec_ouch_accepted *o = &m.accepted;
				assert(o->ts_ns == 34200000000000ull); /* 9:30:00.000000000 */
				assert(!memcmp(o->token, "TOKEN00000001 ", 14) && o->side == 'B');
				assert(o->shares == 100 && !memcmp(o->stock, "AAPL    ", 8));
				assert(o->price == 1892500 && o->tif == 99999);
				assert(!memcmp(o->firm, "FIRM", 4) && o->display == 'Y');
				assert(o->order_ref == 7 && o->capacity == 'P' && o->iso == 'N');
				assert(o->min_qty == 0 && o->cross_type == 'N' && o->state == 'L');
				assert(o->bbo_weight == ' ');
				found |= 2;
			}
			unsigned char re[EXEC_OUCH_MAX_LEN];
			assert(exec_ouch_encode(re, sizeof(re), &m) == (int)k.len);
			assert(!memcmp(re, k.payload, k.len));
		}
	}
	assert(found == 3);
	feeds_capture_close(&cap);
	printf("capture: Enter Order and Accepted decoded field for field\n");
	return 1;
}

/* Order tokens: the order id and the triggering seq, both ways. */
static void tokens(void)
{
	char t[EXEC_TOKEN_LEN];
	uint64_t id, seq;
	assert(exec_order_token_put(t, 0, 0) == 0 && !memcmp(t, "00000000000000", 14));
	assert(exec_order_token_put(t, 35, 36) == 0 && !memcmp(t, "000000Z0000010", 14));
	assert(exec_order_token_get(t, &id, &seq) == 0 && id == 35 && seq == 36);
	const uint64_t max = 78364164095ull; /* 36^7 - 1 */
	assert(exec_order_token_put(t, max, max) == 0 && !memcmp(t, "ZZZZZZZZZZZZZZ", 14));
	assert(exec_order_token_get(t, &id, &seq) == 0 && id == max && seq == max);
	assert(exec_order_token_put(t, max + 1, 1) == -ERANGE);
	assert(exec_order_token_put(t, 1, max + 1) == -ERANGE);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t a = x % (max + 1), b = (x >> 20) % (max + 1);
		assert(exec_order_token_put(t, a, b) == 0);
		assert(exec_order_token_get(t, &id, &seq) == 0 && id == a && seq == b);
	}
	memcpy(t, "00000001000 02", 14); /* a space: not ours */
	assert(exec_order_token_get(t, &id, &seq) == -EINVAL);
	memcpy(t, "0000000100000a", 14); /* lower case: not ours */
	assert(exec_order_token_get(t, &id, &seq) == -EINVAL);
}

int main(void)
{
	tokens();
	for (int kind = 1; kind < EXEC_OUCH_KINDS; kind++)
		check_kind(kind);
	printf("%d kinds: bytes, fields, lengths, bad bytes, direction\n", EXEC_OUCH_KINDS - 1);

	struct exec_ouch_msg d;
	/* unknown types and empty messages */
	static const unsigned char q[] = { 'Q', 1, 2, 3 };
	assert(exec_ouch_decode(q, sizeof(q), EXEC_OUCH_INBOUND, &d, err, sizeof(err)) == -ENOMSG);
	assert(!strcmp(err, "offset 0: type 0x51 ('Q') is not an inbound OUCH 4.2 message "
			    "(length 4)"));
	assert(exec_ouch_decode(q, 0, EXEC_OUCH_OUTBOUND, &d, err, sizeof(err)) == -ENOMSG);
	assert(strstr(err, "empty"));
	assert(exec_ouch_decode(q, sizeof(q), 3, &d, err, sizeof(err)) == -EINVAL);
	for (int t = 0; t < 256; t++) {
		unsigned char one = (unsigned char)t;
		for (int dir = 1; dir <= 2; dir++) {
			int r = exec_ouch_decode(&one, 1, dir, &d, err, sizeof(err));
			assert(r == -ENOMSG || r == -EBADMSG);
			assert(!strncmp(err, "offset 0: ", 10));
		}
	}

	/* encoder refusals */
	struct exec_ouch_msg m;
	unsigned char b[EXEC_OUCH_MAX_LEN];
	ouch_sample(EXEC_OUCH_ENTER, &m, b);
	m.enter.side = 'X';
	assert(exec_ouch_put_enter(b, sizeof(b), &m.enter) == -EINVAL);
	ouch_sample(EXEC_OUCH_ENTER, &m, b);
	m.enter.token[3] = '\0';
	assert(exec_ouch_put_enter(b, sizeof(b), &m.enter) == -EINVAL);
	ouch_sample(EXEC_OUCH_ENTER, &m, b);
	m.enter.display = 0x80;
	assert(exec_ouch_put_enter(b, sizeof(b), &m.enter) == -EINVAL);
	ouch_sample(EXEC_OUCH_ACCEPTED, &m, b);
	m.accepted.state = 'X';
	assert(exec_ouch_put_accepted(b, sizeof(b), &m.accepted) == -EINVAL);
	ouch_sample(EXEC_OUCH_SYSTEM_EVENT, &m, b);
	m.system_event.event = 'C';
	assert(exec_ouch_put_system_event(b, sizeof(b), &m.system_event) == -EINVAL);
	m.kind = 0;
	assert(exec_ouch_encode(b, sizeof(b), &m) == -EINVAL);
	m.kind = EXEC_OUCH_KINDS;
	assert(exec_ouch_encode(b, sizeof(b), &m) == -EINVAL);
	assert(exec_ouch_len(0) == 0 && exec_ouch_type(99) == 0 &&
	       !strcmp(exec_ouch_name(-1), "unknown"));

	/* alpha fields */
	char tok[14];
	memset(tok, 'x', sizeof(tok));
	assert(exec_ouch_alpha_set(tok, 14, "ABC") == 0 && !memcmp(tok, "ABC           ", 14));
	assert(exec_ouch_alpha_len(tok, 14) == 3);
	assert(exec_ouch_alpha_set(tok, 14, "ABCDEFGHIJKLMNO") == -EINVAL);
	assert(exec_ouch_alpha_set(tok, 14, "A\nB") == -EINVAL && tok[0] == 'A' && tok[1] == 'B');
	assert(exec_ouch_alpha_set(tok, 14, "") == 0 && exec_ouch_alpha_len(tok, 14) == 0);
	assert(exec_ouch_alpha_set(tok, 14, "ABCDEFGHIJKLMN") == 0 &&
	       exec_ouch_alpha_len(tok, 14) == 14);

	check_capture();
	printf("ouch: ok\n");
	return 0;
}
