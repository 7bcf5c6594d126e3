package rotate

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// traceScripts returns script blocks for the given script kinds: each
// appends "KIND $0 [$1] [$2] $#" and an `ls` of dir to trace; extra (by
// kind) is shell text run after that (an exit status, say).
func traceScripts(dir, trace string, extra map[string]string, kinds ...string) string {
	var b strings.Builder
	for _, k := range kinds {
		fmt.Fprintf(&b, "  %s\n    echo \"%s $0 [$1] [$2] $#\" >> %s; ls %s >> %s\n", k, k, trace, dir, trace)
		if x := extra[k]; x != "" {
			fmt.Fprintf(&b, "    %s\n", x)
		}
		b.WriteString("  endscript\n")
	}
	return b.String()
}

// TestScriptsLikeLogrotate runs the same configuration, scripts included,
// with the real logrotate (forced runs) and with a Writer (Rotate), on
// the same content, and compares the traces the scripts leave: which
// script runs when, with which $0 $1 $2, and what the directory holds at
// that moment; then the files and their content, and which runs failed.
func TestScriptsLikeLogrotate(t *testing.T) {
	bin := testkit.Logrotate(t)
	testkit.Need(t, "gzip")
	all := []string{"firstaction", "prerotate", "postrotate", "preremove", "lastaction"}
	for _, tc := range []struct {
		name, block string
		kinds       []string
		extra       map[string]string
		rotations   int
	}{
		{name: "numbered-compress", block: "rotate 2\ncreate\ncompress", kinds: all, rotations: 4},
		{name: "delaycompress", block: "rotate 3\ncreate\ncompress\ndelaycompress", kinds: all, rotations: 5},
		{name: "plain", block: "rotate 2\ncreate", kinds: all, rotations: 4},
		{name: "keep-none", block: "rotate 0\ncreate\ncompress", kinds: all, rotations: 2},
		{name: "sharedscripts", block: "rotate 2\ncreate\ncompress\nsharedscripts", kinds: all, rotations: 3},
		{name: "postrotate-only", block: "rotate 1\ncreate\ncompress", kinds: []string{"postrotate"}, rotations: 3},
		{name: "dateext", block: "rotate 2\ncreate\ndateext\ncompress", kinds: all, rotations: 1},
		// The first run's prerotate fails (one line in the file, no
		// backup): no rotation, lastaction still runs, the run fails;
		// the next rotates both generations. (When backups were renamed
		// up before a failed prerotate, logrotate leaves them so, and
		// ours get their names back: TestPrerotateFailsKeepsNames.)
		{name: "prerotate-fails", block: "rotate 2\ncreate\ncompress", kinds: all, rotations: 3,
			extra: map[string]string{"prerotate": `[ "$(wc -l < "$1")" -ge 2 ] || [ -e "$1.2.gz" ] || exit 1`}},
		{name: "firstaction-fails", block: "rotate 2\ncreate", kinds: all, rotations: 3,
			extra: map[string]string{"firstaction": `set -- $1; [ "$(wc -l < "$1")" -ge 2 ] || exit 3`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// dir/log holds the log file only; scripts, state and
			// trace live beside it.
			run := func(rotate func(conf string) error) (trace string, files map[string]string, fails []int) {
				base := t.TempDir()
				dir := filepath.Join(base, "log")
				os.Mkdir(dir, 0o755)
				path := filepath.Join(dir, "h.log")
				tr := filepath.Join(base, "trace")
				conf := fmt.Sprintf("%s {\n%s\n%s}\n", path, tc.block, traceScripts(dir, tr, tc.extra, tc.kinds...))
				for i := range tc.rotations {
					f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
					if err != nil {
						t.Fatal(err)
					}
					fmt.Fprintf(f, "generation %d\n", i)
					f.Close()
					if err := rotate(conf); err != nil {
						t.Logf("run %d: %v", i, err)
						fails = append(fails, i)
					}
					os.WriteFile(tr, append(readOr(tr), fmt.Sprintf("---- run %d\n", i)...), 0o644)
				}
				files = map[string]string{}
				for _, n := range testfs.Names(t, dir) {
					files[n] = string(readAny(t, filepath.Join(dir, n)))
				}
				return strings.ReplaceAll(string(readOr(tr)), dir, "DIR"), files, fails
			}
			wantTrace, wantFiles, wantFails := run(func(conf string) error {
				cf := filepath.Join(t.TempDir(), "c.conf")
				os.WriteFile(cf, []byte(conf), 0o644)
				state := filepath.Join(filepath.Dir(cf), "state")
				cmd := exec.Command(bin, "-f", "-s", state, cf)
				cmd.Stdin = strings.NewReader("")
				if out, err := cmd.CombinedOutput(); err != nil {
					return fmt.Errorf("%w: %s", err, out)
				}
				return nil
			})
			gotTrace, gotFiles, gotFails := run(func(conf string) error {
				c, err := ParseConfig(strings.NewReader(conf), "c.conf")
				if err != nil {
					t.Fatal(err)
				}
				path := c.Rules[0].Patterns[0]
				o := c.Rules[0].Options
				o.MaxSize = 0 // forced rotations, as logrotate -f
				w := mustNew(t, path, o)
				err = w.Rotate()
				if cerr := w.Close(); cerr != nil {
					t.Fatal(cerr)
				}
				return err
			})
			if gotTrace != wantTrace {
				t.Errorf("traces differ:\n%s", testkit.LineDiff([]byte(gotTrace), []byte(wantTrace)))
			}
			if fmt.Sprint(gotFiles) != fmt.Sprint(wantFiles) {
				t.Errorf("files differ:\n ours      %q\n logrotate %q", gotFiles, wantFiles)
			}
			if fmt.Sprint(gotFails) != fmt.Sprint(wantFails) {
				t.Errorf("failed runs: ours %v, logrotate %v", gotFails, wantFails)
			}
			if testing.Verbose() {
				t.Logf("trace:\n%s", gotTrace)
			}
		})
	}
}

func readOr(path string) []byte {
	b, _ := os.ReadFile(path)
	return b
}
