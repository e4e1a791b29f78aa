package wire

import "github.com/iggyflow/iggyflow/broker"

// User status bytes on the wire.
const (
	UserActive   uint8 = 1
	UserInactive uint8 = 2
)

// GetUser (31): [identifier].
type GetUser struct{ User broker.Identifier }

// DeleteUser (34): [identifier].
type DeleteUser struct{ User broker.Identifier }

func (GetUser) Code() Code    { return CodeGetUser }
func (DeleteUser) Code() Code { return CodeDeleteUser }

func (r GetUser) AppendTo(b []byte) []byte    { return AppendIdentifier(b, r.User) }
func (r DeleteUser) AppendTo(b []byte) []byte { return AppendIdentifier(b, r.User) }

func decodeGetUser(d *decoder) Request    { return GetUser{User: d.identifier("user id")} }
func decodeDeleteUser(d *decoder) Request { return DeleteUser{User: d.identifier("user id")} }

// CreateUser (33): [username str8][password str8][status u8]
// [has_permissions u8]([perm_len u32][permissions blob]). Lengths are not
// checked here (the users store answers 43/44); a status other than 1 or 2
// is 3, a permissions blob that does not fill perm_len exactly is 4.
type CreateUser struct {
	Username string
	Password string
	Status   uint8
	// Permissions is the encoded permissions blob, nil when absent.
	Permissions []byte
}

func (CreateUser) Code() Code { return CodeCreateUser }

func (r CreateUser) AppendTo(b []byte) []byte {
	b = appendStr8(b, r.Username)
	b = appendStr8(b, r.Password)
	b = append(b, r.Status)
	return appendOptionalPermissions(b, r.Permissions)
}

func decodeCreateUser(d *decoder) Request {
	r := CreateUser{Username: d.str8("username"), Password: d.str8("password")}
	r.Status = d.status()
	r.Permissions = d.optionalPermissions()
	return r
}

// UpdateUser (35): [identifier][has_username u8]([username str8])
// [has_status u8]([status u8]).
type UpdateUser struct {
	User     broker.Identifier
	Username *string
	Status   *uint8
}

func (UpdateUser) Code() Code { return CodeUpdateUser }

func (r UpdateUser) AppendTo(b []byte) []byte {
	b = AppendIdentifier(b, r.User)
	if r.Username == nil {
		b = append(b, 0)
	} else {
		b = appendStr8(append(b, 1), *r.Username)
	}
	if r.Status == nil {
		return append(b, 0)
	}
	return append(b, 1, *r.Status)
}

func decodeUpdateUser(d *decoder) Request {
	r := UpdateUser{User: d.identifier("user id")}
	if d.u8("has username") == 1 {
		name := d.str8("username")
		r.Username = &name
	}
	if d.u8("has status") == 1 {
		s := d.status()
		r.Status = &s
	}
	return r
}

// UpdatePermissions (36): [identifier][has_permissions u8]([perm_len u32]
// [blob]). No permissions clears them.
type UpdatePermissions struct {
	User        broker.Identifier
	Permissions []byte
}

func (UpdatePermissions) Code() Code { return CodeUpdatePermissions }

func (r UpdatePermissions) AppendTo(b []byte) []byte {
	return appendOptionalPermissions(AppendIdentifier(b, r.User), r.Permissions)
}

func decodeUpdatePermissions(d *decoder) Request {
	r := UpdatePermissions{User: d.identifier("user id")}
	r.Permissions = d.optionalPermissions()
	return r
}

// ChangePassword (37): [identifier][current str8][new str8].
type ChangePassword struct {
	User            broker.Identifier
	CurrentPassword string
	NewPassword     string
}

func (ChangePassword) Code() Code { return CodeChangePassword }

func (r ChangePassword) AppendTo(b []byte) []byte {
	b = AppendIdentifier(b, r.User)
	b = appendStr8(b, r.CurrentPassword)
	return appendStr8(b, r.NewPassword)
}

