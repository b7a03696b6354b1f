// spot_exchange.js - a Binance-spot-shaped exchange over TLS for osprey's
// tests: the REST endpoints (node https) and the user data stream (the npm
// `ws` package), answering in the documented shapes
// (github.com/binance/binance-spot-api-docs: rest-api.md, filters.md,
// user-data-stream.md).
//
//   node spot_exchange.js --cert CERT --key KEY --api-key K --secret S
//                         [--exchange-info FILE] [--usdt N]
//                         [--drop-before ID,ID..] [--drop-after ID,ID..]
//                         [--bad-event-every K] [--wrap 1]
//
// Prints "listening PORT" when ready; on SIGTERM prints "position SYMBOL Q"
// for each symbol traded (the account's net base quantity at the symbol's
// stepSize) and "trades N", and exits.
// Instruments: --exchange-info FILE, {"SYMBOL": {"tickSize": "0.01",
// "stepSize": "0.00001", "minQty": .., "maxQty": .., "minNotional": ..,
// "market": "wave" | "limit"}} (the format tests/integration/ws_replay/
// server.js reads; minQty defaults to stepSize, maxQty to 9000000,
// minNotional to none, market to "limit"); without it one instrument,
// BTCUSDT (tickSize 0.01, stepSize 0.00001, maxQty 9000, minNotional 5,
// market "wave"). A "wave" market walks a triangle wave: the ask from
// 64000.01 up to 64100.01 and back, 1.00 every 10 ms, the bid 0.01 below
// it; an order fills whole at the ask / bid when it crosses, now or as the
// wave reaches it (at its own price then); an IOC that does not cross
// expires. A "limit" market (an exchange whose book the test does not
// model) fills every order whole at its own price as it is taken.
//   GET    /api/v3/exchangeInfo?symbol=S     S's PRICE_FILTER, LOT_SIZE, NOTIONAL
//   POST   /api/v3/userDataStream           {"listenKey": K} (X-MBX-APIKEY checked)
//   PUT    /api/v3/userDataStream?listenKey  {}
//   POST   /api/v3/order (body)             LIMIT GTC/IOC, signed: the ACK answer;
//          then on the stream executionReport NEW, then TRADE or EXPIRED
//   DELETE /api/v3/order (query)            by origClientOrderId: CANCELED (answer
//          and event), or -2011 "Unknown order sent."
// Refusals as Binance words them: a wrong API key -2015, a bad signature
// -1022, a timestamp outside recvWindow -1021, an unknown symbol -1121, a
// quantity or price off its step or outside its limits -1013 (Filter
// failure: LOT_SIZE / PRICE_FILTER / NOTIONAL), a client id already open
// -2010 "Duplicate order sent.", a buy whose quantity times price is more
// than the USDT not yet spoken for (--usdt, default unlimited) -2010
// "Account has insufficient balance for requested action.". Faults: a new
// order whose newClientOrderId is in --drop-before has its connection
// destroyed before it is taken (every time it comes), one in --drop-after is
// taken and its connection destroyed before the answer (the first time; a
// client that sends it again is told -2010); every K-th stream message is
// preceded by one that is not JSON; --wrap 1 sends the events wrapped as the
// WebSocket API does ({"subscriptionId":0,"event":{}}).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const https = require('https');
const { WebSocketServer } = require('ws');

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const list = (s) => (s || '').split(',').filter(Boolean);
const dropBefore = list(args['drop-before']), dropAfter = list(args['drop-after']);
const badEvery = Number(args['bad-event-every'] || 0);
const wrap = args.wrap === '1';

// "0.00100" -> 100n at d decimals; null when off the step (or not a decimal)
const units = (s, d) => {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return null;
  const frac = (m[2] || '');
  if (frac.length > d && /[1-9]/.test(frac.slice(d))) return null;
  return BigInt(m[1] + frac.slice(0, d).padEnd(d, '0'));
};
const dec = (v, d) => {
  if (d === 0) return v.toString();
  const neg = v < 0n, a = neg ? -v : v, s = a.toString().padStart(d + 1, '0');
  return (neg ? '-' : '') + s.slice(0, -d) + '.' + s.slice(-d);
};
const places = (step) => { // "0.01000" -> 2
  const f = (step.split('.')[1] || '').replace(/0+$/, '');
  return f.length;
};

const spec = args['exchange-info']
  ? JSON.parse(fs.readFileSync(args['exchange-info'], 'utf8'))
  : { BTCUSDT: { tickSize: '0.01', stepSize: '0.00001', maxQty: '9000', minNotional: '5',
    market: 'wave' } };
const inst = new Map(); // symbol -> its filters in units, and the account's position
for (const [name, s] of Object.entries(spec)) {
  const tick = places(s.tickSize), step = places(s.stepSize);
  inst.set(name, {
    name, tick, step, tickUnits: units(s.tickSize, tick), stepUnits: units(s.stepSize, step),
    minQty: units(s.minQty || s.stepSize, step), maxQty: units(s.maxQty || '9000000', step),
    minNotional: s.minNotional ? units(s.minNotional, tick + step) : 0n,
    wave: s.market === 'wave', spec: s, position: 0n, traded: false,
  });
}

