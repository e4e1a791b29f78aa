// Package iggy is the event transport over an Iggy-compatible broker,
// reached through a connector.Connector (the embedded broker or a remote
// Iggy server). It implements events.Transport and adds consumer groups,
// replay, a dead-letter queue and health checks.
//
// # Topology
//
// NewTransport makes sure this layout exists (creating what is missing,
// adding partitions, never removing any):
//
//	stream <topology.stream_name>                       (default "rustok")
//	├── topic domain   domain_partitions partitions   expiry domain_max_age_days,
//	│                                                 max size domain_max_size_gb GiB
//	├── topic system   domain_partitions partitions   expiry system_max_age_days
//	└── topic dlq      1 partition                    expiry dlq_max_age_days
//
// The system topic has as many partitions as the domain topic, so tenant
// ordering holds there as well. A retention value of 0 means no limit.
//
// # Routing and ordering
//
// TopicFor routes an event by the first dotted part of its type: tenant.*,
// locale.*, build.* and index.* go to system, everything else to domain.
// The partition key is the 16 raw bytes of the tenant id, so the partition
// is XXH32(tenant id bytes) mod partitions, the same in both modes. All
// events of one tenant and one topic therefore share a partition and keep
// publish order, and a consumer group sees them in that order. There is no
// order between a tenant's domain and system events.
//
// # Messages
//
// A message's id is the event id (the UUID's 16 bytes), its payload is the
// envelope written with the configured codec, and its user headers are:
//
//	event_id        the event UUID, lowercase hyphenated
//	event_type      such as "order.placed"
//	tenant_id       the tenant UUID
//	content_type    the codec's media type ("application/json" or
//	                "application/msgpack"); readers pick the codec by it
//	schema_version  decimal
//	dlq_reason      (dlq only) why the message was parked, <= 255 bytes
//	original_topic  (dlq only) the topic it came from
//
// # Delivery
//
// A Consumer receives as a member of a consumer group and commits the
// group's offset only when the application acknowledges; acknowledgements
// may come out of order, and the committed offset only moves over a prefix
// of acknowledged messages, so an unacknowledged message is delivered
// again after a restart. Delivery is at least once: consumers drop
// duplicates by event_id.
package iggy
