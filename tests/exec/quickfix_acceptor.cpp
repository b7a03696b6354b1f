// quickfix_acceptor - a FIX 4.4 acceptor built on QuickFIX (C++), the peer
// we did not write, for tests/exec/test_fix_quickfix.c.
//
// usage: quickfix_acceptor PORT DATA_DICTIONARY WORK_DIR LOGOUTS
//
// SenderCompID EXEC, TargetCompID ENGINE, data dictionary validation on
// (UseDataDictionary=Y), file store and file log under WORK_DIR (the event
// log is WORK_DIR/FIX.4.4-EXEC-ENGINE.event.current.log). Exits after LOGOUTS
// sessions have ended (or after 60 s), printing one summary line:
//   qf-summary app_in=N rejects_sent=N business_rejects_sent=N logons=N
//
// What it does with orders (by ClOrdID prefix):
//   NewOrderSingle: ExecutionReport New; "FILL*": then a partial fill of half
//     and a full fill; TimeInForce IOC: a fill of 10, the rest Canceled;
//     "GAP*": before the New, its next MsgSeqNum jumps by 3 (a forced gap).
//   OrderCancelRequest: Canceled for an open order, else OrderCancelReject.
//   OrderCancelReplaceRequest: Replaced (the order takes the new ClOrdID, qty,
//     price), else OrderCancelReject.
//   OrderMassCancelRequest: Canceled for every open order, then an
//     OrderMassCancelReport with TotalAffectedOrders.
// Every message it receives is printed ("IN ..."), with SOH as '|'.
#include <quickfix/Application.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/OrderCancelReject.h>
#include <quickfix/fix44/OrderMassCancelReport.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <thread>

namespace {

struct Order {
	std::string symbol;
	char side;
	double qty;
	double px;
	double cum;
	std::string order_id;
};

std::string show(const FIX::Message &m)
{
	std::string s = m.toString();
	for (auto &c : s)
		if (c == '\001')
			c = '|';
	return s;
}

class Venue : public FIX::Application {
public:
	std::atomic<int> app_in{ 0 }, rejects_sent{ 0 }, business_rejects_sent{ 0 }, logons{ 0 },
	        logouts{ 0 };

	void onCreate(const FIX::SessionID &) override
	{
	}
	void onLogon(const FIX::SessionID &) override
	{
		logons++;
		std::printf("EVENT logon\n");
		std::fflush(stdout);
	}
	void onLogout(const FIX::SessionID &) override
	{
		logouts++;
		std::printf("EVENT logout\n");
		std::fflush(stdout);
	}
	void toAdmin(FIX::Message &m, const FIX::SessionID &) override
	{
		FIX::MsgType t;
		m.getHeader().getField(t);
		if (t == FIX::MsgType_Reject) {
			rejects_sent++;
			std::printf("REJECT_SENT %s\n", show(m).c_str());
			std::fflush(stdout);
		}
	}
	void toApp(FIX::Message &m, const FIX::SessionID &) throw(FIX::DoNotSend) override
	{
		FIX::MsgType t;
		m.getHeader().getField(t);
		if (t == FIX::MsgType_BusinessMessageReject) {
			business_rejects_sent++;
			std::printf("BUSINESS_REJECT_SENT %s\n", show(m).c_str());
			std::fflush(stdout);
		}
	}
	void fromAdmin(const FIX::Message &m, const FIX::SessionID &) throw(
	        FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
	        FIX::RejectLogon) override
	{
		std::printf("IN admin %s\n", show(m).c_str());
		std::fflush(stdout);
	}
	void fromApp(const FIX::Message &m, const FIX::SessionID &sid) throw(
	        FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
	        FIX::UnsupportedMessageType) override
	{
		app_in++;
		std::printf("IN app %s\n", show(m).c_str());
		std::fflush(stdout);
		FIX::MsgType t;
		m.getHeader().getField(t);
		if (t == FIX::MsgType_NewOrderSingle)
			new_order(m, sid);
		else if (t == FIX::MsgType_OrderCancelRequest)
			cancel(m, sid);
		else if (t == FIX::MsgType_OrderCancelReplaceRequest)
			replace(m, sid);
		else if (t == FIX::MsgType_OrderMassCancelRequest)
			mass_cancel(m, sid);
		else
			throw FIX::UnsupportedMessageType();
	}

private:
	std::map<std::string, Order> open_;
	int next_order_ = 1, next_exec_ = 1;

