package wire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"

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

// TestFrameReaderAllocatesOnlyWhatArrives covers memory exhaustion before
// login: the reader allocated the whole declared payload as soon as it
// read the header, so a header claiming 100 MiB followed by a few bytes
// cost 100 MiB per connection. What it allocates must follow the bytes
// that arrived.
func TestFrameReaderAllocatesOnlyWhatArrives(t *testing.T) {
	in := binary.LittleEndian.AppendUint32(nil, 100<<20+4)
	in = binary.LittleEndian.AppendUint32(in, uint32(CodeSendMessages))
	in = append(in, "a few bytes"...)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := NewFrameReader(bytes.NewReader(in)).Next()
	runtime.ReadMemStats(&after)

	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Next = %v, want unexpected EOF", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Fatalf("a 100 MiB header with 11 bytes behind it allocated %d bytes", got)
	}
}

// TestFrameReaderGrowsToWholeFrames checks that payloads arriving in
// small reads, larger than the buffer so far, come out whole and in order.
func TestFrameReaderGrowsToWholeFrames(t *testing.T) {
	var payloads [][]byte
	var in []byte
	for i, n := range []int{10, firstGrowth + 1, 3*firstGrowth + 7, 100, 1<<20 + 3} {
		p := make([]byte, n)
		for j := range p {
			p[j] = byte(i*31 + j*7)
		}
		payloads = append(payloads, p)
		in = AppendRequest(in, CodeSendMessages, p)
	}

	fr := NewFrameReader(iotest.HalfReader(bytes.NewReader(in)))
	for i, want := range payloads {
		f, err := fr.Next()
		if err != nil || f.Code != CodeSendMessages || !bytes.Equal(f.Payload, want) {
			t.Fatalf("frame %d: %v, %d bytes (want %d), equal %v", i, err, len(f.Payload), len(want),
				bytes.Equal(f.Payload, want))
		}
	}
	if _, err := fr.Next(); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
}

// Regression: after one large frame a reader kept its buffer until a much
// smaller frame came, so a connection that went quiet after a 120 MiB batch
// pinned 120 MiB. Shrink drops a big buffer and keeps a small one.
func TestFrameReaderShrinkDropsBigBuffers(t *testing.T) {
	big := make([]byte, 8+bigBuffer+1)
	binary.LittleEndian.PutUint32(big, uint32(4+bigBuffer+1))
	binary.LittleEndian.PutUint32(big[4:], uint32(CodeSendMessages))
	small := []byte{8, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3, 4}

	fr := NewFrameReader(bytes.NewReader(append(big, small...)))
	if _, err := fr.Next(); err != nil {
		t.Fatal(err)
	}
	fr.Shrink()
	if cap(fr.buf) != 0 {
		t.Fatalf("after Shrink the buffer holds %d bytes, want none", cap(fr.buf))
	}
	if _, err := fr.Next(); err != nil {
		t.Fatal(err)
	}
	fr.Shrink()
	if cap(fr.buf) == 0 {
		t.Fatal("Shrink dropped a small buffer that is worth reusing")
	}
}
