package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
)

// RunOnce runs one round: claim a batch, decode it, publish the decodable
// rows in Seq order and mark the outcome of each row. It returns how many
// rows it claimed, whatever became of them, and the error that cut the
// round short, if any.
//
// A row whose payload does not decode counts as a failed attempt with the
// decode error. Later rows of the same tenant are then held back: they are
// released unpublished, with no attempt counted, and the store will not
// hand them out again before the failed row. If PublishBatch fails, every
// row given to it counts a failed attempt. If ctx ends during the publish,
// no attempt is counted and the claim is released.
func (r *Relay) RunOnce(ctx context.Context) (int, error) {
	if r.cfgErr != nil {
		return 0, r.cfgErr
	}

	start := r.now()
	claim, err := r.store.Claim(ctx, r.cfg.WorkerID, r.cfg.BatchSize, r.cfg.Lease)
	if err != nil {
		return 0, fmt.Errorf("outbox: relay %s: %w", r.cfg.WorkerID, err)
	}
	if len(claim.Records) == 0 {
		return 0, nil
	}

	rep := RoundReport{Worker: r.cfg.WorkerID, Claimed: len(claim.Records)}
	if err := r.process(ctx, claim, &rep); err != nil {
		rep.Err = fmt.Errorf("outbox: relay %s: token %d: %w", r.cfg.WorkerID, claim.Token, err)
	}
	rep.Duration = r.now().Sub(start)

	r.metrics.add(rep)
	if r.hook != nil {
		r.hook.ObserveRound(rep)
	}
	return rep.Claimed, rep.Err
}

// failure is a row whose attempt failed; env is nil when the payload did
// not decode.
type failure struct {
	rec    Record
	env    *events.Envelope
	reason string
}

// roundPlan is a claimed batch sorted into what to publish and what failed
// before publishing.
type roundPlan struct {
	recs     []Record
	envs     []*events.Envelope
	failed   []failure
	heldBack int
}

// plan decodes the claimed rows in Seq order. After a tenant's first
// undecodable row, the tenant's later rows are held back.
func (r *Relay) plan(recs []Record) roundPlan {
	var p roundPlan
	blocked := map[uuid.UUID]bool{}
	for _, rec := range recs {
		if blocked[rec.TenantID] {
			p.heldBack++
			continue
		}

		env, err := r.decode(rec)
		if err != nil {
			p.failed = append(p.failed, failure{rec: rec, reason: "decode payload: " + err.Error()})
			blocked[rec.TenantID] = true
			continue
		}
		env.RetryCount = uint32(rec.RetryCount)
		p.recs = append(p.recs, rec)
		p.envs = append(p.envs, env)
	}
	return p
}

// decode unmarshals a row's payload and checks that it belongs to the row.
func (r *Relay) decode(rec Record) (*events.Envelope, error) {
	env, err := r.codec.Unmarshal(rec.Payload)
	if err != nil {
		return nil, err
	}
	if env.ID != rec.ID {
		return nil, fmt.Errorf("payload id %s differs from row id %s", env.ID, rec.ID)
	}
	if env.TenantID != rec.TenantID {
		return nil, fmt.Errorf("payload tenant %s differs from row tenant %s", env.TenantID, rec.TenantID)
	}
	return env, nil
}

// process publishes a claimed batch and records every row's outcome.
func (r *Relay) process(ctx context.Context, claim Claim, rep *RoundReport) error {
	p := r.plan(claim.Records)
	rep.HeldBack = p.heldBack

	// Once the transport has the events, their outcome must be recorded
	// even if ctx ends; the lease bounds how long that may take.
	fin, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Lease)
	defer cancel()

	if len(p.envs) > 0 {
		failed, unsent, err := r.publish(ctx, fin, claim.Token, p, rep)
		if err != nil || rep.Fenced {
			return err
		}
		p.failed = append(p.failed, failed...)
		p.heldBack += unsent
		rep.HeldBack = p.heldBack
	}

	for _, f := range p.failed {
		err := r.failAttempt(fin, claim.Token, f, rep)
		if errors.Is(err, ErrFenced) {
			r.fenced(claim.Token, rep, err)
			return nil
		}
		if err != nil {
			return err
		}
	}

	if p.heldBack > 0 {
		if err := r.store.Release(fin, claim.Token); err != nil {
			return err
		}
	}
	return nil
}

