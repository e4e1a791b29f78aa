package server

import (
	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/wire"
)

// reply is a response payload in parts written back to back.
type reply = [][]byte

func one(b []byte) reply { return reply{b} }

// empty is a success without payload.
var empty reply

// dispatch routes a decoded request to its handler. The session check (40)
// has been done; handlers check permissions (41) themselves.
func (c *conn) dispatch(req wire.Request) (reply, error) {
	switch r := req.(type) {
	case wire.Ping:
		return empty, nil
	case wire.GetStats:
		return c.getStats()
	case wire.GetClusterMetadata:
		return c.clusterMetadata()
	case wire.GetMe:
		return one(wire.AppendClient(nil, c.info())), nil
	case wire.GetClient:
		return c.getClient(r)
	case wire.GetClients:
		return c.getClients()

	case wire.LoginUser:
		return c.login(r)
	case wire.LoginWithPersonalAccessToken:
		return c.loginWithToken(r)
	case wire.LogoutUser:
		c.setUser(wire.NoUser)
		return empty, nil
	case wire.GetUser:
		return c.getUser(r)
	case wire.GetUsers:
		return c.getUsers()
	case wire.CreateUser:
		return c.createUser(r)
	case wire.DeleteUser:
		return c.manageUsers(func() error { return c.srv.users.Delete(r.User) })
	case wire.UpdateUser:
		return c.manageUsers(func() error { return c.srv.users.Update(r.User, r.Username, r.Status) })
	case wire.UpdatePermissions:
		return c.manageUsers(func() error { return c.srv.users.SetPermissions(r.User, r.Permissions) })
	case wire.ChangePassword:
		return c.changePassword(r)
	case wire.GetPersonalAccessTokens:
		return c.getTokens()
	case wire.CreatePersonalAccessToken:
		return c.createToken(r)
	case wire.DeletePersonalAccessToken:
		return empty, c.srv.users.DeleteToken(c.user(), r.Name)

	case wire.GetStream:
		return c.getStream(r)
	case wire.GetStreams:
		return c.getStreams()
	case wire.CreateStream:
		return c.createStream(r)
	case wire.UpdateStream:
		return c.onStream(manageStream, r.Stream, func() error { return c.srv.broker.UpdateStream(r.Stream, r.Name) })
	case wire.DeleteStream:
		return c.onStream(manageStream, r.Stream, func() error { return c.srv.broker.DeleteStream(r.Stream) })
	case wire.PurgeStream:
		return c.onStream(manageStream, r.Stream, func() error { return c.srv.broker.PurgeStream(r.Stream) })

	case wire.GetTopic:
		return c.getTopic(r)
	case wire.GetTopics:
		return c.getTopics(r)
	case wire.CreateTopic:
		return c.createTopic(r)
	case wire.UpdateTopic:
		return c.onTopic(manageTopic, r.TopicPath, func() error {
			return c.srv.broker.UpdateTopic(r.Stream, r.Topic, r.Config(0))
		})
	case wire.DeleteTopic:
		return c.onTopic(manageTopic, r.TopicPath, func() error { return c.srv.broker.DeleteTopic(r.Stream, r.Topic) })
	case wire.PurgeTopic:
		return c.onTopic(manageTopic, r.TopicPath, func() error { return c.srv.broker.PurgeTopic(r.Stream, r.Topic) })
	case wire.CreatePartitions:
		return c.onTopic(manageTopic, r.TopicPath, func() error {
			return c.srv.broker.CreatePartitions(r.Stream, r.Topic, r.Count)
		})
	case wire.DeletePartitions:
		return c.onTopic(manageTopic, r.TopicPath, func() error {
			return c.srv.broker.DeletePartitions(r.Stream, r.Topic, r.Count)
		})

	case wire.GetConsumerGroup:
		return c.getGroup(r)
	case wire.GetConsumerGroups:
		return c.getGroups(r)
	case wire.CreateConsumerGroup:
		return c.createGroup(r)
	case wire.DeleteConsumerGroup:
		return c.onTopic(manageTopic, r.TopicPath, func() error {
			return c.srv.broker.DeleteGroup(r.Stream, r.Topic, r.Group)
		})
	case wire.JoinConsumerGroup:
		return c.joinGroup(r)
	case wire.LeaveConsumerGroup:
		return c.leaveGroup(r)

	case wire.GetConsumerOffset:
		return c.getOffset(r)
	case wire.StoreConsumerOffset:
		return c.onTopic(pollMessages, r.TopicPath, func() error {
			return c.srv.broker.StoreOffset(r.Consumer, c.id, r.Stream, r.Topic, r.Partition, r.Offset)
		})
	case wire.DeleteConsumerOffset:
		return c.onTopic(pollMessages, r.TopicPath, func() error {
			return c.srv.broker.DeleteOffset(r.Consumer, c.id, r.Stream, r.Topic, r.Partition)
		})
	case wire.SendMessages:
		return c.sendMessages(r)
	case wire.PollMessages:
		return c.pollMessages(r)
	}
	return nil, broker.ErrInvalidCommand.With("no handler for %s", req.Code())
}

// onStream runs fn after checking r on the stream; success has no payload.
func (c *conn) onStream(r right, sid broker.Identifier, fn func() error) (reply, error) {
	if err := c.allowStream(r, sid); err != nil {
		return nil, err
	}
	return empty, fn()
}

// onTopic runs fn after checking r on the topic; success has no payload.
func (c *conn) onTopic(r right, path wire.TopicPath, fn func() error) (reply, error) {
	if err := c.allowTopic(r, path); err != nil {
		return nil, err
	}
	return empty, fn()
}

// manageUsers runs fn for a caller with manage_users.
func (c *conn) manageUsers(fn func() error) (reply, error) {
	if err := c.global(manageUsers); err != nil {
		return nil, err
	}
	return empty, fn()
}
