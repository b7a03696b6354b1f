// server.js - a Bybit-style public WebSocket server over TLS, built on the
// npm `ws` package (an implementation independent of ours), replaying a
// cryptofeed capture of Bybit's realtime_public stream for osprey's tests.
//
//   node server.js --cert CERT --key KEY --capture FILE [--speed N]
//                  [--drop-after N,N...] [--fragment-every K] [--ping-ms MS]
//
// Prints "listening PORT" (an ephemeral port on 127.0.0.1) when ready. The
// capture's messages go out at their original pace divided by --speed, to
// every client subscribed to their topic, whether or not anyone is
// connected (an exchange does not wait). Each client's orderBookL2_25
// subscription is answered as Bybit does: an ack, then a snapshot of the
// book as it stands (the server applies every snapshot and delta of the
// capture to its own copy), then the deltas. Faults, injected: the
// connection is cut (destroyed, no Close frame) after the N-th message sent in
// all, for each N of --drop-after; every K-th message is sent in two
// fragments; a Ping every --ping-ms. When the capture ends the server stays
// up, quiet, until it is killed.
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

// the capture's messages: [unix time, raw JSON, topic]
const msgs = [];
for (const line of fs.readFileSync(args.capture, 'utf8').split('\n')) {
  const m = /^(\d+\.\d+): (\{.*\})$/.exec(line);
  if (!m) continue;
  const topic = /"topic":"([^"]+)"/.exec(m[2]);
  if (topic) msgs.push([Number(m[1]), m[2], topic[1]]);
}

// the books as the capture has them so far: topic -> {levels: Map id -> level, cross_seq, ts}
const books = new Map();
function apply(topic, raw) {
  if (!topic.startsWith('orderBookL2_')) return;
  const m = JSON.parse(raw);
  let b = books.get(topic);
  if (m.type === 'snapshot') {
    b = { levels: new Map() };
    for (const l of m.data.order_book) b.levels.set(l.id, l);
    books.set(topic, b);
  } else if (b && m.type === 'delta') {
    for (const l of m.data.delete || []) b.levels.delete(l.id);
    for (const l of m.data.update || []) b.levels.set(l.id, Object.assign({}, b.levels.get(l.id), l));
    for (const l of m.data.insert || []) b.levels.set(l.id, l);
  } else {
    return;
  }
  b.cross_seq = m.cross_seq;
  b.ts = m.timestamp_e6;
}
function snapshot(topic) {
  const b = books.get(topic);
  const order_book = [...b.levels.values()].sort((x, y) => Number(x.price) - Number(y.price));
  return JSON.stringify({ topic, type: 'snapshot', data: { order_book },
                          cross_seq: b.cross_seq, timestamp_e6: b.ts });
}

const server = https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) });
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

wss.on('connection', (ws) => {
  ws.topics = new Set();
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
  ws.on('error', () => clients.delete(ws));
  ws.on('message', (data) => {
    let req;
    try { req = JSON.parse(data); } catch (e) { ws.close(1003, 'not JSON'); return; }
    if (req.op !== 'subscribe' || !Array.isArray(req.args)) { ws.close(1008, 'unknown op'); return; }
    for (const t of req.args) {
      ws.topics.add(t);
      if (!clients.has(ws)) return;
      send(ws, JSON.stringify({ success: true, ret_msg: '', conn_id: 'osprey-test',
                                request: { op: 'subscribe', args: [t] } }));
      if (clients.has(ws) && books.has(t)) send(ws, snapshot(t));
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
      const [, raw, topic] = msgs[i];
      apply(topic, raw);
      for (const ws of [...clients])
        if (ws.topics.has(topic) && ws.readyState === 1) send(ws, raw);
    }
    if (i < msgs.length) setTimeout(pump, 2);
    else console.log(`replayed ${msgs.length} messages, ${sent} sent`);
  })();
});
