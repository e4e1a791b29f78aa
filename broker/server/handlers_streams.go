package server

import (
	"errors"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/wire"
)

// notFound reports whether err is one of the given not-found errors, which
// some GETs answer with an empty success.
func notFound(err error, codes ...*broker.Error) bool {
	for _, c := range codes {
		if errors.Is(err, c) {
			return true
		}
	}
	return false
}

func (c *conn) getStream(r wire.GetStream) (reply, error) {
	if err := c.allowStream(readStream, r.Stream); err != nil {
		return nil, err
	}
	s, err := c.srv.broker.Stream(r.Stream)
	if notFound(err, broker.ErrStreamNotFound) {
		return empty, nil
	}
	if err != nil {
		return nil, err
	}
	return one(wire.AppendStreamDetails(nil, s)), nil
}

func (c *conn) getStreams() (reply, error) {
	if err := c.global(listStreams); err != nil {
		return nil, err
	}
	return one(wire.AppendStreams(nil, c.srv.broker.Streams())), nil
}

func (c *conn) createStream(r wire.CreateStream) (reply, error) {
	if err := c.global(manageStreams); err != nil {
		return nil, err
	}
	s, err := c.srv.broker.CreateStream(r.Name)
	if err != nil {
		return nil, err
	}
	return one(wire.AppendStreamHeader(nil, s)), nil
}

// getTopic answers an empty success when the stream or the topic is
// missing.
func (c *conn) getTopic(r wire.GetTopic) (reply, error) {
	if err := c.allowTopic(readTopic, r.TopicPath); err != nil {
		return nil, err
	}
	t, err := c.srv.broker.Topic(r.Stream, r.Topic)
	if notFound(err, broker.ErrStreamNotFound, broker.ErrTopicNotFound) {
		return empty, nil
	}
	if err != nil {
		return nil, err
	}
	return one(wire.AppendTopicDetails(nil, t)), nil
}

func (c *conn) getTopics(r wire.GetTopics) (reply, error) {
	if err := c.allowStream(readTopic, r.Stream); err != nil {
		return nil, err
	}
	ts, err := c.srv.broker.Topics(r.Stream)
	if notFound(err, broker.ErrStreamNotFound) {
		return empty, nil
	}
	if err != nil {
		return nil, err
	}
	return one(wire.AppendTopics(nil, ts)), nil
}

func (c *conn) createTopic(r wire.CreateTopic) (reply, error) {
	if err := c.allowStream(manageTopic, r.Stream); err != nil {
		return nil, err
	}
	t, err := c.srv.broker.CreateTopic(r.Stream, r.Config(r.Partitions))
	if err != nil {
		return nil, err
	}
	return one(wire.AppendTopicDetails(nil, t)), nil
}

// getGroup answers an empty success when the stream, topic or group is
// missing.
func (c *conn) getGroup(r wire.GetConsumerGroup) (reply, error) {
	if err := c.allowTopic(readTopic, r.TopicPath); err != nil {
		return nil, err
	}
	g, err := c.srv.broker.Group(r.Stream, r.Topic, r.Group)
	if notFound(err, broker.ErrStreamNotFound, broker.ErrTopicNotFound, broker.ErrConsumerGroupNotFound) {
		return empty, nil
	}
	if err != nil {
		return nil, err
	}
	return one(wire.AppendGroupDetails(nil, g)), nil
}

func (c *conn) getGroups(r wire.GetConsumerGroups) (reply, error) {
	if err := c.allowTopic(readTopic, r.TopicPath); err != nil {
		return nil, err
	}
	gs, err := c.srv.broker.Groups(r.Stream, r.Topic)
	if notFound(err, broker.ErrStreamNotFound, broker.ErrTopicNotFound) {
		return empty, nil
	}
	if err != nil {
		return nil, err
	}
	return one(wire.AppendGroups(nil, gs)), nil
}

func (c *conn) createGroup(r wire.CreateConsumerGroup) (reply, error) {
	if err := c.allowTopic(manageTopic, r.TopicPath); err != nil {
		return nil, err
	}
	g, err := c.srv.broker.CreateGroup(r.Stream, r.Topic, r.Name)
	if err != nil {
		return nil, err
	}
	return one(wire.AppendGroupHeader(nil, g)), nil
}

func (c *conn) joinGroup(r wire.JoinConsumerGroup) (reply, error) {
	if err := c.allowTopic(readTopic, r.TopicPath); err != nil {
		return nil, err
	}
	if err := c.srv.broker.JoinGroup(r.Stream, r.Topic, r.Group, c.id); err != nil {
		return nil, err
	}
	if g, ok := c.groupIDs(r.GroupPath); ok {
		c.joined(g, true)
	}
	return empty, nil
}

func (c *conn) leaveGroup(r wire.LeaveConsumerGroup) (reply, error) {
	if err := c.allowTopic(readTopic, r.TopicPath); err != nil {
		return nil, err
	}
	g, ok := c.groupIDs(r.GroupPath)
	if err := c.srv.broker.LeaveGroup(r.Stream, r.Topic, r.Group, c.id); err != nil {
		return nil, err
	}
	if ok {
		c.joined(g, false)
	}
	return empty, nil
}

// groupIDs resolves a group path to numeric ids for GetClient(s).
func (c *conn) groupIDs(p wire.GroupPath) (wire.ClientGroup, bool) {
	t, err := c.srv.broker.Topic(p.Stream, p.Topic)
	if err != nil {
		return wire.ClientGroup{}, false
	}
	g, err := c.srv.broker.Group(p.Stream, p.Topic, p.Group)
	if err != nil {
		return wire.ClientGroup{}, false
	}
	return wire.ClientGroup{Stream: t.StreamID, Topic: t.ID, Group: g.ID}, true
}

// getOffset answers an empty success for any error and when nothing is
// stored, as the real server does.
func (c *conn) getOffset(r wire.GetConsumerOffset) (reply, error) {
	if err := c.allowTopic(pollMessages, r.TopicPath); err != nil {
		return nil, err
	}
	info, ok, err := c.srv.broker.GetOffset(r.Consumer, c.id, r.Stream, r.Topic, r.Partition)
	if err != nil || !ok {
		return empty, nil
	}
	return one(wire.AppendOffset(nil, info)), nil
}

func (c *conn) sendMessages(r wire.SendMessages) (reply, error) {
	if err := c.allowTopic(sendMessages, r.TopicPath); err != nil {
		return nil, err
	}
	_, err := c.srv.broker.AppendFrames(r.Stream, r.Topic, r.Partitioning, r.Count, r.Frames)
	return empty, err
}

func (c *conn) pollMessages(r wire.PollMessages) (reply, error) {
	if err := c.allowTopic(pollMessages, r.TopicPath); err != nil {
		return nil, err
	}
	part, current, count, frames, err := c.srv.broker.PollFrames(r.Stream, r.Topic, broker.PollRequest{
		Consumer: r.Consumer, ClientID: c.id, Partition: r.Partition,
		Strategy: r.Strategy, Count: r.Count, AutoCommit: r.AutoCommit,
	})
	if err != nil {
		return nil, err
	}
	return reply{wire.AppendPollHeader(make([]byte, 0, wire.PollHeaderSize), part, current, count), frames}, nil
}
