package iggy

import (
	"errors"
	"fmt"
)

// Errors callers may branch on.
var (
	// ErrClosed is returned by calls on a transport or consumer after
	// Shutdown or Close.
	ErrClosed = errors.New("iggy: transport closed")
	// ErrUnknownEvent is returned by Acknowledge for an event id no
	// consumer of this transport holds an unacknowledged delivery of.
	ErrUnknownEvent = errors.New("iggy: no unacknowledged delivery of this event")
	// ErrNotMine is returned by Consumer.Ack and Consumer.MoveToDLQ for a
	// delivery another consumer (or Replay) produced.
	ErrNotMine = errors.New("iggy: delivery does not belong to this consumer")
	// ErrBadOptions wraps every invalid ReplayOptions or RetryOptions.
	ErrBadOptions = errors.New("iggy: bad options")
)

// DecodeError is a received message whose payload is not an envelope.
// Delivery holds its coordinates, headers and payload (Envelope is nil);
// the message counts as delivered, so the consumer must Ack it or park it
// with Consumer.MoveToDLQ for the group to move past it.
type DecodeError struct {
	Delivery *Delivery
	Err      error
}

func (e *DecodeError) Error() string {
	d := e.Delivery
	return fmt.Sprintf("iggy: decode message at %s partition %d offset %d: %v",
		d.Topic, d.Partition, d.Offset, e.Err)
}

// Unwrap returns the codec's error.
func (e *DecodeError) Unwrap() error { return e.Err }
