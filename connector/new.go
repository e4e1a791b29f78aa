package connector

import (
	"errors"
	"fmt"
)

// ErrRemoteUnavailable is returned by New for mode remote when the Remote
// connector is not part of the build.
var ErrRemoteUnavailable = errors.New("connector: remote mode is not available in this build")

// newRemote builds the Remote connector; it stays nil until a Remote
// implementation registers itself here from its own file.
var newRemote func() Connector

// New returns an unconnected connector for mode with default options:
// NewEmbedded() for embedded. Remote mode is ErrRemoteUnavailable until the
// Remote connector is built in.
func New(mode Mode) (Connector, error) {
	switch mode {
	case ModeEmbedded:
		return NewEmbedded(), nil
	case ModeRemote:
		return NewRemote(), nil
	}
	return nil, fmt.Errorf("connector: unknown mode %q: want %q or %q", mode, ModeEmbedded, ModeRemote)
}