let tick = 0, nextOrderId = 1000, trades = 0, sent = 0;
let usdt = args.usdt !== undefined ? units(args.usdt, 8) : null; // free quote, 8 decimals
const dropped = new Set(); // --drop-after ids already taken once
const orders = new Map(); // clientOrderId -> open order
let listenKey = null;
const sockets = new Set();

function ask() { // the wave's, in cents
  const t = tick % 200, s = t < 100 ? t : 200 - t;
  return 6400001n + BigInt(s) * 100n;
}
const bid = () => ask() - 1n;

// what a buy of o holds of the quote balance, at 8 decimals
const held = (o) => o.side === 'BUY'
  ? (o.qty - o.cum) * o.price * 10n ** 8n / 10n ** BigInt(o.in.tick + o.in.step) : 0n;

function emit(ev) {
  for (const ws of sockets) {
    if (badEvery && ++sent % badEvery === 0) ws.send('{"e":"executionReport", not json');
    ws.send(JSON.stringify(wrap ? { subscriptionId: 0, event: ev } : ev));
  }
}

function report(o, x, status, lastQty, lastPx, extra) {
  const now = Date.now(), t = o.in.tick, q = o.in.step;
  emit(Object.assign({
    e: 'executionReport', E: now, s: o.in.name, c: o.clientOrderId, S: o.side, o: 'LIMIT',
    f: o.tif, q: dec(o.qty, q), p: dec(o.price, t), P: '0.00000000', F: '0.00000000',
    g: -1, C: '', x, X: status, r: 'NONE', i: o.orderId, l: dec(lastQty, q),
    z: dec(o.cum, q), L: dec(lastPx, t), n: '0', N: null, T: now,
    t: x === 'TRADE' ? trades : -1, I: 1, w: status === 'NEW', m: x === 'TRADE' && o.rested,
    M: false, O: o.created, Z: '0.00000000', Y: '0.00000000', Q: '0.00000000',
  }, extra || {}));
}

// o leaves the book: what it held of the balance comes back
function close(o) {
  if (usdt !== null) usdt += held(o);
  orders.delete(o.clientOrderId);
}

function fill(o, px) {
  const q = o.qty - o.cum;
  close(o);
  if (usdt !== null && o.side === 'BUY') // spent: the fill's cost
    usdt -= q * px * 10n ** 8n / 10n ** BigInt(o.in.tick + o.in.step);
  o.cum = o.qty;
  trades++;
  o.in.position += o.side === 'BUY' ? q : -q;
  o.in.traded = true;
  report(o, 'TRADE', 'FILLED', q, px);
}

function crosses(o) {
  if (!o.in.wave) return true;
  return o.side === 'BUY' ? o.price >= ask() : o.price <= bid();
}

setInterval(() => {
  tick++;
  for (const o of [...orders.values()]) // resting orders the wave reaches fill at their price
    if (crosses(o)) { o.rested = true; fill(o, o.price); }
}, 10);

