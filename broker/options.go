package broker

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

// FsyncPolicy says when appended messages are forced to stable storage.
type FsyncPolicy int

const (
	// FsyncNever leaves flushing to the operating system's page cache: an
	// append survives a process crash but not a power loss. The default.
	FsyncNever FsyncPolicy = iota
	// FsyncEveryAppend syncs the segment and its index before an append
	// returns. Slowest; an acknowledged append survives a power loss.
	FsyncEveryAppend
	// FsyncInterval syncs the active segments of written partitions every
	// Options.FsyncInterval; a power loss loses at most that much.
	FsyncInterval
)

// String names the policy as in configuration: never, every-append,
// interval.
func (p FsyncPolicy) String() string {
	switch p {
	case FsyncNever:
		return "never"
	case FsyncEveryAppend:
		return "every-append"
	case FsyncInterval:
		return "interval"
	}
	return fmt.Sprintf("FsyncPolicy(%d)", int(p))
}

// Defaults and limits of Options.
const (
	// DefaultSegmentSize is the segment size when Options.SegmentSize is 0.
	DefaultSegmentSize int64 = 256 << 20
	// MaxSegmentSize bounds Options.SegmentSize: index positions are u32.
	MaxSegmentSize int64 = 2 << 30
	// minSegmentSize is one frame header: tests use tiny segments.
	minSegmentSize int64 = FrameHeaderSize
	// DefaultFsyncInterval is the period of FsyncInterval when unset.
	DefaultFsyncInterval = time.Second
	// DefaultCleanerInterval is the retention period when unset.
	DefaultCleanerInterval = time.Minute
)

// Options configure a Broker. Only DataDir is required.
type Options struct {
	// DataDir holds all metadata and messages; it is created if missing.
	DataDir string
	// SegmentSize is the size in bytes a segment reaches before appends
	// roll over to a new one. Default DefaultSegmentSize (256 MiB); at
	// least 64 bytes, at most MaxSegmentSize (2 GiB). A single message larger
	// than SegmentSize gets a segment of its own.
	SegmentSize int64
	// Fsync is the durability policy of appends. Default FsyncNever.
	// Metadata and stored offsets are replaced atomically whatever the
	// policy; metadata is always synced.
	Fsync FsyncPolicy
	// FsyncInterval is the sync period with FsyncInterval. Default 1s.
	FsyncInterval time.Duration
	// CleanerInterval is how often message expiry and max topic size are
	// enforced. Default 1m; a negative value disables the background
	// cleaner (RunCleaner still works).
	CleanerInterval time.Duration
	// Logger receives operator logs (recovery truncations, cleaner
	// deletions, background errors). Default: discard.
	Logger *slog.Logger
	// Now is the clock for message timestamps, creation times and expiry.
	// Default time.Now.
	Now func() time.Time
}

// withDefaults returns o with every unset field filled, or an error naming
// the field that is out of range.
func (o Options) withDefaults() (Options, error) {
	if o.DataDir == "" {
		return o, fmt.Errorf("broker: options: DataDir is required")
	}

	if o.SegmentSize == 0 {
		o.SegmentSize = DefaultSegmentSize
	}
	if o.SegmentSize < minSegmentSize || o.SegmentSize > MaxSegmentSize {
		return o, fmt.Errorf("broker: options: SegmentSize %d out of range [%d, %d]",
			o.SegmentSize, minSegmentSize, MaxSegmentSize)
	}

	if o.Fsync < FsyncNever || o.Fsync > FsyncInterval {
		return o, fmt.Errorf("broker: options: unknown Fsync policy %d", int(o.Fsync))
	}
	if o.FsyncInterval <= 0 {
		o.FsyncInterval = DefaultFsyncInterval
	}
	if o.CleanerInterval == 0 {
		o.CleanerInterval = DefaultCleanerInterval
	}

	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

// nowMicros is the configured clock in microseconds since the Unix epoch.
func (o *Options) nowMicros() uint64 {
	return uint64(o.Now().UnixMicro())
}
