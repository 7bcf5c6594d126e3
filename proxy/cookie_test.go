package proxy

import "testing"

func TestCookieValue(t *testing.T) {
	for _, c := range []struct {
		header, name, want string
		ok                 bool
	}{
		{"SRV=s1", "SRV", "s1", true},
		{"a=1; SRV=s2 ;b=3", "SRV", "s2", true},
		{"SRVX=s1; SRV=", "SRV", "", true},
		{"SRVX=s1; srv=s2", "SRV", "", false}, // names are case-sensitive
		{"SRV", "SRV", "", false},
		{"", "SRV", "", false},
	} {
		got, ok := cookieValue([]byte(c.header), c.name)
		if string(got) != c.want || ok != c.ok {
			t.Errorf("cookieValue(%q, %q) = %q, %v; want %q, %v", c.header, c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestAppendCookieWithout(t *testing.T) {
	for _, c := range []struct{ header, want string }{
		{"SRV=s1", ""},
		{"a=1; SRV=s1;b=2", "cookie: a=1; b=2\r\n"},
		{" a=1 ;; SRVX=3", "cookie: a=1; SRVX=3\r\n"},
	} {
		got := appendCookieWithout([]byte("x"), []byte(c.header), "SRV")
		if string(got) != "x"+c.want {
			t.Errorf("appendCookieWithout(%q) = %q, want %q", c.header, got, "x"+c.want)
		}
	}
}

func TestParseConnectionTokens(t *testing.T) {
	for _, c := range []struct {
		v         string
		close, ka bool
	}{
		{"close", true, false},
		{" Keep-Alive , Upgrade", false, true},
		{"upgrade,CLOSE", true, false},
		{"closed, keep-alive-x", false, false},
	} {
		var h head
		if _, err := h.parseRequest([]byte("GET / HTTP/1.1\r\nConnection: " + c.v + "\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		if h.connClose != c.close || h.connKA != c.ka {
			t.Errorf("parseConnection(%q): close=%v ka=%v, want %v %v", c.v, h.connClose, h.connKA, c.close, c.ka)
		}
	}
}

// The request head parser and the cookie lookups run once per request.
func TestHeadParsingAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	req := []byte("GET /p?q=1 HTTP/1.1\r\nHost: x\r\nCookie: a=1; SRV=s1\r\nConnection: keep-alive\r\n\r\n")
	var h head
	n := testing.AllocsPerRun(200, func() {
		h.reset()
		if _, err := h.parseRequest(req); err != nil {
			t.Fatal(err)
		}
		if v, ok := cookieValue(h.lookup("cookie"), "SRV"); !ok || string(v) != "s1" {
			t.Fatalf("cookie %q %v", v, ok)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per request head, want 0", n)
	}
}
