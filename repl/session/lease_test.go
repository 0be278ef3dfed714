package session

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// transferLeadership (dissertation §3.10) waits until the target leads and
// prints OK; a refusal fails with the status as its value and the reason
// (JSON: the status string, "ok":false and the reason in "error").
func TestTransferLeadershipCommand_3_10(t *testing.T) {
	s, l := cluster(t)
	to := (l + 1) % 3
	execOK(t, s, fmt.Sprintf("transferLeadership %d", to))
	assert.Contains(t, jsonOf(s, "getLeaderId"), fmt.Sprintf(`"result":%d`, to))
	assert.Contains(t, jsonOf(s, fmt.Sprintf("t.transferLeadership(%d)", to)), `"ok":true,"result":"OK"`)
	j := jsonOf(s, "transferLeadership 7")
	assert.Contains(t, j, `"ok":false`)
	assert.Contains(t, j, `"result":"NOT_A_MEMBER"`)
	assert.Contains(t, j, `server 7 is not in the configuration`)
	execErr(t, s, "transferLeadership", "give the id")
	execErr(t, s, "transferLeadership 1000", "transferLeadership")
}

// clock ID drift=P sets a server's drift; the value is checked and worded.
func TestClockCommand(t *testing.T) {
	s, _ := cluster(t)
	r := execOK(t, s, "clock 1 drift=+5%")
	assert.Contains(t, fmt.Sprint(r.Value), "S1's clock runs at +5%")
	r = execOK(t, s, "clock")
	assert.Contains(t, fmt.Sprint(r.Value), "S0 0%, S1 +5%, S2 0%")
	execOK(t, s, "clock 1 drift=-2.5%")
	assert.Equal(t, int64(-25_000), s.sim.ClockDrift(1))
	execErr(t, s, "clock 1 drift=5", "percentage")
	execErr(t, s, "clock 1 drift=-95%", "out of range")
	execErr(t, s, "clock drift=+5%", "one server")
	execErr(t, s, "clock 9 drift=+5%", "clock")
}

// leaseRead needs checkQuorum (§6.4.1 relies on §4.2.3); maxDrift is a
// percentage from 0 to 50%.
func TestLeaseReadOptions_6_4_1(t *testing.T) {
	s := New(Options{Seed: 1})
	execErr(t, s, "startServers 3 leaseRead=true checkQuorum=false", "leaseRead needs checkQuorum")
	execErr(t, s, "startServers 3 leaseRead=true maxDrift=60%", "maxDrift")
	execOK(t, s, "startServers 3 leaseRead=true maxDrift=2%")
	require.True(t, s.sim.Options().LeaseRead)
	assert.Equal(t, 20_000, s.sim.Options().MaxDriftPPM)
}
