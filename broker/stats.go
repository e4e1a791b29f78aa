package broker

// Stats counts streams, topics, partitions, segments, consumer groups,
// stored messages and segment bytes.
func (b *Broker) Stats() Stats {
	b.mu.RLock()
	defer b.mu.RUnlock()

	var st Stats
	for _, s := range b.streams.all() {
		st.Streams++
		for _, t := range s.topics.all() {
			st.Topics++
			st.ConsumerGroups += uint32(t.groups.count())
			for _, p := range t.parts {
				pi := p.info()
				st.Partitions++
				st.Segments += pi.SegmentsCount
				st.Messages += pi.MessagesCount
				st.SizeBytes += pi.SizeBytes
			}
		}
	}
	return st
}
