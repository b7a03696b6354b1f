/* mt5_samples.h - answers of the DWX ZeroMQ expert advisor
 * (darwinex/dwx-zeromq-connector, DWX_ZeroMQ_Server.mq5 v2.0.2), each written
 * out byte for byte as its MQL source concatenates it (DWX_OpenOrder,
 * DWX_CloseOrder_Ticket with DWX_ClosePartial, DWX_GetOpenOrders,
 * DWX_SetSymbolList), for the codec's unit test and fuzz target. */
#ifndef OSPREY_TESTS_MT5_SAMPLES_H
#define OSPREY_TESTS_MT5_SAMPLES_H

/* TRADE;OPEN placed (DMA_MODE true, SL and TP 0) */
#define MT5_EXECUTION                                                                       \
	"{'_action': 'EXECUTION', '_magic': 7, '_ticket': 5012345, '_open_time': "            \
	"'2026.12.04 14:30:00', '_open_price': 1.08543000}"
/* the same with DMA_MODE false: the EA closes it twice */
#define MT5_EXECUTION_NO_DMA                                                                \
	"{'_action': 'EXECUTION', '_magic': 8, '_ticket': 5012346, '_open_time': "            \
	"'2026.12.04 14:30:01', '_open_price': 1.08551000}}"
/* refused by the terminal (GetLastError 134), and by the EA's lot cap */
#define MT5_REFUSED                                                                         \
	"{'_action': 'EXECUTION', '_response': '134', 'response_value': 'not enough money'}"
#define MT5_LOT_SIZE                                                                        \
	"{'_action': 'EXECUTION', '_response': 'LOT_SIZE_ERROR', 'response_value': "          \
	"'MAX_LOT_SIZE_EXCEEDED'}"
/* TRADE;CLOSE: a pending order deleted, a position closed, nothing there */
#define MT5_CLOSE_PENDING                                                                   \
	"{'_action': 'CLOSE', '_ticket': 5012345, '_response': 'CLOSE_PENDING', "             \
	"'_response_value': 'SUCCESS'}"
#define MT5_CLOSE_MARKET                                                                    \
	"{'_action': 'CLOSE', '_ticket': 5012346, '_close_price': 1.08549000, '_close_lots': " \
	"0.01000000, '_response': 'CLOSE_MARKET', '_response_value': 'SUCCESS'}"
#define MT5_CLOSE_NOT_FOUND "{'_action': 'CLOSE', '_ticket': 99, '_response': 'NOT_FOUND'}"
/* TRADE;GET_OPEN_TRADES: a pending buy limit of ours, a position of ours, one not ours */
#define MT5_OPEN_TRADES                                                                     \
	"{'_action': 'OPEN_TRADES', '_trades': {5012347: {'_magic': 9, '_symbol': 'EURUSD', "  \
	"'_lots': 0.02000000, '_type': 2, '_open_price': 1.08500000, '_open_time': "          \
	"'2026.12.04 14:30:02', '_SL': 0.00000000, '_TP': 0.00000000, '_pnl': 0.00000000, "   \
	"'_comment': 'osprey:9'}, 5012346: {'_magic': 8, '_symbol': 'EURUSD', '_lots': "      \
	"0.01000000, '_type': 1, '_open_price': 1.08551000, '_open_time': "                   \
	"'2026.12.04 14:30:01', '_SL': 0.00000000, '_TP': 0.00000000, '_pnl': -1.20000000, "  \
	"'_comment': 'osprey:8'}, 4000001: {'_magic': 123456, '_symbol': 'GBPUSD', '_lots': " \
	"1.00000000, '_type': 0, '_open_price': 1.27010000, '_open_time': "                   \
	"'2026.12.03 09:00:00', '_SL': 0.00000000, '_TP': 0.00000000, '_pnl': 35.50000000, "  \
	"'_comment': 'manual'}}}"
#define MT5_NO_TRADES "{'_action': 'OPEN_TRADES', '_trades': {}}"
/* TRACK_PRICES;EURUSD;GBPUSD */
#define MT5_TRACK "{'_action': 'TRACK_PRICES', '_data': {'symbol_count':2}}"

#define MT5_ANSWERS                                                                         \
	MT5_EXECUTION, MT5_EXECUTION_NO_DMA, MT5_REFUSED, MT5_LOT_SIZE, MT5_CLOSE_PENDING,     \
		MT5_CLOSE_MARKET, MT5_CLOSE_NOT_FOUND, MT5_OPEN_TRADES, MT5_NO_TRADES, MT5_TRACK

#endif
