package wire

import (
	"bufio"
	"bytes"
	"net"
	"reflect"
	"sync"
	"testing"

	"github.com/apache/iggy/foreign/go/client/tcp"
	iggcon "github.com/apache/iggy/foreign/go/contracts"

	"github.com/iggyflow/iggyflow/broker"
)

// captureServer is a loopback listener that records every request frame the
// official SDK sends and answers with a response built by this package's
// encoders, so a test can compare the SDK's bytes with the golden table.
type captureServer struct {
	ln     net.Listener
	mu     sync.Mutex
	frames []Frame
}

func startCapture(t *testing.T) *captureServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cs := &captureServer{ln: ln}
	go cs.serve()
	t.Cleanup(func() { ln.Close() })
	return cs
}

func (cs *captureServer) serve() {
	conn, err := cs.ln.Accept()
	if err != nil {
		return
	}
	defer conn.Close()
	fr := NewFrameReader(bufio.NewReader(conn))
	for {
		f, err := fr.Next()
		if err != nil {
			return
		}
		cs.mu.Lock()
		cs.frames = append(cs.frames, Frame{Code: f.Code, Payload: append([]byte(nil), f.Payload...)})
		cs.mu.Unlock()
		if err := WriteResponse(conn, cannedResponse(f.Code)); err != nil {
			return
		}
	}
}

// take returns the frames recorded since the last call.
func (cs *captureServer) take() []Frame {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := cs.frames
	cs.frames = nil
	return out
}

// cannedResponse returns a well-formed success payload for code, so that
// SDK methods that parse their answer do not fail.
func cannedResponse(c Code) []byte {
	switch c {
	case CodeLoginUser, CodeLoginWithPersonalAccessToken:
		return AppendIdentity(nil, 0)
	case CodeGetClusterMetadata:
		return ClusterMetadata{Name: "single-node", Nodes: []ClusterNode{{Name: "iggy-node", IP: "127.0.0.1"}}}.AppendTo(nil)
	case CodeCreateStream:
		return AppendStreamHeader(nil, broker.StreamInfo{Name: "ab"})
	case CodeCreateTopic:
		return AppendTopicDetails(nil, sampleTopic())
	case CodeCreateUser:
		return AppendUserDetails(nil, UserInfo{ID: 1, Status: UserActive, Username: "alice"})
	case CodeCreatePersonalAccessToken:
		return AppendRawToken(nil, "tok")
	case CodeCreateConsumerGroup:
		return AppendGroupHeader(nil, sampleGroup())
	case CodeGetClient:
		return AppendClient(nil, ClientInfo{ID: 42, Transport: TransportTCP, Address: "127.0.0.1:1"})
	case CodeGetStats:
		return Stats{ServerVersion: "0.8.0"}.AppendTo(nil)
	case CodePollMessages:
		return AppendPollHeader(nil, 0, 0, 0)
	case CodeGetUsers:
		return AppendUserHeader(nil, UserInfo{Status: UserActive, Username: "iggy"})
	case CodeGetPersonalAccessTokens:
		return AppendTokens(nil, []TokenInfo{{Name: "token"}})
	}
	return nil
}

func num(id uint32) iggcon.Identifier {
	v, _ := iggcon.NewIdentifier(id)
	return v
}

func str(s string) iggcon.Identifier {
	v, _ := iggcon.NewIdentifier(s)
	return v
}

