package events

import (
	"testing"
)

func benchEnvelope() *Envelope {
	return fullEnvelope(&OrderPlaced{OrderID: id1, CustomerID: ptr(id2), Total: 125990, Currency: "EUR"})
}

func benchmarkMarshal(b *testing.B, codec Codec) {
	env := benchEnvelope()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := codec.Marshal(env); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkUnmarshal(b *testing.B, codec Codec) {
	data, err := codec.Marshal(benchEnvelope())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := codec.Unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONMarshal(b *testing.B)          { benchmarkMarshal(b, JSON) }
func BenchmarkJSONUnmarshal(b *testing.B)        { benchmarkUnmarshal(b, JSON) }
func BenchmarkMessagePackMarshal(b *testing.B)   { benchmarkMarshal(b, MessagePack) }
func BenchmarkMessagePackUnmarshal(b *testing.B) { benchmarkUnmarshal(b, MessagePack) }
