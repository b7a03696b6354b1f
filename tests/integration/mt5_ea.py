#!/usr/bin/env python3
"""mt5_ea.py - a stand-in for the DWX ZeroMQ expert advisor in a MetaTrader 5
terminal (darwinex/dwx-zeromq-connector, DWX_ZeroMQ_Server.mq5 v2.0.2), for
the tests of Osprey's MetaTrader 5 bridge. It is not Osprey code: pyzmq
(Debian python3-zmq) plays the EA's side of the wire as the MQL source does.

  PULL bound on the command port, PUSH on the answer port (high-water mark 1,
  sent without blocking: an answer nobody takes is dropped), PUB on the tick
  port; one command read per 1 ms timer tick, split at ';', answered with the
  EA's Python-dict strings, built as its MQL concatenates them.

The terminal behind it: one price path per symbol (a triangle wave, one tick
every 10 ms: bid 1.08400 .. 1.08600 for EURUSD, ask 1 pip above; GBPUSD the
same 0.19 higher), market orders filled at the ask / bid, buy limits filled
when the ask reaches them and sell limits when the bid does (a filled pending
order becomes a position of type 0/1 with its ticket, as in MQL4's model),
MaximumLotSize as the EA's input. Orders outlive the EA: --state FILE is read
at start and written at exit (SIGTERM), as the terminal keeps them across an
EA restart.

Faults, for the tests: --drop-answer COMMENT (no answer to the OPEN with this
comment, as the EA's PUSH at its high-water mark), --garbage-before COMMENT
(a malformed answer before that OPEN's), --bad-tick (a malformed tick now and
then). It prints "ports CMD ANSWER PUB" once bound, runs until SIGTERM or
--seconds, and prints "net SYMBOL UNITS" (its positions, 100000 a lot) and
"positions N" (how many) at the end.
"""
import argparse
import json
import os
import signal
import time

import zmq

ap = argparse.ArgumentParser()
ap.add_argument("--ports", default="0,0,0", help="command,answer,pub (0: any free one)")
ap.add_argument("--state", help="orders kept across restarts (read at start, written at exit)")
ap.add_argument("--max-lots", type=float, default=1.0, help="the EA's MaximumLotSize")
ap.add_argument("--drop-answer", action="append", default=[])
ap.add_argument("--garbage-before", action="append", default=[])
ap.add_argument("--bad-tick", action="store_true")
ap.add_argument("--seconds", type=float, default=120)
args = ap.parse_args()

BASE = {"EURUSD": 1.08400, "GBPUSD": 1.27400}
state = {"next_ticket": 5000001, "orders": {}, "closed": [], "tick": 0}
if args.state and os.path.exists(args.state):
    with open(args.state) as f:
        state = json.load(f)

ctx = zmq.Context()
pull = ctx.socket(zmq.PULL)
push = ctx.socket(zmq.PUSH)
pub = ctx.socket(zmq.PUB)
ports = [int(p) for p in args.ports.split(",")]
for s in (pull, push, pub):
    s.setsockopt(zmq.LINGER, 0)
push.setsockopt(zmq.SNDHWM, 1)
pull.setsockopt(zmq.RCVHWM, 1)
pub.setsockopt(zmq.SNDHWM, 100)  # the EA's is 1; more here, so the tests see every tick
bound = []
for s, p in zip((pull, push, pub), ports):
    if p:
        s.bind("tcp://127.0.0.1:%d" % p)
        bound.append(p)
    else:
        bound.append(s.bind_to_random_port("tcp://127.0.0.1"))
print("ports %d %d %d" % tuple(bound), flush=True)

stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
tracked = []


def prices(sym):
    """bid, ask of sym at the current tick: a triangle wave, 400 ticks a cycle."""
    t = state["tick"] % 400
    step = t if t < 200 else 400 - t
    bid = round(BASE[sym] + 0.00200 - step * 0.00001, 5)  # 1.08600 down to 1.08400 and back
    return bid, round(bid + 0.00010, 5)


def d8(x):
    return "%.8f" % x  # MQL's DoubleToString(x)


def now_text():
    return time.strftime("%Y.%m.%d %H:%M:%S", time.gmtime())


def open_order(c):
    sym, typ, lots, price = c[3], int(c[2]), float(c[8]), float(c[4])
    comment, magic = c[7], int(c[9])
    ret = "{'_action': 'EXECUTION'"
    if lots > args.max_lots:
        return ret + ", '_response': 'LOT_SIZE_ERROR', 'response_value': 'MAX_LOT_SIZE_EXCEEDED'}"
    if sym not in BASE:
        return ret + ", '_response': '4106', 'response_value': 'unknown symbol'}"
    bid, ask = prices(sym)
    if typ == 0:
        price = ask
    elif typ == 1:
        price = bid
    elif (typ == 2 and price >= ask) or (typ == 3 and price <= bid) or typ not in (2, 3):
        return ret + ", '_response': '130', 'response_value': 'invalid stops'}"
    ticket = state["next_ticket"]
    state["next_ticket"] += 1
    state["orders"][str(ticket)] = {"magic": magic, "symbol": sym, "lots": lots, "type": typ,
                                    "price": price, "time": now_text(), "comment": comment}
    return ret + (", '_magic': %d, '_ticket': %d, '_open_time': '%s', '_open_price': %s}"
                  % (magic, ticket, now_text(), d8(price)))


