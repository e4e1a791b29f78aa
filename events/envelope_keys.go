package events

import (
	"errors"
	"time"
)

// Members of an envelope, in the order both codecs write them.
const (
	memberID = iota
	memberEventType
	memberSchemaVersion
	memberCorrelationID
	memberCausationID
	memberTenantID
	memberTraceID
	memberTimestamp
	memberActorID
	memberEvent
	memberRetryCount
	memberCount
)

var memberNames = [memberCount]string{
	"id", "event_type", "schema_version", "correlation_id", "causation_id",
	"tenant_id", "trace_id", "timestamp", "actor_id", "event", "retry_count",
}

// optionalMembers may be absent on input; serde reads an absent Option as
// None. Every other member is required.
const optionalMembers = 1<<memberCausationID | 1<<memberTraceID | 1<<memberActorID

// memberIndex returns the position of an envelope member, or -1 for a key
// RusToK does not write (such keys are skipped, as serde skips them).
func memberIndex(key string) int {
	for i, name := range memberNames {
		if name == key {
			return i
		}
	}
	return -1
}

// missingMember returns the first required member not in seen, or -1.
func missingMember(seen uint32) int {
	for i := range memberCount {
		if seen&(1<<i) == 0 && optionalMembers&(1<<i) == 0 {
			return i
		}
	}
	return -1
}

var errYearRange = errors.New("timestamp year outside 0-9999 has no RFC 3339 form")

// appendTimestamp writes t in UTC as RFC 3339 with a Z and as many
// fraction digits as needed, the form chrono reads.
func appendTimestamp(dst []byte, t time.Time) ([]byte, error) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return dst, errYearRange
	}
	return t.AppendFormat(dst, time.RFC3339Nano), nil
}

// parseTimestamp reads an RFC 3339 time with any offset and returns it in
// UTC.
func parseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
