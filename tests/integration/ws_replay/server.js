// server.js - an exchange's public market-data endpoints over TLS, built on
// the npm `ws` package (a WebSocket implementation independent of ours) and
// node's https, replaying a cryptofeed capture for osprey's tests.
//
//   node server.js --cert CERT --key KEY --capture FILE [--rest-capture FILE]
//                  [--speed N] [--drop-after N,N...] [--fragment-every K]
//                  [--ping-ms MS] [--snapshot-delay-ms MS] [--fail-snapshots N]
//                  [--exchange-info FILE]
//
// Prints "listening PORT" (an ephemeral port on 127.0.0.1) when ready. The
// capture's messages go out at their original pace divided by --speed to
// every client that asked for them, whether or not anyone is connected (an
// exchange does not wait). The server keeps its own copy of every book,
// updated by the capture as it goes, and answers as the exchange does:
//   Bybit (realtime_public): {"op":"subscribe","args":[topics]} gets an ack,
//     then for an orderBookL2_25 topic a snapshot of the book as it stands,
//     then the deltas;
//   Binance (/stream?streams=a@depth@100ms/...): the streams named in the
//     URL; GET /api/v3/depth?symbol=S&limit=N answers the book as it stands
//     ({"lastUpdateId", "bids", "asks"}, after --snapshot-delay-ms), its
//     starting point taken from --rest-capture (the capture's own REST
//     snapshots); the first --fail-snapshots requests get Binance's 429
//     answer instead; GET /api/v3/exchangeInfo?symbol=S answers S's
//     PRICE_FILTER and LOT_SIZE from --exchange-info FILE
//     ({"S": {"tickSize", "stepSize"}}).
// Faults, injected: the connection is cut (destroyed, no Close frame) after
// the N-th message sent in all, for each N of --drop-after; every K-th
// message is sent in two fragments; a Ping every --ping-ms. When the capture
// ends the server stays up, quiet, until it is killed.
'use strict';
const fs = require('fs');
const https = require('https');
const { WebSocketServer } = require('ws');

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const speed = Number(args.speed || 1);
const drops = (args['drop-after'] || '').split(',').filter(Boolean).map(Number);
const fragEvery = Number(args['fragment-every'] || 0);
let failSnapshots = Number(args['fail-snapshots'] || 0);

// the capture's messages: [unix time, raw JSON, key]: a Bybit topic or a Binance stream
const msgs = [];
for (const line of fs.readFileSync(args.capture, 'utf8').split('\n')) {
  const m = /^(\d+\.\d+): (\{.*\})$/.exec(line);
  if (!m) continue;
  const key = /"(?:topic|stream)":"([^"]+)"/.exec(m[2]);
  if (key) msgs.push([Number(m[1]), m[2], key[1]]);
}

// Bybit books: topic -> {levels: Map id -> level, cross_seq, ts}
const bybit = new Map();
// Binance books: symbol -> {last: lastUpdateId, bids: Map price -> qty, asks: Map}
const binance = new Map();
if (args['rest-capture']) {
  for (const line of fs.readFileSync(args['rest-capture'], 'utf8').split('\n')) {
    const m = /symbol=([A-Z0-9]+).* -> [0-9.]+: (\{.*\})$/.exec(line);
    if (!m) continue;
    const s = JSON.parse(m[2]);
    binance.set(m[1], { last: s.lastUpdateId, bids: new Map(s.bids), asks: new Map(s.asks) });
  }
}

function apply(key, raw) {
  if (key.startsWith('orderBookL2_')) {
    const m = JSON.parse(raw);
    let b = bybit.get(key);
    if (m.type === 'snapshot') {
      b = { levels: new Map() };
      for (const l of m.data.order_book) b.levels.set(l.id, l);
      bybit.set(key, b);
    } else if (b && m.type === 'delta') {
      for (const l of m.data.delete || []) b.levels.delete(l.id);
      for (const l of m.data.update || []) b.levels.set(l.id, Object.assign({}, b.levels.get(l.id), l));
      for (const l of m.data.insert || []) b.levels.set(l.id, l);
    } else {
      return;
    }
    b.cross_seq = m.cross_seq;
    b.ts = m.timestamp_e6;
  } else if (key.endsWith('@depth@100ms') || key.endsWith('@depth')) {
    const d = JSON.parse(raw).data;
    const b = binance.get(d.s);
    if (!b || d.u <= b.last) return; // older than the book: the exchange applied it before
    for (const [side, list] of [[b.bids, d.b], [b.asks, d.a]])
      for (const [p, q] of list) Number(q) === 0 ? side.delete(p) : side.set(p, q);
    b.last = d.u;
  }
}