// sdkMessages builds the SDK messages matching helloFrame and headerFrame.
func sdkMessages(t *testing.T, withSecond bool) []iggcon.IggyMessage {
	hello, err := iggcon.NewIggyMessage([]byte("hi"), iggcon.WithID([16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
	if err != nil {
		t.Fatal(err)
	}
	hello.Header.OriginTimestamp = 1000
	if !withSecond {
		return []iggcon.IggyMessage{hello}
	}
	key, _ := iggcon.NewHeaderKeyString("k")
	second, err := iggcon.NewIggyMessage([]byte("data"), iggcon.WithUserHeaders([]iggcon.HeaderEntry{
		{Key: key, Value: iggcon.HeaderValue{Kind: iggcon.Uint8, Value: []byte{7}}}}))
	if err != nil {
		t.Fatal(err)
	}
	second.Header.OriginTimestamp = 1
	return []iggcon.IggyMessage{hello, second}
}

// sdkCalls maps golden request names to the SDK call that should send
// exactly that payload. GetMe, PurgeStream and PurgeTopic have no SDK
// method.
func sdkCalls(t *testing.T) map[string]func(c *tcp.IggyTcpClient) {
	active, inactive := iggcon.Active, iggcon.Inactive
	one := uint8(1)
	p0, p2, p3 := uint32(0), uint32(2), uint32(3)
	all := &iggcon.Permissions{Global: iggcon.GlobalPermissions{
		ManageServers: true, ReadServers: true, ManageUsers: true, ReadUsers: true,
		ManageStreams: true, ReadStreams: true, ManageTopics: true, ReadTopics: true,
		PollMessages: true, SendMessages: true}}
	read := &iggcon.Permissions{
		Global: iggcon.GlobalPermissions{ReadStreams: true},
		Streams: map[int]*iggcon.StreamPermissions{3: {ManageStream: true, ReadStream: true,
			Topics: map[int]*iggcon.TopicPermissions{2: {ReadTopic: true, PollMessages: true}}}},
	}
	key, _ := iggcon.EntityIdString("key")

	return map[string]func(c *tcp.IggyTcpClient){
		"ping":                       func(c *tcp.IggyTcpClient) { c.Ping() },
		"get_stats":                  func(c *tcp.IggyTcpClient) { c.GetStats() },
		"get_cluster_metadata":       func(c *tcp.IggyTcpClient) { c.GetClusterMetadata() },
		"get_client":                 func(c *tcp.IggyTcpClient) { c.GetClient(42) },
		"get_clients":                func(c *tcp.IggyTcpClient) { c.GetClients() },
		"get_user":                   func(c *tcp.IggyTcpClient) { c.GetUser(str("user")) },
		"get_users":                  func(c *tcp.IggyTcpClient) { c.GetUsers() },
		"create_user":                func(c *tcp.IggyTcpClient) { c.CreateUser("alice", "secret", active, all) },
		"create_user_no_permissions": func(c *tcp.IggyTcpClient) { c.CreateUser("bob", "pwd", inactive, nil) },
		"delete_user":                func(c *tcp.IggyTcpClient) { c.DeleteUser(num(1)) },
		"update_user": func(c *tcp.IggyTcpClient) {
			name := "carl"
			c.UpdateUser(num(1), &name, &inactive)
		},
		"update_user_status":         func(c *tcp.IggyTcpClient) { c.UpdateUser(num(1), nil, &active) },
		"update_permissions":         func(c *tcp.IggyTcpClient) { c.UpdatePermissions(num(1), read) },
		"clear_permissions":          func(c *tcp.IggyTcpClient) { c.UpdatePermissions(num(1), nil) },
		"change_password":            func(c *tcp.IggyTcpClient) { c.ChangePassword(str("alice"), "secret", "secret2") },
		"login_user":                 func(c *tcp.IggyTcpClient) { c.LoginUser("iggy", "iggy") },
		"logout_user":                func(c *tcp.IggyTcpClient) { c.LogoutUser() },
		"get_personal_access_tokens": func(c *tcp.IggyTcpClient) { c.GetPersonalAccessTokens() },
		"create_personal_access_token": func(c *tcp.IggyTcpClient) {
			c.CreatePersonalAccessToken("token", 0)
		},
		"create_personal_access_token_sdk_expiry": func(c *tcp.IggyTcpClient) {
			c.CreatePersonalAccessToken("token", 100)
		},
		"delete_personal_access_token":     func(c *tcp.IggyTcpClient) { c.DeletePersonalAccessToken("token") },
		"login_with_personal_access_token": func(c *tcp.IggyTcpClient) { c.LoginWithPersonalAccessToken("abcd") },
		"poll_messages_next": func(c *tcp.IggyTcpClient) {
			c.PollMessages(num(1), str("t"), iggcon.DefaultConsumer(), iggcon.NextPollingStrategy(), 10, true, &p2)
		},
		"poll_messages_group_offset": func(c *tcp.IggyTcpClient) {
			c.PollMessages(num(0), num(0), iggcon.NewGroupConsumer(str("g")), iggcon.OffsetPollingStrategy(5), 1, false, nil)
		},
		"send_messages_balanced": func(c *tcp.IggyTcpClient) {
			c.SendMessages(num(1), num(2), iggcon.None(), sdkMessages(t, false))
		},
		"send_messages_key": func(c *tcp.IggyTcpClient) {
			c.SendMessages(num(1), num(2), key, sdkMessages(t, true))
		},
		"send_messages_partition": func(c *tcp.IggyTcpClient) {
			c.SendMessages(num(1), num(2), iggcon.PartitionId(5), sdkMessages(t, false))
		},
		"get_consumer_offset": func(c *tcp.IggyTcpClient) {
			c.GetConsumerOffset(iggcon.NewSingleConsumer(num(7)), num(1), num(2), &p0)
		},
		"store_consumer_offset": func(c *tcp.IggyTcpClient) {
			c.StoreConsumerOffset(iggcon.NewSingleConsumer(num(7)), num(1), num(2), 9, nil)
		},
		"delete_consumer_offset": func(c *tcp.IggyTcpClient) {
			c.DeleteConsumerOffset(iggcon.NewGroupConsumer(num(0)), num(1), num(2), &p3)
		},
		"get_stream":    func(c *tcp.IggyTcpClient) { c.GetStream(num(7)) },
		"get_streams":   func(c *tcp.IggyTcpClient) { c.GetStreams() },
		"create_stream": func(c *tcp.IggyTcpClient) { c.CreateStream("ab") },
		"delete_stream": func(c *tcp.IggyTcpClient) { c.DeleteStream(str("orders")) },
		"update_stream": func(c *tcp.IggyTcpClient) { c.UpdateStream(num(0), "new") },
		"get_topic":     func(c *tcp.IggyTcpClient) { c.GetTopic(num(0), str("top")) },
		"get_topics":    func(c *tcp.IggyTcpClient) { c.GetTopics(num(0)) },
		"create_topic": func(c *tcp.IggyTcpClient) {
			c.CreateTopic(num(0), "events", 3, iggcon.CompressionAlgorithmNone, iggcon.IggyExpiryNeverExpire, 0, &one)
		},
		"delete_topic": func(c *tcp.IggyTcpClient) { c.DeleteTopic(num(0), num(1)) },
		"update_topic": func(c *tcp.IggyTcpClient) {
			c.UpdateTopic(num(0), num(1), "new", iggcon.CompressionAlgorithmGzip, iggcon.Second, 65536, nil)
		},
		"create_partitions":     func(c *tcp.IggyTcpClient) { c.CreatePartitions(num(0), num(0), 2) },
		"delete_partitions":     func(c *tcp.IggyTcpClient) { c.DeletePartitions(num(0), num(0), 1) },
		"get_consumer_group":    func(c *tcp.IggyTcpClient) { c.GetConsumerGroup(num(0), num(0), str("cg")) },
		"get_consumer_groups":   func(c *tcp.IggyTcpClient) { c.GetConsumerGroups(num(0), num(0)) },
		"create_consumer_group": func(c *tcp.IggyTcpClient) { c.CreateConsumerGroup(num(0), num(0), "cg") },
		"delete_consumer_group": func(c *tcp.IggyTcpClient) { c.DeleteConsumerGroup(num(0), num(0), num(0)) },
		"join_consumer_group":   func(c *tcp.IggyTcpClient) { c.JoinConsumerGroup(num(0), num(0), num(0)) },
		"leave_consumer_group":  func(c *tcp.IggyTcpClient) { c.LeaveConsumerGroup(num(0), num(0), str("cg")) },
	}
}

// sdkTrailing counts zero bytes the SDK sends after a complete payload.
// Its UpdateUser allocates one byte more than it fills whenever a username
// is given; the server ignores trailing bytes.
var sdkTrailing = map[string]int{"update_user": 1}

// TestSDKSendsGoldenBytes drives the official SDK against a capturing
// listener and checks that every request it sends is byte for byte the
// golden payload written by hand from the protocol description.
func TestSDKSendsGoldenBytes(t *testing.T) {
	cs := startCapture(t)
	c, err := tcp.NewIggyTcpClient(tcp.WithServerAddress(cs.ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	calls := sdkCalls(t)
	noSDK := map[Code]bool{CodeGetMe: true, CodePurgeStream: true, CodePurgeTopic: true}
	for _, g := range goldenRequests(t) {
		call, ok := calls[g.name]
		if !ok {
			if !noSDK[g.code] {
				t.Errorf("%s: no SDK call to compare with", g.name)
			}
			continue
		}
		call(c)
		frames := cs.take()
		if len(frames) == 0 {
			t.Errorf("%s: the SDK sent nothing", g.name)
			continue
		}
		// Logins are followed by GetClusterMetadata; the first frame is
		// the call's own.
		f := frames[0]
		if f.Code != g.code {
			t.Errorf("%s: SDK sent code %d, want %d", g.name, f.Code, g.code)
			continue
		}
		want := append(hx(t, g.payload), make([]byte, sdkTrailing[g.name])...)
		if !bytes.Equal(f.Payload, want) {
			t.Errorf("%s: SDK payload\n got % x\nwant % x", g.name, f.Payload, want)
		}
		if got, err := DecodeRequest(f.Code, f.Payload); err != nil || !reflect.DeepEqual(got, g.req) {
			t.Errorf("%s: SDK payload decodes to %#v, %v", g.name, got, err)
		}
	}
}
