package sim

import (
	"slices"

	"raftsim/raft"
)

// LiveGroups returns the groups of servers that Raft promises to keep live
// right now: given time, one of them elects a leader that stays in place,
// and client requests sent to the cluster are answered. A group is a
// quorum of a configuration (a majority; during a joint change, a majority
// of each of C_old and C_new) whose members all follow that configuration,
// are up, reach each other both ways over the default network (no loss,
// duplication, reordering, long delays or slower latency on the links
// between them) and write to disks at full speed.
//
// What else the promise needs depends on the cluster's options:
//
//   - With pre-vote and check-quorum on every server of the group
//     (dissertation §9.6, §6.2), nothing more: a leader cut off from its
//     majority steps down within an election timeout, and a server outside
//     the group cannot disrupt it, since the group's members, hearing from
//     their leader, refuse its pre-votes. Every such majority is a group,
//     however the rest of the network is broken.
//   - Without them (the paper's Figure 2), the group must also be cut off
//     from every other live server, both ways: under partial connectivity
//     a stale leader that still reaches one member keeps it loyal, and a
//     server outside that reaches a member can disrupt each new leader with
//     a higher term (§4.2.3's problems), so a connected majority may never
//     elect. Then a group is a whole connected component of the live
//     servers.
//
// Each group is sorted; the groups are in a deterministic order. The
// result is shared with later calls: the caller must not change it.
//
// Chaos asks after every command and on a 50 ms grid of virtual time, and
// the answer rarely changes between two asks: it is kept (liveMemo) with
// what it was computed from, and computed again only when that changed.
func (s *Sim) LiveGroups() [][]raft.NodeID {
	if s.live.fresh(s) {
		return s.live.groups
	}
	s.live.groups = s.liveGroups()
	s.live.note(s)
	return s.live.groups
}

// liveMemo is the last answer of LiveGroups and everything it depends
// on: the network's version (network.version) and, server by server, the
// fields liveGroups reads.
type liveMemo struct {
	valid   bool
	net     uint64
	servers []liveInput
	groups  [][]raft.NodeID
}

// liveInput is what liveGroups reads of one server.
type liveInput struct {
	srv           *server
	up, fastDisk  bool
	guards        bool // pre-vote and check-quorum (guardsPartial)
	group         int
	voters, outgo []raft.NodeID // its configuration, while up
}

func (s *Sim) liveInputOf(srv *server) liveInput {
	pv, cq := s.preVoteCheckQuorum(srv)
	in := liveInput{srv: srv, up: srv.up, fastDisk: srv.fastDisk(), guards: pv && cq, group: srv.group}
	if srv.up {
		m := srv.node.MembershipView()
		in.voters, in.outgo = m.Voters, m.Outgoing
	}
	return in
}

// fresh says whether the kept answer still holds.
func (m *liveMemo) fresh(s *Sim) bool {
	if !m.valid || m.net != s.net.version || len(m.servers) != len(s.ids) {
		return false
	}
	// liveInputOf's fields, compared as they are read: most asks find
	// the first server the same as before, and the next, and so on.
	for i, id := range s.ids {
		srv, k := s.servers[id], &m.servers[i]
		if srv != k.srv || srv.up != k.up || srv.group != k.group || srv.fastDisk() != k.fastDisk {
			return false
		}
		if pv, cq := s.preVoteCheckQuorum(srv); (pv && cq) != k.guards {
			return false
		}
		var voters, outgo []raft.NodeID
		if srv.up {
			mv := srv.node.MembershipView()
			voters, outgo = mv.Voters, mv.Outgoing
		}
		if !slices.Equal(voters, k.voters) || !slices.Equal(outgo, k.outgo) {
			return false
		}
	}
	return true
}

