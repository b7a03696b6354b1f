/* Decode each of the 23 ITCH 5.0 message types from hand-built bytes. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "feeds.h"

static unsigned char buf[64];

static void w16(unsigned o, unsigned v)
{
	buf[o] = (unsigned char)(v >> 8);
	buf[o + 1] = (unsigned char)v;
}
static void w32(unsigned o, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		buf[o + i] = (unsigned char)(v >> (24 - 8 * i));
}
static void w48(unsigned o, uint64_t v)
{
	for (int i = 0; i < 6; i++)
		buf[o + i] = (unsigned char)(v >> (40 - 8 * i));
}
static void w64(unsigned o, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		buf[o + i] = (unsigned char)(v >> (56 - 8 * i));
}
static void ws(unsigned o, const char *s, unsigned n)
{
	memset(buf + o, ' ', n);
	memcpy(buf + o, s, strlen(s));
}

/* Common header with values that differ per type so a mix-up shows. */
static void hdr(char type, uint16_t locate)
{
	memset(buf, 0xee, sizeof(buf));
	buf[0] = (unsigned char)type;
	w16(1, locate);
	w16(3, 0x0102);
	w48(5, 0x123456789abcull);
}

static struct feeds_itch_msg m;

static void dec(unsigned len)
{
	char err[128];
	assert(feeds_itch_msg_len(buf[0]) == len);
	memset(&m, 0, sizeof(m));
	int r = feeds_itch_decode(buf, len, &m, err, sizeof(err));
	if (r != 0)
		fprintf(stderr, "decode '%c': %s\n", buf[0], err);
	assert(r == 0);
	assert(m.type == buf[0]);
	assert(m.len == len);
	assert(m.raw == buf);
	assert(m.tracking == 0x0102);
	assert(m.ts_ns == 0x123456789abcull);
	/* Exact length: one byte less or more must be rejected. */
	assert(feeds_itch_decode(buf, len - 1, &m, err, sizeof(err)) == -EBADMSG);
	assert(feeds_itch_decode(buf, len + 1, &m, err, sizeof(err)) == -EBADMSG);
}

#define STOCK_IS(f, s) assert(memcmp((f), s "        ", 8) == 0)

