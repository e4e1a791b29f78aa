// Package outboxtest is the conformance suite every outbox.Store must
// pass. A store's tests call Run with a function that opens a fresh,
// empty store; the suite drives it through a Bus and a Relay against an
// in-memory transport and checks delivery, rollback, validation, claim
// order, leases, fencing, retries with backoff, dead-lettering and
// per-tenant order.
//
// The suite uses real time with short leases (about 100 ms) and short
// backoffs (a few ms), so it needs no clock injection and runs in a few
// seconds.
package outboxtest

import (
	"context"
	"testing"

	"github.com/iggyflow/iggyflow/outbox"
)

// Harness is one fresh store plus the means to write in its database the
// way an application does.
type Harness struct {
	// Store is the store under test; it must also implement outbox.Admin.
	// The opener closes it with t.Cleanup.
	Store outbox.Store
	// Begin starts an application transaction on the store's database.
	Begin func(ctx context.Context) (outbox.Tx, error)
	// WriteAppRow writes an application row with the given key in tx, so
	// that the suite can check that it commits and rolls back together
	// with the event.
	WriteAppRow func(ctx context.Context, tx outbox.Tx, key string) error
	// AppRowExists reports whether a committed application row with the
	// given key exists.
	AppRowExists func(ctx context.Context, key string) (bool, error)
}

// Run runs the conformance suite. open is called once per subtest and must
// return a harness on a new, empty database.
func Run(t *testing.T, open func(t *testing.T) Harness) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s *suite)
	}{
		{"CommitDelivers", testCommitDelivers},
		{"RollbackDeliversNothing", testRollbackDeliversNothing},
		{"InvalidEventWritesNothing", testInvalidEventWritesNothing},
		{"NilTxIsAnError", testNilTx},
		{"OversizedEventWritesNothing", testOversizedEventWritesNothing},
		{"PublishOptions", testPublishOptions},
		{"ClaimReturnsRowsInOrderUpToLimit", testClaimOrder},
		{"BackoffSchedule", testBackoffSchedule},
		{"RetryCarriesRetryCount", testRetryCount},
		{"MaxAttemptsParksAndDeadLetters", testMaxAttempts},
		{"PoisonPayloadFailsThenParks", testPoisonPayload},
		{"LeaseTakeoverAfterExpiry", testLeaseTakeover},
		{"FencedTokenChangesNothing", testFencing},
		{"TenantOrderBehindPoisonRow", testTenantOrderPoison},
		{"TenantOrderWithFailingTransport", testTenantOrderTransport},
		{"MidBatchFailureParksOnlyTheFailedRow", testMidBatchFailure},
		{"LeasedRowBlocksItsTenant", testLeasedRowBlocksItsTenant},
		{"Release", testRelease},
		{"RequeueAndHousekeeping", testRequeueAndHousekeeping},
		{"RunWakesOnBusSignal", testRunWakesOnSignal},
		{"RunReleasesClaimOnShutdown", testRunReleasesOnShutdown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newSuite(t, open(t)))
		})
	}
}
