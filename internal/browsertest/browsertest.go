// Package browsertest starts headless Chromium for the browser tests of
// the pages raftsim draws (the live web view, the exported timeline).
// Under CI=true a missing browser fails the test; elsewhere the test is
// skipped with a message saying what to install.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path finds Chromium, or fails (CI=true) or skips tb.
func Path(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("no Chromium found (chromium, chromium-browser, google-chrome): CI must install it (apt-get install chromium)")
	}
	tb.Skip("skipping the browser tests: no Chromium found (install chromium to run them)")
	return ""
}

// New starts a headless Chromium with a window of width x height (a
// projector's 1280x800 is what the pages are made for) and returns a
// context for chromedp that ends within timeout. It is closed when tb
// ends.
func New(tb testing.TB, width, height int, timeout time.Duration) context.Context {
	tb.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path(tb)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("allow-file-access-from-files", true),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(width, height),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, timeout)
	tb.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}
