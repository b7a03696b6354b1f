/* bn_samples.h - Binance spot's documented REST answers and user data stream
 * events (github.com/binance/binance-spot-api-docs: rest-api.md, "New order"
 * ACK response and error payloads; user-data-stream.md, "Order Update",
 * "Account Update", "Balance Update"; the WebSocket API's wrapper), written
 * as the exchange sends them (the documents' comments removed), for the
 * codec's unit test and fuzz target. */
#ifndef OSPREY_TESTS_BN_SAMPLES_H
#define OSPREY_TESTS_BN_SAMPLES_H

#define BN_ACK                                                                         \
	"{\"symbol\":\"BTCUSDT\",\"orderId\":28,\"orderListId\":-1,\"clientOrderId\":" \
	"\"6gCrw2kRUAF9CvJDGP16IP\",\"transactTime\":1507725176595}"
#define BN_ERROR "{\"code\":-1013,\"msg\":\"Filter failure: LOT_SIZE\"}"
#define BN_LISTEN_KEY \
	"{\"listenKey\":\"pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1\"}"
#define BN_CANCELED                                                                          \
	"{\"symbol\":\"LTCBTC\",\"origClientOrderId\":\"myOrder1\",\"orderId\":4,"          \
	"\"orderListId\":-1,\"clientOrderId\":\"cancelMyOrder1\",\"transactTime\":1684804350068," \
	"\"price\":\"2.00000000\",\"origQty\":\"1.00000000\",\"executedQty\":\"0.00000000\","    \
	"\"cummulativeQuoteQty\":\"0.00000000\",\"status\":\"CANCELED\",\"timeInForce\":\"GTC\"," \
	"\"type\":\"LIMIT\",\"side\":\"BUY\",\"selfTradePreventionMode\":\"NONE\"}"

#define BN_EXECUTION_REPORT                                                                     \
	"{\"e\":\"executionReport\",\"E\":1499405658658,\"s\":\"ETHBTC\",\"c\":"                  \
	"\"mUvoqJxFIILMdfAW5iGSOW\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":"            \
	"\"1.00000000\",\"p\":\"0.10264410\",\"P\":\"0.00000000\",\"F\":\"0.00000000\",\"g\":-1," \
	"\"C\":\"\",\"x\":\"NEW\",\"X\":\"NEW\",\"r\":\"NONE\",\"i\":4293153,\"l\":"              \
	"\"0.00000000\",\"z\":\"0.00000000\",\"L\":\"0.00000000\",\"n\":\"0\",\"N\":null,\"T\":"    \
	"1499405658657,\"t\":-1,\"I\":8641984,\"w\":true,\"m\":false,\"M\":false,\"O\":"           \
	"1499405658657,\"Z\":\"0.00000000\",\"Y\":\"0.00000000\",\"Q\":\"0.00000000\",\"W\":"       \
	"1499405658657,\"V\":\"NONE\"}"
/* a fill of ours, wrapped as the WebSocket API sends it */
#define BN_TRADE_WRAPPED                                                                         \
	"{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":1499405658700,\"s\":"    \
	"\"BTCUSDT\",\"c\":\"17-4242\",\"S\":\"SELL\",\"o\":\"LIMIT\",\"f\":\"IOC\",\"q\":"         \
	"\"0.00500000\",\"p\":\"64000.01000000\",\"C\":\"\",\"x\":\"TRADE\",\"X\":"                \
	"\"PARTIALLY_FILLED\",\"r\":\"NONE\",\"i\":991,\"l\":\"0.00200000\",\"z\":\"0.00200000\","  \
	"\"L\":\"64000.50000000\",\"n\":\"0.0000002\",\"N\":\"BTC\",\"T\":1499405658699,\"t\":77,"  \
	"\"w\":false,\"m\":true}}"
#define BN_ACCOUNT                                                                         \
	"{\"e\":\"outboundAccountPosition\",\"E\":1564034571105,\"u\":1564034571073,\"B\":" \
	"[{\"a\":\"ETH\",\"f\":\"10000.000000\",\"l\":\"0.000000\"}]}"
#define BN_BALANCE                                                                      \
	"{\"e\":\"balanceUpdate\",\"E\":1573200697110,\"a\":\"BTC\",\"d\":\"100.00000000\"," \
	"\"T\":1573200697068}"

/* GET /api/v3/exchangeInfo?symbol=..: the response's shape (rest-api.md
 * "Exchange information") with two symbols and filters.md's PRICE_FILTER,
 * LOT_SIZE and NOTIONAL examples (ETHBTC's own) */
#define BN_EXCHANGE_INFO                                                                         \
	"{\"timezone\":\"UTC\",\"serverTime\":1565246363776,\"rateLimits\":[{\"rateLimitType\":"  \
	"\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":6000}],"          \
	"\"exchangeFilters\":[],\"symbols\":[{\"symbol\":\"LTCBTC\",\"status\":\"BREAK\","         \
	"\"filters\":[]},{\"symbol\":\"ETHBTC\",\"status\":\"TRADING\",\"baseAsset\":\"ETH\","     \
	"\"baseAssetPrecision\":8,\"quoteAsset\":\"BTC\",\"quotePrecision\":8,\"orderTypes\":"      \
	"[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\"],\"icebergAllowed\":true,\"filters\":[{"            \
	"\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"0.00000100\",\"maxPrice\":"               \
	"\"100000.00000000\",\"tickSize\":\"0.00000100\"},{\"filterType\":\"LOT_SIZE\","           \
	"\"minQty\":\"0.00100000\",\"maxQty\":\"100000.00000000\",\"stepSize\":\"0.00100000\"},"   \
	"{\"filterType\":\"NOTIONAL\",\"minNotional\":\"0.00010000\",\"applyMinToMarket\":"       \
	"false,\"maxNotional\":\"10000.00000000\",\"applyMaxToMarket\":false,\"avgPriceMins\":"   \
	"5}],\"permissions\":[],\"permissionSets\":[[\"SPOT\",\"MARGIN\"]],"                     \
	"\"defaultSelfTradePreventionMode\":\"NONE\"}]}"

#define BN_ALL                                                                              \
	BN_ACK, BN_ERROR, BN_LISTEN_KEY, BN_CANCELED, BN_EXECUTION_REPORT, BN_TRADE_WRAPPED, \
		BN_ACCOUNT, BN_BALANCE, BN_EXCHANGE_INFO

#endif
