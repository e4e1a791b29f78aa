// Package bench holds end-to-end benchmarks that span packages: the relay
// from committed SQLite rows to the embedded broker, and the latency from
// an outbox commit to a consumer group's handler. The package has no code
// of its own beyond these benchmarks.
//
//	go test -run '^$' -bench . -benchtime 20000x ./bench/
package bench
