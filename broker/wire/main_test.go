package wire

import (
	"io"
	"log"
	"os"
	"testing"
)

// TestMain silences the SDK, which logs its leader checks with the
// standard logger.
func TestMain(m *testing.M) {
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}
