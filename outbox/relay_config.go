package outbox

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// MaxBatchSize is the largest BatchSize a relay accepts.
const MaxBatchSize = 10000

// RelayConfig tunes a Relay. The zero value of a field means its default.
type RelayConfig struct {
	// WorkerID names this relay in claimed_by. Default: host name, process
	// id and a random suffix, unique per Defaults call.
	WorkerID string `yaml:"worker_id"`
	// BatchSize is the most rows claimed and published per round.
	// Default 100, at most MaxBatchSize.
	BatchSize int `yaml:"batch_size"`
	// MaxAttempts is how many failed attempts park a row as failed (and
	// send it to the transport's DLQ). Default 5.
	MaxAttempts int `yaml:"max_attempts"`
	// BackoffBase is the delay after the first failed attempt; it doubles
	// with every further attempt (see Backoff). Default 1 s.
	BackoffBase time.Duration `yaml:"backoff_base"`
	// BackoffMax caps the delay between attempts. Default 60 s.
	BackoffMax time.Duration `yaml:"backoff_max"`
	// Lease is how long a claimed batch belongs to this relay; after it
	// another relay may take the rows over. It must cover publishing one
	// batch. Default 30 s.
	Lease time.Duration `yaml:"lease"`
	// PollInterval is how often an idle relay looks for rows it was not
	// woken for (rows from other processes, retries coming due).
	// Default 1 s.
	PollInterval time.Duration `yaml:"poll_interval"`
}

// Defaults returns the default configuration with a fresh WorkerID.
func Defaults() RelayConfig {
	return RelayConfig{
		WorkerID:     defaultWorkerID(),
		BatchSize:    100,
		MaxAttempts:  5,
		BackoffBase:  time.Second,
		BackoffMax:   60 * time.Second,
		Lease:        30 * time.Second,
		PollInterval: time.Second,
	}
}

func defaultWorkerID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "relay"
	}
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + uuid.NewString()[:8]
}

// withDefaults fills every zero field from Defaults.
func (c RelayConfig) withDefaults() RelayConfig {
	d := Defaults()
	if c.WorkerID == "" {
		c.WorkerID = d.WorkerID
	}
	if c.BatchSize == 0 {
		c.BatchSize = d.BatchSize
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = d.MaxAttempts
	}
	if c.BackoffBase == 0 {
		c.BackoffBase = d.BackoffBase
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = d.BackoffMax
	}
	if c.Lease == 0 {
		c.Lease = d.Lease
	}
	if c.PollInterval == 0 {
		c.PollInterval = d.PollInterval
	}
	return c
}

// Validate reports the first field out of range, by its YAML name.
func (c RelayConfig) Validate() error {
	switch {
	case c.WorkerID == "":
		return fmt.Errorf("outbox: relay config: worker_id is empty")
	case c.BatchSize < 1 || c.BatchSize > MaxBatchSize:
		return fmt.Errorf("outbox: relay config: batch_size %d is not in 1..%d", c.BatchSize, MaxBatchSize)
	case c.MaxAttempts < 1:
		return fmt.Errorf("outbox: relay config: max_attempts %d is below 1", c.MaxAttempts)
	case c.BackoffBase <= 0:
		return fmt.Errorf("outbox: relay config: backoff_base %s is not positive", c.BackoffBase)
	case c.BackoffMax < c.BackoffBase:
		return fmt.Errorf("outbox: relay config: backoff_max %s is below backoff_base %s", c.BackoffMax, c.BackoffBase)
	case c.Lease <= 0:
		return fmt.Errorf("outbox: relay config: lease %s is not positive", c.Lease)
	case c.PollInterval <= 0:
		return fmt.Errorf("outbox: relay config: poll_interval %s is not positive", c.PollInterval)
	}
	return nil
}
