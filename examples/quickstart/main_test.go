package main

import (
	"context"
	"testing"
	"time"
)

func TestQuickstartRuns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