function bybitSnapshot(topic) {
  const b = bybit.get(topic);
  const order_book = [...b.levels.values()].sort((x, y) => Number(x.price) - Number(y.price));
  return JSON.stringify({ topic, type: 'snapshot', data: { order_book },
                          cross_seq: b.cross_seq, timestamp_e6: b.ts });
}

// --exchange-info FILE: {"SYMBOL": {"tickSize": "...", "stepSize": "..."}}
const info = args['exchange-info'] ? JSON.parse(fs.readFileSync(args['exchange-info'], 'utf8')) : {};

function binanceRest(req, res) {
  const u = new URL(req.url, 'https://localhost');
  if (/^\/(api\/v3|fapi\/v1)\/exchangeInfo$/.test(u.pathname)) {
    const s = u.searchParams.get('symbol');
    if (!info[s]) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end('{"code":-1121,"msg":"Invalid symbol."}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ timezone: 'UTC', serverTime: Date.now(), symbols: [{
      symbol: s, status: 'TRADING', filters: [
        { filterType: 'PRICE_FILTER', minPrice: info[s].tickSize, maxPrice: '1000000.00000000', tickSize: info[s].tickSize },
        { filterType: 'LOT_SIZE', minQty: info[s].stepSize, maxQty: '9000000.00000000', stepSize: info[s].stepSize }] }] }));
    return;
  }
  if (!/^\/(api\/v3|fapi\/v1)\/depth$/.test(u.pathname)) { res.writeHead(404); res.end('{"code":-1,"msg":"not found"}'); return; }
  if (failSnapshots > 0) {
    failSnapshots--;
    res.writeHead(429, { 'Content-Type': 'application/json' });
    res.end('{"code":-1003,"msg":"Too many requests; current limit is 1200 request weight per 1 MINUTE."}');
    return;
  }
  setTimeout(() => {
    const b = binance.get(u.searchParams.get('symbol'));
    if (!b) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end('{"code":-1121,"msg":"Invalid symbol."}');
      return;
    }
    const limit = Number(u.searchParams.get('limit') || 100);
    const side = (m, dir) => [...m.entries()].sort((x, y) => dir * (Number(x[0]) - Number(y[0]))).slice(0, limit);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ lastUpdateId: b.last, bids: side(b.bids, -1), asks: side(b.asks, 1) }));
  }, Number(args['snapshot-delay-ms'] || 0));
}

const server = https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) },
                                  binanceRest);
const wss = new WebSocketServer({ server, perMessageDeflate: false });
let sent = 0;
const clients = new Set();

function send(ws, text) {
  sent++;
  if (fragEvery && sent % fragEvery === 0 && text.length > 2) {
    const cut = Math.floor(text.length / 2);
    ws.send(text.slice(0, cut), { fin: false });
    ws.send(text.slice(cut), { fin: true });
  } else {
    ws.send(text);
  }
  if (drops.length && sent >= drops[0]) {
    drops.shift();
    console.log(`cut a connection after message ${sent}`);
    ws._socket.destroy(); // no Close frame: the link just dies
    clients.delete(ws);
  }
}

wss.on('connection', (ws, req) => {
  ws.keys = new Set();
  const streams = new URL(req.url, 'https://localhost').searchParams.get('streams');
  for (const s of (streams || '').split('/').filter(Boolean)) ws.keys.add(s);
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
  ws.on('error', () => clients.delete(ws));
  ws.on('message', (data) => {
    let r;
    try { r = JSON.parse(data); } catch (e) { ws.close(1003, 'not JSON'); return; }
    if (r.op !== 'subscribe' || !Array.isArray(r.args)) { ws.close(1008, 'unknown op'); return; }
    for (const t of r.args) {
      ws.keys.add(t);
      if (!clients.has(ws)) return;
      send(ws, JSON.stringify({ success: true, ret_msg: '', conn_id: 'osprey-test',
                                request: { op: 'subscribe', args: [t] } }));
      if (clients.has(ws) && bybit.has(t)) send(ws, bybitSnapshot(t));
    }
  });
  if (args['ping-ms']) {
    const t = setInterval(() => ws.readyState === 1 ? ws.ping('srv') : clearInterval(t),
                          Number(args['ping-ms']));
  }
});

server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
  const t0 = Date.now(), c0 = msgs.length ? msgs[0][0] : 0;
  let i = 0;
  (function pump() {
    const due = (Date.now() - t0) / 1000 * speed + c0;
    for (; i < msgs.length && msgs[i][0] <= due; i++) {
      const [, raw, key] = msgs[i];
      apply(key, raw);
      for (const ws of [...clients])
        if (ws.keys.has(key) && ws.readyState === 1) send(ws, raw);
    }
    if (i < msgs.length) setTimeout(pump, 2);
    else console.log(`replayed ${msgs.length} messages, ${sent} sent`);
  })();
});