def close_order(c):
    ticket = c[10]
    ret = "{'_action': 'CLOSE', '_ticket': %s" % ticket
    o = state["orders"].get(ticket)
    if o is None:
        return ret + ", '_response': 'NOT_FOUND'}"
    del state["orders"][ticket]
    if o["type"] in (0, 1):
        bid, ask = prices(o["symbol"])
        px = bid if o["type"] == 0 else ask
        state["closed"].append({"symbol": o["symbol"], "type": 1 - o["type"], "lots": o["lots"],
                                "price": px, "comment": o["comment"]})
        ret += ", '_close_price': %s, '_close_lots': %s" % (d8(px), d8(o["lots"]))
        return ret + ", '_response': 'CLOSE_MARKET', '_response_value': 'SUCCESS'}"
    return ret + ", '_response': 'CLOSE_PENDING', '_response_value': 'SUCCESS'}"


def open_trades():
    ret = "{'_action': 'OPEN_TRADES', '_trades': {"
    items = sorted(state["orders"].items(), key=lambda kv: int(kv[0]), reverse=True)
    parts = []
    for ticket, o in items:
        parts.append("%s: {'_magic': %d, '_symbol': '%s', '_lots': %s, '_type': %d, "
                     "'_open_price': %s, '_open_time': '%s', '_SL': %s, '_TP': %s, "
                     "'_pnl': %s, '_comment': '%s'}"
                     % (ticket, o["magic"], o["symbol"], d8(o["lots"]), o["type"],
                        d8(o["price"]), o["time"], d8(0), d8(0), d8(0), o["comment"]))
    return ret + ", ".join(parts) + "}}"


def handle(msg):
    c = msg.split(";")
    c += [""] * (11 - len(c))
    if c[0] == "TRADE" and c[1] == "OPEN":
        if c[7] in args.garbage_before:  # sent blocking: the fault must arrive
            push.send_string("{'_action': 'EXECUTION', '_ticket': }")
        ans = open_order(c)
        return None if c[7] in args.drop_answer else ans
    if c[0] == "TRADE" and c[1] == "CLOSE":
        return close_order(c)
    if c[0] == "TRADE" and c[1] == "GET_OPEN_TRADES":
        return open_trades()
    if c[0] == "TRACK_PRICES":
        tracked[:] = [s for s in msg.split(";")[1:] if s]
        return "{'_action': 'TRACK_PRICES', '_data': {'symbol_count':%d}}" % len(tracked)
    return None  # the EA's default: no answer


def send(s):
    try:
        push.send_string(s, zmq.NOBLOCK)
    except zmq.Again:
        state["dropped"] = state.get("dropped", 0) + 1  # the EA's non-blocking send: dropped


def fill_pending():
    for o in state["orders"].values():
        bid, ask = prices(o["symbol"])
        if (o["type"] == 2 and ask <= o["price"]) or (o["type"] == 3 and bid >= o["price"]):
            o["type"] -= 2  # a position now, at its price


end = time.time() + args.seconds
next_tick = time.time()
while not stop and time.time() < end:
    try:
        m = pull.recv_string(zmq.NOBLOCK)
        ans = handle(m)
        if ans is not None:
            send(ans)
    except zmq.Again:
        pass
    if time.time() >= next_tick:
        next_tick += 0.01
        state["tick"] += 1
        fill_pending()
        for s in tracked:
            if s in BASE:
                bid, ask = prices(s)
                pub.send_string("%s %f;%f" % (s, bid, ask))
        if args.bad_tick and state["tick"] % 50 == 0:
            pub.send_string("EURUSD 1.2;x")
    time.sleep(0.001)

net = {}
for o in state["orders"].values():
    if o["type"] in (0, 1):
        units = round(o["lots"] * 100000) * (1 if o["type"] == 0 else -1)
        net[o["symbol"]] = net.get(o["symbol"], 0) + units
for sym in sorted(BASE):
    print("net %s %d" % (sym, net.get(sym, 0)), flush=True)
print("positions %d" % sum(o["type"] in (0, 1) for o in state["orders"].values()), flush=True)
if args.state:
    with open(args.state + ".tmp", "w") as f:
        json.dump(state, f)
    os.replace(args.state + ".tmp", args.state)
ctx.destroy(0)
