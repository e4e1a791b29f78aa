package iggy

import (
	"strings"

	"github.com/google/uuid"
)

// The topics of the stream.
const (
	// TopicDomain carries business events; the default topic.
	TopicDomain = "domain"
	// TopicSystem carries platform events: tenant.*, locale.*, build.*,
	// index.*.
	TopicSystem = "system"
	// TopicDLQ holds messages parked by MoveToDLQ.
	TopicDLQ = "dlq"
)

// Header names written on every message.
const (
	HeaderEventID       = "event_id"
	HeaderEventType     = "event_type"
	HeaderTenantID      = "tenant_id"
	HeaderContentType   = "content_type"
	HeaderSchemaVersion = "schema_version"
	// HeaderDLQReason and HeaderOriginalTopic are added on dlq messages.
	HeaderDLQReason     = "dlq_reason"
	HeaderOriginalTopic = "original_topic"
	// headerDLQPass marks entries a retry pass put back at the dlq's end.
	headerDLQPass = "dlq_pass"
)

// systemPrefixes are the first dotted parts of the event types routed to
// the system topic.
var systemPrefixes = map[string]bool{"tenant": true, "locale": true, "build": true, "index": true}

// TopicFor returns the topic an event type is published to: TopicSystem
// when the part before the first dot is tenant, locale, build or index
// (such as "tenant.created", "index.reindex_requested"), TopicDomain for
// every other type.
func TopicFor(eventType string) string {
	prefix, _, _ := strings.Cut(eventType, ".")
	if systemPrefixes[prefix] {
		return TopicSystem
	}
	return TopicDomain
}

// PartitionKey returns the partition key of a tenant: its 16 raw bytes.
func PartitionKey(tenantID uuid.UUID) []byte {
	return tenantID[:]
}
