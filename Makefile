# The two commands a new user needs:
#   go run ./cmd/iggyflow demo   runs the main job on embedded defaults
#   make test                    runs every test, PostgreSQL ones included

GO ?= go

.PHONY: test test-short demo build vet fmt

# test starts a throw-away PostgreSQL server (installing it from the
# distribution's packages when missing) unless IGGYFLOW_TEST_POSTGRES_URL
# already points at one, then runs the whole suite with the race detector.
test:
	@bash .ci/test.sh

test-short:
	$(GO) test -short ./...

demo:
	$(GO) run ./cmd/iggyflow demo

build:
	$(GO) build -o bin/iggyflow ./cmd/iggyflow

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w .