// note keeps what the answer just computed depends on. The configurations
// are copied: a node may change its own in place. The copies go into the
// arrays of the last note's, which nothing else holds.
func (m *liveMemo) note(s *Sim) {
	m.valid, m.net = true, s.net.version
	for i, id := range s.ids {
		in := s.liveInputOf(s.servers[id])
		if i < len(m.servers) {
			k := &m.servers[i]
			in.voters, in.outgo = append(k.voters[:0], in.voters...), append(k.outgo[:0], in.outgo...)
			*k = in
			continue
		}
		in.voters, in.outgo = slices.Clone(in.voters), slices.Clone(in.outgo)
		m.servers = append(m.servers, in)
	}
	m.servers = m.servers[:len(s.ids)]
}

// liveGroups computes LiveGroups.
func (s *Sim) liveGroups() [][]raft.NodeID {
	var out [][]raft.NodeID
	for _, m := range s.configs() {
		// Candidates: live voters that follow m, with fast disks.
		var cand []raft.NodeID
		for _, id := range m.AllVoters() {
			srv := s.server(id)
			if srv != nil && srv.up && srv.fastDisk() && sameVoters(srv.node.MembershipView(), m) {
				cand = append(cand, id)
			}
		}
		if !m.HasQuorum(cand) {
			continue
		}
		if s.guardsPartial(cand) {
			if m.Joint() {
				out = append(out, s.quorumCliques(cand, m)...)
			} else {
				out = append(out, s.cliques(cand, raft.Majority(m.Voters))...)
			}
			continue
		}
		for _, comp := range s.components() {
			if m.HasQuorum(comp) && isSubset(comp, cand) && s.clean(comp) {
				out = append(out, comp)
			}
		}
	}
	return out
}

// sameVoters reports whether a and b have the same voters (learners aside).
func sameVoters(a, b raft.Membership) bool {
	return slices.Equal(a.Voters, b.Voters) && slices.Equal(a.Outgoing, b.Outgoing)
}

// quorumCliques returns every clean subset of cand that is a quorum of m
// and stops being one without any of its servers (the smallest groups
// that can elect), in lexicographic order. For a configuration that is not
// joint these are exactly cliques' q-subsets.
func (s *Sim) quorumCliques(cand []raft.NodeID, m raft.Membership) [][]raft.NodeID {
	if len(cand) > maxCliqueCandidates {
		cand = cand[:maxCliqueCandidates]
	}
	adj := s.cleanPairs(cand)
	var out [][]raft.NodeID
	var pick []raft.NodeID
	minimal := func() bool {
		for i := range pick {
			if m.HasQuorum(append(slices.Clone(pick[:i]), pick[i+1:]...)) {
				return false
			}
		}
		return true
	}
	// ok has the bits of the candidates clean with every one picked.
	var walk func(i int, ok uint32)
	walk = func(i int, ok uint32) {
		if m.HasQuorum(pick) {
			if minimal() {
				out = append(out, slices.Clone(pick))
			}
			return
		}
		for j := i; j < len(cand); j++ {
			if ok&(1<<j) != 0 {
				pick = append(pick, cand[j])
				walk(j+1, ok&adj[j])
				pick = pick[:len(pick)-1]
			}
		}
	}
	walk(0, ^uint32(0))
	return out
}

// OldestOpen returns the client operation without an answer that was
// called first, if any (at most one per client is open, so this is cheap).
func (s *Sim) OldestOpen() (HistoryOp, bool) {
	var best *HistoryOp
	for _, c := range s.clients {
		if c.hist == 0 {
			continue
		}
		if h := s.work.op(c.hist - 1); h != nil && !h.Done && (best == nil || h.Call < best.Call) {
			best = h
		}
	}
	if best == nil {
		return HistoryOp{}, false
	}
	return *best, true
}

// guardsPartial reports whether the servers run the options that keep a
// connected majority live under partial connectivity: pre-vote and
// check-quorum on every one of them.
func (s *Sim) guardsPartial(ids []raft.NodeID) bool {
	for _, id := range ids {
		if c := s.nodeConfig(s.server(id)); !c.PreVote || !c.CheckQuorum {
			return false
		}
	}
	return len(ids) > 0
}

