package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"raftsim/raft"
)

// netModel is the network's fault model: a global model for every link,
// per-link rules that override it field by field, and the fault stream.
//
// The global model applies to client links too (a client's requests and
// the replies to it can be lost or delayed like any message); rules name
// server-to-server links only.
type netModel struct {
	// set says glob holds the global model; until then it is the plain
	// uniform latency of the simulation's options.
	set  bool
	glob NetModel
	// rules are the per-link rules as given; eff the model in force on
	// each link that has one (glob with the rule applied).
	rules map[[2]raft.NodeID]NetRule
	eff   map[[2]raft.NodeID]*NetModel
	// faulty says some link's model is not plain, so that send must look
	// up the link's model; false keeps the hot path to one latency draw.
	faulty bool
	// fault is the "network/faults" stream, made on first use: it depends
	// only on the seed and its name, so making it late changes nothing.
	fault *rand.Rand
}

// streamNetFaults names the stream of loss, duplication, reordering and
// long-delay draws, kept apart from the latency draws of streamNetwork.
const streamNetFaults = "network/faults"

// global returns the global model.
func (nm *netModel) global(s *Sim) NetModel {
	if nm.set {
		return nm.glob
	}
	return NetModel{LatencyMin: s.opts.LatencyMin, LatencyMax: s.opts.LatencyMax}
}

// link returns the model in force on the link from -> to.
func (nm *netModel) link(s *Sim, from, to raft.NodeID) *NetModel {
	if len(nm.eff) > 0 {
		if m := nm.eff[[2]raft.NodeID{from, to}]; m != nil {
			return m
		}
	}
	if !nm.set {
		nm.glob, nm.set = nm.global(s), true
	}
	return &nm.glob
}

func (nm *netModel) rnd(s *Sim) *rand.Rand {
	if nm.fault == nil {
		nm.fault = newStream(s.opts.Seed, streamNetFaults)
	}
	return nm.fault
}

// refresh recomputes the per-link models and the faulty flag after a change.
func (nm *netModel) refresh(s *Sim) {
	g := nm.global(s)
	nm.glob, nm.set = g, true
	nm.faulty = !g.plain() || len(nm.rules) > 0
	nm.eff = make(map[[2]raft.NodeID]*NetModel, len(nm.rules))
	for k, r := range nm.rules {
		m := g.apply(r)
		nm.eff[k] = &m
	}
}

// SetNet sets the fields of the global model that r names, for every link.
func (s *Sim) SetNet(r NetRule) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("net: %w", err)
	}
	nm := &s.net.model
	nm.glob, nm.set = nm.global(s).apply(r), true
	nm.refresh(s)
	s.net.version++
	s.emitNet("net " + r.String())
	return nil
}

// SetLinkNet sets the fields r names on the link from -> to (and to ->
// from if bothWays), over the global model. Rules for a link add up: a
// later rule changes only the fields it names.
func (s *Sim) SetLinkNet(from, to raft.NodeID, bothWays bool, r NetRule) error {
	name := linkName(from, to, bothWays)
	if err := s.checkLink("net "+name, from, to); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return fmt.Errorf("net %s: %w", name, err)
	}
	nm := &s.net.model
	if nm.rules == nil {
		nm.rules = map[[2]raft.NodeID]NetRule{}
	}
	for _, k := range linkKeys(from, to, bothWays) {
		nm.rules[k] = nm.rules[k].merge(r)
	}
	nm.refresh(s)
	s.net.version++
	s.emitNet("net " + name + " " + r.String())
	return nil
}

// ClearLinkNet removes the rules of the link from -> to (and to -> from if
// bothWays): the link follows the global model again.
func (s *Sim) ClearLinkNet(from, to raft.NodeID, bothWays bool) error {
	name := linkName(from, to, bothWays)
	if err := s.checkLink("net "+name, from, to); err != nil {
		return err
	}
	nm := &s.net.model
	for _, k := range linkKeys(from, to, bothWays) {
		delete(nm.rules, k)
	}
	nm.refresh(s)
	s.net.version++
	s.emitNet("net " + name + " reset")
	return nil
}

// ResetNet restores the default model (the plain uniform latency of the
// simulation's options) on every link and drops every per-link rule.
// Partitions and cuts are left alone: Heal removes those.
func (s *Sim) ResetNet() {
	fault := s.net.model.fault
	s.net.model = netModel{fault: fault}
	s.net.version++
	s.emitNet("net reset")
}

func (s *Sim) checkLink(op string, from, to raft.NodeID) error {
	if s.server(from) == nil {
		return errNoServer(op, from)
	}
	if s.server(to) == nil {
		return errNoServer(op, to)
	}
	if from == to {
		return fmt.Errorf("%s: a link joins two different servers", op)
	}
	return nil
}

func linkKeys(from, to raft.NodeID, bothWays bool) [][2]raft.NodeID {
	if bothWays {
		return [][2]raft.NodeID{{from, to}, {to, from}}
	}
	return [][2]raft.NodeID{{from, to}}
}

func linkName(from, to raft.NodeID, bothWays bool) string {
	arrow := "->"
	if bothWays {
		arrow = "<->"
	}
	return strconv.Itoa(int(from)) + arrow + strconv.Itoa(int(to))
}

// NetView is the network model as the shell shows it.
type NetView struct {
	Global NetModel
	// Links are the per-link rules, one per direction, ordered by
	// (From, To). Only the fields a rule sets override the global model.
	Links []LinkRule
}

// LinkRule is the rule of one direction of one link.
type LinkRule struct {
	From, To raft.NodeID
	Rule     NetRule
	// Effective is the model in force on the link: the global model with
	// the rule applied.
	Effective NetModel
}

// Net returns the network model in force.
func (s *Sim) Net() NetView {
	nm := &s.net.model
	v := NetView{Global: nm.global(s)}
	for k, r := range nm.rules {
		v.Links = append(v.Links, LinkRule{From: k[0], To: k[1], Rule: r, Effective: v.Global.apply(r)})
	}
	slices.SortFunc(v.Links, func(a, b LinkRule) int {
		if a.From != b.From {
			return int(a.From - b.From)
		}
		return int(a.To - b.To)
	})
	return v
}
