package chaos

import "slices"

// action is one thing the schedule can do between two gaps.
type action uint8

const (
	actClient action = iota
	actPartition
	actCut
	actCrash
	actBounce  // crash and restart a server that has just voted
	actOrphan  // a leader cut off with a minority takes a write, then crashes
	actInfant  // a leader is cut off or crashes as soon as it is elected
	actFigure8 // Figure 8 played out, elections steered by partitions
	actNet
	actDisk
	actMembership
	actBridge     // a partial partition: one server bridges two sides
	actRevote     // a voter asked twice in one term, across a restart
	actStaleRead  // a deposed leader asked for a read
	actSnapshot   // a server snapshots and compacts its log now
	actTransfer   // a leadership transfer
	actClock      // a server's clock drifts (lease reads only)
	actLease      // a lease raced at the edge of the drift bound (lease reads only)
	actJoint      // any change of membership at once, through C_old,new
	actLearner    // a learner added, promoted later
	actJointSplit // a joint change while the leader's links to old voters are slow
	numActions
)

// faultOf is the fault kind an action belongs to (actClient: none).
var faultOf = [numActions]Fault{
	actPartition: FaultPartition, actCut: FaultCut, actCrash: FaultCrash, actBounce: FaultCrash, actOrphan: FaultPartition,
	actInfant: FaultCrash, actFigure8: FaultPartition,
	actNet: FaultNet, actDisk: FaultDisk, actMembership: FaultMembership, actBridge: FaultBridge,
	actRevote: FaultCrash, actStaleRead: FaultPartition, actSnapshot: FaultSnapshot,
	actTransfer: FaultTransfer, actClock: FaultClock, actLease: FaultClock,
	actJoint: FaultMembership, actLearner: FaultMembership, actJointSplit: FaultMembership,
}

// weights are the odds of each action, and the tactics within them.
type weights struct {
	act   [numActions]int
	fault map[Fault]int // the kinds in use, for the header
	// isolateLeader is the percentage of partitions that cut the leader
	// off (with a follower or two) rather than split at random.
	isolateLeader int
	// evenSplit is the percentage of partitions that split an even cluster
	// in two halves.
	evenSplit int
	// crashLeader is the percentage of crashes aimed at the leader.
	crashLeader int
	// staleClient is the percentage of client requests sent straight to a
	// server that believes it leads (maybe deposed), rather than to the
	// cluster.
	staleClient int
	// reads is the percentage of client requests that are reads.
	reads int
}

// weightsFor picks the odds for a configuration. The default mix spreads
// over every fault; a planted bug tilts it towards the faults that expose
// that bug, as the chaos schedule may depend on the flags.
func weightsFor(c *Config, f features) weights {
	w := weights{
		act: [numActions]int{
			actClient: 30, actPartition: 14, actCut: 8, actCrash: 12, actBounce: 4, actOrphan: 4, actInfant: 4, actFigure8: 2,
			actNet: 6, actDisk: 4, actMembership: 3, actBridge: 4, actRevote: 2, actStaleRead: 2, actSnapshot: 4,
			actTransfer: 4, actClock: 4, actLease: 2,
			actJoint: 2, actLearner: 2, actJointSplit: 1,
		},
		isolateLeader: 35, evenSplit: 30, crashLeader: 40, staleClient: 20, reads: 25,
	}
	if c.Bug != "" && c.Bug != "joint-new-majority" {
		// The plays of the other bugs were tuned without joint changes
		// and learners, which only delay them: their schedules stay
		// what they were measured as.
		w.act[actJoint], w.act[actLearner], w.act[actJointSplit] = 0, 0, 0
	}
	switch c.Bug {
	case "figure8":
		// Leaders crash with entries on a minority, then come back; and
		// Figure 8 itself, played out step by step.
		w.act[actCrash], w.act[actBounce], w.act[actOrphan], w.act[actInfant], w.crashLeader, w.staleClient = 10, 0, 40, 40, 70, 45
		w.act[actFigure8] = 40
	case "forget-vote":
		// A server that forgot its vote must be asked again in the same
		// term: crash-restart voters during elections.
		// The revote play asks a restarted voter again in its term.
		w.act[actBounce], w.act[actCrash], w.crashLeader = 30, 12, 80
		w.act[actRevote] = 40
	case "stale-read":
		// A deposed leader that clients still reach answers reads.
		// The stale-read play asks it straight after a write elsewhere.
		w.act[actPartition], w.isolateLeader, w.staleClient, w.reads = 25, 80, 50, 50
		w.act[actStaleRead] = 40
	case "short-log-vote":
		// A server that missed commits (cut off) comes back with a high term.
		w.act[actPartition], w.isolateLeader, w.act[actClient] = 20, 10, 40
	case "even-majority":
		// Two halves of an even cluster, each taking writes.
		w.act[actPartition], w.evenSplit, w.staleClient = 25, 80, 60
	case "snapshot-drops-log":
		// Followers left behind, so that leaders send snapshots, on a
		// network that delivers some twice and late.
		w.act[actCrash], w.act[actSnapshot], w.act[actNet], w.crashLeader = 25, 20, 15, 10
	case "transfer-behind":
		// Transfers to servers that lag: cut off or restarted a moment
		// ago, or merely slower, with writes in flight.
		w.act[actTransfer], w.act[actCrash], w.act[actPartition], w.act[actClient] = 30, 12, 14, 30
	case "lease-no-drift":
		// A leader cut off from the others while clocks drift to the
		// edges of the bound, asked for reads right after a write
		// elsewhere.
		w.act[actClock], w.act[actPartition], w.isolateLeader, w.staleClient, w.reads = 10, 25, 80, 50, 50
		w.act[actStaleRead], w.act[actLease] = 20, 40
	case "joint-new-majority":
		// A joint change that the old voters hear of late.
		w.act[actJointSplit] = 40
	}
	avail := f.kinds()
	w.fault = map[Fault]int{}
	for a := actPartition; a < numActions; a++ {
		k := faultOf[a]
		if !c.wants(k) || !slices.Contains(avail, k) {
			w.act[a] = 0
			continue
		}
		w.fault[k] += w.act[a]
	}
	return w
}

// pick draws an action by weight.
func (g *gen) pick() action {
	total := 0
	for _, w := range g.w.act {
		total += w
	}
	r := g.rnd.IntN(total)
	for a, w := range g.w.act {
		if r < w {
			return action(a)
		}
		r -= w
	}
	return actClient
}

// pct is true with probability p percent.
func (g *gen) pct(p int) bool { return g.rnd.IntN(100) < p }
