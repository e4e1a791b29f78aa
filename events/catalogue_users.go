package events

import (
	"strings"

	"github.com/google/uuid"
)

// RusToK events of users.

// UserRegistered reports that a user signed up.
// Its event type is "user.registered".
type UserRegistered struct {
	// UserID identifies the user.
	UserID uuid.UUID `json:"user_id"`
	// Email is the address the user registered with.
	Email string `json:"email"`
}

// EventType returns "user.registered".
func (*UserRegistered) EventType() string { return "user.registered" }

// Variant returns "UserRegistered".
func (*UserRegistered) Variant() string { return "UserRegistered" }

// SchemaVersion returns 1.
func (*UserRegistered) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: user_id not nil; email not blank, at most
// 255 bytes, containing '@' and '.'.
func (e *UserRegistered) Validate() error {
	return firstError(
		notNilUUID("user_id", e.UserID),
		notEmpty("email", e.Email),
		maxLength("email", e.Email, 255),
		invalidWhen(!strings.Contains(e.Email, "@") || !strings.Contains(e.Email, "."),
			"email", "invalid email format"),
	)
}

// UserLoggedIn reports that a user logged in.
// Its event type is "user.logged_in".
type UserLoggedIn struct {
	// UserID identifies the user.
	UserID uuid.UUID `json:"user_id"`
}

// EventType returns "user.logged_in".
func (*UserLoggedIn) EventType() string { return "user.logged_in" }

// Variant returns "UserLoggedIn".
func (*UserLoggedIn) Variant() string { return "UserLoggedIn" }

// SchemaVersion returns 1.
func (*UserLoggedIn) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: user_id not nil.
func (e *UserLoggedIn) Validate() error {
	return firstError(
		notNilUUID("user_id", e.UserID),
	)
}

// UserUpdated reports that a user's profile changed.
// Its event type is "user.updated".
type UserUpdated struct {
	// UserID identifies the user.
	UserID uuid.UUID `json:"user_id"`
}

// EventType returns "user.updated".
func (*UserUpdated) EventType() string { return "user.updated" }

// Variant returns "UserUpdated".
func (*UserUpdated) Variant() string { return "UserUpdated" }

// SchemaVersion returns 1.
func (*UserUpdated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: user_id not nil.
func (e *UserUpdated) Validate() error {
	return firstError(
		notNilUUID("user_id", e.UserID),
	)
}

// UserDeleted reports that a user was deleted.
// Its event type is "user.deleted".
type UserDeleted struct {
	// UserID identifies the user.
	UserID uuid.UUID `json:"user_id"`
}

// EventType returns "user.deleted".
func (*UserDeleted) EventType() string { return "user.deleted" }

// Variant returns "UserDeleted".
func (*UserDeleted) Variant() string { return "UserDeleted" }

// SchemaVersion returns 1.
func (*UserDeleted) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: user_id not nil.
func (e *UserDeleted) Validate() error {
	return firstError(
		notNilUUID("user_id", e.UserID),
	)
}
