package wire

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/iggyflow/iggyflow/broker"
)

// countingReader counts the bytes a FrameReader took.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// FuzzFrameDecoder feeds arbitrary bytes to a FrameReader: it must never
// panic, never hand out a payload over its limit, and every frame it
// returns must be exactly the bytes it consumed for it, so the stream stays
// in step.
func FuzzFrameDecoder(f *testing.F) {
	f.Add(AppendRequest(nil, CodePing, nil))
	f.Add(AppendRequest(AppendRequest(nil, CodeGetStream, []byte{1, 4, 7, 0, 0, 0}), CodePing, nil))
	f.Add([]byte{2, 0, 0, 0, 1, 2})
	f.Add(AppendRequest(nil, CodeCreateStream, bytes.Repeat([]byte{1}, 100)))
	f.Fuzz(func(t *testing.T, in []byte) {
		cr := &countingReader{r: bytes.NewReader(in)}
		fr := NewFrameReader(cr)
		fr.MaxPayload, fr.MaxSendPayload = 64, 256
		for {
			before := cr.n
			frame, err := fr.Next()
			var be *broker.Error
			switch {
			case errors.As(err, &be):
				if be.Code != broker.ErrInvalidCommand.Code {
					t.Fatalf("frame error code %d", be.Code)
				}
				continue
			case err != nil:
				return
			}
			if len(frame.Payload) > fr.limit(frame.Code) {
				t.Fatalf("payload of %d bytes over the limit", len(frame.Payload))
			}
			if got := AppendRequest(nil, frame.Code, frame.Payload); !bytes.Equal(got, in[before:cr.n]) {
				t.Fatalf("frame % x is not the consumed bytes % x", got, in[before:cr.n])
			}
			// Decoding must not panic either, whatever the code.
			checkDecode(t, frame.Code, frame.Payload)
		}
	})
}

// checkDecode decodes payload as code. Errors must be *broker.Error; a
// decoded request must encode to bytes that decode to the same request.
func checkDecode(t *testing.T, code Code, payload []byte) {
	t.Helper()
	req, err := DecodeRequest(code, payload)
	if err != nil {
		var be *broker.Error
		if !errors.As(err, &be) {
			t.Fatalf("%s: error %v is not a broker error", code, err)
		}
		return
	}
	enc := req.AppendTo(nil)
	again, err := DecodeRequest(code, enc)
	if err != nil {
		t.Fatalf("%s: re-encoded % x does not decode: %v", code, enc, err)
	}
	if !reflect.DeepEqual(normalize(req), normalize(again)) {
		t.Fatalf("%s: round trip\n got %#v\nwant %#v", code, again, req)
	}
}

// normalize makes nil and empty byte slices compare equal.
func normalize(r Request) Request {
	switch v := r.(type) {
	case SendMessages:
		if len(v.Partitioning.Key) == 0 {
			v.Partitioning.Key = nil
		}
		return v
	}
	return r
}

// fuzzFamily runs checkDecode with a code picked from codes by the first
// input byte.
func fuzzFamily(f *testing.F, codes []Code) {
	for _, g := range goldenRequests(f) {
		for i, c := range codes {
			if c == g.code {
				f.Add(append([]byte{byte(i)}, hx(f, g.payload)...))
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		checkDecode(t, codes[int(in[0])%len(codes)], in[1:])
	})
}

func FuzzSystemRequests(f *testing.F) {
	fuzzFamily(f, []Code{CodePing, CodeGetStats, CodeGetClusterMetadata, CodeGetMe, CodeGetClient, CodeGetClients})
}

func FuzzUserRequests(f *testing.F) {
	fuzzFamily(f, []Code{CodeGetUser, CodeGetUsers, CodeCreateUser, CodeDeleteUser, CodeUpdateUser,
		CodeUpdatePermissions, CodeChangePassword, CodeLoginUser, CodeLogoutUser,
		CodeGetPersonalAccessTokens, CodeCreatePersonalAccessToken, CodeDeletePersonalAccessToken,
		CodeLoginWithPersonalAccessToken})
}

func FuzzStreamTopicRequests(f *testing.F) {
	fuzzFamily(f, []Code{CodeGetStream, CodeGetStreams, CodeCreateStream, CodeDeleteStream, CodeUpdateStream,
		CodePurgeStream, CodeGetTopic, CodeGetTopics, CodeCreateTopic, CodeDeleteTopic, CodeUpdateTopic,
		CodePurgeTopic, CodeCreatePartitions, CodeDeletePartitions})
}

func FuzzGroupOffsetRequests(f *testing.F) {
	fuzzFamily(f, []Code{CodeGetConsumerGroup, CodeGetConsumerGroups, CodeCreateConsumerGroup,
		CodeDeleteConsumerGroup, CodeJoinConsumerGroup, CodeLeaveConsumerGroup,
		CodeGetConsumerOffset, CodeStoreConsumerOffset, CodeDeleteConsumerOffset})
}

func FuzzMessageRequests(f *testing.F) {
	fuzzFamily(f, []Code{CodeSendMessages, CodePollMessages})
}

// FuzzPermissions: a blob that decodes encodes to bytes that decode to the
// same value (flags other than 1 read as false, so bytes may differ).
func FuzzPermissions(f *testing.F) {
	f.Add(RootPermissions().Encode())
	f.Add(hx(f, `00 00 00 00 00 01 00 00 00 00 01 03000000 01 01 00 00 00 00 01 02000000 00 01 01 00 00 00`))
	f.Fuzz(func(t *testing.T, blob []byte) {
		p, err := DecodePermissions(blob)
		if err != nil {
			return
		}
		again, err := DecodePermissions(p.Encode())
		if err != nil || !reflect.DeepEqual(again, p) {
			t.Fatalf("round trip %+v -> %+v, %v", p, again, err)
		}
	})
}

// FuzzHeaders: a block that decodes encodes back to the same bytes.
func FuzzHeaders(f *testing.F) {
	f.Add(hx(f, `02 01000000 "k" 09 01000000 07`))
	f.Add(hx(f, `01 02000000 "id" 02 03000000 "abc"`))
	f.Fuzz(func(t *testing.T, block []byte) {
		hs, err := DecodeHeaders(block)
		if err != nil {
			return
		}
		if enc := AppendHeaders(nil, hs); !bytes.Equal(enc, block) {
			t.Fatalf("re-encoded % x, want % x", enc, block)
		}
	})
}

// FuzzParseMessages: frames that parse encode back to the same bytes apart
// from the checksum and reserved fields, which AppendMessage zeroes.
func FuzzParseMessages(f *testing.F) {
	f.Add(uint8(1), hx(f, helloFrame))
	f.Add(uint8(2), hx(f, helloFrame+headerFrame))
	f.Fuzz(func(t *testing.T, count uint8, frames []byte) {
		msgs, err := ParseMessages(frames, uint32(count))
		if err != nil {
			return
		}
		enc := AppendMessages(nil, msgs)
		if len(enc) != len(frames) {
			t.Fatalf("re-encoded %d bytes from %d", len(enc), len(frames))
		}
		again, err := ParseMessages(enc, uint32(count))
		if err != nil || !reflect.DeepEqual(again, msgs) {
			t.Fatalf("round trip differs: %v", err)
		}
	})
}
