package wire

import "github.com/iggyflow/iggyflow/broker"

// GroupPath names a consumer group: [stream][topic][group] identifiers.
type GroupPath struct {
	TopicPath
	Group broker.Identifier
}

func (p GroupPath) appendTo(b []byte) []byte {
	return AppendIdentifier(p.TopicPath.appendTo(b), p.Group)
}

func (d *decoder) groupPath() GroupPath {
	return GroupPath{TopicPath: d.topicPath(), Group: d.identifier("group id")}
}

// GetConsumerGroup (600): [stream][topic][group].
type GetConsumerGroup struct{ GroupPath }

// DeleteConsumerGroup (603): [stream][topic][group].
type DeleteConsumerGroup struct{ GroupPath }

// JoinConsumerGroup (604): [stream][topic][group].
type JoinConsumerGroup struct{ GroupPath }

// LeaveConsumerGroup (605): [stream][topic][group].
type LeaveConsumerGroup struct{ GroupPath }

func (GetConsumerGroup) Code() Code    { return CodeGetConsumerGroup }
func (DeleteConsumerGroup) Code() Code { return CodeDeleteConsumerGroup }
func (JoinConsumerGroup) Code() Code   { return CodeJoinConsumerGroup }
func (LeaveConsumerGroup) Code() Code  { return CodeLeaveConsumerGroup }

func (r GetConsumerGroup) AppendTo(b []byte) []byte    { return r.appendTo(b) }
func (r DeleteConsumerGroup) AppendTo(b []byte) []byte { return r.appendTo(b) }
func (r JoinConsumerGroup) AppendTo(b []byte) []byte   { return r.appendTo(b) }
func (r LeaveConsumerGroup) AppendTo(b []byte) []byte  { return r.appendTo(b) }

func decodeGetConsumerGroup(d *decoder) Request    { return GetConsumerGroup{d.groupPath()} }
func decodeDeleteConsumerGroup(d *decoder) Request { return DeleteConsumerGroup{d.groupPath()} }
func decodeJoinConsumerGroup(d *decoder) Request   { return JoinConsumerGroup{d.groupPath()} }
func decodeLeaveConsumerGroup(d *decoder) Request  { return LeaveConsumerGroup{d.groupPath()} }

// CreateConsumerGroup (602): [stream][topic][name]; 0.8.0 sends no group id.
type CreateConsumerGroup struct {
	TopicPath
	Name string
}

func (CreateConsumerGroup) Code() Code { return CodeCreateConsumerGroup }

func (r CreateConsumerGroup) AppendTo(b []byte) []byte { return appendStr8(r.appendTo(b), r.Name) }

func decodeCreateConsumerGroup(d *decoder) Request {
	return CreateConsumerGroup{TopicPath: d.topicPath(), Name: d.name("group name")}
}
