package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/iggyflow/iggyflow/broker"
)

// Frame sizes and limits.
const (
	// HeaderSize is the size of both frame headers: request [length][code]
	// and response [status][length].
	HeaderSize = 8
	// DefaultMaxPayload is the largest payload accepted for any command but
	// SendMessages: 10 MiB, as on the real server.
	DefaultMaxPayload = 10 << 20
	// DefaultMaxSendPayload is the largest SendMessages payload accepted:
	// 128 MiB, room for two messages at the server's 64 MB payload limit.
	DefaultMaxSendPayload = 128 << 20
	// bigBuffer is the capacity past which a FrameReader gives its buffer
	// back after a smaller frame, so one large batch does not pin memory.
	bigBuffer = 16 << 20
	// firstGrowth is the first size a FrameReader's buffer grows to when
	// a payload does not fit; it doubles from there as bytes arrive.
	firstGrowth = 64 << 10
)

// Frame is one request: its command code and payload.
type Frame struct {
	Code    Code
	Payload []byte
}

// FrameReader reads request frames from a stream. It reuses one buffer:
// a frame's payload is valid until the next call to Next. The buffer grows
// with the bytes of a frame that actually arrive, so memory follows what
// a peer sent, not the length it declared.
type FrameReader struct {
	r io.Reader
	// MaxPayload bounds every payload except SendMessages; default
	// DefaultMaxPayload.
	MaxPayload int
	// MaxSendPayload bounds SendMessages payloads; default
	// DefaultMaxSendPayload.
	MaxSendPayload int

	hdr [HeaderSize]byte
	buf []byte
}

// NewFrameReader returns a reader with the default limits. Wrap a network
// connection in a bufio.Reader first; FrameReader does small reads.
func NewFrameReader(r io.Reader) *FrameReader {
	return &FrameReader{r: r, MaxPayload: DefaultMaxPayload, MaxSendPayload: DefaultMaxSendPayload}
}

// Next reads the next frame whole. A *broker.Error (code 3) means the frame
// was consumed but cannot be served (length below 4, payload over the
// limit): answer with the code and go on reading, the stream is still in
// step. Any other error comes from the underlying reader (io.EOF between
// frames, io.ErrUnexpectedEOF inside one): close the connection.
func (fr *FrameReader) Next() (Frame, error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:4]); err != nil {
		return Frame{}, err
	}
	length := binary.LittleEndian.Uint32(fr.hdr[:4])

	if length < 4 {
		if err := fr.discard(int64(length)); err != nil {
			return Frame{}, err
		}
		return Frame{}, broker.ErrInvalidCommand.With("frame length %d below 4", length)
	}

	if _, err := io.ReadFull(fr.r, fr.hdr[4:8]); err != nil {
		return Frame{}, noEOF(err)
	}
	code := Code(binary.LittleEndian.Uint32(fr.hdr[4:8]))
	n := int64(length) - 4

	if limit := fr.limit(code); n > int64(limit) {
		if err := fr.discard(n); err != nil {
			return Frame{}, err
		}
		return Frame{Code: code}, broker.ErrInvalidCommand.With(
			"%s payload of %d bytes over the %d-byte limit", code, n, limit)
	}

	payload, err := fr.readPayload(int(n))
	if err != nil {
		return Frame{}, noEOF(err)
	}
	return Frame{Code: code, Payload: payload}, nil
}

func (fr *FrameReader) limit(c Code) int {
	if c == CodeSendMessages {
		return orDefault(fr.MaxSendPayload, DefaultMaxSendPayload)
	}
	return orDefault(fr.MaxPayload, DefaultMaxPayload)
}

// Shrink drops the reusable buffer when it is past bigBuffer, so that a
// connection that sent one large frame and then went quiet does not pin
// that memory. Call it after the last frame's payload is no longer used.
func (fr *FrameReader) Shrink() {
	if cap(fr.buf) > bigBuffer {
		fr.buf = nil
	}
}

// readPayload reads an n-byte payload into the reusable buffer. A buffer
// too small is grown as bytes arrive, doubling from firstGrowth up to n,
// never to the declared length up front: a peer that sends a header
// claiming 128 MiB and then stalls costs what it sent (at most about twice
// that, plus firstGrowth), not 128 MiB per connection.
func (fr *FrameReader) readPayload(n int) ([]byte, error) {
	if cap(fr.buf) > bigBuffer && n < cap(fr.buf)/4 {
		fr.buf = nil
	}
	if n <= cap(fr.buf) {
		p := fr.buf[:n]
		_, err := io.ReadFull(fr.r, p)
		return p, err
	}

	buf := fr.buf[:0]
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, max(2*cap(buf), firstGrowth)))
			copy(grown, buf)
			buf = grown
		}
		got, err := io.ReadFull(fr.r, buf[len(buf):min(n, cap(buf))])
		buf = buf[:len(buf)+got]
		if err != nil {
			return nil, err
		}
	}
	fr.buf = buf
	return buf, nil
}

// discard skips n bytes of an unusable frame, keeping the stream in step.
func (fr *FrameReader) discard(n int64) error {
	got, err := io.CopyN(io.Discard, fr.r, n)
	if got < n {
		return noEOF(err)
	}
	return nil
}

// noEOF turns an EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// ErrOneBytePayload is returned by WriteResponse for a success payload of
// exactly one byte: the SDKs treat a length of 1 as empty and would not
// read the byte, so the connection would fall out of step.
var ErrOneBytePayload = errors.New("wire: a one-byte success payload cannot be sent")

// WriteResponse writes a response frame with status 0 and the parts as the
// payload, back to back. Parts are written as they are, not copied.
func WriteResponse(w io.Writer, parts ...[]byte) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n == 1 {
		return ErrOneBytePayload
	}

	if _, err := w.Write(AppendResponseHeader(make([]byte, 0, HeaderSize), 0, n)); err != nil {
		return fmt.Errorf("wire: write response header: %w", err)
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return fmt.Errorf("wire: write response payload: %w", err)
		}
	}
	return nil
}

// AppendResponseHeader appends a response header [status u32][length u32]
// for a payload of n bytes. Callers writing the payload themselves must not
// send a one-byte success payload (see ErrOneBytePayload).
func AppendResponseHeader(b []byte, status uint32, n int) []byte {
	return appendU32(appendU32(b, status), uint32(n))
}

// WriteError writes an error response: [code][0], no payload.
func WriteError(w io.Writer, code uint32) error {
	if _, err := w.Write(AppendResponseHeader(make([]byte, 0, HeaderSize), code, 0)); err != nil {
		return fmt.Errorf("wire: write error response: %w", err)
	}
	return nil
}

// AppendRequest appends a whole request frame for code and payload.
func AppendRequest(b []byte, code Code, payload []byte) []byte {
	b = appendU32(b, uint32(len(payload)+4))
	b = appendU32(b, uint32(code))
	return append(b, payload...)
}

// ReadResponse reads one response frame (the client side) and returns its
// status and payload. Payloads over max bytes are refused with an error
// and the stream is left where it is.
func ReadResponse(r io.Reader, max int) (status uint32, payload []byte, err error) {
	var hdr [HeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	status = binary.LittleEndian.Uint32(hdr[:4])
	n := binary.LittleEndian.Uint32(hdr[4:8])
	if int64(n) > int64(max) {
		return status, nil, fmt.Errorf("wire: response payload of %d bytes over %d", n, max)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return status, nil, noEOF(err)
	}
	return status, payload, nil
}
