package layout

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/haplog/haplog/"

// features are the feature packages (with their subpackages) and the
// other features each may depend on.
var features = map[string][]string{
	"proxy":   nil,
	"syslogd": {"rotate"},
	"rotate":  nil,
	"halog":   nil,
	"formats": nil,
}

// feature returns the feature a package path belongs to, or "".
func feature(pkg string) string {
	rel, ok := strings.CutPrefix(pkg, module)
	if !ok {
		return ""
	}
	root, _, _ := strings.Cut(rel, "/")
	if _, ok := features[root]; ok {
		return root
	}
	return ""
}

// TestFeaturePackagesDoNotImportEachOther lists every package's
// dependencies (go list -deps, tests excluded) and fails on an edge
// between two features that the design does not allow; formats, the
// shared leaf, may be used by all.
func TestFeaturePackagesDoNotImportEachOther(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		from := feature(f[0])
		if from == "" {
			continue
		}
		checked++
		for _, dep := range f[1:] {
			to := feature(dep)
			if to == "" || to == from || to == "formats" {
				continue
			}
			allowed := false
			for _, a := range features[from] {
				allowed = allowed || a == to
			}
			if !allowed {
				t.Errorf("%s depends on %s: feature %s may not import feature %s", f[0], dep, from, to)
			}
		}
	}
	if checked < len(features) {
		t.Fatalf("only %d feature packages listed", checked)
	}
}
