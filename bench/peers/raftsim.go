package main

import "raftsim/sim"

// runRaftsim is `raftsim bench -n N -k K -w W` (seed 1).
func runRaftsim(n, k, w int) (result, error) {
	r, err := sim.Bench(n, k, w, 1)
	if err != nil {
		return result{}, err
	}
	return result{commits: r.Commits, wall: r.Wall, allocs: r.Allocs}, nil
}
