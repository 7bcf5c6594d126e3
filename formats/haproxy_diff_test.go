package formats

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// diffLogFormat exercises the variables and flags the conformance captures
// do not use. It is written for the configuration tokenizer (spaces are
// escaped), as in haproxy.cfg.
const diffLogFormat = `%ci:%cp %{+X}ci:%{+X}cp %fi:%fp %si:%sp %bi:%bp [%t] [%T] [%Tl] %Ts %{+X}Ts %ms %{+X}ms ` +
	`[%tr] [%trg] [%trl] %ft %f %b %s %Th/%Ti/%TR/%Tq/%Tw/%Tc/%Tr/%Td/%Ta/%Tt/%Tu %ST %B %U %CC %CS %ts %tsc ` +
	`%ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %hsl %{+Q}hrl %{+Q}r %HM %HU %HP %HPO %HQ %HV %ID %pid %{+X}pid ` +
	`%rt %{+X}rt %lc %H %sslc %sslv %{+Q}b %{+E}hr %{+E}r %[src] %[dst_port] %{+Q}o %s %ci %{-Q}b %ft`

// TestHAProxyDifferential runs the real HAProxy with diffLogFormat, sends
// requests, and checks that every datagram it logs is reproduced byte for
// byte by Parse, Append and Framer. It skips when haproxy is not installed.
func TestHAProxyDifferential(t *testing.T) {
	bin := testkit.HAProxy(t)
	if testing.Short() {
		t.Skip("starts haproxy")
	}
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	logConn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer logConn.Close()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain|x")
		io.WriteString(w, "hello\n")
	}))
	defer backend.Close()
	fePort := testkit.FreePort(t)

	cfg := fmt.Sprintf(`global
    log %s local0
defaults
    mode http
    timeout connect 1s
    timeout client 2s
    timeout server 2s
    timeout http-request 2s
frontend fe
    bind 127.0.0.1:%d
    option accept-invalid-http-request
    option dontlognull
    capture request header Host len 32
    capture request header X-Test len 64
    capture response header Content-Type len 32
    log global
    log-format %s
    default_backend be
backend be
    server s1 %s
`, logConn.LocalAddr(), fePort, strings.ReplaceAll(diffLogFormat, " ", `\ `), backend.Listener.Addr())
	cfgPath := testkit.WriteFile(t, filepath.Join(t.TempDir(), "haproxy.cfg"), cfg)
	cmd := exec.Command(bin, "-db", "-f", cfgPath)
	cmd.Env = append(os.Environ(), "TZ=Europe/Paris")
	hap := testkit.Start(t, cmd)
	feAddr := fmt.Sprintf("127.0.0.1:%d", fePort)
	hap.WaitDial(t, "tcp", feAddr) // an empty connection: not logged (dontlognull)

	requests := []string{
		"GET /p/q?r=s&t=%20 HTTP/1.1\r\nHost: h.example\r\nX-Test: a|b{c}d \"e\" #f \xc3\xa9 \\ ]\r\nConnection: close\r\n\r\n",
		"POST http://abs.example/x/y?z HTTP/1.0\r\nHost: abs.example\r\nContent-Length: 0\r\n\r\n",
		"GET /nohost HTTP/1.0\r\n\r\n",
		"BAD\x01REQUEST\r\n\r\n",
	}
	f := mustCompile(t, diffLogFormat)
	opt := ParseOptions{Location: loc, ReqCaptures: 2, RespCaptures: 1}
	buf := make([]byte, 70000)
	for i, req := range requests {
		c, err := net.Dial("tcp", feAddr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(c)
		clientPort := c.LocalAddr().(*net.TCPAddr).Port
		c.Close()

		_ = logConn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := logConn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("request %d: no log datagram: %v\n%s", i, err, hap.Stderr())
		}
		dgram := buf[:n]
		h, err := splitDatagram(dgram, LogLocal, loc)
		if err != nil {
			t.Fatalf("request %d: %v\n%q", i, err, dgram)
		}
		var r Record
		if err := f.Parse(h.msg, &r, opt); err != nil {
			t.Fatalf("request %d: parse: %v\n%q", i, err, h.msg)
		}
		if int(r.ClientAddr.Port()) != clientPort {
			t.Errorf("request %d: client port %d, want %d", i, r.ClientAddr.Port(), clientPort)
		}
		fr := &Framer{Facility: h.fac, Tag: h.tag, PID: h.pid}
		if got := fr.Append(nil, h.sev, h.time, f.Append(nil, &r)); !bytes.Equal(got, dgram) {
			t.Errorf("request %d:\nhaproxy %q\nours    %q", i, dgram, got)
		}
		if i == 0 && (r.URI != "/p/q?r=s&t=%20" || len(r.ReqHeaders) != 2 || r.ReqHeaders[1] != "a|b{c}d \"e\" #f \xc3\xa9 \\ ]") {
			t.Errorf("request 0: parsed URI %q, captures %q", r.URI, r.ReqHeaders)
		}
	}
}
