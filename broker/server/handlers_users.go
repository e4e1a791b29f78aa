package server

import (
	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/users"
	"github.com/iggyflow/iggyflow/broker/wire"
)

func (c *conn) login(r wire.LoginUser) (reply, error) {
	u, err := c.srv.users.Authenticate(r.Username, r.Password)
	if err != nil {
		c.srv.log.Info("server: login refused", "client_id", c.id, "username", r.Username,
			"code", broker.CodeOf(err))
		return nil, err
	}
	c.setUser(u.ID)
	return one(wire.AppendIdentity(nil, u.ID)), nil
}

func (c *conn) loginWithToken(r wire.LoginWithPersonalAccessToken) (reply, error) {
	u, err := c.srv.users.AuthenticateToken(r.Token)
	if err != nil {
		c.srv.log.Info("server: token login refused", "client_id", c.id, "code", broker.CodeOf(err))
		return nil, err
	}
	c.setUser(u.ID)
	return one(wire.AppendIdentity(nil, u.ID)), nil
}

// getUser answers an empty success for an unknown user. Reading oneself
// needs no permission.
func (c *conn) getUser(r wire.GetUser) (reply, error) {
	if !c.self(r.User) {
		if err := c.global(readUsers); err != nil {
			return nil, err
		}
	}
	u, ok := c.srv.users.Get(r.User)
	if !ok {
		return empty, nil
	}
	return one(wire.AppendUserDetails(nil, userInfo(u))), nil
}

func (c *conn) getUsers() (reply, error) {
	if err := c.global(readUsers); err != nil {
		return nil, err
	}
	var b []byte
	for _, u := range c.srv.users.List() {
		b = wire.AppendUserHeader(b, userInfo(u))
	}
	return one(b), nil
}

func (c *conn) createUser(r wire.CreateUser) (reply, error) {
	if err := c.global(manageUsers); err != nil {
		return nil, err
	}
	u, err := c.srv.users.Create(r.Username, r.Password, r.Status, r.Permissions)
	if err != nil {
		return nil, err
	}
	return one(wire.AppendUserDetails(nil, userInfo(u))), nil
}

// changePassword lets users change their own password; changing someone
// else's needs manage_users, and the current password is checked either way.
func (c *conn) changePassword(r wire.ChangePassword) (reply, error) {
	if !c.self(r.User) {
		if err := c.global(manageUsers); err != nil {
			return nil, err
		}
	}
	return empty, c.srv.users.ChangePassword(r.User, r.CurrentPassword, r.NewPassword)
}

func (c *conn) getTokens() (reply, error) {
	var infos []wire.TokenInfo
	for _, t := range c.srv.users.Tokens(c.user()) {
		infos = append(infos, wire.TokenInfo{Name: t.Name, ExpiryAt: t.ExpiryAt})
	}
	return one(wire.AppendTokens(nil, infos)), nil
}

func (c *conn) createToken(r wire.CreatePersonalAccessToken) (reply, error) {
	tok, err := c.srv.users.CreateToken(c.user(), r.Name, r.Expiry)
	if err != nil {
		return nil, err
	}
	return one(wire.AppendRawToken(nil, tok)), nil
}

func userInfo(u users.User) wire.UserInfo {
	return wire.UserInfo{ID: u.ID, CreatedAt: u.CreatedAt, Status: u.Status, Username: u.Username,
		Permissions: u.Permissions}
}
