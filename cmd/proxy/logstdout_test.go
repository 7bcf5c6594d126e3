package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testkit"
)

// TestLogStdoutVsHAProxy: "log stdout format raw|short|rfc5424 daemon"
// writes the same lines on standard output as haproxy 2.6 (date, pid,
// client port and timers masked).
func TestLogStdoutVsHAProxy(t *testing.T) {
	hap := testkit.HAProxy(t)
	self := selfPath(t)
	mask := []*regexp.Regexp{
		regexp.MustCompile(`\d{4}-\d\d-\d\dT[\d:.]+[+-]\d\d:\d\d`),
		regexp.MustCompile(`\[\d\d/\w{3}/\d{4}:[\d:.]+\]`),
		regexp.MustCompile(`127\.0\.0\.1:\d+`),
		regexp.MustCompile(` \d+/-?\d+/-?\d+/-?\d+/\d+ `),
		regexp.MustCompile(` haproxy \d+ `),
	}
	for _, format := range []string{"raw", "short", "rfc5424"} {
		var lines [2]string
		for i, bin := range []string{hap, self} {
			port := testkit.FreePort(t)
			cfg := testkit.WriteFile(t, filepath.Join(t.TempDir(), "s.cfg"), fmt.Sprintf("global\n    log stdout format %s daemon\n", format)+
				testkit.HTTPLogDefaults+fmt.Sprintf("frontend f\n    bind 127.0.0.1:%d\n    http-request return status 200\n", port))
			cmd := command(context.Background(), bin, "-db", "-f", cfg)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			p := testkit.Start(t, cmd)
			c := dial(t, p, fmt.Sprintf("127.0.0.1:%d", port))
			io.WriteString(c, "GET /s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			io.Copy(io.Discard, c)
			c.Close()
			ln, err := bufio.NewReader(out).ReadString('\n')
			cmd.Process.Kill()
			<-p.Exited()
			if err != nil {
				t.Fatalf("%s %s: no log line: %v", filepath.Base(bin), format, err)
			}
			for _, m := range mask {
				ln = m.ReplaceAllString(ln, "<M>")
			}
			lines[i] = ln
		}
		if lines[0] != lines[1] || !strings.Contains(lines[0], "GET /s") {
			t.Errorf("%s:\n got  %q\n want %q", format, lines[1], lines[0])
		}
	}
}
