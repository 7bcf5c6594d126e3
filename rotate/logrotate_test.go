package rotate

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// TestSameFilesAsLogrotate rotates the same content with the real logrotate
// (forced runs) and with a Writer configured from the same block, and
// compares the resulting file names and (decompressed) contents.
func TestSameFilesAsLogrotate(t *testing.T) {
	bin := testkit.Logrotate(t)
	testkit.Need(t, "gzip") // logrotate's compresscmd
	for _, tc := range []struct {
		name, block string
		rotations   int
	}{
		// `create` everywhere: the Writer always creates the new file
		{"numbered", "rotate 3\ncreate\ncompress\ndelaycompress\nmissingok", 5},
		{"numbered-plain", "rotate 2\ncreate\nnocompress", 4},
		{"dateext", "rotate 3\ncreate\ndateext\ncompress", 1},
		{"keep-none", "rotate 0\ncreate 0640\ncompress", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(dir string, rotateFn func(cfg string, i int)) map[string]string {
				path := filepath.Join(dir, "h.log")
				cfg := fmt.Sprintf("%s {\n%s\n}\n", path, tc.block)
				for i := range tc.rotations {
					f, _ := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
					fmt.Fprintf(f, "generation %d\n", i)
					f.Close()
					rotateFn(cfg, i)
				}
				got := map[string]string{}
				for _, n := range testfs.Names(t, dir) {
					if n != "state" {
						got[n] = string(readAny(t, filepath.Join(dir, n)))
					}
				}
				return got
			}
			lrDir := t.TempDir()
			want := run(lrDir, func(cfg string, i int) {
				conf := filepath.Join(t.TempDir(), "c.conf")
				os.WriteFile(conf, []byte(cfg), 0o644)
				out, err := exec.Command(bin, "-f", "-s", filepath.Join(lrDir, "state"), conf).CombinedOutput()
				if err != nil {
					t.Fatalf("logrotate: %v\n%s", err, out)
				}
			})
			ourDir := t.TempDir()
			got := run(ourDir, func(cfg string, i int) {
				c, err := ParseConfig(strings.NewReader(cfg), "c.conf")
				if err != nil {
					t.Fatal(err)
				}
				o, ok := c.OptionsFor(filepath.Join(ourDir, "h.log"))
				if !ok {
					t.Fatal("no rule")
				}
				o.MaxSize = 0 // logrotate -f ignores its size criterion; rotation is forced here too
				w, err := New(filepath.Join(ourDir, "h.log"), o)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Rotate(); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			})
			keys := func(m map[string]string) []string { k := slices.Sorted(mapsKeys(m)); return k }
			if !slices.Equal(keys(got), keys(want)) {
				t.Fatalf("files differ:\n ours      %v\n logrotate %v", keys(got), keys(want))
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: ours %q, logrotate %q", k, got[k], v)
				}
			}
		})
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
