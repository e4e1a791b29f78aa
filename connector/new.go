package connector

import (
	"fmt"
	"log/slog"
)

// New returns an unconnected connector for mode: NewEmbedded or NewRemote
// with default options and the given logger (nil discards).
func New(mode Mode, logger *slog.Logger) (Connector, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	switch mode {
	case ModeEmbedded:
		return NewEmbedded(WithLogger(logger)), nil
	case ModeRemote:
		return NewRemote(WithRemoteLogger(logger)), nil
	}
	return nil, fmt.Errorf("connector: unknown mode %q: want %q or %q", mode, ModeEmbedded, ModeRemote)
}
