package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/iggyflow/iggyflow/broker"
)

// goldenRequest is one command's payload written out by hand from the
// protocol description, and the request it decodes to.
type goldenRequest struct {
	name    string
	code    Code
	payload string
	req     Request
}

// One message frame: zero checksum, id 01..10, offset 0, timestamp 0,
// origin timestamp 1000, no headers, 2-byte payload "hi", reserved 0.
const helloFrame = `0000000000000000 0102030405060708090a0b0c0d0e0f10 0000000000000000
	0000000000000000 e803000000000000 00000000 02000000 0000000000000000 "hi"`

// The same with a 4-byte payload "data" and one header (string key "k",
// u8 value 7): 11 + 1 + 6 + 1 bytes of headers = 0x0c.
const headerFrame = `0000000000000000 00000000000000000000000000000000 0000000000000000
	0000000000000000 0100000000000000 0c000000 04000000 0000000000000000 "data"
	02 01000000 "k" 09 01000000 07`

func helloMessage() broker.Message {
	return broker.Message{
		ID:              [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		OriginTimestamp: 1000,
		Payload:         []byte("hi"),
	}
}

func goldenRequests(t testing.TB) []goldenRequest {
	s0, s1 := broker.ByID(0), broker.ByID(1)
	t0, t1, t2 := broker.ByID(0), broker.ByID(1), broker.ByID(2)
	single7 := broker.Consumer{Kind: broker.SingleConsumer, ID: broker.ByID(7)}
	readBlob := hx(t, `00 00 00 00 00 01 00 00 00 00  01
		03000000 01 01 00 00 00 00  01  02000000 00 01 01 00  00  00`)

	return []goldenRequest{
		{"ping", CodePing, ``, Ping{}},
		{"get_stats", CodeGetStats, ``, GetStats{}},
		{"get_cluster_metadata", CodeGetClusterMetadata, ``, GetClusterMetadata{}},
		{"get_me", CodeGetMe, ``, GetMe{}},
		{"get_client", CodeGetClient, `2a000000`, GetClient{ClientID: 42}},
		{"get_clients", CodeGetClients, ``, GetClients{}},
		{"get_user", CodeGetUser, `02 04 "user"`, GetUser{User: broker.ByName("user")}},
		{"get_users", CodeGetUsers, ``, GetUsers{}},
		{"create_user", CodeCreateUser,
			`05 "alice" 06 "secret" 01 01 0b000000 01010101010101010101 00`,
			CreateUser{Username: "alice", Password: "secret", Status: UserActive,
				Permissions: hx(t, `01010101010101010101 00`)}},
		{"create_user_no_permissions", CodeCreateUser, `03 "bob" 03 "pwd" 02 00`,
			CreateUser{Username: "bob", Password: "pwd", Status: UserInactive}},
		{"delete_user", CodeDeleteUser, `01 04 01000000`, DeleteUser{User: broker.ByID(1)}},
		{"update_user", CodeUpdateUser, `01 04 01000000 01 04 "carl" 01 02`,
			UpdateUser{User: broker.ByID(1), Username: strp("carl"), Status: u8p(UserInactive)}},
		{"update_user_status", CodeUpdateUser, `01 04 01000000 00 01 01`,
			UpdateUser{User: broker.ByID(1), Status: u8p(UserActive)}},
		{"update_permissions", CodeUpdatePermissions, `01 04 01000000 01 20000000
			00 00 00 00 00 01 00 00 00 00  01
			03000000 01 01 00 00 00 00  01  02000000 00 01 01 00  00  00`,
			UpdatePermissions{User: broker.ByID(1), Permissions: readBlob}},
		{"clear_permissions", CodeUpdatePermissions, `01 04 01000000 00`,
			UpdatePermissions{User: broker.ByID(1)}},
		{"change_password", CodeChangePassword, `02 05 "alice" 06 "secret" 07 "secret2"`,
			ChangePassword{User: broker.ByName("alice"), CurrentPassword: "secret", NewPassword: "secret2"}},
		{"login_user", CodeLoginUser, `04 "iggy" 04 "iggy" 05000000 "0.8.0" 00000000`,
			LoginUser{Username: "iggy", Password: "iggy", Version: "0.8.0"}},
		{"logout_user", CodeLogoutUser, ``, LogoutUser{}},
		{"get_personal_access_tokens", CodeGetPersonalAccessTokens, ``, GetPersonalAccessTokens{}},
		{"create_personal_access_token", CodeCreatePersonalAccessToken, `05 "token" 0000000000000000`,
			CreatePersonalAccessToken{Name: "token"}},
		// The Go SDK writes its u32 expiry into the high half of the u64.
		{"create_personal_access_token_sdk_expiry", CodeCreatePersonalAccessToken,
			`05 "token" 00000000 64000000`,
			CreatePersonalAccessToken{Name: "token", Expiry: 100 << 32}},
		{"delete_personal_access_token", CodeDeletePersonalAccessToken, `05 "token"`,
			DeletePersonalAccessToken{Name: "token"}},
		{"login_with_personal_access_token", CodeLoginWithPersonalAccessToken, `04 "abcd"`,
			LoginWithPersonalAccessToken{Token: "abcd"}},
		{"poll_messages_next", CodePollMessages,
			`01 01 04 00000000  01 04 01000000  02 01 "t"  01 02000000  05 0000000000000000  0a000000  01`,
			PollMessages{Consumer: broker.Consumer{Kind: broker.SingleConsumer, ID: broker.ByID(0)},
				TopicPath: TopicPath{s1, broker.ByName("t")}, Partition: u32p(2),
				Strategy: broker.PollingStrategy{Kind: broker.StrategyNext}, Count: 10, AutoCommit: true}},
		{"poll_messages_group_offset", CodePollMessages,
			`02 02 01 "g"  01 04 00000000  01 04 00000000  00 00000000  01 0500000000000000  01000000  00`,
			PollMessages{Consumer: broker.Consumer{Kind: broker.GroupConsumer, ID: broker.ByName("g")},
				TopicPath: TopicPath{s0, t0},
				Strategy:  broker.PollingStrategy{Kind: broker.StrategyOffset, Value: 5}, Count: 1}},
		{"send_messages_balanced", CodeSendMessages,
			`12000000  01 04 01000000  01 04 02000000  01 00  01000000
			00000000 42000000 0000000000000000 ` + helloFrame,
			SendMessages{TopicPath: TopicPath{s1, t2}, Partitioning: broker.Partitioning{Kind: broker.Balanced},
				Count: 1, Frames: AppendMessage(nil, helloMessage())}},
		{"send_messages_key", CodeSendMessages,
			`15000000  01 04 01000000  01 04 02000000  03 03 "key"  02000000
			00000000 42000000 0000000000000000
			00000000 92000000 0000000000000000 ` + helloFrame + headerFrame,
			SendMessages{TopicPath: TopicPath{s1, t2},
				Partitioning: broker.Partitioning{Kind: broker.MessagesKey, Key: []byte("key")},
				Count:        2, Frames: hx(t, helloFrame+headerFrame)}},
		{"send_messages_partition", CodeSendMessages,
			`16000000  01 04 01000000  01 04 02000000  02 04 05000000  01000000
			00000000 42000000 0000000000000000 ` + helloFrame,
			SendMessages{TopicPath: TopicPath{s1, t2},
				Partitioning: broker.Partitioning{Kind: broker.PartitionID, Partition: 5},
				Count:        1, Frames: hx(t, helloFrame)}},
		{"get_consumer_offset", CodeGetConsumerOffset,
			`01 01 04 07000000  01 04 01000000  01 04 02000000  01 00000000`,
			GetConsumerOffset{OffsetTarget{Consumer: single7, TopicPath: TopicPath{s1, t2}, Partition: u32p(0)}}},
		{"store_consumer_offset", CodeStoreConsumerOffset,
			`01 01 04 07000000  01 04 01000000  01 04 02000000  00 00000000  0900000000000000`,
			StoreConsumerOffset{OffsetTarget: OffsetTarget{Consumer: single7, TopicPath: TopicPath{s1, t2}}, Offset: 9}},
		{"delete_consumer_offset", CodeDeleteConsumerOffset,
			`02 01 04 00000000  01 04 01000000  01 04 02000000  01 03000000`,
			DeleteConsumerOffset{OffsetTarget{Consumer: broker.Consumer{Kind: broker.GroupConsumer, ID: broker.ByID(0)},
				TopicPath: TopicPath{s1, t2}, Partition: u32p(3)}}},
		{"get_stream", CodeGetStream, `01 04 07000000`, GetStream{Stream: broker.ByID(7)}},
		{"get_streams", CodeGetStreams, ``, GetStreams{}},
		{"create_stream", CodeCreateStream, `02 "ab"`, CreateStream{Name: "ab"}},
		{"delete_stream", CodeDeleteStream, `02 06 "orders"`, DeleteStream{Stream: broker.ByName("orders")}},
		{"update_stream", CodeUpdateStream, `01 04 00000000 03 "new"`, UpdateStream{Stream: s0, Name: "new"}},
		{"purge_stream", CodePurgeStream, `01 04 00000000`, PurgeStream{Stream: s0}},
		{"get_topic", CodeGetTopic, `01 04 00000000 02 03 "top"`, GetTopic{TopicPath{s0, broker.ByName("top")}}},
		{"get_topics", CodeGetTopics, `01 04 00000000`, GetTopics{Stream: s0}},
		{"create_topic", CodeCreateTopic,
			`01 04 00000000  03000000  01  ffffffffffffffff  0000000000000000  01  06 "events"`,
			CreateTopic{Stream: s0, Partitions: 3, TopicSettings: TopicSettings{Compression: CompressionNone,
				MessageExpiry: math.MaxUint64, ReplicationFactor: 1, Name: "events"}}},
		{"delete_topic", CodeDeleteTopic, `01 04 00000000 01 04 01000000`, DeleteTopic{TopicPath{s0, t1}}},
		{"update_topic", CodeUpdateTopic,
			`01 04 00000000  01 04 01000000  02  40420f0000000000  0000010000000000  00  03 "new"`,
			UpdateTopic{TopicPath: TopicPath{s0, t1}, TopicSettings: TopicSettings{Compression: CompressionGzip,
				MessageExpiry: 1_000_000, MaxTopicSize: 65536, Name: "new"}}},
		{"purge_topic", CodePurgeTopic, `01 04 00000000 01 04 01000000`, PurgeTopic{TopicPath{s0, t1}}},
		{"create_partitions", CodeCreatePartitions, `01 04 00000000 01 04 00000000 02000000`,
			CreatePartitions{TopicPath: TopicPath{s0, t0}, Count: 2}},
		{"delete_partitions", CodeDeletePartitions, `01 04 00000000 01 04 00000000 01000000`,
			DeletePartitions{TopicPath: TopicPath{s0, t0}, Count: 1}},
		{"get_consumer_group", CodeGetConsumerGroup, `01 04 00000000 01 04 00000000 02 02 "cg"`,
			GetConsumerGroup{GroupPath{TopicPath{s0, t0}, broker.ByName("cg")}}},
		{"get_consumer_groups", CodeGetConsumerGroups, `01 04 00000000 01 04 00000000`,
			GetConsumerGroups{TopicPath{s0, t0}}},
		{"create_consumer_group", CodeCreateConsumerGroup, `01 04 00000000 01 04 00000000 02 "cg"`,
			CreateConsumerGroup{TopicPath: TopicPath{s0, t0}, Name: "cg"}},
		{"delete_consumer_group", CodeDeleteConsumerGroup, `01 04 00000000 01 04 00000000 01 04 00000000`,
			DeleteConsumerGroup{GroupPath{TopicPath{s0, t0}, broker.ByID(0)}}},
		{"join_consumer_group", CodeJoinConsumerGroup, `01 04 00000000 01 04 00000000 01 04 00000000`,
			JoinConsumerGroup{GroupPath{TopicPath{s0, t0}, broker.ByID(0)}}},
		{"leave_consumer_group", CodeLeaveConsumerGroup, `01 04 00000000 01 04 00000000 02 02 "cg"`,
			LeaveConsumerGroup{GroupPath{TopicPath{s0, t0}, broker.ByName("cg")}}},
	}
}

func TestGoldenRequests(t *testing.T) {
	seen := map[Code]bool{}
	for _, g := range goldenRequests(t) {
		t.Run(g.name, func(t *testing.T) {
			payload := hx(t, g.payload)
			seen[g.code] = true

			got, err := DecodeRequest(g.code, payload)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, g.req) {
				t.Fatalf("decode:\n got %#v\nwant %#v", got, g.req)
			}
			if enc := g.req.AppendTo(nil); !bytes.Equal(enc, payload) {
				t.Fatalf("encode:\n got % x\nwant % x", enc, payload)
			}
			if g.req.Code() != g.code {
				t.Fatalf("Code() = %d, want %d", g.req.Code(), g.code)
			}

			frame := EncodeRequest(g.req)
			if binary.LittleEndian.Uint32(frame) != uint32(len(payload)+4) ||
				Code(binary.LittleEndian.Uint32(frame[4:])) != g.code || !bytes.Equal(frame[8:], payload) {
				t.Fatalf("frame % x", frame)
			}
		})
	}
	for _, c := range Codes() {
		if !seen[c] {
			t.Errorf("code %d (%s) has no golden request", c, c)
		}
	}
}

