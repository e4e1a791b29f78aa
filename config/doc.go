// Package config loads iggyflow's YAML configuration file.
//
// The file has one top-level key, events; every key is optional and takes
// the default shown:
//
//	events:
//	  transport: iggy            # iggy, outbox or memory
//	  iggy:
//	    mode: embedded           # or remote; nothing else
//	    serialization: json      # or messagepack
//	    topology:
//	      stream_name: rustok
//	      domain_partitions: 8   # 1..1000
//	      replication_factor: 1  # >= 1
//	    embedded:
//	      data_dir: ./data/iggy
//	      tcp_port: 8090         # or "host:port"; 0 serves nothing
//	      http_port: 3000
//	    remote:
//	      addresses: ["127.0.0.1:8090"]
//	      protocol: tcp          # only tcp
//	      username: rustok
//	      password: ${IGGY_PASSWORD}
//	      tls_enabled: false
//	    retention:               # 0 = no limit
//	      domain_max_age_days: 30
//	      domain_max_size_gb: 10 # GiB, 1<<30 bytes
//	      system_max_age_days: 7
//	      dlq_max_age_days: 365
//	  outbox:
//	    database_url: sqlite://./data/outbox.db   # or postgres://...
//	    relay:
//	      batch_size: 100        # 1..10000
//	      max_attempts: 5        # >= 1
//	      backoff_base: 1s       # > 0
//	      backoff_max: 60s       # >= backoff_base
//
// Before the text is parsed, ${NAME} is replaced by the environment
// variable NAME (empty when unset) and ${NAME:-default} by NAME, or by
// default when NAME is unset or empty. The replacement is textual, so a
// value that may hold YAML syntax (": ", a leading "#" or quote) should be
// written in quotes: password: "${IGGY_PASSWORD}".
//
// A key with no value (key:) keeps its default. Unknown keys, keys given
// twice, values of the wrong type and values out of range are errors of
// type *KeyError naming the full key path, such as
// events.iggy.topology.domain_partitions.
package config
