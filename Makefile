# Tessera build entry points. Everything CI needs is installed from here.
GO        ?= go
BIN       := bin
PLUGINS   := $(patsubst examples/plugins/%/main.go,examples/plugins/%.wasm,$(wildcard examples/plugins/*/main.go))
BUF       := github.com/bufbuild/buf/cmd/buf@v1.75.0
PROTOC_GEN_GO := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build generate test plugins proto bench lint fmt demo clean

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

# The test command of the README. Test guests are built by the tests (cached).
test: $(SDK_PB)
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# Regenerate proto/pluginpb from proto/*.proto with pinned tools.
proto:
	$(GO) install $(PROTOC_GEN_GO)
	cd proto && PATH="$$($(GO) env GOPATH)/bin:$$PATH" $(GO) run $(BUF) generate

# The figures of bench/README.md's summary (about 10 minutes on 2 cores):
# plugin host first frame, tier-up, update+render per engine, command round
# trip, memory per plugin and deadline cost, then config's 1000-pane parse.
# Raw output, with the time, load and Go version, in bench/latest.txt.
BENCH_WASI := FirstFrame|UpdateRender|CommandRoundTrip|MemoryPerPlugin|Deadline

bench: $(SDK_PB)
	{ date -u; uptime; $(GO) version; } > bench/latest.txt
	$(GO) test -run='^$$' -bench='$(BENCH_WASI)' -benchmem -count=6 -timeout 40m ./wasi/ | tee -a bench/latest.txt
	$(GO) test -run='^$$' -bench=1000Panes -benchmem -count=6 ./config | tee -a bench/latest.txt
	uptime >> bench/latest.txt

lint: $(SDK_PB)
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

fmt:
	gofmt -w .

demo: build plugins
	./$(BIN)/tessera plugin run --grant ReadApplicationState --size 2x80 examples/plugins/status.wasm

clean:
	rm -rf $(BIN) examples/plugins/*.wasm sdk/pb/pb.gen.go sdk/pb/pb.gen_test.go
