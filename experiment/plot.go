package experiment

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// panel is one graph of a figure: the lines it shows and how.
type panel struct {
	title string
	log   bool // logarithmic time axis, as the top graph of Figure 16
	lines []*Result
}

// panels groups the results the way Figure 16 does: the top graph varies
// the randomness of 150 ms timeouts (a log axis, since 150-151 takes
// seconds), the bottom one scales the range; 150-300 is in both. Lines of
// other experiments share one graph per panel name.
func (rep *Report) panels() []panel {
	top := panel{title: "Randomness of the election timeout (Figure 16, top)", log: true}
	bottom := panel{title: "Scale of the election timeout (Figure 16, bottom)"}
	var others []panel
	byName := map[string]int{}
	for i := range rep.Results {
		r := &rep.Results[i]
		r.color = i // a line keeps its colour in every graph
		switch r.Panel {
		case "top":
			top.lines = append(top.lines, r)
		case "bottom":
			bottom.lines = append(bottom.lines, r)
		case "both":
			top.lines = append(top.lines, r)
			bottom.lines = append(bottom.lines, r)
		default:
			k, ok := byName[r.Panel]
			if !ok {
				k = len(others)
				byName[r.Panel] = k
				others = append(others, panel{title: rep.Title})
			}
			others[k].lines = append(others[k].lines, r)
		}
	}
	// The bottom graph lists its lines by scale, as the paper does.
	slices.SortStableFunc(bottom.lines, func(a, b *Result) int { return cmp.Compare(a.Setup.Timeout.Min, b.Setup.Timeout.Min) })
	var out []panel
	for _, p := range []panel{top, bottom} {
		if len(p.lines) > 0 {
			out = append(out, p)
		}
	}
	return append(out, others...)
}

// newPlot draws one panel: the empirical CDF of each line's election
// times, as a step line, in percent of its trials.
func newPlot(p panel) (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text = p.title
	pl.X.Label.Text = "time without a leader (ms)"
	pl.Y.Label.Text = "cumulative percent"
	pl.Y.Min, pl.Y.Max = 0, 100
	// Lower right, below the curves, as in Figure 16.
	pl.Legend.Top, pl.Legend.Left = false, false
	pl.Legend.XOffs, pl.Legend.YOffs = -4*vg.Millimeter, 4*vg.Millimeter
	pl.Legend.TextStyle.Font.Size = vg.Points(10)
	pl.Legend.ThumbnailWidth = 1 * vg.Centimeter
	pl.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), 0.0
	for _, r := range p.lines {
		i := r.color
		xs, ys := CDF(r.Trials)
		pts := make(plotter.XYs, 0, len(xs)+1)
		for k := range xs {
			pts = append(pts, plotter.XY{X: xs[k], Y: 100 * ys[k]})
		}
		if len(pts) == 0 {
			// No trial elected a leader within the cap: say so in the
			// legend, with nothing to draw.
			l := &plotter.Line{}
			style(l, i)
			pl.Legend.Add(fmt.Sprintf("%s: none within %s", label(r), fmtMS(r.Setup.Cap)), l)
			continue
		}
		lo, hi = math.Min(lo, pts[0].X), math.Max(hi, pts[len(pts)-1].X)
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.StepStyle = plotter.PostStep
		style(l, i)
		pl.Add(l)
		pl.Legend.Add(label(r), l)
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1, 1000
	}
	if p.log {
		pl.X.Scale = plot.LogScale{}
		pl.X.Tick.Marker = plot.LogTicks{Prec: -1}
		pl.X.Min = math.Pow(10, math.Floor(math.Log10(lo)))
		pl.X.Max = math.Pow(10, math.Ceil(math.Log10(hi)))
	} else {
		pl.X.Min = 0
		pl.X.Max = niceCeil(hi)
		pl.X.Tick.Marker = wholeTicks{}
	}
	return pl, nil
}

// label names a line in the legend: with its unit, as the paper does.
func label(r *Result) string {
	if strings.Contains(r.Name, "ms") {
		return r.Name
	}
	rng, rest, _ := strings.Cut(r.Name, " ")
	return strings.TrimSpace(rng + "ms " + rest)
}

// wholeTicks are the default ticks labelled without decimals (the
// default writes 250.00 for 250 ms).
type wholeTicks struct{}

func (wholeTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', -1, 64)
		}
	}
	return ts
}

func style(l *plotter.Line, i int) {
	l.LineStyle.Width = vg.Points(1.5)
	l.LineStyle.Color = plotutil.Color(i)
	l.LineStyle.Dashes = plotutil.Dashes(i)
}

// niceCeil rounds x up to 1, 2 or 5 times a power of ten.
func niceCeil(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// WritePlots draws the report's CDF plots into dir as SVG and PNG, one
// figure with a graph per panel, and returns the files written.
func (rep *Report) WritePlots(dir string) ([]string, error) {
	ps := rep.panels()
	if len(ps) == 0 {
		return nil, nil
	}
	var rows [][]*plot.Plot
	for _, p := range ps {
		pl, err := newPlot(p)
		if err != nil {
			return nil, err
		}
		rows = append(rows, []*plot.Plot{pl})
	}
	name := rep.Experiment + "-cdf"
	if rep.Experiment == "election" {
		name = "figure16"
	}
	w, h := 16*vg.Centimeter, vg.Length(len(rows))*10*vg.Centimeter
	var written []string
	for _, format := range []string{"png", "svg"} {
		path := filepath.Join(dir, name+"."+format)
		f, err := os.Create(path)
		if err != nil {
			return written, err
		}
		err = renderPlots(rows, w, h, format, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return written, fmt.Errorf("%s: %w", path, err)
		}
		written = append(written, path)
	}
	return written, nil
}

// renderPlots draws the graphs stacked, their axes aligned, on a canvas of the
// format.
func renderPlots(rows [][]*plot.Plot, w, h vg.Length, format string, out io.Writer) error {
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(144))}
	case "svg":
		c = vgsvg.New(w, h)
	default:
		return fmt.Errorf("unknown plot format %q", format)
	}
	dc := draw.New(c)
	t := draw.Tiles{Rows: len(rows), Cols: 1, PadX: 2 * vg.Millimeter, PadY: 6 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter}
	canvases := plot.Align(rows, t, dc)
	for i := range rows {
		rows[i][0].Draw(canvases[i][0])
	}
	_, err := c.WriteTo(out)
	return err
}
