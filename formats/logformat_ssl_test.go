package formats

import (
	"strings"
	"testing"
)

// TestHTTPSLogSSLFields renders the tail of the httpslog format for a clear
// and a TLS connection. The expected tails were logged by haproxy 2.6.12
// for the same frontend (one clear and one ssl bind line): on a clear
// connection the SSL fetches fail ("-") except the booleans, which are 0.
func TestHTTPSLogSSLFields(t *testing.T) {
	f, err := Compile(HTTPSLogFormat)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		r    Record
		want string
	}{
		{"clear", Record{Frontend: "fe"}, ` "<BADREQ>" 0/-/-/-/0 -/-/-`},
		{"tls-resumed", Record{Frontend: "fe", FrontendSSL: true, SSLResumed: true, SNI: "www.example.com",
			SSLVersion: "TLSv1.2", SSLCipher: "ECDHE-RSA-AES256-GCM-SHA384"},
			` "<BADREQ>" 0/0000000000000000/0/0/1 www.example.com/TLSv1.2/ECDHE-RSA-AES256-GCM-SHA384`},
		{"tls-no-sni", Record{Frontend: "fe", FrontendSSL: true, SSLVersion: "TLSv1.3", SSLCipher: "TLS_AES_256_GCM_SHA384"},
			` "<BADREQ>" 0/0000000000000000/0/0/0 -/TLSv1.3/TLS_AES_256_GCM_SHA384`},
	} {
		got := string(f.Append(nil, &c.r))
		if !strings.HasSuffix(got, c.want) {
			t.Errorf("%s: line %q does not end with %q", c.name, got, c.want)
		}
		if c.r.FrontendSSL != strings.Contains(got, " fe~ ") {
			t.Errorf("%s: %%ft in %q", c.name, got)
		}
	}
}
