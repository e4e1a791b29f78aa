package connector

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"

	"github.com/apache/iggy/foreign/go/client/tcp"
)

// remoteConf is a validated RemoteConfig with what every connect needs.
type remoteConf struct {
	addrs      []string
	user, pass string
	// tls is the client TLS config of the reachability probe, nil for
	// plain TCP; sdkTLS gives the SDK the same CA file.
	tls    *tls.Config
	sdkTLS []tcp.TLSOption
	opts   remoteOptions
	log    *slog.Logger
}

// newRemoteConf checks c: at least one "host:port" address, protocol tcp
// (empty means tcp), a username, and with TLS a readable CA file when one
// is named.
func newRemoteConf(c RemoteConfig, o remoteOptions) (*remoteConf, error) {
	if c.Protocol != "" && c.Protocol != "tcp" {
		return nil, fmt.Errorf("%w: protocol %q: only \"tcp\" is supported", ErrRemoteConfig, c.Protocol)
	}
	if len(c.Addresses) == 0 {
		return nil, fmt.Errorf("%w: no address", ErrRemoteConfig)
	}
	for _, a := range c.Addresses {
		if err := checkAddress(a); err != nil {
			return nil, fmt.Errorf("%w: address %q: %w", ErrRemoteConfig, a, err)
		}
	}
	if c.Username == "" {
		return nil, fmt.Errorf("%w: username is empty", ErrRemoteConfig)
	}

	conf := &remoteConf{
		addrs: append([]string(nil), c.Addresses...), user: c.Username, pass: c.Password,
		opts: o, log: o.logger,
	}
	if !c.TLSEnabled {
		return conf, nil
	}

	if err := conf.setTLS(c); err != nil {
		return nil, err
	}
	return conf, nil
}

func checkAddress(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return err
	}
	if host == "" {
		return fmt.Errorf("no host")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port must be 1..65535")
	}
	return nil
}

// setTLS builds the probe's TLS config and the SDK's TLS options. The CA
// file is read here, once, so that a bad one is a configuration error
// rather than a connect the SDK would retry forever.
func (c *remoteConf) setTLS(rc RemoteConfig) error {
	c.tls = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: rc.TLSServerName}
	var opts []tcp.TLSOption

	if rc.TLSCAFile != "" {
		pem, err := os.ReadFile(rc.TLSCAFile)
		if err != nil {
			return fmt.Errorf("%w: read tls CA file: %w", ErrRemoteConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("%w: tls CA file %s holds no PEM certificate", ErrRemoteConfig, rc.TLSCAFile)
		}
		c.tls.RootCAs = pool
		opts = append(opts, tcp.WithTLSCAFile(rc.TLSCAFile))
	}

	c.sdkTLS = opts
	return nil
}

// tlsFor returns the probe's TLS config for addr: the configured server
// name, or the address's host as the SDK uses.
func (c *remoteConf) tlsFor(addr string) *tls.Config {
	cfg := c.tls.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(addr)
	}
	return cfg
}

// sdkOptions returns the SDK's TCP client options for addr. The server
// name is always given: the SDK's own default cuts the port off at the
// last colon, which leaves the brackets of an IPv6 host in place.
func (c *remoteConf) sdkOptions(addr string) []tcp.Option {
	opts := []tcp.Option{tcp.WithServerAddress(addr)}
	if c.tls != nil {
		tlsOpts := append(c.sdkTLS[:len(c.sdkTLS):len(c.sdkTLS)], tcp.WithTLSDomain(c.tlsFor(addr).ServerName))
		opts = append(opts, tcp.WithTLS(tlsOpts...))
	}
	return opts
}
