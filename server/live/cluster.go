package live

import (
	"parley/server/cluster"
	"parley/server/conversations"
	"parley/server/realtime"
)

// fanout delivers live-only frames, which the event log does not keep.
type fanout interface {
	Publish(topic string, f realtime.Frame)
	SendTo(identity string, f realtime.Frame)
}

// Clustered is Live on a node of a cluster: every node's committed events
// reach this node's sockets in seq order (cluster.Stream), and live-only
// frames reach the other nodes' sockets (cluster.Notices).
type Clustered struct {
	Stream  *cluster.Stream[conversations.Event]
	Notices *cluster.Notices
	// batch gathers the events of the commit under way; the store's
	// writer fills and hands it over, one commit at a time.
	batch []conversations.Event
}

// eventsSubject carries every node's committed batches: every node needs
// every range to put the log back in order, so one subject for all.
const eventsSubject = "parley.events"

// JoinCluster makes l a node of the cluster n links: it returns what the
// store's writer must be told of each commit (Committed, given to
// store.DB.OnBatch); its Notices.Want must become the hub's OnInterest.
// log is where the stream reads what did not reach it.
func (l *Live) JoinCluster(n *cluster.Node, log cluster.Source[conversations.Event]) (*Clustered, error) {
	log.Seq = func(e conversations.Event) int64 { return e.Seq }
	st, err := cluster.OpenStream(n, eventsSubject, log, func(e conversations.Event) { l.events <- e })
	if err != nil {
		return nil, err
	}
	c := &Clustered{Stream: st}
	c.Notices = cluster.NewNotices(n, func(kind, key string, data []byte) {
		switch kind {
		case realtime.InterestTopic:
			l.hub.Publish(key, realtime.Frame{Bytes: data})
		case realtime.InterestIdentity:
			l.hub.SendTo(key, realtime.Frame{Bytes: data})
		}
	})
	l.fan = clusterFan{l.hub, c.Notices}
	l.conv.SetPublisher(c)
	return c, nil
}

// Publish takes a committed event, on the store's writer; it is sent with
// the rest of its commit.
func (c *Clustered) Publish(e conversations.Event) {
	// What only observers read stays here; Before is sent along: live
	// reads it on every node to tell that a chat just ended.
	e.Origin, e.Reach = conversations.Origin{}, conversations.ReachUnknown
	c.batch = append(c.batch, e)
}

// Committed hands the stream the commit's events and the seqs it took.
func (c *Clustered) Committed(after, upTo int64) {
	evs := c.batch
	c.batch = nil
	c.Stream.Local(after, upTo, evs)
}

// Close stops the stream.
func (c *Clustered) Close() { c.Stream.Close() }

type clusterFan struct {
	hub     Hub
	notices *cluster.Notices
}

func (f clusterFan) Publish(topic string, fr realtime.Frame) {
	f.hub.Publish(topic, fr)
	f.notices.Send(realtime.InterestTopic, topic, fr.Bytes)
}

func (f clusterFan) SendTo(identity string, fr realtime.Frame) {
	f.hub.SendTo(identity, fr)
	f.notices.Send(realtime.InterestIdentity, identity, fr.Bytes)
}