function refuse(res, http, code, msg) {
  res.writeHead(http, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ code, msg }));
}
function ok(res, body) {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

// the signed parameters: checked as Binance checks them; null when refused
function signed(req, res, raw) {
  if (req.headers['x-mbx-apikey'] !== args['api-key']) {
    refuse(res, 401, -2015, 'Invalid API-key, IP, or permissions for action.');
    return null;
  }
  const at = raw.lastIndexOf('&signature=');
  const want = crypto.createHmac('sha256', args.secret).update(at < 0 ? raw : raw.slice(0, at))
    .digest('hex');
  if (at < 0 || raw.slice(at + 11) !== want) {
    refuse(res, 400, -1022, 'Signature for this request is not valid.');
    return null;
  }
  const p = new URLSearchParams(raw);
  const ts = Number(p.get('timestamp')), win = Number(p.get('recvWindow') || 5000);
  if (!(Math.abs(Date.now() - ts) <= win)) {
    refuse(res, 400, -1021, 'Timestamp for this request is outside of the recvWindow.');
    return null;
  }
  return p;
}

function exchangeInfo(res, s) {
  const i = inst.get(s);
  if (!i) return refuse(res, 400, -1121, 'Invalid symbol.');
  const filters = [
    { filterType: 'PRICE_FILTER', minPrice: i.spec.tickSize, maxPrice: '1000000.00000000',
      tickSize: i.spec.tickSize },
    { filterType: 'LOT_SIZE', minQty: dec(i.minQty, i.step), maxQty: dec(i.maxQty, i.step),
      stepSize: i.spec.stepSize },
  ];
  if (i.minNotional)
    filters.push({ filterType: 'NOTIONAL', minNotional: i.spec.minNotional,
      applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false,
      avgPriceMins: 5 });
  ok(res, { timezone: 'UTC', serverTime: Date.now(), rateLimits: [], exchangeFilters: [],
    symbols: [{ symbol: s, status: 'TRADING', baseAsset: s.replace(/USDT$/, ''),
      quoteAsset: 'USDT', orderTypes: ['LIMIT'], filters }] });
}

function newOrder(req, res, raw) {
  if (dropBefore.includes(new URLSearchParams(raw).get('newClientOrderId'))) {
    req.socket.destroy();
    return;
  }
  const p = signed(req, res, raw);
  if (!p) return;
  const i = inst.get(p.get('symbol'));
  if (!i) return refuse(res, 400, -1121, 'Invalid symbol.');
  if (p.get('type') !== 'LIMIT') return refuse(res, 400, -1116, 'Invalid orderType.');
  const side = p.get('side'), tif = p.get('timeInForce'), id = p.get('newClientOrderId');
  if (side !== 'BUY' && side !== 'SELL') return refuse(res, 400, -1117, 'Invalid side.');
  if (tif !== 'GTC' && tif !== 'IOC') return refuse(res, 400, -1115, 'Invalid timeInForce.');
  const qty = units(p.get('quantity') || '', i.step);
  if (!qty || qty % i.stepUnits || qty < i.minQty || qty > i.maxQty)
    return refuse(res, 400, -1013, 'Filter failure: LOT_SIZE');
  const price = units(p.get('price') || '', i.tick);
  if (!price || price % i.tickUnits) return refuse(res, 400, -1013, 'Filter failure: PRICE_FILTER');
  if (qty * price < i.minNotional) return refuse(res, 400, -1013, 'Filter failure: NOTIONAL');
  if (orders.has(id)) return refuse(res, 400, -2010, 'Duplicate order sent.');
  const o = { orderId: nextOrderId++, clientOrderId: id, side, tif, qty, price, cum: 0n,
    created: Date.now(), rested: false, in: i };
  if (usdt !== null && held(o) > usdt)
    return refuse(res, 400, -2010, 'Account has insufficient balance for requested action.');
  const take = () => {
    orders.set(id, o);
    if (usdt !== null) usdt -= held(o);
    report(o, 'NEW', 'NEW', 0n, 0n);
  };
  if (dropAfter.includes(id) && !dropped.has(id)) { // taken, but the answer never leaves
    dropped.add(id);
    take();
    req.socket.destroy();
    return;
  }
  ok(res, { symbol: i.name, orderId: o.orderId, orderListId: -1, clientOrderId: id,
    transactTime: o.created });
  take();
  if (crosses(o)) fill(o, !i.wave ? price : side === 'BUY' ? ask() : bid());
  else if (tif === 'IOC') { close(o); report(o, 'EXPIRED', 'EXPIRED', 0n, 0n); }
}

function cancel(req, res, raw) {
  const p = signed(req, res, raw);
  if (!p) return;
  const o = orders.get(p.get('origClientOrderId'));
  if (!o || o.in.name !== p.get('symbol')) return refuse(res, 400, -2011, 'Unknown order sent.');
  close(o);
  ok(res, { symbol: o.in.name, origClientOrderId: o.clientOrderId, orderId: o.orderId,
    orderListId: -1, clientOrderId: 'cancel' + o.orderId, transactTime: Date.now(),
    price: dec(o.price, o.in.tick), origQty: dec(o.qty, o.in.step),
    executedQty: dec(o.cum, o.in.step), status: 'CANCELED', timeInForce: o.tif,
    type: 'LIMIT', side: o.side });
  report(o, 'CANCELED', 'CANCELED', 0n, 0n, { C: o.clientOrderId });
}

const server = https.createServer({
  cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key),
}, (req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const u = new URL(req.url, 'https://localhost');
    const q = u.search.slice(1);
    if (u.pathname === '/api/v3/exchangeInfo' && req.method === 'GET')
      return exchangeInfo(res, u.searchParams.get('symbol'));
    if (u.pathname === '/api/v3/userDataStream') {
      if (req.headers['x-mbx-apikey'] !== args['api-key'])
        return refuse(res, 401, -2015, 'Invalid API-key, IP, or permissions for action.');
      if (req.method === 'POST') {
        listenKey = listenKey || crypto.randomBytes(32).toString('hex');
        return ok(res, { listenKey });
      }
      return ok(res, {});
    }
    if (u.pathname === '/api/v3/order' && req.method === 'POST') return newOrder(req, res, body);
    if (u.pathname === '/api/v3/order' && req.method === 'DELETE') return cancel(req, res, q);
    refuse(res, 404, -1000, 'An unknown error occured while processing the request.');
  });
});
const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => {
  if (!listenKey || req.url !== `/ws/${listenKey}`) return ws.close(1008, 'no such listenKey');
  sockets.add(ws);
  ws.on('close', () => sockets.delete(ws));
});
process.on('SIGTERM', () => {
  for (const i of inst.values())
    if (i.traded || inst.size === 1) console.log(`position ${i.name} ${dec(i.position, i.step)}`);
  console.log(`trades ${trades}`);
  process.exit(0);
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