	void report(const FIX::SessionID &sid, const Order &o, const std::string &cl,
		    const std::string &orig, char exec_type, char status, double leaves,
		    double last_qty)
	{
		FIX44::ExecutionReport r(FIX::OrderID(o.order_id),
					 FIX::ExecID("X" + std::to_string(next_exec_++)),
					 FIX::ExecType(exec_type), FIX::OrdStatus(status),
					 FIX::Side(o.side), FIX::LeavesQty(leaves), FIX::CumQty(o.cum),
					 FIX::AvgPx(o.cum > 0 ? o.px : 0));
		r.set(FIX::ClOrdID(cl));
		if (!orig.empty())
			r.set(FIX::OrigClOrdID(orig));
		r.set(FIX::Symbol(o.symbol));
		r.set(FIX::OrderQty(o.qty));
		r.set(FIX::Price(o.px));
		if (last_qty > 0) {
			r.set(FIX::LastQty(last_qty));
			r.set(FIX::LastPx(o.px));
		}
		r.set(FIX::TransactTime());
		FIX::Session::sendToTarget(r, sid);
	}

	void new_order(const FIX::Message &m, const FIX::SessionID &sid)
	{
		FIX::ClOrdID cl;
		FIX::Symbol sym;
		FIX::Side side;
		FIX::OrderQty qty;
		FIX::Price px;
		FIX::TimeInForce tif('0');
		m.getField(cl);
		m.getField(sym);
		m.getField(side);
		m.getField(qty);
		m.getField(px);
		if (m.isSetField(tif))
			m.getField(tif);
		std::string id = cl.getValue();
		Order o{ sym.getValue(), side.getValue(), qty.getValue(), px.getValue(), 0,
			 "O" + std::to_string(next_order_++) };
		if (id.rfind("GAP", 0) == 0) {
			FIX::Session *s = FIX::Session::lookupSession(sid);
			s->setNextSenderMsgSeqNum(s->getExpectedSenderNum() + 3);
			std::printf("EVENT skipped 3 sequence numbers\n");
		}
		report(sid, o, id, "", FIX::ExecType_NEW, FIX::OrdStatus_NEW, o.qty, 0);
		if (id.rfind("FILL", 0) == 0) {
			double half = (double)((long)o.qty / 2);
			o.cum = half;
			report(sid, o, id, "", FIX::ExecType_TRADE, FIX::OrdStatus_PARTIALLY_FILLED,
			       o.qty - half, half);
			o.cum = o.qty;
			report(sid, o, id, "", FIX::ExecType_TRADE, FIX::OrdStatus_FILLED, 0,
			       o.qty - half);
			return;
		}
		if (tif.getValue() == FIX::TimeInForce_IMMEDIATE_OR_CANCEL) {
			double f = o.qty > 10 ? 10 : o.qty;
			o.cum = f;
			report(sid, o, id, "", FIX::ExecType_TRADE, FIX::OrdStatus_PARTIALLY_FILLED,
			       o.qty - f, f);
			if (o.qty > f)
				report(sid, o, id, "", FIX::ExecType_CANCELED, FIX::OrdStatus_CANCELED,
				       0, 0);
			return;
		}
		open_[id] = o;
	}

	void cancel_reject(const FIX::SessionID &sid, const std::string &cl,
			   const std::string &orig, char response_to)
	{
		FIX44::OrderCancelReject r(FIX::OrderID("NONE"), FIX::ClOrdID(cl),
					   FIX::OrigClOrdID(orig),
					   FIX::OrdStatus(FIX::OrdStatus_REJECTED),
					   FIX::CxlRejResponseTo(response_to));
		r.set(FIX::CxlRejReason(FIX::CxlRejReason_UNKNOWN_ORDER));
		r.set(FIX::Text("unknown order"));
		FIX::Session::sendToTarget(r, sid);
	}

	void cancel(const FIX::Message &m, const FIX::SessionID &sid)
	{
		FIX::ClOrdID cl;
		FIX::OrigClOrdID orig;
		m.getField(cl);
		m.getField(orig);
		auto it = open_.find(orig.getValue());
		if (it == open_.end()) {
			cancel_reject(sid, cl.getValue(), orig.getValue(),
				      FIX::CxlRejResponseTo_ORDER_CANCEL_REQUEST);
			return;
		}
		report(sid, it->second, cl.getValue(), orig.getValue(), FIX::ExecType_CANCELED,
		       FIX::OrdStatus_CANCELED, 0, 0);
		open_.erase(it);
	}

