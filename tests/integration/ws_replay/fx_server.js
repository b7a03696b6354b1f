// fx_server.js - an Alpha Vantage-shaped forex API over TLS for osprey's
// tests (node's https only), serving a bars CSV of ../shared/data/bars.
//
//   node fx_server.js --cert CERT --key KEY --csv FILE --apikey KEY
//                     [--window 100] [--step 7] [--limit N --per-ms MS]
//                     [--error-every K] [--max-served N]
//
// Prints "listening PORT" when ready and "call N FUNCTION" for each call.
// GET /query?function=FX_INTRADAY&from_symbol=USD&to_symbol=CHF&interval=30min
//   the n-th call (from 0) answers the --window bars ending at row
//   window + n * step, newest first, in the documented shape ("Meta Data",
//   "Time Series FX (30min)" of "1. open" .. "4. close"; the CSV has closes
//   only, so all four are the close);
// GET /query?function=CURRENCY_EXCHANGE_RATE&from_currency=..&to_currency=..
//   "Realtime Currency Exchange Rate" at the latest close, 2 pips wide.
// The documented refusals, as Alpha Vantage sends them (HTTP 200): a wrong
// apikey gets its "Error Message"; more than --limit calls within --per-ms
// get the "Note" on the call frequency (and are not counted as served); every
// --error-every-th call gets "Invalid API call". With --max-served N the
// window stops moving after N answers (no new bars: a quiet market).
'use strict';
const fs = require('fs');
const https = require('https');

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const rows = fs.readFileSync(args.csv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const windowN = Number(args.window || 100), step = Number(args.step || 7);
const limit = Number(args.limit || 0), perMs = Number(args['per-ms'] || 60000);
const errorEvery = Number(args['error-every'] || 0);
const maxServed = Number(args['max-served'] || Infinity);
const px = (v) => Number(v).toFixed(5);
let served = 0, calls = 0;
const recent = [];

function answer(u) {
  const f = u.searchParams.get('function');
  calls++;
  console.log(`call ${calls} ${f}`);
  if (u.searchParams.get('apikey') !== args.apikey)
    return { 'Error Message': 'the parameter apikey is invalid or missing. Please claim your free API key on (https://www.alphavantage.co/support/#api-key). It should take less than 20 seconds.' };
  const now = Date.now();
  while (recent.length && now - recent[0] >= perMs) recent.shift();
  if (limit && recent.length >= limit)
    return { Note: 'Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day. Please visit https://www.alphavantage.co/premium/ if you would like to target a higher API call frequency.' };
  recent.push(now);
  if (errorEvery && calls % errorEvery === 0)
    return { 'Error Message': `Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for ${f}.` };
  const end = Math.min(rows.length, windowN + Math.min(served, maxServed) * step);
  if (f === 'FX_INTRADAY') {
    const iv = u.searchParams.get('interval');
    served++;
    const series = {};
    for (let r = end - 1; r >= Math.max(0, end - windowN); r--) {
      const c = px(rows[r][1]);
      series[rows[r][0]] = { '1. open': c, '2. high': c, '3. low': c, '4. close': c };
    }
    return {
      'Meta Data': { '1. Information': `FX Intraday (${iv}) Time Series`,
                     '2. From Symbol': u.searchParams.get('from_symbol'),
                     '3. To Symbol': u.searchParams.get('to_symbol'),
                     '4. Last Refreshed': rows[end - 1][0], '5. Interval': iv,
                     '6. Output Size': 'Compact', '7. Time Zone': 'UTC' },
      [`Time Series FX (${iv})`]: series };
  }
  if (f === 'CURRENCY_EXCHANGE_RATE') {
    const c = Number(rows[end - 1][1]);
    return { 'Realtime Currency Exchange Rate': {
      '1. From_Currency Code': u.searchParams.get('from_currency'), '2. From_Currency Name': '',
      '3. To_Currency Code': u.searchParams.get('to_currency'), '4. To_Currency Name': '',
      '5. Exchange Rate': c.toFixed(8), '6. Last Refreshed': rows[end - 1][0], '7. Time Zone': 'UTC',
      '8. Bid Price': (c - 0.0001).toFixed(8), '9. Ask Price': (c + 0.0001).toFixed(8) } };
  }
  return { 'Error Message': `Invalid API call. Unknown function ${f}.` };
}

const server = https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) },
  (req, res) => {
    const u = new URL(req.url, 'https://localhost');
    if (u.pathname !== '/query') { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(answer(u), null, 4));
  });
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
