package iggy

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"
)

func TestTopicFor(t *testing.T) {
	cases := map[string]string{
		"tenant.created":           TopicSystem,
		"tenant.updated":           TopicSystem,
		"locale.enabled":           TopicSystem,
		"build.requested":          TopicSystem,
		"index.reindex_requested":  TopicSystem,
		"index.updated":            TopicSystem,
		"order.placed":             TopicDomain,
		"node.translation.updated": TopicDomain,
		"tenants.created":          TopicDomain,
		"tenant":                   TopicSystem,
		"":                         TopicDomain,
		"indexer.run":              TopicDomain,
	}
	for typ, want := range cases {
		if got := TopicFor(typ); got != want {
			t.Errorf("TopicFor(%q) = %q, want %q", typ, got, want)
		}
	}
}

func TestPartitionKeyIsRawTenantBytes(t *testing.T) {
	id := uuid.MustParse("00112233-4455-6677-8899-aabbccddeeff")
	k := PartitionKey(id)
	if len(k) != 16 || k[0] != 0x00 || k[15] != 0xff {
		t.Fatalf("PartitionKey = % x", k)
	}
}

func TestDLQReason(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 bytes, 2 per rune
	cases := []struct {
		in   string
		want string
	}{
		{"", "unspecified"},
		{"boom", "boom"},
		{strings.Repeat("a", 255), strings.Repeat("a", 255)},
		{strings.Repeat("a", 300), strings.Repeat("a", 255)},
		{long, strings.Repeat("é", 127)},
	}
	for _, c := range cases {
		got := dlqReason(c.in)
		if got != c.want || len(got) > 255 || !utf8.ValidString(got) {
			t.Errorf("dlqReason(%d bytes) = %d bytes %q", len(c.in), len(got), got)
		}
	}
}
