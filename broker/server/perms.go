package server

import (
	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/wire"
)

// right is what a request needs on a stream or topic.
type right uint8

const (
	readStream right = iota
	manageStream
	readTopic
	manageTopic
	pollMessages
	sendMessages
)

func (r right) global(g wire.GlobalPermissions) bool {
	switch r {
	case readStream:
		return g.ReadStreams || g.ManageStreams
	case manageStream:
		return g.ManageStreams
	case readTopic:
		return g.ReadTopics || g.ManageTopics || g.ReadStreams || g.ManageStreams
	case manageTopic:
		return g.ManageTopics || g.ManageStreams
	case pollMessages:
		return g.PollMessages || g.ReadTopics || g.ManageTopics || g.ReadStreams || g.ManageStreams
	case sendMessages:
		return g.SendMessages || g.ManageTopics || g.ManageStreams
	}
	return false
}

func (r right) stream(s *wire.StreamPermissions) bool {
	if s == nil {
		return false
	}
	switch r {
	case readStream:
		return s.ReadStream || s.ManageStream
	case manageStream:
		return s.ManageStream
	case readTopic:
		return s.ReadTopics || s.ManageTopics || s.ReadStream || s.ManageStream
	case manageTopic:
		return s.ManageTopics || s.ManageStream
	case pollMessages:
		return s.PollMessages || s.ReadTopics || s.ManageTopics || s.ReadStream || s.ManageStream
	case sendMessages:
		return s.SendMessages || s.ManageTopics || s.ManageStream
	}
	return false
}

func (r right) topic(t *wire.TopicPermissions) bool {
	if t == nil {
		return false
	}
	switch r {
	case readTopic:
		return t.ReadTopic || t.ManageTopic
	case manageTopic:
		return t.ManageTopic
	case pollMessages:
		return t.PollMessages || t.ReadTopic || t.ManageTopic
	case sendMessages:
		return t.SendMessages || t.ManageTopic
	}
	return false
}

// permissions returns the logged-in user's decoded permissions, read from
// the store on each call so changes apply to open sessions at once. A user
// deleted since login is unauthenticated (40).
func (c *conn) permissions() (wire.Permissions, error) {
	u, ok := c.srv.users.Get(broker.ByID(c.user()))
	if !ok {
		c.setUser(wire.NoUser)
		return wire.Permissions{}, broker.ErrUnauthenticated
	}
	if u.Permissions == nil {
		return wire.Permissions{}, nil
	}
	p, err := wire.DecodePermissions(u.Permissions)
	if err != nil {
		return wire.Permissions{}, nil
	}
	return p, nil
}

// global checks a server-wide flag.
func (c *conn) global(ok func(wire.GlobalPermissions) bool) error {
	p, err := c.permissions()
	if err != nil {
		return err
	}
	if !ok(p.Global) {
		return broker.ErrUnauthorized
	}
	return nil
}

func readServers(g wire.GlobalPermissions) bool   { return g.ReadServers || g.ManageServers }
func readUsers(g wire.GlobalPermissions) bool     { return g.ReadUsers || g.ManageUsers }
func manageUsers(g wire.GlobalPermissions) bool   { return g.ManageUsers }
func manageStreams(g wire.GlobalPermissions) bool { return g.ManageStreams }
func listStreams(g wire.GlobalPermissions) bool   { return g.ReadStreams || g.ManageStreams }

// allowStream checks r on a stream. An unknown stream passes, so the
// handler answers its own not-found code.
func (c *conn) allowStream(r right, sid broker.Identifier) error {
	p, err := c.permissions()
	if err != nil || r.global(p.Global) {
		return err
	}
	s, err := c.srv.broker.Stream(sid)
	if err != nil {
		return nil
	}
	if r.stream(p.Stream(s.ID)) {
		return nil
	}
	return broker.ErrUnauthorized
}

// allowTopic checks r on a topic: global flags, then the stream's entry,
// then the topic's. An unknown stream or topic passes, so the handler
// answers its own not-found code.
func (c *conn) allowTopic(r right, path wire.TopicPath) error {
	p, err := c.permissions()
	if err != nil || r.global(p.Global) {
		return err
	}
	t, err := c.srv.broker.Topic(path.Stream, path.Topic)
	if err != nil {
		return nil
	}
	sp := p.Stream(t.StreamID)
	if r.stream(sp) || r.topic(sp.Topic(t.ID)) {
		return nil
	}
	return broker.ErrUnauthorized
}

// self reports whether id names the logged-in user.
func (c *conn) self(id broker.Identifier) bool {
	u, ok := c.srv.users.Get(id)
	return ok && u.ID == c.user()
}