// configs lists the distinct configurations the live servers follow, in
// order of first appearance by server id.
func (s *Sim) configs() []raft.Membership {
	var out []raft.Membership
	for _, id := range s.ids {
		srv := s.servers[id]
		if !srv.up {
			continue
		}
		m := srv.node.MembershipView()
		if len(m.Voters) > 0 && !slices.ContainsFunc(out, func(c raft.Membership) bool { return sameVoters(c, m) }) {
			out = append(out, m)
		}
	}
	return out
}

// components splits the live servers into groups that no message can
// cross between, in either direction.
func (s *Sim) components() [][]raft.NodeID {
	var live []raft.NodeID
	for _, id := range s.ids {
		if s.servers[id].up {
			live = append(live, id)
		}
	}
	seen := map[raft.NodeID]bool{}
	var out [][]raft.NodeID
	for _, root := range live {
		if seen[root] {
			continue
		}
		comp := []raft.NodeID{root}
		seen[root] = true
		for i := 0; i < len(comp); i++ {
			for _, o := range live {
				if !seen[o] && (s.blocked(comp[i], o) == "" || s.blocked(o, comp[i]) == "") {
					seen[o] = true
					comp = append(comp, o)
				}
			}
		}
		slices.Sort(comp)
		out = append(out, comp)
	}
	return out
}

// maxCliqueCandidates bounds the search of cliques: 2^n subsets.
const maxCliqueCandidates = 16

// cliques returns every q-server subset of cand that is clean (see clean),
// in lexicographic order.
func (s *Sim) cliques(cand []raft.NodeID, q int) [][]raft.NodeID {
	if len(cand) > maxCliqueCandidates {
		cand = cand[:maxCliqueCandidates]
	}
	adj := s.cleanPairs(cand)
	var out [][]raft.NodeID
	var pick []raft.NodeID
	// ok has the bits of the candidates clean with every one picked.
	var walk func(i int, ok uint32)
	walk = func(i int, ok uint32) {
		if len(pick) == q {
			out = append(out, slices.Clone(pick))
			return
		}
		for j := i; j <= len(cand)-(q-len(pick)); j++ {
			if ok&(1<<j) != 0 {
				pick = append(pick, cand[j])
				walk(j+1, ok&adj[j])
				pick = pick[:len(pick)-1]
			}
		}
	}
	walk(0, ^uint32(0))
	return out
}

// cleanPairs returns, for each server of cand (at most
// maxCliqueCandidates), the bits of the others it reaches both ways over
// the default network (cleanWith of the two). The searches of cliques and
// quorumCliques ask about the same pairs again and again; asked once
// each, they cost a fraction.
func (s *Sim) cleanPairs(cand []raft.NodeID) (adj [maxCliqueCandidates]uint32) {
	for i := range cand {
		for j := i + 1; j < len(cand); j++ {
			if s.cleanWith(cand[i:i+1], cand[j]) {
				adj[i] |= 1 << j
				adj[j] |= 1 << i
			}
		}
	}
	return adj
}

// clean reports whether every two servers of ids reach each other both
// ways over the default network.
func (s *Sim) clean(ids []raft.NodeID) bool {
	for i := range ids {
		if !s.cleanWith(ids[:i], ids[i]) {
			return false
		}
	}
	return true
}

// cleanWith reports whether id reaches every server of ids both ways over
// the default network.
func (s *Sim) cleanWith(ids []raft.NodeID, id raft.NodeID) bool {
	def := NetModel{LatencyMin: s.opts.LatencyMin, LatencyMax: s.opts.LatencyMax}
	for _, o := range ids {
		if !s.Connected(o, id) || *s.net.model.link(s, o, id) != def || *s.net.model.link(s, id, o) != def {
			return false
		}
	}
	return true
}

// isSubset reports whether every id of a is in b.
func isSubset(a, b []raft.NodeID) bool {
	for _, id := range a {
		if !slices.Contains(b, id) {
			return false
		}
	}
	return true
}
