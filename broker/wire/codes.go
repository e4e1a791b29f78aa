package wire

import "strconv"

// Code is an Iggy command code, the second u32 of a request frame.
type Code uint32

// Command codes of Iggy 0.8.0. The Go SDK v0.8.0 sends 41 of them; GetMe,
// PurgeStream and PurgeTopic are decoded too because the Rust CLI uses them.
const (
	CodePing                         Code = 1
	CodeGetStats                     Code = 10
	CodeGetClusterMetadata           Code = 12
	CodeGetMe                        Code = 20
	CodeGetClient                    Code = 21
	CodeGetClients                   Code = 22
	CodeGetUser                      Code = 31
	CodeGetUsers                     Code = 32
	CodeCreateUser                   Code = 33
	CodeDeleteUser                   Code = 34
	CodeUpdateUser                   Code = 35
	CodeUpdatePermissions            Code = 36
	CodeChangePassword               Code = 37
	CodeLoginUser                    Code = 38
	CodeLogoutUser                   Code = 39
	CodeGetPersonalAccessTokens      Code = 41
	CodeCreatePersonalAccessToken    Code = 42
	CodeDeletePersonalAccessToken    Code = 43
	CodeLoginWithPersonalAccessToken Code = 44
	CodePollMessages                 Code = 100
	CodeSendMessages                 Code = 101
	CodeGetConsumerOffset            Code = 120
	CodeStoreConsumerOffset          Code = 121
	CodeDeleteConsumerOffset         Code = 122
	CodeGetStream                    Code = 200
	CodeGetStreams                   Code = 201
	CodeCreateStream                 Code = 202
	CodeDeleteStream                 Code = 203
	CodeUpdateStream                 Code = 204
	CodePurgeStream                  Code = 205
	CodeGetTopic                     Code = 300
	CodeGetTopics                    Code = 301
	CodeCreateTopic                  Code = 302
	CodeDeleteTopic                  Code = 303
	CodeUpdateTopic                  Code = 304
	CodePurgeTopic                   Code = 305
	CodeCreatePartitions             Code = 402
	CodeDeletePartitions             Code = 403
	CodeGetConsumerGroup             Code = 600
	CodeGetConsumerGroups            Code = 601
	CodeCreateConsumerGroup          Code = 602
	CodeDeleteConsumerGroup          Code = 603
	CodeJoinConsumerGroup            Code = 604
	CodeLeaveConsumerGroup           Code = 605
)

// command is one row of the code table.
type command struct {
	name   string
	decode func(d *decoder) Request
}

// commands is the code table: every code the package can decode.
var commands = map[Code]command{
	CodePing:                         {"ping", decodeEmpty(Ping{})},
	CodeGetStats:                     {"get_stats", decodeEmpty(GetStats{})},
	CodeGetClusterMetadata:           {"get_cluster_metadata", decodeEmpty(GetClusterMetadata{})},
	CodeGetMe:                        {"get_me", decodeEmpty(GetMe{})},
	CodeGetClient:                    {"get_client", decodeGetClient},
	CodeGetClients:                   {"get_clients", decodeEmpty(GetClients{})},
	CodeGetUser:                      {"get_user", decodeGetUser},
	CodeGetUsers:                     {"get_users", decodeEmpty(GetUsers{})},
	CodeCreateUser:                   {"create_user", decodeCreateUser},
	CodeDeleteUser:                   {"delete_user", decodeDeleteUser},
	CodeUpdateUser:                   {"update_user", decodeUpdateUser},
	CodeUpdatePermissions:            {"update_permissions", decodeUpdatePermissions},
	CodeChangePassword:               {"change_password", decodeChangePassword},
	CodeLoginUser:                    {"login_user", decodeLoginUser},
	CodeLogoutUser:                   {"logout_user", decodeEmpty(LogoutUser{})},
	CodeGetPersonalAccessTokens:      {"get_personal_access_tokens", decodeEmpty(GetPersonalAccessTokens{})},
	CodeCreatePersonalAccessToken:    {"create_personal_access_token", decodeCreatePAT},
	CodeDeletePersonalAccessToken:    {"delete_personal_access_token", decodeDeletePAT},
	CodeLoginWithPersonalAccessToken: {"login_with_personal_access_token", decodeLoginWithPAT},
	CodePollMessages:                 {"poll_messages", decodePollMessages},
	CodeSendMessages:                 {"send_messages", decodeSendMessages},
	CodeGetConsumerOffset:            {"get_consumer_offset", decodeGetConsumerOffset},
	CodeStoreConsumerOffset:          {"store_consumer_offset", decodeStoreConsumerOffset},
	CodeDeleteConsumerOffset:         {"delete_consumer_offset", decodeDeleteConsumerOffset},
	CodeGetStream:                    {"get_stream", decodeGetStream},
	CodeGetStreams:                   {"get_streams", decodeEmpty(GetStreams{})},
	CodeCreateStream:                 {"create_stream", decodeCreateStream},
	CodeDeleteStream:                 {"delete_stream", decodeDeleteStream},
	CodeUpdateStream:                 {"update_stream", decodeUpdateStream},
	CodePurgeStream:                  {"purge_stream", decodePurgeStream},
	CodeGetTopic:                     {"get_topic", decodeGetTopic},
	CodeGetTopics:                    {"get_topics", decodeGetTopics},
	CodeCreateTopic:                  {"create_topic", decodeCreateTopic},
	CodeDeleteTopic:                  {"delete_topic", decodeDeleteTopic},
	CodeUpdateTopic:                  {"update_topic", decodeUpdateTopic},
	CodePurgeTopic:                   {"purge_topic", decodePurgeTopic},
	CodeCreatePartitions:             {"create_partitions", decodeCreatePartitions},
	CodeDeletePartitions:             {"delete_partitions", decodeDeletePartitions},
	CodeGetConsumerGroup:             {"get_consumer_group", decodeGetConsumerGroup},
	CodeGetConsumerGroups:            {"get_consumer_groups", decodeGetConsumerGroups},
	CodeCreateConsumerGroup:          {"create_consumer_group", decodeCreateConsumerGroup},
	CodeDeleteConsumerGroup:          {"delete_consumer_group", decodeDeleteConsumerGroup},
	CodeJoinConsumerGroup:            {"join_consumer_group", decodeJoinConsumerGroup},
	CodeLeaveConsumerGroup:           {"leave_consumer_group", decodeLeaveConsumerGroup},
}

// Known reports whether the package can decode the code.
func (c Code) Known() bool {
	_, ok := commands[c]
	return ok
}

// NeedsAuth reports whether the command needs a logged-in connection. Only
// ping and the two logins work without one.
func (c Code) NeedsAuth() bool {
	switch c {
	case CodePing, CodeLoginUser, CodeLoginWithPersonalAccessToken:
		return false
	}
	return true
}

// String returns the command's snake_case name, or "code_N" for an unknown
// code.
func (c Code) String() string {
	if cmd, ok := commands[c]; ok {
		return cmd.name
	}
	return "code_" + strconv.FormatUint(uint64(c), 10)
}

// Codes returns every code the package decodes, in no particular order.
func Codes() []Code {
	out := make([]Code, 0, len(commands))
	for c := range commands {
		out = append(out, c)
	}
	return out
}
