package server

import (
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/wire"
)

// Version is the Iggy server version this server answers with.
const (
	Version       = "0.8.0"
	versionSemver = 8000
)

func (c *conn) getStats() (reply, error) {
	if err := c.global(readServers); err != nil {
		return nil, err
	}
	st := c.srv.broker.Stats()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	host, _ := os.Hostname()
	now := time.Now()

	out := wire.Stats{
		ProcessID:           uint32(os.Getpid()),
		MemoryUsage:         ms.Sys,
		RunTime:             uint64(now.Sub(c.srv.started).Microseconds()),
		StartTime:           uint64(c.srv.started.UnixMicro()),
		MessagesSizeBytes:   st.SizeBytes,
		StreamsCount:        st.Streams,
		TopicsCount:         st.Topics,
		PartitionsCount:     st.Partitions,
		SegmentsCount:       st.Segments,
		MessagesCount:       st.Messages,
		ClientsCount:        uint32(len(c.srv.clients())),
		ConsumerGroupsCount: st.ConsumerGroups,
		Hostname:            host,
		OSName:              runtime.GOOS,
		OSVersion:           runtime.GOARCH,
		KernelVersion:       kernelVersion(),
		ServerVersion:       Version,
		ServerSemver:        versionSemver,
		ThreadsCount:        uint32(runtime.GOMAXPROCS(0)),
	}
	return one(out.AppendTo(nil)), nil
}

// kernelVersion reads the Linux kernel release; empty elsewhere.
func kernelVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// clusterMetadata answers as a single node, with the bound address.
func (c *conn) clusterMetadata() (reply, error) {
	node := wire.ClusterNode{Name: "iggy-node"}
	if addr := c.srv.Addr(); addr != nil {
		host, port, err := net.SplitHostPort(addr.String())
		if err == nil {
			p, _ := strconv.ParseUint(port, 10, 16)
			node.IP, node.TCPPort = host, uint16(p)
		}
	}
	meta := wire.ClusterMetadata{Name: "single-node", Nodes: []wire.ClusterNode{node}}
	return one(meta.AppendTo(nil)), nil
}

func (c *conn) getClient(r wire.GetClient) (reply, error) {
	if err := c.global(readServers); err != nil {
		return nil, err
	}
	if r.ClientID == 0 {
		return nil, broker.ErrInvalidClientID
	}
	for _, ci := range c.srv.clients() {
		if ci.ID == r.ClientID {
			return one(wire.AppendClient(nil, ci)), nil
		}
	}
	return empty, nil
}

func (c *conn) getClients() (reply, error) {
	if err := c.global(readServers); err != nil {
		return nil, err
	}
	var b []byte
	for _, ci := range c.srv.clients() {
		b = wire.AppendClientHeader(b, ci)
	}
	return one(b), nil
}