// TestTrailingBytesIgnored: the real server ignores bytes after a fully
// decoded payload.
func TestTrailingBytesIgnored(t *testing.T) {
	got, err := DecodeRequest(CodeGetStream, hx(t, `01 04 07000000 ff ff`))
	if err != nil || got != (GetStream{Stream: broker.ByID(7)}) {
		t.Fatalf("got %#v, %v", got, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	ids := `01 04 01000000 01 04 02000000`
	index := func(pos string) string { return `00000000 ` + pos + ` 0000000000000000 ` }
	cases := []struct {
		name    string
		code    Code
		payload string
		want    *broker.Error
	}{
		{"unknown code", 999, ``, broker.ErrInvalidCommand},
		{"numeric id of 3 bytes", CodeGetStream, `01 03 070000`, broker.ErrInvalidFormat},
		{"identifier kind 3", CodeGetStream, `03 01 00`, broker.ErrInvalidCommand},
		{"identifier truncated", CodeGetStream, `01 04 0700`, broker.ErrInvalidCommand},
		{"empty name identifier", CodeGetStream, `02 00`, broker.ErrInvalidFormat},
		{"empty payload", CodeGetStream, ``, broker.ErrInvalidCommand},
		{"empty stream name", CodeCreateStream, `00`, broker.ErrInvalidFormat},
		{"name not UTF-8", CodeCreateStream, `02 ff fe`, broker.ErrInvalidCommand},
		{"name truncated", CodeCreateStream, `05 "ab"`, broker.ErrInvalidCommand},
		{"compression 3", CodeCreateTopic,
			`01 04 00000000 01000000 03 0000000000000000 0000000000000000 01 01 "t"`, broker.ErrInvalidCommand},
		{"compression 0", CodeCreateTopic,
			`01 04 00000000 01000000 00 0000000000000000 0000000000000000 01 01 "t"`, broker.ErrInvalidCommand},
		{"topic without name", CodeCreateTopic,
			`01 04 00000000 01000000 01 0000000000000000 0000000000000000 01`, broker.ErrInvalidCommand},
		{"strategy kind 6", CodePollMessages,
			`01 01 04 00000000 ` + ids + ` 00 00000000 06 0000000000000000 01000000 00`, broker.ErrInvalidCommand},
		{"consumer kind 3", CodePollMessages,
			`03 01 04 00000000 ` + ids + ` 00 00000000 01 0000000000000000 01000000 00`, broker.ErrInvalidCommand},
		{"poll without auto commit", CodePollMessages,
			`01 01 04 00000000 ` + ids + ` 00 00000000 01 0000000000000000 01000000`, broker.ErrInvalidCommand},
		{"user status 3", CodeCreateUser, `03 "bob" 03 "pwd" 03 00`, broker.ErrInvalidCommand},
		{"permissions length too long", CodeCreateUser,
			`03 "bob" 03 "pwd" 01 01 0c000000 01010101010101010101 00 ff`, broker.ErrInvalidFormat},
		{"permissions length past the end", CodeCreateUser,
			`03 "bob" 03 "pwd" 01 01 ff000000 01010101010101010101 00`, broker.ErrInvalidCommand},
		{"permissions blob truncated", CodeUpdatePermissions,
			`01 04 01000000 01 0c000000 01010101010101010101 01 03`, broker.ErrInvalidFormat},
		{"update user status 9", CodeUpdateUser, `01 04 01000000 00 01 09`, broker.ErrInvalidCommand},
		{"send: identifier kind 3", CodeSendMessages,
			`12000000 03 04 01000000 01 04 02000000 01 00 01000000`, broker.ErrInvalidIdentifier},
		{"send: numeric id of 2 bytes", CodeSendMessages,
			`10000000 01 02 0100 01 04 02000000 01 00 01000000`, broker.ErrInvalidIdentifier},
		{"send: empty name", CodeSendMessages,
			`10000000 02 00 01 04 02000000 01 00 01000000 00 00`, broker.ErrInvalidIdentifier},
		{"send: metadata past the end", CodeSendMessages, `40000000 01 04 01000000`, broker.ErrInvalidCommand},
		{"send: partitioning kind 9", CodeSendMessages,
			`12000000 ` + ids + ` 09 00 01000000`, broker.ErrInvalidCommand},
		{"send: balanced with a value", CodeSendMessages,
			`13000000 ` + ids + ` 01 01 00 01000000`, broker.ErrInvalidCommand},
		{"send: partition id of 2 bytes", CodeSendMessages,
			`14000000 ` + ids + ` 02 02 0000 01000000`, broker.ErrInvalidCommand},
		{"send: no messages", CodeSendMessages,
			`12000000 ` + ids + ` 01 00 00000000`, broker.ErrInvalidMessagesCount},
		{"send: index block short", CodeSendMessages,
			`12000000 ` + ids + ` 01 00 02000000 ` + index(`42000000`), broker.ErrInvalidIndexesByteSize},
		{"send: index offset set", CodeSendMessages,
			`12000000 ` + ids + ` 01 00 01000000 01000000 42000000 0000000000000000 ` + helloFrame,
			broker.ErrNonZeroOffset},
		{"send: index timestamp set", CodeSendMessages,
			`12000000 ` + ids + ` 01 00 01000000 00000000 42000000 0100000000000000 ` + helloFrame,
			broker.ErrNonZeroTimestamp},
		{"send: positions decrease", CodeSendMessages,
			`12000000 ` + ids + ` 01 00 02000000 ` + index(`42000000`) + index(`10000000`) + helloFrame + helloFrame,
			broker.ErrCannotReadIndexPosition},
		{"send: last position short of the area", CodeSendMessages,
			`12000000 ` + ids + ` 01 00 01000000 ` + index(`41000000`) + helloFrame, broker.ErrInvalidMessagesSize},
		{"send: message below header size", CodeSendMessages,
			`12000000 ` + ids + ` 01 00 02000000 ` + index(`10000000`) + index(`52000000`) + helloFrame,
			broker.ErrMissingIndex},
		{"send: header lengths disagree", CodeSendMessages,
			`12000000 ` + ids + ` 01 00 02000000 ` + index(`43000000`) + index(`84000000`) + helloFrame + helloFrame,
			broker.ErrMissingIndex},
		{"send: position past the area", CodeSendMessages,
			`12000000 ` + ids + ` 01 00 02000000 ` + index(`ff000000`) + index(`ff000000`) + helloFrame,
			broker.ErrMissingIndex},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeRequest(c.code, hx(t, c.payload))
			var be *broker.Error
			if !errors.As(err, &be) || be.Code != c.want.Code {
				t.Fatalf("got %v, want code %d (%s)", err, c.want.Code, c.want.Name)
			}
		})
	}
}

