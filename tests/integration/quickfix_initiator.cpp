// quickfix_initiator - a FIX 4.4 initiator built on QuickFIX (C++), the peer
// we did not write, against osprey-venue's FIX side (test_venue_quickfix.sh).
//
// usage: quickfix_initiator PORT DATA_DICTIONARY WORK_DIR
//
// SenderCompID QFCLIENT, TargetCompID EXEC, ResetOnLogon=Y, data dictionary
// validation on (UseDataDictionary=Y, FIX44.xml from ../shared/data/fix), so
// every message the venue sends is checked by QuickFIX; a message that fails
// is answered with a Reject (counted here) or refused by the application
// (counted). Logs on, then:
//   Q1 buy  OSPA 200 @ 100000 IOC   New, Trade(s), maybe Canceled (the rest)
//   Q2 buy  OSPB 100 @ 0.0001 DAY   New, then OrderCancelRequest C1: Canceled
//                                   (11=C1, 41=Q2)
//   Q3 sell OSPC 100 @ 100000 DAY   New
//   Q4 buy  OSPA 100 @ 0.0001 DAY   New
//   OrderMassCancelRequest MC1 (530=7): Canceled Q3 and Q4, then
//                                   OrderMassCancelReport 531=7 533=2
// then logs out. Prints one line and exits 0 when every report came as
// expected and QuickFIX rejected nothing:
//   qf-initiator ok=1 orders=4 new=N trades=N traded_qty=N canceled=N
//                mass_total=N rejects_sent=N business_rejects_sent=N
//                rejects_received=N cancel_rejects=N
// Every message received is printed ("IN ..."), SOH as '|'.
#include <quickfix/Application.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/NewOrderSingle.h>
#include <quickfix/fix44/OrderCancelRequest.h>
#include <quickfix/fix44/OrderMassCancelReport.h>
#include <quickfix/fix44/OrderMassCancelRequest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string show(const FIX::Message &m)
{
	std::string s = m.toString();
	for (auto &c : s)
		if (c == '\001')
			c = '|';
	return s;
}

struct Report {
	std::string cl, orig;
	char exec_type, ord_status;
	double last_qty;
};

class Client : public FIX::Application {
public:
	std::atomic<int> logons{ 0 }, logouts{ 0 }, rejects_sent{ 0 }, business_rejects_sent{ 0 },
	        rejects_received{ 0 }, cancel_rejects{ 0 }, mass_reports{ 0 }, app_errors{ 0 };
	std::atomic<long> mass_total{ -1 };
	std::atomic<char> mass_response{ 0 };
	FIX::SessionID sid;
	std::mutex mu;
	std::vector<Report> reports;

	void onCreate(const FIX::SessionID &s) override
	{
		sid = s;
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
		FIX::MsgType t;
		m.getHeader().getField(t);
		if (t == FIX::MsgType_Reject)
			rejects_received++;
	}
	void fromApp(const FIX::Message &m, const FIX::SessionID &) throw(
	        FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
	        FIX::UnsupportedMessageType) override
	{
		std::printf("IN app %s\n", show(m).c_str());
		std::fflush(stdout);
		FIX::MsgType t;
		m.getHeader().getField(t);
		if (t == FIX::MsgType_ExecutionReport) {
			Report r;
			FIX::ClOrdID cl;
			FIX::OrigClOrdID orig;
			FIX::ExecType et;
			FIX::OrdStatus os;
			FIX::LastQty lq(0);
			m.getField(et);
			m.getField(os);
			if (m.isSetField(cl))
				m.getField(cl);
			if (m.isSetField(orig))
				m.getField(orig);
			if (m.isSetField(lq))
				m.getField(lq);
			r.cl = cl.getValue();
			r.orig = orig.getValue();
			r.exec_type = et.getValue();
			r.ord_status = os.getValue();
			r.last_qty = lq.getValue();
			std::lock_guard<std::mutex> g(mu);
			reports.push_back(r);
		} else if (t == FIX::MsgType_OrderCancelReject) {
			cancel_rejects++;
		} else if (t == FIX::MsgType_OrderMassCancelReport) {
			FIX::MassCancelResponse resp;
			FIX::TotalAffectedOrders total;
			m.getField(resp);
			if (m.isSetField(total)) {
				m.getField(total);
				mass_total = total.getValue();
			}
			mass_response = resp.getValue();
			mass_reports++;
		} else {
			app_errors++;
			throw FIX::UnsupportedMessageType();
		}
	}

	int count(const std::string &cl, char et)
	{
		std::lock_guard<std::mutex> g(mu);
		int n = 0;
		for (auto &r : reports)
			if (r.cl == cl && r.exec_type == et)
				n++;
		return n;
	}
	bool has(const std::string &cl, const std::string &orig, char et)
	{
		std::lock_guard<std::mutex> g(mu);
		for (auto &r : reports)
			if (r.cl == cl && r.orig == orig && r.exec_type == et)
				return true;
		return false;
	}
};

