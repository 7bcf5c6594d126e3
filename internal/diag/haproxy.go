package diag

import (
	"fmt"
	"io"
	"strings"
)

// HAProxy returns s as HAProxy names it in its startup messages:
// "NOTICE", "WARNING" or "ALERT".
func (s Severity) HAProxy() string {
	switch s {
	case Warning:
		return "WARNING"
	case Error:
		return "ALERT"
	}
	return "NOTICE"
}

// HAProxy returns d located as HAProxy locates a configuration message:
// "parsing [FILE:LINE] : MESSAGE", or MESSAGE alone when d has no file.
// The column and the directive are not printed (HAProxy's messages name
// the keyword in MESSAGE itself). A Tight diagnostic is located as
// "parsing [FILE:LINE]: MESSAGE", as HAProxy prints a rule's unexpected
// word.
func (d *Diag) HAProxy() string {
	switch {
	case d.File == "":
		return d.Msg
	case d.Tight:
		return fmt.Sprintf("parsing [%s:%d]: %s", d.File, d.Line, d.Msg)
	}
	return fmt.Sprintf("parsing [%s:%d] : %s", d.File, d.Line, d.Msg)
}

// WriteHAProxy writes d in the layout of HAProxy's startup messages, as
// the proxy's "-c" must print them byte for byte: the severity in
// brackets padded to 10 columns, " (PID) : config : ", d.HAProxy(), and
// each further line of the message on its own line after "   | " (raw
// for a Tight one, as HAProxy's configuration parser prints its own).
//
//	[ALERT]    (4242) : config : parsing [haproxy.cfg:12] : unknown keyword 'tiemout' in 'defaults' section
func WriteHAProxy(w io.Writer, pid int, d *Diag) {
	lines := strings.Split(d.HAProxy(), "\n")
	sev := d.Severity.HAProxy()
	if d.Alert {
		sev = Error.HAProxy()
	}
	fmt.Fprintf(w, "%-10s (%d) : config : %s\n", "["+sev+"]", pid, lines[0])
	cont := "   | "
	if d.Tight {
		cont = ""
	}
	for _, l := range lines[1:] {
		if l == "" {
			cont = "" // a message ending in a newline: an empty line
		}
		fmt.Fprintf(w, "%s%s\n", cont, l)
	}
}