func TestPermissionsRoundTrip(t *testing.T) {
	blob := hx(t, `00 00 00 00 00 01 00 00 00 00  01
		03000000 01 01 00 00 00 00  01  02000000 00 01 01 00  01  05000000 01 00 00 01  00  01
		04000000 00 00 00 00 01 01  00  00`)
	p, err := DecodePermissions(blob)
	if err != nil {
		t.Fatal(err)
	}
	want := Permissions{
		Global: GlobalPermissions{ReadStreams: true},
		Streams: []StreamPermissions{
			{StreamID: 3, ManageStream: true, ReadStream: true, Topics: []TopicPermissions{
				{TopicID: 2, ReadTopic: true, PollMessages: true},
				{TopicID: 5, ManageTopic: true, SendMessages: true},
			}},
			{StreamID: 4, PollMessages: true, SendMessages: true},
		},
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %+v", p)
	}
	if enc := p.Encode(); !bytes.Equal(enc, blob) {
		t.Fatalf("encode:\n got % x\nwant % x", enc, blob)
	}
	if root := RootPermissions().Encode(); !bytes.Equal(root, hx(t, `01010101010101010101 00`)) {
		t.Fatalf("root blob % x", root)
	}
	if _, err := DecodePermissions(append(blob, 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
}

func TestHeaders(t *testing.T) {
	block := hx(t, `02 01000000 "k" 09 01000000 07  01 02000000 "id" 02 03000000 "abc"`)
	hs, err := DecodeHeaders(block)
	if err != nil {
		t.Fatal(err)
	}
	want := []Header{
		{KeyKind: HeaderString, Key: []byte("k"), ValueKind: HeaderUint8, Value: []byte{7}},
		{KeyKind: HeaderRaw, Key: []byte("id"), ValueKind: HeaderString, Value: []byte("abc")},
	}
	if !reflect.DeepEqual(hs, want) {
		t.Fatalf("got %+v", hs)
	}
	if enc := AppendHeaders(nil, want); !bytes.Equal(enc, block) {
		t.Fatalf("encode % x", enc)
	}

	bad := map[string]string{
		"u32 value of 2 bytes": `02 01000000 "k" 0b 02000000 0102`,
		"kind 16":              `10 01000000 "k" 02 01000000 "v"`,
		"empty key":            `02 00000000 02 01000000 "v"`,
		"value past the end":   `02 01000000 "k" 02 09000000 "v"`,
	}
	for name, s := range bad {
		if _, err := DecodeHeaders(hx(t, s)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseMessages(t *testing.T) {
	frames := hx(t, helloFrame+headerFrame)
	msgs, err := ParseMessages(frames, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(msgs[0], helloMessage()) {
		t.Fatalf("first message %+v", msgs[0])
	}
	if string(msgs[1].Payload) != "data" || msgs[1].OriginTimestamp != 1 || len(msgs[1].Headers) != 12 {
		t.Fatalf("second message %+v", msgs[1])
	}
	if got := AppendMessages(nil, msgs); !bytes.Equal(got, frames) {
		t.Fatalf("re-encoded frames differ")
	}
	if _, err := ParseMessages(frames, 3); err == nil {
		t.Fatal("three messages parsed from two")
	}
	if _, err := ParseMessages(frames[:len(frames)-1], 2); err == nil {
		t.Fatal("truncated frame parsed")
	}
}