int main(void)
{
	int seen = 0;

	hdr('S', 0);
	buf[11] = 'Q';
	dec(12);
	assert(m.locate == 0 && m.u.sys.event == 'Q');
	seen++;

	hdr('R', 7);
	ws(11, "AMZN", 8);
	buf[19] = 'Q';
	buf[20] = 'N';
	w32(21, 100);
	buf[25] = 'N';
	buf[26] = 'C';
	ws(27, "Z", 2);
	buf[29] = 'P';
	buf[30] = 'N';
	buf[31] = ' ';
	buf[32] = '1';
	buf[33] = 'N';
	w32(34, 3);
	buf[38] = 'Y';
	dec(39);
	assert(m.locate == 7);
	STOCK_IS(m.u.dir.stock, "AMZN");
	assert(m.u.dir.market_category == 'Q' && m.u.dir.financial_status == 'N');
	assert(m.u.dir.round_lot == 100 && m.u.dir.round_lots_only == 'N');
	assert(m.u.dir.issue_classification == 'C' && m.u.dir.issue_subtype[0] == 'Z');
	assert(m.u.dir.authenticity == 'P' && m.u.dir.short_sale_threshold == 'N');
	assert(m.u.dir.ipo_flag == ' ' && m.u.dir.luld_tier == '1' && m.u.dir.etp_flag == 'N');
	assert(m.u.dir.etp_leverage == 3 && m.u.dir.inverse == 'Y');
	seen++;

	hdr('H', 8);
	ws(11, "GOOG", 8);
	buf[19] = 'H';
	buf[20] = ' ';
	ws(21, "LUDP", 4);
	dec(25);
	STOCK_IS(m.u.trading.stock, "GOOG");
	assert(m.locate == 8 && m.u.trading.state == 'H');
	assert(memcmp(m.u.trading.reason, "LUDP", 4) == 0);
	seen++;

	hdr('Y', 9);
	ws(11, "MSFT", 8);
	buf[19] = '1';
	dec(20);
	STOCK_IS(m.u.regsho.stock, "MSFT");
	assert(m.u.regsho.action == '1');
	seen++;

	hdr('L', 10);
	ws(11, "GSCO", 4);
	ws(15, "AAPL", 8);
	buf[23] = 'Y';
	buf[24] = 'P';
	buf[25] = 'A';
	dec(26);
	assert(memcmp(m.u.mpp.mpid, "GSCO", 4) == 0);
	STOCK_IS(m.u.mpp.stock, "AAPL");
	assert(m.u.mpp.primary == 'Y' && m.u.mpp.mode == 'P' && m.u.mpp.state == 'A');
	seen++;

	hdr('V', 0);
	w64(11, 111111111111ull);
	w64(19, 222222222222ull);
	w64(27, 333333333333ull);
	dec(35);
	assert(m.u.mwcb_decline.level[0] == 111111111111ull);
	assert(m.u.mwcb_decline.level[1] == 222222222222ull);
	assert(m.u.mwcb_decline.level[2] == 333333333333ull);
	seen++;

	hdr('W', 0);
	buf[11] = '2';
	dec(12);
	assert(m.u.mwcb_status.level == '2');
	seen++;

	hdr('K', 11);
	ws(11, "IPOX", 8);
	w32(19, 36000);
	buf[23] = 'A';
	w32(24, 250000);
	dec(28);
	STOCK_IS(m.u.ipo.stock, "IPOX");
	assert(m.u.ipo.release_time == 36000 && m.u.ipo.release_qualifier == 'A');
	assert(m.u.ipo.price == 250000);
	seen++;

	hdr('J', 12);
	ws(11, "LULD", 8);
	w32(19, 1000000);
	w32(23, 1100000);
	w32(27, 900000);
	w32(31, 2);
	dec(35);
	STOCK_IS(m.u.luld.stock, "LULD");
	assert(m.u.luld.ref_price == 1000000 && m.u.luld.upper_price == 1100000);
	assert(m.u.luld.lower_price == 900000 && m.u.luld.extension == 2);
	seen++;

	hdr('h', 13);
	ws(11, "HALT", 8);
	buf[19] = 'Q';
	buf[20] = 'H';
	dec(21);
	STOCK_IS(m.u.op_halt.stock, "HALT");
	assert(m.u.op_halt.market_code == 'Q' && m.u.op_halt.action == 'H');
	seen++;

	hdr('I', 14);
	w64(11, 5000000000ull);
	w64(19, 1234);
	buf[27] = 'B';
	ws(28, "NOII", 8);
	w32(36, 101);
	w32(40, 102);
	w32(44, 103);
	buf[48] = 'O';
	buf[49] = 'L';
	dec(50);
	assert(m.u.noii.paired == 5000000000ull && m.u.noii.imbalance == 1234);
	assert(m.u.noii.direction == 'B');
	STOCK_IS(m.u.noii.stock, "NOII");
	assert(m.u.noii.far_price == 101 && m.u.noii.near_price == 102);
	assert(m.u.noii.ref_price == 103 && m.u.noii.cross_type == 'O');
	assert(m.u.noii.variation == 'L');
	seen++;

	hdr('O', 15);
	ws(11, "DLCR", 8);
	buf[19] = 'Y';
	w32(20, 80000);
	w32(24, 180000);
	w32(28, 100000);
	w64(32, 0x0000112233445566ull);
	w32(40, 90000);
	w32(44, 110000);
	dec(48);
	STOCK_IS(m.u.dlcr.stock, "DLCR");
	assert(m.u.dlcr.eligible == 'Y' && m.u.dlcr.min_price == 80000);
	assert(m.u.dlcr.max_price == 180000 && m.u.dlcr.near_price == 100000);
	assert(m.u.dlcr.near_time == 0x0000112233445566ull);
	assert(m.u.dlcr.lower_collar == 90000 && m.u.dlcr.upper_collar == 110000);
	seen++;

	hdr('A', 16);
	w64(11, 0x0102030405060708ull);
	buf[19] = 'B';
	w32(20, 300);
	ws(24, "AMZN", 8);
	w32(32, 2239500);
	dec(36);
	assert(m.locate == 16 && m.u.add.ref == 0x0102030405060708ull);
	assert(m.u.add.side == 'B' && m.u.add.shares == 300 && m.u.add.price == 2239500);
	STOCK_IS(m.u.add.stock, "AMZN");
	seen++;

	hdr('F', 17);
	w64(11, 42);
	buf[19] = 'S';
	w32(20, 0xfffffffful);
	ws(24, "GOOG", 8);
	w32(32, 5800000);
	ws(36, "MSCO", 4);
	dec(40);
	assert(m.u.add.ref == 42 && m.u.add.side == 'S' && m.u.add.shares == 0xfffffffful);
	assert(m.u.add.price == 5800000 && memcmp(m.u.add.mpid, "MSCO", 4) == 0);
	STOCK_IS(m.u.add.stock, "GOOG");
	seen++;

	hdr('E', 18);
	w64(11, 43);
	w32(19, 50);
	w64(23, 0xaabbccddeeff0011ull);
	dec(31);
	assert(m.u.exec.ref == 43 && m.u.exec.shares == 50);
	assert(m.u.exec.match == 0xaabbccddeeff0011ull);
	seen++;

	hdr('C', 19);
	w64(11, 44);
	w32(19, 60);
	w64(23, 77);
	buf[31] = 'N';
	w32(32, 1234567);
	dec(36);
	assert(m.u.exec.ref == 44 && m.u.exec.shares == 60 && m.u.exec.match == 77);
	assert(m.u.exec.printable == 'N' && m.u.exec.price == 1234567);
	seen++;

	hdr('X', 20);
	w64(11, 45);
	w32(19, 70);
	dec(23);
	assert(m.u.cancel.ref == 45 && m.u.cancel.shares == 70);
	seen++;

	hdr('D', 21);
	w64(11, 46);
	dec(19);
	assert(m.u.del.ref == 46);
	seen++;

	hdr('U', 22);
	w64(11, 47);
	w64(19, 48);
	w32(27, 80);
	w32(31, 999900);
	dec(35);
	assert(m.u.replace.orig_ref == 47 && m.u.replace.new_ref == 48);
	assert(m.u.replace.shares == 80 && m.u.replace.price == 999900);
	seen++;

	hdr('P', 23);
	w64(11, 49);
	buf[19] = 'B';
	w32(20, 90);
	ws(24, "TRDE", 8);
	w32(32, 555500);
	w64(36, 1000001);
	dec(44);
	assert(m.u.trade.ref == 49 && m.u.trade.side == 'B' && m.u.trade.shares == 90);
	STOCK_IS(m.u.trade.stock, "TRDE");
	assert(m.u.trade.price == 555500 && m.u.trade.match == 1000001);
	seen++;

	hdr('Q', 24);
	w64(11, 10000000000ull);
	ws(19, "CROS", 8);
	w32(27, 444400);
	w64(31, 1000002);
	buf[39] = 'C';
	dec(40);
	assert(m.u.cross.shares == 10000000000ull && m.u.cross.price == 444400);
	STOCK_IS(m.u.cross.stock, "CROS");
	assert(m.u.cross.match == 1000002 && m.u.cross.cross_type == 'C');
	seen++;

	hdr('B', 25);
	w64(11, 1000003);
	dec(19);
	assert(m.u.broken.match == 1000003);
	seen++;

	hdr('N', 26);
	ws(11, "RPII", 8);
	buf[19] = 'A';
	dec(20);
	STOCK_IS(m.u.rpii.stock, "RPII");
	assert(m.u.rpii.interest == 'A');
	seen++;

	assert(seen == FEEDS_ITCH_NTYPES);
	assert(strlen(feeds_itch_types) == FEEDS_ITCH_NTYPES);

	/* Every other byte value is not a type. */
	unsigned known = 0;
	for (unsigned t = 0; t < 256; t++)
		if (feeds_itch_msg_len((uint8_t)t))
			known++;
	assert(known == FEEDS_ITCH_NTYPES);

	/* Framed: two messages back to back through feeds_itch_next. */
	unsigned char fr[2 + 19 + 2 + 12];
	fr[0] = 0;
	fr[1] = 19;
	hdr('D', 5);
	w64(11, 99);
	memcpy(fr + 2, buf, 19);
	fr[21] = 0;
	fr[22] = 12;
	hdr('S', 0);
	buf[11] = 'C';
	memcpy(fr + 23, buf, 12);
	size_t off = 0;
	char err[128];
	assert(feeds_itch_next(fr, sizeof(fr), &off, &m, err, sizeof(err)) == 0);
	assert(off == 21 && m.type == 'D' && m.u.del.ref == 99 && m.raw == fr + 2);
	assert(feeds_itch_next(fr, sizeof(fr), &off, &m, err, sizeof(err)) == 0);
	assert(off == sizeof(fr) && m.type == 'S' && m.u.sys.event == 'C');
	assert(feeds_itch_next(fr, sizeof(fr), &off, &m, err, sizeof(err)) == CORE_EOF);
	printf("ok: %d types\n", seen);
	return 0;
}
