package wire

// UserInfo is what user responses carry.
type UserInfo struct {
	ID uint32
	// CreatedAt is in µs since the Unix epoch.
	CreatedAt uint64
	// Status is UserActive or UserInactive.
	Status   uint8
	Username string
	// Permissions is the encoded blob, nil when the user has none.
	Permissions []byte
}

// AppendUserHeader writes [id u32][created_at u64][status u8][username str8].
func AppendUserHeader(b []byte, u UserInfo) []byte {
	b = appendU32(b, u.ID)
	b = appendU64(b, u.CreatedAt)
	b = append(b, u.Status)
	return appendStr8(b, u.Username)
}

// AppendUserDetails writes the user header then [0 0 0 0] without
// permissions or [1][perm_len u32][blob] with them (GetUser, CreateUser).
func AppendUserDetails(b []byte, u UserInfo) []byte {
	b = AppendUserHeader(b, u)
	if u.Permissions == nil {
		return append(b, 0, 0, 0, 0)
	}
	return appendOptionalPermissions(b, u.Permissions)
}

// TokenInfo is one entry of GetPersonalAccessTokens' response.
type TokenInfo struct {
	Name string
	// ExpiryAt is in µs since the Unix epoch; 0 means it never expires.
	ExpiryAt uint64
}

// AppendTokens writes [name str8][expiry_at u64] per token.
func AppendTokens(b []byte, tokens []TokenInfo) []byte {
	for _, t := range tokens {
		b = appendU64(appendStr8(b, t.Name), t.ExpiryAt)
	}
	return b
}

// AppendRawToken writes CreatePersonalAccessToken's response [token str8].
func AppendRawToken(b []byte, token string) []byte { return appendStr8(b, token) }

// AppendIdentity writes a login response [user_id u32].
func AppendIdentity(b []byte, userID uint32) []byte { return appendU32(b, userID) }

// Client transports on the wire.
const (
	TransportTCP  uint8 = 1
	TransportQUIC uint8 = 2
)

// NoUser is the user id of a client that is not logged in.
const NoUser uint32 = 0xFFFFFFFF

// ClientInfo describes one connection.
type ClientInfo struct {
	ID uint32
	// UserID is NoUser when the connection is not logged in.
	UserID    uint32
	Transport uint8
	// Address is the peer's "ip:port".
	Address string
	Groups  []ClientGroup
}

// ClientGroup is a consumer group a client is a member of.
type ClientGroup struct{ Stream, Topic, Group uint32 }

// AppendClientHeader writes [client_id u32][user_id u32][transport u8]
// [address str32][consumer_groups_count u32] (one GetClients entry).
func AppendClientHeader(b []byte, c ClientInfo) []byte {
	b = appendU32(b, c.ID)
	b = appendU32(b, c.UserID)
	b = append(b, c.Transport)
	b = appendStr32(b, c.Address)
	return appendU32(b, uint32(len(c.Groups)))
}

// AppendClient writes GetClient's and GetMe's response: the header then
// [stream_id u32][topic_id u32][group_id u32] per group, nothing after.
func AppendClient(b []byte, c ClientInfo) []byte {
	b = AppendClientHeader(b, c)
	for _, g := range c.Groups {
		b = appendU32(b, g.Stream)
		b = appendU32(b, g.Topic)
		b = appendU32(b, g.Group)
	}
	return b
}

// ClusterMetadata is GetClusterMetadata's response.
type ClusterMetadata struct {
	Name  string
	Nodes []ClusterNode
}

// ClusterNode is one node of the cluster. Role 0 is leader, 1 follower;
// Status 0 is healthy.
type ClusterNode struct {
	Name, IP                                   string
	TCPPort, QUICPort, HTTPPort, WebSocketPort uint16
	Role, Status                               uint8
}

// AppendTo writes [name str32][nodes_count u32] then per node [name str32]
// [ip str32][tcp u16][quic u16][http u16][websocket u16][role u8][status u8].
func (m ClusterMetadata) AppendTo(b []byte) []byte {
	b = appendStr32(b, m.Name)
	b = appendU32(b, uint32(len(m.Nodes)))
	for _, n := range m.Nodes {
		b = appendStr32(b, n.Name)
		b = appendStr32(b, n.IP)
		b = appendU16(b, n.TCPPort)
		b = appendU16(b, n.QUICPort)
		b = appendU16(b, n.HTTPPort)
		b = appendU16(b, n.WebSocketPort)
		b = append(b, n.Role, n.Status)
	}
	return b
}

// Stats is GetStats' response. Times are µs; sizes are bytes.
type Stats struct {
	ProcessID                                  uint32
	CPUUsage, TotalCPUUsage                    float32
	MemoryUsage, TotalMemory, AvailableMemory  uint64
	RunTime, StartTime                         uint64
	ReadBytes, WrittenBytes, MessagesSizeBytes uint64
	StreamsCount, TopicsCount, PartitionsCount uint32
	SegmentsCount                              uint32
	MessagesCount                              uint64
	ClientsCount, ConsumerGroupsCount          uint32
	Hostname, OSName, OSVersion, KernelVersion string
	ServerVersion                              string
	// ServerSemver is major*1_000_000 + minor*1000 + patch.
	ServerSemver                  uint32
	CacheMetrics                  []CacheMetric
	ThreadsCount                  uint32
	FreeDiskSpace, TotalDiskSpace uint64
}

// CacheMetric is one partition's cache counters (32 bytes on the wire).
type CacheMetric struct {
	Stream, Topic, Partition uint32
	Hits, Misses             uint64
	HitRatio                 float32
}

// AppendTo writes the stats in wire order: a 108-byte numeric prefix, five
// str32 strings, the semver, the cache metrics, then threads and disk.
func (s Stats) AppendTo(b []byte) []byte {
	b = appendU32(b, s.ProcessID)
	b = appendF32(b, s.CPUUsage)
	b = appendF32(b, s.TotalCPUUsage)
	for _, v := range []uint64{s.MemoryUsage, s.TotalMemory, s.AvailableMemory, s.RunTime,
		s.StartTime, s.ReadBytes, s.WrittenBytes, s.MessagesSizeBytes} {
		b = appendU64(b, v)
	}
	for _, v := range []uint32{s.StreamsCount, s.TopicsCount, s.PartitionsCount, s.SegmentsCount} {
		b = appendU32(b, v)
	}
	b = appendU64(b, s.MessagesCount)
	b = appendU32(b, s.ClientsCount)
	b = appendU32(b, s.ConsumerGroupsCount)
	for _, v := range []string{s.Hostname, s.OSName, s.OSVersion, s.KernelVersion, s.ServerVersion} {
		b = appendStr32(b, v)
	}
	b = appendU32(b, s.ServerSemver)
	b = appendU32(b, uint32(len(s.CacheMetrics)))
	for _, c := range s.CacheMetrics {
		b = appendU32(b, c.Stream)
		b = appendU32(b, c.Topic)
		b = appendU32(b, c.Partition)
		b = appendU64(b, c.Hits)
		b = appendU64(b, c.Misses)
		b = appendF32(b, c.HitRatio)
	}
	b = appendU32(b, s.ThreadsCount)
	b = appendU64(b, s.FreeDiskSpace)
	return appendU64(b, s.TotalDiskSpace)
}
