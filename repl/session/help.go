package session

import (
	"fmt"
	"strings"

	"raftsim/repl/lang"
	"raftsim/repl/render"
)

// helpEntry documents one command: usage, what it does, an example.
type helpEntry struct {
	usage, text, example string
}

// helps holds the text of `help COMMAND` for every command.
var helps = map[string]helpEntry{
	"startServers": {"startServers [N] [debug] [verbose] [electionTimeout=MS|MIN-MAX] [heartbeatTime=MS] [preVote=BOOL] [checkQuorum=BOOL] [classic] [leaseRead=BOOL] [maxDrift=P] [snapshotThreshold=N] [sessionTimeout=D] [bug=NAME]",
		"Start servers 0..N-1 (default 3) as one cluster. Times are milliseconds or durations (300ms); the election timeout is\n" +
			"drawn from [T, 2T), or from [MIN, MAX) with electionTimeout=150ms-155ms (constant when MIN = MAX).\n" +
			"preVote (dissertation §9.6) and checkQuorum (§6.2; with it, followers that heard from a leader recently ignore\n" +
			"vote requests, §4.2.3) are on unless turned off; classic turns both off: the paper's Figure 2 alone.\n" +
			"leaseRead=true serves ro reads from a leader lease (§6.4.1; needs checkQuorum): an election timeout shortened for\n" +
			"clocks that drift by up to maxDrift (default 5%), from the start of the last heartbeat round a majority answered.\n" +
			"snapshotThreshold=N: every server snapshots its state machine and compacts its log every N applied entries\n" +
			"(§7; 0, the default: never). sessionTimeout=D: a client session with no command for D of the time the log\n" +
			"carries expires (dissertation §6.3): its next command is answered SESSION_EXPIRED, never applied (default: never).\n" +
			"debug prints these servers' events; bug=NAME plants a known mistake\n" +
			"(figure8, forget-vote, stale-read, short-log-vote, even-majority, transfer-behind, lease-no-drift,\n" +
			"snapshot-drops-log).",
		"startServers 5 debug electionTimeout=300ms    t.startServers({ debug: true });"},
	"addServer": {"addServer ID [debug] [preVote=BOOL] [checkQuorum=BOOL] [classic] [snapshotThreshold=N]",
		"Create server ID with an empty disk and add it through the leader (one server at a time); waits until the\n" +
			"change commits and prints OK, NOT_LEADER, ALREADY_A_MEMBER, PENDING_CONFIG_CHANGE or TIMEOUT.",
		"addServer 3 debug    t.addServer(3, { debug: true });"},
	"removeServer": {"removeServer ID",
		"Remove server ID through the leader; waits until the change commits. A removed leader steps down.",
		"removeServer 2"},
	"transferLeadership": {"transferLeadership ID",
		"Hand leadership over to server ID (dissertation §3.10): the leader takes no new requests, brings ID up to date\n" +
			"and sends it TimeoutNow; ID campaigns at once, past pre-vote and the recent-leader rule. Waits and prints OK once\n" +
			"ID leads, NOT_LEADER, NOT_A_MEMBER, or TIMEOUT (the leader gives up after an election timeout).",
		"transferLeadership 2    t.transferLeadership(2);"},
	"clock": {"clock [ID] [drift=P]",
		"Show every server's clock drift, or make server ID's clock run fast (drift=+5%) or slow (drift=-2%): its timers\n" +
			"and every time it measures, lease reads' included, run at that rate. Beyond the lease's maxDrift a lease may outlast\n" +
			"its leader: expect linearizable catches the stale read.",
		"clock 0 drift=-30%    t.clock(0, { drift: '-30%' });"},
	"changeConfig": {"changeConfig +ID ... -ID ...",
		"Any change of membership at once, through joint consensus (§6, dissertation §4.3): new servers (empty disks)\n" +
			"catch up, then the configuration C_old,new, in which every decision needs a majority of both, then C_new.\n" +
			"A leader not in C_new steps down once C_new commits. Waits; prints OK, NOT_LEADER, ALREADY_A_MEMBER,\n" +
			"NOT_A_MEMBER, PENDING_CONFIG_CHANGE or TIMEOUT.",
		"changeConfig +3 +4 +5 -0 -1 -2    t.changeConfig({ add: [3, 4, 5], remove: [0, 1, 2] });"},
	"addLearner": {"addLearner ID [debug]",
		"Create server ID with an empty disk and add it as a learner (dissertation §4.2.1): it receives the log,\n" +
			"never votes and never counts for commit or elections. Waits; prints OK or a refusal.",
		"addLearner 3"},
	"promote": {"promote ID",
		"Make the learner ID a voter, through the log (a one-server change once it has caught up). Waits.",
		"promote 3"},
	"crash": {"crash ID",
		"Stop server ID: its volatile state is lost, its disk is kept, messages to it are lost.",
		"crash 1"},
	"restart": {"restart ID",
		"Start a crashed server again from its disk: its snapshot, then the log after it.",
		"restart 1"},
	"snapshot": {"snapshot ID",
		"Server ID snapshots its state machine now (§7): the key/value map, the client sessions and the configuration\n" +
			"after its last applied entry go to its disk, and its log drops the entries the snapshot holds (keeping a\n" +
			"quarter of snapshotThreshold as a tail). A follower whose next entry a leader dropped gets the snapshot\n" +
			"instead, in chunks (InstallSnapshot). getAll snapshot shows each server's.",
		"snapshot 0"},
	"partition": {"partition A,B | C,D,E",
		"Cut every link between the groups. Servers not named form one more group, so `partition 2` isolates server 2.",
		"partition 0,1 | 2,3,4"},
	"heal": {"heal",
		"Remove every partition and cut link.",
		"heal"},
	"cut": {"cut A->B | cut A<->B",
		"Block one link, one way or both ways; heal restores it.",
		"cut 0->2"},
	"clientRequest": {"clientRequest [ID] set K V | get K [ro] | del K | cas K OLD NEW",
		"Send a request to server ID, or to the leader (following redirects) when ID is left out. Runs the clock until\n" +
			"the reply, then until the entry is applied everywhere the leader can reach. `ro` reads through ReadIndex.\n" +
			"Prints { status, result, leaderHint } like raft.js. Words are strings, numbers stay numbers.",
		"clientRequest $lid set a 1    t.serverPool[lid].clientRequest({ op: \"set\", key: 'a', value: 1 }, function(results) { console.log(\"results: \", results); });"},
	"getLeaderId": {"getLeaderId",
		"The leader's id. With no leader yet, runs the clock until one is elected or a bound passes (then null).",
		"lid = getLeaderId    lid = t.getLeaderId();"},
	"getAll": {"getAll FIELD [ID] | getAll log [ID] FROM..TO",
		"FIELD of every server, or of server ID. Fields: " + strings.Join(fields, ", ") + ".\n" +
			"For a long log, FROM..TO shows entries FROM to TO (FROM.. runs to the end): getAll log 0 60..66.",
		"getAll log $lid    t.getAll('log')[lid];"},
	"status": {"status",
		"One row per server: state, term, vote, commit index, last applied, log length, up/down, partition group.",
		"status"},
	"run": {"run DURATION",
		"Advance virtual time (a bare number is milliseconds).",
		"run 2s"},
	"step": {"step [N]",
		"Process the next N events (default 1), printing each.",
		"step 5"},
	"until": {"until leader | committed INDEX | idle [TIMEOUT]",
		"Run the clock until the condition holds, or fail after TIMEOUT (default 10s).",
		"until committed 3 2s"},
	"debug": {"debug on|off|verbose",
		"Print events as they happen: elections, votes, appends, commits. verbose adds heartbeats and deliveries.",
		"debug on"},
	"expect": {"expect PREDICATE",
		"Check a fact; a failure shows what was expected and what was found, and makes a script exit 1.\n" +
			"  leader [ID]           exactly one leader in the highest term, with a live majority behind it (and it is ID)\n" +
			"  noleader              no leader has a live majority behind it\n" +
			"  state ID ROLE         leader, follower, candidate or down\n" +
			"  value K V [on IDS]    every live server (or those listed) has applied K = V\n" +
			"  committed I [on IDS]  commitIndex >= I on every live server (or those listed)\n" +
			"  converged             live, connected servers have identical logs and state machines\n" +
			"  safe                  no Raft safety property has been broken so far\n" +
			"  linearizable          the client history so far is linearizable (see check)",
		"expect value a 1 on 0,1"},
	"seed": {"seed [N]",
		"Show the seed, or start over with an empty cluster built from seed N. Same seed, same commands: same run.",
		"seed 42"},
	"reset": {"reset",
		"Start over with an empty cluster and the same seed; variables are cleared.",
		"reset"},
	"source": {"source FILE",
		"Run the commands of a script file; errors name FILE:LINE.",
		"source scripts/tutorial.raft"},
	"help": {"help [COMMAND]",
		"List the commands, or explain one.",
		"help clientRequest"},
	"quit": {"quit",
		"Leave the shell (Ctrl-D does too).",
		"quit"},
	"print": {"print [VALUE ...]",
		"Show values or variables; with no argument, every variable.",
		"print $lid"},
	"require": {"t = require('./test_local')",
		"Accepted for raft.js compatibility: t is the simulated cluster, and the `t.` prefix is optional.",
		"t = require('./test_local');"},
	"net": {"net [A->B | A<->B] [loss=P] [dup=P] [latency=MIN-MAX] [dist=uniform|exp] [reorder=P] [longdelay=P:MIN-MAX] | net [A->B] reset",
		"Set the network model for every link, or for one link one way (A->B) or both ways (A<->B); `net` alone prints it.\n" +
			"A link's settings override the global ones field by field; the global model applies to client links too.\n" +
			"  loss=P               drop a message with probability P (0..1, or 10%)\n" +
			"  dup=P                deliver a second copy with probability P; the copy has its own delay\n" +
			"  latency=MIN-MAX      one-way latency (default 5ms-15ms; one value: constant; bare numbers are ms),\n" +
			"                       drawn for each message: like UDP, not TCP, two messages on one link may\n" +
			"                       arrive out of order even with reorder=0 (a constant latency keeps them in order)\n" +
			"  dist=uniform|exp     uniform in [MIN, MAX), or MIN + an exponential with mean (MAX-MIN)/2:\n" +
			"                       both have mean (MIN+MAX)/2, exp has a long tail\n" +
			"  reorder=P            with probability P hold a message back by an extra uniform [MAX, 2*MAX),\n" +
			"                       so later messages on the link overtake it\n" +
			"  longdelay=P:MIN-MAX  with probability P add a delay uniform in [MIN, MAX) (longdelay=0: off)\n" +
			"`net reset` restores the default model everywhere and removes link rules; `net A->B reset` removes one\n" +
			"link's rules. Partitions and cuts are separate: `heal` removes those and keeps the model.",
		"net loss=0.1 dup=0.05 reorder=0.1"},
	"disk": {"disk [ID] [fsync=DURATION]",
		"Set how long a write takes to become durable, on one server or on every server (and servers added later);\n" +
			"`disk` alone shows every disk. Writes are queued: each is durable fsync after the previous one. Until\n" +
			"then the messages that depend on it wait (persist before you speak), and a leader does not count its own\n" +
			"copy. A crash loses the writes not yet durable, and their messages; restart boots from what is on disk.\n" +
			"fsync=0 (the default) makes writes durable at once.",
		"disk 1 fsync=50ms"},
	"load": {"load [clients=N] [rate=R/s] [keys=K] [for=DURATION] [mix=set:get:cas] [loop=closed|open] | load status | load stop",
		"Start N concurrent clients (default 3), each with a session, issuing random operations on keys k0..k(K-1)\n" +
			"(default 3) at R operations per second in all (default 50/s; also 600/m) for DURATION of virtual time\n" +
			"(default 5s). mix weighs set, get and cas (default 1:1:1); gets go half through ReadIndex (ro), half through\n" +
			"the log; cas expects the last value the client saw. Values are unique (client id * 1e6 + seq). Each client\n" +
			"has one operation at a time; arrivals are Poisson. A client that times out sends the same command again\n" +
			"with the same seq until it is answered, so an operation may stay pending while the cluster is down.\n" +
			"load returns at once: the clients work as time advances (run, until, ...). load status shows progress;\n" +
			"load stop stops new operations. Every operation is recorded: see history, check, export history.\n" +
			"loop=open: operations arrive at R whatever the answers (a large population of users), each on a free client,\n" +
			"made as needed up to N (default 100 then); an arrival that finds all N busy is dropped and counted.",
		"load clients=5 rate=100/s keys=2 for=10s mix=1:2:1"},
	"history": {"history [N] | history all",
		"The last N (default 20) client operations recorded, of load and of clientRequest: call and return time,\n" +
			"client (shell for clientRequest), session seq, operation, status and result. Pending: no answer yet.",
		"history 50"},
	"check": {"check",
		"Check now that no Raft safety property has broken, and that the client history is linearizable for the\n" +
			"key/value model (porcupine's search, one key at a time, cut into windows where nothing is in flight). A write\n" +
			"without an answer may or may not have happened; a read without one is ignored. A violation names the key and\n" +
			"the operation no order explains, and makes a script fail. The search's budget is counted (at most 4096\n" +
			"operations in one window, 500000 steps per window), so a verdict is the same on every machine; a stretch it cannot\n" +
			"decide is named, with the reason, and fails the check too. expect safe and expect linearizable check one of them.",
		"check"},
	"export": {"export timeline FILE.html | export history FILE.html | export trace FILE.jsonl",
		"export timeline writes the run so far as one page (open it in a browser): a lane per server with its role and\n" +
			"term over time, down intervals and partitions, messages as arrows, commits and applies, client operations.\n" +
			"The newest 200000 events are always kept, so it can be exported at any moment.\n" +
			"export history writes the client history as a page (open it in a browser): a lane per client with each\n" +
			"operation, the servers' down times; pick a key to see the order the check found, or where no order fits.\n" +
			"export trace writes the trace (the newest 200000 events), one JSON object a line.",
		"export timeline run.html"},
	"pending": {"pending",
		"The messages in flight and the servers' timers, soonest first, each with the virtual time it is due.\n" +
			"A message's ID is for deliver and drop; a timer is named by its server, for timeout. Nothing runs the clock:\n" +
			"a class can play a run by hand, one message at a time (scripts/figure8-by-hand.raft).",
		"pending"},
	"deliver": {"deliver ID | deliver FROM->TO",
		"Deliver one message in flight now, ahead of its time (FROM->TO: the next one due on that link), and show\n" +
			"what the receiver did. A partition, a cut or a receiver that is down still loses it. The clock does not move.",
		"deliver 17"},
	"drop": {"drop ID | drop FROM->TO",
		"Lose one message in flight, as a lossy link would. The clock does not move.",
		"drop 17"},
	"timeout": {"timeout ID",
		"Server ID's election timer fires now: it starts an election in the next term, whatever its timeout was.\n" +
			"A leader has no election timer: its heartbeat timer fires instead. The clock does not move.",
		"timeout 1"},
	"why": {"why ID",
		"In words: why server ID has its role, term, vote, leader and commit index, citing the events that caused them\n" +
			"(times, servers, messages): the timeout that started its election and why no heartbeat had come, who granted\n" +
			"and who refused their votes and why, where its term came from, which servers hold its commit index.\n" +
			"It reads the trace that is always kept (the newest events of the run).",
		"why 2"},
	"rewind": {"rewind DURATION",
		"Go back DURATION of virtual time: the session is replayed from its seed up to then (exactly: the simulator is\n" +
			"deterministic), a command that was running then is stopped where it was. goto replays what was ahead; any\n" +
			"command that changes the cluster, typed now, forks the run and forgets it. Looking (status, why...) does not.",
		"rewind 500ms"},
	"goto": {"goto TIME",
		"Go to virtual time TIME of this run (since startServers' cluster was built: seed and reset start afresh),\n" +
			"back by replaying from the seed, forward along what a rewind left ahead, then by running the clock.",
		"goto 1.5s"},
	"save": {"save FILE.raft",
		"Write the session so far as a script that replays it exactly: the commands that built the state, each with\n" +
			"its output, from its seed (forks and goto's included). raftsim run FILE replays it; raftsim test FILE checks\n" +
			"that it still prints the same.",
		"save session.raft"},
	"trace": {"trace | trace on",
		"Say how much of the run the trace holds. Every event (messages, drops, elections, commits, client calls) is\n" +
			"always recorded, the newest 200000 kept (about 20 MB at most), for export trace FILE.jsonl and export timeline\n" +
			"FILE.html; trace on is accepted and has nothing to start.",
		"trace"},
}

