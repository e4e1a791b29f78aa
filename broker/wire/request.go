package wire

import "github.com/iggyflow/iggyflow/broker"

// Request is a decoded request payload. AppendTo writes it back in wire
// form, so a client (or a test) can encode what a server decodes.
type Request interface {
	Code() Code
	AppendTo(b []byte) []byte
}

// DecodeRequest decodes the payload of a request with the given code.
// Errors are *broker.Error: 3 for an unknown code or a short or garbled
// payload, 4 for a validation failure, and the codes documented on each
// request type. The returned request may alias payload (SendMessages'
// frames, messages keys); copy what must outlive the payload's buffer.
func DecodeRequest(code Code, payload []byte) (Request, error) {
	cmd, ok := commands[code]
	if !ok {
		return nil, broker.ErrInvalidCommand.With("unknown command code %d", code)
	}
	d := newDecoder(payload)
	req := cmd.decode(d)
	if d.err != nil {
		return nil, d.err
	}
	return req, nil
}

// EncodeRequest returns a whole request frame for req.
func EncodeRequest(req Request) []byte {
	return AppendRequest(nil, req.Code(), req.AppendTo(nil))
}

// decodeEmpty returns a decoder for a command without a payload.
func decodeEmpty[T Request](v T) func(*decoder) Request {
	return func(*decoder) Request { return v }
}

// Commands without a payload.
type (
	// Ping (1) checks the connection; it works without login.
	Ping struct{}
	// GetStats (10) asks for server statistics.
	GetStats struct{}
	// GetClusterMetadata (12) asks for the cluster's nodes.
	GetClusterMetadata struct{}
	// GetMe (20) asks for the caller's own client details.
	GetMe struct{}
	// GetClients (22) lists connected clients.
	GetClients struct{}
	// GetUsers (32) lists users.
	GetUsers struct{}
	// LogoutUser (39) ends the connection's session.
	LogoutUser struct{}
	// GetPersonalAccessTokens (41) lists the caller's tokens.
	GetPersonalAccessTokens struct{}
	// GetStreams (201) lists streams.
	GetStreams struct{}
)

func (Ping) Code() Code                    { return CodePing }
func (GetStats) Code() Code                { return CodeGetStats }
func (GetClusterMetadata) Code() Code      { return CodeGetClusterMetadata }
func (GetMe) Code() Code                   { return CodeGetMe }
func (GetClients) Code() Code              { return CodeGetClients }
func (GetUsers) Code() Code                { return CodeGetUsers }
func (LogoutUser) Code() Code              { return CodeLogoutUser }
func (GetPersonalAccessTokens) Code() Code { return CodeGetPersonalAccessTokens }
func (GetStreams) Code() Code              { return CodeGetStreams }

func (Ping) AppendTo(b []byte) []byte                    { return b }
func (GetStats) AppendTo(b []byte) []byte                { return b }
func (GetClusterMetadata) AppendTo(b []byte) []byte      { return b }
func (GetMe) AppendTo(b []byte) []byte                   { return b }
func (GetClients) AppendTo(b []byte) []byte              { return b }
func (GetUsers) AppendTo(b []byte) []byte                { return b }
func (LogoutUser) AppendTo(b []byte) []byte              { return b }
func (GetPersonalAccessTokens) AppendTo(b []byte) []byte { return b }
func (GetStreams) AppendTo(b []byte) []byte              { return b }

// GetClient (21) asks for one client's details: [client_id u32].
type GetClient struct{ ClientID uint32 }

func (GetClient) Code() Code { return CodeGetClient }

func (r GetClient) AppendTo(b []byte) []byte { return appendU32(b, r.ClientID) }

func decodeGetClient(d *decoder) Request { return GetClient{ClientID: d.u32("client id")} }
