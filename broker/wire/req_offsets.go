package wire

import "github.com/iggyflow/iggyflow/broker"

// OffsetTarget is what the three offset commands share:
// [consumer][stream][topic][partition present u8][partition id u32].
type OffsetTarget struct {
	Consumer broker.Consumer
	TopicPath
	// Partition is nil when the request names none.
	Partition *uint32
}

func (t OffsetTarget) appendTo(b []byte) []byte {
	b = AppendConsumer(b, t.Consumer)
	return AppendOptionalPartition(t.TopicPath.appendTo(b), t.Partition)
}

func (d *decoder) offsetTarget() OffsetTarget {
	t := OffsetTarget{Consumer: d.consumer()}
	t.TopicPath = d.topicPath()
	t.Partition = d.partition()
	return t
}

// GetConsumerOffset (120): [target].
type GetConsumerOffset struct{ OffsetTarget }

// DeleteConsumerOffset (122): [target].
type DeleteConsumerOffset struct{ OffsetTarget }

// StoreConsumerOffset (121): [target][offset u64].
type StoreConsumerOffset struct {
	OffsetTarget
	Offset uint64
}

func (GetConsumerOffset) Code() Code    { return CodeGetConsumerOffset }
func (DeleteConsumerOffset) Code() Code { return CodeDeleteConsumerOffset }
func (StoreConsumerOffset) Code() Code  { return CodeStoreConsumerOffset }

func (r GetConsumerOffset) AppendTo(b []byte) []byte    { return r.appendTo(b) }
func (r DeleteConsumerOffset) AppendTo(b []byte) []byte { return r.appendTo(b) }
func (r StoreConsumerOffset) AppendTo(b []byte) []byte  { return appendU64(r.appendTo(b), r.Offset) }

func decodeGetConsumerOffset(d *decoder) Request { return GetConsumerOffset{d.offsetTarget()} }

func decodeDeleteConsumerOffset(d *decoder) Request { return DeleteConsumerOffset{d.offsetTarget()} }

func decodeStoreConsumerOffset(d *decoder) Request {
	return StoreConsumerOffset{OffsetTarget: d.offsetTarget(), Offset: d.u64("offset")}
}
