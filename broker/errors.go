package broker

import (
	"errors"
	"fmt"
)

// Error is a broker error with the numeric code Iggy 0.8.0 uses for it, so
// the TCP server can answer with the code alone and errors.Is compares codes.
type Error struct {
	Code uint32
	Name string
	// Detail says which object or value the error is about; it may be empty.
	Detail string
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("broker: %s (iggy error %d)", e.Name, e.Code)
	}
	return fmt.Sprintf("broker: %s: %s (iggy error %d)", e.Name, e.Detail, e.Code)
}

// Is matches any *Error with the same code.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

// With returns a copy of e that names what it is about.
func (e *Error) With(format string, args ...any) *Error {
	c := *e
	c.Detail = fmt.Sprintf(format, args...)
	return &c
}

// CodeOf returns the Iggy error code of err, or 1 (generic error) when err
// carries none.
func CodeOf(err error) uint32 {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrGeneric.Code
}

func code(c uint32, name string) *Error { return &Error{Code: c, Name: name} }

// The Iggy error codes the broker produces. One table, numbers as in Iggy.
var (
	ErrGeneric                     = code(1, "error")
	ErrInvalidCommand              = code(3, "invalid command")
	ErrInvalidFormat               = code(4, "invalid format")
	ErrFeatureUnavailable          = code(5, "feature unavailable")
	ErrInvalidIdentifier           = code(6, "invalid identifier")
	ErrResourceNotFound            = code(20, "resource not found")
	ErrStaleClient                 = code(30, "stale client")
	ErrUnauthenticated             = code(40, "unauthenticated")
	ErrUnauthorized                = code(41, "unauthorized")
	ErrInvalidCredentials          = code(42, "invalid credentials")
	ErrInvalidUsername             = code(43, "invalid username")
	ErrInvalidPassword             = code(44, "invalid password")
	ErrUserAlreadyExists           = code(46, "user already exists")
	ErrUserInactive                = code(47, "user inactive")
	ErrCannotDeleteUser            = code(48, "cannot delete user")
	ErrCannotChangePermissions     = code(49, "cannot change permissions")
	ErrInvalidPATName              = code(50, "invalid personal access token name")
	ErrPATAlreadyExists            = code(51, "personal access token already exists")
	ErrPATLimitReached             = code(52, "personal access tokens limit reached")
	ErrInvalidPAT                  = code(53, "invalid personal access token")
	ErrPATExpired                  = code(54, "personal access token expired")
	ErrInvalidSizeBytes            = code(80, "invalid size bytes")
	ErrClientNotFound              = code(100, "client not found")
	ErrInvalidClientID             = code(101, "invalid client id")
	ErrStreamNotFound              = code(1009, "stream not found")
	ErrStreamNameExists            = code(1012, "stream name already exists")
	ErrInvalidStreamName           = code(1013, "invalid stream name")
	ErrInvalidTopicSize            = code(1019, "invalid topic size")
	ErrTopicNotFound               = code(2010, "topic not found")
	ErrTopicNameExists             = code(2013, "topic name already exists")
	ErrInvalidTopicName            = code(2014, "invalid topic name")
	ErrTooManyPartitions           = code(2015, "too many partitions")
	ErrInvalidPartitionsCount      = code(2019, "invalid partitions count")
	ErrPartitionNotFound           = code(3007, "partition not found")
	ErrConsumerOffsetNotFound      = code(3021, "consumer offset not found")
	ErrNotResolvedConsumer         = code(3022, "not resolved consumer")
	ErrInvalidMessagesCount        = code(4009, "invalid messages count")
	ErrTooBigUserHeaders           = code(4017, "too big user headers")
	ErrTooBigMessagePayload        = code(4022, "too big message payload")
	ErrInvalidMessagePayloadLen    = code(4025, "invalid message payload length")
	ErrNonZeroOffset               = code(4031, "non-zero offset")
	ErrNonZeroTimestamp            = code(4032, "non-zero timestamp")
	ErrMissingIndex                = code(4033, "missing index")
	ErrInvalidIndexesByteSize      = code(4034, "invalid indexes byte size")
	ErrInvalidIndexesCount         = code(4035, "invalid indexes count")
	ErrInvalidMessagesSize         = code(4036, "invalid messages size")
	ErrTooSmallMessage             = code(4037, "too small message")
	ErrInvalidOffset               = code(4100, "invalid offset")
	ErrConsumerGroupNotFound       = code(5000, "consumer group not found")
	ErrConsumerGroupNameExists     = code(5004, "consumer group name already exists")
	ErrInvalidConsumerGroupName    = code(5005, "invalid consumer group name")
	ErrConsumerGroupMemberNotFound = code(5006, "consumer group member not found")
	ErrCannotReadIndexPosition     = code(10011, "cannot read index position")
)

// ErrCorrupt marks storage corruption found on disk. Recovery truncates a
// corrupt tail; this error reports corruption recovery could not repair.
var ErrCorrupt = errors.New("broker: storage corrupt")
