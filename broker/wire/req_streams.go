package wire

import "github.com/iggyflow/iggyflow/broker"

// GetStream (200): [stream identifier].
type GetStream struct{ Stream broker.Identifier }

// DeleteStream (203): [stream identifier].
type DeleteStream struct{ Stream broker.Identifier }

// PurgeStream (205): [stream identifier].
type PurgeStream struct{ Stream broker.Identifier }

// GetTopics (301): [stream identifier].
type GetTopics struct{ Stream broker.Identifier }

func (GetStream) Code() Code    { return CodeGetStream }
func (DeleteStream) Code() Code { return CodeDeleteStream }
func (PurgeStream) Code() Code  { return CodePurgeStream }
func (GetTopics) Code() Code    { return CodeGetTopics }

func (r GetStream) AppendTo(b []byte) []byte    { return AppendIdentifier(b, r.Stream) }
func (r DeleteStream) AppendTo(b []byte) []byte { return AppendIdentifier(b, r.Stream) }
func (r PurgeStream) AppendTo(b []byte) []byte  { return AppendIdentifier(b, r.Stream) }
func (r GetTopics) AppendTo(b []byte) []byte    { return AppendIdentifier(b, r.Stream) }

func decodeGetStream(d *decoder) Request    { return GetStream{Stream: d.identifier("stream id")} }
func decodeDeleteStream(d *decoder) Request { return DeleteStream{Stream: d.identifier("stream id")} }
func decodePurgeStream(d *decoder) Request  { return PurgeStream{Stream: d.identifier("stream id")} }
func decodeGetTopics(d *decoder) Request    { return GetTopics{Stream: d.identifier("stream id")} }

// CreateStream (202): [name].
type CreateStream struct{ Name string }

func (CreateStream) Code() Code { return CodeCreateStream }

func (r CreateStream) AppendTo(b []byte) []byte { return appendStr8(b, r.Name) }

func decodeCreateStream(d *decoder) Request { return CreateStream{Name: d.name("stream name")} }

// UpdateStream (204): [stream identifier][name].
type UpdateStream struct {
	Stream broker.Identifier
	Name   string
}

func (UpdateStream) Code() Code { return CodeUpdateStream }

func (r UpdateStream) AppendTo(b []byte) []byte {
	return appendStr8(AppendIdentifier(b, r.Stream), r.Name)
}

func decodeUpdateStream(d *decoder) Request {
	return UpdateStream{Stream: d.identifier("stream id"), Name: d.name("stream name")}
}
