package wire

import "github.com/iggyflow/iggyflow/broker"

// Permissions is a user's decoded permissions blob:
//
//	[10 x u8 global flags][has_streams u8]
//	  per stream: [stream_id u32][6 x u8 flags][has_topics u8]
//	    per topic: [topic_id u32][4 x u8 flags][has_next_topic u8]
//	  [has_next_stream u8]
//
// Flags are 1 (true) or 0. Global order: manage_servers, read_servers,
// manage_users, read_users, manage_streams, read_streams, manage_topics,
// read_topics, poll_messages, send_messages.
type Permissions struct {
	Global  GlobalPermissions
	Streams []StreamPermissions
}

// GlobalPermissions are the server-wide flags.
type GlobalPermissions struct {
	ManageServers, ReadServers bool
	ManageUsers, ReadUsers     bool
	ManageStreams, ReadStreams bool
	ManageTopics, ReadTopics   bool
	PollMessages, SendMessages bool
}

// StreamPermissions are the flags of one stream, in wire order
// manage_stream, read_stream, manage_topics, read_topics, poll_messages,
// send_messages.
type StreamPermissions struct {
	StreamID                   uint32
	ManageStream, ReadStream   bool
	ManageTopics, ReadTopics   bool
	PollMessages, SendMessages bool
	Topics                     []TopicPermissions
}

// TopicPermissions are the flags of one topic, in wire order manage_topic,
// read_topic, poll_messages, send_messages.
type TopicPermissions struct {
	TopicID                    uint32
	ManageTopic, ReadTopic     bool
	PollMessages, SendMessages bool
}

// RootPermissions returns every global flag set and no stream entries, the
// permissions of the root user.
func RootPermissions() Permissions {
	return Permissions{Global: GlobalPermissions{
		ManageServers: true, ReadServers: true, ManageUsers: true, ReadUsers: true,
		ManageStreams: true, ReadStreams: true, ManageTopics: true, ReadTopics: true,
		PollMessages: true, SendMessages: true,
	}}
}

// DecodePermissions decodes a permissions blob; bytes after it are an
// invalid-format error (4), a short blob is 3.
func DecodePermissions(blob []byte) (Permissions, error) {
	d := newDecoder(blob)
	p := d.permissions()
	if d.err == nil && d.remaining() != 0 {
		d.fail(broker.ErrInvalidFormat, "%d bytes after the permissions blob", d.remaining())
	}
	return p, d.err
}

// permissionsSize returns how many bytes the blob at the start of b takes.
func permissionsSize(b []byte) (int, error) {
	d := newDecoder(b)
	d.permissions()
	return d.off, d.err
}

func (d *decoder) flags(n int) []bool {
	raw := d.take(n, "permission flags")
	out := make([]bool, n)
	for i, v := range raw {
		out[i] = v == 1
	}
	return out
}

func (d *decoder) permissions() Permissions {
	g := d.flags(10)
	p := Permissions{Global: GlobalPermissions{
		ManageServers: g[0], ReadServers: g[1], ManageUsers: g[2], ReadUsers: g[3],
		ManageStreams: g[4], ReadStreams: g[5], ManageTopics: g[6], ReadTopics: g[7],
		PollMessages: g[8], SendMessages: g[9],
	}}
	more := d.u8("has streams") == 1
	for more && d.err == nil {
		p.Streams = append(p.Streams, d.streamPermissions())
		more = d.u8("has next stream") == 1
	}
	return p
}

func (d *decoder) streamPermissions() StreamPermissions {
	id := d.u32("stream id")
	f := d.flags(6)
	s := StreamPermissions{
		StreamID: id, ManageStream: f[0], ReadStream: f[1], ManageTopics: f[2],
		ReadTopics: f[3], PollMessages: f[4], SendMessages: f[5],
	}
	more := d.u8("has topics") == 1
	for more && d.err == nil {
		tid := d.u32("topic id")
		t := d.flags(4)
		s.Topics = append(s.Topics, TopicPermissions{
			TopicID: tid, ManageTopic: t[0], ReadTopic: t[1], PollMessages: t[2], SendMessages: t[3],
		})
		more = d.u8("has next topic") == 1
	}
	return s
}

// Encode returns the blob, entries in slice order, so that Encode undoes
// DecodePermissions exactly.
func (p Permissions) Encode() []byte {
	g := p.Global
	b := make([]byte, 0, 11+12*len(p.Streams))
	for _, f := range []bool{g.ManageServers, g.ReadServers, g.ManageUsers, g.ReadUsers,
		g.ManageStreams, g.ReadStreams, g.ManageTopics, g.ReadTopics, g.PollMessages, g.SendMessages} {
		b = appendBool(b, f)
	}
	b = appendBool(b, len(p.Streams) > 0)
	for i, s := range p.Streams {
		b = s.appendTo(b)
		b = appendBool(b, i < len(p.Streams)-1)
	}
	return b
}

func (s StreamPermissions) appendTo(b []byte) []byte {
	b = appendU32(b, s.StreamID)
	for _, f := range []bool{s.ManageStream, s.ReadStream, s.ManageTopics, s.ReadTopics,
		s.PollMessages, s.SendMessages} {
		b = appendBool(b, f)
	}
	b = appendBool(b, len(s.Topics) > 0)
	for i, t := range s.Topics {
		b = appendU32(b, t.TopicID)
		for _, f := range []bool{t.ManageTopic, t.ReadTopic, t.PollMessages, t.SendMessages} {
			b = appendBool(b, f)
		}
		b = appendBool(b, i < len(s.Topics)-1)
	}
	return b
}

// Stream returns the entry for a stream id, or nil.
func (p Permissions) Stream(id uint32) *StreamPermissions {
	for i := range p.Streams {
		if p.Streams[i].StreamID == id {
			return &p.Streams[i]
		}
	}
	return nil
}

// Topic returns the entry for a topic id, or nil.
func (s *StreamPermissions) Topic(id uint32) *TopicPermissions {
	if s == nil {
		return nil
	}
	for i := range s.Topics {
		if s.Topics[i].TopicID == id {
			return &s.Topics[i]
		}
	}
	return nil
}
