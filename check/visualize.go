package check

import (
	"fmt"
	"io"
	"time"

	"github.com/anishathalye/porcupine"
)

// Annotation marks a moment or an interval of the history in the
// visualisation: a crash, a partition, a fault. Annotations sit on rows of
// their own, named by Tag.
type Annotation struct {
	Tag         string        // the row, e.g. "S2" or "network"
	Start, End  time.Duration // End <= Start: a moment
	Description string        // shown on the bar
	Details     string        // shown on hover
	Color       string        // background, a CSS colour; "" for the default
}

// VisualizeTimeout bounds the linearizability search behind a
// visualisation; past it, porcupine draws the partial orders it has found.
var VisualizeTimeout = 30 * time.Second

// Visualize writes porcupine's HTML visualisation of the history to w: one
// row per client, operations as bars over (virtual) time, one tab per key,
// the linearization found (or the longest partial ones, with the first
// operation that cannot be placed, when there is none), and the
// annotations. Writes without a reply are drawn up to the end.
func Visualize(ops []Operation, w io.Writer, annotations []Annotation) error {
	conv, _, err := convert(ops)
	if err != nil {
		return err
	}
	_, info := porcupine.CheckOperationsVerbose(Model, conv, VisualizeTimeout)
	anns := make([]porcupine.Annotation, 0, len(annotations))
	for _, a := range annotations {
		e := a.End
		if e < a.Start {
			e = a.Start
		}
		anns = append(anns, porcupine.Annotation{
			Tag:             a.Tag,
			Start:           int64(a.Start),
			End:             int64(e),
			Description:     a.Description,
			Details:         a.Details,
			BackgroundColor: a.Color,
		})
	}
	info.AddAnnotations(anns)
	if err := porcupine.Visualize(Model, info, w); err != nil {
		return fmt.Errorf("check: writing the visualisation: %w", err)
	}
	return nil
}
