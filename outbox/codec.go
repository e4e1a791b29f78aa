package outbox

import (
	"context"
	"errors"
	"reflect"

	"github.com/iggyflow/iggyflow/events"
)

// Codec turns an envelope into the payload stored in sys_events and back.
// events.JSON satisfies it and is the default: the payload column holds
// the envelope in RusToK's JSON form.
type Codec interface {
	Marshal(env *events.Envelope) ([]byte, error)
	Unmarshal(data []byte) (*events.Envelope, error)
}

// DeadLetterer is implemented by transports that have a dead-letter
// queue. When a row runs out of attempts the relay parks it as failed and,
// if the transport is a DeadLetterer, hands it the envelope with the last
// error as reason.
type DeadLetterer interface {
	MoveToDLQ(ctx context.Context, env *events.Envelope, reason string) error
}

// ErrNilTx is returned (wrapped) by PublishInTx when it is given no
// transaction: an event is only ever written inside the caller's one.
var ErrNilTx = errors.New("outbox: nil transaction")

// isNil reports whether tx is nil, including a typed nil such as a nil
// *sql.Tx held in the interface.
func isNil(tx Tx) bool {
	if tx == nil {
		return true
	}
	v := reflect.ValueOf(tx)
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}
