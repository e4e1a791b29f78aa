package server

import (
	"crypto/tls"
	"log/slog"
)

// Option configures a Server.
type Option func(*Server)

// WithTLS serves TLS with cfg instead of plain TCP. Default plain TCP.
func WithTLS(cfg *tls.Config) Option { return func(s *Server) { s.tls = cfg } }

// WithLogger sets the logger for connection and handler events; it never
// receives a password or a token. Default discards everything.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithMaxFrameSize bounds the payload of every request except SendMessages,
// in bytes. Default wire.DefaultMaxPayload (10 MiB). Larger frames are
// drained and answered with error 3.
func WithMaxFrameSize(n int) Option { return func(s *Server) { s.maxPayload = n } }

// WithMaxSendFrameSize bounds the payload of a SendMessages request, in
// bytes. Default wire.DefaultMaxSendPayload (128 MiB).
func WithMaxSendFrameSize(n int) Option { return func(s *Server) { s.maxSendPayload = n } }
