# Osprey: the two commands a user needs on a fresh Debian machine.
#   make demo   install what is missing, build (release), run the engine on the
#               real AMZN day from ../shared/data (a generated session where it is
#               absent), print the latency report and trading summary, write the
#               HTML report and the latency log
#   make test   the same set-up, then every test suite
# Other targets: make paper (paper-trade a day against osprey-venue on loopback:
# PAPER_SPEED=max|realtime|Nx, PAPER_PROTOCOL=ouch|fix|binance: the last a crypto
# session, the Bybit capture through the Binance gateway), make build, make bench,
# make deps, make clean.

BUILD   ?= build
MESON   ?= meson
# DPDK=enabled: the MoldUDP64 receive path on DPDK too ([feeds] mold_dpdk; Debian
# libdpdk-dev, installed by make deps then), in a build dir of its own, e.g.
#   make test DPDK=enabled BUILD=build-dpdk
DPDK    ?= disabled
SHARED  ?= $(CURDIR)/../shared
DEMO    := $(CURDIR)/.osprey-demo

DEB_PKGS := gcc meson ninja-build pkg-config liburing-dev liblmdb-dev libjemalloc-dev zlib1g-dev \
	libxgboost-dev libmicrohttpd-dev libcurl4-openssl-dev libssl-dev libzmq3-dev
# test-only peers: clang for ThreadSanitizer and fuzzing, a JVM and HdrHistogram's
# own tools to read our latency logs; QuickFIX (C++) as the FIX peer in the interop test;
# Prometheus (and promtool) scraping the engine's /metrics; Chromium (headless)
# drawing the HTML report; Node.js (npm's ws package: tests/integration/ws_replay) serving
# WebSockets over TLS; pyzmq playing the MetaTrader 5 expert advisor
DEB_TEST_PKGS := clang libclang-rt-14-dev default-jre-headless libhdrhistogram-java tshark \
	libquickfix-dev g++ prometheus chromium fonts-liberation python3-zmq

PAPER_SPEED    ?= max
PAPER_PROTOCOL ?= ouch

.PHONY: demo test paper build bench deps test-deps clean

deps:
	@sh tools/ensure-deps.sh $(DEB_PKGS) $(if $(filter enabled,$(DPDK)),libdpdk-dev ethtool iproute2)

test-deps: deps
	@sh tools/ensure-deps.sh $(DEB_TEST_PKGS)
	@# the npm ws package: the independent WebSocket server of the live crypto test
	@command -v npm >/dev/null || sh tools/ensure-deps.sh nodejs npm
	@[ -d tests/integration/ws_replay/node_modules/ws ] || \
		npm ci --prefix tests/integration/ws_replay --no-audit --no-fund --loglevel=error

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --buildtype=release -Dshared_dir=$(SHARED) -Ddpdk=$(DPDK)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	@sh tools/demo.sh $(BUILD) $(SHARED) $(DEMO)

test: test-deps build
	@sh tools/run-tests.sh $(BUILD)

paper: build
	@sh tools/paper.sh $(BUILD) $(SHARED) $(PAPER_SPEED) $(PAPER_PROTOCOL)

bench: build
	meson test -C $(BUILD) --benchmark --verbose

clean:
	rm -rf $(BUILD) $(DEMO)