// helpGroups orders the overview.
var helpGroups = []struct {
	title string
	names []string
}{
	{"cluster", []string{"startServers", "addServer", "removeServer", "changeConfig", "addLearner", "promote", "transferLeadership", "crash", "restart", "snapshot", "partition", "cut", "heal"}},
	{"faults", []string{"net", "disk", "clock"}},
	{"clients and state", []string{"clientRequest", "getLeaderId", "getAll", "status"}},
	{"time", []string{"run", "step", "until", "debug"}},
	{"one message at a time", []string{"pending", "deliver", "drop", "timeout", "why"}},
	{"time travel", []string{"rewind", "goto", "save"}},
	{"workload and checks", []string{"load", "history", "check", "expect", "export", "trace"}},
	{"session", []string{"seed", "reset", "source", "print", "help", "quit", "require"}},
}

func (s *Session) help(c lang.Command) render.Result {
	if len(c.Args) == 0 {
		return render.Result{OK: true, Value: render.HelpText(overview())}
	}
	name := strings.TrimPrefix(c.Args[0].Text, "t.")
	if name == "exit" {
		name = "quit"
	}
	h, ok := helps[name]
	if !ok {
		for n := range helps {
			if strings.EqualFold(n, name) {
				name, h, ok = n, helps[n], true
			}
		}
	}
	if !ok {
		sug := lang.Suggest(name)
		if _, known := helps[sug]; !known {
			sug = closest(name, commandNames())
		}
		if sug != "" {
			return render.Result{Err: fmt.Errorf("help: no command %q (did you mean %s? type help for the list)", name, sug)}
		}
		return render.Result{Err: fmt.Errorf("help: no command %q (type help for the list)", name)}
	}
	text := fmt.Sprintf("%s\n\n%s\n\nexample:  %s", h.usage, h.text, firstExample(h.example))
	if js := strings.TrimSpace(strings.TrimPrefix(h.example, firstExample(h.example))); js != "" {
		text += "\nJS form:  " + js
	}
	return render.Result{OK: true, Value: render.HelpText(text)}
}

func overview() string {
	var b strings.Builder
	b.WriteString("Commands (shell form, or the raft.js form with t. and parentheses). help COMMAND explains one.\n")
	for _, g := range helpGroups {
		fmt.Fprintf(&b, "\n%s:\n", g.title)
		for _, n := range g.names {
			u := helps[n].usage
			if len(u) > 50 {
				// Too wide for the column: the example goes below.
				fmt.Fprintf(&b, "  %s\n  %-50s e.g. %s\n", u, "", firstExample(helps[n].example))
				continue
			}
			fmt.Fprintf(&b, "  %-50s e.g. %s\n", u, firstExample(helps[n].example))
		}
	}
	b.WriteString("\nVariables: lid = getLeaderId stores the result; $lid (or lid in the JS form) uses it.\n")
	b.WriteString("Time moves only with run, step, until, goto and rewind, and the commands that wait (clientRequest, getLeaderId,\naddServer, removeServer, transferLeadership).")
	return b.String()
}

// firstExample keeps the shell-form example (before the JS form).
func firstExample(ex string) string {
	if i := strings.Index(ex, "    "); i > 0 {
		return ex[:i]
	}
	return ex
}
