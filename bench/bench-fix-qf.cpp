// bench-fix-qf.cpp - QuickFIX's own message build and parse, the anchor for
// bench-fix.c (same run, same timing loop on the C side). Built only when
// libquickfix-dev is present.
#include <quickfix/Message.h>
#include <quickfix/Values.h>
#include <quickfix/FieldTypes.h>
#include <quickfix/fix44/NewOrderSingle.h>

#include <cstring>
#include <string>

extern "C" {
size_t bench_qf_build_nos(unsigned seq, char *out, size_t cap);
int bench_qf_parse_er(const char *msg, size_t len);
}

// NewOrderSingle: setField for the header and body, then toString (which
// computes BodyLength and CheckSum), copied out.
size_t bench_qf_build_nos(unsigned seq, char *out, size_t cap)
{
	FIX::Message m;
	FIX::Header &h = m.getHeader();
	h.setField(FIX::BeginString("FIX.4.4"));
	h.setField(FIX::MsgType("D"));
	h.setField(FIX::SenderCompID("ENGINE"));
	h.setField(FIX::TargetCompID("EXEC"));
	h.setField(FIX::MsgSeqNum((int)seq));
	h.setField(FIX::SendingTime());
	m.setField(FIX::ClOrdID("C1234567"));
	m.setField(FIX::Symbol("AMZN"));
	m.setField(FIX::Side(FIX::Side_BUY));
	m.setField(FIX::TransactTime());
	m.setField(FIX::OrderQty(100));
	m.setField(FIX::OrdType(FIX::OrdType_LIMIT));
	m.setField(FIX::Price(189.25));
	m.setField(FIX::TimeInForce(FIX::TimeInForce_DAY));
	std::string s;
	m.toString(s);
	size_t n = s.size() < cap ? s.size() : cap;
	std::memcpy(out, s.data(), n);
	return n;
}

// ExecutionReport: FIX::Message(string) (BodyLength and CheckSum checked),
// then the fields our decoder reads, typed.
int bench_qf_parse_er(const char *msg, size_t len)
{
	try {
		FIX::Message m(std::string(msg, len), true);
		FIX::OrderID oid;
		FIX::ExecID eid;
		FIX::ExecType et;
		FIX::OrdStatus os;
		FIX::Side side;
		FIX::LeavesQty leaves;
		FIX::CumQty cum;
		FIX::AvgPx avg;
		FIX::ClOrdID cl;
		FIX::LastQty lq;
		FIX::LastPx lp;
		m.getField(oid);
		m.getField(eid);
		m.getField(et);
		m.getField(os);
		m.getField(side);
		m.getField(leaves);
		m.getField(cum);
		m.getField(avg);
		m.getField(cl);
		m.getField(lq);
		m.getField(lp);
		return (int)cum.getValue() + (int)lq.getValue() + (int)oid.getValue().size();
	} catch (std::exception &) {
		return -1;
	}
}
