// Package users keeps the embedded broker's users and personal access
// tokens (PATs) in one JSON file under the broker's data directory.
//
// File layout (users.json, replaced atomically: temp file, fsync, rename,
// fsync of the directory):
//
//	{
//	  "version": 1,
//	  "free_ids": [3, 2],          // freed user ids, reused last-in first-out
//	  "next_id": 4,                // next never-used id
//	  "users": [{"id": 0, "username": "iggy", "status": 1,
//	             "created_at": 1700000000000000,          // µs since epoch
//	             "password": "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>",
//	             "permissions": "<base64 Iggy permissions blob>"}],
//	  "tokens": [{"user_id": 0, "name": "ci", "expiry_at": 0,
//	              "hash": "<hex BLAKE3-256 of the token>"}]
//	}
//
// Passwords are kept only as argon2id hashes with a random 16-byte salt, in
// the PHC string form, so the cost parameters travel with each hash. Tokens
// are 50 random bytes in standard base64 with padding (68 characters), shown
// once when created; only their BLAKE3-256 hash is stored. Nothing in this
// package logs a password or a token.
//
// At most Options.MaxConcurrentHashes argon2id computations (default one
// per CPU) run at a time; further logins, password changes and creates
// queue for a slot, so a storm of wrong passwords costs at most that many
// times Argon2.Memory and not one hash's memory per connection.
//
// The root user has id 0 and cannot be deleted or have its permissions
// changed; other users take ids from 1, reusing the most recently freed id
// first, as Iggy's server does. Errors are *broker.Error values with Iggy's
// codes (42 invalid credentials, 43/44 bad username/password length, 46
// duplicate, 47 inactive, 48/49 root protection, 50-54 tokens, 20 not
// found), so a protocol server can answer with the code alone.
package users