// publish hands the decodable rows to the transport and marks what it
// published dispatched. It returns the rows that count a failed attempt
// and how many were neither published nor failed. After a
// *events.BatchError only the row the transport failed on counts the
// failure; that row's tenant is skipped for the rest of the round and the
// other tenants' rows behind it are offered again at once. After any other
// error every row not yet published counts the failure.
func (r *Relay) publish(ctx, fin context.Context, token int64, p roundPlan, rep *RoundReport) (failed []failure, unsent int, err error) {
	var sent []Record
	recs, envs := p.recs, p.envs
	for len(recs) > 0 {
		perr := r.transport.PublishBatch(ctx, envs)
		if perr == nil {
			sent = append(sent, recs...)
			break
		}
		if ctx.Err() != nil {
			if rerr := r.store.Release(fin, token); rerr != nil {
				return nil, 0, errors.Join(ctx.Err(), rerr)
			}
			return nil, 0, fmt.Errorf("publish interrupted, claim released: %w", ctx.Err())
		}

		var be *events.BatchError
		if !errors.As(perr, &be) || be.Published < 0 || be.Published >= len(recs) {
			for i, rec := range recs {
				failed = append(failed, failure{rec: rec, env: envs[i], reason: "publish: " + perr.Error()})
			}
			break
		}
		k := be.Published
		sent = append(sent, recs[:k]...)
		failed = append(failed, failure{rec: recs[k], env: envs[k], reason: "publish: " + be.Err.Error()})
		var skipped int
		recs, envs, skipped = withoutTenant(recs[k+1:], envs[k+1:], recs[k].TenantID)
		unsent += skipped
	}

	if err := r.markSent(fin, token, sent, rep); err != nil {
		return nil, 0, err
	}
	return failed, unsent, nil
}

// withoutTenant drops tenant's rows, which must not overtake its failed
// one, and reports how many it dropped.
func withoutTenant(recs []Record, envs []*events.Envelope, tenant uuid.UUID) ([]Record, []*events.Envelope, int) {
	var keptRecs []Record
	var keptEnvs []*events.Envelope
	for i, rec := range recs {
		if rec.TenantID != tenant {
			keptRecs = append(keptRecs, rec)
			keptEnvs = append(keptEnvs, envs[i])
		}
	}
	return keptRecs, keptEnvs, len(recs) - len(keptRecs)
}

// markSent marks published rows dispatched and reports them. A fenced
// claim is reported, not returned as an error.
func (r *Relay) markSent(fin context.Context, token int64, sent []Record, rep *RoundReport) error {
	if len(sent) == 0 {
		return nil
	}
	now := r.now()
	ids := make([]uuid.UUID, len(sent))
	rep.Latencies = make([]time.Duration, len(sent))
	for i, rec := range sent {
		ids[i] = rec.ID
		rep.Latencies[i] = now.Sub(rec.CreatedAt)
	}
	rep.Published = len(sent)

	err := r.store.MarkDispatched(fin, token, ids)
	if errors.Is(err, ErrFenced) {
		r.fenced(token, rep, err)
		return nil
	}
	return err
}

// failAttempt records one failed attempt: a retry with backoff, or, at
// MaxAttempts, a parked row handed to the transport's DLQ.
func (r *Relay) failAttempt(ctx context.Context, token int64, f failure, rep *RoundReport) error {
	n := f.rec.RetryCount + 1
	if n < r.cfg.MaxAttempts {
		next := r.now().Add(Backoff(r.cfg.BackoffBase, r.cfg.BackoffMax, n))
		if err := r.store.MarkRetry(ctx, token, f.rec.ID, n, next, f.reason); err != nil {
			return err
		}
		rep.Failed++
		rep.Retried++
		return nil
	}

	if err := r.store.MarkFailed(ctx, token, f.rec.ID, n, f.reason); err != nil {
		return err
	}
	rep.Failed++
	rep.DeadLettered++
	r.deadLetter(ctx, f, n)
	return nil
}

// deadLetter hands a parked row to the transport's DLQ when it has one.
// The row stays failed in the store either way, where Admin.Requeue can
// revive it. A row whose payload does not decode has no envelope to
// send, so it stays only in the store.
func (r *Relay) deadLetter(ctx context.Context, f failure, attempts int) {
	log := r.logger.With("worker", r.cfg.WorkerID, "event_id", f.rec.ID, "tenant", f.rec.TenantID)
	dlq, ok := r.transport.(DeadLetterer)
	switch {
	case f.env == nil:
		log.Warn("outbox event parked as failed; its payload does not decode, so it is not sent to a DLQ",
			"attempts", attempts, "last_error", f.reason)
		return
	case !ok:
		log.Warn("outbox event parked as failed; the transport has no DLQ",
			"attempts", attempts, "last_error", f.reason)
		return
	}

	f.env.RetryCount = uint32(attempts)
	if err := dlq.MoveToDLQ(ctx, f.env, f.reason); err != nil {
		log.Error("outbox event parked as failed but not moved to the DLQ; requeue it or inspect the failed rows",
			"attempts", attempts, "err", err)
		return
	}
	log.Warn("outbox event moved to the DLQ", "attempts", attempts, "last_error", f.reason)
}

// fenced records that another worker took the batch over.
func (r *Relay) fenced(token int64, rep *RoundReport, err error) {
	rep.Fenced = true
	r.logger.Warn("outbox batch dropped: another worker took it over after the lease expired",
		"worker", r.cfg.WorkerID, "token", token, "err", err)
}
