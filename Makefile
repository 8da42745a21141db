# Tessera build entry points. Everything CI needs is installed from here.
GO        ?= go
BIN       := bin
PLUGINS   := $(patsubst examples/plugins/%/main.go,examples/plugins/%.wasm,$(wildcard examples/plugins/*/main.go))
BUF       := github.com/bufbuild/buf/cmd/buf@v1.75.0
PROTOC_GEN_GO := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_CONNECT := connectrpc.com/connect/cmd/protoc-gen-connect-go@v1.19.1
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build generate test plugins proto bench bench-screen bench-daemon bench-attach bench-pipe lint fmt demo clean

all: build plugins

# sdk/pb, the plugins' lean mirror of proto/pluginpb, is generated from
# pluginpb's descriptors (1 MB of Go); it is built here, not committed.
SDK_PB    := sdk/pb/pb.gen.go

generate: $(SDK_PB)

$(SDK_PB): $(wildcard proto/pluginpb/*.go) $(wildcard sdk/pb/internal/gen/*.go)
	cd sdk/pb && $(GO) generate .

build:
	$(GO) build -o $(BIN)/tessera ./cmd/tessera

# Example plugins (Go SDK, wasip1 reactor modules).
plugins: $(PLUGINS)

SDK_SRC   := $(shell find sdk -name '*.go' -not -name '*_test.go' 2>/dev/null)

examples/plugins/%.wasm: examples/plugins/%/main.go $(SDK_SRC) $(SDK_PB)
	cd examples/plugins/$* && GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 $(GO) build -buildmode=c-shared -trimpath -o ../$*.wasm .

# System packages the tests use, installed with apt-get when missing and
# possible (the tests that need them skip without them): tmux is the
# reference terminal the screen is compared with; rustc and its wasm32-wasi
# standard library build the Rust test plugin (internal/testutil/rustguest),
# which a rustup toolchain with wasm32-wasip1 serves as well.
deps:
	@missing=""; \
	command -v tmux >/dev/null 2>&1 || missing="$$missing tmux"; \
	ls /usr/lib/rustlib/wasm32-wasi/lib/libstd-*.rlib \
	  "$$(rustc --print target-libdir --target wasm32-wasip1 2>/dev/null)"/libstd-*.rlib 2>/dev/null | grep -q . || \
	  missing="$$missing rustc libstd-rust-dev-wasm32"; \
	if [ -z "$$missing" ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "not installed:$$missing (the tests that need them will be skipped)"; fi

# The test command of the README. Test guests are built by the tests and
# compiled once, by a process without -race, into a cache shared by every
# package (internal/testutil/guestbuild; TESSERA_TEST_CACHE moves it).
test: $(SDK_PB)
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...

# Regenerate proto/pluginpb (plugin ABI) and proto/control/v1 (control API)
# from their .proto files with pinned tools.
proto:
	$(GO) install $(PROTOC_GEN_GO)
	$(GO) install $(PROTOC_GEN_CONNECT)
	cd proto && PATH="$$($(GO) env GOPATH)/bin:$$PATH" $(GO) run $(BUF) generate
	cd proto/control && PATH="$$($(GO) env GOPATH)/bin:$$PATH" $(GO) run $(BUF) generate

# The figures of bench/README.md's summary (about 10 minutes on 2 cores):
# plugin host first frame, tier-up, update+render per engine, command round
# trip, memory per plugin (and per instance of a module that grows its
# memory during load) and deadline cost, then config's 1000-pane parse.
# Raw output, with the time, load and Go version, in bench/latest.txt.
BENCH_WASI := FirstFrame|UpdateRender|CommandRoundTrip|MemoryPerPlugin|MemoryGrowing|Deadline
# Pipes: `tessera pipe` lines per second into a plugin that renders on each
# (the filter example), end to end with the CLI process, and in-process.
BENCH_PIPE_N := 20000x
# Terminal screen: throughput, memory per pane, and tmux as the reference.
BENCH_SCREEN := Write|PaneMemory|TmuxThroughput
# The daemon (the real binary, real ptys, the socket): 200-pane apply, one
# pane's change, RSS of terminal and plugin panes, cat of 100 MB against tmux.
BENCH_DAEMON := Daemon

bench: $(SDK_PB)
	{ date -u; uptime; $(GO) version; } > bench/latest.txt
	$(GO) test -run='^$$' -bench='$(BENCH_WASI)' -benchmem -count=6 -timeout 40m ./wasi/ | tee -a bench/latest.txt
	$(GO) test -run='^$$' -bench=1000Panes -benchmem -count=6 ./config | tee -a bench/latest.txt
	$(GO) test -run='^$$' -bench=PluginRunFirstFrameCold -benchtime=5x -count=3 ./cmd/tessera | tee -a bench/latest.txt
	$(MAKE) --no-print-directory bench-screen
	$(MAKE) --no-print-directory bench-daemon
	$(MAKE) --no-print-directory bench-attach
	$(MAKE) --no-print-directory bench-pipe
	$(MAKE) --no-print-directory bench-fanout
	uptime >> bench/latest.txt

# The daemon's figures (about 6 minutes; tmux from `make deps`). One op per
# run: each benchmark repeats its own measurement where one is too noisy.
bench-daemon: $(SDK_PB) deps
	$(GO) test -run='^$$' -bench='$(BENCH_DAEMON)' -benchtime=1x -count=5 -timeout 40m ./daemon | tee -a bench/latest.txt

# `tessera pipe` messages per second (cmd/tessera: the real binary and
# daemon; daemon: the control API and daemon in-process).
bench-pipe:
	$(GO) test -run='^$$' -bench='^BenchmarkPipe$$' -benchtime=$(BENCH_PIPE_N) -count=6 -timeout 30m ./cmd/tessera | tee -a bench/latest.txt
	$(GO) test -run='^$$' -bench='^BenchmarkPipeInProcess$$' -benchtime=$(BENCH_PIPE_N) -count=6 -timeout 30m ./daemon | tee -a bench/latest.txt

# The terminal emulator's figures (internal/screen; tmux is a test dependency).
bench-screen:
	$(GO) test -run='^$$' -bench='$(BENCH_SCREEN)' -benchmem -count=6 -timeout 30m ./internal/screen | tee -a bench/latest.txt

# Attach: a key typed in `tessera attach` to the shell's echo drawn there
# (real processes and ptys; p50/p99), and the daemon's cost of an update
# for one echoed key and for a screenful of fast scrolling output.
bench-attach: $(SDK_PB)
	$(GO) test -run='^$$' -bench=AttachKeyEcho -benchtime=2000x -count=3 ./cmd/tessera | tee -a bench/latest.txt
	$(GO) test -run='^$$' -bench=AttachRedraw -benchmem -count=6 ./daemon | tee -a bench/latest.txt

# Fan-out (about 2 minutes): a TabUpdate posted to 100 instances of the
# status plugin (in-process daemon, compiler engine), p50/p99 until the last
# one has rendered, and the process's CPU time per change; 1 instance for
# reference.
.PHONY: bench-fanout
bench-fanout: $(SDK_PB)
	$(GO) test -run='^$$' -bench=PluginFanout -benchtime=300x -count=3 -timeout 20m ./daemon | tee -a bench/latest.txt

lint: $(SDK_PB)
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

fmt:
	gofmt -w .

demo: build plugins
	./$(BIN)/tessera up examples/layouts/demo.hcl
	@sleep 1
	./$(BIN)/tessera console -w examples/layouts/demo.hcl -c 'panes; plugins; screen clock; screen greeting; screen status'
	./$(BIN)/tessera down -w examples/layouts/demo.hcl

clean:
	rm -rf $(BIN) examples/plugins/*.wasm sdk/pb/pb.gen.go sdk/pb/pb.gen_test.go
