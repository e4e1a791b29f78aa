package connector

import (
	"crypto/tls"
	"crypto/x509"
	"errors"

	ierror "github.com/apache/iggy/foreign/go/errors"
)

// ErrConnection is wrapped by every Remote error that comes from the
// connection rather than from an answer of the server: no address
// reachable, a connection that broke during a call, a connect that did
// not finish in time. Remote retries these itself (see WithRetryWindow);
// a caller sees one only when retrying did not help.
var ErrConnection = errors.New("connector: connection to the iggy server failed")

// ErrRemoteConfig is wrapped by Remote.Connect errors caused by the
// configuration rather than the server: no address, a protocol other than
// tcp, an unreadable CA file.
var ErrRemoteConfig = errors.New("connector: bad remote configuration")

// Codes after which the connection cannot be used again: the server
// closes it (stale client, unknown client), or the session on it is gone
// and a new login is needed (unauthenticated).
var sessionLostCodes = map[ierror.Code]bool{
	ierror.DisconnectedCode:              true,
	ierror.CannotEstablishConnectionCode: true,
	ierror.UnauthenticatedCode:           true,
	ierror.StaleClientCode:               true,
	ierror.ClientNotFoundCode:            true,
	ierror.EmptyResponseCode:             true,
	ierror.ClientShutdownCode:            true,
}

// connLost reports whether err from an SDK call means the connection is
// broken. The SDK returns the server's error codes as ierror values and
// passes socket errors through, so anything that is not an ierror value
// (io.EOF, a reset, a closed connection) is a broken connection too.
func connLost(err error) bool {
	if err == nil {
		return false
	}

	var ie ierror.IggyError
	if !errors.As(err, &ie) {
		return true
	}
	return sessionLostCodes[ie.Code()]
}

// notAssigned reports whether a StoreConsumerOffset error says the
// partition is not this member's: 5006 (not a member) or the server's 3022
// NotResolvedConsumer, which the SDK does not know and turns into the
// generic error 1.
func notAssigned(err error) bool {
	return errors.Is(err, ierror.ErrConsumerGroupMemberNotFound) || errors.Is(err, ierror.ErrError)
}

// certificateProblem reports whether a TLS handshake failed on the
// server's certificate or on a server that does not speak TLS; trying
// again would fail the same way.
func certificateProblem(err error) bool {
	var verify *tls.CertificateVerificationError
	var header tls.RecordHeaderError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &header) || errors.As(err, &unknown) ||
		errors.As(err, &host) || errors.As(err, &invalid)
}