	void replace(const FIX::Message &m, const FIX::SessionID &sid)
	{
		FIX::ClOrdID cl;
		FIX::OrigClOrdID orig;
		FIX::OrderQty qty;
		FIX::Price px;
		m.getField(cl);
		m.getField(orig);
		m.getField(qty);
		m.getField(px);
		auto it = open_.find(orig.getValue());
		if (it == open_.end()) {
			cancel_reject(sid, cl.getValue(), orig.getValue(),
				      FIX::CxlRejResponseTo_ORDER_CANCEL_REPLACE_REQUEST);
			return;
		}
		Order o = it->second;
		open_.erase(it);
		o.qty = qty.getValue();
		o.px = px.getValue();
		report(sid, o, cl.getValue(), orig.getValue(), FIX::ExecType_REPLACED,
		       FIX::OrdStatus_REPLACED, o.qty - o.cum, 0);
		open_[cl.getValue()] = o;
	}

	void mass_cancel(const FIX::Message &m, const FIX::SessionID &sid)
	{
		FIX::ClOrdID cl;
		FIX::MassCancelRequestType type;
		m.getField(cl);
		m.getField(type);
		int n = 0;
		for (auto &kv : open_) {
			report(sid, kv.second, kv.first, "", FIX::ExecType_CANCELED,
			       FIX::OrdStatus_CANCELED, 0, 0);
			n++;
		}
		open_.clear();
		FIX44::OrderMassCancelReport r(FIX::OrderID("MC" + std::to_string(next_order_++)),
					       FIX::MassCancelRequestType(type.getValue()),
					       FIX::MassCancelResponse(
					               FIX::MassCancelResponse_CANCEL_ALL_ORDERS));
		r.set(FIX::ClOrdID(cl.getValue()));
		r.set(FIX::TotalAffectedOrders(n));
		FIX::Session::sendToTarget(r, sid);
	}
};

} // namespace

int main(int argc, char **argv)
{
	if (argc != 5) {
		std::fprintf(stderr, "usage: %s PORT DATA_DICTIONARY WORK_DIR LOGOUTS\n", argv[0]);
		return 2;
	}
	std::ostringstream cfg;
	cfg << "[DEFAULT]\n"
	    << "ConnectionType=acceptor\n"
	    << "SocketAcceptPort=" << argv[1] << "\n"
	    << "SocketAcceptAddress=127.0.0.1\n"
	    << "StartTime=00:00:00\nEndTime=00:00:00\n"
	    << "UseDataDictionary=Y\n"
	    << "DataDictionary=" << argv[2] << "\n"
	    << "ValidateUserDefinedFields=Y\nValidateFieldsOutOfOrder=Y\n"
	    << "ValidateFieldsHaveValues=Y\nAllowUnknownMsgFields=N\n"
	    << "CheckLatency=Y\nMaxLatency=120\n"
	    << "ResetOnLogon=N\nResetOnLogout=N\nResetOnDisconnect=N\n"
	    << "PersistMessages=Y\n"
	    << "FileStorePath=" << argv[3] << "/store\n"
	    << "FileLogPath=" << argv[3] << "\n"
	    << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=EXEC\nTargetCompID=ENGINE\n";
	std::istringstream in(cfg.str());
	int want = std::atoi(argv[4]);
	try {
		FIX::SessionSettings settings(in);
		Venue app;
		FIX::FileStoreFactory store(settings);
		FIX::FileLogFactory log(settings);
		FIX::SocketAcceptor acceptor(app, store, settings, log);
		acceptor.start();
		std::printf("EVENT listening on %s\n", argv[1]);
		std::fflush(stdout);
		auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
		while (app.logouts < want && std::chrono::steady_clock::now() < end)
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		acceptor.stop();
		std::printf("qf-summary app_in=%d rejects_sent=%d business_rejects_sent=%d logons=%d "
			    "logouts=%d\n",
			    app.app_in.load(), app.rejects_sent.load(),
			    app.business_rejects_sent.load(), app.logons.load(), app.logouts.load());
		return app.logouts >= want ? 0 : 1;
	} catch (std::exception &e) {
		std::fprintf(stderr, "quickfix_acceptor: %s\n", e.what());
		return 2;
	}
}