func decodeChangePassword(d *decoder) Request {
	return ChangePassword{
		User:            d.identifier("user id"),
		CurrentPassword: d.str8("current password"),
		NewPassword:     d.str8("new password"),
	}
}

// LoginUser (38): [username str8][password str8][version str32]
// [context str32]. The server ignores version and context; a payload that
// ends after the password is accepted with both empty.
type LoginUser struct {
	Username string
	Password string
	Version  string
	Context  string
}

func (LoginUser) Code() Code { return CodeLoginUser }

func (r LoginUser) AppendTo(b []byte) []byte {
	b = appendStr8(b, r.Username)
	b = appendStr8(b, r.Password)
	b = appendStr32(b, r.Version)
	return appendStr32(b, r.Context)
}

func decodeLoginUser(d *decoder) Request {
	r := LoginUser{Username: d.str8("username"), Password: d.str8("password")}
	if d.err == nil && d.remaining() > 0 {
		r.Version = d.str32("version")
		r.Context = d.str32("context")
	}
	return r
}

// CreatePersonalAccessToken (42): [name str8][expiry u64], expiry in µs
// from now, 0 server default, math.MaxUint64 never. The Go SDK puts its
// u32 expiry in the high half of the u64; it is read as the real server
// reads it.
type CreatePersonalAccessToken struct {
	Name   string
	Expiry uint64
}

func (CreatePersonalAccessToken) Code() Code { return CodeCreatePersonalAccessToken }

func (r CreatePersonalAccessToken) AppendTo(b []byte) []byte {
	return appendU64(appendStr8(b, r.Name), r.Expiry)
}

func decodeCreatePAT(d *decoder) Request {
	return CreatePersonalAccessToken{Name: d.str8("token name"), Expiry: d.u64("expiry")}
}

// DeletePersonalAccessToken (43): [name str8].
type DeletePersonalAccessToken struct{ Name string }

func (DeletePersonalAccessToken) Code() Code { return CodeDeletePersonalAccessToken }

func (r DeletePersonalAccessToken) AppendTo(b []byte) []byte { return appendStr8(b, r.Name) }

func decodeDeletePAT(d *decoder) Request {
	return DeletePersonalAccessToken{Name: d.str8("token name")}
}

// LoginWithPersonalAccessToken (44): [token str8].
type LoginWithPersonalAccessToken struct{ Token string }

func (LoginWithPersonalAccessToken) Code() Code { return CodeLoginWithPersonalAccessToken }

func (r LoginWithPersonalAccessToken) AppendTo(b []byte) []byte { return appendStr8(b, r.Token) }

func decodeLoginWithPAT(d *decoder) Request {
	return LoginWithPersonalAccessToken{Token: d.str8("token")}
}

// status reads a user status byte: 1 active, 2 inactive, others are 3.
func (d *decoder) status() uint8 {
	s := d.u8("user status")
	if d.err == nil && s != UserActive && s != UserInactive {
		d.fail(broker.ErrInvalidCommand, "user status %d", s)
	}
	return s
}

// optionalPermissions reads [has u8]([len u32][blob]) and checks that the
// blob is well formed and exactly len bytes long. It returns a copy.
func (d *decoder) optionalPermissions() []byte {
	if d.u8("has permissions") != 1 {
		return nil
	}
	n := d.u32("permissions length")
	if d.err == nil && int64(n) > int64(d.remaining()) {
		d.fail(broker.ErrInvalidCommand, "permissions length %d, %d bytes left", n, d.remaining())
	}
	blob := d.take(int(n), "permissions")
	if d.err != nil {
		return nil
	}
	used, err := permissionsSize(blob)
	if err != nil || used != len(blob) {
		d.fail(broker.ErrInvalidFormat, "permissions blob of %d bytes does not match its length %d", used, n)
		return nil
	}
	return append([]byte(nil), blob...)
}

func appendOptionalPermissions(b, blob []byte) []byte {
	if blob == nil {
		return append(b, 0)
	}
	b = appendU32(append(b, 1), uint32(len(blob)))
	return append(b, blob...)
}