template <class F> bool wait_for(F done, int ms)
{
	auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
	while (!done()) {
		if (std::chrono::steady_clock::now() > end)
			return false;
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
	return true;
}

FIX44::NewOrderSingle order(const char *cl, char side, const char *sym, double qty, double px,
			    char tif)
{
	FIX44::NewOrderSingle o(FIX::ClOrdID(cl), FIX::Side(side), FIX::TransactTime(),
				FIX::OrdType(FIX::OrdType_LIMIT));
	o.set(FIX::Symbol(sym));
	o.set(FIX::OrderQty(qty));
	o.set(FIX::Price(px));
	o.set(FIX::TimeInForce(tif));
	return o;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 4) {
		std::fprintf(stderr, "usage: %s PORT DATA_DICTIONARY WORK_DIR\n", argv[0]);
		return 2;
	}
	std::ostringstream cfg;
	cfg << "[DEFAULT]\n"
	    << "ConnectionType=initiator\n"
	    << "SocketConnectHost=127.0.0.1\n"
	    << "SocketConnectPort=" << argv[1] << "\n"
	    << "ReconnectInterval=1\nHeartBtInt=30\n"
	    << "StartTime=00:00:00\nEndTime=00:00:00\n"
	    << "UseDataDictionary=Y\n"
	    << "DataDictionary=" << argv[2] << "\n"
	    << "ValidateUserDefinedFields=Y\nValidateFieldsOutOfOrder=Y\n"
	    << "ValidateFieldsHaveValues=Y\nAllowUnknownMsgFields=N\n"
	    << "CheckLatency=Y\nMaxLatency=120\n"
	    << "ResetOnLogon=Y\nResetOnLogout=N\nResetOnDisconnect=N\n"
	    << "FileStorePath=" << argv[3] << "/store\n"
	    << "FileLogPath=" << argv[3] << "\n"
	    << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=QFCLIENT\nTargetCompID=EXEC\n";
	std::istringstream in(cfg.str());
	try {
		FIX::SessionSettings settings(in);
		Client app;
		FIX::FileStoreFactory store(settings);
		FIX::FileLogFactory log(settings);
		FIX::SocketInitiator initiator(app, store, settings, log);
		initiator.start();
		bool ok = wait_for([&] { return app.logons > 0; }, 10000);
		if (!ok)
			std::fprintf(stderr, "no logon\n");
		// the venue starts publishing at our logon: let the book fill
		std::this_thread::sleep_for(std::chrono::milliseconds(400));
		auto send = [&](FIX::Message m) { FIX::Session::sendToTarget(m, app.sid); };
		send(order("Q1", FIX::Side_BUY, "OSPA", 200, 100000, FIX::TimeInForce_IMMEDIATE_OR_CANCEL));
		send(order("Q2", FIX::Side_BUY, "OSPB", 100, 0.0001, FIX::TimeInForce_DAY));
		send(order("Q3", FIX::Side_SELL, "OSPC", 100, 100000, FIX::TimeInForce_DAY));
		send(order("Q4", FIX::Side_BUY, "OSPA", 100, 0.0001, FIX::TimeInForce_DAY));
		ok = ok && wait_for([&] {
			return app.count("Q1", FIX::ExecType_NEW) && app.count("Q2", FIX::ExecType_NEW) &&
			       app.count("Q3", FIX::ExecType_NEW) && app.count("Q4", FIX::ExecType_NEW);
		}, 5000);
		if (!ok)
			std::fprintf(stderr, "not every order was acknowledged\n");
		FIX44::OrderCancelRequest c(FIX::OrigClOrdID("Q2"), FIX::ClOrdID("C1"),
					    FIX::Side(FIX::Side_BUY), FIX::TransactTime());
		c.set(FIX::Symbol("OSPB"));
		c.set(FIX::OrderQty(100));
		send(c);
		ok = ok && wait_for([&] { return app.has("C1", "Q2", FIX::ExecType_CANCELED); }, 5000);
		if (!ok)
			std::fprintf(stderr, "the cancel was not answered\n");
		FIX44::OrderMassCancelRequest q(FIX::ClOrdID("MC1"),
						FIX::MassCancelRequestType(
						        FIX::MassCancelRequestType_CANCEL_ALL_ORDERS),
						FIX::TransactTime());
		send(q);
		ok = ok && wait_for([&] { return app.mass_reports > 0; }, 5000);
		ok = ok && app.count("Q3", FIX::ExecType_CANCELED) == 1 &&
		     app.count("Q4", FIX::ExecType_CANCELED) == 1 && app.mass_total == 2 &&
		     app.mass_response == FIX::MassCancelResponse_CANCEL_ALL_ORDERS;
		if (!ok)
			std::fprintf(stderr, "the mass cancel was not answered as expected\n");
		// the IOC traded against the book's asks and is done (filled or the rest canceled)
		int trades = app.count("Q1", FIX::ExecType_TRADE);
		ok = ok && trades > 0;
		// a heartbeat's worth of quiet, then out
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
		FIX::Session *s = FIX::Session::lookupSession(app.sid);
		if (s)
			s->logout("done");
		ok = wait_for([&] { return app.logouts > 0; }, 5000) && ok;
		initiator.stop();
		int news = 0, all_trades = 0, canceled = 0;
		double traded = 0;
		{
			std::lock_guard<std::mutex> g(app.mu);
			for (auto &r : app.reports) {
				news += r.exec_type == FIX::ExecType_NEW;
				canceled += r.exec_type == FIX::ExecType_CANCELED;
				if (r.exec_type == FIX::ExecType_TRADE) {
					all_trades++;
					traded += r.last_qty;
				}
			}
		}
		ok = ok && app.rejects_sent == 0 && app.business_rejects_sent == 0 &&
		     app.rejects_received == 0 && app.cancel_rejects == 0 && app.app_errors == 0;
		std::printf("qf-initiator ok=%d orders=4 new=%d trades=%d traded_qty=%.0f canceled=%d "
			    "mass_total=%ld rejects_sent=%d business_rejects_sent=%d "
			    "rejects_received=%d cancel_rejects=%d\n",
			    ok ? 1 : 0, news, all_trades, traded, canceled, app.mass_total.load(),
			    app.rejects_sent.load(), app.business_rejects_sent.load(),
			    app.rejects_received.load(), app.cancel_rejects.load());
		return ok ? 0 : 1;
	} catch (std::exception &e) {
		std::fprintf(stderr, "quickfix_initiator: %s\n", e.what());
		return 2;
	}
}
