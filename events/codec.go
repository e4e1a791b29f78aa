package events

import (
	"errors"
	"fmt"
	"strings"
)

// Codec turns envelopes into bytes and back. Implementations are safe for
// concurrent use.
type Codec interface {
	// Name is the configuration name: "json" or "messagepack".
	Name() string
	// ContentType is the media type written in a message header.
	ContentType() string
	// Marshal encodes env. It fails on a nil envelope or event, a
	// timestamp outside years 0-9999, or an event whose struct the codecs
	// cannot carry; it does not validate (call Envelope.Validate).
	Marshal(env *Envelope) ([]byte, error)
	// Unmarshal decodes one envelope. An unknown variant decodes to a
	// *RawEvent; malformed input is a *DecodeError naming the member at
	// fault. It never panics.
	Unmarshal(data []byte) (*Envelope, error)
}

// Content types of the two codecs.
const (
	ContentTypeJSON        = "application/json"
	ContentTypeMessagePack = "application/msgpack"
)

// The codecs over DefaultRegistry.
var (
	// JSON writes RusToK's serde_json form of an envelope.
	JSON Codec = NewJSONCodec(DefaultRegistry)
	// MessagePack writes RusToK's rmp-serde named form of an envelope.
	MessagePack Codec = NewMessagePackCodec(DefaultRegistry)
)

// ErrUnknownCodec is returned by CodecByName and CodecByContentType.
var ErrUnknownCodec = errors.New("events: unknown codec")

// CodecByName returns JSON for "json" and MessagePack for "messagepack"
// (the serialization values of the configuration file).
func CodecByName(name string) (Codec, error) {
	switch name {
	case "json":
		return JSON, nil
	case "messagepack":
		return MessagePack, nil
	}
	return nil, fmt.Errorf("%w %q: want \"json\" or \"messagepack\"", ErrUnknownCodec, name)
}

// CodecByContentType returns the codec whose ContentType is ct, ignoring
// case and parameters such as "; charset=utf-8".
func CodecByContentType(ct string) (Codec, error) {
	base, _, _ := strings.Cut(ct, ";")
	switch strings.ToLower(strings.TrimSpace(base)) {
	case ContentTypeJSON:
		return JSON, nil
	case ContentTypeMessagePack, "application/x-msgpack", "application/vnd.msgpack":
		return MessagePack, nil
	}
	return nil, fmt.Errorf("%w for content type %q", ErrUnknownCodec, ct)
}

// DecodeError reports input that is not a valid envelope.
type DecodeError struct {
	// Codec is "json" or "messagepack".
	Codec string
	// Path names the member at fault, such as "event.data.total"; it is
	// empty when the input as a whole is malformed.
	Path string
	// Err says what is wrong.
	Err error
}

// Error names the codec and the member.
func (e *DecodeError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("events: %s: decode envelope: %v", e.Codec, e.Err)
	}
	return fmt.Sprintf("events: %s: decode %s: %v", e.Codec, e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// errMissing and errDuplicate describe members absent or given twice.
var (
	errMissing   = errors.New("missing field")
	errDuplicate = errors.New("duplicate field")
)
