package timeline

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
)

//go:embed assets/timeline.js
var script string

//go:embed assets/timeline.css
var style string

// Write draws in as one self-contained HTML page: the data, the script
// and the style are all inside it, so it opens from a file with no
// network. The same Input writes the same bytes.
func Write(w io.Writer, in Input) error {
	return WriteData(w, Build(in))
}

// WriteData writes the page of data built by Build.
func WriteData(w io.Writer, d Data) error {
	js, err := json.Marshal(d) // escapes <, > and &: safe inside <script>
	if err != nil {
		return fmt.Errorf("timeline: encoding the data: %w", err)
	}
	title := html.EscapeString(d.Title)
	_, err = fmt.Fprintf(w, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%s</title>
<style>
%s</style>
</head>
<body>
<header id="bar"></header>
<div id="view"><canvas id="canvas"></canvas><div id="tip"></div></div>
<script id="data" type="application/json">%s</script>
<script>
%s</script>
</body>
</html>
`, title, style, js, script)
	if err != nil {
		return fmt.Errorf("timeline: writing the page: %w", err)
	}
	return nil
}
