// Package server serves the embedded broker over Apache Iggy's 0.8.0 TCP
// binary protocol, so the official SDKs (Go SDK v0.8.0 in particular) can
// use it as they would use an Iggy server.
//
// One goroutine serves each connection, strictly request then response:
//
//	client                         server
//	[len][code][payload]  ------>  read the whole frame (drained if oversized)
//	                               decode (3 / 4 / 6 on a malformed payload)
//	                               check the session (40) and permissions (41)
//	                               call the broker or the users store
//	[status][len][payload] <-----  one response per request
//
// A connection's client id is XXH32 (seed 0) of its peer address
// "ip:port". Login binds a user to the connection; logout or disconnect
// clears it, and disconnect also leaves every consumer group the client
// joined.
//
// Permissions are enforced as Iggy's server describes them: global flags
// first, then the stream's and the topic's entries of the user's
// permissions blob. Root has every global flag. Reading or changing
// oneself (GetUser, ChangePassword, own tokens) needs no flag; cluster
// metadata is open to any logged-in user because the SDK asks for it after
// every login.
//
// Not-found rules follow the real server: GetStream, GetTopic(s),
// GetConsumerGroup(s), GetConsumerOffset, GetUser and GetClient answer an
// empty success instead of an error when the object is missing, and the
// SDK turns that into its own not-found error (or a nil offset).
package server
