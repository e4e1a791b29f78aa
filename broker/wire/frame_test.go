package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/iggyflow/iggyflow/broker"
)

func TestFrameReaderSequence(t *testing.T) {
	var in []byte
	in = AppendRequest(in, CodePing, nil)
	in = append(in, 0x02, 0, 0, 0, 0xaa, 0xbb)                            // length 2: below 4
	in = AppendRequest(in, CodeGetStream, hx(t, `01 04 07000000`))        // fine
	in = AppendRequest(in, CodeCreateStream, bytes.Repeat([]byte{1}, 33)) // over the limit
	in = AppendRequest(in, CodeSendMessages, bytes.Repeat([]byte{2}, 40)) // under the send limit
	in = AppendRequest(in, CodePing, nil)

	fr := NewFrameReader(bufio.NewReader(bytes.NewReader(in)))
	fr.MaxPayload, fr.MaxSendPayload = 32, 64

	expect := func(code Code, payloadLen int, wantErr bool) {
		t.Helper()
		f, err := fr.Next()
		var be *broker.Error
		if wantErr {
			if !errors.As(err, &be) || be.Code != broker.ErrInvalidCommand.Code {
				t.Fatalf("want invalid command, got %v", err)
			}
			return
		}
		if err != nil || f.Code != code || len(f.Payload) != payloadLen {
			t.Fatalf("got %v/%d bytes/%v, want %v/%d", f.Code, len(f.Payload), err, code, payloadLen)
		}
	}
	expect(CodePing, 0, false)
	expect(0, 0, true)
	expect(CodeGetStream, 6, false)
	expect(0, 0, true)
	expect(CodeSendMessages, 40, false)
	expect(CodePing, 0, false)
	if _, err := fr.Next(); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
}

func TestFrameReaderTruncated(t *testing.T) {
	full := AppendRequest(nil, CodeGetStream, hx(t, `01 04 07000000`))
	for n := 1; n < len(full); n++ {
		fr := NewFrameReader(bytes.NewReader(full[:n]))
		if _, err := fr.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("cut at %d: %v, want unexpected EOF", n, err)
		}
	}
	over := AppendRequest(nil, CodeGetStream, make([]byte, 100))
	fr := NewFrameReader(bytes.NewReader(over[:50]))
	fr.MaxPayload = 10
	if _, err := fr.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("oversized and cut: %v", err)
	}
}

func TestFrameReaderGivesBigBufferBack(t *testing.T) {
	var in []byte
	in = AppendRequest(in, CodeSendMessages, make([]byte, bigBuffer+1))
	in = AppendRequest(in, CodePing, nil)
	fr := NewFrameReader(bytes.NewReader(in))
	if _, err := fr.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := fr.Next(); err != nil {
		t.Fatal(err)
	}
	if cap(fr.buf) > bigBuffer {
		t.Fatalf("buffer of %d bytes kept after a small frame", cap(fr.buf))
	}
}

func TestWriteResponses(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteError(&buf, broker.ErrStreamNotFound.Code); err != nil {
		t.Fatal(err)
	}
	if err := WriteResponse(&buf); err != nil {
		t.Fatal(err)
	}
	if err := WriteResponse(&buf, []byte{1, 2}, []byte{3}); err != nil {
		t.Fatal(err)
	}
	want := hx(t, `f1030000 00000000  00000000 00000000  00000000 03000000 010203`)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("\n got % x\nwant % x", buf.Bytes(), want)
	}
	if err := WriteResponse(&buf, []byte{9}); !errors.Is(err, ErrOneBytePayload) {
		t.Fatalf("one-byte payload: %v", err)
	}

	status, payload, err := ReadResponse(bytes.NewReader(want[16:]), 10)
	if err != nil || status != 0 || !bytes.Equal(payload, []byte{1, 2, 3}) {
		t.Fatalf("read back %d % x %v", status, payload, err)
	}
	if _, _, err := ReadResponse(bytes.NewReader(want[16:]), 2); err == nil {
		t.Fatal("payload over the limit read")
	}
}

// TestSpecExamples checks the byte examples of the protocol description.
func TestSpecExamples(t *testing.T) {
	if got := EncodeRequest(Ping{}); !bytes.Equal(got, hx(t, `04 00 00 00 01 00 00 00`)) {
		t.Errorf("ping % x", got)
	}
	if got := EncodeRequest(GetStream{Stream: broker.ByID(7)}); !bytes.Equal(got,
		hx(t, `0a 00 00 00 c8 00 00 00 01 04 07 00 00 00`)) {
		t.Errorf("get stream % x", got)
	}
	if got := EncodeRequest(CreateStream{Name: "ab"}); !bytes.Equal(got, hx(t, `07 00 00 00 ca 00 00 00 02 61 62`)) {
		t.Errorf("create stream % x", got)
	}
}

func TestCodeTable(t *testing.T) {
	if len(Codes()) != 44 {
		t.Fatalf("%d codes, want the SDK's 41 plus get_me, purge_stream, purge_topic", len(Codes()))
	}
	for _, c := range []Code{CodePing, CodeLoginUser, CodeLoginWithPersonalAccessToken} {
		if c.NeedsAuth() {
			t.Errorf("%s needs auth", c)
		}
	}
	if !CodeGetStats.NeedsAuth() || !CodeSendMessages.NeedsAuth() {
		t.Error("authenticated commands open")
	}
	if Code(40).Known() || Code(40).String() != "code_40" || CodeSendMessages.String() != "send_messages" {
		t.Error("code names")
	}
}
